"""EventMetrics: counts that match what happened, from many threads at once, as plain numbers."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from _broker import DEADLINE, T0, config, confirmation_event, encoded, producer_for

from mfgcanon.kafka import serde
from mfgcanon.kafka.consumer import Pipeline
from mfgcanon.kafka.metrics import LAG_BUCKETS, UNKNOWN_TYPE, EventMetrics
from mfgcanon.kafka.mock_cluster import MockCluster
from mfgcanon.kafka.replay import replay

A = "mfgcanon.production.confirmed.v1"
B = "mfgcanon.material.issued.v1"


def test_counters_from_many_threads_add_up() -> None:
    metrics = EventMetrics()

    def work() -> None:
        for i in range(1000):
            metrics.consumed(A if i % 2 else B, T0, now=T0 + timedelta(seconds=i % 10))
            metrics.produced(A)
        metrics.duplicate(B)
        metrics.rejected(None)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snap = metrics.snapshot()
    assert snap.types[A].consumed == snap.types[B].consumed == 4000
    assert snap.types[A].produced == 8000
    assert snap.types[B].duplicates == 8
    assert snap.types[UNKNOWN_TYPE].rejected == 8
    assert snap.total("consumed") == 8000
    assert snap.types[A].lag_count == 4000
    assert sum(snap.types[A].lag_buckets) == 4000
    assert snap.types[A].lag_max == 9.0
    assert snap.types[A].lag_mean == 5.0


def test_snapshot_is_plain_json_ready_data() -> None:
    metrics = EventMetrics()
    metrics.consumed(A, T0, now=T0 + timedelta(hours=2))  # 2 h: the bucket up to a day
    data = json.loads(json.dumps(metrics.snapshot().as_dict()))
    assert data["lag_bucket_bounds"] == list(LAG_BUCKETS)
    assert data["types"][A]["consumed"] == 1
    assert data["types"][A]["lag_buckets"][-2] == 1
    assert data["types"][A]["lag_sum"] == 7200.0


def test_reset_returns_the_counts_and_starts_again() -> None:
    metrics = EventMetrics()
    metrics.produced(A, 3)
    assert metrics.reset().types[A].produced == 3
    assert metrics.snapshot().types == {}


def test_delivery_callback_counts_only_acknowledged_records() -> None:
    metrics = EventMetrics()
    callback = metrics.delivery_callback(A)
    callback(None, object())
    callback("KafkaError{code=MSG_TIMED_OUT}", object())
    assert metrics.snapshot().types[A].produced == 1


def test_produced_and_consumed_counts_match_on_the_broker() -> None:
    cluster = MockCluster()
    try:
        cluster.create_topic("counted", 2)
        metrics = EventMetrics()
        events = [confirmation_event(i, order=f"ORD-{i % 3}") for i in range(6)]
        sender = producer_for(cluster)
        for event in events:
            key, value, _headers = encoded(event)
            sender.produce("counted", key=key, value=value, on_delivery=metrics.delivery_callback(A))
        assert sender.flush(DEADLINE) == 0
        pipeline = Pipeline(serde.JsonDeserializer(), lambda _e: None, metrics=metrics)
        report = replay(config(cluster, "unused"), "counted", pipeline, offsets={0: (0, 6), 1: (0, 6)},
                        timeout=3)  # a range past each partition's end: the replay stops at its timeout
        counts = metrics.snapshot().types[A]
        assert (counts.produced, counts.consumed, counts.lag_count) == (6, 6, 6)
        assert sum(report.records.values()) == 6
        assert not report.complete
    finally:
        cluster.close()
