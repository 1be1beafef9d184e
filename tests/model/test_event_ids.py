"""Deterministic event ids (idempotency), subjects and partition keys."""

from __future__ import annotations

import pickle
import random
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mfgcanon.v1 as v1
from mfgcanon import errors
from mfgcanon import events as ev
from mfgcanon.testing import strategies

from ._support import examples

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _qty(value: str = "10", uom: str = "H87") -> v1.Quantity:
    return v1.Quantity(value=Decimal(value), uom=uom)


def _order(**changes: Any) -> v1.ProductionOrder:
    base = v1.ProductionOrder(
        order_id="1000123", plant="1710", status=v1.OrderStatus.RELEASED, material_id="FG-1",
        planned_quantity=_qty(),
        source=v1.SourceRef(system="S4H", document_type="IDOC:LOIPRO05", document_id="0000000000123456", line="1",
                            revision="3"))
    return msgspec.structs.replace(base, **changes)


def _source(**changes: Any) -> v1.SourceRef:
    order = _order()
    assert order.source is not None
    return msgspec.structs.replace(order.source, **changes)


def _id(data: Any, event_cls: Any = v1.ProductionOrderReleased, **kwargs: Any) -> Any:
    return v1.build_event(event_cls, data, time=kwargs.pop("time", T0), **kwargs).id


def test_same_document_same_id() -> None:
    first = v1.build_event(v1.ProductionOrderReleased, _order(), time=T0)
    again = v1.build_event(v1.ProductionOrderReleased, _order(), time=T0)
    assert first.id == again.id
    assert first.id == ev.event_id(first.idempotencykey)
    assert first.id.version == 5
    assert first.idempotencykey == "S4H|IDOC:LOIPRO05|0000000000123456|1|mfgcanon.production_order.released.v1|3"


def test_id_ignores_event_time_and_content_of_the_same_document_revision() -> None:
    base = _id(_order())
    assert _id(_order(), time=T0 + timedelta(days=3)) == base
    assert _id(_order(), time=T0.astimezone(timezone(timedelta(hours=5)))) == base
    assert _id(_order(planned_quantity=_qty("11"), status=v1.OrderStatus.IN_PROGRESS)) == base
    assert _id(_order(), recorded_at=T0, sequence="0001", correlation_id="c") == base


@pytest.mark.parametrize("change", [
    {"document_id": "0000000000123457"}, {"line": "2"}, {"line": None}, {"revision": "4"}, {"revision": None},
    {"document_type": "ODATA:A_ProductionOrder"}, {"system": "S4H-200"},
])
def test_other_document_line_revision_or_system_gives_another_id(change: dict[str, Any]) -> None:
    assert _id(_order(source=_source(**change))) != _id(_order())


def test_other_event_type_gives_another_id() -> None:
    ids = {_id(_order(), cls) for cls in (v1.ProductionOrderReleased, v1.ProductionOrderUpdated,
                                         v1.ProductionOrderCompleted, v1.ProductionOrderCancelled)}
    assert len(ids) == 4


def test_separator_in_keys_cannot_collide() -> None:
    """'a|b' + 'c' must not give the same key as 'a' + 'b|c'."""
    left = _order(source=_source(document_id="a|b", line="c"))
    right = _order(source=_source(document_id="a", line="b|c"))
    assert _id(left) != _id(right)


def test_content_digest_fallback() -> None:
    no_doc = _order(source=v1.SourceRef(system="S4H"))
    assert _id(no_doc) == _id(_order(source=v1.SourceRef(system="S4H")))
    assert _id(no_doc) == _id(no_doc, time=T0 + timedelta(hours=1))
    assert _id(no_doc) != _id(_order(source=v1.SourceRef(system="S4H"), planned_quantity=_qty("11")))
    # the same amount written with other digits is other content
    assert _id(no_doc) != _id(_order(source=v1.SourceRef(system="S4H"), planned_quantity=_qty("10.0")))
    no_source = _order(source=None)
    assert _id(no_source, source_system="MES") == _id(_order(source=None), source_system="MES")
    assert "|content|" in v1.build_event(v1.ProductionOrderReleased, no_source, source_system="MES").idempotencykey


