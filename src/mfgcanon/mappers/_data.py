"""Loader for the declarative mapping data (code lists and field maps) in ``mappings/``.

The data ships inside the wheel as ``mfgcanon/_mappings`` (hatch force-include); in an editable or
source checkout it is the repository's top-level ``mappings/`` folder. Files are parsed once and cached.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from mfgcanon.errors import MappingError

_PACKAGED = "_mappings"


@functools.cache
def mappings_root() -> Path:
    """The folder holding the mapping data: the packaged copy first, then the source checkout's."""
    try:
        packaged = resources.files("mfgcanon").joinpath(_PACKAGED)
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - defensive: broken installation
        pass
    checkout = Path(__file__).resolve().parents[3] / "mappings"
    if checkout.is_dir():
        return checkout
    raise MappingError(
        "mapping data not found: neither mfgcanon/_mappings (installed wheel) nor the "
        "repository's mappings/ folder exists",
        code="mapping_failed",
    )


@functools.cache
def load(relative: str) -> dict[str, Any]:
    """One TOML file under the mappings root, e.g. ``load("sap/units.toml")``."""
    path = mappings_root() / relative
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise MappingError(
            f"mapping file {relative} not found under {mappings_root()}", code="mapping_failed"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"mapping file {relative} is not valid TOML: {exc}", code="mapping_failed") from None


def table(relative: str, *keys: str) -> dict[str, Any]:
    """A nested table of a mapping file (``table("sap/units.toml", "outbound", "internal")``)."""
    data: Any = load(relative)
    for key in keys:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    return data if isinstance(data, dict) else {}


FIELD_MAPS = {
    ("sap-idoc", "LOIPRO"): "sap/idoc_loipro_fields.toml",
    ("sap-idoc", "MATMAS"): "sap/idoc_matmas_fields.toml",
    ("sap-idoc", "BATMAS"): "sap/idoc_batmas_fields.toml",
    ("sap-idoc", "MBGMCR"): "sap/idoc_mbgmcr_fields.toml",
    ("sap-idoc", "PPCC2PRETTICKET"): "sap/idoc_ppcc2pretticket_fields.toml",
    ("sap-idoc", "LOIWCS"): "sap/idoc_loiwcs_fields.toml",
    ("sap-odata", "A_ProductionOrder_2"): "sap/odata_production_order_fields.toml",
    ("sap-odata", "A_Product"): "sap/odata_product_fields.toml",
    ("sap-odata", "Batch"): "sap/odata_batch_fields.toml",
    ("sap-odata", "A_MaterialDocumentItem"): "sap/odata_material_document_fields.toml",
    ("sap-odata", "A_MatlStkInAcctMod"): "sap/odata_material_stock_fields.toml",
    ("sap-odata", "ProdnOrdConf2"): "sap/odata_confirmation_fields.toml",
    ("sap-odata", "A_InspectionLot"): "sap/odata_inspection_lot_fields.toml",
    ("oracle-fusion", "workOrders"): "oracle/fusion_work_order_fields.toml",
    ("oracle-fusion", "itemsV2"): "oracle/fusion_item_fields.toml",
    ("oracle-fusion", "operationTransactions"): "oracle/fusion_operation_transaction_fields.toml",
    ("oracle-fusion", "materialTransactions"): "oracle/fusion_material_transaction_fields.toml",
    ("oracle-fusion", "inventoryStagedTransactions"): "oracle/fusion_staged_transaction_fields.toml",
    ("oracle-ebs", "WIP_JOB_SCHEDULE_INTERFACE"): "oracle/ebs_job_fields.toml",
    ("oracle-ebs", "MTL_TRANSACTIONS_INTERFACE"): "oracle/ebs_mti_fields.toml",
    ("oracle-ebs", "WIP_MOVE_TXN_INTERFACE"): "oracle/ebs_wip_move_fields.toml",
    ("d365-mes", "ProdProductionOrderReportFinished"): "d365/mes_report_finished_fields.toml",
    ("d365-mes", "ProdProductionOrderRouteCard"): "d365/mes_route_card_fields.toml",
    ("d365-mes", "ProdProductionOrderPickingList"): "d365/mes_picking_list_fields.toml",
    ("d365-odata", "ProductionOrderHeaders"): "d365/odata_production_order_fields.toml",
    ("bc", "manufacturingProdOrderLines"): "bc/analytics_prod_order_lines_fields.toml",
    ("b2mml", "ProductionPerformance"): "b2mml/performance_fields.toml",
    ("b2mml", "MaterialActual"): "b2mml/movement_fields.toml",
    ("b2mml", "ProductionSchedule"): "b2mml/schedule_fields.toml",
    ("b2mml", "MaterialDefinition"): "b2mml/material_fields.toml",
    ("b2mml", "MaterialLot"): "b2mml/lot_fields.toml",
    ("proficy-pa", "WOID"): "proficy/woid_fields.toml",
    ("proficy-pa", "POID"): "proficy/poid_fields.toml",
    ("proficy-pa", "MMID"): "proficy/mmid_fields.toml",
    ("proficy-pa", "MLID"): "proficy/mlid_fields.toml",
    ("proficy-pa", "OperationCompletedEvent"): "proficy/operation_completed_fields.toml",
    ("proficy-pa", "ClockOffEvent"): "proficy/clock_off_fields.toml",
    ("proficy-pa", "MaterialLotStatusChangedEvent"): "proficy/lot_status_changed_fields.toml",
    ("b2mml", "TestResult"): "b2mml/inspection_fields.toml",
    ("b2mml", "OperationsEvent"): "b2mml/nonconformance_fields.toml",
    ("b2mml", "EquipmentActual"): "b2mml/equipment_state_fields.toml",
    ("b2mml", "BOD"): "b2mml/posting_result_fields.toml",
}
"""Which field map describes which (mapper, message): the files are listed in mappings/README.md."""

