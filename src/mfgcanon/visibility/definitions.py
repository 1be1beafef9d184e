"""The KPI definitions, once: parameters, the fact table every path reads, and the rules per KPI.

Every path (the streaming calculator, the polars path, a Spark path) first turns canonical events into
*facts*: one row per role an event plays (a confirmation is a sign of MES activity, a posting request and
a completion at once). :data:`FACT_COLUMNS` is that table's schema; :func:`facts_of` makes the rows of one
event in Python, :mod:`mfgcanon.visibility.columnar` makes the same rows with polars expressions. The KPIs
are then defined over facts only (docs/visibility.md has the formulas), with the parameters of
:class:`Params`, and give the tables of :data:`TABLES`.

Rules every KPI shares:

* **as of**: ``Params.as_of``, else the latest event ``time`` read. Events whose ``time`` is after it are
  ignored; ages and thresholds are measured to it.
* **duplicates**: events with the same CloudEvents ``id`` count once (the first read).
* **one fact, once**: a confirmation or movement is known by :func:`mfgcanon.v1.posting.fact_key` (the
  request's external id, else its own id), as :func:`mfgcanon.v1.count_once` counts it.
* **durations** are whole microseconds, never negative (a clock skew counts as zero), reported in seconds;
  percentiles are nearest-rank: the value at rank ``ceil(p/100 * n)`` of the sorted values.
* **quantities** stay ``Decimal`` (polars ``Decimal(38, 9)``, the model's Avro decimal).
* **missing plant** is reported as ``None`` (JSON ``null``), never dropped.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Literal

import msgspec

from mfgcanon.v1 import events as ev
from mfgcanon.v1.common import StockStatus
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.order import OperationStatus, OrderStatus
from mfgcanon.v1.posting import MessageSeverity, Posting, PostingState, fact_key
from mfgcanon.v1.quality import NonconformanceKind, NonconformanceStatus

KpiName = Literal["release_latency", "posting_outcomes", "posting_failures", "posting_delay",
                  "exception_aging", "unposted_completions", "reconciliation_gap"]
KPIS: Final[tuple[KpiName, ...]] = ("release_latency", "posting_outcomes", "posting_failures", "posting_delay",
                                    "exception_aging", "unposted_completions", "reconciliation_gap")
GROUPINGS: Final = ("plant", "day")
"""What ``by`` may name; a KPI without a day (exception aging, unposted completions, gaps) ignores ``day``."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Params:
    """The parameters of every KPI, in one place (the defaults are the documented ones)."""

    as_of: datetime | None = None
    """The instant figures are computed for; None: the latest event time read."""
    open_threshold: timedelta = timedelta(hours=4)
    """A posting request with no outcome for longer than this is *overdue* (counts against the success rate)."""
    unposted_threshold: timedelta = timedelta(hours=8)
    """A confirmation with yield and no goods receipt for longer than this is an unposted completion."""
    age_buckets: tuple[timedelta, ...] = (timedelta(days=1), timedelta(days=3), timedelta(days=7))
    """Upper bounds of the exception age buckets; the last bucket is open-ended."""
    percentiles: tuple[int, ...] = (50, 95)
    """Nearest-rank percentiles reported for durations."""
    mes_systems: frozenset[str] = frozenset()
    """Source systems that are MES: their order release or status-change-to-released is a *receipt* (a sign
    of MES activity), not the ERP release."""
    by: tuple[str, ...] = ("plant", "day")
    """Grouping: a subset of :data:`GROUPINGS`."""

    def __post_init__(self) -> None:
        from mfgcanon.errors import ValidationError

        unknown = sorted(set(self.by) - set(GROUPINGS))
        if unknown:
            raise ValidationError(f"cannot group by {', '.join(unknown)}: choose from {', '.join(GROUPINGS)}",
                                  code="invalid_value", path="$.by")
        if self.as_of is not None and self.as_of.tzinfo is None:
            raise ValidationError("as_of must be timezone-aware", code="naive_datetime", path="$.as_of")
        if list(self.age_buckets) != sorted(self.age_buckets) or any(b <= timedelta(0) for b in self.age_buckets):
            raise ValidationError("age_buckets must be positive and ascending", code="invalid_value",
                                  path="$.age_buckets")
        if any(not 0 < p <= 100 for p in self.percentiles):
            raise ValidationError("percentiles must lie in (0, 100]", code="invalid_value", path="$.percentiles")


# --- the fact table -----------------------------------------------------------------------------------------

Role = Literal["release", "sign", "request", "result", "movement", "completion", "balance", "hold", "nc"]

