"""Schema-registry naming: subject names (Confluent's three strategies) and Avro record names.

Pure functions: nothing here talks to a registry. The strategies follow the Confluent serializers:

* ``topic`` (TopicNameStrategy, the default): ``<topic>-value`` / ``<topic>-key``; one schema per
  topic, so a topic carries one record type (or a union).
* ``record`` (RecordNameStrategy): ``<record full name>``; a record type evolves once, across topics.
* ``topic_record`` (TopicRecordNameStrategy): ``<topic>-<record full name>``; many types per topic,
  each evolving per topic. The natural choice for a mixed stream of mfgcanon events.
"""

from __future__ import annotations

from typing import Any, Literal

from mfgcanon.errors import MfgcanonError
from mfgcanon.schema.avro import full_name

Strategy = Literal["topic", "record", "topic_record"]
STRATEGIES: tuple[Strategy, ...] = ("topic", "record", "topic_record")
_ALIASES: dict[str, Strategy] = {
    "topic": "topic", "topicnamestrategy": "topic",
    "record": "record", "recordnamestrategy": "record",
    "topic_record": "topic_record", "topicrecordnamestrategy": "topic_record",
}


def subject_name(strategy: str, topic: str | None, record_fqn: str | None, is_key: bool = False) -> str:
    """The registry subject for a message, after the named strategy.

    ``strategy`` is ``topic``, ``record`` or ``topic_record`` (the Confluent class names, such as
    ``TopicRecordNameStrategy``, are accepted too). ``is_key`` only matters for the topic strategy,
    as in the Confluent serializers.
    """
    chosen = _ALIASES.get(strategy.replace("-", "_").lower())
    if chosen is None:
        raise MfgcanonError(f"unknown subject name strategy {strategy!r}; expected one of {', '.join(STRATEGIES)}",
                            code="invalid_value")
    if chosen in ("topic", "topic_record") and not topic:
        raise MfgcanonError(f"the {chosen} strategy needs a topic", code="missing_field")
    if chosen in ("record", "topic_record") and not record_fqn:
        raise MfgcanonError(f"the {chosen} strategy needs a record full name", code="missing_field")
    if chosen == "topic":
        return f"{topic}-{'key' if is_key else 'value'}"
    if chosen == "record":
        return str(record_fqn)
    return f"{topic}-{record_fqn}"


def record_name(entity_or_event_type: type[Any]) -> str:
    """The Avro full name of an entity or event class: ``mfgcanon.v1.ProductionConfirmation``."""
    if not isinstance(entity_or_event_type, type):
        raise MfgcanonError(f"expected a class, got {type(entity_or_event_type).__name__}", code="invalid_value")
    return full_name(entity_or_event_type)
