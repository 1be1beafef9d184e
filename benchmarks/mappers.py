"""Mapper throughput, per document, against the floor (the bare parse of the same bytes) and against what a
user would otherwise write (xmltodict or json + a pydantic v2 model of the same document).

Cases (issue targets: within 2x of the floor, at least 5x faster than the pydantic pipeline):

* LOIPRO05 with exactly 10 operations and 20 components -> one ProductionOrderReleased event;
* an A_ProductionOrder_2 OData response with 10 operations and 20 components -> one event;
* an MBGMCR03 goods movement (2 items) -> two MaterialIssued events.

Timing: CPU time of this process (``time.process_time``), cases interleaved round by round, best of
``--rounds`` rounds of ``--number`` calls, so a busy shared machine skews the figures less than wall time.
Run: ``python benchmarks/mappers.py [--rounds 15] [--number 100]``
"""

from __future__ import annotations

import argparse
import copy
import json
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pydantic
import xmltodict
from lxml import etree

from mfgcanon.mappers import MappingContext, get

ROOT = Path(__file__).parents[1] / "examples" / "sap"
CTX = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})


def loipro(operations: int = 10, components: int = 20) -> bytes:
    """The example order with exactly ``operations`` operations and ``components`` components in all.

    The first operation of the example is the template (its components are cut out and replaced by
    ``components // operations`` copies of its first one, with distinct RSPOS); the example's other
    operations are dropped.
    """
    text = (ROOT / "idoc_loipro05_production_order.xml").read_text()
    start, end = text.index("<E1AFVOL SEGMENT"), text.index("</E1AFVOL>") + len("</E1AFVOL>")
    op = text[start:end]
    comp_start = op.index("<E1RESBL")
    comp_end = op.rindex("</E1RESBL>") + len("</E1RESBL>")  # all of the template's components
    comp = op[comp_start : op.index("</E1RESBL>") + len("</E1RESBL>")]
    per_op, extra = divmod(components, operations)
    ops = []
    position = 0
    for n in range(operations):
        copies = []
        for _ in range(per_op + (1 if n < extra else 0)):
            position += 1
            copies.append(comp.replace("<RSPOS>0001", f"<RSPOS>{position:04d}"))
        body = op[:comp_start] + "".join(copies) + op[comp_end:]
        ops.append(body.replace("<VORNR>0010", f"<VORNR>{(n + 1) * 10:04d}"))
    rest = text[end:]
    while "<E1AFVOL SEGMENT" in rest.split("</E1AFFLL>")[0]:  # drop the example's other operations
        rest = rest[rest.index("</E1AFVOL>") + len("</E1AFVOL>") :]
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


def odata_order(operations: int = 10, components: int = 20) -> bytes:
    """The example A_ProductionOrder_2 response with ``operations`` operations and ``components`` components."""
    doc = json.loads((ROOT / "odata_production_order_2_get_response.json").read_bytes())
    order = doc["d"]["results"][0]
    op0 = order["to_ProductionOrderOperation"]["results"][0]
    comp0 = order["to_ProductionOrderComponent"]["results"][0]
    ops, comps = [], []
    for n in range(operations):
        op = copy.deepcopy(op0)
        op["ManufacturingOrderOperation"] = f"{(n + 1) * 10:04d}"
        ops.append(op)
    for n in range(components):
        comp = copy.deepcopy(comp0)
        comp["ReservationItem"] = str(n + 1)
        comp["ManufacturingOrderOperation"] = f"{(n % operations + 1) * 10:04d}"
        comps.append(comp)
    order["to_ProductionOrderOperation"]["results"] = ops
    order["to_ProductionOrderComponent"]["results"] = comps
    return json.dumps(doc).encode()


class ODataComponent(pydantic.BaseModel):
    Reservation: str
    ReservationItem: str
    Material: str
    Plant: str
    ManufacturingOrderOperation: str
    RequiredQuantity: float
    BaseUnit: str
    Batch: str | None = None
    StorageLocation: str | None = None


class ODataOperation(pydantic.BaseModel):
    ManufacturingOrderOperation: str
    MfgOrderOperationText: str | None = None
    WorkCenter: str | None = None
    OpPlannedTotalQuantity: float
    OperationUnit: str


class _Results(pydantic.BaseModel):
    results: list[Any]


