"""ConfirmBOD (V0401, V0600, V07: the ``Confirm`` verb with ``BOD`` nouns) -> posting outcomes (Model 1.2):
``integration.posting_succeeded`` / ``integration.posting_failed``.

One record per ``BOD``: the acknowledgement of one document sent before, named by its
``OriginalApplicationArea/BODID`` (else, for a single BOD, the ``Confirm`` verb's). The writer of this package sets
a document's BODID from the id of the event it writes, so a BODID that is a UUID is also the request's
``request_event_id``; the BODID itself is always ``request_external_id``. The outcome is the verb's
``ResponseCriteria``: ``ResponseExpression/@actionCode`` (Accepted, Modified, Rejected), else ``ChangeStatus/Code``,
through the ``[confirm_outcome]`` code list; the system that answered (``target_system``) is the acknowledgement's
``Sender/LogicalID``, else the context's source system. One criterion answers every BOD; as many criteria as BODs
answer them in order; anything else leaves a BOD without an outcome, a reject (never a guessed outcome). Messages:
the BOD's ``Description`` / ``Note`` texts and the criterion's ``ChangeStatus`` description and reasons.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers.b2mml import reader as rd
from mfgcanon.mappers.b2mml.reader import Document, Node
from mfgcanon.mappers.context import MappingContext
from mfgcanon.v1.events import PostingFailed, PostingSucceeded
from mfgcanon.v1.posting import PostingResult, PostingState

_OUTCOMES = ("posted", "failed", "cancelled", "other")
_KINDS = ("confirmation", "material_movement", "order_status", "inspection_result", "other")


def confirmations(doc: Document, ctx: MappingContext, result: MappingResult) -> None:
    data = doc.root.one("DataArea")
    verb = data.one("Confirm") if data is not None else None
    bods = rd.nouns(doc)
    criteria = [c for c in (verb.all("ResponseCriteria") if verb is not None else []) if _outcome_text(c)]
    for index, bod in enumerate(bods):
        if len(criteria) == 1:
            criterion: Node | None = criteria[0]
        elif len(criteria) == len(bods):
            criterion = criteria[index]
        else:
            criterion = None
        rd.guard(result, bod, lambda b=bod, c=criterion: _bod(  # type: ignore[misc]
            doc, b, verb, c, len(criteria), len(bods), ctx, result))


def _outcome_text(criterion: Node) -> str | None:
    expression = criterion.one("ResponseExpression")
    code = (expression.el.get("actionCode") or "").strip() if expression is not None else ""
    return code or criterion.text("ChangeStatus", "Code")


def _bod(doc: Document, bod: Node, verb: Node | None, criterion: Node | None, criteria: int, bods: int,
         ctx: MappingContext, result: MappingResult) -> None:
    original = bod.one("OriginalApplicationArea")
    if original is None or original.text("BODID") is None:
        original = verb.one("OriginalApplicationArea") if verb is not None and bods == 1 else original
    bod_id = rd.ident(original, "BODID")
    if not bod_id:
        raise rd.fail(bod, "OriginalApplicationArea/BODID", MappingError(
            "the acknowledgement names no original BODID (BOD/OriginalApplicationArea/BODID): a posting outcome "
            "must name the request it answers", code="missing_field"))
    if criterion is None:
        why = "none" if criteria == 0 else f"{criteria} for {bods} BODs"
        raise rd.fail(verb or bod, "ResponseCriteria", MappingError(
            f"no outcome for this BOD (Confirm/ResponseCriteria with ResponseExpression/@actionCode or "
            f"ChangeStatus/Code: {why}); an outcome is never guessed", code="missing_field"))
    raw = _outcome_text(criterion) or ""
    outcome = rd.code(ctx, "confirm_outcome", raw)
    if outcome is None or outcome not in _OUTCOMES:
        raise rd.fail(criterion, "ResponseExpression", MappingError(
            f"acknowledgement outcome {raw!r} is not in the [confirm_outcome] code list (Accepted, Modified, "
            'Rejected...): add it with [codes."b2mml.confirm_outcome"] in the context file',
            code="unmappable_value"))
    status = criterion.one("ChangeStatus")
    plant = rd.plant_of(doc, ctx, doc.root.one("ApplicationArea"), required=False)
    processed = _processed(doc, ctx, status, plant, bod)
    requested = _time_of(original, "CreationDateTime", ctx, plant) if original is not None else None
    if requested is not None and requested > processed:
        result.warnings.append(f"{bod.where()}: the original document was created after the acknowledgement was "
                               "processed (clocks apart?): requested_at left empty")
        requested = None
    kind = ctx.vendor(rd.NAME).get("confirm_request_kind", "other")
    if kind not in _KINDS:
        raise MappingError(f"[vendors.b2mml] confirm_request_kind = {kind!r}: one of {', '.join(_KINDS)}",
                           code="invalid_context", path="vendors.b2mml.confirm_request_kind")
    severity = "error" if outcome == "failed" else "info"
    messages: list[dict[str, Any]] = [{"severity": severity, "text": text} for text in _texts(bod, status)]
    if status is not None and status.text("ReasonCode"):
        messages.insert(0, {"severity": severity, "code": status.text("ReasonCode"),
                            "text": status.text("Description")})
    target = doc.sender or ctx.source_system  # who answered: the acknowledgement's sender, as configured else
    if not target:
        raise MappingError("no target system: the acknowledgement has no ApplicationArea/Sender/LogicalID and the "
                           "mapping context no source_system", code="missing_identity",
                           path=f"/{doc.root.name}/ApplicationArea")
    position = bod.where().rpartition("/")[2]
    entity = helpers.convert(
        {
            "result_id": f"{doc.bod_id or bod_id}/{position}" if bods > 1 else (doc.bod_id or f"ack:{bod_id}"),
            "outcome": outcome,
            "outcome_source_code": raw[:64],
            "request_kind": kind,
            "request_external_id": bod_id,
            "request_event_id": _uuid(bod_id),
            "target_system": target,
            "plant": plant,
            "messages": messages,
            "requested_at": requested,
            "processed_at": processed,
            "properties": _properties(original),
            "source": doc.source(ctx, line=bod_id, fallback_id=bod_id),
        },
        PostingResult,
    )
    event_cls = PostingSucceeded if entity.outcome is PostingState.POSTED else PostingFailed
    helpers.emit_checked(result, event_cls, entity, time=processed)


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _time_of(node: Node, name: str, ctx: MappingContext, plant: str | None) -> datetime | None:
    text = node.text(name)
    return rd.instant(text, ctx, plant, path=node.where(name)) if text else None


def _processed(doc: Document, ctx: MappingContext, status: Node | None, plant: str | None, bod: Node) -> datetime:
    """When the receiver processed the document: ``ChangeStatus/EffectiveDateTime``, else the acknowledgement's
    ``CreationDateTime``, else the context's received_at; never the run time."""
    if status is not None:
        found = _time_of(status, "EffectiveDateTime", ctx, plant)
        if found is not None:
            return found
    created = doc.created_at(ctx, plant)
    if created is not None:
        return created
    if ctx.received_at is not None:
        return ctx.received_at
    raise MappingError("the acknowledgement has no CreationDateTime and the context no received_at: no time",
                       code="missing_field", path=bod.where())


def _texts(bod: Node, status: Node | None) -> list[str]:
    texts = [t for t in (n.own_text() for n in bod.all("Description", "Note")) if t]
    if status is not None and not status.text("ReasonCode"):
        texts += [t for t in (n.own_text() for n in status.all("Description")) if t]
    if status is not None:
        texts += [t for t in (n.own_text() for n in status.all("Reason")) if t]
    return texts


def _properties(original: Node | None) -> list[dict[str, Any]]:
    """The original document's sender and creation time as sent (what a consumer joins on besides the BODID)."""
    if original is None:
        return []
    out = []
    for name, path in (("b2mml.original_sender", ("Sender", "LogicalID")),
                       ("b2mml.original_created", ("CreationDateTime",))):
        value = original.text(*path)
        if value:
            out.append({"name": name, "value": value, "data_type": "string"})
    return out
