"""``mfgcanon compat``: schema compatibility checks for CI (exit 0 ok, 1 incompatible, 2 bad input)."""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import click

from mfgcanon.cli import CONTEXT_SETTINGS, EXIT_FOUND, EXIT_OK, EXIT_USAGE, output
from mfgcanon.compat import (
    CompatConfig,
    Finding,
    Level,
    Location,
    Report,
    SchemaInputError,
    TreeReport,
    check_history,
    check_tree,
    distinct_labels,
    load_config,
)

__all__ = ["compat"]

_LEVELS = [*(level.value for level in Level), "project"]
_SCHEMA_SUFFIXES = (".avsc", ".json")
_FORMATS = ["text", "json", "github", "junit"]


def _natural_key(path: Path) -> list[tuple[int, int | str]]:
    """Order ``v2`` before ``v10`` and ``1.2.9`` before ``1.2.10`` (numbers compare as numbers)."""
    return [(0, int(part)) if part.isdigit() else (1, part.lower()) for part in re.split(r"(\d+)", path.name) if part]


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _place(location: Location | None) -> str:
    if location is None:
        return "<schema>"
    where = location.file or "<schema>"
    return f"{where}:{location.line}:{location.column}" if location.line is not None else f"{where}:{location.pointer}"


def _anchor(finding: Finding) -> Location | None:
    """The node a reader should go to: in the new file, forward findings included; else the old file."""
    if finding.new_location is not None and finding.new_location.file is not None:
        return finding.new_location
    return finding.new_location or finding.old_location


def _tail(finding: Finding) -> str:
    """``[backward vs 1.1.0: released/1.1.0/avro/v1/material.avsc:40:7]``: which check, against what."""
    if finding.version is None and finding.old_location is None:
        return ""
    versus = f" vs {finding.version}" if finding.version else ""
    old = finding.old_location
    at = f": {_place(old)}" if old is not None and old.file is not None and old is not _anchor(finding) else ""
    return f" [{finding.direction.value}{versus}{at}]"


def _line(finding: Finding) -> str:
    pointer = f" ({finding.path})" if finding.path not in ("/", "#/") else ""
    return f"{finding.message}{pointer}{_tail(finding)}"


def _status(finding: Finding) -> str:
    return " (ignored)" if finding.ignored else "" if finding.breaking else " (tolerated)"


def _text(findings: Sequence[Finding]) -> None:
    for f in findings:
        rule = click.style(f.rule, fg="red" if f.breaking else "yellow", bold=f.breaking)
        output.echo(f"{_place(_anchor(f))}: {rule}: {_line(f)}{_status(f)}")


def _github(findings: Sequence[Finding]) -> None:
    for f in findings:
        kind = "error" if f.breaking else "notice"
        where = _anchor(f)
        props = []
        if f.new_location is not None and f.new_location.file is not None and where is not None:
            props.append(f"file={_escape_property(where.file or '')}")
            if where.line is not None:
                props += [f"line={where.line}", f"col={where.column}"]
        props.append(f"title={_escape_property(f.rule)}")
        output.echo(f"::{kind} {','.join(props)}::{_escape_data(_line(f) + _status(f))}")


