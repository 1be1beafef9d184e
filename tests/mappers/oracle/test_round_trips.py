"""Property tests: canonical -> Oracle -> canonical keeps the values, for confirmations and movements through
both mappers; order status codes map to their canonical status with the raw code kept, whatever the code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfgcanon.mappers import helpers
from mfgcanon.mappers._data import table
from mfgcanon.mappers.oracle import OracleEbsMapper, OracleFusionMapper
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement
from mfgcanon.v1.order import OrderStatus

from .conftest import make_context, sample_json

FUSION, EBS = OracleFusionMapper(), OracleEbsMapper()
CTX = make_context()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

amounts = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(100000), places=3)
moments = st.integers(0, 5 * 365 * 24 * 3600).map(lambda s: datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=s))
units = st.sampled_from(["EA", "KGM", "MIN"])
codes = st.from_regex(r"[A-Z][A-Z0-9]{1,7}", fullmatch=True)


def _q(value: Decimal, uom: str) -> dict[str, Any]:
    return {"value": value, "uom": uom}


@st.composite
def confirmations(draw: Any, ebs: bool) -> ProductionConfirmation:
    uom = draw(units)
    scrap = draw(st.none() | amounts)
    rejected = draw(st.none() | amounts)
    ident = draw(st.from_regex(r"MES01/[1-9][0-9]{0,6}", fullmatch=True) | st.from_regex(r"CONF-[a-f0-9]{8}",
                                                                                           fullmatch=True))
    data = {
        "confirmation_id": ident,
        "order_id": "M1-1001",
        "operation_id": str(draw(st.integers(1, 9999))),
        "plant": "M1",
        "yield_quantity": _q(draw(st.just(Decimal(0)) | amounts), uom),
        "scrap_quantity": _q(scrap, uom) if scrap else None,
        "rejected_quantity": _q(rejected, uom) if rejected else None,
        "scrap_reason_code": draw(codes) if scrap or rejected else None,
        "is_final": False if ebs else draw(st.booleans()),
        "is_reversal": draw(st.booleans()),
        "ended_at": draw(moments),
        "source": {"system": "MES", "document_id": ident},
    }
    return helpers.convert(data, ProductionConfirmation)


@st.composite
def movements(draw: Any, ebs: bool) -> MaterialMovement:
    kinds = [("goods_issue", "from", True), ("goods_receipt", "to", True), ("return", "to", True),
             ("return", "from", True), ("scrap", "from", False)]
    if ebs:
        kinds.append(("adjustment_in", "to", False))
    kind, side, wip = draw(st.sampled_from(kinds))
    uom = draw(units)
    parts = draw(st.lists(amounts, min_size=0, max_size=3))
    total = sum(parts, Decimal(0)) if parts else draw(amounts)
    lots: dict[str, Any] = {}
    if len(parts) == 1:
        lots = {"lot_id": draw(codes)}
    elif parts:
        lots = {"lots": [{"lot_id": f"L{i}", "quantity": _q(p, uom)} for i, p in enumerate(parts)]}
    location = {"plant": "M1", "storage_location": draw(st.sampled_from(["RM-STORES", "FGI"]))}
    line = draw(st.integers(1, 99))
    data = {
        "movement_id": f"{draw(st.from_regex(r'MES-[A-Z]{2}-[0-9]{6}', fullmatch=True))}/{line}" if ebs or line % 2
        else draw(st.from_regex(r"MES-[A-Z]{2}-[0-9]{6}", fullmatch=True)),
        "movement_type": kind,
        "plant": "M1",
        "material_id": draw(st.sampled_from(["RM-2001", "FG-1000"])),
        "quantity": _q(total, uom),
        **lots,
        "serial_numbers": draw(st.lists(st.from_regex(r"SN[0-9]{4}", fullmatch=True), max_size=2, unique=True)),
        "from_location": location if side == "from" else None,
        "to_location": location if side == "to" else None,
        "order_id": "M1-1001" if wip else None,
        "operation_id": str(draw(st.integers(1, 99))) if wip else None,
        "reason_code": draw(st.none() | (st.integers(1, 999).map(str) if ebs else codes)),
        "occurred_at": draw(moments),
        "source": {"system": "MES", "document_id": "x"},
    }
    return helpers.convert(data, MaterialMovement)


def _back(mapper: Any, entities: list[Any]) -> list[Any]:
    out = []
    for document in mapper.write_documents(entities, CTX):
        result = mapper.to_canonical(document.payload if isinstance(document.payload, bytes)
                                     else json.dumps(document.payload, default=str), CTX)
        assert not result.rejects, [r.to_dict() for r in result.rejects]
        out.extend(e.data for e in result.events)
    return out


def _conf_view(c: ProductionConfirmation, finals: bool) -> tuple[Any, ...]:
    def q(x: Any) -> Any:
        return (x.value, x.uom) if x is not None and x.value else None

    moved = q(c.scrap_quantity) or q(c.rejected_quantity)
    return (c.confirmation_id, c.order_id, c.operation_id, c.plant, c.yield_quantity.value, c.yield_quantity.uom,
            q(c.scrap_quantity), q(c.rejected_quantity), c.scrap_reason_code if moved else None, c.is_reversal,
            c.ended_at, c.is_final if finals else None)


def _move_view(m: MaterialMovement) -> tuple[Any, ...]:
    where = m.from_location or m.to_location
    return (m.movement_id, m.movement_type, m.plant, m.material_id, m.quantity.value, m.quantity.uom, m.lot_id,
            [(x.lot_id, x.quantity.value) for x in m.lots], m.serial_numbers, m.order_id, m.operation_id,
            m.from_location is not None, where.storage_location if where else None, m.reason_code, m.occurred_at)


@SETTINGS
@given(st.lists(confirmations(ebs=False), min_size=1, max_size=3, unique_by=lambda c: c.confirmation_id))
def test_fusion_confirmations_round_trip(items: list[ProductionConfirmation]) -> None:
    back = _back(FUSION, items)
    assert sorted(repr(_conf_view(c, True)) for c in back) == sorted(
        repr(_conf_view(c, True)) for c in items)


@SETTINGS
@given(st.lists(confirmations(ebs=True), min_size=1, max_size=3, unique_by=lambda c: c.confirmation_id))
def test_ebs_confirmations_round_trip(items: list[ProductionConfirmation]) -> None:
    back = _back(EBS, items)
    assert sorted(repr(_conf_view(c, False)) for c in back) == sorted(
        repr(_conf_view(c, False)) for c in items)


@SETTINGS
@given(st.lists(movements(ebs=False), min_size=1, max_size=4, unique_by=lambda m: m.movement_id))
def test_fusion_movements_round_trip(items: list[MaterialMovement]) -> None:
    back = _back(FUSION, items)
    assert sorted(map(repr, map(_move_view, back))) == sorted(map(repr, map(_move_view, items)))


@SETTINGS
@given(st.lists(movements(ebs=True), min_size=1, max_size=4, unique_by=lambda m: m.movement_id))
def test_ebs_movements_round_trip(items: list[MaterialMovement]) -> None:
    back = _back(EBS, items)
    assert sorted(map(repr, map(_move_view, back))) == sorted(map(repr, map(_move_view, items)))


known_fusion = sorted(table("oracle/statuses.toml", "work_order_status"))
known_jobs = sorted(table("oracle/statuses.toml", "job_status"))


@SETTINGS
@given(st.sampled_from(known_fusion) | st.from_regex(r"[A-Z_]{3,12}", fullmatch=True))
def test_fusion_order_status_codes(code: str) -> None:
    body = sample_json("workorders_post_request.json")
    body["WorkOrderStatusCode"] = code
    result = FUSION.to_canonical(json.dumps(body), CTX)
    (event,) = result.events
    expected = table("oracle/statuses.toml", "work_order_status").get(code, "other")
    assert (event.data.status, event.data.status_source_code) == (OrderStatus(expected), code)


@SETTINGS
@given(st.sampled_from(known_jobs) | st.integers(0, 99).map(str))
def test_ebs_job_status_codes(code: str) -> None:
    tables = sample_json("ebs_interface_table_rows.json")
    job = tables["WIP_JOB_SCHEDULE_INTERFACE"][0]
    job["STATUS_TYPE"] = code
    (event,) = EBS.to_canonical(json.dumps({"WIP_JOB_SCHEDULE_INTERFACE": [job]}), CTX).events
    expected = table("oracle/statuses.toml", "job_status").get(code, "other")
    assert (event.data.status, event.data.status_source_code) == (OrderStatus(expected), code)
