"""Thin status changes: an order or operation moved to a new status, without a full snapshot.

Sources that announce a change rather than send the order (a D365 "production order released" business
event with the order number and legal entity only; MES start, stop and interrupt messages) map here.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, reject
from mfgcanon.v1.common import CompanyId, Properties, Quantity, Source
from mfgcanon.v1.order import OperationStatus, OrderStatus


def _check_scope(plant: str | None, company_id: str | None) -> None:
    if not plant and not company_id:
        reject("plant", "a status change needs its plant or its company (the order's key is scoped by one)",
               "missing_field")


class OrderStatusChange(Entity, frozen=True, kw_only=True, tag="order_status_change"):
    """An order moved to a new status (released, started, interrupted, reported finished, completed, closed)."""

    order_id: Annotated[Identifier, doc("Order number as people see it.")]
    company_id: CompanyId = None
    plant: Annotated[Identifier | None, doc("Plant, when the source names it (or the lookup resolves it).")] = None
    status: Annotated[OrderStatus, doc("The new canonical status.")]
    status_source_code: Annotated[str | None, doc("The new source status, verbatim.")] = None
    previous_status: Annotated[OrderStatus | None, doc("The status before, when the source says.")] = None
    previous_status_source_code: Annotated[str | None, doc("The source status before, verbatim.")] = None
    reason_code: Annotated[Code | None, doc("Why (an interruption or hold reason).")] = None
    changed_at: Annotated[Instant, doc("When the status changed in the source.")]
    started_quantity: Annotated[Quantity | None, doc("Quantity started, when the message gives it.")] = None
    reported_quantity: Annotated[Quantity | None, doc(
        "Quantity reported (as finished), when the message gives it.")] = None
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        _check_scope(self.plant, self.company_id)


class OperationStatusChange(Entity, frozen=True, kw_only=True, tag="operation_status_change"):
    """An operation started, stopped, was interrupted or finished (MES start/stop, D365 route card start)."""

    order_id: Annotated[Identifier, doc("Order of the operation.")]
    operation_id: Annotated[Identifier, doc("Operation number, verbatim.")]
    sequence_id: Annotated[Identifier | None, doc(
        "Routing sequence of the operation, where the source has one.")] = None
    company_id: CompanyId = None
    plant: Annotated[Identifier | None, doc("Plant, when known.")] = None
    status: Annotated[OperationStatus, doc("The new canonical status.")]
    status_source_code: Annotated[str | None, doc("The new source status or message name, verbatim.")] = None
    previous_status: Annotated[OperationStatus | None, doc("The status before, when the source says.")] = None
    previous_status_source_code: Annotated[str | None, doc("The source status before, verbatim.")] = None
    reason_code: Annotated[Code | None, doc("Why (an interruption reason).")] = None
    changed_at: Annotated[Instant, doc("When the status changed.")]
    work_center_id: Annotated[Identifier | None, doc("Work center where it runs.")] = None
    equipment_id: Annotated[Identifier | None, doc("Equipment where it runs.")] = None
    personnel_ids: Annotated[list[Identifier], doc("Operators who started or stopped it.")] = msgspec.field(
        default_factory=list)
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        _check_scope(self.plant, self.company_id)
