"""Schema exports of the canonical model: JSON Schema 2020-12, Avro, registry subject naming.

Everything here reads the msgspec model and returns plain JSON-ready values; files are written by
:mod:`mfgcanon.schema.export` (used by ``python -m codegen`` and ``mfgcanon schemas export``).
No optional dependency is imported by these modules.
"""

from __future__ import annotations

from mfgcanon.errors import MfgcanonError


class SchemaError(MfgcanonError, TypeError):
    """A model type that cannot be expressed in the requested schema language (a bug in the model)."""

    code = "unencodable_value"


__all__ = ["SchemaError"]
