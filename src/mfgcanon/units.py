"""UN/CEFACT Recommendation 20 unit codes: the only units a canonical ``Quantity`` may carry.

The registry knows each unit's name, dimension and exact factor to the dimension's reference unit
(SI where there is one), so conversions inside one dimension are exact ``Decimal`` arithmetic. Units
whose size depends on the material (boxes, cartons, drums) have no factor: they convert only through a
material's own conversion factors (SAP MARM, the alternative units of measure).

Vendor unit spellings (SAP ``ST``, ``KG``, ``L``) are not accepted here: mappers translate them with
their alias tables in ``mappings/`` and keep the original in ``Quantity.source_uom``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Literal, Protocol

import msgspec

from mfgcanon.errors import UnitError
from mfgcanon.types import DECIMAL_MAX_ADJUSTED, DECIMAL_MIN_ADJUSTED

Dimension = Literal[
    "mass", "volume", "length", "area", "count", "time", "energy", "power", "temperature", "packaging",
]


class Unit(msgspec.Struct, frozen=True):
    """One Rec 20 unit: ``size`` is its exact size in the dimension's reference unit (``None``: no fixed size)."""

    code: str
    name: str
    dimension: Dimension
    size: str | None

    @property
    def factor(self) -> Fraction | None:
        """The size as an exact fraction (parsed on use: keeps ``import mfgcanon`` fast)."""
        return None if self.size is None else Fraction(self.size)


def _u(code: str, name: str, dimension: Dimension, size: str | None) -> Unit:
    return Unit(code=code, name=name, dimension=dimension, size=size)


