"""``mfgcanon convert``: vendor payloads in, canonical CloudEvents out (NDJSON by default); with
``--from canonical --to MAPPER`` the other way: canonical NDJSON events in, vendor documents out
(:mod:`mfgcanon.cli.outbound`).

``--format json`` prints a run summary for machines (:func:`summary`): on stdout when nothing else is
written there (``-o FILE`` or ``--out-dir``), else on stderr as one JSON line.

Exit codes: 0 every record converted; 1 some records rejected (see ``--rejects``). One bad input never
stops a batch: an input whose format cannot be told without ``--from``, an input above the size limit
(``options.max_document_bytes``, read no further than that), or one whose mapping raises a library error
or nests too deeply is that input's reject, and the other inputs are still converted and written.
2 usage, input or output error: unknown ``--from``, unreadable input, bad context, an output path that
cannot be written or that two options share (all checked before converting), stdout closed early or a
full disk. 3 internal error. 130 interrupted. Output files are replaced atomically (see
:mod:`mfgcanon.cli.output`): on failure the previous file is kept.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click

from mfgcanon.cli import CONTEXT_SETTINGS, EXIT_FOUND, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from mfgcanon.cli import output as out
from mfgcanon.errors import ErrorCode, MfgcanonError

if TYPE_CHECKING:
    from mfgcanon.mappers import Mapper, MappingContext, MappingResult, PayloadMeta, Reject

_PROGRESS_THRESHOLD = 5
_REJECTS_SHOWN = 5  # rejects listed on stderr; the rejects file keeps every one
_PAYLOAD_KEPT = 1_000_000  # bytes of an input kept as the payload of a whole-input reject
# The limit on one input when the context sets no options.max_document_bytes: the XML mappers' default
# (mfgcanon.mappers._xml.DEFAULT_MAX_BYTES, not imported here since that module needs lxml; a test pins it).
DEFAULT_MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
# What one input's mapping may raise without stopping the batch: a library error, or input nested deeper
# than Python's recursion limit. Anything else is a bug and stays an internal error.
_INPUT_FAILURES = (MfgcanonError, RecursionError)


def _too_large(name: str, data: bytes, limit: int) -> Reject:
    """The reject for an input read only up to its limit (inbound and outbound alike)."""
    from mfgcanon.mappers import Reject  # the mappers load with the command, not with the CLI

    return Reject(
        code="document_too_large",
        reason=f"{name} is larger than the limit of {limit} bytes and was not read further "
        "(raise options.max_document_bytes in the mapping context if this is expected)",
        location="/",
        payload=data[:_PAYLOAD_KEPT],
        input=name,
    )

def _read(path: str, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of an input: enough to tell it is too large, never more (/dev/zero,
    an endless stdin)."""
    try:
        if path == "-":
            return sys.stdin.buffer.read(limit + 1)
        with open(path, "rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _size_limit(context: MappingContext) -> int:
    """The most bytes one input may have (``options.max_document_bytes``)."""
    value = context.option("max_document_bytes", DEFAULT_MAX_DOCUMENT_BYTES)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise click.BadParameter(
            f"options.max_document_bytes must be a positive number of bytes, got {value!r} [invalid_context]",
            param_hint=["--context"],
        )
    return value


def _detect(name: str, payload: bytes) -> tuple[str | None, ErrorCode, str]:
    """The one mapper that recognises a payload, or None with the error code and reason (none, or several)."""
    from mfgcanon.mappers import registry

    found = registry.detect(payload)
    if len(found) == 1:
        return found[0], "unknown_format", ""
    if not found:
        known = ", ".join(registry.available())
        return None, "unknown_format", f"cannot tell the format of {name}; pass --from (available: {known})"
    return None, "ambiguous_format", f"{name} matches several formats ({', '.join(found)}); pass --from"


@click.command("convert", context_settings=CONTEXT_SETTINGS)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True, dir_okay=False))
@click.option(
    "--from",
    "source_format",
    metavar="FORMAT",
    help="Mapper name (sap-idoc, sap-odata, ...); detected from each payload when omitted.",
)
@click.option(
    "--context",
    "context_file",
    type=click.Path(dir_okay=False),
    help="Mapping context TOML (source system, plant time zones, unit aliases, options.max_document_bytes).",
)
@click.option(
    "--to",
    "target",
    metavar="FORMAT",
    help="ndjson (default), json or avro; with --from canonical, the mapper that writes the vendor documents "
    "(sap-idoc, sap-odata, ...).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True, dir_okay=False),
    help="Where to write events, or the one vendor document (default stdout); a file is replaced only once "
    "complete.",
)
@click.option(
    "--out-dir",
    "out_dir",
    type=click.Path(file_okay=False),
    help="With --from canonical: write one file per vendor document here, named <kind>-<n>.<ext> "
    "(e.g. PPCC2PRETTICKET02-0001.xml, sap-odata-0002.json).",
)
@click.option(
    "--format",
    "summary_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Run summary: text on stderr, or json for machines: on stdout when -o is a file or --out-dir is "
    "given, else on stderr as one line.",
)
@click.option(
    "--rejects",
    "rejects_file",
    type=click.Path(allow_dash=True, dir_okay=False),
    help="Write rejected records here as NDJSON (payload, location, code, reason); must differ from -o.",
)
@click.option(
    "--received-at",
    "received_at",
    metavar="DATETIME",
    help="When the inputs were received (ISO 8601 with offset, e.g. 2024-01-17T12:00:00Z): source.received_at "
    "and recordedtime; default the context's received_at. Never the run time: reruns stay byte-identical.",
)
@click.option("--quiet", is_flag=True, help="No progress bar or summary on stderr.")
def convert(
    inputs: Sequence[str],
    source_format: str | None,
    context_file: str | None,
    target: str | None,
    output: str | None,
    rejects_file: str | None,
    quiet: bool,
    received_at: str | None = None,
    out_dir: str | None = None,
    summary_format: str = "text",
) -> None:
    """Convert vendor payloads (SAP IDoc XML, SAP OData JSON, plugins) to canonical CloudEvents, or with
    --from canonical --to MAPPER canonical NDJSON events to vendor documents (-o FILE for one document,
    --out-dir DIR for one file each; a bad line or an event the mapper cannot write is a reject).

    One bad input (unknown format, above options.max_document_bytes, nested too deeply, failing to map)
    is a reject; the other inputs are still converted. Output files are written to a temporary file and
    renamed into place: on any failure the previous file stays as it was.

    \b
    Exit codes:
      0    every record converted
      1    some records or inputs rejected; the rest is written
      2    usage, input or output error: bad option or context,
           unreadable input, output path not writable or shared
           by -o and --rejects, stdout closed early (| head),
           disk full
      3    internal error
      130  interrupted (Ctrl-C)
    """
    from mfgcanon import codecs
    from mfgcanon.cli import outbound
    from mfgcanon.mappers import MappingResult, PayloadMeta, Reject, registry

    if out_dir is not None and output is not None:
        raise click.UsageError("-o and --out-dir exclude each other: -o takes one document, --out-dir one file each")
    if source_format == outbound.CANONICAL:
        mapper = outbound.writer(target)
        if out_dir is not None:
            out.check_folder("--out-dir", out_dir)
        documents_to = output or (out.STDOUT if out_dir is None else None)
        out.check_targets({"-o/--output": documents_to, "--rejects": rejects_file})
        _outbound(inputs, mapper, _context(context_file), output, out_dir, rejects_file, quiet, summary_format)
    if out_dir is not None:
        raise click.UsageError(f"--out-dir writes vendor documents: use it with --from {outbound.CANONICAL}")
    output = output or out.STDOUT
    target = target or "ndjson"
    if target not in ("ndjson", "json", "avro"):
        raise click.BadParameter(
            f"{target!r} is not one of 'ndjson', 'json', 'avro' (a mapper name needs --from {outbound.CANONICAL})",
            param_hint=["--to"],
        )
    if target == "avro" and output == "-":
        raise click.UsageError("--to avro writes a binary container file: pass -o FILE")
    if target == "avro" and importlib.util.find_spec("mfgcanon.avro") is None:
        raise click.UsageError(
            "--to avro is not available yet (mfgcanon.avro is not part of this installation); "
            "use --to ndjson or --to json"
        )
    out.check_targets({"-o/--output": output, "--rejects": rejects_file})
    received = _received(received_at)
    context = _context(context_file)
    if source_format is not None:
        try:
            registry.get(source_format)
        except MfgcanonError as exc:
            raise click.BadParameter(
                f"{exc.message}; --from {outbound.CANONICAL} reads canonical events", param_hint=["--from"]
            ) from None
    limit = _size_limit(context)

    total = MappingResult()
    events: list[Any] = []
    rejects: list[dict[str, Any]] = []
    payloads: dict[str, list[tuple[str, bytes]]] = {}

    def set_aside(reject: Reject) -> None:
        total.add_reject(reject)
        rejects.append(reject.to_dict())

    for name in inputs:
        data = _read(name, limit)
        if len(data) > limit:  # read no further: /dev/zero or an endless stdin must not fill the memory
            set_aside(_too_large(name, data, limit))
            continue
        fmt, code, why = (source_format, "unknown_format", "") if source_format else _detect(name, data)
        if fmt is None:  # set aside with its payload, like any record that cannot be mapped
            set_aside(Reject(code=code, reason=why, location="/", payload=data[:_PAYLOAD_KEPT], input=name))
            continue
        payloads.setdefault(fmt, []).append((name, data))
    show_progress = not quiet and len(inputs) > _PROGRESS_THRESHOLD
    try:
        progress = _progress(show_progress)
        with progress:
            task = progress.add_task("converting", total=len(inputs)) if show_progress else None
            for fmt, items in payloads.items():
                mapper = registry.get(fmt)
                meta = {name: PayloadMeta(received_at=received or context.received_at, message_id=_message_id(name))
                        for name, _ in items}
                for batch, result in _map_inputs(mapper, fmt, items, context, meta):
                    label = batch[0][0] if len(batch) == 1 else ", ".join(n for n, _ in batch)
                    for reject in result.rejects:
                        reject.input = _input_of(reject.location, batch) or label
                        reject.mapper = reject.mapper or fmt
                        rejects.append(reject.to_dict())
                    events.extend(result.events)
                    total.extend(result)
                    if task is not None:
                        progress.advance(task, len(batch))
            if task is not None:
                progress.advance(task, len(inputs) - sum(len(items) for items in payloads.values()))
    except MfgcanonError as exc:  # a mapper that cannot be loaded at all
        click.echo(f"mfgcanon: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None

    try:
        if target == "avro":
            body = _avro(events)
        else:
            body = codecs.encode_lines(events) if target == "ndjson" else codecs.encode(events) + b"\n"
    except MfgcanonError as exc:
        click.echo(f"mfgcanon: cannot write {target}: {exc}", err=True)
        raise SystemExit(EXIT_USAGE if target == "avro" else EXIT_INTERNAL) from None
    outputs: list[tuple[out.Target, bytes]] = [(output, body)]
    if rejects_file:
        outputs.append(
            (rejects_file, b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rejects))
        )
    out.write_outputs(outputs)
    if not total.balanced:  # pragma: no cover - the mapper contract; checked by the suite
        click.echo(f"mfgcanon: internal error: {total.summary()}", err=True)
        raise SystemExit(EXIT_INTERNAL)
    facts = summary(
        inputs, total.records_in, total.converted, rejects, len(events), total.derived, [output], rejects_file
    )
    _finish(facts, rejects, f"{len(inputs)} inputs, {total.summary()}", rejects_file, quiet, summary_format)


