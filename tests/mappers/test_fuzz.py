"""Arbitrary bytes and mutated samples never escape as anything but a result (events and rejects)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, MappingResult, get

from .conftest import FIXTURES

CTX = MappingContext.build(source_system="FUZZ", default_timezone="UTC")
MAPPERS = ["sap-idoc", "sap-odata"]


def check(result: MappingResult) -> None:
    """Balanced, no catch-all ``mapping_failed`` reject (that is a mapper bug, not bad input), and every
    emitted event passes the model's own validation."""
    assert isinstance(result, MappingResult)
    result.assert_balanced()
    bugs = [(r.location, r.reason) for r in result.rejects if r.code == "mapping_failed"]
    assert not bugs, bugs
    for event in result.events:
        codecs.validate(event)


@pytest.mark.parametrize("name", MAPPERS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(name: str, data: bytes) -> None:
    check(get(name).to_canonical(data, CTX))


def _mutate_xml(doc: bytes, rng: random.Random) -> bytes:
    root = etree.fromstring(doc)
    elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
    for _ in range(rng.randint(1, 6)):
        target = rng.choice(elements)
        action = rng.choice(["drop", "dup", "garble", "empty"])
        parent = target.getparent()
        if action == "drop" and parent is not None:
            parent.remove(target)
            elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
        elif action == "dup" and parent is not None:
            parent.append(etree.fromstring(etree.tostring(target)))
        elif action == "garble":
            target.text = rng.choice(["-1", "1e999", "\u00e9\u4e2d", "99999999999999999999", "24:00", "X" * 300, "0"])
        else:
            target.text = ""
        if not elements:
            break
    return etree.tostring(root)


SAP_XML = sorted([*FIXTURES.glob("idoc_*.xml"), *FIXTURES.glob("rfc_*.xml")])  # IDocs and RFC XML responses


@pytest.mark.parametrize("path", SAP_XML, ids=lambda p: p.name)
def test_mutated_idocs(path) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(path.name)
    doc = path.read_bytes()
    for _ in range(40):
        check(get("sap-idoc").to_canonical(_mutate_xml(doc, rng), CTX))


def _mutate_json(value, rng: random.Random):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.1:
                continue
            out[key] = (
                rng.choice([None, "", "garbage", -5, "/Date(x)/", "PT99H", [], {}])
                if roll < 0.2
                else (_mutate_json(item, rng))
            )
        return out
    if isinstance(value, list):
        items = [_mutate_json(v, rng) for v in value]
        return items + items[:1] if rng.random() < 0.2 else items
    return value


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_mutated_odata(path) -> None:  # type: ignore[no-untyped-def]
    import json

    rng = random.Random(path.name)
    data = json.loads(path.read_bytes())
    for _ in range(40):
        check(get("sap-odata").to_canonical(_mutate_json(data, rng), CTX))
