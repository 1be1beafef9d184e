"""SAP OData mapper: samples, quirks, inspection joining, outbound bodies and round trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfgcanon.mappers import MappingContext, get
from mfgcanon.testing.mapper_suite import MapperContract
from mfgcanon.v1 import OrderStatus, Quantity, StockStatus, UsageDecision

from . import channel
from .conftest import FIXTURES, sample
from .test_idoc import BERLIN, CARRIED, CONF_CARRIED

MAPPER = get("sap-odata")
SUPPORTED = [
    "odata_production_order_2_get_response.json",
    "odata_product_get_response.json",
    "odata_material_document_post_goods_issue_261_request.json",
    "odata_material_document_post_goods_receipt_101_request.json",
    "odata_material_document_post_scrap_551_request.json",
    "odata_material_stock_get_response.json",
    "odata_prodnordconf2_post_response.json",
    "odata_inspection_lot_get_response.json",
    "odata_batch_get_response.json",
]
CTX = MappingContext.build(
    source_system="S4H-100",
    plants={"1710": "America/Los_Angeles"},
    received_at=datetime(2024, 1, 17, 12, tzinfo=UTC),
    options={"default_plant": "1710"},
)


class TestSapODataContract(MapperContract):
    @pytest.fixture
    def mapper(self):  # type: ignore[no-untyped-def]
        return MAPPER

    @pytest.fixture
    def context(self) -> MappingContext:
        return CTX

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, bytes]]:
        return [(name, sample(name)) for name in SUPPORTED]

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, bytes]]:
        """sap-idoc's samples (IDocs and RFC XML): auto-detection needs exactly one taker."""
        return [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.xml"))]


def test_order_sample() -> None:
    (event,) = MAPPER.to_canonical(sample("odata_production_order_2_get_response.json"), CTX).events
    order = event.data
    assert order.status is OrderStatus.RELEASED
    assert order.planned_quantity == Quantity(value=Decimal(100), uom="H87", source_uom="PC")
    assert order.planned_end_at == datetime(2024, 1, 18, 8, 0, tzinfo=UTC)  # PT24H00M00S on 17 Jan, Los Angeles
    assert order.planned_start_at == datetime(2024, 1, 16, 14, 0, tzinfo=UTC)
    assert [op.operation_id for op in order.operations] == ["0010"]
    assert [c.line_id for c in order.material_requirements] == ["98765/1", "98765/2"]


def test_header_flags_without_expanded_statuses() -> None:
    data = json.loads(sample("odata_production_order_2_get_response.json"))
    record = data["d"]["results"][0]
    del record["to_ProductionOrderStatus"]
    record["OrderIsTechnicallyCompleted"] = "X"
    event = MAPPER.to_canonical(data, CTX).events[0]
    assert event.data.status is OrderStatus.COMPLETED


def test_date_offset_and_decimal_strings() -> None:
    body = {
        "d": {
            "Product": "000000000000004711",
            "BaseUnit": "PC",
            "ProductType": "ROH",
            "LastChangeDateTime": "/Date(1700000000000+0060)/",
        }
    }
    event = MAPPER.to_canonical(body, CTX).events[0]
    assert event.data.material_id == "4711"
    assert event.time == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


def test_stock_sample() -> None:
    events = MAPPER.to_canonical(sample("odata_material_stock_get_response.json"), CTX).events
    assert [e.data.stock_status for e in events] == [StockStatus.UNRESTRICTED, StockStatus.QUALITY_INSPECTION]
    assert events[0].data.quantity.value == Decimal("98")
    assert events[0].data.snapshot_at == CTX.received_at


def test_inspection_parts_join_across_payloads() -> None:
    parts = [sample(f"odata_inspection_{n}_get_response.json") for n in ("lot", "result", "usage_decision")]
    result = MAPPER.to_canonical_many(parts, CTX)
    assert not result.rejects
    assert result.records_in == 4
    assert result.converted == 4
    assert (len(result.events), result.derived) == (2, 1)  # the accepting decision releases its hold (derived)
    assert type(result.events[1]).event_type() == "mfgcanon.quality.hold_released.v1"
    inspection = result.events[0].data
    assert inspection.usage_decision is UsageDecision.ACCEPT
    assert [r.characteristic_id for r in inspection.results] == ["10", "20"]
    assert inspection.results[0].measured_value == Decimal("10.02")
    lonely = MAPPER.to_canonical(sample("odata_inspection_result_get_response.json"), CTX)
    assert [r.code for r in lonely.rejects] == ["unmatched_record", "unmatched_record"]


def test_error_response_is_a_reject_with_the_sap_message() -> None:
    (reject,) = MAPPER.to_canonical(sample("odata_error_response.json"), CTX).rejects
    assert reject.code == "source_error"
    assert "RU/505" in reject.reason


def test_bad_values_name_the_json_pointer() -> None:
    body = {
        "d": {
            "results": [
                {
                    "ManufacturingOrder": "1",
                    "ManufacturingOrderType": "PP01",
                    "ProductionPlant": "1710",
                    "Material": "X",
                    "TotalQuantity": "abc",
                    "ProductionUnit": "PC",
                }
            ]
        }
    }
    (reject,) = MAPPER.to_canonical(body, CTX).rejects
    assert reject.location == "/d/results/0/TotalQuantity"
    assert reject.code == "invalid_value"


def test_confirmation_body_matches_sample_shape() -> None:
    confirmation = MAPPER.to_canonical(sample("odata_prodnordconf2_post_response.json"), CTX).events[0].data
    body = MAPPER.from_canonical([confirmation], CTX)
    assert body["OrderID"] == "1000123"
    assert body["ConfirmationUnit"] == "PC"
    assert body["ConfirmationYieldQuantity"] == "98"
    assert body["PostingDate"] == "/Date(1705363200000)/"


def test_material_document_bodies() -> None:
    movements = [
        e.data
        for e in MAPPER.to_canonical(sample("odata_material_document_post_goods_issue_261_request.json"), CTX).events
    ]
    body = MAPPER.from_canonical(movements, CTX)
    assert body["GoodsMovementCode"] == "03"
    assert [i["QuantityInEntryUnit"] for i in body["to_MaterialDocumentItem"]["results"]] == ["100", "12.75"]


@settings(max_examples=40, deadline=None)
@given(st.lists(channel.confirmations(BERLIN), min_size=1, max_size=3, unique_by=lambda c: c.confirmation_id))
def test_prodnordconf2_round_trip(items: list) -> None:  # type: ignore[type-arg]
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "Europe/Berlin"})
    body = MAPPER.from_canonical(items, ctx)
    back = [e.data for e in MAPPER.to_canonical(body, ctx).events]
    for original, read in zip(items, back, strict=True):
        for name in CONF_CARRIED:
            if name == "work_center_id":
                continue
            assert getattr(read, name) == getattr(original, name), name


