"""The mapper contract: payload in, canonical events out, every record accounted for.

A mapper is a pure function over values: it never holds a connection. ``to_canonical`` returns a
:class:`MappingResult` whose counts always add up (``records_in == converted + rejected``): a record
that cannot be mapped becomes a :class:`Reject` that keeps the original fragment, its source location
and a stable error code, so nothing is lost silently. Events derived from converted records (holds,
genealogy links: :mod:`mfgcanon.v1.derive`) are no records in: they are counted apart, in ``derived``.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import inspect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, runtime_checkable

import msgspec

from mfgcanon.errors import ErrorCode, MappingError, MfgcanonError, check_code

if TYPE_CHECKING:
    from mfgcanon.mappers.context import MappingContext
    from mfgcanon.v1.events import CloudEvent

_HOOK = re.compile(r"^\[[a-z_]+\] [A-Za-z_][A-Za-z0-9_]*: ")

Payload = bytes | str | Mapping[str, Any] | Sequence[Any]
"""What a mapper reads: raw bytes, text, or JSON already parsed into dicts and lists."""


@dataclass(frozen=True)
class PayloadMeta:
    """Transport metadata of one payload: when it was received, the transport's message id, its headers.

    It is not business data: it fills ``source.received_at``, ``source.message_id`` and the CloudEvents
    ``recordedtime``, and the ``processed_at`` of a posting result whose payload has no time (the answer of
    a synchronous call is processed when it is received). It never stands in for a movement's or a
    confirmation's business time. A context's ``received_at`` is the default ``received_at`` of every payload.
    """

    received_at: datetime | None = None
    message_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.received_at is not None and self.received_at.tzinfo is None:
            raise MappingError("PayloadMeta.received_at must be timezone-aware", code="naive_datetime",
                               path="received_at")
        if self.received_at is not None:  # mappers write UTC (docs/model.md, "Decisions")
            object.__setattr__(self, "received_at", self.received_at.astimezone(UTC))
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))


def effective_meta(meta: PayloadMeta | None, context: MappingContext) -> PayloadMeta:
    """The metadata a payload is mapped with: the caller's, its received time defaulting to the context's."""
    if meta is None:
        return PayloadMeta(received_at=context.received_at)
    if meta.received_at is None and context.received_at is not None:
        return dataclasses.replace(meta, received_at=context.received_at)
    return meta


def payload_context(context: MappingContext | None, meta: PayloadMeta | None) -> tuple[MappingContext, PayloadMeta]:
    """The context and metadata one payload is mapped with. The payload's received time (else the context's)
    becomes the context's, so every rule that falls back to "when it arrived" sees this payload's own."""
    from mfgcanon.mappers.context import MappingContext  # the context module imports this one

    ctx = context or MappingContext()
    info = effective_meta(meta, ctx)
    if info.received_at != ctx.received_at:
        ctx = dataclasses.replace(ctx, received_at=info.received_at)
    return ctx, info


def stamp_meta(result: MappingResult, meta: PayloadMeta, start: int = 0) -> None:
    """Write the transport metadata into the events ``result`` holds from index ``start`` on: the entity's
    ``source.received_at`` and ``source.message_id`` and the envelope's ``recordedtime``. Event ids do not
    depend on them, so the same payload received twice is still one event."""
    if meta.received_at is None and meta.message_id is None:
        return
    events = result.events
    for index in range(start, len(events)):
        event = events[index]
        data: Any = event.data  # type: ignore[attr-defined]
        source = getattr(data, "source", None)
        if source is not None:
            source = msgspec.structs.replace(
                source,
                received_at=meta.received_at or source.received_at,
                message_id=meta.message_id or source.message_id,
            )
            data = msgspec.structs.replace(data, source=source)
        events[index] = msgspec.structs.replace(
            event, data=data, recordedtime=meta.received_at or event.recordedtime
        )


def _takes_meta(mapper_type: Any, method: str, parameter: str = "meta") -> bool:
    """Whether the mapper's method takes the metadata keyword. Asked of the function the class holds now, so a
    method replaced later (a subclass, a patch) is asked again rather than answered from a stale cache."""
    return _accepts(getattr(mapper_type, method, None), parameter)


@functools.lru_cache(maxsize=256)
def _accepts(function: Any, parameter: str) -> bool:
    try:
        return parameter in inspect.signature(function).parameters
    except (TypeError, ValueError):  # a builtin or C callable: no introspection, no meta
        return False


def map_payload(
    mapper: Mapper, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
) -> MappingResult:
    """``mapper.to_canonical`` with the payload's metadata, for a mapper that accepts it (a plugin written
    before :class:`PayloadMeta` is called without it)."""
    kind: Any = type(mapper)
    if meta is not None and _takes_meta(kind, "to_canonical"):
        return mapper.to_canonical(payload, context, meta=meta)  # type: ignore[call-arg]
    return mapper.to_canonical(payload, context)


def map_payloads(
    mapper: Any, payloads: Sequence[Payload], context: MappingContext | None, metas: Sequence[PayloadMeta | None]
) -> MappingResult:
    """``mapper.to_canonical_many`` with one metadata per payload, where the mapper accepts them; a mapper
    without it maps each payload alone (:func:`map_each`)."""
    kind: Any = type(mapper)
    if not callable(getattr(mapper, "to_canonical_many", None)):
        return map_each(mapper, payloads, context, metas)
    if any(m is not None for m in metas) and _takes_meta(kind, "to_canonical_many", "metas"):
        result: MappingResult = mapper.to_canonical_many(payloads, context, metas=metas)
        return result
    plain: MappingResult = mapper.to_canonical_many(payloads, context)
    return plain


def map_each(
    mapper: Mapper,
    payloads: Sequence[Payload],
    context: MappingContext | None = None,
    metas: Sequence[PayloadMeta | None] | None = None,
) -> MappingResult:
    """Each payload mapped alone and the results concatenated (the default ``to_canonical_many``): right for
    formats whose payloads never refer to each other. The continuation is the last payload's."""
    infos = list(metas) if metas is not None else [None] * len(payloads)
    if len(infos) != len(payloads):
        raise MappingError(f"{len(payloads)} payloads but {len(infos)} metadata", code="invalid_context")
    total = MappingResult()
    for payload, meta in zip(payloads, infos, strict=True):
        total.extend(map_payload(mapper, payload, context, meta))
    return total


