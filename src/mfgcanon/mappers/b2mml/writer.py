"""Canonical events -> B2MML V0600 or V0701 documents that validate against MESA's XSDs of that version.

* Orders (``production_order.released`` / ``updated``, or a bare :class:`ProductionOrder`) -> V0600
  ``Process``/``SyncProductionSchedule``, V0701 ``Process``/``SyncOperationsSchedule``: one request per order,
  one segment requirement per operation (sub-operations nested in their parent), the order's product as the
  first produced material requirement of the first operation, each component in its operation's segment.
* Confirmations (``production.confirmed``) with the movements linked to them (``material_movement_ids`` or the
  movement's ``confirmation_id``) -> ``SyncProductionPerformance`` / ``SyncOperationsPerformance``: one segment
  response per confirmation, its receipts the produced actuals (else one produced actual for the yield, or
  one per output), co- and by-product outputs with their own ``MaterialUse``, its issues consumed actuals, scrap
  the house convention ``MaterialUse`` Other / ``@OtherValue`` Scrap. Movements of no confirmation go in
  segment responses of their own.
* Lots (``lot.upserted``) and quality holds on a lot or sub-lot (``quality.hold_placed`` / ``hold_released``)
  -> ``SyncMaterialLot``; a hold is a Change of the lot's (or sub-lot's) status (``[hold_lot_status]`` of
  ``writer.toml``), left out where the batch writes that status already (the reader derives the hold from it).

Every document has an ``ApplicationArea``: ``Sender/LogicalID`` from ``[vendors.b2mml] sender`` (else the
context's ``source_system``), ``CreationDateTime`` from the event's time and ``BODID`` from the event's id. A bare
entity carries neither: its documents take ``CreationDateTime`` from the context's ``received_at`` and send no
``BODID``. Values the document needs and the entity lacks come from lookups or are a typed error naming the
field, never invented. What B2MML has no element for is listed in docs/mes/b2mml.md ("What a round trip keeps").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import Document
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1.common import ActivityTime, Property, Quantity
from mfgcanon.v1.confirmation import ConfirmationOutput, ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.lot import GenealogyLink, LotStatus, MaterialLot, MaterialSubLot
from mfgcanon.v1.order import MaterialRequirement, MaterialUse, Operation, OrderStatus, ProductionOrder
from mfgcanon.v1.quality import Nonconformance, NonconformanceKind

WRITER = "b2mml/writer.toml"
VERSIONS = ("V0600", "V0701")
DEFAULT_VERSION = "V0701"
"""The version written when neither the call nor ``[vendors.b2mml] write_version`` names one."""

_ALIASES = {"V0600": "V0600", "V06": "V0600", "0600": "V0600", "V0701": "V0701", "V07": "V0701", "0701": "V0701"}
_RESPONSE_STATES = {  # the ResponseState enumerations of the XSDs
    "V0600": ("Ready", "Running", "Completed", "Aborted", "Holding", "Paused"),
    "V0701": ("Waiting", "Ready", "Running", "Completed", "Aborted", "Held", "Paused", "Suspended", "Closed"),
}
_TIME_UNITS = frozenset({"HUR", "MIN", "SEC", "DAY"})
_DATA_TYPES = {"string": "string", "decimal": "decimal", "integer": "integer", "boolean": "boolean",
               "date": "date", "datetime": "dateTime"}
_ACCEPTS = (
    "ProductionOrder, ProductionConfirmation, MaterialMovement, MaterialLot, GenealogyLink and quality holds on a lot"
)


@dataclass(frozen=True)
class Spec:
    """The element names one version uses for the same thing."""

    version: str

    @property
    def v07(self) -> bool:
        return self.version == "V0701"

    @property
    def namespace(self) -> str:
        return "http://www.mesa.org/xml/B2MML" if self.v07 else "http://www.mesa.org/xml/B2MML-V0600"

    @property
    def schedule(self) -> str:
        return "OperationsSchedule" if self.v07 else "ProductionSchedule"

    @property
    def request(self) -> str:
        return "OperationsRequest" if self.v07 else "ProductionRequest"

    @property
    def performance(self) -> str:
        return "OperationsPerformance" if self.v07 else "ProductionPerformance"

    @property
    def response(self) -> str:
        return "OperationsResponse" if self.v07 else "ProductionResponse"

    @property
    def level(self) -> str:
        return "EquipmentLevel" if self.v07 else "EquipmentElementLevel"


def version_of(requested: str | None, ctx: MappingContext) -> str:
    """The version to write: the call's, else ``[vendors.b2mml] write_version``, else V0701."""
    wanted = requested if requested is not None else ctx.vendor(rd.NAME).get("write_version", DEFAULT_VERSION)
    found = _ALIASES.get(str(wanted).strip().upper()) if isinstance(wanted, str) else None
    if found is None:
        raise MappingError(
            f"B2MML version {wanted!r} is not written (written: V0600, V0701 alias V07)",
            code="invalid_context",
            path="vendors.b2mml.write_version",
        )
    return found


# The envelope ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stamp:
    """What the ApplicationArea needs from the event: its id (the BODID) and time (None for a bare entity)."""

    bod_id: str | None
    created: datetime | None


def _stamp(item: Any) -> tuple[Any, Stamp]:
    """The entity an item carries and its stamp (an event's id and time; nothing for a bare entity)."""
    data = getattr(item, "data", None)
    if data is not None and hasattr(item, "id") and hasattr(item, "time"):
        return data, Stamp(str(item.id), item.time)
    return item, Stamp(None, None)


