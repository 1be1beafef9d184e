"""Shared data of the Proficy Plant Applications tests: the composed samples (examples/proficy), their context, and
every other bundled format's samples, which the proficy-pa sniff must refuse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mfgcanon.mappers import MappingContext, get, load_context
from shared_data import ROOT, shared_base

EXAMPLES = ROOT / "examples" / "proficy"
CTX: MappingContext = load_context(EXAMPLES / "context.toml")
SAMPLES = sorted(p.name for p in EXAMPLES.glob("*.json"))
MAPPER = get("proficy-pa")


def sample(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def sample_json(name: str) -> Any:
    return json.loads(sample(name))


def foreign() -> list[tuple[str, Any]]:
    """Every other bundled format's sample (examples, test fixtures) and, where checked out, the shared Oracle and
    SAP samples."""
    paths: list[Path] = []
    for folder in sorted((ROOT / "examples").iterdir()):
        if folder.is_dir() and folder.name != "proficy":
            paths += sorted(p for p in folder.rglob("*") if p.is_file())
    paths += sorted(p for p in (ROOT / "tests" / "mappers" / "fixtures").rglob("*") if p.is_file())
    for extra in ("reference/samples/oracle", "reference/samples/sap"):
        folder = shared_base() / extra
        if folder.is_dir():
            paths += sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))
    return [(p.name, p.read_bytes()) for p in paths]
