"""LOIPRO (01-05) production orders: headers, operations and sub-operations, components."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import tzinfo
from typing import Any

import msgspec

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.mappers.sap.idoc_reader import (
    _each,
    _fail,
    _given,
    _Idoc,
    _pd,
    _pds,
    _plain,
    _Reader,
    _Seg,
    _zone,
)
from mfgcanon.v1.order import OperationStatus, ProductionOrder

_STANDARD_VALUES = tuple((n, f"VGW0{n}", f"VGE0{n}", f"LAR0{n}") for n in range(1, 7))
_FLAG = ("X", "x")  # values.is_flag of a stripped field value: no other character upper-cases to "X"


@functools.lru_cache(maxsize=1024)
def _packaged_operation_status(raw: tuple[str, ...]) -> OperationStatus | None:
    """The operation status of its raw status codes under the packaged lists (pure), cached."""
    tables = sc.status_tables(None)
    return tables.operation_status(tables.short(s) for s in raw)


def _operation_status(raw: tuple[str, ...], ctx: MappingContext) -> OperationStatus | None:
    """The operation status of its raw status codes under this connection's status lists."""
    tables = sc.status_tables(ctx)
    if tables is sc.status_tables(None):
        return _packaged_operation_status(raw)
    return tables.operation_status(tables.short(s) for s in raw)


