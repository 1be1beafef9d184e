"""The CloudEvents Kafka protocol binding (v1.0.2) for canonical events, both ways.

* **binary mode** (the default): every context attribute, extensions included, goes in a header named
  ``ce_<attribute>`` (UTF-8 text: ``ce_id``, ``ce_type``, ``ce_time``, ``ce_partitionkey``, ...); the data goes
  in the message value, encoded by one of the :mod:`mfgcanon.kafka.serde` serializers (canonical JSON by
  default), and ``datacontenttype`` becomes the ``content-type`` header, naming that encoding.
* **structured mode**: the whole event as canonical JSON in the value, ``content-type:
  application/cloudevents+json; charset=utf-8``.

Either way the message key is the event's ``partitionkey`` extension (UTF-8), as the binding prescribes: all
events of one order (``1710|1000123``) or one lot land on one partition and keep their order. Reading a
binary-mode message without a ``ce_partitionkey`` header takes the attribute from the key.

The model's ``datacontenttype`` describes ``data`` in its canonical JSON form: an event read from binary mode
with Avro data is the same event as one read from JSON. Every failure is an :mod:`mfgcanon.errors` type whose
``path`` names the attribute (``$.time``) or the field in the data (``$.data.quantity.value``).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Final, Literal, NamedTuple

import msgspec

from mfgcanon import codecs
from mfgcanon.errors import DecodeError, MfgcanonError, ValidationError
from mfgcanon.v1 import events as _events

try:
    from confluent_kafka.serialization import Deserializer, MessageField, SerializationContext
except ImportError as exc:  # pragma: no cover - the kafka extra is missing
    raise ImportError(f"mfgcanon.kafka needs confluent-kafka: pip install 'mfgcanon[kafka]' ({exc})") from exc

__all__ = [
    "HEADER_PREFIX",
    "STRUCTURED_CONTENT_TYPE",
    "CloudEventDeserializer",
    "KafkaMessage",
    "Mode",
    "from_kafka_message",
    "produce_event",
    "to_kafka_message",
]

builtins_type = builtins.type
Mode = Literal["binary", "structured"]
HEADER_PREFIX: Final = "ce_"
CONTENT_TYPE_HEADER: Final = "content-type"
STRUCTURED_CONTENT_TYPE: Final = "application/cloudevents+json; charset=utf-8"
_JSON: Final = "application/json"
_MSGPACK: Final = "application/msgpack"

_BY_TYPE: Final[dict[str, type[_events.CloudEvent]]] = {cls.event_type(): cls for cls in _events.EVENT_TYPES}
# every attribute but `data` (the value) and `datacontenttype` (the content-type header); `type` is the tag
_SKIP: Final = frozenset({"data", "datacontenttype"})


class KafkaMessage(NamedTuple):
    """What to hand to ``Producer.produce``: ``key``, ``value`` and ``headers`` (a list of ``(name, bytes)``)."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


def _text(value: Any) -> str:
    """An attribute's string form: UUIDs and instants (RFC 3339, ``Z`` for UTC) as in the JSON format."""
    if isinstance(value, str):
        return value
    built = msgspec.to_builtins(value)
    return built if isinstance(built, str) else str(built)


def _ctx(topic: str | None, headers: Any = None) -> SerializationContext:
    return SerializationContext(topic or "", MessageField.VALUE, headers)


def to_kafka_message(event: _events.CloudEvent, mode: Mode = "binary", *, data_serializer: Any = None,
                     topic: str | None = None) -> KafkaMessage:
    """The Kafka message of ``event``: key from ``partitionkey``; ``ce_`` headers and the data (binary) or the
    whole event as JSON (structured).

    ``data_serializer`` (binary mode) encodes ``event.data``: a :mod:`mfgcanon.kafka.serde` serializer (or any
    ``confluent_kafka`` serializer with a ``content_type`` attribute); canonical JSON when ``None``. Registry
    serializers need the ``topic`` to name their subject.
    """
    if not isinstance(event, _events.CloudEvent):
        raise ValidationError(f"expected a v1 CloudEvent, got {builtins_type(event).__name__}", code="type_mismatch",
                              path="$")
    key = event.partitionkey.encode()
    if mode == "structured":
        value = codecs.encode(event, format="json")
        return KafkaMessage(key, value, [(CONTENT_TYPE_HEADER, STRUCTURED_CONTENT_TYPE.encode())])
    if mode != "binary":
        raise ValidationError(f"unknown CloudEvents mode {mode!r}: 'binary' or 'structured'", code="invalid_value")
    headers = [(f"{HEADER_PREFIX}type", builtins_type(event).event_type().encode())]
    for name in event.__struct_fields__:
        if name in _SKIP:
            continue
        value = getattr(event, name)
        if value is not None:
            headers.append((f"{HEADER_PREFIX}{name}", _text(value).encode()))
    if data_serializer is None:
        data = codecs.encode(_payload(event), format="json")
        content_type = _JSON
    else:
        data = data_serializer(_payload(event), _ctx(topic, headers))
        content_type = str(getattr(data_serializer, "content_type", None) or "application/octet-stream")
    headers.append((CONTENT_TYPE_HEADER, content_type.encode()))
    return KafkaMessage(key, data, headers)


