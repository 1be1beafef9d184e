"""``mfgcanon compat``: schema compatibility checks for CI (exit 0 ok, 1 incompatible, 2 bad input)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from mfgcanon.cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE, output
from mfgcanon.compat import Direction, Finding, Level, Report, SchemaInputError, SchemaType, check_history

__all__ = ["compat"]

_LEVELS = [level.value for level in Level]
_SCHEMA_SUFFIXES = (".avsc", ".json")


def _natural_key(path: Path) -> list[tuple[int, int | str]]:
    """Order ``v2`` before ``v10`` and ``1.2.9`` before ``1.2.10`` (numbers compare as numbers)."""
    return [
        (0, int(part)) if part.isdigit() else (1, part.lower())
        for part in re.split(r"(\d+)", path.name)
        if part
    ]


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _finding_file(finding: Finding, report: Report, files: list[str]) -> str:
    """The file a finding's path points into: Avro paths are in the reading schema."""
    new_file = files[-1]
    if report.schema_type is SchemaType.AVRO and finding.direction is Direction.FORWARD and finding.version:
        index = (
            report.version_labels.index(finding.version) if finding.version in report.version_labels else -1
        )
        return files[index] if index >= 0 else new_file
    return new_file


def _emit(report: Report, files: list[str], fmt: str, show_all: bool) -> None:
    if fmt == "json":
        output.echo(report.to_json(indent=2))
        return
    shown = [f for f in report.findings if show_all or f.breaking]
    history = len(files) > 2
    for f in shown:
        where = _finding_file(f, report, files)
        against = (
            f" [{f.direction.value} vs {f.version}]" if history or f.direction is Direction.FORWARD else ""
        )
        tolerated = "" if f.breaking else " (tolerated)"
        if fmt == "github":
            kind = "error" if f.breaking else "notice"
            output.echo(
                f"::{kind} file={_escape_property(where)},title={_escape_property(f.rule)}::"
                f"{_escape_data(f'{f.path}: {f.message}{against}')}"
            )
        else:
            rule = click.style(f.rule, fg="red" if f.breaking else "yellow", bold=f.breaking)
            output.echo(f"{where}:{f.path}: {rule}: {f.message}{against}{tolerated}")
    summary = report.summary()
    if fmt == "github":
        click.echo(summary, err=True)
    else:
        output.echo(summary, fg="green" if report.is_compatible else "red")


def _run(
    files: list[Path], level: str, policy: str, schema_type: str | None, fmt: str, show_all: bool
) -> None:
    try:
        report = check_history(
            files[:-1],
            files[-1],
            level,
            schema_type=schema_type,
            policy=policy,
            labels=[p.name for p in files[:-1]],
        )
    except SchemaInputError as exc:
        click.echo(f"mfgcanon compat: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    _emit(report, [str(p) for p in files], fmt, show_all)
    sys.exit(EXIT_OK if report.is_compatible else EXIT_FOUND)


_level_option = click.option(
    "--level",
    "-l",
    default="BACKWARD",
    show_default=True,
    type=click.Choice(_LEVELS, case_sensitive=False),
    help="Registry compatibility level.",
)
_policy_option = click.option(
    "--policy",
    default="strict",
    show_default=True,
    type=click.Choice(["strict", "lenient"], case_sensitive=False),
    help="JSON Schema only: lenient treats open content models as closed.",
)
_type_option = click.option(
    "--type",
    "schema_type",
    default=None,
    type=click.Choice(["avro", "json"], case_sensitive=False),
    help="Schema language (detected when not given).",
)
_format_option = click.option(
    "--format",
    "fmt",
    default="text",
    show_default=True,
    type=click.Choice(["text", "json", "github"], case_sensitive=False),
    help="text: one finding per line; json: the report document; github: annotations.",
)
_all_option = click.option(
    "--all", "show_all", is_flag=True, help="Also list differences a registry tolerates (e.g. TITLE_CHANGED)."
)


@click.group(name="compat")
def compat() -> None:
    """Check schema changes with schema-registry semantics (Avro and JSON Schema)."""


@compat.command("check")
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new", required=False, type=click.Path(path_type=Path, dir_okay=False))
@_level_option
@_policy_option
@_type_option
@_format_option
@_all_option
@click.option("--registry", metavar="URL", help="Check OLD (the one FILE) against a schema registry's subject.")
@click.option("--subject", metavar="SUBJECT", help="With --registry: the subject whose versions FILE must follow.")
def check_command(
    old: Path,
    new: Path | None,
    level: str,
    policy: str,
    schema_type: str | None,
    fmt: str,
    show_all: bool,
    registry: str | None,
    subject: str | None,
) -> None:
    """Check NEW against OLD. BACKWARD (default): NEW can read data written with OLD.

    With --registry URL --subject S FILE: check FILE against the subject's registered versions at the
    subject's level (unless --level is given), locally and by asking the registry; see docs/compatibility.md.
    """
    if registry is not None or subject is not None:
        from mfgcanon.cli import compat_registry

        given = click.get_current_context().get_parameter_source("level") is not click.core.ParameterSource.DEFAULT
        compat_registry.run(
            old, new, registry, subject, level if given else None, policy, schema_type, fmt.lower(), show_all
        )
    if new is None:
        raise click.UsageError("missing argument NEW (or give --registry URL --subject S FILE)")
    _run([old, new], level, policy, schema_type, fmt.lower(), show_all)


@compat.command("history")
@click.argument("schemas", nargs=-1, required=True, type=click.Path(path_type=Path))
@_level_option
@_policy_option
@_type_option
@_format_option
@_all_option
def history_command(
    schemas: tuple[Path, ...], level: str, policy: str, schema_type: str | None, fmt: str, show_all: bool
) -> None:
    """Check the last schema against the earlier ones (oldest first), as a registry would.

    SCHEMAS are files V1 V2 ... NEW, or one directory whose .avsc/.json files are taken in natural
    version order (v2 before v10, 1.2.9 before 1.2.10); the last is NEW.
    """
    files = list(schemas)
    if len(files) == 1 and files[0].is_dir():
        files = sorted(
            (p for p in files[0].iterdir() if p.is_file() and p.suffix.lower() in _SCHEMA_SUFFIXES),
            key=_natural_key,
        )
    if len(files) < 2:
        raise click.UsageError("need at least two schemas: earlier versions, then the new one")
    _run(files, level, policy, schema_type, fmt.lower(), show_all)
