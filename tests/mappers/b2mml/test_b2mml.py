"""b2mml: the contract suite, MESA's Courbon V0401 documents, the composed V0600 / V07 samples (valid against the
official XSDs), version detection, the quirks of real files, partial updates, context-driven plants and property
maps, movements switched off, XML attacks refused, and sniff exclusivity against every other bundled format."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from mfgcanon import codecs
from mfgcanon.errors import MappingError
from mfgcanon.mappers import MappingContext, get, registry
from mfgcanon.mappers._data import FIELD_MAPS, field_map
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.testing.mapper_suite import MapperContract
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.deletion import Deletion
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.lot import GenealogyLink, LotStatus, MaterialLot
from mfgcanon.v1.material import Material
from mfgcanon.v1.order import OrderStatus, ProductionOrder
from mfgcanon.v1.quality import Nonconformance

from ._support import COMPOSED, COURBON_FILES, CTX, CTX_OUT, courbon, foreign, sample, schema

MAPPER = get("b2mml")
V0600_NS = "http://www.mesa.org/xml/B2MML-V0600"
V07_NS = "http://www.mesa.org/xml/B2MML"


class TestB2mmlContract(MapperContract):
    @pytest.fixture
    def mapper(self) -> Any:
        return MAPPER

    @pytest.fixture
    def context(self) -> MappingContext:
        return CTX_OUT  # CTX with what the writer needs: the contract's writer checks run for b2mml

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, Any]]:
        return [(name, sample(name)) for name in COMPOSED] + [(name, courbon(name)) for name in COURBON_FILES]

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, Any]]:
        return foreign()


def _run(payload: bytes | str, ctx: MappingContext = CTX) -> Any:
    result = MAPPER.to_canonical(payload, ctx)
    result.assert_balanced()
    return result


def _data(payload: bytes | str, ctx: MappingContext = CTX) -> list[Any]:
    result = _run(payload, ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    return [e.data for e in result.events]


# The Courbon V0401 documents ------------------------------------------------------------------------------
def test_courbon_material_definition() -> None:
    (material,) = _data(courbon("MAT-20121210170256-CRBN0001.xml"))
    assert isinstance(material, Material)
    assert (material.material_id, material.base_uom, material.description) == ("CRBN0001", "KGM", "Product Courbon0001")
    hazards = [p.value for p in material.properties if p.name == "b2mml.HazardousMaterialWarning"]
    assert hazards == ["C", "XN"]  # a multi-valued property keeps every value
    assert material.source is not None
    assert material.source.document_type == "B2MML-V0401:SyncMaterialDefinition"


def test_courbon_lot_status_and_expiry() -> None:
    (lot,) = _data(courbon("LOT-20121210170718-0001L0001.xml"))
    assert isinstance(lot, MaterialLot)
    assert (lot.material_id, lot.lot_id, lot.status, lot.status_source_code) == (
        "CRBN0001", "CRBN0001_LOT01", LotStatus.RELEASED, "Valid")
    assert lot.expires_at is not None
    assert lot.expires_at.isoformat() == "2013-12-08T00:00:00+00:00"
    assert lot.partial_fields == []  # it carries the lot's status: a snapshot


def test_courbon_sub_lot_only_message_does_not_release_its_lot() -> None:
    lot, held = _data(courbon("INV-20121210175555-0001L0001_01.xml"))
    assert isinstance(lot, MaterialLot)
    # the NotValid sub-lot is on hold, keyed by its sub-lot: the lot itself is neither held nor released
    assert isinstance(held, Nonconformance)
    assert held.hold is not None
    assert held.hold.is_active
    assert held.affected.sub_lot_id == "CRBN0001_LOT01_01"
    assert held.nonconformance_id == "hold:plant/1000/material/CRBN0001/lot/CRBN0001_LOT01/sub-lot/CRBN0001_LOT01_01"
    assert "status" not in lot.partial_fields
    assert lot.partial_fields
    (sub,) = lot.sub_lots
    assert (sub.sub_lot_id, sub.status, sub.status_source_code) == ("CRBN0001_LOT01_01", LotStatus.BLOCKED, "NotValid")
    assert sub.quantity is not None
    assert (sub.quantity.value, sub.quantity.uom, sub.quantity.source_uom) == (Decimal("24.910"), "KGM", "KG")


def test_courbon_production_order() -> None:
    (order,) = _data(courbon("PRO-20121210181416-27942.xml"))
    assert isinstance(order, ProductionOrder)
    assert (order.order_id, order.plant, order.material_id, order.status) == (
        "258456", "1000", "SO1215", OrderStatus.RELEASED)
    assert order.planned_quantity.value == Decimal("1.000")
    assert order.planned_quantity.uom == "KGM"
    assert [(o.operation_id, o.parent_operation_id) for o in order.operations] == [
        ("0010", None), ("Weighing", "0010"), ("Contenair", "Weighing")]
    lines = {r.line_id: r for r in order.material_requirements}
    assert [lines[k].quantity.value for k in ("0010", "0020", "0030", "0040")] == [
        Decimal("5.000"), Decimal("50.000"), Decimal("811.000"), Decimal("100.000")]
    assert lines["0010"].issue_location is not None
    assert lines["0010"].issue_location.equipment_id == "BOX3"
    containers = [r for r in order.material_requirements if r.operation_id == "Contenair"]
    assert [(r.lot_id, r.sub_lot_id, r.quantity.value) for r in containers] == [
        ("CRBN0001_LOT01", "412345670000003212", Decimal("199.910")),
        ("CRBN0002_LOT01", "412345670021003212", Decimal("2152.3"))]


def test_courbon_performance_leaves_the_order_empty_with_a_warning() -> None:
    result = _run(courbon("PES-20121229115825-53107.xml"))
    assert not result.rejects
    (movement,) = [e.data for e in result.events]
    assert isinstance(movement, MaterialMovement)
    assert movement.movement_type is MovementType.GOODS_ISSUE
    assert (movement.material_id, movement.lot_id, movement.sub_lot_id) == (
        "CRBN0001", "CRBN0001_LOT01", "430147330000056734")
    assert (movement.quantity.value, movement.quantity.uom) == (Decimal("0.41"), "KGM")
    assert movement.order_id is None  # never guessed
    assert movement.requirement_line_id == "0010"  # Indice through the property map
    assert movement.occurred_at.isoformat() == "2012-11-29T10:58:25.314955+00:00"  # 7 fractional digits cut
    assert any("no order named" in w for w in result.warnings)


def test_courbon_documents_need_the_plant_from_the_context() -> None:
    bare = dataclasses.replace(CTX, options={}, lookups={})
    result = _run(courbon("PRO-20121210181416-27942.xml"), bare)
    (reject,) = result.rejects
    assert reject.code == "unresolved_reference"
    assert "default_plant" in reject.reason
    assert reject.location.endswith("/ProductionRequest")


# The composed V0600 / V07 samples ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", COMPOSED)
def test_composed_samples_are_valid_against_the_official_xsds(name: str) -> None:
    version = "V0600" if name.startswith("v0600") else "V0701"
    errors = list(schema(version).iter_errors(sample(name)))
    assert not errors, [str(e.reason) for e in errors[:3]]


def test_v0600_performance() -> None:
    data = _data(sample("v0600_sync_production_performance.xml"))
    conf, receipt, issue, link = data
    assert isinstance(conf, ProductionConfirmation)
    assert (conf.confirmation_id, conf.order_id, conf.plant, conf.is_final) == ("RESP-1/0010", "1000123", "1000", True)
    assert conf.yield_quantity.value == Decimal(125)  # 1.25E2, exact
    assert conf.activities[0].duration.uom == "HUR"
    assert conf.material_movement_ids == [receipt.movement_id, issue.movement_id]
    assert receipt.movement_type is MovementType.GOODS_RECEIPT
    assert issue.movement_type is MovementType.GOODS_ISSUE
    assert issue.requirement_line_id == "0010"
    assert isinstance(link, GenealogyLink)
    assert (link.parent.lot_id, link.child.lot_id) == ("LOT-FG-1", "LOT-RM-9")


def test_v07_performance_naive_times_in_the_site_zone() -> None:
    conf, *_ = _data(sample("v0701_sync_operations_performance.xml"))
    assert isinstance(conf, ProductionConfirmation)
    assert (conf.order_id, conf.operation_id, conf.plant, conf.is_final) == ("2000456", "0020", "2000", False)
    assert conf.ended_at is not None
    assert conf.ended_at.isoformat() == "2024-03-06T15:45:00+00:00"
    assert str(conf.posting_date) == "2024-03-06"
    assert conf.activities[0].activity.value == "machine"


def test_movements_switched_off_for_backflushing_erps() -> None:
    ctx = dataclasses.replace(CTX, vendors={"b2mml": {"movements": False}})
    data = _data(sample("v0600_sync_production_performance.xml"), ctx)
    assert [type(d) for d in data] == [ProductionConfirmation]
    assert data[0].material_movement_ids == []
    # without an order and without movements there is nothing to map: a reject, never a guessed order
    result = _run(courbon("PES-20121229115825-53107.xml"), ctx)
    assert [r.code for r in result.rejects] == ["unresolved_reference"]


def test_v07_schedule_plant_from_the_sender_lookup() -> None:
    (order,) = _data(sample("v0701_process_operations_schedule.xml"))
    assert (order.order_id, order.plant, order.routing_id) == ("2000456", "2000", "FG-300-V1")
    assert order.operations[0].planned_activities[0].duration.value == Decimal(4500)  # PT1H15M


def test_v0600_schedule() -> None:
    (order,) = _data(sample("v0600_process_production_schedule.xml"))
    assert (order.plant, order.material_id, order.target_lot_id) == ("1000", "FG-100", "LOT-FG-1")
    assert order.planned_start_at is not None
    assert order.planned_start_at.isoformat() == "2024-03-05T05:00:00+00:00"
    (line,) = order.material_requirements
    assert (line.line_id, line.operation_id) == ("0010", "0010")  # Indice on a V0600 typed requirement
    mixing = next(o for o in order.operations if o.operation_id == "0010")
    assert mixing.work_center_id == "MIX-01"


def test_v07_material_definition() -> None:
    (material,) = _data(sample("v0701_sync_material_definition.xml"))
    assert (material.material_id, material.base_uom, material.revision, material.material_group) == (
        "SHEET-7", "MTK", "C", "RAW-SHEET")
    assert [(d.language, d.text) for d in material.descriptions] == [("en", "Steel sheet 2 mm"),
                                                                     ("de", "Stahlblech 2 mm")]
    (thickness,) = material.properties
    assert (thickness.name, thickness.value, thickness.data_type.value, thickness.uom) == (
        "b2mml.Thickness", "2.0", "decimal", "MMT")
    assert material.effective_to is not None


def test_change_is_partial() -> None:
    lot, held = _data(sample("v0701_change_material_lot.xml"))
    assert held.affected.sub_lot_id == "COIL-0042"  # the Restricted sub-lot, not its lot
    assert "status" not in lot.partial_fields
    assert lot.sub_lots[0].status is LotStatus.RESTRICTED


# Versions, verbs, prefixes --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("namespace", "release", "version"),
    [
        ("http://www.wbf.org/xml/B2MML-V0401", None, "V0401"),
        ("http://www.mesa.org/xml/B2MML-V0600", "V0600", "V0600"),
        ("http://www.mesa.org/xml/B2MML", "V0700", "V0700"),
        ("http://www.mesa.org/xml/B2MML", "7.01", "V0701"),
        ("http://www.mesa.org/xml/B2MML", None, "V07"),
        ("urn:other", None, None),
    ],
)
def test_version_detection(namespace: str, release: str | None, version: str | None) -> None:
    assert rd.version_of(namespace, release) == version


def _lot_doc(verb: str = "Sync", action: str | None = None, ns: str = V07_NS, prefix: str = "",
             status: str = "<Status>Valid</Status>", lot_id: str = "L1") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns{":" + prefix if prefix else ""}="{ns}"'
    criteria = f'<{p}ActionCriteria><{p}ActionExpression actionCode="{action}"/></{p}ActionCriteria>' if action else ""
    status = status.replace("<", f"<{p}").replace(f"<{p}/", f"</{p}")
    return (
        f'<{p}{verb}MaterialLot {xmlns}><{p}ApplicationArea><{p}CreationDateTime>2024-01-01T00:00:00Z'
        f"</{p}CreationDateTime></{p}ApplicationArea><{p}DataArea><{p}{verb}>{criteria}</{p}{verb}>"
        f"<{p}MaterialLot><{p}ID>{lot_id}</{p}ID><{p}MaterialDefinitionID>M1</{p}MaterialDefinitionID>{status}"
        f"</{p}MaterialLot></{p}DataArea></{p}{verb}MaterialLot>"
    )


def _quantity(text: str, unit: str) -> str:
    return f"<Quantity><QuantityString>{text}</QuantityString><UnitOfMeasure>{unit}</UnitOfMeasure></Quantity>"


@pytest.mark.parametrize("prefix", ["", "b2mml", "ns0"])
def test_any_namespace_prefix(prefix: str) -> None:
    (lot,) = _data(_lot_doc(prefix=prefix))
    assert (lot.lot_id, lot.status) == ("L1", LotStatus.RELEASED)
    assert MAPPER.sniff(_lot_doc(prefix=prefix))


def test_delete_gives_a_tombstone_and_get_maps_nothing() -> None:
    (gone,) = _data(_lot_doc(action="Delete"))
    assert isinstance(gone, Deletion)
    assert (gone.entity_kind, gone.lot_id) == ("material_lot", "L1")
    result = _run(_lot_doc(verb="Get"))
    assert (result.records_in, result.events) == (0, [])
    assert result.warnings


def test_change_without_status_never_resets_it() -> None:
    (lot,) = _data(_lot_doc(action="Change", status=""))
    assert "status" not in lot.partial_fields
    full, held = _data(_lot_doc(action="Change", status="<Status>Blocked</Status>"))
    assert isinstance(held, Nonconformance)
    assert held.affected.sub_lot_id is None
    assert "status" in full.partial_fields
    assert full.status is LotStatus.BLOCKED


# Quirks of real files ----------------------------------------------------------------------------------
def test_missing_release_id_and_trailing_spaces_in_ids() -> None:
    (lot,) = _data(_lot_doc(lot_id="L1  "))  # no releaseID attribute at all
    assert lot.lot_id == "L1"


def test_mixed_case_data_type() -> None:
    for spelling in ("DECIMAL", "Decimal", "decimal"):
        assert rd.data_type(spelling) == ("decimal", None)
    assert rd.data_type("DateTime") == ("datetime", None)
    assert rd.data_type("SVG") == ("other", "SVG")


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.4E1", Decimal("4")), ("1.25E2", Decimal("125")), ("1.5E-3", Decimal("0.0015")), ("24.910", Decimal("24.910"))],
)
def test_quantities_in_exponent_form_are_exact(text: str, value: Decimal) -> None:
    doc = _lot_doc(status=_quantity(text, "KG"))
    (lot,) = _data(doc)
    assert lot.quantity is not None
    assert lot.quantity.value == value
    assert str(lot.quantity.value) == str(value)


def test_seven_digit_fractions_and_naive_times() -> None:
    ctx = MappingContext.build(source_system="T", default_timezone="Europe/Paris")
    assert rd.instant("2012-11-29T11:58:25.3149559+01:00", ctx, None).isoformat() == "2012-11-29T10:58:25.314955+00:00"
    assert rd.instant("2024-07-01T12:00:00", ctx, None).isoformat() == "2024-07-01T10:00:00+00:00"
    with pytest.raises(MappingError, match="time zone"):
        rd.instant("2024-07-01T12:00:00", MappingContext.build(source_system="T"), None)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT0S", 0), ("P2DT23H30M", 257400), ("PT1.5S", Decimal("1.5")), ("P0DT1H", 3600), ("P0Y0M1D", 86400)],
)
def test_xsd_duration(text: str, seconds: Decimal) -> None:
    assert rd.duration_seconds(text) == Decimal(seconds)


@pytest.mark.parametrize("text", ["P1M", "P1Y", "-PT1H", "PT", "P", "1H", "PT1H2"])
def test_xsd_duration_refused(text: str) -> None:
    with pytest.raises(MappingError, match=r"duration|months"):
        rd.duration_seconds(text)


def test_unknown_unit_is_a_reject_naming_the_field() -> None:
    doc = _lot_doc(status=_quantity("1", "Gizmos"))
    (reject,) = _run(doc).rejects
    assert reject.code == "unknown_unit"
    assert reject.location.endswith("/Quantity/UnitOfMeasure")
    ctx = dataclasses.replace(CTX, units={"Gizmos": "H87"})
    (lot,) = _data(doc, ctx)
    assert lot.quantity is not None
    assert (lot.quantity.uom, lot.quantity.source_uom) == ("H87", "Gizmos")


def test_property_map_from_the_context() -> None:
    ctx = MappingContext.build(source_system="T", default_timezone="UTC", options={"default_plant": "P"},
                               codes={"b2mml.property_map": {"OrderNumber": "order_id"}})
    doc = courbon("PES-20121229115825-53107.xml").replace(
        b"<ID>EmptyFlag</ID>", b"<ID>OrderNumber</ID>").replace(b"<ValueString>0</ValueString>",
                                                               b"<ValueString>258456</ValueString>", 1)
    result = _run(doc, ctx)
    (movement,) = [e.data for e in result.events]
    assert movement.order_id == "258456"
    assert not any("no order named" in w for w in result.warnings)
    bad = MappingContext.build(source_system="T", default_timezone="UTC", codes={"b2mml.property_map": {"X": "nope"}})
    assert _run(doc, bad).rejects[0].code == "invalid_context"


# Refusals ---------------------------------------------------------------------------------------------------
XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<SyncMaterialLot xmlns="http://www.mesa.org/xml/B2MML"><DataArea><MaterialLot><ID>&x;</ID>'
       b"</MaterialLot></DataArea></SyncMaterialLot>")
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><SyncMaterialLot xmlns="http://www.mesa.org/xml/B2MML">'
          b"<DataArea><MaterialLot><ID>&c;</ID></MaterialLot></DataArea></SyncMaterialLot>")


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_are_refused(payload: bytes) -> None:
    result = _run(payload)
    assert [r.code for r in result.rejects] == ["xml_forbidden"]
    assert not result.events


def test_unsupported_noun_and_foreign_root() -> None:
    doc = (f'<SyncEquipment xmlns="{V07_NS}"><DataArea><Sync/><Equipment><ID>E</ID></Equipment></DataArea>'
           "</SyncEquipment>")
    assert [r.code for r in _run(doc).rejects] == ["unsupported_message"]
    assert [r.code for r in _run("<SyncMaterialLot><DataArea/></SyncMaterialLot>").rejects] == ["unsupported_message"]


# Sniff exclusivity -----------------------------------------------------------------------------------------
def test_no_other_mapper_claims_b2mml() -> None:
    payloads = [sample(n) for n in COMPOSED] + [courbon(n) for n in COURBON_FILES]
    for mapper in registry.loaded_mappers():
        if mapper.name == "b2mml":
            continue
        for payload in payloads:
            assert not mapper.sniff(payload), f"{mapper.name} claims a B2MML document"
    for payload in payloads:
        assert registry.detect(payload) == ["b2mml"]


# Properties ---------------------------------------------------------------------------------------------------
_IDS = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FF, blacklist_characters="<>&"),
               min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(
    digits=st.integers(min_value=0, max_value=10**15),
    exponent=st.integers(min_value=-9, max_value=9),
    lot_id=_IDS,
)
def test_any_quantity_and_id_round_trip_exactly(digits: int, exponent: int, lot_id: str) -> None:
    """A quantity written in exponent form reads as the same exact number; an id keeps its text (stripped)."""
    text = f"{digits}E{exponent}"
    doc = _lot_doc(lot_id=lot_id, status=(
        _quantity(text, "KGM")))
    result = _run(doc)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    (event,) = result.events
    lot = event.data
    assert lot.lot_id == lot_id.strip()
    assert lot.quantity.value == Decimal(text)
    assert codecs.decode(codecs.encode(event), type=type(event)) == event


@settings(max_examples=60, deadline=None, database=None)
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_garbage_never_raises(payload: bytes | str) -> None:
    result = _run(payload)
    assert all(r.code != "mapping_failed" for r in result.rejects), [r.to_dict() for r in result.rejects]


# Field maps -----------------------------------------------------------------------------------------------------
def _paths(payload: bytes) -> set[str]:
    """The element paths of a document, namespace-free and without positions."""
    root = etree.fromstring(payload)
    return {re.sub(r"\[\d+\]", "", rd.xpath(el)) for el in root.iter() if isinstance(el.tag, str)}


@pytest.mark.parametrize("relative", sorted(v for (m, _), v in FIELD_MAPS.items() if m == "b2mml"))
def test_field_map_sources_occur_in_the_samples(relative: str) -> None:
    """Every source (and unit) path of the B2MML field maps occurs in a sample: the maps name real elements."""
    paths: set[str] = set()
    for name in COMPOSED:
        paths |= _paths(sample(name))
    for name in COURBON_FILES:
        paths |= _paths(courbon(name))
    for entry in field_map(relative):
        for key in ("source", "unit"):
            if key in entry:
                wanted = "/" + entry[key]
                assert any(p.endswith(wanted) for p in paths), f"{relative}: {entry[key]} in no sample"


def _actual(use: str, material: str, qty: str, other: str = "", element: str = "MaterialActual") -> str:
    attr = f' OtherValue="{other}"' if other else ""
    use_el = f"<MaterialUse{attr}>{use}</MaterialUse>" if use else ""
    return (f"<{element}><MaterialDefinitionID>{material}</MaterialDefinitionID><MaterialLotID>{material}-L"
            f"</MaterialLotID>{use_el}{_quantity(qty, 'KG')}</{element}>")


def _performance(segment: str, ns: str = V07_NS, noun: str = "OperationsPerformance",
                 response: str = "OperationsResponse", order: str = "<OperationsRequestID>O1</OperationsRequestID>",
                 tail: str = "<Endtime>2024-05-01T10:00:00Z</Endtime>") -> str:
    return (f'<Sync{noun} xmlns="{ns}"><ApplicationArea><CreationDateTime>2024-05-02T00:00:00Z</CreationDateTime>'
            f"</ApplicationArea><DataArea><Sync/><{noun}><ID>P</ID>{tail}<{response}><ID>R</ID>{order}"
            f"<SegmentResponse><ID>S</ID>{segment}</SegmentResponse></{response}></{noun}></DataArea></Sync{noun}>")


def test_v07_endtime_typo_and_scrap_convention() -> None:
    doc = _performance(_actual("Produced", "FG", "10") + _actual("Other", "FG", "2", other="Scrap")
                       + _actual("Consumed", "RM", "1.5E1"))
    conf, *moves = _data(doc)
    assert isinstance(conf, ProductionConfirmation)
    assert conf.scrap_quantity is not None
    assert (conf.yield_quantity.value, conf.scrap_quantity.value) == (Decimal(10), Decimal(2))
    assert [m.movement_type for m in moves if isinstance(m, MaterialMovement)] == [
        MovementType.GOODS_RECEIPT, MovementType.GOODS_ISSUE]  # scrap is no goods movement here
    assert moves[0].occurred_at.isoformat() == "2024-05-01T10:00:00+00:00"  # OperationsPerformance/Endtime (sic)


def test_v0600_typed_actuals() -> None:
    segment = (_actual("", "FG", "4", element="MaterialProducedActual")
               + _actual("", "RM", "5", element="MaterialConsumedActual"))
    doc = _performance(segment, ns=V0600_NS, noun="ProductionPerformance", response="ProductionResponse",
                       order="<ProductionRequestID>O2</ProductionRequestID>", tail="")
    conf, receipt, issue, _link = _data(doc)
    assert (conf.order_id, conf.yield_quantity.value) == ("O2", Decimal(4))
    assert (receipt.movement_type, issue.movement_type) == (MovementType.GOODS_RECEIPT, MovementType.GOODS_ISSUE)
    assert issue.occurred_at.isoformat() == "2024-05-02T00:00:00+00:00"  # no end time: the document's creation time
