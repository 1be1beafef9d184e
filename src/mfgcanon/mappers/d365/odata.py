"""Dynamics 365 SCM OData v4 entities and business events -> canonical events (read only).

Inbound: ``ProductionOrderHeaders``, ``ProductionOrderBillOfMaterialLines`` and
``ProductionOrderRouteOperations`` collections (``{"@odata.context", "value": [...]}``, or one record), joined
into one :class:`ProductionOrder` per header by :meth:`D365ODataMapper.to_canonical_many` (lines whose header is
not among the call's payloads are ``unmatched_record`` rejects, never dropped); and the business events
``ProductionOrderReleasedBusinessEvent`` / ``ProductionOrderStatusChangedBusinessEvent`` -> a
``production_order.status_changed`` event (they carry the order number and legal entity only).

OData v4 conventions: ``@odata.*`` annotations are no fields (``@odata.etag`` is kept as the source revision:
the row version orders the reads of one order); ``@odata.nextLink`` is :attr:`MappingResult.continuation`;
enums arrive by name; ``dataAreaId`` is the company (lower case in responses; upper case in the model, as in
MES messages and business events); date-only fields render as ``2024-01-16T12:00:00Z`` (the date part is the
date) and ``1900-01-01`` is no date; times of day are seconds since midnight, combined with their date in the
site's zone. The order's unit is not on the header: it is the item's inventory unit (``[lookups.item_units]``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    BaseMapper,
    MappingResult,
    Payload,
    PayloadMeta,
    effective_meta,
    stamp_meta,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.d365 import common as c
from mfgcanon.mappers.d365.mes_outcomes import event_time
from mfgcanon.mappers.helpers import continuation_of, convert, emit_checked
from mfgcanon.mappers.helpers import event_time as payload_or_received_time
from mfgcanon.v1.events import (
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderStatusChanged,
    ProductionOrderUpdated,
)
from mfgcanon.v1.order import OrderStatus, ProductionOrder
from mfgcanon.v1.status import OrderStatusChange

NAME = "d365-odata"

_SETS = {"ProductionOrderHeaders": "header", "ProductionOrderBillOfMaterialLines": "bom",
         "ProductionOrderRouteOperations": "route"}
_EVENTS = {"ProductionOrderReleasedBusinessEvent", "ProductionOrderStatusChangedBusinessEvent"}
_ORDER_EVENTS: dict[str, type[Any]] = {"released": ProductionOrderReleased, "completed": ProductionOrderCompleted,
                                       "closed": ProductionOrderClosed, "updated": ProductionOrderUpdated}
_HEADER_TEXT = (("ProductionOrderRemainderStatus", "d365.remainder_status"),
                ("ProductionPoolId", "d365.production_pool"),
                ("ProductionGroupId", "d365.production_group"), ("SchedulingMethod", "d365.scheduling_method"),
                ("InventoryStatusId", "d365.inventory_status"), ("InventoryLotId", "d365.inventory_lot_id"),
                ("LicensePlateNumber", "d365.license_plate"), ("ProductSerialNumber", "d365.serial_number"),
                ("ProductConfigurationId", "d365.product_configuration"), ("ProductColorId", "d365.product_color"),
                ("ProductSizeId", "d365.product_size"), ("ProductStyleId", "d365.product_style"),
                ("ProductVersionId", "d365.product_version"), ("SourcePlannedOrderNumber", "d365.planned_order"))
_HEADER_DATES = (("StartedDate", "d365.started_date"), ("ReportedAsFinishedDate", "d365.reported_as_finished_date"),
                 ("EndedDate", "d365.ended_date"), ("EstimatedDate", "d365.estimated_date"),
                 ("ScheduledDate", "d365.scheduled_date"))
_HEADER_NUMBERS = (("StartedQuantity", "d365.started_quantity"),
                   ("RemainingReportAsFinishedQuantity", "d365.remaining_report_as_finished_quantity"))


def _kind(data: Mapping[str, Any], hint: str | None) -> str | None:
    if hint is not None:
        return hint
    if "BusinessEventId" in data:
        return "event"
    if "ProductionOrderNumber" not in data or "dataAreaId" not in data:
        return None
    if "ProductionOrderStatus" in data:
        return "header"
    if "BOMLineUnitSymbol" in data or "BOMLineQuantity" in data:
        return "bom"
    if "OperationNumber" in data:
        return "route"
    return None


def _set_of(data: Mapping[str, Any]) -> str | None:
    """The entity set an ``@odata.context`` names (``...$metadata#ProductionOrderHeaders``)."""
    context = data.get("@odata.context")
    if not isinstance(context, str) or "#" not in context:
        return None
    name = context.rpartition("#")[2].partition("(")[0].partition("/")[0]
    return _SETS.get(name)


def _records(data: Any) -> tuple[list[c.Rec], str | None]:
    """The records of a payload and the kind its ``@odata.context`` names (None: detect per record)."""
    if isinstance(data, Mapping) and isinstance(data.get("value"), list):
        return [c.Rec(item if isinstance(item, Mapping) else {"": item}, f"/value/{n}")
                for n, item in enumerate(data["value"])], _set_of(data)
    if isinstance(data, Mapping):
        return [c.Rec(data, "")], _set_of(data)
    raise MappingError("expected an OData collection ({\"value\": [...]}), a record or a business event",
                       code="malformed_payload", path="/")


@dataclasses.dataclass
class _Batch:
    headers: list[c.Rec] = dataclasses.field(default_factory=list)
    lines: dict[tuple[str, str], list[tuple[str, c.Rec]]] = dataclasses.field(default_factory=dict)


class D365ODataMapper(BaseMapper):
    """Dynamics 365 SCM production orders (headers, BOM lines, route operations) and order business events."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "Dynamics 365 SCM OData v4: ProductionOrderHeaders with ProductionOrderBillOfMaterialLines and "
        "ProductionOrderRouteOperations, production order business events"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderReleased, ProductionOrderUpdated, ProductionOrderCompleted, ProductionOrderClosed,
        ProductionOrderStatusChanged,
    )

    def sniff(self, payload: Payload) -> bool:
        data = c.json_head(payload)
        if not isinstance(data, Mapping):
            return False
        if data.get("BusinessEventId") in _EVENTS:
            return True
        try:
            records, hint = _records(data)
        except MappingError:
            return False
        if hint is not None:
            return True
        return any(_kind(r.data, None) in ("header", "bom", "route") for r in records[:20])

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
        """Headers, BOM lines and route operations of several payloads (collections, pages) joined by company
        and order number; business events mapped alone. The continuation is the last page's next link."""
        base = context or MappingContext()
        infos = [effective_meta(m, base) for m in (metas or [None] * len(payloads))]
        if len(infos) != len(payloads):
            raise MappingError(f"{len(payloads)} payloads but {len(infos)} metadata", code="invalid_context")
        result = MappingResult()
        batch = _Batch()
        for number, (payload, info) in enumerate(zip(payloads, infos, strict=True)):
            prefix = f"#{number}" if len(payloads) > 1 else ""
            ctx = dataclasses.replace(base, received_at=info.received_at)
            start = len(result.events)
            self._payload(payload, prefix, ctx, result, batch)
            stamp_meta(result, info, start)
        start = len(result.events)
        ctx = dataclasses.replace(base, received_at=infos[0].received_at) if infos else base
        self._orders(batch, ctx, result)
        if infos:
            stamp_meta(result, infos[0], start)
        return result

    def _payload(self, payload: Payload, prefix: str, ctx: MappingContext, result: MappingResult,
                 batch: _Batch) -> None:
        try:
            data = c.decode(payload)
            records, hint = _records(data)
        except MappingError as exc:
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "backslashreplace") \
                if isinstance(payload, bytes) else c.fragment(payload)
            c.reject(result, NAME, exc.code, exc.message, prefix or "/", text)
            return
        following = continuation_of(data)
        if following is not None:
            result.continuation = following
        parsed = not isinstance(payload, bytes | str)
        for rec in records:
            rec = c.Rec(rec.data, prefix + rec.pointer)
            if not c.check_writable(rec, result, NAME, parsed):
                continue
            kind = _kind(rec.data, hint)
            if kind == "event":
                c.guard(rec, result, NAME, partial(self._event, rec, ctx, result))
            elif kind == "header":
                batch.headers.append(rec)
            elif kind in ("bom", "route"):
                try:
                    f = c.Fields(rec, ctx)
                    key = (c.company_of(rec.data.get("dataAreaId"), f.at("dataAreaId")), f.req("ProductionOrderNumber"))
                except MappingError as exc:
                    c.reject(result, NAME, exc.code, exc.message, exc.path or rec.pointer, rec.data)
                    continue
                batch.lines.setdefault(key, []).append((kind, rec))
            else:
                c.reject(result, NAME, "unsupported_message", "not a production order header, BOM line, route "
                         "operation or production order business event", rec.pointer or "/", rec.data)

    # ------------------------------------------------------------------ orders
    def _orders(self, batch: _Batch, ctx: MappingContext, result: MappingResult) -> None:
        seen: set[tuple[str, str]] = set()
        for rec in batch.headers:
            f = c.Fields(rec, ctx)
            try:
                key = (c.company_of(rec.data.get("dataAreaId"), f.at("dataAreaId")), f.req("ProductionOrderNumber"))
            except MappingError as exc:
                c.reject(result, NAME, exc.code, exc.message, exc.path or rec.pointer, rec.data)
                continue
            lines = batch.lines.pop(key, []) if key not in seen else []
            seen.add(key)
            rejected = len(result.rejects)
            c.guard(rec, result, NAME, partial(self._order, rec, key, lines, ctx, result))
            if len(result.rejects) > rejected:  # the order was rejected: its lines go with it, each kept
                for _, line in lines:
                    c.reject(result, NAME, "unmatched_record",
                             f"the header of order {key[1]} (company {key[0]}) was rejected", line.pointer, line.data)
        for (company, order), lines in batch.lines.items():
            for _, line in lines:
                c.reject(result, NAME, "unmatched_record",
                         f"no ProductionOrderHeaders record for order {order} of company {company} among the payloads:"
                         " map lines with their header (to_canonical_many)", line.pointer, line.data)

    def _order(self, rec: c.Rec, key: tuple[str, str], lines: list[tuple[str, c.Rec]], ctx: MappingContext,
               result: MappingResult) -> None:
        f = c.Fields(rec, ctx)
        company, order = key
        site = f.req("ProductionSiteId")
        raw_status = f.req("ProductionOrderStatus")
        status = OrderStatus(c.codes(ctx, "d365", "order_status").get(raw_status, "other"))
        item = f.req("ItemNumber")
        number = f.dec("ScheduledQuantity")
        if not number:
            number = f.dec("EstimatedQuantity")
        where = f.at("ScheduledQuantity")
        if number is None:
            raise MappingError("the order has no quantity (ScheduledQuantity, EstimatedQuantity)", code="missing_field",
                               path=where)
        symbol = c.item_unit(ctx, company, item, f.at("ItemNumber"))
        warehouse = f.s("ProductionWarehouseId")
        priority = f.integer("ProductionOrderPriority")
        properties = [c.prop(name, f.s(field)) for field, name in _HEADER_TEXT]
        properties += [c.prop(name, f.day(field)) for field, name in _HEADER_DATES]
        properties += [c.prop(name, f.dec(field), "decimal") for field, name in _HEADER_NUMBERS]
        requirements = []
        operations = []
        for kind, line in lines:
            lf = c.Fields(line, ctx)
            if kind == "bom":
                requirements.append(_requirement(lf, company, site, ctx))
            else:
                operations.append(_operation(lf, company, site, symbol, ctx))
        operations.sort(key=lambda op: (int(op["operation_id"]) if op["operation_id"].isdigit() else 0,
                                        op["operation_id"]))
        entity = convert(
            {
                "order_id": order, "plant": site, "company_id": company, "description": f.s("ProductionOrderName"),
                "status": status, "status_source_code": raw_status, "material_id": item,
                "planned_quantity": c.quantity(number, symbol, ctx, where),
                "scheduled_start_at": f.date_time("ScheduledStartDate", "ScheduledStartTime", company, site),
                "scheduled_end_at": f.date_time("ScheduledEndDate", "ScheduledEndTime", company, site),
                "due_at": f.date_time("DeliveryDate", "DeliveryTime", company, site),
                "released_date": f.day("ReleasedDate"),
                "priority": priority if priority is not None and 0 <= priority <= 1000 else None,
                "priority_source_code": None if priority is None else str(priority),
                "receipt_location": None if warehouse is None else {
                    "plant": site, "company_id": company, "storage_location": warehouse,
                    "bin": f.s("ProductionWarehouseLocationId")},
                "routing_id": f.s("SourceRouteId"), "bom_id": f.s("SourceBOMId"),
                "target_lot_id": f.s("ItemBatchNumber"), "parent_order_id": f.s("ParentProductionOrderNumber"),
                "operations": operations, "material_requirements": requirements,
                "revision": f.s("@odata.etag"), "properties": c.props(*properties),
                "source": c.source(ctx, "ODATA:ProductionOrderHeaders", f"{company}/{order}",
                                   revision=f.s("@odata.etag")),
            },
            ProductionOrder,
        )
        event = c.codes(ctx, "d365", "order_event").get(status.value, "updated")
        when = payload_or_received_time(result, ctx, f"order {order}")  # the header carries no change time
        emit_checked(result, _ORDER_EVENTS[str(event)], entity, time=when, records=1 + len(lines))

    # ------------------------------------------------------------------ business events
    def _event(self, rec: c.Rec, ctx: MappingContext, result: MappingResult) -> None:
        f = c.Fields(rec, ctx)
        event_id = f.req("BusinessEventId")
        if event_id not in _EVENTS:
            raise MappingError(f"business event {event_id!r} is not a production order event this mapper reads",
                               code="unsupported_message", path=f.at("BusinessEventId"))
        company = c.company_of(f.s("BusinessEventLegalEntity") or f.s("LegalEntity"), f.at("BusinessEventLegalEntity"))
        order = f.req("ProductionOrderNumber")
        if event_id == "ProductionOrderReleasedBusinessEvent":
            raw = "Released"
        else:
            raw = f.s("ProductionOrderStatus") or f.s("Status") or ""
            if not raw:
                raise MappingError("the status-changed event names no new status (ProductionOrderStatus)",
                                   code="missing_field", path=f.at("ProductionOrderStatus"))
        changed = event_time(f)
        if changed is None:
            raise MappingError("the business event has no time (EventTimeIso8601, EventTime)", code="missing_field",
                               path=f.at("EventTimeIso8601"))
        site = c.order_site(ctx, company, order, f.at("ProductionOrderNumber"), required=False)
        entity = convert(
            {
                "order_id": order, "company_id": company, "plant": site,
                "status": OrderStatus(c.codes(ctx, "d365", "order_status").get(raw, "other")),
                "status_source_code": raw, "changed_at": changed,
                "properties": c.props(c.prop("d365.business_event", event_id),
                                      c.prop("d365.control_number", f.s("ControlNumber"))),
                "source": c.source(ctx, f"D365-BE:{event_id}", f.s("EventId") or f"{company}/{order}/{changed}"),
            },
            OrderStatusChange,
        )
        emit_checked(result, ProductionOrderStatusChanged, entity, time=changed)


