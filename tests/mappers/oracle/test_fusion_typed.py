"""oracle-fusion maps plain ``workOrders`` collections through typed structs
(:mod:`mfgcanon.mappers.oracle.fusion_typed`) and everything else through the checked reader: whichever answers,
the result is the same, byte for byte, and the fast path never answers a payload the checked reader rejects or
warns about."""

from __future__ import annotations

import copy
import json
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfgcanon.mappers import MappingContext, get
from mfgcanon.mappers.oracle import fusion_typed

from .. import fast_path
from .conftest import FIXTURES, make_context

MAPPER = get("oracle-fusion")
EXAMPLES = Path(__file__).parents[3] / "examples" / "oracle"
SAMPLES = sorted([*FIXTURES.glob("*.json"), *EXAMPLES.glob("*.json")], key=lambda p: (p.name, str(p)))
CONTEXTS = {
    "plain": make_context(),
    "no received time": make_context(received_at=None),
    "no zone": make_context(plants={}, received_at=None),
    "aliases": make_context(units={"Ea": "H87", "MIN": "HUR"}),
    "codes": make_context(codes={
        "oracle.work_order_system_statuses": {"RELEASED": "in_progress"},
        "oracle.supply_types": {"PUSH": "bulk", "OPERATION_PULL": "phantom"},
        "oracle.priorities": {"10": "900"},
    }),
    "bad codes": make_context(codes={"oracle.supply_types": {"PUSH": "shoved"}}),
    "bad priority": make_context(codes={"oracle.priorities": {"10": "high"}}),
}
ORDER = (EXAMPLES / "workorders_get_response.json").read_bytes()


def checked_only() -> AbstractContextManager[None]:
    """The checked reader alone (the fast path declines every payload)."""
    return fast_path.checked_only(fusion_typed, "try_work_orders")


_dump = fast_path.dump


def _agree(doc: bytes | str, ctx: MappingContext) -> bool:
    return fast_path.agree(MAPPER, fusion_typed, "try_work_orders", doc, ctx)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("name", list(CONTEXTS))
def test_samples_agree(path: Path, name: str) -> None:
    doc = path.read_bytes()
    answered = _agree(doc, CONTEXTS[name])
    _agree(doc.decode(), CONTEXTS[name])
    if path.name == "workorders_get_response.json" and name in ("plain", "aliases", "codes"):
        assert answered, "the plain work order collection is answered by the fast path"
    if not path.name.startswith("workorders_get"):
        assert not answered


