"""B2MML XML element trees <-> MESA's B2MML-JSON convention, both ways, exactly.

The convention (docs/mes/b2mml-json.md has the full table and the reasons):

* a document is one JSON object whose single key is the root element's name (the verb + noun,
  ``"SyncProductionPerformance"``); a ``"$schema"`` key beside it is allowed and ignored;
* an element's child elements are keys of its object, in document order; a child that occurs several
  times is an array. A child the official XSDs let repeat (``maxOccurs`` above 1, listed per parent in
  ``mappings/b2mml-json/arrays.toml``) is written as an array even when it occurs once, as MESA's
  schema-generated JSON has it; on input a single object and a one-item array are the same;
* element text is ``"$"``; an element with neither attributes nor children is its text alone (a string),
  ``null`` when it is empty; on input ``{"$": "x"}`` and ``"x"`` are the same, as are ``null`` and ``{}``;
* attributes are ``"@name"``; an attribute in another namespace ``"@prefix:name"``;
* the namespace is the version: the root object carries ``"@xmlns"`` (the writer always writes it, and
  ``"@xmlns:prefix"`` for any other namespace it uses, such as ``xsi``); elements of another namespace
  (extensions) are keyed ``"prefix:Name"``. A document without ``"@xmlns"`` is read in the namespace the
  caller gives (the mapper: ``@releaseID``, the context, else V07);
* JSON numbers are read as exact :class:`~decimal.Decimal` text (``12.50`` stays ``12.50``), ``true`` /
  ``false`` as the ``xsd:boolean`` words; XML comments and processing instructions are not carried.

Every failure is a :class:`~mfgcanon.errors.MappingError` naming a JSON Pointer (``/SyncProductionPerformance/
DataArea/ProductionPerformance/0``), the way the project's other JSON mappers name places.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError
from mfgcanon.mappers._data import table
from mfgcanon.mappers._xml import local_name

ARRAYS = "b2mml-json/arrays.toml"
V07_NAMESPACE = "http://www.mesa.org/xml/B2MML"
SCHEMA_KEY = "$schema"
TEXT = "$"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_XMLNS = "xmlns"
_XML_PREFIX = "xml"
_PREFIX = re.compile(r"^[A-Za-z_][\w.-]*$")
MAX_DEPTH = 256
"""Elements nested deeper are refused (``nesting_too_deep``), both ways: libxml2's own default limit."""

Steps = tuple[tuple[str, int], ...]
"""An element's place as (local name, 0-based position among same-named siblings) from the root: what an XPath
``/A/B[2]`` says, comparable whatever the namespace prefixes."""


@functools.cache
def repeatable(namespace: str) -> Mapping[str, frozenset[str]]:
    """Parent element -> the children the official XSDs of this namespace's version let repeat."""
    family = "V07" if namespace == V07_NAMESPACE else "V0600"
    return {str(parent): frozenset(map(str, children)) for parent, children in table(ARRAYS, family).items()}


def pointer_token(key: str | int) -> str:
    """One JSON Pointer (RFC 6901) token: ``~`` and ``/`` escaped."""
    return str(key).replace("~", "~0").replace("/", "~1")


# XML -> JSON -------------------------------------------------------------------------------------------
def to_json(root: Any, *, text_objects: bool = False) -> dict[str, Any]:
    """A parsed B2MML element tree as a B2MML-JSON document (plain data, every value a string, list, dict or
    None). ``text_objects`` writes every text as ``{"$": text}`` (the shape of MESA's schema-generated JSON for
    its ``IdentifierType`` / ``CodeType`` leaves) instead of the plain string."""
    namespace = _namespace(root.tag)
    writer = _Writer(namespace, repeatable(namespace), text_objects, _prefixes(root))
    value = writer.element(root, f"/{pointer_token(local_name(root.tag))}", namespace, 0)
    if not isinstance(value, dict):
        value = {} if value is None else {TEXT: value}
    head: dict[str, Any] = {}
    if namespace:
        head["@" + _XMLNS] = namespace
    for uri, prefix in sorted(writer.used.items(), key=lambda item: item[1]):
        head[f"@{_XMLNS}:{prefix}"] = uri
    return {local_name(root.tag): {**head, **value}}


