"""B2MML-JSON (MESA's JSON form of B2MML) <-> canonical events, through the B2MML mapper.

Reading: the JSON is decoded with exact decimals (:func:`helpers.decode_json`), turned into the element tree the
XML would have been (:func:`.convert.to_tree`) and read by :class:`~mfgcanon.mappers.b2mml.B2mmlMapper`, so every
noun, version rule, leniency and context option of the B2MML reader applies unchanged. Its rejects and warnings
are then told in JSON terms: locations become JSON Pointers into the payload, payloads the JSON of the record.

Writing: :meth:`B2mmlJsonMapper.write_documents` / :meth:`~B2mmlJsonMapper.from_canonical` ask the B2MML mapper
for its XML documents and convert each (:func:`.convert.to_json`): whatever the B2MML writer can write, this one
can, and it refuses what that one refuses.

The version of a document without ``"@xmlns"``: its ``"@releaseID"``, else ``[vendors.b2mml-json] version``
(``V0401``, ``V0600``, ``V0700``, ``V0701``), else V07, the only version MESA publishes a JSON schema for.
"""

from __future__ import annotations

import dataclasses
import re
import reprlib
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import msgspec
from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import (
    BaseMapper,
    Document,
    MappingResult,
    Payload,
    PayloadMeta,
    Reject,
    printable,
    write_documents,
)
from mfgcanon.mappers._xml import DEFAULT_MAX_BYTES, parse_xml
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.b2mml.mapper import B2mmlMapper
from mfgcanon.mappers.b2mml_json import convert
from mfgcanon.mappers.context import MappingContext

NAME = "b2mml-json"
VERSION_SETTING = "version"
"""``[vendors.b2mml-json] version``: the version of documents that do not say theirs."""
TEXT_SETTING = "text"
"""``[vendors.b2mml-json] text``: ``"plain"`` (default), text-only elements written as strings; ``"object"``,
as ``{"$": text}`` (the shape of MESA's schema-generated JSON)."""

_VERSIONS: Mapping[str, str] = {
    "0401": "http://www.wbf.org/xml/B2MML-V0401",
    "0500": "http://www.wbf.org/xml/B2MML-V05",
    "0600": "http://www.mesa.org/xml/B2MML-V0600",
    "0700": convert.V07_NAMESPACE,
    "0701": convert.V07_NAMESPACE,
}
_VERB_NOUN = rf"(?:[\w.-]+:)?(?:{'|'.join(rd.VERBS)})[A-Z][A-Za-z]+"
_SNIFF = re.compile(
    rf"""^\s*\{{\s*(?:"\$schema"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*)?"{_VERB_NOUN}"\s*:\s*\{{"""
)
_ROOT_KEY = re.compile(rf"^{_VERB_NOUN}$")
_STEP = r"/[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?(?:\[\d+\])?"
_XPATH = re.compile(rf"(?<![\w\]]){_STEP}(?:{_STEP})*")
"""An XPath in a warning's text (``/A/B[2]/C: ...``; the colon after it is no prefix)."""
_ENCODER = msgspec.json.Encoder(decimal_format="number")

_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 2000


def version_namespace(value: object) -> str | None:
    """The namespace a version text names (``V0600``, ``0600``, ``V0701``, ``07``...); None when it names none."""
    digits = re.sub(r"\D", "", str(value)) if isinstance(value, str | int) else ""
    if digits in ("07", "7", "70", "700", "71", "701"):
        digits = "0700"
    return _VERSIONS.get(digits.rjust(4, "0")[:4]) if digits else None


def document_namespace(root: Any, ctx: MappingContext) -> str:
    """The namespace of a root object without ``"@xmlns"`` (see the module docstring)."""
    release = root.get("@releaseID") if isinstance(root, Mapping) else None
    found = version_namespace(release) if release is not None else None
    if found is not None:
        return found
    option = ctx.vendor(NAME).get(VERSION_SETTING)
    if option is not None:
        found = version_namespace(option)
        if found is None:
            raise MappingError(
                f"[vendors.{NAME}] {VERSION_SETTING} = {option!r} names no B2MML version (V0401, V0600, V0700, "
                "V0701)", code="invalid_context", path=f"vendors.{NAME}.{VERSION_SETTING}")
        return found
    return convert.V07_NAMESPACE


def encode(document: Mapping[str, Any]) -> bytes:
    """A B2MML-JSON document as UTF-8 JSON text, indented by two spaces (the samples' and the writer's form)."""
    return msgspec.json.format(_ENCODER.encode(document), indent=2) + b"\n"


def xml_to_json(payload: Payload, ctx: MappingContext | None = None) -> bytes:
    """One B2MML XML document (bytes or text) as B2MML-JSON bytes (hardened parse; ``[vendors.b2mml-json] text``)."""
    context = ctx or MappingContext()
    if not isinstance(payload, bytes | str):
        raise MappingError(f"B2MML XML must be bytes or text, not {type(payload).__name__}", code="type_mismatch")
    root = parse_xml(payload, max_bytes=int(context.option("max_document_bytes", DEFAULT_MAX_BYTES)))
    style = context.vendor(NAME).get(TEXT_SETTING, "plain")
    if style not in ("plain", "object"):
        raise MappingError(f'[vendors.{NAME}] {TEXT_SETTING} must be "plain" or "object", not {style!r}',
                           code="invalid_context", path=f"vendors.{NAME}.{TEXT_SETTING}")
    return encode(convert.to_json(root, text_objects=style == "object"))


