"""sap-idoc reads plain documents from their text (after a check-only parse) and everything else from the
lxml tree: both readers must give the same result, byte for byte, whichever one answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, MappingResult, get
from mfgcanon.mappers._base import effective_meta, stamp_meta
from mfgcanon.mappers.sap.idoc import SapIdocMapper

from .conftest import FIXTURES

MAPPER = get("sap-idoc")
assert isinstance(MAPPER, SapIdocMapper)
RECEIVED = datetime(2024, 1, 17, 12, tzinfo=UTC)  # documents without a time: the same stamp in both readers
CONTEXTS = [
    MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"}, received_at=RECEIVED),
    MappingContext.build(
        source_system="S4H-100", default_timezone="UTC", options={"keep_leading_zeros": True}, received_at=RECEIVED
    ),
]
EXAMPLES = Path(__file__).parents[2] / "examples" / "sap"
SAMPLES = sorted({p.name: p for p in [*FIXTURES.glob("idoc_*.xml"), *EXAMPLES.glob("idoc_*.xml")]}.values())


def _same(text: MappingResult, tree: MappingResult) -> None:
    assert [codecs.encode(e) for e in text.events] == [codecs.encode(e) for e in tree.events]
    assert (text.records_in, text.converted, text.warnings) == (tree.records_in, tree.converted, tree.warnings)
    assert not text.rejects  # the text reader never answers with a reject: the tree words them


def _agree(doc: bytes | str, ctx: MappingContext) -> bool:
    """Whether the text reader answered; when it did, its result is the tree reader's."""
    tree = MAPPER._from_tree(doc, ctx)
    text = MAPPER._from_text(doc, ctx)
    if text is not None:
        _same(text, tree)
    full = MAPPER.to_canonical(doc, ctx)
    stamp_meta(tree, effective_meta(None, ctx))  # to_canonical writes the payload's received time in
    assert [codecs.encode(e) for e in full.events] == [codecs.encode(e) for e in tree.events]
    assert [r.to_dict() for r in full.rejects] == [r.to_dict() for r in tree.rejects]
    return text is not None


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_plain_samples_take_the_text_reader_and_agree(path: Path) -> None:
    doc = path.read_bytes()
    for ctx in CONTEXTS:
        answered = _agree(doc, ctx)
        if not MAPPER._from_tree(doc, ctx).rejects:
            assert answered, "a plain sample that converts cleanly is read from its text"
        _agree(doc.decode(), ctx)


TRICKY = [
    (b"<E1AFKOL", b'<E1AFKOL xmlns="urn:x"'),  # a default namespace
    (b"<AUART>PP01</AUART>", b"<AUART><![CDATA[PP01]]></AUART>"),
    (b"<AUART>PP01</AUART>", b"<AUART>PP01</AUART><!-- note -->"),
    (b"<AUART>PP01</AUART>", b"<AUART>PP01</AUART><?pi x?>"),
    (b"<AUART>PP01</AUART>", b"<AUART>P&#80;01</AUART>"),
    (b"<AUART>PP01</AUART>", b"<AUART>PP01&amp;</AUART>"),
    (b'SEGMENT="1"', b'SEGMENT="1>2"'),
    (b"<AUART>PP01</AUART>", b"<AUART>\r\n  PP01 \r\n</AUART>"),
    (b"<AUART>PP01</AUART>", b"<AUART/>"),
    (b"<AUART>PP01</AUART>", b"<AUART>PP01</AUART>tail text"),
    (b"<AUART>PP01</AUART>", b"<AUART>mixed<X>1</X></AUART>"),
    (b"<AUART>PP01</AUART>", b"<AUART>\xc2\xa0PP01\xc2\xa0</AUART>"),
]


@pytest.mark.parametrize(("old", "new"), TRICKY, ids=[new.decode("latin-1")[:30] for _, new in TRICKY])
def test_tricky_markup_gives_the_tree_result(old: bytes, new: bytes) -> None:
    doc = (FIXTURES / "idoc_loipro05_production_order.xml").read_bytes()
    assert old in doc
    _agree(doc.replace(old, new, 1), CONTEXTS[0])
    _agree(b"\xef\xbb\xbf" + doc, CONTEXTS[0])


def _mutate(doc: bytes, rng: random.Random) -> bytes:
    root = etree.fromstring(doc)
    for _ in range(rng.randint(1, 4)):
        elements = [e for e in root.iter() if isinstance(e.tag, str) and e is not root]
        if not elements:
            break
        target = rng.choice(elements)
        parent = target.getparent()
        action = rng.choice(["drop", "dup", "garble", "empty", "pad", "move"])
        if action == "drop" and parent is not None:
            parent.remove(target)
        elif action == "dup" and parent is not None:
            parent.insert(parent.index(target), etree.fromstring(etree.tostring(target)))
        elif action == "garble" and len(target) == 0:
            target.text = rng.choice(["", " ", "x", "0000", "12.5-", "1E3", "99999999", "<>", "a>b", "  ST  "])
        elif action == "empty":
            target.text = None
        elif action == "pad" and len(target) == 0 and target.text:
            target.text = f"{rng.choice(['', ' ', chr(9), chr(10)])}{target.text}{rng.choice(['', ' ', chr(10)])}"
        elif action == "move" and parent is not None and parent.getparent() is not None:
            parent.remove(target)
            parent.getparent().append(target)
    return bytes(etree.tostring(root, xml_declaration=rng.random() < 0.5, encoding="UTF-8"))


@settings(max_examples=120, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), index=st.integers(min_value=0, max_value=len(SAMPLES) - 1))
def test_mutated_documents_agree(seed: int, index: int) -> None:
    _agree(_mutate(SAMPLES[index].read_bytes(), random.Random(seed)), CONTEXTS[seed % len(CONTEXTS)])
