"""The mapper framework: defaults of BaseMapper, plugin error codes, foreign samples, missing extras."""

from __future__ import annotations

import builtins
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from mfgcanon import errors
from mfgcanon.errors import MappingError
from mfgcanon.mappers import (
    BaseMapper,
    Document,
    MappingContext,
    MappingResult,
    Reject,
    get,
    map_payloads,
    registry,
    write_documents,
)
from mfgcanon.mappers import helpers as h
from mfgcanon.testing.mapper_suite import MapperContract
from mfgcanon.v1 import Material, MaterialUpserted

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sap"
IDOC = sorted(EXAMPLES.glob("*.xml"))
ODATA = sorted(EXAMPLES.glob("*.json"))
BAD_ROW = errors.register_code("demo.bad_row", "a demo CSV row without three columns")


class LinesMapper(BaseMapper):
    """A minimal mapper on the base class: ``material;unit`` lines, one record each."""

    name: ClassVar[str] = "demo-lines"
    description: ClassVar[str] = "demo lines"
    produces: ClassVar[tuple[type[Any], ...]] = (MaterialUpserted,)
    accepts: ClassVar[tuple[type[Any], ...]] = (Material,)

    def sniff(self, payload: Any) -> bool:
        return isinstance(payload, bytes) and payload.startswith(b"#lines")

    def to_canonical(self, payload: Any, context: MappingContext | None = None, meta: Any = None) -> MappingResult:
        ctx = context or MappingContext()
        result = MappingResult()
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
        if not text.startswith("#lines"):
            result.add_reject(Reject(code="unsupported_message", reason="not #lines", location="/",
                                     payload=payload if isinstance(payload, bytes | str) else repr(payload)))
            return result
        for number, line in enumerate(text.splitlines()[1:], start=2):
            try:
                parts = line.split(";")
                if len(parts) != 2:
                    raise MappingError(f"line {number} needs material;unit", code=BAD_ROW, path=f"/{number}")
                entity = h.convert(
                    {"material_id": parts[0], "base_uom": h.resolve_unit(parts[1], ctx, path=f"/{number}/2"),
                     "source": {"system": ctx.source_system or "DEMO", "document_type": "LINES",
                                "document_id": parts[0]}},
                    Material,
                )
                h.emit_checked(result, MaterialUpserted, entity, time=datetime(2024, 1, 1, tzinfo=UTC))
            except MappingError as exc:
                result.add_reject(Reject(code=exc.code, reason=exc.message, location=exc.path or f"/{number}",
                                         payload=line, line=number))
        return result

    def from_canonical(self, items: Any, context: MappingContext | None = None) -> bytes:
        rows = [f"{getattr(i, 'data', i).material_id};{getattr(i, 'data', i).base_uom}" for i in items]
        return "\n".join(["#lines", *rows]).encode()


class TestLinesContract(MapperContract):
    @pytest.fixture
    def mapper(self) -> LinesMapper:
        return LinesMapper()

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, bytes]]:
        return [("a", b"#lines\nFG-1;KGM\nFG-2;each"), ("b", b"#lines\nRM-1;Ea")]

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, bytes]]:
        return [(p.name, p.read_bytes()) for p in [*IDOC, *ODATA]]


def test_base_mapper_defaults() -> None:
    mapper = LinesMapper()
    many = mapper.to_canonical_many([b"#lines\nA;KGM", b"#lines\nB;KGM\nbad"], MappingContext())
    assert (many.records_in, many.converted, many.rejected) == (3, 2, 1)
    assert many.rejects[0].code == "demo.bad_row"
    assert map_payloads(mapper, [b"#lines\nA;KGM"], None, [None]).converted == 1
    (document,) = mapper.write_documents([e.data for e in many.events])  # type: ignore[attr-defined]
    assert document == Document("demo-lines", b"#lines\nA;KGM\nB;KGM")
    with pytest.raises(MappingError, match="2 payloads but 1 metadata"):
        mapper.to_canonical_many([b"", b""], None, [None])


def test_write_documents_uses_the_mappers_own_writer() -> None:
    """sap-idoc writes confirmations and loose movements as two IDocs: its writer is used, as Documents."""
    idoc = get("sap-idoc")
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})
    events = [
        *idoc.to_canonical((EXAMPLES / "idoc_ppcc2pretticket02_confirmation.xml").read_bytes(), ctx).events,
        *idoc.to_canonical((EXAMPLES / "idoc_mbgmcr03_scrap_551.xml").read_bytes(), ctx).events,
    ]
    documents = write_documents(idoc, [e for e in events if type(e.data) in idoc.accepts], ctx)  # type: ignore[attr-defined]
    assert [d.kind for d in documents] == ["PPCC2PRETTICKET02", "MBGMCR03"]
    assert all(isinstance(d, Document) and d.payload.startswith(b"<") for d in documents)  # type: ignore[union-attr]


