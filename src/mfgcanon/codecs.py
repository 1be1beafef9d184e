"""JSON, NDJSON and MessagePack codecs for canonical entities and events.

Encoders and decoders are built once per (type, format) and reused, as msgspec intends; decoding
validates in the same pass. Failures are always :mod:`mfgcanon.errors` types whose message names the
JSON path of the offending field and a stable error code.

Decimals are JSON strings on the way out; datetimes keep their offset in JSON and become UTC in
MessagePack (its timestamp extension stores an instant), so values compare equal either way.

Untrusted input (see ``docs/security.md``): JSON must be UTF-8 throughout (unknown fields included);
nesting deeper than the interpreter's recursion limit is a ``nesting_too_deep`` :class:`DecodeError`,
never a ``RecursionError``; a decimal string must be spelled as the exported JSON Schema's pattern
says (Python's ``Decimal`` alone would take ``"+5"``, ``"1_000"``, ``" 1"`` and non-ASCII digits).
"""

from __future__ import annotations

import builtins
import functools
import re
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal, TypeVar, cast, overload

import msgspec
import msgspec.inspect as mi

from mfgcanon.errors import DecodeError, EncodeError, ErrorCode, MfgcanonError, ValidationError
from mfgcanon.types import SIGNED_DECIMAL_PATTERN
from mfgcanon.v1 import events as _v1_events

builtins_type = builtins.type  # `type` is shadowed by the msgspec-style keyword below
Format = Literal["json", "msgpack"]
T = TypeVar("T")

_JSON_ENCODER = msgspec.json.Encoder()
_MSGPACK_ENCODER = msgspec.msgpack.Encoder()

_AT_PATH = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)
_HOOK = re.compile(r"^\[(?P<code>[a-z_]+)\] (?P<field>[A-Za-z_][A-Za-z0-9_]*): (?P<message>.*)$", re.DOTALL)
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_BYTE = re.compile(r"\(byte (?P<position>\d+)\)")
_TAG_FIELDS = ("kind", "type")


# The decimal spelling rule: the JSON Schema pattern, read with ASCII digits and `\Z` (Python's `$` would
# also match before a final newline). The sign of unsigned decimals is the model's check.
_DECIMAL_TEXT = re.compile(SIGNED_DECIMAL_PATTERN.rstrip("$") + r"\Z", re.ASCII)
# A stand-in for every decimal in the spelling pass below: msgspec's lax float reading takes exactly
# the JSON number grammar, so every badly spelled decimal fails it (and so, rarely, do good ones such as
# ".5" or "007", which the exact check then lets through). The bounds send NaN and infinity there too.
_SPELLING = Annotated[float, msgspec.Meta(ge=-1e300, le=1e300)]


def _deep(record_index: int | None = None) -> DecodeError:
    return DecodeError("input nests deeper than mfgcanon reads (about 900 levels of arrays and objects)",
                       code="nesting_too_deep", record_index=record_index, cause_type="RecursionError")


def _not_utf8(exc: UnicodeDecodeError, record_index: int | None = None) -> DecodeError:
    return DecodeError(f"input is not valid UTF-8 text: {exc.reason}", code="malformed_input", position=exc.start,
                       record_index=record_index, cause_type=builtins_type(exc).__name__)


