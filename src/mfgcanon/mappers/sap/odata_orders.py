"""``A_ProductionOrder_2`` production orders with their operations, components and statuses."""

from __future__ import annotations

import functools
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers._data import table
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.mappers.sap.odata_reader import (
    _EMPTY_NUMBERS,
    _UNSET,
    _Fields,
    _pd,
    _pds,
    _Rec,
    _source,
    _Zone,
)
from mfgcanon.v1.order import OperationStatus, ProductionOrder


@functools.cache
def _packaged_operation_status(shorts: tuple[str, ...]) -> OperationStatus | None:
    """:func:`.common.operation_status` once per combination of flags under the packaged lists."""
    return sc.operation_status(shorts)


def _operation_status(shorts: tuple[str, ...], ctx: MappingContext) -> OperationStatus | None:
    """The operation status under this connection's status lists (cached when they are the packaged ones)."""
    tables = sc.status_tables(ctx)
    if tables is sc.status_tables(None):
        return _packaged_operation_status(shorts)
    return tables.operation_status(shorts)


@functools.cache
def _flags(prefix: str) -> tuple[tuple[str, str], ...]:
    """The OData status flags (``OrderIsReleased`` ...) of orders or operations, with their short codes."""
    return tuple(
        (name, str(code)) for name, code in table(sc.STATUSES, "odata_flags").items() if name.startswith(prefix)
    )


_OPERATION_STRINGS = (
    ("description", "MfgOrderOperationText"),
    ("work_center_id", "WorkCenter"),
    ("control_key", "OperationControlProfile"),
)
_COMPONENT_STRINGS = (
    ("operation_id", "ManufacturingOrderOperation"),
    ("bom_item_number", "BillOfMaterialItemNumber"),
    ("lot_id", "Batch"),
    ("plant", "Plant"),
    ("storage_location", "StorageLocation"),
    ("movement_type", "GoodsMovementType"),
    ("item_category", "BOMItemCategory"),
)
_WORK_QTY = tuple((n, f"WorkCenterStandardWorkQty{n}", f"WorkCenterStandardWorkQtyUnit{n}") for n in range(1, 7))


