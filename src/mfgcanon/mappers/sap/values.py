"""Pure parsers and writers for SAP's data conventions, shared by the IDoc and OData mappers.

Each function does one quirk and raises :class:`~mfgcanon.errors.MappingError` (never a dependency's
exception) so callers can turn a bad value into a reject that names the field:

* ALPHA conversion: numeric keys are left-padded with zeros inside SAP (``000001000123``) and shown
  without them; :func:`alpha_in` strips, :func:`alpha_out` pads per target field length.
* numbers: ``1.000``, FLTP ``1.000000000000000E+01``, trailing minus ``12.500-``.
* dates and times: ``YYYYMMDD`` (``00000000`` = no date), ``HHMMSS`` (``240000`` = end of day), both
  local to the plant; OData ``/Date(ms)/``, ``/Date(ms+0060)/`` and ``PT08H30M00S``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from mfgcanon.errors import MappingError
from mfgcanon.mappers.helpers import MAX_INTEGER_DIGITS, check_range, normalize_float

__all__ = ["MAX_INTEGER_DIGITS", "check_range", "normalize_float"]  # the shared helpers, re-exported for SAP code

_V = TypeVar("_V")

_NUMBER = re.compile(r"^\s*([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?\s*(-?)\s*$")
_ODATA_DATE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{4}))?\)/$")
_ODATA_TIME = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")


def alpha_in(value: str) -> str:
    """External form of a key: an all-digit value loses its leading zeros (``000001000123`` -> ``1000123``).

    All zeros stay ``0``; values with any non-digit are kept verbatim (apart from surrounding blanks).
    """
    text = value.strip()
    if text.isascii() and text.isdigit():
        return text.lstrip("0") or "0"
    return text


def alpha_out(value: str, length: int | None) -> str:
    """Internal form of a key for a padded channel: all-digit values are left-padded to ``length``."""
    if length is None or not (value.isascii() and value.isdigit()):
        return value
    if len(value) > length:
        raise MappingError(f"key {value!r} is longer than the field's {length} characters", code="unmappable_value")
    return value.rjust(length, "0")


def parse_decimal(text: str, *, field: str | None = None) -> Decimal:
    """An SAP number: plain (``1.000``), FLTP exponent form, or a trailing minus (``12.500-``).

    Exact whatever the caller's :mod:`decimal` context: the value is read from its digits and only moved
    (sign, exponent), never rounded.
    """
    plain = _plain_decimal(text)
    if plain is not None:
        return plain
    match = _NUMBER.match(text)
    if match is None:
        raise MappingError(f"{text!r} is not a number", code="invalid_value", path=field)
    lead, digits, exponent, trail = match.groups()
    if lead and trail:
        raise MappingError(f"{text!r} has two signs", code="invalid_value", path=field)
    try:
        number = Decimal(digits if exponent is None else f"{digits}E{exponent}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise MappingError(f"{text!r} is not a number", code="invalid_value", path=field) from None
    check_range(number, text, field)
    if exponent is not None:
        number = normalize_float(number)
    return number.copy_negate() if (lead == "-" or trail == "-") and number else number


@functools.lru_cache(maxsize=8192)
def _plain_decimal(text: str) -> Decimal | None:
    """The common case, plain digits with at most one point, else None. Cached: documents repeat the same
    quantities, and a Decimal read from text is immutable and exact whatever the decimal context."""
    if text.isascii() and text.replace(".", "", 1).isdigit() and len(text) <= MAX_INTEGER_DIGITS:
        return Decimal(text)
    return None


def with_places(value: Decimal, places: int) -> Decimal | None:
    """``value`` written with exactly ``places`` decimals, or None when that would drop a non-zero digit.

    Built from the digits, so exact whatever the caller's decimal context (``quantize`` is not)."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        return None
    if exponent >= -places:
        return Decimal((sign, digits + (0,) * (exponent + places), -places))
    cut = -places - exponent
    if any(digits[-cut:]):
        return None
    return Decimal((sign, digits[:-cut] or (0,), -places))


def format_decimal(value: Decimal, places: int | None = 3) -> str:
    """A QUAN-style number for IDocs: fixed point; refuses values that would lose digits."""
    if places is None:
        return format(normalize_float(value), "f")
    fixed = with_places(value, places)
    if fixed is None:
        raise MappingError(
            f"{value} has more than {places} decimal places; SAP would round it", code="unmappable_value"
        )
    return format(fixed, "f")


