"""Fuzzing both SAP mappers: whatever comes in, a mapper returns a result and never raises.

Every run checks, per input: ``sniff`` answers a bool, ``to_canonical`` returns a :class:`MappingResult`
(no exception of any kind), the counts balance (records in = converted + rejected), no reject carries the
catch-all ``mapping_failed`` (a mapper bug, not bad input), every reject can be written out (NDJSON), and
every event validates and survives a JSON and a MessagePack round trip unchanged.

Targets, per mapper: arbitrary bytes, arbitrary text (lone surrogates included), mutated samples (element
edits, byte edits, other encodings) and, for OData, arbitrary JSON values given already parsed. The default
budget keeps the whole file to ~20 s; ``MFGCANON_FUZZ_EXAMPLES=10000`` runs that many examples per target
(a long run: see ``benchmarks/README.mappers.md`` for its figures).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, MappingResult, get

from .conftest import FIXTURES

CTX = MappingContext.build(source_system="FUZZ", default_timezone="UTC")
MAPPERS = ["sap-idoc", "sap-odata"]
LONG = int(os.environ.get("MFGCANON_FUZZ_EXAMPLES", "0") or 0)


def budget(default: int) -> Any:
    """Hypothesis settings for one target: ``default`` examples, or ``MFGCANON_FUZZ_EXAMPLES`` when set."""
    return settings(
        max_examples=LONG or default,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )


def check(result: MappingResult) -> None:
    """Balanced, no catch-all ``mapping_failed`` reject (that is a mapper bug, not bad input), every reject
    writable, and every emitted event valid and unchanged by a JSON and a MessagePack round trip."""
    assert isinstance(result, MappingResult)
    result.assert_balanced()
    bugs = [(r.location, r.reason) for r in result.rejects if r.code == "mapping_failed"]
    assert not bugs, bugs
    for reject in result.rejects:
        codecs.encode(reject.to_dict())
    for event in result.events:
        codecs.validate(event)
        for fmt in ("json", "msgpack"):
            assert codecs.decode(codecs.encode(event, format=fmt), type=type(event), format=fmt) == event


def run(name: str, payload: Any) -> MappingResult:
    """Sniff and map one payload: any exception fails the test (a mapper never raises)."""
    mapper = get(name)
    assert mapper.sniff(payload) in (True, False)
    result = mapper.to_canonical(payload, CTX)
    check(result)
    return result


# --- arbitrary input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MAPPERS)
@budget(150)
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(name: str, data: bytes) -> None:
    run(name, data)


_TOKENS = st.sampled_from(
    [
        "\ud800", "\udfff", "\ufeff", "<?xml version=\"1.0\"?>", "<MBGMCR03>", "<IDOC>", "</IDOC>", "<E1AFKOL>",
        "<ENTRY_QNT>", "</ENTRY_QNT>", "&#73;", "&amp;", "<!DOCTYPE x>", '{"d": ', '{"results": [', "]}", "}",
        '"Product": ', '"TotalQuantity": "1.5E+3"', "null", "[", "]", ",",
    ]
)


@pytest.mark.parametrize("name", MAPPERS)
@budget(100)
@given(text=st.lists(st.text(st.characters(exclude_categories=()), max_size=30) | _TOKENS, max_size=12).map("".join))
def test_arbitrary_text(name: str, text: str) -> None:
    """Text made of arbitrary characters (lone surrogates included) and pieces of both formats."""
    run(name, text)


_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=20) | st.sampled_from(["\ud800", "a\udfffb"])
_SAP_KEYS = st.sampled_from(["d", "results", "Product", "BaseUnit", "ManufacturingOrder", "TotalQuantity", "Material"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_SAP_KEYS | _ANY_TEXT, inner, max_size=6),
    max_leaves=30,
)


@budget(150)
@given(value=_JSON)
def test_arbitrary_parsed_json(value: Any) -> None:
    """JSON values a caller parsed (NaN, huge integers and lone surrogates included): read by sap-odata,
    refused whole by sap-idoc (which reads XML only)."""
    run("sap-idoc", value)
    run("sap-odata", value)
    run("sap-odata", {"d": {"results": [value] if not isinstance(value, list) else value}})


# --- mutated samples ---------------------------------------------------------------------------------------

SAP_XML = sorted([*FIXTURES.glob("idoc_*.xml"), *FIXTURES.glob("rfc_*.xml")])  # IDocs and RFC XML responses
SAP_JSON = sorted(FIXTURES.glob("*.json"))
_GARBLE = [
    "-1", "1e999", "1.0E+30", "\u00e9\u4e2d", "99999999999999999999999999999999", "24:00", "240000", "99991231",
    "00010101", "X" * 300, "0", "", " ", "12.500-", "-12.5-", "NaN", "/Date(253402300800000)/", "\ud800",
]


def _mutate_xml(doc: bytes, rng: random.Random) -> bytes:
    """Element edits (drop, duplicate, garble, empty, move), then sometimes byte edits or another encoding."""
    root = etree.fromstring(doc)
    for _ in range(rng.randint(1, 6)):
        elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
        if not elements:
            break
        target = rng.choice(elements)
        parent = target.getparent()
        action = rng.choice(["drop", "dup", "garble", "empty", "move"])
        if action == "drop" and parent is not None:
            parent.remove(target)
        elif action == "dup" and parent is not None:
            parent.append(etree.fromstring(etree.tostring(target)))
        elif action == "garble":
            target.text = rng.choice(_GARBLE).replace("\ud800", "\ufffd")  # lxml cannot hold a lone surrogate
        elif action == "move" and parent is not None and parent.getparent() is not None:
            parent.remove(target)
            parent.getparent().append(target)
        else:
            target.text = ""
    out = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    roll = rng.random()
    if roll < 0.15:  # byte edits: cut short, a byte changed, a slice repeated
        at = rng.randrange(len(out))
        changed = out[:at] + bytes([rng.randrange(256)]) + out[at + 1 :]
        out = rng.choice([out[:at], changed, out[:at] + out[at - 40 : at] + out[at:]])
    elif roll < 0.25:  # the same document in UTF-16 or UTF-32, with or without a BOM
        codec = rng.choice(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
        out = out.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{codec.upper()}"').encode(codec)
    return out


@budget(200)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), index=st.integers(min_value=0, max_value=len(SAP_XML) - 1))
def test_mutated_idocs(seed: int, index: int) -> None:
    run("sap-idoc", _mutate_xml(SAP_XML[index].read_bytes(), random.Random(seed)))


def _mutate_json(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.1:
                continue
            out[key] = (
                rng.choice([None, "", "garbage", -5, "/Date(x)/", "PT99H", [], {}, *_GARBLE, 1e308, 10**40, True])
                if roll < 0.2
                else (_mutate_json(item, rng))
            )
        return out
    if isinstance(value, list):
        items = [_mutate_json(v, rng) for v in value]
        return items + items[:1] if rng.random() < 0.2 else items
    return value


@budget(200)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), index=st.integers(min_value=0, max_value=len(SAP_JSON) - 1))
def test_mutated_odata(seed: int, index: int) -> None:
    rng = random.Random(seed)
    data = _mutate_json(json.loads(SAP_JSON[index].read_bytes()), rng)
    run("sap-odata", data)
    try:
        text = json.dumps(data, ensure_ascii=rng.random() < 0.5)
    except ValueError:  # pragma: no cover - json.dumps writes NaN and surrogates as it is told
        return
    run("sap-odata", text)
    run("sap-odata", text.encode("utf-8", "surrogatepass"))  # lone surrogates as CESU-style bytes: not UTF-8


@pytest.mark.parametrize("path", [*SAP_XML, *SAP_JSON], ids=lambda p: p.name)
def test_samples_pass_the_checks(path: Path) -> None:
    """The unmutated samples themselves: mapped by their own mapper, and by the other one (its rejects)."""
    for name in MAPPERS:
        run(name, path.read_bytes())
