"""d365-mes: the MES integration messages in and out, the message processor's outcome, and the contract suite."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, get, write_documents
from mfgcanon.testing.mapper_suite import MapperContract
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.order import MaterialUse, OrderStatus
from mfgcanon.v1.posting import PostingState, RequestKind
from mfgcanon.v1.status import OrderStatusChange

from ._support import CTX, MES, MES_SAMPLES, foreign, sample

MAPPER = get("d365-mes")


class TestD365MesContract(MapperContract):
    @pytest.fixture
    def mapper(self) -> Any:
        return MAPPER

    @pytest.fixture
    def context(self) -> MappingContext:
        return CTX

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, bytes]]:
        return [(name, sample(name)) for name in MES_SAMPLES]

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, Any]]:
        return foreign(*MES_SAMPLES)


def _data(name: str, ctx: MappingContext = CTX) -> list[Any]:
    result = MAPPER.to_canonical(sample(name), ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    result.assert_balanced()
    return [e.data for e in result.events]


def test_report_as_finished() -> None:
    (conf,) = _data("mes_report_as_finished.json")
    assert isinstance(conf, ProductionConfirmation)
    assert (conf.order_id, conf.company_id, conf.plant, conf.operation_id) == ("P000123", "USMF", "1", None)
    assert conf.yield_quantity.value == Decimal(98)
    assert conf.yield_quantity.uom == "EA"
    assert conf.yield_quantity.source_uom == "ea"
    assert conf.rejected_quantity is not None
    assert conf.rejected_quantity.value == Decimal(2)
    assert conf.scrap_quantity is None  # D365's error quantity is the model's rejected quantity
    assert conf.scrap_reason_code == "Material"
    assert conf.ended_at is not None
    assert conf.ended_at.isoformat() == "2024-01-16T18:45:00+00:00"
    assert str(conf.posting_date) == "2024-01-16"
    (out,) = conf.outputs
    assert (out.material_id, out.material_use, out.material_use_source_code, out.lot_id) == (
        "FG-1000", MaterialUse.PRODUCED, "MainItem", "FG24011601")
    assert out.receipt_location is not None
    assert (out.receipt_location.plant, out.receipt_location.storage_location, out.receipt_location.bin) == (
        "1", "11", "FG-OUT")
    assert conf.posting is not None
    assert conf.posting.state is PostingState.REQUESTED
    assert conf.posting.external_id
    assert conf.posting.target_system == "D365-USMF"


def test_co_and_by_products_are_outputs() -> None:
    content = json.loads(sample("mes_report_as_finished.content.json"))
    content["ReportFinishedLines"] += [
        {"LineNumber": 2, "ItemNumber": "FG-1000-CO", "ProductionType": "Co_Product", "ReportedGoodQuantity": 5},
        {"LineNumber": 3, "ItemNumber": "SCRAP-MET", "ProductionType": "By_Product", "ReportedGoodQuantity": 1.25},
    ]
    ctx = _with_units({"FG-1000-CO": "ea", "SCRAP-MET": "kg"})
    (event,) = MAPPER.to_canonical(_envelope("ProdProductionOrderReportFinished", content), ctx).events
    uses = [(o.material_id, o.material_use, str(o.yield_quantity.value), o.yield_quantity.uom)
            for o in event.data.outputs]
    assert uses == [("FG-1000", MaterialUse.PRODUCED, "98", "EA"), ("FG-1000-CO", MaterialUse.CO_PRODUCT, "5", "EA"),
                    ("SCRAP-MET", MaterialUse.BY_PRODUCT, "1.25", "KGM")]
    assert event.data.yield_quantity.value == 98  # the main item's line


def test_route_card_lines_are_operation_confirmations() -> None:
    process, setup = _data("mes_route_card_time_consumption.json")
    assert (process.operation_id, process.work_center_id, process.personnel_ids, process.is_final) == (
        "10", "ASSY01", ["000020"], True)
    assert process.yield_quantity.value == 98
    assert process.rejected_quantity.value == 2
    assert [(a.activity.value, str(a.duration.value), a.duration.uom) for a in process.activities] == [
        ("machine", "4.4", "HUR")]
    assert setup.yield_quantity.value == 0
    assert setup.activities[0].activity.value == "setup"
    assert setup.activities[0].duration.value == Decimal("0.25")
    assert process.confirmation_id != setup.confirmation_id


def test_picking_list_issues_and_scrap() -> None:
    first, second, scrap = _data("mes_material_consumption_picking_list.json")
    assert (first.movement_type, first.material_id, first.quantity.value, first.quantity.uom) == (
        MovementType.GOODS_ISSUE, "RM-2001", Decimal(100), "EA")
    assert first.is_final_issue
    assert first.lot_id is None
    assert second.quantity.value == Decimal("12.75")
    assert second.quantity.uom == "KGM"
    assert (scrap.movement_type, scrap.quantity.value, scrap.reason_code) == (
        MovementType.SCRAP, Decimal("0.25"), "Machine")
    assert first.occurred_at.isoformat() == "2024-01-16T05:00:00+00:00"  # 00:00 at site 1 (America/New_York)
    assert first.occurred_at_precision.value == "day"


def test_start_and_end() -> None:
    (start,) = _data("mes_start_production_order.json")
    (end,) = _data("mes_end_production_order.json")
    assert isinstance(start, OrderStatusChange)
    assert (start.status, start.status_source_code, start.company_id) == (OrderStatus.IN_PROGRESS, "StartedUp", "USMF")
    assert start.started_quantity is not None
    assert start.started_quantity.value == 100
    assert (end.status, end.status_source_code) == (OrderStatus.CLOSED, "Completed")
    assert end.changed_at.isoformat() == "2024-01-17T08:00:00+00:00"


@pytest.mark.parametrize("name", MES)
def test_content_sample_is_the_envelope_content(name: str) -> None:
    """The decoded `.content.json` sample in an envelope maps to the same events as the double-encoded envelope."""
    envelope = json.loads(sample(name))
    content = sample(name.replace(".json", ".content.json")).decode()
    rebuilt = dict(envelope, _messageContent=content)
    first = MAPPER.to_canonical(sample(name), CTX)
    second = MAPPER.to_canonical(json.dumps(rebuilt).encode(), CTX)
    assert codecs.encode_lines(first.events) == codecs.encode_lines(second.events)


def test_events_are_scoped_by_company() -> None:
    events = MAPPER.to_canonical(sample("mes_report_as_finished.json"), CTX).events
    assert events[0].subject.startswith("company/USMF/production-order/1/P000123")
    assert events[0].partitionkey == "USMF|P000123"


# Quirks ----------------------------------------------------------------------------------------------------
def _envelope(message_type: str, content: dict[str, Any], company: str = "USMF") -> bytes:
    return json.dumps({"_companyId": company, "_messageQueue": "JmgMES3P", "_messageType": message_type,
                       "_messageContent": json.dumps(content)}).encode()


def _with_units(item_units: dict[str, str], **extra: Any) -> MappingContext:
    base = dict(CTX.lookups)
    return MappingContext(
        source_system=CTX.source_system, company_timezones=CTX.company_timezones,
        company_plant_timezones=CTX.company_plant_timezones, plant_timezones=CTX.plant_timezones,
        received_at=CTX.received_at, lookups={**base, "item_units": {**base["item_units"], **item_units}}, **extra)


def test_unit_symbols_are_per_installation() -> None:
    """A symbol this installation defines (``Stk``) resolves through the context's [units]; unknown, it is a
    reject naming [units], never a guess."""
    content = json.loads(sample("mes_material_consumption_picking_list.content.json"))
    content["PickingListLines"] = [dict(content["PickingListLines"][0], BOMUnitSymbol="Stk")]
    payload = _envelope("ProdProductionOrderPickingList", content)
    (bad,) = MAPPER.to_canonical(payload, CTX).rejects
    assert bad.code == "unknown_unit"
    assert "[units]" in bad.reason
    assert bad.location == "/_messageContent/PickingListLines/0/BOMUnitSymbol"
    assert "Stk" in bad.payload
    ctx = _with_units({}, units={"Stk": "H87"})
    (event,) = MAPPER.to_canonical(payload, ctx).events
    assert (event.data.quantity.uom, event.data.quantity.source_uom) == ("H87", "Stk")


def test_unit_absent_is_looked_up_by_item() -> None:
    """Report as finished carries no unit: the item's unit comes from [lookups.item_units]; a miss is an
    unresolved_reference reject that says what to add, and the payload is kept."""
    ctx = MappingContext(source_system="D365", default_timezone="UTC",
                         lookups={"order_sites": {"USMF/P000123": "1"}})
    (bad,) = MAPPER.to_canonical(sample("mes_report_as_finished.json"), ctx).rejects
    assert bad.code == "unresolved_reference"
    assert "[lookups.item_units]" in bad.reason
    assert '"USMF/FG-1000"' in bad.reason
    assert bad.location == "/_messageContent/ReportFinishedLines/0/ReportedGoodQuantity"
    assert "FG24011601" in bad.payload


def test_site_absent_is_looked_up_by_order() -> None:
    ctx = MappingContext(source_system="D365", default_timezone="UTC", lookups={"item_units": {"RM-2001": "ea",
                                                                                              "RM-3001": "kg"}})
    result = MAPPER.to_canonical(sample("mes_material_consumption_picking_list.json"), ctx)
    assert [r.code for r in result.rejects] == ["unresolved_reference", "unresolved_reference"]
    assert "[lookups.order_sites]" in result.rejects[0].reason
    result.assert_balanced()


def test_json_numbers_stay_exact() -> None:
    content = json.loads(sample("mes_route_card_time_consumption.content.json"))
    text = json.dumps(content).replace('"Hours": 4.4', '"Hours": 0.30000000000000004441')
    payload = json.dumps({"_companyId": "USMF", "_messageQueue": "JmgMES3P",
                          "_messageType": "ProdProductionOrderRouteCard", "_messageContent": text}).encode()
    first = MAPPER.to_canonical(payload, CTX).events[0].data
    assert first.activities[0].duration.value == Decimal("0.30000000000000004441")


def test_enum_strings_and_rejects_name_the_field() -> None:
    content = json.loads(sample("mes_end_production_order.content.json"))
    content["AutoUpdate"] = "Maybe"
    (bad,) = MAPPER.to_canonical(_envelope("ProdProductionOrderEnd", content), CTX).rejects
    assert (bad.code, bad.location) == ("invalid_value", "/_messageContent/AutoUpdate")
    assert "Maybe" in bad.payload


def test_unknown_message_type_is_a_reject() -> None:
    result = MAPPER.to_canonical(_envelope("ProdProductionOrderStop", {"ProductionOrderNumber": "P1"}), CTX)
    (bad,) = result.rejects
    assert (bad.code, bad.location) == ("unsupported_message", "/_messageType")


def test_date_only_and_instants() -> None:
    """Date-only fields (StartedDate) are 00:00 in the site's zone; DateTime fields with Z are instants."""
    (start,) = _data("mes_start_production_order.json")
    assert start.changed_at.isoformat() == "2024-01-16T05:00:00+00:00"
    content = json.loads(sample("mes_end_production_order.content.json"))
    del content["ExecutedDateTime"]
    (event,) = MAPPER.to_canonical(_envelope("ProdProductionOrderEnd", content), CTX).events
    assert event.data.changed_at.isoformat() == "2024-01-17T05:00:00+00:00"


