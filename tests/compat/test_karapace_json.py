"""Karapace's JSON Schema cases (Apache-2.0). Confluent is normative, so where the two registries
differ we follow Confluent; each such case is listed below with the reason, and everything else agrees.

The same table is in docs/compatibility.md ("Karapace disagreements"); a test keeps the two in step.
"""

from __future__ import annotations

from typing import Any

import pytest
from _shared import REPO_ROOT, load_cases, shared_dir

from mfgcanon.compat import check

SUB = "conformance/karapace"
CASES = load_cases(SUB, "karapace-jsonschema-compat-cases.json") or [None]

TRUE_READER = (
    "the new schema is `true` (accepts everything): Confluent reports no difference when anything "
    "becomes the empty/true schema; Karapace rejects it"
)
FALSE_WRITER = (
    "the old schema is `false` (accepted nothing): Confluent lets `false` become anything; "
    "Karapace rejects it"
)
TRUE_TO_FALSE = (
    "`true` becomes `false`: the new schema rejects all old data, Confluent reports TYPE_CHANGED; "
    "Karapace calls it compatible"
)
EMPTY_PROPERTY = (
    "a property with the empty schema `{}` is added to an open object: Confluent's "
    "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL is compatible; Karapace rejects it"
)
PATTERN_COVERS = (
    "a property removed from a closed object is covered by the new `patternProperties` "
    "(`^a*` matches every name): compatible for Confluent; Karapace rejects it"
)
PROPERTY_NAMES = (
    "`propertyNames` is not compared by Confluent (no difference type exists for it); "
    "Karapace rejects dropping it"
)

EXPECTED_DISAGREEMENTS: dict[str, str] = {
    "karapace-js-002": TRUE_TO_FALSE,
    "karapace-js-004": FALSE_WRITER,
    "karapace-js-030": EMPTY_PROPERTY,
    "karapace-js-038": PATTERN_COVERS,
    "karapace-js-040": PROPERTY_NAMES,
    "karapace-js-190": FALSE_WRITER,
    "karapace-js-192": FALSE_WRITER,
    "karapace-js-193": FALSE_WRITER,
    "karapace-js-195": TRUE_READER,
    "karapace-js-196": TRUE_READER,
    **{f"karapace-js-{n:03d}": TRUE_READER for n in range(223, 282)},
}


def _verdict(case: dict[str, Any]) -> bool:
    # Karapace's reader is the new schema of a BACKWARD check, its writer the old one
    return check(case["writer"], case["reader"], "BACKWARD", schema_type="JSON").is_compatible


@pytest.mark.parametrize("case", CASES, ids=[c["id"] if c else "absent" for c in CASES])
def test_karapace_case(case: dict[str, Any] | None) -> None:
    shared_dir(SUB)
    assert case is not None
    ours = _verdict(case)
    if case["id"] in EXPECTED_DISAGREEMENTS:
        assert ours is not case["compatible"], (
            f"now agrees with Karapace; drop it from the table: {case['id']}"
        )
    else:
        assert ours is case["compatible"]


def test_agreement_figure() -> None:
    """309 cases, 69 documented disagreements, so 240 agree."""
    shared_dir(SUB)
    cases = load_cases(SUB, "karapace-jsonschema-compat-cases.json")
    agree = sum(_verdict(c) is c["compatible"] for c in cases)
    assert (len(cases), agree, len(EXPECTED_DISAGREEMENTS)) == (309, 240, 69)


def test_table_is_in_the_docs() -> None:
    """Every disagreeing id appears in docs/compatibility.md."""
    text = (REPO_ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")
    section = text.split("## Karapace disagreements", 1)[1]
    missing = [
        case_id for case_id in EXPECTED_DISAGREEMENTS if case_id.removeprefix("karapace-js-") not in section
    ]
    assert not missing