def _namespace(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _prefixes(root: Any) -> dict[str, str]:
    """Namespace URI -> prefix, from every declaration in the tree (the first prefix seen wins)."""
    found: dict[str, str] = {}
    for element in root.iter():
        if isinstance(element.tag, str):
            for prefix, uri in element.nsmap.items():
                if prefix and uri not in found:
                    found[uri] = prefix
    return found


@dataclass
class _Writer:
    namespace: str
    arrays: Mapping[str, frozenset[str]]
    text_objects: bool
    prefixes: dict[str, str]
    used: dict[str, str] = field(default_factory=dict)
    """Foreign namespaces written, URI -> prefix (declared on the root object)."""

    def name(self, clark: str, *, attribute: bool, default: str = "") -> str:
        """The JSON key of an element (``default``: the namespace its unprefixed name is in) or attribute."""
        uri = _namespace(clark)
        local = local_name(clark)
        if not uri or (uri == default and not attribute):
            return local
        if uri == _XML_NS:
            return f"xml:{local}"
        prefix = self.used.get(uri) or self.prefixes.get(uri)
        taken = {p for u, p in self.used.items() if u != uri}
        if prefix is None or prefix.lower().startswith(_XML_PREFIX) or prefix in taken:
            number = 1
            while f"ns{number}" in taken or f"ns{number}" in self.prefixes.values():
                number += 1
            prefix = f"ns{number}"  # two namespaces under one prefix (in different scopes) get one each
            self.prefixes[uri] = prefix
        self.used[uri] = prefix
        return f"{prefix}:{local}"

    def element(self, el: Any, where: str, default: str, depth: int) -> Any:
        """One element's JSON value; ``default`` is the namespace of unprefixed names around it."""
        if depth > MAX_DEPTH:
            raise MappingError(f"elements nested deeper than {MAX_DEPTH}", code="nesting_too_deep", path=where)
        redeclare = _namespace(el.tag) == "" and default != ""
        if redeclare:
            default = ""  # an element in no namespace inside a namespaced one: "@xmlns": "" says so
        children = [c for c in el if isinstance(c.tag, str)]
        for child in el:
            if child.tail is not None and child.tail.strip():
                raise MappingError(
                    f"mixed content (text {child.tail.strip()[:40]!r} after <{local_name(child.tag)}>) has no "
                    "B2MML-JSON form", code="unmappable_value", path=where)
        attributes = {"@" + self.name(k, attribute=True): v for k, v in el.attrib.items()}
        text = el.text
        if children and (text is None or not text.strip()):
            text = None  # indentation between child elements
        if redeclare:
            attributes = {"@" + _XMLNS: "", **attributes}
        if not attributes and not children:
            return {TEXT: text} if self.text_objects and text is not None else text
        out: dict[str, Any] = dict(attributes)
        if text is not None:
            out[TEXT] = text
        groups: dict[str, list[Any]] = {}
        previous: str | None = None
        parent = local_name(el.tag)
        for child in children:
            key = self.name(child.tag, attribute=False, default=default)
            if key in groups and key != previous:
                raise MappingError(
                    f"<{key}> occurs again after other elements: B2MML-JSON keeps one array per name, so the "
                    "interleaving would be lost", code="unmappable_value", path=f"{where}/{pointer_token(key)}")
            items = groups.setdefault(key, [])
            index = len(items)
            items.append(self.element(child, f"{where}/{pointer_token(key)}/{index}", default, depth + 1))
            previous = key
        for key, items in groups.items():
            if len(items) > 1 or key in self.arrays.get(parent, ()):
                out[key] = items
            else:
                out[key] = items[0]
        return out


# JSON -> XML -------------------------------------------------------------------------------------------
@dataclass
class Tree:
    """A B2MML-JSON document read into an lxml tree, with where each element came from in the JSON."""

    root: Any
    pointers: dict[Steps, str]
    """Element steps -> the element's JSON Pointer."""

    def locate(self, xpath: str) -> str:
        """A location the XML reader reported (``/Root/A/B[2]/C``, possibly with a `` (canonical ...)`` tail) as
        the JSON Pointer of the same place; text that is no such XPath is returned as it is."""
        path, sep, rest = xpath.partition(" ")
        if not path.startswith("/") or "//" in path:
            return xpath
        steps: list[tuple[str, int]] = []
        out = "/"
        tail: list[str] = []
        for part in path.strip("/").split("/") if path.strip("/") else []:
            match = re.fullmatch(r"([^\[\]]+)(?:\[(\d+)\])?", part)
            if match is None:
                return xpath
            name, position = match.group(1), int(match.group(2) or 1) - 1
            if tail:
                tail.append(pointer_token(name))
                continue
            steps.append((name, position))
            found = self.pointers.get(tuple(steps))
            if found is None:
                tail.append(pointer_token(name))
            else:
                out = found
        located = out if not tail else out.rstrip("/") + "/" + "/".join(tail)
        return located + sep + rest


def to_tree(document: Any, *, namespace: str | None = None) -> Tree:
    """A decoded B2MML-JSON document as an lxml element tree. ``namespace`` is the root namespace for a document
    whose root object has no ``"@xmlns"`` (the caller's decision; see the module docstring)."""
    if not isinstance(document, Mapping):
        raise MappingError(
            f"a B2MML-JSON document is one JSON object keyed by its verb + noun, not {_kind(document)}",
            code="malformed_payload", path="/")
    keys = [k for k in document if k != SCHEMA_KEY]
    if len(keys) != 1:
        raise MappingError(
            f"a B2MML-JSON document has exactly one root key (its verb + noun, e.g. SyncProductionPerformance); "
            f"found {len(keys)}: {', '.join(map(str, keys[:5]))}", code="malformed_payload", path="/")
    key = keys[0]
    if not isinstance(key, str):
        raise MappingError("the root key must be text", code="malformed_payload", path="/")
    builder = _Builder(namespace or "")
    try:
        root = builder.build(None, key, document[key], f"/{pointer_token(key)}", {}, ())
    except RecursionError:
        raise MappingError("JSON nested too deeply", code="nesting_too_deep", path="/") from None
    return Tree(root, builder.pointers)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | Decimal | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "an object"
    return "an array"


def scalar_text(value: Any, path: str) -> str | None:
    """A JSON scalar as XML text: numbers exact (never through float), booleans as ``true`` / ``false``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        if isinstance(value, Decimal) and not value.is_finite():
            raise MappingError(f"{value} is not a finite number", code="invalid_value", path=path)
        return str(value)
    if isinstance(value, float):
        raise MappingError(
            "a float in already-parsed JSON: its exact digits are lost; pass the JSON text (decoded to Decimal)",
            code="invalid_value", path=path)
    raise MappingError(f"expected text, a number, a boolean or null here, not {_kind(value)}",
                       code="type_mismatch", path=path)


@dataclass
class _Builder:
    default: str
    pointers: dict[Steps, str] = field(default_factory=dict)

    def build(self, parent: Any, key: str, value: Any, where: str, scope: Mapping[str, str], steps: Steps) -> Any:
        if len(steps) > MAX_DEPTH:
            raise MappingError(f"elements nested deeper than {MAX_DEPTH}", code="nesting_too_deep", path=where)
        declared = dict(scope)
        if isinstance(value, Mapping):
            for name, uri in value.items():
                if name == "@" + _XMLNS:
                    declared[""] = _uri(uri, f"{where}/{pointer_token(name)}")
                elif isinstance(name, str) and name.startswith(f"@{_XMLNS}:"):
                    prefix = name[len(_XMLNS) + 2:]
                    if not _PREFIX.match(prefix) or prefix.lower().startswith("xml"):
                        raise MappingError(f"{name!r} declares no usable prefix", code="invalid_value",
                                           path=f"{where}/{pointer_token(name)}")
                    declared[prefix] = _uri(uri, f"{where}/{pointer_token(name)}")
        if parent is None and "" not in declared:
            declared[""] = self.default
        tag = _clark(key, declared, where, attribute=False)
        new = {p or None: u for p, u in declared.items() if scope.get(p) != u and (p or u)}
        try:
            el = (etree.Element(tag, nsmap=new or None) if parent is None
                  else etree.SubElement(parent, tag, nsmap=new or None))
        except ValueError as exc:
            raise MappingError(f"{key!r} is no XML element name: {exc}", code="invalid_value", path=where) from None
        own = steps if parent is not None else ((local_name(tag), 0),)
        self.pointers[own] = where
        if not isinstance(value, Mapping):
            _set_text(el, scalar_text(value, where), where)
            return el
        counts: dict[str, int] = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise MappingError("object keys must be text", code="malformed_payload", path=where)
            path = f"{where}/{pointer_token(name)}"
            if name == TEXT:
                _set_text(el, scalar_text(item, path), path)
            elif name.startswith("@"):
                if name == "@" + _XMLNS or name.startswith(f"@{_XMLNS}:"):
                    continue
                text = scalar_text(item, path)
                if text is None:
                    continue  # a null attribute is an absent one
                attribute = _clark(name[1:], declared, path, attribute=True)
                try:
                    el.set(attribute, text)
                except ValueError as exc:
                    raise MappingError(f"attribute {name!r}: {exc}", code="invalid_value", path=path) from None
            else:
                items = item if isinstance(item, list) else [item]
                for index, child in enumerate(items):
                    if isinstance(child, list):
                        raise MappingError("an array inside an array has no XML form", code="type_mismatch",
                                           path=f"{path}/{index}")
                    child_where = f"{path}/{index}" if isinstance(item, list) else path
                    local = name.rpartition(":")[2]
                    position = counts.get(local, 0)
                    counts[local] = position + 1
                    self.build(el, name, child, child_where, declared, (*own, (local, position)))
        return el


def _uri(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise MappingError("a namespace declaration must be text", code="type_mismatch", path=path)
    return value


def _clark(name: str, scope: Mapping[str, str], path: str, *, attribute: bool) -> str:
    prefix, colon, local = name.rpartition(":")
    if not colon:
        default = "" if attribute else scope.get("", "")
        return f"{{{default}}}{local}" if default else local
    if prefix == "xml":
        return f"{{{_XML_NS}}}{local}"
    uri = scope.get(prefix)
    if uri is None:
        raise MappingError(f"prefix {prefix!r} of {name!r} is not declared (\"@xmlns:{prefix}\")",
                           code="invalid_value", path=path)
    return f"{{{uri}}}{local}"


def _set_text(el: Any, text: str | None, path: str) -> None:
    try:
        el.text = text
    except ValueError as exc:
        raise MappingError(f"text has no XML form: {exc}", code="invalid_value", path=path) from None

