"""Properties of mfgcanon.frames over any valid model value (mfgcanon.testing.strategies): Arrow decimals equal
the model's Decimals, instants come back as the same UTC instant, enums are dictionaries of every model value,
and explode gives one row per line."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import msgspec
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mfgcanon import frames
from mfgcanon.testing import strategies
from mfgcanon.v1 import ProductionConfirmation, ProductionConfirmed, ProductionOrder

IS_CI = bool(os.environ.get("CI"))
FEW = settings(max_examples=60 if IS_CI else 25, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BATCH = st.lists(strategies.for_type(ProductionOrder), min_size=1, max_size=4)


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """The dotted leaf values of a struct, as frames flattens them (lists kept whole)."""
    out: dict[str, Any] = {}
    for name in value.__struct_fields__:
        item = getattr(value, name)
        if isinstance(item, msgspec.Struct):
            out.update(_leaves(item, f"{prefix}{name}."))
        else:
            out[prefix + name] = item
    return out


@FEW
@given(BATCH)
def test_decimals_are_exact_and_instants_utc(orders: list[ProductionOrder]) -> None:
    table = frames.to_arrow(orders)
    assert table.schema == frames.schema(ProductionOrder)
    rows = table.to_pylist()
    for order, row in zip(orders, rows, strict=True):
        for name, value in _leaves(order).items():
            if isinstance(value, Decimal):
                assert row[name] == value, name  # equal as numbers: 100.000 == 100
                assert isinstance(row[name], Decimal)
            elif hasattr(value, "tzinfo") and hasattr(value, "hour"):
                assert row[name] == value, name  # the same instant ...
                assert row[name].utcoffset().total_seconds() == 0, name  # ... read back in UTC


@FEW
@given(st.lists(strategies.for_type(ProductionConfirmed), min_size=1, max_size=4))
def test_events_keep_their_envelope_and_data(events: list[ProductionConfirmed]) -> None:
    table = frames.to_arrow(events)
    assert table.schema == frames.schema(ProductionConfirmed)
    assert table.column("id").to_pylist() == [str(e.id) for e in events]
    assert table.column("time").to_pylist() == [e.time for e in events]
    assert table.column("yield_quantity.value").to_pylist() == [e.data.yield_quantity.value for e in events]


@FEW
@given(st.lists(strategies.for_type(ProductionConfirmation), min_size=1, max_size=4))
def test_enums_are_dictionaries_of_every_model_value(confirmations: list[ProductionConfirmation]) -> None:
    table = frames.to_arrow(confirmations)
    state = table.column("posting.state")
    assert pa.types.is_dictionary(state.type)
    from mfgcanon.v1 import PostingState

    assert state.chunk(0).dictionary.to_pylist() == [s.value for s in PostingState]
    expected = [None if c.posting is None else c.posting.state.value for c in confirmations]
    assert state.to_pylist() == expected


@FEW
@given(BATCH)
def test_explode_gives_one_row_per_line(orders: list[ProductionOrder]) -> None:
    table = frames.to_arrow(orders, explode="operations")
    assert table.num_rows == sum(max(1, len(order.operations)) for order in orders)
    with_lines = [order for order in orders if order.operations]
    if with_lines:
        lines = frames.to_arrow(with_lines, explode="operations")
        assert lines.num_rows == sum(len(order.operations) for order in with_lines)
        assert lines.column("operations.operation_id").to_pylist() == [
            op.operation_id for order in with_lines for op in order.operations]
        assert lines.column("order_id").to_pylist() == [
            order.order_id for order in with_lines for _ in order.operations]
