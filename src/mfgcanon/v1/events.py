"""CloudEvents 1.0 envelopes for the v1 business events, and helpers that build them from entities.

Every event class is a tagged struct: the CloudEvents ``type`` attribute *is* the msgspec tag, so a
stream of mixed events decodes straight into the right classes. ``type`` reads
``mfgcanon.<name>.v1``: the major version is part of the contract, a breaking change is a new type.
"""

from __future__ import annotations

import functools
import typing
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import msgspec

from mfgcanon import events as _ev
from mfgcanon.errors import EventError
from mfgcanon.types import Identifier, Instant, doc
from mfgcanon.v1 import __schema_version__
from mfgcanon.v1._base import Record, reject
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.deletion import Deletion
from mfgcanon.v1.equipment import EquipmentStateChange
from mfgcanon.v1.inventory import InventoryBalance, MaterialMovement, MovementType
from mfgcanon.v1.lot import GenealogyLink, MaterialLot
from mfgcanon.v1.material import Material
from mfgcanon.v1.order import ProductionOrder
from mfgcanon.v1.posting import PostingResult, PostingState
from mfgcanon.v1.quality import InspectedItem, Nonconformance, NonconformanceKind, QualityInspection
from mfgcanon.v1.shipment import ShipmentReadiness
from mfgcanon.v1.status import OperationStatusChange, OrderStatusChange
from mfgcanon.v1.work_center import WorkCenter

MAJOR = 1
SCHEMA_URN = "urn:mfgcanon:schema:v1:"

DerivedKey = Annotated[str, msgspec.Meta(min_length=1)]
"""An envelope attribute composed from several business keys (subject, partition key, ...): each key may
be 255 characters and is percent-encoded, so the composite has no fixed maximum length."""

AnyEntity = (ProductionOrder | ProductionConfirmation | MaterialMovement | InventoryBalance | Material
             | MaterialLot | GenealogyLink | QualityInspection | Nonconformance | ShipmentReadiness | WorkCenter
             | OrderStatusChange | OperationStatusChange | PostingResult | EquipmentStateChange | Deletion)


class CloudEvent(Record, frozen=True, kw_only=True, tag_field="type"):
    """The CloudEvents 1.0 envelope shared by every v1 event (structured JSON mode)."""

    NAME: ClassVar[str] = ""  # set by each event class, e.g. "production_order.released"

    id: Annotated[uuid.UUID, doc("UUIDv5 of idempotencykey: the same source document gives the same id.")]
    source: Annotated[DerivedKey, doc("Producer context, urn:mfgcanon:{source system}[:{plant}].")]
    specversion: Annotated[Literal["1.0"], doc("CloudEvents specification version.")]
    time: Annotated[Instant, doc("When the business event occurred (UTC).")]
    subject: Annotated[DerivedKey, doc("Business key of the event, e.g. production-order/1710/1000123.")]
    datacontenttype: Annotated[Literal["application/json"], doc("Media type of data.")] = "application/json"
    dataschema: Annotated[str | None, doc("URI of the JSON Schema of this event type and major version.")] = None
    partitionkey: Annotated[DerivedKey, doc("Kafka message key: the order for order-scoped events, "
                                            "material|lot for lot-scoped ones.")]
    idempotencykey: Annotated[DerivedKey, doc("system|document type|document id|line|event type|revision.")]
    sourcesystem: Annotated[Identifier, doc("Source system name, as configured in the mapper's context.")]
    plant: Annotated[Identifier | None, doc("Plant the event belongs to.")] = None
    schemaversion: Annotated[str, doc("Semantic version of the schema of data.")]
    sequence: Annotated[str | None, doc("Zero-padded, lexicographically ordered sequence within the source.")] = None
    recordedtime: Annotated[Instant | None, doc("When the event was recorded (>= time).")] = None
    traceparent: Annotated[str | None, doc("W3C trace context.")] = None
    correlationid: Annotated[str | None, doc("Id shared by the events of one business process.")] = None
    causationid: Annotated[str | None, doc("Id of the event or command that caused this one.")] = None

    @classmethod
    def event_type(cls) -> str:
        """The CloudEvents ``type`` of this class, e.g. ``mfgcanon.production_order.released.v1``."""
        return f"{_ev.TYPE_PREFIX}.{cls.NAME}.v{MAJOR}"


