"""Fuzzing compat: mutated, invalid and deep Avro and JSON schemas give a report or a SchemaInputError.

Counts: tests/fuzzing.py (``MFGCANON_FUZZ_EXAMPLES`` for the long run recorded in docs/security.md).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fuzzing import fuzz
from mfgcanon.compat import Report, SchemaInputError, check

JSON_KEYS = st.sampled_from(["type", "properties", "items", "required", "multipleOf", "minimum", "maximum",
                             "enum", "const", "anyOf", "oneOf", "allOf", "not", "$ref", "$defs", "pattern",
                             "additionalProperties", "minLength", "exclusiveMinimum", "format"])
AVRO_KEYS = st.sampled_from(["type", "name", "namespace", "fields", "items", "values", "symbols", "size",
                             "default", "logicalType", "precision", "scale", "aliases"])
SCALARS = (st.none() | st.booleans() | st.integers(-(2**70), 2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([1e-300, 1e300, 5e-324, 0.1])
           | st.sampled_from(["int", "string", "record", "array", "map", "null", "object", "number", "R", "#/$defs/a",
                              "decimal", "bytes", "fixed", "enum", "integer"]))


def _docs(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
                        max_leaves=14)


def _check(old: Any, new: Any, kind: str | None, level: str) -> None:
    try:
        report = check(old, new, level, schema_type=kind)
    except SchemaInputError:
        return
    assert isinstance(report, Report)
    json.dumps(report.to_dict() if hasattr(report, "to_dict") else str(report))


@fuzz(dev=150, ci=400)
@given(old=_docs(AVRO_KEYS), new=_docs(AVRO_KEYS), level=st.sampled_from(["BACKWARD", "FULL_TRANSITIVE", "NONE"]))
def test_compat_avro_like_documents(old: Any, new: Any, level: str) -> None:
    _check(old, new, "AVRO", level)
    _check(old, new, None, level)


@fuzz(dev=150, ci=400)
@given(old=_docs(JSON_KEYS), new=_docs(JSON_KEYS), level=st.sampled_from(["BACKWARD", "FORWARD", "FULL"]))
def test_compat_json_schema_like_documents(old: Any, new: Any, level: str) -> None:
    _check(old, new, "JSON", level)


@fuzz(dev=20, ci=60)
@given(kind=st.sampled_from(["AVRO", "JSON"]), depth=st.integers(1, 3000), as_text=st.booleans())
def test_compat_deep_schemas(kind: str, depth: int, as_text: bool) -> None:
    leaf = '"int"' if kind == "AVRO" else '{"type":"string"}'
    text = '{"type":"array","items":' * depth + leaf + "}" * depth
    doc: Any = text if as_text or depth > 500 else json.loads(text)
    _check(doc, doc, kind, "FULL")
