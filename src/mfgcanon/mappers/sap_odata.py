"""SAP S/4HANA OData V2 JSON <-> canonical events.

Inbound: ``A_ProductionOrder_2`` (with expanded items, operations, components, statuses),
``A_Product``, material documents (``A_MaterialDocumentItem`` or a header with
``to_MaterialDocumentItem``), ``A_MatlStkInAcctMod`` stock, ``ProdnOrdConf2`` confirmations and
inspection lots with their results and usage decision (``A_InspectionLot``, ``A_InspectionResult``,
``A_InspLotUsageDecision``). Outbound: ``ProdnOrdConf2`` and ``A_MaterialDocumentHeader`` POST bodies.

OData conventions handled: the ``d`` / ``results`` wrappers, decimals as strings, ``/Date(ms)/`` dates
(UTC midnight encoding a local *date*: never shifted), ``PT08H30M00S`` times (plant-local, combined with
the date in the plant's zone), commercial units with ``...ISOCode`` siblings, ``"X"``/``""`` flags.

Inspection parts often arrive as separate responses: :meth:`SapODataMapper.to_canonical_many` joins
results and usage decisions to their lot across payloads; a part whose lot never arrives is rejected
(``unmatched_record``), never dropped. A lot key seen twice in one batch never overwrites silently: an exact
repeat is deduplicated (a warning; it is counted with the lot's event), a different version is rejected
(``constraint_violation``) and the first one mapped.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import msgspec

from mfgcanon.errors import MappingError
from mfgcanon.mappers.sap import values as _sap
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers._base import (
    MappingResult,
    Payload,
    PayloadMeta,
    Reject,
    effective_meta,
    printable,
    reject_from_error,
    stamp_meta,
)
from mfgcanon.mappers._data import table
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.helpers import continuation_of
from mfgcanon.v1 import derive
from mfgcanon.v1.common import Quantity
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    GenealogyLinked,
    InspectionCompleted,
    InventoryBalanceReported,
    InventoryMoved,
    InventoryReceived,
    LotUpserted,
    MaterialIssued,
    MaterialScrapped,
    MaterialUpserted,
    PostingFailed,
    PostingSucceeded,
    ProductionConfirmed,
    ProductionOrderCancelled,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
    QualityHoldPlaced,
    QualityHoldReleased,
    build_event,
    movement_event,
)
from mfgcanon.v1.inventory import InventoryBalance, MaterialMovement, MovementType
from mfgcanon.v1.lot import MaterialLot
from mfgcanon.v1.material import Material
from mfgcanon.v1.order import OperationStatus, ProductionOrder
from mfgcanon.v1.posting import PostingState, RequestKind
from mfgcanon.v1.quality import InspectionStatus, QualityInspection

_JSON = msgspec.json.Decoder()


@dataclass
class _Rec:
    data: Mapping[str, Any]
    pointer: str
    raw: str = ""
    header: Mapping[str, Any] | None = None
    bapi: bool = False  # an RFC/BAPI structure (BAPI2045D2 result row, BAPI2045UD usage decision)


@dataclass
class _Inspection:
    lots: dict[str, _Rec] = field(default_factory=dict)
    results: dict[str, list[_Rec]] = field(default_factory=dict)
    decisions: dict[str, list[_Rec]] = field(default_factory=dict)  # several: the last one decides
    # Exact repeats of a lot already in the batch (a re-polled response): not mapped again, but counted
    # with the lot's event (or rejected with it), so the counts still add up.
    repeats: dict[str, list[_Rec]] = field(default_factory=dict)


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
        return _sap.alpha_in(value)

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
            and len(value) <= _sap.MAX_INTEGER_DIGITS
        ):
            return Decimal(value)  # the common case (as in _sap.parse_decimal): plain digits, finite, in range
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(name, MappingError(f"{value!r} is not a number", code="type_mismatch"))
        try:
            if isinstance(value, str):
                return _sap.parse_decimal(value)
            number = Decimal(str(value))  # a JSON number: its shortest text, exactly
            _sap.check_range(number, value)
        except MappingError as exc:
            raise self.fail(name, exc) from None
        except InvalidOperation as exc:  # pragma: no cover - str() of an int or float is a valid literal
            raise self.fail(name, MappingError(f"{value!r} is not a number", code="invalid_value")) from exc
        return number

    def qty_d(self, value: str, unit: str) -> dict[str, Any] | None:
        """A quantity as plain data (for :func:`sap_common.convert`); units resolved once per document."""
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
            return _sap.parse_odata_date(self.d.get(name))
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
            parsed = _sap.parse_odata_time(self.d.get(time_field)) if time_field else None
        except MappingError as exc:
            raise self.fail(time_field or date_field, exc) from None
        moment, extra = parsed if parsed is not None else (_MIDNIGHT, 0)
        try:
            zone: tzinfo = zones.get() if zones is not None else self.ctx.zone_for(plant)
            return _sap.local_instant(day, moment, extra, zone)
        except MappingError as exc:  # no zone for the plant, or an instant out of range
            raise self.fail(date_field, exc) from None

    def timestamp(self, name: str) -> datetime | None:
        """A UTC time stamp (``/Date(ms)/``, packed ``YYYYMMDDhhmmss``, ISO 8601 with offset)."""
        try:
            return _sap.parse_sap_timestamp(self.d.get(name))
        except MappingError as exc:
            raise self.fail(name, exc) from None

    def instant_sap(self, date_field: str, time_field: str, plant: str | None) -> datetime | None:
        """RFC/BAPI ``YYYYMMDD`` + ``HHMMSS`` (DATS/TIMS, plant-local) as a UTC instant."""
        try:
            day = _sap.parse_date(self.s(date_field))
        except MappingError as exc:
            raise self.fail(date_field, exc) from None
        if day is None:
            return None
        try:
            moment, extra = _sap.parse_time(self.s(time_field))
        except MappingError as exc:
            raise self.fail(time_field, exc) from None
        try:
            return _sap.local_instant(day, moment, extra, self.ctx.zone_for(plant))
        except MappingError as exc:
            raise self.fail(date_field, exc) from None

    def offset_instant(self, name: str) -> datetime | None:
        try:
            return _sap.parse_odata_datetime(self.d.get(name))
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


@functools.cache
def _operation_status(shorts: tuple[str, ...]) -> OperationStatus | None:
    """:func:`sap_common.operation_status` once per combination of flags (the code lists are static)."""
    return sc.operation_status(shorts)


@functools.cache
def _flags(prefix: str) -> tuple[tuple[str, str], ...]:
    """The OData status flags (``OrderIsReleased`` ...) of orders or operations, with their short codes."""
    return tuple(
        (name, str(code)) for name, code in table(sc.STATUSES, "odata_flags").items() if name.startswith(prefix)
    )


_OPERATION_STRINGS = (
    ("description", "MfgOrderOperationText"),
    ("work_center_id", "WorkCenter"),
    ("control_key", "OperationControlProfile"),
)
_COMPONENT_STRINGS = (
    ("operation_id", "ManufacturingOrderOperation"),
    ("bom_item_number", "BillOfMaterialItemNumber"),
    ("lot_id", "Batch"),
    ("plant", "Plant"),
    ("storage_location", "StorageLocation"),
    ("movement_type", "GoodsMovementType"),
    ("item_category", "BOMItemCategory"),
)
_CONFIRMED_WORK = tuple((n, f"OpConfirmedWorkQuantity{n}", f"OpWorkQuantityUnit{n}") for n in range(1, 7))
_WORK_QTY = tuple((n, f"WorkCenterStandardWorkQty{n}", f"WorkCenterStandardWorkQtyUnit{n}") for n in range(1, 7))


def _pd(name: str, value: str | None, kind: str | None = None) -> dict[str, Any] | None:
    """A property as plain data (see :func:`_p`)."""
    if value is None:
        return None
    return {"name": name, "value": value} if kind is None else {"name": name, "value": value, "data_type": kind}


def _pds(*items: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [item for item in items if item is not None]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


_TEXT_ROW = (("TDFORMAT", "TDLINE"), ("FORMAT_COL", "TEXT_LINE"))  # TLINE and BAPITLINE spellings


def _itf_join(lines: Iterable[tuple[str, str]]) -> str | None:
    """SAPscript (ITF) text lines ``(format, line)`` as the text a reader sees, in line order.

    The editor wraps a paragraph over several 72/132-character lines, so a line with a blank format
    continues the paragraph after one blank; ``=`` glues it on with no blank (a word split over two
    lines); ``/``, ``/=`` and ``/(`` start a new line; any other format (``*``, a style's paragraph key
    such as ``AS``) starts a new paragraph, also written as a new line. ``/:`` (control command) and
    ``/*`` (comment) lines are not text and are left out. Trailing blanks are CHAR padding and dropped;
    character formats (``<B>``) and symbols (``&DATE&``) are kept verbatim (they are not resolved here).
    ``None`` when nothing readable remains.
    """
    rows: list[str] = []  # the lines a reader sees
    for form, line in lines:
        tag = form.strip()
        if tag in ("/:", "/*"):
            continue
        text = line.rstrip()
        if tag == "=" and rows:
            rows[-1] += text
        elif tag == "" and rows:
            words = text.strip()
            if words:
                rows[-1] = f"{rows[-1]} {words}" if rows[-1] else words
        else:
            rows.append(text.lstrip() if tag in ("", "=") else text)
    joined = "\n".join(rows).strip()
    return joined or None


def _long_text(f: _Fields, name: str) -> str | None:
    """A text field that is one line (``UD_TEXT_LINE``, CHAR 40) or a table of lines.

    A table row is a plain string (a continuation line) or a ``TLINE`` / ``BAPITLINE`` row
    (``TDFORMAT``/``TDLINE`` or ``FORMAT_COL``/``TEXT_LINE``); rows are read in order and joined as
    SAPscript shows them (:func:`_itf_join`). A value of another type is refused with its JSON pointer.
    """
    value = f.d.get(name)
    if value is None or isinstance(value, str):
        return _itf_join([("", value)]) if value else None
    if not isinstance(value, list):
        raise f.fail(name, MappingError("expected a text line or a list of lines", code="type_mismatch"))
    lines: list[tuple[str, str]] = []
    for index, row in enumerate(value):
        if isinstance(row, str):
            lines.append(("", row))
            continue
        if not isinstance(row, Mapping):
            wrong = MappingError(
                f"a text line must be a string or a TLINE row, got {type(row).__name__}", code="type_mismatch"
            )
            raise f.fail(f"{name}/{index}", wrong)
        rf = f.sub(row, f"{f.p}/{name}/{index}")
        keys = next(((form, line) for form, line in _TEXT_ROW if line in row), None)
        if keys is None:
            missing = MappingError("a text row needs TDLINE (TLINE) or TEXT_LINE (BAPITLINE)", code="missing_field")
            raise f.fail(f"{name}/{index}/TDLINE", missing)
        lines.append((_raw(rf, keys[0]), _raw(rf, keys[1])))
    return _itf_join(lines)


def _raw(f: _Fields, name: str) -> str:
    """A CHAR value as sent (leading blanks matter in a text line); absent or null is empty."""
    value = f.d.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise f.fail(name, MappingError(f"expected a string, got {type(value).__name__}", code="type_mismatch"))
    return value


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


_SERVICE_KINDS = {
    "API_PROD_ORDER_CONFIRMATION_2_SRV": RequestKind.CONFIRMATION,
    "API_MATERIAL_DOCUMENT_SRV": RequestKind.MATERIAL_MOVEMENT,
    "API_INSPECTIONLOT_SRV": RequestKind.INSPECTION_RESULT,
}
"""The request kind of an OData error body, by the service that answered."""

_INSPECTION_PARTS = frozenset({"lot", "result", "decision", "bapi_results", "bapi_decision"})


class SapODataMapper:
    """S/4HANA OData V2 JSON: orders, products, material documents, stock, confirmations, inspections."""

    name: ClassVar[str] = "sap-odata"
    description: ClassVar[str] = (
        "SAP S/4HANA OData V2 JSON: A_ProductionOrder_2, A_Product, Batch, material documents, "
        "stock, ProdnOrdConf2, inspection lots in; ProdnOrdConf2 and material "
        "document POST bodies out"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderReleased,
        ProductionOrderUpdated,
        ProductionOrderCompleted,
        ProductionOrderCancelled,
        MaterialUpserted,
        LotUpserted,
        MaterialIssued,
        MaterialScrapped,
        InventoryReceived,
        InventoryMoved,
        InventoryBalanceReported,
        ProductionConfirmed,
        InspectionCompleted,
        PostingSucceeded,
        PostingFailed,
        QualityHoldPlaced,
        QualityHoldReleased,
        GenealogyLinked,
    )
    accepts: ClassVar[tuple[type[Any], ...]] = (ProductionConfirmation, MaterialMovement)

    def sniff(self, payload: Payload) -> bool:
        """JSON whose records look like SAP OData V2 (``d`` wrapper or known S/4HANA property names)."""
        data: Any = payload
        if isinstance(payload, bytes | str):
            head = payload[:1] if isinstance(payload, bytes) else payload.lstrip()[:1]
            if head not in (b"{", b"[", "{", "[") and not (
                isinstance(payload, bytes) and payload.lstrip()[:1] in b"{["
            ):
                return False
            try:
                data = _JSON.decode(payload)
            except (msgspec.DecodeError, UnicodeError, RecursionError):
                return False  # not JSON (or not decodable): not this mapper's to claim
        try:
            records = list(self._records(data, ""))
        except MappingError:
            return (
                isinstance(data, Mapping) and isinstance(data.get("error"), Mapping) and "innererror" in data["error"]
            )
        return any(isinstance(r.data, Mapping) and _kind(r.data) is not None for r in records[:20])

    # ------------------------------------------------------------------ inbound
    def _records(self, data: Any, pointer: str) -> Iterable[_Rec]:
        if isinstance(data, Mapping) and "d" in data and len(data) <= 2:
            inner = data["d"]
            if isinstance(inner, Mapping) and isinstance(inner.get("results"), list):
                for index, item in enumerate(inner["results"]):
                    yield _Rec(item, f"{pointer}/d/results/{index}")
                return
            yield _Rec(inner, f"{pointer}/d")
            return
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield _Rec(item, f"{pointer}/{index}")
            return
        if isinstance(data, Mapping):
            if isinstance(data.get("error"), Mapping):
                raise MappingError(_error_text(data["error"]), code="source_error", path=f"{pointer}/error")
            yield _Rec(data, pointer or "")
            return
        raise MappingError(
            f"expected a JSON object or array, got {type(data).__name__}", code="malformed_payload", path=pointer or "/"
        )

    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        return self.to_canonical_many([payload], context, metas=[meta])

    def to_canonical_many(
        self,
        payloads: Sequence[Payload],
        context: MappingContext | None = None,
        metas: Sequence[PayloadMeta | None] | None = None,
    ) -> MappingResult:
        """Map several payloads together so inspection parts can be joined to their lot; ``metas`` gives each
        payload's transport metadata (inspections joined across payloads get the first payload's)."""
        base = context or MappingContext()
        result = MappingResult()
        inspections = _Inspection()
        infos = [effective_meta(m, base) for m in (metas or [None] * len(payloads))]
        if len(infos) != len(payloads):
            raise MappingError(f"{len(payloads)} payloads but {len(infos)} metadata", code="invalid_context")
        for number, payload in enumerate(payloads):
            info = infos[number]
            ctx = base
            if info.received_at != base.received_at:  # the payload's received time: a posting result's processed time
                ctx = dataclasses.replace(base, received_at=info.received_at)
            start = len(result.events)
            self._payload(number, payload, len(payloads), ctx, result, inspections, info)
            stamp_meta(result, info, start)
        start = len(result.events)
        self._inspections(inspections, base, result)
        if infos:
            stamp_meta(result, infos[0], start)
        sc.emit_genealogy(result)  # over every payload of the call, after their (stamped) movements
        return result

    def _payload(
        self, number: int, payload: Payload, count: int, ctx: MappingContext, result: MappingResult,
        inspections: _Inspection, info: PayloadMeta,
    ) -> None:
        """One payload's records into ``result`` (inspection parts into ``inspections``, joined later)."""
        prefix = f"#{number}" if count > 1 else ""
        data: Any = payload
        checked = True  # JSON decoded here: every string is Unicode, the nesting decodable
        if isinstance(payload, bytes | str):
            try:
                data = _JSON.decode(payload)
            except (msgspec.DecodeError, UnicodeError, RecursionError) as exc:
                text = payload if isinstance(payload, str) else payload.decode("utf-8", "backslashreplace")
                why = f"not JSON: {exc}"
                if isinstance(exc, RecursionError):
                    why = "JSON nested too deeply to read"
                elif isinstance(exc, UnicodeEncodeError):
                    why = "the text holds a lone surrogate (not Unicode), so it is not JSON"
                result.add_reject(
                    Reject(
                        code="malformed_payload",
                        reason=why,
                        location=prefix or "/",
                        payload=printable(text[:1_000_000]),
                        mapper=self.name,
                    )
                )
                return
        else:
            checked = _unwritable(data) is None
        following = continuation_of(data)  # a paged collection (`__next`): where the next page starts
        if following is not None:
            result.continuation = following
        if isinstance(data, Mapping) and isinstance(data.get("error"), Mapping):
            rec = _Rec(data, prefix)
            self._guard(rec, result, lambda: self._error(rec, ctx, result, info))
            return
        try:
            records = list(self._records(data, prefix))
        except (MappingError, RecursionError) as exc:
            error = exc if isinstance(exc, MappingError) else MappingError(
                "nested too deeply", code="malformed_payload", path=prefix or "/"
            )
            result.add_reject(
                Reject(
                    code=error.code,
                    reason=printable(error.message),
                    location=error.path or "/",
                    payload=_fragment(data),
                    mapper=self.name,
                )
            )
            return
        for rec in records:
            problem = None if checked else _unwritable(rec.data)
            if problem is not None:
                result.add_reject(
                    Reject(
                        code="malformed_payload",
                        reason=problem,
                        location=rec.pointer or "/",
                        payload=_fragment(rec.data),
                        mapper=self.name,
                    )
                )
                continue
            self._one(rec, ctx, result, inspections)

    def _error(self, rec: _Rec, ctx: MappingContext, result: MappingResult, info: PayloadMeta) -> None:
        """An OData error body (``{"error": {"code", "message", "innererror": {"errordetails"}}}``): SAP refused
        a POST, so a ``PostingFailed`` with every message (the top one first, then each error detail). The
        body does not name the request: the caller passes the request's external id (the POST body's
        ``ExternalSystemConfirmation``) in the payload metadata header ``request-external-id``; without it the
        error is a ``source_error`` reject. The request kind comes from the service
        (``innererror.application.service_id``); the processed time from ``innererror.timestamp`` (UTC), else
        the received time."""
        error = rec.data["error"]
        f = _Fields(_Rec(error, f"{rec.pointer}/error"), ctx)
        inner = error.get("innererror")
        inner = inner if isinstance(inner, Mapping) else {}
        message = error.get("message")
        text = message.get("value") if isinstance(message, Mapping) else message
        messages = [sc.posting_message("error", f.s("code"), text if isinstance(text, str) else None, odata=True)]
        details = inner.get("errordetails")
        for detail in details if isinstance(details, list) else []:
            if not isinstance(detail, Mapping):
                continue
            d = f.sub(detail, "")
            entry = sc.posting_message(d.s("severity"), d.s("code"), d.s("message"), d.s("target"), odata=True)
            if entry != messages[0]:
                messages.append(entry)
        headers = {name.lower(): value for name, value in info.headers.items()}
        external = (headers.get("request-external-id") or "").strip() or None
        if external is None:
            raise MappingError(
                f"{_error_text(error)} (pass the request's external id in the payload metadata header "
                "request-external-id to map it to a posting_failed event)",
                code="source_error",
                path=f"{rec.pointer}/error",
            )
        application = inner.get("application")
        service = application.get("service_id") if isinstance(application, Mapping) else None
        kind = _SERVICE_KINDS.get(service if isinstance(service, str) else "", RequestKind.OTHER)
        stamp = f.sub(inner, f"{rec.pointer}/error/innererror").timestamp("timestamp")
        transaction = f.sub(inner, "").s("transactionid")
        source = self._source(ctx, "error", transaction or external)
        sc.emit_posting_result(
            result,
            {
                "result_id": transaction or external,
                "outcome": PostingState.FAILED,
                "outcome_source_code": f.s("code"),
                "request_kind": kind,
                "request_kind_source_code": service if isinstance(service, str) else None,
                "request_external_id": external,
                "target_system": ctx.source_system,
                "messages": messages,
                "processed_at": sc.processed_time(ctx, f"{rec.pointer}/error", stamp),
                "source": source,
            },
        )

    def _guard(self, rec: _Rec, result: MappingResult, work: Any) -> None:
        try:
            work()
        except Exception as exc:
            result.add_reject(
                reject_from_error(exc, location=rec.pointer or "/", payload=_fragment(rec.data), mapper=self.name)
            )

    def _one(self, rec: _Rec, ctx: MappingContext, result: MappingResult, inspections: _Inspection) -> None:
        if not isinstance(rec.data, Mapping):
            result.add_reject(
                Reject(
                    code="malformed_payload",
                    reason="a record must be a JSON object",
                    location=rec.pointer or "/",
                    payload=_fragment(rec.data),
                    mapper=self.name,
                )
            )
            return
        kind = _kind(rec.data)
        if kind == "movement_header":
            items = _Fields(rec, ctx).nav_items("to_MaterialDocumentItem")
            if not items:
                result.add_reject(
                    Reject(
                        code="missing_field",
                        reason="material document without items",
                        location=rec.pointer or "/",
                        payload=_fragment(rec.data),
                        mapper=self.name,
                    )
                )
            for number, (pointer, item) in enumerate(items, start=1):
                sub = _Rec(item, pointer, header=rec.data)
                if not isinstance(item, Mapping):
                    result.add_reject(
                        Reject(
                            code="type_mismatch",
                            reason=f"a material document item must be a JSON object, got {type(item).__name__}",
                            location=pointer,
                            payload=_fragment(item),
                            mapper=self.name,
                        )
                    )
                    continue
                self._guard(sub, result, lambda s=sub, n=number: self._movement(s, ctx, result, n))
            return
        if kind in _INSPECTION_PARTS:
            self._guard(rec, result, lambda: self._collect(rec, kind, inspections, ctx))
            return
        if kind == "confirmation":
            self._confirmation_with_movements(rec, ctx, result)
            return
        handler = {
            "order": self._order,
            "product": self._product,
            "stock": self._stock,
            "movement": lambda r, c, res: self._movement(r, c, res, 1),
            "batch": self._batch,
        }.get(kind or "")
        if handler is None:
            result.add_reject(
                Reject(
                    code="unsupported_message",
                    reason="not a supported S/4HANA OData entity "
                    "(production order, product, batch, material document, stock, confirmation, "
                    "inspection lot/result/usage decision)",
                    location=rec.pointer or "/",
                    payload=_fragment(rec.data),
                    mapper=self.name,
                )
            )
            return
        self._guard(rec, result, lambda: handler(rec, ctx, result))

    def _source(
        self, ctx: MappingContext, doc_type: str, doc_id: str, line: str | None = None, revision: str | None = None
    ) -> dict[str, Any]:
        """The ``SourceRef`` as plain data (checked with its entity by :func:`sap_common.convert`)."""
        if not ctx.source_system:
            raise MappingError("no source system: set source_system in the mapping context", code="missing_identity")
        return {
            "system": ctx.source_system,
            "document_type": f"ODATA:{doc_type}",
            "document_id": doc_id,
            "line": line,
            "revision": revision,
        }

    # orders -----------------------------------------------------------------
    def _order(self, rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
        f = _Fields(rec, ctx)
        order_id = f.key("ManufacturingOrder")
        plant = f.s("ProductionPlant") or f.s("Plant")
        material_id = f.key("Material")
        if not order_id or not plant or not material_id:
            name = "ManufacturingOrder" if not order_id else "ProductionPlant" if not plant else "Material"
            raise f.fail(name, MappingError(f"production order has no {name}", code="missing_field"))
        quantity = f.qty_d("TotalQuantity", "ProductionUnit")
        if quantity is None:
            raise f.fail("TotalQuantity", MappingError("production order has no TotalQuantity", code="missing_field"))
        statuses = [s for s in f.nav("to_ProductionOrderStatus") if not s.get("IsUserStatus")]
        if statuses:
            shorts = [str(s.get("StatusShortName") or sc.short_status(str(s.get("StatusCode", "")))) for s in statuses]
            raw = " ".join(str(s.get("StatusCode") or "") for s in statuses).strip()
        else:
            shorts = [code for name, code in _flags("Order") if f.flag(name)]
            raw = " ".join(shorts)
        status = sc.order_status(shorts)
        zone = _Zone(ctx, plant)
        operations = [
            self._operation(f.sub(op, where), plant, zone) for where, op in f.nav_records("to_ProductionOrderOperation")
        ]
        components = [
            self._component(f.sub(comp, where), plant) for where, comp in f.nav_records("to_ProductionOrderComponent")
        ]
        items = f.nav_records("to_ProductionOrderItem")
        lot = f.sub(items[0][1], items[0][0]).s("Batch") if items else None
        sales = f.key("SalesOrder")
        sales_item = f.key("SalesOrderItem")
        scrap = f.qty_d("MfgOrderPlannedScrapQty", "ProductionUnit")
        changed = f.s("LastChangeDateTime")
        order = sc.convert(
            {
                "order_id": order_id,
                "plant": plant,
                "order_type": f.s("ManufacturingOrderType"),
                "status": status,
                "status_source_code": raw or None,
                "material_id": material_id,
                "planned_quantity": quantity,
                "planned_scrap_quantity": scrap if scrap and scrap["value"] else None,
                "planned_start_at": f.instant("MfgOrderPlannedStartDate", "MfgOrderPlannedStartTime", plant, zone),
                "planned_end_at": f.instant("MfgOrderPlannedEndDate", "MfgOrderPlannedEndTime", plant, zone),
                "scheduled_start_at": f.instant(
                    "MfgOrderScheduledStartDate", "MfgOrderScheduledStartTime", plant, zone
                ),
                "scheduled_end_at": f.instant("MfgOrderScheduledEndDate", "MfgOrderScheduledEndTime", plant, zone),
                "target_lot_id": lot,
                "released_date": f.day("MfgOrderActualReleaseDate"),  # a date only, as LOIPRO FTRMI
                "company_id": f.s("CompanyCode"),
                "priority_source_code": f.s("ManufacturingOrderImportance"),
                "receipt_location": {"plant": plant, "storage_location": f.s("StorageLocation")}
                if f.s("StorageLocation")
                else None,
                "sales_order_id": (f"{sales}/{sales_item}" if sales_item and sales_item != "0" else sales)
                if sales
                else None,
                "operations": operations,
                "material_requirements": components,
                "revision": changed,
                "properties": _pds(
                    _pd("sap.order_category", f.s("ManufacturingOrderCategory")),
                    _pd("sap.mrp_controller", f.s("MRPController")),
                    _pd("sap.production_supervisor", f.s("ProductionSupervisor")),
                    _pd("sap.production_version", f.s("ProductionVersion")),
                ),
                "source": self._source(ctx, "A_ProductionOrder_2", order_id, revision=changed),
            },
            ProductionOrder,
        )
        time = sc.event_time(
            result,
            ctx,
            rec.pointer or "/",
            f.timestamp("LastChangeDateTime"),
            f.instant("MfgOrderCreationDate", "MfgOrderCreationTime", plant, zone),
        )
        sc.emit_checked(result, sc.order_event(status), order, time=time)

    def _operation(self, f: _Fields, plant: str, zone: _Zone) -> dict[str, Any]:
        """An operation; a record with a ManufacturingOrderSubOperation is a sub-operation of the operation it
        names (keyed by sequence, parent and number, as the IDoc's E1AFUVL). Planned dates are the earliest
        scheduled ones, the latest ones (OpLtstSchedldExec*) go to latest_start_at/latest_end_at."""
        parent = f.s("ManufacturingOrderOperation")
        sub = f.s("ManufacturingOrderSubOperation")
        number = sub or parent
        if not sub:
            parent = None
        if not number:
            raise f.fail("ManufacturingOrderOperation", MappingError("operation has no number", code="missing_field"))
        activities: list[dict[str, Any]] = []
        get = f.d.get
        for slot, value_name, unit_name in _WORK_QTY:
            if get(value_name) in _EMPTY_NUMBERS:
                continue
            amount = f.dec(value_name)
            if amount:
                duration = f.qty_of(amount, value_name, unit_name)
                activities.append({"activity": sc.activity_kind(slot), "duration": duration})
        shorts = tuple(code for name, code in _flags("Operation") if get(name) not in _UNSET and f.flag(name))
        found = f.strings(_OPERATION_STRINGS)
        found.update(
            {
                "operation_id": number,
                "parent_operation_id": parent,
                "sequence_id": _sap.alpha_in(seq) if (seq := f.s("ManufacturingOrderSequence")) else None,
                "source_operation_id": f"{plan}/{node}"
                if (plan := f.key("OrderInternalBillOfOperations")) and (node := f.key("OrderIntBillOfOperationsItem"))
                else None,
                "actual_start_at": f.instant("OpActualExecutionStartDate", "OpActualExecutionStartTime", plant, zone),
                "actual_end_at": f.instant("OpActualExecutionEndDate", "OpActualExecutionEndTime", plant, zone),
                "planned_quantity": f.qty_d("OpPlannedTotalQuantity", "OperationUnit"),
                "planned_start_at": f.instant("OpErlstSchedldExecStrtDte", "OpErlstSchedldExecStrtTme", plant, zone),
                "planned_end_at": f.instant("OpErlstSchedldExecEndDte", "OpErlstSchedldExecEndTme", plant, zone),
                "latest_start_at": f.instant("OpLtstSchedldExecStrtDte", "OpLtstSchedldExecStrtTme", plant, zone),
                "latest_end_at": f.instant("OpLtstSchedldExecEndDte", "OpLtstSchedldExecEndTme", plant, zone),
                "planned_activities": activities,
                "status": _operation_status(shorts),
                "status_source_code": " ".join(shorts) or None,
                "properties": _pds(_pd("sap.work_center_internal_id", f.s("WorkCenterInternalID"))),
            }
        )
        return found

    def _component(self, f: _Fields, plant: str) -> dict[str, Any]:
        material_id = f.key("Material")
        quantity = f.qty_d("RequiredQuantity", "BaseUnit")
        if not material_id or quantity is None:
            name = "Material" if not material_id else "RequiredQuantity"
            raise f.fail(name, MappingError(f"component has no {name}", code="missing_field"))
        reservation, item = f.key("Reservation"), f.key("ReservationItem")
        found = f.strings(_COMPONENT_STRINGS)
        bom_item = found["bom_item_number"]
        movement_type, category = found.pop("movement_type"), found.pop("item_category")
        found["issue_location"] = {
            "plant": found.pop("plant") or plant,
            "storage_location": found.pop("storage_location"),
        }
        found.update(
            {
                "line_id": f"{reservation}/{item}" if reservation and item else bom_item or material_id,
                "material_id": material_id,
                "quantity": quantity,
                "required_date": f.day("MatlCompRequirementDate"),
                "is_backflush": f.flag("MatlCompIsMarkedForBackflush"),
                "is_phantom": f.flag("MaterialComponentIsPhantomItem"),
                "properties": _pds(_pd("sap.movement_type", movement_type), _pd("sap.item_category", category)),
            }
        )
        return found

    # products ---------------------------------------------------------------
    def _product(self, rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
        f = _Fields(rec, ctx)
        material_id = f.key("Product")
        base = f.s("BaseUnit") or f.s("BaseUnitISOCode")
        if not material_id or not base:
            name = "Product" if not material_id else "BaseUnit"
            raise f.fail(name, MappingError(f"product has no {name}", code="missing_field"))
        try:
            base_uom = sc.unit_in(base, ctx, iso=f.s("BaseUnitISOCode"))
        except MappingError as exc:
            raise f.fail("BaseUnit", exc) from None
        texts = []
        for where, row in f.nav_records("to_Description"):
            df = f.sub(row, where)
            lang, text = df.s("Language"), df.s("ProductDescription")
            if lang and text:
                texts.append({"language": lang.lower(), "text": text})
        language = str(ctx.option("language", "EN")).lower()
        conversions: list[dict[str, Any]] = []
        for where, u in f.nav_records("to_ProductUnitsOfMeasure"):
            uf = f.sub(u, where)
            code = uf.s("AlternativeUnit")
            if not code:
                continue
            try:
                uom = sc.unit_in(code, ctx)
            except MappingError as exc:
                raise uf.fail("AlternativeUnit", exc) from None
            num, den = uf.dec("QuantityNumerator"), uf.dec("QuantityDenominator")
            if uom != base_uom and num and den:
                conversions.append({"uom": uom, "numerator": num, "denominator": den})
        plants = []
        for where, p in f.nav_records("to_Plant"):
            pf = f.sub(p, where)
            plant = pf.s("Plant")
            if not plant:  # a plant view names its plant; dropping the row would lose its data silently
                raise pf.fail("Plant", MappingError("product plant record has no Plant", code="missing_field"))
            beskz = pf.s("ProcurementType")
            plants.append(
                {
                    "plant": plant,
                    "procurement_type": sc.code_of(sc.MASTER, "procurement_type", beskz) if beskz else None,
                    "procurement_type_source_code": beskz,
                    "storage_location": pf.s("ProductionInvtryManagedLoc"),
                    "mrp_controller": pf.s("MRPResponsible"),
                }
            )
        mtart = f.s("ProductType")
        material = sc.convert(
            {
                "material_id": material_id,
                "description": next(
                    (t["text"] for t in texts if t["language"] == language), texts[0]["text"] if texts else None
                ),
                "descriptions": texts,
                "base_uom": base_uom,
                "material_type": sc.code_of(sc.MASTER, "material_type", mtart or ""),
                "material_type_source_code": mtart,
                "material_group": f.s("ProductGroup"),
                "is_lot_managed": f.flag("IsBatchManagementRequired"),
                "uom_conversions": conversions,
                "is_deleted": f.flag("IsMarkedForDeletion"),
                "plant_data": plants,
                "properties": _pds(
                    _pd("sap.industry_sector", f.s("IndustrySector")),
                    _pd("sap.gtin", None if sc.gtin(f.s("ProductStandardID")) else f.s("ProductStandardID")),
                ),
                "gtin": sc.gtin(f.s("ProductStandardID")),
                "source": self._source(
                    ctx,
                    "A_Product",
                    material_id,
                    revision=str(d) if (d := f.offset_instant("LastChangeDateTime")) else None,
                ),
            },
            Material,
        )
        time = sc.event_time(
            result,
            ctx,
            rec.pointer or "/",
            f.timestamp("LastChangeDateTime"),
            f.instant("LastChangeDate", None, None) if ctx.default_timezone else None,
            f.instant("CreationDate", None, None) if ctx.default_timezone else None,
        )
        sc.emit_checked(result, MaterialUpserted, material, time=time)

    # batches ----------------------------------------------------------------
    def _batch(self, rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
        """``API_BATCH_SRV`` ``Batch`` -> LotUpserted (as BATMAS: dates are plant-local calendar dates)."""
        f = _Fields(rec, ctx)
        material_id, lot_id = f.key("Material"), f.s("Batch")
        if not material_id or not lot_id:
            name = "Material" if not material_id else "Batch"
            raise f.fail(name, MappingError(f"batch has no {name}", code="missing_field"))
        plant = f.s("BatchIdentifyingPlant")  # empty: the batch is unique per material (cross-plant)
        # A cross-plant batch's dates are read in the default zone, else in options.default_plant's zone.
        zone_plant = plant or (None if ctx.default_timezone else ctx.option("default_plant"))
        zone = _Zone(ctx, zone_plant)
        restricted = f.flag("BatchIsRestricted")
        changed = f.timestamp("LastChangeDateTime")
        lot = sc.convert(
            {
                "lot_id": lot_id,
                "material_id": material_id,
                "plant": plant,
                "status": "restricted" if restricted else "released",  # BatchIsRestricted (ZUSTD)
                "status_source_code": "RESTRICTED" if restricted else None,
                "manufactured_at": f.instant("ManufactureDate", None, zone_plant, zone),  # kept for 1.x readers
                "expires_at": f.instant("ShelfLifeExpirationDate", None, zone_plant, zone),
                "retest_at": f.instant("NextInspectionDate", None, zone_plant, zone),
                "manufactured_date": f.day("ManufactureDate"),  # the calendar dates they are
                "expiry_date": f.day("ShelfLifeExpirationDate"),
                "retest_date": f.day("NextInspectionDate"),
                "supplier_id": f.key("Supplier"),
                "supplier_lot_id": f.s("BatchBySupplier"),
                "properties": _pds(
                    _pd("sap.country_of_origin", f.s("CountryOfOrigin")),
                    _pd("sap.region_of_origin", f.s("RegionOfOrigin")),
                    _pd("sap.availability_date", _iso(f.day("MatlBatchAvailabilityDate")), "date"),
                    _pd("sap.deletion_flag", "true" if f.flag("BatchIsMarkedForDeletion") else None, "boolean"),
                ),
                "source": self._source(
                    ctx,
                    "Batch",
                    "/".join(part for part in (material_id, plant, lot_id) if part),
                    revision=changed.strftime("%Y%m%d%H%M%S") if changed else None,
                ),
            },
            MaterialLot,
        )
        # a restricted batch places a hold at its LastChangeDateTime (one read says no status before it)
        holds = sc.lot_holds(result, lot, changed, rec.pointer or "/")
        time = sc.event_time(result, ctx, rec.pointer or "/", changed, f.timestamp("CreationDateTime"))
        sc.emit_with_holds(result, build_event(LotUpserted, lot, time=time), holds)

    # stock ------------------------------------------------------------------
    def _stock(self, rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
        f = _Fields(rec, ctx)
        material_id, plant = f.key("Material"), f.s("Plant")
        quantity = f.qty_d("MatlWrhsStkQtyInMatlBaseUnit", "MaterialBaseUnit")
        if not material_id or not plant or quantity is None:
            name = "Material" if not material_id else "Plant" if not plant else "MatlWrhsStkQtyInMatlBaseUnit"
            raise f.fail(name, MappingError(f"stock record has no {name}", code="missing_field"))
        stock_type = f.s("InventoryStockType")
        snapshot = sc.event_time(result, ctx, rec.pointer or "/")
        bucket = "|".join(
            str(rec.data.get(k) or "")
            for k in (
                "Material",
                "Plant",
                "StorageLocation",
                "Batch",
                "InventorySpecialStockType",
                "InventoryStockType",
            )
        )
        storage_location = f.s("StorageLocation")
        balance = sc.convert(
            {
                "material_id": material_id,
                "plant": plant,
                "location": {"plant": plant, "storage_location": storage_location} if storage_location else None,
                "lot_id": f.s("Batch"),
                "stock_status": sc.code_of(sc.MASTER, "stock_type", stock_type or "01"),
                "stock_status_source_code": stock_type,
                "quantity": quantity,
                "snapshot_at": snapshot,
                "special_stock_type": f.s("InventorySpecialStockType"),
                "source": self._source(ctx, "A_MatlStkInAcctMod", bucket, revision=format(quantity["value"], "f")),
            },
            InventoryBalance,
        )
        sc.emit_checked(result, InventoryBalanceReported, balance, time=snapshot)

    # movements ---------------------------------------------------------------
    def _movement(self, rec: _Rec, ctx: MappingContext, result: MappingResult, number: int) -> None:
        f = _Fields(rec, ctx)
        expanded = rec.data.get("to_MaterialDocumentHeader")  # an item read with $expand=to_MaterialDocumentHeader
        if rec.header is None and isinstance(expanded, Mapping) and "__deferred" not in expanded:
            h = _Fields(_Rec(expanded, f"{rec.pointer}/to_MaterialDocumentHeader"), ctx)
        else:
            h = _Fields(_Rec(rec.header or {}, rec.pointer.rsplit("/to_MaterialDocumentItem", 1)[0]), ctx)
        plant, material_id, bwart = f.s("Plant"), f.key("Material"), f.s("GoodsMovementType")
        if not plant or not material_id or not bwart:
            name = "Plant" if not plant else "Material" if not material_id else "GoodsMovementType"
            raise f.fail(name, MappingError(f"material document item has no {name}", code="missing_field"))
        quantity = f.qty_d("QuantityInEntryUnit", "EntryUnit")
        base = f.qty_d("QuantityInBaseUnit", "MaterialBaseUnit")
        if quantity is None:
            quantity, base = base, None
        if quantity is None:
            raise f.fail(
                "QuantityInEntryUnit", MappingError("material document item has no quantity", code="missing_field")
            )
        meaning = sc.movement_in(bwart, context=ctx)
        reversed_item = sc.reversal_reference(f.key("ReversedMaterialDocument"), f.s("ReversedMaterialDocumentYear"),
                                              f.key("ReversedMaterialDocumentItem"))
        reading = sc.movement_meaning(bwart, reversed_item, ctx)
        kind = MovementType(reading["movement_type"])
        here = {"plant": plant, "storage_location": f.s("StorageLocation")}
        receipt = sc.books_inbound(kind, bwart)
        before, after = sc.movement_statuses(kind, meaning)
        meaning = {**meaning, "from_status": before, "to_status": after}
        document = f.key("MaterialDocument") or h.key("MaterialDocument")
        year = f.s("MaterialDocumentYear") or h.s("MaterialDocumentYear")
        item_no = f.key("MaterialDocumentItem") or str(number)
        reference = h.s("ReferenceDocument") or f.s("ReferenceDocument")
        doc_id = f"{document}/{year}" if document and year else (reference or "POST")
        booked = f.instant("CreationDate", "CreationTime", plant) or h.instant("CreationDate", "CreationTime", plant)
        posting_day = f.day("PostingDate") or h.day("PostingDate")
        business_day = f.day("DocumentDate") or h.day("DocumentDate") or posting_day
        rsv, rsv_item = f.key("Reservation"), f.key("ReservationItem")
        movement = sc.convert(
            {
                "movement_id": f"{doc_id}/{item_no}",
                "movement_type": kind,
                "movement_type_source_code": bwart,
                "plant": plant,
                "material_id": material_id,
                "quantity": quantity,
                "base_quantity": base,
                "lot_id": f.s("Batch"),
                **_received_batch_dates(f, receipt),
                "is_final_issue": f.flag("ReservationIsFinallyIssued"),
                **_special_stock(f),
                "from_location": None if receipt else here,
                "to_location": here
                if receipt
                else (
                    {
                        "plant": f.s("IssuingOrReceivingPlant") or plant,
                        "storage_location": f.s("IssuingOrReceivingStorageLoc"),
                    }
                    if kind is MovementType.TRANSFER
                    else None
                ),
                **_stock_statuses(f, meaning, receipt),
                "order_id": f.key("ManufacturingOrder") or f.key("OrderID"),
                "requirement_line_id": f"{rsv}/{rsv_item}" if rsv and rsv_item and rsv_item != "0" else None,
                "reason_code": f.s("GoodsMovementReasonCode"),
                **_business_time(f, plant, None, business_day, "DocumentDate"),
                "posted_at": booked,
                "posting_date": posting_day,
                # GoodsMovementIsCancelled marks an item cancelled later by a reversal document of its own,
                # which nets it: the item stays what it was, a property says it was cancelled
                "is_reversal": reading["is_reversal"],
                "reverses_movement_id": reading["reverses_movement_id"],
                # a POST body (no document number yet) asks SAP to post; SAP's document is a posted fact
                "posting": None if document and year else sc.posting_block(
                    PostingState.REQUESTED, target_system=ctx.source_system),
                "properties": _pds(
                    _pd("sap.gm_code", h.s("GoodsMovementCode")),
                    _pd("sap.cost_center", f.s("CostCenter")),
                    _pd("sap.item_text", f.s("MaterialDocumentItemText")),
                    _pd("sap.reference_document", reference),
                    _pd("sap.header_text", h.s("MaterialDocumentHeaderText")),
                    _pd("sap.debit_credit", f.s("DebitCreditCode")),
                    _pd("sap.cancelled", "true" if f.flag("GoodsMovementIsCancelled") else None, "boolean"),
                ),
                "source": {
                    **self._source(ctx, "A_MaterialDocumentItem", doc_id, line=item_no),
                    # the material document's own key: the same item read in another entity set is one event
                    "business_document_id": f"{document}/{year}/{item_no}" if document and year else None,
                },
            },
            MaterialMovement,
        )
        # a posted status change into blocked or quality-inspection stock places a hold (a POST body: none)
        sc.emit_with_holds(result, movement_event(movement), derive.holds_from_movement(movement))

    # confirmations -----------------------------------------------------------
    def _confirmation_with_movements(self, rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
        """A confirmation and its linked goods movements (``to_ProdnOrdConfMatlDocItm``), posted together in
        SAP: when the confirmation is rejected, each linked movement is rejected with it (one reject per
        item, so the record count is the same whether the confirmation converts or not)."""
        try:
            self._confirmation(rec, ctx, result)
        except Exception as exc:
            rejected = reject_from_error(
                exc, location=rec.pointer or "/", payload=_fragment(rec.data), mapper=self.name
            )
            result.add_reject(rejected)
            for where, item in _Fields(rec, ctx).nav_items("to_ProdnOrdConfMatlDocItm"):
                result.add_reject(
                    Reject(
                        code=rejected.code,
                        reason=f"its confirmation was rejected: {rejected.reason}",
                        location=where,
                        payload=_fragment(item),
                        mapper=self.name,
                    )
                )

    def _confirmation(self, rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
        f = _Fields(rec, ctx)
        order_id, plant = f.key("OrderID"), f.s("Plant") or ctx.option("default_plant")
        if not order_id or not plant:
            name = "OrderID" if not order_id else "Plant"
            raise f.fail(
                name,
                MappingError(
                    f"confirmation has no {name} (set options.default_plant for POST bodies without Plant)"
                    if name == "Plant"
                    else f"confirmation has no {name}",
                    code="missing_field",
                ),
            )
        group, count = f.key("ConfirmationGroup"), f.key("ConfirmationCount")
        external = f.s("ExternalSystemConfirmation")
        # never ConfirmationGroup alone: RUECK is shared by every confirmation of the operation (docs/mappers.md)
        confirmation_id = (
            f"{group}/{count}" if group and count
            else external or sc.derived_confirmation_id(order_id, f.s("OrderOperation"), f.d)
        )
        yield_qty = f.qty_d("ConfirmationYieldQuantity", "ConfirmationUnit")
        if yield_qty is None:
            raise f.fail("ConfirmationYieldQuantity", MappingError("no yield quantity", code="missing_field"))
        activities: list[dict[str, Any]] = []
        for slot, value_name, unit_name in _CONFIRMED_WORK:
            duration = f.qty_d(value_name, unit_name)
            if duration is not None:
                activities.append({"activity": sc.activity_kind(slot), "duration": duration})
        goods = f.nav_records("to_ProdnOrdConfMatlDocItm")
        movement_ids = [
            _material_document_item(f.sub(item, where)) or f"{confirmation_id}/{n}"
            for n, (where, item) in enumerate(goods, start=1)
        ]
        personnel = f.key("Personnel")
        ended = f.instant("ConfirmedExecutionEndDate", "ConfirmedExecutionEndTime", plant)
        external_entry = f.instant("ConfirmationExternalEntryDate", "ConfirmationExternalEntryTime", plant)
        entered = f.instant("ConfirmationEntryDate", "ConfirmationEntryTime", plant)
        posted = bool(group and count)  # SAP's record (a GET, a POST's response) has its key; a POST body has not
        posting = (
            sc.posting_block(PostingState.POSTED, target_system=ctx.source_system, external_id=external,
                             document_id=confirmation_id, posted_at=entered)
            if posted
            else sc.posting_block(PostingState.REQUESTED, target_system=ctx.source_system, external_id=external,
                                  requested_at=external_entry)
        )
        confirmation = sc.convert(
            {
                "confirmation_id": confirmation_id,
                "order_id": order_id,
                "operation_id": f.s("OrderOperation"),
                "sequence_id": _sap.alpha_in(seq) if (seq := f.s("Sequence")) else None,
                "plant": plant,
                "work_center_id": f.s("WorkCenter"),
                "yield_quantity": yield_qty,
                "scrap_quantity": f.qty_d("ConfirmationScrapQuantity", "ConfirmationUnit"),
                "rework_quantity": f.qty_d("ConfirmationReworkQuantity", "ConfirmationUnit"),
                "scrap_reason_code": f.s("VarianceReasonCode"),
                "is_final": sc.is_final_confirmation(mode) if (mode := f.s("FinalConfirmationType"))
                else f.flag("IsFinalConfirmation"),
                "final_confirmation_source_code": mode,
                "clear_open_reservations": f.flag("OpenReservationsIsCleared"),
                "started_at": f.instant("ConfirmedExecutionStartDate", "ConfirmedExecutionStartTime", plant),
                "ended_at": ended,
                "posting_date": f.day("PostingDate"),
                "activities": activities,
                "personnel_ids": [personnel] if personnel else [],
                "material_movement_ids": movement_ids,
                "recorded_at": external_entry or entered,
                "posting": posting,
                "properties": _pds(
                    _pd("sap.confirmation_text", f.s("ConfirmationText")),
                    _pd("sap.confirmation_number", group),
                    _pd("sap.record_type", f.s("OrderConfirmationRecordType")),
                ),
                "source": self._source(ctx, "ProdnOrdConf2", confirmation_id),
            },
            ProductionConfirmation,
        )
        time = sc.event_time(result, ctx, rec.pointer or "/", confirmation.ended_at, confirmation.recorded_at)
        sc.emit_checked(result, ProductionConfirmed, confirmation, time=time)
        if posted and external:  # SAP's record of a request: its outcome too (the same id however often read)
            sc.emit_posting_result(
                result,
                {
                    "result_id": confirmation_id,
                    "outcome": PostingState.POSTED,
                    "request_kind": RequestKind.CONFIRMATION,
                    "request_kind_source_code": "ProdnOrdConf2",
                    "request_external_id": external,
                    "target_system": ctx.source_system,
                    "target_document_type": "confirmation",
                    "target_document_id": confirmation_id,
                    "posted_ids": [confirmation_id, *movement_ids],
                    "plant": plant,
                    "order_id": order_id,
                    "operation_id": confirmation.operation_id,
                    "processed_at": sc.processed_time(ctx, rec.pointer or "/", entered),
                    "source": self._source(ctx, "ProdnOrdConf2", confirmation_id),
                },
                records=0,
            )
        for index, (where, item) in enumerate(goods):
            sub = _Rec(item, where, header={})
            data = dict(item)
            data.setdefault("ManufacturingOrder", item.get("OrderID"))
            sub.data = data

            def work(s: _Rec = sub, n: int = index + 1) -> None:
                sf = _Fields(s, ctx)
                self._linked_movement(sf, ctx, result, confirmation, n)

            self._guard(sub, result, work)

    def _linked_movement(
        self,
        f: _Fields,
        ctx: MappingContext,
        result: MappingResult,
        confirmation: ProductionConfirmation,
        number: int,
    ) -> None:
        """A goods movement posted with a confirmation: its posting state is the confirmation's; it moved when
        the confirmed work ended, else on the posting date (00:00 in the plant's zone, precision ``day``)."""
        plant, material_id, bwart = f.s("Plant") or confirmation.plant, f.key("Material"), f.s("GoodsMovementType")
        quantity = f.qty_d("QuantityInEntryUnit", "EntryUnit")
        if not material_id or not bwart or quantity is None:
            name = "Material" if not material_id else "GoodsMovementType" if not bwart else "QuantityInEntryUnit"
            raise f.fail(name, MappingError(f"goods movement has no {name}", code="missing_field"))
        meaning = sc.movement_in(bwart, context=ctx)
        reading = sc.movement_meaning(bwart, None, ctx)  # ProdnOrdConfMatlDocItm names no document to reverse
        kind = MovementType(reading["movement_type"])
        here = {"plant": plant, "storage_location": f.s("StorageLocation")}
        receipt = sc.books_inbound(kind, bwart)
        before, after = sc.movement_statuses(kind, meaning)
        meaning = {**meaning, "from_status": before, "to_status": after}
        rsv, rsv_item = f.key("Reservation"), f.key("ReservationItem")
        document_item = _material_document_item(f)  # posted: the material document item SAP booked
        movement = sc.convert(
            {
                "movement_id": document_item or f"{confirmation.confirmation_id}/{number}",
                "movement_type": kind,
                "movement_type_source_code": bwart,
                "plant": plant,
                "material_id": material_id,
                "quantity": quantity,
                "lot_id": f.s("Batch"),
                **_received_batch_dates(f, receipt),
                "is_final_issue": f.flag("ReservationIsFinallyIssued"),
                **_special_stock(f),
                "from_location": None if receipt else here,
                "to_location": here if receipt else None,
                "order_id": f.key("OrderID") or confirmation.order_id,
                "requirement_line_id": f"{rsv}/{rsv_item}" if rsv and rsv_item else None,
                "confirmation_id": confirmation.confirmation_id,
                **_business_time(f, plant, confirmation.ended_at, confirmation.posting_date, "PostingDate"),
                "posting_date": confirmation.posting_date,
                "posting": None if confirmation.posting is None else sc.posting_block(
                    confirmation.posting.state, target_system=confirmation.posting.target_system,
                    requested_at=confirmation.posting.requested_at),
                "is_reversal": reading["is_reversal"],
                "source": {
                    **self._source(ctx, "ProdnOrdConfMatlDocItm", confirmation.confirmation_id, line=str(number)),
                    "business_document_id": document_item,
                },
            },
            MaterialMovement,
        )
        sc.emit_with_holds(result, movement_event(movement), derive.holds_from_movement(movement))

    # inspections ---------------------------------------------------------------
    def _collect(self, rec: _Rec, kind: str, inspections: _Inspection, ctx: MappingContext) -> None:
        f = _Fields(rec, ctx)
        if kind == "bapi_results":
            self._collect_bapi_results(f, rec, inspections)
            return
        if kind == "bapi_decision":
            ud = rec.data.get("UD_DATA")
            if not isinstance(ud, Mapping):
                raise f.fail("UD_DATA", MappingError("UD_DATA must be a structure", code="type_mismatch"))
            lot = f.key("NUMBER") or f.sub(ud, f"{rec.pointer}/UD_DATA").key("INSPLOT")
            if not lot:
                missing = MappingError("usage decision has no inspection lot NUMBER", code="missing_field")
                raise f.fail("NUMBER", missing)
            part = _Rec(ud, f"{rec.pointer}/UD_DATA", header=rec.data, bapi=True)
            inspections.decisions.setdefault(lot, []).append(part)
            return
        lot = f.key("InspectionLot")
        if not lot:
            raise f.fail("InspectionLot", MappingError("record has no InspectionLot", code="missing_field"))
        if kind == "lot":
            if not self._first_lot(lot, rec, inspections):
                return
            for where, item in f.nav_records("to_InspectionResult"):
                inspections.results.setdefault(lot, []).append(_Rec(item, where))
            for where, item in f.nav_records("to_InspLotUsageDecision"):
                inspections.decisions.setdefault(lot, []).append(_Rec(item, where))
        elif kind == "result":
            inspections.results.setdefault(lot, []).append(rec)
        else:
            inspections.decisions.setdefault(lot, []).append(rec)

    @staticmethod
    def _first_lot(lot: str, rec: _Rec, inspections: _Inspection) -> bool:
        """Keep the first ``A_InspectionLot`` of a key; a later one never overwrites it silently.

        An exact repeat (same content, e.g. the same GET response delivered twice) is set aside and counted
        with the lot (a warning says so when the lot is emitted); a repeat with different content is
        ambiguous (which one is current?), so the later record is rejected and the earlier one mapped.
        """
        first = inspections.lots.get(lot)
        if first is None:
            inspections.lots[lot] = rec
            return True
        if first.data == rec.data:
            inspections.repeats.setdefault(lot, []).append(rec)
            return False
        raise MappingError(
            f"inspection lot {lot} appears twice in this batch with different content (first at "
            f"{first.pointer or '/'}): the later record is not mapped; send one version of the lot",
            code="constraint_violation",
            path=rec.pointer or "/",
        )

    def _collect_bapi_results(self, f: _Fields, rec: _Rec, inspections: _Inspection) -> None:
        """BAPI_INSPOPER_RECORDRESULTS: one record per CHAR_RESULTS row (BAPI2045D2), joined to its lot."""
        rows = rec.data.get("CHAR_RESULTS")
        if not isinstance(rows, list) or not rows:
            missing = MappingError("RECORDRESULTS call without CHAR_RESULTS rows", code="missing_field")
            raise f.fail("CHAR_RESULTS", missing)
        header_lot = f.key("INSPLOT")
        parts: list[tuple[str, _Rec]] = []
        for index, row in enumerate(rows):
            pointer = f"{rec.pointer}/CHAR_RESULTS/{index}"
            if not isinstance(row, Mapping):
                wrong = MappingError("a result row must be a structure", code="type_mismatch")
                raise f.fail(f"CHAR_RESULTS/{index}", wrong)
            lot = f.sub(row, pointer).key("INSPLOT") or header_lot
            if not lot:
                raise f.fail("INSPLOT", MappingError("result row has no inspection lot INSPLOT", code="missing_field"))
            parts.append((lot, _Rec(row, pointer, header=rec.data, bapi=True)))
        for lot, part in parts:
            inspections.results.setdefault(lot, []).append(part)

    def _inspections(self, inspections: _Inspection, ctx: MappingContext, result: MappingResult) -> None:
        for lot_id, lot in inspections.lots.items():
            found = inspections.results.pop(lot_id, [])
            decisions = inspections.decisions.pop(lot_id, [])
            repeats = inspections.repeats.get(lot_id, [])
            parts = [lot, *found, *decisions, *repeats]
            decision = decisions[-1] if decisions else None
            try:
                self._inspection(lot, found, decision, len(parts), ctx, result)
                result.warnings.extend(
                    f"{rec.pointer or '/'}: inspection lot {lot_id} repeats {lot.pointer or '/'} exactly: "
                    "deduplicated (counted with the lot's event)"
                    for rec in repeats
                )
            except Exception as exc:
                rejected = reject_from_error(
                    exc, location=lot.pointer or "/", payload=_fragment(lot.data), mapper=self.name
                )
                result.add_reject(rejected)
                for part in parts[1:]:
                    result.add_reject(
                        Reject(
                            code=rejected.code,
                            reason=f"its inspection lot {lot_id} was rejected: {rejected.reason}",
                            location=part.pointer or "/",
                            payload=_fragment(part.data),
                            mapper=self.name,
                        )
                    )
        for what, orphans in (("inspection result", inspections.results),
                              ("usage decision", inspections.decisions)):
            for lot_id, recs in orphans.items():
                for rec in recs:
                    result.add_reject(
                        Reject(
                            code="unmatched_record",
                            reason=f"{what} for lot {lot_id} has no "
                            "A_InspectionLot in this batch: convert it together with the lot",
                            location=rec.pointer or "/",
                            payload=_fragment(rec.data),
                            mapper=self.name,
                        )
                    )

    def _inspection(
        self,
        lot: _Rec,
        parts: list[_Rec],
        decision: _Rec | None,
        records: int,
        ctx: MappingContext,
        result: MappingResult,
    ) -> None:
        """One InspectionCompleted from the lot, its result records (OData or BAPI) and its usage decision."""
        f = _Fields(lot, ctx)
        plant = f.s("Plant")
        if not plant:
            raise f.fail("Plant", MappingError("inspection lot has no Plant", code="missing_field"))
        status_data = f.nav("to_InspectionLotWithStatus")
        st = _Fields(_Rec(status_data[0], f"{lot.pointer}/to_InspectionLotWithStatus"), ctx) if status_data else f
        cancelled = st.flag("InspLotStatusCanceled")
        completed = (
            st.flag("InspLotStatusInspCompleted") or f.flag("InspectionLotHasUsageDecision") or decision is not None
        )
        if not completed and not cancelled:
            raise MappingError(
                "inspection lot is not completed yet (no usage decision, InspLotStatusInspCompleted "
                "not set): no InspectionCompleted event",
                code="unsupported_message",
                path=lot.pointer,
            )
        results: list[dict[str, Any]] = []
        for rec in parts:
            if rec.bapi:
                results.append(self._bapi_result(_Fields(rec, ctx), plant, rec.header or {}))
                continue
            rf = _Fields(rec, ctx)
            char = rf.key("InspectionCharacteristic")
            if not char:
                raise rf.fail(
                    "InspectionCharacteristic", MappingError("result has no characteristic", code="missing_field")
                )
            measured = (
                rf.dec("InspResultFrmtdMeanValue")
                if rf.s("InspResultFrmtdMeanValue")
                else (rf.dec("InspectionResultMeanValue") if rf.flag("InspectionResultHasMeanValue") else None)
            )
            code_group, code = rf.s("CharacteristicAttributeCodeGrp"), rf.s("CharacteristicAttributeCode")
            valuation = rf.s("InspectionValuationResult") or ""
            results.append(
                {
                    "characteristic_id": char,
                    "description": rf.s("InspectionResultText"),
                    "measured_value": measured,
                    "value_text": f"{code_group}/{code}" if code_group and code else None,
                    "evaluation": sc.code_of(sc.QUALITY, "evaluation", valuation),
                    "evaluation_source_code": valuation or None,
                    "measured_at": rf.instant("InspectionEndDate", "InspectionEndTime", plant),
                    "properties": _pds(
                        _pd("sap.inspector", rf.s("Inspector")), _pd("sap.defect_class", rf.s("DefectClass"))
                    ),
                }
            )
        ud = ud_code = decided_at = decided_by = ud_text = None
        if decision is not None and decision.bapi:
            df = _Fields(decision, ctx)
            ud_code = df.s("UD_CODE")
            ud = sc.usage_decision(ud_code, None, ctx)  # BAPI2045UD carries no valuation
            decided_at = df.instant_sap("UD_RECORDED_ON_DATE", "UD_RECORDED_AT_TIME", plant)
            decided_by = df.s("UD_RECORDED_BY_USER")
            ud_text = _long_text(df, "UD_TEXT_LINE")
        elif decision is not None:
            df = _Fields(decision, ctx)
            ud_code = df.s("InspectionLotUsageDecisionCode")
            ud = sc.usage_decision(ud_code, df.s("InspLotUsageDecisionValuation"), ctx)
            decided_at = df.instant("InspectionLotUsageDecidedOn", "InspLotUsageDecisionTime", plant)
            decided_by = df.s("InspectionLotUsageDecidedBy")
        origin = f.s("InspectionLotOrigin")
        lot_qty = f.qty_d("InspectionLotQuantity", "InspectionLotQuantityUnit")
        inspection = sc.convert(
            {
                "inspection_id": f.key("InspectionLot") or "",
                "plant": plant,
                "inspection_type": sc.code_of(sc.QUALITY, "inspection_type", origin or ""),
                "inspection_type_source_code": origin,
                "inspected": {
                    "material_id": f.key("Material"),
                    "lot_id": f.s("Batch"),
                    "order_id": f.key("ManufacturingOrder"),
                },
                "status": InspectionStatus.CANCELLED if cancelled else InspectionStatus.COMPLETED,
                "results": results,
                "usage_decision": ud,
                "usage_decision_source_code": ud_code,
                "decided_at": decided_at,
                "decided_by": decided_by,
                "properties": _pds(
                    _pd(
                        "sap.inspection_lot_quantity",
                        format(lot_qty["value"], "f") if lot_qty else None,
                        "decimal",
                    ),
                    _pd("sap.inspection_lot_text", f.s("InspectionLotText")),
                    _pd("sap.usage_decision_text", ud_text),
                ),
                "source": self._source(
                    ctx,
                    "A_InspectionLot",
                    f.key("InspectionLot") or "",
                    revision=str(d) if (d := f.offset_instant("ChangedDateTime")) else None,
                ),
            },
            QualityInspection,
        )
        changed = f.timestamp("ChangedDateTime")
        # a rejecting decision places a hold, an accepting one releases it, at decided_at (else ChangedDateTime)
        holds = sc.inspection_holds(result, inspection, changed, lot.pointer or "/")
        time = sc.event_time(result, ctx, lot.pointer or "/", decided_at, changed)
        sc.emit_with_holds(result, build_event(InspectionCompleted, inspection, time=time), holds, records=records)

    def _bapi_result(self, rf: _Fields, plant: str, call: Mapping[str, Any]) -> dict[str, Any]:
        """A BAPI2045D2 row (BAPI_INSPOPER_RECORDRESULTS CHAR_RESULTS) as inspection result data."""
        char = rf.key("INSPCHAR")
        if not char:
            raise rf.fail("INSPCHAR", MappingError("result row has no characteristic INSPCHAR", code="missing_field"))
        code_group, code = rf.s("CODE_GRP1"), rf.s("CODE1")
        valuation = rf.s("EVALUATION") or ""
        return {
            "characteristic_id": char,
            "description": rf.s("REMARK"),
            "measured_value": rf.dec("MEAN_VALUE"),
            "value_text": f"{code_group}/{code}" if code_group and code else None,
            "evaluation": sc.code_of(sc.QUALITY, "evaluation", valuation),
            "evaluation_source_code": valuation or None,
            "measured_at": rf.instant_sap("END_DATE", "END_TIME", plant)
            or rf.instant_sap("START_DATE", "START_TIME", plant),
            "properties": _pds(
                _pd("sap.inspector", rf.s("INSPECTOR")),
                _pd("sap.operation", rf.s("INSPOPER") or rf.sub(call, "").s("INSPOPER")),
            ),
        }

    # ------------------------------------------------------------------ outbound
    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Any:
        """POST bodies: one ``ProdnOrdConf2`` per confirmation (linked movements deep-inserted) and one
        ``A_MaterialDocumentHeader`` per group of other movements. One body comes back as a dict,
        several as a list."""
        ctx = context or MappingContext()
        confirmations: list[ProductionConfirmation] = []
        movements: list[MaterialMovement] = []
        for item in items:
            entity = getattr(item, "data", item)
            if isinstance(entity, ProductionConfirmation):
                confirmations.append(entity)
            elif isinstance(entity, MaterialMovement):
                movements.append(entity)
            else:
                raise MappingError(f"{self.name} cannot write a {type(entity).__name__}", code="unmappable_value")
        ids = {c.confirmation_id for c in confirmations}
        bodies: list[dict[str, Any]] = [
            _confirmation_body(c, [m for m in movements if m.confirmation_id == c.confirmation_id], ctx)
            for c in confirmations
        ]
        # one body per posting date, document date (the movements' local day: a body has one), GM code and
        # reference document
        groups: dict[tuple[date, date, str, str], list[MaterialMovement]] = {}
        for m in movements:
            if m.confirmation_id in ids:
                continue
            bwart = sc.movement_out(
                m.movement_type, m.is_reversal, m.movement_type_source_code, m.from_stock_status, m.to_stock_status
            )
            ref = next((p.value for p in m.properties if p.name == "sap.reference_document" and p.value), None) or (
                m.movement_id.rpartition("/")[0] or m.movement_id
            )
            local_day = m.occurred_at.astimezone(ctx.zone_for(m.plant)).date()
            groups.setdefault((m.posting_date or local_day, local_day, sc.gm_code(bwart), ref), []).append(m)
        for (posting, doc_day, gm, ref), members in groups.items():
            bodies.append(
                {
                    "GoodsMovementCode": gm,
                    "PostingDate": _sap.format_odata_date(posting),
                    "DocumentDate": _sap.format_odata_date(doc_day),
                    "ReferenceDocument": ref[:16],
                    "to_MaterialDocumentItem": {"results": [_item_body(m, ctx) for m in members]},
                }
            )
        return bodies[0] if len(bodies) == 1 else bodies


def _stock_statuses(f: _Fields, meaning: Mapping[str, Any], receipt: bool) -> dict[str, Any]:
    """A material document item's stock statuses: its own stock type (``InventoryStockType``: 01
    unrestricted, 02 quality inspection, 07 blocked, ...; ``mappings/sap/master_data.toml`` [stock_type]) is
    the side it books (received into for receipts, taken from otherwise), ``IssuingOrReceivingStockType`` the
    other side of a transfer or status change; the movement type's own statuses win where it has them
    (321: quality inspection to unrestricted). The source codes are kept verbatim."""
    own, other = f.s("InventoryStockType"), f.s("IssuingOrReceivingStockType")
    from_code, to_code = (other, own) if receipt else (own, other)

    def status(code: str | None) -> str | None:
        return sc.code_of(sc.MASTER, "stock_type", code) if code else None

    return {
        "from_stock_status": meaning.get("from_status") or status(from_code),
        "to_stock_status": meaning.get("to_status") or status(to_code),
        "from_stock_status_source_code": from_code,
        "to_stock_status_source_code": to_code,
    }


def _received_batch_dates(f: _Fields, receipt: bool) -> dict[str, Any]:
    """A receipt's batch production and shelf-life expiry dates (``ManufactureDate``,
    ``ShelfLifeExpirationDate``: HSDAT, VFDAT) where the item has them; other movements carry none."""
    if not receipt:
        return {}
    return {"manufactured_date": f.day("ManufactureDate"), "expiry_date": f.day("ShelfLifeExpirationDate")}


def _material_document_item(f: _Fields) -> str | None:
    """``MaterialDocument/MaterialDocumentYear/MaterialDocumentItem`` (ALPHA zeros off, as a movement_id)
    when the record carries the full key, else None."""
    document, year, item = f.key("MaterialDocument"), f.s("MaterialDocumentYear"), f.key("MaterialDocumentItem")
    return f"{document}/{year}/{item}" if document and year and item else None


def _special_stock(f: _Fields) -> dict[str, Any]:
    """``special_stock_type`` (InventorySpecialStockType, verbatim) and its owner: the sales order (and
    item), else the supplier, else the customer."""
    order, position = f.key("SalesOrder"), f.key("SalesOrderItem")
    owner = (f"{order}/{position}" if position and position != "0" else order) if order else None
    return {"special_stock_type": f.s("InventorySpecialStockType"),
            "special_stock_id": owner or f.key("Supplier") or f.key("Customer")}


def _business_time(
    f: _Fields, plant: str, moment: datetime | None, day: date | None, day_field: str
) -> dict[str, Any]:
    """``occurred_at`` (and its precision) of a movement: the payload's time, else its date (the document
    date, else the posting date) at 00:00 in the plant's zone (precision ``day``). Neither is a
    ``missing_field`` reject: the received time is never a business time."""
    if moment is not None:
        return {"occurred_at": moment}
    if day is None:
        raise f.fail(day_field, MappingError(
            "no business time for the movement: no creation time, posting date or document date",
            code="missing_field"))
    try:
        midnight = _sap.local_instant(day, _MIDNIGHT, 0, f.ctx.zone_for(plant))
    except MappingError as exc:
        raise f.fail(day_field, exc) from None
    return {"occurred_at": midnight, "occurred_at_precision": "day"}


def _error_text(error: Mapping[str, Any]) -> str:
    message = error.get("message")
    text = message.get("value") if isinstance(message, Mapping) else message
    return f"SAP returned an error {error.get('code')!r}: {text}"


def _num(value: Decimal) -> str:
    """Edm.Decimal as a JSON string, fixed point (``12.75``, never ``1.275E+1``)."""
    return format(_sap.normalize_float(value), "f")


def _unit(q: Quantity, ctx: MappingContext) -> str:
    return sc.unit_out(q.uom, q.source_uom, "commercial", ctx)


def _item_body(m: MaterialMovement, ctx: MappingContext) -> dict[str, Any]:
    receipt = m.movement_type in (MovementType.GOODS_RECEIPT, MovementType.ADJUSTMENT_IN)
    here = m.to_location if sc.books_inbound(m.movement_type, m.movement_type_source_code) else m.from_location
    body: dict[str, Any] = {
        "Material": m.material_id,
        "Plant": m.plant,
        "GoodsMovementType": sc.movement_out(
            m.movement_type, m.is_reversal, m.movement_type_source_code, m.from_stock_status, m.to_stock_status
        ),
        "EntryUnit": _unit(m.quantity, ctx),
        "QuantityInEntryUnit": _num(m.quantity.value),
    }
    if here is not None and here.storage_location:
        body["StorageLocation"] = here.storage_location
    if m.lot_id:
        body["Batch"] = m.lot_id
    if m.order_id:
        body["ManufacturingOrder"] = m.order_id
        if receipt:
            body["GoodsMovementRefDocType"] = "F"
    if m.requirement_line_id:
        reservation, _, item = m.requirement_line_id.partition("/")
        body["Reservation"], body["ReservationItem"] = reservation, item
    if m.reason_code:
        body["GoodsMovementReasonCode"] = m.reason_code
    for prop, key in (("sap.cost_center", "CostCenter"), ("sap.item_text", "MaterialDocumentItemText")):
        value = next((p.value for p in m.properties if p.name == prop and p.value), None)
        if value:
            body[key] = value
    if m.movement_type is MovementType.TRANSFER and m.to_location is not None:
        body["IssuingOrReceivingPlant"] = m.to_location.plant
        if m.to_location.storage_location:
            body["IssuingOrReceivingStorageLoc"] = m.to_location.storage_location
    return body


def _confirmation_body(
    c: ProductionConfirmation, linked: list[MaterialMovement], ctx: MappingContext
) -> dict[str, Any]:
    if c.reverses_confirmation_id:
        raise MappingError(
            "a reversal is posted with CancelProdnOrdConf, not as a ProdnOrdConf2 body", code="unmappable_value"
        )
    zone = ctx.zone_for(c.plant)
    body: dict[str, Any] = {"OrderID": c.order_id, "Plant": c.plant}
    if c.operation_id:
        body["OrderOperation"] = c.operation_id
    body["IsFinalConfirmation"] = c.is_final
    mode = sc.final_confirmation_out(c)
    if mode:
        body["FinalConfirmationType"] = mode
    body["OpenReservationsIsCleared"] = c.clear_open_reservations
    if c.posting_date:
        body["PostingDate"] = _sap.format_odata_date(c.posting_date)
    for prefix, instant in (
        ("ConfirmedExecutionStart", c.started_at),
        ("ConfirmedExecutionEnd", c.ended_at),
        ("ConfirmationExternalEntry", c.recorded_at),
    ):
        if instant is not None:
            local = instant.astimezone(zone)
            body[f"{prefix}Date"] = _sap.format_odata_date(local.date())
            body[f"{prefix}Time"] = _sap.format_odata_time(local.time())
    if c.work_center_id:
        body["WorkCenter"] = c.work_center_id
    body["ConfirmationUnit"] = _unit(c.yield_quantity, ctx)
    body["ConfirmationUnitISOCode"] = c.yield_quantity.uom
    for key, q in (
        ("ConfirmationYieldQuantity", c.yield_quantity),
        ("ConfirmationScrapQuantity", c.scrap_quantity),
        ("ConfirmationReworkQuantity", c.rework_quantity),
    ):
        if q is None:
            continue
        if q.uom != c.yield_quantity.uom:
            raise MappingError(
                f"{key} is in {q.uom}, the confirmation unit is {c.yield_quantity.uom}", code="unmappable_value"
            )
        body[key] = _num(q.value)
    if c.scrap_reason_code:
        body["VarianceReasonCode"] = c.scrap_reason_code
    text = next((p.value for p in c.properties if p.name == "sap.confirmation_text" and p.value), None)
    if text:
        body["ConfirmationText"] = text
    used: set[int] = set()
    for activity in c.activities:
        if activity.activity_type_code:
            raise MappingError(
                "ProdnOrdConf2 does not carry activity types; leave activity_type_code empty", code="unmappable_value"
            )
        slot = sc.activity_slot(activity.activity, used)
        used.add(slot)
        body[f"OpWorkQuantityUnit{slot}"] = _unit(activity.duration, ctx)
        body[f"OpConfirmedWorkQuantity{slot}"] = _num(activity.duration.value)
    if len(c.personnel_ids) > 1:
        raise MappingError("ProdnOrdConf2 carries one Personnel number", code="unmappable_value")
    if c.personnel_ids:
        body["Personnel"] = c.personnel_ids[0]
    body["ExternalSystemConfirmation"] = c.confirmation_id
    if linked:
        items = []
        for m in linked:
            item = _item_body(m, ctx)
            item["OrderID"] = item.pop("ManufacturingOrder", c.order_id)
            item.pop("GoodsMovementRefDocType", None)
            items.append(item)
        body["to_ProdnOrdConfMatlDocItm"] = {"results": items}
    return body


__all__ = ["SapODataMapper"]
