"""The struct and enum classes reachable from a type: one walk for the schema exporter, docs and tests."""

from __future__ import annotations

import enum
from typing import Any

import msgspec
import msgspec.inspect as mi


def reachable_types(*roots: Any) -> tuple[dict[str, type[msgspec.Struct]], dict[str, type[enum.Enum]]]:
    """(struct classes, enum classes) reachable from ``roots``, keyed by qualified name, in walk order."""
    structs: dict[str, type[msgspec.Struct]] = {}
    enums: dict[str, type[enum.Enum]] = {}
    for info in mi.multi_type_info(roots):
        _walk(info, structs, enums)
    return structs, enums


def _walk(info: mi.Type, structs: dict[str, type[msgspec.Struct]], enums: dict[str, type[enum.Enum]]) -> None:
    if isinstance(info, mi.Metadata):
        _walk(info.type, structs, enums)
    elif isinstance(info, mi.StructType):
        if info.cls.__qualname__ not in structs:
            structs[info.cls.__qualname__] = info.cls
            for field in info.fields:
                _walk(field.type, structs, enums)
    elif isinstance(info, mi.EnumType):
        enums[info.cls.__qualname__] = info.cls
    elif isinstance(info, mi.UnionType):
        for member in info.types:
            _walk(member, structs, enums)
    elif isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        _walk(info.item_type, structs, enums)
    elif isinstance(info, mi.DictType):
        _walk(info.key_type, structs, enums)
        _walk(info.value_type, structs, enums)
