"""b2mml writer: every document validates against the official XSDs of its version (V0600, V0701), the
ApplicationArea comes from the event, and canonical -> B2MML -> canonical keeps what B2MML carries (hypothesis
over generated orders, confirmations with their movements and lots, in both versions), with each loss by design
named; the SAP LOIPRO order crosses into B2MML and back; missing values are typed errors, never invented."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError
from mfgcanon.mappers import MappingContext, get, load_context
from mfgcanon.mappers.b2mml import writer
from mfgcanon.mappers.b2mml.holds import hold_key
from mfgcanon.v1 import derive
from mfgcanon.v1.common import ActivityKind, ActivityTime, Location, Property, Quantity
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    InventoryReceived,
    LotUpserted,
    MaterialIssued,
    ProductionConfirmed,
    ProductionOrderReleased,
    ProductionOrderUpdated,
    QualityHoldPlaced,
    QualityHoldReleased,
    build_event,
)
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.lot import LotStatus, MaterialLot, MaterialSubLot
from mfgcanon.v1.order import MaterialRequirement, MaterialUse, Operation, OrderStatus, ProductionOrder
from mfgcanon.v1.quality import InspectedItem, Nonconformance, NonconformanceKind, QualityHold

from ._support import COMPOSED, COURBON_FILES, CTX, CTX_OUT, courbon, sample, schema

MAPPER: Any = get("b2mml")
VERSIONS = ("V0600", "V0701")
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
T0 = datetime(2024, 3, 5, 6, 0, tzinfo=UTC)


def _event(kind: Any, data: Any, *, time: datetime) -> Any:
    return build_event(kind, data, time=time, source_system="ERP-100")


def _valid(document: Any, version: str) -> None:
    errors = [f"{e.path}: {e.reason}" for e in schema(version).iter_errors(document.payload.decode())]
    assert not errors, errors


def _read(payload: bytes, ctx: MappingContext = CTX_OUT) -> list[Any]:
    result = MAPPER.to_canonical(payload, ctx)
    result.assert_balanced()
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    return [e.data for e in result.events]


def _derived_hold(entity: Any) -> bool:
    """A hold the reader derives from a lot's status (its source marked ``mfgcanon.hold``), not one written."""
    source = getattr(entity, "source", None)
    return isinstance(entity, Nonconformance) and source is not None and (
        source.document_type or "").startswith("mfgcanon.hold")


def _round(items: list[Any], version: str, ctx: MappingContext = CTX_OUT, holds: list[Any] | None = None) -> list[Any]:
    """Write, check every document against the XSDs, read back: the entities, derived links and holds left out
    (the derived holds go to ``holds`` when given)."""
    back: list[Any] = []
    for document in MAPPER.write_documents(items, ctx, version=version):
        _valid(document, version)
        for e in _read(document.payload, ctx):
            if _derived_hold(e):
                if holds is not None:
                    holds.append(e)
            elif type(e).__name__ != "GenealogyLink":
                back.append(e)
    return back


def _bare(entity: Any) -> Any:
    return msgspec.structs.replace(entity, source=None)


# The samples, in both versions ---------------------------------------------------------------------------
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", COMPOSED + list(COURBON_FILES))
def test_samples_written_back_validate_against_the_xsds(name: str, version: str) -> None:
    """Every sample's writable entities, written in each version, validate; what a version cannot carry is a
    typed error naming the field (V0600 has no PostingDate; V0701 needs segment ids the order may lack)."""
    payload = sample(name) if name in COMPOSED else courbon(name)
    entities = [e for e in _read(payload) if isinstance(e, MAPPER.accepts) and type(e).__name__ != "GenealogyLink"]
    if not entities:
        pytest.skip("no writable entity")
    if name == "v0701_sync_operations_performance.xml" and version == "V0600":
        with pytest.raises(MappingError) as caught:
            MAPPER.write_documents(entities, CTX_OUT, version=version)
        assert (caught.value.code, caught.value.path) == ("unmappable_value", "posting_date")
        return
    back = _round(entities, version)
    assert len(back) == len(entities)


