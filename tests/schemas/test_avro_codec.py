"""The Avro codec: round trips for every type, the decimal traps, the wire format and its errors."""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mfgcanon.avro as mavro
from mfgcanon.errors import DecodeError, EncodeError, MfgcanonError, ValidationError
from mfgcanon.schema.export import exported_types
from mfgcanon.testing import strategies
from mfgcanon.v1 import (
    ActivityKind,
    ActivityTime,
    AnyEntity,
    InspectedItem,
    InspectionResult,
    ProductionConfirmation,
    ProductionConfirmed,
    ProductionOrder,
    QualityInspection,
    Quantity,
    build_event,
)

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
TYPES = exported_types()
IDS = [name for name, _ in TYPES]
T0 = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
FEW = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))


def confirmation(value: str = "125.5", **changes: Any) -> ProductionConfirmation:
    fields: dict[str, Any] = {
        "confirmation_id": "1234/5", "order_id": "1000123", "operation_id": "0010", "plant": "1710",
        "yield_quantity": Quantity(value=Decimal(value), uom="KGM"), "started_at": T0,
        "ended_at": T0 + timedelta(hours=2), "is_final": True,
        "activities": [ActivityTime(activity=ActivityKind.SETUP, duration=Quantity(value=Decimal("0.5"), uom="HUR"))],
    }
    fields.update(changes)
    return ProductionConfirmation(**fields)


def _fastavro_dict_bytes(obj: Any) -> bytes:
    """What fastavro itself writes for the same data (logical types and all): the reference encoding."""
    datum = msgspec.to_builtins(obj, builtin_types=(datetime, date, Decimal, uuid.UUID))
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(mavro.schema(type(obj))), datum)
    return out.getvalue()


@pytest.mark.parametrize(("name", "tp"), TYPES, ids=IDS)
def test_round_trips_for_every_type(name: str, tp: type[Any]) -> None:
    @FEW
    @given(strategies.for_type(tp))
    def check(obj: Any) -> None:
        payload = mavro.encode(obj)
        assert mavro.decode(payload, type=tp) == obj
        for codec in ("null", "deflate"):
            stream = io.BytesIO()
            assert mavro.write_container(stream, [obj, obj], codec=codec) == 2
            stream.seek(0)
            assert list(mavro.read_container(stream, type=tp)) == [obj, obj]
        framed = mavro.encode_framed(obj, 42)
        assert framed[:5] == b"\x00\x00\x00\x00\x2a"
        assert mavro.decode_framed(framed, {42: tp}) == obj

    check()


@pytest.mark.parametrize(("name", "tp"), TYPES, ids=IDS)
def test_codec_uses_the_committed_schema_and_writes_fastavros_bytes(name: str, tp: type[Any]) -> None:
    committed = json.loads((SCHEMAS / "avro" / "v1" / f"{name}.avsc").read_text())
    assert mavro.schema(tp) == committed

    @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategies.for_type(tp))
    def check(obj: Any) -> None:
        assert mavro.encode(obj) == _fastavro_dict_bytes(obj)

    check()


def test_container_header_carries_the_logical_schema() -> None:
    stream = io.BytesIO()
    mavro.write_container(stream, [confirmation()], codec="deflate")
    stream.seek(0)
    reader = fastavro.reader(stream)
    assert reader.codec == "deflate"
    record = next(reader)
    assert record["yield_quantity"]["value"] == Decimal("125.500000000")
    assert record["started_at"] == T0


@pytest.mark.parametrize(("given_value", "expected"), [
    ("125.5", Decimal("125.500000000")),
    ("1E+3", Decimal("1000")),
    ("0.000000001", Decimal("1E-9")),
    ("12345678901234567890123456789.123456789", Decimal("12345678901234567890123456789.123456789")),
])
def test_decimals_are_rescaled_to_the_declared_scale(given_value: str, expected: Decimal) -> None:
    back = mavro.decode(mavro.encode(confirmation(given_value)), type=ProductionConfirmation)
    assert back.yield_quantity.value == expected
    assert back.yield_quantity.value.as_tuple().exponent == -9