@examples(dev=50, ci=100)
@given(strategies.production_orders(), strategies.production_orders())
def test_content_digest_is_a_function_of_content(first: v1.ProductionOrder, second: v1.ProductionOrder) -> None:
    a, b = (msgspec.structs.replace(order, source=None) for order in (first, second))
    id_a, id_b = _id(a, source_system="S"), _id(b, source_system="S")
    assert (id_a == id_b) == (msgspec.json.encode(a, order="sorted") == msgspec.json.encode(b, order="sorted"))
    assert _id(msgspec.json.decode(msgspec.json.encode(a), type=v1.ProductionOrder), source_system="S") == id_a


def test_no_source_system_is_an_error() -> None:
    with pytest.raises(errors.EventError) as caught:
        v1.build_event(v1.ProductionOrderReleased, _order(source=None), time=T0)
    assert caught.value.code == "missing_identity"
    assert caught.value.path == "$.data.source.system"


def test_wrong_entity_for_the_event_type() -> None:
    with pytest.raises(errors.EventError) as caught:
        v1.build_event(v1.MaterialUpserted, _order(), time=T0)
    assert caught.value.code == "constraint_violation"


def test_order_scoped_subjects_and_partition_keys() -> None:
    event = v1.build_event(v1.ProductionOrderReleased, _order(), time=T0)
    assert (event.subject, event.partitionkey) == ("production-order/1710/1000123", "1710|1000123")
    assert event.source == "urn:mfgcanon:S4H:1710"
    assert msgspec.to_builtins(event)["type"] == "mfgcanon.production_order.released.v1"


def test_confirmation_subject_names_the_operation() -> None:
    confirmation = v1.ProductionConfirmation(confirmation_id="1234/5", order_id="1000123", operation_id="0010",
                                             plant="1710", yield_quantity=_qty(),
                                             source=v1.SourceRef(system="S4H", document_id="9"))
    event = v1.build_event(v1.ProductionConfirmed, confirmation, time=T0)
    assert event.subject == "production-order/1710/1000123/op/0010"
    assert event.partitionkey == "1710|1000123"  # same key as the order: per-order ordering
    order_level = msgspec.structs.replace(confirmation, operation_id=None)
    assert v1.build_event(v1.ProductionConfirmed, order_level, time=T0).subject == "production-order/1710/1000123"


def _movement(kind: v1.MovementType, **changes: Any) -> v1.MaterialMovement:
    base = v1.MaterialMovement(movement_id="4900000123/2026/1", movement_type=kind, plant="1710",
                               material_id="RM-1", lot_id="L-7", quantity=_qty("5", "KGM"), occurred_at=T0,
                               source=v1.SourceRef(system="S4H", document_id="4900000123"))
    return msgspec.structs.replace(base, **changes)


def test_lot_scoped_subjects_and_partition_keys() -> None:
    receipt = v1.movement_event(_movement(v1.MovementType.GOODS_RECEIPT))
    assert isinstance(receipt, v1.InventoryReceived)
    assert (receipt.subject, receipt.partitionkey) == ("lot/RM-1/L-7", "RM-1|L-7")
    issue = v1.movement_event(_movement(v1.MovementType.GOODS_ISSUE, order_id="1000123"))
    assert isinstance(issue, v1.MaterialIssued)
    assert (issue.subject, issue.partitionkey) == ("production-order/1710/1000123", "1710|1000123")
    lot = v1.MaterialLot(lot_id="L-7", material_id="RM-1", source=v1.SourceRef(system="S4H", document_id="b"))
    upserted = v1.build_event(v1.LotUpserted, lot, time=T0)
    assert (upserted.subject, upserted.partitionkey) == ("lot/RM-1/L-7", "RM-1|L-7")
    material = v1.Material(material_id="RM-1", base_uom="KGM", source=v1.SourceRef(system="S4H", document_id="m"))
    assert v1.build_event(v1.MaterialUpserted, material, time=T0).subject == "material/RM-1"


