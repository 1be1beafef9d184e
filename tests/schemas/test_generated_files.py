"""The committed generated files are fresh, pinned by golden copies, and the drift check can fail."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mfgcanon.cli import EXIT_FOUND, EXIT_OK
from mfgcanon.cli.schemas import schemas
from mfgcanon.schema import export

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"


@functools.cache
def rendered_files() -> dict[str, bytes]:
    return export.render_all()


@pytest.mark.parametrize("golden", sorted(p.name for p in GOLDEN.iterdir()), ids=str)
def test_golden_copies_match_byte_for_byte(golden: str) -> None:
    """A change here is a change of the published contract: update the golden copy on purpose."""
    folder = "avro/v1" if golden.endswith(".avsc") else "json/v1"
    rendered = rendered_files()[f"{folder}/{golden}"]
    assert rendered == (GOLDEN / golden).read_bytes()
    assert rendered.endswith(b"}\n")
    assert b"\n  " in rendered


def test_rendering_is_deterministic() -> None:
    assert export.render_all() == rendered_files()


def test_committed_schemas_are_fresh() -> None:
    drift = export.check(ROOT / "schemas", rendered_files())
    assert drift.clean, "stale schema files; run `python -m codegen`:\n" + "\n".join(drift.lines())


def test_cli_check_passes_on_the_tree_and_fails_after_drift(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(schemas, ["export", "--check", "--out", str(ROOT / "schemas")])
    assert result.exit_code == EXIT_OK, result.output
    copy = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", copy)
    target = copy / "json" / "v1" / "production_order.json"
    target.write_text(target.read_text().replace('"additionalProperties": false', '"additionalProperties": true', 1))
    (copy / "avro" / "v1" / "material.avsc").unlink()
    (copy / "avro" / "v1" / "retired_entity.avsc").write_text("{}\n")
    result = runner.invoke(schemas, ["export", "--check", "--out", str(copy)])
    assert result.exit_code == EXIT_FOUND
    assert result.stdout.splitlines() == ["stale: json/v1/production_order.json", "missing: avro/v1/material.avsc",
                                          "extra: avro/v1/retired_entity.avsc"]
    result = runner.invoke(schemas, ["export", "--out", str(copy)])
    assert result.exit_code == EXIT_OK, result.output
    assert not (copy / "avro" / "v1" / "retired_entity.avsc").exists()
    assert runner.invoke(schemas, ["export", "--check", "--out", str(copy)]).exit_code == EXIT_OK


def test_codegen_check_covers_the_pydantic_models() -> None:
    """``python -m codegen --check`` regenerates the pydantic module in memory (datamodel-codegen 0.89.0)."""
    pytest.importorskip("datamodel_code_generator")
    done = subprocess.run([sys.executable, "-m", "codegen", "--check"], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr
