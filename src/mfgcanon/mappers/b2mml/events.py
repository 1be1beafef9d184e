"""V07 OperationsEvent (``NotifyOperationsEvent``, or inside ``OperationsEventInformation``) ->
``quality.nonconformance_reported``, ``quality.hold_placed`` / ``hold_released`` or ``equipment.state_changed``.

ISA-95 gives an operations event no kind of its own beyond ``Category``, so the rule is a code list, per
connection: ``[operations_event]`` maps a ``Category`` (the first one the list knows) to
``nonconformance:<kind>``, ``hold_placed``, ``hold_released``, ``equipment:<state>[/<mode>]`` or ``none``. An
event whose categories the list does not know is a reject naming the list: an event is never given a
meaning it did not state. One record per ``OperationsEvent``; nested ``OperationsEventChild`` events are
records of their own.

What the event is about comes from its ``OperationsEventRecord/OperationsRecordEntry`` elements: an
``ExternalReferenceID`` with its ``InformationObjectType`` (through ``[information_object]``: Material Lot,
Material SubLot, Material Definition, Equipment, Operations Request...) or an embedded ``InformationObject``
(``MaterialLot`` with its ``MaterialDefinitionID``, ``MaterialSubLot``, ``Equipment``...); equipment also from
a ``HierarchyScope`` below site level. Times: ``EffectiveTimeStamp`` (when it happened), else
``RecordTimeStamp``, else the document's creation time, else received_at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.b2mml.holds import hold, hold_key
from mfgcanon.mappers.b2mml.reader import Document, Node
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1.equipment import EquipmentMode, EquipmentState, EquipmentStateChange
from mfgcanon.v1.events import EquipmentStateChanged, NonconformanceReported, build_event, hold_event
from mfgcanon.v1.quality import Nonconformance, NonconformanceKind

_KINDS = {k.value for k in NonconformanceKind} - {"hold"}
_ITEM_KEYS = ("material_id", "lot_id", "sub_lot_id", "order_id", "operation_id", "equipment_id")
_SITE_LEVELS = frozenset({"enterprise", "site", "area"})
_OBJECTS = {"MaterialLot": "lot_id", "MaterialSubLot": "sub_lot_id", "MaterialDefinition": "material_id",
            "Equipment": "equipment_id", "OperationsRequest": "order_id", "JobOrder": "order_id"}


def operations_events(doc: Document, ctx: MappingContext, result: MappingResult) -> None:
    for noun in rd.nouns(doc):
        tops = [noun] if doc.noun == "OperationsEvent" else noun.all("OperationsEvent")
        for top in tops:
            for event in _flatten(top):
                rd.guard(result, event, lambda e=event, n=noun: _event(doc, e, n, ctx, result))  # type: ignore[misc]


def _flatten(node: Node) -> list[Node]:
    out = [node]
    for child in node.all("OperationsEventChild"):
        out.extend(_flatten(child))
    return out


def state_and_mode(target: str, where: str) -> tuple[str, str | None]:
    """``<state>[/<mode>]`` of a code list entry, checked against the model's enumerations."""
    state, _, mode = target.partition("/")
    states = {s.value for s in EquipmentState}
    modes = {m.value for m in EquipmentMode}
    if state not in states or (mode and mode not in modes):
        raise MappingError(f"{target!r} is not <state>[/<mode>] (states {', '.join(sorted(states))}; modes "
                           f"{', '.join(sorted(modes))})", code="invalid_context", path=where)
    return state, mode or None


def _classify(event: Node, ctx: MappingContext) -> tuple[str, str]:
    categories = event.texts("Category")
    for raw in categories:
        found = rd.code(ctx, "operations_event", raw)
        if found is not None:
            return found, raw
    raise rd.fail(event, "Category", MappingError(
        f"operations event category {', '.join(repr(c) for c in categories) or '(none)'} is not in the "
        '[operations_event] code list: add it with [codes."b2mml.operations_event"] (nonconformance:<kind>, '
        "hold_placed, hold_released, equipment:<state>[/<mode>] or none)", code="unmappable_value"))


