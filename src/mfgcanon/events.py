"""Version-neutral event machinery: idempotency keys, deterministic event ids, subjects, sources.

CloudEvents treats two events with the same ``source`` and ``id`` as duplicates. Deriving ``id`` from
the source document's identity (a UUIDv5 of the idempotency key) makes a re-delivered IDoc or
re-polled OData record produce the same event id, so consumers deduplicate for free.
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1c2b7e-3d54-5f0a-9a3e-1b8c0d2e4f60")
"""The UUIDv5 namespace of mfgcanon event ids. Changing it would change every event id: never do."""

TYPE_PREFIX = "mfgcanon"
SPEC_VERSION = "1.0"


def idempotency_key(
    *, system: str, document_type: str | None, document_id: str, line: str | None, event_type: str,
    revision: str | None,
) -> str:
    """``system|document_type|document_id|line|event_type|revision``, with ``-`` for what is absent."""
    parts = (system, document_type or "-", document_id, line or "-", event_type, revision or "-")
    return "|".join(part.replace("|", "%7C") for part in parts)


def event_id(key: str) -> uuid.UUID:
    """The deterministic CloudEvents ``id`` for an idempotency key."""
    return uuid.uuid5(NAMESPACE, key)


def segment(value: str) -> str:
    """One path segment of a subject: ``%``, ``/`` and ``:`` inside business keys are percent-encoded."""
    return value.replace("%", "%25").replace("/", "%2F").replace(":", "%3A")


def subject(*parts: str) -> str:
    """A CloudEvents ``subject`` such as ``production-order/1710/1000123``: a literal head, keyed tail."""
    head, *keys = parts
    return "/".join([head, *(segment(key) for key in keys)])


def source_uri(system: str, plant: str | None) -> str:
    """The CloudEvents ``source``: ``urn:mfgcanon:{system}`` or ``urn:mfgcanon:{system}:{plant}``."""
    text = f"urn:mfgcanon:{segment(system)}"
    return f"{text}:{segment(plant)}" if plant else text
