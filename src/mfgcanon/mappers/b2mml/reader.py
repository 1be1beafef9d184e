"""The B2MML reader shared by the message families: version detection, the document envelope
(verb, noun, ``ActionCriteria``, ``ApplicationArea``), element access by local name (any namespace prefix),
lenient value readers (ids, quantities, times, durations, ``*Property`` lists), the plant and the
per-dialect property map from the mapping context, XPaths and lines, and the per-record guard.

Leniency is the one real files need (mes-and-canonical.md §2.6) and each case is named here: a missing
``releaseID``, blanks around ids (stripped, as every XML reader of the project strips element text),
``DataType`` in any case, quantities in exponent form (exact :class:`~decimal.Decimal`), fractions of a
second beyond six digits (cut to microseconds, the model's resolution), ``xsd:duration``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult, reject_from_error
from mfgcanon.mappers._data import table
from mfgcanon.mappers._xml import local_name
from mfgcanon.mappers.context import MappingContext

NAME = "b2mml"
"""The mapper's registry name, as shown in rejects."""

CODES = "b2mml/codes.toml"

NAMESPACES: Mapping[str, str] = {
    "http://www.wbf.org/xml/B2MML-V0401": "V0401",
    "http://www.wbf.org/xml/B2MML-V05": "V0500",
    "http://www.mesa.org/xml/B2MML-V0600": "V0600",
    "http://www.mesa.org/xml/B2MML": "V07",
}
"""B2MML namespaces and the version each one means (V07 has no version in its namespace)."""

VERBS = ("Sync", "Process", "Show", "Get", "Change", "Cancel", "Acknowledge", "Respond", "Notify", "Confirm")
NOUNS = (
    "ProductionPerformance", "OperationsPerformance", "ProductionSchedule", "OperationsSchedule",
    "MaterialInformation", "MaterialDefinition", "MaterialLot", "MaterialSubLot",
    "TestResult", "OperationsTestInformation", "OperationsEvent", "OperationsEventInformation", "BOD",
)
ROOT = re.compile(rf"^({'|'.join(VERBS)})([A-Z][A-Za-z]+)$")

_FRACTION = re.compile(r"(\.\d{6})\d+")
_DURATION = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


# Elements --------------------------------------------------------------------------------------------
class Node:
    """One element, read by local name whatever its namespace prefix (``b2mml:``, ``ns0:``, default)."""

    __slots__ = ("_kids", "el")

    def __init__(self, el: Any) -> None:
        self.el = el
        self._kids: list[tuple[str, Any]] | None = None

    @property
    def name(self) -> str:
        return local_name(self.el.tag)

    def _children(self) -> list[tuple[str, Any]]:
        """(local name, element) of the child elements, read once per node: a record asks its element for
        many names."""
        kids = self._kids
        if kids is None:
            kids = self._kids = [(local_name(c.tag), c) for c in self.el if isinstance(c.tag, str)]
        return kids

    def all(self, *names: str) -> list[Node]:
        """Child elements with one of ``names``, in document order."""
        if len(names) == 1:
            wanted = names[0]
            return [Node(c) for n, c in self._children() if n == wanted]
        return [Node(c) for n, c in self._children() if n in names]

    def _first(self, names: tuple[str, ...]) -> Any:
        for n, c in self._children():
            if n in names:
                return c
        return None

    def one(self, *names: str) -> Node | None:
        found = self._first(names)
        return Node(found) if found is not None else None

    def text(self, *names: str) -> str | None:
        """The stripped text of the first child named ``names[0]`` (nested: ``text("Sender", "LogicalID")``);
        None when absent or blank."""
        if len(names) == 1:
            el = self._first(names)
        else:
            node: Node | None = self
            for name in names:
                node = node.one(name) if node is not None else None
            el = node.el if node is not None else None
        if el is None:
            return None
        value = el.text
        value = value.strip() if value else ""
        return value or None

    def own_text(self) -> str | None:
        value = self.el.text.strip() if self.el.text else ""
        return value or None

    def texts(self, name: str) -> list[str]:
        return [t for t in (n.own_text() for n in self.all(name)) if t]

    def where(self, name: str | None = None) -> str:
        path = xpath(self.el)
        return path if name is None else f"{path}/{name}"

    @property
    def line(self) -> int | None:
        line = self.el.sourceline
        return line if isinstance(line, int) else None


def xpath(el: Any) -> str:
    """The XPath of an element, namespace-free, with 1-based positions where a name repeats among its siblings."""
    parts: list[str] = []
    node = el
    while node is not None:
        name = local_name(node.tag)
        parent = node.getparent()
        if parent is None:
            parts.append(name)
            break
        same = [c for c in parent if isinstance(c.tag, str) and local_name(c.tag) == name]
        parts.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
        node = parent
    return "/" + "/".join(reversed(parts))


