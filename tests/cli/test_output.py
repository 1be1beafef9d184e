"""The output rules of every command (mfgcanon.cli.output): a closed or full stdout is exit 2 with one
line on stderr, files are replaced atomically, output folders are checked before any work."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from cli_process import REPO, run, run_into_closed_pipe
from click.testing import CliRunner

from mfgcanon.cli import EXIT_FOUND, EXIT_OK, EXIT_USAGE, output
from mfgcanon.cli.app import cli

CANONICAL = REPO / "examples" / "canonical"
SCHEMAS = REPO / "schemas"
CLOSED = "mfgcanon: cannot write to stdout: the reader closed the pipe before the output was complete"


def only_line(stderr: bytes, expected: str) -> None:
    """Exactly the one message: no traceback, no 'Exception ignored' from the flush at exit."""
    assert stderr.decode().splitlines() == [expected], stderr.decode()


@pytest.fixture
def invalid_records(tmp_path: Path) -> Path:
    path = tmp_path / "bad.ndjson"
    path.write_text("".join(json.dumps({"kind": "material", "n": n}) + "\n" for n in range(50)))
    return path


def test_validate_into_a_closed_pipe(invalid_records: Path) -> None:
    done = run_into_closed_pipe("validate", str(invalid_records))
    assert done.returncode == EXIT_USAGE
    assert CLOSED in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()
    done = run_into_closed_pipe("validate", "--format", "json", str(invalid_records))
    assert done.returncode == EXIT_USAGE
    assert CLOSED in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_validate_onto_a_full_disk() -> None:
    with open("/dev/full", "wb") as full:
        done = run("validate", "--format", "json", str(CANONICAL), stdout=full)
    assert done.returncode == EXIT_USAGE
    assert "mfgcanon: cannot write to stdout: No space left on device" in done.stderr.decode()
    assert "internal error" not in done.stderr.decode()


def test_mappers_list_into_a_closed_pipe() -> None:
    for args in (["mappers", "list"], ["mappers", "list", "--format", "json"]):
        done = run_into_closed_pipe(*args)
        assert done.returncode == EXIT_USAGE, args
        only_line(done.stderr, CLOSED)


def test_compat_into_a_closed_pipe(tmp_path: Path) -> None:
    old, new = tmp_path / "v1.avsc", tmp_path / "v2.avsc"
    old.write_text(json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}))
    new.write_text(json.dumps({"type": "record", "name": "R", "fields": [{"name": "b", "type": "int"}]}))
    for fmt in ("text", "json", "github"):
        done = run_into_closed_pipe("compat", "check", str(old), str(new), "--format", fmt)
        assert done.returncode == EXIT_USAGE, fmt
        assert CLOSED in done.stderr.decode()
        assert "Traceback" not in done.stderr.decode()


def test_schemas_export_check_into_a_closed_pipe(tmp_path: Path) -> None:
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, copy)
    (copy / "avro" / "v1" / "material.avsc").unlink()
    done = run_into_closed_pipe("schemas", "export", "--check", "--out", str(copy))
    assert done.returncode == EXIT_USAGE
    only_line(done.stderr, CLOSED)


def test_schemas_export_refuses_a_folder_below_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    result = CliRunner().invoke(cli, ["schemas", "export", "--out", str(tmp_path / "file" / "schemas")])
    assert result.exit_code == EXIT_USAGE
    assert "is a file, not a folder" in result.stderr
    assert "internal error" not in result.stderr


def test_schemas_export_on_a_full_disk_changes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The changed schema files are replaced together: one failing write leaves every previous file."""
    copy = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, copy)
    stale = copy / "json" / "v1" / "production_order.json"
    stale.write_text("{}\n")
    (copy / "avro" / "v1" / "material.avsc").unlink()
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    original = output._write_all
    calls = {"n": 0}

    def second_write_fails(write: object, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        original(write, data)  # type: ignore[arg-type]

    monkeypatch.setattr(output, "_write_all", second_write_fails)
    result = CliRunner().invoke(cli, ["schemas", "export", "--out", str(copy)])
    assert result.exit_code == EXIT_USAGE
    assert "No space left on device" in result.stderr
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before  # no temporary file either
    monkeypatch.undo()
    result = CliRunner().invoke(cli, ["schemas", "export", "--out", str(copy)])
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.splitlines() == ["stale: json/v1/production_order.json", "missing: avro/v1/material.avsc"]
    assert CliRunner().invoke(cli, ["schemas", "export", "--check", "--out", str(copy)]).exit_code == EXIT_OK


def test_a_broken_pipe_outside_the_helper_is_still_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last resort in the command group: a BrokenPipeError is an output error, not 'internal'."""
    from mfgcanon.mappers import registry

    def closed(*_: object) -> None:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(registry, "available", closed)
    result = CliRunner().invoke(cli, ["mappers", "list"])
    assert result.exit_code == EXIT_USAGE
    assert result.stderr == CLOSED + "\n"


def test_echo_keeps_styles_off_a_pipe_and_text_intact() -> None:
    result = CliRunner().invoke(cli, ["mappers", "list", "--format", "json"])
    assert result.exit_code == EXIT_OK
    assert {m["name"] for m in json.loads(result.stdout)} >= {"sap-idoc", "sap-odata"}
    result = CliRunner().invoke(cli, ["validate", str(CANONICAL)])
    assert result.exit_code == EXIT_OK
    assert result.stdout == ""


def test_exit_found_is_unchanged_by_the_helper(invalid_records: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", str(invalid_records)])
    assert result.exit_code == EXIT_FOUND
    assert len(result.stdout.splitlines()) == 50


@pytest.mark.parametrize("module", ["convert", "validate", "compat", "schemas", "mappers"])
def test_every_command_takes_h_on_its_own(module: str) -> None:
    """Each command carries ``-h`` itself: click caches a command's help option the first time it is built,
    so one first run outside the group (a test, an embedding app) must not drop ``-h`` for the process."""
    import importlib

    import click
    from click.testing import CliRunner

    command = next(v for v in vars(importlib.import_module(f"mfgcanon.cli.{module}")).values()
                   if isinstance(v, click.Command) and v.name == module)
    result = CliRunner().invoke(command, ["-h"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
