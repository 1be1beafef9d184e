"""Production confirmations: what the shop floor reports back against an order operation."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, Record, check_window
from mfgcanon.v1.common import ActivityTime, CompanyId, Location, Properties, Quantity, Source
from mfgcanon.v1.order import MaterialUse
from mfgcanon.v1.posting import Posting


class ConfirmationOutput(Record, frozen=True, kw_only=True):
    """One output a confirmation reports: the main product, a co-product or a by-product, with its lot."""

    material_id: Annotated[Identifier, doc("Material produced.")]
    material_use: Annotated[MaterialUse, doc("produced (main product), co_product or by_product.")] = (
        MaterialUse.PRODUCED)
    material_use_source_code: Annotated[Code | None, doc("Source output type, verbatim.")] = None
    yield_quantity: Annotated[Quantity, doc("Good quantity of this output.")]
    scrap_quantity: Annotated[Quantity | None, doc("Scrap of this output.")] = None
    lot_id: Annotated[Identifier | None, doc("Lot that received it.")] = None
    serial_numbers: Annotated[list[Identifier], doc("Serial numbers produced.")] = msgspec.field(
        default_factory=list)
    receipt_location: Annotated[Location | None, doc("Where it is received.")] = None
    properties: Properties = msgspec.field(default_factory=list)


class ProductionConfirmation(Entity, frozen=True, kw_only=True, tag="production_confirmation"):
    """A confirmation (a fact): yield, scrap and rework, times and people, for an order or operation.

    A correction is a new confirmation with ``is_reversal`` (and ``reverses_confirmation_id`` where the source
    names the confirmation it cancels), never an edit. ``posting`` says whether it is a request to the ERP or
    a posted fact (docs/model.md, "Posting").
    """

    confirmation_id: Annotated[Identifier, doc("Confirmation key, e.g. SAP RUECK/RMZHL '1234/5'.")]
    order_id: Annotated[Identifier, doc("Order confirmed (AUFNR).")]
    operation_id: Annotated[Identifier | None, doc("Operation confirmed (VORNR); none for order-level.")] = None
    plant: Annotated[Identifier, doc("Plant (WERKS).")]
    company_id: CompanyId = None
    sequence_id: Annotated[Identifier | None, doc("Routing sequence of the operation (SAP APLFL).")] = None
    material_id: Annotated[Identifier | None, doc("Material produced (the order's header material).")] = None
    work_center_id: Annotated[Identifier | None, doc("Work center where it ran (ARBPL).")] = None
    equipment_id: Annotated[Identifier | None, doc("Equipment or line where it ran.")] = None
    yield_quantity: Annotated[Quantity, doc("Good quantity (LMNGA); may be zero.")]
    scrap_quantity: Annotated[Quantity | None, doc("Operation scrap (XMNGA).")] = None
    rework_quantity: Annotated[Quantity | None, doc("Quantity to rework (RMNGA).")] = None
    rejected_quantity: Annotated[Quantity | None, doc(
        "Rejected for disposition, neither good nor scrap yet (Oracle REJECT, D365 error quantity).")] = None
    outputs: Annotated[list[ConfirmationOutput], doc(
        "Outputs reported one by one (main, co- and by-products with lots and serials), where the source does.")] = (
        msgspec.field(default_factory=list))
    serial_numbers: Annotated[list[Identifier], doc("Serial numbers of the good units reported.")] = msgspec.field(
        default_factory=list)
    scrap_reason_code: Annotated[Code | None, doc("Reason for scrap or variance (GRUND).")] = None
    is_final: Annotated[bool, doc("Final confirmation: the operation or order is complete (AUERU).")] = False
    final_confirmation_source_code: Annotated[Code | None, doc(
        "Source final-confirmation mode, verbatim (SAP FIN_CONF: 'X' final, '1' automatic final).")] = None
    clear_open_reservations: Annotated[bool, doc("Close open component reservations (AUSOR).")] = False
    started_at: Annotated[Instant | None, doc("Actual start (ISDD+ISDZ).")] = None
    ended_at: Annotated[Instant | None, doc("Actual end (IEDD+IEDZ).")] = None
    posting_date: Annotated[date | None, doc("Accounting date in the plant's calendar (BUDAT).")] = None
    activities: Annotated[list[ActivityTime], doc("Booked activity times (ISM01..06 / ILE01..06).")] = (
        msgspec.field(default_factory=list))
    personnel_ids: Annotated[list[Identifier], doc("Operators (PERNR).")] = msgspec.field(default_factory=list)
    produced_lot_id: Annotated[Identifier | None, doc("Lot that received the yield (CHARG).")] = None
    material_movement_ids: Annotated[list[Identifier], doc("Goods movements posted with it.")] = msgspec.field(
        default_factory=list)
    reverses_confirmation_id: Annotated[Identifier | None, doc("The earlier confirmation this one cancels.")] = None
    is_reversal: Annotated[bool, doc(
        "Cancels earlier yield; set with reverses_confirmation_id, or alone (Oracle COMPLETE to READY).")] = False
    recorded_at: Annotated[Instant | None, doc("When it was entered in the source (ERSDA+ERZET).")] = None
    posting: Annotated[Posting | None, doc(
        "Requested, posted or failed in the ERP; absent means a posted fact (docs/model.md, 'Posting').")] = None
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        check_window(self.started_at, self.ended_at, "ended_at", "started_at")
        if self.reverses_confirmation_id is not None and not self.is_reversal:
            # 1.0/1.1 writers marked a reversal by its reference only: read it as one
            msgspec.structs.force_setattr(self, "is_reversal", True)
