"""The mapper registry: entry-point discovery (group ``mfgcanon.mappers``), lazy import, provenance.

Discovery stores only strings (``"pkg.mod:Class"``); a mapper's module is imported on the first
:func:`get`. A plugin that fails to import or to build gives a :class:`MapperPluginWarning` and is
skipped: one broken distribution never takes the others down. ``MFGCANON_DISABLE_PLUGINS=1`` turns
off every third-party entry point; ``MFGCANON_DISABLE_PLUGINS=name,name`` only those names.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from importlib import metadata
from types import MappingProxyType
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import Mapper, Payload

GROUP = "mfgcanon.mappers"

# The built-ins also register through the entry-point group in pyproject.toml; this table keeps them
# available in a checkout whose metadata predates that (and is the single place listing them).
BUILTINS: dict[str, str] = {
    "sap-idoc": "mfgcanon.mappers.sap:SapIdocMapper",
    "sap-odata": "mfgcanon.mappers.sap:SapODataMapper",
    "oracle-fusion": "mfgcanon.mappers.oracle:OracleFusionMapper",
    "oracle-ebs": "mfgcanon.mappers.oracle:OracleEbsMapper",
    "d365-mes": "mfgcanon.mappers.d365:D365MesMapper",
    "d365-odata": "mfgcanon.mappers.d365:D365ODataMapper",
    "bc": "mfgcanon.mappers.d365:BcMapper",
    "b2mml": "mfgcanon.mappers.b2mml:B2mmlMapper",
    "b2mml-json": "mfgcanon.mappers.b2mml_json:B2mmlJsonMapper",
    "proficy-pa": "mfgcanon.mappers.proficy:ProficyPaMapper",
    "tulip": "mfgcanon.mappers.tulip:TulipMapper",
}

# Install hints name only what exists: the extras of the mfgcanon distribution (pyproject.toml). A name
# that is not registered gets the list of what is, never a guessed package name.
INSTALL_HINTS: dict[str, str] = {}

EXTRAS: dict[str, tuple[frozenset[str], str]] = {
    "sap-idoc": (frozenset({"lxml"}), "sap"),
    "b2mml": (frozenset({"lxml"}), "b2mml"),
    "b2mml-json": (frozenset({"lxml"}), "b2mml"),
}
"""Built-in mappers that need an optional dependency: (the top-level modules, the extra that installs them)."""


def _missing_extra(name: str, exc: BaseException) -> str | None:
    """The install hint when ``exc`` is a built-in mapper's optional dependency not being installed."""
    need = EXTRAS.get(name)
    missing = getattr(exc, "name", None)
    if need is None or not isinstance(exc, ModuleNotFoundError) or not missing:
        return None
    if missing.partition(".")[0] not in need[0]:
        return None
    module = missing.partition(".")[0]
    return f"mapper {name!r} needs {module}, which is not installed: pip install 'mfgcanon[{need[1]}]'"


class MapperPluginWarning(UserWarning):
    """A mapper plugin could not be loaded; it was skipped."""


@dataclass(frozen=True)
class MapperInfo:
    """Where a mapper comes from: for ``mfgcanon mappers list`` and bug reports."""

    name: str
    target: str
    origin: str  # "builtin", "entry-point" or "register"
    distribution: str | None = None
    version: str | None = None
    loaded: bool = False
    description: str | None = None
    produces: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "origin": self.origin,
            "distribution": self.distribution,
            "version": self.version,
            "loaded": self.loaded,
            "description": self.description,
            "produces": list(self.produces),
            "accepts": list(self.accepts),
        }


@dataclass
class _Entry:
    info: MapperInfo
    target: str | type[Any]
    instance: Mapper | None = None


_lock = threading.RLock()
_entries: dict[str, _Entry] = {}
_discovered = False
_loading: set[str] = set()
_failed: set[str] = set()
_missing: dict[str, str] = {}  # built-ins whose optional dependency is not installed: name -> install hint
registry = MappingProxyType(_entries)
"""Read-only view of the registered entries (name -> entry)."""


