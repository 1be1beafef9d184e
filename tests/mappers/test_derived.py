"""The SAP mappers emit the holds and genealogy links of mfgcanon.v1.derive (docs/derivations.md): restricted
batches, posted status changes into blocked or quality-inspection stock and usage decisions give
quality.hold_placed / hold_released; the issues and receipts of an order in one mapping call give
genealogy.linked. Derived events follow their origin in the same MappingResult and are counted in
``derived``, never as records in. Also: lot and received-batch dates as dates."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, MappingResult, PayloadMeta, get
from mfgcanon.mappers._base import map_payloads
from mfgcanon.v1 import derive
from mfgcanon.v1.events import GenealogyLinked, QualityHoldPlaced, QualityHoldReleased
from mfgcanon.v1.inventory import MaterialMovement
from mfgcanon.v1.lot import GenealogyRelationship, LotItem, MaterialLot
from mfgcanon.v1.quality import Nonconformance, QualityInspection

from .conftest import sample

IDOC = get("sap-idoc")
ODATA = get("sap-odata")
RECEIVED = datetime(2024, 1, 20, 12, tzinfo=UTC)
CTX = MappingContext.build(
    source_system="S4H-100",
    plants={"1710": "America/Los_Angeles"},
    system_timezone="UTC",
    options={"default_plant": "1710"},
    received_at=RECEIVED,
)
DERIVED = (QualityHoldPlaced, QualityHoldReleased, GenealogyLinked)
RFC_DECISION = "rfc_bapi_insplot_setusagedecision_request.json"


def _ok(result: MappingResult) -> MappingResult:
    """No rejects, the counts balance, every event validates, and ``derived`` counts exactly the derived events."""
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    result.assert_balanced()
    for event in result.events:
        assert codecs.validate(event) == event
    assert result.derived == sum(isinstance(e, DERIVED) for e in result.events)
    return result


def _holds(result: MappingResult) -> list[Nonconformance]:
    return [e.data for e in result.events if isinstance(e, QualityHoldPlaced | QualityHoldReleased)]


def _links(result: MappingResult) -> list[Any]:
    return [e.data for e in result.events if isinstance(e, GenealogyLinked)]


def _restricted_batmas(**control: str | None) -> bytes:
    doc = sample("idoc_batmas03_batch.xml").replace(b"<RESTRICTED/>", b"<RESTRICTED>X</RESTRICTED>")
    for name, value in control.items():
        start, end = doc.index(f"<{name}>".encode()), doc.index(f"</{name}>".encode()) + len(name) + 3
        doc = doc[:start] + (f"<{name}>{value}</{name}>".encode() if value is not None else b"") + doc[end:]
    return doc


def _odata_batch(**fields: Any) -> bytes:
    body = json.loads(sample("odata_batch_get_response.json"))
    body["d"].update({"BatchIsRestricted": True, "BatchIdentifyingPlant": "1710"})
    for name, value in fields.items():
        if value is None:
            body["d"].pop(name, None)
        else:
            body["d"][name] = value
    return json.dumps(body).encode()


# batches -----------------------------------------------------------------------------------------------------


def test_a_restricted_batmas_places_a_hold_at_the_idoc_creation_time() -> None:
    result = _ok(IDOC.to_canonical(_restricted_batmas(), CTX))
    lot_event, hold_event = result.events
    assert isinstance(hold_event, QualityHoldPlaced)
    assert (result.records_in, result.converted, result.derived) == (1, 1, 1)  # the hold is no record in
    hold = hold_event.data
    assert hold.hold is not None
    assert hold.hold.is_active
    assert hold.hold.placed_at == datetime(2024, 1, 16, 18, 47, tzinfo=UTC)  # CREDAT/CRETIM in system_timezone
    assert hold.hold.reason_code == "lot_restricted"
    assert hold.affected.material_id == "FG-1000"
    assert hold.affected.lot_id == "FG24011601"
    assert hold.nonconformance_id == derive.hold_id("1710", material_id="FG-1000", lot_id="FG24011601")
    assert hold_event.causationid == str(lot_event.id)
    assert hold_event.id != lot_event.id
    assert [hold] == derive.holds_from_lot(lot_event.data, at=hold.hold.placed_at)  # derive's value, not a copy


def test_an_unrestricted_batch_derives_nothing() -> None:
    for result in (IDOC.to_canonical(sample("idoc_batmas03_batch.xml"), CTX),
                   ODATA.to_canonical(sample("odata_batch_get_response.json"), CTX)):
        assert len(_ok(result).events) == 1
        assert result.derived == 0


def test_a_restricted_batch_without_its_own_time_derives_no_hold_and_warns() -> None:
    """The received time stands in for the event time, never for the hold's time."""
    result = _ok(IDOC.to_canonical(_restricted_batmas(CREDAT=None, CRETIM=None), CTX))
    assert [type(e).__name__ for e in result.events] == ["LotUpserted"]
    assert any("no quality.hold_placed derived" in w for w in result.warnings)
    odata = _ok(ODATA.to_canonical(_odata_batch(LastChangeDateTime=None), CTX))
    assert len(odata.events) == 1
    assert any("no quality.hold_placed derived" in w for w in odata.warnings)


