"""Large IDoc documents are read one IDOC at a time (memory: the events and one IDOC's tree, not the whole
document's tree), with exactly the result of the whole-tree reader; one IDOC above ``max_idoc_bytes`` is
refused (``document_too_large``) rather than held whole."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, MappingResult, get
from mfgcanon.mappers._base import effective_meta, stamp_meta
from mfgcanon.mappers.sap import idoc, idoc_reader
from mfgcanon.mappers.sap.idoc import SapIdocMapper

from .conftest import FIXTURES
from .test_idoc_text_reader import CONTEXTS, SAMPLES, _mutate

MAPPER = get("sap-idoc")
assert isinstance(MAPPER, SapIdocMapper)
IDOC_XML = sorted([*SAMPLES, *FIXTURES.glob("rfc_*.xml")])


def _tree(doc: bytes | str, ctx: MappingContext) -> MappingResult:
    with idoc_reader._located():
        return MAPPER._from_tree(doc, ctx)


def _stamped(result: MappingResult, ctx: MappingContext) -> MappingResult:
    """What ``to_canonical`` adds to either reader's result: the payload's transport metadata."""
    stamp_meta(result, effective_meta(None, ctx))
    return result


def _same(found: MappingResult, expected: MappingResult) -> None:
    assert [codecs.encode(e) for e in found.events] == [codecs.encode(e) for e in expected.events]
    assert [r.to_dict() for r in found.rejects] == [r.to_dict() for r in expected.rejects]
    assert (found.records_in, found.converted, found.warnings) == (
        expected.records_in,
        expected.converted,
        expected.warnings,
    )


def _agree(doc: bytes | str, ctx: MappingContext, monkeypatch: pytest.MonkeyPatch, chunk: int = 64) -> bool:
    """Whether the streaming reader answered (every document is streamed here); the result is always the tree's."""
    monkeypatch.setattr(idoc, "_STREAM_FROM", 0)
    monkeypatch.setattr(idoc, "_STREAM_CHUNK", chunk)
    streamed = MAPPER._from_stream(doc, ctx)
    if streamed is not None:
        _same(streamed, _tree(doc, ctx))
    _same(MAPPER.to_canonical(doc, ctx), _stamped(_tree(doc, ctx), ctx))
    return streamed is not None


def _several(path: Path, copies: int) -> bytes:
    """The sample with its IDOC repeated: a document of several IDOCs (positions IDOC[i] in every XPath)."""
    doc = path.read_bytes()
    start, end = doc.index(b"<IDOC"), doc.rindex(b"</IDOC>") + len(b"</IDOC>")
    return doc[:start] + b"\n  ".join([doc[start:end]] * copies) + doc[end:]


@pytest.mark.parametrize("path", IDOC_XML, ids=lambda p: p.name)
def test_samples_stream_with_the_tree_result(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = path.read_bytes()
    for ctx in CONTEXTS:
        answered = _agree(doc, ctx, monkeypatch)
        assert answered == (b"<IDOC" in doc)  # RFC responses have no IDOC: read from the tree
        _agree(doc.decode(), ctx, monkeypatch, chunk=4096)
        if b"<IDOC" in doc:
            assert _agree(_several(path, 3), ctx, monkeypatch)


ODD = [
    b"<R><IDOC><EDI_DC40><MESTYP>LOIWCS</MESTYP></EDI_DC40></IDOC><X>1</X><IDOC/><IDOC><A><IDOC/></A></IDOC></R>",
    b"<R><X/><IDOC><EDI_DC40><MESTYP>NOPE</MESTYP></EDI_DC40></IDOC>tail<!-- c --><IDOC>x</IDOC></R>",
    b'<s:R xmlns:s="urn:sap-com:document:sap:idoc:soap:messages"><s:IDOC><E1MBGMCR/></s:IDOC></s:R>',
    b"<IDOC><EDI_DC40><MESTYP>MBGMCR</MESTYP></EDI_DC40></IDOC>",  # the root is the IDOC
    b"<R><A/><B/></R>",  # no IDOC at all
    b"<R><IDOC><E1MBGMCR/></IDOC><IDOC><E1MBGMCR/>",  # cut short after the first IDOC
    b'<R><IDOC/><IDOC xmlns:xi="http://www.w3.org/2001/X&#73;nclude"><xi:include href="x"/></IDOC></R>',
    b'<R><IDOC/><IDOC/><Z xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="x"/></Z></R>',
]


@pytest.mark.parametrize("doc", ODD, ids=range(len(ODD)))
def test_odd_shapes_give_the_tree_result(doc: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    _agree(doc, CONTEXTS[0], monkeypatch, chunk=7)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), index=st.integers(min_value=0, max_value=len(SAMPLES) - 1))
def test_mutated_documents_stream_with_the_tree_result(seed: int, index: int) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        doc = _mutate(_several(SAMPLES[index], 1 + seed % 3), random.Random(seed))
        _agree(doc, CONTEXTS[seed % len(CONTEXTS)], monkeypatch, chunk=1 + seed % 500)


