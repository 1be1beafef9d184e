"""Untrusted input: decimal spelling and range, deep nesting, UTF-8, bounded unit conversions.

Each test here failed before the hardening round (see docs/security.md): a bad input decoded, or a
dependency's exception (RecursionError, ValueError) escaped instead of an mfgcanon error.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

import mfgcanon.v1 as v1
from mfgcanon import codecs, errors, units


def _quantity_doc(value: Any) -> dict[str, Any]:
    return {"value": value, "uom": "KGM"}


def _both_formats(doc: Any) -> list[tuple[str, bytes]]:
    return [("json", msgspec.json.encode(doc)), ("msgpack", msgspec.msgpack.encode(doc))]


BAD_SPELLINGS = ["+5", "1_000", "_1", "\u0661", "\u0661\u0662.5", " 1", "1 ", "\u00a01", "\t1", "1\n", "+1E3"]


@pytest.mark.parametrize("text", BAD_SPELLINGS)
def test_decimal_spellings_the_schema_refuses_are_refused(text: str) -> None:
    for fmt, buf in _both_formats(_quantity_doc(text)):
        with pytest.raises(errors.ValidationError) as info:
            codecs.decode(buf, type=v1.Quantity, format=fmt)  # type: ignore[arg-type]
        assert info.value.code == "invalid_value"
        assert info.value.path == "$.value"


SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "canonical" / "scenario.ndjson"


def test_bad_spelling_is_named_deep_inside_an_event_and_in_ndjson() -> None:
    line = next(line for line in SCENARIO.read_bytes().split(b"\n") if b'"planned_quantity"' in line)
    event = codecs.decode(line)
    doc = json.loads(line)
    paths: list[tuple[Any, Any]] = []

    def find(node: Any, parent: Any, key: Any) -> None:
        if isinstance(node, dict):
            if set(node) >= {"value", "uom"} and isinstance(node["value"], str):
                paths.append((node, "value"))
            for k, v in node.items():
                find(v, node, k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                find(v, node, i)

    find(doc, None, None)
    target, key = paths[-1]
    target[key] = "1_0"
    buf = msgspec.json.encode(doc)
    with pytest.raises(errors.ValidationError, match="invalid_value"):
        codecs.decode(buf)
    good, bad = codecs.decode_lines_lenient(codecs.encode(event) + b"\n" + buf + b"\n")
    assert len(good) == 1
    assert [error.record_index for error in bad] == [1]


@pytest.mark.parametrize("text", ["0", "12.5", "1E+3", "0.000000001", ".5", "5.", "007", "-0.0", "1e-9", "0E-20"])
def test_decimal_spellings_the_schema_accepts_still_decode(text: str) -> None:
    inspection_result = {"characteristic_id": "C1", "measured_value": text}
    for fmt, buf in _both_formats(inspection_result):
        value = codecs.decode(buf, type=v1.InspectionResult, format=fmt)  # type: ignore[arg-type]
        assert value.measured_value == Decimal(text)


@pytest.mark.parametrize("text", ["1e9999999999", "1e5000", "-1e5000", "1E+29", "0.0000000001", "-1E-10"])
def test_decimals_outside_decimal_38_9_are_refused_at_decode(text: str) -> None:
    """Before: 1e9999999999 decoded, and Quantity.to() then never returned; 1e5000 leaked ValueError."""
    for fmt, buf in _both_formats({"characteristic_id": "C1", "measured_value": text}):
        with pytest.raises(errors.ValidationError) as info:
            codecs.decode(buf, type=v1.InspectionResult, format=fmt)  # type: ignore[arg-type]
        assert info.value.code == "decimal_out_of_range"
        assert info.value.path == "$.measured_value"
    if not text.startswith("-"):
        with pytest.raises(errors.ValidationError, match="decimal_out_of_range"):
            codecs.decode(json.dumps(_quantity_doc(text)).encode(), type=v1.Quantity)


@pytest.mark.parametrize("text", ["99999999999999999999999999999.999999999", "0.000000001", "0E+40", "0E-40"])
def test_the_edges_of_the_range_decode(text: str) -> None:
    quantity = codecs.decode(json.dumps(_quantity_doc(text)).encode(), type=v1.Quantity)
    assert quantity.value == Decimal(text)


def test_unit_conversions_are_bounded_and_never_leak() -> None:
    started = time.perf_counter()
    with pytest.raises(errors.UnitError, match="decimal_out_of_range"):
        units.convert_value(Decimal("1e9999999999"), "KGM", "GRM")
    with pytest.raises(errors.UnitError, match="decimal_out_of_range"):
        units.convert_value(Decimal("1e5000"), "KGM", "LBR", places=3)
    with pytest.raises(errors.UnitError, match="decimal_out_of_range"):
        units.convert_value(Decimal("1." + "0" * 5000 + "1"), "KGM", "GRM")
    with pytest.raises(errors.UnitError, match="invalid_value"):
        units.convert_value(Decimal(1), "KGM", "LBR", places=10**9)
    big = v1.Quantity(value=Decimal("1E+28"), uom="TNE")
    with pytest.raises(errors.UnitError, match="decimal_out_of_range"):
        big.to("MGM")
    assert time.perf_counter() - started < 5


def test_material_factors_are_checked_before_they_become_fractions() -> None:
    conversion = v1.UnitConversion(uom="CT", numerator=Decimal(12), denominator=Decimal(1))
    with pytest.raises(errors.ValidationError, match="decimal_out_of_range"):  # the model refuses it first
        msgspec.structs.replace(conversion, numerator=Decimal("1e9999999999"))
    msgspec.structs.force_setattr(conversion, "numerator", Decimal("1e9999999999"))  # around the model's check
    material = v1.Material(material_id="M", base_uom="H87", uom_conversions=[conversion])
    started = time.perf_counter()
    with pytest.raises(errors.UnitError, match="decimal_out_of_range"):
        units.convert_value(Decimal(1), "CT", "H87", material=material)
    assert time.perf_counter() - started < 5


DEPTH = 1000


def _deep_event() -> bytes:
    return b'{"specversion":"1.0","extra":' + b"[" * DEPTH + b"]" * DEPTH + b"}"


def test_deep_json_is_a_typed_error() -> None:
    for call in (lambda: codecs.decode(_deep_event()), lambda: codecs.decode_record(_deep_event()),
                 lambda: codecs.decode_lines(_deep_event()),
                 lambda: codecs.decode(_deep_event(), type=v1.AnyEntity)):
        with pytest.raises(errors.DecodeError) as info:
            call()
        assert info.value.code == "nesting_too_deep"


def test_deep_msgpack_is_a_typed_error() -> None:
    buf = b"\x81\xa1x" + b"\x91" * 100_000 + b"\xc0"
    with pytest.raises(errors.DecodeError, match="nesting_too_deep"):
        codecs.decode(buf, type=v1.Material, format="msgpack")


def test_lenient_batch_goes_on_past_a_deep_line() -> None:
    material = codecs.encode(v1.Material(material_id="M", base_uom="KGM"))
    good, bad = codecs.decode_lines_lenient(material + b"\n" + _deep_event() + b"\n" + material, type=v1.AnyEntity)
    assert len(good) == 2
    assert [(error.code, error.record_index) for error in bad] == [("nesting_too_deep", 1)]


def test_invalid_utf8_in_an_unknown_field_is_refused() -> None:
    """Before: msgspec skips unknown fields unread, so decode took what `mfgcanon validate` refused."""
    buf = b'{"kind":"material","material_id":"M","base_uom":"KGM","note":"\xff\xfe"}'
    for call in (lambda: codecs.decode(buf, type=v1.AnyEntity), lambda: codecs.decode_record(buf),
                 lambda: codecs.decode_lines(buf, type=v1.AnyEntity)):
        with pytest.raises(errors.DecodeError) as info:
            call()
        assert info.value.code == "malformed_input"
    good, bad = codecs.decode_lines_lenient(buf, type=v1.AnyEntity)
    assert good == []
    assert bad[0].code == "malformed_input"
    assert codecs.decode("{\"kind\":\"material\",\"material_id\":\"M\",\"base_uom\":\"KGM\",\"n\":\"\u00e9\"}",
                         type=v1.AnyEntity).material_id == "M"


def test_every_model_type_has_a_spelling_pass() -> None:
    """The light pass mirrors every wire type; only WorkCenter (no decimal at all) needs none."""
    for tp in (*v1.ENTITY_TYPES, *v1.EVENT_TYPES, v1.AnyEntity, v1.Event):
        for fmt in ("json", "msgpack"):
            decoder = codecs._spelling_decoder(tp, fmt)
            assert decoder is not False, tp



def test_values_built_in_python_keep_the_range_too() -> None:
    """Constructors run the same hook, so mappers (which build and then call mfgcanon.validate) cannot emit one."""
    with pytest.raises(ValueError, match="decimal_out_of_range"):
        v1.Quantity(value=Decimal("1E+40"), uom="KGM")
    with pytest.raises(ValueError, match="decimal_out_of_range"):
        v1.InspectionResult(characteristic_id="C", lower_limit=Decimal("-1E-12"))
