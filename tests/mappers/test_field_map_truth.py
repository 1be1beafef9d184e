"""The field maps tell the truth: for every entry of mappings/sap/*_fields.toml, changing the source field in
a sample payload (examples/sap, shared reference/samples/sap) changes the canonical field the entry names, to
the value its transform implies.

One case per entry (and per `unit` / `time` field). A case edits the first occurrence of the source field in
a sample for the entry's message (lxml for IDoc XML, json for OData), runs the mapper and compares the
canonical values before and after; when an occurrence changes nothing (a base-unit row of E1MARMM, a header
field that the item overrides) the next occurrence, then the next sample, is tried, and when no sample has the
field it is added to the first record that has the field's parent. Entries that are alternatives for one
canonical field (MATNR_LONG / MATNR, SSAVD / FSAVD, IsFinalConfirmation / FinalConfirmationType) are tested
with the others removed from the record first, so the one under test is the one read.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree  # type: ignore[import-untyped]

from mfgcanon.mappers import MappingContext, get
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers._data import FIELD_MAPS, field_map, load, table
from mfgcanon.mappers.sap import common as sc
from mfgcanon.v1.common import Quantity
from shared_data import ROOT, shared_base

from .test_field_maps import ENTITIES

SAMPLE_DIRS = (ROOT / "examples" / "sap", shared_base() / "reference" / "samples" / "sap")

CTX = MappingContext.build(
    source_system="S4H-100",
    plants={"1710": "America/Los_Angeles"},
    default_timezone="UTC",  # an edited plant code (1711) still has a zone
    options={"default_plant": "1710"},  # ProdnOrdConf2 POST bodies carry no Plant
    received_at=datetime(2024, 1, 20, 12, 0, tzinfo=UTC),
)

# OData samples per entity set (IDoc samples are found by message type: idoc_<message>*.xml).
ODATA_SAMPLES: dict[str, tuple[str, ...]] = {
    "A_ProductionOrder_2": ("odata_production_order_2_get_response.json",),
    "A_Product": ("odata_product_get_response.json",),
    "Batch": ("odata_batch_get_response.json",),
    "A_MaterialDocumentItem": (
        "odata_material_document_get_response.json",
        "odata_material_document_post_goods_issue_261_request.json",
        "odata_material_document_post_goods_receipt_101_request.json",
        "odata_material_document_post_scrap_551_request.json",
    ),
    "A_MatlStkInAcctMod": ("odata_material_stock_get_response.json",),
    "ProdnOrdConf2": ("odata_prodnordconf2_post_response.json", "odata_prodnordconf2_post_request.json"),
    "A_InspectionLot": ("odata_inspection_lot_get_response.json",),  # results and decision expanded into it
}

# Units by dimension: an edited unit stays in its dimension (a duration stays a time).
UNIT_FAMILIES = (("ST", "PC", "DZ", "PAA", "EA"), ("KG", "G", "TO"), ("MIN", "H", "S"), ("L", "ML"), ("M", "CM"))
INSTANTS = ("local_instant", "odata_local_instant")
CODE_LISTS = {
    "material_type": (sc.MASTER, "material_type"),
    "procurement_type": (sc.MASTER, "procurement_type"),
    "stock_type": (sc.MASTER, "stock_type"),
    "inspection_type": (sc.QUALITY, "inspection_type"),
    "evaluation": (sc.QUALITY, "evaluation"),
}


def _samples() -> dict[str, Path]:
    """Sample files by name: the repository's examples first, then the shared reference samples."""
    found: dict[str, Path] = {}
    for folder in SAMPLE_DIRS:
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                found.setdefault(path.name, path)
    return found


SAMPLES = _samples()


# ---------------------------------------------------------------------- payload access
class Doc:
    """One sample payload being edited: its field slots are addressed by an entry's source path."""

    def slots(self, path: str, *, create: bool) -> list[Slot]:
        raise NotImplementedError

    def run(self) -> MappingResult:
        raise NotImplementedError

    def clone(self) -> Doc:
        raise NotImplementedError