def test_batch_becomes_lot_upserted_like_batmas() -> None:
    """API_BATCH_SRV Batch -> LotUpserted with the same lot, dates and properties as the BATMAS sample."""
    (event,) = MAPPER.to_canonical(sample("odata_batch_get_response.json"), CTX).events
    lot = event.data
    assert event.event_type() == "mfgcanon.lot.upserted.v1"
    assert event.time == datetime(2024, 1, 16, 18, 45, tzinfo=UTC)  # LastChangeDateTime
    assert (lot.material_id, lot.lot_id, lot.plant) == ("FG-1000", "FG24011601", None)  # cross-plant batch
    batmas = get("sap-idoc").to_canonical(sample("idoc_batmas03_batch.xml"), CTX).events[0].data
    assert event.subject == "lot/FG-1000/FG24011601"
    assert (lot.manufactured_at, lot.expires_at) == (batmas.manufactured_at, batmas.expires_at)
    names = {p.name: p.value for p in lot.properties}
    assert names["sap.country_of_origin"] == "DE"
    assert names["sap.availability_date"] == "2024-01-16"
    assert "sap.deletion_flag" not in names


def test_cross_plant_batch_dates_need_a_zone() -> None:
    bare = MappingContext.build(source_system="S4H-100")
    (reject,) = MAPPER.to_canonical(sample("odata_batch_get_response.json"), bare).rejects
    assert reject.code == "missing_timezone"
    assert reject.location.endswith("/ManufactureDate")
    utc = MappingContext.build(source_system="S4H-100", default_timezone="UTC")
    (event,) = MAPPER.to_canonical(sample("odata_batch_get_response.json"), utc).events
    assert event.data.manufactured_at == datetime(2024, 1, 16, tzinfo=UTC)


RFC_RESULTS = "rfc_bapi_inspoper_recordresults_request.json"
RFC_DECISION = "rfc_bapi_insplot_setusagedecision_request.json"


def test_bapi_results_and_usage_decision_join_their_lot() -> None:
    """BAPI_INSPOPER_RECORDRESULTS rows and BAPI_INSPLOT_SETUSAGEDECISION join the A_InspectionLot."""
    parts = [sample("odata_inspection_lot_get_response.json"), sample(RFC_RESULTS), sample(RFC_DECISION)]
    result = MAPPER.to_canonical_many(parts, CTX)
    result.assert_balanced()
    assert not result.rejects
    assert (result.records_in, len(result.events), result.derived) == (4, 2, 1)  # lot + 2 rows + decision; hold
    inspection = result.events[0].data
    assert inspection.inspection_id == "40000000123"
    assert inspection.usage_decision is UsageDecision.ACCEPT
    assert inspection.usage_decision_source_code == "A1"
    assert inspection.decided_at == datetime(2024, 1, 17, 17, 12, tzinfo=UTC)  # 09:12 in Los Angeles
    assert inspection.decided_by == "QA_MES"
    assert result.events[0].time == inspection.decided_at
    first, second = inspection.results
    assert (first.characteristic_id, first.measured_value, first.evaluation.value) == ("10", Decimal("10.02"), "pass")
    assert first.measured_at == datetime(2024, 1, 16, 23, 40, tzinfo=UTC)
    assert (second.characteristic_id, second.value_text, second.evaluation.value) == ("20", "VISUAL/0020", "fail")
    assert {p.name: p.value for p in second.properties}["sap.operation"] == "0010"


