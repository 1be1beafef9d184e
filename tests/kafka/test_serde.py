"""mfgcanon's Kafka serializers in process (no broker): formats, framing, subjects, id cache, typed errors."""

from __future__ import annotations

import io
import json
import struct
from typing import Any

import fastavro
import msgspec
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.serialization import Deserializer, MessageField, SerializationContext, Serializer

from mfgcanon import avro, codecs
from mfgcanon.errors import DecodeError, EncodeError, MfgcanonError, ValidationError
from mfgcanon.kafka import serde
from mfgcanon.v1 import events as ev
from mfgcanon.v1.work_center import WorkCenter

TOPIC = "mfg.orders"
VALUE = SerializationContext(TOPIC, MessageField.VALUE)
KEY = SerializationContext(TOPIC, MessageField.KEY)


def confirmed(events: list[Any]) -> ev.ProductionConfirmed:
    return next(e for e in events if isinstance(e, ev.ProductionConfirmed))


class Counting:
    """A registry client that counts the calls made through it (everything else is the mock's)."""

    def __init__(self, inner: SchemaRegistryClient) -> None:
        self.inner = inner
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return target(*args, **kwargs)

        return counted


# -------------------------------------------------------------------------------- interface and plain codecs


@pytest.mark.parametrize("cls", [serde.JsonSerializer, serde.MsgpackSerializer, serde.AvroSerializer,
                                 serde.JsonSchemaSerializer])
def test_serializers_are_confluent_serializers(cls: type[Any]) -> None:
    assert issubclass(cls, Serializer)


@pytest.mark.parametrize("cls", [serde.JsonDeserializer, serde.MsgpackDeserializer, serde.AvroDeserializer,
                                 serde.JsonSchemaDeserializer])
def test_deserializers_are_confluent_deserializers(cls: type[Any]) -> None:
    assert issubclass(cls, Deserializer)


def test_json_and_msgpack_round_trip_every_example_event(scenario_events: list[Any]) -> None:
    for ser, de in ((serde.JsonSerializer(), serde.JsonDeserializer()),
                    (serde.MsgpackSerializer(), serde.MsgpackDeserializer())):
        for event in scenario_events:
            assert de(ser(event, VALUE), VALUE) == event


def test_json_serializer_writes_the_canonical_json(scenario_events: list[Any]) -> None:
    event = scenario_events[0]
    assert serde.JsonSerializer()(event, VALUE) == codecs.encode(event)


def test_entities_round_trip_with_an_entity_type(scenario_events: list[Any]) -> None:
    data = confirmed(scenario_events).data
    assert serde.JsonDeserializer(type=type(data))(serde.JsonSerializer()(data)) == data
    assert serde.MsgpackDeserializer(type=ev.AnyEntity)(serde.MsgpackSerializer()(data)) == data


@pytest.mark.parametrize("cls", [serde.JsonSerializer, serde.MsgpackSerializer])
def test_a_tombstone_stays_none(cls: type[Any]) -> None:
    assert cls()(None, VALUE) is None


def test_tombstones_stay_none_through_the_registry_serdes(registry: SchemaRegistryClient) -> None:
    for ser, de in ((serde.AvroSerializer(registry), serde.AvroDeserializer(registry)),
                    (serde.JsonSchemaSerializer(registry), serde.JsonSchemaDeserializer(registry))):
        assert ser(None, VALUE) is None
        assert de(None, VALUE) is None
    assert registry.get_subjects() == []