@dataclass
class Slot:
    """One occurrence of a field: its record (XML parent element or JSON object) and name."""

    record: Any
    name: str
    xml: bool

    def get(self) -> Any:
        if self.xml:
            child = self.record.find(self.name)
            return None if child is None else (child.text or "").strip() or None
        return self.record.get(self.name)

    def set(self, value: Any) -> None:
        if self.xml:
            child = self.record.find(self.name)
            if child is None:
                child = etree.SubElement(self.record, self.name)
            child.text = value
        else:
            self.record[self.name] = value

    def remove(self, name: str) -> None:
        if self.xml:
            for child in self.record.findall(name):
                self.record.remove(child)
        else:
            self.record.pop(name, None)

    def sibling(self, name: str) -> Slot:
        return Slot(self.record, name, self.xml)


class XmlDoc(Doc):
    def __init__(self, root: Any) -> None:
        self.root = root

    def clone(self) -> XmlDoc:
        return XmlDoc(copy.deepcopy(self.root))

    def slots(self, path: str, *, create: bool) -> list[Slot]:
        parent, _, name = path.rpartition("/")
        records = self.root.iterfind(f".//{parent}") if parent else iter([self.root])
        return [Slot(r, name, True) for r in records if (r.find(name) is None) == create]

    def run(self) -> MappingResult:
        return get("sap-idoc").to_canonical(etree.tostring(self.root), CTX)


class JsonDoc(Doc):
    def __init__(self, data: Any, message: str) -> None:
        self.data = data
        self.message = message

    def records(self) -> list[dict[str, Any]]:
        """The message's records: the ``d`` / ``results`` entries (material document items also inside
        their header's ``to_MaterialDocumentItem``)."""
        data = self.data
        if isinstance(data, dict) and "d" in data:
            data = data["d"]
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            data = data["results"]
        top = data if isinstance(data, list) else [data]
        if self.message != "A_MaterialDocumentItem":
            return top
        return [item for rec in top for item in (_nav(rec, "to_MaterialDocumentItem") or [rec])]

    def slots(self, path: str, *, create: bool) -> list[Slot]:
        nav, _, name = path.rpartition("/")
        records = [r for rec in self.records() for r in (_nav(rec, nav) if nav else [rec])]
        return [Slot(r, name, False) for r in records if (name not in r) == create]

    def run(self) -> MappingResult:
        return get("sap-odata").to_canonical(self.data, CTX)

    def clone(self) -> JsonDoc:
        return JsonDoc(copy.deepcopy(self.data), self.message)


def _nav(record: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = record.get(name)
    if isinstance(value, dict):
        results = value.get("results")
        return list(results) if isinstance(results, list) else [value]
    return list(value) if isinstance(value, list) else []


def _json(name: str) -> Any:
    return json.loads(SAMPLES[name].read_text(encoding="utf-8"))


def _docs(mapper: str, message: str) -> Iterator[Doc]:
    """Fresh copies of the samples for a map's message."""
    if mapper == "sap-idoc":
        prefix = f"idoc_{message.lower()}"
        for name in sorted(n for n in SAMPLES if n.startswith(prefix) and n.endswith(".xml")):
            yield XmlDoc(etree.fromstring(SAMPLES[name].read_bytes(), etree.XMLParser(remove_comments=True)))
        return
    for name in ODATA_SAMPLES[message]:
        data = _json(name)
        if message == "A_InspectionLot":
            lot = data["d"]
            lot["to_InspectionResult"] = {"results": _json("odata_inspection_result_get_response.json")["d"]["results"]}
            lot["to_InspLotUsageDecision"] = _json("odata_inspection_usage_decision_get_response.json")["d"]
        yield JsonDoc(data, message)


# ---------------------------------------------------------------------- canonical values
def _walk(node: Any, parts: list[str]) -> Iterator[Any]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, parts)
        return
    if not parts:
        yield node
        return
    if node is not None:
        yield from _walk(getattr(node, parts[0]), parts[1:])


def _values(result: MappingResult, entity: str, path: str) -> list[Any]:
    """Every value at ``path`` in the result's entities of the map's class, in event order."""
    cls = ENTITIES[entity]
    entities = (getattr(event, "data", None) for event in result.events)
    return [v for data in entities if isinstance(data, cls) for v in _walk(data, path.split("."))]


def _leaf(value: Any, role: str) -> Any:
    if isinstance(value, Quantity):
        return value.uom if role == "unit" else value.value
    return value