def _text(value: datetime) -> str:
    """An instant as xsd:dateTime in UTC (``Z``), microseconds kept."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _Doc:
    """One document under construction: root, ApplicationArea, verb (with its ActionCriteria) and data area."""

    def __init__(self, spec: Spec, verb: str, noun: str, stamp: Stamp, ctx: MappingContext, *,
                 action: str | None = None) -> None:
        self.spec = spec
        self.kind = f"{verb}{noun}"
        self.root = etree.Element(f"{{{spec.namespace}}}{verb}{noun}", nsmap={None: spec.namespace})
        self.root.set("releaseID", spec.version)
        area = self.sub(self.root, "ApplicationArea")
        sender = ctx.vendor(rd.NAME).get("sender") or ctx.source_system
        if isinstance(sender, str) and sender:
            self.sub(self.sub(area, "Sender"), "LogicalID", sender)
        created = stamp.created or ctx.received_at
        if created is None:
            raise MappingError(
                "a B2MML document needs ApplicationArea/CreationDateTime: write events (their time is used) or "
                "set received_at in the context for bare entities",
                code="missing_field",
                path=f"/{self.kind}/ApplicationArea/CreationDateTime",
            )
        self.sub(area, "CreationDateTime", _text(created))
        if stamp.bod_id:
            self.sub(area, "BODID", stamp.bod_id)
        self.data = self.sub(self.root, "DataArea")
        verb_el = self.sub(self.data, verb)
        if action is not None:
            criteria = self.sub(verb_el, "ActionCriteria")
            self.sub(criteria, "ActionExpression").set("actionCode", action)

    def sub(self, parent: Any, name: str, text: str | None = None) -> Any:
        el = etree.SubElement(parent, f"{{{self.spec.namespace}}}{name}")
        if text is not None:
            el.text = text
        return el

    def opt(self, parent: Any, name: str, text: str | None) -> Any:
        """An optional element: written only when there is a value."""
        return self.sub(parent, name, text) if text is not None and text != "" else None

    def at(self, parent: Any, name: str, value: datetime | None) -> None:
        if value is not None:
            self.sub(parent, name, _text(value))

    def scope(self, parent: Any, equipment: str, level: str, name: str = "HierarchyScope") -> None:
        scope = self.sub(parent, name)
        self.sub(scope, "EquipmentID", equipment)
        self.sub(scope, self.spec.level, level)

    def quantity(self, parent: Any, q: Quantity, ctx: MappingContext, where: str) -> None:
        if q.value < 0:
            raise MappingError(f"quantity {q.value} is negative: B2MML gives the direction in MaterialUse",
                               code="unmappable_value", path=where)
        el = self.sub(parent, "Quantity")
        self.sub(el, "QuantityString", format(q.value, "f"))
        self.sub(el, "UnitOfMeasure", unit_out(q, ctx))

    def properties(self, parent: Any, name: str, props: Sequence[Property]) -> None:
        for prop in props:
            self.property(parent, name, prop_id(prop.name), prop)

    def property(self, parent: Any, name: str, pid: str, prop: Property | None, value: str | None = None) -> None:
        el = self.sub(parent, name)
        self.sub(el, "ID", pid)
        text = prop.value if prop is not None else value
        if text is None:
            return
        holder = self.sub(el, "Value")
        self.sub(holder, "ValueString", text)
        if prop is not None:
            kind = _DATA_TYPES.get(prop.data_type.value, "Other")
            self.sub(holder, "DataType", kind)
            if prop.uom:
                self.sub(holder, "UnitOfMeasure", prop.uom)

    def bytes(self) -> bytes:
        return bytes(etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def unit_out(q: Quantity, ctx: MappingContext) -> str:
    """The unit as sent: the source spelling where this connection reads it back as the same code, else the
    Rec 20 code (an unknown spelling is never sent)."""
    if q.source_uom:
        try:
            if helpers.resolve_unit(q.source_uom, ctx, packaged=rd.units_table()) == q.uom:
                return q.source_uom
        except MappingError:
            pass
    return q.uom


def prop_id(name: str) -> str:
    """A canonical property's B2MML ID: ``b2mml.X`` is X (it came from B2MML); any other name is sent whole
    (read back as ``b2mml.<name>``)."""
    return name[len("b2mml."):] if name.startswith("b2mml.") and len(name) > len("b2mml.") else name


def map_key(ctx: MappingContext, target: str, where: str) -> str:
    """The property ID the connection's property map reads as ``target`` (the first one)."""
    merged = helpers.code_list(ctx, "b2mml.property_map", rd.CODES, "property_map")
    for key, value in merged.items():
        if value == target:
            return str(key)
    raise MappingError(
        f"B2MML has no element for {target}: it travels as a property, and the property map names none for it "
        f'(add <ID> = "{target}" to [codes."b2mml.property_map"] in the context file)',
        code="unmappable_value",
        path=where,
    )


def _out(ctx: MappingContext, list_name: str, *keys: str) -> Mapping[str, Any]:
    return helpers.code_list(ctx, f"b2mml.{list_name}", WRITER, *keys)


def _spelling(ctx: MappingContext, list_name: str, version: str | None, value: str) -> str | None:
    table = _out(ctx, list_name, list_name, version) if version else _out(ctx, list_name, list_name)
    found = table.get(value)
    return str(found) if found is not None else None


def _source_or(ctx: MappingContext, source: str | None, reads_as: str, value: str, allowed: Iterable[str] | None,
               fallback: str | None) -> str | None:
    """The entity's source code where the reader's ``reads_as`` list reads it as ``value`` (and it is one of
    ``allowed``, for an enumerated element), else ``fallback``."""
    if source and rd.code(ctx, reads_as, source) == value and (allowed is None or source in set(allowed)):
        return source
    return fallback


def _typed(kind: type[Any], item: Any, what: str) -> Any:
    if not isinstance(item, kind):
        raise MappingError(f"b2mml cannot write a {type(item).__name__} as {what} (accepts {_ACCEPTS})",
                           code="unmappable_value")
    return item


# Orders ----------------------------------------------------------------------------------------------
def _schedule_verb(ctx: MappingContext, order: ProductionOrder) -> str:
    verb = ctx.vendor(rd.NAME).get("schedule_verb")
    if verb is None:
        return "Process" if order.status is OrderStatus.RELEASED and not order.partial_fields else "Sync"
    if verb not in ("Process", "Sync"):
        raise MappingError(f"schedule_verb must be Process or Sync, got {verb!r}", code="invalid_context",
                           path="vendors.b2mml.schedule_verb")
    return str(verb)


def write_orders(orders: list[tuple[ProductionOrder, Stamp]], spec: Spec, ctx: MappingContext) -> _Doc:
    first, stamp = orders[0]
    partial = any(o.partial_fields for o, _ in orders)
    doc = _Doc(spec, _schedule_verb(ctx, first), spec.schedule, stamp, ctx, action="Change" if partial else None)
    schedule = doc.sub(doc.data, spec.schedule)
    if spec.v07:
        doc.sub(schedule, "ID", first.order_id)
    for index, (order, _) in enumerate(orders):
        _request(doc, schedule, order, spec, ctx, f"orders[{index}]" if len(orders) > 1 else "")
    return doc


