"""SAP IDoc XML <-> canonical events.

Inbound (``to_canonical``): LOIPRO (01-05) production orders, MATMAS material masters, BATMAS batches,
MBGMCR goods movements and PPCC2PRETTICKET time tickets. Outbound (``from_canonical``): confirmations
as PPCC2PRETTICKET02 and goods movements as MBGMCR03.

Parsing is namespace- and order-agnostic: file-port XML (no namespace), SOAP-delivered XML
(``urn:sap-com:document:sap:idoc:soap:messages``), extension roots (``ZLOIPRO05``) and several ``IDOC``
elements per document are all read the same way. One *record* is one order header, material, batch,
goods-movement item or time ticket; each either becomes an event or a reject that names its XPath and
line. Documents with an unsupported message type (``LOIWCS``, RFC responses) give one
``unsupported_message`` reject per IDoc rather than being dropped.

Speed: a plain document (UTF-8, no namespaces, references, CDATA or comments inside the root) is checked
by the hardened parser without building a tree and read from its text; when every record converts,
that is the result. Anything else, and any reject or warning, maps the document from the lxml tree,
which alone knows the XPaths, lines and fragments that rejects report.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import reprlib
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import msgspec
from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError
from mfgcanon.mappers.sap import values as _sap
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers._base import (
    MappingResult,
    Payload,
    PayloadMeta,
    Reject,
    effective_meta,
    printable,
    reject_from_error,
    stamp_meta,
)
from mfgcanon.mappers._data import canonical_for
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
from mfgcanon.v1 import derive
from mfgcanon.v1.common import (
    Property,
    Quantity,
    SourceRef,
)
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    CloudEvent,
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
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
    QualityHoldPlaced,
    QualityHoldReleased,
    WorkCenterUpserted,
    build_event,
    movement_event,
)
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.lot import LotStatus, MaterialLot
from mfgcanon.v1.material import (
    Material,
    MaterialStatus,
)
from mfgcanon.v1.order import OperationStatus, ProductionOrder
from mfgcanon.v1.posting import PostingState, RequestKind
from mfgcanon.v1.work_center import WorkCenter

_T = TypeVar("_T")

SOAP_NS = "urn:sap-com:document:sap:idoc:soap:messages"
_SNIFF = re.compile(rb"<(?:[\w.-]+:)?(?:IDOC|(?:CO_MES|BAPI)_PRODORDCONF_CREATE_TT\.Response)[\s>/]")
_SNIFF_TEXT = re.compile(r"<(?:[\w.-]+:)?(?:IDOC|(?:CO_MES|BAPI)_PRODORDCONF_CREATE_TT\.Response)[\s>/]")
# RFC XML responses of a confirmation posting (the goods movements it posted): read like MBGMCR items
_CONFIRMATION_RESPONSES = frozenset({"CO_MES_PRODORDCONF_CREATE_TT.Response", "BAPI_PRODORDCONF_CREATE_TT.Response"})

# Field lengths for ALPHA padding on the way out (erp-formats.md 0.3 and 1.6): None = never padded.
PAD = {
    "AUFNR": 12,
    "MATNR": 18,
    "MATNR_LONG": 40,
    "RSNUM": 10,
    "RSPOS": 4,
    "RUECK": 10,
    "CHARG": None,
    "OPERATION": 4,
    "MOVE_REAS": 4,
    "MBLNR": 10,
    "ZEILE": 4,
}


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


_STANDARD_VALUES = tuple((n, f"VGW0{n}", f"VGE0{n}", f"LAR0{n}") for n in range(1, 7))
_FLAG = ("X", "x")  # _sap.is_flag of a stripped field value: no other character upper-cases to "X"


@functools.lru_cache(maxsize=1024)
def _operation_status(raw: tuple[str, ...]) -> OperationStatus | None:
    """The operation status of its raw status codes (pure: the code lists are static), cached."""
    return sc.operation_status(sc.short_status(s) for s in raw)


class _Fallback(Exception):
    """The text reader met something only the lxml tree reads exactly (or a failure that must name its
    XPath and line): the document is mapped again from the tree."""


class _Seg:
    """One segment: its non-blank leaf fields (stripped text) and its child segments by name.

    ``el`` is the lxml element, or None when the segment was read from text (:func:`_read_text`): then
    any error location is out of reach and the document is mapped again from the tree.
    """

    __slots__ = ("el", "f", "kids")

    def __init__(self, el: Any, fields: dict[str, str], kids: dict[str, list[_Seg]]) -> None:
        self.el = el
        self.f = fields
        self.kids = kids

    def text(self, name: str) -> str | None:
        return self.f.get(name)

    def one(self, name: str) -> _Seg | None:
        found = self.kids.get(name)
        return found[0] if found else None

    def all(self, name: str) -> list[_Seg]:
        return self.kids.get(name, [])

    def where(self, name: str | None = None) -> tuple[str, int | None]:
        """XPath (namespace-free, 1-based positions) and line of this segment or one of its fields."""
        path = _path(self.el)
        if name is None:
            return path, self.el.sourceline
        for child in self.el:
            if local_name(child.tag) == name:
                return f"{path}/{name}", child.sourceline
        return f"{path}/{name}", self.el.sourceline


def _read_tree(el: Any) -> _Seg:
    """A segment from the lxml tree, in one pass over the element's children (comments and PIs are
    already gone: the parser drops them); an element with element children is a segment, any other a field."""
    fields: dict[str, str] = {}
    kids: dict[str, list[_Seg]] = {}
    for child in el:
        tag = child.tag
        if tag[0] == "{":
            tag = tag.rpartition("}")[2]
        if len(child):
            found = kids.get(tag)
            if found is None:
                kids[tag] = [_read_tree(child)]
            else:
                found.append(_read_tree(child))
        else:
            value = child.text
            if value:
                value = value.strip()
                if value:
                    fields[tag] = value
    return _Seg(el, fields, kids)


_START_TAG = re.compile(r"""([^\s/>=:"'!?][^\s/>=:"']*)(?:\s+[^\s/>=:"']+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*(/?)""")
_TAG_NAMES: dict[str, str] = {}  # start-tag markup -> element name ("" for an empty-element tag)
_MAX_DEPTH = 200  # well below libxml2's 256, which only its tree parse enforces


def _tag_name(markup: str) -> str:
    """The element name of a start tag's markup (between ``<`` and the first ``>``), "" for ``<X/>``.

    Refuses comments, CDATA and processing instructions (``<!``, ``<?``), namespaces (prefixed names,
    ``xmlns``), and markup cut short by a ``>`` inside an attribute value (its quote is then unclosed).
    Cached: a document repeats the same few tags.
    """
    match = _START_TAG.fullmatch(markup)
    if (
        match is None
        or "xmlns" in markup
        or (match.group(1) == "IDOC" and match.group(2))  # an empty IDOC is a record too
    ):
        raise _Fallback(markup)
    name = "" if match.group(2) else match.group(1)
    if len(_TAG_NAMES) < 4096:
        _TAG_NAMES[markup] = name
    return name


def _read_text(text: str) -> tuple[str, _Seg]:
    """The root element's name and segment, read from :func:`._xml.plain_text` output like
    :func:`_read_tree` reads the tree.

    The parser has checked the document, which holds no comments, CDATA, PIs or references, so every
    ``<`` opens a tag and tags nest: an element is a field until its first child tag, then a segment.
    """
    top = _Seg(None, {}, {})
    fields, kids = top.f, top.kids
    stack: list[tuple[dict[str, str], dict[str, list[_Seg]]]] = []
    names = _TAG_NAMES
    pending: str | None = None  # the open element that has no child (yet): a field if it closes now
    value = ""
    parts = iter(text.split("<"))
    next(parts)  # "": the text starts at the root element
    for part in parts:
        if part[0] == "/":
            if pending is None:
                fields, kids = stack.pop()
            else:
                value = value.strip()
                if value:
                    fields[pending] = value
                elif pending == "IDOC":  # an empty IDOC is a record too
                    raise _Fallback(pending)
                pending = None
            continue
        markup, _, after = part.partition(">")
        name = names.get(markup)
        if name is None:
            name = _tag_name(markup)
        if pending is not None:  # the open element has a child: it is a segment
            seg = _Seg(None, {}, {})
            found = kids.get(pending)
            if found is None:
                kids[pending] = [seg]
            else:
                found.append(seg)
            stack.append((fields, kids))
            if len(stack) > _MAX_DEPTH:
                raise _Fallback("depth")
            fields, kids = seg.f, seg.kids
        if name:
            pending = name
            value = after
        else:
            pending = None
    if len(top.kids) != 1 or top.f:  # the root is a field: nothing to read
        raise _Fallback("root")
    ((root_name, (root,)),) = top.kids.items()
    if "IDOC" in root.f:
        raise _Fallback("IDOC")
    return root_name, root


def _path(el: Any) -> str:
    """:func:`xpath` of a tree element; a segment read from text has none: map from the tree instead."""
    if el is None:
        raise _Fallback("location")
    return xpath(el)


def xpath(el: Any) -> str:
    """The XPath of an element, namespace-free, with 1-based positions where a name repeats among its siblings
    (``/MBGMCR03/IDOC/E1MBGMCR/E1BP2017_GM_ITEM_CREATE[2]``).

    Within :func:`_located` (a document being mapped) each parent's sibling positions are computed once, so
    locating every item of a long list costs linear time; outside it, one call enumerates the siblings."""
    cache: dict[Any, dict[Any, str]] | None = getattr(_scope, "steps", None)
    parts: list[str] = []
    node = el
    while node is not None:
        parent = node.getparent()
        if parent is None:
            parts.append(local_name(node.tag))
            break
        if cache is None:
            parts.append(_steps(parent)[node])
        else:
            steps = cache.get(parent)
            if steps is None:
                steps = cache[parent] = _steps(parent)
            parts.append(steps[node])
        node = parent
    return "/" + "/".join(reversed(parts))


_scope = threading.local()


def _steps(parent: Any) -> dict[Any, str]:
    """The XPath step of each child of ``parent`` (``NAME``, or ``NAME[i]`` when the name repeats), in one pass
    over the children (two, to know whether a name repeats)."""
    children = [(child, local_name(child.tag)) for child in parent]
    totals: dict[str, int] = {}
    for _, name in children:
        totals[name] = totals.get(name, 0) + 1
    seen: dict[str, int] = {}
    steps: dict[Any, str] = {}
    for child, name in children:
        if totals[name] > 1:
            seen[name] = position = seen.get(name, 0) + 1
            steps[child] = f"{name}[{position}]"
        else:
            steps[child] = name
    return steps


@contextlib.contextmanager
def _located() -> Iterator[None]:
    """Sibling positions cached for the document mapped inside (this thread only; the cache holds the
    elements, so it is dropped on exit)."""
    previous = getattr(_scope, "steps", None)
    _scope.steps = {}
    try:
        yield
    finally:
        _scope.steps = previous


def _fail(seg: _Seg, name: str, exc: MappingError) -> MappingError:
    """The error located at a segment field; the message names the canonical field it feeds (field maps)."""
    where, line = seg.where(name)
    target = canonical_for("sap-idoc", local_name(seg.el.tag), name)
    message = f"{exc.message} (source {local_name(seg.el.tag)}/{name} -> {target})" if target else exc.message
    return MappingError(message, code=exc.code, path=where, position=line)


class _Reader:
    """Field readers bound to a context; every failure names the segment field it came from.

    One reader serves a whole document: it caches unit resolutions (the same few units repeat in every
    segment); dates, times and plant-local instants are cached in :mod:`._sap`.
    """

    def __init__(self, context: MappingContext) -> None:
        self.ctx = context
        self.keep_zeros = bool(context.option("keep_leading_zeros", False))
        self._units: dict[tuple[str, str | None], tuple[str, str | None]] = {}

    def key(self, seg: _Seg, name: str) -> str | None:
        """A key field after ALPHA conversion (:func:`._sap.alpha_in`, inlined: field values are stripped)."""
        value = seg.f.get(name)
        if value is None or self.keep_zeros or not (value.isdigit() and value.isascii()):
            return value
        return value.lstrip("0") or "0"

    def material(self, seg: _Seg, short: str = "MATNR", long: str = "MATNR_LONG") -> str | None:
        """Prefer the 40-character field; S/4HANA leaves the 18-character one out when it does not fit."""
        fields = seg.f
        value = fields.get(long) or fields.get(short)
        if value is None or self.keep_zeros or not (value.isdigit() and value.isascii()):
            return value
        return value.lstrip("0") or "0"

    @staticmethod
    def _parsed(seg: _Seg, name: str, parse: Callable[[str], _T]) -> _T | None:
        """A field read through one of the SAP quirk parsers; a parse failure names the field."""
        value = seg.f.get(name)
        if value is None:
            return None
        try:
            return parse(value)
        except MappingError as exc:
            raise _fail(seg, name, exc) from None

    def dec(self, seg: _Seg, name: str) -> Decimal | None:
        return self._parsed(seg, name, _sap.parse_decimal)

    def unit(self, code: str, iso: str | None) -> tuple[str, str | None]:
        """(Rec 20 code, source spelling or None when it is the Rec 20 code itself), cached per document."""
        cache_key = (code, iso)
        found = self._units.get(cache_key)
        if found is None:
            rec20 = sc.unit_in(code, self.ctx, iso=iso)
            found = (rec20, None if code == rec20 else code)
            self._units[cache_key] = found
        return found

    def qty(
        self,
        seg: _Seg,
        value: str,
        unit: str,
        iso: str | None = None,
        *,
        unit_seg: _Seg | None = None,
        default_unit: str | None = None,
    ) -> Quantity | None:
        found = self.qty_d(seg, value, unit, iso, unit_seg=unit_seg, default_unit=default_unit)
        return None if found is None else Quantity(**found)

    def qty_d(
        self,
        seg: _Seg,
        value: str,
        unit: str,
        iso: str | None = None,
        *,
        unit_seg: _Seg | None = None,
        default_unit: str | None = None,
    ) -> dict[str, Any] | None:
        """A quantity as plain data (for :func:`sap_common.convert`): value, Rec 20 unit, source spelling."""
        fields = seg.f
        text = fields.get(value)
        if text is None:
            return None
        try:
            number = _sap.parse_decimal(text)
        except MappingError as exc:
            raise _fail(seg, value, exc) from None
        if unit_seg is not None:
            fields = unit_seg.f
        iso_code = fields.get(iso) if iso else None
        code = fields.get(unit) or iso_code or default_unit
        if code is None:
            raise _fail(seg, unit, MappingError(f"{value} has no unit ({unit} is empty)", code="missing_field"))
        if number.is_signed() and number:
            raise _fail(seg, value, sc.negative_quantity(number))
        found = self._units.get((code, iso_code))
        if found is None:
            try:
                found = self.unit(code, iso_code)
            except MappingError as exc:
                raise _fail(seg, unit, exc) from None
        return {"value": number.copy_abs(), "uom": found[0], "source_uom": found[1]}

    def day(self, seg: _Seg, name: str) -> date | None:
        return self._parsed(seg, name, _sap.parse_date)

    def instant(
        self, seg: _Seg, date_field: str, time_field: str | None, zone: Callable[[], tzinfo]
    ) -> datetime | None:
        """A plant-local date and time as a UTC instant, in one cached step (:func:`._sap.plant_instant`);
        a failure is read again field by field (:meth:`_instant`) to name the field and keep the order
        in which the checks fail: date, time, then the zone (a missing date needs no zone)."""
        fields = seg.f
        day = fields.get(date_field)
        if day is None:
            return None
        try:
            return _sap.plant_instant(day, fields.get(time_field) if time_field else None, zone())
        except MappingError:
            return self._instant(seg, date_field, time_field, zone)

    def _instant(
        self, seg: _Seg, date_field: str, time_field: str | None, zone: Callable[[], tzinfo]
    ) -> datetime | None:
        day = self.day(seg, date_field)
        if day is None:
            return None
        try:
            moment, extra = _sap.parse_time(seg.f.get(time_field) if time_field else None)
        except MappingError as exc:
            raise _fail(seg, time_field or date_field, exc) from None
        try:
            return _sap.local_instant(day, moment, extra, zone())
        except MappingError as exc:  # no zone for the plant, or an instant out of range
            raise _fail(seg, date_field, exc) from None


def _zone(context: MappingContext, plant: str | None) -> Callable[[], tzinfo]:
    return lambda: context.zone_for(plant)


def _pd(name: str, value: str | None, kind: str | None = None, uom: str | None = None) -> dict[str, Any] | None:
    """A property as plain data, checked by the entity's one ``msgspec.convert`` pass; None when absent."""
    if value is None:
        return None
    found: dict[str, Any] = {"name": name, "value": value}
    if kind is not None:
        found["data_type"] = kind
    if uom is not None:
        found["uom"] = uom
    return found


def _pds(*items: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [item for item in items if item is not None]


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _texts(segments: list[_Seg], field: str, ctx: MappingContext) -> tuple[list[dict[str, str]], str | None]:
    """Short texts per language (``SPRAS_ISO``, else ``SPRAS`` through the language table) and the one in
    the context's ``options.language`` (else the first) as the description."""
    language = str(ctx.option("language", "EN")).lower()
    texts: list[dict[str, str]] = []
    for t in segments:
        text = t.f.get(field)
        lang = (t.text("SPRAS_ISO") or sc.code_of(sc.MASTER, "language", t.text("SPRAS") or "", "")).lower()
        if text and lang:
            texts.append({"language": lang, "text": text})
    description = next((t["text"] for t in texts if t["language"] == language), texts[0]["text"] if texts else None)
    return texts, description


def _given(value: str | None) -> str | None:
    """A NUMC key or code, None when initial (all zeros: BAPI rows send every field, ``0000`` when unset)."""
    return value if value is not None and value.strip("0") else None


def _initial(value: str | None) -> bool:
    """Whether a number field is absent or zero (``0.000``)."""
    return value is None or value.strip("0.") == ""


def _rows(seg: _Seg, *names: str) -> list[_Seg]:
    """The rows of an RFC table (its ``item`` elements) or a structure itself, under the first of ``names``
    the response has (``IT_GOODSMOVEMENTS`` in CO_MES_*, ``GOODSMOVEMENTS`` in BAPI_*)."""
    for name in names:
        found = seg.one(name)
        if found is not None:
            return found.all("item") or ([found] if found.f else [])
    return []


def _plain(number: Decimal | None) -> str | None:
    return None if number is None else format(_sap.normalize_float(number), "f")


class _Idoc:
    """One ``IDOC`` element: its control record and its position in the document."""

    def __init__(self, seg: _Seg, root_name: str, index: int, reader: _Reader, channel: str = "IDOC") -> None:
        self.el = seg.el
        self.channel = channel  # the document type's prefix: IDOC, or RFC for a function module's response
        self.reader = reader
        self.seg = seg
        control = self.seg.one("EDI_DC40")
        self.control: dict[str, str] = control.f if control is not None else {}
        self.root_name = root_name
        self.index = index

    def c(self, name: str) -> str | None:
        value = self.control.get(name)
        return value.strip() or None if value is not None else None

    @property
    def basic_type(self) -> str:
        return (self.c("IDOCTYP") or self.c("CUSTOMED_EXT_DOC_TYPE") or self.root_name).upper()

    @property
    def message_type(self) -> str:
        """MESTYP, else derived from the basic type or root (``ZLOIPRO05`` -> ``LOIPRO``)."""
        explicit = self.c("MESTYP")
        if explicit:
            return explicit.upper()
        name = self.basic_type
        for known in _HANDLED:
            if name.startswith((known, "Z" + known)):
                return known
        return re.sub(r"\d+$", "", name)

    def source(self, context: MappingContext, *, line: str | None = None, fallback_id: str | None = None) -> SourceRef:
        system = context.source_system or self.c("SNDPRN")
        if not system:
            raise MappingError(
                "no source system: set source_system in the mapping context (the IDoc has no SNDPRN either)",
                code="missing_identity",
                path=_path(self.el) + "/EDI_DC40",
            )
        docnum = self.c("DOCNUM")
        return SourceRef(
            system=system,
            document_type=f"{self.channel}:{self.basic_type}",
            document_id=_sap.alpha_in(docnum) if docnum else fallback_id,
            line=line,
            revision=self.c("SERIAL"),
        )

    def created_at(self, context: MappingContext, plant: str | None) -> datetime | None:
        """The control record's creation time (CREDAT/CRETIM): the sender's system clock, read in the
        context's ``system_timezone`` (else the plant's zone)."""
        day = _sap.parse_date(self.c("CREDAT"))
        if day is None:
            return None
        moment, extra = _sap.parse_time(self.c("CRETIM"))
        return _sap.local_instant(day, moment, extra, context.clock_zone_for(plant))

    def created_at_any(self, context: MappingContext, plants: Iterable[str | None]) -> datetime | None:
        """CREDAT/CRETIM in the context's ``system_timezone``, else in the first of ``plants`` that has a
        zone, else the default zone; None when no zone is known (the caller falls back to ``received_at``)
        or the control record has no date."""
        if not self.c("CREDAT"):
            return None
        zone = context.system_timezone
        if zone is None:
            zone = next((z for p in plants if p is not None and (z := context.plant_timezones.get(p))), None)
        zone = zone or context.default_timezone
        if zone is None:
            return None
        day = _sap.parse_date(self.c("CREDAT"))
        if day is None:
            return None
        moment, extra = _sap.parse_time(self.c("CRETIM"))
        return _sap.local_instant(day, moment, extra, zone)


def _special_stock_id(r: _Reader, item: _Seg) -> str | None:
    """The owner of a special stock: the sales order (and item), else the supplier, else the customer."""
    order = _given(r.key(item, "SALES_ORD"))
    if order:
        position = _given(r.key(item, "S_ORD_ITEM"))
        return f"{order}/{position}" if position else order
    return _given(r.key(item, "VENDOR")) or _given(r.key(item, "CUSTOMER"))


def _target(idoc: _Idoc, ctx: MappingContext) -> str | None:
    """The system a request asks to post: the context's system name, else the IDoc's receiver (RCVPRN)."""
    return ctx.source_system or idoc.c("RCVPRN")


_HANDLED = ("LOIPRO", "MATMAS", "BATMAS", "MBGMCR", "PPCC2PRETTICKET", "LOIWCS")


_SHORT = reprlib.Repr()  # a repr that stops at depth 6 and ~2,000 characters: never a RecursionError
_SHORT.maxstring = _SHORT.maxother = 2000


def _fragment(el: Any) -> str:
    return str(etree.tostring(el, encoding="unicode"))


class SapIdocMapper:
    """SAP IDoc XML: LOIPRO, MATMAS, BATMAS, MBGMCR, PPCC2PRETTICKET in; PPCC2PRETTICKET02, MBGMCR03 out."""

    name: ClassVar[str] = "sap-idoc"
    description: ClassVar[str] = (
        "SAP IDoc XML: LOIPRO/MATMAS/BATMAS/LOIWCS/MBGMCR/PPCC2PRETTICKET and confirmation-posting RFC responses in, "
        "PPCC2PRETTICKET02 and MBGMCR03 out"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderReleased,
        ProductionOrderUpdated,
        ProductionOrderCompleted,
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
        ctx = context or MappingContext()
        info = effective_meta(meta, ctx)
        if info.received_at != ctx.received_at:  # the payload's received time: a posting result's processed time
            ctx = dataclasses.replace(ctx, received_at=info.received_at)
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
        """The mapping of a plain document (:func:`._xml.plain_text`) read without the lxml tree, when
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
                handler(self, idoc, ctx, result)
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
            self._guard(result, body, lambda: self._confirmation_response(body, root_name, ctx, result))
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
        handler(self, idoc, ctx, result)

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

    def _guard(self, result: MappingResult, seg: _Seg, work: Callable[[], object]) -> None:
        """Run one record's mapping; any failure becomes a reject for that record."""
        try:
            work()
        except Exception as exc:
            where, line = seg.where()
            result.add_reject(
                reject_from_error(exc, location=where, payload=_fragment(seg.el), line=line, mapper=self.name)
            )

    # LOIPRO ----------------------------------------------------------------
    def _each(
        self, idoc: _Idoc, segment: str, build: Callable[[_Idoc, _Seg, MappingContext, MappingResult], None],
        ctx: MappingContext, result: MappingResult,
    ) -> None:
        """Build one record per ``segment`` of the IDoc, each guarded; no such segment is itself a reject."""
        found = idoc.seg.all(segment)
        if not found:
            self._empty(idoc, segment, result)
        for seg in found:
            self._guard(result, seg, lambda s=seg: build(idoc, s, ctx, result))  # type: ignore[misc]

    def _loipro(self, idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
        self._each(idoc, "E1AFKOL", self._order, ctx, result)

    def _order(self, idoc: _Idoc, h: _Seg, ctx: MappingContext, result: MappingResult) -> None:
        r = idoc.reader
        plant = h.text("WERKS")
        order_id = r.key(h, "AUFNR")
        material_id = r.material(h)
        if not order_id or not plant or not material_id:
            missing = "AUFNR" if not order_id else "WERKS" if not plant else "MATNR_LONG"
            raise _fail(h, missing, MappingError(f"order header has no {missing}", code="missing_field"))
        zone = _zone(ctx, plant)
        item = h.one("E1AFPOL")
        stats = [s.text("STAT") for s in h.all("E1JSTKL")]
        raw_status = [s for s in stats if s]
        status = sc.order_status(sc.short_status(s) for s in raw_status)
        planned = r.qty_d(h, "GAMNG", "GMEIN")
        if planned is None:
            raise _fail(h, "GAMNG", MappingError("order header has no total quantity GAMNG", code="missing_field"))
        scrap = r.qty_d(h, "GASMG", "GMEIN")
        operations: list[dict[str, Any]] = []
        components: list[dict[str, Any]] = []
        for sequence in h.all("E1AFFLL"):
            plnfl = sequence.f.get("PLNFL")  # 0 / 000000: the standard sequence, as OData's "0"
            sequence_id = _sap.alpha_in(plnfl) if plnfl and plnfl.strip() else None
            for op in sequence.all("E1AFVOL"):
                operations.append(self._operation(r, op, zone, sequence_id))
                vornr = op.f.get("VORNR")
                for sub in op.all("E1AFUVL"):  # sub-operations, keyed by sequence, parent and number
                    operations.append(self._operation(r, sub, zone, sequence_id, parent=vornr))
                for position, comp in enumerate(op.all("E1RESBL"), start=1):
                    components.append(self._component(r, comp, plant, vornr, position))
        sales_order = None
        itf = item.f if item else {}
        hf = h.f
        kdauf = itf.get("KDAUF") or hf.get("KDAUF")
        if kdauf:
            kdpos = itf.get("KDPOS") or hf.get("KDPOS")
            keyed = (lambda v: v) if r.keep_zeros else _sap.alpha_in  # the same ALPHA rule as every key
            sales_order = f"{keyed(kdauf)}/{keyed(kdpos)}" if kdpos and kdpos.strip("0") else keyed(kdauf)
        properties = _pds(
            _pd("sap.order_category", hf.get("AUTYP")),
            _pd("sap.mrp_controller", hf.get("DISPO")),
            _pd("sap.production_supervisor", hf.get("FEVOR")),
            _pd("sap.production_version", itf.get("VERID")),
            _pd(
                "sap.serial_numbers",
                ",".join(s.text("SERNR") or "" for s in item.all("E1AFSER")) or None if item else None,
            ),
        )
        for char in h.all("E1VCCHR"):
            name = char.f.get("ATNAM")
            if name:
                properties.append(
                    {"name": f"sap.characteristic.{name}", "value": char.f.get("ATWRT_LONG") or char.f.get("ATWRT")}
                )
        lead = r.key(h, "LEAD_AUFNR")
        source = msgspec.structs.asdict(idoc.source(ctx, fallback_id=order_id))  # plain data: checked by convert
        order = sc.convert(
            {
                "order_id": order_id,
                "plant": plant,
                "order_type": hf.get("AUART"),
                "status": status,
                "status_source_code": " ".join(raw_status) or None,
                "material_id": material_id,
                "planned_quantity": planned,
                "planned_scrap_quantity": scrap if scrap is not None and scrap["value"] else None,
                "planned_start_at": r.instant(h, "GSTRP", "GSUZP", zone),
                "planned_end_at": r.instant(h, "GLTRP", "GLUZP", zone),
                "scheduled_start_at": r.instant(h, "GSTRS", "GSUZS", zone),
                "scheduled_end_at": r.instant(h, "GLTRS", "GLUZS", zone),
                "actual_start_at": r.instant(h, "GSTRI", "GSUZI", zone),
                "actual_end_at": r.instant(h, "GETRI", "GEUZI", zone),
                "released_date": r.day(h, "FTRMI"),  # SAP keeps the actual release as a date only
                "company_id": _given(hf.get("BUKRS")),
                "priority_source_code": _given(hf.get("APRIO")),
                "receipt_location": {"plant": itf.get("PWERK") or plant, "storage_location": itf["LGORT"]}
                if itf.get("LGORT")
                else None,
                "routing_id": r.key(h, "PLNNR"),
                "bom_id": r.key(h, "STLNR"),
                "target_lot_id": itf.get("CHARG"),
                "sales_order_id": sales_order,
                "parent_order_id": lead if lead and lead != order_id else None,
                "operations": operations,
                "material_requirements": components,
                "revision": idoc.c("SERIAL"),
                "properties": properties,
                "source": source,
            },
            ProductionOrder,
        )
        time = sc.event_time(result, ctx, lambda: h.where()[0], idoc.created_at(ctx, plant))
        sc.emit_checked(result, sc.order_event(status), order, time=time)

    def _operation(
        self,
        r: _Reader,
        op: _Seg,
        zone: Callable[[], tzinfo],
        sequence_id: str | None = None,
        parent: str | None = None,
    ) -> dict[str, Any]:
        """An operation (E1AFVOL) or, with ``parent``, a sub-operation (E1AFUVL, number UVORN, status E1JSTUL).
        Planned dates are the earliest scheduled ones (FSAVD/FSEDD), the latest ones (SSAVD/SSEDD) go to
        latest_start_at/latest_end_at; BMSCH is the quantity the standard values are given for."""
        # Per operation and per component (the bulk of an order), properties are built inline rather
        # than through _pd/_pds: same result, a third of the calls. Reads that can fail keep their order.
        fields = op.f
        number_field = "UVORN" if parent is not None else "VORNR"
        vornr = fields.get(number_field)
        if not vornr:
            raise _fail(op, number_field, MappingError(f"operation has no number {number_field}", code="missing_field"))
        basis = r.qty_d(op, "BMSCH", "MEINH") if (fields.get("BMSCH") or "").strip("0.") else None
        activities: list[dict[str, Any]] = []
        for slot, value_field, unit_field, type_field in _STANDARD_VALUES:
            standard = fields.get(value_field)
            if standard is None or standard.strip("0.") == "":  # zero standard values often come without a unit
                continue
            value = r.qty_d(op, value_field, unit_field)
            if value is not None and value["value"]:
                kind = sc.activity_kind(slot)
                activities.append({"activity": kind, "duration": value, "activity_type_code": fields.get(type_field),
                                   "basis_quantity": basis})
        kids = op.kids
        ext = kids.get("E1AFVOL2")
        ref = kids.get("E1AFREF")
        stats = kids.get("E1JSTUL" if parent is not None else "E1JSTVL")
        raw = [stat for s in stats if (stat := s.f.get("STAT"))] if stats else []
        processing = r.dec(op, "BEARZ")
        props: list[dict[str, Any]] = []
        rueck = r.key(ext[0], "RUECK") if ext else None
        plan, node = (r.key(ext[0], "AUFPL"), r.key(ext[0], "APLZL")) if ext else (None, None)
        if rueck is not None:
            props.append({"name": "sap.confirmation_number", "value": rueck})
        for name, text in (
            ("sap.work_center_internal_id", fields.get("ARBID")),
            ("sap.standard_value_key", fields.get("VGWTS")),
            ("sap.mes_operation_id", (ref[0].f.get("MES_OPERID") if ref else None) or fields.get("ME_OPERATION_ID")),
        ):
            if text is not None:
                props.append({"name": name, "value": text})
        if processing:
            props.append(
                {
                    "name": "sap.processing_time",
                    "value": _plain(processing),
                    "data_type": "decimal",
                    "uom": sc.unit_in(fields.get("BEAZE") or "MIN", r.ctx),
                }
            )
        return {
            "operation_id": vornr,
            "sequence_id": sequence_id,
            "parent_operation_id": parent,
            "source_operation_id": f"{plan}/{node}" if plan and node else None,
            "actual_start_at": r.instant(op, "ISDD", "ISDZ", zone) or r.instant(op, "ISAVD", "ISAVZ", zone),
            "actual_end_at": r.instant(op, "IEDD", "IEDZ", zone),
            "description": fields.get("LTXA1"),
            "work_center_id": fields.get("ARBPL"),
            "control_key": fields.get("STEUS"),
            "planned_quantity": r.qty_d(op, "MGVRG", "MEINH"),
            "planned_start_at": r.instant(op, "FSAVD", "FSAVZ", zone),
            "planned_end_at": r.instant(op, "FSEDD", "FSEDZ", zone),
            "latest_start_at": r.instant(op, "SSAVD", "SSAVZ", zone),
            "latest_end_at": r.instant(op, "SSEDD", "SSEDZ", zone),
            "planned_activities": activities,
            "status": _operation_status(tuple(raw)),
            "status_source_code": " ".join(raw) or None,
            "properties": props,
        }

    def _component(
        self, r: _Reader, c: _Seg, plant: str, vornr: str | None, position: int
    ) -> dict[str, Any]:
        fields = c.f
        material_id = r.material(c)
        if not material_id:
            raise _fail(c, "MATNR_LONG", MappingError("component has no material", code="missing_field"))
        quantity = r.qty_d(c, "BDMNG", "MEINS")
        if quantity is None:
            raise _fail(c, "BDMNG", MappingError("component has no required quantity BDMNG", code="missing_field"))
        rsnum, rspos = r.key(c, "RSNUM"), r.key(c, "RSPOS")
        posnr = fields.get("POSNR")
        line_id = f"{rsnum}/{rspos}" if rsnum and rspos else f"{vornr or '-'}/{posnr or position}"
        bwart = fields.get("BWART")
        use = "consumed"
        if fields.get("SHKZG") == "S":
            use = "by_product" if bwart == "531" else "co_product"
        required = r.day(c, "BDTER")
        props: list[dict[str, Any]] = []
        if bwart is not None:
            props.append({"name": "sap.movement_type", "value": bwart})
        category = fields.get("POSTP")
        if category is not None:
            props.append({"name": "sap.item_category", "value": category})
        return {
            "line_id": line_id,
            "material_id": material_id,
            "material_use": use,
            "quantity": quantity,
            "operation_id": vornr,
            "bom_item_number": posnr,
            "lot_id": fields.get("CHARG"),
            "issue_location": {"plant": fields.get("WERKS") or plant, "storage_location": fields.get("LGORT")},
            "required_date": required,
            "is_backflush": fields.get("RGEKZ") in _FLAG,
            "is_phantom": fields.get("DUMPS") in _FLAG,
            "alternative_group": fields.get("ALPGR"),
            "properties": props,
        }

    def _empty(self, idoc: _Idoc, segment: str, result: MappingResult) -> None:
        result.add_reject(
            Reject(
                code="missing_field",
                reason=f"{idoc.message_type} IDoc without a {segment} segment",
                location=_path(idoc.el),
                line=idoc.el.sourceline,
                payload=_fragment(idoc.el),
                mapper=self.name,
            )
        )

    # MATMAS ----------------------------------------------------------------
    def _matmas(self, idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
        self._each(idoc, "E1MARAM", self._material, ctx, result)

    def _material(self, idoc: _Idoc, m: _Seg, ctx: MappingContext, result: MappingResult) -> None:
        r = idoc.reader
        material_id = r.material(m)
        if not material_id:
            raise _fail(m, "MATNR", MappingError("material segment has no MATNR", code="missing_field"))
        base = m.text("MEINS")
        if not base:
            raise _fail(m, "MEINS", MappingError("material has no base unit MEINS", code="missing_field"))
        try:
            base_uom = sc.unit_in(base, ctx)
        except MappingError as exc:
            raise _fail(m, "MEINS", exc) from None
        texts, description = _texts(m.all("E1MAKTM"), "MAKTX", ctx)
        conversions: list[dict[str, Any]] = []
        for u in m.all("E1MARMM"):
            code = u.text("MEINH")
            if not code:
                continue
            try:
                uom = sc.unit_in(code, ctx)
            except MappingError as exc:
                raise _fail(u, "MEINH", exc) from None
            if uom == base_uom:
                continue
            num, den = r.dec(u, "UMREZ"), r.dec(u, "UMREN")
            if num is None or den is None:
                raise _fail(u, "UMREZ", MappingError("unit conversion needs UMREZ and UMREN", code="missing_field"))
            conversions.append({"uom": uom, "numerator": num, "denominator": den})
        plants: list[dict[str, Any]] = []
        for p in m.all("E1MARCM"):
            werks = p.text("WERKS")
            if not werks:  # a plant view names its plant; dropping the segment would lose its data silently
                raise _fail(p, "WERKS", MappingError("plant segment E1MARCM has no WERKS", code="missing_field"))
            beskz = p.text("BESKZ")
            plants.append(
                {
                    "plant": werks,
                    "procurement_type": sc.code_of(sc.MASTER, "procurement_type", beskz) if beskz else None,
                    "procurement_type_source_code": beskz,
                    "storage_location": p.text("LGPRO"),
                    "status": MaterialStatus.OTHER if p.text("MMSTA") else None,
                    "status_source_code": p.text("MMSTA"),
                    "mrp_controller": p.text("DISPO"),
                }
            )
        mtart = m.text("MTART")
        shelf = r.dec(m, "MHDHB")
        custom: list[dict[str, Any]] = []
        for block in m.all("CustomData"):
            for data in block.all("Data"):
                attribute = data.text("attribute")
                if attribute:
                    custom.append({"name": f"sap.custom.{attribute}", "value": data.text("value")})
        gross = r.dec(m, "BRGEW")
        weight_unit = m.text("GEWEI")
        source = msgspec.structs.asdict(idoc.source(ctx, fallback_id=material_id))  # plain data: checked by convert
        material = sc.convert(
            {
                "material_id": material_id,
                "description": description,
                "descriptions": texts,
                "base_uom": base_uom,
                "material_type": sc.code_of(sc.MASTER, "material_type", mtart or ""),
                "material_type_source_code": mtart,
                "material_group": m.text("MATKL"),
                "is_lot_managed": _sap.is_flag(m.f.get("XCHPF")),
                "shelf_life": {"value": shelf, "uom": "DAY"} if shelf else None,
                "uom_conversions": conversions,
                "status": MaterialStatus.OTHER if m.text("MSTAE") else MaterialStatus.ACTIVE,
                "status_source_code": m.text("MSTAE"),
                "is_deleted": _sap.is_flag(m.f.get("LVORM")) or m.text("MSGFN") == "003",
                "plant_data": plants,
                "gtin": sc.gtin(m.text("EAN11")),
                "properties": _pds(
                    _pd("sap.industry_sector", m.text("MBRSH")),
                    _pd("sap.old_material_number", m.text("BISMT")),
                    _pd("sap.gtin", None if sc.gtin(m.text("EAN11")) else m.text("EAN11")),
                    _pd("sap.gross_weight", _plain(gross), "decimal", self._unit_of(m, "GEWEI", ctx))
                    if gross and weight_unit
                    else None,
                )
                + custom,
                "source": source,
            },
            Material,
        )
        created = idoc.created_at_any(ctx, [] if ctx.default_timezone else [p["plant"] for p in plants])
        time = sc.event_time(result, ctx, lambda: m.where()[0], created)
        sc.emit_checked(result, MaterialUpserted, material, time=time)

    @staticmethod
    def _unit_of(seg: _Seg, name: str, ctx: MappingContext) -> str:
        """The Rec 20 code of a unit field; a unit no table knows names the field."""
        try:
            return sc.unit_in(seg.f[name], ctx)
        except MappingError as exc:
            raise _fail(seg, name, exc) from None

    # LOIWCS ----------------------------------------------------------------
    def _loiwcs(self, idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
        self._each(idoc, "E1CRHDL", self._work_center, ctx, result)

    def _work_center(self, idoc: _Idoc, w: _Seg, ctx: MappingContext, result: MappingResult) -> None:
        """A work center (``E1CRHDL``): ARBPL in its plant, texts, category, validity (BEGDA/ENDDA are plant
        calendar days: ENDDA is the last valid day, 99991231 none), and its costing rows (``E1CRCOL``)."""
        r = idoc.reader
        arbpl, plant = w.text("ARBPL"), w.text("WERKS")
        if not arbpl or not plant:
            missing = "ARBPL" if not arbpl else "WERKS"
            raise _fail(w, missing, MappingError(f"work center segment has no {missing}", code="missing_field"))
        zone = _zone(ctx, plant)
        texts, description = _texts(w.all("E1CRTXL"), "KTEXT", ctx)
        last_day = r.day(w, "ENDDA")
        valid_to = None
        if last_day is not None and last_day < date.max:
            valid_to = _sap.local_instant(last_day + timedelta(days=1), time(0), 0, zone())
        rows = w.all("E1CRCOL")  # costing per activity slot (LANUM)
        costing = _pds(
            *(
                prop
                for row in rows
                if (slot := row.text("LANUM"))
                for prop in (
                    _pd(f"sap.costing_formula.{slot}", row.text("FORML")),
                    _pd(f"sap.activity_type.{slot}", row.text("LSTAR")),
                )
            )
        )
        cost_center = next((c for row in rows if (c := r.key(row, "KOSTL"))), None)
        source = msgspec.structs.asdict(idoc.source(ctx, fallback_id=f"{plant}/{arbpl}"))
        work_center = sc.convert(
            {
                "work_center_id": arbpl,
                "plant": plant,
                "description": description,
                "descriptions": texts,
                "category": w.text("VERWE"),
                "standard_value_key": w.text("VGWTS"),
                "is_deleted": _sap.is_flag(w.f.get("LVORM")) or w.text("MSGFN") == "003",
                "effective_from": r.instant(w, "BEGDA", None, zone),
                "effective_to": valid_to,
                "properties": _pds(
                    _pd("sap.work_center_internal_id", w.text("OBJID")),
                    _pd("sap.person_responsible", w.text("VERAN")),
                    _pd("sap.cost_center", cost_center),
                )
                + costing,
                "source": source,
            },
            WorkCenter,
        )
        time_ = sc.event_time(result, ctx, lambda: w.where()[0], idoc.created_at_any(ctx, [plant]))
        sc.emit_checked(result, WorkCenterUpserted, work_center, time=time_)

    # BATMAS ----------------------------------------------------------------
    def _batmas(self, idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
        self._each(idoc, "E1BATMAS", self._batch, ctx, result)

    def _batch(self, idoc: _Idoc, b: _Seg, ctx: MappingContext, result: MappingResult) -> None:
        r = idoc.reader
        material_id = r.material(b, "MATERIAL", "MATERIAL_LONG")
        lot_id = b.text("BATCH")
        if not material_id or not lot_id:
            missing = "MATERIAL" if not material_id else "BATCH"
            raise _fail(b, missing, MappingError(f"batch segment has no {missing}", code="missing_field"))
        plant = b.text("PLANT")
        zone = _zone(ctx, plant)
        attrs = b.one("E1BPBATCHATT") or b
        status_seg = b.one("E1BPBATCHSTATUS")
        restricted = _sap.is_flag(status_seg.f.get("RESTRICTED")) if status_seg else False
        ctrl = b.one("E1BPBATCHCTRL")
        source = msgspec.structs.asdict(idoc.source(ctx, fallback_id=f"{material_id}/{lot_id}"))
        lot = sc.convert(
            {
                "lot_id": lot_id,
                "material_id": material_id,
                "plant": plant,
                "status": LotStatus.RESTRICTED if restricted else LotStatus.RELEASED,  # ZUSTD: restricted batch
                "status_source_code": "RESTRICTED" if restricted else None,
                "manufactured_at": r.instant(attrs, "PROD_DATE", None, zone),  # kept for 1.x readers
                "expires_at": r.instant(attrs, "EXPIRYDATE", None, zone),
                "retest_at": r.instant(attrs, "NEXTINSPEC", None, zone),
                "manufactured_date": r.day(attrs, "PROD_DATE"),  # HSDAT, VFDAT, QNDAT: calendar dates
                "expiry_date": r.day(attrs, "EXPIRYDATE"),
                "retest_date": r.day(attrs, "NEXTINSPEC"),
                "supplier_id": r.key(attrs, "VENDOR"),
                "supplier_lot_id": attrs.text("VENDRBATCH"),
                "properties": _pds(
                    _pd("sap.country_of_origin", attrs.text("COUNTRYORI")),
                    _pd("sap.availability_date", _iso(r.day(attrs, "AVAILABLE")), "date"),
                    _pd("sap.batch_class", ctrl.text("CLASS") if ctrl else None),
                    _pd("sap.deletion_flag", "true" if _sap.is_flag(attrs.f.get("DELETEFLAG")) else None, "boolean"),
                ),
                "source": source,
            },
            MaterialLot,
        )
        created = idoc.created_at_any(ctx, [plant])
        # a restricted batch places a hold, at the IDoc's creation time (one IDoc says no status before it)
        holds = sc.lot_holds(result, lot, created, lambda: b.where()[0])
        time = sc.event_time(result, ctx, lambda: b.where()[0], created)
        sc.emit_with_holds(result, build_event(LotUpserted, lot, time=time), holds)

    # MBGMCR ----------------------------------------------------------------
    def _mbgmcr(self, idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
        body = idoc.seg.one("E1MBGMCR") or idoc.seg  # some producers put the E1BP* segments under IDOC
        head = body.one("E1BP2017_GM_HEAD_01")
        items = body.all("E1BP2017_GM_ITEM_CREATE")
        if not items:
            self._empty(idoc, "E1BP2017_GM_ITEM_CREATE", result)
        code_seg = body.one("E1BP2017_GM_CODE")
        gm = code_seg.text("GM_CODE") if code_seg else None
        ref = (head.text("REF_DOC_NO") if head else None) or idoc.c("DOCNUM") or f"IDOC{idoc.index}"
        serials: dict[str, list[str]] = {}
        for row in body.all("E1BP2017_GM_SERIALNUMBER"):  # MATDOC_ITM: the item's 1-based position
            if (serial := row.text("SERIALNO")) and (position := row.text("MATDOC_ITM")):
                serials.setdefault(_sap.alpha_in(position), []).append(serial)
        for number, item in enumerate(items, start=1):
            self._guard(
                result,
                item,
                lambda i=item, n=number: self._movement(  # type: ignore[misc]
                    idoc, head, i, ctx, result, movement_id=f"{_sap.alpha_in(ref)}/{n}", line=str(n), gm=gm,
                    serials=serials.get(str(n)),
                ),
            )

    def _movement(
        self,
        idoc: _Idoc,
        head: _Seg | None,
        i: _Seg,
        ctx: MappingContext,
        result: MappingResult,
        *,
        movement_id: str,
        line: str,
        gm: str | None,
        confirmation_id: str | None = None,
        occurred: datetime | None = None,
        day: date | None = None,
        serials: list[str] | None = None,
    ) -> CloudEvent:
        """One goods-movement item (E1BP2017_GM_ITEM_CREATE) of a request sent to SAP (MBGMCR, or linked to a
        time ticket): ``posting.state = requested``. Its business time is ``occurred`` (the time ticket's
        end) where given, else the document date (DOC_DATE, else the posting date PSTNG_DATE, else ``day``)
        at 00:00 in the plant's zone with ``occurred_at_precision = day``; the control record's creation
        time is when it was requested, never when the goods moved."""
        r = idoc.reader
        plant = i.text("PLANT")
        material_id = r.material(i, "MATERIAL", "MATERIAL_LONG")
        bwart = i.text("MOVE_TYPE")
        if not plant or not material_id or not bwart:
            missing = "PLANT" if not plant else "MATERIAL" if not material_id else "MOVE_TYPE"
            raise _fail(i, missing, MappingError(f"goods movement item has no {missing}", code="missing_field"))
        fields = i.f
        quantity = r.qty_d(i, "ENTRY_QNT", "ENTRY_UOM", "ENTRY_UOM_ISO")
        base = None
        if fields.get("BASE_UOM") or fields.get("BASE_UOM_ISO") or not _initial(fields.get("QUANTITY")):
            base = r.qty_d(i, "QUANTITY", "BASE_UOM", "BASE_UOM_ISO")  # else an initial 0.000 of a BAPI row
        if quantity is None:
            quantity, base = base, None
        if quantity is None:
            raise _fail(i, "ENTRY_QNT", MappingError("goods movement item has no quantity", code="missing_field"))
        meaning = sc.movement_in(bwart, context=ctx)
        reading = sc.movement_meaning(bwart, sc.reversal_reference(
            _given(r.key(i, "MATDOC_TR_CANCEL")), _given(fields.get("MATYEAR_TR_CANCEL")),
            _given(r.key(i, "MATITEM_TR_CANCEL"))), ctx)
        kind = MovementType(reading["movement_type"])
        here = {"plant": plant, "storage_location": fields.get("STGE_LOC")}
        from_loc = to_loc = None
        received = sc.books_inbound(kind, bwart)
        from_status, to_status = sc.movement_statuses(kind, meaning)
        stock_type = _given((fields.get("STCK_TYPE") or "").strip() or None)
        from_code = to_code = None
        if received:
            to_loc = here
            if stock_type:  # the stock type it is received into (INSMK: X quality inspection, S blocked)
                to_status, to_code = sc.code_of(sc.MASTER, "insmk", stock_type), stock_type
        elif kind is MovementType.TRANSFER:
            from_loc = here
            to_loc = {"plant": fields.get("MOVE_PLANT") or plant, "storage_location": fields.get("MOVE_STLOC")}
        else:
            from_loc = here
        posting = r.day(head, "PSTNG_DATE") if head else None
        precision = "instant"
        if occurred is None:
            document_day = r.day(head, "DOC_DATE") if head else None
            business_day = document_day or posting or day
            if business_day is None:
                raise _fail(
                    i,
                    "MOVE_TYPE",
                    MappingError(
                        "no business time for the movement: the header has neither DOC_DATE nor PSTNG_DATE "
                        "(the IDoc's creation time is when it was sent, not when the goods moved)",
                        code="missing_field",
                    ),
                )
            try:
                occurred = _sap.local_instant(business_day, time(0), 0, _zone(ctx, plant)())
            except MappingError as exc:  # before year 1 or after 9999 in UTC
                raise _fail(head or i, "DOC_DATE" if document_day else "PSTNG_DATE", exc) from None
            precision = "day"
        rsnum, rspos = _given(r.key(i, "RESERV_NO")), _given(r.key(i, "RES_ITEM"))
        hf = head.f if head is not None else {}
        source = idoc.source(ctx, line=line, fallback_id=movement_id.rpartition("/")[0])
        movement = sc.convert(
            {
                "movement_id": movement_id,
                "movement_type": kind,
                "movement_type_source_code": bwart,
                "plant": plant,
                "material_id": material_id,
                "quantity": quantity,
                "base_quantity": base,
                "lot_id": fields.get("BATCH"),
                "serial_numbers": serials or [],
                # the received batch's production and shelf-life expiry dates (HSDAT, VFDAT), where sent
                "manufactured_date": r.day(i, "PROD_DATE") if received else None,
                "expiry_date": r.day(i, "EXPIRYDATE") if received else None,
                "is_final_issue": _sap.is_flag(fields.get("WITHDRAWN")),
                "special_stock_type": _given(fields.get("SPEC_STOCK")),
                "special_stock_id": _special_stock_id(r, i),
                "from_location": from_loc,
                "to_location": to_loc,
                "from_stock_status": from_status,
                "to_stock_status": to_status,
                "from_stock_status_source_code": from_code,
                "to_stock_status_source_code": to_code,
                "order_id": _given(r.key(i, "ORDERID")),
                "requirement_line_id": f"{rsnum}/{rspos}" if rsnum and rspos else None,
                "confirmation_id": confirmation_id,
                "reason_code": _given(fields.get("MOVE_REAS")),
                "occurred_at": occurred,
                "occurred_at_precision": precision,
                "posting_date": posting,
                "is_reversal": reading["is_reversal"],
                "reverses_movement_id": reading["reverses_movement_id"],
                "posting": sc.posting_block(
                    PostingState.REQUESTED,
                    target_system=_target(idoc, ctx),
                    requested_at=idoc.created_at_any(ctx, [plant]),
                ),
                "properties": _pds(
                    _pd("sap.gm_code", gm),
                    _pd("sap.cost_center", fields.get("COSTCENTER")),
                    _pd("sap.item_text", fields.get("ITEM_TEXT")),
                    _pd("sap.movement_indicator", fields.get("MVT_IND")),
                    _pd("sap.reference_document", hf.get("REF_DOC_NO")),
                    _pd("sap.header_text", hf.get("HEADER_TXT")),
                ),
                "source": msgspec.structs.asdict(source),
            },
            MaterialMovement,
        )
        # a posted status change into blocked or quality-inspection stock places a hold (a request derives none)
        return sc.emit_with_holds(result, movement_event(movement), derive.holds_from_movement(movement))

    # PPCC2PRETTICKET --------------------------------------------------------
    def _ppcc2(self, idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
        body = idoc.seg.one("E1PPCC2PRETTICKET") or idoc.seg
        tickets = body.all("E1BP_PP_TIMETICKET")
        movements = body.all("E1BP2017_GM_ITEM_CREATE")
        if not tickets and not movements:
            self._empty(idoc, "E1BP_PP_TIMETICKET", result)
        links: dict[int, int] = {}
        for link in body.all("E1BP_LINK_CONF_GOODSMOV"):
            try:
                links[int(link.text("INDEX_GOODSMOV") or "0")] = int(link.text("INDEX_CONFIRM") or "0")
            except ValueError:
                continue
        confirmed: dict[int, tuple[str, datetime | None, date | None]] = {}
        failed: dict[int, Reject] = {}
        for number, ticket in enumerate(tickets, start=1):

            def work(t: _Seg = ticket, n: int = number) -> None:
                event = self._confirmation(idoc, t, ctx, result, n, [g for g, c in links.items() if c == n])
                data = event.data  # type: ignore[attr-defined]
                confirmed[n] = (data.confirmation_id, data.ended_at, data.posting_date)

            self._guard(result, ticket, work)
            if number not in confirmed:
                failed[number] = result.rejects[-1]
        for number, item in enumerate(movements, start=1):
            ticket_reject = failed.get(links.get(number, 0))
            if ticket_reject is not None:  # posted together in SAP: the movement goes down with its ticket
                where, line = item.where()
                result.add_reject(
                    Reject(
                        code=ticket_reject.code,
                        reason=f"its time ticket #{links[number]} was rejected: {ticket_reject.reason}",
                        location=where,
                        line=line,
                        payload=_fragment(item.el),
                        mapper=self.name,
                    )
                )
                continue
            owner = confirmed.get(links.get(number, 0))
            conf_id = owner[0] if owner else None
            base_id = conf_id or _sap.alpha_in(idoc.c("DOCNUM") or f"IDOC{idoc.index}")
            self._guard(
                result,
                item,
                lambda i=item, n=number, c=conf_id, b=base_id, o=owner: self._movement(  # type: ignore[misc]
                    idoc,
                    None,
                    i,
                    ctx,
                    result,
                    movement_id=f"{b}/{n}",
                    line=f"gm{n}",
                    gm=None,
                    confirmation_id=c,
                    occurred=o[1] if o else None,
                    day=o[2] if o else None,
                ),
            )

    def _confirmation(
        self, idoc: _Idoc, t: _Seg, ctx: MappingContext, result: MappingResult, number: int, goods: list[int]
    ) -> CloudEvent:
        r = idoc.reader
        plant = t.text("PLANT")
        order_id = r.key(t, "ORDERID")
        if not plant or not order_id:
            missing = "PLANT" if not plant else "ORDERID"
            raise _fail(t, missing, MappingError(f"time ticket has no {missing}", code="missing_field"))
        zone = _zone(ctx, plant)
        unit = t.text("CONF_QUAN_UNIT") or t.text("CONF_QUAN_UNIT_ISO")
        if not unit:
            raise _fail(t, "CONF_QUAN_UNIT", MappingError("time ticket has no unit", code="missing_field"))
        yield_qty = r.qty_d(t, "YIELD", "CONF_QUAN_UNIT", "CONF_QUAN_UNIT_ISO")
        if yield_qty is None:  # an activity-only confirmation: nothing yielded, in the ticket's unit
            try:
                uom, source_uom = r.unit(unit, None)
            except MappingError as exc:
                raise _fail(t, "CONF_QUAN_UNIT", exc) from None
            yield_qty = {"value": Decimal(0), "uom": uom, "source_uom": source_uom}
        activities: list[dict[str, Any]] = []
        for slot in range(1, 7):
            value = r.qty_d(t, f"CONF_ACTIVITY{slot}", f"CONF_ACTI_UNIT{slot}", f"CONF_ACTI_UNIT{slot}_ISO")
            if value is not None:
                activities.append({"activity": sc.activity_kind(slot), "duration": value})
        # never CONF_NO alone: RUECK is shared by every confirmation of the operation (docs/mappers.md)
        confirmation_id = t.text("EX_IDENT") or sc.derived_confirmation_id(
            order_id, t.text("OPERATION"), {**t.f, "DOCNUM": idoc.c("DOCNUM"), "#": number}
        )
        personnel = r.key(t, "PERS_NO")
        ended_at = r.instant(t, "EXEC_FIN_DATE", "EXEC_FIN_TIME", zone)
        recorded_at = r.instant(t, "EX_CREATED_DATE", "EX_CREATED_TIME", zone)
        source = msgspec.structs.asdict(idoc.source(ctx, line=str(number), fallback_id=confirmation_id))
        confirmation = sc.convert(
            {
                "confirmation_id": confirmation_id,
                "order_id": order_id,
                "operation_id": t.text("OPERATION"),
                "sequence_id": _sap.alpha_in(seq) if (seq := t.text("SEQUENCE")) else None,  # 000000 -> "0"
                "plant": plant,
                "work_center_id": t.text("WORK_CNTR"),
                "yield_quantity": yield_qty,
                "scrap_quantity": r.qty_d(t, "SCRAP", "CONF_QUAN_UNIT", "CONF_QUAN_UNIT_ISO"),
                "rework_quantity": r.qty_d(t, "REWORK", "CONF_QUAN_UNIT", "CONF_QUAN_UNIT_ISO"),
                "scrap_reason_code": t.text("DEV_REASON"),
                "is_final": sc.is_final_confirmation(t.text("FIN_CONF")),
                "final_confirmation_source_code": t.text("FIN_CONF"),
                "clear_open_reservations": _sap.is_flag(t.f.get("CLEAR_RES")),
                "started_at": r.instant(t, "EXEC_START_DATE", "EXEC_START_TIME", zone),
                "ended_at": ended_at,
                "posting_date": r.day(t, "POSTG_DATE"),
                "activities": activities,
                "personnel_ids": [personnel] if personnel else [],
                "material_movement_ids": [f"{confirmation_id}/{g}" for g in sorted(goods)],
                "recorded_at": recorded_at,
                "posting": sc.posting_block(
                    PostingState.REQUESTED,
                    target_system=_target(idoc, ctx),
                    external_id=t.text("EX_IDENT"),
                    requested_at=idoc.created_at_any(ctx, [plant]),
                ),
                "properties": _pds(
                    _pd("sap.confirmation_text", t.text("CONF_TEXT")),
                    _pd("sap.confirmation_number", r.key(t, "CONF_NO")),
                    _pd("sap.record_type", t.text("RECORDTYPE")),
                ),
                "source": source,
            },
            ProductionConfirmation,
        )
        time = sc.event_time(
            result, ctx, lambda: t.where()[0], ended_at, recorded_at, idoc.created_at_any(ctx, [plant])
        )
        return sc.emit_checked(result, ProductionConfirmed, confirmation, time=time)

    # CO_MES_PRODORDCONF_CREATE_TT / BAPI_PRODORDCONF_CREATE_TT responses (RFC XML) ---------------
    def _confirmation_response(self, body: _Seg, root_name: str, ctx: MappingContext, result: MappingResult) -> None:
        """The response of a confirmation posting: SAP's answer to a request, not a fact of its own (docs/model.md,
        "Posting"). It becomes one ``PostingResult``: posted (``PostingSucceeded``) with the confirmation
        ``CONF_NO/CONF_CNT`` that ``ET_DETAIL_RETURN`` reports as the target document and the confirmation and
        its goods movements (``IT_GOODSMOVEMENTS``, numbered ``{confirmation}/{n}``) in ``posted_ids``; or, when
        a message has type E or A, failed (``PostingFailed``) with every message. The request is named by the
        MES's confirmation id that SAP echoes in message CO_MES_INT 037 (MESSAGE_V1). The response has no
        time of its own: it was processed when received (the payload's received time; without one, a
        ``missing_field`` reject). The movement rows echo the request and become no movement events."""
        function = root_name.removesuffix(".Response")
        rfc = _Idoc(body, function, 1, _Reader(ctx), channel="RFC")
        rows = _rows(body, "ES_RETURN", "RETURN") + _rows(body, "ET_DETAIL_RETURN", "DETAIL_RETURN")
        items = _rows(body, "IT_GOODSMOVEMENTS", "GOODSMOVEMENTS")
        messages = [
            sc.posting_message(
                m.f.get("TYPE"),
                f"{m.f['ID'].strip()}/{m.f.get('NUMBER', '').strip()}" if _given(m.f.get("ID")) else None,
                _given(m.f.get("MESSAGE")),
            )
            for m in rows
            if _given(m.f.get("TYPE"))
        ]
        confirmations = sorted(
            {
                f"{_sap.alpha_in(m.f['CONF_NO'])}/{_sap.alpha_in(m.f.get('CONF_CNT') or '0')}"
                for m in rows
                if _given(m.f.get("CONF_NO"))
            }
        )
        external = next(
            (
                m.f["MESSAGE_V1"].strip()
                for m in rows
                if (m.f.get("ID") or "").strip() == "CO_MES_INT"
                and (m.f.get("NUMBER") or "").strip() == "037"
                and _given(m.f.get("MESSAGE_V1"))
            ),
            None,
        )
        failed = any(sc.is_failure(m) for m in messages)
        records = max(1, len(items))
        failure = None
        if failed and external is None:
            texts = [m["text"] or m["code"] or "?" for m in messages if sc.is_failure(m)]
            failure = ("source_error", f"SAP did not post the confirmation: {'; '.join(texts)} (and the response "
                       "names no request: no CO_MES_INT 037 message)")
        elif not failed and not confirmations:
            failure = ("missing_identity", "the response names no posted confirmation (CONF_NO/CONF_CNT)")
        if failure is not None:
            for item in items or [body]:
                where, line = item.where()
                result.add_reject(
                    Reject(code=failure[0], reason=failure[1], location=where, line=line,
                           payload=_fragment(item.el), mapper=self.name)
                )
            return
        target = ",".join(confirmations)
        plant = next((p for i in items if (p := i.text("PLANT"))), None)
        order = next((o for i in items if (o := _given(rfc.reader.key(i, "ORDERID")))), None)

        def work() -> None:
            source = rfc.source(ctx, fallback_id=target if not failed else external)
            processed = sc.processed_time(ctx, xpath(body.el))
            sc.emit_posting_result(
                result,
                {
                    "result_id": f"{function}:{target or external}",
                    "outcome": PostingState.FAILED if failed else PostingState.POSTED,
                    "request_kind": RequestKind.CONFIRMATION,
                    "request_kind_source_code": function,
                    "request_external_id": external,
                    "target_system": ctx.source_system or source.system,
                    "target_document_type": "confirmation",
                    "target_document_id": None if failed else target,
                    "posted_ids": [] if failed else [*confirmations, *(f"{target}/{n}" for n in
                                                                         range(1, len(items) + 1))],
                    "plant": plant,
                    "order_id": order,
                    "messages": messages,
                    "processed_at": processed,
                    "source": msgspec.structs.asdict(source),
                },
                records=records,
            )

        try:
            work()
        except Exception as exc:
            for item in items or [body]:
                where, line = item.where()
                result.add_reject(
                    reject_from_error(exc, location=where, payload=_fragment(item.el), line=line, mapper=self.name)
                )

    # ------------------------------------------------------------------ outbound
    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> bytes:
        """Confirmations (with their linked movements) as PPCC2PRETTICKET02, or movements as MBGMCR03.

        One call writes one XML document; a mix of confirmations and movements that belong to none of
        them cannot share a document: call :meth:`write_documents` for that.
        """
        documents = self.write_documents(items, context)
        if len(documents) != 1:
            kinds = ", ".join(kind for kind, _ in documents) or "nothing"
            raise MappingError(
                f"these items need {len(documents)} IDoc documents ({kinds}); use write_documents()",
                code="unmappable_value",
            )
        return documents[0][1]

    def write_documents(self, items: Iterable[Any], context: MappingContext | None = None) -> list[tuple[str, bytes]]:
        """``[(basic type, XML bytes)]``: one PPCC2PRETTICKET02 and/or one MBGMCR03 document."""
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


# ---------------------------------------------------------------------- writers
def _el(parent: Any, name: str, value: str | None) -> None:
    if value is not None and value != "":
        etree.SubElement(parent, name).text = value


def _control(idoc: Any, basic: str, message: str, created: datetime | None, plant: str, ctx: MappingContext) -> None:
    dc = etree.SubElement(idoc, "EDI_DC40", SEGMENT="1")
    _el(dc, "TABNAM", "EDI_DC40")
    _el(dc, "DIRECT", "2")
    _el(dc, "IDOCTYP", basic)
    _el(dc, "MESTYP", message)
    _el(dc, "SNDPOR", ctx.option("sender_port"))
    _el(dc, "SNDPRT", "LS")
    _el(dc, "SNDPRN", ctx.option("sender_partner", "MFGCANON"))
    _el(dc, "RCVPOR", ctx.option("receiver_port"))
    _el(dc, "RCVPRT", "LS")
    _el(dc, "RCVPRN", ctx.option("receiver_partner", ctx.source_system))
    if created is not None:
        day, moment = _sap.to_local(created, ctx.clock_zone_for(plant))
        _el(dc, "CREDAT", day)
        _el(dc, "CRETIM", moment)


def _qty_out(
    parent: Any, value_field: str, unit_field: str, iso_field: str | None, q: Quantity, ctx: MappingContext
) -> None:
    _el(parent, value_field, _sap.format_decimal(q.value))
    _el(parent, unit_field, sc.unit_out(q.uom, q.source_uom, "internal", ctx))
    if iso_field:
        _el(parent, iso_field, q.uom)


def _prop_value(properties: list[Property], name: str) -> str | None:
    return next((p.value for p in properties if p.name == name), None)


def _key_out(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    return _sap.alpha_out(value, PAD.get(field))


def _local(instant: datetime | None, plant: str, ctx: MappingContext) -> tuple[str | None, str | None]:
    if instant is None:
        return None, None
    return _sap.to_local(instant, ctx.zone_for(plant))


def _movement_item(parent: Any, m: MaterialMovement, ctx: MappingContext) -> None:
    item = etree.SubElement(parent, "E1BP2017_GM_ITEM_CREATE", SEGMENT="1")
    if len(m.material_id) <= 18:
        _el(item, "MATERIAL", _key_out(m.material_id, "MATNR"))
    _el(item, "PLANT", m.plant)
    here = m.to_location if sc.books_inbound(m.movement_type, m.movement_type_source_code) else m.from_location
    _el(item, "STGE_LOC", here.storage_location if here else None)
    _el(item, "BATCH", m.lot_id)
    bwart = sc.movement_out(
        m.movement_type, m.is_reversal, m.movement_type_source_code, m.from_stock_status, m.to_stock_status
    )
    _el(item, "MOVE_TYPE", bwart)
    if m.movement_type is MovementType.GOODS_RECEIPT and m.to_stock_status is not None:
        insmk = {"unrestricted": None, "quality_inspection": "X", "blocked": "S"}.get(m.to_stock_status.value)
        _el(item, "STCK_TYPE", insmk)
    _qty_out(item, "ENTRY_QNT", "ENTRY_UOM", "ENTRY_UOM_ISO", m.quantity, ctx)
    if m.base_quantity is not None:
        _qty_out(item, "QUANTITY", "BASE_UOM", "BASE_UOM_ISO", m.base_quantity, ctx)
    _el(item, "ITEM_TEXT", _prop_value(m.properties, "sap.item_text"))
    _el(item, "COSTCENTER", _prop_value(m.properties, "sap.cost_center"))
    _el(item, "ORDERID", _key_out(m.order_id, "AUFNR"))
    if m.requirement_line_id:
        rsnum, _, rspos = m.requirement_line_id.partition("/")
        _el(item, "RESERV_NO", _key_out(rsnum, "RSNUM"))
        _el(item, "RES_ITEM", _key_out(rspos, "RSPOS"))
    if _prop_value(m.properties, "sap.final_issue") == "true":
        _el(item, "WITHDRAWN", "X")
    if m.movement_type is MovementType.TRANSFER and m.to_location is not None:
        _el(item, "MOVE_PLANT", m.to_location.plant)
        _el(item, "MOVE_STLOC", m.to_location.storage_location)
    indicator = _prop_value(m.properties, "sap.movement_indicator")
    if indicator is None and m.order_id and bwart in ("101", "102"):
        indicator = "F"
    _el(item, "MVT_IND", indicator)
    _el(item, "MOVE_REAS", _key_out(m.reason_code, "MOVE_REAS"))
    if m.is_reversal and m.reverses_movement_id:
        document, year, line = [*m.reverses_movement_id.split("/"), "", ""][:3]
        if not (document and year.isdigit() and len(year) == 4 and line.isdigit()):
            raise MappingError(
                f"reverses_movement_id {m.reverses_movement_id!r} is not a material document item "
                "'document/year/item' (MATDOC_TR_CANCEL/MATYEAR_TR_CANCEL/MATITEM_TR_CANCEL)",
                code="unmappable_value",
            )
        _el(item, "MATDOC_TR_CANCEL", _key_out(document, "MBLNR"))
        _el(item, "MATITEM_TR_CANCEL", _key_out(line, "ZEILE"))
        _el(item, "MATYEAR_TR_CANCEL", year)
    _el(item, "MATERIAL_LONG", _key_out(m.material_id, "MATNR_LONG"))


def _document(basic: str) -> Any:
    return etree.Element(basic)


def _write_mbgmcr(movements: list[MaterialMovement], ctx: MappingContext) -> bytes:
    """MBGMCR03: one IDoc per material document, i.e. per (time, posting date, GM code) group."""
    root = _document("MBGMCR03")
    groups: dict[tuple[datetime, date | None, str, str], list[MaterialMovement]] = {}
    for m in movements:
        bwart = sc.movement_out(
            m.movement_type, m.is_reversal, m.movement_type_source_code, m.from_stock_status, m.to_stock_status
        )
        ref = _prop_value(m.properties, "sap.reference_document") or m.movement_id.rpartition("/")[0] or m.movement_id
        groups.setdefault((m.occurred_at, m.posting_date, sc.gm_code(bwart), ref), []).append(m)
    for (occurred, posting, gm, ref), members in groups.items():
        first = members[0]
        idoc = etree.SubElement(root, "IDOC", BEGIN="1")
        requested = first.posting.requested_at if first.posting is not None else None
        _control(idoc, "MBGMCR03", "MBGMCR", requested or occurred, first.plant, ctx)
        body = etree.SubElement(idoc, "E1MBGMCR", SEGMENT="1")
        head = etree.SubElement(body, "E1BP2017_GM_HEAD_01", SEGMENT="1")
        doc_day, _ = _sap.to_local(occurred, ctx.zone_for(first.plant))
        _el(head, "PSTNG_DATE", posting.strftime("%Y%m%d") if posting else doc_day)
        _el(head, "DOC_DATE", doc_day)
        if len(ref) > 16:
            raise MappingError(
                f"reference document {ref!r} is longer than REF_DOC_NO's 16 characters", code="unmappable_value"
            )
        _el(head, "REF_DOC_NO", ref)
        _el(head, "HEADER_TXT", _prop_value(first.properties, "sap.header_text"))
        code = etree.SubElement(body, "E1BP2017_GM_CODE", SEGMENT="1")
        _el(code, "GM_CODE", gm)
        for m in members:
            _movement_item(body, m, ctx)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _write_ppcc2(
    confirmations: list[ProductionConfirmation], linked: list[MaterialMovement], ctx: MappingContext
) -> bytes:
    root = _document("PPCC2PRETTICKET02")
    idoc = etree.SubElement(root, "IDOC", BEGIN="1")
    first = confirmations[0]
    _control(idoc, "PPCC2PRETTICKET02", "PPCC2PRETTICKET", first.recorded_at or first.ended_at, first.plant, ctx)
    for c in confirmations:
        if c.reverses_confirmation_id:
            raise MappingError(
                "a reversal cannot be sent as a time ticket: cancel the confirmation "
                "(BAPI_PRODORDCONF_CANCEL / CancelProdnOrdConf) instead",
                code="unmappable_value",
            )
        if len(c.personnel_ids) > 1:
            raise MappingError("a time ticket carries one personnel number (PERS_NO)", code="unmappable_value")
        t = etree.SubElement(idoc, "E1BP_PP_TIMETICKET", SEGMENT="1")
        _el(t, "ORDERID", _key_out(c.order_id, "AUFNR"))
        _el(t, "OPERATION", _key_out(c.operation_id, "OPERATION"))
        _el(t, "FIN_CONF", sc.final_confirmation_out(c))
        _el(t, "CLEAR_RES", "X" if c.clear_open_reservations else None)
        _el(t, "POSTG_DATE", c.posting_date.strftime("%Y%m%d") if c.posting_date else None)
        _el(t, "DEV_REASON", c.scrap_reason_code)
        _el(t, "CONF_TEXT", _prop_value(c.properties, "sap.confirmation_text"))
        _el(t, "PLANT", c.plant)
        _el(t, "WORK_CNTR", c.work_center_id)
        _el(t, "RECORDTYPE", _prop_value(c.properties, "sap.record_type"))
        _el(t, "CONF_QUAN_UNIT", sc.unit_out(c.yield_quantity.uom, c.yield_quantity.source_uom, "internal", ctx))
        _el(t, "CONF_QUAN_UNIT_ISO", c.yield_quantity.uom)
        for field, q in (("YIELD", c.yield_quantity), ("SCRAP", c.scrap_quantity), ("REWORK", c.rework_quantity)):
            if q is None:
                continue
            if q.uom != c.yield_quantity.uom:
                raise MappingError(
                    f"{field} is in {q.uom} but the time ticket has one unit ({c.yield_quantity.uom})",
                    code="unmappable_value",
                )
            _el(t, field, _sap.format_decimal(q.value))
        used: set[int] = set()
        for activity in c.activities:
            if activity.activity_type_code:
                raise MappingError(
                    "a time ticket does not carry activity types (LSTAR); leave activity_type_code empty",
                    code="unmappable_value",
                )
            slot = sc.activity_slot(activity.activity, used)
            used.add(slot)
            _qty_out(
                t, f"CONF_ACTIVITY{slot}", f"CONF_ACTI_UNIT{slot}", f"CONF_ACTI_UNIT{slot}_ISO", activity.duration, ctx
            )
        for prefix, instant in (("EXEC_START", c.started_at), ("EXEC_FIN", c.ended_at)):
            day, moment = _local(instant, c.plant, ctx)
            _el(t, f"{prefix}_DATE", day)
            _el(t, f"{prefix}_TIME", moment)
        _el(t, "PERS_NO", _key_out(c.personnel_ids[0], "PERS_NO") if c.personnel_ids else None)
        day, moment = _local(c.recorded_at, c.plant, ctx)
        _el(t, "EX_CREATED_DATE", day)
        _el(t, "EX_CREATED_TIME", moment)
        _el(t, "EX_IDENT", c.confirmation_id)
    index = {c.confirmation_id: n for n, c in enumerate(confirmations, start=1)}
    for m in linked:
        _movement_item(idoc, m, ctx)
    for number, m in enumerate(linked, start=1):
        link = etree.SubElement(idoc, "E1BP_LINK_CONF_GOODSMOV", SEGMENT="1")
        _el(link, "INDEX_CONFIRM", str(index[m.confirmation_id or ""]))
        _el(link, "INDEX_GOODSMOV", str(number))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


_HANDLERS: dict[str, Callable[[SapIdocMapper, _Idoc, MappingContext, MappingResult], None]] = {
    "LOIPRO": SapIdocMapper._loipro,
    "MATMAS": SapIdocMapper._matmas,
    "BATMAS": SapIdocMapper._batmas,
    "MBGMCR": SapIdocMapper._mbgmcr,
    "PPCC2PRETTICKET": SapIdocMapper._ppcc2,
    "LOIWCS": SapIdocMapper._loiwcs,
}

__all__ = ["SOAP_NS", "SapIdocMapper", "xpath"]
