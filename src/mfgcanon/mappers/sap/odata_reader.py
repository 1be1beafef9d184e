"""The OData reader shared by the entity families: records and their JSON pointers, typed field reads that
name the property a failure came from, plant zones, entity detection, and the per-record guard.
"""

from __future__ import annotations

import functools
import json
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    MappingResult,
    printable,
    reject_from_error,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values

_JSON = msgspec.json.Decoder()


NAME = "sap-odata"
"""The mapper's registry name, as shown in rejects."""


@dataclass
class _Rec:
    data: Mapping[str, Any]
    pointer: str
    raw: str = ""
    header: Mapping[str, Any] | None = None
    bapi: bool = False  # an RFC/BAPI structure (BAPI2045D2 result row, BAPI2045UD usage decision)


def _fragment(data: Any) -> str:
    """A record as JSON text for a reject; data nested too deeply to serialise is shown to a depth of 20."""
    try:
        text = json.dumps(data, ensure_ascii=False, default=str)
    except RecursionError:
        text = _SHALLOW.repr(data)
    except (TypeError, ValueError):  # pragma: no cover - parsed JSON always dumps
        text = repr(data)
    return printable(text[:1_000_000])


_SHALLOW = reprlib.Repr()
_SHALLOW.maxlevel = 20
_SHALLOW.maxdict = _SHALLOW.maxlist = _SHALLOW.maxtuple = 100_000
_SHALLOW.maxstring = _SHALLOW.maxother = _SHALLOW.maxlong = 1_000_000


def _unwritable(data: Any) -> str | None:
    """Why parsed input (dicts and lists a caller built, not JSON text) cannot become events, or None: a
    string that is not Unicode (a lone surrogate), or nesting too deep to serialise. JSON text decoded by
    the mapper never holds either."""
    try:
        _ENCODER.encode(data)
    except UnicodeEncodeError:
        return "a string holds a lone surrogate (not Unicode): the record could not be written as JSON"
    except RecursionError:
        return "nested too deeply to be written as JSON"
    except TypeError:
        return None  # values of other types are read (or refused) field by field
    return None


_ENCODER = msgspec.json.Encoder()


_MIDNIGHT = datetime.min.time()
_EMPTY_NUMBERS = (None, "", "0", "0.000", "0.0")
_UNSET = (None, "", False)  # a flag that is surely not set (skips the call)


class _Zone:
    """A plant's zone looked up once per record (the lookup raises ``missing_timezone`` when first needed),
    and the instants already read in it: an order's operations repeat the same few dates and times."""

    __slots__ = ("ctx", "instants", "plant", "zone")

    def __init__(self, ctx: MappingContext, plant: str | None) -> None:
        self.ctx = ctx
        self.plant = plant
        self.zone: tzinfo | None = None
        self.instants: dict[tuple[str, str | None], datetime | None] = {}

    def get(self) -> tzinfo:
        zone = self.zone
        if zone is None:
            zone = self.zone = self.ctx.zone_for(self.plant)
        return zone


