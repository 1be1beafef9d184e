"""JSON Schema: the typed-difference comparison that Confluent Schema Registry enforces.

Two steps. ``load`` turns a schema document into a small typed model the way the registry's schema
library sees it (a schema object with keywords of several kinds becomes an implicit ``allOf``; a
``type`` list becomes an ``anyOf``; ``$ref`` is followed; 2020-12 ``prefixItems``/``items`` and
``unevaluated*`` are mapped onto the tuple/additional model). ``diff`` walks the old ("original") and
new ("update") model together and emits ``(type, path)`` differences with Confluent's names and
``#/``-paths, in Confluent's order (property keys iterate in Java ``HashSet`` order).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any, Final

import msgspec

from mfgcanon.compat._errors import SchemaInputError

__all__ = ["Difference", "JNode", "diff", "load"]

_OBJECT_KEYS: Final = frozenset(
    {
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
        "dependencies",
        "patternProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
    }
)
_ARRAY_KEYS: Final = frozenset(
    {
        "items",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "prefixItems",
        "unevaluatedItems",
        "minContains",
        "maxContains",
    }
)
_NUMBER_KEYS: Final = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
_STRING_KEYS: Final = frozenset({"minLength", "maxLength", "pattern", "format"})
_DRAFT2019_ONLY: Final = frozenset(
    {
        "dependentRequired",
        "dependentSchemas",
        "unevaluatedProperties",
        "prefixItems",
        "unevaluatedItems",
        "minContains",
        "maxContains",
    }
)
_TYPES: Final = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
_COMBINERS: Final = ("allOf", "anyOf", "oneOf")


def _canon(value: Any) -> bytes:
    """Canonical JSON bytes, for equality that distinguishes ``true`` from ``1``."""
    return msgspec.json.encode(value, order="sorted")


class JNode:
    """One schema in the typed model; ``kind`` says which of the attributes are meaningful."""

    __slots__ = (
        "additional",
        "additional_ok",
        "all_items",
        "contains",
        "criterion",
        "default",
        "description",
        "enum",
        "excl_max",
        "excl_min",
        "has_default",
        "id",
        "inner",
        "item_list",
        "kind",
        "max_contains",
        "max_items",
        "max_length",
        "max_props",
        "maximum",
        "min_contains",
        "min_items",
        "min_length",
        "min_props",
        "minimum",
        "multiple_of",
        "pattern",
        "pattern_props",
        "prop_deps",
        "props",
        "raw",
        "ref",
        "required",
        "requires_integer",
        "schema_deps",
        "subs",
        "title",
        "unevaluated",
        "unevaluated_ok",
        "unique",
    )

    def __init__(self, kind: str, raw: Any) -> None:
        self.kind = (
            kind  # empty true false object array string number boolean null enum const not combined ref
        )
        self.raw = raw
        self.id: Any = None
        self.title: Any = None
        self.description: Any = None
        self.default: Any = None
        self.has_default = False
        self.ref: Callable[[], JNode] | None = None
        # string
        self.min_length: int | None = None
        self.max_length: int | None = None
        self.pattern: str | None = None
        # number
        self.minimum: Decimal | None = None
        self.maximum: Decimal | None = None
        self.excl_min: Decimal | None = None
        self.excl_max: Decimal | None = None
        self.multiple_of: Decimal | None = None
        self.requires_integer = False
        # object
        self.props: dict[str, JNode] = {}
        self.required: list[str] = []
        self.pattern_props: list[tuple[re.Pattern[str] | None, JNode]] = []
        self.additional_ok = True
        self.additional: JNode | None = None
        self.unevaluated_ok = True
        self.unevaluated: JNode | None = None
        self.prop_deps: dict[str, list[str]] = {}
        self.schema_deps: dict[str, JNode] = {}
        self.min_props: int | None = None
        self.max_props: int | None = None
        # array
        self.all_items: JNode | None = None
        self.item_list: list[JNode] | None = None
        self.min_items: int | None = None
        self.max_items: int | None = None
        self.unique = False
        self.contains: JNode | None = None
        self.min_contains: int | None = None
        self.max_contains: int | None = None
        # enum / const / not / combined
        self.enum: list[bytes] = []
        self.inner: JNode | None = None
        self.criterion = ""
        self.subs: list[JNode] = []


class _Loader:
    """Builds the typed model of one document; nodes are cached per location so ``$ref`` cycles share them."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.modern = (
            isinstance(root, dict)
            and isinstance(root.get("$schema"), str)
            and ("2019-09" in root["$schema"] or "2020-12" in root["$schema"])
        )
        self.cache: dict[str, JNode] = {}
        self.ids: dict[str, str] = {}  # absolute $id / anchor URI -> JSON pointer
        self.root_base = ""
        if isinstance(root, dict) and isinstance(root.get("$id"), str):
            self.root_base = urllib.parse.urldefrag(root["$id"])[0]
        self._index(root, self.root_base, "")

    def _index(self, raw: Any, base: str, ptr: str) -> None:
        """Record every ``$id``/``$anchor`` so references can be resolved inside the document."""
        if isinstance(raw, list):
            for i, item in enumerate(raw):
                self._index(item, base, f"{ptr}/{i}")
            return
        if not isinstance(raw, dict):
            return
        sid = raw.get("$id", raw.get("id") if not self.modern else None)
        if isinstance(sid, str):
            full = urllib.parse.urljoin(base, sid)
            url, frag = urllib.parse.urldefrag(full)
            if frag:  # draft-07 plain-name fragment: "$id": "#foo"
                self.ids[full] = ptr
            else:
                base = url
                self.ids[url] = ptr
        anchor = raw.get("$anchor")
        if isinstance(anchor, str):
            self.ids[f"{base}#{anchor}"] = ptr
        for key, value in raw.items():
            if key in ("enum", "const", "default", "examples"):
                continue
            self._index(value, base, f"{ptr}/{_escape(key)}")

    def fail(self, code: str, message: str, ptr: str) -> SchemaInputError:
        return SchemaInputError(code, message, path="#" + (ptr or "/"))

    def at(self, ptr: str) -> Any:
        node: Any = self.root
        for token in ptr.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise KeyError(ptr)
        return node

    def resolve(self, ref: str, base: str, ptr: str) -> str:
        full = urllib.parse.urljoin(base, ref) if base else ref
        if full in self.ids:
            return self.ids[full]
        url, frag = urllib.parse.urldefrag(full)
        doc_ptr = self.ids.get(url, "" if url in ("", self.root_base) else None)
        if doc_ptr is None:
            raise self.fail(
                "JSON_UNRESOLVED_REF",
                f"cannot resolve $ref {ref!r} (only references inside the document are supported)",
                ptr,
            )
        if frag and not frag.startswith("/"):
            raise self.fail("JSON_UNRESOLVED_REF", f"cannot resolve $ref {ref!r}: unknown anchor", ptr)
        target = doc_ptr + urllib.parse.unquote(frag)
        try:
            self.at(target)
        except KeyError:
            raise self.fail("JSON_UNRESOLVED_REF", f"$ref {ref!r} points at nothing", ptr) from None
        return target

    def node(self, ptr: str, base: str) -> JNode:
        cached = self.cache.get(ptr)
        if cached is not None:
            return cached
        raw = self.at(ptr)
        if raw is True or raw is False:
            node = JNode("true" if raw else "false", raw)
            self.cache[ptr] = node
            return node
        if not isinstance(raw, dict):
            raise self.fail(
                "JSON_INVALID_SCHEMA", f"a schema must be an object or a boolean, got {raw!r}", ptr
            )
        sid = raw.get("$id", raw.get("id") if not self.modern else None)
        if isinstance(sid, str) and not urllib.parse.urldefrag(urllib.parse.urljoin(base, sid))[1]:
            base = urllib.parse.urljoin(base, sid)
        node = JNode("empty", raw)
        self.cache[ptr] = node  # placeholder identity for cycles; filled below
        built = self.build(raw, ptr, base)
        for slot in JNode.__slots__:
            setattr(node, slot, getattr(built, slot))
        if not self.modern and isinstance(sid, str):
            node.id = sid
        for key in ("title", "description"):
            if key in raw:
                setattr(node, key, raw[key])
        if "default" in raw:
            node.default, node.has_default = _canon(raw["default"]), True
        return node

    def child(self, ptr: str, base: str, *keys: str | int) -> JNode:
        for key in keys:
            ptr = f"{ptr}/{_escape(str(key))}"
        return self.node(ptr, base)

    def build(self, raw: dict[str, Any], ptr: str, base: str) -> JNode:
        if "$ref" in raw:
            ref = raw["$ref"]
            if not isinstance(ref, str):
                raise self.fail("JSON_INVALID_SCHEMA", "$ref must be a string", f"{ptr}/$ref")
            target = self.resolve(ref, base, f"{ptr}/$ref")
            refnode = JNode("ref", raw)
            target_base = base
            refnode.ref = lambda: self.node(target, target_base)
            if not self.modern or not (
                set(raw)
                & (
                    _OBJECT_KEYS
                    | _ARRAY_KEYS
                    | _NUMBER_KEYS
                    | _STRING_KEYS
                    | {"type", "enum", "const", "not", *_COMBINERS}
                )
            ):
                return refnode
            rest = self.build({k: v for k, v in raw.items() if k != "$ref"}, ptr, base)
            return _combined("allOf", raw, [refnode, rest])
        parts: list[JNode] = []
        if "enum" in raw:
            if not isinstance(raw["enum"], list):
                raise self.fail("JSON_INVALID_SCHEMA", "enum must be an array", f"{ptr}/enum")
            enum = JNode("enum", raw)
            enum.enum = [_canon(v) for v in raw["enum"]]
            parts.append(enum)
        combined = [c for c in _COMBINERS if c in raw]
        comb_nodes: list[JNode] = []
        for c in combined:
            subs = raw[c]
            if not isinstance(subs, list) or not subs:
                raise self.fail("JSON_INVALID_SCHEMA", f"{c} must be a non-empty array", f"{ptr}/{c}")
            comb_nodes.append(_combined(c, raw, [self.child(ptr, base, c, i) for i in range(len(subs))]))
        if len(comb_nodes) == 1:
            parts.append(comb_nodes[0])
        elif comb_nodes:
            parts.append(_combined("allOf", raw, comb_nodes))
        if "not" in raw:
            node = JNode("not", raw)
            node.inner = self.child(ptr, base, "not")
            parts.append(node)
        if "const" in raw:
            node = JNode("const", raw)
            node.enum = [_canon(raw["const"])]
            parts.append(node)
        consumed: set[str] = set()
        type_ = raw.get("type")
        if type_ is not None:
            names = [type_] if isinstance(type_, str) else type_
            if (
                not isinstance(names, list)
                or not names
                or not all(isinstance(t, str) and t in _TYPES for t in names)
            ):
                raise self.fail("JSON_INVALID_SCHEMA", f"unknown type {type_!r}", f"{ptr}/type")
            typed = [self.typed(t, raw, ptr, base, explicit=True) for t in names]
            parts.append(typed[0] if isinstance(type_, str) else _combined("anyOf", raw, typed))
            consumed = {
                "object"
                if t == "object"
                else "array"
                if t == "array"
                else "number"
                if t in ("number", "integer")
                else t
                for t in names
            }
        for group, keys in (
            ("object", _OBJECT_KEYS),
            ("array", _ARRAY_KEYS),
            ("number", _NUMBER_KEYS),
            ("string", _STRING_KEYS),
        ):
            if group in consumed:
                continue
            present = set(keys & raw.keys())
            if not self.modern:
                present -= _DRAFT2019_ONLY
            elif group == "object" and raw.get("properties") == {}:
                present.discard(
                    "properties"
                )  # as the registry's 2020-12 loader: an empty map declares nothing
            if present:
                parts.append(self.typed(group, raw, ptr, base, explicit=False))
        if not parts:
            return JNode("empty", raw)
        if len(parts) == 1:
            return parts[0]
        return _combined("allOf", raw, parts)

    def typed(self, type_: str, raw: dict[str, Any], ptr: str, base: str, *, explicit: bool) -> JNode:
        if type_ in ("number", "integer"):
            node = JNode("number", raw)
            node.requires_integer = explicit and type_ == "integer"
            for attr, key in (("minimum", "minimum"), ("maximum", "maximum"), ("multiple_of", "multipleOf")):
                setattr(node, attr, self.number(raw, key, ptr))
            for attr, key in (("excl_min", "exclusiveMinimum"), ("excl_max", "exclusiveMaximum")):
                if not isinstance(raw.get(key), bool):  # draft-04 booleans modify minimum/maximum instead
                    setattr(node, attr, self.number(raw, key, ptr))
            return node
        if type_ == "string":
            node = JNode("string", raw)
            node.min_length = self.count(raw, "minLength", ptr)
            node.max_length = self.count(raw, "maxLength", ptr)
            pattern = raw.get("pattern")
            if pattern is not None and not isinstance(pattern, str):
                raise self.fail("JSON_INVALID_SCHEMA", "pattern must be a string", f"{ptr}/pattern")
            node.pattern = pattern
            return node
        if type_ == "object":
            return self.object(raw, ptr, base)
        if type_ == "array":
            return self.array(raw, ptr, base)
        return JNode(type_, raw)  # boolean, null

    def object(self, raw: dict[str, Any], ptr: str, base: str) -> JNode:
        node = JNode("object", raw)
        props = raw.get("properties", {})
        if not isinstance(props, dict):
            raise self.fail("JSON_INVALID_SCHEMA", "properties must be an object", f"{ptr}/properties")
        node.props = {k: self.child(ptr, base, "properties", k) for k in props}
        required = raw.get("required", [])
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise self.fail("JSON_INVALID_SCHEMA", "required must be an array of strings", f"{ptr}/required")
        node.required = required
        patterns = raw.get("patternProperties", {})
        if not isinstance(patterns, dict):
            raise self.fail(
                "JSON_INVALID_SCHEMA", "patternProperties must be an object", f"{ptr}/patternProperties"
            )
        for pat in patterns:
            try:
                compiled: re.Pattern[str] | None = re.compile(pat)
            except re.error:
                compiled = None  # an ECMA-262 pattern Python cannot compile: it matches no names here
            node.pattern_props.append((compiled, self.child(ptr, base, "patternProperties", pat)))
        node.additional_ok, node.additional = self.open_flag(raw, "additionalProperties", ptr, base)
        if self.modern and "unevaluatedProperties" in raw:
            if "additionalProperties" in raw:
                node.unevaluated_ok, node.unevaluated = self.open_flag(
                    raw, "unevaluatedProperties", ptr, base
                )
            else:
                node.additional_ok, node.additional = self.open_flag(raw, "unevaluatedProperties", ptr, base)
        dep_sources = [("dependencies", raw.get("dependencies", {}))]
        if self.modern:
            dep_sources += [
                ("dependentRequired", raw.get("dependentRequired", {})),
                ("dependentSchemas", raw.get("dependentSchemas", {})),
            ]
        for key, deps in dep_sources:
            if not isinstance(deps, dict):
                raise self.fail("JSON_INVALID_SCHEMA", f"{key} must be an object", f"{ptr}/{key}")
            for prop, dep in deps.items():
                if isinstance(dep, list):
                    node.prop_deps[prop] = [str(d) for d in dep]
                else:
                    node.schema_deps[prop] = self.child(ptr, base, key, prop)
        node.min_props = self.count(raw, "minProperties", ptr)
        node.max_props = self.count(raw, "maxProperties", ptr)
        return node

    def array(self, raw: dict[str, Any], ptr: str, base: str) -> JNode:
        node = JNode("array", raw)
        items = raw.get("items")
        if self.modern:
            prefix = raw.get("prefixItems")
            if prefix is not None:
                if not isinstance(prefix, list):
                    raise self.fail(
                        "JSON_INVALID_SCHEMA", "prefixItems must be an array", f"{ptr}/prefixItems"
                    )
                node.item_list = [self.child(ptr, base, "prefixItems", i) for i in range(len(prefix))]
            if isinstance(items, bool):
                node.additional_ok = items
            elif items is not None and prefix is not None:
                node.additional = self.child(ptr, base, "items")
            elif items is not None:
                node.all_items = self.child(ptr, base, "items")
            if "items" not in raw or (items is not None and prefix is None and not isinstance(items, bool)):
                if "unevaluatedItems" in raw:
                    node.additional_ok, node.additional = self.open_flag(raw, "unevaluatedItems", ptr, base)
            elif "unevaluatedItems" in raw:
                node.unevaluated_ok, node.unevaluated = self.open_flag(raw, "unevaluatedItems", ptr, base)
        else:
            if isinstance(items, list):
                node.item_list = [self.child(ptr, base, "items", i) for i in range(len(items))]
            elif items is not None:
                node.all_items = self.child(ptr, base, "items")
            node.additional_ok, node.additional = self.open_flag(raw, "additionalItems", ptr, base)
        node.min_items = self.count(raw, "minItems", ptr)
        node.max_items = self.count(raw, "maxItems", ptr)
        node.unique = raw.get("uniqueItems") is True
        if "contains" in raw:
            node.contains = self.child(ptr, base, "contains")
            if self.modern:
                node.min_contains = self.count(raw, "minContains", ptr)
                if node.min_contains is None:
                    node.min_contains = 1  # the keyword's default
                node.max_contains = self.count(raw, "maxContains", ptr)
        return node

    def open_flag(self, raw: dict[str, Any], key: str, ptr: str, base: str) -> tuple[bool, JNode | None]:
        value = raw.get(key)
        if value is None or value is True:
            return True, None
        if value is False:
            return False, None
        return True, self.child(ptr, base, key)

    def count(self, raw: dict[str, Any], key: str, ptr: str) -> int | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
            raise self.fail(
                "JSON_INVALID_SCHEMA", f"{key} must be a non-negative integer, got {value!r}", f"{ptr}/{key}"
            )
        return int(value)

    def number(self, raw: dict[str, Any], key: str, ptr: str) -> Decimal | None:
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail("JSON_INVALID_SCHEMA", f"{key} must be a number, got {value!r}", f"{ptr}/{key}")
        try:
            return Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - str() of a JSON number always parses
            raise self.fail("JSON_INVALID_SCHEMA", f"{key} is not a number", f"{ptr}/{key}") from None


