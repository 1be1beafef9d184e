"""SAP OData inspection lots: repeated lots in one batch, and the usage-decision text of BAPI requests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfgcanon import codecs
from mfgcanon.mappers import MappingResult, get
from mfgcanon.mappers.sap.odata_quality import _itf_join
from mfgcanon.v1 import QualityInspection

from .conftest import sample
from .test_odata import CTX, RFC_DECISION

MAPPER = get("sap-odata")
LOT = "odata_inspection_lot_get_response.json"


def _lot() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sample(LOT))
    return data


def _texts(result: MappingResult) -> list[str | None]:
    """The ``sap.usage_decision_text`` of each emitted inspection (None where absent)."""
    return [
        next((p.value for p in e.data.properties if p.name == "sap.usage_decision_text"), None)
        for e in result.events
        if isinstance(e.data, QualityInspection)  # not the hold its decision derives
    ]


def _check(result: MappingResult) -> None:
    result.assert_balanced()
    for event in result.events:
        codecs.validate(event)


# duplicate A_InspectionLot -------------------------------------------------------------------------------------


def test_an_exact_repeat_of_a_lot_is_deduplicated_counted_and_warned() -> None:
    result = MAPPER.to_canonical_many([sample(LOT), sample(LOT)], CTX)
    _check(result)
    assert not result.rejects
    assert len(result.events) == 1
    assert (result.records_in, result.converted) == (2, 2)  # the repeat is counted with the one event
    (warning,) = result.warnings
    assert warning.startswith("#1/d: inspection lot 40000000123 repeats #0/d exactly")


def test_an_exact_repeat_in_one_collection_keeps_its_parts_once() -> None:
    """A lot with its results expanded, listed twice: the results are joined once, not twice."""
    lot = _lot()["d"]
    result_rows = json.loads(sample("odata_inspection_result_get_response.json"))["d"]["results"]
    lot["to_InspectionResult"] = {"results": result_rows}
    result = MAPPER.to_canonical({"d": {"results": [lot, lot]}}, CTX)
    _check(result)
    assert not result.rejects
    (event,) = result.events
    assert [r.characteristic_id for r in event.data.results] == ["10", "20"]
    assert result.records_in == 1 + len(result_rows) + 1
    assert result.warnings == [
        "/d/results/1: inspection lot 40000000123 repeats /d/results/0 exactly: deduplicated "
        "(counted with the lot's event)"
    ]


def test_a_conflicting_repeat_of_a_lot_is_rejected_with_its_payload() -> None:
    changed = _lot()
    changed["d"]["InspectionLotQuantity"] = "97"
    result = MAPPER.to_canonical_many([sample(LOT), json.dumps(changed).encode()], CTX)
    _check(result)
    (event,) = result.events
    assert event.data.properties[0].value == "98"  # the first version is mapped, not overwritten by the later
    (reject,) = result.rejects
    assert reject.code == "constraint_violation"
    assert reject.location == "#1/d"
    assert "40000000123" in reject.reason
    assert "#0/d" in reject.reason
    assert json.loads(reject.payload) == changed["d"]
    assert not result.warnings


def test_a_conflicting_repeat_does_not_add_its_parts() -> None:
    """The rejected repeat's expanded results stay in its reject payload: not joined to the first lot."""
    first, second = _lot()["d"], _lot()["d"]
    rows = json.loads(sample("odata_inspection_result_get_response.json"))["d"]["results"]
    second["to_InspectionResult"] = {"results": rows}
    result = MAPPER.to_canonical({"d": {"results": [first, second]}}, CTX)
    _check(result)
    (event,) = result.events
    assert event.data.results == []
    (reject,) = result.rejects
    assert reject.location == "/d/results/1"
    assert json.loads(reject.payload)["to_InspectionResult"]["results"] == rows


def test_a_repeat_of_a_rejected_lot_is_rejected_with_it() -> None:
    bad = _lot()
    bad["d"]["Plant"] = ""
    body = json.dumps(bad).encode()
    result = MAPPER.to_canonical_many([body, body], CTX)
    _check(result)
    assert not result.events
    assert [(r.code, r.location) for r in result.rejects] == [
        ("missing_field", "#0/d/Plant"),
        ("missing_field", "#1/d"),
    ]
    assert "inspection lot 40000000123 was rejected" in result.rejects[1].reason
    assert not result.warnings


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(["same", "changed", "other"]), min_size=1, max_size=6))
def test_repeated_lots_always_balance(kinds: list[str]) -> None:
    """Any mix of exact repeats, conflicting repeats and other lots: every record is accounted for."""
    bodies = [sample(LOT)]
    for n, kind in enumerate(kinds):
        data = _lot()
        if kind == "changed":
            data["d"]["InspectionLotText"] = f"version {n}"
        elif kind == "other":
            data["d"]["InspectionLot"] = f"4{n:010d}"
        bodies.append(json.dumps(data).encode())
    result = MAPPER.to_canonical_many(bodies, CTX)
    _check(result)
    assert result.records_in == len(bodies)
    assert len(result.events) == 1 + kinds.count("other")
    assert result.rejected == kinds.count("changed")
    assert len(result.warnings) == kinds.count("same")


