"""GE Proficy Plant Applications JSON <-> canonical events (mapper ``proficy-pa``).

Read (Plant Applications -> canonical):

* the ERP import documents, as posted to the ERP Import service or stored in
  ``erp_integration_inbound_messages``: work orders (WOID, schema 3-11), process orders (POID, 1-5, partial
  updates from 4), materials (MMID, 1-4), material lots (MLID, 2-4) -> production orders, materials, lots
  (:mod:`.inbound`);
* the ERP export events, as written to the outbound tables or the Kafka topics: ``OperationCompletedEvent``,
  ``ClockOnEvent`` / ``ClockOffEvent``, ``MaterialLotStatusChangedEvent`` -> confirmations, operation status
  changes, labor activity times, scrap, holds and nonconformances (:mod:`.events`).

Written (canonical -> PA, :mod:`.writer`): production orders as WOIDs or POIDs (partial orders as POID updates),
materials as MMIDs, lots as one MLID; the export events are facts PA reports and are not written.

A payload is one document or event, a JSON array of them, or an integration table row
(``{"Message_Type" | "Event_Type": ..., "Message": <the JSON, as text or object>}``). One record is one document,
one event, or one lot of a lot document or lot status event; a record that cannot be mapped is a reject naming
its JSON pointer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
from mfgcanon.mappers.helpers import decode_json
from mfgcanon.mappers.proficy import events as ev
from mfgcanon.mappers.proficy import inbound, writer
from mfgcanon.mappers.proficy import reader as rd
from mfgcanon.mappers.proficy.reader import Fields
from mfgcanon.v1.events import (
    LotUpserted,
    MaterialScrapped,
    MaterialUpserted,
    NonconformanceReported,
    OperationStatusChanged,
    ProductionConfirmed,
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderStatusChanged,
    ProductionOrderUpdated,
    QualityHoldPlaced,
)
from mfgcanon.v1.lot import MaterialLot
from mfgcanon.v1.material import Material
from mfgcanon.v1.order import ProductionOrder

NAME = rd.NAME

MESSAGE_TYPES: Mapping[str, str] = {
    "workorder": "WOID", "processorder": "POID", "material": "MMID", "materiallot": "MLID",
}
"""``Message_Type`` of an inbound table row -> the document it holds."""


def kind_of(data: Mapping[str, Any]) -> str | None:
    """The document or event a JSON object is, by its shape."""
    if "schemaVersion" in data:
        if "workOrderName" in data:
            return "WOID"
        if "processOrderName" in data:
            return "POID"
        if isinstance(data.get("material"), Mapping):
            return "MMID"
        if "materialLot" in data:
            return "MLID"
    return ev.kind_of(data)


def _row(data: Mapping[str, Any]) -> tuple[str, Any] | None:
    """An integration table row: its type and its message (None when ``data`` is no row)."""
    kind = data.get("Event_Type", data.get("Message_Type"))
    if not isinstance(kind, str) or "Message" not in data:
        return None
    return kind, data["Message"]


def _looks(data: object) -> bool:
    if not isinstance(data, Mapping):
        return False
    row = _row(data)
    if row is not None:
        kind = row[0].strip()
        return kind in ev.EVENTS or rd.fold(kind) in MESSAGE_TYPES
    return kind_of(data) is not None


class ProficyPaMapper(BaseMapper):
    """GE Proficy Plant Applications: WOID/POID/MMID/MLID import documents in and out, the export events in."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "GE Proficy Plant Applications JSON: work order, process order, material and material lot import documents "
        "(schemaVersion-aware) in and out; OperationCompleted, ClockOn/Off, MaterialLotStatusChanged events in"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderReleased, ProductionOrderUpdated, ProductionOrderCompleted, ProductionOrderClosed,
        ProductionOrderCancelled, ProductionOrderStatusChanged, MaterialUpserted, LotUpserted, ProductionConfirmed,
        OperationStatusChanged, MaterialScrapped, QualityHoldPlaced, NonconformanceReported,
    )
    accepts: ClassVar[tuple[type[Any], ...]] = (ProductionOrder, Material, MaterialLot)

    def sniff(self, payload: Payload) -> bool:
        data = c.json_head(payload)
        if isinstance(data, list):
            return bool(data) and all(_looks(item) for item in data[:20])
        return _looks(data)

    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        ctx, info = payload_context(context, meta)
        result = MappingResult()
        c.each_record(payload, result, NAME, lambda rec, item: self._one(rec, item, ctx, result),
                      empty="an empty array holds no document or event")
        stamp_meta(result, info)
        return result

    def _one(self, rec: c.Rec, raw: Any, ctx: MappingContext, result: MappingResult) -> None:
        if not isinstance(raw, Mapping):
            c.reject(result, NAME, "malformed_payload", "a Plant Applications document or event is a JSON object",
                     rec.pointer or "/", raw)
            return
        kind: str | None
        body: Any = raw
        pointer = rec.pointer
        row = _row(raw)
        if row is not None:
            kind, message = row
            pointer = f"{rec.pointer}/Message"
            try:
                body = decode_json(message, path=pointer) if isinstance(message, str | bytes) else message
            except MappingError as exc:
                c.reject(result, NAME, exc.code, exc.message, pointer, raw)
                return
            kind = MESSAGE_TYPES.get(rd.fold(kind), kind.strip())
            if not isinstance(body, Mapping):
                c.reject(result, NAME, "malformed_payload", "the row's Message must be a JSON object", pointer, raw)
                return
        else:
            kind = kind_of(raw)
        if kind is None or (kind not in MESSAGE_TYPES.values() and kind not in ev.EVENTS):
            c.reject(result, NAME, "unsupported_message",
                     f"not a Plant Applications document or event {NAME} reads (WOID, POID, MMID, MLID, "
                     f"{', '.join(ev.EVENTS)})" + (f": {kind!r}" if kind else ""), pointer or "/", raw)
            return
        f = Fields(c.Rec(body, pointer), ctx)
        here = c.Rec(body, pointer or "/")
        if kind in ("MLID", ev.LOT_STATUS_CHANGED):
            self._lots(kind, f, body, here, raw, result)
            return
        work = _SINGLE[kind]
        c.guard(here, result, NAME, lambda: work(f, body, result))

    def _lots(self, kind: str, f: Fields, body: Mapping[str, Any], here: c.Rec, raw: Any,
              result: MappingResult) -> None:
        """A document of lots: each lot is a record; a failure before the lots rejects the whole document."""

        def each(pointer: str, item: Any, work: Callable[[], Any]) -> None:
            c.guard(c.Rec(item, pointer), result, NAME, work)

        try:
            if kind == "MLID":
                inbound.material_lots(f, body, result, each)
            else:
                ev.lot_status_changed(f, body, result, each)
        except MappingError as exc:
            c.reject(result, NAME, exc.code, exc.message, exc.path or here.pointer, raw)


    # ------------------------------------------------------------------ outbound (canonical -> import documents)
    def write_documents(self, items: Iterable[Any], context: MappingContext | None = None) -> list[Document]:
        """One import document per order and material, one MLID for all lots (:mod:`.writer`)."""
        return [Document(kind, body) for kind, body in writer.documents(items, context or MappingContext())]

    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Any:
        """The documents of :meth:`write_documents`: one as an object, several as a JSON array (which
        :meth:`to_canonical` reads back)."""
        payloads = [document.payload for document in self.write_documents(items, context)]
        return payloads[0] if len(payloads) == 1 else payloads


_SINGLE: dict[str, Callable[[Fields, Mapping[str, Any], MappingResult], None]] = {
    "WOID": inbound.work_order,
    "POID": inbound.process_order,
    "MMID": inbound.material,
    ev.OPERATION_COMPLETED: ev.operation_completed,
    ev.CLOCK_ON: lambda f, raw, result: ev.clock(f, raw, result, ev.CLOCK_ON),
    ev.CLOCK_OFF: lambda f, raw, result: ev.clock(f, raw, result, ev.CLOCK_OFF),
}


__all__ = ["ProficyPaMapper"]
