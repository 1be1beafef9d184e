#!/usr/bin/env python3
"""Set up the project in ./.venv and run one of its jobs; needs nothing but Python 3.11+ and a package index.

    python3 scripts/dev.py demo   # the main job on the bundled sample data
    python3 scripts/dev.py test   # lint, type-check and the whole test suite

The virtualenv is (re)installed only when pyproject.toml changed since the last install, so repeated
runs start at once. Standard library only: this script runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".mfgcanon-installed"


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), file=sys.stderr, flush=True)
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before anything checks the version
        sys.exit(f"mfgcanon needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted + "\n")


DEMO_VENDORS = {  # examples/<folder> -> the context file its connection uses
    "sap": "examples/context.toml",
    "oracle": "examples/oracle/context.toml",
    "d365": "examples/d365/context.toml",
    "bc": "examples/d365/context.toml",
    "b2mml": "examples/b2mml/context.toml",
    "b2mml-json": "examples/b2mml-json/context.toml",
    "proficy": "examples/proficy/context.toml",
    "tulip": "examples/tulip/context.toml",
}


def demo() -> None:
    """Convert every bundled vendor sample to canonical events (each folder with its connection's context),
    validate them with the canonical examples, then compute the operational KPIs over all of them."""
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    written = []
    for folder, context in DEMO_VENDORS.items():
        payloads = sorted(p for p in (ROOT / "examples" / folder).iterdir() if p.name != "context.toml")
        events = out / f"{folder}-events.ndjson"
        run(BIN / "mfgcanon", "convert", "--context", context, "-o", events,
            "--rejects", out / f"{folder}-rejects.ndjson", *payloads)
        written.append(events)
    run(BIN / "mfgcanon", "validate", *written, "examples/canonical")
    run(BIN / "mfgcanon", "kpi", "--by", "plant", "--no-progress", *written)


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> None:
    """Install Debian's chromium for the browser test of the docs site when it is missing and we can.

    Only as root with apt-get (apt-get update once, then install); otherwise say so and go on: the browser
    test then reports its skip (and fails under CI). Never fails the run."""
    if CHROMIUM.exists() or shutil.which("chromium"):
        return
    if shutil.which("apt-get") is None:
        print("chromium not found and no apt-get: the docs browser test will be skipped", file=sys.stderr)
        return
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        print("chromium not found; not root, so not installing it (as root: apt-get install chromium): "
              "the docs browser test will be skipped", file=sys.stderr)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        print("+", " ".join(args), "  # chromium for the docs browser test", file=sys.stderr, flush=True)
        try:
            failed = subprocess.run(args, cwd=ROOT, env=env, check=False).returncode != 0
        except OSError as exc:
            print(f"{args[0]}: {exc}", file=sys.stderr)
            failed = True
        if failed:
            print(f"apt-get {args[1]} failed: the docs browser test will be skipped", file=sys.stderr)
            return


def test() -> None:
    ensure_chromium()
    run(BIN / "ruff", "check", ".")
    run(BIN / "mypy", "--strict", "src/mfgcanon")
    workers = ["-n", "2"] if (os.cpu_count() or 1) > 1 else []
    run(BIN / "python", "-m", "pytest", *workers, "-q", "-p", "no:cacheprovider")


JOBS = {"demo": demo, "test": test, "setup": lambda: None}


def main() -> None:
    job = sys.argv[1] if len(sys.argv) > 1 else ""
    if job not in JOBS:
        sys.exit(f"usage: python3 scripts/dev.py {{{'|'.join(JOBS)}}}")
    setup()
    JOBS[job]()


if __name__ == "__main__":
    main()
