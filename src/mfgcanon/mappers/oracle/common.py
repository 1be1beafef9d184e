"""What both Oracle mappers share: the code lists of ``mappings/oracle/``, typed field reads that name the JSON
pointer of a failing field, units (UOM codes and unit names), ISO times, sources, posting blocks and emission.

Fusion REST and EBS interface rows are both flat name/value records, so one reader serves both: a failure names
``/items/0/WorkOrderOperation/1/WorkOrderOperationMaterial/0/RequiredQuantity`` (Fusion) or
``/MTL_TRANSACTIONS_INTERFACE/0/TRANSACTION_QUANTITY`` (EBS), and the reject keeps the record.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult, Reject, printable, reject_from_error
from mfgcanon.mappers._data import table
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1.events import (
    CloudEvent,
    PostingFailed,
    PostingSucceeded,
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
)
from mfgcanon.v1.order import OrderStatus
from mfgcanon.v1.posting import PostingResult, PostingState

FUSION = "oracle-fusion"
EBS = "oracle-ebs"
STATUSES = "oracle/statuses.toml"
TRANSACTIONS = "oracle/transactions.toml"
UNITS = "oracle/units.toml"

E = TypeVar("E", bound=enum.Enum)

_ORDER_EVENTS: dict[str, type[CloudEvent]] = {
    "released": ProductionOrderReleased,
    "updated": ProductionOrderUpdated,
    "completed": ProductionOrderCompleted,
    "closed": ProductionOrderClosed,
    "cancelled": ProductionOrderCancelled,
}


# Code lists ----------------------------------------------------------------------------------------------
_FILES = {
    "work_order_system_statuses": (STATUSES, "work_order_system_status"),
    "work_order_statuses": (STATUSES, "work_order_status"),
    "job_statuses": (STATUSES, "job_status"),
    "process_statuses": (STATUSES, "process_status"),
    "process_flags": (STATUSES, "process_flag"),
    "supply_types": (STATUSES, "supply_type"),
    "priorities": (STATUSES, "priority"),
    "item_statuses": (STATUSES, "item_status"),
    "item_types": (STATUSES, "item_type"),
    "material_transaction_types": (TRANSACTIONS, "material_transaction_types"),
    "staged_transaction_types": (TRANSACTIONS, "staged_transaction_types"),
    "mti_transaction_types": (TRANSACTIONS, "mti_transaction_types"),
    "intraoperation_steps": (TRANSACTIONS, "intraoperation_steps"),
}


def codes(ctx: MappingContext, name: str) -> Mapping[str, Any]:
    """The code list ``oracle.<name>`` as this connection uses it (``[codes."oracle.<name>"]`` over the packaged)."""
    relative, section = _FILES[name]
    if not ctx.code_overrides:
        return table(relative, section)
    return helpers.code_list(ctx, f"oracle.{name}", relative, section)


def enum_code(ctx: MappingContext, name: str, code: str, kind: type[E], default: E) -> E:
    """A source code as a canonical enum through the list ``oracle.<name>``; an unlisted code is ``default``
    (``other``), a listed value that is not a member of ``kind`` is an ``invalid_context`` error naming the entry."""
    value = codes(ctx, name).get(code)
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise MappingError(
            f"code list oracle.{name}: {code!r} = {value!r} is not one of {allowed}",
            code="invalid_context",
            path=f"codes.oracle.{name}.{code}",
        ) from None


def transaction_type(ctx: MappingContext, name: str, code: str, path: str) -> Mapping[str, Any]:
    """A transaction type's entry (``movement_type``, ``side`` ...); an unknown type is ``unsupported_message``."""
    entry = codes(ctx, name).get(code)
    if not isinstance(entry, Mapping) or "movement_type" not in entry:
        raise MappingError(
            f"transaction type {code!r} is not in the code list oracle.{name}: add it to "
            f'[codes."oracle.{name}"] in the mapping context',
            code="unsupported_message",
            path=path,
        )
    return entry


