"""Findings name what they are about and say where it is, in both files (issue #13)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mfgcanon.compat import Direction, Finding, check
from mfgcanon.compat._positions import PositionIndex, walk


def _record(fields: list[dict[str, Any]], name: str = "Material") -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": "mfg.v1", "fields": fields}


def _text(doc: Any) -> str:
    return json.dumps(doc, indent=2)


def _line_of(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the ``occurrence``-th ``needle``."""
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def test_position_index_keys_values_arrays_and_escapes() -> None:
    text = '{"a": [1, {"b\\"x": [true, null]}, [2, 3]],\n  "c": {"d": "e"}, "e/f": []}'
    index = PositionIndex(text)
    assert index.position("") == (1, 1)
    assert index.position("/a") == (1, 2)  # a member: its key
    assert index.position("/a/1") == (1, 11)
    assert index.position('/a/1/b"x/1') == (1, 27)
    assert index.position("/a/2/1") == (1, 39)
    assert index.position("/c/d") == (2, 9)
    assert index.position("/e~1f") == (2, 20)
    assert index.position("/nope") is None


def test_walk_follows_local_refs_and_stops_at_the_deepest_node() -> None:
    doc = {"properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"properties": {"x": {}}}}}
    assert walk(doc, "#/properties/a/properties/x") == "/$defs/A/properties/x"
    assert walk(doc, "#/properties/a/properties/y") == "/$defs/A/properties"
    assert walk(doc, "#/") == ""


def test_type_mismatch_names_the_field_and_points_at_both_files() -> None:
    # regression: the message was "the new schema's string cannot read the old schema's boolean"
    filler = [{"name": f"f{i}", "type": "string"} for i in range(10)]
    old = _record([*filler, {"name": "is_lot_managed", "type": "boolean"}])
    new = _record([*filler, {"name": "is_lot_managed", "type": "string"}])
    old_text, new_text = _text(old), _text(new)
    (finding,) = check(old_text, new_text).findings
    assert finding.rule == "TYPE_MISMATCH"
    assert finding.path == "/fields/10/type"
    assert finding.name == "Material.is_lot_managed"
    assert finding.message.startswith("Material.is_lot_managed: ")
    assert "string" in finding.message
    assert "boolean" in finding.message
    assert finding.new_location is not None
    assert finding.old_location is not None
    assert finding.new_location.pointer == "/fields/10/type"
    # the "type" key of field 10: the 11th '"type": "' after the record's own
    expected = _line_of(new_text, '"type": "string"', 11)
    assert (finding.new_location.line, finding.new_location.column) == expected
    assert (finding.old_location.line, finding.old_location.column) == _line_of(old_text, '"type": "boolean"')


def test_fields_are_matched_by_name_on_the_other_side() -> None:
    old = _record([{"name": "b", "type": "int"}, {"name": "a", "type": "int"}])
    new = _record([{"name": "a", "type": "string"}, {"name": "b", "type": "int"}])
    (finding,) = check(old, new).findings
    assert finding.name == "Material.a"
    assert finding.new_location is not None
    assert finding.old_location is not None
    assert finding.new_location.pointer == "/fields/0/type"
    assert finding.old_location.pointer == "/fields/1/type"  # where a is in the old file


def test_a_named_type_used_by_reference_points_at_its_definition() -> None:
    lot_old = {"type": "record", "name": "Lot", "fields": [{"name": "qty", "type": "int"}]}
    lot_new = {"type": "record", "name": "Lot", "fields": [{"name": "qty", "type": "string"}]}
    old = _record([{"name": "lot", "type": lot_old}, {"name": "lots", "type": {"type": "array", "items": "Lot"}}])
    new = _record([{"name": "lot", "type": lot_new}, {"name": "lots", "type": {"type": "array", "items": "Lot"}}])
    findings = check(old, new).findings
    names = {f.name for f in findings}
    assert "Material.lot.qty" in names
    for f in findings:
        assert f.new_location is not None
        assert f.new_location.pointer == "/fields/0/type/fields/0/type"


def test_forward_findings_point_at_the_new_files_node() -> None:
    old = _record([{"name": "a", "type": "int"}, {"name": "b", "type": "string"}])
    new = _record([{"name": "a", "type": "int"}])  # b dropped: the old schema cannot read new data
    new_text = _text(new)
    (finding,) = check(_text(old), new_text, "FORWARD").findings
    assert finding.direction is Direction.FORWARD
    assert finding.rule == "READER_FIELD_MISSING_DEFAULT_VALUE"
    assert finding.name == "Material.b"
    assert finding.old_location is not None
    assert finding.old_location.pointer == "/fields/1"
    assert finding.new_location is not None
    assert finding.new_location.pointer == "/"  # the record b was removed from
    assert (finding.new_location.line, finding.new_location.column) == (1, 1)


def _enum(symbols: list[str]) -> dict[str, Any]:
    return {"type": "enum", "name": "Status", "symbols": symbols}


_AVRO_CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], str, tuple[str, ...]]] = [
    ("TYPE_MISMATCH", [{"name": "x", "type": "int"}], [{"name": "x", "type": "boolean"}], "Material.x", ()),
    (
        "READER_FIELD_MISSING_DEFAULT_VALUE",
        [],
        [{"name": "x", "type": "int"}],
        "Material.x",
        ("'x'",),
    ),
    (
        "MISSING_UNION_BRANCH",
        [{"name": "x", "type": ["null", "string"]}],
        [{"name": "x", "type": ["null", "int"]}],
        "Material.x",
        ("string",),
    ),
    (
        "MISSING_ENUM_SYMBOLS",
        [{"name": "s", "type": _enum(["A", "B"])}],
        [{"name": "s", "type": _enum(["A"])}],
        "Material.s",
        ("[B]",),
    ),
    (
        "NAME_MISMATCH",
        [{"name": "s", "type": _enum(["A"])}],
        [{"name": "s", "type": {"type": "enum", "name": "Other", "symbols": ["A"]}}],
        "Material.s",
        ("Status", "Other"),
    ),
    (
        "FIXED_SIZE_MISMATCH",
        [{"name": "h", "type": {"type": "fixed", "name": "H", "size": 4}}],
        [{"name": "h", "type": {"type": "fixed", "name": "H", "size": 8}}],
        "Material.h",
        ("4", "8"),
    ),
    (
        "DECIMAL_SCALE_MISMATCH",
        [{"name": "q", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}}],
        [{"name": "q", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 3}}],
        "Material.q",
        ("2", "3"),
    ),
    (
        "DECIMAL_PRECISION_NARROWED",
        [{"name": "q", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}}],
        [{"name": "q", "type": {"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 2}}],
        "Material.q",
        ("9", "5"),
    ),
]


@pytest.mark.parametrize(("rule", "old_fields", "new_fields", "name", "mentions"), _AVRO_CASES)
def test_every_avro_rule_names_the_field_or_type(
    rule: str, old_fields: list[dict[str, Any]], new_fields: list[dict[str, Any]], name: str, mentions: tuple[str, ...]
) -> None:
    report = check(_text(_record(old_fields)), _text(_record(new_fields)), "BACKWARD")
    found: list[Finding] = [f for f in report.findings if f.rule == rule]
    assert found, report.findings
    finding = found[0]
    assert finding.name == name
    assert finding.message.startswith(f"{name}: ")
    for word in mentions:
        assert word in finding.message
    assert finding.new_location is not None
    assert finding.new_location.line is not None


def test_json_schema_findings_name_the_property_and_follow_refs() -> None:
    old = {
        "title": "Order",
        "type": "object",
        "additionalProperties": False,
        "properties": {"lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}}},
        "$defs": {
            "Line": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"sku": {"type": "string", "maxLength": 10}},
            }
        },
    }
    new = json.loads(json.dumps(old))
    new["$defs"]["Line"]["properties"]["sku"]["maxLength"] = 5
    new_text = _text(new)
    (finding,) = check(_text(old), new_text, schema_type="JSON").findings
    assert finding.rule == "MAX_LENGTH_DECREASED"
    assert finding.name == "Order.lines[].sku"
    assert finding.message.startswith("Order.lines[].sku: `maxLength` decreased (10 -> 5)")
    assert finding.new_location is not None
    assert finding.new_location.pointer == "/$defs/Line/properties/sku/maxLength"
    assert (finding.new_location.line, finding.new_location.column) == _line_of(new_text, '"maxLength"')


def test_in_memory_input_has_pointers_but_no_lines() -> None:
    (finding,) = check(_record([{"name": "x", "type": "int"}]), _record([{"name": "x", "type": "boolean"}])).findings
    assert finding.new_location is not None
    assert finding.new_location.file is None
    assert finding.new_location.line is None
    assert finding.new_location.pointer == "/fields/0/type"
