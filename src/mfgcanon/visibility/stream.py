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
import operator
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import msgspec

from mfgcanon.errors import ValidationError
from mfgcanon.types import Instant
from mfgcanon.v1 import events as ev
from mfgcanon.v1.inventory import MAX_EXACT_DIGITS
from mfgcanon.visibility import definitions as d
from mfgcanon.visibility.definitions import Fact, Params, Row, Tables

_EVICT_EVERY = 4096  # events between eviction passes: amortised O(1) per event


# --- the narrow decode: only the fields the KPIs read, typed (the JSON shape of columnar.raw_schema) ---------

class _Qty(msgspec.Struct, frozen=True, gc=False):
    value: Decimal
    uom: str


class _Loc(msgspec.Struct, frozen=True, gc=False):
    plant: str | None = None
    storage_location: str | None = None


class _Message(msgspec.Struct, frozen=True, gc=False):
    severity: str | None = None
    code: str | None = None


class _Posting(msgspec.Struct, frozen=True, gc=False):
    state: str
    state_source_code: str | None = None
    external_id: str | None = None
    target_system: str | None = None
    requested_at: Instant | None = None
    posted_at: Instant | None = None
    messages: tuple[_Message, ...] = ()


class _Hold(msgspec.Struct, frozen=True, gc=False):
    placed_at: Instant | None = None
    released_at: Instant | None = None


class _Data(msgspec.Struct, frozen=True, gc=False):
    plant: str | None = None
    order_id: str | None = None
    status: str | None = None
    released_at: Instant | None = None
    confirmation_id: str | None = None
    movement_id: str | None = None
    yield_quantity: _Qty | None = None
    quantity: _Qty | None = None
    is_reversal: bool = False
    posting: _Posting | None = None
    movement_type: str | None = None
    material_id: str | None = None
    lot_id: str | None = None
    special_stock_type: str | None = None
    special_stock_id: str | None = None
    to_location: _Loc | None = None
    from_location: _Loc | None = None
    location: _Loc | None = None
    to_stock_status: str | None = None
    from_stock_status: str | None = None
    stock_status: str | None = None
    occurred_at: Instant | None = None
    occurred_at_precision: str = "instant"
    posted_at: Instant | None = None
    request_kind: str | None = None
    request_external_id: str | None = None
    outcome: str | None = None
    outcome_source_code: str | None = None
    target_system: str | None = None
    processed_at: Instant | None = None
    messages: tuple[_Message, ...] = ()
    snapshot_at: Instant | None = None
    nonconformance_id: str | None = None
    category: str | None = None
    detected_at: Instant | None = None
    closed_at: Instant | None = None
    hold: _Hold | None = None


class _Raw(msgspec.Struct, frozen=True, gc=False):
    id: str
    type: str
    time: Instant
    data: _Data
    plant: str | None = None
    sourcesystem: str | None = None
    partitionkey: str | None = None


_DECODER: Final = msgspec.json.Decoder(_Raw)
_KNOWN: Final = frozenset(cls.event_type() for cls in ev.EVENT_TYPES)
_T = "mfgcanon.{}.v1"
_RELEASED, _STATUS, _OPERATION, _CONFIRMED = (_T.format(n) for n in (
    "production_order.released", "production_order.status_changed", "operation.status_changed",
    "production.confirmed"))
_MOVED: Final = frozenset(_T.format(n) for n in ("material.issued", "material.scrapped", "inventory.received",
                                                  "inventory.moved"))
_RESULTS: Final = frozenset(_T.format(n) for n in ("integration.posting_succeeded", "integration.posting_failed"))
_BALANCE, _PLACED, _LIFTED, _NC = (_T.format(n) for n in (
    "inventory.balance_reported", "quality.hold_placed", "quality.hold_released", "quality.nonconformance_reported"))


