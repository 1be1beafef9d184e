"""The idempotency helper: eviction rules of both stores, and a re-delivered event dropped on the broker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _broker import config, confirmation_event, create_topics, encoded, produce_records, until

from mfgcanon.errors import ValidationError
from mfgcanon.kafka import serde
from mfgcanon.kafka.consumer import CanonicalConsumer, Pipeline
from mfgcanon.kafka.deadletter import DeadLetterRouter
from mfgcanon.kafka.idempotency import Idempotency, IdempotencyStore, MemoryStore, SqliteStore, event_key
from mfgcanon.kafka.metrics import EventMetrics
from mfgcanon.kafka.mock_cluster import MockCluster

TYPE = "mfgcanon.production.confirmed.v1"


@pytest.fixture(scope="module")
def cluster(kafka_cluster: MockCluster) -> MockCluster:
    return create_topics(kafka_cluster, ("redelivered", 2))


def test_a_redelivered_event_is_dropped(cluster: MockCluster) -> None:
    events = [confirmation_event(i) for i in range(4)]
    again = events[1]  # the same event produced twice (a re-sent IDoc), and once more to the other partition
    produce_records(cluster, "redelivered", [encoded(e) for e in events] + [encoded(again)], partition=0)
    produce_records(cluster, "redelivered", [encoded(again)], partition=1)
    seen: list[Any] = []
    metrics = EventMetrics()
    with CanonicalConsumer(config(cluster, "g-dup"), ["redelivered"], serde.JsonDeserializer(), seen.append,
                           idempotency=Idempotency(), metrics=metrics) as consumer:
        until(lambda: consumer.records >= 6, lambda: consumer.poll(0.2))
    assert sorted(map(str, (e.id for e in seen))) == sorted(str(e.id) for e in events)
    counts = metrics.snapshot().types[TYPE]
    assert (counts.consumed, counts.duplicates, counts.rejected) == (4, 2, 0)


def test_the_key_is_source_and_id() -> None:
    event = confirmation_event(1)
    assert event_key(event) == f"{event.source} {event.id}"
    assert event_key({"source": "urn:x", "id": "1"}) == "urn:x 1"
    with pytest.raises(ValidationError) as caught:
        event_key({"id": "1"})
    assert caught.value.code == "missing_identity"
    assert caught.value.path == "$.source"


def test_a_failed_handler_does_not_mark_the_event() -> None:
    """Marking after success: a redelivery of an event whose handling failed is handled again."""
    helper = Idempotency(MemoryStore())
    event = confirmation_event(1)
    assert not helper.is_duplicate(event)  # handler fails here: no mark
    assert not helper.is_duplicate(event)
    helper.mark(event)
    assert helper.is_duplicate(event)


def stores(tmp_path: Path, max_keys: int, ttl: float | None) -> list[IdempotencyStore]:
    return [MemoryStore(max_keys=max_keys, ttl=ttl),
            SqliteStore(str(tmp_path / "seen.sqlite"), max_keys=max_keys, ttl=ttl, prune_every=1)]


def test_the_least_recently_marked_key_goes_first(tmp_path: Path) -> None:
    for store in stores(tmp_path, max_keys=3, ttl=None):
        for at, key in enumerate("abc"):
            store.mark(key, float(at))
        store.mark("a", 3.0)  # marked again: now the most recent
        store.mark("d", 4.0)  # over max_keys: "b" is evicted
        assert [store.seen(k, 5.0) for k in "abcd"] == [True, False, True, True], type(store).__name__
        assert isinstance(store, IdempotencyStore)


def test_keys_older_than_the_window_are_forgotten(tmp_path: Path) -> None:
    for store in stores(tmp_path, max_keys=100, ttl=10.0):
        store.mark("old", 0.0)
        store.mark("new", 8.0)
        assert store.seen("old", 10.0), type(store).__name__
        assert not store.seen("old", 10.5), type(store).__name__
        assert store.seen("new", 18.0)
        store.mark("later", 30.0)  # marking prunes what fell out of the window
        assert len(store) == 1  # type: ignore[arg-type]


def test_the_sqlite_store_survives_a_restart(tmp_path: Path) -> None:
    path = str(tmp_path / "seen.sqlite")
    first = SqliteStore(path)
    first.mark("urn:mfgcanon:S4H 1", 100.0)
    first.close()
    second = SqliteStore(path)
    assert second.seen("urn:mfgcanon:S4H 1", 101.0)
    assert not second.seen("urn:mfgcanon:S4H 2", 101.0)
    second.close()


def test_the_memory_store_refuses_a_zero_size() -> None:
    with pytest.raises(ValueError, match="max_keys"):
        MemoryStore(max_keys=0)


class _Acking:
    """A producer stand-in that acknowledges every record at once (the broker paths are tested elsewhere)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def produce(self, topic: str, **record: Any) -> None:
        self.sent.append({"topic": topic, **record})
        record["on_delivery"](None, None)

    def poll(self, _timeout: float) -> int:
        return 0


class _Record:
    def __init__(self, value: bytes) -> None:
        self._value = value

    def value(self) -> bytes:
        return self._value

    def key(self) -> None:
        return None

    def headers(self) -> None:
        return None

    def topic(self) -> str:
        return "raw"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return 9

    def timestamp(self) -> tuple[int, int]:
        return (1, 0)


def test_an_event_without_identity_is_dead_lettered_not_raised() -> None:
    """Regression: the key was computed outside the handler's guard, so a record without `source` raised out of
    the loop and blocked its partition."""
    sender = _Acking()
    pipeline = Pipeline(lambda value, _ctx: json.loads(value or b""), lambda _e: None, idempotency=Idempotency(),
                        dead_letter=DeadLetterRouter(sender, "raw.dlq"))
    outcome = pipeline.process(_Record(b'{"id": "1", "type": "x"}'))
    assert outcome.failure is not None
    assert (outcome.failure.code, outcome.failure.path) == ("missing_identity", "$.source")
    assert sender.sent[0]["value"] == b'{"id": "1", "type": "x"}'
