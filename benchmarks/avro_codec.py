"""Avro encode/decode of canonical entities: mfgcanon vs fastavro on plain dicts vs Apache avro.

    python benchmarks/avro_codec.py [--rounds 7] [--quick]

All contenders run side by side in one process, interleaved round by round (a shared, noisy box
moves every contender alike); each figure is the best round's mean, in µs per message. The target:
mfgcanon's Avro decode to typed entities and encode from them, each within 1.1x of fastavro on
plain dicts of the same data (logical types included, as fastavro users write them).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import io
import json
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import msgspec
from jsonschema import Draft202012Validator

import mfgcanon.avro as mavro
from mfgcanon import codecs
from mfgcanon.schema.jsonschema import json_schema
from mfgcanon.v1 import (
    ActivityKind,
    ActivityTime,
    Location,
    MaterialRequirement,
    Operation,
    OperationStatus,
    OrderStatus,
    ProductionConfirmation,
    ProductionOrder,
    Property,
    Quantity,
    SourceRef,
)

T0 = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)


@functools.cache
def apache_avro() -> Any:
    """The Apache ``avro`` package: this script's own name shadows it on ``sys.path[0]``, so drop that first."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.modules.pop("avro", None)
    module = importlib.import_module("avro")
    importlib.import_module("avro.io")
    importlib.import_module("avro.schema")
    return module


def quantity(value: str, uom: str = "KGM") -> Quantity:
    return Quantity(value=Decimal(value), uom=uom)


def production_confirmation() -> ProductionConfirmation:
    """20 fields set, as a typical SAP confirmation carries them."""
    source = SourceRef(system="S4H-100", document_type="IDOC:CONF21", document_id="0000000000123456", line="1",
                       received_at=T0)
    return ProductionConfirmation(
        confirmation_id="1234/5", order_id="1000123", operation_id="0010", plant="1710", work_center_id="WC-01",
        equipment_id="LINE-1", yield_quantity=quantity("125.5"), scrap_quantity=quantity("2.25"),
        rework_quantity=quantity("0"), scrap_reason_code="R01", is_final=True, started_at=T0,
        ended_at=T0 + timedelta(hours=2), posting_date=date(2026, 3, 1),
        activities=[ActivityTime(activity=ActivityKind.SETUP, duration=quantity("0.5", "HUR"),
                                 activity_type_code="1420"),
                    ActivityTime(activity=ActivityKind.MACHINE, duration=quantity("1.5", "HUR"))],
        personnel_ids=["4711", "4712"], produced_lot_id="B0001", material_movement_ids=["4900000123/2026/1"],
        recorded_at=T0, properties=[Property(name="sap.control_key", value="PP01")], source=source)


def production_order() -> ProductionOrder:
    """10 operations and 20 components."""
    operations = [Operation(
        operation_id=f"{i * 10:04d}", sequence=i, description=f"Step {i}", work_center_id=f"WC-{i:02d}",
        control_key="PP01", planned_quantity=quantity("100"), planned_start_at=T0 + timedelta(hours=i),
        planned_end_at=T0 + timedelta(hours=i + 1),
        planned_activities=[ActivityTime(activity=ActivityKind.SETUP, duration=quantity("0.25", "HUR")),
                            ActivityTime(activity=ActivityKind.MACHINE, duration=quantity("1.125", "HUR"))],
        status=OperationStatus.RELEASED) for i in range(1, 11)]
    components = [MaterialRequirement(
        line_id=f"0000012345/{i:04d}", material_id=f"RM-{1000 + i}", quantity=quantity(f"{i}.125"),
        operation_id=f"{(i % 10 + 1) * 10:04d}", bom_item_number=f"{i * 10:04d}",
        issue_location=Location(plant="1710", storage_location="0001"), required_date=date(2026, 3, 2),
        is_backflush=bool(i % 2)) for i in range(20)]
    return ProductionOrder(
        order_id="1000123", plant="1710", order_type="PP01", status=OrderStatus.RELEASED, material_id="FG-100",
        planned_quantity=quantity("100"), planned_start_at=T0, planned_end_at=T0 + timedelta(days=1), priority=5,
        routing_id="50000123", bom_id="00000456", operations=operations, material_requirements=components,
        revision="3", released_at=T0,
        source=SourceRef(system="S4H-100", document_type="IDOC:LOIPRO05", document_id="0000000000654321"))


