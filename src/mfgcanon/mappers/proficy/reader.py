"""What every Proficy Plant Applications document family shares: the record and its JSON pointer, typed reads that
name the property a failure came from, ``schemaVersion``, dates (ISO 8601, or the locale strings some documents
carry, read per connection), units (a work order has none: the material's base unit is looked up), plants (PA
names a line, never a plant), code lists, ``propertyValues`` and the source reference.

The JSON plumbing (records, rejects, the guard, decoding with exact decimals) is the Microsoft mappers' one
(:mod:`mfgcanon.mappers.d365.common`): the same concept, not a copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._data import table
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.d365.common import Rec

NAME = "proficy-pa"
"""The mapper's registry name, as shown in rejects and used for ``[vendors.proficy-pa]``."""

CODES = "proficy/codes.toml"

_ENCODER = msgspec.json.Encoder(order="sorted")
_FRACTION = re.compile(r"(\.\d{6})\d+")
_LOCALE = re.compile(
    r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*([AaPp][Mm])?)?$"
)
_ORDERS = ("MDY", "DMY", "YMD")


def fold(text: str) -> str:
    """A code compared case- and blank-insensitively (``Pending MRB`` = ``pendingmrb``)."""
    return re.sub(r"[\s_-]+", "", text).lower()


def code(ctx: MappingContext, list_name: str, value: str | None) -> str | None:
    """A code from ``[<list_name>]`` of proficy/codes.toml with ``[codes."proficy.<list_name>"]`` over it;
    None when the list does not know it."""
    if value is None:
        return None
    entries = helpers.code_list(ctx, f"proficy.{list_name}", CODES, list_name)
    wanted = fold(value)
    found = None
    for key, target in entries.items():  # the last match wins: the context's entries come after the packaged ones
        if fold(str(key)) == wanted:
            found = str(target)
    return found


def units_table() -> Mapping[str, str]:
    return {str(k): str(v) for k, v in table(CODES, "units").items()}


def digest(data: Any) -> str:
    """The id of a document that carries none: a digest of its content (keys sorted, numbers exact), so a
    document sent again is the same event and a changed one a new event."""
    return helpers.derived_id(NAME, _ENCODER.encode(data).decode(), length=24)


