"""Kafka serializers and deserializers for canonical events and entities (``confluent_kafka`` interface).

Each class subclasses ``confluent_kafka.serialization.Serializer`` or ``Deserializer`` and is called as
``serializer(obj, SerializationContext(topic, MessageField.VALUE))``, so it plugs into
``SerializingProducer``/``DeserializingConsumer`` or is called by hand before ``Producer.produce``.

* :class:`JsonSerializer` / :class:`MsgpackSerializer`: the plain codecs of :mod:`mfgcanon.codecs`, no registry.
* :class:`AvroSerializer` / :class:`JsonSchemaSerializer`: the schema-registry wire format (magic byte ``0``,
  4-byte big-endian schema id, payload), through a ``confluent_kafka.schema_registry.SchemaRegistryClient``
  (its ``mock://`` client included). The schema is looked up, or registered, under the subject the
  strategy names (:func:`mfgcanon.schema.registry.subject_name`: ``topic`` by default, ``record`` and
  ``topic_record`` selectable); ids are cached per subject and type. Before a schema is registered,
  mfgcanon's own compatibility checker runs it against the subject's registered versions at the subject's
  level (transitive levels against every version): a breaking change is refused with
  :class:`IncompatibleSchemaError`, which says which rule broke against which version, before the
  registry ever sees it.
* The deserializers fetch the writer schema by the id in the message (once per id) and, for Avro, resolve
  it against the reader's (mfgcanon's current) schema, so older and newer writers are read.

Every failure is an :mod:`mfgcanon.errors` type with a ``code`` (and a ``path`` where there is one): the
decode errors of the codecs, :class:`~mfgcanon.avro.UnknownSchemaIdError` for an id the registry does not
know, :class:`RegistryCallError` (``registry_error``) when the registry refuses or cannot be reached, and
:class:`IncompatibleSchemaError` (``incompatible_schema``).
"""

from __future__ import annotations

import builtins
import copy
import json
import struct
import threading
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Final, Literal

import msgspec

from mfgcanon import avro as _avro
from mfgcanon import codecs
from mfgcanon.errors import DecodeError, EncodeError, ErrorCode, MfgcanonError
from mfgcanon.schema.export import export_name
from mfgcanon.schema.registry import record_name, subject_name
from mfgcanon.v1 import events as _events

try:
    from confluent_kafka.schema_registry import Schema
    from confluent_kafka.serialization import Deserializer, MessageField, SerializationContext, Serializer
except ImportError as exc:  # pragma: no cover - the kafka extra is missing
    raise ImportError(f"mfgcanon.kafka needs confluent-kafka: pip install 'mfgcanon[kafka]' ({exc})") from exc

__all__ = [
    "CONTENT_TYPES",
    "AvroDeserializer",
    "AvroSerializer",
    "IncompatibleSchemaError",
    "JsonDeserializer",
    "JsonSchemaDeserializer",
    "JsonSchemaSerializer",
    "JsonSerializer",
    "MsgpackDeserializer",
    "MsgpackSerializer",
    "RegistryCallError",
    "SubjectNameStrategy",
    "avro_schema_text",
    "json_schema_document",
    "json_schema_text",
]

builtins_type = builtins.type  # `type` is a keyword argument below, msgspec style
_HEADER = struct.Struct(">bI")  # the registry wire format's magic byte and schema id (as mfgcanon.avro reads it)

CONTENT_TYPES: Final[dict[str, str]] = {
    "json": "application/json",
    "msgpack": "application/msgpack",
    "avro": "application/avro",
    "jsonschema": "application/json",
}
"""The ``content-type`` of each format's data in CloudEvents binary mode (:mod:`mfgcanon.kafka.cloudevents`)."""

SubjectNameStrategy = str | Callable[[SerializationContext | None, str | None], str]
"""``"topic"``, ``"record"``, ``"topic_record"`` (or Confluent's class names), or ``f(ctx, record_name)``."""


class RegistryCallError(MfgcanonError):
    """The schema registry refused a call, failed, or could not be reached (``registry_error``).

    ``status`` is the HTTP status and ``error_code`` the registry's own code (40401, 42201, ...) when the
    registry answered; ``subject`` the subject the call was about, if any.
    """

    code: ErrorCode = "registry_error"

    def __init__(self, message: str, *, status: int | None = None, error_code: int | None = None,
                 subject: str | None = None, cause_type: str | None = None) -> None:
        self.status = status
        self.error_code = error_code
        self.subject = subject
        super().__init__(message, cause_type=cause_type)

    def with_record_index(self, index: int) -> MfgcanonError:
        return _indexed(self, index)