class Document(NamedTuple):
    """One document a writer produced: its kind (an IDoc basic type, an entity set, a BOD noun) and body."""

    kind: str
    payload: Payload


def write_documents(mapper: Any, items: Iterable[Any], context: MappingContext | None = None) -> list[Document]:
    """``mapper.write_documents`` where the mapper has it, else its single-document ``from_canonical``: one
    canonical batch as the documents the vendor needs (confirmations and loose movements are two IDocs)."""
    writer = getattr(mapper, "write_documents", None)
    if callable(writer):
        return [Document(*document) for document in writer(items, context)]
    return [Document(str(getattr(mapper, "name", "document")), mapper.from_canonical(items, context))]


class Reject(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A record that could not be mapped: what it was, where it was, and why.

    ``code`` is a built-in code or a registered plugin code (:func:`mfgcanon.errors.register_code`)."""

    code: str
    reason: str
    location: str
    payload: str | bytes
    line: int | None = None
    input: str | None = None  # the file or stream name, set by whoever knows it (the CLI)
    mapper: str | None = None

    def __post_init__(self) -> None:
        if "." in self.code:  # a plugin's namespaced code must be registered (built-in codes are typed)
            check_code(self.code)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for NDJSON reject files (bytes become text, undecodable bytes escaped)."""
        payload = self.payload
        text = payload.decode("utf-8", "backslashreplace") if isinstance(payload, bytes) else payload
        data: dict[str, Any] = {
            "code": self.code,
            "reason": self.reason,
            "location": self.location,
            "line": self.line,
            "payload": text,
        }
        if self.input is not None:
            data["input"] = self.input
        if self.mapper is not None:
            data["mapper"] = self.mapper
        return data


class RecordError(MappingError):
    """Raised inside one record's mapping; the mapper turns it into a :class:`Reject` for that record."""


@dataclass
class MappingResult:
    """Events produced, records rejected, warnings; ``records_in == converted + rejected`` always.

    ``derived`` counts the events derived from converted records (``quality.hold_placed`` /
    ``hold_released``, ``genealogy.linked``: :mod:`mfgcanon.v1.derive`). They are no records in, so they
    leave ``records_in`` and ``converted`` alone: ``len(events)`` is the events of the converted records
    plus ``derived``.
    """

    events: list[CloudEvent] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    records_in: int = 0
    converted: int = 0
    derived: int = 0
    continuation: str | None = None
    """Where the next page of a paged source starts: a next link (OData ``@odata.nextLink`` / ``__next``,
    Oracle ``links`` rel ``next``) or a token; None when the payload is the last page or not paged
    (:func:`mfgcanon.mappers.helpers.continuation_of`)."""

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    @property
    def balanced(self) -> bool:
        return self.records_in == self.converted + self.rejected

    def assert_balanced(self) -> None:
        """Raise if a record went missing: the invariant every mapper must keep."""
        if not self.balanced:
            raise MappingError(
                f"unbalanced mapping result: {self.records_in} records in, {self.converted} converted, "
                f"{self.rejected} rejected",
                code="mapping_failed",
            )

    def add_event(self, event: CloudEvent, *, records: int = 1) -> None:
        """Record an event built from ``records`` source records (0 for a second event of one record)."""
        self.events.append(event)
        self.records_in += records
        self.converted += records

    def add_derived(self, event: CloudEvent) -> None:
        """Record an event derived from records already converted (a hold, a genealogy link): no record in."""
        self.events.append(event)
        self.derived += 1

    def add_reject(self, reject: Reject) -> None:
        self.rejects.append(reject)
        self.records_in += 1

    def extend(self, other: MappingResult) -> None:
        """Merge another result into this one (the counts stay balanced if both were)."""
        self.events.extend(other.events)
        self.rejects.extend(other.rejects)
        self.warnings.extend(other.warnings)
        self.records_in += other.records_in
        self.converted += other.converted
        self.derived += other.derived
        if other.continuation is not None:
            self.continuation = other.continuation

    def summary(self) -> str:
        derived = f" ({self.derived} derived)" if self.derived else ""
        return (
            f"{self.records_in} records in, {self.converted} converted into {len(self.events)} events{derived}, "
            f"{self.rejected} rejected, {len(self.warnings)} warnings"
        )

    def _repr_html_(self) -> str:
        """A notebook view: the counts, then the events and the rejects as tables (cut with a count)."""
        from mfgcanon import _html

        parts = [f"<p><b>MappingResult</b>: {html.escape(self.summary())}</p>",
                 _html.table(*self._events_rows(), total=len(self.events), caption="events")]
        if self.rejects:
            parts.append(_html.table(*self._rejects_rows(), total=len(self.rejects), caption="rejects"))
        if self.warnings:
            parts.append(_html.table(["warning"], ([w] for w in self.warnings), total=len(self.warnings)))
        return "<div>" + "".join(parts) + "</div>"

    def __repr__(self) -> str:
        """The summary and the first events and rejects, readable in a plain REPL (not every event in full)."""
        from mfgcanon import _html

        parts = [f"MappingResult: {self.summary()}"]
        if self.events:
            parts.append(_html.text_table(*self._events_rows(), total=len(self.events)))
        if self.rejects:
            parts.append("rejects:\n" + _html.text_table(*self._rejects_rows(), total=len(self.rejects)))
        return "\n".join(parts)

    def _events_rows(self) -> tuple[list[str], Iterable[tuple[Any, ...]]]:
        return (["type", "subject", "time", "id"],
                ((type(e).event_type(), e.subject, e.time, e.id) for e in self.events))

    def _rejects_rows(self) -> tuple[list[str], Iterable[tuple[Any, ...]]]:
        return (["code", "location", "line", "reason", "payload"],
                ((r.code, r.location, r.line, r.reason, _preview(r.payload)) for r in self.rejects))


def _preview(payload: str | bytes, size: int = 200) -> str:
    """The start of a reject's payload, for a table cell."""
    text = payload.decode("utf-8", "backslashreplace") if isinstance(payload, bytes) else payload
    return text if len(text) <= size else text[:size] + "…"


def printable(text: str) -> str:
    """Text as it can be written out (UTF-8): a lone surrogate (``"\\ud800"``, not Unicode) becomes its
    escape, as undecodable bytes do in :meth:`Reject.to_dict`."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def reject_from_error(
    exc: Exception, *, location: str, payload: str | bytes, line: int | None = None, mapper: str | None = None
) -> Reject:
    """A reject from whatever a record's mapping raised: library errors keep their code and path.

    A model hook failing inside a constructor (``ValueError("[code] field: ...")``: bad input such as an
    interval that ends before it starts) keeps the hook's code; any other exception is a mapper bug and
    gets the catch-all ``mapping_failed``.
    """
    if isinstance(exc, ValueError) and not isinstance(exc, MfgcanonError) and _HOOK.match(str(exc)):
        from mfgcanon import codecs  # local: codecs imports the whole model

        exc = codecs.translate(exc)
    if isinstance(exc, MfgcanonError):
        where = exc.path if isinstance(exc, MappingError) and exc.path else location
        if not isinstance(exc, MappingError) and exc.path:
            where = f"{location} (canonical {exc.path})"
        found_line = exc.position if isinstance(exc, MappingError) and exc.position is not None else line
        return Reject(  # a message may quote the payload: a lone surrogate in it must not make it unwritable
            code=exc.code, reason=printable(exc.message), location=printable(where), payload=payload,
            line=found_line, mapper=mapper,
        )
    # A bug in a mapper must not lose the record or crash the batch: keep it, with the exception type.
    return Reject(
        code="mapping_failed",
        reason=printable(f"{type(exc).__name__}: {exc}"),
        location=printable(location),
        payload=payload,
        line=line,
        mapper=mapper,
    )


@runtime_checkable
class Mapper(Protocol):
    """What every mapper (built-in or plugin) provides.

    ``produces``: the event classes ``to_canonical`` can emit. ``accepts``: the canonical entity classes
    ``from_canonical`` can write (empty when the mapper is inbound only).

    Optional (defaults in :class:`BaseMapper`, used by :func:`map_payloads` and :func:`write_documents` for a
    mapper without them): ``to_canonical_many(payloads, context, metas)`` maps payloads that belong together
    (headers and lines); ``write_documents(items, context) -> list[Document]`` writes one canonical batch as
    several documents.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    produces: ClassVar[tuple[type[Any], ...]]
    accepts: ClassVar[tuple[type[Any], ...]]

    def sniff(self, payload: Payload) -> bool:
        """Cheap check: does this payload look like this mapper's format? (for ``--from`` detection)."""
        ...

    def to_canonical(self, payload: Payload, context: MappingContext | None = None) -> MappingResult:
        """Map one payload; never raises for bad input (bad records become rejects).

        A mapper may take a keyword ``meta: PayloadMeta | None`` (the built-ins do): callers pass it through
        :func:`map_payload`, which leaves it out for mappers that do not declare it."""
        ...

    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Payload:
        """Write canonical entities (or events carrying them) in the vendor format."""
        ...


class BaseMapper:
    """Defaults for the optional parts of the mapper contract; a new mapper subclasses it.

    :class:`Mapper` lists what every mapper must have (a plugin written before these methods still checks
    as a ``Mapper``); the callers use :func:`map_payloads` and :func:`write_documents`, which fall back to
    the same defaults for a mapper that does not subclass this.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    produces: ClassVar[tuple[type[Any], ...]] = ()
    accepts: ClassVar[tuple[type[Any], ...]] = ()

    def sniff(self, payload: Payload) -> bool:
        raise NotImplementedError

    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        raise NotImplementedError

    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Payload:
        raise MappingError(f"{self.name} is inbound only: it writes no documents", code="unmappable_value")

    def to_canonical_many(
        self,
        payloads: Sequence[Payload],
        context: MappingContext | None = None,
        metas: Sequence[PayloadMeta | None] | None = None,
    ) -> MappingResult:
        """Several payloads that belong together (headers and lines, the pages of one response). The default
        maps each alone and concatenates; override it to join records across payloads."""
        return map_each(self, payloads, context, metas)

    def write_documents(self, items: Iterable[Any], context: MappingContext | None = None) -> list[Document]:
        """One canonical batch as the documents the vendor needs; the default is one :meth:`from_canonical`."""
        return [Document(self.name, self.from_canonical(items, context))]


def error_code(code: str) -> ErrorCode:
    """Narrow a code string for the error constructors (codes are checked by the test suite)."""
    return code  # type: ignore[return-value]
