"""SAP IDoc XML <-> canonical events.

Inbound (``to_canonical``): LOIPRO (01-05) production orders, MATMAS material masters, BATMAS batches,
LOIWCS work centres, MBGMCR goods movements, PPCC2PRETTICKET time tickets and the confirmation-posting RFC
responses (``CO_MES_PRODORDCONF_CREATE_TT``, ``BAPI_PRODORDCONF_CREATE_TT``). Outbound
(``from_canonical``): confirmations as PPCC2PRETTICKET02 and goods movements as MBGMCR03.

Parsing is namespace- and order-agnostic: file-port XML (no namespace), SOAP-delivered XML
(``urn:sap-com:document:sap:idoc:soap:messages``), extension roots (``ZLOIPRO05``) and several ``IDOC``
elements per document are all read the same way. One *record* is one order header, material, batch,
goods-movement item or time ticket; each either becomes an event or a reject that names its XPath and
line. Documents with any other message type (``DEBMAS``, ``ORDERS``, other RFC responses) give one
``unsupported_message`` reject per IDoc rather than being dropped.

Speed: a plain document (UTF-8, no namespaces, references, CDATA or comments inside the root) is checked
by the hardened parser without building a tree and read from its text; when every record converts,
that is the result. Anything else, and any reject or warning, maps the document from the lxml tree,
which alone knows the XPaths, lines and fragments that rejects report.

This module is the mapper (detection, the text, tree and streaming paths, dispatch by message type); each
message family is read in its own module (``idoc_orders``, ``idoc_materials``, ``idoc_work_centers``,
``idoc_movements``, ``idoc_confirmations``) over :mod:`.idoc_reader`, and written by :mod:`.idoc_writer`.
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
from mfgcanon.mappers._xml import (
    DEFAULT_MAX_BYTES,
    check_parsed,
    checked_bytes,
    is_xinclude,
    local_name,
    parse_xml,
    plain_text,
    pull_parser,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap.idoc_confirmations import _confirmation_response, _ppcc2
from mfgcanon.mappers.sap.idoc_materials import _batmas, _matmas
from mfgcanon.mappers.sap.idoc_movements import _mbgmcr
from mfgcanon.mappers.sap.idoc_orders import _loipro
from mfgcanon.mappers.sap.idoc_reader import (
    _HANDLED,
    NAME,
    SOAP_NS,
    _fragment,
    _guard,
    _Idoc,
    _located,
    _read_text,
    _read_tree,
    _Reader,
    _scope,
    xpath,
)
from mfgcanon.mappers.sap.idoc_work_centers import _loiwcs
from mfgcanon.mappers.sap.idoc_writer import _write_mbgmcr, _write_ppcc2
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    GenealogyLinked,
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
    WorkCenterUpserted,
)
from mfgcanon.v1.inventory import MaterialMovement

_SNIFF = re.compile(rb"<(?:[\w.-]+:)?(?:IDOC|(?:CO_MES|BAPI)_PRODORDCONF_CREATE_TT\.Response)[\s>/]")
_SNIFF_TEXT = re.compile(r"<(?:[\w.-]+:)?(?:IDOC|(?:CO_MES|BAPI)_PRODORDCONF_CREATE_TT\.Response)[\s>/]")
# RFC XML responses of a confirmation posting (the goods movements it posted): read like MBGMCR items
_CONFIRMATION_RESPONSES = frozenset({"CO_MES_PRODORDCONF_CREATE_TT.Response", "BAPI_PRODORDCONF_CREATE_TT.Response"})


_STREAM_FROM = 4 * 1024 * 1024
"""Documents from this size on (bytes, or characters of text) are read one IDOC at a time
(:meth:`SapIdocMapper._from_stream`): the whole tree of a large document costs 10-20x its size."""
_STREAM_CHUNK = 1024 * 1024
DEFAULT_MAX_IDOC_BYTES = 16 * 1024 * 1024
"""The default ``options.max_idoc_bytes``: the largest single IDOC read (held whole, at 10-20x its size in
memory). SAP's own numbering keeps real IDOCs far smaller: a material document has at most 9,999 items."""


