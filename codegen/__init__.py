"""Code generation for mfgcanon: committed schemas and the generated pydantic models.

``python -m codegen`` (from the repository root) regenerates everything; ``python -m codegen --check``
exits 1 when a committed file is stale. Nothing at run time imports this package: the JSON Schema
and Avro rendering lives in :mod:`mfgcanon.schema.export` (the CLI uses it too); this package adds
the pydantic models, which need the pinned datamodel-code-generator (a development tool).
"""

from __future__ import annotations

from codegen.generate import ROOT, check_all, render_everything, write_all

__all__ = ["ROOT", "check_all", "render_everything", "write_all"]
