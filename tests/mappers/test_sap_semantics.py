"""SAP semantics both channels agree on (IDoc and OData): final-confirmation modes, confirmation ids,
operations keyed by sequence, reversal references, status changes, released orders, usage decisions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mfgcanon.mappers import MappingContext, get
from mfgcanon.v1 import MaterialMovement, MovementType, ProductionConfirmation

from .conftest import sample

IDOC = get("sap-idoc")
ODATA = get("sap-odata")


def _odata(name: str, edit: Any) -> bytes:
    """An OData sample with its (first) record edited in place by ``edit``."""
    doc = json.loads(sample(name))
    record = doc["d"]["results"][0] if "results" in doc.get("d", {}) else doc.get("d", doc)
    edit(record)
    return json.dumps(doc).encode()


def _confirmations(payload: bytes, mapper: Any, ctx: MappingContext) -> list[ProductionConfirmation]:
    result = mapper.to_canonical(payload, ctx)
    assert not result.rejects, result.rejects
    return [e.data for e in result.events if isinstance(e.data, ProductionConfirmation)]


# ---------------------------------------------------------------- 1. final-confirmation modes
@pytest.mark.parametrize(("mode", "final"), [("X", True), ("1", False), ("", False)])
def test_final_confirmation_mode_in_both_channels(ctx: MappingContext, mode: str, final: bool) -> None:
    """FIN_CONF / FinalConfirmationType: X final, 1 automatic final (SAP decides when it posts: not final),
    blank partial. Both channels agree and keep the mode verbatim."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               options={"default_plant": "1710"})
    idoc = sample("idoc_ppcc2pretticket02_confirmation.xml").replace(
        b"<FIN_CONF>X</FIN_CONF>", f"<FIN_CONF>{mode}</FIN_CONF>".encode())
    (from_idoc,) = _confirmations(idoc, IDOC, ctx)

    def edit(r: dict[str, Any]) -> None:
        r["FinalConfirmationType"] = mode
        r["IsFinalConfirmation"] = final  # what SAP reports beside the mode

    from_odata = _confirmations(_odata("odata_prodnordconf2_post_response.json", edit), ODATA, ctx)[0]
    for c in (from_idoc, from_odata):
        assert c.is_final is final
        assert c.final_confirmation_source_code == (mode or None)


@pytest.mark.parametrize("mode", ["X", "1"])
def test_final_confirmation_mode_goes_back_out(ctx: MappingContext, mode: str) -> None:
    """The writers send the mode back: an automatic final confirmation stays automatic."""
    idoc = sample("idoc_ppcc2pretticket02_confirmation.xml").replace(
        b"<FIN_CONF>X</FIN_CONF>", f"<FIN_CONF>{mode}</FIN_CONF>".encode())
    (c,) = _confirmations(idoc, IDOC, ctx)
    assert f"<FIN_CONF>{mode}</FIN_CONF>".encode() in IDOC.from_canonical([c], ctx)
    body = ODATA.from_canonical([c], ctx)
    assert body["FinalConfirmationType"] == mode
    assert body["IsFinalConfirmation"] is (mode == "X")


# ---------------------------------------------------------------- 2. confirmation ids
def _ticket_without_external_id(extra: bytes = b"") -> bytes:
    doc = sample("idoc_ppcc2pretticket02_confirmation.xml")
    start = doc.index(b"<EX_IDENT>")
    end = doc.index(b"</EX_IDENT>") + len(b"</EX_IDENT>")
    return doc[:start] + b"<CONF_NO>0000004711</CONF_NO>" + extra + doc[end:]


