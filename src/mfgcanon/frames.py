"""DataFrames from canonical values: Arrow tables whose schema comes from the model, then polars or pandas.

``pd.DataFrame(result.events)`` gives one column of objects; ``to_builtins`` and ``json_normalize`` give
decimals as text (``"100.000"`` from one channel, ``"100"`` from another) and times as strings. Here the
columns are built from the model's own types (``msgspec.inspect``), never inferred from the data:

* decimals are ``decimal128`` with the precision and scale the model declares for every canonical decimal
  (``mfgcanon.types.DECIMAL_AVRO``, 38 digits, 9 after the point), so ``100.000`` and ``100`` are one value;
* instants are UTC timestamps (microseconds, tz-aware), calendar dates ``date32``;
* enums are dictionaries whose dictionary is every value of the enum (pandas categoricals with the model's
  categories, polars ``Enum``), whatever the data holds;
* nested structs are flattened to dotted columns (``yield_quantity.value``); lists stay list columns, or
  one row per line with ``explode="operations"`` (the parent's columns repeated; a parent with no line keeps
  one row with the line's columns null, as pandas' and polars' ``explode`` do, so nothing disappears);
* events give their data's columns after ``id``, ``type``, ``source``, ``subject`` and ``time``;
* a :class:`~mfgcanon.mappers.MappingResult` gives its events, or with ``rejects=True`` its rejects
  (``code``, ``reason``, ``location``, ``line``, ``input``, ``mapper``, ``payload``).

One frame has one schema, so one call converts one type: events are grouped by the entity they carry
(``production_order.released`` and ``production_order.updated`` share the order's columns and differ in
``type``). Mixed types raise :class:`MixedTypesError` naming them; ``by_type=True`` returns a dict of frames
keyed by entity kind instead. pyarrow, polars and pandas are extras, imported on first use:
:class:`FramesUnavailableError` carries the install hint when one is missing.

    >>> from mfgcanon import frames
    >>> frames.to_pandas(result)                        # the events of one mapping result
    >>> frames.to_polars(result, rejects=True)          # its rejects
    >>> frames.to_arrow(orders, explode="operations")   # one row per operation
"""

from __future__ import annotations

import enum
import functools
import importlib
import itertools
from collections.abc import Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Final, Literal, overload

import msgspec
import msgspec.inspect as mi

from mfgcanon.errors import EncodeError, ErrorCode, MfgcanonError, ValidationError
from mfgcanon.types import DECIMAL_AVRO
from mfgcanon.v1 import events as _events

if TYPE_CHECKING:
    from mfgcanon.mappers._base import Reject

__all__ = [
    "EVENT_COLUMNS",
    "REJECT_COLUMNS",
    "FramesUnavailableError",
    "MixedTypesError",
    "schema",
    "show",
    "to_arrow",
    "to_pandas",
    "to_polars",
]

EVENT_COLUMNS: Final = ("id", "type", "source", "subject", "time")
"""The envelope attributes an events frame carries before its data's columns."""
REJECT_COLUMNS: Final = ("code", "reason", "location", "line", "input", "mapper", "payload")
"""The columns of a rejects frame (bytes payloads as text, undecodable bytes escaped)."""

Table = Any
"""A ``pyarrow.Table`` (pyarrow ships no type stubs the project can rely on: ``Any`` at the boundary)."""
DataFrame = Any
"""A ``polars.DataFrame`` or ``pandas.DataFrame``."""


class FramesUnavailableError(MfgcanonError, ImportError):
    """pyarrow, polars or pandas (an extra of mfgcanon) is not installed."""

    code: ErrorCode = "unencodable_value"

    def __init__(self, message: str, *, extra: str, cause_type: str | None = None) -> None:
        super().__init__(message, cause_type=cause_type)
        self.extra = extra


class MixedTypesError(ValidationError):
    """The items hold more than one type: one frame has one schema. ``kinds`` names them (with counts)."""

    code: ErrorCode = "type_mismatch"

    def __init__(self, message: str, *, kinds: Mapping[str, int]) -> None:
        super().__init__(message)
        self.kinds = dict(kinds)