@pytest.mark.parametrize(("name", "locations"), [(RFC_RESULTS, ["/CHAR_RESULTS/0", "/CHAR_RESULTS/1"]),
                                                 (RFC_DECISION, ["/UD_DATA"])])
def test_bapi_parts_without_their_lot_are_unmatched(name: str, locations: list[str]) -> None:
    result = MAPPER.to_canonical(sample(name), CTX)
    result.assert_balanced()
    assert [(r.code, r.location) for r in result.rejects] == [("unmatched_record", where) for where in locations]


@pytest.mark.parametrize("name", [RFC_RESULTS, RFC_DECISION])
def test_bapi_requests_are_detected_as_sap_json(name: str) -> None:
    from mfgcanon.mappers import registry

    assert registry.detect(sample(name)) == ["sap-odata"]


def test_several_usage_decisions_the_last_decides_and_all_are_counted() -> None:
    parts = [
        sample("odata_inspection_lot_get_response.json"),
        sample("odata_inspection_usage_decision_get_response.json"),
        sample(RFC_DECISION),
    ]
    result = MAPPER.to_canonical_many(parts, CTX)
    result.assert_balanced()
    assert not result.rejects
    assert (len(result.events), result.derived) == (2, 1)  # the inspection, and the hold its decision releases
    assert result.converted == result.records_in
    assert result.events[0].data.usage_decision_source_code == "A1"


def test_bapi_result_rows_are_checked() -> None:
    body = json.loads(sample(RFC_RESULTS))
    body["CHAR_RESULTS"][1]["END_DATE"] = "20241341"
    parts = [sample("odata_inspection_lot_get_response.json"), json.dumps(body).encode()]
    result = MAPPER.to_canonical_many(parts, CTX)
    result.assert_balanced()
    assert not result.events
    codes = {r.code for r in result.rejects}
    assert codes == {"invalid_value"}
    assert any(r.location.endswith("/CHAR_RESULTS/1/END_DATE") for r in result.rejects), result.rejects


# what a material document body carries of a movement: all the IDoc carries but the time of day
MOVEMENT_CARRIED = tuple(name for name in CARRIED if name != "occurred_at")


def _local_midnight(instant: datetime) -> datetime:
    return datetime.combine(instant.astimezone(BERLIN).date(), datetime.min.time(), BERLIN).astimezone(UTC)


@settings(max_examples=60, deadline=None)
@given(st.lists(channel.movements(BERLIN), min_size=1, max_size=4))
def test_material_document_round_trip(items: list) -> None:  # type: ignore[type-arg]
    """Movements -> A_MaterialDocumentHeader POST bodies -> the material document reader: every carried
    field comes back. The body has dates, not times: the posting date comes back (the local day of the
    movement when it had none) and the time is the local midnight of the movement's day (the body's
    document date: movements of different days go in different bodies)."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "Europe/Berlin"})
    written = MAPPER.from_canonical(items, ctx)
    bodies = written if isinstance(written, list) else [written]
    back = [e.data for body in bodies for e in MAPPER.to_canonical(body, ctx).events]
    assert len(back) == len(items)

    def comes_back_as(original, read) -> bool:  # type: ignore[no-untyped-def]
        day = original.occurred_at.astimezone(BERLIN).date()
        return (
            all(getattr(read, n) == getattr(original, n) for n in MOVEMENT_CARRIED)  # Decimal by value
            and read.posting_date == (original.posting_date or day)
            and read.occurred_at == _local_midnight(original.occurred_at)
        )

    pool = list(back)
    for original in items:  # each movement comes back once
        read = next((m for m in pool if comes_back_as(original, m)), None)
        assert read is not None, f"{original!r} did not come back in {pool!r}"
        pool.remove(read)


def test_a_paged_collection_reports_where_the_next_page_starts() -> None:
    body = json.loads(sample("odata_production_order_2_get_response.json"))
    assert MAPPER.to_canonical(json.dumps(body).encode(), CTX).continuation is None
    data = body["d"]
    records = data.get("results", [data])
    link = "https://host/sap/opu/odata/sap/API_PRODUCTION_ORDER_2_SRV/A_ProductionOrder_2?$skiptoken=100"
    paged = {"d": {"results": records, "__next": link}}
    result = MAPPER.to_canonical(json.dumps(paged).encode(), CTX)
    assert result.continuation == link
    assert len(result.events) == len(records)
