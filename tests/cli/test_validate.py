"""``mfgcanon validate``: every exit code and output format, on the bundled examples and on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mfgcanon.cli.app import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "canonical"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_bundled_examples_are_valid(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "12 valid, 0 invalid" in result.stderr


def test_json_report_counts_types(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["validate", "--format", "json", str(EXAMPLES)])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["kind"] == "validation_report"
    assert report["records"] == report["valid"] == 12
    assert report["by_type"]["mfgcanon.production_order.released.v1"] == 1
    assert report["by_type"]["material"] == 1


def test_invalid_records_are_each_reported_with_path(runner: CliRunner, tmp_path: Path) -> None:
    good = (EXAMPLES / "scenario.ndjson").read_text().splitlines()[1]
    order = json.loads(good)
    order["data"]["operations"][1]["planned_quantity"]["value"] = "-3"
    naive = json.loads(good)
    naive["time"] = "2026-11-24T13:45:00"
    lines = [good, json.dumps(order), "{not json", json.dumps(naive), json.dumps({"kind": "material"})]
    path = tmp_path / "mixed.ndjson"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    out = result.stdout.splitlines()
    assert out == [
        f"{path}:2: $.data.operations[1].planned_quantity.value: negative_quantity: "
        "-3 is negative; the direction of a quantity lives in its type",
        f"{path}:3: $: malformed_input: JSON is malformed: object keys must be strings",
        f"{path}:4: $.time: naive_datetime: datetime has no timezone offset; canonical instants must be "
        "timezone-aware",
        f"{path}:5: $.material_id: missing_field: Object missing required field `material_id`",
    ]
    json_result = runner.invoke(cli, ["validate", "--format", "json", str(path)])
    report = json.loads(json_result.stdout)
    assert (report["valid"], report["invalid"]) == (1, 4)
    assert [f["record"] for f in report["findings"]] == [1, 2, 3, 4]


def test_json_array_and_pretty_printed_documents(runner: CliRunner, tmp_path: Path) -> None:
    events = [json.loads(line) for line in (EXAMPLES / "scenario.ndjson").read_text().splitlines()]
    (tmp_path / "array.json").write_text(json.dumps(events[:3], indent=2))
    (tmp_path / "one.json").write_text(json.dumps(events[4], indent=2))
    result = runner.invoke(cli, ["validate", "--format", "json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["records"] == 4


def test_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["validate", str(tmp_path / "missing.ndjson")]).exit_code == 2
    assert runner.invoke(cli, ["validate"]).exit_code == 2
    (tmp_path / "notes.txt").write_text("hello")
    assert runner.invoke(cli, ["validate", str(tmp_path)]).exit_code == 2
    assert runner.invoke(cli, ["validate", "--format", "xml", str(EXAMPLES)]).exit_code == 2


def test_internal_error_exits_3_without_traceback(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    import mfgcanon.cli.validate as module

    def explode(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "_check", explode)
    result = runner.invoke(cli, ["validate", str(EXAMPLES)])
    assert result.exit_code == 3
    assert "internal error: RuntimeError: boom" in result.stderr
    assert "Traceback" not in result.output


def test_console_script_runs() -> None:
    completed = subprocess.run([sys.executable, "-m", "mfgcanon", "validate", str(EXAMPLES)],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr


def test_an_empty_file_reads_nothing_and_says_so(runner: CliRunner, tmp_path: Path) -> None:
    """Before: "0 record(s) ... all valid", exit 0, for a file that held nothing to validate."""
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"\n  \n")
    result = runner.invoke(cli, ["validate", str(empty)])
    assert result.exit_code == 1
    assert "nothing was read" in result.stderr
    assert "all valid" not in result.stderr
    allowed = runner.invoke(cli, ["validate", "--allow-empty", str(empty)])
    assert allowed.exit_code == 0
    assert "nothing was read" in allowed.stderr


def test_validate_reads_ndjson_as_the_library_does(runner: CliRunner, tmp_path: Path) -> None:
    """A bare CR inside a record does not split it (decode_lines does not either)."""
    from mfgcanon import codecs

    good = (EXAMPLES / "scenario.ndjson").read_bytes().split(b"\n")[0]
    record = good[:-1] + b',"note":"a\rb"}'
    path = tmp_path / "cr.ndjson"
    path.write_bytes(record.replace(b'"a\rb"', b'"a"\r') + b"\n" + good + b"\n")
    library = codecs.decode_lines_lenient(path.read_bytes())
    result = runner.invoke(cli, ["validate", "--format", "json", str(path)])
    report = json.loads(result.stdout)
    assert report["records"] == 2
    assert report["valid"] == len(library[0]) == 2
    assert result.exit_code == 0


def test_invalid_utf8_in_an_unknown_field_gets_one_answer(runner: CliRunner, tmp_path: Path) -> None:
    from mfgcanon import codecs, errors

    good = (EXAMPLES / "scenario.ndjson").read_bytes().split(b"\n")[0]
    bad = good[:-1] + b',"note":"\xff"}'
    with pytest.raises(errors.DecodeError):
        codecs.decode(bad)
    path = tmp_path / "latin1.ndjson"
    path.write_bytes(bad + b"\n")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert "malformed_input" in result.stdout
