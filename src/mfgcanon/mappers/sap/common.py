"""SAP code lists (units, movement types, statuses, QM codes) read from ``mappings/sap/``, and the
small helpers both SAP mappers use to build validated canonical values and events."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from mfgcanon import codecs
from mfgcanon.errors import MappingError, MfgcanonError, ValidationError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers._data import load, table
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.helpers import event_time as event_time  # one rule for every vendor
from mfgcanon.v1 import derive
from mfgcanon.v1.common import ActivityKind, Quantity, StockStatus
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    AnyEntity,
    CloudEvent,
    PostingFailed,
    PostingSucceeded,
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
    build_event,
)
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.lot import MaterialLot
from mfgcanon.v1.order import OperationStatus, OrderStatus
from mfgcanon.v1.posting import MessageSeverity, PostingResult, PostingState
from mfgcanon.v1.quality import Nonconformance, QualityInspection, UsageDecision

UNITS = "sap/units.toml"
MOVEMENTS = "sap/movement_types.toml"
STATUSES = "sap/statuses.toml"
QUALITY = "sap/quality.toml"
MASTER = "sap/master_data.toml"

E = TypeVar("E")

ORDER_EVENTS: dict[str, type[CloudEvent]] = {
    "released": ProductionOrderReleased,
    "updated": ProductionOrderUpdated,
    "completed": ProductionOrderCompleted,
    "closed": ProductionOrderClosed,
    "cancelled": ProductionOrderCancelled,
}


@functools.cache
def _inbound_units() -> dict[str, str]:
    return {str(k).upper(): str(v) for k, v in table(UNITS, "inbound").items()}


def unit_in(code: str, context: MappingContext, *, iso: str | None = None, field: str | None = None) -> str:
    """An SAP unit (internal, commercial or ISO spelling) as a Rec 20 code; the context's aliases win."""
    text = code.strip()
    alias = context.units.get(text)
    if alias is not None:
        return alias
    found = _inbound_units().get(text.upper())
    if found is not None:
        return found
    if iso:
        iso_text = iso.strip()
        alias = context.units.get(iso_text) or _inbound_units().get(iso_text.upper())
        if alias is not None:
            return alias
    raise MappingError(
        f"unknown SAP unit {text!r}: add it to [units] in the mapping context (source unit = Rec 20 code)",
        code="unknown_unit",
        path=field,
    )


def unit_out(quantity_uom: str, source_uom: str | None, channel: str, context: MappingContext) -> str:
    """The SAP spelling of a Rec 20 unit for a channel (``internal`` for IDoc/BAPI, ``commercial`` for OData).

    The quantity's own ``source_uom`` is used when it maps back to the same Rec 20 code, so a value read
    from SAP goes back in the spelling it came in.
    """
    if source_uom:
        try:
            if unit_in(source_uom, context) == quantity_uom:
                return source_uom
        except MappingError:
            pass
    for source, target in context.units.items():
        if target == quantity_uom:
            return source
    found = table(UNITS, "outbound", channel).get(quantity_uom)
    if isinstance(found, str):
        return found
    raise MappingError(
        f"no SAP unit known for Rec 20 code {quantity_uom!r}; add it to [units] in the mapping context",
        code="unknown_unit",
    )


def negative_quantity(value: Decimal, field: str | None = None) -> MappingError:
    """The error for a negative source quantity (canonical quantities are >= 0)."""
    return MappingError(
        f"negative quantity {value}: canonical quantities are >= 0 and the direction is "
        "in the movement or entity type",
        code="negative_quantity",
        path=field,
    )


def quantity(
    value: Decimal, unit: str, context: MappingContext, *, iso: str | None = None, field: str | None = None
) -> Quantity:
    """A canonical quantity; a negative value is refused (direction lives in the entity's type)."""
    if value.is_signed() and value != 0:
        raise negative_quantity(value, field)
    rec20 = unit_in(unit, context, iso=iso, field=field)
    return Quantity(value=value.copy_abs(), uom=rec20, source_uom=None if unit.strip() == rec20 else unit.strip())


@functools.cache
def movement_types() -> dict[str, dict[str, Any]]:
    return {str(k): v for k, v in table(MOVEMENTS, "types").items()}


