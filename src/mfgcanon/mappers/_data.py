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