def _combined(criterion: str, raw: Any, subs: list[JNode]) -> JNode:
    node = JNode("combined", raw)
    node.criterion = criterion
    node.subs = subs
    return node


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def load(raw: Any) -> JNode:
    """The typed model of a decoded JSON Schema document; :class:`SchemaInputError` names what is wrong."""
    if not isinstance(raw, (dict, bool)):
        raise SchemaInputError(
            "JSON_INVALID_SCHEMA",
            f"a JSON Schema must be an object or a boolean, got {type(raw).__name__}",
            path="#/",
        )
    return _Loader(raw).node("", "")


# ---------------------------------------------------------------------------------------------- diff


class Difference:
    """A typed difference at a Confluent-style path, with the fragments on each side."""

    __slots__ = ("new", "old", "path", "type")

    def __init__(self, type_: str, path: str, old: Any, new: Any) -> None:
        self.type = type_
        self.path = path
        self.old = old
        self.new = new

    def __repr__(self) -> str:
        return f"{self.type} {self.path}"


class _Context:
    """Path, schemas in progress (recursion guard) and the differences found so far."""

    __slots__ = ("compatible", "diffs", "path", "schemas")

    def __init__(
        self, compatible: frozenset[str], path: list[str] | None = None, schemas: set[int] | None = None
    ) -> None:
        self.compatible = compatible
        self.path: list[str] = path if path is not None else []
        self.schemas: set[int] = schemas if schemas is not None else set()
        self.diffs: list[Difference] = []

    def sub(self) -> _Context:
        return _Context(self.compatible, list(self.path), set(self.schemas))

    def ok(self) -> bool:
        compatible = self.compatible
        return all(d.type in compatible for d in self.diffs)

    def add(self, type_: str, old: Any = None, new: Any = None, attr: str | None = None) -> None:
        path = self.path if attr is None else [*self.path, attr]
        self.diffs.append(Difference(type_, "#/" + "/".join(path), old, new))