class ODataOrder(pydantic.BaseModel):
    ManufacturingOrder: str
    ProductionPlant: str
    Material: str
    TotalQuantity: float
    ProductionUnit: str
    MfgOrderPlannedStartDate: str
    MfgOrderPlannedEndDate: str
    operations: list[ODataOperation]
    components: list[ODataComponent]


def odata_pipeline(data: bytes) -> ODataOrder:
    order = json.loads(data)["d"]["results"][0]
    return ODataOrder.model_validate(
        {
            **order,
            "operations": order["to_ProductionOrderOperation"]["results"],
            "components": order["to_ProductionOrderComponent"]["results"],
        }
    )


class GoodsMovementItem(pydantic.BaseModel):
    MATERIAL: str
    PLANT: str
    STGE_LOC: str | None = None
    BATCH: str | None = None
    MOVE_TYPE: str
    ENTRY_QNT: float
    ENTRY_UOM: str
    ORDERID: str | None = None
    RESERV_NO: str | None = None
    RES_ITEM: str | None = None


class GoodsMovement(pydantic.BaseModel):
    PSTNG_DATE: str
    DOC_DATE: str
    REF_DOC_NO: str | None = None
    GM_CODE: str
    items: list[GoodsMovementItem]


def gm_pipeline(data: bytes) -> GoodsMovement:
    body = xmltodict.parse(data)["MBGMCR03"]["IDOC"]["E1MBGMCR"]
    items = body["E1BP2017_GM_ITEM_CREATE"]
    return GoodsMovement.model_validate(
        {
            **body["E1BP2017_GM_HEAD_01"],
            "GM_CODE": body["E1BP2017_GM_CODE"]["GM_CODE"],
            "items": items if isinstance(items, list) else [items],
        }
    )


def measure(cases: dict[str, Callable[[], object]], rounds: int, number: int) -> dict[str, float]:
    """Best CPU time per call (seconds) of each case, the cases interleaved round by round."""
    timers = {name: timeit.Timer(fn, timer=time.process_time) for name, fn in cases.items()}
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(number) / number)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--number", type=int, default=100)
    args = parser.parse_args()
    idoc, odata = get("sap-idoc"), get("sap-odata")
    loipro_bytes = loipro()
    order_json = odata_order()
    gm = (ROOT / "idoc_mbgmcr03_goods_issue_261.xml").read_bytes()
    for label, mapper, data, expect in (
        ("LOIPRO05", idoc, loipro_bytes, 1),
        ("A_ProductionOrder_2", odata, order_json, 1),
        ("MBGMCR03", idoc, gm, 2),
    ):
        result = mapper.to_canonical(data, CTX)
        assert not result.rejects, result.rejects
        assert len(result.events) == expect
        first: Any = result.events[0].data
        shape = (
            f"{len(first.operations)} operations, {len(first.material_requirements)} components"
            if hasattr(first, "operations")
            else f"{len(result.events)} movements"
        )
        print(f"{label}: {len(data)} bytes, {shape}")
    assert len(pipeline(loipro_bytes).operations) == 10
    assert len(odata_pipeline(order_json).components) == 20
    groups = {
        "LOIPRO05 (10 ops, 20 comps)": {
            "floor: lxml parse": lambda: etree.fromstring(loipro_bytes),
            "mfgcanon sap-idoc -> event": lambda: idoc.to_canonical(loipro_bytes, CTX),
            "xmltodict + pydantic v2": lambda: pipeline(loipro_bytes),
        },
        "A_ProductionOrder_2 (10 ops, 20 comps)": {
            "floor: msgspec JSON parse": lambda: msgspec.json.decode(order_json),
            "mfgcanon sap-odata -> event": lambda: odata.to_canonical(order_json, CTX),
            "json + pydantic v2": lambda: odata_pipeline(order_json),
        },
        "MBGMCR03 goods issue (2 items)": {
            "floor: lxml parse": lambda: etree.fromstring(gm),
            "mfgcanon sap-idoc -> 2 events": lambda: idoc.to_canonical(gm, CTX),
            "xmltodict + pydantic v2": lambda: gm_pipeline(gm),
        },
    }
    for title, cases in groups.items():
        timings = measure(cases, args.rounds, args.number)
        floor, ours, theirs = timings.values()
        print(f"\n{title}")
        for name, value in timings.items():
            print(f"  {name:<32} {value * 1e6:9.1f} us/doc")
        print(f"  ratio to the floor: {ours / floor:.1f}x (target <= 2x); "
              f"speed-up vs pydantic pipeline: {theirs / ours:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
