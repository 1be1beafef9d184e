"""Visibility on Spark: every KPI of ``--events`` generated events in Spark local mode, with 1 and 2 cores.

    python benchmarks/visibility_spark.py [--events 10000000] [--cores 1,2] [--repeat 1]

Workload: ``mfgcanon.testing.scenario.estate`` sized to about ``--events`` events (4 plants), written once as
NDJSON (the JSON codec's bytes; generating is pure Python and is not timed). Per core count, a fresh Spark
session (``local[N]``, shuffle partitions ``2 * N``), one warm-up run on a small file (JVM start and code
generation are not the figure), then ``spark.compute_files`` on the file and every KPI table collected: the
wall time of reading, the fact table and the seven tables. The scaling ratio is the 1-core time over the
N-core time. The figures are checked against the polars path's on the same file (the ``--check`` default).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mfgcanon import codecs
from mfgcanon.testing.scenario import estate
from mfgcanon.visibility import Params, columnar
from mfgcanon.visibility import spark as sp

EVENTS_PER_ORDER_DAY = 4.6  # the scenario's events per order, about (as benchmarks/visibility.py)


def _write(path: Path, events: int, plants: int, days: int) -> int:
    per_day = max(1, round(events / (EVENTS_PER_ORDER_DAY * plants * days)))
    scenario = estate(1, plants=plants, days=days, orders_per_day=per_day, params=Params())
    with path.open("wb") as handle:
        for start in range(0, len(scenario.events), 50_000):
            handle.write(codecs.encode_lines(scenario.events[start:start + 50_000]))
    return len(scenario.events)


def _run(spark: Any, path: Path, params: Params) -> tuple[float, dict[str, list[dict[str, Any]]]]:
    started = time.perf_counter()
    tables = {name: sp.rows(frame) for name, frame in sp.compute_files(spark, [path], params).items()}
    return time.perf_counter() - started, tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=10_000_000, help="about this many events (default 10,000,000)")
    parser.add_argument("--plants", type=int, default=4)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--cores", default="1,2", help="core counts to run with (default 1,2)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--memory", default="4g", help="spark.driver.memory (default 4g)")
    parser.add_argument("--no-check", dest="check", action="store_false", help="skip the polars comparison")
    args = parser.parse_args()
    params = Params(by=("plant", "day"))
    with tempfile.TemporaryDirectory() as tmp:
        path, warm = Path(tmp) / "events.ndjson", Path(tmp) / "warm.ndjson"
        started = time.perf_counter()
        count = _write(path, args.events, args.plants, args.days)
        _write(warm, 5_000, 2, 3)
        size = path.stat().st_size
        print(f"{count:,} events, {size / 1e6:,.1f} MB NDJSON (generated in {time.perf_counter() - started:.0f} s); "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        expected = None
        if args.check:
            expected = {k: v.to_dicts() for k, v in columnar.compute_files([path], params).items()}
        times: dict[int, float] = {}
        for cores in (int(c) for c in args.cores.split(",")):
            spark = sp.session(f"local[{cores}]", shuffle_partitions=2 * cores,
                               **{"spark.driver.memory": args.memory})
            _run(spark, warm, params)
            best = float("inf")
            for _ in range(args.repeat):
                seconds, tables = _run(spark, path, params)
                best = min(best, seconds)
                if expected is not None and tables != expected:
                    raise SystemExit(f"local[{cores}]: the figures differ from the polars path's")
                spark.catalog.clearCache()
            times[cores] = best
            load = os.getloadavg()[0]
            print(f"local[{cores}]: {best:.1f} s wall, {count / best:,.0f} events/s (load average {load:.1f})")
            spark.stop()
        if 1 in times:
            for cores, seconds in times.items():
                if cores != 1:
                    print(f"scaling 1 -> {cores} cores: {times[1] / seconds:.2f}x")


if __name__ == "__main__":
    main()
