"""The declarative field maps in mappings/sap/*_fields.toml: every canonical path exists in the model, every
transform is known, and the mappers name the canonical field in their errors."""

from __future__ import annotations

from typing import Any

import msgspec.inspect as mi
import pytest

from mfgcanon.mappers import MappingContext, get
from mfgcanon.mappers._data import FIELD_MAPS, TRANSFORMS, canonical_for, field_map, load, mappings_root
from mfgcanon.v1 import inventory, order

ENTITIES: dict[str, Any] = {"ProductionOrder": order.ProductionOrder, "MaterialMovement": inventory.MaterialMovement}


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
    on_disk = {p.relative_to(mappings_root()).as_posix() for p in mappings_root().glob("sap/*_fields.toml")}
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
        if entry["transform"] == "quantity":
            assert "unit" in entry, f"{relative}: {entry['canonical']} needs a unit field"


def test_canonical_lookup() -> None:
    assert canonical_for("sap-idoc", "E1AFKOL", "GAMNG") == "ProductionOrder.planned_quantity"
    assert canonical_for("sap-idoc", "E1AFKOL", "GMEIN") == "ProductionOrder.planned_quantity"
    assert canonical_for("sap-idoc", "E1AFKOL", "NOPE") is None


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
