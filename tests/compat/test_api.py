"""The Python API: inputs, detection, errors naming where, the report document and its rendering."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _shared import REPO_ROOT

from mfgcanon.compat import (
    AVRO_RULES,
    GENERAL_RULES,
    JSON_RULES,
    PROJECT_POLICY,
    Report,
    SchemaInputError,
    SchemaType,
    check,
    check_history,
)

OLD = {"type": "record", "name": "R", "namespace": "ns", "fields": [{"name": "a", "type": "int"}]}
NEW = {
    "type": "record",
    "name": "R",
    "namespace": "ns",
    "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}],
}


def test_inputs_as_dict_text_bytes_and_paths(tmp_path: Path) -> None:
    old_file = tmp_path / "old.avsc"
    old_file.write_text(json.dumps(OLD))
    expected = check(OLD, NEW)

    def strip(report: Report) -> list[tuple[Any, ...]]:
        return [(f.rule, f.path, f.message, f.old, f.new) for f in report.findings]

    for old in (OLD, json.dumps(OLD), json.dumps(OLD).encode(), old_file, str(old_file)):
        report = check(old, NEW)
        assert strip(report) == strip(expected)
        assert report.schema_type is SchemaType.AVRO
    assert check(old_file, NEW).findings[0].version == "old.avsc"
    assert expected.findings[0].version == "v1"
    assert [f.rule for f in expected.findings] == ["READER_FIELD_MISSING_DEFAULT_VALUE"]
    assert expected.findings[0].path == "/fields/1"
    assert expected.findings[0].new == "b"


def test_avro_primitive_strings() -> None:
    assert check("int", "long").is_compatible
    assert not check("long", "int").is_compatible
    assert check('"string"', "bytes").is_compatible


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"type": "record", "name": "x", "fields": []}, SchemaType.AVRO),
        (["null", "string"], SchemaType.AVRO),
        ({"type": "object"}, SchemaType.JSON),
        ({"$schema": "https://json-schema.org/draft/2020-12/schema"}, SchemaType.JSON),
        (True, SchemaType.JSON),
        ({"type": "array", "items": "int"}, SchemaType.AVRO),
        ({"type": "array", "items": {"type": "integer"}}, SchemaType.JSON),
    ],
)
def test_detection(doc: Any, expected: SchemaType) -> None:
    assert check(doc, doc).schema_type is expected


def test_ambiguous_schema_follows_the_other_side() -> None:
    """``{"type": "string"}`` is valid in both languages; the definite side decides."""
    assert check({"type": "string"}, ["null", "string"]).schema_type is SchemaType.AVRO
    assert check({"type": "string"}, {"type": "string", "maxLength": 3}).schema_type is SchemaType.JSON


@pytest.mark.parametrize(
    ("doc", "code", "path"),
    [
        (
            {"type": "record", "name": "R", "fields": [{"name": "a", "type": "Missing"}]},
            "AVRO_UNKNOWN_TYPE",
            "/fields/0/type",
        ),
        (
            {
                "type": "record",
                "name": "R",
                "fields": [{"name": "a", "type": "int"}, {"name": "a", "type": "int"}],
            },
            "AVRO_DUPLICATE_FIELD",
            "/fields/1/name",
        ),
        (
            {
                "type": "record",
                "name": "R",
                "fields": [{"name": "x", "type": {"type": "enum", "name": "R", "symbols": ["A"]}}],
            },
            "AVRO_DUPLICATE_NAME",
            "/fields/0/type/name",
        ),
        ({"type": "record", "name": "9bad", "fields": []}, "AVRO_INVALID_NAME", "/name"),
        (["null", ["int"]], "AVRO_NESTED_UNION", "/1"),
        (["int", "int"], "AVRO_DUPLICATE_UNION_BRANCH", "/1"),
        ({"type": "fixed", "name": "F", "size": -1}, "AVRO_INVALID_FIXED_SIZE", "/size"),
        ({"type": "enum", "name": "E", "symbols": ["A", "A"]}, "AVRO_INVALID_ENUM", "/symbols/1"),
        ({"type": "array"}, "AVRO_MISSING_ITEMS", "/"),
    ],
)
def test_invalid_avro_names_the_place(doc: Any, code: str, path: str) -> None:
    with pytest.raises(SchemaInputError) as info:
        check(doc, doc, schema_type="AVRO")
    assert info.value.code == code
    assert info.value.path == path
    assert path in str(info.value)


def test_invalid_json_schema_and_refs() -> None:
    with pytest.raises(SchemaInputError) as info:
        check({"$ref": "#/definitions/nope"}, {"type": "string"}, schema_type="JSON")
    assert (info.value.code, info.value.path) == ("JSON_UNRESOLVED_REF", "#/$ref")
    with pytest.raises(SchemaInputError) as info:
        check({"type": "strin"}, {"type": "string"}, schema_type="JSON")
    assert (info.value.code, info.value.path) == ("JSON_INVALID_SCHEMA", "#/type")


def test_unreadable_and_malformed_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"type":\n  "object",,}')
    with pytest.raises(SchemaInputError) as info:
        check(bad, {"type": "object"})
    assert info.value.code == "INVALID_JSON"
    assert info.value.source == str(bad)
    assert info.value.path == "line 2, column 12"
    with pytest.raises(SchemaInputError) as info:
        check(tmp_path / "absent.avsc", OLD)
    assert info.value.code == "UNREADABLE"
    invalid = tmp_path / "invalid.avsc"
    invalid.write_text(json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "nope"}]}))
    with pytest.raises(SchemaInputError) as info:
        check(OLD, invalid)
    assert (info.value.source, info.value.path) == (str(invalid), "/fields/0/type")


def test_recursive_types_terminate() -> None:
    avro = {
        "type": "record",
        "name": "Node",
        "fields": [
            {"name": "value", "type": "int"},
            {"name": "next", "type": ["null", "Node"], "default": None},
        ],
    }
    longer = json.loads(json.dumps(avro).replace('"int"', '"long"'))
    assert check(avro, longer).is_compatible
    assert not check(longer, avro).is_compatible
    tree = {
        "$ref": "#/definitions/t",
        "definitions": {
            "t": {
                "type": "object",
                "properties": {
                    "kids": {"type": "array", "items": {"$ref": "#/definitions/t"}},
                    "n": {"type": "integer"},
                },
            }
        },
    }
    wider = json.loads(json.dumps(tree).replace('"integer"', '"number"'))
    report = check(tree, wider, schema_type="JSON")
    assert report.is_compatible
    assert [(f.rule, f.path) for f in report.findings] == [("TYPE_EXTENDED", "#/properties/n")]


def test_closed_and_open_content_models() -> None:
    """The project's policy in one example: adding an optional property to a closed object."""
    closed = {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}}
    grown = {**closed, "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    assert check(closed, grown, "BACKWARD").is_compatible
    assert not check(closed, grown, "FORWARD").is_compatible
    opened = {"type": "object", "properties": closed["properties"]}
    opened_grown = {"type": "object", "properties": grown["properties"]}
    assert not check(opened, opened_grown, "BACKWARD").is_compatible
    assert check(opened, opened_grown, "BACKWARD", policy="lenient").is_compatible


def test_report_document_matches_published_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO_ROOT / "docs" / "reference" / "compat-report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    reports = [
        check(OLD, NEW, "FULL"),
        check(OLD, OLD, "NONE"),
        check({"title": "a", "type": "string"}, {"title": "b", "type": "integer"}, schema_type="JSON"),
        check_history([OLD, NEW], OLD, "FORWARD_TRANSITIVE"),
    ]
    for report in reports:
        doc = json.loads(report.to_json())
        assert doc["version"] == 1
        assert doc["kind"] == "compat_report"
        validator.validate(doc)
        assert doc == report.to_dict()
    broken = reports[0].to_dict()
    broken["findings"][0]["direction"] = "sideways"
    assert not validator.is_valid(broken)


