"""A fast path for ``A_ProductionOrder_2`` responses: the JSON decoded straight into typed structs that mirror
the OData entities, and the canonical structs built with their constructors (no second validation pass).

It answers only the plain case: a ``{"d": {"results": [...]}}`` body whose every record is a production order
whose fields have the types S/4HANA sends (strings, ``X``/boolean flags, ``/Date(ms)/`` dates), within the
canonical lengths, and that maps without a reject or a warning. Anything else (a field of another type, an
unknown shape, a paged body, a value the checked reader would refuse or warn about, any exception) returns
None, and the checked reader (:mod:`.odata_orders` over :mod:`.odata_reader`) maps the payload again from the
start: it alone makes rejects and warnings. Both give byte-identical events
(``tests/mappers/test_odata_typed.py`` checks every OData sample and mutated orders through both).

Why the output is the checked reader's: every field that reader reads is declared here; a type it would read
differently (a number where a string is expected, ``null`` where absence and ``null`` differ) fails the typed
decode; the length limits of the canonical fields are the typed fields' limits (stripping and ALPHA only
shorten), composed keys are checked here; the value conversions are the same functions (:mod:`.values`,
:mod:`.common`), cached per live mapping context and plant (:func:`_doc_for`); and the constructors run the
same model hooks as ``msgspec.convert``.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from decimal import Decimal
from operator import attrgetter
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.mappers.sap.odata_orders import _flags, _packaged_operation_status
from mfgcanon.mappers.sap.odata_reader import _EMPTY_NUMBERS
from mfgcanon.v1.common import ActivityTime, Location, Property, Quantity, SourceRef
from mfgcanon.v1.events import CloudEvent, build_event
from mfgcanon.v1.order import MaterialRequirement, Operation, OperationStatus, ProductionOrder

Id = Annotated[str, Meta(max_length=255)]
"""A source field that becomes an ``Identifier`` (at most 255 characters; stripping only shortens it)."""
Cd = Annotated[str, Meta(max_length=64)]
"""A source field that becomes a ``Code`` (at most 64 characters)."""
Flag = str | bool | None
"""An OData flag: ``X``/blank or a boolean (anything else fails the decode: the checked reader decides)."""
_MAX_ID = 255

ORDER_MARKER = b"A_ProductionOrder_2Type"
"""Only a body that names the entity type tries the fast path (others go straight to the checked reader)."""
ORDER_MARKER_TEXT = ORDER_MARKER.decode()


class _Metadata(msgspec.Struct):
    type: str | None = None


class _Status(msgspec.Struct):
    StatusCode: str | UnsetType = UNSET  # null and absence read differently in the checked reader: null fails
    IsUserStatus: bool | str | None = None
    StatusShortName: str | None = None


class _Item(msgspec.Struct):
    Batch: Id | None = None


class _Operation(msgspec.Struct):
    ManufacturingOrderOperation: Id | None = None
    ManufacturingOrderSubOperation: Id | None = None
    ManufacturingOrderSequence: Id | None = None
    OrderInternalBillOfOperations: Id | None = None
    OrderIntBillOfOperationsItem: Id | None = None
    MfgOrderOperationText: str | None = None
    WorkCenter: Id | None = None
    OperationControlProfile: Cd | None = None
    WorkCenterInternalID: str | None = None
    OpPlannedTotalQuantity: str | None = None
    OperationUnit: str | None = None
    OperationUnitISOCode: str | None = None
    OperationUnitSAPCode: str | None = None
    OpActualExecutionStartDate: str | None = None
    OpActualExecutionStartTime: str | None = None
    OpActualExecutionEndDate: str | None = None
    OpActualExecutionEndTime: str | None = None
    OpErlstSchedldExecStrtDte: str | None = None
    OpErlstSchedldExecStrtTme: str | None = None
    OpErlstSchedldExecEndDte: str | None = None
    OpErlstSchedldExecEndTme: str | None = None
    OpLtstSchedldExecStrtDte: str | None = None
    OpLtstSchedldExecStrtTme: str | None = None
    OpLtstSchedldExecEndDte: str | None = None
    OpLtstSchedldExecEndTme: str | None = None
    WorkCenterStandardWorkQty1: str | None = None
    WorkCenterStandardWorkQtyUnit1: str | None = None
    WorkCenterStandardWorkQtyUnit1ISOCode: str | None = None
    WorkCenterStandardWorkQtyUnit1SAPCode: str | None = None
    WorkCenterStandardWorkQty2: str | None = None
    WorkCenterStandardWorkQtyUnit2: str | None = None
    WorkCenterStandardWorkQtyUnit2ISOCode: str | None = None
    WorkCenterStandardWorkQtyUnit2SAPCode: str | None = None
    WorkCenterStandardWorkQty3: str | None = None
    WorkCenterStandardWorkQtyUnit3: str | None = None
    WorkCenterStandardWorkQtyUnit3ISOCode: str | None = None
    WorkCenterStandardWorkQtyUnit3SAPCode: str | None = None
    WorkCenterStandardWorkQty4: str | None = None
    WorkCenterStandardWorkQtyUnit4: str | None = None
    WorkCenterStandardWorkQtyUnit4ISOCode: str | None = None
    WorkCenterStandardWorkQtyUnit4SAPCode: str | None = None
    WorkCenterStandardWorkQty5: str | None = None
    WorkCenterStandardWorkQtyUnit5: str | None = None
    WorkCenterStandardWorkQtyUnit5ISOCode: str | None = None
    WorkCenterStandardWorkQtyUnit5SAPCode: str | None = None
    WorkCenterStandardWorkQty6: str | None = None
    WorkCenterStandardWorkQtyUnit6: str | None = None
    WorkCenterStandardWorkQtyUnit6ISOCode: str | None = None
    WorkCenterStandardWorkQtyUnit6SAPCode: str | None = None
    OperationIsCreated: Flag = None
    OperationIsReleased: Flag = None
    OperationIsPartiallyConfirmed: Flag = None
    OperationIsConfirmed: Flag = None
    OperationIsTechlyCompleted: Flag = None
    OperationIsClosed: Flag = None
    OperationIsDeleted: Flag = None
    OperationIsPartiallyDelivered: Flag = None
    OperationIsDelivered: Flag = None


class _Component(msgspec.Struct):
    Material: Id | None = None
    RequiredQuantity: str | None = None
    BaseUnit: str | None = None
    BaseUnitISOCode: str | None = None
    BaseUnitSAPCode: str | None = None
    Reservation: Id | None = None
    ReservationItem: Id | None = None
    ManufacturingOrderOperation: Id | None = None
    BillOfMaterialItemNumber: Cd | None = None
    Batch: Id | None = None
    Plant: Id | None = None
    StorageLocation: Id | None = None
    GoodsMovementType: str | None = None
    BOMItemCategory: str | None = None
    MatlCompRequirementDate: str | None = None
    MatlCompIsMarkedForBackflush: Flag = None
    MaterialComponentIsPhantomItem: Flag = None


class _Statuses(msgspec.Struct):
    results: list[_Status]


class _Items(msgspec.Struct):
    results: list[_Item]


class _Operations(msgspec.Struct):
    results: list[_Operation]


class _Components(msgspec.Struct):
    results: list[_Component]


class _Order(msgspec.Struct):
    metadata: _Metadata | None = msgspec.field(default=None, name="__metadata")
    ManufacturingOrder: Id | None = None
    ProductionPlant: Id | None = None
    Plant: Id | None = None
    Material: Id | None = None
    ManufacturingOrderType: Cd | None = None
    ManufacturingOrderCategory: str | None = None
    ManufacturingOrderImportance: Cd | None = None
    CompanyCode: Id | None = None
    StorageLocation: Id | None = None
    MRPController: str | None = None
    ProductionSupervisor: str | None = None
    ProductionVersion: str | None = None
    SalesOrder: Id | None = None
    SalesOrderItem: Id | None = None
    LastChangeDateTime: str | None = None
    TotalQuantity: str | None = None
    MfgOrderPlannedScrapQty: str | None = None
    ProductionUnit: str | None = None
    ProductionUnitISOCode: str | None = None
    ProductionUnitSAPCode: str | None = None
    MfgOrderPlannedStartDate: str | None = None
    MfgOrderPlannedStartTime: str | None = None
    MfgOrderPlannedEndDate: str | None = None
    MfgOrderPlannedEndTime: str | None = None
    MfgOrderScheduledStartDate: str | None = None
    MfgOrderScheduledStartTime: str | None = None
    MfgOrderScheduledEndDate: str | None = None
    MfgOrderScheduledEndTime: str | None = None
    MfgOrderActualReleaseDate: str | None = None
    MfgOrderCreationDate: str | None = None
    MfgOrderCreationTime: str | None = None
    OrderIsCreated: Flag = None
    OrderIsReleased: Flag = None
    OrderIsPartiallyReleased: Flag = None
    OrderIsPartiallyConfirmed: Flag = None
    OrderIsConfirmed: Flag = None
    OrderIsPartiallyDelivered: Flag = None
    OrderIsDelivered: Flag = None
    OrderIsLocked: Flag = None
    OrderIsTechnicallyCompleted: Flag = None
    OrderIsClosed: Flag = None
    OrderIsMarkedForDeletion: Flag = None
    OrderIsDeleted: Flag = None
    to_ProductionOrderStatus: _Statuses | None = None
    to_ProductionOrderItem: _Items | None = None
    to_ProductionOrderOperation: _Operations | None = None
    to_ProductionOrderComponent: _Components | None = None


class _Results(msgspec.Struct):
    results: list[_Order]
    # a paged body: the checked reader reports where the next page starts (MappingResult.continuation)
    next: Any = msgspec.field(default=None, name="__next")
    next_v4: Any = msgspec.field(default=None, name="@odata.nextLink")
    next_v4_bare: Any = msgspec.field(default=None, name="odata.nextLink")


class _Body(msgspec.Struct, forbid_unknown_fields=True):
    d: _Results


_DECODER = msgspec.json.Decoder(_Body)


def _flag(value: Flag) -> bool:
    """:meth:`.odata_reader._Fields.flag` for the types the decode lets through."""
    if value is None or value is False or value is True:
        return bool(value)
    return value.strip().upper() == "X"


def _text(value: str | None) -> str | None:
    return None if value is None else value.strip() or None


class _Fallback(Exception):
    """The fast path does not answer this payload: the checked reader maps it."""


_ALPHA: dict[str, str] = {}
"""ALPHA conversions (a pure function of the text) shared by every document, bounded: cleared when full."""
_ALPHA_SIZE = 8192

_Shared = tuple[Location, tuple[Property, ...], date | None, bool, bool]


class _Doc:
    """Conversions for the orders of one plant under one mapping context, cached: orders repeat a handful of
    keys, dates, units, quantities and status combinations, within a document and across the documents of one
    connection. Every value cached is immutable and a function of its raw fields, the context and the plant
    alone (:func:`_doc_for` keeps one per context and plant, and starts afresh when it grows too large)."""

    __slots__ = (
        "activities",
        "ctx",
        "days",
        "flag_codes",
        "flag_values",
        "instants",
        "keep_zeros",
        "keys",
        "locations",
        "numbers",
        "operation_instants",
        "plant",
        "properties",
        "quantities",
        "shared",
        "statuses",
        "zone",
    )

    def __init__(self, ctx: MappingContext, plant: str, operation_flags: tuple[tuple[str, str], ...]) -> None:
        self.ctx = ctx
        self.plant = plant
        self.keep_zeros = bool(ctx.option("keep_leading_zeros", False))
        self.keys: dict[str | None, str | None] = {None: None}
        self.days: dict[str, date | None] = {}
        self.instants: dict[tuple[str | None, str | None], datetime | None] = {}
        self.numbers: dict[str, Decimal] = {}
        self.quantities: dict[tuple[str, str | None, str | None, str | None], Quantity] = {}
        self.locations: dict[tuple[str, str | None], Location] = {}
        self.properties: dict[tuple[str, str], Property] = {}
        self.shared: dict[tuple[Any, ...], _Shared] = {}
        self.activities: dict[tuple[tuple[str | None, ...], tuple[str | None, ...]], tuple[ActivityTime, ...]] = {}
        self.operation_instants: dict[tuple[str | None, ...], tuple[datetime | None, ...]] = {}
        self.statuses: dict[tuple[Flag, ...], tuple[OperationStatus | None, str | None]] = {}
        self.flag_values = _getter(tuple(name for name, _ in operation_flags))
        self.flag_codes = tuple(code for _, code in operation_flags)
        self.zone: tzinfo | None = None

    def size(self) -> int:
        return (
            len(self.keys) + len(self.days) + len(self.instants) + len(self.numbers) + len(self.quantities)
            + len(self.locations) + len(self.properties) + len(self.shared) + len(self.activities)
            + len(self.operation_instants) + len(self.statuses)
        )

    def key(self, value: str | None) -> str | None:
        """:meth:`.odata_reader._Fields.key`: stripped, ALPHA zeros off unless the context keeps them."""
        if value is None:
            return None
        found = self.keys.get(value)
        if found is None and value not in self.keys:
            text = value.strip()
            if not text:
                found = None
            elif self.keep_zeros:
                found = text
            else:
                found = _ALPHA.get(text)
                if found is None:
                    if len(_ALPHA) >= _ALPHA_SIZE:
                        _ALPHA.clear()
                    found = _ALPHA[text] = values.alpha_in(text)
            self.keys[value] = found
        return found

    def day(self, raw: str | None) -> date | None:
        if raw is None:
            return None
        days = self.days
        if raw in days:
            return days[raw]
        found = days[raw] = values.parse_odata_date(raw)
        return found

    def instant(self, raw_day: str | None, raw_time: str | None) -> datetime | None:
        """:meth:`.odata_reader._Fields.instant` in the order's plant: the time is read only with a date."""
        key = (raw_day, raw_time)
        instants = self.instants
        if key in instants:
            return instants[key]
        day = self.day(raw_day)
        found = None
        if day is not None:
            parsed = values.parse_odata_time(raw_time)
            moment, extra = parsed if parsed is not None else (datetime.min.time(), 0)
            zone = self.zone
            if zone is None:
                zone = self.zone = self.ctx.zone_for(self.plant)
            found = values.local_instant(day, moment, extra, zone)
        instants[key] = found
        return found

    def number(self, raw: str) -> Decimal:
        """A plain decimal (digits and one point); any other spelling is the checked reader's to read."""
        found = self.numbers.get(raw)
        if found is None:
            if not (raw.isascii() and raw.replace(".", "", 1).isdigit() and len(raw) <= values.MAX_INTEGER_DIGITS):
                raise _Fallback
            found = self.numbers[raw] = Decimal(raw)
        return found

    def quantity(self, raw: str | None, unit: str | None, iso: str | None, sap: str | None) -> Quantity | None:
        """:meth:`.odata_reader._Fields.qty_d` for a plain decimal; no unit, or an unknown one, falls back."""
        if raw is None or raw == "":
            return None
        key = (raw, unit, iso, sap)
        found = self.quantities.get(key)
        if found is None:
            number = self.number(raw)
            iso_text = _text(iso)
            code = _text(unit) or iso_text or _text(sap)
            if code is None:
                raise _Fallback
            uom = sc.unit_in(code, self.ctx, iso=iso_text)
            found = self.quantities[key] = Quantity(value=number, uom=uom, source_uom=None if code == uom else code)
        return found

    def location(self, plant: str, storage: str | None) -> Location:
        key = (plant, storage)
        found = self.locations.get(key)
        if found is None:
            found = self.locations[key] = Location(plant=plant, storage_location=storage)
        return found

    def prop(self, name: str, value: str) -> Property:
        key = (name, value)
        found = self.properties.get(key)
        if found is None:
            found = self.properties[key] = Property(name=name, value=value)
        return found

    def activities_of(self, op: _Operation) -> list[ActivityTime]:
        """The standard values 1..6 as planned activities, built once per combination of values and units
        (each operation gets its own list)."""
        work = _OP_WORK(op)
        if work == _NO_WORK:
            return []
        key = (work, _OP_WORK_UNITS(op))
        found = self.activities.get(key)
        if found is None:
            built = []
            empty = _EMPTY_NUMBERS
            units = key[1]
            for index, raw in enumerate(work):
                if raw in empty or not self.number(raw):
                    continue
                duration = self.quantity(raw, *units[3 * index : 3 * index + 3])
                if duration is None:  # pragma: no cover - raw is a non-empty number here
                    raise _Fallback
                built.append(ActivityTime(activity=sc.activity_kind(index + 1), duration=duration))
            found = self.activities[key] = tuple(built)
        return list(found)

    def operation_dates(self, op: _Operation) -> tuple[datetime | None, ...]:
        """The six instants of an operation (actual, earliest and latest start and end), once per
        combination of its twelve date and time fields."""
        raw = _OP_DATES(op)
        found = self.operation_instants.get(raw)
        if found is None:
            instant = self.instant
            found = self.operation_instants[raw] = tuple(
                instant(raw[index], raw[index + 1]) for index in range(0, 12, 2)
            )
        return found

    def component_shared(self, side: tuple[Any, ...]) -> _Shared:
        """What a component shares with others: location, properties, required date, flags."""
        plant, storage, movement_type, category, raw_day, backflush, phantom = side
        plant, storage, movement_type, category = _text(plant), _text(storage), _text(movement_type), _text(category)
        properties = []
        if movement_type is not None:
            properties.append(Property(name="sap.movement_type", value=movement_type))
        if category is not None:
            properties.append(Property(name="sap.item_category", value=category))
        found = self.shared[side] = (
            self.location(plant or self.plant, storage),
            tuple(properties),
            self.day(raw_day),
            _flag(backflush),
            _flag(phantom),
        )
        return found

    def operation_status(self, op: _Operation) -> tuple[OperationStatus | None, str | None]:
        """The status and source codes of an operation's flags, once per combination of flag values."""
        flags = self.flag_values(op)
        found = self.statuses.get(flags)
        if found is None:
            shorts = tuple(code for value, code in zip(flags, self.flag_codes, strict=True) if _flag(value))
            found = self.statuses[flags] = (_packaged_operation_status(shorts), " ".join(shorts) or None)
        return found