def transaction_type_out(
    ctx: MappingContext, name: str, movement_type: str, side: str
) -> tuple[str, Mapping[str, Any]]:
    """The first transaction type of list ``oracle.<name>`` with this movement type and side (outbound)."""
    for code, entry in codes(ctx, name).items():
        if isinstance(entry, Mapping) and entry.get("movement_type") == movement_type and entry.get("side") == side:
            return str(code), entry
    raise MappingError(
        f"no transaction type in oracle.{name} for a {movement_type} movement ({side} a subinventory)",
        code="unmappable_value",
    )


def order_event(status: OrderStatus) -> type[CloudEvent]:
    return _ORDER_EVENTS[str(table(STATUSES, "event").get(status.value, "updated"))]


def priority(ctx: MappingContext, raw: str | None) -> int | None:
    """The canonical priority of a source priority, only where the connection's list ``oracle.priorities``
    gives one (Oracle's scale is per installation: never guessed)."""
    if raw is None:
        return None
    value = codes(ctx, "priorities").get(raw)
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 1000:
        raise MappingError(f"priority {value!r} is not a whole number from 0 to 1000", code="invalid_context",
                           path=f"codes.oracle.priorities.{raw}")
    return number


# Units ---------------------------------------------------------------------------------------------------
@functools.cache
def inbound_units() -> dict[str, str]:
    """Oracle UOM codes and unit names -> Rec 20 (``mappings/oracle/units.toml``), for ``helpers.resolve_unit``."""
    return {**table(UNITS, "codes"), **table(UNITS, "names")}