# Outcomes ------------------------------------------------------------------------------------------------
def test_processor_outcome_names_the_request() -> None:
    (request,) = _data("mes_report_as_finished.json")
    result = MAPPER.to_canonical(sample("business_event_message_processed_failed.json"), CTX)
    (event,) = result.events
    outcome = event.data
    assert type(event).__name__ == "PostingFailed"
    assert (outcome.outcome, outcome.outcome_source_code, outcome.request_kind) == (
        PostingState.FAILED, "Failed", RequestKind.CONFIRMATION)
    assert outcome.request_external_id == request.posting.external_id
    assert outcome.order_id == "P000123"
    assert outcome.company_id == "USMF"
    assert outcome.messages[0].text.startswith("Batch number FG24011601")
    assert outcome.processed_at.isoformat() == "2024-01-16T18:50:00+00:00"


@pytest.mark.parametrize(("state", "event_type", "outcome"), [
    ("Processed", "PostingSucceeded", PostingState.POSTED), ("Canceled", "PostingFailed", PostingState.CANCELLED)])
def test_processor_states(state: str, event_type: str, outcome: PostingState) -> None:
    body = json.loads(sample("business_event_message_processed_failed.json"))
    body["MessageState"] = state
    (event,) = MAPPER.to_canonical(json.dumps(body).encode(), CTX).events
    assert (type(event).__name__, event.data.outcome) == (event_type, outcome)


