"""Frames benchmark: ``mfgcanon.frames.to_arrow`` on confirmations against ``pyarrow.Table.from_pylist`` on the
same values as plain dicts, side by side in one process.

    python benchmarks/frames.py [--count 100000] [--repeat 7]

Workload: ``--count`` fully populated ``ProductionConfirmation`` entities (benchmarks/codecs.py's
``make_confirmation``: four quantities, outputs with serials and a location, three activities, a posted
posting block with a message, a property, provenance; 59 columns once nested structs are flattened).

* ``mfgcanon``: ``frames.to_arrow(confirmations)``: schema from the model, decimals as decimal128(38, 9),
  instants as UTC timestamps, enums as dictionaries of every model value, nested structs as dotted columns.
* ``from_pylist``: ``pyarrow.Table.from_pylist(dicts)`` where ``dicts`` is ``msgspec.to_builtins`` of the same
  entities, built before timing (the baseline the issue names). pyarrow infers the schema: decimals and
  instants stay strings, enums strings, nested structs struct columns. It is the cheaper job (no decimal or
  timestamp parsing), so the ratio is an upper bound of the cost of typing the columns.
* ``to_builtins + from_pylist``: what a notebook user writes by hand, dict building included.

Each row is timed ``--repeat`` times, interleaved, with GC off; the figure is the best (least disturbed)
sample of thread CPU time, the median in brackets. Target: mfgcanon within 3x of ``from_pylist``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.codecs holds the workload

from benchmarks.codecs import make_confirmation

from mfgcanon import frames

TARGET = 3.0


def best_of(funcs: dict[str, Callable[[], object]], repeat: int) -> dict[str, tuple[float, float]]:
    """(best, median) thread CPU seconds of each function, samples interleaved round-robin, GC off."""
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            for name, func in funcs.items():
                start = time.thread_time()
                func()
                samples[name].append(time.thread_time() - start)
    finally:
        gc.enable()
    return {name: (min(values), statistics.median(values)) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    items = [make_confirmation(i) for i in range(args.count)]
    dicts = [msgspec.to_builtins(item) for item in items]
    ours, theirs = frames.to_arrow(items), pa.Table.from_pylist(dicts)
    assert ours.num_rows == theirs.num_rows == args.count
    assert ours.schema == frames.schema(type(items[0]))

    results = best_of({
        "mfgcanon frames.to_arrow": lambda: frames.to_arrow(items),
        "pyarrow from_pylist (dicts built)": lambda: pa.Table.from_pylist(dicts),
        "to_builtins + from_pylist": lambda: pa.Table.from_pylist([msgspec.to_builtins(i) for i in items]),
        "mfgcanon frames.to_pandas": lambda: frames.to_pandas(items),
        "mfgcanon frames.to_polars": lambda: frames.to_polars(items),
    }, args.repeat)
    reference = results["pyarrow from_pylist (dicts built)"][0]
    print(f"{args.count:,} ProductionConfirmation, best of {args.repeat} (median), thread CPU time; "
          f"Python {sys.version.split()[0]}, pyarrow {pa.__version__}, msgspec {msgspec.__version__}")
    print(f"mfgcanon: {ours.num_columns} columns; from_pylist: {theirs.num_columns} columns")
    for name, (best, median) in results.items():
        print(f"  {name:36} {best * 1000:8.1f} ms ({median * 1000:7.1f})  {best / reference:5.2f}x from_pylist")
    ratio = results["mfgcanon frames.to_arrow"][0] / reference
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"to_arrow / from_pylist = {ratio:.2f}x (target <= {TARGET:.0f}x: {verdict})")


if __name__ == "__main__":
    main()
