"""A simulated multi-plant estate: canonical events over N days from a seed, with the true value of every KPI.

:func:`estate` runs a small simulation (orders released and started, operations confirmed, postings that
succeed, fail, retry or stay open, goods receipts posted late or never, component issues, holds,
nonconformances, and daily stock snapshots of stock that drifts by known, unbooked losses) and keeps its
own books as it goes. The truth it returns is aggregated from those books with the rules of
:mod:`mfgcanon.visibility.definitions` (buckets, percentiles, grouping), never by running a calculator, so a
test comparing a calculator with the truth checks the calculator.

Needs no optional dependency (no hypothesis): the benchmark and the docs use it too.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from mfgcanon.v1 import (
    CloudEvent,
    InspectedItem,
    InventoryBalance,
    InventoryBalanceReported,
    Location,
    MaterialMovement,
    MovementType,
    Nonconformance,
    NonconformanceKind,
    NonconformanceReported,
    NonconformanceStatus,
    OperationStatus,
    OperationStatusChange,
    OperationStatusChanged,
    OrderStatus,
    OrderStatusChange,
    Posting,
    PostingFailed,
    PostingMessage,
    PostingResult,
    PostingState,
    PostingSucceeded,
    ProductionConfirmation,
    ProductionConfirmed,
    ProductionOrder,
    ProductionOrderReleased,
    ProductionOrderStatusChanged,
    QualityHold,
    Quantity,
    RequestKind,
    SourceRef,
    build_event,
    hold_event,
    movement_event,
)
from mfgcanon.v1.posting import MessageSeverity
from mfgcanon.visibility import definitions as d
from mfgcanon.visibility.definitions import Params, Row, Tables

START = datetime(2026, 11, 2, tzinfo=UTC)
VENDORS = ("S4H-100", "ORA-FUSION")
ERROR_CODES = ("RU/505", "M7/021", "INV-LOCKED")
MINUTE = timedelta(minutes=1)
OPENING = Decimal(1000)
"""Stock of every bucket before the first snapshot."""


@dataclasses.dataclass
class Scenario:
    """What :func:`estate` returns: the events (in time order unless shuffled), the parameters the truth was
    computed for, and the truth per KPI table (rows as the calculators give them)."""

    events: list[CloudEvent]
    params: Params
    truth: Tables
    drift: dict[str, Decimal]
    """The unbooked stock change per bucket over the whole period (the known drift)."""


@dataclasses.dataclass
class _Books:
    latency: list[tuple[str | None, date, int | None]] = dataclasses.field(default_factory=list)
    # plant, first, kind, vendor, outcome, code, fail_at
    postings: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)
    delay: list[tuple[str, date, int]] = dataclasses.field(default_factory=list)
    exceptions: list[tuple[str | None, str, datetime]] = dataclasses.field(default_factory=list)
    unposted: list[tuple[str, str, Decimal]] = dataclasses.field(default_factory=list)
    gaps: list[tuple[str, str, Decimal]] = dataclasses.field(default_factory=list)


class _Sim:
    def __init__(self, seed: int, plants: int, days: int, orders_per_day: int, params: Params) -> None:
        self.rng = random.Random(seed)
        self.plants = [f"P{index + 1:02d}" for index in range(plants)]
        self.days = days
        self.orders_per_day = orders_per_day
        self.end = START + timedelta(days=days)
        self.params = params
        self.events: list[CloudEvent] = []
        self.books = _Books()
        self.serial = 0
        self.changes: defaultdict[str, list[tuple[datetime, Decimal, bool]]] = defaultdict(list)  # booked or not
        self.snapshot_times: defaultdict[str, list[datetime]] = defaultdict(list)
        self.drift: dict[str, Decimal] = defaultdict(Decimal)

    def src(self, system: str = "S4H-100") -> SourceRef:
        self.serial += 1
        return SourceRef(system=system, document_type="SIM", document_id=str(self.serial))

    def emit(self, event: CloudEvent) -> None:
        self.events.append(event)

    def minutes(self, low: int, high: int) -> timedelta:
        return timedelta(minutes=self.rng.randint(low, high))

    # --- the simulation ------------------------------------------------------------------------------------

    def run(self) -> None:
        for day in range(self.days):
            for plant in self.plants:
                self.snapshot_times[plant].append(START + timedelta(days=day))
                for number in range(self.orders_per_day):
                    self.order(plant, day, number)
                self.quality(plant, day)
                if day and self.rng.random() < 0.3:  # stock nobody books: the known drift
                    lost = -Decimal(self.rng.randint(1, 3))
                    self.changes[self.bucket(plant)].append((START + timedelta(days=day) + self.minutes(1, 1439),
                                                             lost, False))
        for plant in self.plants:
            self.snapshot_times[plant].append(self.end - MINUTE)
            self.snapshots(plant)

    def order(self, plant: str, day: int, number: int) -> None:
        rng = self.rng
        order_id = f"{day + 1:03d}{number:04d}"
        released = START + timedelta(days=day) + self.minutes(0, 20 * 60)
        qty = Decimal(rng.randint(1, 50))
        order = ProductionOrder(order_id=order_id, plant=plant, status=OrderStatus.RELEASED, material_id="FG-1",
                                planned_quantity=Quantity(value=qty, uom="H87"), released_at=released,
                                source=self.src())
        self.emit(build_event(ProductionOrderReleased, order, validated=True))
        roll = rng.random()
        sign = released + self.minutes(1, 600)
        if roll < 0.1 or sign > self.end:
            self.books.latency.append((plant, released.date(), None))
            return
        self.books.latency.append((plant, released.date(), d.micros(sign - released)))
        if roll < 0.45:
            change = OrderStatusChange(order_id=order_id, plant=plant, status=OrderStatus.IN_PROGRESS,
                                       changed_at=sign, source=self.src("MES"))
            self.emit(build_event(ProductionOrderStatusChanged, change, validated=True))
        elif roll < 0.8:
            change_op = OperationStatusChange(order_id=order_id, operation_id="0010", plant=plant,
                                              status=OperationStatus.IN_PROGRESS, changed_at=sign,
                                              source=self.src("MES"))
            self.emit(build_event(OperationStatusChanged, change_op, validated=True))
        else:
            self.confirm(plant, order_id, sign, qty)
            return
        confirmed = sign + self.minutes(10, 300)
        if confirmed <= self.end:
            self.confirm(plant, order_id, confirmed, qty)

    def confirm(self, plant: str, order_id: str, at: datetime, qty: Decimal) -> None:
        rng = self.rng
        conf_id = f"C-{plant}-{order_id}"
        ext = f"MES-{plant}-{order_id}"
        vendor = rng.choice(VENDORS)
        conf = ProductionConfirmation(confirmation_id=conf_id, order_id=order_id, operation_id="0010", plant=plant,
                                      yield_quantity=Quantity(value=qty, uom="H87"), ended_at=at,
                                      posting=Posting(state=PostingState.REQUESTED, external_id=ext,
                                                      target_system=vendor, requested_at=at),
                                      source=self.src("MES"))
        self.emit(build_event(ProductionConfirmed, conf, validated=True))
        outcome, code, fail_at = self.outcomes(plant, order_id, ext, vendor, at)
        self.books.postings.append((plant, at, "confirmation", vendor, outcome, code, fail_at))
        if outcome == "failed":
            self.books.exceptions.append((plant, "posting_failure", fail_at or at))
        elif outcome in ("open", "overdue"):
            self.books.exceptions.append((plant, "posting_open", at))
        # the goods receipt of the yield: posted late, or never (an unposted completion)
        received = at + self.minutes(1, 24 * 60) if outcome == "posted" else None
        if received is not None and rng.random() < 0.85 and received <= self.end:
            self.receipt(plant, order_id, conf_id, at, received, qty)
        elif outcome != "failed" and self.end - at > self.params.unposted_threshold:
            # no receipt: an unposted completion once the threshold has passed (a failed confirmation is a
            # posting failure instead)
            self.books.unposted.append((plant, "H87", qty))

    def outcomes(self, plant: str, order_id: str, ext: str, vendor: str,
                 at: datetime) -> tuple[str, str | None, datetime | None]:
        """Answer the request: posted, failed (maybe retried to success), or no answer yet."""
        rng = self.rng
        roll = rng.random()
        answered = at + self.minutes(1, 120)
        if roll < 0.12 and answered <= self.end:
            code = rng.choice(ERROR_CODES)
            self.result(PostingFailed, PostingState.FAILED, plant, order_id, ext, vendor, answered, code)
            retry = answered + self.minutes(5, 240)
            if rng.random() < 0.4 and retry <= self.end:
                self.result(PostingSucceeded, PostingState.POSTED, plant, order_id, ext, vendor, retry, None)
                return "posted", None, None
            return "failed", code, answered
        if roll < 0.9 and answered <= self.end:
            self.result(PostingSucceeded, PostingState.POSTED, plant, order_id, ext, vendor, answered, None)
            return "posted", None, None
        overdue = self.end - at > self.params.open_threshold
        return ("overdue" if overdue else "open"), None, None

    def result(self, cls: type[PostingSucceeded] | type[PostingFailed], outcome: PostingState, plant: str,
               order_id: str, ext: str, vendor: str, at: datetime, code: str | None) -> None:
        messages = [PostingMessage(severity=MessageSeverity.ERROR, code=code, text="refused")] if code else []
        result = PostingResult(result_id=f"R{self.serial}", outcome=outcome, request_kind=RequestKind.CONFIRMATION,
                               request_external_id=ext, target_system=vendor, plant=plant, order_id=order_id,
                               messages=messages, processed_at=at, source=self.src(vendor))
        self.emit(build_event(cls, result, validated=True))

    def bucket(self, plant: str) -> str:
        return d.bucket_key(plant, "FG-1", "0001", None, "unrestricted", None, None, "H87")

    def receipt(self, plant: str, order_id: str, conf_id: str, occurred: datetime, posted: datetime,
                qty: Decimal) -> None:
        movement = MaterialMovement(movement_id=f"GR-{plant}-{order_id}", movement_type=MovementType.GOODS_RECEIPT,
                                    plant=plant, material_id="FG-1", quantity=Quantity(value=qty, uom="H87"),
                                    to_location=Location(plant=plant, storage_location="0001"), order_id=order_id,
                                    confirmation_id=conf_id, occurred_at=occurred, posted_at=posted,
                                    source=self.src())
        self.emit(movement_event(movement, validated=True))
        self.books.delay.append((plant, occurred.date(), d.micros(posted - occurred)))
        self.changes[self.bucket(plant)].append((occurred, qty, True))
        self.ship(plant, order_id, posted, qty // 2)

    def ship(self, plant: str, order_id: str, after: datetime, qty: Decimal) -> None:
        """Ship half of what an order received (a shipment issue), so stock never runs negative."""
        occurred = after + self.minutes(0, 90)
        posted = occurred + self.minutes(0, 60)
        if qty <= 0 or posted > self.end:
            return
        movement = MaterialMovement(movement_id=f"GI-{plant}-{order_id}", movement_type=MovementType.SHIPMENT_ISSUE,
                                    plant=plant, material_id="FG-1", quantity=Quantity(value=qty, uom="H87"),
                                    from_location=Location(plant=plant, storage_location="0001"),
                                    occurred_at=occurred, posted_at=posted, source=self.src())
        self.emit(movement_event(movement, validated=True))
        self.books.delay.append((plant, occurred.date(), d.micros(posted - occurred)))
        self.changes[self.bucket(plant)].append((occurred, -qty, True))

    def snapshots(self, plant: str) -> None:
        """Report the stock at each snapshot time: the opening stock plus every change up to then, booked or not."""
        bucket = self.bucket(plant)
        changes = self.changes[bucket]
        times = self.snapshot_times[plant]
        for index, at in enumerate(times):
            stock = OPENING + sum((q for t, q, _ in changes if t <= at), Decimal(0))
            if index:
                lost = sum((q for t, q, booked in changes if times[index - 1] < t <= at and not booked), Decimal(0))
                self.books.gaps.append((plant, "H87", lost))
                self.drift[bucket] += lost
            balance = InventoryBalance(material_id="FG-1", plant=plant,
                                       location=Location(plant=plant, storage_location="0001"),
                                       quantity=Quantity(value=stock, uom="H87"), snapshot_at=at, source=self.src())
            self.emit(build_event(InventoryBalanceReported, balance, validated=True))

    def quality(self, plant: str, day: int) -> None:
        rng = self.rng
        for number in range(rng.randint(0, 2)):
            placed = START + timedelta(days=day) + self.minutes(0, 23 * 60)
            key = f"H-{day}-{number}"
            released = placed + self.minutes(30, 4 * 24 * 60)
            closed = released <= self.end and rng.random() < 0.6
            hold = QualityHold(is_active=True, placed_at=placed)
            nc = Nonconformance(nonconformance_id=key, category=NonconformanceKind.HOLD, plant=plant,
                                affected=InspectedItem(material_id="FG-1"), hold=hold, source=self.src())
            self.emit(hold_event(nc, validated=True))
            if closed:
                released_nc = Nonconformance(nonconformance_id=key, category=NonconformanceKind.HOLD, plant=plant,
                                             affected=InspectedItem(material_id="FG-1"),
                                             status=NonconformanceStatus.CLOSED,
                                             hold=QualityHold(is_active=False, placed_at=placed, released_at=released),
                                             source=self.src())
                self.emit(hold_event(released_nc, validated=True))
            else:
                self.books.exceptions.append((plant, "hold", placed))
        if rng.random() < 0.5:
            detected = START + timedelta(days=day) + self.minutes(0, 23 * 60)
            key = f"NC-{day}"
            nc = Nonconformance(nonconformance_id=key, category=NonconformanceKind.DEFECT, plant=plant,
                                affected=InspectedItem(material_id="FG-1"), detected_at=detected, source=self.src())
            self.emit(build_event(NonconformanceReported, nc, validated=True))
            closed_at = detected + self.minutes(60, 3 * 24 * 60)
            if closed_at <= self.end and rng.random() < 0.5:
                ended = Nonconformance(nonconformance_id=key, category=NonconformanceKind.DEFECT, plant=plant,
                                        affected=InspectedItem(material_id="FG-1"), detected_at=detected,
                                        status=NonconformanceStatus.CLOSED, closed_at=closed_at, source=self.src())
                self.emit(build_event(NonconformanceReported, ended, validated=True))
            else:
                self.books.exceptions.append((plant, "nonconformance", detected))


# --- the truth, aggregated from the books ---------------------------------------------------------------------


def _table(cols: list[str], groups: dict[tuple[Any, ...], Row]) -> list[Row]:
    rows = [{**dict(zip(cols, key, strict=True)), **figures} for key, figures in groups.items()]
    rows.sort(key=lambda row: d.sort_key(row, cols))
    return rows


def _pick(cols: list[str], **values: Any) -> tuple[Any, ...]:
    return tuple(values[c] for c in cols)


def truth(books: _Books, params: Params, as_of: datetime) -> Tables:
    """Every KPI table from the simulation's books."""
    out: Tables = {}
    cols = d.group_columns("release_latency", params)
    lat: defaultdict[tuple[Any, ...], list[int | None]] = defaultdict(list)
    for plant, day, micros in books.latency:
        lat[_pick(cols, plant=plant, day=day)].append(micros)
    out["release_latency"] = _table(cols, {
        k: {"released": len(v), "signed": len([x for x in v if x is not None]),
            "pending": len([x for x in v if x is None]),
            **d.duration_stats([x for x in v if x is not None], params)} for k, v in lat.items()})

    cols = d.group_columns("posting_outcomes", params)
    fcols = d.group_columns("posting_failures", params)
    outcomes: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
    failures: Counter[tuple[Any, ...]] = Counter()
    for plant, first, kind, vendor, outcome, code, _fail in books.postings:
        outcomes[_pick(cols, plant=plant, day=first.date(), kind=kind, vendor=vendor)][outcome] += 1
        if outcome == "failed":
            failures[_pick(fcols, plant=plant, day=first.date(), vendor=vendor, code=code)] += 1
    out["posting_outcomes"] = _table(cols, {
        k: {"requested": sum(c.values()), **{n: c[n] for n in ("posted", "failed", "cancelled", "open", "overdue")},
            "success_rate": d.success_rate(c["posted"], c["failed"], c["overdue"])} for k, c in outcomes.items()})
    out["posting_failures"] = _table(fcols, {k: {"failures": v} for k, v in failures.items()})

    cols = d.group_columns("posting_delay", params)
    delays: defaultdict[tuple[Any, ...], list[int]] = defaultdict(list)
    for plant, day, micros in books.delay:
        delays[_pick(cols, plant=plant, day=day)].append(micros)
    out["posting_delay"] = _table(cols, {k: {"movements": len(v), **d.duration_stats(v, params)}
                                         for k, v in delays.items()})

    cols = d.group_columns("exception_aging", params)
    ages: defaultdict[tuple[Any, ...], list[int]] = defaultdict(list)
    for plant, kind, opened in books.exceptions:
        age = d.micros(as_of - opened)
        ages[_pick(cols, plant=plant, kind=kind, bucket=d.age_bucket(age, params))].append(age)
    out["exception_aging"] = _table(cols, {k: {"open": len(v), "oldest_s": max(v) / 1_000_000}
                                           for k, v in ages.items()})

    cols = d.group_columns("unposted_completions", params)
    unposted: defaultdict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for plant, uom, qty in books.unposted:
        group = unposted[_pick(cols, plant=plant, uom=uom)]
        group[0] += 1
        group[1] += qty
    out["unposted_completions"] = _table(cols, {k: {"confirmations": v[0], "quantity": v[1]}
                                                for k, v in unposted.items()})

    cols = d.group_columns("reconciliation_gap", params)
    gaps: defaultdict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])
    for plant, uom, gap in books.gaps:
        group = gaps[_pick(cols, plant=plant, uom=uom)]
        group[0] += 1
        group[1] += gap != 0
        group[2] += gap
        group[3] += abs(gap)
    out["reconciliation_gap"] = _table(cols, {k: {"pairs": v[0], "gaps": v[1], "net_gap": v[2], "abs_gap": v[3]}
                                              for k, v in gaps.items()})
    return out


def estate(seed: int = 0, *, plants: int = 3, days: int = 5, orders_per_day: int = 20,
           params: Params | None = None, shuffle: bool = False, duplicates: float = 0.0) -> Scenario:
    """Simulate ``plants`` plants over ``days`` days from ``seed``; the same arguments give the same events.

    ``shuffle`` delivers the events out of order; ``duplicates`` (a share, 0 to 1) re-delivers that share
    of them (same event id), as an at-least-once transport does. Neither changes the truth. ``params`` sets
    the thresholds and grouping the truth is computed for; its ``as_of`` is replaced by the end of the period.
    """
    base = params or Params()
    sim = _Sim(seed, plants, days, orders_per_day, base)
    sim.run()
    params = dataclasses.replace(base, as_of=sim.end)
    events = sorted(sim.events, key=lambda event: event.time)
    if duplicates:
        extra = [event for event in events if sim.rng.random() < duplicates]
        events = events + extra
        events.sort(key=lambda event: event.time)
    if shuffle:
        sim.rng.shuffle(events)
    return Scenario(events=events, params=params, truth=truth(sim.books, params, sim.end),
                    drift={k: v for k, v in sim.drift.items() if v})
