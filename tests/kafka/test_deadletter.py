"""Dead-letter routing: a mapper's rejects, foreign exceptions, an unacknowledged dead letter."""

from __future__ import annotations

from typing import Any

import pytest
from _broker import (
    config,
    confirmation_event,
    consume_messages,
    create_topics,
    produce_records,
    producer_for,
    until,
)
from confluent_kafka import Producer
from confluent_kafka.serialization import SerializationError

from mfgcanon.errors import DecodeError, ValidationError
from mfgcanon.kafka.consumer import CanonicalConsumer
from mfgcanon.kafka.deadletter import DeadLetterError, DeadLetterRouter, failure_of, read_dead_letter_headers
from mfgcanon.kafka.metrics import EventMetrics
from mfgcanon.kafka.mock_cluster import MockCluster
from mfgcanon.mappers import MappingResult
from mfgcanon.mappers._base import Reject


@pytest.fixture(scope="module")
def cluster(kafka_cluster: MockCluster) -> MockCluster:
    return create_topics(kafka_cluster, ("vendor", 1), ("vendor.dlq", 1))


def test_a_mappers_reject_dead_letters_the_record_and_its_good_events_are_handled(cluster: MockCluster) -> None:
    """A deserializer may map a vendor payload: the converted events go on, the record goes to the DLQ."""
    good = confirmation_event(1)

    def mapping_deserializer(value: bytes | None, _ctx: Any) -> MappingResult:
        result = MappingResult()
        result.add_event(good)
        if value == b"two records, one bad":
            result.add_reject(Reject(code="unknown_unit", reason="unit 'XX' has no Rec 20 code",
                                     location="/CONF/E1CONF[2]/MEINH", payload=b"XX", line=7))
        return result

    produce_records(cluster, "vendor", [(b"k1", b"two records, one bad", None), (b"k2", b"all good", None)])
    seen: list[Any] = []
    metrics = EventMetrics()
    with CanonicalConsumer(config(cluster, "g-vendor"), ["vendor"], mapping_deserializer, seen.append,
                           dead_letter=DeadLetterRouter(producer_for(cluster), "vendor.dlq"), metrics=metrics) as c:
        until(lambda: c.records >= 2, lambda: c.poll(0.2))
    assert seen == [good, good]  # no idempotency helper here: both deliveries reach the handler
    [letter] = consume_messages(cluster, "vendor.dlq", 1)
    assert (letter.key(), letter.value()) == (b"k1", b"two records, one bad")
    info = read_dead_letter_headers(letter.headers())
    assert (info["code"], info["path"], info["error_type"]) == ("unknown_unit", "/CONF/E1CONF[2]/MEINH", "Reject")
    assert metrics.snapshot().types["unknown"].rejected == 1


def test_failures_keep_typed_codes_and_name_foreign_ones() -> None:
    typed = ValidationError("bad", code="negative_quantity", path="$.data.yield_quantity.value")
    assert failure_of(typed).code == "negative_quantity"
    assert failure_of(typed).path == "$.data.yield_quantity.value"
    wrapped = SerializationError("could not deserialize")  # raised `from` an mfgcanon error, as a wrapper does
    wrapped.__cause__ = DecodeError("cut short", code="truncated_input")
    assert (failure_of(wrapped).code, failure_of(wrapped).error_type) == ("truncated_input", "DecodeError")
    foreign = failure_of(KeyError("schema id 42"))
    assert (foreign.code, foreign.path, foreign.error_type) == ("malformed_input", None, "KeyError")
    assert "schema id 42" in foreign.message


def test_headers_of_a_record_dead_lettered_twice_read_the_last() -> None:
    headers = [("mfgcanon.error.code", b"missing_field"), ("x", None), ("mfgcanon.error.code", b"unknown_unit")]
    assert read_dead_letter_headers(headers) == {"code": "unknown_unit"}
    assert read_dead_letter_headers(None) == {}


class _Message:
    def key(self) -> bytes:
        return b"k"

    def value(self) -> bytes:
        return b"v"

    def headers(self) -> None:
        return None

    def timestamp(self) -> tuple[int, int]:
        return (1, 1_700_000_000_000)

    def topic(self) -> str:
        return "t"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return 5


def test_an_unacknowledged_dead_letter_raises_so_the_offset_is_not_committed() -> None:
    nowhere = Producer({"bootstrap.servers": "127.0.0.1:1", "message.timeout.ms": 300, "log_level": 0})
    router = DeadLetterRouter(nowhere, "t.dlq", timeout=5)
    with pytest.raises(DeadLetterError) as caught:
        router.route(_Message(), DecodeError("bad", code="malformed_input"))
    assert caught.value.code == "broker_error"
    refused = DeadLetterRouter(nowhere, "t.dlq", timeout=5)
    refused.producer = None  # a producer that cannot even take the record
    with pytest.raises(DeadLetterError, match="could not produce"):
        refused.route(_Message(), DecodeError("bad", code="malformed_input"))
