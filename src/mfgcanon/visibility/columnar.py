"""The files path: the KPIs with polars (lazy, columnar) over NDJSON, Avro or Parquet files of canonical events.

Events are read into the raw shape of their JSON (envelope columns and a ``data`` struct) with the fields
the KPIs read (:data:`RAW_SCHEMA`), never inferred: polars parses NDJSON itself, in blocks, without a
Python object per event. :func:`facts` turns that shape into the fact table of
:mod:`mfgcanon.visibility.definitions` with expressions; one function per KPI computes its table from the
facts. :class:`PolarsBackend` groups them as the :class:`mfgcanon.visibility.seam.KpiBackend` a Spark
path implements next.

* **NDJSON** (``.ndjson``, ``.jsonl``, ``.json``): read natively, in blocks of whole lines (a progress
  callback is told the bytes done).
* **Parquet** (``.parquet``): the raw shape, as :func:`write_parquet` writes it (the KPI columns of the
  events, nested as in JSON).
* **Avro** (``.avro``): object container files of events (:func:`mfgcanon.avro.read_container`), decoded
  and checked by the model, then handed to polars as NDJSON: correct, not fast.

Figures equal the streaming calculator's on the same input (tested). Duplicates (the same event id) count
once, the first read; as of ``Params.as_of`` or the latest event time read.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from mfgcanon.errors import DecodeError, ValidationError
from mfgcanon.frames import _require
from mfgcanon.visibility import definitions as d
from mfgcanon.visibility.definitions import Params

DataFrame = Any
"""A ``polars.DataFrame`` (``Any`` at the boundary: polars is an optional extra)."""
LazyFrame = Any
"""A ``polars.LazyFrame``."""
Progress = Callable[[int], None]
"""Told the number of input bytes just read."""

BLOCK_BYTES: Final = 32 * 1024 * 1024
"""NDJSON is parsed in blocks of whole lines of about this size (memory stays bounded by the block and the
facts, never the whole file)."""

_T = "mfgcanon.{}.v1"
_MOVEMENT_TYPES: Final = [_T.format(n) for n in ("material.issued", "material.scrapped", "inventory.received",
                                                  "inventory.moved")]


def _pl() -> Any:
    return _require("polars", "frames")


def raw_schema() -> dict[str, Any]:
    """The raw shape the KPIs read: the envelope and the fields of ``data`` they use, as JSON has them."""
    pl = _pl()
    s, b = pl.String, pl.Boolean
    qty = pl.Struct({"value": s, "uom": s})
    loc = pl.Struct({"plant": s, "storage_location": s})
    messages = pl.List(pl.Struct({"severity": s, "code": s}))
    posting = pl.Struct({"state": s, "state_source_code": s, "external_id": s, "target_system": s,
                         "requested_at": s, "posted_at": s, "messages": messages})
    data = pl.Struct({
        "plant": s, "order_id": s, "status": s, "released_at": s, "confirmation_id": s, "movement_id": s,
        "yield_quantity": qty, "quantity": qty, "is_reversal": b, "posting": posting, "movement_type": s,
        "material_id": s, "lot_id": s, "special_stock_type": s, "special_stock_id": s, "to_location": loc,
        "from_location": loc, "location": loc, "to_stock_status": s, "from_stock_status": s, "stock_status": s,
        "occurred_at": s, "occurred_at_precision": s, "posted_at": s, "request_kind": s,
        "request_external_id": s, "outcome": s, "outcome_source_code": s, "target_system": s,
        "processed_at": s, "messages": messages, "snapshot_at": s, "nonconformance_id": s, "category": s,
        "detected_at": s, "closed_at": s, "hold": pl.Struct({"placed_at": s, "released_at": s}),
    })
    return {"id": s, "type": s, "time": s, "plant": s, "sourcesystem": s, "partitionkey": s, "data": data}


RAW_SCHEMA = raw_schema
"""Alias kept short for callers: ``RAW_SCHEMA()`` is the raw shape."""


# --- reading ---------------------------------------------------------------------------------------------------

def _blocks(path: Path, size: int) -> Iterator[bytes]:
    """Whole-line blocks of an NDJSON file."""
    with path.open("rb") as handle:
        rest = b""
        while True:
            chunk = handle.read(size)
            if not chunk:
                if rest.strip():
                    yield rest
                return
            chunk = rest + chunk
            cut = chunk.rfind(b"\n")
            if cut < 0:
                rest = chunk
                continue
            rest = chunk[cut + 1:]
            yield chunk[:cut + 1]


def _ndjson(buf: bytes, name: str) -> DataFrame:
    pl = _pl()
    try:
        # one chunk: the parser leaves ~100 per 50 MB, and every struct field read afterwards pays per chunk
        return pl.read_ndjson(io.BytesIO(buf), schema=raw_schema(), ignore_errors=False).rechunk()
    except pl.exceptions.PolarsError as exc:
        raise DecodeError(f"{name}: not NDJSON of canonical events ({str(exc).splitlines()[0]})",
                          code="malformed_input", path="$") from None


def _avro(path: Path) -> DataFrame:
    from mfgcanon import avro, codecs
    from mfgcanon.v1.events import Event

    with path.open("rb") as handle:
        events = list(avro.read_container(handle, type=Event))
    return _ndjson(codecs.encode_lines(events), str(path)) if events else _pl().DataFrame(schema=raw_schema())


def _parquet(path: Path) -> DataFrame:
    pl = _pl()
    try:
        return pl.read_parquet(path, columns=list(raw_schema())).cast(raw_schema())
    except pl.exceptions.PolarsError as exc:
        raise DecodeError(f"{path}: not a Parquet file of the KPI columns of canonical events "
                          f"({str(exc).splitlines()[0]})", code="malformed_input", path="$") from None


def read_raw(paths: Sequence[str | os.PathLike[str]], *, progress: Progress | None = None,
             block_bytes: int = BLOCK_BYTES) -> Iterator[DataFrame]:
    """The raw frames of the files, block by block (NDJSON) or file by file (Avro, Parquet)."""
    for name in paths:
        path = Path(name)
        suffix = path.suffix.lower()
        try:
            if suffix in (".ndjson", ".jsonl", ".json"):
                for block in _blocks(path, block_bytes):
                    yield _ndjson(block, str(path))
                    if progress:
                        progress(len(block))
                continue
            if suffix == ".avro":
                yield _avro(path)
            elif suffix == ".parquet":
                yield _parquet(path)
            else:
                raise ValidationError(f"{path}: unknown file type {suffix or '(none)'}: expected .ndjson, .jsonl, "
                                      ".json, .avro or .parquet", code="invalid_value", path="$")
        except OSError as exc:
            raise DecodeError(f"{path}: cannot read ({exc.strerror or exc})", code="malformed_input",
                              path="$") from None
        if progress:
            progress(path.stat().st_size)


def write_parquet(events_ndjson: Sequence[str | os.PathLike[str]], target: str | os.PathLike[str]) -> int:
    """Write the KPI columns of NDJSON event files to one Parquet file (the layout :func:`read_raw` reads);
    returns the number of events."""
    pl = _pl()
    frame = pl.concat(list(read_raw(events_ndjson)), how="vertical") if events_ndjson else pl.DataFrame(
        schema=raw_schema())
    frame.write_parquet(target)
    return int(frame.height)


def raw_from_events(events: Sequence[Any]) -> DataFrame:
    """The raw frame of canonical event objects (tests and notebooks holding events in memory)."""
    from mfgcanon import codecs

    return _ndjson(codecs.encode_lines(events), "events") if events else _pl().DataFrame(schema=raw_schema())


# --- the fact table --------------------------------------------------------------------------------------------

INSTANT_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%.f%#z"
"""RFC 3339 with an offset or Z, fraction optional: what the JSON codec writes (explicit: polars' inference
costs ten times the parse)."""


def _ts(expr: Any) -> Any:
    return expr.str.to_datetime(format=INSTANT_FORMAT, time_unit="us", time_zone="UTC")


def _flat(expr: Any, dtype: Any, prefix: str) -> list[Any]:
    """A struct's leaves as columns named by their dotted path; lists stay whole."""
    pl = _pl()
    out: list[Any] = []
    for child in dtype.fields:
        inner = expr.struct.field(child.name)
        name = f"{prefix}.{child.name}"
        if isinstance(child.dtype, pl.Struct):
            out += _flat(inner, child.dtype, name)
        else:
            out.append(inner.alias(name))
    return out


