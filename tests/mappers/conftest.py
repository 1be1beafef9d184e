"""Shared fixtures for the mapper tests: sample payloads and the real SAP documents (read in place)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mfgcanon.mappers import MappingContext

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "sap"
REPO = HERE.parents[1]


def real_dir() -> Path | None:
    """``$MFGCANON_SHARED/reference/sap-real`` or ``../shared/reference/sap-real`` next to the repo."""
    candidates = []
    if os.environ.get("MFGCANON_SHARED"):
        candidates.append(Path(os.environ["MFGCANON_SHARED"]) / "reference" / "sap-real")
    candidates.append(REPO.parent / "shared" / "reference" / "sap-real")
    return next((c for c in candidates if (c / "LOIPRO05_Original.xml").is_file()), None)


@pytest.fixture(scope="session")
def sap_real() -> Path:
    found = real_dir()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("the real SAP documents (reference/sap-real) are required in CI: set MFGCANON_SHARED")
        pytest.skip("real SAP documents not found (set MFGCANON_SHARED or check out ../shared next to the repo)")
    return found


@pytest.fixture
def ctx() -> MappingContext:
    return MappingContext.build(
        source_system="S4H-100",
        plants={"1710": "America/Los_Angeles", "HZ001": "Europe/Berlin", "DM01": "America/Chicago"},
    )


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