def test_hold_events_are_lot_scoped() -> None:
    hold = v1.Nonconformance(nonconformance_id="NC1", category=v1.NonconformanceKind.HOLD, plant="1710",
                             affected=v1.InspectedItem(material_id="RM-1", lot_id="L-7"),
                             hold=v1.QualityHold(is_active=True, placed_at=T0),
                             source=v1.SourceRef(system="QMS", document_id="NC1"))
    placed = v1.hold_event(hold)
    assert isinstance(placed, v1.QualityHoldPlaced)
    assert (placed.subject, placed.partitionkey) == ("lot/RM-1/L-7", "RM-1|L-7")
    released = v1.hold_event(msgspec.structs.replace(
        hold, hold=v1.QualityHold(is_active=False, placed_at=T0, released_at=T0 + timedelta(hours=2))))
    assert isinstance(released, v1.QualityHoldReleased)
    assert released.id != placed.id
    assert released.time == T0 + timedelta(hours=2)


def test_slashes_and_percent_in_keys_are_percent_encoded() -> None:
    order = _order(plant="17/10", order_id="100%/2")
    event = v1.build_event(v1.ProductionOrderReleased, order, time=T0)
    assert event.subject == "production-order/17%2F10/100%25%2F2"
    assert event.subject.count("/") == 2
    assert event.partitionkey == "17/10|100%/2"


@examples(dev=100, ci=200)
@given(strategies.events())
def test_subject_segments_decode_back_to_the_keys(event: Any) -> None:
    from urllib.parse import unquote

    head, *segments = event.subject.split("/")
    data = event.data
    company = getattr(data, "company_id", None)
    if head == "company":  # scoped by the legal entity: `company/{company}/...`
        assert company is not None
        assert unquote(segments[0]) == company
        head, *segments = segments[1:]
        assert event.partitionkey.startswith(f"{company}|")
    else:
        assert company is None
    assert head in {"production-order", "lot", "material", "inspection", "nonconformance", "shipment", "work-center",
                    "posting", "equipment"}
    if head == "production-order":
        keys = [unquote(part) for part in segments[:3]]
        expected_plant = getattr(data, "plant", None)
        if company is None or expected_plant:
            assert keys[0] == expected_plant
        if company is not None:
            assert event.partitionkey.endswith(f"|{keys[1] if expected_plant else keys[0]}")
    if head == "work-center":
        assert [unquote(part) for part in segments] == [data.plant, data.work_center_id]
    if head == "lot" and isinstance(data, v1.MaterialLot):
        assert [unquote(part) for part in segments] == [data.material_id, data.lot_id]
    if head == "material":
        assert len(segments) == 1
    assert event.id == ev.event_id(event.idempotencykey)


def test_long_keys_still_make_valid_events() -> None:
    """Each key may be 255 characters; the composed subject and keys are longer and must still decode."""
    from mfgcanon import codecs

    order = _order(order_id="é" * 255, plant="P" * 255, source=_source(document_id="D" * 400))
    event = v1.build_event(v1.ProductionOrderReleased, order, time=T0)
    assert len(event.subject) > 255
    assert len(event.idempotencykey) > 255
    assert codecs.decode(codecs.encode(event)) == event


def _same_uuid(got: uuid.UUID, expected: uuid.UUID) -> None:
    """Equal in every way a consumer can see: value, type, hash, text, safety flag, pickled state."""
    assert type(got) is uuid.UUID
    assert got == expected
    assert (got.int, got.version, got.variant, got.is_safe) == (expected.int, 5, uuid.RFC_4122, expected.is_safe)
    assert (str(got), repr(got), hash(got), got.__getstate__()) == (
        str(expected), repr(expected), hash(expected), expected.__getstate__())
    assert pickle.dumps(got) == pickle.dumps(expected)


