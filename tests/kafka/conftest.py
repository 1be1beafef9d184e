"""Shared fixtures of the Kafka tests: one loopback broker per module, an in-memory registry per test.

* ``kafka_cluster``: librdkafka's mock Kafka cluster (:class:`mfgcanon.kafka.mock_cluster.MockCluster`),
  one per test module; make a fresh topic per test with ``new_topic``.
* ``registry``: Confluent's in-memory ``mock://`` schema registry client, empty for each test.
* ``produce`` / ``consume``: a real ``confluent_kafka.Producer`` and ``Consumer`` with short, bounded
  waits, so a broken test fails in seconds instead of hanging; ``make_producer`` / ``make_consumer`` for
  tests that drive the clients themselves. (Use the fixtures rather than ``from conftest import ...``:
  which ``conftest`` module that name finds depends on the collection order.)
* ``scenario_events``: the canonical example stream (``examples/canonical/scenario.ndjson``), decoded.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("confluent_kafka")

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient

from mfgcanon import codecs
from mfgcanon.kafka.mock_cluster import MockCluster

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "canonical" / "scenario.ndjson"

Headers = Sequence[tuple[str, bytes | str | None]] | None
Record = tuple[bytes | None, bytes | None, Headers]
"""What a test produces: (key, value, headers)."""

_names = itertools.count()


@pytest.fixture(scope="module")
def kafka_cluster() -> Iterator[MockCluster]:
    """A running loopback Kafka cluster (one broker) for the whole module."""
    with MockCluster(brokers=1) as cluster:
        yield cluster


@pytest.fixture
def new_topic(kafka_cluster: MockCluster) -> Callable[..., str]:
    """``new_topic(partitions=1, prefix="t")``: a fresh topic on the module's cluster, its name returned."""

    def make(partitions: int = 1, prefix: str = "t") -> str:
        name = f"{prefix}.{next(_names)}.{uuid.uuid4().hex[:8]}"
        kafka_cluster.create_topic(name, partitions)
        return name

    return make


@pytest.fixture
def registry() -> SchemaRegistryClient:
    """An empty in-memory schema registry (Confluent's ``MockSchemaRegistryClient``)."""
    return SchemaRegistryClient.new_client({"url": f"mock://{uuid.uuid4().hex}"})


def producer_for(cluster: MockCluster, **conf: Any) -> Producer:
    """A real producer on the cluster; ``conf`` keys use underscores for dots (``linger_ms=0``)."""
    settings: dict[str, Any] = {"bootstrap.servers": cluster.bootstrap_servers, "linger.ms": 0,
                                "enable.idempotence": False}
    settings.update({key.replace("_", "."): value for key, value in conf.items()})
    return Producer(settings)


def consumer_for(cluster: MockCluster, group: str | None = None, **conf: Any) -> Consumer:
    """A real consumer reading from the earliest offset, in its own group unless ``group`` is given."""
    settings: dict[str, Any] = {
        "bootstrap.servers": cluster.bootstrap_servers,
        "group.id": group or f"g.{uuid.uuid4().hex[:8]}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 6000,
        "topic.metadata.refresh.interval.ms": 500,
    }
    settings.update({key.replace("_", "."): value for key, value in conf.items()})
    return Consumer(settings)


def produce_records(cluster: MockCluster, topic: str, records: Sequence[Record], *, timeout: float = 10.0,
                    partition: int | None = None) -> None:
    """Produce every record and wait until the broker acknowledged all of them (or fail the test)."""
    producer = producer_for(cluster)
    failures: list[str] = []

    def report(err: KafkaError | None, _msg: Message) -> None:
        if err is not None:
            failures.append(str(err))

    for key, value, headers in records:
        extra: dict[str, Any] = {} if partition is None else {"partition": partition}
        producer.produce(topic, value=value, key=key, headers=list(headers) if headers else None,
                         on_delivery=report, **extra)
        producer.poll(0)
    left = producer.flush(timeout)
    assert left == 0, f"{left} messages not delivered within {timeout}s"
    assert not failures, failures


def consume_messages(cluster: MockCluster, topic: str, count: int, *, timeout: float = 15.0,
                     group: str | None = None) -> list[Message]:
    """Read ``count`` messages of ``topic`` from the start (short polls, one overall deadline)."""
    consumer = consumer_for(cluster, group)
    if group is None:  # no group coordination: assign every partition (no rebalance wait)
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


@pytest.fixture
def produce(kafka_cluster: MockCluster) -> Callable[..., None]:
    """``produce(topic, [(key, value, headers), ...])`` through a real producer, all acknowledged."""

    def run(topic: str, records: Sequence[Record], **kwargs: Any) -> None:
        produce_records(kafka_cluster, topic, records, **kwargs)

    return run


@pytest.fixture
def consume(kafka_cluster: MockCluster) -> Callable[..., list[Message]]:
    """``consume(topic, count, timeout=15)``: exactly ``count`` messages through a real consumer."""

    def run(topic: str, count: int, **kwargs: Any) -> list[Message]:
        return consume_messages(kafka_cluster, topic, count, **kwargs)

    return run


@pytest.fixture
def make_producer(kafka_cluster: MockCluster) -> Callable[..., Producer]:
    """``make_producer(**conf)``: a real producer on the module's cluster (see :func:`producer_for`)."""
    return lambda **conf: producer_for(kafka_cluster, **conf)


@pytest.fixture
def make_consumer(kafka_cluster: MockCluster) -> Callable[..., Consumer]:
    """``make_consumer(group=None, **conf)``: a real consumer from the earliest offset (see :func:`consumer_for`)."""
    return lambda group=None, **conf: consumer_for(kafka_cluster, group, **conf)


@pytest.fixture(scope="session")
def scenario_events() -> list[Any]:
    """The canonical example stream: eleven v1 events of two orders and a lot, in order."""
    return list(codecs.decode_lines(SCENARIO.read_bytes()))