_DOCS: dict[int, tuple[weakref.ref[MappingContext], dict[tuple[str, tuple[tuple[str, str], ...]], _Doc]]] = {}
"""The caches of each live mapping context (by its id, checked against a weak reference: a context is
immutable but not hashable), per plant and flag list."""
_DOC_SIZE = 20_000
"""Entries one :class:`_Doc` may cache before it starts afresh (memory stays bounded on any traffic)."""
_CONTEXTS = 256


def _doc_for(ctx: MappingContext, plant: str, operation_flags: tuple[tuple[str, str], ...]) -> _Doc:
    """The cache of conversions for ``ctx`` and ``plant``: kept across documents while the context lives."""
    entry = _DOCS.get(id(ctx))
    if entry is None or entry[0]() is not ctx:
        if len(_DOCS) >= _CONTEXTS:
            _DOCS.clear()
        key = id(ctx)
        entry = _DOCS[key] = (weakref.ref(ctx, functools.partial(_forget, key)), {})
    docs = entry[1]
    doc = docs.get((plant, operation_flags))
    if doc is None or doc.size() > _DOC_SIZE:
        doc = docs[(plant, operation_flags)] = _Doc(ctx, plant, operation_flags)
    return doc


def _forget(key: int, _ref: object = None, docs: dict[int, Any] = _DOCS) -> None:
    """A context was collected: drop its caches (a later context may get the same id). ``docs`` is bound at
    definition: a callback may run while the interpreter tears the module down."""
    entry = docs.get(key)
    if entry is not None and entry[0]() is None:
        del docs[key]


