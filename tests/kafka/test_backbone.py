"""The event backbone as one feature: kp's serializers and CloudEvents binding feeding kc's consumer loop.

Every test runs against librdkafka's mock broker: events are produced with the ``serde`` serializers (or
``cloudevents.produce_event``), consumed by :class:`CanonicalConsumer` with the matching deserializer, and
the poisoned records land in the dead-letter topic with the code and path of the error the deserializer
itself raises.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import fastavro
import pytest
from _broker import DEADLINE, config, confirmation_event, consume_messages, produce_records, until
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.serialization import MessageField, SerializationContext

from mfgcanon import avro
from mfgcanon.errors import MfgcanonError
from mfgcanon.kafka import cloudevents, serde
from mfgcanon.kafka.consumer import CanonicalConsumer, Pipeline
from mfgcanon.kafka.deadletter import DeadLetterRouter, read_dead_letter_headers
from mfgcanon.kafka.idempotency import Idempotency
from mfgcanon.kafka.metrics import EventMetrics
from mfgcanon.kafka.mock_cluster import MockCluster
from mfgcanon.kafka.replay import replay

TYPE = "mfgcanon.production.confirmed.v1"


def negative_json(value: bytes | None) -> bytes:
    """Canonical JSON with a negative yield (a buggy writer's output; the model refuses to build one)."""
    assert value is not None
    changed = value.replace(b'"yield_quantity":{"value":"', b'"yield_quantity":{"value":"-')
    assert changed != value
    return changed


def negative_avro(frame: bytes | None, obj: Any) -> bytes:
    """``frame`` (registry wire format, ``obj``'s schema) re-written with a negative yield."""
    assert frame is not None
    datum = avro.to_datum(obj)
    quantity = datum.get("data", datum)["yield_quantity"]
    quantity["value"] = (-int.from_bytes(quantity["value"], "big", signed=True)).to_bytes(
        len(quantity["value"]), "big", signed=True)
    out = io.BytesIO(frame[:5])
    out.seek(5)
    fastavro.schemaless_writer(out, fastavro.parse_schema(avro.schema(type(obj))), datum)
    return out.getvalue()


def expected_failure(deserializer: Any, value: bytes | None, topic: str,
                     headers: list[tuple[str, bytes]] | None = None) -> MfgcanonError:
    """The typed error the deserializer raises for ``value`` when called directly."""
    with pytest.raises(MfgcanonError) as caught:
        deserializer(value, SerializationContext(topic, MessageField.VALUE, headers))
    return caught.value


def run_loop(cluster: MockCluster, topic: str, deserializer: Any, *, records: int, metrics: EventMetrics,
             idempotency: Idempotency, producer: Producer) -> tuple[list[Any], CanonicalConsumer]:
    handled: list[Any] = []
    loop = CanonicalConsumer(config(cluster, f"g-{topic}"), [topic], deserializer, handled.append,
                             dead_letter=DeadLetterRouter(producer, f"{topic}.dlq"), idempotency=idempotency,
                             metrics=metrics)
    with loop:
        until(lambda: loop.records >= records, lambda: loop.poll(0.2))
    return handled, loop


def letters(cluster: MockCluster, topic: str, count: int) -> list[dict[str, str]]:
    return [read_dead_letter_headers(m.headers()) for m in consume_messages(cluster, f"{topic}.dlq", count)]


@pytest.fixture
def topic(new_topic: Callable[..., str], kafka_cluster: MockCluster) -> str:
    name = new_topic(prefix="backbone")
    kafka_cluster.create_topic(f"{name}.dlq")
    return name


def test_avro_with_the_registry_end_to_end(kafka_cluster: MockCluster, topic: str,
                                           registry: SchemaRegistryClient, make_producer: Callable[..., Producer]
                                           ) -> None:
    """Avro through the mock:// registry: good events handled once, every poisoned record dead-lettered with
    the deserializer's own code and path, the counters agreeing, and a replay reading the same bytes."""
    writer = serde.AvroSerializer(registry)
    reader = serde.AvroDeserializer(registry)
    ctx = SerializationContext(topic, MessageField.VALUE)
    events = [confirmation_event(i) for i in range(4)]
    good = [(e.partitionkey.encode(), writer(e, ctx), None) for e in events]
    frame = good[0][1]
    assert frame is not None
    unknown_id = b"\x00\x00\x00\x03\xe7" + frame[5:]
    bad_quantity = negative_avro(frame, events[0])
    poisoned = [(b"p1", b"not the wire format", None), (b"p2", unknown_id, None), (b"p3", bad_quantity, None)]
    records = [good[0], good[1], poisoned[0], good[2], poisoned[1], good[1], poisoned[2], good[3]]
    produce_records(kafka_cluster, topic, records)

    metrics = EventMetrics()
    dedup = Idempotency()
    producer = make_producer()
    handled, loop = run_loop(kafka_cluster, topic, reader, records=len(records), metrics=metrics,
                             idempotency=dedup, producer=producer)
    assert handled == events  # in order; the re-delivered good[1] dropped

    expected = [expected_failure(reader, value, topic) for _key, value, _h in poisoned]
    assert [(e.code, e.path) for e in expected] == [
        ("malformed_input", None), ("invalid_value", None), ("negative_quantity", "$.data.yield_quantity.value")]
    found = letters(kafka_cluster, topic, 3)
    assert [(h["code"], h["path"] or None, h["error_type"]) for h in found] == [
        (e.code, e.path, type(e).__name__) for e in expected]
    assert [h["offset"] for h in found] == ["2", "4", "6"]

    counts = metrics.snapshot()
    assert counts.types[TYPE].consumed == 4
    assert counts.types[TYPE].duplicates == 1
    assert counts.total("rejected") == 3  # no ce_type header: counted under "unknown"
    assert counts.types["unknown"].rejected == 3

    again: list[Any] = []
    fresh = Pipeline(serde.AvroDeserializer(registry), again.append, idempotency=Idempotency(),
                     dead_letter=DeadLetterRouter(producer, f"{topic}.dlq"))
    report = replay(config(kafka_cluster, "replay"), topic, fresh, offsets={0: (0, len(records))}, timeout=DEADLINE)
    assert report.complete
    assert report.records == {0: len(records)}
    assert (report.handled, report.duplicates, report.dead_lettered) == (4, 1, 3)
    assert again == events
    live = replay(config(kafka_cluster, "replay"), topic, loop.pipeline, offsets={0: (0, len(records))},
                  timeout=DEADLINE)
    assert (live.handled, live.duplicates) == (0, 5)  # the live pipeline's store knows every event


def test_json_serde_end_to_end(kafka_cluster: MockCluster, topic: str, make_producer: Callable[..., Producer]) -> None:
    writer, reader = serde.JsonSerializer(), serde.JsonDeserializer()
    events = [confirmation_event(i) for i in range(3)]
    good = [(e.partitionkey.encode(), writer(e), None) for e in events]
    bad_quantity = negative_json(good[2][1])
    records = [good[0], (b"p", b'{"specversion": "1.0"', None), good[1], good[0], (b"q", bad_quantity, None),
               good[2]]
    produce_records(kafka_cluster, topic, records)
    metrics = EventMetrics()
    handled, _loop = run_loop(kafka_cluster, topic, reader, records=len(records), metrics=metrics,
                              idempotency=Idempotency(), producer=make_producer())
    assert handled == events
    expected = [expected_failure(reader, records[i][1], topic) for i in (1, 4)]
    assert [(h["code"], h["path"] or None) for h in letters(kafka_cluster, topic, 2)] == [
        (e.code, e.path) for e in expected]
    assert expected[1].path == "$.data.yield_quantity.value"
    counts = metrics.snapshot()
    assert (counts.total("consumed"), counts.total("duplicates"), counts.total("rejected")) == (3, 1, 2)


@pytest.mark.parametrize("data", ["json", "avro"])
def test_cloudevents_binary_mode_end_to_end(data: str, kafka_cluster: MockCluster, topic: str,
                                            registry: SchemaRegistryClient,
                                            make_producer: Callable[..., Producer]) -> None:
    """Binary mode (JSON or registry Avro data) read by ``CloudEventDeserializer``: a bad quantity in the
    data is dead-lettered at ``$.data...``, a record failing to decode is counted under its ``ce_type``."""
    from mfgcanon.v1.events import AnyEntity

    data_serializer = serde.AvroSerializer(registry, subject_name_strategy="topic_record") if data == "avro" else None
    data_deserializer = serde.AvroDeserializer(registry, type=AnyEntity) if data == "avro" else None
    reader = cloudevents.CloudEventDeserializer(data_deserializer=data_deserializer)
    events = [confirmation_event(i) for i in range(3)]
    good = [cloudevents.to_kafka_message(e, data_serializer=data_serializer, topic=topic) for e in events]
    key, value, headers = good[2]
    value = negative_avro(value, events[2].data) if data == "avro" else negative_json(value)
    bad = cloudevents.KafkaMessage(key, value, headers)
    records = [good[0], good[1], bad, good[0], good[2]]
    produce_records(kafka_cluster, topic, records)
    metrics = EventMetrics()
    handled, _loop = run_loop(kafka_cluster, topic, reader, records=len(records), metrics=metrics,
                              idempotency=Idempotency(), producer=make_producer())
    assert handled == events
    expected = expected_failure(reader, bad.value, topic, bad.headers)
    assert (expected.code, expected.path) == ("negative_quantity", "$.data.yield_quantity.value")
    [letter] = letters(kafka_cluster, topic, 1)
    assert (letter["code"], letter["path"]) == (expected.code, expected.path)
    counts = metrics.snapshot()
    assert (counts.types[TYPE].consumed, counts.types[TYPE].duplicates, counts.types[TYPE].rejected) == (3, 1, 1)


def test_cloudevents_binary_mode_takes_the_partition_key_from_the_message_key(
        kafka_cluster: MockCluster, topic: str, make_producer: Callable[..., Producer]) -> None:
    """Regression: a Deserializer sees value and headers only; the consumer hands a message-level reader
    (``decode_message``) the whole record, so a binary-mode event without ``ce_partitionkey`` keeps its key."""
    event = confirmation_event(7)
    key, value, headers = cloudevents.to_kafka_message(event)
    stripped = [(name, raw) for name, raw in headers if name != "ce_partitionkey"]
    produce_records(kafka_cluster, topic, [(key, value, stripped)])
    handled, _loop = run_loop(kafka_cluster, topic, cloudevents.CloudEventDeserializer(), records=1,
                              metrics=EventMetrics(), idempotency=Idempotency(), producer=make_producer())
    assert handled == [event]


def test_a_tombstone_is_dead_lettered_not_handed_to_the_handler(
        kafka_cluster: MockCluster, topic: str, make_producer: Callable[..., Producer]) -> None:
    """Regression: serde's deserializers return None for a tombstone (Confluent's convention); the loop used
    to hand that None to the handler as an event."""
    event = confirmation_event(1)
    produce_records(kafka_cluster, topic, [(b"gone", None, None), (event.partitionkey.encode(),
                                                                   serde.JsonSerializer()(event), None)])
    metrics = EventMetrics()
    handled, _loop = run_loop(kafka_cluster, topic, serde.JsonDeserializer(), records=2, metrics=metrics,
                              idempotency=Idempotency(), producer=make_producer())
    assert handled == [event]
    [letter] = letters(kafka_cluster, topic, 1)
    assert letter["code"] == "malformed_input"
    assert letter["offset"] == "0"
    assert metrics.snapshot().types["unknown"].rejected == 1
