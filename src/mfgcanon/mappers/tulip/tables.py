"""The per-tenant table map: which Tulip table holds which kind of record, and which field id feeds which
canonical key. Field ids are per tenant (``abcde_quantity``), so the map is runtime data in the context file,
never code; the Common Data Model preset (``mappings/tulip/cdm.toml``) supplies the label -> key defaults.

.. code-block:: toml

    [vendors.tulip]
    plant = "P100"                       # the plant of every table without one of its own
    table = "DkWb9rJq2KDbCfBXn"          # optional: the table of records that name none
    scrap_from_defects = true            # optional: a scrapped defect also gives a scrap movement
    [vendors.tulip.tables."DkWb9rJq2KDbCfBXn"]
    kind = "work_orders"                 # work_orders, defects, inventory, station_activity
    [vendors.tulip.tables."DkWb9rJq2KDbCfBXn".fields]
    abcde_material = "Material Definition ID"   # a preset label ...
    fghij_start = "planned_start_at"            # ... or a canonical key
    [vendors.tulip.tables."DkWb9rJq2KDbCfBXn".labels]
    "Target Qty" = "planned_quantity"           # a tenant label, merged over the preset's

A bad map is an ``invalid_context`` error naming the key (``vendors.tulip.tables.<id>.fields.<field id>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._data import load
from mfgcanon.mappers.context import MappingContext

NAME = "tulip"
"""The mapper's registry name, as shown in rejects and in ``[vendors.tulip]``."""

PRESET = "tulip/cdm.toml"
STATUSES = "tulip/statuses.toml"

TEXT, QUANTITY, UNIT, INSTANT, CODE, PROPERTY = "text", "quantity", "unit", "instant", "code", "property"

VOCABULARY: Mapping[str, Mapping[str, str]] = {
    "work_orders": {
        "order_id": TEXT, "material_id": TEXT, "status": CODE, "planned_quantity": QUANTITY, "unit": UNIT,
        "due_at": INSTANT, "planned_start_at": INSTANT, "planned_end_at": INSTANT, "actual_start_at": INSTANT,
        "actual_end_at": INSTANT, "parent_order_id": TEXT, "production_line_id": TEXT, "description": TEXT,
        "target_lot_id": TEXT, "plant": TEXT, "operator": PROPERTY,
    },
    "defects": {
        "nonconformance_id": TEXT, "material_id": TEXT, "lot_id": TEXT, "serial_number": TEXT, "order_id": TEXT,
        "operation_id": TEXT, "equipment_id": TEXT, "reason_code": TEXT, "defect_code": TEXT, "location": TEXT,
        "severity": CODE, "status": CODE, "disposition": CODE, "description": TEXT, "quantity": QUANTITY,
        "unit": UNIT, "detected_at": INSTANT, "detected_by": TEXT, "closed_at": INSTANT, "plant": TEXT,
    },
    "inventory": {
        "lot_id": TEXT, "material_id": TEXT, "quantity": QUANTITY, "unit": UNIT, "location": TEXT, "bin": TEXT,
        "status": CODE, "snapshot_at": INSTANT, "plant": TEXT,
    },
    "station_activity": {
        "state_change_id": TEXT, "equipment_id": TEXT, "work_center_id": TEXT, "state": CODE,
        "reason_code": TEXT, "reason_text": TEXT, "started_at": INSTANT, "ended_at": INSTANT, "order_id": TEXT,
        "operation_id": TEXT, "plant": TEXT,
    },
}
"""The canonical keys a field may feed, per table kind, and how its value is read. The first key of each kind
is the record's ``id`` (the key is never a field of its own)."""

KINDS = tuple(VOCABULARY)
KEY_OF = {kind: next(iter(keys)) for kind, keys in VOCABULARY.items()}
"""The canonical key the record ``id`` is, per kind (``order_id`` of a work order ...)."""

_TABLE_KEYS = frozenset({"kind", "plant", "fields", "labels"})
_VENDOR_KEYS = frozenset({"plant", "table", "tables", "scrap_from_defects"})


@dataclass(frozen=True)
class Table:
    """One tenant table: its id, kind, plant and field id -> canonical key map."""

    table_id: str
    kind: str
    plant: str | None
    fields: Mapping[str, str]

    def field_of(self, key: str) -> str | None:
        """The field id that holds ``key`` (writing), or None when the table has no such column."""
        return next((field for field, target in self.fields.items() if target == key), None)