def _context(context_file: str | None) -> MappingContext:
    """The mapping context of ``--context`` (an empty one without it); a bad file is a usage error."""
    from mfgcanon.mappers import MappingContext, load_context

    try:
        return load_context(context_file) if context_file else MappingContext()
    except MfgcanonError as exc:
        raise click.BadParameter(str(exc), param_hint=["--context"]) from None


def summary(
    inputs: Sequence[str],
    records_in: int,
    converted: int,
    rejects: list[dict[str, Any]],
    events: int,
    derived: int,
    outputs: Sequence[str],
    rejects_file: str | None,
) -> dict[str, Any]:
    """The run summary of ``--format json`` (format version 1). ``events``: canonical events written
    (inbound) or read (outbound); ``outputs``: the files written, ``-`` for stdout."""
    by_code: dict[str, int] = {}
    for reject in rejects:
        by_code[reject["code"]] = by_code.get(reject["code"], 0) + 1
    return {
        "version": 1,
        "kind": "convert_summary",
        "inputs": list(inputs),
        "records_in": records_in,
        "converted": converted,
        "rejected": len(rejects),
        "events": events,
        "derived": derived,
        "rejects_by_code": dict(sorted(by_code.items())),
        "outputs": list(outputs),
        "rejects_file": rejects_file,
    }


