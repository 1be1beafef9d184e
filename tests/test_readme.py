"""The README's quick start runs as written, ending in the error it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mfgcanon import errors

README = Path(__file__).resolve().parent.parent / "README.md"


def test_quick_start_runs_and_ends_in_the_documented_error() -> None:
    text = README.read_text()
    code = re.findall(r"```python\n(.*?)```", text, re.S)[0]
    with pytest.raises(errors.ValidationError) as caught:
        exec(compile(code, "README.md", "exec"), {})
    assert (caught.value.code, caught.value.path) == ("unknown_unit", "$.base_uom")
    assert "[unknown_unit] - at $.base_uom" in text


def test_readme_opens_with_the_two_commands() -> None:
    lines = [line for line in README.read_text().splitlines() if line.strip()]
    assert lines[1] == "```bash"
    assert lines[2].startswith("python3 scripts/dev.py demo")
    assert lines[3].startswith("python3 scripts/dev.py test")
    assert (README.parent / ".ci" / "run").read_text().strip().endswith("exec python3 scripts/dev.py test")
