"""The item master: what a material is, in which units it is counted and how they convert."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from fractions import Fraction
from typing import Annotated

import msgspec

from mfgcanon import units
from mfgcanon.types import Code, Identifier, Instant, UnitCode, UnsignedDecimal, doc
from mfgcanon.v1._base import (
    Entity,
    Record,
    check_date_window,
    check_partial,
    check_range,
    check_unit,
    check_window,
    in_window,
    reject,
)
from mfgcanon.v1.common import PartialFields, Properties, Quantity, Source


class MaterialType(enum.StrEnum):
    RAW = "raw"
    """Raw material bought to be processed (SAP ROH; Oracle Raw Material, Purchased Item)."""
    SEMI_FINISHED = "semi_finished"
    """An intermediate made in-house to go into another product (SAP HALB; Oracle Subassembly)."""
    FINISHED = "finished"
    """A product made to be sold (SAP FERT; Oracle Finished Good)."""
    PACKAGING = "packaging"
    """Packaging material (SAP VERP; Oracle Packaging)."""
    CONSUMABLE = "consumable"
    """Operating supplies used up in production but not part of the product (SAP HIBE; Oracle Supply Item)."""
    SPARE_PART = "spare_part"
    """Spare parts to maintain equipment (SAP ERSA)."""
    SERVICE = "service"
    """A service, bought or sold, never stocked (SAP DIEN)."""
    OTHER = "other"


class MaterialStatus(enum.StrEnum):
    ACTIVE = "active"
    """May be planned, bought, produced and moved; the default (SAP material with no status; Oracle Active). SAP
    material statuses are defined per installation and read as other."""
    BLOCKED = "blocked"
    """Temporarily not to be used in some or all processes (Oracle On Hold)."""
    OBSOLETE = "obsolete"
    """Phased out: no longer to be used or replenished (Oracle Inactive, Obsolete)."""
    OTHER = "other"


class ProcurementType(enum.StrEnum):
    MAKE = "make"
    """Produced in-house (SAP procurement type E)."""
    BUY = "buy"
    """Procured externally: purchased or subcontracted (SAP F)."""
    BOTH = "both"
    """Made in-house or procured externally (SAP X)."""
    OTHER = "other"


class UnitConversion(Record, frozen=True, kw_only=True):
    """An alternative unit: one ``uom`` holds ``numerator / denominator`` base units (SAP MARM UMREZ/UMREN)."""

    uom: Annotated[UnitCode, doc("The alternative unit (Rec 20).")]
    numerator: Annotated[UnsignedDecimal, doc("Base units in `denominator` alternative units (SAP UMREZ).")]
    denominator: Annotated[UnsignedDecimal, doc("Alternative units that hold `numerator` base units (SAP UMREN).")]

    def __post_init__(self) -> None:
        check_unit("uom", self.uom)
        for name, number in (("numerator", self.numerator), ("denominator", self.denominator)):
            if not number.is_finite() or number <= 0:
                reject(name, f"{number} must be a finite decimal > 0", "constraint_violation")
            check_range(name, number)


class LocalizedText(Record, frozen=True, kw_only=True):
    """A text in one language."""

    language: Annotated[str, msgspec.Meta(min_length=2, max_length=35),
                        doc("BCP 47 / ISO 639 language code, e.g. 'en', 'de'.")]
    text: Annotated[str, doc("The text.")]


class MaterialPlantData(Record, frozen=True, kw_only=True):
    """The plant-specific view of a material (SAP MARC)."""

    plant: Annotated[Identifier, doc("Plant code.")]
    procurement_type: Annotated[ProcurementType | None, doc("Made in-house, bought, or both.")] = None
    procurement_type_source_code: Annotated[Code | None, doc("Source code for procurement type (SAP BESKZ).")] = None
    storage_location: Annotated[Identifier | None, doc("Default storage location for production or issue.")] = None
    is_backflush: Annotated[bool | None, doc("Components are issued automatically on confirmation.")] = None
    status: Annotated[MaterialStatus | None, doc("Plant-specific status.")] = None
    status_source_code: Annotated[Code | None, doc("Source plant status (SAP MMSTA).")] = None
    mrp_controller: Annotated[Code | None, doc("Planner responsible (SAP DISPO).")] = None


class Material(Entity, frozen=True, kw_only=True, tag="material"):
    """A material master record: raw material, intermediate, finished good, packaging."""

    material_id: Annotated[Identifier, doc("Material number as people see it (SAP MATNR without ALPHA zeros).")]
    description: Annotated[str | None, doc("Short text in the source's default language.")] = None
    descriptions: Annotated[list[LocalizedText], doc("Short texts per language.")] = msgspec.field(
        default_factory=list)
    base_uom: Annotated[UnitCode, doc("Unit stock is kept in (Rec 20).")]
    material_type: Annotated[MaterialType, doc("Canonical material type.")] = MaterialType.OTHER
    material_type_source_code: Annotated[Code | None, doc("Source material type (SAP MTART).")] = None
    material_group: Annotated[Code | None, doc("Material group or class (SAP MATKL).")] = None
    gtin: Annotated[Annotated[str, msgspec.Meta(pattern=r"^[0-9]{8}$|^[0-9]{12,14}$")] | None, doc(
        "GS1 Global Trade Item Number of the base unit (SAP EAN11 of category HE/UC, Oracle GTIN).")] = None
    revision: Annotated[Code | None, doc("Engineering revision or version.")] = None
    is_lot_managed: Annotated[bool, doc("Stock is managed in lots (SAP XCHPF).")] = False
    is_serialized: Annotated[bool, doc("Units carry serial numbers.")] = False
    shelf_life: Annotated[Quantity | None, doc("Total shelf life, in a time unit (SAP MHDHB).")] = None
    uom_conversions: Annotated[list[UnitConversion], doc("Alternative units and their size in base units.")] = (
        msgspec.field(default_factory=list))
    status: Annotated[MaterialStatus, doc("Cross-plant status.")] = MaterialStatus.ACTIVE
    status_source_code: Annotated[Code | None, doc("Source status (SAP MSTAE).")] = None
    is_deleted: Annotated[bool, doc("Flagged for deletion in the source (SAP LVORM).")] = False
    plant_data: Annotated[list[MaterialPlantData], doc("Plant-specific views.")] = msgspec.field(
        default_factory=list)
    effective_from: Annotated[Instant | None, doc("Start of validity.")] = None
    effective_to: Annotated[Instant | None, doc("End of validity.")] = None
    effective_from_date: Annotated[date | None, doc("First day of validity, where the source gives a date.")] = None
    effective_to_date: Annotated[date | None, doc("Last day of validity, where the source gives a date.")] = None
    partial_fields: PartialFields = msgspec.field(default_factory=list)
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        check_unit("base_uom", self.base_uom)
        check_window(self.effective_from, self.effective_to, "effective_to", "effective_from")
        check_date_window(self.effective_from_date, self.effective_to_date, "effective_to_date", "effective_from_date")
        if self.partial_fields:
            check_partial(self)
        if self.shelf_life is not None and units.get(self.shelf_life.uom).dimension != "time":
            reject("shelf_life", f"{self.shelf_life.uom} is not a unit of time", "constraint_violation")
        seen: set[str] = set()
        for conversion in self.uom_conversions:
            if conversion.uom in seen:
                reject("uom_conversions", f"unit {conversion.uom} is declared twice", "constraint_violation")
            seen.add(conversion.uom)

    # units.ConversionSource protocol: lets Quantity.to() convert through this material's own units
    def uom_factors(self) -> Mapping[str, Fraction]:
        """Alternative unit -> base units in one of it, exactly."""
        return {c.uom: Fraction(c.numerator) / Fraction(c.denominator) for c in self.uom_conversions}

    def is_effective(self, at: datetime) -> bool:
        """Whether the record is valid at an instant (open ends count as valid)."""
        return in_window(self.effective_from, self.effective_to, at)