# ---------------------------------------------------------------------- edits per transform
@dataclass
class Edit:
    new: Any  # the source value written
    expected: Any = None  # the canonical value it must give (None: only "changed")
    old: Any = None  # the source value it replaced


def _other_text(old: str | None) -> str:
    """A different code of the same shape: the last character moved on (``1710`` -> ``1711``)."""
    if not old:
        return "Z1"
    last = old[-1]
    if last.isdigit():
        return old[:-1] + str((int(last) + 1) % 10)
    if last.isalpha() and last.isascii():
        base = ord("A") if last.isupper() else ord("a")
        return old[:-1] + chr(base + (ord(last) - base + 1) % 26)
    return old + "X"


def _key(before: list[Any]) -> str:
    return "4712" if "4711" in before else "4711"


def _other_unit(old: str | None, canonical: str) -> str:
    """Another unit of the same dimension (a duration's unit a time unit, when the sample has none)."""
    current = sc.unit_in(old, CTX) if old else None
    fallback = UNIT_FAMILIES[2] if canonical.endswith("duration") else UNIT_FAMILIES[0]
    family = next((f for f in UNIT_FAMILIES if old in f), fallback)
    return next(u for u in family if sc.unit_in(u, CTX) != current)


def _other_code(codes: dict[str, Any], old: str | None) -> str:
    """A listed code that means something else than ``old``."""
    meaning = codes.get(old or "")
    return next(k for k, v in codes.items() if k and v != meaning)


def _seconds(text: str | None, odata: bool) -> int:
    if not text:
        return 0
    if odata:
        match = re.fullmatch(r"PT(\d+)H(\d+)M(\d+)S", text)
        assert match, text
        hours, minutes, seconds = (int(g) for g in match.groups())
    else:
        hours, minutes, seconds = int(text[:2]), int(text[2:4]), int(text[4:])
    return hours * 3600 + minutes * 60 + seconds


def _time_text(total: int, odata: bool) -> str:
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"PT{hours:02d}H{minutes:02d}M{seconds:02d}S" if odata else f"{hours:02d}{minutes:02d}{seconds:02d}"


def _odata_ms(text: str) -> int:
    match = re.fullmatch(r"/Date\((-?\d+)([+-]\d{4})?\)/", text)
    assert match, text
    return int(match[1])


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1000


