"""Differential property test against Apache Avro's own checker (the PyPI ``avro`` package).

Hypothesis draws pairs of related Avro schemas (records with nested records, unions, enums with and
without defaults, arrays, maps, fixed, aliases, field defaults, decimals) and both checkers must agree on
the verdict and on the set of incompatibility kinds, in both directions. The only allowed difference is
our documented decimal findings (DECIMAL_*), which Apache Avro does not check.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfgcanon.compat import check

avro_schema = pytest.importorskip("avro.schema")
avro_compat = pytest.importorskip("avro.compatibility")

PRIMS = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
PRIM_DEFAULT: dict[str, Any] = {
    "null": None,
    "boolean": False,
    "int": 0,
    "long": 0,
    "float": 0.0,
    "double": 0.0,
    "bytes": "",
    "string": "",
}
SYMBOLS = ["A", "B", "C", "D"]
FIELD_NAMES = ["a", "b", "c", "d"]

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _default(schema: Any) -> tuple[bool, Any]:
    """A valid default for ``schema``, or (False, None) when we do not make one."""
    if isinstance(schema, str) and schema in PRIM_DEFAULT:
        return True, PRIM_DEFAULT[schema]
    if isinstance(schema, list):
        return _default(schema[0])
    if isinstance(schema, dict):
        kind = schema["type"]
        if kind == "enum":
            return True, schema["symbols"][0]
        if kind == "array":
            return True, []
        if kind == "map":
            return True, {}
        if kind == "bytes":
            return True, ""
    return False, None


class _Gen:
    """Draws a (writer, reader) pair that share a shape, with random local changes on the reader side."""

    def __init__(self, draw: Draw) -> None:
        self.draw = draw
        self.ids = itertools.count()

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self.ids)}"

    def prim_pair(self) -> tuple[Any, Any]:
        w = self.draw(st.sampled_from(PRIMS))
        r = w if self.draw(st.booleans()) else self.draw(st.sampled_from(PRIMS))
        return w, r

    def named_name(self, prefix: str) -> tuple[str, str, dict[str, Any]]:
        w = self.name(prefix)
        choice = self.draw(st.sampled_from(["same", "same", "same", "renamed", "aliased"]))
        if choice == "same":
            return w, w, {}
        r = self.name(prefix)
        return w, r, ({"aliases": [w]} if choice == "aliased" else {})

    def pair(self, depth: int) -> tuple[Any, Any]:
        kinds = ["prim", "prim", "union", "enum", "fixed", "decimal"]
        if depth > 0:
            kinds += ["array", "map", "record", "record", "wrap"]
        kind = self.draw(st.sampled_from(kinds))
        if kind == "prim":
            return self.prim_pair()
        if kind == "union":
            w = self.draw(st.lists(st.sampled_from(PRIMS), min_size=1, max_size=4, unique=True))
            r = self.draw(st.lists(st.sampled_from(PRIMS), min_size=1, max_size=4, unique=True))
            return w, (w if self.draw(st.booleans()) else r)
        if kind == "wrap":  # one side a union around a shared type
            w, r = self.pair(depth - 1)
            if isinstance(w, list) or isinstance(r, list) or "null" in (w, r):
                return w, r
            return (w, ["null", r]) if self.draw(st.booleans()) else (["null", w], r)
        if kind == "enum":
            wn, rn, extra = self.named_name("E")
            ws = self.draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=4, unique=True))
            rs = self.draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=4, unique=True))
            reader = {"type": "enum", "name": rn, "symbols": rs, **extra}
            if self.draw(st.booleans()):
                reader["default"] = rs[0]
            return {"type": "enum", "name": wn, "symbols": ws}, reader
        if kind == "fixed":
            wn, rn, extra = self.named_name("F")
            ws, rs = self.draw(st.sampled_from([4, 8])), self.draw(st.sampled_from([4, 8]))
            return {"type": "fixed", "name": wn, "size": ws}, {
                "type": "fixed",
                "name": rn,
                "size": rs,
                **extra,
            }
        if kind == "decimal":
            wp, rp = self.draw(st.integers(1, 12)), self.draw(st.integers(1, 12))
            ws, rs = self.draw(st.integers(0, wp)), self.draw(st.integers(0, rp))
            return (
                {"type": "bytes", "logicalType": "decimal", "precision": wp, "scale": ws},
                {"type": "bytes", "logicalType": "decimal", "precision": rp, "scale": rs},
            )
        if kind in ("array", "map"):
            w, r = self.pair(depth - 1)
            key = "items" if kind == "array" else "values"
            return {"type": kind, key: w}, {"type": kind, key: r}
        return self.record(depth)

    def record(self, depth: int) -> tuple[dict[str, Any], dict[str, Any]]:
        wn, rn, extra = self.named_name("R")
        wf: list[dict[str, Any]] = []
        rf: list[dict[str, Any]] = []
        for fname in self.draw(st.lists(st.sampled_from(FIELD_NAMES), min_size=1, max_size=4, unique=True)):
            w, r = self.pair(depth - 1)
            where = self.draw(st.sampled_from(["both", "both", "both", "writer", "reader", "renamed"]))
            if where in ("both", "writer", "renamed"):
                wf.append({"name": fname, "type": w})
            if where in ("both", "reader", "renamed"):
                field: dict[str, Any] = {"name": fname if where != "renamed" else f"{fname}_new", "type": r}
                if where == "renamed":
                    field["aliases"] = [fname]
                ok, value = _default(r)
                if ok and self.draw(st.booleans()):
                    field["default"] = value
                rf.append(field)
        return (
            {"type": "record", "name": wn, "fields": wf},
            {"type": "record", "name": rn, "fields": rf, **extra},
        )


@st.composite
def avro_pairs(draw: Draw) -> tuple[dict[str, Any], dict[str, Any]]:
    return _Gen(draw).record(3)


def _apache(reader: Any, writer: Any) -> tuple[bool, set[str]]:
    parsed_r = avro_schema.parse(json.dumps(reader))
    parsed_w = avro_schema.parse(json.dumps(writer))
    result = avro_compat.ReaderWriterCompatibilityChecker().get_compatibility(parsed_r, parsed_w)
    kinds = {t.name.upper() for t in result.incompatibilities}
    return result.compatibility is avro_compat.SchemaCompatibilityType.compatible, kinds


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(avro_pairs())
def test_same_verdict_as_apache_avro(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    writer, reader = pair
    for old, new in ((writer, reader), (reader, writer)):
        report = check(old, new, "BACKWARD", schema_type="AVRO")  # reader = new, writer = old
        ours = {f.rule for f in report.findings if not f.rule.startswith("DECIMAL_")}
        apache_ok, apache_kinds = _apache(new, old)
        assert (not ours) is apache_ok, (old, new, ours, apache_kinds)
        assert ours == apache_kinds


def test_decimal_findings_are_ours_only() -> None:
    """A decimal scale change passes Apache Avro but is reported here, on purpose (AVRO-2078)."""
    old = {
        "type": "record",
        "name": "P",
        "fields": [
            {
                "name": "price",
                "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2},
            }
        ],
    }
    new = {
        "type": "record",
        "name": "P",
        "fields": [
            {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 5, "scale": 3}}
        ],
    }
    assert _apache(new, old)[0]
    report = check(old, new)
    assert not report.is_compatible
    assert {(f.rule, f.path) for f in report.findings} == {
        ("DECIMAL_SCALE_MISMATCH", "/fields/0/type/scale"),
        ("DECIMAL_PRECISION_NARROWED", "/fields/0/type/precision"),
    }
    widened = json.loads(json.dumps(old).replace('"precision": 10', '"precision": 12'))
    assert check(old, widened).is_compatible  # more precision, same scale: fine
