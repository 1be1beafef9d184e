"""The Rec 20 registry and exact conversions."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import mfgcanon.v1 as v1
from mfgcanon import errors, units
from mfgcanon.testing import strategies

from ._support import examples

CARTON_MATERIAL = v1.Material(material_id="CAN-330", base_uom="KGM", uom_conversions=[
    v1.UnitConversion(uom="CT", numerator=Decimal("12"), denominator=Decimal("1")),
    v1.UnitConversion(uom="PF", numerator=Decimal("960"), denominator=Decimal("2")),
])


def test_every_unit_has_a_dimension_and_a_name() -> None:
    registered = units.all_units()
    assert len(registered) == len(units.KNOWN_CODES) > 50
    for unit in registered:
        assert unit.name.strip(), unit.code
        assert unit.dimension in {"mass", "volume", "length", "area", "count", "time", "energy", "power",
                                  "temperature", "packaging"}
        assert units.get(unit.code) is unit
        assert units.is_known(unit.code)
        assert unit.factor is None or unit.factor > 0
        assert (unit.factor is None) == (unit.dimension in {"temperature", "packaging"}), unit.code


def test_exact_conversions() -> None:
    assert units.convert_value(Decimal(1), "LBR", "KGM") == Decimal("0.45359237")
    assert str(units.convert_value(Decimal(1), "LBR", "KGM")) == "0.45359237"
    assert units.convert_value(Decimal("2.5"), "HUR", "MIN") == Decimal(150)
    assert units.convert_value(Decimal(1), "GLL", "LTR") == Decimal("3.785411784")
    assert units.convert_value(Decimal(3), "DZN", "H87") == Decimal(36)
    assert units.factor("INH", "MMT") == Fraction(254, 10)


def test_inexact_conversion_needs_places() -> None:
    with pytest.raises(errors.UnitError) as caught:
        units.convert_value(Decimal(1), "KGM", "LBR")
    assert caught.value.code == "inexact_conversion"
    assert units.convert_value(Decimal(1), "KGM", "LBR", places=6) == Decimal("2.204623")
    assert v1.Quantity(value=Decimal(1), uom="KGM").to("LBR", places=3) == v1.Quantity(value=Decimal("2.205"),
                                                                                      uom="LBR")


@pytest.mark.parametrize(("source", "target"), [("KGM", "LTR"), ("HUR", "MTR"), ("CT", "KGM"), ("CEL", "FAH")])
def test_cross_dimension_is_refused(source: str, target: str) -> None:
    with pytest.raises(errors.UnitError) as caught:
        units.convert_value(Decimal(1), source, target)
    assert caught.value.code == "incompatible_units"


def test_unknown_code() -> None:
    for call in (lambda: units.get("ST"), lambda: units.convert_value(Decimal(1), "KG", "KGM"),
                 lambda: units.convert_value(Decimal(1), "KGM", "XX")):
        with pytest.raises(errors.UnitError) as caught:
            call()
        assert caught.value.code == "unknown_unit"


def test_material_specific_conversion() -> None:
    assert units.convert_value(Decimal(2), "CT", "KGM", material=CARTON_MATERIAL) == Decimal(24)
    assert v1.Quantity(value=Decimal(2), uom="CT").to("KGM", material=CARTON_MATERIAL) == v1.Quantity(
        value=Decimal(24), uom="KGM")
    # through the base unit to a unit of the same dimension, and between two alternative units
    assert units.convert_value(Decimal(2), "CT", "GRM", material=CARTON_MATERIAL) == Decimal(24000)
    assert units.convert_value(Decimal(1), "PF", "CT", material=CARTON_MATERIAL) == Decimal(40)
    assert units.convert_value(Decimal(48), "KGM", "CT", material=CARTON_MATERIAL) == Decimal(4)
    with pytest.raises(errors.UnitError) as caught:
        units.convert_value(Decimal(1), "BX", "KGM", material=CARTON_MATERIAL)
    assert caught.value.code == "incompatible_units"
    with pytest.raises(errors.UnitError) as caught:
        v1.Quantity(value=Decimal(1), uom="CT").to("KGM")
    assert caught.value.code == "incompatible_units"


def test_non_finite_values_do_not_convert() -> None:
    with pytest.raises(errors.UnitError):
        units.convert_value(Decimal("NaN"), "KGM", "GRM")


def _terminates(value: Fraction) -> bool:
    rest = value.denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    return rest == 1


def _canonical(value: Fraction) -> bool:
    """Zero, or a magnitude from 1E-9 up to (not including) 1E+29: what a canonical decimal may hold."""
    return value == 0 or Fraction(1, 10**9) <= abs(value) < 10**29


exact_units = st.sampled_from([unit.code for unit in units.all_units() if unit.factor is not None])


@examples(dev=200, ci=600)
@given(strategies.unsigned_decimals(), exact_units, exact_units)
def test_a_to_b_to_a_is_the_identity(value: Decimal, source: str, target: str) -> None:
    assume(units.get(source).dimension == units.get(target).dimension)
    exact = units.factor(source, target) * Fraction(value)
    assume(_terminates(exact))  # 1 KGM in LBR has no finite decimal form
    if not _canonical(exact):  # 1E+24 TNE in MGM: refused, not a canonical decimal any more
        with pytest.raises(errors.UnitError, match="decimal_out_of_range"):
            units.convert_value(value, source, target)
        return
    there = units.convert_value(value, source, target)
    back = units.convert_value(there, target, source)
    assert back == value
    assert Fraction(there) == Fraction(value) * units.factor(source, target)


@examples(dev=200, ci=500)
@given(strategies.unsigned_decimals(), st.sampled_from(["CT", "PF"]), st.sampled_from(["KGM", "GRM", "TNE", "CT"]))
def test_material_round_trip(value: Decimal, source: str, target: str) -> None:
    exact = Fraction(value) * units.factor(source, target, CARTON_MATERIAL)
    if not _canonical(exact):
        with pytest.raises(errors.UnitError, match="decimal_out_of_range"):
            units.convert_value(value, source, target, material=CARTON_MATERIAL)
        return
    there = units.convert_value(value, source, target, material=CARTON_MATERIAL)
    assert units.convert_value(there, target, source, material=CARTON_MATERIAL) == value


@examples(dev=100, ci=300)
@given(strategies.materials(), strategies.unsigned_decimals())
def test_generated_materials_convert_their_own_units(material: v1.Material, value: Decimal) -> None:
    for conversion in material.uom_conversions:
        expected = Fraction(value) * Fraction(conversion.numerator) / Fraction(conversion.denominator)
        if not _terminates(expected):
            with pytest.raises(errors.UnitError, match="inexact_conversion"):
                units.convert_value(value, conversion.uom, material.base_uom, material=material)
            continue
        if not _canonical(expected):
            with pytest.raises(errors.UnitError, match="decimal_out_of_range"):
                units.convert_value(value, conversion.uom, material.base_uom, material=material)
            continue
        got = units.convert_value(value, conversion.uom, material.base_uom, material=material)
        assert Fraction(got) == expected
