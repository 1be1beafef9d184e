"""Example counts of the fuzz suites, and the long run behind ``MFGCANON_FUZZ_EXAMPLES``.

The fuzz tests (tests/model/test_fuzz.py, tests/schemas/test_avro_fuzz.py, tests/compat/test_fuzz.py) run
a bounded number of examples in the normal suite. ``MFGCANON_FUZZ_EXAMPLES=10000 pytest -k fuzz`` runs
that many examples per target instead (docs/security.md keeps the figures of the last long run).
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

LONG_RUN = int(os.environ.get("MFGCANON_FUZZ_EXAMPLES") or 0)
"""Examples per fuzz target for the long run; 0 (unset) for the normal, bounded suite."""
IS_CI = bool(os.environ.get("CI"))


def fuzz(*, dev: int, ci: int | None = None, split: int = 1) -> Any:
    """Settings for one fuzz target: ``dev`` examples locally, ``ci`` in CI, the long run's count if set.

    ``split``: a target spread over that many parametrised cases (one per model type) shares the long
    run's count among them, so the target as a whole still gets ``MFGCANON_FUZZ_EXAMPLES`` examples.
    """
    long_run = -(-LONG_RUN // split) if LONG_RUN else 0
    count = long_run or (ci if IS_CI and ci is not None else dev)
    return settings(max_examples=count, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
