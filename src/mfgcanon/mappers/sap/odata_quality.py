"""Inspection lots, results and usage decisions (``A_InspectionLot``, ``A_InspectionResult``,
``A_InspLotUsageDecision`` and the BAPI structures), joined to their lot across payloads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import (
    MappingResult,
    Reject,
    reject_from_error,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.sap import common as sc
from mfgcanon.mappers.sap.odata_reader import (
    NAME,
    _Fields,
    _fragment,
    _pd,
    _pds,
    _Rec,
    _source,
)
from mfgcanon.v1.events import (
    InspectionCompleted,
    build_event,
)
from mfgcanon.v1.quality import InspectionStatus, QualityInspection


@dataclass
class _Inspection:
    lots: dict[str, _Rec] = field(default_factory=dict)
    results: dict[str, list[_Rec]] = field(default_factory=dict)
    decisions: dict[str, list[_Rec]] = field(default_factory=dict)  # several: the last one decides
    # Exact repeats of a lot already in the batch (a re-polled response): not mapped again, but counted
    # with the lot's event (or rejected with it), so the counts still add up.
    repeats: dict[str, list[_Rec]] = field(default_factory=dict)


_TEXT_ROW = (("TDFORMAT", "TDLINE"), ("FORMAT_COL", "TEXT_LINE"))  # TLINE and BAPITLINE spellings


def _itf_join(lines: Iterable[tuple[str, str]]) -> str | None:
    """SAPscript (ITF) text lines ``(format, line)`` as the text a reader sees, in line order.

    The editor wraps a paragraph over several 72/132-character lines, so a line with a blank format
    continues the paragraph after one blank; ``=`` glues it on with no blank (a word split over two
    lines); ``/``, ``/=`` and ``/(`` start a new line; any other format (``*``, a style's paragraph key
    such as ``AS``) starts a new paragraph, also written as a new line. ``/:`` (control command) and
    ``/*`` (comment) lines are not text and are left out. Trailing blanks are CHAR padding and dropped;
    character formats (``<B>``) and symbols (``&DATE&``) are kept verbatim (they are not resolved here).
    ``None`` when nothing readable remains.
    """
    rows: list[str] = []  # the lines a reader sees
    for form, line in lines:
        tag = form.strip()
        if tag in ("/:", "/*"):
            continue
        text = line.rstrip()
        if tag == "=" and rows:
            rows[-1] += text
        elif tag == "" and rows:
            words = text.strip()
            if words:
                rows[-1] = f"{rows[-1]} {words}" if rows[-1] else words
        else:
            rows.append(text.lstrip() if tag in ("", "=") else text)
    joined = "\n".join(rows).strip()
    return joined or None


def _long_text(f: _Fields, name: str) -> str | None:
    """A text field that is one line (``UD_TEXT_LINE``, CHAR 40) or a table of lines.

    A table row is a plain string (a continuation line) or a ``TLINE`` / ``BAPITLINE`` row
    (``TDFORMAT``/``TDLINE`` or ``FORMAT_COL``/``TEXT_LINE``); rows are read in order and joined as
    SAPscript shows them (:func:`_itf_join`). A value of another type is refused with its JSON pointer.
    """
    value = f.d.get(name)
    if value is None or isinstance(value, str):
        return _itf_join([("", value)]) if value else None
    if not isinstance(value, list):
        raise f.fail(name, MappingError("expected a text line or a list of lines", code="type_mismatch"))
    lines: list[tuple[str, str]] = []
    for index, row in enumerate(value):
        if isinstance(row, str):
            lines.append(("", row))
            continue
        if not isinstance(row, Mapping):
            wrong = MappingError(
                f"a text line must be a string or a TLINE row, got {type(row).__name__}", code="type_mismatch"
            )
            raise f.fail(f"{name}/{index}", wrong)
        rf = f.sub(row, f"{f.p}/{name}/{index}")
        keys = next(((form, line) for form, line in _TEXT_ROW if line in row), None)
        if keys is None:
            missing = MappingError("a text row needs TDLINE (TLINE) or TEXT_LINE (BAPITLINE)", code="missing_field")
            raise f.fail(f"{name}/{index}/TDLINE", missing)
        lines.append((_raw(rf, keys[0]), _raw(rf, keys[1])))
    return _itf_join(lines)


def _raw(f: _Fields, name: str) -> str:
    """A CHAR value as sent (leading blanks matter in a text line); absent or null is empty."""
    value = f.d.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise f.fail(name, MappingError(f"expected a string, got {type(value).__name__}", code="type_mismatch"))
    return value


def _collect(rec: _Rec, kind: str, inspections: _Inspection, ctx: MappingContext) -> None:
    f = _Fields(rec, ctx)
    if kind == "bapi_results":
        _collect_bapi_results(f, rec, inspections)
        return
    if kind == "bapi_decision":
        ud = rec.data.get("UD_DATA")
        if not isinstance(ud, Mapping):
            raise f.fail("UD_DATA", MappingError("UD_DATA must be a structure", code="type_mismatch"))
        lot = f.key("NUMBER") or f.sub(ud, f"{rec.pointer}/UD_DATA").key("INSPLOT")
        if not lot:
            missing = MappingError("usage decision has no inspection lot NUMBER", code="missing_field")
            raise f.fail("NUMBER", missing)
        part = _Rec(ud, f"{rec.pointer}/UD_DATA", header=rec.data, bapi=True)
        inspections.decisions.setdefault(lot, []).append(part)
        return
    lot = f.key("InspectionLot")
    if not lot:
        raise f.fail("InspectionLot", MappingError("record has no InspectionLot", code="missing_field"))
    if kind == "lot":
        if not _first_lot(lot, rec, inspections):
            return
        for where, item in f.nav_records("to_InspectionResult"):
            inspections.results.setdefault(lot, []).append(_Rec(item, where))
        for where, item in f.nav_records("to_InspLotUsageDecision"):
            inspections.decisions.setdefault(lot, []).append(_Rec(item, where))
    elif kind == "result":
        inspections.results.setdefault(lot, []).append(rec)
    else:
        inspections.decisions.setdefault(lot, []).append(rec)

def _first_lot(lot: str, rec: _Rec, inspections: _Inspection) -> bool:
    """Keep the first ``A_InspectionLot`` of a key; a later one never overwrites it silently.

    An exact repeat (same content, e.g. the same GET response delivered twice) is set aside and counted
    with the lot (a warning says so when the lot is emitted); a repeat with different content is
    ambiguous (which one is current?), so the later record is rejected and the earlier one mapped.
    """
    first = inspections.lots.get(lot)
    if first is None:
        inspections.lots[lot] = rec
        return True
    if first.data == rec.data:
        inspections.repeats.setdefault(lot, []).append(rec)
        return False
    raise MappingError(
        f"inspection lot {lot} appears twice in this batch with different content (first at "
        f"{first.pointer or '/'}): the later record is not mapped; send one version of the lot",
        code="constraint_violation",
        path=rec.pointer or "/",
    )

def _collect_bapi_results(f: _Fields, rec: _Rec, inspections: _Inspection) -> None:
    """BAPI_INSPOPER_RECORDRESULTS: one record per CHAR_RESULTS row (BAPI2045D2), joined to its lot."""
    rows = rec.data.get("CHAR_RESULTS")
    if not isinstance(rows, list) or not rows:
        missing = MappingError("RECORDRESULTS call without CHAR_RESULTS rows", code="missing_field")
        raise f.fail("CHAR_RESULTS", missing)
    header_lot = f.key("INSPLOT")
    parts: list[tuple[str, _Rec]] = []
    for index, row in enumerate(rows):
        pointer = f"{rec.pointer}/CHAR_RESULTS/{index}"
        if not isinstance(row, Mapping):
            wrong = MappingError("a result row must be a structure", code="type_mismatch")
            raise f.fail(f"CHAR_RESULTS/{index}", wrong)
        lot = f.sub(row, pointer).key("INSPLOT") or header_lot
        if not lot:
            raise f.fail("INSPLOT", MappingError("result row has no inspection lot INSPLOT", code="missing_field"))
        parts.append((lot, _Rec(row, pointer, header=rec.data, bapi=True)))
    for lot, part in parts:
        inspections.results.setdefault(lot, []).append(part)

def _inspections(inspections: _Inspection, ctx: MappingContext, result: MappingResult) -> None:
    for lot_id, lot in inspections.lots.items():
        found = inspections.results.pop(lot_id, [])
        decisions = inspections.decisions.pop(lot_id, [])
        repeats = inspections.repeats.get(lot_id, [])
        parts = [lot, *found, *decisions, *repeats]
        decision = decisions[-1] if decisions else None
        try:
            _inspection(lot, found, decision, len(parts), ctx, result)
            result.warnings.extend(
                f"{rec.pointer or '/'}: inspection lot {lot_id} repeats {lot.pointer or '/'} exactly: "
                "deduplicated (counted with the lot's event)"
                for rec in repeats
            )
        except Exception as exc:
            rejected = reject_from_error(
                exc, location=lot.pointer or "/", payload=_fragment(lot.data), mapper=NAME
            )
            result.add_reject(rejected)
            for part in parts[1:]:
                result.add_reject(
                    Reject(
                        code=rejected.code,
                        reason=f"its inspection lot {lot_id} was rejected: {rejected.reason}",
                        location=part.pointer or "/",
                        payload=_fragment(part.data),
                        mapper=NAME,
                    )
                )
    for what, orphans in (("inspection result", inspections.results),
                          ("usage decision", inspections.decisions)):
        for lot_id, recs in orphans.items():
            for rec in recs:
                result.add_reject(
                    Reject(
                        code="unmatched_record",
                        reason=f"{what} for lot {lot_id} has no "
                        "A_InspectionLot in this batch: convert it together with the lot",
                        location=rec.pointer or "/",
                        payload=_fragment(rec.data),
                        mapper=NAME,
                    )
                )

def _inspection(
    lot: _Rec,
    parts: list[_Rec],
    decision: _Rec | None,
    records: int,
    ctx: MappingContext,
    result: MappingResult,
) -> None:
    """One InspectionCompleted from the lot, its result records (OData or BAPI) and its usage decision."""
    f = _Fields(lot, ctx)
    plant = f.s("Plant")
    if not plant:
        raise f.fail("Plant", MappingError("inspection lot has no Plant", code="missing_field"))
    status_data = f.nav("to_InspectionLotWithStatus")
    st = _Fields(_Rec(status_data[0], f"{lot.pointer}/to_InspectionLotWithStatus"), ctx) if status_data else f
    cancelled = st.flag("InspLotStatusCanceled")
    completed = (
        st.flag("InspLotStatusInspCompleted") or f.flag("InspectionLotHasUsageDecision") or decision is not None
    )
    if not completed and not cancelled:
        raise MappingError(
            "inspection lot is not completed yet (no usage decision, InspLotStatusInspCompleted "
            "not set): no InspectionCompleted event",
            code="unsupported_message",
            path=lot.pointer,
        )
    results: list[dict[str, Any]] = []
    for rec in parts:
        if rec.bapi:
            results.append(_bapi_result(_Fields(rec, ctx), plant, rec.header or {}))
            continue
        rf = _Fields(rec, ctx)
        char = rf.key("InspectionCharacteristic")
        if not char:
            raise rf.fail(
                "InspectionCharacteristic", MappingError("result has no characteristic", code="missing_field")
            )
        measured = (
            rf.dec("InspResultFrmtdMeanValue")
            if rf.s("InspResultFrmtdMeanValue")
            else (rf.dec("InspectionResultMeanValue") if rf.flag("InspectionResultHasMeanValue") else None)
        )
        code_group, code = rf.s("CharacteristicAttributeCodeGrp"), rf.s("CharacteristicAttributeCode")
        valuation = rf.s("InspectionValuationResult") or ""
        results.append(
            {
                "characteristic_id": char,
                "description": rf.s("InspectionResultText"),
                "measured_value": measured,
                "value_text": f"{code_group}/{code}" if code_group and code else None,
                "evaluation": sc.code_of(sc.QUALITY, "evaluation", valuation),
                "evaluation_source_code": valuation or None,
                "measured_at": rf.instant("InspectionEndDate", "InspectionEndTime", plant),
                "properties": _pds(
                    _pd("sap.inspector", rf.s("Inspector")), _pd("sap.defect_class", rf.s("DefectClass"))
                ),
            }
        )
    ud = ud_code = decided_at = decided_by = ud_text = None
    if decision is not None and decision.bapi:
        df = _Fields(decision, ctx)
        ud_code = df.s("UD_CODE")
        ud = sc.usage_decision(ud_code, None, ctx)  # BAPI2045UD carries no valuation
        decided_at = df.instant_sap("UD_RECORDED_ON_DATE", "UD_RECORDED_AT_TIME", plant)
        decided_by = df.s("UD_RECORDED_BY_USER")
        ud_text = _long_text(df, "UD_TEXT_LINE")
    elif decision is not None:
        df = _Fields(decision, ctx)
        ud_code = df.s("InspectionLotUsageDecisionCode")
        ud = sc.usage_decision(ud_code, df.s("InspLotUsageDecisionValuation"), ctx)
        decided_at = df.instant("InspectionLotUsageDecidedOn", "InspLotUsageDecisionTime", plant)
        decided_by = df.s("InspectionLotUsageDecidedBy")
    origin = f.s("InspectionLotOrigin")
    lot_qty = f.qty_d("InspectionLotQuantity", "InspectionLotQuantityUnit")
    inspection = sc.convert(
        {
            "inspection_id": f.key("InspectionLot") or "",
            "plant": plant,
            "inspection_type": sc.code_of(sc.QUALITY, "inspection_type", origin or ""),
            "inspection_type_source_code": origin,
            "inspected": {
                "material_id": f.key("Material"),
                "lot_id": f.s("Batch"),
                "order_id": f.key("ManufacturingOrder"),
            },
            "status": InspectionStatus.CANCELLED if cancelled else InspectionStatus.COMPLETED,
            "results": results,
            "usage_decision": ud,
            "usage_decision_source_code": ud_code,
            "decided_at": decided_at,
            "decided_by": decided_by,
            "properties": _pds(
                _pd(
                    "sap.inspection_lot_quantity",
                    format(lot_qty["value"], "f") if lot_qty else None,
                    "decimal",
                ),
                _pd("sap.inspection_lot_text", f.s("InspectionLotText")),
                _pd("sap.usage_decision_text", ud_text),
            ),
            "source": _source(
                ctx,
                "A_InspectionLot",
                f.key("InspectionLot") or "",
                revision=str(d) if (d := f.offset_instant("ChangedDateTime")) else None,
            ),
        },
        QualityInspection,
    )
    changed = f.timestamp("ChangedDateTime")
    # a rejecting decision places a hold, an accepting one releases it, at decided_at (else ChangedDateTime)
    holds = sc.inspection_holds(result, inspection, changed, lot.pointer or "/")
    time = sc.event_time(result, ctx, lot.pointer or "/", decided_at, changed)
    event = build_event(InspectionCompleted, inspection, time=time, validated=True)  # built by sc.convert: checked
    sc.emit_with_holds(result, event, holds, records=records)

def _bapi_result(rf: _Fields, plant: str, call: Mapping[str, Any]) -> dict[str, Any]:
    """A BAPI2045D2 row (BAPI_INSPOPER_RECORDRESULTS CHAR_RESULTS) as inspection result data."""
    char = rf.key("INSPCHAR")
    if not char:
        raise rf.fail("INSPCHAR", MappingError("result row has no characteristic INSPCHAR", code="missing_field"))
    code_group, code = rf.s("CODE_GRP1"), rf.s("CODE1")
    valuation = rf.s("EVALUATION") or ""
    return {
        "characteristic_id": char,
        "description": rf.s("REMARK"),
        "measured_value": rf.dec("MEAN_VALUE"),
        "value_text": f"{code_group}/{code}" if code_group and code else None,
        "evaluation": sc.code_of(sc.QUALITY, "evaluation", valuation),
        "evaluation_source_code": valuation or None,
        "measured_at": rf.instant_sap("END_DATE", "END_TIME", plant)
        or rf.instant_sap("START_DATE", "START_TIME", plant),
        "properties": _pds(
            _pd("sap.inspector", rf.s("INSPECTOR")),
            _pd("sap.operation", rf.s("INSPOPER") or rf.sub(call, "").s("INSPOPER")),
        ),
    }
