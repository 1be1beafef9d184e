"""The Spark path: the KPI definitions as PySpark DataFrame code, and bulk conversion of vendor archives.

* :func:`load_facts` reads event tables (NDJSON of canonical events, or Parquet in the raw layout that
  :func:`mfgcanon.visibility.columnar.write_parquet` and :func:`convert_archive` write) into the fact table
  of :data:`mfgcanon.visibility.definitions.FACT_COLUMNS`, with the same column names and types
  (timestamps UTC, quantities ``decimal(38, 9)``), plus ``_seq``: the read order (file, block, row), which
  decides "the first read" where a rule needs it, as the files path does.
* :class:`SparkBackend` implements :class:`mfgcanon.visibility.seam.KpiBackend`: one function per KPI,
  ported one for one from :class:`mfgcanon.visibility.columnar.PolarsBackend` (nearest-rank percentiles as
  ``element_at(sort_array(collect_list(...)), rank)``, never approximate). Figures equal the polars path's
  and the streaming calculator's on the same input (tested).
* :func:`convert_archive` runs the mappers inside Spark tasks (``mapInArrow``) over directories of vendor
  files and writes canonical events as Parquet partitioned by event type and date, rejects in their own
  table; every record is counted, converted or rejected.

PySpark is the optional extra ``[spark]`` (and Java 8+ on the machine); it is imported lazily.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from mfgcanon.errors import DecodeError, MappingError, ValidationError
from mfgcanon.frames import FramesUnavailableError
from mfgcanon.visibility import definitions as d
from mfgcanon.visibility.definitions import Params

DataFrame = Any
"""A ``pyspark.sql.DataFrame`` (``Any`` at the boundary: pyspark is an optional extra, partly typed)."""
SparkSession = Any
"""A ``pyspark.sql.SparkSession``."""

_T = "mfgcanon.{}.v1"
_MOVEMENT_TYPES: Final = [_T.format(n) for n in ("material.issued", "material.scrapped", "inventory.received",
                                                  "inventory.moved")]
QTY: Final = "decimal(38,9)"
"""The Spark type of quantities: the model's Avro decimal, as the polars path's ``Decimal(38, 9)``."""
_EVENT_SUFFIXES: Final = (".ndjson", ".jsonl", ".json", ".parquet")


class SparkUnavailableError(FramesUnavailableError):
    """pyspark (the extra ``[spark]``) is not installed."""


def _require() -> tuple[Any, Any]:
    """``pyspark.sql.functions`` and ``pyspark.sql.types``, or the install hint."""
    try:
        from pyspark.sql import functions, types
    except ImportError as exc:
        raise SparkUnavailableError("mfgcanon.visibility.spark needs pyspark, which is not installed: "
                                    "pip install 'mfgcanon[spark]' (and Java 17 on the machine)",
                                    extra="spark", cause_type=type(exc).__name__) from None
    return functions, types


def session(master: str = "local[2]", *, app: str = "mfgcanon", shuffle_partitions: int = 4,
            **conf: str) -> SparkSession:
    """A Spark session set up as the KPIs need (session time zone UTC: ``day`` is the UTC day), quiet, no UI;
    ``conf`` adds Spark settings (dots as in Spark, e.g. ``**{"spark.driver.memory": "4g"}``)."""
    _require()
    from pyspark.sql import SparkSession as Session

    # the Python workers run this interpreter (mfgcanon and its dependencies are in it), unless told otherwise
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (Session.builder.master(master).appName(app).config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", str(shuffle_partitions)))
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# --- reading event tables --------------------------------------------------------------------------------------

def raw_schema() -> Any:
    """The raw shape the KPIs read, as a Spark ``StructType``: the polars path's
    :func:`~mfgcanon.visibility.columnar.raw_schema` translated (one definition)."""
    import polars as pl

    from mfgcanon.visibility import columnar

    _, t = _require()

    def convert(dtype: Any) -> Any:
        if isinstance(dtype, pl.Struct):
            return t.StructType([t.StructField(f.name, convert(f.dtype), True) for f in dtype.fields])
        if isinstance(dtype, pl.List):
            return t.ArrayType(convert(dtype.inner), True)
        if dtype == pl.Boolean:
            return t.BooleanType()
        return t.StringType()

    return t.StructType([t.StructField(name, convert(dtype), True)
                         for name, dtype in columnar.raw_schema().items()])


def _files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The event files of the paths, in order (a folder: its event files, sorted, as the CLI reads it)."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _EVENT_SUFFIXES)
        elif path.suffix.lower() in _EVENT_SUFFIXES:
            if not path.is_file():
                raise DecodeError(f"{path}: cannot read (no such file)", code="malformed_input", path="$")
            found.append(path)
        else:
            raise ValidationError(f"{path}: unknown file type {path.suffix or '(none)'}: expected .ndjson, "
                                  ".jsonl, .json or .parquet (or a folder of them)", code="invalid_value", path="$")
    return found


def read_raw(spark: SparkSession, paths: Sequence[str | os.PathLike[str]]) -> DataFrame:
    """The raw events of NDJSON and Parquet files (or folders of them) with ``_seq``, their read order."""
    f, _ = _require()
    files = _files(paths)
    schema = raw_schema()
    order: dict[str, int] = {}
    for index, path in enumerate(files):
        resolved = path.resolve()
        for form in (resolved.as_uri(), f"file:{resolved}", str(resolved)):
            order.setdefault(form, index)
    parts = []
    for suffixes, source in (((".ndjson", ".jsonl", ".json"), "json"), ((".parquet",), "parquet")):
        chosen = [str(p) for p in files if p.suffix.lower() in suffixes]
        if chosen:
            reader = spark.read.format(source).schema(schema).option("mode", "FAILFAST")
            parts.append(reader.load(chosen).select(*schema.fieldNames(), "_metadata.file_path",
                                                    "_metadata.file_block_start"))
    if not parts:
        return spark.createDataFrame([], schema).withColumn("_seq", f.struct(
            f.lit(0).alias("file"), f.lit("").alias("path"), f.lit(0).cast("long").alias("block"),
            f.lit(0).cast("long").alias("row")))
    frame = parts[0] if len(parts) == 1 else parts[0].unionByName(parts[1])
    mapping = f.create_map(*[f.lit(x) for pair in order.items() for x in pair])
    seq = f.struct(f.coalesce(mapping[f.col("file_path")], f.lit(len(files))).alias("file"),
                   f.col("file_path").alias("path"), f.col("file_block_start").alias("block"),
                   f.monotonically_increasing_id().alias("row"))
    return frame.withColumn("_seq", seq).drop("file_path", "file_block_start")


def facts(raw: DataFrame, params: Params) -> DataFrame:
    """The fact table of raw events (``_seq`` kept), ported from :func:`mfgcanon.visibility.columnar.facts`."""
    f, _ = _require()
    col, lit = f.col, f.lit

    def ts(expr: Any) -> Any:
        return expr.cast("timestamp")

    def field(*names: str) -> Any:
        return col(".".join(("data", *names)))

    typ = col("type")
    mes = col("sourcesystem").isin(sorted(params.mes_systems)) if params.mes_systems else lit(False)
    mes = f.coalesce(mes, lit(False))
    plant = field("plant")
    posting_state = field("posting", "state")
    released_status = (typ == _T.format("production_order.status_changed")) & (field("status") == "released")
    releaseish = f.coalesce((typ == _T.format("production_order.released")) | released_status, lit(False))

    def first_code(messages: Any) -> Any:
        chosen = f.filter(messages, lambda m: m["severity"].isin("error", "abort") & m["code"].isNotNull())
        return f.get(chosen, 0)["code"]

    def fact_key(kind: str, own: str) -> Any:
        ext = field("posting", "external_id")
        return f.concat(lit(kind + "|"), f.when(ext.isNotNull(), f.concat(lit("ext:"), ext))
                        .otherwise(f.concat(lit("id:"), field(own))))

    def joined(*parts: Any) -> Any:
        out: list[Any] = []
        for part in parts:
            out += [lit("|"), part] if out else [part]
        return f.concat(*out)

    def bucket(side: str) -> Any:
        status = f.coalesce(field(f"{side}_stock_status"), lit("unrestricted"))
        return joined(f.coalesce(field(f"{side}_location", "plant"), plant), field("material_id"),
                      f.coalesce(field(f"{side}_location", "storage_location"), lit("")),
                      f.coalesce(field("lot_id"), lit("")), status,
                      f.coalesce(field("special_stock_type"), lit("")),
                      f.coalesce(field("special_stock_id"), lit("")), field("quantity", "uom"))

    base = raw.withColumn("time", ts(col("time")))
    null_s, null_t = lit(None).cast("string"), lit(None).cast("timestamp")

    def select(frame: Any, condition: Any, role: str, key: Any, at: Any, **extra: Any) -> Any:
        columns = {"id": col("id"), "time": col("time"), "role": lit(role), "key": key, "plant": plant,
                   "at": at, "end": null_t, "state": null_s, "kind": null_s, "vendor": null_s, "code": null_s,
                   "order": null_s, "conf": null_s, "qty": lit(None).cast(QTY), "uom": null_s,
                   "reversal": lit(False), "coarse": lit(False), "bucket_in": null_s, "bucket_out": null_s}
        columns.update(extra)
        types = {"at": "timestamp", "end": "timestamp", "qty": QTY, "reversal": "boolean", "coarse": "boolean"}
        return frame.filter(f.coalesce(condition, lit(False))).select(
            *[expr.cast(types.get(name, "string")).alias(name) if name != "time" else expr.alias(name)
              for name, expr in columns.items()], col("_seq"))

    parts = [select(base, releaseish & ~mes, "release", col("partitionkey"),
                    f.coalesce(ts(field("released_at")), col("time")))]
    signs = ((releaseish & mes)
             | ((typ == _T.format("production_order.status_changed")) & (field("status") == "in_progress"))
             | ((typ == _T.format("operation.status_changed")) & (field("status") == "in_progress"))
             | (typ == _T.format("production.confirmed")))
    parts.append(select(base, signs, "sign", col("partitionkey"), col("time")))

    confirmed = typ == _T.format("production.confirmed")
    moved = typ.isin(_MOVEMENT_TYPES)
    state = posting_state
    for kind, own, which in (("confirmation", "confirmation_id", confirmed),
                             ("material_movement", "movement_id", moved)):
        parts.append(select(
            base, which & posting_state.isNotNull(), "request", fact_key(kind, own),
            f.coalesce(ts(field("posting", "requested_at")), col("time")), state=state, kind=lit(kind),
            vendor=field("posting", "target_system"),
            code=f.when(state == "failed", f.coalesce(first_code(field("posting", "messages")),
                                                      field("posting", "state_source_code")))))

    results = typ.isin(_T.format("integration.posting_succeeded"), _T.format("integration.posting_failed"))
    rkind, outcome = field("request_kind"), field("outcome")
    parts.append(select(
        base, results & rkind.isin("confirmation", "material_movement") & field("request_external_id").isNotNull(),
        "result", f.concat(rkind, lit("|ext:"), field("request_external_id")), ts(field("processed_at")),
        state=outcome, kind=rkind, vendor=field("target_system"),
        code=f.when(outcome != "posted", f.coalesce(first_code(field("messages")), field("outcome_source_code")))))

    mtype = field("movement_type")
    reversal = f.coalesce(field("is_reversal"), lit(False))
    into = f.when(mtype.isin(sorted(d.STOCK_IN)), bucket("to"))
    out_of = f.when(mtype.isin(sorted(d.STOCK_OUT)), bucket("from"))
    order_id = field("order_id")
    parts.append(select(
        base, moved & (posting_state.isNull() | (state == "posted")), "movement",
        fact_key("material_movement", "movement_id"), ts(field("occurred_at")),
        end=f.coalesce(ts(field("posted_at")), ts(field("posting", "posted_at"))), state=lit("posted"),
        kind=mtype, order=f.when(order_id.isNotNull(), f.concat(plant, lit("|"), order_id)),
        conf=field("confirmation_id"), qty=field("quantity", "value").cast(QTY), uom=field("quantity", "uom"),
        reversal=reversal, coarse=f.coalesce(field("occurred_at_precision"), lit("instant")) != "instant",
        bucket_in=f.when(reversal, out_of).otherwise(into), bucket_out=f.when(reversal, into).otherwise(out_of)))

    yield_value = field("yield_quantity", "value").cast(QTY)
    parts.append(select(
        base, confirmed & (yield_value > 0) & ~f.coalesce(field("is_reversal"), lit(False))
        & (posting_state.isNull() | ~state.isin("failed", "cancelled")),
        "completion", fact_key("confirmation", "confirmation_id"), col("time"),
        order=f.concat(plant, lit("|"), order_id), conf=field("confirmation_id"), qty=yield_value,
        uom=field("yield_quantity", "uom")))

    parts.append(select(
        base, typ == _T.format("inventory.balance_reported"), "balance",
        joined(plant, field("material_id"), f.coalesce(field("location", "storage_location"), lit("")),
               f.coalesce(field("lot_id"), lit("")), f.coalesce(field("stock_status"), lit("unrestricted")),
               f.coalesce(field("special_stock_type"), lit("")), f.coalesce(field("special_stock_id"), lit("")),
               field("quantity", "uom")),
        ts(field("snapshot_at")), qty=field("quantity", "value").cast(QTY), uom=field("quantity", "uom")))

    nc_key = f.concat(plant, lit("|"), field("nonconformance_id"))
    placed = typ == _T.format("quality.hold_placed")
    parts.append(select(
        base, placed | (typ == _T.format("quality.hold_released")), "hold", nc_key, ts(field("hold", "placed_at")),
        end=f.when(placed, null_t).otherwise(f.coalesce(ts(field("hold", "released_at")), col("time"))),
        state=f.when(placed, lit("placed")).otherwise(lit("released"))))
    status = f.coalesce(field("status"), lit("open"))
    parts.append(select(
        base, (typ == _T.format("quality.nonconformance_reported")) & (field("category") != "hold"), "nc", nc_key,
        f.coalesce(ts(field("detected_at")), col("time")),
        end=f.coalesce(ts(field("closed_at")), f.when(status == "closed", col("time"))), state=status,
        kind=field("category")))
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    return out


def _first(frame: DataFrame, keys: Sequence[str]) -> DataFrame:
    """The first row read per key (``unique(keep="first")`` of the files path), by ``_seq``."""
    f, _ = _require()
    from pyspark.sql import Window

    window = Window.partitionBy(*keys).orderBy("_seq")
    return frame.withColumn("_n", f.row_number().over(window)).filter(f.col("_n") == 1).drop("_n")


def load_facts(spark: SparkSession, paths: Sequence[str | os.PathLike[str]],
               params: Params) -> tuple[DataFrame, datetime | None]:
    """Event files into the fact table (duplicates and events after the as-of instant dropped), with the
    as-of instant; the table is cached (every KPI reads it)."""
    f, _ = _require()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    raw = read_raw(spark, paths)
    as_of = params.as_of
    if as_of is None:
        try:
            latest = raw.select(f.max(f.col("time").cast("timestamp")).alias("t")).collect()[0]["t"]
        except Exception as exc:  # a bad line: Spark's FAILFAST error, as the typed error of the files path
            if _malformed(exc):
                raise _decode_error(exc) from None
            raise
        as_of = None if latest is None else _utc(latest)
    table = _first(facts(raw, params), ["id", "role"])
    if as_of is not None:
        table = table.filter(f.col("time") <= f.lit(as_of))
    return table.cache(), as_of


def _utc(value: datetime) -> datetime:
    """A timestamp Spark handed back (naive, in Python's local zone) as an aware UTC instant."""
    from datetime import UTC

    return value.astimezone(UTC)  # a naive value is read as local time, as PySpark made it


_MALFORMED: Final = ("MALFORMED_RECORD", "Malformed", "CAST_INVALID_INPUT", "FAILFAST", "PARSE_SYNTAX_ERROR")


def _malformed(exc: Exception) -> bool:
    """Whether a Spark error says the input could not be read as events (not a resource or internal error)."""
    return type(exc).__module__.startswith(("pyspark", "py4j")) and any(m in str(exc) for m in _MALFORMED)


def _decode_error(exc: Exception) -> DecodeError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DecodeError(f"not NDJSON or Parquet of canonical events ({first[:300]})", code="malformed_input",
                       path="$")


# --- the KPIs --------------------------------------------------------------------------------------------------

def _aggregate(frame: DataFrame, cols: list[str], aggs: list[Any], first: str) -> DataFrame:
    f, _ = _require()
    if cols:
        return frame.groupBy(*cols).agg(*aggs).orderBy(*[f.col(c).asc_nulls_first() for c in cols])
    return frame.agg(*aggs).filter(f.col(first) > 0)


def _durations(column: str, params: Params) -> list[Any]:
    """Nearest-rank percentiles (:func:`mfgcanon.visibility.definitions.rank`) and the maximum, in seconds."""
    f, _ = _require()
    values = f.sort_array(f.collect_list(column))
    n = f.size(values)
    out = [(f.try_element_at(values, (f.greatest(f.lit(0), ((n * p + 99) / 100).cast("int") - 1) + 1).cast("int"))
            / 1_000_000).alias(f"p{p}_s") for p in params.percentiles]
    return [*out, (f.max(column) / 1_000_000).alias("max_s")]


def _micros(later: Any, earlier: Any) -> Any:
    f, _ = _require()
    delta = f.unix_micros(later) - f.unix_micros(earlier)
    return f.when(delta < 0, f.lit(0).cast("long")).otherwise(delta)  # greatest() would turn a null into 0


def _count_if(condition: Any) -> Any:
    f, _ = _require()
    return f.sum(f.when(condition, 1).otherwise(0)).cast("long")


def release_latency(table: DataFrame, params: Params) -> DataFrame:
    f, _ = _require()
    role = f.col("role")
    orders = (table.filter(role.isin("release", "sign")).groupBy("key").agg(
        f.min(f.when(role == "release", f.col("at"))).alias("release"),
        f.min(f.when(role == "sign", f.col("at"))).alias("sign"),
        f.min(f.when(role == "release", f.col("plant"))).alias("plant"))
        .filter(f.col("release").isNotNull())
        .withColumn("us", _micros(f.col("sign"), f.col("release")))
        .withColumn("day", f.to_date("release")))
    aggs = [f.count(f.lit(1)).alias("released"), f.count("us").alias("signed"),
            (f.count(f.lit(1)) - f.count("us")).alias("pending"), *_durations("us", params)]
    return _aggregate(orders, d.group_columns("release_latency", params), aggs, "released")


def _postings(table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
    """One row per posting fact: its outcome as of ``as_of``, when it was requested, and when it failed."""
    f, _ = _require()
    role, state = f.col("role"), f.col("state")
    failing = state.isin("failed", "other")
    rank = f.coalesce(f.create_map(*[f.lit(x) for pair in d.RANK.items() for x in pair])[state], f.lit(1))
    grouped = (table.filter(role.isin("request", "result")).withColumn("rank", rank.cast("long"))
               .groupBy("key").agg(
                   f.max("rank").alias("best"),
                   f.min(f.when(role == "request", f.col("at"))).alias("req_at"),
                   f.min(f.when(role == "result", f.col("at"))).alias("res_at"),
                   f.min("plant").alias("plant"), f.min("vendor").alias("vendor"),
                   f.min_by("kind", "_seq").alias("kind"),
                   f.min(f.when(failing, f.col("at"))).alias("fail_at"),
                   f.min(f.when(failing, f.col("code"))).alias("fail_code"))
               .withColumn("first", f.coalesce("req_at", "res_at")))
    best = f.col("best")
    threshold = d.micros(params.open_threshold)
    outcome = (f.when(best == 4, "posted").when(best == 3, "cancelled").when(best >= 1, "failed")
               .when(f.unix_micros(f.lit(as_of)) - f.unix_micros(f.col("first")) > threshold, "overdue")
               .otherwise("open"))
    return (grouped.withColumn("outcome", outcome).withColumn("day", f.to_date("first"))
            .withColumn("code", f.when(f.col("outcome") == "failed", f.col("fail_code"))))


def posting_outcomes(table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
    f, _ = _require()
    outcome = f.col("outcome")
    counts = [_count_if(outcome == name).alias(name) for name in ("posted", "failed", "cancelled", "open", "overdue")]
    frame = _aggregate(_postings(table, params, as_of), d.group_columns("posting_outcomes", params),
                       [f.count(f.lit(1)).alias("requested"), *counts], "requested")
    denominator = f.col("posted") + f.col("failed") + f.col("overdue")
    return frame.withColumn("success_rate", f.when(denominator > 0, f.col("posted") / denominator))


def posting_failures(table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
    f, _ = _require()
    failed = _postings(table, params, as_of).filter(f.col("outcome") == "failed")
    return _aggregate(failed, d.group_columns("posting_failures", params), [f.count(f.lit(1)).alias("failures")],
                      "failures")


def _movements(table: DataFrame) -> DataFrame:
    f, _ = _require()
    return _first(table.filter(f.col("role") == "movement"), ["key"])


def posting_delay(table: DataFrame, params: Params) -> DataFrame:
    f, _ = _require()
    rows = (_movements(table).filter(f.col("end").isNotNull() & ~f.col("coarse") & ~f.col("reversal"))
            .withColumn("us", _micros(f.col("end"), f.col("at"))).withColumn("day", f.to_date("at")))
    aggs = [f.count(f.lit(1)).alias("movements"), *_durations("us", params)]
    return _aggregate(rows, d.group_columns("posting_delay", params), aggs, "movements")


def _bucket_expr(age: Any, params: Params) -> Any:
    f, _ = _require()
    labels = d.age_labels(params)
    expr = None
    for index, bound in enumerate(params.age_buckets):
        limit = d.micros(bound)
        expr = (f.when(age < limit, labels[index]) if expr is None else expr.when(age < limit, labels[index]))
    return f.lit(labels[-1]) if expr is None else expr.otherwise(labels[-1])


def exception_aging(table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
    f, _ = _require()
    postings = _postings(table, params, as_of)
    outcome = f.col("outcome")
    failures = postings.filter(outcome == "failed").select(
        "plant", f.lit("posting_failure").alias("kind"), f.coalesce("fail_at", "first").alias("opened"))
    pending = postings.filter(outcome.isin("open", "overdue")).select(
        "plant", f.lit("posting_open").alias("kind"), f.col("first").alias("opened"))
    role = f.col("role")
    closing = f.col("end").isNotNull() | f.coalesce(f.col("state") == "released", f.lit(False))
    items = (table.filter(role.isin("hold", "nc")).groupBy("role", "key").agg(
        f.max(closing.cast("int")).alias("closed"), f.min(f.when(~closing, f.col("at"))).alias("opened"),
        f.min_by("plant", "_seq").alias("plant"))
        .filter((f.col("closed") == 0) & f.col("opened").isNotNull())
        .select("plant", f.when(role == "hold", "hold").otherwise("nonconformance").alias("kind"), "opened"))
    ages = (failures.unionByName(pending).unionByName(items)
            .withColumn("age", _micros(f.lit(as_of), f.col("opened"))))
    ages = ages.withColumn("bucket", _bucket_expr(f.col("age"), params))
    aggs = [f.count(f.lit(1)).alias("open"), (f.max("age") / 1_000_000).alias("oldest_s")]
    return _aggregate(ages, d.group_columns("exception_aging", params), aggs, "open")


def unposted_completions(table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
    f, _ = _require()
    refused = _postings(table, params, as_of).filter(f.col("best").between(1, 3)).select("key")
    receipts = _movements(table).filter((f.col("kind") == "goods_receipt") & ~f.col("reversal"))
    by_conf = receipts.filter(f.col("conf").isNotNull()).select("conf").distinct()
    by_order = receipts.filter(f.col("conf").isNull() & f.col("order").isNotNull()).select("order").distinct()
    threshold = d.micros(params.unposted_threshold)
    due = (_first(table.filter(f.col("role") == "completion"), ["key"])
           .join(refused, on="key", how="left_anti").join(by_conf, on="conf", how="left_anti")
           .join(by_order, on="order", how="left_anti")
           .filter(f.unix_micros(f.lit(as_of)) - f.unix_micros(f.col("at")) > threshold))
    aggs = [f.count(f.lit(1)).alias("confirmations"), f.sum("qty").cast(QTY).alias("quantity")]
    return _aggregate(due, d.group_columns("unposted_completions", params), aggs, "confirmations")


def reconciliation_details(table: DataFrame) -> DataFrame:
    """One row per pair of consecutive snapshots of a bucket: previous + moved = expected, actual, gap.

    The polars path's ``join_asof`` (a movement goes to the first snapshot at or after it) as a join on the
    bucket and the interval ``(previous snapshot, snapshot]``."""
    f, _ = _require()
    from pyspark.sql import Window

    by_key = Window.partitionBy("key").orderBy("at")
    snaps = (_first(table.filter(f.col("role") == "balance"), ["key", "at"])
             .withColumn("previous_at", f.lag("at").over(by_key)).withColumn("previous", f.lag("qty").over(by_key)))
    moves = _movements(table).filter(f.col("qty").isNotNull())
    deltas = (moves.filter(f.col("bucket_in").isNotNull()).select(f.col("bucket_in").alias("key"), "at", "qty")
              .unionByName(moves.filter(f.col("bucket_out").isNotNull()).select(
                  f.col("bucket_out").alias("key"), "at", (-f.col("qty")).cast(QTY).alias("qty"))))
    intervals = snaps.select("key", f.col("at").alias("snap_at"), f.col("previous_at").alias("after"))
    placed = deltas.alias("m").join(intervals.alias("s"), (f.col("m.key") == f.col("s.key"))
                                    & (f.col("m.at") <= f.col("s.snap_at"))
                                    & (f.col("s.after").isNull() | (f.col("m.at") > f.col("s.after"))))
    moved = placed.groupBy(f.col("s.key").alias("key"), f.col("snap_at")).agg(
        f.sum(f.col("m.qty")).cast(QTY).alias("moved"))
    pairs = (snaps.filter(f.col("previous_at").isNotNull()).alias("p")
             .join(moved.alias("v"), (f.col("p.key") == f.col("v.key")) & (f.col("p.at") == f.col("v.snap_at")),
                   "left")
             .select("p.*", f.coalesce(f.col("v.moved"), f.lit(0).cast(QTY)).alias("moved"))
             .withColumn("expected", (f.col("previous") + f.col("moved")).cast(QTY))
             .withColumn("gap", (f.col("qty") - f.col("expected")).cast(QTY)))
    return pairs.select(f.col("key").alias("bucket"), "plant", "uom", "previous_at", "at", "previous", "moved",
                        "expected", f.col("qty").alias("actual"), "gap").orderBy("bucket", "at")


def reconciliation_gap(table: DataFrame, params: Params) -> DataFrame:
    f, _ = _require()
    gap = f.col("gap")
    aggs = [f.count(f.lit(1)).alias("pairs"), _count_if(gap != 0).alias("gaps"), f.sum(gap).cast(QTY).alias("net_gap"),
            f.sum(f.abs(gap)).cast(QTY).alias("abs_gap")]
    return _aggregate(reconciliation_details(table), d.group_columns("reconciliation_gap", params), aggs, "pairs")


class SparkBackend:
    """The KPI definitions over a Spark fact table (:class:`mfgcanon.visibility.seam.KpiBackend`)."""

    def release_latency(self, table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
        return release_latency(table, params)

    def posting_outcomes(self, table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
        return posting_outcomes(table, params, as_of)

    def posting_failures(self, table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
        return posting_failures(table, params, as_of)

    def posting_delay(self, table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
        return posting_delay(table, params)

    def exception_aging(self, table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
        return exception_aging(table, params, as_of)

    def unposted_completions(self, table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
        return unposted_completions(table, params, as_of)

    def reconciliation_gap(self, table: DataFrame, params: Params, as_of: datetime) -> DataFrame:
        return reconciliation_gap(table, params)


def kpis(spark: SparkSession, table: DataFrame, params: Params, as_of: datetime | None) -> dict[str, DataFrame]:
    """Every KPI table of a fact table, as Spark DataFrames (lazy: ``collect`` or write them)."""
    _, t = _require()
    backend = SparkBackend()
    out: dict[str, DataFrame] = {}
    for name in d.KPIS:
        columns = d.group_columns(name, params) + d.value_columns(name, params)
        if as_of is None:
            schema = t.StructType([t.StructField(c, t.StringType(), True) for c in columns])
            out[name] = spark.createDataFrame([], schema)
            continue
        out[name] = getattr(backend, name)(table, params, as_of).select(*columns)
    return out


def compute_files(spark: SparkSession, paths: Sequence[str | os.PathLike[str]],
                  params: Params | None = None) -> dict[str, DataFrame]:
    """Every KPI over event files (NDJSON, or Parquet in the raw layout), as Spark DataFrames."""
    params = params or Params()
    table, as_of = load_facts(spark, paths, params)
    return kpis(spark, table, params, as_of)


def rows(frame: DataFrame) -> list[dict[str, Any]]:
    """A KPI table's rows as plain dicts (as the other paths give them: dates, floats, ``Decimal``)."""
    try:
        return [row.asDict() for row in frame.collect()]
    except Exception as exc:
        if _malformed(exc):
            raise _decode_error(exc) from None
        raise


# --- bulk conversion of vendor archives ---------------------------------------------------------------------------

EVENT_COLUMNS: Final = ("event_type", "date", "id", "time", "event")
"""Columns of ``events/`` besides the raw KPI shape (``event``: the whole canonical event as JSON, lossless)."""
REJECT_COLUMNS: Final = ("code", "reason", "location", "line", "payload", "path", "file", "mapper")
"""Columns of ``rejects/``: the original payload (text), the reason and code, where in the file, which file."""


def _context_dict(context: str | os.PathLike[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """The context as plain data every worker rebuilds (checked here first: a bad context fails before the
    job starts)."""
    from mfgcanon.mappers.context import context_from_dict, load_context

    if context is None:
        return {}
    if isinstance(context, Mapping):
        context_from_dict(context)
        return dict(context)
    load_context(Path(context))
    return tomllib.loads(Path(context).read_text(encoding="utf-8"))


def _convert_batch(batches: Iterator[Any], mapper: str | None, context: dict[str, Any]) -> Iterator[Any]:
    """Inside a Spark task: each file of the batch mapped (format sniffed unless named), one output row per
    event, per reject and per file (its counts)."""
    import pyarrow as pa  # type: ignore[import-untyped]

    from mfgcanon import codecs
    from mfgcanon.cli.convert import _detect, _map_inputs, _message_id
    from mfgcanon.mappers import PayloadMeta, Reject, registry
    from mfgcanon.mappers.context import context_from_dict

    ctx = context_from_dict(context)
    schema = _convert_arrow_schema()
    for batch in batches:
        out: dict[str, list[Any]] = {name: [] for name in schema.names}

        def add(out: dict[str, list[Any]] = out, **values: Any) -> None:
            for name in schema.names:
                out[name].append(values.get(name))

        for path, content in zip(batch.column("path").to_pylist(), batch.column("content").to_pylist(), strict=True):
            name = path.rsplit("/", 1)[-1]
            fmt, code, why = (mapper, "unknown_format", "") if mapper else _detect(name, content)
            rejects: list[Reject] = []
            events: list[Any] = []
            records = converted = derived = 0
            if fmt is None:
                rejects.append(Reject(code=code, reason=why, location="/", payload=content[:4096], input=name))
                records = 1
            else:
                meta = {name: PayloadMeta(received_at=ctx.received_at, message_id=_message_id(name))}
                for _, result in _map_inputs(registry.get(fmt), fmt, [(name, content)], ctx, meta):
                    for reject in result.rejects:
                        reject.input, reject.mapper = name, reject.mapper or fmt
                    rejects += result.rejects
                    events += result.events
                    records += result.records_in
                    converted += result.converted
                    derived += result.derived
            for event in events:
                add(kind="event", path=path, file=name, id=str(event.id), type=event.event_type(),
                    time=event.time.isoformat(), date=d.day_of(event.time).isoformat(),
                    event=codecs.encode(event).decode())
            for reject in rejects:
                row = reject.to_dict()
                add(kind="reject", path=path, file=name, mapper=reject.mapper or fmt, code=row["code"],
                    reason=row["reason"], location=row["location"], line=row["line"], payload=row["payload"])
            add(kind="file", path=path, file=name, mapper=fmt, records_in=records, converted=converted,
                rejected=len(rejects), derived=derived, events=len(events))
        yield pa.RecordBatch.from_pydict(out, schema=schema)


def _convert_arrow_schema() -> Any:
    import pyarrow as pa

    s, n = pa.string(), pa.int64()
    return pa.schema([("kind", s), ("path", s), ("file", s), ("mapper", s), ("id", s), ("type", s), ("time", s),
                      ("date", s), ("event", s), ("code", s), ("reason", s), ("location", s), ("line", n),
                      ("payload", s), ("records_in", n), ("converted", n), ("rejected", n), ("derived", n),
                      ("events", n)])


def convert_archive(spark: SparkSession, paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *,
                    mapper: str | None = None,
                    context: str | os.PathLike[str] | Mapping[str, Any] | None = None,
                    pattern: str | None = None, mode: str = "overwrite") -> dict[str, Any]:
    """Convert directories of vendor files (IDoc XML, B2MML, OData/REST JSON dumps) to canonical events with
    the mappers running inside Spark tasks, and write them under ``out``:

    * ``out/events/event_type=.../date=.../*.parquet``: one row per event: the raw KPI shape (envelope and
      ``data``: :func:`load_facts` reads the folder), ``event`` (the whole event as canonical JSON) and ``id``;
    * ``out/rejects/*.parquet``: one row per rejected record (:data:`REJECT_COLUMNS`).

    ``mapper``: a mapper name, or None to sniff each file (:func:`mfgcanon.mappers.registry.detect`; a file no
    mapper or several recognise is a reject). ``context``: a context TOML file or its data, rebuilt in every
    worker. ``pattern``: a glob of file names to read (e.g. ``*.xml``). Returns the counts (``records_in ==
    converted + rejected``, checked)."""
    f, t = _require()
    from mfgcanon.mappers import registry

    if mapper is not None:
        registry.get(mapper)  # an unknown name fails here, typed, not in a task
    ctx = _context_dict(context)
    reader = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
    if pattern:
        reader = reader.option("pathGlobFilter", pattern)
    names = [str(Path(p).resolve()) for p in paths]
    for name in names:
        if not Path(name).exists():
            raise DecodeError(f"{name}: cannot read (no such file or folder)", code="malformed_input", path="$")
    files = reader.load(names).select("path", "content")
    arrow = _convert_arrow_schema()
    ddl = t.StructType([t.StructField(fld.name, t.LongType() if str(fld.type) == "int64" else t.StringType(), True)
                        for fld in arrow])

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        return _convert_batch(batches, mapper, ctx)

    converted = files.mapInArrow(run, ddl).cache()
    try:
        target = Path(out)
        events = converted.filter(f.col("kind") == "event")
        parsed = f.from_json("event", raw_schema())
        (events.select(parsed.alias("e"), "event", f.col("type").alias("event_type"), "date")
         .select("e.*", "event", "event_type", "date")
         .write.mode(mode).partitionBy("event_type", "date").parquet(str(target / "events")))
        (converted.filter(f.col("kind") == "reject").select(*REJECT_COLUMNS)
         .coalesce(1).write.mode(mode).parquet(str(target / "rejects")))
        totals = converted.filter(f.col("kind") == "file").agg(
            f.count(f.lit(1)).alias("files"), *[f.coalesce(f.sum(c), f.lit(0)).alias(c) for c in
                                                 ("records_in", "converted", "rejected", "derived", "events")]
        ).collect()[0].asDict()
    finally:
        converted.unpersist()
    counts = {key: int(value) for key, value in totals.items()}
    if counts["records_in"] != counts["converted"] + counts["rejected"]:  # pragma: no cover - the mapper contract
        raise MappingError(f"unbalanced conversion: {counts}", code="mapping_failed")
    return counts


__all__ = ["QTY", "REJECT_COLUMNS", "SparkBackend", "SparkUnavailableError", "compute_files", "convert_archive",
           "facts", "kpis", "load_facts", "raw_schema", "read_raw", "rows", "session"]