def _junit(cases: Sequence[tuple[str, str | None, Sequence[Finding]]], suite: str, show_all: bool) -> None:
    """A JUnit XML report: one testcase per subject, a failure per breaking finding."""
    failures = sum(1 for _, _, found in cases if any(f.breaking for f in found))
    root = ET.Element("testsuites", name="mfgcanon compat", tests=str(len(cases)), failures=str(failures))
    group = ET.SubElement(
        root, "testsuite", name=suite, tests=str(len(cases)), failures=str(failures), errors="0", skipped="0"
    )
    for name, file, found in cases:
        case = ET.SubElement(group, "testcase", name=name, classname="mfgcanon.compat")
        if file:
            case.set("file", file)
        for f in found:
            if f.breaking:
                failure = ET.SubElement(case, "failure", type=f.rule, message=f"{f.rule}: {f.message}")
                failure.text = f"{_place(_anchor(f))}: {f.rule}: {_line(f)}"
        notes = [f for f in found if not f.breaking and (show_all or f.rule == "SUBJECT_ADDED")]
        if notes:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"{_place(_anchor(f))}: {f.rule}: {_line(f)}{_status(f)}" for f in notes)
    ET.indent(root)
    output.echo('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode"))


def _emit_report(report: Report, new_file: str, fmt: str, show_all: bool) -> None:
    if fmt == "json":
        output.echo(report.to_json(indent=2))
        return
    shown = [f for f in report.findings if show_all or f.breaking]
    if fmt == "junit":
        _junit([(new_file, new_file, shown)], "mfgcanon compat", show_all)
        return
    (_github if fmt == "github" else _text)(shown)
    _summary(report.summary(), report.is_compatible, fmt)


def _emit_tree(report: TreeReport, fmt: str, show_all: bool) -> None:
    if fmt == "json":
        output.echo(report.to_json(indent=2))
        return
    if fmt == "junit":
        cases = [(s.subject, s.file or (s.old_files[0] if s.old_files else None), s.findings) for s in report.subjects]
        _junit(cases, f"{report.new} against {report.against}", show_all)
        return
    shown = [f for f in report.findings if show_all or f.breaking or f.rule == "SUBJECT_ADDED"]
    (_github if fmt == "github" else _text)(shown)
    _summary(report.summary(), report.is_compatible, fmt)


def _summary(text: str, ok: bool, fmt: str) -> None:
    if fmt == "github":
        click.echo(text, err=True)
    else:
        output.echo(text, fg="green" if ok else "red")


def _fail(exc: SchemaInputError) -> None:
    click.echo(f"mfgcanon compat: error: {exc}", err=True)
    sys.exit(EXIT_USAGE)


def _config(path: Path | None, subject_by: str | None) -> CompatConfig:
    config = load_config(path)
    if subject_by is not None:
        import msgspec

        config = msgspec.structs.replace(config, subject_by=subject_by)
    return config


def _run(
    files: list[Path],
    level: str | None,
    policy: str | None,
    schema_type: str | None,
    fmt: str,
    show_all: bool,
    config: CompatConfig,
) -> None:
    subject = files[-1].as_posix()
    report = check_history(
        files[:-1],
        files[-1],
        config.level_for(subject, level),
        schema_type=schema_type,
        policy=policy or config.policy,
        labels=distinct_labels([str(p) for p in files[:-1]], str(files[-1])),
        ignore=lambda f: config.ignores(subject, f),
    )
    _emit_report(report, str(files[-1]), fmt, show_all)
    sys.exit(EXIT_OK if report.is_compatible else EXIT_FOUND)


_level_option = click.option(
    "--level",
    "-l",
    default=None,
    type=click.Choice(_LEVELS, case_sensitive=False),
    help="Registry compatibility level, or 'project' (Avro FULL_TRANSITIVE, JSON Schema "
    "BACKWARD_TRANSITIVE). Overrides the configuration; without either: BACKWARD.",
)
_policy_option = click.option(
    "--policy",
    default=None,
    type=click.Choice(["strict", "lenient"], case_sensitive=False),
    help="JSON Schema only: lenient treats open content models as closed (default: strict).",
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
    type=click.Choice(_FORMATS, case_sensitive=False),
    help="text: file:line:col: RULE: message; json: the report document; github: workflow annotations; "
    "junit: a JUnit XML test report.",
)
_all_option = click.option(
    "--all", "show_all", is_flag=True, help="Also list differences a registry tolerates (e.g. TITLE_CHANGED)."
)
_config_option = click.option(
    "--config",
    "config_path",
    default=None,
    type=click.Path(path_type=Path, dir_okay=False),
    help="pyproject.toml ([tool.mfgcanon.compat]) or mfgcanon-compat.toml; default: the first of those "
    "in the current folder.",
)


@click.group(name="compat", context_settings=CONTEXT_SETTINGS)
def compat() -> None:
    """Check schema changes with schema-registry semantics (Avro and JSON Schema)."""


@compat.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--against",
    default=None,
    help="With one folder DIR: a git ref (.git#branch=main, .git#tag=v1, .git#ref=<commit>, optional "
    ",subdir=...), a folder, or a release root (a folder of version folders such as schemas/released).",
)
@click.option(
    "--subject-by",
    type=click.Choice(["path", "name"], case_sensitive=False),
    default=None,
    help="Pair schemas by relative path (default) or, for Avro, by full name.",
)
@_config_option
@_level_option
@_policy_option
@_type_option
@_format_option
@_all_option
@click.option("--registry", metavar="URL", help="Check FILE against a schema registry's subject (with --subject).")
@click.option("--subject", metavar="SUBJECT", help="With --registry: the subject whose versions FILE must follow.")
def check_command(
    paths: tuple[Path, ...],
    against: str | None,
    subject_by: str | None,
    config_path: Path | None,
    level: str | None,
    policy: str | None,
    schema_type: str | None,
    fmt: str,
    show_all: bool,
    registry: str | None,
    subject: str | None,
) -> None:
    """Check NEW against OLD, or every schema under DIR against a ref, folder or release root.

    \b
    mfgcanon compat check OLD NEW              one change (BACKWARD: NEW reads data written with OLD)
    mfgcanon compat check DIR --against REF    the whole tree, paired by subject
    mfgcanon compat check --registry URL --subject S FILE
                                               FILE against a registry subject's versions, at the subject's
                                               level unless --level is given (docs/compatibility.md)
    """
    fmt = fmt.lower()
    if registry is not None or subject is not None:
        from mfgcanon.cli import compat_registry

        if against is not None or len(paths) != 1:
            raise click.UsageError("with --registry, give one FILE: the subject's versions are the old schemas")
        compat_registry.run(paths[0], None, registry, subject, level, policy or "strict", schema_type, fmt, show_all)
    try:
        config = _config(config_path, subject_by.lower() if subject_by else None)
        if against is not None:
            if len(paths) != 1 or not paths[0].is_dir():
                raise click.UsageError("with --against, give one folder DIR of schemas to check")
            if schema_type is not None:
                raise click.UsageError("--type applies to OLD NEW; in a tree the language comes from the suffix")
            tree = check_tree(paths[0], against, config=config, level=level, policy=policy)
            _emit_tree(tree, fmt, show_all)
            sys.exit(EXIT_OK if tree.is_compatible else EXIT_FOUND)
        if len(paths) != 2:
            raise click.UsageError("give OLD and NEW schema files, or one folder DIR with --against REF")
        for path in paths:
            if path.is_dir():
                raise click.UsageError(f"{path} is a folder: compare folders with DIR --against REF")
        _run(list(paths), level, policy, schema_type, fmt, show_all, config)
    except SchemaInputError as exc:
        _fail(exc)


