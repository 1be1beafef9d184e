"""Intervals in the model never end before they start, and unit-typed fields hold the right dimension."""

from __future__ import annotations

import json

import pytest

from mfgcanon import codecs, errors
from mfgcanon.v1 import AnyEntity

MATERIAL = {"kind": "material", "material_id": "M", "base_uom": "KGM"}
LOT = {"kind": "material_lot", "lot_id": "L", "material_id": "M"}
ORDER = {"kind": "production_order", "order_id": "1", "plant": "1710", "status": "released", "material_id": "M",
         "planned_quantity": {"value": "1", "uom": "H87"}}
HOLD = {"kind": "nonconformance", "nonconformance_id": "N", "category": "hold", "plant": "1710",
        "affected": {"lot_id": "L"}}


@pytest.mark.parametrize(("record", "path"), [
    ({**MATERIAL, "effective_from": "2026-02-01T00:00:00Z", "effective_to": "2026-01-01T00:00:00Z"},
     "$.effective_to"),
    ({**LOT, "manufactured_at": "2026-02-01T00:00:00Z", "expires_at": "2026-01-01T00:00:00Z"}, "$.expires_at"),
    ({**ORDER, "scheduled_start_at": "2026-02-01T00:00:00Z", "scheduled_end_at": "2026-01-01T00:00:00Z"},
     "$.scheduled_end_at"),
    ({**ORDER, "operations": [{"operation_id": "0010"}, {"operation_id": "0020", "planned_start_at":
      "2026-02-01T07:00:00Z", "planned_end_at": "2026-02-01T07:30:00+01:00"}]}, "$.operations[1].planned_end_at"),
    ({**HOLD, "hold": {"is_active": False, "placed_at": "2026-02-01T00:00:00Z",
                       "released_at": "2026-01-31T23:00:00Z"}}, "$.hold.released_at"),
])
def test_an_interval_that_ends_before_it_starts_is_rejected(record: dict[str, object], path: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        codecs.decode(json.dumps(record), type=AnyEntity)
    assert (caught.value.code, caught.value.path) == ("constraint_violation", path)


def test_offsets_are_compared_as_instants() -> None:
    # 08:00+01:00 is 07:00Z: an operation from 07:00Z to 07:30Z is in order even though 08:00 > 07:30 as text
    record = {**ORDER, "operations": [{"operation_id": "0010", "planned_start_at": "2026-02-01T08:00:00+01:00",
                                       "planned_end_at": "2026-02-01T07:30:00Z"}]}
    assert codecs.decode(json.dumps(record), type=AnyEntity).operations[0].operation_id == "0010"


def test_shelf_life_must_be_a_time() -> None:
    with pytest.raises(errors.ValidationError) as caught:
        codecs.decode(json.dumps({**MATERIAL, "shelf_life": {"value": "3", "uom": "KGM"}}), type=AnyEntity)
    assert (caught.value.code, caught.value.path) == ("constraint_violation", "$.shelf_life")
    ok = codecs.decode(json.dumps({**MATERIAL, "shelf_life": {"value": "30", "uom": "DAY"}}), type=AnyEntity)
    assert ok.shelf_life is not None