def test_a_restricted_odata_batch_places_a_hold_at_its_last_change() -> None:
    result = _ok(ODATA.to_canonical(_odata_batch(), CTX))
    (hold,) = _holds(result)
    assert hold.hold is not None
    assert hold.hold.placed_at == datetime(2024, 1, 16, 18, 45, tzinfo=UTC)
    idoc_hold = _holds(IDOC.to_canonical(_restricted_batmas(), CTX))[0]
    assert hold.nonconformance_id == idoc_hold.nonconformance_id  # one hold, whichever channel says it


def test_a_restricted_cross_plant_batch_names_no_plant_to_key_a_hold_by() -> None:
    result = _ok(ODATA.to_canonical(_odata_batch(BatchIdentifyingPlant=""), CTX))
    assert len(result.events) == 1
    assert any("names no plant" in w for w in result.warnings)


# stock status changes ----------------------------------------------------------------------------------------


def _document(*items: dict[str, Any], document: str = "4900001234") -> bytes:
    """The material document GET sample with its item replaced by ``items`` (each an edit of the sample item)."""
    body = json.loads(sample("odata_material_document_get_response.json"))
    base = body["d"]["results"][0]
    rows = []
    for number, edits in enumerate(items, start=1):
        row = copy.deepcopy(base)
        row.update({"MaterialDocument": document, "MaterialDocumentItem": str(number)}, **edits)
        row["to_MaterialDocumentHeader"]["MaterialDocument"] = document
        rows.append(row)
    body["d"]["results"] = rows
    return json.dumps(body).encode()


def _change(bwart: str, own: str = "", other: str = "") -> dict[str, Any]:
    return {"GoodsMovementType": bwart, "InventoryStockType": own, "IssuingOrReceivingStockType": other,
            "ManufacturingOrder": "", "Reservation": "", "ReservationItem": "0"}


def test_a_posted_status_change_into_blocked_stock_places_a_hold_after_its_movement() -> None:
    result = _ok(ODATA.to_canonical(_document(_change("344", "01", "07")), CTX))
    moved, placed = result.events
    assert isinstance(moved.data, MaterialMovement)
    assert isinstance(placed, QualityHoldPlaced)
    assert placed.data.hold is not None
    assert placed.data.hold.reason_code == "stock_blocked"
    assert placed.data.hold.placed_at == moved.data.occurred_at
    assert placed.causationid == str(moved.id)
    assert [placed.data] == derive.holds_from_movement(moved.data)


def test_status_changes_place_and_release_as_derive_says() -> None:
    expected = {"321": False, "343": False, "344": True, "349": True, "350": True, "322": True}  # 322: reversal
    for bwart, active in expected.items():
        (hold,) = _holds(_ok(ODATA.to_canonical(_document(_change(bwart)), CTX)))
        assert hold.hold is not None, bwart
        assert hold.hold.is_active is active, bwart