def _request(doc: _Doc, schedule: Any, order: ProductionOrder, spec: Spec, ctx: MappingContext, base: str) -> None:
    def where(name: str) -> str:
        return f"{base}.{name}" if base else name

    if not order.operations:
        raise MappingError(
            "an order without operations cannot be written: B2MML carries the order's product in a segment "
            "requirement, and every segment requirement is an operation",
            code="unmappable_value", path=where("operations"))
    if not spec.v07 and order.operations_type.value != "production":
        raise MappingError(f"V0600 ProductionSchedule has no OperationsType: a {order.operations_type.value} "
                           "order needs V0701", code="unmappable_value", path=where("operations_type"))
    request = doc.sub(schedule, spec.request)
    doc.sub(request, "ID", order.order_id)
    doc.opt(request, "Description", order.description)
    doc.opt(request, "Version", order.revision)
    if not spec.v07:
        doc.scope(request, order.plant, "Site")
    doc.at(request, "StartTime", order.planned_start_at)
    doc.at(request, "EndTime", order.planned_end_at)
    state = _request_state(order, spec, ctx)
    if spec.v07:
        doc.scope(request, order.plant, "Site")
        doc.sub(request, "OperationsType", _operations_type(order))
    if order.priority is not None:
        doc.sub(request, "Priority", str(order.priority))
    if spec.v07:
        _state(doc, request, state)
        doc.opt(request, "OperationsDefinitionID", order.routing_id)
    children: dict[str | None, list[tuple[int, Operation]]] = {}
    known = {op.operation_id for op in order.operations}
    for index, op in enumerate(order.operations):
        parent = op.parent_operation_id
        if parent is not None and parent not in known:
            raise MappingError(f"operation {op.operation_id}'s parent {parent} is not an operation of the order",
                               code="unmappable_value", path=where(f"operations[{index}].parent_operation_id"))
        children.setdefault(parent, []).append((index, op))
    first = order.operations[0].operation_id
    lines: dict[str, list[tuple[int, MaterialRequirement]]] = {}
    for index, req in enumerate(order.material_requirements):
        lines.setdefault(req.operation_id if req.operation_id in known else first, []).append((index, req))
    for index, op in children.get(None, []):
        _segment(doc, request, "SegmentRequirement", order, op, index, children, lines, spec, ctx, where)
    if not spec.v07:
        _state(doc, request, state)


_OPERATIONS_TYPES = ("Production", "Maintenance", "Quality", "Inventory", "Mixed", "Other")


def _operations_type(order: ProductionOrder) -> str:
    """V0701 ``OperationsType``: the source spelling where the reader reads it as the order's type, else the
    canonical one."""
    kind = order.operations_type.value
    source = order.operations_type_source_code
    if source in _OPERATIONS_TYPES and (source.lower() if source.lower() in _READ_TYPES else "other") == kind:
        return source
    return kind.capitalize() if kind in _READ_TYPES else "Other"


_READ_TYPES = ("production", "maintenance", "quality")


def _state(doc: _Doc, parent: Any, state: tuple[str, str | None]) -> None:
    el = doc.sub(parent, "RequestState", state[0])
    if state[1] is not None:
        el.set("OtherValue", state[1])


def _request_state(order: ProductionOrder, spec: Spec, ctx: MappingContext) -> tuple[str, str | None]:
    status = order.status.value
    table = _out(ctx, "request_state_out", "request_state_out", spec.version)
    spelled = table.get(status)
    allowed = [str(v) for v in table.values()]
    if spelled is not None:
        return _source_or(ctx, order.status_source_code, "request_state", status, allowed, str(spelled)) or "", None
    return "Other", order.status_source_code or status


def _segment(
    doc: _Doc, parent: Any, name: str, order: ProductionOrder, op: Operation, index: int,
    children: Mapping[str | None, list[tuple[int, Operation]]],
    lines: Mapping[str, list[tuple[int, MaterialRequirement]]], spec: Spec, ctx: MappingContext, where: Any,
) -> None:
    here = where(f"operations[{index}]")
    seg = doc.sub(parent, name)
    doc.sub(seg, "ID", op.operation_id)
    if not spec.v07:
        doc.opt(seg, "ProcessSegmentID", op.process_segment_id)
    doc.opt(seg, "Description", op.description)
    if spec.v07:
        doc.at(seg, "EarliestStartTime", op.planned_start_at)
        doc.at(seg, "LatestEndTime", op.planned_end_at)
    if op.work_center_id:
        doc.scope(seg, op.work_center_id, "WorkCenter")
    if not spec.v07:
        doc.at(seg, "EarliestStartTime", op.planned_start_at)
        doc.at(seg, "LatestEndTime", op.planned_end_at)
    duration = _duration(op, here)
    if spec.v07:
        segment_id = op.process_segment_id or _lookup(
            ctx, "b2mml_process_segment", (op.work_center_id, op.operation_id), op.operation_id,
            f"{here}.process_segment_id")
        doc.sub(seg, "ProcessSegmentID", segment_id)
        doc.opt(seg, "Duration", duration)
        definition = order.routing_id or _lookup(
            ctx, "b2mml_operations_definition", (order.material_id,), order.order_id, where("routing_id"))
        doc.sub(seg, "OperationsDefinitionID", definition)
        doc.sub(seg, "OperationsSegmentID", segment_id)
        params = "SegmentParameter"
        doc.properties(seg, params, op.properties)
    else:
        doc.opt(seg, "Duration", duration)
        for prop in op.properties:  # one Parameter per ProductionParameter (the V0600 XSD)
            doc.property(doc.sub(seg, "ProductionParameter"), "Parameter", prop_id(prop.name), prop)
    requirements: list[tuple[str | None, int, MaterialRequirement | None]] = []
    if op.operation_id == order.operations[0].operation_id:
        requirements.append((None, -1, None))  # the order's product first: the reader's header
    requirements += [(None, i, r) for i, r in lines.get(op.operation_id, [])]
    for _, req_index, req in requirements:
        if req is None:
            _product(doc, seg, order, spec, ctx, where)
        else:
            _requirement(doc, seg, order, req, spec, ctx, where(f"material_requirements[{req_index}]"))
    for child_index, child in children.get(op.operation_id, []):
        _segment(doc, seg, "SegmentRequirementChild" if spec.v07 else "SegmentRequirement", order, child,
                 child_index, children, lines, spec, ctx, where)


