"""``mfgcanon convert`` and ``mfgcanon mappers list``: output, rejects file, exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from click.testing import CliRunner

from mfgcanon import codecs
from mfgcanon.cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE
from mfgcanon.cli.convert import convert
from mfgcanon.cli.mappers import mappers

REPO = Path(__file__).parents[2]
EXAMPLES = sorted(str(p) for p in (REPO / "examples" / "sap").iterdir())
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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


def test_avro_output_matches_ndjson(tmp_path: Path) -> None:
    """``--to avro -o FILE`` writes a container that reads back to the same events as the NDJSON output."""
    from mfgcanon import avro
    from mfgcanon.v1.events import Event

    runner = CliRunner()
    # A default zone makes every event time come from the documents (MATMAS has no plant): two runs agree.
    context = tmp_path / "context.toml"
    context.write_text('default_timezone = "UTC"\n' + Path(CONTEXT).read_text())
    ndjson, container = tmp_path / "events.ndjson", tmp_path / "events.avro"
    text = runner.invoke(convert, ["--context", str(context), "-o", str(ndjson), *EXAMPLES])
    assert text.exit_code == EXIT_OK, text.output
    binary = runner.invoke(convert, ["--context", str(context), "--to", "avro", "-o", str(container), *EXAMPLES])
    assert binary.exit_code == EXIT_OK, binary.output
    assert container.read_bytes().startswith(b"Obj\x01")
    expected = codecs.decode_lines(ndjson.read_bytes())
    with container.open("rb") as handle:
        found = list(avro.read_container(handle, type=Event))
    assert len(found) == len(expected) > 0
    # Events without a document time are stamped with the run time (e.g. OData orders): compare the rest.
    untimed = {e.id for e in expected if e.time > datetime.now(UTC) - timedelta(hours=1)}
    assert len(untimed) < len(expected)

    def stable(events: list[Any]) -> list[Any]:
        return [msgspec.structs.replace(e, time=EPOCH) if e.id in untimed else e for e in events]

    assert stable(found) == stable(expected)


def test_an_input_of_unknown_format_is_a_reject_and_the_batch_goes_on(tmp_path: Path) -> None:
    """Without --from, a file no mapper recognises is set aside like a bad record (code, reason, payload,
    input) and counted; the other inputs still convert, and the exit code says something was rejected."""
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    rejects = tmp_path / "rejects.ndjson"
    out = tmp_path / "events.ndjson"
    result = CliRunner().invoke(
        convert, ["--context", CONTEXT, "--rejects", str(rejects), "-o", str(out), EXAMPLES[0], str(unknown)]
    )
    assert result.exit_code == EXIT_FOUND, result.output
    assert out.read_bytes().count(b"\n") >= 1  # the example still converted
    (line,) = rejects.read_text().splitlines()
    record = json.loads(line)
    assert (record["code"], record["input"], record["payload"]) == ("unknown_format", str(unknown), "hello")
    assert "pass --from" in record["reason"]
    assert "1 rejected" in result.output


def test_the_first_rejects_are_listed_on_stderr(tmp_path: Path) -> None:
    """A terminal user sees why records were rejected (input, location, line, code, reason) without the
    rejects file; past five, a count of the rest."""
    bad = tmp_path / "bad.xml"
    bad.write_text(
        "<LOIPRO05><IDOC><EDI_DC40><MESTYP>LOIPRO</MESTYP></EDI_DC40><E1AFKOL><AUFNR>1</AUFNR>\n"
        "</E1AFKOL></IDOC></LOIPRO05>"
    )
    result = CliRunner().invoke(convert, ["--from", "sap-idoc", "--context", CONTEXT, str(bad)])
    assert result.exit_code == EXIT_FOUND
    assert f"rejected {bad} at /LOIPRO05/IDOC/E1AFKOL/WERKS (line 1): [missing_field] order header has no WERKS" in (
        result.stderr
    )
    assert "pass --rejects FILE" in result.stderr

    unknown = []
    for n in range(7):
        path = tmp_path / f"notes{n}.txt"
        path.write_text(f"hello {n}")
        unknown.append(str(path))
    result = CliRunner().invoke(convert, ["--context", CONTEXT, *unknown])
    assert result.exit_code == EXIT_FOUND
    listed = [line for line in result.stderr.splitlines() if line.startswith("mfgcanon: rejected ") and " at " in line]
    assert [line.split()[2] for line in listed] == unknown[:5]
    assert all("[unknown_format] cannot tell the format" in line for line in listed)
    assert "... and 2 more rejects" in result.stderr
    assert "7 rejected" in result.stderr

    quiet = CliRunner().invoke(convert, ["--quiet", "--context", CONTEXT, *unknown])
    assert quiet.exit_code == EXIT_FOUND
    assert quiet.stderr == ""


def test_convert_passes_each_inputs_metadata(tmp_path: Path) -> None:
    """message_id is the input's file name; received_at is --received-at (else the context's), never the
    run time: two runs give the same bytes, and the ids do not depend on the metadata."""
    response = str(Path(EXAMPLES[0]).parent / "rfc_co_mes_prodordconf_create_tt_response.xml")
    outs = []
    for run in ("a", "b"):
        out = tmp_path / f"{run}.ndjson"
        result = CliRunner().invoke(
            convert, ["--context", CONTEXT, "--received-at", "2024-02-01T08:00:00+01:00", "-o", str(out), response]
        )
        assert result.exit_code == EXIT_OK, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    (event,) = [json.loads(line) for line in outs[0].splitlines()]
    assert event["type"] == "mfgcanon.integration.posting_succeeded.v1"
    assert event["recordedtime"] == "2024-02-01T07:00:00Z"
    assert event["data"]["processed_at"] == "2024-02-01T07:00:00Z"
    assert event["data"]["source"]["message_id"] == "rfc_co_mes_prodordconf_create_tt_response.xml"
    default = tmp_path / "default.ndjson"
    assert CliRunner().invoke(convert, ["--context", CONTEXT, "-o", str(default), response]).exit_code == EXIT_OK
    (plain,) = [json.loads(line) for line in default.read_bytes().splitlines()]
    assert plain["recordedtime"] == "2024-01-17T12:00:00Z"  # the context's received_at
    assert plain["id"] == event["id"]


def test_convert_passes_metadata_to_mappers_that_join_payloads(tmp_path: Path) -> None:
    """Regression: map_payloads looked for a ``meta`` parameter on ``to_canonical_many`` (it is ``metas``), so
    OData inputs, mapped together, lost their message_id and received time."""
    folder = Path(EXAMPLES[0]).parent
    inputs = [str(folder / "odata_batch_get_response.json"), str(folder / "odata_product_get_response.json")]
    out = tmp_path / "odata.ndjson"
    result = CliRunner().invoke(
        convert, ["--context", CONTEXT, "--received-at", "2024-02-01T08:00:00+01:00", "-o", str(out), *inputs]
    )
    assert result.exit_code == EXIT_OK, result.output
    events = [json.loads(line) for line in out.read_bytes().splitlines()]
    assert sorted(e["data"]["source"]["message_id"] for e in events) == [Path(i).name for i in sorted(inputs)]
    assert {e["recordedtime"] for e in events} == {"2024-02-01T07:00:00Z"}


def test_convert_refuses_a_naive_received_at(tmp_path: Path) -> None:
    result = CliRunner().invoke(convert, ["--received-at", "2024-02-01T08:00:00", "-o", str(tmp_path / "o"),
                                          EXAMPLES[0]])
    assert result.exit_code == EXIT_USAGE
    assert "--received-at" in result.output
