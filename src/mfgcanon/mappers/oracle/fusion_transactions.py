"""Fusion production and inventory transactions, both ways: ``operationTransactions`` (dispatch-state moves)
<-> confirmations, ``materialTransactions`` (issue, return, completion) and ``inventoryStagedTransactions``
(miscellaneous issues and receipts) <-> movements. Every body is a request to Oracle: posting state
``requested``, the sender's references (``SourceHeaderReference``/``SourceLineReference``,
``TransactionReference``) as the external id."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.oracle import common as oc
from mfgcanon.mappers.oracle.common import Fields
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import InventoryMoved, InventoryReceived, MaterialIssued, MaterialScrapped, ProductionConfirmed
from mfgcanon.v1.inventory import MaterialMovement, MovementType

_FORWARD = {"COMPLETE": "yield", "SCRAP": "scrap", "REJECT": "rejected"}
_BACK = frozenset({"READY", "QUEUE", "RUN"})
_STATES = {"yield": "COMPLETE", "scrap": "SCRAP", "rejected": "REJECT"}
MOVEMENT_EVENTS: dict[MovementType, type[Any]] = {
    MovementType.GOODS_ISSUE: MaterialIssued,
    MovementType.SCRAP: MaterialScrapped,
    MovementType.GOODS_RECEIPT: InventoryReceived,
}


def movement_event(kind: MovementType) -> type[Any]:
    return MOVEMENT_EVENTS.get(kind, InventoryMoved)


def iso(moment: datetime) -> str:
    """An instant as Oracle takes it: ISO 8601 with its offset (UTC)."""
    return moment.astimezone(UTC).isoformat()


def split_id(identifier: str) -> tuple[str, str | None]:
    """A movement id ``HEADER/LINE`` (the line all digits) as its header and line; else the whole id, no line."""
    head, _, tail = identifier.rpartition("/")
    if head and tail.isdigit():
        return head, tail
    return identifier, None


def serials(f: Fields, name: str) -> list[str]:
    found = []
    for where, data in f.children(name):
        s = f.sub(data, where)
        found.append(s.s("SerialNumber") or s.need("FromSerialNumber", "serial"))
    return found


def _prop(name: str, value: str | None) -> list[dict[str, Any]]:
    return [{"name": name, "value": value}] if value else []


def _prop_of(entity: Any, name: str) -> str | None:
    return next((p.value for p in entity.properties if p.name == name and p.value), None)


def system_code(ctx: MappingContext, entity: Any, setting: str, prop: str, mapper: str) -> str:
    """The MES's source code in Oracle: the connection's ``[vendors.<mapper>] <setting>``, else the one the
    entity was read with (property ``prop``); else ``invalid_context`` naming the setting to add."""
    value = ctx.vendor(mapper).get(setting) or _prop_of(entity, prop)
    if not isinstance(value, str) or not value:
        raise MappingError(f"no {setting}: add {setting} = \"...\" to [vendors.{mapper}] in the mapping context",
                           code="invalid_context", path=f"vendors.{mapper}.{setting}")
    return value


# Inbound ------------------------------------------------------------------------------------------------
def operation_transactions(f: Fields, result: MappingResult, mapper: str) -> None:
    """``OperationTransactionDetail`` rows grouped by ``SourceHeaderReference``: one confirmation each."""
    code = f.s("SourceSystemCode")
    groups: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    details = f.children("OperationTransactionDetail")
    if not details:
        raise MappingError("operationTransactions body without OperationTransactionDetail", code="missing_field",
                           path=f.at("OperationTransactionDetail"))
    for index, (where, data) in enumerate(details):
        header = data.get("SourceHeaderReference")
        key = header if isinstance(header, str) and header.strip() else f"#{index}"
        groups.setdefault(key, []).append((where, data))
    for key, members in groups.items():
        pointer = members[0][0] if len(members) == 1 else f.at("OperationTransactionDetail")
        oc.guard(result, mapper, pointer, [d for _, d in members],
                 functools.partial(_confirmation, f, key, members, code, result), records=len(members))


def _confirmation(f: Fields, key: str, members: Sequence[tuple[str, Mapping[str, Any]]], code: str | None,
                  result: MappingResult) -> None:
    ctx = f.ctx
    head: tuple[str, str, str] | None = None
    reversal: bool | None = None
    amounts: dict[str, Any] = {}
    ended: datetime | None = None
    reason = None
    final = False
    numbers: list[str] = []
    for where, data in members:
        d = f.sub(data, where)
        plant = oc.organization(d)
        order_id = d.need("WorkOrderNumber", "operation transaction")
        operation = d.need("WoOperationSequenceNumber", "operation transaction")
        if head is None:
            head = (plant, order_id, operation)
        elif head != (plant, order_id, operation):
            raise MappingError(f"the details of {key!r} name different operations ({head} and "
                               f"{(plant, order_id, operation)}): one header reference is one confirmation",
                               code="constraint_violation", path=d.at("WoOperationSequenceNumber"))
        from_state = (d.s("FromDispatchState") or "READY").upper()
        to_state = d.need("ToDispatchState", "operation transaction").upper()
        if to_state in _FORWARD and from_state in _BACK:
            bucket, back = _FORWARD[to_state], False
        elif from_state in _FORWARD and to_state in _BACK:
            bucket, back = _FORWARD[from_state], True
        else:
            raise MappingError(f"dispatch move {from_state} -> {to_state} is not a completion, scrap, reject or "
                               "their reversal", code="invalid_value", path=d.at("ToDispatchState"))
        if reversal is not None and reversal != back:
            raise MappingError(f"{key!r} mixes reversals and forward moves: send them under two header references",
                               code="constraint_violation", path=d.at("FromDispatchState"))
        reversal = back
        if bucket in amounts:
            raise MappingError(f"{key!r} moves {_STATES[bucket]} quantity twice", code="constraint_violation",
                               path=d.at("ToDispatchState"))
        unit_text = d.s("TransactionUnitOfMeasure") or d.s("TransactionUOMCode")
        unit_field = "TransactionUnitOfMeasure" if d.s("TransactionUnitOfMeasure") else "TransactionUOMCode"
        amounts[bucket] = d.qty("TransactionQuantity", unit_text, unit_field)
        if amounts[bucket] is None:
            raise MappingError("operation transaction has no TransactionQuantity", code="missing_field",
                               path=d.at("TransactionQuantity"))
        moment = d.instant("TransactionDate", plant)
        if moment is None:
            raise MappingError("operation transaction has no TransactionDate", code="missing_field",
                               path=d.at("TransactionDate"))
        ended = moment if ended is None or moment > ended else ended
        reason = reason or d.s("ReasonCode")
        final = final or bool(d.flag("CompleteOperationFlag"))
        if bucket == "yield":
            numbers = serials(d, "TransactionSerial")
            subinventory = d.s("ComplSubinventoryCode")
            if subinventory:
                amounts["subinventory"] = subinventory
    assert head is not None
    assert ended is not None
    plant, order_id, operation = head
    first = next(iter(v for k, v in amounts.items() if k != "subinventory"))
    confirmation_id = key if not key.startswith("#") else \
        f"{order_id}/{operation}/{helpers.derived_id(*(sorted(map(str, members))), length=16)}"
    data = {
        "confirmation_id": confirmation_id,
        "order_id": order_id,
        "operation_id": operation,
        "plant": plant,
        "yield_quantity": amounts.get("yield") or {"value": Decimal(0), "uom": first["uom"],
                                                   "source_uom": first["source_uom"]},
        "scrap_quantity": amounts.get("scrap"),
        "rejected_quantity": amounts.get("rejected"),
        "serial_numbers": numbers,
        "scrap_reason_code": reason,
        "is_final": final,
        "ended_at": ended,
        "is_reversal": bool(reversal),
        "posting": oc.requested(ctx, None if key.startswith("#") else key),
        "properties": _prop("oracle.source_system_code", code)
        + _prop("oracle.completion_subinventory", amounts.get("subinventory")),
        "source": oc.source(ctx, "FUSION:operationTransactions", confirmation_id),
    }
    oc.emit(result, ProductionConfirmed, data, ProductionConfirmation, ended, records=len(members))


def material_transactions(f: Fields, result: MappingResult, mapper: str) -> None:
    code = f.s("SourceSystemCode")
    details = f.children("MaterialTransactionDetail")
    if not details:
        raise MappingError("materialTransactions body without MaterialTransactionDetail", code="missing_field",
                           path=f.at("MaterialTransactionDetail"))
    for where, data in details:
        d = f.sub(data, where)
        oc.guard(result, mapper, where, data, functools.partial(_material_transaction, d, code, result))


def _lots(d: Fields, name: str, unit_text: str | None, unit_field: str) -> list[dict[str, Any]]:
    lots = []
    for where, data in d.children(name):
        lot = d.sub(data, where)
        lots.append({"lot_id": lot.need("LotNumber", "lot"),
                     "quantity": lot.qty("TransactionQuantity", unit_text, unit_field, signed=True),
                     "serial_numbers": serials(lot, "TransactionSerial")})
    return lots


def _lot_fields(lots: list[dict[str, Any]], quantity: Any) -> dict[str, Any]:
    """One lot of the whole quantity is ``lot_id``; several (or a part) go to ``lots``."""
    if len(lots) == 1 and (lots[0]["quantity"] is None or lots[0]["quantity"]["value"] == quantity["value"]) \
            and not lots[0]["serial_numbers"]:
        return {"lot_id": lots[0]["lot_id"]}
    for lot in lots:
        if lot["quantity"] is None:
            lot["quantity"] = quantity
    return {"lots": lots} if lots else {}


def _material_transaction(d: Fields, code: str | None, result: MappingResult) -> None:
    ctx = d.ctx
    plant = oc.organization(d)
    type_code = d.need("TransactionTypeCode", "material transaction")
    entry = oc.transaction_type(ctx, "material_transaction_types", type_code, d.at("TransactionTypeCode"))
    kind = MovementType(str(entry["movement_type"]))
    unit_text = d.s("TransactionUOMCode") or d.s("TransactionUnitOfMeasure")
    unit_field = "TransactionUOMCode" if d.s("TransactionUOMCode") else "TransactionUnitOfMeasure"
    quantity = d.qty("TransactionQuantity", unit_text, unit_field)
    if quantity is None:
        raise MappingError("material transaction has no TransactionQuantity", code="missing_field",
                           path=d.at("TransactionQuantity"))
    occurred = d.instant("TransactionDate", plant)
    if occurred is None:
        raise MappingError("material transaction has no TransactionDate", code="missing_field",
                           path=d.at("TransactionDate"))
    header, line = d.s("SourceHeaderReference"), d.s("SourceLineReference")
    movement_id = (f"{header}/{line}" if line else header) if header else \
        helpers.derived_id(*sorted(map(str, d.d.items())), length=32)
    location = {"plant": plant, "storage_location": d.s("SubinventoryCode"), "bin": d.s("Locator")}
    data = {
        "movement_id": movement_id,
        "movement_type": kind,
        "movement_type_source_code": type_code,
        "plant": plant,
        "material_id": d.need("InventoryItemNumber", "material transaction"),
        "quantity": quantity,
        **_lot_fields(_lots(d, "TransactionLot", unit_text, unit_field), quantity),
        "serial_numbers": serials(d, "TransactionSerial"),
        "from_location": location if entry.get("side") == "from" else None,
        "to_location": location if entry.get("side") == "to" else None,
        "order_id": d.s("WorkOrderNumber"),
        "operation_id": d.s("WoOperationSequenceNumber"),
        "reason_code": d.s("ReasonCode"),
        "occurred_at": occurred,
        "posting": oc.requested(ctx, movement_id if header else None),
        "properties": _prop("oracle.source_system_code", code),
        "source": oc.source(ctx, "FUSION:materialTransactions", header or movement_id, line=line),
    }
    oc.emit(result, movement_event(kind), data, MaterialMovement, occurred)


def staged_transaction(d: Fields, result: MappingResult) -> None:
    """One ``inventoryStagedTransactions`` body: a signed quantity (negative issues), the organization by
    code, id or name (lookups), lots and serials in ``lots`` / ``serials``."""
    ctx = d.ctx
    plant = oc.organization(d)
    type_name = d.need("TransactionTypeName", "staged transaction")
    entry = oc.transaction_type(ctx, "staged_transaction_types", type_name, d.at("TransactionTypeName"))
    kind = MovementType(str(entry["movement_type"]))
    unit_text = d.s("TransactionUnitOfMeasure") or d.s("TransactionUOMCode")
    unit_field = "TransactionUnitOfMeasure" if d.s("TransactionUnitOfMeasure") else "TransactionUOMCode"
    raw = d.d.get("TransactionQuantity")
    if raw is None:
        raise MappingError("staged transaction has no TransactionQuantity", code="missing_field",
                           path=d.at("TransactionQuantity"))
    if unit_text is None:
        raise MappingError("staged transaction has no unit", code="missing_field", path=d.at(unit_field))
    direction, amount = helpers.signed_quantity(raw, unit_text, ctx, packaged_units=oc.inbound_units(),
                                                path=d.at("TransactionQuantity"))
    wanted = "out" if entry.get("side") == "from" else "in"
    if direction != wanted and amount.value:
        raise MappingError(f"a {type_name} needs a {'negative' if wanted == 'out' else 'positive'} quantity, "
                           f"got {raw}", code="invalid_value", path=d.at("TransactionQuantity"))
    quantity = {"value": amount.value, "uom": amount.uom, "source_uom": amount.source_uom}
    occurred = d.instant("TransactionDate", plant)
    if occurred is None:
        raise MappingError("staged transaction has no TransactionDate", code="missing_field",
                           path=d.at("TransactionDate"))
    reference = d.s("TransactionReference")
    source_code = d.s("SourceCode")
    movement_id = reference or "/".join(str(x) for x in (source_code, d.need("SourceHeaderId", "staged transaction"),
                                                             d.s("SourceLineId")) if x)
    location = {"plant": plant, "storage_location": d.s("SubinventoryCode"), "bin": d.s("LocatorName")}
    data = {
        "movement_id": movement_id,
        "movement_type": kind,
        "movement_type_source_code": type_name,
        "plant": plant,
        "material_id": d.need("ItemNumber", "staged transaction"),
        "quantity": quantity,
        **_lot_fields(_lots(d, "lots", unit_text, unit_field), quantity),
        "serial_numbers": serials(d, "serials"),
        "from_location": location if entry.get("side") == "from" else None,
        "to_location": location if entry.get("side") == "to" else None,
        "reason_code": d.s("ReasonName"),
        "occurred_at": occurred,
        "posting": oc.requested(ctx, movement_id),
        "properties": _prop("oracle.source_code", source_code) + _prop("oracle.account_alias",
                                                                          d.s("AccountAliasName")),
        "source": oc.source(ctx, "FUSION:inventoryStagedTransactions", movement_id),
    }
    oc.emit(result, movement_event(kind), data, MaterialMovement, occurred)


# Outbound -----------------------------------------------------------------------------------------------
def _number(text: str | None) -> int | str | None:
    return int(text) if text is not None and text.isdigit() else text


def confirmation_details(c: ProductionConfirmation, ctx: MappingContext) -> list[dict[str, Any]]:
    """A confirmation as ``OperationTransactionDetail`` rows: READY -> COMPLETE / SCRAP / REJECT, or the
    reverse (COMPLETE -> READY ...) for a reversal."""
    if c.operation_id is None:
        raise MappingError(f"confirmation {c.confirmation_id!r} names no operation: operationTransactions move "
                           "an operation's quantities", code="unmappable_value", path="operation_id")
    moment = c.ended_at or c.started_at or c.recorded_at
    if moment is None:
        raise MappingError(f"confirmation {c.confirmation_id!r} has no time (ended_at)", code="unmappable_value",
                           path="ended_at")
    parts = [("yield", c.yield_quantity), ("scrap", c.scrap_quantity), ("rejected", c.rejected_quantity)]
    moves = [(bucket, q) for bucket, q in parts if q is not None and q.value]
    if not any(bucket == "yield" for bucket, _ in moves) and (not moves or c.is_final or c.serial_numbers):
        moves.insert(0, ("yield", c.yield_quantity))
    details = []
    for line, (bucket, quantity) in enumerate(moves, 1):
        state = _STATES[bucket]
        detail: dict[str, Any] = {
            "OrganizationCode": c.plant,
            "WorkOrderNumber": c.order_id,
            "WoOperationSequenceNumber": _number(c.operation_id),
            "FromDispatchState": state if c.is_reversal else "READY",
            "ToDispatchState": "READY" if c.is_reversal else state,
            "TransactionQuantity": quantity.value,
            "TransactionUnitOfMeasure": oc.unit_out(quantity, "names", ctx),
            "TransactionDate": iso(moment),
            "SourceHeaderReference": c.confirmation_id,
            "SourceLineReference": str(line),
        }
        if bucket != "yield" and c.scrap_reason_code:
            detail["ReasonCode"] = c.scrap_reason_code
        if bucket == "yield":
            if c.is_final:
                detail["CompleteOperationFlag"] = True
            subinventory = _prop_of(c, "oracle.completion_subinventory")
            if subinventory:
                detail["ComplSubinventoryCode"] = subinventory
            if c.serial_numbers:
                detail["TransactionSerial"] = [{"SerialNumber": s} for s in c.serial_numbers]
        details.append(detail)
    return details



def _side(m: MaterialMovement) -> str:
    return "to" if m.to_location is not None and m.from_location is None else "from"


def _lot_rows(m: MaterialMovement, sign: int = 1) -> list[dict[str, Any]]:
    if m.lots:
        rows = []
        for lot in m.lots:
            row: dict[str, Any] = {"LotNumber": lot.lot_id, "TransactionQuantity": sign * lot.quantity.value}
            if lot.serial_numbers:
                row["TransactionSerial"] = [{"SerialNumber": s} for s in lot.serial_numbers]
            rows.append(row)
        return rows
    if m.lot_id:
        return [{"LotNumber": m.lot_id, "TransactionQuantity": sign * m.quantity.value}]
    return []


def material_detail(m: MaterialMovement, ctx: MappingContext) -> dict[str, Any]:
    """A work-order movement as a ``MaterialTransactionDetail`` (an issue reversal is a MATERIAL_RETURN, a
    receipt reversal a PRODUCT_RETURN)."""
    kind, side = m.movement_type.value, _side(m)
    if m.is_reversal and m.movement_type in (MovementType.GOODS_ISSUE, MovementType.GOODS_RECEIPT):
        kind, side = "return", "to" if m.movement_type is MovementType.GOODS_ISSUE else "from"
    code, _ = oc.transaction_type_out(ctx, "material_transaction_types", kind, side)
    location = m.from_location if side == "from" else m.to_location
    header, line = split_id(m.movement_id)
    detail: dict[str, Any] = {
        "OrganizationCode": m.plant,
        "WorkOrderNumber": m.order_id,
        "WoOperationSequenceNumber": _number(m.operation_id),
        "InventoryItemNumber": m.material_id,
        "TransactionTypeCode": code,
        "TransactionQuantity": m.quantity.value,
        "TransactionUOMCode": oc.unit_out(m.quantity, "codes", ctx),
        "SubinventoryCode": location.storage_location if location else None,
        "Locator": location.bin if location else None,
        "TransactionDate": iso(m.occurred_at),
        "SourceHeaderReference": header,
        "SourceLineReference": line,
        "ReasonCode": m.reason_code,
        "TransactionLot": _lot_rows(m),
        "TransactionSerial": [{"SerialNumber": s} for s in m.serial_numbers],
    }
    return {k: v for k, v in detail.items() if v not in (None, [])}


def staged_body(m: MaterialMovement, ctx: MappingContext, mapper: str) -> dict[str, Any]:
    """A stock movement without an order (scrap, adjustments) as an ``inventoryStagedTransactions`` body: a
    negative quantity for issues, the organization by name (lookup table ``organization_name``)."""
    side = _side(m)
    type_name, _ = oc.transaction_type_out(ctx, "staged_transaction_types", m.movement_type.value, side)
    location = m.from_location if side == "from" else m.to_location
    sign = -1 if side == "from" else 1
    name = oc.lookup(ctx, "organization_name", m.plant, "plant")
    body: dict[str, Any] = {
        "SourceCode": system_code(ctx, m, "source_code", "oracle.source_code", mapper),
        "SourceHeaderId": int(helpers.derived_id(m.movement_id, length=12), 16) % 10**12,
        "SourceLineId": 1,
        "TransactionMode": 1,
        "UseCurrentCostFlag": True,
        "TransactionTypeName": type_name,
        "OrganizationName": name,
        "ItemNumber": m.material_id,
        "TransactionQuantity": sign * m.quantity.value,
        "TransactionUnitOfMeasure": oc.unit_out(m.quantity, "names", ctx),
        "TransactionDate": iso(m.occurred_at),
        "SubinventoryCode": location.storage_location if location else None,
        "LocatorName": location.bin if location else None,
        "TransactionReference": m.movement_id,
        "ReasonName": m.reason_code,
        "AccountAliasName": _prop_of(m, "oracle.account_alias"),
        "lots": _lot_rows(m, sign),
        "serials": [{"SerialNumber": s} for s in m.serial_numbers],
    }
    return {k: v for k, v in body.items() if v not in (None, [])}
