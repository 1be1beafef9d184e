"""The Proficy field maps tell the truth: for every entry of mappings/proficy/*_fields.toml (and its ``unit``
field), changing the source field in a composed sample changes the canonical field the entry names, to the value
its transform implies. Every entry is tested: a map naming a field no sample holds fails."""

from __future__ import annotations

import copy
import dataclasses
import json
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from mfgcanon.mappers import context_from_dict
from mfgcanon.mappers._data import FIELD_MAPS, field_map, load, table
from mfgcanon.mappers.proficy import reader as rd
from mfgcanon.v1.common import Quantity

from ..test_field_maps import ENTITIES
from ._support import CTX, EXAMPLES, MAPPER, sample_json

_BASE = tomllib.loads((EXAMPLES / "context.toml").read_text())
_LOOKUPS = copy.deepcopy(_BASE["lookups"])
for _table in ("proficy_plant", "proficy_material_units", "proficy_order_material", "proficy_order_plant"):
    _LOOKUPS[_table]["ZZTRUTH"] = "EA" if _table == "proficy_material_units" else (
        "NJ01" if _table.endswith("plant") else "FRAME-AL-01")
TRUTH_CTX = dataclasses.replace(
    context_from_dict({**_BASE, "lookups": _LOOKUPS, "plants": {**_BASE["plants"], "ZZTRUTH": {"timezone": "UTC"}}}),
    received_at=CTX.received_at)
"""The example context, knowing the new id ``ZZTRUTH`` as a line, an order and a material."""


def _clock_off() -> Any:
    return json.loads(sample_json("outbound_row_clock_events.json")[1]["Message"])


SAMPLES: dict[str, Any] = {
    "WOID": lambda: sample_json("woid_v11_work_order.json"),
    "POID": lambda: sample_json("poid_v5_process_order.json"),
    "MMID": lambda: sample_json("mmid_v4_material.json"),
    "MLID": lambda: sample_json("mlid_v3_material_lots.json"),
    "OperationCompletedEvent": lambda: sample_json("event_operation_completed.json"),
    "ClockOffEvent": _clock_off,
    "MaterialLotStatusChangedEvent": lambda: sample_json("event_material_lot_status_changed.json"),
}


def _holders(node: Any, parts: list[str]) -> list[dict[str, Any]]:
    """The objects holding the last part of a source path (arrays walked through)."""
    if isinstance(node, list):
        return [h for item in node for h in _holders(item, parts)]
    if not isinstance(node, dict):
        return []
    if len(parts) == 1:
        return [node] if parts[0] in node else []
    return _holders(node.get(parts[0]), parts[1:])


def _walk(node: Any, parts: list[str]) -> Iterator[Any]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, parts)
        return
    if not parts:
        yield node
        return
    if node is not None:
        yield from _walk(getattr(node, parts[0]), parts[1:])


def _values(doc: Any, entity: str, path: str, role: str) -> list[Any]:
    result = MAPPER.to_canonical(json.dumps(doc), TRUTH_CTX)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    found = [v for e in result.events if isinstance(e.data, ENTITIES[entity]) for v in _walk(e.data, path.split("."))]
    return [(v.uom if role == "unit" else v.value) if isinstance(v, Quantity) else v for v in found]


def _other(codes: dict[str, Any], before: list[Any]) -> str:
    """A listed code that means something the canonical values do not hold yet."""
    return next(k for k, v in codes.items() if v not in {str(b) for b in before})