def test_default_version_is_v0701_and_the_context_can_choose() -> None:
    (order,) = list(_read(sample("v0600_process_production_schedule.xml")))
    (document,) = MAPPER.write_documents([order], CTX_OUT)
    assert document.kind == "V0701:ProcessOperationsSchedule"
    ctx = dataclasses.replace(CTX_OUT, vendors={**CTX_OUT.vendors, "b2mml": {
        **CTX_OUT.vendor("b2mml"), "write_version": "V0600"}})
    (document,) = MAPPER.write_documents([order], ctx)
    assert document.kind == "V0600:ProcessProductionSchedule"
    root = etree.fromstring(document.payload)
    assert (root.get("releaseID"), etree.QName(root).namespace) == ("V0600", "http://www.mesa.org/xml/B2MML-V0600")
    with pytest.raises(MappingError) as caught:
        MAPPER.write_documents([order], CTX_OUT, version="V0401")
    assert caught.value.code == "invalid_context"


def test_application_area_from_the_event() -> None:
    (order,) = _read(sample("v0701_process_operations_schedule.xml"))
    event = _event(ProductionOrderReleased, order, time=datetime(2024, 3, 6, 9, 30, 0, 123456, tzinfo=UTC))
    ctx = dataclasses.replace(CTX_OUT, vendors={**CTX_OUT.vendors, "b2mml": {
        **CTX_OUT.vendor("b2mml"), "sender": "ERP-PROD"}})
    for version in VERSIONS:
        (document,) = MAPPER.write_documents([event], ctx, version=version)
        _valid(document, version)
        root = etree.fromstring(document.payload)
        ns = {"b": etree.QName(root).namespace}
        assert root.findtext("b:ApplicationArea/b:Sender/b:LogicalID", namespaces=ns) == "ERP-PROD"
        assert root.findtext("b:ApplicationArea/b:BODID", namespaces=ns) == str(event.id)
        assert root.findtext("b:ApplicationArea/b:CreationDateTime", namespaces=ns) == "2024-03-06T09:30:00.123456Z"
        assert root.get("releaseID") == version
        assert etree.QName(root).localname.startswith("Process")  # a released order asks the MES to run it
    update = _event(ProductionOrderUpdated, msgspec.structs.replace(order, status=OrderStatus.IN_PROGRESS),
                         time=T0)
    (document,) = MAPPER.write_documents([update], ctx)
    assert document.kind == "V0701:SyncOperationsSchedule"


def test_bare_entities_need_a_creation_time_from_the_context() -> None:
    (order,) = _read(sample("v0701_process_operations_schedule.xml"))
    with pytest.raises(MappingError) as caught:
        MAPPER.write_documents([order], dataclasses.replace(CTX_OUT, received_at=None))
    assert caught.value.code == "missing_field"
    assert caught.value.path is not None
    assert caught.value.path.endswith("ApplicationArea/CreationDateTime")
    (document,) = MAPPER.write_documents([order], CTX_OUT)
    root = etree.fromstring(document.payload)
    ns = {"b": etree.QName(root).namespace}
    assert root.findtext("b:ApplicationArea/b:BODID", namespaces=ns) is None  # no event: no BODID, none invented


def test_segment_ids_v0701_needs_come_from_lookups_or_are_an_error() -> None:
    (order,) = _read(courbon("PRO-20121210181416-27942.xml"))
    assert order.operations[0].process_segment_id is None
    with pytest.raises(MappingError) as caught:
        MAPPER.write_documents([order], dataclasses.replace(CTX, received_at=T0), version="V0701")
    assert (caught.value.code, caught.value.path) == ("unresolved_reference", "operations[0].process_segment_id")
    ctx = dataclasses.replace(CTX, received_at=T0, lookups={**CTX.lookups, "b2mml_process_segment": {"0010": "PS-1"},
                                                             "b2mml_operations_definition": {"SO1215": "OD-1"}})
    assert order.routing_id is None
    (document,) = MAPPER.write_documents([order], ctx, version="V0701")
    _valid(document, "V0701")
    (back,) = _read(document.payload, ctx)
    assert back.operations[0].process_segment_id == "PS-1"
    assert [op.operation_id for op in back.operations] == [op.operation_id for op in order.operations]
    assert [op.parent_operation_id for op in back.operations] == [op.parent_operation_id for op in order.operations]


# Hypothesis: generated canonical events ------------------------------------------------------------------
IDS = st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,7}", fullmatch=True)
TEXT = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 .]{0,10}[A-Za-z0-9]", fullmatch=True)
VALUES = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999"), places=3, allow_nan=False)
TIMES = st.integers(min_value=0, max_value=10**6).map(lambda s: T0 + timedelta(seconds=s, microseconds=s % 7))
UNITS = st.sampled_from([("KGM", "KG"), ("KGM", None), ("H87", "PC"), ("MTR", None)])