def _finish(
    facts: dict[str, Any], rejects: list[dict[str, Any]], line: str, rejects_file: str | None, quiet: bool,
    summary_format: str,
) -> NoReturn:
    """Report the run (text lines on stderr, or the JSON summary) and exit: 1 with rejects, else 0.

    The JSON summary goes to stdout only when no output of the run went there; else to stderr, one line.
    """
    if summary_format == "json":
        text = json.dumps(facts, ensure_ascii=False)
        if out.STDOUT in facts["outputs"] or rejects_file == out.STDOUT:
            click.echo(text, err=True)
        else:
            out.echo(text)
    elif not quiet:
        for shown in _reject_lines(rejects):
            click.echo(shown, err=True)
        click.echo(f"mfgcanon: {line}", err=True)
        if rejects and not rejects_file:
            click.echo("mfgcanon: rejected records not saved; pass --rejects FILE to keep them", err=True)
    raise SystemExit(EXIT_FOUND if rejects else EXIT_OK)


def _outbound(
    inputs: Sequence[str],
    mapper: Mapper,
    context: MappingContext,
    output: str | None,
    out_dir: str | None,
    rejects_file: str | None,
    quiet: bool,
    summary_format: str,
) -> NoReturn:
    """``--from canonical``: read the NDJSON events of every input, write them through the mapper, write
    the documents (``-o``: exactly one; ``--out-dir``: one file each) and the rejects, report, exit."""
    from mfgcanon.cli import outbound

    limit = _size_limit(context)
    run = outbound.Outbound()
    lines = []
    for name in inputs:
        data = _read(name, limit)
        if len(data) > limit:
            run.records_in += 1
            run.rejects.append(_too_large(name, data, limit))
            continue
        lines.extend(outbound.read_events(name, data, run))
    outbound.write(mapper, lines, context, run)
    documents = run.documents
    targets: list[out.Target]
    if out_dir is not None:
        targets = list(outbound.out_paths(out_dir, outbound.file_names(mapper.name, documents)))
    elif len(documents) > 1:
        kinds = ", ".join(kind or mapper.name for kind, _ in documents)
        raise click.UsageError(
            f"these events make {len(documents)} {mapper.name} documents ({kinds}) and -o takes one: "
            "pass --out-dir DIR for one file each"
        )
    else:
        targets = [output or out.STDOUT] if documents else []
    rejects = [r.to_dict() for r in run.rejects]
    writes: list[tuple[out.Target, bytes]] = [(t, body) for t, (_, body) in zip(targets, documents, strict=True)]
    if rejects_file:
        writes.append((rejects_file, b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rejects)))
    if out_dir is not None and documents:
        try:
            os.makedirs(out_dir, exist_ok=True)
        except OSError as exc:
            raise out.OutputError(f"cannot create {out_dir}: {exc.strerror or exc}") from None
        out.check_targets({f"--out-dir ({PurePath(str(t)).name})": t for t in targets} | {"--rejects": rejects_file})
    out.write_outputs(writes)
    if run.records_in != run.converted + len(run.rejects):  # pragma: no cover - kept by outbound.write
        click.echo("mfgcanon: internal error: outbound records do not balance", err=True)
        raise SystemExit(EXIT_INTERNAL)
    facts = summary(
        inputs, run.records_in, run.converted, rejects, run.events, 0, [str(t) for t in targets], rejects_file
    )
    facts["documents"] = len(documents)
    line = (
        f"{len(inputs)} inputs, {run.records_in} records in, {run.converted} converted into {len(documents)} "
        f"{mapper.name} documents, {len(rejects)} rejected"
    )
    _finish(facts, rejects, line, rejects_file, quiet, summary_format)