def _edit(entry: dict[str, str], role: str, holder: dict[str, Any], before: list[Any]) -> tuple[Any, Any]:
    """The new source value and the canonical value it implies (a datetime: the instant it must become)."""
    transform, canonical = entry["transform"], entry["canonical"]
    field = entry[role].rpartition("/")[2]
    old = holder.get(field)
    if role == "unit":
        new = "PCS" if old != "PCS" else "KG"
        return new, rd.unit(new, TRUTH_CTX, "/")
    if transform == "copy":
        return "ZZTRUTH", "ZZTRUTH"
    if transform in ("quantity", "decimal", "material_quantity"):
        number = Decimal(str(old)) + Decimal("1.25")
        return str(number), number
    if transform == "integer":
        return int(old) + 1, int(old) + 1
    if transform == "flag":
        return not old, not old
    if transform == "lookup":
        plants = dict(TRUTH_CTX.lookups["proficy_plant"])
        new = next(k for k, v in plants.items() if v != plants.get(str(old)))
        return new, plants[new]
    if transform == "locale_instant":
        step = -1 if "start" in canonical else 1
        moment = rd.instant(str(old), TRUTH_CTX, None) if "T" in str(old) else None
        if moment is not None:
            new = (moment + timedelta(days=step)).isoformat()
            return new, moment + timedelta(days=step)
        local = datetime.strptime(str(old), "%m/%d/%Y %I:%M:%S %p") + timedelta(days=step)
        new = f"{local.month}/{local.day}/{local.year} {local.strftime('%I:%M:%S %p').lstrip('0')}"
        return new, None  # the plant's zone applies: checked as a one-day move
    if transform in ("pa_order_status", "pa_lot_status"):
        codes = {str(k): str(v) for k, v in table(rd.CODES, transform.removeprefix("pa_")).items()}
        new = _other(codes, before)
        return new, codes[new]
    raise AssertionError(f"no edit for transform {transform!r}")


def _cases() -> list[Any]:
    cases = []
    for (mapper, message), relative in FIELD_MAPS.items():
        if mapper != "proficy-pa":
            continue
        for index, entry in enumerate(field_map(relative)):
            for role in ("source", "unit"):
                if role in entry:
                    label = f"{message}:{entry[role]}->{entry['canonical']}" + ("" if role == "source" else "[unit]")
                    cases.append(pytest.param(message, relative, index, role, id=label))
    return cases


@pytest.mark.parametrize(("message", "relative", "index", "role"), _cases())
def test_map_entry_tells_the_truth(message: str, relative: str, index: int, role: str) -> None:
    entry = field_map(relative)[index]
    entity = str(load(relative)["entity"])
    doc = SAMPLES[message]()
    if entry["transform"] == "pa_property":
        holders = [p for h in _holders(doc, entry["source"].split("/")) for p in h[entry["source"].rpartition("/")[2]]
                   if p.get("propertyName") == entry["property"]]
        assert holders, f"{relative}: no sample holds the property {entry['property']}"
        before = _values(doc, entity, entry["canonical"], role)
        is_unit = entry["canonical"].endswith("uom")
        holders[0]["propertyValue"] = "PCS" if is_unit else "ZZTRUTH"
        after = _values(doc, entity, entry["canonical"], role)
        assert ("H87" if is_unit else "ZZTRUTH") in after, (before, after)
        return
    holders = _holders(doc, entry[role].split("/"))
    assert holders, f"{relative}: no sample holds {entry[role]}"
    holder = holders[0]
    field = entry[role].rpartition("/")[2]
    before = _values(doc, entity, entry["canonical"], role)
    new, expected = _edit(entry, role, holder, before)
    holder[field] = new
    after = _values(doc, entity, entry["canonical"], role)
    assert after != before, f"{entry[role]} -> {entry['canonical']}: {new!r} changed nothing ({before!r})"
    if expected is None:  # a locale time moved by a day (in the plant's zone)
        moved = [a - b for a, b in zip(after, before, strict=True) if a != b]
        assert all(abs(abs(d) - timedelta(days=1)) <= timedelta(hours=1) for d in moved), moved
        return
    fresh = [a for a in after if a not in before] or after
    assert expected in fresh, f"{entry[role]} -> {entry['canonical']}: {new!r} gave {after!r}, expected {expected!r}"
