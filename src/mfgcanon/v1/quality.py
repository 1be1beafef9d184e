"""Quality: inspections with their results and usage decision, and nonconformances (defects,
deviations, quality holds)."""

from __future__ import annotations

import enum
from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, SignedDecimal, UnitCode, doc
from mfgcanon.v1._base import Entity, Record, check_finite, check_partial, check_unit, check_window, reject
from mfgcanon.v1.common import CompanyId, Location, PartialFields, Properties, Quantity, Source


class InspectedItem(Record, frozen=True, kw_only=True):
    """What was inspected or is affected: at least one key is set."""

    material_id: Annotated[Identifier | None, doc("Material.")] = None
    lot_id: Annotated[Identifier | None, doc("Lot.")] = None
    sub_lot_id: Annotated[Identifier | None, doc("Sub-lot or container.")] = None
    order_id: Annotated[Identifier | None, doc("Production order.")] = None
    operation_id: Annotated[Identifier | None, doc("Operation.")] = None
    equipment_id: Annotated[Identifier | None, doc("Equipment.")] = None
    serial_numbers: Annotated[list[Identifier], doc("Serial numbers.")] = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        if not (self.material_id or self.lot_id or self.sub_lot_id or self.order_id or self.operation_id
                or self.equipment_id or self.serial_numbers):
            reject("material_id", "an inspected item needs at least one key (material, lot, order, ...)",
                   "missing_field")


class InspectionType(enum.StrEnum):
    INCOMING = "incoming"
    """Inspection of goods received, from a supplier or another receipt (SAP inspection lot origin 01, 05)."""
    IN_PROCESS = "in_process"
    """Inspection during production, at an operation of the order (SAP origin 03)."""
    FINAL = "final"
    """Inspection of the product received from the order, before it is released for use (SAP origin 04)."""
    STABILITY = "stability"
    """Samples of a lot tested at intervals over its shelf life (a stability study); no packaged SAP code maps to
    it."""
    OTHER = "other"


class InspectionStatus(enum.StrEnum):
    PLANNED = "planned"
    """The inspection exists, but no results are recorded yet; the default."""
    IN_PROGRESS = "in_progress"
    """Results are being recorded; no usage decision yet."""
    COMPLETED = "completed"
    """Finished: results recorded and usually a usage decision made (SAP inspection lot with a usage decision, or
    inspection completed)."""
    CANCELLED = "cancelled"
    """Cancelled: the inspection will not be carried out (SAP inspection lot cancelled)."""
    OTHER = "other"


class Evaluation(enum.StrEnum):
    PASS = "pass"
    """The result meets the specification (SAP valuation A, accepted)."""
    FAIL = "fail"
    """The result is outside the specification (SAP valuation R, rejected)."""
    NOT_EVALUATED = "not_evaluated"
    """The result has not been judged against the specification (SAP blank valuation); the default."""
    OTHER = "other"


class UsageDecision(enum.StrEnum):
    ACCEPT = "accept"
    """The lot may be used (SAP valuation A; code A1 in the packaged list). It releases a quality hold on the lot."""
    REJECT = "reject"
    """The lot may not be used as it is (SAP valuation R; code R1 in the packaged list). It places a quality hold
    on the lot."""
    CONDITIONAL_ACCEPT = "conditional_accept"
    """The lot may be used under conditions, e.g. with a concession or for some uses only (SAP code A2 in the
    packaged list). Like accept, it releases a quality hold."""
    REWORK = "rework"
    """The lot must be reworked before it may be used (SAP code R2 in the packaged list). It neither places nor
    releases a hold: the stock movement or batch status that follows does."""
    OTHER = "other"


