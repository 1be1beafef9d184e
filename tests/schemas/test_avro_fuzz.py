"""Fuzzing the Avro readers: schemaless datums, container files, the registry wire format, writer schemas.

Only mfgcanon errors may come out; whatever decodes re-encodes and decodes to an equal value. Counts:
tests/fuzzing.py (``MFGCANON_FUZZ_EXAMPLES`` for the long run recorded in docs/security.md).
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import mfgcanon.v1 as v1
from fuzzing import fuzz
from mfgcanon import avro as mavro
from mfgcanon import errors
from mfgcanon.testing import strategies

TYPES = (v1.Material, v1.ProductionConfirmation, v1.QualityInspection, v1.ProductionOrderReleased)


def _read(buf: bytes, tp: Any, writer_schema: Any = None) -> None:
    try:
        value = mavro.decode(buf, type=tp, writer_schema=writer_schema)
    except errors.MfgcanonError:
        return
    assert mavro.decode(mavro.encode(value, type=tp), type=tp) == value


@fuzz(dev=60, ci=200)
@given(tp=st.sampled_from(TYPES), buf=st.binary(max_size=300))
def test_avro_arbitrary_bytes(tp: Any, buf: bytes) -> None:
    _read(buf, tp)
    with contextlib.suppress(errors.MfgcanonError):
        mavro.decode_framed(b"\x00\x00\x00\x00\x01" + buf, tp)
    with contextlib.suppress(errors.MfgcanonError):
        mavro.decode_framed(buf, {1: tp})


def _mutate(data: st.DataObject, buf: bytes) -> bytes:
    out = bytearray(buf)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, max(len(out) - 1, 0)))
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip" and out:
            out[at] = data.draw(st.integers(0, 255))
        elif action == "insert":
            out[at:at] = data.draw(st.binary(min_size=1, max_size=6))
        elif action == "delete" and out:
            del out[at:at + data.draw(st.integers(1, 6))]
        else:
            del out[at:]
    return bytes(out)


@fuzz(dev=60, ci=200)
@given(data=st.data())
def test_avro_mutated_datums(data: st.DataObject) -> None:
    tp = data.draw(st.sampled_from(TYPES))
    value = data.draw(strategies.for_type(tp))
    _read(_mutate(data, mavro.encode(value, type=tp)), tp)


@fuzz(dev=40, ci=150)
@given(data=st.data())
def test_avro_mutated_container_files(data: st.DataObject) -> None:
    tp = data.draw(st.sampled_from(TYPES))
    values = data.draw(st.lists(strategies.for_type(tp), min_size=1, max_size=3))
    out = io.BytesIO()
    mavro.write_container(out, values, type=tp, codec=data.draw(st.sampled_from(["null", "deflate"])))
    buf = _mutate(data, out.getvalue())
    try:
        read = list(mavro.read_container(io.BytesIO(buf), type=tp))
    except errors.MfgcanonError:
        return
    again = io.BytesIO()
    if read:
        mavro.write_container(again, read, type=tp)
        assert list(mavro.read_container(io.BytesIO(again.getvalue()), type=tp)) == read


NAMES = st.sampled_from(["Material", "R", "x.Material", "Node"])
PRIMITIVES = st.sampled_from(["null", "boolean", "int", "long", "float", "double", "bytes", "string"])


def _schemas() -> st.SearchStrategy[Any]:
    """Avro-ish schemas: valid and invalid, recursive by name, deep through arrays and unions."""
    leaf = PRIMITIVES | NAMES | st.sampled_from([{"type": "nope"}, {}, [], 3])

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        field = st.fixed_dictionaries({"name": st.sampled_from(["a", "b", "material_id", "next"]), "type": inner},
                                      optional={"default": st.none() | st.integers() | st.text(max_size=3)})
        return (st.builds(lambda items: {"type": "array", "items": items}, inner)
                | st.builds(lambda values: {"type": "map", "values": values}, inner)
                | st.lists(inner, min_size=1, max_size=3)
                | st.builds(lambda name, fields: {"type": "record", "name": name, "fields": fields},
                            NAMES, st.lists(field, max_size=3)))

    return st.recursive(leaf, extend, max_leaves=12)


@fuzz(dev=80, ci=300)
@given(schema=_schemas(), buf=st.binary(max_size=40), depth=st.integers(0, 400))
def test_avro_untrusted_writer_schemas(schema: Any, buf: bytes, depth: int) -> None:
    for _ in range(depth):
        schema = {"type": "array", "items": schema}
    _read(buf, v1.Material, writer_schema=schema)
