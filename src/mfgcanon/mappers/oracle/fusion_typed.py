"""A fast path for Fusion ``workOrders`` collections: the JSON decoded straight into typed structs that mirror
the REST resources, and the canonical structs built with their constructors (no second validation pass).

It answers only the plain case: an ``{"items": [...]}`` body whose every record is a work order read by
``OrganizationCode`` with a unit of its own, whose operations, resources and materials have the types Fusion
sends, within the canonical lengths, and that maps without a reject or a warning. Anything else (a field of
another type, another resource, outputs, a unit or organization looked up in the context, a value the checked
reader would refuse or warn about, any exception) returns None, and the checked reader
(:mod:`.fusion_orders` over :class:`.common.Fields`) maps the payload again from the start: it alone makes
rejects and warnings. Both give byte-identical events (``tests/mappers/oracle/test_fusion_typed.py``).

Why the output is the checked reader's: every field that reader reads is declared here, numbers as ``Any``
decoded with the same ``float_hook`` (so each value has the type the checked reader sees); text fields accept
what :meth:`.common.Fields.s` accepts without raising (strings, whole numbers) and anything else fails the
typed decode; the conversions are the same functions (:func:`.common.unit`, :func:`.common.enum_code`,
:func:`.common.priority`, :func:`.common.parse_instant`, :func:`helpers.to_utc`, :func:`helpers.decimal_of`),
so code lists overridden by the context are read as the checked reader reads them; the canonical length limits
are checked here; and the constructors run the same model hooks as ``msgspec.convert``.
"""

from __future__ import annotations

import functools
import weakref
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from mfgcanon.mappers import helpers
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.oracle import common as oc
from mfgcanon.v1.common import ActivityKind, ActivityTime, Location, Property, PropertyType, Quantity, SourceRef
from mfgcanon.v1.events import CloudEvent, build_event
from mfgcanon.v1.order import MaterialRequirement, Operation, OrderStatus, ProductionOrder, SupplyType

Text = str | int | None
"""A field :meth:`.common.Fields.s` reads: text, or a whole number written for an id."""
Flag = bool | str | None
"""A field :meth:`.common.Fields.flag` reads (anything else fails the decode: the checked reader decides)."""
_MAX_ID = 255
_MAX_CODE = 64
_INT_LIMIT = 10**28

MARKER = b'"WorkOrderNumber"'
"""Only a body that names a work-order attribute tries the fast path."""
MARKER_TEXT = MARKER.decode()

_RESOURCE_KINDS = {"LABOR": ActivityKind.LABOR, "EQUIPMENT": ActivityKind.MACHINE}
_BACKFLUSH = (SupplyType.ASSEMBLY_PULL, SupplyType.OPERATION_PULL)


class _Resource(msgspec.Struct):
    UsageUOMCode: Text = None
    RequiredUsage: Any = None
    ResourceType: Text = None
    ResourceCode: Text = None


class _Material(msgspec.Struct):
    InventoryItemNumber: Text = None
    UOMCode: Text = None
    UnitOfMeasure: Text = None
    RequiredQuantity: Any = None
    IssuedQuantity: Any = None
    MaterialSequenceNumber: Text = None
    SupplyType: Text = None
    SupplySubinventory: Text = None
    SupplyLocator: Text = None


class _Resources(msgspec.Struct):
    items: list[_Resource]


class _Materials(msgspec.Struct):
    items: list[_Material]


class _Operation(msgspec.Struct):
    OperationSequenceNumber: Text = None
    WorkOrderOperationId: Text = None
    OperationDescription: Text = None
    OperationName: Text = None
    StandardOperationCode: Text = None
    WorkCenterCode: Text = None
    CountPointOperationFlag: Flag = None
    AutoTransactFlag: Flag = None
    PlannedStartDate: str | None = None
    PlannedCompletionDate: str | None = None
    ActualStartDate: str | None = None
    ActualCompletionDate: str | None = None
    CompletedQuantity: Any = None
    ScrappedQuantity: Any = None
    WorkOrderOperationResource: list[_Resource] | _Resources | None = None
    WorkOrderOperationMaterial: list[_Material] | _Materials | None = None
    WorkOrderOperationOutput: Any = None