Batch = list[tuple[str, bytes]]


def _received(text: str | None) -> datetime | None:
    """``--received-at`` as an aware datetime; a usage error when it is not ISO 8601 with an offset."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise click.UsageError(f"--received-at must be an ISO 8601 date-time with an offset, got {text!r}")
    return moment


def _message_id(name: str) -> str | None:
    """The transport message id of an input: its file name (not its path, so that the output does not
    depend on the directory it was converted from); none for stdin."""
    return None if name == "-" else PurePath(name).name


def _map_inputs(
    mapper: Mapper, fmt: str, items: Batch, context: MappingContext, meta: dict[str, PayloadMeta] | None = None
) -> Iterator[tuple[Batch, MappingResult]]:
    """The inputs of one format mapped (together where the mapper joins records across payloads), with
    the inputs each result came from. An input whose mapping raises a library error or a RecursionError
    becomes that input's reject; the others are mapped again without it, so the batch goes on. Each input
    is mapped with its own metadata (``meta``, by input name)."""
    from mfgcanon.mappers._base import map_payload, map_payloads

    many = getattr(mapper, "to_canonical_many", None)
    metas = meta or {}

    def run(batch: Batch) -> MappingResult:
        if callable(many):
            return map_payloads(mapper, [data for _, data in batch], context, [metas.get(n) for n, _ in batch])
        return map_payload(mapper, batch[0][1], context, metas.get(batch[0][0]))

    for batch in [items] if callable(many) else [[item] for item in items]:
        try:
            result = run(batch)
        except _INPUT_FAILURES as exc:
            if len(batch) == 1:
                yield batch, _failed(exc, batch[0], fmt)
                continue
        else:
            yield batch, result
            continue
        alone: list[tuple[tuple[str, bytes], MappingResult]] = []
        for item in batch:  # which input broke the joint mapping?
            try:
                alone.append((item, run([item])))
            except _INPUT_FAILURES as exc:
                yield [item], _failed(exc, item, fmt)
        good = [item for item, _ in alone]
        if 1 < len(good) < len(batch):
            try:
                result = run(good)
            except _INPUT_FAILURES:
                pass
            else:
                yield good, result
                continue
        for item, result in alone:
            yield [item], result


def _failed(exc: Exception, item: tuple[str, bytes], fmt: str) -> MappingResult:
    """One input's mapping raised: a result with that input as one reject (code and reason of the error)."""
    from mfgcanon.mappers import MappingResult
    from mfgcanon.mappers._base import reject_from_error

    error = exc
    if isinstance(exc, RecursionError):
        error = MfgcanonError(
            "the input is nested too deeply to be read (Python's recursion limit)",
            code="malformed_payload",
            cause_type="RecursionError",
        )
    result = MappingResult()
    result.add_reject(reject_from_error(error, location="/", payload=item[1][:_PAYLOAD_KEPT], mapper=fmt))
    return result


