"""Canonical events through Kafka: serializer + produce + consume + deserializer, on the mock broker.

    python benchmarks/kafka.py [--events 100000] [--rounds 1] [--partitions 4] [--no-scaling]

Contenders, each over its own topic of librdkafka's mock cluster (in this process):

* ``mfgcanon JSON``: ``codecs.encode(event)`` and ``codecs.decode(value, type=ProductionConfirmed)``, a
  typed, validated event (decimals as Decimal, instants as aware datetimes) at the end;
* ``plain dict JSON``: ``json.dumps(dict)`` and ``json.loads(value)`` of the same event as plain data
  (strings for decimals and times, nothing checked), as glue code without mfgcanon does it;
* ``mfgcanon Avro``: ``mfgcanon.avro.encode``/``decode`` (schemaless: no schema id, no registry);
* ``mfgcanon Avro + registry`` and ``mfgcanon JSON Schema + registry``: ``mfgcanon.kafka.serde``'s
  ``AvroSerializer``/``AvroDeserializer`` and ``JsonSchemaSerializer``/``JsonSchemaDeserializer`` with
  Confluent's in-memory ``mock://`` registry (the registry wire format; the schema id is registered by the
  first record and cached after that, as against a real registry);
* ``mfgcanon CloudEvents binary JSON``: ``cloudevents.to_kafka_message`` (``ce_`` headers, key, JSON data)
  produced with its headers, read by ``CloudEventDeserializer.decode_message`` (the consumer loop's call);
* ``mfgcanon JSON + CanonicalConsumer``: the JSON contender read through the consumer loop of
  ``mfgcanon.kafka.consumer`` with the idempotency helper, metrics and offset store (group join excluded).

Produce time runs from the first ``produce`` to the end of ``flush``; consume time from the first record
received to the last one decoded (a fresh consumer assigned to every partition from the start). Then the
consumer scaling: one consumer process against two of one group, on a mock cluster in a separate process
(``python -m mfgcanon.kafka.mock_cluster``), each decoding with mfgcanon's JSON deserializer.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.serialization import MessageField, SerializationContext

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.avro_codec holds the workload

from benchmarks.avro_codec import production_confirmation

from mfgcanon import avro, codecs
from mfgcanon.kafka import cloudevents, serde
from mfgcanon.kafka.consumer import CanonicalConsumer
from mfgcanon.kafka.idempotency import Idempotency, MemoryStore
from mfgcanon.kafka.metrics import EventMetrics
from mfgcanon.kafka.mock_cluster import MockCluster
from mfgcanon.v1.events import ProductionConfirmed, build_event

PRODUCER = {"linger.ms": 5, "batch.num.messages": 10000, "queue.buffering.max.messages": 500000,
            "queue.buffering.max.kbytes": 1048576, "log_level": 3}


def events(count: int) -> list[ProductionConfirmed]:
    """``count`` distinct ProductionConfirmed events (20 fields set in data), over 16 orders."""
    base = production_confirmation()
    built = []
    for i in range(count):
        data = msgspec.structs.replace(base, confirmation_id=f"{i}/1", order_id=f"{1000000 + i % 16}",
                                       source=msgspec.structs.replace(base.source, document_id=f"{i:016d}"))
        built.append(build_event(ProductionConfirmed, data, validated=True))
    return built


def json_deserializer(value: bytes | None, _ctx: Any) -> Any:
    return codecs.decode(value or b"", type=ProductionConfirmed)


class Runner:
    """One producer and one consumer (assigned to every partition from offset 0) for one topic.

    The mock broker keeps about 5 MB per partition (older records are dropped, as retention would), so the
    records go through in chunks: each chunk is produced and acknowledged, then read back and decoded.
    """

    def __init__(self, bootstrap: str, topic: str, partitions: int) -> None:
        self.topic = topic
        self.partitions = partitions
        self.producer = Producer({"bootstrap.servers": bootstrap, **PRODUCER})
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4()}",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 5, "log_level": 3})
        self.consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])

    def produce(self, items: list[Any], keys: list[bytes] | list[None], serialize: Callable[[Any], Any],
                whole: bool = False) -> float:
        """Serialize and produce every item; seconds until the broker acknowledged all of them. With ``whole``,
        ``serialize`` returns the record's (key, value, headers)."""
        producer, topic = self.producer, self.topic
        started = time.perf_counter()
        spread = self.partitions if keys and keys[0] is None else 0  # no keys: round robin, evenly
        for index, (item, key) in enumerate(zip(items, keys, strict=True)):
            where: dict[str, Any] = {"partition": index % spread} if spread else {}
            if whole:
                key, value, where["headers"] = serialize(item)
            else:
                value = serialize(item)
            while True:
                try:
                    producer.produce(topic, value, key, **where)
                    break
                except BufferError:
                    producer.poll(0.01)
        if producer.flush(120) != 0:
            raise RuntimeError("records left unacknowledged")
        return time.perf_counter() - started

    def consume(self, count: int, deserialize: Callable[[Any], Any], whole: bool = False) -> float:
        """Read and deserialize the next ``count`` records (their values, or with ``whole`` the messages); seconds."""
        done = 0
        started = time.perf_counter()
        deadline = time.monotonic() + 120
        while done < count and time.monotonic() < deadline:
            for message in self.consumer.consume(1000, 0.5):
                if message.error() is None:
                    deserialize(message if whole else message.value())
                    done += 1
        if done != count:
            raise RuntimeError(f"{done} of {count} records arrived (lost to the mock broker's retention?)")
        return time.perf_counter() - started

    def close(self) -> None:
        self.consumer.close()