def test_json_decode_errors_are_typed_with_code_and_path(scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    bad = serde.JsonSerializer()(event).replace(b'"yield_quantity":{"value":"', b'"yield_quantity":{"value":"-')
    with pytest.raises(ValidationError) as caught:
        serde.JsonDeserializer()(bad, VALUE)
    assert caught.value.code == "negative_quantity"
    assert caught.value.path == "$.data.yield_quantity.value"
    with pytest.raises(DecodeError) as cut:
        serde.JsonDeserializer()(b'{"type": "mfgcanon.production', VALUE)
    assert cut.value.code in ("truncated_input", "malformed_input")


def test_msgpack_decode_errors_are_typed() -> None:
    with pytest.raises(MfgcanonError) as caught:
        serde.MsgpackDeserializer()(b"\xc1", VALUE)
    assert caught.value.code == "malformed_input"
    with pytest.raises(DecodeError):
        serde.MsgpackDeserializer()("text", VALUE)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ registry wire format


def test_avro_writes_magic_byte_schema_id_and_mfgcanons_payload(registry: SchemaRegistryClient,
                                                                 scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    data = serde.AvroSerializer(registry)(event, VALUE)
    assert data is not None
    magic, schema_id = struct.unpack(">bI", data[:5])
    registered = registry.get_latest_version(f"{TOPIC}-value")
    assert (magic, schema_id) == (0, registered.schema_id)
    assert data[5:] == avro.encode(event)
    assert json.loads(registered.schema.schema_str) == avro.schema(ev.ProductionConfirmed)
    assert serde.AvroDeserializer(registry)(data, VALUE) == event


def test_json_schema_writes_magic_byte_schema_id_and_canonical_json(registry: SchemaRegistryClient,
                                                                    scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    data = serde.JsonSchemaSerializer(registry)(event, VALUE)
    assert data is not None
    registered = registry.get_latest_version(f"{TOPIC}-value")
    assert data[:5] == struct.pack(">bI", 0, registered.schema_id)
    assert data[5:] == codecs.encode(event)
    assert registered.schema.schema_type == "JSON"
    assert json.loads(registered.schema.schema_str)["title"] == "ProductionConfirmed"
    assert serde.JsonSchemaDeserializer(registry)(data, VALUE) == event


@pytest.mark.parametrize(("strategy", "subject"), [
    ("topic", f"{TOPIC}-value"),
    ("TopicNameStrategy", f"{TOPIC}-value"),
    ("record", "mfgcanon.v1.ProductionConfirmed"),
    ("RecordNameStrategy", "mfgcanon.v1.ProductionConfirmed"),
    ("topic_record", f"{TOPIC}-mfgcanon.v1.ProductionConfirmed"),
    ("TopicRecordNameStrategy", f"{TOPIC}-mfgcanon.v1.ProductionConfirmed"),
])
@pytest.mark.parametrize("cls", [serde.AvroSerializer, serde.JsonSchemaSerializer])
def test_subjects_follow_the_documented_strategies(registry: SchemaRegistryClient, scenario_events: list[Any],
                                                   cls: type[Any], strategy: str, subject: str) -> None:
    cls(registry, subject_name_strategy=strategy)(confirmed(scenario_events), VALUE)
    assert registry.get_subjects() == [subject]


def test_keys_get_the_key_subject_under_the_topic_strategy(registry: SchemaRegistryClient,
                                                           scenario_events: list[Any]) -> None:
    serde.AvroSerializer(registry)(confirmed(scenario_events), KEY)
    assert registry.get_subjects() == [f"{TOPIC}-key"]


def test_a_callable_strategy_names_the_subject(registry: SchemaRegistryClient, scenario_events: list[Any]) -> None:
    seen: list[tuple[str, str | None]] = []

    def strategy(ctx: SerializationContext | None, record: str | None) -> str:
        assert ctx is not None
        seen.append((ctx.topic, record))
        return f"custom-{record}"

    serde.AvroSerializer(registry, subject_name_strategy=strategy)(confirmed(scenario_events), VALUE)
    assert seen == [(TOPIC, "mfgcanon.v1.ProductionConfirmed")]
    assert registry.get_subjects() == ["custom-mfgcanon.v1.ProductionConfirmed"]


def test_an_unknown_strategy_is_refused_at_construction(registry: SchemaRegistryClient) -> None:
    with pytest.raises(MfgcanonError) as caught:
        serde.AvroSerializer(registry, subject_name_strategy="by_color")
    assert caught.value.code == "invalid_value"


def test_a_mixed_topic_registers_one_subject_per_event_type(registry: SchemaRegistryClient,
                                                            scenario_events: list[Any]) -> None:
    serializer = serde.AvroSerializer(registry, subject_name_strategy="topic_record")
    frames = [serializer(event, VALUE) for event in scenario_events]
    expected = {f"{TOPIC}-{avro.schema(type(e))['namespace']}.{type(e).__name__}" for e in scenario_events}
    assert set(registry.get_subjects()) == expected
    reader = serde.AvroDeserializer(registry)
    assert [reader(frame, VALUE) for frame in frames] == scenario_events


def test_a_union_type_is_one_topic_wide_schema(registry: SchemaRegistryClient, scenario_events: list[Any]) -> None:
    serializer = serde.AvroSerializer(registry, type=ev.Event)
    frames = [serializer(event, VALUE) for event in scenario_events]
    assert registry.get_subjects() == [f"{TOPIC}-value"]
    assert registry.get_versions(f"{TOPIC}-value") == [1]
    assert [serde.AvroDeserializer(registry)(frame) for frame in frames] == scenario_events
    json_serializer = serde.JsonSchemaSerializer(registry, type=ev.Event)
    json_frames = [json_serializer(event, SerializationContext("mixed.json", MessageField.VALUE))
                   for event in scenario_events]
    document = json.loads(registry.get_latest_version("mixed.json-value").schema.schema_str)
    assert len(document["oneOf"]) == len(ev.EVENT_TYPES)
    assert [serde.JsonSchemaDeserializer(registry)(frame) for frame in json_frames] == scenario_events


def test_an_object_outside_the_declared_union_is_refused(registry: SchemaRegistryClient,
                                                         scenario_events: list[Any]) -> None:
    serializer = serde.AvroSerializer(registry, type=ev.ProductionConfirmed | ev.MaterialIssued,
                                      subject_name_strategy="record")
    with pytest.raises(EncodeError) as caught:
        serializer(scenario_events[0], VALUE)  # a MaterialUpserted
    assert caught.value.code == "type_mismatch"
    assert registry.get_subjects() == []


def test_ids_are_cached_per_subject_and_type(registry: SchemaRegistryClient, scenario_events: list[Any]) -> None:
    counting = Counting(registry)
    serializer = serde.AvroSerializer(counting, compatibility="BACKWARD")  # a wrapper: no mock to detect
    event = confirmed(scenario_events)
    first = serializer(event, VALUE)
    calls = dict(counting.calls)
    for _ in range(20):
        assert serializer(event, VALUE) == first
    assert counting.calls == calls  # no registry call after the first message
    reader = serde.AvroDeserializer(counting)
    for _ in range(20):
        assert reader(first, VALUE) == event
    assert counting.calls.get("get_schema") == 1


def test_an_already_registered_schema_is_looked_up_not_registered_again(registry: SchemaRegistryClient,
                                                                        scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    one = serde.AvroSerializer(registry)(event, VALUE)
    two = serde.AvroSerializer(registry)(event, VALUE)  # a second process: a fresh cache
    assert one == two
    assert registry.get_versions(f"{TOPIC}-value") == [1]


def test_without_auto_register_a_missing_schema_is_a_registry_error(registry: SchemaRegistryClient,
                                                                     scenario_events: list[Any]) -> None:
    serializer = serde.AvroSerializer(registry, auto_register=False)
    with pytest.raises(serde.RegistryCallError) as caught:
        serializer(confirmed(scenario_events), VALUE)
    assert caught.value.code == "registry_error"
    assert caught.value.subject == f"{TOPIC}-value"
    registry.register_schema(f"{TOPIC}-value", Schema(serde.avro_schema_text(ev.ProductionConfirmed), "AVRO"))
    assert serializer(confirmed(scenario_events), VALUE) is not None


def test_a_value_that_cannot_be_written_registers_nothing(registry: SchemaRegistryClient,
                                                          scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    broken = msgspec.structs.replace(event, time="not an instant")  # constructors do not validate
    with pytest.raises(MfgcanonError):
        serde.AvroSerializer(registry)(broken, VALUE)
    assert registry.get_subjects() == []


# ----------------------------------------------------------------------------------------- reading errors


def frame(schema_id: int, payload: bytes) -> bytes:
    return struct.pack(">bI", 0, schema_id) + payload


@pytest.mark.parametrize("cls", [serde.AvroDeserializer, serde.JsonSchemaDeserializer])
def test_framing_errors_are_typed(registry: SchemaRegistryClient, cls: type[Any]) -> None:
    reader = cls(registry)
    with pytest.raises(DecodeError) as short:
        reader(b"\x00\x00", VALUE)
    assert short.value.code == "truncated_input"
    with pytest.raises(DecodeError) as magic:
        reader(b"\x01\x00\x00\x00\x01{}", VALUE)
    assert (magic.value.code, magic.value.position) == ("malformed_input", 0)
    with pytest.raises(avro.UnknownSchemaIdError) as unknown:
        reader(frame(4242, b"{}"), VALUE)
    assert unknown.value.code == "invalid_value"
    assert unknown.value.position == 1


def test_an_id_of_the_other_schema_language_is_refused(registry: SchemaRegistryClient,
                                                       scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    as_json = serde.JsonSchemaSerializer(registry)(event, VALUE)
    as_avro = serde.AvroSerializer(registry, subject_name_strategy="record")(event, VALUE)
    assert as_json is not None
    assert as_avro is not None
    with pytest.raises(DecodeError) as caught:
        serde.AvroDeserializer(registry)(as_json, VALUE)
    assert caught.value.code == "invalid_schema"
    with pytest.raises(DecodeError):
        serde.JsonSchemaDeserializer(registry)(as_avro, VALUE)


def test_a_hostile_registered_writer_schema_is_refused_before_reading(registry: SchemaRegistryClient) -> None:
    recursive = {"type": "record", "name": "R", "fields": [{"name": "next", "type": ["null", "R"]}]}
    schema_id = registry.register_schema("evil", Schema(json.dumps(recursive), "AVRO"))
    with pytest.raises(DecodeError) as caught:
        serde.AvroDeserializer(registry)(frame(schema_id, b"\x02\x02\x02\x00"), VALUE)
    assert caught.value.code == "nesting_too_deep"
    not_json = registry.register_schema("broken", Schema("{not json", "AVRO"))
    with pytest.raises(DecodeError) as broken:
        serde.AvroDeserializer(registry)(frame(not_json, b""), VALUE)
    assert broken.value.code == "invalid_schema"


def test_avro_payload_errors_are_typed_with_paths(registry: SchemaRegistryClient, scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    data = serde.AvroSerializer(registry)(event, VALUE)
    assert data is not None
    with pytest.raises(DecodeError) as cut:
        serde.AvroDeserializer(registry)(data[:40], VALUE)
    assert cut.value.code in ("truncated_input", "malformed_input")
    with pytest.raises(DecodeError) as trailing:
        serde.AvroDeserializer(registry)(data + b"\x00", VALUE)
    assert trailing.value.code == "malformed_input"


def test_json_schema_payload_errors_keep_the_models_path(registry: SchemaRegistryClient,
                                                         scenario_events: list[Any]) -> None:
    event = confirmed(scenario_events)
    data = serde.JsonSchemaSerializer(registry)(event, VALUE)
    assert data is not None
    bad = data.replace(b'"plant":"1710"', b'"plant":1710', 1)
    with pytest.raises(ValidationError) as caught:
        serde.JsonSchemaDeserializer(registry)(bad, VALUE)
    assert caught.value.code == "type_mismatch"
    assert caught.value.path is not None
    assert caught.value.path == "$.plant"  # the envelope's plant attribute, first in the text


class Failing:
    """A registry that cannot be reached."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("connection refused")

        return fail


def test_an_unreachable_registry_is_a_typed_registry_error(scenario_events: list[Any]) -> None:
    with pytest.raises(serde.RegistryCallError) as caught:
        serde.AvroSerializer(Failing())(confirmed(scenario_events), VALUE)
    assert caught.value.code == "registry_error"
    assert caught.value.cause_type == "ConnectionError"
    with pytest.raises(serde.RegistryCallError):
        serde.AvroDeserializer(Failing())(frame(1, b""), VALUE)


# ------------------------------------------------------------------------------------------- resolution


def test_an_older_writer_is_resolved_against_the_current_reader(registry: SchemaRegistryClient) -> None:
    """A writer schema without a field the reader has: the reader's default fills it in."""
    current = avro.schema(WorkCenter)
    older = {**current, "fields": [f for f in current["fields"] if f["name"] != "category"]}
    schema_id = registry.register_schema("wc-value", Schema(json.dumps(older), "AVRO"))
    center = WorkCenter(work_center_id="WC-1", plant="1710", category="0001", description="Press")
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(older), avro.to_datum(center))
    got = serde.AvroDeserializer(registry, type=ev.AnyEntity)(frame(schema_id, out.getvalue()), VALUE)
    assert got == msgspec.structs.replace(center, category=None)


def test_a_newer_writer_with_an_extra_field_is_read(registry: SchemaRegistryClient) -> None:
    current = avro.schema(WorkCenter)
    newer = {**current, "fields": [*current["fields"], {"name": "shift_model", "type": "string", "default": ""}]}
    schema_id = registry.register_schema("wc-value", Schema(json.dumps(newer), "AVRO"))
    center = WorkCenter(work_center_id="WC-1", plant="1710")
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(newer), {**avro.to_datum(center), "shift_model": "3x8"})
    assert serde.AvroDeserializer(registry, type=WorkCenter)(frame(schema_id, out.getvalue()), VALUE) == center


def test_the_kafka_errors_copy_and_pickle_with_everything_they_carry() -> None:
    """A router that numbers records (``with_record_index``) or sends errors between processes keeps them whole."""
    import pickle

    registry_error = serde.RegistryCallError("refused", status=401, error_code=40101, subject="s-value")
    numbered = registry_error.with_record_index(7)
    assert (numbered.code, numbered.record_index, numbered.status, numbered.subject) == (
        "registry_error", 7, 401, "s-value")
    assert "(record 7)" in str(numbered)
    incompatible = serde.IncompatibleSchemaError("breaks", subject="s-value", level="FULL", path="/fields/1")
    again = pickle.loads(pickle.dumps(incompatible.with_record_index(3)))
    assert (again.code, again.level, again.path, again.record_index) == ("incompatible_schema", "FULL", "/fields/1", 3)
    assert pickle.loads(pickle.dumps(registry_error)).status == 401
