"""Where a JSON pointer lands in a schema file: a small position-keeping JSON scanner.

msgspec decodes fast but forgets positions. Findings are rare, so positions are worked out only for a
file that has one: a single regex pass records the offset of every value (for an object member, of its
key, which is where an editor should put the cursor), and a pointer is then walked through the decoded
document, following local ``$ref``s, to the deepest node that exists on that side.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from typing import Any, Final

__all__ = ["PositionIndex", "escape", "join", "split", "walk"]

# a member key (string then colon), an opening bracket, a closing one, a comma, or any other value
_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_TOKEN: Final = re.compile(
    r'"([^"\\]*(?:\\.[^"\\]*)*)"\s*:|(\{)|(\[)|([}\]])|(,)|"[^"\\]*(?:\\.[^"\\]*)*"|[^\s{}\[\],:"]+'
)


def escape(token: str) -> str:
    """One RFC 6901 reference token."""
    return token.replace("~", "~0").replace("/", "~1")


def join(tokens: list[str]) -> str:
    """A JSON pointer from unescaped tokens (``""`` for the whole document)."""
    return "".join("/" + escape(t) for t in tokens)


def split(pointer: str) -> list[str]:
    """Unescaped tokens of a pointer; accepts ``#/a/b`` (Confluent's form), ``/a/b`` and ``/``."""
    body = pointer[1:] if pointer.startswith("#") else pointer
    if body in ("", "/"):
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in body.lstrip("/").split("/")]


class PositionIndex:
    """Pointer -> (line, column), both 1-based, for one JSON text (columns count characters).

    The first few look-ups walk the text straight to the node, skipping other values with the json
    module's C scanner; a file asked about more often is indexed once with :func:`_scan`.
    """

    __slots__ = ("_asked", "_offsets", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._offsets: dict[str, int] | None = None
        self._asked = 0

    def position(self, pointer: str) -> tuple[int, int] | None:
        """Where the node at ``pointer`` starts, or ``None`` when the text has no such node."""
        self._asked += 1
        if self._offsets is None and self._asked > _DIRECT_LOOKUPS:
            self._offsets = _scan(self._text)
        offset = self._offsets.get(pointer) if self._offsets is not None else _seek(self._text, split(pointer))
        if offset is None:
            return None
        text = self._text
        return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


_DIRECT_LOOKUPS: Final = 4
# the json module's C scanner (parses, and so skips, one value) and its string reader; both are public
# attributes in CPython's json, untyped in typeshed
_scan_once: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]


def _ws(text: str, at: int) -> int:
    if at >= len(text) or text[at] not in " \t\n\r":
        return at
    return _WHITESPACE.match(text, at).end()  # type: ignore[union-attr]  # "*" always matches


def _seek(text: str, tokens: list[str]) -> int | None:
    """Offset of the node at ``tokens`` (a member's key, an item's value), walking only the way there."""
    try:
        at = _ws(text, 0)
        last = len(tokens) - 1
        for step, token in enumerate(tokens):
            opener = text[at]
            if opener == "{":
                at = _ws(text, at + 1)
                while True:
                    if text[at] != '"':
                        return None
                    key, end = _scanstring(text, at + 1)
                    key_at = at
                    at = _ws(text, end)
                    if text[at] != ":":
                        return None
                    at = _ws(text, at + 1)
                    if key == token:
                        break
                    at = _ws(text, _scan_once(text, at)[1])
                    if text[at] != ",":
                        return None
                    at = _ws(text, at + 1)
                if step == last:
                    return key_at
            elif opener == "[" and token.isdigit():
                at = _ws(text, at + 1)
                for _ in range(int(token)):
                    at = _ws(text, _scan_once(text, at)[1])
                    if text[at] != ",":
                        return None
                    at = _ws(text, at + 1)
                if text[at] == "]":
                    return None
            else:
                return None
        return at
    except (StopIteration, IndexError, ValueError):
        return None


def _scan(text: str) -> dict[str, int]:
    """Offset of every value (or member key) by pointer; tolerant, since the text was decoded already."""
    offsets: dict[str, int] = {}
    # per open container: its pointer, and for an array the index of the current item (-1 for objects)
    pointers: list[str] = []
    indexes: list[int] = []
    pending = ""  # pointer the next value gets
    for match in _TOKEN.finditer(text):
        kind = match.lastindex  # 1 key, 2 "{", 3 "[", 4 closer, 5 comma, None another value
        if kind is None:
            offsets.setdefault(pending, match.start())
        elif kind == 5:
            if indexes and indexes[-1] >= 0:
                indexes[-1] += 1
                pending = f"{pointers[-1]}/{indexes[-1]}"
        elif kind == 1:
            key = match.group(1)
            if "\\" in key:
                with contextlib.suppress(ValueError):
                    key = json.loads(f'"{key}"')
            if "~" in key or "/" in key:
                key = escape(key)
            pending = f"{pointers[-1]}/{key}" if pointers else f"/{key}"
            offsets.setdefault(pending, match.start())
        elif kind == 4:
            if pointers:
                pointers.pop()
                indexes.pop()
        else:
            offsets.setdefault(pending, match.start())
            pointers.append(pending)
            if kind == 2:
                indexes.append(-1)
            else:
                indexes.append(0)
                pending = f"{pending}/0"
    return offsets


def _resolve_ref(root: Any, node: Any) -> tuple[Any, list[str]] | None:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    target = root
    tokens = split(ref)
    for token in tokens:
        if isinstance(target, dict) and token in target:
            target = target[token]
        elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
            target = target[int(token)]
        else:
            return None
    return target, tokens


def walk(root: Any, pointer: str) -> str:
    """The pointer of the deepest node of ``root`` on ``pointer``'s way, following local ``$ref``s.

    Confluent's JSON Schema paths run through ``$ref``s as if the referenced schema were inline; the
    document has the ``$ref`` there, so the walk jumps to its target, as an editor's "go to" would.
    """
    node = root
    where: list[str] = []
    for token in split(pointer):
        for _ in range(32):  # a chain of $refs, bounded against cycles
            if isinstance(node, dict) and token in node:
                break
            resolved = _resolve_ref(root, node)
            if resolved is None:
                break
            node, where = resolved[0], list(resolved[1])
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            break
        where.append(token)
    return join(where)
