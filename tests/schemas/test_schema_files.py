"""The committed schema files: they parse everywhere, follow the mapping rules and match the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import avro.schema
import fastavro
import pytest
from jsonschema import Draft202012Validator

from mfgcanon.schema import avro as avro_emit
from mfgcanon.schema.export import exported_types
from mfgcanon.schema.jsonschema import schema_id
from mfgcanon.schema.registry import record_name
from mfgcanon.types import INSTANT_PATTERN
from mfgcanon.v1 import events as v1_events

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
TYPES = exported_types()
IDS = [name for name, _ in TYPES]


def _avsc(name: str) -> Any:
    return json.loads((SCHEMAS / "avro" / "v1" / f"{name}.avsc").read_text())


def _json(name: str) -> Any:
    return json.loads((SCHEMAS / "json" / "v1" / f"{name}.json").read_text())


def _walk(node: Any) -> Any:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_every_type_has_both_files() -> None:
    assert len(TYPES) == len(v1_events.ENTITY_TYPES) + len(v1_events.EVENT_TYPES)
    for name, _ in TYPES:
        assert (SCHEMAS / "avro" / "v1" / f"{name}.avsc").is_file(), name
        assert (SCHEMAS / "json" / "v1" / f"{name}.json").is_file(), name


@pytest.mark.parametrize(("name", "tp"), TYPES, ids=IDS)
def test_avsc_parses_with_fastavro_and_apache_avro(name: str, tp: type[Any]) -> None:
    schema = _avsc(name)
    parsed = fastavro.parse_schema(schema)
    assert parsed["name"] == record_name(tp)
    apache = avro.schema.parse((SCHEMAS / "avro" / "v1" / f"{name}.avsc").read_text())
    assert apache.fullname == record_name(tp)
    assert avro_emit.lint(schema) == []


@pytest.mark.parametrize(("name", "tp"), TYPES, ids=IDS)
def test_json_schema_is_valid_2020_12(name: str, tp: type[Any]) -> None:
    schema = _json(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == schema_id(name) == f"urn:mfgcanon:schema:v1:{name}"
    assert schema["title"] == tp.__name__


@pytest.mark.parametrize(("name", "tp"), TYPES, ids=IDS)
def test_json_schema_objects_are_closed_and_typed(name: str, tp: type[Any]) -> None:
    schema = _json(name)
    objects = [n for n in _walk(schema) if isinstance(n, dict) and n.get("type") == "object"]
    assert objects
    assert all(n.get("additionalProperties") is False for n in objects)
    for node in _walk(schema):
        if isinstance(node, dict) and node.get("format") == "decimal":
            assert node["pattern"].startswith("^")
            assert node["pattern"].endswith("$")
    refs = {n["$ref"] for n in _walk(schema) if isinstance(n, dict) and "$ref" in n}
    assert refs <= {f"#/$defs/{d}" for d in schema.get("$defs", {})}
    assert all(d["title"] == key for key, d in schema.get("$defs", {}).items())


def test_instants_are_date_time_and_descriptions_come_from_the_model() -> None:
    schema = _json("production_confirmation")
    props = schema["properties"]
    assert {"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN} in props["started_at"]["anyOf"]
    assert props["confirmation_id"]["description"] == "Confirmation key, e.g. SAP RUECK/RMZHL '1234/5'."
    assert schema["description"].startswith("A confirmation (a fact)")
    assert "\n    " not in schema["description"]  # docstrings are cleaned
    assert props["kind"] == {"enum": ["production_confirmation"]}


def test_events_dataschema_matches_the_exported_id() -> None:
    for event_cls in v1_events.EVENT_TYPES:
        assert _json(event_cls.NAME)["$id"] == f"{v1_events.SCHEMA_URN}{event_cls.NAME}"


@pytest.mark.parametrize(("name", "tp"), TYPES, ids=IDS)
def test_avro_mapping_rules(name: str, tp: type[Any]) -> None:
    schema = _avsc(name)
    assert schema["namespace"] == "mfgcanon.v1"
    assert schema["fields"][0]["name"] in ("kind", "type")
    assert schema["fields"][0]["default"] == tp.__struct_config__.tag
    defined: list[str] = []
    for node in _walk(schema):
        if not isinstance(node, dict):
            continue
        if node.get("type") in ("record", "enum"):
            defined.append(f"{node['namespace']}.{node['name']}")
        if node.get("type") == "enum":
            expected = "other" if "other" in node["symbols"] else node["symbols"][0]
            assert node["default"] == expected
        if node.get("logicalType") == "decimal":
            assert (node["type"], node["precision"], node["scale"]) == ("bytes", 38, 9)
        if node.get("logicalType") == "timestamp-micros":
            assert node["type"] == "long"
        if isinstance(node.get("type"), list) and "default" in node and node["default"] is None:
            assert node["type"][0] == "null"
    assert len(defined) == len(set(defined)), "a named type is defined twice"


def test_record_and_enum_docs_come_from_docstrings() -> None:
    schema = _avsc("production_order")
    assert schema["doc"].startswith("A production (or process) order snapshot")
    status = next(f for f in schema["fields"] if f["name"] == "status")
    assert status["type"]["symbols"][-1] == "other"
    assert status["doc"] == "Canonical lifecycle status."


def test_lint_catches_a_union_default_that_does_not_match_the_first_branch() -> None:
    bad = {"type": "record", "name": "R", "namespace": "x", "fields": [
        {"name": "a", "type": ["string", "null"], "default": None},
        {"name": "b", "type": "long", "default": "1"},
        {"name": "c", "type": {"type": "enum", "name": "E", "symbols": ["a"], "default": "z"}},
    ]}
    problems = avro_emit.lint(bad)
    assert len(problems) == 3, problems
    assert "first union branch" in problems[0]
    good = {"type": "record", "name": "R", "namespace": "x", "fields": [
        {"name": "a", "type": ["null", "string"], "default": None},
        {"name": "b", "type": ["long", "null"], "default": 1},
    ]}
    assert avro_emit.lint(good) == []


def test_union_of_entities_is_a_union_of_records() -> None:
    schema = avro_emit.avro_schema(v1_events.AnyEntity)
    assert isinstance(schema, list)
    names = [s["name"] if isinstance(s, dict) else s for s in schema]
    assert names == [t.__name__ for t in v1_events.ENTITY_TYPES]
    fastavro.parse_schema(schema)
    assert avro_emit.lint(schema) == []
