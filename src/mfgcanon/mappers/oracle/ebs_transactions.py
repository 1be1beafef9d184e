"""EBS material and move transactions, both ways: ``MTL_TRANSACTIONS_INTERFACE`` rows (with their
``MTL_TRANSACTION_LOTS_INTERFACE`` / ``MTL_SERIAL_NUMBERS_INTERFACE`` rows, joined by
``TRANSACTION_INTERFACE_ID``) <-> movements, ``WIP_MOVE_TXN_INTERFACE`` rows <-> confirmations.

Outbound rows carry what the managers poll for: MTI ``PROCESS_FLAG`` 1, ``LOCK_FLAG`` 2, ``TRANSACTION_MODE`` 3,
``SOURCE_CODE``/``SOURCE_HEADER_ID``/``SOURCE_LINE_ID``, the transaction type with its source type (5 = WIP) and
action; WIP moves ``PROCESS_PHASE`` 1, ``PROCESS_STATUS`` 1. Quantities are signed as EBS wants them (issues
negative); dates are written in the organization's local time, as EBS keeps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.oracle import common as oc
from mfgcanon.mappers.oracle import ebs_jobs as ej
from mfgcanon.mappers.oracle.common import Fields
from mfgcanon.mappers.oracle.ebs_rows import LOTS, MTI, SERIALS, WMTI
from mfgcanon.mappers.oracle.fusion_transactions import movement_event, split_id, system_code
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import ProductionConfirmed
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.posting import PostingState, RequestKind

_STEP_BUCKETS = {"to_move": "yield", "reject": "rejected", "scrap": "scrap"}
_BUCKET_STEPS = {"yield": 3, "rejected": 4, "scrap": 5}


def numeric_id(text: str, digits: int = 12) -> int:
    """A stable numeric id for a text key (EBS id columns are numbers): the text itself when all digits."""
    if text.isdigit() and len(text) <= 15:
        return int(text)
    number: int = int(helpers.derived_id(text, length=16), 16) % 10**digits
    return number


def local(moment: datetime, ctx: MappingContext, plant: str) -> str:
    """An instant as an EBS date: the organization's wall-clock time, no offset."""
    return moment.astimezone(ctx.zone_for(plant)).replace(tzinfo=None).isoformat(sep=" ")


def movement_id_of(f: Fields) -> tuple[str, str | None]:
    """The movement id (and its posting external id): ``TRANSACTION_REFERENCE/SOURCE_LINE_ID`` (the sender's
    reference, as Fusion's ``SourceHeaderReference/SourceLineReference``), else
    ``SOURCE_CODE/SOURCE_HEADER_ID/SOURCE_LINE_ID``, else the interface id."""
    reference, line = f.s("TRANSACTION_REFERENCE"), f.s("SOURCE_LINE_ID")
    if reference:
        identifier = f"{reference}/{line}" if line else reference
        return identifier, identifier
    parts = [f.s("SOURCE_CODE"), f.s("SOURCE_HEADER_ID"), line]
    if all(parts):
        identifier = "/".join(str(p) for p in parts)
        return identifier, identifier
    return f.need("TRANSACTION_INTERFACE_ID", "material transaction"), None


