"""Quality holds and genealogy derived from canonical values: pure functions, no state and no clock.

Sources rarely send a hold as a hold: a batch set to restricted, a goods movement into blocked stock or a
rejecting usage decision says it instead. The functions here turn such values into ``Nonconformance``
values of category ``hold`` (the ``quality.hold_placed`` / ``quality.hold_released`` events), and the issue
and receipt movements of an order into ``GenealogyLink`` facts (``genealogy.linked``). Each rule is stated
in docs/derivations.md. Every id and time comes from the input, so deriving twice gives equal values and,
through :func:`derived_events`, equal event ids.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from mfgcanon import units
from mfgcanon.errors import EventError, UnitError, ValidationError
from mfgcanon.events import segment
from mfgcanon.v1.common import Location, Quantity, SourceRef, StockStatus
from mfgcanon.v1.events import CloudEvent, GenealogyLinked, build_event, hold_event
from mfgcanon.v1.inventory import MAX_EXACT_DIGITS, MaterialMovement, MovementLot, MovementType
from mfgcanon.v1.lot import GenealogyLink, GenealogyRelationship, LotItem, LotStatus, MaterialLot
from mfgcanon.v1.posting import PostingResult, PostingState, count_once
from mfgcanon.v1.quality import (
    InspectedItem,
    Nonconformance,
    NonconformanceKind,
    NonconformanceStatus,
    QualityHold,
    QualityInspection,
    UsageDecision,
)

__all__ = [
    "HOLD_LOT_STATUSES",
    "HOLD_STOCK_STATUSES",
    "derived_events",
    "genealogy_from_movements",
    "hold_id",
    "holds_from_inspection",
    "holds_from_lot",
    "holds_from_movement",
]

HOLD_LOT_STATUSES: frozenset[LotStatus] = frozenset(
    {LotStatus.RESTRICTED, LotStatus.QUARANTINE, LotStatus.BLOCKED, LotStatus.REJECTED})
"""Lot statuses that put a lot on hold (usable only under conditions, or not at all, for quality reasons)."""

HOLD_STOCK_STATUSES: frozenset[StockStatus] = frozenset({StockStatus.BLOCKED, StockStatus.QUALITY_INSPECTION})
"""Stock statuses that put stock on hold (SAP blocked and quality-inspection stock)."""

_MAX_IDENTIFIER = 255
_HOLD_MOVEMENTS = frozenset({MovementType.STATUS_CHANGE, MovementType.TRANSFER})
_RELEASING_DECISIONS = frozenset({UsageDecision.ACCEPT, UsageDecision.CONDITIONAL_ACCEPT})

_T = TypeVar("_T", bound=msgspec.Struct)


# --------------------------------------------------------------------------------------------------
# shared helpers


def _digest(parts: Sequence[str | None]) -> str:
    """32 hex digits of SHA-256 over the parts joined by '|' ('%' and '|' escaped, an absent part empty)."""
    import hashlib  # only when deriving: keeps `import mfgcanon` light

    text = "|".join("" if part is None else part.replace("%", "%25").replace("|", "%7C") for part in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _valid(value: _T) -> _T:
    """The value checked as a decoder would check it (constructors do not), so callers get model-valid values."""
    from mfgcanon.codecs import validate  # codecs imports this package: import it on use

    return validate(value)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{name} must be timezone-aware", code="naive_datetime", path=f"$.{name}")
    return moment.astimezone(UTC)


def _sent(entity: MaterialLot | QualityInspection, field: str) -> bool:
    """Whether a snapshot carries ``field``: a full snapshot carries all, a partial update those it lists."""
    return not entity.partial_fields or field in entity.partial_fields


def _name(value: enum.Enum | None) -> str:
    return "unknown" if value is None else str(value.value)


def _derived_source(origin: SourceRef | None, kind: str, key: str, revision: str | None = None) -> SourceRef | None:
    """The origin's provenance, marked as derived: event ids differ from the origin's, and stay deterministic.

    ``document_type`` gains the prefix ``mfgcanon.<kind>/``, ``line`` the suffix ``#<key>`` (one origin may
    yield several values of a kind), and a business document id the same suffix, so the IDoc and the OData
    read of one document still derive equal event ids.
    """
    if origin is None:
        return None
    business = origin.business_document_id
    if business:
        business = f"{business}#{key}"
        if len(business) > _MAX_IDENTIFIER:
            business = f"{kind}:sha256:{_digest([origin.business_document_id, key])}"
    document_type = f"mfgcanon.{kind}/{origin.document_type}" if origin.document_type else f"mfgcanon.{kind}"
    return msgspec.structs.replace(
        origin, document_type=document_type, line=f"{origin.line or ''}#{key}", business_document_id=business,
        revision=origin.revision if revision is None else revision)


# --------------------------------------------------------------------------------------------------
# holds


def hold_id(plant: str, *, material_id: str | None = None, lot_id: str | None = None,
            company_id: str | None = None, inspection_id: str | None = None) -> str:
    """The ``nonconformance_id`` of the hold on an item: placed and released derive the same one, without state.

    ``hold:[company/{company}/]plant/{plant}[/material/{material}][/lot/{lot}]``, each key escaped as in event
    subjects; an item with neither material nor lot is keyed by ``/inspection/{inspection}``. A form longer
    than 255 characters becomes ``hold:sha256:{32 hex digits}`` of the same keys.
    """
    parts = [f"company/{segment(company_id)}/"] if company_id else []
    parts.append(f"plant/{segment(plant)}")
    if material_id or lot_id:
        inspection_id = None
        if material_id:
            parts.append(f"/material/{segment(material_id)}")
        if lot_id:
            parts.append(f"/lot/{segment(lot_id)}")
    elif inspection_id:
        parts.append(f"/inspection/{segment(inspection_id)}")
    else:
        raise ValidationError("a hold needs a material, a lot or an inspection to be keyed by", code="missing_field",
                              path="$.affected")
    text = "hold:" + "".join(parts)
    if len(text) <= _MAX_IDENTIFIER:
        return text
    return "hold:sha256:" + _digest([company_id, plant, material_id, lot_id, inspection_id])


@dataclass(frozen=True, slots=True)
class _HoldFacts:
    """What one origin says about one hold (internal)."""

    active: bool
    at: datetime
    plant: str
    company_id: str | None
    affected: InspectedItem
    key: str
    origin: SourceRef | None
    description: str
    hold_reason: str | None = None
    reason_code: str | None = None
    by: str | None = None
    quantity: Quantity | None = None
    location: Location | None = None


def _hold(facts: _HoldFacts) -> Nonconformance:
    """A placed hold is open and detected when placed; a released one is closed when released, and its
    ``placed_at`` is the release time too (the releasing document does not say when the hold began)."""
    at, active = facts.at, facts.active
    state = QualityHold(is_active=active, placed_at=at, placed_by=facts.by if active else None,
                        reason_code=facts.hold_reason, released_at=None if active else at,
                        released_by=None if active else facts.by)
    return _valid(Nonconformance(
        nonconformance_id=facts.key, category=NonconformanceKind.HOLD, plant=facts.plant,
        company_id=facts.company_id,
        status=NonconformanceStatus.OPEN if active else NonconformanceStatus.CLOSED,
        affected=facts.affected, affected_quantity=facts.quantity, reason_code=facts.reason_code,
        description=facts.description, detected_at=at if active else None, detected_location=facts.location,
        hold=state, closed_at=None if active else at,
        source=_derived_source(facts.origin, "hold", facts.key),
    ))


def holds_from_lot(lot: MaterialLot, previous: MaterialLot | None = None, *, at: datetime,
                   plant: str | None = None) -> list[Nonconformance]:
    """The hold a lot snapshot places or releases (docs/derivations.md, "Lot status").

    A lot in a status of :data:`HOLD_LOT_STATUSES` is on hold: placed, unless ``previous`` shows it was on
    hold already. A ``released`` lot releases the hold only when ``previous`` shows it on hold: without
    ``previous`` a release cannot be told from any other update, so nothing is derived. A partial update
    that does not carry ``status`` derives nothing. A lot has no time of its status change, so ``at`` gives
    it (the document's business time, never the run time); ``plant`` is used when the lot names none.
    """
    when = _aware(at, "at")
    if previous is not None and (previous.material_id, previous.lot_id) != (lot.material_id, lot.lot_id):
        raise ValidationError("previous is a snapshot of another lot", code="constraint_violation", path="$.lot_id")
    if not _sent(lot, "status"):
        return []
    before = previous.status if previous is not None and _sent(previous, "status") else None
    was_held = before in HOLD_LOT_STATUSES
    if lot.status in HOLD_LOT_STATUSES and not was_held:
        active = True
    elif lot.status is LotStatus.RELEASED and was_held:
        active = False
    else:
        return []
    where = lot.plant or plant
    if not where:
        raise ValidationError("a hold needs a plant: the lot names none, pass plant=", code="missing_field",
                              path="$.plant")
    key = hold_id(where, material_id=lot.material_id, lot_id=lot.lot_id, company_id=lot.company_id)
    description = f"lot status {lot.status.value}" + (f" (was {before.value})" if before is not None else "")
    return [_hold(_HoldFacts(
        active=active, at=when, plant=where, company_id=lot.company_id,
        affected=InspectedItem(material_id=lot.material_id, lot_id=lot.lot_id), key=key, origin=lot.source,
        description=description, hold_reason=f"lot_{_name(lot.status if active else before)}",
        quantity=lot.quantity))]


def _posted(movement: MaterialMovement) -> bool:
    """A movement without a posting block is a posted fact; requests and failures change no stock."""
    return movement.posting is None or movement.posting.state is PostingState.POSTED


def _lot_groups(movement: MaterialMovement) -> list[tuple[str | None, list[MovementLot]]]:
    """The movement's lots, one group per lot id in first-seen order (``lots`` wins over ``lot_id``)."""
    if not movement.lots:
        return [(movement.lot_id, [])]
    groups: dict[str, list[MovementLot]] = {}
    for lot in movement.lots:
        groups.setdefault(lot.lot_id, []).append(lot)
    return list(groups.items())


def _group_quantity(movement: MaterialMovement, members: list[MovementLot]) -> Quantity:
    if not members:
        return movement.quantity
    if len(members) == 1:
        return members[0].quantity
    with decimal.localcontext(prec=MAX_EXACT_DIGITS):  # exact whatever the caller's context
        total = sum((member.quantity.value for member in members), Decimal(0))
    return Quantity(value=total, uom=movement.quantity.uom)


def _group_item(movement: MaterialMovement, lot_id: str | None, members: list[MovementLot]) -> InspectedItem:
    if not members:
        return InspectedItem(material_id=movement.material_id, lot_id=lot_id, sub_lot_id=movement.sub_lot_id,
                             serial_numbers=list(movement.serial_numbers))
    sub_lots = {member.sub_lot_id for member in members}
    serials = list(dict.fromkeys(serial for member in members for serial in member.serial_numbers))
    return InspectedItem(material_id=movement.material_id, lot_id=lot_id,
                         sub_lot_id=members[0].sub_lot_id if len(sub_lots) == 1 else None, serial_numbers=serials)


def holds_from_movement(movement: MaterialMovement) -> list[Nonconformance]:
    """The holds a posted status change or transfer places or releases (docs/derivations.md, "Stock status").

    Into blocked or quality-inspection stock (from another status) places a hold on the material and lot;
    from there to unrestricted releases it. A reversal moves stock the other way, so its statuses are read
    swapped. One hold per lot moved, at ``occurred_at``.
    """
    if movement.movement_type not in _HOLD_MOVEMENTS or not _posted(movement):
        return []
    before, after = movement.from_stock_status, movement.to_stock_status
    if movement.is_reversal:
        before, after = after, before
    if after in HOLD_STOCK_STATUSES and before is not after:
        active = True
    elif before in HOLD_STOCK_STATUSES and after is StockStatus.UNRESTRICTED:
        active = False
    else:
        return []
    location = (movement.to_location or movement.from_location) if active else (
        movement.from_location or movement.to_location)
    description = f"stock moved from {_name(before)} to {_name(after)}" + (" (reversal)" if movement.is_reversal
                                                                           else "")
    holds = []
    for lot_id, members in _lot_groups(movement):
        key = hold_id(movement.plant, material_id=movement.material_id, lot_id=lot_id,
                      company_id=movement.company_id)
        holds.append(_hold(_HoldFacts(
            active=active, at=movement.occurred_at.astimezone(UTC), plant=movement.plant,
            company_id=movement.company_id, affected=_group_item(movement, lot_id, members), key=key,
            origin=movement.source, description=description,
            hold_reason=f"stock_{_name(after if active else before)}", reason_code=movement.reason_code,
            quantity=_group_quantity(movement, members), location=location)))
    return holds


def holds_from_inspection(inspection: QualityInspection, *, at: datetime | None = None) -> list[Nonconformance]:
    """The hold a usage decision places (reject) or releases (accept, conditional accept).

    The hold is on the inspected item and keyed by its material and lot (:func:`hold_id`), so a later
    accepting decision on the same lot releases it, whichever inspection lot decides; an item with neither
    material nor lot is keyed by the inspection. Its time is ``decided_at``, else ``at``. A partial update
    that does not carry ``usage_decision`` derives nothing; rework and other decisions derive nothing.
    """
    decision = inspection.usage_decision
    if decision is None or not _sent(inspection, "usage_decision"):
        return []
    if decision is UsageDecision.REJECT:
        active = True
    elif decision in _RELEASING_DECISIONS:
        active = False
    else:
        return []
    moment = inspection.decided_at if inspection.decided_at is not None else at
    if moment is None:
        raise ValidationError("the usage decision has no decided_at: pass at= (its business time)",
                              code="missing_field", path="$.decided_at")
    when = _aware(moment, "decided_at" if inspection.decided_at is not None else "at")
    item = inspection.inspected
    key = hold_id(inspection.plant, material_id=item.material_id, lot_id=item.lot_id,
                  company_id=inspection.company_id, inspection_id=inspection.inspection_id)
    return [_hold(_HoldFacts(
        active=active, at=when, plant=inspection.plant, company_id=inspection.company_id, affected=item, key=key,
        origin=inspection.source, description=f"usage decision {decision.value}",
        hold_reason="usage_decision_reject" if active else None, by=inspection.decided_by))]


# --------------------------------------------------------------------------------------------------
# genealogy


@dataclass(frozen=True, slots=True)
class _Entry:
    """One lot of one counted movement, on the issue or the receipt side of an order (internal)."""

    rank: tuple[datetime, str]
    quantity: Quantity
    reversal: bool
    movement: MaterialMovement


_Scope = tuple[str | None, str, str]  # company, plant, order
_Side = tuple[MovementType, str, str]  # issue or receipt, material, lot


def _net(entries: list[_Entry]) -> Quantity | None:
    """Net quantity of one lot on one side (reversals subtract), in the unit of its first movement; None
    unless positive."""
    first = entries[0].quantity
    total = Decimal(0)
    with decimal.localcontext(prec=MAX_EXACT_DIGITS):
        for entry in entries:
            value = entry.quantity.value
            if entry.quantity.uom != first.uom:
                try:
                    value = units.convert_value(value, entry.quantity.uom, first.uom)
                except UnitError as exc:
                    raise UnitError(f"movement {entry.movement.movement_id}: {exc.message}", code=exc.code,
                                    path="$.quantity.uom") from None
            total = total - value if entry.reversal else total + value
    if total <= 0:
        return None
    return Quantity(value=total, uom=first.uom, source_uom=first.source_uom)


def _link(scope: _Scope, child: tuple[LotItem, Quantity, list[_Entry]],
          parent: tuple[LotItem, list[_Entry]]) -> GenealogyLink:
    company, plant, order = scope
    child_item, quantity, child_entries = child
    parent_item, parent_entries = parent
    latest = max(child_entries[-1], parent_entries[-1], key=lambda entry: entry.rank)
    occurred = latest.movement.occurred_at.astimezone(UTC)
    link_id = "genealogy:" + _digest([GenealogyRelationship.CONSUMED_INTO.value, company, plant, order,
                                      child_item.material_id, child_item.lot_id, parent_item.material_id,
                                      parent_item.lot_id])
    origin = latest.movement.source
    revision = _digest([origin.revision if origin is not None else None, str(quantity.value), quantity.uom,
                        occurred.isoformat(), *sorted(entry.rank[1] for entry in child_entries + parent_entries)])
    return _valid(GenealogyLink(
        link_id=link_id, relationship=GenealogyRelationship.CONSUMED_INTO, parent=parent_item, child=child_item,
        quantity=quantity, plant=plant, company_id=company, order_id=order, occurred_at=occurred,
        source=_derived_source(origin, "genealogy", link_id, revision=revision),
    ))


def genealogy_from_movements(movements: Iterable[MaterialMovement | PostingResult]) -> list[GenealogyLink]:
    """``consumed_into`` links from the goods issues and receipts of each order (docs/derivations.md).

    Per order (``company_id``, ``plant``, ``order_id``), every lot with a positive net issued quantity is
    linked to every lot with a positive net received quantity; reversals subtract. Only posted facts count,
    each once (:func:`mfgcanon.v1.count_once`: pass posting results with their requests). A lot is never
    linked to itself. The link's quantity is the child's net issued quantity to the order; its time is the
    latest movement of either lot. Links come sorted by order, child and parent.
    """
    sides: dict[_Scope, dict[_Side, list[_Entry]]] = {}
    for fact in count_once(movements):
        movement = fact.entity
        if (fact.state is not PostingState.POSTED or not isinstance(movement, MaterialMovement)
                or movement.order_id is None
                or movement.movement_type not in (MovementType.GOODS_ISSUE, MovementType.GOODS_RECEIPT)):
            continue
        rank = (movement.occurred_at, f"{fact.key[0]}:{fact.key[1]}")
        scope = sides.setdefault((movement.company_id, movement.plant, movement.order_id), {})
        for lot_id, members in _lot_groups(movement):
            if lot_id is None:
                continue
            entry = _Entry(rank=rank, quantity=_group_quantity(movement, members), reversal=movement.is_reversal,
                           movement=movement)
            scope.setdefault((movement.movement_type, movement.material_id, lot_id), []).append(entry)
    links: list[GenealogyLink] = []
    for scope_key in sorted(sides, key=lambda key: (key[0] or "", key[1], key[2])):
        children: list[tuple[LotItem, Quantity, list[_Entry]]] = []
        parents: list[tuple[LotItem, list[_Entry]]] = []
        for (kind, material, lot), entries in sorted(sides[scope_key].items()):
            entries.sort(key=lambda entry: entry.rank)
            net = _net(entries)
            if net is None:
                continue
            item = LotItem(material_id=material, lot_id=lot)
            if kind is MovementType.GOODS_ISSUE:
                children.append((item, net, entries))
            else:
                parents.append((item, entries))
        for child in children:
            for parent in parents:
                if parent[0] != child[0]:
                    links.append(_link(scope_key, child, parent))
    return links


# --------------------------------------------------------------------------------------------------
# events


def derived_events(entities: Iterable[Nonconformance | GenealogyLink], **kwargs: Any) -> list[CloudEvent]:
    """The events of derived values: ``quality.hold_placed`` / ``hold_released`` (through
    :func:`mfgcanon.v1.hold_event`) and ``genealogy.linked``. ``kwargs`` go to
    :func:`mfgcanon.v1.build_event` (``source_system``, ``causation_id``, ...); the event time is the
    value's business time unless ``time`` is given."""
    events: list[CloudEvent] = []
    for entity in entities:
        if isinstance(entity, Nonconformance):
            events.append(hold_event(entity, **kwargs))
        elif isinstance(entity, GenealogyLink):
            events.append(build_event(GenealogyLinked, entity, **kwargs))
        else:
            raise EventError(f"{type(entity).__name__} is not a derived hold or genealogy link",
                             code="constraint_violation", path="$.data")
    return events
