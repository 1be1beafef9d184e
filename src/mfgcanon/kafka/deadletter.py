"""Dead-letter routing: a record that cannot be decoded or mapped goes, byte for byte, to another topic.

The dead letter keeps the record's key, value and headers unchanged and adds headers saying why and from
where (:data:`HEADERS`), so it can be inspected, fixed upstream and replayed. :meth:`DeadLetterRouter.route`
returns only once the broker acknowledged the dead letter; the consumer commits the source offset after
that, so a failed record is never lost and never holds up the records behind it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mfgcanon.errors import DecodeError, ErrorCode, MfgcanonError
from mfgcanon.mappers._base import Reject

__all__ = ["HEADERS", "DeadLetterError", "DeadLetterRouter", "Failure", "dead_letter_headers", "failure_of",
           "read_dead_letter_headers"]

HEADERS = {
    "code": "mfgcanon.error.code",
    "path": "mfgcanon.error.path",
    "message": "mfgcanon.error.message",
    "error_type": "mfgcanon.error.type",
    "topic": "mfgcanon.source.topic",
    "partition": "mfgcanon.source.partition",
    "offset": "mfgcanon.source.offset",
    "timestamp": "mfgcanon.source.timestamp",
    "dead_lettered_at": "mfgcanon.deadletter.time",
}
"""The headers added to a dead letter (UTF-8 text values): field name -> header name. ``timestamp`` is the
source record's Kafka timestamp in epoch milliseconds; ``dead_lettered_at`` an ISO 8601 UTC instant."""


class DeadLetterError(MfgcanonError):
    """The dead letter was not acknowledged: the source record stays uncommitted and is delivered again."""

    code: ErrorCode = "broker_error"


@dataclass(frozen=True)
class Failure:
    """Why a record failed, as the dead-letter headers carry it."""

    code: str
    path: str | None
    message: str
    error_type: str


def failure_of(problem: BaseException | Reject) -> Failure:
    """A typed error keeps its code and path; a mapper's reject its code and location; any other exception
    (a deserializer of another library) is ``malformed_input`` unless it wraps a typed error."""
    if isinstance(problem, Reject):
        return Failure(problem.code, problem.location or None, problem.reason, "Reject")
    inner: BaseException | None = problem
    while inner is not None and not isinstance(inner, MfgcanonError):
        inner = inner.__cause__ or inner.__context__
    if isinstance(inner, MfgcanonError):
        return Failure(str(inner.code), inner.path, inner.message, type(inner).__name__)
    wrapped = DecodeError(f"{type(problem).__name__}: {problem}", code="malformed_input",
                          cause_type=type(problem).__name__)
    return Failure(str(wrapped.code), None, wrapped.message, type(problem).__name__)


def dead_letter_headers(message: Any, failure: Failure, *, now: datetime | None = None) -> list[tuple[str, bytes]]:
    """The source record's headers, unchanged and in order, then the :data:`HEADERS` of ``failure``."""
    headers: list[tuple[str, bytes]] = [(name, value if value is not None else b"")
                                        for name, value in (message.headers() or [])]
    _kind, timestamp = message.timestamp()
    added = {
        "code": failure.code, "path": failure.path or "", "message": failure.message,
        "error_type": failure.error_type, "topic": message.topic() or "", "partition": str(message.partition()),
        "offset": str(message.offset()), "timestamp": str(timestamp),
        "dead_lettered_at": (now or datetime.now(UTC)).isoformat(),
    }
    headers.extend((HEADERS[field], text.encode("utf-8", "backslashreplace")) for field, text in added.items())
    return headers


def read_dead_letter_headers(headers: Sequence[tuple[str, bytes | None]] | None) -> dict[str, str]:
    """The :data:`HEADERS` of a dead letter by field name; the last wins (a record dead-lettered twice)."""
    names = {header: field for field, header in HEADERS.items()}
    found: dict[str, str] = {}
    for name, value in headers or []:
        if name in names:
            found[names[name]] = (value or b"").decode("utf-8", "replace")
    return found


class DeadLetterRouter:
    """Produces dead letters to ``topic`` through ``producer`` (a ``confluent_kafka.Producer``) and waits for
    the broker's acknowledgement, up to ``timeout`` seconds, before returning."""

    def __init__(self, producer: Any, topic: str, *, timeout: float = 30.0) -> None:
        self.producer = producer
        self.topic = topic
        self.timeout = timeout

    def route(self, message: Any, problem: BaseException | Reject | Failure) -> Failure:
        failure = problem if isinstance(problem, Failure) else failure_of(problem)
        outcome: dict[str, Any] = {}

        def delivered(err: Any, _msg: Any) -> None:
            outcome["error"] = err
        try:
            self.producer.produce(self.topic, key=message.key(), value=message.value(),
                                  headers=dead_letter_headers(message, failure), on_delivery=delivered)
            # wait for this record's acknowledgement only (flush would wait for all of a shared producer's)
            deadline = time.monotonic() + self.timeout
            while "error" not in outcome and time.monotonic() < deadline:
                self.producer.poll(min(0.1, max(0.0, deadline - time.monotonic())))
        except Exception as exc:  # BufferError (queue full), KafkaException, a bad header: all mean "not sent"
            raise DeadLetterError(f"could not produce the dead letter to {self.topic!r}: {exc}",
                                  cause_type=type(exc).__name__) from None
        if "error" not in outcome:
            raise DeadLetterError(f"the dead letter to {self.topic!r} was not acknowledged within {self.timeout}s")
        if outcome["error"] is not None:
            raise DeadLetterError(f"the broker refused the dead letter to {self.topic!r}: {outcome['error']}")
        return failure


def header_value(headers: Sequence[tuple[str, bytes | None]] | Mapping[str, bytes] | None, name: str) -> str | None:
    """The last value of header ``name`` as text (``ce_type`` names the event type of a binary-mode record)."""
    if not headers:
        return None
    items = headers.items() if isinstance(headers, Mapping) else headers
    found = None
    for key, value in items:
        if key == name and value is not None:
            found = value.decode("utf-8", "replace")
    return found
