"""Mappers: vendor payloads (SAP IDoc, SAP OData, plugins) to canonical events and back.

>>> from mfgcanon import mappers
>>> mapper = mappers.get("sap-idoc")                     # imported on first use
>>> result = mapper.to_canonical(xml_bytes, mappers.load_context("context.toml"))
>>> result.events, result.rejects                          # every record is one or the other

Mappers register under the entry-point group ``mfgcanon.mappers`` (the built-ins too); see
:mod:`mfgcanon.mappers.registry`. What every mapper needs (exact numbers, local times, units, code lists,
derived ids, checked emission, paging) is in :mod:`mfgcanon.mappers.helpers`. Importing this package
imports no vendor module and no lxml.
"""

from __future__ import annotations

from mfgcanon.mappers._base import (
    BaseMapper,
    Document,
    Mapper,
    MappingResult,
    Payload,
    PayloadMeta,
    RecordError,
    Reject,
    map_each,
    map_payload,
    map_payloads,
    write_documents,
)
from mfgcanon.mappers.context import LookupValue, MappingContext, Resolver, context_from_dict, load_context
from mfgcanon.mappers.registry import (
    MapperInfo,
    MapperPluginWarning,
    available,
    detect,
    get,
    info,
    register,
    unregister,
)

__all__ = [
    "BaseMapper",
    "Document",
    "LookupValue",
    "Mapper",
    "MapperInfo",
    "MapperPluginWarning",
    "MappingContext",
    "MappingResult",
    "Payload",
    "PayloadMeta",
    "RecordError",
    "Reject",
    "Resolver",
    "available",
    "context_from_dict",
    "detect",
    "get",
    "info",
    "load_context",
    "map_each",
    "map_payload",
    "map_payloads",
    "register",
    "unregister",
    "write_documents",
]
