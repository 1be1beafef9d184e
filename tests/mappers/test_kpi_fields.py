"""Model 1.2 fields the SAP mappers fill instead of ``sap.*`` properties: KPI dates and times, operation
sequences and source keys, company, receipt location, priority, final issue, special stock, serial
numbers, GTIN; and channel-neutral event ids for material document items (``business_document_id``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from mfgcanon.mappers import MappingContext, MappingResult, get
from mfgcanon.v1 import count_once
from mfgcanon.v1.common import Location, StockStatus
from mfgcanon.v1.inventory import MaterialMovement
from mfgcanon.v1.lot import LotStatus
from mfgcanon.v1.order import ProductionOrder

from .conftest import sample

IDOC = get("sap-idoc")
ODATA = get("sap-odata")
CTX = MappingContext.build(
    source_system="S4H-100",
    plants={"1710": "America/Los_Angeles"},
    options={"default_plant": "1710"},
    received_at=datetime(2024, 1, 17, 12, tzinfo=UTC),
)
GONE = {"sap.actual_release_date", "sap.receiving_storage_location", "sap.final_issue", "sap.special_stock_type",
        "sap.external_system_confirmation"}


def _clean(result: MappingResult) -> MappingResult:
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    for event in result.events:
        names = {p.name for p in getattr(event.data, "properties", [])}
        assert not names & GONE, f"{names & GONE} kept as properties and fields"
    return result


def _order(mapper: Any, name: str, body: bytes | None = None) -> ProductionOrder:
    (event,) = _clean(mapper.to_canonical(body or sample(name), CTX)).events
    assert isinstance(event.data, ProductionOrder)
    return event.data


def test_both_channels_agree_on_the_order_kpi_fields() -> None:
    idoc = _order(IDOC, "idoc_loipro05_production_order.xml")
    odata = _order(ODATA, "odata_production_order_2_get_response.json")
    for order in (idoc, odata):
        assert order.released_date == date(2024, 1, 15)  # FTRMI / MfgOrderActualReleaseDate: a date only
        assert order.released_at is None  # never invented from a date
        assert order.receipt_location == Location(plant="1710", storage_location="171A")
        first = order.operations[0]
        assert (first.sequence_id, first.source_operation_id) == ("0", "201234/1")  # PLNFL, AUFPL/APLZL
    assert odata.company_id == "1710"  # CompanyCode
    assert idoc.company_id is None  # the LOIPRO sample has no BUKRS: left empty, never invented


def test_idoc_order_actual_times_company_and_priority() -> None:
    doc = sample("idoc_loipro05_production_order.xml")
    doc = doc.replace(b"<GSTRI>00000000</GSTRI>", b"<GSTRI>20240116</GSTRI><GSUZI>061000</GSUZI><BUKRS>1710</BUKRS>"
                                                   b"<APRIO>2</APRIO>")
    doc = doc.replace(b"<ISAVD>00000000</ISAVD>", b"<ISDD>20240116</ISDD><ISDZ>061500</ISDZ>", 1)
    order = _order(IDOC, "", doc)
    assert order.actual_start_at == datetime(2024, 1, 16, 14, 10, tzinfo=UTC)  # plant-local 06:10
    assert order.actual_end_at is None
    assert (order.company_id, order.priority_source_code) == ("1710", "2")
    assert order.operations[0].actual_start_at == datetime(2024, 1, 16, 14, 15, tzinfo=UTC)


def test_odata_operation_actual_times_and_priority() -> None:
    body = json.loads(sample("odata_production_order_2_get_response.json"))
    record = body["d"]["results"][0] if "results" in body["d"] else body["d"]
    record["ManufacturingOrderImportance"] = "2"
    op = record["to_ProductionOrderOperation"]["results"][0]
    op.update({"OpActualExecutionStartDate": "/Date(1705363200000)/", "OpActualExecutionStartTime": "PT06H15M00S",
               "OpActualExecutionEndDate": "/Date(1705363200000)/", "OpActualExecutionEndTime": "PT14H00M00S"})
    order = _order(ODATA, "", json.dumps(body).encode())
    assert order.priority_source_code == "2"
    assert order.operations[0].actual_start_at == datetime(2024, 1, 16, 14, 15, tzinfo=UTC)
    assert order.operations[0].actual_end_at == datetime(2024, 1, 16, 22, tzinfo=UTC)


def test_material_gtin_only_when_it_is_one() -> None:
    (event,) = _clean(ODATA.to_canonical(sample("odata_product_get_response.json"), CTX)).events
    assert event.data.gtin == "4012345000000"
    assert "sap.gtin" not in {p.name for p in event.data.properties}
    body = json.loads(sample("odata_product_get_response.json"))
    record = body["d"]["results"][0] if "results" in body["d"] else body["d"]
    record["ProductStandardID"] = "MFR-4711"  # a manufacturer number, not a GTIN
    (event,) = _clean(ODATA.to_canonical(json.dumps(body).encode(), CTX)).events
    assert event.data.gtin is None
    assert [p.value for p in event.data.properties if p.name == "sap.gtin"] == ["MFR-4711"]


def test_mbgmcr_final_issue_special_stock_and_serials() -> None:
    doc = sample("idoc_mbgmcr03_goods_issue_261.xml")
    first_item_end = doc.index(b"</E1BP2017_GM_ITEM_CREATE>")
    doc = (doc[:first_item_end] + b"<SPEC_STOCK>E</SPEC_STOCK><SALES_ORD>0000004711</SALES_ORD>"
           b"<S_ORD_ITEM>000010</S_ORD_ITEM>" + doc[first_item_end:])
    doc = doc.replace(b"</E1MBGMCR>", b"<E1BP2017_GM_SERIALNUMBER><MATDOC_ITM>0001</MATDOC_ITM>"
                      b"<SERIALNO>SN-1</SERIALNO></E1BP2017_GM_SERIALNUMBER></E1MBGMCR>")
    first, second = (e.data for e in _clean(IDOC.to_canonical(doc, CTX)).events)
    assert first.is_final_issue  # WITHDRAWN X
    assert (first.special_stock_type, first.special_stock_id) == ("E", "4711/10")
    assert first.serial_numbers == ["SN-1"]
    assert (second.special_stock_type, second.serial_numbers) == (None, [])


def test_material_document_read_over_two_entity_sets_is_one_event() -> None:
    """The item 4900001234/2024/1 read as A_MaterialDocumentItem and inside a ProdnOrdConf2 read with
    to_ProdnOrdConfMatlDocItm expanded: the same movement id, the same event id, counted once."""
    (alone,) = _clean(ODATA.to_canonical(sample("odata_material_document_get_response.json"), CTX)).events
    body = json.loads(sample("odata_prodnordconf2_post_response.json"))
    body["d"]["to_ProdnOrdConfMatlDocItm"] = {"results": [{
        "ConfirmationGroup": "412001", "ConfirmationCount": "1", "MaterialDocument": "4900001234",
        "MaterialDocumentYear": "2024", "MaterialDocumentItem": "0001", "OrderID": "1000123", "Material": "RM-2001",
        "Plant": "1710", "StorageLocation": "171C", "Batch": "L24-0042", "GoodsMovementType": "261",
        "Reservation": "98765", "ReservationItem": "1", "ReservationIsFinallyIssued": True,
        "EntryUnit": "PC", "QuantityInEntryUnit": "100"}]}
    events = _clean(ODATA.to_canonical(json.dumps(body).encode(), CTX)).events
    (linked,) = [e for e in events if isinstance(e.data, MaterialMovement)]
    assert alone.data.source.business_document_id == linked.data.source.business_document_id == "4900001234/2024/1"
    assert linked.data.movement_id == alone.data.movement_id == "4900001234/2024/1"
    assert linked.id == alone.id
    confirmation = events[0].data
    assert confirmation.material_movement_ids == ["4900001234/2024/1"]


def test_count_once_counts_a_linked_movement_and_its_document_once() -> None:
    (alone,) = ODATA.to_canonical(sample("odata_material_document_get_response.json"), CTX).events
    linked = msgspec.structs.replace(alone.data, confirmation_id="412001/1")
    movements = [f for f in count_once([alone, linked]) if f.key[0] == "MaterialMovement"]
    assert [f.key for f in movements] == [("MaterialMovement", "id:4900001234/2024/1")]


def test_restricted_batches_are_restricted_in_both_channels() -> None:
    doc = sample("idoc_batmas03_batch.xml").replace(b"<RESTRICTED/>", b"<RESTRICTED>X</RESTRICTED>")  # ZUSTD
    (idoc, idoc_hold) = _clean(IDOC.to_canonical(doc, CTX)).events  # the lot, and the hold it places
    body = json.loads(sample("odata_batch_get_response.json"))
    record = body["d"]["results"][0] if "results" in body["d"] else body["d"]
    record["BatchIsRestricted"] = True
    record["BatchIdentifyingPlant"] = "1710"  # a cross-plant batch has no plant to key a hold by
    (odata, odata_hold) = _clean(ODATA.to_canonical(json.dumps(body).encode(), CTX)).events
    assert idoc_hold.data.nonconformance_id == odata_hold.data.nonconformance_id  # one hold, either channel
    for lot in (idoc.data, odata.data):
        assert (lot.status, lot.status_source_code) == (LotStatus.RESTRICTED, "RESTRICTED")


def test_material_document_stock_types_become_stock_statuses() -> None:
    body = json.loads(sample("odata_material_document_get_response.json"))
    item = body["d"]["results"][0]
    (issue,) = _clean(ODATA.to_canonical(json.dumps(body).encode(), CTX)).events
    assert (issue.data.from_stock_status, issue.data.from_stock_status_source_code) == (
        StockStatus.UNRESTRICTED, "01")  # a 261 takes from its own stock type
    item.update({"GoodsMovementType": "344", "InventoryStockType": "01", "IssuingOrReceivingStockType": "07",
                 "ManufacturingOrder": ""})
    (change, hold) = _clean(ODATA.to_canonical(json.dumps(body).encode(), CTX)).events
    assert hold.data.hold.is_active  # 344 into blocked stock places a hold
    moved = change.data
    # 344 reverses 343 (blocked to unrestricted), as 322 reverses 321: the statuses of 343, is_reversal set
    assert (moved.from_stock_status, moved.to_stock_status) == (StockStatus.BLOCKED, StockStatus.UNRESTRICTED)
    assert moved.is_reversal
    assert (moved.from_stock_status_source_code, moved.to_stock_status_source_code) == ("01", "07")
    item.update({"GoodsMovementType": "101", "InventoryStockType": "02", "IssuingOrReceivingStockType": ""})
    (receipt,) = _clean(ODATA.to_canonical(json.dumps(body).encode(), CTX)).events
    assert (receipt.data.to_stock_status, receipt.data.to_stock_status_source_code) == (
        StockStatus.QUALITY_INSPECTION, "02")


def test_mbgmcr_receipt_stock_type_is_kept() -> None:
    doc = sample("idoc_mbgmcr03_goods_receipt_101.xml")
    end = doc.index(b"</E1BP2017_GM_ITEM_CREATE>")
    doc = doc[:end] + b"<STCK_TYPE>X</STCK_TYPE>" + doc[end:] if b"<STCK_TYPE>" not in doc else doc
    receipt = _clean(IDOC.to_canonical(doc, CTX)).events[0].data
    assert (receipt.to_stock_status, receipt.to_stock_status_source_code) == (StockStatus.QUALITY_INSPECTION, "X")


def test_confirmation_sequence_agrees_across_channels() -> None:
    idoc = _clean(IDOC.to_canonical(sample("idoc_ppcc2pretticket02_confirmation.xml"), CTX)).events[0].data
    odata = _clean(ODATA.to_canonical(sample("odata_prodnordconf2_post_response.json"), CTX)).events[0].data
    assert idoc.sequence_id == odata.sequence_id == "0"  # SEQUENCE 000000, Sequence "0"
