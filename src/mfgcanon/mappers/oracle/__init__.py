"""The Oracle mappers: Fusion Cloud SCM REST JSON (:mod:`.fusion`) and E-Business Suite open-interface rows
(:mod:`.ebs`).

Each mapper module dispatches to one module per message family (``fusion_orders``, ``fusion_items``,
``fusion_transactions``; ``ebs_jobs``, ``ebs_transactions``) over :mod:`.common` (typed reads, units, code
lists of ``mappings/oracle/``). The mapper classes are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfgcanon.mappers.oracle.ebs import OracleEbsMapper
    from mfgcanon.mappers.oracle.fusion import OracleFusionMapper

_MODULES = {"OracleFusionMapper": "fusion", "OracleEbsMapper": "ebs"}


def __getattr__(name: str) -> Any:
    """Import a mapper's module only when the mapper is asked for (the entry points name this package)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["OracleEbsMapper", "OracleFusionMapper"]
