"""The ERP import documents (ERP -> Plant Applications), read as canonical state: a work order (WOID) or a process
order (POID) is a production order, a material (MMID) a material, each lot of a material lot document (MLID) a
lot.

What PA does not carry comes from the context, never from a guess: the plant (PA names a line), a work order's
unit (the material's base unit, ``[lookups.proficy_material_units]``), a partial POID's material
(``[lookups.proficy_order_material]``). A POID of schema 4 or later that leaves fields null is a partial update:
it lists what it carries in ``partial_fields`` and never resets the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.proficy import reader as rd
from mfgcanon.mappers.proficy.reader import Fields
from mfgcanon.v1.events import (
    LotUpserted,
    MaterialUpserted,
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderStatusChanged,
    ProductionOrderUpdated,
)
from mfgcanon.v1.lot import MaterialLot
from mfgcanon.v1.material import Material
from mfgcanon.v1.order import ProductionOrder
from mfgcanon.v1.status import OrderStatusChange

ORDER_EVENTS: dict[str, type[Any]] = {
    "released": ProductionOrderReleased,
    "completed": ProductionOrderCompleted,
    "closed": ProductionOrderClosed,
    "cancelled": ProductionOrderCancelled,
}
"""The event of an order by its status; any other status is an update."""

POID_UPDATE_FROM = 4
"""The POID schema version from which a document may update an order (PA 2022: only the planned dates, the
planned quantity and the status are updatable; the other fields are sent null)."""


def _status(f: Fields, name: str = "status") -> tuple[str | None, str | None]:
    raw = f.s(name)
    if raw is None:
        return None, None
    return rd.code(f.ctx, "order_status", raw) or "other", raw


def _event_for(status: str | None) -> type[Any]:
    return ORDER_EVENTS.get(status or "", ProductionOrderUpdated)


# Work orders (WOID) --------------------------------------------------------------------------------------------
def work_order(f: Fields, raw: Mapping[str, Any], result: MappingResult) -> None:
    version = rd.schema_version(f, "WOID")
    order_id = f.req("workOrderName")
    material_id = f.req("producedMaterialName")
    line = f.s("plannedLineName")
    plant = rd.plant(f.ctx, line, order=order_id, path=f.at("plannedLineName"))
    planned = f.dec("plannedQuantity")
    if planned is None:
        raise MappingError("a work order needs its plannedQuantity", code="missing_field", path=f.at("plannedQuantity"))
    unit = rd.material_unit(f.ctx, material_id, f.at("producedMaterialName"))
    status, raw_status = _status(f)
    group = f.obj("operationsGroup") or {}
    g = f.sub(group, f.at("operationsGroup"))
    route = g.obj("route") or {}
    r = g.sub(route, g.at("route"))
    requirements = _bom(r, "billOfMaterials", None)
    operations = []
    for pointer, item in g.objects("operations"):
        op = g.sub(item, pointer)
        op_id = op.s("operationName") or op.req("name")
        op_props, _ = rd.properties(op)
        behaviours = [str(b) for b in item.get("behaviours") or [] if isinstance(b, str)]
        if behaviours:
            op_props.append({"name": "proficy.behaviours", "value": ",".join(behaviours)})
        operations.append({"operation_id": op_id, "description": op.s("description"),
                           "work_center_id": op.s("unitName"), "properties": op_props})
        requirements += _bom(op, "billOfMaterials", op_id)
    lots = list(f.objects("materialLots"))
    props, _ = rd.properties(r)
    lot_props = []
    for pointer, item in lots:
        lot = f.sub(item, pointer)
        lot_props.append({"name": f"proficy.materialLots.{lot.req('lotIdentifier')}"[:255],
                          "value": str(lot.dec("plannedQuantity") or "") or None, "data_type": "decimal"})
    priority = f.integer("priority")
    data: dict[str, Any] = {
        "order_id": order_id,
        "plant": plant,
        "status": status or "released",
        "status_source_code": raw_status,
        "material_id": material_id,
        "planned_quantity": {"value": planned, "uom": unit},
        "planned_start_at": f.instant("plannedStartDate", plant),
        "planned_end_at": f.instant("plannedEndDate", plant),
        "priority": priority if priority is not None and priority <= 1000 else None,
        "priority_source_code": None if priority is None else str(priority),
        "routing_id": f.s("routeDefinitionName"),
        "target_lot_id": f.sub(lots[0][1], lots[0][0]).s("lotIdentifier") if lots else None,
        "production_line_id": line,
        "operations": operations,
        "material_requirements": requirements,
        "revision": None,
        "properties": [p for p in (
            rd.prop("routeDefinitionRevision", f.s("routeDefinitionRevision")),
            rd.prop("routeDefinitionMinorRevision", f.s("routeDefinitionMinorRevision")),
            rd.prop("routeDefinitionType", f.s("routeDefinitionType")),
        ) if p] + props + lot_props,
        "source": rd.source(f.ctx, f"WOID-v{version}", rd.digest(raw), order_id),
    }
    time = helpers.event_time(result, f.ctx, f.p or "/")
    helpers.emit_checked(result, _event_for(data["status"]), helpers.convert(data, ProductionOrder), time=time)


def _bom(f: Fields, name: str, operation: str | None) -> list[dict[str, Any]]:
    """BOM items (route or operation level) as consumed material requirements; an item without a unit is in its
    material's base unit (looked up)."""
    out = []
    for index, (pointer, item) in enumerate(f.objects(name), start=1):
        line = f.sub(item, pointer)
        material = line.req("materialName")
        number = line.dec("quantity")
        if number is None:
            raise MappingError("a BOM item needs its quantity", code="missing_field", path=line.at("quantity"))
        unit_text = line.s("unitOfMeasureName")
        quantity = (rd.quantity(number, unit_text, f.ctx, line.at("unitOfMeasureName")) if unit_text else
                    {"value": number, "uom": rd.material_unit(f.ctx, material, line.at("materialName"))})
        item_props, _ = rd.properties(line)
        item_props += [p for p in (
            rd.prop("scrapFactor", line.dec("scrapFactor"), "decimal"),
            rd.prop("lowerTolerance", line.dec("lowerTolerance"), "decimal"),
            rd.prop("upperTolerance", line.dec("upperTolerance"), "decimal"),
            rd.prop("storageUnit", line.s("defaultStorageUnit")),
        ) if p]
        bom_item = line.s("bomItemName")
        out.append({
            "line_id": f"{operation}/{bom_item or index}" if operation else (bom_item or str(index)),
            "material_id": material,
            "material_use": "consumed",
            "quantity": quantity,
            "operation_id": operation,
            "bom_item_number": bom_item,
            "properties": item_props,
        })
    return out