def _duration(op: Operation, here: str) -> str | None:
    """The segment's ``Duration``: the planned activity the reader reads from one (kind other, source
    ``Duration``, in seconds). Other planned activities have no B2MML element."""
    for activity in op.planned_activities:
        if activity.activity_source_code == "Duration" and activity.duration.uom == "SEC":
            seconds = activity.duration.value
            if seconds < 0:
                raise MappingError("a negative duration", code="unmappable_value", path=f"{here}.planned_activities")
            return f"PT{format(seconds, 'f')}S"
    return None


def _lookup(ctx: MappingContext, table: str, keys: tuple[str | None, ...], echo: str, where: str) -> str:
    """An ID V0701 requires on every segment requirement and the order lacks: ``[lookups.<table>]`` by each key
    in turn, else ``echo`` where the connection says so (``[vendors.b2mml] echo_segment_ids = true``, the
    convention of mes-and-canonical.md §7.5), else an error naming the field."""
    for key in keys:
        if key is not None:
            found = ctx.lookup_optional(table, key)
            if isinstance(found, str):
                return found
    if ctx.vendor(rd.NAME).get("echo_segment_ids") is True:
        return echo
    wanted = next((k for k in keys if k is not None), "<key>")
    raise MappingError(
        f"V0701 needs this on every segment requirement and the order does not carry it: add [lookups.{table}] "
        f'"{wanted}" = "..." to the context file, or set [vendors.b2mml] echo_segment_ids = true',
        code="unresolved_reference",
        path=where,
    )


def _use_name(use: MaterialUse, spec: Spec, ctx: MappingContext, source: str | None, where: str) -> str:
    """The ``MaterialUse`` spelling: ``Other:<value>`` stands for Other with ``@OtherValue`` (V0600 has no
    co- or by-product use)."""
    table = _out(ctx, "material_use_out", "material_use_out", spec.version)
    spelled = table.get(use.value)
    if spelled is None:
        raise MappingError(f"B2MML {spec.version} has no MaterialUse for {use.value}", code="unmappable_value",
                           path=where)
    allowed = [str(v) for v in table.values()]
    if not source or source not in allowed or _read_use(ctx, source) != use.value:
        source = None
    return source or str(spelled)


def _use(doc: _Doc, actual: Any, use: MaterialUse, spec: Spec, ctx: MappingContext, source: str | None,
         where: str) -> None:
    name, colon, other = _use_name(use, spec, ctx, source, where).partition(":")
    el = doc.sub(actual, "MaterialUse", name)
    if colon:
        el.set("OtherValue", other)


def _product(doc: _Doc, seg: Any, order: ProductionOrder, spec: Spec, ctx: MappingContext, where: Any) -> None:
    req = doc.sub(seg, "MaterialRequirement")
    if spec.v07:
        doc.sub(req, "ID", order.material_id)
    doc.sub(req, "MaterialDefinitionID", order.material_id)
    doc.opt(req, "MaterialLotID", order.target_lot_id)
    _use(doc, req, MaterialUse.PRODUCED, spec, ctx, None, where("material_id"))
    doc.quantity(req, order.planned_quantity, ctx, where("planned_quantity"))


def _requirement(doc: _Doc, seg: Any, order: ProductionOrder, r: MaterialRequirement, spec: Spec,
                 ctx: MappingContext, here: str) -> None:
    req = doc.sub(seg, "MaterialRequirement")
    if spec.v07:
        doc.sub(req, "ID", r.line_id)
    doc.sub(req, "MaterialDefinitionID", r.material_id)
    doc.opt(req, "MaterialLotID", r.lot_id)
    doc.opt(req, "MaterialSubLotID", r.sub_lot_id)
    if not spec.v07:
        _location(doc, req, r, order, here)
    _use(doc, req, r.material_use, spec, ctx, r.material_use_source_code, f"{here}.material_use")
    doc.quantity(req, r.quantity, ctx, f"{here}.quantity")
    if spec.v07:
        _location(doc, req, r, order, here)
    line_key = map_key(ctx, "line_id", f"{here}.line_id")
    # V07 keys the line by its ID and sends the BOM item in the property; V0600 has no ID: the line key goes there
    keyed = r.bom_item_number if spec.v07 else r.line_id
    if keyed is not None:
        doc.property(req, "MaterialRequirementProperty", line_key, None, keyed)
    for prop in r.properties:
        doc.property(req, "MaterialRequirementProperty", prop_id(prop.name), prop)


def _location(doc: _Doc, req: Any, r: MaterialRequirement, order: ProductionOrder, here: str) -> None:
    loc = r.issue_location
    if loc is None:
        return
    if loc.plant != order.plant:
        raise MappingError(f"the component is issued from plant {loc.plant}, the order is in {order.plant}: a "
                           "B2MML requirement's location is within the order's site", code="unmappable_value",
                           path=f"{here}.issue_location.plant")
    if loc.storage_location:
        doc.scope(req, loc.storage_location, "StorageZone")
    elif loc.equipment_id:
        doc.scope(req, loc.equipment_id, "Other")


# Performance -----------------------------------------------------------------------------------------
@dataclass
class _Response:
    """One segment response: a confirmation with its movements, or movements of no confirmation."""

    response_id: str | None
    segment_id: str
    plant: str
    order_id: str | None
    operation_id: str | None
    ended_at: datetime | None
    stamp: Stamp
    confirmation: ProductionConfirmation | None = None
    movements: list[tuple[int, MaterialMovement]] = field(default_factory=list)


def _split(key: str, spec: Spec, where: str) -> tuple[str | None, str]:
    """A confirmation key as (response ID, segment response ID): the reader joins them with ``/``."""
    head, slash, tail = key.partition("/")
    if slash and head and tail:
        return head, tail
    if spec.v07:
        raise MappingError(
            f"{key!r} cannot be written in V0701: its OperationsResponse and SegmentResponse both need an ID, read "
            "back joined as '<response>/<segment>'; the key has no '/' to split (V0600 has no response ID to fill)",
            code="unmappable_value", path=where)
    return None, key