def _json_payload(payload: str | bytes, xml: bytes, text: str | bytes) -> str | bytes:
    """A reject's payload in JSON: the caller's JSON for the whole document, the record's XML fragment converted
    (its namespace declaration left out) for a record."""
    if isinstance(payload, bytes) and payload == xml[:len(payload)]:
        return text
    if not isinstance(payload, str) or not payload.startswith("<"):
        return payload
    try:
        fragment = convert.to_json(parse_xml(payload))
    except MappingError:
        return payload
    key, value = next(iter(fragment.items()))
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if not k.startswith("@xmlns")}
    return printable(_ENCODER.encode({key: value}).decode("utf-8"))


class B2mmlJsonMapper(BaseMapper):
    """B2MML-JSON: whatever the B2MML mapper reads and writes, in MESA's JSON convention."""

    name: ClassVar[str] = NAME
    description: ClassVar[str] = (
        "B2MML-JSON (MESA's JSON convention: $ for text, @name for attributes) of every B2MML document the b2mml "
        "mapper reads and writes, through it"
    )
    produces: ClassVar[tuple[type[Any], ...]] = B2mmlMapper.produces
    accepts: ClassVar[tuple[type[Any], ...]] = B2mmlMapper.accepts
    nouns: ClassVar[tuple[str, ...]] = rd.NOUNS

    def __init__(self) -> None:
        self.xml = B2mmlMapper()

    def sniff(self, payload: Payload) -> bool:
        """A JSON object whose (first) key is a B2MML verb + noun holding an object; parsed JSON likewise."""
        if isinstance(payload, bytes):
            head = payload[:4096].decode("utf-8", "ignore").lstrip("\ufeff")
            return _SNIFF.match(head) is not None
        if isinstance(payload, str):
            return _SNIFF.match(payload[:4096].lstrip("\ufeff")) is not None
        if isinstance(payload, Mapping):
            keys = [k for k in payload if k != convert.SCHEMA_KEY]
            return (len(keys) == 1 and isinstance(keys[0], str) and _ROOT_KEY.match(keys[0]) is not None
                    and isinstance(payload[keys[0]], Mapping))
        return False

    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        ctx = context or MappingContext()
        if isinstance(payload, bytes | str):
            text = printable(payload[:1_000_000]) if isinstance(payload, str) else payload[:1_000_000]
        else:
            text = _SHORT.repr(payload)
        try:
            tree = self._tree(payload, ctx)
            xml = etree.tostring(tree.root, encoding="utf-8", xml_declaration=True)
        except MappingError as exc:
            result = MappingResult()
            result.add_reject(Reject(code=exc.code, reason=exc.message, location=exc.path or "/", payload=text,
                                     mapper=self.name))
            return result
        if len(xml) > int(ctx.option("max_document_bytes", DEFAULT_MAX_BYTES)):
            # the JSON passed the size check; its XML form is ours, and may be larger
            ctx = dataclasses.replace(ctx, options={**ctx.options, "max_document_bytes": len(xml)})
        result = self.xml.to_canonical(xml, ctx, meta=meta)
        self._in_json_terms(result, tree, xml, text)
        return result

    def _tree(self, payload: Payload, ctx: MappingContext) -> convert.Tree:
        if isinstance(payload, bytes | str):
            limit = int(ctx.option("max_document_bytes", DEFAULT_MAX_BYTES))
            size = len(payload) if isinstance(payload, bytes) else len(payload.encode("utf-8", "surrogatepass"))
            if size > limit:
                raise MappingError(f"document of {size} bytes exceeds the limit of {limit}",
                                   code="document_too_large", path="/")
            data = helpers.decode_json(payload)
        elif isinstance(payload, Mapping):
            data = payload
        else:
            raise MappingError(
                f"B2MML-JSON input must be JSON bytes, text or one parsed object, not {type(payload).__name__}",
                code="malformed_payload", path="/")
        root = None
        if isinstance(data, Mapping):
            root = next((v for k, v in data.items() if k != convert.SCHEMA_KEY), None)
        return convert.to_tree(data, namespace=document_namespace(root, ctx))

    def _in_json_terms(self, result: MappingResult, tree: convert.Tree, xml: bytes, text: str | bytes) -> None:
        """The XML reader's rejects and warnings told in JSON: pointers for XPaths, the JSON for the XML."""
        for index, reject in enumerate(result.rejects):
            result.rejects[index] = msgspec.structs.replace(
                reject, location=tree.locate(reject.location), payload=_json_payload(reject.payload, xml, text),
                line=None, mapper=self.name)
        result.warnings[:] = [_XPATH.sub(lambda m: tree.locate(m.group(0)), w) for w in result.warnings]

    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Payload:
        """The B2MML mapper's document for ``items``, as B2MML-JSON."""
        return xml_to_json(self.xml.from_canonical(items, context), context)

    def write_documents(self, items: Iterable[Any], context: MappingContext | None = None) -> list[Document]:
        """The B2MML mapper's documents for ``items`` (kinds kept), each as B2MML-JSON."""
        return [Document(kind, xml_to_json(body, context)) for kind, body in write_documents(self.xml, items, context)]


__all__ = ["B2mmlJsonMapper", "xml_to_json"]
