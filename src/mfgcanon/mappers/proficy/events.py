"""The ERP export events (Plant Applications -> ERP, from the outbound tables or Kafka), read as canonical facts:

* ``OperationCompletedEvent`` -> ``production.confirmed`` (yield only: PA splits no scrap) and
  ``operation.status_changed``;
* ``ClockOnEvent`` -> ``operation.status_changed`` (in progress, the operator);
* ``ClockOffEvent`` -> ``production.confirmed`` with a labor ``ActivityTime`` (clocked on to clocked off), no yield;
* ``MaterialLotStatusChangedEvent`` -> per lot, by the connection's rule (``[lot_status_rule]``):
  ``material.scrapped``, ``quality.hold_placed``, ``quality.nonconformance_reported`` or ``lot.upserted``.

Ids: PA events carry no id of their own; the confirmation, movement and nonconformance ids are derived from the
event's content (:func:`mfgcanon.mappers.helpers.derived_id`), so the same event read twice is one fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.proficy import inbound
from mfgcanon.mappers.proficy import reader as rd
from mfgcanon.mappers.proficy.reader import Fields
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    LotUpserted,
    MaterialScrapped,
    NonconformanceReported,
    OperationStatusChanged,
    ProductionConfirmed,
    QualityHoldPlaced,
)
from mfgcanon.v1.inventory import MaterialMovement
from mfgcanon.v1.lot import MaterialLot
from mfgcanon.v1.quality import Nonconformance
from mfgcanon.v1.status import OperationStatusChange

OPERATION_COMPLETED = "OperationCompletedEvent"
CLOCK_ON = "ClockOnEvent"
CLOCK_OFF = "ClockOffEvent"
LOT_STATUS_CHANGED = "MaterialLotStatusChangedEvent"
EVENTS = (OPERATION_COMPLETED, CLOCK_ON, CLOCK_OFF, LOT_STATUS_CHANGED)

RULES = ("scrap", "hold", "nonconformance", "lot_status")
"""What a lot's new status may mean (``[lot_status_rule]`` of proficy/codes.toml, per connection)."""


def kind_of(data: Mapping[str, Any]) -> str | None:
    """The export event a message is, by its shape (the outbound row's ``Event_Type`` says it where present)."""
    if isinstance(data.get("operationInfo"), Mapping):
        return OPERATION_COMPLETED
    if "clockedOffTime" in data:
        return CLOCK_OFF
    if "clockedOnTime" in data:
        return CLOCK_ON
    if isinstance(data.get("materialLot"), list) and "schemaVersion" not in data:
        return LOT_STATUS_CHANGED
    return None


TRANSPORT = frozenset({"kafkaConsumerId"})
"""Fields of an event that say how it travelled, not what happened: left out of its id (the same completion read
by two consumers is one fact)."""


def _key(raw: Mapping[str, Any]) -> str:
    return rd.digest({k: v for k, v in raw.items() if k not in TRANSPORT})


def _published(f: Fields, plant: str | None) -> datetime | None:
    return f.instant("publishedDate", plant)


def _props(f: Fields, name: str) -> list[dict[str, Any]]:
    """An event's ``properties`` (``{name, value}`` or ``{propertyName, propertyValue}`` objects)."""
    out = []
    for pointer, item in f.objects(name):
        p = f.sub(item, pointer)
        key = p.s("name") or p.req("propertyName")
        value = p.s("value") if "value" in item else p.s("propertyValue")
        out.append({"name": f"proficy.{key}"[:255], "value": value})
    return out