@functools.cache
def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """One C call reading several fields as a tuple (``attrgetter`` gives a bare value for one name)."""
    if len(names) == 1:
        name = names[0]
        return lambda record: (getattr(record, name),)
    return attrgetter(*names)


def fast_orders(payload: bytes | str, ctx: MappingContext) -> list[tuple[type[CloudEvent], ProductionOrder, datetime]]:
    """The orders of an ``A_ProductionOrder_2`` response as ``(event class, order, event time)``, or a
    :class:`_Fallback` (or any other exception) when the checked reader must map the payload."""
    body = _DECODER.decode(payload)
    found = body.d
    if found.next is not None or found.next_v4 is not None or found.next_v4_bare is not None or not found.results:
        raise _Fallback
    if not ctx.source_system or len(ctx.source_system) > _MAX_ID:
        raise _Fallback
    if any(name.startswith("sap.") for name in ctx.code_overrides):
        raise _Fallback  # the connection's own code lists (statuses, activity slots): the checked reader's call
    order_flags = _flags("Order")
    operation_flags = _flags("Operation")
    if not all(name in _ORDER_FIELDS for name, _ in order_flags) or not all(
        name in _OPERATION_FIELDS for name, _ in operation_flags
    ):
        raise _Fallback  # a code list names a flag these structs do not read
    out = []
    for record in found.results:
        meta = record.metadata
        if meta is None or meta.type is None or not meta.type.endswith("A_ProductionOrder_2Type"):
            raise _Fallback  # detected by its properties (or not at all): the checked reader's call
        out.append(_order(record, ctx, order_flags, operation_flags))
    return out


