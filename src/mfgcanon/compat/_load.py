"""Turning what users pass (parsed JSON, JSON text, paths) into a decoded document, and guessing its kind."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Final

import msgspec

from mfgcanon.compat._errors import SchemaInputError
from mfgcanon.compat._report import SchemaType

__all__ = ["SchemaInput", "SchemaText", "detect", "label_of", "read", "read_raw"]

SchemaInput = Any  # dict | list | str | bool | bytes | os.PathLike[str] | SchemaText


class SchemaText:
    """Schema bytes that did not come from a file on disk (a git object, a registry), with a name.

    ``name`` is what messages and locations call the file (``main:schemas/avro/v1/material.avsc``).
    """

    __slots__ = ("data", "name")

    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.name = name

    def __repr__(self) -> str:
        return f"SchemaText({self.name!r}, {len(self.data)} bytes)"

_AVRO_ONLY_TYPES: Final = frozenset(
    {
        "record",
        "error",
        "enum",
        "fixed",
        "map",
        "int",
        "long",
        "float",
        "double",
        "bytes",
    }
)
_JSON_TYPES: Final = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
_AVRO_PRIMITIVES: Final = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_JSON_ONLY_KEYS: Final = frozenset(
    {
        "$schema",
        "$ref",
        "$defs",
        "definitions",
        "properties",
        "required",
        "additionalProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "enum",
        "const",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "prefixItems",
        "patternProperties",
        "additionalItems",
        "contains",
        "title",
        "description",
        "$id",
        "format",
    }
)
_AVRO_ONLY_KEYS: Final = frozenset(
    {"fields", "symbols", "logicalType", "namespace", "aliases", "size", "values"}
)
_BYTE_RE: Final = re.compile(r"byte (\d+)")


def label_of(value: SchemaInput) -> str | None:
    """A file name for messages when the schema came from a file."""
    if isinstance(value, os.PathLike):
        return str(os.fspath(value))
    return None


def _decode(text: bytes | str, source: str | None) -> Any:
    try:
        return msgspec.json.decode(text)
    except RecursionError:
        raise SchemaInputError(
            "SCHEMA_TOO_DEEP", "schema nesting is too deep to read (about 900 levels or more)", source=source
        ) from None
    except msgspec.DecodeError as exc:
        message = str(exc)
        data = text.encode() if isinstance(text, str) else text
        match = _BYTE_RE.search(message)
        path = None
        if match:
            offset = int(match.group(1))
            line = data.count(b"\n", 0, offset) + 1
            col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
            path = f"line {line}, column {col}"
        raise SchemaInputError(
            "INVALID_JSON", f"not valid JSON: {message}", path=path, source=source
        ) from None


def read(value: SchemaInput) -> tuple[Any, str | None]:
    """The decoded document and the file it came from (``None`` for in-memory input)."""
    doc, source, _ = read_raw(value)
    return doc, source


def read_raw(value: SchemaInput) -> tuple[Any, str | None, bytes | str | None]:
    """:func:`read`, plus the JSON text when there was one (for line and column numbers)."""
    if isinstance(value, SchemaText):
        return _decode(value.data, value.name), value.name, value.data
    if isinstance(value, os.PathLike):
        path = Path(value)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SchemaInputError(
                "UNREADABLE", f"cannot read schema file: {exc.strerror or exc}", source=str(path)
            ) from None
        return _decode(data, str(path)), str(path), data
    if isinstance(value, (bytes, bytearray)):
        return _decode(bytes(value), None), None, bytes(value)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped in _AVRO_PRIMITIVES:
            return stripped, None, None
        if stripped[:1] in ("{", "[", '"') or stripped in ("true", "false"):
            return _decode(stripped, None), None, stripped
        if stripped and "\n" not in stripped and os.path.exists(stripped):
            return read_raw(Path(stripped))
        raise SchemaInputError("UNREADABLE", f"not JSON text and no such file: {stripped[:80]!r}")
    if isinstance(value, (dict, list, bool)):
        return value, None, None
    raise SchemaInputError("UNREADABLE", f"cannot use a {type(value).__name__} as a schema")


def detect(doc: Any, source: str | None = None) -> SchemaType | None:
    """AVRO or JSON when the document says which, ``None`` when valid as either (``{"type":"string"}``)."""
    if source is not None:
        lowered = source.lower()
        if lowered.endswith(".avsc"):
            return SchemaType.AVRO
        if lowered.endswith(".schema.json"):
            return SchemaType.JSON
    if isinstance(doc, bool):
        return SchemaType.JSON
    if isinstance(doc, (str, list)):
        return SchemaType.AVRO
    if not isinstance(doc, dict):
        return None
    keys = doc.keys()
    if keys & _AVRO_ONLY_KEYS:
        return SchemaType.AVRO
    if keys & _JSON_ONLY_KEYS:
        return SchemaType.JSON
    type_ = doc.get("type")
    if isinstance(type_, str):
        if type_ in _AVRO_ONLY_TYPES:
            return SchemaType.AVRO
        if type_ in ("object", "integer", "number"):
            return SchemaType.JSON
        if type_ == "array":
            items = doc.get("items")
            if isinstance(items, (str, list)):
                return SchemaType.AVRO
            if isinstance(items, bool):
                return SchemaType.JSON
            return detect(items) if isinstance(items, dict) else SchemaType.JSON
        if type_ not in _JSON_TYPES:
            return SchemaType.AVRO  # a named-type reference
        return None
    if isinstance(type_, list):
        return (
            SchemaType.JSON
            if all(isinstance(t, str) and t in _JSON_TYPES for t in type_)
            else SchemaType.AVRO
        )
    if isinstance(type_, dict):
        return SchemaType.AVRO
    return SchemaType.JSON if type_ is None else None
