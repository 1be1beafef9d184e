"""Subject naming strategies and record names."""

from __future__ import annotations

import pytest

from mfgcanon.errors import MfgcanonError
from mfgcanon.schema.registry import record_name, subject_name
from mfgcanon.v1 import ActivityKind, ProductionConfirmation, ProductionConfirmed, Quantity


def test_record_names_embed_the_major_version() -> None:
    assert record_name(ProductionConfirmation) == "mfgcanon.v1.ProductionConfirmation"
    assert record_name(ProductionConfirmed) == "mfgcanon.v1.ProductionConfirmed"
    assert record_name(Quantity) == "mfgcanon.v1.Quantity"
    assert record_name(ActivityKind) == "mfgcanon.v1.ActivityKind"
    with pytest.raises(MfgcanonError):
        record_name("ProductionConfirmation")  # type: ignore[arg-type]


@pytest.mark.parametrize(("strategy", "is_key", "expected"), [
    ("topic", False, "mfg.confirmations-value"),
    ("topic", True, "mfg.confirmations-key"),
    ("TopicNameStrategy", False, "mfg.confirmations-value"),
    ("record", False, "mfgcanon.v1.ProductionConfirmed"),
    ("record", True, "mfgcanon.v1.ProductionConfirmed"),
    ("RecordNameStrategy", False, "mfgcanon.v1.ProductionConfirmed"),
    ("topic_record", False, "mfg.confirmations-mfgcanon.v1.ProductionConfirmed"),
    ("TopicRecordNameStrategy", True, "mfg.confirmations-mfgcanon.v1.ProductionConfirmed"),
])
def test_subject_name_strategies(strategy: str, is_key: bool, expected: str) -> None:
    fqn = record_name(ProductionConfirmed)
    assert subject_name(strategy, "mfg.confirmations", fqn, is_key=is_key) == expected


def test_subject_name_errors() -> None:
    with pytest.raises(MfgcanonError) as unknown:
        subject_name("by_color", "t", "r")
    assert unknown.value.code == "invalid_value"
    with pytest.raises(MfgcanonError):
        subject_name("topic", None, "r")
    with pytest.raises(MfgcanonError):
        subject_name("record", "t", None)
    assert subject_name("record", None, "r") == "r"