class ProductionOrderReleased(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.production_order.released.v1"):
    """An order was released to the shop floor (SAP LOIPRO on release): the snapshot at release."""

    NAME = "production_order.released"
    data: Annotated[ProductionOrder, doc("The order as released.")]


class ProductionOrderUpdated(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.production_order.updated.v1"):
    """Any other order snapshot: a change of quantities, dates, operations or components, or a status other
    than released, technically completed, closed or cancelled (a partial update names its fields)."""

    NAME = "production_order.updated"
    data: Annotated[ProductionOrder, doc("The order after the change.")]


class ProductionOrderCompleted(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.production_order.completed.v1"):
    """An order was technically completed (SAP TECO, Oracle COMPLETED, D365 Ended): no more production; costs
    may still post. Not closed: see ``production_order.closed``."""

    NAME = "production_order.completed"
    data: Annotated[ProductionOrder, doc("The order at completion.")]


class ProductionOrderClosed(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.production_order.closed.v1"):
    """An order was closed (SAP CLSD, Oracle CLOSED): nothing may post to it any more. Since schema 1.2.0."""

    NAME = "production_order.closed"
    data: Annotated[ProductionOrder, doc("The order at closing.")]


class ProductionOrderStatusChanged(CloudEvent, frozen=True, kw_only=True,
                                   tag="mfgcanon.production_order.status_changed.v1"):
    """An order's status changed, announced without a snapshot (D365 business event, MES start/stop).
    Since schema 1.2.0."""

    NAME = "production_order.status_changed"
    data: Annotated[OrderStatusChange, doc("The status change.")]


class OperationStatusChanged(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.operation.status_changed.v1"):
    """An operation started, stopped, was interrupted or finished. Since schema 1.2.0."""

    NAME = "operation.status_changed"
    data: Annotated[OperationStatusChange, doc("The status change.")]


class ProductionOrderCancelled(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.production_order.cancelled.v1"):
    """An order was cancelled or flagged for deletion."""

    NAME = "production_order.cancelled"
    data: Annotated[ProductionOrder, doc("The order at cancellation.")]


class ProductionConfirmed(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.production.confirmed.v1"):
    """Yield, scrap and times were confirmed for an order operation."""

    NAME = "production.confirmed"
    data: Annotated[ProductionConfirmation, doc("The confirmation.")]


class _MovementEvent(CloudEvent, frozen=True, kw_only=True):
    ALLOWED: ClassVar[frozenset[MovementType]] = frozenset()
    data: Annotated[MaterialMovement, doc("The goods movement.")]

    def __post_init__(self) -> None:
        # `other` fits every movement event: it is what an older reader makes of a movement type added later
        if self.data.movement_type not in self.ALLOWED and self.data.movement_type is not MovementType.OTHER:
            allowed = ", ".join(sorted(kind.value for kind in self.ALLOWED))
            reject("data", f"movement_type {self.data.movement_type.value!r} does not fit {self.NAME} "
                   f"(expected {allowed})", "constraint_violation")


class MaterialIssued(_MovementEvent, frozen=True, kw_only=True, tag="mfgcanon.material.issued.v1"):
    """Material was issued (consumed) to an order (SAP 261; its reversal 262)."""

    NAME = "material.issued"
    ALLOWED = frozenset({MovementType.GOODS_ISSUE})


class MaterialScrapped(_MovementEvent, frozen=True, kw_only=True, tag="mfgcanon.material.scrapped.v1"):
    """Stock was scrapped (SAP 551; its reversal 552)."""

    NAME = "material.scrapped"
    ALLOWED = frozenset({MovementType.SCRAP})


class InventoryReceived(_MovementEvent, frozen=True, kw_only=True, tag="mfgcanon.inventory.received.v1"):
    """Goods were received into stock, from an order or a supplier (SAP 101, 531; reversals 102, 532)."""

    NAME = "inventory.received"
    ALLOWED = frozenset({MovementType.GOODS_RECEIPT})


class InventoryMoved(_MovementEvent, frozen=True, kw_only=True, tag="mfgcanon.inventory.moved.v1"):
    """Any other stock movement: transfer, status change, adjustment, return, shipment issue."""

    NAME = "inventory.moved"
    ALLOWED = frozenset(set(MovementType) - {MovementType.GOODS_ISSUE, MovementType.SCRAP,
                                             MovementType.GOODS_RECEIPT})


class InventoryBalanceReported(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.inventory.balance_reported.v1"):
    """A stock snapshot for one bucket (material, location, lot, status)."""

    NAME = "inventory.balance_reported"
    data: Annotated[InventoryBalance, doc("The balance.")]


class _HoldEvent(CloudEvent, frozen=True, kw_only=True):
    ACTIVE: ClassVar[bool] = True
    data: Annotated[Nonconformance, doc("The hold, as a nonconformance of category 'hold'.")]

    def __post_init__(self) -> None:
        hold = self.data.hold
        if self.data.category is not NonconformanceKind.HOLD or hold is None or hold.is_active != self.ACTIVE:
            state = "active" if self.ACTIVE else "released"
            reject("data", f"{self.NAME} needs a nonconformance of category 'hold' with an {state} hold",
                   "constraint_violation")


class QualityHoldPlaced(_HoldEvent, frozen=True, kw_only=True, tag="mfgcanon.quality.hold_placed.v1"):
    """Items were put on quality hold."""

    NAME = "quality.hold_placed"
    ACTIVE = True


class QualityHoldReleased(_HoldEvent, frozen=True, kw_only=True, tag="mfgcanon.quality.hold_released.v1"):
    """A quality hold was lifted."""

    NAME = "quality.hold_released"
    ACTIVE = False


class NonconformanceReported(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.quality.nonconformance_reported.v1"):
    """A defect, deviation or complaint was reported."""

    NAME = "quality.nonconformance_reported"
    data: Annotated[Nonconformance, doc("The nonconformance.")]


class InspectionCompleted(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.quality.inspection_completed.v1"):
    """An inspection finished, with results and (usually) a usage decision."""

    NAME = "quality.inspection_completed"
    data: Annotated[QualityInspection, doc("The inspection.")]


class ShipmentReady(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.shipment.ready.v1"):
    """Goods are packed, released and staged for shipping."""

    NAME = "shipment.ready"
    data: Annotated[ShipmentReadiness, doc("The readiness fact.")]


class MaterialUpserted(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.material.upserted.v1"):
    """A material master record was created or changed (SAP MATMAS)."""

    NAME = "material.upserted"
    data: Annotated[Material, doc("The material.")]


class LotUpserted(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.lot.upserted.v1"):
    """A lot (batch) was created or changed (SAP BATMAS)."""

    NAME = "lot.upserted"
    data: Annotated[MaterialLot, doc("The lot.")]


class WorkCenterUpserted(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.work_center.upserted.v1"):
    """A work center master record was created or changed (SAP LOIWCS)."""

    NAME = "work_center.upserted"
    data: Annotated[WorkCenter, doc("The work center.")]


class _PostingEvent(CloudEvent, frozen=True, kw_only=True):
    OUTCOMES: ClassVar[frozenset[PostingState]] = frozenset()
    data: Annotated[PostingResult, doc("The ERP's answer and the request it answers.")]

    def __post_init__(self) -> None:
        if self.data.outcome not in self.OUTCOMES and self.data.outcome is not PostingState.OTHER:
            allowed = ", ".join(sorted(state.value for state in self.OUTCOMES))
            reject("data", f"outcome {self.data.outcome.value!r} does not fit {self.NAME} (expected {allowed})",
                   "constraint_violation")


class PostingSucceeded(_PostingEvent, frozen=True, kw_only=True, tag="mfgcanon.integration.posting_succeeded.v1"):
    """The ERP posted what was requested (a confirmation, a goods movement): it references the request and
    adds no fact of its own. Since schema 1.2.0."""

    NAME = "integration.posting_succeeded"
    OUTCOMES = frozenset({PostingState.POSTED})


class PostingFailed(_PostingEvent, frozen=True, kw_only=True, tag="mfgcanon.integration.posting_failed.v1"):
    """The ERP refused (or cancelled) what was requested; its messages say why. Since schema 1.2.0."""

    NAME = "integration.posting_failed"
    OUTCOMES = frozenset({PostingState.FAILED, PostingState.CANCELLED, PostingState.OTHER})


class EquipmentStateChanged(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.equipment.state_changed.v1"):
    """Equipment changed state: running, idle, down, in maintenance (downtime). Since schema 1.2.0."""

    NAME = "equipment.state_changed"
    data: Annotated[EquipmentStateChange, doc("The state change.")]


class EntityDeleted(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.entity.deleted.v1"):
    """A state entity was deleted: the tombstone for its subject and partition key. Since schema 1.2.0."""

    NAME = "entity.deleted"
    data: Annotated[Deletion, doc("What was deleted.")]


class GenealogyLinked(CloudEvent, frozen=True, kw_only=True, tag="mfgcanon.genealogy.linked.v1"):
    """An input item was linked to an output item."""

    NAME = "genealogy.linked"
    data: Annotated[GenealogyLink, doc("The link.")]


Event = (ProductionOrderReleased | ProductionOrderUpdated | ProductionOrderCompleted | ProductionOrderCancelled
         | ProductionConfirmed | MaterialIssued | MaterialScrapped | InventoryReceived | InventoryMoved
         | InventoryBalanceReported | QualityHoldPlaced | QualityHoldReleased | NonconformanceReported
         | InspectionCompleted | ShipmentReady | MaterialUpserted | LotUpserted | GenealogyLinked
         | WorkCenterUpserted | ProductionOrderClosed | ProductionOrderStatusChanged | OperationStatusChanged
         | PostingSucceeded | PostingFailed | EquipmentStateChanged | EntityDeleted)
"""Every v1 event: decode a mixed stream with ``mfgcanon.codecs.decode(buf, type=Event)``."""

EVENT_TYPES: tuple[type[CloudEvent], ...] = (
    ProductionOrderReleased, ProductionOrderUpdated, ProductionOrderCompleted, ProductionOrderCancelled,
    ProductionConfirmed, MaterialIssued, MaterialScrapped, InventoryReceived, InventoryMoved,
    InventoryBalanceReported, QualityHoldPlaced, QualityHoldReleased, NonconformanceReported,
    InspectionCompleted, ShipmentReady, MaterialUpserted, LotUpserted, GenealogyLinked, WorkCenterUpserted,
    ProductionOrderClosed, ProductionOrderStatusChanged, OperationStatusChanged, PostingSucceeded, PostingFailed,
    EquipmentStateChanged, EntityDeleted,
)
ENTITY_TYPES: tuple[type[msgspec.Struct], ...] = (
    ProductionOrder, ProductionConfirmation, MaterialMovement, InventoryBalance, Material, MaterialLot,
    GenealogyLink, QualityInspection, Nonconformance, ShipmentReadiness, WorkCenter, OrderStatusChange,
    OperationStatusChange, PostingResult, EquipmentStateChange, Deletion,
)

_MOVEMENT_EVENTS: dict[MovementType, type[CloudEvent]] = {
    kind: event_cls
    for event_cls in (MaterialIssued, MaterialScrapped, InventoryReceived, InventoryMoved)
    for kind in event_cls.ALLOWED
}

E = TypeVar("E", bound=CloudEvent)


# Subjects: a literal head, then the business keys, each escaped by _ev.segment (`production-order/1710/1000123`).
# With a company, the subject starts `company/{company}/` and the partition key `{company}|`; order-scoped
# events key by company and order (order numbers are unique per company), so a thin event that knows only
# the legal entity and the order number lands on the same partition as the order's snapshots.
_segment = _ev.segment


def _in_company(company: str | None, keys: tuple[str, str]) -> tuple[str, str]:
    if not company:
        return keys
    return f"company/{_segment(company)}/{keys[0]}", f"{company}|{keys[1]}"


def _order_keys(plant: str | None, order_id: str, company: str | None = None) -> tuple[str, str]:
    if company:
        head = f"company/{_segment(company)}/production-order/"
        subject = f"{head}{_segment(plant)}/{_segment(order_id)}" if plant else f"{head}{_segment(order_id)}"
        return subject, f"{company}|{order_id}"
    if not plant:
        raise EventError("an order-scoped event needs the plant or the company of the order", code="missing_identity",
                         path="$.data.plant")
    return f"production-order/{_segment(plant)}/{_segment(order_id)}", f"{plant}|{order_id}"


def _lot_keys(material_id: str, lot_id: str, company: str | None = None) -> tuple[str, str]:
    return _in_company(company, (f"lot/{_segment(material_id)}/{_segment(lot_id)}", f"{material_id}|{lot_id}"))


def _material_keys(material_id: str, company: str | None = None) -> tuple[str, str]:
    return _in_company(company, (f"material/{_segment(material_id)}", material_id))


def _item_keys(item: InspectedItem, plant: str, company: str | None, fallback: tuple[str, str]) -> tuple[str, str]:
    if item.material_id and item.lot_id:
        return _lot_keys(item.material_id, item.lot_id, company)
    if item.order_id:
        return _order_keys(plant, item.order_id, company)
    if item.material_id:
        return _material_keys(item.material_id, company)
    return _in_company(company, fallback)


def _confirmation_keys(data: ProductionConfirmation) -> tuple[str, str]:
    subject, key = _order_keys(data.plant, data.order_id, data.company_id)
    if data.operation_id:
        subject = f"{subject}/op/{_segment(data.operation_id)}"
    return subject, key


def _movement_keys(data: MaterialMovement) -> tuple[str, str]:
    if data.order_id:
        return _order_keys(data.plant, data.order_id, data.company_id)
    if data.lot_id:
        return _lot_keys(data.material_id, data.lot_id, data.company_id)
    return _material_keys(data.material_id, data.company_id)


def _balance_keys(data: InventoryBalance) -> tuple[str, str]:
    if data.lot_id:
        return _lot_keys(data.material_id, data.lot_id, data.company_id)
    return _material_keys(data.material_id, data.company_id)


def _link_keys(data: GenealogyLink) -> tuple[str, str]:
    if data.parent.lot_id:
        return _lot_keys(data.parent.material_id, data.parent.lot_id, data.company_id)
    return _material_keys(data.parent.material_id, data.company_id)


def _inspection_keys(data: QualityInspection) -> tuple[str, str]:
    fallback = (f"inspection/{_segment(data.plant)}/{_segment(data.inspection_id)}",
                f"{data.plant}|{data.inspection_id}")
    return _item_keys(data.inspected, data.plant, data.company_id, fallback)


def _nonconformance_keys(data: Nonconformance) -> tuple[str, str]:
    fallback = (f"nonconformance/{_segment(data.plant)}/{_segment(data.nonconformance_id)}",
                f"{data.plant}|{data.nonconformance_id}")
    return _item_keys(data.affected, data.plant, data.company_id, fallback)


def _shipment_keys(data: ShipmentReadiness) -> tuple[str, str]:
    return _in_company(data.company_id, (f"shipment/{_segment(data.plant)}/{_segment(data.readiness_id)}",
                                         f"{data.plant}|{data.readiness_id}"))


def _work_center_keys(plant: str, work_center_id: str, company: str | None) -> tuple[str, str]:
    return _in_company(company, (f"work-center/{_segment(plant)}/{_segment(work_center_id)}",
                                 f"{plant}|{work_center_id}"))


def _operation_change_keys(data: OperationStatusChange) -> tuple[str, str]:
    subject, key = _order_keys(data.plant, data.order_id, data.company_id)
    return f"{subject}/op/{_segment(data.operation_id)}", key


def _posting_keys(data: PostingResult) -> tuple[str, str]:
    if data.order_id and (data.plant or data.company_id):
        return _order_keys(data.plant, data.order_id, data.company_id)
    request = data.request_external_id or data.result_id
    return _in_company(data.company_id, (f"posting/{_segment(data.target_system)}/{_segment(request)}",
                                         f"{data.target_system}|{request}"))


def _equipment_keys(data: EquipmentStateChange) -> tuple[str, str]:
    return _in_company(data.company_id, (f"equipment/{_segment(data.plant)}/{_segment(data.equipment_id)}",
                                         f"{data.plant}|{data.equipment_id}"))


def _deletion_keys(data: Deletion) -> tuple[str, str]:
    """The keys of the deleted entity's own events, so the tombstone supersedes them."""
    kind = data.entity_kind
    company = data.company_id
    if kind == "production_order":
        return _order_keys(data.plant, data.order_id or "", company)
    if kind == "work_center":
        return _work_center_keys(data.plant or "", data.work_center_id or "", company)
    if kind in ("material_lot", "inventory_balance") and data.lot_id:
        return _lot_keys(data.material_id or "", data.lot_id, company)
    if kind == "quality_inspection":
        return _in_company(company, (f"inspection/{_segment(data.plant or '')}/{_segment(data.inspection_id or '')}",
                                     f"{data.plant}|{data.inspection_id}"))
    if kind == "nonconformance":
        return _in_company(company, (
            f"nonconformance/{_segment(data.plant or '')}/{_segment(data.nonconformance_id or '')}",
            f"{data.plant}|{data.nonconformance_id}"))
    return _material_keys(data.material_id or "", company)


_KEYS: dict[type[Any], Callable[[Any], tuple[str, str]]] = {
    ProductionOrder: lambda data: _order_keys(data.plant, data.order_id, data.company_id),
    ProductionConfirmation: _confirmation_keys,
    MaterialMovement: _movement_keys,
    InventoryBalance: _balance_keys,
    Material: lambda data: _material_keys(data.material_id),
    MaterialLot: lambda data: _lot_keys(data.material_id, data.lot_id, data.company_id),
    GenealogyLink: _link_keys,
    QualityInspection: _inspection_keys,
    Nonconformance: _nonconformance_keys,
    ShipmentReadiness: _shipment_keys,
    WorkCenter: lambda data: _work_center_keys(data.plant, data.work_center_id, data.company_id),
    OrderStatusChange: lambda data: _order_keys(data.plant, data.order_id, data.company_id),
    OperationStatusChange: _operation_change_keys,
    PostingResult: _posting_keys,
    EquipmentStateChange: _equipment_keys,
    Deletion: _deletion_keys,
}
"""The key recipe of each entity class, looked up by exact type (one dict lookup, not ten isinstance
checks); subclasses take the first entry they are an instance of, in this order."""


def keys_for(data: AnyEntity) -> tuple[str, str]:
    """The CloudEvents ``subject`` and ``partitionkey`` for an entity, after reference section 7.4."""
    keys = _KEYS.get(type(data))
    if keys is None:
        keys = next((recipe for cls, recipe in _KEYS.items() if isinstance(data, cls)), None)
        if keys is None:
            raise EventError(f"{type(data).__name__} is not a v1 entity", code="missing_identity")
    return keys(data)


def _occurred_at(data: AnyEntity) -> datetime | None:
    """The business time an entity carries, used as the event ``time`` when none is given."""
    if isinstance(data, MaterialMovement | GenealogyLink):
        return data.occurred_at
    if isinstance(data, ProductionConfirmation):
        return data.ended_at or data.recorded_at
    if isinstance(data, InventoryBalance):
        return data.snapshot_at
    if isinstance(data, ShipmentReadiness):
        return data.ready_at
    if isinstance(data, ProductionOrder):
        return data.released_at
    if isinstance(data, QualityInspection):
        return data.decided_at
    if isinstance(data, Nonconformance):
        if data.hold is not None:
            return data.hold.released_at or data.hold.placed_at
        return data.closed_at or data.detected_at
    if isinstance(data, OrderStatusChange | OperationStatusChange):
        return data.changed_at
    if isinstance(data, PostingResult):
        return data.processed_at
    if isinstance(data, EquipmentStateChange):
        return data.started_at
    if isinstance(data, Deletion):
        return data.deleted_at
    return None


def _idempotency_key(data: AnyEntity, system: str, event_type: str) -> str:
    """The key an event id is derived from (docs/model.md, "Identity and scope").

    1. A business document key (``source.business_document_id``) is shared by every channel that carries the
       fact, so the IDoc and the OData read of one material document get one id.
    2. Else the channel's document id and line.
    3. Else a digest of the content.
    Snapshots (stock balances) add their as-of time to the revision: the same stock level reported on two
    days is two events, not one.
    """
    source = getattr(data, "source", None)
    revision = source.revision if source is not None else None
    if isinstance(data, InventoryBalance):
        as_of = data.snapshot_at.astimezone(UTC).isoformat()
        revision = f"{revision}@{as_of}" if revision else f"@{as_of}"
    if source is not None and source.business_document_id:
        return _ev.idempotency_key(system=system, document_type="business", document_id=source.business_document_id,
                                   line=None, event_type=event_type, revision=revision)
    if source is not None and source.document_id:
        return _ev.idempotency_key(system=system, document_type=source.document_type,
                                   document_id=source.document_id, line=source.line,
                                   event_type=event_type, revision=revision)
    return _ev.idempotency_key(system=system, document_type="content", document_id=_content_digest(data),
                               line=None, event_type=event_type, revision=None)


def _checked(data: AnyEntity) -> None:
    """Refuse an entity built by hand that no consumer would accept (empty keys, a float quantity, ...)."""
    try:
        msgspec.convert(msgspec.to_builtins(data), type(data))
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        from mfgcanon.codecs import translate  # the one msgspec-to-mfgcanon translation; only on this path

        error = translate(exc)
        path = error.path or "$"
        raise EventError(error.message, code=error.code, path="$.data" + path[1:]) from None


def _plant_of(data: AnyEntity) -> str | None:
    plant = getattr(data, "plant", None)
    return plant if isinstance(plant, str) else None


def _content_digest(data: AnyEntity) -> str:
    """A stable digest of an entity's content, for entities with no source document id."""
    import hashlib  # only for entities without a source document id; keeps it off import time

    return hashlib.sha256(msgspec.json.encode(data, order="sorted")).hexdigest()[:32]


def build_event(
    event_cls: type[E],
    data: AnyEntity,
    *,
    source_system: str | None = None,
    time: datetime | None = None,
    recorded_at: datetime | None = None,
    sequence: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    traceparent: str | None = None,
    validated: bool = False,
) -> E:
    """Wrap an entity in its event envelope, with the deterministic id, subject and partition key.

    The idempotency key comes from ``data.source`` (see :func:`_idempotency_key`). The entity is checked
    against the model first, as a decoder would check it; pass ``validated=True`` only for an entity that
    was just decoded or converted by msgspec (as the mappers build theirs), to skip the second pass.
    """
    expected, event_type, dataschema = _class_constants(event_cls)
    if not isinstance(data, expected):
        raise EventError(f"{event_cls.__name__} carries a {expected.__name__}, got {type(data).__name__}",
                         code="constraint_violation", path="$.data")
    if not validated:
        _checked(data)
    source = getattr(data, "source", None)
    system = source_system or (source.system if source is not None else None)
    if not system:
        raise EventError(f"{type(data).__name__} has no source system: set data.source or pass source_system=",
                         path="$.data.source.system")
    key = _idempotency_key(data, system, event_type)
    occurred = time or _occurred_at(data) or datetime.now(UTC)
    if occurred.tzinfo is None:
        raise EventError("event time must be timezone-aware", code="naive_datetime", path="$.time")
    subject, partition_key = keys_for(data)
    plant = _plant_of(data)
    try:
        event = event_cls(  # type: ignore[call-arg]  # `data` is declared on each subclass
            id=_ev.event_id(key), source=_ev.source_uri(system, plant), specversion="1.0",
            time=occurred.astimezone(UTC), subject=subject, partitionkey=partition_key,
            dataschema=dataschema, idempotencykey=key, sourcesystem=system, plant=plant,
            schemaversion=__schema_version__, data=data,
        )
    except ValueError as exc:
        raise EventError(str(exc).split("] ", 1)[-1], code="constraint_violation", path="$.data") from None
    # The optional attributes go in apart: CPython compiles a call with more than 15 keywords into one
    # that builds a dict, which would double the constructor's cost for every event.
    if sequence is None and recorded_at is None and traceparent is None and correlation_id is None \
            and causation_id is None:
        return event
    return msgspec.structs.replace(event, sequence=sequence, recordedtime=recorded_at, traceparent=traceparent,
                                   correlationid=correlation_id, causationid=causation_id)


@functools.cache
def data_type(event_cls: type[CloudEvent]) -> type[msgspec.Struct]:
    """The entity class an event type carries in ``data``."""
    hint: type[msgspec.Struct] = typing.get_type_hints(event_cls)["data"]
    return hint


@functools.cache
def _class_constants(event_cls: type[CloudEvent]) -> tuple[type[msgspec.Struct], str, str]:
    """What :func:`build_event` needs of an event class (data type, ``type``, ``dataschema``), worked out once."""
    return data_type(event_cls), event_cls.event_type(), f"{SCHEMA_URN}{event_cls.NAME}"


def movement_event(movement: MaterialMovement, **kwargs: Any) -> CloudEvent:
    """The event a goods movement belongs in: issued, scrapped, received or moved."""
    return build_event(_MOVEMENT_EVENTS[movement.movement_type], movement, **kwargs)


def hold_event(nonconformance: Nonconformance, **kwargs: Any) -> CloudEvent:
    """Hold placed or released, by the hold's state; other nonconformances are 'reported'."""
    hold = nonconformance.hold
    if nonconformance.category is NonconformanceKind.HOLD and hold is not None:
        return build_event(QualityHoldPlaced if hold.is_active else QualityHoldReleased, nonconformance, **kwargs)
    return build_event(NonconformanceReported, nonconformance, **kwargs)
