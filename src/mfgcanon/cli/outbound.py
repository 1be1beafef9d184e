"""``mfgcanon convert --from canonical --to MAPPER``: canonical events in, vendor documents out.

Inputs are canonical NDJSON event streams, read leniently (:func:`mfgcanon.codecs.decode_lines_lenient`):
a line that is not a valid event is a reject with its input name, line number and reason, and the other
lines go on. The events of every input are written together through the mapper's outbound API
(``write_documents`` where the mapper has it, else ``from_canonical``), so that a confirmation and its
movements from two files still share a document. An event the mapper cannot write (a type it does not
accept, or one its writer refuses with a library error) is a reject as well; the other events are
written. Records balance as on the way in: ``records_in == converted + rejected``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import msgspec

from mfgcanon.errors import MfgcanonError

if TYPE_CHECKING:
    from mfgcanon.mappers import Mapper, MappingContext, Reject

CANONICAL = "canonical"
"""The ``--from`` name of canonical NDJSON events (outbound conversion)."""

Document = tuple[str | None, bytes]
"""One vendor document: the name the mapper gives its kind (an IDoc basic type) or None, and its bytes."""


@dataclass
class _Line:
    """One canonical event read from an input, with where it came from (for rejects)."""

    event: Any
    input: str
    line: int
    raw: bytes


@dataclass
class Outbound:
    """The result of one outbound run: documents, rejects and the record counts."""

    documents: list[Document] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    records_in: int = 0
    converted: int = 0
    events: int = 0  # canonical events read


def writers() -> list[str]:
    """Names of the installed mappers that can write vendor documents (accept canonical entities)."""
    from mfgcanon.mappers import registry

    return [m.name for m in registry.loaded_mappers() if _can_write(m)]


def _can_write(mapper: Any) -> bool:
    return bool(getattr(mapper, "accepts", ())) and callable(getattr(mapper, "from_canonical", None))


def writer(name: str | None) -> Mapper:
    """The mapper ``--to`` names, or a usage error naming the mappers that can write."""
    from mfgcanon.mappers import registry

    known = writers()
    choices = ", ".join(known) or "none installed"
    if name is None or name in ("ndjson", "json", "avro"):
        raise click.UsageError(f"--from {CANONICAL} needs --to MAPPER (mappers that can write: {choices})")
    try:
        mapper = registry.get(name)
    except MfgcanonError as exc:
        raise click.BadParameter(f"{exc.message}; mappers that can write: {choices}", param_hint=["--to"]) from None
    if not _can_write(mapper):
        raise click.BadParameter(
            f"{name} reads vendor payloads only and cannot write them; mappers that can write: {choices}",
            param_hint=["--to"],
        )
    return mapper


def read_events(name: str, data: bytes, run: Outbound) -> list[_Line]:
    """The events of one NDJSON input; every other non-blank line becomes a reject (line number, reason)."""
    from mfgcanon import codecs
    from mfgcanon.mappers import Reject

    good, bad = codecs.decode_lines_lenient(data)
    lines = data.split(b"\n")  # as the codec splits: record_index is the index in this list
    non_blank = [index for index, line in enumerate(lines) if line.strip()]
    failed = {error.record_index for error in bad}
    run.records_in += len(non_blank)
    run.events += len(good)
    for error in bad:
        index = error.record_index if error.record_index is not None else 0
        run.rejects.append(
            Reject(
                code=error.code,
                reason=error.message,
                location=error.path or "$",
                payload=lines[index] if index < len(lines) else b"",
                line=index + 1,
                input=name,
            )
        )
    kept = [index for index in non_blank if index not in failed]
    return [_Line(event, name, index + 1, lines[index]) for event, index in zip(good, kept, strict=True)]


def write(mapper: Mapper, items: Sequence[_Line], context: MappingContext, run: Outbound) -> None:
    """Write the events through the mapper; each event it cannot express becomes a reject, the rest is
    written together (a joint write that fails is retried without the events that fail alone)."""
    accepts = tuple(getattr(mapper, "accepts", ()))
    writable: list[_Line] = []
    for item in items:
        entity = getattr(item.event, "data", item.event)
        if isinstance(entity, accepts):
            writable.append(item)
            continue
        names = ", ".join(t.__name__ for t in accepts)
        run.rejects.append(
            _reject(
                mapper,
                item,
                "unmappable_value",
                f"{mapper.name} cannot write {_event_type(item.event)} events ({type(entity).__name__}); "
                f"it writes {names}",
            )
        )
    if not writable:
        return
    try:
        documents = _documents(mapper, writable, context)
    except MfgcanonError:
        pass
    else:
        run.documents.extend(documents)
        run.converted += len(writable)
        return
    good: list[_Line] = []
    for item in writable:  # which events break the joint write?
        try:
            _documents(mapper, [item], context)
        except MfgcanonError as exc:
            run.rejects.append(_reject(mapper, item, exc.code, exc.message))
        else:
            good.append(item)
    if not good:
        return
    try:
        documents = _documents(mapper, good, context)
    except MfgcanonError as exc:  # fails only together: every event of the write is rejected
        run.rejects.extend(_reject(mapper, item, exc.code, exc.message) for item in good)
        return
    run.documents.extend(documents)
    run.converted += len(good)


def _event_type(event: Any) -> str:
    method = getattr(event, "event_type", None)
    return str(method()) if callable(method) else type(event).__name__


def _reject(mapper: Mapper, item: _Line, code: str, reason: str) -> Reject:
    from mfgcanon.mappers import Reject

    return Reject(code=code, reason=reason, location="$", payload=item.raw, line=item.line, input=item.input,
                  mapper=mapper.name)


def _documents(mapper: Mapper, items: Sequence[_Line], context: MappingContext) -> list[Document]:
    """The vendor documents for these events: ``write_documents`` (kind, bytes) pairs where the mapper has
    it, else what ``from_canonical`` returns (bytes, text, or a JSON body or list of bodies)."""
    events = [item.event for item in items]
    many = getattr(mapper, "write_documents", None)
    files = getattr(mapper, "document_files", None)
    if callable(many) and callable(files):  # a mapper whose documents are files of their own (EBS: CSV per table)
        return [(str(name), data) for kind, body in many(events, context) for name, data in files(kind, body)]
    if callable(many):
        return [(str(kind), _as_bytes(body)) for kind, body in many(events, context)]
    written = mapper.from_canonical(events, context)
    if isinstance(written, list):
        return [(None, _as_bytes(body)) for body in written]
    return [(None, _as_bytes(written))]


def _as_bytes(body: Any) -> bytes:
    """A document as bytes: XML or text as given, a JSON body pretty-printed (decimals stay exact)."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    return msgspec.json.format(msgspec.json.encode(body), indent=2) + b"\n"


def extension(document: bytes) -> str:
    """The file extension of a document, from its first byte: xml, json or txt."""
    head = document.lstrip()[:1]
    if head == b"<":
        return "xml"
    if head in (b"{", b"["):
        return "json"
    return "txt"


def file_names(mapper_name: str, documents: Sequence[Document]) -> list[str]:
    """Deterministic file names for ``--out-dir``: ``<kind>-<n>.<ext>``, the kind the mapper gives (an IDoc
    basic type) or the mapper's name, n counting the run's documents from 0001."""
    names = []
    for number, (kind, body) in enumerate(documents, 1):
        stem = _safe(kind) if kind else mapper_name
        ext = extension(body)
        if kind and kind.lower().endswith(".csv"):  # a mapper's file name (document_files) says its format
            stem, ext = _safe(kind[:-4]), "csv"
        names.append(f"{stem}-{number:04d}.{ext}")
    return names


def _safe(text: str) -> str:
    """A kind usable as a file name (letters, digits, ``-``, ``_``, ``.`` kept; anything else ``_``)."""
    cleaned = "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip(".")
    return cleaned or "document"


def out_paths(out_dir: str, names: Sequence[str]) -> list[Path]:
    return [Path(out_dir) / name for name in names]