def _deref(node: JNode) -> JNode:
    seen = 0
    while node.kind == "ref" and node.ref is not None:
        node = node.ref()
        seen += 1
        if seen > 64:
            raise SchemaInputError("JSON_UNRESOLVED_REF", "$ref chain does not end in a schema")
    return node


def _raw(node: JNode | None) -> Any:
    return None if node is None else node.raw


def diff(original: JNode, update: JNode, compatible: frozenset[str]) -> list[Difference]:
    """Confluent's ``SchemaDiff.compare(original, update)``: every typed difference, in its order."""
    ctx = _Context(compatible)
    _compare(ctx, original, update)
    return ctx.diffs


def _compare(ctx: _Context, o: JNode | None, u: JNode | None) -> None:
    if o is None or u is None:
        if o is not None:
            ctx.add("SCHEMA_REMOVED", _raw(o), None)
        elif u is not None:
            ctx.add("SCHEMA_ADDED", None, _raw(u))
        return
    o, u = _deref(o), _deref(u)
    if o.kind != "combined" and u.kind == "combined":
        if len(u.subs) == 1:
            if _try(ctx, o, u.subs[0]):
                return
        elif u.criterion in ("anyOf", "oneOf"):
            for sub in u.subs:
                if _try(ctx, o, sub):
                    ctx.add("SUM_TYPE_EXTENDED", o.raw, u.raw)
                    return
    elif o.kind == "combined" and u.kind != "combined":
        if len(o.subs) == 1 and _try(ctx, o.subs[0], u):
            return
        if o.criterion == "allOf":
            for sub in o.subs:
                if _try(ctx, sub, u):
                    ctx.add("PRODUCT_TYPE_NARROWED", o.raw, u.raw)
                    return
    if o.kind != u.kind:
        # anything may become true/{} (accepts all), and false (accepts nothing) may become anything
        if not (o.kind == "false" or u.kind in ("empty", "true")):
            ctx.add("TYPE_CHANGED", o.raw, u.raw)
        return
    key = id(o)
    if key in ctx.schemas:
        return
    ctx.schemas.add(key)
    try:
        if o.id != u.id:
            ctx.add("ID_CHANGED", o.id, u.id)
        if o.title != u.title:
            ctx.add("TITLE_CHANGED", o.title, u.title)
        if o.description != u.description:
            ctx.add("DESCRIPTION_CHANGED", o.description, u.description)
        if o.default != u.default:
            ctx.add(
                "DEFAULT_CHANGED",
                o.raw.get("default") if o.has_default else None,
                u.raw.get("default") if u.has_default else None,
            )
        kind = o.kind
        if kind == "string":
            _compare_string(ctx, o, u)
        elif kind == "number":
            _compare_number(ctx, o, u)
        elif kind == "const":
            if o.enum != u.enum:
                ctx.add("ENUM_ARRAY_CHANGED", o.raw.get("const"), u.raw.get("const"), "const")
        elif kind == "enum":
            _compare_enum(ctx, o, u)
        elif kind == "combined":
            _compare_combined(ctx, o, u)
        elif kind == "not":
            ctx.path.append("not")
            inner = ctx.sub()
            _compare(inner, u.inner, o.inner)  # reversed: the new `not` may exclude only less
            ctx.add("NOT_TYPE_NARROWED" if inner.ok() else "NOT_TYPE_EXTENDED", _raw(o.inner), _raw(u.inner))
            ctx.path.pop()
        elif kind == "object":
            _compare_object(ctx, o, u)
        elif kind == "array":
            _compare_array(ctx, o, u)
    finally:
        ctx.schemas.discard(key)


