"""d365-odata (production order headers, BOM lines, route operations, business events) and bc (production order
lines): the contract suite, the samples, and the OData v4 quirks."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from mfgcanon.mappers import MappingContext, get
from mfgcanon.testing.mapper_suite import MapperContract
from mfgcanon.v1.order import OrderStatus, SupplyType

from ._support import CTX, ODATA_LINES, ODATA_SAMPLES, bc_sample, foreign, sample

MAPPER = get("d365-odata")
BC = get("bc")
HEADERS = "odata_production_order_headers_get_response.json"
ALL = [HEADERS, *ODATA_LINES]


class TestD365ODataContract(MapperContract):
    @pytest.fixture
    def mapper(self) -> Any:
        return MAPPER

    @pytest.fixture
    def context(self) -> MappingContext:
        return CTX

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, bytes]]:
        return [(name, sample(name)) for name in ODATA_SAMPLES]

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, Any]]:
        return foreign(*ODATA_SAMPLES, *ODATA_LINES)


class TestBcContract(MapperContract):
    @pytest.fixture
    def mapper(self) -> Any:
        return BC

    @pytest.fixture
    def context(self) -> MappingContext:
        return CTX

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, bytes]]:
        return [("bc_lines", bc_sample())]

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, Any]]:
        return foreign("analytics_manufacturing_prod_order_lines_get_response.json")


def _order(*payloads: bytes, ctx: MappingContext = CTX) -> Any:
    result = MAPPER.to_canonical_many(list(payloads), ctx)
    result.assert_balanced()
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    (event,) = [e for e in result.events if type(e).__name__ != "ProductionOrderStatusChanged"]
    return event


def test_headers_lines_and_operations_join() -> None:
    event = _order(*(sample(n) for n in ALL))
    order = event.data
    assert type(event).__name__ == "ProductionOrderReleased"
    assert (order.order_id, order.company_id, order.plant, order.material_id) == ("P000123", "USMF", "1", "FG-1000")
    assert (order.planned_quantity.value, order.planned_quantity.uom) == (Decimal(100), "EA")
    assert [r.material_id for r in order.material_requirements] == ["RM-2001", "RM-3001"]
    kg = order.material_requirements[1]
    assert (kg.quantity.value, kg.quantity.uom, kg.supply_type, kg.supply_type_source_code, kg.is_backflush) == (
        Decimal("12.5"), "KGM", SupplyType.OPERATION_PULL, "Finish", True)
    assert order.material_requirements[0].lot_id == "L24-0042"
    assert [op.operation_id for op in order.operations] == ["10", "20"]
    assert event.subject == "company/USMF/production-order/1/P000123"
    assert MAPPER.to_canonical_many([sample(n) for n in ALL], CTX).records_in == 5  # header + 2 lines + 2 operations


def test_status_enum_is_mapped_and_kept() -> None:
    expected = {"Created": OrderStatus.PLANNED, "CostEstimated": OrderStatus.PLANNED, "Scheduled": OrderStatus.PLANNED,
                "Released": OrderStatus.RELEASED, "StartedUp": OrderStatus.IN_PROGRESS,
                "ReportedFinished": OrderStatus.COMPLETED, "Completed": OrderStatus.CLOSED,
                "SomethingNew": OrderStatus.OTHER}
    events = {"Released": "ProductionOrderReleased", "ReportedFinished": "ProductionOrderCompleted",
              "Completed": "ProductionOrderClosed"}
    body = json.loads(sample(HEADERS))
    for raw, status in expected.items():
        body["value"][0]["ProductionOrderStatus"] = raw
        event = _order(json.dumps(body).encode())
        assert (event.data.status, event.data.status_source_code) == (status, raw)
        assert type(event).__name__ == events.get(raw, "ProductionOrderUpdated")


def test_dates_no_date_and_seconds_of_day_in_the_site_zone() -> None:
    order = _order(sample(HEADERS)).data
    # ScheduledStartDate 2024-01-16 + 21600 s = 06:00 at site 1 of USMF (America/New_York) = 11:00 UTC
    assert order.scheduled_start_at.isoformat() == "2024-01-16T11:00:00+00:00"
    assert order.scheduled_end_at.isoformat() == "2024-01-16T23:30:00+00:00"
    assert str(order.released_date) == "2024-01-15"  # date only: never shifted by a zone
    names = {p.name for p in order.properties}
    assert "d365.started_date" not in names
    assert "d365.ended_date" not in names
    assert "d365.estimated_date" in names


def test_site_zone_is_per_company() -> None:
    """Site 1 of USMF has its own zone; the same site number in another company takes that company's zone."""
    body = json.loads(sample(HEADERS))
    body["value"][0]["dataAreaId"] = "demf"
    ctx = MappingContext.build(source_system="D365", lookups={"item_units": {"FG-1000": "ea"}},
                               plants={"9": "UTC"})
    ctx = MappingContext(**{**ctx.__dict__, "company_timezones": {"DEMF": __import__("zoneinfo").ZoneInfo(
        "Europe/Berlin")}})
    order = _order(json.dumps(body).encode(), ctx=ctx).data
    assert order.company_id == "DEMF"
    assert order.scheduled_start_at.isoformat() == "2024-01-16T05:00:00+00:00"