def facts(raw: LazyFrame, params: Params) -> LazyFrame:
    """The fact table (:data:`mfgcanon.visibility.definitions.FACT_COLUMNS`) of raw events, with polars."""
    pl = _pl()
    posting_state = pl.col("d.posting.state")  # present whenever the posting block is
    typ = pl.col("type")
    mes = pl.col("sourcesystem").is_in(sorted(params.mes_systems))
    plant = pl.col("d.plant")
    released_status = (typ == _T.format("production_order.status_changed")) & (pl.col("d.status") == "released")
    releaseish = (typ == _T.format("production_order.released")) | released_status

    def field(*names: str) -> Any:
        return pl.col(".".join(("d", *names)))

    def first_code(messages: Any) -> Any:
        element = pl.element().struct
        return messages.list.eval(
            pl.element().filter(element.field("severity").is_in(["error", "abort"])
                                & element.field("code").is_not_null()).struct.field("code")).list.first()

    def fact_key(kind: str, own: str) -> Any:
        ext = field("posting", "external_id")
        return pl.concat_str(pl.lit(kind + "|"), pl.when(ext.is_not_null()).then(pl.lit("ext:") + ext)
                             .otherwise(pl.lit("id:") + field(own)))

    def bucket(side: str) -> Any:
        status = field(f"{side}_stock_status").fill_null("unrestricted")
        return pl.concat_str([pl.coalesce(field(f"{side}_location", "plant"), plant), field("material_id"),
                              field(f"{side}_location", "storage_location").fill_null(""),
                              field("lot_id").fill_null(""), status, field("special_stock_type").fill_null(""),
                              field("special_stock_id").fill_null(""), field("quantity", "uom")], separator="|")

    # the fields of data as flat columns first ("d.posting.state"), materialised once: a branch's filter then
    # gathers only the columns it reads, never the whole data struct, and the ten branches share the parsing
    base = raw.select(pl.col("id"), _ts(pl.col("time")).alias("time"), pl.col("type"), pl.col("sourcesystem"),
                      pl.col("partitionkey"), *_flat(pl.col("data"), raw_schema()["data"], "d")).collect().lazy()
    null_s = pl.lit(None, dtype=pl.String)
    null_t = pl.lit(None, dtype=pl.Datetime("us", "UTC"))

    def select(frame: Any, role: str, key: Any, at: Any, **extra: Any) -> Any:
        columns = {"id": pl.col("id"), "time": pl.col("time"), "role": pl.lit(role), "key": key,
                   "plant": plant, "at": at, "end": null_t, "state": null_s, "kind": null_s, "vendor": null_s,
                   "code": null_s, "order": null_s, "conf": null_s,
                   "qty": pl.lit(None, dtype=pl.Decimal(38, 9)), "uom": null_s, "reversal": pl.lit(False),
                   "coarse": pl.lit(False), "bucket_in": null_s, "bucket_out": null_s}
        columns.update(extra)
        return frame.select(**{name: expr.alias(name) for name, expr in columns.items()})

    parts = []
    parts.append(select(base.filter(releaseish & ~mes), "release", pl.col("partitionkey"),
                        pl.coalesce(_ts(field("released_at")), pl.col("time"))))
    signs = ((releaseish & mes)
             | ((typ == _T.format("production_order.status_changed")) & (field("status") == "in_progress"))
             | ((typ == _T.format("operation.status_changed")) & (field("status") == "in_progress"))
             | (typ == _T.format("production.confirmed")))
    parts.append(select(base.filter(signs), "sign", pl.col("partitionkey"), pl.col("time")))

    confirmed = typ == _T.format("production.confirmed")
    moved = typ.is_in(_MOVEMENT_TYPES)
    state = posting_state
    for kind, own, which in (("confirmation", "confirmation_id", confirmed),
                             ("material_movement", "movement_id", moved)):
        parts.append(select(
            base.filter(which & posting_state.is_not_null()), "request", fact_key(kind, own),
            pl.coalesce(_ts(field("posting", "requested_at")), pl.col("time")), state=state, kind=pl.lit(kind),
            vendor=field("posting", "target_system"),
            code=pl.when(state == "failed").then(pl.coalesce(first_code(field("posting", "messages")),
                                                             field("posting", "state_source_code")))))

    results = typ.is_in([_T.format("integration.posting_succeeded"), _T.format("integration.posting_failed")])
    rkind = field("request_kind")
    outcome = field("outcome")
    parts.append(select(
        base.filter(results & rkind.is_in(["confirmation", "material_movement"])
                    & field("request_external_id").is_not_null()),
        "result", pl.concat_str(rkind, pl.lit("|ext:"), field("request_external_id")), _ts(field("processed_at")),
        state=outcome, kind=rkind, vendor=field("target_system"),
        code=pl.when(outcome != "posted").then(pl.coalesce(first_code(field("messages")),
                                                           field("outcome_source_code")))))

    mtype = field("movement_type")
    reversal = field("is_reversal").fill_null(False)
    into = pl.when(mtype.is_in(sorted(d.STOCK_IN))).then(bucket("to"))
    out_of = pl.when(mtype.is_in(sorted(d.STOCK_OUT))).then(bucket("from"))
    order_id = field("order_id")
    parts.append(select(
        base.filter(moved & (posting_state.is_null() | (state == "posted"))), "movement",
        fact_key("material_movement", "movement_id"), _ts(field("occurred_at")),
        end=pl.coalesce(_ts(field("posted_at")), _ts(field("posting", "posted_at"))), state=pl.lit("posted"),
        kind=mtype, order=pl.when(order_id.is_not_null()).then(pl.concat_str(plant, pl.lit("|"), order_id)),
        conf=field("confirmation_id"), qty=field("quantity", "value").cast(pl.Decimal(38, 9)),
        uom=field("quantity", "uom"), reversal=reversal,
        coarse=field("occurred_at_precision").fill_null("instant") != "instant",
        bucket_in=pl.when(reversal).then(out_of).otherwise(into),
        bucket_out=pl.when(reversal).then(into).otherwise(out_of)))

    yield_value = field("yield_quantity", "value").cast(pl.Decimal(38, 9))
    parts.append(select(
        base.filter(confirmed & (yield_value > 0) & ~field("is_reversal").fill_null(False)
                    & (posting_state.is_null() | ~state.is_in(["failed", "cancelled"]))),
        "completion", fact_key("confirmation", "confirmation_id"), pl.col("time"),
        order=pl.concat_str(plant, pl.lit("|"), order_id), conf=field("confirmation_id"), qty=yield_value,
        uom=field("yield_quantity", "uom")))

    parts.append(select(
        base.filter(typ == _T.format("inventory.balance_reported")), "balance",
        pl.concat_str([plant, field("material_id"), field("location", "storage_location").fill_null(""),
                       field("lot_id").fill_null(""), field("stock_status").fill_null("unrestricted"),
                       field("special_stock_type").fill_null(""), field("special_stock_id").fill_null(""),
                       field("quantity", "uom")], separator="|"),
        _ts(field("snapshot_at")), qty=field("quantity", "value").cast(pl.Decimal(38, 9)),
        uom=field("quantity", "uom")))

    nc_key = pl.concat_str(plant, pl.lit("|"), field("nonconformance_id"))
    placed = typ == _T.format("quality.hold_placed")
    parts.append(select(
        base.filter(placed | (typ == _T.format("quality.hold_released"))), "hold", nc_key,
        _ts(field("hold", "placed_at")),
        end=pl.when(placed).then(null_t).otherwise(pl.coalesce(_ts(field("hold", "released_at")), pl.col("time"))),
        state=pl.when(placed).then(pl.lit("placed")).otherwise(pl.lit("released"))))
    status = field("status").fill_null("open")
    parts.append(select(
        base.filter((typ == _T.format("quality.nonconformance_reported")) & (field("category") != "hold")), "nc",
        nc_key, pl.coalesce(_ts(field("detected_at")), pl.col("time")),
        end=pl.coalesce(_ts(field("closed_at")), pl.when(status == "closed").then(pl.col("time"))),
        state=status, kind=field("category")))
    return pl.concat(parts, how="vertical")