def test_queued_is_not_an_outcome() -> None:
    body = json.loads(sample("business_event_message_processed_failed.json"))
    body["MessageState"] = "Queued"
    (bad,) = MAPPER.to_canonical(json.dumps(body).encode(), CTX).rejects
    assert (bad.code, bad.location) == ("unmappable_value", "/MessageState")


@pytest.mark.parametrize("raw", ["/Date(253402300800000)/", "/Date(-62135596800001)/", "/Date(x)/"])
def test_event_time_out_of_range_or_malformed_is_a_typed_reject(raw: str) -> None:
    """Past year 9999, before year 1, or no number: an invalid_value at EventTime, never a mapper crash."""
    body = json.loads(sample("business_event_message_processed_failed.json"))
    del body["EventTimeIso8601"]
    body["EventTime"] = raw
    (bad,) = MAPPER.to_canonical(json.dumps(body).encode(), CTX).rejects
    assert (bad.code, bad.location) == ("invalid_value", "/EventTime")


# Outbound --------------------------------------------------------------------------------------------------
def test_one_document_per_message_with_content_as_json_text() -> None:
    entities = [d for name in MES for d in _data(name)]
    documents = write_documents(MAPPER, entities, CTX)
    assert sorted(d.kind for d in documents) == sorted([
        "ProdProductionOrderEnd", "ProdProductionOrderPickingList", "ProdProductionOrderReportFinished",
        "ProdProductionOrderRouteCard", "ProdProductionOrderStart"])
    for document in documents:
        body = document.payload
        assert isinstance(body, dict)
        assert isinstance(body["_messageContent"], str)
        assert body["_companyId"] == "USMF"
        assert body["_messageQueue"] == "JmgMES3P"
    picking = next(d.payload for d in documents if d.kind == "ProdProductionOrderPickingList")
    assert '"ConsumptionBOMQuantity":12.75' in picking["_messageContent"]  # a JSON number, not a string
    assert '"ScrapBOMQuantity":0.25' in picking["_messageContent"]


