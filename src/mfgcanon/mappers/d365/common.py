"""What the Microsoft mappers share: JSON records and their pointers, typed field reads that name the property a
failure came from, D365 dates (``1900-01-01`` is no date; date-only vs instant; date + seconds of day in the
site's zone), companies, unit symbols, reference lookups (item -> unit, order -> site, item) and the reject
guard.

A D365 key is unique per company (``dataAreaId``), not per site: every entity carries ``company_id`` (upper
case, as D365 shows legal entities; OData writes it lower case) and the event subjects start
``company/{c}/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import msgspec

from mfgcanon.errors import MappingError
from mfgcanon.mappers._base import MappingResult, Reject, printable, reject_from_error
from mfgcanon.mappers._data import FIELD_MAPS as _ALL_FIELD_MAPS
from mfgcanon.mappers._data import table
from mfgcanon.mappers.context import MappingContext
from mfgcanon.mappers.helpers import code_list, decimal_of, decode_json, in_zone, resolve_unit

FIELD_MAPS = {key: path for key, path in _ALL_FIELD_MAPS.items() if key[0] in ("d365-mes", "d365-odata", "bc")}
"""The Microsoft mappers' field maps: their entries of the one table, :data:`mfgcanon.mappers._data.FIELD_MAPS`."""

TRANSFORMS = frozenset({"copy", "company", "number", "quantity", "item_quantity", "date", "instant", "date_seconds",
                        "local_midnight", "noyes", "hours", "error_cause", "order_status", "production_type",
                        "task_type", "flushing_principle"})
"""The transforms the Microsoft field maps use (all of them listed in :data:`mfgcanon.mappers._data.TRANSFORMS`)."""

NO_DATE = date(1900, 1, 1)
"""D365's "no date" (``dateNull()``): an empty date field, never a real date."""

_ENCODER = msgspec.json.Encoder(order="sorted")
_NUMBERS = msgspec.json.Encoder(decimal_format="number")


@dataclass(frozen=True)
class Rec:
    """One JSON record and the JSON pointer it was found at (a reject's location)."""

    data: Mapping[str, Any]
    pointer: str


def fragment(data: Any) -> str:
    """A record as JSON text for a reject (the payload is kept, never dropped)."""
    try:
        text = json.dumps(data, ensure_ascii=False, default=str)
    except (RecursionError, ValueError, TypeError):
        text = repr(data)
    return printable(text[:1_000_000])


def guard(rec: Rec, result: MappingResult, mapper: str, work: Callable[[], None]) -> None:
    """Run one record's mapping; whatever it raises becomes that record's reject, with its payload."""
    try:
        work()
    except Exception as exc:
        result.add_reject(reject_from_error(exc, location=rec.pointer or "/", payload=fragment(rec.data),
                                            mapper=mapper))


def reject(result: MappingResult, mapper: str, code: str, reason: str, location: str, data: Any) -> None:
    result.add_reject(Reject(code=code, reason=reason, location=location or "/", payload=fragment(data),
                             mapper=mapper))


def unwritable(data: Any) -> str | None:
    """Why parsed input (dicts a caller built, not JSON text) cannot become events, or None: a string that is not
    Unicode (a lone surrogate) or nesting too deep to write. JSON text decoded here never holds either."""
    try:
        _NUMBERS.encode(data)
    except UnicodeEncodeError:
        return "a string holds a lone surrogate (not Unicode): the record could not be written as JSON"
    except RecursionError:
        return "nested too deeply to be written as JSON"
    except TypeError:
        return None  # values of other types are read (or refused) field by field
    return None


def check_writable(rec: Rec, result: MappingResult, mapper: str, parsed: bool) -> bool:
    """For parsed input, whether the record can be written; if not, it is a ``malformed_payload`` reject."""
    problem = unwritable(rec.data) if parsed else None
    if problem is not None:
        reject(result, mapper, "malformed_payload", problem, rec.pointer, rec.data)
    return problem is None


def decode(payload: Any) -> Any:
    """A payload as parsed JSON: text and bytes decoded with exact decimals (``12.75`` stays ``12.75``)."""
    if isinstance(payload, bytes | str):
        if isinstance(payload, str):
            try:
                payload.encode("utf-8")
            except UnicodeEncodeError:
                raise MappingError("the text holds a lone surrogate (not Unicode), so it is not JSON",
                                   code="malformed_payload", path="/") from None
        return decode_json(payload)
    return payload


