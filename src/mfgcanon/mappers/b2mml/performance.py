"""ProductionPerformance (V0401, V0600) / OperationsPerformance (V0600, V07) -> confirmations, material
movements and genealogy links.

One record per ``SegmentResponse`` (nested ones, V07 ``SegmentResponseChild``, are records of their own).
A segment response with a produced actual and a resolved order is a ``production.confirmed``; each
consumed or produced actual is a goods issue or receipt, unless the connection sets
``[vendors.b2mml] movements = false`` (the ERP backflushes from the confirmation: both would post twice).
The order comes from ``OperationsRequestID`` (segment or response), V0401/V0600 ``ProductionRequestID``,
or a property the property map names ``order_id``. Courbon's performance names none: its movements are
mapped with the order empty and a warning, never a guessed order, and no confirmation is built.
Genealogy links are derived per order from the movements of one document (:mod:`mfgcanon.v1.derive`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mfgcanon.errors import MappingError, MfgcanonError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.b2mml.events import state_and_mode
from mfgcanon.mappers.b2mml.reader import Document, Node
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1 import derive
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.equipment import EquipmentStateChange
from mfgcanon.v1.events import (
    EquipmentStateChanged,
    InventoryReceived,
    MaterialIssued,
    ProductionConfirmed,
    build_event,
)
from mfgcanon.v1.inventory import MaterialMovement

_ACTUALS = ("MaterialActual", "MaterialProducedActual", "MaterialConsumedActual")
_ACTUAL_PROPS = ("MaterialActualProperty", "MaterialConsumedActualProperty", "MaterialProducedActualProperty")
_ISSUE = frozenset({"consumed", "consumable"})
_RECEIPT = frozenset({"produced", "co_product", "by_product"})
_OUTPUTS = _RECEIPT


def performances(doc: Document, ctx: MappingContext, result: MappingResult) -> None:
    start = len(result.events)
    for noun in rd.nouns(doc):
        for response in noun.all("ProductionResponse", "OperationsResponse"):
            for seg, parent in _segments(response):
                rd.guard(result, seg, lambda s=seg, r=response, n=noun, p=parent: _segment(  # type: ignore[misc]
                    doc, s, p, r, n, ctx, result))
    _genealogy(result, start)


def _segments(node: Node) -> list[tuple[Node, Node | None]]:
    out: list[tuple[Node, Node | None]] = []
    for seg in node.all("SegmentResponse", "SegmentResponseChild"):
        out.append((seg, node if node.name in ("SegmentResponse", "SegmentResponseChild") else None))
        out.extend(_segments(seg))
    return out


def _use(node: Node, ctx: MappingContext) -> tuple[str, str | None, bool]:
    """An actual's canonical use, its source spelling, and whether it is scrap (``MaterialUse`` Other with
    ``@OtherValue`` Scrap: the house convention, mes-and-canonical.md §7.6). ``Other`` with another
    ``@OtherValue`` (Co-product, By-product) is read through the same code list, its spelling kept as
    ``Other:<value>``."""
    if node.name == "MaterialProducedActual":
        return "produced", None, False
    if node.name == "MaterialConsumedActual":
        return "consumed", None, False
    use = node.one("MaterialUse")
    raw = use.own_text() if use is not None else None
    if raw is None:
        return "other", None, False
    other = (use.el.get("OtherValue") or "").strip() if use is not None else ""
    found = rd.code(ctx, "material_use", raw) or "other"
    if other.lower() == "scrap":
        return found, raw, True
    if found == "other" and other:  # Other + @OtherValue (V0600 has no co-/by-product use): the value says it
        return rd.code(ctx, "material_use", other) or "other", f"{raw}:{other}"[:64], False
    return found, raw, False


def _when(doc: Document, ctx: MappingContext, plant: str, nodes: list[tuple[Node, str]]) -> datetime | None:
    for node, name in nodes:
        text = node.text(name)
        if text:
            return rd.instant(text, ctx, plant, path=node.where(name))
    return doc.created_at(ctx, plant)


def _segment(
    doc: Document, seg: Node, parent: Node | None, response: Node, perf: Node, ctx: MappingContext,
    result: MappingResult,
) -> None:
    actuals = seg.all(*_ACTUALS)
    data_items = rd.props(seg, "SegmentData", "ProductionData")
    found, _ = rd.mapped(data_items, ctx)
    for actual in actuals:
        more, _ = rd.mapped(rd.props(actual, *_ACTUAL_PROPS), ctx)
        for key, value in more.items():
            found.setdefault(key, value)
    order_id = (
        rd.ident(seg, "OperationsRequestID") or rd.ident(response, "OperationsRequestID")
        or rd.ident(response, "ProductionRequestID")
        or (found["order_id"].value if "order_id" in found else None)
    )
    operation_id = rd.ident(seg, "SegmentRequirementID") or (
        found["operation_id"].value if "operation_id" in found else None)
    try:
        plant = rd.plant(doc, ctx, seg, parent, response, perf)
    except MappingError as exc:  # the XPath only for the reject
        raise rd.fail(seg, None, exc) from None
    response_id = rd.ident(response, "ID")
    seg_id = rd.ident(seg, "ID") or rd.ident(seg, "ProcessSegmentID") or seg.where().rpartition("/")[2]
    conf_id = f"{response_id}/{seg_id}" if response_id else seg_id
    started = _at(seg, "ActualStartTime", ctx, plant)
    ended = _at(seg, "ActualEndTime", ctx, plant)
    occurred = ended or _when(doc, ctx, plant, [(response, "EndTime"), (perf, "EndTime"), (perf, "Endtime")])
    source = doc.source(ctx, line=conf_id, fallback_id=conf_id)
    movements_on = ctx.vendor(rd.NAME).get("movements", True) is not False

    produced: list[dict[str, Any]] = []
    scrap: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    for index, actual in enumerate(actuals, start=1):
        use, raw, is_scrap = _use(actual, ctx)
        quantity = rd.first_quantity(actual, ctx)
        material_id = rd.ident(actual, "MaterialDefinitionID")
        if quantity is None or not material_id:
            missing = "Quantity" if quantity is None else "MaterialDefinitionID"
            raise rd.fail(actual, missing, MappingError(f"material actual without {missing}", code="missing_field"))
        lots, subs = actual.texts("MaterialLotID"), actual.texts("MaterialSubLotID")
        if is_scrap:
            scrap.append(quantity)
        elif use in _OUTPUTS:
            produced.append({"quantity": quantity, "material_id": material_id, "lot_id": lots[0] if lots else None,
                             "use": use, "raw": raw})
        if not movements_on or (use not in _ISSUE and use not in _RECEIPT) or is_scrap:
            continue
        items = rd.props(actual, *_ACTUAL_PROPS)
        mapped, used = rd.mapped(items, ctx)
        if occurred is None:
            raise rd.fail(seg, "ActualEndTime", MappingError(
                "no time for the movement: no ActualEndTime, EndTime or CreationDateTime", code="missing_field"))
        moves.append({
            "movement_id": f"{conf_id}/{rd.ident(actual, 'ID') or index}",
            "movement_type": "goods_issue" if use in _ISSUE else "goods_receipt",
            "movement_type_source_code": raw,
            "plant": plant,
            "material_id": material_id,
            "quantity": quantity,
            "lot_id": lots[0] if lots else None,
            "sub_lot_id": subs[0] if subs else None,
            "order_id": order_id,
            "operation_id": operation_id,
            "requirement_line_id": mapped["line_id"].value if "line_id" in mapped else None,
            "occurred_at": occurred,
            "properties": rd.canonical_properties(items, ctx, skip=used),
            "source": {**source, "line": f"{conf_id}/{rd.ident(actual, 'ID') or index}"},
        })
    outputs = _outputs(produced)
    main = [p for p in produced if p["use"] == "produced"] or produced[:1]  # only co-/by-products: the first
    confirm = order_id is not None and bool(produced)
    states = _states(seg, ctx, plant, order_id, operation_id, conf_id, source, result)
    if order_id is None:
        if not moves and not states:
            raise rd.fail(seg, "OperationsRequestID", MappingError(
                "the segment response names no order (no OperationsRequestID / ProductionRequestID, no property "
                'mapped to order_id in [codes."b2mml.property_map"]) and carries no movement to map without one',
                code="unresolved_reference",
            ))
        result.warnings.append(
            f"{seg.where()}: no order named (OperationsRequestID, ProductionRequestID or a property mapped to "
            "order_id): movements mapped with the order empty, no confirmation"
        )
    elif not produced and moves:
        result.warnings.append(f"{seg.where()}: no produced actual: no confirmation, movements only")
    if not confirm and not moves and not states:
        raise rd.fail(seg, None, MappingError("the segment response carries nothing to map (no material actual "
                                              "to confirm or move)", code="missing_field"))
    built: list[tuple[type[Any], Any]] = []
    entities = [helpers.convert(m, MaterialMovement) for m in moves]
    if confirm and order_id is not None:
        state = seg.text("SegmentState") or response.text("ResponseState")
        total = _sum(main, seg)
        first = main[0]
        data: dict[str, Any] = {
            "confirmation_id": conf_id,
            "order_id": order_id,
            "operation_id": operation_id,
            "plant": plant,
            "material_id": first["material_id"],
            "equipment_id": _first_id(seg, "EquipmentActual", "EquipmentID"),
            "yield_quantity": total,
            "scrap_quantity": _sum(scrap, seg) if scrap else None,
            "is_final": rd.code(ctx, "final_state", state or "") == "true",
            "final_confirmation_source_code": state,
            "started_at": started,
            "ended_at": ended,
            "posting_date": _day(seg.text("PostingDate"), seg),
            "activities": _activities(seg, ctx),
            "personnel_ids": [p for a in seg.all("PersonnelActual") for p in a.texts("PersonID")],
            "produced_lot_id": first["lot_id"],
            "outputs": outputs,
            "material_movement_ids": [m.movement_id for m in entities],
            "properties": rd.canonical_properties(data_items, ctx),
            "source": source,
        }
        built.append((ProductionConfirmed, helpers.convert(data, ProductionConfirmation)))
    for movement in entities:
        built.append((MaterialIssued if movement.movement_type.value == "goods_issue" else InventoryReceived, movement))
    time = occurred or ctx.received_at
    if time is None:
        raise rd.fail(seg, "ActualEndTime", MappingError("no event time in the document and no received_at",
                                                         code="missing_field"))
    events = [build_event(cls, entity, time=time, validated=True) for cls, entity in built]
    events += [build_event(EquipmentStateChanged, s, time=s.started_at, validated=True) for s in states]
    for position, event in enumerate(events):
        result.add_event(event, records=1 if position == 0 else 0)


def _states(seg: Node, ctx: MappingContext, plant: str, order_id: str | None, operation_id: str | None,
            conf_id: str, source: dict[str, Any], result: MappingResult) -> list[EquipmentStateChange]:
    """Equipment actuals that carry a state (an ``EquipmentActualProperty`` the ``[equipment_actual]`` list names
    ``state``, its value through ``[equipment_state]``) -> equipment state changes (downtime): from the
    property's start time, else the segment's ``ActualStartTime``, to its end time, else ``ActualEndTime``."""
    out: list[EquipmentStateChange] = []
    for index, actual in enumerate(seg.all("EquipmentActual"), start=1):
        fields: dict[str, rd.Prop] = {}
        for item in rd.props(actual, "EquipmentActualProperty"):
            target = rd.code(ctx, "equipment_actual", item.id)
            if target is not None and item.value is not None:
                fields.setdefault(target, item)
        if "state" not in fields:
            continue
        state_prop = fields["state"]
        raw = state_prop.value or ""
        found = rd.code(ctx, "equipment_state", raw)
        state, mode = state_and_mode(found, 'codes."b2mml.equipment_state"') if found else ("other", None)
        equipment = actual.texts("EquipmentID")
        where = actual.where()
        if not equipment:
            raise rd.fail(actual, "EquipmentID", MappingError("an equipment actual with a state names no equipment",
                                                              code="missing_field"))
        started = _prop_time(fields.get("started_at"), ctx, plant) or _at(seg, "ActualStartTime", ctx, plant)
        if started is None:
            result.warnings.append(f"{where}: equipment state {raw!r} without a start time (no StartTime property, "
                                   "no ActualStartTime): no equipment state change")
            continue
        ended = _prop_time(fields.get("ended_at"), ctx, plant) or _at(seg, "ActualEndTime", ctx, plant)
        planned = fields.get("is_planned")
        flag = rd.code(ctx, "boolean", planned.value) if planned is not None else None
        line = f"{conf_id}/{rd.ident(actual, 'ID') or index}"
        used = {p.id for p in fields.values()}
        out.append(helpers.convert({
            "state_change_id": line, "equipment_id": equipment[0], "plant": plant, "state": state,
            "state_source_code": raw[:64], "operation_mode": mode,
            "reason_code": fields["reason_code"].value[:64] if "reason_code" in fields and fields[
                "reason_code"].value else None,
            "reason_text": fields["reason_text"].value if "reason_text" in fields else None,
            "is_planned": None if flag is None else flag == "true",
            "started_at": started, "ended_at": ended, "order_id": order_id, "operation_id": operation_id,
            "properties": rd.canonical_properties(rd.props(actual, "EquipmentActualProperty"), ctx, skip=used),
            "source": {**source, "line": line},
        }, EquipmentStateChange))
    return out


def _prop_time(item: rd.Prop | None, ctx: MappingContext, plant: str) -> datetime | None:
    if item is None or not item.value:
        return None
    return rd.instant(item.value, ctx, plant, path=item.node.where("Value"))


def _outputs(produced: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The outputs one by one where a co- or by-product is among them (main product first as sent); none when
    the main product alone is reported (its yield says it all)."""
    if all(p["use"] == "produced" for p in produced):
        return []
    return [{"material_id": p["material_id"], "material_use": p["use"], "material_use_source_code": p["raw"],
             "yield_quantity": p["quantity"], "lot_id": p["lot_id"]} for p in produced]