def test_requests_derive_no_hold() -> None:
    """A POST body and an MBGMCR ask SAP to post: no stock has moved yet (derive counts posted facts only)."""
    body = json.loads(sample("odata_material_document_post_goods_issue_261_request.json"))
    body["to_MaterialDocumentItem"]["results"][0].update(_change("344"))
    assert _ok(ODATA.to_canonical(json.dumps(body).encode(), CTX)).derived == 0
    doc = sample("idoc_mbgmcr03_goods_issue_261.xml").replace(b"<MOVE_TYPE>261</MOVE_TYPE>",
                                                              b"<MOVE_TYPE>344</MOVE_TYPE>")
    result = _ok(IDOC.to_canonical(doc, CTX))
    assert result.events
    assert result.derived == 0


@settings(max_examples=40, deadline=None)
@given(bwart=st.sampled_from(["101", "261", "311", "321", "322", "343", "344", "349", "350", "551", "553", "999"]),
       own=st.sampled_from(["", "01", "02", "07"]), other=st.sampled_from(["", "01", "02", "07"]))
def test_every_movement_derives_exactly_what_derive_says(bwart: str, own: str, other: str) -> None:
    result = _ok(ODATA.to_canonical(_document(_change(bwart, own, other)), CTX))
    movement = result.events[0].data
    assert isinstance(movement, MaterialMovement)
    assert _holds(result) == derive.holds_from_movement(movement)
    assert result.records_in == 1
    assert len(result.events) == 1 + result.derived


# usage decisions ---------------------------------------------------------------------------------------------


def _decision(code: str, valuation: str) -> bytes:
    body = json.loads(sample("odata_inspection_usage_decision_get_response.json"))
    body["d"].update({"InspectionLotUsageDecisionCode": code, "InspLotUsageDecisionValuation": valuation})
    return json.dumps(body).encode()


def test_a_rejecting_usage_decision_places_a_hold_and_an_accepting_one_releases_it() -> None:
    lot = sample("odata_inspection_lot_get_response.json")
    rejected = _ok(ODATA.to_canonical_many([lot, _decision("R1", "R")], CTX))
    inspection, placed = rejected.events
    assert isinstance(inspection.data, QualityInspection)
    assert isinstance(placed, QualityHoldPlaced)
    assert (rejected.records_in, rejected.derived) == (2, 1)
    assert placed.data.hold is not None
    assert placed.data.hold.placed_at == inspection.data.decided_at
    assert placed.data.hold.reason_code == "usage_decision_reject"
    accepted = _ok(ODATA.to_canonical_many([lot, _decision("A1", "A")], CTX))
    (released,) = [e for e in accepted.events if isinstance(e, QualityHoldReleased)]
    assert released.data.nonconformance_id == placed.data.nonconformance_id  # the release pairs with the hold
    # the valuation decides by default (R2 valued R is a reject); without one the packaged codes say rework
    rework = _ok(ODATA.to_canonical_many([lot, _decision("R2", "")], CTX))
    assert rework.derived == 0  # rework says nothing about a hold


def test_a_rejecting_bapi_usage_decision_places_a_hold() -> None:
    body = json.loads(sample(RFC_DECISION))
    body["UD_DATA"]["UD_CODE"] = "R1"
    result = _ok(ODATA.to_canonical_many([sample("odata_inspection_lot_get_response.json"),
                                          json.dumps(body).encode()], CTX))
    (hold,) = _holds(result)
    assert hold.hold is not None
    assert hold.hold.is_active
    assert hold.hold.placed_by == "QA_MES"


def test_a_usage_decision_without_any_time_derives_no_hold_and_warns() -> None:
    lot = json.loads(sample("odata_inspection_lot_get_response.json"))
    del lot["d"]["ChangedDateTime"]
    body = json.loads(_decision("R1", "R"))
    for name in ("InspectionLotUsageDecidedOn", "InspLotUsageDecisionTime"):
        del body["d"][name]
    result = _ok(ODATA.to_canonical_many([json.dumps(lot).encode(), json.dumps(body).encode()], CTX))
    assert result.derived == 0
    assert any("no quality hold derived" in w for w in result.warnings)