def write_performance(
    confirmations: list[tuple[ProductionConfirmation, Stamp]], movements: list[tuple[MaterialMovement, Stamp]],
    spec: Spec, ctx: MappingContext,
) -> list[_Doc]:
    """One document per confirmation event (its movements in it); movements of no confirmation in segment
    responses of their own. Bare entities share one document."""
    responses: list[_Response] = []
    by_id: dict[str, _Response] = {}
    for index, (c, stamp) in enumerate(confirmations):
        where = f"confirmations[{index}].confirmation_id" if len(confirmations) > 1 else "confirmation_id"
        response_id, segment_id = _split(c.confirmation_id, spec, where)
        item = _Response(response_id, segment_id, c.plant, c.order_id, c.operation_id, c.ended_at, stamp, c)
        responses.append(item)
        by_id[c.confirmation_id] = item
        for movement_id in c.material_movement_ids:
            by_id.setdefault(f"movement:{movement_id}", item)
    loose: dict[tuple[Any, ...], _Response] = {}
    for index, (m, stamp) in enumerate(movements):
        owner = by_id.get(m.confirmation_id or "") or by_id.get(f"movement:{m.movement_id}")
        if owner is None:
            head = m.movement_id.rpartition("/")[0] or m.movement_id
            key = (head, m.plant, m.order_id, m.operation_id, m.occurred_at, stamp.bod_id)
            owner = loose.get(key)
            if owner is None:
                response_id, segment_id = _split(head, spec, f"movements[{index}].movement_id")
                owner = _Response(response_id, segment_id, m.plant, m.order_id, m.operation_id, m.occurred_at, stamp)
                loose[key] = owner
                responses.append(owner)
        owner.movements.append((index, m))
    docs: dict[Any, _Doc] = {}
    out: list[_Doc] = []
    for item in responses:
        group = item.stamp.bod_id
        doc = docs.get(group)
        if doc is None:
            doc = _Doc(spec, "Sync", spec.performance, item.stamp, ctx)
            perf = doc.sub(doc.data, spec.performance)
            if spec.v07:
                doc.sub(perf, "ID", item.stamp.bod_id or _join(item))
            docs[group] = doc
            out.append(doc)
        _response(doc, doc.data.find(f"{{{spec.namespace}}}{spec.performance}"), item, spec, ctx)
    return out


def _join(item: _Response) -> str:
    return f"{item.response_id}/{item.segment_id}" if item.response_id else item.segment_id


def _response(doc: _Doc, perf: Any, item: _Response, spec: Spec, ctx: MappingContext) -> None:
    c = item.confirmation
    base = "confirmation" if c is not None else "movements"
    for index, m in item.movements:
        for name, value, own in (("plant", m.plant, item.plant), ("order_id", m.order_id, item.order_id),
                                 ("operation_id", m.operation_id, item.operation_id)):
            if value != own:
                raise MappingError(f"movement {m.movement_id}: {name} {value!r} differs from its segment response's "
                                   f"{own!r}", code="unmappable_value", path=f"movements[{index}].{name}")
        if item.ended_at is not None and m.occurred_at != item.ended_at:
            raise MappingError(f"movement {m.movement_id} occurred at {m.occurred_at.isoformat()}, its segment "
                               f"response ended at {item.ended_at.isoformat()}: the actuals of one segment response "
                               "share its time", code="unmappable_value", path=f"movements[{index}].occurred_at")
    response = doc.sub(perf, spec.response)
    ended = item.ended_at or (item.movements[0][1].occurred_at if item.movements else None)
    if spec.v07:
        doc.sub(response, "ID", item.response_id or "")
        if c is None or c.ended_at is None:
            doc.at(response, "EndTime", ended)
        doc.scope(response, item.plant, "Site")
        doc.opt(response, "OperationsRequestID", item.order_id)
    else:
        doc.opt(response, "ID", item.response_id)
        doc.opt(response, "ProductionRequestID", item.order_id)
        doc.scope(response, item.plant, "Site")
        if c is None or c.ended_at is None:
            doc.at(response, "EndTime", ended)
    seg = doc.sub(response, "SegmentResponse")
    doc.sub(seg, "ID", item.segment_id)
    if spec.v07:
        if c is not None and c.posting_date is not None:
            doc.sub(seg, "PostingDate", f"{c.posting_date.isoformat()}T00:00:00")
        doc.at(seg, "ActualStartTime", c.started_at if c is not None else None)
        doc.at(seg, "ActualEndTime", c.ended_at if c is not None else None)
        doc.opt(seg, "SegmentRequirementID", item.operation_id)
        state = _segment_state(c, spec, ctx)
        doc.opt(seg, "SegmentState", state)
        if c is not None:
            doc.properties(seg, "SegmentData", c.properties)
        _resources(doc, seg, c, spec, ctx)
        _actuals(doc, seg, item, spec, ctx, base)
    else:
        if c is not None and c.posting_date is not None:
            raise MappingError("V0600 has no PostingDate on a segment response: write V0701",
                               code="unmappable_value", path="posting_date")
        doc.at(seg, "ActualStartTime", c.started_at if c is not None else None)
        doc.at(seg, "ActualEndTime", c.ended_at if c is not None else None)
        if item.operation_id is not None:  # V0600 has no SegmentRequirementID: the property map's operation_id
            key = map_key(ctx, "operation_id", f"{base}.operation_id")
            doc.property(seg, "ProductionData", key, None, item.operation_id)
        if c is not None:
            doc.properties(seg, "ProductionData", c.properties)
        _resources(doc, seg, c, spec, ctx)
        _actuals(doc, seg, item, spec, ctx, base)
        doc.opt(seg, "SegmentState", _segment_state(c, spec, ctx))


def _segment_state(c: ProductionConfirmation | None, spec: Spec, ctx: MappingContext) -> str | None:
    if c is None:
        return None
    allowed = _RESPONSE_STATES[spec.version]
    source = c.final_confirmation_source_code
    if source in allowed and (rd.code(ctx, "final_state", source or "") == "true") == c.is_final:
        return source
    if c.is_final:
        spelled = _spelling(ctx, "final_state_out", None, "true")
        if spelled is None:
            raise MappingError("no SegmentState for a final confirmation in [final_state_out]",
                               code="invalid_context", path="is_final")
        return spelled
    return None


