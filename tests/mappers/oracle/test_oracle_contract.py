"""Both Oracle mappers pass the mapper contract suite; sniffing takes exactly one mapper per sample (SAP's
mappers refuse the Oracle samples, the Oracle mappers refuse SAP's and each other's)."""

from __future__ import annotations

from typing import Any

import pytest

from mfgcanon.mappers import MappingContext, detect, get
from mfgcanon.mappers.oracle import OracleEbsMapper, OracleFusionMapper
from mfgcanon.testing.mapper_suite import MapperContract

from .conftest import REF_SAMPLES, ebs_samples, fusion_samples, make_context, sap_samples


class TestFusionContract(MapperContract):
    @pytest.fixture
    def mapper(self) -> Any:
        return OracleFusionMapper()

    @pytest.fixture
    def context(self) -> MappingContext:
        return make_context()

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, Any]]:
        return fusion_samples()

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, Any]]:
        return sap_samples() + ebs_samples()


class TestEbsContract(MapperContract):
    @pytest.fixture
    def mapper(self) -> Any:
        return OracleEbsMapper()

    @pytest.fixture
    def context(self) -> MappingContext:
        return make_context()

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, Any]]:
        return ebs_samples()

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, Any]]:
        return sap_samples() + fusion_samples()


@pytest.mark.parametrize("name", ["sap-idoc", "sap-odata"])
def test_sap_mappers_refuse_oracle_samples(name: str) -> None:
    mapper = get(name)
    for sample_name, payload in fusion_samples() + ebs_samples():
        assert not mapper.sniff(payload), f"{name} claims {sample_name}"


def test_detection_names_exactly_one_mapper() -> None:
    for name, payload in fusion_samples():
        assert detect(payload) == ["oracle-fusion"], name
    for name, payload in ebs_samples():
        assert detect(payload) == ["oracle-ebs"], name


def test_other_vendors_reference_samples_are_refused() -> None:
    """The Dynamics 365 and Business Central composed samples (read in place when the reference is there)."""
    if REF_SAMPLES is None:
        pytest.skip("reference samples not found next to the repository")
    found = [p for vendor in ("d365", "bc") for p in sorted((REF_SAMPLES / vendor).glob("*.json"))]
    assert found
    for path in found:
        payload = path.read_bytes()
        assert not OracleFusionMapper().sniff(payload), path.name
        assert not OracleEbsMapper().sniff(payload), path.name


def test_package_imports_its_mappers_lazily() -> None:
    """The entry points name the package; importing it imports no mapper module until one is asked for."""
    import subprocess
    import sys

    code = (
        "import sys, importlib\n"
        "oracle = importlib.import_module('mfgcanon.mappers.oracle')\n"
        "assert not [m for m in sys.modules if m.startswith('mfgcanon.mappers.oracle.')], sorted(sys.modules)\n"
        "assert oracle.OracleFusionMapper().name == 'oracle-fusion'\n"
        "assert 'mfgcanon.mappers.oracle.ebs' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