def test_annotations_are_no_fields_and_etag_is_the_revision() -> None:
    order = _order(sample(HEADERS)).data
    assert order.source.revision == 'W/"JzEsNTYzNzE0NDU3Nic="'
    assert not any(p.name.startswith("d365.@") for p in order.properties)


def test_next_link_is_the_continuation() -> None:
    body = json.loads(sample(HEADERS))
    body["@odata.nextLink"] = "https://usmf.operations.dynamics.com/data/ProductionOrderHeaders?$skiptoken=1"
    result = MAPPER.to_canonical(json.dumps(body).encode(), CTX)
    assert result.continuation == body["@odata.nextLink"]
    assert MAPPER.to_canonical(sample(HEADERS), CTX).continuation is None


def test_lines_without_their_header_are_kept_as_rejects() -> None:
    result = MAPPER.to_canonical(sample(ODATA_LINES[0]), CTX)
    result.assert_balanced()
    assert [r.code for r in result.rejects] == ["unmatched_record", "unmatched_record"]
    assert result.rejects[0].location == "/value/0"
    assert "RM-2001" in result.rejects[0].payload


def test_order_unit_comes_from_the_item() -> None:
    ctx = MappingContext.build(source_system="D365", default_timezone="UTC")
    result = MAPPER.to_canonical_many([sample(n) for n in ALL], ctx)
    result.assert_balanced()
    first = result.rejects[0]
    assert first.code == "unresolved_reference"
    assert "[lookups.item_units]" in first.reason
    assert first.location == "/value/0/ItemNumber" or first.location.endswith("/ItemNumber")
    assert len(result.rejects) == 5  # the header and, with it, its lines: each kept


def test_process_time_is_per_process_quantity() -> None:
    """ProcessTime is hours per ProcessQuantity of the item (D365's route operation): that quantity is the
    activity's basis, as SAP's base quantity is. Without it, 0.04 hours read as the whole operation's run
    (found by the cross-vendor test against SAP's 2.5 min per piece). Setup time is per run: no basis."""
    body = json.loads(sample("odata_production_order_route_operations_get_response.json"))
    body["value"][0]["ProcessQuantity"] = 10
    op10, op20 = _order(sample(HEADERS), sample(ODATA_LINES[0]), json.dumps(body).encode()).data.operations
    setup, machine = op10.planned_activities
    assert (setup.activity, setup.duration.value, setup.basis_quantity) == ("setup", Decimal("0.25"), None)
    assert (machine.activity, machine.duration.value, machine.duration.uom) == ("machine", Decimal("0.04"), "HUR")
    assert machine.basis_quantity is not None
    assert (machine.basis_quantity.value, machine.basis_quantity.uom, machine.basis_quantity.source_uom) == (
        Decimal(10), "EA", "ea")
    (only,) = op20.planned_activities
    assert only.basis_quantity is not None
    assert only.basis_quantity.value == Decimal(1)
    assert all(p.name != "d365.process_quantity" for p in op10.properties)  # one concept, one place
    del body["value"][0]["ProcessQuantity"]
    first = _order(sample(HEADERS), json.dumps(body).encode()).data.operations[0]
    assert first.planned_activities[1].basis_quantity is None  # no quantity given: no basis invented