class _Operations(msgspec.Struct):
    items: list[_Operation]


class _WorkOrder(msgspec.Struct):
    # another resource's attributes (kind_of reads them first): the checked reader's call
    OperationTransactionDetail: Any = UNSET
    MaterialTransactionDetail: Any = UNSET
    TransactionTypeName: Any = UNSET
    WorkOrderNumber: Text | UnsetType = UNSET
    PlannedStartQuantity: Any = UNSET
    WorkOrderId: Text | UnsetType = UNSET
    WorkOrderStatusCode: Text | UnsetType = UNSET
    OrganizationCode: Text = None
    ItemNumber: Text = None
    UOMCode: Text = None
    UnitOfMeasure: Text = None
    WorkOrderSystemStatusCode: Text = None
    WorkOrderPriority: Text = None
    CompletionSubinventoryCode: Text = None
    CompletionLocator: Text = None
    RejectedQuantity: Any = None
    CompletedQuantity: Any = None
    ScrappedQuantity: Any = None
    LastUpdateDate: Text = None
    CreationDate: str | None = None
    WorkOrderDescription: Text = None
    WorkOrderType: Text = None
    WorkOrderTypeCode: Text = None
    PlannedStartDate: str | None = None
    PlannedCompletionDate: str | None = None
    ActualStartDate: str | None = None
    ActualCompletionDate: str | None = None
    ReleasedDate: str | None = None
    ClosedDate: str | None = None
    WorkDefinitionCode: Text = None
    WorkOrderStatusName: Text = None
    WorkOrderSubType: Text = None
    WorkOrderSubTypeCode: Text = None
    CanceledReason: Text = None
    ExplosionFlag: Flag = None
    WorkOrderOperation: list[_Operation] | _Operations | None = None
    WorkOrderMaterial: list[_Material] | _Materials | None = None
    WorkOrderOutput: Any = None


class _Body(msgspec.Struct, forbid_unknown_fields=True):
    items: list[_WorkOrder]
    count: Any = UNSET
    hasMore: Any = UNSET
    limit: Any = UNSET
    offset: Any = UNSET
    links: Any = UNSET
    totalResults: Any = UNSET  # asked for with totalResults=true; no page link reads it


_DECODER = msgspec.json.Decoder(_Body, float_hook=Decimal)


class _Fallback(Exception):
    """The fast path does not answer this payload: the checked reader maps it."""


def _given(value: Text | UnsetType) -> Text:
    """An attribute read for its value (absent is null), where its presence alone matters elsewhere."""
    return None if isinstance(value, UnsetType) else value


def _s(value: Text) -> str | None:
    """:meth:`.common.Fields.s` for the types the decode lets through."""
    if value is None:
        return None
    if type(value) is str:
        return value.strip() or None
    return str(value)


def _ident(value: Text) -> str | None:
    """An ``Identifier`` (at most 255 characters)."""
    text = _s(value)
    if text is not None and len(text) > _MAX_ID:
        raise _Fallback
    return text


def _code(value: Text) -> str | None:
    """A ``Code`` (at most 64 characters)."""
    text = _s(value)
    if text is not None and len(text) > _MAX_CODE:
        raise _Fallback
    return text


def _flag(value: Flag) -> bool | None:
    """:meth:`.common.Fields.flag`: an odd value is the checked reader's to refuse."""
    if value is None or value == "":
        return None
    if value is True or value is False:
        return value
    upper = str(value).strip().upper()
    if upper in ("Y", "TRUE"):
        return True
    if upper in ("N", "FALSE"):
        return False
    raise _Fallback


