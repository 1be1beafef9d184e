"""Hypothesis strategies for every mfgcanon v1 type, honouring every rule of the model.

msgspec's type information knows lengths, bounds and time-zone requirements but not the rules the
model checks in ``__post_init__`` hooks (non-negative decimals, registered units, ordered time
windows, ...). hypothesis' own ``from_type`` knows neither. This module walks
``msgspec.inspect.type_info`` so that a field added to the model is covered without touching it,
reads the model's own annotations (the decimal and unit-code patterns of :mod:`mfgcanon.types`) to
pick the right value space, and adds per-type fixes for the rules only the hooks know.

Every value drawn here passes :func:`mfgcanon.codecs.validate`; the test suite checks that.

    from mfgcanon.testing import strategies
    @given(strategies.for_type(ProductionOrder))
    def test_mapper_round_trip(order): ...
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, Final, TypeVar, cast, overload

import msgspec
import msgspec.inspect as mi
from hypothesis import strategies as st

from mfgcanon import units
from mfgcanon.types import SIGNED_DECIMAL_PATTERN, UNIT_CODE_PATTERN, UNSIGNED_DECIMAL_PATTERN
from mfgcanon.v1 import events as v1_events
from mfgcanon.v1.common import ActivityTime, Property, PropertyType, Quantity
from mfgcanon.v1.confirmation import ProductionConfirmation
from mfgcanon.v1.deletion import Deletion
from mfgcanon.v1.inventory import InventoryBalance, MaterialMovement, MovementLot
from mfgcanon.v1.lot import GenealogyLink, LotItem, MaterialLot
from mfgcanon.v1.material import Material, UnitConversion
from mfgcanon.v1.order import ProductionOrder
from mfgcanon.v1.posting import PostingResult, PostingState
from mfgcanon.v1.quality import (
    InspectedItem,
    InspectionResult,
    Nonconformance,
    NonconformanceKind,
    QualityHold,
    QualityInspection,
)
from mfgcanon.v1.shipment import ShipmentReadiness
from mfgcanon.v1.status import OperationStatusChange, OrderStatusChange

__all__ = [
    "calendar_dates", "entities", "events", "for_type", "genealogy_links", "identifiers", "instants",
    "inventory_balances", "material_lots", "material_movements", "materials", "nonconformances",
    "production_confirmations", "production_orders", "properties", "quality_holds", "quality_inspections",
    "quantities", "shipment_readiness", "signed_decimals", "unit_codes", "unsigned_decimals",
]

T = TypeVar("T")
Kwargs = dict[str, Any]
Fixer = Callable[[st.DrawFn, Kwargs], Kwargs]

# Avro decimal(38,9): at most 9 places and 29 integer digits; the Avro writer refuses more.
MAX_PLACES: Final = 9
MAX_INTEGER_DIGITS: Final = 29
MAX_LIST: Final = 3
"""Lists stay short: nesting multiplies sizes, and bugs rarely need long lists to show."""

# Instants whose UTC form stays inside datetime's range whatever the offset (MessagePack stores UTC).
_MIN_LOCAL = datetime(1, 1, 2)
_MAX_LOCAL = datetime(9999, 12, 30)
_INT64 = (-(2**63), 2**63 - 1)

# (start, end) field pairs that must not end before they start, by name: a new pair that follows the
# naming rules of the model (``*_start_at``/``*_end_at``, ``*_from``/``*_to``) is ordered automatically.
_ORDERED_PAIRS: Final = (
    ("started_at", "ended_at"), ("placed_at", "released_at"), ("time", "recordedtime"),
    ("manufactured_at", "expires_at"), ("manufactured_date", "expiry_date"), ("detected_at", "closed_at"),
    ("requested_at", "posted_at"), ("requested_at", "processed_at"),
)


# --------------------------------------------------------------------------------------------------
# leaves


def identifiers(max_size: int = 255) -> st.SearchStrategy[str]:
    """Business keys: 1..max_size characters of any text, mostly short, sometimes long or odd ('/', '|')."""
    short = st.text(min_size=1, max_size=min(12, max_size))
    keyish = st.text(alphabet="0123456789ABCDEFXYZ/|%-._ ", min_size=1, max_size=min(12, max_size))
    longest = st.text(min_size=max(1, max_size - 8), max_size=max_size)  # composite keys outgrow the limit
    return st.one_of(short, keyish, short, keyish, st.text(min_size=1, max_size=max_size), longest)


def _texts(min_size: int | None, max_size: int | None) -> st.SearchStrategy[str]:
    low = min_size or 0
    if max_size is not None and max_size <= low + 12:
        return st.text(min_size=low, max_size=max_size)
    return st.one_of(st.text(min_size=low, max_size=low + 12), st.text(min_size=low, max_size=max_size))


def _decimal_from(sign: int, coefficient: int, exponent: int) -> Decimal:
    return Decimal((sign, tuple(int(digit) for digit in str(coefficient)), exponent))


@st.composite
def _avro_decimals(draw: st.DrawFn, signed: bool) -> Decimal:
    """Finite decimals that fit decimal(38,9), with varied digit counts and exponents (1.500, 1E+3, 0E-9)."""
    width = draw(st.one_of(st.integers(1, 6), st.integers(1, MAX_PLACES + MAX_INTEGER_DIGITS)))
    # exactly `width` digits: integers() favours small values, which would hide the 30-38 digit cases
    coefficient = draw(st.integers(0, 9) if width == 1 else st.integers(10 ** (width - 1), 10**width - 1))
    digits = len(str(coefficient))
    highest = MAX_INTEGER_DIGITS - digits  # the exponent that keeps 29 integer digits
    exponent = draw(st.one_of(st.integers(-3, 0), st.integers(-MAX_PLACES, highest)))
    exponent = max(-MAX_PLACES, min(exponent, highest))
    sign = draw(st.integers(0, 1)) if signed else 0
    return _decimal_from(sign, coefficient, exponent)


def unsigned_decimals() -> st.SearchStrategy[Decimal]:
    """Quantity values: finite, >= 0 (never negative zero), at most 9 places and 29 integer digits."""
    return _avro_decimals(False)


def signed_decimals() -> st.SearchStrategy[Decimal]:
    """Measured values and limits: finite decimals of either sign (negative zero included)."""
    return _avro_decimals(True)


def _positive_decimals() -> st.SearchStrategy[Decimal]:
    return unsigned_decimals().filter(lambda number: number > 0)


def time_zones() -> st.SearchStrategy[tzinfo]:
    """UTC and whole-minute fixed offsets (RFC 3339 offsets have no seconds)."""
    offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))
    return st.one_of(st.just(UTC), offsets)


def instants(zones: st.SearchStrategy[tzinfo] | None = None) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes with microseconds, in UTC or fixed offsets, years 1..9999."""
    return st.datetimes(min_value=_MIN_LOCAL, max_value=_MAX_LOCAL, timezones=time_zones() if zones is None else zones)


