"""mfgcanon.visibility.spark in Spark local mode: every KPI equal to the scenario's truth and to the polars
path on the same files (NDJSON and Parquet), the edge cases, and the bulk conversion of vendor archives
inside Spark tasks (every record converted or rejected).

Needs pyspark (the ``[spark]`` extra, in ``[dev]``) and Java: without them the tests skip with the reason,
and fail when ``CI`` is set (CI must run them). One Spark session for the whole test session."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mfgcanon import codecs
from mfgcanon.errors import DecodeError, ValidationError
from mfgcanon.mappers import PayloadMeta, registry
from mfgcanon.mappers.context import load_context
from mfgcanon.testing.scenario import estate
from mfgcanon.v1 import (
    InventoryReceived,
    Location,
    MaterialMovement,
    MovementType,
    OrderStatus,
    OrderStatusChange,
    Posting,
    PostingFailed,
    PostingMessage,
    PostingResult,
    PostingState,
    ProductionConfirmation,
    ProductionConfirmed,
    ProductionOrderStatusChanged,
    Quantity,
    RequestKind,
    SourceRef,
    TimePrecision,
    build_event,
)
from mfgcanon.v1.posting import MessageSeverity
from mfgcanon.visibility import Params, columnar, compute, seam

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning"),  # py4j leaves its sockets to the gc
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]
T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


def _need_spark() -> None:
    """Skip without pyspark or Java, with the reason; under CI (``CI`` set) fail instead."""
    missing = []
    if importlib.util.find_spec("pyspark") is None:
        missing.append("pyspark is not installed (pip install -e '.[spark]', or the dev extra)")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        missing.append("Java is not on PATH and JAVA_HOME is not set (Spark needs Java 17)")
    if not missing:
        return
    message = "Spark local mode is not available: " + "; ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so the Spark tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    _need_spark()
    from mfgcanon.visibility import spark as sp

    session = sp.session("local[2]", shuffle_partitions=2)
    yield session
    session.stop()


def _spark_tables(spark: Any, paths: list[Path], params: Params) -> dict[str, list[dict[str, Any]]]:
    from mfgcanon.visibility import spark as sp

    return {name: sp.rows(frame) for name, frame in sp.compute_files(spark, paths, params).items()}


def _polars_tables(paths: list[Path], params: Params) -> dict[str, list[dict[str, Any]]]:
    return {name: frame.to_dicts() for name, frame in columnar.compute_files(paths, params).items()}


def test_gating_skips_without_java_and_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Java is not on PATH"):
        _need_spark()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        _need_spark()


def test_spark_backend_implements_the_seam() -> None:
    _need_spark()
    from mfgcanon.visibility import spark as sp

    assert isinstance(sp.SparkBackend(), seam.KpiBackend)


def test_every_kpi_equals_the_truth_and_polars_on_ndjson(spark: Any, tmp_path: Path) -> None:
    scenario = estate(7, plants=3, days=4, orders_per_day=10, duplicates=0.1, shuffle=True)
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_bytes(codecs.encode_lines(scenario.events))
    found = _spark_tables(spark, [ndjson], scenario.params)
    for name, rows in scenario.truth.items():
        assert rows, f"the scenario exercises {name}"
        assert found[name] == rows, name
    assert found == _polars_tables([ndjson], scenario.params)


def test_parquet_of_the_files_path_and_other_params(spark: Any, tmp_path: Path) -> None:
    params = Params(by=(), open_threshold=timedelta(hours=2), unposted_threshold=timedelta(hours=3),
                    age_buckets=(timedelta(hours=12), timedelta(days=2)), percentiles=(10, 50, 90, 100))
    scenario = estate(11, plants=2, days=3, orders_per_day=6, params=params)
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_bytes(codecs.encode_lines(scenario.events))
    parquet = tmp_path / "events.parquet"
    columnar.write_parquet([ndjson], parquet)
    found = _spark_tables(spark, [parquet], scenario.params)
    assert found == scenario.truth
    assert found == _polars_tables([parquet], scenario.params)


# --- edge cases: the same events as the streaming/polars edge tests, on Spark ------------------------------------

def _confirmation(ext: str, at: datetime, *, plant: str | None = "P1", qty: str = "5") -> Any:
    data = ProductionConfirmation(confirmation_id=f"C-{ext}", order_id="O1", plant=plant,
                                  yield_quantity=Quantity(value=Decimal(qty), uom="H87"), ended_at=at,
                                  posting=Posting(state=PostingState.REQUESTED, external_id=ext, target_system="ERP"),
                                  source=SourceRef(system="MES", document_id=ext))
    return build_event(ProductionConfirmed, data)


def _failure(ext: str, at: datetime) -> Any:
    data = PostingResult(result_id=f"R-{ext}", outcome=PostingState.FAILED, request_kind=RequestKind.CONFIRMATION,
                         request_external_id=ext, target_system="ERP",
                         messages=[PostingMessage(severity=MessageSeverity.ERROR, code="E1")], processed_at=at,
                         source=SourceRef(system="ERP", document_id=f"{ext}-r"))
    return build_event(PostingFailed, data)


def _receipt(ident: str, occurred: datetime, posted: datetime | None, **extra: Any) -> Any:
    data = MaterialMovement(movement_id=ident, movement_type=MovementType.GOODS_RECEIPT, plant="P1",
                            material_id="M", quantity=Quantity(value=Decimal("2.500"), uom="KGM"),
                            to_location=Location(plant="P1", storage_location="S1"), occurred_at=occurred,
                            posted_at=posted, source=SourceRef(system="ERP", document_id=ident), **extra)
    return build_event(InventoryReceived, data)


def test_edge_cases_equal_the_streaming_calculator(spark: Any, tmp_path: Path) -> None:
    big, tiny = "99999999999999999999.000000001", "0.000000001"
    release = build_event(ProductionOrderStatusChanged, OrderStatusChange(
        order_id="O9", company_id="C1", status=OrderStatus.RELEASED, changed_at=T0,
        source=SourceRef(system="D365", document_id="rel")))
    start = build_event(ProductionOrderStatusChanged, OrderStatusChange(
        order_id="O9", company_id="C1", status=OrderStatus.IN_PROGRESS, changed_at=T0 + timedelta(minutes=90),
        source=SourceRef(system="MES", document_id="start")))
    events = [start, release,  # out of order, no plant
              _confirmation("B1", T0, qty=big), _confirmation("B2", T0, qty=tiny),  # beyond 28 digits
              _confirmation("X2", T0), _failure("X2", T0 + timedelta(hours=1)), _failure("X9", T0),
              _receipt("A", T0, T0 + timedelta(minutes=10)),
              _receipt("B", T0, T0 + timedelta(hours=5), occurred_at_precision=TimePrecision.DAY),
              _receipt("C", T0, T0 + timedelta(hours=5), is_reversal=True), _receipt("D", T0, None),
              _receipt("E", T0 + timedelta(minutes=5), T0),  # posted before it occurred: counted as 0
              _confirmation("X3", T0 + timedelta(hours=30))]
    ndjson = tmp_path / "edge.ndjson"
    ndjson.write_bytes(codecs.encode_lines(events))
    params = Params(by=("plant",), unposted_threshold=timedelta(0))
    found = _spark_tables(spark, [ndjson], params)
    assert found == compute(events, params)
    assert found["posting_delay"] == [{"plant": "P1", "movements": 2, "p50_s": 0.0, "p95_s": 600.0, "max_s": 600.0}]
    assert found["release_latency"][0] == {"plant": None, "released": 1, "signed": 1, "pending": 0,
                                           "p50_s": 5400.0, "p95_s": 5400.0, "max_s": 5400.0}
    assert format(found["unposted_completions"][0]["quantity"], "f") == "99999999999999999999.000000002"


def test_bad_inputs_are_typed_errors(spark: Any, tmp_path: Path) -> None:
    from mfgcanon.visibility import spark as sp

    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(b"not json\n")
    with pytest.raises(DecodeError):
        sp.compute_files(spark, [bad])
    with pytest.raises(ValidationError):
        sp.compute_files(spark, [tmp_path / "events.csv"])
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    assert all(sp.rows(frame) == [] for frame in sp.compute_files(spark, [empty]).values())


# --- bulk conversion ----------------------------------------------------------------------------------------------

def _archive(tmp_path: Path) -> Path:
    archive = tmp_path / "archive"
    for vendor, suffix in (("sap", "xml"), ("b2mml", "xml"), ("d365", "json")):
        target = archive / vendor
        target.mkdir(parents=True)
        for path in sorted((ROOT / "examples" / vendor).glob(f"*.{suffix}")):
            shutil.copy(path, target / path.name)
    (archive / "sap" / "junk.xml").write_bytes(b"<unknown><format/></unknown>")
    (archive / "d365" / "broken.json").write_bytes(b'{"truncated": ')
    return archive


def _in_process(archive: Path, context: Path) -> tuple[dict[str, int], list[Any]]:
    """What the mappers give file by file in this process (the CLI's way): the counts and the events."""
    from mfgcanon.cli.convert import _detect, _map_inputs

    ctx = load_context(context)
    counts = {"records_in": 0, "converted": 0, "rejected": 0}
    events: list[Any] = []
    for path in sorted(p for p in archive.rglob("*") if p.is_file()):
        data = path.read_bytes()
        fmt, _, _ = _detect(path.name, data)
        if fmt is None:
            counts["records_in"] += 1
            counts["rejected"] += 1
            continue
        meta = {path.name: PayloadMeta(received_at=ctx.received_at, message_id=path.name)}
        for _, result in _map_inputs(registry.get(fmt), fmt, [(path.name, data)], ctx, meta):
            counts["records_in"] += result.records_in
            counts["converted"] += result.converted
            counts["rejected"] += result.rejected
            events += result.events
    return counts, events


def test_convert_archive_in_spark_tasks(spark: Any, tmp_path: Path) -> None:
    import polars as pl

    from mfgcanon.visibility import spark as sp

    archive = _archive(tmp_path)
    context = ROOT / "examples" / "context.toml"
    out = tmp_path / "out"
    counts = sp.convert_archive(spark, [archive], out, context=context)
    expected, made = _in_process(archive, context)
    assert counts["files"] == sum(1 for p in archive.rglob("*") if p.is_file())
    assert counts["records_in"] == counts["converted"] + counts["rejected"]
    assert {k: counts[k] for k in expected} == expected
    assert counts["events"] == len(made)
    assert counts["rejected"] >= 2  # the junk file and the broken JSON at least
    events = pl.read_parquet(out / "events" / "**" / "*.parquet", hive_partitioning=True)
    assert sorted(events["id"].to_list()) == sorted(str(e.id) for e in made)
    types = {path.name.split("=", 1)[1] for path in (out / "events").glob("event_type=*")}
    assert types == {e.event_type() for e in made}
    assert all(path.name.startswith("date=") for path in (out / "events").glob("event_type=*/*") if path.is_dir())
    rejects = pl.read_parquet(out / "rejects" / "*.parquet")
    assert rejects.height == counts["rejected"]
    assert set(rejects.columns) == set(sp.REJECT_COLUMNS)
    junk = rejects.filter(pl.col("file") == "junk.xml").to_dicts()
    assert [row["code"] for row in junk] == ["unknown_format"]
    assert "<unknown>" in junk[0]["payload"]
    # the events written are an event table the KPIs read
    table, as_of = sp.load_facts(spark, [out / "events"], Params())
    assert as_of is not None
    assert table.count() > 0


def test_convert_archive_named_mapper_and_bad_context(spark: Any, tmp_path: Path) -> None:
    from mfgcanon.errors import MfgcanonError
    from mfgcanon.visibility import spark as sp

    archive = _archive(tmp_path)
    with pytest.raises(MfgcanonError):
        sp.convert_archive(spark, [archive], tmp_path / "out", mapper="no-such-mapper")
    with pytest.raises(MfgcanonError):
        sp.convert_archive(spark, [archive], tmp_path / "out", context={"received_at": "yesterday"})
    counts = sp.convert_archive(spark, [archive / "b2mml"], tmp_path / "b2mml", mapper="b2mml",
                                context=ROOT / "examples" / "b2mml" / "context.toml", pattern="*.xml")
    assert counts["files"] == len(list((archive / "b2mml").glob("*.xml")))
    assert counts["records_in"] == counts["converted"] + counts["rejected"]
    assert counts["converted"] > 0
