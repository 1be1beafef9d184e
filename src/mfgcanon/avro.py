"""Avro binary codec for canonical entities and events (extra ``[avro]``: fastavro).

* :func:`encode` / :func:`decode`: schemaless Avro (one datum, the schema known out of band);
* :func:`write_container` / :func:`read_container`: object container files (``null`` or ``deflate``);
* :func:`encode_framed` / :func:`decode_framed`: the schema-registry wire format
  (magic byte ``0``, 4-byte big-endian schema id, payload), ids resolved by a :class:`SchemaIdRegistry`.

Speed: per type, a converter between the struct and fastavro's dict is generated once (Python source
compiled with ``exec``) instead of walking the value generically on each call. The converter writes
the *physical* Avro values itself (decimal -> two's-complement bytes, instant -> microseconds,
date -> days) and fastavro runs on the same schema with the logical types stripped: the bytes on
the wire are identical, and fastavro's generic logical-type dispatch (about 40% of its time) is skipped.
Decoding runs the reverse conversion and then ``msgspec.convert``, so every model constraint is
checked as in the JSON codec.

Untrusted writer schemas (passed as ``writer_schema=``, read from a container header, registered for a
schema id) are checked before fastavro sees them (:func:`check_writer_schema`): fastavro's C reader
recurses once per level of data without any limit, so a record that contains itself would crash the
interpreter. mfgcanon refuses a schema nested deeper than :data:`MAX_SCHEMA_DEPTH` levels of JSON, one
that is not valid Avro, and any recursive named type (its data could nest without bound; the model has
none, so nothing mfgcanon reads needs one). See ``docs/security.md``.

Correctness rules (see ``docs/schemas.md``): a decimal is quantized to the declared scale before it
is written, negative zero becomes zero, and a value that does not fit the declared precision or
scale raises (never silent rounding); instants are written as UTC microseconds and a naive datetime
raises. Every failure is a :mod:`mfgcanon.errors` type, with the JSON path where there is one.
"""

from __future__ import annotations

import builtins
import copy
import functools
import io
import itertools
import struct
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, DecimalException
from typing import IO, Any, Literal, TypeVar, overload

import msgspec
import msgspec.inspect as mi

from mfgcanon import _enum_tolerance
from mfgcanon.codecs import translate
from mfgcanon.errors import DecodeError, EncodeError, ErrorCode, MfgcanonError, ValidationError
from mfgcanon.schema import avro as avro_schema_mod
from mfgcanon.schema.avro import _unwrap

builtins_type = builtins.type  # `type` is a keyword argument below, msgspec style
T = TypeVar("T")
Codec = Literal["null", "deflate"]

MAGIC = 0
MAX_SCHEMA_DEPTH = 256
"""The deepest writer schema read, in levels of JSON nesting (mfgcanon's own deepest is under 20)."""
MAX_HEADER_BYTES = 16 * 1024 * 1024
"""The largest container-file header (schema and metadata) read before giving up on the file."""
_HEADER = struct.Struct(">bI")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_ONE_US = timedelta(microseconds=1)


class AvroUnavailableError(MfgcanonError, ImportError):
    """fastavro (the ``[avro]`` extra) is not installed."""

    code: ErrorCode = "unencodable_value"


class UnknownSchemaIdError(DecodeError):
    """A registry-framed message names a schema id this process does not know."""

    code: ErrorCode = "invalid_value"


@functools.cache
def _fastavro() -> Any:
    try:
        import fastavro
    except ImportError as exc:
        raise AvroUnavailableError(f"Avro needs the [avro] extra: pip install 'mfgcanon[avro]' ({exc})",
                                   cause_type=builtins_type(exc).__name__) from None
    return fastavro


# --- scalar conversions (shared by the generated fast path and the slow diagnostic walk) ----------------


