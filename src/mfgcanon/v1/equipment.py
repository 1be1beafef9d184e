"""Equipment state changes: running, idle, down, in maintenance. The source of downtime and ISO 22400 times.

The state follows OPC UA for Machinery (OPC 40001-1): ``MachineryItemState`` (executing, not executing,
out of service, not available) and ``MachineryOperationMode`` (processing, setup, maintenance), because its
annex maps their combinations onto the ISO 22400 time elements. PackML or vendor states are kept verbatim
in ``state_source_code``.
"""

from __future__ import annotations

import enum
from typing import Annotated

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, check_window
from mfgcanon.v1.common import CompanyId, Properties, Source


class EquipmentState(enum.StrEnum):
    """What the equipment is doing (OPC UA Machinery item state)."""

    EXECUTING = "executing"
    """Running: producing, setting up or being maintained, as the operation mode says (PackML Execute)."""
    NOT_EXECUTING = "not_executing"
    """Able to run but not running: idle, starved, blocked, waiting (PackML Idle, Held, Suspended)."""
    OUT_OF_SERVICE = "out_of_service"
    """Not able to run: a fault, a breakdown, a stop (PackML Stopped, Aborted)."""
    NOT_AVAILABLE = "not_available"
    """Not reachable or switched off; the state is unknown."""
    OTHER = "other"


class EquipmentMode(enum.StrEnum):
    """What the equipment is set up for (OPC UA Machinery operation mode; PackML unit mode)."""

    PROCESSING = "processing"
    """Set up for normal production (OPC UA Processing; PackML Production mode)."""
    SETUP = "setup"
    """Being set up, changed over or adjusted for the next run (OPC UA Setup)."""
    MAINTENANCE = "maintenance"
    """In maintenance: being repaired, serviced or inspected (OPC UA Maintenance; PackML Maintenance mode)."""
    NONE = "none"
    """No operation mode at the moment, e.g. while the machine is switched off (OPC UA None)."""
    OTHER = "other"


class EquipmentStateChange(Entity, frozen=True, kw_only=True, tag="equipment_state_change"):
    """Equipment entered a state at ``started_at`` (and left it at ``ended_at`` when known)."""

    state_change_id: Annotated[Identifier, doc("Key of this state record (source event id, or derived).")]
    equipment_id: Annotated[Identifier, doc("Equipment, machine or line (ISA-95 equipment).")]
    plant: Annotated[Identifier, doc("Plant.")]
    company_id: CompanyId = None
    work_center_id: Annotated[Identifier | None, doc("Work center the equipment belongs to.")] = None
    state: Annotated[EquipmentState, doc("The canonical state.")]
    state_source_code: Annotated[Code | None, doc("Source state, verbatim (PackML 'Held', a vendor code).")] = None
    operation_mode: Annotated[EquipmentMode | None, doc("What the equipment is set up for.")] = None
    operation_mode_source_code: Annotated[Code | None, doc("Source mode, verbatim.")] = None
    reason_code: Annotated[Code | None, doc("Downtime or stop reason.")] = None
    reason_text: Annotated[str | None, doc("Reason as text.")] = None
    is_planned: Annotated[bool | None, doc("Planned downtime (breaks, preventive maintenance), where known.")] = None
    started_at: Annotated[Instant, doc("When the equipment entered the state.")]
    ended_at: Annotated[Instant | None, doc("When it left the state, when known.")] = None
    order_id: Annotated[Identifier | None, doc("Order running at the time.")] = None
    operation_id: Annotated[Identifier | None, doc("Operation running at the time.")] = None
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        check_window(self.started_at, self.ended_at, "ended_at", "started_at")
