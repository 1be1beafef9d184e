"""The B2MML-JSON mapper: B2MML documents in MESA's JSON convention (``$`` for element text, ``@name`` for
attributes), read and written through the B2MML mapper (:mod:`.mapper`) over an exact XML <-> JSON conversion
(:mod:`.convert`), so every noun the B2MML reader and writer handle works in JSON with no mapping code of its own.

The mapper class is imported on first use: it needs lxml.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfgcanon.mappers.b2mml_json.mapper import B2mmlJsonMapper

_MODULES = {"B2mmlJsonMapper": "mapper"}


def __getattr__(name: str) -> Any:
    """Import the mapper's module only when the mapper is asked for (the entry point names this package)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["B2mmlJsonMapper"]
