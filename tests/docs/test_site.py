"""The documentation site builds with `mkdocs build --strict`, has every page of its nav, finds every entity and
event in its search index, and has no broken link (every page crawled over HTTP, anchors included)."""

from __future__ import annotations

import html.parser
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from mfgcanon.v1 import ENTITY_TYPES, EVENT_TYPES

from .conftest import ROOT, Build


def _nav_files() -> list[str]:
    """The pages named in mkdocs.yml's nav (read as text: the file uses mkdocs' own YAML tags)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text[text.index("\nnav:"):]
    return re.findall(r"^\s+- (?:[^\n:]+: )?\"?([\w./-]+\.(?:md|ipynb))\"?\s*$", nav, re.M)


def _built_path(site: Path, page: str) -> Path:
    stem = page.rsplit(".", 1)[0]
    if stem == "index" or stem.endswith("/index"):
        return site / stem.removesuffix("index") / "index.html"
    return site / stem / "index.html"


def test_site_builds_in_strict_mode_without_warnings(built_site: Build) -> None:
    assert (built_site.site / "index.html").is_file()
    assert "WARNING" not in built_site.log, built_site.log


def test_every_page_of_the_nav_is_built(built_site: Build) -> None:
    pages = _nav_files()
    assert "index.md" in pages
    assert "plant-teams/index.md" in pages
    assert len(pages) > 40
    missing = [page for page in pages if not _built_path(built_site.site, page).is_file()]
    assert not missing


def test_get_started_shows_the_readme_commands() -> None:
    readme = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("python3 scripts/")]
    page = (ROOT / "docs" / "get-started" / "two-commands.md").read_text()
    assert len(readme) == 2
    for line in readme:
        assert line in page, line


def test_changelog_page_includes_the_changelog(built_site: Build) -> None:
    first_entry = next(line for line in (ROOT / "CHANGELOG.md").read_text().splitlines() if line.startswith("## "))
    built = (built_site.site / "changelog" / "index.html").read_text(encoding="utf-8")
    assert first_entry.removeprefix("## ").split(" ")[0].strip("[]") in built


def test_search_index_has_every_entity_and_event_name(built_site: Build) -> None:
    index = json.loads((built_site.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = "\n".join(f"{doc['title']}\n{doc['text']}" for doc in index["docs"]).lower()
    missing = [cls.__name__ for cls in ENTITY_TYPES
               if cls.__name__.lower() not in text and cls.__struct_config__.tag not in text]
    missing += [cls.NAME for cls in EVENT_TYPES if cls.NAME not in text and cls.event_type() not in text]
    assert not missing


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("id", "name"):
            if values.get(key) and (key == "id" or tag == "a"):
                self.ids.add(str(values[key]))
        if tag == "a" and values.get("href") is not None:
            self.hrefs.append(str(values["href"]))


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 never through a proxy


def _fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with _DIRECT.open(url, timeout=10) as response:
            return response.status, response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, b"", ""


def test_no_page_has_a_broken_link(built_site: Build, served_site: str) -> None:
    """Every built page is fetched over HTTP; each internal link must resolve, and its anchor must exist."""
    pages = sorted(built_site.site.rglob("*.html"))
    assert len(pages) > 40
    parsed: dict[str, _Page | None] = {}  # url without fragment -> its parse (None: not HTML or not found)
    statuses: dict[str, int] = {}

    def load(url: str) -> _Page | None:
        if url not in parsed:
            status, body, content_type = _fetch(url)
            statuses[url] = status
            page = None
            if status == 200 and content_type == "text/html":
                page = _Page()
                page.feed(body.decode("utf-8"))
            parsed[url] = page
        return parsed[url]

    broken: list[str] = []
    for path in pages:
        url = served_site + path.relative_to(built_site.site).as_posix()
        page = load(url)
        assert page is not None, f"{url}: {statuses[url]}"
        for href in page.hrefs:
            target = urllib.parse.urljoin(url, href)
            if not target.startswith(served_site):
                continue  # another site (a vendor's documentation, the repository)
            target_url, _, fragment = target.partition("#")
            target_page = load(target_url)
            if statuses[target_url] != 200:
                broken.append(f"{path.relative_to(built_site.site)}: {href} ({statuses[target_url]})")
            elif fragment and target_page is not None and urllib.parse.unquote(fragment) not in target_page.ids:
                broken.append(f"{path.relative_to(built_site.site)}: {href} (no anchor #{fragment})")
    assert not broken, "\n".join(broken)
