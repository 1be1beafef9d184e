"""Converting the same payload twice with the same context gives byte-identical NDJSON.

Event times come from the payload (change or creation time), else the context's ``received_at``;
only when neither exists is the run time used, and then the result carries a warning.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from mfgcanon import codecs
from mfgcanon.mappers import MappingContext, load_context, registry

from .conftest import FIXTURES, REPO

SAMPLES = sorted((REPO / "examples" / "sap").iterdir()) + sorted(FIXTURES.iterdir())


def _convert(path: Path, context: MappingContext) -> tuple[bytes, bytes, list[str]]:
    payload = path.read_bytes()
    found = registry.detect(payload) or ["sap-idoc" if path.suffix == ".xml" else "sap-odata"]
    result = registry.get(found[0]).to_canonical(payload, context)
    result.assert_balanced()
    rejects = b"\n".join(codecs.encode(r.to_dict()) for r in result.rejects)
    return codecs.encode_lines(result.events), rejects, result.warnings


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_payload_same_context_same_bytes(path: Path) -> None:
    context = load_context(REPO / "examples" / "context.toml")
    first = _convert(path, context)
    second = _convert(path, context)
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert not any("run time" in w for w in first[2]), first[2]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_without_received_at_payload_times_or_a_warning(path: Path) -> None:
    """No ``received_at``: identical output unless the mapper warned that it used the run time."""
    context = MappingContext.build(
        source_system="S4H-100", plants={"1710": "America/Los_Angeles"}, options={"default_plant": "1710"}
    )
    first = _convert(path, context)
    second = _convert(path, context)
    if first[0] != second[0]:
        assert any("run time" in w for w in first[2]), f"{path.name}: times differ without a warning"


def test_received_at_is_the_fallback_time() -> None:
    received = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    context = MappingContext.build(source_system="S4H-100", plants={"1710": "UTC"}, received_at=received)
    payload = (
        b'{"d": {"ManufacturingOrder": "1", "ProductionPlant": "1710", "Material": "M", '
        b'"TotalQuantity": "1", "ProductionUnit": "PC"}}'
    )
    result = registry.get("sap-odata").to_canonical(payload, context)
    assert [e.time for e in result.events] == [received]
    assert not result.warnings
    bare = MappingContext.build(source_system="S4H-100", plants={"1710": "UTC"})
    result = registry.get("sap-odata").to_canonical(payload, bare)
    assert len(result.events) == 1
    assert any("run time" in w for w in result.warnings)


LA = {"1710": "America/Los_Angeles"}


def _drop(payload: bytes, *tags: bytes) -> bytes:
    for tag in tags:
        start = payload.index(b"<" + tag + b">")
        end = payload.index(b"</" + tag + b">") + len(tag) + 3
        payload = payload[:start] + payload[end:]
    return payload


def test_idoc_time_is_the_control_record_creation_in_the_plant_zone() -> None:
    context = MappingContext.build(source_system="S4H-100", plants=LA)
    loipro = (FIXTURES / "idoc_loipro05_production_order.xml").read_bytes()
    (event,) = registry.get("sap-idoc").to_canonical(loipro, context).events
    assert event.time == datetime(2024, 1, 15, 15, 15, 2, tzinfo=UTC)  # 07:15:02 in Los Angeles
    matmas = (FIXTURES / "idoc_matmas05_material.xml").read_bytes()
    (event,) = registry.get("sap-idoc").to_canonical(matmas, context).events  # no default zone: E1MARCM's plant
    assert event.time == datetime(2024, 1, 10, 20, 0, 1, tzinfo=UTC)
    utc = MappingContext.build(source_system="S4H-100", plants=LA, default_timezone="UTC")
    (event,) = registry.get("sap-idoc").to_canonical(matmas, utc).events  # the default zone first
    assert event.time == datetime(2024, 1, 10, 12, 0, 1, tzinfo=UTC)


def test_idoc_without_creation_date_uses_received_at_else_warns() -> None:
    loipro = _drop((FIXTURES / "idoc_loipro05_production_order.xml").read_bytes(), b"CREDAT", b"CRETIM")
    received = datetime(2024, 2, 2, 2, 2, tzinfo=UTC)
    context = MappingContext.build(source_system="S4H-100", plants=LA, received_at=received)
    result = registry.get("sap-idoc").to_canonical(loipro, context)
    assert [e.time for e in result.events] == [received]
    assert not result.warnings
    result = registry.get("sap-idoc").to_canonical(loipro, MappingContext.build(source_system="S4H-100", plants=LA))
    assert len(result.events) == 1
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("/LOIPRO05/IDOC/E1AFKOL: no time in the payload")


def test_odata_order_time_is_last_change_else_creation() -> None:
    import json

    context = MappingContext.build(source_system="S4H-100", plants=LA)
    body = json.loads((FIXTURES / "odata_production_order_2_get_response.json").read_bytes())
    (event,) = registry.get("sap-odata").to_canonical(body, context).events
    assert event.time == datetime(2024, 1, 15, 7, 15, 2, tzinfo=UTC)  # LastChangeDateTime is UTC
    del body["d"]["results"][0]["LastChangeDateTime"]
    (event,) = registry.get("sap-odata").to_canonical(body, context).events
    assert event.time == datetime(2024, 1, 15, 15, 10, 12, tzinfo=UTC)  # creation 07:10:12 in Los Angeles


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Date(1705430700000+0000)/", datetime(2024, 1, 16, 18, 45, tzinfo=UTC)),
        ("/Date(1705430700000)/", datetime(2024, 1, 16, 18, 45, tzinfo=UTC)),
        ("20240115071502", datetime(2024, 1, 15, 7, 15, 2, tzinfo=UTC)),
        (20240115071502, datetime(2024, 1, 15, 7, 15, 2, tzinfo=UTC)),
        ("20240115071502.1234567", datetime(2024, 1, 15, 7, 15, 2, 123456, tzinfo=UTC)),
        ("2024-01-15T08:15:02+01:00", datetime(2024, 1, 15, 7, 15, 2, tzinfo=UTC)),
        ("", None),
        ("00000000000000", None),
        (None, None),
    ],
)
def test_sap_timestamps(text: object, expected: datetime | None) -> None:
    from mfgcanon.mappers.sap.values import parse_sap_timestamp

    assert parse_sap_timestamp(text) == expected


@pytest.mark.parametrize("text", ["2024", "20241315071502", "2024-01-15T08:15:02", 2024.5, True])
def test_bad_sap_timestamps(text: object) -> None:
    from mfgcanon.errors import MappingError
    from mfgcanon.mappers.sap.values import parse_sap_timestamp

    with pytest.raises(MappingError) as info:
        parse_sap_timestamp(text, field="LastChangeDateTime")
    assert info.value.code == "invalid_value"