def test_html_is_escaped() -> None:
    doc = {"type": "object", "additionalProperties": False, "properties": {"<b>x</b>": {"type": "string"}}}
    report = check(doc, {**doc, "properties": {}}, schema_type="JSON")
    html = report._repr_html_()
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert isinstance(report, Report)
    assert "INCOMPATIBLE" in html


def test_rule_catalogue() -> None:
    assert len(JSON_RULES) == 132  # Confluent's full Difference.Type list
    assert set(AVRO_RULES) >= {
        "NAME_MISMATCH",
        "FIXED_SIZE_MISMATCH",
        "MISSING_ENUM_SYMBOLS",
        "READER_FIELD_MISSING_DEFAULT_VALUE",
        "TYPE_MISMATCH",
        "MISSING_UNION_BRANCH",
    }
    assert not set(AVRO_RULES) & set(JSON_RULES)
    assert "SCHEMA_TYPE_CHANGED" in GENERAL_RULES
    assert PROJECT_POLICY == {"AVRO": "FULL_TRANSITIVE", "JSON": "BACKWARD_TRANSITIVE"}


def test_every_rule_has_a_docs_anchor() -> None:
    text = (REPO_ROOT / "docs" / "reference" / "compat-rules.md").read_text(encoding="utf-8")
    missing = [r for r in [*AVRO_RULES, *JSON_RULES, *GENERAL_RULES] if f'id="rule-{r.lower()}"' not in text]
    assert not missing


def test_import_is_light() -> None:
    """``mfgcanon.compat`` adds no schema library and nothing of the model to what ``mfgcanon`` imports."""
    code = (
        "import sys, mfgcanon; before = set(sys.modules); import mfgcanon.compat; "
        "print(sorted(m for m in set(sys.modules) - before if not m.startswith('mfgcanon.compat')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO_ROOT / "src")},
    )
    heavy = ("avro", "fastavro", "jsonschema", "mfgcanon")
    added = [m for m in ast.literal_eval(out.stdout) if m.split(".")[0] in heavy]
    assert added == []


def test_compat_sources_import_nothing_of_the_model() -> None:

    for source in (REPO_ROOT / "src" / "mfgcanon" / "compat").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mfgcanon"):
                # the error base is the one shared piece: it is not the model
                assert node.module.startswith("mfgcanon.compat") or node.module == "mfgcanon.errors", (
                    source.name, node.module)