# Inbound ------------------------------------------------------------------------------------------------
def material_row(f: Fields, lots: Sequence[Fields], serial_rows: Sequence[Fields], result: MappingResult) -> None:
    """One MTI row with its lot and serial rows: a pending row is a requested movement, a failed one
    (``PROCESS_FLAG`` 3) its ``PostingFailed``."""
    ctx = f.ctx
    records = 1 + len(lots) + len(serial_rows)
    plant = ej.plant_of(f)
    movement_id, external = movement_id_of(f)
    state, raw = ej.state_of(f, MTI)
    if ej.is_outcome(state):
        ej.outcome(f, result, table=MTI, row_id=f.s("TRANSACTION_INTERFACE_ID") or movement_id, state=state, raw=raw,
                   kind=RequestKind.MATERIAL_MOVEMENT, external_id=external or movement_id, plant=plant,
                   records=records)
        return
    type_id = f.need("TRANSACTION_TYPE_ID", "material transaction")
    entry = oc.transaction_type(ctx, "mti_transaction_types", type_id, f.at("TRANSACTION_TYPE_ID"))
    for column, key in (("TRANSACTION_SOURCE_TYPE_ID", "source_type"), ("TRANSACTION_ACTION_ID", "action")):
        given = f.s(column)
        if given is not None and key in entry and given != str(entry[key]):
            raise MappingError(f"{column} {given} does not go with TRANSACTION_TYPE_ID {type_id} "
                               f"(expected {entry[key]})", code="invalid_value", path=f.at(column))
    kind = MovementType(str(entry["movement_type"]))
    side = entry.get("side")
    unit_text = f.s("TRANSACTION_UOM")
    raw_quantity = f.d.get("TRANSACTION_QUANTITY")
    if raw_quantity is None or raw_quantity == "":
        raise MappingError("material transaction without TRANSACTION_QUANTITY", code="missing_field",
                           path=f.at("TRANSACTION_QUANTITY"))
    if unit_text is None:
        raise MappingError("material transaction without TRANSACTION_UOM", code="missing_field",
                           path=f.at("TRANSACTION_UOM"))
    direction, amount = helpers.signed_quantity(raw_quantity, unit_text, ctx, packaged_units=oc.inbound_units(),
                                                path=f.at("TRANSACTION_QUANTITY"))
    quantity: dict[str, Any] = {"value": amount.value, "uom": amount.uom, "source_uom": amount.source_uom}
    if quantity["value"] and direction != ("out" if side == "from" else "in"):
        raise MappingError(f"transaction type {type_id} takes a {'negative' if side == 'from' else 'positive'} "
                           "quantity", code="invalid_value", path=f.at("TRANSACTION_QUANTITY"))
    occurred = f.instant("TRANSACTION_DATE", plant)
    if occurred is None:
        raise MappingError("material transaction without TRANSACTION_DATE", code="missing_field",
                           path=f.at("TRANSACTION_DATE"))
    order_id = None
    if str(entry.get("source_type")) == "5":
        order_id = ej.job_of(f, "TRANSACTION_SOURCE_NAME", "TRANSACTION_SOURCE_ID")
    lot_entries: list[dict[str, Any]] = []
    for lot in lots:
        part = lot.qty("TRANSACTION_QUANTITY", unit_text, "TRANSACTION_UOM", signed=True) or quantity
        expiry = lot.instant("LOT_EXPIRATION_DATE", plant)
        lot_entries.append({"lot_id": lot.need("LOT_NUMBER", "lot row"), "quantity": part,
                            "expiry_date": expiry.astimezone(ctx.zone_for(plant)).date() if expiry else None})
    numbers = [s.s("FM_SERIAL_NUMBER") or s.need("FM_SERIAL_NUMBER", "serial row") for s in serial_rows]
    lot_fields: dict[str, Any] = {}
    if len(lot_entries) == 1 and lot_entries[0]["quantity"]["value"] == quantity["value"] and \
            (side == "to" or lot_entries[0]["expiry_date"] is None):
        lot_fields = {"lot_id": lot_entries[0]["lot_id"], "expiry_date": lot_entries[0]["expiry_date"]}
    elif lot_entries:
        lot_fields = {"lots": lot_entries}
    location = {"plant": plant, "storage_location": f.s("SUBINVENTORY_CODE"), "bin": f.s("LOCATOR_NAME")}
    interface_id = f.s("TRANSACTION_INTERFACE_ID")
    data = {
        "movement_id": movement_id,
        "movement_type": kind,
        "movement_type_source_code": type_id,
        "plant": plant,
        "material_id": ej.item_of(f, "ITEM_SEGMENT1", "INVENTORY_ITEM_ID"),
        "quantity": quantity,
        **lot_fields,
        "serial_numbers": numbers,
        "from_location": location if side == "from" else None,
        "to_location": location if side == "to" else None,
        "order_id": order_id,
        "operation_id": f.s("OPERATION_SEQ_NUM"),
        "reason_code": f.s("REASON_ID"),
        "occurred_at": occurred,
        "posting": oc.requested(ctx, external, state, raw),
        "properties": [p for p in (
            {"name": "oracle.source_code", "value": f.s("SOURCE_CODE")} if f.s("SOURCE_CODE") else None,
            {"name": "oracle.transaction_interface_id", "value": interface_id} if interface_id else None,
            {"name": "oracle.final_completion", "value": f.s("FINAL_COMPLETION_FLAG")}
            if f.s("FINAL_COMPLETION_FLAG") else None,
        ) if p is not None],
        "source": oc.source(ctx, f"EBS:{MTI}", movement_id),
    }
    oc.emit(result, movement_event(kind), data, MaterialMovement, occurred, records=records)


