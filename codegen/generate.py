"""Render, write and check every generated file of the repository."""

from __future__ import annotations

import json
from pathlib import Path

from mfgcanon.schema import export

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
PYDANTIC_MODULE = "src/mfgcanon/pydantic/v1/__init__.py"


def render_everything() -> dict[str, bytes]:
    """Repository-relative path -> bytes for every generated file."""
    from codegen import docs, pydantic_models

    schemas = export.render_all()
    files = {f"schemas/{rel}": content for rel, content in schemas.items()}
    documents = {rel: json.loads(content) for rel, content in schemas.items() if rel.startswith("json/")}
    files[PYDANTIC_MODULE] = pydantic_models.render(documents).encode()
    files.update(docs.render_docs(ROOT))
    return files


def _docs(files: dict[str, bytes]) -> dict[str, bytes]:
    from codegen.docs import OUT_DIR

    return {rel: content for rel, content in files.items() if rel.startswith(f"{OUT_DIR}/")}


def check_all(root: Path = ROOT, *, docs_only: bool = False) -> list[str]:
    """Stale, missing or extra generated files under ``root`` (empty when everything is fresh)."""
    from codegen import docs

    if docs_only:
        return docs.drift(root, docs.render_docs(ROOT))
    files = render_everything()
    schemas = {rel.removeprefix("schemas/"): c for rel, c in files.items() if rel.startswith("schemas/")}
    problems = [f"{line.split(': ', 1)[0]}: schemas/{line.split(': ', 1)[1]}"
                for line in export.check(root / "schemas", schemas).lines()]
    target = root / PYDANTIC_MODULE
    if not target.is_file():
        problems.append(f"missing: {PYDANTIC_MODULE}")
    elif target.read_bytes() != files[PYDANTIC_MODULE]:
        problems.append(f"stale: {PYDANTIC_MODULE}")
    return problems + docs.drift(root, _docs(files))


def write_all(root: Path = ROOT) -> list[str]:
    """Regenerate everything under ``root``; return what changed."""
    files = render_everything()
    schemas = {rel.removeprefix("schemas/"): c for rel, c in files.items() if rel.startswith("schemas/")}
    changed = [f"schemas/{line.split(': ', 1)[1]}" for line in export.write(root / "schemas", schemas)]
    target = root / PYDANTIC_MODULE
    if not target.is_file() or target.read_bytes() != files[PYDANTIC_MODULE]:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[PYDANTIC_MODULE])
        changed.append(PYDANTIC_MODULE)
    from codegen import docs

    return changed + docs.write_docs(root, _docs(files))
