"""The plain helpers of the Kafka tests: clients on a loopback cluster, bounded waits, canonical events.

``conftest.py`` turns the cluster-bound ones into fixtures (``produce``, ``consume``, ``make_producer``,
``make_consumer``); tests that drive a cluster themselves import them: ``from _broker import ...``
(``tests/kafka`` is not a package, and ``from conftest import`` would find whichever conftest came first).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, Producer, TopicPartition

from mfgcanon import codecs
from mfgcanon.kafka.mock_cluster import MockCluster
from mfgcanon.v1 import ProductionConfirmation, Quantity, SourceRef
from mfgcanon.v1.events import ProductionConfirmed, build_event

T0 = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
DEADLINE = 30.0  # seconds any one wait may take before the test fails

Headers = Sequence[tuple[str, bytes | str | None]] | None
Record = tuple[bytes | None, bytes | None, Headers]
"""What a test produces: (key, value, headers)."""


def create_topics(cluster: MockCluster, *topics: tuple[str, int]) -> MockCluster:
    """Create ``topics`` (name, partitions) on ``cluster``; the cluster, for a module's fixture to return."""
    for name, partitions in topics:
        cluster.create_topic(name, partitions)
    return cluster


def producer_for(cluster: MockCluster, **conf: Any) -> Producer:
    """A real producer on the cluster; ``conf`` keys use underscores for dots (``linger_ms=0``)."""
    settings: dict[str, Any] = {"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 0,
                                "enable.idempotence": False}
    settings.update({key.replace("_", "."): value for key, value in conf.items()})
    return Producer(settings)


def config(cluster: MockCluster, group: str, **extra: Any) -> dict[str, Any]:
    """A group consumer's configuration that joins and rebalances fast on the mock cluster."""
    return {"bootstrap.servers": cluster.bootstrap_servers, "group.id": group, "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 200, "topic.metadata.refresh.interval.ms": 1000,
            **extra}


def consumer_for(cluster: MockCluster, group: str | None = None, **conf: Any) -> Consumer:
    """A real consumer reading from the earliest offset, in its own group unless ``group`` is given; no commits
    unless ``conf`` says so."""
    settings = config(cluster, group or f"g.{time.monotonic_ns()}", **{"enable.auto.commit": False})
    settings.update({key.replace("_", "."): value for key, value in conf.items()})
    return Consumer(settings)


def produce_records(cluster: MockCluster, topic: str, records: Sequence[Record], *, timeout: float = DEADLINE,
                    partition: int | None = None, timestamps: Sequence[int] | None = None) -> None:
    """Produce every record (with its Kafka timestamp in ms, if given) and wait until the broker acknowledged
    all of them, or fail the test."""
    producer = producer_for(cluster)
    failures: list[str] = []

    def report(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            failures.append(str(err))

    for index, (key, value, headers) in enumerate(records):
        extra: dict[str, Any] = {} if partition is None else {"partition": partition}
        if timestamps is not None:
            extra["timestamp"] = timestamps[index]
        producer.produce(topic, value=value, key=key, headers=list(headers) if headers else None,
                         on_delivery=report, **extra)
        producer.poll(0)
    left = producer.flush(timeout)
    assert left == 0, f"{left} messages not delivered within {timeout}s"
    assert not failures, failures


def consume_messages(cluster: MockCluster, topic: str, count: int, *, timeout: float = DEADLINE,
                     group: str | None = None) -> list[Message]:
    """Read ``count`` messages of ``topic`` from the start (short polls, one overall deadline); without a
    ``group`` every partition is assigned (no group, no rebalance wait, nothing committed)."""
    consumer = consumer_for(cluster, group)
    if group is None:
        partitions = consumer.list_topics(topic, timeout=timeout).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in sorted(partitions)])
    else:
        consumer.subscribe([topic])
    out: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        while len(out) < count and time.monotonic() < deadline:
            msg = consumer.poll(0.2)
            if msg is None:
                continue
            err = msg.error()
            if err is not None:
                if err.code() == KafkaError._PARTITION_EOF:
                    continue
                raise AssertionError(f"consumer error: {err}")
            out.append(msg)
    finally:
        consumer.close()
    assert len(out) == count, f"got {len(out)} of {count} messages within {timeout}s"
    return out


def until(condition: Callable[[], bool], step: Callable[[], object], timeout: float = DEADLINE) -> None:
    """Run ``step`` until ``condition`` holds, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        step()


def confirmation_event(index: int, *, at: datetime = T0, order: str | None = None) -> ProductionConfirmed:
    """A distinct ProductionConfirmed per index (its id derives from the confirmation's source document)."""
    data = ProductionConfirmation(
        confirmation_id=f"{index}/1", order_id=order or f"{1000000 + index % 7}", operation_id="0010", plant="1710",
        yield_quantity=Quantity(value=Decimal("12.5"), uom="KGM"), is_final=False, posting_date=date(2026, 3, 1),
        started_at=at - timedelta(hours=1), ended_at=at,
        source=SourceRef(system="S4H-100", document_type="IDOC:CONF21", document_id=f"{index:016d}"))
    return build_event(ProductionConfirmed, data, time=at)


def encoded(event: Any, headers: Headers = None) -> Record:
    """The record of an event as canonical JSON, keyed by its partition key."""
    return event.partitionkey.encode(), codecs.encode(event), headers


def replace(event: Any, **changes: Any) -> Any:
    return msgspec.structs.replace(event, **changes)
