"""The declarative field maps in mappings/sap/*_fields.toml: every canonical path exists in the model, every
transform is known, and the mappers name the canonical field in their errors."""

from __future__ import annotations

from typing import Any

import msgspec.inspect as mi
import pytest

from mfgcanon.mappers import MappingContext, get
from mfgcanon.mappers._data import FIELD_MAPS, TRANSFORMS, canonical_for, field_map, load, mappings_root
from mfgcanon.v1 import confirmation, equipment, inventory, lot, material, order, posting, quality, work_center

ENTITIES: dict[str, Any] = {
    "ProductionOrder": order.ProductionOrder,
    "MaterialMovement": inventory.MaterialMovement,
    "Material": material.Material,
    "MaterialLot": lot.MaterialLot,
    "ProductionConfirmation": confirmation.ProductionConfirmation,
    "InventoryBalance": inventory.InventoryBalance,
    "QualityInspection": quality.QualityInspection,
    "WorkCenter": work_center.WorkCenter,
    "Nonconformance": quality.Nonconformance,
    "EquipmentStateChange": equipment.EquipmentStateChange,
    "PostingResult": posting.PostingResult,
}


def _struct(t: mi.Type) -> mi.StructType | None:
    """The struct a field type leads to (through Optional, lists and unions)."""
    if isinstance(t, mi.StructType):
        return t
    if isinstance(t, mi.UnionType):
        return next((s for s in map(_struct, t.types) if s is not None), None)
    if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return _struct(t.item_type)
    if isinstance(t, mi.Metadata):
        return _struct(t.type)
    return None


def _exists(entity: Any, path: str) -> bool:
    node: mi.StructType | None = mi.type_info(entity)  # type: ignore[assignment]
    for part in path.split("."):
        if node is None:
            return False
        found = next((f for f in node.fields if f.name == part), None)
        if found is None:
            return False
        node = _struct(found.type)
    return True


def test_every_field_map_file_is_listed() -> None:
    on_disk = {p.relative_to(mappings_root()).as_posix() for p in mappings_root().glob("*/*_fields.toml")}
    assert on_disk == set(FIELD_MAPS.values())


@pytest.mark.parametrize("relative", sorted(FIELD_MAPS.values()))
def test_paths_exist_and_transforms_are_known(relative: str) -> None:
    data = load(relative)
    assert data["format"] == "mfgcanon.field-map/1"
    entity = ENTITIES[data["entity"]]
    entries = field_map(relative)
    assert entries
    for entry in entries:
        assert _exists(entity, entry["canonical"]), f"{relative}: {entry['canonical']} is not in {data['entity']}"
        assert entry["transform"] in TRANSFORMS, f"{relative}: unknown transform {entry['transform']}"
        if entry["transform"] in ("quantity", "item_quantity"):  # item_quantity: the item whose unit is looked up
            assert "unit" in entry, f"{relative}: {entry['canonical']} needs a unit field"
        else:
            assert "unit" not in entry, f"{relative}: {entry['canonical']}: a unit field only goes with quantity"
        if "time" in entry:
            timed = ("local_instant", "odata_local_instant", "date_seconds")
            assert entry["transform"] in timed, f"{relative}: {entry}"


def test_canonical_lookup() -> None:
    assert canonical_for("sap-idoc", "E1AFKOL", "GAMNG") == "ProductionOrder.planned_quantity"
    assert canonical_for("sap-idoc", "E1AFKOL", "GMEIN") == "ProductionOrder.planned_quantity"
    assert canonical_for("sap-idoc", "E1AFKOL", "NOPE") is None
    assert canonical_for("sap-idoc", "E1JSTKL", "STAT") == "ProductionOrder.status"  # the tail of E1AFKOL/E1JSTKL/STAT


