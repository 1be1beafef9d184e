"""Property tests (in process, no broker): every serializer and both CloudEvents modes round-trip any valid
event or entity the model's strategies generate. Example counts are bounded."""

from __future__ import annotations

from typing import Any

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.serialization import MessageField, SerializationContext
from hypothesis import HealthCheck, given, settings

from fuzzing import IS_CI
from mfgcanon.kafka import cloudevents as ce
from mfgcanon.kafka import serde
from mfgcanon.testing import strategies
from mfgcanon.v1 import events as ev

FEW = settings(max_examples=40 if IS_CI else 20, deadline=None, database=None,
               suppress_health_check=list(HealthCheck))
VALUE = SerializationContext("mfg.props", MessageField.VALUE)
JSON_VALUE = SerializationContext("mfg.props.json", MessageField.VALUE)  # a subject holds one schema language

# one registry for the module: hypothesis runs many examples per test, and schemas repeat across them
REGISTRY = SchemaRegistryClient.new_client({"url": "mock://kafka-properties"})
PAIRS: dict[str, tuple[Any, Any]] = {
    "json": (serde.JsonSerializer(), serde.JsonDeserializer(type=ev.Event)),
    "msgpack": (serde.MsgpackSerializer(), serde.MsgpackDeserializer(type=ev.Event)),
    "avro": (serde.AvroSerializer(REGISTRY, subject_name_strategy="topic_record"),
             serde.AvroDeserializer(REGISTRY, type=ev.Event)),
    "jsonschema": (serde.JsonSchemaSerializer(REGISTRY, subject_name_strategy="record"),
                   serde.JsonSchemaDeserializer(REGISTRY, type=ev.Event)),
}
ENTITY_PAIRS: dict[str, tuple[Any, Any]] = {
    "json": (serde.JsonSerializer(), serde.JsonDeserializer(type=ev.AnyEntity)),
    "msgpack": (serde.MsgpackSerializer(), serde.MsgpackDeserializer(type=ev.AnyEntity)),
    "avro": (serde.AvroSerializer(REGISTRY, subject_name_strategy="topic_record"),
             serde.AvroDeserializer(REGISTRY, type=ev.AnyEntity)),
    "jsonschema": (serde.JsonSchemaSerializer(REGISTRY, subject_name_strategy="topic_record"),
                   serde.JsonSchemaDeserializer(REGISTRY, type=ev.AnyEntity)),
}


@FEW
@given(strategies.events())
def test_every_serializer_round_trips_any_event(event: Any) -> None:
    for name, (writer, reader) in PAIRS.items():
        assert reader(writer(event, VALUE), VALUE) == event, name


@FEW
@given(strategies.entities())
def test_every_serializer_round_trips_any_entity(entity: Any) -> None:
    for name, (writer, reader) in ENTITY_PAIRS.items():
        ctx = JSON_VALUE if name == "jsonschema" else VALUE
        assert reader(writer(entity, ctx), ctx) == entity, name


@FEW
@given(strategies.events())
def test_both_cloudevents_modes_round_trip_any_event(event: Any) -> None:
    for mode in ("binary", "structured"):
        message = ce.to_kafka_message(event, mode)  # type: ignore[arg-type]
        assert message.key == event.partitionkey.encode()
        assert ce.from_kafka_message(message) == event
    writer, reader = ENTITY_PAIRS["avro"]
    message = ce.to_kafka_message(event, data_serializer=writer, topic="mfg.props")
    assert ce.from_kafka_message(message, data_deserializer=reader) == event