def _none(value: Any) -> bool:
    """A child collection that holds nothing (absent, null or ``[]``; anything else is read, or refused)."""
    return value is None or (type(value) is list and not value)


def _items(value: Any) -> list[Any]:
    """A child collection: a list, or one wrapped in ``items``."""
    if value is None:
        return []
    if type(value) is list:
        return value
    return list(value.items)


_Shared = tuple[SupplyType | None, Location | None, bool, bool]


class _Doc:
    """Conversions under one mapping context, cached: units, instants, quantities, code-list answers and
    what lines share repeat across the operations and materials of a document, and across the documents of
    one connection (the checked reader memoizes units and instants within a record tree). Every value cached
    is immutable and a function of its raw fields and the context alone (:func:`_doc_for` keeps one per
    live context, and starts afresh when it grows too large)."""

    __slots__ = ("activities", "codes", "ctx", "dates", "flag_properties", "instants", "quantities", "shared",
                 "units")

    def __init__(self, ctx: MappingContext) -> None:
        self.ctx = ctx
        self.units: dict[str, str] = {}
        self.instants: dict[tuple[str, str], datetime] = {}
        self.quantities: dict[tuple[type, Any, str], Quantity] = {}
        self.codes: dict[tuple[str, str], Any] = {}
        self.dates: dict[tuple[tuple[str | None, ...], str], tuple[datetime | None, ...]] = {}
        self.activities: dict[tuple[Any, ...], ActivityTime | None] = {}
        self.flag_properties: dict[tuple[Flag, Flag], tuple[Property, ...]] = {}
        self.shared: dict[tuple[str, str | None, str | None, str | None], _Shared] = {}

    def instants_of(self, raw: tuple[str | None, ...], plant: str) -> tuple[datetime | None, ...]:
        """Several instants of one record, once per combination of their texts."""
        key = (raw, plant)
        found = self.dates.get(key)
        if found is None:
            instant = self.instant
            found = self.dates[key] = tuple(instant(value, plant) for value in raw)
        return found

    def activity(self, fields: tuple[Any, ...]) -> ActivityTime | None:
        """An operation resource as a planned activity (None without a ``RequiredUsage``), once per
        combination of its fields (the usage keyed by its spelling, as :meth:`qty`)."""
        usage = fields[1]
        key = (*fields, type(usage), str(usage))
        try:
            found = self.activities[key]
        except KeyError:
            raw_unit, _, raw_kind, raw_resource = fields
            usage_unit = _s(raw_unit)
            if usage_unit is None:
                raise _Fallback from None  # the checked reader needs the unit first
            duration = self.qty(usage, usage_unit)
            found = None
            if duration is not None:
                kind, resource = _code(raw_kind), _ident(raw_resource)
                found = ActivityTime(
                    activity=_RESOURCE_KINDS.get((kind or "").upper(), ActivityKind.OTHER),
                    activity_source_code=kind,
                    duration=duration,
                    resource_id=resource,
                )
            self.activities[key] = found
        return found

    def operation_flags(self, flags: tuple[Flag, Flag]) -> tuple[Property, ...]:
        """The count-point and auto-transact properties of an operation, once per pair of flag values."""
        properties = []
        for name, value in zip(("oracle.count_point", "oracle.auto_transact"), flags, strict=True):
            flag = _flag(value)
            if flag is not None:
                properties.append(Property(name=name, value="true" if flag else "false",
                                           data_type=PropertyType.BOOLEAN))
        found = self.flag_properties[flags] = tuple(properties)
        return found

    def material_shared(self, side: tuple[str, str | None, str | None, str | None]) -> _Shared:
        """What material lines share: supply type (through the code list), its flags, the issue location."""
        plant, supply, subinventory, locator = side
        for text, limit in ((supply, _MAX_CODE), (subinventory, _MAX_ID), (locator, _MAX_ID)):
            if text is not None and len(text) > limit:
                raise _Fallback
        supply_type = self.enum("supply_types", supply, SupplyType, SupplyType.OTHER) if supply else None
        found = self.shared[side] = (
            supply_type,
            Location(plant=plant, storage_location=subinventory, bin=locator) if subinventory or locator else None,
            supply_type in _BACKFLUSH,
            supply_type is SupplyType.PHANTOM,
        )
        return found

    def instant(self, value: str | None, plant: str) -> datetime | None:
        """:meth:`.common.Fields.instant` (the text is not stripped before the empty check, as there)."""
        if not value:
            return None
        key = (value, plant)
        found = self.instants.get(key)
        if found is None:
            found = self.instants[key] = helpers.to_utc(oc.parse_instant(value, ""), self.ctx, plant=plant)
        return found

    def qty(self, value: Any, unit_text: str) -> Quantity | None:
        """:meth:`.common.Fields.qty` (unsigned) as a canonical quantity."""
        if value is None or value == "":
            return None
        # equal decimals of another spelling (1, 1.0, 1.00) are other quantities: the key keeps the text
        key = (type(value), value if type(value) is int else str(value), unit_text)
        found = self.quantities.get(key)
        if found is None:
            number = Decimal(value) if type(value) is int and -_INT_LIMIT < value < _INT_LIMIT else \
                helpers.decimal_of(value)
            if number < 0:
                raise _Fallback
            code = self.units.get(unit_text)
            if code is None:
                code = self.units[unit_text] = oc.unit(unit_text, self.ctx)
            found = Quantity(value=number.copy_abs(), uom=code, source_uom=None if unit_text == code else unit_text)
            self.quantities[key] = found
        return found

    def enum(self, name: str, code: str, kind: Any, default: Any) -> Any:
        key = (name, code)
        found = self.codes.get(key)
        if found is None:
            found = self.codes[key] = oc.enum_code(self.ctx, name, code, kind, default)
        return found


    def size(self) -> int:
        return (len(self.units) + len(self.instants) + len(self.quantities) + len(self.codes) + len(self.dates)
                + len(self.activities) + len(self.flag_properties) + len(self.shared))


