"""Enum values added by a newer writer read as ``other``, the raw value kept beside it.

Every canonical enum has an ``other`` member and (with a few documented exceptions) a sibling field
``<field>_source_code``. A reader built from an older model meets a value it does not know; instead of
refusing the whole message it reads ``other`` and puts the raw value in the sibling when the sibling is
empty. A sibling that already holds a value keeps it: that is the vendor's own code, more informative
than the canonical name of a newer model. A raw value the sibling cannot hold (longer than its maximum
length) and a field with no sibling give ``other`` alone.

This is the slow path only. The codecs decode typed first, at full speed; only when msgspec refuses an
enum value do they call :func:`redecode`, which decodes the same bytes untyped, rewrites the unknown
values (:func:`fix`) and converts the result to the target type (``msgspec.convert`` parses ISO strings
into datetimes, decimals and UUIDs as the JSON decoder does). Any other failure then surfaces as before.

Avro carries enum symbols by index, so the raw value must come from the writer's schema: when the
writer's enums have symbols the reader's lack, :func:`avro_reader` gives the reader schema widened by
those symbols, Avro resolution then returns the raw symbol instead of the reader's default, and
:func:`fix` treats it like a JSON value.
"""

from __future__ import annotations

import enum
import functools
import io
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

import msgspec
import msgspec.inspect as mi

from mfgcanon.schema.avro import physical
from mfgcanon.typeinfo import reachable_types

OTHER = "other"
SUFFIX = "_source_code"
_UNKNOWN_ENUM = "Invalid enum value"
_JSON = msgspec.json.Decoder(float_hook=Decimal)  # a JSON number stays exact, as the typed decoder reads it


def is_unknown_enum(exc: Exception) -> bool:
    """Whether a msgspec failure is an enum value the model does not know (the only one tolerated)."""
    return isinstance(exc, msgspec.ValidationError) and str(exc).startswith(_UNKNOWN_ENUM)


def redecode(buf: Any, type: Any, format: str) -> Any:
    """Decode ``buf`` (JSON or MessagePack) untyped, rewrite unknown enum values, convert to ``type``.

    Raises msgspec's errors unchanged: the caller translates them.
    """
    data = _JSON.decode(buf) if format == "json" else msgspec.msgpack.decode(buf)
    return msgspec.convert(fix(data, type), type)


# --- the walk ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Enum:
    values: frozenset[str]


@dataclass(eq=False)
class _Sibling:
    name: str
    min_length: int
    max_length: int | None
    pattern: re.Pattern[str] | None

    def fits(self, raw: str) -> bool:
        return (len(raw) >= self.min_length and (self.max_length is None or len(raw) <= self.max_length)
                and (self.pattern is None or self.pattern.search(raw) is not None))


@dataclass(eq=False)
class _Struct:
    fields: list[tuple[str, _Node, _Sibling | None]] = field(default_factory=list)


@dataclass(eq=False)
class _Tagged:
    tag_field: str
    by_tag: dict[Any, _Struct]


@dataclass(eq=False)
class _Items:
    item: _Node
    mapping: bool  # a dict's values rather than a list's items


_Node = _Enum | _Struct | _Tagged | _Items


def fix(data: Any, type: Any) -> Any:
    """``data`` (plain dicts and lists) with every unknown value of an enum field replaced by ``other``.

    Changes ``data`` in place; the raw value goes to the ``*_source_code`` sibling when that is empty.
    """
    node = _plan(type)
    return data if node is None else _walk(node, data)


@functools.cache
def _plan(tp: Any) -> _Node | None:
    return _Planner().node(mi.type_info(tp))


def _unwrap(t: mi.Type) -> mi.Type:
    while isinstance(t, mi.Metadata):
        t = t.type
    return t


def _tolerant_enum(cls: type[enum.Enum]) -> bool:
    values = [member.value for member in cls]
    return all(isinstance(v, str) for v in values) and OTHER in values