MOVEMENT_TYPES_LIST = "sap.movement_types"
"""The context's ``[codes."sap.movement_types"]``: per-connection movement types over sap/movement_types.toml."""
USAGE_DECISIONS_LIST = "sap.usage_decision_codes"
"""The context's ``[codes."sap.usage_decision_codes"]``: UD code -> canonical usage decision, for this connection."""


def movement_in(code: str, *, field: str | None = None, context: MappingContext | None = None) -> dict[str, Any]:
    """The canonical meaning of an SAP movement type (unknown types map to ``other``); a connection's own
    types (``[codes."sap.movement_types"."9XX"]`` with ``movement_type`` and optionally ``reversal``,
    ``unreferenced``, stock statuses) come first."""
    key = code.strip()
    types: Mapping[str, Any] = movement_types()
    if context is not None:
        types = context.codes(MOVEMENT_TYPES_LIST, types)
    entry = types.get(key)
    if entry is None:
        return {"movement_type": "other", "reversal": False}
    if not isinstance(entry, Mapping) or entry.get("movement_type") not in _MOVEMENT_TYPE_VALUES:
        raise MappingError(
            f"movement type {key!r} of the mapping context must be a table with movement_type = one of "
            f"{', '.join(sorted(_MOVEMENT_TYPE_VALUES))}",
            code="invalid_context", path=f"codes.{MOVEMENT_TYPES_LIST}.{key}",
        )
    return dict(entry)


_MOVEMENT_TYPE_VALUES = frozenset(kind.value for kind in MovementType)
_USAGE_DECISION_VALUES = frozenset(kind.value for kind in UsageDecision)


def movement_meaning(code: str, reference: str | None, context: MappingContext | None = None) -> dict[str, Any]:
    """The canonical reading of a movement type with the reference of the document it reverses (or None):
    ``movement_type``, ``is_reversal`` and ``reverses_movement_id``. A reversal type without a reference
    cancels nothing: where sap/movement_types.toml says ``unreferenced = "return"`` it is a return (262
    without a document to reverse gives components back); status changes and transfers stay reversals."""
    meaning = movement_in(code, context=context)
    reversal = bool(meaning.get("reversal", False))
    if reversal and reference is None and meaning.get("unreferenced"):
        return {"movement_type": meaning["unreferenced"], "is_reversal": False, "reverses_movement_id": None}
    return {"movement_type": meaning["movement_type"], "is_reversal": reversal,
            "reverses_movement_id": reference if reversal else None}


_OUTBOUND_ORIGINALS = frozenset({"goods_issue", "scrap", "adjustment_out", "shipment_issue"})


def books_inbound(movement_type: MovementType, source_code: str | None) -> bool:
    """Whether the movement's storage location is where stock arrives (``to_location``): receipts, and a
    return of what left stock (262 gives components back, 552 takes them back from scrapping); a return of
    a receipt (102 without a reference) takes stock out."""
    if movement_type in (MovementType.GOODS_RECEIPT, MovementType.ADJUSTMENT_IN):
        return True
    if movement_type is MovementType.RETURN:
        original = movement_in(source_code)["movement_type"] if source_code else None
        return original is None or original == "other" or original in _OUTBOUND_ORIGINALS
    return False


