"""A hardened XML parser for untrusted vendor payloads (IDoc XML, B2MML).

Refused outright, before or while parsing: any DOCTYPE (so no internal or external DTD, no entity
declarations: billion laughs, quadratic blowup, external entities, parameter entities), documents in an
encoding outside a short list (:data:`ENCODINGS`: the ones whose DOCTYPE the byte scan sees exactly; no
UTF-7, ISO-2022, HZ, EBCDIC or libiconv's ``JAVA`` escapes), XInclude elements (``xinclude()`` is never
called either), documents above a size limit, and network access. Two lines of defence: the scan
before parsing, then a parser that cannot load anything (a resolver that refuses every external
resource, no DTD loading) and a check of what it parsed. Line numbers are kept for reject locations.
See docs/security.md ("XML").
"""

from __future__ import annotations

import codecs
import re
import threading
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
_XINCLUDE_OLD_NS = "http://www.w3.org/2003/XInclude"  # libxml2 honours this draft namespace too

_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)""")
_ENCODING_TEXT = re.compile(r"""encoding\s*=\s*["']([^"']*)""")
_WIDE_CODECS = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_EBCDIC_MARK = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC: libxml2 then reads the declared code page
ENCODINGS = frozenset(
    {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "ascii"}
    | {f"iso8859-{n}" for n in (*range(1, 12), *range(13, 17))}
    | {f"cp{n}" for n in range(1250, 1259)}
    | {"koi8-r", "koi8-u", "shift_jis", "cp932", "euc_jp", "euc_kr", "gb2312", "gbk", "gb18030", "big5"}
)
"""The encodings a document may declare (Python's codec names; any alias Python knows is accepted). In each,
an ASCII character is only ever its own byte (or, for UTF-16/32, the scan decodes the document), so the scan
for a DOCTYPE before parsing is exact. Stateful or escaping encodings libxml2 would also read through iconv
(UTF-7, ISO-2022-*, HZ, ``JAVA`` ``\\u003c``, EBCDIC code pages) can spell ``<!DOCTYPE`` without those
bytes, and are refused."""
# libxml2 limits a text node to 10 MB when it builds a tree (without huge_tree), not when it only checks:
# below that size a check-only parse accepts exactly what the tree parse accepts (see plain_text).
_TREE_TEXT_LIMIT = 10_000_000
_local = threading.local()
_HARDENED: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_blank_text": False,
    "remove_comments": True,
    "remove_pis": True,
}
"""The parser options of both parsers (tree and check-only): no entities, no network, no DTD, no huge trees.

Not ``collect_ids=False``: lxml implements it by setting libxml2's ``loadsubset`` flags, and libxml2 then
loads the external DTD subset and external parameter entities despite ``load_dtd=False``."""


class _Refused(Exception):
    """The parser asked for an external resource (a DTD, an entity): raised through lxml by :class:`_RefuseAll`."""


class _RefuseAll(etree.Resolver):  # type: ignore[misc]
    """Every external resource libxml2 asks for (external subset, parameter or general entity) is refused
    before any file or URL is opened: the parse stops with :class:`_Refused`."""

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        raise _Refused(system_url or public_id or "an external resource")


def _hardened(**extra: Any) -> etree.XMLParser:
    parser = etree.XMLParser(**_HARDENED, **extra)
    parser.resolvers.add(_RefuseAll())
    return parser


def _parser() -> etree.XMLParser:
    """This thread's hardened parser: built once and reused (lxml parsers must not be shared across threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _hardened()
        _local.parser = parser
    return parser


class _Sink:
    """A parser target that keeps nothing: the parse only checks well-formedness, no tree is built."""

    def close(self) -> None:
        return None


def _check_parser() -> etree.XMLParser:
    """This thread's check-only parser: the hardened options of :func:`_parser`, events go nowhere."""
    parser: etree.XMLParser | None = getattr(_local, "check_parser", None)
    if parser is None:
        parser = _hardened(target=_Sink())
        _local.check_parser = parser
    return parser