def test_writer_refuses_a_quantity_in_another_unit() -> None:
    (conf,) = _data("mes_report_as_finished.json")
    import msgspec

    other = msgspec.structs.replace(conf, outputs=[msgspec.structs.replace(
        conf.outputs[0], yield_quantity=msgspec.structs.replace(conf.outputs[0].yield_quantity, uom="KGM",
                                                                source_uom=None))])
    from mfgcanon.errors import MappingError

    with pytest.raises(MappingError) as info:
        MAPPER.write_documents([other], CTX)
    assert info.value.code == "unmappable_value"
    assert "carries no unit" in info.value.message


def test_writer_refuses_receipts_and_unknown_statuses() -> None:
    from mfgcanon.errors import MappingError

    (start,) = _data("mes_start_production_order.json")
    import msgspec

    with pytest.raises(MappingError, match="has no D365 MES message"):
        MAPPER.write_documents([msgspec.structs.replace(start, status=OrderStatus.ON_HOLD)], CTX)
    (issue, *_) = _data("mes_material_consumption_picking_list.json")
    receipt = msgspec.structs.replace(issue, movement_type=MovementType.GOODS_RECEIPT)
    assert isinstance(receipt, MaterialMovement)
    with pytest.raises(MappingError, match="reported as finished"):
        MAPPER.write_documents([receipt], CTX)


def test_a_json_array_of_envelopes() -> None:
    """Several messages in one payload (what from_canonical writes for several): each read, pointers per item."""
    start = json.loads(sample("mes_start_production_order.json"))
    end = json.loads(sample("mes_end_production_order.json"))
    result = MAPPER.to_canonical(json.dumps([start, {"_messageType": "X"}, end]).encode(), CTX)
    result.assert_balanced()
    assert [e.data.status for e in result.events] == [OrderStatus.IN_PROGRESS, OrderStatus.CLOSED]
    (bad,) = result.rejects
    assert (bad.code, bad.location) == ("unsupported_message", "/1")


def test_outcome_time_needs_an_offset() -> None:
    body = json.loads(sample("business_event_message_processed_failed.json"))
    body["EventTimeIso8601"] = "2024-01-16T18:50:00"
    (bad,) = MAPPER.to_canonical(json.dumps(body).encode(), CTX).rejects
    assert (bad.code, bad.location) == ("invalid_value", "/EventTimeIso8601")


def test_builtins_table_lists_the_microsoft_mappers_without_entry_points() -> None:
    """The shared environment's installed metadata predates the d365 entry points: the built-in table alone
    makes them available (and detection finds them)."""
    from mfgcanon.mappers import registry

    assert {"d365-mes": "mfgcanon.mappers.d365:D365MesMapper", "d365-odata": "mfgcanon.mappers.d365:D365ODataMapper",
            "bc": "mfgcanon.mappers.d365:BcMapper"}.items() <= registry.BUILTINS.items()
    assert registry.detect(sample("mes_report_as_finished.json")) == ["d365-mes"]
    assert registry.detect(sample("odata_production_order_headers_get_response.json")) == ["d365-odata"]


def test_benchmark_case_is_the_mappers_event() -> None:
    """benchmarks/mappers_d365.py builds its message from the bundled sample and checks its pipeline's event
    equals the mapper's (run here once, without timing, so the benchmark cannot rot)."""
    from benchmarks import mappers_d365

    mappers_d365.assert_same(mappers_d365.message())
