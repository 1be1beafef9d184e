"""Whatever the input, the public decoders raise nothing but mfgcanon errors, and what they accept round-trips.

Counts: tests/fuzzing.py (``MFGCANON_FUZZ_EXAMPLES`` for the long run recorded in docs/security.md).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mfgcanon.v1 as v1
from fuzzing import fuzz
from mfgcanon import codecs, errors
from mfgcanon.testing import strategies

from ._support import ENTITY_TYPES, EVENT_TYPES

DECODE_TYPES: tuple[Any, ...] = (*ENTITY_TYPES, *EVENT_TYPES, v1.AnyEntity, v1.Event)
DECODE_IDS = [getattr(tp, "__name__", "union") for tp in ENTITY_TYPES + EVENT_TYPES] + ["AnyEntity", "Event"]

# Decimal strings a hostile or sloppy producer may send: spellings the schema refuses, and extreme values.
decimal_spellings = st.sampled_from(["+5", "1_000", " 1", "1 ", "\u0661", "\u00a01", "1e9999999999", "1e5000",
                                     "-1e5000", "0.0000000001", "1E+29", ".5", "5.", "007", "0E-40", "1E+28",
                                     "99999999999999999999999999999.999999999", "1." + "0" * 60 + "1"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


def _near_miss_keys(tp: Any) -> list[str]:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return [*tp.__struct_fields__, "kind", "type"]
    return ["kind", "type", "data", "value", "uom"]


def _decode_quietly(buf: Any, tp: Any, fmt: str) -> None:
    """Decode; an mfgcanon error is fine, anything else fails; a decoded value must round-trip in both formats."""
    try:
        value = codecs.decode(buf, type=tp, format=fmt)
    except errors.MfgcanonError:
        return
    _round_trips(value, tp)


def _round_trips(value: Any, tp: Any) -> None:
    for fmt in ("json", "msgpack"):
        assert codecs.decode(codecs.encode(value, format=fmt), type=tp, format=fmt) == value  # type: ignore[arg-type]


@pytest.mark.parametrize("tp", DECODE_TYPES, ids=DECODE_IDS)
@fuzz(dev=200, ci=1000, split=len(DECODE_TYPES))
@given(bufs=st.lists(st.binary(max_size=200), min_size=1, max_size=4))
def test_arbitrary_bytes(tp: Any, bufs: list[bytes]) -> None:
    """Several buffers per example: thousands of inputs per type in CI at a fraction of the engine cost."""
    for buf in bufs:
        _decode_quietly(buf, tp, "json")
        _decode_quietly(buf, tp, "msgpack")


@pytest.mark.parametrize("tp", DECODE_TYPES, ids=DECODE_IDS)
@fuzz(dev=100, ci=250, split=len(DECODE_TYPES))
@given(data=st.data())
def test_arbitrary_json_values(tp: Any, data: st.DataObject) -> None:
    """Random JSON, and objects whose keys are the type's own fields (so validation goes deeper)."""
    keys = st.sampled_from(_near_miss_keys(tp)) | st.text(max_size=8)
    shaped = st.dictionaries(keys, json_values, max_size=8)
    value = data.draw(json_values | shaped)
    _decode_quietly(json.dumps(value).encode(), tp, "json")
    _decode_quietly(msgspec.msgpack.encode(value), tp, "msgpack")


@fuzz(dev=100, ci=200)
@given(data=st.data())
def test_mutated_valid_documents(data: st.DataObject) -> None:
    """A valid event with one value replaced somewhere: must decode or fail with a library error."""
    event = data.draw(strategies.events())
    doc = msgspec.to_builtins(event)
    target: Any = doc
    while isinstance(target, dict | list) and target:
        keys = list(target.keys()) if isinstance(target, dict) else list(range(len(target)))
        key = data.draw(st.sampled_from(keys))
        if not isinstance(target[key], dict | list) or data.draw(st.booleans()):
            target[key] = data.draw(json_values | st.sampled_from(["NaN", "-0", "-1", "sNaN", "2026-01-01T00:00:00"])
                                    | decimal_spellings)
            break
        target = target[key]
    _decode_quietly(json.dumps(doc).encode(), v1.Event, "json")
    _decode_quietly(msgspec.msgpack.encode(doc), v1.Event, "msgpack")


