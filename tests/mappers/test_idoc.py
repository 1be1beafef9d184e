"""SAP IDoc mapper: composed samples, the real S/4HANA documents, every quirk, outbound and round trips."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfgcanon.mappers import MappingContext, PayloadMeta, get
from mfgcanon.testing.mapper_suite import MapperContract
from mfgcanon.v1 import (
    ActivityKind,
    Location,
    MaterialMovement,
    MovementType,
    OrderStatus,
    ProductionConfirmation,
    ProductionOrder,
    Quantity,
    WorkCenter,
)
from mfgcanon.v1.posting import MessageSeverity, PostingState, RequestKind

from . import channel
from .conftest import FIXTURES, sample

MAPPER = get("sap-idoc")
RECEIVED = datetime(2024, 1, 17, 12, tzinfo=UTC)  # received_at for documents that carry no time
IDOC_SAMPLES = sorted([*FIXTURES.glob("idoc_*.xml"), *FIXTURES.glob("rfc_*.xml")])


class TestSapIdocContract(MapperContract):
    @pytest.fixture
    def mapper(self):  # type: ignore[no-untyped-def]
        return MAPPER

    @pytest.fixture
    def context(self) -> MappingContext:
        # received_at: the confirmation-posting response has no time of its own (its processed time)
        return MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                                    received_at=RECEIVED)

    @pytest.fixture
    def sample_payloads(self) -> list[tuple[str, bytes]]:
        return [(p.name, p.read_bytes()) for p in IDOC_SAMPLES]

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, bytes]]:
        """sap-odata's samples: auto-detection needs exactly one taker."""
        return [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.json"))]


def test_control_record_time_is_the_senders_clock() -> None:
    """CREDAT/CRETIM are the sending system's clock: read in ``system_timezone`` when the context sets it,
    else in the plant's zone; the order's business times stay plant-local either way."""
    doc = sample("idoc_loipro05_production_order.xml")
    assert b"<CREDAT>20240115</CREDAT>" in doc
    assert b"<CRETIM>071502</CRETIM>" in doc
    plant_only = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})
    utc_clock = MappingContext.build(
        source_system="S4H-100", plants={"1710": "America/Los_Angeles"}, system_timezone="UTC"
    )
    (assumed,) = MAPPER.to_canonical(doc, plant_only).events
    (event,) = MAPPER.to_canonical(doc, utc_clock).events
    assert assumed.time == datetime(2024, 1, 15, 15, 15, 2, tzinfo=UTC)
    assert event.time == datetime(2024, 1, 15, 7, 15, 2, tzinfo=UTC)
    assert event.data == assumed.data  # only the envelope time depends on the sender's clock


def test_sales_order_keys_lose_alpha_zeros_with_or_without_item(ctx: MappingContext) -> None:
    doc = sample("idoc_loipro05_production_order.xml")
    assert b"<KDAUF>" not in doc
    with_item = doc.replace(b"<AUART>", b"<KDAUF>0000004711</KDAUF><KDPOS>000010</KDPOS><AUART>", 1)
    without_item = doc.replace(b"<AUART>", b"<KDAUF>0000004711</KDAUF><AUART>", 1)
    zero_item = doc.replace(b"<AUART>", b"<KDAUF>0000004711</KDAUF><KDPOS>000000</KDPOS><AUART>", 1)
    found = [MAPPER.to_canonical(d, ctx).events[0].data.sales_order_id for d in (with_item, without_item, zero_item)]
    assert found == ["4711/10", "4711", "4711"]
    keep = MappingContext.build(
        source_system="S4H-100", plants={"1710": "America/Los_Angeles"}, options={"keep_leading_zeros": True}
    )
    assert MAPPER.to_canonical(without_item, keep).events[0].data.sales_order_id == "0000004711"


