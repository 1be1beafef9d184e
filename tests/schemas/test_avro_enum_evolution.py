"""Avro enum evolution: a symbol added by a newer writer reads as ``other``, the raw symbol in ``*_source_code``.

The writer schemas are the committed ``schemas/avro/v1`` files with a symbol added, as a newer model would
write them; the data goes through every Avro reading path: schemaless with the writer's schema, container
files (seekable or not), the registry wire format, and ``from_datum``.
"""

from __future__ import annotations

import copy
import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import mfgcanon.avro as mavro
import mfgcanon.v1 as v1
from mfgcanon import codecs
from mfgcanon._enum_tolerance import OTHER, SUFFIX
from mfgcanon.errors import MfgcanonError
from mfgcanon.schema.export import exported_types
from mfgcanon.testing import strategies
from struct_paths import at as _at
from struct_paths import enum_slots as _enum_slots

AVRO = Path(__file__).resolve().parents[2] / "schemas" / "avro" / "v1"
T0 = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
FEW = settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))


def _committed(name: str) -> Any:
    return json.loads((AVRO / f"{name}.avsc").read_text())


def _with_symbols(schema: Any, added: dict[str, list[str]]) -> Any:
    """A copy of ``schema`` whose enums (by short name) list more symbols: a newer writer's schema."""
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == "enum" and node["name"] in added:
                node["symbols"] += added[node["name"]]
            for value in node.values():
                walk(value)

    walk(schema)
    return schema


def _datum(value: Any) -> Any:
    """The value as fastavro writes it with the logical schema (as any fastavro user would)."""
    return msgspec.to_builtins(value, builtin_types=(datetime, date, Decimal, uuid.UUID))


def _schemaless(writer: Any, datum: Any) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(writer), datum)
    return out.getvalue()


def _container(writer: Any, datums: list[Any]) -> bytes:
    out = io.BytesIO()
    fastavro.writer(out, fastavro.parse_schema(writer), datums, codec="deflate")
    return out.getvalue()


