"""MES messages that confirm production: ``ProdProductionOrderReportFinished`` (report as finished: good and
error quantities of the main item, co- and by-products) and ``ProdProductionOrderRouteCard`` (time and
quantities per operation) <-> :class:`ProductionConfirmation`.

Report as finished is order-level: one confirmation per message, each line an output (the main item's line
also gives the confirmation's own yield and error quantity). A route card line is operation-level: one
confirmation per line. D365's *error* quantity is ``rejected_quantity`` (the model's "D365 error quantity"),
its error cause the scrap reason. The messages carry no unit: quantities are in the item's inventory unit,
found through ``[lookups.item_units]`` (route cards name no item: ``[lookups.order_items]`` first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.d365 import common as c
from mfgcanon.mappers.d365.mes_orders import check_item_unit
from mfgcanon.mappers.d365.mes_reader import (
    REPORT_FINISHED,
    ROUTE_CARD,
    Message,
    company_for_writing,
    drop_none,
    local_day,
    local_midnight,
    number_out,
)
from mfgcanon.mappers.helpers import convert, emit_checked
from mfgcanon.v1.common import ActivityKind, ActivityTime, Quantity
from mfgcanon.v1.confirmation import ConfirmationOutput, ProductionConfirmation
from mfgcanon.v1.events import ProductionConfirmed
from mfgcanon.v1.order import MaterialUse

_MAIN = frozenset({MaterialUse.PRODUCED})
_USE_OUT = {MaterialUse.PRODUCED: "MainItem", MaterialUse.CO_PRODUCT: "Co_Product",
            MaterialUse.BY_PRODUCT: "By_Product"}
_RAF_FLAGS = (("AcceptError", "d365.accept_error"), ("EndPickingList", "d365.end_picking_list"),
              ("EndRouteCard", "d365.end_route_card"), ("PostNow", "d365.post_now"), ("AutoUpdate", "d365.auto_update"))
_RAF_TEXT = (("AutomaticBOMConsumptionRule", "d365.automatic_bom_consumption_rule"),
             ("AutomaticRouteConsumptionRule", "d365.automatic_route_consumption_rule"),
             ("JournalNameId", "d365.journal_name"))
_LINE_TEXT = (("InventoryStatusId", "d365.inventory_status"), ("LicensePlateNumber", "d365.license_plate"),
              ("InventoryLotId", "d365.inventory_lot_id"))
_RC_FLAGS = (("BOMConsumption", "d365.bom_consumption"), ("ReportAsFinished", "d365.report_as_finished"))
_RC_TEXT = (("OperationPriority", "d365.operation_priority"), ("OperationId", "d365.operation_id"),
            ("HoursRouteCostCategoryId", "d365.hours_cost_category"),
            ("QuantityRouteCostCategoryId", "d365.quantity_cost_category"))
_HOURS = {"HUR": Decimal(1), "MIN": Decimal(60), "SEC": Decimal(3600)}


def _cause(text: str | None) -> str | None:
    """``ErrorCause``: ``None`` is no cause."""
    return None if text in (None, "None") else text


def _zero(number: Decimal | None) -> Decimal:
    """An absent good quantity is zero; a given one keeps its digits (``0.000`` stays ``0.000``)."""
    return Decimal(0) if number is None else number


def _qty(ctx: MappingContext, company: str, item: str, number: Decimal | None, path: str) -> dict[str, Any] | None:
    if number is None:
        return None
    return c.quantity(number, c.item_unit(ctx, company, item, path), ctx, path)


# Report as finished ----------------------------------------------------------------------------------------
def read_report_finished(message: Message, ctx: MappingContext, result: MappingResult) -> None:
    f = message.fields(ctx)
    company = message.company
    order = f.req("ProductionOrderNumber")
    uses = c.codes(ctx, "d365", "production_type")
    outputs: list[dict[str, Any]] = []
    main: tuple[c.Fields, dict[str, Any]] | None = None
    for pointer, data in c.lines(f, "ReportFinishedLines"):
        line = f.sub(data, pointer)
        item = line.s("ItemNumber") or c.order_item(ctx, company, order, line.at("ItemNumber"))
        raw_type = line.s("ProductionType")
        use = MaterialUse(uses.get(raw_type, "other")) if raw_type else MaterialUse.PRODUCED
        site = line.s("ProductionSiteId")
        good = _qty(ctx, company, item, _zero(line.dec("ReportedGoodQuantity")), line.at("ReportedGoodQuantity"))
        error = _qty(ctx, company, item, line.dec("ReportedErrorQuantity"), line.at("ReportedErrorQuantity"))
        warehouse = line.s("ProductionWarehouseId")
        serial = line.s("ProductSerialNumber")
        output = {
            "material_id": item, "material_use": use, "material_use_source_code": raw_type,
            "yield_quantity": good, "scrap_quantity": error, "lot_id": line.s("ItemBatchNumber"),
            "serial_numbers": [serial] if serial else [],
            "receipt_location": None if not (site and warehouse) else {
                "plant": site, "company_id": company, "storage_location": warehouse,
                "bin": line.s("ProductionWarehouseLocationId")},
            "properties": c.props(c.prop("d365.line_number", line.number_text("LineNumber")),
                                  c.prop("d365.error_cause", _cause(line.s("ErrorCause"))),
                                  *(c.prop(name, line.s(field)) for field, name in _LINE_TEXT)),
        }
        outputs.append(output)
        if main is None and use in _MAIN:
            main = (line, output)
    if main is None:  # only co- and by-products: the first line stands for the order
        main = (f.sub(f.d["ReportFinishedLines"][0], f"{f.at('ReportFinishedLines')}/0"), outputs[0])
    line, output = main
    site = line.s("ProductionSiteId") or c.order_site(ctx, company, order, line.at("ProductionSiteId"))
    ended = line.instant("ExecutedDateTime", company, site)
    day = line.day("ReportAsFinishedDate")
    if ended is None and day is None:
        raise MappingError("a report as finished without ExecutedDateTime or ReportAsFinishedDate has no time",
                           code="missing_field", path=line.at("ReportAsFinishedDate"))
    when = ended or local_midnight(ctx, company, site, day, line.at("ReportAsFinishedDate"))  # type: ignore[arg-type]
    properties = [c.prop("d365.message_type", message.message_type)]
    properties += [c.prop(name, line.yes(field)) for field, name in _RAF_FLAGS]
    properties += [c.prop(name, line.s(field)) for field, name in _RAF_TEXT]
    entity = convert(
        {
            "confirmation_id": f"{order}/{message.key[:16]}", "order_id": order, "plant": site,
            "company_id": company, "material_id": output["material_id"], "yield_quantity": output["yield_quantity"],
            "rejected_quantity": output["scrap_quantity"], "outputs": outputs,
            "serial_numbers": output["serial_numbers"],
            "scrap_reason_code": _cause(line.s("ErrorCause")), "is_final": bool(line.yes("EndJob")),
            "ended_at": ended, "posting_date": day, "produced_lot_id": output["lot_id"],
            "posting": message.posting(ctx), "properties": c.props(*properties), "source": message.source(ctx),
        },
        ProductionConfirmation,
    )
    emit_checked(result, ProductionConfirmed, entity, time=when, records=1)


def write_report_finished(conf: ProductionConfirmation, ctx: MappingContext) -> tuple[str, str, dict[str, Any]]:
    company = company_for_writing(conf, ctx)
    outputs: Sequence[ConfirmationOutput] = conf.outputs
    flags = {p.name: p.value for p in conf.properties}
    if not outputs:
        item = conf.material_id or c.order_item(ctx, company, conf.order_id, "material_id")
        outputs = [ConfirmationOutput(
            material_id=item, yield_quantity=conf.yield_quantity,
            scrap_quantity=conf.rejected_quantity or conf.scrap_quantity, lot_id=conf.produced_lot_id,
            serial_numbers=list(conf.serial_numbers))]
    lines: list[dict[str, Any]] = []
    for index, out in enumerate(outputs):
        where = f"outputs[{index}]"
        check_item_unit(ctx, company, out.material_id, out.yield_quantity.uom, f"{where}.yield_quantity")
        if out.scrap_quantity is not None:
            check_item_unit(ctx, company, out.material_id, out.scrap_quantity.uom, f"{where}.scrap_quantity")
        if len(out.serial_numbers) > 1:
            raise MappingError("a report-as-finished line carries one serial number (ProductSerialNumber): write "
                               "one output per serial", code="unmappable_value", path=f"{where}.serial_numbers")
        oprops = {p.name: p.value for p in out.properties}
        location = out.receipt_location
        line: dict[str, Any] = {
            "LineNumber": number_out(oprops.get("d365.line_number") or str(index + 1)),
            "ItemNumber": out.material_id,
            "ProductionType": out.material_use_source_code or _USE_OUT.get(out.material_use, "MainItem"),
            "ReportedGoodQuantity": out.yield_quantity.value,
            "ReportedErrorQuantity": out.scrap_quantity.value if out.scrap_quantity is not None else None,
            "ErrorCause": oprops.get("d365.error_cause"),
            "ItemBatchNumber": out.lot_id,
            "ProductSerialNumber": out.serial_numbers[0] if out.serial_numbers else None,
            "ProductionSiteId": location.plant if location else None,
            "ProductionWarehouseId": location.storage_location if location else None,
            "ProductionWarehouseLocationId": location.bin if location else None,
        }
        for field, name in _LINE_TEXT:
            line[field] = oprops.get(name)
        lines.append(line)
    first = lines[0]
    first["ErrorCause"] = conf.scrap_reason_code or first["ErrorCause"]
    first["ProductionSiteId"] = first["ProductionSiteId"] or conf.plant
    if conf.ended_at is not None:
        first["ExecutedDateTime"] = _iso(conf.ended_at)
    day = conf.posting_date or (None if conf.ended_at is not None else local_day(
        ctx, company, conf.plant, _confirmation_time(conf)))
    first["ReportAsFinishedDate"] = day.isoformat() if day else None
    first["EndJob"] = c.yes_no(conf.is_final)
    for field, name in _RAF_FLAGS:
        if flags.get(name) is not None:
            first[field] = c.yes_no(flags[name] == "true")
    for field, name in _RAF_TEXT:
        first[field] = flags.get(name)
    return company, REPORT_FINISHED, {"ProductionOrderNumber": conf.order_id,
                                      "ReportFinishedLines": [drop_none(line) for line in lines]}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _confirmation_time(conf: ProductionConfirmation) -> datetime:
    moment = conf.ended_at or conf.started_at or conf.recorded_at
    if moment is None:
        raise MappingError("the confirmation has no date: set posting_date or ended_at", code="missing_field",
                           path="posting_date")
    return moment


# Route card ------------------------------------------------------------------------------------------------
def read_route_card(message: Message, ctx: MappingContext, result: MappingResult) -> None:
    """One confirmation per route card line (each line is guarded alone: one bad line is one reject)."""
    f = message.fields(ctx)
    company = message.company
    order = f.req("ProductionOrderNumber")
    for index, (pointer, data) in enumerate(c.lines(f, "RouteCardLines")):
        c.guard(c.Rec(data, pointer), result, "d365-mes",
              partial(_route_line, message, f, f.sub(data, pointer), index, order, company, ctx, result))


def _route_line(message: Message, head: c.Fields, f: c.Fields, index: int, order: str, company: str,
                ctx: MappingContext, result: MappingResult) -> None:
    operation = f.number_text("OperationNumber")
    if operation is None:
        raise MappingError("OperationNumber is required", code="missing_field", path=f.at("OperationNumber"))
    site = c.order_site(ctx, company, order, head.at("ProductionOrderNumber"))
    item = c.order_item(ctx, company, order, head.at("ProductionOrderNumber"))
    day = f.day("ConsumptionDate")
    if day is None:
        raise MappingError("a route card line without ConsumptionDate has no date", code="missing_field",
                           path=f.at("ConsumptionDate"))
    task = f.s("TaskType")
    hours = f.dec("Hours")
    resource = f.s("OperationsResourceId")
    activities = []
    if hours is not None:
        kinds = c.codes(ctx, "d365", "task_type")
        activities.append({"activity": ActivityKind(kinds.get(task or "Process", "other")),
                           "duration": {"value": hours, "uom": "HUR"}, "activity_source_code": task,
                           "resource_id": resource})
    worker = f.s("Worker")
    properties = [c.prop("d365.message_type", message.message_type), c.prop("d365.task_type", task),
                  c.prop("d365.line_number", str(index + 1)),
                  c.prop("d365.journal_name", head.s("JournalNameId")),
                  c.prop("d365.hourly_rate", f.dec("HourlyRate"), "decimal"),
                  c.prop("d365.quantity_price", f.dec("QuantityPrice"), "decimal")]
    properties += [c.prop(name, f.s(field)) for field, name in _RC_TEXT]
    properties += [c.prop(name, f.yes(field)) for field, name in _RC_FLAGS]
    entity = convert(
        {
            "confirmation_id": f"{order}/{operation}/{message.key[:16]}/{index + 1}", "order_id": order,
            "operation_id": operation, "plant": site, "company_id": company, "material_id": item,
            "work_center_id": resource,
            "yield_quantity": _qty(ctx, company, item, _zero(f.dec("GoodQuantity")), f.at("GoodQuantity")),
            "rejected_quantity": _qty(ctx, company, item, f.dec("ErrorQuantity"), f.at("ErrorQuantity")),
            "scrap_reason_code": _cause(f.s("ErrorCause")), "is_final": bool(f.yes("OperationCompleted")),
            "posting_date": day, "activities": activities, "personnel_ids": [worker] if worker else [],
            "posting": message.posting(ctx), "properties": c.props(*properties),
            "source": message.source(ctx, str(index + 1)),
        },
        ProductionConfirmation,
    )
    when = local_midnight(ctx, company, site, day, f.at("ConsumptionDate"))
    emit_checked(result, ProductionConfirmed, entity, time=when)


def write_route_card(confs: Sequence[ProductionConfirmation], ctx: MappingContext) -> tuple[str, str, dict[str, Any]]:
    """One route card for the operation confirmations of one order: a line per confirmation, and one more per
    further activity (its hours only: the quantities go on the first)."""
    company = company_for_writing(confs[0], ctx)
    journal = None
    lines: list[dict[str, Any]] = []
    for number, conf in enumerate(confs):
        where = f"[{number}]"
        flags: Mapping[str, str | None] = {p.name: p.value for p in conf.properties}
        journal = journal or flags.get("d365.journal_name")
        rejected = conf.rejected_quantity or conf.scrap_quantity
        item = conf.material_id or c.order_item(ctx, company, conf.order_id, f"{where}.material_id")
        check_item_unit(ctx, company, item, conf.yield_quantity.uom, f"{where}.yield_quantity")
        if rejected is not None:
            check_item_unit(ctx, company, item, rejected.uom, f"{where}.rejected_quantity")
        if len(conf.personnel_ids) > 1:
            raise MappingError("a route card line names one Worker: write one confirmation per worker",
                               code="unmappable_value", path=f"{where}.personnel_ids")
        day = conf.posting_date or local_day(ctx, company, conf.plant, _confirmation_time(conf))
        base: dict[str, Any] = {
            "OperationNumber": number_out(conf.operation_id),
            "OperationsResourceId": conf.work_center_id,
            "Worker": conf.personnel_ids[0] if conf.personnel_ids else None,
            "GoodQuantity": conf.yield_quantity.value,
            "ErrorQuantity": rejected.value if rejected is not None else None,
            "ConsumptionDate": day.isoformat(),
            "ErrorCause": conf.scrap_reason_code,
            "OperationCompleted": c.yes_no(conf.is_final),
            "HourlyRate": _number(flags.get("d365.hourly_rate")),
            "QuantityPrice": _number(flags.get("d365.quantity_price")),
        }
        for field, name in _RC_TEXT:
            base[field] = flags.get(name)
        for field, name in _RC_FLAGS:
            if flags.get(name) is not None:
                base[field] = c.yes_no(flags[name] == "true")
        activities: list[ActivityTime | None] = [*conf.activities] or [None]
        for index, activity in enumerate(activities):
            line = dict(base) if index == 0 else {k: base[k] for k in (
                "OperationNumber", "OperationsResourceId", "Worker", "ConsumptionDate", "OperationPriority",
                "OperationId")}
            if index:
                line["OperationCompleted"] = "No"
            if activity is None:
                line["TaskType"] = flags.get("d365.task_type")
            else:
                line["Hours"] = _hours(activity.duration, f"{where}.activities[{index}].duration")
                line["TaskType"] = activity.activity_source_code or str(
                    c.codes(ctx, "d365", "task_type_out").get(activity.activity.value, "Process"))
                line["OperationsResourceId"] = activity.resource_id or line.get("OperationsResourceId")
            lines.append(drop_none(line))
    return company, ROUTE_CARD, drop_none({"ProductionOrderNumber": confs[0].order_id, "JournalNameId": journal,
                                           "RouteCardLines": lines})


def _number(text: str | None) -> Decimal | None:
    return Decimal(text) if text else None


def _hours(duration: Quantity, path: str) -> Decimal:
    """Route card ``Hours`` are hours: minutes and seconds are converted exactly."""
    factor = _HOURS.get(duration.uom)
    if factor is None:
        raise MappingError(f"{duration.uom} is not hours, minutes or seconds", code="unmappable_value", path=path)
    value = duration.value / factor if factor != 1 else duration.value
    if value * factor != duration.value:
        raise MappingError(f"{duration.value} {duration.uom} is not a whole number of hours in decimal",
                           code="unmappable_value", path=path)
    return value
