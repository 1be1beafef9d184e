"""``import mfgcanon`` stays light: no optional dependency is imported with it."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("hypothesis", "pydantic", "fastavro", "lxml", "jsonschema", "click", "rich")


def test_import_mfgcanon_pulls_in_no_optional_dependency() -> None:
    code = (
        "import json, sys; import mfgcanon, mfgcanon.v1, mfgcanon.codecs, mfgcanon.units, mfgcanon.events; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_the_check_itself_can_fail() -> None:
    """The same probe does see hypothesis once the testing helpers are imported."""
    code = "import sys, mfgcanon.testing; print('hypothesis' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"