class _Planner:
    """Builds the walk plan of one type: only the paths that lead to an enum with an ``other`` member."""

    def __init__(self) -> None:
        self.structs: dict[type[Any], _Struct | None] = {}

    def node(self, t: mi.Type) -> _Node | None:
        t = _unwrap(t)
        if isinstance(t, mi.EnumType):
            return _Enum(frozenset(m.value for m in t.cls)) if _tolerant_enum(t.cls) else None
        if isinstance(t, mi.StructType):
            return self.struct(t)
        if isinstance(t, mi.UnionType):
            members = [_unwrap(m) for m in t.types if not isinstance(_unwrap(m), mi.NoneType)]
            structs = [m for m in members if isinstance(m, mi.StructType)]
            if len(structs) > 1 and all(s.tag_field is not None for s in structs):
                by_tag = {s.tag: plan for s in structs if (plan := self.struct(s)) is not None}
                return _Tagged(str(structs[0].tag_field), by_tag) if by_tag else None
            plans = [found for m in members if (found := self.node(m)) is not None]
            return plans[0] if len(plans) == 1 else None  # no other union appears in the model
        if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            item = self.node(t.item_type)
            return None if item is None else _Items(item, mapping=False)
        if isinstance(t, mi.DictType):
            value = self.node(t.value_type)
            return None if value is None else _Items(value, mapping=True)
        return None

    def struct(self, t: mi.StructType) -> _Struct | None:
        if t.cls in self.structs:
            return self.structs[t.cls]
        if not any(_tolerant_enum(cls) for cls in reachable_types(t.cls)[1].values()):
            self.structs[t.cls] = None
            return None
        plan = _Struct()
        self.structs[t.cls] = plan  # registered first: a recursive type finds itself
        by_name = {f.name: f for f in t.fields}
        for f in t.fields:
            child = self.node(f.type)
            if child is not None:
                sibling = _sibling(by_name.get(f.name + SUFFIX)) if isinstance(child, _Enum) else None
                plan.fields.append((f.encode_name, child, sibling))
        return plan


def _sibling(f: mi.Field | None) -> _Sibling | None:
    """The ``*_source_code`` field as a target for the raw value: a string field, with its limits."""
    if f is None:
        return None
    t = _unwrap(f.type)
    if isinstance(t, mi.UnionType):
        members = [_unwrap(m) for m in t.types if not isinstance(_unwrap(m), mi.NoneType)]
        t = members[0] if len(members) == 1 else t
    if not isinstance(t, mi.StrType):
        return None
    return _Sibling(f.encode_name, t.min_length or 0, t.max_length,
                    re.compile(t.pattern) if t.pattern is not None else None)


