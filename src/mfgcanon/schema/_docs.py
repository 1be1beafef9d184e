"""Descriptions shared by the JSON Schema and Avro exports, read once from the model."""

from __future__ import annotations

import inspect
from typing import Any


def class_doc(cls: type[Any]) -> str | None:
    """A class's own docstring, cleaned (``inspect.cleandoc``); inherited docstrings do not count."""
    raw = cls.__dict__.get("__doc__")
    if not isinstance(raw, str) or not raw.strip():
        return None
    return inspect.cleandoc(raw)