def _reject_lines(rejects: list[dict[str, Any]], most: int = _REJECTS_SHOWN) -> list[str]:
    """The first rejects, one line each (input, location, line, code, reason), so that a terminal shows
    why without opening the rejects file; the file keeps them all, with their payloads."""
    lines = []
    for reject in rejects[:most]:
        where = reject["location"] if reject.get("line") is None else f"{reject['location']} (line {reject['line']})"
        source = reject.get("input") or "-"
        lines.append(f"mfgcanon: rejected {source} at {where}: [{reject['code']}] {reject['reason']}")
    if len(rejects) > most:
        lines.append(f"mfgcanon: ... and {len(rejects) - most} more rejects")
    return lines


def _avro(events: list[Any]) -> bytes:
    """An Avro object container of the events (via mfgcanon.avro, imported only here)."""
    import io

    from mfgcanon import avro
    from mfgcanon.v1.events import Event

    buffer = io.BytesIO()
    avro.write_container(buffer, events, type=Event)
    return buffer.getvalue()


def _input_of(location: str, batch: list[tuple[str, bytes]]) -> str | None:
    """Batched JSON locations start with ``#n``: map them back to the input file name."""
    if len(batch) > 1 and location.startswith("#"):
        head = location[1:].split("/", 1)[0]
        if head.isdigit() and int(head) < len(batch):
            return batch[int(head)][0]
    return None


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, *args: Any, **kwargs: Any) -> None:  # pragma: no cover - never called
        return None

    def advance(self, *args: Any) -> None:  # pragma: no cover - never called
        return None


def _progress(enabled: bool) -> Any:
    if not enabled:
        return _NoProgress()
    from rich.console import Console
    from rich.progress import Progress

    stream: IO[str] = sys.stderr
    return Progress(console=Console(file=stream), transient=True)
