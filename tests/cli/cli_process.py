"""Run ``mfgcanon`` in a child process (signals, pipes, devices and limits need a real process)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLES_SAP = sorted(str(p) for p in (REPO / "examples" / "sap").iterdir())
CONTEXT = str(REPO / "examples" / "context.toml")
MEMORY_CAP = 3 * 1024**3  # a child that reads without bound fails fast instead of filling the machine


def env() -> dict[str, str]:
    """The environment with this tree's sources first, so the child runs the code under test."""
    paths = [str(REPO / "src"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mfgcanon", *args]


def run(*args: str, timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    """``mfgcanon ARGS`` with a time limit and a memory cap; stdout and stderr captured unless given."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(
        command(*args), env=env(), timeout=timeout, check=False, preexec_fn=_cap_memory, **kwargs
    )


def popen(*args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command(*args), env=env(), preexec_fn=_cap_memory, **kwargs)


def run_into_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """``mfgcanon ARGS`` whose stdout is a pipe that nobody reads any more (``| head`` after it left)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return run(*args, stdout=write_end)
    finally:
        os.close(write_end)


def write_context(folder: Path, **options: int) -> str:
    """The example context with extra ``[options]`` entries."""
    text = Path(CONTEXT).read_text()
    extra = "".join(f"{key} = {value}\n" for key, value in options.items())
    path = folder / "context.toml"
    path.write_text(text.replace("[options]\n", "[options]\n" + extra, 1) if "[options]" in text else
                    text + "\n[options]\n" + extra)
    return str(path)
