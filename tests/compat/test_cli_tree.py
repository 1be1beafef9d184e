"""``mfgcanon compat check DIR --against REF`` and history labels, in every output format (issue #13)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mfgcanon.cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE
from mfgcanon.cli.app import cli

A = {"name": "a", "type": "int"}
B_DEFAULT = {"name": "b", "type": ["null", "string"], "default": None}
B_REQUIRED = {"name": "b", "type": "string"}


def record(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "Material", "namespace": "mfg.v1", "fields": list(fields)}


def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["compat", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """schemas/ with a release root inside: gone.avsc is removed, fresh.avsc added, b dropped from
    material.avsc (it had a default in 1.1.0)."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "schemas/released/1.0.0/avro/v1/material.avsc", record(A))
    write(tmp_path / "schemas/released/1.1.0/avro/v1/material.avsc", record(A, B_DEFAULT))
    write(tmp_path / "schemas/released/1.1.0/avro/v1/gone.avsc", record(A))
    write(tmp_path / "schemas/avro/v1/material.avsc", record(A))  # b dropped: 1.1.0 readers lack it
    write(tmp_path / "schemas/avro/v1/fresh.avsc", record(A))
    return tmp_path


def test_text_lines_are_file_line_col_rule_message(tree: Path) -> None:
    code, out, _ = run("check", "schemas", "--against", "schemas/released", "--level", "FULL_TRANSITIVE")
    assert code == EXIT_FOUND
    lines = out.strip().splitlines()
    # material.avsc dropped b, which had a default in 1.1.0: fine both ways; only the removal breaks
    assert not [line for line in lines if "material.avsc" in line]
    removed = [line for line in lines if "SUBJECT_REMOVED" in line]
    assert removed == [
        "schemas/released/1.1.0/avro/v1/gone.avsc:1:1: SUBJECT_REMOVED: avro/v1/gone.avsc: the subject was removed "
        "(it is in 1.1.0); consumers of it lose their schema [backward vs 1.1.0]"
    ]
    assert any(line.startswith("schemas/avro/v1/fresh.avsc:1:1: SUBJECT_ADDED: ") for line in lines)
    assert lines[-1].startswith("schemas against schemas/released (1.0.0, 1.1.0): INCOMPATIBLE: 1 breaking")


@pytest.fixture
def broken(tree: Path) -> Path:
    write(tree / "schemas/avro/v1/material.avsc", record(A, {"name": "b", "type": "int", "default": 0}))
    (tree / "mfgcanon-compat.toml").write_text('ignore = ["SUBJECT_REMOVED"]\nexclude = ["released/*"]\n')
    return tree


def test_github_annotations_carry_line_and_column_of_the_new_file(broken: Path) -> None:
    code, out, err = run("check", "schemas", "--against", "schemas/released", "--level", "FULL", "--format", "github")
    assert code == EXIT_FOUND
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    new_text = (broken / "schemas/avro/v1/material.avsc").read_text()
    line = new_text[: new_text.index('"type": "int",\n      "default"')].count("\n") + 1
    assert errors, out
    for annotation in errors:
        assert annotation.startswith(f"::error file=schemas/avro/v1/material.avsc,line={line},col=7,title=")
        assert "Material.b" in annotation
    # backward: the new int cannot read 1.1.0's null or string; forward: 1.1.0's union has no int
    assert {a.split("title=")[1].split("::")[0] for a in errors} == {"TYPE_MISMATCH", "MISSING_UNION_BRANCH"}
    assert any("[forward vs 1.1.0" in a for a in errors)  # forward findings annotate the new file too
    assert "INCOMPATIBLE" in err


def test_junit_report_has_a_testcase_per_subject(broken: Path) -> None:
    code, out, _ = run("check", "schemas", "--against", "schemas/released", "--level", "FULL", "--format", "junit")
    assert code == EXIT_FOUND
    root = ET.fromstring(out)
    suite = root.find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"avro/v1/fresh.avsc", "avro/v1/gone.avsc", "avro/v1/material.avsc"}
    failures = cases["avro/v1/material.avsc"].findall("failure")
    assert {f.get("type") for f in failures} == {"TYPE_MISMATCH", "MISSING_UNION_BRANCH"}
    assert all("schemas/avro/v1/material.avsc:" in (f.text or "") for f in failures)
    assert cases["avro/v1/gone.avsc"].findall("failure") == []  # ignored by the configuration
    assert root.get("failures") == "1"