def _loipro(idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
    _each(idoc, "E1AFKOL", _order, ctx, result)

def _order(idoc: _Idoc, h: _Seg, ctx: MappingContext, result: MappingResult) -> None:
    r = idoc.reader
    plant = h.text("WERKS")
    order_id = r.key(h, "AUFNR")
    material_id = r.material(h)
    if not order_id or not plant or not material_id:
        missing = "AUFNR" if not order_id else "WERKS" if not plant else "MATNR_LONG"
        raise _fail(h, missing, MappingError(f"order header has no {missing}", code="missing_field"))
    zone = _zone(ctx, plant)
    item = h.one("E1AFPOL")
    stats = [s.text("STAT") for s in h.all("E1JSTKL")]
    raw_status = [s for s in stats if s]
    tables = sc.status_tables(ctx)
    status = tables.order_status(tables.short(s) for s in raw_status)
    planned = r.qty_d(h, "GAMNG", "GMEIN")
    if planned is None:
        raise _fail(h, "GAMNG", MappingError("order header has no total quantity GAMNG", code="missing_field"))
    scrap = r.qty_d(h, "GASMG", "GMEIN")
    operations: list[dict[str, Any]] = []
    components: list[dict[str, Any]] = []
    for sequence in h.all("E1AFFLL"):
        plnfl = sequence.f.get("PLNFL")  # 0 / 000000: the standard sequence, as OData's "0"
        sequence_id = values.alpha_in(plnfl) if plnfl and plnfl.strip() else None
        for op in sequence.all("E1AFVOL"):
            operations.append(_operation(r, op, zone, sequence_id))
            vornr = op.f.get("VORNR")
            for sub in op.all("E1AFUVL"):  # sub-operations, keyed by sequence, parent and number
                operations.append(_operation(r, sub, zone, sequence_id, parent=vornr))
            for position, comp in enumerate(op.all("E1RESBL"), start=1):
                components.append(_component(r, comp, plant, vornr, position))
    sales_order = None
    itf = item.f if item else {}
    hf = h.f
    kdauf = itf.get("KDAUF") or hf.get("KDAUF")
    if kdauf:
        kdpos = itf.get("KDPOS") or hf.get("KDPOS")
        keyed = (lambda v: v) if r.keep_zeros else values.alpha_in  # the same ALPHA rule as every key
        sales_order = f"{keyed(kdauf)}/{keyed(kdpos)}" if kdpos and kdpos.strip("0") else keyed(kdauf)
    properties = _pds(
        _pd("sap.order_category", hf.get("AUTYP")),
        _pd("sap.mrp_controller", hf.get("DISPO")),
        _pd("sap.production_supervisor", hf.get("FEVOR")),
        _pd("sap.production_version", itf.get("VERID")),
        _pd(
            "sap.serial_numbers",
            ",".join(s.text("SERNR") or "" for s in item.all("E1AFSER")) or None if item else None,
        ),
    )
    for char in h.all("E1VCCHR"):
        name = char.f.get("ATNAM")
        if name:
            properties.append(
                {"name": f"sap.characteristic.{name}", "value": char.f.get("ATWRT_LONG") or char.f.get("ATWRT")}
            )
    lead = r.key(h, "LEAD_AUFNR")
    source = msgspec.structs.asdict(idoc.source(ctx, fallback_id=order_id))  # plain data: checked by convert
    order = sc.convert(
        {
            "order_id": order_id,
            "plant": plant,
            "order_type": hf.get("AUART"),
            "status": status,
            "status_source_code": " ".join(raw_status) or None,
            "material_id": material_id,
            "planned_quantity": planned,
            "planned_scrap_quantity": scrap if scrap is not None and scrap["value"] else None,
            "planned_start_at": r.instant(h, "GSTRP", "GSUZP", zone),
            "planned_end_at": r.instant(h, "GLTRP", "GLUZP", zone),
            "scheduled_start_at": r.instant(h, "GSTRS", "GSUZS", zone),
            "scheduled_end_at": r.instant(h, "GLTRS", "GLUZS", zone),
            "actual_start_at": r.instant(h, "GSTRI", "GSUZI", zone),
            "actual_end_at": r.instant(h, "GETRI", "GEUZI", zone),
            "released_date": r.day(h, "FTRMI"),  # SAP keeps the actual release as a date only
            "company_id": _given(hf.get("BUKRS")),
            "priority_source_code": _given(hf.get("APRIO")),
            "receipt_location": {"plant": itf.get("PWERK") or plant, "storage_location": itf["LGORT"]}
            if itf.get("LGORT")
            else None,
            "routing_id": r.key(h, "PLNNR"),
            "bom_id": r.key(h, "STLNR"),
            "target_lot_id": itf.get("CHARG"),
            "sales_order_id": sales_order,
            "parent_order_id": lead if lead and lead != order_id else None,
            "operations": operations,
            "material_requirements": components,
            "revision": idoc.c("SERIAL"),
            "properties": properties,
            "source": source,
        },
        ProductionOrder,
    )
    time = sc.event_time(result, ctx, lambda: h.where()[0], idoc.created_at(ctx, plant))
    sc.emit_checked(result, sc.order_event(status), order, time=time)

def _operation(
    r: _Reader,
    op: _Seg,
    zone: Callable[[], tzinfo],
    sequence_id: str | None = None,
    parent: str | None = None,
) -> dict[str, Any]:
    """An operation (E1AFVOL) or, with ``parent``, a sub-operation (E1AFUVL, number UVORN, status E1JSTUL).
    Planned dates are the earliest scheduled ones (FSAVD/FSEDD), the latest ones (SSAVD/SSEDD) go to
    latest_start_at/latest_end_at; BMSCH is the quantity the standard values are given for."""
    # Per operation and per component (the bulk of an order), properties are built inline rather
    # than through _pd/_pds: same result, a third of the calls. Reads that can fail keep their order.
    fields = op.f
    number_field = "UVORN" if parent is not None else "VORNR"
    vornr = fields.get(number_field)
    if not vornr:
        raise _fail(op, number_field, MappingError(f"operation has no number {number_field}", code="missing_field"))
    basis = r.qty_d(op, "BMSCH", "MEINH") if (fields.get("BMSCH") or "").strip("0.") else None
    activities: list[dict[str, Any]] = []
    for slot, value_field, unit_field, type_field in _STANDARD_VALUES:
        standard = fields.get(value_field)
        if standard is None or standard.strip("0.") == "":  # zero standard values often come without a unit
            continue
        value = r.qty_d(op, value_field, unit_field)
        if value is not None and value["value"]:
            kind = sc.activity_kind(slot, r.ctx)
            activities.append({"activity": kind, "duration": value, "activity_type_code": fields.get(type_field),
                               "basis_quantity": basis})
    kids = op.kids
    ext = kids.get("E1AFVOL2")
    ref = kids.get("E1AFREF")
    stats = kids.get("E1JSTUL" if parent is not None else "E1JSTVL")
    raw = [stat for s in stats if (stat := s.f.get("STAT"))] if stats else []
    processing = r.dec(op, "BEARZ")
    props: list[dict[str, Any]] = []
    rueck = r.key(ext[0], "RUECK") if ext else None
    plan, node = (r.key(ext[0], "AUFPL"), r.key(ext[0], "APLZL")) if ext else (None, None)
    if rueck is not None:
        props.append({"name": "sap.confirmation_number", "value": rueck})
    for name, text in (
        ("sap.work_center_internal_id", fields.get("ARBID")),
        ("sap.standard_value_key", fields.get("VGWTS")),
        ("sap.mes_operation_id", (ref[0].f.get("MES_OPERID") if ref else None) or fields.get("ME_OPERATION_ID")),
    ):
        if text is not None:
            props.append({"name": name, "value": text})
    if processing:
        props.append(
            {
                "name": "sap.processing_time",
                "value": _plain(processing),
                "data_type": "decimal",
                "uom": sc.unit_in(fields.get("BEAZE") or "MIN", r.ctx),
            }
        )
    return {
        "operation_id": vornr,
        "sequence_id": sequence_id,
        "parent_operation_id": parent,
        "source_operation_id": f"{plan}/{node}" if plan and node else None,
        "actual_start_at": r.instant(op, "ISDD", "ISDZ", zone) or r.instant(op, "ISAVD", "ISAVZ", zone),
        "actual_end_at": r.instant(op, "IEDD", "IEDZ", zone),
        "description": fields.get("LTXA1"),
        "work_center_id": fields.get("ARBPL"),
        "control_key": fields.get("STEUS"),
        "planned_quantity": r.qty_d(op, "MGVRG", "MEINH"),
        "planned_start_at": r.instant(op, "FSAVD", "FSAVZ", zone),
        "planned_end_at": r.instant(op, "FSEDD", "FSEDZ", zone),
        "latest_start_at": r.instant(op, "SSAVD", "SSAVZ", zone),
        "latest_end_at": r.instant(op, "SSEDD", "SSEDZ", zone),
        "planned_activities": activities,
        "status": _operation_status(tuple(raw), r.ctx),
        "status_source_code": " ".join(raw) or None,
        "properties": props,
    }

def _component(
    r: _Reader, c: _Seg, plant: str, vornr: str | None, position: int
) -> dict[str, Any]:
    fields = c.f
    material_id = r.material(c)
    if not material_id:
        raise _fail(c, "MATNR_LONG", MappingError("component has no material", code="missing_field"))
    quantity = r.qty_d(c, "BDMNG", "MEINS")
    if quantity is None:
        raise _fail(c, "BDMNG", MappingError("component has no required quantity BDMNG", code="missing_field"))
    rsnum, rspos = r.key(c, "RSNUM"), r.key(c, "RSPOS")
    posnr = fields.get("POSNR")
    line_id = f"{rsnum}/{rspos}" if rsnum and rspos else f"{vornr or '-'}/{posnr or position}"
    bwart = fields.get("BWART")
    use = "consumed"
    if fields.get("SHKZG") == "S":
        use = "by_product" if bwart == "531" else "co_product"
    required = r.day(c, "BDTER")
    props: list[dict[str, Any]] = []
    if bwart is not None:
        props.append({"name": "sap.movement_type", "value": bwart})
    category = fields.get("POSTP")
    if category is not None:
        props.append({"name": "sap.item_category", "value": category})
    return {
        "line_id": line_id,
        "material_id": material_id,
        "material_use": use,
        "quantity": quantity,
        "operation_id": vornr,
        "bom_item_number": posnr,
        "lot_id": fields.get("CHARG"),
        "issue_location": {"plant": fields.get("WERKS") or plant, "storage_location": fields.get("LGORT")},
        "required_date": required,
        "is_backflush": fields.get("RGEKZ") in _FLAG,
        "is_phantom": fields.get("DUMPS") in _FLAG,
        "alternative_group": fields.get("ALPGR"),
        "properties": props,
    }