def _stream_from(ctx: MappingContext) -> int:
    """The size from which a document is streamed: never above the one-IDOC limit, which only streaming checks."""
    return min(_STREAM_FROM, int(ctx.option("max_idoc_bytes", DEFAULT_MAX_IDOC_BYTES)))


_SHORT = reprlib.Repr()  # a repr that stops at depth 6 and ~2,000 characters: never a RecursionError
_SHORT.maxstring = _SHORT.maxother = 2000


class SapIdocMapper(BaseMapper):
    """SAP IDoc XML: LOIPRO, MATMAS, BATMAS, MBGMCR, PPCC2PRETTICKET in; PPCC2PRETTICKET02, MBGMCR03 out."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "SAP IDoc XML: LOIPRO/MATMAS/BATMAS/LOIWCS/MBGMCR/PPCC2PRETTICKET and confirmation-posting RFC responses in, "
        "PPCC2PRETTICKET02 and MBGMCR03 out"
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
        ProductionConfirmed,
        WorkCenterUpserted,
        PostingSucceeded,
        PostingFailed,
        QualityHoldPlaced,
        QualityHoldReleased,
        GenealogyLinked,
    )
    accepts: ClassVar[tuple[type[Any], ...]] = (ProductionConfirmation, MaterialMovement)
    message_types: ClassVar[tuple[str, ...]] = _HANDLED

    # ------------------------------------------------------------------ detection
    def sniff(self, payload: Payload) -> bool:
        """XML whose first 64 KB hold an ``IDOC`` element."""
        if isinstance(payload, bytes):
            head = payload[:65536]
            return head.lstrip()[:1] == b"<" and _SNIFF.search(head) is not None
        if isinstance(payload, str):
            text = payload[:65536]
            return text.lstrip("\ufeff \t\r\n")[:1] == "<" and _SNIFF_TEXT.search(text) is not None
        return False

    # ------------------------------------------------------------------ inbound
    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        ctx, info = payload_context(context, meta)
        result = None
        if isinstance(payload, bytes | str) and len(payload) >= _stream_from(ctx):
            result = self._from_stream(payload, ctx)
        elif isinstance(payload, bytes | str):
            result = self._from_text(payload, ctx)
        if result is None:
            with _located():
                result = self._from_tree(payload, ctx)
        sc.emit_genealogy(result)
        stamp_meta(result, info)
        return result

    def _from_text(self, payload: bytes | str, ctx: MappingContext) -> MappingResult | None:
        """The mapping of a plain document (:func:`mfgcanon.mappers._xml.plain_text`) read without the lxml tree, when
        every record converts; None otherwise. Rejects, warnings and exceptions all need the tree (XPaths,
        lines, fragments), so any of them discards this result and :meth:`_from_tree` maps the document."""
        text = plain_text(payload, max_bytes=int(ctx.option("max_document_bytes", DEFAULT_MAX_BYTES)))
        if text is None:
            return None
        result = MappingResult()
        try:
            root_name, root = _read_text(text)
            idocs = [root] if root_name == "IDOC" else root.kids.get("IDOC")
            if not idocs:
                return None
            reader = _Reader(ctx)
            for index, seg in enumerate(idocs, start=1):
                idoc = _Idoc(seg, root_name, index, reader)
                handler = _HANDLERS.get(idoc.message_type)
                if handler is None:
                    return None
                handler(idoc, ctx, result)
        except Exception:
            return None
        return None if result.rejects or result.warnings else result

    def _from_tree(self, payload: Payload, ctx: MappingContext) -> MappingResult:
        """The exact path: every document the text reader does not take, and every failure, read from
        the lxml tree so rejects name their XPath and line."""
        result = MappingResult()
        if not isinstance(payload, bytes | str):
            result.add_reject(
                Reject(
                    code="malformed_payload",
                    reason=f"IDoc input must be XML bytes or text, not {type(payload).__name__}",
                    location="/",
                    payload=_SHORT.repr(payload),
                    mapper=self.name,
                )
            )
            return result
        try:
            root = parse_xml(payload, max_bytes=int(ctx.option("max_document_bytes", DEFAULT_MAX_BYTES)))
        except MappingError as exc:
            text = printable(payload[:1_000_000]) if isinstance(payload, str) else payload[:1_000_000]
            result.add_reject(
                Reject(
                    code=exc.code,
                    reason=exc.message,
                    location="/",
                    line=exc.position,
                    payload=text,
                    mapper=self.name,
                )
            )
            return result
        root_name = local_name(root.tag)
        if root_name in _CONFIRMATION_RESPONSES:
            body = _read_tree(root)
            _guard(result, body, lambda: _confirmation_response(body, root_name, ctx, result))
            return result
        idocs = [child for child in root if local_name(child.tag) == "IDOC"]
        if root_name == "IDOC":
            idocs = [root]
        if not idocs:
            result.add_reject(
                Reject(
                    code="unsupported_message",
                    reason=f"root element <{root_name}> holds no IDOC element: not an IDoc document",
                    location=f"/{root_name}",
                    line=root.sourceline,
                    payload=_fragment(root)[:1_000_000],
                    mapper=self.name,
                )
            )
            return result
        reader = _Reader(ctx)
        for index, el in enumerate(idocs, start=1):
            self._idoc(el, root_name, index, reader, ctx, result)
        return result

    def _idoc(
        self, el: Any, root_name: str, index: int, reader: _Reader, ctx: MappingContext, result: MappingResult
    ) -> None:
        """Map one ``IDOC`` element of the tree (the ``index``-th of its document) into ``result``."""
        idoc = _Idoc(_read_tree(el), root_name, index, reader)
        handler = _HANDLERS.get(idoc.message_type)
        if handler is None:
            result.add_reject(
                Reject(
                    code="unsupported_message",
                    location=xpath(el),
                    line=el.sourceline,
                    payload=_fragment(el),
                    reason=f"IDoc message type {idoc.message_type!r} ({idoc.basic_type}) is not supported by "
                    f"{self.name} (supported: {', '.join(_HANDLED)})",
                    mapper=self.name,
                )
            )
            return
        handler(idoc, ctx, result)

    def _from_stream(self, payload: bytes | str, ctx: MappingContext) -> MappingResult | None:
        """A large document read one ``IDOC`` at a time, each freed once mapped: memory holds the events and
        one IDOC's tree, not the whole document's. The same result as :meth:`_from_tree`, or None for
        anything that is not a plain sequence of IDOCs under the root (no IDOC, a confirmation response) and
        for any refusal or error, which the tree path then words exactly. One IDOC larger than
        ``options.max_idoc_bytes`` refuses the document (``document_too_large``): it would be held whole.

        An IDOC is mapped once its tail is read (at the next IDOC, or at the end), and its XPath step is known
        then: ``IDOC`` when it is the only one, else ``IDOC[i]``.
        """
        max_idoc = int(ctx.option("max_idoc_bytes", DEFAULT_MAX_IDOC_BYTES))
        try:
            data = checked_bytes(payload, max_bytes=int(ctx.option("max_document_bytes", DEFAULT_MAX_BYTES)))
        except MappingError:
            return None
        result = MappingResult()
        reader = _Reader(ctx)
        parser = pull_parser("{*}IDOC")
        root: Any = None
        steps: dict[Any, str] = {}
        pending: Any = None  # the last IDOC under the root, mapped when the next one starts or the document ends
        count = 0
        opened_at: int | None = None  # bytes fed when the IDOC being read had started (at the latest)

        def flush(el: Any, index: int, repeated: bool) -> None:
            steps[el] = f"IDOC[{index}]" if repeated else "IDOC"
            self._idoc(el, local_name(root.tag), index, reader, ctx, result)
            del steps[el]
            located = _scope.steps  # positions cached inside this IDOC hold its elements: drop them with it
            located.clear()
            located[root] = steps
            for sibling in list(el.itersiblings(preceding=True)):  # whatever the root held before it
                root.remove(sibling)
            el.clear()
            root.remove(el)

        def too_large(el: Any, index: int | None) -> MappingResult:
            refused = MappingResult()
            where = "the root IDOC" if index is None else f"IDOC {index}"
            refused.add_reject(
                Reject(
                    code="document_too_large",
                    reason=f"{where} (from line {el.sourceline}) holds more than {max_idoc} bytes, the limit for one "
                    "IDOC: a large document is read one IDOC at a time and each IDOC is held whole in memory "
                    "(raise options.max_idoc_bytes in the mapping context if this is expected)",
                    location=f"/{local_name(el.tag)}" if index is None else f"{xpath(el.getparent())}/IDOC[{index}]",
                    line=el.sourceline,
                    payload=data[:1_000_000] if isinstance(payload, bytes) else printable(payload[:1_000_000]),
                    mapper=self.name,
                )
            )
            return refused

        with _located():
            try:
                for start in range(0, len(data), _STREAM_CHUNK):
                    parser.feed(data[start : start + _STREAM_CHUNK])
                    fed = min(start + _STREAM_CHUNK, len(data))
                    for event, el in parser.read_events():
                        if is_xinclude(el):
                            return None  # refused: the tree path words it, with the line
                        parent = el.getparent()
                        if parent is None:  # the root is an IDOC: one record, the tree path reads it
                            return too_large(el, None) if len(data) > max_idoc else None
                        if parent.getparent() is not None:
                            continue  # an IDOC nested deeper: no record
                        if event == "end":
                            opened_at = None
                            continue
                        if root is None:
                            root = parent
                            _scope.steps[root] = steps
                        count += 1
                        opened_at = fed
                        if pending is not None:
                            flush(pending, count - 1, True)
                        pending = el
                    if opened_at is not None and fed - opened_at > max_idoc:
                        return too_large(pending, count)
                parser.close()
                if pending is None:
                    return None
                flush(pending, count, count > 1)
                check_parsed(root)  # the DOCTYPE (what the parser reported covers the XInclude elements)
            except Exception:
                return None
        return result


    # ------------------------------------------------------------------ outbound
    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> bytes:
        """Confirmations (with their linked movements) as PPCC2PRETTICKET02, or movements as MBGMCR03.

        One call writes one XML document; a mix of confirmations and movements that belong to none of
        them cannot share a document: call :meth:`write_documents` for that.
        """
        documents = self._documents(items, context)
        if len(documents) != 1:
            kinds = ", ".join(kind for kind, _ in documents) or "nothing"
            raise MappingError(
                f"these items need {len(documents)} IDoc documents ({kinds}); use write_documents()",
                code="unmappable_value",
            )
        return documents[0][1]

    def write_documents(self, items: Iterable[Any], context: MappingContext | None = None) -> list[Document]:
        """``[Document(basic type, XML bytes)]``: one PPCC2PRETTICKET02 and/or one MBGMCR03 document."""
        return [Document(kind, body) for kind, body in self._documents(items, context)]

    def _documents(self, items: Iterable[Any], context: MappingContext | None) -> list[tuple[str, bytes]]:
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
                raise MappingError(
                    f"{self.name} cannot write a {type(entity).__name__} (accepts "
                    "ProductionConfirmation and MaterialMovement)",
                    code="unmappable_value",
                )
        conf_ids = {c.confirmation_id for c in confirmations}
        linked = [m for m in movements if m.confirmation_id in conf_ids]
        loose = [m for m in movements if m.confirmation_id not in conf_ids]
        out: list[tuple[str, bytes]] = []
        if confirmations:
            out.append(("PPCC2PRETTICKET02", _write_ppcc2(confirmations, linked, ctx)))
        if loose:
            out.append(("MBGMCR03", _write_mbgmcr(loose, ctx)))
        return out


_HANDLERS: dict[str, Callable[[_Idoc, MappingContext, MappingResult], None]] = {
    "LOIPRO": _loipro,
    "MATMAS": _matmas,
    "BATMAS": _batmas,
    "MBGMCR": _mbgmcr,
    "PPCC2PRETTICKET": _ppcc2,
    "LOIWCS": _loiwcs,
}

__all__ = ["SOAP_NS", "SapIdocMapper", "xpath"]
