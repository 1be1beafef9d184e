"""msgspec -> JSON -> generated pydantic model -> JSON -> msgspec gives back the same value, for every type."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from mfgcanon import codecs
from mfgcanon.schema.export import exported_types
from mfgcanon.testing import strategies

pydantic_v1 = pytest.importorskip("mfgcanon.pydantic.v1")

TYPES = exported_types()
IDS = [name for name, _ in TYPES]


@pytest.mark.parametrize(("name", "tp"), TYPES, ids=IDS)
def test_round_trip_through_the_generated_model(name: str, tp: type[Any]) -> None:
    model = getattr(pydantic_v1, tp.__name__)

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategies.for_type(tp))
    def check(obj: Any) -> None:
        parsed = model.model_validate_json(codecs.encode(obj))
        for dumped in (parsed.model_dump_json(), parsed.model_dump_json(exclude_unset=True)):
            assert codecs.decode(dumped, type=tp) == obj

    check()


def test_generated_models_reject_what_the_schema_rejects() -> None:
    from pydantic import ValidationError

    model = pydantic_v1.ProductionConfirmation
    good = {"kind": "production_confirmation", "confirmation_id": "1", "order_id": "2", "plant": "1710",
            "yield_quantity": {"value": "1.5", "uom": "KGM"}}
    assert model.model_validate(good).yield_quantity.value == pydantic_v1.Quantity(value="1.5", uom="KGM").value
    for bad in ({**good, "surprise": 1}, {**good, "plant": ""}, {**good, "kind": "material"},
                {**good, "started_at": "2026-03-01T08:30:00"},
                {**good, "yield_quantity": {"value": "-5", "uom": "KGM"}},
                {**good, "scrap_quantity": {"value": "-0.001", "uom": "KGM"}}):
        with pytest.raises(ValidationError):
            model.model_validate(bad)


def test_import_mfgcanon_does_not_import_pydantic_or_fastavro() -> None:
    code = ("import sys, mfgcanon, mfgcanon.schema.avro, mfgcanon.schema.jsonschema, mfgcanon.schema.registry;"
            "bad = [m for m in ('pydantic', 'fastavro', 'jsonschema', 'avro') if m in sys.modules];"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
