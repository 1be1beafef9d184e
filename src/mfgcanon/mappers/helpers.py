"""What every mapper needs, in one place: exact numbers, signed quantities, local times, units, code lists,
derived ids, checked emission and paging. A mapper (built in or a plugin) uses these instead of its own copy.

Each helper raises :class:`~mfgcanon.errors.MappingError` with a stable code and the source ``path`` it is
given, so the caller turns a bad value into a reject that names the field; none invents a value (a missing
zone, unit or reference is an error naming what to add to the mapping context).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

import msgspec

from mfgcanon import units
from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult
from mfgcanon.mappers._data import table
from mfgcanon.mappers.context import MappingContext
from mfgcanon.types import DECIMAL_AVRO

E = TypeVar("E")

MAX_INTEGER_DIGITS = DECIMAL_AVRO["precision"] - DECIMAL_AVRO["scale"]
"""Digits before the point a canonical decimal may have (29): more cannot be written in the Avro decimal type."""

Direction = Literal["in", "out"]
"""The direction of a signed source quantity: ``in`` (zero or positive) or ``out`` (negative)."""

_JSON = msgspec.json.Decoder(float_hook=Decimal)


# Numbers -------------------------------------------------------------------------------------------------
def decode_json(body: bytes | str, *, path: str = "/") -> Any:
    """JSON whose non-integer numbers come out as exact :class:`~decimal.Decimal` (``12.50`` stays ``12.50``,
    never the float ``12.5``); integers stay ``int``. Not JSON is a ``malformed_payload`` error."""
    try:
        return _JSON.decode(body)
    except (msgspec.DecodeError, UnicodeError) as exc:
        raise MappingError(f"not JSON: {exc}", code="malformed_payload", path=path) from None
    except RecursionError:
        raise MappingError("JSON nested too deeply", code="malformed_payload", path=path) from None


def check_range(number: Decimal, text: object, field: str | None = None) -> None:
    """Refuse a number that is not finite or beyond what a canonical decimal holds (29 digits before the point;
    no more than 40 places after it)."""
    if not number.is_finite():
        raise MappingError(f"{text!r} is not a finite number", code="invalid_value", path=field)
    if number and (number.adjusted() >= MAX_INTEGER_DIGITS or number.adjusted() < -40):
        raise MappingError(
            f"{text!r} is out of range: a canonical decimal has at most {MAX_INTEGER_DIGITS} digits before the "
            "point and 40 places after it",
            code="invalid_value",
            path=field,
        )


def normalize_float(number: Decimal) -> Decimal:
    """A number in exponent form written plainly, trailing zeros dropped (``1.000000000000000E+01`` -> ``10``,
    ``1.5E-03`` -> ``0.0015``).

    Built from the digits (``Decimal.normalize`` and ``quantize`` round to the caller's context precision)."""
    sign, digits, exponent = number.as_tuple()
    if not isinstance(exponent, int):
        return number  # NaN or infinity: refused by the callers
    kept = len(digits)
    while kept > 1 and digits[kept - 1] == 0:
        kept -= 1
    exponent += len(digits) - kept
    coefficient = digits[:kept]
    if coefficient == (0,):
        return Decimal((sign, (0,), 0))
    if exponent > 0:
        return Decimal((sign, coefficient + (0,) * exponent, 0))
    return Decimal((sign, coefficient, exponent))


def decimal_of(value: object, *, path: str | None = None) -> Decimal:
    """An exact decimal from a JSON value: a Decimal (from :func:`decode_json`), an int, or a number written
    as a string (``"12.50"``, ``"-3"``, ``"1.5E-3"``). A float (a payload parsed with :mod:`json`) is read from
    its shortest text, which is its source text for up to 15 significant digits: decode with
    :func:`decode_json` to keep every digit. Booleans, other types, non-finite or out-of-range numbers are
    ``invalid_value``."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise MappingError(f"{value!r} is not a number", code="invalid_value", path=path)
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise MappingError(f"{value!r} is not a number", code="invalid_value", path=path) from None
    if isinstance(value, str) and value != value.strip():
        raise MappingError(f"{value!r} is not a number (blanks around it)", code="invalid_value", path=path)
    check_range(number, value, path)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        number = normalize_float(number)  # 1E+3 -> 1000: the model writes fixed point
    return number


def signed_quantity(
    value: object, unit: str, context: MappingContext, *, packaged_units: Mapping[str, str] | None = None,
    path: str | None = None,
) -> tuple[Direction, Any]:
    """A signed source quantity (``-5`` issued, ``5`` received) as its direction and a canonical
    :class:`~mfgcanon.v1.common.Quantity` (always >= 0: the direction lives in the entity, e.g. its movement
    type). Zero, ``-0`` included, is ``in``; the unit goes through :func:`resolve_unit`."""
    from mfgcanon.v1.common import Quantity  # local: the model is heavy, this module is imported by plugins early

    number = decimal_of(value, path=path)
    direction: Direction = "out" if number < 0 else "in"
    code = resolve_unit(unit, context, packaged=packaged_units, path=path)
    text = unit.strip()
    return direction, Quantity(value=number.copy_abs(), uom=code, source_uom=None if text == code else text)


# Times ---------------------------------------------------------------------------------------------------
def in_zone(naive: datetime, zone: tzinfo, *, path: str | None = None) -> datetime:
    """A local wall-clock time in ``zone`` as a UTC instant (a DST gap or fold resolved by ``fold=0``)."""
    try:
        return naive.replace(tzinfo=zone).astimezone(UTC)
    except OverflowError:
        raise MappingError(
            f"{naive.isoformat()} in {zone} is out of range (its UTC instant is before year 1 or after year 9999)",
            code="invalid_value",
            path=path,
        ) from None


def to_utc(
    moment: datetime, context: MappingContext, *, plant: str | None = None, company: str | None = None,
    path: str | None = None,
) -> datetime:
    """A source time as UTC: one with an offset is converted; a naive one is local to the plant (or company)
    and read in :meth:`MappingContext.zone_for` its zone. No zone is a ``missing_timezone`` error naming what
    to add to the context file: never a guess."""
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise MappingError(f"{moment.isoformat()} is out of range", code="invalid_value", path=path) from None
    try:
        zone = context.zone_for(plant, company)
    except MappingError as exc:
        raise MappingError(exc.message, code=exc.code, path=path) from None
    return in_zone(moment.replace(tzinfo=None), zone, path=path)


# Units and code lists ------------------------------------------------------------------------------------
@functools.cache
def _unit_names() -> dict[str, str]:
    return {unit.name.lower(): unit.code for unit in units.all_units()}


def resolve_unit(
    text: str, context: MappingContext, *, packaged: Mapping[str, str] | None = None, path: str | None = None
) -> str:
    """A source unit as a Rec 20 code, first match wins: the context's ``[units]`` aliases (exact), the
    mapper's packaged unit list (case-insensitive keys), a Rec 20 code (``KGM``; ``Ea`` is ``EA``), a Rec 20
    unit name (``each``, ``kilogram``). Anything else is ``unknown_unit`` naming ``[units]``."""
    if not isinstance(text, str) or not text.strip():
        raise MappingError(f"{text!r} is not a unit", code="unknown_unit", path=path)
    code = text.strip()
    alias = context.units.get(code)
    if alias is not None:
        return alias
    if packaged:
        found = packaged.get(code) or packaged.get(code.upper())
        if found is None:
            upper = code.upper()
            found = next((v for k, v in packaged.items() if k.upper() == upper), None)
        if found is not None:
            return found
    if units.is_known(code):
        return code
    if units.is_known(code.upper()):
        return code.upper()
    named = _unit_names().get(code.lower())
    if named is not None:
        return named
    raise MappingError(
        f"unknown unit {code!r}: add it to [units] in the mapping context (source unit = Rec 20 code)",
        code="unknown_unit",
        path=path,
    )


def code_list(
    context: MappingContext, list_name: str, packaged: str | Mapping[str, Any], *keys: str
) -> Mapping[str, Any]:
    """A code list as this connection uses it: the packaged list (a mapping, or a file under ``mappings/``
    with the table ``keys``: ``code_list(ctx, "sap.usage_decision", "sap/quality.toml", "usage_decision",
    "codes")``) with the context file's ``[codes.<list_name>]`` merged over it."""
    base = table(packaged, *keys) if isinstance(packaged, str) else packaged
    return context.codes(list_name, base)


# Ids -----------------------------------------------------------------------------------------------------
def derived_id(*parts: object, length: int = 32) -> str:
    """A stable id from its parts (a line without a number of its own, a join of several keys): the SHA-256
    of the parts, each length-prefixed (``("ab", "c")`` and ``("a", "bc")`` differ), in lower-case hex. The
    same parts give the same id on every run and platform; None is a part of its own, unlike ``""``."""
    if not 8 <= length <= 64:
        raise ValueError("length must be from 8 to 64 hex digits")
    digest = hashlib.sha256()
    for part in parts:
        text = "\x00" if part is None else str(part)
        raw = text.encode("utf-8", "surrogatepass")
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()[:length]


# Checked emission ----------------------------------------------------------------------------------------
def convert(data: Mapping[str, Any], entity_cls: type[E]) -> E:
    """An entity from plain data (values already typed: Decimal, datetime, date, str, nested dicts), built and
    checked in one msgspec pass: every type, length and zone constraint and the model hooks run once. Errors
    come out as :mod:`mfgcanon.errors` types with the canonical path."""
    from mfgcanon import codecs  # local: codecs imports the whole model

    try:
        return msgspec.convert(data, entity_cls)
    except (msgspec.ValidationError, ValueError, TypeError) as exc:
        raise codecs.translate(exc) from None


def emit_checked(
    result: MappingResult, event_cls: type[Any], entity: Any, *, time: datetime, records: int = 1
) -> Any:
    """Wrap an entity built by :func:`convert` in its event (``validated=True``: no second check) and add it
    to the result. ``time`` is required: an event never gets the run time silently."""
    from mfgcanon.v1.events import build_event

    event = build_event(event_cls, entity, time=time, validated=True)
    result.add_event(event, records=records)
    return event


# Paging --------------------------------------------------------------------------------------------------
def continuation_of(body: object) -> str | None:
    """Where the next page of a paged JSON response starts, for :attr:`MappingResult.continuation`.

    OData V4 ``@odata.nextLink``; OData V2 ``__next`` (top level or in ``d``); Oracle REST ``hasMore: true``
    with a ``links`` entry of rel ``next`` (its ``href``), else ``offset=<offset + count>`` (Oracle pages by
    offset). None for the last page, a body that is not paged, or text that is not JSON.
    """
    data = body
    if isinstance(body, bytes | str):
        try:
            data = _JSON.decode(body)
        except (msgspec.DecodeError, UnicodeError, RecursionError):
            return None
    if not isinstance(data, Mapping):
        return None
    for holder in (data, data.get("d")):
        if isinstance(holder, Mapping):
            for key in ("@odata.nextLink", "odata.nextLink", "__next"):
                link = holder.get(key)
                if isinstance(link, str) and link:
                    return link
    if data.get("hasMore") is not True:
        return None
    links = data.get("links")
    for link in links if isinstance(links, list) else ():
        if isinstance(link, Mapping) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            return str(link["href"])
    offset, count = data.get("offset"), data.get("count")
    if type(offset) is int and type(count) is int:
        return f"offset={offset + count}"
    return None


def event_time(
    result: MappingResult, context: MappingContext, where: str | Callable[[], str], *candidates: datetime | None
) -> datetime:
    """The CloudEvents ``time`` of an event: the first time the payload gives, else the context's
    ``received_at``; only when neither exists the run time, with a warning (the output is then not
    reproducible: set ``received_at`` in the context for byte-identical reruns)."""
    for candidate in candidates:
        if candidate is not None:
            return candidate
    if context.received_at is not None:
        return context.received_at
    result.warnings.append(
        f"{where if isinstance(where, str) else where()}: no time in the payload and no received_at in the "
        "mapping context; event time set to the run time"
    )
    return datetime.now(UTC)
