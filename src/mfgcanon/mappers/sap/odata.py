"""SAP S/4HANA OData V2 JSON <-> canonical events.

Inbound: ``A_ProductionOrder_2`` (with expanded items, operations, components, statuses),
``A_Product``, material documents (``A_MaterialDocumentItem`` or a header with
``to_MaterialDocumentItem``), ``A_MatlStkInAcctMod`` stock, ``ProdnOrdConf2`` confirmations and
inspection lots with their results and usage decision (``A_InspectionLot``, ``A_InspectionResult``,
``A_InspLotUsageDecision``). Outbound: ``ProdnOrdConf2`` and ``A_MaterialDocumentHeader`` POST bodies.

OData conventions handled: the ``d`` / ``results`` wrappers, decimals as strings, ``/Date(ms)/`` dates
(UTC midnight encoding a local *date*: never shifted), ``PT08H30M00S`` times (plant-local, combined with
the date in the plant's zone), commercial units with ``...ISOCode`` siblings, ``"X"``/``""`` flags.

Inspection parts often arrive as separate responses: :meth:`SapODataMapper.to_canonical_many` joins
results and usage decisions to their lot across payloads; a part whose lot never arrives is rejected
(``unmatched_record``), never dropped. A lot key seen twice in one batch never overwrites silently: an exact
repeat is deduplicated (a warning; it is counted with the lot's event), a different version is rejected
(``constraint_violation``) and the first one mapped.

This module is the mapper (detection, payloads, error bodies, dispatch by entity kind); each entity family is
read in its own module (``odata_orders``, ``odata_materials``, ``odata_movements``, ``odata_confirmations``,
``odata_quality``) over :mod:`.odata_reader`, and written by :mod:`.odata_writer`. Plain production-order
responses take a fast path first (:mod:`.odata_typed`: typed structs, no second validation pass), which gives
the same bytes and hands every other payload to the checked reader.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, ClassVar

import msgspec

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    BaseMapper,
    MappingResult,
    Payload,
    PayloadMeta,
    Reject,
    effective_meta,
    printable,
    stamp_meta,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.helpers import continuation_of
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import odata_typed, values
from mfgcanon.mappers.sap.odata_confirmations import _confirmation_with_movements
from mfgcanon.mappers.sap.odata_materials import _batch, _product, _stock
from mfgcanon.mappers.sap.odata_movements import _movement
from mfgcanon.mappers.sap.odata_orders import _order
from mfgcanon.mappers.sap.odata_quality import _collect, _Inspection, _inspections
from mfgcanon.mappers.sap.odata_reader import (
    _JSON,
    NAME,
    _Fields,
    _fragment,
    _guard,
    _kind,
    _Rec,
    _source,
    _unwritable,
)
from mfgcanon.mappers.sap.odata_writer import _confirmation_body, _item_body
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    GenealogyLinked,
    InspectionCompleted,
    InventoryBalanceReported,
    InventoryMoved,
    InventoryReceived,
    LotUpserted,
    MaterialIssued,
    MaterialScrapped,
    MaterialUpserted,
    PostingFailed,
    PostingSucceeded,
    ProductionConfirmed,
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
    QualityHoldPlaced,
    QualityHoldReleased,
)
from mfgcanon.v1.inventory import MaterialMovement
from mfgcanon.v1.posting import PostingState, RequestKind

_SERVICE_KINDS = {
    "API_PROD_ORDER_CONFIRMATION_2_SRV": RequestKind.CONFIRMATION,
    "API_MATERIAL_DOCUMENT_SRV": RequestKind.MATERIAL_MOVEMENT,
    "API_INSPECTIONLOT_SRV": RequestKind.INSPECTION_RESULT,
}
"""The request kind of an OData error body, by the service that answered."""

_INSPECTION_PARTS = frozenset({"lot", "result", "decision", "bapi_results", "bapi_decision"})


class SapODataMapper(BaseMapper):
    """S/4HANA OData V2 JSON: orders, products, material documents, stock, confirmations, inspections."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "SAP S/4HANA OData V2 JSON: A_ProductionOrder_2, A_Product, Batch, material documents, "
        "stock, ProdnOrdConf2, inspection lots in; ProdnOrdConf2 and material "
        "document POST bodies out"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderReleased,
        ProductionOrderUpdated,
        ProductionOrderCompleted,
        ProductionOrderClosed,
        ProductionOrderCancelled,
        MaterialUpserted,
        LotUpserted,
        MaterialIssued,
        MaterialScrapped,
        InventoryReceived,
        InventoryMoved,
        InventoryBalanceReported,
        ProductionConfirmed,
        InspectionCompleted,
        PostingSucceeded,
        PostingFailed,
        QualityHoldPlaced,
        QualityHoldReleased,
        GenealogyLinked,
    )
    accepts: ClassVar[tuple[type[Any], ...]] = (ProductionConfirmation, MaterialMovement)

    def sniff(self, payload: Payload) -> bool:
        """JSON whose records look like SAP OData V2 (``d`` wrapper or known S/4HANA property names)."""
        data: Any = payload
        if isinstance(payload, bytes | str):
            head = payload[:1] if isinstance(payload, bytes) else payload.lstrip()[:1]
            if head not in (b"{", b"[", "{", "[") and not (
                isinstance(payload, bytes) and payload.lstrip()[:1] in b"{["
            ):
                return False
            try:
                data = _JSON.decode(payload)
            except (msgspec.DecodeError, UnicodeError, RecursionError):
                return False  # not JSON (or not decodable): not this mapper's to claim
        try:
            records = list(self._records(data, ""))
        except MappingError:
            return (
                isinstance(data, Mapping) and isinstance(data.get("error"), Mapping) and "innererror" in data["error"]
            )
        return any(isinstance(r.data, Mapping) and _kind(r.data) is not None for r in records[:20])

    # ------------------------------------------------------------------ inbound
    def _records(self, data: Any, pointer: str) -> Iterable[_Rec]:
        if isinstance(data, Mapping) and "d" in data and len(data) <= 2:
            inner = data["d"]
            if isinstance(inner, Mapping) and isinstance(inner.get("results"), list):
                for index, item in enumerate(inner["results"]):
                    yield _Rec(item, f"{pointer}/d/results/{index}")
                return
            yield _Rec(inner, f"{pointer}/d")
            return
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield _Rec(item, f"{pointer}/{index}")
            return
        if isinstance(data, Mapping):
            if isinstance(data.get("error"), Mapping):
                raise MappingError(_error_text(data["error"]), code="source_error", path=f"{pointer}/error")
            yield _Rec(data, pointer or "")
            return
        raise MappingError(
            f"expected a JSON object or array, got {type(data).__name__}", code="malformed_payload", path=pointer or "/"
        )

    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        return self.to_canonical_many([payload], context, metas=[meta])

    def to_canonical_many(
        self,
        payloads: Sequence[Payload],
        context: MappingContext | None = None,
        metas: Sequence[PayloadMeta | None] | None = None,
    ) -> MappingResult:
        """Map several payloads together so inspection parts can be joined to their lot; ``metas`` gives each
        payload's transport metadata (inspections joined across payloads get the first payload's)."""
        base = context or MappingContext()
        result = MappingResult()
        inspections = _Inspection()
        infos = [effective_meta(m, base) for m in (metas or [None] * len(payloads))]
        if len(infos) != len(payloads):
            raise MappingError(f"{len(payloads)} payloads but {len(infos)} metadata", code="invalid_context")
        for number, payload in enumerate(payloads):
            info = infos[number]
            ctx = base
            if info.received_at != base.received_at:  # the payload's received time: a posting result's processed time
                ctx = dataclasses.replace(base, received_at=info.received_at)
            start = len(result.events)
            self._payload(number, payload, len(payloads), ctx, result, inspections, info)
            stamp_meta(result, info, start)
        start = len(result.events)
        _inspections(inspections, base, result)
        if infos:
            stamp_meta(result, infos[0], start)
        sc.emit_genealogy(result)  # over every payload of the call, after their (stamped) movements
        return result

    def _payload(
        self, number: int, payload: Payload, count: int, ctx: MappingContext, result: MappingResult,
        inspections: _Inspection, info: PayloadMeta,
    ) -> None:
        """One payload's records into ``result`` (inspection parts into ``inspections``, joined later)."""
        prefix = f"#{number}" if count > 1 else ""
        data: Any = payload
        checked = True  # JSON decoded here: every string is Unicode, the nesting decodable
        if isinstance(payload, bytes | str):
            fast = odata_typed.try_orders(payload, ctx)  # plain production orders: typed structs, no second pass
            if fast is not None:
                for event in fast:
                    result.add_event(event)
                return
            try:
                data = _JSON.decode(payload)
            except (msgspec.DecodeError, UnicodeError, RecursionError) as exc:
                text = payload if isinstance(payload, str) else payload.decode("utf-8", "backslashreplace")
                why = f"not JSON: {exc}"
                if isinstance(exc, RecursionError):
                    why = "JSON nested too deeply to read"
                elif isinstance(exc, UnicodeEncodeError):
                    why = "the text holds a lone surrogate (not Unicode), so it is not JSON"
                result.add_reject(
                    Reject(
                        code="malformed_payload",
                        reason=why,
                        location=prefix or "/",
                        payload=printable(text[:1_000_000]),
                        mapper=self.name,
                    )
                )
                return
        else:
            checked = _unwritable(data) is None
        following = continuation_of(data)  # a paged collection (`__next`): where the next page starts
        if following is not None:
            result.continuation = following
        if isinstance(data, Mapping) and isinstance(data.get("error"), Mapping):
            rec = _Rec(data, prefix)
            _guard(rec, result, lambda: self._error(rec, ctx, result, info))
            return
        try:
            records = list(self._records(data, prefix))
        except (MappingError, RecursionError) as exc:
            error = exc if isinstance(exc, MappingError) else MappingError(
                "nested too deeply", code="malformed_payload", path=prefix or "/"
            )
            result.add_reject(
                Reject(
                    code=error.code,
                    reason=printable(error.message),
                    location=error.path or "/",
                    payload=_fragment(data),
                    mapper=self.name,
                )
            )
            return
        for rec in records:
            problem = None if checked else _unwritable(rec.data)
            if problem is not None:
                result.add_reject(
                    Reject(
                        code="malformed_payload",
                        reason=problem,
                        location=rec.pointer or "/",
                        payload=_fragment(rec.data),
                        mapper=self.name,
                    )
                )
                continue
            self._one(rec, ctx, result, inspections)

    def _error(self, rec: _Rec, ctx: MappingContext, result: MappingResult, info: PayloadMeta) -> None:
        """An OData error body (``{"error": {"code", "message", "innererror": {"errordetails"}}}``): SAP refused
        a POST, so a ``PostingFailed`` with every message (the top one first, then each error detail). The
        body does not name the request: the caller passes the request's external id (the POST body's
        ``ExternalSystemConfirmation``) in the payload metadata header ``request-external-id``; without it the
        error is a ``source_error`` reject. The request kind comes from the service
        (``innererror.application.service_id``); the processed time from ``innererror.timestamp`` (UTC), else
        the received time."""
        error = rec.data["error"]
        f = _Fields(_Rec(error, f"{rec.pointer}/error"), ctx)
        inner = error.get("innererror")
        inner = inner if isinstance(inner, Mapping) else {}
        message = error.get("message")
        text = message.get("value") if isinstance(message, Mapping) else message
        messages = [sc.posting_message("error", f.s("code"), text if isinstance(text, str) else None, odata=True)]
        details = inner.get("errordetails")
        for detail in details if isinstance(details, list) else []:
            if not isinstance(detail, Mapping):
                continue
            d = f.sub(detail, "")
            entry = sc.posting_message(d.s("severity"), d.s("code"), d.s("message"), d.s("target"), odata=True)
            if entry != messages[0]:
                messages.append(entry)
        headers = {name.lower(): value for name, value in info.headers.items()}
        external = (headers.get("request-external-id") or "").strip() or None
        if external is None:
            raise MappingError(
                f"{_error_text(error)} (pass the request's external id in the payload metadata header "
                "request-external-id to map it to a posting_failed event)",
                code="source_error",
                path=f"{rec.pointer}/error",
            )
        application = inner.get("application")
        service = application.get("service_id") if isinstance(application, Mapping) else None
        kind = _SERVICE_KINDS.get(service if isinstance(service, str) else "", RequestKind.OTHER)
        stamp = f.sub(inner, f"{rec.pointer}/error/innererror").timestamp("timestamp")
        transaction = f.sub(inner, "").s("transactionid")
        source = _source(ctx, "error", transaction or external)
        sc.emit_posting_result(
            result,
            {
                "result_id": transaction or external,
                "outcome": PostingState.FAILED,
                "outcome_source_code": f.s("code"),
                "request_kind": kind,
                "request_kind_source_code": service if isinstance(service, str) else None,
                "request_external_id": external,
                "target_system": ctx.source_system,
                "messages": messages,
                "processed_at": sc.processed_time(ctx, f"{rec.pointer}/error", stamp),
                "source": source,
            },
        )


    def _one(self, rec: _Rec, ctx: MappingContext, result: MappingResult, inspections: _Inspection) -> None:
        if not isinstance(rec.data, Mapping):
            result.add_reject(
                Reject(
                    code="malformed_payload",
                    reason="a record must be a JSON object",
                    location=rec.pointer or "/",
                    payload=_fragment(rec.data),
                    mapper=self.name,
                )
            )
            return
        kind = _kind(rec.data)
        if kind == "movement_header":
            items = _Fields(rec, ctx).nav_items("to_MaterialDocumentItem")
            if not items:
                result.add_reject(
                    Reject(
                        code="missing_field",
                        reason="material document without items",
                        location=rec.pointer or "/",
                        payload=_fragment(rec.data),
                        mapper=self.name,
                    )
                )
            for number, (pointer, item) in enumerate(items, start=1):
                sub = _Rec(item, pointer, header=rec.data)
                if not isinstance(item, Mapping):
                    result.add_reject(
                        Reject(
                            code="type_mismatch",
                            reason=f"a material document item must be a JSON object, got {type(item).__name__}",
                            location=pointer,
                            payload=_fragment(item),
                            mapper=self.name,
                        )
                    )
                    continue
                _guard(sub, result, lambda s=sub, n=number: _movement(s, ctx, result, n))
            return
        if kind in _INSPECTION_PARTS:
            _guard(rec, result, lambda: _collect(rec, kind, inspections, ctx))
            return
        if kind == "confirmation":
            _confirmation_with_movements(rec, ctx, result)
            return
        handler = {
            "order": _order,
            "product": _product,
            "stock": _stock,
            "movement": lambda r, c, res: _movement(r, c, res, 1),
            "batch": _batch,
        }.get(kind or "")
        if handler is None:
            result.add_reject(
                Reject(
                    code="unsupported_message",
                    reason="not a supported S/4HANA OData entity "
                    "(production order, product, batch, material document, stock, confirmation, "
                    "inspection lot/result/usage decision)",
                    location=rec.pointer or "/",
                    payload=_fragment(rec.data),
                    mapper=self.name,
                )
            )
            return
        _guard(rec, result, lambda: handler(rec, ctx, result))


    # ------------------------------------------------------------------ outbound
    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Any:
        """POST bodies: one ``ProdnOrdConf2`` per confirmation (linked movements deep-inserted) and one
        ``A_MaterialDocumentHeader`` per group of other movements. One body comes back as a dict,
        several as a list."""
        ctx = context or MappingContext()
        confirmations: list[ProductionConfirmation] = []
        movements: list[MaterialMovement] = []
        for item in items:
            entity = getattr(item, "data", item)
            if isinstance(entity, ProductionConfirmation):
                confirmations.append(entity)
            elif isinstance(entity, MaterialMovement):
                movements.append(entity)
            else:
                raise MappingError(f"{self.name} cannot write a {type(entity).__name__}", code="unmappable_value")
        ids = {c.confirmation_id for c in confirmations}
        bodies: list[dict[str, Any]] = [
            _confirmation_body(c, [m for m in movements if m.confirmation_id == c.confirmation_id], ctx)
            for c in confirmations
        ]
        # one body per posting date, document date (the movements' local day: a body has one), GM code and
        # reference document
        groups: dict[tuple[date, date, str, str], list[MaterialMovement]] = {}
        for m in movements:
            if m.confirmation_id in ids:
                continue
            bwart = sc.movement_out(
                m.movement_type, m.is_reversal, m.movement_type_source_code, m.from_stock_status, m.to_stock_status
            )
            ref = next((p.value for p in m.properties if p.name == "sap.reference_document" and p.value), None) or (
                m.movement_id.rpartition("/")[0] or m.movement_id
            )
            local_day = m.occurred_at.astimezone(ctx.zone_for(m.plant)).date()
            groups.setdefault((m.posting_date or local_day, local_day, sc.gm_code(bwart), ref), []).append(m)
        for (posting, doc_day, gm, ref), members in groups.items():
            bodies.append(
                {
                    "GoodsMovementCode": gm,
                    "PostingDate": values.format_odata_date(posting),
                    "DocumentDate": values.format_odata_date(doc_day),
                    "ReferenceDocument": ref[:16],
                    "to_MaterialDocumentItem": {"results": [_item_body(m, ctx) for m in members]},
                }
            )
        return bodies[0] if len(bodies) == 1 else bodies


def _error_text(error: Mapping[str, Any]) -> str:
    message = error.get("message")
    text = message.get("value") if isinstance(message, Mapping) else message
    return f"SAP returned an error {error.get('code')!r}: {text}"


__all__ = ["SapODataMapper"]
