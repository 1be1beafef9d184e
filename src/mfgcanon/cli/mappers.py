"""``mfgcanon mappers list``: which mappers are installed, from which distribution, doing what."""

from __future__ import annotations

import json
import warnings

import click

from mfgcanon.cli import CONTEXT_SETTINGS, EXIT_OK, output


@click.group("mappers", context_settings=CONTEXT_SETTINGS)
def mappers() -> None:
    """Inspect the installed mappers (entry-point group mfgcanon.mappers)."""


@mappers.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_mappers(fmt: str) -> None:
    """List mappers with their provenance; broken plugins are shown with a warning, not a crash."""
    from mfgcanon.mappers import registry

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        infos = [registry.info(name) for name in registry.available()]
    for warning in caught:
        click.echo(f"warning: {warning.message}", err=True)
    if fmt == "json":
        output.echo(json.dumps([i.to_dict() for i in infos], indent=2))
        raise SystemExit(EXIT_OK)
    for i in infos:
        origin = f"{i.distribution or '?'} {i.version or ''}".strip()
        state = "" if i.loaded else "  [failed to load]"
        output.echo(f"{i.name:<14} {origin:<24} {i.origin:<12} {i.description or i.target}{state}")
