"""``ProdnOrdConf2`` confirmations and their linked goods movements."""

from __future__ import annotations

from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    MappingResult,
    Reject,
    reject_from_error,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap import values
from mfgcanon.mappers.sap.odata_movements import (
    _business_time,
    _material_document_item,
    _received_batch_dates,
    _special_stock,
)
from mfgcanon.mappers.sap.odata_reader import (
    NAME,
    _Fields,
    _fragment,
    _guard,
    _pd,
    _pds,
    _Rec,
    _source,
)
from mfgcanon.v1 import derive
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    ProductionConfirmed,
    movement_event,
)
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.posting import PostingState, RequestKind

_CONFIRMED_WORK = tuple((n, f"OpConfirmedWorkQuantity{n}", f"OpWorkQuantityUnit{n}") for n in range(1, 7))


def _confirmation_with_movements(rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
    """A confirmation and its linked goods movements (``to_ProdnOrdConfMatlDocItm``), posted together in
    SAP: when the confirmation is rejected, each linked movement is rejected with it (one reject per
    item, so the record count is the same whether the confirmation converts or not)."""
    try:
        _confirmation(rec, ctx, result)
    except Exception as exc:
        rejected = reject_from_error(
            exc, location=rec.pointer or "/", payload=_fragment(rec.data), mapper=NAME
        )
        result.add_reject(rejected)
        for where, item in _Fields(rec, ctx).nav_items("to_ProdnOrdConfMatlDocItm"):
            result.add_reject(
                Reject(
                    code=rejected.code,
                    reason=f"its confirmation was rejected: {rejected.reason}",
                    location=where,
                    payload=_fragment(item),
                    mapper=NAME,
                )
            )

def _confirmation(rec: _Rec, ctx: MappingContext, result: MappingResult) -> None:
    f = _Fields(rec, ctx)
    order_id, plant = f.key("OrderID"), f.s("Plant") or ctx.option("default_plant")
    if not order_id or not plant:
        name = "OrderID" if not order_id else "Plant"
        raise f.fail(
            name,
            MappingError(
                f"confirmation has no {name} (set options.default_plant for POST bodies without Plant)"
                if name == "Plant"
                else f"confirmation has no {name}",
                code="missing_field",
            ),
        )
    group, count = f.key("ConfirmationGroup"), f.key("ConfirmationCount")
    external = f.s("ExternalSystemConfirmation")
    # never ConfirmationGroup alone: RUECK is shared by every confirmation of the operation (docs/mappers.md)
    confirmation_id = (
        f"{group}/{count}" if group and count
        else external or sc.derived_confirmation_id(order_id, f.s("OrderOperation"), f.d)
    )
    yield_qty = f.qty_d("ConfirmationYieldQuantity", "ConfirmationUnit")
    if yield_qty is None:
        raise f.fail("ConfirmationYieldQuantity", MappingError("no yield quantity", code="missing_field"))
    activities: list[dict[str, Any]] = []
    for slot, value_name, unit_name in _CONFIRMED_WORK:
        duration = f.qty_d(value_name, unit_name)
        if duration is not None:
            activities.append({"activity": sc.activity_kind(slot, ctx), "duration": duration})
    goods = f.nav_records("to_ProdnOrdConfMatlDocItm")
    movement_ids = [
        _material_document_item(f.sub(item, where)) or f"{confirmation_id}/{n}"
        for n, (where, item) in enumerate(goods, start=1)
    ]
    personnel = f.key("Personnel")
    ended = f.instant("ConfirmedExecutionEndDate", "ConfirmedExecutionEndTime", plant)
    external_entry = f.instant("ConfirmationExternalEntryDate", "ConfirmationExternalEntryTime", plant)
    entered = f.instant("ConfirmationEntryDate", "ConfirmationEntryTime", plant)
    posted = bool(group and count)  # SAP's record (a GET, a POST's response) has its key; a POST body has not
    posting = (
        sc.posting_block(PostingState.POSTED, target_system=ctx.source_system, external_id=external,
                         document_id=confirmation_id, posted_at=entered)
        if posted
        else sc.posting_block(PostingState.REQUESTED, target_system=ctx.source_system, external_id=external,
                              requested_at=external_entry)
    )
    confirmation = sc.convert(
        {
            "confirmation_id": confirmation_id,
            "order_id": order_id,
            "operation_id": f.s("OrderOperation"),
            "sequence_id": values.alpha_in(seq) if (seq := f.s("Sequence")) else None,
            "plant": plant,
            "work_center_id": f.s("WorkCenter"),
            "yield_quantity": yield_qty,
            "scrap_quantity": f.qty_d("ConfirmationScrapQuantity", "ConfirmationUnit"),
            "rework_quantity": f.qty_d("ConfirmationReworkQuantity", "ConfirmationUnit"),
            "scrap_reason_code": f.s("VarianceReasonCode"),
            "is_final": sc.is_final_confirmation(mode) if (mode := f.s("FinalConfirmationType"))
            else f.flag("IsFinalConfirmation"),
            "final_confirmation_source_code": mode,
            "clear_open_reservations": f.flag("OpenReservationsIsCleared"),
            "started_at": f.instant("ConfirmedExecutionStartDate", "ConfirmedExecutionStartTime", plant),
            "ended_at": ended,
            "posting_date": f.day("PostingDate"),
            "activities": activities,
            "personnel_ids": [personnel] if personnel else [],
            "material_movement_ids": movement_ids,
            "recorded_at": external_entry or entered,
            "posting": posting,
            "properties": _pds(
                _pd("sap.confirmation_text", f.s("ConfirmationText")),
                _pd("sap.confirmation_number", group),
                _pd("sap.record_type", f.s("OrderConfirmationRecordType")),
            ),
            "source": _source(ctx, "ProdnOrdConf2", confirmation_id),
        },
        ProductionConfirmation,
    )
    time = sc.event_time(result, ctx, rec.pointer or "/", confirmation.ended_at, confirmation.recorded_at)
    sc.emit_checked(result, ProductionConfirmed, confirmation, time=time)
    if posted and external:  # SAP's record of a request: its outcome too (the same id however often read)
        sc.emit_posting_result(
            result,
            {
                "result_id": confirmation_id,
                "outcome": PostingState.POSTED,
                "request_kind": RequestKind.CONFIRMATION,
                "request_kind_source_code": "ProdnOrdConf2",
                "request_external_id": external,
                "target_system": ctx.source_system,
                "target_document_type": "confirmation",
                "target_document_id": confirmation_id,
                "posted_ids": [confirmation_id, *movement_ids],
                "plant": plant,
                "order_id": order_id,
                "operation_id": confirmation.operation_id,
                "processed_at": sc.processed_time(ctx, rec.pointer or "/", entered),
                "source": _source(ctx, "ProdnOrdConf2", confirmation_id),
            },
            records=0,
        )
    for index, (where, item) in enumerate(goods):
        sub = _Rec(item, where, header={})
        data = dict(item)
        data.setdefault("ManufacturingOrder", item.get("OrderID"))
        sub.data = data

        def work(s: _Rec = sub, n: int = index + 1) -> None:
            sf = _Fields(s, ctx)
            _linked_movement(sf, ctx, result, confirmation, n)

        _guard(sub, result, work)

def _linked_movement(
    f: _Fields,
    ctx: MappingContext,
    result: MappingResult,
    confirmation: ProductionConfirmation,
    number: int,
) -> None:
    """A goods movement posted with a confirmation: its posting state is the confirmation's; it moved when
    the confirmed work ended, else on the posting date (00:00 in the plant's zone, precision ``day``)."""
    plant, material_id, bwart = f.s("Plant") or confirmation.plant, f.key("Material"), f.s("GoodsMovementType")
    quantity = f.qty_d("QuantityInEntryUnit", "EntryUnit")
    if not material_id or not bwart or quantity is None:
        name = "Material" if not material_id else "GoodsMovementType" if not bwart else "QuantityInEntryUnit"
        raise f.fail(name, MappingError(f"goods movement has no {name}", code="missing_field"))
    meaning = sc.movement_in(bwart, context=ctx)
    reading = sc.movement_meaning(bwart, None, ctx)  # ProdnOrdConfMatlDocItm names no document to reverse
    kind = MovementType(reading["movement_type"])
    here = {"plant": plant, "storage_location": f.s("StorageLocation")}
    receipt = sc.books_inbound(kind, bwart)
    before, after = sc.movement_statuses(kind, meaning)
    meaning = {**meaning, "from_status": before, "to_status": after}
    rsv, rsv_item = f.key("Reservation"), f.key("ReservationItem")
    document_item = _material_document_item(f)  # posted: the material document item SAP booked
    movement = sc.convert(
        {
            "movement_id": document_item or f"{confirmation.confirmation_id}/{number}",
            "movement_type": kind,
            "movement_type_source_code": bwart,
            "plant": plant,
            "material_id": material_id,
            "quantity": quantity,
            "lot_id": f.s("Batch"),
            **_received_batch_dates(f, receipt),
            "is_final_issue": f.flag("ReservationIsFinallyIssued"),
            **_special_stock(f),
            "from_location": None if receipt else here,
            "to_location": here if receipt else None,
            "order_id": f.key("OrderID") or confirmation.order_id,
            "requirement_line_id": f"{rsv}/{rsv_item}" if rsv and rsv_item else None,
            "confirmation_id": confirmation.confirmation_id,
            **_business_time(f, plant, confirmation.ended_at, confirmation.posting_date, "PostingDate"),
            "posting_date": confirmation.posting_date,
            "posting": None if confirmation.posting is None else sc.posting_block(
                confirmation.posting.state, target_system=confirmation.posting.target_system,
                requested_at=confirmation.posting.requested_at),
            "is_reversal": reading["is_reversal"],
            "source": {
                **_source(ctx, "ProdnOrdConfMatlDocItm", confirmation.confirmation_id, line=str(number)),
                "business_document_id": document_item,
            },
        },
        MaterialMovement,
    )
    sc.emit_with_holds(result, movement_event(movement), derive.holds_from_movement(movement))
