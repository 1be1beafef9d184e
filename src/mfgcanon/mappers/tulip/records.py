"""One Tulip table record <-> one canonical entity, per table kind.

Values: numbers in decimal string mode (``"12.500"``) and JSON numbers decoded from text are exact decimals; a
Python ``float`` (a payload parsed with :mod:`json` before it got here) is refused, because its digits may
already be lost. Quantities carry no unit in Tulip: the unit is the record's ``unit`` field where the map has
one, else the material's base unit from ``[lookups.material_units]``, never invented. Times are ISO 8601; one
without an offset is local to the plant. Fields the map does not name are kept as ``tulip.field.<id>``
properties, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.helpers import code_list, convert, decimal_of, emit_checked, event_time, resolve_unit, to_utc
from mfgcanon.mappers.tulip.tables import CODE, INSTANT, KEY_OF, PROPERTY, QUANTITY, STATUSES, VOCABULARY, Table
from mfgcanon.v1.equipment import EquipmentStateChange
from mfgcanon.v1.events import (
    EquipmentStateChanged,
    InventoryBalanceReported,
    MaterialScrapped,
    NonconformanceReported,
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
)
from mfgcanon.v1.inventory import InventoryBalance
from mfgcanon.v1.order import ProductionOrder
from mfgcanon.v1.quality import Nonconformance, NonconformanceKind

ORDER_EVENTS: dict[str, type[Any]] = {
    "released": ProductionOrderReleased, "completed": ProductionOrderCompleted, "closed": ProductionOrderClosed,
    "cancelled": ProductionOrderCancelled, "updated": ProductionOrderUpdated,
}

CODE_LISTS = {("work_orders", "status"): "work_order_status", ("defects", "status"): "defect_status",
              ("defects", "severity"): "severity", ("defects", "disposition"): "disposition",
              ("inventory", "status"): "inventory_status", ("station_activity", "state"): "station_state"}
"""The code list each coded key reads (``mappings/tulip/statuses.toml``, overridable as ``[codes."tulip.<list>"]``)."""

SYSTEM_FIELDS = frozenset({"id", "_createdAt", "_updatedAt", "_sequenceNumber"})


def codes(ctx: MappingContext, name: str) -> Mapping[str, Any]:
    return code_list(ctx, f"tulip.{name}", STATUSES, name)


def pointer(base: str, field: str) -> str:
    """A JSON pointer to a record's field (RFC 6901 escapes)."""
    return f"{base}/{field.replace('~', '~0').replace('/', '~1')}"