def _payload(event: _events.CloudEvent) -> Any:
    """``event.data`` (every concrete event class declares it; the envelope base does not)."""
    return getattr(event, "data")  # noqa: B009


def produce_event(producer: Any, topic: str, event: _events.CloudEvent, mode: Mode = "binary", *,
                  data_serializer: Any = None, **kwargs: Any) -> None:
    """``producer.produce`` of :func:`to_kafka_message`'s key, value and headers (``kwargs``: ``on_delivery``, ...)."""
    key, value, headers = to_kafka_message(event, mode, data_serializer=data_serializer, topic=topic)
    producer.produce(topic, value=value, key=key, headers=headers, **kwargs)


# ------------------------------------------------------------------------------------------------ reading


def _parts(message: Any) -> tuple[Any, Any, Any, str | None]:
    """(key, value, headers, topic) of a ``confluent_kafka.Message``, a :class:`KafkaMessage` or a 3-tuple."""
    if callable(getattr(message, "value", None)):
        topic = message.topic() if callable(getattr(message, "topic", None)) else None
        return message.key(), message.value(), message.headers(), topic
    if isinstance(message, tuple) and len(message) == 3:
        return message[0], message[1], message[2], None
    raise DecodeError(f"expected a Kafka message or (key, value, headers), got {builtins_type(message).__name__}",
                      code="malformed_input")


def _decoded(raw: Any, what: str) -> str:
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise DecodeError(f"{what} is not text or bytes ({builtins_type(raw).__name__})", code="malformed_input")
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{what} is not UTF-8: {exc.reason}", code="malformed_input", position=exc.start) from None


def _header_map(headers: Any) -> tuple[dict[str, str], str | None]:
    """The ``ce_`` attributes (lower-case names, prefix removed) and the content type of a message."""
    attributes: dict[str, str] = {}
    content_type: str | None = None
    if headers is None:
        return attributes, None
    if not isinstance(headers, Sequence):
        raise DecodeError(f"message headers must be a list of (name, value), got {builtins_type(headers).__name__}",
                          code="malformed_input")
    for item in headers:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
            raise DecodeError("message headers must be (name, value) pairs", code="malformed_input")
        name, raw = item[0].lower(), item[1]
        if name == CONTENT_TYPE_HEADER:
            content_type = None if raw is None else _decoded(raw, "the content-type header")
        elif name.startswith(HEADER_PREFIX) and len(name) > len(HEADER_PREFIX):
            attribute = name[len(HEADER_PREFIX):]
            if raw is None:
                raise ValidationError(f"header {item[0]!r} has no value", code="type_mismatch", path=f"$.{attribute}")
            text = _decoded(raw, f"header {item[0]!r}")
            if attributes.get(attribute, text) != text:
                raise ValidationError(f"header {item[0]!r} appears twice with different values", code="invalid_value",
                                      path=f"$.{attribute}")
            attributes[attribute] = text
    return attributes, content_type


def _in_data(exc: MfgcanonError) -> MfgcanonError:
    """The data's own error, its path moved under ``$.data``."""
    if not (exc.path or "").startswith("$"):
        return exc if exc.path is not None else _with_path(exc, "$.data")
    return _with_path(exc, "$.data" + (exc.path or "$")[1:])


def _with_path(exc: MfgcanonError, path: str) -> MfgcanonError:
    try:
        return builtins_type(exc)(exc.message, code=exc.code, path=path, position=exc.position,
                                  record_index=exc.record_index, cause_type=exc.cause_type)
    except TypeError:  # an error class with its own constructor: keep it as it is
        return exc


def _event_class(name: str | None, allowed: Any) -> type[_events.CloudEvent]:
    cls = _BY_TYPE.get(name or "")
    if cls is None:
        raise ValidationError(f"unknown CloudEvents type {name!r}" if name else "no ce_type header",
                              code="unknown_kind" if name else "missing_field", path="$.type")
    if allowed is not _events.Event and cls not in _members(allowed):
        raise ValidationError(f"{name!r} is not one of the event types expected here", code="unknown_kind",
                              path="$.type")
    return cls


def _members(tp: Any) -> tuple[Any, ...]:
    import typing

    return typing.get_args(tp) or (tp,)


