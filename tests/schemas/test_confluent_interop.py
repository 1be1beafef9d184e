"""Our registry wire format against confluent-kafka's own Avro serde, through its mock schema registry.

Needs ``confluent-kafka[avro]`` (fastavro, requests, attrs, cachetools, authlib, httpx); skipped without.
"""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

import mfgcanon.avro as mavro
from mfgcanon.schema.registry import record_name, subject_name
from mfgcanon.v1 import ActivityKind, ActivityTime, ProductionConfirmation, ProductionConfirmed, Quantity, build_event

with warnings.catch_warnings():  # authlib warns about its httpx integration on import
    warnings.simplefilter("ignore")
    try:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
        from confluent_kafka.serialization import MessageField, SerializationContext
    except ImportError as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"confluent-kafka[avro] is not installed ({exc})", allow_module_level=True)

pytestmark = pytest.mark.filterwarnings("ignore:The httpx module is deprecated")  # authlib, lazily imported
TOPIC = "mfg.production-confirmations"
T0 = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)


def _event() -> ProductionConfirmed:
    confirmation = ProductionConfirmation(
        confirmation_id="1234/5", order_id="1000123", operation_id="0010", plant="1710",
        yield_quantity=Quantity(value=Decimal("125.5"), uom="KGM"), scrap_quantity=Quantity(value=Decimal("1E+3"),
                                                                                              uom="KGM"),
        started_at=T0, ended_at=T0 + timedelta(hours=1),
        activities=[ActivityTime(activity=ActivityKind.MACHINE, duration=Quantity(value=Decimal("1.25"), uom="HUR"))])
    return build_event(ProductionConfirmed, confirmation, source_system="S4H-100", time=T0)


def _client() -> Any:
    if not hasattr(SchemaRegistryClient, "new_client"):  # pragma: no cover - older confluent-kafka
        pytest.skip("this confluent-kafka has no mock:// schema registry client")
    return SchemaRegistryClient.new_client({"url": "mock://mfgcanon-tests"})


@pytest.mark.parametrize("to_dict", ["to_datum", "to_builtins"])
def test_we_read_the_confluent_serializers_bytes(to_dict: str) -> None:
    client = _client()
    schema_str = json.dumps(mavro.schema(ProductionConfirmed))

    def convert(obj: Any, ctx: Any) -> Any:
        if to_dict == "to_datum":
            return mavro.to_datum(obj)
        import msgspec
        return msgspec.to_builtins(obj, builtin_types=(datetime, Decimal))

    serializer = AvroSerializer(client, schema_str, to_dict=convert)
    event = _event()
    theirs = serializer(event, SerializationContext(TOPIC, MessageField.VALUE))
    assert theirs is not None
    assert theirs[0] == 0
    schema_id, _ = mavro.parse_frame(theirs)
    assert client.get_subjects() == [subject_name("topic", TOPIC, record_name(ProductionConfirmed))]
    assert mavro.decode_framed(theirs, {schema_id: ProductionConfirmed}) == event
    # and our bytes for the same id are the same bytes
    assert mavro.encode_framed(event, schema_id) == theirs


def test_the_confluent_deserializer_reads_our_bytes() -> None:
    client = _client()
    schema_str = json.dumps(mavro.schema(ProductionConfirmed))
    from confluent_kafka.schema_registry import Schema

    subject = subject_name("topic", TOPIC, record_name(ProductionConfirmed))
    schema_id = client.register_schema(subject, Schema(schema_str, "AVRO"))
    ours = mavro.encode_framed(_event(), schema_id)
    deserializer = AvroDeserializer(client, schema_str,
                                    from_dict=lambda datum, ctx: mavro.from_datum(datum, type=ProductionConfirmed))
    assert deserializer(ours, SerializationContext(TOPIC, MessageField.VALUE)) == _event()
    plain = AvroDeserializer(client)(ours, SerializationContext(TOPIC, MessageField.VALUE))
    assert plain["data"]["yield_quantity"]["value"] == Decimal("125.5")
    assert plain["time"] == T0
