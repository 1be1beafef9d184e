"""The ``mfgcanon`` command line (extra ``[cli]``: click and rich).

Exit codes, shared by every command: 0 ok, 1 invalid records, rejects or incompatible schemas found,
2 usage, input or output error (bad option, unreadable input, unwritable output, stdout closed early or
disk full), 3 internal error, 130 interrupted (Ctrl-C / SIGINT). Machine output goes to stdout, messages
to stderr; output files are written atomically (see :mod:`mfgcanon.cli.output`).
"""

from __future__ import annotations

import sys

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}
"""Every command's context settings, set on each one (not only inherited from the group): click caches a
command's help option the first time it is asked for, so a command first run on its own would otherwise lose
``-h`` for the rest of the process."""


def main() -> None:
    """Console-script entry point; explains the missing extra instead of a traceback."""
    try:
        from mfgcanon.cli.app import cli
    except ImportError as exc:  # pragma: no cover - exercised only without the extra installed
        sys.stderr.write(f"mfgcanon: the command line needs the [cli] extra ({exc}); "
                         "install it with: pip install 'mfgcanon[cli]'\n")
        raise SystemExit(EXIT_USAGE) from None
    cli.main(prog_name="mfgcanon")
