"""Avro: a strict schema parser and the specification's schema-resolution check.

The check follows Apache Avro's ``SchemaCompatibility`` (Java, and its Python port): reader/writer
pairs are memoised by identity so recursive types terminate (a pair already being checked counts as
compatible), findings carry Avro's incompatibility names and reader-side locations such as
``/fields/1/type``. On top of that, decimal scale and precision changes are reported, which Apache
Avro leaves unchecked (AVRO-2078).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any, Final

from mfgcanon.compat._errors import SchemaInputError

__all__ = ["AvroIncompatibility", "AvroSchema", "check_pair", "parse"]

PRIMITIVES: Final = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED: Final = frozenset({"record", "error", "enum", "fixed"})
_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# writer type -> reader types that can read it (the specification's promotions)
_PROMOTIONS: Final[dict[str, frozenset[str]]] = {
    "int": frozenset({"long", "float", "double"}),
    "long": frozenset({"float", "double"}),
    "float": frozenset({"double"}),
    "string": frozenset({"bytes"}),
    "bytes": frozenset({"string"}),
}


class AvroField:
    """A record field; ``pos`` is its index, used in locations."""

    __slots__ = ("aliases", "has_default", "loc", "name", "pos", "type")

    def __init__(
        self, name: str, type_: AvroSchema, pos: int, has_default: bool, aliases: tuple[str, ...]
    ) -> None:
        self.name = name
        self.type = type_
        self.pos = pos
        self.has_default = has_default
        self.aliases = aliases
        self.loc = f"/fields/{pos}"


class AvroSchema:
    """A parsed Avro type. Named types are parsed once, so references share one object."""

    __slots__ = (
        "aliases",
        "branches",
        "enum_default",
        "field_map",
        "fields",
        "fullname",
        "items",
        "name",
        "precision",
        "raw",
        "scale",
        "shared",
        "size",
        "symbols",
        "type",
        "values",
    )

    def __init__(self, type_: str, raw: Any) -> None:
        self.type = type_
        self.raw = raw
        self.name = ""
        self.fullname = ""
        self.aliases: frozenset[str] = frozenset()
        self.fields: tuple[AvroField, ...] = ()
        self.field_map: dict[str, AvroField] = {}
        self.symbols: tuple[str, ...] = ()
        self.enum_default: str | None = None
        self.size = 0
        self.items: AvroSchema | None = None
        self.values: AvroSchema | None = None
        self.branches: tuple[AvroSchema, ...] = ()
        self.precision: int | None = None  # set only for a valid decimal logical type
        self.scale = 0
        self.shared = False  # True for immutable nodes interned across documents (no named types inside)

    def label(self) -> str:
        """Short JSON-able description used in findings: a fullname or a type name."""
        return self.fullname or self.type

    def fragment(self) -> Any:
        """A small JSON fragment for findings: named types by name, containers one level deep."""
        if self.fullname:
            return self.fullname
        if self.type == "array" and self.items is not None:
            return {"type": "array", "items": self.items.fragment()}
        if self.type == "map" and self.values is not None:
            return {"type": "map", "values": self.values.fragment()}
        if self.type == "union":
            return [b.fragment() for b in self.branches]
        if self.precision is not None:
            return {
                "type": self.type,
                "logicalType": "decimal",
                "precision": self.precision,
                "scale": self.scale,
            }
        return self.type


_Path = tuple["_Path", str | int] | None  # linked (parent, token) pairs: cheap to extend, built only on error


class _Parser:
    """Parses one schema document, tracking named types and the JSON-pointer location for errors."""

    def __init__(self) -> None:
        self.names: dict[str, AvroSchema] = {}

    def fail(self, code: str, message: str, path: _Path) -> SchemaInputError:
        tokens: list[str] = []
        while path is not None:
            path, token = path
            tokens.append(str(token))
        return SchemaInputError(code, message, path="/" + "/".join(reversed(tokens)))

    def fullname(self, name: Any, namespace: str, path: _Path, what: str = "name") -> tuple[str, str, str]:
        """Resolve ``name`` in ``namespace`` into (fullname, short name, its namespace), validating both."""
        if not isinstance(name, str) or not name:
            raise self.fail("AVRO_INVALID_NAME", f"{what} must be a non-empty string, got {name!r}", path)
        if "." in name:
            ns, _, short = name.rpartition(".")
        else:
            ns, short = namespace, name
        if not _NAME_RE.fullmatch(short) or (ns and not all(_NAME_RE.fullmatch(p) for p in ns.split("."))):
            raise self.fail("AVRO_INVALID_NAME", f"invalid {what} {name!r}", path)
        return (f"{ns}.{short}" if ns else short), short, ns

    def parse(self, raw: Any, namespace: str, path: _Path) -> AvroSchema:
        if isinstance(raw, str):
            return self.reference(raw, namespace, path)
        if isinstance(raw, list):
            return self.union(raw, namespace, path)
        if not isinstance(raw, dict):
            raise self.fail(
                "AVRO_INVALID_SCHEMA", f"expected a type name, object or array, got {raw!r}", path
            )
        type_ = raw.get("type")
        if type_ is None:
            raise self.fail("AVRO_MISSING_TYPE", "schema object has no 'type'", path)
        if isinstance(type_, (dict, list)):
            return self.parse(type_, namespace, (path, "type"))
        if not isinstance(type_, str):
            raise self.fail("AVRO_INVALID_SCHEMA", f"'type' must be a string, got {type_!r}", path)
        if type_ in PRIMITIVES:
            if len(raw) == 1:
                return _SHARED[type_]
            node = AvroSchema(type_, raw)
            self.logical(node, raw)
            return node
        if type_ in _NAMED:
            return self.named(type_, raw, namespace, path)
        if type_ == "array":
            if "items" not in raw:
                raise self.fail("AVRO_MISSING_ITEMS", "array schema has no 'items'", path)
            items = self.parse(raw["items"], namespace, (path, "items"))
            return _container("array", raw, items)
        if type_ == "map":
            if "values" not in raw:
                raise self.fail("AVRO_MISSING_VALUES", "map schema has no 'values'", path)
            values = self.parse(raw["values"], namespace, (path, "values"))
            return _container("map", raw, values)
        return self.reference(type_, namespace, (path, "type"))

    def reference(self, name: str, namespace: str, path: _Path) -> AvroSchema:
        prim = _SHARED.get(name)
        if prim is not None:
            return prim
        if name in _NAMED or name in ("array", "map"):
            raise self.fail("AVRO_INVALID_SCHEMA", f"'{name}' needs an object with its attributes", path)
        candidates = [name] if "." in name else ([f"{namespace}.{name}", name] if namespace else [name])
        for full in candidates:
            found = self.names.get(full)
            if found is not None:
                return found
        raise self.fail(
            "AVRO_UNKNOWN_TYPE", f"unknown type {name!r} (not a primitive, not defined before)", path
        )

    def union(self, raw: list[Any], namespace: str, path: _Path) -> AvroSchema:
        key = ("union", *raw)
        if all(isinstance(b, str) for b in raw) and key in _SHARED:  # fast path: a known union of primitives
            return _SHARED[key]
        node = AvroSchema("union", raw)
        branches: list[AvroSchema] = []
        seen: set[str] = set()
        for i, item in enumerate(raw):
            branch = self.parse(item, namespace, (path, str(i)))
            if branch.type == "union":
                raise self.fail(
                    "AVRO_NESTED_UNION", "a union cannot directly contain a union", (path, str(i))
                )
            branch_key = branch.fullname or branch.type
            if branch_key in seen:
                raise self.fail(
                    "AVRO_DUPLICATE_UNION_BRANCH", f"union holds {branch_key!r} twice", (path, str(i))
                )
            seen.add(branch_key)
            branches.append(branch)
        node.branches = tuple(branches)
        if all(b.shared for b in branches):
            if all(isinstance(b, str) for b in raw):
                return _share(key, node)
            return _share(("union", *(id(b) for b in branches)), node)
        return node

    def named(self, type_: str, raw: dict[str, Any], namespace: str, path: _Path) -> AvroSchema:
        if "name" not in raw:
            raise self.fail("AVRO_MISSING_NAME", f"{type_} schema has no 'name'", path)
        ns_raw = raw.get("namespace")
        if ns_raw is not None and not isinstance(ns_raw, str):
            raise self.fail(
                "AVRO_INVALID_NAME", f"namespace must be a string, got {ns_raw!r}", (path, "namespace")
            )
        name = raw["name"]
        base_ns = namespace if ns_raw is None or (isinstance(name, str) and "." in name) else ns_raw
        full, short, own_ns = self.fullname(name, base_ns, (path, "name"))
        if short in PRIMITIVES:
            raise self.fail("AVRO_INVALID_NAME", f"{short!r} is a primitive type name", (path, "name"))
        if full in self.names:
            raise self.fail("AVRO_DUPLICATE_NAME", f"type {full!r} is defined twice", (path, "name"))
        node = AvroSchema("record" if type_ == "error" else type_, raw)
        node.name, node.fullname = short, full
        node.aliases = frozenset(self.aliases(raw, own_ns, path, qualify=True))
        self.names[full] = node  # registered before the body so records can refer to themselves
        if type_ in ("record", "error"):
            self.record(node, raw, own_ns, path)
        elif type_ == "enum":
            self.enum(node, raw, path)
        else:
            size = raw.get("size")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise self.fail(
                    "AVRO_INVALID_FIXED_SIZE",
                    f"fixed size must be an integer >= 0, got {size!r}",
                    (path, "size"),
                )
            node.size = size
            self.logical(node, raw)
        return node

    def aliases(self, raw: dict[str, Any], namespace: str, path: _Path, *, qualify: bool) -> Iterator[str]:
        aliases = raw.get("aliases")
        if aliases is None:
            return
        if not isinstance(aliases, list):
            raise self.fail("AVRO_INVALID_ALIASES", "'aliases' must be an array of names", (path, "aliases"))
        for i, alias in enumerate(aliases):
            if qualify:
                yield self.fullname(alias, namespace, ((path, "aliases"), str(i)), "alias")[0]
            else:
                if not isinstance(alias, str) or not _NAME_RE.fullmatch(alias):
                    raise self.fail(
                        "AVRO_INVALID_NAME", f"invalid field alias {alias!r}", ((path, "aliases"), str(i))
                    )
                yield alias

    def record(self, node: AvroSchema, raw: dict[str, Any], namespace: str, path: _Path) -> None:
        fields_raw = raw.get("fields")
        if not isinstance(fields_raw, list):
            raise self.fail("AVRO_MISSING_FIELDS", "record schema needs a 'fields' array", (path, "fields"))
        fields: list[AvroField] = []
        field_map: dict[str, AvroField] = {}
        for i, f in enumerate(fields_raw):
            fpath = ((path, "fields"), str(i))
            if not isinstance(f, dict):
                raise self.fail("AVRO_INVALID_FIELD", f"a field must be an object, got {f!r}", fpath)
            fname = f.get("name")
            if not isinstance(fname, str) or not _NAME_RE.fullmatch(fname):
                raise self.fail("AVRO_INVALID_NAME", f"invalid field name {fname!r}", (fpath, "name"))
            if fname in field_map:
                raise self.fail("AVRO_DUPLICATE_FIELD", f"field {fname!r} is defined twice", (fpath, "name"))
            if "type" not in f:
                raise self.fail("AVRO_MISSING_TYPE", f"field {fname!r} has no 'type'", fpath)
            ftype = self.parse(f["type"], namespace, (fpath, "type"))
            if "default" in f:
                problem = _default_problem(ftype, f["default"])
                if problem is not None:
                    raise self.fail(
                        "AVRO_INVALID_DEFAULT",
                        f"default of field {fname!r} does not match its type: {problem}",
                        (fpath, "default"),
                    )
            aliases = tuple(self.aliases(f, namespace, fpath, qualify=False)) if "aliases" in f else ()
            field = AvroField(fname, ftype, i, "default" in f, aliases)
            fields.append(field)
            field_map[fname] = field
        node.fields = tuple(fields)
        node.field_map = field_map

    def enum(self, node: AvroSchema, raw: dict[str, Any], path: _Path) -> None:
        symbols = raw.get("symbols")
        if not isinstance(symbols, list):
            raise self.fail("AVRO_INVALID_ENUM", "enum schema needs a 'symbols' array", (path, "symbols"))
        seen: set[str] = set()
        for i, s in enumerate(symbols):
            if not isinstance(s, str) or not _NAME_RE.fullmatch(s):
                raise self.fail(
                    "AVRO_INVALID_ENUM", f"invalid enum symbol {s!r}", ((path, "symbols"), str(i))
                )
            if s in seen:
                raise self.fail(
                    "AVRO_INVALID_ENUM", f"enum symbol {s!r} repeats", ((path, "symbols"), str(i))
                )
            seen.add(s)
        node.symbols = tuple(symbols)
        default = raw.get("default")
        if default is not None:
            if default not in seen:
                raise self.fail(
                    "AVRO_INVALID_ENUM",
                    f"enum default {default!r} is not one of the symbols",
                    (path, "default"),
                )
            node.enum_default = default

    def logical(self, node: AvroSchema, raw: Any) -> None:
        """Record a *valid* decimal; the specification says invalid logical types are ignored."""
        if (
            not isinstance(raw, dict)
            or raw.get("logicalType") != "decimal"
            or node.type not in ("bytes", "fixed")
        ):
            return
        precision, scale = raw.get("precision"), raw.get("scale", 0)
        if not isinstance(precision, int) or isinstance(precision, bool) or precision <= 0:
            return
        if not isinstance(scale, int) or isinstance(scale, bool) or not 0 <= scale <= precision:
            return
        if node.type == "fixed" and (
            node.size == 0 or precision > math.floor(math.log10(2) * (8 * node.size - 1))
        ):
            return
        node.precision, node.scale = precision, scale


_INT_RANGE: Final = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_FLOAT_WORDS: Final = frozenset({"NaN", "Infinity", "-Infinity"})  # how Java's Avro writes them


def _default_problem(schema: AvroSchema, value: Any) -> str | None:
    """Why ``value`` is not a valid default for ``schema`` (the specification's JSON encoding), or ``None``.

    A union's default matches its first branch; a record's is an object with a valid value for each field
    that has no default of its own; bytes and fixed take a string of code points 0-255.
    """
    kind = schema.type
    if kind == "union":
        return _default_problem(schema.branches[0], value) if schema.branches else "an empty union has no value"
    if kind == "null":
        return None if value is None else f"null expects null, got {value!r}"
    if kind == "boolean":
        return None if isinstance(value, bool) else f"boolean expects true or false, got {value!r}"
    if kind in _INT_RANGE:
        low, high = _INT_RANGE[kind]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return None
        return f"{kind} expects an integer in [{low}, {high}], got {value!r}"
    if kind in ("float", "double"):
        if (isinstance(value, int | float) and not isinstance(value, bool)) or value in _FLOAT_WORDS:
            return None
        return f"{kind} expects a number, got {value!r}"
    if kind == "string":
        return None if isinstance(value, str) else f"string expects a string, got {value!r}"
    if kind in ("bytes", "fixed"):
        if not isinstance(value, str) or any(ord(char) > 0xFF for char in value):
            return f"{kind} expects a string of code points 0-255, got {value!r}"
        if kind == "fixed" and len(value) != schema.size:
            return f"fixed of size {schema.size} expects {schema.size} characters, got {len(value)}"
        return None
    if kind == "enum":
        return None if value in schema.symbols else f"{value!r} is not a symbol of enum {schema.fullname!r}"
    if kind == "array":
        if not isinstance(value, list):
            return f"array expects a JSON array, got {value!r}"
        assert schema.items is not None
        for index, item in enumerate(value):
            problem = _default_problem(schema.items, item)
            if problem is not None:
                return f"item {index}: {problem}"
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return f"map expects a JSON object, got {value!r}"
        assert schema.values is not None
        for key, item in value.items():
            problem = _default_problem(schema.values, item)
            if problem is not None:
                return f"value {key!r}: {problem}"
        return None
    if kind == "record":
        if not isinstance(value, dict):
            return f"record {schema.fullname!r} expects a JSON object, got {value!r}"
        for field in schema.fields:
            if field.name in value:
                problem = _default_problem(field.type, value[field.name])
                if problem is not None:
                    return f"field {field.name!r}: {problem}"
            elif not field.has_default:
                return f"field {field.name!r} of record {schema.fullname!r} is missing and has no default"
        return None
    return None  # pragma: no cover - every parsed type is handled above


_SHARED: dict[Any, AvroSchema] = {}
_SHARED_LIMIT: Final = 4096


def _share(key: Any, node: AvroSchema) -> AvroSchema:
    """Intern a node built only from interned parts, so equal anonymous types are one object.

    The checker treats ``reader is writer`` as compatible without looking further, which makes the
    common case (unchanged fields of primitives, unions and arrays of them) cost one identity test.
    """
    found = _SHARED.get(key)
    if found is not None:
        return found
    if len(_SHARED) < _SHARED_LIMIT:
        node.shared = True
        _SHARED[key] = node
    return node


def _container(type_: str, raw: Any, inner: AvroSchema) -> AvroSchema:
    node = AvroSchema(type_, raw)
    if type_ == "array":
        node.items = inner
    else:
        node.values = inner
    if inner.shared and len(raw) == 2:  # nothing but "type" and "items"/"values"
        return _share((type_, id(inner)), node)
    return node


for _name in PRIMITIVES:
    _share(_name, AvroSchema(_name, _name))


def parse(raw: Any) -> AvroSchema:
    """Parse a decoded Avro schema document; raise :class:`SchemaInputError` naming where it is invalid."""
    return _Parser().parse(raw, "", None)


class AvroIncompatibility:
    """One reason the reader cannot read the writer's data, at a location in the reader schema."""

    __slots__ = ("kind", "location", "message", "reader", "writer")

    def __init__(self, kind: str, location: str, message: str, reader: Any, writer: Any) -> None:
        self.kind = kind
        self.location = location
        self.message = message
        self.reader = reader
        self.writer = writer


_COMPATIBLE: Final[tuple[AvroIncompatibility, ...]] = ()


class _Checker:
    """One reader/writer resolution check; results are memoised per (reader, writer) object pair."""

    def __init__(self) -> None:
        self.memo: dict[tuple[int, int], tuple[AvroIncompatibility, ...] | None] = {}

    def compat(self, reader: AvroSchema, writer: AvroSchema, loc: str) -> tuple[AvroIncompatibility, ...]:
        if reader is writer:  # the same object: identical by construction
            return _COMPATIBLE
        rt = reader.type
        if rt in PRIMITIVES and reader.precision is None:  # no recursion possible: skip the memo
            wt = writer.type
            if wt == rt or rt in _PROMOTIONS.get(wt, ()):
                return _COMPATIBLE
        key = (id(reader), id(writer))
        if key in self.memo:
            found = self.memo[key]
            return (
                _COMPATIBLE if found is None else found
            )  # None: in progress (recursion) counts as compatible
        self.memo[key] = None
        result = self.calculate(reader, writer, loc)
        self.memo[key] = result
        return result

    def calculate(self, reader: AvroSchema, writer: AvroSchema, loc: str) -> tuple[AvroIncompatibility, ...]:
        rt, wt = reader.type, writer.type
        if rt == wt:
            if rt in PRIMITIVES:
                return self.decimal(reader, writer, loc) if reader.precision is not None else _COMPATIBLE
            if rt == "array":
                assert reader.items is not None
                assert writer.items is not None
                return self.compat(reader.items, writer.items, f"{loc}/items")
            if rt == "map":
                assert reader.values is not None
                assert writer.values is not None
                return self.compat(reader.values, writer.values, f"{loc}/values")
            if rt == "union":
                out: list[AvroIncompatibility] = []
                for i, branch in enumerate(writer.branches):
                    found = self.compat(reader, branch, f"{loc}/{i}")
                    if _only_decimal(found):
                        out.extend(found)
                    elif found:
                        out.append(
                            AvroIncompatibility(
                                "MISSING_UNION_BRANCH",
                                f"{loc}/{i}",
                                f"reader union lacking writer type: {branch.type.upper()}",
                                reader.fragment(),
                                branch.fragment(),
                            )
                        )
                return tuple(out)
            names = self.names(reader, writer, loc)
            if rt == "record":
                return names + self.fields(reader, writer, loc)
            if rt == "enum":
                return names + self.enum(reader, writer, loc)
            if reader.size != writer.size:
                return (
                    *names,
                    AvroIncompatibility(
                        "FIXED_SIZE_MISMATCH",
                        f"{loc}/size",
                        f"expected: {writer.size}, found: {reader.size}",
                        reader.size,
                        writer.size,
                    ),
                )
            return names + self.decimal(reader, writer, loc) if reader.precision is not None else names
        if wt == "union":
            merged: tuple[AvroIncompatibility, ...] = ()
            for i, branch in enumerate(writer.branches):
                merged += self.compat(reader, branch, f"{loc}/{i}")
            return merged
        if rt == "union":
            decimal_only: tuple[AvroIncompatibility, ...] = ()
            for branch in reader.branches:
                found = self.compat(branch, writer, loc)
                if not found:
                    return _COMPATIBLE
                if not decimal_only and _only_decimal(found):
                    decimal_only = found
            if decimal_only:  # the branch Avro would pick differs only in decimal scale/precision: say so
                return decimal_only
            return (
                AvroIncompatibility(
                    "MISSING_UNION_BRANCH",
                    loc,
                    f"reader union lacking writer type: {wt.upper()}",
                    reader.fragment(),
                    writer.fragment(),
                ),
            )
        if rt in _PROMOTIONS.get(wt, ()):
            return _COMPATIBLE
        return (
            AvroIncompatibility(
                "TYPE_MISMATCH",
                loc,
                f"reader type: {rt} not compatible with writer type: {wt}",
                reader.fragment(),
                writer.fragment(),
            ),
        )

    @staticmethod
    def names(reader: AvroSchema, writer: AvroSchema, loc: str) -> tuple[AvroIncompatibility, ...]:
        if reader.name == writer.name or writer.fullname in reader.aliases:
            return _COMPATIBLE
        return (
            AvroIncompatibility(
                "NAME_MISMATCH",
                f"{loc}/name",
                f"expected: {writer.fullname}",
                reader.fullname,
                writer.fullname,
            ),
        )

    @staticmethod
    def enum(reader: AvroSchema, writer: AvroSchema, loc: str) -> tuple[AvroIncompatibility, ...]:
        known = set(reader.symbols)
        missing = [s for s in writer.symbols if s not in known]
        if not missing or reader.enum_default is not None:
            return _COMPATIBLE
        return (
            AvroIncompatibility(
                "MISSING_ENUM_SYMBOLS",
                f"{loc}/symbols",
                f"[{', '.join(missing)}]",
                list(reader.symbols),
                list(writer.symbols),
            ),
        )

    def fields(self, reader: AvroSchema, writer: AvroSchema, loc: str) -> tuple[AvroIncompatibility, ...]:
        out: tuple[AvroIncompatibility, ...] = ()
        wmap = writer.field_map
        for field in reader.fields:
            wfield = wmap.get(field.name)
            if wfield is None:
                for alias in field.aliases:
                    wfield = wmap.get(alias)
                    if wfield is not None:
                        break
            if wfield is not None:
                if field.type is not wfield.type:
                    out += self.compat(field.type, wfield.type, f"{loc}{field.loc}/type")
            elif not field.has_default:
                if field.type.type == "enum" and field.type.enum_default is not None:
                    # Apache Avro's quirk: the enum is then checked against the writer record itself
                    out += self.compat(field.type, writer, f"{loc}{field.loc}/type")
                else:
                    out += (
                        AvroIncompatibility(
                            "READER_FIELD_MISSING_DEFAULT_VALUE",
                            f"{loc}{field.loc}",
                            field.name,
                            field.name,
                            None,
                        ),
                    )
        return out

    @staticmethod
    def decimal(reader: AvroSchema, writer: AvroSchema, loc: str) -> tuple[AvroIncompatibility, ...]:
        """Our stricter check: both valid decimals on one type, with another scale or less precision."""
        if writer.precision is None or reader.precision is None:
            return _COMPATIBLE
        out: tuple[AvroIncompatibility, ...] = ()
        if reader.scale != writer.scale:
            out += (
                AvroIncompatibility(
                    "DECIMAL_SCALE_MISMATCH",
                    f"{loc}/scale",
                    f"expected scale: {writer.scale}, found: {reader.scale}",
                    reader.scale,
                    writer.scale,
                ),
            )
        if reader.precision < writer.precision:
            out += (
                AvroIncompatibility(
                    "DECIMAL_PRECISION_NARROWED",
                    f"{loc}/precision",
                    f"expected precision >= {writer.precision}, found: {reader.precision}",
                    reader.precision,
                    writer.precision,
                ),
            )
        return out


def _only_decimal(found: tuple[AvroIncompatibility, ...]) -> bool:
    return bool(found) and all(i.kind.startswith("DECIMAL_") for i in found)


def check_pair(reader: AvroSchema, writer: AvroSchema) -> tuple[AvroIncompatibility, ...]:
    """Every reason ``reader`` cannot resolve data written with ``writer`` (empty when compatible)."""
    return _Checker().compat(reader, writer, "")
