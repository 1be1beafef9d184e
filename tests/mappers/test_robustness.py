"""Hostile or odd input costs what it should and ends as rejects: linear time for many bad records, no
RecursionError or UnicodeError out of a mapper, the real error code for a bad value, and values that do
not depend on the caller's ``decimal`` context."""

from __future__ import annotations

import decimal
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mfgcanon import codecs
from mfgcanon.errors import MappingError
from mfgcanon.mappers import MappingContext, get, load_context, registry
from mfgcanon.mappers.sap import idoc_reader, values

from .conftest import FIXTURES, REPO

CTX = MappingContext.build(source_system="S", plants={"1710": "UTC"}, default_timezone="UTC")

_MBGMCR_HEAD = (
    "<MBGMCR03><IDOC BEGIN=\"1\"><EDI_DC40 SEGMENT=\"1\"><IDOCTYP>MBGMCR03</IDOCTYP><MESTYP>MBGMCR</MESTYP>"
    "<CREDAT>20240116</CREDAT><CRETIM>101500</CRETIM></EDI_DC40><E1MBGMCR SEGMENT=\"1\">"
    "<E1BP2017_GM_HEAD_01 SEGMENT=\"1\"><PSTNG_DATE>20240116</PSTNG_DATE><REF_DOC_NO>GI-1</REF_DOC_NO>"
    "</E1BP2017_GM_HEAD_01><E1BP2017_GM_CODE SEGMENT=\"1\"><GM_CODE>03</GM_CODE></E1BP2017_GM_CODE>\n"
)
_ITEM = (
    "<E1BP2017_GM_ITEM_CREATE SEGMENT=\"1\"><MATERIAL>RM-2001</MATERIAL><PLANT>1710</PLANT>"
    "<MOVE_TYPE>{move}</MOVE_TYPE><ENTRY_QNT>{qty}</ENTRY_QNT><ENTRY_UOM>ST</ENTRY_UOM></E1BP2017_GM_ITEM_CREATE>\n"
)
_MBGMCR_TAIL = "</E1MBGMCR></IDOC></MBGMCR03>\n"


def mbgmcr(*items: tuple[str, str]) -> bytes:
    """An MBGMCR03 document with one item per (movement type, quantity)."""
    body = "".join(_ITEM.format(move=move, qty=qty) for move, qty in items)
    return (_MBGMCR_HEAD + body + _MBGMCR_TAIL).encode()


def _sibling_lookups(monkeypatch: pytest.MonkeyPatch, bad_items: int) -> int:
    """How many element names the IDoc mapper reads to locate ``bad_items`` rejected items."""
    calls = 0
    real = idoc_reader.local_name

    def counting(tag: Any) -> str:
        nonlocal calls
        calls += 1
        return real(tag)

    monkeypatch.setattr(idoc_reader, "local_name", counting)
    result = get("sap-idoc").to_canonical(mbgmcr(*[("", "1")] * bad_items), CTX)
    assert len(result.rejects) == bad_items
    assert result.rejects[-1].location.endswith(f"/E1BP2017_GM_ITEM_CREATE[{bad_items}]/MOVE_TYPE")
    return calls


