"""Bad input never raises and never hits a mapper bug: arbitrary bytes, arbitrary JSON and samples with a value
swapped for another JSON value give rejects with known codes (never ``mapping_failed``), and the counts add up.
``MFGCANON_FUZZ_EXAMPLES`` raises the example count (as for tests/mappers/test_fuzz.py)."""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfgcanon.errors import is_known_code
from mfgcanon.mappers.oracle import OracleEbsMapper, OracleFusionMapper

from .conftest import ebs_samples, fusion_samples, make_context

MAPPERS = (OracleFusionMapper(), OracleEbsMapper())
CTX = make_context()
EXAMPLES = int(os.environ.get("MFGCANON_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAMPLES = [json.loads(p) for _, p in fusion_samples() + ebs_samples()[:1]]
scalars = st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.text(max_size=12) | st.floats(
    allow_nan=False, allow_infinity=False)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                          max_size=3), max_leaves=8)


def _check(payload: Any) -> None:
    for mapper in MAPPERS:
        result = mapper.to_canonical(payload, CTX)
        result.assert_balanced()
        for reject in result.rejects:
            assert is_known_code(reject.code), reject.code
            assert reject.code != "mapping_failed", reject.to_dict()


def _slots(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _slots(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _slots(value, (*path, index))
    return found


@SETTINGS
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_arbitrary_bytes_and_text(payload: bytes | str) -> None:
    _check(payload)


@SETTINGS
@given(values)
def test_arbitrary_json_values(value: Any) -> None:
    _check(value)
    _check(json.dumps(value))


@SETTINGS
@given(st.sampled_from(range(len(SAMPLES))), st.data())
def test_samples_with_a_value_swapped(number: int, data: st.DataObject) -> None:
    document = json.loads(json.dumps(SAMPLES[number]))
    path = data.draw(st.sampled_from(_slots(document)[1:]))
    holder = document
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = data.draw(values)
    _check(json.dumps(document))


def test_a_null_interface_row_is_a_typed_reject() -> None:
    """A row that is not an object (``null`` in a table's list) is a malformed_payload reject naming its
    pointer, never a mapping_failed crash (found by the fuzz run)."""
    from mfgcanon.mappers import MappingContext, get

    result = get("oracle-ebs").to_canonical(b'{"WIP_JOB_SCHEDULE_INTERFACE": [null]}', MappingContext.build(
        source_system="EBS"))
    (reject,) = result.rejects
    assert (reject.code, reject.location) == ("malformed_payload", "/WIP_JOB_SCHEDULE_INTERFACE/0")
    assert result.records_in == 1
