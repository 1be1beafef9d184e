"""Quality holds read from B2MML: a lot or sub-lot ``Status`` / ``Disposition`` that means hold (the
``[lot_hold]`` code list, per connection) and a V07 ``OperationsEvent`` whose ``Category`` says hold placed or
released (``[operations_event]``).

A hold is a ``Nonconformance`` of category ``hold`` keyed like every derived hold of the project
(:func:`mfgcanon.v1.derive.hold_id`: plant, material, lot), so a hold placed from a lot status and released
by an operations event (or an SAP usage decision) is one hold. A sub-lot's hold adds ``/sub-lot/<id>`` to
its lot's key: releasing a sub-lot never releases its lot, and a sub-lot-only message holds or releases
only the sub-lots it carries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.events import segment
from mfgcanon.mappers import helpers
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1 import derive
from mfgcanon.v1.quality import Nonconformance

HOLD_ACTIONS = ("placed", "released", "none")
"""What a code list entry may say of a status or category: it places a hold, releases it, or neither."""

_MAX_ID = 255


def hold_action(ctx: MappingContext, list_name: str, raw: str | None) -> str | None:
    """``placed`` / ``released`` for a status (or category) the code list ``list_name`` names; None for any
    other (``none`` entries included). An entry with another target is ``invalid_context``."""
    if raw is None:
        return None
    found = rd.code(ctx, list_name, raw)
    if found is None:
        return None
    if found not in HOLD_ACTIONS:
        raise MappingError(
            f"code list {list_name!r}: {raw!r} -> {found!r}, the target must be one of {', '.join(HOLD_ACTIONS)}",
            code="invalid_context",
            path=f'codes."b2mml.{list_name}"',
        )
    return None if found == "none" else found


def hold_key(plant: str, material_id: str | None, lot_id: str | None, sub_lot_id: str | None = None) -> str:
    """The hold's ``nonconformance_id``: :func:`derive.hold_id` of the lot, ``/sub-lot/<id>`` added for a sub-lot."""
    base = derive.hold_id(plant, material_id=material_id, lot_id=lot_id)
    if sub_lot_id is None:
        return base
    key = f"{base}/sub-lot/{segment(sub_lot_id)}"
    return key if len(key) <= _MAX_ID else "hold:sha256:" + helpers.derived_id(base, sub_lot_id)


def derived_source(source: dict[str, Any], key: str) -> dict[str, Any]:
    """The origin's source, marked as a derived hold (the convention of :mod:`mfgcanon.v1.derive`): its own
    document type prefix and line suffix, so its event id differs from the origin's and stays stable."""
    document_type = source.get("document_type")
    return {**source, "document_type": f"mfgcanon.hold/{document_type}" if document_type else "mfgcanon.hold",
            "line": f"{source.get('line') or ''}#{key}"}


def hold(
    *, active: bool, at: datetime, plant: str, affected: dict[str, Any], key: str, source: dict[str, Any],
    description: str, reason_code: str | None, by: str | None = None, quantity: dict[str, Any] | None = None,
    severity: str | None = None, affected_items: list[dict[str, Any]] | None = None,
) -> Nonconformance:
    """A placed hold is open and detected when placed; a released one is closed when released, its
    ``placed_at`` the release time too (the releasing document does not say when the hold began), as in
    :mod:`mfgcanon.v1.derive`."""
    return helpers.convert(
        {
            "nonconformance_id": key,
            "category": "hold",
            "plant": plant,
            "status": "open" if active else "closed",
            "severity": severity,
            "affected": affected,
            "affected_items": affected_items or [],
            "affected_quantity": quantity,
            "reason_code": reason_code[:64] if reason_code else None,
            "description": description,
            "detected_at": at if active else None,
            "detected_by": by if active else None,
            "hold": {"is_active": active, "placed_at": at, "placed_by": by if active else None,
                     "reason_code": reason_code[:64] if reason_code else None,
                     "released_at": None if active else at, "released_by": None if active else by},
            "closed_at": None if active else at,
            "source": source,
        },
        Nonconformance,
    )