def fragment(el: Any) -> str:
    return str(etree.tostring(el, encoding="unicode"))


def guard(result: MappingResult, node: Node, work: Callable[[], object]) -> None:
    """Run one record's mapping; any failure becomes a reject for that record (its XPath, line, fragment)."""
    try:
        work()
    except Exception as exc:
        result.add_reject(
            reject_from_error(exc, location=node.where(), payload=fragment(node.el), line=node.line, mapper=NAME)
        )


def fail(node: Node, name: str | None, exc: MappingError) -> MappingError:
    """``exc`` located at ``node`` (or its child ``name``), for the record's reject."""
    return MappingError(exc.message, code=exc.code, path=node.where(name), position=node.line)


# The document ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Document:
    """The envelope of one B2MML document: what every record of it shares."""

    root: Node
    version: str
    verb: str
    noun: str
    action: str | None
    """``ActionCriteria/ActionExpression/@actionCode`` of the verb (Add, Change, Delete, Replace...), as sent."""
    sender: str | None
    bod_id: str | None
    created: str | None
    """``ApplicationArea/CreationDateTime`` as text (read with :meth:`created_at`: a naive one needs a zone)."""

    @property
    def document_type(self) -> str:
        return f"B2MML-{self.version}:{self.verb}{self.noun}"

    @property
    def is_partial(self) -> bool:
        """A Change (verb or action code): a partial update, never a reset of what it does not carry."""
        return self.verb == "Change" or (self.action or "").strip().lower() == "change"

    @property
    def is_delete(self) -> bool:
        return self.verb == "Cancel" or (self.action or "").strip().lower() == "delete"

    def created_at(self, ctx: MappingContext, plant: str | None) -> datetime | None:
        if self.created is None:
            return None
        try:
            return instant(self.created, ctx, plant, path=f"/{self.root.name}/ApplicationArea/CreationDateTime")
        except MappingError:
            return None

    def source(self, ctx: MappingContext, *, line: str | None, fallback_id: str) -> dict[str, Any]:
        """The entity's ``source`` as plain data (checked by ``helpers.convert``)."""
        system = ctx.source_system or self.sender
        if not system:
            raise MappingError(
                "no source system: set source_system in the mapping context (the document has no "
                "ApplicationArea/Sender/LogicalID either)",
                code="missing_identity",
                path=f"/{self.root.name}/ApplicationArea",
            )
        return {
            "system": system,
            "document_type": self.document_type,
            "document_id": self.bod_id or fallback_id,
            "line": line,
        }


def version_of(namespace: str, release: str | None) -> str | None:
    """The B2MML version of a root namespace; V07 is told apart as V0700 / V0701 by ``releaseID`` where it says."""
    version = NAMESPACES.get(namespace)
    if version == "V07" and release:
        digits = re.sub(r"\D", "", release)
        if digits in ("0700", "700", "70"):
            return "V0700"
        if digits in ("0701", "701", "71"):
            return "V0701"
    return version


def document(root: Any) -> Document:
    """The envelope of a parsed document; a root that is no B2MML verb + noun is ``unsupported_message``."""
    tag = root.tag if isinstance(root.tag, str) else ""
    namespace = tag[1:].partition("}")[0] if tag.startswith("{") else ""
    name = local_name(tag)
    version = version_of(namespace, root.get("releaseID"))
    match = ROOT.match(name)
    if version is None or match is None:
        raise MappingError(
            f"root element <{name}> in namespace {namespace or '(none)'!r} is not a B2MML verb + noun document "
            f"(namespaces read: {', '.join(NAMESPACES)})",
            code="unsupported_message",
            path=f"/{name}",
        )
    node = Node(root)
    data = node.one("DataArea")
    verb_node = data.one(match.group(1)) if data is not None else None
    action = None
    if verb_node is not None:
        for criteria in verb_node.all("ActionCriteria"):
            for expression in criteria.all("ActionExpression"):
                action = expression.el.get("actionCode") or action
    return Document(
        root=node,
        version=version,
        verb=match.group(1),
        noun=match.group(2),
        action=action.strip() if action else None,
        sender=node.text("ApplicationArea", "Sender", "LogicalID"),
        bod_id=node.text("ApplicationArea", "BODID"),
        created=node.text("ApplicationArea", "CreationDateTime"),
    )


