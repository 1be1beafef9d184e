"""Value objects every v1 entity uses: quantities, properties, provenance and locations."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

import msgspec

from mfgcanon import units
from mfgcanon.types import (
    DECIMAL_MAX_ADJUSTED,
    DECIMAL_MIN_ADJUSTED,
    Code,
    Identifier,
    Instant,
    UnitCode,
    UnsignedDecimal,
    doc,
)
from mfgcanon.v1._base import Record, check_decimal, check_unit, check_unsigned, reject

_KNOWN_UNITS = units.KNOWN_CODES
_TIME_UNITS = units.TIME_CODES


class Quantity(Record, frozen=True, kw_only=True):
    """An amount in a UN/CEFACT Rec 20 unit. Never negative: the entity's type says which way it moves."""

    value: Annotated[UnsignedDecimal, doc("The amount: a finite decimal >= 0, written as a JSON string.")]
    uom: Annotated[UnitCode, doc("UN/CEFACT Recommendation 20 unit code, e.g. KGM, H87, LTR, HUR.")]
    source_uom: Annotated[str | None, doc("The source system's own unit code where it differs (SAP ST).")] = None

    def __post_init__(self) -> None:
        # One hook for every quantity in the model; kept to three cheap calls on the happy path.
        value = self.value
        try:
            bad = (value.is_signed() or not value.is_finite()
                   or not DECIMAL_MIN_ADJUSTED <= value.adjusted() <= DECIMAL_MAX_ADJUSTED)
        except AttributeError:  # an int or float built by hand: never on the decode path
            check_decimal("value", value)
        if bad:
            check_unsigned("value", value)
        if self.uom not in _KNOWN_UNITS:
            reject("uom", f"unknown unit code {self.uom!r}: not a registered UN/CEFACT Rec 20 code",
                   "unknown_unit")

    def to(self, uom: str, *, material: units.ConversionSource | None = None,
           places: int | None = None) -> Quantity:
        """This quantity in another unit: exact, through a material's own factors where needed."""
        value = units.convert_value(self.value, self.uom, uom, material=material, places=places)
        return Quantity(value=value, uom=uom)


class PropertyType(enum.StrEnum):
    """How to read a :class:`Property` value."""

    STRING = "string"
    """Plain text, read as it is; the default."""
    DECIMAL = "decimal"
    """An exact decimal number, e.g. '12.500' (never rounded through a float)."""
    INTEGER = "integer"
    """A whole number, e.g. '42'."""
    BOOLEAN = "boolean"
    """Yes or no, written 'true' or 'false'."""
    DATE = "date"
    """A calendar date, written 'YYYY-MM-DD'."""
    DATETIME = "datetime"
    """A date and time with its UTC offset (ISO 8601), e.g. '2024-01-15T07:15:00Z'."""
    OTHER = "other"


class Property(Record, frozen=True, kw_only=True):
    """A vendor or plant value with no canonical field, under a namespaced name (``sap.control_key``).

    The value is always a string on the wire, typed by ``data_type``, so every format carries it alike.
    """

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=255),
                    doc("Namespaced name: '<system>.<field>', e.g. 'sap.control_key'.")]
    value: Annotated[str | None, doc("The value as text; read it with data_type.")] = None
    data_type: Annotated[PropertyType, doc("How to read value.")] = PropertyType.STRING
    uom: Annotated[UnitCode | None, doc("Rec 20 unit of a numeric value, if any.")] = None
    data_type_source_code: Annotated[Code | None, doc(
        "A data type this version does not know (read as 'other'), verbatim.")] = None

    def __post_init__(self) -> None:
        if self.uom is not None:
            check_unit("uom", self.uom)
        if self.value is not None and self.data_type not in _UNTYPED:
            try:
                self.typed_value()
            except (ValueError, InvalidOperation):
                reject("value", f"{self.value!r} is not a valid {self.data_type.value}", "invalid_value")

    def typed_value(self) -> str | Decimal | int | bool | date | datetime | None:
        """The value as the Python type ``data_type`` names."""
        raw = self.value
        if raw is None:
            return None
        kind = self.data_type
        if kind is PropertyType.DECIMAL:
            number = Decimal(raw)
            if not number.is_finite():
                raise ValueError(raw)
            return number
        if kind is PropertyType.INTEGER:
            return int(raw)
        if kind is PropertyType.BOOLEAN:
            if raw not in ("true", "false"):
                raise ValueError(raw)
            return raw == "true"
        if kind is PropertyType.DATE:
            return date.fromisoformat(raw)
        if kind is PropertyType.DATETIME:
            moment = datetime.fromisoformat(raw)
            if moment.tzinfo is None:
                raise ValueError(raw)
            return moment
        return raw


