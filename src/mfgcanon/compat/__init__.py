"""Schema compatibility checks for Avro and JSON Schema with schema-registry semantics.

Works on any schema, not only mfgcanon's: it imports nothing of the model and no schema library.

>>> from mfgcanon.compat import check
>>> old = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}
>>> new = {"type": "record", "name": "R", "fields": [{"name": "a", "type": "long"}]}
>>> check(old, new, "FULL").is_compatible   # int -> long reads old data, but long cannot be read as int
False
"""

from __future__ import annotations

from mfgcanon.compat._check import PROJECT_POLICY, check, check_history, distinct_labels
from mfgcanon.compat._config import CompatConfig, load_config
from mfgcanon.compat._errors import SchemaInputError
from mfgcanon.compat._load import SchemaText
from mfgcanon.compat._report import Direction, Finding, Level, Location, Policy, Report, SchemaType
from mfgcanon.compat._rules import (
    AVRO_RULES,
    COMPATIBLE_CHANGES_LENIENT,
    COMPATIBLE_CHANGES_STRICT,
    GENERAL_RULES,
    JSON_RULES,
    rule_summary,
)
from mfgcanon.compat._tree import GitRef, SubjectResult, TreeReport, check_tree, parse_git_ref

__all__ = [
    "AVRO_RULES",
    "COMPATIBLE_CHANGES_LENIENT",
    "COMPATIBLE_CHANGES_STRICT",
    "GENERAL_RULES",
    "JSON_RULES",
    "PROJECT_POLICY",
    "CompatConfig",
    "Direction",
    "Finding",
    "GitRef",
    "Level",
    "Location",
    "Policy",
    "Report",
    "SchemaInputError",
    "SchemaText",
    "SchemaType",
    "SubjectResult",
    "TreeReport",
    "check",
    "check_history",
    "check_tree",
    "distinct_labels",
    "load_config",
    "parse_git_ref",
    "rule_summary",
]
