"""Posting: the difference between a fact the MES *requests* the ERP to book and the fact the ERP *posted*.

A time ticket IDoc, a goods-movement request or an OData POST body says "please post this": its entity
carries ``posting.state = requested``. The ERP's answer (an RFC response, an OData response or error body,
an interface row's status) is a :class:`PostingResult` that names the request by its external id. The ERP's
own record of the booked fact carries ``posting.state = posted``. :func:`count_once` states which of these a
consumer counts, so that a fact seen in both directions is never counted twice.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from typing import Annotated, Any, NamedTuple

import msgspec

from mfgcanon.types import Code, Identifier, Instant, doc
from mfgcanon.v1._base import Entity, Record, check_window, reject
from mfgcanon.v1.common import CompanyId, Properties, Source


class PostingState(enum.StrEnum):
    """Where a fact stands in the ERP."""

    REQUESTED = "requested"
    """Sent to the ERP (or about to be), not yet acknowledged."""
    POSTED = "posted"
    """Booked by the ERP: it has a document for it."""
    FAILED = "failed"
    """Refused by the ERP; nothing was booked."""
    CANCELLED = "cancelled"
    """Withdrawn before posting, or posted and cancelled by the ERP."""
    OTHER = "other"


class MessageSeverity(enum.StrEnum):
    """Severity of an ERP message (SAP BAPIRET2 TYPE S/I/W/E/A; Oracle and D365 error levels)."""

    SUCCESS = "success"
    """The ERP reports that the action succeeded (SAP TYPE S)."""
    INFO = "info"
    """Information only; nothing to act on (SAP TYPE I; the log of a D365 message that was processed)."""
    WARNING = "warning"
    """Worth a look, but no refusal by itself (SAP TYPE W; an Oracle EBS interface message on a row that did not
    fail)."""
    ERROR = "error"
    """The ERP refused the posting for this reason: nothing was booked (SAP TYPE E; a failed Oracle EBS interface
    row; a failed D365 message)."""
    ABORT = "abort"
    """A severe error that stopped processing altogether; as with error, nothing was booked (SAP TYPE A or X)."""
    OTHER = "other"


class PostingMessage(Record, frozen=True, kw_only=True):
    """One message the ERP returned for a posting (SAP BAPIRET2 row, OData error detail, interface error)."""

    severity: Annotated[MessageSeverity, doc("How serious the message is.")]
    severity_source_code: Annotated[Code | None, doc("Source severity, verbatim (SAP TYPE 'E').")] = None
    code: Annotated[Code | None, doc("Message id and number, e.g. SAP 'RU/505', an OData error code.")] = None
    text: Annotated[str | None, doc("Message text as the ERP wrote it.")] = None
    target: Annotated[str | None, doc("Field or parameter the message is about, where the ERP names one.")] = None


class Posting(Record, frozen=True, kw_only=True):
    """The posting block of a confirmation or goods movement: requested, posted, failed or cancelled."""

    state: Annotated[PostingState, doc("Where the fact stands in the ERP.")]
    state_source_code: Annotated[Code | None, doc("Source status, verbatim (EBS PROCESS_STATUS '3').")] = None
    external_id: Annotated[Identifier | None, doc(
        "The sender's id of the request (MES transaction id, Oracle SourceSystemId): links request, outcome."
    )] = None
    target_system: Annotated[Identifier | None, doc("The system asked to post it, as configured.")] = None
    document_id: Annotated[Identifier | None, doc(
        "The ERP's document once posted (confirmation number/counter, material document/year).")] = None
    requested_at: Annotated[Instant | None, doc("When the request was sent.")] = None
    posted_at: Annotated[Instant | None, doc("When the ERP booked it (or refused it).")] = None
    messages: Annotated[list[PostingMessage], doc("Messages the ERP returned.")] = msgspec.field(
        default_factory=list)

    def __post_init__(self) -> None:
        check_window(self.requested_at, self.posted_at, "posted_at", "requested_at")


class RequestKind(enum.StrEnum):
    """What a posting request asked for."""

    CONFIRMATION = "confirmation"
    """Report yield, scrap and times for an order or operation (SAP confirmation IDoc and API; Oracle EBS move
    transactions; D365 report as finished and route card)."""
    MATERIAL_MOVEMENT = "material_movement"
    """Book a goods movement: an issue, a receipt or scrap (SAP material document API; Oracle EBS material
    transactions; D365 picking list)."""
    ORDER_STATUS = "order_status"
    """Change an order's status, e.g. start or end it (D365 start and end messages)."""
    INSPECTION_RESULT = "inspection_result"
    """Record inspection results or a usage decision (SAP inspection lot API)."""
    OTHER = "other"