def utc_instants() -> st.SearchStrategy[datetime]:
    return instants(st.just(UTC))


def calendar_dates() -> st.SearchStrategy[date]:
    return st.dates()


def unit_codes(dimension: str | Iterable[str] | None = None) -> st.SearchStrategy[str]:
    """Registered UN/CEFACT Rec 20 codes, optionally of one or more dimensions ('time', 'mass', ...)."""
    wanted = {dimension} if isinstance(dimension, str) else None if dimension is None else set(dimension)
    codes = [unit.code for unit in units.all_units() if wanted is None or unit.dimension in wanted]
    if not codes:
        raise ValueError(f"no registered unit of dimension {dimension!r}")
    return st.sampled_from(codes)


def quantities(dimension: str | Iterable[str] | None = None, *, uoms: Sequence[str] | None = None
               ) -> st.SearchStrategy[Quantity]:
    """Quantities in registered units (of a dimension, or from ``uoms``), sometimes with a source unit."""
    codes = st.sampled_from(list(uoms)) if uoms is not None else unit_codes(dimension)
    return st.builds(Quantity, value=unsigned_decimals(), uom=codes,
                     source_uom=st.one_of(st.none(), st.text(min_size=1, max_size=6)))


def _property_values(kind: PropertyType) -> st.SearchStrategy[str]:
    """Text that reads as ``kind``: the only values ``Property`` accepts."""
    if kind is PropertyType.DECIMAL:
        return signed_decimals().map(str)
    if kind is PropertyType.INTEGER:
        return st.integers(*_INT64).map(str)
    if kind is PropertyType.BOOLEAN:
        return st.sampled_from(["true", "false"])
    if kind is PropertyType.DATE:
        return st.dates().map(date.isoformat)
    if kind is PropertyType.DATETIME:
        return instants().map(datetime.isoformat)
    return st.text()


