"""oracle-fusion on every composed sample, field by field, and the Fusion quirks (units, offsets, exact
decimals, status codes, paging, lookups, reject paths)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from mfgcanon.mappers import MappingContext
from mfgcanon.mappers.oracle import OracleFusionMapper
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.material import Material, MaterialStatus, MaterialType
from mfgcanon.v1.order import OrderStatus, ProductionOrder, SupplyType
from mfgcanon.v1.posting import PostingState

from .conftest import LOOKUPS, make_context, sample, sample_json

M = OracleFusionMapper()


def one(payload: Any, ctx: MappingContext | None = None) -> Any:
    result = M.to_canonical(payload if isinstance(payload, bytes) else json.dumps(payload), ctx or make_context())
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    assert len(result.events) == 1
    return result.events[0].data


def rejects(payload: Any, ctx: MappingContext | None = None) -> list[Any]:
    result = M.to_canonical(json.dumps(payload) if not isinstance(payload, bytes) else payload, ctx or make_context())
    result.assert_balanced()
    return result.rejects


def at(hour: int, minute: int = 0, day: int = 16) -> datetime:
    return datetime(2024, 1, day, hour, minute, tzinfo=UTC)


def test_work_order_get() -> None:
    order: ProductionOrder = one(sample("workorders_get_response.json"))
    assert (order.order_id, order.plant, order.material_id) == ("M1-1001", "M1", "FG-1000")
    assert order.description == "Pump assembly lot for week 3"
    assert order.source_order_id == "300100571234001"
    assert order.status is OrderStatus.RELEASED
    assert order.status_source_code == "ORA_RELEASED"
    assert {p.name: p.value for p in order.properties}["oracle.work_order_system_status"] == "RELEASED"
    assert (order.planned_quantity.value, order.planned_quantity.uom, order.planned_quantity.source_uom) == (
        100, "EA", "Ea")
    assert (order.planned_start_at, order.planned_end_at) == (at(6), at(18, 30))
    assert order.released_at == datetime(2024, 1, 15, 7, 15, 2, tzinfo=UTC)
    assert order.actual_start_at is None
    assert order.closed_at is None
    assert order.priority_source_code == "10"
    assert order.priority is None
    assert order.receipt_location is not None
    assert order.receipt_location.storage_location == "FGI"
    assert order.confirmed_yield_quantity is not None
    assert order.confirmed_yield_quantity.value == 0
    assert order.routing_id == "ORA_MAIN"
    assert order.order_type == "STANDARD"
    assert [op.operation_id for op in order.operations] == ["10", "20"]
    op = order.operations[0]
    assert (op.description, op.process_segment_id, op.work_center_id) == ("Assemble pump housing", "ASSEMBLE", "ASSY01")
    assert op.planned_activities[0].resource_id == "ASSY-LABOR"
    assert op.planned_activities[0].duration.value == 250
    assert op.planned_activities[0].duration.uom == "MIN"
    push, pull = order.material_requirements
    assert (push.material_id, push.supply_type, push.supply_type_source_code, push.is_backflush) == (
        "RM-2001", SupplyType.PUSH, "PUSH", False)
    assert (pull.supply_type, pull.is_backflush, pull.operation_id) == (SupplyType.OPERATION_PULL, True, "10")
    assert pull.quantity.value == Decimal("12.5")
    assert pull.quantity.uom == "KGM"
    assert push.issue_location is not None
    assert push.issue_location.storage_location == "RM-STORES"
    assert order.source is not None
    assert order.source.document_type == "FUSION:workOrders"


def test_work_order_actuals_and_progress() -> None:
    body = sample_json("workorders_get_response.json")
    wo = body["items"][0]
    wo.update({"WorkOrderSystemStatusCode": "COMPLETED", "WorkOrderStatusCode": "ORA_COMPLETED",
               "ActualStartDate": "2024-01-16T06:05:00+00:00", "ActualCompletionDate": "2024-01-16T18:20:00+00:00",
               "ClosedDate": "2024-01-17T08:00:00-05:00", "CompletedQuantity": 98, "ScrappedQuantity": 2,
               "RejectedQuantity": 1})
    order: ProductionOrder = one(body)
    assert order.status is OrderStatus.COMPLETED
    assert (order.actual_start_at, order.actual_end_at) == (at(6, 5), at(18, 20))
    assert order.closed_at == at(13, 0, day=17)  # the offset applied
    assert order.confirmed_yield_quantity is not None
    assert order.confirmed_yield_quantity.value == 98
    assert order.confirmed_scrap_quantity is not None
    assert order.confirmed_scrap_quantity.value == 2
    rejected = {p.name: p for p in order.properties}["oracle.rejected_quantity"]
    assert (rejected.value, rejected.uom) == ("1", "EA")


def test_post_body_takes_its_unit_from_the_lookup() -> None:
    order: ProductionOrder = one(sample("workorders_post_request.json"))
    assert order.status is OrderStatus.PLANNED
    assert order.status_source_code == "ORA_UNRELEASED"
    assert order.planned_quantity.uom == "EA"
    bare = make_context(lookups={k: v for k, v in LOOKUPS.items() if k != "item_base_unit"})
    found = rejects(json.loads(sample("workorders_post_request.json")), bare)
    assert [r.code for r in found] == ["unresolved_reference"]
    assert found[0].location == "/UOMCode"
    assert "[lookups.item_base_unit]" in found[0].reason
    assert "FG-1000" in found[0].reason
    assert "M1-1001" in found[0].payload  # the record kept


def test_item() -> None:
    material: Material = one(sample("itemsv2_get_response.json"))
    assert (material.material_id, material.description) == ("FG-1000", "Centrifugal pump assembly 2 kW")
    assert material.base_uom == "EA"
    assert material.material_type is MaterialType.FINISHED
    assert material.material_type_source_code == "Finished Good"
    assert material.status is MaterialStatus.ACTIVE
    assert material.is_lot_managed
    assert not material.is_serialized
    assert [p.plant for p in material.plant_data] == ["M1"]


def test_operation_transactions_complete_and_scrap() -> None:
    conf: ProductionConfirmation = one(sample("operationtransactions_post_complete_and_scrap_request.json"))
    assert (conf.confirmation_id, conf.order_id, conf.operation_id, conf.plant) == (
        "MES-CONF-3f2b9c1e", "M1-1001", "10", "M1")
    assert (conf.yield_quantity.value, conf.yield_quantity.uom, conf.yield_quantity.source_uom) == (98, "EA", "Each")
    assert conf.scrap_quantity is not None
    assert conf.scrap_quantity.value == 2
    assert conf.scrap_reason_code == "DAMAGED"
    assert conf.ended_at == at(14, 29)
    assert conf.posting is not None
    assert conf.posting.state is PostingState.REQUESTED
    assert conf.posting.external_id == "MES-CONF-3f2b9c1e"
    assert conf.posting.target_system == "ORA-PROD"
    assert not conf.is_reversal


def test_reject_and_reversal_dispatch_states() -> None:
    body = sample_json("operationtransactions_post_complete_and_scrap_request.json")
    body["OperationTransactionDetail"][1]["ToDispatchState"] = "REJECT"
    conf: ProductionConfirmation = one(body)
    assert conf.rejected_quantity is not None
    assert conf.rejected_quantity.value == 2
    assert conf.scrap_quantity is None
    back = sample_json("operationtransactions_post_complete_and_scrap_request.json")
    back["OperationTransactionDetail"] = back["OperationTransactionDetail"][:1]
    back["OperationTransactionDetail"][0].update({"FromDispatchState": "COMPLETE", "ToDispatchState": "READY"})
    reversal: ProductionConfirmation = one(back)
    assert reversal.is_reversal
    assert reversal.yield_quantity.value == 98
    mixed = sample_json("operationtransactions_post_complete_and_scrap_request.json")
    mixed["OperationTransactionDetail"][1].update({"FromDispatchState": "SCRAP", "ToDispatchState": "READY"})
    found = rejects(mixed)
    assert [r.code for r in found] == ["constraint_violation"] * 2  # both details of the one confirmation
    assert found[0].location == "/OperationTransactionDetail/1/FromDispatchState"


def test_material_issue_and_completion() -> None:
    issue: MaterialMovement = one(sample("materialtransactions_post_issue_request.json"))
    assert (issue.movement_id, issue.movement_type, issue.movement_type_source_code) == (
        "MES-GI-000981/1", MovementType.GOODS_ISSUE, "MATERIAL_ISSUE")
    assert (issue.order_id, issue.operation_id, issue.lot_id) == ("M1-1001", "10", "L24-0042")
    assert issue.from_location is not None
    assert issue.from_location.storage_location == "RM-STORES"
    assert issue.posting is not None
    assert issue.posting.external_id == "MES-GI-000981/1"
    receipt: MaterialMovement = one(sample("materialtransactions_post_product_completion_request.json"))
    assert receipt.movement_type is MovementType.GOODS_RECEIPT
    assert receipt.lot_id == "FG24011601"
    assert receipt.to_location is not None
    assert receipt.to_location.storage_location == "FGI"


def test_several_lots_and_serials() -> None:
    body = sample_json("materialtransactions_post_issue_request.json")
    detail = body["MaterialTransactionDetail"][0]
    detail["TransactionLot"] = [{"LotNumber": "L1", "TransactionQuantity": 60},
                                {"LotNumber": "L2", "TransactionQuantity": 40}]
    detail["TransactionSerial"] = [{"SerialNumber": "S1"}, {"SerialNumber": "S2"}]
    issue: MaterialMovement = one(body)
    assert [(lot.lot_id, lot.quantity.value) for lot in issue.lots] == [("L1", 60), ("L2", 40)]
    assert issue.lot_id is None
    assert issue.serial_numbers == ["S1", "S2"]
    written = M.write_documents([issue], make_context())
    assert written[0].payload["MaterialTransactionDetail"][0]["TransactionLot"] == [  # type: ignore[index,call-overload]
        {"LotNumber": "L1", "TransactionQuantity": 60}, {"LotNumber": "L2", "TransactionQuantity": 40}]


def test_returns() -> None:
    for code, side in (("MATERIAL_RETURN", "to"), ("PRODUCT_RETURN", "from")):
        body = sample_json("materialtransactions_post_issue_request.json")
        body["MaterialTransactionDetail"][0]["TransactionTypeCode"] = code
        movement: MaterialMovement = one(body)
        assert movement.movement_type is MovementType.RETURN
        assert (movement.to_location if side == "to" else movement.from_location) is not None
        back = M.write_documents([movement], make_context())[0].payload
        assert back["MaterialTransactionDetail"][0]["TransactionTypeCode"] == code  # type: ignore[index,call-overload]


def test_staged_misc_issue_signed_quantity_and_organization_name() -> None:
    scrap: MaterialMovement = one(sample("inventorystagedtransactions_post_misc_issue_request.json"))
    assert (scrap.movement_type, scrap.movement_type_source_code) == (MovementType.SCRAP, "Miscellaneous Issue")
    assert (scrap.plant, scrap.quantity.value, scrap.quantity.uom, scrap.quantity.source_uom) == (
        "M1", 3, "EA", "Each")
    assert scrap.lot_id == "L24-0042"
    assert scrap.movement_id == "MES-SCR-000055"
    body = sample_json("inventorystagedtransactions_post_misc_issue_request.json")
    body["TransactionQuantity"] = 3  # an issue with a positive quantity: the sign contradicts the type
    found = rejects(body)
    assert [(r.code, r.location) for r in found] == [("invalid_value", "/TransactionQuantity")]
    unknown = make_context(lookups={k: v for k, v in LOOKUPS.items() if k != "organization_code"})
    found = rejects(sample("inventorystagedtransactions_post_misc_issue_request.json"), unknown)
    assert [(r.code, r.location) for r in found] == [("unresolved_reference", "/OrganizationName")]
    assert "[lookups.organization_code]" in found[0].reason


# Quirks ----------------------------------------------------------------------------------------------------
def test_uom_codes_and_names_resolve_to_one_unit() -> None:
    body = sample_json("materialtransactions_post_issue_request.json")
    detail = body["MaterialTransactionDetail"][0]
    by_code = one(body).quantity
    del detail["TransactionUOMCode"]
    detail["TransactionUnitOfMeasure"] = "Each"
    by_name = one(body).quantity
    assert (by_code.uom, by_code.source_uom, by_name.uom, by_name.source_uom) == ("EA", "Ea", "EA", "Each")
    aliased = one(body, make_context(units={"Each": "H87"})).quantity  # the connection's alias wins
    assert aliased.uom == "H87"
    detail["TransactionUnitOfMeasure"] = "Bucket of bolts"
    found = rejects(body)
    assert [(r.code, r.location) for r in found] == [
        ("unknown_unit", "/MaterialTransactionDetail/0/TransactionUnitOfMeasure")]


def test_json_numbers_are_exact_decimals() -> None:
    raw = sample("workorders_get_response.json").replace(b'"RequiredQuantity": 12.5', b'"RequiredQuantity": 0.3')
    order: ProductionOrder = one(raw)
    value = order.material_requirements[1].quantity.value
    assert isinstance(value, Decimal)
    assert str(value) == "0.3"
    raw = sample("workorders_get_response.json").replace(b'"RequiredQuantity": 12.5', b'"RequiredQuantity": 12.50')
    assert str(one(raw).material_requirements[1].quantity.value) == "12.50"


def test_offsets_and_naive_times() -> None:
    body = sample_json("workorders_get_response.json")
    body["items"][0]["PlannedStartDate"] = "2024-01-16T06:00:00-08:00"
    body["items"][0]["PlannedCompletionDate"] = "2024-01-16T18:30:00"  # naive: the organization's zone
    order: ProductionOrder = one(body)
    assert order.planned_start_at == at(14)
    assert order.planned_end_at == datetime(2024, 1, 17, 2, 30, tzinfo=UTC)  # Los Angeles, PST
    found = rejects(body, make_context(plants={}))
    assert [(r.code, r.location) for r in found] == [("missing_timezone", "/items/0/PlannedCompletionDate")]
    body["items"][0]["PlannedCompletionDate"] = "16.01.2024"
    assert [r.code for r in rejects(body)] == ["invalid_value"]


def test_status_codes_mapped_raw_kept_and_overridable() -> None:
    body = sample_json("workorders_post_request.json")
    body["WorkOrderStatusCode"] = "ORA_ON_HOLD"
    order: ProductionOrder = one(body)
    assert order.status is OrderStatus.ON_HOLD
    assert order.status_source_code == "ORA_ON_HOLD"
    body["WorkOrderStatusCode"] = "ACME_WAIT"  # a user status this connection does not know
    order = one(body)
    assert order.status is OrderStatus.OTHER
    assert order.status_source_code == "ACME_WAIT"
    custom = make_context(codes={"oracle.work_order_statuses": {"ACME_WAIT": "on_hold"}})
    assert one(body, custom).status is OrderStatus.ON_HOLD
    broken = make_context(codes={"oracle.work_order_statuses": {"ACME_WAIT": "snoozing"}})
    found = rejects(body, broken)
    assert [(r.code, r.location) for r in found] == [("invalid_context", "codes.oracle.work_order_statuses.ACME_WAIT")]


def test_priority_only_from_the_connections_list() -> None:
    ctx = make_context(codes={"oracle.priorities": {"10": "900"}})
    order: ProductionOrder = one(sample("workorders_get_response.json"), ctx)
    assert (order.priority, order.priority_source_code) == (900, "10")


def test_paging_continuation() -> None:
    body = sample_json("workorders_get_response.json")
    assert M.to_canonical(json.dumps(body), make_context()).continuation is None
    body["hasMore"] = True
    assert M.to_canonical(json.dumps(body), make_context()).continuation == "offset=1"
    body["links"].append({"rel": "next", "href": "https://h/workOrders?offset=25", "name": "workOrders",
                          "kind": "collection"})
    assert M.to_canonical(json.dumps(body), make_context()).continuation == "https://h/workOrders?offset=25"


def test_reject_names_the_path_and_keeps_the_record() -> None:
    body = sample_json("workorders_get_response.json")
    second = copy.deepcopy(body["items"][0])
    second["WorkOrderNumber"] = "M1-1002"
    second["WorkOrderOperation"][0]["WorkOrderOperationMaterial"][1]["RequiredQuantity"] = "lots"
    body["items"].append(second)
    result = M.to_canonical(json.dumps(body), make_context())
    result.assert_balanced()
    assert len(result.events) == 1  # the good order still converts
    (reject,) = result.rejects
    assert reject.code == "invalid_value"
    assert reject.location == "/items/1/WorkOrderOperation/0/WorkOrderOperationMaterial/1/RequiredQuantity"
    assert json.loads(reject.payload)["WorkOrderNumber"] == "M1-1002"


def test_unknown_resource_and_garbage() -> None:
    found = rejects({"items": [{"WorkOrderNumber": "X", "Foo": 1}]})
    assert [r.code for r in found] == ["unsupported_message"]
    assert [r.code for r in rejects(b"{not json")] == ["malformed_payload"]


def test_writer_needs_its_source_system_code() -> None:
    conf = one(sample("operationtransactions_post_complete_and_scrap_request.json"))
    bare = conf.__class__(**{**{f: getattr(conf, f) for f in conf.__struct_fields__}, "properties": []})
    with pytest.raises(Exception, match=r"vendors.oracle-fusion"):
        M.write_documents([bare], make_context(vendors={}))


def test_an_id_written_as_a_large_number_is_text_not_a_crash() -> None:
    """Regression (found by the fuzz test): ``1e+28`` where text is expected crashed the quantize of the id."""
    body = sample_json("inventorystagedtransactions_post_misc_issue_request.json")
    body["SourceCode"] = 1e28
    movement: MaterialMovement = one(body)
    assert {p.name: p.value for p in movement.properties}["oracle.source_code"] == "1" + "0" * 28
    body["SourceCode"] = 1.5
    assert [(r.code, r.location) for r in rejects(body)] == [("type_mismatch", "/SourceCode")]