@compat.command("history")
@click.argument("schemas", nargs=-1, required=True, type=click.Path(path_type=Path))
@_config_option
@_level_option
@_policy_option
@_type_option
@_format_option
@_all_option
def history_command(
    schemas: tuple[Path, ...],
    config_path: Path | None,
    level: str | None,
    policy: str | None,
    schema_type: str | None,
    fmt: str,
    show_all: bool,
) -> None:
    """Check the last schema against the earlier ones (oldest first), as a registry would.

    SCHEMAS are files V1 V2 ... NEW, or one directory whose .avsc/.json files are taken in natural
    version order (v2 before v10, 1.2.9 before 1.2.10); the last is NEW. Versions are labelled by what
    tells them apart: the file name, or the folder when the names are the same
    (released/1.1.0/avro/v1/material.avsc is 1.1.0).
    """
    files = list(schemas)
    if len(files) == 1 and files[0].is_dir():
        files = sorted(
            (p for p in files[0].iterdir() if p.is_file() and p.suffix.lower() in _SCHEMA_SUFFIXES),
            key=_natural_key,
        )
    if len(files) < 2:
        raise click.UsageError("need at least two schemas: earlier versions, then the new one")
    try:
        _run(files, level, policy, schema_type, fmt.lower(), show_all, _config(config_path, None))
    except SchemaInputError as exc:
        _fail(exc)
