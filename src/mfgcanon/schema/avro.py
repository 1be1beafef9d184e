"""Avro schemas for the canonical model, emitted from ``msgspec.inspect`` type information.

Mapping (the contract every Avro consumer relies on; ``docs/schemas.md`` explains the choices):

* struct -> ``record`` named ``<namespace>.<ClassName>`` where the namespace embeds the major
  version (``mfgcanon.v1.ProductionConfirmation``); ``doc`` from the class docstring and the field
  descriptions. A named type is defined once per schema document and referenced by full name after.
* the entity tag (``kind``) and the event tag (``type``) -> a ``string`` field, first in the record,
  whose default is the tag. A string (not a one-symbol enum) keeps a union of records resolvable by
  every reader and lets a newer writer add entity kinds without touching existing records.
* ``Decimal`` -> ``bytes`` with logical type ``decimal``, precision and scale from
  ``Meta(extra={"avro": {...}})`` (a decimal without them is a model bug: :class:`SchemaError`).
* tz-aware ``datetime`` -> ``long``/``timestamp-micros`` (UTC); ``date`` -> ``int``/``date``;
  ``UUID`` -> ``string``/``uuid``; ``int`` -> ``long``; ``Literal[str, ...]`` -> ``string``.
* ``StrEnum`` -> ``enum`` with a ``default`` symbol (``other`` where the enum has it, else the first)
  so an old reader survives a symbol added later.
* ``T | None`` -> ``["null", T]`` with default ``null``; a union's default always matches its FIRST
  branch (the Avro spec rule Java enforces; :func:`lint` checks every schema we write).
* ``list`` -> ``array`` (default ``[]``), ``dict[str, V]`` -> ``map``; unions of tagged structs ->
  unions of records.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import msgspec
import msgspec.inspect as mi

from mfgcanon.schema import SchemaError
from mfgcanon.schema._docs import class_doc

AvroSchema = str | dict[str, Any] | list[Any]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAJOR = re.compile(r"^v\d+$")
TAG_DOC = "Entity kind: the stable wire tag of this record type."
EVENT_TAG_DOC = "CloudEvents type attribute, e.g. mfgcanon.production.confirmed.v1."


def namespace_of(cls: type[Any]) -> str:
    """``mfgcanon.v1`` for any class defined under ``mfgcanon.v1.*``: the major version is in the name."""
    parts = cls.__module__.split(".")
    for index, part in enumerate(parts):
        if _MAJOR.match(part):
            return ".".join(parts[: index + 1])
    return parts[0]


def full_name(cls: type[Any]) -> str:
    """The Avro full name of a struct or enum class, e.g. ``mfgcanon.v1.ProductionConfirmation``."""
    return f"{namespace_of(cls)}.{cls.__name__}"


def enum_default(cls: type[enum.Enum]) -> str:
    """The symbol an old reader substitutes for one it does not know: ``other``, else the first."""
    symbols = [str(member.value) for member in cls]
    return "other" if "other" in symbols else symbols[0]


def _unwrap(t: mi.Type) -> tuple[mi.Type, dict[str, Any], dict[str, Any]]:
    """Strip (possibly nested) ``Metadata``; return the type, merged JSON-schema extras and extras."""
    schema_extra: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    while isinstance(t, mi.Metadata):
        schema_extra = {**(t.extra_json_schema or {}), **schema_extra}
        extra = {**(t.extra or {}), **extra}
        t = t.type
    return t, schema_extra, extra


class _Emitter:
    """One schema document: remembers which named types it has defined already."""

    def __init__(self) -> None:
        self.defined: set[str] = set()

    def emit(self, t: mi.Type, extra: dict[str, Any] | None = None, path: str = "$") -> AvroSchema:
        t, _, more = _unwrap(t)
        extra = {**(extra or {}), **more}
        if isinstance(t, mi.StructType):
            return self._record(t, path)
        if isinstance(t, mi.UnionType):
            return self._union(t.types, extra, path)
        if isinstance(t, mi.NoneType):
            return "null"
        if isinstance(t, mi.StrType):
            return "string"
        if isinstance(t, mi.BoolType):
            return "boolean"
        if isinstance(t, mi.IntType):
            return "long"
        if isinstance(t, mi.FloatType):
            return "double"
        if isinstance(t, mi.BytesType | mi.ByteArrayType | mi.MemoryViewType):
            return "bytes"
        if isinstance(t, mi.DecimalType):
            avro = extra.get("avro")
            if not isinstance(avro, dict) or "precision" not in avro or "scale" not in avro:
                raise SchemaError("a Decimal needs Meta(extra={'avro': {'precision': p, 'scale': s}})", path=path)
            return {"type": "bytes", "logicalType": "decimal", "precision": int(avro["precision"]),
                    "scale": int(avro["scale"])}
        if isinstance(t, mi.DateTimeType):
            if t.tz is not True:
                raise SchemaError("only timezone-aware datetimes (Meta(tz=True)) map to timestamp-micros", path=path)
            return {"type": "long", "logicalType": "timestamp-micros"}
        if isinstance(t, mi.DateType):
            return {"type": "int", "logicalType": "date"}
        if isinstance(t, mi.UUIDType):
            return {"type": "string", "logicalType": "uuid"}
        if isinstance(t, mi.EnumType):
            return self._enum(t.cls, path)
        if isinstance(t, mi.LiteralType):
            if all(isinstance(v, str) for v in t.values):
                return "string"
            if all(isinstance(v, int) and not isinstance(v, bool) for v in t.values):
                return "long"
            raise SchemaError(f"mixed Literal values {t.values!r} have no Avro type", path=path)
        if isinstance(t, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            return {"type": "array", "items": self.emit(t.item_type, None, f"{path}[*]")}
        if isinstance(t, mi.DictType):
            key, _, _ = _unwrap(t.key_type)
            if not isinstance(key, mi.StrType):
                raise SchemaError("Avro maps need string keys", path=path)
            return {"type": "map", "values": self.emit(t.value_type, None, f"{path}.*")}
        raise SchemaError(f"no Avro mapping for {type(t).__name__}", path=path)

    def _enum(self, cls: type[enum.Enum], path: str) -> AvroSchema:
        name = full_name(cls)
        if name in self.defined:
            return name
        symbols = [str(member.value) for member in cls]
        bad = [s for s in symbols if not _NAME.match(s)]
        if bad:
            raise SchemaError(f"enum {cls.__name__} values {bad} are not valid Avro symbols", path=path)
        self.defined.add(name)
        schema: dict[str, Any] = {"type": "enum", "name": cls.__name__, "namespace": namespace_of(cls),
                                  "symbols": symbols, "default": enum_default(cls)}
        text = class_doc(cls)
        if text:
            schema["doc"] = text
        return schema

    def _record(self, t: mi.StructType, path: str) -> AvroSchema:
        name = full_name(t.cls)
        if name in self.defined:
            return name
        self.defined.add(name)
        fields: list[dict[str, Any]] = []
        if t.tag_field is not None:
            fields.append({"name": t.tag_field, "type": "string", "default": t.tag,
                           "doc": EVENT_TAG_DOC if t.tag_field == "type" else TAG_DOC})
        for field in t.fields:
            fields.append(self._field(field, f"{path}.{field.encode_name}"))
        schema: dict[str, Any] = {"type": "record", "name": t.cls.__name__, "namespace": namespace_of(t.cls),
                                  "fields": fields}
        text = class_doc(t.cls)
        if text:
            schema["doc"] = text
        return schema

    def _field(self, field: mi.Field, path: str) -> dict[str, Any]:
        inner, schema_extra, extra = _unwrap(field.type)
        entry: dict[str, Any] = {"name": field.encode_name}
        description = schema_extra.get("description")
        if description:
            entry["doc"] = description
        if field.required:
            entry["type"] = self.emit(inner, extra, path)
            return entry
        default = _python_default(field, path)
        if isinstance(inner, mi.UnionType):
            entry["type"] = self._union(inner.types, extra, path, default=default)
        else:
            entry["type"] = self.emit(inner, extra, path)
        entry["default"] = _avro_default(default, path)
        return entry

    def _union(self, types: tuple[mi.Type, ...], extra: dict[str, Any], path: str,
               default: Any = msgspec.NODEFAULT) -> AvroSchema:
        has_null = any(isinstance(_unwrap(t)[0], mi.NoneType) for t in types)
        others = [t for t in types if not isinstance(_unwrap(t)[0], mi.NoneType)]
        branches: list[Any] = []
        if has_null:
            branches.append("null")
        for member in others:
            emitted = self.emit(member, extra, path)
            branches.extend(emitted if isinstance(emitted, list) else [emitted])
        if default is not msgspec.NODEFAULT and default is not None and has_null:
            # the default must match the FIRST branch: put the non-null branch it belongs to first
            branches = [b for b in branches if b != "null"] + ["null"]
        if len(branches) == 1:
            only: AvroSchema = branches[0]
            return only
        return branches


def _python_default(field: mi.Field, path: str) -> Any:
    if field.default_factory is not msgspec.NODEFAULT:
        made = field.default_factory()
        if made not in ([], {}, set(), frozenset()):
            raise SchemaError("only empty-collection default factories map to Avro defaults", path=path)
        return made
    return field.default


def _avro_default(value: Any, path: str) -> Any:
    """The JSON form of a Python default, as Avro writes it in a schema."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | set | frozenset):
        return [_avro_default(v, path) for v in value]
    if isinstance(value, dict):
        return {k: _avro_default(v, path) for k, v in value.items()}
    if isinstance(value, Decimal | _dt.datetime | _dt.date | uuid.UUID):
        raise SchemaError(f"a default of type {type(value).__name__} is not supported in Avro exports", path=path)
    raise SchemaError(f"unsupported default {value!r}", path=path)


