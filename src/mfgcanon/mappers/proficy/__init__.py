"""The GE Proficy Plant Applications mapper (``proficy-pa``): the ERP import documents (WOID, POID, MMID, MLID)
and the ERP export events read into canonical events, and canonical orders, materials and lots written as import
documents (:mod:`.mapper`).

The mapper dispatches to :mod:`.inbound` (import documents), :mod:`.events` (export events) and :mod:`.writer`
(canonical -> import documents) over the shared
:mod:`.reader` (schema versions, ISO and locale dates, units and plants from the context, code lists); its code
lists and field maps are in ``mappings/proficy/``.

The mapper class is imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfgcanon.mappers.proficy.mapper import ProficyPaMapper

_MODULES = {"ProficyPaMapper": "mapper"}


def __getattr__(name: str) -> Any:
    """Import the mapper's module only when the mapper is asked for (the entry point names this package)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["ProficyPaMapper"]
