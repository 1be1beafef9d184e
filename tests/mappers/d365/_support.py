"""Shared data of the Microsoft mapper tests: the bundled samples (examples/d365, examples/bc), their context and
the other formats' samples that the Microsoft mappers' sniff must refuse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mfgcanon.mappers import MappingContext, load_context

REPO = Path(__file__).resolve().parents[3]
D365 = REPO / "examples" / "d365"
BC = REPO / "examples" / "bc"
CONTENT = REPO / "tests" / "mappers" / "fixtures" / "d365"  # the decoded _messageContent of each MES sample
CTX: MappingContext = load_context(D365 / "context.toml")

MES = sorted(p.name for p in D365.glob("mes_*.json"))
MES_SAMPLES = [*MES, "business_event_message_processed_failed.json"]
ODATA_SAMPLES = ["odata_production_order_headers_get_response.json", "business_event_production_order_released.json"]
ODATA_LINES = ["odata_production_order_bom_lines_get_response.json",
               "odata_production_order_route_operations_get_response.json"]


def sample(name: str) -> bytes:
    """A bundled sample (examples/d365), or the decoded content of one (``*.content.json``, test fixtures)."""
    return (CONTENT / name if name.endswith(".content.json") else D365 / name).read_bytes()


def bc_sample() -> bytes:
    return (BC / "analytics_manufacturing_prod_order_lines_get_response.json").read_bytes()


def foreign(*own: str) -> list[tuple[str, Any]]:
    """Every bundled sample not in ``own`` (file names): SAP (examples, test fixtures), the other Microsoft formats,
    and the shared reference samples of other vendors where they are checked out."""
    paths = [*sorted((REPO / "examples" / "sap").iterdir()),
             *sorted((REPO / "tests" / "mappers" / "fixtures" / "sap").iterdir()),
             *sorted(D365.glob("*.json")), *sorted(CONTENT.glob("*.json")), *sorted(BC.glob("*.json"))]
    oracle = REPO.parent / "shared" / "reference" / "samples" / "oracle"
    if oracle.is_dir():
        paths += sorted(oracle.glob("*.json"))
    return [(p.name, p.read_bytes()) for p in paths if p.name not in own and p.is_file()]
