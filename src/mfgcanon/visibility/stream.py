"""The streaming path: an incremental calculator fed canonical events one at a time (a Kafka consumer's loop).

Memory holds open items only, plus compact figures of closed ones:

* an order until both its release and its first MES sign are known; then one latency sample;
* a posting fact until it is posted or cancelled; then one count in its group;
* a hold or nonconformance until it is released or closed;
* a completion until a goods receipt matches it;
* per stock bucket, its snapshots and movements since the last snapshot it has reconciled.

**Eviction rule.** With ``horizon`` set, once the watermark (the latest event ``time`` fed) has moved past
an item's time by more than ``horizon``, a *closed* item is folded into its figures and forgotten, and so
is the event id kept for duplicate detection. An event that arrives later than ``horizon`` behind the
watermark is then read as new: a duplicate is counted again, a sign for a forgotten order counts for no
order. Open items are never evicted (they are what the exception figures report). With ``horizon=None``
nothing is forgotten and the figures equal the polars path's on the same input exactly.
"""

from __future__ import annotations

import bisect
import decimal
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from mfgcanon.errors import ValidationError
from mfgcanon.v1.inventory import MAX_EXACT_DIGITS
from mfgcanon.visibility import definitions as d
from mfgcanon.visibility.definitions import Fact, Params, Row, Tables

_EVICT_EVERY = 4096  # events between eviction passes: amortised O(1) per event


