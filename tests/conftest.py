"""Shared test helpers: where the read-only shared/ material lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_dir(sub: str) -> Path:
    """A folder of ../shared (or $MFGCANON_SHARED); skip when absent, fail when CI is set."""
    base = Path(os.environ["MFGCANON_SHARED"]) if os.environ.get("MFGCANON_SHARED") else ROOT.parent / "shared"
    path = base / sub
    if not path.is_dir():
        reason = f"shared material {sub!r} not found at {path} (set MFGCANON_SHARED to the shared/ folder)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path