def _try(ctx: _Context, o: JNode, u: JNode) -> bool:
    """Compare in a sub-context; keep its differences only when they are all compatible."""
    sub = ctx.sub()
    _compare(sub, o, u)
    if sub.ok():
        ctx.diffs.extend(sub.diffs)
        return True
    return False


def _bound(ctx: _Context, old: Any, new: Any, prefix: str, attr: str) -> None:
    """The ADDED/REMOVED/INCREASED/DECREASED family shared by all numeric keywords."""
    if old == new:
        return
    if old is None:
        suffix = "ADDED"
    elif new is None:
        suffix = "REMOVED"
    else:
        suffix = "INCREASED" if old < new else "DECREASED"
    ctx.add(f"{prefix}_{suffix}", _plain(old), _plain(new), attr)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _compare_string(ctx: _Context, o: JNode, u: JNode) -> None:
    _bound(ctx, o.max_length, u.max_length, "MAX_LENGTH", "maxLength")
    _bound(ctx, o.min_length, u.min_length, "MIN_LENGTH", "minLength")
    if o.pattern != u.pattern:
        rule = (
            "PATTERN_ADDED"
            if o.pattern is None
            else "PATTERN_REMOVED"
            if u.pattern is None
            else "PATTERN_CHANGED"
        )
        ctx.add(rule, o.pattern, u.pattern, "pattern")


