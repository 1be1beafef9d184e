"""The IDoc writer: confirmations as PPCC2PRETTICKET02, goods movements as MBGMCR03."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.errors import MappingError
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.v1.common import (
    Property,
    Quantity,
)
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement, MovementType

# Field lengths for ALPHA padding on the way out (erp-formats.md 0.3 and 1.6): None = never padded.
PAD = {
    "AUFNR": 12,
    "MATNR": 18,
    "MATNR_LONG": 40,
    "RSNUM": 10,
    "RSPOS": 4,
    "RUECK": 10,
    "CHARG": None,
    "OPERATION": 4,
    "MOVE_REAS": 4,
    "MBLNR": 10,
    "ZEILE": 4,
}


# ---------------------------------------------------------------------- writers
def _el(parent: Any, name: str, value: str | None) -> None:
    if value is not None and value != "":
        etree.SubElement(parent, name).text = value


def _control(idoc: Any, basic: str, message: str, created: datetime | None, plant: str, ctx: MappingContext) -> None:
    dc = etree.SubElement(idoc, "EDI_DC40", SEGMENT="1")
    _el(dc, "TABNAM", "EDI_DC40")
    _el(dc, "DIRECT", "2")
    _el(dc, "IDOCTYP", basic)
    _el(dc, "MESTYP", message)
    _el(dc, "SNDPOR", ctx.option("sender_port"))
    _el(dc, "SNDPRT", "LS")
    _el(dc, "SNDPRN", ctx.option("sender_partner", "MFGCANON"))
    _el(dc, "RCVPOR", ctx.option("receiver_port"))
    _el(dc, "RCVPRT", "LS")
    _el(dc, "RCVPRN", ctx.option("receiver_partner", ctx.source_system))
    if created is not None:
        day, moment = values.to_local(created, ctx.clock_zone_for(plant))
        _el(dc, "CREDAT", day)
        _el(dc, "CRETIM", moment)


def _qty_out(
    parent: Any, value_field: str, unit_field: str, iso_field: str | None, q: Quantity, ctx: MappingContext
) -> None:
    _el(parent, value_field, values.format_decimal(q.value))
    _el(parent, unit_field, sc.unit_out(q.uom, q.source_uom, "internal", ctx))
    if iso_field:
        _el(parent, iso_field, q.uom)


def _prop_value(properties: list[Property], name: str) -> str | None:
    return next((p.value for p in properties if p.name == name), None)


def _key_out(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    return values.alpha_out(value, PAD.get(field))


def _local(instant: datetime | None, plant: str, ctx: MappingContext) -> tuple[str | None, str | None]:
    if instant is None:
        return None, None
    return values.to_local(instant, ctx.zone_for(plant))


def _movement_item(parent: Any, m: MaterialMovement, ctx: MappingContext) -> None:
    item = etree.SubElement(parent, "E1BP2017_GM_ITEM_CREATE", SEGMENT="1")
    if len(m.material_id) <= 18:
        _el(item, "MATERIAL", _key_out(m.material_id, "MATNR"))
    _el(item, "PLANT", m.plant)
    here = m.to_location if sc.books_inbound(m.movement_type, m.movement_type_source_code) else m.from_location
    _el(item, "STGE_LOC", here.storage_location if here else None)
    _el(item, "BATCH", m.lot_id)
    bwart = sc.movement_out(
        m.movement_type, m.is_reversal, m.movement_type_source_code, m.from_stock_status, m.to_stock_status
    )
    _el(item, "MOVE_TYPE", bwart)
    if m.movement_type is MovementType.GOODS_RECEIPT and m.to_stock_status is not None:
        insmk = {"unrestricted": None, "quality_inspection": "X", "blocked": "S"}.get(m.to_stock_status.value)
        _el(item, "STCK_TYPE", insmk)
    _qty_out(item, "ENTRY_QNT", "ENTRY_UOM", "ENTRY_UOM_ISO", m.quantity, ctx)
    if m.base_quantity is not None:
        _qty_out(item, "QUANTITY", "BASE_UOM", "BASE_UOM_ISO", m.base_quantity, ctx)
    _el(item, "ITEM_TEXT", _prop_value(m.properties, "sap.item_text"))
    _el(item, "COSTCENTER", _prop_value(m.properties, "sap.cost_center"))
    _el(item, "ORDERID", _key_out(m.order_id, "AUFNR"))
    if m.requirement_line_id:
        rsnum, _, rspos = m.requirement_line_id.partition("/")
        _el(item, "RESERV_NO", _key_out(rsnum, "RSNUM"))
        _el(item, "RES_ITEM", _key_out(rspos, "RSPOS"))
    if _prop_value(m.properties, "sap.final_issue") == "true":
        _el(item, "WITHDRAWN", "X")
    if m.movement_type is MovementType.TRANSFER and m.to_location is not None:
        _el(item, "MOVE_PLANT", m.to_location.plant)
        _el(item, "MOVE_STLOC", m.to_location.storage_location)
    indicator = _prop_value(m.properties, "sap.movement_indicator")
    if indicator is None and m.order_id and bwart in ("101", "102"):
        indicator = "F"
    _el(item, "MVT_IND", indicator)
    _el(item, "MOVE_REAS", _key_out(m.reason_code, "MOVE_REAS"))
    if m.is_reversal and m.reverses_movement_id:
        document, year, line = [*m.reverses_movement_id.split("/"), "", ""][:3]
        if not (document and year.isdigit() and len(year) == 4 and line.isdigit()):
            raise MappingError(
                f"reverses_movement_id {m.reverses_movement_id!r} is not a material document item "
                "'document/year/item' (MATDOC_TR_CANCEL/MATYEAR_TR_CANCEL/MATITEM_TR_CANCEL)",
                code="unmappable_value",
            )
        _el(item, "MATDOC_TR_CANCEL", _key_out(document, "MBLNR"))
        _el(item, "MATITEM_TR_CANCEL", _key_out(line, "ZEILE"))
        _el(item, "MATYEAR_TR_CANCEL", year)
    _el(item, "MATERIAL_LONG", _key_out(m.material_id, "MATNR_LONG"))


def _document(basic: str) -> Any:
    return etree.Element(basic)


def _write_mbgmcr(movements: list[MaterialMovement], ctx: MappingContext) -> bytes:
    """MBGMCR03: one IDoc per material document, i.e. per (time, posting date, GM code) group."""
    root = _document("MBGMCR03")
    groups: dict[tuple[datetime, date | None, str, str], list[MaterialMovement]] = {}
    for m in movements:
        bwart = sc.movement_out(
            m.movement_type, m.is_reversal, m.movement_type_source_code, m.from_stock_status, m.to_stock_status
        )
        ref = _prop_value(m.properties, "sap.reference_document") or m.movement_id.rpartition("/")[0] or m.movement_id
        groups.setdefault((m.occurred_at, m.posting_date, sc.gm_code(bwart), ref), []).append(m)
    for (occurred, posting, gm, ref), members in groups.items():
        first = members[0]
        idoc = etree.SubElement(root, "IDOC", BEGIN="1")
        requested = first.posting.requested_at if first.posting is not None else None
        _control(idoc, "MBGMCR03", "MBGMCR", requested or occurred, first.plant, ctx)
        body = etree.SubElement(idoc, "E1MBGMCR", SEGMENT="1")
        head = etree.SubElement(body, "E1BP2017_GM_HEAD_01", SEGMENT="1")
        doc_day, _ = values.to_local(occurred, ctx.zone_for(first.plant))
        _el(head, "PSTNG_DATE", posting.strftime("%Y%m%d") if posting else doc_day)
        _el(head, "DOC_DATE", doc_day)
        if len(ref) > 16:
            raise MappingError(
                f"reference document {ref!r} is longer than REF_DOC_NO's 16 characters", code="unmappable_value"
            )
        _el(head, "REF_DOC_NO", ref)
        _el(head, "HEADER_TXT", _prop_value(first.properties, "sap.header_text"))
        code = etree.SubElement(body, "E1BP2017_GM_CODE", SEGMENT="1")
        _el(code, "GM_CODE", gm)
        for m in members:
            _movement_item(body, m, ctx)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _write_ppcc2(
    confirmations: list[ProductionConfirmation], linked: list[MaterialMovement], ctx: MappingContext
) -> bytes:
    root = _document("PPCC2PRETTICKET02")
    idoc = etree.SubElement(root, "IDOC", BEGIN="1")
    first = confirmations[0]
    _control(idoc, "PPCC2PRETTICKET02", "PPCC2PRETTICKET", first.recorded_at or first.ended_at, first.plant, ctx)
    for c in confirmations:
        if c.reverses_confirmation_id:
            raise MappingError(
                "a reversal cannot be sent as a time ticket: cancel the confirmation "
                "(BAPI_PRODORDCONF_CANCEL / CancelProdnOrdConf) instead",
                code="unmappable_value",
            )
        if len(c.personnel_ids) > 1:
            raise MappingError("a time ticket carries one personnel number (PERS_NO)", code="unmappable_value")
        t = etree.SubElement(idoc, "E1BP_PP_TIMETICKET", SEGMENT="1")
        _el(t, "ORDERID", _key_out(c.order_id, "AUFNR"))
        _el(t, "OPERATION", _key_out(c.operation_id, "OPERATION"))
        _el(t, "FIN_CONF", sc.final_confirmation_out(c))
        _el(t, "CLEAR_RES", "X" if c.clear_open_reservations else None)
        _el(t, "POSTG_DATE", c.posting_date.strftime("%Y%m%d") if c.posting_date else None)
        _el(t, "DEV_REASON", c.scrap_reason_code)
        _el(t, "CONF_TEXT", _prop_value(c.properties, "sap.confirmation_text"))
        _el(t, "PLANT", c.plant)
        _el(t, "WORK_CNTR", c.work_center_id)
        _el(t, "RECORDTYPE", _prop_value(c.properties, "sap.record_type"))
        _el(t, "CONF_QUAN_UNIT", sc.unit_out(c.yield_quantity.uom, c.yield_quantity.source_uom, "internal", ctx))
        _el(t, "CONF_QUAN_UNIT_ISO", c.yield_quantity.uom)
        for field, q in (("YIELD", c.yield_quantity), ("SCRAP", c.scrap_quantity), ("REWORK", c.rework_quantity)):
            if q is None:
                continue
            if q.uom != c.yield_quantity.uom:
                raise MappingError(
                    f"{field} is in {q.uom} but the time ticket has one unit ({c.yield_quantity.uom})",
                    code="unmappable_value",
                )
            _el(t, field, values.format_decimal(q.value))
        used: set[int] = set()
        for activity in c.activities:
            if activity.activity_type_code:
                raise MappingError(
                    "a time ticket does not carry activity types (LSTAR); leave activity_type_code empty",
                    code="unmappable_value",
                )
            slot = sc.activity_slot(activity.activity, used, ctx)
            used.add(slot)
            _qty_out(
                t, f"CONF_ACTIVITY{slot}", f"CONF_ACTI_UNIT{slot}", f"CONF_ACTI_UNIT{slot}_ISO", activity.duration, ctx
            )
        for prefix, instant in (("EXEC_START", c.started_at), ("EXEC_FIN", c.ended_at)):
            day, moment = _local(instant, c.plant, ctx)
            _el(t, f"{prefix}_DATE", day)
            _el(t, f"{prefix}_TIME", moment)
        _el(t, "PERS_NO", _key_out(c.personnel_ids[0], "PERS_NO") if c.personnel_ids else None)
        day, moment = _local(c.recorded_at, c.plant, ctx)
        _el(t, "EX_CREATED_DATE", day)
        _el(t, "EX_CREATED_TIME", moment)
        _el(t, "EX_IDENT", c.confirmation_id)
    index = {c.confirmation_id: n for n, c in enumerate(confirmations, start=1)}
    for m in linked:
        _movement_item(idoc, m, ctx)
    for number, m in enumerate(linked, start=1):
        link = etree.SubElement(idoc, "E1BP_LINK_CONF_GOODSMOV", SEGMENT="1")
        _el(link, "INDEX_CONFIRM", str(index[m.confirmation_id or ""]))
        _el(link, "INDEX_GOODSMOV", str(number))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
