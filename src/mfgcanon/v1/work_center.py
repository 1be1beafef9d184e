"""Work centers: where operations run (a machine, a line, a labour pool), the resource orders schedule on."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, check_date_window, check_partial, check_window, in_window
from mfgcanon.v1.common import CompanyId, PartialFields, Properties, Source
from mfgcanon.v1.material import LocalizedText


class WorkCenter(Entity, frozen=True, kw_only=True, tag="work_center"):
    """A work center master record (SAP CRHD / LOIWCS; ISA-95 work center level of the equipment hierarchy).

    Operations name it by ``work_center_id`` and plant (``Operation.work_center_id``); SAP's internal
    object id, which operations also carry (``sap.work_center_internal_id``), is a property here.
    """

    work_center_id: Annotated[Identifier, doc("Work center as people see it (SAP ARBPL).")]
    plant: Annotated[Identifier, doc("Plant the work center belongs to.")]
    company_id: CompanyId = None
    description: Annotated[str | None, doc("Short text in the source's default language.")] = None
    descriptions: Annotated[list[LocalizedText], doc("Short texts per language.")] = msgspec.field(
        default_factory=list)
    category: Annotated[Code | None, doc("Work center category (SAP VERWE: machine, line, labour...).")] = None
    standard_value_key: Annotated[Code | None, doc(
        "Which standard values its operations carry (SAP VGWTS).")] = None
    is_deleted: Annotated[bool, doc("Flagged for deletion in the source (SAP LVORM).")] = False
    effective_from: Annotated[Instant | None, doc("Start of validity.")] = None
    effective_to: Annotated[Instant | None, doc("End of validity.")] = None
    effective_from_date: Annotated[date | None, doc("First day of validity (SAP BEGDA).")] = None
    effective_to_date: Annotated[date | None, doc("Last day of validity (SAP ENDDA).")] = None
    partial_fields: PartialFields = msgspec.field(default_factory=list)
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        check_window(self.effective_from, self.effective_to, "effective_to", "effective_from")
        check_date_window(self.effective_from_date, self.effective_to_date, "effective_to_date", "effective_from_date")
        if self.partial_fields:
            check_partial(self)

    def is_effective(self, at: datetime) -> bool:
        """Whether the record is valid at an instant (open ends count as valid)."""
        return in_window(self.effective_from, self.effective_to, at)