def measure(contenders: dict[str, Callable[[], Any]], rounds: int, budget: float) -> dict[str, float]:
    """Best-round mean µs per call for each contender, interleaved round by round."""
    numbers: dict[str, int] = {}
    for name, fn in contenders.items():  # calibrate: about `budget` seconds per round and contender
        fn()
        start = time.perf_counter()
        count = 0
        while time.perf_counter() - start < budget / 4:
            fn()
            count += 1
        numbers[name] = max(3, int(count * 4))
    best = {name: float("inf") for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            n = numbers[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / n * 1e6)
    return best


def apache_datum(value: Any) -> Any:
    """Apache avro 1.12 corrupts decimals whose exponent differs from the scale and cannot write UUIDs:
    quantize and stringify so it writes the same values (it is measured, not trusted)."""
    if isinstance(value, dict):
        return {k: apache_datum(v) for k, v in value.items()}
    if isinstance(value, list):
        return [apache_datum(v) for v in value]
    if isinstance(value, Decimal):
        return value.quantize(Decimal("1E-9")) + 0
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def run(entity: Any, rounds: int, budget: float) -> list[tuple[str, float, float]]:
    tp = type(entity)
    schema = mavro.schema(tp)
    parsed = fastavro.parse_schema(schema)
    payload = mavro.encode(entity)
    # the plain dict a fastavro user holds: every field present, logical values as Python objects
    plain = fastavro.schemaless_reader(io.BytesIO(payload), parsed)
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, plain)
    assert out.getvalue() == payload, "mfgcanon and fastavro must write the same bytes"

    avro = apache_avro()
    apache_schema = avro.schema.parse(json.dumps(schema))
    apache_writer = avro.io.DatumWriter(apache_schema)
    apache_reader = avro.io.DatumReader(apache_schema)
    apache_plain = apache_datum(plain)

    def fastavro_encode() -> bytes:
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, parsed, plain)
        return buffer.getvalue()

    def apache_encode() -> bytes:
        buffer = io.BytesIO()
        apache_writer.write(apache_plain, avro.io.BinaryEncoder(buffer))
        return buffer.getvalue()

    json_bytes = codecs.encode(entity)
    msgpack_bytes = codecs.encode(entity, format="msgpack")
    validator = Draft202012Validator(json_schema(tp, "bench"))
    encode = measure({
        "mfgcanon.avro.encode(struct)": lambda: mavro.encode(entity),
        "fastavro schemaless_writer(dict)": fastavro_encode,
        "apache avro DatumWriter(dict)": apache_encode,
        "mfgcanon.codecs.encode json": lambda: codecs.encode(entity),
        "mfgcanon.codecs.encode msgpack": lambda: codecs.encode(entity, format="msgpack"),
    }, rounds, budget)
    decode = measure({
        "mfgcanon.avro.decode -> struct": lambda: mavro.decode(payload, type=tp),
        "fastavro schemaless_reader -> dict": lambda: fastavro.schemaless_reader(io.BytesIO(payload), parsed),
        "apache avro DatumReader -> dict": lambda: apache_reader.read(avro.io.BinaryDecoder(io.BytesIO(payload))),
        "mfgcanon.codecs.decode json -> struct": lambda: codecs.decode(json_bytes, type=tp),
        "mfgcanon.codecs.decode msgpack -> struct": lambda: codecs.decode(msgpack_bytes, type=tp, format="msgpack"),
    }, rounds, budget)
    validate = measure({
        "mfgcanon.codecs.decode (parse + validate)": lambda: codecs.decode(json_bytes, type=tp),
        "json.loads + jsonschema validate": lambda: validator.validate(json.loads(json_bytes)),
    }, rounds, budget)
    rows = []
    for group, results, reference in ((f"{tp.__name__} encode", encode, "fastavro schemaless_writer(dict)"),
                                      (f"{tp.__name__} decode", decode, "fastavro schemaless_reader -> dict"),
                                      (f"{tp.__name__} JSON validation", validate,
                                       "mfgcanon.codecs.decode (parse + validate)")):
        for name, value in results.items():
            rows.append((f"{group}: {name}", value, value / results[reference]))
    rows.append((f"{tp.__name__} size: Avro bytes (ratio column: 1.00)", float(len(payload)), 1.0))
    rows.append((f"{tp.__name__} size: JSON bytes (ratio: x Avro)", float(len(json_bytes)),
                 len(json_bytes) / len(payload)))
    rows.append((f"{tp.__name__} size: MessagePack bytes (ratio: x Avro)", float(len(msgpack_bytes)),
                 len(msgpack_bytes) / len(payload)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 short rounds (a smoke run)")
    args = parser.parse_args(argv)
    rounds, budget = (3, 0.05) if args.quick else (args.rounds, 0.3)
    print(f"python {sys.version.split()[0]}, fastavro {fastavro.__version__}, msgspec {msgspec.__version__}; "
          f"best of {rounds} interleaved rounds")
    print(f"{'contender':<92} {'µs/msg':>10} {'× ref':>7}")
    for entity in (production_confirmation(), production_order()):
        for name, value, ratio in run(entity, rounds, budget):
            print(f"{name:<92} {value:>10.2f} {ratio:>7.2f}")
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