class Calculator:
    """Feed events with :meth:`feed` (or NDJSON lines with :meth:`feed_lines`); read the current figures with
    :meth:`snapshot` at any time."""

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
        if type(event) in d._READ:  # d.facts_of, without the list of rows
            take = self._take
            for fact in d._facts(d._Envelope(event, ident), self.params):
                take(fact)
        self._since_evict += 1
        if self.horizon is not None and self._since_evict >= _EVICT_EVERY:
            self.evict()

    def feed_many(self, events: Iterable[Any]) -> Calculator:
        for event in events:
            self.feed(event)
        return self

    def feed_lines(self, lines: Iterable[bytes | str]) -> Calculator:
        """Take NDJSON lines of canonical events (a consumer's raw message values); blank lines are skipped.

        Only the fields the KPIs read are decoded, each with its type checked (instants with a zone, decimal
        quantities), and the event type must be a canonical one; the rest of an event is not checked here
        (:func:`mfgcanon.codecs.iter_lines` and :meth:`feed` for that). The figures are those of :meth:`feed`
        on the decoded events (tested): the same rules, applied to the JSON shape.
        """
        decode = _DECODER.decode
        feed = self._feed_raw
        for index, line in enumerate(lines):
            try:
                raw = decode(line)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                if not line.strip():
                    continue
                from mfgcanon.codecs import translate

                raise translate(exc, record_index=index) from None
            feed(raw, index)
        return self

    def _feed_raw(self, raw: _Raw, index: int) -> None:
        """:func:`mfgcanon.visibility.definitions.facts_of` over the narrow decode, straight into the state."""
        ident = raw.id
        if ident in self._seen:
            return
        typ = raw.type
        if typ not in _KNOWN:
            raise ValidationError(f"record {index}: unknown event type {typ!r}", code="invalid_value",
                                  path="$.type").with_record_index(index)
        time = raw.time
        self._seen[ident] = time
        self.events += 1
        if self.watermark is None or time > self.watermark:
            self.watermark = time
        data = raw.data
        if typ in _MOVED:
            self._raw_movement(raw, data)
        elif typ == _CONFIRMED:
            self._order(raw.partitionkey or "", True, time, None)
            posting = data.posting
            key = "confirmation|" + (f"ext:{posting.external_id}" if posting is not None and posting.external_id
                                     else f"id:{data.confirmation_id}")
            if posting is not None:
                self._raw_request(key, "confirmation", posting, data, time)
            made = data.yield_quantity
            if (made is not None and made.value > 0 and not data.is_reversal and key not in self._completions
                    and (posting is None or posting.state not in ("failed", "cancelled"))):
                self._completions[key] = Fact(ident, time, "completion", key, data.plant, time,
                                              order=d.order_key(data.plant, data.order_id or ""),
                                              conf=data.confirmation_id, qty=made.value, uom=made.uom)
        elif typ in _RESULTS:
            kind = data.request_kind
            if (kind == "confirmation" or kind == "material_movement") and data.request_external_id:
                outcome = data.outcome or "other"
                code = d._code(data.messages, data.outcome_source_code) if outcome != "posted" else None
                self._posting(f"{kind}|ext:{data.request_external_id}", False, outcome, data.processed_at or time,
                              data.plant, data.target_system, kind, code)
        elif typ == _RELEASED or (typ == _STATUS and data.status == "released"):
            if raw.sourcesystem in self.params.mes_systems:
                self._order(raw.partitionkey or "", True, time, None)
            else:
                self._order(raw.partitionkey or "", False, data.released_at or time, data.plant)
        elif typ in (_STATUS, _OPERATION) and data.status == "in_progress":
            self._order(raw.partitionkey or "", True, time, None)
        elif typ == _BALANCE:
            loc, quantity = data.location, data.quantity
            uom = quantity.uom if quantity is not None else ""
            bucket = d.bucket_key(data.plant or "", data.material_id or "", loc.storage_location if loc else None,
                                  data.lot_id, data.stock_status or "unrestricted", data.special_stock_type,
                                  data.special_stock_id, uom)
            snaps = self._snapshots[bucket]
            at = data.snapshot_at or time
            if at not in snaps:
                snaps[at] = Fact(ident, time, "balance", bucket, data.plant, at,
                                 qty=quantity.value if quantity is not None else None, uom=uom)
        elif typ in (_PLACED, _LIFTED):
            hold = data.hold or _Hold()
            placed = typ == _PLACED
            self._exception("hold", f"{data.plant}|{data.nonconformance_id}", data.plant, hold.placed_at or time,
                            None if placed else (hold.released_at or time), "placed" if placed else "released")
        elif typ == _NC and data.category != "hold":
            closed = data.closed_at or (time if data.status == "closed" else None)
            self._exception("nc", f"{data.plant}|{data.nonconformance_id}", data.plant, data.detected_at or time,
                            closed, data.status)
        self._since_evict += 1
        if self.horizon is not None and self._since_evict >= _EVICT_EVERY:
            self.evict()

    def _raw_request(self, key: str, kind: str, posting: _Posting, data: _Data, time: datetime) -> None:
        state = posting.state
        code = d._code(posting.messages, posting.state_source_code) if state == "failed" else None
        self._posting(key, True, state, posting.requested_at or time, data.plant, posting.target_system, kind, code)

    def _raw_movement(self, raw: _Raw, data: _Data) -> None:
        posting = data.posting
        key = "material_movement|" + (f"ext:{posting.external_id}" if posting is not None and posting.external_id
                                      else f"id:{data.movement_id}")
        if posting is not None:
            self._raw_request(key, "material_movement", posting, data, raw.time)
            if posting.state != "posted":
                return
        if key in self._movement_keys:
            return
        kind = data.movement_type
        quantity = data.quantity
        uom = quantity.uom if quantity is not None else ""
        plant = data.plant
        bucket_in = bucket_out = None
        if kind in d.STOCK_IN:
            to_loc = data.to_location
            bucket_in = d.bucket_key((to_loc.plant if to_loc else plant) or "", data.material_id or "",
                                     to_loc.storage_location if to_loc else None, data.lot_id,
                                     data.to_stock_status or "unrestricted", data.special_stock_type,
                                     data.special_stock_id, uom)
        if kind in d.STOCK_OUT:
            from_loc = data.from_location
            bucket_out = d.bucket_key((from_loc.plant if from_loc else plant) or "", data.material_id or "",
                                      from_loc.storage_location if from_loc else None, data.lot_id,
                                      data.from_stock_status or "unrestricted", data.special_stock_type,
                                      data.special_stock_id, uom)
        reversal = data.is_reversal
        if reversal:
            bucket_in, bucket_out = bucket_out, bucket_in
        at = data.occurred_at or raw.time
        self._movement(key, raw.time, plant, at, data.posted_at or (posting.posted_at if posting else None), kind,
                       d.order_key(plant, data.order_id) if data.order_id else None, data.confirmation_id,
                       quantity.value if quantity is not None else None, reversal,
                       data.occurred_at_precision != "instant", bucket_in, bucket_out)

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
        records = [(item, self._posting_record(item, as_of)) for item in self._postings.values()]
        with decimal.localcontext(prec=MAX_EXACT_DIGITS):  # sums of quantities never round
            return {
                "release_latency": self._release_latency(),
                **self._posting_tables(records),
                "posting_delay": self._posting_delay(),
                "exception_aging": self._exception_aging(as_of, records),
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
        pick = _picker(cols, "plant", "day")
        for (plant, day, micros), count in samples.items():
            group = groups[pick((plant, day))]
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

    def _posting_tables(self, open_records: list[tuple[list[Any], tuple[Any, ...]]]) -> dict[str, list[Row]]:
        params = self.params
        records: Counter[tuple[Any, ...]] = Counter(self._posting_done)
        for _item, record in open_records:
            records[record[:6]] += 1
        cols = d.group_columns("posting_outcomes", params)
        fcols = d.group_columns("posting_failures", params)
        outcomes: defaultdict[tuple[Any, ...], Counter[str]] = defaultdict(Counter)
        failures: Counter[tuple[Any, ...]] = Counter()
        pick = _picker(cols, "plant", "day", "kind", "vendor")
        fpick = _picker(fcols, "plant", "day", "vendor", "code")
        for (plant, day, kind, vendor, outcome, code), count in records.items():
            outcomes[pick((plant, day, kind, vendor))][outcome] += count
            if outcome == "failed":
                failures[fpick((plant, day, vendor, code))] += count
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
        pick = _picker(cols, "plant", "day")
        for (plant, day, micros), count in self._delay.items():
            groups[pick((plant, day))].extend([micros] * count)
        return _rows(cols, {k: {"movements": len(v), **d.duration_stats(v, params)} for k, v in groups.items()})

    def _exception_aging(self, as_of: datetime, records: list[tuple[list[Any], tuple[Any, ...]]]) -> list[Row]:
        params = self.params
        cols = d.group_columns("exception_aging", params)
        ages: list[tuple[str | None, str, datetime]] = []
        for item, record in records:
            if record[4] == "failed":
                ages.append((item[4], "posting_failure", record[7] or record[6]))
            elif record[4] in ("open", "overdue"):
                ages.append((item[4], "posting_open", record[6]))
        ages += [(plant, kind, at) for at, closed, plant, kind in self._exceptions.values()
                 if not closed and at is not None]
        groups: defaultdict[tuple[Any, ...], list[int]] = defaultdict(list)
        labels = d.age_labels(params)  # d.age_bucket, with the labels and bounds worked out once
        bounds = [d.micros(bound) for bound in params.age_buckets]
        pick = _picker(cols, "plant", "kind", "bucket")
        for plant, kind, at in ages:
            age = d.micros(as_of - at)
            groups[pick((plant, kind, labels[bisect.bisect_right(bounds, age)]))].append(age)
        return _rows(cols, {k: {"open": len(v), "oldest_s": max(v) / 1_000_000} for k, v in groups.items()})

    def _matched(self, f: Fact) -> bool:
        return (f.conf is not None and f.conf in self._receipt_confs) or (f.order is not None
                                                                       and f.order in self._receipt_orders)

    def _unposted(self, as_of: datetime) -> list[Row]:
        cols = d.group_columns("unposted_completions", self.params)
        pick = _picker(cols, "plant", "uom")
        groups: defaultdict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
        for f in self._completions.values():
            posting = self._postings.get(f.key)
            if posting is not None and posting[1] in ("failed", "other", "cancelled"):
                continue  # a posting failure (or a withdrawn request), not a completion awaiting its receipt
            if as_of - f.at > self.params.unposted_threshold and not self._matched(f):
                group = groups[pick((f.plant, f.uom))]
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
        pick = _picker(cols, "plant", "uom")
        for plant, uom, gap in records:
            group = groups[pick((plant, uom))]
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


def _picker(cols: list[str], *names: str) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Projects a tuple of the values of ``names`` onto ``cols`` (a group key), without a dict per call."""
    index = [names.index(c) for c in cols]
    if not index:
        return lambda values: ()
    if len(index) == 1:
        only = index[0]
        return lambda values: (values[only],)
    return operator.itemgetter(*index)


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