@st.composite
def windows(draw: Any) -> tuple[datetime | None, datetime | None]:
    """A start and an end that does not come before it, either one maybe absent."""
    start, end = sorted(draw(st.lists(TIMES, min_size=2, max_size=2)))
    return draw(st.none() | st.just(start)), draw(st.none() | st.just(end))


@st.composite
def quantities(draw: Any, unit: tuple[str, str | None] | None = None) -> Quantity:
    uom, source = unit or draw(UNITS)
    return Quantity(value=draw(VALUES), uom=uom, source_uom=source)


@st.composite
def props(draw: Any) -> list[Property]:
    names = draw(st.lists(st.from_regex(r"[A-Z][a-zA-Z]{0,8}", fullmatch=True), max_size=2, unique=True))
    return [Property(name=f"b2mml.{n}", value=draw(TEXT)) for n in names]


_STATES = {"V0600": {"released": "Released", "planned": "Forecast"},
           "V0701": {"released": "Released", "planned": "Forecast", "in_progress": "Running", "on_hold": "Held",
                     "completed": "Completed", "closed": "Closed", "cancelled": "Cancelled"}}


@st.composite
def orders(draw: Any, version: str) -> Any:
    """A production order as B2MML carries it (source codes as the reader gives them back)."""
    plant = draw(IDS)
    status = draw(st.sampled_from(sorted(_STATES[version])))
    op_ids = draw(st.lists(st.sampled_from(["0010", "0020", "0030", "0040"]), min_size=1, max_size=3, unique=True))
    ops = []
    for o in op_ids:
        start, end = draw(windows())
        ops.append(Operation(operation_id=o, description=draw(st.none() | TEXT), work_center_id=draw(st.none() | IDS),
                             process_segment_id=draw(IDS), planned_start_at=start, planned_end_at=end,
                             properties=draw(props())))
    line_ids = draw(st.lists(st.from_regex(r"[0-9]{4}", fullmatch=True), max_size=3, unique=True))
    reqs = [MaterialRequirement(
        line_id=line, material_id=draw(IDS), material_use_source_code="Consumed", quantity=draw(quantities()),
        operation_id=draw(st.sampled_from(op_ids)), bom_item_number=line, lot_id=draw(st.none() | IDS),
        issue_location=draw(st.none() | st.builds(Location, plant=st.just(plant), storage_location=IDS)),
        properties=draw(props())) for line in line_ids]
    reqs.sort(key=lambda r: op_ids.index(r.operation_id or ""))  # read back grouped by operation
    v07 = version == "V0701"
    priority = draw(st.none() | st.integers(min_value=0, max_value=1000))
    start, end = draw(windows())
    order = ProductionOrder(
        order_id=draw(IDS), plant=plant, description=draw(st.none() | TEXT), status=OrderStatus(status),
        status_source_code=_STATES[version][status], material_id=draw(IDS), planned_quantity=draw(quantities()),
        planned_start_at=start, planned_end_at=end, priority=priority,
        priority_source_code=None if priority is None else str(priority), routing_id=draw(IDS) if v07 else None,
        target_lot_id=draw(st.none() | IDS), operations=ops, material_requirements=reqs,
        revision=draw(st.none() | IDS), operations_type_source_code="Production" if v07 else None,
    )
    kind = ProductionOrderReleased if status == "released" else ProductionOrderUpdated
    return _event(kind, order, time=draw(TIMES))


