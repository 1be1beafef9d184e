"""b2mml: V07 TestResult -> inspections, OperationsEvent -> nonconformances, holds and equipment states, ConfirmBOD ->
posting outcomes, holds from lot and sub-lot status (partial updates respected), co- and by-products, equipment
actuals with states (downtime). Samples in examples/b2mml; the rules per connection through the context."""

from __future__ import annotations

import dataclasses
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.equipment import EquipmentMode, EquipmentState, EquipmentStateChange
from mfgcanon.v1.events import (
    EquipmentStateChanged,
    InspectionCompleted,
    NonconformanceReported,
    PostingFailed,
    PostingSucceeded,
    QualityHoldPlaced,
    QualityHoldReleased,
)
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.lot import MaterialLot
from mfgcanon.v1.order import MaterialUse, ProductionOrder
from mfgcanon.v1.posting import PostingState
from mfgcanon.v1.quality import Evaluation, Nonconformance, NonconformanceKind, QualityInspection, UsageDecision

from ._support import CTX, sample
from .test_b2mml import MAPPER, V0600_NS, V07_NS, _performance, _quantity

_APP = "<ApplicationArea><Sender><LogicalID>MES-X</LogicalID></Sender><CreationDateTime>2024-06-01T00:00:00Z"


def _run(payload: bytes | str, ctx: MappingContext = CTX) -> Any:
    result = MAPPER.to_canonical(payload, ctx)
    result.assert_balanced()
    return result


