"""Deletions: the tombstone of a state entity (material, lot, order, work center, balance, ...).

A ``Deletion`` names the deleted entity by its kind and business keys. Its event has the same ``subject``
and ``partitionkey`` as every other event of that entity, so on a compacted topic keyed by partition key
it supersedes the last snapshot, and a Kafka producer may write it as a null-value tombstone.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, reject
from mfgcanon.v1.common import CompanyId, Properties, Source


class Deletion(Entity, frozen=True, kw_only=True, tag="deletion"):
    """A state entity was deleted in the source (not flagged for deletion: gone)."""

    KEYS: ClassVar[dict[str, tuple[str, ...]]] = {
        "material": ("material_id",),
        "material_lot": ("material_id", "lot_id"),
        "production_order": ("plant", "order_id"),
        "work_center": ("plant", "work_center_id"),
        "inventory_balance": ("material_id",),
        "quality_inspection": ("plant", "inspection_id"),
        "nonconformance": ("plant", "nonconformance_id"),
    }
    """Keys each deletable kind needs, as its events' subjects need them (a company may stand for the plant of
    an order: order numbers are unique per company)."""

    entity_kind: Annotated[Code, doc("The ``kind`` of the deleted entity, e.g. 'material_lot'.")]
    company_id: CompanyId = None
    plant: Annotated[Identifier | None, doc("Plant of the deleted entity, where plant-scoped.")] = None
    material_id: Annotated[Identifier | None, doc("Material key.")] = None
    lot_id: Annotated[Identifier | None, doc("Lot key.")] = None
    order_id: Annotated[Identifier | None, doc("Order key.")] = None
    work_center_id: Annotated[Identifier | None, doc("Work center key.")] = None
    inspection_id: Annotated[Identifier | None, doc("Inspection key.")] = None
    nonconformance_id: Annotated[Identifier | None, doc("Nonconformance key.")] = None
    deleted_at: Annotated[Instant, doc("When it was deleted in the source.")]
    reason_code: Annotated[Code | None, doc("Why, where the source says.")] = None
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        needed = self.KEYS.get(self.entity_kind)
        if needed is None:
            reject("entity_kind", f"{self.entity_kind!r} is not a deletable state entity (one of "
                   f"{', '.join(sorted(self.KEYS))})", "invalid_value")
        for name in needed:
            if getattr(self, name) is None and not (name == "plant" and self.entity_kind == "production_order"
                                                    and self.company_id):
                reject(name, f"a deleted {self.entity_kind} is named by {', '.join(needed)}", "missing_field")
