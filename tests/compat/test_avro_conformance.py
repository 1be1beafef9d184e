"""Apache Avro's and Karapace's reader/writer cases: verdict and incompatibility kinds per pair."""

from __future__ import annotations

from typing import Any

import pytest
from _shared import load_cases, shared_dir

from mfgcanon.compat import SchemaInputError, check

APACHE = "conformance/apache-avro"
KARAPACE = "conformance/karapace"
CASES = (
    [("apache", c) for c in load_cases(APACHE, "avro-py-compat-cases.json")]
    + [("karapace", c) for c in load_cases(KARAPACE, "karapace-avro-compat-cases.json")]
) or [("absent", None)]


def test_corpus_present() -> None:
    shared_dir(APACHE)
    shared_dir(KARAPACE)
    assert len(load_cases(APACHE, "avro-py-compat-cases.json")) == 131
    assert len(load_cases(KARAPACE, "karapace-avro-compat-cases.json")) == 156


@pytest.mark.parametrize(("origin", "case"), CASES, ids=[c["id"] if c else o for o, c in CASES])
def test_avro_pair(origin: str, case: dict[str, Any] | None) -> None:
    shared_dir(APACHE if origin == "apache" else KARAPACE)
    assert case is not None
    if "strict_parse_error" in case:  # an enum default outside its symbols: a strict parser must refuse it
        with pytest.raises(SchemaInputError) as info:
            check(case["writer"], case["reader"], schema_type="AVRO")
        assert info.value.code == "AVRO_INVALID_ENUM"
        assert info.value.path == "/default"
        return
    # the case's reader is the new schema of a BACKWARD check, its writer the old one
    report = check(case["writer"], case["reader"], "BACKWARD", schema_type="AVRO")
    assert report.is_compatible is case["compatible"]
    assert sorted({f.rule for f in report.findings}) == case["incompatibility_types"]
    if not case["compatible"]:
        ours, theirs = {f.path for f in report.findings}, set(case["locations"]) - {"/"}
        # Python's port adds "/" when merging and drops the branch index of writer unions; otherwise equal
        assert ours <= theirs | {"/"} or (not theirs and all(p.rsplit("/", 1)[-1].isdigit() for p in ours))
