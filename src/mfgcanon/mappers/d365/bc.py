"""Business Central analytics API ``manufacturingProdOrderLines`` -> production orders (read only).

BC's standard API has no production order entity; the analytics API's production order lines do. Each line
is an order of its own (a BC production order may produce several items, one per line): ``order_id`` is
``<prodOrderNo>/<prodOrderLineNo>`` (the key of the line), ``source_order_id`` the order number. The company is
the ``companies(<id>)`` of the response's ``@odata.context`` (order numbers are unique per company).
Quantities are in the item's base unit, which the line does not name: ``[lookups.item_units]``. ``dueDate``
is a date: ``due_at`` is 00:00 of it in the location's zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    BaseMapper,
    MappingResult,
    Payload,
    PayloadMeta,
    payload_context,
    stamp_meta,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.d365 import common as c
from mfgcanon.mappers.helpers import continuation_of, convert, emit_checked
from mfgcanon.mappers.helpers import event_time as payload_or_received_time
from mfgcanon.v1.events import ProductionOrderCompleted, ProductionOrderReleased, ProductionOrderUpdated
from mfgcanon.v1.order import OrderStatus, ProductionOrder

NAME = "bc"
_COMPANY = re.compile(r"companies\(([^)]+)\)")
_EVENTS: dict[str, type[Any]] = {"released": ProductionOrderReleased, "completed": ProductionOrderCompleted,
                                 "updated": ProductionOrderUpdated}


def _is_line(data: object) -> bool:
    return isinstance(data, Mapping) and "prodOrderNo" in data and "prodOrderLineNo" in data


class BcMapper(BaseMapper):
    """Business Central production order lines (analytics API v0.5), one order per line."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = "Business Central analytics API: manufacturingProdOrderLines in (one order per line)"
    produces: ClassVar[tuple[type[Any], ...]] = (ProductionOrderReleased, ProductionOrderUpdated,
                                                 ProductionOrderCompleted)

    def sniff(self, payload: Payload) -> bool:
        data = c.json_head(payload)
        if not isinstance(data, Mapping):
            return False
        context = data.get("@odata.context")
        if isinstance(context, str) and context.endswith("manufacturingProdOrderLines"):
            return True
        values = data.get("value")
        return _is_line(data) or (isinstance(values, list) and any(_is_line(v) for v in values[:20]))

    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        ctx, info = payload_context(context, meta)
        result = MappingResult()
        try:
            data = c.decode(payload)
            if not isinstance(data, Mapping):
                raise MappingError("expected a BC API response ({\"value\": [...]}) or one line",
                                   code="malformed_payload", path="/")
        except MappingError as exc:
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "backslashreplace") \
                if isinstance(payload, bytes) else c.fragment(payload)
            c.reject(result, NAME, exc.code, exc.message, exc.path or "/", text)
            return result
        result.continuation = continuation_of(data)
        found = _COMPANY.search(str(data.get("@odata.context") or ""))
        company = found.group(1).strip("'") if found else None
        values = data.get("value")
        records: Sequence[Any] = values if isinstance(values, list) else [data]
        for index, item in enumerate(records):
            rec = c.Rec(item if isinstance(item, Mapping) else {}, f"/value/{index}" if values is not None else "")
            if not c.check_writable(c.Rec(item, rec.pointer), result, NAME, not isinstance(payload, bytes | str)):
                continue
            if not _is_line(item):
                c.reject(result, NAME, "unsupported_message", "not a manufacturingProdOrderLines record "
                         "(prodOrderNo, prodOrderLineNo)", rec.pointer or "/", item)
                continue
            c.guard(rec, result, NAME, partial(_line, rec, company, ctx, result))
        stamp_meta(result, info)
        return result


def _line(rec: c.Rec, company: str | None, ctx: MappingContext, result: MappingResult) -> None:
    f = c.Fields(rec, ctx)
    order = f.req("prodOrderNo")
    line = f.number_text("prodOrderLineNo")
    if line is None:
        raise MappingError("prodOrderLineNo is required", code="missing_field", path=f.at("prodOrderLineNo"))
    location = f.req("locationCode")
    item = f.req("itemNo")
    raw = f.req("prodOrderStatus")
    status = OrderStatus(c.codes(ctx, "bc", "order_status").get(raw, "other"))
    number = f.dec("quantityBase")
    if number is None:
        raise MappingError("quantityBase is required", code="missing_field", path=f.at("quantityBase"))
    scope = company or ""
    symbol = c.lookup(ctx, "item_units", scope, item, f.at("itemNo")) if scope else _unscoped(ctx, item, f)
    due = f.day("dueDate")
    entity = convert(
        {
            "order_id": f"{order}/{line}", "source_order_id": order, "plant": location, "company_id": company,
            "status": status, "status_source_code": raw, "material_id": item,
            "planned_quantity": c.quantity(number, symbol or "", ctx, f.at("quantityBase")),
            "due_at": None if due is None else c.zone_instant(ctx, company or "", location, due, 0, f.at("dueDate")),
            "routing_id": f.s("routingNo"),
            "properties": c.props(
                c.prop("bc.due_date", due), c.prop("bc.location_name", f.s("locationName")),
                c.prop("bc.remaining_quantity_base", f.dec("remainingQtyBase"), "decimal"),
                c.prop("bc.routing_reference_no", f.number_text("routingReferenceNo")),
                c.prop("bc.dimension_set_id", f.number_text("dimensionSetID"))),
            "source": c.source(ctx, "BC:manufacturingProdOrderLines", f"{company or ''}/{order}", line),
        },
        ProductionOrder,
    )
    when = payload_or_received_time(result, ctx, f"order {order}/{line}")  # the line carries no change time
    event = c.codes(ctx, "bc", "order_event").get(status.value, "updated")
    emit_checked(result, _EVENTS[str(event)], entity, time=when)


def _unscoped(ctx: MappingContext, item: str, f: c.Fields) -> str:
    found = ctx.lookup("item_units", item, path=f.at("itemNo"))
    return found if isinstance(found, str) else ""


__all__ = ["BcMapper"]
