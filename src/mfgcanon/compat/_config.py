"""``[tool.mfgcanon.compat]`` (pyproject.toml) or ``mfgcanon-compat.toml``: levels, ignores, exclusions.

Globs are ``fnmatch`` patterns matched against a subject (its path relative to the checked folder,
``avro/v1/material.avsc``) and, for ignores, also against a finding's name (``Material.legacy_*``);
``*`` matches across ``/``. A rule id is UPPER_SNAKE (``TYPE_MISMATCH``).
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Any, Final

import msgspec

from mfgcanon.compat._check import PROJECT
from mfgcanon.compat._errors import SchemaInputError
from mfgcanon.compat._report import Finding, Level, Policy

__all__ = ["CONFIG_FILE", "CompatConfig", "load_config"]

CONFIG_FILE: Final = "mfgcanon-compat.toml"
_RULE_RE: Final = re.compile(r"[A-Z][A-Z0-9_]*")
_LEVELS: Final = frozenset({*(m.value for m in Level), PROJECT})
_KEYS: Final = frozenset({"level", "policy", "levels", "ignore", "ignore_only", "exclude", "include", "subject_by"})


class CompatConfig(msgspec.Struct, frozen=True, kw_only=True):
    """What a team decides once for its schema tree; every field has a neutral default."""

    level: str = "BACKWARD"
    policy: str = "strict"
    levels: tuple[tuple[str, str], ...] = ()  # (subject or glob, level), first match wins
    ignore: tuple[str, ...] = ()  # rule ids, or globs of subjects / finding names
    ignore_only: tuple[tuple[str, tuple[str, ...]], ...] = ()  # rule -> globs it is ignored for
    exclude: tuple[str, ...] = ()  # subjects not checked at all
    include: tuple[str, ...] = ()  # when given, only these subjects are checked
    subject_by: str = "path"  # or "name": Avro schemas paired by full name
    source: str | None = None  # the file it came from

    def level_for(self, subject: str, override: str | None = None) -> str:
        """``override`` (a level given on the command line), else the first matching entry, else
        ``level``."""
        if override is not None:
            return override
        for pattern, level in self.levels:
            if pattern == subject or fnmatch.fnmatchcase(subject, pattern):
                return level
        return self.level

    def selects(self, subject: str) -> bool:
        """Whether ``subject`` is checked: matches ``include`` (when given) and no ``exclude``."""
        if self.include and not any(fnmatch.fnmatchcase(subject, p) for p in self.include):
            return False
        return not any(fnmatch.fnmatchcase(subject, p) for p in self.exclude)

    def ignores(self, subject: str, finding: Finding) -> bool:
        """Whether ``finding`` in ``subject`` is ignored by ``ignore`` or ``ignore_only``."""
        names = (subject, finding.name or "", f"{subject}:{finding.name or ''}")
        for entry in self.ignore:
            if _RULE_RE.fullmatch(entry):
                if entry == finding.rule:
                    return True
            elif any(fnmatch.fnmatchcase(n, entry) for n in names if n):
                return True
        for rule, patterns in self.ignore_only:
            if rule == finding.rule and any(fnmatch.fnmatchcase(n, p) for p in patterns for n in names if n):
                return True
        return False


def _fail(message: str, source: str) -> SchemaInputError:
    return SchemaInputError("INVALID_CONFIG", message, source=source)


def _strings(value: Any, key: str, source: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(f"'{key}' must be a string or a list of strings", source)
    return tuple(value)


def _level(value: Any, key: str, source: str) -> str:
    if not isinstance(value, str) or value.upper() not in _LEVELS:
        raise _fail(f"'{key}' = {value!r} is not a level ({', '.join(sorted(_LEVELS))})", source)
    return value.upper()


def from_table(table: Any, source: str) -> CompatConfig:
    """Validate a decoded table; :class:`SchemaInputError` ``INVALID_CONFIG`` names what is wrong."""
    if not isinstance(table, dict):
        raise _fail("the compat configuration must be a table", source)
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise _fail(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}", source)
    levels_raw = table.get("levels", {})
    if not isinstance(levels_raw, dict):
        raise _fail("'levels' must be a table of subject or glob = level", source)
    only_raw = table.get("ignore_only", {})
    if not isinstance(only_raw, dict):
        raise _fail("'ignore_only' must be a table of RULE_ID = [globs]", source)
    for rule in only_raw:
        if not _RULE_RE.fullmatch(rule):
            raise _fail(f"'ignore_only' key {rule!r} is not a rule id (UPPER_SNAKE)", source)
    policy = table.get("policy", "strict")
    if not isinstance(policy, str) or policy.lower() not in {p.value for p in Policy}:
        raise _fail(f"'policy' = {policy!r} is not 'strict' or 'lenient'", source)
    subject_by = table.get("subject_by", "path")
    if subject_by not in ("path", "name"):
        raise _fail(f"'subject_by' = {subject_by!r} is not 'path' or 'name'", source)
    return CompatConfig(
        level=_level(table.get("level", "BACKWARD"), "level", source),
        policy=policy.lower(),
        levels=tuple((str(k), _level(v, f"levels.{k}", source)) for k, v in levels_raw.items()),
        ignore=_strings(table.get("ignore", []), "ignore", source),
        ignore_only=tuple((rule, _strings(v, f"ignore_only.{rule}", source)) for rule, v in only_raw.items()),
        exclude=_strings(table.get("exclude", []), "exclude", source),
        include=_strings(table.get("include", []), "include", source),
        subject_by=subject_by,
        source=source,
    )


def load_config(path: str | Path | None = None, *, directory: str | Path = ".") -> CompatConfig:
    """The configuration in ``path`` (a pyproject.toml or a mfgcanon-compat.toml), else the first of
    ``mfgcanon-compat.toml`` and ``pyproject.toml`` (with the table) found in ``directory``, else defaults.

    In a pyproject.toml the table is ``[tool.mfgcanon.compat]``; a mfgcanon-compat.toml holds the keys
    at top level (or under the same table). A missing ``path`` or invalid TOML is an error.
    """
    if path is None:
        base = Path(directory)
        for candidate in (base / CONFIG_FILE, base / "pyproject.toml"):
            if candidate.is_file():
                config = _read(candidate, required=candidate.name == CONFIG_FILE)
                if config is not None:
                    return config
        return CompatConfig()
    config = _read(Path(path), required=True)
    assert config is not None
    return config


def _read(path: Path, *, required: bool) -> CompatConfig | None:
    source = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaInputError(
            "UNREADABLE", f"cannot read configuration: {exc.strerror or exc}", source=source
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _fail(f"not valid TOML: {exc}", source) from None
    tool = data.get("tool")
    ours = tool.get("mfgcanon") if isinstance(tool, dict) else None
    table = ours.get("compat") if isinstance(ours, dict) else None
    if table is None and path.name != "pyproject.toml":
        table = {k: v for k, v in data.items() if k != "tool"}
    if table is None:
        if required:
            raise _fail("no [tool.mfgcanon.compat] table", source)
        return None
    return from_table(table, source)