def from_kafka_message(message: Any, *, type: Any = _events.Event, data_deserializer: Any = None,
                       topic: str | None = None) -> Any:
    """The canonical event carried by a Kafka message, in binary or structured mode (told by its headers).

    ``message`` is a ``confluent_kafka.Message``, a :class:`KafkaMessage` or ``(key, value, headers)``.
    ``type`` limits the accepted events (a class or union; default any v1 event). ``data_deserializer``
    (binary mode) decodes the value into the entity: a :mod:`mfgcanon.kafka.serde` deserializer; without
    one, ``application/json`` and ``application/msgpack`` data are read directly.
    """
    key, value, headers, message_topic = _parts(message)
    attributes, content_type = _header_map(headers)
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media.startswith("application/cloudevents"):
        if media != "application/cloudevents+json":
            raise ValidationError(f"structured mode {media!r} is not supported: only application/cloudevents+json",
                                  code="invalid_value", path="$.datacontenttype")
        if value is None:
            raise ValidationError("a structured-mode message has no value", code="missing_field", path="$")
        return codecs.decode(value, type=type, format="json")
    if "specversion" not in attributes:
        raise ValidationError("not a CloudEvent: no application/cloudevents+json content type (structured mode) "
                              "and no ce_specversion header (binary mode)", code="missing_field", path="$.specversion")
    cls = _event_class(attributes.get("type"), type)
    if "partitionkey" not in attributes and key is not None:
        attributes["partitionkey"] = _decoded(key, "the message key")
    data_type = _events.data_type(cls)
    if value is None:
        raise ValidationError("a binary-mode message has no value (a tombstone is not an event)", code="missing_field",
                              path="$.data")
    if data_deserializer is None and media not in ("", _JSON, _MSGPACK):
        raise ValidationError(f"no reader for data of content type {media!r}: pass a data_deserializer",
                              code="invalid_value", path="$.datacontenttype")
    try:
        data = _read_data(value, media, data_type, data_deserializer, _ctx(topic or message_topic, headers))
    except MfgcanonError as exc:
        raise _in_data(exc) from None
    if not isinstance(data, data_type):
        raise ValidationError(f"the data deserializer returned {builtins_type(data).__name__}, {cls.__name__} carries "
                              f"{data_type.__name__}", code="type_mismatch", path="$.data")
    fields: dict[str, Any] = {name: text for name, text in attributes.items() if name in _ATTRIBUTES}
    fields["type"] = cls.event_type()
    fields["data"] = data  # already typed and validated: msgspec.convert keeps the instance
    try:
        return msgspec.convert(fields, cls)
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise codecs.translate(exc) from None


_ATTRIBUTES: Final = frozenset(name for cls in _events.EVENT_TYPES for name in cls.__struct_fields__) - _SKIP


def _read_data(value: Any, media: str, data_type: type[Any], deserializer: Any, ctx: SerializationContext) -> Any:
    if deserializer is not None:
        return deserializer(value, ctx)
    if media in ("", _JSON):
        if isinstance(value, bytes | bytearray) and value[:1] == b"\x00":
            raise DecodeError("the data is in the schema-registry wire format (magic byte 0): pass the matching "
                              "data_deserializer", code="malformed_input", position=0)
        return codecs.decode(value, type=data_type, format="json")
    return codecs.decode(value, type=data_type, format="msgpack")  # _MSGPACK: the only other type read directly


class CloudEventDeserializer(Deserializer):
    """:func:`from_kafka_message` as a deserializer, for :class:`~mfgcanon.kafka.consumer.CanonicalConsumer`
    (or ``DeserializingConsumer``): binary or structured mode, ``type`` and ``data_deserializer`` as there.

    Called as ``(value, ctx)`` it reads the headers from ``ctx.headers`` and has no message key; the consumer
    loop calls :meth:`decode_message` with the whole record instead, so a binary-mode event without a
    ``ce_partitionkey`` header still takes the attribute from the key.
    """

    def __init__(self, type: Any = _events.Event, data_deserializer: Any = None) -> None:
        self.type = type
        self.data_deserializer = data_deserializer

    def __call__(self, value: bytes | None, ctx: SerializationContext | None = None) -> Any:
        if value is None:
            return None
        return from_kafka_message((None, value, getattr(ctx, "headers", None)), type=self.type,
                                  data_deserializer=self.data_deserializer, topic=getattr(ctx, "topic", None))

    def decode_message(self, message: Any) -> Any:
        """The event of a whole ``confluent_kafka.Message`` (its key included); ``None`` for a tombstone."""
        if message.value() is None:
            return None
        return from_kafka_message(message, type=self.type, data_deserializer=self.data_deserializer)
