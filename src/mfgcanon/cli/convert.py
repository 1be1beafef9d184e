"""``mfgcanon convert``: vendor payloads in, canonical CloudEvents out (NDJSON by default).

Exit codes: 0 every record converted, 1 some records rejected (see ``--rejects``; an input whose format
cannot be told without ``--from`` is one rejected record, so one odd file does not stop a batch), 2 usage
or input error (unknown ``--from``, unreadable file, bad context), 3 internal error.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import click

from mfgcanon.cli import EXIT_FOUND, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from mfgcanon.errors import ErrorCode

_PROGRESS_THRESHOLD = 5
_REJECTS_SHOWN = 5  # rejects listed on stderr; the rejects file keeps every one


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


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


@click.command("convert")
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
    help="Mapping context TOML (source system, plant time zones, unit aliases).",
)
@click.option("--to", "target", type=click.Choice(["ndjson", "json", "avro"]), default="ndjson", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True, dir_okay=False),
    default="-",
    help="Where to write events (default stdout).",
)
@click.option(
    "--rejects",
    "rejects_file",
    type=click.Path(dir_okay=False),
    help="Write rejected records here as NDJSON (payload, location, code, reason).",
)
@click.option("--quiet", is_flag=True, help="No progress bar or summary on stderr.")
def convert(
    inputs: Sequence[str],
    source_format: str | None,
    context_file: str | None,
    target: str,
    output: str,
    rejects_file: str | None,
    quiet: bool,
) -> None:
    """Convert vendor payloads (SAP IDoc XML, SAP OData JSON, plugins) to canonical CloudEvents."""
    from mfgcanon import codecs
    from mfgcanon.errors import MfgcanonError
    from mfgcanon.mappers import MappingContext, MappingResult, Reject, load_context, registry

    if target == "avro" and output == "-":
        raise click.UsageError("--to avro writes a binary container file: pass -o FILE")
    if target == "avro" and importlib.util.find_spec("mfgcanon.avro") is None:
        raise click.UsageError(
            "--to avro is not available yet (mfgcanon.avro is not part of this installation); "
            "use --to ndjson or --to json"
        )
    try:
        context = load_context(context_file) if context_file else MappingContext()
        if source_format is not None:
            registry.get(source_format)
    except MfgcanonError as exc:
        click.echo(f"mfgcanon: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from None

    total = MappingResult()
    events: list[Any] = []
    rejects: list[dict[str, Any]] = []
    payloads: dict[str, list[tuple[str, bytes]]] = {}
    for name in inputs:
        data = _read(name)
        fmt, code, why = (source_format, "unknown_format", "") if source_format else _detect(name, data)
        if fmt is None:  # set aside with its payload, like any record that cannot be mapped
            undetected = Reject(
                code=code,
                reason=why,
                location="/",
                payload=data[:1_000_000],
                input=name,
            )
            total.add_reject(undetected)
            rejects.append(undetected.to_dict())
            continue
        payloads.setdefault(fmt, []).append((name, data))
    show_progress = not quiet and len(inputs) > _PROGRESS_THRESHOLD
    try:
        progress = _progress(show_progress)
        with progress:
            task = progress.add_task("converting", total=len(inputs)) if show_progress else None
            for fmt, items in payloads.items():
                mapper = registry.get(fmt)
                many = getattr(mapper, "to_canonical_many", None)
                batches = [items] if callable(many) else [[item] for item in items]
                for batch in batches:
                    if callable(many):
                        result = many([data for _, data in batch], context)
                    else:
                        result = mapper.to_canonical(batch[0][1], context)
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
    except MfgcanonError as exc:
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
    _write(output, body)
    if rejects_file:
        _write(rejects_file, b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rejects))
    if not total.balanced:  # pragma: no cover - the mapper contract; checked by the suite
        click.echo(f"mfgcanon: internal error: {total.summary()}", err=True)
        raise SystemExit(EXIT_INTERNAL)
    if not quiet:
        for line in _reject_lines(rejects):
            click.echo(line, err=True)
        click.echo(f"mfgcanon: {len(inputs)} inputs, {total.summary()}", err=True)
        if rejects and not rejects_file:
            click.echo("mfgcanon: rejected records not saved; pass --rejects FILE to keep them", err=True)
    raise SystemExit(EXIT_FOUND if rejects else EXIT_OK)


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


def _write(path: str, data: bytes) -> None:
    if path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise click.UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


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
