"""Enum evolution: a value added by a newer writer reads as ``other``, the raw value kept in ``*_source_code``.

JSON and MessagePack here (Avro: ``tests/schemas/test_avro_enum_evolution.py``), and the model rules the
promise rests on: every enum has ``other``, every enum field a ``*_source_code`` sibling.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import mfgcanon.v1 as v1
from mfgcanon import codecs
from mfgcanon._enum_tolerance import OTHER, SUFFIX
from mfgcanon.errors import MfgcanonError
from mfgcanon.testing import strategies
from mfgcanon.typeinfo import reachable_types
from struct_paths import at as _at
from struct_paths import enum_slots as _enum_slots

from ._support import ENUM_TYPES, STRUCT_TYPES, examples, leaves

NO_SOURCE_CODE = {
    ("MaterialMovement", "occurred_at_precision"): "mfgcanon's own vocabulary (how exact occurred_at is), "
                                                   "never a code a source sends",
}
"""Enum fields with no ``*_source_code`` sibling, and why: an unknown value there reads as ``other`` alone."""

FORMATS = ("json", "msgpack")
T0 = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


# --- the model keeps the promise ---------------------------------------------------------------------------


def _enum_of(t: mi.Type) -> tuple[type[enum.Enum] | None, bool]:
    """(enum class of a field, whether it sits in a list or dict) or (None, False)."""
    while isinstance(t, mi.Metadata):
        t = t.type
    if isinstance(t, mi.EnumType):
        return t.cls, False
    if isinstance(t, mi.UnionType):
        for member in t.types:
            found = _enum_of(member)
            if found[0] is not None:
                return found
    if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType | mi.DictType):
        inner = _enum_of(t.value_type if isinstance(t, mi.DictType) else t.item_type)
        return (inner[0], True) if inner[0] is not None else (None, False)
    return None, False


def _enum_fields() -> Iterator[tuple[type[msgspec.Struct], mi.Field, type[enum.Enum], bool]]:
    for cls in STRUCT_TYPES:
        for field in mi.type_info(cls).fields:  # type: ignore[attr-defined]
            found, nested = _enum_of(field.type)
            if found is not None:
                yield cls, field, found, nested


def test_every_enum_has_other() -> None:
    _, enums = reachable_types(*v1.ENTITY_TYPES, *v1.EVENT_TYPES)
    assert set(enums.values()) == set(ENUM_TYPES)  # what the wire types reach is what the model exports
    lacking = [cls.__qualname__ for cls in ENUM_TYPES if OTHER not in {m.value for m in cls}]
    assert lacking == [], "an enum an old reader cannot fall back on"


def test_every_enum_field_keeps_the_source_code_beside_it() -> None:
    missing, in_collections, wrong_type = [], [], []
    for cls, field, _, nested in _enum_fields():
        where = (cls.__name__, field.name)
        if nested:
            in_collections.append(where)
            continue
        if where in NO_SOURCE_CODE:
            continue
        sibling = {f.name: f for f in mi.type_info(cls).fields}.get(field.name + SUFFIX)  # type: ignore[attr-defined]
        if sibling is None:
            missing.append(where)
            continue
        if not all(isinstance(m, mi.StrType | mi.NoneType) for m in _members(sibling.type)):
            wrong_type.append(where)
    assert missing == [], "enum fields with no *_source_code sibling (or add them to NO_SOURCE_CODE, with why)"
    assert in_collections == [], "an enum inside a list or dict has no sibling: decide where its raw value goes"
    assert wrong_type == [], "a *_source_code sibling must be an optional string"


def test_the_allow_list_names_real_enum_fields() -> None:
    fields = {(cls.__name__, field.name) for cls, field, _, _ in _enum_fields()}
    assert set(NO_SOURCE_CODE) <= fields


def _members(t: mi.Type) -> list[mi.Type]:
    while isinstance(t, mi.Metadata):
        t = t.type
    if isinstance(t, mi.UnionType):
        return [m for member in t.types for m in _members(member)]
    return [t]


# --- JSON and MessagePack: one property over every wire type --------------------------------------------------


def _outcome(decode: Callable[[], Any]) -> Any:
    """The decoded value, or (code, path) of the error: two decodes agree when these are equal."""
    try:
        return decode()
    except MfgcanonError as exc:
        return exc.code, exc.path


def _raw_values(enum_cls: type[enum.Enum]) -> st.SearchStrategy[str]:
    known = {member.value for member in enum_cls}
    return st.from_regex(r"\A[a-z][a-z0-9_]{0,40}\Z").filter(lambda raw: raw not in known)


def _docs(value: Any) -> dict[str, Any]:
    """The value as each format's plain data: what a writer of that format puts on the wire."""
    return {"json": msgspec.to_builtins(value),
            "msgpack": msgspec.to_builtins(value, builtin_types=(datetime,))}


def _encode(doc: Any, fmt: str) -> bytes:
    return msgspec.json.encode(doc) if fmt == "json" else msgspec.msgpack.encode(doc)