FACT_COLUMNS: Final[dict[str, str]] = {
    "id": "string: CloudEvents id of the event",
    "time": "timestamp[us, UTC]: CloudEvents time (the as-of filter reads it)",
    "role": "string: release | sign | request | result | movement | completion | balance | hold | nc",
    "key": "string: the entity the row belongs to (order, fact, bucket, hold or nonconformance key)",
    "plant": "string, nullable",
    "at": "timestamp[us, UTC]: the KPI start instant of the row",
    "end": "timestamp[us, UTC], nullable: posted_at of a movement, release of a hold, close of a nonconformance",
    "state": "string, nullable: posting state, hold state",
    "kind": "string, nullable: confirmation | material_movement (postings), movement type, category",
    "vendor": "string, nullable: the target system of a posting",
    "code": "string, nullable: the error code of a failed posting",
    "order": "string, nullable: plant|order of a completion or goods receipt",
    "conf": "string, nullable: confirmation id of a completion, or the one a goods receipt names",
    "qty": "decimal(38, 9), nullable",
    "uom": "string, nullable",
    "reversal": "bool",
    "coarse": "bool: occurred_at known to the day only",
    "bucket_in": "string, nullable: stock bucket a movement adds to",
    "bucket_out": "string, nullable: stock bucket a movement takes from",
}
"""The fact table: the seam every path implements (Python rows here, polars in ``columnar``, Spark next)."""


