"""Property and example tests for the SAP quirk parsers (ALPHA, numbers, dates, times, OData)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mfgcanon.errors import MappingError
from mfgcanon.mappers.sap import values


@given(st.integers(min_value=0, max_value=10**12 - 1), st.integers(min_value=12, max_value=18))
def test_alpha_pad_strip_round_trip(number: int, length: int) -> None:
    external = str(number)
    internal = values.alpha_out(external, length)
    assert len(internal) == length
    assert internal.isdigit()
    assert values.alpha_in(internal) == external


@given(st.text(alphabet="ABC-_x0123456789", min_size=1, max_size=20).filter(lambda s: not s.isdigit()))
def test_alpha_keeps_non_numeric_keys(key: str) -> None:
    assert values.alpha_in(key) == key.strip()
    assert values.alpha_out(key, 18) == key


def test_alpha_examples() -> None:
    assert values.alpha_in("000001000123") == "1000123"
    assert values.alpha_in("1895938") == "1895938"  # real LOIPRO05: AUFNR unpadded
    assert values.alpha_in("0000") == "0"
    assert values.alpha_out("1000123", 12) == "000001000123"
    assert values.alpha_out("FG-1000", 18) == "FG-1000"
    with pytest.raises(MappingError):
        values.alpha_out("1234567890123", 12)


@given(st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=3, allow_nan=False))
def test_trailing_minus_parse(value: Decimal) -> None:
    text = f"{abs(value):.3f}" + ("-" if value < 0 else "")
    assert values.parse_decimal(text) == value


def test_number_forms() -> None:
    assert values.parse_decimal("12.500-") == Decimal("-12.5")
    assert values.parse_decimal("1.2345000000000000E+02") == Decimal("123.45")
    assert values.parse_decimal("1.000000000000000E+01") == Decimal(10)
    assert values.parse_decimal("0.000000000000000E+00") == 0
    assert values.parse_decimal(" 1.000 ") == Decimal("1.000")
    for bad in ("", "abc", "1,5", "--1", "-1-", "1e", "NaN", "Infinity"):
        with pytest.raises(MappingError):
            values.parse_decimal(bad)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_date_round_trip(day: date) -> None:
    assert values.parse_date(day.strftime("%Y%m%d")) == day


@given(st.times().map(lambda t: t.replace(microsecond=0)))
def test_time_round_trip(moment: time) -> None:
    assert values.parse_time(moment.strftime("%H%M%S")) == (moment, 0)


def test_dates_and_times() -> None:
    assert values.parse_date("00000000") is None
    assert values.parse_date("") is None
    assert values.parse_time("240000") == (time(0), 1)
    berlin = ZoneInfo("Europe/Berlin")
    end = values.local_instant(date(2023, 12, 4), time(0), 1, berlin)
    assert end == datetime(2023, 12, 4, 23, 0, tzinfo=UTC)
    for bad in ("20231301", "2023120", "abcdefgh"):
        with pytest.raises(MappingError):
            values.parse_date(bad)
    for bad in ("246000", "12345", "250000"):
        with pytest.raises(MappingError):
            values.parse_time(bad)


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2400, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.sampled_from(["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "UTC"]),
)
def test_local_round_trip(naive: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    instant = naive.replace(tzinfo=UTC)
    day, moment = values.to_local(instant, zone)
    parsed = values.local_instant(values.parse_date(day) or date.min, *values.parse_time(moment), zone)
    # zoneinfo resolves the repeated hour of a DST fold to its first occurrence
    assert parsed == instant or abs(parsed - instant) == timedelta(hours=1)


def test_odata_dates_and_times() -> None:
    assert values.parse_odata_datetime("/Date(1700000000000)/") == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert values.parse_odata_datetime("/Date(1700000000000+0060)/") == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert values.parse_odata_date("/Date(1705363200000)/") == date(2024, 1, 16)
    assert values.parse_odata_time("PT08H30M00S") == (time(8, 30), 0)
    assert values.parse_odata_time("PT24H00M00S") == (time(0), 1)
    assert values.parse_odata_time("") is None
    for bad in ("/Date(abc)/", "2024-01-16", "/Date(1+99999)/"):
        with pytest.raises(MappingError):
            values.parse_odata_datetime(bad)
    for bad in ("PT", "08:30", "PT25H00M00S", "PT08H61M00S"):
        with pytest.raises(MappingError):
            values.parse_odata_time(bad)


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2999, 1, 1)))
def test_odata_date_round_trip(day: date) -> None:
    assert values.parse_odata_date(values.format_odata_date(day)) == day


def test_format_decimal_refuses_rounding() -> None:
    assert values.format_decimal(Decimal("12.5")) == "12.500"
    with pytest.raises(MappingError):
        values.format_decimal(Decimal("0.0001"))
