"""Mapping context files: the documented TOML shape, and errors that name the key."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mfgcanon.errors import MappingError
from mfgcanon.mappers import load_context

REPO = Path(__file__).parents[2]


def test_example_context_loads() -> None:
    ctx = load_context(REPO / "examples" / "context.toml")
    assert ctx.source_system == "S4H-100"
    assert ctx.zone_for("1710") == ZoneInfo("America/Los_Angeles")
    assert ctx.units["KAR"] == "CT"


def test_missing_zone_is_an_error_not_a_guess(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('source_system = "S"\n[plants.1710]\ntimezone = "Europe/Berlin"\n')
    ctx = load_context(path)
    with pytest.raises(MappingError) as info:
        ctx.zone_for("9999")
    assert info.value.code == "missing_timezone"
    path.write_text('source_system = "S"\ndefault_timezone = "UTC"\n')
    assert load_context(path).zone_for("9999") == ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[plants.1710]\ntimezone = "Mars/Olympus"\n', "plants.1710.timezone"),
        ('default_timezone = "Nowhere/Else"\n', "default_timezone"),
        ('system_timezone = "Nowhere/Else"\n', "system_timezone"),
        ('[units]\nKAR = "NOPE"\n', "units.KAR"),
        ('[plants.1710]\nzone = "UTC"\n', "plants.1710"),
        ('sourcesystem = "typo"\n', "sourcesystem"),
    ],
)
def test_bad_context_names_the_key(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(MappingError) as info:
        load_context(path)
    assert info.value.code == "invalid_context"
    assert info.value.path == where
    assert str(path) in info.value.message


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read"):
        load_context(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    with pytest.raises(MappingError, match="not valid TOML"):
        load_context(bad)


def test_system_clock_zone(tmp_path: Path) -> None:
    """The source system's clock zone is its own setting; without it the plant's zone stands in."""
    path = tmp_path / "c.toml"
    path.write_text('system_timezone = "UTC"\n[plants.1710]\ntimezone = "Europe/Berlin"\n')
    ctx = load_context(path)
    assert ctx.system_timezone == ZoneInfo("UTC")
    assert ctx.clock_zone_for("1710") == ZoneInfo("UTC")
    assert ctx.zone_for("1710") == ZoneInfo("Europe/Berlin")
    path.write_text('[plants.1710]\ntimezone = "Europe/Berlin"\n')
    assert load_context(path).clock_zone_for("1710") == ZoneInfo("Europe/Berlin")
    with pytest.raises(MappingError) as info:
        load_context(path).clock_zone_for("9999")
    assert info.value.code == "missing_timezone"
