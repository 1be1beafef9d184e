"""MaterialDefinition -> material; MaterialLot / MaterialSubLot -> lot.

A material master has no base-unit element in B2MML: it travels as a property (Courbon's
``BaseUnitOfMeasure``), found through the property map. A lot update carries what it carries: a Change,
and any lot message that leaves fields out (a lot's ``Status`` absent, a sub-lot-only message), lists the
fields it does carry in ``partial_fields``, so a consumer never resets the others (a sub-lot-only message
does not make its lot read as released).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.b2mml.holds import derived_source, hold, hold_action, hold_key
from mfgcanon.mappers.b2mml.reader import Document, Node
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1 import derive
from mfgcanon.v1.deletion import Deletion
from mfgcanon.v1.events import EntityDeleted, LotUpserted, MaterialUpserted, build_event
from mfgcanon.v1.lot import MaterialLot
from mfgcanon.v1.material import Material

_LANGUAGE_OK = 2


def _time(doc: Document, ctx: MappingContext, result: MappingResult, node: Node, plant: str | None) -> Any:
    """The event time: the document's creation time, else the context's received_at, else an error (never
    the run time silently)."""
    created = doc.created_at(ctx, plant)
    if created is not None:
        return created
    if ctx.received_at is not None:
        return ctx.received_at
    raise MappingError(
        "the document has no ApplicationArea/CreationDateTime and the context no received_at: no event time",
        code="missing_field",
        path=node.where(),
    )


# MaterialDefinition ----------------------------------------------------------------------------------
def material_definitions(doc: Document, ctx: MappingContext, result: MappingResult) -> None:
    for noun in rd.nouns(doc):
        targets = [noun] if doc.noun == "MaterialDefinition" else noun.all("MaterialDefinition")
        for node in targets:
            rd.guard(result, node, lambda n=node: _material(doc, n, ctx, result))  # type: ignore[misc]


def _material(doc: Document, node: Node, ctx: MappingContext, result: MappingResult) -> None:
    material_id = rd.ident(node, "ID")
    if not material_id:
        raise rd.fail(node, "ID", MappingError("MaterialDefinition without ID", code="missing_field"))
    time = _time(doc, ctx, result, node, None)
    source = doc.source(ctx, line=material_id, fallback_id=material_id)
    if doc.is_delete:
        _delete(result, {"entity_kind": "material", "material_id": material_id, "source": source}, time)
        return
    items = rd.props(node, "MaterialDefinitionProperty")
    found, used = rd.mapped(items, ctx)
    unit = found.get("base_uom")
    if unit is None or not unit.value:
        raise rd.fail(node, "MaterialDefinitionProperty", MappingError(
            "material without a base unit: B2MML carries it as a property; name the property in "
            '[codes."b2mml.property_map"] (<ID> = "base_uom") in the context file',
            code="missing_field",
        ))
    try:
        base_uom = helpers.resolve_unit(unit.value, ctx, packaged=rd.units_table())
    except MappingError as exc:
        raise rd.fail(unit.node, "Value/ValueString", exc) from None
    descriptions, description = _descriptions(node)
    groups = node.texts("MaterialClassID")
    data: dict[str, Any] = {
        "material_id": material_id,
        "description": description,
        "descriptions": descriptions,
        "base_uom": base_uom,
        "material_group": groups[0] if groups else None,
        "revision": node.text("Version"),
        "effective_from": _instant(node, "EffectiveStartDate", ctx),
        "effective_to": _instant(node, "EffectiveEndDate", ctx),
        "properties": rd.canonical_properties(items, ctx, skip=used),
        "source": source,
    }
    if doc.is_partial:
        data["partial_fields"] = ["material_id", "base_uom", *[k for k in _CARRIED if data.get(k)]]
    helpers.emit_checked(result, MaterialUpserted, helpers.convert(data, Material), time=time)


_CARRIED = ("description", "descriptions", "material_group", "revision", "effective_from", "effective_to", "properties")


def _descriptions(node: Node) -> tuple[list[dict[str, str]], str | None]:
    """``Description`` elements: the first one is the description; those with a usable ``languageID``
    (2 or more letters: Courbon's ``Z`` and ``F`` are not ISO 639) are the texts per language."""
    texts: list[dict[str, str]] = []
    first: str | None = None
    for item in node.all("Description"):
        text = item.own_text()
        if not text:
            continue
        first = first or text
        language = (item.el.get("languageID") or "").strip()
        if len(language) >= _LANGUAGE_OK:
            texts.append({"language": language.lower(), "text": text})
    return texts, first


def _instant(node: Node, name: str, ctx: MappingContext, plant: str | None = None) -> Any:
    text = node.text(name)
    return rd.instant(text, ctx, plant, path=node.where(name)) if text else None


def _delete(result: MappingResult, data: dict[str, Any], time: Any) -> None:
    """A tombstone (``Cancel``, ``ActionCriteria`` Delete), deleted at the document's time."""
    helpers.emit_checked(result, EntityDeleted, helpers.convert({**data, "deleted_at": time}, Deletion), time=time)


# MaterialLot / MaterialSubLot ------------------------------------------------------------------------
def material_lots(doc: Document, ctx: MappingContext, result: MappingResult) -> None:
    """``MaterialInformation`` (lots and loose sub-lots inside it), ``MaterialLot`` and ``MaterialSubLot`` nouns."""
    for noun in rd.nouns(doc):
        if doc.noun == "MaterialLot":
            rd.guard(result, noun, lambda n=noun: _lot(doc, n, None, ctx, result))  # type: ignore[misc]
        elif doc.noun == "MaterialSubLot":
            rd.guard(result, noun, lambda n=noun: _loose_sub_lot(doc, n, None, ctx, result))  # type: ignore[misc]
        else:
            for lot in noun.all("MaterialLot"):
                rd.guard(result, lot, lambda n=lot, i=noun: _lot(doc, n, i, ctx, result))  # type: ignore[misc]
            for sub in noun.all("MaterialSubLot"):
                rd.guard(result, sub, lambda n=sub, i=noun: _loose_sub_lot(doc, n, i, ctx, result))  # type: ignore[misc]


def _material_of(doc: Document, node: Node, info: Node | None, ctx: MappingContext, mapped: str | None) -> str:
    """A lot's material: its ``MaterialDefinitionID``, a property mapped to ``material_id``, else the enclosing
    ``MaterialInformation/ID`` where the connection says that is the material (Courbon:
    ``[vendors.b2mml] information_id_is_material = true``)."""
    material = rd.ident(node, "MaterialDefinitionID") or mapped
    if material:
        return material
    if info is not None and ctx.vendor(rd.NAME).get("information_id_is_material") is True:
        found = rd.ident(info, "ID")
        if found:
            return found
    raise rd.fail(node, "MaterialDefinitionID", MappingError(
        "lot without MaterialDefinitionID: a lot is keyed by material and lot; where the dialect puts the "
        "material in MaterialInformation/ID, set [vendors.b2mml] information_id_is_material = true",
        code="missing_field",
    ))


def _status(node: Node, ctx: MappingContext) -> tuple[str | None, str | None]:
    """The lot status of a ``Status`` (else V07 ``Disposition``) and its source spelling; (None, None) when
    the element carries neither."""
    raw = node.text("Status") or node.text("Disposition")
    if raw is None:
        return None, None
    return rd.code(ctx, "lot_status", raw) or "other", raw


def _sub_lot(node: Node, ctx: MappingContext, parent: str | None) -> list[dict[str, Any]]:
    """A sub-lot and its nested ``MaterialSubLot`` / ``MaterialSubLotChild`` sub-lots, flattened with
    ``parent_sub_lot_id``."""
    sub_id = rd.ident(node, "ID")
    if not sub_id:
        raise rd.fail(node, "ID", MappingError("MaterialSubLot without ID", code="missing_field"))
    status, raw = _status(node, ctx)
    entry = {
        "sub_lot_id": sub_id,
        "quantity": rd.first_quantity(node, ctx),
        "status": status,
        "status_source_code": raw,
        "parent_sub_lot_id": parent,
        "properties": rd.canonical_properties(rd.props(node, "MaterialLotProperty", "MaterialSubLotProperty"), ctx),
    }
    out = [entry]
    for child in node.all("MaterialSubLot", "MaterialSubLotChild"):
        out.extend(_sub_lot(child, ctx, sub_id))
    return out


def _lot(doc: Document, node: Node, info: Node | None, ctx: MappingContext, result: MappingResult) -> None:
    lot_id = rd.ident(node, "ID")
    if not lot_id:
        raise rd.fail(node, "ID", MappingError("MaterialLot without ID", code="missing_field"))
    items = rd.props(node, "MaterialLotProperty")
    found, used = rd.mapped(items, ctx)
    material_id = _material_of(doc, node, info, ctx, found["material_id"].value if "material_id" in found else None)
    plant = rd.plant_of(doc, ctx, node, info, mapped_plant=found["plant"].value if "plant" in found else None,
                        required=False)
    time = _time(doc, ctx, result, node, plant)
    source = doc.source(ctx, line=f"{material_id}/{lot_id}", fallback_id=f"{material_id}/{lot_id}")
    if doc.is_delete:
        _delete(result, {"entity_kind": "material_lot", "material_id": material_id, "lot_id": lot_id,
                         "plant": plant, "source": source}, time)
        return
    status, raw = _status(node, ctx)
    expiry = found.get("expires_at")
    expires_at = None
    if expiry is not None and expiry.value:
        expires_at = rd.instant(expiry.value, ctx, plant, path=expiry.node.where("Value"))
    sub_lots: list[dict[str, Any]] = []
    for sub in node.all("MaterialSubLot"):
        sub_lots.extend(_sub_lot(sub, ctx, None))
    data: dict[str, Any] = {
        "lot_id": lot_id,
        "material_id": material_id,
        "plant": plant,
        "quantity": rd.first_quantity(node, ctx),
        "expires_at": expires_at,
        "sub_lots": sub_lots,
        "properties": rd.canonical_properties(items, ctx, skip=used),
        "source": source,
    }
    if status is not None:
        data["status"], data["status_source_code"] = status, raw
    if doc.is_partial or status is None:
        data["partial_fields"] = _carried(data, ("status", "status_source_code") if status is not None else ())
    _emit_lot(node, ctx, result, data, raw, time)


def _carried(data: dict[str, Any], extra: tuple[str, ...]) -> list[str]:
    """The fields a partial lot update carries: its keys, the values it sent, ``extra``."""
    keys = ["lot_id", "material_id"]
    keys += [k for k in ("plant", "quantity", "expires_at", "sub_lots", "properties") if data.get(k)]
    return keys + list(extra)


def _loose_sub_lot(doc: Document, node: Node, info: Node | None, ctx: MappingContext, result: MappingResult) -> None:
    """A ``MaterialSubLot`` outside any lot: a partial update of its lot (named by ``MaterialLotID``) that
    carries only this sub-lot."""
    lot_id = rd.ident(node, "MaterialLotID")
    if not lot_id:
        raise rd.fail(node, "MaterialLotID", MappingError(
            "a MaterialSubLot outside a MaterialLot must name its lot (MaterialLotID)", code="missing_field"))
    material_id = _material_of(doc, node, info, ctx, None)
    plant = rd.plant_of(doc, ctx, node, info, required=False)
    time = _time(doc, ctx, result, node, plant)
    data: dict[str, Any] = {
        "lot_id": lot_id,
        "material_id": material_id,
        "plant": plant,
        "sub_lots": _sub_lot(node, ctx, None),
        "source": doc.source(ctx, line=f"{material_id}/{lot_id}", fallback_id=f"{material_id}/{lot_id}"),
    }
    data["partial_fields"] = _carried(data, ())
    _emit_lot(node, ctx, result, data, None, time)


def _emit_lot(node: Node, ctx: MappingContext, result: MappingResult, data: dict[str, Any], raw: str | None,
              time: datetime) -> None:
    """The ``lot.upserted`` and the holds its statuses place or release (``[lot_hold]``), all built before any
    is added (a failure leaves the result as it was). Only a status the message carries counts: a Change
    without ``Status`` and a sub-lot-only message hold or release nothing on the lot itself."""
    lot = helpers.convert(data, MaterialLot)
    sub_lots: list[dict[str, Any]] = data["sub_lots"]
    event = build_event(LotUpserted, lot, time=time, validated=True)
    wanted: list[tuple[str, str | None, str]] = []  # (action, sub-lot, source status)
    action = hold_action(ctx, "lot_hold", raw)
    if action is not None and raw is not None:
        wanted.append((action, None, raw))
    for sub in sub_lots:
        sub_raw = sub.get("status_source_code")
        sub_action = hold_action(ctx, "lot_hold", sub_raw)
        if sub_action is not None and sub_raw is not None:
            wanted.append((sub_action, sub["sub_lot_id"], sub_raw))
    holds = []
    if wanted and lot.plant is None:
        result.warnings.append(f"{node.where()}: lot {lot.material_id}/{lot.lot_id} has a hold status but no plant "
                               "(no Site scope, options.default_plant or [lookups.b2mml_plant]): no hold derived")
        wanted = []
    quantities = {s["sub_lot_id"]: s.get("quantity") for s in sub_lots}
    for what, sub_id, status in wanted:
        plant = lot.plant or ""
        key = hold_key(plant, lot.material_id, lot.lot_id, sub_id)
        item = {"material_id": lot.material_id, "lot_id": lot.lot_id, "sub_lot_id": sub_id}
        quantity = quantities.get(sub_id) if sub_id else data.get("quantity")
        holds.append(hold(
            active=what == "placed", at=time, plant=plant, affected=item, key=key,
            source=derived_source(data["source"], key), quantity=quantity, reason_code=status,
            description=f"{'sub-lot' if sub_id else 'lot'} status {status}",
        ))
    derived = derive.derived_events(holds, causation_id=str(event.id)) if holds else []
    result.add_event(event)
    for item_event in derived:
        result.add_derived(item_event)
