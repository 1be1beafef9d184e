"""Holds and genealogy derived from canonical values (docs/derivations.md): one example per rule, and
properties over the strategies (valid output, events that build, determinism, reversals that net out)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mfgcanon.v1 as v1
from mfgcanon import codecs, errors
from mfgcanon.testing import strategies
from mfgcanon.v1 import derive

from ._support import examples

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=2)
LOT_KEY = "hold:plant/1710/material/RM-1/lot/B1"
MT = v1.MovementType
SS = v1.StockStatus


def _qty(value: str = "10", uom: str = "KGM") -> v1.Quantity:
    return v1.Quantity(value=Decimal(value), uom=uom)


def _source(document_id: str = "4900000123", line: str | None = "1", **changes: Any) -> v1.SourceRef:
    base = v1.SourceRef(system="S4H", document_type="IDOC:MBGMCR03", document_id=document_id, line=line)
    return msgspec.structs.replace(base, **changes)


def _lot(status: v1.LotStatus = v1.LotStatus.RESTRICTED, **changes: Any) -> v1.MaterialLot:
    base = v1.MaterialLot(lot_id="B1", material_id="RM-1", plant="1710", status=status, quantity=_qty("100"),
                          source=v1.SourceRef(system="S4H", document_type="IDOC:BATMAS03", document_id="77"))
    return msgspec.structs.replace(base, **changes)


def _move(kind: v1.MovementType = MT.STATUS_CHANGE, before: v1.StockStatus | None = SS.UNRESTRICTED,
          after: v1.StockStatus | None = SS.BLOCKED, **changes: Any) -> v1.MaterialMovement:
    base = v1.MaterialMovement(
        movement_id="4900000123/2026/1", movement_type=kind, plant="1710", material_id="RM-1", quantity=_qty("5"),
        lot_id="B1", from_stock_status=before, to_stock_status=after, occurred_at=T0, source=_source(),
        to_location=v1.Location(plant="1710", storage_location="0001"))
    return msgspec.structs.replace(base, **changes)


def _inspection(decision: v1.UsageDecision | None = v1.UsageDecision.REJECT, **changes: Any) -> v1.QualityInspection:
    base = v1.QualityInspection(
        inspection_id="890000000001", plant="1710", inspected=v1.InspectedItem(material_id="RM-1", lot_id="B1"),
        status=v1.InspectionStatus.COMPLETED, usage_decision=decision, decided_at=T0, decided_by="QM01",
        source=v1.SourceRef(system="S4H", document_type="IDOC:QALITY02", document_id="55"))
    return msgspec.structs.replace(base, **changes)


def _event(hold: v1.Nonconformance) -> v1.CloudEvent:
    return derive.derived_events([hold])[0]


# --------------------------------------------------------------------------------------------------
# lot status


@pytest.mark.parametrize("status", sorted(derive.HOLD_LOT_STATUSES))
def test_a_lot_in_a_hold_status_places_a_hold(status: v1.LotStatus) -> None:
    [hold] = derive.holds_from_lot(_lot(status), at=T0)
    assert hold.nonconformance_id == LOT_KEY
    assert hold.category is v1.NonconformanceKind.HOLD
    assert hold.status is v1.NonconformanceStatus.OPEN
    assert hold.hold == v1.QualityHold(is_active=True, placed_at=T0, reason_code=f"lot_{status.value}")
    assert hold.affected == v1.InspectedItem(material_id="RM-1", lot_id="B1")
    assert hold.affected_quantity == _qty("100")
    assert hold.detected_at == T0
    event = _event(hold)
    assert isinstance(event, v1.QualityHoldPlaced)
    assert (event.subject, event.partitionkey, event.time) == ("lot/RM-1/B1", "RM-1|B1", T0)


@pytest.mark.parametrize("status", [v1.LotStatus.RELEASED, v1.LotStatus.EXPIRED, v1.LotStatus.CONSUMED,
                                    v1.LotStatus.OTHER])
def test_a_lot_in_another_status_without_previous_derives_nothing(status: v1.LotStatus) -> None:
    """A released snapshot alone cannot tell a release from a plain update."""
    assert derive.holds_from_lot(_lot(status), at=T0) == []


def test_a_lot_going_back_to_released_releases_the_hold_it_was_placed_under() -> None:
    [placed] = derive.holds_from_lot(_lot(v1.LotStatus.QUARANTINE), at=T0)
    [released] = derive.holds_from_lot(_lot(v1.LotStatus.RELEASED), _lot(v1.LotStatus.QUARANTINE), at=T1)
    assert released.nonconformance_id == placed.nonconformance_id
    assert released.status is v1.NonconformanceStatus.CLOSED
    assert released.closed_at == T1
    assert released.hold == v1.QualityHold(is_active=False, placed_at=T1, released_at=T1,
                                           reason_code="lot_quarantine")
    assert released.detected_at is None
    assert isinstance(_event(released), v1.QualityHoldReleased)
    assert _event(released).id != _event(placed).id


@pytest.mark.parametrize(("before", "after", "expected"), [
    (v1.LotStatus.RESTRICTED, v1.LotStatus.BLOCKED, None),  # still on hold: nothing new
    (v1.LotStatus.RELEASED, v1.LotStatus.RESTRICTED, True),
    (v1.LotStatus.EXPIRED, v1.LotStatus.BLOCKED, True),
    (v1.LotStatus.RELEASED, v1.LotStatus.RELEASED, None),
    (v1.LotStatus.BLOCKED, v1.LotStatus.EXPIRED, None),  # not a release: the lot is not usable
    (v1.LotStatus.REJECTED, v1.LotStatus.RELEASED, False),
])
def test_with_previous_only_entering_or_leaving_a_hold_derives(before: v1.LotStatus, after: v1.LotStatus,
                                                                expected: bool | None) -> None:
    holds = derive.holds_from_lot(_lot(after), _lot(before), at=T0)
    assert [hold.hold.is_active for hold in holds if hold.hold is not None] == ([] if expected is None
                                                                                 else [expected])


def test_a_partial_update_without_status_derives_nothing() -> None:
    partial = _lot(v1.LotStatus.RESTRICTED, partial_fields=["quantity"])
    assert derive.holds_from_lot(partial, at=T0) == []
    with_status = _lot(v1.LotStatus.RESTRICTED, partial_fields=["status"], quantity=None)
    [hold] = derive.holds_from_lot(with_status, at=T0)
    assert hold.affected_quantity is None
    # a previous partial snapshot without status does not tell the status before: a release cannot be seen
    previous = _lot(v1.LotStatus.RESTRICTED, partial_fields=["quantity"])
    assert derive.holds_from_lot(_lot(v1.LotStatus.RELEASED), previous, at=T0) == []


def test_a_lot_without_plant_takes_the_plant_argument_or_fails() -> None:
    lot = _lot(plant=None)
    with pytest.raises(errors.ValidationError) as caught:
        derive.holds_from_lot(lot, at=T0)
    assert (caught.value.code, caught.value.path) == ("missing_field", "$.plant")
    [hold] = derive.holds_from_lot(lot, at=T0, plant="1710")
    assert hold.nonconformance_id == LOT_KEY
    assert hold.plant == "1710"
    [own] = derive.holds_from_lot(_lot(), at=T0, plant="9999")  # the lot's own plant wins
    assert own.plant == "1710"


def test_the_time_of_a_lot_hold_is_the_given_business_time_in_utc() -> None:
    local = datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    [hold] = derive.holds_from_lot(_lot(), at=local)
    assert hold.hold is not None
    assert hold.hold.placed_at == T0
    assert hold.hold.placed_at.tzinfo is UTC
    with pytest.raises(errors.ValidationError) as caught:
        derive.holds_from_lot(_lot(), at=datetime(2026, 3, 1, 8, 0))
    assert caught.value.code == "naive_datetime"


def test_previous_must_be_the_same_lot() -> None:
    with pytest.raises(errors.ValidationError) as caught:
        derive.holds_from_lot(_lot(v1.LotStatus.RELEASED), _lot(lot_id="B2"), at=T0)
    assert caught.value.code == "constraint_violation"


def test_the_hold_key_is_scoped_by_company_and_escapes_its_keys() -> None:
    [hold] = derive.holds_from_lot(_lot(company_id="1010", material_id="RM/1", lot_id="B:1"), at=T0)
    assert hold.nonconformance_id == "hold:company/1010/plant/1710/material/RM%2F1/lot/B%3A1"
    assert derive.hold_id("1710", material_id="M") == "hold:plant/1710/material/M"
    assert derive.hold_id("1710", inspection_id="I") == "hold:plant/1710/inspection/I"
    long_key = derive.hold_id("1710", material_id="M" * 255, lot_id="L")
    assert long_key.startswith("hold:sha256:")
    assert len(long_key) == len("hold:sha256:") + 32
    assert long_key == derive.hold_id("1710", material_id="M" * 255, lot_id="L")
    with pytest.raises(errors.ValidationError):
        derive.hold_id("1710")


# --------------------------------------------------------------------------------------------------
# stock status


def test_a_status_change_into_blocked_stock_places_a_hold() -> None:
    movement = _move(reason_code="0001")
    [hold] = derive.holds_from_movement(movement)
    assert hold.nonconformance_id == LOT_KEY
    assert hold.affected_quantity == _qty("5")
    assert hold.hold == v1.QualityHold(is_active=True, placed_at=T0, reason_code="stock_blocked")
    assert hold.reason_code == "0001"
    assert hold.detected_location == movement.to_location
    assert hold.source == _source(document_type="mfgcanon.hold/IDOC:MBGMCR03", line=f"1#{LOT_KEY}")
    assert _event(hold).id != v1.movement_event(movement).id


@pytest.mark.parametrize("before", [SS.BLOCKED, SS.QUALITY_INSPECTION])
def test_back_to_unrestricted_releases_the_same_hold(before: v1.StockStatus) -> None:
    [hold] = derive.holds_from_movement(_move(before=before, after=SS.UNRESTRICTED))
    assert hold.nonconformance_id == LOT_KEY
    assert hold.hold == v1.QualityHold(is_active=False, placed_at=T0, released_at=T0,
                                       reason_code=f"stock_{before.value}")
    assert isinstance(_event(hold), v1.QualityHoldReleased)


def test_a_reversal_moves_stock_the_other_way() -> None:
    """SAP 322 (reversal of 321, quality inspection to unrestricted) puts the stock back into inspection."""
    [placed] = derive.holds_from_movement(_move(before=SS.QUALITY_INSPECTION, after=SS.UNRESTRICTED,
                                                is_reversal=True))
    assert placed.hold is not None
    assert placed.hold.is_active
    assert placed.hold.reason_code == "stock_quality_inspection"
    [released] = derive.holds_from_movement(_move(is_reversal=True))  # reversal of 344, into blocked
    assert released.hold is not None
    assert not released.hold.is_active
    assert released.nonconformance_id == placed.nonconformance_id


@pytest.mark.parametrize("movement", [
    _move(before=SS.BLOCKED, after=SS.BLOCKED, movement_type=MT.TRANSFER),  # blocked stock moved, still blocked
    _move(kind=MT.GOODS_ISSUE),
    _move(kind=MT.GOODS_RECEIPT, before=None, after=SS.QUALITY_INSPECTION),
    _move(before=SS.BLOCKED, after=SS.RESTRICTED),
    _move(before=SS.UNRESTRICTED, after=SS.RESTRICTED),
    _move(before=SS.UNRESTRICTED, after=None),
    _move(posting=v1.Posting(state=v1.PostingState.REQUESTED)),
    _move(posting=v1.Posting(state=v1.PostingState.FAILED)),
], ids=["blocked-to-blocked", "issue", "receipt", "blocked-to-restricted", "to-restricted", "to-unknown",
        "requested", "failed"])
def test_movements_that_neither_place_nor_release(movement: v1.MaterialMovement) -> None:
    assert derive.holds_from_movement(movement) == []


def test_a_transfer_into_quality_inspection_places_a_hold_and_posted_requests_count() -> None:
    movement = _move(kind=MT.TRANSFER, before=None, after=SS.QUALITY_INSPECTION,
                     posting=v1.Posting(state=v1.PostingState.POSTED))
    [hold] = derive.holds_from_movement(movement)
    assert hold.hold is not None
    assert hold.hold.is_active


def test_a_movement_of_several_lots_places_one_hold_per_lot() -> None:
    lots = [v1.MovementLot(lot_id="B1", quantity=_qty("2"), sub_lot_id="HU1", serial_numbers=["S1"]),
            v1.MovementLot(lot_id="B2", quantity=_qty("1")),
            v1.MovementLot(lot_id="B1", quantity=_qty("2"), sub_lot_id="HU2", serial_numbers=["S1", "S2"])]
    holds = derive.holds_from_movement(_move(lots=lots, lot_id=None))
    assert [hold.nonconformance_id for hold in holds] == [LOT_KEY, "hold:plant/1710/material/RM-1/lot/B2"]
    assert holds[0].affected == v1.InspectedItem(material_id="RM-1", lot_id="B1", serial_numbers=["S1", "S2"])
    assert [hold.affected_quantity for hold in holds] == [_qty("4"), _qty("1")]
    events = derive.derived_events(holds)
    assert len({event.id for event in events}) == 2


def test_a_movement_without_lot_holds_the_material_stock() -> None:
    [hold] = derive.holds_from_movement(_move(lot_id=None, sub_lot_id="HU9", company_id="1010"))
    assert hold.nonconformance_id == "hold:company/1010/plant/1710/material/RM-1"
    assert hold.affected == v1.InspectedItem(material_id="RM-1", sub_lot_id="HU9")
    assert _event(hold).subject == "company/1010/material/RM-1"


def test_two_channels_of_one_business_document_derive_one_event_id() -> None:
    idoc = _move(source=_source(business_document_id="4900000123/2026/1"))
    odata = _move(source=v1.SourceRef(system="S4H", document_type="ODATA:A_MaterialDocumentItem",
                                      document_id="x", business_document_id="4900000123/2026/1"))
    [from_idoc], [from_odata] = derive.holds_from_movement(idoc), derive.holds_from_movement(odata)
    assert _event(from_idoc).id == _event(from_odata).id
    assert _event(from_idoc).id != v1.movement_event(idoc).id
    assert from_idoc.source is not None
    assert from_idoc.source.business_document_id == f"4900000123/2026/1#{LOT_KEY}"
    long = _move(source=_source(business_document_id="D" * 250))
    [hold] = derive.holds_from_movement(long)
    assert hold.source is not None
    assert hold.source.business_document_id is not None
    assert hold.source.business_document_id.startswith("hold:sha256:")


def test_an_origin_without_source_derives_without_source() -> None:
    [hold] = derive.holds_from_movement(_move(source=None))
    assert hold.source is None
    assert _event_with_system(hold).id == _event_with_system(hold).id


def _event_with_system(hold: v1.Nonconformance) -> v1.CloudEvent:
    return derive.derived_events([hold], source_system="S4H")[0]


# --------------------------------------------------------------------------------------------------
# usage decisions


def test_a_rejecting_usage_decision_places_a_hold_on_the_inspected_item() -> None:
    [hold] = derive.holds_from_inspection(_inspection())
    assert hold.nonconformance_id == LOT_KEY
    assert hold.affected == v1.InspectedItem(material_id="RM-1", lot_id="B1")
    assert hold.hold == v1.QualityHold(is_active=True, placed_at=T0, placed_by="QM01",
                                       reason_code="usage_decision_reject")
    assert isinstance(_event(hold), v1.QualityHoldPlaced)


@pytest.mark.parametrize("decision", [v1.UsageDecision.ACCEPT, v1.UsageDecision.CONDITIONAL_ACCEPT])
def test_an_accepting_decision_on_the_lot_releases_the_hold(decision: v1.UsageDecision) -> None:
    """Paired by material and lot: a later inspection lot of the same batch releases it."""
    [released] = derive.holds_from_inspection(_inspection(decision, inspection_id="890000000002", decided_at=T1))
    assert released.nonconformance_id == LOT_KEY
    assert released.hold == v1.QualityHold(is_active=False, placed_at=T1, released_at=T1, released_by="QM01")


@pytest.mark.parametrize("decision", [v1.UsageDecision.REWORK, v1.UsageDecision.OTHER, None])
def test_other_decisions_derive_nothing(decision: v1.UsageDecision | None) -> None:
    assert derive.holds_from_inspection(_inspection(decision)) == []


def test_an_inspection_without_material_or_lot_is_keyed_by_itself() -> None:
    item = v1.InspectedItem(order_id="1000123", operation_id="0010")
    [placed] = derive.holds_from_inspection(_inspection(inspected=item))
    [released] = derive.holds_from_inspection(_inspection(v1.UsageDecision.ACCEPT, inspected=item))
    assert placed.nonconformance_id == released.nonconformance_id == "hold:plant/1710/inspection/890000000001"
    assert placed.affected == item
    assert _event(placed).subject == "production-order/1710/1000123"


def test_a_decision_without_time_takes_at_or_fails() -> None:
    undated = _inspection(decided_at=None)
    with pytest.raises(errors.ValidationError) as caught:
        derive.holds_from_inspection(undated)
    assert (caught.value.code, caught.value.path) == ("missing_field", "$.decided_at")
    [hold] = derive.holds_from_inspection(undated, at=T1)
    assert hold.hold is not None
    assert hold.hold.placed_at == T1
    [own] = derive.holds_from_inspection(_inspection(), at=T1)  # decided_at wins
    assert own.hold is not None
    assert own.hold.placed_at == T0


def test_a_partial_inspection_without_usage_decision_derives_nothing() -> None:
    assert derive.holds_from_inspection(_inspection(partial_fields=["results"])) == []
    assert len(derive.holds_from_inspection(_inspection(partial_fields=["usage_decision"]))) == 1


def test_holds_from_every_origin_of_one_lot_share_the_key() -> None:
    """The batch, its stock and its inspection report one hold: the latest signal is its state."""
    ids = {hold.nonconformance_id for hold in [*derive.holds_from_lot(_lot(), at=T0),
                                               *derive.holds_from_movement(_move()),
                                               *derive.holds_from_inspection(_inspection())]}
    assert ids == {LOT_KEY}


# --------------------------------------------------------------------------------------------------
# genealogy


def _gm(movement_id: str, kind: v1.MovementType, lot: str | None, value: str = "10", *, material: str = "RM-1",
        order: str | None = "1000123", at: datetime = T0, uom: str = "KGM", **changes: Any) -> v1.MaterialMovement:
    return v1.MaterialMovement(
        movement_id=movement_id, movement_type=kind, plant="1710", material_id=material, quantity=_qty(value, uom),
        lot_id=lot, order_id=order, occurred_at=at, source=_source(document_id=movement_id.split("/")[0]),
        **changes)


def _pairs(links: list[v1.GenealogyLink]) -> list[tuple[str | None, str | None, Decimal | None]]:
    return [(link.child.lot_id, link.parent.lot_id, link.quantity.value if link.quantity else None)
            for link in links]


def test_each_consumed_lot_is_linked_to_each_produced_lot_of_the_order() -> None:
    movements = [
        _gm("1/1", MT.GOODS_ISSUE, "C1", "4", at=T0),
        _gm("1/2", MT.GOODS_ISSUE, "C2", "6", material="RM-2", at=T0),
        _gm("2/1", MT.GOODS_RECEIPT, "P1", "50", material="FG-1", at=T1),
        _gm("1/3", MT.GOODS_ISSUE, "C1", "1", at=T0 + timedelta(hours=3)),  # after the receipt
    ]
    links = derive.genealogy_from_movements(movements)
    assert _pairs(links) == [("C1", "P1", Decimal("5")), ("C2", "P1", Decimal("6"))]
    first, second = links
    assert first.relationship is v1.GenealogyRelationship.CONSUMED_INTO
    assert first.child == v1.LotItem(material_id="RM-1", lot_id="C1")
    assert first.parent == v1.LotItem(material_id="FG-1", lot_id="P1")
    assert (first.plant, first.order_id, first.company_id) == ("1710", "1000123", None)
    assert first.occurred_at == T0 + timedelta(hours=3)
    assert second.occurred_at == T1
    assert first.source is not None
    assert first.source.document_id == "1"
    assert first.source.document_type == "mfgcanon.genealogy/IDOC:MBGMCR03"
    assert first.source.line == f"1#{first.link_id}"
    assert second.source is not None
    assert second.source.document_id == "2"
    assert first.link_id.startswith("genealogy:")
    assert first.link_id != second.link_id
    events = derive.derived_events(links)
    assert all(isinstance(event, v1.GenealogyLinked) for event in events)
    assert events[0].subject == "lot/FG-1/P1"
    assert events[0].id != events[1].id


def test_a_reversed_issue_nets_out_and_a_partial_reversal_subtracts() -> None:
    receipt = _gm("2/1", MT.GOODS_RECEIPT, "P1", material="FG-1")
    issue = _gm("1/1", MT.GOODS_ISSUE, "C1", "10")
    reversal = _gm("3/1", MT.GOODS_ISSUE, "C1", "10", is_reversal=True, reverses_movement_id="1/1", at=T1)
    assert derive.genealogy_from_movements([issue, reversal, receipt]) == []
    partial = msgspec.structs.replace(reversal, quantity=_qty("2.5"))
    [link] = derive.genealogy_from_movements([issue, partial, receipt])
    assert link.quantity == _qty("7.5")
    assert link.occurred_at == T1
    receipt_reversal = _gm("4/1", MT.GOODS_RECEIPT, "P1", material="FG-1", is_reversal=True)
    assert derive.genealogy_from_movements([issue, receipt, receipt_reversal]) == []
    assert derive.genealogy_from_movements([reversal, receipt]) == []  # a reversal alone is negative: no link


def test_a_new_movement_keeps_the_link_id_and_changes_the_event_id() -> None:
    receipt = _gm("2/1", MT.GOODS_RECEIPT, "P1", material="FG-1")
    issue = _gm("1/1", MT.GOODS_ISSUE, "C1", "10")
    [before] = derive.genealogy_from_movements([issue, receipt])
    [after] = derive.genealogy_from_movements([issue, receipt, _gm("1/2", MT.GOODS_ISSUE, "C1", "1")])
    assert before.link_id == after.link_id
    assert after.quantity == _qty("11")
    [event_before, event_after] = derive.derived_events([before, after])
    assert event_before.id != event_after.id


def test_several_lots_of_one_movement_expand_per_lot() -> None:
    lots = [v1.MovementLot(lot_id="C1", quantity=_qty("3")), v1.MovementLot(lot_id="C2", quantity=_qty("4")),
            v1.MovementLot(lot_id="C1", quantity=_qty("1"))]
    issue = _gm("1/1", MT.GOODS_ISSUE, None, "8", lots=lots)
    receipts = [_gm("2/1", MT.GOODS_RECEIPT, None, "2", material="FG-1",
                    lots=[v1.MovementLot(lot_id="P1", quantity=_qty("1")),
                          v1.MovementLot(lot_id="P2", quantity=_qty("1"))])]
    links = derive.genealogy_from_movements([issue, *receipts])
    assert _pairs(links) == [("C1", "P1", Decimal("4")), ("C1", "P2", Decimal("4")), ("C2", "P1", Decimal("4")),
                             ("C2", "P2", Decimal("4"))]


def test_no_lot_is_linked_to_itself_nor_across_orders_nor_without_lots() -> None:
    movements = [
        _gm("1/1", MT.GOODS_ISSUE, "L1", material="FG-1"),  # rework: the lot goes in and comes out
        _gm("2/1", MT.GOODS_RECEIPT, "L1", material="FG-1"),
        _gm("3/1", MT.GOODS_ISSUE, "X1", order="2000"),  # another order
        _gm("4/1", MT.GOODS_ISSUE, None),  # no lot
        _gm("5/1", MT.GOODS_ISSUE, "C1", order=None),  # no order
        _gm("6/1", MT.SCRAP, "C9"),  # not an issue
    ]
    assert derive.genealogy_from_movements(movements) == []


def test_only_posted_facts_count_each_once() -> None:
    receipt = _gm("2/1", MT.GOODS_RECEIPT, "P1", material="FG-1")
    requested = _gm("1/1", MT.GOODS_ISSUE, "C1",
                    posting=v1.Posting(state=v1.PostingState.REQUESTED, external_id="MES-1"))
    assert derive.genealogy_from_movements([requested, receipt]) == []
    failed = msgspec.structs.replace(requested, posting=v1.Posting(state=v1.PostingState.FAILED))
    assert derive.genealogy_from_movements([failed, receipt]) == []
    result = v1.PostingResult(result_id="R1", outcome=v1.PostingState.POSTED,
                              request_kind=v1.RequestKind.MATERIAL_MOVEMENT, request_external_id="MES-1",
                              target_system="S4H", processed_at=T1)
    [link] = derive.genealogy_from_movements([requested, result, receipt])
    assert link.quantity == _qty("10")
    twice = _gm("1/1", MT.GOODS_ISSUE, "C1")  # one fact delivered by two channels
    [once] = derive.genealogy_from_movements([twice, twice, receipt])
    assert once.quantity == _qty("10")


def test_issues_in_several_units_are_converted_to_the_first() -> None:
    receipt = _gm("2/1", MT.GOODS_RECEIPT, "P1", material="FG-1")
    issues = [_gm("1/1", MT.GOODS_ISSUE, "C1", "2", uom="KGM"),
              _gm("1/2", MT.GOODS_ISSUE, "C1", "500", uom="GRM", at=T1)]
    [link] = derive.genealogy_from_movements([*issues, receipt])
    assert link.quantity == _qty("2.5")
    pieces = _gm("1/3", MT.GOODS_ISSUE, "C1", "1", uom="H87", at=T1)
    with pytest.raises(errors.UnitError) as caught:
        derive.genealogy_from_movements([issues[0], pieces, receipt])
    assert caught.value.code == "incompatible_units"
    assert "1/3" in caught.value.message


def test_derived_events_refuses_other_entities() -> None:
    with pytest.raises(errors.EventError) as caught:
        derive.derived_events([_lot()])  # type: ignore[list-item]
    assert caught.value.code == "constraint_violation"


# --------------------------------------------------------------------------------------------------
# properties


def _check_holds(holds: list[v1.Nonconformance]) -> None:
    for hold in holds:
        assert codecs.validate(hold) == hold
        assert hold.category is v1.NonconformanceKind.HOLD
        assert hold.hold is not None
        event = derive.derived_events([hold], source_system="S")[0]
        assert isinstance(event, v1.QualityHoldPlaced if hold.hold.is_active else v1.QualityHoldReleased)
        assert event.time == (hold.hold.placed_at if hold.hold.is_active else hold.hold.released_at)
    ids = [event.id for event in derive.derived_events(holds, source_system="S")]
    assert len(set(ids)) == len(ids)


@examples(dev=60, ci=200)
@given(movement=strategies.material_movements(), kind=st.sampled_from([MT.STATUS_CHANGE, MT.TRANSFER]))
def test_holds_from_any_movement_validate_build_events_and_are_deterministic(
        movement: v1.MaterialMovement, kind: v1.MovementType) -> None:
    for candidate in (movement, msgspec.structs.replace(movement, movement_type=kind)):
        holds = derive.holds_from_movement(candidate)
        _check_holds(holds)
        assert holds == derive.holds_from_movement(candidate)
        assert len(holds) <= max(1, len(candidate.lots))


@examples(dev=60, ci=200)
@given(movement=strategies.material_movements(), after=st.sampled_from(sorted(derive.HOLD_STOCK_STATUSES)))
def test_a_reversal_releases_what_its_original_placed(movement: v1.MaterialMovement,
                                                      after: v1.StockStatus) -> None:
    original = msgspec.structs.replace(movement, movement_type=MT.STATUS_CHANGE, from_stock_status=SS.UNRESTRICTED,
                                       to_stock_status=after, is_reversal=False, posting=None)
    reversal = msgspec.structs.replace(original, is_reversal=True)
    placed, released = derive.holds_from_movement(original), derive.holds_from_movement(reversal)
    assert [hold.nonconformance_id for hold in placed] == [hold.nonconformance_id for hold in released]
    assert placed
    assert all(hold.hold is not None and hold.hold.is_active for hold in placed)
    assert all(hold.hold is not None and not hold.hold.is_active for hold in released)


@examples(dev=60, ci=200)
@given(lot=strategies.material_lots(), previous=strategies.material_lots(), at=strategies.instants(),
       plant=strategies.identifiers())
def test_holds_from_any_lot_validate_and_build_events(lot: v1.MaterialLot, previous: v1.MaterialLot, at: datetime,
                                                      plant: str) -> None:
    previous = msgspec.structs.replace(previous, material_id=lot.material_id, lot_id=lot.lot_id)
    for before in (None, previous):
        holds = derive.holds_from_lot(lot, before, at=at, plant=plant)
        _check_holds(holds)
        assert holds == derive.holds_from_lot(lot, before, at=at, plant=plant)
        if lot.partial_fields and "status" not in lot.partial_fields:
            assert holds == []
        for hold in holds:
            assert hold.hold is not None
            assert hold.hold.is_active == (lot.status in derive.HOLD_LOT_STATUSES)


@examples(dev=60, ci=200)
@given(inspection=strategies.quality_inspections(), at=strategies.instants())
def test_holds_from_any_inspection_validate_and_build_events(inspection: v1.QualityInspection,
                                                             at: datetime) -> None:
    holds = derive.holds_from_inspection(inspection, at=at)
    _check_holds(holds)
    assert holds == derive.holds_from_inspection(inspection, at=at)
    expected = 0 if inspection.partial_fields and "usage_decision" not in inspection.partial_fields else (
        1 if inspection.usage_decision in (v1.UsageDecision.REJECT, v1.UsageDecision.ACCEPT,
                                           v1.UsageDecision.CONDITIONAL_ACCEPT) else 0)
    assert len(holds) == expected


_SMALL = st.sampled_from(["A", "B", "C"])


@st.composite
def _order_movements(draw: st.DrawFn) -> list[v1.MaterialMovement]:
    """Issues and receipts of two orders over a few materials and lots, each movement a distinct fact (built
    from a few fields, not the whole entity strategy: lists of whole movements shrink too slowly)."""
    movements = []
    for index in range(draw(st.integers(2, 8))):
        uom = draw(st.sampled_from(["KGM", "GRM"]))
        lot_ids = draw(st.lists(_SMALL, max_size=3))
        values = [Decimal(draw(st.integers(0, 10**6))).scaleb(-3) for _ in lot_ids]
        total = sum(values, Decimal(0)) if lot_ids else Decimal(draw(st.integers(0, 10**6))).scaleb(-3)
        movements.append(v1.MaterialMovement(
            movement_id=f"M{index}", movement_type=draw(st.sampled_from([MT.GOODS_ISSUE, MT.GOODS_RECEIPT])),
            plant="1710", company_id=draw(st.sampled_from([None, "1010"])),
            order_id=draw(st.sampled_from(["O1", "O2"])),
            material_id=draw(_SMALL), lot_id=draw(st.one_of(_SMALL, st.none())),
            quantity=v1.Quantity(value=total, uom=uom),
            lots=[v1.MovementLot(lot_id=lot_id, quantity=v1.Quantity(value=value, uom=uom))
                  for lot_id, value in zip(lot_ids, values, strict=True)],
            is_reversal=draw(st.sampled_from([False, False, False, True])), occurred_at=draw(strategies.instants()),
            posting=draw(st.one_of(st.none(), st.none(), st.none(),
                                   st.builds(v1.Posting, state=st.sampled_from(list(v1.PostingState))))),
            source=draw(st.one_of(st.none(), strategies.for_type(v1.SourceRef)))))
    return movements


@examples(dev=60, ci=200)
@given(movements=_order_movements(), seed=st.integers(0, 2**16))
def test_genealogy_links_are_valid_deterministic_and_never_self(movements: list[v1.MaterialMovement],
                                                                 seed: int) -> None:
    links = derive.genealogy_from_movements(movements)
    shuffled = list(movements)
    random.Random(seed).shuffle(shuffled)
    assert derive.genealogy_from_movements(shuffled) == links  # neither input order nor run changes a link
    for link in links:
        assert codecs.validate(link) == link
        assert link.parent != link.child
        assert link.quantity is not None
        assert link.quantity.value > 0
    assert len({link.link_id for link in links}) == len(links)
    events = derive.derived_events(links, source_system="S")
    assert len({event.id for event in events}) == len(events)


@examples(dev=60, ci=200)
@given(movements=_order_movements())
def test_a_reversal_pair_nets_to_no_link(movements: list[v1.MaterialMovement]) -> None:
    issues = [msgspec.structs.replace(m, movement_type=MT.GOODS_ISSUE, is_reversal=False, posting=None)
              for m in movements]
    reversals = [msgspec.structs.replace(m, movement_id=f"R{m.movement_id}", is_reversal=True,
                                         reverses_movement_id=m.movement_id) for m in issues]
    receipts = [msgspec.structs.replace(m, movement_id=f"G{m.movement_id}", movement_type=MT.GOODS_RECEIPT,
                                        material_id="FG", is_reversal=False, posting=None) for m in movements]
    assert derive.genealogy_from_movements([*issues, *reversals, *receipts]) == []
    kept = derive.genealogy_from_movements([*issues, *receipts])
    assert all(link.child.material_id != "FG" for link in kept)