def _edit(transform: str, role: str, old: Any, before: list[Any], odata: bool, canonical: str) -> Edit:
    """The new source value for a field and the canonical value it implies. Times move away from their
    counterpart (a start earlier, an end later) so the model's start-before-end checks still hold."""
    step = -1 if "start" in canonical or "manufactured" in canonical else 1
    added = date(2024, 1, 2) if step < 0 else date(2024, 3, 1)  # a date for a field the sample lacks
    if role == "unit":
        new = _other_unit(old, canonical)
        return Edit(new, sc.unit_in(new, CTX), old)
    if role == "time":
        start = _seconds(old, odata)
        moved = start + step * 3600 if 0 <= start + step * 3600 < 86400 else start - step * 3600
        return Edit(_time_text(moved, odata), timedelta(seconds=moved - start), old)
    if transform == "copy":  # "the stripped text": the new value comes with blanks around it
        new = _other_text(None if old is None else str(old).strip())
        return Edit(f" {new} ", new, old)
    if transform in ("alpha_in", "material"):
        key = _key(before)
        return Edit(f" 000{key} ", key, old)
    if transform in ("quantity", "decimal"):
        number = (Decimal(str(old)) if old not in (None, "") else Decimal(6)) + Decimal("1.25")
        if isinstance(old, float):
            return Edit(float(number), number, old)
        return Edit(format(number, "f"), number, old)
    if transform == "date":
        day = (datetime.strptime(old, "%Y%m%d").date() if old else added) + timedelta(days=1)
        return Edit(day.strftime("%Y%m%d"), day, old)
    if transform == "odata_date":
        ms = (_odata_ms(old) if old else _ms(added)) + 86_400_000
        return Edit(f"/Date({ms})/", datetime.fromtimestamp(ms / 1000, UTC).date(), old)
    if transform == "local_instant":
        day = (datetime.strptime(old, "%Y%m%d").date() if old else added) + timedelta(days=step)
        return Edit(day.strftime("%Y%m%d"), timedelta(days=step) if old else None, old)
    if transform == "odata_local_instant":
        ms = (_odata_ms(old) if old else _ms(added)) + step * 86_400_000
        return Edit(f"/Date({ms})/", timedelta(days=step) if old else None, old)
    if transform == "flag":
        on = old is True or (isinstance(old, str) and old.strip().upper() in ("X", "1"))
        if odata and not isinstance(old, str):
            return Edit(not on, not on, old)
        return Edit("" if on else "X", not on, old)
    if transform == "unit":
        new = _other_unit(old, canonical)
        return Edit(new, sc.unit_in(new, CTX), old)
    if transform == "language":
        short = old is not None and len(old) == 1
        new = ("S" if old == "F" else "F") if short else ("ES" if str(old).upper() == "FR" else "FR")
        return Edit(new, sc.code_of(sc.MASTER, "language", new, "").lower() if short else new.lower(), old)
    if transform in CODE_LISTS:
        codes = table(*CODE_LISTS[transform])
        new = _other_code(codes, old)
        return Edit(new, str(codes[new]), old)
    if transform == "usage_decision":
        codes = table(sc.QUALITY, "usage_decision", "codes")
        codes = codes if old in codes else table(sc.QUALITY, "usage_decision", "valuation")
        new = _other_code(codes, old)
        return Edit(new, str(codes[new]), old)
    if transform == "movement_type":
        types = sc.movement_types()
        meaning = types.get(str(old), {}).get("movement_type")
        new = next(k for k, v in types.items() if v["movement_type"] != meaning and not v.get("reversal"))
        return Edit(new, str(types[new]["movement_type"]), old)
    if transform in ("order_status", "operation_status"):
        statuses = table(sc.STATUSES, transform.split("_")[0])
        short = next(s for s in load(sc.STATUSES)["precedence"] if statuses.get(s) not in before)
        code = next(k for k, v in table(sc.STATUSES, "codes").items() if v == short)
        return Edit(code, str(statuses[short]), old)
    raise AssertionError(f"no edit known for transform {transform!r}")


def _check(edit: Edit, role: str, transform: str, before: list[Any], after: list[Any], where: str) -> None:
    """``after`` (the canonical values once edited) holds what the transform implies."""
    if len(after) == len(before):  # the same records: compare them one by one
        pairs = [(b, a) for b, a in zip(before, after, strict=True) if a != b]
    else:  # a record appeared or went (a unit conversion no longer the base unit): what is new
        gone = list((Counter(before) - Counter(after)).elements())
        pairs = [(b, a) for a in (Counter(after) - Counter(before)).elements() for b in gone or [None]]
    fresh = [a for _, a in pairs]
    assert fresh, f"{where}: {edit.old!r} -> {edit.new!r} gave {after!r}, nothing new (before {before!r})"
    shifted = role == "time" or transform in INSTANTS
    if not shifted:
        if edit.expected is not None:
            assert edit.expected in fresh, f"{where}: {edit.new!r} gave {after!r}, expected {edit.expected!r}"
        return
    assert all(isinstance(v, datetime) and v.utcoffset() == timedelta(0) for v in fresh), f"{where}: {fresh!r}"
    if isinstance(edit.expected, timedelta):
        deltas = [a - b for b, a in pairs if b is not None]
        slack = timedelta(hours=1) if role != "time" else timedelta(0)  # a date may cross a DST change
        assert any(abs(d - edit.expected) <= slack for d in deltas), (
            f"{where}: {edit.old!r} -> {edit.new!r} moved {before!r} to {after!r}, expected {edit.expected}"
        )


# ---------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    relative: str
    mapper: str
    message: str
    entity: str
    index: int
    role: str  # source / unit / time

    @property
    def entry(self) -> dict[str, str]:
        return field_map(self.relative)[self.index]

    @property
    def path(self) -> str:
        return self.entry[self.role]

    def alternatives(self) -> list[str]:
        """Other entries' fields for the same canonical field in the same record (removed first)."""
        if self.role != "source":
            return []
        parent = self.path.rpartition("/")[0]
        return [
            other["source"].rpartition("/")[2]
            for n, other in enumerate(field_map(self.relative))
            if n != self.index
            and other["canonical"] == self.entry["canonical"]
            and other["source"] != self.path
            and other["source"].rpartition("/")[0] == parent
        ]


