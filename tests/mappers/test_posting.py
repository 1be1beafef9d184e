"""Posting states and outcomes over the SAP channels (docs/model.md, "Posting"): requests the MES sends
(time ticket IDoc, MBGMCR, OData POST bodies) are ``requested``; SAP's answers (the confirmation-posting RFC
response, the OData POST response, an OData error body) are posting results that reference the request; and
a consumer listening to both directions counts each confirmation once (``count_once``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mfgcanon.mappers import MappingContext, MappingResult, PayloadMeta, get
from mfgcanon.v1 import count_once
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.inventory import MaterialMovement
from mfgcanon.v1.posting import MessageSeverity, PostingResult, PostingState, RequestKind

from .conftest import sample

IDOC = get("sap-idoc")
ODATA = get("sap-odata")
RECEIVED = datetime(2024, 1, 17, 12, tzinfo=UTC)
EXTERNAL = "3f2b9c1e-7d41-4c8e-9a55-0b6f1d2e8a90"  # EX_IDENT = ExternalSystemConfirmation in the samples
CTX = MappingContext.build(
    source_system="S4H-100",
    plants={"1710": "America/Los_Angeles"},
    system_timezone="UTC",
    options={"default_plant": "1710"},
)


def _run(mapper_name: str, payload: bytes, meta: PayloadMeta | None = None) -> MappingResult:
    mapper = IDOC if mapper_name == "idoc" else ODATA
    result = mapper.to_canonical(payload, CTX, meta=meta or PayloadMeta(received_at=RECEIVED))
    assert not result.rejects, [r.to_dict() for r in result.rejects]
    result.assert_balanced()
    return result


def _confirmations(result: MappingResult) -> list[ProductionConfirmation]:
    return [e.data for e in result.events if isinstance(e.data, ProductionConfirmation)]


def _results(result: MappingResult) -> list[PostingResult]:
    return [e.data for e in result.events if isinstance(e.data, PostingResult)]


def test_time_ticket_idoc_is_a_request() -> None:
    result = _run("idoc", sample("idoc_ppcc2pretticket02_confirmation.xml"))
    (confirmation,) = _confirmations(result)
    posting = confirmation.posting
    assert posting is not None
    assert (posting.state, posting.external_id, posting.target_system) == (PostingState.REQUESTED, EXTERNAL, "S4H-100")
    assert posting.requested_at == datetime(2024, 1, 16, 14, 31, 5, tzinfo=UTC)  # CREDAT/CRETIM, system clock UTC
    (movement,) = [e.data for e in result.events if isinstance(e.data, MaterialMovement)]
    assert movement.posting is not None
    assert (movement.posting.state, movement.posting.external_id) == (PostingState.REQUESTED, None)  # not derived
    assert movement.occurred_at == confirmation.ended_at  # the ticket's end: a business time


def test_odata_post_body_is_a_request_and_the_response_is_posted() -> None:
    request = _run("odata", sample("odata_prodnordconf2_post_request.json"))
    (asked,) = _confirmations(request)
    assert asked.posting is not None
    assert (asked.posting.state, asked.posting.external_id) == (PostingState.REQUESTED, EXTERNAL)
    assert not _results(request)
    assert {e.data.posting.state for e in request.events if isinstance(e.data, MaterialMovement)} == {"requested"}

    response = _run("odata", sample("odata_prodnordconf2_post_response.json"))
    (booked,) = _confirmations(response)
    assert booked.posting is not None
    assert (booked.posting.state, booked.posting.document_id) == (PostingState.POSTED, "412001/1")
    assert booked.posting.external_id == EXTERNAL
    assert booked.posting.posted_at == datetime(2024, 1, 16, 22, 31, 5, tzinfo=UTC)  # ConfirmationEntryDate/Time
    (outcome,) = _results(response)
    assert type(response.events[-1]).__name__ == "PostingSucceeded"
    assert (outcome.request_external_id, outcome.target_document_id) == (EXTERNAL, "412001/1")
    assert outcome.request_kind is RequestKind.CONFIRMATION
    assert outcome.processed_at == booked.posting.posted_at  # the payload's time, not the received time
    assert response.records_in == 1  # the outcome is a second event of the same record


def test_material_document_post_bodies_are_requests() -> None:
    for name in ("odata_material_document_post_goods_issue_261_request.json",
                 "odata_material_document_post_goods_receipt_101_request.json"):
        for event in _run("odata", sample(name)).events:
            assert event.data.posting is not None
            assert (event.data.posting.state, event.data.posting.external_id) == (PostingState.REQUESTED, None)
    (read,) = _run("odata", sample("odata_material_document_get_response.json")).events
    assert read.data.posting is None  # SAP's own document: a posted fact


def test_counting_rule_over_request_and_response_pairs() -> None:
    """IDoc request, OData request (the same external id, a retry over another channel), the OData POST
    response: one confirmation, posted, the SAP record kept, the outcome attached."""
    events = [
        *_run("idoc", sample("idoc_ppcc2pretticket02_confirmation.xml")).events,
        *_run("odata", sample("odata_prodnordconf2_post_request.json")).events,
        *_run("odata", sample("odata_prodnordconf2_post_response.json")).events,
    ]
    facts = [f for f in count_once(events) if f.key[0] == "ProductionConfirmation"]
    (fact,) = facts
    assert fact.key == ("ProductionConfirmation", f"ext:{EXTERNAL}")
    assert fact.state is PostingState.POSTED
    assert fact.entity.confirmation_id == "412001/1"  # the posted record is the one kept
    assert [r.target_document_id for r in fact.results] == ["412001/1"]
    # the request alone is an open request, not yield
    (alone,) = [f for f in count_once(events[:1]) if f.key[0] == "ProductionConfirmation"]
    assert alone.state is PostingState.REQUESTED


def test_counting_rule_with_the_rfc_response() -> None:
    """A time ticket sent with EX_IDENT 'MES-CONF-77', answered by the CO_MES_PRODORDCONF_CREATE_TT response
    that echoes it: the request is posted; a refusal makes it failed; a later success wins."""
    ticket = sample("idoc_ppcc2pretticket02_confirmation.xml").replace(EXTERNAL.encode(), b"MES-CONF-77")
    request = _run("idoc", ticket).events
    response = sample("rfc_co_mes_prodordconf_create_tt_response.xml")
    refused = response.replace(b"<TYPE>I</TYPE>", b"<TYPE>E</TYPE>", 1)
    success = _run("idoc", response).events
    failure = _run("idoc", refused).events
    assert [type(e).__name__ for e in failure] == ["PostingFailed"]

    def state(events: list) -> PostingState:  # type: ignore[type-arg]
        (fact,) = [f for f in count_once(events) if f.key[0] == "ProductionConfirmation"]
        return fact.state

    assert state(request) is PostingState.REQUESTED
    assert state([*request, *success]) is PostingState.POSTED
    assert state([*request, *failure]) is PostingState.FAILED
    assert state([*request, *failure, *success]) is PostingState.POSTED  # a retry that succeeded


def _error_body() -> bytes:
    return sample("odata_error_response.json")


def test_odata_error_body_is_a_posting_failed_event() -> None:
    meta = PayloadMeta(received_at=RECEIVED, message_id="resp-1", headers={"Request-External-Id": EXTERNAL})
    result = _run("odata", _error_body(), meta)
    (event,) = result.events
    assert type(event).__name__ == "PostingFailed"
    failed = event.data
    assert (failed.outcome, failed.request_external_id) == (PostingState.FAILED, EXTERNAL)
    assert failed.request_kind is RequestKind.CONFIRMATION  # API_PROD_ORDER_CONFIRMATION_2_SRV
    (message,) = failed.messages  # the top message and its identical error detail: one message
    assert (message.severity, message.code) == (MessageSeverity.ERROR, "RU/505")
    assert message.text is not None
    assert "exceeds operation quantity" in message.text
    assert failed.processed_at == datetime(2024, 1, 16, 14, 31, 5, 123456, tzinfo=UTC)  # innererror.timestamp
    assert event.recordedtime == RECEIVED
    assert failed.source is not None
    assert failed.source.message_id == "resp-1"
    request = _run("odata", sample("odata_prodnordconf2_post_request.json")).events
    (fact,) = [f for f in count_once([*request, event]) if f.key[0] == "ProductionConfirmation"]
    assert fact.state is PostingState.FAILED


def test_odata_error_body_details_and_received_time() -> None:
    body = json.loads(_error_body())
    del body["error"]["innererror"]["timestamp"]
    body["error"]["innererror"]["errordetails"].append(
        {"code": "RU/999", "message": "Check the order", "severity": "warning", "target": "OrderID"})
    meta = PayloadMeta(received_at=RECEIVED, headers={"request-external-id": "X-1"})
    (event,) = _run("odata", json.dumps(body).encode(), meta).events
    assert event.data.processed_at == RECEIVED  # no time in the body: processed when received
    warning = event.data.messages[-1]
    assert (warning.severity, warning.severity_source_code, warning.target) == (
        MessageSeverity.WARNING, "warning", "OrderID")


def test_odata_error_body_without_its_request_is_a_source_error_reject() -> None:
    result = ODATA.to_canonical(_error_body(), CTX, meta=PayloadMeta(received_at=RECEIVED))
    result.assert_balanced()
    assert not result.events
    (reject,) = result.rejects
    assert reject.code == "source_error"
    assert "RU/505" in reject.reason
    assert "request-external-id" in reject.reason


@pytest.mark.parametrize("name", ["odata_prodnordconf2_post_response.json", "odata_prodnordconf2_post_request.json"])
def test_no_run_time_anywhere(name: str) -> None:
    """Converting the same payload twice gives the same events, received time or not."""
    assert ODATA.to_canonical(sample(name), CTX).events == ODATA.to_canonical(sample(name), CTX).events