@dataclass(frozen=True)
class TableMap:
    """Every table of the tenant, the default table for records that name none, and the default plant."""

    tables: Mapping[str, Table]
    default_table: str | None
    plant: str | None
    scrap_from_defects: bool = False
    """A defect with disposition scrap and a quantity also gives a scrap movement (off by default: where the
    ERP books scrap itself, a second movement would post it twice)."""

    def of_kind(self, kind: str) -> Table:
        """The one table of a kind (writing); none or several is an error naming the map."""
        found = [t for t in self.tables.values() if t.kind == kind]
        if len(found) != 1:
            what = "no table" if not found else f"{len(found)} tables ({', '.join(t.table_id for t in found)})"
            raise MappingError(
                f"the tenant map has {what} of kind {kind!r}: writing needs exactly one "
                f'([vendors.tulip.tables."<table id>"] kind = "{kind}")', code="invalid_context",
                path="vendors.tulip.tables")
        return found[0]

    def for_record(self, record: Mapping[str, Any]) -> Table | None:
        """The table a bare record belongs to: ``[vendors.tulip] table``, else the one table whose field ids
        the record uses (field ids carry a per-field random prefix, so they tell tables apart)."""
        if self.default_table is not None:
            return self.tables[self.default_table]
        used = {key for key in record if not key.startswith("_") and key != "id"}
        found = [t for t in self.tables.values() if used & set(t.fields)]
        return found[0] if len(found) == 1 else None


def _invalid(message: str, path: str) -> MappingError:
    return MappingError(message, code="invalid_context", path=path)


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"{path} must be a non-empty string, got {value!r}", path)
    return value


def preset_labels(kind: str) -> dict[str, str]:
    """The CDM preset's label -> canonical key table of a kind."""
    data: Any = load(PRESET).get(kind, {})
    labels = data.get("labels", {}) if isinstance(data, Mapping) else {}
    return {str(k): str(v) for k, v in labels.items()}


def table_map(ctx: MappingContext) -> TableMap:
    """The tenant map of ``[vendors.tulip]``, checked: unknown keys, kinds, labels and canonical keys, and two
    fields feeding one key, are ``invalid_context`` errors naming the key."""
    section = ctx.vendor(NAME)
    unknown = sorted(set(section) - _VENDOR_KEYS)
    if unknown:
        raise _invalid(f"unknown key {unknown[0]!r} in [vendors.tulip] (expected {', '.join(sorted(_VENDOR_KEYS))})",
                       f"vendors.tulip.{unknown[0]}")
    plant = _text(section["plant"], "vendors.tulip.plant") if "plant" in section else None
    raw_tables = section.get("tables", {})
    if not isinstance(raw_tables, Mapping):
        raise _invalid('vendors.tulip.tables must hold [vendors.tulip.tables."<table id>"] tables',
                       "vendors.tulip.tables")
    tables = {str(tid): _table(str(tid), spec) for tid, spec in raw_tables.items()}
    default = section.get("table")
    if default is not None and (not isinstance(default, str) or default not in tables):
        raise _invalid(f"vendors.tulip.table {default!r} names no table of [vendors.tulip.tables]",
                       "vendors.tulip.table")
    scrap = section.get("scrap_from_defects", False)
    if type(scrap) is not bool:
        raise _invalid(f"vendors.tulip.scrap_from_defects must be true or false, got {scrap!r}",
                       "vendors.tulip.scrap_from_defects")
    return TableMap(tables, default, plant, scrap)


def _table(table_id: str, spec: object) -> Table:
    where = f"vendors.tulip.tables.{table_id}"
    if not isinstance(spec, Mapping):
        raise _invalid(f"[{where}] must be a table", where)
    unknown = sorted(set(spec) - _TABLE_KEYS)
    if unknown:
        raise _invalid(f"unknown key {unknown[0]!r} in [{where}] (expected {', '.join(sorted(_TABLE_KEYS))})",
                       f"{where}.{unknown[0]}")
    kind = spec.get("kind")
    if not isinstance(kind, str) or kind not in VOCABULARY:
        raise _invalid(f"{where}.kind must be one of {', '.join(KINDS)}, got {kind!r}", f"{where}.kind")
    vocabulary = VOCABULARY[kind]
    labels = preset_labels(kind)
    own = spec.get("labels", {})
    if not isinstance(own, Mapping):
        raise _invalid(f"{where}.labels must be a table of label = canonical key", f"{where}.labels")
    for label, key in own.items():
        if key not in vocabulary:
            raise _invalid(f"label {label!r}: {key!r} is not a {kind} key ({', '.join(vocabulary)})",
                           f"{where}.labels.{label}")
        labels[str(label)] = str(key)
    fields = spec.get("fields", {})
    if not isinstance(fields, Mapping) or not fields:
        raise _invalid(f"{where}.fields must map the table's field ids to labels or canonical keys", f"{where}.fields")
    resolved: dict[str, str] = {}
    for field, label in fields.items():
        path = f"{where}.fields.{field}"
        name = _text(label, path)
        key = labels.get(name, name if name in vocabulary else None)
        if key is None:
            raise _invalid(f"field {field!r}: {name!r} is neither a {kind} label of the preset or [{where}.labels] "
                           f"nor a canonical key ({', '.join(vocabulary)})", path)
        if field == "id" or str(field).startswith("_"):
            raise _invalid(f"field {field!r} is a Tulip system field: the record id is always the key", path)
        if key == KEY_OF[kind]:
            raise _invalid(f"field {field!r}: {key} is the record's id, not a field", path)
        if key in resolved.values():
            raise _invalid(f"field {field!r}: another field already feeds {key}", path)
        resolved[str(field)] = key
    plant = _text(spec["plant"], f"{where}.plant") if "plant" in spec else None
    return Table(table_id, str(kind), plant, resolved)