def _move(f: Fields) -> tuple[str, str, bool]:
    """A move row's operation, bucket (yield, scrap, rejected) and whether it reverses one."""
    steps = oc.codes(f.ctx, "intraoperation_steps")
    fm_op, to_op = f.integer("FM_OPERATION_SEQ_NUM"), f.integer("TO_OPERATION_SEQ_NUM")
    fm_step = steps.get(f.s("FM_INTRAOPERATION_STEP_TYPE") or "")
    to_step = steps.get(f.s("TO_INTRAOPERATION_STEP_TYPE") or "")
    if fm_op is None or to_op is None:
        raise MappingError("move row without FM_/TO_OPERATION_SEQ_NUM", code="missing_field",
                           path=f.at("FM_OPERATION_SEQ_NUM"))
    if to_step in _STEP_BUCKETS and to_op == fm_op and fm_step in ("queue", "run"):
        return str(fm_op), _STEP_BUCKETS[to_step], False
    if to_op > fm_op and fm_step in ("queue", "run", "to_move") and to_step in ("queue", "run"):
        return str(fm_op), "yield", False
    if to_op == fm_op and fm_step in _STEP_BUCKETS and to_step in ("queue", "run"):
        return str(fm_op), _STEP_BUCKETS[fm_step], True
    raise MappingError(f"move from operation {fm_op} ({fm_step}) to {to_op} ({to_step}) is not a completion, scrap, "
                       "reject or their reversal at one operation", code="invalid_value",
                       path=f.at("TO_INTRAOPERATION_STEP_TYPE"))


def confirmation_key(f: Fields) -> str:
    """Rows of one confirmation share ``REFERENCE``, else ``SOURCE_CODE/GROUP_ID``."""
    reference = f.s("REFERENCE")
    if reference:
        return reference
    return "/".join(x for x in (f.s("SOURCE_CODE"), f.need("GROUP_ID", "move row")) if x)


def move_rows(rows: Sequence[Fields], key: str, result: MappingResult) -> None:
    """The pending move rows of one confirmation (one ``REFERENCE`` / group): one requested confirmation."""
    head: tuple[str, str, str] | None = None
    reversal: bool | None = None
    amounts: dict[str, Any] = {}
    ended: datetime | None = None
    reason = None
    state, raw = PostingState.REQUESTED, None
    for f in rows:
        plant = ej.plant_of(f)
        order_id = ej.job_of(f, "WIP_ENTITY_NAME", "WIP_ENTITY_ID")
        operation, bucket, back = _move(f)
        if head is None:
            head = (plant, order_id, operation)
        elif head != (plant, order_id, operation):
            raise MappingError(f"the rows of {key!r} name different operations: one group is one confirmation",
                               code="constraint_violation", path=f.at("FM_OPERATION_SEQ_NUM"))
        if reversal is not None and back != reversal:
            raise MappingError(f"{key!r} mixes reversals and forward moves", code="constraint_violation",
                               path=f.at("TO_INTRAOPERATION_STEP_TYPE"))
        reversal = back
        if bucket in amounts:
            raise MappingError(f"{key!r} moves {bucket} quantity twice", code="constraint_violation",
                               path=f.at("TO_INTRAOPERATION_STEP_TYPE"))
        amounts[bucket] = f.qty("TRANSACTION_QUANTITY", f.s("TRANSACTION_UOM"), "TRANSACTION_UOM")
        if amounts[bucket] is None:
            raise MappingError("move row without TRANSACTION_QUANTITY", code="missing_field",
                               path=f.at("TRANSACTION_QUANTITY"))
        moment = f.instant("TRANSACTION_DATE", plant)
        if moment is None:
            raise MappingError("move row without TRANSACTION_DATE", code="missing_field", path=f.at("TRANSACTION_DATE"))
        ended = moment if ended is None or moment > ended else ended
        reason = reason or f.s("REASON_NAME")
        state, raw = ej.state_of(f, WMTI)
    assert head is not None
    assert ended is not None
    plant, order_id, operation = head
    first = next(iter(amounts.values()))
    ctx = rows[0].ctx
    source_code = rows[0].s("SOURCE_CODE")
    data = {
        "confirmation_id": key,
        "order_id": order_id,
        "operation_id": operation,
        "plant": plant,
        "yield_quantity": amounts.get("yield") or {"value": Decimal(0), "uom": first["uom"],
                                                   "source_uom": first["source_uom"]},
        "scrap_quantity": amounts.get("scrap"),
        "rejected_quantity": amounts.get("rejected"),
        "scrap_reason_code": reason,
        "ended_at": ended,
        "is_reversal": bool(reversal),
        "posting": oc.requested(ctx, key, state, raw),
        "properties": [{"name": "oracle.source_code", "value": source_code}] if source_code else [],
        "source": oc.source(ctx, f"EBS:{WMTI}", key),
    }
    oc.emit(result, ProductionConfirmed, data, ProductionConfirmation, ended, records=len(rows))


