"""proficy-pa: the contract suite over the composed samples, each document family and event, the quirks
(``schemaVersion`` differences, locale date strings, units and plants from the context, partial POID updates,
the text "null"), the per-connection hold / scrap / nonconformance rule, rejects with JSON pointers, writing import
documents back (and what they cannot hold refused), and property tests (bounded)."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfgcanon import codecs
from mfgcanon.errors import MappingError
from mfgcanon.mappers import MappingContext, context_from_dict, detect
from mfgcanon.mappers.proficy import reader as rd
from mfgcanon.testing.mapper_suite import MapperContract
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    LotUpserted,
    MaterialScrapped,
    NonconformanceReported,
    OperationStatusChanged,
    ProductionOrderReleased,
    ProductionOrderStatusChanged,
    ProductionOrderUpdated,
    QualityHoldPlaced,
)
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.lot import LotOrigin, LotStatus, MaterialLot
from mfgcanon.v1.material import Material
from mfgcanon.v1.order import OrderStatus, ProductionOrder
from mfgcanon.v1.quality import Nonconformance, NonconformanceKind
from mfgcanon.v1.status import OperationStatusChange, OrderStatusChange

from ._support import CTX, EXAMPLES, MAPPER, SAMPLES, foreign, sample, sample_json

AT = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
RCTX = dataclasses.replace(CTX, received_at=AT)


class TestProficyContract(MapperContract):
    @pytest.fixture
    def mapper(self) -> Any:
        return MAPPER

    @pytest.fixture
    def context(self) -> MappingContext:
        return CTX

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, Any]]:
        return [(name, sample(name)) for name in SAMPLES]

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, Any]]:
        return foreign()


def _run(payload: Any, ctx: MappingContext = RCTX) -> Any:
    data = json.dumps(payload) if isinstance(payload, dict | list) else payload
    result = MAPPER.to_canonical(data, ctx)
    result.assert_balanced()
    return result


def _data(payload: Any, ctx: MappingContext = RCTX) -> list[Any]:
    result = _run(payload, ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    return [e.data for e in result.events]


def _ctx(**changes: Any) -> MappingContext:
    """The example context with some top-level sections replaced (lookups, vendors, codes, options)."""
    import tomllib

    data = tomllib.loads((EXAMPLES / "context.toml").read_text())
    data.update(changes)
    return dataclasses.replace(context_from_dict(data), received_at=AT)


# Samples --------------------------------------------------------------------------------------------------------
def test_every_sample_is_detected_as_proficy_only() -> None:
    for name in SAMPLES:
        assert detect(sample(name)) == ["proficy-pa"], name


def test_work_order_unit_comes_from_the_material_lookup() -> None:
    (order,) = _data(sample("woid_v11_work_order.json"))
    assert isinstance(order, ProductionOrder)
    assert (order.order_id, order.plant, order.material_id, order.production_line_id) == (
        "WO-2024-0815", "NJ01", "SNOWBIKE-NONSERIALIZED", "Bikes_Assembly_Line")
    assert (order.planned_quantity.value, order.planned_quantity.uom) == (Decimal(30), "EA")
    assert order.status is OrderStatus.RELEASED
    assert order.status_source_code is None  # the text "null" is no status
    assert [o.operation_id for o in order.operations] == ["0010-FRAME", "0020-PAINT"]
    lines = {r.line_id: r for r in order.material_requirements}
    assert lines["0010-FRAME/20"].quantity.value == Decimal("12.000")  # exact, trailing zeros kept
    assert (lines["0010-FRAME/20"].quantity.uom, lines["0010-FRAME/20"].quantity.source_uom) == ("H87", "PCS")
    assert lines["10"].operation_id is None
    assert order.target_lot_id == "SB-LOT-001"
    assert order.planned_start_at == datetime(2024, 3, 18, 13, 30, tzinfo=UTC)
    names = {p.name: p.value for p in order.properties}
    assert names["proficy.routeDefinitionType"] == "Standard"  # schema 11
    assert names["proficy.routeDefinitionMinorRevision"] == "1"  # schema 10
    assert names["proficy.materialLots.SB-LOT-002"] == "20"


def test_work_order_without_a_known_unit_is_an_unresolved_reference() -> None:
    doc = sample_json("woid_v11_work_order.json")
    doc["producedMaterialName"] = "UNKNOWN-BIKE"
    result = _run(doc)
    (reject,) = result.rejects
    assert (reject.code, reject.location) == ("unresolved_reference", "/producedMaterialName")
    assert "[lookups.proficy_material_units]" in reject.reason


def test_process_order_v5_unit_and_bom_from_the_formulation_details() -> None:
    (order,) = _data(sample("poid_v5_process_order.json"))
    assert isinstance(order, ProductionOrder)
    assert (order.planned_quantity.value, order.planned_quantity.uom) == (Decimal("1250.50"), "LTR")
    assert order.bom_id == "JUICE-FORMULA-A"
    assert order.planned_start_at == datetime(2024, 4, 2, 4, 0, tzinfo=UTC)
    assert order.partial_fields == []  # every field carried: a full snapshot
    assert {p.name for p in order.properties} >= {"proficy.path", "proficy.productionRate", "proficy.Brix"}


def test_partial_poid_update_never_resets_what_it_does_not_carry() -> None:
    result = _run(sample("poid_v4_update.json"))
    (event,) = result.events
    assert isinstance(event, ProductionOrderUpdated)  # no status: it releases nothing
    order = event.data
    assert order.material_id == "PulpyJuice"  # from [lookups.proficy_order_material], the POID sends null
    assert order.plant == "DE01"  # from [lookups.proficy_order_plant], the POID sends no line
    assert set(order.partial_fields) == {"order_id", "plant", "material_id", "planned_quantity", "planned_start_at",
                                         "planned_end_at"}
    assert "status" not in order.partial_fields  # the default status on the wire is no status sent
    assert "production_line_id" not in order.partial_fields
    assert "bom_id" not in order.partial_fields
    assert order.planned_quantity.value == Decimal(1400)


def test_partial_poid_update_with_a_status_carries_it() -> None:
    doc = sample_json("poid_v4_update.json")
    doc["status"] = "Complete"
    (order,) = _data(doc)
    assert order.status is OrderStatus.COMPLETED
    assert {"status", "status_source_code"} <= set(order.partial_fields)


def test_poid_update_without_quantity_is_a_status_change_keeping_its_dates() -> None:
    (event,) = _run(sample("poid_v4_status_update.json")).events
    assert isinstance(event, ProductionOrderStatusChanged)
    change = event.data
    assert isinstance(change, OrderStatusChange)
    assert (change.order_id, change.plant, change.status, change.status_source_code) == (
        "PO-JUICE-4711", "DE01", OrderStatus.COMPLETED, "Complete")
    dates = {p.name: p.typed_value() for p in change.properties}
    assert dates["proficy.plannedStartDate"] == datetime(2024, 4, 3, 4, 0, tzinfo=UTC)


def test_poid_update_without_quantity_or_status_is_a_typed_reject() -> None:
    doc = sample_json("poid_v4_status_update.json")
    doc["status"] = None
    (reject,) = _run(doc).rejects
    assert (reject.code, reject.location) == ("unmappable_value", "/plannedQuantity")


def test_schema_versions_before_4_are_full_snapshots() -> None:
    """Only a POID of schema 4 or later updates: an older one with nulls is a create that lacks fields."""
    doc = sample_json("poid_v4_update.json")
    doc["schemaVersion"] = 3
    (reject,) = _run(doc).rejects
    assert (reject.code, reject.location) == ("missing_field", "/producedMaterialName")
    doc = sample_json("poid_v5_process_order.json")
    doc["schemaVersion"] = 1
    doc["plannedLineName"] = None
    (reject,) = _run(doc).rejects
    assert (reject.code, reject.location) == ("missing_field", "/plannedLineName")  # required in schema 1


@pytest.mark.parametrize(("name", "version"), [("woid_v11_work_order.json", 12), ("woid_v11_work_order.json", 2),
                                               ("poid_v5_process_order.json", 6), ("mmid_v4_material.json", 0),
                                               ("mlid_v3_material_lots.json", 5)])
def test_unknown_schema_versions_are_refused(name: str, version: int) -> None:
    doc = sample_json(name)
    doc["schemaVersion"] = version
    (reject,) = _run(doc).rejects
    assert (reject.code, reject.location) == ("unsupported_message", "/schemaVersion")


def test_schema_version_as_text_and_missing() -> None:
    doc = sample_json("mmid_v4_material.json")
    doc["schemaVersion"] = "4"
    assert len(_data(doc)) == 1
    del doc["schemaVersion"]
    assert _run(doc).rejects[0].code == "unsupported_message"  # no schemaVersion: not an import document


def test_material_base_unit_is_its_unitofmeasure_property() -> None:
    (material,) = _data(sample("mmid_v4_material.json"))
    assert isinstance(material, Material)
    assert (material.material_id, material.base_uom, material.revision, material.is_serialized) == (
        "FRAME-AL-01", "EA", "C", True)
    assert "proficy.UNITOFMEASURE" not in {p.name for p in material.properties}
    doc = sample_json("mmid_v4_material.json")
    doc["schemaVersion"] = 3  # externalRevision and isECOManaged came with schema 4
    (older,) = _data(doc)
    assert older.revision is None
    assert "proficy.isECOManaged" not in {p.name for p in older.properties}


def test_material_without_unit_property_uses_the_lookup_else_rejects() -> None:
    doc = sample_json("mmid_v4_material.json")
    doc["material"]["propertyValues"] = []
    (material,) = _data(doc)
    assert material.base_uom == "EA"  # [lookups.proficy_material_units]
    doc["material"]["productCode"] = "NEW-PART"
    (reject,) = _run(doc).rejects
    assert (reject.code, reject.location) == ("unresolved_reference", "/material/propertyValues")


def test_material_lots_locale_creation_time_and_origin() -> None:
    receiver, produced = _data(sample("mlid_v3_material_lots.json"))
    assert isinstance(receiver, MaterialLot)
    assert (receiver.plant, receiver.supplier_id, receiver.origin, receiver.status) == (
        "NJ01", "V-10023", LotOrigin.PURCHASED, LotStatus.RELEASED)
    created = next(p for p in receiver.properties if p.name == "proficy.TIMESTAMPCREATION")
    assert created.typed_value() == datetime(2024, 3, 1, 19, 5, 10, tzinfo=UTC)  # 2:05:10 PM in New York
    assert [s.quantity.value for s in receiver.sub_lots if s.quantity] == [Decimal(20), Decimal(20)]
    assert receiver.partial_fields == []
    assert (produced.producing_order_id, produced.origin, produced.quantity.value) == (
        "PO-JUICE-4711", LotOrigin.PRODUCED, Decimal("512.250"))
    assert "status" not in produced.partial_fields
    assert produced.partial_fields


def test_mlid_schema_versions() -> None:
    doc = sample_json("mlid_v3_material_lots.json")
    doc["schemaVersion"] = 2  # the status is mandatory: the second lot has none
    result = _run(doc)
    assert len(result.events) == 1
    (reject,) = result.rejects
    assert (reject.code, reject.location) == ("missing_field", "/materialLot/1/status")
    doc["schemaVersion"] = 4  # an update: what it carries, status included
    first, _ = _data(doc)
    assert {"status", "quantity", "properties"} <= set(first.partial_fields)


def test_locale_dates_need_the_connection_date_order() -> None:
    ctx = _ctx(vendors={})
    result = _run(sample("outbound_row_clock_events.json"), ctx)
    assert {r.code for r in result.rejects} == {"invalid_value"}
    assert all("date_order" in r.reason for r in result.rejects)
    assert result.rejects[0].location == "/0/Message/clockedOnTime"


def test_locale_date_orders() -> None:
    ctx = dataclasses.replace(RCTX, default_timezone=None)
    for order, text, expected in (("MDY", "2/3/2016 1:02:03 PM", datetime(2016, 2, 3, 13, 2, 3)),
                                  ("DMY", "2.3.2016 13:02:03", datetime(2016, 3, 2, 13, 2, 3)),
                                  ("YMD", "2016/03/02 12:00:00 AM", datetime(2016, 3, 2, 0, 0))):
        zoned = _ctx(vendors={"proficy-pa": {"date_order": order}})
        assert rd.instant(text, zoned, "DE01") == expected.replace(tzinfo=zoned.zone_for("DE01")).astimezone(UTC)
    with pytest.raises(MappingError) as zone:
        rd.instant("2/3/2016 1:02:03 PM", dataclasses.replace(ctx, plant_timezones={}), "XX")
    assert zone.value.code == "missing_timezone"
    bad = _ctx(vendors={"proficy-pa": {"date_order": "MDY"}})
    for text in ("13/40/2016", "2/3/16 1:00", "2/3/2016 13:00 PM", "yesterday"):
        with pytest.raises(MappingError) as wrong:
            rd.instant(text, bad, "NJ01")
        assert wrong.value.code == "invalid_value", text


def test_operation_completed_is_a_final_yield_only_confirmation_and_a_status_change() -> None:
    conf, change = _data(sample("event_operation_completed.json"))
    assert isinstance(conf, ProductionConfirmation)
    assert (conf.order_id, conf.operation_id, conf.plant, conf.is_final) == (
        "WO-2024-0815", "0010-FRAME", "NJ01", True)
    assert (conf.yield_quantity.value, conf.scrap_quantity) == (Decimal(10), None)
    assert (conf.produced_lot_id, conf.personnel_ids, conf.work_center_id) == (
        "SB-LOT-001", ["jsmith"], "Bikes_Frame_Unit")
    assert isinstance(change, OperationStatusChange)
    assert (change.status.value, change.status_source_code) == ("completed", "Complete")
    assert change.changed_at == conf.ended_at


def test_clock_events_are_a_status_change_and_a_labor_time() -> None:
    result = _run(sample("outbound_row_clock_events.json"))
    on, off = result.events
    assert isinstance(on, OperationStatusChanged)
    assert on.data.changed_at == datetime(2024, 3, 18, 13, 30, tzinfo=UTC)  # 9:30 AM in New York (EDT)
    assert on.data.personnel_ids == ["jsmith"]
    conf = off.data
    assert isinstance(conf, ProductionConfirmation)
    (activity,) = conf.activities
    assert (activity.activity.value, activity.duration.value, activity.duration.uom, activity.activity_type_code) == (
        "labor", Decimal(105), "MIN", "DirectLabor")
    assert (conf.yield_quantity.value, conf.yield_quantity.uom, conf.is_final) == (Decimal(0), "EA", False)


def test_lot_status_rule_decides_scrap_hold_nonconformance_per_connection() -> None:
    scrap, nc, hold, lot = _run(sample("event_material_lot_status_changed.json")).events
    assert isinstance(scrap, MaterialScrapped)
    move = scrap.data
    assert isinstance(move, MaterialMovement)
    assert (move.movement_type, move.quantity.value, move.reason_code, move.order_id) == (
        MovementType.SCRAP, Decimal(2), "PAINT-RUN", "WO-2024-0815")
    assert isinstance(nc, NonconformanceReported)
    assert nc.data.category is NonconformanceKind.DEFECT
    assert (nc.data.affected.lot_id, nc.data.description) == ("RCV-20240301-01", "Weld porosity found at incoming")
    assert isinstance(hold, QualityHoldPlaced)  # "Quarantine" is a hold on this connection (context.toml)
    assert isinstance(hold.data, Nonconformance)
    assert hold.data.hold is not None
    assert hold.data.hold.is_active
    assert isinstance(lot, LotUpserted)
    assert (lot.data.status, lot.data.status_source_code) == (LotStatus.RELEASED, "Receiver Completed")
    assert set(lot.data.partial_fields) >= {"status", "status_source_code"}
    # the packaged rule: Quarantine is a plain lot status (quarantine), and a connection may make Scrap a hold
    other = _ctx(codes={"proficy.lot_status_rule": {"Scrap": "hold"}})
    events = _run(sample("event_material_lot_status_changed.json"), other).events
    assert [type(e) for e in events] == [QualityHoldPlaced, NonconformanceReported, LotUpserted, LotUpserted]
    assert events[2].data.status is LotStatus.QUARANTINE


def test_an_unknown_rule_in_the_context_is_invalid_context() -> None:
    ctx = _ctx(codes={"proficy.lot_status_rule": {"Scrap": "burn"}})
    result = _run(sample("event_material_lot_status_changed.json"), ctx)
    assert [r.code for r in result.rejects] == ["invalid_context"]
    assert result.rejects[0].location == "/materialLot/0/status"


def test_scrap_without_quantity_is_rejected_alone() -> None:
    doc = sample_json("event_material_lot_status_changed.json")
    del doc["materialLot"][0]["quantity"]
    result = _run(doc)
    assert len(result.events) == 3
    (reject,) = result.rejects
    assert (reject.code, reject.location) == ("missing_field", "/materialLot/0/quantity")


def test_documents_name_no_plant_without_the_context() -> None:
    doc = sample_json("woid_v11_work_order.json")
    doc["plannedLineName"] = "Unknown_Line"
    (reject,) = _run(doc).rejects
    assert (reject.code, reject.location) == ("unresolved_reference", "/plannedLineName")
    ctx = _ctx(options={"default_plant": "NJ01"})
    (order,) = _data(doc, ctx)
    assert order.plant == "NJ01"


def test_arrays_rows_and_rejects_with_pointers() -> None:
    woid = sample_json("woid_v11_work_order.json")
    bad = copy.deepcopy(woid)
    bad["plannedQuantity"] = "ten"
    row = {"Message_Type": "workOrder", "Message": json.dumps(woid)}
    result = _run([woid, bad, row, {"hello": 1}, 7])
    assert result.converted == 2
    assert [(r.code, r.location) for r in result.rejects] == [
        ("invalid_value", "/1/plannedQuantity"), ("unsupported_message", "/3"), ("malformed_payload", "/4")]


def test_no_source_system_is_missing_identity() -> None:
    ctx = dataclasses.replace(RCTX, source_system=None)
    (reject,) = _run(sample("mmid_v4_material.json"), ctx).rejects
    assert reject.code == "missing_identity"


def test_event_ids_change_with_the_content_not_with_a_resend() -> None:
    first = _run(sample("poid_v4_update.json")).events[0]
    again = _run(sample("poid_v4_update.json")).events[0]
    doc = sample_json("poid_v4_update.json")
    doc["plannedQuantity"] = 1500
    changed = _run(doc).events[0]
    assert first.id == again.id
    assert first.id != changed.id


def test_the_kafka_consumer_is_no_part_of_an_event_id() -> None:
    doc = sample_json("event_operation_completed.json")
    first = [e.id for e in _run(doc).events]
    doc["kafkaConsumerId"] = "erp-export-2"
    assert [e.id for e in _run(doc).events] == first
    doc["operationInfo"]["completedQuantity"] = 11
    assert [e.id for e in _run(doc).events] != first


# Property tests -------------------------------------------------------------------------------------------------
_NUMBER = st.decimals(min_value=0, max_value=Decimal("1E12"), places=3, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None, database=None)
@given(quantity=_NUMBER, name=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40))
def test_any_process_order_quantity_stays_exact(quantity: Decimal, name: str) -> None:
    doc = sample_json("poid_v5_process_order.json")
    doc["processOrderName"] = name
    text = json.dumps(doc).replace('"plannedQuantity": 1250.5', f'"plannedQuantity": {quantity}')
    result = _run(text)
    if name.strip().lower() == "null":
        assert result.rejects
        return
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    (event,) = result.events
    assert event.data.planned_quantity.value == quantity
    assert event.data.order_id == name.strip()
    assert codecs.decode(codecs.encode(event), type=type(event)) == event


@settings(max_examples=40, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from(["plannedQuantity", "plannedStartDate", "plannedEndDate", "status",
                                        "producedMaterialName", "plannedLineName"]), st.none()))
def test_partial_updates_list_only_what_they_carry(nulls: dict[str, None]) -> None:
    doc = {**sample_json("poid_v5_process_order.json"), "schemaVersion": 4, **nulls}
    result = _run(doc)
    for event in result.events:
        data = event.data
        if isinstance(data, ProductionOrder) and data.partial_fields:
            for name, field in (("plannedStartDate", "planned_start_at"), ("plannedEndDate", "planned_end_at"),
                                ("status", "status")):
                assert (field in data.partial_fields) == (name not in nulls), (nulls, data.partial_fields)
    if not nulls:
        assert isinstance(result.events[0], ProductionOrderReleased)
        assert result.events[0].data.partial_fields == []


@settings(max_examples=60, deadline=None, database=None)
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_garbage_never_raises(payload: bytes | str) -> None:
    result = _run(payload)
    assert all(r.code != "mapping_failed" for r in result.rejects), [r.to_dict() for r in result.rejects]


@settings(max_examples=60, deadline=None, database=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=12),
       st.sampled_from(SAMPLES), st.data())
def test_any_value_in_any_field_is_mapped_or_rejected(value: Any, name: str, data: st.DataObject) -> None:
    """A sample with one field replaced by any JSON value: events or typed rejects, never a mapper bug."""
    doc = sample_json(name)
    target = doc[0] if isinstance(doc, list) else doc
    if isinstance(target.get("Message"), str):
        target["Message"] = json.loads(target["Message"])
    holder = target.get("Message", target)
    key = data.draw(st.sampled_from(sorted(holder)))
    holder[key] = value
    result = _run(doc)
    assert all(r.code != "mapping_failed" for r in result.rejects), [r.to_dict() for r in result.rejects]


# Writing: canonical -> import documents ------------------------------------------------------------------------
def _round(entities: list[Any]) -> list[Any]:
    """Written and read back (the written documents are parsed JSON holding Decimals: read as they are)."""
    result = MAPPER.to_canonical(MAPPER.from_canonical(entities, RCTX), RCTX)
    result.assert_balanced()
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    return [e.data for e in result.events]


def test_work_order_written_as_woid_reads_back_with_its_values() -> None:
    (order,) = _data(sample("woid_v11_work_order.json"))
    (kind, doc), = [(d.kind, d.payload) for d in MAPPER.write_documents([order], RCTX)]
    assert kind == "WOID"
    assert (doc["schemaVersion"], doc["plannedQuantity"], doc["plannedLineName"], doc["status"]) == (
        11, 30, "Bikes_Assembly_Line", "Pending")
    (back,) = _round([order])
    for name in ("order_id", "plant", "material_id", "planned_quantity", "planned_start_at", "planned_end_at",
                 "priority", "routing_id", "target_lot_id", "operations", "material_requirements"):
        assert getattr(back, name) == getattr(order, name), name
    assert sorted(p.name for p in back.properties) == sorted(p.name for p in order.properties)


def test_process_orders_written_as_poid_full_and_partial() -> None:
    (full,) = _data(sample("poid_v5_process_order.json"))
    (doc,) = [d.payload for d in MAPPER.write_documents([full], RCTX)]
    assert (doc["schemaVersion"], doc["bomFormulation"], doc["path"]) == (3, "JUICE-FORMULA-A", "Path1")
    (back,) = _round([full])
    assert (back.bom_id, back.planned_quantity.value, back.planned_quantity.uom, back.partial_fields) == (
        full.bom_id, full.planned_quantity.value, full.planned_quantity.uom, [])
    (update,) = _data(sample("poid_v4_update.json"))
    (doc,) = [d.payload for d in MAPPER.write_documents([update], RCTX)]
    assert (doc["schemaVersion"], doc["status"], doc["producedMaterialName"]) == (4, None, None)
    (back,) = _round([update])
    assert sorted(back.partial_fields) == sorted(update.partial_fields)


def test_writing_refuses_what_the_document_cannot_hold() -> None:
    (order,) = _data(sample("poid_v5_process_order.json"))
    in_ml = ProductionOrder(**{**{f: getattr(order, f) for f in order.__struct_fields__},
                               "planned_quantity": order.planned_quantity.__class__(value=Decimal(5), uom="MLT")})
    with pytest.raises(MappingError) as unit:
        MAPPER.write_documents([in_ml], RCTX)
    assert (unit.value.code, unit.value.path) == ("unmappable_value", "planned_quantity")
    (update,) = _data(sample("poid_v4_update.json"))
    no_quantity = msgspec_replace(update, partial_fields=["order_id", "plant", "material_id", "planned_start_at"])
    with pytest.raises(MappingError) as partial:
        MAPPER.write_documents([no_quantity], RCTX)
    assert partial.value.code == "unmappable_value"
    (woid,) = _data(sample("woid_v11_work_order.json"))
    with pytest.raises(MappingError) as bom:
        MAPPER.write_documents([msgspec_replace(woid, bom_id="B1")], RCTX)
    assert bom.value.path == "bom_id"


def test_materials_and_lots_written_and_read_back() -> None:
    (material,) = _data(sample("mmid_v4_material.json"))
    (doc,) = [d.payload for d in MAPPER.write_documents([material], RCTX)]
    assert doc["material"]["propertyValues"][0] == {"propertyName": "UNITOFMEASURE", "propertyValue": "EA"}
    (back,) = _round([material])
    assert back.base_uom == material.base_uom
    assert back.revision == material.revision
    lots = _data(sample("mlid_v3_material_lots.json"))
    documents = MAPPER.write_documents(lots, RCTX)
    assert [(d.kind, d.payload["schemaVersion"]) for d in documents] == [("MLID", 4)]  # one lot is partial
    receiver, produced = _round(lots)
    assert (receiver.supplier_id, receiver.origin, receiver.plant) == ("V-10023", LotOrigin.PURCHASED, "NJ01")
    assert produced.producing_order_id == "PO-JUICE-4711"
    assert [s.quantity for s in receiver.sub_lots] == [s.quantity for s in lots[0].sub_lots]
    full = _data(json.dumps({**sample_json("mlid_v3_material_lots.json"),
                             "materialLot": sample_json("mlid_v3_material_lots.json")["materialLot"][:1]}))
    assert MAPPER.write_documents(full, RCTX)[0].payload["schemaVersion"] == 3


def msgspec_replace(entity: Any, **changes: Any) -> Any:
    import msgspec

    return msgspec.structs.replace(entity, **changes)