def test_idoc_confirmation_id_is_never_the_confirmation_number(ctx: MappingContext) -> None:
    """CONF_NO (RUECK) names the operation, not the confirmation: two tickets of one operation must not
    share an id. Without EX_IDENT the id is derived from the ticket, deterministically."""
    (first,) = _confirmations(_ticket_without_external_id(), IDOC, ctx)
    (again,) = _confirmations(_ticket_without_external_id(), IDOC, ctx)
    (other,) = _confirmations(_ticket_without_external_id(b"<CONF_TEXT>second</CONF_TEXT>"), IDOC, ctx)
    assert first.confirmation_id not in ("4711", "0000004711")
    assert first.confirmation_id.startswith(f"{first.order_id}/{first.operation_id}/")
    assert first.confirmation_id == again.confirmation_id
    assert other.confirmation_id != first.confirmation_id
    assert ("sap.confirmation_number", "4711") in [(p.name, p.value) for p in first.properties]
    # the derived id goes out as EX_IDENT and comes back unchanged
    (back,) = _confirmations(IDOC.from_canonical([first], ctx), IDOC, ctx)
    assert back.confirmation_id == first.confirmation_id


def test_odata_confirmation_id_is_never_the_group_alone(ctx: MappingContext) -> None:
    """A ProdnOrdConf2 record with its group but no count nor external id: a derived id, not the group."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               options={"default_plant": "1710"})

    def edit(r: dict[str, Any]) -> None:
        r["ConfirmationGroup"] = "412001"
        r.pop("ConfirmationCount", None)
        r.pop("ExternalSystemConfirmation", None)

    (c,) = _confirmations(_odata("odata_prodnordconf2_post_request.json", edit), ODATA, ctx)
    assert c.confirmation_id != "412001"
    assert c.confirmation_id.startswith(f"{c.order_id}/")
    (again,) = _confirmations(_odata("odata_prodnordconf2_post_request.json", edit), ODATA, ctx)
    assert again.confirmation_id == c.confirmation_id
    posted = _confirmations(sample("odata_prodnordconf2_post_response.json"), ODATA, ctx)[0]
    assert posted.confirmation_id == "412001/1"  # RUECK/RMZHL once SAP posted it


# ---------------------------------------------------------------- 3. operations
SUB_OPERATION = b"""<E1AFUVL SEGMENT="1">
            <UVORN>0010</UVORN>
            <LTXA1>Torque check</LTXA1>
            <ARBPL>QC01</ARBPL>
            <FSAVD>20240116</FSAVD>
            <FSAVZ>080000</FSAVZ>
            <E1JSTUL SEGMENT="1"><STAT>I0002</STAT></E1JSTUL>
          </E1AFUVL>
          <E1AFVOL2 SEGMENT="1">"""


def _order(doc: bytes, mapper: Any, ctx: MappingContext) -> Any:
    result = mapper.to_canonical(doc, ctx)
    assert not result.rejects, result.rejects
    return result.events[0].data


def test_idoc_operation_dates_sub_operations_and_basis(ctx: MappingContext) -> None:
    """FSAVD/FSEDD (earliest) are the planned dates even when SSAVD/SSEDD (latest) are there, which go to
    latest_*; a sub-operation E1AFUVL is an operation of its own with its parent; BMSCH is the basis of the
    standard values."""
    doc = sample("idoc_loipro05_production_order.xml")
    doc = doc.replace(b"<FSEDZ>143000</FSEDZ>\n", b"<FSEDZ>143000</FSEDZ>\n<SSAVD>20240117</SSAVD><SSAVZ>060000</SSAVZ>"
                      b"<SSEDD>20240117</SSEDD><SSEDZ>143000</SSEDZ>\n", 1)
    doc = doc.replace(b'<E1AFVOL2 SEGMENT="1">', SUB_OPERATION, 1)
    order = _order(doc, IDOC, ctx)
    first = order.operations[0]
    assert first.operation_id == "0010"
    assert first.parent_operation_id is None
    assert first.planned_start_at.isoformat() == "2024-01-16T14:00:00+00:00"  # 06:00 Los Angeles, earliest
    assert first.latest_start_at.isoformat() == "2024-01-17T14:00:00+00:00"
    assert first.latest_end_at.isoformat() == "2024-01-17T22:30:00+00:00"
    assert first.planned_end_at.isoformat() == "2024-01-16T22:30:00+00:00"
    assert {a.basis_quantity.value for a in first.planned_activities} == {1}
    assert all(a.basis_quantity.uom == "H87" for a in first.planned_activities)
    sub = order.operations[1]
    assert (sub.operation_id, sub.parent_operation_id, sub.sequence_id) == ("0010", "0010", first.sequence_id)
    assert sub.description == "Torque check"
    assert sub.status_source_code == "I0002"


def test_odata_sub_operation_and_latest_dates(ctx: MappingContext) -> None:
    def edit(r: dict[str, Any]) -> None:
        op = r["to_ProductionOrderOperation"]["results"][0]
        sub = dict(op, ManufacturingOrderSubOperation="0010", OrderIntBillOfOperationsItem="00000099",
                   OpLtstSchedldExecStrtDte=op["OpErlstSchedldExecStrtDte"], OpLtstSchedldExecStrtTme="PT10H00M00S")
        r["to_ProductionOrderOperation"]["results"].append(sub)

    order = _order(_odata("odata_production_order_2_get_response.json", edit), ODATA, ctx)
    top, sub = order.operations
    assert top.parent_operation_id is None
    assert top.latest_start_at is None
    assert (sub.operation_id, sub.parent_operation_id) == ("0010", top.operation_id)
    assert sub.latest_start_at is not None
    assert sub.latest_start_at.astimezone(ctx.zone_for("1710")).hour == 10


# ---------------------------------------------------------------- 4. reversals, returns, cancelled items
def _mbgmcr(move_type: str, reference: bytes = b"") -> bytes:
    doc = sample("idoc_mbgmcr03_goods_issue_261.xml")
    return doc.replace(b"<MOVE_TYPE>261</MOVE_TYPE>", f"<MOVE_TYPE>{move_type}</MOVE_TYPE>".encode() + reference, 1)


REFERENCE = (b"<MATDOC_TR_CANCEL>4900000123</MATDOC_TR_CANCEL><MATITEM_TR_CANCEL>0001</MATITEM_TR_CANCEL>"
             b"<MATYEAR_TR_CANCEL>2024</MATYEAR_TR_CANCEL>")


def _movements(payload: bytes, mapper: Any, ctx: MappingContext) -> list[MaterialMovement]:
    result = mapper.to_canonical(payload, ctx)
    assert not result.rejects, result.rejects
    return [e.data for e in result.events if isinstance(e.data, MaterialMovement)]


def test_idoc_reversal_with_reference_round_trips(ctx: MappingContext) -> None:
    reversal = _movements(_mbgmcr("262", REFERENCE), IDOC, ctx)[0]
    assert reversal.movement_type is MovementType.GOODS_ISSUE
    assert reversal.is_reversal
    assert reversal.reverses_movement_id == "4900000123/2024/1"
    out = IDOC.from_canonical([reversal], ctx)
    for element in REFERENCE.replace(b"><", b">\n<").split(b"\n"):
        assert element in out
    assert _movements(out, IDOC, ctx)[0].reverses_movement_id == reversal.reverses_movement_id


def test_idoc_reversal_type_without_reference_is_a_return(ctx: MappingContext) -> None:
    """262 naming no document to reverse cancels nothing: components go back to stock, a return whose
    storage location is where they arrive; it is written back as 262."""
    issue = _movements(sample("idoc_mbgmcr03_goods_issue_261.xml"), IDOC, ctx)[0]
    back = _movements(_mbgmcr("262"), IDOC, ctx)[0]
    assert back.movement_type is MovementType.RETURN
    assert not back.is_reversal
    assert back.reverses_movement_id is None
    assert back.movement_type_source_code == "262"
    assert back.to_location == issue.from_location
    assert back.from_location is None
    out = IDOC.from_canonical([back], ctx)
    assert b"<MOVE_TYPE>262</MOVE_TYPE>" in out
    assert b"<STGE_LOC>" in out
    assert _movements(out, IDOC, ctx)[0].movement_type is MovementType.RETURN


def test_idoc_status_change_reversals_stay_reversals(ctx: MappingContext) -> None:
    """322, 344 and 350 move stock between statuses with or without a reference (344 reverses 343)."""
    for code, before, after in (("322", "quality_inspection", "unrestricted"), ("344", "blocked", "unrestricted"),
                                ("350", "blocked", "quality_inspection")):
        moved = _movements(_mbgmcr(code), IDOC, ctx)[0]
        assert moved.movement_type is MovementType.STATUS_CHANGE, code
        assert moved.is_reversal, code
        assert (moved.from_stock_status, moved.to_stock_status) == (before, after), code


def _material_document(edit: Any) -> bytes:
    return _odata("odata_material_document_get_response.json", edit)


def test_odata_reversal_references_and_cancelled_items(ctx: MappingContext) -> None:
    def reversal(r: dict[str, Any]) -> None:
        r.update(GoodsMovementType="262", ReversedMaterialDocument="4900000123", ReversedMaterialDocumentYear="2024",
                 ReversedMaterialDocumentItem="0001")

    (m,) = _movements(_material_document(reversal), ODATA, ctx)
    assert (m.movement_type, m.is_reversal, m.reverses_movement_id) == (
        MovementType.GOODS_ISSUE, True, "4900000123/2024/1")

    def unreferenced(r: dict[str, Any]) -> None:
        r.update(GoodsMovementType="262")

    (m,) = _movements(_material_document(unreferenced), ODATA, ctx)
    assert (m.movement_type, m.is_reversal) == (MovementType.RETURN, False)

    def cancelled(r: dict[str, Any]) -> None:
        r.update(GoodsMovementIsCancelled=True)

    (m,) = _movements(_material_document(cancelled), ODATA, ctx)
    assert (m.movement_type, m.is_reversal) == (MovementType.GOODS_ISSUE, False)  # the 261 it was
    assert ("sap.cancelled", "true") in [(p.name, p.value) for p in m.properties]


# ---------------------------------------------------------------- 5. released orders, usage decisions
def test_partially_released_orders_read_as_released(ctx: MappingContext) -> None:
    """PREL (I0042, OData OrderIsPartiallyReleased): some operations are released, the order can be worked on."""
    doc = sample("idoc_loipro05_production_order.xml").replace(b"<STAT>I0002</STAT>", b"<STAT>I0042</STAT>", 1)
    order = _order(doc, IDOC, ctx)
    assert order.status == "released"
    assert "I0042" in (order.status_source_code or "")

    def edit(r: dict[str, Any]) -> None:
        r.update(OrderIsReleased="", OrderIsPartiallyReleased="X", OrderIsCreated="X")

    order = _order(_odata("odata_production_order_2_get_response.json", edit), ODATA, ctx)
    assert order.status == "released"


@pytest.mark.parametrize(("code", "valuation", "expected"), [
    ("A2", "A", "accept"),  # the valuation decides, not the packaged example code list
    ("R2", "R", "reject"),
    ("Z9", "R", "reject"),  # a customer code the packaged list does not know
    ("A2", "", "conditional_accept"),  # no valuation: the packaged code list
    ("Z9", "", "other"),
])
def test_usage_decision_follows_the_valuation(code: str, valuation: str, expected: str) -> None:
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})

    def edit(r: dict[str, Any]) -> None:
        r.update(InspectionLotUsageDecisionCode=code, InspLotUsageDecisionValuation=valuation)

    parts = [sample("odata_inspection_lot_get_response.json"),
             _odata("odata_inspection_usage_decision_get_response.json", edit)]
    result = ODATA.to_canonical_many(parts, ctx)
    assert not result.rejects, result.rejects
    inspection = result.events[0].data
    assert inspection.usage_decision == expected
    assert inspection.usage_decision_source_code == code


def _decision(ctx: MappingContext, code: str, valuation: str) -> Any:
    def edit(r: dict[str, Any]) -> None:
        r.update(InspectionLotUsageDecisionCode=code, InspLotUsageDecisionValuation=valuation)

    parts = [sample("odata_inspection_lot_get_response.json"),
             _odata("odata_inspection_usage_decision_get_response.json", edit)]
    return ODATA.to_canonical_many(parts, ctx)


def test_a_connections_usage_decision_codes_override_the_valuation() -> None:
    """UD codes are customer data: the connection's own list decides first."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               codes={"sap.usage_decision_codes": {"Z9": "rework", "R2": "conditional_accept"}})
    assert _decision(ctx, "Z9", "R").events[0].data.usage_decision == "rework"
    assert _decision(ctx, "R2", "R").events[0].data.usage_decision == "conditional_accept"
    assert _decision(ctx, "A2", "A").events[0].data.usage_decision == "accept"  # not listed: the valuation
    bad = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               codes={"sap.usage_decision_codes": {"Z9": "maybe"}})
    rejects = _decision(bad, "Z9", "R").rejects
    assert rejects
    assert {r.code for r in rejects} == {"invalid_context"}  # every record the decision belongs to
    assert all("'maybe'" in r.reason for r in rejects)


