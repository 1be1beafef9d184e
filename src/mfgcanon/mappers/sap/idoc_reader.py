"""The IDoc reader shared by the message families: segments read from the lxml tree or from plain text,
field readers that name the segment field a failure came from, XPaths and lines, the control record,
and the per-record guard that turns a failure into a reject.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    MappingResult,
    Reject,
    reject_from_error,
)
from mfgcanon.mappers._data import canonical_for
from mfgcanon.mappers._xml import local_name
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.v1.common import (
    Quantity,
    SourceRef,
)

_T = TypeVar("_T")


NAME = "sap-idoc"
"""The mapper's registry name, as shown in rejects."""


SOAP_NS = "urn:sap-com:document:sap:idoc:soap:messages"


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
    """The root element's name and segment, read from :func:`mfgcanon.mappers._xml.plain_text` output like
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
    segment); dates, times and plant-local instants are cached in :mod:`.values`.
    """

    def __init__(self, context: MappingContext) -> None:
        self.ctx = context
        self.keep_zeros = bool(context.option("keep_leading_zeros", False))
        self._units: dict[tuple[str, str | None], tuple[str, str | None]] = {}

    def key(self, seg: _Seg, name: str) -> str | None:
        """A key field after ALPHA conversion (:func:`.values.alpha_in`, inlined: field values are stripped)."""
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
        return self._parsed(seg, name, values.parse_decimal)

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
        """A quantity as plain data (for :func:`.common.convert`): value, Rec 20 unit, source spelling."""
        fields = seg.f
        text = fields.get(value)
        if text is None:
            return None
        try:
            number = values.parse_decimal(text)
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
        return self._parsed(seg, name, values.parse_date)

    def instant(
        self, seg: _Seg, date_field: str, time_field: str | None, zone: Callable[[], tzinfo]
    ) -> datetime | None:
        """A plant-local date and time as a UTC instant, in one cached step (:func:`.values.plant_instant`);
        a failure is read again field by field (:meth:`_instant`) to name the field and keep the order
        in which the checks fail: date, time, then the zone (a missing date needs no zone)."""
        fields = seg.f
        day = fields.get(date_field)
        if day is None:
            return None
        try:
            return values.plant_instant(day, fields.get(time_field) if time_field else None, zone())
        except MappingError:
            return self._instant(seg, date_field, time_field, zone)

    def _instant(
        self, seg: _Seg, date_field: str, time_field: str | None, zone: Callable[[], tzinfo]
    ) -> datetime | None:
        day = self.day(seg, date_field)
        if day is None:
            return None
        try:
            moment, extra = values.parse_time(seg.f.get(time_field) if time_field else None)
        except MappingError as exc:
            raise _fail(seg, time_field or date_field, exc) from None
        try:
            return values.local_instant(day, moment, extra, zone())
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
    return None if number is None else format(values.normalize_float(number), "f")


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
        self._created: dict[tzinfo, datetime | None] = {}

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
            document_id=values.alpha_in(docnum) if docnum else fallback_id,
            line=line,
            revision=self.c("SERIAL"),
        )

    def created_at(self, context: MappingContext, plant: str | None) -> datetime | None:
        """The control record's creation time (CREDAT/CRETIM): the sender's system clock, read in the
        context's ``system_timezone`` (else the plant's zone)."""
        day = values.parse_date(self.c("CREDAT"))
        if day is None:
            return None
        moment, extra = values.parse_time(self.c("CRETIM"))
        return values.local_instant(day, moment, extra, context.clock_zone_for(plant))

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
        known = self._created  # an IDoc's items ask again, mostly in the same zone
        if zone in known:
            return known[zone]
        created = known[zone] = self._created_in(zone)
        return created

    def _created_in(self, zone: tzinfo) -> datetime | None:
        day = values.parse_date(self.c("CREDAT"))
        if day is None:
            return None
        moment, extra = values.parse_time(self.c("CRETIM"))
        return values.local_instant(day, moment, extra, zone)


def _target(idoc: _Idoc, ctx: MappingContext) -> str | None:
    """The system a request asks to post: the context's system name, else the IDoc's receiver (RCVPRN)."""
    return ctx.source_system or idoc.c("RCVPRN")


_HANDLED = ("LOIPRO", "MATMAS", "BATMAS", "MBGMCR", "PPCC2PRETTICKET", "LOIWCS")


def _fragment(el: Any) -> str:
    return str(etree.tostring(el, encoding="unicode"))


def _guard(result: MappingResult, seg: _Seg, work: Callable[[], object]) -> None:
    """Run one record's mapping; any failure becomes a reject for that record."""
    try:
        work()
    except Exception as exc:
        where, line = seg.where()
        result.add_reject(
            reject_from_error(exc, location=where, payload=_fragment(seg.el), line=line, mapper=NAME)
        )


def _each(
    idoc: _Idoc, segment: str, build: Callable[[_Idoc, _Seg, MappingContext, MappingResult], None],
    ctx: MappingContext, result: MappingResult,
) -> None:
    """Build one record per ``segment`` of the IDoc, each guarded; no such segment is itself a reject."""
    found = idoc.seg.all(segment)
    if not found:
        _empty(idoc, segment, result)
    for seg in found:
        _guard(result, seg, lambda s=seg: build(idoc, s, ctx, result))  # type: ignore[misc]


def _empty(idoc: _Idoc, segment: str, result: MappingResult) -> None:
    result.add_reject(
        Reject(
            code="missing_field",
            reason=f"{idoc.message_type} IDoc without a {segment} segment",
            location=_path(idoc.el),
            line=idoc.el.sourceline,
            payload=_fragment(idoc.el),
            mapper=NAME,
        )
    )