# OperationCompletedEvent ---------------------------------------------------------------------------------------
def operation_completed(f: Fields, raw: Mapping[str, Any], result: MappingResult) -> None:
    order_id = f.req("workOrderName")
    info = f.obj("operationInfo") or {}
    o = f.sub(info, f.at("operationInfo"))
    operation = o.req("name")
    line = o.s("productionLine")
    plant = rd.plant(f.ctx, line or o.s("unitName"), order=order_id, path=o.at("productionLine"))
    material = o.s("producedMaterial")
    completed = o.dec("completedQuantity")
    if completed is None:
        raise MappingError("an operation completion needs its completedQuantity", code="missing_field",
                           path=o.at("completedQuantity"))
    unit_text = o.s("unitOfMeasure")
    if unit_text is not None:
        quantity = rd.quantity(completed, unit_text, f.ctx, o.at("unitOfMeasure"))
    elif material is not None:
        quantity = {"value": completed, "uom": rd.material_unit(f.ctx, material, o.at("producedMaterial"))}
    else:
        raise MappingError("an operation completion names neither a unit nor its material", code="missing_field",
                           path=o.at("unitOfMeasure"))
    started, ended = o.instant("startTime", plant), o.instant("endTime", plant)
    time = helpers.event_time(result, f.ctx, f.p or "/", _published(f, plant), ended)
    key = _key(raw)
    src = rd.source(f.ctx, OPERATION_COMPLETED, key, f"{order_id}/{operation}")
    if o.d.get("billOfMaterials"):
        result.warnings.append(f"{o.at('billOfMaterials')}: the consumed BOM items of an operation completion are "
                               "not mapped to goods issues (the ERP backflushes them from the confirmation)")
    by = o.s("completedBy")
    status_raw = o.s("status")
    conf: dict[str, Any] = {
        "confirmation_id": helpers.derived_id(rd.NAME, key, "confirmation", length=24),
        "order_id": order_id,
        "operation_id": operation,
        "plant": plant,
        "material_id": material,
        "work_center_id": o.s("unitName"),
        "equipment_id": line,
        "yield_quantity": quantity,
        "is_final": True,
        "started_at": started,
        "ended_at": ended,
        "personnel_ids": [by] if by else [],
        "produced_lot_id": f.s("lotIdentifier"),
        "properties": _props(o, "properties"),
        "source": src,
    }
    helpers.emit_checked(result, ProductionConfirmed, helpers.convert(conf, ProductionConfirmation), time=time)
    change = {
        "order_id": order_id,
        "operation_id": operation,
        "plant": plant,
        "status": rd.code(f.ctx, "operation_status", status_raw) or ("completed" if status_raw is None else "other"),
        "status_source_code": status_raw or OPERATION_COMPLETED,
        "changed_at": rd.business_time(f.ctx, o.at("endTime"), ended, _published(f, plant)),
        "work_center_id": o.s("unitName"),
        "personnel_ids": [by] if by else [],
        "source": src,
    }
    helpers.emit_checked(result, OperationStatusChanged, helpers.convert(change, OperationStatusChange), time=time,
                         records=0)


# Clock on / off ------------------------------------------------------------------------------------------------
def _lots(f: Fields) -> list[dict[str, Any]]:
    value = f.d.get("lotIdentifier")
    lots = value if isinstance(value, list) else ([value] if value is not None else [])
    names = [str(x).strip() for x in lots if isinstance(x, str | int) and str(x).strip()]
    return [{"name": "proficy.lotIdentifier", "value": ",".join(names)}] if names else []


def clock(f: Fields, raw: Mapping[str, Any], result: MappingResult, kind: str) -> None:
    order_id = f.req("workOrderName")
    operation = f.req("operation")
    line = f.s("productionLine")
    plant = rd.plant(f.ctx, line or f.s("unitName"), order=order_id, path=f.at("productionLine"))
    operator = f.s("operatorName")
    on = f.instant("clockedOnTime", plant)
    key = _key(raw)
    src = rd.source(f.ctx, kind, key, f"{order_id}/{operation}")
    props = _lots(f) + [p for p in (rd.prop("laborType", f.s("laborType")),) if p]
    if kind == CLOCK_ON:
        if on is None:
            raise MappingError("a clock-on needs its clockedOnTime", code="missing_field", path=f.at("clockedOnTime"))
        by = f.s("clockedOnBy")
        time = helpers.event_time(result, f.ctx, f.p or "/", on)
        change = {
            "order_id": order_id, "operation_id": operation, "plant": plant, "status": "in_progress",
            "status_source_code": CLOCK_ON, "changed_at": on, "work_center_id": f.s("unitName"),
            "personnel_ids": [p for p in (operator,) if p], "properties": props + [
                p for p in (rd.prop("clockedOnBy", by),) if p],
            "source": src,
        }
        helpers.emit_checked(result, OperationStatusChanged, helpers.convert(change, OperationStatusChange),
                             time=time)
        return
    off = f.instant("clockedOffTime", plant)
    if on is None or off is None:
        missing = "clockedOnTime" if on is None else "clockedOffTime"
        raise MappingError("a clock-off needs clockedOnTime and clockedOffTime (the labor time is their span)",
                           code="missing_field", path=f.at(missing))
    if off < on:
        raise MappingError("clockedOffTime is before clockedOnTime", code="invalid_value", path=f.at("clockedOffTime"))
    material = f.ctx.lookup("proficy_order_material", order_id, path=f.at("workOrderName"))
    if not isinstance(material, str):
        raise MappingError(f"[lookups.proficy_order_material] {order_id!r} must be a product code",
                           code="invalid_context", path=f.at("workOrderName"))
    unit = rd.material_unit(f.ctx, material, f.at("workOrderName"))
    seconds = Decimal(int((off - on).total_seconds()))
    duration = {"value": seconds / 60, "uom": "MIN"} if seconds % 60 == 0 else {"value": seconds, "uom": "SEC"}
    time = helpers.event_time(result, f.ctx, f.p or "/", off)
    by = f.s("clockedOffBy")
    conf = {
        "confirmation_id": helpers.derived_id(rd.NAME, key, "labor", length=24),
        "order_id": order_id,
        "operation_id": operation,
        "plant": plant,
        "material_id": material,
        "work_center_id": f.s("unitName"),
        "equipment_id": line,
        "yield_quantity": {"value": Decimal(0), "uom": unit},
        "started_at": on,
        "ended_at": off,
        "activities": [{"activity": "labor", "duration": duration, "activity_type_code": f.s("laborType")}],
        "personnel_ids": [p for p in (operator,) if p],
        "properties": _lots(f) + [p for p in (rd.prop("clockedOffBy", by),) if p],
        "source": src,
    }
    helpers.emit_checked(result, ProductionConfirmed, helpers.convert(conf, ProductionConfirmation), time=time)


