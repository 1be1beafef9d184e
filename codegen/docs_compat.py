"""``docs/reference/compat-rules.md``: every compatibility rule id, its effect per level, and an example.

The ids and meanings come from :mod:`mfgcanon.compat` (the rule catalogue); the effect per level is what
the checker reports when it is run on the rule's example pair at that level, here, while the page is
generated (so the page cannot claim what the checker does not do). A rule without an example pair says so.
"""

from __future__ import annotations

import json
from typing import Any

from mfgcanon.compat import (
    AVRO_RULES,
    COMPATIBLE_CHANGES_LENIENT,
    COMPATIBLE_CHANGES_STRICT,
    GENERAL_RULES,
    JSON_RULES,
    check,
)

LEVELS = ("BACKWARD", "FORWARD", "FULL")

_REC = "record"


def _avro_record(*fields: dict[str, Any], name: str = "R") -> dict[str, Any]:
    return {"type": _REC, "name": name, "fields": list(fields)}


AVRO_EXAMPLES: dict[str, tuple[Any, Any]] = {
    "NAME_MISMATCH": (_avro_record({"name": "a", "type": "int"}, name="Order"),
                      _avro_record({"name": "a", "type": "int"}, name="WorkOrder")),
    "FIXED_SIZE_MISMATCH": ({"type": "fixed", "name": "Hash", "size": 16},
                            {"type": "fixed", "name": "Hash", "size": 32}),
    "MISSING_ENUM_SYMBOLS": ({"type": "enum", "name": "Status", "symbols": ["OPEN", "CLOSED", "HELD"]},
                             {"type": "enum", "name": "Status", "symbols": ["OPEN", "CLOSED"]}),
    "READER_FIELD_MISSING_DEFAULT_VALUE": (_avro_record({"name": "a", "type": "int"}),
                                           _avro_record({"name": "a", "type": "int"}, {"name": "b", "type": "int"})),
    "TYPE_MISMATCH": (_avro_record({"name": "a", "type": "string"}), _avro_record({"name": "a", "type": "int"})),
    "MISSING_UNION_BRANCH": (_avro_record({"name": "a", "type": ["null", "string", "int"]}),
                             _avro_record({"name": "a", "type": ["null", "string"]})),
    "DECIMAL_SCALE_MISMATCH": (
        _avro_record({"name": "q", "type": {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 9}}),
        _avro_record({"name": "q", "type": {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 3}})),
    "DECIMAL_PRECISION_NARROWED": (
        _avro_record({"name": "q", "type": {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 3}}),
        _avro_record({"name": "q", "type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 3}})),
}

_ORDER = _avro_record({"name": "order_id", "type": "string"}, name="Order")
_LOT = _avro_record({"name": "lot_id", "type": "string"}, name="Lot")

TREE_EXAMPLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    # whole-tree checks (`mfgcanon compat check --against`): file name -> schema, old tree and new tree
    "SUBJECT_REMOVED": ({"order.avsc": _ORDER, "lot.avsc": _LOT}, {"order.avsc": _ORDER}),
    "SUBJECT_ADDED": ({"order.avsc": _ORDER}, {"order.avsc": _ORDER, "lot.avsc": _LOT}),
}

GENERAL_EXAMPLES: dict[str, tuple[Any, Any]] = {
    "SCHEMA_TYPE_CHANGED": (_avro_record({"name": "a", "type": "int"}),
                            {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}),
}


def _obj(props: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, **extra}


_BOUND_SUBJECT: dict[str, tuple[str, Any, Any]] = {
    # keyword prefix -> (JSON type, small value, larger value)
    "MAX_LENGTH": ("string", 10, 20),
    "MIN_LENGTH": ("string", 1, 2),
    "MAXIMUM": ("number", 10, 20),
    "MINIMUM": ("number", 1, 2),
    "EXCLUSIVE_MAXIMUM": ("number", 10, 20),
    "EXCLUSIVE_MINIMUM": ("number", 1, 2),
    "MAX_PROPERTIES": ("object", 2, 3),
    "MIN_PROPERTIES": ("object", 1, 2),
    "MAX_ITEMS": ("array", 2, 3),
    "MIN_ITEMS": ("array", 1, 2),
    "MAX_CONTAINS": ("array", 2, 3),
    "MIN_CONTAINS": ("array", 1, 2),
}


def _bound_examples() -> dict[str, tuple[Any, Any]]:
    from mfgcanon.compat._rules import _BOUND_KEYWORDS

    examples = {}
    for prefix, keyword in _BOUND_KEYWORDS.items():
        kind, low, high = _BOUND_SUBJECT[prefix]
        base: dict[str, Any] = {"type": kind}
        if prefix.endswith("_CONTAINS"):
            base["contains"] = {"type": "string"}
        if prefix == "MIN_CONTAINS":  # defaults to 1 under `contains`: added or removed only with `contains`
            examples[f"{prefix}_ADDED"] = ({"type": kind}, {**base, keyword: high})
            examples[f"{prefix}_REMOVED"] = ({**base, keyword: high}, {"type": kind})
        else:
            examples[f"{prefix}_ADDED"] = (base, {**base, keyword: low})
            examples[f"{prefix}_REMOVED"] = ({**base, keyword: low}, base)
        examples[f"{prefix}_INCREASED"] = ({**base, keyword: low}, {**base, keyword: high})
        examples[f"{prefix}_DECREASED"] = ({**base, keyword: high}, {**base, keyword: low})
    return examples


_S = {"type": "string"}
_I = {"type": "integer"}
_N = {"type": "number"}
_TUPLE = {"type": "array", "prefixItems": [_S], "items": True}

JSON_EXAMPLES: dict[str, tuple[Any, Any]] = {
    **_bound_examples(),
    "ID_CHANGED": ({"$id": "urn:a", "type": "string"}, {"$id": "urn:b", "type": "string"}),
    "DESCRIPTION_CHANGED": ({"type": "string", "description": "plant"}, {"type": "string", "description": "site"}),
    "TITLE_CHANGED": ({"type": "string", "title": "Plant"}, {"type": "string", "title": "Site"}),
    "DEFAULT_CHANGED": ({"type": "string", "default": "a"}, {"type": "string", "default": "b"}),
    "SCHEMA_ADDED": ({"type": "array"}, {"type": "array", "items": _S}),
    "SCHEMA_REMOVED": ({"type": "array", "items": _S}, {"type": "array"}),
    "TYPE_EXTENDED": (_I, _N),
    "TYPE_NARROWED": (_N, _I),
    "TYPE_CHANGED": (_S, _I),
    "PATTERN_ADDED": (_S, {"type": "string", "pattern": "^[A-Z]+$"}),
    "PATTERN_REMOVED": ({"type": "string", "pattern": "^[A-Z]+$"}, _S),
    "PATTERN_CHANGED": ({"type": "string", "pattern": "^[A-Z]+$"}, {"type": "string", "pattern": "^[0-9]+$"}),
    "MULTIPLE_OF_ADDED": (_N, {"type": "number", "multipleOf": 2}),
    "MULTIPLE_OF_REMOVED": ({"type": "number", "multipleOf": 2}, _N),
    "MULTIPLE_OF_EXPANDED": ({"type": "number", "multipleOf": 2}, {"type": "number", "multipleOf": 4}),
    "MULTIPLE_OF_REDUCED": ({"type": "number", "multipleOf": 4}, {"type": "number", "multipleOf": 2}),
    "MULTIPLE_OF_CHANGED": ({"type": "number", "multipleOf": 2}, {"type": "number", "multipleOf": 3}),
    "REQUIRED_ATTRIBUTE_ADDED": (_obj({"a": _S}), _obj({"a": _S}, required=["a"])),
    "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED": (_obj({"a": {"type": "string", "default": "x"}}),
                                              _obj({"a": {"type": "string", "default": "x"}}, required=["a"])),
    "REQUIRED_ATTRIBUTE_REMOVED": (_obj({"a": _S}, required=["a"]), _obj({"a": _S})),
    "ADDITIONAL_PROPERTIES_ADDED": (_obj({"a": _S}, additionalProperties=False), _obj({"a": _S})),
    "ADDITIONAL_PROPERTIES_REMOVED": (_obj({"a": _S}), _obj({"a": _S}, additionalProperties=False)),
    "ADDITIONAL_PROPERTIES_EXTENDED": (_obj({"a": _S}, additionalProperties=_S), _obj({"a": _S})),
    "ADDITIONAL_PROPERTIES_NARROWED": (_obj({"a": _S}), _obj({"a": _S}, additionalProperties=_S)),
    "DEPENDENCY_ARRAY_ADDED": (_obj({"a": _S, "b": _S}), _obj({"a": _S, "b": _S}, dependentRequired={"a": ["b"]})),
    "DEPENDENCY_ARRAY_REMOVED": (_obj({"a": _S, "b": _S}, dependentRequired={"a": ["b"]}), _obj({"a": _S, "b": _S})),
    "DEPENDENCY_ARRAY_EXTENDED": (_obj({"a": _S, "b": _S, "c": _S}, dependentRequired={"a": ["b"]}),
                                  _obj({"a": _S, "b": _S, "c": _S}, dependentRequired={"a": ["b", "c"]})),
    "DEPENDENCY_ARRAY_NARROWED": (_obj({"a": _S, "b": _S, "c": _S}, dependentRequired={"a": ["b", "c"]}),
                                  _obj({"a": _S, "b": _S, "c": _S}, dependentRequired={"a": ["b"]})),
    "DEPENDENCY_ARRAY_CHANGED": (_obj({"a": _S, "b": _S, "c": _S}, dependentRequired={"a": ["b"]}),
                                 _obj({"a": _S, "b": _S, "c": _S}, dependentRequired={"a": ["c"]})),
    "DEPENDENCY_SCHEMA_ADDED": (_obj({"a": _S}), _obj({"a": _S}, dependentSchemas={"a": {"required": ["b"]}})),
    "DEPENDENCY_SCHEMA_REMOVED": (_obj({"a": _S}, dependentSchemas={"a": {"required": ["b"]}}), _obj({"a": _S})),
    "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": (_obj({"a": _S}), _obj({"a": _S, "b": _S}, required=["b"])),
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL": (
        _obj({"a": _S}), _obj({"a": _S, "b": {"type": "string", "default": "x"}}, required=["b"])),
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": (_obj({"a": _S}), _obj({"a": _S, "b": _S})),
    "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": (_obj({"a": _S}), _obj({"a": _S, "b": {}})),
    "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": (
        _obj({"a": _S}, additionalProperties=False),
        _obj({"a": _S, "b": _S}, required=["b"], additionalProperties=False)),
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL": (
        _obj({"a": _S}, additionalProperties=False),
        _obj({"a": _S, "b": {"type": "string", "default": "x"}}, required=["b"], additionalProperties=False)),
    "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": (
        _obj({"a": _S}, additionalProperties=False), _obj({"a": _S, "b": _S}, additionalProperties=False)),
    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL": (_obj({"a": _S, "b": _S}), _obj({"a": _S})),
    "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
        _obj({"a": _S, "b": False}, additionalProperties=False), _obj({"a": _S}, additionalProperties=False)),
    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
        _obj({"a": _S, "b": _S}, additionalProperties=False), _obj({"a": _S}, additionalProperties=False)),
    "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        _obj({"a": _S, "b": _S}, additionalProperties=_S), _obj({"a": _S}, additionalProperties=_S)),
    "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        _obj({"a": _S, "b": _S}, additionalProperties=_I), _obj({"a": _S}, additionalProperties=_I)),
    "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        _obj({"a": _S}, additionalProperties=_S), _obj({"a": _S, "b": {}}, additionalProperties=_S)),
    "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        _obj({"a": _S}, additionalProperties=_S), _obj({"a": _S, "b": _I}, additionalProperties=_S)),
    # unevaluated* count apart from additional* only where both keywords are present
    "UNEVALUATED_PROPERTIES_ADDED": (_obj({"a": _S}, additionalProperties=True, unevaluatedProperties=False),
                                     _obj({"a": _S}, additionalProperties=True)),
    "UNEVALUATED_PROPERTIES_REMOVED": (_obj({"a": _S}, additionalProperties=True),
                                       _obj({"a": _S}, additionalProperties=True, unevaluatedProperties=False)),
    "UNEVALUATED_PROPERTIES_EXTENDED": (_obj({"a": _S}, additionalProperties=True, unevaluatedProperties=_S),
                                        _obj({"a": _S}, additionalProperties=True)),
    "UNEVALUATED_PROPERTIES_NARROWED": (_obj({"a": _S}, additionalProperties=True),
                                        _obj({"a": _S}, additionalProperties=True, unevaluatedProperties=_S)),
    "UNIQUE_ITEMS_ADDED": ({"type": "array"}, {"type": "array", "uniqueItems": True}),
    "UNIQUE_ITEMS_REMOVED": ({"type": "array", "uniqueItems": True}, {"type": "array"}),
    "ADDITIONAL_ITEMS_ADDED": ({"type": "array", "prefixItems": [_S], "items": False},
                               {"type": "array", "prefixItems": [_S]}),
    "ADDITIONAL_ITEMS_REMOVED": ({"type": "array", "prefixItems": [_S]},
                                 {"type": "array", "prefixItems": [_S], "items": False}),
    "ADDITIONAL_ITEMS_EXTENDED": ({"type": "array", "prefixItems": [_S], "items": _S},
                                  {"type": "array", "prefixItems": [_S]}),
    "ADDITIONAL_ITEMS_NARROWED": ({"type": "array", "prefixItems": [_S]},
                                  {"type": "array", "prefixItems": [_S], "items": _S}),
    "UNEVALUATED_ITEMS_ADDED": ({**_TUPLE, "unevaluatedItems": False}, _TUPLE),
    "UNEVALUATED_ITEMS_REMOVED": (_TUPLE, {**_TUPLE, "unevaluatedItems": False}),
    "UNEVALUATED_ITEMS_EXTENDED": ({**_TUPLE, "unevaluatedItems": _S}, _TUPLE),
    "UNEVALUATED_ITEMS_NARROWED": (_TUPLE, {**_TUPLE, "unevaluatedItems": _S}),
    "ITEM_ADDED_TO_OPEN_CONTENT_MODEL": ({"type": "array", "prefixItems": [_S]},
                                         {"type": "array", "prefixItems": [_S, _I]}),
    "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": ({"type": "array", "prefixItems": [_S]},
                                                           {"type": "array", "prefixItems": [_S, {}]}),
    "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL": ({"type": "array", "prefixItems": [_S], "items": False},
                                           {"type": "array", "prefixItems": [_S, _I], "items": False}),
    "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL": ({"type": "array", "prefixItems": [_S, _I]},
                                             {"type": "array", "prefixItems": [_S]}),
    "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
        {"type": "array", "prefixItems": [_S, False], "items": False},
        {"type": "array", "prefixItems": [_S], "items": False}),
    "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL": ({"type": "array", "prefixItems": [_S, _I], "items": False},
                                               {"type": "array", "prefixItems": [_S], "items": False}),
    "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        {"type": "array", "prefixItems": [_S, _S], "items": _S}, {"type": "array", "prefixItems": [_S], "items": _S}),
    "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        {"type": "array", "prefixItems": [_S, _S], "items": _I}, {"type": "array", "prefixItems": [_S], "items": _I}),
    "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        {"type": "array", "prefixItems": [_S], "items": _S}, {"type": "array", "prefixItems": [_S, {}], "items": _S}),
    "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
        {"type": "array", "prefixItems": [_S], "items": _S}, {"type": "array", "prefixItems": [_S, _I], "items": _S}),
    "ENUM_ARRAY_EXTENDED": ({"enum": ["a", "b"]}, {"enum": ["a", "b", "c"]}),
    "ENUM_ARRAY_NARROWED": ({"enum": ["a", "b", "c"]}, {"enum": ["a", "b"]}),
    "ENUM_ARRAY_CHANGED": ({"const": "a"}, {"const": "b"}),
    "COMBINED_TYPE_EXTENDED": ({"oneOf": [_S, _I]}, {"anyOf": [_S, _I]}),
    "COMBINED_TYPE_CHANGED": ({"anyOf": [_S, _I]}, {"allOf": [_S, _I]}),
    "PRODUCT_TYPE_EXTENDED": ({"allOf": [_S]}, {"allOf": [_S, {"maxLength": 5}]}),
    "PRODUCT_TYPE_NARROWED": ({"allOf": [_S, {"maxLength": 5}]}, {"allOf": [_S]}),
    "SUM_TYPE_EXTENDED": ({"anyOf": [_S, _I]}, {"anyOf": [_S, _I, {"type": "boolean"}]}),
    "SUM_TYPE_NARROWED": ({"anyOf": [_S, _I, {"type": "boolean"}]}, {"anyOf": [_S, _I]}),
    "COMBINED_TYPE_SUBSCHEMAS_CHANGED": ({"anyOf": [_S, _I]}, {"anyOf": [{"type": "boolean"}, {"type": "null"}]}),
    "NOT_TYPE_EXTENDED": ({"not": {"type": "string"}}, {"not": {"type": ["string", "integer"]}}),
    "NOT_TYPE_NARROWED": ({"not": {"type": ["string", "integer"]}}, {"not": {"type": "string"}}),
}


