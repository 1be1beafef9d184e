"""Stock: goods movements (facts) and inventory balances (snapshots)."""

from __future__ import annotations

import decimal
import enum
from datetime import date
from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, Record, check_partial, reject
from mfgcanon.v1.common import (
    CompanyId,
    Location,
    PartialFields,
    Properties,
    Quantity,
    Source,
    StockStatus,
    TimePrecision,
)
from mfgcanon.v1.posting import Posting

MAX_EXACT_DIGITS = 120
"""Precision for adding lot quantities: far above decimal(38, 9), so a sum never rounds."""


class MovementType(enum.StrEnum):
    """Business meaning of a goods movement; the quantity is always positive, the type gives direction."""

    GOODS_ISSUE = "goods_issue"
    """Stock issued for consumption: components to a production order (SAP 261; Oracle MATERIAL_ISSUE, EBS 35;
    D365 picking list) or to a cost center (SAP 201)."""
    GOODS_RECEIPT = "goods_receipt"
    """Stock received from production: the order's product (SAP 101; Oracle PRODUCT_COMPLETION, EBS 44) or a
    by-product (SAP 531). A receipt into quality inspection or blocked stock is still a receipt."""
    SCRAP = "scrap"
    """Stock written off as destroyed or unusable (SAP 551, 553, 555; Oracle Miscellaneous Issue from the shop
    floor, EBS 32; D365 picking list scrap). Scrap reported at an operation on a confirmation is not a
    movement."""
    TRANSFER = "transfer"
    """Stock moved to another storage location, or to another material, with its status unchanged (SAP 309, 311)."""
    STATUS_CHANGE = "status_change"
    """Stock changed status in place, e.g. from quality inspection to unrestricted (SAP 321, 343, 349); the from
    and to stock statuses say which. A move into blocked or quality inspection stock places a quality hold."""
    ADJUSTMENT_IN = "adjustment_in"
    """Stock added without a production or purchase order: an initial entry, a count gain, a miscellaneous receipt
    (SAP 501, 561, 701; Oracle Miscellaneous Receipt, Account Alias Receipt, EBS 42)."""
    ADJUSTMENT_OUT = "adjustment_out"
    """Stock taken out to correct the books: a count loss or an account issue (SAP 702; Oracle Account Alias
    Issue)."""
    RETURN = "return"
    """Material given back without cancelling a specific document: unused components from the order to stock (SAP
    262 without a reference; Oracle MATERIAL_RETURN, EBS 43), or product back to the order (SAP 102 without a
    reference; Oracle PRODUCT_RETURN, EBS 17). The from and to locations say which way."""
    SHIPMENT_ISSUE = "shipment_issue"
    """Stock issued for a customer delivery, to be shipped (SAP 601)."""
    OTHER = "other"


class MovementLot(Record, frozen=True, kw_only=True):
    """One lot of a movement that moves several lots at once (Oracle lot children, B2MML material actuals)."""

    lot_id: Annotated[Identifier, doc("Lot or batch.")]
    quantity: Annotated[Quantity, doc("Quantity of this lot, in the movement's unit.")]
    sub_lot_id: Annotated[Identifier | None, doc("Container, handling unit or sub-lot.")] = None
    serial_numbers: Annotated[list[Identifier], doc("Serial numbers of this lot moved.")] = msgspec.field(
        default_factory=list)
    manufactured_date: Annotated[date | None, doc("Production date of the lot (SAP HSDAT).")] = None
    expiry_date: Annotated[date | None, doc("Shelf-life expiry date of the lot (SAP VFDAT).")] = None


