"""One MES message being read: its envelope (company, queue, type), its content and the message key, and what
every message family builds from them (the posting block of a request, the source reference, local dates)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.d365 import common as c
from mfgcanon.v1.posting import PostingState

NAME = "d365-mes"
"""The mapper's registry name, as shown in rejects."""

QUEUE = "JmgMES3P"
"""The message queue of the built-in MES integration ("Manufacturing Execution 3rd Party")."""

START = "ProdProductionOrderStart"
REPORT_FINISHED = "ProdProductionOrderReportFinished"
PICKING_LIST = "ProdProductionOrderPickingList"
ROUTE_CARD = "ProdProductionOrderRouteCard"
END = "ProdProductionOrderEnd"
TYPES = (START, REPORT_FINISHED, PICKING_LIST, ROUTE_CARD, END)


@dataclass(frozen=True)
class Message:
    """A decoded MES message: its envelope and its content object."""

    company: str
    queue: str
    message_type: str
    content: Mapping[str, Any]
    pointer: str  # where the content is: "<envelope>/_messageContent"
    key: str  # c.content_key(...): the message's id (MES messages carry none)

    def fields(self, ctx: MappingContext) -> c.Fields:
        return c.Fields(c.Rec(self.content, self.pointer), ctx)

    @property
    def document_type(self) -> str:
        return f"D365-MES:{self.message_type}"

    def source(self, ctx: MappingContext, line: str | None = None) -> dict[str, Any]:
        return c.source(ctx, self.document_type, f"{self.company}/{self.key}", line)

    def posting(self, ctx: MappingContext, requested_at: datetime | None = None) -> dict[str, Any]:
        """A message sent to D365 is a posting request: its outcome comes back from the message processor,
        naming the same key."""
        return {"state": PostingState.REQUESTED, "external_id": self.key, "target_system": ctx.source_system,
                "requested_at": requested_at}


def local_midnight(ctx: MappingContext, company: str, site: str | None, day: date, path: str) -> datetime:
    """00:00 of a date-only field in the site's zone (precision ``day``)."""
    return c.zone_instant(ctx, company, site, day, 0, path)


def company_for_writing(entity: Any, ctx: MappingContext) -> str:
    """The legal entity a message goes to: the entity's company, else ``[vendors.d365-mes] company``."""
    from mfgcanon.errors import MappingError

    company = getattr(entity, "company_id", None) or ctx.vendor(NAME).get("company")
    if not isinstance(company, str) or not company.strip():
        raise MappingError(
            f"{type(entity).__name__} has no company_id: a D365 message names its legal entity; set company_id or "
            f'[vendors.{NAME}] company = "USMF" in the context file', code="missing_field", path="company_id")
    return company.strip().upper()


def envelope(company: str, message_type: str, content: Mapping[str, Any], ctx: MappingContext) -> dict[str, Any]:
    """The SendMessage body: ``_messageContent`` is the content as a JSON *string* inside the JSON."""
    queue = ctx.vendor(NAME).get("message_queue") or QUEUE
    return {"_companyId": company, "_messageQueue": str(queue), "_messageType": message_type,
            "_messageContent": c.encode_numbers(content)}


def number_out(text: str | None) -> int | str | None:
    """An operation or line number written as a JSON number when it is one (``10``), else as text."""
    if text is None:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else text


def local_day(ctx: MappingContext, company: str, site: str | None, moment: datetime) -> date:
    return moment.astimezone(ctx.zone_for(site, c.company_spelling(ctx, company))).date()


def drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}