def _require(module: str, extra: str) -> Any:
    """Import an optional dependency, or raise the install hint (never a bare ImportError)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise FramesUnavailableError(
            f"mfgcanon.frames needs {module}, which is not installed: pip install 'mfgcanon[{extra}]'",
            extra=extra, cause_type=type(exc).__name__,
        ) from None


def _pyarrow() -> Any:
    return _require("pyarrow", "arrow")


# --- the model's types as Arrow types ---------------------------------------------------------------------


def _unwrap(info: mi.Type) -> tuple[mi.Type, dict[str, Any], bool]:
    """The type under ``Annotated`` and ``| None``, the merged ``Meta.extra`` (where the decimal precision is
    declared) and whether ``None`` is allowed."""
    extra: dict[str, Any] = {}
    optional = False
    while True:
        if isinstance(info, mi.Metadata):
            if info.extra:
                extra = {**info.extra, **extra}  # the innermost declaration wins
            info = info.type
        elif isinstance(info, mi.UnionType):
            members = [member for member in info.types if not isinstance(member, mi.NoneType)]
            optional = optional or len(members) < len(info.types)
            if len(members) != 1:
                raise EncodeError(f"a union of {len(members)} types has no single column type",
                                  code="unencodable_value")
            info = members[0]
        else:
            return info, extra, optional


def _decimal_type(pa: Any, extra: Mapping[str, Any]) -> Any:
    """decimal128 with the precision and scale the model declares (every canonical decimal: DECIMAL_AVRO)."""
    declared = extra.get("avro") or DECIMAL_AVRO
    return pa.decimal128(int(declared["precision"]), int(declared["scale"]))


def _enum_values(cls: type[enum.Enum]) -> list[Any]:
    return [member.value for member in cls]


def _arrow_type(pa: Any, info: mi.Type, where: str) -> Any:
    """The Arrow type of one (unflattened) model type: what a list column's items or a leaf column hold."""
    info, extra, _ = _unwrap(info)
    if isinstance(info, mi.StrType | mi.UUIDType):
        return pa.string()
    if isinstance(info, mi.LiteralType):
        return pa.string() if all(isinstance(v, str) for v in info.values) else pa.int64()
    if isinstance(info, mi.BoolType):
        return pa.bool_()
    if isinstance(info, mi.IntType):
        return pa.int64()
    if isinstance(info, mi.FloatType):
        return pa.float64()
    if isinstance(info, mi.DecimalType):
        return _decimal_type(pa, extra)
    if isinstance(info, mi.DateTimeType):
        return pa.timestamp("us", tz="UTC" if info.tz is not False else None)
    if isinstance(info, mi.DateType):
        return pa.date32()
    if isinstance(info, mi.EnumType):
        value = pa.string() if issubclass(info.cls, str) else pa.int64()
        return pa.dictionary(pa.int32(), value)
    if isinstance(info, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
        return pa.list_(_arrow_type(pa, info.item_type, where))
    if isinstance(info, mi.StructType):
        return pa.struct([pa.field(f.name, _arrow_type(pa, f.type, f"{where}.{f.name}")) for f in info.fields])
    raise EncodeError(f"{where}: {type(info).__name__} has no column type", code="unencodable_value", path=where)


def _leaf_fields(pa: Any, info: mi.StructType, prefix: str, skip: str | None = None) -> list[Any]:
    """The flattened (dotted) fields of a struct: nested structs become columns, lists stay lists."""
    out: list[Any] = []
    for field in info.fields:
        if field.name == skip:
            continue
        inner, _, _ = _unwrap(field.type)
        name = prefix + field.name
        if isinstance(inner, mi.StructType):
            out.extend(_leaf_fields(pa, inner, name + "."))
        else:
            out.append(pa.field(name, _arrow_type(pa, field.type, name)))
    return out


_INFO: dict[type[Any], mi.StructType] = {}


def _struct_info(cls: type[Any]) -> mi.StructType:
    """``msgspec.inspect`` of a struct class, walked once per class."""
    info = _INFO.get(cls)
    if info is None:
        found = mi.type_info(cls)
        if not isinstance(found, mi.StructType):
            raise EncodeError(f"{cls.__name__} is not a struct", code="unencodable_value")
        info = _INFO[cls] = found
    return info


@functools.cache
def _data_class(event_cls: Any) -> type[msgspec.Struct]:
    """The entity class an event class carries in ``data``."""
    for field in _struct_info(event_cls).fields:
        if field.name == "data":
            inner, _, _ = _unwrap(field.type)
            if isinstance(inner, mi.StructType):
                return inner.cls
    raise EncodeError(f"{event_cls.__name__} carries no struct data", code="unencodable_value")


@functools.cache
def _event_types_of(data_cls: Any) -> tuple[str, ...]:
    """Every event type (from the model's catalogue) whose data is ``data_cls``: the ``type`` dictionary."""
    return tuple(cls.event_type() for cls in _events.EVENT_TYPES if _data_class(cls) is data_cls)


def _kind(cls: type[Any]) -> str:
    """An entity's wire name (its ``kind`` tag), or the class name of any other struct."""
    tag = getattr(getattr(cls, "__struct_config__", None), "tag", None)
    return tag if isinstance(tag, str) else cls.__name__


def schema(tp: type[Any], *, explode: str | None = None) -> Any:
    """The ``pyarrow.Schema`` of the frame of ``tp`` (an entity, any struct, or an event class), from the
    model alone: every table :func:`to_arrow` builds for that type has exactly this schema."""
    pa = _pyarrow()
    fields: list[Any] = []
    if isinstance(tp, type) and issubclass(tp, _events.CloudEvent):
        data_cls = _data_class(tp)
        fields = _envelope_fields(pa, data_cls)
        tp = data_cls
    info = _struct_info(tp)
    fields += _leaf_fields(pa, info, "", skip=explode)
    if explode is not None:
        fields += _exploded_fields(pa, info, explode)
    return pa.schema(fields)


def _envelope_fields(pa: Any, data_cls: type[msgspec.Struct]) -> list[Any]:
    return [pa.field("id", pa.string()), pa.field("type", pa.dictionary(pa.int32(), pa.string())),
            pa.field("source", pa.string()), pa.field("subject", pa.string()),
            pa.field("time", pa.timestamp("us", tz="UTC"))]


def _list_field(info: mi.StructType, name: str) -> mi.Type:
    """The item type of the list field ``name`` (what ``explode`` names), or a typed error listing the choices."""
    lists = {}
    for field in info.fields:
        inner, _, _ = _unwrap(field.type)
        if isinstance(inner, mi.ListType):
            lists[field.name] = inner.item_type
    if name not in lists:
        raise ValidationError(
            f"cannot explode {name!r}: {info.cls.__name__} has no such list; its lists are "
            f"{', '.join(sorted(lists)) or 'none'}", code="invalid_value", path=f"$.{name}")
    return lists[name]


def _exploded_fields(pa: Any, info: mi.StructType, name: str) -> list[Any]:
    item, _, _ = _unwrap(_list_field(info, name))
    if isinstance(item, mi.StructType):
        return _leaf_fields(pa, item, name + ".")
    return [pa.field(name, _arrow_type(pa, item, name))]


# --- columns ----------------------------------------------------------------------------------------------


class _Builder:
    """Builds Arrow columns field by field from lists of values (one list comprehension per field, one
    pyarrow conversion per leaf), never a row dict per item."""

    def __init__(self, pa: Any) -> None:
        self.pa = pa
        self.pc = importlib.import_module("pyarrow.compute")

    def convert(self, values: list[Any], arrow_type: Any, where: str) -> Any:
        try:
            return self.pa.array(values, type=arrow_type)
        except (self.pa.ArrowInvalid, self.pa.ArrowTypeError, OverflowError, TypeError, ValueError) as exc:
            raise EncodeError(f"{where}: {exc}", code="unencodable_value", path=where,
                              cause_type=type(exc).__name__) from None

    def leaf(self, values: list[Any], info: mi.Type, where: str) -> Any:
        """One column (or one list's items) of any non-flattened type."""
        pa = self.pa
        inner, extra, _ = _unwrap(info)
        nones = values.count(None)
        if nones == len(values) and values:
            return self.nulls(inner, len(values), where)
        if isinstance(inner, mi.StrType):
            return self.convert(values, pa.string(), where)
        if isinstance(inner, mi.DecimalType):
            return self.convert(values, _decimal_type(pa, extra), where)
        if isinstance(inner, mi.DateTimeType):
            return self.convert(values, _arrow_type(pa, inner, where), where)
        if isinstance(inner, mi.EnumType):
            return self.enum(values, inner.cls, where)
        if isinstance(inner, mi.UUIDType):
            return self.convert([None if v is None else str(v) for v in values], pa.string(), where)
        if isinstance(inner, mi.StructType):
            return self.struct_column(values, inner, where, nones)
        if isinstance(inner, mi.ListType | mi.VarTupleType | mi.SetType | mi.FrozenSetType):
            return self.list_column(values, inner, where, nones)
        return self.convert(values, _arrow_type(pa, inner, where), where)

    def nulls(self, inner: mi.Type, count: int, where: str) -> Any:
        """An all-null column of the model's type; an enum keeps its dictionary of every model value."""
        pa = self.pa
        if isinstance(inner, mi.EnumType):
            dictionary = self.convert(_enum_values(inner.cls), _arrow_type(pa, inner, where).value_type, where)
            return pa.DictionaryArray.from_arrays(pa.nulls(count, pa.int32()), dictionary)
        return pa.nulls(count, _arrow_type(pa, inner, where))

    def enum(self, values: list[Any], cls: type[enum.Enum], where: str) -> Any:
        """A dictionary column whose dictionary is every value the model's enum has, in declaration order."""
        pa = self.pa
        dictionary = self.convert(_enum_values(cls), _arrow_type(pa, mi.EnumType(cls), where).value_type, where)
        if not issubclass(cls, str):
            values = [None if v is None else cls(v).value for v in values]
        plain = self.convert(values, dictionary.type, where)
        indices = self.pc.index_in(plain, value_set=dictionary).cast(pa.int32())
        if indices.null_count != plain.null_count:
            known = set(_enum_values(cls))
            bad = next(v for v in values if v is not None and v not in known)
            raise EncodeError(f"{where}: {bad!r} is not a {cls.__name__} value", code="unencodable_value",
                              path=where)
        return pa.DictionaryArray.from_arrays(indices, dictionary)

    def list_column(self, values: list[Any], info: Any, where: str, nones: int) -> Any:
        pa = self.pa
        if nones:
            lengths = [0 if v is None else len(v) for v in values]
            flat = [item for v in values if v is not None for item in v]
            mask = pa.array([v is None for v in values], pa.bool_())
        else:
            lengths = list(map(len, values))
            flat = list(itertools.chain.from_iterable(values))
            mask = None
        offsets = pa.array([0, *itertools.accumulate(lengths)], pa.int32())
        items = self.leaf(flat, info.item_type, f"{where}[]")
        return pa.ListArray.from_arrays(offsets, items, mask=mask)

    def struct_column(self, values: list[Any], info: mi.StructType, where: str, nones: int) -> Any:
        """A struct column (a struct inside a list column: lines are not flattened)."""
        pa = self.pa
        children = [self.leaf(self.field(values, f.name, nones), f.type, f"{where}.{f.name}") for f in info.fields]
        mask = pa.array([v is None for v in values], pa.bool_()) if nones else None
        return pa.StructArray.from_arrays(children, fields=list(_arrow_type(pa, info, where)), mask=mask)

    @staticmethod
    def field(values: list[Any], name: str, nones: int) -> list[Any]:
        if nones:
            return [None if v is None else getattr(v, name) for v in values]
        return list(map(attrgetter(name), values))

    def flatten(self, values: list[Any], info: mi.StructType, prefix: str, out: dict[str, Any],
                skip: str | None = None) -> None:
        """Dotted columns of a struct into ``out``: a nested struct's fields become columns of their own."""
        nones = values.count(None)
        for field in info.fields:
            if field.name == skip:
                continue
            name = prefix + field.name
            inner, _, _ = _unwrap(field.type)
            # every parent absent: the same all-None list serves each column of the subtree
            column = values if nones == len(values) else self.field(values, field.name, nones)
            if isinstance(inner, mi.StructType):
                self.flatten(column, inner, name + ".", out)
            else:
                out[name] = self.leaf(column, field.type, name)


# --- tables -----------------------------------------------------------------------------------------------


def _struct_table(pa: Any, items: list[Any], cls: type[msgspec.Struct], explode: str | None,
                  envelope: list[Any] | None) -> Any:
    """One table of structs of one class (the data of ``envelope``'s events when given)."""
    builder = _Builder(pa)
    info = _struct_info(cls)
    columns: dict[str, Any] = {}
    if envelope is not None:
        types = _event_types_of(cls) or tuple(sorted({e.event_type() for e in envelope}))
        columns["id"] = builder.convert([str(e.id) for e in envelope], pa.string(), "id")
        plain = builder.convert([e.event_type() for e in envelope], pa.string(), "type")
        dictionary = pa.array(list(types), pa.string())
        columns["type"] = pa.DictionaryArray.from_arrays(
            builder.pc.index_in(plain, value_set=dictionary).cast(pa.int32()), dictionary)
        for name in ("source", "subject"):
            columns[name] = builder.convert(list(map(attrgetter(name), envelope)), pa.string(), name)
        columns["time"] = builder.convert(list(map(attrgetter("time"), envelope)),
                                          pa.timestamp("us", tz="UTC"), "time")
    clash = set(columns) & {f.name for f in _leaf_fields(pa, info, '', skip=explode)}
    if clash:  # no v1 entity has one (a test checks); a struct of someone else's might
        raise EncodeError(f"{cls.__name__} has fields named like event columns: {', '.join(sorted(clash))}",
                          code="unencodable_value")
    builder.flatten(items, info, "", columns, skip=explode)
    expected = schema(type(envelope[0]) if envelope else cls, explode=explode)
    if explode is None:
        return pa.Table.from_arrays(list(columns.values()), schema=expected)
    item_info = _list_field(info, explode)
    lines = [getattr(item, explode) for item in items]
    counts = [len(v) if v else 0 for v in lines]
    if all(counts):
        parents = [index for index, count in enumerate(counts) for _ in range(count)]
        flat = list(itertools.chain.from_iterable(lines))
    else:  # a parent without lines keeps one row, its line columns null (pandas' and polars' explode)
        parents = [index for index, count in enumerate(counts) for _ in range(max(count, 1))]
        flat = [line for v in lines for line in (v or [None])]
    base = pa.Table.from_arrays(list(columns.values()), names=list(columns)).take(pa.array(parents, pa.int64()))
    line_columns: dict[str, Any] = {}
    item, _, _ = _unwrap(item_info)
    if isinstance(item, mi.StructType):
        builder.flatten(flat, item, explode + ".", line_columns)
    else:
        line_columns[explode] = builder.leaf(flat, item_info, explode)
    arrays = [*base.columns, *line_columns.values()]
    return pa.Table.from_arrays(arrays, schema=expected)


def _rejects_table(pa: Any, rejects: list[Reject]) -> Any:
    rows = [reject.to_dict() for reject in rejects]
    types = {"line": pa.int64()}
    return pa.Table.from_arrays(
        [pa.array([row.get(name) for row in rows], types.get(name, pa.string())) for name in REJECT_COLUMNS],
        names=list(REJECT_COLUMNS),
    )


def _items(items: Any, rejects: bool) -> tuple[list[Any], bool]:
    """(the values to convert, whether they are rejects) from a result, one struct or an iterable."""
    from mfgcanon.mappers._base import MappingResult, Reject

    if isinstance(items, MappingResult):
        return (list(items.rejects), True) if rejects else (list(items.events), False)
    if rejects:
        raise ValidationError("rejects=True needs a MappingResult", code="invalid_value")
    values = [items] if isinstance(items, msgspec.Struct) else list(items)
    if values and all(isinstance(value, Reject) for value in values):
        return values, True
    return values, False


def _groups(values: list[Any]) -> dict[type[Any], tuple[list[Any], list[Any] | None]]:
    """Values by the class whose columns they give: ``(structs, their events or None)`` per class.

    Grouped by ``type()`` first and checked once per class: an ``isinstance`` per item costs more than the
    columns of a small struct."""
    by_class: dict[type[Any], list[Any]] = {}
    for value in values:
        by_class.setdefault(type(value), []).append(value)
    for cls in by_class:
        if not issubclass(cls, msgspec.Struct):
            raise ValidationError(f"cannot make a frame of {cls.__name__}: expected msgspec structs "
                                  "(entities, events) or a MappingResult", code="type_mismatch")
    event_classes = [cls for cls in by_class if issubclass(cls, _events.CloudEvent)]
    if event_classes and len(event_classes) != len(by_class):
        events = sum(len(by_class[cls]) for cls in event_classes)
        raise MixedTypesError(
            f"{events} events and {len(values) - events} other values: convert events and entities apart "
            "(an entity frame has no event columns)", kinds={"events": events, "entities": len(values) - events})
    if not event_classes:
        return {cls: (members, None) for cls, members in by_class.items()}
    groups: dict[type[Any], tuple[list[Any], list[Any] | None]] = {}
    for event in values:  # in the given order, whatever the event class
        data = event.data
        structs, envelope = groups.setdefault(type(data), ([], []))
        structs.append(data)
        assert envelope is not None
        envelope.append(event)
    return groups


def _mixed(groups: Mapping[type[Any], tuple[list[Any], list[Any] | None]]) -> MixedTypesError:
    kinds = {_kind(cls): len(structs) for cls, (structs, _) in groups.items()}
    described = []
    for cls, (structs, envelope) in groups.items():
        names = sorted({e.event_type() for e in envelope}) if envelope else []
        described.append(f"{_kind(cls)} ({len(structs)}{': ' + ', '.join(names) if names else ''})")
    return MixedTypesError(
        f"one frame has one schema, and these items hold {len(groups)} types: {'; '.join(described)}. "
        "Pass by_type=True for a dict of frames keyed by kind, or filter the items first", kinds=kinds)


def _tables(items: Any, explode: str | None, rejects: bool, by_type: bool) -> dict[str, Any] | Any:
    pa = _pyarrow()
    values, are_rejects = _items(items, rejects)
    if are_rejects:
        table = _rejects_table(pa, values)
        return {"rejects": table} if by_type else table
    groups = _groups(values)
    if not groups:
        if by_type:
            return {}
        raise ValidationError("no items to convert: the frame's type (and so its schema) is unknown; "
                              "call frames.schema(cls) for an empty table's schema", code="invalid_value")
    if by_type:
        out: dict[str, Any] = {}
        for cls, (structs, envelope) in groups.items():
            lists = explode is not None and _has_list(cls, explode)
            out[_kind(cls)] = _struct_table(pa, structs, cls, explode if lists else None, envelope)
        if explode is not None and not any(_has_list(cls, explode) for cls in groups):
            _list_field(_struct_info(next(iter(groups))), explode)  # raises, naming the lists there are
        return out
    if len(groups) > 1:
        raise _mixed(groups)
    ((cls, (structs, envelope)),) = groups.items()
    return _struct_table(pa, structs, cls, explode, envelope)


def _has_list(cls: type[msgspec.Struct], name: str) -> bool:
    try:
        _list_field(_struct_info(cls), name)
    except ValidationError:
        return False
    return True


@overload
def to_arrow(items: Any, *, explode: str | None = None, rejects: bool = False,
             by_type: Literal[False] = False) -> Table: ...
@overload
def to_arrow(items: Any, *, explode: str | None = None, rejects: bool = False,
             by_type: Literal[True]) -> dict[str, Table]: ...
def to_arrow(items: Any, *, explode: str | None = None, rejects: bool = False,
             by_type: bool = False) -> Table | dict[str, Table]:
    """A ``pyarrow.Table`` of entities, events (their data plus :data:`EVENT_COLUMNS`) or a mapping result.

    ``items``: one struct, an iterable of structs, or a :class:`~mfgcanon.mappers.MappingResult` (its events;
    its rejects with ``rejects=True``). ``explode`` names a list field (``"operations"``): one row per line.
    ``by_type``: a dict of tables keyed by entity kind instead of :class:`MixedTypesError` for mixed items.
    """
    return _tables(items, explode, rejects, by_type)


@overload
def to_polars(items: Any, *, explode: str | None = None, rejects: bool = False,
              by_type: Literal[False] = False) -> DataFrame: ...
@overload
def to_polars(items: Any, *, explode: str | None = None, rejects: bool = False,
              by_type: Literal[True]) -> dict[str, DataFrame]: ...
def to_polars(items: Any, *, explode: str | None = None, rejects: bool = False,
              by_type: bool = False) -> DataFrame | dict[str, DataFrame]:
    """:func:`to_arrow` as a ``polars.DataFrame``: decimals ``Decimal(38, 9)``, UTC datetimes, enums as
    ``pl.Enum`` of every model value."""
    pl = _require("polars", "polars")
    _pyarrow()
    tables: Any = _tables(items, explode, rejects, by_type)
    if by_type:
        return {kind: _polars(pl, table) for kind, table in tables.items()}
    return _polars(pl, tables)


def _polars(pl: Any, table: Any) -> Any:
    """A polars frame whose enum columns are ``pl.Enum`` of the model's values (the Arrow dictionary)."""
    pa = _pyarrow()
    frame = pl.from_arrow(table)
    casts = []
    for field in table.schema:
        if pa.types.is_dictionary(field.type):
            column = table.column(field.name)
            values = column.chunk(0).dictionary.to_pylist() if column.num_chunks else []
            casts.append(pl.col(field.name).cast(pl.Enum(values)))
    return frame.with_columns(casts) if casts else frame


@overload
def to_pandas(items: Any, *, explode: str | None = None, rejects: bool = False,
              by_type: Literal[False] = False) -> DataFrame: ...
@overload
def to_pandas(items: Any, *, explode: str | None = None, rejects: bool = False,
              by_type: Literal[True]) -> dict[str, DataFrame]: ...
def to_pandas(items: Any, *, explode: str | None = None, rejects: bool = False,
              by_type: bool = False) -> DataFrame | dict[str, DataFrame]:
    """:func:`to_arrow` as a ``pandas.DataFrame``: decimals stay ``Decimal`` objects (exact, never float),
    instants ``datetime64[us, UTC]``, enums categoricals with every model value as a category."""
    _require("pandas", "pandas")
    _pyarrow()
    tables: Any = _tables(items, explode, rejects, by_type)
    if by_type:
        return {kind: table.to_pandas() for kind, table in tables.items()}
    return tables.to_pandas()


def show(obj: Any) -> Any:
    """A notebook display of any struct, event or result: an object with ``_repr_html_`` and a text repr.

    The model's structs have no ``_repr_html_`` of their own (the model stays free of presentation code);
    :func:`mfgcanon.notebook.enable` makes Jupyter use this for every struct without calling it."""
    from mfgcanon import _html

    return _html.Display(obj)
