"""Tables for notebooks (HTML) and the plain REPL (text): one escaping rule and one truncation rule for every
``_repr_html_`` and ``__repr__`` of the library (mapping results, reports, structs through ``frames.show``).

Every value goes through :func:`html.escape` (a payload may hold ``<script>``); long tables show their first
:data:`MAX_ROWS` rows and say how many were left out, so a result of 100,000 events still renders at once.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import msgspec

MAX_ROWS: Final = 20
"""Rows a table shows before it is cut, with a count of the rest."""
MAX_TEXT: Final = 80
"""Characters a cell of the text rendering shows (the HTML one keeps the whole value)."""


def text(value: Any) -> str:
    """A value as a person reads it: enums by value, instants in ISO 8601, decimals exact, bytes decoded."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, msgspec.Struct | list | tuple | dict):
        return msgspec.json.encode(value, enc_hook=str).decode()
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, total: int, limit: int = MAX_ROWS,
          caption: str | None = None) -> str:
    """An HTML table of the first ``limit`` of ``total`` rows; cells already marked up are passed as
    :class:`Markup`, everything else is escaped."""
    esc = html.escape
    shown = []
    for index, row in enumerate(rows):
        if index >= limit:
            break
        shown.append("<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>")
    more = total - len(shown)
    if more > 0:
        shown.append(f'<tr><td colspan="{len(headers)}"><i>… {more} more ({total} in all)</i></td></tr>')
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(shown)}</tbody></table>"


class Markup(str):
    """HTML built here (a nested table): placed in a cell as it is, not escaped again."""


def _cell(value: Any) -> str:
    if isinstance(value, Markup):
        return str(value)
    return html.escape(text(value))


def text_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, total: int,
               limit: int = MAX_ROWS) -> str:
    """The same table as aligned plain text, each cell cut to :data:`MAX_TEXT` characters."""
    body = []
    for index, row in enumerate(rows):
        if index >= limit:
            break
        body.append([_short(text(value)) for value in row])
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    if total > len(body):
        lines.append(f"… {total - len(body)} more ({total} in all)")
    return "\n".join(lines)


def _short(value: str) -> str:
    value = value.replace("\n", "\\n")
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"


def fields(obj: msgspec.Struct, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted field, value) of a struct's set fields: nested structs flattened, empty and absent ones left
    out (what the wire leaves out too); lists of structs kept whole, for :func:`struct_html` to nest."""
    out: list[tuple[str, Any]] = []
    for name in obj.__struct_fields__:
        value = getattr(obj, name)
        if value is None or (isinstance(value, list | tuple) and not value):
            continue
        if isinstance(value, msgspec.Struct):
            out.extend(fields(value, f"{prefix}{name}."))
        else:
            out.append((prefix + name, value))
    return out


def _title(obj: msgspec.Struct) -> str:
    event_type = getattr(type(obj), "event_type", None)
    name: object = getattr(type(obj), "NAME", None)
    if callable(event_type) and name:
        return f"{type(obj).__name__} ({event_type()})"
    return type(obj).__name__


def struct_html(obj: msgspec.Struct, *, limit: int = MAX_ROWS) -> str:
    """A field/value table; a list of structs (lines) is a nested table of its items, cut at ``limit``."""
    rows: list[tuple[str, Any]] = []
    for name, value in fields(obj):
        if isinstance(value, list | tuple) and value and isinstance(value[0], msgspec.Struct):
            rows.append((name, Markup(_lines_html(value, limit))))
        else:
            rows.append((name, value))
    body = table(["field", "value"], rows, total=len(rows), limit=len(rows))
    return f"<div><p><b>{html.escape(_title(obj))}</b></p>{body}</div>"


def _lines_html(lines: Sequence[msgspec.Struct], limit: int) -> str:
    flat = [dict(fields(line)) for line in lines[:limit]]
    headers = list(dict.fromkeys(name for row in flat for name in row))
    rows = [[row.get(name) for name in headers] for row in flat]
    return table(headers, rows, total=len(lines), limit=limit)


def struct_text(obj: msgspec.Struct) -> str:
    """The field/value table as text, for the REPL."""
    rows = [(name, f"[{len(value)} × {type(value[0]).__name__}]"
             if isinstance(value, list | tuple) and isinstance(value[0], msgspec.Struct) else value)
            for name, value in fields(obj)]
    return f"{_title(obj)}\n" + text_table(["field", "value"], rows, total=len(rows), limit=len(rows))


class Display:
    """What :func:`mfgcanon.frames.show` returns: Jupyter calls ``_repr_html_``, the REPL ``__repr__``."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def _repr_html_(self) -> str:
        own = getattr(self.obj, "_repr_html_", None)
        if callable(own):
            return str(own())
        if isinstance(self.obj, msgspec.Struct):
            return struct_html(self.obj)
        if isinstance(self.obj, list | tuple) and all(isinstance(v, msgspec.Struct) for v in self.obj):
            return _lines_html(self.obj, MAX_ROWS)
        return f"<pre>{html.escape(repr(self.obj))}</pre>"

    def __repr__(self) -> str:
        if isinstance(self.obj, msgspec.Struct) and not hasattr(self.obj, "_repr_html_"):
            return struct_text(self.obj)
        return repr(self.obj)
