"""Cross-vendor agreement: the one shop-floor scenario every bundled sample describes, read from SAP, Oracle and
Dynamics 365 payloads, must give the same canonical values wherever the payloads say the same thing.

The scenario (erp-formats.md section 6 of the shared reference): finished good FG-1000, 100 pieces ordered;
operation 10 reports 98 good and 2 scrap; the receipt goes into lot FG24011601; component RM-2001 (100 pieces,
lot L24-0042) and RM-3001 (12.75 kg) are issued; 3 pieces of RM-2001 are scrapped from stock. Each ERP numbers
that order itself: SAP order 1000123 in plant 1710, Oracle work order M1-1001 in organization M1, D365 production
order P000123 in company USMF, site 1.

Every difference asserted below is named with its reason: either the payloads differ (a composed sample writes
another time, another unit spelling or another code list), or the vendors' models differ (a field one ERP has and
another has not). Nothing here is a tolerance: quantities are compared as exact Decimals.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mfgcanon import units
from mfgcanon.mappers import MappingContext, get, load_context
from mfgcanon.v1.common import Quantity
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement
from mfgcanon.v1.order import ProductionOrder

from .oracle.conftest import make_context

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SAP_CTX = load_context(EXAMPLES / "context.toml")  # plant 1710: America/Los_Angeles; system clock UTC
D365_CTX = load_context(EXAMPLES / "d365" / "context.toml")  # USMF site 1: America/New_York
ORACLE_CTX = make_context()  # organization M1: America/Los_Angeles, with the lookups the POST bodies need

LA = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")
DAY = date(2024, 1, 16)


def _read(mapper: str, ctx: MappingContext, folder: str, name: str) -> list[Any]:
    """The entities of one bundled sample; the scenario's samples map without a single reject."""
    result = get(mapper).to_canonical((EXAMPLES / folder / name).read_bytes(), ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    result.assert_balanced()
    return [event.data for event in result.events]


def _one(entities: list[Any], kind: type[Any]) -> Any:
    found = [e for e in entities if isinstance(e, kind)]
    assert len(found) == 1, found
    return found[0]


def _pieces(quantity: Quantity | None) -> Decimal:
    """A count in pieces (H87), exactly: SAP says piece (ST/PC, ISO PCE -> H87), Oracle and D365 say each
    (`Each`, `Ea`, `ea` -> EA). Both are Rec 20 count units of size 1, so the conversion is exact."""
    assert quantity is not None
    assert units.get(quantity.uom).dimension == "count"
    return units.convert_value(quantity.value, quantity.uom, "H87")


def _minutes(quantity: Quantity) -> Decimal:
    return units.convert_value(quantity.value, quantity.uom, "MIN")


def _local(instant: datetime | None, zone: ZoneInfo) -> datetime:
    """The wall clock of an instant in a plant's zone (naive, to compare with what a payload wrote)."""
    assert instant is not None
    return instant.astimezone(zone).replace(tzinfo=None)


# --- the scenario, read once per module -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def confirmations() -> dict[str, ProductionConfirmation]:
    """The 98 good / 2 scrap report at operation 10, from each channel that reports it."""
    route_card = _read("d365-mes", D365_CTX, "d365", "mes_route_card_time_consumption.json")
    return {
        "sap-idoc": _one(_read("sap-idoc", SAP_CTX, "sap", "idoc_ppcc2pretticket02_confirmation.xml"),
                         ProductionConfirmation),
        "sap-odata": _one(_read("sap-odata", SAP_CTX, "sap", "odata_prodnordconf2_post_request.json"),
                          ProductionConfirmation),
        "oracle-fusion": _one(_read("oracle-fusion", ORACLE_CTX, "oracle",
                                    "operationtransactions_post_complete_and_scrap_request.json"),
                              ProductionConfirmation),
        "oracle-ebs": _one(_read("oracle-ebs", ORACLE_CTX, "oracle", "ebs_interface_table_rows.json"),
                           ProductionConfirmation),
        # report as finished: order level, the main item's good and error quantity
        "d365-raf": _one(_read("d365-mes", D365_CTX, "d365", "mes_report_as_finished.json"), ProductionConfirmation),
        # route card: operation level, one confirmation per line; line 1 is the Process time with the quantities
        "d365-route": route_card[0],
        "d365-route-setup": route_card[1],
    }


@pytest.fixture(scope="module")
def orders() -> dict[str, ProductionOrder]:
    return {
        "sap-idoc": _one(_read("sap-idoc", SAP_CTX, "sap", "idoc_loipro05_production_order.xml"), ProductionOrder),
        "sap-odata": _one(_read("sap-odata", SAP_CTX, "sap", "odata_production_order_2_get_response.json"),
                          ProductionOrder),
        "oracle-fusion": _one(_read("oracle-fusion", ORACLE_CTX, "oracle", "workorders_get_response.json"),
                              ProductionOrder),
        "oracle-ebs": _one(_read("oracle-ebs", ORACLE_CTX, "oracle", "ebs_interface_table_rows.json"),
                           ProductionOrder),
        "d365-odata": _d365_order(),
    }


def _d365_order() -> ProductionOrder:
    """The D365 order with its BOM lines and route operations (three OData collections joined)."""
    parts = [(EXAMPLES / "d365" / f"odata_production_order_{name}_get_response.json").read_bytes()
             for name in ("headers", "bom_lines", "route_operations")]
    result = get("d365-odata").to_canonical_many(parts, D365_CTX)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    result.assert_balanced()
    return _one([event.data for event in result.events], ProductionOrder)


@pytest.fixture(scope="module")
def movements() -> dict[str, list[MaterialMovement]]:
    ebs = _read("oracle-ebs", ORACLE_CTX, "oracle", "ebs_interface_table_rows.json")
    return {
        "sap": [m for name in ("idoc_mbgmcr03_goods_receipt_101.xml", "idoc_mbgmcr03_goods_issue_261.xml",
                               "idoc_mbgmcr03_scrap_551.xml")
                for m in _read("sap-idoc", SAP_CTX, "sap", name)],
        "oracle-fusion": [m for name in ("materialtransactions_post_product_completion_request.json",
                                         "materialtransactions_post_issue_request.json",
                                         "inventorystagedtransactions_post_misc_issue_request.json")
                          for m in _read("oracle-fusion", ORACLE_CTX, "oracle", name)],
        "oracle-ebs": [m for m in ebs if isinstance(m, MaterialMovement)],
        "d365": _read("d365-mes", D365_CTX, "d365", "mes_material_consumption_picking_list.json"),
    }


def _movement(found: list[MaterialMovement], movement_type: str, material: str) -> MaterialMovement:
    return _one([m for m in found if m.movement_type == movement_type and m.material_id == material],
                MaterialMovement)


# --- quantities and units ---------------------------------------------------------------------------------------

def test_98_good_and_2_scrap_agree_exactly(confirmations: dict[str, ProductionConfirmation]) -> None:
    for channel in ("sap-idoc", "sap-odata", "oracle-fusion", "oracle-ebs", "d365-raf", "d365-route"):
        conf = confirmations[channel]
        assert _pieces(conf.yield_quantity) == Decimal(98), channel
        assert isinstance(conf.yield_quantity.value, Decimal), channel
    # SAP (XMNGA), Oracle Fusion (ToDispatchState SCRAP) and EBS (to intraoperation step 5) report the 2 as scrap.
    for channel in ("sap-idoc", "sap-odata", "oracle-fusion", "oracle-ebs"):
        assert _pieces(confirmations[channel].scrap_quantity) == Decimal(2), channel
        assert confirmations[channel].rejected_quantity is None, channel
    # D365 reports them as its *error* quantity, which the model files under rejected_quantity ("D365 error
    # quantity"): a vendor difference in meaning, not in amount. The report as finished also lists the main item
    # as an output, whose only not-good field is scrap_quantity (ConfirmationOutput has no rejected quantity).
    for channel in ("d365-raf", "d365-route"):
        conf = confirmations[channel]
        assert conf.scrap_quantity is None, channel
        assert _pieces(conf.rejected_quantity) == Decimal(2), channel
    output = confirmations["d365-raf"].outputs[0]
    assert (output.material_id, _pieces(output.yield_quantity), _pieces(output.scrap_quantity)) == (
        "FG-1000", Decimal(98), Decimal(2))
    # rework: only SAP has the field (RMNGA), and it says none
    assert _pieces(confirmations["sap-idoc"].rework_quantity) == 0
    assert all(confirmations[c].rework_quantity is None for c in ("oracle-fusion", "oracle-ebs", "d365-raf"))


def test_unit_spellings_differ_in_the_payloads(confirmations: dict[str, ProductionConfirmation]) -> None:
    """The payloads name the unit differently (SAP piece, Oracle and D365 each): each mapper keeps what it read."""
    seen = {c: (confirmations[c].yield_quantity.uom, confirmations[c].yield_quantity.source_uom)
            for c in ("sap-idoc", "sap-odata", "oracle-fusion", "oracle-ebs", "d365-raf")}
    assert seen == {"sap-idoc": ("H87", "ST"), "sap-odata": ("H87", "PC"), "oracle-fusion": ("EA", "Each"),
                    "oracle-ebs": ("EA", "Ea"), "d365-raf": ("EA", "ea")}


def test_one_rec20_unit_through_the_connections_unit_aliases() -> None:
    """A site that counts in pieces says so once per connection ([units]); then all three give H87, and each
    still keeps its own spelling in source_uom."""
    oracle = dataclasses.replace(ORACLE_CTX, units={"Each": "H87", "Ea": "H87"})
    d365 = dataclasses.replace(D365_CTX, units={"ea": "H87"})
    read = [
        _one(_read("sap-idoc", SAP_CTX, "sap", "idoc_ppcc2pretticket02_confirmation.xml"), ProductionConfirmation),
        _one(_read("oracle-fusion", oracle, "oracle", "operationtransactions_post_complete_and_scrap_request.json"),
             ProductionConfirmation),
        _one(_read("oracle-ebs", oracle, "oracle", "ebs_interface_table_rows.json"), ProductionConfirmation),
        _one(_read("d365-mes", d365, "d365", "mes_report_as_finished.json"), ProductionConfirmation),
    ]
    assert [(c.yield_quantity.uom, c.yield_quantity.value) for c in read] == [("H87", Decimal(98))] * 4
    not_good = [c.scrap_quantity or c.rejected_quantity for c in read]
    assert [(q.uom, q.value) for q in not_good if q is not None] == [("H87", Decimal(2))] * 4
    assert [c.yield_quantity.source_uom for c in read] == ["ST", "Each", "Ea", "ea"]


# --- order, material, operation, plant --------------------------------------------------------------------------

def test_order_and_material(orders: dict[str, ProductionOrder],
                            confirmations: dict[str, ProductionConfirmation]) -> None:
    # Order numbers and plants legitimately differ: each ERP numbers its own orders and names its own sites
    # (SAP AUFNR/WERKS, Oracle work order number/organization code, D365 order number/site within a company).
    expected = {"sap": ("1000123", "1710", None), "oracle": ("M1-1001", "M1", None), "d365": ("P000123", "1", "USMF")}
    for channel, order in orders.items():
        vendor = channel.split("-")[0]
        order_id, plant, company = expected[vendor]
        assert (order.order_id, order.plant) == (order_id, plant), channel
        if company is not None:
            assert order.company_id == company, channel
    for channel, conf in confirmations.items():
        vendor = channel.split("-")[0]
        assert (conf.order_id, conf.plant) == expected[vendor][:2], channel
    # What must agree does: the material, the ordered 100 pieces, the status.
    for channel, order in orders.items():
        assert order.material_id == "FG-1000", channel
        assert _pieces(order.planned_quantity) == Decimal(100), channel
        assert order.status == "released", channel
    # The raw status codes are each vendor's own: SAP system statuses, Oracle's code, EBS STATUS_TYPE, D365 enum.
    assert [o.status_source_code for o in orders.values()] == [
        "I0002 I0016 I0028", "I0002 I0016 I0028", "ORA_RELEASED", "3", "Released"]
    # Only D365's report as finished and route card name the material on the confirmation itself; SAP and Oracle
    # confirmations carry no material (the order has it).
    assert {c: confirmations[c].material_id for c in confirmations} == {
        "sap-idoc": None, "sap-odata": None, "oracle-fusion": None, "oracle-ebs": None,
        "d365-raf": "FG-1000", "d365-route": "FG-1000", "d365-route-setup": "FG-1000"}


def test_operation_10(orders: dict[str, ProductionOrder], confirmations: dict[str, ProductionConfirmation]) -> None:
    # SAP's operation number (VORNR) is four characters, zero-padded ("0010"); Oracle and D365 give the number (10).
    # Same operation, each vendor's key convention, so compare the number.
    ops = {c: confirmations[c].operation_id for c in confirmations}
    assert ops == {"sap-idoc": "0010", "sap-odata": "0010", "oracle-fusion": "10", "oracle-ebs": "10",
                   "d365-raf": None, "d365-route": "10", "d365-route-setup": "10"}
    # D365's report as finished is for the order (no operation): the model's order-level confirmation.
    assert {int(op) for op in ops.values() if op is not None} == {10}
    assert {int(o.operations[0].operation_id) for o in orders.values() if o.operations} == {10}
    # the work center agrees where a payload names it (the SAP OData POST and the Oracle bodies do not)
    assert {c: confirmations[c].work_center_id for c in ("sap-idoc", "d365-route")} == {
        "sap-idoc": "ASSY01", "d365-route": "ASSY01"}
    # D365's route operation names the operation (OperationId ASSEMBLE, as Oracle's OperationName) but not its
    # resource: the sample's route operation has no OperationsResourceId.
    assert {c: o.operations[0].work_center_id for c, o in orders.items() if o.operations} == {
        "sap-idoc": "ASSY01", "sap-odata": "ASSY01", "oracle-fusion": "ASSY01", "d365-odata": None}
    assert [orders[c].operations[0].process_segment_id for c in ("oracle-fusion", "d365-odata")] == ["ASSEMBLE"] * 2


# --- posting, finality, times, activities -----------------------------------------------------------------------

def test_every_report_is_a_posting_request(confirmations: dict[str, ProductionConfirmation],
                                           movements: dict[str, list[MaterialMovement]]) -> None:
    """All these payloads go from the MES to the ERP: each is a request addressed to its ERP, none a posted fact."""
    targets = {"sap": "S4H-100", "oracle": "ORA-PROD", "d365": "D365-USMF"}
    for channel, conf in confirmations.items():
        assert conf.posting is not None, channel
        assert (conf.posting.state, conf.posting.target_system) == ("requested", targets[channel.split("-")[0]])
    for channel, found in movements.items():
        for m in found:
            assert m.posting is not None, (channel, m.movement_id)
            assert (m.posting.state, m.posting.target_system) == ("requested", targets[channel.split("-")[0]])


def test_is_final(confirmations: dict[str, ProductionConfirmation]) -> None:
    # Final for operation 10: SAP FIN_CONF/FinalConfirmationType "X", D365 route card OperationCompleted "Yes".
    assert [confirmations[c].is_final for c in ("sap-idoc", "sap-odata", "d365-route")] == [True, True, True]
    assert confirmations["sap-idoc"].final_confirmation_source_code == "X"
    # Not final, because the payloads say nothing final: an Oracle operation transaction or WIP move has no
    # final flag (completing an operation is a dispatch state, not the operation's end); D365's report as
    # finished is order level and says EndJob "No".
    assert [confirmations[c].is_final for c in ("oracle-fusion", "oracle-ebs", "d365-raf")] == [False] * 3
    # the route card's setup line reports time only: OperationCompleted absent, so not final
    assert confirmations["d365-route-setup"].is_final is False


def test_end_of_operation_10_in_utc(confirmations: dict[str, ProductionConfirmation]) -> None:
    # SAP (EXEC_FIN 14:29 / PT14H29M00S, plant 1710 local) and EBS (TRANSACTION_DATE "2024-01-16 14:29:00",
    # organization M1 local) write the same local time in the same zone: the same instant in UTC.
    end = datetime(2024, 1, 16, 22, 29, tzinfo=UTC)
    assert [confirmations[c].ended_at for c in ("sap-idoc", "sap-odata", "oracle-ebs")] == [end] * 3
    assert _local(end, LA) == datetime(2024, 1, 16, 14, 29)
    # Payload difference: the Fusion body writes 14:29 with an explicit +00:00 offset, so it is 14:29 UTC; the
    # offset wins over the organization's zone (ISO timestamps with offsets are instants).
    assert confirmations["oracle-fusion"].ended_at == datetime(2024, 1, 16, 14, 29, tzinfo=UTC)
    # Payload difference: D365 reports as finished at ExecutedDateTime 18:45Z (after operation 10), and its
    # route card has dates only. The Fusion product completion says 18:45+00:00 too: the same instant.
    assert confirmations["d365-raf"].ended_at == datetime(2024, 1, 16, 18, 45, tzinfo=UTC)
    assert confirmations["d365-route"].ended_at is None
    # Start: only SAP gives one (06:05 local)
    assert confirmations["sap-idoc"].started_at == confirmations["sap-odata"].started_at == datetime(
        2024, 1, 16, 14, 5, tzinfo=UTC)
    # The posting date agrees where there is one; Oracle's bodies have a transaction instant and no separate date.
    dates = {c: confirmations[c].posting_date for c in confirmations}
    assert dates == {"sap-idoc": DAY, "sap-odata": DAY, "oracle-fusion": None, "oracle-ebs": None,
                     "d365-raf": DAY, "d365-route": DAY, "d365-route-setup": DAY}


def test_order_dates_agree_in_local_time(orders: dict[str, ProductionOrder]) -> None:
    """All order payloads schedule 06:00 to 18:30 on 16 January, in the plant's wall clock; in UTC they agree
    where the plants share a zone (SAP 1710 and Oracle M1 in Los Angeles), not with D365's site in New York."""
    start, end = datetime(2024, 1, 16, 6, 0), datetime(2024, 1, 16, 18, 30)
    sap, sap_odata = orders["sap-idoc"], orders["sap-odata"]
    ebs, fusion, d365 = orders["oracle-ebs"], orders["oracle-fusion"], orders["d365-odata"]
    # SAP's scheduled dates (GSTRS/GLTRS) and basic start (GSTRP); EBS FIRST_UNIT_START_DATE /
    # LAST_UNIT_COMPLETION_DATE (the model's planned window); D365 ScheduledStart/End date + seconds of day.
    for order in (sap, sap_odata):
        assert (_local(order.scheduled_start_at, LA), _local(order.scheduled_end_at, LA)) == (start, end)
    assert (_local(ebs.planned_start_at, LA), _local(ebs.planned_end_at, LA)) == (start, end)
    assert (_local(d365.scheduled_start_at, NEW_YORK), _local(d365.scheduled_end_at, NEW_YORK)) == (start, end)
    assert sap.scheduled_start_at == ebs.planned_start_at == datetime(2024, 1, 16, 14, 0, tzinfo=UTC)
    assert sap.scheduled_end_at == ebs.planned_end_at == datetime(2024, 1, 17, 2, 30, tzinfo=UTC)
    assert d365.scheduled_start_at == datetime(2024, 1, 16, 11, 0, tzinfo=UTC)  # the site's zone differs
    # Payload difference: the Fusion work order writes the same clock times with +00:00 (UTC instants).
    assert (fusion.planned_start_at, fusion.planned_end_at) == (
        datetime(2024, 1, 16, 6, 0, tzinfo=UTC), datetime(2024, 1, 16, 18, 30, tzinfo=UTC))
    # SAP's basic finish (GLTRP 20240117 240000) is a day later than its scheduled finish; no other payload
    # has basic dates.
    assert _local(sap.planned_end_at, LA) == datetime.combine(date(2024, 1, 18), time())


def test_activities(confirmations: dict[str, ProductionConfirmation]) -> None:
    sap = {a.activity: _minutes(a.duration) for a in confirmations["sap-idoc"].activities}
    assert sap == {a.activity: _minutes(a.duration) for a in confirmations["sap-odata"].activities}
    route = [a for c in ("d365-route", "d365-route-setup") for a in confirmations[c].activities]
    d365 = {a.activity: _minutes(a.duration) for a in route}
    # Setup agrees exactly: SAP 15 MIN, D365 0.25 hours (Hours with TaskType Setup).
    assert sap["setup"] == d365["setup"] == Decimal(15)
    # Payload difference: SAP books 250 min machine and 250 min labour; the D365 route card books 4.4 hours of
    # Process time (machine, 264 min) and names the worker instead of booking labour time.
    assert (sap["machine"], sap["labor"]) == (Decimal(250), Decimal(250))
    assert set(d365) == {"setup", "machine"}
    assert d365["machine"] == Decimal(264)
    assert confirmations["d365-route"].personnel_ids == ["000020"]
    # Oracle's operation transactions and WIP moves carry no times (resource transactions are a separate
    # resource, with no sample); the report as finished has none either.
    assert [confirmations[c].activities for c in ("oracle-fusion", "oracle-ebs", "d365-raf")] == [[], [], []]


def test_planned_operation_10(orders: dict[str, ProductionOrder]) -> None:
    ops = {c: o.operations[0] for c, o in orders.items() if o.operations}
    assert set(ops) == {"sap-idoc", "sap-odata", "oracle-fusion", "d365-odata"}  # EBS job rows carry no routing
    planned = {c: {a.activity: a for a in op.planned_activities} for c, op in ops.items()}
    # Setup agrees: 15 min (SAP VGW01, D365 SetupTime 0.25 hours); Oracle's resource has no setup.
    assert _minutes(planned["sap-idoc"]["setup"].duration) == _minutes(planned["d365-odata"]["setup"].duration) == 15
    # Machine time per piece: SAP 2.5 min per base quantity 1 (BMSCH), D365 0.04 hours (2.4 min) per
    # ProcessQuantity 1. Same basis; the minutes differ in the payloads. (The SAP OData GET has no base quantity.)
    sap, d365 = planned["sap-idoc"]["machine"], planned["d365-odata"]["machine"]
    assert sap.basis_quantity is not None
    assert d365.basis_quantity is not None
    assert _pieces(sap.basis_quantity) == _pieces(d365.basis_quantity) == 1
    assert (_minutes(sap.duration), _minutes(d365.duration)) == (Decimal("2.5"), Decimal("2.4"))
    # Oracle gives the resource's required usage for the whole 100 pieces, with no basis and no resource type
    # (kind "other"): 250 min, which is SAP's labour standard of 2.5 min per piece times 100.
    (ora,) = ops["oracle-fusion"].planned_activities
    assert (ora.activity, _minutes(ora.duration), ora.basis_quantity, ora.resource_id) == (
        "other", Decimal(250), None, "ASSY-LABOR")
    assert _minutes(planned["sap-idoc"]["labor"].duration) * 100 == _minutes(ora.duration)


def test_components(orders: dict[str, ProductionOrder]) -> None:
    found = {c: {r.material_id: r for r in o.material_requirements} for c, o in orders.items()}
    assert found["oracle-ebs"] == {}  # WIP_JOB_SCHEDULE_INTERFACE rows carry no components (WIP_JOB_DTLS does)
    for channel in ("sap-idoc", "sap-odata", "oracle-fusion", "d365-odata"):
        rm2001, rm3001 = found[channel]["RM-2001"], found[channel]["RM-3001"]
        assert _pieces(rm2001.quantity) == 100, channel
        assert (rm3001.quantity.uom, rm3001.quantity.value) == ("KGM", Decimal("12.5")), channel
        assert int(rm2001.operation_id or 0) == int(rm3001.operation_id or 0) == 10, channel
    # Payload differences: the Fusion operation material has no lot field; the backflushed component differs
    # (SAP marks RM-2001, Oracle OPERATION_PULL and D365 Finish mark RM-3001).
    assert [found[c]["RM-2001"].lot_id for c in ("sap-idoc", "sap-odata", "oracle-fusion", "d365-odata")] == [
        "L24-0042", "L24-0042", None, "L24-0042"]
    assert [bool(found[c]["RM-2001"].is_backflush) for c in ("sap-idoc", "oracle-fusion", "d365-odata")] == [
        True, False, False]
    assert [bool(found[c]["RM-3001"].is_backflush) for c in ("sap-idoc", "oracle-fusion", "d365-odata")] == [
        False, True, True]


# --- movements ---------------------------------------------------------------------------------------------------

def test_receipt_of_the_98(movements: dict[str, list[MaterialMovement]],
                           confirmations: dict[str, ProductionConfirmation]) -> None:
    receipts = {c: _movement(movements[c], "goods_receipt", "FG-1000") for c in ("sap", "oracle-fusion", "oracle-ebs")}
    for channel, receipt in receipts.items():
        assert (_pieces(receipt.quantity), receipt.lot_id) == (Decimal(98), "FG24011601"), channel
    # The MES's own document reference (and line) is the movement id in both ERPs' channels.
    assert {r.movement_id for r in receipts.values()} == {"MES-GR-000412/1"}
    # D365 has no separate receipt message: the report as finished receives the output, into the same lot.
    raf = confirmations["d365-raf"]
    assert (raf.produced_lot_id, raf.outputs[0].lot_id) == ("FG24011601", "FG24011601")
    # Times: Fusion (18:45+00:00) and D365 (18:45Z) agree in UTC. Payload differences: the SAP goods movement
    # has a posting date only (midnight in the plant, precision day), and EBS writes 18:45 without a zone,
    # which is organization M1's local time, so 02:45 UTC the next day.
    assert receipts["oracle-fusion"].occurred_at == raf.ended_at == datetime(2024, 1, 16, 18, 45, tzinfo=UTC)
    assert (receipts["sap"].occurred_at_precision, _local(receipts["sap"].occurred_at, LA)) == (
        "day", datetime.combine(DAY, time()))
    assert receipts["oracle-ebs"].occurred_at == datetime(2024, 1, 17, 2, 45, tzinfo=UTC)


def test_component_issues(movements: dict[str, list[MaterialMovement]]) -> None:
    issues = {c: _movement(movements[c], "goods_issue", "RM-2001") for c in movements}
    for channel, issue in issues.items():
        assert _pieces(issue.quantity) == Decimal(100), channel
    assert {c: issues[c].lot_id for c in issues} == {
        "sap": "L24-0042", "oracle-fusion": "L24-0042", "oracle-ebs": "L24-0042",
        # the D365 picking list line has no batch field: D365 takes the batch from the reservation
        "d365": None}
    assert {issues[c].movement_id for c in ("sap", "oracle-fusion", "oracle-ebs")} == {"MES-GI-000981/1"}
    # IsConsumptionEnded "Yes" (D365) and the SAP 261 item's final-issue flag agree; Oracle's issue has none.
    assert [issues[c].is_final_issue for c in ("sap", "d365", "oracle-fusion")] == [True, True, False]
    # RM-3001, 12.75 kg: SAP and D365 issue it (exactly, in KGM); the Oracle samples issue RM-2001 only.
    kilos = [_movement(movements[c], "goods_issue", "RM-3001").quantity for c in ("sap", "d365")]
    assert [(q.uom, q.value) for q in kilos] == [("KGM", Decimal("12.750")), ("KGM", Decimal("12.75"))]
    assert all(m.material_id != "RM-3001" for c in ("oracle-fusion", "oracle-ebs") for m in movements[c])


def test_scrap_from_stock(movements: dict[str, list[MaterialMovement]]) -> None:
    sap = _movement(movements["sap"], "scrap", "RM-2001")
    fusion = _movement(movements["oracle-fusion"], "scrap", "RM-2001")
    # SAP 551 and the Fusion miscellaneous issue of -3 (the sign is the direction): 3 pieces of lot L24-0042.
    for scrap in (sap, fusion):
        assert (_pieces(scrap.quantity), scrap.lot_id) == (Decimal(3), "L24-0042")
        assert scrap.from_location is not None
    # Key convention: SAP keeps the MES reference with its item ("/1"); a Fusion staged transaction's id is its
    # TransactionReference, which names the document only. The document reference agrees.
    assert (sap.movement_id, fusion.movement_id) == ("MES-SCR-000055/1", "MES-SCR-000055")
    assert sap.movement_id.split("/")[0] == fusion.movement_id
    # D365's scrap in the scenario is a component's ScrapBOMQuantity (0.25 kg RM-3001), not the stock scrap.
    d365 = [m for m in movements["d365"] if m.movement_type == "scrap"]
    assert [(m.material_id, m.quantity.value) for m in d365] == [("RM-3001", Decimal("0.25"))]
