"""sap-odata maps plain production-order responses through typed structs (:mod:`mfgcanon.mappers.sap.odata_typed`)
and everything else through the checked reader: whichever answers, the result is the same, byte for byte, and
the fast path never answers a payload the checked reader rejects or warns about."""

from __future__ import annotations

import copy
import json
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfgcanon.mappers import MappingContext, get
from mfgcanon.mappers.sap import odata_typed

from . import fast_path
from .conftest import FIXTURES

MAPPER = get("sap-odata")
EXAMPLES = Path(__file__).parents[2] / "examples" / "sap"
SAMPLES = sorted(
    [*FIXTURES.glob("odata_*.json"), *FIXTURES.glob("rfc_*.json"), *EXAMPLES.glob("odata_*.json")],
    key=lambda p: (p.name, str(p)),
)
RECEIVED = datetime(2024, 1, 17, 12, tzinfo=UTC)
CONTEXTS = {
    "plants": MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"}),
    "zeros+received": MappingContext.build(
        source_system="S4H-100", default_timezone="UTC", options={"keep_leading_zeros": True}, received_at=RECEIVED
    ),
    "no zone": MappingContext.build(source_system="S4H-100"),
    "aliases": MappingContext.build(
        source_system="S4H-100", plants={"1710": "Europe/Berlin"}, units={"PC": "EA", "MIN": "HUR"}
    ),
}
ORDER = (EXAMPLES / "odata_production_order_2_get_response.json").read_bytes()


def checked_only() -> AbstractContextManager[None]:
    """The checked reader alone (the fast path declines every payload)."""
    return fast_path.checked_only(odata_typed, "try_orders")


_dump = fast_path.dump


def _agree(doc: bytes | str, ctx: MappingContext) -> bool:
    return fast_path.agree(MAPPER, odata_typed, "try_orders", doc, ctx)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("name", list(CONTEXTS))
def test_samples_agree(path: Path, name: str) -> None:
    doc = path.read_bytes()
    answered = _agree(doc, CONTEXTS[name])
    _agree(doc.decode(), CONTEXTS[name])
    if path.name == "odata_production_order_2_get_response.json" and name != "no zone":
        assert answered, "the plain production order is answered by the fast path"
    if "A_ProductionOrder_2Type" not in doc.decode():
        assert not answered


def test_bigger_order_agrees_and_is_answered() -> None:
    """An order with many operations and components, sub-operations, statuses and a sales order."""
    doc = json.loads(ORDER)
    order = doc["d"]["results"][0]
    op0 = order["to_ProductionOrderOperation"]["results"][0]
    comp0 = order["to_ProductionOrderComponent"]["results"][0]
    ops = []
    for n in range(40):
        op = copy.deepcopy(op0)
        op["ManufacturingOrderOperation"] = f"{(n + 1) * 10:04d}"
        op["OpErlstSchedldExecEndTme"] = f"PT{6 + n % 12:02d}H{n % 60:02d}M00S"
        op["WorkCenterStandardWorkQty3"] = str(n % 3)
        op["WorkCenterStandardWorkQtyUnit3"] = "H"
        op["OperationIsConfirmed"] = "X" if n % 4 == 0 else ""
        if n % 5 == 1:
            op["ManufacturingOrderSubOperation"] = "0001"
        ops.append(op)
    comps = []
    for n in range(80):
        comp = copy.deepcopy(comp0)
        comp["ReservationItem"] = str(n + 1)
        comp["Material"] = f"{n:018d}" if n % 3 == 0 else f"RM-{n}"
        comp["RequiredQuantity"] = f"{n}.5"
        comp["MaterialComponentIsPhantomItem"] = n % 7 == 0
        comp["MatlCompRequirementDate"] = f"/Date({1705363200000 + n * 86_400_000})/"
        comps.append(comp)
    order["to_ProductionOrderOperation"]["results"] = ops
    order["to_ProductionOrderComponent"]["results"] = comps
    order["SalesOrder"], order["SalesOrderItem"] = "0000004711", "000010"
    second = copy.deepcopy(order)
    second["ManufacturingOrder"] = "1000124"
    second["to_ProductionOrderStatus"] = {"results": []}
    second["OrderIsReleased"], second["OrderIsTechnicallyCompleted"] = "", "X"
    doc["d"]["results"].append(second)
    data = json.dumps(doc).encode()
    for ctx in CONTEXTS.values():
        answered = _agree(data, ctx)
        assert answered == (ctx is not CONTEXTS["no zone"])
    events = MAPPER.to_canonical(data, CONTEXTS["plants"]).events
    assert [len(e.data.operations) for e in events] == [40, 40]
    assert events[0].data.sales_order_id == "4711/10"


