"""Interoperability: Confluent's own serializers read what mfgcanon writes, and mfgcanon reads what they write,
byte for byte, through the same (mock) registry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from mfgcanon import avro, codecs
from mfgcanon.kafka import serde
from mfgcanon.v1 import events as ev

TOPIC = "mfg.interop"
VALUE = SerializationContext(TOPIC, MessageField.VALUE)


def event_of(events: list[Any], cls: type[Any]) -> Any:
    return next(e for e in events if isinstance(e, cls))


@pytest.fixture(params=[ev.ProductionConfirmed, ev.ProductionOrderReleased, ev.QualityHoldPlaced, ev.GenealogyLinked])
def event(request: pytest.FixtureRequest, scenario_events: list[Any]) -> Any:
    return event_of(scenario_events, request.param)


def confluent_avro_serializer(registry: SchemaRegistryClient, cls: type[Any]) -> AvroSerializer:
    return AvroSerializer(registry, serde.avro_schema_text(cls), to_dict=lambda obj, ctx: avro.to_datum(obj))


def test_confluent_reads_mfgcanons_avro(registry: SchemaRegistryClient, event: Any) -> None:
    data = serde.AvroSerializer(registry)(event, VALUE)
    reader = AvroDeserializer(registry, from_dict=lambda datum, ctx: avro.from_datum(datum, type=type(event)))
    assert reader(data, VALUE) == event
    plain = AvroDeserializer(registry)(data, VALUE)  # no hook: fastavro's own dict, logical types applied
    assert plain["id"] == event.id  # uuid logical type
    assert plain["time"] == event.time


def test_mfgcanon_reads_confluents_avro(registry: SchemaRegistryClient, event: Any) -> None:
    data = confluent_avro_serializer(registry, type(event))(event, VALUE)
    assert serde.AvroDeserializer(registry)(data, VALUE) == event


def test_both_avro_writers_write_the_same_bytes_under_the_same_version(registry: SchemaRegistryClient,
                                                                       event: Any) -> None:
    theirs = confluent_avro_serializer(registry, type(event))(event, VALUE)
    ours = serde.AvroSerializer(registry)(event, VALUE)
    assert ours == theirs
    assert registry.get_versions(f"{TOPIC}-value") == [1]


def test_confluent_reads_mfgcanons_json_schema(registry: SchemaRegistryClient, event: Any) -> None:
    data = serde.JsonSchemaSerializer(registry)(event, VALUE)
    schema = serde.json_schema_text(type(event))
    reader = JSONDeserializer(schema, from_dict=lambda d, ctx: codecs.decode(json.dumps(d), type=type(event)))
    assert reader(data, VALUE) == event  # Confluent validated the payload against the registered schema first


def test_mfgcanon_reads_confluents_json_schema(registry: SchemaRegistryClient, event: Any) -> None:
    writer = JSONSerializer(serde.json_schema_text(type(event)), registry,
                            to_dict=lambda obj, ctx: codecs.to_builtins(obj))
    data = writer(event, VALUE)
    assert serde.JsonSchemaDeserializer(registry)(data, VALUE) == event
    assert serde.JsonSchemaSerializer(registry)(event, VALUE) == data  # the same id, the same bytes
    assert registry.get_versions(f"{TOPIC}-value") == [1]
