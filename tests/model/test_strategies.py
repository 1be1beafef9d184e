"""The strategies themselves: every value they draw is valid, and they reach the corners that matter."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import find as _find
from hypothesis import strategies as st

import mfgcanon.v1 as v1
from mfgcanon import codecs, units
from mfgcanon.testing import strategies

from ._support import examples, leaves, strings

MAX_PLACES, MAX_INTEGER_DIGITS = 9, 29


def _fits_avro(number: Decimal) -> bool:
    _sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    places = max(0, -exponent)
    integer_digits = max(0, len(digits) + exponent)
    return places <= MAX_PLACES and integer_digits <= MAX_INTEGER_DIGITS


@examples(dev=100, ci=300)
@given(data=st.data())
def test_every_value_type_draws_valid_values(value_type: type, data: st.DataObject) -> None:
    """Value objects and lines here; entities and events are validated by the round-trip tests."""
    value = data.draw(strategies.for_type(value_type))
    assert type(value) is value_type
    assert codecs.validate(value) == value


@given(data=st.data())
def test_every_enum_draws_members(enum_type: type, data: st.DataObject) -> None:
    assert isinstance(data.draw(strategies.for_type(enum_type)), enum_type)


@examples(dev=150, ci=300)
@given(strategies.entities())
def test_entities_are_valid_entities(entity: Any) -> None:
    assert isinstance(entity, v1.ENTITY_TYPES)
    assert codecs.validate(entity) == entity


@examples(dev=150, ci=300)
@given(strategies.events())
def test_events_are_valid_events(event: Any) -> None:
    assert isinstance(event, v1.EVENT_TYPES)
    assert codecs.validate(event) == event
    assert event.time.utcoffset() == timedelta(0)
    assert event.recordedtime is None or event.recordedtime >= event.time


@examples(dev=100, ci=300)
@given(strategies.events())
def test_decimals_fit_avro_and_instants_are_aware(event: Any) -> None:
    for path, leaf in leaves(event):
        if isinstance(leaf, Decimal):
            assert leaf.is_finite(), path
            assert _fits_avro(leaf), (path, leaf)
            if path.endswith((".value", "numerator", "denominator")):
                assert not leaf.is_signed(), (path, leaf)
        else:
            assert leaf.utcoffset() is not None, path


@examples(dev=100, ci=300)
@given(strategies.entities())
def test_identifiers_are_short_enough_and_nonempty(entity: Any) -> None:
    for path, text in strings(entity):
        # SourceRef's document_id/line/revision are free text (str | None), not Identifiers
        if path.endswith(("_id", ".plant")) and ".source." not in path:
            assert 1 <= len(text) <= 255, path


@given(strategies.quantities("time"))
def test_time_quantities_use_time_units(quantity: v1.Quantity) -> None:
    assert units.get(quantity.uom).dimension == "time"


@given(strategies.unsigned_decimals())
def test_unsigned_decimals(number: Decimal) -> None:
    assert number.is_finite()
    assert not number.is_signed()
    assert _fits_avro(number)


@given(strategies.signed_decimals())
def test_signed_decimals(number: Decimal) -> None:
    assert number.is_finite()
    assert _fits_avro(number)


def test_strategies_reach_the_corners() -> None:
    """The interesting values are actually generated (a strategy that lost them would test less)."""
    quick = settings(max_examples=1000, phases=[Phase.generate], database=None)

    def find(strategy: st.SearchStrategy[Any], condition: Any) -> None:
        _find(strategy, condition, settings=quick)

    find(strategies.unsigned_decimals(), lambda d: d.as_tuple().exponent > 0)  # 1E+3 form
    find(strategies.unsigned_decimals(), lambda d: d.as_tuple().exponent == -9 and d != 0)
    find(strategies.unsigned_decimals(), lambda d: len(d.as_tuple().digits) > 30)
    find(strategies.signed_decimals(), lambda d: d < 0)
    find(strategies.instants(), lambda moment: moment.utcoffset() not in (None, timedelta(0)))
    find(strategies.instants(), lambda moment: moment.tzinfo is UTC)
    find(strategies.identifiers(), lambda text: len(text) == 255)
    find(strategies.identifiers(), lambda text: "/" in text)
    find(strategies.nonconformances(), lambda nc: nc.category is v1.NonconformanceKind.HOLD)
    find(strategies.properties(), lambda prop: prop.data_type is v1.PropertyType.DATETIME and prop.value)
    find(strategies.materials(), lambda material: len(material.uom_conversions) >= 2)
    find(strategies.events(), lambda event: isinstance(event, v1.QualityHoldReleased))


@pytest.mark.parametrize("event_cls", [v1.QualityHoldPlaced, v1.QualityHoldReleased])
@examples(dev=50, ci=150)
@given(data=st.data())
def test_hold_events_carry_matching_holds(event_cls: type[v1.CloudEvent], data: st.DataObject) -> None:
    event = data.draw(strategies.for_type(event_cls))
    assert event.data.category is v1.NonconformanceKind.HOLD
    assert event.data.hold is not None
    assert event.data.hold.is_active is (event_cls is v1.QualityHoldPlaced)


@pytest.mark.parametrize("event_cls", [v1.MaterialIssued, v1.MaterialScrapped, v1.InventoryReceived,
                                       v1.InventoryMoved])
@examples(dev=50, ci=150)
@given(data=st.data())
def test_movement_events_carry_matching_movements(event_cls: Any, data: st.DataObject) -> None:
    event = data.draw(strategies.for_type(event_cls))
    assert event.data.movement_type in event_cls.ALLOWED


def test_for_type_refuses_abstract_envelopes() -> None:
    with pytest.raises(TypeError, match="concrete event type"):
        strategies.for_type(v1.CloudEvent)


def test_for_type_accepts_unions() -> None:
    _find(strategies.for_type(v1.AnyEntity), lambda entity: isinstance(entity, v1.GenealogyLink),
          settings=settings(max_examples=500, phases=[Phase.generate], database=None))
