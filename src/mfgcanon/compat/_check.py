"""Registry levels on top of the pairwise checks: which versions, which directions, when to stop."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePosixPath
from typing import Any, Final

import msgspec

from mfgcanon.compat import _avro, _jsonschema
from mfgcanon.compat._errors import SchemaInputError
from mfgcanon.compat._load import SchemaInput, detect, read_raw
from mfgcanon.compat._locate import avro_trace, json_name
from mfgcanon.compat._positions import PositionIndex, walk
from mfgcanon.compat._report import Direction, Finding, Level, Location, Policy, Report, SchemaType
from mfgcanon.compat._rules import COMPATIBLE_CHANGES_LENIENT, COMPATIBLE_CHANGES_STRICT, rule_summary

__all__ = ["PROJECT", "PROJECT_POLICY", "check", "check_history", "distinct_labels", "resolve_level"]

# The levels mfgcanon holds its own published schemas to (see docs/compatibility.md, "Our policy").
PROJECT_POLICY: Final[dict[str, str]] = {"AVRO": "FULL_TRANSITIVE", "JSON": "BACKWARD_TRANSITIVE"}
PROJECT: Final = "PROJECT"
"""The pseudo-level ``project``: :data:`PROJECT_POLICY`'s level for the schema's language."""

Ignore = Callable[[Finding], bool]


class _Prepared:
    """A schema decoded and parsed once, however many versions it is compared with."""

    __slots__ = ("_positions", "avro", "data", "doc", "jnode", "kind", "source")

    def __init__(self, doc: Any, source: str | None, kind: SchemaType | None, data: bytes | str | None = None) -> None:
        self.doc = doc
        self.source = source
        self.kind = kind
        self.data = data
        self.avro: _avro.AvroSchema | None = None
        self.jnode: _jsonschema.JNode | None = None
        self._positions: PositionIndex | None = None

    def location(self, pointer: str) -> Location:
        """The node at ``pointer`` in this schema's file, with line and column when there was text."""
        pointer = "" if pointer == "/" else pointer
        line = column = None
        if self.data is not None:
            if self._positions is None:
                text = self.data.decode("utf-8", "replace") if isinstance(self.data, bytes) else self.data
                self._positions = PositionIndex(text)
            found = self._positions.position(pointer)
            if found is not None:
                line, column = found
        return Location(file=self.source, pointer=pointer or "/", line=line, column=column)

    def parsed(self, kind: SchemaType) -> _avro.AvroSchema | _jsonschema.JNode:
        try:
            if kind is SchemaType.AVRO:
                if self.avro is None:
                    self.avro = _avro.parse(self.doc)
                return self.avro
            if self.jnode is None:
                self.jnode = _jsonschema.load(self.doc)
            return self.jnode
        except SchemaInputError as exc:
            raise exc.with_source(self.source) from None
        except RecursionError:
            raise SchemaInputError(
                "SCHEMA_TOO_DEEP", "schema nesting is too deep to check", source=self.source
            ) from None


def resolve_level(level: str | Level, kind: SchemaType) -> Level:
    """A registry level; ``project`` becomes :data:`PROJECT_POLICY`'s level for ``kind``."""
    if str(level).upper() == PROJECT:
        return Level(PROJECT_POLICY[kind.value])
    return _coerce_level(level)


_BY_NAME: Final[dict[str, Any]] = {
    **{m.value: m for m in Level},
    **{m.value.upper(): m for m in Policy},
    **{m.value: m for m in SchemaType},
}


def _coerce_level(level: str | Level) -> Level:
    if isinstance(level, Level):
        return level
    found = _BY_NAME.get(level.upper()) if isinstance(level, str) else None
    if isinstance(found, Level):
        return found
    if str(level).upper() == PROJECT:
        raise ValueError("the level 'project' needs the schema's language; use resolve_level")
    try:
        return Level(str(level).upper())
    except ValueError:
        raise ValueError(
            f"unknown compatibility level {level!r}; expected one of {', '.join(m.value for m in Level)}"
        ) from None


def _coerce_policy(policy: str | Policy) -> Policy:
    if isinstance(policy, Policy):
        return policy
    found = _BY_NAME.get(policy.upper()) if isinstance(policy, str) else None
    if isinstance(found, Policy):
        return found
    try:
        return Policy(str(policy).lower())
    except ValueError:
        raise ValueError(f"unknown policy {policy!r}; expected 'strict' or 'lenient'") from None


