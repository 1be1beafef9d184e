"""Oracle Fusion mapper throughput, per document, with the baselines of the SAP JSON case in ``mappers.py``:

* floor: the untyped ``msgspec.json.decode`` of the same bytes;
* "same event": orjson + a plain mapping function that resolves the same Oracle conventions the mapper does
  (UOM codes to Rec 20 with the source spelling, exact decimals, ISO instants with offsets to UTC, system status
  with the raw code kept, supply types, resources, properties, the CloudEvent envelope with its uuid5 id) +
  ``model_validate`` of the generated pydantic event model. Before timing, the script asserts that its output
  equals the mapper's encoded event (``mappers.assert_same_events``).

Case: a ``workOrders`` GET response holding one work order with 10 operations (one resource each) and 20
materials -> one ProductionOrderReleased event. Targets as for the SAP JSON case: at most 3x the untyped
decode, at least 3x faster than the same-event pipeline.

Kept apart from ``mappers.py`` (it reuses its envelope, comparison and timing helpers) so that the SAP
figures there and these can change independently. Run: ``python benchmarks/mappers_oracle.py [--rounds 15]
[--number 100]``.
"""

from __future__ import annotations

import argparse
import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pydantic

from mappers import FLOOR, MAPPER, SAME, assert_same_events, measure, order_event, prop, props
from mfgcanon.mappers import MappingContext, get

ROOT = Path(__file__).parents[1] / "examples" / "oracle"
CTX = MappingContext.build(source_system="ORA-PROD", plants={"M1": "America/Los_Angeles"})

UNITS = {"Ea": "EA", "Each": "EA", "kg": "KGM", "MIN": "MIN"}  # Oracle UOM codes and names -> Rec 20
SYSTEM_STATUS = {"UNRELEASED": "planned", "RELEASED": "released", "ON_HOLD": "on_hold", "COMPLETED": "completed",
                 "CLOSED": "closed", "CANCELED": "cancelled"}
SUPPLY_TYPES = {"PUSH": "push", "ASSEMBLY_PULL": "assembly_pull", "OPERATION_PULL": "operation_pull",
                "BULK": "bulk", "SUPPLIER": "supplier", "PHANTOM": "phantom"}


