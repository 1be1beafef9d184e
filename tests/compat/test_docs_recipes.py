"""The CI recipes in docs/compatibility.md are valid YAML and their command lines work as documented."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mfgcanon.cli import EXIT_FOUND, EXIT_OK
from mfgcanon.cli.app import cli

yaml = pytest.importorskip("yaml")  # PyYAML comes with the docs extra (mkdocs)

DOC = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"
_RECIPE = re.compile(r"<!-- recipe: (\S+) -->\n```yaml\n(.*?)```", re.DOTALL)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def recipes() -> dict[str, str]:
    """Recipe name -> its ``mfgcanon compat`` command line (each block must parse as YAML)."""
    found: dict[str, str] = {}
    for name, block in _RECIPE.findall(DOC.read_text(encoding="utf-8")):
        parsed = yaml.safe_load(block)
        (command,) = [s for s in _strings(parsed) if s.startswith("mfgcanon compat")]
        found[name] = command
    return found


def test_the_doc_has_the_three_recipes() -> None:
    assert set(recipes()) == {"github", "gitlab", "pre-commit"}


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        capture_output=True,
        check=True,
        env=env,
    )


MATERIAL = {
    "type": "record",
    "name": "Material",
    "namespace": "mfg.v1",
    "fields": [{"name": "id", "type": "string"}, {"name": "qty", "type": "int"}],
}


def _write(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose main branch holds schemas/ and its released snapshot; a feature branch."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    _write(root / "schemas/avro/v1/material.avsc", MATERIAL)
    _write(root / "schemas/released/1.0.0/avro/v1/material.avsc", MATERIAL)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "schemas 1.0.0")
    git(root, "checkout", "-q", "-b", "feature")
    monkeypatch.chdir(root)
    return root


def run(command: str) -> tuple[int, str]:
    """Run a documented command line (``mfgcanon ...``, maybe ``> file``) as the shell would."""
    words = shlex.split(command)
    assert words[0] == "mfgcanon"
    target = None
    if ">" in words:
        at = words.index(">")
        words, target = words[:at], words[at + 1]
    result = CliRunner().invoke(cli, words[1:])
    if target is not None:
        Path(target).write_text(result.stdout)
    return result.exit_code, result.stdout


@pytest.mark.parametrize("name", ["github", "gitlab", "pre-commit"])
def test_recipe_passes_a_compatible_change_and_fails_a_breaking_one(repo: Path, name: str) -> None:
    command = recipes()[name]
    compatible = {
        **MATERIAL,
        "fields": [*MATERIAL["fields"], {"name": "lot", "type": ["null", "string"], "default": None}],
    }
    _write(repo / "schemas/avro/v1/material.avsc", compatible)
    code, _ = run(command)
    assert code == EXIT_OK, command

    breaking = {**MATERIAL, "fields": [{"name": "id", "type": "string"}, {"name": "qty", "type": "boolean"}]}
    _write(repo / "schemas/avro/v1/material.avsc", breaking)
    git(repo, "commit", "-q", "-am", "qty becomes a flag")  # committed on the branch: main is the base
    code, out = run(command)
    assert code == EXIT_FOUND, command
    if name == "github":
        assert out.startswith("::error file=schemas/avro/v1/material.avsc,line=")
        assert "title=TYPE_MISMATCH::Material.qty: " in out
    elif name == "gitlab":
        report = ET.parse(repo / "compat-junit.xml").getroot()
        failure = report.find("testsuite/testcase/failure")
        assert failure is not None
        assert failure.get("type") == "TYPE_MISMATCH"
    else:
        assert out.startswith("schemas/avro/v1/material.avsc:")
        assert ": TYPE_MISMATCH: Material.qty: " in out
