"""canonical -> D365 MES message -> canonical, for generated values: report as finished and route card
(confirmations), picking list (movements), start and end (order status). The values a message carries come back
unchanged (ids excepted: MES messages have none, the id is the message's digest), and a second pass changes
nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from mfgcanon.mappers import get
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement
from mfgcanon.v1.status import OrderStatusChange

from ._support import CTX

MAPPER = get("d365-mes")
SITE_ZONE = ZoneInfo("America/New_York")  # site 1 of USMF in examples/d365/context.toml
ORDER = "P000123"

quantities = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=3, allow_nan=False, allow_infinity=False)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC))
codes = st.sampled_from([None, "Material", "Machine", "OperatingStaff"])
names = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=12)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), SITE_ZONE).astimezone(UTC)


def _back(entities: list[Any]) -> list[Any]:
    payload = MAPPER.from_canonical(entities, CTX)
    result = MAPPER.to_canonical(payload if isinstance(payload, dict) else list(payload), CTX)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    result.assert_balanced()
    return [e.data for e in result.events]


def _same(entity: Any, fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(entity, name) for name in fields)


def _stable(once: list[Any]) -> None:
    twice = _back(once)
    strip = [msgspec.structs.replace(e, source=None) for e in once]
    assert [msgspec.structs.replace(e, source=None) for e in twice] == strip


def _qty(value: Decimal, uom: str = "EA", source: str | None = "ea") -> dict[str, Any]:
    return {"value": value, "uom": uom, "source_uom": source}


@settings(max_examples=40, deadline=None)
@given(good=quantities, error=st.none() | positive, cause=codes, ended=instants, day=days, final=st.booleans(),
       lot=st.none() | names)
def test_report_as_finished(good: Decimal, error: Decimal | None, cause: str | None, ended: datetime, day: date,
                            final: bool, lot: str | None) -> None:
    conf = msgspec.convert({
        "confirmation_id": "c1", "order_id": ORDER, "plant": "1", "company_id": "USMF", "material_id": "FG-1000",
        "yield_quantity": _qty(good), "rejected_quantity": None if error is None else _qty(error),
        "scrap_reason_code": cause, "is_final": final, "ended_at": ended, "posting_date": day,
        "produced_lot_id": lot}, ProductionConfirmation)
    (back,) = once = _back([conf])
    fields = ("order_id", "plant", "company_id", "material_id", "yield_quantity", "rejected_quantity",
              "scrap_reason_code", "is_final", "ended_at", "posting_date", "produced_lot_id")
    assert _same(back, fields) == _same(conf, fields)
    _stable(once)


@settings(max_examples=40, deadline=None)
@given(operation=st.integers(1, 9999), good=quantities, error=st.none() | positive, hours=st.none() | positive,
       task=st.sampled_from(["Setup", "Process"]), day=days, final=st.booleans(), worker=st.none() | names,
       resource=st.none() | names)
def test_route_card(operation: int, good: Decimal, error: Decimal | None, hours: Decimal | None, task: str,
                    day: date, final: bool, worker: str | None, resource: str | None) -> None:
    activities = [] if hours is None else [{
        "activity": "setup" if task == "Setup" else "machine", "duration": {"value": hours, "uom": "HUR"},
        "activity_source_code": task, "resource_id": resource}]
    conf = msgspec.convert({
        "confirmation_id": "c1", "order_id": ORDER, "operation_id": str(operation), "plant": "1",
        "company_id": "USMF", "material_id": "FG-1000", "work_center_id": resource, "yield_quantity": _qty(good),
        "rejected_quantity": None if error is None else _qty(error), "is_final": final, "posting_date": day,
        "activities": activities, "personnel_ids": [worker] if worker else []}, ProductionConfirmation)
    (back,) = once = _back([conf])
    fields = ("order_id", "operation_id", "plant", "company_id", "material_id", "work_center_id", "yield_quantity",
              "rejected_quantity", "is_final", "posting_date", "activities", "personnel_ids")
    assert _same(back, fields) == _same(conf, fields)
    _stable(once)


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.tuples(st.sampled_from([("RM-2001", "EA", "ea"), ("RM-3001", "KGM", "kg")]), positive,
                                st.none() | positive, days, st.booleans(), codes), min_size=1, max_size=4))
def test_picking_list(lines: list[Any]) -> None:
    movements = []
    for number, ((item, uom, symbol), issued, scrap, day, final, cause) in enumerate(lines, start=1):
        base = {"plant": "1", "company_id": "USMF", "material_id": item, "order_id": ORDER, "operation_id": "10",
                "requirement_line_id": str(number), "reason_code": cause, "is_final_issue": final,
                "occurred_at": _midnight(day), "occurred_at_precision": "day", "posting_date": day}
        movements.append(msgspec.convert({**base, "movement_id": f"m{number}", "movement_type": "goods_issue",
                                          "quantity": _qty(issued, uom, symbol)}, MaterialMovement))
        if scrap is not None:
            movements.append(msgspec.convert({**base, "movement_id": f"m{number}s", "movement_type": "scrap",
                                              "quantity": _qty(scrap, uom, symbol)}, MaterialMovement))
    once = _back(movements)
    fields = ("movement_type", "plant", "company_id", "material_id", "quantity", "order_id", "operation_id",
              "requirement_line_id", "reason_code", "is_final_issue", "occurred_at", "occurred_at_precision",
              "posting_date")
    assert [_same(m, fields) for m in once] == [_same(m, fields) for m in movements]
    _stable(once)


@settings(max_examples=40, deadline=None)
@given(day=days, started=st.none() | quantities, ended=instants)
def test_start_and_end(day: date, started: Decimal | None, ended: datetime) -> None:
    start = msgspec.convert({
        "order_id": ORDER, "company_id": "USMF", "plant": "1", "status": "in_progress",
        "status_source_code": "StartedUp", "changed_at": _midnight(day),
        "started_quantity": None if started is None else _qty(started)}, OrderStatusChange)
    end = msgspec.convert({"order_id": ORDER, "company_id": "USMF", "plant": "1", "status": "closed",
                           "status_source_code": "Completed", "changed_at": ended}, OrderStatusChange)
    once = _back([start, end])
    fields = ("order_id", "company_id", "plant", "status", "status_source_code", "changed_at", "started_quantity")
    assert [_same(e, fields) for e in once] == [_same(e, fields) for e in (start, end)]
    _stable(once)