def to_bytes(payload: bytes | str) -> bytes:
    """XML as bytes: text is encoded UTF-8 and a conflicting encoding declaration is dropped.

    Text that is not Unicode (a lone surrogate such as ``"\\ud800"``) is refused as ``malformed_xml``.
    """
    if isinstance(payload, bytes):
        return payload
    text = payload.lstrip("\ufeff")
    if text.startswith("<?xml"):
        end = text.find("?>")
        if end != -1:
            text = text[end + 2 :]
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MappingError(
            f"the text holds a lone surrogate {text[exc.start]!r} at character {exc.start}: not Unicode, so not XML",
            code="malformed_xml",
            cause_type=type(exc).__name__,
        ) from None


_DTD = (
    "DOCTYPE / DTD and entity declarations are not allowed in input documents "
    "(entity expansion and external entity attacks)"
)


def _wide(data: bytes) -> bool:
    """Does the document start like UTF-16 or UTF-32 (a byte order mark, or a NUL byte among the first four)?"""
    return data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]


def _refusal(data: bytes) -> str | None:
    """Why the document is refused before parsing (a DOCTYPE or entity declaration, an encoding outside
    :data:`ENCODINGS`), or None. One scan; UTF-16/32 documents are decoded for it, in every byte order."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return _DTD
    if _wide(data):
        for codec in _WIDE_CODECS:  # libxml2 finds the byte order without a BOM: try each one
            text = data.decode(codec, "replace")
            if "<!DOCTYPE" in text or "<!ENTITY" in text:
                return _DTD
        return None
    if data.startswith(_UTF8_BOM):
        return None  # the BOM decides: libxml2 reads UTF-8 whatever the declaration says
    if data.startswith(_EBCDIC_MARK):
        return "EBCDIC documents are not accepted (UTF-8, UTF-16 or UTF-32 are)"
    if data.startswith(b"<?xml"):
        declared = _ENCODING.search(data, 0, max(data.find(b"?>"), 0))
        if declared is not None:
            name = declared.group(1).decode("ascii", "replace")
            try:
                known = codecs.lookup(name).name
            except LookupError:
                known = ""
            if known not in ENCODINGS:
                return (
                    f"encoding {name!r} is not accepted: only encodings in which the DOCTYPE refusal is exact "
                    "(UTF-8, UTF-16, UTF-32, ISO-8859-*, windows-125*, ...)"
                )
    return None


def checked_bytes(payload: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The document as bytes, once it passed what is checked before parsing: the size limit, and the scan
    for a DOCTYPE or a refused encoding (:func:`parse_xml` and :func:`pull_parser` users call it first)."""
    data = to_bytes(payload)
    if len(data) > max_bytes:
        raise MappingError(
            f"document of {len(data)} bytes exceeds the limit of {max_bytes} bytes "
            "(raise options.max_document_bytes in the mapping context if this is expected)",
            code="document_too_large",
        )
    refused = _refusal(data)
    if refused is not None:
        raise MappingError(refused, code="xml_forbidden")
    return data


def check_parsed(element: Any) -> None:
    """What is checked after parsing, on the root or on any subtree: no DOCTYPE in the document, no element
    in an XInclude namespace (as parsed, however the document spells the URI)."""
    docinfo = element.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise MappingError("DOCTYPE / DTD is not allowed in input documents", code="xml_forbidden")
    for found in element.iter(*_XINCLUDE_TAGS):
        raise MappingError(
            "XInclude elements are not allowed in input documents", code="xml_forbidden", position=found.sourceline
        )


_XINCLUDE_TAGS = (f"{{{XINCLUDE_NS}}}*", f"{{{_XINCLUDE_OLD_NS}}}*")


def pull_parser(tag: str) -> Any:
    """A hardened incremental parser (``feed`` / ``read_events`` / ``close``) reporting the start and end of
    the elements named ``tag``, and of any element in an XInclude namespace (:func:`is_xinclude`: the caller
    refuses the document). The options and the refusing resolver of :func:`parse_xml`'s parser; feed it only
    :func:`checked_bytes` output, check the root with :func:`check_parsed` at the end, and read its errors as
    :func:`parse_xml` does (or fall back to it for the wording)."""
    parser = etree.XMLPullParser(events=("start", "end"), tag=(tag, *_XINCLUDE_TAGS), **_HARDENED)
    parser.resolvers.add(_RefuseAll())
    return parser


