"""Canonical state -> Plant Applications import documents (the ERP side of the ERP Import service):

* a ``ProductionOrder`` with a routing, operations or components -> a WOID (schema 11); any other order -> a POID:
  a full snapshot as schema 3 (no update semantics), a partial one (``partial_fields``) as a schema 4 update that
  sends only the updatable fields and null for the rest;
* a ``Material`` -> an MMID (schema 4), its base unit as the ``UNITOFMEASURE`` property;
* ``MaterialLot``s -> one MLID: schema 3 for full snapshots, schema 4 (an update) when any lot is partial.

What a document has no slot for is refused (``unmappable_value``), never dropped: a WOID has no BOM formulation,
a WOID or POID quantity is always in the material's base unit (the unit PA looks up, so an order in another unit
is refused rather than silently re-read in the base unit). Properties named ``proficy.<name>`` go back to the
fields they came from or to ``propertyValues``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.proficy import reader as rd
from mfgcanon.v1.common import Property, Quantity
from mfgcanon.v1.lot import LotOrigin, MaterialLot
from mfgcanon.v1.material import Material
from mfgcanon.v1.order import MaterialRequirement, ProductionOrder

_PREFIX = "proficy."
_POID_TOP = ("path", "productionRate", "blockNumber", "userGeneral1", "userGeneral2", "userGeneral3", "extendedInfo")
_WOID_TOP = ("routeDefinitionRevision", "routeDefinitionMinorRevision", "routeDefinitionType")
_BOM_TOP = ("scrapFactor", "lowerTolerance", "upperTolerance")
_POID_UPDATABLE = frozenset({"order_id", "plant", "material_id", "planned_quantity", "planned_start_at",
                             "planned_end_at", "status", "status_source_code", "production_line_id"})


def _fail(message: str, path: str) -> MappingError:
    return MappingError(message, code="unmappable_value", path=path)


def _at(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _number(value: Decimal | None) -> Decimal | int | None:
    """A quantity as a JSON number (a whole one without a point)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() and value.as_tuple().exponent == 0 else value


