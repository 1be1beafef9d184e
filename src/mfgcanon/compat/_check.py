"""Registry levels on top of the pairwise checks: which versions, which directions, when to stop."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from typing import Any

from mfgcanon.compat import _avro, _jsonschema
from mfgcanon.compat._errors import SchemaInputError
from mfgcanon.compat._load import SchemaInput, detect, read
from mfgcanon.compat._report import Direction, Finding, Level, Policy, Report, SchemaType
from mfgcanon.compat._rules import COMPATIBLE_CHANGES_LENIENT, COMPATIBLE_CHANGES_STRICT, rule_summary

__all__ = ["check", "check_history"]


class _Prepared:
    """A schema decoded and parsed once, however many versions it is compared with."""

    __slots__ = ("avro", "doc", "jnode", "kind", "source")

    def __init__(self, doc: Any, source: str | None, kind: SchemaType | None) -> None:
        self.doc = doc
        self.source = source
        self.kind = kind
        self.avro: _avro.AvroSchema | None = None
        self.jnode: _jsonschema.JNode | None = None

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


def _coerce_level(level: str | Level) -> Level:
    try:
        return Level(str(level).upper())
    except ValueError:
        raise ValueError(
            f"unknown compatibility level {level!r}; expected one of {', '.join(m.value for m in Level)}"
        ) from None


def _coerce_policy(policy: str | Policy) -> Policy:
    try:
        return Policy(str(policy).lower())
    except ValueError:
        raise ValueError(f"unknown policy {policy!r}; expected 'strict' or 'lenient'") from None


def _coerce_type(schema_type: str | SchemaType | None) -> SchemaType | None:
    if schema_type is None:
        return None
    try:
        return SchemaType(str(schema_type).upper())
    except ValueError:
        raise ValueError(f"unknown schema type {schema_type!r}; expected 'AVRO' or 'JSON'") from None


def _roles(direction: Direction) -> tuple[str, str]:
    """(reader role, writer role) in words: backward = new reads old data."""
    return ("new", "old") if direction is Direction.BACKWARD else ("old", "new")


def _avro_message(inc: _avro.AvroIncompatibility, direction: Direction) -> str:
    reader, writer = _roles(direction)
    kind = inc.kind
    if kind == "READER_FIELD_MISSING_DEFAULT_VALUE":
        return (
            f"field '{inc.message}' in the {reader} schema has no default "
            f"and is missing in the {writer} schema"
        )
    if kind == "TYPE_MISMATCH":
        return f"the {reader} schema's {inc.reader} cannot read the {writer} schema's {inc.writer}"
    if kind == "MISSING_UNION_BRANCH":
        return f"the {reader} schema's union has no branch for the {writer} schema's {inc.writer}"
    if kind == "NAME_MISMATCH":
        return (
            f"the {reader} schema names {inc.reader!r} where the {writer} schema has {inc.writer!r}, no alias"
        )
    if kind == "FIXED_SIZE_MISMATCH":
        return f"fixed size {inc.reader} in the {reader} schema, {inc.writer} in the {writer} schema"
    if kind == "MISSING_ENUM_SYMBOLS":
        return (
            f"the {reader} schema's enum lacks {inc.message} used by the {writer} schema and has no "
            "enum-level default"
        )
    return f"{rule_summary(kind)}: {inc.message}"


def _avro_findings(
    reader: _avro.AvroSchema, writer: _avro.AvroSchema, direction: Direction, version: str | None
) -> list[Finding]:
    findings = []
    for inc in _avro.check_pair(reader, writer):
        old, new = (inc.writer, inc.reader) if direction is Direction.BACKWARD else (inc.reader, inc.writer)
        findings.append(
            Finding(
                rule=inc.kind,
                path=inc.location or "/",
                direction=direction,
                message=_avro_message(inc, direction),
                old=old,
                new=new,
                version=version,
            )
        )
    return findings


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _json_findings(
    old: _jsonschema.JNode, new: _jsonschema.JNode, direction: Direction, policy: Policy, version: str | None
) -> list[Finding]:
    allowed = COMPATIBLE_CHANGES_LENIENT if policy is Policy.LENIENT else COMPATIBLE_CHANGES_STRICT
    forward = direction is Direction.FORWARD
    original, update = (new, old) if forward else (old, new)
    findings = []
    for d in _jsonschema.diff(original, update, allowed):
        f_old, f_new = (d.new, d.old) if forward else (d.old, d.new)
        message = rule_summary(d.type)
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
        o, n = old.parsed(kind), new.parsed(kind)
        assert isinstance(o, _avro.AvroSchema)
        assert isinstance(n, _avro.AvroSchema)
        reader, writer = (n, o) if direction is Direction.BACKWARD else (o, n)
        return _avro_findings(reader, writer, direction, version)
    oj, nj = old.parsed(kind), new.parsed(kind)
    assert isinstance(oj, _jsonschema.JNode)
    assert isinstance(nj, _jsonschema.JNode)
    return _json_findings(oj, nj, direction, policy, version)


def _default_label(value: SchemaInput, source: str | None, index: int) -> str:
    if source is not None:
        return source.replace("\\", "/").rsplit("/", 1)[-1]
    return f"v{index + 1}"


def check_history(
    versions: Sequence[SchemaInput],
    new: SchemaInput,
    level: str | Level = Level.BACKWARD,
    *,
    schema_type: str | SchemaType | None = None,
    policy: str | Policy = Policy.STRICT,
    labels: Sequence[str] | None = None,
) -> Report:
    """Check ``new`` against registered ``versions`` (oldest first) with registry semantics.

    Plain levels compare with the latest version only; ``*_TRANSITIVE`` levels compare with every
    version, newest first, stopping at the first that fails (its index is ``failed_version``). Raises
    :class:`SchemaInputError` for a schema that cannot be read or is not well formed, and ``ValueError``
    for an unknown level, policy or schema type.
    """
    with _gc_paused():
        try:
            return _check_history(versions, new, level, schema_type=schema_type, policy=policy, labels=labels)
        except RecursionError:  # reading, parsing or comparing a schema nested past the interpreter's limit
            raise SchemaInputError(
                "SCHEMA_TOO_DEEP", "schema nesting is too deep to check (about 900 levels or more)"
            ) from None


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
) -> Report:
    lvl, pol, forced = _coerce_level(level), _coerce_policy(policy), _coerce_type(schema_type)
    if labels is not None and len(labels) != len(versions):
        raise ValueError(f"{len(labels)} labels given for {len(versions)} versions")
    docs = [read(v) for v in versions]
    new_doc, new_source = read(new)
    prepared = [_Prepared(doc, src, forced or detect(doc, src)) for doc, src in docs]
    candidate = _Prepared(new_doc, new_source, forced or detect(new_doc, new_source))
    names = (
        tuple(labels)
        if labels is not None
        else tuple(
            _default_label(v, src, i) for i, (v, (_, src)) in enumerate(zip(versions, docs, strict=True))
        )
    )
    kind = candidate.kind or next((p.kind for p in reversed(prepared) if p.kind), None) or SchemaType.JSON
    candidate.parsed(kind)  # a broken candidate is an input error even when nothing is compared
    if lvl is Level.NONE or not prepared:
        return Report(schema_type=kind, level=lvl, policy=pol, is_compatible=True, version_labels=names)
    order = list(range(len(prepared) - 1, -1, -1)) if lvl.transitive else [len(prepared) - 1]
    findings: list[Finding] = []
    checked: list[int] = []
    failed: int | None = None
    for index in order:
        old = prepared[index]
        checked.append(index)
        if old.kind is not None and candidate.kind is not None and old.kind is not candidate.kind:
            found = [
                Finding(
                    rule="SCHEMA_TYPE_CHANGED",
                    path="/",
                    direction=Direction.BACKWARD,
                    message=f"{names[index]} is {old.kind}, the new schema is {candidate.kind}",
                    old=str(old.kind),
                    new=str(candidate.kind),
                    version=names[index],
                )
            ]
        else:
            found = [f for d in lvl.directions for f in _compare(kind, old, candidate, d, pol, names[index])]
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


def check(
    old: SchemaInput,
    new: SchemaInput,
    level: str | Level = Level.BACKWARD,
    *,
    schema_type: str | SchemaType | None = None,
    policy: str | Policy = Policy.STRICT,
) -> Report:
    """Check one schema change. BACKWARD: ``new`` reads data written with ``old``; FORWARD: the reverse."""
    return check_history([old], new, level, schema_type=schema_type, policy=policy)
