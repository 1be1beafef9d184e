"""Confluent Schema Registry's own JSON Schema diff cases: verdicts and exact change lists.

The data is CCL-licensed and read in place from ../shared/conformance (never copied here). Confluent's
verdicts are normative for JSON Schema, so every case must agree.
"""

from __future__ import annotations

from typing import Any

import pytest
from _shared import load_cases, shared_dir

from mfgcanon.compat import check

SUB = "conformance/confluent-schema-registry"
FILES = [
    "diff-schema-examples.json",
    "diff-combined-schema-examples.json",
    "diff-schema-examples-2020-12.json",
    "diff-combined-schema-examples-2020-12.json",
]
CASES = [(f, i, c) for f in FILES for i, c in enumerate(load_cases(SUB, f))] or [("absent", 0, None)]


def test_corpus_present() -> None:
    """All four files with their documented counts (263 cases), so a truncated copy cannot pass silently."""
    base = shared_dir(SUB)
    counts = {f: len(load_cases(SUB, f)) for f in FILES}
    assert (base / FILES[0]).is_file()
    assert counts == {FILES[0]: 104, FILES[1]: 28, FILES[2]: 113, FILES[3]: 18}


@pytest.mark.parametrize(("name", "index", "case"), CASES, ids=[f"{f}#{i}" for f, i, _ in CASES])
def test_confluent_case(name: str, index: int, case: dict[str, Any] | None) -> None:
    shared_dir(SUB)
    assert case is not None
    report = check(case["original_schema"], case["update_schema"], "BACKWARD", schema_type="JSON")
    got = [f"{f.rule} {f.path}" for f in report.findings]
    assert got == case["changes"], case["description"]  # same differences, same paths, same order
    assert report.is_compatible is case["compatible"], case["description"]
    lenient = check(
        case["original_schema"], case["update_schema"], "BACKWARD", schema_type="JSON", policy="lenient"
    )
    assert lenient.is_compatible is case.get("compatible_lenient", case["compatible"]), case["description"]


def test_forward_is_backward_swapped() -> None:
    """FORWARD runs the same diff with the schemas swapped; FULL needs both."""
    shared_dir(SUB)
    for case in load_cases(SUB, FILES[0]):
        old, new = case["original_schema"], case["update_schema"]
        forward = check(new, old, "FORWARD", schema_type="JSON")
        assert forward.is_compatible is case["compatible"]
        assert all(f.direction == "forward" for f in forward.findings)
        full = check(old, new, "FULL", schema_type="JSON")
        assert full.is_compatible is (
            case["compatible"] and check(old, new, "FORWARD", schema_type="JSON").is_compatible
        )
