"""Mapper throughput: LOIPRO (10 operations, 20 components) -> canonical event, per document.

Side by side in one process: (a) the bare lxml parse of the same bytes (the floor) and (b) xmltodict plus a
pydantic v2 model of the same order (what a user would otherwise write). Run: python benchmarks/mappers.py
"""

from __future__ import annotations

import timeit
from pathlib import Path

import pydantic
import xmltodict
from lxml import etree

from mfgcanon.mappers import MappingContext, get

ROOT = Path(__file__).parents[1] / "examples" / "sap"
CTX = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})


def loipro(operations: int = 10, components: int = 20) -> bytes:
    text = (ROOT / "idoc_loipro05_production_order.xml").read_text()
    start, end = text.index("<E1AFVOL SEGMENT"), text.index("</E1AFVOL>") + len("</E1AFVOL>")
    op = text[start:end]
    comp_start, comp_end = op.index("<E1RESBL"), op.index("</E1RESBL>") + len("</E1RESBL>")
    comp = op[comp_start:comp_end]
    ops = []
    for n in range(operations):
        body = op[:comp_start] + "".join(comp.replace("<RSPOS>0001", f"<RSPOS>{n * 2 + i + 1:04d}")
                                         for i in range(components // operations)) + op[comp_end:]
        ops.append(body.replace("<VORNR>0010", f"<VORNR>{(n + 1) * 10:04d}"))
    rest = text[end:]
    second = rest.index("<E1AFVOL SEGMENT")
    rest = rest[rest.index("</E1AFVOL>", second) + len("</E1AFVOL>"):]
    return (text[:start] + "".join(ops) + rest).encode()


class Component(pydantic.BaseModel):
    RSNUM: str
    RSPOS: str
    MATNR: str
    BDMNG: float
    MEINS: str


class Op(pydantic.BaseModel):
    VORNR: str
    LTXA1: str | None = None
    ARBPL: str | None = None
    MGVRG: float
    MEINH: str
    components: list[Component] = []


class Order(pydantic.BaseModel):
    AUFNR: str
    WERKS: str
    MATNR: str
    GAMNG: float
    GMEIN: str
    GSTRP: str
    GLTRP: str
    operations: list[Op]


def pipeline(data: bytes) -> Order:
    doc = xmltodict.parse(data)["LOIPRO05"]["IDOC"]["E1AFKOL"]
    ops = doc["E1AFFLL"]["E1AFVOL"]
    ops = ops if isinstance(ops, list) else [ops]
    built = []
    for op in ops:
        comps = op.get("E1RESBL", [])
        comps = comps if isinstance(comps, list) else [comps]
        built.append({**op, "components": comps})
    return Order.model_validate({**doc, "operations": built})


def main() -> None:
    data = loipro()
    mapper = get("sap-idoc")
    result = mapper.to_canonical(data, CTX)
    assert not result.rejects, result.rejects
    order = result.events[0].data  # type: ignore[attr-defined]
    print(f"LOIPRO: {len(data)} bytes, {len(order.operations)} operations, "
          f"{len(order.material_requirements)} components")
    cases = {
        "lxml parse only (floor)": lambda: etree.fromstring(data),
        "mfgcanon sap-idoc -> event": lambda: mapper.to_canonical(data, CTX),
        "xmltodict + pydantic v2": lambda: pipeline(data),
    }
    timings = {}
    for name, fn in cases.items():
        runs = 300
        best = min(timeit.repeat(fn, number=runs, repeat=5)) / runs
        timings[name] = best
        print(f"{name:<32} {best * 1e6:9.1f} us/doc")
    ours = timings["mfgcanon sap-idoc -> event"]
    print(f"ratio to lxml floor: {ours / timings['lxml parse only (floor)']:.1f}x; "
          f"speed-up vs xmltodict+pydantic: {timings['xmltodict + pydantic v2'] / ours:.2f}x")
    odata = (ROOT / "odata_production_order_2_get_response.json").read_bytes()
    gm = (ROOT / "idoc_mbgmcr03_goods_issue_261.xml").read_bytes()
    for label, fn in (("OData order -> event", lambda: get("sap-odata").to_canonical(odata, CTX)),
                      ("MBGMCR03 (2 items) -> events", lambda: mapper.to_canonical(gm, CTX)),
                      ("MBGMCR03 lxml parse only", lambda: etree.fromstring(gm))):
        best = min(timeit.repeat(fn, number=300, repeat=5)) / 300
        print(f"{label:<32} {best * 1e6:9.1f} us/doc")


if __name__ == "__main__":
    main()