# --------------------------------------------------------------------------------------------------
# the generic walker over msgspec type information


def _pattern(meta: mi.Metadata) -> str | None:
    schema = meta.extra_json_schema or {}
    pattern = schema.get("pattern")
    return pattern if isinstance(pattern, str) else None


def _from_info(info: mi.Type, pattern: str | None = None) -> st.SearchStrategy[Any]:
    """A strategy for one msgspec type node; ``pattern`` is the model's annotation from an outer Meta."""
    if isinstance(info, mi.Metadata):
        return _from_info(info.type, _pattern(info) or pattern)
    if isinstance(info, mi.NoneType):
        return st.none()
    if isinstance(info, mi.UnionType):
        return st.one_of([_from_info(member, pattern) for member in info.types])
    if isinstance(info, mi.StructType):
        return for_type(info.cls)
    if isinstance(info, mi.EnumType):
        return st.sampled_from(list(info.cls))
    if isinstance(info, mi.LiteralType):
        return st.sampled_from(list(info.values))
    if isinstance(info, mi.BoolType):
        return st.booleans()
    if isinstance(info, mi.DecimalType):
        if pattern == UNSIGNED_DECIMAL_PATTERN:
            return unsigned_decimals()
        if pattern == SIGNED_DECIMAL_PATTERN:
            return signed_decimals()
        raise TypeError("a canonical decimal is annotated UnsignedDecimal or SignedDecimal (mfgcanon.types)")
    if isinstance(info, mi.DateTimeType):
        if info.tz is False:
            return st.datetimes(min_value=_MIN_LOCAL, max_value=_MAX_LOCAL)
        return instants()
    if isinstance(info, mi.DateType):
        return st.dates()
    if isinstance(info, mi.UUIDType):
        return st.uuids()
    if isinstance(info, mi.StrType):
        return _strings(info, pattern)
    if isinstance(info, mi.IntType):
        return _integers(info)
    if isinstance(info, mi.FloatType):
        return st.floats(min_value=info.ge if info.ge is not None else info.gt,
                         max_value=info.le if info.le is not None else info.lt,
                         exclude_min=info.gt is not None, exclude_max=info.lt is not None,
                         allow_nan=False, allow_infinity=False)
    if isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        items = st.lists(_from_info(info.item_type), min_size=info.min_length or 0,
                         max_size=info.max_length if info.max_length is not None else MAX_LIST,
                         unique_by=None if isinstance(info, mi.ListType | mi.VarTupleType) else (lambda x: x))
        container: type = {mi.ListType: list, mi.SetType: set, mi.FrozenSetType: frozenset,
                           mi.VarTupleType: tuple}[type(info)]
        return items if container is list else items.map(container)
    if isinstance(info, mi.TupleType):
        return st.tuples(*(_from_info(item) for item in info.item_types))
    if isinstance(info, mi.DictType):
        return st.dictionaries(_from_info(info.key_type), _from_info(info.value_type),
                               min_size=info.min_length or 0,
                               max_size=info.max_length if info.max_length is not None else MAX_LIST)
    raise TypeError(f"mfgcanon.testing.strategies has no rule for {info!r}; add one")


def _strings(info: mi.StrType, pattern: str | None) -> st.SearchStrategy[str]:
    if pattern == UNIT_CODE_PATTERN:
        return unit_codes()
    regex = info.pattern or pattern
    if regex is not None:
        low, high = info.min_length or 0, info.max_length
        return st.from_regex(regex, fullmatch=True).filter(
            lambda text: len(text) >= low and (high is None or len(text) <= high))
    if info.min_length == 1 and info.max_length is not None and info.max_length >= 64:
        return identifiers(info.max_length)
    return _texts(info.min_length, info.max_length)