@dataclass(frozen=True)
class Record:
    """One record being read: its table, its data and where it is in the payload (a JSON pointer)."""

    table: Table
    data: Mapping[str, Any]
    at: str
    ctx: MappingContext
    plant: str
    scrap: bool = False  # [vendors.tulip] scrap_from_defects

    def field(self, key: str) -> str | None:
        return self.table.field_of(key)

    def path(self, key: str) -> str:
        field = self.field(key)
        return pointer(self.at, field if field is not None else key)

    def raw(self, key: str) -> Any:
        field = self.field(key)
        return None if field is None else self.data.get(field)

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.raw(key)
        if value is None or value == "":
            if required:
                hint = "" if self.field(key) else f" (no field of table {self.table.table_id} feeds {key})"
                raise MappingError(f"{key} is required{hint}", code="missing_field", path=self.path(key))
            return None
        if not isinstance(value, str):
            raise MappingError(f"{key} must be text, got {value!r}", code="type_mismatch", path=self.path(key))
        return value

    def instant(self, key: str, *, required: bool = False) -> datetime | None:
        text = self.text(key, required=required)
        return None if text is None else instant_of(text, self.ctx, self.plant, self.path(key))

    def system_time(self, name: str) -> datetime | None:
        value = self.data.get(name)
        if value is None:
            return None
        where = pointer(self.at, name)
        if not isinstance(value, str):
            raise MappingError(f"{name} must be an ISO 8601 time, got {value!r}", code="type_mismatch", path=where)
        return instant_of(value, self.ctx, self.plant, where)

    def number(self, key: str) -> Decimal | None:
        value = self.raw(key)
        if value is None or value == "":
            return None
        if isinstance(value, float):
            raise MappingError(
                f"{key} is a float ({value!r}): its digits may be lost; read Tulip with X-Tulip-Number-Format: "
                "decimal (numbers as strings) or pass the JSON text", code="type_mismatch", path=self.path(key))
        return decimal_of(value, path=self.path(key))

    def quantity(self, key: str, material: str | None, *, required: bool = False) -> dict[str, Any] | None:
        number = self.number(key)
        if number is None:
            if required:
                raise MappingError(f"{key} is required", code="missing_field", path=self.path(key))
            return None
        symbol = self.text("unit")
        unit_path = self.path("unit")
        if symbol is None:
            if material is None:
                raise MappingError(f"{key} has no unit and no material to look its base unit up by",
                                   code="missing_field", path=self.path(key))
            found = self.ctx.lookup("material_units", material, path=self.path(key))
            if not isinstance(found, str):
                raise MappingError(f"[lookups.material_units] {material!r} must be a unit", code="invalid_context",
                                   path=self.path(key))
            symbol, unit_path = found, self.path(key)
        code = resolve_unit(symbol, self.ctx, path=unit_path)
        return {"value": number, "uom": code, "source_uom": None if symbol.strip() == code else symbol.strip()}

    def coded(self, key: str) -> tuple[str | None, str | None]:
        """(canonical value, source code) of a coded key: exact match, then ignoring case; unknown -> other."""
        raw = self.text(key)
        if raw is None:
            return None, None
        table = codes(self.ctx, CODE_LISTS[(self.table.kind, key)])
        found = table.get(raw)
        if found is None:
            folded = raw.casefold()
            found = next((v for k, v in table.items() if k.casefold() == folded), "other")
        return str(found), raw

    def properties(self) -> list[dict[str, Any]]:
        """The property keys of the map (``tulip.operator``), then every field the map does not name."""
        out: list[dict[str, Any]] = []
        for key, kind in VOCABULARY[self.table.kind].items():
            if kind == PROPERTY and (value := self.text(key)) is not None:
                out.append({"name": f"tulip.{key}", "value": value})
        for field in sorted(self.data):
            if field in SYSTEM_FIELDS or field in self.table.fields or self.data[field] is None:
                continue
            out.append(_extra(field, self.data[field], pointer(self.at, field)))
        return out

    def source(self) -> dict[str, Any]:
        if not self.ctx.source_system:
            raise MappingError("no source system: set source_system in the mapping context", code="missing_identity")
        updated = self.data.get("_updatedAt")
        return {"system": self.ctx.source_system, "document_type": f"TULIP:{self.table.table_id}",
                "document_id": record_id(self.data, self.at),
                "revision": updated if isinstance(updated, str) and updated else None}

    def times(self) -> tuple[datetime | None, datetime | None]:
        return self.system_time("_updatedAt"), self.system_time("_createdAt")


def _extra(field: str, value: Any, where: str) -> dict[str, Any]:
    name = f"tulip.field.{field}"
    if isinstance(value, bool):
        return {"name": name, "value": "true" if value else "false", "data_type": "boolean"}
    if isinstance(value, int | Decimal):
        return {"name": name, "value": str(value), "data_type": "decimal"}
    if isinstance(value, str):
        return {"name": name, "value": value}
    if isinstance(value, float):
        raise MappingError(f"{field} is a float ({value!r}): its digits may be lost", code="type_mismatch", path=where)
    return {"name": name, "value": json.dumps(value, sort_keys=True, default=str), "data_type": "other"}


def record_id(data: Mapping[str, Any], at: str) -> str:
    value = data.get("id")
    if not isinstance(value, str) or not value.strip():
        raise MappingError("a Tulip record needs its id (a non-empty string)", code="missing_field",
                           path=pointer(at, "id"))
    return value