ODD_VALUES: list[Any] = [
    None, "", " ", "  X ", "X", True, False, 0, 1, 1.5, -1, "-1", "1.500-", "1e3", "0", "0.000", "000", "0010",
    "abc", " padded ", "x" * 70, "x" * 300, [], {}, {"results": []}, {"__deferred": {"uri": "x"}}, {"results": {}},
    [{"a": 1}], "/Date(0)/", "/Date(1705363200000+0060)/", "/Date(253402300800000)/", "/Date(-99999999999999)/",
    "/Date(x)/", "PT24H00M00S", "PT25H", "PT", "PT06H00M00S", "20240115071502", "99999999999999", "ZZZ", "KG",
    "MIN", "PCE", "\u00a0", "I0002", "I0045", "REL", "TECO", "A_ProductionOrder_2Type", "Order",
]
RECORD_KEYS = {
    "order": ["ManufacturingOrder", "ProductionPlant", "Plant", "Material", "TotalQuantity", "ProductionUnit",
              "ProductionUnitISOCode", "ProductionUnitSAPCode", "MfgOrderPlannedScrapQty", "LastChangeDateTime",
              "MfgOrderPlannedStartDate", "MfgOrderPlannedStartTime", "MfgOrderScheduledEndTime",
              "MfgOrderActualReleaseDate", "MfgOrderCreationDate", "CompanyCode", "StorageLocation", "SalesOrder",
              "SalesOrderItem", "OrderIsReleased", "OrderIsClosed", "ManufacturingOrderImportance",
              "to_ProductionOrderStatus", "to_ProductionOrderItem", "to_ProductionOrderOperation",
              "to_ProductionOrderComponent", "__metadata", "ManufacturingOrderType", "MRPController"],
    "operation": ["ManufacturingOrderOperation", "ManufacturingOrderSubOperation", "ManufacturingOrderSequence",
                  "WorkCenterStandardWorkQty1", "WorkCenterStandardWorkQtyUnit1", "WorkCenterStandardWorkQty4",
                  "OperationIsReleased", "OperationIsConfirmed", "OpErlstSchedldExecStrtDte",
                  "OpErlstSchedldExecEndTme", "OpActualExecutionStartDate", "OpActualExecutionStartTime",
                  "OperationUnit", "OpPlannedTotalQuantity", "OrderIntBillOfOperationsItem", "WorkCenter",
                  "OperationControlProfile", "WorkCenterInternalID"],
    "component": ["Material", "RequiredQuantity", "BaseUnit", "BaseUnitISOCode", "Reservation", "ReservationItem",
                  "Plant", "StorageLocation", "MatlCompRequirementDate", "MatlCompIsMarkedForBackflush",
                  "MaterialComponentIsPhantomItem", "BillOfMaterialItemNumber", "GoodsMovementType", "Batch"],
    "status": ["StatusCode", "IsUserStatus", "StatusShortName"],
    "item": ["Batch"],
    "body": ["d", "error", "__next", "extra"],
}