_MAX_MULTIPLE_DIGITS: Final = 2000


def _is_multiple(value: Decimal, step: Decimal) -> bool:
    """Whether ``value`` is a whole multiple of ``step``, exactly, for any exponents (``1e300`` of ``1e-300``).

    ``Decimal.__mod__`` in the default context fails once the quotient has more than 28 digits; here the
    precision is set from the operands, and a quotient too long to compute (more than 2,000 digits) counts
    as "no", which reports the change as breaking rather than guessing.
    """
    if not value or not step or not value.is_finite() or not step.is_finite():
        return False
    span = value.adjusted() - step.adjusted()
    if span < 0:
        return False
    digits = span + len(step.as_tuple().digits) + len(value.as_tuple().digits) + 2
    if digits > _MAX_MULTIPLE_DIGITS:
        return False
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.traps[InvalidOperation] = False
        rest = value % step
    return rest == 0


def _compare_number(ctx: _Context, o: JNode, u: JNode) -> None:
    _bound(ctx, o.maximum, u.maximum, "MAXIMUM", "maximum")
    _bound(ctx, o.minimum, u.minimum, "MINIMUM", "minimum")
    _bound(ctx, o.excl_max, u.excl_max, "EXCLUSIVE_MAXIMUM", "exclusiveMaximum")
    _bound(ctx, o.excl_min, u.excl_min, "EXCLUSIVE_MINIMUM", "exclusiveMinimum")
    om, um = o.multiple_of, u.multiple_of
    if om != um:
        if om is None:
            rule = "MULTIPLE_OF_ADDED"
        elif um is None:
            rule = "MULTIPLE_OF_REMOVED"
        elif _is_multiple(um, om):
            rule = "MULTIPLE_OF_EXPANDED"
        elif _is_multiple(om, um):
            rule = "MULTIPLE_OF_REDUCED"
        else:
            rule = "MULTIPLE_OF_CHANGED"
        ctx.add(rule, _plain(om), _plain(um), "multipleOf")
    if o.requires_integer != u.requires_integer:
        ctx.add(
            "TYPE_EXTENDED" if o.requires_integer else "TYPE_NARROWED", o.raw.get("type"), u.raw.get("type")
        )