_MODERN = frozenset({"dependentRequired", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems",
                     "prefixItems", "minContains", "maxContains"})
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def _dialect(old: Any, new: Any) -> tuple[Any, Any]:
    """Declare 2020-12 where the pair uses its keywords (without ``$schema`` a document reads as draft-07)."""
    if not (_keys(old) | _keys(new)) & _MODERN:
        return old, new
    return {"$schema": DIALECT, **old}, {"$schema": DIALECT, **new}


def example_for(rule: str) -> tuple[str, Any, Any] | None:
    """(schema type, old, new) of the example pair that triggers ``rule``, if there is one."""
    for kind, examples in (("AVRO", AVRO_EXAMPLES), ("GENERAL", GENERAL_EXAMPLES), ("JSON", JSON_EXAMPLES),
                           ("TREE", TREE_EXAMPLES)):
        if rule in examples:
            old, new = examples[rule]
            if kind == "JSON":
                old, new = _dialect(old, new)
            return kind, old, new
    return None


def effects(rule: str, kind: str, old: Any, new: Any) -> dict[tuple[str, str], str]:
    """(level, policy) -> what the checker reports for ``rule`` on the pair: breaking, tolerated or absent."""
    if kind == "TREE":
        return _tree_effects(rule, old, new)
    results = {}
    policies = ("strict", "lenient") if kind == "JSON" else ("strict",)
    schema_type = None if kind == "GENERAL" else kind
    for level in LEVELS:
        for policy in policies:
            report = check(old, new, level, schema_type=schema_type, policy=policy)
            hits = [f for f in report.findings if f.rule == rule]
            if not hits:
                results[(level, policy)] = "not reported"
            elif any(f.breaking for f in hits):
                results[(level, policy)] = "breaking"
            else:
                results[(level, policy)] = "tolerated"
    return results


