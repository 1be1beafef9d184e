"""V07 TestResult (noun ``TestResult``, or inside ``OperationsTestInformation``) -> ``quality.inspection_completed``,
and the quality hold its usage decision places or releases (:func:`mfgcanon.v1.derive.holds_from_inspection`).

One record per top-level ``TestResult``: its ``ID`` is the inspection, its ``PropertyMeasurement`` elements
(its own and those of nested ``TestResultChild`` results) are the results. Actual values: a measurement's
``Value`` (a number when its ``DataType`` is numeric or it has none and reads as one, else text; its unit
through the unit lists). Expected values: the ``TestSpecification`` of the same ``OperationsTestInformation``
with the result's ``OperationsTestRequirementID`` (or the only one): a ``TestSpecificationProperty`` whose
``ID`` is the characteristic, with ``TestSpecificationPropertyChild`` limits named through ``[test_limit]``
(LowerLimit, UpperLimit, Target...). Pass / fail: ``EvaluatedCriterionResult`` of the (child) result that
holds the measurement, through ``[test_evaluation]``; the top result's through ``[test_usage_decision]`` is
the usage decision (Accepted / Rejected; Pass / Fail are judgements of results, not decisions, unless a
connection says so). What was tested: ``TestableObjectID`` with ``@schemeName`` (or ``@schemeID``) through
``[testable_object]`` (Material Lot, Equipment...), else ``[vendors.b2mml] testable_object``; a lot's material
through ``[lookups.b2mml_lot_material]`` where the connection has one. None of them is a reject, never a guess.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from mfgcanon.errors import MappingError, ValidationError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.b2mml.reader import Document, Node
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1 import derive
from mfgcanon.v1.events import InspectionCompleted, build_event
from mfgcanon.v1.quality import QualityInspection

TESTABLE_KEYS = ("material_id", "lot_id", "sub_lot_id", "order_id", "operation_id", "equipment_id")
_LIMITS = ("lower_limit", "upper_limit", "target_value")
_NUMERIC = ("decimal", "integer")


def test_results(doc: Document, ctx: MappingContext, result: MappingResult) -> None:
    for noun in rd.nouns(doc):
        tests = [noun] if doc.noun == "TestResult" else noun.all("TestResult")
        specs = noun.all("TestSpecification") if doc.noun != "TestResult" else []
        for test in tests:
            if doc.is_delete:
                result.warnings.append(f"{test.where()}: a test result is a fact; {doc.verb} maps to nothing")
                continue
            rd.guard(result, test, lambda t=test, n=noun, s=specs: _inspection(  # type: ignore[misc]
                doc, t, n, s, ctx, result))


def _inspection(doc: Document, test: Node, noun: Node, specs: list[Node], ctx: MappingContext,
                result: MappingResult) -> None:
    inspection_id = rd.ident(test, "ID")
    if not inspection_id:
        raise rd.fail(test, "ID", MappingError("TestResult without ID", code="missing_field"))
    plant = rd.plant(doc, ctx, test, noun, where=test.where())
    requirement = rd.ident(test, "OperationsTestRequirementID")
    limits = _limits(_spec(specs, requirement), ctx)
    results: list[dict[str, Any]] = []
    _collect(test, ctx, plant, limits, results)
    raw_decision = test.text("EvaluatedCriterionResult")
    decision = rd.code(ctx, "test_usage_decision", raw_decision) if raw_decision else None
    decided = _at(test, "EvaluationDate", ctx, plant)
    source = doc.source(ctx, line=inspection_id, fallback_id=inspection_id)
    data: dict[str, Any] = {
        "inspection_id": inspection_id,
        "plant": plant,
        "inspected": _inspected(test, ctx),
        "specification_id": requirement,
        "status": "completed",
        "results": results,
        "usage_decision": decision,
        "usage_decision_source_code": raw_decision[:64] if decision and raw_decision else None,
        "decided_at": decided if decision else None,
        "expires_at": _at(test, "Expiration", ctx, plant),
        "properties": _properties(test, raw_decision if not decision else None),
        "source": source,
    }
    if doc.is_partial:
        data["partial_fields"] = ["inspection_id", "plant", "inspected", "status",
                                  *[k for k in _CARRIED if data.get(k)]]
    time = decided or doc.created_at(ctx, plant) or ctx.received_at  # EvaluationDate, else the document's
    if time is None:
        raise rd.fail(test, "EvaluationDate", MappingError(
            "no event time: no EvaluationDate, CreationDateTime or received_at", code="missing_field"))
    inspection = helpers.convert(data, QualityInspection)
    event = build_event(InspectionCompleted, inspection, time=time, validated=True)
    try:
        holds = derive.holds_from_inspection(inspection, at=time)
    except ValidationError as exc:  # an item the hold cannot be keyed by: the inspection stands, no hold
        result.warnings.append(f"{test.where()}: no quality hold derived: {exc.message}")
        holds = []
    derived = derive.derived_events(holds, causation_id=str(event.id)) if holds else []
    result.add_event(event)
    for item in derived:
        result.add_derived(item)


_CARRIED = ("specification_id", "results", "usage_decision", "usage_decision_source_code", "decided_at",
            "expires_at", "properties")


def _at(node: Node, name: str, ctx: MappingContext, plant: str | None) -> datetime | None:
    text = node.text(name)
    return rd.instant(text, ctx, plant, path=node.where(name)) if text else None


def _inspected(test: Node, ctx: MappingContext) -> dict[str, Any]:
    """What was tested: ``TestableObjectID`` read as the key its scheme (else the connection) names."""
    node = test.one("TestableObjectID")
    value = node.own_text() if node is not None else None
    if node is None or value is None:
        raise rd.fail(test, "TestableObjectID", MappingError(
            "TestResult without TestableObjectID: an inspection needs what was tested", code="missing_field"))
    scheme = (node.el.get("schemeName") or node.el.get("schemeID") or "").strip()
    key = rd.code(ctx, "testable_object", scheme) if scheme else None
    if key is None:
        configured = ctx.vendor(rd.NAME).get("testable_object")
        key = configured if isinstance(configured, str) else None
    if key is None:
        raise rd.fail(test, "TestableObjectID", MappingError(
            f"TestableObjectID {value!r} does not say what it names (@schemeName {scheme or 'absent'} is not in "
            "[testable_object]): set [vendors.b2mml] testable_object = \"lot_id\" (or material_id, equipment_id, "
            "...) in the context file", code="unresolved_reference"))
    if key not in TESTABLE_KEYS:
        raise MappingError(f"testable object key {key!r}: one of {', '.join(TESTABLE_KEYS)}", code="invalid_context",
                           path="vendors.b2mml.testable_object")
    item: dict[str, Any] = {key: value}
    if key == "lot_id":
        material = ctx.lookup_optional("b2mml_lot_material", value)
        if isinstance(material, str):
            item["material_id"] = material
    return item


def _spec(specs: list[Node], requirement: str | None) -> Node | None:
    if requirement:
        for spec in specs:
            if rd.ident(spec, "OperationsTestRequirementID") == requirement:
                return spec
    return specs[0] if len(specs) == 1 else None


def _limits(spec: Node | None, ctx: MappingContext) -> dict[str, dict[str, Any]]:
    """Expected values per characteristic: ``TestSpecificationProperty/ID`` -> limits and their unit."""
    out: dict[str, dict[str, Any]] = {}
    if spec is None:
        return out
    for prop in spec.all("TestSpecificationProperty"):
        pid = rd.ident(prop, "ID")
        if not pid:
            continue
        entry: dict[str, Any] = {}
        for child in prop.all("TestSpecificationPropertyChild"):
            target = rd.code(ctx, "test_limit", rd.ident(child, "ID"))
            value = child.one("Value")
            text = value.text("ValueString") if value is not None else None
            if target not in _LIMITS or value is None or text is None:
                continue
            try:
                entry[target] = helpers.decimal_of(text)
            except MappingError as exc:
                raise rd.fail(value, "ValueString", exc) from None
            unit = value.text("UnitOfMeasure")
            if unit:
                entry["uom"] = _unit(unit, ctx, value)
        out[pid] = entry
    return out


def _unit(text: str, ctx: MappingContext, node: Node) -> str:
    try:
        return helpers.resolve_unit(text, ctx, packaged=rd.units_table())
    except MappingError as exc:
        raise rd.fail(node, "UnitOfMeasure", exc) from None


def _collect(test: Node, ctx: MappingContext, plant: str, limits: dict[str, dict[str, Any]],
             out: list[dict[str, Any]]) -> None:
    """The measurements of a (child) result, judged by its ``EvaluatedCriterionResult``; children after."""
    raw = test.text("EvaluatedCriterionResult")
    evaluation = (rd.code(ctx, "test_evaluation", raw) or "other") if raw else "not_evaluated"
    for measurement in test.all("PropertyMeasurement"):
        out.append(_result(measurement, evaluation, raw, ctx, plant, limits))
    for child in test.all("TestResultChild"):
        _collect(child, ctx, plant, limits, out)


def _result(node: Node, evaluation: str, raw: str | None, ctx: MappingContext, plant: str,
            limits: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ids = node.texts("TestableObjectPropertyID")
    characteristic = ids[0] if ids else rd.ident(node, "ID")
    if not characteristic:
        raise rd.fail(node, "ID", MappingError("PropertyMeasurement without ID", code="missing_field"))
    value = node.one("Value")
    text = value.text("ValueString") if value is not None else None
    measured: Decimal | None = None
    value_text = None
    uom = None
    if value is not None and text is not None:
        kind, _ = rd.data_type(value.text("DataType"))
        explicit = value.text("DataType") is not None
        try:
            number = helpers.decimal_of(text) if (kind in _NUMERIC or not explicit) else None
        except MappingError:
            if explicit:
                raise rd.fail(value, "ValueString", MappingError(
                    f"{text!r} is not a number, but its DataType says it is", code="invalid_value")) from None
            number = None
        if number is not None:
            measured = number
            unit = value.text("UnitOfMeasure")
            uom = _unit(unit, ctx, value) if unit else None
        else:
            value_text = text
    expected = limits.get(characteristic, {})
    if uom is None and measured is not None:
        uom = expected.get("uom")
    elif expected.get("uom") and uom and expected["uom"] != uom:
        raise rd.fail(node, "Value/UnitOfMeasure", MappingError(
            f"measured in {uom}, specified in {expected['uom']}: limits and value must share a unit",
            code="invalid_value"))
    descriptions = node.texts("Description")
    work = node.texts("WorkDefinitionID")
    return {
        "characteristic_id": characteristic,
        "description": descriptions[0] if descriptions else None,
        "measured_value": measured,
        "value_text": value_text,
        "uom": uom,
        **{k: expected[k] for k in _LIMITS if k in expected},
        "evaluation": evaluation,
        "evaluation_source_code": raw[:64] if raw else None,
        "measured_at": _at(node, "MeasurementDate", ctx, plant),
        "method_id": work[0] if work else None,
        "properties": [{"name": "b2mml.PropertyMeasurement.ID", "value": rd.ident(node, "ID"), "data_type": "string"}]
        if ids and rd.ident(node, "ID") else [],
    }


def _properties(test: Node, unmapped_decision: str | None) -> list[dict[str, Any]]:
    """The top result's criterion text when no usage decision reads from it (kept, never lost)."""
    if not unmapped_decision:
        return []
    return [{"name": "b2mml.EvaluatedCriterionResult", "value": unmapped_decision, "data_type": "string"}]
