"""tulip: canonical -> Tulip records -> canonical is the identity for work orders, defects, inventory items and
station activity (every value the tenant map holds: exact decimals, UTC instants, source codes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from mfgcanon.mappers import MappingContext
from mfgcanon.mappers.context import context_from_dict
from mfgcanon.mappers.tulip.records import codes
from mfgcanon.v1.common import Location, Quantity
from mfgcanon.v1.equipment import EquipmentState, EquipmentStateChange
from mfgcanon.v1.inventory import InventoryBalance, StockStatus
from mfgcanon.v1.order import OrderStatus, ProductionOrder
from mfgcanon.v1.quality import (
    Disposition,
    InspectedItem,
    Nonconformance,
    NonconformanceKind,
    NonconformanceStatus,
    Severity,
)

from .test_tulip import MAPPER, _ctx_dict

_DATA = _ctx_dict()
# every canonical key of the kinds gets a field, so every value can round-trip
_DATA["vendors"]["tulip"]["tables"]["WoRk0rdEr5tAbLe01"]["fields"].update(
    {"qwert_planned_end": "planned_end_at", "qwert_actual_start": "actual_start_at",
     "qwert_actual_end": "actual_end_at", "qwert_description": "description", "qwert_target_lot": "target_lot_id"})
_DATA["vendors"]["tulip"]["tables"]["InVeNt0ry1tEm5003"]["fields"].update(
    {"zxcvb_snapshot": "snapshot_at", "zxcvb_bin": "bin"})
_DATA["vendors"]["tulip"]["tables"]["St4t10nAct1v1ty04"]["fields"].update({"yuiop_reason_text": "reason_text"})
_DATA["vendors"]["tulip"]["tables"]["DeFeCt5tAbLe00002"]["fields"]["asdfg_unit"] = "Unit ID"
CTX: MappingContext = context_from_dict(_DATA)

ids = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=12)
texts = st.none() | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1,
                            max_size=30)
values = st.decimals(min_value=0, max_value=Decimal("1e12"), places=3, allow_nan=False, allow_infinity=False)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1),
                       timezones=st.just(UTC)).map(lambda m: m.replace(tzinfo=UTC))
maybe_moments = st.none() | moments


def _coded(list_name: str) -> st.SearchStrategy[tuple[str, str]]:
    """(canonical value, Tulip code) pairs of a packaged code list."""
    return st.sampled_from(sorted((str(v), str(k)) for k, v in codes(CTX, list_name).items()))


def _strip(entity: Any) -> Any:
    return msgspec.structs.replace(entity, source=None)


def _round_trip(entity: Any) -> Any:
    result = MAPPER.to_canonical(MAPPER.from_canonical([entity], CTX), CTX)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    (event,) = result.events
    return event.data


durations = st.none() | st.integers(0, 10**8).map(lambda s: timedelta(seconds=s))


@settings(max_examples=40, deadline=None)
@given(order_id=ids, status=_coded("work_order_status"), value=values, due=maybe_moments, start=moments,
       end=durations, actual=moments, actual_end=durations, parent=st.none() | ids,
       line=st.none() | ids, description=texts, lot=st.none() | ids, operator=st.none() | ids)
def test_work_orders_round_trip(order_id: str, status: tuple[str, str], value: Decimal, due: datetime | None,
                                start: datetime, end: timedelta | None, actual: datetime,
                                actual_end: timedelta | None, parent: str | None, line: str | None,
                                description: str | None, lot: str | None, operator: str | None) -> None:
    order = ProductionOrder(
        order_id=order_id, plant="P100", status=OrderStatus(status[0]), status_source_code=status[1],
        material_id="FG-100", planned_quantity=Quantity(value=value, uom="EA"), due_at=due, planned_start_at=start,
        planned_end_at=None if end is None else start + end, actual_start_at=actual,
        actual_end_at=None if actual_end is None else actual + actual_end, parent_order_id=parent,
        production_line_id=line, description=description, target_lot_id=lot,
        properties=[] if operator is None else [{"name": "tulip.operator", "value": operator}],  # type: ignore[list-item]
    )
    order = msgspec.convert(msgspec.to_builtins(order), ProductionOrder)
    assert _strip(_round_trip(order)) == _strip(order)


@settings(max_examples=40, deadline=None)
@given(defect=ids, status=_coded("defect_status"), severity=st.none() | _coded("severity"),
       disposition=st.none() | _coded("disposition"), quantity=st.none() | values, lot=st.none() | ids,
       serial=st.none() | ids, order=st.none() | ids, reason=st.none() | ids, location=st.none() | ids,
       comments=texts, detected=maybe_moments)
def test_defects_round_trip(defect: str, status: tuple[str, str], severity: tuple[str, str] | None,
                            disposition: tuple[str, str] | None, quantity: Decimal | None, lot: str | None,
                            serial: str | None, order: str | None, reason: str | None, location: str | None,
                            comments: str | None, detected: datetime | None) -> None:
    entity = Nonconformance(
        nonconformance_id=defect, category=NonconformanceKind.DEFECT, plant="P100",
        severity=Severity(severity[0]) if severity else None, severity_source_code=severity[1] if severity else None,
        status=NonconformanceStatus(status[0]), status_source_code=status[1],
        affected=InspectedItem(material_id="FG-100", lot_id=lot, order_id=order,
                               serial_numbers=[serial] if serial else []),
        affected_quantity=Quantity(value=quantity, uom="EA") if quantity is not None else None,
        reason_code=reason, description=comments, detected_at=detected,
        detected_location=Location(plant="P100", work_center_id=location) if location else None,
        disposition=Disposition(disposition[0]) if disposition else None,
        disposition_source_code=disposition[1] if disposition else None,
    )
    assert _strip(_round_trip(entity)) == entity


@settings(max_examples=40, deadline=None)
@given(lot=ids, status=_coded("inventory_status"), value=values, location=st.none() | ids, bin_=st.none() | ids,
       snapshot=moments, kilograms=st.booleans())
def test_inventory_round_trip(lot: str, status: tuple[str, str], value: Decimal, location: str | None,
                              bin_: str | None, snapshot: datetime, kilograms: bool) -> None:
    balance = InventoryBalance(
        material_id="RM-200", plant="P100", lot_id=lot, stock_status=StockStatus(status[0]),
        stock_status_source_code=status[1],
        quantity=Quantity(value=value, uom="KGM", source_uom="kg" if kilograms else None),
        location=Location(plant="P100", storage_location=location, bin=bin_) if location or bin_ else None,
        snapshot_at=snapshot,
    )
    assert _strip(_round_trip(balance)) == balance


@settings(max_examples=40, deadline=None)
@given(row=ids, station=ids, state=_coded("station_state"), start=moments, minutes=st.none() | st.integers(0, 10_000),
       reason=st.none() | ids, reason_text=texts, order=st.none() | ids)
def test_station_activity_round_trip(row: str, station: str, state: tuple[str, str], start: datetime,
                                     minutes: int | None, reason: str | None, reason_text: str | None,
                                     order: str | None) -> None:
    change = EquipmentStateChange(
        state_change_id=row, equipment_id=station, plant="P100", state=EquipmentState(state[0]),
        state_source_code=state[1], started_at=start,
        ended_at=None if minutes is None else start + timedelta(minutes=minutes), reason_code=reason,
        reason_text=reason_text, order_id=order,
    )
    assert _strip(_round_trip(change)) == change


def test_unmapped_fields_survive_a_round_trip_as_fields() -> None:
    record = {"id": "WO-9", "_createdAt": "2026-03-01T00:00:00Z", "qwert_material_definition_id": "FG-100",
              "qwert_status": "CREATED", "qwert_quantity": "1", "x_flag": True, "x_links": ["a", "b"], "x_n": "2.50"}
    result = MAPPER.to_canonical({"tableId": "WoRk0rdEr5tAbLe01", "records": [record]}, CTX)
    (event,) = result.events
    (written,) = MAPPER.from_canonical([event.data], CTX)["records"]
    assert {k: written[k] for k in ("x_flag", "x_links", "x_n")} == {"x_flag": True, "x_links": ["a", "b"],
                                                                     "x_n": "2.50"}
