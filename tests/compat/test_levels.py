"""Registry level semantics: latest versus all versions, direction, FULL, NONE, newest-first stop."""

from __future__ import annotations

from typing import Any

import pytest
from _shared import load_cases, shared_dir

from mfgcanon.compat import Level, check, check_history

SUB = "conformance/levels"
CASES = load_cases(SUB, "levels-cases.json") or [None]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] if c else "absent" for c in CASES])
def test_levels_case(case: dict[str, Any] | None) -> None:
    shared_dir(SUB)
    assert case is not None
    report = check_history(case["history"], case["candidate"], case["level"], schema_type=case["format"])
    assert report.is_compatible is case["compatible"], case["why"]


def _rec(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "Reading", "fields": [{"name": "f1", "type": "string"}, *fields]}


V1 = _rec()
V2 = _rec({"name": "f2", "type": "string", "default": "foo"})
V3 = _rec({"name": "f2", "type": "string"})


def test_transitive_reports_the_failing_version_newest_first() -> None:
    report = check_history([V1, V2], V3, "BACKWARD_TRANSITIVE")
    assert not report.is_compatible
    assert report.checked_versions == (1, 0)  # newest first, stopping at the failure
    assert report.failed_version == 0
    assert report.failed_version_label == "v1"
    assert [f.rule for f in report.findings] == ["READER_FIELD_MISSING_DEFAULT_VALUE"]
    assert report.findings[0].path == "/fields/1"
    assert report.findings[0].version == "v1"


def test_transitive_stops_at_first_failure() -> None:
    bad = {"type": "record", "name": "Reading", "fields": [{"name": "f1", "type": "int"}]}
    report = check_history([V1, V2, V2], bad, "BACKWARD_TRANSITIVE", labels=["a", "b", "c"])
    assert report.checked_versions == (2,)
    assert report.failed_version == 2
    assert report.failed_version_label == "c"


def test_plain_levels_check_latest_only() -> None:
    assert check_history([V1, V2], V3, "BACKWARD").is_compatible
    assert check_history([V1, V2], V3, "BACKWARD").checked_versions == (1,)
    assert check_history([V1, V2], V3, "FULL").is_compatible
    assert not check_history([V1, V2], V3, "FULL_TRANSITIVE").is_compatible


def test_directions() -> None:
    widened = {"type": "record", "name": "Reading", "fields": [{"name": "f1", "type": ["null", "string"]}]}
    assert check(V1, widened, "BACKWARD").is_compatible  # the union reads old strings
    forward = check(V1, widened, "FORWARD")
    assert not forward.is_compatible  # the old string reader cannot read a null
    assert {f.direction for f in forward.findings} == {"forward"}
    full = check(V1, widened, Level.FULL)
    assert not full.is_compatible


def test_none_checks_nothing_but_still_validates_the_candidate() -> None:
    report = check(V1, {"type": "int"}, "NONE")
    assert report.is_compatible
    assert report.checked_versions == ()


def test_empty_history_is_compatible() -> None:
    assert check_history([], V1, "FULL_TRANSITIVE").is_compatible


def test_unknown_level_and_policy() -> None:
    with pytest.raises(ValueError, match="unknown compatibility level"):
        check(V1, V2, "SIDEWAYS")
    with pytest.raises(ValueError, match="unknown policy"):
        check(V1, V2, policy="loose")
    with pytest.raises(ValueError, match="labels"):
        check_history([V1], V2, labels=["a", "b"])


def test_different_schema_types_are_incompatible() -> None:
    report = check({"type": "object", "properties": {}}, V1)
    assert not report.is_compatible
    assert [f.rule for f in report.findings] == ["SCHEMA_TYPE_CHANGED"]