# Process orders (POID) -----------------------------------------------------------------------------------------
_POID_FIELDS = ("producedMaterialName", "plannedLineName", "plannedQuantity", "plannedStartDate", "plannedEndDate",
                "status")


def process_order(f: Fields, raw: Mapping[str, Any], result: MappingResult) -> None:
    version = rd.schema_version(f, "POID")
    order_id = f.req("processOrderName")
    partial = version >= POID_UPDATE_FROM and not all(f.has(name) for name in _POID_FIELDS)
    line = f.s("plannedLineName")
    if version == 1 and line is None:
        raise MappingError("a POID of schema 1 needs its plannedLineName", code="missing_field",
                           path=f.at("plannedLineName"))
    plant = rd.plant(f.ctx, line, order=order_id, path=f.at("plannedLineName"))
    status, raw_status = _status(f)
    material_id = f.s("producedMaterialName")
    if material_id is None and partial:
        found = f.ctx.lookup("proficy_order_material", order_id, path=f.at("producedMaterialName"))
        material_id = found if isinstance(found, str) else None
    if material_id is None:
        raise MappingError("a process order needs its producedMaterialName", code="missing_field",
                           path=f.at("producedMaterialName"))
    time = helpers.event_time(result, f.ctx, f.p or "/")
    src = rd.source(f.ctx, f"POID-v{version}", rd.digest(raw), order_id)
    details = f.obj("bomFormulationDetails")
    d = f.sub(details or {}, f.at("bomFormulationDetails"))
    planned = f.dec("plannedQuantity")
    dates = {"planned_start_at": f.instant("plannedStartDate", plant),
             "planned_end_at": f.instant("plannedEndDate", plant)}
    if planned is None and partial:
        _status_only(f, order_id, plant, status, raw_status, dates, src, time, result)
        return
    if planned is None:
        raise MappingError("a process order needs its plannedQuantity", code="missing_field",
                           path=f.at("plannedQuantity"))
    unit_text = d.s("producedMaterialUnitOfMeasureName")
    quantity = (rd.quantity(planned, unit_text, f.ctx, d.at("producedMaterialUnitOfMeasureName")) if unit_text else
                {"value": planned, "uom": rd.material_unit(f.ctx, material_id, f.at("producedMaterialName"))})
    props, _ = rd.properties(f)
    extra = [p for p in (
        rd.prop("path", f.s("path")),
        rd.prop("productionRate", f.dec("productionRate"), "decimal"),
        rd.prop("blockNumber", f.s("blockNumber")),
        rd.prop("userGeneral1", f.s("userGeneral1")),
        rd.prop("userGeneral2", f.s("userGeneral2")),
        rd.prop("userGeneral3", f.s("userGeneral3")),
        rd.prop("extendedInfo", f.s("extendedInfo")),
        rd.prop("bomFamilyName", d.s("bomFamilyName")),
        rd.prop("bomMasterName", d.s("bomMasterName")),
    ) if p]
    data: dict[str, Any] = {
        "order_id": order_id,
        "plant": plant,
        "status": status or "released",
        "status_source_code": raw_status,
        "material_id": material_id,
        "planned_quantity": quantity,
        **dates,
        "bom_id": f.s("bomFormulation") or d.s("bomFormulationName"),
        "production_line_id": line,
        "properties": extra + props,
        "source": src,
    }
    event = _event_for(data["status"])
    if partial:
        carried = ["order_id", "plant", "material_id", "planned_quantity"]
        carried += [k for k in ("planned_start_at", "planned_end_at", "bom_id", "production_line_id", "properties")
                    if data.get(k)]
        if status is not None:
            carried += ["status", "status_source_code"]
        else:
            event = ProductionOrderUpdated  # an update without a status releases nothing
        data["partial_fields"] = carried
    helpers.emit_checked(result, event, helpers.convert(data, ProductionOrder), time=time)


