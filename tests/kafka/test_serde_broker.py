"""Against a real Kafka-protocol broker (librdkafka's mock cluster on loopback): canonical events produced with
mfgcanon's serializers through a real Producer arrive equal through a real Consumer, in key order, with their
schemas in the registry under the documented subjects; an incompatible schema never reaches the topic."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from confluent_kafka import OFFSET_BEGINNING, DeserializingConsumer, KafkaError, SerializingProducer, TopicPartition
from confluent_kafka.error import ValueSerializationError
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.serialization import MessageField, SerializationContext

from mfgcanon.errors import MfgcanonError
from mfgcanon.kafka import serde
from mfgcanon.kafka.mock_cluster import MockCluster
from mfgcanon.kafka.serde import IncompatibleSchemaError
from mfgcanon.schema.registry import record_name
from mfgcanon.v1 import events as ev

FORMATS = ["json", "msgpack", "avro", "jsonschema"]


def pair(fmt: str, registry: SchemaRegistryClient, strategy: str = "topic_record") -> tuple[Any, Any]:
    if fmt == "json":
        return serde.JsonSerializer(), serde.JsonDeserializer()
    if fmt == "msgpack":
        return serde.MsgpackSerializer(), serde.MsgpackDeserializer()
    if fmt == "avro":
        return serde.AvroSerializer(registry, subject_name_strategy=strategy), serde.AvroDeserializer(registry)
    return serde.JsonSchemaSerializer(registry, subject_name_strategy=strategy), serde.JsonSchemaDeserializer(registry)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_event_arrives_equal(fmt: str, registry: SchemaRegistryClient, scenario_events: list[Any],
                                   new_topic: Callable[..., str], produce: Callable[..., None],
                                   consume: Callable[..., list[Any]]) -> None:
    topic = new_topic(partitions=3)
    writer, reader = pair(fmt, registry)
    ctx = SerializationContext(topic, MessageField.VALUE)
    produce(topic, [(e.partitionkey.encode(), writer(e, ctx), None) for e in scenario_events])
    messages = consume(topic, len(scenario_events))
    got = [reader(m.value(), SerializationContext(topic, MessageField.VALUE, m.headers())) for m in messages]
    assert sorted(got, key=lambda e: str(e.id)) == sorted(scenario_events, key=lambda e: str(e.id))
    if fmt in ("avro", "jsonschema"):
        expected = {f"{topic}-{record_name(type(e))}" for e in scenario_events}
        assert set(registry.get_subjects()) == expected
        for subject in expected:
            assert registry.get_versions(subject) == [1]


def stream(orders: int, per_order: int, base: ev.ProductionConfirmed) -> list[ev.ProductionConfirmed]:
    """Confirmations of several orders, interleaved, each with a zero-padded sequence within its order."""
    out = []
    for n in range(per_order):
        for order in range(orders):
            out.append(msgspec.structs.replace(base, id=uuid.uuid4(), partitionkey=f"1710|{1000100 + order}",
                                               sequence=f"{n:08d}"))
    return out


def test_events_of_one_partition_key_keep_their_order(registry: SchemaRegistryClient, scenario_events: list[Any],
                                                      new_topic: Callable[..., str], produce: Callable[..., None],
                                                      consume: Callable[..., list[Any]]) -> None:
    topic = new_topic(partitions=4)
    base = next(e for e in scenario_events if isinstance(e, ev.ProductionConfirmed))
    events = stream(orders=6, per_order=15, base=base)
    writer, reader = pair("avro", registry)
    ctx = SerializationContext(topic, MessageField.VALUE)
    produce(topic, [(e.partitionkey.encode(), writer(e, ctx), None) for e in events])
    messages = consume(topic, len(events))
    partitions: dict[str, set[int]] = {}
    arrived: dict[str, list[str]] = {}
    for message in messages:
        event = reader(message.value(), ctx)
        assert message.key() == event.partitionkey.encode()
        partitions.setdefault(event.partitionkey, set()).add(message.partition())
        arrived.setdefault(event.partitionkey, []).append(event.sequence)
    assert all(len(p) == 1 for p in partitions.values())  # one key, one partition
    assert len(set().union(*partitions.values())) > 1  # and the keys spread over several partitions
    for key, sequences in arrived.items():
        assert sequences == sorted(sequences), key
        assert len(sequences) == 15


def test_an_incompatible_schema_is_refused_before_anything_is_produced(
        registry: SchemaRegistryClient, scenario_events: list[Any], kafka_cluster: MockCluster,
        new_topic: Callable[..., str], produce: Callable[..., None], consume: Callable[..., list[Any]]) -> None:
    topic = new_topic()
    producer = SerializingProducer({"bootstrap.servers": kafka_cluster.bootstrap_servers, "linger.ms": 0,
                                    "value.serializer": serde.AvroSerializer(registry)})  # topic strategy
    producer.produce(topic, key=None, value=scenario_events[0])  # v1 of `<topic>-value`: MaterialUpserted
    with pytest.raises(ValueSerializationError) as caught:
        producer.produce(topic, key=None, value=scenario_events[1])  # another record type on the same subject
    assert producer.flush(10) == 0
    cause = caught.value.exception  # confluent_kafka wraps what the serializer raised
    assert isinstance(cause, IncompatibleSchemaError)
    assert cause.code == "incompatible_schema"
    assert "NAME_MISMATCH" in str(cause)
    assert registry.get_versions(f"{topic}-value") == [1]
    assert len(consume(topic, 1)) == 1  # only the first event reached the topic


def test_serializing_producer_and_deserializing_consumer_take_mfgcanons_classes(
        registry: SchemaRegistryClient, scenario_events: list[Any], kafka_cluster: MockCluster,
        new_topic: Callable[..., str]) -> None:
    topic = new_topic(partitions=2)
    producer = SerializingProducer({
        "bootstrap.servers": kafka_cluster.bootstrap_servers, "linger.ms": 0,
        "value.serializer": serde.JsonSchemaSerializer(registry, subject_name_strategy="record"),
    })
    for event in scenario_events:
        producer.produce(topic, key=event.partitionkey.encode(), value=event)
    assert producer.flush(10) == 0
    consumer = DeserializingConsumer({
        "bootstrap.servers": kafka_cluster.bootstrap_servers, "group.id": f"g.{uuid.uuid4().hex[:8]}",
        "auto.offset.reset": "earliest", "enable.auto.commit": False,
        "value.deserializer": serde.JsonSchemaDeserializer(registry),
    })
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(2)])
    got: list[Any] = []
    deadline = time.monotonic() + 15
    try:
        while len(got) < len(scenario_events) and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is None or (message.error() and message.error().code() == KafkaError._PARTITION_EOF):
                continue
            got.append(message.value())
    finally:
        consumer.close()
    assert sorted(got, key=lambda e: str(e.id)) == sorted(scenario_events, key=lambda e: str(e.id))
    assert set(registry.get_subjects()) == {record_name(type(e)) for e in scenario_events}


def test_a_poisoned_record_is_a_typed_error_with_code_and_path(
        registry: SchemaRegistryClient, scenario_events: list[Any], make_consumer: Callable[..., Any],
        new_topic: Callable[..., str], produce: Callable[..., None]) -> None:
    """What a dead-letter router reads: the deserializer's error has a stable code and a path."""
    topic = new_topic()
    writer, reader = pair("json", registry)
    good = writer(scenario_events[3], None)
    poisoned = good.replace(b'"time":"', b'"time":"x', 1)
    produce(topic, [(None, poisoned, None), (None, b"\x00\x00\x00\x00\x07garbage", None)])
    consumer = make_consumer()
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    errors = []
    deadline = time.monotonic() + 15
    try:
        while len(errors) < 2 and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is None or message.error():
                continue
            try:
                reader(message.value(), None)
            except MfgcanonError as exc:  # typed: anything else fails the test
                errors.append(exc)
    finally:
        consumer.close()
    assert [(e.code, e.path) for e in errors] == [("invalid_value", "$.time"), ("malformed_input", None)]