class _Pipe:
    """A stream that cannot seek (a socket, a pipe, an HTTP body)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    def seekable(self) -> bool:
        return False


def _every_reading(writer: Any, datum: Any, tp: Any) -> Iterator[tuple[str, Any]]:
    """(path name, decoded value) for each way mfgcanon reads Avro written with ``writer``."""
    payload = _schemaless(writer, datum)
    yield "schemaless", mavro.decode(payload, type=tp, writer_schema=writer)
    registry = mavro.SchemaIdRegistry()
    registry.register(7, tp, writer_schema=writer)
    yield "framed", mavro.decode_framed(b"\x00\x00\x00\x00\x07" + payload, registry)
    file = _container(writer, [datum, datum])
    for name, stream in (("container", io.BytesIO(file)), ("pipe", _Pipe(file))):
        first, second = mavro.read_container(stream, type=tp)  # type: ignore[arg-type]
        assert first == second
        yield name, first
    writer_only = fastavro.schemaless_reader(io.BytesIO(payload), fastavro.parse_schema(writer), None)
    yield "from_datum", mavro.from_datum(writer_only, type=tp)


def _order(**changes: Any) -> v1.ProductionOrder:
    fields: dict[str, Any] = {
        "order_id": "1000123", "plant": "1710", "status": v1.OrderStatus.RELEASED, "material_id": "FG-1",
        "planned_quantity": v1.Quantity(value=Decimal("100"), uom="H87"),
        "operations": [v1.Operation(operation_id="0010", status=v1.OperationStatus.COMPLETED),
                       v1.Operation(operation_id="0020", status=v1.OperationStatus.RELEASED)],
    }
    fields.update(changes)
    return v1.ProductionOrder(**fields)


def _movement(**changes: Any) -> v1.MaterialMovement:
    fields: dict[str, Any] = {
        "movement_id": "4900000123/2026/1", "movement_type": v1.MovementType.GOODS_ISSUE, "plant": "1710",
        "material_id": "RM-1", "quantity": v1.Quantity(value=Decimal("2.5"), uom="KGM"), "occurred_at": T0,
    }
    fields.update(changes)
    return v1.MaterialMovement(**fields)


# --- the cases by name ------------------------------------------------------------------------------------------


def test_order_and_nested_operation_status_from_a_newer_writer() -> None:
    writer = _with_symbols(_committed("production_order"), {"OrderStatus": ["quarantined"],
                                                           "OperationStatus": ["paused"]})
    datum = _datum(_order(operations=[
        v1.Operation(operation_id="0010", status=v1.OperationStatus.COMPLETED, status_source_code="CNF"),
        v1.Operation(operation_id="0020", status=v1.OperationStatus.RELEASED)]))
    datum["status"] = "quarantined"
    datum["operations"][0]["status"] = "paused"  # its vendor code stays
    datum["operations"][1]["status"] = "paused"
    for path, order in _every_reading(writer, datum, v1.ProductionOrder):
        assert (order.status, order.status_source_code) == (v1.OrderStatus.OTHER, "quarantined"), path
        assert [(op.status, op.status_source_code) for op in order.operations] == [
            (v1.OperationStatus.OTHER, "CNF"), (v1.OperationStatus.OTHER, "paused")], path


def test_an_event_from_a_newer_writer() -> None:
    event = v1.build_event(v1.ProductionOrderReleased, _order(), source_system="S4", time=T0)
    writer = _with_symbols(_committed("production_order.released"), {"OrderStatus": ["quarantined"]})
    datum = _datum(event)
    datum["data"]["status"] = "quarantined"
    for path, back in _every_reading(writer, datum, v1.ProductionOrderReleased):
        assert back.data.status is v1.OrderStatus.OTHER, path
        assert back.data.status_source_code == "quarantined", path
        assert back.id == event.id, path


@pytest.mark.parametrize(("name", "event_type"), [
    ("material.issued", v1.MaterialIssued), ("material.scrapped", v1.MaterialScrapped),
    ("inventory.received", v1.InventoryReceived), ("inventory.moved", v1.InventoryMoved)])
def test_every_movement_event_reads_an_unknown_movement_type(name: str, event_type: type[v1.CloudEvent]) -> None:
    allowed = sorted(event_type.ALLOWED)  # type: ignore[attr-defined]
    event = v1.build_event(event_type, _movement(movement_type=allowed[0]), source_system="S4", time=T0)
    writer = _with_symbols(_committed(name), {"MovementType": ["consignment_issue"]})
    datum = _datum(event)
    datum["data"]["movement_type"] = "consignment_issue"
    for path, back in _every_reading(writer, datum, event_type):
        assert type(back) is event_type, path
        assert (back.data.movement_type, back.data.movement_type_source_code) == (
            v1.MovementType.OTHER, "consignment_issue"), path


def test_a_field_without_a_sibling_reads_as_other() -> None:
    writer = _with_symbols(_committed("material_movement"), {"TimePrecision": ["nanosecond"]})
    datum = _datum(_movement())
    datum["occurred_at_precision"] = "nanosecond"
    for path, back in _every_reading(writer, datum, v1.MaterialMovement):
        assert back == msgspec.structs.replace(_movement(), occurred_at_precision=v1.TimePrecision.OTHER), path


def test_a_writer_that_adds_no_symbol_reads_as_before() -> None:
    writer = _with_symbols(_committed("production_order"), {"OrderStatus": []})
    for path, back in _every_reading(writer, _datum(_order()), v1.ProductionOrder):
        assert back == _order(), path


def test_without_the_writer_schema_an_unknown_symbol_index_is_refused() -> None:
    """Avro carries symbols by index: with no writer schema there is no raw value to keep, only an error."""
    writer = _with_symbols(_committed("production_order"), {"OrderStatus": ["quarantined"]})
    datum = _datum(_order())
    datum["status"] = "quarantined"
    with pytest.raises(MfgcanonError):
        mavro.decode(_schemaless(writer, datum), type=v1.ProductionOrder)


# --- the Avro enum defaults ---------------------------------------------------------------------------------


def _enums(schema: Any) -> Iterator[dict[str, Any]]:
    if isinstance(schema, list):
        for item in schema:
            yield from _enums(item)
    elif isinstance(schema, dict):
        if schema.get("type") == "enum":
            yield schema
        for value in schema.values():
            yield from _enums(value)


@pytest.mark.parametrize(("name", "tp"), exported_types(), ids=[name for name, _ in exported_types()])
def test_every_avro_enum_defaults_to_other(name: str, tp: Any) -> None:
    for schema in (_committed(name), mavro.schema(tp)):
        wrong = {e["name"]: e.get("default") for e in _enums(schema) if e.get("default") != OTHER}
        assert wrong == {}, "an old reader could not read a symbol added later"


# --- one property over every wire type: Avro reads as JSON does ----------------------------------------


def _outcome(decode: Any) -> Any:
    try:
        return decode()
    except MfgcanonError as exc:
        return exc.code, exc.path


@pytest.mark.parametrize(("name", "tp"), exported_types(), ids=[name for name, _ in exported_types()])
def test_avro_reads_a_newer_symbol_as_json_reads_the_newer_value(name: str, tp: Any) -> None:
    @FEW
    @given(st.data())
    def check(data: st.DataObject) -> None:
        value = data.draw(strategies.for_type(tp))
        slots = list(_enum_slots(value))
        assume(slots)
        path, field, enum_cls = data.draw(st.sampled_from(slots))
        known = {member.value for member in enum_cls}
        raw = data.draw(st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z").filter(lambda s: s not in known))
        datum, doc = _datum(value), msgspec.to_builtins(value)
        _at(datum, path)[field] = raw
        _at(doc, path)[field] = raw
        writer = _with_symbols(_committed(name), {enum_cls.__name__: [raw]})
        from_json = _outcome(lambda: codecs.decode(msgspec.json.encode(doc), type=tp))
        from_avro = _outcome(lambda: mavro.decode(_schemaless(writer, datum), type=tp, writer_schema=writer))
        assert from_avro == from_json
        if not isinstance(from_json, tuple):  # else the model refuses `other` there, in both alike
            struct = _at(from_json, path)
            assert getattr(struct, field).value == OTHER
            sibling = field + SUFFIX
            if sibling in type(struct).__struct_fields__ and not getattr(_at(value, path), sibling):
                assert getattr(struct, sibling) == raw

    check()

