"""EBS open-interface rows: which table a row belongs to, rows from JSON or CSV, rows written as CSV.

Rows are plain dicts keyed by column name. A payload is a JSON object keyed by table name (``{"MTL_TRANSACTIONS_
INTERFACE": [...]}``), a list of rows, one row, or CSV text with a header line (one table per file: the CLI's
``mfgcanon convert --from oracle-ebs rows.csv``); the table of a row without a table name is told by its columns.
CSV values are text: the readers take ``"-100"`` as they take ``-100``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

WJSI = "WIP_JOB_SCHEDULE_INTERFACE"
MTI = "MTL_TRANSACTIONS_INTERFACE"
LOTS = "MTL_TRANSACTION_LOTS_INTERFACE"
SERIALS = "MTL_SERIAL_NUMBERS_INTERFACE"
WMTI = "WIP_MOVE_TXN_INTERFACE"
TABLES = (WJSI, MTI, LOTS, SERIALS, WMTI)


@dataclass
class Row:
    """One interface row: its table, the row, its JSON pointer, its CSV line (header = line 1) if any."""

    table: str
    data: Mapping[str, Any]
    pointer: str
    line: int | None = None
    number: int = 0  # which payload of a to_canonical_many call


def table_of(columns: Mapping[str, Any] | Sequence[str]) -> str | None:
    """The interface table a row's columns belong to (None: not an EBS interface row)."""
    names = set(columns)
    if "TRANSACTION_TYPE_ID" in names:
        return MTI
    if "FM_OPERATION_SEQ_NUM" in names or "TO_INTRAOPERATION_STEP_TYPE" in names:
        return WMTI
    if "LOAD_TYPE" in names or ("JOB_NAME" in names and "START_QUANTITY" in names):
        return WJSI
    if "TRANSACTION_INTERFACE_ID" in names and "LOT_NUMBER" in names:
        return LOTS
    if "TRANSACTION_INTERFACE_ID" in names and "FM_SERIAL_NUMBER" in names:
        return SERIALS
    return None


def looks_like_csv(text: str) -> bool:
    """Whether text starts with a CSV header of an interface table."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if not first or first[0] in "{[<":
        return False
    return table_of([c.strip().strip('"') for c in first.split(",")]) is not None


def csv_rows(text: str) -> list[Row]:
    """The rows of a CSV file (empty cells are absent columns)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    rows: list[Row] = []
    header = [c.strip() for c in reader.fieldnames or []]
    table = table_of(header) or ""
    for index, record in enumerate(reader):
        data = {str(k).strip(): v for k, v in record.items() if k is not None and v not in (None, "")}
        extra = record.get(None)
        if extra:
            data["__extra__"] = extra
        rows.append(Row(table, data, f"/{index}", reader.line_num))
    return rows


def json_rows(data: Any, prefix: str = "") -> list[Row] | None:
    """The rows of parsed JSON; None when it is not a row, a list of rows or a table-keyed object."""
    if isinstance(data, Mapping) and any(name in data for name in TABLES):
        found = []
        for name, rows in data.items():
            if name not in TABLES:
                found.append(Row("", {name: rows}, f"{prefix}/{name}"))
                continue
            items = rows if isinstance(rows, list) else [rows]
            found.extend(Row(name, r, f"{prefix}/{name}/{i}") for i, r in enumerate(items))
        return found
    if isinstance(data, list):
        return [Row(table_of(r) or "" if isinstance(r, Mapping) else "", r, f"{prefix}/{i}")
                for i, r in enumerate(data)]
    if isinstance(data, Mapping):
        return [Row(table_of(data) or "", data, prefix)]
    return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def to_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """Rows as CSV (columns in order of first appearance; decimals written exactly, never in exponent form)."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(columns))
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")
