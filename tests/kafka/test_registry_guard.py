"""The compatibility guard: a schema that breaks its subject's level is refused before it is registered,
with mfgcanon's own explanation; a compatible one is registered as the next version."""

from __future__ import annotations

import json
from typing import Any

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.serialization import MessageField, SerializationContext

from mfgcanon import avro
from mfgcanon.compat import Report
from mfgcanon.kafka import serde
from mfgcanon.kafka.serde import IncompatibleSchemaError
from mfgcanon.v1.work_center import WorkCenter

TOPIC = "mfg.master"
VALUE = SerializationContext(TOPIC, MessageField.VALUE)
SUBJECT = f"{TOPIC}-value"
CENTER = WorkCenter(work_center_id="WC-1", plant="1710", category="0001")


def register(registry: SchemaRegistryClient, document: Any, kind: str = "AVRO", subject: str = SUBJECT) -> int:
    return int(registry.register_schema(subject, Schema(json.dumps(document), kind)))


def with_field(document: dict[str, Any], name: str, field_type: Any) -> dict[str, Any]:
    """The record with field ``name`` retyped (no default)."""
    fields = [{"name": name, "type": field_type} if f["name"] == name else f for f in document["fields"]]
    return {**document, "fields": fields}


def without_field(document: dict[str, Any], name: str) -> dict[str, Any]:
    return {**document, "fields": [f for f in document["fields"] if f["name"] != name]}


def test_another_record_type_on_a_topic_subject_is_refused_with_the_reason(registry: SchemaRegistryClient,
                                                                           scenario_events: list[Any]) -> None:
    serializer = serde.AvroSerializer(registry)
    serializer(scenario_events[0], VALUE)  # MaterialUpserted: v1 of the topic's subject
    with pytest.raises(IncompatibleSchemaError) as caught:
        serializer(scenario_events[1], VALUE)  # ProductionOrderReleased: another record under the same subject
    error = caught.value
    assert error.code == "incompatible_schema"
    assert error.subject == SUBJECT
    assert error.level == "BACKWARD"
    assert isinstance(error.report, Report)
    assert not error.report.is_compatible
    assert error.report.failed_version_label == "v1"
    assert "NAME_MISMATCH" in {f.rule for f in error.report.breaking}
    assert "NAME_MISMATCH" in str(error)
    assert "mfgcanon.v1.MaterialUpserted" in str(error)
    assert error.path == error.report.breaking[0].path
    assert registry.get_versions(SUBJECT) == [1]  # nothing was registered


def test_the_json_schema_serializer_is_guarded_too(registry: SchemaRegistryClient) -> None:
    current = serde.json_schema_document(WorkCenter)
    narrowed = json.loads(json.dumps(current))
    narrowed["properties"]["category"] = {"type": "integer"}  # the new schema reads strings: a breaking change
    register(registry, narrowed, "JSON")
    with pytest.raises(IncompatibleSchemaError) as caught:
        serde.JsonSchemaSerializer(registry)(CENTER, VALUE)
    assert caught.value.report.schema_type == "JSON"
    assert caught.value.report.breaking
    assert registry.get_versions(SUBJECT) == [1]


def test_a_compatible_change_is_registered_as_the_next_version(registry: SchemaRegistryClient) -> None:
    older = without_field(avro.schema(WorkCenter), "category")  # the new schema adds an optional field: BACKWARD
    register(registry, older)
    data = serde.AvroSerializer(registry)(CENTER, VALUE)
    assert sorted(registry.get_versions(SUBJECT)) == [1, 2]
    latest = registry.get_latest_version(SUBJECT)
    assert data is not None
    assert int.from_bytes(data[1:5], "big") == latest.schema_id
    assert json.loads(latest.schema.schema_str) == avro.schema(WorkCenter)


def history(registry: SchemaRegistryClient) -> None:
    """v1 has ``category`` as a long; v2 drops it; the current schema has it again as an optional string.

    Against v2 alone the change is BACKWARD (v2 data lacks the field, the default fills it); against v1 it
    is not (a long cannot be read as a string)."""
    current = avro.schema(WorkCenter)
    register(registry, with_field(current, "category", "long"))
    register(registry, without_field(current, "category"))


def test_a_plain_level_compares_with_the_latest_version_only(registry: SchemaRegistryClient) -> None:
    history(registry)
    serde.AvroSerializer(registry, compatibility="BACKWARD")(CENTER, VALUE)
    assert sorted(registry.get_versions(SUBJECT)) == [1, 2, 3]


