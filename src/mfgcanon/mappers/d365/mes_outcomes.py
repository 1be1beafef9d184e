"""The message processor's outcome: the business event *Message processor message processed* (fields
``MessageQueue``, ``MessageType``, ``MessageContent``, ``MessageState``, ``MessageInfolog`` ...) -> a
:class:`PostingResult` (``Processed`` posted, ``Failed`` failed, ``Canceled`` cancelled).

The event repeats the message content, so the outcome names its request by the same message key the request's
confirmations, movements and status changes carry in ``posting.external_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.d365 import common as c
from mfgcanon.mappers.helpers import convert, decode_json, emit_checked
from mfgcanon.mappers.sap.values import parse_odata_datetime
from mfgcanon.v1.events import PostingFailed, PostingSucceeded
from mfgcanon.v1.posting import PostingResult, PostingState, RequestKind

_COMPANY_FIELDS = ("BusinessEventLegalEntity", "CompanyId", "DataAreaId", "LegalEntity")


def is_outcome(data: Mapping[str, Any]) -> bool:
    return "MessageState" in data and "MessageType" in data and "MessageContent" in data


def event_time(f: c.Fields) -> datetime | None:
    """A business event's time: ``EventTimeIso8601``, else ``EventTime`` (``/Date(ms)/``, UTC)."""
    iso = f.s("EventTimeIso8601")
    if iso is not None:
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            moment = None
        if moment is None or moment.utcoffset() is None:
            raise MappingError(f"{iso!r} is not an ISO 8601 time with an offset", code="invalid_value",
                               path=f.at("EventTimeIso8601"))
        return moment.astimezone(UTC)
    raw = f.s("EventTime")
    if raw is None:
        return None
    return parse_odata_datetime(raw, field=f.at("EventTime"))  # the OData V2 /Date(ms)/ reader, range-checked


def read_outcome(rec: c.Rec, ctx: MappingContext, result: MappingResult) -> None:
    f = c.Fields(rec, ctx)
    company = c.company_of(next((f.s(name) for name in _COMPANY_FIELDS if f.s(name)), None), f.at("CompanyId"))
    message_type = f.req("MessageType")
    state = f.req("MessageState")
    outcome = c.codes(ctx, "d365", "message_state").get(state)
    if outcome is None:
        raise MappingError(f"message state {state!r} is not an outcome (Processed, Failed or Canceled)",
                           code="unmappable_value", path=f.at("MessageState"))
    raw_content = rec.data.get("MessageContent")
    if not isinstance(raw_content, str):
        raise MappingError("MessageContent must be the message's JSON text", code="type_mismatch",
                           path=f.at("MessageContent"))
    content = decode_json(raw_content, path=f.at("MessageContent"))
    order = content.get("ProductionOrderNumber") if isinstance(content, Mapping) else None
    key = c.content_key(company, message_type, content)
    kind = c.codes(ctx, "d365", "request_kind").get(message_type, "other")
    severity = "error" if outcome == "failed" else "info"
    log = rec.data.get("MessageInfolog") or rec.data.get("MessageProcessingResult")
    texts = [log] if isinstance(log, str) else [t for t in log if isinstance(t, str)] if isinstance(log, list) else []
    processed = event_time(f) or ctx.received_at
    if processed is None:
        raise MappingError("the event carries no time and no received time was given", code="missing_field",
                           path=f.at("EventTimeIso8601"))
    event_id = f.s("EventId") or key
    entity = convert(
        {
            "result_id": event_id, "outcome": PostingState(outcome), "outcome_source_code": state,
            "request_kind": RequestKind(kind), "request_kind_source_code": message_type,
            "request_external_id": key, "target_system": ctx.source_system,
            "company_id": company, "order_id": order if isinstance(order, str) and order else None,
            "messages": [{"severity": severity, "text": text} for text in texts if text.strip()],
            "processed_at": processed,
            "properties": c.props(c.prop("d365.message_queue", f.s("MessageQueue")),
                                  c.prop("d365.message_page_url", f.s("MessageProcessorMessagePageUrl"))),
            "source": c.source(ctx, "D365-BE:MessageProcessed", event_id),
        },
        PostingResult,
    )
    emit_checked(result, PostingSucceeded if entity.outcome is PostingState.POSTED else PostingFailed, entity,
                 time=processed)