def _resources(doc: _Doc, seg: Any, c: ProductionConfirmation | None, spec: Spec, ctx: MappingContext) -> None:
    """Labour as a PersonnelActual (its people and hours), machine time as an EquipmentActual."""
    if c is None:
        return
    labour: list[ActivityTime] = []
    machine: list[ActivityTime] = []
    for index, activity in enumerate(c.activities):
        where = f"activities[{index}]"
        if activity.activity.value not in ("labor", "machine"):
            raise MappingError(f"B2MML reports labour and machine time only, not {activity.activity.value}",
                               code="unmappable_value", path=f"{where}.activity")
        if activity.duration.uom not in _TIME_UNITS:
            raise MappingError(f"activity time in {activity.duration.uom}, not a time unit",
                               code="unmappable_value", path=f"{where}.duration.uom")
        (labour if activity.activity.value == "labor" else machine).append(activity)
    if machine and labour and c.activities.index(machine[0]) < c.activities.index(labour[-1]):
        raise MappingError("labour times are read back before machine times: order them so",
                           code="unmappable_value", path="activities")
    if labour or c.personnel_ids:
        actual = doc.sub(seg, "PersonnelActual")
        if spec.v07:
            doc.sub(actual, "ID", "1")
        for person in c.personnel_ids:
            doc.sub(actual, "PersonID", person)
        for activity in labour:
            doc.quantity(actual, activity.duration, ctx, "activities")
    if machine or c.equipment_id:
        actual = doc.sub(seg, "EquipmentActual")
        if spec.v07:
            doc.sub(actual, "ID", "1")
        doc.opt(actual, "EquipmentID", c.equipment_id)
        for activity in machine:
            doc.quantity(actual, activity.duration, ctx, "activities")


def _actuals(doc: _Doc, seg: Any, item: _Response, spec: Spec, ctx: MappingContext, base: str) -> None:
    """The material actuals: the movements (receipts are the outputs), else one produced actual per output
    (one for the yield when the confirmation lists none); scrap as ``MaterialUse`` Other / ``@OtherValue``
    Scrap."""
    c = item.confirmation
    position = 0
    prefix = f"{_join(item)}/"
    receipts = [m for _, m in item.movements if m.movement_type is MovementType.GOODS_RECEIPT]
    outputs = _outputs(c, receipts) if c is not None else []
    uses = iter(outputs)
    for index, m in item.movements:
        position += 1
        where = f"movements[{index}]"
        if m.movement_type not in (MovementType.GOODS_ISSUE, MovementType.GOODS_RECEIPT) or m.is_reversal:
            raise MappingError(f"B2MML performance reports goods issues and receipts, not a "
                               f"{'reversal' if m.is_reversal else m.movement_type.value}", code="unmappable_value",
                               path=f"{where}.movement_type")
        if c is None and m.movement_type is MovementType.GOODS_RECEIPT and m.order_id:
            raise MappingError("a receipt against an order is the produced actual of a confirmation (it reads back "
                               "as one): write it with its confirmation", code="unmappable_value",
                               path=f"{where}.confirmation_id")
        if m.movement_type is MovementType.GOODS_ISSUE:
            use = MaterialUse.CONSUMED
        elif c is not None:  # a confirmation's receipt is its output (in order), else its main product
            output = next(uses, None)
            use = output.material_use if output is not None else MaterialUse.PRODUCED
        else:
            use = _receipt_use(m, ctx)
        actual = doc.sub(seg, "MaterialActual")
        if spec.v07:
            own = m.movement_id[len(prefix):] if m.movement_id.startswith(prefix) else m.movement_id
            doc.sub(actual, "ID", own)
        doc.sub(actual, "MaterialDefinitionID", m.material_id)
        doc.opt(actual, "MaterialLotID", m.lot_id)
        doc.opt(actual, "MaterialSubLotID", m.sub_lot_id)
        _use(doc, actual, use, spec, ctx, m.movement_type_source_code, f"{where}.movement_type")
        doc.quantity(actual, m.quantity, ctx, f"{where}.quantity")
        name = "MaterialActualProperty"
        if m.requirement_line_id is not None:
            doc.property(actual, name, map_key(ctx, "line_id", f"{where}.requirement_line_id"), None,
                         m.requirement_line_id)
        doc.properties(actual, name, m.properties)
    if c is None:
        return
    if not receipts:
        for output_index, output in enumerate(outputs):
            position += 1
            _output(doc, seg, output, position, spec, ctx, f"outputs[{output_index}]")
        if not outputs:
            position += 1
            _extra(doc, seg, c, c.yield_quantity, position, spec, ctx, scrap=False)
    if c.scrap_quantity is not None:
        position += 1
        _extra(doc, seg, c, c.scrap_quantity, position, spec, ctx, scrap=True)


_OUTPUT_USES = frozenset({MaterialUse.PRODUCED, MaterialUse.CO_PRODUCT, MaterialUse.BY_PRODUCT})


def _read_use(ctx: MappingContext, source: str | None) -> str | None:
    """The canonical use the reader gives a source spelling (``Other:<value>`` read through its value)."""
    if not source:
        return None
    head, colon, tail = source.partition(":")
    found = rd.code(ctx, "material_use", head)
    return rd.code(ctx, "material_use", tail) if colon and found in (None, "other") else found


def _receipt_use(m: MaterialMovement, ctx: MappingContext) -> MaterialUse:
    found = _read_use(ctx, m.movement_type_source_code)
    return MaterialUse(found) if found in ("co_product", "by_product") else MaterialUse.PRODUCED


