"""``mfgcanon compat``: every output format and every exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mfgcanon.cli import EXIT_FOUND, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from mfgcanon.cli.app import cli

V1 = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}
V2 = {
    "type": "record",
    "name": "R",
    "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string", "default": "x"}],
}
V3 = {
    "type": "record",
    "name": "R",
    "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}],
}


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    for name, doc in (("v1.avsc", V1), ("v2.avsc", V2), ("v10.avsc", V3)):
        (tmp_path / name).write_text(json.dumps(doc))
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["compat", *args])
    return result.exit_code, result.stdout, result.stderr


def test_check_compatible_text(schemas: Path) -> None:
    code, out, _ = run("check", str(schemas / "v1.avsc"), str(schemas / "v2.avsc"))
    assert code == EXIT_OK
    assert out.strip() == "AVRO BACKWARD: compatible"


def test_check_incompatible_text(schemas: Path) -> None:
    code, out, _ = run("check", str(schemas / "v1.avsc"), str(schemas / "v10.avsc"))
    assert code == EXIT_FOUND
    first, summary = out.strip().splitlines()
    # file:line:col of the field in the new file, the field by name, the pointer beside it
    assert first.startswith(f"{schemas / 'v10.avsc'}:1:74: READER_FIELD_MISSING_DEFAULT_VALUE: R.b: ")
    assert "(/fields/1)" in first
    assert first.endswith(f"[backward vs v1.avsc: {schemas / 'v1.avsc'}:1:1]")
    assert "INCOMPATIBLE" in summary


def test_check_json(schemas: Path) -> None:
    code, out, _ = run("check", str(schemas / "v1.avsc"), str(schemas / "v10.avsc"), "--format", "json")
    assert code == EXIT_FOUND
    doc = json.loads(out)
    assert doc["kind"] == "compat_report"
    assert doc["is_compatible"] is False
    assert doc["findings"][0]["rule"] == "READER_FIELD_MISSING_DEFAULT_VALUE"


def test_check_github(schemas: Path) -> None:
    code, out, err = run("check", str(schemas / "v1.avsc"), str(schemas / "v10.avsc"), "--format", "github")
    assert code == EXIT_FOUND
    assert out.startswith(
        f"::error file={schemas / 'v10.avsc'},line=1,col=74,title=READER_FIELD_MISSING_DEFAULT_VALUE::R.b: "
    )
    assert "INCOMPATIBLE" in err


def test_history_directory_in_natural_order(schemas: Path) -> None:
    # v1, v2, v10: v10 is the new schema, readable from v2 (default) but not v1
    code, _, _ = run("history", str(schemas), "--level", "BACKWARD")
    assert code == EXIT_OK
    code, out, _ = run("history", str(schemas), "--level", "backward_transitive", "--format", "json")
    assert code == EXIT_FOUND
    doc = json.loads(out)
    assert doc["version_labels"] == ["v1.avsc", "v2.avsc"]
    assert doc["failed_version_label"] == "v1.avsc"


def test_history_explicit_files(schemas: Path) -> None:
    code, out, _ = run(
        "history",
        str(schemas / "v10.avsc"),
        str(schemas / "v2.avsc"),
        str(schemas / "v1.avsc"),
        "--level",
        "FULL_TRANSITIVE",
    )
    assert code == EXIT_FOUND
    # NEW is v1.avsc: fine against v2 (newest), but v10 cannot read it (b has no default there)
    # the forward finding points at the new file's node that causes it (v1's record, which lacks b),
    # and names the old file's field it breaks
    assert out.startswith(f"{schemas / 'v1.avsc'}:1:1: READER_FIELD_MISSING_DEFAULT_VALUE: R.b: ")
    assert f"[forward vs v10.avsc: {schemas / 'v10.avsc'}:1:74]" in out


def test_json_schema_policy_and_all(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps({"title": "A", "properties": {"a": {"type": "string"}}}))
    new.write_text(
        json.dumps({"title": "B", "properties": {"a": {"type": "string"}, "b": {"type": "number"}}})
    )
    code, out, _ = run("check", str(old), str(new), "--type", "json")
    assert code == EXIT_FOUND
    assert "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL" in out
    assert "TITLE_CHANGED" not in out
    code, out, _ = run("check", str(old), str(new), "--policy", "lenient", "--all")
    assert code == EXIT_OK
    assert "TITLE_CHANGED" in out
    assert "(tolerated)" in out


def test_input_errors_exit_2(schemas: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.avsc"
    bad.write_text(json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "Nope"}]}))
    code, out, err = run("check", str(schemas / "v1.avsc"), str(bad))
    assert code == EXIT_USAGE
    assert out == ""
    assert str(bad) in err
    assert "/fields/0/type" in err
    assert "AVRO_UNKNOWN_TYPE" in err
    code, _, err = run("check", str(schemas / "v1.avsc"), str(tmp_path / "missing.avsc"))
    assert code == EXIT_USAGE
    assert "UNREADABLE" in err
    code, _, _ = run("check", str(schemas / "v1.avsc"))
    assert code == EXIT_USAGE
    code, _, _ = run("check", str(schemas / "v1.avsc"), str(schemas / "v2.avsc"), "--level", "SIDEWAYS")
    assert code == EXIT_USAGE
    code, _, err = run("history", str(schemas / "v1.avsc"))
    assert code == EXIT_USAGE
    assert "at least two" in err


def test_internal_error_exit_3(schemas: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mfgcanon.cli.compat as module

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "check_history", boom)
    code, _, err = run("check", str(schemas / "v1.avsc"), str(schemas / "v2.avsc"))
    assert code == EXIT_INTERNAL
    assert "internal error" in err
    assert "Traceback" not in err