def each_record(payload: Any, result: MappingResult, mapper: str, one: Callable[[Rec, Any], None], *,
                empty: str | None = None) -> None:
    """Decode a JSON payload (one object, or an array of them) and hand each element to ``one`` with its JSON
    pointer. Input that is no JSON is one reject holding the text; an element of already parsed input that could
    not be written back as JSON is a reject, never mapped; ``empty`` is the reason an empty array is rejected
    (None: it maps to nothing)."""
    try:
        data = decode(payload)
    except MappingError as exc:
        text = payload if isinstance(payload, str | bytes) else fragment(payload)
        reject(result, mapper, exc.code, exc.message, "/", text if isinstance(text, str) else
               text.decode("utf-8", "backslashreplace"))
        return
    parsed = not isinstance(payload, bytes | str)
    items = list(enumerate(data)) if isinstance(data, list) else [(None, data)]
    if not items and empty is not None:
        reject(result, mapper, "missing_field", empty, "/", data)
    for index, item in items:
        rec = Rec(item if isinstance(item, Mapping) else {}, "" if index is None else f"/{index}")
        if check_writable(Rec(item, rec.pointer), result, mapper, parsed):
            one(rec, item)


def json_head(payload: Any) -> Any:
    """The parsed payload for ``sniff``, or None when it is not a JSON object or array."""
    if isinstance(payload, bytes | str):
        head = payload.lstrip()[:1]
        if head not in (b"{", b"[", "{", "["):
            return None
        try:
            return decode(payload)
        except MappingError:
            return None
    return payload


def content_key(company: str, message_type: str, content: Any) -> str:
    """The id of one MES message: MES messages carry no message id, so the id is a digest of the company,
    the message type and the content (keys sorted, numbers exact). The business event that reports the
    message's outcome carries the same content, so the outcome names the same key."""
    from mfgcanon.mappers.helpers import derived_id

    return derived_id("d365-mes", company.upper(), message_type, _ENCODER.encode(content).decode())


def encode_numbers(content: Any) -> str:
    """JSON text with decimals as JSON numbers (``12.50``, not ``"12.50"``): MES message content."""
    return _NUMBERS.encode(content).decode()