def _most_idocs_held(doc: bytes, monkeypatch: pytest.MonkeyPatch) -> int:
    """The most IDOC elements the document's tree held at once while its IDOCs were mapped."""
    held: list[int] = []
    real = SapIdocMapper._idoc

    def counting(self: SapIdocMapper, el: Any, *args: Any) -> None:
        held.append(sum(1 for _ in el.getparent().iterchildren("{*}IDOC")))
        real(self, el, *args)

    monkeypatch.setattr(SapIdocMapper, "_idoc", counting)
    result = MAPPER.to_canonical(doc, MappingContext.build(source_system="S", plants={"1710": "UTC"}))
    assert len(result.events) == 2 * len(held)
    return max(held)


def test_the_tree_holds_one_chunk_of_idocs_not_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory is bounded by what one chunk of input builds plus the IDOC being mapped, whatever the document's
    size: 600 IDOCs of ~1.8 KB read in 4 KB chunks never have more than 4 in the tree (read whole: 600)."""
    monkeypatch.setattr(idoc, "_STREAM_FROM", 0)
    monkeypatch.setattr(idoc, "_STREAM_CHUNK", 4096)
    doc = _several(FIXTURES / "idoc_mbgmcr03_goods_issue_261.xml", 600)
    assert _most_idocs_held(doc, monkeypatch) <= 4
    monkeypatch.setattr(idoc, "_STREAM_FROM", 1 << 40)  # the whole-tree reader, for comparison
    monkeypatch.setattr(SapIdocMapper, "_from_text", lambda self, payload, ctx: None)
    assert _most_idocs_held(doc, monkeypatch) == 600


def test_one_idoc_above_the_limit_refuses_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idoc, "_STREAM_CHUNK", 1024)
    path = FIXTURES / "idoc_mbgmcr03_goods_issue_261.xml"
    doc = path.read_bytes()
    item = doc[doc.index(b"<E1BP2017_GM_ITEM_CREATE") : doc.index(b"</E1BP2017_GM_ITEM_CREATE>") + 26]
    big = doc.replace(item, item * 400)  # one IDOC of ~250 KB
    ctx = MappingContext.build(source_system="S", plants={"1710": "UTC"}, options={"max_idoc_bytes": 100_000})
    result = MAPPER.to_canonical(big, ctx)
    (reject,) = result.rejects
    assert not result.events
    assert reject.code == "document_too_large"
    assert "options.max_idoc_bytes" in reject.reason
    assert reject.location == "/MBGMCR03/IDOC[1]"
    assert reject.line == doc[: doc.index(b"<IDOC")].count(b"\n") + 1
    many = _several(path, 400)  # as large, but in IDOCs of ~2 KB each: streamed, converted
    assert len(many) > len(big) / 2
    assert len(MAPPER.to_canonical(many, ctx).events) == 800
    root = big[big.index(b"<IDOC") : big.rindex(b"</IDOC>") + 7]  # the root itself an IDOC above the limit
    assert [r.code for r in MAPPER.to_canonical(root, ctx).rejects] == ["document_too_large"]


def test_rejected_idocs_are_freed_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Locating a reject caches sibling positions, which hold elements: they go with their IDOC."""
    monkeypatch.setattr(idoc, "_STREAM_FROM", 0)
    monkeypatch.setattr(idoc, "_STREAM_CHUNK", 4096)
    doc = _several(FIXTURES / "idoc_mbgmcr03_goods_issue_261.xml", 300).replace(b"<MOVE_TYPE>261", b"<MOVE_TYPE>")
    cached: list[int] = []
    real = SapIdocMapper._idoc

    def counting(self: SapIdocMapper, el: Any, *args: Any) -> None:
        real(self, el, *args)
        cached.append(sum(len(steps) for steps in idoc_reader._scope.steps.values()))

    monkeypatch.setattr(SapIdocMapper, "_idoc", counting)
    result = MAPPER.to_canonical(doc, MappingContext.build(source_system="S", plants={"1710": "UTC"}))
    assert len(result.rejects) == 600
    assert result.rejects[-1].location.startswith("/MBGMCR03/IDOC[300]/")
    assert max(cached) < 20, max(cached)  # one IDOC's positions at a time, not 300 IDOCs' worth