# Entries the map gets right and the mapper code does not (reported, not fixed yet): (file, source, canonical)
# -> reason; each becomes a strict xfail. Empty: every entry holds.
CODE_DIFFERS: dict[tuple[str, str, str], str] = {}


def _cases() -> list[Any]:
    cases = []
    for (mapper, message), relative in FIELD_MAPS.items():
        if not mapper.startswith("sap-"):  # the Oracle maps: tests/mappers/oracle/test_field_maps.py
            continue
        entity = str(load(relative)["entity"])
        name = relative.rpartition("/")[2]
        for index, entry in enumerate(field_map(relative)):
            for role in ("source", "unit", "time"):
                if role in entry:
                    case = Case(relative, mapper, message, entity, index, role)
                    label = f"{name}:{entry[role]}->{entry['canonical']}"
                    label += "" if role == "source" else f"[{role}]"
                    reason = CODE_DIFFERS.get((name, entry[role], entry["canonical"])) if role == "source" else None
                    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                    cases.append(pytest.param(case, id=label, marks=marks))
    return cases


def test_known_differences_name_real_entries() -> None:
    """Every CODE_DIFFERS key is an entry of its map (a renamed entry does not silently drop its xfail)."""
    entries = {
        (relative.rpartition("/")[2], entry["source"], entry["canonical"])
        for relative in FIELD_MAPS.values()
        for entry in field_map(relative)
    }
    assert set(CODE_DIFFERS) <= entries


def _fill_unit(case: Case, slot: Slot) -> None:
    """A quantity value added to a record gets a unit when the record has none."""
    unit = case.entry.get("unit")
    if case.role != "source" or not unit:
        return
    name = unit.rpartition("/")[2]
    if slot.sibling(name).get() is None:
        duration = case.entry["canonical"].endswith("duration")
        slot.sibling(name).set("MIN" if duration else ("ST" if slot.xml else "PC"))


def _rejects(result: MappingResult) -> list[str]:
    return [f"{r.code} at {r.location}: {r.reason}" for r in result.rejects]


@pytest.mark.parametrize("case", _cases())
def test_map_entry_tells_the_truth(case: Case) -> None:
    transform = case.entry["transform"]
    where = f"{case.relative} {case.path} -> {case.entity}.{case.entry['canonical']} ({transform}, {case.role})"
    leaf_path = case.entry["canonical"]
    docs = list(_docs(case.mapper, case.message))
    tried = 0
    for create in (False, True):  # the sample's own occurrences first, then the field added to a record
        for original in docs:
            for number in range(len(original.slots(case.path, create=create))):
                tried += 1
                doc = original.clone()
                slot = doc.slots(case.path, create=create)[number]
                for name in case.alternatives():
                    slot.remove(name)
                value = slot.sibling(case.entry["source"].rpartition("/")[2])
                if case.role != "source" and value.get() is None:  # a unit or time needs its value field
                    value.set(_edit(transform, "source", None, [], not slot.xml, case.entry["canonical"]).new)
                baseline = doc.run()
                before = [_leaf(v, case.role) for v in _values(baseline, case.entity, leaf_path)]
                edit = _edit(transform, case.role, slot.get(), before, not slot.xml, case.entry["canonical"])
                slot.set(edit.new)
                if create:
                    _fill_unit(case, slot)
                result = doc.run()
                new_rejects = [r for r in _rejects(result) if r not in _rejects(baseline)]
                assert not new_rejects, f"{where}: {edit.old!r} -> {edit.new!r} was rejected: {new_rejects}"
                after = [_leaf(v, case.role) for v in _values(result, case.entity, leaf_path)]
                if after == before:
                    continue  # this occurrence is not read (a base-unit row, a field the header overrides)
                _check(edit, case.role, transform, before, after, where)
                return
    assert tried, f"{where}: no {case.message} sample has the field or a record to add it to"
    pytest.fail(f"{where}: changing the field in {tried} place(s) of the samples never changed the canonical field")
