"""Material consumption: ``ProdProductionOrderPickingList`` lines <-> goods issues to the order
(:class:`MaterialMovement`, ``goods_issue``), each line's ``ScrapBOMQuantity`` a scrap movement of its own.

A line's quantity is ``ConsumptionBOMQuantity`` in ``BOMUnitSymbol`` (the BOM unit), else
``ConsumptionInventoryQuantity`` in the item's inventory unit (``[lookups.item_units]``, as is a line without
a unit symbol). ``ConsumptionDate`` is a date: ``occurred_at`` is 00:00 of it in the site's zone (precision
``day``). The message names neither site nor batch: the site comes from ``[lookups.order_sites]``; a movement
with a lot cannot be written (the documented line has no batch field: D365 takes it from the reservation).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.d365 import common as c
from mfgcanon.mappers.d365.mes_reader import (
    PICKING_LIST,
    Message,
    company_for_writing,
    drop_none,
    local_day,
    local_midnight,
    number_out,
)
from mfgcanon.mappers.helpers import convert, emit_checked
from mfgcanon.v1.events import MaterialIssued, MaterialScrapped
from mfgcanon.v1.inventory import MaterialMovement, MovementType

_TEXT = (("PositionNumber", "d365.position_number"), ("InventoryLotId", "d365.inventory_lot_id"))
_NUMBERS = (("ProposalBOMQuantity", "d365.proposal_bom_quantity"),
            ("ProposalInventoryQuantity", "d365.proposal_inventory_quantity"))


def read_picking_list(message: Message, ctx: MappingContext, result: MappingResult) -> None:
    f = message.fields(ctx)
    order = f.req("ProductionOrderNumber")
    for index, (pointer, data) in enumerate(c.lines(f, "PickingListLines")):
        c.guard(c.Rec(data, pointer), result, "d365-mes",
                partial(_line, message, f, f.sub(data, pointer), index, order, ctx, result))


def _line(message: Message, head: c.Fields, f: c.Fields, index: int, order: str, ctx: MappingContext,
          result: MappingResult) -> None:
    company = message.company
    item = f.req("ItemNumber")
    site = c.order_site(ctx, company, order, head.at("ProductionOrderNumber"))
    day = f.day("ConsumptionDate")
    if day is None:
        raise MappingError("a picking list line without ConsumptionDate has no date", code="missing_field",
                           path=f.at("ConsumptionDate"))
    symbol = f.s("BOMUnitSymbol")
    number = f.dec("ConsumptionBOMQuantity")
    where = f.at("ConsumptionBOMQuantity")
    if number is None and f.dec("ConsumptionInventoryQuantity") is not None:
        number, symbol, where = f.dec("ConsumptionInventoryQuantity"), None, f.at("ConsumptionInventoryQuantity")
    scrap = f.dec("ScrapBOMQuantity")
    if number is None and scrap is None:
        raise MappingError("the line consumes nothing (no ConsumptionBOMQuantity, ConsumptionInventoryQuantity or "
                           "ScrapBOMQuantity)", code="missing_field", path=where)
    unit_at = f.at("BOMUnitSymbol") if symbol is not None else None
    if symbol is None:
        symbol = c.item_unit(ctx, company, item, f.at("BOMUnitSymbol"))
    when = local_midnight(ctx, company, site, day, f.at("ConsumptionDate"))
    line = f.number_text("LineNumber")
    operation = f.number_text("OperationNumber")
    properties = [c.prop("d365.message_type", message.message_type),
                  c.prop("d365.journal_name", head.s("JournalNameId"))]
    properties += [c.prop(name, f.s(field)) for field, name in _TEXT]
    properties += [c.prop(name, f.dec(field), "decimal") for field, name in _NUMBERS]
    base = {
        "plant": site, "company_id": company, "material_id": item, "order_id": order,
        "operation_id": None if operation in (None, "0") else operation, "requirement_line_id": line,
        "reason_code": None if f.s("ErrorCause") in (None, "None") else f.s("ErrorCause"),
        "is_final_issue": bool(f.yes("IsConsumptionEnded")), "occurred_at": when, "occurred_at_precision": "day",
        "posting_date": day, "posting": message.posting(ctx), "properties": c.props(*properties),
    }
    movement_id = f"{order}/{message.key[:16]}/{index + 1}"
    records = 1
    if number is not None and (number or not scrap):
        issue = convert({**base, "movement_id": movement_id, "movement_type": MovementType.GOODS_ISSUE,
                         "quantity": c.quantity(number, symbol, ctx, where, unit_at),
                         "source": message.source(ctx, str(index + 1))}, MaterialMovement)
        emit_checked(result, MaterialIssued, issue, time=when)
        records = 0
    if scrap:
        lost = convert({**base, "movement_id": f"{movement_id}/scrap", "movement_type": MovementType.SCRAP,
                        "quantity": c.quantity(scrap, symbol, ctx, f.at("ScrapBOMQuantity"), unit_at),
                        "source": message.source(ctx, f"{index + 1}/scrap")}, MaterialMovement)
        emit_checked(result, MaterialScrapped, lost, time=when, records=records)


def write_picking_list(movements: Sequence[MaterialMovement], ctx: MappingContext) -> tuple[str, str, dict[str, Any]]:
    """One picking list for the issues (and scrap) of one order; a scrap movement of the same line and day as
    an issue becomes that line's ``ScrapBOMQuantity``."""
    company = company_for_writing(movements[0], ctx)
    lines: list[dict[str, Any]] = []
    by_line: dict[tuple[str | None, str, str], dict[str, Any]] = {}
    journal = None
    for number, m in enumerate(movements):
        where = f"[{number}]"
        if m.lot_id or m.lots:
            raise MappingError("a picking list line carries no batch (D365 takes it from the BOM line's "
                               "reservation): clear lot_id or extend the message", code="unmappable_value",
                               path=f"{where}.lot_id")
        flags = {p.name: p.value for p in m.properties}
        journal = journal or flags.get("d365.journal_name")
        day = m.posting_date or local_day(ctx, company, m.plant, m.occurred_at)
        key = (m.requirement_line_id, m.material_id, day.isoformat())
        symbol = c.unit_out(m.quantity.uom, m.quantity.source_uom)
        if m.movement_type is MovementType.SCRAP and key in by_line and "ScrapBOMQuantity" not in by_line[key]:
            if by_line[key]["BOMUnitSymbol"] != symbol:
                raise MappingError("the scrap is in another unit than the issue of its line", code="unmappable_value",
                                   path=f"{where}.quantity")
            by_line[key]["ScrapBOMQuantity"] = m.quantity.value
            continue
        line: dict[str, Any] = {
            "ItemNumber": m.material_id,
            "ConsumptionBOMQuantity": m.quantity.value if m.movement_type is MovementType.GOODS_ISSUE else Decimal(0),
            "BOMUnitSymbol": symbol,
            "ConsumptionDate": day.isoformat(),
            "OperationNumber": number_out(m.operation_id),
            "LineNumber": number_out(m.requirement_line_id),
            "IsConsumptionEnded": c.yes_no(m.is_final_issue),
            "ErrorCause": m.reason_code,
        }
        if m.movement_type is MovementType.SCRAP:
            line["ScrapBOMQuantity"] = m.quantity.value
        for field, name in _TEXT:
            line[field] = flags.get(name)
        for field, name in _NUMBERS:
            text = flags.get(name)
            line[field] = Decimal(text) if text else None
        by_line.setdefault(key, line)
        lines.append(line)
    return company, PICKING_LIST, drop_none({"ProductionOrderNumber": movements[0].order_id, "JournalNameId": journal,
                                             "PickingListLines": [drop_none(line) for line in lines]})
