"""Fusion ``itemsV2`` (item master, one organization's view) -> material events."""

from __future__ import annotations

from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.oracle import common as oc
from mfgcanon.mappers.oracle.common import Fields
from mfgcanon.v1.events import MaterialUpserted
from mfgcanon.v1.material import Material, MaterialStatus, MaterialType

_NO_CONTROL = ("no lot control", "no serial number control", "1")


def item(f: Fields, result: MappingResult) -> None:
    ctx = f.ctx
    material_id = f.need("ItemNumber", "item")
    uom_text = f.s("PrimaryUOMValue") or f.s("PrimaryUOMCode")
    unit_field = "PrimaryUOMValue" if f.s("PrimaryUOMValue") else "PrimaryUOMCode"
    if uom_text is None:
        uom_text = oc.lookup(ctx, "item_base_unit", material_id, f.at("PrimaryUOMValue"))
    base_uom = oc.unit(uom_text, ctx, f.at(unit_field))
    status_text = f.s("ItemStatusValue")
    type_text = f.s("UserItemTypeValue")
    lot_text = f.s("LotControlValue")
    serial_text = f.s("SerialNumberControlValue")
    plant = f.s("OrganizationCode")
    if plant is None and f.s("OrganizationId"):
        plant = oc.lookup(ctx, "organization_code", str(f.s("OrganizationId")), f.at("OrganizationId"))
    changed = f.s("LastUpdateDateTime") or f.s("LastUpdateDate")
    item_id = f.s("ItemId")
    material = {
        "material_id": material_id,
        "description": f.s("ItemDescription"),
        "base_uom": base_uom,
        "material_type": oc.enum_code(ctx, "item_types", type_text, MaterialType, MaterialType.OTHER)
        if type_text else MaterialType.OTHER,
        "material_type_source_code": type_text,
        "status": oc.enum_code(ctx, "item_statuses", status_text, MaterialStatus, MaterialStatus.OTHER)
        if status_text else MaterialStatus.ACTIVE,
        "status_source_code": status_text,
        "is_lot_managed": lot_text is not None and lot_text.lower() not in _NO_CONTROL,
        "is_serialized": serial_text is not None and serial_text.lower() not in _NO_CONTROL,
        "plant_data": [{"plant": plant}] if plant else [],
        "properties": [p for p in (
            {"name": "oracle.uom_name", "value": uom_text} if uom_text != base_uom else None,
            {"name": "oracle.lot_control", "value": lot_text} if lot_text else None,
            {"name": "oracle.serial_control", "value": serial_text} if serial_text else None,
        ) if p is not None],
        "source": oc.source(ctx, "FUSION:itemsV2", item_id or f"{plant}/{material_id}", revision=changed),
    }
    time = oc.event_time(result, ctx, f.p or "/", f.instant("LastUpdateDateTime", plant),
                         f.instant("LastUpdateDate", plant), f.instant("CreationDateTime", plant))
    oc.emit(result, MaterialUpserted, material, Material, time)