_DOCS: dict[int, tuple[weakref.ref[MappingContext], _Doc]] = {}
"""The cache of each live mapping context (by its id, checked against a weak reference: a context is immutable
but not hashable), as :mod:`mfgcanon.mappers.sap.odata_typed` keeps its own."""
_DOC_SIZE = 20_000
"""Entries one :class:`_Doc` may cache before it starts afresh (memory stays bounded on any traffic)."""
_CONTEXTS = 256


def _doc_for(ctx: MappingContext) -> _Doc:
    """The cache of conversions for ``ctx``: kept across documents while the context lives."""
    key = id(ctx)
    entry = _DOCS.get(key)
    if entry is None or entry[0]() is not ctx or entry[1].size() > _DOC_SIZE:
        if len(_DOCS) >= _CONTEXTS:
            _DOCS.clear()
        entry = _DOCS[key] = (weakref.ref(ctx, functools.partial(_forget, key)), _Doc(ctx))
    return entry[1]


def _forget(key: int, _ref: object = None, docs: dict[int, Any] = _DOCS) -> None:
    """A context was collected: drop its cache (a later context may get the same id). ``docs`` is bound at
    definition: a callback may run while the interpreter tears the module down."""
    entry = docs.get(key)
    if entry is not None and entry[0]() is None:
        del docs[key]


def fast_work_orders(
    payload: bytes | str, ctx: MappingContext
) -> tuple[list[tuple[type[CloudEvent], ProductionOrder, datetime]], str | None]:
    """The work orders of a ``workOrders`` collection as ``(event class, order, event time)`` with the
    collection's continuation, or an exception when the checked reader must map the payload."""
    body = _DECODER.decode(payload)
    if not body.items:
        raise _Fallback  # an empty collection: a reject
    if not ctx.source_system or len(ctx.source_system) > _MAX_ID:
        raise _Fallback
    paging = {
        name: value for name in ("count", "hasMore", "limit", "offset", "links")
        if (value := getattr(body, name)) is not UNSET
    }
    continuation = helpers.continuation_of(paging)
    doc = _doc_for(ctx)
    return [_work_order(record, doc) for record in body.items], continuation