# usage-decision text (BAPI_INSPLOT_SETUSAGEDECISION UD_DATA-UD_TEXT_LINE) ---------------------------------------


def _decide(ud_text: Any) -> MappingResult:
    body = json.loads(sample(RFC_DECISION))
    body["UD_DATA"]["UD_TEXT_LINE"] = ud_text
    return MAPPER.to_canonical_many([sample(LOT), json.dumps(body).encode()], CTX)


def test_the_sample_usage_decision_text_is_mapped() -> None:
    result = MAPPER.to_canonical_many([sample(LOT), sample(RFC_DECISION)], CTX)
    _check(result)
    assert _texts(result) == ["UD from MES: accepted, 1 pc to scrap"]


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        ("  padded   ", "padded"),
        ("", None),
        (None, None),
        (["accepted after", "re-check,", "1 pc to scrap"], "accepted after re-check, 1 pc to scrap"),
        (
            [
                {"TDFORMAT": "*", "TDLINE": "Accepted. Go up to the fifth floor with the ele"},
                {"TDFORMAT": "=", "TDLINE": "vator."},
                {"TDFORMAT": "/*", "TDLINE": "comment: not text"},
                {"TDFORMAT": "/:", "TDLINE": "INCLUDE ZUD_FOOTER"},
                {"TDFORMAT": "", "TDLINE": "Then ring   "},
                {"TDFORMAT": " ", "TDLINE": "  the bell."},
                {"TDFORMAT": "/", "TDLINE": "1 pc to scrap"},
                {"TDFORMAT": "AS", "TDLINE": "Next paragraph"},
            ],
            "Accepted. Go up to the fifth floor with the elevator. Then ring the bell.\n1 pc to scrap\nNext paragraph",
        ),
        (
            [{"FORMAT_COL": "*", "TEXT_LINE": "BAPITLINE row"}, {"FORMAT_COL": "", "TEXT_LINE": "continued"}],
            "BAPITLINE row continued",
        ),
        ([{"TDFORMAT": "/:", "TDLINE": "NEW-PAGE"}], None),
    ],
)
def test_usage_decision_text_lines_are_joined_in_order(lines: Any, text: str | None) -> None:
    result = _decide(lines)
    _check(result)
    assert not result.rejects
    assert _texts(result) == [text]


@pytest.mark.parametrize(
    ("lines", "code", "where"),
    [
        (42, "type_mismatch", "#1/UD_DATA/UD_TEXT_LINE"),
        ({"TDLINE": "x"}, "type_mismatch", "#1/UD_DATA/UD_TEXT_LINE"),
        (["ok", 7], "type_mismatch", "#1/UD_DATA/UD_TEXT_LINE/1"),
        (["ok", {"TDFORMAT": "*", "TDLINE": 5}], "type_mismatch", "#1/UD_DATA/UD_TEXT_LINE/1/TDLINE"),
        ([{"TDFORMAT": "*", "LINE": "lost?"}], "missing_field", "#1/UD_DATA/UD_TEXT_LINE/0/TDLINE"),
    ],
)
def test_bad_usage_decision_text_is_rejected_at_its_pointer(lines: Any, code: str, where: str) -> None:
    result = _decide(lines)
    result.assert_balanced()
    assert not result.events
    lot, decision = result.rejects  # the lot fails, naming the bad line; its decision goes with it
    assert (lot.code, lot.location) == (code, where)
    assert json.loads(lot.payload)["InspectionLot"] == "40000000123"
    assert (decision.code, decision.location) == (code, "#1/UD_DATA")
    assert "inspection lot 40000000123 was rejected" in decision.reason


_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=12
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=8))
def test_continuation_lines_keep_their_words_in_order(words: list[str]) -> None:
    """Lines with a blank format read as one paragraph: every word, in line order, one blank apart."""
    assert _itf_join([("", w) for w in words]) == " ".join(words)
    assert _itf_join([("*", words[0]), *(("/", w) for w in words[1:])]) == "\n".join(words)
    assert _itf_join([("", words[0]), *(("=", w) for w in words[1:])]) == "".join(words)
