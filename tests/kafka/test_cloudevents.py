"""The CloudEvents Kafka binding in process: headers, key, both modes, every data format, typed errors."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from mfgcanon import codecs
from mfgcanon.errors import DecodeError, MfgcanonError, ValidationError
from mfgcanon.kafka import cloudevents as ce
from mfgcanon.kafka import serde
from mfgcanon.v1 import events as ev


def confirmed(events: list[Any]) -> ev.ProductionConfirmed:
    return next(e for e in events if isinstance(e, ev.ProductionConfirmed))


def headers_of(message: ce.KafkaMessage) -> dict[str, bytes]:
    names = [name for name, _ in message.headers]
    assert len(names) == len(set(names))
    return dict(message.headers)


def test_binary_mode_puts_every_attribute_in_ce_headers(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    message = ce.to_kafka_message(event)
    headers = headers_of(message)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"mfgcanon.production.confirmed.v1"
    assert headers["ce_id"] == str(event.id).encode()
    assert headers["ce_source"] == event.source.encode()
    assert headers["ce_time"] == b"2026-11-24T23:10:00Z"
    assert headers["ce_subject"] == event.subject.encode()
    assert headers["ce_partitionkey"] == event.partitionkey.encode()
    assert headers["ce_idempotencykey"] == event.idempotencykey.encode()
    assert headers["ce_schemaversion"] == event.schemaversion.encode()
    assert headers["content-type"] == b"application/json"
    assert "ce_datacontenttype" not in headers  # it is the content-type header
    assert "ce_data" not in headers
    assert "ce_sequence" not in headers  # absent attributes are left out, never "None"
    assert message.value == codecs.encode(event.data)
    assert message.key == b"1710|1000123"


def test_every_header_name_is_a_valid_cloudevents_attribute_name(scenario_events: list[Any]) -> None:
    for event in scenario_events:
        for name, _ in ce.to_kafka_message(event).headers:
            if name != "content-type":
                attribute = name.removeprefix("ce_")
                assert name.startswith("ce_")
                assert attribute.isalnum()
                assert attribute.islower()
                assert len(attribute) <= 20


def test_structured_mode_puts_the_whole_event_in_the_value(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    message = ce.to_kafka_message(event, "structured")
    assert message.key == event.partitionkey.encode()
    assert message.headers == [("content-type", b"application/cloudevents+json; charset=utf-8")]
    document = json.loads(message.value or b"")
    assert document["specversion"] == "1.0"
    assert document["partitionkey"] == event.partitionkey
    assert message.value == codecs.encode(event)


@pytest.mark.parametrize("mode", ["binary", "structured"])
def test_both_modes_round_trip_every_example_event(scenario_events: list[Any], mode: ce.Mode) -> None:
    for event in scenario_events:
        assert ce.from_kafka_message(ce.to_kafka_message(event, mode)) == event


@pytest.mark.parametrize("data", ["json", "msgpack", "avro", "jsonschema"])
def test_binary_mode_round_trips_with_each_data_format(scenario_events: list[Any], registry: SchemaRegistryClient,
                                                       data: str) -> None:
    writers: dict[str, tuple[Any, Any]] = {
        "json": (serde.JsonSerializer(), None),
        "msgpack": (serde.MsgpackSerializer(), None),
        "avro": (serde.AvroSerializer(registry, subject_name_strategy="topic_record"),
                 serde.AvroDeserializer(registry, type=ev.AnyEntity)),
        "jsonschema": (serde.JsonSchemaSerializer(registry, subject_name_strategy="topic_record"),
                       serde.JsonSchemaDeserializer(registry, type=ev.AnyEntity)),
    }
    writer, reader = writers[data]
    for event in scenario_events:
        message = ce.to_kafka_message(event, data_serializer=writer, topic="mfg.events")
        assert headers_of(message)["content-type"] == serde.CONTENT_TYPES[data].encode()
        assert ce.from_kafka_message(message, data_deserializer=reader, topic="mfg.events") == event
    if data in ("avro", "jsonschema"):  # the data's subjects: one per entity type
        assert "mfg.events-mfgcanon.v1.ProductionConfirmation" in registry.get_subjects()


def test_the_key_is_the_partition_key_for_every_event(scenario_events: list[Any]) -> None:
    for event in scenario_events:
        for mode in ("binary", "structured"):
            assert ce.to_kafka_message(event, mode).key == event.partitionkey.encode()  # type: ignore[arg-type]


def test_a_binary_message_without_ce_partitionkey_takes_it_from_the_key(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    key, value, headers = ce.to_kafka_message(event)
    stripped = [(n, v) for n, v in headers if n != "ce_partitionkey"]
    assert ce.from_kafka_message((key, value, stripped)) == event


def test_produce_event_hands_key_value_and_headers_to_the_producer(scenario_events: list[Any]) -> None:
    calls: list[tuple[Any, ...]] = []

    class Recorder:
        def produce(self, topic: str, **kwargs: Any) -> None:
            calls.append((topic, kwargs))

    event = confirmed(scenario_events)
    ce.produce_event(Recorder(), "mfg.orders", event, "structured", on_delivery=None)
    topic, kwargs = calls[0]
    assert topic == "mfg.orders"
    assert kwargs["key"] == event.partitionkey.encode()
    assert kwargs["value"] == codecs.encode(event)
    assert kwargs["on_delivery"] is None


def test_header_names_are_read_case_insensitively(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    key, value, headers = ce.to_kafka_message(event)
    assert ce.from_kafka_message((key, value, [(n.upper(), v) for n, v in headers])) == event


def test_unknown_extension_headers_are_ignored(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    key, value, headers = ce.to_kafka_message(event)
    assert ce.from_kafka_message((key, value, [*headers, ("ce_shiftcode", b"B"), ("x-other", b"1")])) == event


# ----------------------------------------------------------------------------------------------- errors


def altered(event: Any, name: str, value: bytes | None) -> tuple[Any, Any, list[tuple[str, bytes | None]]]:
    key, data, headers = ce.to_kafka_message(event)
    return key, data, [(n, value if n == name else v) for n, v in headers]


@pytest.mark.parametrize(("header", "value", "code", "path"), [
    ("ce_time", b"2026-13-01T00:00:00Z", "invalid_value", "$.time"),
    ("ce_time", b"2026-11-24T08:00:00", "naive_datetime", "$.time"),
    ("ce_id", b"not-a-uuid", "invalid_value", "$.id"),
    ("ce_specversion", b"0.3", "invalid_value", "$.specversion"),
    ("ce_type", b"mfgcanon.nothing.v1", "unknown_kind", "$.type"),
    ("ce_source", None, "type_mismatch", "$.source"),
])
def test_bad_attributes_are_typed_errors_naming_the_attribute(scenario_events: list[Any], header: str,
                                                              value: bytes | None, code: str, path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ce.from_kafka_message(altered(confirmed(scenario_events), header, value))
    assert (caught.value.code, caught.value.path) == (code, path)


def test_a_missing_required_attribute_is_a_missing_field(scenario_events: list[Any]) -> None:
    key, value, headers = ce.to_kafka_message(confirmed(scenario_events))
    with pytest.raises(ValidationError) as caught:
        ce.from_kafka_message((key, value, [(n, v) for n, v in headers if n != "ce_idempotencykey"]))
    assert (caught.value.code, caught.value.path) == ("missing_field", "$.idempotencykey")


def test_a_header_that_is_not_utf8_is_a_decode_error(scenario_events: list[Any]) -> None:
    with pytest.raises(DecodeError) as caught:
        ce.from_kafka_message(altered(confirmed(scenario_events), "ce_subject", b"\xff\xfe"))
    assert caught.value.code == "malformed_input"


def test_a_repeated_header_with_another_value_is_refused(scenario_events: list[Any]) -> None:
    key, value, headers = ce.to_kafka_message(confirmed(scenario_events))
    with pytest.raises(ValidationError) as caught:
        ce.from_kafka_message((key, value, [*headers, ("ce_id", b"00000000-0000-0000-0000-000000000000")]))
    assert caught.value.path == "$.id"


def test_data_errors_name_the_field_under_data(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    key, value, headers = ce.to_kafka_message(event)
    assert value is not None
    bad = value.replace(b'"yield_quantity":{"value":"', b'"yield_quantity":{"value":"-')
    with pytest.raises(ValidationError) as caught:
        ce.from_kafka_message((key, bad, headers))
    assert (caught.value.code, caught.value.path) == ("negative_quantity", "$.data.yield_quantity.value")


def test_data_of_the_wrong_entity_type_is_refused(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    key, _, headers = ce.to_kafka_message(event)
    other = codecs.encode(scenario_events[0].data)  # a Material where a ProductionConfirmation belongs
    with pytest.raises(MfgcanonError) as caught:
        ce.from_kafka_message((key, other, headers))
    assert caught.value.path is not None
    assert caught.value.path.startswith("$.data")
    with pytest.raises(ValidationError) as wrong:
        ce.from_kafka_message((key, other, headers), data_deserializer=serde.JsonDeserializer(type=ev.AnyEntity))
    assert (wrong.value.code, wrong.value.path) == ("type_mismatch", "$.data")


def test_registry_framed_data_without_its_deserializer_says_so(scenario_events: list[Any],
                                                               registry: SchemaRegistryClient) -> None:
    message = ce.to_kafka_message(confirmed(scenario_events), data_serializer=serde.JsonSchemaSerializer(registry),
                                  topic="t")
    with pytest.raises(DecodeError) as caught:
        ce.from_kafka_message(message)
    assert "data_deserializer" in str(caught.value)
    avro_message = ce.to_kafka_message(confirmed(scenario_events), data_serializer=serde.AvroSerializer(registry),
                                       topic="t2")
    with pytest.raises(ValidationError) as unknown:
        ce.from_kafka_message(avro_message)
    assert unknown.value.path == "$.datacontenttype"


def test_a_message_that_is_no_cloudevent_is_refused(scenario_events: list[Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        ce.from_kafka_message((b"k", b"{}", [("content-type", b"application/json")]))
    assert (caught.value.code, caught.value.path) == ("missing_field", "$.specversion")
    with pytest.raises(ValidationError):
        ce.from_kafka_message((b"k", b"{}", None))
    with pytest.raises(ValidationError) as batch:
        ce.from_kafka_message((b"k", b"[]", [("content-type", b"application/cloudevents-batch+json")]))
    assert batch.value.path == "$.datacontenttype"
    key, _, headers = ce.to_kafka_message(confirmed(scenario_events))
    with pytest.raises(ValidationError) as tombstone:
        ce.from_kafka_message((key, None, headers))
    assert tombstone.value.path == "$.data"


def test_structured_mode_errors_are_the_codecs_errors(scenario_events: list[Any]) -> None:
    key, value, headers = ce.to_kafka_message(confirmed(scenario_events), "structured")
    assert value is not None
    with pytest.raises(DecodeError):
        ce.from_kafka_message((key, value[:50], headers))
    document = json.loads(value)
    document["time"] = "yesterday"
    with pytest.raises(ValidationError) as caught:
        ce.from_kafka_message((key, json.dumps(document).encode(), headers))
    assert caught.value.path == "$.time"


def test_the_accepted_types_can_be_narrowed(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    assert ce.from_kafka_message(ce.to_kafka_message(event), type=ev.ProductionConfirmed) == event
    with pytest.raises(ValidationError) as caught:
        ce.from_kafka_message(ce.to_kafka_message(scenario_events[0]), type=ev.ProductionConfirmed)
    assert (caught.value.code, caught.value.path) == ("unknown_kind", "$.type")


def test_to_kafka_message_refuses_what_is_not_an_event(scenario_events: list[Any]) -> None:
    with pytest.raises(ValidationError):
        ce.to_kafka_message(scenario_events[0].data)
    with pytest.raises(ValidationError):
        ce.to_kafka_message(scenario_events[0], "batch")  # type: ignore[arg-type]


def test_a_message_object_is_read_through_its_methods(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    key, value, headers = ce.to_kafka_message(event)

    class Message:
        def key(self) -> bytes | None:
            return key

        def value(self) -> bytes | None:
            return value

        def headers(self) -> list[tuple[str, bytes]]:
            return headers

        def topic(self) -> str:
            return "mfg.orders"

    assert ce.from_kafka_message(Message()) == event
    with pytest.raises(DecodeError):
        ce.from_kafka_message(msgspec.json.encode(event))