class IncompatibleSchemaError(MfgcanonError):
    """A schema that breaks its subject's compatibility level, refused before it was registered.

    ``report`` is the :class:`mfgcanon.compat.Report` (every finding, with rule ids, paths and the version
    it failed against), ``level`` the level applied, ``subject`` the subject. ``path`` is the schema
    location of the first breaking finding (a JSON pointer into the new schema).
    """

    code: ErrorCode = "incompatible_schema"

    def __init__(self, message: str, *, subject: str = "", level: str = "", report: Any = None,
                 path: str | None = None) -> None:
        self.subject = subject
        self.level = level
        self.report = report
        super().__init__(message, path=path)

    def with_record_index(self, index: int) -> MfgcanonError:
        return _indexed(self, index)


def _indexed(error: MfgcanonError, index: int) -> MfgcanonError:
    """A copy naming its record: these errors carry more than the base constructor takes (copy keeps it all)."""
    clone = copy.copy(error)
    clone.record_index = index
    clone.args = (clone._render(),)
    return clone


# --------------------------------------------------------------------------------------------- schemas


def _is_union(tp: Any) -> bool:
    return isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union


def _members(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp) if _is_union(tp) else (tp,)


def avro_schema_text(tp: Any) -> str:
    """The Avro schema text registered for ``tp`` (compact JSON of :func:`mfgcanon.avro.schema`).

    One text per type, so that every writer (mfgcanon's serializer or Confluent's ``AvroSerializer``
    given this text) registers the same version.
    """
    return json.dumps(_avro.schema(tp), separators=(",", ":"))


def json_schema_document(tp: Any) -> dict[str, Any]:
    """The JSON Schema registered for ``tp``: the exported schema of a class, a ``oneOf`` of them for a union."""
    from mfgcanon.schema.jsonschema import json_schema

    members = _members(tp)
    if len(members) == 1:
        return json_schema(members[0], export_name(members[0]))
    documents = [json_schema(member, export_name(member)) for member in members]
    defs: dict[str, Any] = {}
    branches = []
    for member, document in zip(members, documents, strict=True):
        defs.update(document.pop("$defs", {}))
        document.pop("$schema", None)
        defs[member.__name__] = document
        branches.append({"$ref": f"#/$defs/{member.__name__}"})
    return {"$schema": documents[0].get("$schema"), "title": "OneOf" + "Or".join(m.__name__ for m in members)[:200],
            "oneOf": branches, "$defs": defs}


def json_schema_text(tp: Any) -> str:
    """The JSON Schema text registered for ``tp`` (compact JSON of :func:`json_schema_document`)."""
    return json.dumps(json_schema_document(tp), separators=(",", ":"))


# ---------------------------------------------------------------------------------------- plain codecs


class JsonSerializer(Serializer):
    """Canonical JSON (:func:`mfgcanon.codecs.encode`): no schema id, readable by any JSON consumer."""

    content_type: ClassVar[str] = CONTENT_TYPES["json"]
    format: ClassVar[str] = "json"

    def __call__(self, obj: Any, ctx: SerializationContext | None = None) -> bytes | None:
        if obj is None:  # a tombstone stays a tombstone
            return None
        return codecs.encode(obj, format="json")


class MsgpackSerializer(Serializer):
    """MessagePack (:func:`mfgcanon.codecs.encode` with ``format="msgpack"``): compact, no schema id."""

    content_type: ClassVar[str] = CONTENT_TYPES["msgpack"]
    format: ClassVar[str] = "msgpack"

    def __call__(self, obj: Any, ctx: SerializationContext | None = None) -> bytes | None:
        if obj is None:
            return None
        return codecs.encode(obj, format="msgpack")


class JsonDeserializer(Deserializer):
    """Decode and validate canonical JSON into ``type`` (default: any v1 event)."""

    content_type: ClassVar[str] = CONTENT_TYPES["json"]
    format: ClassVar[str] = "json"

    def __init__(self, type: Any = _events.Event) -> None:
        self.type = type

    def __call__(self, value: bytes | None, ctx: SerializationContext | None = None) -> Any:
        if value is None:
            return None
        return codecs.decode(value, type=self.type, format="json")


