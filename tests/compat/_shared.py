"""Locating the third-party conformance data, which is read in place and never copied into the repo."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from shared_data import shared_base, shared_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
__all__ = ["load_cases", "load_lenient", "shared_dir"]


def load_lenient(path: Path) -> Any:
    """JSON that may carry trailing commas (Confluent's 2020-12 file, read by Java's lenient parser)."""
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", path.read_text(encoding="utf-8")))


def load_cases(sub: str, name: str) -> list[Any]:
    """The cases of one conformance file, or an empty list when the folder is absent (tests then skip)."""
    path = shared_base() / sub / name
    if not path.is_file():
        return []
    cases = load_lenient(path)
    assert isinstance(cases, list)
    return cases
