"""Material documents (``A_MaterialDocumentItem``, or a header with ``to_MaterialDocumentItem``), and the
movement readings a confirmation's linked goods movements share.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.mappers.sap.odata_reader import (
    _MIDNIGHT,
    _Fields,
    _pd,
    _pds,
    _Rec,
    _source,
)
from mfgcanon.v1 import derive
from mfgcanon.v1.events import movement_event
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.posting import PostingState


def _movement(rec: _Rec, ctx: MappingContext, result: MappingResult, number: int) -> None:
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
                **_source(ctx, "A_MaterialDocumentItem", doc_id, line=item_no),
                # the material document's own key: the same item read in another entity set is one event
                "business_document_id": f"{document}/{year}/{item_no}" if document and year else None,
            },
        },
        MaterialMovement,
    )
    # a posted status change into blocked or quality-inspection stock places a hold (a POST body: none)
    sc.emit_with_holds(result, movement_event(movement, validated=True), derive.holds_from_movement(movement))


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
        midnight = values.local_instant(day, _MIDNIGHT, 0, f.ctx.zone_for(plant))
    except MappingError as exc:
        raise f.fail(day_field, exc) from None
    return {"occurred_at": midnight, "occurred_at_precision": "day"}
