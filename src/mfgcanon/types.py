"""Constrained field types shared by every model version.

Each constraint lives here once, as an ``Annotated`` alias, so the codec, the exported JSON Schema
and Avro schema, the hypothesis strategies and the docs all read the same rule. msgspec refuses
numeric bounds on ``Decimal`` (``Meta(ge=0)`` raises), so the sign and finiteness of decimals are
checked by the few structs that hold them; the ``pattern`` below states the same rule to external
JSON Schema validators, which otherwise accept any string for ``format: decimal``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from msgspec import Meta

# Decimal strings as the JSON codec writes them (msgspec keeps the Decimal's own form, so the
# exponent form must be allowed too). The codec refuses every other spelling Python's Decimal would
# take ("+5", "1_000", " 1"): one rule on both sides. `\d` is ASCII-only in ECMA-262, the regex dialect
# JSON Schema names; Python's `re` (and so the `jsonschema` package) lets it match any Unicode digit unless
# compiled with re.ASCII, as the codec does. The exported text stays as released in 1.0.0: under registry
# rules any change of a `pattern` is a breaking change.
UNSIGNED_DECIMAL_PATTERN = r"^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
SIGNED_DECIMAL_PATTERN = r"^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
UNIT_CODE_PATTERN = r"^[A-Z0-9]{2,3}$"
# An RFC 3339 instant must end in an offset: external validators check `format: date-time` only when an
# optional checker is installed, and the naive form is exactly what the codec refuses.
INSTANT_PATTERN = r"(Z|z|[+-][0-9]{2}:[0-9]{2})$"

# Avro decimal logical type for every canonical decimal: 38 digits, 9 after the point. Wide enough for
# SAP QUAN(13,3), FLTP characteristics and 9-place lab measurements; the Avro writer refuses more.
DECIMAL_AVRO = {"precision": 38, "scale": 9}
# The magnitude every canonical decimal keeps to, from DECIMAL_AVRO: zero, or an adjusted exponent (the
# power of ten of the leading digit) from -scale (1E-9, the smallest step) to precision - scale - 1
# (below 1E+29). `Decimal.adjusted()` is one cheap call, so the model checks this on every decimal;
# it also bounds unit conversions, which would otherwise build integers of any size (1E+9999999999).
DECIMAL_MIN_ADJUSTED = -DECIMAL_AVRO["scale"]
DECIMAL_MAX_ADJUSTED = DECIMAL_AVRO["precision"] - DECIMAL_AVRO["scale"] - 1


def doc(text: str) -> Meta:
    """A field description: it feeds the JSON Schema, the Avro ``doc`` and the docs site."""
    return Meta(description=text)


Identifier = Annotated[str, Meta(min_length=1, max_length=255)]
"""A business key as the source shows it to people (SAP keys without ALPHA leading zeros)."""

Code = Annotated[str, Meta(min_length=1, max_length=64)]
"""A short code from a source code list (status, reason, type) kept verbatim."""

UnitCode = Annotated[str, Meta(min_length=2, max_length=3, extra_json_schema={"pattern": UNIT_CODE_PATTERN})]
"""A UN/CEFACT Recommendation 20 unit code; membership is checked against ``mfgcanon.units``."""

Instant = Annotated[datetime, Meta(tz=True, extra_json_schema={"pattern": INSTANT_PATTERN})]
"""A timezone-aware instant. Mappers and event builders write UTC; binary codecs carry UTC."""

CalendarDate = date
"""A business date with no time of day (posting date), in the plant's calendar."""

UnsignedDecimal = Annotated[
    Decimal,
    Meta(extra_json_schema={"pattern": UNSIGNED_DECIMAL_PATTERN}, extra={"avro": DECIMAL_AVRO}),
]
"""A finite decimal >= 0 (checked by the owning struct); written as a JSON string, never a float."""

SignedDecimal = Annotated[
    Decimal,
    Meta(extra_json_schema={"pattern": SIGNED_DECIMAL_PATTERN}, extra={"avro": DECIMAL_AVRO}),
]
"""A finite decimal of either sign (measured values, limits); written as a JSON string."""