def test_lookup_names_the_right_entity_per_segment() -> None:
    """The same field name in segments of different messages resolves to each message's entity."""
    assert canonical_for("sap-idoc", "E1AFKOL", "MATNR") == "ProductionOrder.material_id"
    assert canonical_for("sap-idoc", "E1MARAM", "MATNR") == "Material.material_id"
    assert canonical_for("sap-idoc", "E1MARAM", "MEINS") == "Material.base_uom"
    assert canonical_for("sap-idoc", "E1RESBL", "MEINS") == "ProductionOrder.material_requirements.quantity"
    assert canonical_for("sap-idoc", "E1BATMAS", "MATERIAL") == "MaterialLot.material_id"
    assert canonical_for("sap-idoc", "E1BP2017_GM_ITEM_CREATE", "MATERIAL") == "MaterialMovement.material_id"
    assert canonical_for("sap-idoc", "E1BP_PP_TIMETICKET", "ORDERID") == "ProductionConfirmation.order_id"
    assert canonical_for("sap-idoc", "E1BP2017_GM_ITEM_CREATE", "ORDERID") == "MaterialMovement.order_id"
    assert canonical_for("sap-idoc", "E1MARCM", "WERKS") == "Material.plant_data.plant"
    assert canonical_for("sap-idoc", "E1MARAM", "MATNR", message="LOIPRO") is None


def test_odata_lookup_by_entity_set() -> None:
    """OData property names repeat across entity sets: without the message an ambiguous name gives None,
    with it the entity set's own map answers."""
    assert canonical_for("sap-odata", "", "Material") is None
    assert canonical_for("sap-odata", "", "Material", message="A_ProductionOrder_2") == "ProductionOrder.material_id"
    assert canonical_for("sap-odata", "", "Material", message="A_MatlStkInAcctMod") == "InventoryBalance.material_id"
    assert (
        canonical_for("sap-odata", "", "Material", message="A_InspectionLot")
        == "QualityInspection.inspected.material_id"
    )
    assert canonical_for("sap-odata", "", "Product", message="A_Product") == "Material.material_id"
    assert canonical_for("sap-odata", "", "TotalQuantity") == "ProductionOrder.planned_quantity"  # one map has it
    assert (
        canonical_for("sap-odata", "to_ProductionOrderOperation", "OpPlannedTotalQuantity")
        == "ProductionOrder.operations.planned_quantity"
    )
    # a property of the entity itself wins over the same name in a navigation
    assert canonical_for("sap-odata", "", "Plant", message="A_ProductionOrder_2") == "ProductionOrder.plant"
    assert canonical_for("sap-odata", "", "Plant", message="A_Product") == "Material.plant_data.plant"


def _split(source: str) -> tuple[str, str]:
    segment, _, name = source.rpartition("/")
    return segment.rpartition("/")[2], name


@pytest.mark.parametrize(("mapper", "message"), sorted(FIELD_MAPS))
def test_every_mapped_field_resolves_within_its_own_entity(mapper: str, message: str) -> None:
    """Every source, unit and time field of a map resolves to that map's entity: by message, and for the
    IDoc mapper (which looks up by segment alone) also without it."""
    relative = FIELD_MAPS[(mapper, message)]
    entity = load(relative)["entity"]
    for entry in field_map(relative):
        for source in filter(None, (entry["source"], entry.get("unit"), entry.get("time"))):
            segment, name = _split(source)
            found = canonical_for(mapper, segment, name, message=message)
            assert found is not None, f"{relative}: {source} resolves to nothing"
            assert found.startswith(f"{entity}."), f"{relative}: {source} -> {found}"
            if mapper == "sap-idoc":
                assert canonical_for(mapper, segment, name) == found, f"{relative}: {source} is ambiguous"


def test_reject_names_source_and_canonical_field() -> None:
    doc = (
        b"<LOIPRO05><IDOC><EDI_DC40><MESTYP>LOIPRO</MESTYP></EDI_DC40><E1AFKOL><AUFNR>1</AUFNR>"
        b"<WERKS>1710</WERKS><MATNR>4711</MATNR><GAMNG>ten</GAMNG><GMEIN>ST</GMEIN></E1AFKOL></IDOC></LOIPRO05>"
    )
    result = get("sap-idoc").to_canonical(doc, MappingContext.build(source_system="S", default_timezone="UTC"))
    (reject,) = result.rejects
    assert reject.code == "invalid_value"
    assert reject.location.endswith("E1AFKOL/GAMNG")
    assert "E1AFKOL/GAMNG -> ProductionOrder.planned_quantity" in reject.reason
