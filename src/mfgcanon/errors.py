"""The one exception tree every public mfgcanon function raises.

Each error carries a stable ``code`` (its cause, an example and the fix are in :data:`CODE_DOCS`, from
which ``python -m codegen`` writes ``docs/reference/errors.md``), the JSON path of
the offending field where there is one (``$.operations[2].planned_quantity.value``) and, for raw
input, the source position. Dependency exceptions never escape: they are wrapped here, keeping the
original type's name in ``cause_type`` for debugging.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Final, Literal, NamedTuple, get_args

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
    # the Kafka backbone
    "broker_error",
    "registry_error",
    "incompatible_schema",
]
ERROR_CODES: tuple[str, ...] = get_args(ErrorCode)


class CodeDoc(NamedTuple):
    """What an error code means, for people: why it is raised, an example, and what to do about it."""

    cause: str
    example: str
    fix: str


# One entry per built-in code (a test checks both ways); the reference page is generated from it.
CODE_DOCS: Final[dict[str, CodeDoc]] = {
    "malformed_input": CodeDoc(
        cause=(
            "The bytes are not JSON (or MessagePack) at all, or text input is not valid UTF-8. Raised as "
            "`DecodeError` with `position` set to the byte where parsing stopped, when the parser knows it."
        ),
        example=(
            '`{"value": "1", "uom": KGM}` gives `malformed_input` at byte 22.'
        ),
        fix=(
            "Fix the producer; the message is not a canonical document. In NDJSON, use `decode_lines_lenient` to keep"
            " the other records and collect this one with its `record_index`."
        ),
    ),
    "truncated_input": CodeDoc(
        cause=(
            "The input ends in the middle of a value: a cut-off JSON document or MessagePack buffer. Raised as "
            "`DecodeError`."
        ),
        example=(
            '`{"value": "1", "uom": "KG` or the first half of a MessagePack event.'
        ),
        fix=(
            "Check message size limits and framing in the transport (Kafka `max.message.bytes`, HTTP chunking, a file"
            " still being written), then resend."
        ),
    ),
    "nesting_too_deep": CodeDoc(
        cause=(
            "The input nests arrays, objects, maps or Avro records deeper than mfgcanon reads (JSON and MessagePack: "
            "about 900 levels, bounded by the interpreter's recursion limit; Avro writer schemas: 256 levels of JSON,"
            " and no recursive named type at all, since the depth of the data such a schema allows cannot be "
            "bounded). Raised as `DecodeError`; in NDJSON the other records are still read."
        ),
        example=(
            '`{"kind": "material", "x": [[[[ ... ]]]]}` with 1,000 nested arrays, or an Avro container file whose '
            "header schema holds a record with an optional field of its own type."
        ),
        fix=(
            "Canonical documents nest a handful of levels; deep input is a fault or an attack. Fix the producer, or "
            "for Avro, write with mfgcanon's own schema (`mfgcanon.avro.schema(T)`), which never recurses."
        ),
    ),
    "invalid_schema": CodeDoc(
        cause=(
            "An Avro writer schema (passed as `writer_schema=`, read from a container file header, or registered for "
            "a schema id) that mfgcanon refuses before any data is read: not a valid Avro schema, or a record that "
            "contains itself on every path (no finite value exists, so a reader would never stop). Raised as "
            "`DecodeError`."
        ),
        example=(
            '`{"type": "record", "name": "R", "fields": [{"name": "next", "type": "R"}]}`.'
        ),
        fix=(
            "Fix the schema the producer registered; a record may refer to itself only through a union with `null`, "
            "an array or a map, and mfgcanon reads no recursive writer schema at all (see `nesting_too_deep`)."
        ),
    ),
    "type_mismatch": CodeDoc(
        cause=(
            "A field holds a value of the wrong JSON type. Raised as `ValidationError` with the field's `path`."
        ),
        example=(
            '`"plant": 1710` (a number) where the plant is a string: `type_mismatch` at `$.plant`.'
        ),
        fix=(
            "Send the type the schema states. Identifiers are always strings (keep leading zeros as text) and "
            'decimals are strings such as `"12.500"`.'
        ),
    ),
    "missing_field": CodeDoc(
        cause=(
            "A required field is absent, or a rule that needs one of several fields finds none. Raised as "
            "`ValidationError`; the `path` names the missing field."
        ),
        example=(
            "an order event without a quantity gives `missing_field` at `$.data.planned_quantity`; an `InspectedItem`"
            " with no key at all gives it at `$.material_id`; a nonconformance of category `hold` without its `hold` "
            "state gives it at `$.hold`."
        ),
        fix=(
            "Fill the field in the mapper, or reject the record upstream when the source lacks it."
        ),
    ),
    "naive_datetime": CodeDoc(
        cause=(
            "A datetime without a UTC offset. Canonical instants are timezone-aware; a local time with no zone is an "
            "error, never a guess. Raised as `ValidationError` (or `EventError` from `build_event`)."
        ),
        example=(
            '`"released_at": "2026-01-01T08:00:00"` gives `naive_datetime` at `$.released_at`.'
        ),
        fix=(
            "Convert ERP local date and time fields with the plant's IANA time zone from the mapper's context, and "
            "write them with an offset (`2026-01-01T07:00:00Z`)."
        ),
    ),
    "negative_quantity": CodeDoc(
        cause=(
            "A quantity below zero, including negative zero (`-0`, `-0.000`). Quantities are never negative: the "
            "direction of a movement lives in its type (`goods_issue` vs `goods_receipt`) or in `is_reversal`."
        ),
        example=(
            '`{"value": "-5", "uom": "H87"}` in the third operation gives `negative_quantity` at '
            "`$.operations[2].planned_quantity.value`."
        ),
        fix=(
            "Map the sign to the movement type or the reversal flag and send the absolute value."
        ),
    ),
    "non_finite_decimal": CodeDoc(
        cause=(
            "A decimal that is `NaN`, `sNaN`, `Infinity` or `-Infinity`. Python's `Decimal` accepts these strings, so"
            " the model refuses them explicitly for quantities, conversion factors, measured values and limits."
        ),
        example=(
            '`{"value": "NaN", "uom": "KGM"}` gives `non_finite_decimal` at `$.value`.'
        ),
        fix=(
            "Leave an unknown measured value out (`measured_value` is optional) and send the reason in `value_text`; "
            'never encode "no value" as `NaN`.'
        ),
    ),
    "decimal_out_of_range": CodeDoc(
        cause=(
            "A decimal outside what every canonical decimal must fit: Avro `decimal(38, 9)`, so zero or a magnitude "
            "from `1E-9` up to (not including) `1E+29`. Raised as `ValidationError` with the field's `path`. The "
            "bound also keeps unit conversions exact and fast: `1E+9999999999` would otherwise decode and then never "
            "finish converting."
        ),
        example=(
            '`"value": "1e5000"` or `"value": "0.0000000001"` (a tenth of the smallest step).'
        ),
        fix=(
            "Send the amount in a unit that brings it into range (grams instead of tonnes for tiny amounts, tonnes "
            "instead of grams for huge ones); more than 29 digits before the point is not a quantity."
        ),
    ),
    "unknown_unit": CodeDoc(
        cause=(
            "A unit code that is not a registered UN/CEFACT Recommendation 20 code. Raised as `ValidationError` when "
            "decoding and as `UnitError` from `mfgcanon.units`."
        ),
        example=(
            "SAP's `ST` instead of `H87` gives `unknown_unit` at `$.planned_quantity.uom`."
        ),
        fix=(
            "Translate vendor units with the mapper's unit alias table and keep the original in `source_uom`; "
            "register a missing Rec 20 code with `mfgcanon.units.register`."
        ),
    ),
    "invalid_value": CodeDoc(
        cause=(
            "A value of the right type that cannot be read: a decimal string that does not parse, a `Property` whose "
            "text does not match its `data_type`, or any other unreadable value."
        ),
        example=(
            '`{"name": "sap.flag", "value": "yes", "data_type": "boolean"}` gives `invalid_value` at `$.value` '
            "(booleans are `true` or `false`)."
        ),
        fix=(
            "Send the value in the documented form (ISO 8601 dates, `true`/`false`, plain decimals)."
        ),
    ),
    "unknown_kind": CodeDoc(
        cause=(
            "The tag of a tagged union names no known type: an unknown event `type` or entity `kind`."
        ),
        example=(
            '`"type": "mfgcanon.production_order.exploded.v1"` gives `unknown_kind` at `$.type`.'
        ),
        fix=(
            "Check the type for typos and the major version; an event of a newer major needs a newer reader "
            "(`mfgcanon.v2`)."
        ),
    ),
    "constraint_violation": CodeDoc(
        cause=(
            "A value breaks a rule of the model: a length or range bound, an interval that ends before it starts, "
            "limits in the wrong order, a duplicate unit conversion, a time unit expected, an event whose data does "
            "not fit its type, a genealogy link to itself."
        ),
        example=(
            "`planned_end_at` before `planned_start_at` gives `constraint_violation` at `$.planned_end_at`; a "
            "`MaterialIssued` event carrying a goods receipt gives it at `$.data`."
        ),
        fix=(
            "Read the message, which states the rule; fix the mapper or the source data."
        ),
    ),
    "incompatible_units": CodeDoc(
        cause=(
            "A conversion between units of different dimensions (mass to volume), or to or from a packaging unit, "
            "without a material whose conversion factors bridge them. Raised as `UnitError`."
        ),
        example=(
            '`units.convert_value(Decimal(1), "KGM", "LTR")`.'
        ),
        fix=(
            'Pass the material (`Quantity.to("KGM", material=m)`) and make sure its `uom_conversions` declare the '
            "alternative unit."
        ),
    ),
    "inexact_conversion": CodeDoc(
        cause=(
            "A conversion whose exact result has no finite decimal form, such as kilograms to pounds. mfgcanon does "
            "not round silently. Raised as `UnitError`."
        ),
        example=(
            '`units.convert_value(Decimal(1), "KGM", "LBR")`; with `places=6` it gives `2.204623`.'
        ),
        fix=(
            "Pass `places=` with the precision the business needs."
        ),
    ),
    "unencodable_value": CodeDoc(
        cause=(
            "A value that cannot be written in the requested format, for example an object that is not part of the "
            "model, or an instant outside the range MessagePack's UTC timestamp can hold. Raised as `EncodeError`."
        ),
        example=(
            "`codecs.encode(object())`."
        ),
        fix=(
            "Encode canonical entities and events only; call `codecs.validate` on values built in Python before "
            "encoding them."
        ),
    ),
    "missing_identity": CodeDoc(
        cause=(
            "An event cannot be built because the entity lacks what identifies it: no source system, or a value that "
            "is not a v1 entity. Raised as `EventError`."
        ),
        example=(
            "`build_event(ProductionOrderReleased, order)` where `order.source` is `None` and no `source_system=` is "
            "given (path `$.data.source.system`)."
        ),
        fix=(
            "Set `source` on the entity in the mapper (system, document type, document id, line, revision) so that "
            "event ids are deterministic, or pass `source_system=`."
        ),
    ),
    "malformed_xml": CodeDoc(
        cause=(
            "A vendor XML document (IDoc, B2MML) that is not well-formed or is empty. Raised as `MappingError`; "
            "`position` holds the line where the parser stopped."
        ),
        example=(
            "an IDoc file cut off in the middle of `<E1AFKOL>`."
        ),
        fix=(
            "Check the export or the transport; the document cannot be read at all."
        ),
    ),
    "xml_forbidden": CodeDoc(
        cause=(
            "XML that uses a construct mapper input may not contain: a DOCTYPE or DTD, entity references or XInclude."
            " These are refused to rule out entity-expansion and external-entity attacks. Raised as `MappingError`."
        ),
        example=(
            'a document starting with `<!DOCTYPE foo [<!ENTITY x SYSTEM "file:///etc/passwd">]>`.'
        ),
        fix=(
            "Export the document without a DOCTYPE; ERP and MES documents never need one."
        ),
    ),
    "document_too_large": CodeDoc(
        cause=(
            "A vendor document above the mapper's size limit, refused before parsing. Raised as `MappingError`. "
            "`mfgcanon convert` applies the same limit (`options.max_document_bytes`, default 50 MiB) to every input,"
            " whatever its format, while reading it: it reads at most the limit plus one byte, and an input above it "
            "is a reject with this code (so `/dev/zero` or an endless stdin cannot exhaust the memory)."
        ),
        example=(
            "a multi-gigabyte IDoc file given to a mapper with the default limit."
        ),
        fix=(
            "Split the file per IDoc or per record, or raise the limit in the mapping options if the size is "
            "expected."
        ),
    ),
    "malformed_payload": CodeDoc(
        cause=(
            "A vendor payload that parses but does not have the structure the format defines: an OData response that "
            "is not an object or array, an IDoc without its control record, a required segment missing."
        ),
        example=(
            "an OData body `[1, 2, 3]` where a `d.results` collection is expected."
        ),
        fix=(
            "Check that the right mapper was chosen and that the source sends the documented structure."
        ),
    ),
    "unsupported_message": CodeDoc(
        cause=(
            "A well-formed vendor document of a message type or variant the mapper does not handle. The record is "
            "rejected with its payload and location; the rest of the batch is mapped."
        ),
        example=(
            "a `MATMAS05` IDoc given to the production-order IDoc mapper."
        ),
        fix=(
            "Route the message to a mapper that supports it, or filter it out upstream."
        ),
    ),
    "unknown_format": CodeDoc(
        cause=(
            "No mapper is registered under the requested name (built-in or through the `mfgcanon.mappers` entry "
            "point). Raised as `MappingError`."
        ),
        example=(
            "`mfgcanon convert --from sap-idocs` (a typo for `sap-idoc`)."
        ),
        fix=(
            "List the available mappers with `mfgcanon mappers list`, or install the plugin package that registers "
            "the format."
        ),
    ),
    "ambiguous_format": CodeDoc(
        cause=(
            "Format detection found more than one mapper that could read the input, so none was chosen."
        ),
        example=(
            "a JSON file that both an OData mapper and an MES JSON mapper claim."
        ),
        fix=(
            "Name the format explicitly (`--from` on the command line, the mapper name in the library)."
        ),
    ),
    "missing_timezone": CodeDoc(
        cause=(
            "An ERP local date or time must be converted to UTC, but the mapping context has no time zone for the "
            "plant and no default zone. mfgcanon does not guess."
        ),
        example=(
            "an IDoc for plant `1710` with `GSTRS`/`GSUZS` and a context without `[plants.1710]`."
        ),
        fix=(
            'Add `[plants.1710] timezone = "America/Los_Angeles"` (or a `default_timezone`) to the mapping context.'
        ),
    ),
    "invalid_context": CodeDoc(
        cause=(
            "The mapping context itself is wrong: an unknown IANA time-zone name, an option of the wrong type, a "
            "malformed context file. Raised as `MappingError` with `path` naming the context entry."
        ),
        example=(
            '`timezone = "CET+1"`.'
        ),
        fix=(
            "Fix the context file; time zones are IANA names such as `Europe/Berlin`."
        ),
    ),
    "unmatched_record": CodeDoc(
        cause=(
            "A record refers to another record of the same payload that is not there (an item whose header is "
            "missing, a component of an unknown operation). The record is rejected, the others are mapped."
        ),
        example=(
            "an OData component line whose order is not in the response."
        ),
        fix=(
            "Request the related entities together (OData `$expand`) or send complete documents."
        ),
    ),
    "source_error": CodeDoc(
        cause=(
            "The source system returned an error document instead of data, for example an OData `error` object. The "
            "message carries the source's own text."
        ),
        example=(
            '`{"error": {"code": "SY/530", "message": {"value": "Order 1000123 does not exist"}}}`.'
        ),
        fix=(
            "Fix the request or the source-side problem the message describes; there is nothing to map."
        ),
    ),
    "unmappable_value": CodeDoc(
        cause=(
            "A value that has no equivalent in the target format or code list: a canonical movement type with no SAP "
            "movement type, a reference longer than the target field, a second activity with no free SAP slot."
        ),
        example=(
            "writing an SAP goods movement for a reference document of 20 characters (REF_DOC_NO holds 16)."
        ),
        fix=(
            "Extend the mapping tables in `mappings/`, or change the value so that it fits the target."
        ),
    ),
    "plugin_error": CodeDoc(
        cause=(
            "A mapper plugin could not be registered or loaded: an empty or duplicate name, an entry point that fails"
            " to import or does not provide a mapper."
        ),
        example=(
            "two installed packages registering a mapper named `sap-idoc`."
        ),
        fix=(
            "Fix or uninstall the offending plugin; the message names it."
        ),
    ),
    "mapping_failed": CodeDoc(
        cause=(
            "A mapper failed for a reason not covered by a more specific code, or its declarative mapping data (a "
            "TOML file in `mappings/`) is missing or invalid. The default code of `MappingError`."
        ),
        example=(
            "`mapping file sap/movement_types.toml is not valid TOML`."
        ),
        fix=(
            "Read the message and the `path`; report a bug if the mapping data shipped with mfgcanon is at fault."
        ),
    ),
    "unresolved_reference": CodeDoc(
        cause=(
            "A record refers to reference data the payload does not carry and the mapping context does not know: an "
            "item's base unit, the code of an organization id, the order number of an internal job id, the site of an"
            " order. The mapper asked the context (`context.lookup(table, key)`): neither the `[lookups.<table>]` "
            "table of the context file nor a resolver passed in code has the key. mfgcanon never invents the value."
        ),
        example=(
            '`no item_base_unit for "AS54888": add "AS54888" = ... to [lookups.item_base_unit] in the context file '
            "(or pass a resolver that knows it)`."
        ),
        fix=(
            "Add the key to the named `[lookups.<table>]` table of the context file, or give the context a resolver "
            "(`MappingContext(resolvers=(my_resolver,))`) that looks it up in the source system, and map the rejected"
            " records again."
        ),
    ),
    "broker_error": CodeDoc(
        cause=(
            "The Kafka side of `mfgcanon.kafka` failed outside the data: the client library refused its "
            "configuration, a produce or commit was not acknowledged, or the loopback mock cluster used by tests "
            "and benchmarks could not be started."
        ),
        example="`librdkafka could not start a mock cluster`.",
        fix=(
            "Read the librdkafka error in the message; check `bootstrap.servers`, the topic and the client "
            "configuration. For the mock cluster, install the `kafka` extra (`confluent-kafka`)."
        ),
    ),
    "registry_error": CodeDoc(
        cause=(
            "A schema registry call made by a `mfgcanon.kafka` serializer or deserializer failed: the registry "
            "refused it (its HTTP status and `error_code` are kept on the `RegistryCallError`), could not be "
            "reached, or the schema is not registered under the subject while `auto_register` is off."
        ),
        example="`the schema registry failed to register a schema under subject 'orders-value': Unauthorized`.",
        fix=(
            "Check the registry URL and credentials given to `SchemaRegistryClient`; with `auto_register=False`, "
            "register the schema first (`mfgcanon.kafka.serde.avro_schema_text(T)` is the text to register)."
        ),
    ),
    "incompatible_schema": CodeDoc(
        cause=(
            "A `mfgcanon.kafka` serializer was about to register a schema that breaks the subject's compatibility "
            "level: mfgcanon's checker (`mfgcanon.compat`) compared it with the registered versions (every version "
            "for a transitive level) and found breaking changes, so nothing was registered. Raised as "
            "`IncompatibleSchemaError`; its `report` lists every finding and `path` points at the first one."
        ),
        example=(
            "`refusing to register a schema under subject 'mfg.orders-value': AVRO BACKWARD: INCOMPATIBLE (against "
            "v1): 1 breaking finding: RECORD_NAME_CHANGED ...` when a topic of one record type gets another."
        ),
        fix=(
            "Keep one record type per subject (use the `topic_record` strategy for a topic of mixed events), make "
            "the change compatible (add fields with defaults), or, for a deliberate break, publish a new major "
            "version under a new subject."
        ),
    ),
}

_PLUGIN_FIX = "See the documentation of the plugin that registered the code; the message and path name the record."

_NAMESPACED = re.compile(r"^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_]*)+$")
_registered: dict[str, str] = {}
_registered_fix: dict[str, str] = {}


def register_code(code: str, description: str, *, fix: str | None = None) -> str:
    """Register a plugin's own error code, namespaced by its vendor (``oracle.bad_lot_row``).

    Built-in codes have no dot and stay in :data:`ErrorCode`; a plugin's code always has one, so the two
    never clash. Registering the same code again with the same description is a no-op (module reloads);
    a different description is refused: a code means one thing. ``fix`` says what to do about it (the
    error reference shows it). Returns the code, for a module constant.
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
    if fix is not None:
        if not isinstance(fix, str) or not fix.strip():
            raise ValueError(f"error code {code!r}: fix must be a non-empty text")
        known_fix = _registered_fix.get(code)
        if known_fix is not None and known_fix != fix:
            raise ValueError(f"error code {code!r} is already registered with the fix {known_fix!r}")
        _registered_fix[code] = fix
    _registered[code] = description
    return code


def registered_codes() -> dict[str, str]:
    """The plugin codes registered so far (code -> description)."""
    return dict(_registered)


def code_doc(code: str) -> CodeDoc:
    """Cause, example and fix of a built-in or registered code (a registered code's cause is its description)."""
    if code in CODE_DOCS:
        return CODE_DOCS[code]
    if code in _registered:
        return CodeDoc(cause=_registered[code], example="", fix=_registered_fix.get(code, _PLUGIN_FIX))
    check_code(code)
    raise AssertionError(code)  # pragma: no cover - check_code raised


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