def _requirement(f: c.Fields, company: str, site: str, ctx: MappingContext) -> dict[str, Any]:
    """A BOM line: quantity in its BOM unit (``BOMLineUnitSymbol``; absent: the item's unit), the estimated
    quantity of the order (else the remaining one)."""
    item = f.req("ItemNumber")
    number: Decimal | None = f.dec("EstimatedBOMLineQuantity")
    if number is None:
        number = f.dec("RemainingBOMLineQuantity")
    if number is None:
        raise MappingError("the BOM line has no quantity (EstimatedBOMLineQuantity)", code="missing_field",
                           path=f.at("EstimatedBOMLineQuantity"))
    symbol = f.s("BOMLineUnitSymbol") or c.item_unit(ctx, company, item, f.at("BOMLineUnitSymbol"))
    unit_at = f.at("BOMLineUnitSymbol")
    flushing = f.s("FlushingPrinciple")
    supply = c.codes(ctx, "d365", "flushing_principle").get(flushing or "")
    line_type = f.s("LineType")
    operation = f.number_text("RouteOperationNumber")
    warehouse = f.s("ConsumptionWarehouseId")
    line = f.number_text("LineNumber")
    if line is None:
        raise MappingError("LineNumber is required", code="missing_field", path=f.at("LineNumber"))
    return {
        "line_id": line, "material_id": item, "material_use_source_code": line_type,
        "quantity": c.quantity(number, symbol, ctx, f.at("EstimatedBOMLineQuantity"), unit_at),
        "supply_type": None if flushing is None else (supply or "other"), "supply_type_source_code": flushing,
        "is_final_issue": bool(f.yes("IsFullyConsumed")),
        "operation_id": None if operation in (None, "0") else operation,
        "bom_item_number": f.s("PositionNumber"), "lot_id": f.s("ItemBatchNumber"),
        "issue_location": None if warehouse is None else {
            "plant": f.s("ConsumptionSiteId") or site, "company_id": company, "storage_location": warehouse},
        "required_date": f.day("RawMaterialScheduledConsumptionDate"),
        "is_backflush": flushing in ("Start", "Finish"), "is_phantom": line_type == "Phantom",
        "properties": c.props(
            c.prop("d365.inventory_lot_id", f.s("InventoryLotId")),
            c.prop("d365.variable_scrap_percentage", f.dec("VariableScrapPercentage"), "decimal"),
            c.prop("d365.remaining_bom_line_quantity", f.dec("RemainingBOMLineQuantity"), "decimal"),
            c.prop("d365.scheduled_consumption_at", _iso(f.date_time(
                "RawMaterialScheduledConsumptionDate", "RawMaterialScheduledConsumptionTime", company,
                f.s("ConsumptionSiteId") or site)), "datetime")),
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def _operation(f: c.Fields, company: str, site: str, symbol: str, ctx: MappingContext) -> dict[str, Any]:
    """A route operation: scheduled from/to (date + seconds of day, site-local), setup and process time in
    hours, started/completed flags as its status.

    ``ProcessTime`` is the time for ``ProcessQuantity`` of the order's item (its inventory unit ``symbol``): that
    quantity is the activity's ``basis_quantity``, as SAP's base quantity is, or 0.04 hours would read as the
    operation's whole run. ``SetupTime`` is per run and has no basis."""
    operation = f.number_text("OperationNumber")
    if operation is None:
        raise MappingError("OperationNumber is required", code="missing_field", path=f.at("OperationNumber"))
    status = None
    if f.yes("IsOperationCompleted"):
        status = "completed"
    elif f.yes("IsOperationStarted"):
        status = "in_progress"
    activities = []
    per = f.dec("ProcessQuantity")
    basis = c.quantity(per, symbol, ctx, f.at("ProcessQuantity")) if per else None
    for field, kind in (("SetupTime", "setup"), ("ProcessTime", "machine")):
        hours = f.dec(field)
        if hours:
            activities.append({"activity": kind, "duration": {"value": hours, "uom": "HUR"},
                               "activity_source_code": field,
                               "basis_quantity": basis if field == "ProcessTime" else None})
    return {
        "operation_id": operation, "process_segment_id": f.s("OperationId"),
        "work_center_id": f.s("OperationsResourceId") or f.s("CostingOperationResourceId"),
        "planned_start_at": f.date_time("ScheduledFromDate", "ScheduledFromTime", company, site),
        "planned_end_at": f.date_time("ScheduledEndDate", "ScheduledEndTime", company, site),
        "planned_activities": activities, "status": status,
        "properties": c.props(c.prop("d365.operation_priority", f.s("OperationPriority")),
                              c.prop("d365.route_group", f.s("RouteGroupId")),
                              c.prop("d365.next_operation_number", f.number_text("NextOperationNumber"))),
    }


__all__ = ["D365ODataMapper"]