def load_facts(paths: Sequence[str | os.PathLike[str]], params: Params, *, progress: Progress | None = None,
               block_bytes: int = BLOCK_BYTES) -> tuple[DataFrame, datetime | None]:
    """Read event files into the fact table; returns it with the as-of instant (duplicates and events after
    it dropped)."""
    pl = _pl()
    parts, latest = [], []
    for raw in read_raw(paths, progress=progress, block_bytes=block_bytes):
        lazy = raw.lazy()  # duplicates go at the fact level (id, role): gathering the raw rows costs more
        found, top = pl.collect_all([facts(lazy, params),
                                     lazy.select(_ts(pl.col("time")).max().alias("latest"))])
        parts.append(found)
        latest.append(top.item())
    table = pl.concat(parts, how="vertical") if parts else facts(pl.DataFrame(schema=raw_schema()).lazy(),
                                                                 params).collect()
    as_of = params.as_of or max((t for t in latest if t is not None), default=None)
    table = table.unique(subset=["id", "role"], keep="first", maintain_order=True)
    if as_of is not None:
        table = table.filter(pl.col("time") <= as_of)
    return table, as_of


# --- the KPIs --------------------------------------------------------------------------------------------------

def _aggregate(frame: LazyFrame, cols: list[str], aggs: list[Any], first: str) -> LazyFrame:
    pl = _pl()
    if cols:
        return frame.group_by(cols).agg(aggs).sort(cols, nulls_last=False)
    return frame.select(aggs).filter(pl.col(first) > 0)


