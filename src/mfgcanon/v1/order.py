"""Production orders: what to make, how much, when, by which operations, from which components."""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, Record, check_partial, check_window
from mfgcanon.v1.common import ActivityTime, CompanyId, Location, PartialFields, Properties, Quantity, Source


class OrderStatus(enum.StrEnum):
    """Order lifecycle (SAP system status CRTD/REL/PCNF/CNF/TECO/CLSD/DLFL; ISA-95 request state)."""

    PLANNED = "planned"
    """Created but not released: it cannot be worked on yet (SAP CRTD; Oracle UNRELEASED, EBS Unreleased; D365
    Created, Estimated, Scheduled; Business Central Simulated, Planned, Firm Planned)."""
    RELEASED = "released"
    """Released to the shop floor: work may start (SAP REL, also partly released PREL; Oracle RELEASED; D365
    Released; Business Central Released)."""
    IN_PROGRESS = "in_progress"
    """Work has started: partly confirmed or partly delivered (SAP PCNF, PDLV; D365 Started)."""
    ON_HOLD = "on_hold"
    """Put on hold or locked: no work and no postings until it is released again (SAP LKD; Oracle ON_HOLD, EBS On
    Hold)."""
    COMPLETED = "completed"
    """Production is finished, but late confirmations, goods movements and costs may still post (SAP TECO, also
    CNF and DLV; Oracle COMPLETED, EBS Complete; D365 Reported as finished; Business Central Finished)."""
    CLOSED = "closed"
    """Closed for good: nothing may post to the order any more (SAP CLSD; Oracle CLOSED, EBS Closed; D365 Ended)."""
    CANCELLED = "cancelled"
    """Will not be produced: cancelled, or flagged for deletion (SAP DLFL; Oracle CANCELED, EBS Cancelled)."""
    OTHER = "other"


class OperationStatus(enum.StrEnum):
    """Operation lifecycle, with the partial/final confirmation states ERPs track per operation."""

    PLANNED = "planned"
    """Created but not released to the shop floor yet (SAP CRTD)."""
    RELEASED = "released"
    """Released: the operation may be started (SAP REL)."""
    IN_PROGRESS = "in_progress"
    """Started on the shop floor, not finished yet (D365 operation started; SAP PDLV partly delivered)."""
    CONFIRMED_PARTIALLY = "confirmed_partially"
    """Some quantity or time was confirmed; more confirmations are expected (SAP PCNF)."""
    CONFIRMED_FINAL = "confirmed_final"
    """A final confirmation was posted: the work at this operation is done (SAP CNF)."""
    ON_HOLD = "on_hold"
    """Locked or interrupted: no work and no postings until it is unlocked (SAP LKD)."""
    COMPLETED = "completed"
    """Completed: no more work is expected (SAP DLV, TECO, and CLSD: an operation has no separate closed status;
    D365 operation completed)."""
    CANCELLED = "cancelled"
    """Cancelled or flagged for deletion: it will not be carried out (SAP DLFL)."""
    OTHER = "other"


class OperationsType(enum.StrEnum):
    """ISA-95 operations type of the order."""

    PRODUCTION = "production"
    """Making product: the usual production order; the default."""
    REWORK = "rework"
    """Reworking items that failed a quality check, to bring them back to specification."""
    MAINTENANCE = "maintenance"
    """Maintenance work on equipment, run as an order."""
    QUALITY = "quality"
    """Quality work such as testing or inspection, run as an order."""
    OTHER = "other"


class MaterialUse(enum.StrEnum):
    """Direction of a material line (ISA-95 MaterialUse)."""

    CONSUMED = "consumed"
    """A component the order consumes: issued to it from stock (SAP reservation items)."""
    PRODUCED = "produced"
    """The order's main product, received into stock (Oracle PRODUCT; D365 MainItem)."""
    CO_PRODUCT = "co_product"
    """A second planned product of the same order that carries part of its cost (SAP receipt items other than
    movement type 531; Oracle CO_PRODUCT; D365 Co_Product)."""
    BY_PRODUCT = "by_product"
    """A secondary output of lesser value, e.g. a residue that is sold or reused (SAP receipt with movement type
    531; Oracle BY_PRODUCT; D365 By_Product)."""
    CONSUMABLE = "consumable"
    """Used up while producing but not part of the product, e.g. an auxiliary material (ISA-95 Consumable)."""
    SAMPLE = "sample"
    """Material taken as a sample, e.g. for quality testing (ISA-95 Sample)."""
    OTHER = "other"


class SupplyType(enum.StrEnum):
    """How a component reaches the order (Oracle/EBS WIP supply types, D365 flushing principle, SAP backflush)."""

    PUSH = "push"
    """Issued to the order by a goods issue (SAP manual issue, Oracle/EBS push)."""
    ASSEMBLY_PULL = "assembly_pull"
    """Backflushed when the assembly is completed."""
    OPERATION_PULL = "operation_pull"
    """Backflushed when its operation is completed (SAP backflush, D365 finish)."""
    BULK = "bulk"
    """Floor stock, not issued per order (SAP bulk material SCHGT)."""
    SUPPLIER = "supplier"
    """Provided by a supplier (subcontracting, vendor-managed)."""
    PHANTOM = "phantom"
    """A phantom assembly: exploded into its own components, never stocked."""
    OTHER = "other"


