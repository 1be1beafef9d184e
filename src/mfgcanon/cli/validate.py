"""``mfgcanon validate``: check canonical JSON / NDJSON files and report every invalid record."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import msgspec

from mfgcanon import codecs
from mfgcanon.cli import CONTEXT_SETTINGS, EXIT_FOUND, EXIT_OK, EXIT_USAGE, output
from mfgcanon.errors import MfgcanonError
from mfgcanon.v1 import CloudEvent

_SUFFIXES = {".json", ".ndjson", ".jsonl"}
STDIN = "-"
"""The input that means standard input (``mfgcanon convert ... | mfgcanon validate -``)."""


class _Finding(msgspec.Struct, frozen=True):
    file: str
    record: int
    line: int | None
    code: str
    path: str | None
    message: str


class _Report(msgspec.Struct):
    version: int = 1
    kind: str = "validation_report"
    files: list[str] = msgspec.field(default_factory=list)
    records: int = 0
    valid: int = 0
    invalid: int = 0
    by_type: dict[str, int] = msgspec.field(default_factory=dict)
    findings: list[_Finding] = msgspec.field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.files)} file(s), {self.records} record(s): {self.valid} valid, {self.invalid} invalid"

    def _rows(self) -> tuple[list[str], Any]:
        return (["file", "record", "line", "code", "path", "message"],
                ((f.file, f.record, f.line, f.code, f.path, f.message) for f in self.findings))

    def _repr_html_(self) -> str:
        """Notebook view: the counts, valid records by type, then the invalid ones (cut with a count)."""
        from html import escape

        from mfgcanon import _html

        types = _html.table(["type", "records"], self.by_type.items(), total=len(self.by_type), caption="valid")
        found = _html.table(*self._rows(), total=len(self.findings), caption="invalid") if self.findings else ""
        return f"<div><p><b>validation report</b>: {escape(self.summary())}</p>{types}{found}</div>"

    def __repr__(self) -> str:
        from mfgcanon import _html

        text = f"validation report: {self.summary()}"
        return text + ("\n" + _html.text_table(*self._rows(), total=len(self.findings)) if self.findings else "")


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if str(path) == STDIN:
            files.append(path)
        elif path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file()))
        else:
            files.append(path)
    return files


def _records(data: bytes) -> Iterator[tuple[int, int | None, bytes]]:
    """(record index, 1-based line or None, record bytes): a JSON array, one document, or NDJSON.

    NDJSON is split by :func:`mfgcanon.codecs.split_lines`, as the library reads it (``\n`` only; a bare
    ``\r`` inside a record does not cut it in two), and each record is decoded by the library, which
    refuses invalid UTF-8 anywhere in it.
    """
    stripped = data.lstrip()
    if stripped.startswith(b"["):
        try:
            items = msgspec.json.decode(data)
        except (msgspec.DecodeError, RecursionError):
            items = None
        if isinstance(items, list):
            for index, item in enumerate(items):
                yield index, None, msgspec.json.encode(item)
            return
    lines = codecs.split_lines(data)
    non_blank = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    if len(non_blank) > 1:
        try:  # a pretty-printed single document spans lines but is not NDJSON
            msgspec.json.decode(data)
            yield 0, 1, data
            return
        except (msgspec.DecodeError, RecursionError):
            pass
    for index, (number, line) in enumerate(non_blank):
        yield index, number, line


def _label(value: Any) -> str:
    """The CloudEvents type of an event, or the ``kind`` tag of an entity."""
    if isinstance(value, CloudEvent):
        return value.event_type()
    return str(value.__struct_config__.tag)


def _check(files: list[Path], report: _Report) -> None:
    by_type: Counter[str] = Counter()
    for file in files:
        data = sys.stdin.buffer.read() if str(file) == STDIN else file.read_bytes()
        report.files.append(str(file))
        for index, line, record in _records(data):
            report.records += 1
            try:
                value = codecs.decode_record(record)
            except MfgcanonError as exc:
                report.invalid += 1
                report.findings.append(_Finding(str(file), index, line, exc.code, exc.path, exc.message))
                continue
            report.valid += 1
            by_type[_label(value)] += 1
    report.by_type = dict(sorted(by_type.items()))


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one line per invalid record; json: a versioned report document.")
@click.option("--allow-empty", is_flag=True, default=False,
              help="Exit 0 when the inputs hold no record at all (by default that is exit 1: nothing was checked).")
def validate(inputs: tuple[Path, ...], output_format: str, allow_empty: bool) -> None:
    """Validate canonical events or entities in JSON, JSON-array or NDJSON files (or directories);
    - reads stdin (mfgcanon convert ... | mfgcanon validate -).

    Exit 0 when every record is valid, 1 when any is invalid or when no record was read at all (unless
    --allow-empty), 2 when an input cannot be read.
    """
    files = _expand(inputs)
    if not files:
        raise click.UsageError("no .json, .ndjson or .jsonl files found in the given folders")
    report = _Report()
    try:
        _check(files, report)
    except OSError as exc:
        click.echo(f"mfgcanon validate: cannot read {exc.filename}: {exc.strerror}", err=True)
        sys.exit(EXIT_USAGE)
    if output_format == "json":
        output.echo(msgspec.json.encode(report).decode())
    else:
        for finding in report.findings:
            where = f"{finding.file}:{finding.line}" if finding.line else f"{finding.file}[{finding.record}]"
            output.echo(f"{where}: {finding.path or '$'}: {finding.code}: {finding.message}")
    _summary(report)
    if report.records == 0:
        sys.exit(EXIT_OK if allow_empty else EXIT_FOUND)
    sys.exit(EXIT_FOUND if report.invalid else EXIT_OK)


def _summary(report: _Report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    if report.by_type:
        table = Table(title="valid records by type", show_edge=False)
        table.add_column("type")
        table.add_column("records", justify="right")
        for name, count in report.by_type.items():
            table.add_row(name, str(count))
        console.print(table)
    if report.records == 0:
        console.print(f"{len(report.files)} file(s), no records: [yellow]nothing was read[/yellow], nothing validated")
        return
    status = "[red]invalid records found[/red]" if report.invalid else "[green]all valid[/green]"
    console.print(f"{len(report.files)} file(s), {report.records} record(s): {report.valid} valid, "
                  f"{report.invalid} invalid - {status}")