def _walk(node: _Node, value: Any) -> Any:
    if isinstance(node, _Enum):
        return OTHER if isinstance(value, str) and value not in node.values else value
    if isinstance(node, _Struct):
        if isinstance(value, dict):
            _fix_struct(node, value)
    elif isinstance(node, _Tagged):
        if isinstance(value, dict):
            plan = node.by_tag.get(value.get(node.tag_field))
            if plan is not None:
                _fix_struct(plan, value)
    elif node.mapping:
        if isinstance(value, dict):
            for key, item in value.items():
                value[key] = _walk(node.item, item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = _walk(node.item, item)
    return value


def _fix_struct(plan: _Struct, data: dict[Any, Any]) -> None:
    for name, child, sibling in plan.fields:
        if name not in data:
            continue
        value = data[name]
        if not isinstance(child, _Enum):
            _walk(child, value)
        elif isinstance(value, str) and value not in child.values:
            data[name] = OTHER
            if sibling is not None and data.get(sibling.name) in (None, "") and sibling.fits(value):
                data[sibling.name] = value


# --- Avro: the writer's extra symbols -------------------------------------------------------------------


_READERS: dict[Hashable, tuple[Any, Any]] = {}
_READERS_MAX = 256


def avro_reader(reader: Any, writer: Any, parse: Callable[[Any], Any], *, logical: bool,
                key: Hashable | None = None) -> Any | None:
    """The parsed reader schema widened by the enum symbols ``writer`` has and ``reader`` lacks, or None.

    ``reader`` is mfgcanon's own Avro schema (JSON form, logical types), ``writer`` the writer's schema
    (JSON form or parsed); ``logical=False`` gives the physical form the schemaless codec reads with.
    None (the usual case) means the writer adds no symbol: read with the plain reader schema. Cached per
    (reader, writer): by ``key`` when given (a container header's schema text), else by the identity of
    ``writer`` (the codec's own cached, parsed writer schema).
    """
    cache_key = (id(reader), logical, ("key", key) if key is not None else ("id", id(writer)))
    known = _READERS.get(cache_key)
    if known is not None and (key is not None or known[0] is writer):
        return known[1]
    extra = _extra_symbols(reader, writer)
    widened = None
    if extra:
        schema = _widen(reader, extra)
        widened = parse(schema if logical else physical(schema))
    if len(_READERS) >= _READERS_MAX:
        _READERS.clear()
    _READERS[cache_key] = (reader if key is not None else writer, widened)
    return widened


def _extra_symbols(reader: Any, writer: Any) -> dict[str, list[str]]:
    ours = _enums(reader)
    extra: dict[str, list[str]] = {}
    for name, symbols in _enums(writer).items():
        known = ours.get(name)
        if known is not None:
            missing = [s for s in symbols if s not in known]
            if missing:
                extra[name] = missing
    return extra


def _full_name(schema: dict[str, Any], namespace: str) -> tuple[str, str]:
    """(full name, namespace its children inherit) of a named Avro type."""
    name = str(schema.get("name", ""))
    if "." in name:
        return name, name.rsplit(".", 1)[0]
    space = str(schema.get("namespace", namespace) or "")
    return (f"{space}.{name}" if space else name), space


def _enums(schema: Any, namespace: str = "", found: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Every enum defined in a schema (JSON form or fastavro-parsed): full name -> symbols."""
    found = {} if found is None else found
    if isinstance(schema, list):
        for branch in schema:
            _enums(branch, namespace, found)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind == "enum":
            found[_full_name(schema, namespace)[0]] = list(schema.get("symbols", []))
        elif kind in ("record", "error"):
            space = _full_name(schema, namespace)[1]
            for f in schema.get("fields", []):
                _enums(f.get("type"), space, found)
        elif kind == "array":
            _enums(schema.get("items"), namespace, found)
        elif kind == "map":
            _enums(schema.get("values"), namespace, found)
        elif isinstance(kind, dict | list):
            _enums(kind, namespace, found)
    return found


def _widen(schema: Any, extra: dict[str, list[str]], namespace: str = "") -> Any:
    """A copy of ``schema`` whose enums named in ``extra`` also list those symbols (after their own)."""
    if isinstance(schema, list):
        return [_widen(branch, extra, namespace) for branch in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind == "enum":
        name = _full_name(schema, namespace)[0]
        return {**schema, "symbols": [*schema["symbols"], *extra[name]]} if name in extra else schema
    if kind in ("record", "error"):
        space = _full_name(schema, namespace)[1]
        return {**schema, "fields": [{**f, "type": _widen(f["type"], extra, space)} for f in schema["fields"]]}
    if kind == "array":
        return {**schema, "items": _widen(schema["items"], extra, namespace)}
    if kind == "map":
        return {**schema, "values": _widen(schema["values"], extra, namespace)}
    if isinstance(kind, dict | list):
        return {**schema, "type": _widen(kind, extra, namespace)}
    return schema


def open_container(fileobj: IO[bytes], fastavro: Any, reader: Any, parsed: Any) -> tuple[Any, bool]:
    """(fastavro reader of a container file, whether it reads the writer's extra enum symbols verbatim).

    ``reader`` is mfgcanon's Avro schema (JSON form), ``parsed`` the same parsed. The header names the
    writer's schema only once the file is open; when it has enum symbols ours lack, the file is opened
    again from the start with the widened schema. A stream that cannot seek is replayed from what the first
    opening read (the header alone: fastavro reads blocks lazily).
    """
    start = fileobj.tell() if _seekable(fileobj) else None
    source: Any = fileobj if start is not None else _Recording(fileobj)
    opened = fastavro.reader(source, reader_schema=parsed)
    widened = avro_reader(reader, opened.writer_schema, fastavro.parse_schema, logical=True,
                          key=opened.metadata.get("avro.schema"))
    head = b""
    if isinstance(source, _Recording):
        head, source.seen = b"".join(source.seen or ()), None
    if widened is None:
        return opened, False
    if start is not None:
        fileobj.seek(start)
        return fastavro.reader(fileobj, reader_schema=widened), True
    return fastavro.reader(_Replay(head, fileobj), reader_schema=widened), True


def _seekable(fileobj: Any) -> bool:
    try:
        return bool(fileobj.seekable())
    except (AttributeError, ValueError, OSError):
        return False


class _Recording:
    """A forward-only stream that keeps what it serves until told to stop (``seen = None``)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.seen: list[bytes] | None = []

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        if self.seen is not None:
            self.seen.append(data)
        return data


class _Replay:
    """``head`` again, then the rest of ``inner``: a forward-only stream read from its start a second time."""

    def __init__(self, head: bytes, inner: IO[bytes]) -> None:
        self.head = io.BytesIO(head)
        self.inner = inner

    def read(self, size: int = -1) -> bytes:
        data = self.head.read(size)
        if size is None or size < 0:
            return data + self.inner.read()
        return data + self.inner.read(size - len(data)) if len(data) < size else data