TRANSFORMS = frozenset(
    {
        "copy",  # the stripped text, verbatim
        "alpha_in",  # ALPHA conversion: leading zeros of an all-digit key dropped
        "material",  # MATNR_LONG, else MATNR, then ALPHA
        "quantity",  # SAP number + the `unit` field -> Quantity (Rec 20 unit, source spelling kept)
        "date",  # YYYYMMDD -> date
        "local_instant",  # YYYYMMDD + the `time` field (HHMMSS), plant-local -> UTC instant
        "odata_date",  # /Date(ms)/ -> date
        "odata_local_instant",  # /Date(ms)/ + the `time` field (PT..H..M..S), plant-local -> UTC instant
        "flag",  # SAP "X" / OData boolean -> bool
        "order_status",  # status codes -> OrderStatus (sap/statuses.toml)
        "operation_status",  # status codes -> OperationStatus
        "movement_type",  # BWART -> MovementType (sap/movement_types.toml)
        "decimal",  # SAP number or JSON number -> Decimal, no unit
        "unit",  # SAP unit (internal, commercial or ISO spelling) -> Rec 20 code (sap/units.toml, context aliases)
        "language",  # ISO 639 code lower-cased; a 1-character SAP key (SPRAS) via sap/master_data.toml [language]
        "material_type",  # MTART / ProductType -> MaterialType (sap/master_data.toml [material_type])
        "procurement_type",  # BESKZ / ProcurementType -> ProcurementType (sap/master_data.toml [procurement_type])
        "stock_type",  # InventoryStockType -> StockStatus (sap/master_data.toml [stock_type], empty = 01)
        "inspection_type",  # inspection lot origin -> InspectionType (sap/quality.toml [inspection_type])
        "evaluation",  # result valuation -> Evaluation (sap/quality.toml [evaluation])
        "usage_decision",  # UD code, else its valuation -> UsageDecision (sap/quality.toml [usage_decision])
        # Oracle (mappings/oracle/)
        "instant",  # ISO 8601 date-time: with an offset -> UTC; without (EBS dates) in the organization's zone
        "local_date",  # an EBS date-time's calendar date in the organization's zone
        "lookup",  # an id or name through the context's [lookups.<table>] (organization_code, item_number, job_order)
        "signed_quantity",  # a signed number -> its absolute value; the sign must agree with the transaction type
        "work_order_status",  # system status, else WorkOrderStatusCode -> OrderStatus (oracle/statuses.toml)
        "job_status",  # EBS STATUS_TYPE -> OrderStatus (oracle/statuses.toml [job_status])
        "supply_type",  # SupplyType / WIP_SUPPLY_TYPE -> SupplyType (oracle/statuses.toml [supply_type])
        "item_type",  # UserItemTypeValue -> MaterialType (oracle/statuses.toml [item_type])
        "item_status",  # ItemStatusValue -> MaterialStatus (oracle/statuses.toml [item_status])
        "control",  # a lot / serial control value: anything but "No ... control" is true
        "transaction_type",  # a transaction type -> MovementType and side (oracle/transactions.toml)
        "dispatch_state",  # From/ToDispatchState pair -> the bucket, and whether it is a reversal
        "intraoperation_step",  # FM/TO intraoperation steps -> the bucket, and whether it is a reversal
        # Dynamics 365 and Business Central (mappings/d365/, mappings/bc/)
        "company",  # dataAreaId, upper-cased: the legal entity is the company
        "number",  # a JSON number as text (a line number: 10)
        "item_quantity",  # a quantity without a unit in the payload: the item's unit from [lookups.item_units]
        "date_seconds",  # a date + seconds of the day, in the site's zone -> UTC instant
        "local_midnight",  # a date as 00:00 in the site's zone
        "noyes",  # the NoYes enum ("Yes"/"No") -> bool
        "hours",  # hours (route card) -> an ActivityTime in HUR
        "error_cause",  # ErrorCause enum name -> scrap reason code
        "production_type",  # ProductionType -> MaterialUse (d365/statuses.toml)
        "task_type",  # route card task -> ActivityKind (d365/statuses.toml)
        "flushing_principle",  # FlushingPrinciple -> SupplyType (d365/statuses.toml)
        # B2MML (mappings/b2mml/)
        "site",  # the innermost Site-level HierarchyScope/Location, else [lookups.b2mml_plant], else default_plant
        "property",  # a *Property value through the property map ([codes."b2mml.property_map"])
        "integer",  # a whole number as text (Priority)
        "duration",  # xsd:duration -> seconds (SEC)
        "request_state",  # RequestState -> OrderStatus (b2mml/codes.toml [request_state])
        "final_state",  # SegmentState -> is_final (b2mml/codes.toml [final_state])
        "material_use",  # MaterialUse -> MaterialUse / MovementType (b2mml/codes.toml [material_use])
        "lot_status",  # Status / Disposition -> LotStatus (b2mml/codes.toml [lot_status])
        # Proficy Plant Applications (mappings/proficy/)
        "locale_instant",  # ISO 8601, else a locale date string in [vendors.proficy-pa] date_order; naive: plant zone
        "material_quantity",  # a number in the material's base unit ([lookups.proficy_material_units])
        "pa_order_status",  # WOID / POID status -> OrderStatus (proficy/codes.toml [order_status])
        "pa_lot_status",  # lot status -> LotStatus (proficy/codes.toml [lot_status])
        "pa_property",  # the propertyValues entry named by `property`, through [property_map]
        "testable_object",  # TestableObjectID by its @schemeName -> the inspected key ([testable_object])
        "test_evaluation",  # EvaluatedCriterionResult -> Evaluation ([test_evaluation])
        "test_usage_decision",  # the top EvaluatedCriterionResult -> UsageDecision ([test_usage_decision])
        "test_limit",  # TestSpecificationPropertyChild ID -> lower / upper limit, target ([test_limit])
        "operations_event",  # OperationsEvent Category -> nonconformance, hold or equipment state ([operations_event])
        "information_object",  # InformationObjectType -> the affected item's key ([information_object])
        "equipment_state",  # an equipment state spelling -> EquipmentState / mode ([equipment_state])
        "confirm_outcome",  # ResponseExpression/@actionCode -> PostingState ([confirm_outcome])
    }
)
"""The transform names a field map may use (each one a reader of the mappers)."""


