"""tulip: Tulip table records through a tenant field map, both directions; the contract suite on the samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mfgcanon.errors import MappingError
from mfgcanon.mappers import MappingContext, get, load_context, write_documents
from mfgcanon.mappers.context import context_from_dict
from mfgcanon.mappers.tulip.tables import table_map
from mfgcanon.testing.mapper_suite import MapperContract
from mfgcanon.v1.equipment import EquipmentState, EquipmentStateChange
from mfgcanon.v1.events import MaterialScrapped, ProductionOrderReleased, ProductionOrderUpdated
from mfgcanon.v1.inventory import InventoryBalance, MaterialMovement, MovementType
from mfgcanon.v1.order import OrderStatus, ProductionOrder
from mfgcanon.v1.quality import Disposition, Nonconformance, NonconformanceStatus, Severity

REPO = Path(__file__).resolve().parents[3]
TULIP = REPO / "examples" / "tulip"
CTX = load_context(TULIP / "context.toml")
SAMPLES = sorted(p.name for p in TULIP.glob("*.json"))
MAPPER = get("tulip")
WO, DEFECTS, INVENTORY, ACTIVITY = "WoRk0rdEr5tAbLe01", "DeFeCt5tAbLe00002", "InVeNt0ry1tEm5003", "St4t10nAct1v1ty04"


def sample(name: str) -> bytes:
    return (TULIP / name).read_bytes()


def foreign() -> list[tuple[str, Any]]:
    """The other bundled formats' samples (examples/<vendor>), which tulip's sniff must refuse."""
    return [(p.name, p.read_bytes()) for folder in ("sap", "d365", "bc", "b2mml", "oracle")
            for p in sorted((REPO / "examples" / folder).glob("*")) if p.suffix in (".json", ".xml")]


class TestTulipContract(MapperContract):
    @pytest.fixture
    def mapper(self) -> Any:
        return MAPPER

    @pytest.fixture
    def context(self) -> MappingContext:
        return CTX

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, bytes]]:
        return [(name, sample(name)) for name in SAMPLES]

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, Any]]:
        return foreign()


def _data(payload: Any, ctx: MappingContext = CTX) -> list[Any]:
    result = MAPPER.to_canonical(payload, ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    result.assert_balanced()
    return [e.data for e in result.events]


def _rejects(payload: Any, ctx: MappingContext = CTX) -> list[dict[str, Any]]:
    result = MAPPER.to_canonical(payload, ctx)
    result.assert_balanced()
    return [r.to_dict() for r in result.rejects]


def _record(**fields: Any) -> dict[str, Any]:
    base = {"id": "WO-1", "_createdAt": "2026-03-01T07:30:00.000Z", "_updatedAt": "2026-03-02T06:00:00.000Z",
            "qwert_material_definition_id": "FG-100", "qwert_status": "RELEASED", "qwert_quantity": "10"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


# Reading -------------------------------------------------------------------------------------------------
def test_work_orders_list_as_the_table_api_returns_it() -> None:
    result = MAPPER.to_canonical(sample("work_orders_get_response.json"), CTX)
    first, second = result.events
    assert isinstance(first, ProductionOrderReleased)
    assert isinstance(second, ProductionOrderUpdated)
    order: ProductionOrder = first.data
    assert (order.order_id, order.plant, order.material_id, order.status, order.status_source_code) == (
        "WO-2026-0001", "P100", "FG-100", OrderStatus.RELEASED, "RELEASED")
    assert order.planned_quantity.value == Decimal("250.000")
    assert str(order.planned_quantity.value) == "250.000"  # decimal string mode: every digit kept
    assert order.planned_quantity.uom == "EA"  # no unit in Tulip: the material's base unit from the context
    assert order.due_at == datetime(2026, 3, 6, 16, tzinfo=UTC)
    assert order.planned_start_at == datetime(2026, 3, 3, 6, tzinfo=UTC)
    assert order.production_line_id == "LINE-1"
    assert [(p.name, p.value) for p in order.properties] == [("tulip.operator", "jdoe")]
    assert order.source is not None
    assert (order.source.document_type, order.source.document_id) == (f"TULIP:{WO}", "WO-2026-0001")
    assert first.time == datetime(2026, 3, 2, 6, 15, 12, 345000, tzinfo=UTC)  # _updatedAt
    later: ProductionOrder = second.data
    assert later.status is OrderStatus.IN_PROGRESS
    assert later.parent_order_id == "WO-2026-0001"
    # a field the tenant map does not name is kept, never dropped
    assert [(p.name, p.value) for p in later.properties] == [("tulip.field.abcde_customer_priority", "A")]


def test_defect_with_scrap_disposition_is_a_nonconformance_and_a_scrap_movement() -> None:
    plain = MAPPER.to_canonical(sample("defects_batch.json"), CTX)
    assert [type(e.data) for e in plain.events] == [Nonconformance, Nonconformance]  # scrap movements are opt-in
    data = _ctx_dict()
    data["vendors"]["tulip"]["scrap_from_defects"] = True
    result = MAPPER.to_canonical(sample("defects_batch.json"), context_from_dict(data))
    assert (result.records_in, result.converted) == (2, 2)
    defect, scrap, other = (e.data for e in result.events)
    assert isinstance(defect, Nonconformance)
    assert (defect.severity, defect.status, defect.disposition) == (
        Severity.MEDIUM, NonconformanceStatus.IN_REVIEW, Disposition.SCRAP)
    assert (defect.affected.material_id, defect.affected.lot_id, defect.affected.order_id) == (
        "FG-100", "LOT-7781", "WO-2026-0002")
    assert defect.detected_location is not None
    assert defect.detected_location.work_center_id == "STATION-4"
    assert defect.affected_quantity is not None
    assert (defect.affected_quantity.value, defect.affected_quantity.uom) == (Decimal(3), "EA")
    assert isinstance(result.events[1], MaterialScrapped)
    assert isinstance(scrap, MaterialMovement)
    assert (scrap.movement_type, scrap.movement_id, scrap.quantity.value, scrap.lot_id) == (
        MovementType.SCRAP, "DEF-0042/scrap", Decimal(3), "LOT-7781")
    assert scrap.occurred_at == datetime(2026, 3, 2, 10, 11, 30, tzinfo=UTC)
    assert isinstance(other, Nonconformance)
    assert other.disposition is None  # no disposition: no scrap movement


def test_inventory_items_are_balances_with_unit_from_the_record_or_the_material() -> None:
    first, second = _data(sample("inventory_items_get_response.json"))
    assert isinstance(first, InventoryBalance)
    assert (first.lot_id, first.quantity.value, first.quantity.uom, first.quantity.source_uom) == (
        "LOT-5512", Decimal("12.500"), "KGM", "kg")
    assert second.quantity.uom == "KGM"  # no unit field value: [lookups.material_units]
    assert second.quantity.source_uom is None
    assert second.stock_status.value == "quality_inspection"
    assert first.snapshot_at == datetime(2026, 3, 2, 11, 45, tzinfo=UTC)


def test_station_activity_is_an_equipment_state_change_in_utc() -> None:
    (change,) = _data(sample("station_activity_history_record.json"))
    assert isinstance(change, EquipmentStateChange)
    assert (change.equipment_id, change.state, change.state_source_code, change.reason_code) == (
        "CNC-07", EquipmentState.OUT_OF_SERVICE, "Down", "TOOL-CHANGE")
    assert change.started_at == datetime(2026, 3, 2, 8, 5, tzinfo=UTC)  # +01:00 read as its instant
    assert change.started_at.utcoffset() is not None


def test_a_single_record_finds_its_table_by_its_field_ids() -> None:
    (order,) = _data(json.dumps(_record()))
    assert order.order_id == "WO-1"


def test_a_record_of_no_known_table_is_rejected_with_its_path() -> None:
    (reject,) = _rejects(json.dumps([{"id": "X", "_createdAt": "2026-03-01T00:00:00Z", "zzzzz_unknown": "1"}]))
    assert (reject["code"], reject["location"]) == ("unsupported_message", "/0")
    (reject,) = _rejects(json.dumps({"tableId": "nope", "records": [_record()]}))
    assert (reject["code"], reject["location"]) == ("unsupported_message", "/records/0")


def test_a_float_quantity_is_refused_and_a_json_number_is_read_from_its_text() -> None:
    """Decided: a JSON number in the payload text is read exactly (decode_json keeps its digits: 12.50 stays
    12.50); a Python float (a payload parsed with json.loads before the mapper) is refused: its digits may be
    lost already."""
    text = json.dumps(_record(qwert_quantity="PLACEHOLDER")).replace('"PLACEHOLDER"', "12.50")
    (order,) = _data(text)
    assert str(order.planned_quantity.value) == "12.50"
    (reject,) = _rejects([_record(qwert_quantity=12.5)])
    assert (reject["code"], reject["location"]) == ("type_mismatch", "/0/qwert_quantity")
    (order,) = _data([_record(qwert_quantity=7)])  # an int is exact
    assert order.planned_quantity.value == Decimal(7)


@pytest.mark.parametrize(("value", "code"), [("12,5", "invalid_value"), ("-1", "negative_quantity"),
                                             (" 1", "invalid_value"), ("NaN", "invalid_value")])
def test_bad_numbers_are_rejects_naming_the_field(value: str, code: str) -> None:
    (reject,) = _rejects([_record(qwert_quantity=value)])
    assert reject["code"] == code
    assert reject["location"].startswith("/0")


def test_a_quantity_without_a_known_base_unit_is_unresolved_never_invented() -> None:
    (reject,) = _rejects([_record(qwert_material_definition_id="UNKNOWN")])
    assert (reject["code"], reject["location"]) == ("unresolved_reference", "/0/qwert_quantity")
    assert "material_units" in reject["reason"]


def test_a_local_time_is_read_in_the_plant_zone_and_needs_one() -> None:
    (order,) = _data([_record(qwert_due_date="2026-03-06T17:00:00")])
    assert order.due_at == datetime(2026, 3, 6, 16, tzinfo=UTC)  # Europe/Berlin, UTC+1 in March
    bare = context_from_dict({"source_system": "T", "vendors": {"tulip": dict(CTX.vendor("tulip"))},
                              "lookups": {"material_units": {"FG-100": "EA"}}})
    (reject,) = _rejects([_record(qwert_due_date="2026-03-06T17:00:00")], bare)
    assert (reject["code"], reject["location"]) == ("missing_timezone", "/0/qwert_due_date")


def test_missing_and_mistyped_fields_name_their_json_path() -> None:
    (reject,) = _rejects([_record(qwert_material_definition_id=None)])
    assert (reject["code"], reject["location"]) == ("missing_field", "/0/qwert_material_definition_id")
    (reject,) = _rejects([_record(qwert_status=3)])
    assert (reject["code"], reject["location"]) == ("type_mismatch", "/0/qwert_status")
    (reject,) = _rejects([_record(id=...)])
    assert reject["code"] in ("missing_field", "unsupported_message")


def test_unknown_status_is_other_with_the_code_kept_and_a_tenant_code_list_wins() -> None:
    (order,) = _data([_record(qwert_status="ON ICE")])
    assert (order.status, order.status_source_code) == (OrderStatus.OTHER, "ON ICE")
    (order,) = _data([_record(qwert_status="released")])  # case is ignored
    assert order.status is OrderStatus.RELEASED
    ctx = context_from_dict({**_ctx_dict(), "codes": {"tulip.work_order_status": {"ON ICE": "on_hold"}}})
    (order,) = _data([_record(qwert_status="ON ICE")], ctx)
    assert order.status is OrderStatus.ON_HOLD


# The tenant map ------------------------------------------------------------------------------------------
def _ctx_dict() -> dict[str, Any]:
    import tomllib

    return tomllib.loads((TULIP / "context.toml").read_text(encoding="utf-8"))


def _with_table(**spec: Any) -> dict[str, Any]:
    data = _ctx_dict()
    data["vendors"]["tulip"]["tables"]["T"] = spec
    return data


@pytest.mark.parametrize(("spec", "path"), [
    ({"kind": "orders", "fields": {"a_x": "Status"}}, "vendors.tulip.tables.T.kind"),
    ({"kind": "work_orders", "fields": {"a_x": "Nonsense"}}, "vendors.tulip.tables.T.fields.a_x"),
    ({"kind": "work_orders", "fields": {"a_x": "Status", "b_y": "status"}}, "vendors.tulip.tables.T.fields.b_y"),
    ({"kind": "work_orders", "fields": {"_createdAt": "Status"}}, "vendors.tulip.tables.T.fields._createdAt"),
    ({"kind": "work_orders", "fields": {"a_x": "ID"}}, "vendors.tulip.tables.T.fields.a_x"),
    ({"kind": "work_orders", "fields": {}}, "vendors.tulip.tables.T.fields"),
    ({"kind": "work_orders", "fields": {"a_x": "Status"}, "colour": "red"}, "vendors.tulip.tables.T.colour"),
    ({"kind": "work_orders", "fields": {"a_x": "Qty"}, "labels": {"Qty": "weight"}},
     "vendors.tulip.tables.T.labels.Qty"),
    ({"kind": "work_orders", "fields": {"a_x": 5}}, "vendors.tulip.tables.T.fields.a_x"),
])
def test_a_bad_tenant_map_is_invalid_context_naming_the_key(spec: dict[str, Any], path: str) -> None:
    ctx = context_from_dict(_with_table(**spec))
    with pytest.raises(MappingError) as info:
        table_map(ctx)
    assert (info.value.code, info.value.path) == ("invalid_context", path)
    (reject,) = _rejects(sample("station_activity_history_record.json"), ctx)  # reading: one reject, no raise
    assert reject["code"] == "invalid_context"


def test_unknown_vendor_key_is_named() -> None:
    data = _ctx_dict()
    data["vendors"]["tulip"]["tabels"] = {}
    with pytest.raises(MappingError) as info:
        table_map(context_from_dict(data))
    assert info.value.path == "vendors.tulip.tabels"


def test_a_tenant_label_overrides_the_preset() -> None:
    data = _with_table(kind="work_orders", fields={"k_qty": "Quantity", "k_tgt": "Target"},
                       labels={"Quantity": "description", "Target": "planned_quantity"})
    del data["vendors"]["tulip"]["tables"][WO]
    tables = table_map(context_from_dict(data))
    assert dict(tables.tables["T"].fields) == {"k_qty": "description", "k_tgt": "planned_quantity"}


# Writing -------------------------------------------------------------------------------------------------
def test_writing_gives_decimal_strings_iso_utc_times_and_tenant_field_ids() -> None:
    orders = _data(sample("work_orders_get_response.json"))
    (document,) = write_documents(MAPPER, orders, CTX)
    assert document.kind == WO
    body: Any = document.payload
    first = body["records"][0]
    assert body["tableId"] == WO
    assert first["id"] == "WO-2026-0001"
    assert first["qwert_quantity"] == "250.000"
    assert first["qwert_due_date"] == "2026-03-06T16:00:00Z"
    assert first["qwert_status"] == "RELEASED"
    assert first["qwert_operator"] == "jdoe"
    assert "_createdAt" not in first  # system fields are Tulip's
    assert body["records"][1]["abcde_customer_priority"] == "A"


def test_several_kinds_write_one_batch_per_table_and_read_back() -> None:
    entities = [*_data(sample("work_orders_get_response.json")), *_data(sample("defects_batch.json")),
                *_data(sample("station_activity_history_record.json"))]
    writable = [e for e in entities if not isinstance(e, MaterialMovement)]
    documents = write_documents(MAPPER, writable, CTX)
    assert [d.kind for d in documents] == [WO, DEFECTS, ACTIVITY]
    back = _data(MAPPER.from_canonical(writable, CTX))
    assert [msgspec_strip(e) for e in back if not isinstance(e, MaterialMovement)] == [
        msgspec_strip(e) for e in writable]


def msgspec_strip(entity: Any) -> Any:
    import msgspec

    return msgspec.structs.replace(entity, source=None)


def test_writing_refuses_what_the_table_cannot_hold() -> None:
    import msgspec

    (order, _) = _data(sample("work_orders_get_response.json"))
    with pytest.raises(MappingError) as info:
        MAPPER.from_canonical([msgspec.structs.replace(order, actual_end_at=datetime(2026, 3, 5, tzinfo=UTC))], CTX)
    assert (info.value.code, info.value.path) == ("unmappable_value", "actual_end_at")
    kg = msgspec.structs.replace(order.planned_quantity, uom="KGM", source_uom=None)
    with pytest.raises(MappingError) as info:
        MAPPER.from_canonical([msgspec.structs.replace(order, planned_quantity=kg)], CTX)
    assert (info.value.code, info.value.path) == ("unmappable_value", "planned_quantity")
    with pytest.raises(MappingError) as info:
        MAPPER.from_canonical([msgspec.structs.replace(order, status=OrderStatus.ON_HOLD, status_source_code=None)],
                              CTX)
    assert info.value.code == "unmappable_value"
    with pytest.raises(MappingError) as info:
        MAPPER.from_canonical([msgspec.structs.replace(order, plant="P200")], CTX)
    assert (info.value.code, info.value.path) == ("unmappable_value", "plant")


def test_an_inventory_snapshot_time_is_tulips_own_update_stamp() -> None:
    """A table without a snapshot field is not refused: Tulip stamps ``_updatedAt`` when the record is written,
    and that is the snapshot time read back."""
    (balance, _) = _data(sample("inventory_items_get_response.json"))
    (record,) = MAPPER.from_canonical([balance], CTX)["records"]
    assert set(record) == {"id", "zxcvb_material_definition_id", "zxcvb_quantity", "zxcvb_uom", "zxcvb_location",
                           "zxcvb_status"}
    record["_updatedAt"] = "2026-03-02T11:45:00.000Z"
    (back,) = _data({"tableId": INVENTORY, "records": [record]})
    assert msgspec_strip(back) == msgspec_strip(balance)


def test_scrap_from_defects_must_be_a_boolean() -> None:
    data = _ctx_dict()
    data["vendors"]["tulip"]["scrap_from_defects"] = "yes"
    with pytest.raises(MappingError) as info:
        table_map(context_from_dict(data))
    assert (info.value.code, info.value.path) == ("invalid_context", "vendors.tulip.scrap_from_defects")


def test_a_list_of_batches_is_read_with_paths_into_each_batch() -> None:
    payload = [{"tableId": WO, "records": [_record()]},
               {"tableId": WO, "records": [_record(id="WO-2"), _record(id="WO-3", qwert_quantity="x")]}]
    result = MAPPER.to_canonical(json.dumps(payload), CTX)
    result.assert_balanced()
    assert [e.data.order_id for e in result.events] == ["WO-1", "WO-2"]
    (reject,) = result.rejects
    assert (reject.code, reject.location) == ("invalid_value", "/1/records/1/qwert_quantity")


def test_a_default_table_takes_records_that_name_none() -> None:
    data = _ctx_dict()
    data["vendors"]["tulip"]["table"] = WO
    (order,) = _data([_record(zzzzz_other="1")], context_from_dict(data))
    assert order.order_id == "WO-1"
    data["vendors"]["tulip"]["table"] = "missing"
    with pytest.raises(MappingError) as info:
        table_map(context_from_dict(data))
    assert info.value.path == "vendors.tulip.table"


def test_sniff_takes_records_and_batches_only() -> None:
    assert MAPPER.sniff(sample("station_activity_history_record.json"))
    assert MAPPER.sniff({"tableId": WO, "records": []})
    assert not MAPPER.sniff({"id": "x"})  # no Tulip system field
    assert not MAPPER.sniff(b"<a/>")


def test_the_docs_page_lists_every_preset_label() -> None:
    from mfgcanon.mappers.tulip.tables import KINDS, preset_labels

    page = (REPO / "docs" / "mes" / "tulip.md").read_text(encoding="utf-8")
    for kind in KINDS:
        row = [line for line in page.splitlines() if line.startswith(f"| `{kind}` | ")][-1]  # the preset table
        for label, key in preset_labels(kind).items():
            assert f"{label}: `{key}`" in row, (kind, label)