class InspectionResult(Record, frozen=True, kw_only=True):
    """A result for one characteristic: a measured value (may be negative) or an attribute value."""

    characteristic_id: Annotated[Identifier, doc("Characteristic or test (SAP MERKNR / MSTR_CHAR).")]
    description: Annotated[str | None, doc("Characteristic text.")] = None
    measured_value: Annotated[SignedDecimal | None, doc("Measured value, e.g. a temperature of -18.5.")] = None
    value_text: Annotated[str | None, doc("Attribute or text value, e.g. a code-group result.")] = None
    uom: Annotated[UnitCode | None, doc("Rec 20 unit of the measured value and limits.")] = None
    lower_limit: Annotated[SignedDecimal | None, doc("Lower tolerance limit.")] = None
    upper_limit: Annotated[SignedDecimal | None, doc("Upper tolerance limit.")] = None
    target_value: Annotated[SignedDecimal | None, doc("Target value.")] = None
    evaluation: Annotated[Evaluation, doc("Whether the result meets the specification.")] = Evaluation.NOT_EVALUATED
    evaluation_source_code: Annotated[Code | None, doc("Source valuation code, verbatim (SAP MBEWERTG).")] = None
    measured_at: Annotated[Instant | None, doc("When it was measured.")] = None
    sample_id: Annotated[Identifier | None, doc("Sample measured.")] = None
    method_id: Annotated[Identifier | None, doc("Inspection method.")] = None
    properties: Properties = msgspec.field(default_factory=list)

    def __post_init__(self) -> None:
        check_unit("uom", self.uom)
        check_finite("measured_value", self.measured_value)
        check_finite("lower_limit", self.lower_limit)
        check_finite("upper_limit", self.upper_limit)
        check_finite("target_value", self.target_value)
        if self.lower_limit is not None and self.upper_limit is not None and self.upper_limit < self.lower_limit:
            reject("upper_limit", "is below lower_limit", "constraint_violation")


class QualityInspection(Entity, frozen=True, kw_only=True, tag="quality_inspection"):
    """An inspection lot: what was inspected, the results and the usage decision."""

    inspection_id: Annotated[Identifier, doc("Inspection lot or sample key (SAP PRUEFLOS).")]
    plant: Annotated[Identifier, doc("Plant.")]
    company_id: CompanyId = None
    inspection_type: Annotated[InspectionType, doc("Canonical inspection type.")] = InspectionType.OTHER
    inspection_type_source_code: Annotated[Code | None, doc("Source inspection type (SAP ART).")] = None
    inspected: Annotated[InspectedItem, doc("What was inspected.")]
    specification_id: Annotated[Identifier | None, doc("Inspection plan or specification.")] = None
    sample_size: Annotated[Quantity | None, doc("Sample size.")] = None
    status: Annotated[InspectionStatus, doc("Inspection lifecycle.")] = InspectionStatus.PLANNED
    status_source_code: Annotated[str | None, doc("Source status codes, verbatim.")] = None
    results: Annotated[list[InspectionResult], doc("Results per characteristic.")] = msgspec.field(
        default_factory=list)
    usage_decision: Annotated[UsageDecision | None, doc("Lot disposition.")] = None
    usage_decision_source_code: Annotated[Code | None, doc("Source usage decision code (SAP VCODE).")] = None
    decided_at: Annotated[Instant | None, doc("When the usage decision was made.")] = None
    decided_by: Annotated[Identifier | None, doc("Who made the usage decision.")] = None
    expires_at: Annotated[Instant | None, doc("Retest or expiry date the decision sets.")] = None
    partial_fields: PartialFields = msgspec.field(default_factory=list)
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        if self.partial_fields:
            check_partial(self)


class NonconformanceKind(enum.StrEnum):
    DEFECT = "defect"
    """A product does not meet its specification: a defective part or lot."""
    DEVIATION = "deviation"
    """A departure from the approved process or specification, planned or found afterwards, e.g. a process
    parameter out of range."""
    HOLD = "hold"
    """A quality hold: the items may not be used until it is released. The holds mfgcanon derives from batch
    statuses, stock movements and usage decisions are of this kind."""
    COMPLAINT = "complaint"
    """A complaint about delivered goods, from a customer or to a supplier."""
    OTHER = "other"


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    """A risk to safety, health or compliance: act at once."""
    HIGH = "high"
    """A major problem: the product does not work, or cannot be sold as it is."""
    MEDIUM = "medium"
    """A problem that affects the product, but not its safety or main function."""
    LOW = "low"
    """A minor problem with little effect on use, e.g. a cosmetic flaw."""
    OTHER = "other"


