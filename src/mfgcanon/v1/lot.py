"""Lots (batches), their sub-lots (containers, handling units) and genealogy between them."""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, Record, check_date_window, check_partial, check_window, reject
from mfgcanon.v1.common import CompanyId, Location, PartialFields, Properties, Quantity, Source


class LotStatus(enum.StrEnum):
    """Usability of a lot (SAP ZUSTD restricted batch, ISA-95 lot status)."""

    RELEASED = "released"
    """Free to use: the lot may be consumed, shipped and planned (SAP batch not restricted); the default. A lot
    released after a hold status releases the hold."""
    RESTRICTED = "restricted"
    """Usable only under conditions (SAP restricted batch: not for unrestricted use, blocked for MRP)."""
    QUARANTINE = "quarantine"
    """Held apart until quality decides, typically a new lot waiting for inspection; not to be used. It places a
    quality hold."""
    BLOCKED = "blocked"
    """Not to be used, e.g. while a problem is investigated. It places a quality hold until the lot is released
    again."""
    REJECTED = "rejected"
    """Quality rejected the lot: it may not be used and waits to be scrapped, reworked or returned. It places a
    quality hold."""
    EXPIRED = "expired"
    """Past its shelf-life expiry date: not to be used. A held lot that expires is not a release of its hold."""
    CONSUMED = "consumed"
    """Used up: nothing of the lot is left in stock."""
    OTHER = "other"


class LotOrigin(enum.StrEnum):
    PRODUCED = "produced"
    """Made in-house by a production order (producing_order_id names it)."""
    PURCHASED = "purchased"
    """Bought from a supplier (supplier_id and supplier_lot_id name them)."""
    OTHER = "other"


class MaterialSubLot(Record, frozen=True, kw_only=True):
    """A container, handling unit or serialised unit within a lot (ISA-95 MaterialSubLot)."""

    sub_lot_id: Annotated[Identifier, doc("Container, HU, SSCC or serial number.")]
    quantity: Annotated[Quantity | None, doc("Quantity in this sub-lot.")] = None
    status: Annotated[LotStatus | None, doc("Status of this sub-lot.")] = None
    status_source_code: Annotated[Code | None, doc("Source status, verbatim.")] = None
    location: Annotated[Location | None, doc("Where the sub-lot is.")] = None
    parent_sub_lot_id: Annotated[Identifier | None, doc("Enclosing sub-lot (a box on a pallet).")] = None
    properties: Properties = msgspec.field(default_factory=list)


class MaterialLot(Entity, frozen=True, kw_only=True, tag="material_lot"):
    """A lot or batch of one material: a snapshot. SAP batches are unique per material, so the
    natural key is (``material_id``, ``lot_id``)."""

    lot_id: Annotated[Identifier, doc("Lot or batch number (CHARG).")]
    material_id: Annotated[Identifier, doc("Material of the lot (MATNR).")]
    plant: Annotated[Identifier | None, doc("Plant, where the lot is plant-specific.")] = None
    company_id: CompanyId = None
    status: Annotated[LotStatus, doc(
        "Quality or usage status. In a partial update that does not list it, it was not sent.")] = LotStatus.RELEASED
    status_source_code: Annotated[Code | None, doc("Source status, verbatim (SAP ZUSTD).")] = None
    quantity: Annotated[Quantity | None, doc("Current total quantity, where known.")] = None
    manufactured_at: Annotated[Instant | None, doc("Date of manufacture (HSDAT).")] = None
    expires_at: Annotated[Instant | None, doc("Shelf-life expiry (VFDAT).")] = None
    retest_at: Annotated[Instant | None, doc("Next inspection date (QNDAT).")] = None
    manufactured_date: Annotated[date | None, doc("Date of manufacture as the calendar date it is (HSDAT).")] = None
    expiry_date: Annotated[date | None, doc("Shelf-life expiry date (VFDAT).")] = None
    retest_date: Annotated[date | None, doc("Next inspection date (QNDAT).")] = None
    origin: Annotated[LotOrigin | None, doc("Made in-house or bought.")] = None
    origin_source_code: Annotated[Code | None, doc("Source origin, verbatim.")] = None
    producing_order_id: Annotated[Identifier | None, doc("Order that produced it (AUFNR).")] = None
    supplier_id: Annotated[Identifier | None, doc("Supplier (LIFNR).")] = None
    supplier_lot_id: Annotated[Identifier | None, doc("Supplier's own batch number (LICHA).")] = None
    sub_lots: Annotated[list[MaterialSubLot], doc("Containers or handling units of the lot.")] = msgspec.field(
        default_factory=list)
    partial_fields: PartialFields = msgspec.field(default_factory=list)
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        check_window(self.manufactured_at, self.expires_at, "expires_at", "manufactured_at")
        check_date_window(self.manufactured_date, self.expiry_date, "expiry_date", "manufactured_date")
        if self.partial_fields:
            check_partial(self)


class GenealogyRelationship(enum.StrEnum):
    CONSUMED_INTO = "consumed_into"
    """The input lot (child) was consumed by an order that produced the output lot (parent), as raw material goes
    into a product. The links mfgcanon derives from an order's goods issues and receipts are of this kind."""
    ASSEMBLED_INTO = "assembled_into"
    """The input item (child), typically a serialised part or sub-assembly, was built into the output item
    (parent) and stays identifiable in it."""
    SPLIT_FROM = "split_from"
    """A lot was divided: the output lot (parent) is a part split off the input lot (child)."""
    MERGED_INTO = "merged_into"
    """Lots were combined: the input lot (child) was merged with others into the output lot (parent), e.g. by
    blending or pooling."""
    RELABELED_AS = "relabeled_as"
    """The same material under a new number or label: the output lot (parent) is the input lot (child) renamed,
    e.g. a supplier lot relabelled on receipt."""
    OTHER = "other"


class LotItem(Record, frozen=True, kw_only=True):
    """One side of a genealogy link: a material, optionally narrowed to a lot, sub-lot or serial."""

    material_id: Annotated[Identifier, doc("Material.")]
    lot_id: Annotated[Identifier | None, doc("Lot.")] = None
    sub_lot_id: Annotated[Identifier | None, doc("Sub-lot or container.")] = None
    serial_number: Annotated[Identifier | None, doc("Serial number.")] = None


class GenealogyLink(Entity, frozen=True, kw_only=True, tag="genealogy_link"):
    """A fact linking an input item to an output item: 'child' went into 'parent'."""

    link_id: Annotated[Identifier, doc("Key of the link, derived deterministically from its inputs.")]
    relationship: Annotated[GenealogyRelationship, doc("How the child relates to the parent.")]
    relationship_source_code: Annotated[Code | None, doc("Source relationship, verbatim.")] = None
    parent: Annotated[LotItem, doc("The output item.")]
    child: Annotated[LotItem, doc("The input item.")]
    quantity: Annotated[Quantity | None, doc("Quantity of the child used.")] = None
    plant: Annotated[Identifier | None, doc("Plant where it happened.")] = None
    company_id: CompanyId = None
    order_id: Annotated[Identifier | None, doc("Order in whose context it happened.")] = None
    operation_id: Annotated[Identifier | None, doc("Operation in whose context it happened.")] = None
    occurred_at: Annotated[Instant, doc("When the link was made.")]
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        if self.parent == self.child:
            reject("child", "a lot item cannot be linked to itself", "constraint_violation")