def _status_only(f: Fields, order_id: str, plant: str | None, status: str | None, raw_status: str | None,
                 dates: dict[str, Any], src: dict[str, Any], time: Any, result: MappingResult) -> None:
    """A POID update without a planned quantity: the canonical order needs one, and the mapper never invents it.
    With a status it is an order status change (its planned dates kept as properties, not lost); without one
    there is nothing the model can carry."""
    if status is None:
        raise MappingError(
            "a POID update without plannedQuantity and without status: a canonical production order needs its "
            "planned quantity (never invented) and a status change needs a status", code="unmappable_value",
            path=f.at("plannedQuantity"))
    data = {
        "order_id": order_id,
        "plant": plant,
        "status": status,
        "status_source_code": raw_status,
        "changed_at": rd.business_time(f.ctx, f.at("status")),
        "properties": [p for p in (rd.prop("plannedStartDate", dates["planned_start_at"], "datetime"),
                                   rd.prop("plannedEndDate", dates["planned_end_at"], "datetime")) if p],
        "source": src,
    }
    helpers.emit_checked(result, ProductionOrderStatusChanged, helpers.convert(data, OrderStatusChange), time=time)


# Materials (MMID) ----------------------------------------------------------------------------------------------
def material(f: Fields, raw: Mapping[str, Any], result: MappingResult) -> None:
    version = rd.schema_version(f, "MMID")
    body = f.obj("material")
    if body is None:
        raise MappingError("an MMID needs its material object", code="missing_field", path=f.at("material"))
    m = f.sub(body, f.at("material"))
    material_id = m.req("productCode")
    props, mapped = rd.properties(m)
    unit_text = mapped.get("base_uom")
    if unit_text is not None:
        base_uom = rd.unit(unit_text, f.ctx, m.at("propertyValues"))
    else:
        base_uom = rd.material_unit(f.ctx, material_id, m.at("propertyValues"))
    lines = f.d.get("productionLines")
    names = [str(x).strip() for x in lines if isinstance(x, str | int) and str(x).strip()] if isinstance(
        lines, list) else []
    extra = [p for p in (
        rd.prop("productionLines", ",".join(names) or None),
        rd.prop("storageZone", f.s("storageZone")),
        rd.prop("storageUnit", f.s("storageUnit")),
        rd.prop("isECOManaged", _yes(m.flag("isECOManaged"))) if version >= 4 else None,
    ) if p]
    data: dict[str, Any] = {
        "material_id": material_id,
        "description": m.s("productDescription"),
        "base_uom": base_uom,
        "material_group": m.s("productFamily"),
        "revision": m.s("externalRevision") if version >= 4 else None,
        "is_serialized": bool(m.flag("isSerialized")),
        "properties": extra + props,
        "source": rd.source(f.ctx, f"MMID-v{version}", rd.digest(raw), material_id),
    }
    time = helpers.event_time(result, f.ctx, f.p or "/")
    helpers.emit_checked(result, MaterialUpserted, helpers.convert(data, Material), time=time)


