"""Canonical events on Kafka (the ``kafka`` extra, built on ``confluent-kafka``).

>>> from mfgcanon import kafka
>>> writer = kafka.AvroSerializer(registry)                    # serde: the registry wire format
>>> kafka.produce_event(producer, "mfg.events", event)            # cloudevents: the binding, binary mode
>>> with kafka.CanonicalConsumer(config, ["mfg.events"], kafka.CloudEventDeserializer(), handle,
...                              dead_letter=kafka.DeadLetterRouter(producer, "mfg.events.dlq"),
...                              idempotency=kafka.Idempotency(), metrics=kafka.EventMetrics()) as loop:
...     loop.run(idle=5)

Producing: :mod:`.serde` (serializers and deserializers on ``confluent_kafka.serialization``'s interface)
and :mod:`.cloudevents` (the CloudEvents Kafka protocol binding). Consuming: :mod:`.consumer` (the
at-least-once loop), :mod:`.deadletter`, :mod:`.idempotency`, :mod:`.metrics` and :mod:`.replay`; a loopback
broker for tests in :mod:`.mock_cluster`. ``kafka.replay`` is the module (its function:
``kafka.replay.replay``). Each name is imported from its module on first use: importing
this package imports neither ``confluent_kafka`` nor the model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfgcanon.kafka.cloudevents import (
        HEADER_PREFIX,
        STRUCTURED_CONTENT_TYPE,
        CloudEventDeserializer,
        KafkaMessage,
        Mode,
        from_kafka_message,
        produce_event,
        to_kafka_message,
    )
    from mfgcanon.kafka.consumer import (
        CanonicalConsumer,
        ConsumerError,
        Handler,
        MessageDeserializer,
        Outcome,
        Pipeline,
    )
    from mfgcanon.kafka.deadletter import (
        DeadLetterError,
        DeadLetterRouter,
        Failure,
        dead_letter_headers,
        failure_of,
        read_dead_letter_headers,
    )
    from mfgcanon.kafka.idempotency import Idempotency, IdempotencyStore, MemoryStore, SqliteStore, event_key
    from mfgcanon.kafka.metrics import LAG_BUCKETS, EventMetrics, MetricsSnapshot, TypeCounts
    from mfgcanon.kafka.mock_cluster import MockCluster, MockClusterError
    from mfgcanon.kafka.replay import ReplayReport, offsets_for_range
    from mfgcanon.kafka.serde import (
        CONTENT_TYPES,
        AvroDeserializer,
        AvroSerializer,
        IncompatibleSchemaError,
        JsonDeserializer,
        JsonSchemaDeserializer,
        JsonSchemaSerializer,
        JsonSerializer,
        MsgpackDeserializer,
        MsgpackSerializer,
        RegistryCallError,
        SubjectNameStrategy,
        avro_schema_text,
        json_schema_document,
        json_schema_text,
    )

_MODULES: dict[str, tuple[str, ...]] = {
    "serde": ("CONTENT_TYPES", "AvroDeserializer", "AvroSerializer", "IncompatibleSchemaError", "JsonDeserializer",
              "JsonSchemaDeserializer", "JsonSchemaSerializer", "JsonSerializer", "MsgpackDeserializer",
              "MsgpackSerializer", "RegistryCallError", "SubjectNameStrategy", "avro_schema_text",
              "json_schema_document", "json_schema_text"),
    "cloudevents": ("HEADER_PREFIX", "STRUCTURED_CONTENT_TYPE", "CloudEventDeserializer", "KafkaMessage", "Mode",
                    "from_kafka_message", "produce_event", "to_kafka_message"),
    "consumer": ("CanonicalConsumer", "ConsumerError", "Handler", "MessageDeserializer", "Outcome", "Pipeline"),
    "deadletter": ("DeadLetterError", "DeadLetterRouter", "Failure", "dead_letter_headers", "failure_of",
                   "read_dead_letter_headers"),
    "idempotency": ("Idempotency", "IdempotencyStore", "MemoryStore", "SqliteStore", "event_key"),
    "metrics": ("LAG_BUCKETS", "EventMetrics", "MetricsSnapshot", "TypeCounts"),
    "replay": ("ReplayReport", "offsets_for_range"),  # not replay(): kafka.replay is the module
    "mock_cluster": ("MockCluster", "MockClusterError"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import a name's module only when the name is asked for (``confluent_kafka`` is heavy and optional).

    ``kafka.replay`` is always the module (importing a submodule sets it on the package, so a function of
    that name here would be replaced by the module): call ``kafka.replay.replay(...)``.
    """
    module = _HOME.get(name)
    if module is None:
        if name in _MODULES:  # a submodule not imported yet (``from mfgcanon.kafka import serde``)
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})


__all__ = [
    "CONTENT_TYPES",
    "HEADER_PREFIX",
    "LAG_BUCKETS",
    "STRUCTURED_CONTENT_TYPE",
    "AvroDeserializer",
    "AvroSerializer",
    "CanonicalConsumer",
    "CloudEventDeserializer",
    "ConsumerError",
    "DeadLetterError",
    "DeadLetterRouter",
    "EventMetrics",
    "Failure",
    "Handler",
    "Idempotency",
    "IdempotencyStore",
    "IncompatibleSchemaError",
    "JsonDeserializer",
    "JsonSchemaDeserializer",
    "JsonSchemaSerializer",
    "JsonSerializer",
    "KafkaMessage",
    "MemoryStore",
    "MessageDeserializer",
    "MetricsSnapshot",
    "MockCluster",
    "MockClusterError",
    "Mode",
    "MsgpackDeserializer",
    "MsgpackSerializer",
    "Outcome",
    "Pipeline",
    "RegistryCallError",
    "ReplayReport",
    "SqliteStore",
    "SubjectNameStrategy",
    "TypeCounts",
    "avro_schema_text",
    "dead_letter_headers",
    "event_key",
    "failure_of",
    "from_kafka_message",
    "json_schema_document",
    "json_schema_text",
    "offsets_for_range",
    "produce_event",
    "read_dead_letter_headers",
    "to_kafka_message",
]