def _target_text(target: str | type[Any]) -> str:
    return target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"


def _own_version() -> str | None:
    try:
        return metadata.version("mfgcanon")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an unpacked tree
        return None


def _disabled() -> tuple[bool, frozenset[str]]:
    value = os.environ.get("MFGCANON_DISABLE_PLUGINS", "").strip()
    if value.lower() in {"1", "true", "yes", "all", "*"}:
        return True, frozenset()
    return False, frozenset(part.strip() for part in value.split(",") if part.strip())


def _discover() -> None:
    """Fill the table once: built-ins first, then entry points (strings only, nothing imported)."""
    global _discovered
    with _lock:
        if _discovered:
            return
        _discovered = True
        version = _own_version()
        for name, target in BUILTINS.items():
            _entries.setdefault(name, _Entry(MapperInfo(name, target, "builtin", "mfgcanon", version), target))
        disable_all, disabled = _disabled()
        try:
            points = list(metadata.entry_points(group=GROUP))
        except Exception as exc:  # a corrupt installed distribution must not break the registry
            warnings.warn(f"cannot read {GROUP} entry points: {exc}", MapperPluginWarning, stacklevel=3)
            return
        for point in points:
            dist = getattr(point, "dist", None)
            dist_name = dist.metadata["Name"] if dist is not None else None
            is_own = dist_name == "mfgcanon"
            if not is_own and (disable_all or point.name in disabled):
                continue
            if point.name in _entries and not is_own and _entries[point.name].info.origin != "entry-point":
                warnings.warn(
                    f"mapper plugin {point.name!r} from {dist_name} clashes with an existing mapper "
                    "of that name and was skipped",
                    MapperPluginWarning,
                    stacklevel=3,
                )
                continue
            origin = "builtin" if is_own else "entry-point"
            info = MapperInfo(point.name, point.value, origin, dist_name, dist.version if dist is not None else None)
            _entries[point.name] = _Entry(info, point.value)


def _reset_for_tests() -> None:
    """Forget discovery and registrations (tests only)."""
    global _discovered
    with _lock:
        _entries.clear()
        _failed.clear()
        _missing.clear()
        _discovered = False


def register(
    name: str,
    target: str | type[Any],
    *,
    clobber: bool = False,
    distribution: str | None = None,
    version: str | None = None,
) -> None:
    """Add a mapper by ``"pkg.mod:Class"`` or class (tests and notebooks); refuses to replace one
    unless ``clobber=True``."""
    if not name or not isinstance(name, str):
        raise MappingError("a mapper name must be a non-empty string", code="plugin_error")
    _discover()
    with _lock:
        if name in _entries and not clobber:
            raise MappingError(
                f"a mapper named {name!r} is already registered; pass clobber=True to replace it", code="plugin_error"
            )
        _failed.discard(name)
        _entries[name] = _Entry(MapperInfo(name, _target_text(target), "register", distribution, version), target)


def unregister(name: str) -> None:
    _discover()
    with _lock:
        _entries.pop(name, None)


def available() -> list[str]:
    """Names of every known mapper, sorted; imports nothing."""
    _discover()
    return sorted(_entries)


def _load(entry: _Entry) -> Mapper:
    target = entry.target
    if isinstance(target, str):
        module_name, _, attr = target.partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
    else:
        obj = target
    mapper = obj() if isinstance(obj, type) else obj
    for needed in ("name", "to_canonical", "sniff"):
        if not hasattr(mapper, needed):
            raise TypeError(f"{entry.info.target} does not implement the Mapper protocol (no {needed!r})")
    return mapper  # type: ignore[no-any-return]