class Fact(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """One row of the fact table (see :data:`FACT_COLUMNS`)."""

    id: str
    time: datetime
    role: str
    key: str
    plant: str | None
    at: datetime
    end: datetime | None = None
    state: str | None = None
    kind: str | None = None
    vendor: str | None = None
    code: str | None = None
    order: str | None = None
    conf: str | None = None
    qty: Decimal | None = None
    uom: str | None = None
    reversal: bool = False
    coarse: bool = False
    bucket_in: str | None = None
    bucket_out: str | None = None


STOCK_IN: Final = frozenset({MovementType.GOODS_RECEIPT, MovementType.ADJUSTMENT_IN, MovementType.TRANSFER,
                             MovementType.STATUS_CHANGE, MovementType.RETURN})
"""Movement types that add to the bucket they go to (a reversal takes from it instead)."""
STOCK_OUT: Final = frozenset({MovementType.GOODS_ISSUE, MovementType.SCRAP, MovementType.ADJUSTMENT_OUT,
                              MovementType.SHIPMENT_ISSUE, MovementType.TRANSFER, MovementType.STATUS_CHANGE,
                              MovementType.RETURN})
"""Movement types that take from the bucket they come from (a reversal adds to it)."""

_FAILING = (MessageSeverity.ERROR, MessageSeverity.ABORT)
RANK: Final[dict[str, int]] = {"posted": 4, "cancelled": 3, "failed": 2, "other": 1, "requested": 0}
"""Which posting state wins when a fact is seen in several (the rank of :func:`mfgcanon.v1.count_once`)."""


def bucket_key(plant: str, material: str, storage: str | None, lot: str | None, status: str,
               special_type: str | None, special_id: str | None, uom: str) -> str:
    """A stock bucket's identity: material, plant, location, lot, stock status, special stock and unit
    (a movement in another unit than the snapshot's lands in another bucket, never converted silently)."""
    return "|".join((plant, material, storage or "", lot or "", status, special_type or "", special_id or "", uom))


def order_key(plant: str | None, order_id: str) -> str:
    """The order a completion or receipt belongs to; the plant keeps order numbers of two plants apart."""
    return f"{plant or ''}|{order_id}"


def _code(messages: Sequence[Any], fallback: str | None) -> str | None:
    for message in messages:
        if message.severity in _FAILING and message.code:
            return str(message.code)
    return fallback


def _posting_key(kind: str, entity: Any) -> str:
    return f"{kind}|{fact_key(entity)[1]}"


def _movement_rows(event: _Envelope, data: MaterialMovement, posting: Posting | None) -> Iterator[Fact]:
    if posting is not None and posting.state is not PostingState.POSTED:
        return
    kind = data.movement_type
    uom = data.quantity.uom
    to_loc, from_loc = data.to_location, data.from_location
    bucket_in = bucket_out = None
    if kind in STOCK_IN:
        bucket_in = bucket_key(to_loc.plant if to_loc else data.plant, data.material_id,
                               to_loc.storage_location if to_loc else None, data.lot_id,
                               data.to_stock_status or StockStatus.UNRESTRICTED, data.special_stock_type,
                               data.special_stock_id, uom)
    if kind in STOCK_OUT:
        bucket_out = bucket_key(from_loc.plant if from_loc else data.plant, data.material_id,
                                from_loc.storage_location if from_loc else None, data.lot_id,
                                data.from_stock_status or StockStatus.UNRESTRICTED, data.special_stock_type,
                                data.special_stock_id, uom)
    if data.is_reversal:
        bucket_in, bucket_out = bucket_out, bucket_in
    yield Fact(event.id_text, event.time, "movement", _posting_key("material_movement", data), data.plant,
               data.occurred_at, data.posted_at or (posting.posted_at if posting else None), "posted", kind.value,
               order=order_key(data.plant, data.order_id) if data.order_id else None, conf=data.confirmation_id,
               qty=data.quantity.value, uom=uom, reversal=data.is_reversal,
               coarse=data.occurred_at_precision != "instant", bucket_in=bucket_in, bucket_out=bucket_out)


def facts_of(event: Any, params: Params, ident: str | None = None) -> list[Fact]:
    """The fact rows of one canonical event (none for an event no KPI reads); ``ident`` is ``str(event.id)``
    where the caller has it already."""
    if type(event) not in _READ:
        return []
    return list(_facts(_Envelope(event, ident), params))


class _Envelope:
    """The envelope fields a fact carries, read once."""

    __slots__ = ("data", "event", "id_text", "plant", "time")

    def __init__(self, event: Any, ident: str | None) -> None:
        self.event = event
        self.data = event.data
        self.id_text = ident if ident is not None else str(event.id)
        self.time: datetime = event.time
        self.plant: str | None = event.plant


def _posting_request(env: _Envelope, kind: str, posting: Posting) -> Fact:
    data = env.data
    code = _code(posting.messages, posting.state_source_code) if posting.state is PostingState.FAILED else None
    return Fact(env.id_text, env.time, "request", _posting_key(kind, data), data.plant,
                posting.requested_at or env.time, state=posting.state.value, kind=kind,
                vendor=posting.target_system, code=code)


def _facts(env: _Envelope, params: Params) -> Iterator[Fact]:
    event, data = env.event, env.data
    cls = type(event)
    if cls is ev.ProductionOrderReleased or (cls is ev.ProductionOrderStatusChanged
                                             and data.status is OrderStatus.RELEASED):
        role = "sign" if event.sourcesystem in params.mes_systems else "release"
        at = (getattr(data, "released_at", None) or env.time) if role == "release" else env.time
        yield Fact(env.id_text, env.time, role, event.partitionkey, data.plant, at)
    elif ((cls is ev.ProductionOrderStatusChanged and data.status is OrderStatus.IN_PROGRESS)
          or (cls is ev.OperationStatusChanged and data.status is OperationStatus.IN_PROGRESS)):
        yield Fact(env.id_text, env.time, "sign", event.partitionkey, data.plant, env.time)
    elif cls is ev.ProductionConfirmed:
        yield Fact(env.id_text, env.time, "sign", event.partitionkey, data.plant, env.time)
        posting = data.posting
        if posting is not None:
            yield _posting_request(env, "confirmation", posting)
        if (data.yield_quantity.value > 0 and not data.is_reversal
                and (posting is None or posting.state not in (PostingState.FAILED, PostingState.CANCELLED))):
            yield Fact(env.id_text, env.time, "completion", _posting_key("confirmation", data), data.plant, env.time,
                       order=order_key(data.plant, data.order_id), conf=data.confirmation_id,
                       qty=data.yield_quantity.value, uom=data.yield_quantity.uom)
    elif cls in _MOVEMENTS:
        posting = data.posting
        if posting is not None:
            yield _posting_request(env, "material_movement", posting)
        yield from _movement_rows(env, data, posting)
    elif cls is ev.PostingSucceeded or cls is ev.PostingFailed:
        kind = data.request_kind.value
        if kind in ("confirmation", "material_movement") and data.request_external_id:
            outcome = data.outcome.value
            code = _code(data.messages, data.outcome_source_code) if outcome != "posted" else None
            yield Fact(env.id_text, env.time, "result", f"{kind}|ext:{data.request_external_id}", data.plant,
                       data.processed_at, state=outcome, kind=kind, vendor=data.target_system, code=code)
    elif cls is ev.InventoryBalanceReported:
        loc = data.location
        bucket = bucket_key(data.plant, data.material_id, loc.storage_location if loc else None, data.lot_id,
                            data.stock_status, data.special_stock_type, data.special_stock_id, data.quantity.uom)
        yield Fact(env.id_text, env.time, "balance", bucket, data.plant, data.snapshot_at, qty=data.quantity.value,
                   uom=data.quantity.uom)
    elif cls is ev.QualityHoldPlaced or cls is ev.QualityHoldReleased:
        hold = data.hold
        placed = cls is ev.QualityHoldPlaced
        yield Fact(env.id_text, env.time, "hold", f"{data.plant}|{data.nonconformance_id}", data.plant,
                   hold.placed_at, None if placed else (hold.released_at or env.time),
                   "placed" if placed else "released")
    elif cls is ev.NonconformanceReported and data.category is not NonconformanceKind.HOLD:
        closed = data.closed_at or (env.time if data.status is NonconformanceStatus.CLOSED else None)
        yield Fact(env.id_text, env.time, "nc", f"{data.plant}|{data.nonconformance_id}", data.plant,
                   data.detected_at or env.time, closed, data.status.value, data.category.value)


_MOVEMENTS: Final = frozenset({ev.MaterialIssued, ev.MaterialScrapped, ev.InventoryReceived, ev.InventoryMoved})
_READ: Final = _MOVEMENTS | {ev.ProductionOrderReleased, ev.ProductionOrderStatusChanged, ev.OperationStatusChanged,
                             ev.ProductionConfirmed, ev.PostingSucceeded, ev.PostingFailed,
                             ev.InventoryBalanceReported, ev.QualityHoldPlaced, ev.QualityHoldReleased,
                             ev.NonconformanceReported}
"""The event classes some KPI reads; every other event only moves the watermark."""


# --- shared rules -------------------------------------------------------------------------------------------

def micros(delta: timedelta) -> int:
    """A duration in whole microseconds, never negative."""
    return max(0, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def rank(p: int, n: int) -> int:
    """The 0-based index of the nearest-rank ``p``-th percentile of ``n`` sorted values (integer arithmetic,
    so every path picks the same value)."""
    return max(0, (p * n + 99) // 100 - 1)


def percentile_columns(params: Params) -> list[str]:
    return [f"p{p}_s" for p in params.percentiles]


def duration_stats(values: Sequence[int], params: Params) -> dict[str, float | None]:
    """Nearest-rank percentiles and the maximum of durations in microseconds, as seconds."""
    ordered = sorted(values)
    out: dict[str, float | None] = {}
    for p in params.percentiles:
        out[f"p{p}_s"] = ordered[rank(p, len(ordered))] / 1_000_000 if ordered else None
    out["max_s"] = ordered[-1] / 1_000_000 if ordered else None
    return out


def age_labels(params: Params) -> list[str]:
    """Bucket labels, e.g. ``<1d``, ``1d-3d``, ``3d-7d``, ``>=7d`` (hours where a bound is not whole days)."""
    def label(bound: timedelta) -> str:
        seconds = int(bound.total_seconds())
        return f"{seconds // 86_400}d" if seconds % 86_400 == 0 else f"{seconds // 3600}h"
    bounds = params.age_buckets
    if not bounds:
        return ["all"]
    names = [f"<{label(bounds[0])}"]
    names += [f"{label(lo)}-{label(hi)}" for lo, hi in itertools.pairwise(bounds)]
    return [*names, f">={label(bounds[-1])}"]


def age_bucket(age_us: int, params: Params) -> str:
    labels = age_labels(params)
    for index, bound in enumerate(params.age_buckets):
        if age_us < micros(bound):
            return labels[index]
    return labels[-1]


def day_of(at: datetime) -> date:
    """The UTC calendar day of an instant (the ``day`` grouping)."""
    return at.astimezone(UTC).date()


def group_columns(kpi: KpiName, params: Params) -> list[str]:
    """The grouping columns of a KPI's table under ``params.by``, in a fixed order."""
    dated = kpi in ("release_latency", "posting_outcomes", "posting_failures", "posting_delay")
    base = [c for c in GROUPINGS if c in params.by and (c != "day" or dated)]
    extra: dict[str, list[str]] = {
        "posting_outcomes": ["kind", "vendor"], "posting_failures": ["vendor", "code"],
        "exception_aging": ["kind", "bucket"], "unposted_completions": ["uom"], "reconciliation_gap": ["uom"],
    }
    return base + extra.get(kpi, [])


def value_columns(kpi: KpiName, params: Params) -> list[str]:
    """The figures of a KPI's table, after its grouping columns."""
    durations = [*percentile_columns(params), "max_s"]
    return {
        "release_latency": ["released", "signed", "pending", *durations],
        "posting_outcomes": ["requested", "posted", "failed", "cancelled", "open", "overdue", "success_rate"],
        "posting_failures": ["failures"],
        "posting_delay": ["movements", *durations],
        "exception_aging": ["open", "oldest_s"],
        "unposted_completions": ["confirmations", "quantity"],
        "reconciliation_gap": ["pairs", "gaps", "net_gap", "abs_gap"],
    }[kpi]


Row = dict[str, Any]
Tables = dict[str, list[Row]]


def sort_key(row: Mapping[str, Any], columns: Sequence[str]) -> tuple[Any, ...]:
    """Rows sort by their grouping columns, nulls first (as polars sorts with ``nulls_last=False``)."""
    return tuple((row[c] is not None, row[c] if row[c] is not None else "") for c in columns)


def success_rate(posted: int, failed: int, overdue: int) -> float | None:
    """posted / (posted + failed + overdue); cancelled and still-open requests are not in the denominator."""
    denominator = posted + failed + overdue
    return posted / denominator if denominator else None
