"""`scripts/dev.py test` installs Debian's chromium for the browser test when it is missing, only as root with
apt-get, and never fails the run because of it."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def dev(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    module = _dev()
    module.calls = []

    def fake_run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        module.calls.append(args)
        return subprocess.CompletedProcess(args, module.returncode)

    module.returncode = 0
    monkeypatch.setattr(module, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(module.subprocess, "run", fake_run)
    return module


def _which(found: dict[str, str | None]) -> Any:
    return lambda name: found.get(name)


def test_installs_chromium_as_root_with_apt_get(dev: Any, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(dev.shutil, "which", _which({"apt-get": "/usr/bin/apt-get"}))
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    dev.ensure_chromium()
    assert dev.calls == [["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]]
    assert "+ apt-get install -y chromium" in capsys.readouterr().err


def test_a_failed_update_stops_without_failing_the_run(dev: Any, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(dev.shutil, "which", _which({"apt-get": "/usr/bin/apt-get"}))
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    dev.returncode = 100
    dev.ensure_chromium()
    assert dev.calls == [["apt-get", "update"]]
    assert "will be skipped" in capsys.readouterr().err


def test_not_root_installs_nothing_and_says_so(dev: Any, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(dev.shutil, "which", _which({"apt-get": "/usr/bin/apt-get"}))
    monkeypatch.setattr(dev.os, "geteuid", lambda: 1000)
    dev.ensure_chromium()
    assert dev.calls == []
    assert "not root" in capsys.readouterr().err


def test_nothing_to_do_when_chromium_is_there(dev: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dev.shutil, "which", _which({"chromium": "/usr/local/bin/chromium",
                                                      "apt-get": "/usr/bin/apt-get"}))
    monkeypatch.setattr(dev.os, "geteuid", lambda: 0)
    dev.ensure_chromium()
    assert dev.calls == []


def test_the_test_job_ensures_chromium_first() -> None:
    source = (ROOT / "scripts" / "dev.py").read_text()
    body = source[source.index("def test() -> None:"):]
    assert body.index("ensure_chromium()") < body.index('"ruff"')
