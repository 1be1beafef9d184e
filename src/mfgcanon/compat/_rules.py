"""Catalogue of finding rule ids: their one-line meaning and which ones a registry tolerates.

Avro ids are Apache Avro's ``SchemaIncompatibilityType`` names plus two decimal checks of our own; JSON
Schema ids are Confluent Schema Registry's ``Difference.Type`` names, so a finding can be looked up in
either project's documentation. Docs anchors are ``rule-<id in lower case>``.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AVRO_RULES",
    "COMPATIBLE_CHANGES_LENIENT",
    "COMPATIBLE_CHANGES_STRICT",
    "GENERAL_RULES",
    "JSON_RULES",
    "rule_summary",
]

AVRO_RULES: Final[dict[str, str]] = {
    "NAME_MISMATCH": "a record, enum or fixed name differs and no reader alias names the writer's type",
    "FIXED_SIZE_MISMATCH": "a fixed type changed size",
    "MISSING_ENUM_SYMBOLS": "the writer has enum symbols the reader lacks and the reader enum has no default",
    "READER_FIELD_MISSING_DEFAULT_VALUE": (
        "a reader field has no default and no writer field (by name or alias)"
    ),
    "TYPE_MISMATCH": "the types differ and no Avro promotion applies",
    "MISSING_UNION_BRANCH": "a writer type (or union branch) has no matching branch in the reader union",
    "DECIMAL_SCALE_MISMATCH": (
        "a decimal's scale changed, so stored values would be re-scaled (stricter than Apache Avro)"
    ),
    "DECIMAL_PRECISION_NARROWED": (
        "a decimal's precision shrank, so larger values no longer fit (stricter than Apache Avro)"
    ),
}

GENERAL_RULES: Final[dict[str, str]] = {
    "SCHEMA_TYPE_CHANGED": "the two schemas are of different kinds (Avro against JSON Schema)",
    "SUBJECT_REMOVED": "a subject (schema file) of the version compared against is gone from the tree",
    "SUBJECT_ADDED": "a subject is new in the tree (reported, never breaking)",
}

_BOUND_KEYWORDS: Final[dict[str, str]] = {
    "MAX_LENGTH": "maxLength",
    "MIN_LENGTH": "minLength",
    "MAXIMUM": "maximum",
    "MINIMUM": "minimum",
    "EXCLUSIVE_MAXIMUM": "exclusiveMaximum",
    "EXCLUSIVE_MINIMUM": "exclusiveMinimum",
    "MAX_PROPERTIES": "maxProperties",
    "MIN_PROPERTIES": "minProperties",
    "MAX_ITEMS": "maxItems",
    "MIN_ITEMS": "minItems",
    "MAX_CONTAINS": "maxContains",
    "MIN_CONTAINS": "minContains",
}


def _json_rules() -> dict[str, str]:
    rules: dict[str, str] = {
        "ID_CHANGED": "`$id` changed",
        "DESCRIPTION_CHANGED": "`description` changed",
        "TITLE_CHANGED": "`title` changed",
        "DEFAULT_CHANGED": "`default` changed",
        "SCHEMA_ADDED": "a subschema was added where there was none (e.g. `items`)",
        "SCHEMA_REMOVED": "a subschema was removed",
        "TYPE_EXTENDED": "the type was widened (integer to number)",
        "TYPE_NARROWED": "the type was narrowed (number to integer)",
        "TYPE_CHANGED": "the schema's type changed",
    }
    for prefix, keyword in _BOUND_KEYWORDS.items():
        for suffix, verb in (
            ("ADDED", "added"),
            ("REMOVED", "removed"),
            ("INCREASED", "increased"),
            ("DECREASED", "decreased"),
        ):
            rules[f"{prefix}_{suffix}"] = f"`{keyword}` {verb}"
    rules.update(
        {
            "PATTERN_ADDED": "`pattern` added",
            "PATTERN_REMOVED": "`pattern` removed",
            "PATTERN_CHANGED": "`pattern` changed",
            "MULTIPLE_OF_ADDED": "`multipleOf` added",
            "MULTIPLE_OF_REMOVED": "`multipleOf` removed",
            "MULTIPLE_OF_EXPANDED": "`multipleOf` became a multiple of the old value (fewer numbers allowed)",
            "MULTIPLE_OF_REDUCED": "`multipleOf` became a divisor of the old value (more numbers allowed)",
            "MULTIPLE_OF_CHANGED": "`multipleOf` changed to an unrelated value",
            "REQUIRED_ATTRIBUTE_ADDED": "an existing property became required, without a default",
            "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED": "an existing property with a default became required",
            "REQUIRED_ATTRIBUTE_REMOVED": "a property is no longer required",
            "ADDITIONAL_PROPERTIES_ADDED": "additional properties are now allowed",
            "ADDITIONAL_PROPERTIES_REMOVED": "additional properties are no longer allowed",
            "ADDITIONAL_PROPERTIES_EXTENDED": (
                "the additional-properties schema was dropped (any value allowed)"
            ),
            "ADDITIONAL_PROPERTIES_NARROWED": (
                "an additional-properties schema now constrains extra properties"
            ),
            "DEPENDENCY_ARRAY_ADDED": "a property dependency (`dependencies`/`dependentRequired`) was added",
            "DEPENDENCY_ARRAY_REMOVED": "a property dependency was removed",
            "DEPENDENCY_ARRAY_EXTENDED": "a property dependency now requires more properties",
            "DEPENDENCY_ARRAY_NARROWED": "a property dependency now requires fewer properties",
            "DEPENDENCY_ARRAY_CHANGED": "a property dependency changed",
            "DEPENDENCY_SCHEMA_ADDED": "a schema dependency (`dependencies`/`dependentSchemas`) was added",
            "DEPENDENCY_SCHEMA_REMOVED": "a schema dependency was removed",
            "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": "a property was added to an open object (deprecated id)",
            "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": (
                "a required property was added to an open object: old data may lack it or hold another type"
            ),
            "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL": (
                "a required property with a default was added to an open object"
            ),
            "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": (
                "an optional property was added to an open object: old data may hold it with any type"
            ),
            "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": (
                "a property accepting anything was added to an open object"
            ),
            "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": (
                "a required property without a default was added to a closed or partially open object"
            ),
            "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL": (
                "a required property with a default was added to a closed or partially open object"
            ),
            "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": (
                "an optional property was added to a closed or partially open object"
            ),
            "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL": "a property was removed; the new object is open",
            "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
                "a property declared `false` was removed from a closed object"
            ),
            "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
                "a property was removed from a closed object: old data carrying it is now rejected"
            ),
            "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
                "a removed property is still accepted by `patternProperties`/`additionalProperties`"
            ),
            "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
                "a removed property is not accepted by `patternProperties`/`additionalProperties`"
            ),
            "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
                "an added property accepts all the old `patternProperties`/`additionalProperties` allowed"
            ),
            "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
                "an added property rejects values the old `patternProperties`/`additionalProperties` allowed"
            ),
            "RESERVED_PROPERTY_REMOVED": (
                "a reserved property was removed from the metadata (registry metadata)"
            ),
            "RESERVED_PROPERTY_CONFLICTS_WITH_PROPERTY": (
                "a property uses a reserved name (registry metadata)"
            ),
            "UNEVALUATED_PROPERTIES_ADDED": "unevaluated properties are now allowed",
            "UNEVALUATED_PROPERTIES_REMOVED": "unevaluated properties are no longer allowed",
            "UNEVALUATED_PROPERTIES_EXTENDED": "the unevaluated-properties schema was dropped",
            "UNEVALUATED_PROPERTIES_NARROWED": (
                "an unevaluated-properties schema now constrains extra properties"
            ),
            "UNIQUE_ITEMS_ADDED": "`uniqueItems` added",
            "UNIQUE_ITEMS_REMOVED": "`uniqueItems` removed",
            "ADDITIONAL_ITEMS_ADDED": "additional array items are now allowed",
            "ADDITIONAL_ITEMS_REMOVED": "additional array items are no longer allowed",
            "ADDITIONAL_ITEMS_EXTENDED": "the additional-items schema was dropped (any item allowed)",
            "ADDITIONAL_ITEMS_NARROWED": "an additional-items schema now constrains extra items",
            "UNEVALUATED_ITEMS_ADDED": "unevaluated items are now allowed",
            "UNEVALUATED_ITEMS_REMOVED": "unevaluated items are no longer allowed",
            "UNEVALUATED_ITEMS_EXTENDED": "the unevaluated-items schema was dropped",
            "UNEVALUATED_ITEMS_NARROWED": "an unevaluated-items schema now constrains extra items",
            "ITEM_ADDED_TO_OPEN_CONTENT_MODEL": "a tuple position was added to an open array",
            "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": (
                "a tuple position accepting anything was added to an open array"
            ),
            "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL": "a tuple position was added to a closed array",
            "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL": "a tuple position was removed; the new array is open",
            "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL": (
                "a tuple position declared `false` was removed from a closed array"
            ),
            "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL": "a tuple position was removed from a closed array",
            "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
                "a removed tuple position is still accepted by the additional-items schema"
            ),
            "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
                "a removed tuple position is not accepted by the additional-items schema"
            ),
            "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
                "an added tuple position accepts all the old additional-items schema allowed"
            ),
            "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": (
                "an added tuple position rejects items the old additional-items schema allowed"
            ),
            "ENUM_ARRAY_EXTENDED": "`enum` gained values",
            "ENUM_ARRAY_NARROWED": "`enum` lost values",
            "ENUM_ARRAY_CHANGED": "`enum` (or `const`) changed",
            "COMBINED_TYPE_EXTENDED": "the combination keyword became more permissive (e.g. oneOf to anyOf)",
            "COMBINED_TYPE_CHANGED": "the combination keyword changed (allOf/anyOf/oneOf)",
            "PRODUCT_TYPE_EXTENDED": "`allOf` gained subschemas",
            "PRODUCT_TYPE_NARROWED": "`allOf` lost subschemas",
            "SUM_TYPE_EXTENDED": "`anyOf`/`oneOf` (or a type list) gained alternatives",
            "SUM_TYPE_NARROWED": "`anyOf`/`oneOf` (or a type list) lost alternatives",
            "COMBINED_TYPE_SUBSCHEMAS_CHANGED": "no compatible pairing of the old and new subschemas exists",
            "NOT_TYPE_EXTENDED": "the `not` schema now excludes more values",
            "NOT_TYPE_NARROWED": "the `not` schema now excludes fewer values",
        }
    )
    return rules


JSON_RULES: Final[dict[str, str]] = _json_rules()

# Changes a JSON Schema registry accepts for BACKWARD (new accepts everything old accepted).
COMPATIBLE_CHANGES_STRICT: Final[frozenset[str]] = frozenset(
    {
        "ID_CHANGED",
        "DESCRIPTION_CHANGED",
        "TITLE_CHANGED",
        "DEFAULT_CHANGED",
        "SCHEMA_REMOVED",
        "TYPE_EXTENDED",
        "MAX_LENGTH_INCREASED",
        "MAX_LENGTH_REMOVED",
        "MIN_LENGTH_DECREASED",
        "MIN_LENGTH_REMOVED",
        "PATTERN_REMOVED",
        "MAXIMUM_INCREASED",
        "MAXIMUM_REMOVED",
        "MINIMUM_DECREASED",
        "MINIMUM_REMOVED",
        "EXCLUSIVE_MAXIMUM_INCREASED",
        "EXCLUSIVE_MAXIMUM_REMOVED",
        "EXCLUSIVE_MINIMUM_DECREASED",
        "EXCLUSIVE_MINIMUM_REMOVED",
        "MULTIPLE_OF_REDUCED",
        "MULTIPLE_OF_REMOVED",
        "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED",
        "REQUIRED_ATTRIBUTE_REMOVED",
        "DEPENDENCY_ARRAY_NARROWED",
        "DEPENDENCY_ARRAY_REMOVED",
        "DEPENDENCY_SCHEMA_REMOVED",
        "MAX_PROPERTIES_INCREASED",
        "MAX_PROPERTIES_REMOVED",
        "MIN_PROPERTIES_DECREASED",
        "MIN_PROPERTIES_REMOVED",
        "ADDITIONAL_PROPERTIES_ADDED",
        "ADDITIONAL_PROPERTIES_EXTENDED",
        "UNEVALUATED_PROPERTIES_ADDED",
        "UNEVALUATED_PROPERTIES_EXTENDED",
        "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
        "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "MAX_ITEMS_INCREASED",
        "MAX_ITEMS_REMOVED",
        "MIN_ITEMS_DECREASED",
        "MIN_ITEMS_REMOVED",
        "MAX_CONTAINS_INCREASED",
        "MAX_CONTAINS_REMOVED",
        "MIN_CONTAINS_DECREASED",
        "MIN_CONTAINS_REMOVED",
        "UNIQUE_ITEMS_REMOVED",
        "ADDITIONAL_ITEMS_ADDED",
        "ADDITIONAL_ITEMS_EXTENDED",
        "UNEVALUATED_ITEMS_ADDED",
        "UNEVALUATED_ITEMS_EXTENDED",
        "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
        "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
        "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        "ENUM_ARRAY_EXTENDED",
        "COMBINED_TYPE_EXTENDED",
        "PRODUCT_TYPE_NARROWED",
        "SUM_TYPE_EXTENDED",
        "NOT_TYPE_NARROWED",
    }
)

# LENIENT additionally treats open content models as if they were closed.
COMPATIBLE_CHANGES_LENIENT: Final[frozenset[str]] = COMPATIBLE_CHANGES_STRICT | {
    "ADDITIONAL_PROPERTIES_NARROWED",
    "ADDITIONAL_PROPERTIES_REMOVED",
    "UNEVALUATED_PROPERTIES_NARROWED",
    "UNEVALUATED_PROPERTIES_REMOVED",
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL",
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
    "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
    "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
}


def rule_summary(rule: str) -> str:
    """The catalogue's one-line meaning of ``rule`` (empty for an unknown id)."""
    return AVRO_RULES.get(rule) or JSON_RULES.get(rule) or GENERAL_RULES.get(rule, "")