class MaterialMovement(Entity, frozen=True, kw_only=True, tag="material_movement"):
    """A goods movement (a fact): issue to an order, receipt from it, scrap, transfer, status change.

    A reversal (SAP 262 for 261, 102 for 101) keeps the movement type of what it reverses and sets
    ``is_reversal``, so consumers net it against the original; the source code stays in
    ``movement_type_source_code``.

    Several lots in one movement go to ``lots`` (their quantities add up to ``quantity``); a source that
    sends one lot uses ``lot_id``. ``posting`` says whether it is a request or a posted fact.
    """

    movement_id: Annotated[Identifier, doc("Document and line, e.g. SAP MBLNR/MJAHR/ZEILE '4900000123/2026/1'.")]
    movement_type: Annotated[MovementType, doc("Canonical business meaning.")]
    movement_type_source_code: Annotated[Code | None, doc("Source movement type, e.g. SAP BWART '261'.")] = None
    plant: Annotated[Identifier, doc("Plant of the movement (WERKS).")]
    company_id: CompanyId = None
    material_id: Annotated[Identifier, doc("Material moved (MATNR).")]
    quantity: Annotated[Quantity, doc("Quantity moved, always positive (ERFMG/ERFME).")]
    base_quantity: Annotated[Quantity | None, doc("The quantity in base unit (MENGE/MEINS).")] = None
    lot_id: Annotated[Identifier | None, doc("Lot or batch (CHARG).")] = None
    sub_lot_id: Annotated[Identifier | None, doc("Container, handling unit or sub-lot.")] = None
    serial_numbers: Annotated[list[Identifier], doc("Serial numbers moved.")] = msgspec.field(default_factory=list)
    lots: Annotated[list[MovementLot], doc("Lots moved, when more than one.")] = msgspec.field(default_factory=list)
    manufactured_date: Annotated[date | None, doc("Production date of the lot received (SAP HSDAT).")] = None
    expiry_date: Annotated[date | None, doc("Shelf-life expiry date of the lot received (SAP VFDAT).")] = None
    special_stock_type: Annotated[Code | None, doc(
        "Special stock indicator, verbatim (SAP SOBKZ: E sales order, K consignment, Q project).")] = None
    special_stock_id: Annotated[Identifier | None, doc("Owner of the special stock: sales order/item, vendor.")] = None
    is_final_issue: Annotated[bool, doc("The component's issue is complete (SAP KZEAR).")] = False
    from_location: Annotated[Location | None, doc("Where stock leaves (issues, transfers).")] = None
    to_location: Annotated[Location | None, doc("Where stock arrives (receipts, transfers).")] = None
    from_stock_status: Annotated[StockStatus | None, doc("Stock status before (status changes).")] = None
    to_stock_status: Annotated[StockStatus | None, doc("Stock status after.")] = None
    from_stock_status_source_code: Annotated[Code | None, doc("Source stock type before, verbatim.")] = None
    to_stock_status_source_code: Annotated[Code | None, doc("Source stock type after, verbatim.")] = None
    order_id: Annotated[Identifier | None, doc("Production order (AUFNR).")] = None
    operation_id: Annotated[Identifier | None, doc("Operation (VORNR).")] = None
    requirement_line_id: Annotated[Identifier | None, doc("Order component line (RSNUM/RSPOS).")] = None
    confirmation_id: Annotated[Identifier | None, doc("Confirmation that triggered it (RUECK).")] = None
    reason_code: Annotated[Code | None, doc("Reason for scrap or adjustment (GRUND).")] = None
    occurred_at: Annotated[Instant, doc("When the goods moved (the payload's business time, as UTC).")]
    occurred_at_precision: Annotated[TimePrecision, doc(
        "'day' where the payload gave only a date: occurred_at is then 00:00 of it in the plant's zone.")] = (
        TimePrecision.INSTANT)
    posted_at: Annotated[Instant | None, doc("When the ERP booked it (SAP CPUDT+CPUTM), as UTC.")] = None
    posting_date: Annotated[date | None, doc("Accounting date (BUDAT).")] = None
    is_reversal: Annotated[bool, doc("This movement cancels an earlier one of the same type.")] = False
    reverses_movement_id: Annotated[Identifier | None, doc("The movement reversed (SMBLN/SJAHR/SMBLP).")] = None
    posting: Annotated[Posting | None, doc(
        "Requested, posted or failed in the ERP; absent means a posted fact (docs/model.md, 'Posting').")] = None
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        if self.lots:
            uom = self.quantity.uom
            if any(lot.quantity.uom != uom for lot in self.lots):
                reject("lots", f"every lot quantity must be in the movement's unit {uom}", "constraint_violation")
            with decimal.localcontext(prec=MAX_EXACT_DIGITS):  # exact whatever the caller's context
                total = sum((lot.quantity.value for lot in self.lots), decimal.Decimal(0))
            if total != self.quantity.value:
                reject("lots", "lot quantities do not add up to the movement quantity", "constraint_violation")


class InventoryBalance(Entity, frozen=True, kw_only=True, tag="inventory_balance"):
    """On-hand stock in one bucket (material, location, lot, status) at an instant: a snapshot."""

    material_id: Annotated[Identifier, doc("Material (MATNR).")]
    plant: Annotated[Identifier, doc("Plant (WERKS).")]
    company_id: CompanyId = None
    location: Annotated[Location | None, doc("Storage location and bin within the plant.")] = None
    lot_id: Annotated[Identifier | None, doc("Lot (CHARG).")] = None
    sub_lot_id: Annotated[Identifier | None, doc("Container or handling unit.")] = None
    stock_status: Annotated[StockStatus, doc("Usability of this bucket.")] = StockStatus.UNRESTRICTED
    stock_status_source_code: Annotated[Code | None, doc("Source stock type, verbatim.")] = None
    quantity: Annotated[Quantity, doc("On-hand quantity in this bucket.")]
    special_stock_type: Annotated[Code | None, doc("Special stock indicator, verbatim (SAP SOBKZ).")] = None
    special_stock_id: Annotated[Identifier | None, doc("Owner of the special stock.")] = None
    snapshot_at: Annotated[Instant, doc("The as-of instant of the balance.")]
    expires_at: Annotated[Instant | None, doc("Shelf-life expiry of the lot (VFDAT).")] = None
    expiry_date: Annotated[date | None, doc("Shelf-life expiry date of the lot, as the calendar date it is.")] = None
    partial_fields: PartialFields = msgspec.field(default_factory=list)
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        if self.partial_fields:
            check_partial(self)
