"""Operational visibility: the user's KPIs over canonical events, defined once, computed three ways.

* :mod:`~mfgcanon.visibility.definitions`: parameters, the fact table, the rules (docs/visibility.md);
* :class:`~mfgcanon.visibility.stream.Calculator`: streaming, one event at a time, bounded memory;
* :mod:`~mfgcanon.visibility.columnar`: polars over NDJSON, Avro or Parquet files (extra ``[polars]``);
* :mod:`~mfgcanon.visibility.spark`: the same definitions on PySpark, and vendor archives converted in Spark tasks
  (extra ``[spark]``);
* :class:`~mfgcanon.visibility.seam.KpiBackend`: what each of those engines implements.
"""

from __future__ import annotations

from mfgcanon.visibility.definitions import FACT_COLUMNS, KPIS, Fact, Params, facts_of
from mfgcanon.visibility.stream import Calculator, compute

__all__ = ["FACT_COLUMNS", "KPIS", "Calculator", "Fact", "Params", "compute", "facts_of"]