def _events(payload: bytes | str, ctx: MappingContext = CTX) -> list[Any]:
    result = _run(payload, ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    return list(result.events)


def _ctx(**codes: dict[str, str]) -> MappingContext:
    merged = dict(CTX.code_overrides)
    merged.update({f"b2mml.{k}": v for k, v in codes.items()})
    return dataclasses.replace(CTX, code_overrides=merged)


# TestResult -> inspection --------------------------------------------------------------------------------------
def test_test_result_expected_and_actual_values() -> None:
    inspected, held = _events(sample("v0701_sync_operations_test_information.xml"))
    assert isinstance(inspected, InspectionCompleted)
    inspection = inspected.data
    assert isinstance(inspection, QualityInspection)
    assert (inspection.inspection_id, inspection.plant, inspection.specification_id) == (
        "TR-2024-0042", "2000", "REQ-FINAL-FG")
    assert (inspection.inspected.lot_id, inspection.inspected.material_id) == ("LOT-FG-3", "FG-300")  # lookup
    thickness, temperature, surface = inspection.results
    assert (thickness.measured_value, thickness.uom) == (Decimal("2.012"), "MMT")
    assert (thickness.lower_limit, thickness.upper_limit, thickness.target_value) == (
        Decimal("1.95"), Decimal("2.05"), Decimal("2.00"))
    assert thickness.evaluation is Evaluation.PASS
    assert (temperature.measured_value, temperature.upper_limit, temperature.uom) == (
        Decimal("-16.5"), Decimal(-18), "CEL")
    assert temperature.evaluation is Evaluation.FAIL
    assert (surface.value_text, surface.measured_value, surface.method_id) == ("scratched", None, "VISUAL-01")
    assert inspection.usage_decision is UsageDecision.REJECT
    assert inspection.decided_at is not None
    assert inspection.decided_at.isoformat() == "2024-03-08T11:30:00+00:00"
    # the rejecting decision places the hold on the lot, keyed like the lot-status hold of the same lot
    assert isinstance(held, QualityHoldPlaced)
    assert held.data.nonconformance_id == "hold:plant/2000/material/FG-300/lot/LOT-FG-3"
    assert held.causationid == str(inspected.id)


def _test_result(verdict: str = "", scheme: str = ' schemeName="Material Lot"', value: str = "7.5",
                 data_type: str = "<DataType>decimal</DataType>") -> str:
    criterion = f"<EvaluatedCriterionResult>{verdict}</EvaluatedCriterionResult>" if verdict else ""
    return (f'<SyncTestResult xmlns="{V07_NS}" releaseID="V0701">{_APP}</CreationDateTime></ApplicationArea>'
            f"<DataArea><Sync/><TestResult><ID>T1</ID><TestableObjectID{scheme}>L9</TestableObjectID>{criterion}"
            f"<PropertyMeasurement><ID>PH</ID><Value><ValueString>{value}</ValueString>{data_type}</Value>"
            "</PropertyMeasurement></TestResult></DataArea></SyncTestResult>")


def test_pass_fail_is_a_judgement_not_a_decision_unless_the_connection_says_so() -> None:
    (event,) = _events(_test_result("Pass"))
    assert event.data.usage_decision is None
    assert event.data.results[0].evaluation is Evaluation.PASS
    assert [p.value for p in event.data.properties] == ["Pass"]  # the criterion text is kept, never lost
    ctx = _ctx(test_usage_decision={"Pass": "accept"})
    inspected, released = _events(_test_result("Pass"), ctx)
    assert inspected.data.usage_decision is UsageDecision.ACCEPT
    assert isinstance(released, QualityHoldReleased)


def test_testable_object_without_scheme_needs_the_connection() -> None:
    result = _run(_test_result(scheme=""))
    (reject,) = result.rejects
    assert reject.code == "unresolved_reference"
    assert reject.location.endswith("/TestResult/TestableObjectID")
    ctx = dataclasses.replace(CTX, vendors={**CTX.vendors, "b2mml": {**CTX.vendor("b2mml"),
                                                                      "testable_object": "equipment_id"}})
    (event,) = _events(_test_result(scheme=""), ctx)
    assert event.data.inspected.equipment_id == "L9"


def test_a_value_typed_as_a_number_that_is_none_is_a_reject() -> None:
    (reject,) = _run(_test_result(value="n/a")).rejects
    assert reject.code == "invalid_value"
    (event,) = _events(_test_result(value="n/a", data_type=""))  # untyped text stays text
    assert event.data.results[0].value_text == "n/a"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(digits=st.integers(min_value=-(10**12), max_value=10**12), exponent=st.integers(min_value=-6, max_value=6))
def test_any_measured_value_is_exact(digits: int, exponent: int) -> None:
    """A measurement in any decimal or exponent form reads as the exact Decimal (negative values too)."""
    text = f"{digits}E{exponent}"
    (event,) = _events(_test_result(value=text))
    assert event.data.results[0].measured_value == Decimal(text)
    assert codecs.decode(codecs.encode(event), type=type(event)) == event


# OperationsEvent -----------------------------------------------------------------------------------------------
def test_operations_events_by_category() -> None:
    held, defect, down = _events(sample("v0701_notify_operations_event.xml"))
    assert isinstance(held, QualityHoldPlaced)
    assert held.data.nonconformance_id == "hold:plant/2000/material/SHEET-7/lot/LOT-SH-1"
    assert held.data.hold is not None
    assert held.data.hold.placed_by == "QA-INSPECTOR-7"
    assert held.recordedtime is not None  # RecordTimeStamp
    assert isinstance(defect, NonconformanceReported)
    nc = defect.data
    assert (nc.nonconformance_id, nc.category, nc.category_source_code) == ("EV-DEF-2", NonconformanceKind.DEFECT,
                                                                            "Defect")
    assert (nc.affected.lot_id, nc.affected.material_id, nc.affected.order_id) == ("LOT-FG-3", "FG-300", "2000456")
    assert isinstance(down, EquipmentStateChanged)
    assert (down.data.equipment_id, down.data.state, down.data.state_source_code) == (
        "PRESS-3", EquipmentState.OUT_OF_SERVICE, "Breakdown")


def _event_doc(category: str, record: str = "", scope: str = "") -> str:
    return (f'<NotifyOperationsEvent xmlns="{V07_NS}" releaseID="V0701">{_APP}</CreationDateTime></ApplicationArea>'
            f"<DataArea><Sync/><OperationsEvent><ID>E1</ID>{scope}<EffectiveTimeStamp>2024-06-01T10:00:00Z"
            f"</EffectiveTimeStamp><Category>{category}</Category>{record}</OperationsEvent></DataArea>"
            "</NotifyOperationsEvent>")


_LOT_RECORD = ("<OperationsEventRecord><ID>R</ID><OperationsRecordEntry><ID>1</ID><InformationObject><MaterialLot>"
               "<ID>L1</ID><MaterialDefinitionID>M1</MaterialDefinitionID></MaterialLot></InformationObject>"
               "</OperationsRecordEntry><OperationsRecordSpecificationID>S</OperationsRecordSpecificationID>"
               "</OperationsEventRecord>")


def test_unknown_category_is_a_reject_naming_the_code_list_and_the_rule_is_per_connection() -> None:
    (reject,) = _run(_event_doc("Lot Frozen", _LOT_RECORD)).rejects
    assert reject.code == "unmappable_value"
    assert "operations_event" in reject.reason
    assert reject.location.endswith("/OperationsEvent/Category")
    (event,) = _events(_event_doc("Lot Frozen", _LOT_RECORD), _ctx(operations_event={"Lot Frozen": "hold_placed"}))
    assert isinstance(event, QualityHoldPlaced)
    assert event.data.nonconformance_id == "hold:plant/1000/material/M1/lot/L1"  # embedded InformationObject
    (released,) = _events(_event_doc("Hold Released", _LOT_RECORD))
    assert isinstance(released, QualityHoldReleased)
    assert released.data.nonconformance_id == event.data.nonconformance_id  # placed and released: one hold
    result = _run(_event_doc("Shift Start", _LOT_RECORD), _ctx(operations_event={"Shift Start": "none"}))
    assert (result.events, result.rejects, result.records_in) == ([], [], 0)
    assert result.warnings


def test_equipment_state_event_with_mode_and_without_equipment() -> None:
    scope = ("<HierarchyScope><EquipmentID>1000</EquipmentID><EquipmentLevel>Site</EquipmentLevel>"
             "<HierarchyScopeChild><EquipmentID>LINE-4</EquipmentID><EquipmentLevel>ProductionLine</EquipmentLevel>"
             "</HierarchyScopeChild></HierarchyScope>")
    (event,) = _events(_event_doc("Changeover", scope=scope))
    assert (event.data.equipment_id, event.data.state, event.data.operation_mode) == (
        "LINE-4", EquipmentState.EXECUTING, EquipmentMode.SETUP)
    (reject,) = _run(_event_doc("Down")).rejects
    assert reject.code == "missing_field"
    bad = _ctx(operations_event={"Down": "equipment:broken"})
    (reject,) = _run(_event_doc("Down", scope=scope), bad).rejects
    assert reject.code == "invalid_context"


# ConfirmBOD -------------------------------------------------------------------------------------------------------
def test_confirm_bod_accepted_names_each_original_bodid() -> None:
    first, second = _events(sample("v0701_confirm_bod.xml"))
    assert isinstance(first, PostingSucceeded)
    assert isinstance(second, PostingSucceeded)
    assert first.data.request_external_id == "5b0c7a52-2f8e-5d6a-9f3b-0c1d2e3f4a5b"
    assert first.data.request_event_id == uuid.UUID("5b0c7a52-2f8e-5d6a-9f3b-0c1d2e3f4a5b")  # the writer's event id
    assert (second.data.request_external_id, second.data.request_event_id) == ("PERF-0003", None)
    assert first.data.target_system == "ERP-200"  # who answered
    assert first.data.processed_at.isoformat() == "2024-03-06T10:04:12+00:00"  # ChangeStatus/EffectiveDateTime
    assert first.data.result_id != second.data.result_id


def test_v0600_confirm_bod_rejected_keeps_the_messages() -> None:
    (failed,) = _events(sample("v0600_confirm_bod_rejected.xml"))
    assert isinstance(failed, PostingFailed)
    result = failed.data
    assert (result.outcome, result.request_external_id) == (PostingState.FAILED, "PERF-0001")  # Confirm's area
    assert [(m.code, m.text) for m in result.messages] == [
        ("CO/124", "Order 1000123 is locked (status LKD)"), (None, "Confirmation not posted")]


def _confirm(criteria: list[str], bods: int = 1, original: bool = True) -> str:
    crit = "".join(f'<ResponseCriteria><ResponseExpression actionCode="{c}"/></ResponseCriteria>' for c in criteria)
    area = "<OriginalApplicationArea><CreationDateTime>2024-05-31T00:00:00Z</CreationDateTime><BODID>B{n}</BODID>" \
           "</OriginalApplicationArea>"
    body = "".join(f"<BOD>{area.format(n=n) if original else ''}</BOD>" for n in range(bods))
    return (f'<ConfirmBOD xmlns="{V0600_NS}">{_APP}</CreationDateTime></ApplicationArea><DataArea><Confirm>{crit}'
            f"</Confirm>{body}</DataArea></ConfirmBOD>")


def test_confirm_bod_outcomes_are_never_guessed() -> None:
    ok, bad = _events(_confirm(["Accepted", "Rejected"], bods=2))  # one criterion per BOD, in order
    assert (type(ok), type(bad)) == (PostingSucceeded, PostingFailed)
    result = _run(_confirm(["Accepted", "Rejected"], bods=3))
    assert [r.code for r in result.rejects] == ["missing_field"] * 3
    (reject,) = _run(_confirm(["Maybe"])).rejects
    assert reject.code == "unmappable_value"
    (reject,) = _run(_confirm(["Accepted"], original=False)).rejects
    assert (reject.code, reject.location.endswith("/BOD/OriginalApplicationArea/BODID")) == ("missing_field", True)


# Holds from lot status, partial updates -------------------------------------------------------------------------
def test_lot_hold_placed_and_sub_lot_released_per_connection() -> None:
    lot, placed, released = _events(sample("v0701_sync_material_lot_hold.xml"))
    assert isinstance(lot.data, MaterialLot)
    assert isinstance(placed, QualityHoldPlaced)
    assert isinstance(released, QualityHoldReleased)
    assert placed.data.nonconformance_id == "hold:plant/2000/material/FG-300/lot/LOT-FG-3"
    assert released.data.nonconformance_id == placed.data.nonconformance_id + "/sub-lot/PAL-01"
    assert placed.causationid == released.causationid == str(lot.id)
    # without the connection's release entry, UnRestricted releases nothing (a sync is no proof of a change)
    packaged = dataclasses.replace(CTX, code_overrides={
        k: v for k, v in CTX.code_overrides.items() if k != "b2mml.lot_hold"})
    assert [type(e) for e in _events(sample("v0701_sync_material_lot_hold.xml"), packaged)][1:] == [QualityHoldPlaced]


def _lot(status: str = "", subs: str = "", action: str = "Change", noun: str = "MaterialLot") -> str:
    criteria = f'<ActionCriteria><ActionExpression actionCode="{action}"/></ActionCriteria>' if action else ""
    body = (f"<ID>L1</ID><MaterialDefinitionID>M1</MaterialDefinitionID>{status}{subs}" if noun == "MaterialLot"
            else f"<ID>S1</ID>{status}<MaterialLotID>L1</MaterialLotID><MaterialDefinitionID>M1</MaterialDefinitionID>")
    return (f'<Sync{noun} xmlns="{V07_NS}" releaseID="V0701">{_APP}</CreationDateTime></ApplicationArea>'
            f"<DataArea><Sync>{criteria}</Sync><{noun}>{body}</{noun}></DataArea></Sync{noun}>")


def test_regression_change_without_status_emits_no_hold_change() -> None:
    released = _ctx(lot_hold={"Valid": "released", "UnRestricted": "released"})
    assert [type(e.data) for e in _events(_lot(), released)] == [MaterialLot]
    placed = _events(_lot("<Status>Quarantine</Status>"), released)
    assert [type(e) for e in placed][1:] == [QualityHoldPlaced]


def test_regression_sub_lot_only_message_never_releases_its_lot() -> None:
    released = _ctx(lot_hold={"UnRestricted": "released"})
    sub = "<MaterialSubLot><ID>S1</ID><Disposition>UnRestricted</Disposition></MaterialSubLot>"
    lot, sub_release = _events(_lot(subs=sub), released)
    assert "status" not in lot.data.partial_fields
    assert sub_release.data.affected.sub_lot_id == "S1"
    assert sub_release.data.nonconformance_id.endswith("/lot/L1/sub-lot/S1")  # never the lot's own hold
    loose, loose_release = _events(_lot("<Disposition>UnRestricted</Disposition>", noun="MaterialSubLot"), released)
    assert "status" not in loose.data.partial_fields
    assert loose_release.data.nonconformance_id.endswith("/lot/L1/sub-lot/S1")


def test_bad_lot_hold_entry_is_invalid_context() -> None:
    (reject,) = _run(_lot("<Status>Quarantine</Status>"), _ctx(lot_hold={"Quarantine": "frozen"})).rejects
    assert reject.code == "invalid_context"


# Co- and by-products, equipment states in performance -----------------------------------------------------------
def test_co_and_by_products_are_outputs_and_receipts() -> None:
    events = _events(sample("v0701_sync_operations_performance_coproducts.xml"))
    conf = events[0].data
    assert isinstance(conf, ProductionConfirmation)
    assert (conf.material_id, conf.yield_quantity.value, conf.yield_quantity.uom) == ("ETHYLENE", Decimal("12.5"),
                                                                                       "TNE")
    assert [(o.material_id, o.material_use) for o in conf.outputs] == [
        ("ETHYLENE", MaterialUse.PRODUCED), ("PROPYLENE", MaterialUse.CO_PRODUCT), ("FUEL-OIL", MaterialUse.BY_PRODUCT)]
    moves = [e.data for e in events if isinstance(e.data, MaterialMovement)]
    assert [m.movement_type for m in moves] == [MovementType.GOODS_RECEIPT] * 3 + [MovementType.GOODS_ISSUE]
    (state,) = [e.data for e in events if isinstance(e.data, EquipmentStateChange)]
    assert (state.equipment_id, state.state, state.reason_code, state.order_id) == (
        "CRACKER-1", EquipmentState.OUT_OF_SERVICE, "FOULING", "2000789")
    assert state.ended_at is not None
    assert (state.ended_at - state.started_at).total_seconds() == 45 * 60


def _actual(use: str, material: str, other: str = "") -> str:
    attr = f' OtherValue="{other}"' if other else ""
    return (f"<MaterialActual><MaterialDefinitionID>{material}</MaterialDefinitionID><MaterialUse{attr}>{use}"
            f"</MaterialUse>{_quantity('1', 'KG')}</MaterialActual>")


@pytest.mark.parametrize(("use", "other", "expected"), [
    ("Co-product", "", MaterialUse.CO_PRODUCT), ("By-product", "", MaterialUse.BY_PRODUCT),
    ("Other", "Co-product", MaterialUse.CO_PRODUCT), ("Other", "By-product", MaterialUse.BY_PRODUCT),
])
def test_co_product_spellings_in_performance(use: str, other: str, expected: MaterialUse) -> None:
    conf, *_ = _events(_performance(_actual("Produced", "FG") + _actual(use, "CP", other)))
    assert conf.data.outputs[1].material_use is expected


def test_only_co_products_the_first_stands_for_the_order() -> None:
    conf, *_ = _events(_performance(_actual("Co-product Produced", "CP1") + _actual("By-product Produced", "BP")))
    assert (conf.data.material_id, [o.material_use for o in conf.data.outputs]) == (
        "CP1", [MaterialUse.CO_PRODUCT, MaterialUse.BY_PRODUCT])


def test_main_product_alone_has_no_outputs_list() -> None:
    conf, *_ = _events(_performance(_actual("Produced", "FG")))
    assert conf.data.outputs == []


def test_co_product_requirement_in_a_schedule() -> None:
    req = ("<MaterialRequirement><ID>{id}</ID><MaterialDefinitionID>{m}</MaterialDefinitionID>"
           "<MaterialUse{attr}>{use}</MaterialUse>" + _quantity("5", "KG") + "</MaterialRequirement>")
    reqs = (req.format(id="1", m="FG", attr="", use="Produced")
            + req.format(id="2", m="CP", attr="", use="Co-product Produced")
            + req.format(id="3", m="BP", attr=' OtherValue="By-product"', use="Other"))
    doc = (f'<ProcessOperationsSchedule xmlns="{V07_NS}" releaseID="V0701">{_APP}</CreationDateTime>'
           "</ApplicationArea><DataArea><Process/><OperationsSchedule><ID>S</ID><OperationsRequest><ID>O9</ID>"
           f"<SegmentRequirement><ID>10</ID>{reqs}</SegmentRequirement></OperationsRequest></OperationsSchedule>"
           "</DataArea></ProcessOperationsSchedule>")
    (event,) = _events(doc)
    order = event.data
    assert isinstance(order, ProductionOrder)
    assert [(r.material_id, r.material_use, r.material_use_source_code) for r in order.material_requirements] == [
        ("CP", MaterialUse.CO_PRODUCT, "Co-product Produced"), ("BP", MaterialUse.BY_PRODUCT, "Other:By-product")]


def test_equipment_state_without_a_start_is_a_warning_not_an_invented_time() -> None:
    segment = ("<EquipmentActual><ID>E</ID><EquipmentID>M7</EquipmentID><EquipmentActualProperty><ID>State</ID>"
               "<Value><ValueString>Idle</ValueString></Value></EquipmentActualProperty></EquipmentActual>"
               + _actual("Produced", "FG"))
    result = _run(_performance(segment))
    assert not result.rejects
    assert not [e for e in result.events if isinstance(e, EquipmentStateChanged)]
    assert any("no equipment state change" in w for w in result.warnings)


def test_every_new_sample_maps_to_declared_events() -> None:
    for name in ("v0701_notify_operations_event.xml", "v0701_sync_operations_test_information.xml",
                 "v0701_confirm_bod.xml", "v0600_confirm_bod_rejected.xml", "v0701_sync_material_lot_hold.xml",
                 "v0701_sync_operations_performance_coproducts.xml"):
        for event in _events(sample(name)):
            assert type(event) in MAPPER.produces
            assert codecs.decode(codecs.encode(event), type=type(event)) == event
    assert isinstance(_events(sample("v0701_notify_operations_event.xml"))[0].data, Nonconformance)


_BOD_IDS = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF, blacklist_characters="<>&"),
                   min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(bod_id=_BOD_IDS | st.uuids().map(str), accepted=st.booleans())
