"""The check every typed fast path must pass: whatever it answers, the mapper gives byte for byte what the
checked reader alone gives, and it answers only payloads the checked reader maps without a reject or a warning.
Shared by the SAP OData and Oracle Fusion fast-path tests (one rule, one place)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any
from unittest import mock

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, MappingResult


def dump(result: MappingResult) -> tuple[Any, ...]:
    """Everything a caller sees of a result, comparable: encoded events, rejects, warnings, counts, continuation."""
    return (
        [codecs.encode(e) for e in result.events],
        [r.to_dict() for r in result.rejects],
        result.warnings,
        (result.records_in, result.converted, result.derived),
        result.continuation,
    )


@contextmanager
def checked_only(module: ModuleType, entry: str) -> Iterator[None]:
    """The checked reader alone: the fast path's entry point ``module.entry`` declines every payload."""
    with mock.patch.object(module, entry, return_value=None):
        yield


def agree(mapper: Any, module: ModuleType, entry: str, doc: bytes | str, ctx: MappingContext) -> bool:
    """Whether the fast path answered ``doc``; either way ``to_canonical`` gives the checked reader's result."""
    with checked_only(module, entry):
        checked = mapper.to_canonical(doc, ctx)
    try_fast: Callable[[bytes | str, MappingContext], object] = getattr(module, entry)
    answered = try_fast(doc, ctx) is not None
    if answered:
        assert not checked.rejects, "the fast path answered a payload the checked reader rejects"
        assert not checked.warnings, "the fast path answered a payload the checked reader warns about"
    full = mapper.to_canonical(doc, ctx)
    if any("event time set to the run time" in w for w in checked.warnings):  # not reproducible: no bytes
        assert dump(full)[1:] == dump(checked)[1:]
        assert len(full.events) == len(checked.events)
    else:
        assert dump(full) == dump(checked)
    return answered