class _Bad(Exception):
    """A value that cannot be converted; carries the error code."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@functools.cache
def _decimal_codec(precision: int, scale: int) -> tuple[Callable[[Decimal], bytes], Callable[[bytes], Decimal]]:
    """Encoder and decoder of one decimal(precision, scale): exact or an error, never rounding.

    The encoder goes through ``as_integer_ratio`` (exact, and the fastest exact route in CPython's
    decimal); the magnitude is bounded first so a hostile exponent cannot build a huge integer.
    ``-0`` gives the integer 0, so negative zero is normalised for free.
    """
    limit = 10**precision
    factor = 10**scale
    top = precision - scale
    suffix = f"E-{scale}"

    def encode_decimal(value: Decimal) -> bytes:
        magnitude = value.adjusted()
        if magnitude >= top or (magnitude < -scale and value):
            raise ValueError("out of range")
        numerator, denominator = value.as_integer_ratio()
        unscaled: int
        rest: int
        unscaled, rest = divmod(numerator * factor, denominator)
        if rest or not -limit < unscaled < limit:
            raise ValueError("inexact")
        return unscaled.to_bytes((abs(unscaled).bit_length() + 8) // 8, "big", signed=True)

    def decode_decimal(raw: bytes) -> Decimal:
        return Decimal(f"{int.from_bytes(raw, 'big', signed=True)}{suffix}")  # exact: no context rounding

    return encode_decimal, decode_decimal


def _explain_decimal(value: Any, precision: int, scale: int) -> _Bad:
    if not isinstance(value, Decimal):
        return _Bad("type_mismatch", f"expected a Decimal, got {builtins_type(value).__name__}")
    if not value.is_finite():
        return _Bad("non_finite_decimal", f"{value} is not a finite decimal")
    magnitude = value.adjusted()
    too_fine = magnitude < -scale and bool(value)
    if not too_fine and magnitude < precision - scale:
        numerator, denominator = value.as_integer_ratio()
        too_fine = (numerator * 10**scale) % denominator != 0
    if too_fine:
        return _Bad("invalid_value", f"{value} has more than the {scale} decimal places Avro decimal({precision},"
                    f"{scale}) holds; round it explicitly before encoding")
    return _Bad("invalid_value", f"{value} does not fit Avro decimal({precision},{scale}) "
                f"(at most {precision - scale} digits before the point)")


def _encode_instant(value: Any) -> int:
    if not isinstance(value, datetime):
        raise _Bad("type_mismatch", f"expected a datetime, got {builtins_type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Bad("naive_datetime", "datetime has no timezone offset; Avro timestamps are UTC instants")
    return (value - _EPOCH) // _ONE_US


def _encode_day(value: Any) -> int:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise _Bad("type_mismatch", f"expected a date, got {builtins_type(value).__name__}")
    return value.toordinal() - _EPOCH_ORDINAL


# --- per-type code generation ---------------------------------------------------------------------------


def _decimal_params(extra: dict[str, Any]) -> tuple[int, int]:
    avro = extra.get("avro") or {}
    return int(avro["precision"]), int(avro["scale"])


def _is_struct_union(t: mi.UnionType) -> bool:
    return sum(isinstance(_unwrap(m)[0], mi.StructType) for m in t.types) > 1


class _Compiler:
    """Generates one encoder and one decoder-fixup function per struct type, in one namespace."""

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {"_EPOCH": _EPOCH, "_ONE_US": _ONE_US, "_EPOCH_ORDINAL": _EPOCH_ORDINAL,
                                   "_timedelta": timedelta, "_fromordinal": date.fromordinal}
        self.encoders: dict[type[Any], str] = {}
        self.fixers: dict[type[Any], str | None] = {}
        self._counter = itertools.count()

    def _name(self, prefix: str, cls: type[Any]) -> str:
        return f"_{prefix}_{cls.__name__}_{next(self._counter)}"

    # encoding: expression producing the physical Avro value of `expr`
    def enc(self, t: mi.Type, expr: str, extra: dict[str, Any] | None = None) -> str:
        t, _, more = _unwrap(t)
        extra = {**(extra or {}), **more}
        if isinstance(t, mi.StructType):
            return f"{self.struct_encoder(t)}({expr})"
        if isinstance(t, mi.UnionType):
            members = [m for m in t.types if not isinstance(_unwrap(m)[0], mi.NoneType)]
            if _is_struct_union(t):
                call = f"{self.union_encoder(t)}({{var}})"
            elif len(members) == 1:
                call = self.enc(members[0], "{var}", extra)
            else:
                raise TypeError("unions of several non-struct types are not part of the model")
            if len(members) == len(t.types):  # no None branch
                return call.replace("{var}", expr)
            if call == "{var}":
                return expr
            var = f"_v{next(self._counter)}"
            return f"(None if ({var} := {expr}) is None else {call.replace('{var}', var)})"
        if isinstance(t, mi.DecimalType):
            precision, scale = _decimal_params(extra)
            name = f"_dec_{precision}_{scale}"
            self.ns[name] = _decimal_codec(precision, scale)[0]
            return f"{name}({expr})"
        if isinstance(t, mi.DateTimeType):
            return f"(({expr}) - _EPOCH) // _ONE_US"
        if isinstance(t, mi.DateType):
            return f"({expr}).toordinal() - _EPOCH_ORDINAL"
        if isinstance(t, mi.UUIDType):
            return f"str({expr})"
        if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            var = f"_x{next(self._counter)}"
            item = self.enc(t.item_type, var)
            return expr if item == var else f"[{item} for {var} in {expr}]"
        if isinstance(t, mi.DictType):
            key, val = f"_k{next(self._counter)}", f"_x{next(self._counter)}"
            item = self.enc(t.value_type, val)
            return expr if item == val else f"{{{key}: {item} for {key}, {val} in ({expr}).items()}}"
        return expr  # str, int, bool, float, bytes, enums (StrEnum members are strs), literals

    def struct_encoder(self, t: mi.StructType) -> str:
        if t.cls in self.encoders:
            return self.encoders[t.cls]
        name = self._name("enc", t.cls)
        self.encoders[t.cls] = name
        items = []
        if t.tag_field is not None:
            items.append(f"{t.tag_field!r}: {t.tag!r}")
        for field in t.fields:
            items.append(f"{field.encode_name!r}: {self.enc(field.type, f'o.{field.name}')}")
        source = f"def {name}(o):\n    return {{\n        " + ",\n        ".join(items) + ",\n    }\n"
        exec(compile(source, f"<mfgcanon.avro {t.cls.__name__}>", "exec"), self.ns)
        return name

    def union_encoder(self, t: mi.UnionType) -> str:
        """Tuple notation ``(record full name, record)`` tells fastavro which union branch to write."""
        name = f"_enc_union_{next(self._counter)}"
        table = {}
        for member in t.types:
            info = _unwrap(member)[0]
            if isinstance(info, mi.StructType):
                table[info.cls] = (avro_schema_mod.full_name(info.cls), self.ns_fn(self.struct_encoder(info)))
        self.ns[f"{name}_table"] = table
        source = f"def {name}(o):\n    full, fn = {name}_table[o.__class__]\n    return (full, fn(o))\n"
        exec(compile(source, "<mfgcanon.avro union>", "exec"), self.ns)
        return name

    def ns_fn(self, name: str) -> Callable[[Any], Any]:
        fn: Callable[[Any], Any] = self.ns[name]
        return fn

    # decoding: statements that turn the physical values of dict `d` into values msgspec.convert takes
    def fix(self, t: mi.Type, target: str, extra: dict[str, Any] | None = None, indent: str = "    ") -> list[str]:
        """Lines converting the value at ``target`` (an assignable expression) in place; [] if none needed."""
        t, _, more = _unwrap(t)
        extra = {**(extra or {}), **more}
        if isinstance(t, mi.StructType):
            fixer = self.struct_fixer(t)
            return [f"{indent}{fixer}({target})"] if fixer else []
        if isinstance(t, mi.UnionType):
            members = [m for m in t.types if not isinstance(_unwrap(m)[0], mi.NoneType)]
            has_none = len(members) != len(t.types)
            inner_indent = indent + "    " if has_none else indent
            if _is_struct_union(t):
                fn = self.union_fixer(t)
                body = [f"{inner_indent}{fn}({target})"] if fn else []
            else:
                body = self.fix(members[0], target, extra, inner_indent)
            if not body:
                return []
            return [f"{indent}if {target} is not None:", *body] if has_none else body
        if isinstance(t, mi.DecimalType):
            precision, scale = _decimal_params(extra)
            name = f"_undec_{precision}_{scale}"
            self.ns[name] = _decimal_codec(precision, scale)[1]
            return [f"{indent}{target} = {name}({target})"]
        if isinstance(t, mi.DateTimeType):
            return [f"{indent}{target} = _EPOCH + _timedelta(microseconds={target})"]
        if isinstance(t, mi.DateType):
            return [f"{indent}{target} = _fromordinal({target} + _EPOCH_ORDINAL)"]
        if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            items = f"_l{next(self._counter)}"
            index = f"_i{next(self._counter)}"
            inner = self.fix(t.item_type, f"{items}[{index}]", None, indent + "    ")
            if not inner:
                return []
            return [f"{indent}{items} = {target}", f"{indent}for {index} in range(len({items})):", *inner]
        if isinstance(t, mi.DictType):
            values = f"_m{next(self._counter)}"
            key = f"_k{next(self._counter)}"
            inner = self.fix(t.value_type, f"{values}[{key}]", None, indent + "    ")
            if not inner:
                return []
            return [f"{indent}{values} = {target}", f"{indent}for {key} in list({values}):", *inner]
        return []

    def struct_fixer(self, t: mi.StructType) -> str | None:
        if t.cls in self.fixers:
            return self.fixers[t.cls] or None
        name = self._name("fix", t.cls)
        self.fixers[t.cls] = name  # provisional, for recursive types
        lines: list[str] = []
        for field in t.fields:
            lines += self.fix(field.type, f"d[{field.encode_name!r}]")
        if not lines:
            self.fixers[t.cls] = None
            return None
        source = f"def {name}(d):\n" + "\n".join(lines) + "\n"
        exec(compile(source, f"<mfgcanon.avro {t.cls.__name__}>", "exec"), self.ns)
        return name

    def union_fixer(self, t: mi.UnionType) -> str | None:
        table = {}
        tag_field = None
        for member in t.types:
            info = _unwrap(member)[0]
            if isinstance(info, mi.StructType):
                tag_field = info.tag_field
                fixer = self.struct_fixer(info)
                table[info.tag] = self.ns[fixer] if fixer else (lambda d: None)
        if tag_field is None:
            return None
        name = f"_fix_union_{next(self._counter)}"
        self.ns[f"{name}_table"] = table
        source = f"def {name}(d):\n    {name}_table[d[{tag_field!r}]](d)\n"
        exec(compile(source, "<mfgcanon.avro union>", "exec"), self.ns)
        return name


# --- untrusted writer schemas ---------------------------------------------------------------------------


def _json_depth(doc: Any, limit: int) -> int:
    """The nesting depth of a JSON document, measured without recursion; stops counting past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def check_writer_schema(schema: Any) -> None:
    """Refuse a writer schema that is too deep, not valid Avro, or recursive, before fastavro reads with it.

    Raises :class:`DecodeError`: ``nesting_too_deep`` (deeper than :data:`MAX_SCHEMA_DEPTH`, or a named type
    reachable from itself, whose data depth nothing bounds) or ``invalid_schema`` (not a valid schema, or a
    record that contains itself on every path, so that no finite value exists).
    """
    from mfgcanon.compat import _avro as strict
    from mfgcanon.compat._errors import SchemaInputError

    if _json_depth(schema, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH:
        raise DecodeError(f"the writer schema nests deeper than {MAX_SCHEMA_DEPTH} levels", code="nesting_too_deep")
    try:
        root = strict.parse(schema)
    except SchemaInputError as exc:
        raise DecodeError(f"the writer schema is not a valid Avro schema: {exc.detail} (at {exc.path or '/'})",
                          code="invalid_schema", path=exc.path, cause_type="SchemaInputError") from None
    except RecursionError:  # pragma: no cover - the depth bound keeps the parser far from the limit
        raise DecodeError("the writer schema nests too deeply to check", code="nesting_too_deep") from None
    nodes = _nodes(root)
    endless = _without_finite_value(nodes)
    if endless:
        raise DecodeError(f"the writer schema's record {endless!r} contains itself on every path: no finite "
                          "value exists, a reader would never stop", code="invalid_schema")
    cyclic = _recursive_name(nodes)
    if cyclic:
        raise DecodeError(f"the writer schema's type {cyclic!r} contains itself (through a union, array or map): "
                          "the nesting of its data cannot be bounded, so mfgcanon does not read it",
                          code="nesting_too_deep")


def _children(node: Any) -> tuple[Any, ...]:
    if node.type == "record":
        return tuple(field.type for field in node.fields)
    if node.type == "array":
        return (node.items,)
    if node.type == "map":
        return (node.values,)
    if node.type == "union":
        return tuple(node.branches)
    return ()


def _nodes(root: Any) -> list[Any]:
    """Every parsed node reachable from ``root``, each once (named types are shared objects)."""
    seen: dict[int, Any] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        stack.extend(_children(node))
    return list(seen.values())


def _without_finite_value(nodes: list[Any]) -> str | None:
    """The name of a record no finite datum can fill (``{"name": "next", "type": "R"}`` inside ``R``)."""
    finite: set[int] = set()
    changed = True
    while changed:
        changed = False
        for node in nodes:
            if id(node) in finite:
                continue
            kids = _children(node)
            if node.type == "record":
                ok = all(id(kid) in finite for kid in kids)
            elif node.type == "union":
                ok = any(id(kid) in finite for kid in kids)
            else:  # primitives, enums, fixed; arrays and maps can be empty
                ok = True
            if ok:
                finite.add(id(node))
                changed = True
    for node in nodes:
        if id(node) not in finite:
            return str(node.fullname or node.type)
    return None


def _recursive_name(nodes: list[Any]) -> str | None:
    """The name of a named type reachable from itself, if any (iterative depth-first search)."""
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    for start in nodes:
        if id(start) in state:
            continue
        stack: list[tuple[Any, Iterator[Any]]] = [(start, iter(_children(start)))]
        state[id(start)] = 1
        while stack:
            node, kids = stack[-1]
            kid = next(kids, None)
            if kid is None:
                state[id(node)] = 2
                stack.pop()
                continue
            mark = state.get(id(kid))
            if mark == 1:
                return str(kid.fullname or kid.type)
            if mark is None:
                state[id(kid)] = 1
                stack.append((kid, iter(_children(kid))))
    return None


class _Plan:
    """Everything one type needs, built once: schemas (logical and physical, parsed) and converters."""

    def __init__(self, tp: Any) -> None:
        fastavro = _fastavro()
        self.type = tp
        self.info = mi.type_info(tp)
        self.schema = avro_schema_mod.avro_schema(tp)
        self.parsed = fastavro.parse_schema(self.schema)
        self.physical = fastavro.parse_schema(avro_schema_mod.physical(self.schema))
        compiler = _Compiler()
        source = f"def _to_avro_root(o):\n    return {compiler.enc(self.info, 'o')}\n"
        exec(compile(source, "<mfgcanon.avro root>", "exec"), compiler.ns)
        self.to_avro: Callable[[Any], Any] = compiler.ns["_to_avro_root"]
        fix_lines = compiler.fix(self.info, "box[0]")
        if fix_lines:
            source = "def _fix_root(box):\n" + "\n".join(fix_lines) + "\n"
            exec(compile(source, "<mfgcanon.avro root>", "exec"), compiler.ns)
            root_fix = compiler.ns["_fix_root"]

            def fixup(value: Any) -> Any:
                box = [value]
                root_fix(box)
                return box[0]

            self.fix: Callable[[Any], Any] = fixup
        else:
            self.fix = _identity
        self.decoder = functools.partial(msgspec.convert, type=tp)
        self._resolving: dict[str, Any] = {}
        self._by_identity: dict[int, tuple[Any, Any]] = {}

    def reading(self, writer_schema: Any) -> Any:
        """The parsed physical writer schema for resolution against an older (or newer) writer.

        Cached by identity first (a registry hands the same dict every time), then by content.
        """
        known = self._by_identity.get(id(writer_schema))
        if known is not None and known[0] is writer_schema:
            return known[1]
        check_writer_schema(writer_schema)  # before anything recursive (msgspec, fastavro) walks it
        try:
            key = msgspec.json.encode(writer_schema, order="sorted").decode()
        except (TypeError, ValueError) as exc:  # pragma: no cover - a parsed schema is plain JSON data
            raise DecodeError(f"the writer schema is not JSON data: {exc}", code="invalid_schema") from None
        parsed = self._resolving.get(key)
        if parsed is None:
            try:
                parsed = _fastavro().parse_schema(avro_schema_mod.physical(writer_schema))
            except Exception as exc:
                raise DecodeError(f"the writer schema is not a valid Avro schema: {exc}", code="invalid_schema",
                                  cause_type=builtins_type(exc).__name__) from None
            self._resolving[key] = parsed
        if len(self._by_identity) < 256:
            self._by_identity[id(writer_schema)] = (writer_schema, parsed)
        return parsed


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _plan(tp: Any) -> _Plan:
    try:
        return _Plan(tp)
    except MfgcanonError:
        raise
    except Exception as exc:  # a type outside the model: say so instead of a generator traceback
        raise EncodeError(f"no Avro mapping for {tp!r}: {exc}", cause_type=builtins_type(exc).__name__) from None


def schema(type: Any) -> Any:
    """The Avro schema (JSON-ready) mfgcanon writes for a type: the same as ``schemas/avro/v1``."""
    return _plan(type).schema


# --- diagnostics: the slow, exact walk that runs only after the fast path failed -----------------------


def _diagnose(value: Any, t: mi.Type, path: str, extra: dict[str, Any] | None = None) -> MfgcanonError | None:
    t, _, more = _unwrap(t)
    extra = {**(extra or {}), **more}
    try:
        if isinstance(t, mi.StructType):
            if not isinstance(value, t.cls):
                raise _Bad("type_mismatch", f"expected {t.cls.__name__}, got {builtins_type(value).__name__}")
            for field in t.fields:
                found = _diagnose(getattr(value, field.name), field.type, f"{path}.{field.encode_name}")
                if found:
                    return found
        elif isinstance(t, mi.UnionType):
            if value is None and any(isinstance(_unwrap(m)[0], mi.NoneType) for m in t.types):
                return None
            members = [m for m in t.types if not isinstance(_unwrap(m)[0], mi.NoneType)]
            for member in members:
                info = _unwrap(member)[0]
                if not isinstance(info, mi.StructType) or isinstance(value, info.cls):
                    return _diagnose(value, member, path, extra)
            raise _Bad("type_mismatch", f"{builtins_type(value).__name__} is none of the union's types")
        elif isinstance(t, mi.DecimalType):
            precision, scale = _decimal_params(extra)
            try:
                _decimal_codec(precision, scale)[0](value)
            except (DecimalException, AttributeError, TypeError, ValueError, OverflowError):
                raise _explain_decimal(value, precision, scale) from None
        elif isinstance(t, mi.DateTimeType):
            _encode_instant(value)
        elif isinstance(t, mi.DateType):
            _encode_day(value)
        elif isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            if not isinstance(value, list | tuple | set | frozenset):
                raise _Bad("type_mismatch", f"expected a list, got {builtins_type(value).__name__}")
            for index, item in enumerate(value):
                found = _diagnose(item, t.item_type, f"{path}[{index}]")
                if found:
                    return found
        elif isinstance(t, mi.DictType):
            if not isinstance(value, dict):
                raise _Bad("type_mismatch", f"expected a dict, got {builtins_type(value).__name__}")
            for key, item in value.items():
                found = _diagnose(item, t.value_type, f"{path}.{key}")
                if found:
                    return found
        else:
            expected = _SCALARS.get(builtins_type(t))
            if expected is not None and not isinstance(value, expected):
                raise _Bad("type_mismatch", f"expected {expected.__name__}, got {builtins_type(value).__name__}")
            if isinstance(t, mi.EnumType) and value not in set(t.cls):
                raise _Bad("invalid_value", f"{value!r} is not a {t.cls.__name__}")
    except _Bad as bad:
        if bad.code == "type_mismatch" or bad.code == "naive_datetime":
            return ValidationError(str(bad), code=bad.code, path=path)
        return EncodeError(str(bad), code=bad.code, path=path)
    return None


_SCALARS: dict[type[Any], type[Any]] = {mi.StrType: str, mi.IntType: int, mi.BoolType: bool, mi.FloatType: float,
                                        mi.BytesType: bytes, mi.UUIDType: object}


def _to_avro(obj: Any, plan: _Plan) -> Any:
    try:
        return plan.to_avro(obj)
    except Exception as exc:
        raise _encode_failure(obj, plan, exc) from None


def _encode_failure(obj: Any, plan: _Plan, exc: Exception) -> MfgcanonError:
    found = _diagnose(obj, plan.info, "$")
    if found is not None:
        return found
    return EncodeError(f"cannot write {builtins_type(obj).__name__} as Avro: {builtins_type(exc).__name__}: {exc}",
                       cause_type=builtins_type(exc).__name__)


# --- schemaless datums -----------------------------------------------------------------------------------


def encode(obj: Any, *, type: Any = None) -> bytes:
    """Schemaless Avro bytes of an entity or event (``type`` defaults to the object's class)."""
    target: Any = builtins_type(obj) if type is None else type
    plan = _plan(target)
    datum = _to_avro(obj, plan)
    out = io.BytesIO()
    try:
        _fastavro().schemaless_writer(out, plan.physical, datum)
    except Exception as exc:
        raise _encode_failure(obj, plan, exc) from None
    return out.getvalue()


def _from_avro(datum: Any, plan: _Plan) -> Any:
    try:
        return plan.decoder(plan.fix(datum))
    except (msgspec.ValidationError, ValueError) as exc:
        raise translate(exc) from None
    except (DecimalException, OverflowError, TypeError, KeyError) as exc:
        raise DecodeError(f"Avro value out of range for the model: {builtins_type(exc).__name__}: {exc}",
                          code="invalid_value", cause_type=builtins_type(exc).__name__) from None


def _read_failure(exc: Exception) -> DecodeError:
    truncated = isinstance(exc, EOFError | StopIteration) or "truncated" in str(exc).lower()
    return DecodeError(f"not a valid Avro datum for this schema: {builtins_type(exc).__name__}: {exc}",
                       code="truncated_input" if truncated else "malformed_input",
                       cause_type=builtins_type(exc).__name__)


@overload
def decode(buf: bytes | bytearray | memoryview, *, type: builtins.type[T], writer_schema: Any = None) -> T: ...
@overload
def decode(buf: bytes | bytearray | memoryview, *, type: Any, writer_schema: Any = None) -> Any: ...
def decode(buf: bytes | bytearray | memoryview, *, type: Any, writer_schema: Any = None) -> Any:
    """Decode schemaless Avro bytes into ``type``, validating like the JSON codec.

    ``writer_schema`` is the schema the bytes were written with, when it is not mfgcanon's current one
    (an older or newer version): Avro schema resolution then maps it onto the current model.
    """
    plan = _plan(type)
    writer = plan.physical if writer_schema is None else plan.reading(writer_schema)
    # a writer with enum symbols ours lack: read them verbatim, then `other` plus the *_source_code field
    widened = None if writer_schema is None else _enum_tolerance.avro_reader(
        plan.schema, writer, _fastavro().parse_schema, logical=False)
    reader = None if writer_schema is None else widened or plan.physical
    if not isinstance(buf, bytes | bytearray | memoryview):
        raise DecodeError(f"cannot decode a {builtins_type(buf).__name__}: expected bytes", code="malformed_input")
    stream = io.BytesIO(buf)
    try:
        datum = _fastavro().schemaless_reader(stream, writer, reader)
    except Exception as exc:
        raise _read_failure(exc) from None
    if stream.tell() != len(buf):
        raise DecodeError(f"{len(buf) - stream.tell()} trailing bytes after the Avro datum (wrong schema?)",
                          code="malformed_input", position=stream.tell())
    return _from_avro(datum if widened is None else _enum_tolerance.fix(datum, plan.type), plan)


def to_datum(obj: Any, *, type: Any = None) -> Any:
    """The value fastavro writes for ``obj`` (decimals as bytes, instants as microseconds).

    For other Avro writers built on fastavro, e.g. Confluent's ``AvroSerializer(..., to_dict=...)``:
    fastavro passes these physical values through its logical-type writers unchanged.
    """
    target: Any = builtins_type(obj) if type is None else type
    return _to_avro(obj, _plan(target))


def from_datum(datum: Any, *, type: Any) -> Any:
    """A typed, validated value from a dict as fastavro's readers return it (logical types applied).

    For Confluent's ``AvroDeserializer(..., from_dict=...)`` and other fastavro-based readers.
    """
    try:
        return _plan(type).decoder(datum)
    except msgspec.ValidationError as exc:
        if not _enum_tolerance.is_unknown_enum(exc):
            raise translate(exc) from None
    except ValueError as exc:
        raise translate(exc) from None
    try:  # a symbol the model does not know (a writer-only read): `other`, on a copy of the caller's dict
        return _plan(type).decoder(_enum_tolerance.fix(copy.deepcopy(datum), type))
    except (msgspec.ValidationError, ValueError) as exc:
        raise translate(exc) from None


# --- object container files ------------------------------------------------------------------------------


def write_container(fileobj: IO[bytes], records: Iterable[Any], *, type: Any = None, codec: Codec = "null",
                    metadata: Mapping[str, str] | None = None) -> int:
    """Write an Avro object container file; returns the number of records written.

    ``type`` defaults to the class of the first record. The header carries the logical schema, so
    any Avro reader (Java, Spark, fastavro, apache avro) reads the file with decimals and timestamps.
    """
    if codec not in ("null", "deflate"):
        raise EncodeError(f"unsupported container codec {codec!r}: use 'null' or 'deflate'", code="invalid_value")
    iterator = iter(records)
    if type is None:
        first = next(iterator, None)
        if first is None:
            raise EncodeError("cannot infer the record type of an empty stream: pass type=", code="invalid_value")
        iterator = itertools.chain([first], iterator)
        type = builtins_type(first)
    plan = _plan(type)
    count = 0

    def datums() -> Iterator[Any]:
        nonlocal count
        for index, obj in enumerate(iterator):
            try:
                yield _to_avro(obj, plan)
            except MfgcanonError as exc:
                raise exc.with_record_index(index) from None
            count = index + 1

    try:
        # physical values pass through fastavro's logical writers unchanged, the header keeps the logical schema
        _fastavro().writer(fileobj, plan.parsed, datums(), codec=codec, metadata=dict(metadata or {}))
    except MfgcanonError:
        raise
    except Exception as exc:
        raise EncodeError(f"cannot write the container file: {builtins_type(exc).__name__}: {exc}",
                          record_index=count, cause_type=builtins_type(exc).__name__) from None
    return count


class _Replay(io.RawIOBase):
    """The header bytes already read, then the rest of the file: fastavro reads the header again."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            count = min(len(view), len(self._head))
            view[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._rest.read(len(view))
        view[:len(data)] = data
        return len(data)


class _HeaderReader:
    """Reads the container header (magic, metadata map, sync marker) byte-exactly, keeping what it read."""

    def __init__(self, fileobj: IO[bytes]) -> None:
        self.fileobj = fileobj
        self.seen = bytearray()

    def take(self, count: int) -> bytes:
        if count < 0 or len(self.seen) + count > MAX_HEADER_BYTES:
            raise DecodeError(f"the container header is larger than {MAX_HEADER_BYTES} bytes or malformed",
                              code="malformed_input", position=len(self.seen))
        data = self.fileobj.read(count)
        if not isinstance(data, bytes | bytearray) or len(data) != count:
            raise DecodeError("the container file ends inside its header", code="truncated_input",
                              position=len(self.seen))
        self.seen += data
        return bytes(data)

    def long(self) -> int:
        value = shift = 0
        for _ in range(10):
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return (value >> 1) ^ -(value & 1)
            shift += 7
        raise DecodeError("malformed varint in the container header", code="malformed_input", position=len(self.seen))

    def schema(self) -> bytes:
        """The ``avro.schema`` metadata value (raw JSON bytes)."""
        if self.take(4) != b"Obj\x01":
            raise DecodeError("not an Avro object container file (bad magic bytes)", code="malformed_input",
                              position=0)
        found: bytes | None = None
        while True:
            count = self.long()
            if count == 0:
                break
            if count < 0:
                count = -count
                self.long()  # the block's size in bytes: not needed
            for _ in range(count):
                key = self.take(self.long())
                value = self.take(self.long())
                if key == b"avro.schema":
                    found = value
        self.take(16)  # sync marker
        if found is None:
            raise DecodeError("the container header has no avro.schema", code="malformed_input")
        return found


def _checked_header(fileobj: IO[bytes]) -> IO[bytes]:
    """Read and check the file's writer schema; a stream that replays the header for fastavro."""
    header = _HeaderReader(fileobj)
    try:
        text = header.schema()
        schema = msgspec.json.decode(text)
    except RecursionError:
        raise DecodeError("the container file's schema nests too deeply", code="nesting_too_deep") from None
    except msgspec.DecodeError as exc:
        raise DecodeError(f"the container file's schema is not JSON: {exc}", code="invalid_schema") from None
    except MfgcanonError:
        raise
    except Exception as exc:  # a file object that fails to read
        raise _read_failure(exc) from None
    check_writer_schema(schema)
    return io.BufferedReader(_Replay(bytes(header.seen), fileobj))


def read_container(fileobj: IO[bytes], *, type: Any) -> Iterator[Any]:
    """Read an Avro object container file into ``type``, resolving the file's schema onto the model.

    The header's writer schema is checked first (:func:`check_writer_schema`).
    """
    plan = _plan(type)
    fastavro = _fastavro()
    stream = _checked_header(fileobj)
    try:
        reader, widened = _enum_tolerance.open_container(stream, fastavro, plan.schema, plan.parsed)
    except Exception as exc:
        raise _read_failure(exc) from None
    index = 0
    while True:
        try:
            datum = next(reader)
        except StopIteration:
            return
        except Exception as exc:
            raise _read_failure(exc).with_record_index(index) from None
        try:
            # the reader applied the logical types already: msgspec.convert takes them as they are
            yield plan.decoder(datum if not widened else _enum_tolerance.fix(datum, plan.type))
        except (msgspec.ValidationError, ValueError) as exc:
            raise translate(exc, record_index=index) from None
        index += 1


# --- schema-registry wire format ------------------------------------------------------------------------


class SchemaIdRegistry:
    """Schema ids <-> mfgcanon types (and the writer schema registered under each id).

    Fill it from your registry client at start-up (``register(id, ProductionConfirmed)``), or pass a
    plain ``{id: type}`` mapping to :func:`decode_framed`.
    """

    def __init__(self, entries: Mapping[int, Any] | None = None) -> None:
        self._by_id: dict[int, tuple[Any, Any]] = {}
        self._ids: dict[Any, int] = {}
        for schema_id, tp in (entries or {}).items():
            self.register(schema_id, tp)

    def register(self, schema_id: int, type: Any, writer_schema: Any = None) -> None:
        """Map ``schema_id`` to ``type``; ``writer_schema`` is the registered schema when it differs from ours."""
        _check_id(schema_id)
        self._by_id[schema_id] = (type, writer_schema)
        self._ids.setdefault(type, schema_id)

    def lookup(self, schema_id: int) -> tuple[Any, Any]:
        """(type, writer schema or None) for an id; :class:`UnknownSchemaIdError` if it is not registered."""
        try:
            return self._by_id[schema_id]
        except KeyError:
            raise UnknownSchemaIdError(f"schema id {schema_id} is not registered", position=1) from None

    def id_for(self, type: Any) -> int:
        try:
            return self._ids[type]
        except KeyError:
            raise EncodeError(f"no schema id registered for {getattr(type, '__name__', type)}",
                              code="invalid_value") from None

    def __contains__(self, schema_id: object) -> bool:
        return schema_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)


