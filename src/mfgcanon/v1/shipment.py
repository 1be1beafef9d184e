"""Shipment readiness: finished goods packed, released by quality and staged for shipping."""

from __future__ import annotations

from typing import Annotated

import msgspec

from mfgcanon.types import Identifier, Instant, doc
from mfgcanon.v1._base import Entity
from mfgcanon.v1.common import CompanyId, Location, Properties, Quantity, Source


class ShipmentReadiness(Entity, frozen=True, kw_only=True, tag="shipment_readiness"):
    """Goods ready to ship: a thin, event-only fact with no ISA-95 counterpart."""

    readiness_id: Annotated[Identifier, doc("Key of this readiness fact, e.g. the delivery number.")]
    plant: Annotated[Identifier, doc("Shipping plant.")]
    company_id: CompanyId = None
    material_id: Annotated[Identifier, doc("Material ready to ship.")]
    quantity: Annotated[Quantity, doc("Quantity ready.")]
    lot_ids: Annotated[list[Identifier], doc("Lots packed.")] = msgspec.field(default_factory=list)
    sub_lot_ids: Annotated[list[Identifier], doc("Handling units or containers packed.")] = msgspec.field(
        default_factory=list)
    order_id: Annotated[Identifier | None, doc("Production order that made it.")] = None
    sales_order_id: Annotated[Identifier | None, doc("Sales order (VBELN/POSNR of the order).")] = None
    delivery_id: Annotated[Identifier | None, doc("Outbound delivery (SAP VBELN of the delivery).")] = None
    staging_location: Annotated[Location | None, doc("Where the goods are staged.")] = None
    is_quality_released: Annotated[bool, doc("All lots are released by quality.")]
    ready_at: Annotated[Instant, doc("When the goods became ready.")]
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None
