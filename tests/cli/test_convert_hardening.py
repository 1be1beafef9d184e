"""``mfgcanon convert`` under hostile conditions: endless or deep input, shared or failing outputs, closed
pipes, full disks, Ctrl-C. Each test is the regression test of one defect of the hardening issue."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_process import CONTEXT, EXAMPLES_SAP, REPO, popen, run, run_into_closed_pipe, write_context
from click.testing import CliRunner

from mfgcanon import codecs
from mfgcanon.cli import EXIT_FOUND, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, output
from mfgcanon.cli.app import cli
from mfgcanon.errors import MappingError

ODATA = [p for p in EXAMPLES_SAP if Path(p).name.startswith("odata_")]
IDOC = str(REPO / "examples" / "sap" / "idoc_loipro05_production_order.xml")


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def no_crash(stderr: bytes) -> None:
    text = stderr.decode()
    for crash in ("Traceback", "Exception ignored", "internal error"):
        assert crash not in text, text


# --- 3: an input is read no further than the size limit ------------------------------------------------


def test_dev_zero_is_read_only_up_to_the_limit_and_rejected(tmp_path: Path) -> None:
    context = write_context(tmp_path, max_document_bytes=100_000)
    out, rejects = tmp_path / "events.ndjson", tmp_path / "rejects.ndjson"
    done = run("convert", "--context", context, "-o", str(out), "--rejects", str(rejects), "/dev/zero", IDOC,
               timeout=60)
    assert done.returncode == EXIT_FOUND, done.stderr
    no_crash(done.stderr)
    (reject,) = lines(rejects)
    assert (reject["code"], reject["input"], reject["location"]) == ("document_too_large", "/dev/zero", "/")
    assert "100000 bytes" in str(reject["reason"])
    assert len(codecs.decode_lines(out.read_bytes())) >= 1  # the good input still converted


def test_dev_zero_with_the_default_limit_ends(tmp_path: Path) -> None:
    """No ``max_document_bytes``: the default limit (50 MiB) bounds the read, well under the memory cap."""
    done = run("convert", "--quiet", "--context", CONTEXT, "-o", str(tmp_path / "e.ndjson"), "/dev/zero", IDOC,
               timeout=60)
    assert done.returncode == EXIT_FOUND, done.stderr
    no_crash(done.stderr)


def test_an_endless_stdin_is_rejected_and_the_batch_goes_on(tmp_path: Path) -> None:
    context = write_context(tmp_path, max_document_bytes=100_000)
    rejects = tmp_path / "rejects.ndjson"
    endless = subprocess.Popen(
        [sys.executable, "-c", "import sys\nwhile True: sys.stdout.buffer.write(b'<x>' * 20000)"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        done = run("convert", "--context", context, "--rejects", str(rejects), "-o", str(tmp_path / "e.ndjson"),
                   IDOC, "-", stdin=endless.stdout, timeout=60)
    finally:
        endless.kill()
        endless.wait()
        assert endless.stdout is not None
        endless.stdout.close()
    assert done.returncode == EXIT_FOUND, done.stderr
    (reject,) = lines(rejects)
    assert (reject["code"], reject["input"]) == ("document_too_large", "-")


def test_the_default_limit_is_the_xml_mappers_default() -> None:
    """One number: the CLI cannot import the XML module (it needs lxml), so this test keeps them equal."""
    pytest.importorskip("lxml")
    from mfgcanon.cli.convert import DEFAULT_MAX_DOCUMENT_BYTES
    from mfgcanon.mappers._xml import DEFAULT_MAX_BYTES

    assert DEFAULT_MAX_DOCUMENT_BYTES == DEFAULT_MAX_BYTES


def test_a_bad_size_limit_is_a_usage_error(tmp_path: Path) -> None:
    context = write_context(tmp_path, max_document_bytes=0)
    result = CliRunner().invoke(cli, ["convert", "--context", context, IDOC])
    assert result.exit_code == EXIT_USAGE
    assert "max_document_bytes" in result.stderr


# --- 5: one input that breaks its mapping is that input's reject ----------------------------------------


def test_deeply_nested_input_is_a_reject_and_the_good_files_are_written(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"d":{"results":[' + "[" * 5000 + "]" * 5000 + "]}}")
    alone, out, rejects = tmp_path / "alone.ndjson", tmp_path / "events.ndjson", tmp_path / "rejects.ndjson"
    context = write_context(tmp_path)  # received_at fixed: two runs give the same bytes
    assert run("convert", "--quiet", "--from", "sap-odata", "--context", context, "-o", str(alone),
               *ODATA).returncode == EXIT_OK
    done = run("convert", "--from", "sap-odata", "--context", context, "-o", str(out), "--rejects", str(rejects),
               *ODATA, str(deep))
    assert done.returncode == EXIT_FOUND, done.stderr
    no_crash(done.stderr)
    assert out.read_bytes() == alone.read_bytes()  # the good files, still mapped together
    (reject,) = lines(rejects)
    assert (reject["input"], reject["code"], reject["mapper"]) == (str(deep), "malformed_payload", "sap-odata")
    assert "nested too deeply" in str(reject["reason"])


def test_a_library_error_from_one_input_is_that_inputs_reject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mapper raising a typed error for one payload used to stop the run (exit 2, nothing written)."""
    from mfgcanon.mappers.sap import SapODataMapper

    original = SapODataMapper.to_canonical_many

    def fussy(self: SapODataMapper, payloads: list[bytes], context: object = None) -> object:
        if any(b"BROKEN" in p for p in payloads):
            raise MappingError("this payload is broken", code="malformed_payload")
        return original(self, payloads, context)  # type: ignore[arg-type]

    monkeypatch.setattr(SapODataMapper, "to_canonical_many", fussy)
    broken = tmp_path / "broken.json"
    broken.write_text('{"d": {"results": [], "BROKEN": 1}}')
    out, rejects = tmp_path / "events.ndjson", tmp_path / "rejects.ndjson"
    result = CliRunner().invoke(cli, ["convert", "--from", "sap-odata", "--context", CONTEXT, "-o", str(out),
                                      "--rejects", str(rejects), ODATA[0], str(broken), ODATA[1]])
    assert result.exit_code == EXIT_FOUND, result.output
    (reject,) = lines(rejects)
    assert (reject["input"], reject["code"], reject["reason"]) == (str(broken), "malformed_payload",
                                                                    "this payload is broken")
    assert len(codecs.decode_lines(out.read_bytes())) >= 2


