"""Derive ``mappings/b2mml-json/arrays.toml`` from the official B2MML XSDs (V0600, V0701): for each parent
element, the child elements the schema lets repeat (``maxOccurs`` above 1). The test compares the packaged
file with this derivation; ``python tests/mappers/b2mml_json/_arrays.py`` prints the file anew."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

FAMILIES = {"V0600": "V0600", "V07": "V0701"}
"""Table in arrays.toml -> XSD folder it is derived from."""

HEADER = """\
# Generated from MESA's official B2MML XSDs (V0600, V0701) by tests/mappers/b2mml_json/_arrays.py: do not edit.
# [<family>] <parent element> = [<child elements whose maxOccurs is above 1>]. The b2mml-json writer gives
# these children as JSON arrays even when only one occurs (MESA's JSON schema is generated from the XSDs: a
# repeatable element is an array there). V0401 and V0500 documents use the V0600 table.
# The Business To Manufacturing Markup Language (B2MML) is used courtesy of MESA International.
format = "mfgcanon.b2mml-json-arrays/1"
"""


def derive(xsd_root: Path) -> dict[str, dict[str, list[str]]]:
    import xmlschema  # type: ignore[import-untyped]

    tables: dict[str, dict[str, list[str]]] = {}
    for family, folder in FAMILIES.items():
        # "skip": the XSDs are MESA's own; checking them against the meta-schema would take most of the time
        options: dict[str, Any] = {"validation": "skip"}
        if folder == "V0600":
            options["loader_class"] = xmlschema.LocationSchemaLoader
        schema = xmlschema.XMLSchema(str(xsd_root / folder / "AllSchemas.xsd"), **options)
        repeated: dict[str, set[str]] = defaultdict(set)
        seen: set[tuple[str, int]] = set()

        def walk(element: Any, repeated: dict[str, set[str]] = repeated, seen: set[tuple[str, int]] = seen) -> None:
            kind = element.type
            key = (element.local_name, id(kind))
            if key in seen:
                return
            seen.add(key)
            content = getattr(kind, "content", None) if kind.is_complex() else None
            if content is None or not hasattr(content, "iter_elements"):
                return
            for child in content.iter_elements():
                name = getattr(child, "local_name", None)
                if name is None:
                    continue
                if child.max_occurs is None or child.max_occurs > 1:
                    repeated[element.local_name].add(name)
                walk(child)

        for element in schema.elements.values():
            walk(element)
        tables[family] = {parent: sorted(children) for parent, children in sorted(repeated.items())}
    return tables


def render(tables: dict[str, dict[str, list[str]]]) -> str:
    lines = [HEADER]
    for family, parents in tables.items():
        lines.append(f"\n[{family}]\n")
        for parent, children in parents.items():
            lines.append(f"{parent} = [{', '.join(repr(c).replace(chr(39), chr(34)) for c in children)}]\n")
    return "".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from shared_data import shared_dir

    sys.stdout.write(render(derive(shared_dir("reference/b2mml/xsd"))))