def test_any_original_bodid_is_the_request_it_answers(bod_id: str, accepted: bool) -> None:
    """Whatever the original BODID, the outcome names it (stripped) as the request; a UUID is the event id too."""
    area = (f"<OriginalApplicationArea><CreationDateTime>2024-05-31T00:00:00Z</CreationDateTime><BODID>{bod_id}"
            "</BODID></OriginalApplicationArea>")
    code = "Accepted" if accepted else "Rejected"
    doc = (f'<ConfirmBOD xmlns="{V07_NS}">{_APP}</CreationDateTime></ApplicationArea><DataArea><Confirm>'
           f'<ResponseCriteria><ResponseExpression actionCode="{code}"/></ResponseCriteria></Confirm><BOD>{area}'
           "</BOD></DataArea></ConfirmBOD>")
    (event,) = _events(doc)
    assert isinstance(event, PostingSucceeded if accepted else PostingFailed)
    assert event.data.request_external_id == bod_id.strip()
    try:
        expected: uuid.UUID | None = uuid.UUID(bod_id.strip())
    except ValueError:
        expected = None
    assert event.data.request_event_id == expected
    assert codecs.decode(codecs.encode(event), type=type(event)) == event


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(status=st.sampled_from(["Quarantine", "quarantine", " QUARANTINE ", "Blocked", "NotValid", "not_valid",
                               "Restricted", "Valid", "UnRestricted", "Released", "Planned"]),
       with_sub=st.booleans())