def nouns(doc: Document) -> list[Node]:
    """The noun elements of the data area (one or more; their order kept)."""
    data = doc.root.one("DataArea")
    return data.all(doc.noun) if data is not None else []


# Values ----------------------------------------------------------------------------------------------
def ident(node: Node | None, *names: str) -> str | None:
    """An id: the stripped text (real files carry ``<ID>005 </ID>``), leading zeros kept."""
    return node.text(*names) if node is not None else None


def instant(text: str, ctx: MappingContext, plant: str | None, *, path: str | None = None) -> datetime:
    """An ``xsd:dateTime`` as UTC: ``Z`` or an offset is converted; a naive time is local to the plant (its
    zone from the context, else ``missing_timezone``). Fractions beyond microseconds are cut (7-digit .NET ticks)."""
    value = _FRACTION.sub(r"\1", text.strip())
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise MappingError(f"{text!r} is not an xsd:dateTime", code="invalid_value", path=path) from None
    return helpers.to_utc(moment, ctx, plant=plant, path=path)


def instant_at(node: Node, name: str, ctx: MappingContext, plant: str | None) -> datetime | None:
    """:func:`instant` of the child ``name`` (None when absent); its XPath is worked out only for an error."""
    text = node.text(name)
    if text is None:
        return None
    try:
        return instant(text, ctx, plant)
    except MappingError as exc:
        raise fail(node, name, exc) from None


def duration_seconds(text: str, *, path: str | None = None) -> Decimal:
    """An ``xsd:duration`` as exact seconds (``P2DT23H30M`` -> 257400). Years and months have no fixed length:
    a duration that uses them (other than zero) is ``invalid_value``; a negative one too."""
    match = _DURATION.match(text.strip())
    if match is None or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise MappingError(f"{text!r} is not an xsd:duration", code="invalid_value", path=path)
    sign, years, months, days, hours, minutes, seconds = match.groups()
    if sign:
        raise MappingError(f"{text!r} is a negative duration", code="invalid_value", path=path)
    if (years and int(years)) or (months and int(months)):
        raise MappingError(
            f"{text!r} counts years or months, which have no fixed length in seconds", code="invalid_value", path=path
        )
    total = Decimal(days or 0) * 86400 + Decimal(hours or 0) * 3600 + Decimal(minutes or 0) * 60
    return helpers.normalize_float(total + Decimal(seconds or 0)) if (total or seconds) else Decimal(0)


@functools.cache
def units_table() -> Mapping[str, str]:
    """The packaged unit spellings (read once: the connection's own ``[units]`` are the context's)."""
    return MappingProxyType({str(k): str(v) for k, v in table(CODES, "units").items()})


def quantity(node: Node, ctx: MappingContext) -> dict[str, Any]:
    """A ``QuantityValueType`` (``QuantityString``, ``UnitOfMeasure``) as a canonical quantity: the number
    exact (``0.4E1`` -> 4, never a float), the unit through the context's ``[units]``, this mapper's unit
    list and Rec 20 (:func:`helpers.resolve_unit`), its source spelling kept."""
    raw = node.text("QuantityString")
    if raw is None:
        raise fail(node, "QuantityString", MappingError("quantity without QuantityString", code="missing_field"))
    try:
        value = helpers.decimal_of(raw)
    except MappingError as exc:
        raise fail(node, "QuantityString", exc) from None
    if value < 0:
        raise fail(node, "QuantityString", MappingError(
            f"quantity {raw!r} is negative: B2MML gives the direction in MaterialUse", code="invalid_value"))
    unit = node.text("UnitOfMeasure")
    if unit is None:
        raise fail(node, "UnitOfMeasure", MappingError(
            "quantity without UnitOfMeasure: a canonical quantity needs its unit", code="missing_field"))
    try:
        code = helpers.resolve_unit(unit, ctx, packaged=units_table())
    except MappingError as exc:
        raise fail(node, "UnitOfMeasure", exc) from None
    return {"value": value, "uom": code, "source_uom": None if unit == code else unit}


def first_quantity(node: Node, ctx: MappingContext) -> dict[str, Any] | None:
    found = node.one("Quantity")
    return quantity(found, ctx) if found is not None else None


_TYPES: Mapping[str, str] = {
    "decimal": "decimal", "numeric": "decimal", "quantity": "decimal", "amount": "decimal", "measure": "decimal",
    "float": "decimal", "double": "decimal", "integer": "integer", "int": "integer", "long": "integer",
    "short": "integer", "byte": "integer", "nonnegativeinteger": "integer", "positiveinteger": "integer",
    "boolean": "boolean", "indicator": "boolean", "date": "date", "datetime": "datetime",
    "text": "string", "string": "string", "code": "string", "identifier": "string", "normalizedstring": "string",
    "token": "string",
}
"""``DataType`` values (compared case-insensitively: ``DateTime``, ``dateTime``, ``Text``, ``string`` all occur)."""