def run_chunks(runner: Runner, items: list[Any], keys: list[bytes], serialize: Callable[[Any], Any],
               deserialize: Callable[[Any], Any], chunk: int, whole: bool = False) -> tuple[float, float]:
    """(produce s, consume s) for every item, chunk by chunk."""
    produced = consumed = 0.0
    for first in range(0, len(items), chunk):
        part = items[first:first + chunk]
        produced += runner.produce(part, keys[first:first + chunk], serialize, whole)
        consumed += runner.consume(len(part), deserialize, whole)
    return produced, consumed


def through_loop(bootstrap: str, topic: str, items: list[Any], keys: list[bytes], chunk: int) -> float:
    """The JSON records through CanonicalConsumer (dedup, metrics, offset store), chunk by chunk; seconds
    spent in the loop (the group join before the first chunk excluded)."""
    loop = CanonicalConsumer({"bootstrap.servers": bootstrap, "group.id": f"loop-{uuid.uuid4()}",
                              "fetch.wait.max.ms": 5, "log_level": 3}, [topic], json_deserializer, lambda _e: None,
                             idempotency=Idempotency(MemoryStore(len(items))), metrics=EventMetrics(), batch_size=1000)
    writer = Runner(bootstrap, topic, 0)  # its consumer has no partitions: only the producer is used
    elapsed = 0.0
    try:
        deadline = time.monotonic() + 60
        while not loop.consumer.assignment() and time.monotonic() < deadline:  # the group join, off the clock
            loop.poll(0.2)
        for first in range(0, len(items), chunk):
            part = items[first:first + chunk]
            writer.produce(part, keys[first:first + chunk], codecs.encode)
            target = loop.records + len(part)
            started = time.perf_counter()
            loop.run(max_records=target - loop.records, timeout=120)
            elapsed += time.perf_counter() - started
            if loop.records != target:
                raise RuntimeError(f"{loop.records} of {target} records went through the loop")
    finally:
        writer.close()
        loop.close()
    return elapsed