@functools.cache
def _outbound(section: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for source, code in table(UNITS, section).items():
        found.setdefault(str(code), str(source))
    return found


def unit(text: str, ctx: MappingContext, path: str | None = None) -> str:
    """An Oracle UOM code (``Ea``) or unit name (``Each``) as a Rec 20 code: context aliases first."""
    return helpers.resolve_unit(text, ctx, packaged=inbound_units(), path=path)


def unit_out(quantity: Any, kind: str, ctx: MappingContext) -> str:
    """The Oracle spelling of a canonical quantity's unit: ``kind`` ``codes`` (UOM code fields, at most 3
    characters) or ``names`` (unit name fields). The source spelling wins where it is of that kind, then the
    packaged list, then a context alias that gives this unit, then the Rec 20 code itself."""
    source = quantity.source_uom
    if source and (source in table(UNITS, kind) or ((len(source) <= 3) == (kind == "codes"))):
        return str(source)
    found = _outbound(kind).get(quantity.uom)
    if found is not None:
        return found
    alias = next((k for k, v in ctx.units.items() if v == quantity.uom), None)
    return alias or str(quantity.uom)


# Values --------------------------------------------------------------------------------------------------
def parse_instant(text: str, path: str) -> datetime:
    """ISO 8601 date-time (``2024-01-16T06:00:00+00:00``, ``...Z``, EBS ``2024-01-16 10:15:00``); naive stays naive."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise MappingError(f"{text!r} is not an ISO 8601 date-time", code="invalid_value", path=path) from None


def fragment(data: Any) -> str:
    """A record as JSON text for a reject (decimals exact)."""
    try:
        text = msgspec.json.encode(data).decode()
    except (TypeError, UnicodeEncodeError, RecursionError, OverflowError):
        try:
            text = json.dumps(data, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            text = repr(data)[:1_000_000]
    return printable(text[:1_000_000])


def unwritable(data: Any) -> str | None:
    """Why a record built by a caller (dicts, not JSON text) cannot be mapped: a lone surrogate, deep nesting."""
    try:
        msgspec.json.encode(data)
    except UnicodeEncodeError:
        return "a string holds a lone surrogate (not Unicode): the record could not be written as JSON"
    except RecursionError:
        return "nested too deeply to be written as JSON"
    except TypeError:
        return None
    return None


_INT_LIMIT = 10**28  # whole numbers below this need no range check (a canonical decimal holds 29 digits)


class Fields:
    """Typed reads of one record (a Fusion JSON object, an EBS row); a failure names the field's pointer."""

    __slots__ = ("ctx", "d", "memo", "p")

    def __init__(self, data: Mapping[str, Any], pointer: str, ctx: MappingContext,
                 memo: dict[Any, Any] | None = None) -> None:
        self.d = data
        self.p = pointer
        self.ctx = ctx
        self.memo = {} if memo is None else memo  # units and instants already read in this record tree

    def at(self, name: str) -> str:
        return f"{self.p}/{name}"

    def sub(self, data: Mapping[str, Any], pointer: str) -> Fields:
        return Fields(data, pointer, self.ctx, self.memo)

    def s(self, name: str) -> str | None:
        """Text (or a whole number written as text: EBS ids); empty is None."""
        value = self.d.get(name)
        if value is None:
            return None
        if type(value) is str:
            text = value.strip()
            return text or None
        if isinstance(value, str):
            text = value.strip()
            return text or None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, Decimal) and value.is_finite() and value.adjusted() < 40 \
                and value == value.to_integral_value():
            return str(int(value))  # 10.0 or 1E+3 written for an id
        raise MappingError(f"{name} must be text, got {type(value).__name__}", code="type_mismatch", path=self.at(name))

    def texts(self, *names: str) -> list[str | None]:
        """Several text fields at once (the hot path of large documents: one call, not one per field)."""
        get = self.d.get
        found: list[str | None] = []
        for name in names:
            value = get(name)
            if value is None:
                found.append(None)
            elif type(value) is str:
                found.append(value.strip() or None)
            else:
                found.append(self.s(name))
        return found

    def need(self, name: str, what: str) -> str:
        value = self.s(name)
        if value is None:
            raise MappingError(f"{what} has no {name}", code="missing_field", path=self.at(name))
        return value

    def dec(self, name: str) -> Decimal | None:
        value = self.d.get(name)
        if value is None or value == "":
            return None
        if type(value) is int and -_INT_LIMIT < value < _INT_LIMIT:
            return Decimal(value)
        return helpers.decimal_of(value, path=self.at(name))

    def qty(self, name: str, unit_text: str | None, unit_field: str, *, signed: bool = False) -> Any:
        """A quantity with its unit (``unit_text`` read from ``unit_field``), as plain data. Negative is
        ``negative_quantity`` unless ``signed`` (then its absolute value: the caller read the direction)."""
        number = self.dec(name)
        if number is None:
            return None
        if number < 0 and not signed:
            raise MappingError(f"{name} is negative ({number})", code="negative_quantity", path=self.at(name))
        if unit_text is None:
            raise MappingError(f"{name} has no unit ({unit_field})", code="missing_field", path=self.at(unit_field))
        key = ("unit", unit_text)
        code = self.memo.get(key)
        if code is None:
            code = self.memo[key] = unit(unit_text, self.ctx, self.at(unit_field))
        return {"value": number.copy_abs(), "uom": code, "source_uom": None if unit_text == code else unit_text}

    def integer(self, name: str) -> int | None:
        number = self.dec(name)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise MappingError(f"{name} must be a whole number, got {number}", code="invalid_value", path=self.at(name))
        return int(number)

    def flag(self, name: str) -> bool | None:
        value = self.d.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().upper() in ("Y", "N", "TRUE", "FALSE"):
            return value.strip().upper() in ("Y", "TRUE")
        raise MappingError(f"{name} must be a boolean (or Y/N), got {value!r}", code="type_mismatch",
                           path=self.at(name))

    def instant(self, name: str, plant: str | None) -> datetime | None:
        """An ISO date-time as UTC: with an offset converted, without one read in the organization's zone."""
        value = self.d.get(name)
        if value is None:
            return None
        text = value if type(value) is str else self.s(name)
        if not text:
            return None
        key = ("instant", text, plant)  # its own key space: a unit spelled like a date must not collide
        found: datetime | None = self.memo.get(key)
        if found is None:
            moment = parse_instant(text, self.at(name))
            found = self.memo[key] = helpers.to_utc(moment, self.ctx, plant=plant, path=self.at(name))
        return found

    def children(self, name: str) -> list[tuple[str, Mapping[str, Any]]]:
        """A child collection (a list of objects; Fusion ``expand`` may also wrap it in ``items``)."""
        value = self.d.get(name)
        if value is None:
            return []
        if isinstance(value, Mapping) and isinstance(value.get("items"), list):
            value, base = value["items"], f"{self.at(name)}/items"
        else:
            base = self.at(name)
        if not isinstance(value, list):
            raise MappingError(f"{name} must be a list, got {type(value).__name__}", code="type_mismatch",
                               path=self.at(name))
        found = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise MappingError(f"{name} entries must be objects, got {type(item).__name__}",
                                   code="type_mismatch", path=f"{base}/{index}")
            found.append((f"{base}/{index}", item))
        return found