def _integers(info: mi.IntType) -> st.SearchStrategy[int]:
    low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else _INT64[0])
    high = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else _INT64[1])
    numbers = st.integers(low, high)
    step = info.multiple_of
    if step:
        return st.integers(-(-low // step), high // step).map(lambda n: n * step)
    return numbers


# --------------------------------------------------------------------------------------------------
# rules only the hooks know: field overrides and per-class fixes


def _time_quantities() -> st.SearchStrategy[Quantity]:
    return quantities("time")


_FIELD_OVERRIDES: dict[tuple[type, str], Callable[[], st.SearchStrategy[Any]]] = {
    (ActivityTime, "duration"): _time_quantities,
    (Material, "shelf_life"): lambda: st.one_of(st.none(), _time_quantities()),
    (UnitConversion, "numerator"): _positive_decimals,
    (UnitConversion, "denominator"): _positive_decimals,
}


def _fix_property(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    kind = kwargs.get("data_type", PropertyType.STRING)
    if kwargs.get("value") is not None and kind is not PropertyType.STRING:
        kwargs["value"] = draw(_property_values(kind))
    return kwargs


_ITEM_KEYS = ("material_id", "lot_id", "sub_lot_id", "order_id", "operation_id", "equipment_id")


def _fix_inspected_item(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    if not any(kwargs.get(key) for key in (*_ITEM_KEYS, "serial_numbers")):
        kwargs[draw(st.sampled_from(_ITEM_KEYS))] = draw(identifiers())
    return kwargs


def _fix_inspection_result(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    low, high = kwargs.get("lower_limit"), kwargs.get("upper_limit")
    if low is not None and high is not None and high < low:
        kwargs["lower_limit"], kwargs["upper_limit"] = high, low
    return kwargs


def _fix_material(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    """One conversion per alternative unit, and only for units the registry cannot convert to the base itself
    (a declared 1 MLT = 1 CLT would contradict the registry, which wins)."""
    base = units.get(kwargs["base_uom"])
    seen = {base.code}
    unique = []
    for conversion in kwargs.get("uom_conversions", []):
        unit = units.get(conversion.uom)
        fixed = unit.dimension == base.dimension and unit.factor is not None and base.factor is not None
        if conversion.uom not in seen and not fixed:
            seen.add(conversion.uom)
            unique.append(conversion)
    if "uom_conversions" in kwargs:
        kwargs["uom_conversions"] = unique
    return kwargs


def _fix_quality_hold(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    if kwargs["is_active"]:
        kwargs.pop("released_at", None)
    return kwargs


def _fix_nonconformance(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    if kwargs["category"] is NonconformanceKind.HOLD and kwargs.get("hold") is None:
        kwargs["hold"] = draw(for_type(QualityHold))
    return kwargs


def _fix_genealogy_link(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    parent: LotItem = kwargs["parent"]
    if kwargs["child"] == parent:  # rare outside shrinking: nudge the lot rather than filter and retry
        kwargs["child"] = msgspec.structs.replace(parent, lot_id="1" if parent.lot_id != "1" else "2")
    return kwargs


def _fix_movement(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    """Several lots add up to the movement quantity, in its unit (small values keep the sum in decimal(38,9))."""
    lots: list[MovementLot] = kwargs.get("lots", [])
    if lots:
        uom = kwargs["quantity"].uom
        values = [Decimal(draw(st.integers(0, 10**9))).scaleb(-3) for _ in lots]
        kwargs["lots"] = [msgspec.structs.replace(lot, quantity=Quantity(value=value, uom=uom))
                          for lot, value in zip(lots, values, strict=True)]
        kwargs["quantity"] = msgspec.structs.replace(kwargs["quantity"], value=sum(values, Decimal(0)))
    return kwargs


def _fix_scope(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    if not kwargs.get("plant") and not kwargs.get("company_id"):
        kwargs[draw(st.sampled_from(["plant", "company_id"]))] = draw(identifiers())
    return kwargs


def _fix_posting_result(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    if kwargs["outcome"] is PostingState.REQUESTED:
        kwargs["outcome"] = draw(st.sampled_from([s for s in PostingState if s is not PostingState.REQUESTED]))
    if not (kwargs.get("request_external_id") or kwargs.get("request_event_id") or kwargs.get("posted_ids")):
        kwargs["request_external_id"] = draw(identifiers())
    return kwargs


def _fix_deletion(draw: st.DrawFn, kwargs: Kwargs) -> Kwargs:
    kind = draw(st.sampled_from(sorted(Deletion.KEYS)))
    kwargs["entity_kind"] = kind
    for name in Deletion.KEYS[kind]:
        if kwargs.get(name) is None:
            kwargs[name] = draw(identifiers())
    return kwargs


_FIXERS: dict[type, Fixer] = {
    MaterialMovement: _fix_movement,
    OrderStatusChange: _fix_scope,
    OperationStatusChange: _fix_scope,
    PostingResult: _fix_posting_result,
    Deletion: _fix_deletion,
    Property: _fix_property,
    InspectedItem: _fix_inspected_item,
    InspectionResult: _fix_inspection_result,
    Material: _fix_material,
    QualityHold: _fix_quality_hold,
    Nonconformance: _fix_nonconformance,
    GenealogyLink: _fix_genealogy_link,
}


def _ordered_pairs(names: Iterable[str]) -> list[tuple[str, str]]:
    """The (start, end) pairs of a struct, from the naming rules and the explicit list above."""
    present = set(names)
    pairs = [(start, end) for start, end in _ORDERED_PAIRS if start in present and end in present]
    for name in present:
        for start_suffix, end_suffix in (("_start_at", "_end_at"), ("_from", "_to"), ("_from_date", "_to_date")):
            if name.endswith(start_suffix):
                end = name[: -len(start_suffix)] + end_suffix
                if end in present:
                    pairs.append((name, end))
    return sorted(pairs)


def _order_windows(kwargs: Kwargs, pairs: list[tuple[str, str]]) -> Kwargs:
    for start, end in pairs:
        begin, finish = kwargs.get(start), kwargs.get(end)
        if begin is not None and finish is not None and finish < begin:
            kwargs[start], kwargs[end] = finish, begin
    return kwargs


def _field_strategy(cls: type, field: mi.Field) -> st.SearchStrategy[Any]:
    override = _FIELD_OVERRIDES.get((cls, field.name))
    return override() if override is not None else _from_info(field.type)


@functools.cache
def _struct_strategy(cls: type[msgspec.Struct]) -> st.SearchStrategy[Any]:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    required = {field.name: _field_strategy(cls, field) for field in info.fields if field.required}
    optional = {field.name: _field_strategy(cls, field) for field in info.fields if not field.required}
    fields = st.fixed_dictionaries(required, optional=optional)
    fixers = [fix for base in cls.__mro__ if (fix := _FIXERS.get(base)) is not None]
    pairs = _ordered_pairs(field.name for field in info.fields)
    if "partial_fields" in optional:  # a partial update names real fields of its entity, each once
        names = sorted(field.name for field in info.fields)
        optional["partial_fields"] = st.lists(st.sampled_from(names), unique=True, max_size=MAX_LIST)
        fields = st.fixed_dictionaries(required, optional=optional)

    @st.composite
    def build(draw: st.DrawFn) -> msgspec.Struct:
        kwargs = dict(draw(fields))
        for fix in fixers:
            kwargs = fix(draw, kwargs)
        return cls(**_order_windows(kwargs, pairs))

    return build()


# --------------------------------------------------------------------------------------------------
# events


def _event_data(event_cls: type[v1_events.CloudEvent]) -> st.SearchStrategy[Any]:
    """The entity an event carries, narrowed to what the event type accepts (movement type, hold state)."""
    data_cls = v1_events.data_type(event_cls)
    data = for_type(data_cls)
    allowed = cast(frozenset[Any] | None, getattr(event_cls, "ALLOWED", None))
    if allowed is not None:
        kinds = sorted(allowed)

        @st.composite
        def movement(draw: st.DrawFn) -> MaterialMovement:
            value = draw(for_type(MaterialMovement))
            return msgspec.structs.replace(value, movement_type=draw(st.sampled_from(kinds)))

        return movement()
    outcomes = cast(frozenset[Any] | None, getattr(event_cls, "OUTCOMES", None))
    if outcomes is not None:
        allowed_outcomes = sorted(outcomes)

        @st.composite
        def outcome(draw: st.DrawFn) -> PostingResult:
            value = draw(for_type(PostingResult))
            return msgspec.structs.replace(value, outcome=draw(st.sampled_from(allowed_outcomes)))

        return outcome()
    if issubclass(data_cls, Nonconformance) and isinstance(getattr(event_cls, "ACTIVE", None), bool):
        active = bool(getattr(event_cls, "ACTIVE"))  # noqa: B009 - checked above, read once

        @st.composite
        def hold(draw: st.DrawFn) -> Nonconformance:
            state = draw(for_type(QualityHold))
            state = msgspec.structs.replace(state, is_active=active,
                                            released_at=None if active else state.released_at)
            value = draw(for_type(Nonconformance))
            return msgspec.structs.replace(value, category=NonconformanceKind.HOLD, hold=state)

        return hold()
    return data


_OPTIONAL_TEXT = st.one_of(st.none(), st.text(min_size=1, max_size=40))


@functools.cache
def _event_strategy(event_cls: type[v1_events.CloudEvent]) -> st.SearchStrategy[Any]:
    data = _event_data(event_cls)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        entity = draw(data)
        source = getattr(entity, "source", None)
        system = draw(st.one_of(st.none(), identifiers())) if source is not None else draw(identifiers())
        occurred, recorded = draw(utc_instants()), draw(st.one_of(st.none(), utc_instants()))
        if recorded is not None and recorded < occurred:
            occurred, recorded = recorded, occurred
        return v1_events.build_event(
            event_cls, entity, source_system=system, time=occurred, recorded_at=recorded,
            sequence=draw(st.one_of(st.none(), st.integers(0, 10**12).map(lambda n: f"{n:020d}"))),
            correlation_id=draw(_OPTIONAL_TEXT), causation_id=draw(_OPTIONAL_TEXT),
            traceparent=draw(_OPTIONAL_TEXT),
        )

    return build()


# --------------------------------------------------------------------------------------------------
# public entry points


@overload
def for_type(tp: type[T]) -> st.SearchStrategy[T]: ...
@overload
def for_type(tp: Any) -> st.SearchStrategy[Any]: ...
def for_type(tp: Any) -> st.SearchStrategy[Any]:
    """Valid values of any v1 type: an entity, value object, line, event, enum, or a union of them."""
    if isinstance(tp, type) and issubclass(tp, v1_events.CloudEvent):
        if not tp.NAME:
            raise TypeError(f"{tp.__name__} is not a concrete event type; pick one of EVENT_TYPES")
        return _event_strategy(tp)
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return _struct_strategy(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    return _from_info(mi.type_info(tp))


def entities() -> st.SearchStrategy[Any]:
    """Any v1 entity (the ``data`` of events, the records of files)."""
    return st.one_of([for_type(entity) for entity in v1_events.ENTITY_TYPES])


def events() -> st.SearchStrategy[Any]:
    """Any v1 event: every type through ``build_event``, plus the movement and hold dispatchers."""
    by_type = [for_type(event) for event in v1_events.EVENT_TYPES]
    dispatched = [
        st.builds(v1_events.movement_event, for_type(MaterialMovement), source_system=identifiers(),
                  time=utc_instants()),
        st.builds(v1_events.hold_event, for_type(Nonconformance), source_system=identifiers(),
                  time=utc_instants()),
    ]
    return st.one_of([*by_type, *dispatched])


def properties() -> st.SearchStrategy[Property]:
    return for_type(Property)


def quality_holds() -> st.SearchStrategy[QualityHold]:
    return for_type(QualityHold)


def production_orders() -> st.SearchStrategy[ProductionOrder]:
    return for_type(ProductionOrder)


def production_confirmations() -> st.SearchStrategy[ProductionConfirmation]:
    return for_type(ProductionConfirmation)


def material_movements() -> st.SearchStrategy[MaterialMovement]:
    return for_type(MaterialMovement)


def inventory_balances() -> st.SearchStrategy[InventoryBalance]:
    return for_type(InventoryBalance)


def materials() -> st.SearchStrategy[Material]:
    return for_type(Material)


def material_lots() -> st.SearchStrategy[MaterialLot]:
    return for_type(MaterialLot)


def genealogy_links() -> st.SearchStrategy[GenealogyLink]:
    return for_type(GenealogyLink)


def quality_inspections() -> st.SearchStrategy[QualityInspection]:
    return for_type(QualityInspection)


def nonconformances() -> st.SearchStrategy[Nonconformance]:
    return for_type(Nonconformance)


def shipment_readiness() -> st.SearchStrategy[ShipmentReadiness]:
    return for_type(ShipmentReadiness)
