"""oracle-ebs on the composed interface rows (JSON and CSV), the joins, statuses as posting outcomes, the
lookups, the rows written out, and CSV through the CLI."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from mfgcanon.cli.convert import convert
from mfgcanon.mappers import MappingContext
from mfgcanon.mappers.oracle import OracleEbsMapper
from mfgcanon.mappers.oracle import ebs_rows as er
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import PostingFailed, PostingSucceeded
from mfgcanon.v1.inventory import MaterialMovement, MovementType
from mfgcanon.v1.order import OrderStatus, ProductionOrder
from mfgcanon.v1.posting import PostingState, RequestKind

from .conftest import EBS_SAMPLE, FIXTURES, LOOKUPS, make_context, sample, sample_json

M = OracleEbsMapper()


def run(payload: Any, ctx: MappingContext | None = None) -> Any:
    result = M.to_canonical(payload if isinstance(payload, bytes) else json.dumps(payload), ctx or make_context())
    result.assert_balanced()
    return result


def datas(payload: Any, ctx: MappingContext | None = None) -> list[Any]:
    result = run(payload, ctx)
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    return [e.data for e in result.events]


def test_sample_rows() -> None:
    order, issue, receipt, confirmation = datas(sample(EBS_SAMPLE))
    assert isinstance(order, ProductionOrder)
    assert (order.order_id, order.plant, order.material_id, order.status, order.status_source_code) == (
        "M1-1001", "M1", "FG-1000", OrderStatus.RELEASED, "3")
    assert order.planned_quantity.uom == "EA"  # the job has no unit: the item's, through lookups.item_base_unit
    assert order.planned_start_at == datetime(2024, 1, 16, 14, 0, tzinfo=UTC)  # 06:00 in Los Angeles
    assert order.receipt_location is not None
    assert order.receipt_location.storage_location == "FGI"
    assert order.order_type == "Discrete"
    assert isinstance(issue, MaterialMovement)
    assert (issue.movement_id, issue.movement_type, issue.plant, issue.order_id) == (
        "MES-GI-000981/1", MovementType.GOODS_ISSUE, "M1", "M1-1001")
    assert (issue.quantity.value, issue.quantity.uom, issue.lot_id, issue.operation_id) == (100, "EA", "L24-0042", "10")
    assert issue.posting is not None
    assert issue.posting.state is PostingState.REQUESTED
    assert issue.posting.state_source_code == "1"
    assert (receipt.movement_type, receipt.lot_id, receipt.expiry_date) == (
        MovementType.GOODS_RECEIPT, "FG24011601", date(2026, 1, 15))
    assert isinstance(confirmation, ProductionConfirmation)
    assert (confirmation.confirmation_id, confirmation.operation_id) == ("MES01/9101", "10")
    assert confirmation.yield_quantity.value == 98
    assert confirmation.scrap_quantity is not None
    assert confirmation.scrap_quantity.value == 2
    assert confirmation.scrap_reason_code == "DAMAGED"


def test_csv_files_joined_like_the_json() -> None:
    tables = sample_json(EBS_SAMPLE)
    csvs = [er.to_csv(rows) for rows in tables.values()]
    together = M.to_canonical_many(csvs, make_context())
    together.assert_balanced()
    assert not together.rejects
    whole = run(sample(EBS_SAMPLE))
    assert [e.data for e in together.events] == [e.data for e in whole.events]


def test_lot_rows_without_their_transaction() -> None:
    result = run(sample("ebs_mtl_transaction_lots_interface.csv"))
    assert [(r.code, r.location, r.line) for r in result.rejects] == [
        ("unmatched_record", "/0", 2), ("unmatched_record", "/1", 3)]


def test_several_lots_of_one_transaction() -> None:
    tables = sample_json(EBS_SAMPLE)
    lot = copy.deepcopy(tables["MTL_TRANSACTION_LOTS_INTERFACE"][0])
    tables["MTL_TRANSACTION_LOTS_INTERFACE"][0]["TRANSACTION_QUANTITY"] = 60
    lot.update({"LOT_NUMBER": "L24-0043", "TRANSACTION_QUANTITY": 40})
    tables["MTL_TRANSACTION_LOTS_INTERFACE"].append(lot)
    issue = datas(tables)[1]
    assert [(x.lot_id, x.quantity.value) for x in issue.lots] == [("L24-0042", 60), ("L24-0043", 40)]


def test_ids_through_lookups_and_a_miss_names_the_table() -> None:
    bare = make_context(lookups={k: v for k, v in LOOKUPS.items() if k != "job_order"})
    result = run(sample(EBS_SAMPLE), bare)
    (miss, miss_lot) = [r for r in result.rejects if r.location.startswith("/MTL_TRANSACTIONS_INTERFACE/0")]
    assert miss.code == "unresolved_reference"
    assert miss.location == "/MTL_TRANSACTIONS_INTERFACE/0/TRANSACTION_SOURCE_ID"
    assert "[lookups.job_order]" in miss.reason
    assert "880011" in miss.reason
    assert miss_lot.code == "unresolved_reference"  # the lot row goes with its transaction


def test_flags_must_go_with_the_type_and_the_sign() -> None:
    tables = sample_json(EBS_SAMPLE)
    tables["MTL_TRANSACTIONS_INTERFACE"][0]["TRANSACTION_SOURCE_TYPE_ID"] = 13
    tables["MTL_TRANSACTIONS_INTERFACE"][1]["TRANSACTION_QUANTITY"] = -98
    found = {r.location: r.code for r in run(tables).rejects}
    assert found["/MTL_TRANSACTIONS_INTERFACE/0/TRANSACTION_SOURCE_TYPE_ID"] == "invalid_value"
    assert found["/MTL_TRANSACTIONS_INTERFACE/1/TRANSACTION_QUANTITY"] == "invalid_value"


def test_processed_rows_are_posting_outcomes() -> None:
    tables = sample_json(EBS_SAMPLE)
    tables["MTL_TRANSACTIONS_INTERFACE"][0].update(
        {"PROCESS_FLAG": 3, "ERROR_CODE": "INV_INT_QTY", "ERROR_EXPLANATION": "Insufficient quantity on hand"})
    tables["WIP_JOB_SCHEDULE_INTERFACE"][0].update({"PROCESS_STATUS": 4, "WIP_ENTITY_ID": 880011})
    tables["WIP_MOVE_TXN_INTERFACE"][1].update({"PROCESS_STATUS": 3, "ERROR_MESSAGE": "Scrap account required"})
    result = run(tables)
    assert not result.rejects
    kinds = [(type(e).__name__, getattr(e.data, "request_kind", None)) for e in result.events]
    assert kinds == [("PostingSucceeded", RequestKind.OTHER), ("PostingFailed", RequestKind.MATERIAL_MOVEMENT),
                     ("InventoryReceived", None), ("PostingFailed", RequestKind.CONFIRMATION),
                     ("ProductionConfirmed", None)]
    failed = result.events[1]
    assert isinstance(failed, PostingFailed)
    assert failed.data.request_external_id == "MES-GI-000981/1"  # the id the request was read with
    message = failed.data.messages[0]
    assert (message.code, message.text) == ("INV_INT_QTY", "Insufficient quantity on hand")
    assert failed.data.processed_at == datetime(2024, 1, 16, 18, 15, 5, tzinfo=UTC)
    assert result.records_in == 7  # the failed transaction's lot row is counted with it
    done = result.events[0]
    assert isinstance(done, PostingSucceeded)
    assert done.data.target_document_id == "880011"
    move_failed = result.events[3].data
    assert (move_failed.request_external_id, move_failed.messages[0].text) == ("MES01/9101", "Scrap account required")


def test_naive_interface_dates_need_a_zone() -> None:
    result = run(sample(EBS_SAMPLE), make_context(plants={}))
    assert {r.code for r in result.rejects} == {"missing_timezone"}
    assert not result.events


def test_rows_written_for_the_managers() -> None:
    events = run(sample(EBS_SAMPLE)).events
    tables = M.from_canonical([e.data for e in events[1:]], make_context())
    issue, receipt = tables["MTL_TRANSACTIONS_INTERFACE"]
    assert {k: issue[k] for k in ("PROCESS_FLAG", "LOCK_FLAG", "TRANSACTION_MODE", "TRANSACTION_TYPE_ID",
                                  "TRANSACTION_SOURCE_TYPE_ID", "TRANSACTION_ACTION_ID", "SOURCE_CODE",
                                  "SOURCE_LINE_ID", "TRANSACTION_SOURCE_ID", "ORGANIZATION_ID", "TRANSACTION_UOM",
                                  "TRANSACTION_DATE", "TRANSACTION_REFERENCE")} == {
        "PROCESS_FLAG": 1, "LOCK_FLAG": 2, "TRANSACTION_MODE": 3, "TRANSACTION_TYPE_ID": 35,
        "TRANSACTION_SOURCE_TYPE_ID": 5, "TRANSACTION_ACTION_ID": 1, "SOURCE_CODE": "MES01", "SOURCE_LINE_ID": 1,
        "TRANSACTION_SOURCE_ID": 880011, "ORGANIZATION_ID": 207, "TRANSACTION_UOM": "Ea",
        "TRANSACTION_DATE": "2024-01-16 10:15:00", "TRANSACTION_REFERENCE": "MES-GI-000981"}
    assert issue["TRANSACTION_QUANTITY"] == -100
    assert receipt["TRANSACTION_QUANTITY"] == 98
    assert receipt["TRANSACTION_TYPE_ID"] == 44
    assert receipt["FINAL_COMPLETION_FLAG"] == "N"
    lots = tables["MTL_TRANSACTION_LOTS_INTERFACE"]
    assert [(x["TRANSACTION_INTERFACE_ID"], x["LOT_NUMBER"]) for x in lots] == [
        (issue["TRANSACTION_INTERFACE_ID"], "L24-0042"), (receipt["TRANSACTION_INTERFACE_ID"], "FG24011601")]
    assert lots[1]["LOT_EXPIRATION_DATE"] == "2026-01-15 00:00:00"
    moves = tables["WIP_MOVE_TXN_INTERFACE"]
    assert [(m["FM_INTRAOPERATION_STEP_TYPE"], m["TO_INTRAOPERATION_STEP_TYPE"], m["TRANSACTION_QUANTITY"])
            for m in moves] == [(1, 3, 98), (1, 5, 2)]
    assert {(m["GROUP_ID"], m["SOURCE_CODE"], m["PROCESS_PHASE"], m["PROCESS_STATUS"]) for m in moves} == {
        (9101, "MES01", 1, 1)}


def test_cli_csv_in_and_out(tmp_path: Path) -> None:
    context = tmp_path / "ctx.toml"
    context.write_text(
        'source_system = "ORA-PROD"\nreceived_at = 2024-01-17T12:00:00Z\n'
        '[plants.M1]\ntimezone = "America/Los_Angeles"\n'
        '[lookups.organization_code]\n"207" = "M1"\n[lookups.organization_id]\n"M1" = "207"\n'
        '[lookups.job_order]\n"880011" = "M1-1001"\n[vendors.oracle-ebs]\nsource_code = "MES01"\n'
    )
    runner = CliRunner()
    names = ("ebs_mtl_transactions_interface.csv", "ebs_mtl_transaction_lots_interface.csv",
             "ebs_wip_move_txn_interface.csv")
    inputs = [str(FIXTURES / n) for n in names]
    first = runner.invoke(convert, ["--context", str(context), "--from", "oracle-ebs", *inputs])
    assert first.exit_code == 0, first.output
    events = tmp_path / "events.ndjson"
    events.write_text(first.stdout)
    assert len(first.stdout.splitlines()) == 3
    out = tmp_path / "out"
    out.mkdir()
    second = runner.invoke(convert, ["--context", str(context), "--from", "canonical", "--to", "oracle-ebs",
                                  "--out-dir", str(out), str(events)])
    assert second.exit_code == 0, second.output
    assert sorted(p.name for p in out.iterdir()) == [
        "MTL_TRANSACTIONS_INTERFACE-0001.csv", "MTL_TRANSACTION_LOTS_INTERFACE-0002.csv",
        "WIP_MOVE_TXN_INTERFACE-0003.csv"]
    third = runner.invoke(convert, ["--context", str(context), *map(str, sorted(out.iterdir()))])
    assert third.exit_code == 0, third.output
    def key(line: str) -> tuple[str, Any]:
        event = json.loads(line)
        event["data"]["source"].pop("message_id")  # the file names differ
        return event["id"], event["data"]

    # detected, joined, the same events
    assert [key(line) for line in third.stdout.splitlines()] == [key(line) for line in first.stdout.splitlines()]
