"""The seam between the definitions and the engines that compute them: what a backend implements.

A backend reads canonical events into the fact table of :data:`mfgcanon.visibility.definitions.FACT_COLUMNS`
(same column names and meanings; timestamps UTC microseconds, quantities decimal(38, 9)), and implements one
method per KPI table of :data:`mfgcanon.visibility.definitions.KPIS` over it. Each method returns a table
whose columns are :func:`~mfgcanon.visibility.definitions.group_columns` then
:func:`~mfgcanon.visibility.definitions.value_columns` of that KPI, one row per group, sorted by the grouping
columns with nulls first. :class:`mfgcanon.visibility.columnar.PolarsBackend` is the reference
implementation of this protocol; :class:`mfgcanon.visibility.spark.SparkBackend` ports its expressions one
for one (``join_asof`` as a join on the interval between snapshots, nearest-rank percentiles over
``sort_array``) and passes the same tests (results equal to polars, the streaming calculator and the
scenario's truth).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from mfgcanon.visibility.definitions import Params

Table = Any
"""A DataFrame-like table of the backend (polars LazyFrame, Spark DataFrame)."""


@runtime_checkable
class KpiBackend(Protocol):
    """One method per KPI table: ``(fact table, params, as_of) -> KPI table``."""

    def release_latency(self, table: Table, params: Params, as_of: datetime) -> Table: ...
    def posting_outcomes(self, table: Table, params: Params, as_of: datetime) -> Table: ...
    def posting_failures(self, table: Table, params: Params, as_of: datetime) -> Table: ...
    def posting_delay(self, table: Table, params: Params, as_of: datetime) -> Table: ...
    def exception_aging(self, table: Table, params: Params, as_of: datetime) -> Table: ...
    def unposted_completions(self, table: Table, params: Params, as_of: datetime) -> Table: ...
    def reconciliation_gap(self, table: Table, params: Params, as_of: datetime) -> Table: ...
