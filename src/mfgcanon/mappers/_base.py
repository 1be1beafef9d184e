"""The mapper contract: payload in, canonical events out, every record accounted for.

A mapper is a pure function over values: it never holds a connection. ``to_canonical`` returns a
:class:`MappingResult` whose counts always add up (``records_in == converted + rejected``): a record
that cannot be mapped becomes a :class:`Reject` that keeps the original fragment, its source location
and a stable error code, so nothing is lost silently.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import msgspec

from mfgcanon.errors import ErrorCode, MappingError, MfgcanonError

if TYPE_CHECKING:
    from mfgcanon.mappers.context import MappingContext
    from mfgcanon.v1.events import CloudEvent

_HOOK = re.compile(r"^\[[a-z_]+\] [A-Za-z_][A-Za-z0-9_]*: ")

Payload = bytes | str | Mapping[str, Any] | Sequence[Any]
"""What a mapper reads: raw bytes, text, or JSON already parsed into dicts and lists."""


class Reject(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A record that could not be mapped: what it was, where it was, and why."""

    code: str
    reason: str
    location: str
    payload: str | bytes
    line: int | None = None
    input: str | None = None  # the file or stream name, set by whoever knows it (the CLI)
    mapper: str | None = None

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
    """Events produced, records rejected, warnings; ``records_in == converted + rejected`` always."""

    events: list[CloudEvent] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    records_in: int = 0
    converted: int = 0

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

    def summary(self) -> str:
        return (
            f"{self.records_in} records in, {self.converted} converted into {len(self.events)} events, "
            f"{self.rejected} rejected, {len(self.warnings)} warnings"
        )

    def _repr_html_(self) -> str:
        """A notebook table: the counts, then one row per event and per reject."""
        esc = html.escape
        rows = [
            f"<tr><td>event</td><td>{esc(type(e).event_type())}</td><td>{esc(e.subject)}</td>"
            f"<td>{esc(str(e.id))}</td></tr>"
            for e in self.events
        ]
        rows += [
            f"<tr><td>reject</td><td>{esc(r.code)}</td><td>{esc(r.location)}"
            f"{'' if r.line is None else f' (line {r.line})'}</td><td>{esc(r.reason)}</td></tr>"
            for r in self.rejects
        ]
        return (
            f"<p><b>MappingResult</b>: {esc(self.summary())}</p><table><thead><tr><th>kind</th>"
            f"<th>type / code</th><th>subject / location</th><th>id / reason</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )


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
        return Reject(
            code=exc.code, reason=exc.message, location=where, payload=payload, line=found_line, mapper=mapper
        )
    # A bug in a mapper must not lose the record or crash the batch: keep it, with the exception type.
    return Reject(
        code="mapping_failed",
        reason=f"{type(exc).__name__}: {exc}",
        location=location,
        payload=payload,
        line=line,
        mapper=mapper,
    )


@runtime_checkable
class Mapper(Protocol):
    """What every mapper (built-in or plugin) provides.

    ``produces``: the event classes ``to_canonical`` can emit. ``accepts``: the canonical entity classes
    ``from_canonical`` can write (empty when the mapper is inbound only).
    """

    name: ClassVar[str]
    description: ClassVar[str]
    produces: ClassVar[tuple[type[Any], ...]]
    accepts: ClassVar[tuple[type[Any], ...]]

    def sniff(self, payload: Payload) -> bool:
        """Cheap check: does this payload look like this mapper's format? (for ``--from`` detection)."""
        ...

    def to_canonical(self, payload: Payload, context: MappingContext | None = None) -> MappingResult:
        """Map one payload; never raises for bad input (bad records become rejects)."""
        ...

    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Payload:
        """Write canonical entities (or events carrying them) in the vendor format."""
        ...


def error_code(code: str) -> ErrorCode:
    """Narrow a code string for the error constructors (codes are checked by the test suite)."""
    return code  # type: ignore[return-value]