def _outputs(c: ProductionConfirmation, receipts: list[MaterialMovement]) -> list[ConfirmationOutput]:
    """The confirmation's outputs as its produced actuals carry them, checked against its yield and its
    receipts: the reader lists the outputs one by one only where a co- or by-product is among them, takes
    the main product's (else the first output's) material, lot and yield, and reads each produced actual
    as a receipt too."""
    def fail(message: str, path: str) -> MappingError:
        return MappingError(message, code="unmappable_value", path=path)

    outputs = list(c.outputs)
    if outputs:
        if all(o.material_use is MaterialUse.PRODUCED for o in outputs):
            raise fail("B2MML lists a confirmation's outputs one by one only where a co- or by-product is among "
                       "them: send main products alone as the yield", "outputs")
        for index, o in enumerate(outputs):
            where = f"outputs[{index}]"
            if o.material_use not in _OUTPUT_USES:
                raise fail(f"an output is produced, a co- or a by-product, not {o.material_use.value}",
                           f"{where}.material_use")
            for name in ("scrap_quantity", "serial_numbers", "receipt_location", "properties"):
                if getattr(o, name):
                    raise fail(f"a B2MML produced actual has no element the reader reads as an output's {name}",
                               f"{where}.{name}")
        main = [o for o in outputs if o.material_use is MaterialUse.PRODUCED] or outputs[:1]
        if any(o.yield_quantity.uom != c.yield_quantity.uom for o in main) or sum(
                (o.yield_quantity.value for o in main), Decimal(0)) != c.yield_quantity.value or (
                main[0].material_id != c.material_id or main[0].lot_id != c.produced_lot_id):
            raise fail("the main product's outputs are the confirmation's yield: they must add up to it, in its "
                       "unit, of its material and produced lot", "outputs")
        if receipts and [(m.material_id, m.lot_id, m.quantity.value, m.quantity.uom) for m in receipts] != [
                (o.material_id, o.lot_id, o.yield_quantity.value, o.yield_quantity.uom) for o in outputs]:
            raise fail("the receipts linked to the confirmation are its produced actuals: one per output, in the "
                       "outputs' order, of its material, lot and quantity", "outputs")
        return outputs
    if receipts:
        total = sum((m.quantity.value for m in receipts), Decimal(0))
        if any(m.quantity.uom != c.yield_quantity.uom for m in receipts) or total != c.yield_quantity.value or (
                receipts[0].material_id != c.material_id or receipts[0].lot_id != c.produced_lot_id):
            raise fail("the receipts linked to the confirmation are its produced actuals: they must add up to its "
                       "yield, in its unit, of its material and lot", "yield_quantity")
    return []


def _output(doc: _Doc, seg: Any, o: ConfirmationOutput, position: int, spec: Spec, ctx: MappingContext,
            where: str) -> None:
    """One output of a confirmation without receipts: a produced actual of its use."""
    actual = doc.sub(seg, "MaterialActual")
    if spec.v07:
        doc.sub(actual, "ID", str(position))
    doc.sub(actual, "MaterialDefinitionID", o.material_id)
    doc.opt(actual, "MaterialLotID", o.lot_id)
    _use(doc, actual, o.material_use, spec, ctx, o.material_use_source_code, f"{where}.material_use")
    doc.quantity(actual, o.yield_quantity, ctx, f"{where}.yield_quantity")


def _extra(doc: _Doc, seg: Any, c: ProductionConfirmation, q: Quantity, position: int, spec: Spec,
           ctx: MappingContext, *, scrap: bool) -> None:
    """The produced actual of a yield without a receipt, or the scrap actual (the house convention)."""
    if c.material_id is None:
        raise MappingError("a B2MML material actual names its material: the confirmation has none",
                           code="missing_field", path="material_id")
    actual = doc.sub(seg, "MaterialActual")
    if spec.v07:
        doc.sub(actual, "ID", str(position))
    doc.sub(actual, "MaterialDefinitionID", c.material_id)
    if not scrap:
        doc.opt(actual, "MaterialLotID", c.produced_lot_id)
    use = doc.sub(actual, "MaterialUse", "Other" if scrap else _use_name(MaterialUse.PRODUCED, spec, ctx, None,
                                                                           "yield_quantity"))
    if scrap:
        use.set("OtherValue", "Scrap")
    doc.quantity(actual, q, ctx, "scrap_quantity" if scrap else "yield_quantity")


# Lots ------------------------------------------------------------------------------------------------
def hold_lot(hold: Nonconformance, ctx: MappingContext) -> MaterialLot:
    """The lot status update a quality hold on a lot (or sub-lot) is sent as: a partial lot that carries only
    that status. The status is one the reader's ``[lot_hold]`` reads as the same action where the connection
    lists one (so the hold is derived again on reading), else the house ``[hold_lot_status]``."""
    if hold.category is not NonconformanceKind.HOLD or hold.hold is None:
        raise MappingError("b2mml writes a nonconformance only as a quality hold on a lot (category hold)",
                           code="unmappable_value", path="category")
    item = hold.affected
    if not item.lot_id or not item.material_id:
        raise MappingError("a hold is sent as its lot's status: it needs the lot and its material",
                           code="missing_field", path="affected.lot_id" if not item.lot_id else "affected.material_id")
    state = "placed" if hold.hold.is_active else "released"
    status = _spelling(ctx, "hold_lot_status", None, state)
    if status is None or status not in set(LotStatus):
        raise MappingError(f"[hold_lot_status] {state} must name a lot status, got {status!r}",
                           code="invalid_context", path=f'codes."b2mml.hold_lot_status".{state}')
    source = _hold_spelling(ctx, state, LotStatus(status))
    if item.sub_lot_id:
        sub = MaterialSubLot(sub_lot_id=item.sub_lot_id, status=LotStatus(status), status_source_code=source)
        return MaterialLot(lot_id=item.lot_id, material_id=item.material_id, plant=hold.plant, sub_lots=[sub],
                           partial_fields=["lot_id", "material_id", "plant", "sub_lots"])
    return MaterialLot(lot_id=item.lot_id, material_id=item.material_id, plant=hold.plant, status=LotStatus(status),
                       status_source_code=source,
                       partial_fields=["lot_id", "material_id", "plant", "status", "status_source_code"])


def _hold_spelling(ctx: MappingContext, state: str, status: LotStatus) -> str | None:
    """The first status the connection's ``[lot_hold]`` reads as ``state`` and ``[lot_status]`` as ``status``."""
    merged = helpers.code_list(ctx, "b2mml.lot_hold", rd.CODES, "lot_hold")
    for raw, action in merged.items():
        if action == state and rd.code(ctx, "lot_status", str(raw)) == status.value:
            return str(raw)
    return None


def _held(lots: Iterable[MaterialLot]) -> set[tuple[str, str, str | None]]:
    """The (material, lot, sub-lot) whose status the batch's lots carry: the reader derives their holds."""
    out: set[tuple[str, str, str | None]] = set()
    for lot in lots:
        if not lot.partial_fields or "status" in lot.partial_fields:
            out.add((lot.material_id, lot.lot_id, None))
        out |= {(lot.material_id, lot.lot_id, sub.sub_lot_id) for sub in lot.sub_lots if sub.status is not None}
    return out


def write_lots(lots: list[tuple[MaterialLot, Stamp]], spec: Spec, ctx: MappingContext) -> _Doc:
    partial = any(lot.partial_fields for lot, _ in lots)
    doc = _Doc(spec, "Sync", "MaterialLot", lots[0][1], ctx, action="Change" if partial else None)
    for index, (lot, _) in enumerate(lots):
        _lot(doc, lot, spec, ctx, f"lots[{index}]." if len(lots) > 1 else "")
    return doc