def test_a_connections_own_movement_types_are_read_in_both_channels(ctx: MappingContext) -> None:
    own = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               codes={"sap.movement_types": {"911": {"movement_type": "scrap"}}})
    payload = _odata("odata_material_document_get_response.json", lambda r: r.update(GoodsMovementType="911"))
    (plain,) = [e.data for e in ODATA.to_canonical(payload, ctx).events if isinstance(e.data, MaterialMovement)]
    assert plain.movement_type is MovementType.OTHER
    (scrap,) = [e.data for e in ODATA.to_canonical(payload, own).events if isinstance(e.data, MaterialMovement)]
    assert (scrap.movement_type, scrap.movement_type_source_code) == (MovementType.SCRAP, "911")
    doc = sample("idoc_mbgmcr03_scrap_551.xml").replace(b"<MOVE_TYPE>551</MOVE_TYPE>", b"<MOVE_TYPE>911</MOVE_TYPE>")
    assert b"911" in doc
    movements = [e.data for e in IDOC.to_canonical(doc, own).events if isinstance(e.data, MaterialMovement)]
    assert [m.movement_type for m in movements] == [MovementType.SCRAP]


# ---------------------------------------------------------------- per-connection status and activity lists
def _orders(result: Any) -> list[Any]:
    assert not result.rejects, result.rejects
    return [e for e in result.events if e.event_type().startswith("mfgcanon.production_order.")]


