"""Replay by offsets and by time: what was missed reaches the handler, what was handled is not repeated."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from _broker import (
    DEADLINE,
    T0,
    config,
    confirmation_event,
    create_topics,
    encoded,
    produce_records,
    producer_for,
    until,
)
from confluent_kafka import Consumer

from mfgcanon.errors import ValidationError
from mfgcanon.kafka import serde
from mfgcanon.kafka.consumer import CanonicalConsumer, ConsumerError, Pipeline
from mfgcanon.kafka.deadletter import DeadLetterRouter
from mfgcanon.kafka.idempotency import Idempotency, SqliteStore
from mfgcanon.kafka.metrics import EventMetrics
from mfgcanon.kafka.mock_cluster import MockCluster
from mfgcanon.kafka.replay import offsets_for_range, replay

TYPE = "mfgcanon.production.confirmed.v1"


@pytest.fixture(scope="module")
def cluster(kafka_cluster: MockCluster) -> MockCluster:
    return create_topics(kafka_cluster, ("r-off", 1), ("r-time", 2), ("r-time.dlq", 1), ("r-empty", 1))


def ms(minutes: int) -> int:
    return int((T0 + timedelta(minutes=minutes)).timestamp() * 1000)


def test_replay_by_offsets_delivers_only_what_was_missed(cluster: MockCluster, tmp_path: Path) -> None:
    events = [confirmation_event(i) for i in range(10)]
    produce_records(cluster, "r-off", [encoded(e) for e in events[:5]])
    seen: list[Any] = []
    store = SqliteStore(str(tmp_path / "seen.sqlite"))
    with CanonicalConsumer(config(cluster, "g-off"), ["r-off"], serde.JsonDeserializer(), seen.append,
                           idempotency=Idempotency(store)) as live:
        until(lambda: live.records >= 5, lambda: live.poll(0.2))
    store.close()
    produce_records(cluster, "r-off", [encoded(e) for e in events[5:]])  # the outage: nobody reads these
    restarted = Idempotency(SqliteStore(str(tmp_path / "seen.sqlite")))  # a new process, the same store
    metrics = EventMetrics()
    pipeline = Pipeline(serde.JsonDeserializer(), seen.append, idempotency=restarted, metrics=metrics)
    report = replay(config(cluster, "unused"), "r-off", pipeline, offsets={0: (0, 10)}, timeout=DEADLINE)
    assert report.complete
    assert report.records == {0: 10}
    assert (report.handled, report.duplicates, report.dead_lettered) == (5, 5, 0)
    assert seen == events  # each event once, in order
    again = replay(config(cluster, "unused"), "r-off", pipeline, offsets={0: (3, 10)}, timeout=DEADLINE)
    assert (again.handled, again.duplicates) == (0, 7)
    assert seen == events
    counts = metrics.snapshot().types[TYPE]
    assert (counts.consumed, counts.duplicates) == (5, 12)


def test_replay_by_time_selects_the_records_of_the_window(cluster: MockCluster) -> None:
    events = [confirmation_event(i, at=T0 + timedelta(minutes=i), order=f"ORD-{i % 3}") for i in range(12)]
    records = [encoded(e) for e in events]
    records[6] = (b"bad", b"{}", None)  # a poisoned record inside the window: dead-lettered, the replay goes on
    produce_records(cluster, "r-time", records, timestamps=[ms(i) for i in range(12)])
    helper = Idempotency()
    for event in events[:4]:  # handled before the outage
        helper.mark(event)
    seen: list[Any] = []
    pipeline = Pipeline(serde.JsonDeserializer(), seen.append, idempotency=helper,
                        dead_letter=DeadLetterRouter(producer_for(cluster), "r-time.dlq"))
    report = replay(config(cluster, "unused"), "r-time", pipeline, start=T0 + timedelta(minutes=2),
                    end=T0 + timedelta(minutes=9), timeout=DEADLINE)
    assert report.complete
    assert sum(report.records.values()) == 7
    assert (report.handled, report.duplicates, report.dead_lettered) == (4, 2, 1)
    assert sorted(str(e.id) for e in seen) == sorted(str(e.id) for e in [*events[4:6], *events[7:9]])
    assert report.skipped_by_time == 5  # the mock broker has no time index: scanned, each record's time checked


def test_a_window_after_the_last_record_is_empty(cluster: MockCluster) -> None:
    produce_records(cluster, "r-empty", [(b"k", b"{}", None)], timestamps=[ms(0)])
    consumer = Consumer(config(cluster, "probe", **{"enable.auto.commit": False}))
    try:
        assert offsets_for_range(consumer, "r-empty", [0], T0 + timedelta(hours=1), None) == {0: (1, 1)}
        assert offsets_for_range(consumer, "r-empty", [0], T0 - timedelta(hours=1), None) == {0: (0, 1)}
    finally:
        consumer.close()


def test_replay_needs_a_range() -> None:
    pipeline = Pipeline(serde.JsonDeserializer(), print)
    with pytest.raises(ValidationError, match="either offsets or a start"):
        replay({"bootstrap.servers": "127.0.0.1:1"}, "t", pipeline)
    with pytest.raises(ValidationError) as caught:
        replay({"bootstrap.servers": "127.0.0.1:1"}, "t", pipeline, start=T0.replace(tzinfo=None), timeout=1)
    assert caught.value.code == "naive_datetime"


def test_an_unreachable_broker_is_a_broker_error() -> None:
    with pytest.raises(ConsumerError) as caught:
        replay({"bootstrap.servers": "127.0.0.1:1"}, "t", Pipeline(serde.JsonDeserializer(), print), start=T0,
               timeout=1)
    assert caught.value.code == "broker_error"