_ORDER_FIELDS = frozenset(_Order.__struct_fields__)
_OPERATION_FIELDS = frozenset(_Operation.__struct_fields__)


def _order(
    o: _Order,
    ctx: MappingContext,
    order_flags: tuple[tuple[str, str], ...],
    operation_flags: tuple[tuple[str, str], ...],
) -> tuple[type[CloudEvent], ProductionOrder, datetime]:
    """:func:`.odata_orders._order` over the typed record."""
    plant = _text(o.ProductionPlant) or _text(o.Plant)
    if not plant:
        raise _Fallback
    doc = _doc_for(ctx, plant, operation_flags)
    order_id = doc.key(o.ManufacturingOrder)
    material_id = doc.key(o.Material)
    if not order_id or not material_id:
        raise _Fallback
    quantity = doc.quantity(o.TotalQuantity, o.ProductionUnit, o.ProductionUnitISOCode, o.ProductionUnitSAPCode)
    if quantity is None:
        raise _Fallback
    statuses = [s for s in (o.to_ProductionOrderStatus.results if o.to_ProductionOrderStatus else ()) if
                not s.IsUserStatus]
    if statuses:
        shorts = [
            s.StatusShortName or sc.short_status("" if s.StatusCode is UNSET else s.StatusCode) for s in statuses
        ]
        raw = " ".join(s.StatusCode or "" for s in statuses).strip()  # UNSET is falsy: an absent code is ""
    else:
        shorts = [code for name, code in order_flags if _flag(getattr(o, name))]
        raw = " ".join(shorts)
    status = sc.order_status(shorts)
    instant = doc.instant
    operations = [_operation(op, doc) for op in _results(o.to_ProductionOrderOperation)]
    components = [_component(c, doc) for c in _results(o.to_ProductionOrderComponent)]
    items = _results(o.to_ProductionOrderItem)
    sales, sales_item = doc.key(o.SalesOrder), doc.key(o.SalesOrderItem)
    sales_order = (f"{sales}/{sales_item}" if sales_item and sales_item != "0" else sales) if sales else None
    if sales_order is not None and len(sales_order) > _MAX_ID:
        raise _Fallback
    scrap = doc.quantity(o.MfgOrderPlannedScrapQty, o.ProductionUnit, o.ProductionUnitISOCode,
                         o.ProductionUnitSAPCode)
    changed = _text(o.LastChangeDateTime)
    storage = _text(o.StorageLocation)
    properties = [
        Property(name=name, value=value)
        for name, value in (
            ("sap.order_category", _text(o.ManufacturingOrderCategory)),
            ("sap.mrp_controller", _text(o.MRPController)),
            ("sap.production_supervisor", _text(o.ProductionSupervisor)),
            ("sap.production_version", _text(o.ProductionVersion)),
        )
        if value is not None
    ]
    order = ProductionOrder(
        order_id=order_id,
        plant=plant,
        order_type=_text(o.ManufacturingOrderType),
        status=status,
        status_source_code=raw or None,
        material_id=material_id,
        planned_quantity=quantity,
        planned_scrap_quantity=scrap if scrap and scrap.value else None,
        planned_start_at=instant(o.MfgOrderPlannedStartDate, o.MfgOrderPlannedStartTime),
        planned_end_at=instant(o.MfgOrderPlannedEndDate, o.MfgOrderPlannedEndTime),
        scheduled_start_at=instant(o.MfgOrderScheduledStartDate, o.MfgOrderScheduledStartTime),
        scheduled_end_at=instant(o.MfgOrderScheduledEndDate, o.MfgOrderScheduledEndTime),
        target_lot_id=_text(items[0].Batch) if items else None,
        released_date=doc.day(o.MfgOrderActualReleaseDate),
        company_id=_text(o.CompanyCode),
        priority_source_code=_text(o.ManufacturingOrderImportance),
        receipt_location=Location(plant=plant, storage_location=storage) if storage else None,
        sales_order_id=sales_order,
        operations=operations,
        material_requirements=components,
        revision=changed,
        properties=properties,
        source=SourceRef(
            system=ctx.source_system or "",
            document_type="ODATA:A_ProductionOrder_2",
            document_id=order_id,
            revision=changed,
        ),
    )
    stamp = values.parse_sap_timestamp(o.LastChangeDateTime)
    created = instant(o.MfgOrderCreationDate, o.MfgOrderCreationTime)
    time = stamp or created or ctx.received_at
    if time is None:
        raise _Fallback  # the checked reader warns (event time set to the run time)
    return sc.order_event(status), order, time


