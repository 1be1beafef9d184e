"""Every error code is documented, and the docs name no code that does not exist.

The page is generated from :data:`mfgcanon.errors.CODE_DOCS` (``python -m codegen``); these tests check the
registry's text and the generated sections.
"""

from __future__ import annotations

import re
from pathlib import Path

from mfgcanon.errors import CODE_DOCS, ERROR_CODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "reference" / "errors.md"
HEADING = re.compile(r"^## (?P<title>[a-z_]+)\s*$", re.MULTILINE)


def _sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    matches = list(HEADING.finditer(text))
    sections = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        sections[match["title"]] = text[match.end(): following.start() if following else len(text)]
    return sections


def test_every_code_has_a_section_and_vice_versa() -> None:
    sections = _sections()
    assert sorted(sections) == sorted(ERROR_CODES)
    assert len(ERROR_CODES) == len(set(ERROR_CODES))


def test_every_section_explains_gives_an_example_and_a_remedy() -> None:
    for code, body in _sections().items():
        assert "Example" in body, code
        assert "What to do" in body, code
        assert len(body.split()) >= 30, code


def test_the_registry_explains_every_code() -> None:
    assert sorted(CODE_DOCS) == sorted(ERROR_CODES)
    for code, docs in CODE_DOCS.items():
        assert all(docs), code
        assert docs.fix[0].isupper(), code
