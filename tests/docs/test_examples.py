"""Every code example in the docs and the README runs, and what it prints is what the page shows.

The conventions (written for authors in docs/contributing.md):

- A ```python block runs; the blocks of one page run in order in one namespace, from the repository root.
- A ```text block right after it (blank lines between allowed) is its standard output, compared exactly
  (trailing spaces of each line and trailing blank lines aside).
- An expression statement with a comment on the same line that reads as a Python literal
  (``event.subject  # 'production-order/1710/1000123'``) must equal that literal; the literal may be
  followed by two spaces and a remark (``result.derived  # 0   (no records in)``).
- A block may end in an exception it shows as a comment: ``# mfgcanon.errors.ValidationError: <message>``;
  the exception must be of that class and its message start with the text shown.
- A ```bash block preceded by ``<!-- docs-test: run -->`` (or ``<!-- docs-test: run exit=1 -->``) runs in
  bash in a scratch folder where ``examples/`` and ``schemas/`` are this checkout's and ``mfgcanon`` is this
  checkout's CLI; a ```text block after it is its standard output. Other ```bash blocks are shown, not run.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mfgcanon import errors

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])

_FENCE = re.compile(
    r"^(?P<indent>[ ]{0,3})(?P<fence>`{3,})(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=indent)(?P=fence)[ \t]*$", re.M | re.S)
_RUN_MARK = re.compile(r"<!--\s*docs-test:\s*run(?:\s+exit=(?P<exit>\d+))?\s*-->\s*$")
_RAISES = re.compile(r"#\s*(?P<cls>[A-Za-z_][\w.]*(?:Error|Exception)):\s*(?P<message>.+?)\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    source: str
    expected: str | None  # the text block that follows, if any
    run_marker: re.Match[str] | None


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, each python/bash block paired with the text block right after it."""
    text = page.read_text(encoding="utf-8")
    found = list(_FENCE.finditer(text))
    out: list[Block] = []
    for index, match in enumerate(found):
        language = match["info"].strip().split(" ")[0].lower()
        if language not in ("python", "py", "bash"):
            continue
        expected = None
        if index + 1 < len(found):
            nxt = found[index + 1]
            if nxt["info"].strip().lower() == "text" and not text[match.end():nxt.start()].strip():
                expected = nxt["body"]
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        out.append(Block(page, text.count("\n", 0, match.start()) + 2, language, match["body"], expected,
                         _RUN_MARK.search(before)))
    return out


def _same(actual: str, expected: str) -> bool:
    def norm(value: str) -> list[str]:
        lines = [line.rstrip() for line in value.splitlines()]
        while lines and not lines[-1]:
            lines.pop()
        return lines
    return norm(actual) == norm(expected)