def _results(nav: Any) -> list[Any]:
    return nav.results if nav is not None else []


_OP_TEXTS = attrgetter(
    "ManufacturingOrderOperation", "ManufacturingOrderSubOperation", "ManufacturingOrderSequence",
    "MfgOrderOperationText", "WorkCenter", "OperationControlProfile", "WorkCenterInternalID",
)
_OP_DATES = attrgetter(
    "OpActualExecutionStartDate", "OpActualExecutionStartTime", "OpActualExecutionEndDate",
    "OpActualExecutionEndTime", "OpErlstSchedldExecStrtDte", "OpErlstSchedldExecStrtTme",
    "OpErlstSchedldExecEndDte", "OpErlstSchedldExecEndTme", "OpLtstSchedldExecStrtDte", "OpLtstSchedldExecStrtTme",
    "OpLtstSchedldExecEndDte", "OpLtstSchedldExecEndTme",
)
_OP_WORK = attrgetter(*(f"WorkCenterStandardWorkQty{slot}" for slot in range(1, 7)))
_OP_WORK_UNITS = attrgetter(
    *(
        name
        for slot in range(1, 7)
        for name in (
            f"WorkCenterStandardWorkQtyUnit{slot}",
            f"WorkCenterStandardWorkQtyUnit{slot}ISOCode",
            f"WorkCenterStandardWorkQtyUnit{slot}SAPCode",
        )
    )
)
_NO_WORK = (None,) * 6
_COMP_TEXTS = attrgetter(
    "ManufacturingOrderOperation", "BillOfMaterialItemNumber", "Batch", "Reservation", "ReservationItem"
)
_COMP_SIDE = attrgetter(
    "Plant", "StorageLocation", "GoodsMovementType", "BOMItemCategory", "MatlCompRequirementDate",
    "MatlCompIsMarkedForBackflush", "MaterialComponentIsPhantomItem",
)