def _check_utf8(buf: bytes | bytearray | memoryview | str, record_index: int | None = None) -> None:
    """JSON is UTF-8 throughout: msgspec checks the strings it keeps, not those of fields it skips."""
    if isinstance(buf, str):
        return
    if isinstance(buf, memoryview):
        buf = buf.tobytes()
    if buf.isascii():  # the usual case: one fast pass, no copy
        return
    try:
        str(buf, "utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(exc, record_index) from None


def _reaches_decimal(t: mi.Type, seen: set[type[Any]] | None = None) -> bool:
    """Whether a value of this type can hold a Decimal anywhere inside."""
    seen = set() if seen is None else seen
    while isinstance(t, mi.Metadata):
        t = t.type
    if isinstance(t, mi.DecimalType):
        return True
    if isinstance(t, mi.StructType):
        if t.cls in seen:
            return False
        seen.add(t.cls)
        return any(_reaches_decimal(f.type, seen) for f in t.fields)
    if isinstance(t, mi.UnionType):
        return any(_reaches_decimal(m, seen) for m in t.types)
    if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return _reaches_decimal(t.item_type, seen)
    if isinstance(t, mi.TupleType):
        return any(_reaches_decimal(i, seen) for i in t.item_types)
    if isinstance(t, mi.DictType):
        return _reaches_decimal(t.value_type, seen)
    return False


class _NoShadow(Exception):
    """A type the spelling pass cannot mirror: its decimals are checked by the exact walk instead."""


def _shadow(t: mi.Type, cache: dict[type[Any], Any], in_union: bool = False) -> Any:
    """The mirror of ``t`` keeping only what leads to a decimal, each decimal read as ``_SPELLING``.

    ``None`` for a part without decimals (its field is left out, so msgspec skips it unread). Struct
    members of a union keep their tag even without decimals, so the union still decodes.
    """
    while isinstance(t, mi.Metadata):
        t = t.type
    if isinstance(t, mi.DecimalType):
        return _SPELLING
    if isinstance(t, mi.StructType):
        if not in_union and not _reaches_decimal(t):
            return None
        if t.cls in cache:
            if cache[t.cls] is None:
                raise _NoShadow(f"{t.cls.__name__} contains itself")
            return cache[t.cls]
        cache[t.cls] = None
        fields = []
        for field in t.fields:
            inner = _shadow(field.type, cache)
            if inner is not None:
                fields.append((field.name, inner | None, msgspec.field(default=None, name=field.encode_name)))
        config: dict[str, Any] = {}
        if t.tag_field is not None:
            config = {"tag_field": t.tag_field, "tag": t.tag}
        mirror = msgspec.defstruct(f"_Spelling{t.cls.__name__}", fields, gc=False, **config)
        cache[t.cls] = mirror
        return mirror
    if isinstance(t, mi.UnionType):
        structs = sum(isinstance(_unwrapped(m), mi.StructType) for m in t.types) > 1
        members = [_shadow(m, cache, in_union=structs) for m in t.types]
        kept = [m for m in members if m is not None]
        if not kept:
            return None
        union: Any = kept[0]
        for member in kept[1:]:
            union = union | member
        return union
    if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        item = _shadow(t.item_type, cache)
        return None if item is None else list[item]  # type: ignore[valid-type]
    if isinstance(t, mi.DictType):
        value = _shadow(t.value_type, cache)
        return None if value is None else dict[Any, value]  # type: ignore[valid-type]
    if _reaches_decimal(t):
        raise _NoShadow(f"cannot mirror {type(t).__name__}")
    return None


def _unwrapped(t: mi.Type) -> mi.Type:
    while isinstance(t, mi.Metadata):
        t = t.type
    return t


@functools.cache
def _spelling_decoder(type: Any, format: Format) -> Any:
    """The cached decoder of the spelling pass for a type: ``None`` without decimals, ``False`` when the
    type cannot be mirrored (the exact walk then runs every time)."""
    info = mi.type_info(type)
    if not _reaches_decimal(info):
        return None
    try:
        mirror = _shadow(info, {})
    except _NoShadow:
        return False
    if format == "json":
        return msgspec.json.Decoder(mirror, strict=False)
    return msgspec.msgpack.Decoder(mirror, strict=False)


def _check_spelling(buf: Any, type: Any, format: Format, record_index: int | None = None) -> None:
    """Refuse a decimal string the JSON Schema pattern refuses, in input that already decoded as ``type``.

    A second, light pass with every decimal read as a JSON-number-like float, in C; only when it fails
    (a bad spelling, or a rare good one such as ".5") does the exact walk below find and name the field.
    """
    decoder = _spelling_decoder(type, format)
    if decoder is None:
        return
    if decoder is not False:
        try:
            decoder.decode(buf)
            return
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass
    try:
        raw = msgspec.json.decode(buf) if format == "json" else msgspec.msgpack.decode(buf)
    except RecursionError:
        raise _deep(record_index) from None
    except (msgspec.DecodeError, UnicodeError) as exc:  # pragma: no cover - the typed decode read it already
        raise translate(exc, record_index=record_index) from None
    found = _bad_decimal(mi.type_info(type), raw, "$")
    if found is not None:
        path, text = found
        raise ValidationError(f"{text!r} is not a decimal as the schema spells it: ASCII digits, an optional '-', "
                              "'.' and exponent; no '+', spaces or '_'", code="invalid_value", path=path,
                              record_index=record_index)


def _bad_decimal(t: mi.Type, raw: Any, path: str) -> tuple[str, str] | None:
    """(path, text) of the first decimal string in ``raw`` that breaks the pattern, walking it as ``t``."""
    t = _unwrapped(t)
    if isinstance(t, mi.DecimalType):
        if isinstance(raw, str) and not _DECIMAL_TEXT.match(raw):
            return path, raw
        return None
    if isinstance(t, mi.StructType):
        if not isinstance(raw, dict):
            return None
        for field in t.fields:
            if field.encode_name in raw and _reaches_decimal(field.type):
                found = _bad_decimal(field.type, raw[field.encode_name], f"{path}.{field.encode_name}")
                if found:
                    return found
        return None
    if isinstance(t, mi.UnionType):
        for member in t.types:
            inner = _unwrapped(member)
            if isinstance(inner, mi.StructType) and inner.tag_field is not None and isinstance(raw, dict) \
                    and raw.get(inner.tag_field) != inner.tag:
                continue
            found = _bad_decimal(member, raw, path)
            if found:
                return found
        return None
    if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        if isinstance(raw, list):
            for index, item in enumerate(raw):
                found = _bad_decimal(t.item_type, item, f"{path}[{index}]")
                if found:
                    return found
        return None
    if isinstance(t, mi.DictType) and isinstance(raw, dict):
        for key, item in raw.items():
            found = _bad_decimal(t.value_type, item, f"{path}.{key}")
            if found:
                return found
    return None


@functools.cache
def json_decoder(type: Any) -> msgspec.json.Decoder[Any]:
    """The cached JSON decoder for a type (an entity, an event, or a union of them)."""
    return msgspec.json.Decoder(type)


@functools.cache
def msgpack_decoder(type: Any) -> msgspec.msgpack.Decoder[Any]:
    """The cached MessagePack decoder for a type."""
    return msgspec.msgpack.Decoder(type)


def _classify(message: str, path: str) -> tuple[ErrorCode, str, str]:
    """Turn a msgspec validation message into (code, path, message) with the field's full path."""
    hook = _HOOK.match(message)
    if hook:
        code = cast(ErrorCode, hook["code"])
        return code, f"{path}.{hook['field']}", hook["message"]
    missing = _MISSING.match(message)
    if missing:
        return "missing_field", f"{path}.{missing['field']}", message
    if "with a timezone component" in message:
        return "naive_datetime", path, "datetime has no timezone offset; canonical instants must be timezone-aware"
    if message.startswith("Invalid value") and path.rsplit(".", 1)[-1] in _TAG_FIELDS:
        return "unknown_kind", path, message
    if message.startswith("Expected `") and (" of length " in message or "that matches" in message
                                             or " >= " in message or " <= " in message):
        return "constraint_violation", path, message
    if message.startswith("Expected `"):
        return "type_mismatch", path, message
    return "invalid_value", path, message


def translate(exc: Exception, *, record_index: int | None = None) -> MfgcanonError:
    """Map a msgspec (or hook) failure to the mfgcanon error tree; the path is kept."""
    if isinstance(exc, MfgcanonError):
        return exc if record_index is None else exc.with_record_index(record_index)
    text = str(exc)
    if isinstance(exc, msgspec.ValidationError):
        parts = _AT_PATH.match(text)
        assert parts is not None  # the pattern matches any text
        code, path, message = _classify(parts["message"], parts["path"] or "$")
        return ValidationError(message, code=code, path=path, record_index=record_index,
                               cause_type=type(exc).__name__)
    if isinstance(exc, msgspec.DecodeError):
        position = _BYTE.search(text)
        decode_code: ErrorCode = "truncated_input" if "truncated" in text else "malformed_input"
        message = _BYTE.sub("", text).strip()
        return DecodeError(message, code=decode_code, position=int(position["position"]) if position else None,
                           record_index=record_index, cause_type=type(exc).__name__)
    if isinstance(exc, UnicodeError):  # text that cannot be UTF-8 (lone surrogates): not JSON at all
        return DecodeError(f"input is not valid UTF-8 text: {text}", code="malformed_input", record_index=record_index,
                           cause_type=type(exc).__name__)
    if isinstance(exc, ValueError):  # a model hook run by a direct constructor call
        hook = _HOOK.match(text)
        if hook:
            return ValidationError(hook["message"], code=cast(ErrorCode, hook["code"]), path=f"$.{hook['field']}",
                                   record_index=record_index, cause_type=type(exc).__name__)
        return ValidationError(text, record_index=record_index, cause_type=type(exc).__name__)
    return EncodeError(f"{type(exc).__name__}: {text}", record_index=record_index, cause_type=type(exc).__name__)


@overload
def decode(buf: bytes | bytearray | memoryview | str, *, type: type[T], format: Format = "json") -> T: ...
@overload
def decode(buf: bytes | bytearray | memoryview | str, *, type: Any = ..., format: Format = "json") -> Any: ...
def decode(buf: bytes | bytearray | memoryview | str, *, type: Any = _v1_events.Event,
           format: Format = "json") -> Any:
    """Decode and validate one message; ``type`` defaults to any v1 event."""
    try:
        if format == "json":
            value = json_decoder(type).decode(buf)
            _check_utf8(buf)
        else:
            if isinstance(buf, str):
                raise DecodeError("MessagePack input must be bytes, not text", code="malformed_input")
            value = msgpack_decoder(type).decode(buf)
        _check_spelling(buf, type, format)
        return value
    except RecursionError:
        raise _deep() from None
    except msgspec.ValidationError as exc:
        value = _tolerate(buf, type, format, exc)
        if isinstance(value, MfgcanonError):
            raise value from None
        if format == "json":
            _check_utf8(buf)
        _check_spelling(buf, type, format)
        return value
    except msgspec.DecodeError as exc:
        raise translate(exc) from None
    except ValueError as exc:  # e.g. a unit registry error surfacing from a hook
        raise translate(exc) from None
    except TypeError as exc:  # not bytes-like at all
        raise DecodeError(f"cannot decode a {builtins_type(buf).__name__}: expected bytes or str",
                          code="malformed_input", cause_type=builtins_type(exc).__name__) from None


def _tolerate(buf: Any, type: Any, format: Format, exc: msgspec.ValidationError,
              record_index: int | None = None) -> Any:
    """The value, read again with unknown enum values as ``other`` (:mod:`mfgcanon._enum_tolerance`), when that
    was the failure; else (or if the second reading fails too) the translated error, returned, not raised."""
    from mfgcanon import _enum_tolerance  # the slow path only: not imported with the codecs

    if not _enum_tolerance.is_unknown_enum(exc):
        return translate(exc, record_index=record_index)
    try:
        return _enum_tolerance.redecode(buf, type, format)
    except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as again:
        return translate(again, record_index=record_index)


def record_type(raw: Any) -> Any:
    """The type to decode one parsed record as: any v1 event (has ``specversion``) or any entity (``kind``)."""
    if isinstance(raw, dict):
        if "specversion" in raw:
            return _v1_events.Event
        if "kind" in raw:
            return _v1_events.AnyEntity
        raise ValidationError("record is neither a CloudEvent (no 'specversion') nor an entity (no 'kind')",
                              code="unknown_kind", path="$")
    raise ValidationError(f"expected a JSON object, got {builtins_type(raw).__name__}", code="type_mismatch", path="$")


def decode_record(buf: bytes | str) -> Any:
    """Decode one JSON record whose type is not known in advance: an event or an entity, by its shape."""
    try:
        raw = msgspec.json.decode(buf)
    except RecursionError:
        raise _deep() from None
    except (msgspec.DecodeError, UnicodeError) as exc:
        raise translate(exc) from None
    return decode(buf, type=record_type(raw))


def encode(obj: Any, *, format: Format = "json") -> bytes:
    """Encode an entity or event (or a list of them) to JSON or MessagePack bytes."""
    try:
        if format == "json":
            return _JSON_ENCODER.encode(obj)
        return _MSGPACK_ENCODER.encode(obj)
    except (TypeError, ValueError, OverflowError) as exc:
        raise EncodeError(f"cannot encode {type(obj).__name__}: {exc}", cause_type=type(exc).__name__) from None


def encode_lines(objs: Iterable[Any]) -> bytes:
    """NDJSON: one JSON document per line, newline-terminated."""
    try:
        return _JSON_ENCODER.encode_lines(list(objs))
    except (TypeError, ValueError, OverflowError) as exc:
        raise EncodeError(f"cannot encode: {exc}", cause_type=type(exc).__name__) from None


def _decode_each(lines: Iterable[bytes | str], type: Any) -> Iterator[tuple[int, Any]]:
    """(record index, value or error) for each non-blank NDJSON line: the one loop both readers share."""
    decoder = json_decoder(type)
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            value = decoder.decode(line)
        except RecursionError:
            yield index, _deep(index)
            continue
        except msgspec.ValidationError as exc:
            value = _tolerate(line, type, "json", exc, index)
        except (msgspec.DecodeError, ValueError) as exc:
            value = translate(exc, record_index=index)
        if not isinstance(value, MfgcanonError):
            try:
                _check_utf8(line, index)
                _check_spelling(line, type, "json", index)
            except MfgcanonError as exc:
                value = exc
        yield index, value


@overload
def split_lines(buf: bytes) -> list[bytes]: ...
@overload
def split_lines(buf: str) -> list[str]: ...
def split_lines(buf: bytes | str) -> list[bytes] | list[str]:
    """The NDJSON records of a buffer, split exactly as :func:`decode_lines` splits them (at ``\n`` only).

    For tools that report per line (``mfgcanon validate``): one reader, one answer.
    """
    return _split(buf)  # type: ignore[return-value]  # bytes in, bytes out; str in, str out


def _split(buf: bytes | str) -> list[bytes | str]:
    """NDJSON records end at ``\n`` only: ``splitlines`` also cuts at U+2028 and U+0085 (str) or a bare
    ``\r`` (bytes), which JSON strings and whitespace may carry unescaped, splitting one record in two."""
    if isinstance(buf, str):
        return list(buf.split("\n"))
    return list(buf.split(b"\n"))


def iter_lines(lines: Iterable[bytes | str], *, type: Any = _v1_events.Event) -> Iterator[Any]:
    """Decode an NDJSON stream line by line; blank lines are skipped, errors name the record index.

    The first bad line raises. To keep going past bad records, use :func:`decode_lines_lenient`.
    """
    for _, value in _decode_each(lines, type):
        if isinstance(value, MfgcanonError):
            raise value
        yield value


def decode_lines(buf: bytes | str, *, type: Any = _v1_events.Event) -> list[Any]:
    """Decode a whole NDJSON buffer into a list (fail-fast, with the record index in the error)."""
    return list(iter_lines(_split(buf), type=type))


def decode_lines_lenient(
    buf: bytes | str, *, type: Any = _v1_events.Event,
) -> tuple[list[Any], list[MfgcanonError]]:
    """Decode every line that can be decoded; collect an error (with its record index) for each other."""
    good: list[Any] = []
    bad: list[MfgcanonError] = []
    for _, value in _decode_each(_split(buf), type):
        (bad if isinstance(value, MfgcanonError) else good).append(value)
    return good, bad


def validate(obj: T) -> T:
    """Check a value built in Python (constructors do not validate types or constraints).

    Mappers call this before handing out what they built; it returns an equal, validated copy.
    """
    try:
        checked: T = msgspec.convert(msgspec.to_builtins(obj), type(obj))
        return checked
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise translate(exc) from None


def to_builtins(obj: Any) -> Any:
    """Plain dicts, lists, strings (decimals and datetimes as strings): for DataFrames and other codecs."""
    try:
        return msgspec.to_builtins(obj)
    except (TypeError, ValueError) as exc:
        raise EncodeError(f"cannot convert {type(obj).__name__}: {exc}", cause_type=type(exc).__name__) from None