def pipelines(count: int, rounds: int, partitions: int, chunk: int) -> dict[str, tuple[float, float]]:
    """Best (produce s, consume s) of each contender over ``rounds`` interleaved rounds."""
    batch = events(count)
    keys = [event.partitionkey.encode() for event in batch]
    dicts = [msgspec.to_builtins(event) for event in batch]  # what a plain-dict pipeline holds
    registry = SchemaRegistryClient.new_client({"url": f"mock://bench-{uuid.uuid4()}"})
    avro_ctx = SerializationContext("bench-avro", MessageField.VALUE)  # names the subject only
    json_ctx = SerializationContext("bench-jsonschema", MessageField.VALUE)
    avro_writer, avro_reader = (serde.AvroSerializer(registry, ProductionConfirmed),
                                serde.AvroDeserializer(registry, ProductionConfirmed))
    json_writer, json_reader = (serde.JsonSchemaSerializer(registry, ProductionConfirmed),
                                serde.JsonSchemaDeserializer(registry, ProductionConfirmed))
    binary = cloudevents.CloudEventDeserializer(ProductionConfirmed)
    # name: (items, serialize, deserialize, whole record: serialize gives (key, value, headers), deserialize
    # takes the message)
    contenders: dict[str, tuple[list[Any], Callable[[Any], Any], Callable[[Any], Any], bool]] = {
        "mfgcanon JSON": (batch, codecs.encode, lambda b: codecs.decode(b, type=ProductionConfirmed), False),
        "plain dict JSON": (dicts, lambda d: json.dumps(d).encode(), json.loads, False),
        "mfgcanon Avro": (batch, avro.encode, lambda b: avro.decode(b, type=ProductionConfirmed), False),
        "mfgcanon Avro + registry": (batch, lambda e: avro_writer(e, avro_ctx), lambda b: avro_reader(b, avro_ctx),
                                     False),
        "mfgcanon JSON Schema + registry": (batch, lambda e: json_writer(e, json_ctx),
                                            lambda b: json_reader(b, json_ctx), False),
        "mfgcanon CloudEvents binary JSON": (batch, cloudevents.to_kafka_message, binary.decode_message, True),
    }
    assert codecs.decode(codecs.encode(batch[0]), type=ProductionConfirmed) == batch[0]
    assert avro.decode(avro.encode(batch[0]), type=ProductionConfirmed) == batch[0]
    assert avro_reader(avro_writer(batch[0], avro_ctx), avro_ctx) == batch[0]
    assert json_reader(json_writer(batch[0], json_ctx), json_ctx) == batch[0]
    assert cloudevents.from_kafka_message(cloudevents.to_kafka_message(batch[0])) == batch[0]
    best: dict[str, tuple[float, float]] = {}
    with MockCluster() as cluster:
        for round_ in range(rounds):
            for name, (items, serialize, deserialize, whole) in contenders.items():
                topic = f"{name.replace(' ', '-')}-{round_}"
                cluster.create_topic(topic, partitions)
                runner = Runner(cluster.bootstrap_servers, topic, partitions)
                try:
                    produced, consumed = run_chunks(runner, items, keys, serialize, deserialize, chunk, whole)
                finally:
                    runner.close()
                if name == "mfgcanon JSON":
                    loop_topic = f"loop-{round_}"
                    cluster.create_topic(loop_topic, partitions)
                    loop = through_loop(cluster.bootstrap_servers, loop_topic, items, keys, chunk)
                    old = best.get("mfgcanon JSON + CanonicalConsumer", (produced, loop))
                    best["mfgcanon JSON + CanonicalConsumer"] = (min(old[0], produced), min(old[1], loop))
                old = best.get(name, (produced, consumed))
                best[name] = (min(old[0], produced), min(old[1], consumed))
    return best