def _with_user_hold(record: dict[str, Any]) -> None:
    record["to_ProductionOrderStatus"]["results"].append(
        {"ManufacturingOrder": "1000123", "StatusCode": "E0003", "IsUserStatus": True, "StatusShortName": "HOLD",
         "StatusName": "Held by quality"})


def test_a_connections_user_status_puts_an_order_on_hold_in_both_channels(ctx: MappingContext) -> None:
    """User statuses are customer data: a status the connection maps (E0003 -> HOLD -> on_hold) outranks
    a released status in both channels; without the mapping it changes nothing."""
    own = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               codes={"sap.status_codes": {"E0003": "HOLD"}, "sap.order_statuses": {"HOLD": "on_hold"}})
    idoc = sample("idoc_loipro05_production_order.xml").replace(
        b"<STAT>I0016</STAT>", b"<STAT>E0003</STAT>", 1)
    odata = _odata("odata_production_order_2_get_response.json", _with_user_hold)
    for payload, mapper in ((idoc, IDOC), (odata, ODATA)):
        (plain,) = _orders(mapper.to_canonical(payload, ctx))
        assert (plain.event_type(), plain.data.status) == ("mfgcanon.production_order.released.v1", "released")
        (held,) = _orders(mapper.to_canonical(payload, own))
        assert held.data.status == "on_hold"
        assert held.event_type() == "mfgcanon.production_order.updated.v1"
        assert "E0003" in (held.data.status_source_code or "")


