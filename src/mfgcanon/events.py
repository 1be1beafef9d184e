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
    """``system|document_type|document_id|line|event_type|revision``: injective, so two documents never share one.

    An absent optional part is ``-``; inside a part ``%`` becomes ``%25`` and ``|`` becomes ``%7C``; an
    optional part that *is* ``-`` is written ``%2D`` and an empty one stays empty, so neither reads as
    absent. Keys without ``%``, ``|``, a literal ``-`` or an empty optional part are unchanged from
    mfgcanon 0.1 (the usual case: the fast path below returns them as built).
    """
    key = "|".join((system, document_type or "-", document_id, line or "-", event_type, revision or "-"))
    if (key.count("|") == 5 and "%" not in key and document_type and line and revision
            and document_type != "-" and line != "-" and revision != "-"):
        return key  # nothing to escape and every optional part present and not "-"
    return "|".join((_part(system), _optional(document_type), _part(document_id), _optional(line),
                     _part(event_type), _optional(revision)))


def _part(value: str) -> str:
    """One part with ``%`` and ``|`` percent-encoded (``%`` first, so the encoding can be undone)."""
    if "%" in value or "|" in value:
        return value.replace("%", "%25").replace("|", "%7C")
    return value


def _optional(value: str | None) -> str:
    """An optional part: ``-`` when absent, ``%2D`` for a literal ``-``, otherwise :func:`_part`."""
    if value is None:
        return "-"
    if value == "-":
        return "%2D"
    return _part(value)


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
