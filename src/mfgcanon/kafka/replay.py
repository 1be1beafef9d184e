"""Replay: read a range of a topic again into the same handlers, for recovery after an outage.

The range is per partition, by offsets or by time. A replay reads with its own consumer, assigned to the
partitions (no group membership, no commits: the live consumers' positions are untouched), and runs every
record through the same :class:`~mfgcanon.kafka.consumer.Pipeline`; with the :class:`Idempotency` store the
live consumer used (an :class:`~mfgcanon.kafka.idempotency.SqliteStore` survives restarts), events handled
before are dropped, so the handler sees each event once.

By time, the rule is: the records of ``[start, end)`` by their Kafka timestamp (set it to the event's
``time`` when producing, and the range is by event time). Start and end offsets come from the broker's
time index (``offsets_for_times``); when the broker answers "no such record" although the partition's last
record is inside the range (a broker without a time index, such as librdkafka's mock cluster), the
partition is scanned from its first record instead. Either way each record's timestamp is checked.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mfgcanon.errors import ValidationError
from mfgcanon.kafka.consumer import ConsumerError, Pipeline

__all__ = ["ReplayReport", "offsets_for_range", "replay"]

_END = -1  # librdkafka's OFFSET_END, and offsets_for_times' "no record at or after that time"


@dataclass
class ReplayReport:
    """What a replay read: records per partition, events handled, duplicates dropped, records dead-lettered."""

    records: dict[int, int] = field(default_factory=dict)
    handled: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    skipped_by_time: int = 0
    complete: bool = True  # False when the timeout ended the replay before every partition reached its end


def _ms(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValidationError("replay times must be timezone-aware", code="naive_datetime", path="$.start")
    return int(value.timestamp() * 1000)


def _last_timestamp(consumer: Any, topic: str, partition: int, high: int, timeout: float) -> int | None:
    """The Kafka timestamp of the partition's last record (``high - 1``), read with a short fetch."""
    from confluent_kafka import TopicPartition

    consumer.assign([TopicPartition(topic, partition, high - 1)])
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is not None and message.error() is None:
                return int(message.timestamp()[1])
        return None
    finally:
        consumer.unassign()


def offsets_for_range(consumer: Any, topic: str, partitions: list[int], start: datetime,
                      end: datetime | None, timeout: float = 10.0) -> dict[int, tuple[int, int]]:
    """Per partition the offsets ``[first, stop)`` that hold the records of ``[start, end)``, as the rule in
    the module docstring resolves them (``stop`` is the high watermark when ``end`` is None)."""
    from confluent_kafka import TopicPartition

    ranges: dict[int, tuple[int, int]] = {}
    begin_ms = _ms(start)
    end_ms = _ms(end) if end is not None else None
    answers = consumer.offsets_for_times([TopicPartition(topic, p, begin_ms) for p in partitions], timeout=timeout)
    stops = {}
    if end_ms is not None:
        stops = {tp.partition: tp.offset for tp in consumer.offsets_for_times(
            [TopicPartition(topic, p, end_ms) for p in partitions], timeout=timeout)}
    for answer in answers:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, answer.partition), timeout=timeout)
        first = answer.offset
        if first == _END and high > low:
            last = _last_timestamp(consumer, topic, answer.partition, high, timeout)
            first = low if last is None or last >= begin_ms else high  # no time index: scan; else truly nothing
        stop = stops.get(answer.partition, _END)
        if stop == _END or stop < first:
            stop = high
        ranges[answer.partition] = (max(first, low), stop)
    return ranges


def replay(config: dict[str, Any], topic: str, pipeline: Pipeline, *, offsets: dict[int, tuple[int, int]] | None = None,
           start: datetime | None = None, end: datetime | None = None, timeout: float = 60.0,
           poll_timeout: float = 0.5) -> ReplayReport:
    """Re-read ``topic`` into ``pipeline``: ``offsets`` maps partition -> (first, stop) offsets, stop
    exclusive; or ``start``/``end`` select by time (every partition). ``config`` needs ``bootstrap.servers``;
    ``group.id`` is only a name here (nothing is committed)."""
    from confluent_kafka import Consumer, TopicPartition

    if (offsets is None) == (start is None):
        raise ValidationError("replay needs either offsets or a start time", code="invalid_context", path="$")
    begin_ms = _ms(start) if start is not None else None
    end_ms = _ms(end) if end is not None and start is not None else None
    settings = {"group.id": f"mfgcanon-replay-{uuid.uuid4()}", **config, "enable.auto.commit": False,
                "enable.auto.offset.store": False, "enable.partition.eof": False}
    try:
        consumer = Consumer(settings)
    except Exception as exc:
        raise ConsumerError(f"the Kafka consumer refused its configuration: {exc}",
                            cause_type=type(exc).__name__) from None
    report = ReplayReport()
    try:
        if offsets is None:
            assert start is not None
            try:
                metadata = consumer.list_topics(topic, timeout=timeout).topics[topic]
                if metadata.error is not None:
                    raise ConsumerError(f"cannot read topic {topic!r}: {metadata.error}")
                offsets = offsets_for_range(consumer, topic, sorted(metadata.partitions), start, end, timeout)
            except ConsumerError:
                raise
            except Exception as exc:  # KafkaException: the broker could not be asked
                raise ConsumerError(f"cannot resolve the replay range of {topic!r}: {exc}",
                                    cause_type=type(exc).__name__) from None
        pending = {p: stop for p, (first, stop) in offsets.items() if stop > first}
        report.records = dict.fromkeys(offsets, 0)
        consumer.assign([TopicPartition(topic, p, offsets[p][0]) for p in pending])
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for message in consumer.consume(500, poll_timeout):
                error = message.error()
                if error is not None:
                    if error.fatal():
                        raise ConsumerError(f"the Kafka consumer failed: {error}")
                    continue
                partition, offset = int(message.partition() or 0), int(message.offset() or 0)
                stop = pending.get(partition)
                if stop is None:
                    continue
                if offset >= stop - 1:  # the last record of the range (or past it: a control record was the last)
                    del pending[partition]
                    if offset >= stop:
                        continue
                stamp = message.timestamp()[1]
                if begin_ms is not None and (stamp < begin_ms or (end_ms is not None and stamp >= end_ms)):
                    report.skipped_by_time += 1
                    continue
                report.records[partition] += 1
                outcome = pipeline.process(message)
                report.handled += outcome.handled
                report.duplicates += outcome.duplicates
                report.dead_lettered += outcome.failure is not None
        report.complete = not pending
        return report
    finally:
        consumer.close()
