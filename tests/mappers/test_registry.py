"""The mapper registry: built-ins, register/clobber, broken plugins, disabling, and a real pip-installed plugin."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mfgcanon.errors import MappingError
from mfgcanon.mappers import MapperPluginWarning, MappingContext, registry

PLUGIN = Path(__file__).parent / "plugin_pkg"


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    registry._reset_for_tests()
    yield
    registry._reset_for_tests()


def test_builtins_are_available_without_importing() -> None:
    names = registry.available()
    assert {"sap-idoc", "sap-odata"} <= set(names)
    assert registry.registry["sap-idoc"].instance is None  # nothing imported yet
    info = registry.info("sap-idoc")
    assert info.loaded
    assert info.distribution == "mfgcanon"
    assert "ProductionOrderReleased" in info.produces


def test_register_and_clobber() -> None:
    registry.register("demo", "mfgcanon.mappers.sap:SapIdocMapper")
    assert registry.get("demo").name == "sap-idoc"
    with pytest.raises(MappingError, match="already registered"):
        registry.register("demo", "mfgcanon.mappers.sap:SapODataMapper")
    registry.register("demo", "mfgcanon.mappers.sap:SapODataMapper", clobber=True)
    assert registry.get("demo").name == "sap-odata"


def test_broken_plugin_warns_and_is_skipped() -> None:
    registry.register("broken", "no_such_module_anywhere:Mapper")
    with pytest.warns(MapperPluginWarning, match="broken"), pytest.raises(MappingError) as info:
        registry.get("broken")
    assert info.value.code == "plugin_error"
    assert registry.detect(b"<LOIPRO05><IDOC/></LOIPRO05>") == ["sap-idoc"]  # the others still work


def test_unknown_mapper_has_a_clear_error() -> None:
    with pytest.raises(MappingError, match="available: ") as info:
        registry.get("nope")
    assert info.value.code == "unknown_format"


def test_detection() -> None:
    assert registry.detect(b'{"d": {"results": []}}') == []
    assert registry.detect(b'{"d": {"Product": "X", "BaseUnit": "PC"}}') == ["sap-odata"]
    assert registry.detect(b"<?xml version='1.0'?><MATMAS05><IDOC BEGIN='1'/></MATMAS05>") == ["sap-idoc"]


def test_pyproject_entry_points_are_the_builtins() -> None:
    """The entry points the installed metadata carries (read here from pyproject.toml, which a re-install
    copies) are the built-in table, and each loads the mapper of its name from its vendor's package
    (``mappers.sap``, ``mappers.oracle``, ``mappers.d365``)."""
    import importlib
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]
    points = project["entry-points"]["mfgcanon.mappers"]
    assert points == registry.BUILTINS
    for name, target in points.items():
        module, _, attr = target.partition(":")
        assert module.startswith("mfgcanon.mappers.")
        assert module.count(".") == 2  # the vendor package, whose __init__ imports the mapper lazily
        assert getattr(importlib.import_module(module), attr)().name == name


def test_odata_mapper_loads_without_lxml() -> None:
    """Both entry points name one package; asking it for the OData mapper must not import the IDoc modules
    (lxml is the optional ``[sap]`` extra). Run in a fresh interpreter with lxml made unimportable."""
    code = (
        "import sys, importlib\n"
        "sys.modules['lxml'] = None\n"
        "sap = importlib.import_module('mfgcanon.mappers.sap')\n"
        "assert sap.SapODataMapper().name == 'sap-odata'\n"
        "assert not [m for m in sys.modules if m.startswith('mfgcanon.mappers.sap.idoc')]\n"
        "try:\n"
        "    sap.SapIdocMapper\n"
        "except ImportError as exc:\n"
        "    print('refused', exc.name)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "refused lxml"


def test_pip_installed_plugin_is_discovered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(PLUGIN),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"pip could not build the demo plugin: {proc.stderr[-2000:]}")
    monkeypatch.syspath_prepend(str(target))
    import importlib

    importlib.invalidate_caches()
    registry._reset_for_tests()
    assert {"demo-csv", "demo-broken"} <= set(registry.available())
    info = registry.info("demo-csv")
    assert (info.distribution, info.version, info.origin) == ("mfgcanon-demo-plugin", "0.1.0", "entry-point")
    mapper = registry.get("demo-csv")
    result = mapper.to_canonical(
        b"material,description,base_uom\nFG-1,Pump,H87\nFG-2,Bad,XX\n", MappingContext(source_system="DEMO")
    )
    assert [e.data.material_id for e in result.events] == ["FG-1"]
    assert [r.line for r in result.rejects] == [3]
    with pytest.warns(MapperPluginWarning, match="demo-broken"), pytest.raises(MappingError):
        registry.get("demo-broken")
    monkeypatch.setenv("MFGCANON_DISABLE_PLUGINS", "demo-broken")
    registry._reset_for_tests()
    assert "demo-broken" not in registry.available()
    assert "demo-csv" in registry.available()
    monkeypatch.setenv("MFGCANON_DISABLE_PLUGINS", "1")
    registry._reset_for_tests()
    assert "demo-csv" not in registry.available()
    assert "sap-idoc" in registry.available()
