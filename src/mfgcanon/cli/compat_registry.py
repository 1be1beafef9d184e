"""``mfgcanon compat check --registry URL --subject S FILE``: FILE against a live schema registry.

Kept apart from :mod:`mfgcanon.cli.compat` so that the file-based checks and this one change separately;
``compat check`` calls :func:`run` when ``--registry`` is given. Exit 0 compatible, 1 incompatible (by
the registry's verdict or the local check), 2 usage, input or registry error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from mfgcanon.cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE, output
from mfgcanon.cli.compat import _escape_data, _escape_property
from mfgcanon.compat import Finding, SchemaInputError
from mfgcanon.compat.registry import RegistryCheck, RegistryClient, RegistryError, check_registry

__all__ = ["ENV_RETRIES", "ENV_TIMEOUT", "run"]

ENV_TIMEOUT = "MFGCANON_REGISTRY_TIMEOUT"
"""Seconds per request (default 10)."""
ENV_RETRIES = "MFGCANON_REGISTRY_RETRIES"
"""Retries after a 5xx, 429, timeout or connection failure (default 3)."""


def _env_number(name: str, default: float, kind: type[int] | type[float]) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        raise click.UsageError(f"{name} must be a number, not {raw!r}") from None
    if value < 0 or (kind is float and value == 0):
        raise click.UsageError(f"{name} must be {'positive' if kind is float else '0 or more'}, not {raw!r}")
    return value


def run(
    file: Path,
    extra: Path | None,
    registry: str | None,
    subject: str | None,
    level: str | None,
    policy: str,
    schema_type: str | None,
    fmt: str,
    show_all: bool,
) -> NoReturn:
    """Check FILE against SUBJECT's versions in REGISTRY and exit; ``level=None`` means the subject's own."""
    if registry is None or subject is None:
        raise click.UsageError("--registry and --subject go together")
    if extra is not None:
        raise click.UsageError("with --registry, give one FILE: the subject's versions are the old schemas")
    if not subject.strip():
        raise click.UsageError("--subject must not be empty")
    try:
        client = RegistryClient(
            registry,
            timeout=_env_number(ENV_TIMEOUT, 10.0, float),
            retries=int(_env_number(ENV_RETRIES, 3, int)),
        )
        result = check_registry(file, subject, client, level=level, schema_type=schema_type, policy=policy)
    except (SchemaInputError, RegistryError) as exc:
        click.echo(f"mfgcanon compat: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    _emit(result, str(file), fmt, show_all)
    sys.exit(EXIT_OK if result.is_compatible else EXIT_FOUND)


def _against(f: Finding) -> str:
    return f" [{f.direction.value} vs {f.version}]" if f.version else f" [{f.direction.value}]"


def _emit(result: RegistryCheck, file: str, fmt: str, show_all: bool) -> None:
    if fmt == "json":
        output.echo(result.to_json(indent=2))
        return
    local_findings = result.local.findings if result.local is not None else ()  # a Report is falsy when breaking
    findings = [f for f in local_findings if show_all or f.breaking]
    verdict = result.registry_verdict
    refused = verdict is not None and not verdict.is_compatible
    registry_lines = [f"{result.subject} ({verdict.against}): {m}" for m in verdict.messages] if verdict else []
    if refused and not registry_lines:
        registry_lines = [f"{result.subject} ({verdict.against if verdict else 'latest'}): incompatible"]
    notes = [n for n in (result.local_note, result.registry_note) if n and n != "not asked"]
    if fmt == "github":
        for f in findings:
            kind = "error" if f.breaking else "notice"
            output.echo(
                f"::{kind} file={_escape_property(file)},title={_escape_property(f.rule)}::"
                f"{_escape_data(f'{f.path}: {f.message}{_against(f)}')}"
            )
        if refused:
            for line in registry_lines:
                output.echo(f"::error file={_escape_property(file)},title=REGISTRY_INCOMPATIBLE::{_escape_data(line)}")
        if result.disagreement:
            output.echo(
                f"::warning file={_escape_property(file)},title=REGISTRY_DISAGREEMENT::"
                f"{_escape_data(result.disagreement)}"
            )
        for note in notes:
            click.echo(f"note: {note}", err=True)
        click.echo(result.summary(), err=True)
        return
    for f in findings:
        rule = click.style(f.rule, fg="red" if f.breaking else "yellow", bold=f.breaking)
        tolerated = "" if f.breaking else " (tolerated)"
        output.echo(f"{file}:{f.path}: {rule}: {f.message}{_against(f)}{tolerated}")
    if refused:
        for line in registry_lines:
            output.echo(f"{file}: {click.style('REGISTRY_INCOMPATIBLE', fg='red', bold=True)}: {line}")
    for note in notes:
        output.echo(f"note: {note}")
    if result.disagreement:
        output.echo(f"{click.style('DISAGREEMENT', fg='yellow', bold=True)}: {result.disagreement}")
    output.echo(result.summary(), fg="green" if result.is_compatible else "red")
