"""The root ``mfgcanon`` click group; sub-commands are imported only when invoked."""

from __future__ import annotations

import contextlib
import importlib
import sys
import traceback
from typing import Any

import click

from mfgcanon.cli import CONTEXT_SETTINGS, EXIT_INTERNAL, EXIT_INTERRUPTED

# command name -> "module:attribute"; modules are imported lazily so `mfgcanon --help` stays fast
_COMMANDS: dict[str, str] = {
    "validate": "mfgcanon.cli.validate:validate",
    "convert": "mfgcanon.cli.convert:convert",
    "schemas": "mfgcanon.cli.schemas:schemas",
    "compat": "mfgcanon.cli.compat:compat",
    "mappers": "mfgcanon.cli.mappers:mappers",
    "kpi": "mfgcanon.cli.kpi:kpi",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in _COMMANDS if self.get_command(ctx, name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # a command whose optional extra is not installed
            if exc.name in (None, module_name) or not (exc.name or "").startswith("mfgcanon"):
                click.echo(f"mfgcanon {cmd_name}: unavailable ({exc}); install 'mfgcanon[all]'", err=True)
                return None
            raise
        command: click.Command = getattr(module, attr)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:  # Ctrl-C: the shell convention 130 and one line, not 1 or a traceback
            with contextlib.suppress(OSError):
                click.echo("mfgcanon: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError as exc:  # stdout closed by its reader in a write not routed through output
            from mfgcanon.cli.output import stdout_failure

            raise stdout_failure(exc) from None
        except Exception as exc:  # the CLI's own last resort: exit 3, never a bare traceback
            click.echo(f"mfgcanon: internal error: {type(exc).__name__}: {exc}", err=True)
            if "--debug" in sys.argv:
                traceback.print_exc()
            ctx.exit(EXIT_INTERNAL)


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: the package and the canonical schema version it writes, e.g. ``mfgcanon 0.1.0
    (schema 1.2.0)``; the schema version is what consumers of the events compare."""
    if not value or ctx.resilient_parsing:
        return
    from importlib import metadata

    from mfgcanon.v1 import __schema_version__

    try:
        version = metadata.version("mfgcanon")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from an unpacked tree
        version = "unknown"
    from mfgcanon.cli import output

    output.echo(f"mfgcanon {version} (schema {__schema_version__})")
    ctx.exit(0)


@click.group(cls=_LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and the canonical schema version, then exit.")
def cli() -> None:
    """Canonical manufacturing data: validate, convert, export schemas, check compatibility.

    \b
    Exit codes (every command):
      0    ok
      1    invalid records, rejects or incompatible schemas found
      2    usage, input or output error (bad option, unreadable
           input, unwritable output, stdout closed early, disk full)
      3    internal error
      130  interrupted (Ctrl-C)
    """
