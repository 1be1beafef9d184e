"""The Microsoft mappers: Dynamics 365 SCM's MES integration messages (:mod:`.mes`), its OData v4 entities and
business events (:mod:`.odata`), and Business Central's analytics API (:mod:`.bc`).

Business Central lives here, not in a package of its own: it is the same vendor's OData v4 (``value`` arrays,
``@odata`` annotations, ``@odata.nextLink`` paging, enums by name) and shares the reader in :mod:`.common`;
its code lists are in ``mappings/bc/``, Dynamics 365's in ``mappings/d365/``.

The mapper classes are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfgcanon.mappers.d365.bc import BcMapper
    from mfgcanon.mappers.d365.mes import D365MesMapper
    from mfgcanon.mappers.d365.odata import D365ODataMapper

_MODULES = {"D365MesMapper": "mes", "D365ODataMapper": "odata", "BcMapper": "bc"}


def __getattr__(name: str) -> Any:
    """Import a mapper's module only when the mapper is asked for (the entry points name this package)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["BcMapper", "D365MesMapper", "D365ODataMapper"]
