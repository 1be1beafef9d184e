"""mfgcanon.frames on real mapper output and hand-built values: schemas from the model, exact decimals, UTC
instants, enum dictionaries, explode, rejects, mixed types and the missing-extra error."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pyarrow as pa
import pytest

from mfgcanon import frames, mappers
from mfgcanon.errors import EncodeError, MfgcanonError, ValidationError
from mfgcanon.mappers import MappingResult, Reject
from mfgcanon.v1 import (
    ENTITY_TYPES,
    Location,
    MaterialUse,
    Operation,
    OperationStatus,
    OrderStatus,
    ProductionConfirmation,
    ProductionOrder,
    ProductionOrderReleased,
    ProductionOrderUpdated,
    Quantity,
    build_event,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def sap() -> MappingResult:
    """Every bundled SAP sample through its mapper, in one result (events of nine kinds and three rejects)."""
    context = mappers.load_context(EXAMPLES / "context.toml")
    total = MappingResult()
    for path in sorted((EXAMPLES / "sap").iterdir()):
        mapper = mappers.get("sap-idoc" if path.suffix == ".xml" else "sap-odata")
        total.extend(mapper.to_canonical(path.read_bytes(), context))
    return total


def _order(order_id: str, quantity: str, operations: int = 2, **extra: Any) -> ProductionOrder:
    start = datetime(2026, 11, 24, 6, tzinfo=UTC)
    return ProductionOrder(
        order_id=order_id, plant="1710", status=OrderStatus.RELEASED, material_id="FG126",
        planned_quantity=Quantity(value=Decimal(quantity), uom="H87"), planned_start_at=start,
        operations=[Operation(operation_id=f"{(n + 1) * 10:04d}", status=OperationStatus.RELEASED,
                              planned_start_at=start + timedelta(hours=n)) for n in range(operations)],
        **extra,
    )


def test_sap_events_by_kind_have_the_model_schema(sap: MappingResult) -> None:
    tables = frames.to_arrow(sap, by_type=True)
    assert set(tables) == {"production_order", "production_confirmation", "material_movement", "material",
                           "material_lot", "work_center", "quality_inspection", "inventory_balance",
                           "posting_result"}
    assert sum(t.num_rows for t in tables.values()) == len(sap.events)
    for kind, table in tables.items():
        event = next(e for e in sap.events if e.data.__struct_config__.tag == kind)
        assert table.schema == frames.schema(type(event)), kind
        assert table.column_names[:5] == list(frames.EVENT_COLUMNS)


def test_sap_order_columns_are_typed_from_the_model(sap: MappingResult) -> None:
    orders = frames.to_arrow([e for e in sap.events if isinstance(e, ProductionOrderReleased)])
    assert orders.num_rows == 2  # the IDoc and the OData read of order 1000123
    assert orders.schema.field("planned_quantity.value").type == pa.decimal128(38, 9)
    assert orders.schema.field("time").type == pa.timestamp("us", tz="UTC")
    assert orders.schema.field("released_date").type == pa.date32()
    assert orders.schema.field("status").type == pa.dictionary(pa.int32(), pa.string())
    assert pa.types.is_list(orders.schema.field("operations").type)
    # the two channels agree once typed: the same order, the same quantity value
    assert orders.column("order_id").to_pylist() == ["1000123", "1000123"]
    assert set(orders.column("planned_quantity.value").to_pylist()) == {Decimal("100")}
    assert orders.column("type").to_pylist() == ["mfgcanon.production_order.released.v1"] * 2
    assert orders.column("status").chunk(0).dictionary.to_pylist() == [s.value for s in OrderStatus]


def test_sap_rejects_are_their_own_frame(sap: MappingResult) -> None:
    table = frames.to_arrow(sap, rejects=True)
    assert table.column_names == list(frames.REJECT_COLUMNS)
    assert table.num_rows == len(sap.rejects) == 3
    assert table.column("code").to_pylist() == [r.code for r in sap.rejects]
    assert table.schema.field("line").type == pa.int64()
    rejects = frames.to_pandas(sap, rejects=True)
    assert list(rejects["code"]) == ["unmatched_record"] * 3
    assert all("InspectionLot" in payload for payload in rejects["payload"])


def test_mixed_types_raise_a_typed_error_naming_them(sap: MappingResult) -> None:
    with pytest.raises(frames.MixedTypesError) as caught:
        frames.to_arrow(sap)
    error = caught.value
    assert isinstance(error, ValidationError)
    assert error.code == "type_mismatch"
    assert error.kinds["material_movement"] == 12
    assert "mfgcanon.material.issued.v1" in error.message
    assert "by_type=True" in error.message


def test_events_and_entities_do_not_mix() -> None:
    order = _order("1", "5")
    with pytest.raises(frames.MixedTypesError, match="events and entities apart"):
        frames.to_arrow([order, build_event(ProductionOrderReleased, order, source_system="S4H")])


def test_events_carrying_one_entity_share_a_frame() -> None:
    """released and updated carry the order: one frame, told apart by the ``type`` dictionary column."""
    first, second = _order("1", "5"), _order("2", "7")
    events = [build_event(ProductionOrderReleased, first, source_system="S4H"),
              build_event(ProductionOrderUpdated, second, source_system="S4H")]
    table = frames.to_arrow(events)
    assert table.column("type").to_pylist() == [ProductionOrderReleased.event_type(),
                                                ProductionOrderUpdated.event_type()]
    assert table.column("id").to_pylist() == [str(e.id) for e in events]
    assert table.column("order_id").to_pylist() == ["1", "2"]


def test_equal_decimals_are_one_value_whatever_their_spelling() -> None:
    table = frames.to_arrow([_order("1", "100.000"), _order("2", "100"), _order("3", "1E+2")])
    values = table.column("planned_quantity.value")
    assert values.to_pylist() == [Decimal("100")] * 3
    assert len(set(values.cast(pa.string()).to_pylist())) == 1
    assert frames.to_polars([_order("1", "100.000"), _order("2", "100")])["planned_quantity.value"].n_unique() == 1


def test_a_decimal_finer_than_the_model_scale_is_refused_not_rounded() -> None:
    order = _order("1", "1.0000000001")  # the model bounds magnitude, Avro/Arrow decimal(38, 9) the places
    with pytest.raises(EncodeError) as caught:
        frames.to_arrow([order])
    assert caught.value.path == "planned_quantity.value"
    assert caught.value.code == "unencodable_value"


def test_instants_become_utc_whatever_their_offset() -> None:
    local = datetime(2026, 11, 24, 8, 30, tzinfo=timezone(timedelta(hours=-8)))
    table = frames.to_arrow([_order("1", "5", planned_end_at=local)])
    (value,) = table.column("planned_end_at").to_pylist()
    assert value == local
    assert value.utcoffset() == timedelta(0)
    frame = frames.to_pandas([_order("1", "5", planned_end_at=local)])
    assert str(frame["planned_end_at"].dtype) == "datetime64[us, UTC]"


def test_nested_structs_are_dotted_columns_and_absent_ones_null() -> None:
    store = Location(plant="1710", storage_location="171F")
    table = frames.to_arrow([_order("1", "5", receipt_location=store), _order("2", "5")])
    assert table.column("receipt_location.storage_location").to_pylist() == ["171F", None]
    assert table.column("receipt_location.plant").to_pylist() == ["1710", None]
    assert "receipt_location" not in table.column_names


def test_explode_gives_one_row_per_line_with_the_parent_repeated() -> None:
    table = frames.to_arrow([_order("1", "5", operations=3), _order("2", "6", operations=1)], explode="operations")
    assert table.num_rows == 4
    assert table.column("order_id").to_pylist() == ["1", "1", "1", "2"]
    assert table.column("operations.operation_id").to_pylist() == ["0010", "0020", "0030", "0010"]
    assert "operations" not in table.column_names
    assert table.schema == frames.schema(ProductionOrder, explode="operations")


def test_explode_keeps_a_parent_without_lines_as_one_row() -> None:
    table = frames.to_arrow([_order("1", "5", operations=0), _order("2", "6", operations=2)], explode="operations")
    assert table.column("order_id").to_pylist() == ["1", "2", "2"]
    assert table.column("operations.operation_id").to_pylist() == [None, "0010", "0020"]


def test_explode_a_list_the_type_does_not_have_is_a_typed_error() -> None:
    with pytest.raises(ValidationError, match=r"its lists are .*material_requirements.*operations"):
        frames.to_arrow([_order("1", "5")], explode="outputs")


def test_explode_on_events_of_a_result(sap: MappingResult) -> None:
    tables = frames.to_arrow(sap, explode="operations", by_type=True)
    orders = [e.data for e in sap.events if isinstance(e, ProductionOrderReleased)]
    assert tables["production_order"].num_rows == sum(max(1, len(o.operations)) for o in orders)
    assert "outputs" in tables["production_confirmation"].column_names  # kinds without operations: unexploded


def test_list_columns_keep_lines_as_structs() -> None:
    table = frames.to_arrow([_order("1", "5", operations=2)])
    (operations,) = table.column("operations").to_pylist()
    assert [op["operation_id"] for op in operations] == ["0010", "0020"]
    assert operations[0]["status"] == "released"


def test_polars_and_pandas_types() -> None:
    orders = [_order("1", "100.000"), _order("2", "2.5")]
    import polars as pl

    frame = frames.to_polars(orders)
    assert frame.schema["planned_quantity.value"] == pl.Decimal(38, 9)
    assert frame.schema["status"] == pl.Enum([s.value for s in OrderStatus])
    assert frame.schema["planned_start_at"] == pl.Datetime("us", "UTC")
    pandas_frame = frames.to_pandas(orders)
    assert list(pandas_frame["planned_quantity.value"]) == [Decimal("100"), Decimal("2.5")]
    assert all(isinstance(v, Decimal) for v in pandas_frame["planned_quantity.value"])
    assert list(pandas_frame["status"].cat.categories) == [s.value for s in OrderStatus]


def test_one_struct_and_any_struct_class() -> None:
    assert frames.to_arrow(_order("1", "5")).num_rows == 1
    quantities = frames.to_arrow([Quantity(value=Decimal("1.5"), uom="KGM")])
    assert quantities.column_names == ["value", "uom", "source_uom"]
    confirmation = ProductionConfirmation(confirmation_id="1/1", order_id="1", plant="1710",
                                          yield_quantity=Quantity(value=Decimal(0), uom="H87"),
                                          posting_date=date(2026, 11, 24))
    table = frames.to_arrow([confirmation])
    assert table.column("posting_date").to_pylist() == [date(2026, 11, 24)]
    assert table.schema.field("posting_date").type == pa.date32()


def test_an_empty_input_has_no_type_to_take_a_schema_from() -> None:
    with pytest.raises(ValidationError, match=r"frames\.schema"):
        frames.to_arrow([])
    assert frames.to_arrow([], by_type=True) == {}
    assert frames.schema(ProductionOrder).field("order_id").type == pa.string()


def test_not_structs_are_refused() -> None:
    with pytest.raises(ValidationError, match="expected msgspec structs"):
        frames.to_arrow([{"order_id": "1"}])
    with pytest.raises(ValidationError, match="needs a MappingResult"):
        frames.to_arrow([_order("1", "5")], rejects=True)


def test_no_entity_has_a_column_named_like_an_envelope_column() -> None:
    for entity in ENTITY_TYPES:
        assert not set(frames.schema(entity).names) & set(frames.EVENT_COLUMNS), entity


def test_a_list_of_rejects_is_a_rejects_frame() -> None:
    rejects = [Reject(code="malformed_payload", reason="bad", location="/a", payload=b"\xff<x/>", line=3,
                      mapper="sap-idoc")]
    table = frames.to_arrow(rejects)
    assert table.to_pylist() == [{"code": "malformed_payload", "reason": "bad", "location": "/a", "line": 3,
                                  "input": None, "mapper": "sap-idoc", "payload": "\\xff<x/>"}]


def test_enum_values_outside_the_model_are_refused() -> None:
    order = _order("1", "5")
    msgspec.structs.force_setattr(order, "status", "paused")  # only a bug could build this
    with pytest.raises(EncodeError, match="'paused' is not a OrderStatus value"):
        frames.to_arrow([order])


def test_an_enum_column_with_no_value_keeps_every_model_category() -> None:
    """Regression: an all-null enum column (every order without status-bearing lines) kept an empty
    dictionary, so pandas had no categories and polars an empty Enum."""
    orders = [_order("1", "5", operations=0)]
    table = frames.to_arrow(orders, explode="operations")
    assert table.column("operations.status").chunk(0).dictionary.to_pylist() == [s.value for s in OperationStatus]
    frame = frames.to_pandas(orders, explode="operations")
    assert list(frame["operations.status"].cat.categories) == [s.value for s in OperationStatus]


def test_material_use_dictionary_lists_every_model_value() -> None:
    schema_type = frames.schema(ProductionOrder).field("material_requirements").type
    assert pa.types.is_dictionary(schema_type.value_type.field("material_use").type)
    assert len(MaterialUse) >= 5


@pytest.mark.parametrize(("function", "module", "extra"), [
    (frames.to_arrow, "pyarrow", "arrow"),
    (frames.to_polars, "polars", "polars"),
    (frames.to_pandas, "pandas", "pandas"),
    (frames.to_polars, "pyarrow", "arrow"),
])
def test_a_missing_extra_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch, function: Any, module: str,
                                                extra: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what an environment without the extra looks like
    with pytest.raises(frames.FramesUnavailableError) as caught:
        function([_order("1", "5")])
    error = caught.value
    assert isinstance(error, MfgcanonError)
    assert isinstance(error, ImportError)
    assert f"pip install 'mfgcanon[{extra}]'" in str(error)
    assert error.extra == extra
    assert error.cause_type == "ModuleNotFoundError"


def test_importing_frames_imports_no_dataframe_library() -> None:
    import subprocess

    code = ("import sys, mfgcanon.frames, mfgcanon.notebook; "
            "print(sorted(m for m in ('pyarrow', 'polars', 'pandas', 'IPython') if m in sys.modules))")
    src = str(Path(__file__).resolve().parents[2] / "src")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": src, "PATH": ""})
    assert out.stdout.strip() == "[]"
