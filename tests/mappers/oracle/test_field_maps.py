"""The Oracle field maps tell the truth: for every ``copy`` entry whose source field the samples hold, a new value
put there comes out at the entry's canonical path (the SAP maps have their own, fuller check)."""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
import pytest

from mfgcanon.mappers._data import FIELD_MAPS, TRANSFORMS, canonical_for, field_map, load
from mfgcanon.mappers.oracle import OracleEbsMapper, OracleFusionMapper

from .conftest import EBS_SAMPLE, make_context, sample_json

SAMPLES = {
    "workOrders": "workorders_get_response.json",
    "itemsV2": "itemsv2_get_response.json",
    "operationTransactions": "operationtransactions_post_complete_and_scrap_request.json",
    "materialTransactions": "materialtransactions_post_issue_request.json",
    "inventoryStagedTransactions": "inventorystagedtransactions_post_misc_issue_request.json",
}
MAPPERS: dict[str, Any] = {"oracle-fusion": OracleFusionMapper(), "oracle-ebs": OracleEbsMapper()}
CTX = make_context(default_timezone="UTC")
EDITS: dict[str, tuple[Any, dict[str, Any]]] = {
    # a new value that its code list, lookup or format accepts, and the columns that must change with it
    "TransactionTypeCode": ("PRODUCT_RETURN", {}),
    "TransactionTypeName": ("Account Alias Issue", {}),
    "TRANSACTION_TYPE_ID": (32, {"TRANSACTION_SOURCE_TYPE_ID": 13}),
    "LAST_UPDATE_DATE": ("2024-01-15 08:00:00", {}),
    "PRIMARY_ITEM_SEGMENTS": ("RM-2001", {}),
    # a scrap stays at its operation; a move to the queue of operation 20 is still a move onward
    "FM_OPERATION_SEQ_NUM": (5, {"TO_OPERATION_SEQ_NUM": lambda row: 5 if row["TO_INTRAOPERATION_STEP_TYPE"] != 1
                                 else row["TO_OPERATION_SEQ_NUM"]}),
}


def _holders(node: Any, parts: list[str]) -> list[dict[str, Any]]:
    """The objects holding the last part of a source path (lists walked through)."""
    if isinstance(node, list):
        return [h for item in node for h in _holders(item, parts)]
    if not isinstance(node, dict):
        return []
    if len(parts) == 1:
        return [node] if parts[0] in node else []
    return _holders(node.get(parts[0]), parts[1:])


def _leaves(node: Any, parts: list[str]) -> list[Any]:
    if isinstance(node, list):
        return [leaf for item in node for leaf in _leaves(item, parts)]
    if not parts:
        return [node]
    if not isinstance(node, dict):
        return []
    return _leaves(node.get(parts[0]), parts[1:])


def _cases() -> list[Any]:
    cases = []
    for (mapper, message), relative in FIELD_MAPS.items():
        if not mapper.startswith("oracle-"):
            continue
        for entry in field_map(relative):
            if entry["transform"] == "copy":
                cases.append(pytest.param(mapper, message, relative, entry, id=f"{message}:{entry['source']}->"
                                          f"{entry['canonical']}"))
    return cases


def _document(mapper: str, message: str) -> tuple[Any, list[str]]:
    if mapper == "oracle-fusion":
        return sample_json(SAMPLES[message]), []
    return sample_json(EBS_SAMPLE), [message]


@pytest.mark.parametrize(("mapper", "message", "relative", "entry"), _cases())
def test_copy_entry_tells_the_truth(mapper: str, message: str, relative: str, entry: dict[str, str]) -> None:
    document, prefix = _document(mapper, message)
    parts = entry["source"].split("/")
    if mapper == "oracle-ebs" and parts[0].isupper() and parts[0].endswith("INTERFACE"):
        prefix = []
    root = document["items"] if isinstance(document, dict) and "items" in document else document
    holders = _holders(root, prefix + parts)
    if not holders:
        pytest.skip(f"no sample holds {entry['source']}")
    field = parts[-1]
    value, companions = EDITS.get(field, (77 if isinstance(holders[0][field], int) else "ZZTRUTH", {}))
    new = str(value)
    entity = load(relative)["entity"]
    for only_first in (False, True):
        edited = copy.deepcopy(document)
        edited_root = edited["items"] if isinstance(edited, dict) and "items" in edited else edited
        for holder in _holders(edited_root, prefix + parts)[: 1 if only_first else None]:
            holder[field] = value
            holder.update({k: v(holder) if callable(v) else v for k, v in companions.items()})
        result = MAPPERS[mapper].to_canonical(json.dumps(edited), CTX)
        if not result.rejects:
            break
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    values = [leaf for event in result.events if type(event.data).__name__ == entity
              for leaf in _leaves(msgspec.to_builtins(event.data), entry["canonical"].split("."))]
    assert any(new in str(v) for v in values), f"{entry['source']} -> {entry['canonical']}: {values}"


def test_transforms_and_lookup() -> None:
    for (mapper, _), relative in FIELD_MAPS.items():
        if mapper.startswith("oracle-"):
            assert all(e["transform"] in TRANSFORMS for e in field_map(relative))
    assert canonical_for("oracle-fusion", "", "WorkOrderNumber", message="workOrders") == "ProductionOrder.order_id"
    assert canonical_for("oracle-ebs", "", "TRANSACTION_UOM", message="MTL_TRANSACTIONS_INTERFACE") == \
        "MaterialMovement.quantity"
