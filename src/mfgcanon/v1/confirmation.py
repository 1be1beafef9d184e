"""Production confirmations: what the shop floor reports back against an order operation."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, check_window
from mfgcanon.v1.common import ActivityTime, Properties, Quantity, Source


class ProductionConfirmation(Entity, frozen=True, kw_only=True, tag="production_confirmation"):
    """A confirmation (a fact): yield, scrap and rework, times and people, for an order or operation.

    A correction is a new confirmation with ``reverses_confirmation_id`` set, never an edit.
    """

    confirmation_id: Annotated[Identifier, doc("Confirmation key, e.g. SAP RUECK/RMZHL '1234/5'.")]
    order_id: Annotated[Identifier, doc("Order confirmed (AUFNR).")]
    operation_id: Annotated[Identifier | None, doc("Operation confirmed (VORNR); none for order-level.")] = None
    plant: Annotated[Identifier, doc("Plant (WERKS).")]
    work_center_id: Annotated[Identifier | None, doc("Work center where it ran (ARBPL).")] = None
    equipment_id: Annotated[Identifier | None, doc("Equipment or line where it ran.")] = None
    yield_quantity: Annotated[Quantity, doc("Good quantity (LMNGA); may be zero.")]
    scrap_quantity: Annotated[Quantity | None, doc("Operation scrap (XMNGA).")] = None
    rework_quantity: Annotated[Quantity | None, doc("Quantity to rework (RMNGA).")] = None
    scrap_reason_code: Annotated[Code | None, doc("Reason for scrap or variance (GRUND).")] = None
    is_final: Annotated[bool, doc("Final confirmation: the operation or order is complete (AUERU).")] = False
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
    recorded_at: Annotated[Instant | None, doc("When it was entered in the source (ERSDA+ERZET).")] = None
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        check_window(self.started_at, self.ended_at, "ended_at", "started_at")

    @property
    def is_reversal(self) -> bool:
        return self.reverses_confirmation_id is not None