# --- 8: two options naming one file ----------------------------------------------------------------------


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "relative"])
def test_output_and_rejects_on_one_file_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    how: str) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("previous\n")
    other = {"same": events, "symlink": tmp_path / "link", "hardlink": tmp_path / "hard",
             "relative": Path("sub") / ".." / "events.ndjson"}[how]
    if how == "symlink":
        other.symlink_to(events)
    elif how == "hardlink":
        other.hardlink_to(events)
    elif how == "relative":
        (tmp_path / "sub").mkdir()
        monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["convert", "--context", CONTEXT, "-o", str(events), "--rejects", str(other),
                                      *EXAMPLES_SAP])
    assert result.exit_code == EXIT_USAGE
    assert "write to the same file" in result.stderr
    assert events.read_text() == "previous\n"


def test_both_on_stdout_is_refused() -> None:
    result = CliRunner().invoke(cli, ["convert", "--context", CONTEXT, "--rejects", "-", IDOC])
    assert result.exit_code == EXIT_USAGE
    assert "write to the same file" in result.stderr
    assert result.stdout == ""


def test_rejects_file_that_is_also_stdout_is_refused(tmp_path: Path) -> None:
    """``mfgcanon convert ... --rejects F > F``: the same inode through the redirection."""
    target = tmp_path / "both.ndjson"
    with target.open("wb") as stdout:
        done = run("convert", "--context", CONTEXT, "--rejects", str(target), IDOC, stdout=stdout)
    assert done.returncode == EXIT_USAGE, done.stderr
    assert b"write to the same file" in done.stderr


def test_dev_null_may_take_both(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["convert", "--quiet", "--context", CONTEXT, "-o", os.devnull,
                                      "--rejects", os.devnull, IDOC])
    assert result.exit_code == EXIT_OK, result.output


# --- 9: stdout closed early --------------------------------------------------------------------------------


def test_a_closed_stdout_is_an_output_error() -> None:
    done = run_into_closed_pipe("convert", "--context", CONTEXT, *EXAMPLES_SAP)
    assert done.returncode == EXIT_USAGE, done.stderr
    no_crash(done.stderr)
    assert done.stderr.decode().strip().splitlines() == [
        "mfgcanon: cannot write to stdout: the reader closed the pipe before the output was complete"
    ]


