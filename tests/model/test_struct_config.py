"""Struct configuration, tags, public names, descriptions and forward compatibility of the model."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mfgcanon
import mfgcanon.v1 as v1
from mfgcanon import codecs
from mfgcanon.testing import strategies

from ._support import ENTITY_TYPES, EVENT_TYPES, examples

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def test_struct_config(struct_type: type[msgspec.Struct]) -> None:
    config = struct_type.__struct_config__
    assert config.frozen, struct_type
    assert config.forbid_unknown_fields is False, struct_type
    assert config.omit_defaults, struct_type
    assert config.gc is False, struct_type
    # kw_only is not inherited by msgspec: a class that forgets it gets positional fields, which show up
    # in __match_args__
    assert struct_type.__match_args__ == (), struct_type


def _class_source(cls: type) -> str:
    import inspect

    source = inspect.getsource(cls)
    return source[: source.index(":")]


def _bases_source(cls: type) -> str:
    return " ".join(_class_source(base) for base in cls.__mro__ if base.__module__.startswith("mfgcanon."))


def test_positional_construction_is_refused(struct_type: type[msgspec.Struct]) -> None:
    """kw_only means a positional argument can never be taken for another field."""
    if not struct_type.__struct_fields__:
        return
    with pytest.raises(TypeError, match="positional"):
        struct_type("x")


def test_entity_tags_are_explicit_unique_snake_case() -> None:
    tags = []
    for entity in ENTITY_TYPES:
        config = entity.__struct_config__
        assert config.tag_field == "kind"
        assert isinstance(config.tag, str), entity
        assert SNAKE.match(config.tag), entity
        assert config.tag != entity.__name__
        assert f'tag="{config.tag}"' in _class_source(entity)
        tags.append(config.tag)
    assert len(set(tags)) == len(tags)


def test_event_tags_equal_event_type() -> None:
    tags = []
    for event in EVENT_TYPES:
        config = event.__struct_config__
        assert config.tag_field == "type"
        assert config.tag == event.event_type() == f"mfgcanon.{event.NAME}.v1", event
        assert isinstance(mi.type_info(event), mi.StructType)
        tags.append(config.tag)
    assert len(set(tags)) == len(tags)


def test_value_objects_carry_no_tag(value_type: type[msgspec.Struct]) -> None:
    assert value_type.__struct_config__.tag is None


def test_public_names() -> None:
    public = {name for name in vars(v1) if not name.startswith("_")
              and not isinstance(vars(v1)[name], type(v1))}  # submodules are not API
    assert set(v1.__all__) == public - {"annotations"}
    assert len(v1.__all__) == len(set(v1.__all__))
    assert set(v1.__all__) <= set(mfgcanon.__all__)
    for name in v1.__all__:
        assert getattr(mfgcanon, name) is getattr(v1, name)


@examples(dev=20, ci=60)
@given(data=st.data())
def test_unknown_fields_are_accepted(wire_type: type[msgspec.Struct], data: st.DataObject) -> None:
    """Old readers accept what newer writers add, at every level of nesting."""
    value = data.draw(strategies.for_type(wire_type))
    doc = json.loads(codecs.encode(value))
    _add_unknown(doc)
    assert codecs.decode(json.dumps(doc).encode(), type=wire_type) == value
    assert codecs.decode(msgspec.msgpack.encode(doc), type=wire_type, format="msgpack") == value


def _add_unknown(doc: Any) -> None:
    if isinstance(doc, dict):
        for child in doc.values():
            _add_unknown(child)
        doc["x_added_in_v1_9"] = {"nested": [1, "two"]}
    elif isinstance(doc, list):
        for child in doc:
            _add_unknown(child)


def test_every_field_has_a_description(struct_type: type[msgspec.Struct]) -> None:
    info = mi.type_info(struct_type)
    assert isinstance(info, mi.StructType)
    for field in info.fields:
        assert isinstance(field.type, mi.Metadata), f"{struct_type.__name__}.{field.name} has no Meta"
        description = (field.type.extra_json_schema or {}).get("description")
        assert isinstance(description, str), f"{struct_type.__name__}.{field.name}"
        assert len(description.strip()) >= 3, f"{struct_type.__name__}.{field.name}"
