"""Hypothesis profiles for the model tests, and parametrisation over every model type.

``CI`` set: 600 examples per test and type (2000 took the whole suite past ten minutes on two cores);
otherwise 200, for a quick local loop. The profile is loaded only while this
folder's modules are imported (hypothesis binds settings when ``@given`` decorates), so other test
folders keep whatever profile they choose.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from ._support import CONCRETE_STRUCTS, ENTITY_TYPES, ENUM_TYPES, EVENT_TYPES, IS_CI, STRUCT_TYPES, VALUE_TYPES

_COMMON = {
    "deadline": None,  # shared CI machines stall; a slow example is not a failure
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("mfgcanon-model-ci", max_examples=600, derandomize=False, **_COMMON)
settings.register_profile("mfgcanon-model-dev", max_examples=200, **_COMMON)
PROFILE = "mfgcanon-model-ci" if IS_CI else "mfgcanon-model-dev"


def pytest_collectstart(collector: pytest.Collector) -> None:
    if isinstance(collector, pytest.Module):
        settings.register_profile("mfgcanon-model-outer", settings.default)
        settings.load_profile(PROFILE)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.nodeid.endswith(".py"):
        settings.load_profile("mfgcanon-model-outer")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise the fixtures named after model type groups (``struct_type``, ``entity_type``, ...)."""
    groups: dict[str, tuple[type, ...]] = {
        "struct_type": STRUCT_TYPES,
        "concrete_type": CONCRETE_STRUCTS,
        "value_type": VALUE_TYPES,
        "entity_type": ENTITY_TYPES,
        "event_type": EVENT_TYPES,
        "wire_type": ENTITY_TYPES + EVENT_TYPES,
        "enum_type": ENUM_TYPES,
    }
    for name, values in groups.items():
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, values, ids=[cls.__name__ for cls in values])