# Factors from the definitions of the units (SI brochure, NIST SP 811 for US customary units).
_BUILTIN: tuple[Unit, ...] = (
    # mass, reference kilogram
    _u("KGM", "kilogram", "mass", "1"),
    _u("GRM", "gram", "mass", "0.001"),
    _u("MGM", "milligram", "mass", "0.000001"),
    _u("MC", "microgram", "mass", "0.000000001"),
    _u("TNE", "tonne (metric ton)", "mass", "1000"),
    _u("DTN", "decitonne", "mass", "100"),
    _u("LBR", "pound", "mass", "0.45359237"),
    _u("ONZ", "ounce (avoirdupois)", "mass", "0.028349523125"),
    _u("STN", "ton (US) or short ton", "mass", "907.18474"),
    _u("CTM", "carat (metric)", "mass", "0.0002"),
    # volume, reference cubic metre
    _u("MTQ", "cubic metre", "volume", "1"),
    _u("LTR", "litre", "volume", "0.001"),
    _u("MLT", "millilitre", "volume", "0.000001"),
    _u("CLT", "centilitre", "volume", "0.00001"),
    _u("DLT", "decilitre", "volume", "0.0001"),
    _u("HLT", "hectolitre", "volume", "0.1"),
    _u("CMQ", "cubic centimetre", "volume", "0.000001"),
    _u("DMQ", "cubic decimetre", "volume", "0.001"),
    _u("MMQ", "cubic millimetre", "volume", "0.000000001"),
    _u("GLL", "gallon (US)", "volume", "0.003785411784"),
    _u("GLI", "gallon (UK)", "volume", "0.00454609"),
    _u("QT", "quart (US)", "volume", "0.000946352946"),
    _u("PT", "pint (US)", "volume", "0.000473176473"),
    _u("OZA", "fluid ounce (US)", "volume", "0.0000295735295625"),
    _u("BLL", "barrel (US)", "volume", "0.158987294928"),
    _u("FTQ", "cubic foot", "volume", "0.028316846592"),
    _u("INQ", "cubic inch", "volume", "0.000016387064"),
    # length, reference metre
    _u("MTR", "metre", "length", "1"),
    _u("KMT", "kilometre", "length", "1000"),
    _u("DMT", "decimetre", "length", "0.1"),
    _u("CMT", "centimetre", "length", "0.01"),
    _u("MMT", "millimetre", "length", "0.001"),
    _u("4H", "micrometre (micron)", "length", "0.000001"),
    _u("INH", "inch", "length", "0.0254"),
    _u("FOT", "foot", "length", "0.3048"),
    _u("YRD", "yard", "length", "0.9144"),
    _u("SMI", "mile (statute mile)", "length", "1609.344"),
    # area, reference square metre
    _u("MTK", "square metre", "area", "1"),
    _u("DMK", "square decimetre", "area", "0.01"),
    _u("CMK", "square centimetre", "area", "0.0001"),
    _u("MMK", "square millimetre", "area", "0.000001"),
    _u("KMK", "square kilometre", "area", "1000000"),
    _u("HAR", "hectare", "area", "10000"),
    _u("INK", "square inch", "area", "0.00064516"),
    _u("FTK", "square foot", "area", "0.09290304"),
    _u("YDK", "square yard", "area", "0.83612736"),
    # count, reference one
    _u("H87", "piece", "count", "1"),
    _u("C62", "one (unit)", "count", "1"),
    _u("EA", "each", "count", "1"),
    _u("PR", "pair", "count", "2"),
    _u("DZN", "dozen", "count", "12"),
    _u("GRO", "gross", "count", "144"),
    _u("CEN", "hundred", "count", "100"),
    _u("MIL", "thousand", "count", "1000"),
    # time, reference second
    _u("SEC", "second", "time", "1"),
    _u("MIN", "minute", "time", "60"),
    _u("HUR", "hour", "time", "3600"),
    _u("DAY", "day", "time", "86400"),
    _u("WEE", "week", "time", "604800"),
    # energy, reference joule
    _u("JOU", "joule", "energy", "1"),
    _u("KJO", "kilojoule", "energy", "1000"),
    _u("3B", "megajoule", "energy", "1000000"),
    _u("WHR", "watt hour", "energy", "3600"),
    _u("KWH", "kilowatt hour", "energy", "3600000"),
    _u("MWH", "megawatt hour (1000 kW.h)", "energy", "3600000000"),
    # power, reference watt
    _u("WTT", "watt", "power", "1"),
    _u("KWT", "kilowatt", "power", "1000"),
    # temperature: affine scales, no multiplicative factor
    _u("CEL", "degree Celsius", "temperature", None),
    _u("FAH", "degree Fahrenheit", "temperature", None),
    _u("KEL", "kelvin", "temperature", None),
    # packaging: the size is the material's business (convert through Material.uom_conversions)
    _u("SET", "set", "packaging", None),
    _u("BX", "box", "packaging", None),
    _u("CT", "carton", "packaging", None),
    _u("PK", "pack", "packaging", None),
    _u("PA", "packet", "packaging", None),
    _u("BG", "bag", "packaging", None),
    _u("DR", "drum", "packaging", None),
    _u("CS", "case", "packaging", None),
    _u("PF", "pallet (lift)", "packaging", None),
    _u("RO", "roll", "packaging", None),
    _u("CA", "can", "packaging", None),
    _u("BO", "bottle", "packaging", None),
    _u("TU", "tube", "packaging", None),
)

_REGISTRY: dict[str, Unit] = {unit.code: unit for unit in _BUILTIN}
# A plain set kept in step with the registry: the model's per-quantity check is one set lookup.
KNOWN_CODES: set[str] = set(_REGISTRY)
TIME_CODES: set[str] = {unit.code for unit in _BUILTIN if unit.dimension == "time"}
"""The codes of the time dimension, kept in step with the registry: one set lookup per activity time."""
_CODE_SHAPE = re.compile(r"^[A-Z0-9]{2,3}$")


def get(code: str) -> Unit:
    """The unit for a Rec 20 code; an unknown code raises :class:`UnitError`."""
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnitError(f"unknown unit code {code!r}: not a registered UN/CEFACT Rec 20 code",
                        code="unknown_unit") from None