def _yes(flag: bool | None) -> str | None:
    return None if flag is None else ("true" if flag else "false")


# Material lots (MLID) ------------------------------------------------------------------------------------------
def material_lots(f: Fields, raw: Mapping[str, Any], result: MappingResult, work: Any) -> None:
    """Each ``materialLot`` entry is a record of its own (guarded by ``work``)."""
    version = rd.schema_version(f, "MLID")
    items = list(f.objects("materialLot"))
    if not items:
        raise MappingError("an MLID needs at least one materialLot", code="missing_field", path=f.at("materialLot"))
    for pointer, item in items:
        work(pointer, item, lambda p=pointer, i=item: lot(f.sub(i, p), version, i, result))


def lot(f: Fields, version: int, raw: Mapping[str, Any], result: MappingResult,
        document_type: str | None = None) -> dict[str, Any]:
    """One lot as plain data, emitted; returned for the lot status events (which send the same shape)."""
    lot_id = f.req("lotIdentifier")
    material_id = f.req("productName")
    props, mapped = rd.properties(f)
    plant = rd.plant(f.ctx, f.s("productionUnit"), mapped=mapped.get("plant"), required=False)
    unit_text = f.s("unitOfMeasure")
    quantity = None
    number = f.dec("quantity")
    unit_code: str | None = None
    if number is not None or f.d.get("materialSubLots"):
        if unit_text is not None:
            unit_code = rd.unit(unit_text, f.ctx, f.at("unitOfMeasure"))
        else:
            unit_code = rd.material_unit(f.ctx, material_id, f.at("productName"))
    if number is not None and unit_code is not None:
        quantity = {"value": number, "uom": unit_code,
                    "source_uom": unit_text if unit_text and unit_text != unit_code else None}
    subs = []
    for pointer, item in f.objects("materialSubLots"):
        sub = f.sub(item, pointer)
        sub_number = sub.dec("quantity")
        subs.append({"sub_lot_id": sub.req("lotIdentifier"),
                     "quantity": None if sub_number is None else {"value": sub_number, "uom": unit_code}})
    status, raw_status = None, f.s("status")
    if raw_status is not None:
        status = rd.code(f.ctx, "lot_status", raw_status) or "other"
    elif version == 2:
        raise MappingError("an MLID of schema 2 needs each lot's status", code="missing_field", path=f.at("status"))
    created = None
    kept = []
    for entry in props:
        if entry["name"] == "proficy.TIMESTAMPCREATION" and entry["value"]:
            created = rd.instant(entry["value"], f.ctx, plant, path=f.at("propertyValues"))
            kept.append({"name": entry["name"], "value": created.isoformat(), "data_type": "datetime"})
        else:
            kept.append(entry)
    description = f.s("description")
    origin = "purchased" if description and description.lower() == "receiver" else (
        "produced" if mapped.get("producing_order_id") else None)
    data: dict[str, Any] = {
        "lot_id": lot_id,
        "material_id": material_id,
        "plant": plant,
        "quantity": quantity,
        "origin": origin,
        "origin_source_code": description if origin == "purchased" else None,
        "producing_order_id": mapped.get("producing_order_id"),
        "supplier_id": mapped.get("supplier_id"),
        "supplier_lot_id": mapped.get("supplier_lot_id"),
        "sub_lots": subs,
        "properties": kept,
        "source": rd.source(f.ctx, document_type or f"MLID-v{version}", rd.digest(raw), f"{material_id}/{lot_id}"),
    }
    if status is not None:
        data["status"], data["status_source_code"] = status, raw_status
    if status is None or version >= 4:  # v3 may leave the status out; v4 updates status, quantity, properties
        data["partial_fields"] = ["lot_id", "material_id"] + [
            k for k in ("plant", "quantity", "origin", "origin_source_code", "producing_order_id", "supplier_id",
                        "supplier_lot_id", "sub_lots", "properties") if data.get(k)] + (
            ["status", "status_source_code"] if status is not None else [])
    if document_type is None:
        time = helpers.event_time(result, f.ctx, f.p or "/")  # a creation time is no update time
        helpers.emit_checked(result, LotUpserted, helpers.convert(data, MaterialLot), time=time)
    return data