def _event(doc: Document, event: Node, noun: Node, ctx: MappingContext, result: MappingResult) -> None:
    event_id = rd.ident(event, "ID")
    if not event_id:
        raise rd.fail(event, "ID", MappingError("OperationsEvent without ID", code="missing_field"))
    target, raw = _classify(event, ctx)
    if target == "none":
        result.warnings.append(f"{event.where()}: category {raw!r} maps to none in [operations_event]: no event")
        return
    plant = rd.plant(doc, ctx, event, noun, where=event.where())
    when = _time(doc, event, ctx, plant)
    items = _items(event, ctx)
    source = doc.source(ctx, line=event_id, fallback_id=event_id)
    descriptions = event.texts("Description")
    sources = event.texts("Source")
    properties: list[dict[str, Any]] = []
    priority = event.text("Priority")
    if priority:
        properties.append({"name": "b2mml.Priority", "value": priority, "data_type": "string"})
    recorded = _at(event, "RecordTimeStamp", ctx, plant)
    if target.startswith("equipment:"):
        state, mode = state_and_mode(target.partition(":")[2], 'codes."b2mml.operations_event"')
        equipment = next((i["equipment_id"] for i in items if i.get("equipment_id")), None) or _scope_equipment(event)
        if not equipment:
            raise rd.fail(event, "OperationsEventRecord", MappingError(
                "an equipment state event names no equipment (an Equipment record entry or a HierarchyScope "
                "below site level)", code="missing_field"))
        order = next((i["order_id"] for i in items if i.get("order_id")), None)
        entity = helpers.convert({
            "state_change_id": event_id, "equipment_id": equipment, "plant": plant, "state": state,
            "state_source_code": raw[:64], "operation_mode": mode, "reason_text": descriptions[0] if descriptions
            else None, "started_at": when, "order_id": order, "properties": properties, "source": source,
        }, EquipmentStateChange)
        result.add_event(build_event(EquipmentStateChanged, entity, time=when, recorded_at=recorded, validated=True))
        return
    if not items:
        raise rd.fail(event, "OperationsEventRecord", MappingError(
            "the event names no affected item (OperationsEventRecord/OperationsRecordEntry with an "
            "ExternalReferenceID and InformationObjectType, or an InformationObject)", code="missing_field"))
    if target in ("hold_placed", "hold_released"):
        first = items[0]
        if not (first.get("material_id") or first.get("lot_id")):
            raise rd.fail(event, "OperationsEventRecord", MappingError(
                "a hold names a material or lot (a hold is keyed by plant, material and lot)", code="missing_field"))
        key = hold_key(plant, first.get("material_id"), first.get("lot_id"), first.get("sub_lot_id"))
        entity_hold: Nonconformance = hold(
            active=target == "hold_placed", at=when, plant=plant, affected=first, key=key, source=source,
            description=descriptions[0] if descriptions else f"operations event {raw}", reason_code=raw,
            by=sources[0] if sources else None, affected_items=items[1:],
        )
        result.add_event(hold_event(entity_hold, time=when, recorded_at=recorded))
        return
    kind = target.partition(":")[2] if target.startswith("nonconformance:") else ""
    if kind not in _KINDS:
        raise MappingError(f"[operations_event] {raw!r} -> {target!r}: not nonconformance:<kind>, hold_placed, "
                           "hold_released, equipment:<state>[/<mode>] or none", code="invalid_context",
                           path='codes."b2mml.operations_event"')
    entity_nc = helpers.convert({
        "nonconformance_id": event_id, "category": kind, "category_source_code": raw[:64], "plant": plant,
        "status": "open", "affected": items[0], "affected_items": items[1:],
        "description": descriptions[0] if descriptions else None, "detected_at": when,
        "detected_by": sources[0] if sources else None, "properties": properties, "source": source,
    }, Nonconformance)
    result.add_event(build_event(NonconformanceReported, entity_nc, time=when, recorded_at=recorded, validated=True))


def _at(node: Node, name: str, ctx: MappingContext, plant: str | None) -> datetime | None:
    text = node.text(name)
    return rd.instant(text, ctx, plant, path=node.where(name)) if text else None


def _time(doc: Document, event: Node, ctx: MappingContext, plant: str) -> datetime:
    found = _at(event, "EffectiveTimeStamp", ctx, plant) or _at(event, "RecordTimeStamp", ctx, plant)
    found = found or doc.created_at(ctx, plant) or ctx.received_at
    if found is None:
        raise rd.fail(event, "EffectiveTimeStamp", MappingError(
            "no event time: no EffectiveTimeStamp, RecordTimeStamp, CreationDateTime or received_at",
            code="missing_field"))
    return found


def _scope_equipment(event: Node) -> str | None:
    """The innermost ``HierarchyScope`` equipment below site level (a line, a unit, a work cell)."""
    found = None
    stack = list(event.all("HierarchyScope"))
    while stack:
        scope = stack.pop()
        level = (scope.text("EquipmentLevel") or scope.text("EquipmentElementLevel") or "").strip().lower()
        if level and level not in _SITE_LEVELS and scope.text("EquipmentID"):
            found = scope.text("EquipmentID")
        stack.extend(scope.all("HierarchyScopeChild", "HierarchyScope"))
    return found


def _items(event: Node, ctx: MappingContext) -> list[dict[str, Any]]:
    """The affected items of an event: one per lot, sub-lot or material named (in document order), each with
    the material, order and equipment the event names once."""
    keys: dict[str, list[str]] = {k: [] for k in _ITEM_KEYS}
    lot_material: dict[str, str] = {}
    for record in event.all("OperationsEventRecord"):
        stack = list(record.all("OperationsRecordEntry"))
        for child in record.all("OperationsRecordChild"):
            stack.extend(child.all("OperationsRecordEntry"))
        while stack:
            entry = stack.pop(0)
            stack.extend(entry.all("OperationsRecordEntryChild"))
            ref = rd.ident(entry, "ExternalReferenceID")
            if ref:
                key = rd.code(ctx, "information_object", entry.text("InformationObjectType"))
                if key in keys:
                    keys[key].append(ref)
                continue
            obj = entry.one("InformationObject")
            for name, key in _OBJECTS.items():
                found = obj.one(name) if obj is not None else None
                ident = rd.ident(found, "ID")
                if found is None or not ident:
                    continue
                keys[key].append(ident)
                material = rd.ident(found, "MaterialDefinitionID")
                if key == "lot_id" and material:
                    lot_material[ident] = material
                lot = rd.ident(found, "MaterialLotID")
                if key == "sub_lot_id" and lot:
                    keys["lot_id"].append(lot)
    lots = list(dict.fromkeys(keys["lot_id"]))
    materials = list(dict.fromkeys(keys["material_id"]))
    shared = {k: keys[k][0] for k in ("order_id", "operation_id", "equipment_id") if keys[k]}
    single_material = materials[0] if len(materials) == 1 else None
    items: list[dict[str, Any]] = []
    for lot in lots:
        items.append({"lot_id": lot, "material_id": lot_material.get(lot, single_material),
                      "sub_lot_id": keys["sub_lot_id"][0] if len(set(keys["sub_lot_id"])) == 1 and len(lots) == 1
                      else None, **shared})
    if not lots:
        for material in materials:
            items.append({"material_id": material, **shared})
    if not items and shared:
        items.append(shared)
    return [{k: v for k, v in item.items() if v is not None} for item in items]