def test_a_transitive_level_compares_with_every_version(registry: SchemaRegistryClient) -> None:
    history(registry)
    with pytest.raises(IncompatibleSchemaError) as caught:
        serde.AvroSerializer(registry, compatibility="BACKWARD_TRANSITIVE")(CENTER, VALUE)
    report = caught.value.report
    assert caught.value.level == "BACKWARD_TRANSITIVE"
    assert report.failed_version_label == "v1"
    assert report.checked_versions == (1, 0)  # newest first: v2 passed, v1 failed
    assert any("category" in (f.name or f.path) for f in report.breaking)
    assert sorted(registry.get_versions(SUBJECT)) == [1, 2]


def test_full_checks_both_directions(registry: SchemaRegistryClient) -> None:
    """The older schema had a required field the current one drops: BACKWARD holds (the new reader skips it),
    FORWARD does not (the old reader finds no value for it), so FULL refuses."""
    current = avro.schema(WorkCenter)
    register(registry, {**current, "fields": [*current["fields"], {"name": "shift", "type": "string"}]})
    serde.AvroSerializer(registry, compatibility="BACKWARD")(CENTER, VALUE)
    assert sorted(registry.get_versions(SUBJECT)) == [1, 2]
    other = SerializationContext("mfg.other", MessageField.VALUE)
    register(registry, {**current, "fields": [*current["fields"], {"name": "shift", "type": "string"}]},
             subject="mfg.other-value")
    with pytest.raises(IncompatibleSchemaError) as caught:
        serde.AvroSerializer(registry, compatibility="FULL")(CENTER, other)
    assert {f.direction for f in caught.value.report.breaking} == {"forward"}


def test_the_check_can_be_left_to_the_registry(registry: SchemaRegistryClient, scenario_events: list[Any]) -> None:
    """``check_compatibility=False``: mfgcanon registers without its own check (the mock registry checks
    nothing, so the second record type becomes v2)."""
    serializer = serde.AvroSerializer(registry, check_compatibility=False)
    serializer(scenario_events[0], VALUE)
    serializer(scenario_events[1], VALUE)
    assert sorted(registry.get_versions(SUBJECT)) == [1, 2]


class Refusing:
    """A registry that answers 409 to every registration, as a real one does for an incompatible schema."""

    def __init__(self, inner: SchemaRegistryClient) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def register_schema(self, *args: Any, **kwargs: Any) -> int:
        from confluent_kafka.schema_registry.error import SchemaRegistryError

        raise SchemaRegistryError(409, 409, "Schema being registered is incompatible with an earlier schema")


def test_the_registrys_own_refusal_is_an_incompatible_schema_error(registry: SchemaRegistryClient) -> None:
    with pytest.raises(IncompatibleSchemaError) as caught:
        serde.AvroSerializer(Refusing(registry), compatibility="BACKWARD")(CENTER, VALUE)
    assert caught.value.code == "incompatible_schema"
    assert "incompatible with an earlier schema" in str(caught.value)


def test_registered_subjects_are_checked_per_record_under_topic_record(registry: SchemaRegistryClient,
                                                                       scenario_events: list[Any]) -> None:
    """The documented layout for a mixed topic: every event type evolves in its own subject."""
    serializer = serde.AvroSerializer(registry, subject_name_strategy="topic_record",
                                      compatibility="FULL_TRANSITIVE")
    for event in scenario_events:
        serializer(event, VALUE)
    for event in scenario_events:
        subject = f"{TOPIC}-{avro.schema(type(event))['namespace']}.{type(event).__name__}"
        assert registry.get_versions(subject) == [1]


def test_a_subject_of_the_other_schema_language_is_an_explained_refusal(registry: SchemaRegistryClient) -> None:
    """Regression: the JSON Schema serializer on a subject holding Avro gave a registry error ("registered v1
    cannot be read locally"); it is a compatibility finding, SCHEMA_TYPE_CHANGED."""
    serde.AvroSerializer(registry)(CENTER, VALUE)
    with pytest.raises(IncompatibleSchemaError) as caught:
        serde.JsonSchemaSerializer(registry)(CENTER, VALUE)
    assert [f.rule for f in caught.value.report.breaking] == ["SCHEMA_TYPE_CHANGED"]
    assert registry.get_versions(SUBJECT) == [1]
