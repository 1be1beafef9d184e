"""ProductionSchedule (V0401, V0600) / OperationsSchedule (V0600, V07) -> production order events.

One record per ``ProductionRequest`` / ``OperationsRequest``. Every ``SegmentRequirement`` (nested ones
included) is an operation: its ``ID``, else its ``ProcessSegmentID`` (Courbon's nested segments have no
ID), with the enclosing segment as parent. The order's material and quantity are the first produced
requirement (``MaterialUse`` Produced, V0600 ``MaterialProducedRequirement``); every other requirement is a
material requirement of the segment it sits in. A requirement's line id is its ``ID`` (V07), else the
property the property map names ``line_id`` (Courbon's ``Indice``), else ``<operation>/<n>``.
"""

from __future__ import annotations

from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.b2mml.materials import _delete, _time
from mfgcanon.mappers.b2mml.reader import Document, Node
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1.events import (
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
)
from mfgcanon.v1.order import ProductionOrder

ORDER_EVENTS: dict[str, type[Any]] = {
    "released": ProductionOrderReleased,
    "completed": ProductionOrderCompleted,
    "closed": ProductionOrderClosed,
    "cancelled": ProductionOrderCancelled,
}
"""The event of an order by its status; any other status is an update."""

_REQUIREMENTS = ("MaterialRequirement", "MaterialProducedRequirement", "MaterialConsumedRequirement")


def schedules(doc: Document, ctx: MappingContext, result: MappingResult) -> None:
    for noun in rd.nouns(doc):
        for request in noun.all("ProductionRequest", "OperationsRequest"):
            rd.guard(result, request, lambda r=request, s=noun: _order(doc, r, s, ctx, result))  # type: ignore[misc]


def _use(node: Node, ctx: MappingContext) -> tuple[str, str | None]:
    """A requirement's canonical material use and its source spelling (V0600 typed requirement elements
    say it by their name; ``Other`` with ``@OtherValue`` Co-product / By-product says it in the attribute). No
    ``MaterialUse`` at all is a consumed line (the model's default)."""
    if node.name == "MaterialProducedRequirement":
        return "produced", None
    if node.name == "MaterialConsumedRequirement":
        return "consumed", None
    use = node.one("MaterialUse")
    raw = use.own_text() if use is not None else None
    if use is None or raw is None:
        return "consumed", None
    found = rd.code(ctx, "material_use", raw) or "other"
    other = (use.el.get("OtherValue") or "").strip()
    if found == "other" and other:  # Other + @OtherValue (V0600 has no co-/by-product use): the value says it
        return rd.code(ctx, "material_use", other) or "other", f"{raw}:{other}"[:64]
    return found, raw


def _segments(node: Node, parent: str | None) -> list[tuple[Node, str, str | None]]:
    """Every SegmentRequirement under ``node`` (depth first): (segment, operation id, parent operation id)."""
    out: list[tuple[Node, str, str | None]] = []
    for seg in node.all("SegmentRequirement", "SegmentRequirementChild"):
        op = rd.ident(seg, "ID") or rd.ident(seg, "ProcessSegmentID")
        if not op:
            raise rd.fail(seg, "ID", MappingError("SegmentRequirement with neither ID nor ProcessSegmentID",
                                                  code="missing_field"))
        out.append((seg, op, parent))
        out.extend(_segments(seg, op))
    return out


def _order(doc: Document, request: Node, schedule: Node, ctx: MappingContext, result: MappingResult) -> None:
    order_id = rd.ident(request, "ID")
    if not order_id:
        raise rd.fail(request, "ID", MappingError("request without ID: the order number", code="missing_field"))
    plant = rd.plant(doc, ctx, request, schedule, where=request.where())
    time = _time(doc, ctx, result, request, plant)
    source = doc.source(ctx, line=order_id, fallback_id=order_id)
    if doc.is_delete:
        _delete(result, {"entity_kind": "production_order", "plant": plant, "order_id": order_id,
                         "source": source}, time)
        return
    segments = _segments(request, None)
    header: tuple[Node, str | None] | None = None  # the produced requirement that names the order's material
    requirements: list[dict[str, Any]] = []
    operations: list[dict[str, Any]] = []
    lines: set[str] = set()
    for seg, op, parent in segments:
        operations.append(_operation(seg, op, parent, plant, ctx))
        index = 0
        for req in seg.all(*_REQUIREMENTS):
            use, raw = _use(req, ctx)
            if header is None and use == "produced":
                header = (req, op)
                continue
            index += 1
            requirements.append(_requirement(req, op, index, use, raw, plant, ctx, lines))
    if header is None:
        raise rd.fail(request, "SegmentRequirement", MappingError(
            "the request has no produced material requirement: the order's material and quantity",
            code="missing_field",
        ))
    product, _ = header
    material_id = rd.ident(product, "MaterialDefinitionID")
    if not material_id:
        raise rd.fail(product, "MaterialDefinitionID", MappingError(
            "produced requirement without MaterialDefinitionID", code="missing_field"))
    planned = rd.first_quantity(product, ctx)
    if planned is None:
        raise rd.fail(product, "Quantity", MappingError("produced requirement without Quantity", code="missing_field"))
    state = request.text("RequestState")
    status = rd.code(ctx, "request_state", state or "")
    if status is None:
        status = "other"
    lots = product.texts("MaterialLotID")
    data: dict[str, Any] = {
        "order_id": order_id,
        "plant": plant,
        "description": request.text("Description"),
        "status": status,
        "status_source_code": state,
        "operations_type": _operations_type(request.text("OperationsType") or schedule.text("OperationsType")),
        "operations_type_source_code": request.text("OperationsType") or schedule.text("OperationsType"),
        "material_id": material_id,
        "planned_quantity": planned,
        "planned_start_at": _at(request, "StartTime", ctx, plant),
        "planned_end_at": _at(request, "EndTime", ctx, plant),
        "priority": _priority(request.text("Priority")),
        "priority_source_code": request.text("Priority"),
        "routing_id": request.text("OperationsDefinitionID"),
        "target_lot_id": lots[0] if lots else None,
        "operations": operations,
        "material_requirements": requirements,
        "revision": request.text("Version"),
        "properties": rd.canonical_properties(rd.parameters(request), ctx),
        "source": source,
    }
    if doc.is_partial:
        data["partial_fields"] = ["order_id", "plant", "material_id", "planned_quantity",
                                  *[k for k in _OPTIONAL if data.get(k)]]
        if state:
            data["partial_fields"] += ["status", "status_source_code"]
    order = helpers.convert(data, ProductionOrder)
    event = ORDER_EVENTS.get(status, ProductionOrderUpdated)
    if doc.is_partial and event is ProductionOrderReleased and not state:
        event = ProductionOrderUpdated  # a Change without a RequestState releases nothing
    helpers.emit_checked(result, event, order, time=time)


