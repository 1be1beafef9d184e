"""Where the read-only shared/ material lives (tests/ is on sys.path: its conftest.py puts it there).

Third-party conformance data and real vendor documents are read in place, never copied into the repo.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_base() -> Path:
    """``$MFGCANON_SHARED`` when set, else ``../shared`` beside the repository."""
    env = os.environ.get("MFGCANON_SHARED")
    return Path(env) if env else ROOT.parent / "shared"


def shared_dir(sub: str) -> Path:
    """A folder of the shared material; skip when absent, but fail when ``CI`` is set."""
    path = shared_base() / sub
    if not path.is_dir():
        reason = f"shared material {sub!r} not found at {path} (set MFGCANON_SHARED to the shared/ folder)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path