@st.composite
def confirmations(draw: Any, version: str) -> list[Any]:
    """A confirmation with its receipt (the yield) and its issues, as events."""
    conf_id = f"{draw(IDS)}/{draw(IDS)}"
    unit = draw(UNITS)
    yielded = draw(quantities(unit))
    started, ended = draw(windows())
    ended = ended or T0
    plant, order_id, material = draw(IDS), draw(IDS), draw(IDS)
    # V0600 sends the operation in a ProductionData the property map reads, kept as a property too: V0701 only
    operation = draw(st.none() | st.sampled_from(["0010", "0020"])) if version == "V0701" else None
    lot = draw(st.none() | IDS)
    issues = draw(st.lists(st.tuples(IDS, quantities(), st.none() | IDS, st.none() | st.from_regex(
        r"[0-9]{4}", fullmatch=True)), max_size=2))
    movements = [MaterialMovement(
        movement_id=f"{conf_id}/1", movement_type=MovementType.GOODS_RECEIPT, movement_type_source_code="Produced",
        plant=plant, material_id=material, quantity=yielded, lot_id=lot, order_id=order_id, operation_id=operation,
        occurred_at=ended)]
    for position, (item, quantity, item_lot, line) in enumerate(issues, start=2):
        movements.append(MaterialMovement(
            movement_id=f"{conf_id}/{position}", movement_type=MovementType.GOODS_ISSUE,
            movement_type_source_code="Consumed", plant=plant, material_id=item, quantity=quantity, lot_id=item_lot,
            order_id=order_id, operation_id=operation, requirement_line_id=line, occurred_at=ended,
            properties=draw(props())))
    final = draw(st.booleans())
    labour = draw(st.lists(quantities(("HUR", None)), max_size=1))
    machine = draw(st.lists(quantities(("MIN", None)), max_size=1))
    conf = ProductionConfirmation(
        confirmation_id=conf_id, order_id=order_id, operation_id=operation, plant=plant, material_id=material,
        equipment_id=draw(IDS) if machine else None, yield_quantity=yielded,
        scrap_quantity=draw(st.none() | quantities(unit)), is_final=final,
        final_confirmation_source_code="Completed" if final else draw(st.sampled_from([None, "Running"])),
        started_at=started if started is None or started <= ended else None, ended_at=ended,
        posting_date=draw(st.none() | st.dates(date(2024, 1, 1), date(2024, 12, 31))) if version == "V0701" else None,
        activities=[ActivityTime(activity=ActivityKind.LABOR, duration=q, activity_source_code="PersonnelActual")
                    for q in labour]
        + [ActivityTime(activity=ActivityKind.MACHINE, duration=q, activity_source_code="EquipmentActual")
           for q in machine],
        personnel_ids=draw(st.lists(IDS, max_size=2, unique=True)) if labour else [],
        produced_lot_id=lot, material_movement_ids=[m.movement_id for m in movements], properties=draw(props()),
    )
    events = [_event(ProductionConfirmed, conf, time=ended)]
    events += [_event(InventoryReceived if m.movement_type is MovementType.GOODS_RECEIPT else MaterialIssued,
                           m, time=ended) for m in movements]
    return events


@st.composite
def lots(draw: Any, version: str) -> Any:
    spelled = {"released": "Released", "blocked": "Blocked", "quarantine": "Quarantine", "restricted": "Restricted",
               "rejected": "Rejected", "expired": "Expired", "consumed": "Consumed"}
    status = draw(st.sampled_from(sorted(spelled)))
    sub_ids = draw(st.lists(IDS, max_size=3, unique=True))
    subs = []
    for sub_id in sub_ids:
        sub_status = draw(st.none() | st.sampled_from(sorted(spelled)))
        subs.append(MaterialSubLot(
            sub_lot_id=sub_id, quantity=draw(st.none() | quantities()),
            status=LotStatus(sub_status) if sub_status else None,
            status_source_code=spelled[sub_status] if sub_status else None,
            properties=draw(props()) if version == "V0701" else []))
    lot = MaterialLot(
        lot_id=draw(IDS), material_id=draw(IDS), plant=draw(IDS), status=LotStatus(status),
        status_source_code=spelled[status], quantity=draw(st.none() | quantities()),
        expires_at=draw(st.none() | TIMES), sub_lots=subs, properties=draw(props()))
    return _event(LotUpserted, lot, time=draw(TIMES))