@pytest.mark.parametrize(("name", "foreign"), [("sap-idoc", ODATA), ("sap-odata", IDOC)])
def test_sap_mappers_refuse_each_others_samples(name: str, foreign: list[Path]) -> None:
    assert foreign
    MapperContract().test_sniff_refuses_foreign_samples(get(name), [(p.name, p.read_bytes()) for p in foreign])


def test_registered_codes() -> None:
    assert errors.is_known_code("demo.bad_row")
    assert errors.is_known_code("unresolved_reference")
    assert errors.register_code("demo.bad_row", "a demo CSV row without three columns") == "demo.bad_row"
    with pytest.raises(ValueError, match="already registered"):
        errors.register_code("demo.bad_row", "something else")
    with pytest.raises(ValueError, match="namespaced"):
        errors.register_code("bad_row", "no namespace")
    with pytest.raises(ValueError, match="register it first"):
        MappingError("x", code="demo.not_registered")
    with pytest.raises(ValueError, match="register it first"):
        Reject(code="demo.not_registered", reason="x", location="/", payload="")
    with pytest.raises(ValueError, match="unknown error code"):
        MappingError("x", code="no_such_code")  # type: ignore[arg-type]
    assert MappingError("x", code=BAD_ROW).to_dict()["code"] == "demo.bad_row"
    assert "demo.bad_row" in errors.registered_codes()


# A missing optional dependency -------------------------------------------------------------------------
@pytest.fixture
def no_lxml(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Import of lxml fails, and the modules that need it are imported afresh (as in an install without [sap]
    and [b2mml]), whatever other tests imported before in this process."""
    real = builtins.__import__

    def fake(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "lxml" or name.startswith("lxml."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *args, **kwargs)

    for module in [m for m in sys.modules if m.startswith((
            "mfgcanon.mappers.sap.idoc", "mfgcanon.mappers._xml", "mfgcanon.mappers.b2mml"))]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", fake)
    registry._reset_for_tests()
    yield
    registry._reset_for_tests()


def test_missing_lxml_names_the_extra(no_lxml: None) -> None:
    with pytest.raises(MappingError, match=r"pip install 'mfgcanon\[sap\]'") as info:
        registry.get("sap-idoc")
    assert info.value.code == "plugin_error"
    assert "unknown" not in info.value.message
    # detection still points at sap-idoc for XML, so the conversion says what to install
    payload = (EXAMPLES / "idoc_matmas05_material.xml").read_bytes()
    assert registry.detect(payload) == ["sap-idoc"]
    assert registry.detect((EXAMPLES / "odata_product_get_response.json").read_bytes()) == ["sap-odata"]
    b2mml = "needs lxml, which is not installed: pip install 'mfgcanon[b2mml]'"
    assert registry.missing_extras() == {"sap-idoc": info.value.message, "b2mml": f"mapper 'b2mml' {b2mml}",
                                         "b2mml-json": f"mapper 'b2mml-json' {b2mml}"}


def test_install_hints_name_only_existing_extras() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]
    extras = set(project["optional-dependencies"])
    assert all(extra in extras for _, extra in registry.EXTRAS.values())
    assert not any("mfgcanon-" in hint for hint in registry.INSTALL_HINTS.values())


def test_metadata_support_is_asked_of_the_current_method(monkeypatch: pytest.MonkeyPatch) -> None:
    """A patched or replaced ``to_canonical_many`` without ``metas`` must not leave a stale answer behind."""
    from mfgcanon.mappers import _base
    from mfgcanon.mappers.sap import SapODataMapper

    assert _base._takes_meta(SapODataMapper, "to_canonical_many", "metas")
    original = SapODataMapper.to_canonical_many

    def without_metas(self: Any, payloads: Any, context: Any = None) -> Any:
        return original(self, payloads, context)

    monkeypatch.setattr(SapODataMapper, "to_canonical_many", without_metas)
    assert not _base._takes_meta(SapODataMapper, "to_canonical_many", "metas")
    monkeypatch.undo()
    assert _base._takes_meta(SapODataMapper, "to_canonical_many", "metas")


@pytest.mark.parametrize("name", ["sap-idoc", "sap-odata"])
def test_builtin_mappers_carry_the_whole_protocol(name: str) -> None:
    """The SAP mappers are the template a new vendor copies: they subclass BaseMapper, so a user can call
    ``to_canonical_many`` and ``write_documents`` on them directly, and documents come back as Documents."""
    from mfgcanon.mappers import BaseMapper, Document, get

    mapper = get(name)
    assert isinstance(mapper, BaseMapper)
    result = mapper.to_canonical_many([], None)
    assert (result.records_in, result.events) == (0, [])
    sample = {"sap-idoc": "idoc_ppcc2pretticket02_confirmation.xml",
              "sap-odata": "odata_prodnordconf2_post_request.json"}
    context = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                                   options={"default_plant": "1710"})
    read = mapper.to_canonical((EXAMPLES / sample[name]).read_bytes(), context)
    assert read.events, read.rejects
    documents = mapper.write_documents(read.events, context)
    assert documents
    assert all(isinstance(d, Document) and d.kind and d.payload for d in documents)
