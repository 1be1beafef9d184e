"""Version-neutral event machinery: idempotency keys, deterministic event ids, subjects, sources.

CloudEvents treats two events with the same ``source`` and ``id`` as duplicates. Deriving ``id`` from
the source document's identity (a UUIDv5 of the idempotency key) makes a re-delivered IDoc or
re-polled OData record produce the same event id, so consumers deduplicate for free.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

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
    try:
        key = "|".join(parts)
    except TypeError:  # a part that is not text: the escaping below fails as it always did
        key = ""
    if key.count("|") == 5:  # no separator inside a part (the usual case): nothing to escape
        return key
    return "|".join(part.replace("|", "%7C") for part in parts)


@functools.cache
def _namespace_sha1() -> Any:
    """SHA-1 already fed with the namespace bytes: each id copies it, instead of hashing the prefix again.

    Built on first use, so ``import mfgcanon`` does not import :mod:`hashlib`.
    """
    import hashlib

    return hashlib.sha1(NAMESPACE.bytes)


def event_id(key: str) -> uuid.UUID:
    """The deterministic CloudEvents ``id`` for an idempotency key: ``uuid.uuid5(NAMESPACE, key)``, with
    the namespace prefix hashed once (tests/model/test_event_ids.py checks equality with ``uuid.uuid5``)."""
    sha1 = _namespace_sha1().copy()
    sha1.update(bytes(key, "utf-8"))
    return uuid.UUID(bytes=sha1.digest()[:16], version=5)


def segment(value: str) -> str:
    """One path segment of a subject: ``%``, ``/`` and ``:`` inside business keys are percent-encoded."""
    if type(value) is str and "%" not in value and "/" not in value and ":" not in value:
        return value  # the usual key: three lookups are cheaper than three replaces
    # str subclasses come out as plain str, and non-text fails, as always
    return value.replace("%", "%25").replace("/", "%2F").replace(":", "%3A")


@functools.lru_cache(maxsize=1024)
def source_uri(system: str, plant: str | None) -> str:
    """The CloudEvents ``source``: ``urn:mfgcanon:{system}`` or ``urn:mfgcanon:{system}:{plant}``.

    Cached: a deployment has a handful of systems and plants, and every event needs its source.
    """
    text = f"urn:mfgcanon:{segment(system)}"
    return f"{text}:{segment(plant)}" if plant else text
