"""A consumer loop for canonical events: decode, drop duplicates, handle, dead-letter, count, commit.

At-least-once: an offset is stored for commit only after its record was handled, dropped as a duplicate, or
dead-lettered with the broker's acknowledgement. librdkafka commits the stored offsets in the background
(``enable.auto.commit``), on a rebalance and on :meth:`CanonicalConsumer.close`; a crash between handling
and commit re-delivers the record, which the :class:`~mfgcanon.kafka.idempotency.Idempotency` helper then
drops. A handler that raises anything other than an mfgcanon error (a database that is down, a bug) stops
the loop: the failed record's partition is rewound to it, so the next :meth:`~CanonicalConsumer.run`
delivers it again, and nothing after it is committed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from mfgcanon.errors import DecodeError, ErrorCode, MfgcanonError
from mfgcanon.kafka.deadletter import DeadLetterRouter, Failure, header_value
from mfgcanon.kafka.idempotency import Idempotency
from mfgcanon.kafka.metrics import EventMetrics
from mfgcanon.mappers._base import MappingResult, Reject

__all__ = ["CanonicalConsumer", "ConsumerError", "Deserializer", "Handler", "MessageDeserializer", "Outcome",
           "Pipeline"]

Deserializer = Callable[[bytes | None, Any], Any]
"""``confluent_kafka.serialization.Deserializer``'s call: (value, SerializationContext) -> an event, a list of
events, or a :class:`~mfgcanon.mappers.MappingResult` (a mapper's events and rejects); raises on bad input."""


@runtime_checkable
class MessageDeserializer(Protocol):
    """A deserializer that needs the whole record, not only its value and headers: the consumer calls
    :meth:`decode_message` instead of ``(value, ctx)``. The CloudEvents binding's reader is one (a binary-mode
    event without a ``ce_partitionkey`` header takes the attribute from the record's key)."""

    def decode_message(self, message: Any) -> Any:
        """An event (or events, or a MappingResult) of a ``confluent_kafka.Message``; raises on bad input."""


Handler = Callable[[Any], object]
"""Called once per event; an mfgcanon error it raises dead-letters the record, any other exception stops."""


class ConsumerError(MfgcanonError):
    """The client failed fatally (or the configuration fights at-least-once); the message says why."""

    code: ErrorCode = "broker_error"


_TYPE_NAMES: dict[type, str] = {}
_REBALANCING = ("REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION", "UNKNOWN_MEMBER_ID")


def event_type_of(event: Any) -> str:
    """The CloudEvents ``type`` of an event struct (its class's tag, cached per class) or mapping."""
    cls = type(event)
    name = _TYPE_NAMES.get(cls)
    if name is None:
        if isinstance(event, dict):
            return str(event.get("type", "unknown"))
        named = getattr(cls, "event_type", None)
        name = _TYPE_NAMES[cls] = str(named()) if callable(named) else cls.__name__
    return name


class Outcome:
    """What one record came to: ``handled`` and ``duplicates`` count its events; ``failure`` is set when the
    record was dead-lettered."""

    __slots__ = ("duplicates", "failure", "handled")

    def __init__(self) -> None:
        self.handled = 0
        self.duplicates = 0
        self.failure: Failure | None = None


class Pipeline:
    """The per-record work, shared by the group consumer and :func:`mfgcanon.kafka.replay.replay`."""

    def __init__(self, deserializer: Deserializer, handler: Handler, *, dead_letter: DeadLetterRouter | None = None,
                 idempotency: Idempotency | None = None, metrics: EventMetrics | None = None) -> None:
        self.deserializer = deserializer
        self.handler = handler
        self.dead_letter = dead_letter
        self.idempotency = idempotency
        self.metrics = metrics
        from confluent_kafka.serialization import MessageField, SerializationContext

        self._context = SerializationContext
        self._value_field = MessageField.VALUE
        self._decode_message = deserializer.decode_message if isinstance(deserializer, MessageDeserializer) else None

    def process(self, message: Any) -> Outcome:
        """Decode, deduplicate and handle one record; dead-letter it if it fails. Raises only what must stop
        the loop (a handler's non-mfgcanon exception, a dead letter not acknowledged)."""
        outcome = Outcome()
        headers = message.headers()
        try:
            if self._decode_message is not None:
                decoded = self._decode_message(message)
            else:
                decoded = self.deserializer(message.value(),
                                            self._context(message.topic(), self._value_field, headers))
            if decoded is None:  # Confluent's deserializers return None for a tombstone: no event to handle
                raise DecodeError("a record without a value (a tombstone) is no event", code="malformed_input")
        except Exception as exc:  # any deserializer's failure is the record's, not the loop's
            self._reject(message, exc, header_value(headers, "ce_type"), outcome)
            return outcome
        events: Iterable[Any]
        rejects: list[Reject] = []
        if isinstance(decoded, MappingResult):
            events, rejects = decoded.events, decoded.rejects
        elif isinstance(decoded, list | tuple):
            events = decoded
        else:
            events = (decoded,)
        problem: MfgcanonError | Reject | None = rejects[0] if rejects else None
        problem_type = None
        idempotency, metrics = self.idempotency, self.metrics
        for event in events:
            kind = event_type_of(event)
            key = None
            if idempotency is not None:
                try:
                    key = idempotency.key(event)
                except MfgcanonError as exc:  # no source or id: the record's fault, like a decode failure
                    if problem is None:
                        problem, problem_type = exc, kind
                    continue
                if idempotency.store.seen(key, idempotency.clock()):
                    outcome.duplicates += 1
                    if metrics is not None:
                        metrics.duplicate(kind)
                    continue
            try:
                self.handler(event)
            except MfgcanonError as exc:  # bad data found by the handler (a mapping, a check): dead-letter
                if problem is None:
                    problem, problem_type = exc, kind
                continue
            if idempotency is not None and key is not None:  # marked only once handled: at-least-once
                idempotency.store.mark(key, idempotency.clock())
            outcome.handled += 1
            if metrics is not None:
                metrics.consumed(kind, getattr(event, "time", None))
        if problem is not None:
            self._reject(message, problem, problem_type or header_value(headers, "ce_type"), outcome)
        return outcome

    def _reject(self, message: Any, problem: BaseException | Reject, event_type: str | None, outcome: Outcome) -> None:
        if self.dead_letter is None:  # nowhere to keep it: stop rather than lose it
            raise problem if isinstance(problem, BaseException) else MfgcanonError(
                problem.reason, code=problem.code, path=problem.location)
        outcome.failure = self.dead_letter.route(message, problem)
        if self.metrics is not None:
            self.metrics.rejected(event_type)


class CanonicalConsumer:
    """A ``confluent_kafka.Consumer`` in a group, running :class:`Pipeline` over the records of ``topics``.

    ``config`` is the client configuration; ``enable.auto.offset.store`` is forced off (offsets are stored
    by the loop after each record) and ``enable.auto.commit`` defaults on. Use as a context manager, or
    call :meth:`close` (which commits what was stored).
    """

    def __init__(self, config: dict[str, Any], topics: list[str], deserializer: Deserializer, handler: Handler, *,
                 dead_letter: DeadLetterRouter | None = None, idempotency: Idempotency | None = None,
                 metrics: EventMetrics | None = None, batch_size: int = 500) -> None:
        from confluent_kafka import Consumer

        if str(config.get("enable.auto.offset.store", "false")).lower() == "true":
            raise ConsumerError("enable.auto.offset.store must stay false: the loop stores each offset after "
                                "the record was handled (at-least-once)", code="broker_error")
        settings = {"enable.auto.commit": True, "auto.offset.reset": "earliest", **config,
                    "enable.auto.offset.store": False}
        self._auto_commit = str(settings["enable.auto.commit"]).lower() == "true"
        try:
            self.consumer = Consumer(settings)
        except Exception as exc:  # KafkaException for a configuration librdkafka refuses
            raise ConsumerError(f"the Kafka consumer refused its configuration: {exc}",
                                cause_type=type(exc).__name__) from None
        self.consumer.subscribe(topics)
        self.pipeline = Pipeline(deserializer, handler, dead_letter=dead_letter, idempotency=idempotency,
                                 metrics=metrics)
        self.batch_size = batch_size
        self.records = 0

    def poll(self, timeout: float = 1.0) -> int:
        """Process one batch of up to ``batch_size`` records (waiting up to ``timeout`` s); the count done."""
        messages = self.consumer.consume(self.batch_size, timeout)
        done = 0
        handled: dict[tuple[str, int], int] = {}  # the next offset to commit, per partition of this batch
        try:
            for index, message in enumerate(messages):
                error = message.error()
                if error is not None:
                    if error.fatal():
                        raise ConsumerError(f"the Kafka consumer failed: {error}")
                    continue  # informational (end of partition, a broker reconnecting): librdkafka retries itself
                try:
                    self.pipeline.process(message)
                except BaseException:
                    self._rewind(message, messages[index:])
                    raise
                handled[(str(message.topic()), int(message.partition() or 0))] = int(message.offset() or 0) + 1
                done += 1
        finally:  # what was handled is stored, also when the batch stops at a failure
            self._store(handled)
            self.records += done
        return done

    def _store(self, handled: dict[tuple[str, int], int]) -> None:
        """Store the offsets for the next commit: one call per batch, not one per record."""
        if not handled:
            return
        from confluent_kafka import TopicPartition

        try:
            self.consumer.store_offsets(offsets=[TopicPartition(t, p, o) for (t, p), o in handled.items()])
        except Exception as exc:  # a partition revoked meanwhile: its new owner reads from the last commit
            if "_STATE" not in str(exc) and "UNKNOWN_PARTITION" not in str(exc):
                raise ConsumerError(f"could not store offsets: {exc}", cause_type=type(exc).__name__) from None

    def _rewind(self, failed: Any, pending: list[Any]) -> None:
        """Seek each partition with unprocessed records back to its first one, so they are delivered again."""
        from confluent_kafka import TopicPartition

        first: dict[tuple[str, int], int] = {}
        for message in pending:
            if message.error() is None:
                first.setdefault((message.topic(), message.partition()), message.offset())
        first.setdefault((failed.topic(), failed.partition()), failed.offset())
        for (topic, partition), offset in first.items():
            try:
                self.consumer.seek(TopicPartition(topic, partition, offset))
            except Exception:
                continue

    def run(self, *, max_records: int | None = None, idle: float | None = None, timeout: float | None = None,
            stop: threading.Event | None = None, poll_timeout: float = 0.5) -> int:
        """Poll until ``stop`` is set, ``max_records`` were processed, nothing came for ``idle`` seconds, or
        ``timeout`` seconds passed (each optional); the number of records processed."""
        started = last = time.monotonic()
        done = 0
        while not (stop is not None and stop.is_set()):
            if max_records is not None and done >= max_records:
                break
            now = time.monotonic()
            if timeout is not None and now - started >= timeout:
                break
            if idle is not None and now - last >= idle:
                break
            count = self.poll(poll_timeout)
            if count:
                done += count
                last = time.monotonic()
        return done

    def commit(self) -> None:
        """Commit the stored offsets now and wait for the broker (normally the background commit does it)."""
        try:
            self.consumer.commit(asynchronous=False)
        except Exception as exc:
            if "NO_OFFSET" in str(exc):  # nothing stored since the last commit
                return
            raise ConsumerError(f"the offset commit failed: {exc}", cause_type=type(exc).__name__) from None

    def close(self) -> None:
        """Leave the group, committing the stored offsets: librdkafka does it with ``enable.auto.commit`` on;
        with it off, this commits first. A commit refused because the group is rebalancing is left out (the
        records come again to the partition's next owner, at least once)."""
        try:
            if not self._auto_commit:
                try:
                    self.commit()
                except ConsumerError as exc:
                    if not any(code in exc.message for code in _REBALANCING):
                        raise
        finally:
            self.consumer.close()

    def __enter__(self) -> CanonicalConsumer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
