"""D365 MES report-as-finished throughput, per document, with the same baselines as the SAP JSON case in
``benchmarks/mappers.py``: the floor (an untyped ``msgspec.json.decode`` of the envelope and of its
``_messageContent`` string: the message is JSON inside JSON, so the floor decodes twice) and the pipeline a user
would otherwise write to get the same canonical event (orjson + a plain mapping function + the generated pydantic
v2 event model). Before timing, the script asserts that the pipeline's event, dumped as JSON, equals the
mapper's encoded event.

Targets (as the SAP JSON case): at most 3x the untyped decode, at least 3x faster than orjson + pydantic.
Case: a ``ProdProductionOrderReportFinished`` envelope with three lines (main item, co-product, by-product) ->
one ProductionConfirmed event. Self-contained (it shares no code with ``benchmarks/mappers.py``).
Run: ``python benchmarks/mappers_d365.py [--rounds 15] [--number 200]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
import timeit
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pydantic

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, get
from mfgcanon.pydantic import v1 as pyd
from mfgcanon.v1 import __schema_version__

SAMPLE = Path(__file__).parents[1] / "examples" / "d365" / "mes_report_as_finished.json"
EVENT_NAMESPACE = uuid.UUID("6f1c2b7e-3d54-5f0a-9a3e-1b8c0d2e4f60")  # the documented uuid5 namespace of event ids
ITEM_UNITS = {"FG-1000": "ea", "FG-1000-CO": "ea", "SCRAP-MET": "kg"}
UNITS = {"ea": "EA", "kg": "KGM"}  # the packaged symbols this case uses (mappings/d365/units.toml)
CTX = MappingContext.build(source_system="D365-USMF", default_timezone="UTC", lookups={"item_units": ITEM_UNITS})
USES = {"MainItem": "produced", "Formula": "produced", "BOM": "produced", "None": "produced",
        "Co_Product": "co_product", "By_Product": "by_product"}
FLAGS = (("AcceptError", "d365.accept_error"), ("EndPickingList", "d365.end_picking_list"),
         ("EndRouteCard", "d365.end_route_card"), ("PostNow", "d365.post_now"), ("AutoUpdate", "d365.auto_update"))
TEXT = (("AutomaticBOMConsumptionRule", "d365.automatic_bom_consumption_rule"),
        ("AutomaticRouteConsumptionRule", "d365.automatic_route_consumption_rule"),
        ("JournalNameId", "d365.journal_name"))
LINE_TEXT = (("InventoryStatusId", "d365.inventory_status"), ("LicensePlateNumber", "d365.license_plate"),
             ("InventoryLotId", "d365.inventory_lot_id"))


def message() -> bytes:
    content = json.loads(json.loads(SAMPLE.read_text())["_messageContent"])
    content["ReportFinishedLines"] += [
        {"LineNumber": 2, "ItemNumber": "FG-1000-CO", "ProductionType": "Co_Product", "ReportedGoodQuantity": 5},
        {"LineNumber": 3, "ItemNumber": "SCRAP-MET", "ProductionType": "By_Product", "ReportedGoodQuantity": 1.25},
    ]
    return json.dumps({"_companyId": "USMF", "_messageQueue": "JmgMES3P",
                       "_messageType": "ProdProductionOrderReportFinished",
                       "_messageContent": json.dumps(content, separators=(",", ":"))}).encode()


# orjson + plain mapping + pydantic: the same event -------------------------------------------------------------
def exact(value: Any) -> Any:
    """orjson reads JSON numbers as floats: their shortest text is the source text for these short numbers."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    return value