SETTINGS = settings(max_examples=15, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("version", VERSIONS)
@SETTINGS
@given(data=st.data())
def test_orders_round_trip(version: str, data: Any) -> None:
    event = data.draw(orders(version))
    (back,) = _round([event], version)
    assert _bare(back) == _bare(event.data)


@pytest.mark.parametrize("version", VERSIONS)
@SETTINGS
@given(data=st.data())
def test_confirmations_with_movements_round_trip(version: str, data: Any) -> None:
    events = data.draw(confirmations(version))
    back = _round(events, version)
    assert [_bare(e) for e in back] == [_bare(e.data) for e in events]


@pytest.mark.parametrize("version", VERSIONS)
@SETTINGS
@given(data=st.data())
def test_lots_round_trip(version: str, data: Any) -> None:
    event = data.draw(lots(version))
    holds: list[Any] = []
    (back,) = _round([event], version, holds=holds)
    assert _bare(back) == _bare(event.data)
    # the reader derives a hold from each status its [lot_hold] reads as placed (the lot's and its sub-lots')
    lot, placing = event.data, {"Restricted", "Quarantine", "Blocked", "Rejected"}
    expected = {hold_key(lot.plant, lot.material_id, lot.lot_id)} if lot.status_source_code in placing else set()
    expected |= {hold_key(lot.plant, lot.material_id, lot.lot_id, sub.sub_lot_id) for sub in lot.sub_lots
                 if sub.status_source_code in placing}
    assert {h.nonconformance_id for h in holds} == expected
    assert all(h.hold is not None and h.hold.is_active for h in holds)


# Losses by design, and what survives them ----------------------------------------------------------------
def test_a_yield_without_receipt_reads_back_as_a_receipt_too_unless_movements_are_off() -> None:
    """B2MML has one produced actual for a yield and its receipt: read with movements on, a confirmation that
    linked no receipt comes back with one (the reader cannot tell); with ``movements = false`` it comes back alone."""
    conf = ProductionConfirmation(confirmation_id="R-1/S-1", order_id="4711", plant="1000", material_id="FG-1",
                                  yield_quantity=Quantity(value=Decimal("12.5"), uom="KGM"), ended_at=T0,
                                  scrap_quantity=Quantity(value=Decimal("0.5"), uom="KGM"))
    off = dataclasses.replace(CTX_OUT, vendors={**CTX_OUT.vendors, "b2mml": {
        **CTX_OUT.vendor("b2mml"), "movements": False}})
    for version in VERSIONS:
        assert [_bare(e) for e in _round([conf], version, off)] == [conf]
        (again, receipt) = _round([conf], version)
        assert again.yield_quantity == conf.yield_quantity
        assert again.scrap_quantity == conf.scrap_quantity
        assert isinstance(receipt, MaterialMovement)
        assert receipt.quantity == conf.yield_quantity


def test_v0600_has_no_state_beyond_released_and_no_routing() -> None:
    """V0600 RequestState knows Forecast and Released only: another status is sent as Other/@OtherValue and reads
    back as other; V0600 requests carry no OperationsDefinitionID (routing) and no line ID (the line key travels
    in the property map's line_id property, which reads back as the BOM item too)."""
    (order,) = _read(sample("v0701_process_operations_schedule.xml"))
    running = msgspec.structs.replace(order, status=OrderStatus.IN_PROGRESS, status_source_code="Running")
    (document,) = MAPPER.write_documents([running], CTX_OUT, version="V0600")
    _valid(document, "V0600")
    assert b'OtherValue="Running"' in document.payload
    (back,) = _read(document.payload)
    assert (back.status, back.routing_id) == (OrderStatus.OTHER, None)
    assert [r.bom_item_number for r in back.material_requirements] == [
        r.line_id for r in order.material_requirements]
    (back07,) = _round([running], "V0701")
    assert (back07.status, back07.routing_id) == (OrderStatus.IN_PROGRESS, order.routing_id)


def test_foreign_properties_keep_their_values_under_the_b2mml_prefix() -> None:
    (order,) = _read(sample("v0701_process_operations_schedule.xml"))
    op = msgspec.structs.replace(order.operations[0], properties=[Property(name="sap.control_key", value="PP01")])
    (back,) = _round([msgspec.structs.replace(order, operations=[op, *order.operations[1:]])], "V0701")
    assert [(p.name, p.value) for p in back.operations[0].properties] == [("b2mml.sap.control_key", "PP01")]


# Co- and by-products ------------------------------------------------------------------------------------
def _co_products() -> list[Any]:
    """The co-product sample's confirmation and movements (its derived links and equipment state left out)."""
    return [e for e in _read(sample("v0701_sync_operations_performance_coproducts.xml"))
            if isinstance(e, ProductionConfirmation | MaterialMovement)]


@pytest.mark.parametrize("version", VERSIONS)
def test_co_and_by_products_are_produced_actuals_of_their_use(version: str) -> None:
    """A confirmation's co- and by-product receipts are no part of its yield: each is written as a produced
    actual with its own MaterialUse (V0600, which has none, as Other / @OtherValue), and reads back as the same
    output and receipt."""
    entities = _co_products()
    conf = entities[0]
    assert [o.material_use for o in conf.outputs] == [
        MaterialUse.PRODUCED, MaterialUse.CO_PRODUCT, MaterialUse.BY_PRODUCT]
    back = _round(entities, version)
    if version == "V0701":
        assert [_bare(e) for e in back] == [_bare(e) for e in entities]
        return
    (document,) = MAPPER.write_documents(entities, CTX_OUT, version=version)
    assert b'OtherValue="Co-product"' in document.payload
    assert b'OtherValue="By-product"' in document.payload
    again = back[0]
    assert [(o.material_id, o.material_use, o.yield_quantity, o.lot_id) for o in again.outputs] == [
        (o.material_id, o.material_use, o.yield_quantity, o.lot_id) for o in conf.outputs]
    assert (again.yield_quantity, again.material_id, again.produced_lot_id) == (
        conf.yield_quantity, conf.material_id, conf.produced_lot_id)
    assert [(m.movement_type, m.material_id, m.lot_id, m.quantity) for m in back[1:]] == [
        (m.movement_type, m.material_id, m.lot_id, m.quantity) for m in entities[1:]]


def test_outputs_without_receipts_are_one_produced_actual_each() -> None:
    conf = _co_products()[0]
    bare = msgspec.structs.replace(conf, material_movement_ids=[], source=None)
    off = dataclasses.replace(CTX_OUT, vendors={**CTX_OUT.vendors, "b2mml": {
        **CTX_OUT.vendor("b2mml"), "movements": False}})
    (back,) = _round([bare], "V0701", off)
    assert _bare(back) == bare


def test_outputs_that_do_not_match_the_yield_or_the_receipts_are_errors() -> None:
    conf, *moves = _co_products()
    main, co, by = conf.outputs
    cases: list[tuple[list[Any], str]] = [
        ([msgspec.structs.replace(conf, outputs=[
            # the main products no longer add up to the yield
            main, msgspec.structs.replace(co, material_use=MaterialUse.PRODUCED)])], "outputs"),
        ([msgspec.structs.replace(conf, outputs=[main])], "outputs"),  # the main product alone is the yield
        ([msgspec.structs.replace(conf, outputs=[main, msgspec.structs.replace(co, serial_numbers=["S1"]), by])],
         "outputs[1].serial_numbers"),
        ([msgspec.structs.replace(conf, outputs=[main, by, co]), *moves], "outputs"),  # receipts in another order
    ]
    for items, path in cases:
        with pytest.raises(MappingError) as caught:
            MAPPER.write_documents(items, CTX_OUT)
        assert (caught.value.code, caught.value.path) == ("unmappable_value", path)


# Holds -------------------------------------------------------------------------------------------------
def _hold(active: bool) -> Any:
    hold = QualityHold(is_active=active, placed_at=T0, released_at=None if active else T0 + timedelta(hours=2))
    data = Nonconformance(
        nonconformance_id=derive.hold_id("1000", material_id="RM-1", lot_id="L-9"), category=NonconformanceKind.HOLD,
        plant="1000",
        affected=InspectedItem(material_id="RM-1", lot_id="L-9"), hold=hold)
    return _event(QualityHoldPlaced if active else QualityHoldReleased, data, time=T0 + timedelta(hours=3))


@pytest.mark.parametrize("version", VERSIONS)
def test_holds_are_lot_status_changes(version: str) -> None:
    """A hold on a lot is a Change of the lot's status (house convention: blocked / released; a release in the
    spelling the connection's [lot_hold] reads as released), carrying only the status: reading it back never
    resets the lot's other fields, and the reader derives the same hold again (placed, then released)."""
    placed, released = _hold(True), _hold(False)
    (document,) = MAPPER.write_documents([placed], CTX_OUT, version=version)
    _valid(document, version)
    assert document.kind == f"{version}:SyncMaterialLot"
    assert b'actionCode="Change"' in document.payload
    lot, read_hold = _read(document.payload)
    assert _derived_hold(read_hold)
    assert read_hold.nonconformance_id == placed.data.nonconformance_id
    assert read_hold.hold is not None
    assert read_hold.hold.is_active
    assert (lot.lot_id, lot.material_id, lot.plant, lot.status) == ("L-9", "RM-1", "1000", LotStatus.BLOCKED)
    assert set(lot.partial_fields) == {"lot_id", "material_id", "plant", "status", "status_source_code"}
    (again,) = derive.holds_from_lot(lot, at=T0)
    assert again.nonconformance_id == placed.data.nonconformance_id
    assert again.hold is not None
    assert again.hold.is_active
    (document,) = MAPPER.write_documents([released], CTX_OUT, version=version)
    lot_after, read_release = _read(document.payload)
    assert lot_after.status is LotStatus.RELEASED
    assert lot_after.status_source_code == "UnRestricted"  # the context's [lot_hold] release spelling
    assert read_release.nonconformance_id == placed.data.nonconformance_id
    assert read_release.hold is not None
    assert not read_release.hold.is_active
    (lifted,) = derive.holds_from_lot(lot_after, lot, at=T0)
    assert lifted.hold is not None
    assert not lifted.hold.is_active


@pytest.mark.parametrize("version", VERSIONS)
def test_a_sub_lot_hold_is_its_sub_lot_status_and_never_holds_the_lot(version: str) -> None:
    """A hold on a sub-lot (the reader derives one from a sub-lot's status) is written as that sub-lot's status
    alone: the lot's status is not sent, and the reader derives the same sub-lot hold again; written with the
    lot that carries the status, it is not written twice."""
    lot, sub_hold = _read(sample("v0701_change_material_lot.xml"))
    assert sub_hold.affected.sub_lot_id == "COIL-0042"
    (document,) = MAPPER.write_documents([sub_hold], CTX_OUT, version=version)
    _valid(document, version)
    partial, again = _read(document.payload)
    assert "status" not in partial.partial_fields
    assert [(s.sub_lot_id, s.status) for s in partial.sub_lots] == [("COIL-0042", LotStatus.BLOCKED)]
    assert (again.nonconformance_id, again.affected.sub_lot_id) == (sub_hold.nonconformance_id, "COIL-0042")
    (document,) = MAPPER.write_documents([lot, sub_hold], CTX_OUT, version=version)
    assert document.payload.count(b"<MaterialLot>") == 1


def test_a_hold_without_a_lot_is_an_error_naming_the_field() -> None:
    data = Nonconformance(nonconformance_id="hold:x", category=NonconformanceKind.HOLD, plant="1000",
                          affected=InspectedItem(order_id="4711"), hold=QualityHold(is_active=True, placed_at=T0))
    with pytest.raises(MappingError) as caught:
        MAPPER.write_documents([_event(QualityHoldPlaced, data, time=T0)], CTX_OUT)
    assert (caught.value.code, caught.value.path) == ("missing_field", "affected.lot_id")


def test_nested_sub_lots_round_trip() -> None:
    lot = MaterialLot(lot_id="L-1", material_id="M-1", plant="1000", status=LotStatus.RELEASED,
                      status_source_code="Released", sub_lots=[
                          MaterialSubLot(sub_lot_id="PAL-1", quantity=Quantity(value=Decimal("10"), uom="H87")),
                          MaterialSubLot(sub_lot_id="BOX-1", parent_sub_lot_id="PAL-1"),
                          MaterialSubLot(sub_lot_id="BOX-2", parent_sub_lot_id="PAL-1")])
    for version in VERSIONS:
        (back,) = _round([lot], version)
        assert _bare(back) == lot


# Typed errors, never invented values ---------------------------------------------------------------------
def test_what_b2mml_cannot_carry_is_an_error_naming_the_field() -> None:
    conf = ProductionConfirmation(confirmation_id="412001", order_id="4711", plant="1000", material_id="FG-1",
                                  yield_quantity=Quantity(value=Decimal("1"), uom="H87"), ended_at=T0)
    with pytest.raises(MappingError) as caught:  # V0701 needs a response and a segment response id
        MAPPER.write_documents([conf], CTX_OUT, version="V0701")
    assert (caught.value.code, caught.value.path) == ("unmappable_value", "confirmation_id")
    (document,) = MAPPER.write_documents([conf], CTX_OUT, version="V0600")  # V0600 has no response id to fill
    _valid(document, "V0600")
    setup = msgspec.structs.replace(conf, confirmation_id="R/1", activities=[
        ActivityTime(activity=ActivityKind.SETUP, duration=Quantity(value=Decimal("5"), uom="MIN"))])
    with pytest.raises(MappingError) as caught:
        MAPPER.write_documents([setup], CTX_OUT)
    assert (caught.value.code, caught.value.path) == ("unmappable_value", "activities[0].activity")
    no_material = msgspec.structs.replace(conf, confirmation_id="R/1", material_id=None)
    with pytest.raises(MappingError) as caught:
        MAPPER.write_documents([no_material], CTX_OUT)
    assert (caught.value.code, caught.value.path) == ("missing_field", "material_id")
    (order,) = _read(sample("v0701_process_operations_schedule.xml"))
    with pytest.raises(MappingError) as caught:
        MAPPER.write_documents([msgspec.structs.replace(order, operations=[], material_requirements=[])], CTX_OUT)
    assert (caught.value.code, caught.value.path) == ("unmappable_value", "operations")
    co = msgspec.structs.replace(order.material_requirements[0], material_use=MaterialUse.CO_PRODUCT,
                                 material_use_source_code=None)
    # V0600 has no co-product use: Other with @OtherValue Co-product, which the reader reads as one
    (document,) = MAPPER.write_documents([msgspec.structs.replace(order, material_requirements=[co])], CTX_OUT,
                                         version="V0600")
    _valid(document, "V0600")
    assert b'OtherValue="Co-product"' in document.payload
    (back,) = _read(document.payload)
    assert [(r.material_use, r.material_use_source_code) for r in back.material_requirements] == [
        (MaterialUse.CO_PRODUCT, "Other:Co-product")]


def test_from_canonical_refuses_items_that_need_several_documents() -> None:
    (order,) = _read(sample("v0701_process_operations_schedule.xml"))
    lot, _sub_lot_hold = _read(sample("v0701_change_material_lot.xml"))
    with pytest.raises(MappingError) as caught:
        MAPPER.from_canonical([order, lot], CTX_OUT)
    assert caught.value.code == "unmappable_value"
    assert len(MAPPER.write_documents([order, lot], CTX_OUT)) == 2


def test_the_unit_is_the_source_spelling_only_where_it_reads_back_the_same() -> None:
    assert writer.unit_out(Quantity(value=Decimal(1), uom="KGM", source_uom="KG"), CTX_OUT) == "KG"
    assert writer.unit_out(Quantity(value=Decimal(1), uom="KGM", source_uom="KILO-X"), CTX_OUT) == "KGM"
    assert writer.unit_out(Quantity(value=Decimal(1), uom="H87", source_uom="KG"), CTX_OUT) == "H87"


# Cross-format: the SAP LOIPRO order --------------------------------------------------------------------
SAP_LOST = {
    # ProductionOrder fields B2MML has no element for (or the reader does not read): docs/mes/b2mml.md
    "V0600": {"order_type", "status_source_code", "planned_scrap_quantity", "scheduled_start_at", "scheduled_end_at",
              "receipt_location", "routing_id", "bom_id", "released_date", "properties", "operations",
              "material_requirements"},
    "V0701": {"order_type", "status_source_code", "planned_scrap_quantity", "scheduled_start_at", "scheduled_end_at",
              "receipt_location", "bom_id", "released_date", "properties", "operations", "material_requirements",
              "operations_type_source_code"},
}


@pytest.mark.parametrize("version", VERSIONS)
def test_sap_loipro_order_crosses_into_b2mml_and_back(version: str) -> None:
    sap_ctx = load_context(EXAMPLES / "context.toml")
    result = get("sap-idoc").to_canonical((EXAMPLES / "sap" / "idoc_loipro05_production_order.xml").read_bytes(),
                                          sap_ctx)
    assert not result.rejects
    (event,) = result.events
    sap = event.data
    ctx = dataclasses.replace(CTX, plant_timezones={**CTX.plant_timezones, **sap_ctx.plant_timezones},
                              lookups={**CTX.lookups, "b2mml_process_segment": {"ASSY01": "ASSEMBLY",
                                                                                "TEST01": "TESTING"}})
    (back,) = _round([event], version, ctx)
    assert isinstance(back, ProductionOrder)
    # the header: ids, status, quantity (Decimal, unit and source unit), dates, lot, revision
    for name in ("order_id", "plant", "status", "material_id", "planned_start_at", "planned_end_at",
                 "target_lot_id", "revision", "operations_type"):
        assert getattr(back, name) == getattr(sap, name), name
    assert back.planned_quantity == sap.planned_quantity
    assert isinstance(back.planned_quantity.value, Decimal)
    assert (back.planned_quantity.uom, back.planned_quantity.source_uom) == ("H87", "ST")
    assert back.routing_id == (sap.routing_id if version == "V0701" else None)
    # the operations: ids, texts, work centers, dates
    assert [(o.operation_id, o.description, o.work_center_id, o.planned_start_at, o.planned_end_at)
            for o in back.operations] == [
        (o.operation_id, o.description, o.work_center_id, o.planned_start_at, o.planned_end_at) for o in sap.operations]
    # the components: line, material, quantity (Decimal + units), operation, lot, issue location
    keep = ("line_id", "material_id", "quantity", "operation_id", "lot_id", "issue_location", "material_use")
    assert [tuple(getattr(r, k) for k in keep) for r in back.material_requirements] == [
        tuple(getattr(r, k) for k in keep) for r in sap.material_requirements]
    assert all(isinstance(r.quantity.value, Decimal) for r in back.material_requirements)
    assert [r.bom_item_number for r in back.material_requirements] == [
        r.bom_item_number if version == "V0701" else r.line_id for r in sap.material_requirements]
    # exactly the documented losses, nothing else
    differ = {f for f in sap.__struct_fields__ if f != "source" and getattr(sap, f) != getattr(back, f)}
    assert differ == SAP_LOST[version]