def _lot_status(status: LotStatus, source: str | None, ctx: MappingContext) -> str:
    spelled = _spelling(ctx, "lot_status_out", None, status.value)
    return _source_or(ctx, source, "lot_status", status.value, None, spelled) or status.value


def _lot(doc: _Doc, lot: MaterialLot, spec: Spec, ctx: MappingContext, base: str) -> None:
    el = doc.sub(doc.data, "MaterialLot")
    doc.sub(el, "ID", lot.lot_id)
    if lot.plant:
        doc.scope(el, lot.plant, "Site")
    doc.sub(el, "MaterialDefinitionID", lot.material_id)
    if not lot.partial_fields or "status" in lot.partial_fields:
        doc.sub(el, "Status", _lot_status(lot.status, lot.status_source_code, ctx))
    if lot.expires_at is not None:
        doc.property(el, "MaterialLotProperty", map_key(ctx, "expires_at", f"{base}expires_at"), None,
                     _text(lot.expires_at))
    doc.properties(el, "MaterialLotProperty", lot.properties)
    children: dict[str | None, list[MaterialSubLot]] = {}
    for sub in lot.sub_lots:
        children.setdefault(sub.parent_sub_lot_id, []).append(sub)
    for sub in children.get(None, []):
        _sub_lot(doc, el, "MaterialSubLot", sub, children, spec, ctx)
    if lot.quantity is not None:
        doc.quantity(el, lot.quantity, ctx, f"{base}quantity")


def _sub_lot(doc: _Doc, parent: Any, name: str, sub: MaterialSubLot,
             children: Mapping[str | None, list[MaterialSubLot]], spec: Spec, ctx: MappingContext) -> None:
    el = doc.sub(parent, name)
    doc.sub(el, "ID", sub.sub_lot_id)
    if sub.status is not None:
        doc.sub(el, "Status", _lot_status(sub.status, sub.status_source_code, ctx))
    doc.properties(el, "MaterialLotProperty" if spec.v07 else "MaterialSublotProperty", sub.properties)
    if sub.quantity is not None:
        doc.quantity(el, sub.quantity, ctx, "sub_lots.quantity")
    for child in children.get(sub.sub_lot_id, []):
        _sub_lot(doc, el, "MaterialSubLotChild" if spec.v07 else "MaterialSubLot", child, children, spec, ctx)


# The batch -------------------------------------------------------------------------------------------
def write(items: Iterable[Any], ctx: MappingContext, version: str | None = None) -> list[Document]:
    """One canonical batch as B2MML documents: one per event (its id the BODID); bare entities of one kind
    share one document."""
    spec = Spec(version_of(version, ctx))
    orders: list[tuple[ProductionOrder, Stamp]] = []
    confirmations: list[tuple[ProductionConfirmation, Stamp]] = []
    movements: list[tuple[MaterialMovement, Stamp]] = []
    lots: list[tuple[MaterialLot, Stamp]] = []
    links: list[GenealogyLink] = []
    holds: list[tuple[Nonconformance, Stamp]] = []
    for item in items:
        entity, stamp = _stamp(item)
        if isinstance(entity, ProductionOrder):
            orders.append((entity, stamp))
        elif isinstance(entity, ProductionConfirmation):
            confirmations.append((entity, stamp))
        elif isinstance(entity, MaterialMovement):
            movements.append((entity, stamp))
        elif isinstance(entity, MaterialLot):
            lots.append((entity, stamp))
        elif isinstance(entity, Nonconformance):
            holds.append((entity, stamp))
        elif isinstance(entity, GenealogyLink):
            links.append(entity)
        else:
            _typed(ProductionOrder, entity, "a B2MML document")
    _covered(links, [m for m, _ in movements])
    # a hold on a lot (or sub-lot) the batch also writes with its status is derived again from it by the reader
    carried = _held(lot for lot, _ in lots)
    lots += [(hold_lot(h, ctx), stamp) for h, stamp in holds if h.category is not NonconformanceKind.HOLD or (
        h.affected.material_id or "", h.affected.lot_id or "", h.affected.sub_lot_id) not in carried]
    docs: list[_Doc] = []
    for group in _groups(orders, lambda o: (bool(o.partial_fields), _schedule_verb(ctx, o))):
        docs.append(write_orders(group, spec, ctx))
    if confirmations or movements:
        docs += write_performance(confirmations, movements, spec, ctx)
    for lot_group in _groups(lots, lambda lot: bool(lot.partial_fields)):
        docs.append(write_lots(lot_group, spec, ctx))
    return [Document(f"{spec.version}:{doc.kind}", doc.bytes()) for doc in docs]


def _covered(links: list[GenealogyLink], movements: list[MaterialMovement]) -> None:
    """A genealogy link travels as the movements it was derived from (the reader derives it again): each link
    needs its parent's receipt and its child's issue in the batch, for its order."""
    def keys(kind: MovementType) -> set[tuple[str | None, str, str | None]]:
        return {(m.order_id, m.material_id, m.lot_id) for m in movements if m.movement_type is kind}

    receipts, issues = keys(MovementType.GOODS_RECEIPT), keys(MovementType.GOODS_ISSUE)
    for index, link in enumerate(links):
        if (link.order_id, link.parent.material_id, link.parent.lot_id) not in receipts or (
                link.order_id, link.child.material_id, link.child.lot_id) not in issues:
            raise MappingError(
                "B2MML carries genealogy as the receipt and issue of a segment response: write the link's movements "
                "with it", code="unmappable_value", path=f"links[{index}]" if len(links) > 1 else "parent")


def _groups(items: list[tuple[Any, Stamp]], key: Any) -> list[list[tuple[Any, Stamp]]]:
    """Events one document each; bare entities one document per ``key`` (verb, partial or not)."""
    out: list[list[tuple[Any, Stamp]]] = []
    shared: dict[Any, list[tuple[Any, Stamp]]] = {}
    for entity, stamp in items:
        if stamp.bod_id is not None:
            out.append([(entity, stamp)])
            continue
        k = key(entity)
        if k not in shared:
            shared[k] = []
            out.append(shared[k])
        shared[k].append((entity, stamp))
    return out


__all__ = ["DEFAULT_VERSION", "VERSIONS", "Spec", "hold_lot", "version_of", "write"]