def _order(rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
    f = _Fields(rec, ctx)
    order_id = f.key("ManufacturingOrder")
    plant = f.s("ProductionPlant") or f.s("Plant")
    material_id = f.key("Material")
    if not order_id or not plant or not material_id:
        name = "ManufacturingOrder" if not order_id else "ProductionPlant" if not plant else "Material"
        raise f.fail(name, MappingError(f"production order has no {name}", code="missing_field"))
    quantity = f.qty_d("TotalQuantity", "ProductionUnit")
    if quantity is None:
        raise f.fail("TotalQuantity", MappingError("production order has no TotalQuantity", code="missing_field"))
    tables = sc.status_tables(ctx)
    statuses = [
        (s, str(s.get("StatusShortName") or tables.short(str(s.get("StatusCode", "")))))
        for s in f.nav("to_ProductionOrderStatus")
    ]
    # a user status counts only where this connection's lists give it a meaning ([codes."sap.order_statuses"])
    statuses = [(s, short) for s, short in statuses if not s.get("IsUserStatus") or tables.known(short)]
    if statuses:
        shorts = [short for _, short in statuses]
        raw = " ".join(str(s.get("StatusCode") or "") for s, _ in statuses).strip()
    else:
        shorts = [code for name, code in _flags("Order") if f.flag(name)]
        raw = " ".join(shorts)
    status = tables.order_status(shorts)
    zone = _Zone(ctx, plant)
    operations = [
        _operation(f.sub(op, where), plant, zone) for where, op in f.nav_records("to_ProductionOrderOperation")
    ]
    components = [
        _component(f.sub(comp, where), plant) for where, comp in f.nav_records("to_ProductionOrderComponent")
    ]
    items = f.nav_records("to_ProductionOrderItem")
    lot = f.sub(items[0][1], items[0][0]).s("Batch") if items else None
    sales = f.key("SalesOrder")
    sales_item = f.key("SalesOrderItem")
    scrap = f.qty_d("MfgOrderPlannedScrapQty", "ProductionUnit")
    changed = f.s("LastChangeDateTime")
    order = sc.convert(
        {
            "order_id": order_id,
            "plant": plant,
            "order_type": f.s("ManufacturingOrderType"),
            "status": status,
            "status_source_code": raw or None,
            "material_id": material_id,
            "planned_quantity": quantity,
            "planned_scrap_quantity": scrap if scrap and scrap["value"] else None,
            "planned_start_at": f.instant("MfgOrderPlannedStartDate", "MfgOrderPlannedStartTime", plant, zone),
            "planned_end_at": f.instant("MfgOrderPlannedEndDate", "MfgOrderPlannedEndTime", plant, zone),
            "scheduled_start_at": f.instant(
                "MfgOrderScheduledStartDate", "MfgOrderScheduledStartTime", plant, zone
            ),
            "scheduled_end_at": f.instant("MfgOrderScheduledEndDate", "MfgOrderScheduledEndTime", plant, zone),
            "target_lot_id": lot,
            "released_date": f.day("MfgOrderActualReleaseDate"),  # a date only, as LOIPRO FTRMI
            "company_id": f.s("CompanyCode"),
            "priority_source_code": f.s("ManufacturingOrderImportance"),
            "receipt_location": {"plant": plant, "storage_location": f.s("StorageLocation")}
            if f.s("StorageLocation")
            else None,
            "sales_order_id": (f"{sales}/{sales_item}" if sales_item and sales_item != "0" else sales)
            if sales
            else None,
            "operations": operations,
            "material_requirements": components,
            "revision": changed,
            "properties": _pds(
                _pd("sap.order_category", f.s("ManufacturingOrderCategory")),
                _pd("sap.mrp_controller", f.s("MRPController")),
                _pd("sap.production_supervisor", f.s("ProductionSupervisor")),
                _pd("sap.production_version", f.s("ProductionVersion")),
            ),
            "source": _source(ctx, "A_ProductionOrder_2", order_id, revision=changed),
        },
        ProductionOrder,
    )
    time = sc.event_time(
        result,
        ctx,
        rec.pointer or "/",
        f.timestamp("LastChangeDateTime"),
        f.instant("MfgOrderCreationDate", "MfgOrderCreationTime", plant, zone),
    )
    sc.emit_checked(result, sc.order_event(status), order, time=time)

def _operation(f: _Fields, plant: str, zone: _Zone) -> dict[str, Any]:
    """An operation; a record with a ManufacturingOrderSubOperation is a sub-operation of the operation it
    names (keyed by sequence, parent and number, as the IDoc's E1AFUVL). Planned dates are the earliest
    scheduled ones, the latest ones (OpLtstSchedldExec*) go to latest_start_at/latest_end_at."""
    parent = f.s("ManufacturingOrderOperation")
    sub = f.s("ManufacturingOrderSubOperation")
    number = sub or parent
    if not sub:
        parent = None
    if not number:
        raise f.fail("ManufacturingOrderOperation", MappingError("operation has no number", code="missing_field"))
    activities: list[dict[str, Any]] = []
    get = f.d.get
    for slot, value_name, unit_name in _WORK_QTY:
        if get(value_name) in _EMPTY_NUMBERS:
            continue
        amount = f.dec(value_name)
        if amount:
            duration = f.qty_of(amount, value_name, unit_name)
            activities.append({"activity": sc.activity_kind(slot, f.ctx), "duration": duration})
    shorts = tuple(code for name, code in _flags("Operation") if get(name) not in _UNSET and f.flag(name))
    found = f.strings(_OPERATION_STRINGS)
    found.update(
        {
            "operation_id": number,
            "parent_operation_id": parent,
            "sequence_id": values.alpha_in(seq) if (seq := f.s("ManufacturingOrderSequence")) else None,
            "source_operation_id": f"{plan}/{node}"
            if (plan := f.key("OrderInternalBillOfOperations")) and (node := f.key("OrderIntBillOfOperationsItem"))
            else None,
            "actual_start_at": f.instant("OpActualExecutionStartDate", "OpActualExecutionStartTime", plant, zone),
            "actual_end_at": f.instant("OpActualExecutionEndDate", "OpActualExecutionEndTime", plant, zone),
            "planned_quantity": f.qty_d("OpPlannedTotalQuantity", "OperationUnit"),
            "planned_start_at": f.instant("OpErlstSchedldExecStrtDte", "OpErlstSchedldExecStrtTme", plant, zone),
            "planned_end_at": f.instant("OpErlstSchedldExecEndDte", "OpErlstSchedldExecEndTme", plant, zone),
            "latest_start_at": f.instant("OpLtstSchedldExecStrtDte", "OpLtstSchedldExecStrtTme", plant, zone),
            "latest_end_at": f.instant("OpLtstSchedldExecEndDte", "OpLtstSchedldExecEndTme", plant, zone),
            "planned_activities": activities,
            "status": _operation_status(shorts, f.ctx),
            "status_source_code": " ".join(shorts) or None,
            "properties": _pds(_pd("sap.work_center_internal_id", f.s("WorkCenterInternalID"))),
        }
    )
    return found

def _component(f: _Fields, plant: str) -> dict[str, Any]:
    material_id = f.key("Material")
    quantity = f.qty_d("RequiredQuantity", "BaseUnit")
    if not material_id or quantity is None:
        name = "Material" if not material_id else "RequiredQuantity"
        raise f.fail(name, MappingError(f"component has no {name}", code="missing_field"))
    reservation, item = f.key("Reservation"), f.key("ReservationItem")
    found = f.strings(_COMPONENT_STRINGS)
    bom_item = found["bom_item_number"]
    movement_type, category = found.pop("movement_type"), found.pop("item_category")
    found["issue_location"] = {
        "plant": found.pop("plant") or plant,
        "storage_location": found.pop("storage_location"),
    }
    found.update(
        {
            "line_id": f"{reservation}/{item}" if reservation and item else bom_item or material_id,
            "material_id": material_id,
            "quantity": quantity,
            "required_date": f.day("MatlCompRequirementDate"),
            "is_backflush": f.flag("MatlCompIsMarkedForBackflush"),
            "is_phantom": f.flag("MaterialComponentIsPhantomItem"),
            "properties": _pds(_pd("sap.movement_type", movement_type), _pd("sap.item_category", category)),
        }
    )
    return found
