"""Generated pydantic v2 models of the canonical model (extra ``[pydantic]``).

``import mfgcanon.pydantic.v1`` is the only way in: ``import mfgcanon`` never imports pydantic.
"""

from __future__ import annotations

try:
    import pydantic as _pydantic
except ImportError as exc:  # pragma: no cover - exercised only without the extra installed
    raise ImportError("mfgcanon.pydantic needs the [pydantic] extra: pip install 'mfgcanon[pydantic]'") from exc

del _pydantic