def data_type(text: str | None) -> tuple[str, str | None]:
    """The canonical property type of a ``DataType`` and the source spelling when it is none of them."""
    if text is None:
        return "string", None
    found = _TYPES.get(text.strip().lower())
    return (found, None) if found is not None else ("other", text)


@dataclass(frozen=True)
class Prop:
    """One ``*Property`` (or ``Parameter``) value: its id, text, data type and unit as sent."""

    id: str
    value: str | None
    data_type: str | None
    unit: str | None
    node: Node


def props(node: Node, *names: str) -> list[Prop]:
    """The ``*Property`` / ``Parameter`` children named ``names`` (one entry per ``Value``: multi-valued
    properties keep every value), nested ``ProductionParameter/Parameter`` included."""
    found: list[Prop] = []
    for item in node.all(*names):
        pid = item.text("ID")
        if pid is None:
            continue
        values = item.all("Value")
        if not values:
            found.append(Prop(pid, None, None, None, item))
        for value in values:
            found.append(
                Prop(pid, value.text("ValueString"), value.text("DataType"), value.text("UnitOfMeasure"), item)
            )
    return found


def parameters(node: Node) -> list[Prop]:
    """V0401/V0600 ``ProductionParameter/Parameter`` and V07 ``SegmentParameter``."""
    found = props(node, "SegmentParameter", "Parameter")
    for block in node.all("ProductionParameter"):
        found.extend(props(block, "Parameter", "ProductionParameter"))
    return found


_BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}


def canonical_properties(
    items: list[Prop], ctx: MappingContext, *, skip: set[str] | None = None
) -> list[dict[str, Any]]:
    """Properties as canonical ``b2mml.<ID>`` properties (those the property map consumed left out): a
    typed value that does not read as its type is kept as text under ``other``."""
    out: list[dict[str, Any]] = []
    for item in items:
        if skip and item.id in skip:
            continue
        kind, source_kind = data_type(item.data_type)
        value = item.value
        if value is not None and kind in ("decimal", "integer"):
            try:
                number = helpers.decimal_of(value.strip())
                value = str(number)
                if kind == "integer" and number != number.to_integral_value():
                    kind, source_kind = "other", item.data_type
            except MappingError:
                kind, source_kind = "other", item.data_type
        elif value is not None and kind == "datetime":
            try:
                parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value).replace("Z", "+00:00"))
                value = parsed.isoformat()
            except ValueError:
                kind, source_kind = "other", item.data_type
        elif value is not None and kind == "boolean":
            flag = _BOOLEANS.get(value.strip().lower())
            value, kind, source_kind = (flag, kind, None) if flag else (value, "other", item.data_type)
        elif value is not None and kind == "date":
            try:
                value = date.fromisoformat(value.strip()[:10]).isoformat()
            except ValueError:
                kind, source_kind = "other", item.data_type
        uom = None
        if item.unit:
            try:
                uom = helpers.resolve_unit(item.unit, ctx, packaged=units_table())
            except MappingError as exc:
                raise fail(item.node, "Value/UnitOfMeasure", exc) from None
        entry: dict[str, Any] = {"name": f"b2mml.{item.id}"[:255], "value": value, "data_type": kind, "uom": uom}
        if source_kind is not None:
            entry["data_type_source_code"] = source_kind[:35]
        out.append(entry)
    return out


def property_map(ctx: MappingContext) -> Mapping[str, str]:
    """The property id -> canonical key map of this connection (``[codes."b2mml.property_map"]`` merged over
    the packaged one; ids compared case-insensitively). Targets: ``order_id``, ``operation_id``, ``line_id``,
    ``material_id``, ``lot_id``, ``base_uom``, ``expires_at``, ``plant``. Checked once per connection."""
    override = ctx.code_overrides.get("b2mml.property_map")
    packaged = table(CODES, "property_map")
    cache_key = ("~checked property_map", id(packaged), id(override))
    cached = _FOLDED.get(cache_key)
    if cached is not None and cached[0] is packaged and cached[1] is override:
        return cached[2]
    checked = _checked_property_map(ctx)
    if len(_FOLDED) >= _FOLDED_MAX:
        _FOLDED.clear()
    _FOLDED[cache_key] = (packaged, override, checked)
    return checked


