"""The documentation site, built once per test session (per xdist worker) and served on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    import fcntl
except ImportError:  # not POSIX: each xdist worker builds its own site
    fcntl = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[2]


def need(what: str, available: bool, hint: str) -> None:
    """Skip a docs test whose tool is missing, with the reason; under CI (``CI`` set) fail instead."""
    if available:
        return
    message = f"{what} is not available: {hint}"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so the docs tests must run)")
    pytest.skip(message)


@dataclass(frozen=True)
class Build:
    site: Path
    log: str


def _build(out: Path) -> tuple[int, str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT / "src")}
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(out / "site")],
        cwd=out, env=env, capture_output=True, text=True, timeout=600, check=False)
    return completed.returncode, completed.stdout + completed.stderr


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`mkdocs build --strict` of this checkout into a temporary folder (the checkout is left untouched).

    Under xdist the workers share one build: the first to take the lock builds, the others wait and reuse
    it (a build costs seconds; the docs tests must stay fast)."""
    need("mkdocs", importlib.util.find_spec("mkdocs") is not None, "pip install -e '.[docs]'")
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") and fcntl is not None else base
    out = shared / "docs-site"
    result = out / "build-result.json"
    with open(shared / "docs-site.lock", "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            out.mkdir(exist_ok=True)
            returncode, log = _build(out)
            result.write_text(json.dumps({"returncode": returncode, "log": log}))
    outcome = json.loads(result.read_text())
    assert outcome["returncode"] == 0, f"mkdocs build --strict failed:\n{outcome['log']}"
    return Build(site=out / "site", log=outcome["log"])


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def served_site(built_site: Build) -> Iterator[str]:
    """The built site over HTTP on 127.0.0.1 (a free port), as the base URL ending in '/'."""
    handler = functools.partial(_QuietHandler, directory=str(built_site.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
