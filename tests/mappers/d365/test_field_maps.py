"""The Microsoft field maps (mappings/d365, mappings/bc): every file is listed, every canonical path exists in its
entity, every transform is a known one, and every source field the map names is read by the mapper (its name
is in the mapper's code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mfgcanon.mappers._data import field_map, load, mappings_root
from mfgcanon.mappers.d365.common import FIELD_MAPS, TRANSFORMS

from ..test_field_maps import ENTITIES, _exists

CODE = "\n".join(p.read_text() for p in (Path(__file__).resolve().parents[3] / "src" / "mfgcanon" / "mappers"
                                         / "d365").glob("*.py"))


def test_every_map_is_listed() -> None:
    on_disk = {p.relative_to(mappings_root()).as_posix() for folder in ("d365", "bc")
               for p in mappings_root().glob(f"{folder}/*_fields.toml")}
    assert on_disk == set(FIELD_MAPS.values())


@pytest.mark.parametrize("relative", sorted(FIELD_MAPS.values()))
def test_map_entries(relative: str) -> None:
    data = load(relative)
    assert data["format"] == "mfgcanon.field-map/1"
    assert (data["mapper"], data["message"]) in FIELD_MAPS
    for entry in field_map(relative):
        assert _exists(ENTITIES[data["entity"]], entry["canonical"]), entry
        assert entry["transform"] in TRANSFORMS, entry
        for role in ("source", "unit", "time"):
            if role in entry:
                name = entry[role].rpartition("/")[2]
                assert f'"{name}"' in CODE, f"{relative}: {name} is not read by the mapper"


def test_the_microsoft_maps_are_in_the_one_table() -> None:
    """One concept, one place: the docs generator and the shared checks read mfgcanon.mappers._data."""
    from mfgcanon.mappers import _data

    assert set(FIELD_MAPS.items()) <= set(_data.FIELD_MAPS.items())
    assert set(TRANSFORMS) <= _data.TRANSFORMS