def test_a_deleted_order_stays_deleted_whatever_the_connections_own_statuses(ctx: MappingContext) -> None:
    own = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               codes={"sap.status_codes": {"E0003": "HOLD"}, "sap.order_statuses": {"HOLD": "on_hold"}})
    idoc = sample("idoc_loipro05_production_order.xml").replace(
        b"<STAT>I0016</STAT>", b"<STAT>E0003</STAT>", 1).replace(b"<STAT>I0028</STAT>", b"<STAT>I0076</STAT>", 1)
    (order,) = _orders(IDOC.to_canonical(idoc, own))
    assert order.data.status == "cancelled"


def test_a_connection_can_remap_a_system_status() -> None:
    """The packaged list is a default: a connection that reads PREL (partly released) as planned says so."""
    own = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               codes={"sap.order_statuses": {"REL": "planned"}})
    (order,) = _orders(IDOC.to_canonical(sample("idoc_loipro05_production_order.xml"), own))
    assert order.data.status == "planned"


def test_a_status_list_entry_must_name_a_canonical_status() -> None:
    bad = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               codes={"sap.order_statuses": {"HOLD": "paused"}})
    result = IDOC.to_canonical(sample("idoc_loipro05_production_order.xml"), bad)
    assert not result.events
    (reject,) = result.rejects
    assert reject.code == "invalid_context"
    assert "sap.order_statuses" in reject.reason
    assert "'paused'" in reject.reason