def _grown(operations: int, materials: int) -> dict[str, Any]:
    doc = json.loads(ORDER)
    wo = doc["items"][0]
    template = wo["WorkOrderOperation"][0]
    ops = []
    for n in range(operations):
        op = copy.deepcopy(template)
        op["OperationSequenceNumber"] = 10 * (n + 1)
        op["WorkOrderOperationId"] = 300100571234010 + n
        op["WorkOrderOperationMaterial"] = []
        op["PlannedStartDate"] = f"2024-01-16T{6 + n % 8:02d}:00:00+00:00"
        op["ActualStartDate"] = "2024-01-16T07:00:00" if n % 3 == 0 else None  # naive: the plant's zone
        op["CompletedQuantity"] = n
        op["ScrappedQuantity"] = Decimal("0.50") if n % 2 else 0
        op["AutoTransactFlag"] = "Y" if n % 4 == 0 else False
        ops.append(op)
    for m in range(materials):
        line = copy.deepcopy(template["WorkOrderOperationMaterial"][m % 2])
        line["MaterialSequenceNumber"] = 10 * (m // operations + 1)
        line["InventoryItemNumber"] = f"RM-{2001 + m}"
        line["RequiredQuantity"] = Decimal(f"{m}.250") if m % 3 else m
        line["IssuedQuantity"] = Decimal("1.0") if m % 5 == 0 else None
        line["SupplyType"] = ["PUSH", "OPERATION_PULL", "ASSEMBLY_PULL", "PHANTOM", "ACME"][m % 5]
        line["SupplyLocator"] = "L1" if m % 4 == 0 else None
        ops[m % operations]["WorkOrderOperationMaterial"].append(line)
    wo["WorkOrderOperation"] = {"items": ops} if operations % 2 else ops
    wo["WorkOrderMaterial"] = [copy.deepcopy(template["WorkOrderOperationMaterial"][1])]
    wo["LastUpdateDate"] = "2024-01-15T07:20:00+00:00"
    wo["CompletionLocator"] = "L-9"
    wo["ExplosionFlag"] = "N"
    second = copy.deepcopy(wo)
    second["WorkOrderNumber"] = "M1-1002"
    second["WorkOrderId"] = "300100571234002"
    second["WorkOrderSystemStatusCode"] = "COMPLETED"
    second["WorkOrderStatusCode"] = None
    doc["items"].append(second)
    return doc


def _dumps(doc: Any) -> str:
    return json.dumps(doc, default=str)


def test_bigger_orders_agree_and_are_answered() -> None:
    data = _dumps(_grown(10, 20)).encode()
    for name, ctx in CONTEXTS.items():
        answered = _agree(data, ctx)
        assert answered == (name in ("plain", "aliases", "codes", "no received time")), name
    events = MAPPER.to_canonical(data, CONTEXTS["plain"]).events
    assert [len(e.data.operations) for e in events] == [10, 10]
    assert [len(e.data.material_requirements) for e in events] == [21, 21]
    assert _agree(_dumps(_grown(3, 7)), CONTEXTS["plain"])


ODD_VALUES: list[Any] = [
    None, "", " ", " Y ", "N", "true", "maybe", True, False, 0, 1, -1, 10, 1.5, "1.5", " 2 ", "-3", "1e3", "NaN",
    1e30, 123456789012345678901234567890, "x" * 70, "x" * 300, [], {}, {"items": []}, {"items": {}}, [{"a": 1}],
    "2024-01-16T06:00:00+00:00", "2024-01-16T06:00:00", "2024-01-16", "20240116", "2024-13-01", "   ",
    "Ea", "Each", "kg", "MIN", "ZZZ", "RELEASED", "ORA_RELEASED", "CLOSED", "PUSH", "PHANTOM", "LABOR", "EQUIPMENT",
    "M1", "M2",
]
RECORD_KEYS = {
    "order": ["WorkOrderId", "WorkOrderNumber", "OrganizationCode", "OrganizationId", "ItemNumber", "UOMCode",
              "UnitOfMeasure", "PlannedStartQuantity", "CompletedQuantity", "ScrappedQuantity", "RejectedQuantity",
              "WorkOrderStatusCode", "WorkOrderSystemStatusCode", "WorkOrderStatusName", "WorkOrderType",
              "WorkOrderSubType", "WorkOrderPriority", "PlannedStartDate", "PlannedCompletionDate",
              "ActualStartDate", "ReleasedDate", "ClosedDate", "LastUpdateDate", "CreationDate",
              "CompletionSubinventoryCode", "CompletionLocator", "WorkDefinitionCode", "CanceledReason",
              "ExplosionFlag", "WorkOrderOperation", "WorkOrderMaterial", "WorkOrderOutput",
              "OperationTransactionDetail", "TransactionTypeName", "WorkOrderDescription"],
    "operation": ["OperationSequenceNumber", "WorkOrderOperationId", "OperationName", "StandardOperationCode",
                  "OperationDescription", "WorkCenterCode", "CountPointOperationFlag", "AutoTransactFlag",
                  "PlannedStartDate", "PlannedCompletionDate", "ActualStartDate", "ActualCompletionDate",
                  "CompletedQuantity", "ScrappedQuantity", "WorkOrderOperationMaterial",
                  "WorkOrderOperationResource", "WorkOrderOperationOutput"],
    "material": ["InventoryItemNumber", "UOMCode", "UnitOfMeasure", "RequiredQuantity", "IssuedQuantity",
                 "MaterialSequenceNumber", "SupplyType", "SupplySubinventory", "SupplyLocator"],
    "resource": ["UsageUOMCode", "RequiredUsage", "ResourceType", "ResourceCode"],
    "body": ["items", "count", "hasMore", "links", "offset", "extra"],
}


def _records(doc: dict[str, Any], where: str) -> list[dict[str, Any]]:
    if where == "body":
        return [doc]
    found = doc.get("items")
    if not isinstance(found, list) or not found or not isinstance(found[0], dict):
        return []
    if where == "order":
        return [found[0]]
    ops = found[0].get("WorkOrderOperation")
    ops = [o for o in ops if isinstance(o, dict)] if isinstance(ops, list) else []
    if where == "operation":
        return ops
    nav = {"material": "WorkOrderOperationMaterial", "resource": "WorkOrderOperationResource"}[where]
    return [r for o in ops if isinstance(o.get(nav), list) for r in o[nav] if isinstance(r, dict)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.sampled_from(sorted(RECORD_KEYS)), st.integers(0, 3), st.integers(0, 100),
                       st.one_of(st.just("delete"), st.sampled_from(ODD_VALUES))), min_size=1, max_size=3),
    st.sampled_from(sorted(CONTEXTS)),
    st.booleans(),
)
def test_mutated_work_orders_agree(changes: list[tuple[str, int, int, Any]], name: str, as_text: bool) -> None:
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
    for where in ("order", "operation", "material", "resource"):
        for key in RECORD_KEYS[where]:
            for value in (" padded ", "10", "", None, 1, "2024-01-16T06:00:00"):
                doc = json.loads(ORDER)
                _records(doc, where)[0][key] = value
                if _agree(json.dumps(doc).encode(), CONTEXTS["plain"]):
                    answered += 1
                else:
                    declined += 1
    assert answered > 80, (answered, declined)
    assert declined > 40, (answered, declined)