def test_rejects_cost_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Locating each reject used to enumerate every sibling of its item (16,000 bad items: 83 s). Now the
    sibling positions of a parent are computed once: twice the bad items, about twice the work (an
    operation count, not a clock)."""
    small = _sibling_lookups(monkeypatch, 200)
    large = _sibling_lookups(monkeypatch, 400)
    assert large <= 2.2 * small, (small, large)


def test_xpath_outside_a_mapping_still_names_positions() -> None:
    from lxml import etree

    root = etree.fromstring(b"<R><A/><B/><A><C/></A></R>")
    assert idoc_reader.xpath(root[2][0]) == "/R/A[2]/C"
    assert idoc_reader.xpath(root[1]) == "/R/B"
    assert idoc_reader.xpath(root) == "/R"


# --- values do not depend on the caller's decimal context -------------------------------------------------

SAMPLES = sorted((REPO / "examples" / "sap").iterdir()) + sorted(FIXTURES.iterdir())


def _hostile() -> decimal.Context:
    """A context that rounds to 3 digits and traps any rounding: every arithmetic step on a value shows."""
    return decimal.Context(prec=3, Emax=5, Emin=-5, traps=[decimal.Inexact, decimal.Rounded, decimal.Overflow])


def _both_ways(path: Path) -> tuple[bytes, bytes, list[bytes]]:
    """Events and rejects of a sample, and what the mapper writes back from the events it accepts."""
    context = load_context(REPO / "examples" / "context.toml")
    payload = path.read_bytes()
    name = registry.detect(payload)[0] if registry.detect(payload) else "sap-idoc"
    mapper = registry.get(name)
    result = mapper.to_canonical(payload, context)
    written = []
    for event in result.events:
        data = event.data  # type: ignore[attr-defined]
        if isinstance(data, mapper.accepts):
            try:
                out = mapper.from_canonical([data], context)
            except MappingError as exc:  # a value the vendor format cannot carry: the same either way
                written.append(str(exc).encode())
                continue
            written.append(out if isinstance(out, bytes) else codecs.encode(out))
    rejects = b"\n".join(codecs.encode(r.to_dict()) for r in result.rejects)
    return codecs.encode_lines(result.events), rejects, written


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_output_does_not_follow_the_callers_decimal_context(path: Path) -> None:
    """With ``prec = 3`` 12.750 used to become 12.8: every value is now exact whatever the context."""
    expected = _both_ways(path)
    with decimal.localcontext(_hostile()):
        found = _both_ways(path)
    assert found == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.750", "12.750"),
        ("1234567890123456789012345.123456", "1234567890123456789012345.123456"),  # 31 digits: more than prec 28
        ("1.234567890123456789012345678901E+10", "12345678901.23456789012345678901"),
        ("1.000000000000000E+28", "10000000000000000000000000000"),
        ("12.500-", "-12.500"),
        ("-0.0E+00", "0"),
    ],
)
@pytest.mark.parametrize("prec", [3, 28])
def test_parse_decimal_is_exact(text: str, value: str, prec: int) -> None:
    with decimal.localcontext(decimal.Context(prec=prec, traps=[decimal.Inexact, decimal.Rounded])):
        found = values.parse_decimal(text)
    assert str(found) == value


def test_idoc_quantity_is_exact_under_a_small_precision() -> None:
    doc = mbgmcr(("261", "12.750"), ("261", "123456789012345678901234567.125"))
    with decimal.localcontext(decimal.Context(prec=3)):
        result = get("sap-idoc").to_canonical(doc, CTX)
    assert [str(e.data.quantity.value) for e in result.events] == [  # type: ignore[attr-defined]
        "12.750",
        "123456789012345678901234567.125",
    ]


def test_odata_quantity_is_exact_under_a_small_precision() -> None:
    record = {
        "d": {
            "Material": "M",
            "Plant": "1710",
            "MatlWrhsStkQtyInMatlBaseUnit": "12.750",
            "MaterialBaseUnit": "PC",
        }
    }
    with decimal.localcontext(decimal.Context(prec=2)):
        result = get("sap-odata").to_canonical(record, CTX)
    (event,) = result.events
    assert str(event.data.quantity.value) == "12.750"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("value", "places", "text"), [("12.75", 3, "12.750"), ("1E+2", 3, "100.000")])
def test_format_decimal_is_exact(value: str, places: int, text: str) -> None:
    with decimal.localcontext(decimal.Context(prec=2, traps=[decimal.Inexact, decimal.Rounded])):
        assert values.format_decimal(Decimal(value), places) == text
        assert values.format_decimal(Decimal("123456789012345678901234567890.5"), None) == (
            "123456789012345678901234567890.5"
        )
        with pytest.raises(MappingError):
            values.format_decimal(Decimal("1.0001"), 3)


# --- a bad value gets its own code, never the catch-all mapping_failed -------------------------------------


def test_idoc_quantity_beyond_a_canonical_decimal_is_invalid_value() -> None:
    result = get("sap-idoc").to_canonical(mbgmcr(("261", "1.0E+30"), ("261", "1.0E+3")), CTX)
    (reject,) = result.rejects
    assert reject.code == "invalid_value"
    assert reject.location.endswith("/E1BP2017_GM_ITEM_CREATE[1]/ENTRY_QNT")
    assert "out of range" in reject.reason
    assert [str(e.data.quantity.value) for e in result.events] == ["1000"]  # type: ignore[attr-defined]


def test_idoc_instant_before_year_1_is_invalid_value() -> None:
    """Midnight of 0001-01-01 in Berlin is 23:00 UTC of year 0: no such datetime."""
    doc = mbgmcr(("261", "1")).replace(b"<CREDAT>20240116</CREDAT><CRETIM>101500</CRETIM>", b"")
    doc = doc.replace(b"<REF_DOC_NO>", b"<DOC_DATE>00010101</DOC_DATE><REF_DOC_NO>")
    early = MappingContext.build(source_system="S", plants={"1710": "Europe/Berlin"})
    (reject,) = get("sap-idoc").to_canonical(doc, early).rejects
    assert reject.code == "invalid_value"
    assert reject.location.endswith("/E1BP2017_GM_HEAD_01/DOC_DATE")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("LastChangeDateTime", "9999-12-31T23:59:59-23:59"),
        ("LastChangeDateTime", "0001-01-01T00:00:00+23:59"),
        ("MfgOrderPlannedStartDate", "/Date(253402214400000)/"),  # 9999-12-31, then PT24H: the next day
    ],
)
def test_odata_instant_out_of_range_is_invalid_value(field: str, value: str) -> None:
    record = {
        "ManufacturingOrder": "1",
        "ProductionPlant": "1710",
        "Material": "M",
        "TotalQuantity": "1",
        "ProductionUnit": "PC",
        "MfgOrderPlannedStartTime": "PT24H00M00S",
        field: value,
    }
    (reject,) = get("sap-odata").to_canonical({"d": record}, CTX).rejects
    assert reject.code == "invalid_value", reject
    assert reject.location == f"/d/{field}"


# --- nothing escapes a mapper: deep nesting, lone surrogates, odd shapes ------------------------------------


def _nested(depth: int, leaf: Any = 1) -> Any:
    """``{"a": {"a": ... leaf}}`` built without recursion (json.loads would itself overflow)."""
    data: Any = leaf
    for _ in range(depth):
        data = {"a": data}
    return data


@pytest.mark.parametrize(
    "payload",
    [
        "[" * 1000 + "]" * 1000,
        '{"a":' * 1000 + "1" + "}" * 1000,
        ('{"d": {"results": [' + '{"a":' * 5000 + "1" + "}" * 5000 + "]}}").encode(),
    ],
    ids=["list-text", "object-text", "results-bytes"],
)
def test_odata_deep_nesting_is_a_reject(payload: str | bytes) -> None:
    mapper = get("sap-odata")
    assert mapper.sniff(payload) is False
    result = mapper.to_canonical(payload, CTX)
    (reject,) = result.rejects
    assert reject.code == "malformed_payload"
    assert "deep" in reject.reason
    assert reject.payload == (payload if isinstance(payload, str) else payload.decode())


@pytest.mark.parametrize("depth", [900, 5000, 50_000])
def test_odata_deep_parsed_input_is_a_reject(depth: int) -> None:
    """Dicts a caller built: a record nested too deeply to write is a reject with a (shortened) payload."""
    record = {"Product": "P", "BaseUnit": "PC", "ProductGroup": _nested(depth)}
    mapper = get("sap-odata")
    assert mapper.sniff({"d": {"results": [record]}}) is True
    result = mapper.to_canonical({"d": {"results": [record, {"Product": "Q", "BaseUnit": "PC"}]}}, CTX)
    result.assert_balanced()
    assert len(result.events) == 1
    (reject,) = result.rejects
    assert reject.code in ("malformed_payload", "type_mismatch")
    assert reject.location.startswith("/d/results/0")
    assert "Product" in reject.payload


@pytest.mark.parametrize("payload", ['{"d": {"Product": "\ud800", "BaseUnit": "PC"}}', "\ud800"])
def test_odata_lone_surrogate_in_text_is_a_reject(payload: str) -> None:
    mapper = get("sap-odata")
    assert mapper.sniff(payload) is False
    (reject,) = mapper.to_canonical(payload, CTX).rejects
    assert reject.code == "malformed_payload"
    assert "surrogate" in reject.reason
    assert "\\ud800" in reject.payload
    reject.payload.encode("utf-8")


def test_odata_lone_surrogate_in_parsed_input_is_a_reject_for_its_record() -> None:
    records = [{"Product": "\ud800", "BaseUnit": "PC"}, {"Product": "Q", "BaseUnit": "PC"}]
    result = get("sap-odata").to_canonical({"d": {"results": records}}, CTX)
    assert [e.data.material_id for e in result.events] == ["Q"]  # type: ignore[attr-defined]
    (reject,) = result.rejects
    assert (reject.code, reject.location) == ("malformed_payload", "/d/results/0")
    assert "\\ud800" in reject.payload
    for event in result.events:
        codecs.encode(event)


@pytest.mark.parametrize("payload", ['{"d": null}', '{"d": 5}', '{"d": {"results": [null, 1]}}', "[null]", b"{}"])
def test_odata_sniff_never_raises(payload: str | bytes) -> None:
    """``sniff`` used to raise on ``{"d": null}``, and detection then blamed sap-odata as a failing plugin."""
    assert get("sap-odata").sniff(payload) is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a failing sniff is reported as a MapperPluginWarning
        assert registry.detect(payload if isinstance(payload, bytes) else payload.encode()) == []
    result = get("sap-odata").to_canonical(payload, CTX)
    result.assert_balanced()
    assert all(r.code != "mapping_failed" for r in result.rejects)


def test_idoc_given_deep_parsed_data_is_a_reject() -> None:
    """Not XML at all, and nested too deeply for ``repr``: a reject with a shortened payload."""
    (reject,) = get("sap-idoc").to_canonical(_nested(100_000), CTX).rejects
    assert reject.code == "malformed_payload"
    assert reject.payload.startswith("{'a': {'a':")


def test_a_source_error_quoting_a_lone_surrogate_is_a_writable_reject() -> None:
    """An OData error body whose message holds a lone surrogate (parsed JSON can carry one) is a reject that
    can be written out, its reason with the surrogate escaped (found by the fuzz run, seed 1569)."""
    import msgspec

    from mfgcanon import mappers

    body = {"error": {"code": "CO/123", "message": {"lang": "en", "value": "bad \ud800 order"}}}
    result = mappers.get("sap-odata").to_canonical(body, mappers.MappingContext.build(source_system="S4H-100"))
    (reject,) = result.rejects
    assert reject.code == "source_error"
    assert "\\ud800" in reject.reason
    msgspec.json.encode(reject)  # writable as it stands