def is_xinclude(element: Any) -> bool:
    """Is the element in an XInclude namespace (as parsed)?"""
    tag = element.tag
    return isinstance(tag, str) and tag.startswith((f"{{{XINCLUDE_NS}}}", f"{{{_XINCLUDE_OLD_NS}}}"))


def parse_xml(payload: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Parse untrusted XML into an lxml root element; refuse DTDs, entities, XInclude and huge input.

    One parse with a reused hardened parser; the DTD and encoding refusal is a scan before it (so a DTD is
    never parsed at all). The parser could not load an external subset or entity anyway (its resolver
    refuses everything), and what it parsed is checked again: no DOCTYPE, no XInclude element (the
    namespace as parsed, however the document spells it).

    Raises :class:`MappingError` with code ``xml_forbidden``, ``document_too_large`` or
    ``malformed_xml`` (with the line number in ``position``).
    """
    data = checked_bytes(payload, max_bytes=max_bytes)
    try:
        root = etree.fromstring(data, parser=_parser())
    except _Refused as exc:
        raise MappingError(
            f"the document asks for an external resource ({exc}); DTDs and external entities are not allowed",
            code="xml_forbidden",
        ) from None
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise MappingError(
            f"not well-formed XML: {exc.msg}", code="malformed_xml", position=line, cause_type=type(exc).__name__
        ) from None
    except (ValueError, TypeError) as exc:
        raise MappingError(
            f"not parseable as XML: {exc}", code="malformed_xml", cause_type=type(exc).__name__
        ) from None
    if root is None:
        raise MappingError("empty XML document", code="malformed_xml")
    check_parsed(root)
    return root


def plain_text(payload: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
    """The document as text for a reader that skips the lxml tree, or None: the caller then uses
    :func:`parse_xml` (which also words every refusal and syntax error).

    Building the tree costs more than parsing, so a UTF-8 document within the size limits, free of DTDs
    and of entity and character references (no ``&`` at all), is only *checked* by the same hardened
    libxml2 parser (no tree; it never sees a DTD or a reference) and returned as text, from its root
    element on: the declaration and the comments before the root are cut off, line ends are normalised
    as XML does. Any parser diagnostic, even a warning, gives None, as the tree parse turns some of them
    into errors. The text reader must itself refuse what only the tree reads exactly (comments, CDATA
    and processing instructions inside the root, namespaces) and nesting near libxml2's limit of 256,
    which only the tree parse enforces.
    """
    try:
        data = to_bytes(payload)
    except MappingError:
        return None
    if (
        len(data) > max_bytes
        or len(data) >= _TREE_TEXT_LIMIT
        or b"&" in data
        or data.startswith(_UTF8_BOM)
        or _wide(data)
        or _refusal(data) is not None
    ):
        return None
    if data.startswith(b"<?xml"):
        end = data.find(b"?>")
        declared = _ENCODING.search(data, 0, end)
        if end == -1 or (declared is not None and declared.group(1).lower() != b"utf-8"):
            return None
    parser = _check_parser()
    try:
        etree.fromstring(data, parser=parser)
    except Exception:  # malformed (or anything else): parse_xml words it
        return None
    if parser.error_log:  # a diagnostic the tree parse may turn into an error
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    start = text.index("?>") + 2 if text.startswith("<?xml") else 0
    while True:  # skip the blanks and comments before the root element (a comment holds no "-->")
        start = text.index("<", start)
        if not text.startswith("<!--", start):
            break
        start = text.index("-->", start + 4) + 3
    text = text[start:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def local_name(tag: Any) -> str:
    """The tag without its namespace (``{urn:...}E1AFKOL`` -> ``E1AFKOL``); '' for comments and PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]