def _operation(op: _Operation, doc: _Doc) -> Operation:
    """:func:`.odata_orders._operation`, fields read in batches (one C call per group of fields)."""
    parent, sub, seq, text, work_center, control, internal = [(v and v.strip()) or None for v in _OP_TEXTS(op)]
    number = sub or parent
    if not sub:
        parent = None
    if not number:
        raise _Fallback
    activities = doc.activities_of(op)
    status, status_source = doc.operation_status(op)
    keys = doc.keys
    plan, node = op.OrderInternalBillOfOperations, op.OrderIntBillOfOperationsItem
    plan = keys[plan] if plan in keys else doc.key(plan)
    node = keys[node] if node in keys else doc.key(node)
    source_operation_id = f"{plan}/{node}" if plan and node else None
    if source_operation_id is not None and len(source_operation_id) > _MAX_ID:
        raise _Fallback
    start, end, planned_start, planned_end, latest_start, latest_end = doc.operation_dates(op)
    return Operation(
        operation_id=number,
        parent_operation_id=parent,
        sequence_id=(_ALPHA.get(seq) or values.alpha_in(seq)) if seq else None,
        source_operation_id=source_operation_id,
        description=text,
        work_center_id=work_center,
        control_key=control,
        actual_start_at=start,
        actual_end_at=end,
        planned_quantity=doc.quantity(
            op.OpPlannedTotalQuantity, op.OperationUnit, op.OperationUnitISOCode, op.OperationUnitSAPCode
        ),
        planned_start_at=planned_start,
        planned_end_at=planned_end,
        latest_start_at=latest_start,
        latest_end_at=latest_end,
        planned_activities=activities,
        status=status,
        status_source_code=status_source,
        properties=[doc.prop("sap.work_center_internal_id", internal)] if internal else [],
    )