def test_json_tree_document(broken: Path) -> None:
    code, out, _ = run("check", "schemas", "--against", "schemas/released", "--format", "json", "--level", "project")
    assert code == EXIT_FOUND
    doc = json.loads(out)
    assert doc["kind"] == "compat_tree_report"
    assert doc["versions"] == ["1.0.0", "1.1.0"]
    material = next(s for s in doc["subjects"] if s["subject"] == "avro/v1/material.avsc")
    assert material["level"] == "FULL_TRANSITIVE"
    assert material["report"]["kind"] == "compat_report"
    finding = material["findings"][0]
    assert finding["new_location"]["line"] > 1
    assert finding["old_location"]["file"] == "schemas/released/1.1.0/avro/v1/material.avsc"


def test_exit_codes(tree: Path) -> None:
    write(tree / "schemas/released/1.1.0/avro/v1/gone.avsc", record(A))
    (tree / "mfgcanon-compat.toml").write_text('ignore = ["SUBJECT_REMOVED"]\n')
    code, _, _ = run("check", "schemas", "--against", "schemas/released", "--level", "BACKWARD")
    assert code == EXIT_OK
    code, _, err = run("check", "schemas", "--against", "nowhere")
    assert code == EXIT_USAGE
    assert "git ref" in err
    code, _, err = run("check", "schemas", "schemas/released", "--against", "schemas/released")
    assert code == EXIT_USAGE
    code, _, err = run("check", "schemas", "schemas/released")
    assert code == EXIT_USAGE
    (tree / "bad.toml").write_text("level = 3")
    code, _, err = run("check", "schemas", "--against", "schemas/released", "--config", "bad.toml")
    assert code == EXIT_USAGE
    assert "INVALID_CONFIG" in err


# --------------------------------------------------------------- history: versions told apart by folder


@pytest.fixture
def same_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Three material.avsc: the new one equals 1.0.0 but requires b, which 1.1.0 data lacks."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "released/1.0.0/avro/v1/material.avsc", record(A, B_REQUIRED))
    write(tmp_path / "released/1.1.0/avro/v1/material.avsc", record(A))
    write(tmp_path / "schemas/avro/v1/material.avsc", record(A, B_REQUIRED))
    return [
        "released/1.0.0/avro/v1/material.avsc",
        "released/1.1.0/avro/v1/material.avsc",
        "schemas/avro/v1/material.avsc",
    ]


def test_history_labels_versions_by_release_folder_in_every_format(same_names: list[str]) -> None:
    # regression: both versions were labelled "material.avsc", and the 1.1.0 finding was put on 1.0.0's file
    args = ("history", *same_names, "--level", "BACKWARD_TRANSITIVE")
    code, out, _ = run(*args, "--format", "json")
    assert code == EXIT_FOUND
    doc = json.loads(out)
    assert doc["version_labels"] == ["1.0.0", "1.1.0"]
    assert doc["failed_version_label"] == "1.1.0"
    assert {f["version"] for f in doc["findings"]} == {"1.1.0"}
    assert {f["old_location"]["file"] for f in doc["findings"]} == {same_names[1]}
    _, out, _ = run(*args)
    assert f"[backward vs 1.1.0: {same_names[1]}:" in out
    assert "material.avsc]" not in out.replace(same_names[1], "")
    assert "(against 1.1.0)" in out
    _, out, err = run(*args, "--format", "github")
    assert out.startswith(f"::error file={same_names[2]},line=")
    assert "vs 1.1.0" in out
    assert "(against 1.1.0)" in err
    _, out, _ = run(*args, "--format", "junit")
    failure = ET.fromstring(out).find("testsuite/testcase/failure")
    assert failure is not None
    assert f"vs 1.1.0: {same_names[1]}:" in (failure.text or "")