class Fields:
    """Typed reads of one JSON object; every failure names the JSON pointer of the property."""

    def __init__(self, rec: Rec, ctx: MappingContext) -> None:
        self.d = rec.data
        self.p = rec.pointer
        self.ctx = ctx

    def at(self, name: str) -> str:
        return f"{self.p}/{name}"

    def sub(self, data: Mapping[str, Any], pointer: str) -> Fields:
        return Fields(Rec(data, pointer), self.ctx)

    def has(self, name: str) -> bool:
        """Whether the document carries the field: present, not null and not the text ``"null"``."""
        value = self.d.get(name)
        return value is not None and not (isinstance(value, str) and value.strip().lower() in ("", "null"))

    def s(self, name: str) -> str | None:
        """A text field, stripped; null, blank and the text ``"null"`` (a WOID quirk) are no value."""
        value = self.d.get(name)
        if value is None:
            return None
        if isinstance(value, bool | list | Mapping):
            raise MappingError(f"expected a string, got {type(value).__name__}", code="type_mismatch",
                               path=self.at(name))
        text = str(value).strip()
        return None if text.lower() in ("", "null") else text

    def req(self, name: str) -> str:
        value = self.s(name)
        if value is None:
            raise MappingError(f"{name} is required", code="missing_field", path=self.at(name))
        return value

    def dec(self, name: str) -> Decimal | None:
        """A non-negative number (a JSON number, exact, or a number written as text)."""
        if not self.has(name):
            return None
        value = self.d.get(name)
        if isinstance(value, bool | Mapping | list):
            raise MappingError(f"{value!r} is not a number", code="type_mismatch", path=self.at(name))
        number = helpers.decimal_of(value.strip() if isinstance(value, str) else value, path=self.at(name))
        if number < 0:
            raise MappingError(f"{name} is negative ({number}): Plant Applications sends quantities as positive "
                               "numbers", code="invalid_value", path=self.at(name))
        return number

    def integer(self, name: str) -> int | None:
        if not self.has(name):
            return None
        value = self.d.get(name)
        if type(value) is int:
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            return int(value)
        raise MappingError(f"{value!r} is not a whole number", code="invalid_value", path=self.at(name))

    def flag(self, name: str) -> bool | None:
        """A JSON boolean (``"true"`` / ``"false"`` as text accepted too); None when absent."""
        value = self.d.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise MappingError(f"{value!r} is not true or false", code="invalid_value", path=self.at(name))

    def instant(self, name: str, plant: str | None) -> datetime | None:
        text = self.s(name)
        return None if text is None else instant(text, self.ctx, plant, path=self.at(name))

    def objects(self, name: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """The objects of an array property with their pointers; absent or null is none."""
        value = self.d.get(name)
        if value is None:
            return
        if not isinstance(value, list):
            raise MappingError(f"{name} must be an array", code="type_mismatch", path=self.at(name))
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise MappingError(f"{name}[{index}] must be an object", code="type_mismatch",
                                   path=f"{self.at(name)}/{index}")
            yield f"{self.at(name)}/{index}", item

    def obj(self, name: str) -> Mapping[str, Any] | None:
        value = self.d.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise MappingError(f"{name} must be an object", code="type_mismatch", path=self.at(name))
        return value


# Schema versions -----------------------------------------------------------------------------------------------
SCHEMA_VERSIONS: Mapping[str, range] = {
    "WOID": range(3, 12),
    "POID": range(1, 6),
    "MMID": range(1, 5),
    "MLID": range(2, 5),
}
"""The ``schemaVersion`` values read per inbound document (the Plant Applications 8.x-2023 documentation)."""


def schema_version(f: Fields, kind: str) -> int:
    """The document's ``schemaVersion`` (mandatory in every inbound message), refused outside the versions read."""
    version = f.integer("schemaVersion")
    if version is None:
        raise MappingError(f"a {kind} needs its schemaVersion", code="missing_field", path=f.at("schemaVersion"))
    known = SCHEMA_VERSIONS[kind]
    if version not in known:
        raise MappingError(
            f"{kind} schemaVersion {version} is not read by {NAME} (read: {known.start} to {known.stop - 1})",
            code="unsupported_message", path=f.at("schemaVersion"))
    return version


# Times ---------------------------------------------------------------------------------------------------------
def date_order(ctx: MappingContext) -> str | None:
    """The order of day, month and year in this connection's locale date strings: ``[vendors.proficy-pa]
    date_order`` (``MDY``, ``DMY`` or ``YMD``), None when the context does not say."""
    order = ctx.vendor(NAME).get("date_order")
    if order is None:
        return None
    if not isinstance(order, str) or order.upper() not in _ORDERS:
        raise MappingError(f"[vendors.{NAME}] date_order must be one of {', '.join(_ORDERS)}, not {order!r}",
                           code="invalid_context", path=f"vendors.{NAME}.date_order")
    return order.upper()


def instant(text: str, ctx: MappingContext, plant: str | None, *, path: str | None = None) -> datetime:
    """A PA date-time as UTC. ISO 8601 (``2020-12-08T09:22:17.017Z``; an offset converted, a naive one local to
    the plant), else a locale string (``2/20/2016 11:52:44 AM``) read in the connection's ``date_order`` and
    the plant's zone. A locale string without a ``date_order`` is ``invalid_value`` naming the option: 2/3/2016
    is the 3rd of February or the 2nd of March, never guessed."""
    value = _FRACTION.sub(r"\1", text.strip())
    if value[-1:] in ("z", "Z"):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = _locale(text.strip(), ctx, path)
    return helpers.to_utc(moment, ctx, plant=plant, path=path)


def business_time(ctx: MappingContext, path: str, *candidates: datetime | None) -> datetime:
    """A time the entity itself records (a status change's ``changed_at``, a hold's ``placed_at``): the first
    time the payload gives, else the context's ``received_at``; neither is ``missing_field``, never the run time
    (which would make the same payload two different facts)."""
    for candidate in candidates:
        if candidate is not None:
            return candidate
    if ctx.received_at is not None:
        return ctx.received_at
    raise MappingError("no time in the payload and no received_at (transport metadata or the context): the time of "
                       "the change is not invented", code="missing_field", path=path)


def _locale(text: str, ctx: MappingContext, path: str | None) -> datetime:
    match = _LOCALE.match(text)
    if match is None:
        raise MappingError(f"{text!r} is not a date-time (ISO 8601, or a locale date such as 2/20/2016 11:52:44 AM)",
                           code="invalid_value", path=path)
    order = date_order(ctx)
    if order is None:
        raise MappingError(
            f"{text!r} is a locale date string: set [vendors.{NAME}] date_order = \"MDY\" (or DMY, YMD) in the "
            "context file to say how this connection writes dates", code="invalid_value", path=path)
    first, second, third, hour, minute, second_s, fraction, meridiem = match.groups()
    parts = dict(zip(order, (first, second, third), strict=True))
    try:
        year, month, day = int(parts["Y"]), int(parts["M"]), int(parts["D"])
        if len(parts["Y"]) != 4:
            raise ValueError("a four-digit year")
        hours = int(hour or 0)
        if meridiem is not None:
            if not 1 <= hours <= 12:
                raise ValueError("an hour from 1 to 12 with AM/PM")
            hours = hours % 12 + (12 if meridiem.upper() == "PM" else 0)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        return datetime(year, month, day, hours, int(minute or 0), int(second_s or 0), micro)
    except ValueError as exc:
        raise MappingError(f"{text!r} is not a date-time in {order} order ({exc})", code="invalid_value",
                           path=path) from None


# Units, plants, lookups ----------------------------------------------------------------------------------------
def unit(text: str, ctx: MappingContext, path: str) -> str:
    return helpers.resolve_unit(text, ctx, packaged=units_table(), path=path)


def quantity(number: Decimal, unit_text: str, ctx: MappingContext, path: str) -> dict[str, Any]:
    """A canonical quantity (plain data for ``helpers.convert``); the source spelling kept when it differs."""
    uom = unit(unit_text, ctx, path)
    return {"value": number, "uom": uom, "source_uom": None if unit_text.strip() == uom else unit_text.strip()}


def material_unit(ctx: MappingContext, material: str, path: str) -> str:
    """A material's base unit, which work orders, process orders and events do not carry: PA keeps it as the
    material's ``UNITOFMEASURE`` property. ``[lookups.proficy_material_units]`` (product code -> unit) or a
    resolver answers (as a Rec 20 code, through the unit aliases); nobody is ``unresolved_reference``, never a
    guessed unit."""
    found = ctx.lookup("proficy_material_units", material, path=path)
    if not isinstance(found, str):
        raise MappingError(f"[lookups.proficy_material_units] {material!r} must be a unit code", code="invalid_context",
                           path=path)
    return unit(found, ctx, path)


def plant(ctx: MappingContext, line: str | None, *, order: str | None = None, mapped: str | None = None,
          required: bool = True, path: str | None = None) -> str | None:
    """The plant of a record, which PA documents do not name: a property the property map names ``plant``
    (``OrgCode``), then ``[lookups.proficy_plant]`` by the production line or unit, then
    ``[lookups.proficy_order_plant]`` by the order (a POID update sends no line), then ``options.default_plant``.
    None of them is ``unresolved_reference`` (when ``required``): never invented."""
    if mapped:
        return mapped
    if line:
        found = ctx.lookup_optional("proficy_plant", line)
        if isinstance(found, str):
            return found
    if order:
        found = ctx.lookup_optional("proficy_order_plant", order)
        if isinstance(found, str):
            return found
    default = ctx.option("default_plant")
    if isinstance(default, str) and default:
        return default
    if not required:
        return None
    where = f'[lookups.proficy_plant] "{line}" = "<plant>", ' if line else ""
    where += f'[lookups.proficy_order_plant] "{order}" = "<plant>", ' if order else ""
    raise MappingError(f"the document names no plant: set {where}or options.default_plant in the context file",
                       code="unresolved_reference", path=path)


# Properties and provenance -------------------------------------------------------------------------------------
def property_map(ctx: MappingContext) -> Mapping[str, str]:
    entries = helpers.code_list(ctx, "proficy.property_map", CODES, "property_map")
    return {fold(str(k)): str(v) for k, v in entries.items()}


def properties(f: Fields, name: str = "propertyValues") -> tuple[list[dict[str, Any]], dict[str, str]]:
    """``propertyValues`` as canonical properties (``proficy.<propertyName>``) and, apart, the values the property
    map sends to canonical fields (``UNITOFMEASURE`` -> ``base_uom``), first one wins."""
    mapping = property_map(f.ctx)
    out: list[dict[str, Any]] = []
    mapped: dict[str, str] = {}
    for pointer, item in f.objects(name):
        entry = f.sub(item, pointer)
        prop_name = entry.req("propertyName")
        value = entry.s("propertyValue")
        target = mapping.get(fold(prop_name))
        if target is not None and value is not None:
            mapped.setdefault(target, value)
            continue
        out.append({"name": f"proficy.{prop_name}"[:255], "value": value})
    return out, mapped


def prop(name: str, value: object, data_type: str = "string") -> dict[str, Any] | None:
    """One ``proficy.<name>`` property of a top-level field without a canonical slot (None when absent)."""
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return {"name": f"proficy.{name}", "value": text, "data_type": data_type}


def source(ctx: MappingContext, document_type: str, document_id: str, line: str | None) -> dict[str, Any]:
    """The entity's ``source``; no ``source_system`` in the context is ``missing_identity`` (PA names none)."""
    if not ctx.source_system:
        raise MappingError("no source system: set source_system in the mapping context (a Plant Applications "
                           "document does not name its server)", code="missing_identity", path="/")
    return {"system": ctx.source_system, "document_type": f"PROFICY-PA:{document_type}", "document_id": document_id,
            "line": line}