def _coerce_type(schema_type: str | SchemaType | None) -> SchemaType | None:
    if schema_type is None or isinstance(schema_type, SchemaType):
        return schema_type
    found = _BY_NAME.get(schema_type.upper()) if isinstance(schema_type, str) else None
    if isinstance(found, SchemaType):
        return found
    try:
        return SchemaType(str(schema_type).upper())
    except ValueError:
        raise ValueError(f"unknown schema type {schema_type!r}; expected 'AVRO' or 'JSON'") from None


def _roles(direction: Direction) -> tuple[str, str]:
    """(reader role, writer role) in words: backward = new reads old data."""
    return ("new", "old") if direction is Direction.BACKWARD else ("old", "new")


def _fragment(value: Any) -> str:
    return value if isinstance(value, str) else msgspec.json.encode(value).decode()


def _avro_message(inc: _avro.AvroIncompatibility, direction: Direction, name: str) -> str:
    """The finding's sentence; it starts with the name of the field or type it is about."""
    reader, writer = _roles(direction)
    kind = inc.kind
    if kind == "READER_FIELD_MISSING_DEFAULT_VALUE":
        return (
            f"{name}: field '{inc.message}' in the {reader} schema has no default and is missing in the {writer} schema"
        )
    if kind == "TYPE_MISMATCH":
        return (
            f"{name}: the {reader} schema's {_fragment(inc.reader)} cannot read "
            f"the {writer} schema's {_fragment(inc.writer)}"
        )
    if kind == "MISSING_UNION_BRANCH":
        return (
            f"{name}: the {reader} schema's union {_fragment(inc.reader)} has no branch for "
            f"the {writer} schema's {_fragment(inc.writer)}"
        )
    if kind == "NAME_MISMATCH":
        return (
            f"{name}: the {reader} schema names {inc.reader!r} where the {writer} schema has {inc.writer!r}, no alias"
        )
    if kind == "FIXED_SIZE_MISMATCH":
        return f"{name}: fixed size {inc.reader} in the {reader} schema, {inc.writer} in the {writer} schema"
    if kind == "MISSING_ENUM_SYMBOLS":
        return (
            f"{name}: the {reader} schema's enum lacks {inc.message} used by the {writer} schema and has "
            "no enum-level default"
        )
    if kind == "DECIMAL_SCALE_MISMATCH":
        return f"{name}: decimal scale {inc.reader} in the {reader} schema, {inc.writer} in the {writer} schema"
    if kind == "DECIMAL_PRECISION_NARROWED":
        return (
            f"{name}: decimal precision {inc.reader} in the {reader} schema is less than "
            f"{inc.writer} in the {writer} schema"
        )
    return f"{name}: {rule_summary(kind)}: {inc.message}"  # pragma: no cover - every kind is above


def _avro_findings(old: _Prepared, new: _Prepared, direction: Direction, version: str | None) -> list[Finding]:
    o, n = old.parsed(SchemaType.AVRO), new.parsed(SchemaType.AVRO)
    assert isinstance(o, _avro.AvroSchema)
    assert isinstance(n, _avro.AvroSchema)
    backward = direction is Direction.BACKWARD
    reader, writer = (n, o) if backward else (o, n)
    found = _avro.check_pair(reader, writer)
    if not found:
        return []
    r_prep, w_prep = (new, old) if backward else (old, new)
    findings = []
    for inc in found:
        name, r_ptr, w_ptr = avro_trace(reader, r_prep.doc, writer, w_prep.doc, inc.location or "/")
        f_old, f_new = (inc.writer, inc.reader) if backward else (inc.reader, inc.writer)
        r_loc, w_loc = r_prep.location(r_ptr), w_prep.location(w_ptr)
        findings.append(
            Finding(
                rule=inc.kind,
                path=inc.location or "/",
                direction=direction,
                message=_avro_message(inc, direction, name),
                old=f_old,
                new=f_new,
                version=version,
                name=name,
                old_location=w_loc if backward else r_loc,
                new_location=r_loc if backward else w_loc,
            )
        )
    return findings


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _json_findings(
    old_prep: _Prepared, new_prep: _Prepared, direction: Direction, policy: Policy, version: str | None
) -> list[Finding]:
    old, new = old_prep.parsed(SchemaType.JSON), new_prep.parsed(SchemaType.JSON)
    assert isinstance(old, _jsonschema.JNode)
    assert isinstance(new, _jsonschema.JNode)
    allowed = COMPATIBLE_CHANGES_LENIENT if policy is Policy.LENIENT else COMPATIBLE_CHANGES_STRICT
    forward = direction is Direction.FORWARD
    original, update = (new, old) if forward else (old, new)
    findings = []
    for d in _jsonschema.diff(original, update, allowed):
        f_old, f_new = (d.new, d.old) if forward else (d.old, d.new)
        name = json_name(d.path, new_prep.doc)
        message = f"{name}: {rule_summary(d.type)}"
        if _scalar(d.old) and _scalar(d.new) and (d.old is not None or d.new is not None):
            message += f" ({_show(d.old)} -> {_show(d.new)})"
        if forward:
            message += " [forward: the old schema must accept what the new one allows]"
        findings.append(
            Finding(
                rule=d.type,
                path=d.path,
                direction=direction,
                message=message,
                old=f_old,
                new=f_new,
                breaking=d.type not in allowed,
                version=version,
                name=name,
                old_location=old_prep.location(walk(old_prep.doc, d.path)),
                new_location=new_prep.location(walk(new_prep.doc, d.path)),
            )
        )
    return findings