def parse_date(text: str | None, *, field: str | None = None) -> date | None:
    """``YYYYMMDD``; empty, blank or ``00000000`` is no date."""
    if text is None:
        return None
    try:
        return _date_cached(text)
    except MappingError as exc:
        raise MappingError(exc.message, code=exc.code, path=field) from None


@functools.lru_cache(maxsize=4096)
def _date_cached(text: str) -> date | None:
    value = text.strip()
    if not value or value.strip("0") == "":
        return None
    if len(value) != 8 or not value.isdigit():
        raise MappingError(f"{text!r} is not a date in YYYYMMDD form", code="invalid_value")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise MappingError(f"{text!r} is not a valid calendar date", code="invalid_value") from None


def parse_time(text: str | None, *, field: str | None = None) -> tuple[time, int]:
    """``HHMMSS`` as (time, extra days): ``240000`` is end of day, i.e. 00:00 of the next day."""
    if text is None or not text.strip():
        return time(0), 0
    try:
        return _time_cached(text)
    except MappingError as exc:
        raise MappingError(exc.message, code=exc.code, path=field) from None


@functools.lru_cache(maxsize=4096)
def _time_cached(text: str) -> tuple[time, int]:
    value = text.strip()
    if len(value) != 6 or not value.isdigit():
        raise MappingError(f"{text!r} is not a time in HHMMSS form", code="invalid_value")
    if value == "240000":
        return time(0), 1
    hour, minute, second = int(value[:2]), int(value[2:4]), int(value[4:])
    if hour > 23 or minute > 59 or second > 59:
        raise MappingError(f"{text!r} is not a valid time of day", code="invalid_value")
    return time(hour, minute, second), 0


@functools.lru_cache(maxsize=8192)
def local_instant(day: date, moment: time, extra_days: int, zone: tzinfo) -> datetime:
    """A plant-local date and time as a UTC instant (DST gaps/folds resolved by zoneinfo's fold=0).

    Cached: an IDoc repeats the same few dates and times in many segments (datetimes are immutable).
    """
    try:
        naive = datetime.combine(day + timedelta(days=extra_days), moment)
        return naive.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:  # 9999-12-31 24:00, or a local time whose UTC instant falls outside years 1-9999
        raise MappingError(
            f"{day.isoformat()} {moment.isoformat()}{' + 1 day' if extra_days else ''} in {zone} is out of range "
            "(its UTC instant is before year 1 or after year 9999)",
            code="invalid_value",
        ) from None


@functools.lru_cache(maxsize=8192)
def plant_instant(day: str, moment: str | None, zone: tzinfo) -> datetime | None:
    """:func:`parse_date`, :func:`parse_time` and :func:`local_instant` in one cached step: None for no
    date; a bad date or time raises their error (without a field path: re-read the fields to name it)."""
    found = parse_date(day)
    if found is None:
        return None
    clock, extra = parse_time(moment)
    return local_instant(found, clock, extra, zone)


def to_local(instant: datetime, zone: tzinfo) -> tuple[str, str]:
    """A UTC instant as plant-local ``(YYYYMMDD, HHMMSS)`` for IDoc output (never ``240000``)."""
    try:
        local = instant.astimezone(zone)
    except OverflowError:
        raise MappingError(f"{instant.isoformat()} is out of range in {zone}", code="unmappable_value") from None
    return local.strftime("%Y%m%d"), local.strftime("%H%M%S")


def _through_cache(text: str | None, field: str | None, what: str, parse: Callable[[str], _V]) -> _V | None:
    """Empty is None; anything else goes through a cached parser, whose errors get the field's path."""
    if text is None or text == "":
        return None
    if not isinstance(text, str):
        raise MappingError(f"{text!r} is not {what}", code="invalid_value", path=field)
    try:
        return parse(text)
    except MappingError as exc:
        raise MappingError(exc.message, code=exc.code, path=field) from None


def parse_odata_datetime(text: str | None, *, field: str | None = None) -> datetime | None:
    """``/Date(ms)/`` (UTC) or ``/Date(ms+0060)/`` (offset in minutes) as an aware datetime."""
    return _through_cache(text, field, "an OData date", _odata_datetime_cached)


