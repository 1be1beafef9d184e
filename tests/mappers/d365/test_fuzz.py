"""Mutated Microsoft samples (values swapped for others of any type, keys dropped, lines repeated), parsed and as
text: the mappers never raise, every result balances, and every reject and event can be written."""

from __future__ import annotations

import json
import random

from hypothesis import given
from hypothesis import strategies as st

from mfgcanon.mappers import get

from ..test_fuzz import _mutate_json, budget, check
from ._support import BC, CTX, D365

SAMPLES = [(name, path) for path in sorted(D365.glob("*.json")) + sorted(BC.glob("*.json"))
           for name in [next(n for n in ("d365-mes", "d365-odata", "bc") if get(n).sniff(path.read_bytes()))]]


@budget(120)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), index=st.integers(min_value=0, max_value=len(SAMPLES) - 1))
def test_mutated_microsoft_samples(seed: int, index: int) -> None:
    rng = random.Random(seed)
    name, path = SAMPLES[index]
    original = json.loads(path.read_bytes())
    if isinstance(original.get("_messageContent"), str):  # a MES envelope: mutate its content, then embed it again
        content = _mutate_json(json.loads(original["_messageContent"]), rng)
        original["_messageContent"] = json.dumps(content, ensure_ascii=rng.random() < 0.5)
    data = _mutate_json(original, rng)
    mapper = get(name)
    for payload in (data, json.dumps(data, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")):
        assert mapper.sniff(payload) in (True, False)
        check(mapper.to_canonical(payload, CTX))
