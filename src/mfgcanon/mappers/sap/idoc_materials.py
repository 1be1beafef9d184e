"""MATMAS material masters and BATMAS batches."""

from __future__ import annotations

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
    _Idoc,
    _iso,
    _pd,
    _pds,
    _plain,
    _Seg,
    _texts,
    _zone,
)
from mfgcanon.v1.events import (
    LotUpserted,
    MaterialUpserted,
    build_event,
)
from mfgcanon.v1.lot import LotStatus, MaterialLot
from mfgcanon.v1.material import (
    Material,
    MaterialStatus,
)


# MATMAS ----------------------------------------------------------------
def _matmas(idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
    _each(idoc, "E1MARAM", _material, ctx, result)

def _material(idoc: _Idoc, m: _Seg, ctx: MappingContext, result: MappingResult) -> None:
    r = idoc.reader
    material_id = r.material(m)
    if not material_id:
        raise _fail(m, "MATNR", MappingError("material segment has no MATNR", code="missing_field"))
    base = m.text("MEINS")
    if not base:
        raise _fail(m, "MEINS", MappingError("material has no base unit MEINS", code="missing_field"))
    try:
        base_uom = sc.unit_in(base, ctx)
    except MappingError as exc:
        raise _fail(m, "MEINS", exc) from None
    texts, description = _texts(m.all("E1MAKTM"), "MAKTX", ctx)
    conversions: list[dict[str, Any]] = []
    for u in m.all("E1MARMM"):
        code = u.text("MEINH")
        if not code:
            continue
        try:
            uom = sc.unit_in(code, ctx)
        except MappingError as exc:
            raise _fail(u, "MEINH", exc) from None
        if uom == base_uom:
            continue
        num, den = r.dec(u, "UMREZ"), r.dec(u, "UMREN")
        if num is None or den is None:
            raise _fail(u, "UMREZ", MappingError("unit conversion needs UMREZ and UMREN", code="missing_field"))
        conversions.append({"uom": uom, "numerator": num, "denominator": den})
    plants: list[dict[str, Any]] = []
    for p in m.all("E1MARCM"):
        werks = p.text("WERKS")
        if not werks:  # a plant view names its plant; dropping the segment would lose its data silently
            raise _fail(p, "WERKS", MappingError("plant segment E1MARCM has no WERKS", code="missing_field"))
        beskz = p.text("BESKZ")
        plants.append(
            {
                "plant": werks,
                "procurement_type": sc.code_of(sc.MASTER, "procurement_type", beskz) if beskz else None,
                "procurement_type_source_code": beskz,
                "storage_location": p.text("LGPRO"),
                "status": MaterialStatus.OTHER if p.text("MMSTA") else None,
                "status_source_code": p.text("MMSTA"),
                "mrp_controller": p.text("DISPO"),
            }
        )
    mtart = m.text("MTART")
    shelf = r.dec(m, "MHDHB")
    custom: list[dict[str, Any]] = []
    for block in m.all("CustomData"):
        for data in block.all("Data"):
            attribute = data.text("attribute")
            if attribute:
                custom.append({"name": f"sap.custom.{attribute}", "value": data.text("value")})
    gross = r.dec(m, "BRGEW")
    weight_unit = m.text("GEWEI")
    source = msgspec.structs.asdict(idoc.source(ctx, fallback_id=material_id))  # plain data: checked by convert
    material = sc.convert(
        {
            "material_id": material_id,
            "description": description,
            "descriptions": texts,
            "base_uom": base_uom,
            "material_type": sc.code_of(sc.MASTER, "material_type", mtart or ""),
            "material_type_source_code": mtart,
            "material_group": m.text("MATKL"),
            "is_lot_managed": values.is_flag(m.f.get("XCHPF")),
            "shelf_life": {"value": shelf, "uom": "DAY"} if shelf else None,
            "uom_conversions": conversions,
            "status": MaterialStatus.OTHER if m.text("MSTAE") else MaterialStatus.ACTIVE,
            "status_source_code": m.text("MSTAE"),
            "is_deleted": values.is_flag(m.f.get("LVORM")) or m.text("MSGFN") == "003",
            "plant_data": plants,
            "gtin": sc.gtin(m.text("EAN11")),
            "properties": _pds(
                _pd("sap.industry_sector", m.text("MBRSH")),
                _pd("sap.old_material_number", m.text("BISMT")),
                _pd("sap.gtin", None if sc.gtin(m.text("EAN11")) else m.text("EAN11")),
                _pd("sap.gross_weight", _plain(gross), "decimal", _unit_of(m, "GEWEI", ctx))
                if gross and weight_unit
                else None,
            )
            + custom,
            "source": source,
        },
        Material,
    )
    created = idoc.created_at_any(ctx, [] if ctx.default_timezone else [p["plant"] for p in plants])
    time = sc.event_time(result, ctx, lambda: m.where()[0], created)
    sc.emit_checked(result, MaterialUpserted, material, time=time)

def _unit_of(seg: _Seg, name: str, ctx: MappingContext) -> str:
    """The Rec 20 code of a unit field; a unit no table knows names the field."""
    try:
        return sc.unit_in(seg.f[name], ctx)
    except MappingError as exc:
        raise _fail(seg, name, exc) from None


# BATMAS ----------------------------------------------------------------
def _batmas(idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
    _each(idoc, "E1BATMAS", _batch, ctx, result)

def _batch(idoc: _Idoc, b: _Seg, ctx: MappingContext, result: MappingResult) -> None:
    r = idoc.reader
    material_id = r.material(b, "MATERIAL", "MATERIAL_LONG")
    lot_id = b.text("BATCH")
    if not material_id or not lot_id:
        missing = "MATERIAL" if not material_id else "BATCH"
        raise _fail(b, missing, MappingError(f"batch segment has no {missing}", code="missing_field"))
    plant = b.text("PLANT")
    zone = _zone(ctx, plant)
    attrs = b.one("E1BPBATCHATT") or b
    status_seg = b.one("E1BPBATCHSTATUS")
    restricted = values.is_flag(status_seg.f.get("RESTRICTED")) if status_seg else False
    ctrl = b.one("E1BPBATCHCTRL")
    source = msgspec.structs.asdict(idoc.source(ctx, fallback_id=f"{material_id}/{lot_id}"))
    lot = sc.convert(
        {
            "lot_id": lot_id,
            "material_id": material_id,
            "plant": plant,
            "status": LotStatus.RESTRICTED if restricted else LotStatus.RELEASED,  # ZUSTD: restricted batch
            "status_source_code": "RESTRICTED" if restricted else None,
            "manufactured_at": r.instant(attrs, "PROD_DATE", None, zone),  # kept for 1.x readers
            "expires_at": r.instant(attrs, "EXPIRYDATE", None, zone),
            "retest_at": r.instant(attrs, "NEXTINSPEC", None, zone),
            "manufactured_date": r.day(attrs, "PROD_DATE"),  # HSDAT, VFDAT, QNDAT: calendar dates
            "expiry_date": r.day(attrs, "EXPIRYDATE"),
            "retest_date": r.day(attrs, "NEXTINSPEC"),
            "supplier_id": r.key(attrs, "VENDOR"),
            "supplier_lot_id": attrs.text("VENDRBATCH"),
            "properties": _pds(
                _pd("sap.country_of_origin", attrs.text("COUNTRYORI")),
                _pd("sap.availability_date", _iso(r.day(attrs, "AVAILABLE")), "date"),
                _pd("sap.batch_class", ctrl.text("CLASS") if ctrl else None),
                _pd("sap.deletion_flag", "true" if values.is_flag(attrs.f.get("DELETEFLAG")) else None, "boolean"),
            ),
            "source": source,
        },
        MaterialLot,
    )
    created = idoc.created_at_any(ctx, [plant])
    # a restricted batch places a hold, at the IDoc's creation time (one IDoc says no status before it)
    holds = sc.lot_holds(result, lot, created, lambda: b.where()[0])
    time = sc.event_time(result, ctx, lambda: b.where()[0], created)
    sc.emit_with_holds(result, build_event(LotUpserted, lot, time=time, validated=True), holds)
