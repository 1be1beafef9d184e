"""A hardened XML parser for untrusted vendor payloads (IDoc XML, B2MML).

Refused outright, before or while parsing: any DOCTYPE (so no internal or external DTD, no entity
declarations: billion laughs, quadratic blowup, external entities, parameter entities), processing
instructions asking for XInclude are never executed (``xinclude()`` is never called and ``xi:include``
elements are refused), documents above a size limit, and network access. Line numbers are kept for
reject locations.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
XINCLUDE_NS = "http://www.w3.org/2001/XInclude"

_XINCLUDE_MARK = b"XInclude"
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)""")
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
    "collect_ids": False,
}
"""The parser options of both parsers (tree and check-only): no entities, no network, no DTD, no huge trees."""


def _parser() -> etree.XMLParser:
    """This thread's hardened parser: built once and reused (lxml parsers must not be shared across threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(**_HARDENED)
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
        parser = etree.XMLParser(target=_Sink(), **_HARDENED)
        _local.check_parser = parser
    return parser


def to_bytes(payload: bytes | str) -> bytes:
    """XML as bytes: text is encoded UTF-8 and a conflicting encoding declaration is dropped."""
    if isinstance(payload, bytes):
        return payload
    text = payload.lstrip("\ufeff")
    if text.startswith("<?xml"):
        end = text.find("?>")
        if end != -1:
            text = text[end + 2 :]
    return text.encode("utf-8")


def _declares_dtd(data: bytes) -> bool:
    """Does the document carry a DOCTYPE or an entity declaration? (checked before parsing, one scan).

    XML keywords are case-sensitive, so a plain substring search is exact for ASCII-compatible
    encodings; UTF-16/32 documents are decoded for the check.
    """
    if data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]:
        for encoding in ("utf-16", "utf-32"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return "<!DOCTYPE" in text or "<!ENTITY" in text
        return False  # undecodable: the parser will refuse it as malformed
    return b"<!DOCTYPE" in data or b"<!ENTITY" in data


def parse_xml(payload: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Parse untrusted XML into an lxml root element; refuse DTDs, entities, XInclude and huge input.

    One parse with a reused hardened parser; the DTD refusal is a substring scan before it (so a DTD is
    never parsed at all) and the XInclude check walks the tree only when the namespace occurs.

    Raises :class:`MappingError` with code ``xml_forbidden``, ``document_too_large`` or
    ``malformed_xml`` (with the line number in ``position``).
    """
    data = to_bytes(payload)
    if len(data) > max_bytes:
        raise MappingError(
            f"document of {len(data)} bytes exceeds the limit of {max_bytes} bytes "
            "(raise options.max_document_bytes in the mapping context if this is expected)",
            code="document_too_large",
        )
    if _declares_dtd(data):
        raise MappingError(
            "DOCTYPE / DTD and entity declarations are not allowed in input documents "
            "(entity expansion and external entity attacks)",
            code="xml_forbidden",
        )
    try:
        root = etree.fromstring(data, parser=_parser())
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
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise MappingError("DOCTYPE / DTD is not allowed in input documents", code="xml_forbidden")
    if _XINCLUDE_MARK in data or b"\x00" in data[:4]:
        for element in root.iter(f"{{{XINCLUDE_NS}}}*"):
            raise MappingError(
                "XInclude elements are not allowed in input documents",
                code="xml_forbidden",
                position=element.sourceline,
            )
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
    data = to_bytes(payload)
    if (
        len(data) > max_bytes
        or len(data) >= _TREE_TEXT_LIMIT
        or b"&" in data
        or _declares_dtd(data)
        or data.startswith(_UTF8_BOM)
        or data.startswith(_WIDE_BOMS)
        or b"\x00" in data[:4]
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
