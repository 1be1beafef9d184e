"""Walkers over canonical values shared by the enum-evolution tests of every encoding."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any

import msgspec


def enum_slots(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str, type[enum.Enum]]]:
    """(path to the struct, field name, enum class) of every enum-valued field of a value."""
    if isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            item = getattr(value, name)
            if isinstance(item, enum.Enum):
                yield path, name, type(item)
            else:
                yield from enum_slots(item, (*path, name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from enum_slots(item, (*path, index))


def at(doc: Any, path: tuple[Any, ...]) -> Any:
    """What ``path`` leads to in plain data (dicts and lists) or in a struct tree."""
    for key in path:
        doc = getattr(doc, key) if isinstance(doc, msgspec.Struct) else doc[key]
    return doc
