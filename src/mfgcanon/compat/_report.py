"""Result types: what a compatibility check found, in a form for people, notebooks and CI."""

from __future__ import annotations

import enum
import html
from typing import Any, Final

import msgspec

__all__ = [
    "REPORT_FORMAT_VERSION",
    "Direction",
    "Finding",
    "Level",
    "Location",
    "Policy",
    "Report",
    "SchemaType",
]

REPORT_FORMAT_VERSION: Final = 1


class Level(enum.StrEnum):
    """Schema-registry compatibility levels (Confluent's names and semantics)."""

    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"
    NONE = "NONE"

    @property
    def transitive(self) -> bool:
        """Whether every earlier version is checked, not only the latest."""
        return self.value.endswith("_TRANSITIVE")

    @property
    def directions(self) -> tuple[Direction, ...]:
        """The checks this level runs, in the order a registry runs them."""
        base = self.value.removesuffix("_TRANSITIVE")
        if base == "BACKWARD":
            return (Direction.BACKWARD,)
        if base == "FORWARD":
            return (Direction.FORWARD,)
        if base == "FULL":
            return (Direction.BACKWARD, Direction.FORWARD)
        return ()


class SchemaType(enum.StrEnum):
    """The schema languages the checker understands."""

    AVRO = "AVRO"
    JSON = "JSON"


class Policy(enum.StrEnum):
    """JSON Schema policy: LENIENT treats open content models as if they were closed."""

    STRICT = "strict"
    LENIENT = "lenient"


class Direction(enum.StrEnum):
    """Which check produced a finding: backward = new schema reads old data, forward = old reads new."""

    BACKWARD = "backward"
    FORWARD = "forward"


class Location(msgspec.Struct, frozen=True, kw_only=True):
    """Where a finding is in one file: a JSON pointer into the document and, when the schema came as
    text, its 1-based line and column (of the member's key for an object member)."""

    file: str | None
    pointer: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file or "<schema>"
        return f"{where}:{self.line}:{self.column}" if self.line is not None else f"{where}:{self.pointer}"


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One difference between two schemas.

    ``path`` points into the schema: a JSON pointer such as ``#/properties/bar`` for JSON Schema
    (Confluent's paths), ``/fields/1/type`` into the reading schema for Avro (Apache Avro's locations).
    ``old``/``new`` are the JSON fragments on each side (``None`` where a side has nothing).
    ``breaking`` is false for differences a registry tolerates (e.g. ``TITLE_CHANGED``); they are listed
    so that the change list is complete, but do not make the schemas incompatible.
    ``name`` says the same as ``path`` in names (``Material.is_lot_managed``); ``old_location`` and
    ``new_location`` are the node in each file (``None`` on a side that has no file, such as a removed
    subject's new side). ``ignored`` marks a finding a configuration ignores: it is kept, not breaking.
    """

    rule: str
    path: str
    direction: Direction
    message: str
    old: Any = None
    new: Any = None
    breaking: bool = True
    version: str | None = None
    name: str | None = None
    old_location: Location | None = None
    new_location: Location | None = None
    ignored: bool = False


class Report(msgspec.Struct, frozen=True, kw_only=True):
    """Outcome of :func:`mfgcanon.compat.check` or :func:`mfgcanon.compat.check_history`.

    ``failed_version`` is the index (0 = oldest) of the version the first failing check ran against;
    transitive levels walk versions newest first and stop there, as registries do. ``checked_versions``
    lists the indexes actually compared, in the order they were compared.
    """

    schema_type: SchemaType
    level: Level
    policy: Policy
    is_compatible: bool
    findings: tuple[Finding, ...] = ()
    failed_version: int | None = None
    failed_version_label: str | None = None
    checked_versions: tuple[int, ...] = ()
    version_labels: tuple[str, ...] = ()

    @property
    def breaking(self) -> tuple[Finding, ...]:
        """Only the findings that make the schemas incompatible."""
        return tuple(f for f in self.findings if f.breaking)

    def __bool__(self) -> bool:
        return self.is_compatible

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON document (``kind: compat_report``) published in docs/reference."""
        body: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(self))  # plain lists, not tuples
        return {"version": REPORT_FORMAT_VERSION, "kind": "compat_report", **body}

    def to_json(self, *, indent: int = 0) -> str:
        """:meth:`to_dict` as JSON text."""
        raw = msgspec.json.encode(self.to_dict())
        if indent:
            raw = msgspec.json.format(raw, indent=indent)
        return raw.decode()

    def summary(self) -> str:
        """One line: verdict, level and counts."""
        n = len(self.breaking)
        if self.is_compatible:
            verdict = "compatible"
        else:
            where = f" (against {self.failed_version_label})" if self.failed_version_label else ""
            verdict = f"INCOMPATIBLE{where}: {n} breaking finding{'s' if n != 1 else ''}"
        extra = len(self.findings) - n
        tail = f", {extra} tolerated difference{'s' if extra != 1 else ''}" if extra else ""
        return f"{self.schema_type} {self.level}: {verdict}{tail}"

    def _repr_html_(self) -> str:
        """Notebook rendering: the verdict, then the findings (cut with a count); every value HTML-escaped."""
        esc = html.escape
        colour = "#1a7f37" if self.is_compatible else "#cf222e"
        rows = "".join(
            "<tr>"
            f"<td><code>{esc(f.rule)}</code></td><td><code>{esc(f.path)}</code>"
            f"{f' <code>{esc(f.name)}</code>' if f.name else ''}</td>"
            f"<td>{esc(f.direction.value)}</td><td>{'yes' if f.breaking else 'no'}</td>"
            f"<td>{esc(f.version or '')}</td><td>{esc(f.message)}</td>"
            "</tr>"
            for f in self.findings[:_MAX_ROWS]
        )
        more = len(self.findings) - _MAX_ROWS
        if more > 0:
            rows += f'<tr><td colspan="6"><i>… {more} more ({len(self.findings)} in all)</i></td></tr>'
        table = (
            "<table><thead><tr><th>rule</th><th>path</th><th>direction</th><th>breaking</th>"
            f"<th>version</th><th>message</th></tr></thead><tbody>{rows}</tbody></table>"
            if self.findings
            else ""
        )
        return f'<div><p style="color:{colour}"><strong>{esc(self.summary())}</strong></p>{table}</div>'

    def __repr__(self) -> str:
        """The summary and the first findings, one line each: readable in a plain REPL."""
        lines = [f"Report: {self.summary()}"]
        lines += [f"  {rule} {path} ({direction}, breaking: {breaking}): {message}"
                  for rule, path, direction, breaking, _, message in map(_cells, self.findings[:_MAX_ROWS])]
        if len(self.findings) > _MAX_ROWS:
            lines.append(f"  … {len(self.findings) - _MAX_ROWS} more ({len(self.findings)} in all)")
        return "\n".join(lines)


_MAX_ROWS: Final = 20
"""Findings shown before the rest is counted (as ``mfgcanon._html.MAX_ROWS``: compat imports nothing else of
mfgcanon, so it keeps its own few lines of table)."""


def _cells(finding: Finding) -> tuple[str, str, str, str, str, str]:
    return (finding.rule, finding.path, finding.direction.value, "yes" if finding.breaking else "no",
            finding.version or "", finding.message)