def instant_of(text: str, ctx: MappingContext, plant: str, path: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MappingError(f"{text!r} is not an ISO 8601 time", code="invalid_value", path=path) from None
    return to_utc(moment, ctx, plant=plant, path=path)


# Reading ---------------------------------------------------------------------------------------------------
def read(rec: Record, result: MappingResult) -> None:
    READERS[rec.table.kind](rec, result)


def _work_order(rec: Record, result: MappingResult) -> None:
    order = record_id(rec.data, rec.at)
    material = rec.text("material_id", required=True)
    status, raw = rec.coded("status")
    if status is None:
        raise MappingError("a work order needs its status", code="missing_field", path=rec.path("status"))
    entity = convert({
        "order_id": order, "plant": rec.plant, "status": status, "status_source_code": raw,
        "material_id": material, "planned_quantity": rec.quantity("planned_quantity", material, required=True),
        **{key: rec.instant(key) for key in ("due_at", "planned_start_at", "planned_end_at", "actual_start_at",
                                             "actual_end_at")},
        **{key: rec.text(key) for key in ("parent_order_id", "production_line_id", "description", "target_lot_id")},
        "properties": rec.properties(), "source": rec.source(),
    }, ProductionOrder)
    kind = codes(rec.ctx, "order_event").get(status, "updated")
    emit_checked(result, ORDER_EVENTS.get(str(kind), ProductionOrderUpdated), entity,
                 time=event_time(result, rec.ctx, rec.at or "/", *rec.times()))


def _defect(rec: Record, result: MappingResult) -> None:
    defect = record_id(rec.data, rec.at)
    material = rec.text("material_id")
    status, status_raw = rec.coded("status")
    severity, severity_raw = rec.coded("severity")
    disposition, disposition_raw = rec.coded("disposition")
    serial = rec.text("serial_number")
    affected = {"material_id": material, "lot_id": rec.text("lot_id"), "order_id": rec.text("order_id"),
                "operation_id": rec.text("operation_id"), "equipment_id": rec.text("equipment_id"),
                "serial_numbers": [serial] if serial else []}
    location = rec.text("location")
    quantity = rec.quantity("quantity", material)
    detected = rec.instant("detected_at")
    entity = convert({
        "nonconformance_id": defect, "category": NonconformanceKind.DEFECT, "plant": rec.plant,
        "severity": severity, "severity_source_code": severity_raw, "status": status or "open",
        "status_source_code": status_raw, "affected": affected, "affected_quantity": quantity,
        "defect_code": rec.text("defect_code"), "reason_code": rec.text("reason_code"),
        "description": rec.text("description"), "detected_at": detected, "detected_by": rec.text("detected_by"),
        "detected_location": {"plant": rec.plant, "work_center_id": location} if location else None,
        "disposition": disposition, "disposition_source_code": disposition_raw, "closed_at": rec.instant("closed_at"),
        "properties": rec.properties(), "source": rec.source(),
    }, Nonconformance)
    time = event_time(result, rec.ctx, rec.at or "/", detected, *rec.times())
    emit_checked(result, NonconformanceReported, entity, time=time)
    if rec.scrap and disposition == "scrap" and quantity is not None and material is not None:
        # the scrapped items leave stock: a second event of the same record (no record in)
        from mfgcanon.v1.inventory import MaterialMovement

        movement = convert({
            "movement_id": f"{defect}/scrap", "movement_type": "scrap", "movement_type_source_code": disposition_raw,
            "plant": rec.plant, "material_id": material, "quantity": quantity, "lot_id": affected["lot_id"],
            "serial_numbers": affected["serial_numbers"], "order_id": affected["order_id"],
            "operation_id": affected["operation_id"], "reason_code": entity.reason_code, "occurred_at": time,
            "source": rec.source(),
        }, MaterialMovement)
        emit_checked(result, MaterialScrapped, movement, time=time, records=0)


def _inventory(rec: Record, result: MappingResult) -> None:
    lot = record_id(rec.data, rec.at)
    material = rec.text("material_id", required=True)
    status, raw = rec.coded("status")
    location, bin_ = rec.text("location"), rec.text("bin")
    snapshot = event_time(result, rec.ctx, rec.at or "/", rec.instant("snapshot_at"), *rec.times())
    entity = convert({
        "material_id": material, "plant": rec.plant, "lot_id": lot,
        "location": {"plant": rec.plant, "storage_location": location, "bin": bin_} if location or bin_ else None,
        "stock_status": status or "unrestricted", "stock_status_source_code": raw,
        "quantity": rec.quantity("quantity", material, required=True), "snapshot_at": snapshot,
        "properties": rec.properties(), "source": rec.source(),
    }, InventoryBalance)
    emit_checked(result, InventoryBalanceReported, entity, time=snapshot)


def _station_activity(rec: Record, result: MappingResult) -> None:
    state, raw = rec.coded("state")
    if state is None:
        raise MappingError("a station activity record needs its state", code="missing_field", path=rec.path("state"))
    started = rec.instant("started_at", required=True)
    entity = convert({
        "state_change_id": record_id(rec.data, rec.at), "equipment_id": rec.text("equipment_id", required=True),
        "plant": rec.plant, "work_center_id": rec.text("work_center_id"), "state": state, "state_source_code": raw,
        "reason_code": rec.text("reason_code"), "reason_text": rec.text("reason_text"), "started_at": started,
        "ended_at": rec.instant("ended_at"), "order_id": rec.text("order_id"), "operation_id": rec.text("operation_id"),
        "properties": rec.properties(), "source": rec.source(),
    }, EquipmentStateChange)
    emit_checked(result, EquipmentStateChanged, entity, time=started)  # type: ignore[arg-type]


READERS = {"work_orders": _work_order, "defects": _defect, "inventory": _inventory,
           "station_activity": _station_activity}


# Writing ---------------------------------------------------------------------------------------------------
def instant_out(moment: datetime) -> str:
    """ISO 8601 in UTC with ``Z``, as Tulip writes its own times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def code_out(ctx: MappingContext, table: Table, key: str, value: str | None, raw: str | None) -> str | None:
    """The Tulip code of a canonical value: the entity's source code when it maps to the same value, else the
    first code of the list that does; none is ``unmappable_value`` naming the list to extend."""
    if value is None:
        return None
    name = CODE_LISTS[(table.kind, key)]
    listed = codes(ctx, name)
    if raw is not None:
        folded = raw.casefold()
        mapped = listed.get(raw) or next((v for k, v in listed.items() if k.casefold() == folded), "other")
        if mapped == value:
            return raw
    found = next((code for code, target in listed.items() if target == value), None)
    if found is None:
        raise MappingError(f"{key} {value!r} has no Tulip code: add one to [codes.\"tulip.{name}\"] in the context "
                           "file", code="unmappable_value", path=key)
    return str(found)


def values_of(entity: Any, table: Table, ctx: MappingContext) -> dict[str, Any]:
    """An entity's values per canonical key of its table kind (None for an empty value)."""
    kind = table.kind
    if kind == "work_orders":
        o: ProductionOrder = entity
        return {"order_id": o.order_id, "material_id": o.material_id, "status": code_out(
            ctx, table, "status", o.status.value, o.status_source_code), "planned_quantity": o.planned_quantity,
            "due_at": o.due_at, "planned_start_at": o.planned_start_at, "planned_end_at": o.planned_end_at,
            "actual_start_at": o.actual_start_at, "actual_end_at": o.actual_end_at,
            "parent_order_id": o.parent_order_id, "production_line_id": o.production_line_id,
            "description": o.description, "target_lot_id": o.target_lot_id, "plant": o.plant}
    if kind == "defects":
        n: Nonconformance = entity
        if n.category is not NonconformanceKind.DEFECT:
            raise MappingError(f"a {n.category.value} nonconformance is not a Tulip defect", code="unmappable_value",
                               path="category")
        a = n.affected
        if len(a.serial_numbers) > 1 or n.affected_items:
            raise MappingError("a Tulip defect names one unit: split the nonconformance", code="unmappable_value",
                               path="affected.serial_numbers")
        loc = n.detected_location
        return {"nonconformance_id": n.nonconformance_id, "material_id": a.material_id, "lot_id": a.lot_id,
                "serial_number": a.serial_numbers[0] if a.serial_numbers else None, "order_id": a.order_id,
                "operation_id": a.operation_id, "equipment_id": a.equipment_id, "reason_code": n.reason_code,
                "defect_code": n.defect_code, "location": loc.work_center_id if loc else None,
                "severity": code_out(ctx, table, "severity", n.severity.value if n.severity else None,
                                     n.severity_source_code),
                "status": code_out(ctx, table, "status", n.status.value, n.status_source_code),
                "disposition": code_out(ctx, table, "disposition", n.disposition.value if n.disposition else None,
                                        n.disposition_source_code),
                "description": n.description, "quantity": n.affected_quantity, "detected_at": n.detected_at,
                "detected_by": n.detected_by, "closed_at": n.closed_at, "plant": n.plant}
    if kind == "inventory":
        b: InventoryBalance = entity
        if b.lot_id is None:
            raise MappingError("a Tulip inventory item is keyed by its id: the balance needs a lot_id",
                               code="unmappable_value", path="lot_id")
        return {"lot_id": b.lot_id, "material_id": b.material_id, "quantity": b.quantity,
                "location": b.location.storage_location if b.location else None,
                "bin": b.location.bin if b.location else None,
                "status": code_out(ctx, table, "status", b.stock_status.value, b.stock_status_source_code),
                "snapshot_at": b.snapshot_at, "plant": b.plant}
    s: EquipmentStateChange = entity
    return {"state_change_id": s.state_change_id, "equipment_id": s.equipment_id, "work_center_id": s.work_center_id,
            "state": code_out(ctx, table, "state", s.state.value, s.state_source_code), "reason_code": s.reason_code,
            "reason_text": s.reason_text, "started_at": s.started_at, "ended_at": s.ended_at, "order_id": s.order_id,
            "operation_id": s.operation_id, "plant": s.plant}


_STAMPED = frozenset({"snapshot_at"})
"""Keys written only where the table has a field for them: without one, the record's own ``_updatedAt``
(which Tulip sets on every write) is the value read back."""


def write(entity: Any, table: Table, ctx: MappingContext, default_plant: str | None) -> dict[str, Any]:
    """One record: ``id`` and the table's field ids; numbers as decimal strings, times ISO 8601 UTC. A value
    the table has no field for is ``unmappable_value`` naming the canonical key (never dropped); the plant is
    written only where the table has a field for it, else it must be the table's plant."""
    values = values_of(entity, table, ctx)
    kind = table.kind
    record: dict[str, Any] = {"id": values.pop(KEY_OF[kind])}
    plant = values.pop("plant")
    if table.field_of("plant") is not None:
        record[table.field_of("plant")] = plant  # type: ignore[index]
    elif plant != (table.plant or default_plant):
        raise MappingError(f"plant {plant!r} is not the plant of table {table.table_id} "
                           f"({table.plant or default_plant!r}) and the table has no plant field",
                           code="unmappable_value", path="plant")
    material = values.get("material_id")
    for key, value in values.items():
        if value is None:
            continue
        field = table.field_of(key)
        if field is None and key in _STAMPED:
            continue  # Tulip stamps _updatedAt on write: read back, it is the snapshot time
        if field is None:
            raise MappingError(f"{key} has a value but table {table.table_id} has no field for it: add the field to "
                               f'[vendors.tulip.tables."{table.table_id}".fields]', code="unmappable_value", path=key)
        if VOCABULARY[kind][key] == QUANTITY:
            record[field] = str(value.value)
            _unit_out(record, value, material, table, ctx, key)
        elif VOCABULARY[kind][key] == INSTANT:
            record[field] = instant_out(value)
        else:
            record[field] = value
    for prop in getattr(entity, "properties", ()):
        _property_out(record, prop, table)
    return record


def _unit_out(record: dict[str, Any], quantity: Any, material: str | None, table: Table, ctx: MappingContext,
              key: str) -> None:
    """The unit: into the table's unit field, else it must be the material's base unit (Tulip has no unit)."""
    field = table.field_of("unit")
    if field is not None:
        record[field] = quantity.source_uom or quantity.uom
        return
    if material is None:
        raise MappingError(f"{key} has no unit field and no material", code="unmappable_value", path=key)
    symbol = ctx.lookup("material_units", material, path=key)
    code = resolve_unit(str(symbol), ctx, path=key)
    if code != quantity.uom:
        raise MappingError(f"{key} is in {quantity.uom}, but material {material} is kept in {code} and the table "
                           "has no unit field: convert the quantity first", code="unmappable_value", path=key)


def _property_out(record: dict[str, Any], prop: Any, table: Table) -> None:
    name: str = prop.name
    if name.startswith("tulip.field."):
        field = name[len("tulip.field."):]
        if prop.data_type.value == "boolean":
            record[field] = prop.value == "true"
        elif prop.data_type.value == "other" and prop.value is not None:
            record[field] = json.loads(prop.value)
        else:
            record[field] = prop.value
    elif name.startswith("tulip.") and VOCABULARY[table.kind].get(name[6:]) == PROPERTY:
        column = table.field_of(name[6:])
        if column is None:
            raise MappingError(f"property {name} has no field in table {table.table_id}", code="unmappable_value",
                               path="properties")
        record[column] = prop.value


__all__ = ["CODE", "READERS", "Record", "read", "write"]
