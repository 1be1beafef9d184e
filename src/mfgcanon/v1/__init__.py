"""The canonical model, major version 1.

Import from here in integration services (``from mfgcanon.v1 import ProductionOrder``): the names
are stable for the whole 1.x line. A breaking change goes to ``mfgcanon.v2`` beside this package.
"""

__schema_version__ = "1.1.0"

from mfgcanon.v1.common import (
    ActivityKind,
    ActivityTime,
    Location,
    Property,
    PropertyType,
    Quantity,
    SourceRef,
    StockStatus,
)
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    ENTITY_TYPES,
    EVENT_TYPES,
    AnyEntity,
    CloudEvent,
    Event,
    GenealogyLinked,
    InspectionCompleted,
    InventoryBalanceReported,
    InventoryMoved,
    InventoryReceived,
    LotUpserted,
    MaterialIssued,
    MaterialScrapped,
    MaterialUpserted,
    NonconformanceReported,
    ProductionConfirmed,
    ProductionOrderCancelled,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
    QualityHoldPlaced,
    QualityHoldReleased,
    ShipmentReady,
    WorkCenterUpserted,
    build_event,
    hold_event,
    movement_event,
)
from mfgcanon.v1.inventory import InventoryBalance, MaterialMovement, MovementType
from mfgcanon.v1.lot import (
    GenealogyLink,
    GenealogyRelationship,
    LotItem,
    LotOrigin,
    LotStatus,
    MaterialLot,
    MaterialSubLot,
)
from mfgcanon.v1.material import (
    LocalizedText,
    Material,
    MaterialPlantData,
    MaterialStatus,
    MaterialType,
    ProcurementType,
    UnitConversion,
)
from mfgcanon.v1.order import (
    MaterialRequirement,
    MaterialUse,
    Operation,
    OperationStatus,
    OperationsType,
    OrderStatus,
    ProductionOrder,
)
from mfgcanon.v1.quality import (
    Disposition,
    Evaluation,
    InspectedItem,
    InspectionResult,
    InspectionStatus,
    InspectionType,
    Nonconformance,
    NonconformanceKind,
    NonconformanceStatus,
    QualityHold,
    QualityInspection,
    Severity,
    UsageDecision,
)
from mfgcanon.v1.shipment import ShipmentReadiness
from mfgcanon.v1.work_center import WorkCenter

__all__ = [
    "ENTITY_TYPES", "EVENT_TYPES", "ActivityKind", "ActivityTime", "AnyEntity", "CloudEvent", "Disposition",
    "Evaluation", "Event", "GenealogyLink", "GenealogyLinked", "GenealogyRelationship", "InspectedItem",
    "InspectionCompleted", "InspectionResult", "InspectionStatus", "InspectionType", "InventoryBalance",
    "InventoryBalanceReported", "InventoryMoved", "InventoryReceived", "LocalizedText", "Location", "LotItem",
    "LotOrigin", "LotStatus", "LotUpserted", "Material", "MaterialIssued", "MaterialLot", "MaterialMovement",
    "MaterialPlantData", "MaterialRequirement", "MaterialScrapped", "MaterialStatus", "MaterialSubLot",
    "MaterialType", "MaterialUpserted", "MaterialUse", "MovementType", "Nonconformance", "NonconformanceKind",
    "NonconformanceReported", "NonconformanceStatus", "Operation", "OperationStatus", "OperationsType",
    "OrderStatus", "ProcurementType", "ProductionConfirmation", "ProductionConfirmed", "ProductionOrder",
    "ProductionOrderCancelled", "ProductionOrderCompleted", "ProductionOrderReleased", "ProductionOrderUpdated",
    "Property", "PropertyType", "QualityHold", "QualityHoldPlaced", "QualityHoldReleased", "QualityInspection",
    "Quantity", "Severity", "ShipmentReadiness", "ShipmentReady", "SourceRef", "StockStatus", "UnitConversion",
    "UsageDecision", "WorkCenter", "WorkCenterUpserted", "build_event", "hold_event", "movement_event",
]
