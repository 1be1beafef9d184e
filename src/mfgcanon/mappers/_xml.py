"""A hardened XML parser for untrusted vendor payloads (IDoc XML, B2MML).

Refused outright, before or while parsing: any DOCTYPE (so no internal or external DTD, no entity
declarations: billion laughs, quadratic blowup, external entities, parameter entities), processing
instructions asking for XInclude are never executed (``xinclude()`` is never called and ``xi:include``
elements are refused), documents above a size limit, and network access. Line numbers are kept for
reject locations.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
XINCLUDE_NS = "http://www.w3.org/2001/XInclude"

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


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


def parse_xml(payload: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Parse untrusted XML into an lxml root element; refuse DTDs, entities, XInclude and huge input.

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
    head = data[:4096] if len(data) > 4096 else data
    if _DOCTYPE.search(head) or _ENTITY.search(data):
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
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise MappingError("DOCTYPE / DTD is not allowed in input documents", code="xml_forbidden")
    for element in root.iter(f"{{{XINCLUDE_NS}}}*"):
        raise MappingError(
            "XInclude elements are not allowed in input documents", code="xml_forbidden", position=element.sourceline
        )
    for _ in root.iter(etree.Entity):
        raise MappingError("entity references are not allowed in input documents", code="xml_forbidden")
    return root


def local_name(tag: Any) -> str:
    """The tag without its namespace (``{urn:...}E1AFKOL`` -> ``E1AFKOL``); '' for comments and PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]
