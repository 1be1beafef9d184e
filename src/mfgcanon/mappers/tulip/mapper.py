"""Tulip table records <-> canonical events, driven by the tenant's table map (:mod:`.tables`).

Inbound, a payload is one record (``{"id", "_createdAt", "_updatedAt", <field ids>...}``), a list of records as
``GET /tables/{tableId}/records`` returns it, or a batch ``{"tableId": ..., "records": [...]}`` (or a list of
batches). A bare record's table is ``[vendors.tulip] table``, else the one table whose field ids it uses.

| table kind | canonical |
|---|---|
| ``work_orders`` | ``ProductionOrder`` (released / completed / closed / cancelled / updated by status) |
| ``defects`` | ``Nonconformance`` (defect); with ``scrap_from_defects``, disposition scrap and a quantity also a
  scrap ``MaterialMovement`` |
| ``inventory`` | ``InventoryBalance`` (the record id is the lot) |
| ``station_activity`` | ``EquipmentStateChange`` |

Outbound, one batch per table (:meth:`TulipMapper.write_documents`), the body of ``POST`` per record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    BaseMapper,
    Document,
    MappingResult,
    Payload,
    PayloadMeta,
    Reject,
    payload_context,
    printable,
    reject_from_error,
    stamp_meta,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.helpers import decode_json
from mfgcanon.mappers.tulip import records as r
from mfgcanon.mappers.tulip.tables import NAME, TableMap, table_map
from mfgcanon.v1.equipment import EquipmentStateChange
from mfgcanon.v1.events import (
    EquipmentStateChanged,
    InventoryBalanceReported,
    MaterialScrapped,
    NonconformanceReported,
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
)
from mfgcanon.v1.inventory import InventoryBalance
from mfgcanon.v1.order import ProductionOrder
from mfgcanon.v1.quality import Nonconformance

_KIND_OF: dict[type[Any], str] = {ProductionOrder: "work_orders", Nonconformance: "defects",
                                  InventoryBalance: "inventory", EquipmentStateChange: "station_activity"}


def _fragment(data: Any) -> str:
    import json

    try:
        text = json.dumps(data, ensure_ascii=False, default=str, sort_keys=True)
    except (RecursionError, ValueError, TypeError):
        text = repr(data)
    return printable(text[:1_000_000])


def _reject(result: MappingResult, code: str, reason: str, location: str, data: Any) -> None:
    payload = data if isinstance(data, str) else _fragment(data)
    result.add_reject(Reject(code=code, reason=printable(reason), location=location or "/", payload=payload,
                             mapper=NAME))


def _is_batch(data: object) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("tableId"), str) and isinstance(data.get("records"), list)


def _is_record(data: object) -> bool:
    return (isinstance(data, Mapping) and isinstance(data.get("id"), str)
            and ("_createdAt" in data or "_updatedAt" in data))


class TulipMapper(BaseMapper):
    """Tulip tables (work orders, defects, inventory items, station activity) through a per-tenant field map."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "Tulip Tables API records (work orders, defects, inventory items, station activity history) through a "
        "per-tenant field map with a Common Data Model preset; numbers in decimal string mode"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderReleased, ProductionOrderUpdated, ProductionOrderCompleted, ProductionOrderClosed,
        ProductionOrderCancelled, NonconformanceReported, MaterialScrapped, InventoryBalanceReported,
        EquipmentStateChanged,
    )
    accepts: ClassVar[tuple[type[Any], ...]] = (ProductionOrder, Nonconformance, InventoryBalance,
                                                 EquipmentStateChange)

    def sniff(self, payload: Payload) -> bool:
        data: Any = payload
        if isinstance(payload, bytes | str):
            head = payload.lstrip()[:1]
            if head not in (b"{", b"[", "{", "["):
                return False
            try:
                data = decode_json(payload)
            except MappingError:
                return False
        items = data[:20] if isinstance(data, list) else [data]
        return bool(items) and all(_is_batch(i) or _is_record(i) for i in items)

    # ------------------------------------------------------------------ inbound
    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        ctx, info = payload_context(context, meta)
        result = MappingResult()
        text = payload if isinstance(payload, str | bytes) else None
        try:
            if isinstance(payload, str):
                payload.encode("utf-8")
            data = decode_json(payload) if isinstance(payload, bytes | str) else payload
            tables = table_map(ctx)
        except (MappingError, UnicodeEncodeError) as exc:
            code = exc.code if isinstance(exc, MappingError) else "malformed_payload"
            reason = exc.message if isinstance(exc, MappingError) else "the text is not Unicode (a lone surrogate)"
            raw = text.decode("utf-8", "backslashreplace") if isinstance(text, bytes) else text
            _reject(result, code, reason, "/", raw if raw is not None else payload)
            return result
        for table_id, record, at in self._records(data, result):
            self._one(tables, table_id, record, at, ctx, result)
        stamp_meta(result, info)
        return result

    def _records(self, data: Any, result: MappingResult) -> Iterable[tuple[str | None, Any, str]]:
        """(table id or None, record, JSON pointer) for each record of the payload."""
        if _is_batch(data):
            yield from ((data["tableId"], rec, f"/records/{i}") for i, rec in enumerate(data["records"]))
        elif isinstance(data, list) and data and all(_is_batch(item) for item in data):
            for b, batch in enumerate(data):
                yield from ((batch["tableId"], rec, f"/{b}/records/{i}") for i, rec in enumerate(batch["records"]))
        elif isinstance(data, list) and data:
            yield from ((None, rec, f"/{i}") for i, rec in enumerate(data))
        elif isinstance(data, Mapping) and data:
            yield None, data, ""
        else:
            _reject(result, "malformed_payload", "not a Tulip record, list of records or batch", "/", data)

    def _one(self, tables: TableMap, table_id: str | None, raw: Any, at: str, ctx: MappingContext,
             result: MappingResult) -> None:
        if not isinstance(raw, Mapping):
            _reject(result, "malformed_payload", "a Tulip record must be a JSON object", at or "/", raw)
            return
        table = tables.tables.get(table_id) if table_id is not None else tables.for_record(raw)
        if table is None:
            why = (f"table {table_id!r} is not in the tenant map ([vendors.tulip.tables.\"{table_id}\"])"
                   if table_id is not None else "cannot tell the record's table: no [vendors.tulip] table and its "
                   "field ids match no single table of [vendors.tulip.tables]")
            _reject(result, "unsupported_message", why, at or "/", raw)
            return
        try:
            plant = table.plant or tables.plant or ctx.option("default_plant")
            if not plant:
                raise MappingError(f'table {table.table_id} has no plant: set plant in [vendors.tulip.tables."'
                                   f'{table.table_id}"] or [vendors.tulip]', code="missing_field", path=at or "/")
            rec = r.Record(table, raw, at, ctx, str(plant), tables.scrap_from_defects)
            plant_field = rec.text("plant")
            if plant_field is not None:
                rec = dataclasses.replace(rec, plant=plant_field)
            r.read(rec, result)
        except Exception as exc:
            result.add_reject(reject_from_error(exc, location=at or "/", payload=_fragment(raw), mapper=NAME))

    # ------------------------------------------------------------------ outbound
    def write_documents(self, items: Iterable[Any], context: MappingContext | None = None) -> list[Document]:
        """One batch ``{"tableId", "records"}`` per table, in the order the tables first appear."""
        ctx = context or MappingContext()
        tables = table_map(ctx)
        batches: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            entity = getattr(item, "data", item)
            kind = _KIND_OF.get(type(entity))  # exact types: a subclass is not a table kind
            if kind is None:
                raise MappingError(f"{NAME} cannot write a {type(entity).__name__}", code="unmappable_value")
            table = tables.of_kind(kind)
            batches.setdefault(table.table_id, []).append(r.write(entity, table, ctx, tables.plant or
                                                                  ctx.option("default_plant")))
        return [Document(table_id, {"tableId": table_id, "records": rows}) for table_id, rows in batches.items()]

    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Any:
        """The batches of :meth:`write_documents`: one as an object, several as a list (both read back)."""
        payloads = [document.payload for document in self.write_documents(items, context)]
        return payloads[0] if len(payloads) == 1 else payloads


__all__ = ["TulipMapper"]
