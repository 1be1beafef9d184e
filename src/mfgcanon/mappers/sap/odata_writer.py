"""The OData writer: ``ProdnOrdConf2`` and ``A_MaterialDocumentHeader`` POST bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.v1.common import Quantity
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement, MovementType


def _num(value: Decimal) -> str:
    """Edm.Decimal as a JSON string, fixed point (``12.75``, never ``1.275E+1``)."""
    return format(values.normalize_float(value), "f")


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
        body["PostingDate"] = values.format_odata_date(c.posting_date)
    for prefix, instant in (
        ("ConfirmedExecutionStart", c.started_at),
        ("ConfirmedExecutionEnd", c.ended_at),
        ("ConfirmationExternalEntry", c.recorded_at),
    ):
        if instant is not None:
            local = instant.astimezone(zone)
            body[f"{prefix}Date"] = values.format_odata_date(local.date())
            body[f"{prefix}Time"] = values.format_odata_time(local.time())
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
        slot = sc.activity_slot(activity.activity, used, ctx)
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