def _literal_comments(source: str) -> dict[int, str]:
    """Line number -> the literal a same-line comment shows, for comments that are Python literals."""
    shown: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        text = token.string[1:].strip()
        # the whole comment, else what comes before two spaces: `# []   (each a Reject...)` shows []
        for candidate in dict.fromkeys((text, text.split("  ", 1)[0])):
            with contextlib.suppress(ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                ast.literal_eval(candidate)
                shown[token.start[0]] = candidate
                break
    return shown


def _check_shown(value: object, literal: str, where: str) -> None:
    shown = ast.literal_eval(literal)
    assert value == shown, f"{where}: the page shows {shown!r}, the code gives {value!r}"


def _instrument(source: str, where: str) -> ast.Module:
    """The block's module, each expression statement with a literal comment turned into a check."""
    tree = ast.parse(source, filename=where)
    shown = _literal_comments(source)
    body: list[ast.stmt] = []
    for stmt in tree.body:
        end = stmt.end_lineno or stmt.lineno
        if isinstance(stmt, ast.Expr) and end in shown:
            call = ast.Call(func=ast.Name("__docs_check__", ast.Load()),
                            args=[stmt.value, ast.Constant(shown[end]), ast.Constant(f"{where}, line {end}")],
                            keywords=[])
            stmt = ast.Expr(call)
        body.append(stmt)
    module = ast.Module(body=body, type_ignores=[])
    return ast.fix_missing_locations(module)


def run_python(block: Block, namespace: dict[str, Any]) -> None:
    where = f"{block.page.relative_to(ROOT)}:{block.line}"
    code = compile(_instrument(block.source, where), where, "exec")
    namespace["__docs_check__"] = _check_shown
    raises = [m for line in block.source.splitlines() if (m := _RAISES.search(line))]
    stdout = io.StringIO()
    cwd = Path.cwd()
    os.chdir(ROOT)
    # an example may register a plugin error code: the registry is process-wide, and what the generated
    # errors page lists must not depend on which examples ran before it in the same worker
    registered = (dict(errors._registered), dict(errors._registered_fix))
    try:
        with contextlib.redirect_stdout(stdout):
            exec(code, namespace)
    except Exception as exc:
        name = f"{type(exc).__module__}.{type(exc).__qualname__}"
        matching = [m for m in raises if m["cls"] in (name, type(exc).__qualname__)]
        if not matching or not str(exc).startswith(matching[-1]["message"]):
            raise AssertionError(f"{where}: the example raised {name}: {exc}") from exc
    else:
        assert not raises, f"{where}: the page shows {raises[-1]['cls']}, the example raised nothing"
    finally:
        os.chdir(cwd)
        for live, saved in zip((errors._registered, errors._registered_fix), registered, strict=True):
            live.clear()
            live.update(saved)
    if block.expected is not None:
        assert _same(stdout.getvalue(), block.expected), (
            f"{where}: printed output differs from the page\n--- printed\n{stdout.getvalue()}"
            f"--- page\n{block.expected}")


def run_bash(block: Block, scratch: Path) -> None:
    where = f"{block.page.relative_to(ROOT)}:{block.line}"
    assert block.run_marker is not None
    for shared in ("examples", "schemas"):
        (scratch / shared).symlink_to(ROOT / shared, target_is_directory=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "NO_COLOR": "1", "COLUMNS": "120"}
    prelude = f'mfgcanon() {{ "{sys.executable}" -m mfgcanon "$@"; }}\nset -o pipefail\n'
    completed = subprocess.run(["bash", "-c", prelude + block.source], cwd=scratch, env=env, capture_output=True,
                               text=True, timeout=60, check=False)
    wanted = int(block.run_marker["exit"] or 0)
    assert completed.returncode == wanted, (
        f"{where}: exit {completed.returncode}, the page says {wanted}\n{completed.stdout}\n{completed.stderr}")
    if block.expected is not None:
        assert _same(completed.stdout, block.expected), (
            f"{where}: printed output differs from the page\n--- printed\n{completed.stdout}"
            f"--- page\n{block.expected}")


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)], ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run_and_print_what_the_page_shows(page: Path, tmp_path: Path) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    ran = 0
    for number, block in enumerate(blocks(page)):
        if block.language == "bash":
            if block.run_marker is None:
                continue
            scratch = tmp_path / f"block{number}"
            scratch.mkdir()
            run_bash(block, scratch)
        else:
            run_python(block, namespace)
        ran += 1
    if ran == 0:
        pytest.skip("no runnable example on this page")


# The harness itself: each convention fails when the page and the code disagree.

def _page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return page


def _run(page: Path) -> None:
    namespace: dict[str, Any] = {}
    for block in blocks(page):
        run_python(block, namespace)


@pytest.fixture
def root_as_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    return tmp_path


def test_printed_output_is_compared(root_as_tmp: Path) -> None:
    ok = _page(root_as_tmp, "```python\nprint(1 + 1)\n```\n\n```text\n2\n```\n")
    _run(ok)
    bad = _page(root_as_tmp, "```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n")
    with pytest.raises(AssertionError, match="printed output differs"):
        _run(bad)


def test_literal_comments_are_checked(root_as_tmp: Path) -> None:
    _run(_page(root_as_tmp, "```python\nx = 2\nx * 3   # 6\nx  # a comment, not a literal\nx  # 2   (a remark)\n```\n"))
    with pytest.raises(AssertionError, match="shows 7"):
        _run(_page(root_as_tmp, "```python\nx = 2\nx * 3   # 7\n```\n"))


def test_a_shown_exception_must_be_raised(root_as_tmp: Path) -> None:
    _run(_page(root_as_tmp, "```python\nint('x')\n# builtins.ValueError: invalid literal for int()\n```\n"))
    with pytest.raises(AssertionError, match="raised nothing"):
        _run(_page(root_as_tmp, "```python\nint('1')\n# ValueError: invalid literal\n```\n"))
    with pytest.raises(AssertionError, match="the example raised"):
        _run(_page(root_as_tmp, "```python\nint('x')\n```\n"))


def test_blocks_of_a_page_share_one_namespace(root_as_tmp: Path) -> None:
    _run(_page(root_as_tmp, "```python\nx = 5\n```\n\nthen\n\n```python\nprint(x)\n```\n```text\n5\n```\n"))


def test_only_marked_bash_blocks_run(tmp_path: Path) -> None:
    page = _page(tmp_path, "```bash\nfalse\n```\n\n<!-- docs-test: run exit=1 -->\n```bash\necho hi; false\n```\n"
                           "```text\nhi\n```\n")
    shown, marked = blocks(page)
    assert shown.run_marker is None
    assert marked.run_marker is not None
    assert marked.run_marker["exit"] == "1"
    assert marked.expected == "hi\n"
