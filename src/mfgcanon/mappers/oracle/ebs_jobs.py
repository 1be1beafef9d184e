"""EBS ``WIP_JOB_SCHEDULE_INTERFACE`` rows -> production order events, and the processing status of any
interface row (``PROCESS_STATUS`` / ``PROCESS_FLAG`` with ``ERROR_MESSAGE`` / ``ERROR_EXPLANATION``) ->
posting outcome events.

EBS rows name organizations, items and jobs by internal id as often as by code: an id goes through the
context's lookup tables (``organization_code``, ``item_number``, ``job_order``); a miss is an
``unresolved_reference`` reject naming the table to fill, never an invented value. Interface dates carry
no zone: they are the organization's local time (``helpers.to_utc``; no zone is ``missing_timezone``)."""

from __future__ import annotations

from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.oracle import common as oc
from mfgcanon.mappers.oracle.common import Fields
from mfgcanon.mappers.oracle.ebs_rows import WJSI
from mfgcanon.v1.order import OrderStatus, ProductionOrder
from mfgcanon.v1.posting import MessageSeverity, PostingState, RequestKind


def plant_of(f: Fields) -> str:
    return oc.organization(f)


def item_of(f: Fields, *names: str) -> str:
    """The item: its segments (``ITEM_SEGMENT1``, ``PRIMARY_ITEM_SEGMENTS``), else its id through ``item_number``."""
    for name in names:
        if name.endswith("_ID"):
            key = f.s(name)
            if key:
                return oc.lookup(f.ctx, "item_number", key, f.at(name))
        else:
            text = f.s(name)
            if text:
                return text
    raise MappingError("row names no item", code="missing_field", path=f.at(names[0]))


def job_of(f: Fields, name_field: str, id_field: str) -> str:
    """The job (order) name, else the job's WIP_ENTITY_ID through the lookup table ``job_order``."""
    name = f.s(name_field)
    if name:
        return name
    key = f.s(id_field)
    if key:
        return oc.lookup(f.ctx, "job_order", key, f.at(id_field))
    raise MappingError(f"row names no job ({name_field} or {id_field})", code="missing_field", path=f.at(name_field))


def state_of(f: Fields, table: str) -> tuple[PostingState, str | None]:
    """The posting state of a row from its status column (MTI ``PROCESS_FLAG``, the WIP tables ``PROCESS_STATUS``)."""
    column, name = ("PROCESS_FLAG", "process_flags") if table == "MTL_TRANSACTIONS_INTERFACE" else \
        ("PROCESS_STATUS", "process_statuses")
    raw = f.s(column)
    if raw is None:
        return PostingState.REQUESTED, None
    return oc.enum_code(f.ctx, name, raw, PostingState, PostingState.OTHER), raw


def is_outcome(state: PostingState) -> bool:
    return state in (PostingState.POSTED, PostingState.FAILED, PostingState.CANCELLED)


def outcome(f: Fields, result: MappingResult, *, table: str, row_id: str, state: PostingState, raw: str | None,
            kind: RequestKind, external_id: str | None, plant: str | None, order_id: str | None = None,
            operation_id: str | None = None, document_id: str | None = None, records: int = 1) -> None:
    """A processed interface row as a ``PostingSucceeded`` / ``PostingFailed`` naming the request it answers."""
    messages = []
    text = f.s("ERROR_MESSAGE") or f.s("ERROR_EXPLANATION")
    code = f.s("ERROR_CODE")
    if text or code:
        messages.append({"severity": MessageSeverity.ERROR if state is PostingState.FAILED else MessageSeverity.WARNING,
                         "code": code, "text": text, "target": f.s("ERROR_COLUMN")})
    processed = f.instant("LAST_UPDATE_DATE", plant) or f.ctx.received_at
    if processed is None:
        raise MappingError("a processed interface row without LAST_UPDATE_DATE (and no received time)",
                           code="missing_field", path=f.at("LAST_UPDATE_DATE"))
    data = {
        "result_id": f"{table}/{row_id}",
        "outcome": state,
        "outcome_source_code": raw,
        "request_kind": kind,
        "request_kind_source_code": table,
        "request_external_id": external_id,
        "target_system": f.ctx.source_system,
        "target_document_id": document_id if state is PostingState.POSTED else None,
        "plant": plant,
        "order_id": order_id,
        "operation_id": operation_id,
        "messages": messages,
        "requested_at": f.instant("CREATION_DATE", plant),
        "processed_at": processed,
        "source": oc.source(f.ctx, f"EBS:{table}", row_id),
    }
    oc.emit_outcome(result, data, records=records)