class MsgpackDeserializer(Deserializer):
    """Decode and validate MessagePack into ``type`` (default: any v1 event)."""

    content_type: ClassVar[str] = CONTENT_TYPES["msgpack"]
    format: ClassVar[str] = "msgpack"

    def __init__(self, type: Any = _events.Event) -> None:
        self.type = type

    def __call__(self, value: bytes | None, ctx: SerializationContext | None = None) -> Any:
        if value is None:
            return None
        if not isinstance(value, bytes | bytearray | memoryview):
            raise DecodeError(f"cannot decode a {builtins_type(value).__name__}: expected bytes",
                              code="malformed_input")
        return codecs.decode(value, type=self.type, format="msgpack")


# ----------------------------------------------------------------------------------- registry plumbing


def _registry_call(call: Callable[[], Any], what: str, subject: str | None = None) -> Any:
    """Run one registry call; every failure becomes a :class:`RegistryCallError` (404s keep their status)."""
    try:
        return call()
    except MfgcanonError:
        raise
    except Exception as exc:  # Confluent's SchemaRegistryError, or its HTTP library's errors
        status = getattr(exc, "http_status_code", None)
        error_code = getattr(exc, "error_code", None)
        message = str(getattr(exc, "error_message", None) or exc)
        raise RegistryCallError(f"the schema registry failed to {what}: {message}",
                                status=status if isinstance(status, int) else None,
                                error_code=error_code if isinstance(error_code, int) else None,
                                subject=subject, cause_type=builtins_type(exc).__name__) from None


def _strategy(strategy: SubjectNameStrategy) -> SubjectNameStrategy:
    if isinstance(strategy, str):
        subject_name(strategy, "t", "r")  # an unknown name fails now, not at the first message
    elif not callable(strategy):
        raise MfgcanonError(f"subject_name_strategy must be a name or a callable, not {type(strategy).__name__}",
                            code="invalid_value")
    return strategy


def _is_topic_strategy(strategy: SubjectNameStrategy) -> bool:
    return isinstance(strategy, str) and strategy.replace("-", "_").lower() in ("topic", "topicnamestrategy")