class Calculator:
    """Feed events with :meth:`feed`; read the current figures with :meth:`snapshot` at any time."""

    def __init__(self, params: Params | None = None, *, horizon: timedelta | None = None) -> None:
        self.params = params or Params()
        self.horizon = horizon
        self.watermark: datetime | None = None
        self.events = 0
        self._seen: dict[str, datetime] = {}
        self._orders: dict[str, list[Any]] = {}  # key -> [release_at, sign_at, plant]
        self._latency: Counter[tuple[str | None, date, int | None]] = Counter()
        self._postings: dict[str, list[Any]] = {}  # key -> [rank, state, req_at, res_at, plant, vendor, kind,
        #                                                     fail_at, code]
        self._posting_done: Counter[tuple[Any, ...]] = Counter()
        self._movement_keys: dict[str, datetime] = {}
        self._delay: Counter[tuple[str | None, date, int]] = Counter()
        self._exceptions: dict[tuple[str, str], list[Any]] = {}  # (role, key) -> [open_at, closed, plant, kind]
        self._completions: dict[str, Fact] = {}
        self._receipt_confs: dict[str, datetime] = {}
        self._receipt_orders: dict[str, datetime] = {}
        self._snapshots: defaultdict[str, dict[datetime, Fact]] = defaultdict(dict)
        self._deltas: defaultdict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
        self._gap_done: list[tuple[str | None, str, Decimal]] = []  # folded (plant, uom, gap) per reconciled pair
        self._since_evict = 0

    # --- feeding ---------------------------------------------------------------------------------------------

    def feed(self, event: Any) -> None:
        """Take one canonical event (a :class:`mfgcanon.v1.CloudEvent`); a duplicate id is ignored."""
        ident = str(event.id)
        if ident in self._seen:
            return
        time: datetime = event.time
        self._seen[ident] = time
        self.events += 1
        if self.watermark is None or time > self.watermark:
            self.watermark = time
        for fact in d.facts_of(event, self.params, ident):
            self._take(fact)
        self._since_evict += 1
        if self.horizon is not None and self._since_evict >= _EVICT_EVERY:
            self.evict()

    def feed_many(self, events: Iterable[Any]) -> Calculator:
        for event in events:
            self.feed(event)
        return self

    def _take(self, f: Fact) -> None:
        role = f.role
        if role == "release" or role == "sign":
            self._order(f.key, role == "sign", f.at, f.plant if role == "release" else None)
        elif role == "request" or role == "result":
            self._posting(f.key, role == "request", f.state or "other", f.at, f.plant, f.vendor, f.kind, f.code)
        elif role == "movement":
            if f.key not in self._movement_keys:
                self._movement(f.key, f.time, f.plant, f.at, f.end, f.kind, f.order, f.conf, f.qty, f.reversal,
                               f.coarse, f.bucket_in, f.bucket_out)
        elif role == "completion":
            self._completions.setdefault(f.key, f)
        elif role == "balance":
            self._snapshots[f.key].setdefault(f.at, f)
        else:  # hold, nc
            self._exception(role, f.key, f.plant, f.at, f.end, f.state)

    # one method per role: the fact rows (_take) and the narrow decode (_feed_raw) both land here

    def _order(self, key: str, sign: bool, at: datetime, plant: str | None) -> None:
        order = self._orders.get(key)
        if order is None:
            order = self._orders[key] = [None, None, None]
        slot = 1 if sign else 0
        if order[slot] is None or at < order[slot]:
            order[slot] = at
        if plant is not None and (order[2] is None or plant < order[2]):
            order[2] = plant

    def _posting(self, key: str, request: bool, state: str, at: datetime, plant: str | None, vendor: str | None,
                 kind: str | None, code: str | None) -> None:
        item = self._postings.get(key)
        if item is None:
            item = self._postings[key] = [-1, None, None, None, None, None, kind, None, None]
        rank = d.RANK[state]
        if rank > item[0]:
            item[0], item[1] = rank, state
        slot = 2 if request else 3
        if item[slot] is None or at < item[slot]:
            item[slot] = at
        if plant is not None and (item[4] is None or plant < item[4]):
            item[4] = plant
        if vendor is not None and (item[5] is None or vendor < item[5]):
            item[5] = vendor
        if state == "failed" or state == "other":
            if item[7] is None or at < item[7]:
                item[7] = at
            if code is not None and (item[8] is None or code < item[8]):
                item[8] = code

    def _movement(self, key: str, time: datetime, plant: str | None, at: datetime, end: datetime | None,
                  kind: str | None, order: str | None, conf: str | None, qty: Decimal | None, reversal: bool,
                  coarse: bool, bucket_in: str | None, bucket_out: str | None) -> None:
        """A movement fact not seen before (the caller checks ``_movement_keys``)."""
        self._movement_keys[key] = time
        if end is not None and not coarse and not reversal:
            self._delay[(plant, d.day_of(at), d.micros(end - at))] += 1
        if kind == "goods_receipt" and not reversal:
            if conf is not None:
                self._receipt_confs.setdefault(conf, time)
            elif order is not None:
                self._receipt_orders.setdefault(order, time)
        if qty is not None:
            if bucket_in is not None:
                self._deltas[bucket_in].append((at, qty))
            if bucket_out is not None:
                self._deltas[bucket_out].append((at, -qty))

    def _exception(self, role: str, key: str, plant: str | None, at: datetime, end: datetime | None,
                   state: str | None) -> None:
        item = self._exceptions.get((role, key))
        if item is None:
            kind = "hold" if role == "hold" else "nonconformance"
            item = self._exceptions[(role, key)] = [None, False, plant, kind]
        if end is not None or state == "released":
            item[1] = True
        elif item[0] is None or at < item[0]:
            item[0] = at

    # --- eviction --------------------------------------------------------------------------------------------

    def evict(self) -> None:
        """Fold closed items older than ``horizon`` behind the watermark into figures and forget them."""
        self._since_evict = 0
        if self.horizon is None or self.watermark is None:
            return
        cutoff = self.watermark - self.horizon
        self._seen = {k: t for k, t in self._seen.items() if t >= cutoff}
        for key, (release, sign, plant) in list(self._orders.items()):
            if release is not None and sign is not None and max(release, sign) < cutoff:
                self._latency[(plant, d.day_of(release), d.micros(sign - release))] += 1
                del self._orders[key]
        for key, item in list(self._postings.items()):
            if item[1] in ("posted", "cancelled") and _first(item) < cutoff:
                self._posting_done[self._posting_record(item, None)[:6]] += 1
                del self._postings[key]
        self._movement_keys = {k: t for k, t in self._movement_keys.items() if t >= cutoff}
        self._exceptions = {k: v for k, v in self._exceptions.items() if not (v[1] and (v[0] is None or v[0] < cutoff))}
        self._completions = {k: f for k, f in self._completions.items()
                             if not (f.at < cutoff and self._matched(f))}
        self._receipt_confs = {k: t for k, t in self._receipt_confs.items() if t >= cutoff}
        self._receipt_orders = {k: t for k, t in self._receipt_orders.items() if t >= cutoff}
        for bucket, snaps in self._snapshots.items():
            done = sorted(at for at in snaps if at < cutoff)
            if len(done) < 2:
                continue
            with decimal.localcontext(prec=MAX_EXACT_DIGITS):
                pairs = self._pairs(bucket, snaps, done)
            self._gap_done += [(plant, uom, gap) for plant, uom, gap, _row in pairs]
            last = done[-1]
            for at in done[:-1]:
                del snaps[at]
            self._deltas[bucket] = [(at, q) for at, q in self._deltas[bucket] if at > last]

    # --- figures ---------------------------------------------------------------------------------------------

    def snapshot(self, as_of: datetime | None = None) -> Tables:
        """The current figures of every KPI, as rows per table (:data:`mfgcanon.visibility.definitions.KPIS`)."""
        params = self.params
        as_of = as_of or params.as_of or self.watermark
        if as_of is None:
            return {name: [] for name in d.KPIS}
        if self.watermark is not None and as_of < self.watermark:
            raise ValidationError("a streaming snapshot is as of the watermark or later: events after an earlier "
                                  "as-of were already counted", code="invalid_value", path="$.as_of")
        with decimal.localcontext(prec=MAX_EXACT_DIGITS):  # sums of quantities never round
            return {
                "release_latency": self._release_latency(),
                **self._posting_tables(as_of),
                "posting_delay": self._posting_delay(),
                "exception_aging": self._exception_aging(as_of),
                "unposted_completions": self._unposted(as_of),
                "reconciliation_gap": self._reconciliation()[0],
            }

    def reconciliation_details(self) -> list[Row]:
        """One row per reconciled pair of snapshots still in memory (bucket, times, expected, actual, gap)."""
        with decimal.localcontext(prec=MAX_EXACT_DIGITS):
            return self._reconciliation()[1]

    def _release_latency(self) -> list[Row]:
        params = self.params
        samples: Counter[tuple[str | None, date, int | None]] = Counter(self._latency)
        for release, sign, plant in self._orders.values():
            if release is not None:
                samples[(plant, d.day_of(release), None if sign is None else d.micros(sign - release))] += 1
        groups: defaultdict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, []])
        cols = d.group_columns("release_latency", params)
        for (plant, day, micros), count in samples.items():
            group = groups[_project(cols, plant=plant, day=day)]
            group[0] += count
            if micros is not None:
                group[1].extend([micros] * count)
        return _rows(cols, {k: {"released": v[0], "signed": len(v[1]), "pending": v[0] - len(v[1]),
                                **d.duration_stats(v[1], params)} for k, v in groups.items()})

    def _posting_record(self, item: list[Any], as_of: datetime | None) -> tuple[Any, ...]:
        state = item[1]
        first = _first(item)
        if state == "posted" or state == "cancelled":
            outcome = state
        elif state in ("failed", "other"):
            outcome = "failed"
        else:
            outcome = "overdue" if as_of is not None and as_of - first > self.params.open_threshold else "open"
        return (item[4], d.day_of(first), item[6], item[5], outcome, item[8] if outcome == "failed" else None,
                first, item[7])

    def _posting_tables(self, as_of: datetime) -> dict[str, list[Row]]:
        params = self.params
        records: Counter[tuple[Any, ...]] = Counter(self._posting_done)
        for item in self._postings.values():
            records[self._posting_record(item, as_of)[:6]] += 1
        cols = d.group_columns("posting_outcomes", params)
        fcols = d.group_columns("posting_failures", params)
        outcomes: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
        failures: Counter[tuple[Any, ...]] = Counter()
        for (plant, day, kind, vendor, outcome, code), count in records.items():
            outcomes[_project(cols, plant=plant, day=day, kind=kind, vendor=vendor)][outcome] += count
            if outcome == "failed":
                failures[_project(fcols, plant=plant, day=day, vendor=vendor, code=code)] += count
        out = {k: {"requested": sum(c.values()), **{n: c[n] for n in ("posted", "failed", "cancelled", "open",
                                                                       "overdue")},
                   "success_rate": d.success_rate(c["posted"], c["failed"], c["overdue"])}
               for k, c in outcomes.items()}
        return {"posting_outcomes": _rows(cols, out),
                "posting_failures": _rows(fcols, {k: {"failures": v} for k, v in failures.items()})}

    def _posting_delay(self) -> list[Row]:
        params = self.params
        cols = d.group_columns("posting_delay", params)
        groups: defaultdict[tuple[Any, ...], list[int]] = defaultdict(list)
        for (plant, day, micros), count in self._delay.items():
            groups[_project(cols, plant=plant, day=day)].extend([micros] * count)
        return _rows(cols, {k: {"movements": len(v), **d.duration_stats(v, params)} for k, v in groups.items()})

    def _exception_aging(self, as_of: datetime) -> list[Row]:
        params = self.params
        cols = d.group_columns("exception_aging", params)
        ages: list[tuple[str | None, str, datetime]] = []
        for item in self._postings.values():
            record = self._posting_record(item, as_of)
            if record[4] == "failed":
                ages.append((item[4], "posting_failure", record[7] or record[6]))
            elif record[4] in ("open", "overdue"):
                ages.append((item[4], "posting_open", record[6]))
        ages += [(plant, kind, at) for at, closed, plant, kind in self._exceptions.values()
                 if not closed and at is not None]
        groups: defaultdict[tuple[Any, ...], list[int]] = defaultdict(list)
        for plant, kind, at in ages:
            age = d.micros(as_of - at)
            groups[_project(cols, plant=plant, kind=kind, bucket=d.age_bucket(age, params))].append(age)
        return _rows(cols, {k: {"open": len(v), "oldest_s": max(v) / 1_000_000} for k, v in groups.items()})

    def _matched(self, f: Fact) -> bool:
        return (f.conf is not None and f.conf in self._receipt_confs) or (f.order is not None
                                                                       and f.order in self._receipt_orders)

    def _unposted(self, as_of: datetime) -> list[Row]:
        cols = d.group_columns("unposted_completions", self.params)
        groups: defaultdict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
        for f in self._completions.values():
            posting = self._postings.get(f.key)
            if posting is not None and posting[1] in ("failed", "other", "cancelled"):
                continue  # a posting failure (or a withdrawn request), not a completion awaiting its receipt
            if as_of - f.at > self.params.unposted_threshold and not self._matched(f):
                group = groups[_project(cols, plant=f.plant, uom=f.uom)]
                group[0] += 1
                group[1] += f.qty or Decimal(0)
        return _rows(cols, {k: {"confirmations": v[0], "quantity": v[1]} for k, v in groups.items()})

    def _pairs(self, bucket: str, snaps: dict[datetime, Fact],
               times: list[datetime]) -> list[tuple[str | None, str, Decimal, Row]]:
        deltas = sorted(self._deltas.get(bucket, ()), key=lambda pair: pair[0])
        instants = [at for at, _ in deltas]
        running = list(itertools.accumulate((q for _, q in deltas), initial=Decimal(0)))  # exact prefix sums
        out = []
        for previous, current in itertools.pairwise(times):
            moved = running[bisect.bisect_right(instants, current)] - running[bisect.bisect_right(instants, previous)]
            prev_fact, cur_fact = snaps[previous], snaps[current]
            expected = (prev_fact.qty or Decimal(0)) + moved
            actual = cur_fact.qty or Decimal(0)
            gap = actual - expected
            row = {"bucket": bucket, "plant": cur_fact.plant, "uom": cur_fact.uom, "previous_at": previous,
                   "at": current, "previous": prev_fact.qty, "moved": moved, "expected": expected,
                   "actual": actual, "gap": gap}
            out.append((cur_fact.plant, cur_fact.uom or "", gap, row))
        return out

    def _reconciliation(self) -> tuple[list[Row], list[Row]]:
        cols = d.group_columns("reconciliation_gap", self.params)
        records = list(self._gap_done)
        details: list[Row] = []
        for bucket, snaps in self._snapshots.items():
            for plant, uom, gap, row in self._pairs(bucket, snaps, sorted(snaps)):
                records.append((plant, uom, gap))
                details.append(row)
        groups: defaultdict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])
        for plant, uom, gap in records:
            group = groups[_project(cols, plant=plant, uom=uom)]
            group[0] += 1
            group[1] += gap != 0
            group[2] += gap
            group[3] += abs(gap)
        table = _rows(cols, {k: {"pairs": v[0], "gaps": v[1], "net_gap": v[2], "abs_gap": v[3]}
                             for k, v in groups.items()})
        details.sort(key=lambda row: (row["bucket"], row["at"]))
        return table, details


def _first(item: list[Any]) -> datetime:
    """When a posting fact was requested: its earliest request, else its earliest outcome."""
    first: datetime = item[2] if item[2] is not None else item[3]
    return first


def _project(cols: list[str], **values: Any) -> tuple[Any, ...]:
    return tuple(values[c] for c in cols)


def _rows(cols: list[str], groups: dict[tuple[Any, ...], Row]) -> list[Row]:
    rows = [{**dict(zip(cols, key, strict=True)), **figures} for key, figures in groups.items()]
    rows.sort(key=lambda row: d.sort_key(row, cols))
    return rows


def compute(events: Iterable[Any], params: Params | None = None) -> Tables:
    """Every KPI over ``events`` (the Python reference: a calculator fed everything, then one snapshot)."""
    params = params or Params()
    calculator = Calculator(params)
    as_of = params.as_of
    for event in events:
        if as_of is None or event.time <= as_of:
            calculator.feed(event)
    return calculator.snapshot(as_of)


__all__ = ["Calculator", "compute"]