@functools.lru_cache(maxsize=4096)
def _odata_datetime_cached(text: str) -> datetime:
    match = _ODATA_DATE.match(text.strip())
    if match is None:
        raise MappingError(f"{text!r} is not an OData V2 date (/Date(ms)/)", code="invalid_value")
    millis, sign, offset = match.groups()
    try:
        instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(millis))
    except OverflowError:
        raise MappingError(f"{text!r} is out of range", code="invalid_value") from None
    if sign:
        minutes = int(offset)
        if minutes >= 24 * 60:
            raise MappingError(f"{text!r} has an offset beyond a day", code="invalid_value")
        # The ms value is UTC; the suffix only says which offset the producer displayed it in.
        return instant
    return instant


_SAP_TIMESTAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,7}))?$")


def parse_sap_timestamp(text: object, *, field: str | None = None) -> datetime | None:
    """A UTC time stamp as S/4HANA sends it: ``/Date(ms)/``, ``/Date(ms+0060)/``, the packed
    ``YYYYMMDDhhmmss[.fffffff]`` (TZNTSTMPS/L, always UTC) or ISO 8601 with an offset; empty or all
    zeros is none."""
    if text is None or text == "":
        return None
    if type(text) is int:  # a packed DEC time stamp sent as a JSON number
        text = str(text)
    if not isinstance(text, str):
        raise MappingError(f"{text!r} is not a time stamp", code="invalid_value", path=field)
    value = text.strip()
    if not value or value.strip("0.") == "":
        return None
    if value.startswith("/Date("):
        return parse_odata_datetime(value, field=field)
    match = _SAP_TIMESTAMP.match(value)
    try:
        if match is not None:
            year, month, day, hour, minute, second, fraction = match.groups()
            micros = int((fraction or "0").ljust(6, "0")[:6])
            return datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tzinfo=UTC
            )
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MappingError(f"{text!r} is not a valid time stamp", code="invalid_value", path=field) from None
    if parsed.tzinfo is None:
        raise MappingError(f"{text!r} has no UTC offset", code="invalid_value", path=field)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise MappingError(
            f"{text!r} is out of range (its UTC instant is after year 9999 or before year 1)",
            code="invalid_value",
            path=field,
        ) from None


def parse_odata_date(text: str | None, *, field: str | None = None) -> date | None:
    """An ``Edm.DateTime`` date-only field: UTC midnight encodes a local calendar date; never shift it."""
    instant = parse_odata_datetime(text, field=field)
    return None if instant is None else instant.date()


def parse_odata_time(text: str | None, *, field: str | None = None) -> tuple[time, int] | None:
    """``PT08H30M00S`` as (time, extra days); ``PT24H00M00S`` is end of day; empty -> None."""
    return _through_cache(text, field, "an OData time", _odata_time_cached)


@functools.lru_cache(maxsize=4096)
def _odata_time_cached(text: str) -> tuple[time, int]:
    match = _ODATA_TIME.match(text.strip())
    if match is None or text.strip() == "PT":
        raise MappingError(f"{text!r} is not an OData Edm.Time (PT08H30M00S)", code="invalid_value")
    hours = int(match[1] or 0)
    minutes = int(match[2] or 0)
    seconds = Decimal(match[3] or 0)
    total = hours * 3600 + minutes * 60 + int(seconds)
    if minutes > 59 or seconds >= 60 or total > 24 * 3600:
        raise MappingError(f"{text!r} is not a time of day", code="invalid_value")
    if total == 24 * 3600:
        return time(0), 1
    return time(total // 3600, total % 3600 // 60, total % 60), 0


def format_odata_date(day: date) -> str:
    """A local calendar date as ``/Date(ms)/`` at UTC midnight (SAP's Edm.DateTime convention)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    millis = (datetime.combine(day, time(0), tzinfo=UTC) - epoch) // timedelta(milliseconds=1)
    return f"/Date({millis})/"


def format_odata_time(moment: time) -> str:
    return f"PT{moment.hour:02d}H{moment.minute:02d}M{moment.second:02d}S"


def is_flag(text: str | None) -> bool:
    """SAP boolean: ``X`` is true; empty or absent is false."""
    return text is not None and text.strip().upper() == "X"