def test_a_connections_activity_slots_in_and_out(ctx: MappingContext) -> None:
    """Which standard value is set-up or machine time is customer data (the work centre's formula keys): the
    connection's slots decide how LOIPRO's VGW01.. and a confirmation's CONF_ACTIVITY1.. are read and written."""
    own = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               options={"default_plant": "1710"},
                               codes={"sap.activity_slots": {"1": "machine", "2": "setup"}})
    loipro = sample("idoc_loipro05_production_order.xml")
    (plain,) = _orders(IDOC.to_canonical(loipro, ctx))
    (mine,) = _orders(IDOC.to_canonical(loipro, own))
    first = plain.data.operations[0].planned_activities[0]
    assert first.activity == "setup"
    assert mine.data.operations[0].planned_activities[0].activity == "machine"
    assert mine.data.operations[0].planned_activities[0].duration == first.duration
    (confirmation,) = _confirmations(sample("idoc_ppcc2pretticket02_confirmation.xml"), IDOC, own)
    setup = [a for a in confirmation.activities if a.activity == "setup"]
    assert setup
    written = IDOC.from_canonical([confirmation], own)
    assert b"<CONF_ACTIVITY2>" in written  # setup goes back to the connection's slot 2
    (again,) = _confirmations(written, IDOC, own)
    assert [(a.activity, a.duration) for a in again.activities] == [
        (a.activity, a.duration) for a in confirmation.activities]
    bad = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               codes={"sap.activity_slots": {"7": "machine"}})
    (reject,) = IDOC.to_canonical(loipro, bad).rejects
    assert reject.code == "invalid_context"
    assert "1..6" in reject.reason


def test_a_connections_code_lists_hold_on_the_typed_odata_path() -> None:
    """The typed fast path for production orders reads the packaged lists only: a connection with its own
    lists is mapped by the checked reader, so its statuses and activity slots hold (a test that fails when the
    fast path answers for it)."""
    own = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               codes={"sap.order_statuses": {"REL": "planned"}, "sap.activity_slots": {"1": "machine"}})
    payload = sample("odata_production_order_2_get_response.json")
    (order,) = _orders(ODATA.to_canonical(payload, own))
    assert order.data.status == "planned"
    kinds = {a.activity for op in order.data.operations for a in op.planned_activities}
    assert "setup" not in kinds


def test_a_closed_order_is_a_closed_event_in_both_channels(ctx: MappingContext) -> None:
    """CLSD (I0046): nothing may post any more; since 1.2.0 that is production_order.closed, as Oracle CLOSED
    and D365 Ended already give, not production_order.completed (TECO)."""
    idoc = sample("idoc_loipro05_production_order.xml").replace(b"<STAT>I0002</STAT>", b"<STAT>I0046</STAT>", 1)

    def closed(record: dict[str, Any]) -> None:
        record["to_ProductionOrderStatus"]["results"][0].update(StatusCode="I0046", StatusShortName="CLSD")

    odata = _odata("odata_production_order_2_get_response.json", closed)
    for payload, mapper in ((idoc, IDOC), (odata, ODATA)):
        (order,) = _orders(mapper.to_canonical(payload, ctx))
        assert order.event_type() == "mfgcanon.production_order.closed.v1"
        assert order.data.status == "closed"