def _work_order(w: _WorkOrder, doc: _Doc) -> tuple[type[CloudEvent], ProductionOrder, datetime]:
    """:func:`.fusion_orders.work_order` over the typed record."""
    if (w.OperationTransactionDetail is not UNSET or w.MaterialTransactionDetail is not UNSET
            or w.TransactionTypeName is not UNSET or w.WorkOrderNumber is UNSET
            or (w.PlannedStartQuantity is UNSET and w.WorkOrderId is UNSET and w.WorkOrderStatusCode is UNSET)):
        raise _Fallback  # not read as a work order
    if not _none(w.WorkOrderOutput):
        raise _Fallback  # outputs: the checked reader's
    ctx = doc.ctx
    order_id = _ident(_given(w.WorkOrderNumber))
    plant = _ident(w.OrganizationCode)
    material_id = _ident(w.ItemNumber)
    if not order_id or not plant or not material_id:
        raise _Fallback  # a lookup or a missing field: the checked reader's
    unit_text = _s(w.UOMCode) or _s(w.UnitOfMeasure)
    if unit_text is None:
        raise _Fallback  # the item's base unit from the context: the checked reader's
    quantity = doc.qty(w.PlannedStartQuantity if w.PlannedStartQuantity is not UNSET else None, unit_text)
    if quantity is None:
        raise _Fallback
    system = _code(w.WorkOrderSystemStatusCode)
    user = _s(_given(w.WorkOrderStatusCode))
    if system:
        status = doc.enum("work_order_system_statuses", system, OrderStatus, OrderStatus.OTHER)
    elif user:
        status = doc.enum("work_order_statuses", user, OrderStatus, OrderStatus.OTHER)
    else:
        status = OrderStatus.OTHER
    priority = _code(w.WorkOrderPriority)
    subinventory, locator = _ident(w.CompletionSubinventoryCode), _ident(w.CompletionLocator)
    rejected = doc.qty(w.RejectedQuantity, unit_text)
    operations = []
    requirements: list[MaterialRequirement] = []
    for op in _items(w.WorkOrderOperation):
        operation, lines = _operation(op, plant, unit_text, doc)
        operations.append(operation)
        requirements.extend(lines)
    for m in _items(w.WorkOrderMaterial):
        requirements.append(_material(m, plant, None, doc))
    changed = _s(w.LastUpdateDate)
    work_order_id = _ident(_given(w.WorkOrderId))
    status_source = user or system
    instant = doc.instant
    properties = []
    if system is not None and user:
        properties.append(Property(name="oracle.work_order_system_status", value=system))
    for name, value in (
        ("oracle.work_order_status_name", _s(w.WorkOrderStatusName)),
        ("oracle.work_order_sub_type", _s(w.WorkOrderSubType) or _s(w.WorkOrderSubTypeCode)),
    ):
        if value is not None:
            properties.append(Property(name=name, value=value))
    if rejected is not None:
        properties.append(Property(name="oracle.rejected_quantity", value=str(rejected.value),
                                   data_type=PropertyType.DECIMAL, uom=rejected.uom))
    reason = _s(w.CanceledReason)
    if reason is not None:
        properties.append(Property(name="oracle.canceled_reason", value=reason))
    explosion = _flag(w.ExplosionFlag)
    if explosion is not None:
        properties.append(Property(name="oracle.explosion", value="true" if explosion else "false",
                                   data_type=PropertyType.BOOLEAN))
    document_id = work_order_id or f"{plant}/{order_id}"
    order = ProductionOrder(
        order_id=order_id,
        plant=plant,
        source_order_id=work_order_id,
        description=_s(w.WorkOrderDescription),
        order_type=_code(_s(w.WorkOrderType) or _s(w.WorkOrderTypeCode)),
        status=status,
        status_source_code=status_source,
        material_id=material_id,
        planned_quantity=quantity,
        planned_start_at=instant(w.PlannedStartDate, plant),
        planned_end_at=instant(w.PlannedCompletionDate, plant),
        actual_start_at=instant(w.ActualStartDate, plant),
        actual_end_at=instant(w.ActualCompletionDate, plant),
        released_at=instant(w.ReleasedDate, plant),
        closed_at=instant(w.ClosedDate, plant),
        priority=oc.priority(ctx, priority),
        priority_source_code=priority,
        receipt_location=Location(plant=plant, storage_location=subinventory, bin=locator)
        if subinventory or locator else None,
        routing_id=_ident(w.WorkDefinitionCode),
        confirmed_yield_quantity=doc.qty(w.CompletedQuantity, unit_text),
        confirmed_scrap_quantity=doc.qty(w.ScrappedQuantity, unit_text),
        operations=operations,
        material_requirements=requirements,
        revision=changed,
        properties=properties,
        source=SourceRef(system=ctx.source_system or "", document_type="FUSION:workOrders",
                         document_id=document_id, revision=changed),
    )
    # both read (a bad creation date is refused even with a change date), a whole number as its text
    changed_at = instant(w.LastUpdateDate if type(w.LastUpdateDate) is str else changed, plant)
    created_at = instant(w.CreationDate, plant)
    time = changed_at or created_at or ctx.received_at
    if time is None:
        raise _Fallback  # the checked reader warns (event time set to the run time)
    return oc.order_event(status), order, time


