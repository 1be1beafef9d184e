"""Our own schemas obey our own compatibility policy (docs/compatibility.md) across released versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from codegen.release import ROOT, verify


def test_committed_schemas_pass_the_project_policy() -> None:
    assert verify() == []


def _copy(tmp_path: Path) -> Path:
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    return schemas


def test_a_change_without_a_version_bump_is_caught(tmp_path: Path) -> None:
    schemas = _copy(tmp_path)
    path = schemas / "json" / "v1" / "material.json"
    document = json.loads(path.read_text())
    document["title"] = "Material (edited)"
    path.write_text(json.dumps(document))
    assert any("changed after 1.0.0 was released" in p for p in verify(schemas, "1.0.0"))


def test_a_breaking_change_in_a_minor_version_is_caught(tmp_path: Path) -> None:
    schemas = _copy(tmp_path)
    path = schemas / "avro" / "v1" / "material.avsc"
    document = json.loads(path.read_text())
    document["fields"].append({"name": "mandatory_new_field", "type": "string"})  # no default: breaks FULL
    path.write_text(json.dumps(document))
    problems = verify(schemas, "1.1.0")
    assert any("READER_FIELD_MISSING_DEFAULT_VALUE" in p for p in problems), problems


def test_an_optional_field_with_a_default_passes_in_a_minor_version(tmp_path: Path) -> None:
    schemas = _copy(tmp_path)
    path = schemas / "avro" / "v1" / "material.avsc"
    document = json.loads(path.read_text())
    document["fields"].append({"name": "optional_new_field", "type": ["null", "string"], "default": None})
    path.write_text(json.dumps(document))
    assert [p for p in verify(schemas, "1.1.0") if "material.avsc" in p] == []