def move_outcome(f: Fields, result: MappingResult, state: PostingState, raw: str | None) -> None:
    plant = ej.plant_of(f)
    key = confirmation_key(f)
    row_id = f.s("TRANSACTION_ID") or f"{key}/{f.s('SOURCE_LINE_ID') or '-'}"
    ej.outcome(f, result, table=WMTI, row_id=row_id, state=state, raw=raw, kind=RequestKind.CONFIRMATION,
               external_id=key, plant=plant, order_id=ej.job_of(f, "WIP_ENTITY_NAME", "WIP_ENTITY_ID"),
               operation_id=f.s("FM_OPERATION_SEQ_NUM"))


# Outbound -----------------------------------------------------------------------------------------------
def _reason_id(code: str | None, ctx: MappingContext) -> int | None:
    if code is None:
        return None
    if code.isdigit():
        return int(code)
    return int(oc.lookup(ctx, "reason_id", code, "reason_code"))


def _prop(entity: Any, name: str) -> str | None:
    return next((p.value for p in entity.properties if p.name == name and p.value), None)


def material_rows(m: MaterialMovement, ctx: MappingContext, mapper: str) -> dict[str, list[dict[str, Any]]]:
    """A movement as its MTI row and lot / serial rows (a reversal of an issue is a WIP component return, of a
    completion a WIP assembly return)."""
    kind = m.movement_type.value
    side = "to" if m.to_location is not None and m.from_location is None else "from"
    if m.is_reversal and m.movement_type in (MovementType.GOODS_ISSUE, MovementType.GOODS_RECEIPT):
        kind, side = "return", "to" if m.movement_type is MovementType.GOODS_ISSUE else "from"
    type_id, entry = oc.transaction_type_out(ctx, "mti_transaction_types", kind, side)
    wip = str(entry.get("source_type")) == "5"
    if wip and not m.order_id:
        raise MappingError(f"movement {m.movement_id!r}: a WIP transaction ({type_id}) needs its order",
                           code="unmappable_value", path="order_id")
    header, line = split_id(m.movement_id)
    kept = _prop(m, "oracle.transaction_interface_id")
    interface_id = int(kept) if kept and kept.isdigit() else numeric_id(m.movement_id)
    location = m.from_location if side == "from" else m.to_location
    sign = -1 if side == "from" else 1
    row: dict[str, Any] = {
        "TRANSACTION_INTERFACE_ID": interface_id,
        "SOURCE_CODE": system_code(ctx, m, "source_code", "oracle.source_code", mapper),
        "SOURCE_HEADER_ID": numeric_id(header),
        "SOURCE_LINE_ID": int(line) if line else 1,
        "PROCESS_FLAG": 1,
        "LOCK_FLAG": 2,
        "TRANSACTION_MODE": 3,
        "ORGANIZATION_ID": int(oc.lookup(ctx, "organization_id", m.plant, "plant")),
        "ITEM_SEGMENT1": m.material_id,
        "SUBINVENTORY_CODE": location.storage_location if location else None,
        "LOCATOR_NAME": location.bin if location else None,
        "TRANSACTION_QUANTITY": sign * m.quantity.value,
        "TRANSACTION_UOM": oc.unit_out(m.quantity, "codes", ctx),
        "TRANSACTION_DATE": local(m.occurred_at, ctx, m.plant),
        "TRANSACTION_TYPE_ID": int(type_id),
        "TRANSACTION_SOURCE_TYPE_ID": entry.get("source_type"),
        "TRANSACTION_ACTION_ID": entry.get("action"),
    }
    if wip:
        job_id = ctx.lookup_optional("job_id", str(m.order_id))
        if isinstance(job_id, str):
            row["TRANSACTION_SOURCE_ID"] = int(job_id)
        else:
            row["TRANSACTION_SOURCE_NAME"] = m.order_id
        row["WIP_ENTITY_TYPE"] = 1
        row["OPERATION_SEQ_NUM"] = int(m.operation_id) if m.operation_id and m.operation_id.isdigit() else None
        if type_id == "44":
            row["FINAL_COMPLETION_FLAG"] = _prop(m, "oracle.final_completion") or "N"
    row["TRANSACTION_REFERENCE"] = header
    row["REASON_ID"] = _reason_id(m.reason_code, ctx)
    lots = list(m.lots) if m.lots else []
    lot_rows = [{"TRANSACTION_INTERFACE_ID": interface_id, "LOT_NUMBER": lot.lot_id,
                 "TRANSACTION_QUANTITY": lot.quantity.value,
                 "LOT_EXPIRATION_DATE": f"{lot.expiry_date.isoformat()} 00:00:00" if lot.expiry_date else None}
                for lot in lots]
    if not lots and m.lot_id:
        lot_rows = [{"TRANSACTION_INTERFACE_ID": interface_id, "LOT_NUMBER": m.lot_id,
                     "TRANSACTION_QUANTITY": m.quantity.value,
                     "LOT_EXPIRATION_DATE": f"{m.expiry_date.isoformat()} 00:00:00" if m.expiry_date else None}]
    serial_rows = [{"TRANSACTION_INTERFACE_ID": interface_id, "FM_SERIAL_NUMBER": s, "TO_SERIAL_NUMBER": s}
                   for s in m.serial_numbers]
    return {
        MTI: [{k: v for k, v in row.items() if v is not None}],
        LOTS: [{k: v for k, v in r.items() if v is not None} for r in lot_rows],
        SERIALS: serial_rows,
    }


