"""The mapping context: what a mapper needs to know about the source system that is not in the payload.

Plant time zones (SAP IDoc and BAPI times are plant-local with no offset), unit aliases, the source
system's name, options. A mapper never reads global settings: the same payload and context always give
the same result.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mfgcanon import units
from mfgcanon.errors import MappingError, MfgcanonError

_KNOWN_KEYS = frozenset(
    {"source_system", "default_timezone", "system_timezone", "plants", "companies", "units", "options", "received_at",
     "lookups", "vendors", "codes"}
)

LookupValue = str | Mapping[str, Any]
"""A lookup's answer: a string (a unit, a code, an order number), or an inline table for structured values
(a company's sites and zones)."""


@runtime_checkable
class Resolver(Protocol):
    """Reference data a mapper can ask for, looked up in code (a cache, a database, the source system's API).

    ``resolve`` returns the value, or None when it does not know the key (the next resolver is asked; after
    the last, the lookup is an ``unresolved_reference``). It never invents a value.
    """

    def resolve(self, table: str, key: str) -> str | None: ...


def _frozen(value: Any) -> Any:
    """A read-only deep copy of parsed TOML tables (the context is immutable)."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _check_lookup_value(value: object, where: str) -> None:
    """Lookup values are strings (``"00123"`` keeps its zeros) or inline tables of strings, lists and tables."""
    if isinstance(value, str):
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _check_lookup_value(inner, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            _check_lookup_value(inner, f"{where}[{index}]")
        return
    raise MappingError(
        f"lookup values are strings or inline tables of strings, got {value!r} (quote it: \"{value}\")",
        code="invalid_context",
        path=where,
    )


def _tables(data: object, section: str, *, lookups: bool = False) -> dict[str, Mapping[str, Any]]:
    """``[section.NAME]`` tables, checked (``lookups``: every value a string or an inline table)."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise MappingError(f"{section} must be a table of [{section}.<name>] tables", code="invalid_context",
                           path=section)
    tables: dict[str, Mapping[str, Any]] = {}
    for name, table in data.items():
        where = f"{section}.{name}"
        if not isinstance(table, Mapping):
            raise MappingError(f"[{where}] must be a table", code="invalid_context", path=where)
        if lookups:
            for key, value in table.items():
                _check_lookup_value(value, f"{where}.{key}")
        tables[str(name)] = table
    return tables

MAX_DOCUMENT_BYTES_CEILING = 1024 * 1024 * 1024
"""The highest ``options.max_document_bytes`` accepted: libxml2 refuses larger documents without ``huge_tree``."""


@dataclass(frozen=True)
class _Option:
    """The type and range of one built-in option (for ``str``, the range is the length)."""

    kind: type[Any]
    low: int | None = None
    high: int | None = None

    def check(self, name: str, value: object) -> None:
        kind = self.kind
        if kind is bool:
            ok = type(value) is bool
            wanted = "true or false (a boolean, not a string)"
        elif kind is int:
            ok = type(value) is int and _within(value, self.low, self.high)
            wanted = f"an integer from {self.low} to {self.high}"
        else:
            ok = type(value) is str and _within(len(value), self.low, self.high)
            wanted = f"a string of {self.low} to {self.high} characters"
        if not ok:
            raise MappingError(
                f"option {name} must be {wanted}, got {value!r}", code="invalid_context", path=f"options.{name}"
            )


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


OPTIONS: Mapping[str, _Option] = MappingProxyType(
    {
        "keep_leading_zeros": _Option(bool),
        "max_document_bytes": _Option(int, 1, MAX_DOCUMENT_BYTES_CEILING),
        "max_idoc_bytes": _Option(int, 1, MAX_DOCUMENT_BYTES_CEILING),  # one IDOC of a streamed document
        "default_plant": _Option(str, 1, 255),
        "language": _Option(str, 1, 3),  # ISO 639 (EN, en, eng) or SAP's one-character SPRAS
        "sender_port": _Option(str, 1, 10),  # EDI_DC40 SNDPOR, CHAR 10
        "sender_partner": _Option(str, 1, 10),  # SNDPRN
        "receiver_port": _Option(str, 1, 10),  # RCVPOR
        "receiver_partner": _Option(str, 1, 10),  # RCVPRN
    }
)
"""The options the built-in mappers read, with their types and ranges. Other names pass unchecked: plugin
mappers read their own options."""