def _assert_exact(expected: Any, got: Any) -> None:
    """Equal, and the second reading kept the decimal digits and offsets the typed decoder keeps."""
    assert got == expected
    for (path, old), (_, new) in zip(leaves(expected), leaves(got), strict=True):
        assert str(old) == str(new), path
        if isinstance(old, datetime):
            assert old.utcoffset() == new.utcoffset(), path


@examples(dev=6, ci=30)
@given(data=st.data())
def test_an_unknown_enum_value_reads_as_other_with_its_raw_value(wire_type: type, data: st.DataObject) -> None:
    """Decoding a document with one enum value the model does not know gives exactly what decoding the
    document an old writer would have sent gives: ``other``, the raw value in the empty sibling (or the
    vendor's code kept), everything else unchanged; or the same error, when the model refuses ``other``."""
    value = data.draw(strategies.for_type(wire_type))
    slots = list(_enum_slots(value))
    assume(slots)
    path, name, enum_cls = data.draw(st.sampled_from(slots))
    raw = data.draw(_raw_values(enum_cls))
    has_sibling = name + SUFFIX in type(_at(value, path)).__struct_fields__
    for fmt, doc in _docs(value).items():
        newer, older = doc, copy.deepcopy(doc)
        _at(newer, path)[name] = raw
        _at(older, path)[name] = OTHER
        if has_sibling and not _at(older, path).get(name + SUFFIX):
            _at(older, path)[name + SUFFIX] = raw
        got = _outcome(lambda: codecs.decode(_encode(newer, fmt), type=wire_type, format=fmt))  # noqa: B023
        want = _outcome(lambda: codecs.decode(_encode(older, fmt), type=wire_type, format=fmt))  # noqa: B023
        if isinstance(want, tuple):
            assert got == want
        else:
            _assert_exact(want, got)


# --- JSON and MessagePack: the cases by name -------------------------------------------------------------------


def _order(**changes: Any) -> v1.ProductionOrder:
    fields: dict[str, Any] = {
        "order_id": "1000123", "plant": "1710", "status": v1.OrderStatus.RELEASED, "material_id": "FG-1",
        "planned_quantity": v1.Quantity(value=Decimal("100.000"), uom="H87"),
        "operations": [v1.Operation(operation_id="0010", status=v1.OperationStatus.COMPLETED),
                       v1.Operation(operation_id="0020", status=v1.OperationStatus.RELEASED)],
    }
    fields.update(changes)
    return v1.ProductionOrder(**fields)


def _released(order: v1.ProductionOrder) -> Any:
    return v1.build_event(v1.ProductionOrderReleased, order, source_system="S4", time=T0)


