"""The package's public surface: every name resolves to its module's object, and importing it is cheap."""

from __future__ import annotations

import importlib
import subprocess
import sys

import mfgcanon.kafka as kafka


def test_every_public_name_is_its_modules_object() -> None:
    assert kafka.__all__ == sorted(kafka.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    for name in kafka.__all__:
        home = importlib.import_module(f"mfgcanon.kafka.{kafka._HOME[name]}")
        assert getattr(kafka, name) is getattr(home, name), name
        assert name in home.__all__, name
    assert set(kafka.__all__) == set(kafka._HOME)


def test_the_main_names_of_every_module_are_exported() -> None:
    left_out = {"HEADERS", "Deserializer", "UNKNOWN_TYPE", "replay"}  # module-level detail, or the module's name
    for module in kafka._MODULES:
        names = set(importlib.import_module(f"mfgcanon.kafka.{module}").__all__)
        assert names - set(kafka.__all__) <= left_out, module


def test_replay_is_the_module_and_submodules_import() -> None:
    from mfgcanon.kafka import replay, serde

    assert replay.__name__ == "mfgcanon.kafka.replay"
    assert callable(replay.replay)
    assert serde.JsonSerializer is kafka.JsonSerializer


def test_importing_the_package_imports_neither_confluent_kafka_nor_a_module() -> None:
    code = ("import sys, mfgcanon.kafka as k; "
            "print(sorted(m for m in sys.modules if m.startswith(('confluent_kafka', 'mfgcanon.kafka.')))); "
            "k.EventMetrics; print('confluent_kafka' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "False"]