def _split(properties: Iterable[Property], top: tuple[str, ...]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Properties as the top-level fields they came from (``top``) and the rest as ``propertyValues``."""
    fields: dict[str, Any] = {}
    values: list[dict[str, Any]] = []
    for item in properties:
        name = item.name.removeprefix(_PREFIX)
        typed = item.typed_value()
        if name in top:
            fields[name] = _number(typed) if isinstance(typed, Decimal) else item.value
        else:
            values.append({"propertyName": name, "propertyValue": item.value})
    return fields, values


def _status_text(ctx: MappingContext, status: str, source: str | None, path: str) -> str:
    """The PA status of a canonical one: the source spelling when it means the same, else ``[order_status_out]``."""
    if source is not None and rd.code(ctx, "order_status", source) == status:
        return source
    text = rd.code(ctx, "order_status_out", status)
    if text is None:
        raise _fail(f"order status {status!r} has no Plant Applications status: add it to "
                    '[codes."proficy.order_status_out"] in the context file', path)
    return text


def _base_quantity(ctx: MappingContext, material: str, quantity: Quantity, path: str) -> Decimal | int | None:
    """A quantity PA reads in the material's base unit: refused when it is in another unit."""
    base = rd.material_unit(ctx, material, path)
    if quantity.uom != base:
        raise _fail(f"{quantity.value} {quantity.uom} of {material}: a work or process order quantity is in the "
                    f"material's base unit ({base}) in Plant Applications; convert it first", path)
    return _number(quantity.value)


# Orders ----------------------------------------------------------------------------------------------------------
def order(entity: ProductionOrder, ctx: MappingContext) -> tuple[str, dict[str, Any]]:
    if entity.operations or entity.material_requirements or entity.routing_id:
        return "WOID", _woid(entity, ctx)
    return "POID", _poid(entity, ctx)


def _woid(entity: ProductionOrder, ctx: MappingContext) -> dict[str, Any]:
    if entity.partial_fields:
        raise _fail("a WOID cannot update an order (a re-import replaces a work order that has not started): "
                    "send the full order", "partial_fields")
    if entity.bom_id:
        raise _fail("a WOID has no BOM formulation field (a process order has: POID)", "bom_id")
    if not entity.production_line_id:
        raise _fail("a WOID names its plannedLineName: the order has no production_line_id", "production_line_id")
    lots: list[dict[str, Any]] = []
    route_props: list[Property] = []
    lot_prefix = f"{_PREFIX}materialLots."
    for item in entity.properties:
        if item.name.startswith(lot_prefix):
            typed = item.typed_value()
            lots.append({"lotIdentifier": item.name.removeprefix(lot_prefix),
                         "plannedQuantity": _number(typed) if isinstance(typed, Decimal) else None})
        else:
            route_props.append(item)
    if entity.target_lot_id and entity.target_lot_id not in [lot["lotIdentifier"] for lot in lots]:
        lots.insert(0, {"lotIdentifier": entity.target_lot_id, "plannedQuantity": None})
    top, values = _split(route_props, _WOID_TOP)
    operations = []
    for op in entity.operations:
        behaviours = [p.value or "" for p in op.properties if p.name == f"{_PREFIX}behaviours"]
        _, op_values = _split([p for p in op.properties if p.name != f"{_PREFIX}behaviours"], ())
        operations.append({
            "operationName": op.operation_id,
            "description": op.description,
            "unitName": op.work_center_id,
            "behaviours": [b for text in behaviours for b in text.split(",") if b],
            "billOfMaterials": [_bom(r, ctx, f"material_requirements[{i}]") for i, r in
                                enumerate(entity.material_requirements) if r.operation_id == op.operation_id],
            "propertyValues": op_values,
        })
    known = {op.operation_id for op in entity.operations}
    for i, req in enumerate(entity.material_requirements):
        if req.operation_id is not None and req.operation_id not in known:
            raise _fail(f"component {req.line_id} names operation {req.operation_id}, which the order does not have",
                        f"material_requirements[{i}].operation_id")
    return {
        "schemaVersion": 11,
        "workOrderName": entity.order_id,
        "producedMaterialName": entity.material_id,
        "plannedLineName": entity.production_line_id,
        "routeDefinitionName": entity.routing_id,
        **top,
        "priority": entity.priority,
        "plannedStartDate": _at(entity.planned_start_at),
        "plannedEndDate": _at(entity.planned_end_at),
        "plannedQuantity": _base_quantity(ctx, entity.material_id, entity.planned_quantity, "planned_quantity"),
        "status": _status_text(ctx, entity.status.value, entity.status_source_code, "status"),
        "operationsGroup": {
            "route": {"billOfMaterials": [_bom(r, ctx, f"material_requirements[{i}]") for i, r in
                                          enumerate(entity.material_requirements) if r.operation_id is None],
                      "propertyValues": values},
            "operations": operations,
        },
        "materialLots": lots,
    }


def _bom(req: MaterialRequirement, ctx: MappingContext, path: str) -> dict[str, Any]:
    if req.material_use.value != "consumed":
        raise _fail(f"component {req.line_id} is {req.material_use.value}: a WOID BOM item is consumed", path)
    top, values = _split(req.properties, (*_BOM_TOP, "storageUnit"))
    storage = top.pop("storageUnit", None)
    return {
        "bomItemName": req.bom_item_number or req.line_id,
        "materialName": req.material_id,
        "quantity": _number(req.quantity.value),
        "unitOfMeasureName": req.quantity.source_uom or req.quantity.uom,  # the source's spelling where kept
        **top,
        "defaultStorageUnit": storage,
        "propertyValues": values,
    }


def _poid(entity: ProductionOrder, ctx: MappingContext) -> dict[str, Any]:
    top, values = _split(entity.properties, _POID_TOP)
    partial = set(entity.partial_fields)
    if partial:
        extra = sorted(partial - _POID_UPDATABLE - ({"properties"} if not entity.properties else set()))
        if extra:
            raise _fail(f"a POID update changes only the planned dates, quantity and status, not {', '.join(extra)}",
                        "partial_fields")
        if "planned_quantity" not in partial:
            raise _fail("a POID update without plannedQuantity is read back as a status change, not an order: "
                        "send the planned quantity", "partial_fields")

        def carried(name: str, value: Any) -> Any:
            return value if name in partial else None

        return {
            "schemaVersion": 4,
            "processOrderName": entity.order_id,
            "plannedLineName": carried("production_line_id", entity.production_line_id),
            "producedMaterialName": None,  # never updated by PA; named by [lookups.proficy_order_material]
            "status": _status_text(ctx, entity.status.value, entity.status_source_code, "status")
            if "status" in partial else None,
            "plannedQuantity": _base_quantity(ctx, entity.material_id, entity.planned_quantity, "planned_quantity"),
            "plannedStartDate": carried("planned_start_at", _at(entity.planned_start_at)),
            "plannedEndDate": carried("planned_end_at", _at(entity.planned_end_at)),
            "propertyValues": [],
        }
    return {
        "schemaVersion": 3,
        "processOrderName": entity.order_id,
        "producedMaterialName": entity.material_id,
        "plannedLineName": entity.production_line_id,
        "plannedQuantity": _base_quantity(ctx, entity.material_id, entity.planned_quantity, "planned_quantity"),
        "bomFormulation": entity.bom_id,
        "plannedStartDate": _at(entity.planned_start_at),
        "plannedEndDate": _at(entity.planned_end_at),
        **top,
        "status": _status_text(ctx, entity.status.value, entity.status_source_code, "status"),
        "propertyValues": values,
    }


# Materials and lots ----------------------------------------------------------------------------------------------
def material(entity: Material, ctx: MappingContext) -> dict[str, Any]:
    if entity.partial_fields:
        raise _fail("an MMID is a full material: the material is partial", "partial_fields")
    top, values = _split(entity.properties, ("productionLines", "storageZone", "storageUnit", "isECOManaged"))
    lines = top.pop("productionLines", None)
    eco = top.pop("isECOManaged", None)
    return {
        "schemaVersion": 4,
        "productionLines": [x for x in str(lines).split(",") if x] if lines else [],
        "storageZone": top.get("storageZone"),
        "storageUnit": top.get("storageUnit"),
        "material": {
            "productCode": entity.material_id,
            "productDescription": entity.description,
            "productFamily": entity.material_group,
            "isSerialized": entity.is_serialized,
            "externalRevision": entity.revision,
            "isECOManaged": None if eco is None else eco == "true",
            "propertyValues": [{"propertyName": "UNITOFMEASURE", "propertyValue": entity.base_uom}, *values],
        },
    }


def lots(entities: list[MaterialLot], ctx: MappingContext) -> dict[str, Any]:
    update = any(e.partial_fields for e in entities)
    return {"schemaVersion": 4 if update else 3,
            "materialLot": [_lot(e, ctx, f"[{i}]") for i, e in enumerate(entities)]}


_LOT_STATUS_OUT = "lot_status_out"


def _lot(entity: MaterialLot, ctx: MappingContext, path: str) -> dict[str, Any]:
    partial = set(entity.partial_fields)
    quantities = [q for q in [entity.quantity, *[s.quantity for s in entity.sub_lots]] if q is not None]
    units = {q.uom for q in quantities}
    if len(units) > 1:
        raise _fail(f"lot {entity.lot_id} and its sub-lots are in {', '.join(sorted(units))}: an MLID has one unit "
                    "per lot", f"{path}.sub_lots")
    _, values = _split(entity.properties, ())
    mapped = [("OrgCode", entity.plant), ("VENDOR", entity.supplier_id), ("VENDORLOT", entity.supplier_lot_id),
              ("WORKORDER", entity.producing_order_id)]
    values = [{"propertyName": k, "propertyValue": v} for k, v in mapped if v is not None] + values
    status = None
    if not partial or "status" in partial:
        status = entity.status_source_code if entity.status_source_code and rd.code(
            ctx, "lot_status", entity.status_source_code) == entity.status.value else rd.code(
            ctx, _LOT_STATUS_OUT, entity.status.value)
        if status is None:
            raise _fail(f"lot status {entity.status.value!r} has no Plant Applications status: add it to "
                        '[codes."proficy.lot_status_out"] in the context file', f"{path}.status")
    if entity.origin is LotOrigin.PURCHASED and entity.producing_order_id is None:
        description: str | None = entity.origin_source_code or "Receiver"
    else:
        description = None
    return {
        "lotIdentifier": entity.lot_id,
        "productName": entity.material_id,
        "quantity": _number(entity.quantity.value) if entity.quantity is not None else None,
        "unitOfMeasure": (quantities[0].source_uom or quantities[0].uom) if quantities else None,
        "status": status,
        "description": description,
        "propertyValues": values,
        "materialSubLots": [{"lotIdentifier": s.sub_lot_id,
                             "quantity": _number(s.quantity.value) if s.quantity is not None else None}
                            for s in entity.sub_lots],
    }


def documents(items: Iterable[Any], ctx: MappingContext) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    batch: list[MaterialLot] = []
    for item in items:
        entity = getattr(item, "data", item)
        if isinstance(entity, ProductionOrder):
            out.append(order(entity, ctx))
        elif isinstance(entity, Material):
            out.append(("MMID", material(entity, ctx)))
        elif isinstance(entity, MaterialLot):
            batch.append(entity)
        else:
            raise MappingError(f"{rd.NAME} cannot write a {type(entity).__name__}", code="unmappable_value")
    if batch:
        out.append(("MLID", lots(batch, ctx)))
    return out
