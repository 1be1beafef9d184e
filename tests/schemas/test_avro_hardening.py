"""Untrusted Avro writer schemas and container files: refused with a DecodeError, never a crash.

The crash cases run in a child interpreter: before the fix fastavro's C reader recursed until the
process died (a segfault), which must not take the test run down with it.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mfgcanon import avro as mavro
from mfgcanon import errors
from mfgcanon.v1 import Material

SELF_CONTAINED = {"type": "record", "name": "Material", "namespace": "x",
                  "fields": [{"name": "next", "type": "Material"}]}
OPTIONAL_SELF = {"type": "record", "name": "Material", "namespace": "x",
                 "fields": [{"name": "next", "type": ["null", "Material"]}]}
THROUGH_ARRAY = {"type": "record", "name": "Node", "fields": [{"name": "kids", "type": {"type": "array",
                                                                                       "items": "Node"}}]}
MUTUAL = {"type": "record", "name": "A", "fields": [
    {"name": "b", "type": {"type": "record", "name": "B", "fields": [{"name": "a", "type": ["null", "A"]}]}},
    {"name": "again", "type": "B"}]}


def _long(value: int) -> bytes:
    value = (value << 1) ^ (value >> 63)
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def container(schema: Any, datum: bytes) -> bytes:
    """A container file with one record, written by hand (fastavro itself would crash writing it)."""
    sync = b"S" * 16
    text = schema.encode() if isinstance(schema, str) else json.dumps(schema).encode()
    header = b"Obj\x01" + _long(2) + _long(11) + b"avro.schema" + _long(len(text)) + text
    header += _long(10) + b"avro.codec" + _long(4) + b"null" + _long(0) + sync
    return header + _long(1) + _long(len(datum)) + datum + sync


def _in_child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, check=False)


def test_a_record_that_contains_itself_is_refused_not_a_crash() -> None:
    """Before: decode(b"\\x00", type=Material, writer_schema=...) crashed the interpreter."""
    child = _in_child(f"""
        from mfgcanon import avro, errors
        from mfgcanon.v1 import Material
        try:
            avro.decode(b"\\x00" * 64, type=Material, writer_schema={SELF_CONTAINED!r})
        except errors.DecodeError as exc:
            print(exc.code)
    """)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip() == "invalid_schema"


def test_a_container_file_nested_100000_deep_is_refused_not_a_crash(tmp_path: Path) -> None:
    datum = b"\x02" * 100_000 + b"\x00"  # union branch "Material" 100,000 times, then null
    path = tmp_path / "deep.avro"
    path.write_bytes(container(OPTIONAL_SELF, datum))
    child = _in_child(f"""
        from mfgcanon import avro, errors
        from mfgcanon.v1 import Material
        try:
            with open({str(path)!r}, "rb") as stream:
                list(avro.read_container(stream, type=Material))
        except errors.DecodeError as exc:
            print(exc.code)
    """)
    assert child.returncode == 0, child.stderr[-2000:]
    assert child.stdout.strip() == "nesting_too_deep"


@pytest.mark.parametrize(("schema", "code"), [(SELF_CONTAINED, "invalid_schema"), (OPTIONAL_SELF, "nesting_too_deep"),
                                              (THROUGH_ARRAY, "nesting_too_deep"), (MUTUAL, "nesting_too_deep")])
def test_recursive_writer_schemas_are_refused_everywhere(schema: Any, code: str) -> None:
    with pytest.raises(errors.DecodeError) as info:
        mavro.decode(b"\x00", type=Material, writer_schema=schema)
    assert info.value.code == code
    with pytest.raises(errors.DecodeError) as info:
        list(mavro.read_container(io.BytesIO(container(schema, b"\x00")), type=Material))
    assert info.value.code == code
    registry = mavro.SchemaIdRegistry()
    registry.register(7, Material, writer_schema=schema)
    with pytest.raises(errors.DecodeError) as info:
        mavro.decode_framed(b"\x00\x00\x00\x00\x07\x00", registry)
    assert info.value.code == code


def _deep_schema(levels: int) -> Any:
    schema: Any = "int"
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return schema


def test_a_writer_schema_5000_levels_deep_is_a_typed_error() -> None:
    """Before: RecursionError from the codec."""
    with pytest.raises(errors.DecodeError) as info:
        mavro.decode(b"\x00", type=Material, writer_schema=_deep_schema(5000))
    assert info.value.code == "nesting_too_deep"
    deep_text = '{"type":"array","items":' * 5000 + '"int"' + "}" * 5000
    record = '{"type":"record","name":"Material","fields":[{"name":"x","type":' + deep_text + "}]}"
    with pytest.raises(errors.DecodeError) as info:
        list(mavro.read_container(io.BytesIO(container(record, b"\x00")), type=Material))
    assert info.value.code == "nesting_too_deep"


@pytest.mark.parametrize("schema", [{"type": "record"}, {"type": "nope"}, [], {"type": "enum", "name": "E",
                                                                               "symbols": ["A", "A"]},
                                    {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int",
                                                                                "default": "x"}]}])
def test_invalid_writer_schemas_are_invalid_schema(schema: Any) -> None:
    with pytest.raises(errors.DecodeError) as info:
        mavro.decode(b"\x00", type=Material, writer_schema=schema)
    assert info.value.code == "invalid_schema"


@pytest.mark.parametrize("data", [b"", b"Obj", b"Obj\x02", b"Obj\x01\x01", b"Obj\x01\x02\x7f", b"Obj\x01\x00",
                                  b"Obj\x01" + b"\xff" * 20, b"Obj\x01\x02\x16avro.schema\x06[1]\x00" + b"S" * 16])
def test_broken_container_headers_are_decode_errors(data: bytes) -> None:
    with pytest.raises(errors.DecodeError):
        list(mavro.read_container(io.BytesIO(data), type=Material))


def test_our_own_schemas_and_files_still_read() -> None:
    material = Material(material_id="M1", base_uom="KGM")
    out = io.BytesIO()
    mavro.write_container(out, [material, material], codec="deflate")
    assert list(mavro.read_container(io.BytesIO(out.getvalue()), type=Material)) == [material, material]
    assert mavro.decode(mavro.encode(material), type=Material, writer_schema=mavro.schema(Material)) == material
    mavro.check_writer_schema(mavro.schema(Material))
