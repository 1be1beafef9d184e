"""Visibility benchmark: the KPIs of ``--events`` generated events through the streaming calculator and the polars
path, side by side with a plain-Python dict-based baseline of the same definitions (below), in one process.

    python benchmarks/visibility.py [--events 1000000] [--repeat 1]

Workload: ``mfgcanon.testing.scenario.estate`` sized to about ``--events`` events (4 plants; releases, starts,
confirmations with posting results, goods receipts and shipment issues, holds, nonconformances, daily stock
snapshots), written once as NDJSON (the JSON codec's bytes) and once as Parquet (``columnar.write_parquet``).

Rows, all over the same events, all computing every KPI table:

* ``baseline``: ``orjson.loads`` per line, then the definitions in plain dicts (:func:`baseline`);
* ``streaming``: ``Calculator.feed_lines`` (a narrow typed decode of the fields the KPIs read), one snapshot;
* ``streaming (NDJSON, full decode)``: ``mfgcanon.codecs`` decodes each line into a checked event (the whole
  model: UUIDs, enums, every field, the ``__post_init__`` rules), ``Calculator.feed``, one snapshot;
* ``polars (NDJSON)``: ``columnar.compute_files`` on the NDJSON file (parsing included);
* ``polars (Parquet)``: the same on the Parquet file;
* ``... in memory``: the same work without the parsing (dicts, event objects, the raw DataFrame built before).

Figures are process CPU seconds (every thread counted, so polars' threads are no free lunch) and wall seconds;
peak memory is tracemalloc's peak of Python allocations for the Python rows, and the process's peak RSS growth
for the polars rows (polars allocates outside Python's allocator). Targets: polars >= 5x the baseline,
streaming >= the baseline.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mfgcanon import codecs
from mfgcanon.testing.scenario import estate
from mfgcanon.visibility import Calculator, Params, columnar

EVENTS_PER_ORDER_DAY = 4.6  # the scenario's events per order, about (measured)


def _ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _us(delta: timedelta) -> int:
    return max(0, (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds)


def baseline(records: Iterable[dict[str, Any]], params: Params) -> dict[str, Any]:
    """The KPI definitions of docs/visibility.md in plain dicts: what one writes without mfgcanon.visibility.

    Returns the headline figures per KPI (totals over the estate), enough to check it against the other rows.
    """
    seen: set[str] = set()
    orders: dict[str, list[Any]] = {}
    postings: dict[str, list[Any]] = {}
    moved: set[str] = set()
    delays: list[int] = []
    holds: dict[str, list[Any]] = {}
    completions: dict[str, tuple[datetime, str, str, Decimal]] = {}
    receipt_confs: set[str] = set()
    receipt_orders: set[str] = set()
    snaps: dict[str, dict[datetime, Decimal]] = defaultdict(dict)
    deltas: dict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
    rank = {"posted": 4, "cancelled": 3, "failed": 2, "other": 1, "requested": 0}
    latest: datetime | None = None
    stock_in = {"goods_receipt", "adjustment_in", "transfer", "status_change", "return"}
    stock_out = {"goods_issue", "scrap", "adjustment_out", "shipment_issue", "transfer", "status_change", "return"}

    def posting_fact(key: str, state: str, at: datetime, request: bool) -> None:
        item = postings.setdefault(key, [-1, None, None])
        if rank[state] > item[0]:
            item[0] = rank[state]
        slot = 1 if request else 2
        if item[slot] is None or at < item[slot]:
            item[slot] = at

    def bucket(plant: str, data: dict[str, Any], loc: dict[str, Any] | None, status: str | None) -> str:
        return "|".join((plant, data["material_id"], (loc or {}).get("storage_location") or "",
                         data.get("lot_id") or "", status or "unrestricted", data.get("special_stock_type") or "",
                         data.get("special_stock_id") or "", data["quantity"]["uom"]))

    for record in records:
        if record["id"] in seen:
            continue
        seen.add(record["id"])
        time_ = datetime.fromisoformat(record["time"])
        latest = time_ if latest is None or time_ > latest else latest
        kind = record["type"][9:-3]
        data = record["data"]
        if kind in ("production_order.released", "production_order.status_changed",
                    "operation.status_changed", "production.confirmed"):
            status = data.get("status")
            key = record["partitionkey"]
            order = orders.setdefault(key, [None, None])
            if kind == "production_order.released" or (kind == "production_order.status_changed"
                                                       and status == "released"):
                mes = record["sourcesystem"] in params.mes_systems
                at = time_ if mes else (_ts(data.get("released_at")) or time_)
                slot = 1 if mes else 0
            elif kind == "production.confirmed" or status == "in_progress":
                at, slot = time_, 1
            else:
                continue
            if order[slot] is None or at < order[slot]:
                order[slot] = at
            if kind == "production.confirmed":
                posting = data.get("posting")
                ext = (posting or {}).get("external_id")
                key = "confirmation|" + (f"ext:{ext}" if ext else f"id:{data['confirmation_id']}")
                if posting:
                    posting_fact(key, posting["state"], _ts(posting.get("requested_at")) or time_, True)
                value = Decimal(data["yield_quantity"]["value"])
                if value > 0 and not data.get("is_reversal") and (posting or {}).get("state") not in ("failed",
                                                                                                       "cancelled"):
                    completions.setdefault(key, (time_, data["confirmation_id"], f"{data['plant']}|{data['order_id']}",
                                                 value))
        elif kind in ("integration.posting_succeeded", "integration.posting_failed"):
            if data["request_kind"] in ("confirmation", "material_movement") and data.get("request_external_id"):
                posting_fact(f"{data['request_kind']}|ext:{data['request_external_id']}", data["outcome"],
                             datetime.fromisoformat(data["processed_at"]), False)
        elif kind in ("material.issued", "material.scrapped", "inventory.received", "inventory.moved"):
            posting = data.get("posting")
            ext = (posting or {}).get("external_id")
            key = "material_movement|" + (f"ext:{ext}" if ext else f"id:{data['movement_id']}")
            if posting:
                posting_fact(key, posting["state"], _ts(posting.get("requested_at")) or time_, True)
                if posting["state"] != "posted":
                    continue
            if key in moved:
                continue
            moved.add(key)
            occurred = datetime.fromisoformat(data["occurred_at"])
            posted = _ts(data.get("posted_at"))
            reversal = bool(data.get("is_reversal"))
            if posted and not reversal and data.get("occurred_at_precision", "instant") == "instant":
                delays.append(_us(posted - occurred))
            mtype = data["movement_type"]
            if mtype == "goods_receipt" and not reversal:
                if data.get("confirmation_id"):
                    receipt_confs.add(data["confirmation_id"])
                elif data.get("order_id"):
                    receipt_orders.add(f"{data['plant']}|{data['order_id']}")
            qty = Decimal(data["quantity"]["value"])
            into = bucket((data.get("to_location") or {}).get("plant") or data["plant"], data,
                          data.get("to_location"), data.get("to_stock_status")) if mtype in stock_in else None
            out = bucket((data.get("from_location") or {}).get("plant") or data["plant"], data,
                         data.get("from_location"), data.get("from_stock_status")) if mtype in stock_out else None
            if reversal:
                into, out = out, into
            if into:
                deltas[into].append((occurred, qty))
            if out:
                deltas[out].append((occurred, -qty))
        elif kind == "inventory.balance_reported":
            key = bucket(data["plant"], data, data.get("location"), data.get("stock_status"))
            snaps[key].setdefault(datetime.fromisoformat(data["snapshot_at"]), Decimal(data["quantity"]["value"]))
        elif kind in ("quality.hold_placed", "quality.hold_released") or (
                kind == "quality.nonconformance_reported" and data["category"] != "hold"):
            key = f"{kind[:13]}{data['plant']}|{data['nonconformance_id']}"
            item = holds.setdefault(key, [None, False])
            closed = kind == "quality.hold_released" or bool(data.get("closed_at")) or data.get("status") == "closed"
            if closed:
                item[1] = True
            else:
                opened = _ts((data.get("hold") or {}).get("placed_at")) or _ts(data.get("detected_at")) or time_
                item[0] = opened if item[0] is None or opened < item[0] else item[0]
    as_of = params.as_of or latest or datetime.now(UTC)
    latencies = sorted(_us(sign - release) for release, sign in orders.values() if release and sign)
    outcomes: dict[str, int] = defaultdict(int)
    for best, req, res in postings.values():
        first = req or res
        state = ("posted" if best == 4 else "cancelled" if best == 3 else "failed" if best >= 1
                 else "overdue" if as_of - first > params.open_threshold else "open")
        outcomes[state] += 1
    refused = {k for k, v in postings.items() if 1 <= v[0] <= 3}
    unposted = [qty for key, (at, conf, order, qty) in completions.items()
                if key not in refused and conf not in receipt_confs and order not in receipt_orders
                and as_of - at > params.unposted_threshold]
    gaps: list[Decimal] = []
    for key, by_time in snaps.items():
        times = sorted(by_time)
        moves = deltas.get(key, [])
        for previous, current in itertools.pairwise(times):
            expected = by_time[previous] + sum((q for at, q in moves if previous < at <= current), Decimal(0))
            gaps.append(by_time[current] - expected)
    open_exceptions = sum(1 for opened, closed in holds.values() if not closed and opened) + outcomes["failed"] \
        + outcomes["open"] + outcomes["overdue"]
    delays.sort()
    return {"released": sum(1 for r, _ in orders.values() if r), "signed": len(latencies),
            "latency_max_s": latencies[-1] / 1e6 if latencies else None, "posted": outcomes["posted"],
            "failed": outcomes["failed"], "movements": len(delays), "open_exceptions": open_exceptions,
            "unposted": len(unposted), "unposted_quantity": sum(unposted, Decimal(0)),
            "net_gap": sum(gaps, Decimal(0))}


def headline(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The baseline's figures from a full set of KPI tables."""
    lat = tables["release_latency"]
    maxima = [r["max_s"] for r in lat if r["max_s"] is not None]
    return {"released": sum(r["released"] for r in lat), "signed": sum(r["signed"] for r in lat),
            "latency_max_s": max(maxima) if maxima else None,
            "posted": sum(r["posted"] for r in tables["posting_outcomes"]),
            "failed": sum(r["failed"] for r in tables["posting_outcomes"]),
            "movements": sum(r["movements"] for r in tables["posting_delay"]),
            "open_exceptions": sum(r["open"] for r in tables["exception_aging"]),
            "unposted": sum(r["confirmations"] for r in tables["unposted_completions"]),
            "unposted_quantity": sum((r["quantity"] for r in tables["unposted_completions"]), Decimal(0)),
            "net_gap": sum((r["net_gap"] for r in tables["reconciliation_gap"]), Decimal(0))}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, func: Callable[[], Any], *, python_memory: bool) -> tuple[str, float, float, float, Any]:
    """(name, CPU s, wall s, peak MB, result)."""
    gc.collect()
    rss_before = _rss_mb()
    if python_memory:
        tracemalloc.start()
    cpu, wall = time.process_time(), time.perf_counter()
    result = func()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if python_memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        peak = max(0.0, _rss_mb() - rss_before)
    return name, cpu, wall, peak, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000, help="about this many events (default 1,000,000)")
    parser.add_argument("--plants", type=int, default=4)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--memory", action="store_true",
                        help="also trace Python memory (tracemalloc slows the Python rows about 2x)")
    args = parser.parse_args()
    per_day = max(1, round(args.events / (args.plants * args.days * EVENTS_PER_ORDER_DAY)))
    started = time.perf_counter()
    scenario = estate(1, plants=args.plants, days=args.days, orders_per_day=per_day)
    params = scenario.params
    print(f"generated {len(scenario.events):,} events in {time.perf_counter() - started:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        ndjson = Path(folder) / "events.ndjson"
        ndjson.write_bytes(codecs.encode_lines(scenario.events))
        parquet = Path(folder) / "events.parquet"
        columnar.write_parquet([ndjson], parquet)
        del scenario
        lines = ndjson.read_bytes().split(b"\n")[:-1]
        print(f"NDJSON {ndjson.stat().st_size / 2**20:,.0f} MB, Parquet {parquet.stat().st_size / 2**20:,.0f} MB",
              flush=True)

        def stream_file() -> Any:
            return Calculator(params).feed_lines(lines).snapshot()

        def stream_checked() -> Any:
            calculator = Calculator(params)
            for event in codecs.iter_lines(lines):
                calculator.feed(event)
            return calculator.snapshot()

        def polars_file(path: Path) -> Callable[[], Any]:
            return lambda: {k: v.to_dicts() for k, v in columnar.compute_files([path], params).items()}

        rows = [measure("baseline (NDJSON)", lambda: baseline(map(orjson.loads, lines), params),
                        python_memory=args.memory),
                measure("streaming (NDJSON)", stream_file, python_memory=args.memory),
                measure("streaming (NDJSON, full decode)", stream_checked, python_memory=args.memory),
                measure("polars (NDJSON)", polars_file(ndjson), python_memory=False),
                measure("polars (Parquet)", polars_file(parquet), python_memory=False)]
        dicts = [orjson.loads(line) for line in lines]
        events = list(codecs.iter_lines(lines))
        raw = pl.read_ndjson(ndjson, schema=columnar.raw_schema()).rechunk()

        def polars_memory() -> Any:
            table = columnar.facts(raw.lazy(), params).collect().unique(subset=["id", "role"], keep="first",
                                                                        maintain_order=True)
            return {k: v.to_dicts() for k, v in columnar.kpis(table, params, params.as_of).items()}

        rows += [measure("baseline, in memory (dicts)", lambda: baseline(dicts, params), python_memory=args.memory),
                 measure("streaming, in memory (events)", lambda: Calculator(params).feed_many(events).snapshot(),
                         python_memory=args.memory),
                 measure("polars, in memory (raw frame)", polars_memory, python_memory=False)]
    expected = rows[0][4]
    for name, _cpu, _wall, _peak, result in rows[1:]:
        got = result if "baseline" in name else headline(result)
        if got != expected:
            raise SystemExit(f"{name} disagrees with the baseline: {got} != {expected}")
    print(f"\n{'row':<32} {'CPU s':>8} {'wall s':>8} {'peak MB':>9} {'vs baseline (CPU)':>18}")
    in_memory = next(index for index, row in enumerate(rows) if "in memory" in row[0])
    for index, (name, cpu, wall, peak, _result) in enumerate(rows):
        reference = rows[0][1] if index < in_memory else rows[in_memory][1]
        print(f"{name:<32} {cpu:>8.2f} {wall:>8.2f} {peak:>9.0f} {reference / cpu:>17.2f}x")
    print("\nall rows agree with the baseline's figures:", expected)


if __name__ == "__main__":
    main()
