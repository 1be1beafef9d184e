"""Drop re-delivered events by their CloudEvents identity, in bounded memory.

CloudEvents calls two events with the same ``source`` and ``id`` duplicates, and mfgcanon derives ``id``
from the source document (:func:`mfgcanon.events.event_id`), so a re-sent IDoc or a re-read partition gives
the same key. Kafka delivers at least once; this turns that into effectively once for a handler.

Eviction rule (both stores): a key is forgotten when it was last marked more than ``ttl`` seconds ago, or
when more than ``max_keys`` keys are held (the least recently marked goes first). A duplicate that arrives
after its key was forgotten is handled again: size the window to cover the longest re-delivery you
expect (a rebalance: seconds; a replay after an outage: the outage).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol, runtime_checkable

from mfgcanon.errors import ValidationError

__all__ = ["Idempotency", "IdempotencyStore", "MemoryStore", "SqliteStore", "event_key"]


@runtime_checkable
class IdempotencyStore(Protocol):
    """Where the keys of handled events live; ``now`` is seconds (``time.time()``), passed for testability."""

    def seen(self, key: str, now: float) -> bool:
        """Whether ``key`` was marked and not yet evicted."""

    def mark(self, key: str, now: float) -> None:
        """Remember ``key`` as handled at ``now``."""


def event_key(event: Any) -> str:
    """``source`` + ``id`` of an event (a struct with those attributes, or a mapping): its CloudEvents identity."""
    if isinstance(event, Mapping):
        source, ident = event.get("source"), event.get("id")
    else:
        source, ident = getattr(event, "source", None), getattr(event, "id", None)
    if not source or not ident:
        raise ValidationError("an event needs 'source' and 'id' to be deduplicated", code="missing_identity",
                              path="$.id" if source else "$.source")
    return f"{source} {ident}"  # a space: neither a source URI nor a CloudEvents id of mfgcanon holds one


class MemoryStore:
    """An LRU of keys with a time-to-live, in this process (lost on restart). Thread-safe."""

    def __init__(self, max_keys: int = 100_000, ttl: float | None = 24 * 3600.0) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.max_keys = max_keys
        self.ttl = ttl
        self._keys: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def seen(self, key: str, now: float) -> bool:
        with self._lock:
            marked = self._keys.get(key)
            if marked is None:
                return False
            if self.ttl is not None and now - marked > self.ttl:
                del self._keys[key]
                return False
            return True

    def mark(self, key: str, now: float) -> None:
        with self._lock:
            self._keys[key] = now
            self._keys.move_to_end(key)
            while len(self._keys) > self.max_keys:
                self._keys.popitem(last=False)
            if self.ttl is not None:  # the oldest first: stop at the first key still inside the window
                while self._keys:
                    oldest, marked = next(iter(self._keys.items()))
                    if now - marked <= self.ttl:
                        break
                    del self._keys[oldest]


class SqliteStore:
    """Keys in an SQLite file (stdlib): they survive a restart, so a replay after an outage is deduplicated.

    Same eviction rule as :class:`MemoryStore`; pruning runs every ``prune_every`` marks, so the table may
    briefly hold up to ``max_keys + prune_every`` rows. One connection, serialised by a lock.
    """

    def __init__(self, path: str, max_keys: int = 1_000_000, ttl: float | None = 7 * 24 * 3600.0,
                 prune_every: int = 1000) -> None:
        self.max_keys = max_keys
        self.ttl = ttl
        self.prune_every = prune_every
        self._marks = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS mfgcanon_seen (key TEXT PRIMARY KEY, at REAL NOT NULL)")
        self._db.execute("CREATE INDEX IF NOT EXISTS mfgcanon_seen_at ON mfgcanon_seen (at)")

    def seen(self, key: str, now: float) -> bool:
        with self._lock:
            row = self._db.execute("SELECT at FROM mfgcanon_seen WHERE key = ?", (key,)).fetchone()
        return row is not None and (self.ttl is None or now - float(row[0]) <= self.ttl)

    def mark(self, key: str, now: float) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO mfgcanon_seen (key, at) VALUES (?, ?)", (key, now))
            self._marks += 1
            if self._marks % self.prune_every == 0:
                self._prune(now)

    def _prune(self, now: float) -> None:
        if self.ttl is not None:
            self._db.execute("DELETE FROM mfgcanon_seen WHERE at < ?", (now - self.ttl,))
        self._db.execute("DELETE FROM mfgcanon_seen WHERE key IN (SELECT key FROM mfgcanon_seen ORDER BY at DESC "
                         "LIMIT -1 OFFSET ?)", (self.max_keys,))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM mfgcanon_seen").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Idempotency:
    """Ask :meth:`is_duplicate` before handling an event and :meth:`mark` after handling it succeeded.

    Marking only after success keeps at-least-once: an event whose handler failed is not remembered, so
    its re-delivery is handled again instead of being dropped.
    """

    def __init__(self, store: IdempotencyStore | None = None, *, key: Callable[[Any], str] = event_key,
                 clock: Callable[[], float] = time.time) -> None:
        self.store: IdempotencyStore = store if store is not None else MemoryStore()
        self.key = key
        self.clock = clock

    def is_duplicate(self, event: Any) -> bool:
        return self.store.seen(self.key(event), self.clock())

    def mark(self, event: Any) -> None:
        self.store.mark(self.key(event), self.clock())
