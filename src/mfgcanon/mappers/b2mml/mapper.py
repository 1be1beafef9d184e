"""B2MML XML (V0401, V0600, V0700/V0701) -> canonical events, and canonical events -> B2MML V0600 / V0701
(:mod:`.writer`: orders, confirmations with their movements, lots and holds on a lot).

Read: ProductionPerformance / OperationsPerformance (confirmations with their co- and by-product outputs,
goods issues and receipts, genealogy, equipment actuals with states as equipment state changes),
ProductionSchedule / OperationsSchedule (production orders), MaterialDefinition and MaterialInformation's
definitions (materials), MaterialLot / MaterialSubLot and MaterialInformation's lots (lots, and the quality
holds their statuses place or release), V07 TestResult / OperationsTestInformation (inspections), V07
OperationsEvent / OperationsEventInformation (nonconformances, holds, equipment state changes, by the
per-connection ``[operations_event]`` list) and ConfirmBOD (posting outcomes naming the original BODID). The
version comes from the root namespace (V07 has no version in it, ``releaseID`` tells V0700 from V0701 where
it says); the verb and noun from the root's name, whatever its prefix. ``Get`` is a query and maps to nothing
(a warning); ``Cancel`` and ``ActionCriteria`` Delete give tombstones (``entity.deleted``); Change (verb or
action code) gives partial updates, which never reset, hold or release what they do not carry.

Parsing is the hardened parser of :mod:`mfgcanon.mappers._xml` (no DTD, no entities, no XInclude, no
network); one record is one segment response, request, material definition, lot, loose sub-lot, test result,
operations event or acknowledged BOD, and each becomes events or a reject that names its XPath and line.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable, Iterable
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
    stamp_meta,
)
from mfgcanon.mappers._xml import DEFAULT_MAX_BYTES, parse_xml
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.b2mml import writer
from mfgcanon.mappers.b2mml.acknowledgements import confirmations
from mfgcanon.mappers.b2mml.events import operations_events
from mfgcanon.mappers.b2mml.materials import material_definitions, material_lots
from mfgcanon.mappers.b2mml.performance import performances
from mfgcanon.mappers.b2mml.quality import test_results
from mfgcanon.mappers.b2mml.schedule import schedules
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    EntityDeleted,
    EquipmentStateChanged,
    GenealogyLinked,
    InspectionCompleted,
    InventoryReceived,
    LotUpserted,
    MaterialIssued,
    MaterialUpserted,
    NonconformanceReported,
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
from mfgcanon.v1.lot import GenealogyLink, MaterialLot
from mfgcanon.v1.order import ProductionOrder

_NS = "|".join(re.escape(ns) for ns in rd.NAMESPACES)
_ROOT = rf"<(?:[\w.-]+:)?(?:{'|'.join(rd.VERBS)})[A-Z][A-Za-z]+[\s>/]"
_SNIFF_ROOT = re.compile(_ROOT.encode())
_SNIFF_ROOT_TEXT = re.compile(_ROOT)
_SNIFF_NS = re.compile(rf"""xmlns(?::[\w.-]+)?\s*=\s*["'](?:{_NS})["']""".encode())
_SNIFF_NS_TEXT = re.compile(rf"""xmlns(?::[\w.-]+)?\s*=\s*["'](?:{_NS})["']""")

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 2000

Handler = Callable[[rd.Document, MappingContext, MappingResult], None]
_HANDLERS: dict[str, Handler] = {
    "ProductionPerformance": performances,
    "OperationsPerformance": performances,
    "ProductionSchedule": schedules,
    "OperationsSchedule": schedules,
    "MaterialDefinition": material_definitions,
    "MaterialLot": material_lots,
    "MaterialSubLot": material_lots,
    "TestResult": test_results,
    "OperationsTestInformation": test_results,
    "OperationsEvent": operations_events,
    "OperationsEventInformation": operations_events,
    "BOD": confirmations,
}


def _information(doc: rd.Document, ctx: MappingContext, result: MappingResult) -> None:
    """``MaterialInformation``: its material definitions, then its lots and loose sub-lots."""
    material_definitions(doc, ctx, result)
    material_lots(doc, ctx, result)


_HANDLERS["MaterialInformation"] = _information


class B2mmlMapper(BaseMapper):
    """B2MML XML V0401/V0600/V07 in (performance, schedule, material, lot, V07 test result, operations event and
    ConfirmBOD documents); V0600 and V0701 schedules, performance (co- and by-products included) and lots with
    their holds out (:mod:`.writer`)."""

    name: ClassVar[str] = rd.NAME
    description: ClassVar[str] = (
        "B2MML (ISA-95) XML V0401/V0600/V0700/V0701: Production/OperationsPerformance, Production/OperationsSchedule, "
        "MaterialDefinition/Information, MaterialLot/SubLot, V07 TestResult, OperationsEvent and ConfirmBOD in; "
        "V0600/V0701 schedules, performance and lots (holds as lot status changes) out"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderReleased,
        ProductionOrderUpdated,
        ProductionOrderCompleted,
        ProductionOrderClosed,
        ProductionOrderCancelled,
        ProductionConfirmed,
        MaterialIssued,
        InventoryReceived,
        GenealogyLinked,
        MaterialUpserted,
        LotUpserted,
        EntityDeleted,
        QualityHoldPlaced,
        QualityHoldReleased,
        InspectionCompleted,
        NonconformanceReported,
        EquipmentStateChanged,
        PostingSucceeded,
        PostingFailed,
    )
    accepts: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrder, ProductionConfirmation, MaterialMovement, MaterialLot, GenealogyLink,
    )
    """Genealogy links travel as the movements they are derived from (written with them, derived again on reading).
    ``write_documents`` also takes quality holds on a lot (``Nonconformance`` of category hold, sent as the lot's
    status), but not other nonconformances, so ``Nonconformance`` is not listed: the reader derives the holds
    again from the lot statuses."""
    nouns: ClassVar[tuple[str, ...]] = rd.NOUNS

    def sniff(self, payload: Payload) -> bool:
        """XML whose first 64 KB hold a B2MML namespace declaration and a verb + noun element."""
        if isinstance(payload, bytes):
            head = payload[:65536]
            return (head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<" and _SNIFF_NS.search(head) is not None
                    and _SNIFF_ROOT.search(head) is not None)
        if isinstance(payload, str):
            text = payload[:65536]
            return (text.lstrip("\ufeff \t\r\n")[:1] == "<" and _SNIFF_NS_TEXT.search(text) is not None
                    and _SNIFF_ROOT_TEXT.search(text) is not None)
        return False

    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        ctx, info = payload_context(context, meta)
        result = self._map(payload, ctx)
        stamp_meta(result, info)
        return result

    def write_documents(
        self, items: Iterable[Any], context: MappingContext | None = None, *, version: str | None = None
    ) -> list[Document]:
        """B2MML documents for canonical events (or bare entities), in ``version`` (V0600 or V0701), else
        ``[vendors.b2mml] write_version``, else V0701 (:mod:`.writer`)."""
        return writer.write(items, context or MappingContext(), version)

    def from_canonical(
        self, items: Iterable[Any], context: MappingContext | None = None, *, version: str | None = None
    ) -> bytes:
        """The one document of :meth:`write_documents`; items that need several are an error naming them."""
        documents = self.write_documents(items, context, version=version)
        if len(documents) != 1:
            kinds = ", ".join(d.kind for d in documents) or "nothing"
            raise MappingError(f"these items need {len(documents)} B2MML documents ({kinds}); use write_documents()",
                               code="unmappable_value")
        payload = documents[0].payload
        assert isinstance(payload, bytes)
        return payload

    def _map(self, payload: Payload, ctx: MappingContext) -> MappingResult:
        result = MappingResult()
        if not isinstance(payload, bytes | str):
            result.add_reject(Reject(
                code="malformed_payload",
                reason=f"B2MML input must be XML bytes or text, not {type(payload).__name__}",
                location="/",
                payload=_SHORT.repr(payload),
                mapper=self.name,
            ))
            return result
        text = printable(payload[:1_000_000]) if isinstance(payload, str) else payload[:1_000_000]
        try:
            root = parse_xml(payload, max_bytes=int(ctx.option("max_document_bytes", DEFAULT_MAX_BYTES)))
            doc = rd.document(root)
        except MappingError as exc:
            result.add_reject(Reject(code=exc.code, reason=exc.message, location=exc.path or "/",
                                     line=exc.position, payload=text, mapper=self.name))
            return result
        handler = _HANDLERS.get(doc.noun)
        if doc.verb == "Get":
            result.warnings.append(f"/{doc.root.name}: Get is a query for data, it carries none: no events")
            return result

        def whole_document(code: str, reason: str, location: str) -> MappingResult:
            """The document as one reject, at its root element's line."""
            result.add_reject(Reject(code=code, reason=reason, location=location, line=doc.root.line, payload=text,
                                     mapper=self.name))
            return result

        if handler is None:
            return whole_document(
                "unsupported_message", f"B2MML noun {doc.noun!r} is not read by {self.name} (read: "
                f"{', '.join(rd.NOUNS)})", f"/{doc.root.name}")
        if not rd.nouns(doc):
            return whole_document("missing_field", f"{doc.root.name} without a DataArea/{doc.noun} element",
                                  f"/{doc.root.name}/DataArea")
        before = result.records_in
        handler(doc, ctx, result)
        if result.records_in == before and not result.warnings:
            return whole_document(
                "missing_field", f"{doc.root.name} holds no record to map (no request, segment response, definition "
                "or lot)", f"/{doc.root.name}/DataArea/{doc.noun}")
        return result


__all__ = ["B2mmlMapper"]
