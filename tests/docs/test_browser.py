"""The built site in a real browser: Debian's headless Chromium, driven by Playwright (never `playwright install`).

The home page and an entity page render their tables, the search box finds an entity and an event, and a
screenshot of the entity page is written to the test's folder (and copied to ``MFGCANON_TEST_ARTIFACTS`` when
that names a folder). Without Chromium or Playwright the test is skipped with the reason, and fails under CI.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import need

# Debian's package puts it at /usr/bin/chromium; MFGCANON_CHROMIUM names another build of Chromium
CHROMIUM = Path(os.environ.get("MFGCANON_CHROMIUM") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium") or "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-proxy-server"]  # the site is on 127.0.0.1: never through a proxy from the environment
TIMEOUT_MS = 30_000
SEARCH_TIMEOUT_S = 60


@pytest.fixture(scope="session")  # session, like served_site: a missing browser skips before the build
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Chromium context with a fresh profile folder."""
    need("Chromium", CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK),
         f"{CHROMIUM} not found: install Debian's 'chromium' package (python3 scripts/dev.py test does, as root)")
    need("Playwright", importlib.util.find_spec("playwright") is not None, "pip install -e '.[dev]'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=FLAGS, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def _visible_tables(page: Any) -> list[Any]:
    tables = page.locator("article table")
    return [tables.nth(i) for i in range(tables.count()) if tables.nth(i).is_visible()]


def test_home_page_renders_its_tables(browser: Any, served_site: str) -> None:
    page = browser.new_page()
    page.goto(served_site)
    assert "mfgcanon" in page.title()
    tables = _visible_tables(page)
    assert len(tables) >= 2
    assert tables[0].locator("tbody tr").count() >= 4
    assert page.locator("nav.md-tabs").is_visible()  # the section tabs of the theme


def _entity_page_url(page: Any, served_site: str) -> str:
    """The production order's page, found through the entity index (whatever the generator names it)."""
    page.goto(urllib.parse.urljoin(served_site, "reference/entities/"))
    links = page.locator("article a[href]")
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    candidates = [href for href in hrefs if "production" in href and "order" in href and "#" not in href]
    assert candidates, f"no production order page linked from the entity index: {hrefs}"
    return urllib.parse.urljoin(page.url, candidates[0])


def test_entity_page_renders_its_field_table_and_a_screenshot_is_kept(
        browser: Any, served_site: str, tmp_path: Path) -> None:
    page = browser.new_page()
    page.goto(_entity_page_url(page, served_site))
    tables = _visible_tables(page)
    assert tables, "the entity page shows no table"
    rows = tables[0].locator("tbody tr")
    assert rows.count() >= 5
    assert "order_id" in tables[0].inner_text()
    shot = tmp_path / "entity-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 10_000
    artifacts = os.environ.get("MFGCANON_TEST_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(artifacts) / shot.name)


@pytest.mark.parametrize("term", ["ProductionConfirmation", "hold_placed"])
def test_search_box_finds_entities_and_events(browser: Any, served_site: str, term: str) -> None:
    page = browser.new_page()
    page.goto(served_site)
    box = page.locator("input.md-search__input")
    box.click()  # the header's search box (at desktop width the input itself is shown)
    box.press_sequentially(term)  # key by key: the theme searches on keyup, not on a programmatic fill
    results = page.locator(".md-search-result__item")
    # The search worker builds its index after the page loads (slow on a loaded machine): until it is ready
    # a query shows nothing, so the last key is pressed again until results come or the time is up.
    deadline = time.monotonic() + SEARCH_TIMEOUT_S
    while not results.first.is_visible() and time.monotonic() < deadline:
        box.press("End")
        page.wait_for_timeout(250)
    assert results.count() >= 1, f"no search result for {term!r} within {SEARCH_TIMEOUT_S} s"
    assert term.lower() in page.locator(".md-search-result").inner_text().lower()
