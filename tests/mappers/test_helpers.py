"""mfgcanon.mappers.helpers: the shared pieces every mapper uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from mfgcanon.errors import MappingError, MfgcanonError
from mfgcanon.mappers import MappingContext, MappingResult
from mfgcanon.mappers import helpers as h
from mfgcanon.mappers.sap import values
from mfgcanon.v1 import Material, MaterialUpserted, Quantity

CTX = MappingContext.build(source_system="X", plants={"M1": "America/Chicago"}, units={"BOX": "CT"})


def test_decode_json_keeps_every_digit() -> None:
    data = h.decode_json(b'{"q": 12.50, "n": 3, "big": 0.10000000000000000000001}')
    assert data == {"q": Decimal("12.50"), "n": 3, "big": Decimal("0.10000000000000000000001")}
    assert str(data["q"]) == "12.50"
    with pytest.raises(MappingError) as info:
        h.decode_json(b"{")
    assert info.value.code == "malformed_payload"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("1.50"), "1.50"), (7, "7"), ("-2.5", "-2.5"), ("1.5E-3", "0.0015"), ("1E+3", "1000"), (0.1, "0.1")],
)
def test_decimal_of(value: object, expected: str) -> None:
    assert str(h.decimal_of(value)) == expected


@pytest.mark.parametrize("value", [True, None, "abc", " 1", "NaN", "Infinity", "1E+40", [1]])
def test_decimal_of_refuses(value: object) -> None:
    with pytest.raises(MappingError) as info:
        h.decimal_of(value, path="/q")
    assert (info.value.code, info.value.path) == ("invalid_value", "/q")


def test_signed_quantity() -> None:
    assert h.signed_quantity(Decimal("-5.0"), "BOX", CTX) == ("out", Quantity(value=Decimal("5.0"), uom="CT",
                                                                                  source_uom="BOX"))
    assert h.signed_quantity(Decimal("-0"), "KGM", CTX)[0] == "in"
    assert h.signed_quantity("3", "Ea", CTX) == ("in", Quantity(value=Decimal(3), uom="EA", source_uom="Ea"))


def test_to_utc_uses_the_plant_zone_and_never_guesses() -> None:
    naive = datetime(2024, 7, 1, 8, 0)
    assert h.to_utc(naive, CTX, plant="M1") == datetime(2024, 7, 1, 13, 0, tzinfo=UTC)
    aware = datetime(2024, 7, 1, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    assert h.to_utc(aware, CTX) == datetime(2024, 7, 1, 6, 0, tzinfo=UTC)
    with pytest.raises(MappingError) as info:
        h.to_utc(naive, CTX, plant="M2", path="/items/0/TransactionDate")
    assert info.value.code == "missing_timezone"
    assert info.value.path == "/items/0/TransactionDate"
    assert "[plants.M2]" in info.value.message
    with pytest.raises(MappingError, match="out of range"):
        h.in_zone(datetime(1, 1, 1), ZoneInfo("Asia/Tokyo"))


def test_resolve_unit_order() -> None:
    assert h.resolve_unit("BOX", CTX) == "CT"  # context alias
    assert h.resolve_unit("st", CTX, packaged={"ST": "H87"}) == "H87"  # packaged, case-insensitive
    assert h.resolve_unit("KGM", CTX) == "KGM"
    assert h.resolve_unit("Ea", CTX) == "EA"
    assert h.resolve_unit("Each", CTX) == "EA"
    with pytest.raises(MappingError, match=r"\[units\]") as info:
        h.resolve_unit("Widget", CTX, path="/u")
    assert (info.value.code, info.value.path) == ("unknown_unit", "/u")


def test_code_list_merges_the_context_over_the_packaged_list() -> None:
    ctx = MappingContext.build(codes={"sap.usage_decision": {"Z1": "accepted"}})
    merged = h.code_list(ctx, "sap.usage_decision", "sap/quality.toml", "usage_decision", "codes")
    assert merged["Z1"] == "accepted"
    assert len(merged) > 1  # the packaged entries stay
    assert h.code_list(MappingContext(), "x", {"a": "b"}) == {"a": "b"}


def test_derived_id_is_stable_and_unambiguous() -> None:
    assert h.derived_id("ab", "c") == h.derived_id("ab", "c")
    assert h.derived_id("ab", "c") != h.derived_id("a", "bc")
    assert h.derived_id(None) != h.derived_id("")
    assert h.derived_id("order", 1) == h.derived_id("order", "1")
    assert len(h.derived_id("x", length=12)) == 12
    # pinned: the same parts give the same id on every platform and release
    assert h.derived_id("1710", "4711", "0010") == PINNED


PINNED = "b379876e3215cfe3f1dc6fb85851a42f"


def test_convert_and_emit_checked() -> None:
    result = MappingResult()
    entity = h.convert({"material_id": "M", "base_uom": "KGM", "source": {"system": "X", "document_id": "1"}},
                       Material)
    event = h.emit_checked(result, MaterialUpserted, entity, time=datetime(2024, 1, 1, tzinfo=UTC))
    assert result.events == [event]
    assert result.balanced
    assert result.converted == 1
    with pytest.raises(MfgcanonError) as info:  # a library error with the canonical path, not msgspec's
        h.convert({"material_id": "M", "base_uom": "NOPE"}, Material)
    assert info.value.path == "$.base_uom"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"value": [], "@odata.nextLink": "https://x/odata?$skiptoken=5"}, "https://x/odata?$skiptoken=5"),
        ({"d": {"results": [], "__next": "https://x/sap/opu?$skiptoken=7"}}, "https://x/sap/opu?$skiptoken=7"),
        ({"items": [], "hasMore": True, "links": [{"rel": "next", "href": "https://o/next"}]}, "https://o/next"),
        ({"items": [{}, {}], "hasMore": True, "offset": 50, "count": 25, "links": []}, "offset=75"),
        ({"items": [], "hasMore": False, "offset": 0, "count": 0}, None),
        ({"d": {"results": []}}, None),
        (b'{"@odata.nextLink": "n"}', "n"),
        (b"not json", None),
        ([1, 2], None),
    ],
)
def test_continuation_of(body: object, expected: str | None) -> None:
    assert h.continuation_of(body) == expected


def test_continuation_survives_extend() -> None:
    first, second = MappingResult(continuation="p2"), MappingResult()
    total = MappingResult()
    total.extend(first)
    total.extend(second)
    assert total.continuation == "p2"


def test_sap_delegates_to_the_shared_helpers() -> None:
    assert values.check_range is h.check_range
    assert values.normalize_float is h.normalize_float
    assert values.MAX_INTEGER_DIGITS == h.MAX_INTEGER_DIGITS == 29
