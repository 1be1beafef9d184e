"""Oracle Fusion Cloud SCM REST JSON <-> canonical events.

Inbound: ``workOrders`` (GET collections with their expanded children, or POST bodies) -> order events;
``itemsV2`` -> material; the transaction bodies this mapper writes (``operationTransactions``,
``materialTransactions``, ``inventoryStagedTransactions``) -> requested confirmations and movements.
Outbound: confirmations -> ``operationTransactions``; work-order movements -> ``materialTransactions``; other
stock movements (scrap, adjustments) -> ``inventoryStagedTransactions``.

JSON numbers are read as exact decimals (``0.3`` stays ``0.3``); paged collections (``items``, ``count``,
``hasMore``, ``links``) give :attr:`MappingResult.continuation`. Each family is read in its own module
(``fusion_orders``, ``fusion_items``, ``fusion_transactions``) over :mod:`.common`; plain ``workOrders``
collections take a typed fast path first (:mod:`.fusion_typed`), which gives the same events.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import (
    BaseMapper,
    Document,
    MappingResult,
    Payload,
    PayloadMeta,
    effective_meta,
    map_each,
    stamp_meta,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.oracle import common as oc
from mfgcanon.mappers.oracle import fusion_transactions as ft
from mfgcanon.mappers.oracle import fusion_typed
from mfgcanon.mappers.oracle.common import Fields
from mfgcanon.mappers.oracle.fusion_items import item
from mfgcanon.mappers.oracle.fusion_orders import work_order
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    InventoryMoved,
    InventoryReceived,
    MaterialIssued,
    MaterialScrapped,
    MaterialUpserted,
    ProductionConfirmed,
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
)
from mfgcanon.v1.inventory import MaterialMovement, MovementType

_ORDER_MOVES = frozenset({MovementType.GOODS_ISSUE, MovementType.GOODS_RECEIPT, MovementType.RETURN})


def kind_of(data: Mapping[str, Any]) -> str | None:
    """Which Fusion resource a JSON object is, from the attribute names only (no value is read)."""
    if "OperationTransactionDetail" in data:
        return "operation_transactions"
    if "MaterialTransactionDetail" in data:
        return "material_transactions"
    if "TransactionTypeName" in data and "ItemNumber" in data:
        return "staged"
    if "WorkOrderNumber" in data and ("PlannedStartQuantity" in data or "WorkOrderId" in data
                                      or "WorkOrderStatusCode" in data):
        return "work_order"
    if "ItemNumber" in data and ("ItemId" in data or "PrimaryUOMValue" in data or "ItemStatusValue" in data):
        return "item"
    return None


def _records(data: Any) -> list[tuple[str, Any]]:
    if isinstance(data, Mapping) and isinstance(data.get("items"), list):
        return [(f"/items/{i}", r) for i, r in enumerate(data["items"])]
    if isinstance(data, list):
        return [(f"/{i}", r) for i, r in enumerate(data)]
    return [("", data)]


class OracleFusionMapper(BaseMapper):
    """Oracle Fusion Cloud SCM REST: work orders and items in; production and inventory transactions both ways."""

    name: ClassVar[str] = oc.FUSION
    description: ClassVar[str] = (
        "Oracle Fusion Cloud SCM REST JSON: workOrders, itemsV2 in; operationTransactions, materialTransactions "
        "and inventoryStagedTransactions out (and back in)"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderReleased, ProductionOrderUpdated, ProductionOrderCompleted, ProductionOrderClosed,
        ProductionOrderCancelled, MaterialUpserted, ProductionConfirmed, MaterialIssued, MaterialScrapped,
        InventoryReceived, InventoryMoved,
    )
    accepts: ClassVar[tuple[type[Any], ...]] = (ProductionConfirmation, MaterialMovement)

    def sniff(self, payload: Payload) -> bool:
        data: Any = payload
        if isinstance(payload, bytes | str):
            head = payload.lstrip()[:1]
            if head not in (b"{", b"[", "{", "["):
                return False
            try:
                data = helpers.decode_json(payload)
            except MappingError:
                return False
        return any(isinstance(r, Mapping) and kind_of(r) is not None for _, r in _records(data)[:20])

    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        base = context or MappingContext()
        info = effective_meta(meta, base)
        ctx = base if info.received_at == base.received_at else dataclasses.replace(base, received_at=info.received_at)
        result = MappingResult()
        self._payload(payload, ctx, result)
        stamp_meta(result, info)
        return result

    def to_canonical_many(
        self, payloads: Sequence[Payload], context: MappingContext | None = None,
        metas: Sequence[PayloadMeta | None] | None = None,
    ) -> MappingResult:
        """The pages of one collection, each mapped alone; the continuation is the last page's."""
        return map_each(self, payloads, context, metas)

    def _payload(self, payload: Payload, ctx: MappingContext, result: MappingResult) -> None:
        data: Any = payload
        if isinstance(payload, bytes | str):
            fast = fusion_typed.try_work_orders(payload, ctx)  # plain work orders: typed structs, no second pass
            if fast is not None:
                events, result.continuation = fast
                for event in events:
                    result.add_event(event)
                return
            try:
                data = helpers.decode_json(payload)
            except MappingError as exc:
                text = payload if isinstance(payload, str) else payload.decode("utf-8", "backslashreplace")
                oc.reject(result, self.name, "malformed_payload", exc.message, "/", text[:1_000_000])
                return
        else:
            problem = oc.unwritable(data)
            if problem is not None:
                oc.reject(result, self.name, "malformed_payload", problem, "/", repr(data)[:10_000])
                return
        result.continuation = helpers.continuation_of(data)
        if not isinstance(data, Mapping | list):
            oc.reject(result, self.name, "malformed_payload",
                      f"expected a JSON object or array, got {type(data).__name__}", "/", oc.fragment(data))
            return
        records = _records(data)
        if not records:
            oc.reject(result, self.name, "missing_field", "an empty collection holds no record", "/",
                      oc.fragment(data))
        for pointer, record in records:
            self._one(pointer, record, ctx, result)

    def _one(self, pointer: str, record: Any, ctx: MappingContext, result: MappingResult) -> None:
        if not isinstance(record, Mapping):
            oc.reject(result, self.name, "type_mismatch", f"a record must be a JSON object, got "
                      f"{type(record).__name__}", pointer or "/", oc.fragment(record))
            return
        kind = kind_of(record)
        f = Fields(record, pointer, ctx)
        if kind == "operation_transactions":
            oc.guard(result, self.name, pointer, record, lambda: ft.operation_transactions(f, result, self.name))
        elif kind == "material_transactions":
            oc.guard(result, self.name, pointer, record, lambda: ft.material_transactions(f, result, self.name))
        elif kind == "staged":
            oc.guard(result, self.name, pointer, record, lambda: ft.staged_transaction(f, result))
        elif kind == "work_order":
            oc.guard(result, self.name, pointer, record, lambda: work_order(f, result))
        elif kind == "item":
            oc.guard(result, self.name, pointer, record, lambda: item(f, result))
        else:
            oc.reject(result, self.name, "unsupported_message",
                      "not a supported Oracle Fusion resource (workOrders, itemsV2, operationTransactions, "
                      "materialTransactions, inventoryStagedTransactions)", pointer or "/", oc.fragment(record))

    # ------------------------------------------------------------------ outbound
    def write_documents(self, items: Iterable[Any], context: MappingContext | None = None) -> list[Document]:
        """``operationTransactions`` (every confirmation, one body), ``materialTransactions`` (every work-order
        movement, one body) and one ``inventoryStagedTransactions`` body per other movement."""
        ctx = context or MappingContext()
        confirmations: list[ProductionConfirmation] = []
        order_moves: list[MaterialMovement] = []
        stock_moves: list[MaterialMovement] = []
        for entry in items:
            entity = getattr(entry, "data", entry)
            if isinstance(entity, ProductionConfirmation):
                confirmations.append(entity)
            elif isinstance(entity, MaterialMovement):
                (order_moves if entity.order_id and entity.movement_type in _ORDER_MOVES else stock_moves).append(
                    entity)
            else:
                raise MappingError(f"{self.name} cannot write a {type(entity).__name__}", code="unmappable_value")
        documents: list[Document] = []
        if confirmations:
            details = [d for c in confirmations for d in ft.confirmation_details(c, ctx)]
            code = ft.system_code(ctx, confirmations[0], "source_system_code", "oracle.source_system_code", self.name)
            documents.append(Document("operationTransactions", {
                "SourceSystemCode": code, "SourceSystemType": "EXTERNAL", "OperationTransactionDetail": details}))
        if order_moves:
            code = ft.system_code(ctx, order_moves[0], "source_system_code", "oracle.source_system_code", self.name)
            documents.append(Document("materialTransactions", {
                "SourceSystemCode": code, "SourceSystemType": "EXTERNAL",
                "MaterialTransactionDetail": [ft.material_detail(m, ctx) for m in order_moves]}))
        for m in stock_moves:
            documents.append(Document("inventoryStagedTransactions", ft.staged_body(m, ctx, self.name)))
        return documents

    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Any:
        """The request bodies of :meth:`write_documents`: one as a dict, several as a list."""
        bodies = [d.payload for d in self.write_documents(items, context)]
        return bodies[0] if len(bodies) == 1 else bodies


__all__ = ["OracleFusionMapper", "kind_of"]
