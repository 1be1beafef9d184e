"""Oracle E-Business Suite open-interface rows <-> canonical events.

Inbound: ``WIP_JOB_SCHEDULE_INTERFACE`` rows -> orders; ``MTL_TRANSACTIONS_INTERFACE`` rows joined with their
``MTL_TRANSACTION_LOTS_INTERFACE`` / ``MTL_SERIAL_NUMBERS_INTERFACE`` rows -> movements; ``WIP_MOVE_TXN_INTERFACE``
rows (grouped by ``REFERENCE``, else ``SOURCE_CODE``/``GROUP_ID``) -> confirmations. A pending row is a request
(posting ``requested``); a processed one (``PROCESS_STATUS`` / ``PROCESS_FLAG`` error or complete, with
``ERROR_MESSAGE`` / ``ERROR_EXPLANATION``) is a posting outcome. Outbound: movements -> MTI rows with their lot
and serial rows, confirmations -> WIP move rows.

Rows come as JSON (an object keyed by table name, a list of rows, a row) or CSV (one table per file, its
header naming the columns); :meth:`OracleEbsMapper.to_canonical_many` joins lot and serial rows to their
transaction across payloads (files), and one without its transaction is an ``unmatched_record`` reject.
:meth:`OracleEbsMapper.document_files` gives a document as one CSV file per table (``mfgcanon convert --to
oracle-ebs``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from mfgcanon.errors import MappingError
from mfgcanon.mappers import helpers
from mfgcanon.mappers._base import (
    BaseMapper,
    Document,
    MappingResult,
    Payload,
    PayloadMeta,
    effective_meta,
    stamp_meta,
)
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.oracle import common as oc
from mfgcanon.mappers.oracle import ebs_jobs as ej
from mfgcanon.mappers.oracle import ebs_rows as er
from mfgcanon.mappers.oracle import ebs_transactions as et
from mfgcanon.mappers.oracle.common import Fields
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.events import (
    InventoryMoved,
    InventoryReceived,
    MaterialIssued,
    MaterialScrapped,
    PostingFailed,
    PostingSucceeded,
    ProductionConfirmed,
    ProductionOrderCancelled,
    ProductionOrderClosed,
    ProductionOrderCompleted,
    ProductionOrderReleased,
    ProductionOrderUpdated,
)
from mfgcanon.v1.inventory import MaterialMovement


class OracleEbsMapper(BaseMapper):
    """Oracle EBS open interfaces: job rows in; material, lot, serial and WIP move rows both ways."""

    name: ClassVar[str] = oc.EBS
    description: ClassVar[str] = (
        "Oracle E-Business Suite open-interface rows (JSON or CSV): WIP_JOB_SCHEDULE_INTERFACE in; "
        "MTL_TRANSACTIONS_INTERFACE (+ lots, serials) and WIP_MOVE_TXN_INTERFACE both ways; interface "
        "statuses as posting outcomes"
    )
    produces: ClassVar[tuple[type[Any], ...]] = (
        ProductionOrderReleased, ProductionOrderUpdated, ProductionOrderCompleted, ProductionOrderClosed,
        ProductionOrderCancelled, ProductionConfirmed, MaterialIssued, MaterialScrapped, InventoryReceived,
        InventoryMoved, PostingSucceeded, PostingFailed,
    )
    accepts: ClassVar[tuple[type[Any], ...]] = (ProductionConfirmation, MaterialMovement)

    def sniff(self, payload: Payload) -> bool:
        data: Any = payload
        if isinstance(payload, bytes | str):
            head = payload[:65536]  # the header line is enough: a large file is not decoded to be sniffed
            text = head.decode("utf-8", "replace") if isinstance(head, bytes) else head
            if text.lstrip("\ufeff \t\r\n")[:1] not in ("{", "["):
                return er.looks_like_csv(text)
            try:
                data = helpers.decode_json(payload)
            except MappingError:
                return False
        rows = er.json_rows(data)
        return rows is not None and any(r.table for r in rows[:50])

    def to_canonical(
        self, payload: Payload, context: MappingContext | None = None, meta: PayloadMeta | None = None
    ) -> MappingResult:
        return self.to_canonical_many([payload], context, metas=[meta])

    def to_canonical_many(
        self, payloads: Sequence[Payload], context: MappingContext | None = None,
        metas: Sequence[PayloadMeta | None] | None = None,
    ) -> MappingResult:
        """Every payload's rows together, so lot and serial rows (often a file of their own) join their
        transaction row; each event gets the metadata of the payload its main row came from."""
        base = context or MappingContext()
        infos = [effective_meta(m, base) for m in (metas or [None] * len(payloads))]
        if len(infos) != len(payloads):
            raise MappingError(f"{len(payloads)} payloads but {len(infos)} metadata", code="invalid_context")
        contexts = [base if i.received_at == base.received_at else dataclasses.replace(base, received_at=i.received_at)
                    for i in infos]
        result = MappingResult()
        rows: list[er.Row] = []
        for number, payload in enumerate(payloads):
            rows.extend(self._rows(number, payload, len(payloads), result))
        lots: dict[str, list[er.Row]] = {}
        serials: dict[str, list[er.Row]] = {}
        moves: list[er.Row] = []
        for row in rows:
            if row.table in (er.LOTS, er.SERIALS):
                key = Fields(row.data, row.pointer, base).s("TRANSACTION_INTERFACE_ID") or ""
                (lots if row.table == er.LOTS else serials).setdefault(key, []).append(row)

        def run(row: er.Row, work: Any, records: int = 1, data: Any = None) -> None:
            start = len(result.events)
            oc.guard(result, self.name, row.pointer, row.data if data is None else data, work, records, row.line)
            stamp_meta(result, infos[row.number], start)

        for row in rows:
            ctx = contexts[row.number]
            f = Fields(row.data, row.pointer, ctx)
            if row.table == er.WJSI:
                run(row, functools.partial(ej.job, f, result))
            elif row.table == er.MTI:
                link = row.data.get("TRANSACTION_INTERFACE_ID")
                join = f.s("TRANSACTION_INTERFACE_ID") if isinstance(link, str | int) else None
                mine = lots.pop(join, []) if join else []
                numbers = serials.pop(join, []) if join else []
                run(row, functools.partial(
                    et.material_row, f, [Fields(r.data, r.pointer, ctx) for r in mine],
                    [Fields(r.data, r.pointer, ctx) for r in numbers], result),
                    1 + len(mine) + len(numbers), [row.data, *(r.data for r in mine + numbers)])
            elif row.table == er.WMTI:
                moves.append(row)
            elif row.table in (er.LOTS, er.SERIALS):
                continue
            else:
                oc.reject(result, self.name, "unsupported_message" if isinstance(row.data, Mapping) else
                          "type_mismatch", "not a row of a supported EBS interface table (" + ", ".join(er.TABLES)
                          + ")", row.pointer, row.data, row.line)
        self._moves(moves, contexts, infos, result)
        for kind, left in (("lot", lots), ("serial", serials)):
            for key, orphans in left.items():
                for row in orphans:
                    oc.reject(result, self.name, "unmatched_record",
                              f"{kind} row of TRANSACTION_INTERFACE_ID {key!r}, whose {er.MTI} row is not in the batch "
                              "(convert them together)", row.pointer, row.data, row.line)
        return result

    def _moves(self, moves: list[er.Row], contexts: list[MappingContext], infos: list[PayloadMeta],
               result: MappingResult) -> None:
        """Processed move rows are outcomes one by one; pending ones are grouped into confirmations."""
        pending: list[tuple[er.Row, Fields]] = []
        for row in moves:
            f = Fields(row.data, row.pointer, contexts[row.number])
            start = len(result.events)
            try:
                state, raw = ej.state_of(f, er.WMTI)
            except MappingError as exc:
                oc.guard(result, self.name, row.pointer, row.data, functools.partial(_raise, exc), 1, row.line)
                continue
            if ej.is_outcome(state):
                oc.guard(result, self.name, row.pointer, row.data,
                         functools.partial(et.move_outcome, f, result, state, raw), 1, row.line)
                stamp_meta(result, infos[row.number], start)
            else:
                pending.append((row, f))
        groups: dict[str, list[tuple[er.Row, Fields]]] = {}
        for row, f in pending:
            key: str | None = None
            try:
                key = et.confirmation_key(f)
            except MappingError as exc:
                oc.guard(result, self.name, row.pointer, row.data, functools.partial(_raise, exc), 1, row.line)
                continue
            groups.setdefault(key, []).append((row, f))
        for key, members in groups.items():
            first = members[0][0]
            start = len(result.events)
            oc.guard(result, self.name, first.pointer if len(members) == 1 else first.pointer.rpartition("/")[0],
                     [r.data for r, _ in members],
                     functools.partial(et.move_rows, [f for _, f in members], key, result), len(members), first.line)
            stamp_meta(result, infos[first.number], start)

    def _rows(self, number: int, payload: Payload, count: int, result: MappingResult) -> list[er.Row]:
        prefix = f"#{number}" if count > 1 else ""
        data: Any = payload
        if isinstance(payload, bytes | str):
            try:
                text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
                text.encode("utf-8")
            except UnicodeError:
                oc.reject(result, self.name, "malformed_payload", "not UTF-8 text", prefix or "/",
                          payload.decode("utf-8", "backslashreplace") if isinstance(payload, bytes)
                          else payload.encode("utf-8", "backslashreplace").decode())
                return []
            if text.lstrip("\ufeff \t\r\n")[:1] not in ("{", "[") and er.looks_like_csv(text):
                found = er.csv_rows(text)
                for row in found:
                    row.pointer, row.number = f"{prefix}{row.pointer}", number
                return found
            try:
                data = helpers.decode_json(text)
            except MappingError as exc:
                oc.reject(result, self.name, "malformed_payload", f"neither interface rows as JSON nor CSV with a "
                          f"header of an interface table ({exc.message})", prefix or "/", text[:1_000_000])
                return []
        else:
            problem = oc.unwritable(data)
            if problem is not None:
                oc.reject(result, self.name, "malformed_payload", problem, prefix or "/", repr(data)[:10_000])
                return []
        found_rows = er.json_rows(data, prefix)
        if found_rows is None:
            oc.reject(result, self.name, "malformed_payload",
                      f"expected interface rows (an object keyed by table, a list of rows), got {type(data).__name__}",
                      prefix or "/", oc.fragment(data))
            return []
        if not found_rows:
            oc.reject(result, self.name, "missing_field", "no interface rows", prefix or "/", oc.fragment(data))
        kept = []
        for row in found_rows:
            if not isinstance(row.data, Mapping):  # a row is an object of columns; anything else is refused here
                oc.reject(result, self.name, "malformed_payload",
                          f"an interface row must be an object of columns, got {type(row.data).__name__}",
                          row.pointer or "/", oc.fragment(row.data))
                continue
            row.number = number
            kept.append(row)
        return kept

    # ------------------------------------------------------------------ outbound
    def write_documents(self, items: Iterable[Any], context: MappingContext | None = None) -> list[Document]:
        """Two documents at most: the material transactions with their lot and serial rows (kind
        ``MTL_TRANSACTIONS_INTERFACE``) and the WIP moves (``WIP_MOVE_TXN_INTERFACE``); each a dict of table ->
        rows, so that a document reads back on its own."""
        ctx = context or MappingContext()
        material: dict[str, list[dict[str, Any]]] = {er.MTI: [], er.LOTS: [], er.SERIALS: []}
        moves: list[dict[str, Any]] = []
        for entry in items:
            entity = getattr(entry, "data", entry)
            if isinstance(entity, MaterialMovement):
                for table, rows in et.material_rows(entity, ctx, self.name).items():
                    material[table].extend(rows)
            elif isinstance(entity, ProductionConfirmation):
                moves.extend(et.move_rows_out(entity, ctx, self.name))
            else:
                raise MappingError(f"{self.name} cannot write a {type(entity).__name__}", code="unmappable_value")
        documents = []
        if material[er.MTI]:
            documents.append(Document(er.MTI, et.rows_of(material)))
        if moves:
            documents.append(Document(er.WMTI, {er.WMTI: moves}))
        return documents

    def from_canonical(self, items: Iterable[Any], context: MappingContext | None = None) -> Any:
        """Every table's rows in one object keyed by table name (the shape :meth:`to_canonical` reads)."""
        tables: dict[str, Any] = {}
        for document in self.write_documents(items, context):
            assert isinstance(document.payload, Mapping)
            tables.update(document.payload)
        return tables

    def document_files(self, kind: str, payload: Any) -> list[tuple[str, bytes]]:
        """A written document as files: one CSV per table (``<TABLE>.csv``), for ``mfgcanon convert --to``."""
        if not isinstance(payload, Mapping):
            raise MappingError(f"{kind}: not a table of rows", code="unmappable_value")
        return [(f"{table}.csv", er.to_csv(rows)) for table, rows in payload.items()]


def _raise(exc: Exception) -> None:
    raise exc


__all__ = ["OracleEbsMapper"]
