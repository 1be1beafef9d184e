"""Notebook and REPL rendering: mapping results, structs (frames.show, notebook.enable), compatibility and
validation reports. Every value is escaped (a payload may carry markup); long tables are cut with a count."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from mfgcanon import _html, frames, mappers, notebook
from mfgcanon.cli.validate import _Finding, _Report
from mfgcanon.compat import check
from mfgcanon.mappers import MappingResult, Reject
from mfgcanon.v1 import OrderStatus, ProductionOrder, ProductionOrderReleased, Quantity, build_event

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPT = "<script>alert('x')</script>"


def _order(order_id: str = "1000123", description: str = "Bracket") -> ProductionOrder:
    return ProductionOrder(order_id=order_id, plant="1710", status=OrderStatus.RELEASED, material_id="FG126",
                           description=description, planned_quantity=Quantity(value=Decimal("100.000"), uom="H87"))


def _result(events: int, rejects: int) -> MappingResult:
    result = MappingResult()
    for n in range(events):
        result.add_event(build_event(ProductionOrderReleased, _order(str(n), SCRIPT), source_system="S4H"))
    for n in range(rejects):
        result.add_reject(Reject(code="malformed_payload", reason=f"bad {SCRIPT}", location=f"/IDOC[{n}]",
                                 payload=SCRIPT.encode(), line=n))
    return result


def test_mapping_result_html_escapes_and_shows_both_tables() -> None:
    html = _result(2, 1)._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html  # the reject's reason and payload
    assert "<caption>events</caption>" in html
    assert "<caption>rejects</caption>" in html
    assert "2 records in" not in html  # 3 records: 2 converted, 1 rejected
    assert "3 records in, 2 converted into 2 events, 1 rejected" in html


def test_mapping_result_tables_are_cut_with_a_count() -> None:
    result = _result(_html.MAX_ROWS + 5, 0)
    html = result._repr_html_()
    assert html.count("mfgcanon.production_order.released.v1") == _html.MAX_ROWS
    assert f"… 5 more ({_html.MAX_ROWS + 5} in all)" in html
    text = repr(result)
    assert text.startswith(f"MappingResult: {_html.MAX_ROWS + 5} records in")
    assert f"… 5 more ({_html.MAX_ROWS + 5} in all)" in text
    assert len(text.splitlines()) == _html.MAX_ROWS + 3  # summary, header, rows, the count


def test_mapping_result_repr_of_real_mapper_output() -> None:
    context = mappers.load_context(EXAMPLES / "context.toml")
    payload = (EXAMPLES / "sap" / "odata_inspection_result_get_response.json").read_bytes()
    result = mappers.get("sap-odata").to_canonical(payload, context)
    text = repr(result)
    assert "2 rejected" in text
    assert "unmatched_record" in text
    assert "rejects:" in text


def test_show_renders_an_event_as_a_field_table() -> None:
    event = build_event(ProductionOrderReleased, _order(description=SCRIPT), source_system="S4H")
    html = frames.show(event)._repr_html_()
    assert "<script>" not in html
    assert "<td>data.description</td><td>&lt;script&gt;" in html
    assert "<td>data.planned_quantity.value</td><td>100.000</td>" in html
    assert "mfgcanon.production_order.released.v1" in html
    text = repr(frames.show(event))
    assert "data.status" in text
    assert "released" in text


def test_show_nests_lines_and_keeps_an_objects_own_html() -> None:
    from mfgcanon.v1 import Operation

    order = ProductionOrder(order_id="1", plant="1710", status=OrderStatus.RELEASED, material_id="FG",
                            planned_quantity=Quantity(value=Decimal(1), uom="H87"),
                            operations=[Operation(operation_id=f"{n:04d}", description=SCRIPT) for n in range(3)])
    html = frames.show(order)._repr_html_()
    assert html.count("<table>") == 2
    assert "<td>operations</td><td><table>" in html
    assert "<script>" not in html
    result = _result(1, 0)
    assert frames.show(result)._repr_html_() == result._repr_html_()


def test_notebook_enable_registers_a_struct_formatter() -> None:
    from IPython.core.formatters import HTMLFormatter

    formatter = HTMLFormatter()
    shell = SimpleNamespace(display_formatter=SimpleNamespace(formatters={"text/html": formatter}))
    order = _order(description=SCRIPT)
    assert formatter(order) is None  # a struct has no HTML of its own
    assert notebook.enable(shell) is True
    html = formatter(order)
    assert html is not None
    assert "<td>order_id</td><td>1000123</td>" in html
    assert "<script>" not in html
    report = check({"type": "string"}, {"type": "integer"}, schema_type="JSON")
    assert formatter(report) == report._repr_html_()  # a struct with its own rendering keeps it
    assert notebook.disable(shell) is True
    assert formatter(order) is None


def test_notebook_enable_outside_ipython_does_nothing() -> None:
    assert notebook.enable() is False


def test_compat_report_html_and_repr() -> None:
    doc = {"type": "object", "additionalProperties": False,
           "properties": {f"<b>f{n}</b>": {"type": "string"} for n in range(_html.MAX_ROWS + 2)}}
    report = check(doc, {**doc, "properties": {}}, schema_type="JSON")
    html = report._repr_html_()
    assert "<b>f" not in html
    assert re.search(r"&lt;b&gt;f\d+&lt;/b&gt;", html)
    assert f"more ({len(report.findings)} in all)" in html
    text = repr(report)
    assert text.startswith("Report: JSON")
    assert "INCOMPATIBLE" in text
    assert "more (" in text
    assert repr(check({"type": "string"}, {"type": "string"}, schema_type="JSON")).endswith("compatible")


def test_validation_report_html_and_repr() -> None:
    report = _Report(files=["a.ndjson"], records=3, valid=2, invalid=1,
                     by_type={"mfgcanon.production.confirmed.v1": 2},
                     findings=[_Finding("a.ndjson", 2, 3, "invalid_value", "$.data", f"bad {SCRIPT}")])
    html = report._repr_html_()
    assert "<script>" not in html
    assert "1 file(s), 3 record(s): 2 valid, 1 invalid" in html
    assert "<td>mfgcanon.production.confirmed.v1</td><td>2</td>" in html
    assert "invalid_value" in repr(report)


@pytest.mark.parametrize("value", [b"\xff\xfe<x>", "line1\nline2", None, Decimal("1E+2")])
def test_text_cells_are_printable(value: object) -> None:
    text = _html.text_table(["v"], [[value]], total=1)
    assert len(text.split("\n")) == 2  # the header and one line for the row, whatever the value holds