@given(st.text())
def test_event_id_is_uuid5_of_the_key(key: str) -> None:
    """event_id hashes from a copy of the namespace-fed SHA-1 and skips UUID.__init__: still uuid.uuid5."""
    _same_uuid(ev.event_id(key), uuid.uuid5(ev.NAMESPACE, key))


def test_event_id_is_uuid5_over_many_keys() -> None:
    """Every key length across several SHA-1 blocks, ASCII and multi-byte, and thousands of random keys."""
    rng = random.Random(20260301)
    alphabet = "abcXYZ019|%/:-_. \u00e9\u00fc\u20ac\u4e2d\U0001d11e"
    keys = ["", *("k" * n for n in range(300)), *("\u00e9" * n for n in range(100))]
    keys += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(400))) for _ in range(5000)]
    keys += [ev.idempotency_key(system="S4H", document_type="IDOC:MBGMCR03", document_id=str(n), line=str(n % 7),
                                event_type="mfgcanon.material.issued.v1", revision=None) for n in range(2000)]
    for key in keys:
        _same_uuid(ev.event_id(key), uuid.uuid5(ev.NAMESPACE, key))


_KEY_PARTS = st.text(alphabet=st.sampled_from("ab|%7C-D2"), max_size=6)
_KEY_TUPLES = st.tuples(_KEY_PARTS, st.none() | _KEY_PARTS, _KEY_PARTS, st.none() | _KEY_PARTS, _KEY_PARTS,
                        st.none() | _KEY_PARTS)


def _key(parts: tuple[Any, ...]) -> str:
    names = ("system", "document_type", "document_id", "line", "event_type", "revision")
    return ev.idempotency_key(**dict(zip(names, parts, strict=True)))


def _recipe(parts: tuple[Any, ...]) -> str:
    """The documented encoding, written the slow way: every part escaped, absent optional parts as '-'."""
    out = []
    for index, part in enumerate(parts):
        optional = index in (1, 3, 5)
        if part is None:
            out.append("-")
        elif optional and part == "-":
            out.append("%2D")
        else:
            out.append(part.replace("%", "%25").replace("|", "%7C"))
    return "|".join(out)


@given(_KEY_TUPLES)
def test_idempotency_key_follows_the_recipe(parts: tuple[Any, ...]) -> None:
    """The unescaped fast path and the escaping one give the recipe's key."""
    assert _key(parts) == _recipe(parts)


@given(_KEY_TUPLES, _KEY_TUPLES)
def test_distinct_documents_get_distinct_keys(first: tuple[Any, ...], second: tuple[Any, ...]) -> None:
    """Injective: 'A|X' and 'A%7CX', an absent part and '-', an absent part and '' are all told apart."""
    if first != second:
        assert _key(first) != _key(second)


def test_keys_that_used_to_collide_differ_and_plain_keys_keep_their_old_form() -> None:
    base = ("S4H", "IDOC:LOIPRO05", "A|X", "1", "mfgcanon.production_order.released.v1", "3")
    assert _key(base) != _key((*base[:2], "A%7CX", *base[3:]))
    assert _key((*base[:3], None, *base[4:])) != _key((*base[:3], "-", *base[4:]))
    assert _key((*base[:3], None, *base[4:])) != _key((*base[:3], "", *base[4:]))
    plain = ("S4H", "IDOC:LOIPRO05", "0000000000123456", "1", "mfgcanon.production_order.released.v1", "3")
    assert _key(plain) == "|".join(plain)  # unchanged since 0.1: the ids consumers already stored still match
    assert _key(("S4H", None, "42", None, "t", None)) == "S4H|-|42|-|t|-"


@given(st.text(alphabet=st.sampled_from("ab%/:2FA5"), max_size=8))
def test_segment_escapes_percent_slash_and_colon(value: str) -> None:
    assert ev.segment(value) == value.replace("%", "%25").replace("/", "%2F").replace(":", "%3A")
