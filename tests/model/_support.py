"""Helpers shared by the model tests: the set of model types, and walkers over values."""

from __future__ import annotations

import enum
import os
import types
import typing
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

import mfgcanon.v1 as v1
from mfgcanon.typeinfo import reachable_types

IS_CI = bool(os.environ.get("CI"))
"""Whether the long CI profile runs (thousands of examples for the cheap properties)."""


def _merge(found: tuple[dict[str, type], dict[str, type]], structs: dict[str, type],
           enums: dict[str, type]) -> None:
    for name, cls in found[0].items():
        structs.setdefault(name, cls)
    enums.update(found[1])


def _reachable() -> tuple[dict[str, type], dict[str, type]]:
    structs: dict[str, type] = {}
    enums: dict[str, type] = {}
    for name in v1.__all__:
        obj = getattr(v1, name)
        if isinstance(obj, type) and issubclass(obj, msgspec.Struct):
            # the envelope base and abstract event bases have no `data`: walk them as plain structs
            for cls in obj.__mro__:
                if isinstance(cls, type) and issubclass(cls, msgspec.Struct) and cls is not msgspec.Struct:
                    structs.setdefault(cls.__qualname__, cls)
            _merge(reachable_types(obj), structs, enums)
        elif isinstance(obj, type) and issubclass(obj, enum.Enum):
            enums[obj.__qualname__] = obj
        elif isinstance(obj, types.UnionType) or typing.get_origin(obj) is typing.Union:
            _merge(reachable_types(obj), structs, enums)
    return structs, enums


_STRUCTS, _ENUMS = _reachable()
STRUCT_TYPES: tuple[type, ...] = tuple(sorted(_STRUCTS.values(), key=lambda cls: cls.__qualname__))
"""Every struct class reachable from ``mfgcanon.v1`` (including bases such as ``Record``)."""
ENUM_TYPES: tuple[type, ...] = tuple(sorted(_ENUMS.values(), key=lambda cls: cls.__qualname__))
EVENT_TYPES: tuple[type[v1.CloudEvent], ...] = v1.EVENT_TYPES
ENTITY_TYPES: tuple[type, ...] = v1.ENTITY_TYPES
CONCRETE_STRUCTS: tuple[type, ...] = tuple(
    cls for cls in STRUCT_TYPES
    if not (issubclass(cls, v1.CloudEvent) and not cls.NAME) and cls.__module__.startswith("mfgcanon.v1.")
    and cls.__name__ not in ("Record", "Entity")
)
"""The structs a value can be an instance of: no bases, no abstract event envelopes."""
VALUE_TYPES: tuple[type, ...] = tuple(cls for cls in CONCRETE_STRUCTS if cls not in ENTITY_TYPES + EVENT_TYPES)
"""Value objects and lines: the structs that only appear inside entities."""


def leaves(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """(JSON path, value) for every Decimal and datetime inside a struct tree."""
    if isinstance(value, Decimal | datetime):
        yield path, value
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from leaves(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")


def strings(value: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    """(JSON path, text) for every str inside a struct tree."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            yield from strings(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")


def examples(*, dev: int, ci: int) -> Any:
    """Settings for a test whose examples are expensive (whole entities): its own counts per profile."""
    from hypothesis import settings

    return settings(max_examples=ci if IS_CI else dev)
