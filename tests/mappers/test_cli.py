"""``mfgcanon convert`` and ``mfgcanon mappers list``: output, rejects file, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from mfgcanon import codecs
from mfgcanon.cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE
from mfgcanon.cli.convert import convert
from mfgcanon.cli.mappers import mappers

REPO = Path(__file__).parents[2]
EXAMPLES = sorted(str(p) for p in (REPO / "examples" / "sap").iterdir())
CONTEXT = str(REPO / "examples" / "context.toml")


def test_examples_convert_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "events.ndjson"
    result = CliRunner().invoke(convert, ["--context", CONTEXT, "-o", str(out), *EXAMPLES])
    assert result.exit_code == EXIT_OK, result.output
    events = codecs.decode_lines(out.read_bytes())
    assert len(events) >= len(EXAMPLES)
    assert "0 rejected" in result.output


def test_rejects_file_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(
        "<LOIPRO05><IDOC><EDI_DC40><MESTYP>LOIPRO</MESTYP></EDI_DC40><E1AFKOL><AUFNR>1</AUFNR>"
        "</E1AFKOL></IDOC></LOIPRO05>"
    )
    rejects = tmp_path / "rejects.ndjson"
    result = CliRunner().invoke(
        convert, ["--from", "sap-idoc", "--context", CONTEXT, "--rejects", str(rejects), str(bad)]
    )
    assert result.exit_code == EXIT_FOUND
    (line,) = rejects.read_text().splitlines()
    record = json.loads(line)
    assert record["code"] == "missing_field"
    assert record["location"].startswith("/LOIPRO05/IDOC/E1AFKOL")
    assert record["input"] == str(bad)
    assert "<AUFNR>1</AUFNR>" in record["payload"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    unknown = tmp_path / "x.txt"
    unknown.write_text("hello")
    runner = CliRunner()
    assert runner.invoke(convert, [str(unknown)]).exit_code == EXIT_USAGE
    assert runner.invoke(convert, ["--from", "nope", str(unknown)]).exit_code == EXIT_USAGE
    assert runner.invoke(convert, ["--to", "avro", EXAMPLES[0]]).exit_code == EXIT_USAGE  # needs -o FILE
    assert runner.invoke(convert, [str(tmp_path / "missing.xml")]).exit_code == EXIT_USAGE
    bad_context = tmp_path / "c.toml"
    bad_context.write_text('[plants.1710]\ntimezone = "Mars/Base"\n')
    assert runner.invoke(convert, ["--context", str(bad_context), EXAMPLES[0]]).exit_code == EXIT_USAGE


def test_mappers_list() -> None:
    result = CliRunner().invoke(mappers, ["list", "--format", "json"])
    assert result.exit_code == 0
    names = {m["name"]: m for m in json.loads(result.output)}
    assert names["sap-idoc"]["distribution"] == "mfgcanon"
    text = CliRunner().invoke(mappers, ["list"])
    assert "sap-odata" in text.output


def test_avro_output(tmp_path: Path) -> None:
    out = tmp_path / "events.avro"
    result = CliRunner().invoke(convert, ["--context", CONTEXT, "--to", "avro", "-o", str(out), *EXAMPLES[:3]])
    assert result.exit_code in (EXIT_OK, EXIT_USAGE), result.output
    if result.exit_code == EXIT_OK:
        assert out.read_bytes().startswith(b"Obj\x01")
    else:
        assert "cannot write avro" in result.output
