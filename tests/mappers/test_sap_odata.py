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

from .conftest import sample
from .test_sap_idoc import CONF_CARRIED, confirmations

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
    assert len(result.events) == 1
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
@given(st.lists(confirmations(), min_size=1, max_size=3, unique_by=lambda c: c.confirmation_id))
def test_prodnordconf2_round_trip(items: list) -> None:  # type: ignore[type-arg]
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "Europe/Berlin"})
    body = MAPPER.from_canonical(items, ctx)
    back = [e.data for e in MAPPER.to_canonical(body, ctx).events]
    for original, read in zip(items, back, strict=True):
        for name in CONF_CARRIED:
            if name == "work_center_id":
                continue
            assert getattr(read, name) == getattr(original, name), name
