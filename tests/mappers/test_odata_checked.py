"""sap-odata builds every entity as plain data checked in one ``msgspec.convert`` pass (see
test_checked_build.py): a bad value nested in a list or a sub-structure must still be rejected, with the
canonical path that names it, and the rest of the batch still mapped."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mfgcanon import codecs
from mfgcanon.mappers import MappingResult, get

from .conftest import sample
from .test_odata import CTX

MAPPER = get("sap-odata")
LONG = "X" * 300
PRODUCT = "odata_product_get_response.json"
STOCK = "odata_material_stock_get_response.json"
ISSUE = "odata_material_document_post_goods_issue_261_request.json"
RECEIPT = "odata_material_document_post_goods_receipt_101_request.json"
CONFIRMATION = "odata_prodnordconf2_post_request.json"
LOT = "odata_inspection_lot_get_response.json"
RESULTS = "odata_inspection_result_get_response.json"
BAPI_RESULTS = "rfc_bapi_inspoper_recordresults_request.json"
BAPI_DECISION = "rfc_bapi_insplot_setusagedecision_request.json"


def _edit(name: str, pointer: str, value: Any) -> bytes:
    """The sample with the value at a JSON pointer replaced (the old value must exist)."""
    data = json.loads(sample(name))
    *parents, last = pointer.strip("/").split("/")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    assert key in node if isinstance(node, dict) else key < len(node), pointer
    node[key] = value
    return json.dumps(data).encode()


def _checked(result: MappingResult) -> None:
    result.assert_balanced()
    for event in result.events:
        codecs.validate(event)


@pytest.mark.parametrize(
    ("name", "pointer", "value", "canonical", "events"),
    [
        # products: descriptions, plant data and unit conversions are lists of nested structs
        (PRODUCT, "/d/to_Description/results/0/Language", LONG, "$.descriptions[0].language", 0),
        (PRODUCT, "/d/to_Plant/results/0/ProductionInvtryManagedLoc", LONG, "$.plant_data[0].storage_location", 0),
        (PRODUCT, "/d/to_ProductUnitsOfMeasure/results/1/QuantityNumerator", "-4", "$.uom_conversions[0].numerator", 0),
        # stock: the location is a nested struct; the other stock record is still mapped
        (STOCK, "/d/results/0/StorageLocation", LONG, "$.location.storage_location", 1),
        # material documents: an issue leaves from, a receipt arrives at, a nested location
        (ISSUE, "/to_MaterialDocumentItem/results/0/StorageLocation", LONG, "$.from_location.storage_location", 1),
        (RECEIPT, "/to_MaterialDocumentItem/results/0/StorageLocation", LONG, "$.to_location.storage_location", 0),
        # confirmations: activities (hook: a time unit), people, and the linked goods movements
        (CONFIRMATION, "/OpWorkQuantityUnit2", "PC", "$.activities[1].duration", 0),
        (CONFIRMATION, "/ExternalSystemConfirmation", LONG, "$.confirmation_id", 0),
        (
            CONFIRMATION,
            "/to_ProdnOrdConfMatlDocItm/results/0/StorageLocation",
            LONG,
            "$.from_location.storage_location",
            2,  # the confirmation and the other movement
        ),
    ],
)
def test_nested_constraint_violations_become_rejects(
    name: str, pointer: str, value: Any, canonical: str, events: int
) -> None:
    result = MAPPER.to_canonical(_edit(name, pointer, value), CTX)
    _checked(result)
    reject, *linked = result.rejects  # a rejected confirmation takes its linked movements with it
    assert all(r.reason.startswith("its confirmation was rejected") for r in linked)
    assert reject.code == "constraint_violation", (reject.code, reject.reason)
    assert reject.location.endswith(f"(canonical {canonical})"), reject.location
    assert len(result.events) == events


def test_confirmation_personnel_is_checked() -> None:
    body = json.loads(sample(CONFIRMATION))
    body["Personnel"] = LONG
    result = MAPPER.to_canonical(body, CTX)
    _checked(result)
    assert not result.events  # the linked movements go down with the confirmation, a reject each
    reject, *linked = result.rejects
    assert (reject.code, reject.location) == ("constraint_violation", "/ (canonical $.personnel_ids[0])")
    assert len(json.loads(reject.payload)["to_ProdnOrdConfMatlDocItm"]["results"]) == 2
    assert [r.location for r in linked] == [f"/to_ProdnOrdConfMatlDocItm/results/{n}" for n in range(2)]


@pytest.mark.parametrize(
    ("parts", "canonical", "records"),
    [
        ([_edit(LOT, "/d/Batch", LONG)], "$.inspected.lot_id", 1),
        (
            [sample(LOT), _edit(RESULTS, "/d/results/1/InspectionCharacteristic", LONG)],
            "$.results[1].characteristic_id",
            3,
        ),
        ([sample(LOT), _edit(BAPI_RESULTS, "/CHAR_RESULTS/0/INSPCHAR", LONG)], "$.results[0].characteristic_id", 3),
        ([sample(LOT), _edit(BAPI_DECISION, "/UD_DATA/UD_RECORDED_BY_USER", LONG)], "$.decided_by", 2),
    ],
)
def test_inspection_parts_are_checked(parts: list[bytes], canonical: str, records: int) -> None:
    """A bad result, decision or lot field rejects the lot with every part joined to it, none lost."""
    result = MAPPER.to_canonical_many(parts, CTX)
    _checked(result)
    assert not result.events
    assert result.records_in == records
    lot, *rest = result.rejects
    assert lot.code == "constraint_violation"
    assert lot.location.endswith(f"/d (canonical {canonical})"), lot.location
    assert all(r.code == "constraint_violation" for r in rest)
    assert all("inspection lot 40000000123 was rejected" in r.reason for r in rest)


def test_inspected_item_hook_runs_on_the_nested_struct() -> None:
    """InspectedItem's own check (at least one key) still runs when it is built from plain data."""
    data = json.loads(sample(LOT))
    for key in ("Material", "Batch", "ManufacturingOrder"):
        data["d"][key] = ""
    result = MAPPER.to_canonical(data, CTX)
    _checked(result)
    (reject,) = result.rejects
    assert (reject.code, reject.location) == ("missing_field", "/d (canonical $.inspected.material_id)")


