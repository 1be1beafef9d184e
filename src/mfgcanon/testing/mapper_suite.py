"""A contract test suite for mappers: plugin authors subclass it and supply fixtures.

.. code-block:: python

    from mfgcanon.testing.mapper_suite import MapperContract

    class TestMyMapper(MapperContract):
        @pytest.fixture
        def mapper(self):
            return MyMapper()

        @pytest.fixture
        def sample_payloads(self):
            return [("order.json", Path("tests/data/order.json").read_bytes())]

Optional fixtures: ``context`` (a :class:`~mfgcanon.mappers.MappingContext`), ``garbage_payloads``
(inputs that must be rejected, never raise), ``expect_no_rejects`` (default ``True``: the samples are
expected to convert cleanly), ``foreign_payloads`` (``[(name, payload)]``: the other bundled formats'
samples, which ``sniff`` must refuse), ``expect_document_ids`` (default ``True``: every event built from a
record names its source document).

Checks: every event validates and survives an encode/decode round trip; events are of the types the
mapper declares; counts add up; rejects carry a code, a location and the payload; garbage gives
rejects, not exceptions, with built-in or registered codes; event ids and the whole NDJSON output are
deterministic on re-run (given a ``received_at`` in the context); ``sniff`` recognises the samples and refuses
the foreign ones; events carry their source document id; a context without time zones gives
``missing_timezone`` rejects, never guessed times; ``to_canonical_many`` of one payload equals
``to_canonical``; where ``from_canonical`` exists, writing the canonical values (one document or several,
``write_documents``) and reading them back is stable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from mfgcanon import codecs
from mfgcanon.errors import is_known_code
from mfgcanon.mappers import Mapper, MappingContext, MappingResult, map_payloads, write_documents
from mfgcanon.v1.events import Event

GARBAGE: tuple[bytes | str, ...] = (
    b"",
    b"\x00\xff\xfe garbage",
    "not a payload at all",
    b"{",
    b"[1, 2",
    b"<",
    b"<a><b></a>",
    b"{}",
    b"[]",
    b"null",
    b"42",
    "\ud800".encode("utf-8", "surrogatepass"),
    b"<?xml version='1.0'?><root/>",
    b'{"d": {"results": [1, "x", null]}}',
)


def _strip_source(entity: Any) -> Any:
    return msgspec.structs.replace(entity, source=None) if hasattr(entity, "source") else entity


class MapperContract:
    """Base class of the mapper contract tests; see the module docstring for the fixtures to supply."""

    @pytest.fixture
    def context(self) -> MappingContext:
        return MappingContext.build(source_system="CONTRACT-TEST", default_timezone="UTC")

    @pytest.fixture
    def garbage_payloads(self) -> list[bytes | str]:
        return list(GARBAGE)

    @pytest.fixture
    def expect_no_rejects(self) -> bool:
        return True

    @pytest.fixture
    def foreign_payloads(self) -> list[tuple[str, Any]]:
        return []

    @pytest.fixture
    def expect_document_ids(self) -> bool:
        return True

    def _run(self, mapper: Mapper, payload: Any, context: MappingContext) -> MappingResult:
        result = mapper.to_canonical(payload, context)
        assert isinstance(result, MappingResult)
        result.assert_balanced()
        return result

    def test_protocol(self, mapper: Mapper) -> None:
        assert isinstance(mapper, Mapper)
        assert isinstance(mapper.name, str)
        assert mapper.name
        assert mapper.produces, "a mapper declares the event types it produces"

    def test_samples_validate_and_balance(
        self, mapper: Mapper, sample_payloads: list[tuple[str, Any]], context: MappingContext, expect_no_rejects: bool
    ) -> None:
        assert sample_payloads, "supply at least one sample payload"
        for name, payload in sample_payloads:
            result = self._run(mapper, payload, context)
            if expect_no_rejects:
                assert not result.rejects, f"{name}: {[r.to_dict() for r in result.rejects]}"
            for event in result.events:
                assert type(event) in mapper.produces, f"{name}: {type(event).__name__} not declared in produces"
                assert codecs.validate(event) == event
                assert codecs.decode(codecs.encode(event), type=Event) == event
                assert event.time.utcoffset() is not None

    def test_event_ids_are_deterministic(
        self, mapper: Mapper, sample_payloads: list[tuple[str, Any]], context: MappingContext
    ) -> None:
        for name, payload in sample_payloads:
            first = [e.id for e in self._run(mapper, payload, context).events]
            second = [e.id for e in self._run(mapper, payload, context).events]
            assert first == second, name
            assert len(set(first)) == len(first), f"{name}: two events share an id"

    def test_output_is_byte_identical_on_rerun(
        self, mapper: Mapper, sample_payloads: list[tuple[str, Any]], context: MappingContext
    ) -> None:
        """The same payload and context give the same NDJSON, byte for byte (event times included).

        The context gets a ``received_at`` when it has none: a mapper may stamp undated payloads with it,
        never with the run time.
        """
        if context.received_at is None:
            context = dataclasses.replace(context, received_at=datetime(2024, 1, 1, tzinfo=UTC))
        for name, payload in sample_payloads:
            first = self._run(mapper, payload, context)
            second = self._run(mapper, payload, context)
            assert codecs.encode_lines(first.events) == codecs.encode_lines(second.events), name

    def test_sniff_recognises_samples(self, mapper: Mapper, sample_payloads: list[tuple[str, Any]]) -> None:
        for name, payload in sample_payloads:
            assert mapper.sniff(payload), name

    def test_sniff_refuses_foreign_samples(self, mapper: Mapper, foreign_payloads: list[tuple[str, Any]]) -> None:
        """Auto-detection needs exactly one taker: no mapper may claim another bundled format's samples."""
        if not foreign_payloads:
            pytest.skip("no foreign_payloads supplied")
        for name, payload in foreign_payloads:
            assert not mapper.sniff(payload), f"{mapper.name} claims the foreign sample {name}"

    def test_events_carry_source_document_id(
        self, mapper: Mapper, sample_payloads: list[tuple[str, Any]], context: MappingContext, expect_document_ids: bool
    ) -> None:
        """An event built from a record names the document it came from (derived events name their cause)."""
        if not expect_document_ids:
            pytest.skip("the samples carry no document ids")
        for name, payload in sample_payloads:
            for event in self._run(mapper, payload, context).events:
                if getattr(event, "causationid", None) is not None:
                    continue  # derived from another event: its causation names the origin
                source = getattr(getattr(event, "data", None), "source", None)
                assert source is not None, f"{name}: {type(event).__name__} has no source"
                assert source.document_id or source.business_document_id, (
                    f"{name}: {type(event).__name__} {event.subject} names no source document"
                )

    def test_naive_times_need_a_zone(
        self, mapper: Mapper, sample_payloads: list[tuple[str, Any]], context: MappingContext
    ) -> None:
        """Without any zone in the context, a record with a local time is a ``missing_timezone`` reject; the
        events still produced are exactly those produced with the zones (their times never guessed)."""
        zoneless = dataclasses.replace(
            context, plant_timezones={}, default_timezone=None, system_timezone=None,
            company_plant_timezones={}, company_timezones={},
        )
        for name, payload in sample_payloads:
            zoned = self._run(mapper, payload, context)
            bare = self._run(mapper, payload, zoneless)
            # The business data and the id must not change; the envelope ``time`` may fall back to the
            # context's received_at when the payload's own (local) creation time cannot be read.
            with_zones = {(e.id, codecs.encode(e.data)) for e in zoned.events}  # type: ignore[attr-defined]
            for event in bare.events:
                key = (event.id, codecs.encode(event.data))  # type: ignore[attr-defined]
                assert key in with_zones, f"{name}: {event.subject} differs without time zones (a guessed time?)"
            before = sorted(r.code for r in zoned.rejects)
            extra = [r.code for r in bare.rejects]
            for code in before:
                if code in extra:
                    extra.remove(code)
            assert set(extra) <= {"missing_timezone"}, f"{name}: {extra}"

    def test_many_of_one_is_one(
        self, mapper: Mapper, sample_payloads: list[tuple[str, Any]], context: MappingContext
    ) -> None:
        """``to_canonical_many`` (or its default, each payload mapped alone) over one payload is ``to_canonical``;
        over all samples it balances."""
        for name, payload in sample_payloads:
            alone = self._run(mapper, payload, context)
            many = map_payloads(mapper, [payload], context, [None])
            many.assert_balanced()
            assert codecs.encode_lines(many.events) == codecs.encode_lines(alone.events), name
            assert (many.records_in, many.converted, many.rejected) == (
                alone.records_in, alone.converted, alone.rejected), name
        map_payloads(mapper, [p for _, p in sample_payloads], context, [None] * len(sample_payloads)).assert_balanced()

    def test_write_documents_reads_back(
        self, mapper: Mapper, sample_payloads: list[tuple[str, Any]], context: MappingContext
    ) -> None:
        """Every document ``write_documents`` gives (the default: one ``from_canonical``) maps back without rejects,
        and together they hold every entity written."""
        if not getattr(mapper, "accepts", ()):
            pytest.skip(f"{mapper.name} is inbound only")
        checked = 0
        for name, entities in self._writable(mapper, sample_payloads, context):
            documents = write_documents(mapper, entities, context)
            assert documents, name
            back: list[Any] = []
            for document in documents:
                assert document.kind, name
                result = self._run(mapper, document.payload, context)
                assert not result.rejects, [r.to_dict() for r in result.rejects]
                back.extend(e.data for e in result.events if isinstance(e.data, tuple(mapper.accepts)))  # type: ignore[attr-defined]
            assert len(back) == len(entities), name
            checked += 1
        if not checked:
            pytest.skip("no sample converts to a type from_canonical accepts")

    def _writable(
        self, mapper: Mapper, sample_payloads: list[tuple[str, Any]], context: MappingContext
    ) -> Iterator[tuple[str, list[Any]]]:
        """(sample name, the entities it maps to that the mapper can write back), for samples that have any."""
        for name, payload in sample_payloads:
            data = [getattr(e, "data", None) for e in self._run(mapper, payload, context).events]
            entities = [d for d in data if isinstance(d, tuple(mapper.accepts))]
            if entities:
                yield name, entities

    def test_garbage_gives_rejects(self, mapper: Mapper, garbage_payloads: list[Any], context: MappingContext) -> None:
        for payload in garbage_payloads:
            result = self._run(mapper, payload, context)  # must not raise
            assert result.records_in >= 1 or not result.events, repr(payload)
            for reject in result.rejects:
                self.check_reject(reject)

    def check_reject(self, reject: Any) -> None:
        assert is_known_code(reject.code), reject.code
        assert reject.reason
        assert reject.location.startswith(("/", "#")), reject.location
        assert isinstance(reject.payload, str | bytes)

    def test_round_trip_is_stable(
        self, mapper: Mapper, sample_payloads: list[tuple[str, Any]], context: MappingContext
    ) -> None:
        """canonical -> vendor -> canonical gives the same values, and a second pass changes nothing."""
        if not getattr(mapper, "accepts", ()):
            pytest.skip(f"{mapper.name} is inbound only")
        checked = 0
        for name, entities in self._writable(mapper, sample_payloads, context):
            once = self.round_trip(mapper, entities, context)
            twice = self.round_trip(mapper, once, context)
            assert sorted(map(repr, map(_strip_source, once))) == sorted(map(repr, map(_strip_source, twice))), name
            assert len(once) == len(entities), name
            checked += 1
        if not checked:
            pytest.skip("no sample converts to a type from_canonical accepts")

    def round_trip(self, mapper: Mapper, entities: list[Any], context: MappingContext) -> list[Any]:
        payload = mapper.from_canonical(entities, context)
        result = self._run(mapper, payload, context)
        assert not result.rejects, [r.to_dict() for r in result.rejects]
        # like with like: what the reader derives besides (a hold from a lot's status) is not written back
        return [e.data for e in result.events if isinstance(e.data, tuple(mapper.accepts))]  # type: ignore[attr-defined]
