"""MES messages that change an order's status: ``ProdProductionOrderStart`` (started) and
``ProdProductionOrderEnd`` (ended) <-> :class:`OrderStatusChange`."""

from __future__ import annotations

from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.d365 import common as c
from mfgcanon.mappers.d365.mes_reader import (
    END,
    START,
    Message,
    company_for_writing,
    drop_none,
    local_day,
    local_midnight,
)
from mfgcanon.mappers.helpers import convert, emit_checked
from mfgcanon.v1.events import ProductionOrderStatusChanged
from mfgcanon.v1.order import OrderStatus
from mfgcanon.v1.status import OrderStatusChange

_FLAGS_END = (("UseTimeAndAttendanceCost", "d365.use_time_and_attendance_cost"),
              ("AutoReportAsFinished", "d365.auto_report_as_finished"), ("AutoUpdate", "d365.auto_update"))


def read(message: Message, ctx: MappingContext, result: MappingResult) -> None:
    f = message.fields(ctx)
    company = message.company
    order = f.req("ProductionOrderNumber")
    site = c.order_site(ctx, company, order, f.at("ProductionOrderNumber"), required=False)
    started = None
    properties = [c.prop("d365.message_type", message.message_type)]
    if message.message_type == START:
        day = f.day("StartedDate")
        if day is None:
            raise MappingError("a start message without StartedDate has no time (D365 would take the day it "
                               "processes the message; the mapper never guesses it)", code="missing_field",
                               path=f.at("StartedDate"))
        changed_at = local_midnight(ctx, company, site, day, f.at("StartedDate"))
        status, raw = OrderStatus.IN_PROGRESS, "StartedUp"
        number = f.dec("StartedQuantity")
        if number is not None:
            item = c.order_item(ctx, company, order, f.at("StartedQuantity"))
            started = c.quantity(number, c.item_unit(ctx, company, item, f.at("StartedQuantity")), ctx,
                                 f.at("StartedQuantity"))
        properties += [c.prop("d365.automatic_bom_consumption_rule", f.s("AutomaticBOMConsumptionRule")),
                       c.prop("d365.changed_at_precision", "day")]
    else:
        executed = f.instant("ExecutedDateTime", company, site)
        day = f.day("EndedDate")
        if executed is None and day is None:
            raise MappingError("an end message without ExecutedDateTime or EndedDate has no time",
                               code="missing_field", path=f.at("EndedDate"))
        changed_at = executed or local_midnight(ctx, company, site, day, f.at("EndedDate"))  # type: ignore[arg-type]
        status, raw = OrderStatus.CLOSED, "Completed"
        for field, name in _FLAGS_END:
            properties.append(c.prop(name, f.yes(field)))
        if executed is None:
            properties.append(c.prop("d365.changed_at_precision", "day"))
    entity = convert(
        {
            "order_id": order, "company_id": company, "plant": site, "status": status, "status_source_code": raw,
            "changed_at": changed_at, "started_quantity": started, "properties": c.props(*properties),
            "source": message.source(ctx),
        },
        OrderStatusChange,
    )
    emit_checked(result, ProductionOrderStatusChanged, entity, time=changed_at)


def write(change: OrderStatusChange, ctx: MappingContext) -> tuple[str, str, dict[str, Any]]:
    """(company, message type, content) for an order status change: in progress -> Start, closed or
    completed -> End. Other statuses have no MES message."""
    company = company_for_writing(change, ctx)
    site = change.plant or c.order_site(ctx, company, change.order_id, "order_id", required=False)
    day = local_day(ctx, company, site, change.changed_at)
    flags = {p.name: p.value for p in change.properties}
    if change.status is OrderStatus.IN_PROGRESS:
        started = None
        if change.started_quantity is not None:
            started = change.started_quantity.value
            item = c.order_item(ctx, company, change.order_id, "started_quantity")
            check_item_unit(ctx, company, item, change.started_quantity.uom, "started_quantity")
        return company, START, drop_none({
            "ProductionOrderNumber": change.order_id, "StartedQuantity": started, "StartedDate": day.isoformat(),
            "AutomaticBOMConsumptionRule": flags.get("d365.automatic_bom_consumption_rule"),
        })
    if change.status in (OrderStatus.CLOSED, OrderStatus.COMPLETED):
        content: dict[str, Any] = {
            "ProductionOrderNumber": change.order_id,
            "ExecutedDateTime": change.changed_at.isoformat().replace("+00:00", "Z"),
            "EndedDate": day.isoformat(),
        }
        for field, name in _FLAGS_END:
            if flags.get(name) is not None:
                content[field] = c.yes_no(flags[name] == "true")
        return company, END, content
    raise MappingError(
        f"order status {change.status.value!r} has no D365 MES message (in_progress -> {START}, closed or "
        f"completed -> {END})", code="unmappable_value", path="status")


def check_item_unit(ctx: MappingContext, company: str, item: str, uom: str, path: str) -> None:
    """The message carries no unit: D365 reads the number in the item's inventory unit, so a quantity in any
    other unit is refused rather than sent with a different meaning."""
    symbol = c.item_unit(ctx, company, item, path)
    expected = c.unit(symbol, ctx, path)
    if expected != uom:
        raise MappingError(
            f"{path} is in {uom}, but item {item} is kept in {expected} ({symbol}) and the message carries no unit:"
            " convert the quantity first", code="unmappable_value", path=path)