def test_negative_zero_is_written_as_zero() -> None:
    result = InspectionResult(characteristic_id="TEMP", measured_value=Decimal("-0.000"))
    inspection = QualityInspection(inspection_id="1", plant="1710", inspected=InspectedItem(material_id="M"),
                                   results=[result])
    payload = mavro.encode(inspection)
    value = mavro.decode(payload, type=QualityInspection).results[0].measured_value
    assert value == 0
    assert not value.is_signed()
    assert payload == mavro.encode(msgspec.structs.replace(
        inspection, results=[msgspec.structs.replace(result, measured_value=Decimal(0))]))


def test_negative_decimals_round_trip() -> None:
    result = InspectionResult(characteristic_id="TEMP", measured_value=Decimal("-18.5"),
                              lower_limit=Decimal("-128"), upper_limit=Decimal("127.999999999"))
    inspection = QualityInspection(inspection_id="1", plant="1710", inspected=InspectedItem(material_id="M"),
                                   results=[result])
    assert mavro.decode(mavro.encode(inspection), type=QualityInspection) == inspection


@pytest.mark.parametrize("value", ["1.0000000001", "0.1234567891", "99999999999999999999999999999.9999999999"])
def test_decimals_that_do_not_fit_raise_with_the_path(value: str) -> None:
    with pytest.raises(EncodeError) as info:
        mavro.encode(confirmation(value))
    assert info.value.path == "$.yield_quantity.value"
    assert info.value.code == "invalid_value"


@pytest.mark.parametrize("value", ["100000000000000000000000000000", "1E+999999999", "1E-999999999"])
def test_decimals_outside_the_canonical_range_cannot_be_built(value: str) -> None:
    """The model's own bound (mfgcanon.types.DECIMAL_MAX_ADJUSTED) refuses them before any codec sees them."""
    with pytest.raises(ValueError, match="decimal_out_of_range"):
        confirmation(value)


def test_decimal_error_path_names_the_list_index() -> None:
    bad = ActivityTime(activity=ActivityKind.SETUP, duration=Quantity(value=Decimal("1.0000000001"), uom="HUR"))
    good = ActivityTime(activity=ActivityKind.SETUP, duration=Quantity(value=Decimal("1"), uom="HUR"))
    with pytest.raises(EncodeError) as info:
        mavro.encode(confirmation(activities=[good, bad]))
    assert info.value.path == "$.activities[1].duration.value"


def test_naive_datetime_raises_instead_of_being_taken_as_utc() -> None:
    with pytest.raises(ValidationError) as info:
        mavro.encode(confirmation(started_at=datetime(2026, 3, 1, 8, 30)))
    assert info.value.code == "naive_datetime"
    assert info.value.path == "$.started_at"


def test_wrong_python_type_raises_with_the_path() -> None:
    with pytest.raises(ValidationError) as info:
        mavro.encode(confirmation(plant=1710))
    assert (info.value.code, info.value.path) == ("type_mismatch", "$.plant")


def test_datetimes_come_back_as_the_same_instant_in_utc() -> None:
    local = datetime(2026, 3, 1, 10, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    back = mavro.decode(mavro.encode(confirmation(started_at=local, ended_at=local)), type=ProductionConfirmation)
    assert back.started_at == local
    assert back.started_at is not None
    assert back.started_at.utcoffset() == timedelta(0)


def test_decode_validates_like_the_json_codec() -> None:
    # a foreign writer can put anything the Avro schema allows: an empty id breaks min_length=1
    datum = msgspec.to_builtins(confirmation(), builtin_types=(datetime, Decimal))
    datum["order_id"] = ""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(mavro.schema(ProductionConfirmation)), datum)
    with pytest.raises(ValidationError) as info:
        mavro.decode(out.getvalue(), type=ProductionConfirmation)
    assert (info.value.code, info.value.path) == ("constraint_violation", "$.order_id")


def test_truncated_and_trailing_bytes_are_decode_errors() -> None:
    payload = mavro.encode(confirmation())
    with pytest.raises(DecodeError) as info:
        mavro.decode(payload[:-3], type=ProductionConfirmation)
    assert info.value.code in ("truncated_input", "malformed_input")
    with pytest.raises(DecodeError) as trailing:
        mavro.decode(payload + b"\x00", type=ProductionConfirmation)
    assert "trailing" in trailing.value.message