def message_key(company: str, message_type: str, content: dict[str, Any]) -> str:
    """The message's id: SHA-256 of the length-prefixed company, type and content (keys sorted, decimals as
    strings), as the mapper derives it."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    digest = hashlib.sha256()
    for part in ("d365-mes", company, message_type, text):
        raw = part.encode()
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()[:32]


def quantity(number: Decimal | None, item: str) -> dict[str, Any] | None:
    if number is None:
        return None
    symbol = ITEM_UNITS[item]
    return {"value": str(number), "uom": UNITS[symbol], "source_uom": symbol}


def yes(value: str | None) -> str | None:
    return None if value is None else ("true" if value == "Yes" else "false")


def prop(name: str, value: str | None, data_type: str = "string") -> dict[str, Any] | None:
    return None if value in (None, "") else {"name": name, "value": value, "data_type": data_type}


def props(*items: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [item for item in items if item is not None]


def cause(value: str | None) -> str | None:
    return None if value in (None, "None") else value


def equivalent(data: bytes) -> pydantic.BaseModel:
    envelope = orjson.loads(data)
    content = exact(orjson.loads(envelope["_messageContent"]))
    company, kind = envelope["_companyId"].strip().upper(), envelope["_messageType"]
    key = message_key(company, kind, content)
    order = content["ProductionOrderNumber"]
    outputs, main = [], None
    for line in content["ReportFinishedLines"]:
        item = line["ItemNumber"]
        use = USES.get(line.get("ProductionType", "MainItem"), "other")
        site, warehouse = line.get("ProductionSiteId"), line.get("ProductionWarehouseId")
        output = {
            "material_id": item, "material_use": use, "material_use_source_code": line.get("ProductionType"),
            "yield_quantity": quantity(Decimal(line.get("ReportedGoodQuantity", 0)), item),
            "scrap_quantity": quantity(line.get("ReportedErrorQuantity") and Decimal(line["ReportedErrorQuantity"]),
                                       item),
            "lot_id": line.get("ItemBatchNumber"),
            "receipt_location": {"plant": site, "company_id": company, "storage_location": warehouse,
                                 "bin": line.get("ProductionWarehouseLocationId")} if site and warehouse else None,
            "properties": props(prop("d365.line_number", str(line["LineNumber"])),
                                prop("d365.error_cause", cause(line.get("ErrorCause"))),
                                *(prop(name, line.get(field)) for field, name in LINE_TEXT)),
        }
        outputs.append(output)
        if main is None and use == "produced":
            main = (line, output)
    assert main is not None
    line, output = main
    site = line["ProductionSiteId"]
    ended = datetime.fromisoformat(line["ExecutedDateTime"]).astimezone(UTC)
    day = date.fromisoformat(line["ReportAsFinishedDate"])
    properties = props(prop("d365.message_type", kind),
                       *(prop(name, yes(line.get(field)), "boolean") for field, name in FLAGS),
                       *(prop(name, line.get(field)) for field, name in TEXT))
    system = CTX.source_system
    assert system is not None
    source = {"system": system, "document_type": f"D365-MES:{kind}", "document_id": f"{company}/{key}"}
    data = {
        "kind": "production_confirmation", "confirmation_id": f"{order}/{key[:16]}", "order_id": order, "plant": site,
        "company_id": company, "material_id": output["material_id"], "yield_quantity": output["yield_quantity"],
        "rejected_quantity": output["scrap_quantity"], "outputs": outputs,
        "scrap_reason_code": cause(line.get("ErrorCause")), "is_final": line.get("EndJob") == "Yes",
        "ended_at": ended, "posting_date": day, "produced_lot_id": output["lot_id"],
        "posting": {"state": "requested", "external_id": key, "target_system": system},
        "properties": properties, "source": source,
    }
    event_type = "mfgcanon.production.confirmed.v1"
    idempotency = "|".join((system, source["document_type"], source["document_id"], "-", event_type, "-"))
    return pyd.ProductionConfirmed.model_validate({
        "type": event_type, "id": uuid.uuid5(EVENT_NAMESPACE, idempotency), "source": f"urn:mfgcanon:{system}:{site}",
        "specversion": "1.0", "time": ended, "subject": f"company/{company}/production-order/{site}/{order}",
        "dataschema": "urn:mfgcanon:schema:v1:production.confirmed", "partitionkey": f"{company}|{order}",
        "idempotencykey": idempotency, "sourcesystem": system, "plant": site,
        "schemaversion": __schema_version__, "data": data,
    })


def _clean(value: Any) -> Any:
    """JSON as both libraries write it, without empty lists and false booleans (msgspec omits defaults)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v not in ([], False, None)}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def assert_same(data: bytes) -> None:
    (event,) = get("d365-mes").to_canonical(data, CTX).events
    ours = _clean(json.loads(codecs.encode(event)))
    theirs = _clean(json.loads(equivalent(data).model_dump_json(exclude_none=True, exclude_defaults=True)))
    theirs["data"]["posting_date"] = str(theirs["data"]["posting_date"])
    for outer in (ours, theirs):
        outer["data"].pop("kind", None)
        for output in outer["data"]["outputs"]:
            if output.get("material_use") == "produced":
                output.pop("material_use")  # the model's default, omitted by msgspec
    if ours != theirs:
        raise AssertionError(f"the pipeline does not give the mapper's event:\n{ours}\n{theirs}")
    print(f"  report as finished: {len(data)} bytes, 3 lines, identical to the mapper's event")


def measure(cases: dict[str, Callable[[], object]], rounds: int, number: int) -> dict[str, float]:
    """Best CPU time per call (seconds) of each case, the cases interleaved round by round."""
    timers = {name: timeit.Timer(fn, timer=time.process_time) for name, fn in cases.items()}
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(rounds):
        for name, timer in timers.items():
            best[name] = min(best[name], timer.timeit(number) / number)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--number", type=int, default=200)
    args = parser.parse_args()
    data = message()
    mapper = get("d365-mes")
    print("Equivalence (checked before timing):")
    assert_same(data)

    def floor() -> object:
        envelope = msgspec.json.decode(data)
        return msgspec.json.decode(envelope["_messageContent"])

    cases = {
        "floor: untyped msgspec.json.decode (twice)": floor,
        "mfgcanon d365-mes -> event": lambda: mapper.to_canonical(data, CTX),
        "orjson + pydantic v2, same event": lambda: equivalent(data),
    }
    timings = measure(cases, args.rounds, args.number)
    print("\nProdProductionOrderReportFinished (3 lines)")
    for name, spent in timings.items():
        print(f"  {name:<44} {spent * 1e6:9.1f} us/doc")
    floor_t, ours, same = timings.values()
    print(f"  ratio to the floor: {ours / floor_t:.1f}x (target <= 3.0x); speed-up vs the same-event pipeline: "
          f"{same / ours:.1f}x (target >= 3.0x)")


if __name__ == "__main__":
    main()