def _wire(value: Any, fmt: str, edit: Callable[[dict[str, Any]], None]) -> bytes:
    doc = _docs(value)[fmt]
    edit(doc)
    return _encode(doc, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_nested_operation_status_from_a_newer_writer(fmt: str) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["operations"][1]["status"] = "paused"

    order = codecs.decode(_wire(_order(), fmt, edit), type=v1.ProductionOrder, format=fmt)
    assert order.operations[1].status is v1.OperationStatus.OTHER
    assert order.operations[1].status_source_code == "paused"
    assert order.operations[0] == _order().operations[0]
    assert order.status is v1.OrderStatus.RELEASED


@pytest.mark.parametrize("fmt", FORMATS)
def test_enums_inside_an_event(fmt: str) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["data"]["status"] = "quarantined"
        doc["data"]["operations"][1]["status"] = "paused"

    event = codecs.decode(_wire(_released(_order()), fmt, edit), format=fmt)  # any v1 event
    assert isinstance(event, v1.ProductionOrderReleased)
    assert (event.data.status, event.data.status_source_code) == (v1.OrderStatus.OTHER, "quarantined")
    assert (event.data.operations[1].status, event.data.operations[1].status_source_code) == (
        v1.OperationStatus.OTHER, "paused")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_vendor_code_wins_over_the_unknown_canonical_value(fmt: str) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["status"] = "quarantined"
        doc["operations"][0]["status"] = "paused"

    sent = _order(status_source_code="REL PRC", operations=[
        v1.Operation(operation_id="0010", status=v1.OperationStatus.COMPLETED, status_source_code="CNF")])
    order = codecs.decode(_wire(sent, fmt, edit), type=v1.ProductionOrder, format=fmt)
    assert (order.status, order.status_source_code) == (v1.OrderStatus.OTHER, "REL PRC")
    assert (order.operations[0].status, order.operations[0].status_source_code) == (v1.OperationStatus.OTHER, "CNF")
    assert "quarantined" not in repr(order)
    assert "paused" not in repr(order)


def _movement(**changes: Any) -> v1.MaterialMovement:
    fields: dict[str, Any] = {
        "movement_id": "4900000123/2026/1", "movement_type": v1.MovementType.GOODS_ISSUE, "plant": "1710",
        "material_id": "RM-1", "quantity": v1.Quantity(value=Decimal("2.5"), uom="KGM"), "occurred_at": T0,
    }
    fields.update(changes)
    return v1.MaterialMovement(**fields)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_field_without_a_sibling_reads_as_other(fmt: str) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["occurred_at_precision"] = "nanosecond"

    movement = codecs.decode(_wire(_movement(), fmt, edit), type=v1.MaterialMovement, format=fmt)
    assert movement.occurred_at_precision is v1.TimePrecision.OTHER
    assert movement == msgspec.structs.replace(_movement(), occurred_at_precision=v1.TimePrecision.OTHER)


@pytest.mark.parametrize("movement_event", [v1.MaterialIssued, v1.MaterialScrapped, v1.InventoryReceived,
                                        v1.InventoryMoved])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_movement_event_reads_an_unknown_movement_type(movement_event: type[v1.CloudEvent], fmt: str) -> None:
    allowed = sorted(movement_event.ALLOWED)  # type: ignore[attr-defined]
    event = v1.build_event(movement_event, _movement(movement_type=allowed[0]), source_system="S4", time=T0)

    def edit(doc: dict[str, Any]) -> None:
        doc["data"]["movement_type"] = "consignment_issue"

    got = codecs.decode(_wire(event, fmt, edit), format=fmt)
    assert type(got) is movement_event
    assert (got.data.movement_type, got.data.movement_type_source_code) == (v1.MovementType.OTHER,
                                                                           "consignment_issue")


def test_ndjson_and_untyped_records_read_unknown_values() -> None:
    good = codecs.encode(_order())
    newer = _wire(_order(), "json", lambda doc: doc.update(status="quarantined"))
    broken = _wire(_order(), "json", lambda doc: doc.update(status="quarantined", plant=""))
    buf = b"\n".join([good, newer, broken, good]) + b"\n"
    values, errors = codecs.decode_lines_lenient(buf, type=v1.ProductionOrder)
    assert [v.status for v in values] == [v1.OrderStatus.RELEASED, v1.OrderStatus.OTHER, v1.OrderStatus.RELEASED]
    assert values[1].status_source_code == "quarantined"
    assert [(e.record_index, e.code, e.path) for e in errors] == [(2, "constraint_violation", "$.plant")]
    with pytest.raises(MfgcanonError) as caught:
        codecs.decode_lines(buf, type=v1.ProductionOrder)
    assert caught.value.record_index == 2
    assert list(codecs.iter_lines([good, newer], type=v1.ProductionOrder))[1].status is v1.OrderStatus.OTHER
    record = codecs.decode_record(newer)
    assert (record.status, record.status_source_code) == (v1.OrderStatus.OTHER, "quarantined")


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_errors_surface_as_before(fmt: str) -> None:
    def number(doc: dict[str, Any]) -> None:
        doc["status"] = 7  # not a string: no value of any version

    def also_bad(doc: dict[str, Any]) -> None:
        doc["status"] = "quarantined"
        doc["operations"][1]["operation_id"] = ""

    for edit, code, path in [(number, "type_mismatch", "$.status"),
                             (also_bad, "constraint_violation", "$.operations[1].operation_id")]:
        with pytest.raises(MfgcanonError) as caught:
            codecs.decode(_wire(_order(), fmt, edit), type=v1.ProductionOrder, format=fmt)
        assert (caught.value.code, caught.value.path) == (code, path)


def test_a_malformed_tail_after_the_unknown_value_is_still_malformed() -> None:
    text = codecs.encode(_order()).replace(b'"released"', b'"quarantined"')[:-1] + b",}"
    with pytest.raises(MfgcanonError) as caught:
        codecs.decode(text, type=v1.ProductionOrder)
    assert caught.value.code == "malformed_input"


def test_the_second_reading_keeps_decimals_exact() -> None:
    text = codecs.encode(_order()).replace(b'"released"', b'"quarantined"').replace(b'"100.000"', b"100.000")
    order = codecs.decode(text, type=v1.ProductionOrder)
    assert order.status is v1.OrderStatus.OTHER
    assert isinstance(order.planned_quantity.value, Decimal)
    assert str(order.planned_quantity.value) == "100.000"


def test_a_raw_value_too_long_for_its_sibling_reads_as_other_alone() -> None:
    raw = "x" * 65  # Code holds 64 characters
    text = _wire(_movement(), "json", lambda doc: doc.update(movement_type=raw))
    movement = codecs.decode(text, type=v1.MaterialMovement)
    assert (movement.movement_type, movement.movement_type_source_code) == (v1.MovementType.OTHER, None)


class _Closed(enum.StrEnum):
    A = "a"


class _Holder(msgspec.Struct):
    value: _Closed
    value_source_code: str | None = None


def test_an_enum_without_other_still_refuses_unknown_values() -> None:
    with pytest.raises(MfgcanonError) as caught:
        codecs.decode(b'{"value": "b"}', type=_Holder)
    assert (caught.value.code, caught.value.path) == ("invalid_value", "$.value")


def test_a_wrong_literal_is_still_refused() -> None:
    text = _wire(_released(_order()), "json", lambda doc: doc.update(specversion="2.0"))
    with pytest.raises(MfgcanonError) as caught:
        codecs.decode(text)
    assert (caught.value.code, caught.value.path) == ("invalid_value", "$.specversion")
