"""The shared fixtures themselves: a produced record comes back from the loopback broker unchanged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_produce_then_consume_round_trips_key_value_and_headers(
        new_topic: Callable[..., str], produce: Callable[..., None], consume: Callable[..., list[Any]]) -> None:
    topic = new_topic(partitions=2)
    produce(topic, [(b"k1", b"v1", [("h", b"x")]), (b"k2", b"v2", None)])
    got = sorted((m.key(), m.value(), m.headers()) for m in consume(topic, 2))
    assert got == [(b"k1", b"v1", [("h", b"x")]), (b"k2", b"v2", None)]
