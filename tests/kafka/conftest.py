"""Shared fixtures of the Kafka tests: one loopback broker per module, an in-memory registry per test.

* ``kafka_cluster``: librdkafka's mock Kafka cluster (:class:`mfgcanon.kafka.mock_cluster.MockCluster`),
  one per test module; make a fresh topic per test with ``new_topic``.
* ``registry``: Confluent's in-memory ``mock://`` schema registry client, empty for each test.
* ``produce`` / ``consume``: a real ``confluent_kafka.Producer`` and ``Consumer`` with short, bounded
  waits, so a broken test fails in seconds instead of hanging; ``make_producer`` / ``make_consumer`` for
  tests that drive the clients themselves. These wrap the plain helpers of ``_broker.py``, which tests
  import for what is not a fixture (``from _broker import config, until``; never ``from conftest import``:
  which ``conftest`` module that name finds depends on the collection order).
* ``scenario_events``: the canonical example stream (``examples/canonical/scenario.ndjson``), decoded.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("confluent_kafka")

from _broker import Record, consume_messages, consumer_for, produce_records, producer_for
from confluent_kafka import Consumer, Message, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient

from mfgcanon import codecs
from mfgcanon.kafka.mock_cluster import MockCluster

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "canonical" / "scenario.ndjson"

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