def company_of(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MappingError("no company (dataAreaId / _companyId)", code="missing_field", path=path)
    return value.strip().upper()


def company_spelling(ctx: MappingContext, company: str) -> str:
    """The spelling of a company the context uses (``[companies.usmf]`` or ``[companies.USMF]``)."""
    known = set(ctx.company_timezones) | {c for c, _ in ctx.company_plant_timezones}
    for spelling in (company, company.lower(), company.upper()):
        if spelling in known:
            return spelling
    return company


def zone_instant(ctx: MappingContext, company: str, site: str | None, day: date, seconds: int, path: str) -> datetime:
    """A local date and time of day (seconds since midnight) in the site's zone, as UTC: the zone of
    ``[companies.<c>.plants.<site>]``, then ``[plants.<site>]``, ``[companies.<c>]``, ``default_timezone``."""
    try:
        zone = ctx.zone_for(site, company_spelling(ctx, company))
    except MappingError as exc:
        raise MappingError(exc.message, code=exc.code, path=path) from None
    return in_zone(datetime.combine(day, time()) + timedelta(seconds=seconds), zone, path=path)


_LARGE = Decimal(10) ** 28
"""Numbers below this are within the canonical decimal's range (29 digits before the point) without a check."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Fields:
    """Typed reads of one record; every failure names the JSON pointer of the property."""

    def __init__(self, rec: Rec, ctx: MappingContext) -> None:
        self.d = rec.data
        self.p = rec.pointer
        self.ctx = ctx

    def at(self, name: str) -> str:
        return f"{self.p}/{name}"

    def s(self, name: str) -> str | None:
        value = self.d.get(name)
        if type(value) is str:  # the common case, first
            return value.strip() or None
        if value is None:
            return None
        if isinstance(value, bool | list | Mapping):
            raise MappingError(f"expected a string, got {type(value).__name__}", code="type_mismatch",
                               path=self.at(name))
        return str(value).strip() or None

    def req(self, name: str) -> str:
        value = self.s(name)
        if value is None:
            raise MappingError(f"{name} is required", code="missing_field", path=self.at(name))
        return value

    def dec(self, name: str) -> Decimal | None:
        value = self.d.get(name)
        if value is None:
            return None
        kind = type(value)
        if kind is int and 0 <= value < _LARGE:  # a JSON integer: exact and in range
            return Decimal(value)
        if value == "":
            return None
        if isinstance(value, bool | Mapping | list):
            raise MappingError(f"{value!r} is not a number", code="type_mismatch", path=self.at(name))
        number = decimal_of(value, path=self.at(name))
        if number < 0:
            raise MappingError(f"{name} is negative ({number}): D365 messages report quantities as positive "
                               "numbers", code="invalid_value", path=self.at(name))
        return number

    def integer(self, name: str) -> int | None:
        value = self.d.get(name)
        if value is None or value == "":
            return None
        if type(value) is int:
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        raise MappingError(f"{value!r} is not a whole number", code="invalid_value", path=self.at(name))

    def number_text(self, name: str) -> str | None:
        """An operation or line number as text (``10``, not ``10.0``)."""
        value = self.integer(name) if not isinstance(self.d.get(name), str) else None
        return str(value) if value is not None else self.s(name)

    def yes(self, name: str) -> bool | None:
        """A NoYes enum (``"Yes"`` / ``"No"``; a JSON boolean accepted too); None when absent."""
        value = self.d.get(name)
        if value == "Yes":
            return True
        if value == "No":
            return False
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
            return value.strip().lower() == "yes"
        raise MappingError(f"{value!r} is not Yes or No", code="invalid_value", path=self.at(name))

    def day(self, name: str) -> date | None:
        """A date-only field: ``2024-01-16`` (MES messages) or the OData rendering ``2024-01-16T12:00:00Z``
        (the date part is the date: never shifted by a zone). ``1900-01-01`` is no date."""
        text = self.s(name)
        if text is None:
            return None
        try:
            found = date.fromisoformat(text[:10]) if _DATE.match(text[:10]) else None
        except ValueError:
            found = None
        if found is None or (len(text) > 10 and text[10] != "T"):
            raise MappingError(f"{text!r} is not a date (YYYY-MM-DD)", code="invalid_value", path=self.at(name))
        return None if found == NO_DATE else found

    def instant(self, name: str, company: str, site: str | None) -> datetime | None:
        """A DateTime field (ISO 8601): with an offset or ``Z`` it is converted; without one it is local to
        the site. ``1900-01-01`` is no time."""
        text = self.s(name)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise MappingError(f"{text!r} is not an ISO 8601 date-time", code="invalid_value",
                               path=self.at(name)) from None
        if moment.date() == NO_DATE:
            return None
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)
        return zone_instant(self.ctx, company, site, moment.date(),
                            moment.hour * 3600 + moment.minute * 60 + moment.second, self.at(name))

    def date_time(self, date_name: str, seconds_name: str, company: str, site: str | None) -> datetime | None:
        """An OData date field and its seconds-of-day sibling (``ScheduledStartDate`` + ``ScheduledStartTime``)
        as one instant in the site's zone; no date is no instant."""
        day = self.day(date_name)
        if day is None:
            return None
        seconds = self.integer(seconds_name) or 0
        if not 0 <= seconds <= 86400:
            raise MappingError(f"{seconds} is not a time of day in seconds (0 to 86400)", code="invalid_value",
                               path=self.at(seconds_name))
        return zone_instant(self.ctx, company, site, day, seconds, self.at(date_name))

    def sub(self, data: Mapping[str, Any], pointer: str) -> Fields:
        return Fields(Rec(data, pointer), self.ctx)


def lines(f: Fields, name: str, *, required: bool = True) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The objects of an array property, with their pointers; a non-object line is a ``type_mismatch``."""
    value = f.d.get(name)
    if value is None or value == []:
        if required:
            raise MappingError(f"{name} needs at least one line", code="missing_field", path=f.at(name))
        return
    if not isinstance(value, list):
        raise MappingError(f"{name} must be an array", code="type_mismatch", path=f.at(name))
    for index, line in enumerate(value):
        if not isinstance(line, Mapping):
            raise MappingError("a line must be a JSON object", code="type_mismatch", path=f"{f.at(name)}/{index}")
        yield f"{f.at(name)}/{index}", line


# Code lists and units -------------------------------------------------------------------------------------
def codes(ctx: MappingContext, vendor: str, name: str) -> Mapping[str, Any]:
    """A packaged code list (``mappings/<vendor>/statuses.toml`` table ``name``) with the context's
    ``[codes."<vendor>.<name>"]`` merged over it."""
    return code_list(ctx, f"{vendor}.{name}", f"{vendor}/statuses.toml", name)


def unit(symbol: str, ctx: MappingContext, path: str) -> str:
    """A D365 unit symbol as a Rec 20 code: the context's ``[units]`` first (symbols are per installation),
    then the packaged symbols, then Rec 20 codes and names."""
    return resolve_unit(symbol, ctx, packaged=table("d365/units.toml", "inbound"), path=path)


def unit_out(code: str, source: str | None) -> str:
    """The symbol to write for a Rec 20 unit: the source spelling when the quantity kept one, else the packaged
    symbol, else the code itself (which reads back as the same Rec 20 code)."""
    if source:
        return source
    found = table("d365/units.toml", "outbound").get(code)
    return str(found) if found else code


def quantity(number: Decimal, symbol: str, ctx: MappingContext, path: str,
             unit_path: str | None = None) -> dict[str, Any]:
    """A quantity as plain data; an unknown unit names ``unit_path`` (the unit's own field), else ``path``."""
    code = unit(symbol, ctx, unit_path or path)
    text = symbol.strip()
    return {"value": number, "uom": code, "source_uom": None if text == code else text}


def lookup(ctx: MappingContext, table_name: str, company: str, key: str, path: str, *,
           required: bool = True) -> str | None:
    """Reference data by company: ``[lookups.<table>]`` key ``"<COMPANY>/<key>"`` first, then ``"<key>"``
    (or a resolver that knows either). A required miss is an ``unresolved_reference`` naming the table and
    key to add; a value is never invented."""
    for wanted in (f"{company}/{key}", key):
        found = ctx.lookup_optional(table_name, wanted)
        if isinstance(found, str) and found.strip():
            return found.strip()
    if not required:
        return None
    raise MappingError(
        f"no {table_name} for {key!r} of company {company}: the message does not carry it; add "
        f'"{company}/{key}" = "..." to [lookups.{table_name}] in the context file (or pass a resolver that knows it)',
        code="unresolved_reference", path=path,
    )


def item_unit(ctx: MappingContext, company: str, item: str, path: str) -> str:
    """The inventory unit symbol of an item (``[lookups.item_units]``): quantities D365 sends or expects without
    a unit (production order headers, report as finished) are in the item's inventory unit."""
    found = lookup(ctx, "item_units", company, item, path)
    assert found is not None
    return found


def order_item(ctx: MappingContext, company: str, order: str, path: str) -> str:
    """The item an order produces (``[lookups.order_items]``), for messages that name only the order."""
    found = lookup(ctx, "order_items", company, order, path)
    assert found is not None
    return found


def order_site(ctx: MappingContext, company: str, order: str, path: str, *, required: bool = True) -> str | None:
    """The site of an order (``[lookups.order_sites]``), for messages that name only the order."""
    return lookup(ctx, "order_sites", company, order, path, required=required)


def source(ctx: MappingContext, document_type: str, document_id: str, line: str | None = None,
           revision: str | None = None) -> dict[str, Any]:
    if not ctx.source_system:
        raise MappingError("no source system: set source_system in the mapping context", code="missing_identity")
    return {"system": ctx.source_system, "document_type": document_type, "document_id": document_id,
            "line": line, "revision": revision}


def prop(name: str, value: object, data_type: str = "string") -> dict[str, Any] | None:
    """A ``d365.*`` / ``bc.*`` property as plain data, or None for an empty value."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return {"name": name, "value": "true" if value else "false", "data_type": "boolean"}
    if isinstance(value, date):
        return {"name": name, "value": value.isoformat(), "data_type": "date"}
    return {"name": name, "value": str(value), "data_type": data_type}


def props(*entries: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [entry for entry in entries if entry is not None]


def prop_value(properties: Any, name: str) -> str | None:
    return next((p.value for p in properties if p.name == name), None)


def yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"