def _checked_property_map(ctx: MappingContext) -> dict[str, str]:
    merged = helpers.code_list(ctx, "b2mml.property_map", CODES, "property_map")
    checked: dict[str, str] = {}
    for key, target in merged.items():
        if not isinstance(target, str) or target not in PROPERTY_TARGETS:
            raise MappingError(
                f"property map entry {key!r} -> {target!r}: the target must be one of {', '.join(PROPERTY_TARGETS)}",
                code="invalid_context",
                path=f'codes."b2mml.property_map".{key}',
            )
        checked[str(key).lower()] = target
    return checked


PROPERTY_TARGETS = ("order_id", "operation_id", "line_id", "material_id", "lot_id", "base_uom", "expires_at", "plant")


def mapped(items: list[Prop], ctx: MappingContext) -> tuple[dict[str, Prop], set[str]]:
    """The properties the property map names, by canonical key (first wins), and the property ids it used."""
    table_ = property_map(ctx)
    found: dict[str, Prop] = {}
    used: set[str] = set()
    for item in items:
        target = table_.get(item.id.lower())
        if target is not None and item.value is not None:
            found.setdefault(target, item)
            used.add(item.id)
    return found, used


def code(ctx: MappingContext, list_name: str, value: str | None) -> str | None:
    """A code from a packaged list (``[<list_name>]`` of b2mml/codes.toml, ``[codes."b2mml.<list_name>"]`` over
    it), compared case- and blank-insensitively (``Yield Produced``, ``yield produced``); None when unknown."""
    override = ctx.code_overrides.get(f"b2mml.{list_name}")
    packaged = table(CODES, list_name)
    cache_key = (list_name, id(packaged), id(override))
    cached = _FOLDED.get(cache_key)
    if cached is None or cached[0] is not packaged or cached[1] is not override:
        entries = helpers.code_list(ctx, f"b2mml.{list_name}", CODES, list_name)
        folded: dict[str, str] = {}
        for key, target in entries.items():
            folded.setdefault(_fold(str(key)), str(target))
        if len(_FOLDED) >= _FOLDED_MAX:
            _FOLDED.clear()
        cached = _FOLDED[cache_key] = (packaged, override, folded)
    return cached[2].get(_fold(value or ""))


_FOLDED: dict[tuple[str, int, int], tuple[Any, Any, dict[str, str]]] = {}
"""Folded code lists per (list, packaged table, connection override): the objects are kept with their entry, so
an id is never matched to another object; bounded (cleared when full)."""
_FOLDED_MAX = 512


def _fold(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text).lower()


# Plants ----------------------------------------------------------------------------------------------
def sites(node: Node | None) -> Iterator[str]:
    """Site-level equipment ids of a node's ``HierarchyScope`` / ``Location`` (nested scopes walked)."""
    if node is None:
        return
    for scope in node.all("HierarchyScope", "Location"):
        stack = [scope]
        while stack:
            current = stack.pop()
            level = current.text("EquipmentElementLevel") or current.text("EquipmentLevel")
            equipment = current.text("EquipmentID")
            if equipment and level and level.strip().lower() == "site":
                yield equipment
            stack.extend(current.all("HierarchyScope", "HierarchyScopeChild", "Location"))


def plant(doc: Document, ctx: MappingContext, *nodes: Node | None, where: str | None = None) -> str:
    """:func:`plant_of` for a record that must have a plant (an order, a confirmation, a movement)."""
    found = plant_of(doc, ctx, *nodes, where=where)
    if found is None:  # pragma: no cover - plant_of raises when required
        raise MappingError("no plant", code="unresolved_reference", path=where)
    return found


def plant_of(doc: Document, ctx: MappingContext, *nodes: Node | None, mapped_plant: str | None = None,
             required: bool = True, where: str | None = None) -> str | None:
    """The plant of a record: a Site in its own scope or an enclosing one (``nodes``, innermost first), a
    property the property map names ``plant``, then ``[lookups.b2mml_plant]`` by the sender's LogicalID, then
    ``options.default_plant``. None of them is ``unresolved_reference`` (when ``required``): never invented."""
    for node in nodes:
        for site in sites(node):
            return site
    if mapped_plant:
        return mapped_plant
    if doc.sender:
        found = ctx.lookup_optional("b2mml_plant", doc.sender)
        if isinstance(found, str):
            return found
    default = ctx.option("default_plant")
    if isinstance(default, str):
        return default
    if not required:
        return None
    raise MappingError(
        "the document names no plant (no HierarchyScope/Location at Site level): set options.default_plant or "
        f'[lookups.b2mml_plant] "{doc.sender or "<Sender/LogicalID>"}" = "<plant>" in the context file',
        code="unresolved_reference",
        path=where,
    )