def test_wire_format_errors() -> None:
    framed = mavro.encode_framed(confirmation(), 7)
    with pytest.raises(DecodeError) as magic:
        mavro.decode_framed(b"\x01" + framed[1:], ProductionConfirmation)
    assert (magic.value.code, magic.value.position) == ("malformed_input", 0)
    with pytest.raises(DecodeError) as short:
        mavro.decode_framed(framed[:4], ProductionConfirmation)
    assert short.value.code == "truncated_input"
    registry = mavro.SchemaIdRegistry({8: ProductionConfirmation})
    with pytest.raises(mavro.UnknownSchemaIdError) as unknown:
        mavro.decode_framed(framed, registry)
    assert "7" in unknown.value.message
    with pytest.raises(mavro.UnknownSchemaIdError):
        mavro.decode_framed(framed, {8: ProductionConfirmation})
    with pytest.raises(EncodeError):
        mavro.encode_framed(confirmation(), 2**32)
    registry.register(7, ProductionConfirmation)
    assert mavro.decode_framed(framed, registry) == confirmation()
    assert mavro.decode_framed(framed, lambda schema_id: ProductionConfirmation) == confirmation()
    assert registry.id_for(ProductionConfirmation) == 8


def test_every_failure_is_an_mfgcanon_error() -> None:
    @settings(max_examples=40, deadline=None)
    @given(st.binary(max_size=64))
    def check(junk: bytes) -> None:
        for target in (ProductionConfirmation, ProductionConfirmed):
            with contextlib.suppress(MfgcanonError):
                mavro.decode(junk, type=target)
            with contextlib.suppress(MfgcanonError):
                mavro.decode_framed(b"\x00\x00\x00\x00\x01" + junk, target)

    check()


def test_writer_schema_resolution_reads_an_older_writer() -> None:
    # an "older" writer without the optional produced_lot_id and with fewer enum symbols
    old = json.loads(json.dumps(mavro.schema(ProductionConfirmation)))
    old["fields"] = [f for f in old["fields"] if f["name"] != "produced_lot_id"]
    datum = msgspec.to_builtins(confirmation(), builtin_types=(datetime, Decimal))
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(old), datum)
    assert mavro.decode(out.getvalue(), type=ProductionConfirmation, writer_schema=old) == confirmation()
    registry = mavro.SchemaIdRegistry()
    registry.register(3, ProductionConfirmation, writer_schema=old)
    framed = b"\x00\x00\x00\x00\x03" + out.getvalue()
    assert mavro.decode_framed(framed, registry) == confirmation()


def test_unknown_enum_symbol_from_a_newer_writer_reads_as_other() -> None:
    new = json.loads(json.dumps(mavro.schema(ProductionConfirmation)))
    activity_time = next(f for f in new["fields"] if f["name"] == "activities")["type"]["items"]
    activity_time["fields"][0]["type"]["symbols"].append("cleaning")
    datum = msgspec.to_builtins(confirmation(), builtin_types=(datetime, Decimal))
    datum["activities"][0]["activity"] = "cleaning"
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(new), datum)
    back = mavro.decode(out.getvalue(), type=ProductionConfirmation, writer_schema=new)
    assert back.activities[0].activity is ActivityKind.OTHER


def test_union_of_entities_round_trips_and_mixed_container() -> None:
    order = ProductionOrder(order_id="1", plant="1710", status="released", material_id="FG",
                            planned_quantity=Quantity(value=Decimal("10"), uom="H87"))
    records: list[Any] = [confirmation(), order]
    for record in records:
        assert mavro.decode(mavro.encode(record, type=AnyEntity), type=AnyEntity) == record
    stream = io.BytesIO()
    mavro.write_container(stream, records, type=AnyEntity)
    stream.seek(0)
    assert list(mavro.read_container(stream, type=AnyEntity)) == records


def test_events_round_trip_with_uuid_and_entity_payload() -> None:
    event = build_event(ProductionConfirmed, confirmation(), source_system="S4H", time=T0)
    back = mavro.decode(mavro.encode(event), type=ProductionConfirmed)
    assert back == event
    assert back.id == event.id


def test_container_errors_name_the_record() -> None:
    stream = io.BytesIO()
    with pytest.raises(EncodeError) as info:
        mavro.write_container(stream, [confirmation(), confirmation("1.0000000001")])
    assert info.value.record_index == 1
    with pytest.raises(EncodeError):
        mavro.write_container(io.BytesIO(), [confirmation()], codec="snappy")  # type: ignore[arg-type]
