"""The CloudEvents Kafka binding against the loopback broker: both modes survive a real Producer and Consumer
(headers included), and the partition key keeps each order's events on one partition, in order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from mfgcanon.kafka import cloudevents as ce
from mfgcanon.kafka import serde
from mfgcanon.schema.registry import record_name
from mfgcanon.v1 import events as ev


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_both_modes_round_trip_through_the_broker(mode: ce.Mode, scenario_events: list[Any],
                                                  new_topic: Callable[..., str], produce: Callable[..., None],
                                                  consume: Callable[..., list[Any]]) -> None:
    topic = new_topic(partitions=3)
    produce(topic, [ce.to_kafka_message(e, mode) for e in scenario_events])
    messages = consume(topic, len(scenario_events))
    got = [ce.from_kafka_message(m) for m in messages]
    assert sorted(got, key=lambda e: str(e.id)) == sorted(scenario_events, key=lambda e: str(e.id))
    for message, event in zip(messages, got, strict=True):
        assert message.key() == event.partitionkey.encode()
        names = {name for name, _ in message.headers()}
        assert ("ce_id" in names) == (mode == "binary")
        assert "content-type" in names


def test_binary_mode_with_avro_data_through_the_broker(registry: SchemaRegistryClient, scenario_events: list[Any],
                                                       new_topic: Callable[..., str], produce: Callable[..., None],
                                                       consume: Callable[..., list[Any]]) -> None:
    topic = new_topic(partitions=2)
    writer = serde.AvroSerializer(registry, subject_name_strategy="topic_record")
    produce(topic, [ce.to_kafka_message(e, data_serializer=writer, topic=topic) for e in scenario_events])
    reader = serde.AvroDeserializer(registry, type=ev.AnyEntity)
    got = [ce.from_kafka_message(m, data_deserializer=reader) for m in consume(topic, len(scenario_events))]
    assert sorted(got, key=lambda e: str(e.id)) == sorted(scenario_events, key=lambda e: str(e.id))
    assert set(registry.get_subjects()) == {f"{topic}-{record_name(type(e.data))}" for e in scenario_events}


def test_produce_event_keeps_each_orders_events_in_order(make_producer: Callable[..., Any], scenario_events: list[Any],
                                                         new_topic: Callable[..., str],
                                                         consume: Callable[..., list[Any]]) -> None:
    topic = new_topic(partitions=4)
    base = next(e for e in scenario_events if isinstance(e, ev.ProductionConfirmed))
    events = [msgspec.structs.replace(base, id=uuid.uuid4(), partitionkey=f"1710|{1000200 + order}",
                                      sequence=f"{n:08d}")
              for n in range(12) for order in range(5)]
    producer = make_producer()
    for index, event in enumerate(events):
        ce.produce_event(producer, topic, event, "binary" if index % 2 else "structured")
    assert producer.flush(10) == 0
    arrived: dict[str, list[tuple[int, str | None]]] = {}
    for message in consume(topic, len(events)):
        event = ce.from_kafka_message(message)
        arrived.setdefault(event.partitionkey, []).append((message.partition(), event.sequence))
    assert len(arrived) == 5
    for key, seen in arrived.items():
        assert len({partition for partition, _ in seen}) == 1, key
        assert [sequence for _, sequence in seen] == [f"{n:08d}" for n in range(12)], key
