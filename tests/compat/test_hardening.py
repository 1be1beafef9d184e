"""Schemas given to compat are untrusted: invalid defaults, extreme numbers and deep nesting are input errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mfgcanon.cli import EXIT_USAGE
from mfgcanon.cli.app import cli
from mfgcanon.compat import SchemaInputError, check

OLD = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}


def _with_field(field: dict[str, Any]) -> dict[str, Any]:
    return {**OLD, "fields": [*OLD["fields"], field]}


BAD_DEFAULTS = [
    ("int", "x"), ("int", None), ("int", 2**31), ("int", True), ("long", 1.5), ("string", 1), ("boolean", "true"),
    ("null", 0), (["null", "int"], 1), (["int", "null"], None), ({"type": "array", "items": "int"}, ["a"]),
    ({"type": "map", "values": "int"}, {"k": "v"}), ({"type": "enum", "name": "E", "symbols": ["A"]}, "B"),
    ({"type": "fixed", "name": "F", "size": 2}, "abc"), ("bytes", "\u0100"), ("double", "1.0"),
    ({"type": "record", "name": "S", "fields": [{"name": "x", "type": "int"}]}, {}),
    ({"type": "record", "name": "S", "fields": [{"name": "x", "type": "int"}]}, {"x": "1"}),
]
GOOD_DEFAULTS = [
    ("int", 0), ("long", 2**40), ("double", 1), ("float", "NaN"), (["null", "int"], None), (["int", "null"], 3),
    ("bytes", "\u00ff"), ({"type": "fixed", "name": "F", "size": 2}, "ab"), ("string", ""),
    ({"type": "record", "name": "S", "fields": [{"name": "x", "type": "int", "default": 1}]}, {}),
    ({"type": "array", "items": "int"}, [1, 2]), ({"type": "map", "values": "string"}, {"k": "v"}),
]


@pytest.mark.parametrize(("type_", "default"), BAD_DEFAULTS)
def test_a_default_that_does_not_match_its_type_is_an_input_error(type_: Any, default: Any) -> None:
    """Before: a new field "int" with default "x" or null was reported compatible."""
    with pytest.raises(SchemaInputError) as info:
        check(OLD, _with_field({"name": "b", "type": type_, "default": default}), "FULL")
    assert info.value.code == "AVRO_INVALID_DEFAULT"
    assert info.value.path == "/fields/1/default"


@pytest.mark.parametrize(("type_", "default"), GOOD_DEFAULTS)
def test_valid_defaults_are_still_accepted(type_: Any, default: Any) -> None:
    assert check(OLD, _with_field({"name": "b", "type": type_, "default": default}), "FULL").is_compatible


def test_cli_exits_2_for_an_invalid_default(tmp_path: Path) -> None:
    (tmp_path / "old.avsc").write_text(json.dumps(OLD))
    (tmp_path / "new.avsc").write_text(json.dumps(_with_field({"name": "b", "type": "int", "default": "x"})))
    result = CliRunner().invoke(cli, ["compat", "check", str(tmp_path / "old.avsc"), str(tmp_path / "new.avsc")])
    assert result.exit_code == EXIT_USAGE
    assert "AVRO_INVALID_DEFAULT" in result.output


@pytest.mark.parametrize(("old", "new", "rule"), [
    (1e-300, 1e300, "MULTIPLE_OF_EXPANDED"), (1e300, 1e-300, "MULTIPLE_OF_REDUCED"), (0.1, 0.3, "MULTIPLE_OF_EXPANDED"),
    (0.3, 0.1, "MULTIPLE_OF_REDUCED"), (2, 3, "MULTIPLE_OF_CHANGED"), (1e-300, 3e300, "MULTIPLE_OF_EXPANDED"),
])
def test_multiple_of_at_any_exponent(old: float, new: float, rule: str) -> None:
    """Before: 1e-300 -> 1e300 leaked decimal.InvalidOperation."""
    report = check({"type": "number", "multipleOf": old}, {"type": "number", "multipleOf": new}, schema_type="JSON")
    assert [finding.rule for finding in report.findings] == [rule]


def _deep_text(kind: str, levels: int) -> str:
    if kind == "AVRO":
        return '{"type":"array","items":' * levels + '"int"' + "}" * levels
    return '{"type":"array","items":' * levels + '{"type":"string"}' + "}" * levels


@pytest.mark.parametrize("kind", ["AVRO", "JSON"])
@pytest.mark.parametrize("levels", [1000, 5000])
def test_deep_schemas_are_input_errors(kind: str, levels: int, tmp_path: Path) -> None:
    """Before: RecursionError from the loaders and checkers."""
    text = _deep_text(kind, levels)
    with pytest.raises(SchemaInputError) as info:
        check(text, text, schema_type=kind)
    assert info.value.code == "SCHEMA_TOO_DEEP"
    path = tmp_path / ("deep.avsc" if kind == "AVRO" else "deep.schema.json")
    path.write_text(text)
    result = CliRunner().invoke(cli, ["compat", "check", str(path), str(path)])
    assert result.exit_code == EXIT_USAGE, result.output
