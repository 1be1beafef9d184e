"""Shared helpers of the consumer-side Kafka tests: a mock cluster per module, events, a JSON deserializer.

Not a conftest: the test modules import what they use (``from _broker import ...``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
from confluent_kafka import Consumer, Producer

from mfgcanon import codecs
from mfgcanon.errors import DecodeError
from mfgcanon.kafka.mock_cluster import MockCluster
from mfgcanon.v1 import ProductionConfirmation, Quantity, SourceRef
from mfgcanon.v1.events import ProductionConfirmed, build_event

T0 = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
DEADLINE = 30.0  # seconds any one wait may take before the test fails


def running_cluster(*topics: tuple[str, int]) -> Iterator[MockCluster]:
    """A mock cluster with ``topics`` (name, partitions), closed after the module."""
    cluster = MockCluster()
    try:
        for name, partitions in topics:
            cluster.create_topic(name, partitions)
        yield cluster
    finally:
        cluster.close()


def confirmation_event(index: int, *, at: datetime = T0, order: str | None = None) -> ProductionConfirmed:
    """A distinct ProductionConfirmed per index (its id derives from the confirmation's source document)."""
    data = ProductionConfirmation(
        confirmation_id=f"{index}/1", order_id=order or f"{1000000 + index % 7}", operation_id="0010", plant="1710",
        yield_quantity=Quantity(value=Decimal("12.5"), uom="KGM"), is_final=False, posting_date=date(2026, 3, 1),
        started_at=at - timedelta(hours=1), ended_at=at,
        source=SourceRef(system="S4H-100", document_type="IDOC:CONF21", document_id=f"{index:016d}"))
    return build_event(ProductionConfirmed, data, time=at)


def json_deserializer(value: bytes | None, ctx: Any) -> Any:
    """A Deserializer (confluent_kafka's call shape) for canonical JSON events, on mfgcanon.codecs."""
    if value is None:
        raise DecodeError("a record without a value (a tombstone) is no event", code="malformed_input")
    return codecs.decode(value)


def producer(cluster: MockCluster) -> Producer:
    return Producer({"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 5})


def produce(cluster: MockCluster, topic: str, records: list[tuple[bytes | None, bytes | None]],
            headers: list[tuple[str, bytes]] | None = None, timestamps: list[int] | None = None,
            partition: int | None = None) -> None:
    """Produce (key, value) records and wait until the broker acknowledged every one."""
    p = producer(cluster)
    errors: list[Any] = []
    for i, (key, value) in enumerate(records):
        extra: dict[str, Any] = {}
        if timestamps is not None:
            extra["timestamp"] = timestamps[i]
        if partition is not None:
            extra["partition"] = partition
        p.produce(topic, key=key, value=value, headers=headers or [],
                  on_delivery=lambda err, _m: errors.append(err) if err else None, **extra)
    assert p.flush(DEADLINE) == 0
    assert errors == []


def encoded(event: Any) -> tuple[bytes, bytes]:
    return event.partitionkey.encode(), codecs.encode(event)


def config(cluster: MockCluster, group: str, **extra: Any) -> dict[str, Any]:
    """A consumer configuration that joins and rebalances fast on the mock cluster."""
    return {"bootstrap.servers": cluster.bootstrap_servers, "group.id": group, "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000, "heartbeat.interval.ms": 200, "topic.metadata.refresh.interval.ms": 1000,
            **extra}


def drain(cluster: MockCluster, topic: str, count: int, timeout: float = DEADLINE) -> list[Any]:
    """``count`` records of ``topic`` read by a plain consumer (no group commits), or fail after ``timeout``."""
    consumer = Consumer(config(cluster, f"drain-{time.monotonic_ns()}", **{"enable.auto.commit": False}))
    consumer.subscribe([topic])
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < count and time.monotonic() < deadline:
            found.extend(m for m in consumer.consume(100, 0.2) if m.error() is None)
    finally:
        consumer.close()
    assert len(found) >= count, f"{len(found)} of {count} records arrived on {topic}"
    return found


def until(condition: Callable[[], bool], step: Callable[[], object], timeout: float = DEADLINE) -> None:
    """Run ``step`` until ``condition`` holds, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        step()


def replace(event: Any, **changes: Any) -> Any:
    return msgspec.structs.replace(event, **changes)