class _Fields:
    """Typed reads of one OData record; failures name the JSON pointer of the property."""

    def __init__(
        self, rec: _Rec, ctx: MappingContext, units: dict[tuple[str, str | None], str] | None = None
    ) -> None:
        self.d = rec.data
        self.p = rec.pointer
        self.ctx = ctx
        self.keep_zeros = bool(ctx.option("keep_leading_zeros", False))
        self.units = units if units is not None else {}

    def sub(self, data: Mapping[str, Any], pointer: str) -> _Fields:
        """Fields of a nested record, sharing this record's context and unit cache."""
        found = _Fields.__new__(_Fields)
        found.d, found.p, found.ctx = data, pointer, self.ctx
        found.keep_zeros, found.units = self.keep_zeros, self.units
        return found

    def fail(self, name: str, exc: MappingError) -> MappingError:
        return MappingError(exc.message, code=exc.code, path=f"{self.p}/{name}")

    def s(self, name: str) -> str | None:
        value = self.d.get(name)
        if value is None:
            return None
        if type(value) is str:  # the common case, first
            return value.strip() or None
        if isinstance(value, bool | dict | list):
            raise self.fail(name, MappingError(f"expected a string, got {type(value).__name__}", code="type_mismatch"))
        text = str(value).strip()
        return text or None

    def strings(self, plan: tuple[tuple[str, str], ...]) -> dict[str, Any]:
        """Several plain string fields at once, ``{canonical name: stripped value or None}`` for a
        ``((canonical, source), ...)`` plan: one pass, the per-field call only for non-string values."""
        get = self.d.get
        out: dict[str, Any] = {}
        for canonical, source in plan:
            value = get(source)
            if type(value) is str:
                out[canonical] = value.strip() or None
            elif value is None:
                out[canonical] = None
            else:
                out[canonical] = self.s(source)
        return out

    def key(self, name: str) -> str | None:
        value = self.s(name)
        if value is None or self.keep_zeros:
            return value
        return values.alpha_in(value)

    def flag(self, name: str) -> bool:
        value = self.d.get(name)
        if value is None or value is False or value is True:
            return bool(value)
        return isinstance(value, str) and value.strip().upper() == "X"

    def dec(self, name: str) -> Decimal | None:
        value = self.d.get(name)
        if (
            type(value) is str
            and value.isascii()
            and value.replace(".", "", 1).isdigit()
            and len(value) <= values.MAX_INTEGER_DIGITS
        ):
            return Decimal(value)  # the common case (as in values.parse_decimal): plain digits, finite, in range
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(name, MappingError(f"{value!r} is not a number", code="type_mismatch"))
        try:
            if isinstance(value, str):
                return values.parse_decimal(value)
            number = Decimal(str(value))  # a JSON number: its shortest text, exactly
            values.check_range(number, value)
        except MappingError as exc:
            raise self.fail(name, exc) from None
        except InvalidOperation as exc:  # pragma: no cover - str() of an int or float is a valid literal
            raise self.fail(name, MappingError(f"{value!r} is not a number", code="invalid_value")) from exc
        return number

    def qty_d(self, value: str, unit: str) -> dict[str, Any] | None:
        """A quantity as plain data (for :func:`.common.convert`); units resolved once per document."""
        number = self.dec(value)
        return None if number is None else self.qty_of(number, value, unit)

    def qty_of(self, number: Decimal, value: str, unit: str) -> dict[str, Any]:
        """:meth:`qty_d` for a number already read from ``value``."""
        iso_name, sap_name = _unit_names(unit)
        iso = self.s(iso_name)
        code = self.s(unit) or iso or self.s(sap_name)
        if code is None:
            raise self.fail(unit, MappingError(f"{value} has no unit", code="missing_field"))
        if number.is_signed() and number:
            raise self.fail(value, sc.negative_quantity(number))
        key = (code, iso)
        uom = self.units.get(key)
        if uom is None:
            try:
                uom = sc.unit_in(code, self.ctx, iso=iso)
            except MappingError as exc:
                raise self.fail(unit, exc) from None
            self.units[key] = uom
        return {"value": number.copy_abs(), "uom": uom, "source_uom": None if code == uom else code}

    def day(self, name: str) -> date | None:
        try:
            return values.parse_odata_date(self.d.get(name))
        except MappingError as exc:
            raise self.fail(name, exc) from None

    def instant(
        self, date_field: str, time_field: str | None, plant: str | None, zones: _Zone | None = None
    ) -> datetime | None:
        if zones is None:
            return self._instant(date_field, time_field, plant, None)
        get = self.d.get
        raw_day, raw_time = get(date_field), get(time_field) if time_field else None
        if type(raw_day) is not str or (raw_time is not None and type(raw_time) is not str):
            return self._instant(date_field, time_field, plant, zones)  # bad types: fail with this field's path
        key = (raw_day, raw_time)
        instants = zones.instants
        if key in instants:
            return instants[key]
        found = instants[key] = self._instant(date_field, time_field, plant, zones)
        return found

    def _instant(
        self, date_field: str, time_field: str | None, plant: str | None, zones: _Zone | None
    ) -> datetime | None:
        day = self.day(date_field)
        if day is None:
            return None
        try:
            parsed = values.parse_odata_time(self.d.get(time_field)) if time_field else None
        except MappingError as exc:
            raise self.fail(time_field or date_field, exc) from None
        moment, extra = parsed if parsed is not None else (_MIDNIGHT, 0)
        try:
            zone: tzinfo = zones.get() if zones is not None else self.ctx.zone_for(plant)
            return values.local_instant(day, moment, extra, zone)
        except MappingError as exc:  # no zone for the plant, or an instant out of range
            raise self.fail(date_field, exc) from None

    def timestamp(self, name: str) -> datetime | None:
        """A UTC time stamp (``/Date(ms)/``, packed ``YYYYMMDDhhmmss``, ISO 8601 with offset)."""
        try:
            return values.parse_sap_timestamp(self.d.get(name))
        except MappingError as exc:
            raise self.fail(name, exc) from None

    def instant_sap(self, date_field: str, time_field: str, plant: str | None) -> datetime | None:
        """RFC/BAPI ``YYYYMMDD`` + ``HHMMSS`` (DATS/TIMS, plant-local) as a UTC instant."""
        try:
            day = values.parse_date(self.s(date_field))
        except MappingError as exc:
            raise self.fail(date_field, exc) from None
        if day is None:
            return None
        try:
            moment, extra = values.parse_time(self.s(time_field))
        except MappingError as exc:
            raise self.fail(time_field, exc) from None
        try:
            return values.local_instant(day, moment, extra, self.ctx.zone_for(plant))
        except MappingError as exc:
            raise self.fail(date_field, exc) from None

    def offset_instant(self, name: str) -> datetime | None:
        try:
            return values.parse_odata_datetime(self.d.get(name))
        except MappingError as exc:
            raise self.fail(name, exc) from None

    def nav(self, name: str) -> list[Mapping[str, Any]]:
        """An expanded navigation property as a list (deferred or absent -> empty)."""
        return [item for _, item in self.nav_records(name)]

    def nav_records(self, name: str) -> list[tuple[str, Mapping[str, Any]]]:
        """``(JSON pointer, record)`` of each item of a navigation property; an item that is not an object
        is an error at its pointer, never skipped (positions stay those of the payload)."""
        found = []
        for pointer, item in self.nav_items(name):
            if not isinstance(item, Mapping):
                raise MappingError(f"expected an object, got {type(item).__name__}", code="type_mismatch", path=pointer)
            found.append((pointer, item))
        return found

    def nav_items(self, name: str) -> list[tuple[str, Any]]:
        """``(JSON pointer, item)`` of each item of a navigation property, unchecked (for readers that
        reject a bad item alone)."""
        value = self.d.get(name)
        if isinstance(value, Mapping):
            if "__deferred" in value:
                return []
            results = value.get("results")
            if not isinstance(results, list):
                return [(f"{self.p}/{name}", value)]
            return [(f"{self.p}/{name}/results/{index}", item) for index, item in enumerate(results)]
        if isinstance(value, list):
            return [(f"{self.p}/{name}/{index}", item) for index, item in enumerate(value)]
        return []