def _records(doc: dict[str, Any], where: str) -> list[dict[str, Any]]:
    if where == "body":
        return [doc]
    inner = doc.get("d")
    found_orders = inner.get("results") if isinstance(inner, dict) else None
    if not isinstance(found_orders, list) or not found_orders or not isinstance(found_orders[0], dict):
        return []
    order = found_orders[0]
    if where == "order":
        return [order]
    nav = {"operation": "to_ProductionOrderOperation", "component": "to_ProductionOrderComponent",
           "status": "to_ProductionOrderStatus", "item": "to_ProductionOrderItem"}[where]
    holder = order.get(nav)
    found = holder.get("results") if isinstance(holder, dict) else None
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(sorted(RECORD_KEYS)), st.integers(0, 3), st.integers(0, 100),
                       st.one_of(st.just("delete"), st.sampled_from(ODD_VALUES))), min_size=1, max_size=3),
    st.sampled_from(sorted(CONTEXTS)),
    st.booleans(),
)
def test_mutated_orders_agree(changes: list[tuple[str, int, int, Any]], name: str, as_text: bool) -> None:
    doc = json.loads(ORDER)
    for where, index, key_index, value in changes:
        records = _records(doc, where)
        if not records:
            continue
        record = records[index % len(records)]
        keys = RECORD_KEYS[where]
        key = keys[key_index % len(keys)]
        if value == "delete":
            record.pop(key, None)
        else:
            record[key] = copy.deepcopy(value)
    data = json.dumps(doc)
    _agree(data if as_text else data.encode(), CONTEXTS[name])


def test_mutations_reach_the_fast_path() -> None:
    """The mutation test is not vacuous: single odd values of many fields are still answered by the fast path
    (and agree), others fall back."""
    answered = declined = 0
    for where in ("order", "operation", "component"):
        for key in RECORD_KEYS[where]:
            for value in (" padded ", "0010", "", None, 1):
                doc = json.loads(ORDER)
                _records(doc, where)[0][key] = value
                if _agree(json.dumps(doc).encode(), CONTEXTS["plants"]):
                    answered += 1
                else:
                    declined += 1
    assert answered > 50, (answered, declined)
    assert declined > 20, (answered, declined)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"TotalQuantity": "-5"}, "negative quantity: rejected by the checked reader"),
        ({"TotalQuantity": 100}, "a JSON number: read by the checked reader"),
        ({"ProductionUnit": "ZZZ", "ProductionUnitISOCode": "", "ProductionUnitSAPCode": ""}, "unknown unit"),
        ({"ManufacturingOrderType": "x" * 65}, "too long for a Code"),
        ({"LastChangeDateTime": "", "MfgOrderCreationDate": None}, "no event time: a warning"),
        ({"MfgOrderPlannedStartTime": "PT25H"}, "not a time of day"),
        ({"__metadata": {"type": "Other"}}, "detected by its properties"),
    ],
)
def test_odd_orders_fall_back(change: dict[str, Any], why: str) -> None:
    doc = json.loads(ORDER)
    doc["d"]["results"][0].update(change)
    data = json.dumps(doc).encode()
    assert odata_typed.try_orders(data, CONTEXTS["plants"]) is None, why
    _agree(data, CONTEXTS["plants"])


def test_paged_response_keeps_its_continuation() -> None:
    doc = json.loads(ORDER)
    doc["d"]["__next"] = "https://s4h.example.com/next?$skiptoken=10"
    data = json.dumps(doc).encode()
    assert odata_typed.try_orders(data, CONTEXTS["plants"]) is None
    result = MAPPER.to_canonical(data, CONTEXTS["plants"])
    assert result.continuation == "https://s4h.example.com/next?$skiptoken=10"
    assert len(result.events) == 1


def test_caches_are_per_context_bounded_and_dropped() -> None:
    """Conversions are cached per live context and plant (a context's unit aliases never leak into another's),
    bounded in size, and dropped with their context."""
    import gc

    data = ORDER
    first = MappingContext.build(source_system="S4H-100", plants={"1710": "UTC"})
    second = MappingContext.build(source_system="S4H-100", plants={"1710": "UTC"}, units={"PC": "EA"})
    for ctx in (first, second, first):
        assert _agree(data, ctx)
    assert MAPPER.to_canonical(data, first).events[0].data.planned_quantity.uom == "H87"
    assert MAPPER.to_canonical(data, second).events[0].data.planned_quantity.uom == "EA"
    key = id(second)
    assert key in odata_typed._DOCS
    with mock.patch.object(odata_typed, "_DOC_SIZE", 5):  # starts afresh on every order: same result
        assert _agree(data, second)
    del second
    gc.collect()
    assert key not in odata_typed._DOCS or odata_typed._DOCS[key][0]() is not None
