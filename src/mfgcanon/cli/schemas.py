"""``mfgcanon schemas``: export the JSON Schema and Avro files of the model, or check they are fresh."""

from __future__ import annotations

from pathlib import Path

import click

from mfgcanon.cli import CONTEXT_SETTINGS, EXIT_FOUND, EXIT_OK, output


@click.group(name="schemas", context_settings=CONTEXT_SETTINGS)
def schemas() -> None:
    """JSON Schema 2020-12 and Avro schemas generated from the canonical model."""


@schemas.command(name="export")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 and list the files that are stale, missing or extra.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"),
              show_default=True, help="Output folder: json/v1/*.json and avro/v1/*.avsc go below it.")
def export_command(check_only: bool, out_dir: Path) -> None:
    """Write (or with --check, verify) the schema files under DIR."""
    from mfgcanon.schema import export

    files = export.render_all()
    if check_only:
        drift = export.check(out_dir, files)
        for line in drift.lines():
            output.echo(line)
        if not drift.clean:
            click.echo(f"mfgcanon: {len(drift.lines())} schema file(s) under {out_dir} are out of date; "
                       "run `mfgcanon schemas export` (or `python -m codegen`) and commit", err=True)
            raise SystemExit(EXIT_FOUND)
        click.echo(f"mfgcanon: {len(files)} schema files under {out_dir} are up to date", err=True)
        raise SystemExit(EXIT_OK)
    changed = _write(out_dir, files)
    for line in changed:
        output.echo(line)
    click.echo(f"mfgcanon: {len(changed)} of {len(files)} schema files written under {out_dir}", err=True)


def _write(out_dir: Path, files: dict[str, bytes]) -> list[str]:
    """``export.write`` with the CLI's output rules: the folder checked first, the changed files replaced
    together and atomically (a full disk leaves every previous file as it was), then extra files dropped."""
    from mfgcanon.schema import export

    output.check_folder("--out", out_dir)
    drift = export.check(out_dir, files)
    changed = (*drift.stale, *drift.missing)
    try:
        for rel in changed:
            (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        output.write_outputs([(out_dir / rel, files[rel]) for rel in changed])
        for rel in drift.extra:
            (out_dir / rel).unlink()
    except OSError as exc:
        raise output.OutputError(f"cannot write under {out_dir}: {exc.strerror or exc}") from None
    return drift.lines()