def _scaling_worker(bootstrap: str, topic: str, index: int, assigned: Any, done: Any, go: Any, stop: Any) -> None:
    """One consumer process of the group: pause on assignment until ``go``, then read and decode."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"scale-{topic}", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 200,
                         "log_level": 3})

    def on_assign(c: Any, parts: list[Any]) -> None:
        c.assign(parts)
        if not go.is_set():
            c.pause(parts)
        assigned[index] = len(parts)

    def on_revoke(_c: Any, _parts: list[Any]) -> None:
        assigned[index] = 0

    consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    resumed = False
    while not stop.is_set():
        if go.is_set() and not resumed:
            consumer.resume(consumer.assignment())
            resumed = True
        got = 0
        for message in consumer.consume(1000, 0.2):
            if message.error() is None:
                codecs.decode(message.value(), type=ProductionConfirmed)
                got += 1
        if got:
            with done.get_lock():
                done.value += got
    consumer.close()


def scaling(count: int, partitions: int) -> dict[int, float]:
    """Seconds for 1 and for 2 consumer processes of one group to read and decode ``count`` records.

    All records are produced first, without keys (spread evenly), over enough partitions that the mock
    broker's 5 MB per partition keeps them all."""
    server = subprocess.Popen([sys.executable, "-m", "mfgcanon.kafka.mock_cluster", f"scale-1:{partitions}",
                               f"scale-2:{partitions}"], stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline() if server.stdout else ""
        if not line.startswith("BOOTSTRAP "):
            raise RuntimeError(f"the mock cluster did not start: {line!r}")
        bootstrap = line.split()[1]
        batch = events(count)
        results: dict[int, float] = {}
        context = multiprocessing.get_context("spawn")
        for processes in (1, 2):
            topic = f"scale-{processes}"
            writer = Runner(bootstrap, topic, partitions)
            writer.produce(batch, [None] * count, codecs.encode)
            lows = [writer.consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[0]
                    for p in range(partitions)]
            if any(lows):
                raise RuntimeError("the mock broker dropped records: use more --scaling-partitions")
            writer.close()
            assigned = context.Array("i", processes)
            done = context.Value("q", 0)
            go, stop = context.Event(), context.Event()
            workers = [context.Process(target=_scaling_worker, args=(bootstrap, topic, i, assigned, done, go, stop))
                       for i in range(processes)]
            for worker in workers:
                worker.start()
            deadline = time.monotonic() + 120
            while not (sum(assigned[:]) == partitions and all(assigned[:])) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)  # the group has settled: no rebalance during the measurement
            started = time.perf_counter()
            go.set()
            while done.value < count and time.monotonic() < deadline + 300:
                time.sleep(0.005)
            results[processes] = time.perf_counter() - started
            stop.set()
            for worker in workers:
                worker.join(30)
            if done.value < count:
                raise RuntimeError(f"{processes} consumer(s): only {done.value} of {count} records arrived")
        return results
    finally:
        server.terminate()
        server.wait(10)


def report(count: int, best: dict[str, tuple[float, float]], scaled: dict[int, float] | None) -> str:
    load = ", load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    lines = [f"{count} ProductionConfirmed events, {os.cpu_count()} CPUs{load}"]
    if best:
        lines += ["", "| pipeline | produce ev/s | consume ev/s | end to end ev/s | time vs plain dicts |",
                  "|---|---:|---:|---:|---:|"]
    plain = sum(best["plain dict JSON"]) if best else 1.0
    for name, (produced, consumed) in best.items():
        total = produced + consumed
        lines.append(f"| {name} | {count / produced:,.0f} | {count / consumed:,.0f} | {count / total:,.0f} | "
                     f"{total / plain:.2f}x |")
    if scaled:
        lines += ["", "| consumer processes (one group) | ev/s | speed-up |", "|---:|---:|---:|"]
        for processes, seconds in scaled.items():
            lines.append(f"| {processes} | {count / seconds:,.0f} | {scaled[1] / seconds:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--scaling-partitions", type=int, default=64)
    parser.add_argument("--chunk", type=int, default=5000, help="records per produce-then-consume step")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1 vs 2 consumer processes part")
    args = parser.parse_args(argv)
    best = pipelines(args.events, args.rounds, args.partitions, args.chunk)
    print(report(args.events, best, None), flush=True)
    if not args.no_scaling:
        print(report(args.events, {}, scaling(args.events, args.scaling_partitions)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
