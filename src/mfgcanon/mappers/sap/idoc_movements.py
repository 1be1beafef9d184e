"""MBGMCR goods movements in: each item a movement requested of SAP."""

from __future__ import annotations

from datetime import date, datetime, time

import msgspec

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.mappers.sap.idoc_reader import (
    _empty,
    _fail,
    _given,
    _guard,
    _Idoc,
    _initial,
    _pd,
    _pds,
    _Reader,
    _Seg,
    _target,
    _zone,
)
from mfgcanon.v1 import derive
from mfgcanon.v1.events import (
    CloudEvent,
    movement_event,
)
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.posting import PostingState


def _special_stock_id(r: _Reader, item: _Seg) -> str | None:
    """The owner of a special stock: the sales order (and item), else the supplier, else the customer."""
    order = _given(r.key(item, "SALES_ORD"))
    if order:
        position = _given(r.key(item, "S_ORD_ITEM"))
        return f"{order}/{position}" if position else order
    return _given(r.key(item, "VENDOR")) or _given(r.key(item, "CUSTOMER"))


def _mbgmcr(idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
    body = idoc.seg.one("E1MBGMCR") or idoc.seg  # some producers put the E1BP* segments under IDOC
    head = body.one("E1BP2017_GM_HEAD_01")
    items = body.all("E1BP2017_GM_ITEM_CREATE")
    if not items:
        _empty(idoc, "E1BP2017_GM_ITEM_CREATE", result)
    code_seg = body.one("E1BP2017_GM_CODE")
    gm = code_seg.text("GM_CODE") if code_seg else None
    ref = (head.text("REF_DOC_NO") if head else None) or idoc.c("DOCNUM") or f"IDOC{idoc.index}"
    serials: dict[str, list[str]] = {}
    for row in body.all("E1BP2017_GM_SERIALNUMBER"):  # MATDOC_ITM: the item's 1-based position
        if (serial := row.text("SERIALNO")) and (position := row.text("MATDOC_ITM")):
            serials.setdefault(values.alpha_in(position), []).append(serial)
    for number, item in enumerate(items, start=1):
        _guard(
            result,
            item,
            lambda i=item, n=number: _movement(  # type: ignore[misc]
                idoc, head, i, ctx, result, movement_id=f"{values.alpha_in(ref)}/{n}", line=str(n), gm=gm,
                serials=serials.get(str(n)),
            ),
        )

def _movement(
    idoc: _Idoc,
    head: _Seg | None,
    i: _Seg,
    ctx: MappingContext,
    result: MappingResult,
    *,
    movement_id: str,
    line: str,
    gm: str | None,
    confirmation_id: str | None = None,
    occurred: datetime | None = None,
    day: date | None = None,
    serials: list[str] | None = None,
) -> CloudEvent:
    """One goods-movement item (E1BP2017_GM_ITEM_CREATE) of a request sent to SAP (MBGMCR, or linked to a
    time ticket): ``posting.state = requested``. Its business time is ``occurred`` (the time ticket's
    end) where given, else the document date (DOC_DATE, else the posting date PSTNG_DATE, else ``day``)
    at 00:00 in the plant's zone with ``occurred_at_precision = day``; the control record's creation
    time is when it was requested, never when the goods moved."""
    r = idoc.reader
    plant = i.text("PLANT")
    material_id = r.material(i, "MATERIAL", "MATERIAL_LONG")
    bwart = i.text("MOVE_TYPE")
    if not plant or not material_id or not bwart:
        missing = "PLANT" if not plant else "MATERIAL" if not material_id else "MOVE_TYPE"
        raise _fail(i, missing, MappingError(f"goods movement item has no {missing}", code="missing_field"))
    fields = i.f
    quantity = r.qty_d(i, "ENTRY_QNT", "ENTRY_UOM", "ENTRY_UOM_ISO")
    base = None
    if fields.get("BASE_UOM") or fields.get("BASE_UOM_ISO") or not _initial(fields.get("QUANTITY")):
        base = r.qty_d(i, "QUANTITY", "BASE_UOM", "BASE_UOM_ISO")  # else an initial 0.000 of a BAPI row
    if quantity is None:
        quantity, base = base, None
    if quantity is None:
        raise _fail(i, "ENTRY_QNT", MappingError("goods movement item has no quantity", code="missing_field"))
    meaning = sc.movement_in(bwart, context=ctx)
    reading = sc.movement_meaning(bwart, sc.reversal_reference(
        _given(r.key(i, "MATDOC_TR_CANCEL")), _given(fields.get("MATYEAR_TR_CANCEL")),
        _given(r.key(i, "MATITEM_TR_CANCEL"))), ctx)
    kind = MovementType(reading["movement_type"])
    here = {"plant": plant, "storage_location": fields.get("STGE_LOC")}
    from_loc = to_loc = None
    received = sc.books_inbound(kind, bwart)
    from_status, to_status = sc.movement_statuses(kind, meaning)
    stock_type = _given((fields.get("STCK_TYPE") or "").strip() or None)
    from_code = to_code = None
    if received:
        to_loc = here
        if stock_type:  # the stock type it is received into (INSMK: X quality inspection, S blocked)
            to_status, to_code = sc.code_of(sc.MASTER, "insmk", stock_type), stock_type
    elif kind is MovementType.TRANSFER:
        from_loc = here
        to_loc = {"plant": fields.get("MOVE_PLANT") or plant, "storage_location": fields.get("MOVE_STLOC")}
    else:
        from_loc = here
    posting = r.day(head, "PSTNG_DATE") if head else None
    precision = "instant"
    if occurred is None:
        document_day = r.day(head, "DOC_DATE") if head else None
        business_day = document_day or posting or day
        if business_day is None:
            raise _fail(
                i,
                "MOVE_TYPE",
                MappingError(
                    "no business time for the movement: the header has neither DOC_DATE nor PSTNG_DATE "
                    "(the IDoc's creation time is when it was sent, not when the goods moved)",
                    code="missing_field",
                ),
            )
        try:
            occurred = values.local_instant(business_day, time(0), 0, _zone(ctx, plant)())
        except MappingError as exc:  # before year 1 or after 9999 in UTC
            raise _fail(head or i, "DOC_DATE" if document_day else "PSTNG_DATE", exc) from None
        precision = "day"
    rsnum, rspos = _given(r.key(i, "RESERV_NO")), _given(r.key(i, "RES_ITEM"))
    hf = head.f if head is not None else {}
    source = idoc.source(ctx, line=line, fallback_id=movement_id.rpartition("/")[0])
    movement = sc.convert(
        {
            "movement_id": movement_id,
            "movement_type": kind,
            "movement_type_source_code": bwart,
            "plant": plant,
            "material_id": material_id,
            "quantity": quantity,
            "base_quantity": base,
            "lot_id": fields.get("BATCH"),
            "serial_numbers": serials or [],
            # the received batch's production and shelf-life expiry dates (HSDAT, VFDAT), where sent
            "manufactured_date": r.day(i, "PROD_DATE") if received else None,
            "expiry_date": r.day(i, "EXPIRYDATE") if received else None,
            "is_final_issue": values.is_flag(fields.get("WITHDRAWN")),
            "special_stock_type": _given(fields.get("SPEC_STOCK")),
            "special_stock_id": _special_stock_id(r, i),
            "from_location": from_loc,
            "to_location": to_loc,
            "from_stock_status": from_status,
            "to_stock_status": to_status,
            "from_stock_status_source_code": from_code,
            "to_stock_status_source_code": to_code,
            "order_id": _given(r.key(i, "ORDERID")),
            "requirement_line_id": f"{rsnum}/{rspos}" if rsnum and rspos else None,
            "confirmation_id": confirmation_id,
            "reason_code": _given(fields.get("MOVE_REAS")),
            "occurred_at": occurred,
            "occurred_at_precision": precision,
            "posting_date": posting,
            "is_reversal": reading["is_reversal"],
            "reverses_movement_id": reading["reverses_movement_id"],
            "posting": sc.posting_block(
                PostingState.REQUESTED,
                target_system=_target(idoc, ctx),
                requested_at=idoc.created_at_any(ctx, [plant]),
            ),
            "properties": _pds(
                _pd("sap.gm_code", gm),
                _pd("sap.cost_center", fields.get("COSTCENTER")),
                _pd("sap.item_text", fields.get("ITEM_TEXT")),
                _pd("sap.movement_indicator", fields.get("MVT_IND")),
                _pd("sap.reference_document", hf.get("REF_DOC_NO")),
                _pd("sap.header_text", hf.get("HEADER_TXT")),
            ),
            "source": msgspec.structs.asdict(source),
        },
        MaterialMovement,
    )
    # a posted status change into blocked or quality-inspection stock places a hold (a request derives none)
    return sc.emit_with_holds(result, movement_event(movement, validated=True), derive.holds_from_movement(movement))
