"""SAP semantics both channels agree on (IDoc and OData): final-confirmation modes, confirmation ids,
operations keyed by sequence, reversal references, status changes, released orders, usage decisions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mfgcanon.mappers import MappingContext, get
from mfgcanon.v1 import ProductionConfirmation

from .conftest import sample

IDOC = get("sap-idoc")
ODATA = get("sap-odata")


def _odata(name: str, edit: Any) -> bytes:
    """An OData sample with its (first) record edited in place by ``edit``."""
    doc = json.loads(sample(name))
    record = doc["d"]["results"][0] if "results" in doc.get("d", {}) else doc.get("d", doc)
    edit(record)
    return json.dumps(doc).encode()


def _confirmations(payload: bytes, mapper: Any, ctx: MappingContext) -> list[ProductionConfirmation]:
    result = mapper.to_canonical(payload, ctx)
    assert not result.rejects, result.rejects
    return [e.data for e in result.events if isinstance(e.data, ProductionConfirmation)]


# ---------------------------------------------------------------- 1. final-confirmation modes
@pytest.mark.parametrize(("mode", "final"), [("X", True), ("1", False), ("", False)])
def test_final_confirmation_mode_in_both_channels(ctx: MappingContext, mode: str, final: bool) -> None:
    """FIN_CONF / FinalConfirmationType: X final, 1 automatic final (SAP decides when it posts: not final),
    blank partial. Both channels agree and keep the mode verbatim."""
    ctx = MappingContext.build(source_system="S4H-100", plants={"1710": "America/Los_Angeles"},
                               options={"default_plant": "1710"})
    idoc = sample("idoc_ppcc2pretticket02_confirmation.xml").replace(
        b"<FIN_CONF>X</FIN_CONF>", f"<FIN_CONF>{mode}</FIN_CONF>".encode())
    (from_idoc,) = _confirmations(idoc, IDOC, ctx)

    def edit(r: dict[str, Any]) -> None:
        r["FinalConfirmationType"] = mode
        r["IsFinalConfirmation"] = final  # what SAP reports beside the mode

    from_odata = _confirmations(_odata("odata_prodnordconf2_post_response.json", edit), ODATA, ctx)[0]
    for c in (from_idoc, from_odata):
        assert c.is_final is final
        assert c.final_confirmation_source_code == (mode or None)


@pytest.mark.parametrize("mode", ["X", "1"])
def test_final_confirmation_mode_goes_back_out(ctx: MappingContext, mode: str) -> None:
    """The writers send the mode back: an automatic final confirmation stays automatic."""
    idoc = sample("idoc_ppcc2pretticket02_confirmation.xml").replace(
        b"<FIN_CONF>X</FIN_CONF>", f"<FIN_CONF>{mode}</FIN_CONF>".encode())
    (c,) = _confirmations(idoc, IDOC, ctx)
    assert f"<FIN_CONF>{mode}</FIN_CONF>".encode() in IDOC.from_canonical([c], ctx)
    body = ODATA.from_canonical([c], ctx)
    assert body["FinalConfirmationType"] == mode
    assert body["IsFinalConfirmation"] is (mode == "X")