def _show(value: Any) -> str:
    return (
        "none"
        if value is None
        else repr(value)
        if isinstance(value, str)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
    )


def _compare(
    kind: SchemaType,
    old: _Prepared,
    new: _Prepared,
    direction: Direction,
    policy: Policy,
    version: str | None,
) -> list[Finding]:
    if kind is SchemaType.AVRO:
        return _avro_findings(old, new, direction, version)
    return _json_findings(old, new, direction, policy, version)


def distinct_labels(sources: Sequence[str | None], new_source: str | None = None) -> list[str]:
    """Labels that tell versions apart: the file name when the names differ (``v1.avsc``), else the
    folder that differs (``1.1.0`` for ``released/1.1.0/avro/v1/material.avsc``); ``vN`` in memory."""
    if not any(sources):
        return [f"v{i + 1}" for i in range(len(sources))]
    parts = [PurePosixPath(s.replace("\\", "/")).parts if s else None for s in sources]
    names = [p[-1] if p else f"v{i + 1}" for i, p in enumerate(parts)]
    present = [p for p in parts if p]
    if len(set(names)) == len(names) or not present:
        return names
    everyone = [*present, *([PurePosixPath(new_source.replace("\\", "/")).parts] if new_source else [])]
    common = 0
    shortest = min(len(p) for p in everyone)
    while common < shortest - 1 and len({p[len(p) - 1 - common] for p in everyone}) == 1:
        common += 1
    heads = [p[: len(p) - common] if p else None for p in parts]
    labels = [h[-1] if h else names[i] for i, h in enumerate(heads)]
    if len(set(labels)) != len(labels):
        labels = ["/".join(h) if h else names[i] for i, h in enumerate(heads)]
    return labels