def move_rows_out(c: ProductionConfirmation, ctx: MappingContext, mapper: str) -> list[dict[str, Any]]:
    """A confirmation as WIP move rows at its operation: queue -> to move (yield), -> reject, -> scrap; a
    reversal moves the quantities back to the queue."""
    if c.operation_id is None or not c.operation_id.isdigit():
        raise MappingError(f"confirmation {c.confirmation_id!r} needs a numeric operation (FM_OPERATION_SEQ_NUM)",
                           code="unmappable_value", path="operation_id")
    moment = c.ended_at or c.started_at or c.recorded_at
    if moment is None:
        raise MappingError(f"confirmation {c.confirmation_id!r} has no time (ended_at)", code="unmappable_value",
                           path="ended_at")
    head, _, tail = c.confirmation_id.rpartition("/")
    plain_group = bool(head) and tail.isdigit() and "/" not in head
    parts = [("yield", c.yield_quantity), ("scrap", c.scrap_quantity), ("rejected", c.rejected_quantity)]
    moves = [(bucket, q) for bucket, q in parts if q is not None and q.value]
    if not any(b == "yield" for b, _ in moves) and not moves:
        moves.insert(0, ("yield", c.yield_quantity))
    operation = int(c.operation_id)
    rows = []
    for line, (bucket, quantity) in enumerate(moves, 1):
        step = _BUCKET_STEPS[bucket]
        row: dict[str, Any] = {
            "GROUP_ID": int(tail) if plain_group else numeric_id(c.confirmation_id),
            "SOURCE_CODE": head if plain_group else system_code(ctx, c, "source_code", "oracle.source_code", mapper),
            "SOURCE_LINE_ID": line,
            "PROCESS_PHASE": 1,
            "PROCESS_STATUS": 1,
            "TRANSACTION_TYPE": 1,
            "ORGANIZATION_CODE": c.plant,
            "WIP_ENTITY_NAME": c.order_id,
            "ENTITY_TYPE": 1,
            "TRANSACTION_DATE": local(moment, ctx, c.plant),
            "TRANSACTION_QUANTITY": quantity.value,
            "TRANSACTION_UOM": oc.unit_out(quantity, "codes", ctx),
            "FM_OPERATION_SEQ_NUM": operation,
            "FM_INTRAOPERATION_STEP_TYPE": step if c.is_reversal else 1,
            "TO_OPERATION_SEQ_NUM": operation,
            "TO_INTRAOPERATION_STEP_TYPE": 1 if c.is_reversal else step,
            "REFERENCE": None if plain_group else c.confirmation_id,
            "REASON_NAME": c.scrap_reason_code if bucket != "yield" else None,
        }
        rows.append({k: v for k, v in row.items() if v is not None})
    return rows


def group_rows(rows: Sequence[Fields]) -> dict[str, list[Fields]]:
    groups: dict[str, list[Fields]] = {}
    for f in rows:
        groups.setdefault(confirmation_key(f), []).append(f)
    return groups


def join_key(f: Fields) -> str | None:
    return f.s("TRANSACTION_INTERFACE_ID")


def rows_of(tables: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {name: rows for name, rows in tables.items() if rows}
