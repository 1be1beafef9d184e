"""Canonical values as an SAP outbound channel can carry them, drawn from the model's own strategies.

The round-trip tests draw entities with :func:`mfgcanon.testing.strategies.for_type` (every rule of the
model, any text, any unit, any instant) and *map* them into what the channel can represent, so the test
keeps the generated variety where the channel has it and only narrows what SAP cannot hold:

* keys: SAP fields are ASCII, of fixed length, read back stripped; all-digit keys lose their ALPHA zeros;
* quantities: QUAN fields have 3 decimals and 13 digits; units must have an SAP spelling (internal for
  IDocs, commercial for OData); one confirmation carries one unit for yield, scrap and rework;
* instants: plant-local ``YYYYMMDD`` + ``HHMMSS`` without an offset, so whole seconds, 4-digit years,
  and never the repeated hour of a DST fold (local time there names two instants);
* what has no field in the channel (serial numbers, sub-lots, reversal links, free properties) is dropped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_DOWN, Decimal, localcontext

import msgspec
from hypothesis import strategies as st

from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap.values import local_instant, parse_date, parse_time, to_local
from mfgcanon.testing import strategies
from mfgcanon.v1 import ActivityKind, ActivityTime, Location, Quantity, StockStatus
from mfgcanon.v1.common import TimePrecision
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement, MovementType

PLANT = "1710"
# (SAP internal spelling, Rec 20 code): units with an SAP spelling on every channel
SAP_UNITS = [("ST", "H87"), ("KG", "KGM"), ("G", "GRM"), ("L", "LTR"), ("M", "MTR"), ("EA", "EA")]
MOVEMENT_CODES = ["261", "262", "101", "102", "531", "551", "552", "311", "321", "344"]
SLOT_ORDER = {ActivityKind.SETUP: 1, ActivityKind.MACHINE: 2, ActivityKind.LABOR: 3, ActivityKind.TEARDOWN: 4}
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
_KEY_CHARS = frozenset(_KEY_ALPHABET)


def key(text: str | None, length: int, fallback: str | None = None) -> str | None:
    """``text`` as an SAP CHAR field carries it: other characters replaced by ones it holds (so the
    generated length and shape survive), cut to the field length; all-digit keys in ALPHA form."""
    if not text:
        return fallback
    kept = "".join(ch if ch in _KEY_CHARS else _KEY_ALPHABET[ord(ch) % len(_KEY_ALPHABET)] for ch in text)[:length]
    return (kept.lstrip("0") or "0") if kept.isdigit() else kept


def digits(text: str | None, length: int, *, pad: bool = False) -> str | None:
    """An all-digit SAP key (AUFNR, VORNR, PERS_NO) made from ``text``: ALPHA form, or zero-padded."""
    if not text:
        return None
    number = int.from_bytes(text.encode("utf-8", "surrogatepass")[-8:], "big") % 10**length
    return str(number).zfill(length) if pad else str(number)


def quan(value: Decimal) -> Decimal:
    """A quantity value as a QUAN 13,3 field holds it: 3 places, at most 10 integer digits (the drawn
    value's low digits are kept, so small, large and fractional values all occur)."""
    with localcontext() as exact:
        exact.prec = 100
        thousandths = int(value.scaleb(3).to_integral_value(rounding=ROUND_DOWN)) % 10**13
    return Decimal(thousandths).scaleb(-3)


def local_seconds(instant: datetime, zone: tzinfo) -> datetime:
    """The instant in whole seconds, in 2000-2087 (same leap-year phase: 88 is a multiple of 4), moved
    off a DST fold: what plant-local ``YYYYMMDD`` + ``HHMMSS`` give back exactly."""
    utc = instant.astimezone(UTC).replace(microsecond=0)
    moved = utc.replace(year=2000 + utc.year % 88)
    while True:
        day, clock = to_local(moved, zone)
        moment, extra = parse_time(clock)
        found = parse_date(day)
        assert found is not None
        if local_instant(found, moment, extra, zone) == moved:
            return moved
        moved += timedelta(hours=1)  # the second pass through a repeated hour: not representable


def calendar(day: date | None) -> date | None:
    """A date a ``YYYYMMDD`` field holds (4-digit years)."""
    return day if day is None or day.year >= 1000 else None


def _qty(value: Decimal, unit: tuple[str, str]) -> Quantity:
    sap, rec20 = unit
    return Quantity(value=quan(value), uom=rec20, source_uom=None if sap == rec20 else sap)


def _movement(parts: tuple[MaterialMovement, str, tuple[str, str], str, tzinfo]) -> MaterialMovement:
    m, code, unit, storage, zone = parts
    meaning = sc.movement_in(code)
    reading = sc.movement_meaning(code, None)  # no reversal reference: 262 without one is a return
    kind = MovementType(reading["movement_type"])
    before, after = sc.movement_statuses(kind, meaning)
    meaning = {k: v for k, v in (("from_status", before), ("to_status", after)) if v}
    here = Location(plant=PLANT, storage_location=storage)
    receipt = sc.books_inbound(kind, code)
    reason = digits(m.reason_code, 4, pad=True)
    return msgspec.structs.replace(
        m,
        movement_id=f"{key(m.movement_id, 14, 'DOC')}/1",
        movement_type=kind,
        movement_type_source_code=code,
        plant=PLANT,
        material_id=key(m.material_id, 40, "M") or "M",
        quantity=_qty(m.quantity.value, unit),
        base_quantity=None,
        lot_id=key(m.lot_id, 10),
        sub_lot_id=None,
        serial_numbers=[],
        lots=[],  # schema 1.2 fields the IDoc and OData writers do not carry
        manufactured_date=None,
        expiry_date=None,
        special_stock_type=None,
        special_stock_id=None,
        is_final_issue=False,
        from_stock_status_source_code=None,
        to_stock_status_source_code=None,
        company_id=None,
        occurred_at_precision=TimePrecision.INSTANT,
        posted_at=None,
        posting=None,
        from_location=None if receipt else here,
        to_location=here
        if receipt
        else (Location(plant=PLANT, storage_location="171B") if kind is MovementType.TRANSFER else None),
        from_stock_status=StockStatus(meaning["from_status"]) if "from_status" in meaning else None,
        to_stock_status=StockStatus(meaning["to_status"]) if "to_status" in meaning else None,
        order_id=digits(m.order_id, 12),
        operation_id=None,
        requirement_line_id=None,
        confirmation_id=None,
        reason_code=reason,
        occurred_at=local_seconds(m.occurred_at, zone),
        posting_date=calendar(m.posting_date),
        is_reversal=reading["is_reversal"],
        reverses_movement_id=None,
        properties=[],
        source=None,
    )


def movements(zone: tzinfo) -> st.SearchStrategy[MaterialMovement]:
    """Goods movements from :func:`strategies.for_type`, narrowed to what MBGMCR / A_MaterialDocument carry."""
    return st.tuples(
        strategies.for_type(MaterialMovement),
        st.sampled_from(MOVEMENT_CODES),
        st.sampled_from(SAP_UNITS),
        st.sampled_from(["171A", "171C"]),
        st.just(zone),
    ).map(_movement)


def _confirmation(parts: tuple[ProductionConfirmation, tuple[str, str], tzinfo]) -> ProductionConfirmation:
    c, unit, zone = parts
    kinds: dict[ActivityKind, ActivityTime] = {}
    for activity in c.activities:
        if activity.activity in SLOT_ORDER and activity.activity not in kinds:
            duration = Quantity(value=quan(activity.duration.value), uom="MIN")
            kinds[activity.activity] = ActivityTime(activity=activity.activity, duration=duration)
    started = local_seconds(c.started_at, zone) if c.started_at else None
    ended = local_seconds(c.ended_at, zone) if c.ended_at else None
    if started and ended and ended < started:
        started, ended = ended, started
    personnel = digits(c.personnel_ids[0], 8) if c.personnel_ids else None
    return msgspec.structs.replace(
        c,
        confirmation_id=key(c.confirmation_id, 36, "C") or "C",
        order_id=digits(c.order_id, 12) or "1",
        operation_id=digits(c.operation_id, 4, pad=True) or "0010",
        plant=PLANT,
        work_center_id=key(c.work_center_id, 8),
        yield_quantity=_qty(c.yield_quantity.value, unit),
        scrap_quantity=_qty(c.scrap_quantity.value, unit) if c.scrap_quantity else None,
        rework_quantity=_qty(c.rework_quantity.value, unit) if c.rework_quantity else None,
        scrap_reason_code=digits(c.scrap_reason_code, 4, pad=True),
        started_at=started,
        ended_at=ended,
        posting_date=calendar(c.posting_date),
        activities=sorted(kinds.values(), key=lambda a: SLOT_ORDER[a.activity]),
        personnel_ids=[personnel] if personnel else [],
        material_movement_ids=[],
        recorded_at=local_seconds(c.recorded_at, zone) if c.recorded_at else None,
        reverses_confirmation_id=None,
        properties=[],
        source=None,
        equipment_id=None,
        produced_lot_id=None,
    )


def confirmations(zone: tzinfo) -> st.SearchStrategy[ProductionConfirmation]:
    """Confirmations from :func:`strategies.for_type`, narrowed to what a time ticket / ProdnOrdConf2 carry."""
    return st.tuples(strategies.for_type(ProductionConfirmation), st.sampled_from(SAP_UNITS), st.just(zone)).map(
        _confirmation
    )
