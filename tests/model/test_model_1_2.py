"""Schema 1.2.0: posting states and the counting rule, status changes, company scope, snapshot ids,
channel-neutral ids, partial snapshots, deletions and the error contract of hand-built values."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mfgcanon
import mfgcanon.v1 as v1
from mfgcanon import errors
from mfgcanon.testing import strategies

from ._support import examples

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SAP = v1.SourceRef(system="S4H", document_type="IDOC:PPCC2PRETTICKET", document_id="0000000000004711")


def _qty(value: str = "10", uom: str = "H87") -> v1.Quantity:
    return v1.Quantity(value=Decimal(value), uom=uom)


def _confirmation(**changes: Any) -> v1.ProductionConfirmation:
    base = v1.ProductionConfirmation(
        confirmation_id="MES-1", order_id="1000123", operation_id="0010", plant="1710",
        yield_quantity=_qty("98"), scrap_quantity=_qty("2"), ended_at=T0, source=SAP)
    return msgspec.structs.replace(base, **changes)


def _requested(external_id: str = "MES-TX-1", **changes: Any) -> v1.ProductionConfirmation:
    posting = v1.Posting(state=v1.PostingState.REQUESTED, external_id=external_id, target_system="S4H",
                         requested_at=T0)
    return _confirmation(posting=posting, **changes)


def _posted(external_id: str = "MES-TX-1") -> v1.ProductionConfirmation:
    posting = v1.Posting(state=v1.PostingState.POSTED, external_id=external_id, target_system="S4H",
                         document_id="123/1", requested_at=T0, posted_at=T0 + timedelta(seconds=4))
    source = v1.SourceRef(system="S4H", document_type="ODATA:A_ProdnOrdConf2", document_id="123/1")
    return _confirmation(confirmation_id="123/1", posting=posting, source=source)


def _result(outcome: v1.PostingState, external_id: str = "MES-TX-1") -> v1.PostingResult:
    messages = [] if outcome is v1.PostingState.POSTED else [
        v1.PostingMessage(severity=v1.MessageSeverity.ERROR, severity_source_code="E", code="RU/505",
                          text="Order 1000123 is locked")]
    return v1.PostingResult(
        result_id=f"resp-{external_id}", outcome=outcome, request_kind=v1.RequestKind.CONFIRMATION,
        request_external_id=external_id, target_system="S4H", plant="1710", order_id="1000123",
        messages=messages, processed_at=T0 + timedelta(seconds=5),
        source=v1.SourceRef(system="S4H", document_type="RFC:CO_MES_PRODORDCONF_CREATE_TT", document_id="r1"))


# --- posting and the counting rule ----------------------------------------------------------------


def test_request_and_posted_record_of_one_fact_count_once() -> None:
    facts = v1.count_once([_requested(), _posted()])
    assert len(facts) == 1
    assert facts[0].state is v1.PostingState.POSTED
    assert facts[0].entity.confirmation_id == "123/1"  # the ERP's record is the one kept


def test_a_posting_result_sets_the_state_of_its_request_and_adds_no_fact() -> None:
    facts = v1.count_once([_requested(), _result(v1.PostingState.POSTED)])
    assert [(f.state, len(f.results)) for f in facts] == [(v1.PostingState.POSTED, 1)]
    failed = v1.count_once([_requested("TX-2"), _result(v1.PostingState.FAILED, "TX-2")])
    assert [f.state for f in failed] == [v1.PostingState.FAILED]
    assert failed[0].results[0].messages[0].code == "RU/505"


def test_a_retry_that_succeeds_after_a_failure_is_posted_and_counted_once() -> None:
    stream = [_requested(), _result(v1.PostingState.FAILED), _requested(), _result(v1.PostingState.POSTED)]
    facts = v1.count_once(stream)
    assert [f.state for f in facts] == [v1.PostingState.POSTED]
    assert len(facts[0].results) == 2


def test_facts_without_a_posting_block_are_posted_facts_and_events_work_like_entities() -> None:
    legacy = _confirmation(confirmation_id="77/1")
    event = v1.build_event(v1.ProductionConfirmed, _requested("TX-9"), time=T0)
    facts = v1.count_once([legacy, event])
    assert sorted(f.state.value for f in facts) == ["posted", "requested"]


def test_posting_events_check_their_outcome() -> None:
    ok = v1.build_event(v1.PostingSucceeded, _result(v1.PostingState.POSTED), time=T0)
    assert type(ok).event_type() == "mfgcanon.integration.posting_succeeded.v1"
    assert ok.subject == "production-order/1710/1000123"  # lands with the order's other events
    with pytest.raises(errors.EventError):
        v1.build_event(v1.PostingSucceeded, _result(v1.PostingState.FAILED), time=T0)
    failed = v1.build_event(v1.PostingFailed, _result(v1.PostingState.FAILED), time=T0)
    assert mfgcanon.decode(mfgcanon.encode(failed)) == failed


def test_a_posting_result_must_name_its_request_and_be_an_outcome() -> None:
    with pytest.raises(errors.ValidationError, match="must name its request"):
        msgspec.structs.replace(_result(v1.PostingState.POSTED), request_external_id=None)
    with pytest.raises(errors.ValidationError, match="is an outcome"):
        msgspec.structs.replace(_result(v1.PostingState.POSTED), outcome=v1.PostingState.REQUESTED)


# --- status changes and order events ---------------------------------------------------------------


def test_a_d365_released_business_event_is_a_status_change_with_company_and_order_only() -> None:
    change = v1.OrderStatusChange(order_id="P000123", company_id="usmf", status=v1.OrderStatus.RELEASED,
                                  status_source_code="Released", changed_at=T0,
                                  source=v1.SourceRef(system="D365", document_type="BusinessEvent",
                                                      document_id="evt-1"))
    event = v1.build_event(v1.ProductionOrderStatusChanged, change)
    assert event.subject == "company/usmf/production-order/P000123"
    assert event.partitionkey == "usmf|P000123"
    assert event.time == T0
    snapshot = v1.ProductionOrder(order_id="P000123", plant="1", company_id="usmf", status=v1.OrderStatus.RELEASED,
                                  material_id="D0001", planned_quantity=_qty(), source=change.source)
    released = v1.build_event(v1.ProductionOrderReleased, snapshot, time=T0)
    assert released.partitionkey == event.partitionkey  # same partition: ordering per order holds
    assert released.subject == "company/usmf/production-order/1/P000123"


def test_a_status_change_needs_a_plant_or_a_company() -> None:
    with pytest.raises(errors.ValidationError, match="plant or its company"):
        v1.OrderStatusChange(order_id="1", status=v1.OrderStatus.IN_PROGRESS, changed_at=T0)


def test_an_mes_operation_start_is_an_operation_status_change() -> None:
    start = v1.OperationStatusChange(order_id="1000123", operation_id="0010", plant="1710",
                                     status=v1.OperationStatus.IN_PROGRESS, status_source_code="START",
                                     changed_at=T0, equipment_id="LINE-2", personnel_ids=["4711"],
                                     source=SAP)
    event = v1.build_event(v1.OperationStatusChanged, start)
    assert event.subject == "production-order/1710/1000123/op/0010"
    assert event.partitionkey == "1710|1000123"


def test_closed_is_its_own_event_and_completed_is_technical_completion() -> None:
    assert v1.ProductionOrderClosed.event_type() == "mfgcanon.production_order.closed.v1"
    assert "TECO" in (v1.ProductionOrderCompleted.__doc__ or "")


# --- identity and scope ------------------------------------------------------------------------------


@examples(dev=30, ci=100)
@given(strategies.for_type(v1.ProductionConfirmation), st.one_of(st.none(), strategies.identifiers()))
def test_company_scoped_keys(confirmation: v1.ProductionConfirmation, company: str | None) -> None:
    scoped = msgspec.structs.replace(confirmation, company_id=company)
    event = v1.build_event(v1.ProductionConfirmed, scoped, source_system="S", time=T0)
    if company:
        assert event.subject.startswith(f"company/{mfgcanon.events.segment(company)}/production-order/")
        assert event.partitionkey == f"{company}|{scoped.order_id}"
    else:
        assert event.partitionkey == f"{scoped.plant}|{scoped.order_id}"


def test_snapshot_ids_are_keyed_by_the_snapshot_time_not_the_content() -> None:
    source = v1.SourceRef(system="S4H", document_type="ODATA:A_MatlStkInAcctMod", document_id="FG126|1710|0001")
    day1 = v1.InventoryBalance(material_id="FG126", plant="1710", quantity=_qty("40"), snapshot_at=T0, source=source)
    day2 = msgspec.structs.replace(day1, snapshot_at=T0 + timedelta(days=1))
    first = v1.build_event(v1.InventoryBalanceReported, day1)
    second = v1.build_event(v1.InventoryBalanceReported, day2)
    again = v1.build_event(v1.InventoryBalanceReported, day1)
    assert first.id != second.id  # the same stock level on two days: two facts
    assert first.id == again.id  # re-delivery of one snapshot: one fact


@examples(dev=30, ci=100)
@given(strategies.for_type(v1.InventoryBalance), st.lists(strategies.utc_instants(), min_size=2, max_size=5,
                                                         unique=True))
def test_snapshot_ids_are_unique_over_time(balance: v1.InventoryBalance, times: list[datetime]) -> None:
    ids = {v1.build_event(v1.InventoryBalanceReported, msgspec.structs.replace(balance, snapshot_at=at),
                          source_system="S", time=T0).id for at in times}
    assert len(ids) == len(times)


def test_one_business_document_over_two_channels_gets_one_event_id() -> None:
    movement = v1.MaterialMovement(
        movement_id="4900000123/2026/1", movement_type=v1.MovementType.GOODS_ISSUE, plant="1710",
        material_id="RM-1", quantity=_qty("5", "KGM"), occurred_at=T0,
        source=v1.SourceRef(system="S4H", document_type="IDOC:MBGMCR03", document_id="0000000000000815", line="1",
                            business_document_id="4900000123/2026/1"))
    odata = msgspec.structs.replace(movement, source=v1.SourceRef(
        system="S4H", document_type="ODATA:A_MaterialDocumentItem", document_id="4900000123|2026|1",
        business_document_id="4900000123/2026/1"))
    assert v1.movement_event(movement).id == v1.movement_event(odata).id
    other = msgspec.structs.replace(odata, source=msgspec.structs.replace(odata.source, business_document_id=None))
    assert v1.movement_event(other).id != v1.movement_event(movement).id


# --- partial snapshots and deletions -------------------------------------------------------------------


def test_a_partial_update_says_which_fields_it_carries() -> None:
    lot = v1.MaterialLot(lot_id="B1", material_id="RM-1", sub_lots=[v1.MaterialSubLot(sub_lot_id="C1")],
                         partial_fields=["sub_lots"])
    again = mfgcanon.decode(mfgcanon.encode(lot), type=v1.MaterialLot)
    assert again.partial_fields == ["sub_lots"]
    assert "status" not in again.partial_fields  # the default 'released' was not sent: merge, do not replace
    with pytest.raises(errors.ValidationError, match="not fields of MaterialLot: colour"):
        msgspec.structs.replace(lot, partial_fields=["colour"])
    with pytest.raises(errors.ValidationError, match="partial_fields"):
        mfgcanon.decode(b'{"kind":"material_lot","lot_id":"B","material_id":"M","partial_fields":["nope"]}',
                        type=v1.MaterialLot)


def test_a_deletion_has_the_keys_of_the_deleted_entity() -> None:
    lot = v1.MaterialLot(lot_id="B1", material_id="RM-1", source=SAP)
    deleted = v1.Deletion(entity_kind="material_lot", material_id="RM-1", lot_id="B1", deleted_at=T0, source=SAP)
    tombstone = v1.build_event(v1.EntityDeleted, deleted)
    upsert = v1.build_event(v1.LotUpserted, lot, time=T0)
    assert (tombstone.subject, tombstone.partitionkey) == (upsert.subject, upsert.partitionkey)
    order = v1.Deletion(entity_kind="production_order", company_id="1010", order_id="1000123", deleted_at=T0,
                        source=SAP)
    assert v1.build_event(v1.EntityDeleted, order).partitionkey == "1010|1000123"
    with pytest.raises(errors.ValidationError, match="lot_id"):
        v1.Deletion(entity_kind="material_lot", material_id="RM-1", deleted_at=T0)
    with pytest.raises(errors.ValidationError, match="not a deletable"):
        v1.Deletion(entity_kind="production_confirmation", deleted_at=T0)


# --- KPI times, dates, lines ------------------------------------------------------------------------


def test_movement_lots_add_up_exactly_whatever_the_callers_decimal_context() -> None:
    import decimal

    lots = [v1.MovementLot(lot_id="A", quantity=_qty("12.750", "KGM")),
            v1.MovementLot(lot_id="B", quantity=_qty("0.250", "KGM"))]
    with decimal.localcontext(prec=2):
        movement = v1.MaterialMovement(movement_id="1", movement_type=v1.MovementType.GOODS_RECEIPT, plant="P",
                                       material_id="M", quantity=_qty("13.000", "KGM"), lots=lots, occurred_at=T0)
        assert movement.lots == lots
        with pytest.raises(errors.ValidationError, match="do not add up"):
            msgspec.structs.replace(movement, quantity=_qty("13.001", "KGM"))
    with pytest.raises(errors.ValidationError, match="movement's unit"):
        msgspec.structs.replace(movement, quantity=_qty("13", "GRM"))


def test_a_confirmation_reversal_is_stored_and_old_writers_reversals_still_read_as_reversals() -> None:
    old_wire = mfgcanon.encode(_confirmation(reverses_confirmation_id="MES-0"))
    assert b'"is_reversal":true' in old_wire
    legacy = old_wire.replace(b',"is_reversal":true', b"")
    assert mfgcanon.decode(legacy, type=v1.ProductionConfirmation).is_reversal is True
    oracle = _confirmation(is_reversal=True)  # COMPLETE -> READY: a reversal with no reference
    assert mfgcanon.decode(mfgcanon.encode(oracle), type=v1.ProductionConfirmation).is_reversal is True


def test_date_windows_are_checked() -> None:
    with pytest.raises(errors.ValidationError, match="expiry_date"):
        v1.MaterialLot(lot_id="B", material_id="M", manufactured_date=date(2026, 3, 2), expiry_date=date(2026, 3, 1))
    with pytest.raises(errors.ValidationError, match="effective_to_date"):
        v1.WorkCenter(work_center_id="W", plant="P", effective_from_date=date(2026, 3, 2),
                      effective_to_date=date(2026, 3, 1))


# --- the error contract of hand-built values ---------------------------------------------------------


@pytest.mark.parametrize("value", [5, 5.5, "5"])
def test_a_quantity_from_anything_but_a_decimal_is_a_typed_error(value: Any) -> None:
    with pytest.raises(errors.ValidationError, match="expected a Decimal") as caught:
        v1.Quantity(value=value, uom="H87")
    assert caught.value.code == "type_mismatch"
    assert caught.value.path == "$.value"


def test_validate_and_build_event_refuse_what_no_consumer_would_accept() -> None:
    empty = _confirmation(order_id="")
    with pytest.raises(errors.ValidationError) as caught:
        mfgcanon.validate(empty)
    assert caught.value.path == "$.order_id"
    with pytest.raises(errors.EventError) as event_error:
        v1.build_event(v1.ProductionConfirmed, empty)
    assert event_error.value.path == "$.data.order_id"
    assert event_error.value.code == "constraint_violation"
    naive = _confirmation(ended_at=datetime(2026, 3, 1, 8, 0))
    with pytest.raises(errors.EventError):
        v1.build_event(v1.ProductionConfirmed, naive, time=T0)
    assert v1.build_event(v1.ProductionConfirmed, empty, validated=True).data is empty  # the caller vouches


def test_model_rule_errors_are_mfgcanon_errors_and_read_like_before() -> None:
    with pytest.raises(errors.MfgcanonError) as caught:
        v1.Quantity(value=Decimal("-1"), uom="H87")
    assert caught.value.code == "negative_quantity"
    with pytest.raises(errors.ValidationError) as decoded:
        mfgcanon.decode(b'{"kind":"material","material_id":"X","base_uom":"H87","shelf_life":'
                        b'{"value":"-1","uom":"DAY"}}', type=v1.Material)
    assert decoded.value.path == "$.shelf_life.value"
    assert decoded.value.code == "negative_quantity"


def test_every_new_event_type_round_trips() -> None:
    new = [v1.ProductionOrderClosed, v1.ProductionOrderStatusChanged, v1.OperationStatusChanged,
           v1.PostingSucceeded, v1.PostingFailed, v1.EquipmentStateChanged, v1.EntityDeleted]
    assert set(new) <= set(v1.EVENT_TYPES)
    change = v1.EquipmentStateChange(state_change_id="s1", equipment_id="LINE-2", plant="1710",
                                     state=v1.EquipmentState.OUT_OF_SERVICE, state_source_code="Stopped",
                                     reason_code="JAM", started_at=T0, ended_at=T0 + timedelta(minutes=7),
                                     source=SAP)
    event = v1.build_event(v1.EquipmentStateChanged, change)
    assert event.subject == "equipment/1710/LINE-2"
    assert event.time == T0
    assert mfgcanon.decode(mfgcanon.encode(event, format="msgpack"), format="msgpack") == event
    assert isinstance(event.id, uuid.UUID)


def test_movements_linked_to_one_confirmation_are_separate_facts() -> None:
    movements = [v1.MaterialMovement(movement_id=f"49/2026/{line}", movement_type=v1.MovementType.GOODS_ISSUE,
                                     plant="1710", material_id="RM-1", quantity=_qty("1", "KGM"), occurred_at=T0,
                                     confirmation_id="MES-1") for line in (1, 2)]
    facts = v1.count_once([*movements, _confirmation()])
    assert sorted(f.key for f in facts) == [("MaterialMovement", "id:49/2026/1"), ("MaterialMovement", "id:49/2026/2"),
                                            ("ProductionConfirmation", "id:MES-1")]


def test_time_codes_follow_the_registry() -> None:
    """ActivityTime checks its unit against a set kept in step with `units.register`."""
    from mfgcanon import units

    assert {unit.code for unit in units.all_units() if unit.dimension == "time"} == units.TIME_CODES
    with pytest.raises(errors.ValidationError, match="not a unit of time"):
        v1.ActivityTime(activity=v1.ActivityKind.SETUP, duration=_qty("1", "KGM"))
    assert v1.ActivityTime(activity=v1.ActivityKind.SETUP, duration=_qty("1.5", "HUR")).duration.uom == "HUR"


def test_unit_conversion_factors_are_bounded_like_every_decimal() -> None:
    with pytest.raises(errors.ValidationError) as caught:
        v1.UnitConversion(uom="CT", numerator=Decimal("1E+40"), denominator=Decimal(1))
    assert caught.value.code == "decimal_out_of_range"
    assert v1.UnitConversion(uom="CT", numerator=Decimal(12), denominator=Decimal(1)).numerator == 12
