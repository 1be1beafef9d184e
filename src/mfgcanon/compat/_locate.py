"""Names and document pointers for findings: ``Material.is_lot_managed`` rather than ``/fields/10/type``.

An Avro location (Apache Avro's form) runs through the *reading* schema, and its union indexes are the
*writer's* branches; named types are defined once and referenced by name elsewhere. To say where a
finding is in both files, the location is replayed on both parsed schemas side by side: fields are
matched by name (or reader alias) on the writing side, references jump to the type's definition, and
each side stops at the deepest node it has. Run only for findings, never on the compatible path.
"""

from __future__ import annotations

from typing import Any

from mfgcanon.compat._avro import AvroField, AvroSchema
from mfgcanon.compat._positions import join, split

__all__ = ["avro_trace", "json_name"]

_ATTRIBUTES = frozenset({"name", "size", "symbols", "scale", "precision"})


def _dict_index(root: Any) -> dict[int, list[str]]:
    """Pointer tokens of every object in a decoded document, by identity (named types' definitions)."""
    index: dict[int, list[str]] = {}
    stack: list[tuple[Any, list[str]]] = [(root, [])]
    while stack:
        value, tokens = stack.pop()
        if isinstance(value, dict):
            index.setdefault(id(value), tokens)
            stack.extend((v, [*tokens, k]) for k, v in value.items() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, [*tokens, str(i)]) for i, v in enumerate(value) if isinstance(v, (dict, list)))
    return index


class _Cursor:
    """One side's position: the parsed node, the raw JSON at that place and its pointer tokens."""

    __slots__ = ("_index", "alive", "field", "node", "raw", "root", "tokens")

    def __init__(self, node: AvroSchema, root: Any) -> None:
        self.node = node
        self.root = root
        self.raw = root
        self.tokens: list[str] = []
        self.field: AvroField | None = None
        self.alive = True
        self._index: dict[int, list[str]] | None = None
        self._settle()

    def _settle(self) -> None:
        raw = self.raw
        while isinstance(raw, dict) and isinstance(raw.get("type"), (dict, list)):
            self.tokens.append("type")
            raw = raw["type"]
        node_raw = self.node.raw
        if self.node.fullname and isinstance(node_raw, dict) and raw is not node_raw:
            if self._index is None:
                self._index = _dict_index(self.root)
            where = self._index.get(id(node_raw))
            if where is not None:  # a reference by name: go to the definition
                self.tokens = list(where)
                raw = node_raw
        self.raw = raw

    def _step(self, token: str) -> None:
        raw = self.raw
        if isinstance(raw, dict) and token in raw:
            self.raw = raw[token]
        elif isinstance(raw, list) and token.isdigit() and int(token) < len(raw):
            self.raw = raw[int(token)]
        else:
            self.raw = None
        self.tokens.append(token)

    def enter_field(self, field: AvroField) -> None:
        self._step("fields")
        self._step(str(field.pos))
        self.field = field

    def into_type(self) -> None:
        if self.field is None:
            return
        self.node, self.field = self.field.type, None
        self._step("type")
        self._settle()

    def into(self, token: str) -> None:
        inner = self.node.items if token == "items" else self.node.values
        if inner is None:
            self.alive = False
            return
        self.node = inner
        self._step(token)
        self._settle()

    def branch(self, index: int) -> None:
        self.node = self.node.branches[index]
        self._step(str(index))
        self._settle()

    def pick_like(self, other: AvroSchema) -> None:
        """In a union, move to the branch that matches ``other`` (by full name, else by type)."""
        for i, branch in enumerate(self.node.branches):
            if (other.fullname and branch.fullname == other.fullname) or (
                not other.fullname and branch.type == other.type
            ):
                self.branch(i)
                return

    def attribute(self, token: str) -> None:
        if isinstance(self.raw, dict) and token in self.raw:
            self.tokens.append(token)

    def pointer(self) -> str:
        return join(self.tokens) or "/"


def _writer_field(record: AvroSchema, field: AvroField) -> AvroField | None:
    found = record.field_map.get(field.name)
    if found is None:
        for alias in field.aliases:
            found = record.field_map.get(alias)
            if found is not None:
                break
    return found


def avro_trace(
    reader: AvroSchema, reader_doc: Any, writer: AvroSchema, writer_doc: Any, location: str
) -> tuple[str, str, str]:
    """(name path, pointer into the reader's document, pointer into the writer's) for a finding."""
    r, w = _Cursor(reader, reader_doc), _Cursor(writer, writer_doc)
    name = reader.name or reader.type
    tokens = split(location)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if r.node.type == "union" and w.alive and w.node.type != "union":
            r.pick_like(w.node)
        if token == "fields" and i + 1 < len(tokens) and tokens[i + 1].isdigit():
            pos = int(tokens[i + 1])
            if r.node.type != "record" or pos >= len(r.node.fields):
                break
            field = r.node.fields[pos]
            name += f".{field.name}"
            r.enter_field(field)
            found = _writer_field(w.node, field) if w.alive and w.node.type == "record" else None
            if found is None:
                w.alive = False  # the writer has no such field: its record is the place
            else:
                w.enter_field(found)
            i += 2
            continue
        if token == "type":
            r.into_type()
            if w.alive:
                w.into_type()
        elif token in ("items", "values"):
            container = "array" if token == "items" else "map"
            if r.node.type != container:
                break
            name += "[]" if token == "items" else "{}"
            r.into(token)
            if w.alive and w.node.type == container:
                w.into(token)
            else:
                w.alive = False
        elif token.isdigit():
            index = int(token)
            if w.alive and w.node.type == "union" and index < len(w.node.branches):
                w.branch(index)
                if r.node.type == "union":
                    r.pick_like(w.node)
            else:
                break
        else:
            if token in _ATTRIBUTES:
                r.attribute(token)
                if w.alive:
                    w.attribute(token)
            break
        i += 1
    return name, r.pointer(), w.pointer()


def json_name(path: str, root: Any) -> str:
    """A readable name for a Confluent JSON Schema path: ``order.lines[].sku`` for
    ``#/properties/order/properties/lines/items/properties/sku``; the root is the schema's title."""
    title = root.get("title") if isinstance(root, dict) else None
    parts: list[str] = [title if isinstance(title, str) and title else "(root)"]
    tokens = split(path)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if token in ("properties", "patternProperties", "dependencies", "dependentSchemas") and following:
            parts.append(f".{following}" if token == "properties" else f".{{{token}:{following}}}")
            i += 2
            continue
        if token in ("items", "prefixItems") and following is not None and following.isdigit():
            parts.append(f"[{following}]")
            i += 2
            continue
        if token in ("allOf", "anyOf", "oneOf") and following is not None and following.isdigit():
            parts.append(f"<{token}[{following}]>")
            i += 2
            continue
        if token == "items":
            parts.append("[]")
        elif token in ("additionalProperties", "unevaluatedProperties"):
            parts.append(".*")
        elif token == "not":
            parts.append("<not>")
        # other tokens are the keyword that changed (maxLength, required): the message says which
        i += 1
    return "".join(parts)
