"""The Tulip mapper: Tulip table records (Tables API) <-> canonical events, through a per-tenant field map
(:mod:`.tables`) with the Common Data Model preset in ``mappings/tulip/``. The mapper class is imported on
first use."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfgcanon.mappers.tulip.mapper import TulipMapper


def __getattr__(name: str) -> Any:
    """Import the mapper's module only when the mapper is asked for (the entry point names this package)."""
    if name != "TulipMapper":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.mapper").TulipMapper


__all__ = ["TulipMapper"]