@functools.cache
def field_map(relative: str) -> tuple[dict[str, str], ...]:
    """The ``[[fields]]`` entries of a field map file (``canonical``, ``source``, ``transform``...)."""
    entries = load(relative).get("fields", [])
    return tuple({str(k): str(v) for k, v in entry.items()} for entry in entries)


def _matches(entry: dict[str, str], wanted: str, *, exact: bool) -> bool:
    """Whether an entry reads ``wanted`` (its source, unit or time field): the whole path, or its tail."""
    for key in ("source", "unit", "time"):
        source = entry.get(key)
        if source and (source == wanted if exact else source.endswith("/" + wanted)):
            return True
    return False


def _lookup(relative: str, wanted: str) -> str | None:
    """The canonical path (``Entity.path``) one map gives a source field: the first entry naming the
    whole path, else the first whose path ends in it (``E1JSTKL/STAT`` finds ``E1AFKOL/E1JSTKL/STAT``)."""
    entries = field_map(relative)
    for exact in (True, False):
        found = next((entry for entry in entries if _matches(entry, wanted, exact=exact)), None)
        if found is not None:
            return f"{load(relative).get('entity', '')}.{found['canonical']}"
    return None


@functools.cache
def canonical_for(mapper: str, segment: str, source_field: str, message: str | None = None) -> str | None:
    """The canonical path a source field feeds, from the mapper's field maps (for error messages and docs).

    ``canonical_for("sap-idoc", "E1AFKOL", "GAMNG")`` -> ``"ProductionOrder.planned_quantity"``;
    ``segment`` is the IDoc segment or the OData navigation property (``""`` for a property of the
    entity itself). With ``message`` (``"MATMAS"``, ``"A_Product"``) only that message's map is read:
    ``canonical_for("sap-odata", "", "Material", message="A_MatlStkInAcctMod")`` ->
    ``"InventoryBalance.material_id"``. Without it every map of the mapper is read, and a field that
    maps to different canonical paths in different maps (OData ``Material``) gives None: an error
    message then names no canonical field rather than a wrong one.
    """
    wanted = f"{segment}/{source_field}" if segment else source_field
    found = {
        target
        for (owner, name), relative in FIELD_MAPS.items()
        if owner == mapper and (message is None or name == message)
        if (target := _lookup(relative, wanted)) is not None
    }
    return found.pop() if len(found) == 1 else None
