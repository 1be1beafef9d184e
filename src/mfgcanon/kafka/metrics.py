"""Counters per event type: produced, consumed, rejected, duplicates, and the occurrence-to-consumption lag.

Plain numbers a caller exports to whatever it runs (Prometheus, StatsD, a log line): :meth:`EventMetrics.snapshot`
returns a frozen copy, taken under the lock, so the counts of one snapshot agree with each other.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["LAG_BUCKETS", "UNKNOWN_TYPE", "EventMetrics", "MetricsSnapshot", "TypeCounts"]

UNKNOWN_TYPE = "unknown"
"""The event type of a record rejected before its type was known (it did not decode)."""

LAG_BUCKETS: tuple[float, ...] = (0.1, 0.5, 1.0, 5.0, 30.0, 60.0, 300.0, 3600.0, 86400.0)
"""Upper bounds, in seconds, of the lag histogram (Prometheus ``le`` style); a last bucket takes the rest."""


@dataclass(frozen=True)
class TypeCounts:
    """The counts of one event type. ``lag_*`` is seconds from the event's ``time`` to its consumption;
    ``lag_buckets[i]`` counts lags ``<= LAG_BUCKETS[i]`` (not cumulative), the last one those above all."""

    produced: int = 0
    consumed: int = 0
    rejected: int = 0
    duplicates: int = 0
    lag_count: int = 0
    lag_sum: float = 0.0
    lag_max: float = 0.0
    lag_buckets: tuple[int, ...] = (0,) * (len(LAG_BUCKETS) + 1)

    @property
    def lag_mean(self) -> float | None:
        return self.lag_sum / self.lag_count if self.lag_count else None


@dataclass(frozen=True)
class MetricsSnapshot:
    types: dict[str, TypeCounts] = field(default_factory=dict)

    def total(self, counter: str) -> int:
        """One counter summed over every type: ``total("consumed")``."""
        return sum(int(getattr(counts, counter)) for counts in self.types.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): ``{"types": {type: {"produced": ..., "lag_buckets": [...]}}}``."""
        return {"lag_bucket_bounds": list(LAG_BUCKETS),
                "types": {name: {**asdict(counts), "lag_buckets": list(counts.lag_buckets)}
                          for name, counts in sorted(self.types.items())}}


class _Counts:
    __slots__ = ("consumed", "duplicates", "lag_buckets", "lag_count", "lag_max", "lag_sum", "produced", "rejected")

    def __init__(self) -> None:
        self.produced = self.consumed = self.rejected = self.duplicates = self.lag_count = 0
        self.lag_sum = self.lag_max = 0.0
        self.lag_buckets = [0] * (len(LAG_BUCKETS) + 1)

    def frozen(self) -> TypeCounts:
        return TypeCounts(self.produced, self.consumed, self.rejected, self.duplicates, self.lag_count,
                          self.lag_sum, self.lag_max, tuple(self.lag_buckets))


class EventMetrics:
    """Thread-safe counters; one instance may be shared by producers, consumers and replays of a process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._types: dict[str, _Counts] = {}

    def _of(self, event_type: str) -> _Counts:
        counts = self._types.get(event_type)
        if counts is None:
            counts = self._types[event_type] = _Counts()
        return counts

    def produced(self, event_type: str, count: int = 1) -> None:
        with self._lock:
            self._of(event_type).produced += count

    def consumed(self, event_type: str, occurred: datetime | None = None, now: datetime | None = None) -> None:
        """One event handled; with ``occurred`` (its ``time``) its lag joins the figures (a clock skew that
        puts the event in the future counts as lag 0)."""
        lag = None
        if occurred is not None:
            lag = max(0.0, (now.timestamp() if now is not None else time.time()) - occurred.timestamp())
        with self._lock:
            counts = self._of(event_type)
            counts.consumed += 1
            if lag is not None:
                counts.lag_count += 1
                counts.lag_sum += lag
                counts.lag_max = max(counts.lag_max, lag)
                counts.lag_buckets[bisect.bisect_left(LAG_BUCKETS, lag)] += 1

    def rejected(self, event_type: str | None) -> None:
        with self._lock:
            self._of(event_type or UNKNOWN_TYPE).rejected += 1

    def duplicate(self, event_type: str) -> None:
        with self._lock:
            self._of(event_type).duplicates += 1

    def delivery_callback(self, event_type: str) -> Callable[[Any, Any], None]:
        """An ``on_delivery`` for ``Producer.produce``: counts the event as produced once the broker acked it."""
        def delivered(err: Any, _msg: Any) -> None:
            if err is None:
                self.produced(event_type)
        return delivered

    def snapshot(self) -> MetricsSnapshot:
        with self._lock:
            return MetricsSnapshot({name: counts.frozen() for name, counts in self._types.items()})

    def reset(self) -> MetricsSnapshot:
        """The snapshot, and every counter back to zero (for exporters that ship deltas)."""
        with self._lock:
            taken = MetricsSnapshot({name: counts.frozen() for name, counts in self._types.items()})
            self._types.clear()
            return taken
