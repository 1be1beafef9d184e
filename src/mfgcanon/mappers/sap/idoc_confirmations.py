"""PPCC2PRETTICKET time tickets in (with their linked goods movements), and the RFC XML responses of a
confirmation posting (CO_MES_PRODORDCONF_CREATE_TT / BAPI_PRODORDCONF_CREATE_TT).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    MappingResult,
    Reject,
    reject_from_error,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.mappers.sap.idoc_movements import _movement
from mfgcanon.mappers.sap.idoc_reader import (
    NAME,
    _empty,
    _fail,
    _fragment,
    _given,
    _guard,
    _Idoc,
    _pd,
    _pds,
    _Reader,
    _rows,
    _Seg,
    _target,
    _zone,
    xpath,
)
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    CloudEvent,
    ProductionConfirmed,
)
from mfgcanon.v1.posting import PostingState, RequestKind


# PPCC2PRETTICKET --------------------------------------------------------
def _ppcc2(idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
    body = idoc.seg.one("E1PPCC2PRETTICKET") or idoc.seg
    tickets = body.all("E1BP_PP_TIMETICKET")
    movements = body.all("E1BP2017_GM_ITEM_CREATE")
    if not tickets and not movements:
        _empty(idoc, "E1BP_PP_TIMETICKET", result)
    links: dict[int, int] = {}
    for link in body.all("E1BP_LINK_CONF_GOODSMOV"):
        try:
            links[int(link.text("INDEX_GOODSMOV") or "0")] = int(link.text("INDEX_CONFIRM") or "0")
        except ValueError:
            continue
    confirmed: dict[int, tuple[str, datetime | None, date | None]] = {}
    failed: dict[int, Reject] = {}
    for number, ticket in enumerate(tickets, start=1):

        def work(t: _Seg = ticket, n: int = number) -> None:
            event = _confirmation(idoc, t, ctx, result, n, [g for g, c in links.items() if c == n])
            data = event.data  # type: ignore[attr-defined]
            confirmed[n] = (data.confirmation_id, data.ended_at, data.posting_date)

        _guard(result, ticket, work)
        if number not in confirmed:
            failed[number] = result.rejects[-1]
    for number, item in enumerate(movements, start=1):
        ticket_reject = failed.get(links.get(number, 0))
        if ticket_reject is not None:  # posted together in SAP: the movement goes down with its ticket
            where, line = item.where()
            result.add_reject(
                Reject(
                    code=ticket_reject.code,
                    reason=f"its time ticket #{links[number]} was rejected: {ticket_reject.reason}",
                    location=where,
                    line=line,
                    payload=_fragment(item.el),
                    mapper=NAME,
                )
            )
            continue
        owner = confirmed.get(links.get(number, 0))
        conf_id = owner[0] if owner else None
        base_id = conf_id or values.alpha_in(idoc.c("DOCNUM") or f"IDOC{idoc.index}")
        _guard(
            result,
            item,
            lambda i=item, n=number, c=conf_id, b=base_id, o=owner: _movement(  # type: ignore[misc]
                idoc,
                None,
                i,
                ctx,
                result,
                movement_id=f"{b}/{n}",
                line=f"gm{n}",
                gm=None,
                confirmation_id=c,
                occurred=o[1] if o else None,
                day=o[2] if o else None,
            ),
        )

def _confirmation(
    idoc: _Idoc, t: _Seg, ctx: MappingContext, result: MappingResult, number: int, goods: list[int]
) -> CloudEvent:
    r = idoc.reader
    plant = t.text("PLANT")
    order_id = r.key(t, "ORDERID")
    if not plant or not order_id:
        missing = "PLANT" if not plant else "ORDERID"
        raise _fail(t, missing, MappingError(f"time ticket has no {missing}", code="missing_field"))
    zone = _zone(ctx, plant)
    unit = t.text("CONF_QUAN_UNIT") or t.text("CONF_QUAN_UNIT_ISO")
    if not unit:
        raise _fail(t, "CONF_QUAN_UNIT", MappingError("time ticket has no unit", code="missing_field"))
    yield_qty = r.qty_d(t, "YIELD", "CONF_QUAN_UNIT", "CONF_QUAN_UNIT_ISO")
    if yield_qty is None:  # an activity-only confirmation: nothing yielded, in the ticket's unit
        try:
            uom, source_uom = r.unit(unit, None)
        except MappingError as exc:
            raise _fail(t, "CONF_QUAN_UNIT", exc) from None
        yield_qty = {"value": Decimal(0), "uom": uom, "source_uom": source_uom}
    activities: list[dict[str, Any]] = []
    for slot in range(1, 7):
        value = r.qty_d(t, f"CONF_ACTIVITY{slot}", f"CONF_ACTI_UNIT{slot}", f"CONF_ACTI_UNIT{slot}_ISO")
        if value is not None:
            activities.append({"activity": sc.activity_kind(slot, ctx), "duration": value})
    # never CONF_NO alone: RUECK is shared by every confirmation of the operation (docs/mappers.md)
    confirmation_id = t.text("EX_IDENT") or sc.derived_confirmation_id(
        order_id, t.text("OPERATION"), {**t.f, "DOCNUM": idoc.c("DOCNUM"), "#": number}
    )
    personnel = r.key(t, "PERS_NO")
    ended_at = r.instant(t, "EXEC_FIN_DATE", "EXEC_FIN_TIME", zone)
    recorded_at = r.instant(t, "EX_CREATED_DATE", "EX_CREATED_TIME", zone)
    source = msgspec.structs.asdict(idoc.source(ctx, line=str(number), fallback_id=confirmation_id))
    confirmation = sc.convert(
        {
            "confirmation_id": confirmation_id,
            "order_id": order_id,
            "operation_id": t.text("OPERATION"),
            "sequence_id": values.alpha_in(seq) if (seq := t.text("SEQUENCE")) else None,  # 000000 -> "0"
            "plant": plant,
            "work_center_id": t.text("WORK_CNTR"),
            "yield_quantity": yield_qty,
            "scrap_quantity": r.qty_d(t, "SCRAP", "CONF_QUAN_UNIT", "CONF_QUAN_UNIT_ISO"),
            "rework_quantity": r.qty_d(t, "REWORK", "CONF_QUAN_UNIT", "CONF_QUAN_UNIT_ISO"),
            "scrap_reason_code": t.text("DEV_REASON"),
            "is_final": sc.is_final_confirmation(t.text("FIN_CONF")),
            "final_confirmation_source_code": t.text("FIN_CONF"),
            "clear_open_reservations": values.is_flag(t.f.get("CLEAR_RES")),
            "started_at": r.instant(t, "EXEC_START_DATE", "EXEC_START_TIME", zone),
            "ended_at": ended_at,
            "posting_date": r.day(t, "POSTG_DATE"),
            "activities": activities,
            "personnel_ids": [personnel] if personnel else [],
            "material_movement_ids": [f"{confirmation_id}/{g}" for g in sorted(goods)],
            "recorded_at": recorded_at,
            "posting": sc.posting_block(
                PostingState.REQUESTED,
                target_system=_target(idoc, ctx),
                external_id=t.text("EX_IDENT"),
                requested_at=idoc.created_at_any(ctx, [plant]),
            ),
            "properties": _pds(
                _pd("sap.confirmation_text", t.text("CONF_TEXT")),
                _pd("sap.confirmation_number", r.key(t, "CONF_NO")),
                _pd("sap.record_type", t.text("RECORDTYPE")),
            ),
            "source": source,
        },
        ProductionConfirmation,
    )
    time = sc.event_time(
        result, ctx, lambda: t.where()[0], ended_at, recorded_at, idoc.created_at_any(ctx, [plant])
    )
    return sc.emit_checked(result, ProductionConfirmed, confirmation, time=time)

# CO_MES_PRODORDCONF_CREATE_TT / BAPI_PRODORDCONF_CREATE_TT responses (RFC XML) ---------------
def _confirmation_response(body: _Seg, root_name: str, ctx: MappingContext, result: MappingResult) -> None:
    """The response of a confirmation posting: SAP's answer to a request, not a fact of its own (docs/model.md,
    "Posting"). It becomes one ``PostingResult``: posted (``PostingSucceeded``) with the confirmation
    ``CONF_NO/CONF_CNT`` that ``ET_DETAIL_RETURN`` reports as the target document and the confirmation and
    its goods movements (``IT_GOODSMOVEMENTS``, numbered ``{confirmation}/{n}``) in ``posted_ids``; or, when
    a message has type E or A, failed (``PostingFailed``) with every message. The request is named by the
    MES's confirmation id that SAP echoes in message CO_MES_INT 037 (MESSAGE_V1). The response has no
    time of its own: it was processed when received (the payload's received time; without one, a
    ``missing_field`` reject). The movement rows echo the request and become no movement events."""
    function = root_name.removesuffix(".Response")
    rfc = _Idoc(body, function, 1, _Reader(ctx), channel="RFC")
    rows = _rows(body, "ES_RETURN", "RETURN") + _rows(body, "ET_DETAIL_RETURN", "DETAIL_RETURN")
    items = _rows(body, "IT_GOODSMOVEMENTS", "GOODSMOVEMENTS")
    messages = [
        sc.posting_message(
            m.f.get("TYPE"),
            f"{m.f['ID'].strip()}/{m.f.get('NUMBER', '').strip()}" if _given(m.f.get("ID")) else None,
            _given(m.f.get("MESSAGE")),
        )
        for m in rows
        if _given(m.f.get("TYPE"))
    ]
    confirmations = sorted(
        {
            f"{values.alpha_in(m.f['CONF_NO'])}/{values.alpha_in(m.f.get('CONF_CNT') or '0')}"
            for m in rows
            if _given(m.f.get("CONF_NO"))
        }
    )
    external = next(
        (
            m.f["MESSAGE_V1"].strip()
            for m in rows
            if (m.f.get("ID") or "").strip() == "CO_MES_INT"
            and (m.f.get("NUMBER") or "").strip() == "037"
            and _given(m.f.get("MESSAGE_V1"))
        ),
        None,
    )
    failed = any(sc.is_failure(m) for m in messages)
    records = max(1, len(items))
    failure = None
    if failed and external is None:
        texts = [m["text"] or m["code"] or "?" for m in messages if sc.is_failure(m)]
        failure = ("source_error", f"SAP did not post the confirmation: {'; '.join(texts)} (and the response "
                   "names no request: no CO_MES_INT 037 message)")
    elif not failed and not confirmations:
        failure = ("missing_identity", "the response names no posted confirmation (CONF_NO/CONF_CNT)")
    if failure is not None:
        for item in items or [body]:
            where, line = item.where()
            result.add_reject(
                Reject(code=failure[0], reason=failure[1], location=where, line=line,
                       payload=_fragment(item.el), mapper=NAME)
            )
        return
    target = ",".join(confirmations)
    plant = next((p for i in items if (p := i.text("PLANT"))), None)
    order = next((o for i in items if (o := _given(rfc.reader.key(i, "ORDERID")))), None)

    def work() -> None:
        source = rfc.source(ctx, fallback_id=target if not failed else external)
        processed = sc.processed_time(ctx, xpath(body.el))
        sc.emit_posting_result(
            result,
            {
                "result_id": f"{function}:{target or external}",
                "outcome": PostingState.FAILED if failed else PostingState.POSTED,
                "request_kind": RequestKind.CONFIRMATION,
                "request_kind_source_code": function,
                "request_external_id": external,
                "target_system": ctx.source_system or source.system,
                "target_document_type": "confirmation",
                "target_document_id": None if failed else target,
                "posted_ids": [] if failed else [*confirmations, *(f"{target}/{n}" for n in
                                                                     range(1, len(items) + 1))],
                "plant": plant,
                "order_id": order,
                "messages": messages,
                "processed_at": processed,
                "source": msgspec.structs.asdict(source),
            },
            records=records,
        )

    try:
        work()
    except Exception as exc:
        for item in items or [body]:
            where, line = item.where()
            result.add_reject(
                reject_from_error(exc, location=where, payload=_fragment(item.el), line=line, mapper=NAME)
            )