def is_known(code: str) -> bool:
    return code in KNOWN_CODES


def all_units() -> tuple[Unit, ...]:
    """Every registered unit, sorted by code (for docs and strategies)."""
    return tuple(sorted(_REGISTRY.values(), key=lambda unit: unit.code))


def register(code: str, name: str, dimension: Dimension, factor: str | Decimal | None) -> Unit:
    """Add a Rec 20 code the built-in table lacks (it must keep the Rec 20 shape: 2-3 of A-Z0-9)."""
    if not _CODE_SHAPE.match(code):
        raise UnitError(f"{code!r} is not shaped like a Rec 20 code (2-3 upper-case letters or digits)",
                        code="unknown_unit")
    if factor is not None:
        _check_operand(Decimal(str(factor)) if not isinstance(factor, Decimal) else factor, f"factor of {code}")
    existing = _REGISTRY.get(code)
    unit = Unit(code=code, name=name, dimension=dimension, size=None if factor is None else str(Fraction(str(factor))))
    if existing is not None and existing != unit:
        raise UnitError(f"unit {code!r} is already registered as {existing.name!r}", code="unknown_unit")
    _REGISTRY[code] = unit
    KNOWN_CODES.add(code)
    if dimension == "time":
        TIME_CODES.add(code)
    return unit


class ConversionSource(Protocol):
    """Anything that knows material-specific unit sizes (``mfgcanon.v1.Material`` does)."""

    @property
    def base_uom(self) -> str: ...

    def uom_factors(self) -> Mapping[str, Fraction]:
        """Alternative unit code -> how many base units one of it holds."""
        ...


def factor(from_uom: str, to_uom: str, material: ConversionSource | None = None) -> Fraction:
    """How many ``to_uom`` one ``from_uom`` is, exactly.

    Same-dimension units convert by their registry factors. Otherwise (or for packaging units) the
    material's base unit and alternative units bridge the gap; without one, the conversion is refused.
    """
    source, target = get(from_uom), get(to_uom)
    if from_uom == to_uom:
        return Fraction(1)
    direct = _generic_ratio(source, target)
    if direct is not None:
        return direct
    if material is None:
        raise UnitError(
            f"cannot convert {from_uom} ({source.dimension}) to {to_uom} ({target.dimension}) "
            "without a material's conversion factors", code="incompatible_units")
    _check_material(material)
    to_base_from = _to_base(source, material)
    to_base_to = _to_base(target, material)
    if to_base_from is None or to_base_to is None:
        missing = from_uom if to_base_from is None else to_uom
        raise UnitError(
            f"material has no conversion between {missing} and its base unit {material.base_uom}",
            code="incompatible_units")
    return to_base_from / to_base_to


def _generic_ratio(source: Unit, target: Unit) -> Fraction | None:
    source_size, target_size = source.factor, target.factor
    if source.dimension != target.dimension or source_size is None or target_size is None:
        return None
    return source_size / target_size


def _to_base(unit: Unit, material: ConversionSource) -> Fraction | None:
    """Base units per one ``unit``: direct, through a declared alternative unit, or via the dimension."""
    base = get(material.base_uom)
    if unit.code == base.code:
        return Fraction(1)
    declared = material.uom_factors()
    if unit.code in declared:
        return declared[unit.code]
    ratio = _generic_ratio(unit, base)
    if ratio is not None:
        return ratio
    for alt_code, base_per_alt in declared.items():
        bridge = _generic_ratio(unit, get(alt_code))
        if bridge is not None:
            return bridge * base_per_alt
    return None


# The most decimal places a conversion operand may carry (a canonical decimal has at most 38 digits in
# all). With the magnitude bound of mfgcanon.types this keeps every exact conversion to integers of a few
# hundred bits: no input can make a conversion slow or its result unwritable.
MAX_PLACES = 38


