"""JSON Schema 2020-12 exports of the canonical model, post-processed from ``msgspec.json.schema_components``.

What the post-processing adds to msgspec's output, and why:

* the root type is inlined at the top level with ``$schema``, ``$id`` (``urn:mfgcanon:schema:v1:<name>``,
  the same URI events carry in ``dataschema``) and ``title``; every other type sits in ``$defs`` under
  its class name (``#/$defs/Quantity``). Those names are part of the contract: generated code uses them.
* ``title`` is the class name everywhere; ``description`` is the cleaned class docstring.
* every object is closed (``additionalProperties: false``): adding an optional field is then a
  BACKWARD-compatible change under schema-registry rules (see ``docs/schemas.md``).
* decimal strings keep the ``pattern`` from :mod:`mfgcanon.types` and instants ``format: date-time``
  (both come from the model's ``Meta``); instants also get a ``pattern`` that requires the UTC offset,
  since validators do not check formats by default and would accept a naive time.
"""

from __future__ import annotations

from typing import Any

import msgspec

from mfgcanon.schema._docs import class_doc
from mfgcanon.v1.events import SCHEMA_URN

DIALECT = "https://json-schema.org/draft/2020-12/schema"
REF_TEMPLATE = "#/$defs/{name}"


def schema_id(name: str) -> str:
    """``urn:mfgcanon:schema:v1:<name>``: the ``$id`` of an export and the ``dataschema`` of its events."""
    return f"{SCHEMA_URN}{name}"


"""An instant must end in an offset. ``format: date-time`` alone is not enough: validators skip formats
by default (jsonschema checks ``date-time`` only with an optional extra), and would accept a naive time."""


def _close(node: Any) -> None:
    """Close every object schema (``additionalProperties: false``): adding an optional field stays BACKWARD."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


def _classes(tp: Any) -> dict[str, type[Any]]:
    """Class name -> class for every struct and enum reachable from ``tp`` (for docstrings)."""
    from mfgcanon.typeinfo import reachable_types

    structs, enums = reachable_types(tp)
    return {**structs, **enums}


def json_schema(tp: type[Any], name: str) -> dict[str, Any]:
    """The JSON Schema document of one entity or event class, exported under ``name``."""
    (_root,), components = msgspec.json.schema_components([tp], ref_template=REF_TEMPLATE)
    classes = _classes(tp)
    defs: dict[str, Any] = {}
    for def_name, definition in components.items():
        definition = dict(definition)
        definition["title"] = def_name
        cls = classes.get(def_name)
        text = class_doc(cls) if cls is not None else None
        if text:
            definition["description"] = text
        else:
            definition.pop("description", None)
        defs[def_name] = definition
    root = defs.pop(tp.__name__)
    document: dict[str, Any] = {"$schema": DIALECT, "$id": schema_id(name), **root}
    if defs:
        document["$defs"] = defs
    _close(document)
    return document


def names(node: Any) -> set[str]:
    """Every ``$defs`` name a schema document references (for tests and the docs)."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            found.add(ref.removeprefix("#/$defs/"))
        for value in node.values():
            found |= names(value)
    elif isinstance(node, list):
        for value in node:
            found |= names(value)
    return found