def test_lot_hold_follows_the_code_list_in_any_spelling(status: str, with_sub: bool) -> None:
    """A status places a hold exactly when [lot_hold] says so (keys compared case- and blank-insensitively); a
    sub-lot without status adds nothing, and the lot's hold is never keyed by a sub-lot. Packaged list: places only."""
    sub = "<MaterialSubLot><ID>S1</ID></MaterialSubLot>" if with_sub else ""
    packaged = dataclasses.replace(CTX, code_overrides={
        k: v for k, v in CTX.code_overrides.items() if k != "b2mml.lot_hold"})
    events = _events(_lot(f"<Status>{status}</Status>", sub, action=""), packaged)
    folded = status.strip().replace("_", "").lower()
    holds = [e for e in events if isinstance(e, QualityHoldPlaced | QualityHoldReleased)]
    if folded in ("quarantine", "blocked", "notvalid", "restricted"):
        (placed,) = holds
        assert isinstance(placed, QualityHoldPlaced)
        assert placed.data.nonconformance_id == "hold:plant/1000/material/M1/lot/L1"
    else:
        assert holds == []


def test_embedded_sub_lot_information_object_names_its_lot() -> None:
    record = ("<OperationsEventRecord><ID>R</ID><OperationsRecordEntry><ID>1</ID><InformationObject><MaterialSubLot>"
              "<ID>S7</ID><MaterialLotID>L7</MaterialLotID></MaterialSubLot></InformationObject></OperationsRecordEntry>"
              "<OperationsRecordEntry><ID>2</ID><ExternalReferenceID>M7</ExternalReferenceID><InformationObjectType>"
              "Material Definition</InformationObjectType></OperationsRecordEntry><OperationsRecordSpecificationID>S"
              "</OperationsRecordSpecificationID></OperationsEventRecord>")
    (event,) = _events(_event_doc("Hold", record))
    assert (event.data.affected.material_id, event.data.affected.lot_id, event.data.affected.sub_lot_id) == (
        "M7", "L7", "S7")
    assert event.data.nonconformance_id.endswith("/material/M7/lot/L7/sub-lot/S7")