def _compare_enum(ctx: _Context, o: JNode, u: JNode) -> None:
    old, new = set(o.enum), set(u.enum)
    if old == new:
        return
    rule = (
        "ENUM_ARRAY_EXTENDED" if old <= new else "ENUM_ARRAY_NARROWED" if new <= old else "ENUM_ARRAY_CHANGED"
    )
    ctx.add(rule, o.raw.get("enum"), u.raw.get("enum"), "enum")


def _compare_combined(ctx: _Context, o: JNode, u: JNode) -> None:
    oc, uc = o.criterion, u.criterion
    if oc != uc:
        o_single, u_single = len(o.subs) == 1, len(u.subs) == 1
        if (
            uc == "anyOf"
            or (o_single and u_single)
            or (o_single and uc == "oneOf")
            or (u_single and oc == "allOf")
        ):
            ctx.add("COMBINED_TYPE_EXTENDED", oc, uc)
        else:
            ctx.add("COMBINED_TYPE_CHANGED", oc, uc)
            return
    o_subs, u_subs = _dedupe(o.subs), _dedupe(u.subs)
    if len(o_subs) < len(u_subs):
        ctx.add("PRODUCT_TYPE_EXTENDED" if uc == "allOf" else "SUM_TYPE_EXTENDED", o.raw, u.raw)
    elif len(o_subs) > len(u_subs):
        ctx.add("SUM_TYPE_NARROWED" if oc in ("anyOf", "oneOf") else "PRODUCT_TYPE_NARROWED", o.raw, u.raw)
    # compatible pairings old subschema -> new subschema, with the differences each pairing implies
    edges: list[list[tuple[int, list[Difference]]]] = []
    for i, osub in enumerate(o_subs):
        ctx.path.extend((oc, str(i)))
        row: list[tuple[int, list[Difference]]] = []
        for j, usub in enumerate(u_subs):
            sub = ctx.sub()
            _compare(sub, osub, usub)
            if sub.ok():
                row.append((j, sub.diffs))
        row.sort(key=lambda e: len(e[1]))  # prefer pairings that change the least
        edges.append(row)
        del ctx.path[-2:]
    match = _max_matching(edges, len(u_subs))
    for i, row in enumerate(edges):
        for j, diffs in row:
            if match.get(i) == j:
                ctx.diffs.extend(diffs)
                break
    if len(match) < min(len(o_subs), len(u_subs)):
        ctx.add("COMBINED_TYPE_SUBSCHEMAS_CHANGED", o.raw, u.raw)


def _dedupe(subs: list[JNode]) -> list[JNode]:
    seen: set[tuple[str, bytes]] = set()
    out: list[JNode] = []
    for sub in subs:
        key = (sub.kind, _canon(sub.raw))  # parts of one schema object share its raw JSON
        if key not in seen:
            seen.add(key)
            out.append(sub)
    return out


