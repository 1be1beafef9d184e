"""The SAP mappers: IDoc XML (:mod:`.idoc`) and S/4HANA OData V2 JSON (:mod:`.odata`).

Each mapper module dispatches to one module per message family (``idoc_orders``, ``idoc_materials``,
``odata_quality`` ...) over a shared reader (``idoc_reader``, ``odata_reader``) and writer (``idoc_writer``,
``odata_writer``). SAP value parsing (ALPHA keys, trailing-minus decimals, ``YYYYMMDD``, ``/Date(ms)/``) is in
:mod:`.values`; SAP semantics (units, movement types, statuses, posting helpers) in :mod:`.common`; their
code lists in ``mappings/sap/``.

The mapper classes are imported on first use: ``SapODataMapper`` needs no lxml, ``SapIdocMapper`` does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mfgcanon.mappers.sap.idoc import SapIdocMapper
    from mfgcanon.mappers.sap.odata import SapODataMapper

_MODULES = {"SapIdocMapper": "idoc", "SapODataMapper": "odata"}


def __getattr__(name: str) -> Any:
    """Import a mapper's module only when the mapper is asked for (the entry points name this package)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["SapIdocMapper", "SapODataMapper"]