def test_business_event_is_a_thin_status_change() -> None:
    (event,) = MAPPER.to_canonical(sample("business_event_production_order_released.json"), CTX).events
    change = event.data
    assert type(event).__name__ == "ProductionOrderStatusChanged"
    assert (change.order_id, change.company_id, change.status, change.status_source_code) == (
        "P000123", "USMF", OrderStatus.RELEASED, "Released")
    assert change.changed_at.isoformat() == "2024-01-15T07:15:02+00:00"
    # the same order's snapshot and the thin event share the partition
    order = _order(sample(HEADERS))
    assert event.partitionkey == order.partitionkey == "USMF|P000123"


def test_bad_field_names_the_path_and_keeps_the_payload() -> None:
    body = json.loads(sample(HEADERS))
    body["value"][0]["ScheduledStartTime"] = "six"
    (bad,) = MAPPER.to_canonical(json.dumps(body).encode(), CTX).rejects
    assert (bad.code, bad.location) == ("invalid_value", "/value/0/ScheduledStartTime")
    assert "Centrifugal pump" in bad.payload


def test_bc_line_is_an_order() -> None:
    result = BC.to_canonical(bc_sample(), CTX)
    assert not result.rejects
    (event,) = result.events
    order = event.data
    assert type(event).__name__ == "ProductionOrderReleased"
    assert (order.order_id, order.source_order_id, order.plant, order.material_id) == (
        "101001/10000", "101001", "MAIN", "FG-1000")
    assert order.company_id == "00000000-0000-0000-0000-000000000001"
    assert order.planned_quantity.uom == "EA"
    assert order.due_at.isoformat() == "2024-01-16T23:00:00+00:00"  # 00:00 in Europe/Berlin ([plants.MAIN])


def test_bc_without_item_unit_is_a_reject() -> None:
    ctx = MappingContext.build(source_system="BC", default_timezone="UTC")
    (bad,) = BC.to_canonical(bc_sample(), ctx).rejects
    assert bad.code == "unresolved_reference"
    assert bad.location == "/value/0/itemNo"


@pytest.mark.parametrize("name", [*ODATA_SAMPLES, *ODATA_LINES, "mes_report_as_finished.json",
                                  "mes_material_consumption_picking_list.json",
                                  "business_event_message_processed_failed.json"])
def test_sap_mappers_refuse_microsoft_samples(name: str) -> None:
    for sap in ("sap-odata", "sap-idoc"):
        assert not get(sap).sniff(sample(name)), (sap, name)
    assert not get("sap-odata").sniff(bc_sample())


def test_a_single_record_and_record_annotations() -> None:
    """One record without the collection wrapper reads alike; annotations on a record are no fields."""
    body = json.loads(sample(HEADERS))["value"][0]
    body["ProductionOrderStatus@odata.type"] = "#Microsoft.Dynamics.DataEntities.ProdStatus"
    order = _order(json.dumps(body).encode()).data
    assert order.status is OrderStatus.RELEASED
    assert order.order_id == "P000123"


@pytest.mark.parametrize("mapper", ["d365-mes", "d365-odata", "bc"])
def test_parsed_input_with_a_lone_surrogate_is_a_reject(mapper: str) -> None:
    """Dicts a caller built may hold text that is not Unicode: a malformed_payload reject, never an event or a
    reject that cannot be written (regression: the order was emitted and failed to encode)."""
    from mfgcanon import codecs

    name = {"d365-mes": "mes_report_as_finished.json", "d365-odata": HEADERS}.get(mapper)
    data = json.loads(sample(name) if name else bc_sample())
    if mapper == "d365-mes":
        content = json.loads(data["_messageContent"])
        content["ProductionOrderNumber"] = "P\ud800"
        data["_messageContent"] = content
    else:
        data["value"][0]["prodOrderStatus" if mapper == "bc" else "ProductionOrderStatus"] = "Re\ud800"
    result = get(mapper).to_canonical(data, CTX)
    result.assert_balanced()
    assert not result.events
    (bad,) = result.rejects
    assert bad.code == "malformed_payload"
    codecs.encode(bad.to_dict())