def get(name: str) -> Mapper:
    """The mapper registered under ``name``, imported and built on first use."""
    _discover()
    with _lock:
        entry = _entries.get(name)
        if entry is None:
            hint = next((h for prefix, h in INSTALL_HINTS.items() if name.startswith(prefix)), None)
            known = ", ".join(sorted(_entries)) or "none"
            extra = f"; {hint}" if hint else ""
            raise MappingError(f"no mapper named {name!r} (available: {known}){extra}", code="unknown_format")
        if entry.instance is not None:
            return entry.instance
        if name in _missing and entry.info.origin == "builtin":
            raise MappingError(_missing[name], code="plugin_error")
        if name in _loading:
            raise MappingError(
                f"mapper {name!r} is being loaded already (an import cycle in the plugin)", code="plugin_error"
            )
        _loading.add(name)
        try:
            mapper = _load(entry)
        except Exception as exc:
            _failed.add(name)
            hint = _missing_extra(name, exc) if entry.info.origin == "builtin" else None
            if hint is not None:  # not a broken plugin: an extra not installed; no warning, the error says it
                _missing[name] = hint
                raise MappingError(hint, code="plugin_error") from None
            warnings.warn(
                f"mapper plugin {name!r} ({entry.info.target}, from {entry.info.distribution}) "
                f"failed to load and was skipped: {type(exc).__name__}: {exc}",
                MapperPluginWarning,
                stacklevel=2,
            )
            raise MappingError(
                f"mapper {name!r} failed to load: {type(exc).__name__}: {exc}", code="plugin_error"
            ) from None
        finally:
            _loading.discard(name)
        entry.instance = mapper
        entry.info = replace(
            entry.info,
            loaded=True,
            description=getattr(mapper, "description", None),
            produces=tuple(getattr(t, "__name__", str(t)) for t in getattr(mapper, "produces", ())),
            accepts=tuple(getattr(t, "__name__", str(t)) for t in getattr(mapper, "accepts", ())),
        )
        return mapper


def info(name: str, *, load: bool = True) -> MapperInfo:
    """Provenance of one mapper (loads it first, so description and types are filled, unless load=False)."""
    if load:
        with contextlib.suppress(MappingError):
            get(name)
    _discover()
    return _entries[name].info


def loaded_mappers() -> Iterator[Mapper]:
    """Every mapper that loads; broken plugins give a warning and are left out."""
    for name in available():
        if name in _failed:
            continue
        try:
            yield get(name)
        except MappingError:
            continue


def _xml_head(payload: Payload) -> bool:
    """Whether a payload starts like XML (for a built-in XML mapper whose parser is not installed)."""
    if isinstance(payload, bytes):
        return payload.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"
    return isinstance(payload, str) and payload.lstrip("\ufeff \t\r\n")[:1] == "<"


_UNLOADED_SNIFF = {"sap-idoc": _xml_head}
"""What a built-in mapper that cannot load (its extra missing) still claims in :func:`detect`, so that the
conversion names the extra to install instead of an ``unknown_format``."""


def missing_extras() -> dict[str, str]:
    """Built-in mappers that cannot load because an optional dependency is missing: name -> install hint."""
    _discover()
    for name in EXTRAS:
        entry = _entries.get(name)
        if entry is not None and entry.instance is None and name not in _missing and name not in _failed:
            with contextlib.suppress(MappingError):
                get(name)
    return {name: hint for name, hint in _missing.items() if name in _entries}


def detect(payload: Payload) -> list[str]:
    """Names of the mappers whose ``sniff`` recognises the payload (for ``--from`` auto-detection).

    A built-in mapper whose optional dependency is missing is named when the payload looks like its format
    (XML for ``sap-idoc``): getting it then raises the install hint (``pip install 'mfgcanon[sap]'``)."""
    missing = missing_extras()
    found: list[str] = [name for name in missing if _UNLOADED_SNIFF.get(name, lambda _: False)(payload)]
    for mapper in loaded_mappers():
        try:
            if mapper.sniff(payload):
                found.append(mapper.name)
        except Exception as exc:  # a plugin's sniff must not break detection for the others
            warnings.warn(
                f"mapper {mapper.name!r} failed in sniff(): {type(exc).__name__}: {exc}",
                MapperPluginWarning,
                stacklevel=2,
            )
    return found