# MaterialLotStatusChangedEvent ---------------------------------------------------------------------------------
def lot_status_changed(f: Fields, raw: Mapping[str, Any], result: MappingResult, work: Any) -> None:
    """Each lot of the event is a record of its own (guarded by ``work``)."""
    items = list(f.objects("materialLot"))
    if not items:
        raise MappingError("a lot status event needs at least one materialLot", code="missing_field",
                           path=f.at("materialLot"))
    for pointer, item in items:
        work(pointer, item, lambda p=pointer, i=item: _lot_status(f, f.sub(i, p), i, result))


def rule_of(f: Fields, status: str) -> str:
    """What the status means for this connection: ``[lot_status_rule]`` with ``[codes."proficy.lot_status_rule"]``
    over it; a status not listed is a plain lot status change."""
    rule = rd.code(f.ctx, "lot_status_rule", status) or "lot_status"
    if rule not in RULES:
        raise MappingError(f'[codes."proficy.lot_status_rule"] {status!r} = {rule!r}: the rule is one of '
                           f"{', '.join(RULES)}", code="invalid_context", path=f.at("status"))
    return rule


def _lot_status(top: Fields, f: Fields, raw: Mapping[str, Any], result: MappingResult) -> None:
    status = f.req("status")
    rule = rule_of(f, status)
    lot = inbound.lot(f, 4, raw, result, document_type=LOT_STATUS_CHANGED)
    material_id, lot_id = lot["material_id"], lot["lot_id"]
    unit_name = f.s("productionUnit")
    plant = lot["plant"]
    time = rd.business_time(f.ctx, top.at("publishedDate"), _published(top, plant))
    key = rd.digest({"event": top.d.get("publishedDate"), "lot": raw})
    src = rd.source(f.ctx, LOT_STATUS_CHANGED, key, f"{material_id}/{lot_id}")
    by = top.s("publishedBy") or f.s("changedBy")
    if rule == "lot_status":
        lot["source"] = src
        lot["partial_fields"] = ["lot_id", "material_id", "status", "status_source_code"] + [
            k for k in ("plant", "quantity", "sub_lots") if lot.get(k)]
        helpers.emit_checked(result, LotUpserted, helpers.convert(lot, MaterialLot), time=time)
        return
    plant = rd.plant(f.ctx, unit_name, order=top.s("workOrderName"), mapped=plant, path=f.at("productionUnit"))
    if rule == "scrap":
        if lot["quantity"] is None:
            raise MappingError("a scrapped lot needs its quantity (and unit) to become a scrap movement",
                               code="missing_field", path=f.at("quantity"))
        move = {
            "movement_id": helpers.derived_id(rd.NAME, key, "scrap", length=24),
            "movement_type": "scrap",
            "movement_type_source_code": status,
            "plant": plant,
            "material_id": material_id,
            "quantity": lot["quantity"],
            "lot_id": lot_id,
            "from_location": {"plant": plant, "equipment_id": unit_name} if unit_name else None,
            "order_id": top.s("workOrderName") or lot["producing_order_id"],
            "reason_code": f.s("reason") or f.s("reasonCode"),
            "occurred_at": time,
            "properties": lot["properties"],
            "source": src,
        }
        helpers.emit_checked(result, MaterialScrapped, helpers.convert(move, MaterialMovement), time=time)
        return
    hold = rule == "hold"
    nc = {
        "nonconformance_id": helpers.derived_id(rd.NAME, key, rule, length=24),
        "category": "hold" if hold else "defect",
        "category_source_code": status,
        "plant": plant,
        "status": "open" if hold else "in_review",
        "status_source_code": status,
        "affected": {"material_id": material_id, "lot_id": lot_id, "order_id": top.s("workOrderName")},
        "affected_quantity": lot["quantity"],
        "reason_code": f.s("reason") or f.s("reasonCode"),
        "description": f.s("description"),
        "detected_at": time,
        "detected_by": by,
        "detected_location": {"plant": plant, "equipment_id": unit_name} if unit_name else None,
        "hold": {"is_active": True, "placed_at": time, "placed_by": by} if hold else None,
        "properties": lot["properties"],
        "source": src,
    }
    event = QualityHoldPlaced if hold else NonconformanceReported
    helpers.emit_checked(result, event, helpers.convert(nc, Nonconformance), time=time)
