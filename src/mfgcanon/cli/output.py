"""Safe output for every ``mfgcanon`` command: the one place that decides how files and stdout are written.

- Output paths are checked before any work is done (:func:`check_targets`, :func:`check_folder`): the
  folder exists and is writable, the path is not a folder, and no two outputs of one run are the same
  file (same name, a symlink to it, the same inode, or stdout redirected to it), so that one output can
  never truncate another.
- Files are written atomically (:func:`write_outputs`): to a temporary file in the target's own folder,
  flushed to disk, then renamed over the target once every output of the run is complete. On any failure
  (full disk, vanished folder, Ctrl-C) the temporary files are removed and the previous files stay as
  they were: never a truncated file ending in a cut line. Character devices and FIFOs (``/dev/null``, a
  named pipe) cannot be renamed over and are written in place.
- Writing to stdout fails loudly (:func:`stdout_errors`, :func:`echo`, :func:`write_stdout`): a reader
  that closed the pipe early (``mfgcanon convert ... | head``), a full disk or any other I/O error is one
  line on stderr and exit 2 (``EXIT_USAGE``: usage, input or output error), never exit 0 and never a
  traceback. stdout is then pointed at /dev/null, as the Python documentation recommends for
  ``BrokenPipeError``, so that the interpreter's flush at exit cannot fail a second time.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import click

from mfgcanon.cli import EXIT_USAGE

STDOUT = "-"
"""The path that means standard output."""

Target = str | Path


class OutputError(click.ClickException):
    """An output could not be written (closed pipe, full disk, folder gone): one line on stderr, exit 2."""

    exit_code = EXIT_USAGE

    def show(self, file: IO[Any] | None = None) -> None:
        with contextlib.suppress(OSError):  # stderr may be gone as well; the exit code still tells
            click.echo(f"mfgcanon: {self.format_message()}", err=True)


def check_targets(targets: Mapping[str, Target | None]) -> None:
    """Refuse, before any work, outputs that cannot be written or that two options share.

    ``targets`` maps the option's name (for the message) to its path: None for an option not given,
    ``-`` for stdout. Raises :class:`click.UsageError` (exit 2).
    """
    seen: dict[object, str] = {}
    for option, target in targets.items():
        if target is None:
            continue
        path = str(target)
        if path != STDOUT:
            _check_writable(option, path)
        for key in _identities(path):
            if key in seen:
                raise click.UsageError(
                    f"{seen[key]} and {option} write to the same file ({path}): one would overwrite the other; "
                    "give them different paths"
                )
            seen[key] = option


def check_folder(option: str, folder: Target) -> None:
    """Refuse, before any work, an output folder that is a file or that cannot be created or written."""
    path = Path(folder)
    existing = next((p for p in (path, *path.parents) if p.exists()), Path(os.curdir))
    if not existing.is_dir():
        raise click.BadParameter(f"{existing} is a file, not a folder", param_hint=[option])
    if not os.access(existing, os.W_OK | os.X_OK):
        raise click.BadParameter(f"the folder {existing} is not writable", param_hint=[option])


def write_outputs(outputs: Sequence[tuple[Target, bytes]]) -> None:
    """Write every output of a run: all files or none, and stdout only once the files are ready.

    Files are staged to temporary files first; then stdout is written; then the files are renamed into
    place. A failure at any step raises :class:`OutputError` and leaves every previous file untouched.
    """
    staged: list[tuple[str, str]] = []
    try:
        for target, data in outputs:
            if str(target) != STDOUT:
                temp = _stage(str(target), data)
                if temp is not None:
                    staged.append(temp)
        for target, data in outputs:
            if str(target) == STDOUT:
                write_stdout(data)
        while staged:
            temp_path, final = staged[0]
            try:
                os.replace(temp_path, final)
            except OSError as exc:
                raise OutputError(f"cannot write {final}: {_reason(exc)}") from None
            staged.pop(0)
    finally:
        for temp_path, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp_path)


def write_stdout(data: bytes) -> None:
    """Write bytes to stdout and flush; an I/O error is an :class:`OutputError`."""
    with stdout_errors():
        sys.stdout.flush()  # text echoed before goes first
        stream = sys.stdout.buffer
        _write_all(stream.write, data)  # a pipe whose reader left can take part of a write and no error
        stream.flush()


def echo(message: str = "", **styles: Any) -> None:
    """One line of text to stdout; an I/O error is an :class:`OutputError` rather than a traceback.

    Plain text goes through :func:`write_stdout` (a text stream drops the count of a short write, and a
    long report can be one write); styled lines are short and go through ``click.secho``, which strips
    the colours when stdout is not a terminal.
    """
    if styles or "\x1b[" in message:
        with stdout_errors():
            click.secho(message, **styles)
        return
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    errors = getattr(sys.stdout, "errors", None) or "strict"
    write_stdout(f"{message}\n".encode(encoding, errors))


@contextlib.contextmanager
def stdout_errors() -> Iterator[None]:
    """Turn an I/O error raised while writing to stdout into an :class:`OutputError` (exit 2).

    Wrap only code that writes to stdout: every ``OSError`` inside is taken to come from it.
    """
    try:
        yield
    except OSError as exc:
        raise stdout_failure(exc) from None


def stdout_failure(exc: OSError) -> OutputError:
    """The error for a failed write to stdout; mutes stdout so that the flush at exit stays silent."""
    _mute_stdout()
    if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
        return OutputError("cannot write to stdout: the reader closed the pipe before the output was complete")
    return OutputError(f"cannot write to stdout: {_reason(exc)}")


def _mute_stdout() -> None:
    """Point file descriptor 1 at /dev/null (the BrokenPipeError recipe of the Python docs)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests, wrappers): nothing to mute
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _check_writable(option: str, path: str) -> None:
    """The path is not a folder and its folder exists and takes new files (the temporary file)."""
    real = os.path.realpath(path)
    try:
        status: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise click.BadParameter(f"cannot use {path}: {_reason(exc)}", param_hint=[option]) from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise click.BadParameter(f"{path} is a folder, not a file", param_hint=[option])
    if status is not None and not stat.S_ISREG(status.st_mode):  # a device or FIFO, written in place
        if not os.access(real, os.W_OK):
            raise click.BadParameter(f"{path} is not writable", param_hint=[option])
        return
    folder = os.path.dirname(real) or os.curdir
    if not os.path.isdir(folder):
        raise click.BadParameter(f"the folder {folder} does not exist", param_hint=[option])
    if not os.access(folder, os.W_OK | os.X_OK):
        raise click.BadParameter(f"the folder {folder} is not writable", param_hint=[option])


