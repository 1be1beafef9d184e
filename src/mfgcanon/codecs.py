"""JSON, NDJSON and MessagePack codecs for canonical entities and events.

Encoders and decoders are built once per (type, format) and reused, as msgspec intends; decoding
validates in the same pass. Failures are always :mod:`mfgcanon.errors` types whose message names the
JSON path of the offending field and a stable error code.

Decimals are JSON strings on the way out; datetimes keep their offset in JSON and become UTC in
MessagePack (its timestamp extension stores an instant), so values compare equal either way.
"""

from __future__ import annotations

import builtins
import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any, Literal, TypeVar, cast, overload

import msgspec

from mfgcanon.errors import DecodeError, EncodeError, ErrorCode, MfgcanonError, ValidationError
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
            return json_decoder(type).decode(buf)
        if isinstance(buf, str):
            raise DecodeError("MessagePack input must be bytes, not text", code="malformed_input")
        return msgpack_decoder(type).decode(buf)
    except msgspec.ValidationError as exc:
        value = _tolerate(buf, type, format, exc)
        if isinstance(value, MfgcanonError):
            raise value from None
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
    except msgspec.DecodeError as exc:
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
        except msgspec.ValidationError as exc:
            value = _tolerate(line, type, "json", exc, index)
        except (msgspec.DecodeError, ValueError) as exc:
            value = translate(exc, record_index=index)
        yield index, value


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
