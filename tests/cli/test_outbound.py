"""``mfgcanon convert --from canonical --to MAPPER``: canonical NDJSON in, vendor documents out."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_process import CONTEXT, EXAMPLES_SAP, command, env
from click.testing import CliRunner
from lxml import etree

from mfgcanon import codecs
from mfgcanon.cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE
from mfgcanon.cli.app import cli

CONFIRMATION = [p for p in EXAMPLES_SAP if "ppcc2pretticket02" in p]
ISSUE = [p for p in EXAMPLES_SAP if "goods_issue_261" in p and p.endswith(".xml")]
ORDER = [p for p in EXAMPLES_SAP if "loipro05" in p]


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Canonical events of an order, a confirmation and a loose goods issue (from the bundled IDocs)."""
    path = tmp_path_factory.mktemp("events") / "events.ndjson"
    result = CliRunner().invoke(
        cli, ["convert", "--context", CONTEXT, "-o", str(path), *ORDER, *CONFIRMATION, *ISSUE]
    )
    assert result.exit_code == EXIT_OK, result.output
    return path


def _writable(events: Path) -> list[str]:
    """The lines the SAP mappers can write (confirmations and movements)."""
    kept = ("production.confirmed", "material.issued", "material.scrapped", "inventory.received")
    return [line for line in events.read_text().splitlines() if any(k in json.loads(line)["type"] for k in kept)]


