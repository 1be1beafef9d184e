"""Oracle mapper fixtures: the composed samples (tests/mappers/fixtures/oracle) and a context holding the
reference data the samples leave out (units of POST bodies, organization ids and names, job ids)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mfgcanon.mappers import MappingContext

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "fixtures" / "oracle"
SAP_FIXTURES = HERE.parent / "fixtures" / "sap"
EBS_SAMPLE = "ebs_interface_table_rows.json"

LOOKUPS = {
    "item_base_unit": {"FG-1000": "Ea", "RM-2001": "Ea", "RM-3001": "kg"},
    "organization_code": {"207": "M1", "Seattle Manufacturing": "M1"},
    "organization_id": {"M1": "207"},
    "organization_name": {"M1": "Seattle Manufacturing"},
    "job_order": {"880011": "M1-1001"},
    "job_id": {"M1-1001": "880011"},
}
VENDORS = {"oracle-fusion": {"source_system_code": "MES01", "source_code": "MES01"},
           "oracle-ebs": {"source_code": "MES01"}}


def make_context(**changes: Any) -> MappingContext:
    settings: dict[str, Any] = {
        "source_system": "ORA-PROD",
        "plants": {"M1": "America/Los_Angeles"},
        "lookups": LOOKUPS,
        "vendors": VENDORS,
        "received_at": datetime(2024, 1, 17, 12, 0, tzinfo=UTC),  # items and work orders carry no time of their own
    }
    settings.update(changes)
    return MappingContext.build(**settings)


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sample_json(name: str) -> Any:
    return json.loads(sample(name))


def fusion_samples() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.json")) if p.name != EBS_SAMPLE]


def ebs_samples() -> list[tuple[str, bytes]]:
    return [(EBS_SAMPLE, sample(EBS_SAMPLE))] + [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("ebs_*.csv"))
                                                 if "lots" not in p.name and "mtl_transactions" not in p.name]


def sap_samples() -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(SAP_FIXTURES.iterdir()) if p.is_file()]


@pytest.fixture
def ctx() -> MappingContext:
    return make_context()


def _reference_samples() -> Path | None:
    candidate = HERE.parents[2].parent / "shared" / "reference" / "samples"
    return candidate if (candidate / "d365").is_dir() else None


REF_SAMPLES = _reference_samples()
