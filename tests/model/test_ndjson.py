"""NDJSON streams of mixed events: round trips, and bad records reported by index."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mfgcanon import codecs, errors
from mfgcanon.testing import strategies

from ._support import examples

streams = st.lists(strategies.events(), min_size=1, max_size=6)


@examples(dev=50, ci=100)
@given(streams)
def test_mixed_event_stream_round_trips(events: list[Any]) -> None:
    buf = codecs.encode_lines(events)
    assert buf.endswith(b"\n")
    assert buf.count(b"\n") == len(events)
    assert codecs.decode_lines(buf) == events
    assert codecs.decode_lines(buf.decode()) == events  # text input splits the same way
    assert list(codecs.iter_lines(buf.split(b"\n"))) == events
    good, bad = codecs.decode_lines_lenient(buf)
    assert good == events
    assert bad == []


@examples(dev=50, ci=100)
@given(streams, st.data())
def test_bad_line_in_the_middle_is_reported_and_skipped(events: list[Any], data: st.DataObject) -> None:
    lines = codecs.encode_lines(events).split(b"\n")[:-1]
    index = data.draw(st.integers(0, len(lines)))
    bad_line = data.draw(st.sampled_from([b'{"type": "mfgcanon.nope.v1"}', b'{"type":', b"[1, 2]", b"not json"]))
    lines.insert(index, bad_line)
    buf = b"\n".join(lines) + b"\n"

    good, bad = codecs.decode_lines_lenient(buf)
    assert good == events
    assert len(bad) == 1
    assert isinstance(bad[0], errors.MfgcanonError)
    assert bad[0].record_index == index
    assert f"(record {index})" in str(bad[0])

    with pytest.raises(errors.MfgcanonError) as caught:
        codecs.decode_lines(buf)
    assert caught.value.record_index == index


def test_blank_lines_and_crlf_are_tolerated_and_counted() -> None:
    event = next(iter(codecs.decode_lines(codecs.encode_lines([_one_event()]))))
    line = codecs.encode(event)
    buf = b"\r\n".join([line, b"", line, b"{oops}", line]) + b"\r\n"
    good, bad = codecs.decode_lines_lenient(buf)
    assert good == [event, event, event]
    assert [(error.record_index, error.code) for error in bad] == [(3, "malformed_input")]


def test_line_separators_inside_strings_do_not_split_records() -> None:
    """U+2028 and U+0085 are legal raw inside JSON strings; str.splitlines would cut there."""
    from mfgcanon.v1 import Material, MaterialUpserted, build_event

    material = Material(material_id="A\u2028B\x85C", base_uom="KGM", description="x\ry")
    event = build_event(MaterialUpserted, material, source_system="S4H", time=_one_event().time)
    buf = codecs.encode_lines([event, event])
    assert codecs.decode_lines(buf) == [event, event]
    assert codecs.decode_lines(buf.decode()) == [event, event]
    assert codecs.decode_lines_lenient(buf.decode()) == ([event, event], [])


def _one_event() -> Any:
    from datetime import UTC, datetime
    from decimal import Decimal

    from mfgcanon.v1 import OrderStatus, ProductionOrder, ProductionOrderReleased, Quantity, SourceRef, build_event

    order = ProductionOrder(order_id="1000123", plant="1710", status=OrderStatus.RELEASED, material_id="FG-1",
                            planned_quantity=Quantity(value=Decimal("10"), uom="H87"),
                            source=SourceRef(system="S4H", document_id="42"))
    return build_event(ProductionOrderReleased, order, time=datetime(2026, 1, 1, tzinfo=UTC))