def job(f: Fields, result: MappingResult) -> None:
    """One ``WIP_JOB_SCHEDULE_INTERFACE`` row: a pending row is the order; a processed one its outcome."""
    ctx = f.ctx
    plant = plant_of(f)
    order_id = job_of(f, "JOB_NAME", "WIP_ENTITY_ID")
    row_id = "/".join(x for x in (f.s("GROUP_ID"), f.s("SOURCE_LINE_ID") or f.s("INTERFACE_ID")) if x) or order_id
    state, raw = state_of(f, WJSI)
    if is_outcome(state):
        outcome(f, result, table=WJSI, row_id=row_id, state=state, raw=raw, kind=RequestKind.OTHER,
                external_id=order_id, plant=plant, order_id=order_id, document_id=f.s("WIP_ENTITY_ID"))
        return
    material_id = item_of(f, "PRIMARY_ITEM_SEGMENTS", "PRIMARY_ITEM_ID")
    unit_text = oc.lookup(ctx, "item_base_unit", material_id, f.at("START_QUANTITY"))
    quantity = f.qty("START_QUANTITY", unit_text, "START_QUANTITY")
    if quantity is None:
        raise MappingError("job without START_QUANTITY", code="missing_field", path=f.at("START_QUANTITY"))
    status_raw = f.s("STATUS_TYPE")
    status = oc.enum_code(ctx, "job_statuses", status_raw, OrderStatus, OrderStatus.OTHER) if status_raw \
        else OrderStatus.OTHER
    net = f.dec("NET_QUANTITY")
    subinventory = f.s("COMPLETION_SUBINVENTORY")
    locator = f.s("COMPLETION_LOCATOR_SEGMENTS")
    priority = f.s("PRIORITY")
    changed = f.s("LAST_UPDATE_DATE")

    def prop(name: str, value: Any, data_type: str = "string", uom: str | None = None) -> dict[str, Any] | None:
        return None if value is None else {"name": name, "value": str(value), "data_type": data_type, "uom": uom}

    order = {
        "order_id": order_id,
        "plant": plant,
        "source_order_id": f.s("WIP_ENTITY_ID"),
        "description": f.s("DESCRIPTION"),
        "order_type": f.s("CLASS_CODE"),
        "status": status,
        "status_source_code": status_raw,
        "material_id": material_id,
        "planned_quantity": quantity,
        "planned_start_at": f.instant("FIRST_UNIT_START_DATE", plant),
        "planned_end_at": f.instant("LAST_UNIT_COMPLETION_DATE", plant),
        "due_at": f.instant("DUE_DATE", plant),
        "priority": oc.priority(ctx, priority),
        "priority_source_code": priority,
        "receipt_location": {"plant": plant, "storage_location": subinventory, "bin": locator}
        if subinventory or locator else None,
        "routing_id": f.s("ALTERNATE_ROUTING_DESIGNATOR"),
        "bom_id": f.s("ALTERNATE_BOM_DESIGNATOR"),
        "revision": changed,
        "properties": [p for p in (
            prop("oracle.load_type", f.s("LOAD_TYPE")),
            prop("oracle.net_quantity", net, "decimal", quantity["uom"] if net is not None else None),
            prop("oracle.group_id", f.s("GROUP_ID")),
            prop("oracle.source_code", f.s("SOURCE_CODE")),
            prop("oracle.allow_explosion", f.s("ALLOW_EXPLOSION")),
            prop("oracle.bom_revision", f.s("BOM_REVISION")),
            prop("oracle.routing_revision", f.s("ROUTING_REVISION")),
        ) if p is not None],
        "source": oc.source(ctx, f"EBS:{WJSI}", row_id, revision=changed),
    }
    time = oc.event_time(result, ctx, f.p or "/", f.instant("LAST_UPDATE_DATE", plant),
                         f.instant("CREATION_DATE", plant))
    oc.emit(result, oc.order_event(status), order, ProductionOrder, time)