_OPTIONAL = ("description", "operations_type", "planned_start_at", "planned_end_at", "priority", "routing_id",
             "target_lot_id", "operations", "material_requirements", "revision", "properties")


def _operations_type(text: str | None) -> str:
    wanted = (text or "production").strip().lower()
    return wanted if wanted in ("production", "maintenance", "quality") else "other"


def _priority(text: str | None) -> int | None:
    if text is None or not text.strip().isdigit():
        return None
    value = int(text.strip())
    return value if value <= 1000 else None


def _at(node: Node, name: str, ctx: MappingContext, plant: str | None) -> Any:
    text = node.text(name)
    return rd.instant(text, ctx, plant, path=node.where(name)) if text else None


def _operation(seg: Node, op: str, parent: str | None, plant: str, ctx: MappingContext) -> dict[str, Any]:
    duration = seg.text("Duration")
    activities = []
    if duration:
        seconds = rd.duration_seconds(duration, path=seg.where("Duration"))
        activities.append({"activity": "other", "activity_source_code": "Duration",
                           "duration": {"value": seconds, "uom": "SEC"}})
    work_center = None
    for scope in seg.all("HierarchyScope", "Location"):
        level = (scope.text("EquipmentElementLevel") or scope.text("EquipmentLevel") or "").strip().lower()
        if level in ("workcenter", "workcell", "productionline", "workunit", "unit", "processcell"):
            work_center = scope.text("EquipmentID")
    for req in seg.all("EquipmentRequirement"):
        ids = req.texts("EquipmentID")
        work_center = work_center or (ids[0] if ids else None)
    return {
        "operation_id": op,
        "parent_operation_id": parent,
        "description": seg.text("Description"),
        "process_segment_id": seg.text("ProcessSegmentID"),
        "work_center_id": work_center,
        "planned_start_at": _at(seg, "EarliestStartTime", ctx, plant),
        "planned_end_at": _at(seg, "LatestEndTime", ctx, plant),
        "planned_activities": activities,
        "properties": rd.canonical_properties(rd.parameters(seg), ctx),
    }


def _requirement(
    req: Node, op: str, index: int, use: str, raw: str | None, plant: str, ctx: MappingContext, lines: set[str]
) -> dict[str, Any]:
    items = rd.props(req, "MaterialRequirementProperty", "MaterialConsumedRequirementProperty",
                     "MaterialProducedRequirementProperty")
    found, used = rd.mapped(items, ctx)
    material_id = rd.ident(req, "MaterialDefinitionID")
    if not material_id:
        raise rd.fail(req, "MaterialDefinitionID", MappingError(
            "material requirement without MaterialDefinitionID", code="missing_field"))
    quantity = rd.first_quantity(req, ctx)
    if quantity is None:
        raise rd.fail(req, "Quantity", MappingError("material requirement without Quantity", code="missing_field"))
    line = rd.ident(req, "ID") or (found["line_id"].value if "line_id" in found else None) or f"{op}/{index}"
    if line in lines:
        line = f"{op}/{line}"
    lines.add(line)
    location = None
    for scope in req.all("Location", "HierarchyScope", "StorageLocation"):
        equipment = scope.text("EquipmentID") or scope.own_text()
        level = (scope.text("EquipmentElementLevel") or scope.text("EquipmentLevel") or "").strip().lower()
        if (equipment and level in ("storagezone", "storageunit")) or scope.name == "StorageLocation":
            location = {"plant": plant, "storage_location": equipment}
        elif equipment:
            location = {"plant": plant, "equipment_id": equipment}
    lots = req.texts("MaterialLotID")
    subs = req.texts("MaterialSubLotID")
    return {
        "line_id": line,
        "material_id": material_id,
        "material_use": use,
        "material_use_source_code": raw,
        "quantity": quantity,
        "operation_id": op,
        "bom_item_number": found["line_id"].value if "line_id" in found else None,
        "lot_id": lots[0] if lots else None,
        "sub_lot_id": subs[0] if subs else None,
        "issue_location": location,
        "properties": rd.canonical_properties(items, ctx, skip=used),
    }
