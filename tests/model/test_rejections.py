"""Bad input is refused with the exact error class, stable code and JSON path."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest

import mfgcanon.v1 as v1
from mfgcanon import codecs, errors

QUANTITY = {"value": "10", "uom": "H87"}
ORDER: dict[str, Any] = {
    "kind": "production_order", "order_id": "1000123", "plant": "1710", "status": "released",
    "material_id": "FG-1", "planned_quantity": QUANTITY,
}
EVENT: dict[str, Any] = {
    "type": "mfgcanon.production_order.released.v1", "id": "5c7e1b67-8a51-5325-8971-2f441d5216d7",
    "source": "urn:mfgcanon:S4H:1710", "specversion": "1.0", "time": "2026-01-01T00:00:00Z",
    "subject": "production-order/1710/1000123", "partitionkey": "1710|1000123",
    "idempotencykey": "S4H|-|42|-|mfgcanon.production_order.released.v1|-", "sourcesystem": "S4H",
    "schemaversion": "1.0.0", "data": ORDER,
}


def _reject(doc: Any, type: Any, *, fmt: str = "json") -> errors.MfgcanonError:
    buf = doc if isinstance(doc, bytes) else (json.dumps(doc).encode() if fmt == "json"
                                              else msgspec.msgpack.encode(doc))
    with pytest.raises(errors.MfgcanonError) as caught:
        codecs.decode(buf, type=type, format=fmt)  # type: ignore[arg-type]
    return caught.value


def _check(error: errors.MfgcanonError, cls: type, code: str, path: str | None) -> None:
    assert type(error) is cls, error
    assert error.code == code, error
    assert error.path == path, error
    assert str(error).startswith(error.message)
    assert f"[{code}]" in str(error)


def test_round_trip_of_the_fixtures_is_clean() -> None:
    """The fixtures are valid, so each rejection below is caused by its one change."""
    assert codecs.decode(json.dumps(EVENT).encode()).data.order_id == "1000123"
    assert codecs.decode(json.dumps(ORDER).encode(), type=v1.ProductionOrder).plant == "1710"


@pytest.mark.parametrize("fmt", ["json", "msgpack"])
def test_naive_datetime(fmt: str) -> None:
    error = _reject({**ORDER, "released_at": "2026-01-01T08:00:00"}, v1.ProductionOrder, fmt=fmt)
    _check(error, errors.ValidationError, "naive_datetime", "$.released_at")


def test_naive_datetime_in_an_event_envelope() -> None:
    _check(_reject({**EVENT, "time": "2026-01-01T00:00:00"}, v1.Event), errors.ValidationError, "naive_datetime",
           "$.time")


@pytest.mark.parametrize("fmt", ["json", "msgpack"])
def test_unknown_unit(fmt: str) -> None:
    error = _reject({**ORDER, "planned_quantity": {"value": "1", "uom": "ST"}}, v1.ProductionOrder, fmt=fmt)
    _check(error, errors.ValidationError, "unknown_unit", "$.planned_quantity.uom")


@pytest.mark.parametrize("value", ["-1", "-0.001", "-0", "-0E-9", "-0.000"])
def test_negative_quantity_and_negative_zero(value: str) -> None:
    error = _reject({"value": value, "uom": "KGM"}, v1.Quantity)
    _check(error, errors.ValidationError, "negative_quantity", "$.value")


@pytest.mark.parametrize("value", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "nan"])
@pytest.mark.parametrize("fmt", ["json", "msgpack"])
def test_non_finite_decimals(value: str, fmt: str) -> None:
    assert not Decimal(value).is_finite()  # msgspec itself would accept these as Decimal
    error = _reject({"value": value, "uom": "KGM"}, v1.Quantity, fmt=fmt)
    _check(error, errors.ValidationError, "non_finite_decimal", "$.value")


@pytest.mark.parametrize("field", ["measured_value", "lower_limit", "upper_limit", "target_value"])
def test_non_finite_measured_values(field: str) -> None:
    error = _reject({"characteristic_id": "C1", field: "NaN"}, v1.InspectionResult)
    _check(error, errors.ValidationError, "non_finite_decimal", f"$.{field}")


def test_missing_required_field_names_the_field() -> None:
    data = {key: value for key, value in ORDER.items() if key != "planned_quantity"}
    _check(_reject({**EVENT, "data": data}, v1.Event), errors.ValidationError, "missing_field",
           "$.data.planned_quantity")
    _check(_reject({key: v for key, v in EVENT.items() if key != "time"}, v1.Event), errors.ValidationError,
           "missing_field", "$.time")


@pytest.mark.parametrize(("change", "path"), [
    ({"plant": 1710}, "$.plant"),
    ({"planned_quantity": "10 PC"}, "$.planned_quantity"),
    ({"operations": {}}, "$.operations"),
    ({"priority": "high"}, "$.priority"),
])
def test_wrong_type(change: dict[str, Any], path: str) -> None:
    _check(_reject({**ORDER, **change}, v1.ProductionOrder), errors.ValidationError, "type_mismatch", path)


@pytest.mark.parametrize(("change", "path"), [
    ({"priority": 1001}, "$.priority"),
    ({"order_id": ""}, "$.order_id"),
    ({"plant": "x" * 256}, "$.plant"),
    ({"planned_start_at": "2026-01-02T00:00:00Z", "planned_end_at": "2026-01-01T00:00:00Z"}, "$.planned_end_at"),
])
def test_constraint_violations(change: dict[str, Any], path: str) -> None:
    _check(_reject({**ORDER, **change}, v1.ProductionOrder), errors.ValidationError, "constraint_violation", path)


def test_malformed_json_reports_the_byte_position() -> None:
    error = _reject(b'{"value": "1", "uom": KGM}', v1.Quantity)
    _check(error, errors.DecodeError, "malformed_input", None)
    assert error.position == 22
    assert "(byte 22)" in str(error)


def test_truncated_json() -> None:
    _check(_reject(b'{"value": "1", "uom": "KG', v1.Quantity), errors.DecodeError, "truncated_input", None)


def test_truncated_msgpack() -> None:
    packed = msgspec.msgpack.encode(EVENT)
    for cut in (1, len(packed) // 2, len(packed) - 1):
        error = _reject(packed[:cut], v1.Event, fmt="msgpack")
        _check(error, errors.DecodeError, "truncated_input", None)


def test_text_is_not_msgpack() -> None:
    with pytest.raises(errors.DecodeError) as caught:
        codecs.decode("{}", type=v1.Quantity, format="msgpack")
    assert caught.value.code == "malformed_input"


def test_unencodable_text_is_malformed_input() -> None:
    with pytest.raises(errors.DecodeError) as caught:
        codecs.decode('{"value": "1", "uom": "\ud800"}', type=v1.Quantity)
    assert caught.value.code == "malformed_input"


def test_unknown_event_type_and_entity_kind() -> None:
    _check(_reject({**EVENT, "type": "mfgcanon.production_order.exploded.v1"}, v1.Event), errors.ValidationError,
           "unknown_kind", "$.type")
    _check(_reject({**ORDER, "kind": "purchase_order"}, v1.AnyEntity), errors.ValidationError, "unknown_kind",
           "$.kind")
    _check(_reject({**EVENT, "data": {**ORDER, "kind": "material"}}, v1.Event), errors.ValidationError,
           "unknown_kind", "$.data.kind")


def test_nested_path_into_a_list() -> None:
    operations = [{"operation_id": f"00{n}0", "planned_quantity": dict(QUANTITY)} for n in (1, 2, 3)]
    operations[2]["planned_quantity"] = {"value": "-5", "uom": "H87"}
    error = _reject({**ORDER, "operations": operations}, v1.ProductionOrder)
    _check(error, errors.ValidationError, "negative_quantity", "$.operations[2].planned_quantity.value")
    operations[2]["planned_quantity"] = {"value": "5", "uom": "H87"}
    operations[1]["planned_activities"] = [{"activity": "setup", "duration": {"value": "1", "uom": "KGM"}}]
    error = _reject({**ORDER, "operations": operations}, v1.ProductionOrder)
    _check(error, errors.ValidationError, "constraint_violation", "$.operations[1].planned_activities[0].duration")


@pytest.mark.parametrize(("doc", "type", "code", "path"), [
    ({"characteristic_id": "C", "lower_limit": "2", "upper_limit": "1"}, v1.InspectionResult,
     "constraint_violation", "$.upper_limit"),
    ({"is_active": True, "placed_at": "2026-01-01T00:00:00Z", "released_at": "2026-01-02T00:00:00Z"},
     v1.QualityHold, "constraint_violation", "$.released_at"),
    ({"serial_numbers": []}, v1.InspectedItem, "missing_field", "$.material_id"),
    ({"name": "x.n", "value": "yes", "data_type": "boolean"}, v1.Property, "invalid_value", "$.value"),
    ({"uom": "CT", "numerator": "0", "denominator": "1"}, v1.UnitConversion, "constraint_violation", "$.numerator"),
    ({"kind": "material", "material_id": "M", "base_uom": "KGM",
      "uom_conversions": [{"uom": "CT", "numerator": "12", "denominator": "1"},
                          {"uom": "CT", "numerator": "6", "denominator": "1"}]},
     v1.Material, "constraint_violation", "$.uom_conversions"),
])
def test_model_rules(doc: dict[str, Any], type: Any, code: str, path: str) -> None:
    _check(_reject(doc, type), errors.ValidationError, code, path)


def test_hooked_rules_inside_events() -> None:
    movement = {"kind": "material_movement", "movement_id": "1", "movement_type": "goods_receipt", "plant": "1710",
                "material_id": "M", "quantity": QUANTITY, "occurred_at": "2026-01-01T00:00:00Z"}
    doc = {**EVENT, "type": "mfgcanon.material.issued.v1", "data": movement}
    _check(_reject(doc, v1.Event), errors.ValidationError, "constraint_violation", "$.data")


def test_genealogy_link_to_itself() -> None:
    item = {"material_id": "M", "lot_id": "L1"}
    doc = {"kind": "genealogy_link", "link_id": "x", "relationship": "consumed_into", "parent": item, "child": item,
           "occurred_at": "2026-01-01T00:00:00Z"}
    _check(_reject(doc, v1.AnyEntity), errors.ValidationError, "constraint_violation", "$.child")


def test_validate_rejects_values_built_in_python() -> None:
    order = v1.ProductionOrder(order_id="1", plant="1710", status=v1.OrderStatus.RELEASED, material_id="M",
                               planned_quantity=v1.Quantity(value=Decimal("1"), uom="H87"),
                               released_at=datetime(2026, 1, 1))  # naive: the constructor does not check
    with pytest.raises(errors.ValidationError) as caught:
        codecs.validate(order)
    _check(caught.value, errors.ValidationError, "naive_datetime", "$.released_at")


def test_direct_constructor_hooks_raise_value_errors_with_codes() -> None:
    with pytest.raises(ValueError, match=r"^\[negative_quantity\] value:"):
        v1.Quantity(value=Decimal("-1"), uom="KGM")
