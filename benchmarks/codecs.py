"""JSON codec benchmark: mfgcanon against an honest msgspec floor and pydantic v2, side by side in one process.

    python benchmarks/codecs.py [--quick]

What is compared, for a ProductionOrder (10 operations, 20 components), a ProductionConfirmation and a
ProductionConfirmed event, all fully populated with schema 1.2 fields:

* ``mfgcanon``: the public entry points ``mfgcanon.decode(buf, type=T)`` and ``mfgcanon.encode(obj)``.
* ``floor``: plain ``msgspec.Struct`` classes of the same shape, built below from ``msgspec.inspect`` of the
  real classes (:class:`Mirror`): the same field names, order, defaults, tags and ``tag_field``, the same
  enums and literals, the same nesting, and the same struct options (``frozen``, ``kw_only``,
  ``omit_defaults``, ``gc=False``, ...), but every string, integer, decimal, datetime and list is the plain
  type: no ``Meta`` constraints (lengths, bounds, ``tz=True``) and no ``__post_init__`` hooks.
  That is the fair floor: both sides parse the same bytes into the same number of objects of the same
  Python types, so what is left between them is exactly mfgcanon's checks (and its entry-point wrapper).
  The floor re-encodes to the very same bytes (asserted). An untyped ``msgspec.json.decode`` is no floor
  (it builds dicts and strings, not Decimals and datetimes), and msgspec on mfgcanon's own structs is no
  floor either (it runs the same hooks, so about 1.0x is built in): that row is shown only to split the
  gap into the wrapper, the hooks and the constraints.
* ``pydantic``: the generated models in ``mfgcanon.pydantic.v1`` (``model_validate_json`` and
  ``model_dump_json``, which also writes every null; the ``exclude_unset=True`` row writes the same
  document as mfgcanon).

Timings: each sample times enough calls to last ``--sample`` seconds of this thread's CPU time (``--clock
wall`` for wall time: CPU time leaves out the time spent waiting for a CPU, so it holds on a shared machine);
samples of all rows are interleaved round-robin so machine noise hits every row alike; the figure is the best
of N samples (the least disturbed one), with the median and the worst printed as the spread. Garbage
collection is off while timing (timeit's default) for every row alike. The gap to the floor is then split
into steps (constraints, calling a hook, the hooks' bodies, the entry point) and per hook. Memory: bytes still
allocated (tracemalloc) after decoding N messages and keeping every object. Import: ``python -c 'import
mfgcanon'`` minus ``python -c 'pass'`` in fresh interpreters (wall and child CPU time), best of N, with
bytecode cached (in a temporary ``PYTHONPYCACHEPREFIX``) as for an installed package. Compare the ratios;
absolute times depend on the machine. Figures and their analysis: ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import inspect
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import tracemalloc
import typing
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
import pydantic

import mfgcanon
import mfgcanon.pydantic.v1 as pyd
from mfgcanon.v1 import (
    ActivityKind,
    ActivityTime,
    ConfirmationOutput,
    Location,
    MaterialRequirement,
    MessageSeverity,
    Operation,
    OperationStatus,
    OrderStatus,
    Posting,
    PostingMessage,
    PostingState,
    ProductionConfirmation,
    ProductionConfirmed,
    ProductionOrder,
    Property,
    PropertyType,
    Quantity,
    SourceRef,
    SupplyType,
)
from mfgcanon.v1.events import Event, build_event

TARGETS = {"decode_floor": 1.25, "encode_floor": 1.1, "decode_pydantic": 3.0, "encode_pydantic": 4.5,
           "encode_pydantic_same": 4.5, "memory_pydantic": 0.4, "import_ms": 60.0}

# --------------------------------------------------------------------------- mirrors of the model

_it = msgspec.inspect
_SCALARS: dict[type[_it.Type], Any] = {
    _it.StrType: str, _it.IntType: int, _it.FloatType: float, _it.BoolType: bool, _it.DecimalType: Decimal,
    _it.DateTimeType: datetime, _it.DateType: date, _it.TimeType: dt.time, _it.TimeDeltaType: timedelta,
    _it.UUIDType: uuid.UUID, _it.BytesType: bytes,
}


def _noop_hook(self: Any) -> None:
    """Stands in for a real hook: what calling any Python ``__post_init__`` costs, with no work in it."""


HookChoice = Callable[[type], dict[str, Any] | None]


def no_hooks(cls: type) -> dict[str, Any] | None:
    return None


def noop_hooks(cls: type) -> dict[str, Any] | None:
    """A hook that does nothing on every class that has one in the model."""
    return {"__post_init__": _noop_hook} if hasattr(cls, "__post_init__") else None


def real_hook_of(owner: str) -> HookChoice:
    """The model's own hook (``owner`` is its ``__qualname__``), with the methods and class constants it
    uses, on the classes that run it; no hook elsewhere."""
    def choose(cls: type) -> dict[str, Any] | None:
        hook = getattr(cls, "__post_init__", None)
        if hook is None or hook.__qualname__ != owner:
            return None
        namespace: dict[str, Any] = {}
        for klass in reversed(cls.__mro__[:cls.__mro__.index(msgspec.Struct)]):
            namespace.update((name, value) for name, value in vars(klass).items()
                             if name == "__post_init__" or name.isupper() or (
                                 not name.startswith("__") and callable(value) and not isinstance(value, type)))
        return namespace
    return choose


class Mirror:
    """Plain msgspec structs of the same shape as the model's, built from ``msgspec.inspect.type_info``.

    With the defaults it gives the floor. ``constraints=True`` keeps every ``Meta`` constraint the inspector
    reports (lengths, bounds, ``tz``); ``hooks`` chooses a ``__post_init__`` per class (none, a no-op, or the
    model's own for one hook): the steps between the floor and the model, to see where the time goes.
    """

    def __init__(self, prefix: str, *, constraints: bool = False, hooks: HookChoice = no_hooks) -> None:
        self.prefix, self.constraints, self.hooks = prefix, constraints, hooks
        self.classes: dict[type, type[msgspec.Struct]] = {}
        self._building: set[type] = set()

    def struct(self, cls: type[msgspec.Struct]) -> type[msgspec.Struct]:
        if cls in self.classes:
            return self.classes[cls]
        if cls in self._building:
            raise TypeError(f"{cls.__name__} is recursive: the mirror does not handle that")
        self._building.add(cls)
        info = _it.type_info(cls)
        assert isinstance(info, _it.StructType)
        config = cls.__struct_config__
        fields: list[tuple[Any, ...]] = []
        for field in info.fields:
            annotation = self.annotation(field.type)
            if field.required:
                fields.append((field.name, annotation))
            elif field.default_factory is not msgspec.NODEFAULT:
                fields.append((field.name, annotation, msgspec.field(default_factory=field.default_factory)))
            else:
                fields.append((field.name, annotation, field.default))
        rename = {f.name: f.encode_name for f in info.fields if f.encode_name != f.name} or None
        kw_only = all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in inspect.signature(cls).parameters.values())
        mirror = msgspec.defstruct(
            f"{self.prefix}{cls.__name__}", fields, module=__name__, namespace=self.hooks(cls), rename=rename,
            tag_field=info.tag_field, tag=info.tag, kw_only=kw_only, frozen=config.frozen, eq=config.eq,
            order=config.order, omit_defaults=config.omit_defaults, repr_omit_defaults=config.repr_omit_defaults,
            forbid_unknown_fields=config.forbid_unknown_fields, array_like=config.array_like, gc=config.gc,
            weakref=config.weakref, dict=config.dict, cache_hash=config.cache_hash,
        )
        self._building.discard(cls)
        self.classes[cls] = mirror
        return mirror

    def _constrained(self, base: Any, info: _it.Type, skip: tuple[str, ...] = ()) -> Any:
        limits = {name: getattr(info, name) for name in info.__struct_fields__
                  if name not in skip and getattr(info, name) is not None}
        return Annotated[base, msgspec.Meta(**limits)] if limits and self.constraints else base

    def annotation(self, info: _it.Type) -> Any:
        """The annotation for one inspected type: the same shape, constraints only if asked for."""
        if isinstance(info, _it.Metadata):  # descriptions and schema extras: no effect on the codec
            return self.annotation(info.type)
        if type(info) in _SCALARS:
            return self._constrained(_SCALARS[type(info)], info)
        if isinstance(info, _it.NoneType):
            return None
        if isinstance(info, _it.AnyType):
            return Any
        if isinstance(info, _it.EnumType):
            return info.cls
        if isinstance(info, _it.LiteralType):
            return Literal[tuple(info.values)]
        if isinstance(info, _it.ListType):
            return self._constrained(list[self.annotation(info.item_type)], info, skip=("item_type",))  # type: ignore[misc]
        if isinstance(info, _it.DictType):
            return self._constrained(dict[self.annotation(info.key_type), self.annotation(info.value_type)],  # type: ignore[misc]
                                     info, skip=("key_type", "value_type"))
        if isinstance(info, _it.UnionType):
            members = tuple(self.annotation(member) for member in info.types)
            return members[0] if len(members) == 1 else typing.Union[members]  # noqa: UP007
        if isinstance(info, _it.StructType):
            return self.struct(info.cls)
        raise TypeError(f"no mirror for {info!r}")


# --------------------------------------------------------------------------- workload


def qty(value: str, uom: str = "H87", source_uom: str | None = None) -> Quantity:
    return Quantity(value=Decimal(value), uom=uom, source_uom=source_uom or ("ST" if uom == "H87" else None))


def source(document_type: str, document_id: str, at: datetime) -> SourceRef:
    return SourceRef(system="S4H-100", document_type=document_type, document_id=document_id, revision="3",
                     received_at=at, business_document_id=f"{document_id}/2026",
                     message_id=f"kafka:sap.loipro:3:{document_id}")


def make_order(i: int = 0) -> ProductionOrder:
    """A released order in progress: 10 operations (3 done, 1 running), 20 components, 1.2 fields set."""
    start = datetime(2026, 11, 24, 6, 0, tzinfo=UTC) + timedelta(minutes=i)
    order_id = f"{1000123 + i}"
    operations = []
    for n in range(10):
        done, running = n < 3, n == 3
        operations.append(Operation(
            operation_id=f"{(n + 1) * 10:04d}", sequence_id="0", source_operation_id=f"{1000400 + i:010d}/{n + 1:08d}",
            description=f"Weld and inspect step {n + 1}", work_center_id=f"WELD-{n % 4:02d}", control_key="PP01",
            planned_quantity=qty("120.000"), planned_start_at=start + timedelta(hours=n),
            planned_end_at=start + timedelta(hours=n + 1), latest_start_at=start + timedelta(hours=n + 2),
            latest_end_at=start + timedelta(hours=n + 3),
            actual_start_at=start + timedelta(hours=n, minutes=5) if done or running else None,
            actual_end_at=start + timedelta(hours=n + 1, minutes=2) if done else None,
            planned_activities=[
                ActivityTime(activity=ActivityKind.SETUP, duration=qty("0.500", "HUR"), activity_source_code="VGW01",
                             activity_type_code="1420"),
                ActivityTime(activity=ActivityKind.MACHINE, duration=qty("0.850", "HUR"), activity_source_code="VGW02",
                             activity_type_code="1421", basis_quantity=qty("100.000"), resource_id=f"ROBOT-{n % 3}"),
            ],
            status=(OperationStatus.CONFIRMED_FINAL if done else OperationStatus.IN_PROGRESS if running
                    else OperationStatus.RELEASED),
            status_source_code="CNF" if done else "PCNF" if running else "REL",
            confirmed_yield_quantity=qty("118.000") if done else qty("40.000") if running else None,
            confirmed_scrap_quantity=qty("2.000") if done else None,
        ))
    components = [
        MaterialRequirement(
            line_id=f"0000012345/{n + 1:04d}", material_id=f"RM-{n:04d}", quantity=qty(f"{n + 1}.250", "KGM"),
            issued_quantity=qty(f"{n}.125", "KGM") if n % 2 == 0 else None,
            supply_type=SupplyType.OPERATION_PULL if n % 2 == 0 else SupplyType.PUSH,
            supply_type_source_code="1" if n % 2 == 0 else None, is_final_issue=n < 4,
            operation_id=f"{(n % 10 + 1) * 10:04d}", bom_item_number=f"{(n + 1) * 10:04d}",
            lot_id=f"L2026-{n:03d}" if n % 3 == 0 else None,
            issue_location=Location(plant="1710", company_id="1710", storage_location="171A"),
            required_date=date(2026, 11, 24), is_backflush=n % 2 == 0)
        for n in range(20)
    ]
    return ProductionOrder(
        order_id=order_id, plant="1710", company_id="1710", description="Bracket FG126, welded",
        order_type="YBM1", status=OrderStatus.IN_PROGRESS, status_source_code="REL PCNF PRC MACM",
        material_id="FG126", planned_quantity=qty("120.000"), planned_scrap_quantity=qty("2.000"),
        planned_start_at=start, planned_end_at=start + timedelta(hours=12),
        scheduled_start_at=start + timedelta(minutes=30), scheduled_end_at=start + timedelta(hours=11),
        due_at=start + timedelta(days=1), actual_start_at=start + timedelta(minutes=5), priority=500,
        priority_source_code="3", receipt_location=Location(plant="1710", company_id="1710", storage_location="171F"),
        routing_id="50000123", bom_id="00001234", target_lot_id="B2026-1124", production_line_id="LINE-2",
        sales_order_id="4711/10", operations=operations, material_requirements=components, revision="3",
        released_at=start - timedelta(minutes=15), released_date=date(2026, 11, 24),
        confirmed_yield_quantity=qty("354.000"), confirmed_scrap_quantity=qty("6.000"),
        received_quantity=qty("300.000"),
        properties=[Property(name="sap.production_supervisor", value="101"),
                    Property(name="sap.mrp_controller", value="001"),
                    Property(name="sap.scheduling_margin_days", value="2", data_type=PropertyType.INTEGER)],
        source=source("IDOC:LOIPRO05", f"{481516 + i}", start),
    )


def make_confirmation(i: int = 0) -> ProductionConfirmation:
    """A final operation confirmation with outputs, serials, activities and a posted posting block."""
    start = datetime(2026, 11, 24, 6, 0, tzinfo=UTC) + timedelta(minutes=i)
    end = start + timedelta(hours=6)
    lot = f"B2026-{1124 + i}"
    return ProductionConfirmation(
        confirmation_id=f"{100000 + i}/1", order_id=f"{1000123 + i}", operation_id="0020", plant="1710",
        company_id="1710", sequence_id="0", material_id="FG126", work_center_id="WELD-02", equipment_id="ROBOT-7",
        yield_quantity=qty("118.000"), scrap_quantity=qty("2.000"), rework_quantity=qty("1.000"),
        rejected_quantity=qty("0.000"),
        outputs=[ConfirmationOutput(material_id="FG126", yield_quantity=qty("118.000"), scrap_quantity=qty("2.000"),
                                    lot_id=lot, serial_numbers=[f"SN{i:06d}{k}" for k in range(3)],
                                    receipt_location=Location(plant="1710", storage_location="171F"))],
        serial_numbers=[f"SN{i:06d}{k}" for k in range(3)], scrap_reason_code="WELD", is_final=True,
        final_confirmation_source_code="X", started_at=start, ended_at=end, posting_date=date(2026, 11, 24),
        activities=[
            ActivityTime(activity=ActivityKind.SETUP, duration=qty("0.400", "HUR"), activity_source_code="ISM01"),
            ActivityTime(activity=ActivityKind.MACHINE, duration=qty("5.800", "HUR"), activity_source_code="ISM02",
                         resource_id="ROBOT-7"),
            ActivityTime(activity=ActivityKind.LABOR, duration=qty("6.100", "HUR"), activity_source_code="ISM03"),
        ],
        personnel_ids=["50001234", "50001288"], produced_lot_id=lot, material_movement_ids=[f"4900{i:06d}/2026/1"],
        recorded_at=end + timedelta(minutes=2),
        posting=Posting(state=PostingState.POSTED, external_id=f"MES-{i:08d}", target_system="S4H-100",
                        document_id=f"{100000 + i}/1", requested_at=end + timedelta(minutes=1),
                        posted_at=end + timedelta(minutes=2),
                        messages=[PostingMessage(severity=MessageSeverity.SUCCESS, severity_source_code="S",
                                                 code="RU/100", text="Confirmation saved")]),
        properties=[Property(name="sap.shift", value="A")],
        source=source("IDOC:CONF21", f"{481700 + i}", end),
    )


def make_event(i: int = 0) -> ProductionConfirmed:
    confirmation = make_confirmation(i)
    assert confirmation.recorded_at is not None
    return build_event(ProductionConfirmed, confirmation, recorded_at=confirmation.recorded_at,
                       correlation_id=f"order-{confirmation.order_id}", sequence=f"{i:012d}")


# --------------------------------------------------------------------------- measuring


class Stats(typing.NamedTuple):
    best: float
    median: float
    worst: float


CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.thread_time, "wall": time.perf_counter}


def sample_ns(funcs: dict[str, Callable[[], object]], repeat: int, seconds: float,
              clock: str = "cpu") -> dict[str, Stats]:
    """ns per call of each function: best, median and worst of ``repeat`` interleaved samples."""
    timers = {name: timeit.Timer(func, timer=CLOCKS[clock]) for name, func in funcs.items()}
    numbers = {}
    for name, timer in timers.items():
        number, taken = timer.autorange()
        numbers[name] = max(1, round(number * seconds / taken))
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(repeat):
        for name, timer in timers.items():
            samples[name].append(timer.timeit(numbers[name]) / numbers[name] * 1e9)
    return {name: Stats(min(v), statistics.median(v), max(v)) for name, v in samples.items()}


def show(title: str, results: dict[str, Stats], reference: str) -> None:
    print(f"\n{title}  (µs per message: best / median / worst; ratio of bests to {reference})")
    base = results[reference].best
    for name, s in results.items():
        print(f"  {name:<52} {s.best / 1e3:8.2f} {s.median / 1e3:8.2f} {s.worst / 1e3:8.2f}   {s.best / base:5.2f}×")


def retained_bytes(decode: Callable[[bytes], object], payloads: list[bytes]) -> float:
    """Bytes per decoded object still allocated while every decoded object is kept."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [decode(p) for p in payloads]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    gc.collect()
    return (after - before) / len(payloads)


def walk(obj: object) -> Iterator[msgspec.Struct]:
    """Every struct in a decoded value, the value included."""
    if isinstance(obj, msgspec.Struct):
        yield obj
        for name in obj.__struct_fields__:
            yield from walk(getattr(obj, name))
    elif isinstance(obj, list):
        for item in obj:
            yield from walk(item)


def hook_profile(cls: type[msgspec.Struct], payload: bytes,
                 args: argparse.Namespace) -> list[tuple[str, int, float, float | None]]:
    """(hook, calls per message, ns to call it, ns of its body) for every ``__post_init__`` one decode runs.

    A hook of a nested struct is measured inside the decoder, per struct: a JSON array of 200 structs of its
    class (taken from the message) decoded into mirrors with the constraints and either no hook, a no-op hook
    or the model's own hook on that class alone; a difference per struct over 200 structs stands clear of the
    noise. A hook that runs once per message (the entity's own) is timed called directly on the decoded struct
    instead (call and body together; a little optimistic, as the strings it reads already have their hash).
    """
    instances: dict[str, list[msgspec.Struct]] = {}
    for struct in walk(mfgcanon.decode(payload, type=cls)):
        hook = getattr(type(struct), "__post_init__", None)
        if hook is not None:
            instances.setdefault(hook.__qualname__, []).append(struct)
    samples = max(11, args.repeat // 3)
    profile: list[tuple[str, int, float, float | None]] = []
    for name, found in instances.items():
        owner = type(found[0])
        if len(found) == 1:
            direct = sample_ns({name: found[0].__post_init__}, samples, args.sample / 4, args.clock)  # type: ignore[attr-defined]
            profile.append((name, 1, direct[name].best, None))
            continue
        batch = msgspec.json.encode((found * (200 // len(found) + 1))[:200])

        def only_owner(hook: HookChoice, owner: type = owner) -> HookChoice:
            return lambda c: hook(c) if c is owner else None

        variants = {"none": no_hooks, "no-op": only_owner(noop_hooks), "own": real_hook_of(name)}
        decoders = {label: msgspec.json.Decoder(list[Mirror(f"P{label}", constraints=True,  # type: ignore[misc]
                                                            hooks=choice).struct(owner)])
                    for label, choice in variants.items()}
        timed = sample_ns({label: functools.partial(decoder.decode, batch) for label, decoder in decoders.items()},
                          samples, args.sample, args.clock)
        profile.append((name, len(found), (timed["no-op"].best - timed["none"].best) / 200,
                        (timed["own"].best - timed["no-op"].best) / 200))
    return profile


def import_cost(runs: int) -> tuple[dict[str, Stats], dict[str, Stats], list[str], list[tuple[int, str]]]:
    """Fresh interpreters: wall and CPU times (ms), the optional modules ``import mfgcanon`` pulls in, and the
    slowest modules by self time (µs) under ``-X importtime``.

    CPU time (user + system of the child) leaves out time spent waiting for a CPU, so it holds on a busy
    machine; on a quiet one it is the wall time, since the files are in the page cache.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as cache:
        env["PYTHONPYCACHEPREFIX"] = cache
        codes = {"pass": "pass", "import msgspec": "import msgspec", "import mfgcanon": "import mfgcanon"}

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, *args], env=env, check=True, capture_output=True, text=True)

        def child_cpu() -> float:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            return usage.ru_utime + usage.ru_stime

        for code in codes.values():  # fill the bytecode cache
            run("-c", code)
        wall: dict[str, list[float]] = {name: [] for name in codes}
        cpu: dict[str, list[float]] = {name: [] for name in codes}
        for _ in range(runs):
            for name, code in codes.items():
                start, start_cpu = time.perf_counter(), child_cpu()
                run("-c", code)
                wall[name].append((time.perf_counter() - start) * 1e3)
                cpu[name].append((child_cpu() - start_cpu) * 1e3)
        probe = ("import sys, mfgcanon; print(','.join(m for m in ('pydantic', 'fastavro', 'lxml', 'jsonschema', "
                 "'click', 'rich', 'hypothesis') if m in sys.modules))")
        heavy = [m for m in run("-c", probe).stdout.strip().split(",") if m]
        self_us: dict[str, int] = {}
        for _ in range(7):
            for line in run("-X", "importtime", "-c", "import mfgcanon").stderr.splitlines():
                parts = line.split("|")
                if len(parts) == 3 and parts[0].startswith("import time:") and parts[1].strip().isdigit():
                    module = parts[2].strip()
                    own = int(parts[0].split(":")[1])
                    self_us[module] = min(own, self_us.get(module, own))

    def stats(samples: dict[str, list[float]]) -> dict[str, Stats]:
        return {name: Stats(min(v), statistics.median(v), max(v)) for name, v in samples.items()}

    slowest = sorted(((us, module) for module, us in self_us.items()), reverse=True)[:15]
    return stats(wall), stats(cpu), heavy, slowest


# --------------------------------------------------------------------------- the run


def bench_entity(name: str, make: Callable[[int], msgspec.Struct], model: type[Any],
                 args: argparse.Namespace) -> dict[str, float]:
    entity = make(0)
    cls = type(entity)
    payload = mfgcanon.encode(entity)
    assert mfgcanon.decode(payload, type=cls) == entity
    floor_decoder = msgspec.json.Decoder(Mirror("Floor").struct(cls))
    constrained_decoder = msgspec.json.Decoder(Mirror("Checked", constraints=True).struct(cls))
    noop_decoder = msgspec.json.Decoder(Mirror("Hooked", constraints=True, hooks=noop_hooks).struct(cls))
    raw_decoder = msgspec.json.Decoder(cls)
    plain_encoder = msgspec.json.Encoder()
    floor_value = floor_decoder.decode(payload)
    for decoder in (floor_decoder, constrained_decoder, noop_decoder):  # same shape: the same document back
        assert plain_encoder.encode(decoder.decode(payload)) == payload
    as_pydantic = model.model_validate_json(payload)
    assert mfgcanon.decode(as_pydantic.model_dump_json(exclude_unset=True), type=cls) == entity
    assert mfgcanon.decode(as_pydantic.model_dump_json(), type=cls) == entity
    print(f"\n== {name}: {len(payload)} bytes of JSON, {sum(1 for _ in walk(entity))} structs; pydantic writes "
          f"{len(as_pydantic.model_dump_json())} bytes ({len(as_pydantic.model_dump_json(exclude_unset=True))} "
          "with exclude_unset)")

    ours, floor, raw = "mfgcanon.decode(buf, type=T)", "floor: plain structs", "  msgspec Decoder(T): same structs"
    noop, constrained = "  mirror: constraints, no-op hooks", "  mirror: constraints, no hooks"
    decode = sample_ns({
        ours: functools.partial(mfgcanon.decode, payload, type=cls),
        raw: functools.partial(raw_decoder.decode, payload),
        noop: functools.partial(noop_decoder.decode, payload),
        constrained: functools.partial(constrained_decoder.decode, payload),
        floor: functools.partial(floor_decoder.decode, payload),
        "pydantic model_validate_json": functools.partial(model.model_validate_json, payload),
    }, args.repeat, args.sample, args.clock)
    show("decode + validate", decode, floor)
    encode = sample_ns({
        "mfgcanon.encode(obj)": functools.partial(mfgcanon.encode, entity),
        "  msgspec Encoder: same structs": functools.partial(plain_encoder.encode, entity),
        floor: functools.partial(plain_encoder.encode, floor_value),
        "pydantic model_dump_json()": as_pydantic.model_dump_json,
        "pydantic model_dump_json(exclude_unset=True)": functools.partial(as_pydantic.model_dump_json,
                                                                          exclude_unset=True),
    }, args.repeat, args.sample, args.clock)
    show("encode", encode, floor)

    figures = {
        "bytes": len(payload),
        "decode_us": decode[ours].best / 1e3,
        "floor_decode_us": decode[floor].best / 1e3,
        "decode_floor": decode[ours].best / decode[floor].best,
        "decode_floor_median": decode[ours].median / decode[floor].median,
        "decode_pydantic": decode["pydantic model_validate_json"].best / decode[ours].best,
        "encode_floor": encode["mfgcanon.encode(obj)"].best / encode[floor].best,
        "encode_floor_median": encode["mfgcanon.encode(obj)"].median / encode[floor].median,
        "encode_pydantic": encode["pydantic model_dump_json()"].best / encode["mfgcanon.encode(obj)"].best,
        "encode_pydantic_same": (encode["pydantic model_dump_json(exclude_unset=True)"].best
                                 / encode["mfgcanon.encode(obj)"].best),
    }
    steps = {"the entry-point wrapper": decode[ours].best - decode[raw].best,
             "hook bodies": decode[raw].best - decode[noop].best,
             "calling the hooks": decode[noop].best - decode[constrained].best,
             "Meta constraints": decode[constrained].best - decode[floor].best}
    print(f"\n  gap to the floor, {decode[ours].best - decode[floor].best:.0f} ns: "
          + ", ".join(f"{step} {ns:.0f}" for step, ns in steps.items()))
    print("\n  hooks one decode runs: calls per message × (ns to call the hook + ns in its body) = ns per message")
    total = 0.0
    for hook, calls, call, body in hook_profile(cls, payload, args):
        cost = calls * (call + (body or 0))
        total += cost
        split = f"({call:4.0f} + {body:4.0f})" if body is not None else f"{call:6.0f} called directly"
        print(f"    {hook:<40} {calls:3d} × {split:<22} = {cost:6.0f}")
    print(f"    {'all hooks':<40}                            {total:6.0f}")

    payloads = [mfgcanon.encode(make(i)) for i in range(args.objects)]
    memory = {
        "mfgcanon": retained_bytes(lambda p: mfgcanon.decode(p, type=cls), payloads),
        "floor": retained_bytes(floor_decoder.decode, payloads),
        "pydantic": retained_bytes(model.model_validate_json, payloads),
    }
    print(f"\n  memory per decoded object ({args.objects} kept): "
          + ", ".join(f"{k} {v / 1024:.2f} KiB" for k, v in memory.items())
          + f"; mfgcanon/pydantic {memory['mfgcanon'] / memory['pydantic']:.2f}×")
    figures.update(memory_kib=memory["mfgcanon"] / 1024, memory_pydantic=memory["mfgcanon"] / memory["pydantic"])
    return figures


def union_decode(args: argparse.Namespace) -> None:
    """The default of ``mfgcanon.decode`` is any v1 event (a tagged union): the floor is the union of mirrors."""
    floor = Mirror("Floor")
    members = typing.get_args(Event)
    floor_union: Any = typing.Union[tuple(floor.struct(member) for member in members)]  # noqa: UP007
    floor_decoder = msgspec.json.Decoder(floor_union)
    payload = mfgcanon.encode(make_event())
    reference = f"floor: Decoder(union of {len(members)} mirrors)"
    results = sample_ns({
        f"mfgcanon.decode(buf)  (type=Event, {len(members)} event types)": functools.partial(mfgcanon.decode, payload),
        reference: functools.partial(floor_decoder.decode, payload),
    }, args.repeat, args.sample, args.clock)
    show("ProductionConfirmed decoded as any event", results, reference)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter samples and fewer objects")
    parser.add_argument("--repeat", type=int, help="samples per row (best of N)")
    parser.add_argument("--sample", type=float, help="seconds per sample")
    parser.add_argument("--objects", type=int, help="decoded objects kept for the memory figure")
    parser.add_argument("--import-runs", type=int, help="fresh interpreters per import figure")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu",
                        help="cpu: this thread's CPU time (holds on a busy machine; the default), or wall")
    args = parser.parse_args()
    defaults = (21, 0.002, 1000, 7) if args.quick else (101, 0.005, 10_000, 41)
    for key, default in zip(("repeat", "sample", "objects", "import_runs"), defaults, strict=True):
        if getattr(args, key) is None:
            setattr(args, key, default)

    print(f"mfgcanon {mfgcanon.__version__} (schema {mfgcanon.__schema_version__}), msgspec {msgspec.__version__}, "
          f"pydantic {pydantic.VERSION}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}; best of {args.repeat} samples of {args.sample} s, "
          f"{args.clock} clock")
    results: dict[str, dict[str, float]] = {}
    for name, make, model in (("ProductionOrder", make_order, pyd.ProductionOrder),
                              ("ProductionConfirmation", make_confirmation, pyd.ProductionConfirmation),
                              ("ProductionConfirmed", make_event, pyd.ProductionConfirmed)):
        results[name] = bench_entity(name, make, model, args)
    union_decode(args)

    wall, cpu, heavy, slowest = import_cost(args.import_runs)
    print(f"\nFresh interpreters, best / median / worst of {args.import_runs} (ms, wall then CPU):")
    for name in wall:
        print(f"  python -c '{name}'{'':<{16 - len(name)}} {wall[name].best:7.1f} {wall[name].median:7.1f} "
              f"{wall[name].worst:7.1f}   {cpu[name].best:7.1f} {cpu[name].median:7.1f} {cpu[name].worst:7.1f}")
    over = {clock: {code: stats[code].best - stats["pass"].best for code in ("import msgspec", "import mfgcanon")}
            for clock, stats in (("wall", wall), ("cpu", cpu))}
    import_ms = over[args.clock]["import mfgcanon"]
    print(f"  import mfgcanon over a bare interpreter: {over['wall']['import mfgcanon']:.1f} ms wall, "
          f"{over['cpu']['import mfgcanon']:.1f} ms CPU (import msgspec alone: {over['wall']['import msgspec']:.1f} "
          f"wall, {over['cpu']['import msgspec']:.1f} CPU); optional modules imported: {', '.join(heavy) or 'none'}")
    print("  slowest modules by self time under -X importtime (µs, best of 7):")
    for us, module in slowest:
        print(f"    {us:7d}  {module}")

    print("\nSummary (ratios of best times; ratios of medians in brackets)")
    print("| message | JSON | mfgcanon decode | floor decode | decode / floor | encode / floor | decode vs pydantic "
          "| encode vs pydantic (same document) | memory / pydantic |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['bytes']:.0f} B | {r['decode_us']:.1f} µs | {r['floor_decode_us']:.1f} µs "
              f"| {r['decode_floor']:.2f}× ({r['decode_floor_median']:.2f}×) "
              f"| {r['encode_floor']:.2f}× ({r['encode_floor_median']:.2f}×) | {r['decode_pydantic']:.1f}× faster "
              f"| {r['encode_pydantic']:.1f}× ({r['encode_pydantic_same']:.1f}×) faster "
              f"| {r['memory_pydantic']:.2f}× ({r['memory_kib']:.1f} KiB) |")
    caveat = "  (a --quick run takes too few samples to judge them on a busy machine)" if args.quick else ""
    print(f"\nTargets:{caveat}")
    for name, r in results.items():
        verdicts = [f"{label} {'met' if (r[key] <= TARGETS[key] if at_most else r[key] >= TARGETS[key]) else 'MISSED'}"
                    for label, key, at_most in (
                        (f"decode ≤{TARGETS['decode_floor']}× floor", "decode_floor", True),
                        (f"encode ≤{TARGETS['encode_floor']}× floor", "encode_floor", True),
                        (f"decode ≥{TARGETS['decode_pydantic']}× pydantic", "decode_pydantic", False),
                        (f"encode ≥{TARGETS['encode_pydantic']}× pydantic", "encode_pydantic", False),
                        ("(same document)", "encode_pydantic_same", False),
                        (f"memory ≤{TARGETS['memory_pydantic']}× pydantic", "memory_pydantic", True))]
        print(f"  {name}: {', '.join(verdicts)}")
    verdict = "met" if import_ms < TARGETS["import_ms"] else "MISSED"
    print(f"  import mfgcanon <{TARGETS['import_ms']:.0f} ms over a bare interpreter ({args.clock}): "
          f"{import_ms:.1f} ms {verdict}; optional modules imported: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