class _RegistrySerializer(Serializer):
    """Shared by the Avro and JSON Schema serializers: subjects, id cache, compatibility guard, framing."""

    schema_type: ClassVar[Literal["AVRO", "JSON"]]
    content_type: ClassVar[str]
    format: ClassVar[str]

    def __init__(self, registry: Any, type: Any = None, *, subject_name_strategy: SubjectNameStrategy = "topic",
                 auto_register: bool = True, compatibility: str | None = None, check_compatibility: bool = True,
                 normalize: bool = False) -> None:
        self.registry = registry
        self.type = type
        self.subject_name_strategy = _strategy(subject_name_strategy)
        self.auto_register = auto_register
        self.compatibility = compatibility
        self.check_compatibility = check_compatibility
        self.normalize = normalize
        self._ids: dict[tuple[str, Any], int] = {}
        self._lock = threading.Lock()

    # what to write ------------------------------------------------------------------------------------
    def _writer_type(self, obj: Any) -> Any:
        """The declared type under the topic strategy (one schema per topic); else the object's own class
        when the declared type is a union or missing (one subject per record type)."""
        if self.type is None:
            return builtins_type(obj)
        if _is_union(self.type) and not _is_topic_strategy(self.subject_name_strategy):
            cls = builtins_type(obj)
            if cls not in _members(self.type):
                raise EncodeError(f"{cls.__name__} is not one of the serializer's types", code="type_mismatch",
                                  path="$")
            return cls
        return self.type

    def subject(self, tp: Any, ctx: SerializationContext | None) -> str:
        """The registry subject for values (or keys) of type ``tp`` on ``ctx.topic``."""
        record = None if _is_union(tp) else record_name(tp)
        if callable(self.subject_name_strategy):
            return self.subject_name_strategy(ctx, record)
        topic = getattr(ctx, "topic", None)
        is_key = getattr(ctx, "field", None) == MessageField.KEY
        return subject_name(self.subject_name_strategy, topic, record, is_key)

    def schema_text(self, tp: Any) -> str:
        raise NotImplementedError

    def payload(self, obj: Any, tp: Any) -> bytes:
        raise NotImplementedError

    # the registry -------------------------------------------------------------------------------------
    def schema_id(self, tp: Any, ctx: SerializationContext | None = None) -> int:
        """The id of ``tp``'s schema under its subject: cached, else looked up, else (checked and) registered."""
        subject = self.subject(tp, ctx)
        key = (subject, tp)
        known = self._ids.get(key)
        if known is not None:
            return known
        with self._lock:
            known = self._ids.get(key)
            if known is None:
                known = self._resolve(subject, tp)
                self._ids[key] = known
        return known

    def _resolve(self, subject: str, tp: Any) -> int:
        text = self.schema_text(tp)
        schema = Schema(text, self.schema_type)
        try:
            found = _registry_call(
                lambda: self.registry.lookup_schema(subject, schema, normalize_schemas=self.normalize),
                f"look up the schema of subject {subject!r}", subject)
            return int(found.schema_id)
        except RegistryCallError as exc:
            if exc.status != 404:
                raise
        if not self.auto_register:
            raise RegistryCallError(f"{_name(tp)}'s schema is not registered under subject {subject!r} and "
                                    "auto_register is off: register it first", status=404, subject=subject)
        if self.check_compatibility:
            self._guard(subject, text)
        try:
            return int(_registry_call(lambda: self.registry.register_schema(subject, schema,
                                                                            normalize_schemas=self.normalize),
                                      f"register a schema under subject {subject!r}", subject))
        except RegistryCallError as exc:
            if exc.status == 409:  # the registry's own refusal: say so in the same terms as ours
                raise IncompatibleSchemaError(
                    f"the registry refused {_name(tp)}'s schema under subject {subject!r} as incompatible: "
                    f"{exc.message}", subject=subject, level=self.compatibility or "registry") from None
            raise

    def _guard(self, subject: str, text: str) -> None:
        """mfgcanon's compatibility check of ``text`` against the subject's versions, before registering."""
        from mfgcanon.compat import registry as compat_registry

        try:
            result = compat_registry.check_registry(
                # the language is detected, not forced: a subject of the other language is then a finding
                # (SCHEMA_TYPE_CHANGED), not a registered version that fails to parse
                msgspec.json.decode(text), subject, self.registry, level=self.compatibility,
                ask_registry=False, missing_ok=True)
        except compat_registry.RegistryError as exc:
            raise RegistryCallError(f"could not check subject {subject!r} before registering: {exc.message}",
                                    status=exc.status, error_code=exc.error_code, subject=subject,
                                    cause_type="RegistryError") from None
        report = result.local
        if result.is_compatible or report is None:
            return
        breaking = report.breaking
        shown = "; ".join(f"{f.rule} at {f.name or f.path}: {f.message}" for f in breaking[:5])
        more = f" (and {len(breaking) - 5} more)" if len(breaking) > 5 else ""
        raise IncompatibleSchemaError(
            f"refusing to register a schema under subject {subject!r} (level {result.level}, from "
            f"{result.level_source}): {report.summary()}: {shown}{more}",
            subject=subject, level=str(result.level), report=report, path=breaking[0].path if breaking else None)

    def __call__(self, obj: Any, ctx: SerializationContext | None = None) -> bytes | None:
        if obj is None:
            return None
        tp = self._writer_type(obj)
        payload = self.payload(obj, tp)  # encode first: a value that cannot be written registers nothing
        return _HEADER.pack(_avro.MAGIC, self.schema_id(tp, ctx)) + payload


def _name(tp: Any) -> str:
    return " | ".join(getattr(m, "__name__", str(m)) for m in _members(tp))


class AvroSerializer(_RegistrySerializer):
    """Avro in the schema-registry wire format: Confluent's ``AvroDeserializer`` reads what this writes.

    ``type`` is the schema to write: a class, or a union of classes (one topic-wide schema under the
    ``topic`` strategy; under ``record``/``topic_record`` each object's own class). ``None``: the class
    of each object. ``compatibility`` overrides the subject's level (the ``mock://`` registry stores none:
    then ``BACKWARD``, Confluent's default, unless given).
    """

    schema_type = "AVRO"
    content_type = CONTENT_TYPES["avro"]
    format = "avro"

    def schema_text(self, tp: Any) -> str:
        return avro_schema_text(tp)

    def payload(self, obj: Any, tp: Any) -> bytes:
        return _avro.encode(obj, type=tp)


class JsonSchemaSerializer(_RegistrySerializer):
    """Canonical JSON in the schema-registry wire format, its JSON Schema registered (Confluent's
    ``JSONDeserializer`` reads what this writes)."""

    schema_type = "JSON"
    content_type = CONTENT_TYPES["jsonschema"]
    format = "jsonschema"

    def schema_text(self, tp: Any) -> str:
        return json_schema_text(tp)

    def payload(self, obj: Any, tp: Any) -> bytes:
        members = _members(tp)
        if not isinstance(obj, members):
            raise EncodeError(f"{builtins_type(obj).__name__} is not {_name(tp)}", code="type_mismatch", path="$")
        return codecs.encode(obj, format="json")