class Operation(Record, frozen=True, kw_only=True):
    """One routing step of an order (SAP AFVC/AFVV; ISA-95 child SegmentRequirement)."""

    operation_id: Annotated[Identifier, doc("Operation number kept verbatim, e.g. '0010' (SAP VORNR).")]
    sequence: Annotated[Annotated[int, msgspec.Meta(ge=0)] | None,
                        doc("Execution order where it differs from the operation number.")] = None
    sequence_id: Annotated[Identifier | None, doc(
        "Routing sequence (SAP PLNFL, D365 operation priority): operations are keyed by sequence and number.")] = None
    source_operation_id: Annotated[Identifier | None, doc(
        "The source's internal key, needed to write back (SAP AUFPL/APLZL, Oracle WorkOrderOperationId).")] = None
    parent_operation_id: Annotated[Identifier | None, doc("Superior operation of a sub-operation (PVZNR).")] = None
    description: Annotated[str | None, doc("Operation short text (LTXA1).")] = None
    work_center_id: Annotated[Identifier | None, doc("Work center that runs it (ARBPL).")] = None
    process_segment_id: Annotated[Identifier | None, doc("Standard operation or ISA-95 process segment.")] = None
    control_key: Annotated[Code | None, doc("ERP control key: milestone, external, ... (STEUS).")] = None
    planned_quantity: Annotated[Quantity | None, doc("Quantity the operation is planned for (MGVRG/MEINH).")] = None
    planned_start_at: Annotated[Instant | None, doc(
        "Earliest scheduled start (FSAVD+FSAVZ in plant time, as UTC).")] = None
    planned_end_at: Annotated[Instant | None, doc("Earliest scheduled end (FSEDD+FSEDZ in plant time, as UTC).")] = None
    latest_start_at: Annotated[Instant | None, doc(
        "Latest scheduled start, where the source schedules a range.")] = None
    latest_end_at: Annotated[Instant | None, doc("Latest scheduled end.")] = None
    actual_start_at: Annotated[Instant | None, doc("Actual start, as reported back.")] = None
    actual_end_at: Annotated[Instant | None, doc("Actual end, as reported back.")] = None
    planned_activities: Annotated[list[ActivityTime], doc("Standard values: setup, machine, labor (VGW01..06).")] = (
        msgspec.field(default_factory=list))
    status: Annotated[OperationStatus | None, doc("Canonical operation status.")] = None
    status_source_code: Annotated[str | None, doc("Source status codes, verbatim.")] = None
    confirmed_yield_quantity: Annotated[Quantity | None, doc("Yield confirmed so far (SAP LMNGA total).")] = None
    confirmed_scrap_quantity: Annotated[Quantity | None, doc("Scrap confirmed so far (SAP XMNGA total).")] = None
    properties: Properties = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        check_window(self.planned_start_at, self.planned_end_at, "planned_end_at", "planned_start_at")
        check_window(self.actual_start_at, self.actual_end_at, "actual_end_at", "actual_start_at")


class MaterialRequirement(Record, frozen=True, kw_only=True):
    """A component, co-product or by-product line of an order (SAP RESB; ISA-95 MaterialRequirement)."""

    line_id: Annotated[Identifier, doc("Stable line key, e.g. reservation number and item (RSNUM/RSPOS).")]
    material_id: Annotated[Identifier, doc("Material required.")]
    material_use: Annotated[MaterialUse, doc("Whether the line is consumed or produced.")] = MaterialUse.CONSUMED
    material_use_source_code: Annotated[Code | None, doc("Source line type, verbatim.")] = None
    quantity: Annotated[Quantity, doc("Required quantity (BDMNG/MEINS).")]
    issued_quantity: Annotated[Quantity | None, doc(
        "Quantity issued so far (SAP ENMNG, Oracle IssuedQuantity).")] = None
    supply_type: Annotated[SupplyType | None, doc("How the component reaches the order.")] = None
    supply_type_source_code: Annotated[Code | None, doc(
        "Source supply type, verbatim (Oracle 'ASSEMBLY_PULL').")] = None
    is_final_issue: Annotated[bool, doc("No further issue is expected (SAP KZEAR final issue).")] = False
    operation_id: Annotated[Identifier | None, doc("Operation that consumes it (VORNR).")] = None
    bom_item_number: Annotated[Code | None, doc("BOM item number (POSNR).")] = None
    lot_id: Annotated[Identifier | None, doc("Pre-assigned lot (CHARG).")] = None
    sub_lot_id: Annotated[Identifier | None, doc("Pre-assigned container or handling unit.")] = None
    issue_location: Annotated[Location | None, doc("Where it is issued from (WERKS/LGORT).")] = None
    required_date: Annotated[date | None, doc("Date the component is needed (BDTER).")] = None
    is_backflush: Annotated[bool, doc("Issued automatically on confirmation (RGEKZ).")] = False
    is_phantom: Annotated[bool, doc("Phantom assembly: exploded, never stocked (DUMPS).")] = False
    alternative_group: Annotated[Code | None, doc("Alternative item group (ALPGR).")] = None
    properties: Properties = msgspec.field(default_factory=list)


