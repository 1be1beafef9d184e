"""LOIWCS work centers."""

from __future__ import annotations

from datetime import date, time, timedelta

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
    _pd,
    _pds,
    _Seg,
    _texts,
    _zone,
)
from mfgcanon.v1.events import WorkCenterUpserted
from mfgcanon.v1.work_center import WorkCenter


def _loiwcs(idoc: _Idoc, ctx: MappingContext, result: MappingResult) -> None:
    _each(idoc, "E1CRHDL", _work_center, ctx, result)

def _work_center(idoc: _Idoc, w: _Seg, ctx: MappingContext, result: MappingResult) -> None:
    """A work center (``E1CRHDL``): ARBPL in its plant, texts, category, validity (BEGDA/ENDDA are plant
    calendar days: ENDDA is the last valid day, 99991231 none), and its costing rows (``E1CRCOL``)."""
    r = idoc.reader
    arbpl, plant = w.text("ARBPL"), w.text("WERKS")
    if not arbpl or not plant:
        missing = "ARBPL" if not arbpl else "WERKS"
        raise _fail(w, missing, MappingError(f"work center segment has no {missing}", code="missing_field"))
    zone = _zone(ctx, plant)
    texts, description = _texts(w.all("E1CRTXL"), "KTEXT", ctx)
    last_day = r.day(w, "ENDDA")
    valid_to = None
    if last_day is not None and last_day < date.max:
        valid_to = values.local_instant(last_day + timedelta(days=1), time(0), 0, zone())
    rows = w.all("E1CRCOL")  # costing per activity slot (LANUM)
    costing = _pds(
        *(
            prop
            for row in rows
            if (slot := row.text("LANUM"))
            for prop in (
                _pd(f"sap.costing_formula.{slot}", row.text("FORML")),
                _pd(f"sap.activity_type.{slot}", row.text("LSTAR")),
            )
        )
    )
    cost_center = next((c for row in rows if (c := r.key(row, "KOSTL"))), None)
    source = msgspec.structs.asdict(idoc.source(ctx, fallback_id=f"{plant}/{arbpl}"))
    work_center = sc.convert(
        {
            "work_center_id": arbpl,
            "plant": plant,
            "description": description,
            "descriptions": texts,
            "category": w.text("VERWE"),
            "standard_value_key": w.text("VGWTS"),
            "is_deleted": values.is_flag(w.f.get("LVORM")) or w.text("MSGFN") == "003",
            "effective_from": r.instant(w, "BEGDA", None, zone),
            "effective_to": valid_to,
            "properties": _pds(
                _pd("sap.work_center_internal_id", w.text("OBJID")),
                _pd("sap.person_responsible", w.text("VERAN")),
                _pd("sap.cost_center", cost_center),
            )
            + costing,
            "source": source,
        },
        WorkCenter,
    )
    time_ = sc.event_time(result, ctx, lambda: w.where()[0], idoc.created_at_any(ctx, [plant]))
    sc.emit_checked(result, WorkCenterUpserted, work_center, time=time_)
