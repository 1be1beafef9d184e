"""The B2MML (ISA-95) mapper: XML documents of B2MML V0401, V0600 and V07 (V0700 / V0701) read into
canonical events, and canonical events written as B2MML V0600 or V0701 documents (:mod:`.mapper`,
:mod:`.writer`).

The mapper dispatches by noun to one module per message family (``performance``, ``schedule``,
``materials``, ``quality``, ``events``, ``acknowledgements``; quality holds in ``holds``; the writer in
``writer``) over the shared
:mod:`.reader` (version detection, envelope, lenient value readers, plant
and property-map resolution); their code lists are in ``mappings/b2mml/``.

The mapper class is imported on first use: it needs lxml.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfgcanon.mappers.b2mml.mapper import B2mmlMapper

_MODULES = {"B2mmlMapper": "mapper"}


def __getattr__(name: str) -> Any:
    """Import the mapper's module only when the mapper is asked for (the entry point names this package)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["B2mmlMapper"]