def avro_schema(tp: Any) -> AvroSchema:
    """A self-contained Avro schema for a struct type (or a union of them)."""
    return _Emitter().emit(mi.type_info(tp))


# --- lint: a union default must match the union's first branch ------------------------------------------


def _walk_named(schema: Any, named: dict[str, Any]) -> None:
    if isinstance(schema, list):
        for branch in schema:
            _walk_named(branch, named)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind in ("record", "enum", "fixed"):
            name = schema["name"] if "." in schema["name"] else f"{schema.get('namespace', '')}.{schema['name']}"
            named[name.lstrip(".")] = schema
            for field in schema.get("fields", []):
                _walk_named(field["type"], named)
        elif kind == "array":
            _walk_named(schema["items"], named)
        elif kind == "map":
            _walk_named(schema["values"], named)


def _matches(schema: Any, value: Any, named: dict[str, Any]) -> bool:
    """Whether a JSON default value is valid for a (non-union) Avro schema."""
    if isinstance(schema, str) and schema in named:
        schema = named[schema]
    kind = schema if isinstance(schema, str) else schema.get("type") if isinstance(schema, dict) else None
    if isinstance(schema, list):
        return bool(schema) and _matches(schema[0], value, named)
    if isinstance(kind, dict | list):
        return _matches(kind, value, named)
    checks: dict[str, Any] = {
        "null": lambda v: v is None,
        "boolean": lambda v: isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "double": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "bytes": lambda v: isinstance(v, str),
    }
    if kind in checks:
        return bool(checks[kind](value))
    assert isinstance(schema, dict)
    if kind == "enum":
        return value in schema["symbols"]
    if kind == "array":
        return isinstance(value, list) and all(_matches(schema["items"], v, named) for v in value)
    if kind == "map":
        return isinstance(value, dict) and all(_matches(schema["values"], v, named) for v in value.values())
    if kind == "record":
        return isinstance(value, dict) and all(
            _matches(f["type"], value[f["name"]], named) if f["name"] in value else "default" in f
            for f in schema["fields"])
    if kind == "fixed":
        return isinstance(value, str) and len(value) == schema["size"]
    return False


