"""mfgcanon.visibility: every KPI against the scenario's truth on the streaming and the polars paths, both
paths equal on the same input, the file formats, the CLI, and the edge cases (out of order, duplicates,
events without a plant, eviction)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfgcanon import avro, codecs
from mfgcanon.cli.app import cli
from mfgcanon.errors import DecodeError, ValidationError
from mfgcanon.testing.scenario import Scenario, estate
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
    PostingSucceeded,
    ProductionConfirmation,
    ProductionConfirmed,
    ProductionOrderStatusChanged,
    Quantity,
    RequestKind,
    SourceRef,
    TimePrecision,
    build_event,
)
from mfgcanon.v1.events import Event
from mfgcanon.v1.posting import MessageSeverity
from mfgcanon.visibility import KPIS, Calculator, Params, columnar, compute, facts_of, seam
from mfgcanon.visibility import stream as stream_mod

FEW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


def _polars(events: list[Any], params: Params) -> dict[str, list[dict[str, Any]]]:
    return {name: frame.to_dicts() for name, frame in columnar.compute_events(events, params).items()}


def _lines(events: list[Any], params: Params) -> dict[str, list[dict[str, Any]]]:
    """The streaming calculator fed NDJSON lines (the narrow decode), events after ``as_of`` left out first."""
    kept = [e for e in events if params.as_of is None or e.time <= params.as_of]
    return Calculator(params).feed_lines(codecs.encode_lines(kept).splitlines()).snapshot()


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return estate(7, plants=3, days=5, orders_per_day=12)


# --- the truth ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def streamed(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    return compute(scenario.events, scenario.params)


@pytest.fixture(scope="module")
def columnar_(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    return _polars(scenario.events, scenario.params)


@pytest.mark.parametrize("kpi", KPIS)
def test_streaming_matches_the_truth(scenario: Scenario, streamed: dict[str, Any], kpi: str) -> None:
    assert scenario.truth[kpi], f"the scenario exercises {kpi}"
    assert streamed[kpi] == scenario.truth[kpi]


@pytest.mark.parametrize("kpi", KPIS)
def test_polars_matches_the_truth(scenario: Scenario, columnar_: dict[str, Any], kpi: str) -> None:
    assert columnar_[kpi] == scenario.truth[kpi]


def test_the_known_drift_is_the_reconciliation_gap(scenario: Scenario) -> None:
    gaps = compute(scenario.events, scenario.params)["reconciliation_gap"]
    by_plant = {row["plant"]: row["net_gap"] for row in gaps}
    for bucket, drift in scenario.drift.items():
        assert by_plant[bucket.split("|")[0]] == drift
    assert all(isinstance(row["abs_gap"], Decimal) for row in gaps)


@FEW
@given(seed=st.integers(0, 10_000), by=st.sampled_from([("plant", "day"), ("plant",), ("day",), ()]),
       open_hours=st.integers(1, 48), unposted_hours=st.integers(1, 48), shuffle=st.booleans(),
       duplicates=st.sampled_from([0.0, 0.2]))
def test_both_paths_equal_the_truth_and_each_other(seed: int, by: tuple[str, ...], open_hours: int,
                                                   unposted_hours: int, shuffle: bool, duplicates: float) -> None:
    params = Params(by=by, open_threshold=timedelta(hours=open_hours),
                    unposted_threshold=timedelta(hours=unposted_hours), age_buckets=(timedelta(hours=12),
                                                                                     timedelta(days=2)))
    found = estate(seed, plants=2, days=3, orders_per_day=6, params=params, shuffle=shuffle, duplicates=duplicates)
    streamed = compute(found.events, found.params)
    assert streamed == found.truth
    assert _polars(found.events, found.params) == streamed
    assert _lines(found.events, found.params) == streamed


# --- streaming: memory and snapshots --------------------------------------------------------------------------

def test_eviction_keeps_the_figures_and_forgets_closed_items(scenario: Scenario, monkeypatch: Any) -> None:
    monkeypatch.setattr(stream_mod, "_EVICT_EVERY", 25)
    calculator = Calculator(scenario.params, horizon=timedelta(days=1))
    calculator.feed_many(scenario.events)
    full = Calculator(scenario.params).feed_many(scenario.events)
    assert calculator.snapshot() == scenario.truth
    assert len(calculator._seen) < len(full._seen)
    assert len(calculator._orders) < len(full._orders)
    assert len(calculator._postings) < len(full._postings)


def test_snapshot_on_demand_and_not_before_the_watermark(scenario: Scenario) -> None:
    calculator = Calculator(scenario.params)
    assert calculator.snapshot()["release_latency"] == []
    half = len(scenario.events) // 2
    calculator.feed_many(scenario.events[:half])
    early = calculator.snapshot()
    calculator.feed_many(scenario.events[half:])
    assert sum(r["released"] for r in early["release_latency"]) < sum(
        r["released"] for r in calculator.snapshot()["release_latency"])
    assert calculator.watermark is not None
    with pytest.raises(ValidationError):
        calculator.snapshot(calculator.watermark - timedelta(seconds=1))


def test_as_of_ignores_later_events_on_both_paths(scenario: Scenario) -> None:
    params = dataclasses.replace(scenario.params, as_of=scenario.params.as_of - timedelta(days=2))  # type: ignore[operator]
    streamed = compute(scenario.events, params)
    assert streamed == _polars(scenario.events, params)
    assert sum(r["released"] for r in streamed["release_latency"]) < sum(
        r["released"] for r in scenario.truth["release_latency"])


# --- edge cases -------------------------------------------------------------------------------------------------

def _confirmation(ext: str, at: datetime, *, plant: str = "P1", qty: str = "5") -> ProductionConfirmed:
    data = ProductionConfirmation(confirmation_id=f"C-{ext}", order_id="O1", plant=plant,
                                  yield_quantity=Quantity(value=Decimal(qty), uom="H87"), ended_at=at,
                                  posting=Posting(state=PostingState.REQUESTED, external_id=ext, target_system="ERP"),
                                  source=SourceRef(system="MES", document_id=ext))
    return build_event(ProductionConfirmed, data)


def _result(ext: str, at: datetime, ok: bool, *, plant: str | None = None, doc: str = "r") -> Any:
    messages = [] if ok else [PostingMessage(severity=MessageSeverity.ERROR, code="E1")]
    data = PostingResult(result_id=f"R-{ext}-{doc}", outcome=PostingState.POSTED if ok else PostingState.FAILED,
                         request_kind=RequestKind.CONFIRMATION, request_external_id=ext, target_system="ERP",
                         plant=plant, messages=messages, processed_at=at,
                         source=SourceRef(system="ERP", document_id=f"{ext}-{doc}"))
    return build_event(PostingSucceeded if ok else PostingFailed, data)


def test_retry_counts_once_and_a_later_success_wins() -> None:
    events = [_confirmation("X1", T0), _result("X1", T0 + timedelta(minutes=5), False, doc="a"),
              _result("X1", T0 + timedelta(minutes=30), True, doc="b"), _confirmation("X1", T0)]
    tables = compute(events, Params(by=("plant",)))
    assert tables["posting_outcomes"] == [{"plant": "P1", "kind": "confirmation", "vendor": "ERP", "requested": 1,
                                           "posted": 1, "failed": 0, "cancelled": 0, "open": 0, "overdue": 0,
                                           "success_rate": 1.0}]
    assert tables["posting_failures"] == []
    assert tables == _polars(events, Params(by=("plant",)))


def test_failed_posting_ages_and_is_no_unposted_completion() -> None:
    events = [_confirmation("X2", T0), _result("X2", T0 + timedelta(hours=1), False),
              _confirmation("X3", T0 + timedelta(hours=30))]
    tables = compute(events, Params(by=("plant",)))
    assert tables["posting_failures"] == [{"plant": "P1", "vendor": "ERP", "code": "E1", "failures": 1}]
    assert [(r["kind"], r["bucket"], r["oldest_s"]) for r in tables["exception_aging"]] == [
        ("posting_failure", "1d-3d", 29 * 3600.0), ("posting_open", "<1d", 0.0)]
    assert tables["unposted_completions"] == []
    assert tables == _polars(events, Params(by=("plant",)))


def test_events_without_a_plant_are_reported_under_none() -> None:
    release = build_event(ProductionOrderStatusChanged, OrderStatusChange(
        order_id="O9", company_id="C1", status=OrderStatus.RELEASED, changed_at=T0,
        source=SourceRef(system="D365", document_id="rel")))
    start = build_event(ProductionOrderStatusChanged, OrderStatusChange(
        order_id="O9", company_id="C1", status=OrderStatus.IN_PROGRESS, changed_at=T0 + timedelta(minutes=90),
        source=SourceRef(system="MES", document_id="start")))
    orphan = _result("X9", T0 + timedelta(hours=2), False)
    events = [start, release, orphan]  # out of order: the start before the release
    tables = compute(events, Params(by=("plant",)))
    assert tables["release_latency"] == [{"plant": None, "released": 1, "signed": 1, "pending": 0,
                                          "p50_s": 5400.0, "p95_s": 5400.0, "max_s": 5400.0}]
    assert tables["posting_failures"] == [{"plant": None, "vendor": "ERP", "code": "E1", "failures": 1}]
    assert tables == _polars(events, Params(by=("plant",)))


def test_mes_release_is_a_receipt_sign() -> None:
    erp = build_event(ProductionOrderStatusChanged, OrderStatusChange(
        order_id="O1", plant="P1", status=OrderStatus.RELEASED, changed_at=T0, source=SourceRef(system="ERP")))
    mes = build_event(ProductionOrderStatusChanged, OrderStatusChange(
        order_id="O1", plant="P1", status=OrderStatus.RELEASED, changed_at=T0 + timedelta(seconds=42),
        source=SourceRef(system="MES")))
    params = Params(by=("plant",), mes_systems=frozenset({"MES"}))
    tables = compute([erp, mes], params)
    assert tables["release_latency"][0]["max_s"] == 42.0
    assert tables == _polars([erp, mes], params)
    assert compute([erp, mes], Params(by=("plant",)))["release_latency"][0]["signed"] == 0


def _receipt(ident: str, occurred: datetime, posted: datetime | None, **extra: Any) -> InventoryReceived:
    data = MaterialMovement(movement_id=ident, movement_type=MovementType.GOODS_RECEIPT, plant="P1",
                            material_id="M", quantity=Quantity(value=Decimal("2.500"), uom="KGM"),
                            to_location=Location(plant="P1", storage_location="S1"), occurred_at=occurred,
                            posted_at=posted, source=SourceRef(system="ERP", document_id=ident), **extra)
    return build_event(InventoryReceived, data)


def test_posting_delay_excludes_day_precision_reversals_and_unposted() -> None:
    events = [_receipt("A", T0, T0 + timedelta(minutes=10)),
              _receipt("B", T0, T0 + timedelta(hours=5), occurred_at_precision=TimePrecision.DAY),
              _receipt("C", T0, T0 + timedelta(hours=5), is_reversal=True),
              _receipt("D", T0, None),
              _receipt("E", T0 + timedelta(minutes=5), T0)]  # posted before it occurred: a skew, counted as 0
    tables = compute(events, Params(by=()))
    assert tables["posting_delay"] == [{"movements": 2, "p50_s": 0.0, "p95_s": 600.0, "max_s": 600.0}]
    assert tables == _polars(events, Params(by=()))


def _edge_cases() -> list[Any]:
    """Every hand-made case above in one stream: retries, failures, no plant, MES signs, receipt variants."""
    erp = build_event(ProductionOrderStatusChanged, OrderStatusChange(
        order_id="O1", plant="P1", status=OrderStatus.RELEASED, changed_at=T0, source=SourceRef(system="ERP")))
    mes = build_event(ProductionOrderStatusChanged, OrderStatusChange(
        order_id="O1", plant="P1", status=OrderStatus.RELEASED, changed_at=T0 + timedelta(seconds=42),
        source=SourceRef(system="MES")))
    return [erp, mes, _confirmation("X1", T0), _result("X1", T0 + timedelta(minutes=5), False, doc="a"),
            _result("X1", T0 + timedelta(minutes=30), True, doc="b"), _confirmation("X1", T0),
            _confirmation("X2", T0, plant="P2"), _result("X2", T0 + timedelta(hours=1), False),
            _confirmation("X3", T0, qty="0"), _result("X4", T0 + timedelta(hours=2), False),
            _receipt("A", T0, T0 + timedelta(minutes=10)),
            _receipt("B", T0, T0 + timedelta(hours=5), occurred_at_precision=TimePrecision.DAY),
            _receipt("C", T0, T0 + timedelta(hours=5), is_reversal=True), _receipt("D", T0, None),
            _receipt("E", T0 + timedelta(minutes=5), T0), _receipt("A", T0, T0 + timedelta(minutes=10))]


@pytest.mark.parametrize("params", [Params(by=()), Params(by=("plant",), mes_systems=frozenset({"MES"})),
                                    Params(unposted_threshold=timedelta(minutes=1))])
def test_ndjson_lines_give_the_figures_of_decoded_events(params: Params) -> None:
    events = _edge_cases()
    assert _lines(events, params) == compute(events, params)


def test_ndjson_lines_skip_blanks_and_fail_typed() -> None:
    line = codecs.encode_lines([_confirmation("Y", T0)]).rstrip(b"\n")
    calculator = Calculator(Params()).feed_lines([b"", line, b"  ", line])
    assert calculator.events == 1
    with pytest.raises(DecodeError) as bad_json:
        Calculator(Params()).feed_lines([line, b"{not json"])
    assert bad_json.value.record_index == 1
    no_zone = line.replace(b'"time":"2026-11-02T08:00:00Z"', b'"time":"2026-11-02T08:00:00"')
    assert no_zone != line
    with pytest.raises(ValidationError):
        Calculator(Params()).feed_lines([no_zone])
    with pytest.raises(ValidationError) as unknown:
        Calculator(Params()).feed_lines([line.replace(b"production.confirmed", b"production.guessed")])
    assert unknown.value.record_index == 0


def test_facts_of_a_confirmation_play_three_roles() -> None:
    roles = [fact.role for fact in facts_of(_confirmation("Z", T0), Params())]
    assert roles == ["sign", "request", "completion"]


def test_params_are_checked() -> None:
    with pytest.raises(ValidationError):
        Params(by=("vendor",))
    with pytest.raises(ValidationError):
        Params(as_of=datetime(2026, 1, 1))
    with pytest.raises(ValidationError):
        Params(age_buckets=(timedelta(days=3), timedelta(days=1)))


def test_polars_backend_implements_the_seam() -> None:
    assert isinstance(columnar.PolarsBackend(), seam.KpiBackend)


# --- files and the CLI ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small() -> Scenario:
    return estate(11, plants=2, days=3, orders_per_day=5, duplicates=0.1)


def test_ndjson_in_blocks_avro_and_parquet_agree(small: Scenario, tmp_path: Path) -> None:
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_bytes(codecs.encode_lines(small.events))
    table, as_of = columnar.load_facts([ndjson], small.params, block_bytes=4096)
    blocks = {k: v.to_dicts() for k, v in columnar.kpis(table, small.params, as_of).items()}
    assert blocks == small.truth
    container = tmp_path / "events.avro"
    with container.open("wb") as handle:
        avro.write_container(handle, small.events, type=Event)
    parquet = tmp_path / "events.parquet"
    assert columnar.write_parquet([ndjson], parquet) == len(small.events)
    for path in (container, parquet):
        found = {k: v.to_dicts() for k, v in columnar.compute_files([path], small.params).items()}
        assert found == small.truth, path.suffix


def test_unreadable_inputs_are_typed_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(b'{"id": "1", "time": "2026-01-01T00:00:00Z", "data": 5}\n')
    with pytest.raises(DecodeError):
        columnar.compute_files([bad])
    with pytest.raises(ValidationError):
        columnar.compute_files([tmp_path / "events.csv"])


def test_cli_json_report_equals_the_truth(small: Scenario, tmp_path: Path) -> None:
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_bytes(codecs.encode_lines(small.events))
    result = CliRunner().invoke(cli, ["kpi", "--format", "json", "--by", "plant", "--as-of",
                                      small.params.as_of.isoformat(), str(tmp_path)])  # type: ignore[union-attr]
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    truth = compute(small.events, dataclasses.replace(small.params, by=("plant",)))
    assert report["tables"]["unposted_completions"] == [
        {**row, "quantity": format(row["quantity"].normalize(), "f")} for row in truth["unposted_completions"]]
    assert report["tables"]["posting_outcomes"] == truth["posting_outcomes"]


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_cli_table_and_csv(small: Scenario, tmp_path: Path, fmt: str) -> None:
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_bytes(codecs.encode_lines(small.events))
    result = CliRunner().invoke(cli, ["kpi", "--format", fmt, "--no-progress", str(ndjson)])
    assert result.exit_code == 0, result.output
    assert "reconciliation_gap" in result.stdout
    if fmt == "csv":
        assert result.stdout.splitlines()[0] == "kpi,plant,day,kind,vendor,code,bucket,uom,figure,value"


def test_cli_progress_bar_and_bad_options(small: Scenario, tmp_path: Path) -> None:
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_bytes(codecs.encode_lines(small.events))
    runner = CliRunner()
    assert runner.invoke(cli, ["kpi", "--progress", "--format", "json", str(ndjson)]).exit_code == 0
    assert runner.invoke(cli, ["kpi", "--by", "vendor", str(ndjson)]).exit_code == 2
    assert runner.invoke(cli, ["kpi", "--as-of", "2026-11-02T00:00:00", str(ndjson)]).exit_code == 2
    assert runner.invoke(cli, ["kpi", "--open-threshold", "soon", str(ndjson)]).exit_code == 2
    broken = tmp_path / "broken.ndjson"
    broken.write_bytes(b"not json\n")
    failed = runner.invoke(cli, ["kpi", str(broken)])
    assert failed.exit_code == 2
    assert "mfgcanon kpi:" in failed.stderr


def test_no_events_give_empty_tables(tmp_path: Path) -> None:
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    assert all(frame.height == 0 for frame in columnar.compute_files([empty]).values())
    assert all(rows == [] for rows in compute([]).values())


def test_quantity_sums_stay_exact_beyond_the_default_context() -> None:
    big, tiny = Decimal("99999999999999999999.000000001"), Decimal("0.000000001")
    events = [_confirmation("B1", T0, qty=str(big)), _confirmation("B2", T0, qty=str(tiny))]
    tables = compute(events, Params(by=("plant",), unposted_threshold=timedelta(0), as_of=T0 + timedelta(hours=1)))
    # 29 significant digits: Python's default context (28) would round the sum
    assert str(tables["unposted_completions"][0]["quantity"]) == "99999999999999999999.000000002"
    params = Params(by=("plant",), unposted_threshold=timedelta(0), as_of=T0 + timedelta(hours=1))
    assert _polars(events, params)["unposted_completions"] == tables["unposted_completions"]