def test_out_dir_writes_one_idoc_per_document_with_deterministic_names(events: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text("\n".join(_writable(events)) + "\n")
    out = tmp_path / "idocs"
    args = ["convert", "--context", CONTEXT, "--from", "canonical", "--to", "sap-idoc", "--out-dir", str(out),
            str(source)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_OK, result.output
    assert sorted(p.name for p in out.iterdir()) == ["MBGMCR03-0002.xml", "PPCC2PRETTICKET02-0001.xml"]
    ticket = etree.fromstring((out / "PPCC2PRETTICKET02-0001.xml").read_bytes())
    assert ticket.findtext(".//IDOCTYP") == "PPCC2PRETTICKET02"
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    again = CliRunner().invoke(cli, args)  # a rerun replaces the files with the same bytes
    assert again.exit_code == EXIT_OK
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert "converted into 2 sap-idoc documents" in result.stderr


def test_events_the_writer_cannot_express_and_bad_lines_are_rejects(events: Path, tmp_path: Path) -> None:
    """A bad line is a reject with its line number; an event type the mapper does not write is a reject;
    the others are written and the counts balance."""
    lines = events.read_text().splitlines()
    writable = set(_writable(events))
    source = tmp_path / "in.ndjson"
    source.write_text("\n".join([*lines[:2], "{not json", "", *lines[2:]]) + "\n")
    rejects = tmp_path / "rejects.ndjson"
    out = tmp_path / "bodies"
    result = CliRunner().invoke(
        cli,
        ["convert", "--context", CONTEXT, "--from", "canonical", "--to", "sap-odata", "--out-dir", str(out),
         "--rejects", str(rejects), "--format", "json", str(source)],
    )
    assert result.exit_code == EXIT_FOUND, result.output
    summary = json.loads(result.stdout)  # the documents went to files: the summary is on stdout
    unwritable = len(lines) - len(writable)
    assert summary["records_in"] == len(lines) + 1
    assert summary["converted"] == len(writable)
    assert summary["rejected"] == unwritable + 1
    assert summary["events"] == len(lines)
    assert unwritable > 0
    assert summary["rejects_by_code"] == {"malformed_input": 1, "unmappable_value": unwritable}
    assert summary["documents"] == len(summary["outputs"]) == len(list(out.iterdir())) > 0
    assert all(Path(p).name.startswith("sap-odata-") and p.endswith(".json") for p in summary["outputs"])
    records = [json.loads(line) for line in rejects.read_text().splitlines()]
    bad = next(r for r in records if r["code"] == "malformed_input")
    assert (bad["line"], bad["input"], bad["payload"]) == (3, str(source), "{not json")
    refused = next(r for r in records if r["code"] == "unmappable_value")
    assert "sap-odata cannot write" in refused["reason"]
    assert refused["mapper"] == "sap-odata"
    assert source.read_text().splitlines()[refused["line"] - 1] == refused["payload"]


def test_one_document_goes_to_o_and_several_are_a_usage_error(events: Path, tmp_path: Path) -> None:
    confirmed = [line for line in _writable(events) if "production.confirmed" in line]
    single = tmp_path / "one.ndjson"
    single.write_text(confirmed[0] + "\n")
    target = tmp_path / "ticket.xml"
    base = ["convert", "--context", CONTEXT, "--from", "canonical", "--to", "sap-idoc"]
    result = CliRunner().invoke(cli, [*base, "-o", str(target), str(single)])
    assert result.exit_code == EXIT_OK, result.output
    assert target.read_bytes().lstrip().startswith(b"<")
    both = tmp_path / "both.ndjson"
    both.write_text("\n".join(_writable(events)) + "\n")
    target.write_bytes(b"previous")
    many = CliRunner().invoke(cli, [*base, "-o", str(target), str(both)])
    assert many.exit_code == EXIT_USAGE
    assert "Usage: cli convert" in many.stderr
    assert "--out-dir" in many.stderr
    assert target.read_bytes() == b"previous"  # nothing written


def test_to_a_mapper_that_cannot_write_is_a_usage_error_naming_the_writers(tmp_path: Path) -> None:
    from mfgcanon.mappers import registry

    class ReadOnly:
        name = "read-only"
        description = "test"
        produces = ()
        accepts = ()

        def sniff(self, payload: object) -> bool:
            return False

        def to_canonical(self, payload: object, context: object = None) -> None:
            return None

    source = tmp_path / "in.ndjson"
    source.write_text("")
    registry.register("read-only", ReadOnly)
    try:
        result = CliRunner().invoke(cli, ["convert", "--from", "canonical", "--to", "read-only", str(source)])
    finally:
        registry.unregister("read-only")
    assert result.exit_code == EXIT_USAGE
    assert "Usage: cli convert" in result.stderr
    assert "read-only reads vendor payloads only" in result.stderr
    listed = result.stderr.split("mappers that can write: ", 1)[1].splitlines()[0]
    writers = [name.strip() for name in listed.split(",")]
    assert writers == sorted(writers)
    assert {"sap-idoc", "sap-odata", "oracle-fusion", "oracle-ebs", "d365-mes"} <= set(writers)
    assert "read-only" not in writers
    for args in (["--to", "nope"], [], ["--to", "ndjson"]):
        other = CliRunner().invoke(cli, ["convert", "--from", "canonical", *args, str(source)])
        assert other.exit_code == EXIT_USAGE, args
        assert "sap-idoc, sap-odata" in other.stderr, args


def test_out_dir_needs_from_canonical_and_excludes_o(tmp_path: Path) -> None:
    runner = CliRunner()
    inbound = runner.invoke(cli, ["convert", "--out-dir", str(tmp_path), EXAMPLES_SAP[0]])
    assert inbound.exit_code == EXIT_USAGE
    assert "--from canonical" in inbound.stderr
    both = runner.invoke(cli, ["convert", "--from", "canonical", "--to", "sap-idoc", "--out-dir", str(tmp_path),
                               "-o", str(tmp_path / "x.xml"), EXAMPLES_SAP[0]])
    assert both.exit_code == EXIT_USAGE
    assert "exclude each other" in both.stderr
    a_file = tmp_path / "file"
    a_file.write_text("")
    not_dir = runner.invoke(cli, ["convert", "--from", "canonical", "--to", "sap-idoc", "--out-dir",
                                  str(a_file / "sub"), EXAMPLES_SAP[0]])
    assert not_dir.exit_code == EXIT_USAGE
    assert "is a file, not a folder" in not_dir.stderr


def test_json_summary_on_stderr_when_events_go_to_stdout(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["convert", "--context", CONTEXT, "--format", "json", *CONFIRMATION])
    assert result.exit_code == EXIT_OK, result.output
    assert codecs.decode_lines(result.stdout_bytes)  # stdout holds only the events
    (line,) = result.stderr.splitlines()
    summary = json.loads(line)
    assert summary["outputs"] == ["-"]
    assert summary["inputs"] == CONFIRMATION
    assert summary["records_in"] == summary["converted"]
    assert summary["rejected"] == 0
    assert summary["events"] == len(codecs.decode_lines(result.stdout_bytes))
    to_file = CliRunner().invoke(
        cli, ["convert", "--context", CONTEXT, "--format", "json", "-o", str(tmp_path / "e.ndjson"), *CONFIRMATION]
    )
    assert json.loads(to_file.stdout)["outputs"] == [str(tmp_path / "e.ndjson")]
    assert to_file.stderr == ""


def test_convert_piped_into_validate_stdin() -> None:
    """``mfgcanon convert ... | mfgcanon validate -`` between two real processes."""
    producer = subprocess.Popen(
        command("convert", "--context", CONTEXT, "--quiet", *EXAMPLES_SAP), env=env(), stdout=subprocess.PIPE
    )
    assert producer.stdout is not None
    checker = subprocess.run(
        command("validate", "--format", "json", "-"), env=env(), stdin=producer.stdout, capture_output=True,
        timeout=120, check=False,
    )
    producer.stdout.close()
    assert producer.wait(timeout=120) == EXIT_OK
    assert checker.returncode == EXIT_OK, checker.stderr
    report = json.loads(checker.stdout)
    assert report["files"] == ["-"]
    assert report["valid"] == report["records"] > 0


def test_validate_stdin_reports_bad_lines_with_their_number() -> None:
    result = CliRunner().invoke(cli, ["validate", "-"], input=b'\n{"specversion": "1.0"}\n')
    assert result.exit_code == EXIT_FOUND
    assert result.stdout.startswith("-:2: ")


def test_version_names_the_schema_version() -> None:
    from mfgcanon.v1 import __schema_version__

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == EXIT_OK
    assert result.stdout.startswith("mfgcanon ")
    assert result.stdout.endswith(f" (schema {__schema_version__})\n")


@pytest.mark.parametrize(
    "args",
    [
        ["convert", "--from", "nope", "x.xml"],
        ["convert", "--to", "sap-idoc", "x.xml"],
        ["convert", "--context", "{bad}", "x.xml"],
        ["validate", "--format", "yaml", "x"],
        ["compat", "check", "--level", "NOPE", "a", "b"],
        ["schemas", "export", "--bogus"],
        ["mappers", "list", "--format", "yaml"],
    ],
)
def test_usage_errors_share_clicks_style(args: list[str], tmp_path: Path) -> None:
    """Every command reports a usage error the same way: its usage line, then ``Error: ...``, exit 2."""
    bad_context = tmp_path / "c.toml"
    bad_context.write_text('[plants.1710]\ntimezone = "Mars/Base"\n')
    (tmp_path / "x.xml").write_text("<x/>")
    args = [str(bad_context) if a == "{bad}" else a for a in args]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.stderr.startswith(f"Usage: cli {args[0]}"), result.stderr
    assert "\nError: " in result.stderr


def test_validate_of_an_empty_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith("Usage: cli validate")
    assert "no .json" in result.stderr
