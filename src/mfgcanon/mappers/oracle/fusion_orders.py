"""Fusion ``workOrders`` (GET with its child operations, materials, resources and outputs; POST bodies) ->
production order events."""

from __future__ import annotations

from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.oracle import common as oc
from mfgcanon.mappers.oracle.common import Fields
from mfgcanon.v1.common import ActivityKind
from mfgcanon.v1.order import MaterialUse, OrderStatus, ProductionOrder, SupplyType

_RESOURCE_KINDS = {"LABOR": ActivityKind.LABOR, "EQUIPMENT": ActivityKind.MACHINE}
_OUTPUT_USES = {"PRODUCT": MaterialUse.PRODUCED, "CO_PRODUCT": MaterialUse.CO_PRODUCT,
                "BY_PRODUCT": MaterialUse.BY_PRODUCT}


def _prop(name: str, value: Any, data_type: str = "string", uom: str | None = None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"name": name, "value": str(value).lower() if isinstance(value, bool) else str(value),
            "data_type": data_type, "uom": uom}


def _props(*found: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [p for p in found if p is not None]


def _unit_text(f: Fields, material: str, *names: str) -> tuple[str, str]:
    """The unit of a line: the first unit field given, else the item's base unit through the lookup table
    ``item_base_unit`` (a POST body carries no unit; a miss is ``unresolved_reference``)."""
    for name in names:
        text = f.s(name)
        if text:
            return text, name
    return oc.lookup(f.ctx, "item_base_unit", material, f.at(names[0])), names[0]


def work_order(f: Fields, result: MappingResult) -> None:
    ctx = f.ctx
    order_id = f.need("WorkOrderNumber", "work order")
    plant = oc.organization(f)
    material_id = f.need("ItemNumber", "work order")
    unit_text, unit_field = _unit_text(f, material_id, "UOMCode", "UnitOfMeasure")
    quantity = f.qty("PlannedStartQuantity", unit_text, unit_field)
    if quantity is None:
        raise MappingError("work order has no PlannedStartQuantity", code="missing_field",
                           path=f.at("PlannedStartQuantity"))
    system, user = f.s("WorkOrderSystemStatusCode"), f.s("WorkOrderStatusCode")
    if system:
        status = oc.enum_code(ctx, "work_order_system_statuses", system, OrderStatus, OrderStatus.OTHER)
    elif user:
        status = oc.enum_code(ctx, "work_order_statuses", user, OrderStatus, OrderStatus.OTHER)
    else:
        status = OrderStatus.OTHER
    priority = f.s("WorkOrderPriority")
    subinventory, locator = f.s("CompletionSubinventoryCode"), f.s("CompletionLocator")
    rejected = f.qty("RejectedQuantity", unit_text, unit_field)
    operations = []
    requirements: list[dict[str, Any]] = []
    for where, data in f.children("WorkOrderOperation"):
        op = f.sub(data, where)
        operation, lines = _operation(op, plant, unit_text, unit_field)
        operations.append(operation)
        requirements.extend(lines)
    for where, data in f.children("WorkOrderMaterial"):
        requirements.append(_material(f.sub(data, where), plant, None))
    for where, data in f.children("WorkOrderOutput"):
        requirements.append(_output(f.sub(data, where), None))
    changed = f.s("LastUpdateDate")
    work_order_id = f.s("WorkOrderId")
    order = {
        "order_id": order_id,
        "plant": plant,
        "source_order_id": work_order_id,
        "description": f.s("WorkOrderDescription"),
        "order_type": f.s("WorkOrderType") or f.s("WorkOrderTypeCode"),
        "status": status,
        "status_source_code": user or system,
        "material_id": material_id,
        "planned_quantity": quantity,
        "planned_start_at": f.instant("PlannedStartDate", plant),
        "planned_end_at": f.instant("PlannedCompletionDate", plant),
        "actual_start_at": f.instant("ActualStartDate", plant),
        "actual_end_at": f.instant("ActualCompletionDate", plant),
        "released_at": f.instant("ReleasedDate", plant),
        "closed_at": f.instant("ClosedDate", plant),
        "priority": oc.priority(ctx, priority),
        "priority_source_code": priority,
        "receipt_location": {"plant": plant, "storage_location": subinventory, "bin": locator}
        if subinventory or locator else None,
        "routing_id": f.s("WorkDefinitionCode"),
        "confirmed_yield_quantity": f.qty("CompletedQuantity", unit_text, unit_field),
        "confirmed_scrap_quantity": f.qty("ScrappedQuantity", unit_text, unit_field),
        "operations": operations,
        "material_requirements": requirements,
        "revision": changed,
        "properties": _props(
            _prop("oracle.work_order_system_status", system if user else None),
            _prop("oracle.work_order_status_name", f.s("WorkOrderStatusName")),
            _prop("oracle.work_order_sub_type", f.s("WorkOrderSubType") or f.s("WorkOrderSubTypeCode")),
            _prop("oracle.rejected_quantity", rejected["value"] if rejected else None, "decimal",
                  rejected["uom"] if rejected else None),
            _prop("oracle.canceled_reason", f.s("CanceledReason")),
            _prop("oracle.explosion", f.flag("ExplosionFlag"), "boolean"),
        ),
        "source": oc.source(ctx, "FUSION:workOrders", work_order_id or f"{plant}/{order_id}", revision=changed),
    }
    time = oc.event_time(result, ctx, f.p or "/", f.instant("LastUpdateDate", plant),
                         f.instant("CreationDate", plant))
    oc.emit(result, oc.order_event(status), order, ProductionOrder, time)


def _operation(op: Fields, plant: str, unit_text: str, unit_field: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    number = op.need("OperationSequenceNumber", "work order operation")
    d = op.d
    activities = []
    for where, data in op.children("WorkOrderOperationResource"):
        res = op.sub(data, where)
        usage_unit = res.need("UsageUOMCode", "operation resource")
        duration = res.qty("RequiredUsage", usage_unit, "UsageUOMCode")
        if duration is None:
            continue
        kind, resource = res.texts("ResourceType", "ResourceCode")
        activities.append({
            "activity": _RESOURCE_KINDS.get((kind or "").upper(), ActivityKind.OTHER),
            "activity_source_code": kind,
            "duration": duration,
            "resource_id": resource,
        })
    lines = [_material(op.sub(data, where), plant, number)
             for where, data in op.children("WorkOrderOperationMaterial")]
    if "WorkOrderOperationOutput" in d:
        lines += [_output(op.sub(data, where), number) for where, data in op.children("WorkOrderOperationOutput")]
    source_id, description, name, standard, work_center = op.texts(
        "WorkOrderOperationId", "OperationDescription", "OperationName", "StandardOperationCode", "WorkCenterCode")
    count_point, auto = op.flag("CountPointOperationFlag"), op.flag("AutoTransactFlag")
    operation = {
        "operation_id": number,
        "source_operation_id": source_id,
        "description": description,
        "process_segment_id": name or standard,
        "work_center_id": work_center,
        "planned_start_at": op.instant("PlannedStartDate", plant),
        "planned_end_at": op.instant("PlannedCompletionDate", plant),
        "actual_start_at": op.instant("ActualStartDate", plant),
        "actual_end_at": op.instant("ActualCompletionDate", plant),
        "planned_activities": activities,
        "confirmed_yield_quantity": op.qty("CompletedQuantity", unit_text, unit_field) if "CompletedQuantity" in d
        else None,
        "confirmed_scrap_quantity": op.qty("ScrappedQuantity", unit_text, unit_field) if "ScrappedQuantity" in d
        else None,
        "properties": _props(
            _prop("oracle.count_point", count_point, "boolean"),
            _prop("oracle.auto_transact", auto, "boolean"),
        ),
    }
    return operation, lines


def _material(m: Fields, plant: str, operation: str | None) -> dict[str, Any]:
    material_id = m.need("InventoryItemNumber", "work order material")
    uom, name = m.texts("UOMCode", "UnitOfMeasure")
    unit_text, unit_field = (uom, "UOMCode") if uom else (name, "UnitOfMeasure") if name else \
        _unit_text(m, material_id, "UOMCode", "UnitOfMeasure")
    quantity = m.qty("RequiredQuantity", unit_text, unit_field)
    if quantity is None:
        raise MappingError("work order material has no RequiredQuantity", code="missing_field",
                           path=m.at("RequiredQuantity"))
    sequence, supply, subinventory, locator = m.texts(
        "MaterialSequenceNumber", "SupplyType", "SupplySubinventory", "SupplyLocator")
    supply_type = oc.enum_code(m.ctx, "supply_types", supply, SupplyType, SupplyType.OTHER) if supply else None
    return {
        "line_id": f"{operation or '-'}/{sequence or material_id}",
        "material_id": material_id,
        "quantity": quantity,
        "issued_quantity": m.qty("IssuedQuantity", unit_text, unit_field) if "IssuedQuantity" in m.d else None,
        "supply_type": supply_type,
        "supply_type_source_code": supply,
        "is_backflush": supply_type in (SupplyType.ASSEMBLY_PULL, SupplyType.OPERATION_PULL),
        "is_phantom": supply_type is SupplyType.PHANTOM,
        "operation_id": operation,
        "bom_item_number": sequence,
        "issue_location": {"plant": plant, "storage_location": subinventory, "bin": locator}
        if subinventory or locator else None,
    }


def _output(o: Fields, operation: str | None) -> dict[str, Any]:
    material_id = o.s("InventoryItemNumber") or o.need("ItemNumber", "work order output")
    unit_text, unit_field = _unit_text(o, material_id, "UOMCode", "UnitOfMeasure")
    quantity = o.qty("OutputQuantity", unit_text, unit_field) or o.qty("PlannedOutputQuantity", unit_text, unit_field)
    if quantity is None:
        raise MappingError("work order output has no OutputQuantity", code="missing_field",
                           path=o.at("OutputQuantity"))
    kind = o.s("OutputTypeCode") or o.s("OutputType")
    return {
        "line_id": f"{operation or '-'}/out/{o.s('OutputSequenceNumber') or material_id}",
        "material_id": material_id,
        "material_use": _OUTPUT_USES.get((kind or "PRODUCT").upper(), MaterialUse.OTHER),
        "material_use_source_code": kind,
        "quantity": quantity,
        "operation_id": operation,
    }