def _check_operand(value: Decimal, what: str) -> None:
    """A decimal entering a conversion: finite, in the canonical magnitude, at most MAX_PLACES places.

    Checked before ``Fraction(value)``, which would otherwise build ``10**exponent`` for any exponent.
    """
    if not isinstance(value, Decimal) or not value.is_finite():
        raise UnitError(f"cannot convert non-finite value {value}", code="inexact_conversion")
    if not value:
        return
    if not DECIMAL_MIN_ADJUSTED <= value.adjusted() <= DECIMAL_MAX_ADJUSTED:
        raise UnitError(f"{what} {value} is outside the canonical range (0, or 1E-9 up to 1E+29)",
                        code="decimal_out_of_range")
    if value.as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]  # finite: the exponent is an int
        raise UnitError(f"{what} {value} has more than {MAX_PLACES} decimal places", code="decimal_out_of_range")


def _check_material(material: ConversionSource) -> None:
    """Check a material's own factors before :meth:`uom_factors` turns them into fractions.

    ``mfgcanon.v1.Material`` holds them as ``uom_conversions`` (numerator / denominator decimals); other
    conversion sources are trusted to return reasonable fractions.
    """
    for conversion in getattr(material, "uom_conversions", None) or ():
        for what in ("numerator", "denominator"):
            number = getattr(conversion, what, None)
            if isinstance(number, Decimal):
                _check_operand(number, f"conversion {getattr(conversion, 'uom', '?')} {what}")


def to_decimal(value: Fraction, places: int | None = None) -> Decimal:
    """An exact Decimal for a fraction with a terminating expansion; otherwise round to ``places``.

    Without ``places`` a non-terminating result (kilograms to pounds) is refused rather than rounded
    silently: the caller decides how many places the business needs.
    """
    numerator, denominator = value.numerator, value.denominator
    twos = fives = 0
    rest = denominator
    while rest % 2 == 0:
        rest //= 2
        twos += 1
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest == 1:
        scale = max(twos, fives)
        digits = numerator * (10**scale) // denominator
        # the sign, digits and exponent as they are: scaleb() and quantize() would round to the context's 28 digits
        exact = Decimal((int(digits < 0), tuple(int(digit) for digit in str(abs(digits))), -scale))
        if places is None or scale <= places:  # no trailing zeros: `scale` is the number of places
            return exact
    if places is None:
        raise UnitError(f"{value} has no exact decimal form; pass places= to round it",
                        code="inexact_conversion")

    with localcontext() as ctx:
        ctx.prec = max(28, places + len(str(abs(numerator) // denominator)) + 2)
        return (Decimal(numerator) / Decimal(denominator)).quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def convert_value(
    value: Decimal, from_uom: str, to_uom: str, *, material: ConversionSource | None = None,
    places: int | None = None,
) -> Decimal:
    """Convert a decimal amount between units; exact unless ``places`` asks for rounding.

    The amount and the result must be canonical decimals (see :func:`_check_operand`); ``places`` is
    0 to :data:`MAX_PLACES`. Anything else is a :class:`UnitError`, never a slow or endless conversion.
    """
    _check_operand(value, "amount")
    if places is not None and (not isinstance(places, int) or isinstance(places, bool)
                               or not 0 <= places <= MAX_PLACES):
        raise UnitError(f"places must be an int from 0 to {MAX_PLACES}, got {places!r}", code="invalid_value")
    result = to_decimal(Fraction(value) * factor(from_uom, to_uom, material), places)
    if result and not DECIMAL_MIN_ADJUSTED <= result.adjusted() <= DECIMAL_MAX_ADJUSTED:
        raise UnitError(f"{value} {from_uom} is {result} {to_uom}: outside the canonical range (0, or 1E-9 up "
                        "to 1E+29); pick another unit", code="decimal_out_of_range")
    return result


def dimensions(codes: Iterable[str]) -> set[Dimension]:
    return {get(code).dimension for code in codes}
