"""Test helpers for users of mfgcanon (extra ``[testing]``: hypothesis).

``mfgcanon.testing.strategies`` generates valid canonical values for property-based tests of mappers
and consumers. Nothing in ``import mfgcanon`` imports this package, so hypothesis stays optional.
"""

from __future__ import annotations

from mfgcanon.testing import strategies

__all__ = ["strategies"]
