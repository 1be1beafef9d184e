"""JSON and MessagePack round trips over generated entities and events: equal, and exact.

Struct equality compares decimals numerically (1.0 == 1.00) and datetimes as instants, so the
digits and offsets are compared leaf by leaf as well.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import mfgcanon.v1 as v1
from mfgcanon import codecs
from mfgcanon.testing import strategies

from ._support import examples, leaves


def _assert_exact(original: Any, decoded: Any, *, keep_offsets: bool) -> None:
    before, after = list(leaves(original)), list(leaves(decoded))
    assert [path for path, _ in before] == [path for path, _ in after]
    for (path, old), (_, new) in zip(before, after, strict=True):
        if isinstance(old, Decimal):
            assert isinstance(new, Decimal), path
            assert str(new) == str(old), path
            assert new.as_tuple() == old.as_tuple(), path
        else:
            assert isinstance(old, datetime), path
            assert isinstance(new, datetime), path
            assert new == old, path  # the same instant
            if keep_offsets:
                assert new.utcoffset() == old.utcoffset(), path
            else:
                assert new.utcoffset() == timedelta(0), path  # MessagePack carries UTC


def _round_trip(value: Any, decode_as: Any) -> None:
    assert codecs.validate(value) == value
    text = codecs.encode(value)
    from_json = codecs.decode(text, type=decode_as)
    assert type(from_json) is type(value)
    assert from_json == value
    _assert_exact(value, from_json, keep_offsets=True)
    assert codecs.encode(from_json) == text  # byte-stable

    packed = codecs.encode(value, format="msgpack")
    from_msgpack = codecs.decode(packed, type=decode_as, format="msgpack")
    assert type(from_msgpack) is type(value)
    assert from_msgpack == value
    _assert_exact(value, from_msgpack, keep_offsets=False)


@examples(dev=150, ci=300)
@given(data=st.data())
def test_entity_round_trip(entity_type: type, data: st.DataObject) -> None:
    entity = data.draw(strategies.for_type(entity_type))
    _round_trip(entity, entity_type)
    # through the tagged union as well: the `kind` tag must pick the same class
    assert codecs.decode(codecs.encode(entity), type=v1.AnyEntity) == entity


@examples(dev=100, ci=150)
@given(data=st.data())
def test_event_round_trip(event_type: type, data: st.DataObject) -> None:
    event = data.draw(strategies.for_type(event_type))
    _round_trip(event, event_type)
    assert codecs.decode(codecs.encode(event)) == event  # default type: any v1 event


def test_decimal_digits_survive_both_formats() -> None:
    """A fixed case a reader can check by eye: trailing zeros, exponent form and zero scales."""
    values = ["1.500", "1E+3", "0E-9", "1E-9", "1.0E-8", "0.0010", "12345678901234567890123456789.123456789"]
    for text in values:
        quantity = v1.Quantity(value=Decimal(text), uom="KGM")
        assert codecs.encode(quantity) == f'{{"value":"{text}","uom":"KGM"}}'.encode()
        for fmt in ("json", "msgpack"):
            back = codecs.decode(codecs.encode(quantity, format=fmt), type=v1.Quantity, format=fmt)  # type: ignore[arg-type]
            assert str(back.value) == text