def _component(c: _Component, doc: _Doc) -> MaterialRequirement:
    """:func:`.odata_orders._component`, fields read in batches; what components share (plant, storage
    location, movement type, item category, date, flags) is converted once per combination."""
    keys = doc.keys
    raw = c.Material
    material_id = keys[raw] if raw in keys else doc.key(raw)
    quantity = doc.quantity(c.RequiredQuantity, c.BaseUnit, c.BaseUnitISOCode, c.BaseUnitSAPCode)
    if not material_id or quantity is None:
        raise _Fallback
    operation, bom_item, lot, raw_reservation, raw_item = _COMP_TEXTS(c)
    reservation = keys[raw_reservation] if raw_reservation in keys else doc.key(raw_reservation)
    item = keys[raw_item] if raw_item in keys else doc.key(raw_item)
    bom_item = (bom_item and bom_item.strip()) or None
    line_id = f"{reservation}/{item}" if reservation and item else bom_item or material_id
    if len(line_id) > _MAX_ID:
        raise _Fallback
    side = _COMP_SIDE(c)
    shared = doc.shared.get(side)
    if shared is None:
        shared = doc.component_shared(side)
    location, properties, day, backflush, phantom = shared
    return MaterialRequirement(
        line_id=line_id,
        material_id=material_id,
        quantity=quantity,
        operation_id=(operation and operation.strip()) or None,
        bom_item_number=bom_item,
        lot_id=(lot and lot.strip()) or None,
        issue_location=location,
        required_date=day,
        is_backflush=backflush,
        is_phantom=phantom,
        properties=list(properties),
    )


def try_orders(payload: bytes | str, ctx: MappingContext) -> list[CloudEvent] | None:
    """The events of a plain production-order response, or None: the checked reader maps it (and alone
    rejects or warns). Nothing is added anywhere before every event is built."""
    if ORDER_MARKER not in payload if isinstance(payload, bytes) else ORDER_MARKER_TEXT not in payload:
        return None
    try:
        built = fast_orders(payload, ctx)
        return [build_event(cls, order, time=time, validated=True) for cls, order, time in built]
    except Exception:  # anything unexpected: the checked reader decides, and names the field
        return None