def _zone(name: object, where: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise MappingError(
            f"time zone must be an IANA name such as 'Europe/Berlin', got {name!r}", code="invalid_context", path=where
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise MappingError(f"unknown IANA time zone {name!r}", code="invalid_context", path=where) from None


@dataclass(frozen=True)
class MappingContext:
    """Per-connection settings for mappers (immutable; build one per source system).

    The built-in ``options`` are checked here, whichever way the context is built (:data:`OPTIONS`): a value
    of the wrong type or out of range is an ``invalid_context`` error naming ``options.<name>``.
    """

    source_system: str | None = None
    plant_timezones: Mapping[str, ZoneInfo] = field(default_factory=dict)
    default_timezone: ZoneInfo | None = None
    units: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    received_at: datetime | None = None
    system_timezone: ZoneInfo | None = None
    """The zone of the source system's own clock (SAP: the application server's, in which the IDoc control
    record's CREDAT/CRETIM are written); plant zones do not apply to it."""
    company_plant_timezones: Mapping[tuple[str, str], ZoneInfo] = field(default_factory=dict)
    """Zones of plants keyed by (company, plant), from ``[companies.<c>.plants.<p>]``: site codes that are
    unique only within a legal entity (D365 sites, Oracle organizations across business units)."""
    company_timezones: Mapping[str, ZoneInfo] = field(default_factory=dict)
    """A company's default zone (``[companies.<c>] timezone``), for its plants without a zone of their own."""
    lookups: Mapping[str, Mapping[str, LookupValue]] = field(default_factory=dict)
    """Reference data tables (``[lookups.<table>]``: key = value), asked through :meth:`lookup`."""
    resolvers: tuple[Resolver, ...] = ()
    """Resolvers asked, in order, for a key the ``lookups`` tables do not have."""
    vendors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per-vendor settings (``[vendors.<mapper>]``), read by that mapper through :meth:`vendor`."""
    code_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per-connection code lists (``[codes.<list>]``) merged over the packaged ones by :meth:`codes`."""

    def __post_init__(self) -> None:
        for name, table in self.lookups.items():
            for key, value in table.items():
                _check_lookup_value(value, f"lookups.{name}.{key}")
        object.__setattr__(self, "lookups", _frozen(self.lookups))
        object.__setattr__(self, "vendors", _frozen(self.vendors))
        object.__setattr__(self, "code_overrides", _frozen(self.code_overrides))
        object.__setattr__(self, "resolvers", tuple(self.resolvers))
        for resolver in self.resolvers:
            if not callable(getattr(resolver, "resolve", None)):
                raise MappingError(f"resolver {resolver!r} has no resolve(table, key) method", code="invalid_context",
                                   path="resolvers")
        object.__setattr__(self, "plant_timezones", MappingProxyType(dict(self.plant_timezones)))
        object.__setattr__(self, "company_plant_timezones", MappingProxyType(dict(self.company_plant_timezones)))
        object.__setattr__(self, "company_timezones", MappingProxyType(dict(self.company_timezones)))
        object.__setattr__(self, "units", MappingProxyType(dict(self.units)))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        for name, value in self.options.items():
            spec = OPTIONS.get(name)
            if spec is not None:
                spec.check(name, value)

    @classmethod
    def build(
        cls,
        *,
        source_system: str | None = None,
        plants: Mapping[str, str] | None = None,
        default_timezone: str | None = None,
        units: Mapping[str, str] | None = None,
        options: Mapping[str, Any] | None = None,
        received_at: datetime | None = None,
        system_timezone: str | None = None,
        lookups: Mapping[str, Mapping[str, LookupValue]] | None = None,
        resolvers: Sequence[Resolver] = (),
        vendors: Mapping[str, Mapping[str, Any]] | None = None,
        codes: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> MappingContext:
        """Convenience constructor with zone names as strings (validated here)."""
        zones = {plant: _zone(name, f"plants.{plant}.timezone") for plant, name in (plants or {}).items()}
        default = _zone(default_timezone, "default_timezone") if default_timezone is not None else None
        return cls(
            source_system=source_system,
            plant_timezones=zones,
            default_timezone=default,
            units=_check_units(units or {}),
            options=dict(options or {}),
            received_at=received_at,
            system_timezone=_zone(system_timezone, "system_timezone") if system_timezone is not None else None,
            lookups=_tables(lookups, "lookups", lookups=True),
            resolvers=tuple(resolvers),
            vendors=_tables(vendors, "vendors"),
            code_overrides=_tables(codes, "codes"),
        )

    def zone_for(self, plant: str | None, company: str | None = None) -> ZoneInfo:
        """The plant's zone, else the company's, else the default zone; no zone is an error, never a guess.

        With a company, ``[companies.<c>.plants.<p>]`` comes first, then ``[plants.<p>]``, then the company's
        own zone.
        """
        if company is not None and plant is not None:
            zone = self.company_plant_timezones.get((company, plant))
            if zone is not None:
                return zone
        if plant is not None:
            zone = self.plant_timezones.get(plant)
            if zone is not None:
                return zone
        if company is not None:
            zone = self.company_timezones.get(company)
            if zone is not None:
                return zone
        if self.default_timezone is not None:
            return self.default_timezone
        where = f"companies.{company}.plants.{plant or 'PLANT'}" if company else f"plants.{plant or 'PLANT'}"
        raise MappingError(
            f"plant {plant!r}{f' of company {company!r}' if company else ''} has no time zone in the mapping "
            f'context and no default_timezone is set; add [{where}] timezone = "Area/City" to the context file',
            code="missing_timezone",
        )

    def clock_zone_for(self, plant: str | None) -> ZoneInfo:
        """The zone of times the source system stamps with its own clock: ``system_timezone`` when set,
        else the plant's zone (the sender's clock zone is then assumed to be the plant's)."""
        return self.system_timezone or self.zone_for(plant)

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)

    def lookup_optional(self, table: str, key: str) -> LookupValue | None:
        """The reference value for ``key`` in ``table``: the ``[lookups.<table>]`` table of the context file
        first (a per-connection override), then each resolver in order; None when nobody knows it.

        A resolver that fails gives a ``source_error`` (its exception type kept in ``cause_type``)."""
        found = self.lookups.get(table, {}).get(key)
        if found is not None:
            return found
        for resolver in self.resolvers:
            try:
                value = resolver.resolve(table, key)
            except MfgcanonError:
                raise
            except Exception as exc:
                raise MappingError(
                    f"resolver {type(resolver).__name__} failed looking up {key!r} in {table}: {exc}",
                    code="source_error",
                    cause_type=type(exc).__name__,
                ) from None
            if value is not None:
                if not isinstance(value, str):
                    raise MappingError(
                        f"resolver {type(resolver).__name__} returned {value!r} for {key!r} in {table}; "
                        "resolve() returns a string or None",
                        code="invalid_context",
                    )
                return value
        return None

    def lookup(self, table: str, key: str, *, path: str | None = None) -> LookupValue:
        """Like :meth:`lookup_optional`, but a miss is an ``unresolved_reference`` error whose message says
        what to add to the context file: a mapper never invents reference data. ``path`` is the source field
        the key came from (the reject's location)."""
        found = self.lookup_optional(table, key)
        if found is None:
            raise MappingError(
                f"no {table} for {key!r}: add {_toml_key(key)} = ... to [lookups.{table}] in the context file "
                "(or pass a resolver that knows it)",
                code="unresolved_reference",
                path=path,
            )
        return found

    def vendor(self, name: str) -> Mapping[str, Any]:
        """The ``[vendors.<name>]`` section for the mapper ``name`` (empty when the file has none)."""
        return self.vendors.get(name, MappingProxyType({}))

    def codes(self, list_name: str, packaged: Mapping[str, Any]) -> Mapping[str, Any]:
        """A code list as this connection uses it: the packaged list with ``[codes.<list_name>]`` merged over
        it (an entry of the context file wins; the others stay). Code lists are customer data: usage-decision
        codes, statuses, activity slots, movement or transaction types, B2MML property maps differ between
        installations."""
        override = self.code_overrides.get(list_name)
        if not override:
            return packaged
        return MappingProxyType({**packaged, **override})


def _toml_key(key: str) -> str:
    """``key`` as a TOML key for the message: quoted (keys with dots, spaces or leading zeros need it)."""
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _check_units(aliases: Mapping[str, Any], where: str = "units") -> dict[str, str]:
    checked: dict[str, str] = {}
    for source, target in aliases.items():
        if not isinstance(target, str) or not units.is_known(target):
            raise MappingError(
                f"unit alias {source!r} -> {target!r}: the target must be a registered UN/CEFACT Rec 20 code",
                code="invalid_context",
                path=f"{where}.{source}",
            )
        checked[str(source)] = target
    return checked


def context_from_dict(data: Mapping[str, Any]) -> MappingContext:
    """Build a context from parsed TOML (or any mapping); errors name the key path."""
    unknown = sorted(set(data) - _KNOWN_KEYS)
    if unknown:
        raise MappingError(
            f"unknown key {unknown[0]!r} (expected one of {', '.join(sorted(_KNOWN_KEYS))})",
            code="invalid_context",
            path=unknown[0],
        )
    source_system = data.get("source_system")
    if source_system is not None and (not isinstance(source_system, str) or not source_system):
        raise MappingError("source_system must be a non-empty string", code="invalid_context", path="source_system")
    default = data.get("default_timezone")
    default_zone = _zone(default, "default_timezone") if default is not None else None
    plants = data.get("plants", {})
    if not isinstance(plants, Mapping):
        raise MappingError("plants must be a table of [plants.<code>] sections", code="invalid_context", path="plants")
    zones = _plant_zones(plants, "plants")
    companies = data.get("companies", {})
    if not isinstance(companies, Mapping):
        raise MappingError("companies must be a table of [companies.<code>] sections", code="invalid_context",
                           path="companies")
    company_zones: dict[str, ZoneInfo] = {}
    company_plant_zones: dict[tuple[str, str], ZoneInfo] = {}
    for company, section in companies.items():
        where = f"companies.{company}"
        if not isinstance(section, Mapping) or set(section) - {"timezone", "plants"}:
            raise MappingError(f"[{where}] may hold timezone and [{where}.plants.<code>] sections only",
                               code="invalid_context", path=where)
        if "timezone" in section:
            company_zones[str(company)] = _zone(section["timezone"], f"{where}.timezone")
        company_plants = section.get("plants", {})
        if not isinstance(company_plants, Mapping):
            raise MappingError(f"{where}.plants must be a table of [{where}.plants.<code>] sections",
                               code="invalid_context", path=f"{where}.plants")
        for plant, zone in _plant_zones(company_plants, f"{where}.plants").items():
            company_plant_zones[(str(company), plant)] = zone
    aliases = data.get("units", {})
    if not isinstance(aliases, Mapping):
        raise MappingError("units must be a table of source unit = Rec 20 code", code="invalid_context", path="units")
    options = data.get("options", {})
    if not isinstance(options, Mapping):
        raise MappingError("options must be a table", code="invalid_context", path="options")
    system = data.get("system_timezone")
    system_zone = _zone(system, "system_timezone") if system is not None else None
    received = data.get("received_at")
    if received is not None and (not isinstance(received, datetime) or received.tzinfo is None):
        raise MappingError(
            "received_at must be an offset date-time (1979-05-27T07:32:00Z)", code="invalid_context", path="received_at"
        )
    return MappingContext(
        source_system=source_system,
        plant_timezones=zones,
        default_timezone=default_zone,
        units=_check_units(aliases),
        options=dict(options),
        received_at=received,
        system_timezone=system_zone,
        company_plant_timezones=company_plant_zones,
        company_timezones=company_zones,
        lookups=_tables(data.get("lookups"), "lookups", lookups=True),
        vendors=_tables(data.get("vendors"), "vendors"),
        code_overrides=_tables(data.get("codes"), "codes"),
    )


def _plant_zones(plants: Mapping[str, Any], where: str) -> dict[str, ZoneInfo]:
    zones: dict[str, ZoneInfo] = {}
    for plant, section in plants.items():
        if not isinstance(section, Mapping) or "timezone" not in section:
            raise MappingError(
                f'each [{where}.<code>] section needs timezone = "Area/City"',
                code="invalid_context",
                path=f"{where}.{plant}",
            )
        zones[str(plant)] = _zone(section["timezone"], f"{where}.{plant}.timezone")
    return zones


def load_context(path: str | Path) -> MappingContext:
    """Read a context TOML file; a bad file gives a :class:`MappingError` naming the file and key."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"cannot read context file {file}: {exc}", code="invalid_context") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{file}: not valid TOML: {exc}", code="invalid_context") from None
    except RecursionError:  # arrays or inline tables nested deeper than tomllib reads
        raise MappingError(f"{file}: not a context file: its TOML nests too deeply to read",
                           code="invalid_context") from None
    try:
        return context_from_dict(data)
    except MappingError as exc:
        raise MappingError(f"{file}: {exc.message}", code=exc.code, path=exc.path) from None