def movement_statuses(movement_type: MovementType, meaning: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The stock statuses (from, to) a movement type gives; a return moves the other way than the type
    it was read from (a 552 return goes back to unrestricted stock)."""
    before, after = meaning.get("from_status"), meaning.get("to_status")
    return (after, before) if movement_type is MovementType.RETURN else (before, after)


def reversal_reference(document: str | None, year: str | None, item: str | None) -> str | None:
    """``document/year/item`` of the material document item a reversal cancels (ALPHA zeros already off),
    the form of a movement_id; None unless all three are given."""
    return f"{document}/{year}/{item}" if document and year and item else None


def movement_out(
    movement_type: MovementType,
    is_reversal: bool,
    source_code: str | None,
    from_status: StockStatus | None = None,
    to_status: StockStatus | None = None,
) -> str:
    """The SAP movement type for a canonical movement: its own source code when consistent (a return read
    from an unreferenced reversal type keeps that type), else the standard one for the type (261 issue,
    101 receipt, 551 scrap, 311 transfer, ...)."""
    types = movement_types()
    if source_code:
        entry = types.get(source_code)
        if entry is None or (
            entry["movement_type"] == movement_type.value and bool(entry.get("reversal", False)) == is_reversal
        ) or (entry.get("unreferenced") == movement_type.value and not is_reversal):
            return source_code
        raise MappingError(
            f"movement type {source_code} means {entry['movement_type']}"
            f"{' reversal' if entry.get('reversal') else ''}, not {movement_type.value}"
            f"{' reversal' if is_reversal else ''}",
            code="unmappable_value",
        )
    for code, entry in types.items():
        if entry["movement_type"] != movement_type.value or bool(entry.get("reversal", False)) != is_reversal:
            continue
        if movement_type is MovementType.STATUS_CHANGE and (
            entry.get("from_status") != (from_status.value if from_status else None)
            or entry.get("to_status") != (to_status.value if to_status else None)
        ):
            continue
        return code
    raise MappingError(
        f"no SAP movement type for {movement_type.value}{' reversal' if is_reversal else ''}", code="unmappable_value"
    )


def gm_code(bwart: str) -> str:
    entry = movement_types().get(bwart)
    if entry is None or "gm_code" not in entry:
        raise MappingError(f"no goods-movement code (GM_CODE) known for movement type {bwart}", code="unmappable_value")
    return str(entry["gm_code"])


@functools.cache
def _status_codes() -> dict[str, str]:
    return {str(k): str(v) for k, v in table(STATUSES, "codes").items()}


STATUS_CODES_LIST = "sap.status_codes"
"""The context's ``[codes."sap.status_codes"]``: status code (``I0002``, a user status ``E0003``) -> short name."""
ORDER_STATUSES_LIST = "sap.order_statuses"
"""The context's ``[codes."sap.order_statuses"]``: short name -> canonical order status, for this connection."""
OPERATION_STATUSES_LIST = "sap.operation_statuses"
"""The context's ``[codes."sap.operation_statuses"]``: short name -> canonical operation status."""
ACTIVITY_SLOTS_LIST = "sap.activity_slots"
"""The context's ``[codes."sap.activity_slots"]``: confirmation slot ``"1"``..``"6"`` -> activity kind."""
_STATUS_LISTS = (STATUS_CODES_LIST, ORDER_STATUSES_LIST, OPERATION_STATUSES_LIST)
_TERMINAL = ("DLFL", "CLSD", "TECO")  # a connection's own statuses rank right after these


class StatusTables:
    """The status code lists one connection uses: the packaged sap/statuses.toml with the context's
    ``[codes."sap.status_codes"]``, ``[codes."sap.order_statuses"]`` and ``[codes."sap.operation_statuses"]``
    merged over it. A connection's own short names (user statuses such as ``HOLD``) rank right after deletion,
    closure and technical completion, ahead of every other system status: an order on a user hold is on hold
    even while it is released, but a deleted order stays deleted."""

    __slots__ = ("codes", "operation", "order", "own", "precedence")

    def __init__(self, context: MappingContext | None = None) -> None:
        own = {name: context.code_overrides.get(name, {}) for name in _STATUS_LISTS} if context else {}
        self.codes: Mapping[str, str] = {**_status_codes(), **_checked(own.get(STATUS_CODES_LIST, {}),
                                                                       STATUS_CODES_LIST, None)}
        self.order: Mapping[str, str] = {**table(STATUSES, "order"), **_checked(
            own.get(ORDER_STATUSES_LIST, {}), ORDER_STATUSES_LIST, _ORDER_STATUS_VALUES)}
        self.operation: Mapping[str, str] = {**table(STATUSES, "operation"), **_checked(
            own.get(OPERATION_STATUSES_LIST, {}), OPERATION_STATUSES_LIST, _OPERATION_STATUS_VALUES)}
        self.own = frozenset(own.get(ORDER_STATUSES_LIST, {})) | frozenset(own.get(OPERATION_STATUSES_LIST, {}))
        packaged = [str(name) for name in load(STATUSES).get("precedence", [])]
        extra = [name for name in (*self.order, *self.operation) if name not in packaged]
        cut = max(packaged.index(name) for name in _TERMINAL) + 1
        self.precedence: tuple[str, ...] = (*packaged[:cut], *dict.fromkeys(extra), *packaged[cut:])

    def short(self, code: str) -> str:
        """``I0002`` -> ``REL``; short names pass through; unknown codes come back unchanged."""
        return self.codes.get(code, code)

    def first(self, shorts: Iterable[str]) -> str | None:
        active = set(shorts)
        return next((name for name in self.precedence if name in active), None)

    def order_status(self, shorts: Iterable[str]) -> OrderStatus:
        top = self.first(shorts)
        return OrderStatus.OTHER if top is None else OrderStatus(self.order.get(top, "other"))

    def operation_status(self, shorts: Iterable[str]) -> OperationStatus | None:
        codes = list(shorts)
        if not codes:
            return None
        top = self.first(codes)
        return OperationStatus(self.operation.get(top, "other")) if top else OperationStatus.OTHER

    def known(self, short: str) -> bool:
        """Whether this connection's own lists give a short name a meaning: a user status counts only then
        (one that happens to share a system status's short name does not)."""
        return short in self.own


_ORDER_STATUS_VALUES = frozenset(kind.value for kind in OrderStatus)
_OPERATION_STATUS_VALUES = frozenset(kind.value for kind in OperationStatus)
_ACTIVITY_VALUES = frozenset(kind.value for kind in ActivityKind)


def _checked(entries: Mapping[str, Any], list_name: str, allowed: frozenset[str] | None) -> dict[str, str]:
    """A connection's code list entries, each a string (and one of ``allowed`` where given), else
    ``invalid_context`` naming the entry."""
    for key, value in entries.items():
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            expected = f"one of {', '.join(sorted(allowed))}" if allowed is not None else "a string"
            raise MappingError(f"code {key!r} of the mapping context's list {list_name} must map to {expected}, "
                               f"got {value!r}", code="invalid_context", path=f"codes.{list_name}.{key}")
    return {str(k): str(v) for k, v in entries.items()}


@functools.cache
def _packaged_status_tables() -> StatusTables:
    return StatusTables()


def status_tables(context: MappingContext | None) -> StatusTables:
    """The status lists of this connection: the packaged ones, shared, unless the context overrides one."""
    if context is None or not any(name in context.code_overrides for name in _STATUS_LISTS):
        return _packaged_status_tables()
    return StatusTables(context)


def short_status(code: str, context: MappingContext | None = None) -> str:
    """``I0002`` -> ``REL``; short names pass through; unknown codes come back unchanged."""
    return status_tables(context).short(code)


def order_status(shorts: Iterable[str], context: MappingContext | None = None) -> OrderStatus:
    return status_tables(context).order_status(shorts)


def operation_status(shorts: Iterable[str], context: MappingContext | None = None) -> OperationStatus | None:
    return status_tables(context).operation_status(shorts)


def order_event(status: OrderStatus) -> type[CloudEvent]:
    return ORDER_EVENTS[str(table(STATUSES, "event").get(status.value, "updated"))]


def code_of(file: str, section: str, key: str, default: str = "other") -> str:
    return str(table(file, *section.split(".")).get(key, default))


@functools.cache
def is_final_confirmation(mode: str | None) -> bool:
    """SAP's final-confirmation mode (FIN_CONF / FinalConfirmationType, AFRU-AUERU): only ``X`` is final.
    ``1`` is an automatic final confirmation: SAP decides finality when it posts (confirmed quantity reached),
    so the record itself is not final; blank is partial. The mode is kept verbatim in
    ``final_confirmation_source_code`` by both channels."""
    return (mode or "").strip().upper() == "X"


def final_confirmation_out(confirmation: ProductionConfirmation) -> str | None:
    """The mode to send back: ``X`` for a final confirmation, the kept ``1`` for an automatic one, else blank.
    Records written before 1.2 kept the mode in the ``sap.final_confirmation_type`` property."""
    if confirmation.is_final:
        return "X"
    mode = confirmation.final_confirmation_source_code or next(
        (p.value for p in confirmation.properties if p.name == "sap.final_confirmation_type" and p.value), None)
    return "1" if isinstance(mode, str) and mode.strip() == "1" else None


def derived_confirmation_id(order_id: str, operation_id: str | None, fields: Mapping[str, Any]) -> str:
    """A deterministic id for a confirmation request that names none (no external id, not yet posted): the
    confirmation number RUECK is shared by every confirmation of an operation and the counter RMZHL is given
    only when SAP posts, so the id is the order, the operation and a digest of the record's own fields
    (16 hex digits of SHA-256 over their sorted JSON). The same record always gets the same id; two tickets
    that differ in any field get different ones."""
    import hashlib  # only when deriving

    text = json.dumps({k: v for k, v in fields.items() if not k.startswith(("__", "to_"))}, sort_keys=True,
                      default=str, ensure_ascii=False)
    return f"{order_id}/{operation_id or '-'}/{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def usage_decision(code: str | None, valuation: str | None, context: MappingContext | None = None) -> str:
    """The canonical usage decision of an SAP UD code. A connection's own list
    (``[codes."sap.usage_decision_codes"]``, UD codes are customer data) decides first; else the code's
    valuation (``A`` accept, ``R`` reject: what SAP itself acts on); without one (a BAPI2045UD decision, a blank
    valuation) the packaged list sap/quality.toml [usage_decision.codes] names the code; else ``other``."""
    own = context.code_overrides.get(USAGE_DECISIONS_LIST, {}) if context is not None else {}
    chosen = own.get((code or "").strip())
    if chosen is not None:
        if chosen not in _USAGE_DECISION_VALUES:
            raise MappingError(
                f"usage decision code {code!r} of the mapping context must map to one of "
                f"{', '.join(sorted(_USAGE_DECISION_VALUES))}, got {chosen!r}",
                code="invalid_context", path=f"codes.{USAGE_DECISIONS_LIST}.{(code or '').strip()}",
            )
        return str(chosen)
    by_valuation = table(QUALITY, "usage_decision", "valuation").get((valuation or "").strip().upper())
    if by_valuation is not None:
        return str(by_valuation)
    return str(table(QUALITY, "usage_decision", "codes").get(code or "", "other"))


@functools.cache
def _packaged_slots() -> dict[str, str]:
    return {str(k): str(v) for k, v in table(MASTER, "activity_slots").items()}


def activity_slots(context: MappingContext | None = None) -> Mapping[str, str]:
    """Confirmation slot (``"1"``..``"6"``) -> activity kind: the packaged sap/master_data.toml list with the
    context's ``[codes."sap.activity_slots"]`` over it (which standard value is set-up or machine time is
    customer data: the formula keys of the work centre decide it)."""
    own = context.code_overrides.get(ACTIVITY_SLOTS_LIST) if context is not None else None
    if not own:
        return _packaged_slots()
    for key in own:
        if key not in {"1", "2", "3", "4", "5", "6"}:
            raise MappingError(f"activity slot {key!r} of the mapping context must be one of 1..6",
                               code="invalid_context", path=f"codes.{ACTIVITY_SLOTS_LIST}.{key}")
    return {**_packaged_slots(), **_checked(own, ACTIVITY_SLOTS_LIST, _ACTIVITY_VALUES)}


def activity_kind(slot: int, context: MappingContext | None = None) -> ActivityKind:
    return ActivityKind(activity_slots(context).get(str(slot), "other"))


def activity_slot(kind: ActivityKind, used: set[int], context: MappingContext | None = None) -> int:
    """The first free confirmation slot (1..6) for an activity kind."""
    slots = activity_slots(context)
    for slot in range(1, 7):
        if slot not in used and slots.get(str(slot)) == kind.value:
            return slot
    raise MappingError(f"no free SAP activity slot for a second {kind.value!r} activity", code="unmappable_value")


def convert(data: dict[str, Any], entity_cls: type[E]) -> E:
    """An entity from plain data (values already typed: Decimal, datetime, date, str, nested dicts),
    built and checked in one C-level pass: every type, length and zone constraint and the model hooks
    run once. Errors come out as :mod:`mfgcanon.errors` types with the canonical path."""
    try:
        return msgspec.convert(data, entity_cls)
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise codecs.translate(exc) from None


def emit_checked(
    result: MappingResult, event_cls: type[CloudEvent], entity: AnyEntity, *, records: int = 1, time: datetime
) -> CloudEvent:
    """Wrap an entity built by :func:`convert` (already checked: no second validation) in its event and add
    it to the result. ``time`` is required (see :func:`event_time`): an event never gets the run time silently."""
    event = build_event(event_cls, entity, time=time, validated=True)
    result.add_event(event, records=records)
    return event


# Posting (docs/model.md, "Posting") ----------------------------------------------------------------------
_SEVERITIES = {"S": MessageSeverity.SUCCESS, "I": MessageSeverity.INFO, "W": MessageSeverity.WARNING,
               "E": MessageSeverity.ERROR, "A": MessageSeverity.ABORT, "X": MessageSeverity.ABORT}
_ODATA_SEVERITIES = {"success": MessageSeverity.SUCCESS, "info": MessageSeverity.INFO,
                     "warning": MessageSeverity.WARNING, "error": MessageSeverity.ERROR,
                     "abort": MessageSeverity.ABORT}


def posting_message(
    severity: str | None, code: str | None, text: str | None, target: str | None = None, *, odata: bool = False
) -> dict[str, Any]:
    """A ``PostingMessage`` as plain data: the severity from SAP's TYPE (S/I/W/E/A; OData ``severity``),
    the raw type kept beside it; ``code`` is ID/NUMBER (``RU/505``)."""
    raw = (severity or "").strip()
    table_ = _ODATA_SEVERITIES if odata else _SEVERITIES
    return {
        "severity": table_.get(raw.lower() if odata else raw.upper(), MessageSeverity.OTHER),
        "severity_source_code": raw or None,
        "code": code or None,
        "text": text or None,
        "target": target or None,
    }


def is_failure(message: dict[str, Any]) -> bool:
    return message["severity"] in (MessageSeverity.ERROR, MessageSeverity.ABORT)


def posting_block(
    state: PostingState,
    *,
    target_system: str | None,
    external_id: str | None = None,
    document_id: str | None = None,
    requested_at: datetime | None = None,
    posted_at: datetime | None = None,
) -> dict[str, Any]:
    """The ``posting`` block of a confirmation or movement as plain data. ``external_id`` only where the
    payload carries the sender's id: it is never derived (the counting rule joins facts on it)."""
    return {
        "state": state,
        "external_id": external_id or None,
        "target_system": target_system or None,
        "document_id": document_id,
        "requested_at": requested_at,
        "posted_at": posted_at,
    }


def processed_time(context: MappingContext, where: str, *candidates: datetime | None) -> datetime:
    """When the ERP processed a request: the payload's time, else the payload's received time (an answer
    to a synchronous call is processed when it is received). Never the run time: without either, the
    result is a ``missing_field`` reject."""
    for candidate in candidates:
        if candidate is not None:
            return candidate
    if context.received_at is not None:
        return context.received_at
    raise MappingError(
        f"{where}: the response carries no time and no received time was given (PayloadMeta.received_at, "
        "mfgcanon convert --received-at, or received_at in the mapping context)",
        code="missing_field",
        path=where,
    )


def emit_posting_result(result: MappingResult, data: dict[str, Any], *, records: int = 1) -> CloudEvent:
    """A ``PostingResult`` from plain data, in a ``PostingSucceeded`` (outcome posted) or ``PostingFailed``
    event; the event time is the processed time."""
    entity = convert(data, PostingResult)
    event_cls = PostingSucceeded if entity.outcome is PostingState.POSTED else PostingFailed
    return emit_checked(result, event_cls, entity, records=records, time=entity.processed_at)


_GTIN = re.compile(r"[0-9]{8}|[0-9]{12,14}")


def gtin(text: str | None) -> str | None:
    """EAN11 / ProductStandardID as a GTIN (8, 12, 13 or 14 digits), else None: SAP's EAN field also holds
    internal or manufacturer numbers, which stay in the ``sap.gtin`` property instead."""
    return text if text is not None and _GTIN.fullmatch(text) else None


# Derived holds and genealogy (docs/derivations.md; docs/mappers.md, "Derived holds and genealogy") -----------
def _where(where: str | Callable[[], str]) -> str:
    return where if isinstance(where, str) else where()


def emit_with_holds(
    result: MappingResult, event: CloudEvent, holds: list[Nonconformance], *, records: int = 1
) -> CloudEvent:
    """Add an origin event, then the hold events derived from its entity (``add_derived``: no records in;
    ``causationid`` = the origin event's id). All are built before any is added, so a failure leaves the
    result as it was (the record then becomes one reject, and the counts still balance)."""
    derived = derive.derived_events(holds, causation_id=str(event.id)) if holds else []
    result.add_event(event, records=records)
    for item in derived:
        result.add_derived(item)
    return event


def lot_holds(
    result: MappingResult, lot: MaterialLot, at: datetime | None, where: str | Callable[[], str]
) -> list[Nonconformance]:
    """The hold one batch snapshot places: :func:`derive.holds_from_lot` without a previous state (one payload
    does not say the status before, so a restricted batch places and an unrestricted one derives nothing).
    ``at`` is the payload's own time; without it, or without a plant to key the hold by (a cross-plant
    batch), no hold is derived and a warning says why: never the run time, never a guessed plant."""
    if at is None:
        if lot.status in derive.HOLD_LOT_STATUSES:
            result.warnings.append(
                f"{_where(where)}: batch {lot.material_id}/{lot.lot_id} is {lot.status.value} but the payload has no "
                "time of its own: no quality.hold_placed derived"
            )
        return []
    try:
        return derive.holds_from_lot(lot, at=at)
    except ValidationError as exc:
        if exc.code != "missing_field":
            raise
        result.warnings.append(
            f"{_where(where)}: batch {lot.material_id}/{lot.lot_id} is {lot.status.value} but names no plant (a "
            "cross-plant batch): no quality.hold_placed derived"
        )
        return []


def inspection_holds(
    result: MappingResult, inspection: QualityInspection, at: datetime | None, where: str | Callable[[], str]
) -> list[Nonconformance]:
    """The hold a usage decision places or releases (:func:`derive.holds_from_inspection`), at ``decided_at``,
    else ``at`` (the payload's own time); with neither, no hold is derived and a warning says so."""
    try:
        return derive.holds_from_inspection(inspection, at=at)
    except ValidationError as exc:
        if exc.code != "missing_field":
            raise
        decision = inspection.usage_decision.value if inspection.usage_decision else "?"
        result.warnings.append(
            f"{_where(where)}: usage decision {decision} of inspection lot {inspection.inspection_id} has no time: "
            "no quality hold derived"
        )
        return []


def emit_genealogy(result: MappingResult, start: int = 0) -> None:
    """``genealogy.linked`` events for the issues and receipts of each order among the result's events from
    ``start`` on (:func:`derive.genealogy_from_movements` over the movements and posting results of this one
    mapping call), added after them as derived events. Links are derived within one call: a consumer that needs
    links across calls runs the derivation over its stored movements. An order whose quantities cannot be
    netted (units that do not convert exactly) derives no link, with a warning; the other orders still do."""
    movements: list[MaterialMovement] = []
    results: list[PostingResult] = []
    for event in result.events[start:]:
        data = getattr(event, "data", None)
        if isinstance(data, MaterialMovement):
            movements.append(data)
        elif isinstance(data, PostingResult):
            results.append(data)
    if not any(m.order_id for m in movements):
        return
    if not results and all(m.posting is not None and m.posting.state is not PostingState.POSTED for m in movements):
        return  # only posted facts link, and nothing here is posted (requests without their results)
    try:
        links = derive.genealogy_from_movements([*movements, *results])
    except MfgcanonError:  # one order's units: derive order by order, so the others still link
        links = []
        orders = sorted({(m.company_id or "", m.plant, m.order_id) for m in movements if m.order_id})
        for company, plant, order in orders:
            group = [m for m in movements if (m.company_id or "", m.plant, m.order_id) == (company, plant, order)]
            try:
                links.extend(derive.genealogy_from_movements([*group, *results]))
            except MfgcanonError as exc:
                result.warnings.append(f"order {order} (plant {plant}): no genealogy derived: {exc.message}")
    for link in links:
        received = link.source.received_at if link.source is not None else None
        for event in derive.derived_events([link], recorded_at=received):
            result.add_derived(event)
