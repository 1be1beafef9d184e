"""Our own schemas obey our own compatibility policy (docs/compatibility.md) across released versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from codegen.release import ROOT, verify

from mfgcanon.v1 import __schema_version__

_major, _minor, _ = (int(part) for part in __schema_version__.split("."))
NEXT_MINOR = f"{_major}.{_minor + 1}.0"  # not released yet: a change may ship as it if the policy allows


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
    problems = verify(schemas, NEXT_MINOR)
    assert any("READER_FIELD_MISSING_DEFAULT_VALUE" in p for p in problems), problems


def test_an_optional_field_with_a_default_passes_in_a_minor_version(tmp_path: Path) -> None:
    schemas = _copy(tmp_path)
    path = schemas / "avro" / "v1" / "material.avsc"
    document = json.loads(path.read_text())
    document["fields"].append({"name": "optional_new_field", "type": ["null", "string"], "default": None})
    path.write_text(json.dumps(document))
    assert [p for p in verify(schemas, NEXT_MINOR) if "material.avsc" in p] == []


def test_a_new_schema_needs_a_version_bump(tmp_path: Path) -> None:
    schemas = _copy(tmp_path)
    shutil.copy(schemas / "json" / "v1" / "material.json", schemas / "json" / "v1" / "brand_new.json")
    assert any("brand_new.json: new after" in p for p in verify(schemas, __schema_version__))
    assert [p for p in verify(schemas, NEXT_MINOR) if "brand_new" in p] == []