def _at(node: Node, name: str, ctx: MappingContext, plant: str) -> datetime | None:
    return rd.instant_at(node, name, ctx, plant)


def _day(text: str | None, node: Node) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise MappingError(f"{text!r} is not a date", code="invalid_value", path=node.where("PostingDate")) from None


def _sum(quantities: list[dict[str, Any]], node: Node) -> dict[str, Any]:
    items = [q.get("quantity", q) for q in quantities]
    unit = items[0]["uom"]
    if any(q["uom"] != unit for q in items):
        raise MappingError("produced actuals in different units cannot be added into one yield",
                           code="invalid_value", path=node.where())
    total = sum((Decimal(q["value"]) for q in items), Decimal(0))
    sources = {q.get("source_uom") for q in items}
    return {"value": total, "uom": unit, "source_uom": sources.pop() if len(sources) == 1 else None}


def _first_id(node: Node, element: str, name: str) -> str | None:
    for item in node.all(element):
        found = item.texts(name)
        if found:
            return found[0]
    return None


def _activities(seg: Node, ctx: MappingContext) -> list[dict[str, Any]]:
    """Labour (``PersonnelActual``) and machine (``EquipmentActual``) times: their quantities in a time unit."""
    out: list[dict[str, Any]] = []
    for element, kind in (("PersonnelActual", "labor"), ("EquipmentActual", "machine")):
        for item in seg.all(element):
            for q in item.all("Quantity"):
                quantity = rd.quantity(q, ctx)
                if quantity["uom"] in ("HUR", "MIN", "SEC", "DAY"):
                    out.append({"activity": kind, "duration": quantity, "activity_source_code": element})
    return out


def _genealogy(result: MappingResult, start: int) -> None:
    """``genealogy.linked`` for the issues and receipts of each order among this document's movements."""
    movements = [d for e in result.events[start:] if isinstance(d := getattr(e, "data", None), MaterialMovement)]
    if not any(m.order_id for m in movements):
        return
    try:
        links = derive.genealogy_from_movements(movements)
    except MfgcanonError as exc:
        result.warnings.append(f"no genealogy derived: {exc.message}")
        return
    for event in derive.derived_events(links):
        result.add_derived(event)