class SourceRef(Record, frozen=True, kw_only=True):
    """Where a canonical value came from: the system and document, for audit and idempotency."""

    system: Annotated[Identifier, doc("Source system name as configured, e.g. 'S4H-100'.")]
    document_type: Annotated[str | None, doc("Document type, e.g. 'IDOC:LOIPRO05'.")] = None
    document_id: Annotated[str | None, doc("Identity of the source document: IDoc number, OData key, BOD id.")] = None
    line: Annotated[str | None, doc("Line or item within the document, where one document holds many records.")] = None
    revision: Annotated[str | None, doc("Source change counter, when a document is resent.")] = None
    received_at: Annotated[Instant | None, doc("When mfgcanon received the document (transport metadata).")] = None
    business_document_id: Annotated[Identifier | None, doc(
        "Business key every channel shares (material document 4900000123/2026/1): the event id derives from it.")
    ] = None
    message_id: Annotated[str | None, doc(
        "Transport message id (Kafka offset, JMS or AS2 message id, HTTP request id).")] = None


class Location(Record, frozen=True, kw_only=True):
    """A place within a plant: storage location and bin, or work center and equipment."""

    plant: Annotated[Identifier, doc("Plant (site) code, e.g. SAP WERKS.")]
    company_id: Annotated[Identifier | None, doc(
        "Legal entity the plant belongs to (SAP company code, Oracle business unit, D365 dataAreaId).")] = None
    storage_location: Annotated[Identifier | None, doc("Storage location, e.g. SAP LGORT; ISA-95 storage zone.")] = None
    bin: Annotated[Identifier | None, doc("Storage bin or unit within the storage location.")] = None
    work_center_id: Annotated[Identifier | None, doc("Work center, e.g. SAP ARBPL.")] = None
    equipment_id: Annotated[Identifier | None, doc("Equipment or line (ISA-95 equipment).")] = None


class StockStatus(enum.StrEnum):
    """Usability of stock (SAP stock types; ISA-95 lot disposition)."""

    UNRESTRICTED = "unrestricted"
    """Free to use: may be issued, shipped and planned (SAP unrestricted-use stock); the default of a balance."""
    QUALITY_INSPECTION = "quality_inspection"
    """Waiting for a quality decision: counted, but not to be used yet (SAP quality inspection stock). A status
    change into it places a quality hold; one back to unrestricted releases it."""
    BLOCKED = "blocked"
    """Not to be used, e.g. damaged or disputed (SAP blocked stock). A status change into it places a quality
    hold; one back to unrestricted releases it."""
    RESTRICTED = "restricted"
    """Usable only under conditions: the stock of a restricted batch (SAP restricted-use stock). It places no hold
    by itself; the batch status does."""
    OTHER = "other"


class TimePrecision(enum.StrEnum):
    """How precise an instant is: the source gave a time, or only a date."""

    INSTANT = "instant"
    """The source gave a date and a time of day: the instant is the moment the source stated."""
    DAY = "day"
    """The source gave only a date: the instant is 00:00 of that day in the plant's time zone."""
    OTHER = "other"


class ActivityKind(enum.StrEnum):
    """What a booked or planned activity time is for."""

    SETUP = "setup"
    """Setting up or changing over the machine or line before the run (SAP activity 1 of standard value key SAP1;
    D365 route card Setup)."""
    MACHINE = "machine"
    """Machine or process time while producing (SAP activity 2; D365 Process; Oracle equipment resources)."""
    LABOR = "labor"
    """Time people worked on the operation (SAP activity 3; Oracle labor resources)."""
    TEARDOWN = "teardown"
    """Clearing down the machine or line after the run (SAP activity 4)."""
    OTHER = "other"


class ActivityTime(Record, frozen=True, kw_only=True):
    """A planned standard value or a booked activity duration (SAP VGW01..06 / ISM01..06)."""

    activity: Annotated[ActivityKind, doc("What the time was spent on.")]
    duration: Annotated[Quantity, doc("The time, in a time unit (HUR, MIN, SEC).")]
    activity_type_code: Annotated[Code | None, doc("Source activity type, e.g. SAP LSTAR.")] = None
    activity_source_code: Annotated[Code | None, doc(
        "Source slot or kind of the activity, verbatim (SAP 'VGW01'); an unknown canonical kind lands here.")] = None
    basis_quantity: Annotated[Quantity | None, doc(
        "Quantity a planned standard value is given for (SAP BMSCH): duration per basis quantity.")] = None
    resource_id: Annotated[Identifier | None, doc(
        "Resource (machine, labour pool, tool) the time is booked on.")] = None

    def __post_init__(self) -> None:
        if self.duration.uom not in _TIME_UNITS:
            reject("duration", f"{self.duration.uom} is not a unit of time", "constraint_violation")


_UNTYPED = (PropertyType.STRING, PropertyType.OTHER)
"""Property types whose value is any text: a module constant, since an enum member lookup costs ~60 ns."""

Properties = Annotated[list[Property], doc("Vendor or plant values with no canonical field.")]
Source = Annotated[SourceRef | None, doc("Provenance: source system and document.")]
CompanyId = Annotated[Identifier | None, doc("Legal entity: SAP company code, Oracle business unit, D365 dataAreaId.")]
PartialFields = Annotated[list[Identifier], doc(
    "Fields a partial update carries (merge them, others were not sent); empty for a full snapshot.")]