def _tree_effects(rule: str, old: dict[str, Any], new: dict[str, Any]) -> dict[tuple[str, str], str]:
    """As :func:`effects`, for a rule of the whole-tree check: the new tree is written to a temporary folder."""
    import tempfile
    from pathlib import Path

    from mfgcanon.compat import check_tree
    from mfgcanon.compat._tree import Tree

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, schema in new.items():
            (Path(folder) / name).write_text(json.dumps(schema), encoding="utf-8")
        for level in LEVELS:
            report = check_tree(folder, [Tree("old", {n: json.dumps(v) for n, v in old.items()})], level=level)
            hits = [f for f in report.findings if f.rule == rule]
            results[(level, "strict")] = ("not reported" if not hits
                                          else "breaking" if any(f.breaking for f in hits) else "tolerated")
    return results


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def compat_page() -> str:
    from codegen.docs import HEADER, anchor, cell, table

    out = [HEADER.format(source="the rule catalogue (mfgcanon.compat) and codegen/docs_compat.py"),
           "# Compatibility rules\n\n",
           "Every rule id `mfgcanon compat` reports. Avro ids are Apache Avro's `SchemaIncompatibilityType` "
           "names (plus two decimal checks of our own); JSON Schema ids are Confluent Schema Registry's "
           "`Difference.Type` names. For each rule: what it means, an old/new schema pair that triggers it, and "
           "what the checker reports for that pair at each level (run when this page is generated). BACKWARD "
           "checks that the new schema reads old data, FORWARD the reverse, FULL both. A JSON Schema rule is "
           "*tolerated* when a registry accepts the change under the policy (`strict`, or `lenient`, which "
           "treats open content models as closed). A change is reported per direction: what BACKWARD reports under "
           "one id, FORWARD may report under the opposite one (`TYPE_EXTENDED` backward is `TYPE_NARROWED` "
           "forward), so \"not reported\" in a row means this id, not the change. Levels and the project's own "
           "policy: "
           "[Schema compatibility](../compatibility.md).\n\n"]
    sections = (("Avro rules", AVRO_RULES), ("General rules", GENERAL_RULES), ("JSON Schema rules", JSON_RULES))
    for title, rules in sections:
        out.append(f"## {title}\n\n")
        summary = []
        for rule, meaning in rules.items():
            row = [f"[`{rule}`](#rule-{rule.lower()})", cell(meaning)]
            if rules is JSON_RULES:
                row += ["yes" if rule in COMPATIBLE_CHANGES_STRICT else "no",
                        "yes" if rule in COMPATIBLE_CHANGES_LENIENT else "no"]
            summary.append(row)
        head = ["Rule", "Meaning"] + (["Tolerated (strict)", "Tolerated (lenient)"] if rules is JSON_RULES else [])
        out.append(table(head, summary) + "\n")
        for rule, meaning in rules.items():
            out.append(anchor(f"rule-{rule.lower()}") + f"### {rule}\n\n{meaning[:1].upper()}{meaning[1:]}.\n\n")
            example = example_for(rule)
            if example is None:
                out.append("No example: the checker never reports this id (Confluent keeps it for registry "
                           "metadata or as a deprecated alias); it is listed for parity with the registry.\n\n")
                continue
            kind, old, new = example
            if kind == "TREE":
                out.append("A whole-tree check (`mfgcanon compat check NEW_DIR --against OLD`), where each file is a "
                           "subject.\n\n")
                for side, files in (("Old", old), ("New", new)):
                    out.append(f"{side} tree: " + ", ".join(f"`{n}` = `{_json(v)}`" for n, v in files.items())
                               + "\n\n")
            else:
                out.append(f"Old: `{_json(old)}`\n\nNew: `{_json(new)}`\n\n")
            found = effects(rule, kind, old, new)
            policies = sorted({p for _, p in found}, reverse=True)
            rows = [[level, *[found[(level, p)] for p in policies]] for level in LEVELS]
            out.append(table(["Level", *[f"Reported ({p})" for p in policies]], rows) + "\n")
    return "".join(out)