class ProductionOrder(Entity, frozen=True, kw_only=True, tag="production_order"):
    """A production (or process) order snapshot: the latest state wins, ordered by ``revision``."""

    order_id: Annotated[Identifier, doc("Order number as people see it (SAP AUFNR without ALPHA zeros).")]
    plant: Annotated[Identifier, doc("Producing plant (WERKS).")]
    company_id: CompanyId = None
    source_order_id: Annotated[Identifier | None, doc(
        "The source's internal key where it differs from the number people see (Oracle WorkOrderId).")] = None
    description: Annotated[str | None, doc("Order text.")] = None
    order_type: Annotated[Code | None, doc("Source order type (AUART).")] = None
    operations_type: Annotated[OperationsType, doc("ISA-95 operations type.")] = OperationsType.PRODUCTION
    status: Annotated[OrderStatus, doc("Canonical lifecycle status.")]
    status_source_code: Annotated[str | None, doc("Source status codes, verbatim (e.g. 'REL PRC MACM').")] = None
    material_id: Annotated[Identifier, doc("Material to produce (MATNR).")]
    planned_quantity: Annotated[Quantity, doc("Total order quantity (GAMNG/GMEIN).")]
    planned_scrap_quantity: Annotated[Quantity | None, doc("Expected scrap within the total (GASMG).")] = None
    planned_start_at: Annotated[Instant | None, doc("Basic start (GSTRP, or GSTRS+GSUZS scheduled).")] = None
    planned_end_at: Annotated[Instant | None, doc("Basic finish (GLTRP, or GLTRS+GLUZS scheduled).")] = None
    scheduled_start_at: Annotated[Instant | None, doc("Scheduled start, where the source schedules separately.")] = None
    scheduled_end_at: Annotated[Instant | None, doc("Scheduled finish.")] = None
    due_at: Annotated[Instant | None, doc("When the output is due (requested delivery, need date).")] = None
    actual_start_at: Annotated[Instant | None, doc(
        "Actual start of production (SAP GSTRI, Oracle ActualStartDate).")] = None
    actual_end_at: Annotated[Instant | None, doc(
        "Actual finish of production (SAP GLTRI, Oracle CompletionDate).")] = None
    closed_at: Annotated[Instant | None, doc("When the order was closed (SAP CLSD, Oracle closed date).")] = None
    priority: Annotated[Annotated[int, msgspec.Meta(ge=0, le=1000)] | None,
                        doc("Higher is more urgent (0-1000); mappers normalise source scales.")] = None
    priority_source_code: Annotated[Code | None, doc("Source priority, verbatim, before normalising.")] = None
    receipt_location: Annotated[Location | None, doc(
        "Where the output is received (SAP LGORT of the order item, Oracle CompletionSubinventory).")] = None
    routing_id: Annotated[Identifier | None, doc("Routing, recipe or production version (PLNNR / VERID).")] = None
    bom_id: Annotated[Identifier | None, doc("Bill of materials (STLNR).")] = None
    target_lot_id: Annotated[Identifier | None, doc("Lot the output goes to (CHARG).")] = None
    production_line_id: Annotated[Identifier | None, doc("Line or work center for the whole order.")] = None
    sales_order_id: Annotated[Identifier | None, doc("Make-to-order link, e.g. '4711/10' (KDAUF/KDPOS).")] = None
    parent_order_id: Annotated[Identifier | None, doc("Parent of a split or child order.")] = None
    operations: Annotated[list[Operation], doc("Routing steps, in operation-number order.")] = msgspec.field(
        default_factory=list)
    material_requirements: Annotated[list[MaterialRequirement], doc("Components, co- and by-products.")] = (
        msgspec.field(default_factory=list))
    revision: Annotated[str | None, doc("Source change counter; orders the updates of one order.")] = None
    released_at: Annotated[Instant | None, doc("When the order was released to the shop floor.")] = None
    released_date: Annotated[date | None, doc(
        "Release date where the source has only a date (SAP FTRMI), in the plant's calendar.")] = None
    confirmed_yield_quantity: Annotated[Quantity | None, doc("Yield confirmed so far.")] = None
    confirmed_scrap_quantity: Annotated[Quantity | None, doc("Scrap confirmed so far.")] = None
    received_quantity: Annotated[Quantity | None, doc("Quantity received into stock so far (SAP WEMNG).")] = None
    operations_type_source_code: Annotated[Code | None, doc("Source operations type, verbatim.")] = None
    partial_fields: PartialFields = msgspec.field(default_factory=list)
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        check_window(self.planned_start_at, self.planned_end_at, "planned_end_at", "planned_start_at")
        check_window(self.scheduled_start_at, self.scheduled_end_at, "scheduled_end_at", "scheduled_start_at")
        check_window(self.actual_start_at, self.actual_end_at, "actual_end_at", "actual_start_at")
        if self.partial_fields:
            check_partial(self)