def _max_matching(edges: list[list[tuple[int, list[Difference]]]], n_right: int) -> dict[int, int]:
    """Maximum bipartite matching (augmenting paths); returns left index -> right index."""
    owner: dict[int, int] = {}

    def augment(i: int, visited: set[int]) -> bool:
        for j, _ in edges[i]:
            if j in visited:
                continue
            visited.add(j)
            if j not in owner or augment(owner[j], visited):
                owner[j] = i
                return True
        return False

    for i in range(len(edges)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _java_hash_order(keys: Iterable[str], initial: int) -> list[str]:
    """Iteration order of a Java ``HashSet<String>`` built from ``initial`` keys and then the rest.

    Confluent's change list is ordered this way; reproducing it keeps our output comparable line by line.
    """
    ordered = list(dict.fromkeys(keys))
    cap = 16
    want = int(initial / 0.75) + 1
    while cap < want:
        cap *= 2
    while len(ordered) > cap * 0.75:
        cap *= 2

    def bucket(s: str) -> int:
        data = s.encode("utf-16-be")
        h = 0
        for i in range(0, len(data), 2):
            h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & (cap - 1)

    return sorted(ordered, key=bucket)


def _compare_object(ctx: _Context, o: JNode, u: JNode) -> None:
    # required
    ctx.path.append("required")
    for key in _java_hash_order(o.props, 0):
        if key in u.props:
            was, now = key in o.required, key in u.required
            if was and not now:
                ctx.add("REQUIRED_ATTRIBUTE_REMOVED", key, None, key)
            elif now and not was:
                rule = (
                    "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED"
                    if _deref(u.props[key]).has_default
                    else "REQUIRED_ATTRIBUTE_ADDED"
                )
                ctx.add(rule, None, key, key)
    ctx.path[-1] = "properties"
    for key in _java_hash_order([*o.props, *u.props], len(o.props)):
        ctx.path.append(key)
        _compare_property(ctx, o, u, key)
        ctx.path.pop()
    ctx.path[-1] = "dependencies"
    for key in _java_hash_order([*o.prop_deps, *u.prop_deps], len(o.prop_deps)):
        old_deps, new_deps = o.prop_deps.get(key), u.prop_deps.get(key)
        if new_deps is None:
            ctx.add("DEPENDENCY_ARRAY_REMOVED", old_deps, None, key)
        elif old_deps is None:
            ctx.add("DEPENDENCY_ARRAY_ADDED", None, new_deps, key)
        elif set(old_deps) != set(new_deps):
            rule = (
                "DEPENDENCY_ARRAY_EXTENDED"
                if set(old_deps) <= set(new_deps)
                else "DEPENDENCY_ARRAY_NARROWED"
                if set(new_deps) <= set(old_deps)
                else "DEPENDENCY_ARRAY_CHANGED"
            )
            ctx.add(rule, old_deps, new_deps, key)
    for key in _java_hash_order([*o.schema_deps, *u.schema_deps], len(o.schema_deps)):
        old_s, new_s = o.schema_deps.get(key), u.schema_deps.get(key)
        if new_s is None:
            ctx.add("DEPENDENCY_SCHEMA_REMOVED", _raw(old_s), None, key)
        elif old_s is None:
            ctx.add("DEPENDENCY_SCHEMA_ADDED", None, _raw(new_s), key)
        else:
            ctx.path.append(key)
            _compare(ctx, old_s, new_s)
            ctx.path.pop()
    ctx.path[-1] = "additionalProperties"
    _compare_open(ctx, o.additional_ok, o.additional, u.additional_ok, u.additional, "ADDITIONAL_PROPERTIES")
    ctx.path[-1] = "unevaluatedProperties"
    _compare_open(
        ctx, o.unevaluated_ok, o.unevaluated, u.unevaluated_ok, u.unevaluated, "UNEVALUATED_PROPERTIES"
    )
    ctx.path.pop()
    _bound(ctx, o.max_props, u.max_props, "MAX_PROPERTIES", "maxProperties")
    _bound(ctx, o.min_props, u.min_props, "MIN_PROPERTIES", "minProperties")


def _compare_open(
    ctx: _Context, o_ok: bool, o_schema: JNode | None, u_ok: bool, u_schema: JNode | None, prefix: str
) -> None:
    """additionalProperties/additionalItems (and unevaluated*): allowed flag first, then the schema."""
    if o_ok != u_ok:
        ctx.add(
            f"{prefix}_ADDED" if u_ok else f"{prefix}_REMOVED",
            o_ok if o_schema is None else _raw(o_schema),
            u_ok if u_schema is None else _raw(u_schema),
        )
    elif o_schema is None and u_schema is not None:
        ctx.add(f"{prefix}_NARROWED", o_ok, _raw(u_schema))
    elif u_schema is None and o_schema is not None:
        ctx.add(f"{prefix}_EXTENDED", _raw(o_schema), u_ok)
    elif o_schema is not None:
        _compare(ctx, o_schema, u_schema)


def _is_open(node: JNode) -> bool:
    return not node.pattern_props and node.additional is None and node.additional_ok


def _partial_schema(node: JNode, key: str) -> JNode | None:
    for pattern, schema in node.pattern_props:
        if pattern is not None and pattern.search(key):
            return schema
    return node.additional


def _compare_property(ctx: _Context, o: JNode, u: JNode, key: str) -> None:
    o_s, u_s = o.props.get(key), u.props.get(key)
    if u_s is None:
        assert o_s is not None
        if _is_open(u):
            ctx.add("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", o_s.raw, None)
            return
        partial = _partial_schema(u, key)
        if partial is not None:
            sub = ctx.sub()
            _compare(sub, o_s, partial)
            ctx.diffs.extend(sub.diffs)
            ctx.add(
                "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                if sub.ok()
                else "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                o_s.raw,
                partial.raw,
            )
        elif _deref(o_s).kind == "false":
            ctx.add("PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", o_s.raw, None)
        else:
            ctx.add("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", o_s.raw, None)
        return
    if o_s is None:
        required = key in u.required
        with_default = _deref(u_s).has_default
        if _is_open(o):
            if _deref(u_s).kind in ("empty", "true"):
                rule = "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
            elif required:
                rule = (
                    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL"
                    if with_default
                    else "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
                )
            else:
                rule = "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
            ctx.add(rule, None, u_s.raw)
            return
        partial = _partial_schema(o, key)
        if partial is not None:
            sub = ctx.sub()
            _compare(sub, partial, u_s)
            ctx.diffs.extend(sub.diffs)
            ctx.add(
                "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
                if sub.ok()
                else "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
                partial.raw,
                u_s.raw,
            )
        if required:
            ctx.add(
                "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL"
                if with_default
                else "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
                None,
                u_s.raw,
            )
        else:
            ctx.add("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", None, u_s.raw)
        return
    _compare(ctx, o_s, u_s)


def _compare_array(ctx: _Context, o: JNode, u: JNode) -> None:
    ctx.path.append("items")
    _compare(ctx, o.all_items, u.all_items)
    ctx.path.pop()
    o_list, u_list = o.item_list or [], u.item_list or []
    for i in range(max(len(o_list), len(u_list))):
        ctx.path.extend(("items", str(i)))
        if i < len(o_list) and i < len(u_list):
            _compare(ctx, o_list[i], u_list[i])
        elif i < len(o_list):
            _tuple_item_removed(ctx, o_list[i], u)
        else:
            _tuple_item_added(ctx, u_list[i], o)
        del ctx.path[-2:]
    ctx.path.append("additionalItems")
    _compare_open(ctx, o.additional_ok, o.additional, u.additional_ok, u.additional, "ADDITIONAL_ITEMS")
    ctx.path[-1] = "unevaluatedItems"
    _compare_open(ctx, o.unevaluated_ok, o.unevaluated, u.unevaluated_ok, u.unevaluated, "UNEVALUATED_ITEMS")
    ctx.path.pop()
    _bound(ctx, o.max_items, u.max_items, "MAX_ITEMS", "maxItems")
    _bound(ctx, o.min_items, u.min_items, "MIN_ITEMS", "minItems")
    if o.unique != u.unique:
        ctx.add(
            "UNIQUE_ITEMS_REMOVED" if o.unique else "UNIQUE_ITEMS_ADDED", o.unique, u.unique, "uniqueItems"
        )
    if o.contains is not None or u.contains is not None:
        ctx.path.append("contains")
        _compare(ctx, o.contains, u.contains)
        ctx.path.pop()
    _bound(ctx, o.max_contains, u.max_contains, "MAX_CONTAINS", "maxContains")
    _bound(ctx, o.min_contains, u.min_contains, "MIN_CONTAINS", "minContains")


def _array_is_open(node: JNode) -> bool:
    return node.additional is None and node.additional_ok


def _tuple_item_removed(ctx: _Context, o_item: JNode, u: JNode) -> None:
    if _array_is_open(u):
        ctx.add("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL", o_item.raw, None)
    elif u.additional is not None:
        sub = ctx.sub()
        _compare(sub, o_item, u.additional)
        ctx.diffs.extend(sub.diffs)
        ctx.add(
            "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            if sub.ok()
            else "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
            o_item.raw,
            u.additional.raw,
        )
    elif _deref(o_item).kind == "false":
        ctx.add("ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", o_item.raw, None)
    else:
        ctx.add("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", o_item.raw, None)


def _tuple_item_added(ctx: _Context, u_item: JNode, o: JNode) -> None:
    if _array_is_open(o):
        rule = (
            "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL"
            if _deref(u_item).kind in ("empty", "true")
            else "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
        )
        ctx.add(rule, None, u_item.raw)
    elif o.additional is not None:
        sub = ctx.sub()
        _compare(sub, o.additional, u_item)
        ctx.diffs.extend(sub.diffs)
        ctx.add(
            "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
            if sub.ok()
            else "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
            o.additional.raw,
            u_item.raw,
        )
    else:
        ctx.add("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL", None, u_item.raw)