def _check_id(schema_id: int) -> None:
    if not isinstance(schema_id, int) or isinstance(schema_id, bool) or not 0 <= schema_id < 2**32:
        raise EncodeError(f"schema id must be an int in [0, 2**32), got {schema_id!r}", code="invalid_value")


def encode_framed(obj: Any, schema_id: int, *, type: Any = None) -> bytes:
    """Registry wire format: ``0x00``, the schema id (4 bytes, big-endian), then the schemaless payload."""
    _check_id(schema_id)
    return _HEADER.pack(MAGIC, schema_id) + encode(obj, type=type)


def parse_frame(buf: bytes | bytearray | memoryview) -> tuple[int, memoryview]:
    """(schema id, payload) of a registry-framed message, checking the magic byte and the length."""
    if not isinstance(buf, bytes | bytearray | memoryview):
        raise DecodeError(f"cannot decode a {builtins_type(buf).__name__}: expected bytes", code="malformed_input")
    view = memoryview(buf)
    if len(view) < _HEADER.size:
        raise DecodeError(f"a registry-framed message has at least {_HEADER.size} bytes, got {len(view)}",
                          code="truncated_input", position=len(view))
    magic, schema_id = _HEADER.unpack_from(view)
    if magic != MAGIC:
        raise DecodeError(f"unknown magic byte {magic & 0xFF:#04x}: not the schema-registry wire format "
                          f"(expected {MAGIC:#04x})", code="malformed_input", position=0)
    return schema_id, view[_HEADER.size:]


