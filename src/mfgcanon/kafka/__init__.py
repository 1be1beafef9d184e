"""Canonical events on Kafka (the ``kafka`` extra, built on ``confluent-kafka``)."""
