"""Struct configuration every v1 type shares, and the checks msgspec cannot express natively.

* ``frozen``: canonical values are facts or snapshots; a mapper builds a new one instead of mutating.
* ``kw_only``: field order is never part of the contract (msgspec does not inherit it: every class
  passes it again, and a test checks).
* ``gc=False``: canonical values never form reference cycles, so the collector can skip them; this
  halves the cost of decoding large batches.
* ``omit_defaults``: absent optional fields stay absent on the wire (smaller NDJSON, same meaning).
* ``forbid_unknown_fields`` stays off: old readers must accept what newer writers add.

Entities (the things an event carries or a file holds) add an explicit, stable ``tag`` in the ``kind``
field; nested value objects and lines carry none, since their type is fixed by where they appear.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn

import msgspec

from mfgcanon.errors import ErrorCode, ValidationError
from mfgcanon.types import DECIMAL_MAX_ADJUSTED, DECIMAL_MIN_ADJUSTED
from mfgcanon.units import KNOWN_CODES


class Record(msgspec.Struct, frozen=True, kw_only=True, gc=False, omit_defaults=True):
    """Base of every v1 struct (value objects, lines and entities)."""


class Entity(Record, frozen=True, kw_only=True, tag_field="kind"):
    """Base of every top-level v1 entity; subclasses set ``tag=`` to their stable wire name."""


class ModelRuleError(ValidationError):
    """A model rule broken in a ``__post_init__`` hook.

    It is an :class:`mfgcanon.errors.ValidationError` (a direct constructor call raises nothing else) and a
    ``ValueError`` whose text reads ``[code] field: message``: msgspec wraps it while decoding, and the
    ``[code] field:`` prefix lets :mod:`mfgcanon.codecs` extend msgspec's path to the field.
    """

    def __init__(self, field: str, message: str, code: ErrorCode) -> None:
        super().__init__(message, code=code, path=f"$.{field}")
        self.field = field
        self.args = (f"[{code}] {field}: {message}",)

    def __str__(self) -> str:
        return str(self.args[0])


def reject(field: str, message: str, code: ErrorCode) -> NoReturn:
    """Fail a ``__post_init__`` check so the codec can name the field and the error code."""
    raise ModelRuleError(field, message, code)


def check_unsigned(field: str, value: Decimal) -> None:
    """A quantity-like decimal must be finite, not negative (negative zero included) and in range."""
    if value.is_signed() or not value.is_finite():
        if not value.is_finite():
            reject(field, f"{value} is not a finite decimal", "non_finite_decimal")
        reject(field, f"{value} is negative; the direction of a quantity lives in its type",
               "negative_quantity")
    check_range(field, value)


def check_range(field: str, value: Decimal) -> None:
    """A finite decimal must be zero or within Avro decimal(38, 9)'s magnitude: 1E-9 <= |value| < 1E+29.

    Callers test ``DECIMAL_MIN_ADJUSTED <= value.adjusted() <= DECIMAL_MAX_ADJUSTED`` first (one call and a
    chained comparison) and come here only when it fails; zero's exponent is arbitrary (``0E-20``), so it
    is accepted here rather than in that fast test.
    """
    if value and not DECIMAL_MIN_ADJUSTED <= value.adjusted() <= DECIMAL_MAX_ADJUSTED:
        size = "large" if value.adjusted() > DECIMAL_MAX_ADJUSTED else "small"
        reject(field, f"{value} is too {size}: a canonical decimal is 0 or between 1E-9 and 1E+29 "
               "(Avro decimal(38, 9))", "decimal_out_of_range")


def check_decimal(field: str, value: Any) -> None:
    """Refuse a value that is not a ``Decimal`` (an int or a float built by hand): quantities stay exact."""
    if not isinstance(value, Decimal):
        hint = " (floats are never exact: pass Decimal('...'))" if isinstance(value, float) else ""
        reject(field, f"expected a Decimal, got {type(value).__name__}{hint}", "type_mismatch")


def check_unit(field: str, code: str | None) -> None:
    """A unit code must be registered in :mod:`mfgcanon.units` (UN/CEFACT Rec 20)."""
    if code is not None and code not in KNOWN_CODES:
        reject(field, f"unknown unit code {code!r}: not a registered UN/CEFACT Rec 20 code", "unknown_unit")


def check_finite(field: str, value: Decimal | None) -> None:
    """A signed decimal must be finite and in range (see :func:`check_range`)."""
    if value is not None and (not value.is_finite()
                              or not DECIMAL_MIN_ADJUSTED <= value.adjusted() <= DECIMAL_MAX_ADJUSTED):
        if not value.is_finite():
            reject(field, f"{value} is not a finite decimal", "non_finite_decimal")
        check_range(field, value)


def in_window(start: datetime | None, end: datetime | None, at: datetime) -> bool:
    """Whether ``at`` lies in the validity window ``[start, end)``; an open end counts as valid."""
    return (start is None or start <= at) and (end is None or at < end)


def check_partial(entity: Any) -> None:
    """A partial update (B2MML Change, Oracle PATCH, SAP change pointers) names the top-level fields it
    carries in ``partial_fields``; each must be a field of the entity (a typo would silently merge nothing)."""
    names: list[str] = entity.partial_fields
    if names:
        known = type(entity).__struct_fields__
        unknown = sorted(set(names) - set(known))
        if unknown:
            reject("partial_fields", f"not fields of {type(entity).__name__}: {', '.join(unknown)}",
                   "constraint_violation")
        if len(set(names)) != len(names):
            reject("partial_fields", "names a field twice", "constraint_violation")


def check_window(start: datetime | None, end: datetime | None, end_field: str, start_field: str) -> None:
    """An interval must not end before it starts (naive values are the decoder's to reject)."""
    if (start is not None and end is not None and start.tzinfo is not None and end.tzinfo is not None
            and end < start):
        reject(end_field, f"ends before {start_field}", "constraint_violation")


def check_date_window(start: date | None, end: date | None, end_field: str, start_field: str) -> None:
    """A window of calendar dates must not end before it starts."""
    if start is not None and end is not None and end < start:
        reject(end_field, f"ends before {start_field}", "constraint_violation")