def work_order(operations: int = 10, materials: int = 20) -> bytes:
    """The composed workOrders response grown to ``operations`` operations and ``materials`` materials."""
    doc = json.loads((ROOT / "workorders_get_response.json").read_bytes())
    wo = doc["items"][0]
    wo["LastUpdateDate"] = "2024-01-15T07:20:00+00:00"
    template = wo["WorkOrderOperation"][0]
    ops = []
    for n in range(operations):
        op = copy.deepcopy(template)
        op["OperationSequenceNumber"] = 10 * (n + 1)
        op["WorkOrderOperationId"] = 300100571234010 + n
        op["WorkOrderOperationMaterial"] = []
        ops.append(op)
    for m in range(materials):
        line = copy.deepcopy(template["WorkOrderOperationMaterial"][m % 2])
        line["MaterialSequenceNumber"] = 10 * (m // operations + 1)
        line["InventoryItemNumber"] = f"RM-{2001 + m}"
        ops[m % operations]["WorkOrderOperationMaterial"].append(line)
    wo["WorkOrderOperation"] = ops
    return json.dumps(doc).encode()


def number(value: Any) -> Decimal:
    """A JSON number as the exact decimal of its text (orjson gives floats; their repr is the source text)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def quantity(value: Any, unit: str | None) -> dict[str, Any] | None:
    if value is None or unit is None:
        return None
    code = UNITS.get(unit, unit)
    return {"value": number(value), "uom": code, "source_uom": None if code == unit else unit}


def instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def flag(name: str, value: Any) -> dict[str, Any] | None:
    return None if value is None else {"name": name, "value": "true" if value else "false", "data_type": "boolean"}


def operation(op: dict[str, Any]) -> dict[str, Any]:
    return {
        "operation_id": text(op["OperationSequenceNumber"]),
        "source_operation_id": text(op.get("WorkOrderOperationId")),
        "description": text(op.get("OperationDescription")),
        "process_segment_id": text(op.get("OperationName")),
        "work_center_id": text(op.get("WorkCenterCode")),
        "planned_start_at": instant(op.get("PlannedStartDate")),
        "planned_end_at": instant(op.get("PlannedCompletionDate")),
        "planned_activities": [
            {"activity": "other", "duration": quantity(r["RequiredUsage"], r["UsageUOMCode"]),
             "resource_id": text(r.get("ResourceCode"))}
            for r in op.get("WorkOrderOperationResource") or []
        ],
        "properties": props(flag("oracle.count_point", op.get("CountPointOperationFlag")),
                            flag("oracle.auto_transact", op.get("AutoTransactFlag"))),
    }


def material(line: dict[str, Any], plant: str, op: str) -> dict[str, Any]:
    supply = text(line.get("SupplyType"))
    kind = SUPPLY_TYPES.get(supply, "other") if supply else None
    subinventory = text(line.get("SupplySubinventory"))
    return {
        "line_id": f"{op}/{line['MaterialSequenceNumber']}",
        "material_id": line["InventoryItemNumber"],
        "quantity": quantity(line["RequiredQuantity"], line["UOMCode"]),
        "supply_type": kind,
        "supply_type_source_code": supply,
        "is_backflush": kind in ("assembly_pull", "operation_pull"),
        "operation_id": op,
        "bom_item_number": text(line.get("MaterialSequenceNumber")),
        "issue_location": {"plant": plant, "storage_location": subinventory} if subinventory else None,
    }


def fusion_equivalent(data: bytes) -> pydantic.BaseModel:
    """orjson + plain mapping + the generated pydantic event model: the same event as the mapper's."""
    wo = orjson.loads(data)["items"][0]
    plant, unit = wo["OrganizationCode"], wo["UOMCode"]
    system, user = text(wo.get("WorkOrderSystemStatusCode")), text(wo.get("WorkOrderStatusCode"))
    status = SYSTEM_STATUS.get(system, "other") if system else "other"
    rejected = quantity(wo.get("RejectedQuantity"), unit)
    subinventory = text(wo.get("CompletionSubinventoryCode"))
    work_order_id = text(wo.get("WorkOrderId"))
    changed = text(wo.get("LastUpdateDate"))
    lines = [material(m, plant, str(op["OperationSequenceNumber"]))
             for op in wo["WorkOrderOperation"] for m in op.get("WorkOrderOperationMaterial") or []]
    data_ = {
        "kind": "production_order",
        "order_id": wo["WorkOrderNumber"],
        "plant": plant,
        "source_order_id": work_order_id,
        "description": text(wo.get("WorkOrderDescription")),
        "order_type": text(wo.get("WorkOrderType")),
        "status": status,
        "status_source_code": user or system,
        "material_id": wo["ItemNumber"],
        "planned_quantity": quantity(wo["PlannedStartQuantity"], unit),
        "planned_start_at": instant(wo.get("PlannedStartDate")),
        "planned_end_at": instant(wo.get("PlannedCompletionDate")),
        "actual_start_at": instant(wo.get("ActualStartDate")),
        "actual_end_at": instant(wo.get("ActualCompletionDate")),
        "released_at": instant(wo.get("ReleasedDate")),
        "closed_at": instant(wo.get("ClosedDate")),
        "priority_source_code": text(wo.get("WorkOrderPriority")),
        "receipt_location": {"plant": plant, "storage_location": subinventory} if subinventory else None,
        "routing_id": text(wo.get("WorkDefinitionCode")),
        "confirmed_yield_quantity": quantity(wo.get("CompletedQuantity"), unit),
        "confirmed_scrap_quantity": quantity(wo.get("ScrappedQuantity"), unit),
        "operations": [operation(op) for op in wo["WorkOrderOperation"]],
        "material_requirements": lines,
        "revision": changed,
        "properties": props(
            prop("oracle.work_order_system_status", system if user else None),
            prop("oracle.work_order_status_name", text(wo.get("WorkOrderStatusName"))),
            prop("oracle.work_order_sub_type", text(wo.get("WorkOrderSubType"))),
            prop("oracle.rejected_quantity", str(rejected["value"]) if rejected else None, "decimal",
                 rejected["uom"] if rejected else None),
        ),
        "source": {"system": "ORA-PROD", "document_type": "FUSION:workOrders", "document_id": work_order_id,
                   "revision": changed},
    }
    occurred = instant(changed)
    assert occurred is not None
    return order_event(data_, occurred)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--number", type=int, default=100)
    args = parser.parse_args()
    fusion = get("oracle-fusion")
    body = work_order()
    print("Equivalence (checked before timing):")
    result = fusion.to_canonical(body, CTX)
    assert not result.rejects, result.rejects
    (event,) = result.events
    order: Any = event.data
    assert (len(order.operations), len(order.material_requirements)) == (10, 20)
    print(f"  workOrders: {len(body)} bytes, 10 operations, 20 materials")
    assert_same_events("workOrders", result.events, [fusion_equivalent(body)])
    title = "Fusion workOrders (10 ops, 20 materials)"
    cases = {
        FLOOR: ("floor: untyped msgspec.json.decode", lambda: msgspec.json.decode(body)),
        MAPPER: ("mfgcanon oracle-fusion -> event", lambda: fusion.to_canonical(body, CTX)),
        SAME: ("orjson + pydantic v2, same event", lambda: fusion_equivalent(body)),
    }
    timings = measure({key: fn for key, (_, fn) in cases.items()}, args.rounds, args.number)
    print(f"\n{title}")
    for key, (name, _) in cases.items():
        print(f"  {name:<42} {timings[key] * 1e6:9.1f} us/doc")
    ours = timings[MAPPER]
    print(f"  ratio to the floor: {ours / timings[FLOOR]:.1f}x (target <= 3.0x); "
          f"speed-up vs the same-event pipeline: {timings[SAME] / ours:.1f}x (target >= 3.0x)")


if __name__ == "__main__":
    main()