lines = st.lists(st.binary(max_size=60) | json_values.map(lambda v: json.dumps(v).encode()), max_size=5)


@fuzz(dev=200, ci=600)
@given(lines)
def test_ndjson_readers(records: list[bytes]) -> None:
    buf = b"\n".join(records)
    with contextlib.suppress(errors.MfgcanonError):
        codecs.decode_lines(buf)
    try:
        text = buf.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        text = buf.decode("latin-1")
    with contextlib.suppress(errors.MfgcanonError):
        codecs.decode_lines(text)
    good, bad = codecs.decode_lines_lenient(buf)
    assert all(isinstance(error, errors.MfgcanonError) for error in bad)
    assert all(isinstance(value, v1.EVENT_TYPES) for value in good)
    seen: list[Any] = []
    failure: errors.MfgcanonError | None = None
    try:
        seen.extend(codecs.iter_lines(records, type=v1.AnyEntity))
    except errors.MfgcanonError as error:
        failure = error
    if failure is not None:
        assert failure.record_index is not None
        assert failure.record_index >= len(seen)


@fuzz(dev=100)
@given(st.text())
def test_arbitrary_text(text: str) -> None:
    _decode_quietly(text, v1.Event, "json")
    _decode_quietly(text, v1.Event, "msgpack")
    try:
        codecs.decode_lines_lenient(text)
    except errors.MfgcanonError:  # pragma: no cover - lenient mode collects instead
        pytest.fail("decode_lines_lenient raised")


def _nested(depth: int, inner: bytes) -> bytes:
    return b"[" * depth + inner + b"]" * depth


@fuzz(dev=30, ci=100)
@given(depth=st.integers(1, 3000), where=st.sampled_from(["data", "extra", "kind"]),
       fmt=st.sampled_from(["json", "msgpack"]))
def test_deep_nesting_is_a_typed_error(depth: int, where: str, fmt: str) -> None:
    """Arrays nested up to 3,000 deep anywhere in a document: decoded or an mfgcanon error, never RecursionError."""
    buf = b'{"specversion":"1.0","' + where.encode() + b'":' + _nested(depth, b"1") + b"}"
    if fmt == "msgpack":
        buf = b"\x81\xa1x" + b"\x91" * depth + b"\xc0"
    _decode_quietly(buf, v1.Event, fmt)
    if fmt == "json":
        good, bad = codecs.decode_lines_lenient(buf + b"\n" + buf)
        assert len(good) + len(bad) == 2
        with contextlib.suppress(errors.MfgcanonError):
            codecs.decode_record(buf)


@fuzz(dev=50, ci=200)
@given(data=st.data())
def test_valid_documents_with_bad_bytes_spliced_in(data: st.DataObject) -> None:
    """A valid event with a run of bytes (invalid UTF-8, quotes, brackets) inserted or overwritten anywhere."""
    event = data.draw(strategies.events())
    buf = bytearray(codecs.encode(event, format=data.draw(st.sampled_from(["json", "msgpack"]))))
    junk = data.draw(st.binary(min_size=1, max_size=8) | st.sampled_from([b"\xff", b"\xc3", b'"', b"[", b"{", b"\\"]))
    at = data.draw(st.integers(0, len(buf)))
    if data.draw(st.booleans()):
        buf[at:at + len(junk)] = junk
    else:
        buf[at:at] = junk
    _decode_quietly(bytes(buf), v1.Event, "json")
    _decode_quietly(bytes(buf), v1.Event, "msgpack")