def _changed(**change: Any) -> bytes:
    doc = json.loads(ORDER)
    doc["items"][0].update(change)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"PlannedStartQuantity": -5}, "negative quantity: rejected by the checked reader"),
        ({"PlannedStartQuantity": None}, "no quantity: rejected"),
        ({"UOMCode": "ZZZ"}, "unknown unit"),
        ({"UOMCode": None, "UnitOfMeasure": None}, "the unit from the lookup table"),
        ({"OrganizationCode": None}, "the organization from the lookup table"),
        ({"WorkOrderType": "x" * 65}, "too long for a Code"),
        ({"CreationDate": "yesterday"}, "a bad creation date is refused even with a change date"),
        ({"WorkOrderOutput": [{"ItemNumber": "BY-1", "OutputQuantity": 1, "UOMCode": "Ea"}]}, "outputs"),
        ({"WorkOrderOutput": {}}, "not a list: refused"),
        ({"PlannedStartDate": "2024-01-17T06:00:00+00:00"}, "ends before it starts"),
        ({"WorkOrderId": 1.5}, "a fraction for an id"),
    ],
)
def test_odd_work_orders_fall_back(change: dict[str, Any], why: str) -> None:
    data = _changed(**change)
    assert fusion_typed.try_work_orders(data, CONTEXTS["plain"]) is None, why
    _agree(data, CONTEXTS["plain"])


def test_equal_numbers_of_another_spelling_stay_apart() -> None:
    """``1``, ``1.0`` and ``1.00`` are equal decimals: each quantity keeps its own spelling (the conversion
    cache is keyed by the text)."""
    doc = _grown(3, 3)
    lines = [m for op in doc["items"][0]["WorkOrderOperation"]["items"] for m in op["WorkOrderOperationMaterial"]]
    for line, value in zip(lines, ("1", "1.0", "1.00"), strict=True):
        line["RequiredQuantity"], line["UOMCode"] = Decimal(value), "Ea"
    data = _dumps(doc)
    assert _agree(data, CONTEXTS["plain"])
    order = MAPPER.to_canonical(data, CONTEXTS["plain"]).events[0].data
    assert [str(m.quantity.value) for m in order.material_requirements[:3]] == ["1", "1.0", "1.00"]


def test_paged_collection_keeps_its_continuation() -> None:
    doc = json.loads(ORDER)
    doc["hasMore"] = True
    assert _agree(json.dumps(doc), CONTEXTS["plain"])
    assert MAPPER.to_canonical(json.dumps(doc), CONTEXTS["plain"]).continuation == "offset=1"
    doc["links"].append({"rel": "next", "href": "https://h/workOrders?offset=25"})
    assert _agree(json.dumps(doc), CONTEXTS["plain"])
    assert MAPPER.to_canonical(json.dumps(doc), CONTEXTS["plain"]).continuation == "https://h/workOrders?offset=25"
    doc["totalResults"] = 40  # asked for with totalResults=true
    assert _agree(json.dumps(doc), CONTEXTS["plain"])
    doc["@odata.nextLink"] = "https://h/other"
    assert not _agree(json.dumps(doc), CONTEXTS["plain"])


def test_context_code_lists_are_read_as_the_checked_reader_reads_them() -> None:
    """A connection's own lists (``[codes."oracle.<list>"]``) change statuses, supply types and priorities on
    the fast path as on the checked one; a bad entry falls back, and the checked reader rejects naming it."""
    order = MAPPER.to_canonical(ORDER, CONTEXTS["codes"]).events[0].data
    assert (order.status.value, order.priority) == ("in_progress", 900)
    assert [m.supply_type.value for m in order.material_requirements] == ["bulk", "phantom"]
    assert fusion_typed.try_work_orders(ORDER, CONTEXTS["bad codes"]) is None
    result = MAPPER.to_canonical(ORDER, CONTEXTS["bad codes"])
    assert [r.code for r in result.rejects] == ["invalid_context"]


def test_caches_are_per_context_bounded_and_dropped() -> None:
    """Conversions are cached per live context (a context's unit aliases never leak into another's), bounded
    in size, and dropped with their context."""
    import gc

    first = make_context()
    second = make_context(units={"Ea": "H87"})
    for ctx in (first, second, first):
        assert _agree(ORDER, ctx)
    assert MAPPER.to_canonical(ORDER, first).events[0].data.planned_quantity.uom == "EA"
    assert MAPPER.to_canonical(ORDER, second).events[0].data.planned_quantity.uom == "H87"
    key = id(second)
    assert key in fusion_typed._DOCS
    with mock.patch.object(fusion_typed, "_DOC_SIZE", 5):  # starts afresh on every document: same result
        assert _agree(ORDER, second)
    del second
    gc.collect()
    assert key not in fusion_typed._DOCS or fusion_typed._DOCS[key][0]() is not None