# ------------------------------------------------------------------------------------------ deserializers


class _RegistryDeserializer(Deserializer):
    schema_type: ClassVar[Literal["AVRO", "JSON"]]
    content_type: ClassVar[str]
    format: ClassVar[str]

    def __init__(self, registry: Any, type: Any = _events.Event) -> None:
        self.registry = registry
        self.type = type
        self._writers: dict[int, tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def writer(self, schema_id: int) -> tuple[Any, Any]:
        """(reader type, writer schema or ``None`` when it is the reader's own) for a schema id, cached."""
        known = self._writers.get(schema_id)
        if known is not None:
            return known
        with self._lock:
            known = self._writers.get(schema_id)
            if known is None:
                known = self._fetch(schema_id)
                if len(self._writers) < 4096:  # ids are few; a flood of forged ids must not grow this forever
                    self._writers[schema_id] = known
        return known

    def _fetch(self, schema_id: int) -> tuple[Any, Any]:
        try:
            schema = _registry_call(lambda: self.registry.get_schema(schema_id), f"fetch schema id {schema_id}")
        except RegistryCallError as exc:
            if exc.status == 404:
                raise _avro.UnknownSchemaIdError(f"schema id {schema_id} is not registered in the schema registry",
                                                 position=1) from None
            raise
        kind = str(getattr(schema, "schema_type", None) or "AVRO").upper()
        if kind != self.schema_type:
            raise DecodeError(f"schema id {schema_id} is a {kind} schema; this deserializer reads {self.schema_type}",
                              code="invalid_schema", position=1)
        try:
            document = msgspec.json.decode(str(schema.schema_str))
        except RecursionError:
            raise DecodeError(f"schema id {schema_id}'s schema nests too deeply", code="nesting_too_deep") from None
        except msgspec.DecodeError as exc:
            raise DecodeError(f"schema id {schema_id}'s schema is not JSON: {exc}", code="invalid_schema") from None
        return self._reader_for(document)

    def _reader_for(self, document: Any) -> tuple[Any, Any]:
        raise NotImplementedError

    def decode_payload(self, payload: memoryview, reader: Any, writer: Any) -> Any:
        raise NotImplementedError

    def __call__(self, value: bytes | None, ctx: SerializationContext | None = None) -> Any:
        if value is None:
            return None
        schema_id, payload = _avro.parse_frame(value)
        reader, writer = self.writer(schema_id)
        return self.decode_payload(payload, reader, writer)


def _record_full_name(document: Any) -> str | None:
    if not isinstance(document, dict) or document.get("type") != "record" or not isinstance(document.get("name"), str):
        return None
    name: str = document["name"]
    namespace = document.get("namespace")
    return name if "." in name or not isinstance(namespace, str) or not namespace else f"{namespace}.{name}"


class AvroDeserializer(_RegistryDeserializer):
    """Avro in the schema-registry wire format, the writer schema fetched by id and resolved against ours.

    ``type`` is what to read into: a class or a union (default: any v1 event). With a union, a writer
    record is read as the member of the same full name (``mfgcanon.v1.ProductionConfirmed``).
    """

    schema_type = "AVRO"
    content_type = CONTENT_TYPES["avro"]
    format = "avro"

    def _reader_for(self, document: Any) -> tuple[Any, Any]:
        _avro.check_writer_schema(document)  # before fastavro (or anything recursive) walks it
        reader = self.type
        full = _record_full_name(document)
        if full is not None:
            for member in _members(self.type):
                if isinstance(member, builtins_type) and record_name(member) == full:
                    reader = member
                    break
        same = document == _avro.schema(reader)
        return reader, None if same else document

    def decode_payload(self, payload: memoryview, reader: Any, writer: Any) -> Any:
        return _avro.decode(payload, type=reader, writer_schema=writer)


class JsonSchemaDeserializer(_RegistryDeserializer):
    """Canonical JSON in the schema-registry wire format: the id must be a registered JSON Schema; the payload
    is decoded and validated by the model (unknown fields of a newer writer are skipped)."""

    schema_type = "JSON"
    content_type = CONTENT_TYPES["jsonschema"]
    format = "jsonschema"

    def _reader_for(self, document: Any) -> tuple[Any, Any]:
        if not isinstance(document, dict | bool):
            raise DecodeError("the registered JSON Schema is not an object", code="invalid_schema")
        return self.type, None

    def decode_payload(self, payload: memoryview, reader: Any, writer: Any) -> Any:
        return codecs.decode(payload, type=reader, format="json")
