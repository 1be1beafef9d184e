"""Build the canonical example scenario and write it to examples/canonical/.

One order at plant 1710 (US, Pacific time) goes through its day: released, components issued,
operations confirmed with some scrap, output received into stock, a lot put on quality hold and
released, and the goods made ready to ship. Run ``python examples/scenario.py`` to regenerate the
files; they are outputs, never edited by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import mfgcanon
from mfgcanon.v1 import (
    ActivityKind,
    ActivityTime,
    GenealogyLink,
    GenealogyLinked,
    GenealogyRelationship,
    InspectedItem,
    Location,
    LotItem,
    LotUpserted,
    Material,
    MaterialLot,
    MaterialMovement,
    MaterialRequirement,
    MaterialType,
    MaterialUpserted,
    MovementType,
    Nonconformance,
    NonconformanceKind,
    Operation,
    OrderStatus,
    ProductionConfirmation,
    ProductionConfirmed,
    ProductionOrder,
    ProductionOrderReleased,
    Property,
    QualityHold,
    Quantity,
    ShipmentReadiness,
    ShipmentReady,
    SourceRef,
    UnitConversion,
    build_event,
    hold_event,
    movement_event,
)

SYSTEM = "S4H-100"
PLANT = "1710"
OUT = Path(__file__).parent / "canonical"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 24, hour, minute, tzinfo=UTC)


def qty(value: str, uom: str, source_uom: str | None = None) -> Quantity:
    return Quantity(value=Decimal(value), uom=uom, source_uom=source_uom)


def src(document_type: str, document_id: str, line: str | None = None) -> SourceRef:
    return SourceRef(system=SYSTEM, document_type=document_type, document_id=document_id, line=line)


def build() -> tuple[list[mfgcanon.CloudEvent], Material]:
    material = Material(
        material_id="FG126", description="Bike frame, aluminium, 54 cm", base_uom="H87",
        material_type=MaterialType.FINISHED, material_type_source_code="FERT", material_group="L002",
        is_lot_managed=True, uom_conversions=[UnitConversion(uom="CT", numerator=Decimal(12), denominator=Decimal(1))],
        source=src("IDOC:MATMAS05", "0000000000471101"),
    )
    order = ProductionOrder(
        order_id="1000123", plant=PLANT, order_type="YBM1", status=OrderStatus.RELEASED,
        status_source_code="REL PRC MACM", material_id="FG126", planned_quantity=qty("120.000", "H87", "ST"),
        planned_start_at=at(14), planned_end_at=at(23, 30), routing_id="50000123", target_lot_id="B2026-1124",
        operations=[
            Operation(operation_id="0010", description="Cut tubes", work_center_id="CUT-01", control_key="PP01",
                      planned_quantity=qty("120.000", "H87"), planned_start_at=at(14), planned_end_at=at(17),
                      planned_activities=[ActivityTime(activity=ActivityKind.SETUP, duration=qty("0.500", "HUR"))]),
            Operation(operation_id="0020", description="Weld frame", work_center_id="WELD-02", control_key="PP01",
                      planned_quantity=qty("120.000", "H87"), planned_start_at=at(17), planned_end_at=at(23, 30)),
        ],
        material_requirements=[
            MaterialRequirement(line_id="0000012345/0001", material_id="RM-ALU-TUBE",
                                quantity=qty("246.000", "MTR", "M"),
                                operation_id="0010", bom_item_number="0010",
                                issue_location=Location(plant=PLANT, storage_location="171A")),
            MaterialRequirement(line_id="0000012345/0002", material_id="RM-WELD-WIRE",
                                quantity=qty("3.600", "KGM", "KG"),
                                operation_id="0020", bom_item_number="0020", is_backflush=True),
        ],
        released_at=at(13, 45), properties=[Property(name="sap.production_supervisor", value="101")],
        source=src("IDOC:LOIPRO05", "0000000000481516"),
    )
    issue = MaterialMovement(
        movement_id="4900000123/2026/1", movement_type=MovementType.GOODS_ISSUE, movement_type_source_code="261",
        plant=PLANT, material_id="RM-ALU-TUBE", quantity=qty("246.000", "MTR", "M"), lot_id="ALU-7781",
        from_location=Location(plant=PLANT, storage_location="171A"), order_id="1000123", operation_id="0010",
        requirement_line_id="0000012345/0001", occurred_at=at(14, 5), posting_date=date(2026, 11, 24),
        source=src("IDOC:MBGMCR03", "0000000000481600", "1"),
    )
    confirmation = ProductionConfirmation(
        confirmation_id="1234/1", order_id="1000123", operation_id="0020", plant=PLANT, work_center_id="WELD-02",
        yield_quantity=qty("118.000", "H87", "ST"), scrap_quantity=qty("2.000", "H87", "ST"),
        scrap_reason_code="WELD", is_final=True, started_at=at(17, 2), ended_at=at(23, 10),
        posting_date=date(2026, 11, 24),
        activities=[ActivityTime(activity=ActivityKind.MACHINE, duration=qty("5.800", "HUR")),
                    ActivityTime(activity=ActivityKind.LABOR, duration=qty("6.100", "HUR"))],
        personnel_ids=["50001234"], produced_lot_id="B2026-1124",
        source=src("IDOC:PPCC2PRETTICKET02", "0000000000481700"),
    )
    scrap = MaterialMovement(
        movement_id="4900000124/2026/1", movement_type=MovementType.SCRAP, movement_type_source_code="551",
        plant=PLANT, material_id="FG126", quantity=qty("2.000", "H87", "ST"), order_id="1000123",
        reason_code="WELD", occurred_at=at(23, 12), posting_date=date(2026, 11, 24),
        source=src("IDOC:MBGMCR03", "0000000000481701", "1"),
    )
    receipt = MaterialMovement(
        movement_id="5000000456/2026/1", movement_type=MovementType.GOODS_RECEIPT, movement_type_source_code="101",
        plant=PLANT, material_id="FG126", quantity=qty("118.000", "H87", "ST"), lot_id="B2026-1124",
        to_location=Location(plant=PLANT, storage_location="171C"), order_id="1000123", occurred_at=at(23, 15),
        posting_date=date(2026, 11, 24), source=src("IDOC:MBGMCR03", "0000000000481702", "1"),
    )
    lot = MaterialLot(lot_id="B2026-1124", material_id="FG126", plant=PLANT, quantity=qty("118.000", "H87"),
                      manufactured_at=at(23, 15), producing_order_id="1000123",
                      source=src("IDOC:BATMAS03", "0000000000481703"))
    link = GenealogyLink(
        link_id="1000123/ALU-7781/B2026-1124", relationship=GenealogyRelationship.CONSUMED_INTO,
        parent=LotItem(material_id="FG126", lot_id="B2026-1124"),
        child=LotItem(material_id="RM-ALU-TUBE", lot_id="ALU-7781"), quantity=qty("246.000", "MTR"),
        plant=PLANT, order_id="1000123", occurred_at=at(23, 15), source=src("MES:GENEALOGY", "G-88121"),
    )
    hold = Nonconformance(
        nonconformance_id="QN-200311", category=NonconformanceKind.HOLD, plant=PLANT,
        affected=InspectedItem(material_id="FG126", lot_id="B2026-1124"), affected_quantity=qty("118.000", "H87"),
        reason_code="WELD-POROSITY", description="Porosity found on weld seam in sample 3",
        hold=QualityHold(is_active=True, placed_at=at(23, 20), placed_by="QA.MILLER", reason_code="WELD-POROSITY"),
        source=SourceRef(system=SYSTEM, document_type="QM:NOTIFICATION", document_id="200311", revision="1"),
    )
    released = Nonconformance(
        nonconformance_id="QN-200311", category=NonconformanceKind.HOLD, plant=PLANT,
        affected=InspectedItem(material_id="FG126", lot_id="B2026-1124"), affected_quantity=qty("118.000", "H87"),
        reason_code="WELD-POROSITY", description="Re-inspection passed",
        hold=QualityHold(is_active=False, placed_at=at(23, 20), placed_by="QA.MILLER", reason_code="WELD-POROSITY",
                         released_at=datetime(2026, 11, 25, 1, 5, tzinfo=UTC), released_by="QA.MILLER"),
        source=SourceRef(system=SYSTEM, document_type="QM:NOTIFICATION", document_id="200311", revision="2"),
    )
    ready = ShipmentReadiness(
        readiness_id="80001234", plant=PLANT, material_id="FG126", quantity=qty("118.000", "H87"),
        lot_ids=["B2026-1124"], order_id="1000123", delivery_id="80001234", is_quality_released=True,
        staging_location=Location(plant=PLANT, storage_location="171S", bin="DOOR-4"),
        ready_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC), source=src("IDOC:DESADV", "0000000000481800"),
    )
    events: list[mfgcanon.CloudEvent] = [
        build_event(MaterialUpserted, material, time=at(8)),
        build_event(ProductionOrderReleased, order),
        movement_event(issue),
        build_event(ProductionConfirmed, confirmation),
        movement_event(scrap),
        movement_event(receipt),
        build_event(LotUpserted, lot, time=at(23, 16)),
        build_event(GenealogyLinked, link),
        hold_event(hold),
        hold_event(released),
        build_event(ShipmentReady, ready),
    ]
    return [mfgcanon.validate(event) for event in events], material


def main() -> None:
    events, material = build()
    OUT.mkdir(exist_ok=True)
    (OUT / "scenario.ndjson").write_bytes(mfgcanon.encode_lines(events))
    (OUT / "material.json").write_bytes(mfgcanon.encode(material) + b"\n")
    print(f"wrote {len(events)} events and 1 entity to {OUT}")


if __name__ == "__main__":
    main()
