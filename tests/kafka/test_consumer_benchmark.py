"""benchmarks/kafka.py runs end to end with a tiny workload (no timing asserted), so it cannot rot."""

from __future__ import annotations

import pytest


def test_the_kafka_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import kafka

    assert kafka.main(["--events", "40", "--partitions", "2", "--no-scaling"]) == 0
    out = capsys.readouterr().out
    for row in ("| mfgcanon JSON |", "| plain dict JSON |", "| mfgcanon Avro |",
                "| mfgcanon JSON + CanonicalConsumer |", "| mfgcanon Avro + registry |",
                "| mfgcanon JSON Schema + registry |", "| mfgcanon CloudEvents binary JSON |"):
        assert row in out