_OP_TEXTS = attrgetter(
    "OperationSequenceNumber", "WorkOrderOperationId", "OperationDescription", "OperationName",
    "StandardOperationCode", "WorkCenterCode",
)
_OP_DATES = attrgetter("PlannedStartDate", "PlannedCompletionDate", "ActualStartDate", "ActualCompletionDate")
_MAT_TEXTS = attrgetter(
    "InventoryItemNumber", "UOMCode", "UnitOfMeasure", "MaterialSequenceNumber", "SupplyType", "SupplySubinventory",
    "SupplyLocator",
)
_RES_FIELDS = attrgetter("UsageUOMCode", "RequiredUsage", "ResourceType", "ResourceCode")


def _operation(op: _Operation, plant: str, unit_text: str, doc: _Doc) -> tuple[Operation, list[MaterialRequirement]]:
    """:func:`.fusion_orders._operation` over the typed record."""
    if not _none(op.WorkOrderOperationOutput):
        raise _Fallback  # outputs: the checked reader's
    # _s of each field, unrolled (the hot path: a comprehension costs a frame and a list per record)
    number, source_id, description, name, standard, work_center = _OP_TEXTS(op)
    number = (number.strip() or None) if type(number) is str else None if number is None else str(number)
    source_id = (source_id.strip() or None) if type(source_id) is str else None if source_id is None else str(
        source_id)
    description = (description.strip() or None) if type(description) is str else _s(description)
    name = (name.strip() or None) if type(name) is str else _s(name)
    standard = (standard.strip() or None) if type(standard) is str else _s(standard)
    work_center = (work_center.strip() or None) if type(work_center) is str else _s(work_center)
    if not number:
        raise _Fallback
    if len(number) + len(source_id or "") + len(name or "") + len(standard or "") + len(work_center or "") > \
            _MAX_ID and any(len(t or "") > _MAX_ID for t in (number, source_id, name, standard, work_center)):
        raise _Fallback
    resources = op.WorkOrderOperationResource
    activities = [doc.activity(_RES_FIELDS(res)) for res in _items(resources)] if resources else []
    if None in activities:
        activities = [a for a in activities if a is not None]  # no RequiredUsage: no activity
    materials = op.WorkOrderOperationMaterial
    lines = [_material(m, plant, number, doc) for m in _items(materials)] if materials else []
    flags = (op.CountPointOperationFlag, op.AutoTransactFlag)
    properties = doc.flag_properties.get(flags)
    if properties is None:
        properties = doc.operation_flags(flags)
    start, end, actual_start, actual_end = doc.instants_of(_OP_DATES(op), plant)
    operation = Operation(
        operation_id=number,
        source_operation_id=source_id,
        description=description,
        process_segment_id=name or standard,
        work_center_id=work_center,
        planned_start_at=start,
        planned_end_at=end,
        actual_start_at=actual_start,
        actual_end_at=actual_end,
        planned_activities=activities,  # type: ignore[arg-type]  # the Nones were taken out above
        confirmed_yield_quantity=doc.qty(op.CompletedQuantity, unit_text),
        confirmed_scrap_quantity=doc.qty(op.ScrappedQuantity, unit_text),
        properties=list(properties),
    )
    return operation, lines


