"""Shared data of the B2MML tests: the composed samples (examples/b2mml), their context, MESA's Courbon V0401
documents and the official V0600 / V0701 XSDs (read in place from the shared reference folder), and the other
formats' samples that the B2MML sniff must refuse."""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mfgcanon.mappers import MappingContext, load_context
from shared_data import ROOT, shared_base, shared_dir

EXAMPLES = ROOT / "examples" / "b2mml"
CTX: MappingContext = load_context(EXAMPLES / "context.toml")
CTX_OUT: MappingContext = dataclasses.replace(
    CTX,
    received_at=datetime(2024, 3, 7, 8, 0, tzinfo=UTC),  # the CreationDateTime of documents of bare entities
    vendors={**CTX.vendors, "b2mml": {**CTX.vendor("b2mml"), "echo_segment_ids": True}},
    code_overrides={**CTX.code_overrides, "b2mml.property_map": {
        **CTX.code_overrides.get("b2mml.property_map", {}), "OperationID": "operation_id"}},
)
"""The samples' context as the writer needs it too (the contract suite writes bare entities back)."""
COMPOSED = sorted(p.name for p in EXAMPLES.glob("*.xml"))
COURBON_FILES = (
    "INV-20121210175555-0001L0001_01.xml",
    "LOT-20121210170718-0001L0001.xml",
    "MAT-20121210170256-CRBN0001.xml",
    "PES-20121229115825-53107.xml",
    "PRO-20121210181416-27942.xml",
)


def sample(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


def courbon(name: str) -> bytes:
    """One of MESA's Courbon V0401 documents (skips, or fails under CI, when the shared folder is absent)."""
    return (shared_dir("reference/b2mml/courbon-v0401") / name).read_bytes()


@functools.cache
def schema(version: str) -> Any:
    """The official XSDs of ``V0600`` or ``V0701``, loaded with xmlschema (once per run)."""
    import xmlschema  # type: ignore[import-untyped]

    folder = shared_dir(f"reference/b2mml/xsd/{version}")
    if version == "V0600":
        return xmlschema.XMLSchema(str(folder / "AllSchemas.xsd"), loader_class=xmlschema.LocationSchemaLoader)
    return xmlschema.XMLSchema(str(folder / "AllSchemas.xsd"))


def foreign() -> list[tuple[str, Any]]:
    """Every other bundled format's sample (examples, test fixtures) and, where checked out, MESA's BatchML
    record and the shared Oracle samples."""
    paths: list[Path] = []
    for folder in sorted((ROOT / "examples").iterdir()):
        if folder.is_dir() and folder.name != "b2mml":
            paths += sorted(p for p in folder.rglob("*") if p.is_file())
    paths += sorted(p for p in (ROOT / "tests" / "mappers" / "fixtures").rglob("*") if p.is_file())
    for extra in ("reference/b2mml/batchml-v0401", "reference/samples/oracle", "reference/samples/sap"):
        folder = shared_base() / extra
        if folder.is_dir():
            paths += sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))
    return [(p.name, p.read_bytes()) for p in paths]