def test_head_taking_the_first_bytes_is_an_output_error() -> None:
    """``mfgcanon convert ... | head -c 100``: the write the pipe takes only in part is not success."""
    producer = popen("convert", "--quiet", "--context", CONTEXT, *EXAMPLES_SAP, *EXAMPLES_SAP, *EXAMPLES_SAP,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert producer.stdout is not None
    assert producer.stderr is not None
    head = producer.stdout.read(100)
    producer.stdout.close()
    error = producer.stderr.read()
    assert producer.wait(timeout=120) == EXIT_USAGE, error
    producer.stderr.close()
    assert len(head) == 100
    assert b"the reader closed the pipe" in error
    no_crash(error)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_disk_on_stdout_is_an_output_error() -> None:
    with open("/dev/full", "wb") as full:
        done = run("convert", "--context", CONTEXT, *EXAMPLES_SAP, stdout=full)
    assert done.returncode == EXIT_USAGE, done.stderr
    no_crash(done.stderr)
    assert b"cannot write to stdout: No space left on device" in done.stderr


# --- 10: outputs checked first, written atomically ------------------------------------------------------


def test_a_rejects_path_in_a_missing_folder_is_refused_before_converting(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_text("previous\n")
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    result = CliRunner().invoke(cli, ["convert", "--context", CONTEXT, "-o", str(events), "--rejects",
                                      str(tmp_path / "no" / "such" / "rejects.ndjson"), IDOC, str(unknown)])
    assert result.exit_code == EXIT_USAGE
    assert "does not exist" in result.stderr
    assert events.read_text() == "previous\n"  # nothing converted, nothing written


def _fail_after_half(monkeypatch: pytest.MonkeyPatch, which: int = 1) -> None:
    """Make the ``which``-th file written take half of its bytes and then report a full disk."""
    original = output._write_all
    calls = {"n": 0}

    def failing(write: object, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == which:
            original(write, data[: len(data) // 2])  # type: ignore[arg-type]
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        original(write, data)  # type: ignore[arg-type]

    monkeypatch.setattr(output, "_write_all", failing)


def test_a_full_disk_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated in-process (always runs): the write fails half-way, the previous file stays whole."""
    events = tmp_path / "events.ndjson"
    events.write_text("previous\n")
    _fail_after_half(monkeypatch)
    result = CliRunner().invoke(cli, ["convert", "--context", CONTEXT, "-o", str(events), *EXAMPLES_SAP])
    assert result.exit_code == EXIT_USAGE
    assert f"cannot write {events}: No space left on device (the previous file is kept)" in result.stderr
    assert "internal error" not in result.stderr
    assert events.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.ndjson"]  # no temporary file left


def test_a_failing_rejects_file_keeps_the_events_file_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """All or nothing: when the second output fails, the first is not replaced either."""
    events, rejects = tmp_path / "events.ndjson", tmp_path / "rejects.ndjson"
    events.write_text("previous events\n")
    rejects.write_text("previous rejects\n")
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    _fail_after_half(monkeypatch, which=2)
    result = CliRunner().invoke(cli, ["convert", "--context", CONTEXT, "-o", str(events), "--rejects",
                                      str(rejects), IDOC, str(unknown)])
    assert result.exit_code == EXIT_USAGE
    assert (events.read_text(), rejects.read_text()) == ("previous events\n", "previous rejects\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.ndjson", "notes.txt", "rejects.ndjson"]


def test_a_file_is_replaced_through_its_symlink_and_keeps_its_mode(tmp_path: Path) -> None:
    real = tmp_path / "real.ndjson"
    real.write_text("previous\n")
    real.chmod(0o640)
    link = tmp_path / "link.ndjson"
    link.symlink_to(real)
    result = CliRunner().invoke(cli, ["convert", "--quiet", "--context", CONTEXT, "-o", str(link), IDOC])
    assert result.exit_code == EXIT_OK, result.output
    assert link.is_symlink()
    assert len(codecs.decode_lines(real.read_bytes())) >= 1
    assert real.stat().st_mode & 0o777 == 0o640


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: a real full disk (needs root and mount; skipped where not permitted)."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mountpoint)],
                                 capture_output=True, check=False, timeout=30)
    except OSError as exc:
        pytest.skip(f"cannot run mount: {exc}")
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {mounted.stderr.decode().strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], check=False, timeout=30)


def test_a_real_full_disk_keeps_the_previous_file(tiny_disk: Path) -> None:
    events = tiny_disk / "events.ndjson"
    events.write_text("previous\n")
    done = run("convert", "--context", CONTEXT, "-o", str(events), *EXAMPLES_SAP, *EXAMPLES_SAP, *EXAMPLES_SAP)
    assert done.returncode == EXIT_USAGE, done.stderr
    no_crash(done.stderr)
    assert b"No space left on device" in done.stderr
    assert events.read_text() == "previous\n"
    assert [p.name for p in tiny_disk.iterdir()] == ["events.ndjson"]


# --- 11: Ctrl-C ----------------------------------------------------------------------------------------------


def _interrupted(process: subprocess.Popen[bytes]) -> bytes:
    process.send_signal(signal.SIGINT)
    _, error = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED, error
    return error


def test_sigint_while_reading_an_input_exits_130(tmp_path: Path) -> None:
    fifo = tmp_path / "input.xml"
    os.mkfifo(fifo)
    events = tmp_path / "events.ndjson"
    events.write_text("previous\n")
    process = popen("convert", "--from", "sap-idoc", "-o", str(events), str(fifo),
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with fifo.open("wb"):  # returns once the command has opened the FIFO: it now waits for data
        error = _interrupted(process)
    assert error.decode().splitlines() == ["mfgcanon: interrupted"]
    assert events.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.ndjson", "input.xml"]


def test_sigint_while_blocked_on_stdin_exits_130() -> None:
    process = popen("convert", "--from", "sap-idoc", "-", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE)
    wchan = Path(f"/proc/{process.pid}/wchan")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until it sleeps reading the pipe (else: long enough to start)
        try:
            if "pipe" in wchan.read_text():
                break
        except OSError:
            pass
        time.sleep(0.05)
    error = _interrupted(process)
    assert error.decode().splitlines() == ["mfgcanon: interrupted"]


def test_keyboard_interrupt_in_process_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    import mfgcanon.cli.convert as module

    def interrupt(*_: object) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "_read", interrupt)
    result = CliRunner().invoke(cli, ["convert", IDOC])
    assert result.exit_code == EXIT_INTERRUPTED
    assert result.stderr == "mfgcanon: interrupted\n"