def test_loipro_sample(ctx: MappingContext) -> None:
    result = MAPPER.to_canonical(sample("idoc_loipro05_production_order.xml"), ctx)
    assert not result.rejects
    (event,) = result.events
    order = event.data
    assert isinstance(order, ProductionOrder)
    assert type(event).__name__ == "ProductionOrderReleased"
    assert order.order_id == "1000123"  # ALPHA zeros stripped from 000001000123
    assert order.planned_quantity == Quantity(value=Decimal(100), uom="H87", source_uom="ST")
    assert order.planned_end_at == datetime(2024, 1, 18, 8, 0, tzinfo=UTC)  # 20240117 240000 in Los Angeles
    assert [c.line_id for c in order.material_requirements] == ["98765/1", "98765/2"]
    assert order.material_requirements[1].quantity.uom == "KGM"
    assert order.target_lot_id == "FG24011601"
    assert order.bom_id == "4711"


def test_real_loipro05_original(sap_real: Path, ctx: MappingContext) -> None:
    result = MAPPER.to_canonical((sap_real / "LOIPRO05_Original.xml").read_bytes(), ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    (event,) = result.events
    order = event.data
    assert order.order_id == "1895938"
    assert order.material_id == "D2O_EVOGUARD_DOUBLE_SEAT_VALVE_V1"  # only MATNR_LONG is present
    assert order.plant == "HZ001"
    # GLTRP 20231204 + GLUZP 240000 = midnight at the end of 4 Dec in Berlin
    assert order.planned_end_at == datetime(2023, 12, 4, 23, 0, tzinfo=UTC)
    assert order.planned_start_at == datetime(2023, 12, 3, 23, 0, tzinfo=UTC)
    assert [op.operation_id for op in order.operations] == ["0060", "0070", "0080"]
    assert len(order.material_requirements) == 12
    assert {c.operation_id for c in order.material_requirements} == {"0060"}
    assert order.material_requirements[0].line_id == "1950857/1"  # RSNUM 0001950857 padded in the real IDoc
    assert order.status is OrderStatus.RELEASED
    assert order.status_source_code is not None
    assert order.status_source_code.startswith("I0002 I0016")
    assert type(event).__name__ == "ProductionOrderReleased"
    assert order.sales_order_id == "6094/10"
    props = {p.name: p.value for p in order.operations[0].properties}
    assert props["sap.confirmation_number"] == "352237"
    assert props["sap.processing_time"] == "10"  # FLTP 1.000000000000000E+01
    chars = {p.name: p.value for p in order.properties if p.name.startswith("sap.characteristic.")}
    assert chars["sap.characteristic.D2O_HEAD_KIT_COVER"] == "BLUE"
    assert event.sourcesystem == "S4H-100"
    assert event.source == "urn:mfgcanon:S4H-100:HZ001"


@pytest.mark.parametrize(
    "name",
    [
        "LOIPRO05_Original.xml",
        "LOIPRO05_Enriched.xml",
        "nonsap-erp_LOIPRO05.xml",
        "nonsap-erp_R1CH01007_RAW_MAT_IDOC.xml",
        "nonsap-erp_R1MF00012_RAW_MAT_IDOC.xml",
        "nonsap-erp_S1SP02677_FINISHED_MAT_IDOC.xml",
    ],
)
def test_every_real_loipro_and_matmas_converts(sap_real: Path, ctx: MappingContext, name: str) -> None:
    result = MAPPER.to_canonical((sap_real / name).read_bytes(), ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    assert len(result.events) == 1
    result.assert_balanced()


def test_every_real_document_converts_without_rejects(sap_real: Path) -> None:
    """Every XML document in the shared real-SAP folder, whatever it is, converts with no reject: a file
    added there is covered the day it lands."""
    ctx = MappingContext.build(
        source_system="S4H-100",
        plants={"HZ001": "Europe/Berlin", "DM01": "America/Chicago"},
        received_at=RECEIVED,
    )
    documents = sorted(sap_real.glob("*.xml"))
    assert len(documents) >= 8
    for path in documents:
        result = MAPPER.to_canonical(path.read_bytes(), ctx)
        assert not result.rejects, (path.name, [r.to_dict() for r in result.rejects])
        assert not result.warnings, (path.name, result.warnings)
        assert result.events, path.name
        result.assert_balanced()


def test_real_work_center_master(sap_real: Path) -> None:
    """SAP's hand-built LOIWCS03: the work center, its text, and its internal id (the ARBID that LOIPRO
    operations carry as sap.work_center_internal_id)."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"DM01": "Europe/Berlin"}, received_at=RECEIVED)
    result = MAPPER.to_canonical((sap_real / "nonsap-erp_LOIWCS03.xml").read_bytes(), ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    (event,) = result.events
    assert type(event).__name__ == "WorkCenterUpserted"
    center = event.data
    assert isinstance(center, WorkCenter)
    assert (center.work_center_id, center.plant, center.standard_value_key) == ("TEST_AZ", "DM01", "Type")
    assert center.description == "AAA - Inside Operation"
    props = {p.name: p.value for p in center.properties}
    assert props["sap.work_center_internal_id"] == "40161479"
    assert props["sap.costing_formula.001"] == "QTB"
    assert event.time == RECEIVED  # no control-record date in this IDoc


def test_work_center_sample(ctx: MappingContext) -> None:
    result = MAPPER.to_canonical(sample("idoc_loiwcs03_work_center.xml"), ctx)
    assert not result.rejects
    (event,) = result.events
    center = event.data
    assert isinstance(center, WorkCenter)
    assert (center.work_center_id, center.plant, center.category) == ("ASSY01", "1710", "0001")
    assert [t.language for t in center.descriptions] == ["en", "de"]
    assert center.description == "Pump assembly line 1"
    assert center.effective_from == datetime(2023, 1, 1, 8, tzinfo=UTC)  # plant-local midnight, Los Angeles
    assert center.effective_to is None  # ENDDA 99991231: open
    props = {p.name: p.value for p in center.properties}
    assert props["sap.cost_center"] == "17101"
    assert (props["sap.activity_type.002"], props["sap.costing_formula.002"]) == ("MACH", "SAP002")
    assert event.subject == "work-center/1710/ASSY01"
    assert event.time == datetime(2024, 1, 10, 17, 30, tzinfo=UTC)  # CREDAT/CRETIM in the plant's zone
    ended = MAPPER.to_canonical(
        sample("idoc_loiwcs03_work_center.xml").replace(b"<ENDDA>99991231", b"<ENDDA>20251231"), ctx
    ).events[0].data
    assert ended.effective_to == datetime(2026, 1, 1, 8, tzinfo=UTC)  # the day after the last valid day
    assert ended.is_effective(datetime(2025, 12, 31, 23, tzinfo=UTC))


def test_work_center_without_plant_is_a_reject(ctx: MappingContext) -> None:
    result = MAPPER.to_canonical(sample("idoc_loiwcs03_work_center.xml").replace(b"<WERKS>1710</WERKS>", b""), ctx)
    (reject,) = result.rejects
    assert reject.code == "missing_field"
    assert reject.location.endswith("E1CRHDL/WERKS")



def test_real_confirmation_posting_response(sap_real: Path) -> None:
    """SAP's own CO_MES_PRODORDCONF_CREATE_TT response: SAP's answer to a request, one posting_succeeded event
    naming the request by the MES id SAP echoes (CO_MES_INT 037), the confirmation it booked and the goods
    movement it posted with it; initial NUMC fields are no values. No movement event: the rows echo the request."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"DM01": "Europe/Berlin"}, received_at=RECEIVED)
    doc = (sap_real / "PRODORDCONF_CREATE_TT_RESPONSE.xml").read_bytes()
    assert MAPPER.sniff(doc)
    result = MAPPER.to_canonical(doc, ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    assert not result.warnings
    (event,) = result.events
    assert type(event).__name__ == "PostingSucceeded"
    posted = event.data
    assert (posted.outcome, posted.request_kind) == (PostingState.POSTED, RequestKind.CONFIRMATION)
    assert posted.request_external_id == "AGUNb-2Wywt7SuK72ZlQhIBAWlis23265104357"
    assert (posted.target_document_type, posted.target_document_id) == ("confirmation", "1114/1")
    assert posted.posted_ids == ["1114/1", "1114/1/1"]
    assert (posted.plant, posted.order_id) == ("DM01", "1001528")
    assert posted.processed_at == RECEIVED  # the response has no time: processed when received
    assert [m.code for m in posted.messages] == ["RU/100", "CO_MES_INT/037"]
    assert posted.source is not None
    assert posted.source.document_type == "RFC:CO_MES_PRODORDCONF_CREATE_TT"


def _response(old: bytes = b"", new: bytes = b"") -> bytes:
    doc = sample("rfc_co_mes_prodordconf_create_tt_response.xml")
    assert old in doc
    return doc.replace(old, new, 1)


def test_confirmation_posting_response_sample() -> None:
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"}, received_at=RECEIVED)
    result = MAPPER.to_canonical(_response(), ctx)
    result.assert_balanced()
    assert result.records_in == 2  # the two movement rows, answered by one event
    (event,) = result.events
    assert type(event).__name__ == "PostingSucceeded"
    posted = event.data
    assert posted.request_external_id == "MES-CONF-77"
    assert posted.target_document_id == "412001/3"
    assert posted.posted_ids == ["412001/3", "412001/3/1", "412001/3/2"]
    assert (posted.plant, posted.order_id, posted.target_system) == ("1710", "1000123", "S4H-100")
    info, success = posted.messages
    assert (info.severity, info.severity_source_code, info.code) == (MessageSeverity.INFO, "I", "RU/100")
    assert info.text == "Confirmation of order 000001000123 saved"
    assert success.severity is MessageSeverity.SUCCESS
    assert event.subject == "production-order/1710/1000123"
    assert MAPPER.to_canonical(_response(), ctx).events == result.events  # deterministic ids


@pytest.mark.parametrize(
    ("old", "new", "severity"),
    [
        (b"<TYPE>I</TYPE>", b"<TYPE>E</TYPE>", MessageSeverity.ERROR),  # SAP refused: nothing was posted
        (b"<TYPE/>", b"<TYPE>A</TYPE><ID>RU</ID><NUMBER>505</NUMBER><MESSAGE>Order is locked</MESSAGE>",
         MessageSeverity.ABORT),
    ],
)
def test_a_refused_posting_is_a_posting_failed_event(old: bytes, new: bytes, severity: MessageSeverity) -> None:
    """An E or A message: SAP posted nothing; one posting_failed event carries every message, no movement."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"}, received_at=RECEIVED)
    result = MAPPER.to_canonical(_response(old, new), ctx)
    result.assert_balanced()
    assert not result.rejects
    (event,) = result.events
    assert type(event).__name__ == "PostingFailed"
    failed = event.data
    assert failed.outcome is PostingState.FAILED
    assert failed.request_external_id == "MES-CONF-77"
    assert (failed.target_document_id, failed.posted_ids) == (None, [])
    refusal = next(m for m in failed.messages if m.severity is severity)
    assert refusal.severity_source_code == new[6:7].decode()
    assert refusal.text in ("Confirmation of order 000001000123 saved", "Order is locked")


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (b"<MESSAGE_V1>MES-CONF-77</MESSAGE_V1>", b"<MESSAGE_V1/></item><item><TYPE>E</TYPE>", "source_error"),
        (b"<CONF_NO>0000412001</CONF_NO>", b"<CONF_NO/>", "missing_identity"),
    ],
)
def test_an_anonymous_posting_response_rejects_every_movement(old: bytes, new: bytes, code: str) -> None:
    """A refusal that names no request, or a success that names no confirmation: nothing to reference."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"}, received_at=RECEIVED)
    result = MAPPER.to_canonical(_response(old, new), ctx)
    result.assert_balanced()
    assert not result.events
    assert [r.code for r in result.rejects] == [code, code]
    assert all("IT_GOODSMOVEMENTS/item" in r.location for r in result.rejects)


def test_a_posting_response_without_a_received_time_is_a_reject() -> None:
    """The response has no time: its processed time is the received time, never the run time."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})
    result = MAPPER.to_canonical(_response(), ctx)
    result.assert_balanced()
    assert not result.events
    assert {r.code for r in result.rejects} == {"missing_field"}
    stamped = MAPPER.to_canonical(_response(), ctx, meta=PayloadMeta(received_at=RECEIVED, message_id="m-1"))
    (event,) = stamped.events
    assert event.data.processed_at == RECEIVED == event.recordedtime
    assert event.data.source.message_id == "m-1"


def test_lenient_producer_fallbacks(sap_real: Path, ctx: MappingContext) -> None:
    order = MAPPER.to_canonical((sap_real / "nonsap-erp_LOIPRO05.xml").read_bytes(), ctx).events[0].data
    assert order.order_id == "208277437"
    assert order.material_requirements[0].quantity == Quantity(value=Decimal("3560.1"), uom="CMT", source_uom="CM")
    assert order.material_requirements[0].line_id == "0010/0010"  # no RSNUM/RSPOS: operation/BOM item


def _loipro(body: str, root: str = "LOIPRO05", ns: str = "") -> bytes:
    attr = f' xmlns="{ns}"' if ns else ""
    return (
        f'<{root}{attr}><IDOC BEGIN="1"><EDI_DC40><DOCNUM>0000000000000042</DOCNUM><MESTYP>LOIPRO</MESTYP>'
        f"<CREDAT>20240115</CREDAT><CRETIM>120000</CRETIM></EDI_DC40>{body}</IDOC></{root}>"
    ).encode()


HEADER = (
    "<E1AFKOL><AUFNR>000001000123</AUFNR><WERKS>1710</WERKS><MATNR>000000000000004711</MATNR>"
    "<GAMNG>{qty}</GAMNG><GMEIN>{unit}</GMEIN><GSTRP>20240116</GSTRP><GSUZP>060000</GSUZP>{extra}"
    "<E1JSTKL><STAT>I0002</STAT></E1JSTKL></E1AFKOL>"
)


def _header(qty: str = "10.000", unit: str = "ST", extra: str = "") -> str:
    return HEADER.format(qty=qty, unit=unit, extra=extra)


@pytest.mark.parametrize(
    ("root", "ns"),
    [
        ("LOIPRO05", ""),
        ("LOIPRO05", "urn:sap-com:document:sap:idoc:soap:messages"),
        ("ZLOIPRO05", ""),
        ("LOIPRO01", "urn:example:other"),
    ],
)
def test_namespace_and_extension_roots(ctx: MappingContext, root: str, ns: str) -> None:
    result = MAPPER.to_canonical(_loipro(_header(), root, ns), ctx)
    assert not result.rejects
    assert result.events[0].data.order_id == "1000123"


def test_numeric_matnr_loses_zeros_and_long_field_wins(ctx: MappingContext) -> None:
    order = MAPPER.to_canonical(_loipro(_header()), ctx).events[0].data
    assert order.material_id == "4711"
    long = _header().replace("<GAMNG>", "<MATNR_LONG>0000000000000000000000000000000000004711-X</MATNR_LONG><GAMNG>")
    assert (
        MAPPER.to_canonical(_loipro(long), ctx).events[0].data.material_id
        == "0000000000000000000000000000000000004711-X"
    )


def test_keep_leading_zeros_option() -> None:
    ctx = MappingContext.build(source_system="S", default_timezone="UTC", options={"keep_leading_zeros": True})
    assert MAPPER.to_canonical(_loipro(_header()), ctx).events[0].data.order_id == "000001000123"


def test_several_idocs_in_one_document(ctx: MappingContext) -> None:
    one = _loipro(_header()).decode()
    inner = one[one.index("<IDOC") : one.index("</LOIPRO05>")]
    doc = f"<LOIPRO05>{inner}{inner.replace('000001000123', '000001000124')}</LOIPRO05>".encode()
    result = MAPPER.to_canonical(doc, ctx)
    assert [e.data.order_id for e in result.events] == ["1000123", "1000124"]


def test_trailing_minus_quantity_is_rejected_with_its_location(ctx: MappingContext) -> None:
    result = MAPPER.to_canonical(_loipro(_header(qty="12.500-")), ctx)
    (reject,) = result.rejects
    assert reject.code == "negative_quantity"
    assert reject.location == "/LOIPRO05/IDOC/E1AFKOL/GAMNG"
    assert reject.line == 1
    assert "<AUFNR>000001000123</AUFNR>" in str(reject.payload)


def test_unknown_unit_and_context_alias(ctx: MappingContext) -> None:
    result = MAPPER.to_canonical(_loipro(_header(unit="ZZZ")), ctx)
    assert [r.code for r in result.rejects] == ["unknown_unit"]
    assert result.rejects[0].location.endswith("/GMEIN")
    aliased = MappingContext.build(source_system="S", plants={"1710": "UTC"}, units={"ZZZ": "BX"})
    assert MAPPER.to_canonical(_loipro(_header(unit="ZZZ")), aliased).events[0].data.planned_quantity.uom == "BX"


def test_plant_without_zone_is_a_reject() -> None:
    result = MAPPER.to_canonical(_loipro(_header()), MappingContext(source_system="S"))
    assert [r.code for r in result.rejects] == ["missing_timezone"]
    assert result.rejects[0].location.endswith("/GSTRP")


def test_no_date_and_end_of_day(ctx: MappingContext) -> None:
    extra = "<GLTRP>20240117</GLTRP><GLUZP>240000</GLUZP><GSTRS>00000000</GSTRS>"
    order = MAPPER.to_canonical(_loipro(_header(extra=extra)), ctx).events[0].data
    assert order.scheduled_start_at is None
    assert order.planned_end_at == datetime(2024, 1, 18, 8, 0, tzinfo=UTC)


def test_status_precedence(ctx: MappingContext) -> None:
    teco = _header().replace(
        "<E1JSTKL><STAT>I0002</STAT></E1JSTKL>",
        "<E1JSTKL><STAT>I0002</STAT></E1JSTKL><E1JSTKL><STAT>I0045</STAT></E1JSTKL>",
    )
    event = MAPPER.to_canonical(_loipro(teco), ctx).events[0]
    assert event.data.status is OrderStatus.COMPLETED
    assert type(event).__name__ == "ProductionOrderCompleted"
    dlfl = teco.replace("I0045", "I0076")
    assert type(MAPPER.to_canonical(_loipro(dlfl), ctx).events[0]).__name__ == "ProductionOrderCancelled"


def test_matmas_sample(ctx: MappingContext) -> None:
    material = MAPPER.to_canonical(sample("idoc_matmas05_material.xml"), ctx).events[0].data
    assert material.base_uom == "H87"
    assert material.description == "Centrifugal pump assembly 2 kW"
    assert [(c.uom, c.numerator, c.denominator) for c in material.uom_conversions] == [("CT", 4, 1)]
    assert material.plant_data[0].procurement_type is not None
    assert material.shelf_life == Quantity(value=Decimal(730), uom="DAY")


def test_mbgmcr_samples(ctx: MappingContext) -> None:
    issued = MAPPER.to_canonical(sample("idoc_mbgmcr03_goods_issue_261.xml"), ctx).events
    assert [e.data.movement_id for e in issued] == ["MES-GI-000981/1", "MES-GI-000981/2"]
    first = issued[0].data
    assert first.order_id == "1000123"
    assert first.requirement_line_id == "98765/1"
    assert first.movement_type is MovementType.GOODS_ISSUE
    assert first.from_location is not None
    # the business date (DOC_DATE 2024-01-16) at 00:00 in the plant's zone, not the IDoc's creation time
    assert first.occurred_at == datetime(2024, 1, 16, 8, tzinfo=UTC)
    assert first.occurred_at_precision == "day"
    assert first.posting is not None
    assert (first.posting.state, first.posting.external_id) == ("requested", None)  # MBGMCR has no sender id
    assert first.posting.requested_at == datetime(2024, 1, 16, 18, 15, tzinfo=UTC)  # CREDAT/CRETIM
    assert first.posting.target_system == "S4H-100"
    scrap = MAPPER.to_canonical(sample("idoc_mbgmcr03_scrap_551.xml"), ctx).events[0]
    assert type(scrap).__name__ == "MaterialScrapped"


def test_ppcc2_links_movements(ctx: MappingContext) -> None:
    events = MAPPER.to_canonical(sample("idoc_ppcc2pretticket02_confirmation.xml"), ctx).events
    confirmation, movement = events[0].data, events[1].data
    assert confirmation.confirmation_id == "3f2b9c1e-7d41-4c8e-9a55-0b6f1d2e8a90"
    assert confirmation.material_movement_ids == [movement.movement_id]
    assert movement.confirmation_id == confirmation.confirmation_id
    assert [a.activity for a in confirmation.activities] == [
        ActivityKind.SETUP,
        ActivityKind.MACHINE,
        ActivityKind.LABOR,
    ]


def test_outbound_pads_keys_and_uses_gm_codes(ctx: MappingContext) -> None:
    movements = [e.data for e in MAPPER.to_canonical(sample("idoc_mbgmcr03_goods_issue_261.xml"), ctx).events]
    xml = MAPPER.from_canonical(movements, ctx)
    assert b"<ORDERID>000001000123</ORDERID>" in xml
    assert b"<RESERV_NO>0000098765</RESERV_NO>" in xml
    assert b"<GM_CODE>03</GM_CODE>" in xml
    assert b"<ENTRY_UOM>ST</ENTRY_UOM>" in xml
    assert b"<BATCH>L24-0042</BATCH>" in xml  # CHARG is never padded


@pytest.mark.parametrize(
    ("bwart", "gm"), [("261", "03"), ("262", "03"), ("101", "02"), ("102", "02"), ("531", "05"), ("551", "03")]
)
def test_gm_code_per_movement_type(ctx: MappingContext, bwart: str, gm: str) -> None:
    from mfgcanon.mappers.sap import common

    meaning = common.movement_in(bwart)
    movement = _movement(MovementType(meaning["movement_type"]), bool(meaning.get("reversal")), bwart)
    xml = MAPPER.from_canonical([movement], ctx)
    assert f"<GM_CODE>{gm}</GM_CODE>".encode() in xml
    assert MAPPER.to_canonical(xml, ctx).events[0].data.movement_type_source_code == bwart


def _movement(kind: MovementType, reversal: bool = False, code: str | None = None, **kw: object) -> MaterialMovement:
    receipt = kind is MovementType.GOODS_RECEIPT
    loc = Location(plant="1710", storage_location="171C")
    values: dict[str, object] = {
        "movement_id": "REF-1/1",
        "movement_type": kind,
        "movement_type_source_code": code,
        "plant": "1710",
        "material_id": "RM-2001",
        "quantity": Quantity(value=Decimal("2.5"), uom="KGM", source_uom="KG"),
        "from_location": None if receipt else loc,
        "to_location": loc if receipt else None,
        "occurred_at": datetime(2024, 1, 16, 18, 0, tzinfo=UTC),
        "is_reversal": reversal,
    }
    values.update(kw)
    return MaterialMovement(**values)  # type: ignore[arg-type]


BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


CARRIED = (
    "movement_type",
    "movement_type_source_code",
    "plant",
    "material_id",
    "quantity",
    "lot_id",
    "order_id",
    "reason_code",
    "is_reversal",
    "from_location",
    "to_location",
)


@settings(max_examples=60, deadline=None)
@given(st.lists(channel.movements(BERLIN), min_size=1, max_size=4), st.sampled_from([None, "UTC", "Asia/Tokyo"]))
def test_mbgmcr_round_trip(items: list[MaterialMovement], clock: str | None) -> None:
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "Europe/Berlin"}, system_timezone=clock)
    back = [e.data for e in MAPPER.to_canonical(MAPPER.from_canonical(items, ctx), ctx).events]
    assert len(back) == len(items)
    # pair by what the document carries: the movement's day (its time of day does not come back) and the
    # carried fields; sorting by the exact time paired two movements of one day wrongly
    key = lambda m: (m.occurred_at.astimezone(BERLIN).date(), *(repr(getattr(m, n)) for n in CARRIED))  # noqa: E731
    for original, read in zip(sorted(items, key=key), sorted(back, key=key), strict=True):
        for name in CARRIED:
            assert getattr(read, name) == getattr(original, name), name
        if original.posting_date is not None:
            assert read.posting_date == original.posting_date
        # MBGMCR carries dates, not a movement time: the movement's day comes back, at 00:00 (precision day)
        day = original.occurred_at.astimezone(BERLIN).date()
        assert read.occurred_at == datetime.combine(day, datetime.min.time(), BERLIN).astimezone(UTC)
        assert read.occurred_at_precision == "day"
        assert read.posting is not None
        assert read.posting.state == "requested"
    again = [e.data for e in MAPPER.to_canonical(MAPPER.from_canonical(back, ctx), ctx).events]
    assert sorted(map(repr, (msgspec.structs.replace(m, source=None) for m in again))) == sorted(
        map(repr, (msgspec.structs.replace(m, source=None) for m in back))
    )


CONF_CARRIED = (
    "confirmation_id",
    "order_id",
    "operation_id",
    "plant",
    "work_center_id",
    "yield_quantity",
    "scrap_quantity",
    "rework_quantity",
    "scrap_reason_code",
    "is_final",
    "clear_open_reservations",
    "started_at",
    "ended_at",
    "posting_date",
    "activities",
    "personnel_ids",
    "recorded_at",
)


@settings(max_examples=60, deadline=None)
@given(st.lists(channel.confirmations(LOS_ANGELES), min_size=1, max_size=3, unique_by=lambda c: c.confirmation_id))
def test_ppcc2_round_trip(items: list[ProductionConfirmation]) -> None:
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})
    back = [e.data for e in MAPPER.to_canonical(MAPPER.from_canonical(items, ctx), ctx).events]
    assert [c.confirmation_id for c in back] == [c.confirmation_id for c in items]
    for original, read in zip(items, back, strict=True):
        for name in CONF_CARRIED:
            assert getattr(read, name) == getattr(original, name), name


def test_plant_segment_without_plant_is_a_reject(ctx: MappingContext) -> None:
    doc = sample("idoc_matmas05_material.xml")
    start = doc.index(b"<WERKS>", doc.index(b"<E1MARCM"))
    end = doc.index(b"</WERKS>", start) + len(b"</WERKS>")
    result = MAPPER.to_canonical(doc[:start] + doc[end:], ctx)
    result.assert_balanced()
    assert not result.events
    (reject,) = result.rejects
    assert reject.code == "missing_field"
    assert reject.location.endswith("E1MARCM/WERKS"), reject.location


def test_linked_goods_movements_go_down_with_their_time_ticket(ctx: MappingContext) -> None:
    """PPCC2PRETTICKET posts a time ticket and its linked goods movements together: a rejected ticket takes
    them with it (a reject each) instead of leaving movements that point at no confirmation."""
    doc = sample("idoc_ppcc2pretticket02_confirmation.xml")
    good = MAPPER.to_canonical(doc, ctx)
    assert not good.rejects
    bad = MAPPER.to_canonical(doc.replace(b"<YIELD>", b"<YIELD>x", 1), ctx)
    bad.assert_balanced()
    assert bad.records_in == good.records_in
    assert not bad.events
    ticket, movement = bad.rejects
    assert ticket.location.endswith("E1BP_PP_TIMETICKET/YIELD"), ticket.location
    assert movement.reason.startswith("its time ticket #1 was rejected")
    assert "E1BP2017_GM_ITEM_CREATE" in movement.location
