"""JSON codec benchmark: mfgcanon against bare msgspec and pydantic v2, side by side in one process.

    .venv/bin/python benchmarks/codecs.py [--quick]

For a 20-field ProductionConfirmation and a 10-operation / 20-component ProductionOrder it prints ns per
message for decode+validate and encode with (a) mfgcanon's codecs, (b) a bare msgspec Decoder/Encoder on
the same structs (mfgcanon's wrapping removed: the floor for a typed decode) and an untyped
``msgspec.json.decode`` to dicts, and (c) a pydantic v2 model of the same shape and constraints, built
from the msgspec types. Then memory per decoded object and the cost of ``import mfgcanon``.
Timings are medians of interleaved repeats; compare the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import timeit
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional

import msgspec
import pydantic

import mfgcanon
from mfgcanon import codecs
from mfgcanon.v1 import (
    ActivityKind,
    ActivityTime,
    Location,
    MaterialRequirement,
    Operation,
    OrderStatus,
    ProductionConfirmation,
    ProductionOrder,
    Property,
    Quantity,
    SourceRef,
)

# --------------------------------------------------------------------------- pydantic mirror of the model


def _pydantic_type(info: msgspec.inspect.Type, cache: dict[type, type[pydantic.BaseModel]], *,
                   unsigned: bool) -> Any:
    """The pydantic annotation equivalent to one msgspec type, constraints included."""
    it = msgspec.inspect
    if isinstance(info, it.Metadata):
        inner = info.type
        if isinstance(inner, it.DecimalType):
            return Annotated[Decimal, pydantic.Field(ge=0 if unsigned else None, allow_inf_nan=False)]
        return _pydantic_type(inner, cache, unsigned=unsigned)
    if isinstance(info, it.StrType):
        return Annotated[str, pydantic.StringConstraints(min_length=info.min_length, max_length=info.max_length)]
    if isinstance(info, it.IntType):
        return Annotated[int, pydantic.Field(ge=info.ge, le=info.le)]
    if isinstance(info, it.DecimalType):
        return Annotated[Decimal, pydantic.Field(ge=0 if unsigned else None, allow_inf_nan=False)]
    if isinstance(info, it.DateTimeType):
        return pydantic.AwareDatetime if info.tz else datetime
    if isinstance(info, it.DateType):
        return date
    if isinstance(info, it.BoolType):
        return bool
    if isinstance(info, it.UUIDType):
        return uuid.UUID
    if isinstance(info, it.EnumType):
        return info.cls
    if isinstance(info, it.LiteralType):
        return Literal[tuple(info.values)]
    if isinstance(info, it.ListType):
        return list[_pydantic_type(info.item_type, cache, unsigned=unsigned)]  # type: ignore[misc]
    if isinstance(info, it.UnionType):
        members = [t for t in info.types if not isinstance(t, it.NoneType)]
        inner_type = _pydantic_type(members[0], cache, unsigned=unsigned)
        return Optional[inner_type] if len(members) < len(info.types) else inner_type  # noqa: UP045
    if isinstance(info, it.StructType):
        return pydantic_model(info.cls, cache)
    raise TypeError(f"no pydantic mirror for {info!r}")


def pydantic_model(
    struct: type[msgspec.Struct], cache: dict[type, type[pydantic.BaseModel]],
) -> type[pydantic.BaseModel]:
    """A pydantic model with the same fields, defaults and constraints as a msgspec struct."""
    if struct in cache:
        return cache[struct]
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    fields: dict[str, Any] = {}
    if info.tag_field:
        fields[info.tag_field] = (Literal[info.tag], info.tag)
    for field in info.fields:
        annotation = _pydantic_type(field.type, cache, unsigned=struct is Quantity)
        if field.required:
            fields[field.name] = (annotation, ...)
        elif field.default_factory is not msgspec.NODEFAULT:
            fields[field.name] = (annotation, pydantic.Field(default_factory=field.default_factory))
        else:
            fields[field.name] = (annotation, field.default)
    model = pydantic.create_model(f"P{struct.__name__}", **fields)
    cache[struct] = model
    return model


# --------------------------------------------------------------------------- workload


def quantity(value: str, uom: str = "H87") -> Quantity:
    return Quantity(value=Decimal(value), uom=uom, source_uom="ST" if uom == "H87" else None)


def make_confirmation(i: int = 0) -> ProductionConfirmation:
    start = datetime(2026, 11, 24, 6, 0, tzinfo=UTC) + timedelta(minutes=i)
    return ProductionConfirmation(
        confirmation_id=f"{100000 + i}/1", order_id=f"{1000000 + i}", operation_id="0020", plant="1710",
        work_center_id="WELD-02", equipment_id="ROBOT-7", yield_quantity=quantity("118.000"),
        scrap_quantity=quantity("2.000"), rework_quantity=quantity("1.000"), scrap_reason_code="WELD",
        is_final=True, started_at=start, ended_at=start + timedelta(hours=6), posting_date=date(2026, 11, 24),
        activities=[ActivityTime(activity=ActivityKind.MACHINE, duration=quantity("5.800", "HUR")),
                    ActivityTime(activity=ActivityKind.LABOR, duration=quantity("6.100", "HUR"))],
        personnel_ids=["50001234"], produced_lot_id="B2026-1124", recorded_at=start + timedelta(hours=6, minutes=2),
        source=SourceRef(system="S4H-100", document_type="IDOC:PPCC2PRETTICKET02", document_id=f"{481700 + i}"),
    )


def make_order() -> ProductionOrder:
    start = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    operations = [
        Operation(operation_id=f"{(n + 1) * 10:04d}", description=f"Step {n}", work_center_id=f"WC-{n:02d}",
                  control_key="PP01", planned_quantity=quantity("120.000"),
                  planned_start_at=start + timedelta(hours=n), planned_end_at=start + timedelta(hours=n + 1),
                  planned_activities=[ActivityTime(activity=ActivityKind.SETUP, duration=quantity("0.500", "HUR"))])
        for n in range(10)
    ]
    components = [
        MaterialRequirement(line_id=f"0000012345/{n + 1:04d}", material_id=f"RM-{n:04d}",
                            quantity=quantity(f"{n + 1}.250", "KGM"), operation_id=f"{(n % 10 + 1) * 10:04d}",
                            bom_item_number=f"{(n + 1) * 10:04d}", required_date=date(2026, 11, 24),
                            issue_location=Location(plant="1710", storage_location="171A"),
                            is_backflush=n % 2 == 0, lot_id=f"L{n}" if n % 3 == 0 else None)
        for n in range(20)
    ]
    return ProductionOrder(
        order_id="1000123", plant="1710", order_type="YBM1", status=OrderStatus.RELEASED, status_source_code="REL PRC",
        material_id="FG126", planned_quantity=quantity("120.000"), planned_scrap_quantity=quantity("2.000"),
        planned_start_at=start, planned_end_at=start + timedelta(hours=12), priority=5, routing_id="50000123",
        bom_id="00001234", target_lot_id="B2026-1124", operations=operations, material_requirements=components,
        released_at=start - timedelta(minutes=15), properties=[Property(name="sap.production_supervisor", value="101")],
        source=SourceRef(system="S4H-100", document_type="IDOC:LOIPRO05", document_id="481516"),
    )


# --------------------------------------------------------------------------- timing


def median_ns(func: Callable[[], object], repeat: int, target: float) -> float:
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    number = max(1, int(number * target / 0.2))
    return statistics.median(timer.repeat(repeat=repeat, number=number)) / number * 1e9


def compare(title: str, cases: dict[str, Callable[[], object]], repeat: int, target: float) -> dict[str, float]:
    # round-robin repeats so machine noise hits every case alike
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, func in cases.items():
            samples[name].append(median_ns(func, 1, target))
    results = {name: statistics.median(values) for name, values in samples.items()}
    reference = next(iter(results.values()))
    print(f"\n{title}")
    for name, ns in results.items():
        print(f"  {name:<42} {ns / 1000:9.2f} µs   {ns / reference:5.2f}×")
    return results


def memory_per_object(decode: Callable[[bytes], object], payloads: list[bytes]) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    kept = [decode(p) for p in payloads]
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    size = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    del kept
    return size / len(payloads)


def import_cost(runs: int = 7) -> tuple[float, list[str]]:
    def wall(code: str) -> float:
        best = float("inf")
        for _ in range(runs):
            start = timeit.default_timer()
            subprocess.run([sys.executable, "-c", code], check=True)
            best = min(best, timeit.default_timer() - start)
        return best

    heavy = subprocess.run(
        [sys.executable, "-c", "import sys, mfgcanon; print(','.join(m for m in ('pydantic','fastavro','lxml',"
         "'jsonschema','click','rich','hypothesis') if m in sys.modules))"],
        check=True, capture_output=True, text=True).stdout.strip()
    return (wall("import mfgcanon") - wall("pass")) * 1000, [m for m in heavy.split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    args = parser.parse_args()
    repeat, target = (5, 0.05) if args.quick else (11, 0.1)
    cache: dict[type, type[pydantic.BaseModel]] = {}
    print(f"mfgcanon {mfgcanon.__version__}, msgspec {msgspec.__version__}, pydantic {pydantic.VERSION}, "
          f"Python {sys.version.split()[0]}")
    summary: list[str] = []
    for name, entity in (("ProductionConfirmation", make_confirmation()), ("ProductionOrder", make_order())):
        cls = type(entity)
        payload = mfgcanon.encode(entity)
        model = pydantic_model(cls, cache)
        as_pydantic = model.model_validate_json(payload)
        assert msgspec.json.decode(as_pydantic.model_dump_json(exclude_none=True), type=cls) == entity
        bare_decoder, bare_encoder = msgspec.json.Decoder(cls), msgspec.json.Encoder()
        print(f"\n== {name}: {len(payload)} bytes of JSON")
        dec = compare("decode + validate", {
            "mfgcanon codecs.decode": lambda: codecs.decode(payload, type=cls),  # noqa: B023
            "bare msgspec Decoder(T).decode": lambda: bare_decoder.decode(payload),  # noqa: B023
            "untyped msgspec.json.decode (floor)": lambda: msgspec.json.decode(payload),  # noqa: B023
            "pydantic model_validate_json": lambda: model.model_validate_json(payload),  # noqa: B023
        }, repeat, target)
        enc = compare("encode", {
            "mfgcanon codecs.encode": lambda: codecs.encode(entity),  # noqa: B023
            "bare msgspec Encoder.encode": lambda: bare_encoder.encode(entity),  # noqa: B023
            "pydantic model_dump_json": lambda: as_pydantic.model_dump_json(),  # noqa: B023
        }, repeat, target)
        payloads = [mfgcanon.encode(make_confirmation(i)) for i in range(5000)] if cls is ProductionConfirmation \
            else [payload] * 1000
        mem_ours = memory_per_object(lambda p: codecs.decode(p, type=cls), payloads)  # noqa: B023
        mem_pyd = memory_per_object(model.model_validate_json, payloads)
        print(f"\nmemory per decoded object: mfgcanon {mem_ours / 1024:.2f} KiB, pydantic {mem_pyd / 1024:.2f} KiB "
              f"({mem_ours / mem_pyd:.2f}×)")
        values = list(dec.values())
        encs = list(enc.values())
        summary.append(f"{name}: decode {values[0] / values[1]:.2f}× bare msgspec, {values[3] / values[0]:.2f}× faster "
                       f"than pydantic; encode {encs[0] / encs[1]:.2f}× bare msgspec, {encs[2] / encs[0]:.2f}× faster "
                       f"than pydantic; memory {mem_ours / mem_pyd:.2f}× pydantic")
    milliseconds, heavy = import_cost()
    summary.append(f"import mfgcanon: {milliseconds:.0f} ms over a bare interpreter; heavy modules imported: "
                   f"{', '.join(heavy) or 'none'}")
    print("\nSummary (targets: ≤1.15× bare msgspec; ≥2× pydantic decode, ≥3.5× encode; memory ≤0.45×; import <80 ms)")
    for line in summary:
        print(" ", line)


if __name__ == "__main__":

    main()