class NonconformanceStatus(enum.StrEnum):
    OPEN = "open"
    """Reported and not yet resolved; for a hold, the hold is in force."""
    IN_REVIEW = "in_review"
    """Being investigated or reviewed; no disposition decided yet."""
    DISPOSITIONED = "dispositioned"
    """A disposition was decided (use as is, rework, scrap, ...) and is being carried out."""
    CLOSED = "closed"
    """Resolved and closed; for a hold, the hold was released."""
    OTHER = "other"


class Disposition(enum.StrEnum):
    USE_AS_IS = "use_as_is"
    """The items are used as they are despite the nonconformance (a concession)."""
    REWORK = "rework"
    """The items are reworked to meet the specification, then used."""
    SCRAP = "scrap"
    """The items are destroyed or written off."""
    RETURN_TO_VENDOR = "return_to_vendor"
    """The items go back to the supplier."""
    REGRADE = "regrade"
    """The items are used as a lower grade or as another material."""
    OTHER = "other"


class QualityHold(Record, frozen=True, kw_only=True):
    """The state of a quality hold: placed, and perhaps released."""

    is_active: Annotated[bool, doc("The hold is in force.")]
    placed_at: Annotated[Instant, doc("When the hold was placed.")]
    placed_by: Annotated[Identifier | None, doc("Who placed it.")] = None
    reason_code: Annotated[Code | None, doc("Reason for the hold.")] = None
    released_at: Annotated[Instant | None, doc("When it was released.")] = None
    released_by: Annotated[Identifier | None, doc("Who released it.")] = None

    def __post_init__(self) -> None:
        if self.is_active and self.released_at is not None:
            reject("released_at", "an active hold cannot have a release time", "constraint_violation")
        check_window(self.placed_at, self.released_at, "released_at", "placed_at")


class Nonconformance(Entity, frozen=True, kw_only=True, tag="nonconformance"):
    """A defect, deviation, complaint or quality hold against items, with its disposition."""

    nonconformance_id: Annotated[Identifier, doc("Nonconformance, notification or hold key.")]
    category: Annotated[NonconformanceKind, doc("What sort of nonconformance: defect, deviation, hold, ...")]
    category_source_code: Annotated[Code | None, doc("Source category or notification type, verbatim.")] = None
    plant: Annotated[Identifier, doc("Plant.")]
    company_id: CompanyId = None
    severity: Annotated[Severity | None, doc("Severity.")] = None
    severity_source_code: Annotated[Code | None, doc("Source priority or severity, verbatim.")] = None
    status: Annotated[NonconformanceStatus, doc("Lifecycle.")] = NonconformanceStatus.OPEN
    status_source_code: Annotated[Code | None, doc("Source status, verbatim.")] = None
    affected: Annotated[InspectedItem, doc("The (first) affected item.")]
    affected_items: Annotated[list[InspectedItem], doc(
        "Further affected items, when more than one lot, order or equipment is affected.")] = msgspec.field(
        default_factory=list)
    affected_quantity: Annotated[Quantity | None, doc("Quantity affected.")] = None
    defect_code: Annotated[Code | None, doc("Defect code.")] = None
    reason_code: Annotated[Code | None, doc("Cause or reason code.")] = None
    description: Annotated[str | None, doc("What is wrong.")] = None
    detected_at: Annotated[Instant | None, doc("When it was found.")] = None
    detected_by: Annotated[Identifier | None, doc("Who found it.")] = None
    detected_location: Annotated[Location | None, doc("Where it was found.")] = None
    disposition: Annotated[Disposition | None, doc("What is to be done with the items.")] = None
    disposition_source_code: Annotated[Code | None, doc("Source disposition, verbatim.")] = None
    hold: Annotated[QualityHold | None, doc("Quality hold state; required when category is 'hold'.")] = None
    closed_at: Annotated[Instant | None, doc("When the nonconformance was closed (exception aging ends here).")] = None
    partial_fields: PartialFields = msgspec.field(default_factory=list)
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        check_window(self.detected_at, self.closed_at, "closed_at", "detected_at")
        if self.partial_fields:
            check_partial(self)
        if self.category is NonconformanceKind.HOLD and self.hold is None:
            reject("hold", "a nonconformance of category 'hold' needs its hold state", "missing_field")