def lookup(ctx: MappingContext, table_name: str, key: str, path: str) -> str:
    """A reference value from the context (a miss is ``unresolved_reference`` naming what to add)."""
    value = ctx.lookup(table_name, key, path=path)
    if not isinstance(value, str):
        raise MappingError(f"[lookups.{table_name}] {key!r} must be a string", code="invalid_context",
                           path=f"lookups.{table_name}.{key}")
    return value


def organization(f: Fields) -> str:
    """The organization (plant) code: ``OrganizationCode``/``ORGANIZATION_CODE``, else the id or the name through
    the context's lookup table ``organization_code``."""
    for code_field in ("OrganizationCode", "ORGANIZATION_CODE"):
        code = f.s(code_field)
        if code:
            return code
    for key_field in ("OrganizationId", "ORGANIZATION_ID", "OrganizationName"):
        key = f.s(key_field)
        if key:
            return lookup(f.ctx, "organization_code", key, f.at(key_field))
    raise MappingError("no organization (OrganizationCode, OrganizationId or OrganizationName)",
                       code="missing_field", path=f.at("OrganizationCode"))


def source(ctx: MappingContext, doc_type: str, doc_id: str, line: str | None = None,
           revision: str | None = None) -> dict[str, Any]:
    if not ctx.source_system:
        raise MappingError("no source system: set source_system in the mapping context", code="missing_identity")
    return {"system": ctx.source_system, "document_type": doc_type, "document_id": doc_id, "line": line,
            "revision": revision}


def requested(ctx: MappingContext, external_id: str | None, state: PostingState = PostingState.REQUESTED,
              state_source_code: str | None = None) -> dict[str, Any]:
    """The ``posting`` block of a request sent to Oracle (its sender id kept as ``external_id``)."""
    return {"state": state, "state_source_code": state_source_code, "external_id": external_id,
            "target_system": ctx.source_system}


event_time = helpers.event_time
"""An event's time: the payload's, else the context's received time; else the run time with a warning."""


def emit(result: MappingResult, event_cls: type[Any], data: Mapping[str, Any], entity_cls: type[Any],
         time: datetime, records: int = 1) -> Any:
    entity = helpers.convert(data, entity_cls)
    return helpers.emit_checked(result, event_cls, entity, time=time, records=records)


def emit_outcome(result: MappingResult, data: Mapping[str, Any], records: int = 1) -> Any:
    """A ``PostingResult`` in ``PostingSucceeded`` (posted) or ``PostingFailed``; the event time is processed_at."""
    entity = helpers.convert(data, PostingResult)
    event_cls = PostingSucceeded if entity.outcome is PostingState.POSTED else PostingFailed
    return helpers.emit_checked(result, event_cls, entity, time=entity.processed_at, records=records)


def guard(result: MappingResult, mapper: str, pointer: str, data: Any, work: Callable[[], None],
          records: int = 1, line: int | None = None) -> None:
    """Run one record's mapping; whatever it raises becomes ``records`` rejects that keep the record."""
    try:
        work()
    except Exception as exc:
        reject = reject_from_error(exc, location=pointer or "/", payload=fragment(data), line=line, mapper=mapper)
        for _ in range(records):
            result.add_reject(reject)


def reject(result: MappingResult, mapper: str, code: str, reason: str, pointer: str, data: Any,
           line: int | None = None) -> None:
    text = data if isinstance(data, str) else fragment(data)
    result.add_reject(Reject(code=code, reason=reason, location=pointer or "/", payload=text, line=line,
                             mapper=mapper))