def check_history(
    versions: Sequence[SchemaInput],
    new: SchemaInput,
    level: str | Level = Level.BACKWARD,
    *,
    schema_type: str | SchemaType | None = None,
    policy: str | Policy = Policy.STRICT,
    labels: Sequence[str] | None = None,
    ignore: Ignore | None = None,
) -> Report:
    """Check ``new`` against registered ``versions`` (oldest first) with registry semantics.

    Plain levels compare with the latest version only; ``*_TRANSITIVE`` levels compare with every
    version, newest first, stopping at the first that fails (its index is ``failed_version``). The level
    ``"project"`` is :data:`PROJECT_POLICY`'s level for the schema's language. Versions are labelled by
    ``labels``, else by what tells their files apart (see :func:`distinct_labels`). A finding for which
    ``ignore`` returns true is kept with ``ignored=True`` and does not break compatibility. Raises
    :class:`SchemaInputError` for a schema that cannot be read or is not well formed, and ``ValueError``
    for an unknown level, policy or schema type.
    """
    enabled = gc.isenabled()  # see _gc_paused; inline, as a generator context costs more than a small check
    gc.disable()
    try:
        return _check_history(
            versions, new, level, schema_type=schema_type, policy=policy, labels=labels, ignore=ignore
        )
    except RecursionError:  # reading, parsing or comparing a schema nested past the interpreter's limit
        raise SchemaInputError(
            "SCHEMA_TOO_DEEP", "schema nesting is too deep to check (about 900 levels or more)"
        ) from None
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Parsing a long history builds many small containers the cyclic collector would scan again and
    again (about a third of a 50-version check); none of them form cycles worth collecting mid-check."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_history(
    versions: Sequence[SchemaInput],
    new: SchemaInput,
    level: str | Level,
    *,
    schema_type: str | SchemaType | None,
    policy: str | Policy,
    labels: Sequence[str] | None,
    ignore: Ignore | None,
) -> Report:
    project = str(level).upper() == PROJECT
    lvl = Level.NONE if project else _coerce_level(level)
    pol, forced = _coerce_policy(policy), _coerce_type(schema_type)
    if labels is not None and len(labels) != len(versions):
        raise ValueError(f"{len(labels)} labels given for {len(versions)} versions")
    docs = [read_raw(v) for v in versions]
    new_doc, new_source, new_data = read_raw(new)
    prepared = [_Prepared(doc, src, forced or detect(doc, src), data) for doc, src, data in docs]
    candidate = _Prepared(new_doc, new_source, forced or detect(new_doc, new_source), new_data)
    names = tuple(labels) if labels is not None else tuple(distinct_labels([p.source for p in prepared], new_source))
    kind = candidate.kind or next((p.kind for p in reversed(prepared) if p.kind), None) or SchemaType.JSON
    if project:
        lvl = resolve_level(PROJECT, kind)
    candidate.parsed(kind)  # a broken candidate is an input error even when nothing is compared
    if lvl is Level.NONE or not prepared:
        return Report(schema_type=kind, level=lvl, policy=pol, is_compatible=True, version_labels=names)
    order = list(range(len(prepared) - 1, -1, -1)) if lvl.transitive else [len(prepared) - 1]
    findings: list[Finding] = []
    checked: list[int] = []
    failed: int | None = None
    seen: dict[Any, list[Finding]] = {}  # findings by old text: releases often repeat a schema unchanged
    for index in order:
        old = prepared[index]
        checked.append(index)
        key = old.data if isinstance(old.data, (bytes, str)) else None
        if key is not None and key == candidate.data:
            found: list[Finding] = []  # the same text: nothing to compare, at any level
        elif key is not None and key in seen:
            found = [_relabel(f, names[index], old.source) for f in seen[key]]
        elif old.kind is not None and candidate.kind is not None and old.kind is not candidate.kind:
            found = [
                Finding(
                    rule="SCHEMA_TYPE_CHANGED",
                    path="/",
                    direction=Direction.BACKWARD,
                    message=f"{names[index]} is {old.kind}, the new schema is {candidate.kind}",
                    old=str(old.kind),
                    new=str(candidate.kind),
                    version=names[index],
                    old_location=old.location("/"),
                    new_location=candidate.location("/"),
                )
            ]
        else:
            found = [f for d in lvl.directions for f in _compare(kind, old, candidate, d, pol, names[index])]
            if key is not None:
                seen[key] = found
        if ignore is not None and found:
            found = [
                msgspec.structs.replace(f, breaking=False, ignored=True) if f.breaking and ignore(f) else f
                for f in found
            ]
        findings.extend(found)
        if any(f.breaking for f in found):
            failed = index
            break
    return Report(
        schema_type=kind,
        level=lvl,
        policy=pol,
        is_compatible=failed is None,
        findings=tuple(findings),
        failed_version=failed,
        failed_version_label=None if failed is None else names[failed],
        checked_versions=tuple(checked),
        version_labels=names,
    )


def _relabel(finding: Finding, version: str, source: str | None) -> Finding:
    """A finding found against an identical earlier text, for another version of it."""
    location = finding.old_location
    if location is not None:
        location = msgspec.structs.replace(location, file=source)
    return msgspec.structs.replace(finding, version=version, old_location=location)


def check(
    old: SchemaInput,
    new: SchemaInput,
    level: str | Level = Level.BACKWARD,
    *,
    schema_type: str | SchemaType | None = None,
    policy: str | Policy = Policy.STRICT,
    ignore: Ignore | None = None,
) -> Report:
    """Check one schema change. BACKWARD: ``new`` reads data written with ``old``; FORWARD: the reverse."""
    return check_history([old], new, level, schema_type=schema_type, policy=policy, ignore=ignore)
