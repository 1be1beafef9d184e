"""Stock: goods movements (facts) and inventory balances (snapshots)."""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity
from mfgcanon.v1.common import Location, Properties, Quantity, Source, StockStatus


class MovementType(enum.StrEnum):
    """Business meaning of a goods movement; the quantity is always positive, the type gives direction."""

    GOODS_ISSUE = "goods_issue"
    GOODS_RECEIPT = "goods_receipt"
    SCRAP = "scrap"
    TRANSFER = "transfer"
    STATUS_CHANGE = "status_change"
    ADJUSTMENT_IN = "adjustment_in"
    ADJUSTMENT_OUT = "adjustment_out"
    RETURN = "return"
    SHIPMENT_ISSUE = "shipment_issue"
    OTHER = "other"


class MaterialMovement(Entity, frozen=True, kw_only=True, tag="material_movement"):
    """A goods movement (a fact): issue to an order, receipt from it, scrap, transfer, status change.

    A reversal (SAP 262 for 261, 102 for 101) keeps the movement type of what it reverses and sets
    ``is_reversal``, so consumers net it against the original; the source code stays in
    ``movement_type_source_code``.
    """

    movement_id: Annotated[Identifier, doc("Document and line, e.g. SAP MBLNR/MJAHR/ZEILE '4900000123/2026/1'.")]
    movement_type: Annotated[MovementType, doc("Canonical business meaning.")]
    movement_type_source_code: Annotated[Code | None, doc("Source movement type, e.g. SAP BWART '261'.")] = None
    plant: Annotated[Identifier, doc("Plant of the movement (WERKS).")]
    material_id: Annotated[Identifier, doc("Material moved (MATNR).")]
    quantity: Annotated[Quantity, doc("Quantity moved, always positive (ERFMG/ERFME).")]
    base_quantity: Annotated[Quantity | None, doc("The quantity in base unit (MENGE/MEINS).")] = None
    lot_id: Annotated[Identifier | None, doc("Lot or batch (CHARG).")] = None
    sub_lot_id: Annotated[Identifier | None, doc("Container, handling unit or sub-lot.")] = None
    serial_numbers: Annotated[list[Identifier], doc("Serial numbers moved.")] = msgspec.field(default_factory=list)
    from_location: Annotated[Location | None, doc("Where stock leaves (issues, transfers).")] = None
    to_location: Annotated[Location | None, doc("Where stock arrives (receipts, transfers).")] = None
    from_stock_status: Annotated[StockStatus | None, doc("Stock status before (status changes).")] = None
    to_stock_status: Annotated[StockStatus | None, doc("Stock status after.")] = None
    order_id: Annotated[Identifier | None, doc("Production order (AUFNR).")] = None
    operation_id: Annotated[Identifier | None, doc("Operation (VORNR).")] = None
    requirement_line_id: Annotated[Identifier | None, doc("Order component line (RSNUM/RSPOS).")] = None
    confirmation_id: Annotated[Identifier | None, doc("Confirmation that triggered it (RUECK).")] = None
    reason_code: Annotated[Code | None, doc("Reason for scrap or adjustment (GRUND).")] = None
    occurred_at: Annotated[Instant, doc("When the goods moved (entry date and time, as UTC).")]
    posting_date: Annotated[date | None, doc("Accounting date (BUDAT).")] = None
    is_reversal: Annotated[bool, doc("This movement cancels an earlier one of the same type.")] = False
    reverses_movement_id: Annotated[Identifier | None, doc("The movement reversed (SMBLN/SJAHR/SMBLP).")] = None
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None


class InventoryBalance(Entity, frozen=True, kw_only=True, tag="inventory_balance"):
    """On-hand stock in one bucket (material, location, lot, status) at an instant: a snapshot."""

    material_id: Annotated[Identifier, doc("Material (MATNR).")]
    plant: Annotated[Identifier, doc("Plant (WERKS).")]
    location: Annotated[Location | None, doc("Storage location and bin within the plant.")] = None
    lot_id: Annotated[Identifier | None, doc("Lot (CHARG).")] = None
    sub_lot_id: Annotated[Identifier | None, doc("Container or handling unit.")] = None
    stock_status: Annotated[StockStatus, doc("Usability of this bucket.")] = StockStatus.UNRESTRICTED
    stock_status_source_code: Annotated[Code | None, doc("Source stock type, verbatim.")] = None
    quantity: Annotated[Quantity, doc("On-hand quantity in this bucket.")]
    snapshot_at: Annotated[Instant, doc("The as-of instant of the balance.")]
    expires_at: Annotated[Instant | None, doc("Shelf-life expiry of the lot (VFDAT).")] = None
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None