class PostingResult(Entity, frozen=True, kw_only=True, tag="posting_result"):
    """The ERP's answer to a posting request: succeeded (a document was booked) or failed (messages say why).

    It references the request by ``request_external_id`` (or ``request_event_id``): consumers join it to
    the requested fact, never count it as a second fact.
    """

    result_id: Annotated[Identifier, doc("Key of this outcome, e.g. the response document and line.")]
    outcome: Annotated[PostingState, doc("posted, failed or cancelled (requested is not an outcome).")]
    outcome_source_code: Annotated[Code | None, doc("Source status or return type, verbatim.")] = None
    request_kind: Annotated[RequestKind, doc("What was requested.")]
    request_kind_source_code: Annotated[Code | None, doc("Source name of the request, verbatim.")] = None
    request_external_id: Annotated[Identifier | None, doc("The sender's id of the request it answers.")] = None
    request_event_id: Annotated[uuid.UUID | None, doc("The CloudEvents id of the request event, where known.")] = None
    target_system: Annotated[Identifier, doc("The ERP that answered, as configured.")]
    target_document_type: Annotated[Code | None, doc("Kind of document posted, e.g. 'confirmation', "
                                                     "'material_document'.")] = None
    target_document_id: Annotated[Identifier | None, doc("The ERP document booked, when it succeeded.")] = None
    posted_ids: Annotated[list[Identifier], doc(
        "Canonical ids of the facts booked (confirmation ids, movement ids).")] = msgspec.field(default_factory=list)
    company_id: CompanyId = None
    plant: Annotated[Identifier | None, doc("Plant of the request, where known.")] = None
    order_id: Annotated[Identifier | None, doc("Order the request was about, where known.")] = None
    operation_id: Annotated[Identifier | None, doc("Operation the request was about, where known.")] = None
    messages: Annotated[list[PostingMessage], doc("Messages the ERP returned.")] = msgspec.field(
        default_factory=list)
    requested_at: Annotated[Instant | None, doc("When the request was sent, where known.")] = None
    processed_at: Annotated[Instant, doc("When the ERP processed the request.")]
    properties: Properties = msgspec.field(default_factory=list)
    source: Source = None

    def __post_init__(self) -> None:
        if self.outcome is PostingState.REQUESTED:
            reject("outcome", "a posting result is an outcome: posted, failed, cancelled or other",
                   "constraint_violation")
        if self.request_external_id is None and self.request_event_id is None and not self.posted_ids:
            reject("request_external_id", "a posting result must name its request (external id or event id) "
                   "or the facts it posted", "missing_field")
        check_window(self.requested_at, self.processed_at, "processed_at", "requested_at")


def fact_key(entity: Any) -> tuple[str, str]:
    """The identity a fact is counted under: (kind, key).

    A fact that went through a request is known by the sender's external id in every direction (the
    request, the ERP's posted record, the outcome): ``(kind, "ext:" + external_id)``. Otherwise by its own
    canonical id (``confirmation_id``, ``movement_id``).
    """
    kind = type(entity).__name__
    posting: Posting | None = getattr(entity, "posting", None)
    if posting is not None and posting.external_id:
        return kind, f"ext:{posting.external_id}"
    return kind, f"id:{_own_id(entity)}"


def _own_id(entity: Any) -> str | None:
    """A fact's own canonical id: a movement's ``confirmation_id`` is a link to another fact, not its id."""
    own = getattr(entity, "movement_id", None)
    if own is None:
        own = getattr(entity, "confirmation_id", None)
    return own if isinstance(own, str) else None


class CountedFact(NamedTuple):
    """One fact after :func:`count_once`: the entity to count and what is known of its posting (not a wire type)."""

    key: tuple[str, str]
    entity: Any
    state: PostingState
    results: list[PostingResult]


def _state(entity: Any) -> PostingState:
    posting: Posting | None = getattr(entity, "posting", None)
    return PostingState.POSTED if posting is None else posting.state


_RANK = {PostingState.POSTED: 4, PostingState.CANCELLED: 3, PostingState.FAILED: 2, PostingState.OTHER: 1,
         PostingState.REQUESTED: 0}


def count_once(items: Iterable[Any]) -> list[CountedFact]:
    """Apply the counting rule to confirmations, movements and posting results (entities or their events).

    The rule (docs/model.md, "Posting"):

    1. A confirmation or movement without a posting block is a posted fact (what ERPs and 1.0/1.1 mappers send).
    2. Facts with the same :func:`fact_key` are one fact: the request and the ERP's posted record of it
       count once. The entity kept is the posted one where there is one, else the latest seen.
    3. A posting result never adds a fact: it sets the state of the fact its ``request_external_id`` names
       (posted or failed), and is kept in ``results``.
    4. Count yield, scrap and stock from facts whose state is ``posted``; ``requested`` facts are open
       requests (confirmation success rate), ``failed`` ones are posting failures.
    """
    facts: dict[tuple[str, str], CountedFact] = {}
    outcomes: list[PostingResult] = []
    for item in items:
        entity = getattr(item, "data", item)
        if isinstance(entity, PostingResult):
            outcomes.append(entity)
            continue
        if _own_id(entity) is None:
            continue
        key = fact_key(entity)
        state = _state(entity)
        known = facts.get(key)
        if known is None or _RANK[state] >= _RANK[known.state]:
            facts[key] = CountedFact(key=key, entity=entity, state=state,
                                     results=known.results if known is not None else [])
    by_external: dict[str, list[tuple[str, str]]] = {}
    for key in facts:
        if key[1].startswith("ext:"):
            by_external.setdefault(key[1][4:], []).append(key)
    for result in outcomes:
        for key in by_external.get(result.request_external_id or "", []):
            fact = facts[key]
            state = fact.state if _RANK[fact.state] >= _RANK[result.outcome] else result.outcome
            facts[key] = CountedFact(key=fact.key, entity=fact.entity, state=state, results=[*fact.results, result])
    return list(facts.values())
