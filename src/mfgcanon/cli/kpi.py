"""``mfgcanon kpi``: the operational KPIs of event files (polars path of :mod:`mfgcanon.visibility`)."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from mfgcanon.cli import CONTEXT_SETTINGS, EXIT_OK, EXIT_USAGE, output
from mfgcanon.errors import MfgcanonError

_SUFFIXES = {".ndjson", ".jsonl", ".json", ".avro", ".parquet"}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _duration(_ctx: click.Context, param: click.Parameter, value: str | None) -> timedelta | None:
    if value is None:
        return None
    match = _DURATION.match(value.strip())
    if not match:
        raise click.BadParameter(f"{value!r} is not a duration such as 30m, 4h or 2d", param=param)
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def _instant(_ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date and time", param=param) from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} has no UTC offset (write ...Z or ...+01:00)", param=param)
    return moment


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES and p.is_file()))
        else:
            files.append(path)
    return files


def _plain(value: Any) -> Any:
    """JSON and CSV spelling of a figure: a decimal as exact text, a day as YYYY-MM-DD."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _render_table(tables: dict[str, list[dict[str, Any]]], as_of: datetime | None) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=160, force_terminal=False, color_system=None)
    console.print(f"as of {as_of.isoformat() if as_of else '-'}")
    for name, rows in tables.items():
        table = Table(title=name, show_edge=False)
        columns = list(rows[0]) if rows else ["(no rows)"]
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if row[c] is None else str(_plain(row[c])) for c in columns))
        console.print(table)
    return buffer.getvalue()


def _render_csv(tables: dict[str, list[dict[str, Any]]]) -> str:
    """Long format: one line per figure (kpi, the grouping columns of every table, figure, value)."""
    groups = ["plant", "day", "kind", "vendor", "code", "bucket", "uom"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["kpi", *groups, "figure", "value"])
    for name, rows in tables.items():
        for row in rows:
            keys = [_plain(row.get(g)) if g in row else "" for g in groups]
            for figure, value in row.items():
                if figure in groups:
                    continue
                writer.writerow([name, *["" if k is None else k for k in keys], figure,
                                 "" if value is None else _plain(value)])
    return buffer.getvalue()


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--by", "by", default="plant,day", show_default=True,
              help="Grouping, comma-separated: plant, day, both, or an empty string for the estate as a whole.")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="table: one table per KPI; json: a versioned report; csv: one line per figure.")
@click.option("--as-of", "as_of", callback=_instant,
              help="Compute the figures as of this instant (ISO 8601 with offset); default: the latest event time.")
@click.option("--open-threshold", callback=_duration, default="4h", show_default=True,
              help="A posting request unanswered for longer is overdue (30m, 4h, 2d).")
@click.option("--unposted-threshold", callback=_duration, default="8h", show_default=True,
              help="A confirmation with yield and no goods receipt for longer is an unposted completion.")
@click.option("--mes-system", "mes_systems", multiple=True,
              help="A source system that is an MES: its order release is the MES receipt (repeatable).")
@click.option("--progress/--no-progress", "show_progress", default=None,
              help="Show a progress bar on stderr (default: when stderr is a terminal).")
def kpi(inputs: tuple[Path, ...], by: str, output_format: str, as_of: datetime | None,
        open_threshold: timedelta, unposted_threshold: timedelta, mes_systems: tuple[str, ...],
        show_progress: bool | None) -> None:
    """Operational KPIs of canonical event files (NDJSON, Avro, Parquet; folders are searched): order release
    latency, posting outcomes and failures, inventory posting delay, exception aging, unposted completions
    and inventory reconciliation gaps, with the definitions of docs/visibility.md.

    Exit 0 with the figures, 2 when an input cannot be read or an option is wrong.
    """
    from mfgcanon.visibility import columnar
    from mfgcanon.visibility.definitions import Params

    files = _expand(inputs)
    if not files:
        raise click.UsageError("no .ndjson, .jsonl, .json, .avro or .parquet files found in the given folders")
    try:
        params = Params(by=tuple(part.strip() for part in by.split(",") if part.strip()), as_of=as_of,
                        open_threshold=open_threshold, unposted_threshold=unposted_threshold,
                        mes_systems=frozenset(mes_systems))
    except MfgcanonError as exc:
        raise click.BadParameter(exc.message) from None
    show = sys.stderr.isatty() if show_progress is None else show_progress
    total = sum(f.stat().st_size for f in files)
    try:
        with _progress(show) as bar:
            task = bar.add_task("reading events", total=total) if show else None
            advance = (lambda done: bar.advance(task, done)) if show else None
            table, moment = columnar.load_facts(files, params, progress=advance)
            frames = columnar.kpis(table, params, moment)
    except MfgcanonError as exc:
        click.echo(f"mfgcanon kpi: {exc.message}", err=True)
        sys.exit(EXIT_USAGE)
    tables = {name: frame.to_dicts() for name, frame in frames.items()}
    if output_format == "json":
        report = {"version": 1, "kind": "kpi_report", "as_of": moment.isoformat() if moment else None,
                  "by": list(params.by), "files": [str(f) for f in files],
                  "tables": {name: [{k: _plain(v) for k, v in row.items()} for row in rows]
                             for name, rows in tables.items()}}
        output.echo(json.dumps(report, indent=2))
    elif output_format == "csv":
        output.write_stdout(_render_csv(tables).encode())
    else:
        output.write_stdout(_render_table(tables, moment).encode())
    sys.exit(EXIT_OK)


class _NoProgress:
    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(enabled: bool) -> Any:
    if not enabled:
        return _NoProgress()
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                    console=Console(file=sys.stderr), transient=True)