@functools.cache
def _unit_names(unit: str) -> tuple[str, str]:
    return f"{unit}ISOCode", f"{unit}SAPCode"


def _pd(name: str, value: str | None, kind: str | None = None) -> dict[str, Any] | None:
    """A property as plain data (see :func:`_p`)."""
    if value is None:
        return None
    return {"name": name, "value": value} if kind is None else {"name": name, "value": value, "data_type": kind}


def _pds(*items: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [item for item in items if item is not None]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _kind(data: Mapping[str, Any]) -> str | None:
    """Which entity a record is, from ``__metadata.type`` or, failing that, its properties."""
    meta = data.get("__metadata")
    type_name = meta.get("type", "") if isinstance(meta, Mapping) else ""
    for marker, kind in (
        ("A_ProductionOrder_2Type", "order"),
        ("A_ProductType", "product"),
        ("A_MatlStkInAcctModType", "stock"),
        ("A_MaterialDocumentItemType", "movement"),
        ("A_MaterialDocumentHeaderType", "movement_header"),
        ("ProdnOrdConf2Type", "confirmation"),
        ("A_InspectionLotType", "lot"),
        ("A_InspectionResultType", "result"),
        ("A_InspLotUsageDecisionType", "decision"),
        ("API_BATCH_SRV.BatchType", "batch"),
    ):
        if isinstance(type_name, str) and type_name.endswith(marker):
            return kind
    keys = data.keys()
    if "CHAR_RESULTS" in keys and ("INSPLOT" in keys or "INSPOPER" in keys):
        return "bapi_results"  # BAPI_INSPOPER_RECORDRESULTS request
    if "UD_DATA" in keys and ("NUMBER" in keys or isinstance(data.get("UD_DATA"), Mapping)):
        return "bapi_decision"  # BAPI_INSPLOT_SETUSAGEDECISION request
    if "ManufacturingOrder" in keys and ("TotalQuantity" in keys or "ManufacturingOrderType" in keys):
        return "order"
    if "MatlWrhsStkQtyInMatlBaseUnit" in keys:
        return "stock"
    if "to_MaterialDocumentItem" in keys or "GoodsMovementCode" in keys:
        return "movement_header"
    if "GoodsMovementType" in keys and ("QuantityInEntryUnit" in keys or "QuantityInBaseUnit" in keys):
        return "movement"
    if "ConfirmationYieldQuantity" in keys or ("OrderID" in keys and "OrderOperation" in keys):
        return "confirmation"
    if "InspectionLotUsageDecisionCode" in keys:
        return "decision"
    if "InspectionLot" in keys and "InspectionCharacteristic" in keys:
        return "result"
    if "InspectionLot" in keys and ("InspectionLotOrigin" in keys or "InspectionLotQuantity" in keys):
        return "lot"
    if "Product" in keys and ("BaseUnit" in keys or "ProductType" in keys):
        return "product"
    if "Batch" in keys and "Material" in keys and ("BatchIdentifyingPlant" in keys or "ManufactureDate" in keys):
        return "batch"
    return None


def _guard(rec: _Rec, result: MappingResult, work: Any) -> None:
    try:
        work()
    except Exception as exc:
        result.add_reject(
            reject_from_error(exc, location=rec.pointer or "/", payload=_fragment(rec.data), mapper=NAME)
        )


def _source(
    ctx: MappingContext, doc_type: str, doc_id: str, line: str | None = None, revision: str | None = None
) -> dict[str, Any]:
    """The ``SourceRef`` as plain data (checked with its entity by :func:`.common.convert`)."""
    if not ctx.source_system:
        raise MappingError("no source system: set source_system in the mapping context", code="missing_identity")
    return {
        "system": ctx.source_system,
        "document_type": f"ODATA:{doc_type}",
        "document_id": doc_id,
        "line": line,
        "revision": revision,
    }