def _material(m: _Material, plant: str, operation: str | None, doc: _Doc) -> MaterialRequirement:
    """:func:`.fusion_orders._material` over the typed record; what lines share (supply type, location) is
    converted once per combination."""
    # _s of each field, unrolled (the hot path: a comprehension costs a frame and a list per record)
    material_id, uom, name, sequence, supply, subinventory, locator = _MAT_TEXTS(m)
    material_id = (material_id.strip() or None) if type(material_id) is str else _s(material_id)
    uom = (uom.strip() or None) if type(uom) is str else _s(uom)
    name = (name.strip() or None) if type(name) is str else _s(name)
    sequence = (sequence.strip() or None) if type(sequence) is str else None if sequence is None else str(sequence)
    supply = (supply.strip() or None) if type(supply) is str else _s(supply)
    subinventory = (subinventory.strip() or None) if type(subinventory) is str else _s(subinventory)
    locator = (locator.strip() or None) if type(locator) is str else _s(locator)
    if not material_id or len(material_id) > _MAX_ID:
        raise _Fallback
    unit_text = uom or name
    if unit_text is None:
        raise _Fallback  # the item's base unit from the context: the checked reader's
    quantity = doc.qty(m.RequiredQuantity, unit_text)
    if quantity is None:
        raise _Fallback
    if sequence is not None and len(sequence) > _MAX_CODE:
        raise _Fallback
    side = (plant, supply, subinventory, locator)
    shared = doc.shared.get(side)
    if shared is None:
        shared = doc.material_shared(side)
    supply_type, location, backflush, phantom = shared
    line_id = f"{operation or '-'}/{sequence or material_id}"
    if len(line_id) > _MAX_ID:
        raise _Fallback
    issued = m.IssuedQuantity
    return MaterialRequirement(
        line_id=line_id,
        material_id=material_id,
        quantity=quantity,
        issued_quantity=None if issued is None else doc.qty(issued, unit_text),
        supply_type=supply_type,
        supply_type_source_code=supply,
        is_backflush=backflush,
        is_phantom=phantom,
        operation_id=operation,
        bom_item_number=sequence,
        issue_location=location,
    )


def try_work_orders(payload: bytes | str, ctx: MappingContext) -> tuple[list[CloudEvent], str | None] | None:
    """The events and continuation of a plain ``workOrders`` collection, or None: the checked reader maps it
    (and alone rejects or warns). Nothing is added anywhere before every event is built."""
    if MARKER not in payload if isinstance(payload, bytes) else MARKER_TEXT not in payload:
        return None
    try:
        built, continuation = fast_work_orders(payload, ctx)
        return [build_event(cls, order, time=time, validated=True) for cls, order, time in built], continuation
    except Exception:  # anything unexpected: the checked reader decides, and names the field
        return None
