"""The notebooks under docs/notebooks run from top to bottom on the bundled samples, and are committed without
outputs (the docs site renders them from a fresh run; outputs in git are noise and can leak payloads)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "docs" / "notebooks").glob("*.ipynb"))
NEEDS = ("nbclient", "nbformat", "ipykernel", "pandas", "polars", "pyarrow")
MISSING = [name for name in NEEDS if importlib.util.find_spec(name) is None]
TIMEOUT = 180
"""Seconds one cell may take (the slowest maps every sample: about two seconds here)."""


def _nbformat() -> Any:
    if MISSING:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the notebooks: {', '.join(MISSING)} not installed (the dev extra has them)")
        pytest.skip(f"notebook tests need {', '.join(MISSING)} (pip install -e '.[dev]')")
    import nbformat

    return nbformat


def test_there_is_a_notebook() -> None:
    assert [path.name for path in NOTEBOOKS] == ["convert-erp-payloads.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nbformat = _nbformat()
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.source[:60]
            assert cell.execution_count is None, cell.source[:60]
    assert notebook.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = _nbformat()
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    # the kernel is this interpreter (jupyter_client starts a "python" kernel with sys.executable) and imports
    # the mfgcanon under test, from the source tree as the tests do
    src = str(Path(__file__).resolve().parents[2] / "src")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p))
    NotebookClient(notebook, timeout=TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "<b>MappingResult</b>: 30 records in, 27 converted into 27 events, 3 rejected" in html
    assert "<b>ProductionOrderReleased (mfgcanon.production_order.released.v1)</b>" in html  # notebook.enable()
    text = "".join(o.get("text", "") for o in outputs)
    assert "decimal128(38, 9)" in text  # the Parquet file kept the model's decimal type