Resolver = SchemaIdRegistry | Mapping[int, Any] | Callable[[int], Any]


def decode_framed(buf: bytes | bytearray | memoryview, type_or_resolver: Any) -> Any:
    """Decode a registry-framed message.

    ``type_or_resolver`` is either the expected type (any schema id is accepted: use it when the topic
    carries one type) or something that maps the id to a type: a :class:`SchemaIdRegistry`, a
    ``{id: type}`` mapping or a callable ``id -> type`` (an unknown id raises :class:`UnknownSchemaIdError`).
    """
    schema_id, payload = parse_frame(buf)
    writer_schema = None
    if isinstance(type_or_resolver, SchemaIdRegistry):
        tp, writer_schema = type_or_resolver.lookup(schema_id)
    elif isinstance(type_or_resolver, Mapping):
        if schema_id not in type_or_resolver:
            raise UnknownSchemaIdError(f"schema id {schema_id} is not registered", position=1)
        tp = type_or_resolver[schema_id]
    elif _is_model_type(type_or_resolver):
        tp = type_or_resolver
    elif callable(type_or_resolver):
        tp = type_or_resolver(schema_id)
        if tp is None:
            raise UnknownSchemaIdError(f"schema id {schema_id} is not registered", position=1)
    else:
        raise DecodeError(f"expected a type or a schema-id resolver, got {builtins_type(type_or_resolver).__name__}",
                          code="invalid_value")
    return decode(payload, type=tp, writer_schema=writer_schema)


def _is_model_type(candidate: Any) -> bool:
    if isinstance(candidate, builtins_type) and issubclass(candidate, msgspec.Struct):
        return True
    return isinstance(candidate, types.UnionType) or typing.get_origin(candidate) is typing.Union


__all__ = [
    "MAGIC", "MAX_HEADER_BYTES", "MAX_SCHEMA_DEPTH", "AvroUnavailableError", "SchemaIdRegistry",
    "UnknownSchemaIdError", "check_writer_schema", "decode", "decode_framed",
    "encode", "encode_framed", "from_datum", "parse_frame", "read_container", "schema", "to_datum",
    "write_container",
]
