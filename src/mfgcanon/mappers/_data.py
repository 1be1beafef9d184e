"""Loader for the declarative mapping data (code lists and field maps) in ``mappings/``.

The data ships inside the wheel as ``mfgcanon/_mappings`` (hatch force-include); in an editable or
source checkout it is the repository's top-level ``mappings/`` folder. Files are parsed once and cached.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from mfgcanon.errors import MappingError

_PACKAGED = "_mappings"


@functools.cache
def mappings_root() -> Path:
    """The folder holding the mapping data: the packaged copy first, then the source checkout's."""
    try:
        packaged = resources.files("mfgcanon").joinpath(_PACKAGED)
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - defensive: broken installation
        pass
    checkout = Path(__file__).resolve().parents[3] / "mappings"
    if checkout.is_dir():
        return checkout
    raise MappingError(
        "mapping data not found: neither mfgcanon/_mappings (installed wheel) nor the "
        "repository's mappings/ folder exists",
        code="mapping_failed",
    )


@functools.cache
def load(relative: str) -> dict[str, Any]:
    """One TOML file under the mappings root, e.g. ``load("sap/units.toml")``."""
    path = mappings_root() / relative
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise MappingError(
            f"mapping file {relative} not found under {mappings_root()}", code="mapping_failed"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"mapping file {relative} is not valid TOML: {exc}", code="mapping_failed") from None


def table(relative: str, *keys: str) -> dict[str, Any]:
    """A nested table of a mapping file (``table("sap/units.toml", "outbound", "internal")``)."""
    data: Any = load(relative)
    for key in keys:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    return data if isinstance(data, dict) else {}


FIELD_MAPS = {
    ("sap-idoc", "LOIPRO"): "sap/idoc_loipro_fields.toml",
    ("sap-idoc", "MBGMCR"): "sap/idoc_mbgmcr_fields.toml",
    ("sap-odata", "A_ProductionOrder_2"): "sap/odata_production_order_fields.toml",
}
"""Which field map describes which (mapper, message): the files are listed in mappings/README.md."""

TRANSFORMS = frozenset(
    {
        "copy",  # the stripped text, verbatim
        "alpha_in",  # ALPHA conversion: leading zeros of an all-digit key dropped
        "material",  # MATNR_LONG, else MATNR, then ALPHA
        "quantity",  # SAP number + the `unit` field -> Quantity (Rec 20 unit, source spelling kept)
        "date",  # YYYYMMDD -> date
        "local_instant",  # YYYYMMDD + the `time` field (HHMMSS), plant-local -> UTC instant
        "odata_date",  # /Date(ms)/ -> date
        "odata_local_instant",  # /Date(ms)/ + the `time` field (PT..H..M..S), plant-local -> UTC instant
        "flag",  # SAP "X" / OData boolean -> bool
        "order_status",  # status codes -> OrderStatus (sap/statuses.toml)
        "operation_status",  # status codes -> OperationStatus
        "movement_type",  # BWART -> MovementType (sap/movement_types.toml)
    }
)
"""The transform names a field map may use (each one a reader of the mappers)."""


@functools.cache
def field_map(relative: str) -> tuple[dict[str, str], ...]:
    """The ``[[fields]]`` entries of a field map file (``canonical``, ``source``, ``transform``...)."""
    entries = load(relative).get("fields", [])
    return tuple({str(k): str(v) for k, v in entry.items()} for entry in entries)


@functools.cache
def canonical_for(mapper: str, segment: str, source_field: str) -> str | None:
    """The canonical path a source field feeds, from the mapper's field maps (for error messages and docs).

    ``canonical_for("sap-idoc", "E1AFKOL", "GAMNG")`` -> ``"ProductionOrder.planned_quantity"``.
    """
    wanted = f"{segment}/{source_field}" if segment else source_field
    for (owner, _message), relative in FIELD_MAPS.items():
        if owner != mapper:
            continue
        entity = str(load(relative).get("entity", ""))
        for entry in field_map(relative):
            sources = (entry["source"], entry.get("unit", ""), entry.get("time", ""))
            if any(source == wanted or source.endswith("/" + wanted) for source in sources):
                return f"{entity}.{entry['canonical']}"
    return None