def _fields(schema: Any, named: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, record in named.items():
        if record.get("type") == "record":
            for field in record["fields"]:
                yield f"{name}.{field['name']}", field


def lint(schema: AvroSchema) -> list[str]:
    """Problems in field defaults: every default must match its type, a union's its FIRST branch."""
    named: dict[str, Any] = {}
    _walk_named(schema, named)
    problems: list[str] = []
    for where, field in _fields(schema, named):
        if "default" not in field:
            continue
        if not _matches(field["type"], field["default"], named):
            branch = field["type"][0] if isinstance(field["type"], list) else field["type"]
            problems.append(f"{where}: default {field['default']!r} does not match "
                            f"{'the first union branch ' if isinstance(field['type'], list) else ''}{branch!r}")
    for name, enum_schema in named.items():
        if enum_schema.get("type") == "enum" and enum_schema.get("default", enum_schema["symbols"][0]) not in (
                enum_schema["symbols"]):
            problems.append(f"{name}: enum default is not one of its symbols")
    return problems


def physical(schema: Any) -> Any:
    """The same schema with logical types dropped: identical bytes on the wire, plain bytes/ints in Python.

    The codec writes and reads through this form and converts logical values itself, once per field,
    with converters compiled per type (faster than fastavro's generic logical-type dispatch).
    """
    if isinstance(schema, list):
        return [physical(s) for s in schema]
    if isinstance(schema, dict):
        if "logicalType" in schema:
            return schema["type"]
        out = dict(schema)
        if out.get("type") == "record":
            out["fields"] = [{**f, "type": physical(f["type"])} for f in schema["fields"]]
        elif out.get("type") == "array":
            out["items"] = physical(schema["items"])
        elif out.get("type") == "map":
            out["values"] = physical(schema["values"])
        elif isinstance(out.get("type"), dict | list):
            out["type"] = physical(out["type"])
        return out
    return schema