# genealogy ---------------------------------------------------------------------------------------------------

ISSUE = {"Material": "RM-2001", "Batch": "L24-0042", "GoodsMovementType": "261"}
RECEIPT = {"Material": "FG-1000", "Batch": "FG24011601", "GoodsMovementType": "101", "QuantityInEntryUnit": "98",
           "QuantityInBaseUnit": "98", "ReservationIsFinallyIssued": False, "Reservation": "", "ReservationItem": "0",
           "ManufactureDate": "/Date(1705363200000)/", "ShelfLifeExpirationDate": "/Date(1768435200000)/"}


def _one_link(result: MappingResult) -> Any:
    (link,) = _links(result)
    assert link.relationship is GenealogyRelationship.CONSUMED_INTO
    assert (link.child, link.parent) == (LotItem(material_id="RM-2001", lot_id="L24-0042"),
                                        LotItem(material_id="FG-1000", lot_id="FG24011601"))
    assert link.order_id == "1000123"
    assert link.plant == "1710"
    return link


def test_issues_and_a_receipt_of_one_order_in_one_document_are_linked_after_the_movements() -> None:
    result = _ok(ODATA.to_canonical(_document(ISSUE, RECEIPT), CTX))
    assert [type(e).__name__ for e in result.events] == ["MaterialIssued", "InventoryReceived", "GenealogyLinked"]
    assert (result.records_in, result.converted, result.derived) == (2, 2, 1)
    link = _one_link(result)
    assert link.quantity.value == 100
    movements = [e.data for e in result.events[:2]]
    assert _links(result) == derive.genealogy_from_movements(movements)


def test_documents_in_one_map_payloads_call_are_linked_and_separate_calls_are_not() -> None:
    """Links are derived within one call: a consumer derives across calls over its stored movements."""
    issue, receipt = _document(ISSUE, document="4900001234"), _document(RECEIPT, document="5000004321")
    metas = [PayloadMeta(message_id="issue.json"), PayloadMeta(message_id="receipt.json")]
    together = _ok(map_payloads(ODATA, [issue, receipt], CTX, metas))
    link_event = together.events[-1]
    assert isinstance(link_event, GenealogyLinked)
    link = _one_link(together)
    assert link.source is not None
    assert link.source.message_id == "receipt.json"
    assert link_event.recordedtime == RECEIVED
    apart = [_ok(ODATA.to_canonical(p, CTX)) for p in (issue, receipt)]
    assert not any(_links(r) for r in apart)
    stored = [e.data for r in apart for e in r.events]
    # the same link, but for the transport metadata the separate calls did not have
    assert derive.genealogy_from_movements(stored) == [
        msgspec.structs.replace(link, source=msgspec.structs.replace(link.source, message_id=None))]


def test_a_posted_confirmation_links_its_goods_movements() -> None:
    body = json.loads(sample("odata_prodnordconf2_post_response.json"))
    issue = {"Material": "RM-2001", "Plant": "1710", "Batch": "L24-0042", "GoodsMovementType": "261",
             "EntryUnit": "PC", "QuantityInEntryUnit": "100", "OrderID": "1000123"}
    receipt = {"Material": "FG-1000", "Plant": "1710", "Batch": "FG24011601", "GoodsMovementType": "101",
               "EntryUnit": "PC", "QuantityInEntryUnit": "98", "OrderID": "1000123",
               "ManufactureDate": "/Date(1705363200000)/"}
    body["d"]["to_ProdnOrdConfMatlDocItm"] = {"results": [issue, receipt]}
    result = _ok(ODATA.to_canonical(json.dumps(body).encode(), CTX))
    assert type(result.events[-1]).__name__ == "GenealogyLinked"
    _one_link(result)
    received = next(e.data for e in result.events if type(e).__name__ == "InventoryReceived")
    assert received.manufactured_date == date(2024, 1, 16)
    assert received.expiry_date is None


