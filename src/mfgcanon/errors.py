"""The one exception tree every public mfgcanon function raises.

Each error carries a stable ``code`` (documented in ``docs/reference/errors.md``), the JSON path of
the offending field where there is one (``$.operations[2].planned_quantity.value``) and, for raw
input, the source position. Dependency exceptions never escape: they are wrapped here, keeping the
original type's name in ``cause_type`` for debugging.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal, get_args

ErrorCode = Literal[
    # input that is not JSON / MessagePack at all
    "malformed_input",
    "truncated_input",
    "nesting_too_deep",
    "invalid_schema",
    # decoded input that does not fit the canonical model
    "type_mismatch",
    "missing_field",
    "naive_datetime",
    "negative_quantity",
    "non_finite_decimal",
    "decimal_out_of_range",
    "unknown_unit",
    "invalid_value",
    "unknown_kind",
    "constraint_violation",
    # units
    "incompatible_units",
    "inexact_conversion",
    # encoding and events
    "unencodable_value",
    "missing_identity",
    # mappers (vendor payloads -> canonical events and back)
    "malformed_xml",
    "xml_forbidden",
    "document_too_large",
    "malformed_payload",
    "unsupported_message",
    "unknown_format",
    "ambiguous_format",
    "missing_timezone",
    "invalid_context",
    "unmatched_record",
    "source_error",
    "unmappable_value",
    "plugin_error",
    "mapping_failed",
    "unresolved_reference",
]
ERROR_CODES: tuple[str, ...] = get_args(ErrorCode)

_NAMESPACED = re.compile(r"^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_]*)+$")
_registered: dict[str, str] = {}


def register_code(code: str, description: str) -> str:
    """Register a plugin's own error code, namespaced by its vendor (``oracle.bad_lot_row``).

    Built-in codes have no dot and stay in :data:`ErrorCode`; a plugin's code always has one, so the two
    never clash. Registering the same code again with the same description is a no-op (module reloads);
    a different description is refused: a code means one thing. Returns the code, for a module constant.
    """
    if not isinstance(code, str) or not _NAMESPACED.match(code):
        raise ValueError(
            f"error code {code!r} must be namespaced: lower-case 'vendor.code' (oracle.bad_lot_row); "
            "codes without a dot are reserved for mfgcanon"
        )
    if not isinstance(description, str) or not description.strip():
        raise ValueError(f"error code {code!r} needs a description")
    known = _registered.get(code)
    if known is not None and known != description:
        raise ValueError(f"error code {code!r} is already registered as {known!r}")
    _registered[code] = description
    return code


def registered_codes() -> dict[str, str]:
    """The plugin codes registered so far (code -> description)."""
    return dict(_registered)


def is_known_code(code: object) -> bool:
    """Whether ``code`` is a built-in code or a registered plugin code."""
    return isinstance(code, str) and (code in ERROR_CODES or code in _registered)


def check_code(code: str) -> None:
    """Refuse a code that is neither built in nor registered (a typo, or a plugin code not registered)."""
    if not is_known_code(code):
        hint = (" (register it first: mfgcanon.errors.register_code)" if "." in code
                else " (plugin codes are namespaced: vendor.code)")
        raise ValueError(f"unknown error code {code!r}{hint}")


class MfgcanonError(Exception):
    """Base class: ``except mfgcanon.errors.MfgcanonError`` catches everything the library raises."""

    code: ErrorCode = "invalid_value"
    position_unit: ClassVar[str] = "byte"
    """What ``position`` counts in this class: a byte offset of raw input (a line for XML, see MappingError)."""

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | str | None = None,
        path: str | None = None,
        position: int | None = None,
        record_index: int | None = None,
        cause_type: str | None = None,
    ) -> None:
        self.message = message
        if code is not None:
            if code not in ERROR_CODES:
                check_code(code)  # a registered plugin code (vendor.code): anything else is a bug
            self.code = code  # type: ignore[assignment]
        self.path = path
        self.position = position
        self.record_index = record_index
        self.cause_type = cause_type
        super().__init__(self._render())

    def _render(self) -> str:
        text = f"{self.message} [{self.code}]"
        if self.path:
            text += f" - at {self.path}"
        if self.position is not None:
            text += f" ({self.position_unit} {self.position})"
        if self.record_index is not None:
            text += f" (record {self.record_index})"
        return text

    def with_record_index(self, index: int) -> MfgcanonError:
        """A copy of this error that names the record it came from in a batch or stream."""
        return type(self)(
            self.message, code=self.code, path=self.path, position=self.position,
            record_index=index, cause_type=self.cause_type,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON reports and DataFrames."""
        return {
            "type": type(self).__name__,
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "position": self.position,
            "record_index": self.record_index,
        }


class DecodeError(MfgcanonError, ValueError):
    """The bytes are not well-formed JSON / MessagePack (or are cut short)."""

    code: ErrorCode = "malformed_input"


class ValidationError(MfgcanonError, ValueError):
    """Well-formed input that breaks a rule of the canonical model."""

    code: ErrorCode = "invalid_value"


class UnitError(MfgcanonError, ValueError):
    """An unknown unit code, or a conversion that cannot be done exactly."""

    code: ErrorCode = "unknown_unit"


class EncodeError(MfgcanonError, TypeError):
    """A value that cannot be written in the requested format."""

    code: ErrorCode = "unencodable_value"


class EventError(MfgcanonError, ValueError):
    """An event cannot be built from the given entity (for example it lacks its business key)."""

    code: ErrorCode = "missing_identity"


class MappingError(MfgcanonError, ValueError):
    """A vendor payload (or a mapping context) that a mapper cannot turn into canonical values.

    ``path`` names the source location: an XPath (``/LOIPRO05/IDOC[1]/E1AFKOL/GAMNG``) or a JSON
    pointer (``/d/results/0/TotalQuantity``); ``position`` holds the XML line number where known.
    """

    code: ErrorCode = "mapping_failed"
    position_unit: ClassVar[str] = "line"
