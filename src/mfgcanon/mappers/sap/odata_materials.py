"""``A_Product`` products, ``Batch`` batches and ``A_MatlStkInAcctMod`` stock."""

from __future__ import annotations

from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap.odata_reader import (
    _Fields,
    _iso,
    _pd,
    _pds,
    _Rec,
    _source,
    _Zone,
)
from mfgcanon.v1.events import (
    InventoryBalanceReported,
    LotUpserted,
    MaterialUpserted,
    build_event,
)
from mfgcanon.v1.inventory import InventoryBalance
from mfgcanon.v1.lot import MaterialLot
from mfgcanon.v1.material import Material


# products ---------------------------------------------------------------
def _product(rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
    f = _Fields(rec, ctx)
    material_id = f.key("Product")
    base = f.s("BaseUnit") or f.s("BaseUnitISOCode")
    if not material_id or not base:
        name = "Product" if not material_id else "BaseUnit"
        raise f.fail(name, MappingError(f"product has no {name}", code="missing_field"))
    try:
        base_uom = sc.unit_in(base, ctx, iso=f.s("BaseUnitISOCode"))
    except MappingError as exc:
        raise f.fail("BaseUnit", exc) from None
    texts = []
    for where, row in f.nav_records("to_Description"):
        df = f.sub(row, where)
        lang, text = df.s("Language"), df.s("ProductDescription")
        if lang and text:
            texts.append({"language": lang.lower(), "text": text})
    language = str(ctx.option("language", "EN")).lower()
    conversions: list[dict[str, Any]] = []
    for where, u in f.nav_records("to_ProductUnitsOfMeasure"):
        uf = f.sub(u, where)
        code = uf.s("AlternativeUnit")
        if not code:
            continue
        try:
            uom = sc.unit_in(code, ctx)
        except MappingError as exc:
            raise uf.fail("AlternativeUnit", exc) from None
        num, den = uf.dec("QuantityNumerator"), uf.dec("QuantityDenominator")
        if uom != base_uom and num and den:
            conversions.append({"uom": uom, "numerator": num, "denominator": den})
    plants = []
    for where, p in f.nav_records("to_Plant"):
        pf = f.sub(p, where)
        plant = pf.s("Plant")
        if not plant:  # a plant view names its plant; dropping the row would lose its data silently
            raise pf.fail("Plant", MappingError("product plant record has no Plant", code="missing_field"))
        beskz = pf.s("ProcurementType")
        plants.append(
            {
                "plant": plant,
                "procurement_type": sc.code_of(sc.MASTER, "procurement_type", beskz) if beskz else None,
                "procurement_type_source_code": beskz,
                "storage_location": pf.s("ProductionInvtryManagedLoc"),
                "mrp_controller": pf.s("MRPResponsible"),
            }
        )
    mtart = f.s("ProductType")
    material = sc.convert(
        {
            "material_id": material_id,
            "description": next(
                (t["text"] for t in texts if t["language"] == language), texts[0]["text"] if texts else None
            ),
            "descriptions": texts,
            "base_uom": base_uom,
            "material_type": sc.code_of(sc.MASTER, "material_type", mtart or ""),
            "material_type_source_code": mtart,
            "material_group": f.s("ProductGroup"),
            "is_lot_managed": f.flag("IsBatchManagementRequired"),
            "uom_conversions": conversions,
            "is_deleted": f.flag("IsMarkedForDeletion"),
            "plant_data": plants,
            "properties": _pds(
                _pd("sap.industry_sector", f.s("IndustrySector")),
                _pd("sap.gtin", None if sc.gtin(f.s("ProductStandardID")) else f.s("ProductStandardID")),
            ),
            "gtin": sc.gtin(f.s("ProductStandardID")),
            "source": _source(
                ctx,
                "A_Product",
                material_id,
                revision=str(d) if (d := f.offset_instant("LastChangeDateTime")) else None,
            ),
        },
        Material,
    )
    time = sc.event_time(
        result,
        ctx,
        rec.pointer or "/",
        f.timestamp("LastChangeDateTime"),
        f.instant("LastChangeDate", None, None) if ctx.default_timezone else None,
        f.instant("CreationDate", None, None) if ctx.default_timezone else None,
    )
    sc.emit_checked(result, MaterialUpserted, material, time=time)

# batches ----------------------------------------------------------------
def _batch(rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
    """``API_BATCH_SRV`` ``Batch`` -> LotUpserted (as BATMAS: dates are plant-local calendar dates)."""
    f = _Fields(rec, ctx)
    material_id, lot_id = f.key("Material"), f.s("Batch")
    if not material_id or not lot_id:
        name = "Material" if not material_id else "Batch"
        raise f.fail(name, MappingError(f"batch has no {name}", code="missing_field"))
    plant = f.s("BatchIdentifyingPlant")  # empty: the batch is unique per material (cross-plant)
    # A cross-plant batch's dates are read in the default zone, else in options.default_plant's zone.
    zone_plant = plant or (None if ctx.default_timezone else ctx.option("default_plant"))
    zone = _Zone(ctx, zone_plant)
    restricted = f.flag("BatchIsRestricted")
    changed = f.timestamp("LastChangeDateTime")
    lot = sc.convert(
        {
            "lot_id": lot_id,
            "material_id": material_id,
            "plant": plant,
            "status": "restricted" if restricted else "released",  # BatchIsRestricted (ZUSTD)
            "status_source_code": "RESTRICTED" if restricted else None,
            "manufactured_at": f.instant("ManufactureDate", None, zone_plant, zone),  # kept for 1.x readers
            "expires_at": f.instant("ShelfLifeExpirationDate", None, zone_plant, zone),
            "retest_at": f.instant("NextInspectionDate", None, zone_plant, zone),
            "manufactured_date": f.day("ManufactureDate"),  # the calendar dates they are
            "expiry_date": f.day("ShelfLifeExpirationDate"),
            "retest_date": f.day("NextInspectionDate"),
            "supplier_id": f.key("Supplier"),
            "supplier_lot_id": f.s("BatchBySupplier"),
            "properties": _pds(
                _pd("sap.country_of_origin", f.s("CountryOfOrigin")),
                _pd("sap.region_of_origin", f.s("RegionOfOrigin")),
                _pd("sap.availability_date", _iso(f.day("MatlBatchAvailabilityDate")), "date"),
                _pd("sap.deletion_flag", "true" if f.flag("BatchIsMarkedForDeletion") else None, "boolean"),
            ),
            "source": _source(
                ctx,
                "Batch",
                "/".join(part for part in (material_id, plant, lot_id) if part),
                revision=changed.strftime("%Y%m%d%H%M%S") if changed else None,
            ),
        },
        MaterialLot,
    )
    # a restricted batch places a hold at its LastChangeDateTime (one read says no status before it)
    holds = sc.lot_holds(result, lot, changed, rec.pointer or "/")
    time = sc.event_time(result, ctx, rec.pointer or "/", changed, f.timestamp("CreationDateTime"))
    sc.emit_with_holds(result, build_event(LotUpserted, lot, time=time, validated=True), holds)

# stock ------------------------------------------------------------------
def _stock(rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
    f = _Fields(rec, ctx)
    material_id, plant = f.key("Material"), f.s("Plant")
    quantity = f.qty_d("MatlWrhsStkQtyInMatlBaseUnit", "MaterialBaseUnit")
    if not material_id or not plant or quantity is None:
        name = "Material" if not material_id else "Plant" if not plant else "MatlWrhsStkQtyInMatlBaseUnit"
        raise f.fail(name, MappingError(f"stock record has no {name}", code="missing_field"))
    stock_type = f.s("InventoryStockType")
    snapshot = sc.event_time(result, ctx, rec.pointer or "/")
    bucket = "|".join(
        str(rec.data.get(k) or "")
        for k in (
            "Material",
            "Plant",
            "StorageLocation",
            "Batch",
            "InventorySpecialStockType",
            "InventoryStockType",
        )
    )
    storage_location = f.s("StorageLocation")
    balance = sc.convert(
        {
            "material_id": material_id,
            "plant": plant,
            "location": {"plant": plant, "storage_location": storage_location} if storage_location else None,
            "lot_id": f.s("Batch"),
            "stock_status": sc.code_of(sc.MASTER, "stock_type", stock_type or "01"),
            "stock_status_source_code": stock_type,
            "quantity": quantity,
            "snapshot_at": snapshot,
            "special_stock_type": f.s("InventorySpecialStockType"),
            "source": _source(ctx, "A_MatlStkInAcctMod", bucket, revision=format(quantity["value"], "f")),
        },
        InventoryBalance,
    )
    sc.emit_checked(result, InventoryBalanceReported, balance, time=snapshot)
