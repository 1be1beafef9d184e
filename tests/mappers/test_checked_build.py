"""Entities built as plain data and checked in one ``msgspec.convert`` pass: every constraint still holds,
nested parts included (a struct instance nested in the data would pass unchecked)."""

from __future__ import annotations

import pytest

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, get

from .conftest import sample

LONG = "X" * 300


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("idoc_loipro05_production_order.xml", b"<AUART>PP01</AUART>", f"<AUART>{LONG}</AUART>".encode()),
        ("idoc_loipro05_production_order.xml", b"<ARBPL>", f"<ARBPL>{LONG}".encode()),
        ("idoc_mbgmcr03_goods_issue_261.xml", b"<BATCH>", f"<BATCH>{LONG}".encode()),
        ("idoc_mbgmcr03_goods_issue_261.xml", b"<STGE_LOC>", f"<STGE_LOC>{LONG}".encode()),
        ("idoc_matmas05_material.xml", b"<MATKL>", f"<MATKL>{LONG}".encode()),
        ("idoc_matmas05_material.xml", b"<LGPRO>", f"<LGPRO>{LONG}".encode()),  # nested plant data
        ("idoc_matmas05_material.xml", b"<UMREZ>4</UMREZ>", b"<UMREZ>0</UMREZ>"),  # nested hook: factor > 0
        (
            "idoc_batmas03_batch.xml",
            b'<E1BPBATCHATT SEGMENT="1">',
            f'<E1BPBATCHATT SEGMENT="1"><VENDRBATCH>{LONG}</VENDRBATCH>'.encode(),
        ),
        ("idoc_ppcc2pretticket02_confirmation.xml", b"<WORK_CNTR>", f"<WORK_CNTR>{LONG}".encode()),
    ],
)
def test_idoc_constraint_violations_become_rejects(name: str, old: bytes, new: bytes) -> None:
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})
    doc = sample(name)
    assert old in doc
    result = get("sap-idoc").to_canonical(doc.replace(old, new, 1), ctx)
    result.assert_balanced()
    assert result.rejects, "an over-long value must be rejected"
    assert {r.code for r in result.rejects} == {"constraint_violation"}, [(r.code, r.reason) for r in result.rejects]
    own = [r for r in result.rejects if not r.reason.startswith("its time ticket")]  # linked movements follow
    assert own
    assert all("canonical $." in r.location for r in own)
    for event in result.events:
        codecs.validate(event)


def test_idoc_source_system_from_the_control_record_is_checked() -> None:
    ctx = MappingContext.build(plants={"1710": "America/Los_Angeles"})  # no source_system: SNDPRN is used
    doc = sample("idoc_loipro05_production_order.xml")
    start = doc.index(b"<SNDPRN>") + len(b"<SNDPRN>")
    end = doc.index(b"</SNDPRN>")
    result = get("sap-idoc").to_canonical(doc[:start] + LONG.encode() + doc[end:], ctx)
    result.assert_balanced()
    assert not result.events
    assert result.rejects
    assert "source" in result.rejects[0].location, result.rejects[0]


def test_odata_order_operation_text_is_checked() -> None:
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"})
    doc = sample("odata_production_order_2_get_response.json")
    text = doc.replace(b'"WorkCenter": "', f'"WorkCenter": "{LONG}'.encode(), 1)
    assert text != doc
    result = get("sap-odata").to_canonical(text, ctx)
    result.assert_balanced()
    assert result.rejects
    assert not result.events
    assert "work_center_id" in result.rejects[0].location, result.rejects[0]
