"""Dynamics 365 SCM MES integration API (``SysMessageService/SendMessage``) <-> canonical events.

A message is an envelope ``{"_companyId", "_messageQueue", "_messageType", "_messageContent"}`` whose content
is a JSON *string* inside the JSON. Inbound: one envelope, or a JSON array of them, and the business event
that reports a message's outcome. Outbound: one envelope per message (:meth:`D365MesMapper.write_documents`):

| canonical | message |
|---|---|
| ``OrderStatusChange`` in progress / closed (completed) | ``ProdProductionOrderStart`` / ``ProdProductionOrderEnd`` |
| order-level ``ProductionConfirmation`` | ``ProdProductionOrderReportFinished`` (a line per output) |
| operation-level ``ProductionConfirmation`` | ``ProdProductionOrderRouteCard`` (a message per order) |
| ``MaterialMovement`` goods issue / scrap to an order | ``ProdProductionOrderPickingList`` (a message per order) |

Each family is read and written in its own module (``mes_orders``, ``mes_confirmations``, ``mes_movements``,
``mes_outcomes``) over :mod:`.mes_reader` and :mod:`.common`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    BaseMapper,
    Document,
    MappingResult,
    Payload,
    PayloadMeta,
    payload_context,
    stamp_meta,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.d365 import common as c
from mfgcanon.mappers.d365 import mes_confirmations, mes_movements, mes_orders, mes_outcomes
from mfgcanon.mappers.d365.mes_reader import (
    END,
    NAME,
    PICKING_LIST,
    REPORT_FINISHED,
    ROUTE_CARD,
    START,
    TYPES,
    Message,
    envelope,
)
from mfgcanon.mappers.helpers import decode_json
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    MaterialIssued,
    MaterialScrapped,
    PostingFailed,
    PostingSucceeded,
    ProductionConfirmed,
    ProductionOrderStatusChanged,
)
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.status import OrderStatusChange

_READERS = {
    START: mes_orders.read,
    END: mes_orders.read,
    REPORT_FINISHED: mes_confirmations.read_report_finished,
    ROUTE_CARD: mes_confirmations.read_route_card,
    PICKING_LIST: mes_movements.read_picking_list,
}


_NO_CONTEXT = MappingContext()


def _is_envelope(data: object) -> bool:
    return isinstance(data, Mapping) and "_messageType" in data and "_messageContent" in data


class D365MesMapper(BaseMapper):
    """Dynamics 365 SCM MES integration messages: start, report as finished, picking list, route card, end;
    and the message processor's outcome."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "Dynamics 365 SCM MES integration API: ProdProductionOrderStart/ReportFinished/PickingList/RouteCard/End "
        "envelopes in and out, message-processor outcomes in"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderStatusChanged, ProductionConfirmed, MaterialIssued, MaterialScrapped, PostingSucceeded,
        PostingFailed,
    )
    accepts: ClassVar[tuple[type[Any], ...]] = (OrderStatusChange, ProductionConfirmation, MaterialMovement)

    def sniff(self, payload: Payload) -> bool:
        data = c.json_head(payload)
        if isinstance(data, list):
            return bool(data) and all(_is_envelope(item) for item in data[:20])
        return _is_envelope(data) or (isinstance(data, Mapping) and mes_outcomes.is_outcome(data))

    # ------------------------------------------------------------------ inbound
    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        ctx, info = payload_context(context, meta)
        result = MappingResult()
        c.each_record(payload, result, NAME, lambda rec, item: self._one(rec, item, ctx, result))
        stamp_meta(result, info)
        return result

    def _one(self, rec: c.Rec, raw: Any, ctx: MappingContext, result: MappingResult) -> None:
        if not isinstance(raw, Mapping):
            c.reject(result, NAME, "malformed_payload", "a MES message must be a JSON object (a SendMessage "
                     "envelope)", rec.pointer, raw)
            return
        if mes_outcomes.is_outcome(raw):
            c.guard(rec, result, NAME, lambda: mes_outcomes.read_outcome(rec, ctx, result))
            return
        if not _is_envelope(raw):
            c.reject(result, NAME, "unsupported_message", "not a D365 MES message envelope (_companyId, "
                     "_messageQueue, _messageType, _messageContent)", rec.pointer, raw)
            return
        try:
            message = self._message(rec)
        except MappingError as exc:
            c.reject(result, NAME, exc.code, exc.message, exc.path or rec.pointer, raw)
            return
        reader = _READERS[message.message_type]
        # route card and picking list lines are records of their own, each guarded by its reader; a message that
        # fails before its lines is one reject
        c.guard(rec, result, NAME, lambda: reader(message, ctx, result))

    def _message(self, rec: c.Rec) -> Message:
        data = rec.data
        f = c.Fields(rec, _NO_CONTEXT)  # envelope fields: plain strings, no zones or lookups
        message_type = f.req("_messageType")
        if message_type not in TYPES:
            raise MappingError(f"message type {message_type!r} is not one this mapper reads ({', '.join(TYPES)})",
                               code="unsupported_message", path=f.at("_messageType"))
        company = c.company_of(data.get("_companyId"), f.at("_companyId"))
        raw = data.get("_messageContent")
        if isinstance(raw, Mapping):  # a content object instead of its JSON text: read it alike
            content: Any = raw
        elif isinstance(raw, str):
            content = decode_json(raw, path=f.at("_messageContent"))
        else:
            raise MappingError("_messageContent must be the message's JSON text", code="type_mismatch",
                               path=f.at("_messageContent"))
        if not isinstance(content, Mapping):
            raise MappingError("the message content must be a JSON object", code="malformed_payload",
                               path=f.at("_messageContent"))
        return Message(company, f.s("_messageQueue") or "", message_type, content, f.at("_messageContent"),
                       c.content_key(company, message_type, content))

    # ------------------------------------------------------------------ outbound
    def write_documents(self, items: Iterable[Any], context: MappingContext | None = None) -> list[Document]:
        """One SendMessage envelope per message: a status change, a report as finished per order-level
        confirmation, one route card and one picking list per order."""
        ctx = context or MappingContext()
        documents: list[tuple[str, str, dict[str, Any]]] = []
        route: dict[tuple[str | None, str], list[ProductionConfirmation]] = {}
        picking: dict[tuple[str | None, str], list[MaterialMovement]] = {}
        for item in items:
            entity = getattr(item, "data", item)
            if isinstance(entity, OrderStatusChange):
                documents.append(mes_orders.write(entity, ctx))
            elif isinstance(entity, ProductionConfirmation):
                if entity.is_reversal:
                    raise MappingError("a reversal cannot be reported through the MES messages (D365 reverses "
                                       "journals in the application)", code="unmappable_value", path="is_reversal")
                if entity.operation_id is None:
                    documents.append(mes_confirmations.write_report_finished(entity, ctx))
                else:
                    route.setdefault((entity.company_id, entity.order_id), []).append(entity)
            elif isinstance(entity, MaterialMovement):
                if entity.movement_type not in (MovementType.GOODS_ISSUE, MovementType.SCRAP) or not entity.order_id:
                    raise MappingError(
                        f"{entity.movement_type.value} movement {entity.movement_id}: only goods issues and scrap "
                        "against an order go to D365 as a picking list (receipts are reported as finished)",
                        code="unmappable_value", path="movement_type")
                if entity.is_reversal:
                    raise MappingError("a reversal cannot be sent as a picking list line", code="unmappable_value",
                                       path="is_reversal")
                picking.setdefault((entity.company_id, entity.order_id), []).append(entity)
            else:
                raise MappingError(f"{self.name} cannot write a {type(entity).__name__}", code="unmappable_value")
        documents += [mes_confirmations.write_route_card(group, ctx) for group in route.values()]
        documents += [mes_movements.write_picking_list(group, ctx) for group in picking.values()]
        return [Document(kind, envelope(company, kind, content, ctx)) for company, kind, content in documents]

    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Any:
        """The envelopes of :meth:`write_documents`: one as an object, several as a JSON array (which
        :meth:`to_canonical` reads back)."""
        documents = self.write_documents(items, context)
        payloads = [document.payload for document in documents]
        return payloads[0] if len(payloads) == 1 else payloads


__all__ = ["D365MesMapper"]