def _durations(column: str, params: Params) -> list[Any]:
    pl = _pl()
    values = pl.col(column).drop_nulls().sort()
    out = [(values.get(((values.len() * p + 99) // 100 - 1).clip(0), null_on_oob=True) / 1_000_000).alias(f"p{p}_s")
           for p in params.percentiles]
    return [*out, (pl.col(column).max() / 1_000_000).alias("max_s")]


def _micros(expr: Any) -> Any:
    return expr.dt.total_microseconds().clip(0)


def release_latency(table: LazyFrame, params: Params) -> LazyFrame:
    pl = _pl()
    role = pl.col("role")
    orders = (table.filter(role.is_in(["release", "sign"])).group_by("key").agg(
        pl.col("at").filter(role == "release").min().alias("release"),
        pl.col("at").filter(role == "sign").min().alias("sign"),
        pl.col("plant").filter(role == "release").min().alias("plant"))
        .filter(pl.col("release").is_not_null())
        .with_columns(_micros(pl.col("sign") - pl.col("release")).alias("us"),
                      pl.col("release").dt.date().alias("day")))
    cols = d.group_columns("release_latency", params)
    aggs = [pl.len().alias("released"), pl.col("us").count().alias("signed"),
            (pl.len() - pl.col("us").count()).alias("pending"), *_durations("us", params)]
    return _aggregate(orders, cols, aggs, "released")


def _postings(table: LazyFrame, params: Params, as_of: datetime) -> LazyFrame:
    """One row per posting fact: its outcome as of ``as_of``, when it was requested, and when it failed."""
    pl = _pl()
    role, state = pl.col("role"), pl.col("state")
    failing = state.is_in(["failed", "other"])
    facts_ = (table.filter(role.is_in(["request", "result"]))
              .with_columns(state.replace_strict(d.RANK, default=1, return_dtype=pl.Int64).alias("rank"))
              .group_by("key").agg(
                  pl.col("rank").max().alias("best"),
                  pl.col("at").filter(role == "request").min().alias("req_at"),
                  pl.col("at").filter(role == "result").min().alias("res_at"),
                  pl.col("plant").min(), pl.col("vendor").min(), pl.col("kind").first(),
                  pl.col("at").filter(failing).min().alias("fail_at"),
                  pl.col("code").filter(failing).min().alias("fail_code"))
              .with_columns(pl.coalesce("req_at", "res_at").alias("first")))
    best = pl.col("best")
    outcome = (pl.when(best == 4).then(pl.lit("posted")).when(best == 3).then(pl.lit("cancelled"))
               .when(best >= 1).then(pl.lit("failed"))
               .when(pl.lit(as_of) - pl.col("first") > params.open_threshold).then(pl.lit("overdue"))
               .otherwise(pl.lit("open")))
    return facts_.with_columns(outcome.alias("outcome"), pl.col("first").dt.date().alias("day"),
                               pl.when(outcome == "failed").then(pl.col("fail_code")).alias("code"))


def posting_outcomes(table: LazyFrame, params: Params, as_of: datetime, *,
                     postings: LazyFrame | None = None) -> LazyFrame:
    pl = _pl()
    outcome = pl.col("outcome")
    counts = [(outcome == name).sum().cast(pl.Int64).alias(name)
              for name in ("posted", "failed", "cancelled", "open", "overdue")]
    cols = d.group_columns("posting_outcomes", params)
    postings = _postings(table, params, as_of) if postings is None else postings
    frame = _aggregate(postings, cols, [pl.len().alias("requested"), *counts], "requested")
    denominator = pl.col("posted") + pl.col("failed") + pl.col("overdue")
    return frame.with_columns(pl.when(denominator > 0).then(pl.col("posted") / denominator).alias("success_rate"))


def posting_failures(table: LazyFrame, params: Params, as_of: datetime, *,
                     postings: LazyFrame | None = None) -> LazyFrame:
    pl = _pl()
    postings = _postings(table, params, as_of) if postings is None else postings
    failed = postings.filter(pl.col("outcome") == "failed")
    return _aggregate(failed, d.group_columns("posting_failures", params), [pl.len().alias("failures")], "failures")


def _movements(table: LazyFrame) -> LazyFrame:
    pl = _pl()
    return table.filter(pl.col("role") == "movement").unique(subset="key", keep="first", maintain_order=True)


def posting_delay(table: LazyFrame, params: Params, *, movements: LazyFrame | None = None) -> LazyFrame:
    pl = _pl()
    movements = _movements(table) if movements is None else movements
    rows = (movements.filter(pl.col("end").is_not_null() & ~pl.col("coarse") & ~pl.col("reversal"))
            .with_columns(_micros(pl.col("end") - pl.col("at")).alias("us"), pl.col("at").dt.date().alias("day")))
    aggs = [pl.len().alias("movements"), *_durations("us", params)]
    return _aggregate(rows, d.group_columns("posting_delay", params), aggs, "movements")


def _bucket_expr(age: Any, params: Params) -> Any:
    pl = _pl()
    labels = d.age_labels(params)
    expr = None
    for index, bound in enumerate(params.age_buckets):
        limit = d.micros(bound)
        expr = (pl.when(age < limit) if expr is None else expr.when(age < limit)).then(pl.lit(labels[index]))
    return pl.lit(labels[-1]) if expr is None else expr.otherwise(pl.lit(labels[-1]))


def exception_aging(table: LazyFrame, params: Params, as_of: datetime, *,
                    postings: LazyFrame | None = None) -> LazyFrame:
    pl = _pl()
    postings = _postings(table, params, as_of) if postings is None else postings
    outcome = pl.col("outcome")
    failures = postings.filter(outcome == "failed").select(
        "plant", pl.lit("posting_failure").alias("kind"), pl.coalesce("fail_at", "first").alias("opened"))
    pending = postings.filter(outcome.is_in(["open", "overdue"])).select(
        "plant", pl.lit("posting_open").alias("kind"), pl.col("first").alias("opened"))
    role = pl.col("role")
    closing = pl.col("end").is_not_null() | (pl.col("state") == "released")
    items = (table.filter(role.is_in(["hold", "nc"])).group_by("role", "key").agg(
        closing.any().alias("closed"), pl.col("at").filter(~closing).min().alias("opened"),
        pl.col("plant").first())
        .filter(~pl.col("closed") & pl.col("opened").is_not_null())
        .select("plant", pl.when(role == "hold").then(pl.lit("hold")).otherwise(pl.lit("nonconformance"))
                .alias("kind"), "opened"))
    ages = (pl.concat([failures, pending, items], how="vertical")
            .with_columns(_micros(pl.lit(as_of) - pl.col("opened")).alias("age")))
    ages = ages.with_columns(_bucket_expr(pl.col("age"), params).alias("bucket"))
    aggs = [pl.len().alias("open"), (pl.col("age").max() / 1_000_000).alias("oldest_s")]
    return _aggregate(ages, d.group_columns("exception_aging", params), aggs, "open")


def unposted_completions(table: LazyFrame, params: Params, as_of: datetime, *,
                         postings: LazyFrame | None = None, movements: LazyFrame | None = None) -> LazyFrame:
    pl = _pl()
    postings = _postings(table, params, as_of) if postings is None else postings
    refused = postings.filter(pl.col("best").is_between(1, 3)).select("key")
    movements = _movements(table) if movements is None else movements
    receipts = movements.filter((pl.col("kind") == "goods_receipt") & ~pl.col("reversal"))
    by_conf = receipts.filter(pl.col("conf").is_not_null()).select("conf").unique()
    by_order = receipts.filter(pl.col("conf").is_null() & pl.col("order").is_not_null()).select("order").unique()
    due = (table.filter(pl.col("role") == "completion").unique(subset="key", keep="first", maintain_order=True)
           .join(refused, on="key", how="anti").join(by_conf, on="conf", how="anti")
           .join(by_order, on="order", how="anti")
           .filter(pl.lit(as_of) - pl.col("at") > params.unposted_threshold))
    aggs = [pl.len().alias("confirmations"), pl.col("qty").sum().alias("quantity")]
    return _aggregate(due, d.group_columns("unposted_completions", params), aggs, "confirmations")


def reconciliation_details(table: LazyFrame, *, movements: LazyFrame | None = None) -> LazyFrame:
    """One row per pair of consecutive snapshots of a bucket: previous + moved = expected, actual, gap."""
    pl = _pl()
    snaps = (table.filter(pl.col("role") == "balance").unique(subset=["key", "at"], keep="first", maintain_order=True)
             .sort("key", "at")
             .with_columns(pl.col("at").shift(1).over("key").alias("previous_at"),
                           pl.col("qty").shift(1).over("key").alias("previous")))
    moves = (_movements(table) if movements is None else movements).filter(pl.col("qty").is_not_null())
    deltas = pl.concat([
        moves.filter(pl.col("bucket_in").is_not_null()).select(pl.col("bucket_in").alias("key"), "at", "qty"),
        moves.filter(pl.col("bucket_out").is_not_null()).select(pl.col("bucket_out").alias("key"), "at",
                                                                (-pl.col("qty")).alias("qty")),
    ], how="vertical").sort("at")
    placed = deltas.join_asof(snaps.select("key", pl.col("at").alias("snap_at")).sort("snap_at"),
                              left_on="at", right_on="snap_at", by="key", strategy="forward",
                              check_sortedness=False)  # both sorted by time above
    moved = placed.filter(pl.col("snap_at").is_not_null()).group_by("key", "snap_at").agg(
        pl.col("qty").sum().alias("moved"))
    zero = pl.lit(0).cast(pl.Decimal(38, 9))
    pairs = (snaps.filter(pl.col("previous_at").is_not_null())
             .join(moved, left_on=["key", "at"], right_on=["key", "snap_at"], how="left")
             .with_columns(pl.col("moved").fill_null(zero))
             .with_columns((pl.col("previous") + pl.col("moved")).alias("expected"))
             .with_columns((pl.col("qty") - pl.col("expected")).alias("gap")))
    return pairs.select(pl.col("key").alias("bucket"), "plant", "uom", "previous_at", "at", "previous", "moved",
                        "expected", pl.col("qty").alias("actual"), "gap").sort("bucket", "at")


def reconciliation_gap(table: LazyFrame, params: Params, *, movements: LazyFrame | None = None) -> LazyFrame:
    pl = _pl()
    gap = pl.col("gap")
    aggs = [pl.len().alias("pairs"), (gap != 0).sum().cast(pl.Int64).alias("gaps"), gap.sum().alias("net_gap"),
            gap.abs().sum().alias("abs_gap")]
    details = reconciliation_details(table, movements=movements)
    return _aggregate(details, d.group_columns("reconciliation_gap", params), aggs, "pairs")


class PolarsBackend:
    """The KPI definitions over a polars fact table (:class:`mfgcanon.visibility.seam.KpiBackend`)."""

    def release_latency(self, table: LazyFrame, params: Params, as_of: datetime) -> LazyFrame:
        return release_latency(table, params)

    def posting_outcomes(self, table: LazyFrame, params: Params, as_of: datetime) -> LazyFrame:
        return posting_outcomes(table, params, as_of)

    def posting_failures(self, table: LazyFrame, params: Params, as_of: datetime) -> LazyFrame:
        return posting_failures(table, params, as_of)

    def posting_delay(self, table: LazyFrame, params: Params, as_of: datetime) -> LazyFrame:
        return posting_delay(table, params)

    def exception_aging(self, table: LazyFrame, params: Params, as_of: datetime) -> LazyFrame:
        return exception_aging(table, params, as_of)

    def unposted_completions(self, table: LazyFrame, params: Params, as_of: datetime) -> LazyFrame:
        return unposted_completions(table, params, as_of)

    def reconciliation_gap(self, table: LazyFrame, params: Params, as_of: datetime) -> LazyFrame:
        return reconciliation_gap(table, params)


def kpis(table: DataFrame, params: Params, as_of: datetime | None) -> dict[str, DataFrame]:
    """Every KPI table of a fact table, collected together (polars shares the common sub-plans)."""
    pl = _pl()
    backend = PolarsBackend()
    if as_of is None:
        return {name: pl.DataFrame(schema=dict.fromkeys(d.group_columns(name, params)
                                                        + d.value_columns(name, params), pl.Null))
                for name in d.KPIS}
    lazy = table.lazy()
    # what several KPIs read (one row per posting fact, the movements counted once), worked out once
    shared = pl.collect_all([_postings(lazy, params, as_of), _movements(lazy)])
    postings, movements = (frame.lazy() for frame in shared)
    plans: dict[str, LazyFrame] = {
        "release_latency": backend.release_latency(lazy, params, as_of),
        "posting_outcomes": posting_outcomes(lazy, params, as_of, postings=postings),
        "posting_failures": posting_failures(lazy, params, as_of, postings=postings),
        "posting_delay": posting_delay(lazy, params, movements=movements),
        "exception_aging": exception_aging(lazy, params, as_of, postings=postings),
        "unposted_completions": unposted_completions(lazy, params, as_of, postings=postings, movements=movements),
        "reconciliation_gap": reconciliation_gap(lazy, params, movements=movements),
    }
    collected = pl.collect_all([plans[name].select(d.group_columns(name, params) + d.value_columns(name, params))
                                for name in d.KPIS])
    return dict(zip(d.KPIS, collected, strict=True))


def compute_files(paths: Sequence[str | os.PathLike[str]], params: Params | None = None, *,
                  progress: Progress | None = None) -> dict[str, DataFrame]:
    """Every KPI over event files, as polars DataFrames keyed by KPI table name."""
    params = params or Params()
    table, as_of = load_facts(paths, params, progress=progress)
    return kpis(table, params, as_of)


def compute_events(events: Sequence[Any], params: Params | None = None) -> dict[str, DataFrame]:
    """Every KPI over canonical event objects held in memory, with polars (tests, notebooks)."""
    pl = _pl()
    params = params or Params()
    raw = raw_from_events(events).lazy()
    table, top = pl.collect_all([facts(raw, params), raw.select(_ts(pl.col("time")).max().alias("t"))])
    table = table.unique(subset=["id", "role"], keep="first", maintain_order=True)
    as_of = params.as_of or top.item()
    if as_of is not None:
        table = table.filter(pl.col("time") <= as_of)
    return kpis(table, params, as_of)


__all__ = ["BLOCK_BYTES", "PolarsBackend", "compute_events", "compute_files", "facts", "kpis", "load_facts",
           "raw_schema", "read_raw", "write_parquet"]
