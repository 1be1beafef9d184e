"""CanonicalConsumer against librdkafka's mock broker: dead letters, at-least-once, groups, counters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from _broker import (
    T0,
    config,
    confirmation_event,
    consume_messages,
    create_topics,
    encoded,
    produce_records,
    producer_for,
    until,
)
from confluent_kafka import Consumer, TopicPartition

from mfgcanon.errors import MappingError
from mfgcanon.kafka import serde
from mfgcanon.kafka.consumer import CanonicalConsumer, Pipeline
from mfgcanon.kafka.deadletter import DeadLetterRouter, read_dead_letter_headers
from mfgcanon.kafka.idempotency import Idempotency
from mfgcanon.kafka.metrics import EventMetrics
from mfgcanon.kafka.mock_cluster import MockCluster

TYPE = "mfgcanon.production.confirmed.v1"


@pytest.fixture(scope="module")
def cluster(kafka_cluster: MockCluster) -> MockCluster:
    return create_topics(kafka_cluster, ("poison", 1), ("poison.dlq", 1), ("handler", 1), ("handler.dlq", 1),
                               ("split", 4), ("crash", 1), ("manual", 1))


def test_poisoned_record_is_dead_lettered_with_its_bytes_and_the_rest_is_handled(cluster: MockCluster) -> None:
    good = [confirmation_event(i) for i in range(5)]
    poison_value = b'{"specversion": "1.0", "type": "mfgcanon.production.confirmed.v1", "id": "7'
    headers = [("ce_type", TYPE.encode()), ("trace", b"\x00\xffraw")]
    records = [encoded(e, headers) for e in good[:2]] + [(b"k-poison", poison_value, headers)]
    produce_records(cluster, "poison", records + [encoded(e, headers) for e in good[2:]])
    handled: list[Any] = []
    metrics = EventMetrics()
    router = DeadLetterRouter(producer_for(cluster), "poison.dlq")
    with CanonicalConsumer(config(cluster, "g-poison"), ["poison"], serde.JsonDeserializer(), handled.append,
                           dead_letter=router, idempotency=Idempotency(), metrics=metrics) as consumer:
        until(lambda: consumer.records >= 6, lambda: consumer.poll(0.2))
        consumer.commit()
        committed = consumer.consumer.committed(consumer.consumer.assignment(), timeout=10)
    assert handled == good  # equal events, in order, the ones after the poisoned record included
    assert [tp.offset for tp in committed] == [6]  # every record handled or dead-lettered: all committed
    [letter] = consume_messages(cluster, "poison.dlq", 1)
    assert letter.key() == b"k-poison"
    assert letter.value() == poison_value
    headers = letter.headers()
    assert headers[:2] == [("ce_type", TYPE.encode()), ("trace", b"\x00\xffraw")]  # the originals, first, unchanged
    info = read_dead_letter_headers(headers)
    assert info["code"] == "truncated_input"
    assert info["error_type"] == "DecodeError"
    assert info["topic"] == "poison"
    assert info["partition"] == "0"
    assert info["offset"] == "2"
    assert int(info["timestamp"]) > 0
    assert info["message"]
    assert datetime.fromisoformat(info["dead_lettered_at"]).tzinfo is not None
    snapshot = metrics.snapshot()
    assert snapshot.types[TYPE].consumed == 5
    assert snapshot.types[TYPE].rejected == 1


def test_a_typed_error_from_the_handler_dead_letters_with_its_code_and_path(cluster: MockCluster) -> None:
    events = [confirmation_event(i) for i in range(3)]
    produce_records(cluster, "handler", [encoded(e) for e in events])
    seen: list[Any] = []

    def handler(event: Any) -> None:
        if event == events[1]:
            raise MappingError("order unknown in MES", code="unresolved_reference", path="$.data.order_id")
        seen.append(event)

    metrics = EventMetrics()
    with CanonicalConsumer(config(cluster, "g-handler"), ["handler"], serde.JsonDeserializer(), handler,
                           dead_letter=DeadLetterRouter(producer_for(cluster), "handler.dlq"), metrics=metrics) as c:
        until(lambda: c.records >= 3, lambda: c.poll(0.2))
    assert seen == [events[0], events[2]]
    [letter] = consume_messages(cluster, "handler.dlq", 1)
    assert letter.value() == encoded(events[1])[1]
    assert letter.key() == encoded(events[1])[0]
    info = read_dead_letter_headers(letter.headers())
    assert (info["code"], info["path"], info["message"]) == ("unresolved_reference", "$.data.order_id",
                                                             "order unknown in MES")
    assert info["offset"] == "1"
    counts = metrics.snapshot().types[TYPE]
    assert (counts.consumed, counts.rejected, counts.duplicates) == (2, 1, 0)


def test_an_unexpected_handler_failure_stops_and_redelivers_from_the_failed_record(cluster: MockCluster) -> None:
    events = [confirmation_event(i) for i in range(4)]
    produce_records(cluster, "crash", [encoded(e) for e in events])
    seen: list[Any] = []
    down = {"database": True}

    def handler(event: Any) -> None:
        if event == events[2] and down["database"]:
            raise ConnectionError("database down")
        seen.append(event)

    with CanonicalConsumer(config(cluster, "g-crash"), ["crash"], serde.JsonDeserializer(), handler) as consumer:
        with pytest.raises(ConnectionError):
            until(lambda: False, lambda: consumer.poll(0.2))
        assert seen == events[:2]
        down["database"] = False
        until(lambda: len(seen) >= 4, lambda: consumer.poll(0.2))  # the same consumer: rewound to the failure
        consumer.commit()
        [tp] = consumer.consumer.committed(consumer.consumer.assignment(), timeout=10)
    assert seen == events
    assert tp.offset == 4


def test_two_consumers_of_one_group_split_the_partitions(cluster: MockCluster) -> None:
    events = [confirmation_event(i, order=f"ORD-{i % 8}") for i in range(40)]
    seen: dict[str, list[Any]] = {"a": [], "b": []}
    a = CanonicalConsumer(config(cluster, "g-split"), ["split"], serde.JsonDeserializer(), seen["a"].append)
    b = CanonicalConsumer(config(cluster, "g-split"), ["split"], serde.JsonDeserializer(), seen["b"].append)
    try:
        def both_assigned() -> bool:
            parts_a = {tp.partition for tp in a.consumer.assignment()}
            parts_b = {tp.partition for tp in b.consumer.assignment()}
            return bool(parts_a) and bool(parts_b) and not parts_a & parts_b and len(parts_a | parts_b) == 4

        # produce once the group has settled: a rebalance while records flow moves partitions whose offsets
        # were not committed yet, and at least once then means twice (under load, a could join alone first)
        until(both_assigned, lambda: (a.poll(0.1), b.poll(0.1)))
        produce_records(cluster, "split", [encoded(e) for e in events])
        until(lambda: len(seen["a"]) + len(seen["b"]) >= 40, lambda: (a.poll(0.1), b.poll(0.1)))
        assert both_assigned()
        parts_a = {tp.partition for tp in a.consumer.assignment()}
    finally:
        a.close()
        b.close()
    assert sorted(e.id for e in seen["a"] + seen["b"]) == sorted(e.id for e in events)  # none lost, none twice
    assert seen["a"]
    assert seen["b"]
    for name, got in seen.items():  # one partition key, one consumer, in produce order
        for key in {e.partitionkey for e in got}:
            assert [e for e in got if e.partitionkey == key] == [e for e in events if e.partitionkey == key], name
    assert parts_a  # (the split itself is asserted in both_assigned)


def test_lag_is_measured_from_the_event_time() -> None:
    metrics = EventMetrics()
    now = T0 + timedelta(seconds=90)
    metrics.consumed(TYPE, T0, now=now)
    metrics.consumed(TYPE, T0 + timedelta(seconds=89, milliseconds=500), now=now)
    metrics.consumed(TYPE, now + timedelta(seconds=5), now=now)  # a producer clock ahead: lag 0, not negative
    counts = metrics.snapshot().types[TYPE]
    assert (counts.lag_count, counts.lag_sum, counts.lag_max) == (3, 90.5, 90.0)
    assert counts.lag_buckets[0] == 1
    assert counts.lag_buckets[1] == 1
    assert counts.lag_buckets[6] == 1


def test_pipeline_without_dead_letter_topic_raises_instead_of_losing() -> None:
    class Message:
        def value(self) -> bytes:
            return b"not json"

        def headers(self) -> None:
            return None

        def topic(self) -> str:
            return "t"

    with pytest.raises(Exception, match="malformed_input"):
        Pipeline(serde.JsonDeserializer(), print).process(Message())
    assert datetime.now(UTC) > T0


def test_close_commits_what_was_handled_with_auto_commit_off(cluster: MockCluster) -> None:
    events = [confirmation_event(i) for i in range(2)]
    produce_records(cluster, "manual", [encoded(e) for e in events])
    settings = config(cluster, "g-manual", **{"enable.auto.commit": False})
    loop = CanonicalConsumer(settings, ["manual"], serde.JsonDeserializer(), lambda _e: None)
    until(lambda: loop.records >= 2, lambda: loop.poll(0.2))
    loop.close()
    reader = Consumer(settings)
    try:
        [tp] = reader.committed([TopicPartition("manual", 0)], timeout=10)
    finally:
        reader.close()
    assert tp.offset == 2