def _identities(path: str) -> set[object]:
    """What makes two outputs the same: stdout itself, the resolved path, the file's inode.

    Character devices (``/dev/null``) may be shared: writing twice to them loses nothing.
    """
    keys: set[object] = set()
    if path == STDOUT:
        keys.add(STDOUT)
        try:
            status: os.stat_result | None = os.fstat(sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):
            status = None
    else:
        real = os.path.realpath(path)
        try:
            status = os.stat(real)
        except OSError:
            status = None
        if status is not None and stat.S_ISCHR(status.st_mode):
            return set()
        keys.add(real)
    if status is not None and stat.S_ISREG(status.st_mode):
        keys.add((status.st_dev, status.st_ino))
    return keys


def _stage(path: str, data: bytes) -> tuple[str, str] | None:
    """Write ``data`` next to the target; return (temporary path, final path), or None if written in place."""
    real = os.path.realpath(path)  # through a symlink: the link keeps pointing at the new file
    try:
        status: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    if status is not None and not stat.S_ISREG(status.st_mode):
        try:
            with open(real, "wb", buffering=0) as handle:
                _write_all(handle.write, data)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
        return None
    folder, name = os.path.split(real)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder or os.curdir)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    try:
        try:
            os.fchmod(fd, stat.S_IMODE(status.st_mode) if status is not None else _new_file_mode())
            _write_all(functools.partial(os.write, fd), data)
            _sync(fd)
        finally:
            os.close(fd)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            kept = "the previous file is kept" if status is not None else "no file written"
            raise OutputError(f"cannot write {path}: {_reason(exc)} ({kept})") from None
        raise
    return temp, real


def _write_all(write: Callable[[memoryview], int | None], data: bytes) -> None:
    """Call ``write`` until every byte is written: a short write is continued (the next call then reports
    the error, such as EPIPE or ENOSPC), never taken for success."""
    view = memoryview(data)
    while view:
        written = write(view)
        if not written:  # 0, or None from a non-blocking stream that took nothing
            raise OSError(errno.EIO, "the write made no progress (output closed or full)")
        view = view[written:]


def _sync(fd: int) -> None:
    """Flush to the disk, so that a full disk is seen now (delayed allocation) and not after the rename."""
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP):  # a file system that cannot sync
            raise


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file (0o666 less the umask); mkstemp's own is 0o600."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