def test_a_requested_confirmation_links_nothing() -> None:
    """A POST body asks SAP to post the confirmation and its goods movements: nothing is consumed yet."""
    body = json.loads(sample("odata_prodnordconf2_post_request.json"))
    body["to_ProdnOrdConfMatlDocItm"] = {"results": [
        {"Material": "RM-2001", "Batch": "L24-0042", "GoodsMovementType": "261", "EntryUnit": "PC",
         "QuantityInEntryUnit": "100", "OrderID": "1000123"},
        {"Material": "FG-1000", "Batch": "FG24011601", "GoodsMovementType": "101", "EntryUnit": "PC",
         "QuantityInEntryUnit": "98", "OrderID": "1000123"}]}
    result = _ok(ODATA.to_canonical(json.dumps(body).encode(), CTX))
    assert len(result.events) == 3
    assert not _links(result)


def test_mbgmcr_requests_link_nothing() -> None:
    """An MBGMCR asks SAP to post: derive counts posted facts only, so its issues and receipt link nothing."""
    issue = sample("idoc_mbgmcr03_goods_issue_261.xml")
    receipt = sample("idoc_mbgmcr03_goods_receipt_101.xml")
    start = receipt.index(b"<E1BP2017_GM_ITEM_CREATE")
    item = receipt[start:receipt.index(b"</E1BP2017_GM_ITEM_CREATE>") + len(b"</E1BP2017_GM_ITEM_CREATE>")]
    at = issue.index(b"</E1BP2017_GM_ITEM_CREATE>") + len(b"</E1BP2017_GM_ITEM_CREATE>")
    both = issue[:at] + item + issue[at:]
    result = _ok(IDOC.to_canonical(both, CTX))
    kinds = {type(e).__name__ for e in result.events}
    assert {"MaterialIssued", "InventoryReceived"} <= kinds
    assert result.derived == 0


# dates -------------------------------------------------------------------------------------------------------


def test_lot_dates_are_dates_in_both_channels_and_the_instants_stay() -> None:
    idoc = _ok(IDOC.to_canonical(sample("idoc_batmas03_batch.xml"), CTX)).events[0].data
    odata = _ok(ODATA.to_canonical(sample("odata_batch_get_response.json"), CTX)).events[0].data
    for lot in (idoc, odata):
        assert isinstance(lot, MaterialLot)
        assert (lot.manufactured_date, lot.expiry_date, lot.retest_date) == (date(2024, 1, 16), date(2026, 1, 15),
                                                                             None)
        assert lot.manufactured_at is not None
        assert lot.expires_at is not None
    doc = sample("idoc_batmas03_batch.xml").replace(b"<COUNTRYORI>", b"<NEXTINSPEC>20250116</NEXTINSPEC><COUNTRYORI>")
    assert _ok(IDOC.to_canonical(doc, CTX)).events[0].data.retest_date == date(2025, 1, 16)


def test_receipts_carry_their_batch_dates_where_the_payload_has_them() -> None:
    receipt = _ok(IDOC.to_canonical(sample("idoc_mbgmcr03_goods_receipt_101.xml"), CTX)).events[0].data
    assert (receipt.manufactured_date, receipt.expiry_date) == (date(2024, 1, 16), date(2026, 1, 15))
    posted = _ok(ODATA.to_canonical(sample("odata_material_document_post_goods_receipt_101_request.json"), CTX))
    assert (posted.events[0].data.manufactured_date, posted.events[0].data.expiry_date) == (
        date(2024, 1, 16), date(2026, 1, 15))
    issue = _ok(ODATA.to_canonical(sample("odata_material_document_get_response.json"), CTX)).events[0].data
    assert (issue.manufactured_date, issue.expiry_date) == (None, None)  # null in the payload: none
    dated = sample("idoc_mbgmcr03_goods_issue_261.xml").replace(
        b"<MOVE_TYPE>261</MOVE_TYPE>", b"<MOVE_TYPE>261</MOVE_TYPE><PROD_DATE>20240116</PROD_DATE>")
    assert _ok(IDOC.to_canonical(dated, CTX)).events[0].data.manufactured_date is None  # an issue receives no lot
