"""The committed schema files: rendered deterministically (same model, same bytes), written, checked.

Layout under the output directory (``schemas/`` in the repository):
``json/v1/<name>.json`` and ``avro/v1/<name>.avsc``, where ``<name>`` is the entity tag
(``production_order``) or the event name (``production_order.released``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mfgcanon.schema import SchemaError
from mfgcanon.schema.avro import avro_schema, lint
from mfgcanon.schema.jsonschema import json_schema
from mfgcanon.v1.events import ENTITY_TYPES, EVENT_TYPES

MAJOR_DIR = "v1"


def export_name(tp: type[Any]) -> str:
    """The file stem of a type: an entity's tag, an event's ``NAME``."""
    name = getattr(tp, "NAME", None)
    if isinstance(name, str) and name:
        return name
    tag = tp.__struct_config__.tag
    if not isinstance(tag, str):
        raise SchemaError(f"{tp.__name__} has no stable tag to name its schema file")
    return tag


def exported_types() -> list[tuple[str, type[Any]]]:
    """(name, class) for every exported type: the entities, then the events."""
    return [(export_name(tp), tp) for tp in (*ENTITY_TYPES, *EVENT_TYPES)]


def _ordered(node: Any, *, keep_order: bool = False) -> Any:
    """Sort object keys (order carries no meaning), except a JSON Schema's ``properties`` (model order)."""
    if isinstance(node, dict):
        keys = list(node) if keep_order else sorted(node)
        return {key: _ordered(node[key], keep_order=(key == "properties" and not keep_order)) for key in keys}
    if isinstance(node, list):
        return [_ordered(item) for item in node]
    return node


def dumps(document: Any) -> bytes:
    """Canonical file bytes: UTF-8, ``indent=2``, sorted keys (JSON Schema properties excepted), newline."""
    return (json.dumps(_ordered(document), indent=2, ensure_ascii=False) + "\n").encode()


def render_all() -> dict[str, bytes]:
    """Relative path -> file bytes for every JSON Schema and Avro schema."""
    files: dict[str, bytes] = {}
    for name, tp in exported_types():
        files[f"json/{MAJOR_DIR}/{name}.json"] = dumps(json_schema(tp, name))
        schema = avro_schema(tp)
        problems = lint(schema)
        if problems:
            raise SchemaError(f"Avro schema {name} has invalid defaults: {'; '.join(problems)}")
        files[f"avro/{MAJOR_DIR}/{name}.avsc"] = dumps(schema)
    return files


@dataclass(frozen=True)
class Drift:
    """The difference between rendered and committed files."""

    stale: list[str]  # differ from what the model renders
    missing: list[str]  # rendered but not on disk
    extra: list[str]  # on disk in a generated folder but no longer rendered

    @property
    def clean(self) -> bool:
        return not (self.stale or self.missing or self.extra)

    def lines(self) -> list[str]:
        return ([f"stale: {p}" for p in self.stale] + [f"missing: {p}" for p in self.missing]
                + [f"extra: {p}" for p in self.extra])


def _generated_dirs(files: Iterable[str]) -> set[str]:
    return {path.rsplit("/", 1)[0] for path in files}


def check(out_dir: Path, files: dict[str, bytes] | None = None) -> Drift:
    """Compare the rendered files with those under ``out_dir`` without writing anything."""
    files = render_all() if files is None else files
    stale, missing = [], []
    for rel, content in sorted(files.items()):
        target = out_dir / rel
        if not target.is_file():
            missing.append(rel)
        elif target.read_bytes() != content:
            stale.append(rel)
    extra = []
    for folder in sorted(_generated_dirs(files)):
        suffix = ".avsc" if folder.startswith("avro/") else ".json"
        directory = out_dir / folder
        if directory.is_dir():
            extra += [f"{folder}/{p.name}" for p in sorted(directory.iterdir())
                      if p.name.endswith(suffix) and f"{folder}/{p.name}" not in files]
    return Drift(stale=stale, missing=missing, extra=extra)


def write(out_dir: Path, files: dict[str, bytes] | None = None) -> list[str]:
    """Write every rendered file that differs (and drop files no longer rendered); return what changed."""
    files = render_all() if files is None else files
    drift = check(out_dir, files)
    for rel in (*drift.stale, *drift.missing):
        target = out_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[rel])
    for rel in drift.extra:
        (out_dir / rel).unlink()
    return drift.lines()