def test_product_rows_are_stripped_and_a_plant_row_needs_its_plant() -> None:
    """A_Product's description and plant rows are read like every other OData value (stripped), and a
    plant row without Plant is a reject at its pointer, not a plant called 'None' nor a dropped row."""
    doc = json.loads(sample("odata_product_get_response.json"))
    product = doc["d"]["results"][0] if "results" in doc["d"] else doc["d"]
    product["to_Description"]["results"][0]["ProductDescription"] = "  Pump housing  "
    product["to_Plant"]["results"][0]["MRPResponsible"] = " 001 "
    (event,) = get("sap-odata").to_canonical(json.dumps(doc).encode(), CTX).events
    assert event.data.descriptions[0].text == "Pump housing"
    assert event.data.plant_data[0].mrp_controller == "001"
    del product["to_Plant"]["results"][0]["Plant"]
    result = get("sap-odata").to_canonical(json.dumps(doc).encode(), CTX)
    result.assert_balanced()
    assert not result.events
    (reject,) = result.rejects
    assert reject.code == "missing_field"
    assert reject.location.endswith("/to_Plant/results/0/Plant"), reject.location


def test_a_navigation_item_that_is_not_an_object_is_rejected_at_its_position() -> None:
    doc = json.loads(sample("odata_production_order_2_get_response.json"))
    doc["d"]["results"][0]["to_ProductionOrderOperation"]["results"].insert(1, "garbled")
    result = get("sap-odata").to_canonical(json.dumps(doc).encode(), CTX)
    result.assert_balanced()
    (reject,) = result.rejects
    assert reject.code == "type_mismatch"
    assert reject.location.endswith("/to_ProductionOrderOperation/results/1"), reject.location


def test_linked_goods_movements_go_down_with_their_confirmation() -> None:
    """ProdnOrdConf2 and its to_ProdnOrdConfMatlDocItm are posted together: a rejected confirmation takes
    its linked movements with it, one reject each, so the record count does not depend on the outcome."""
    doc = json.loads(sample("odata_prodnordconf2_post_request.json"))
    linked = doc["to_ProdnOrdConfMatlDocItm"]
    items = linked["results"] if isinstance(linked, dict) else linked
    assert items
    good = get("sap-odata").to_canonical(json.dumps(doc).encode(), CTX)
    assert not good.rejects
    doc["ConfirmationYieldQuantity"] = "ninety-eight"
    bad = get("sap-odata").to_canonical(json.dumps(doc).encode(), CTX)
    bad.assert_balanced()
    assert not bad.events
    assert bad.records_in == good.records_in == 1 + len(items)
    first, *rest = bad.rejects
    assert first.location == "/ConfirmationYieldQuantity", first.location
    assert [r.location.rpartition("/")[2] for r in rest] == [str(n) for n in range(len(items))]
    assert all(r.reason.startswith("its confirmation was rejected") for r in rest)


def test_material_document_item_that_is_not_an_object_is_rejected_alone() -> None:
    doc = json.loads(sample("odata_material_document_post_goods_issue_261_request.json"))
    items = doc["to_MaterialDocumentItem"]
    listed = items["results"] if isinstance(items, dict) else items
    listed.append(7)
    result = MAPPER.to_canonical(json.dumps(doc).encode(), CTX)
    result.assert_balanced()
    assert len(result.events) == len(listed) - 1  # the good items still convert
    (reject,) = result.rejects
    assert reject.code == "type_mismatch"
    assert reject.location.startswith("/to_MaterialDocumentItem/")
    assert reject.location.endswith(f"/{len(listed) - 1}"), reject.location
