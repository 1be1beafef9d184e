"""Released schema snapshots and the project's own evolution gate.

``python -m codegen.release snapshot`` copies ``schemas/{avro,json}/v1`` to
``schemas/released/<schema version>/`` when a schema version is released. :func:`verify` is what the
test suite runs: the current schemas must equal the snapshot of their own version (a changed schema needs
a version bump), and must pass the project policy (``mfgcanon.compat.PROJECT_POLICY``: Avro
FULL_TRANSITIVE, JSON Schema BACKWARD_TRANSITIVE) against every released version of the same major.
The policy half is ``mfgcanon compat check schemas --against schemas/released --level project`` (the same
:func:`mfgcanon.compat.check_tree`, with the ``[tool.mfgcanon.compat]`` table of pyproject.toml), so the
gate and what a team runs in CI cannot drift apart.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import msgspec

from mfgcanon.compat import check_tree, load_config
from mfgcanon.v1 import __schema_version__

ROOT = Path(__file__).resolve().parent.parent
FORMATS = {"avro": ("AVRO", ".avsc"), "json": ("JSON", ".json")}


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def released_versions(schemas: Path, major: int) -> list[str]:
    """Released schema versions of one major, oldest first."""
    base = schemas / "released"
    found = [p.name for p in base.iterdir() if p.is_dir()] if base.is_dir() else []
    return sorted((v for v in found if _version_key(v)[0] == major), key=_version_key)


def verify(schemas: Path = ROOT / "schemas", version: str = __schema_version__) -> list[str]:
    """Problems found (empty when the schemas may ship as ``version``)."""
    major = _version_key(version)[0]
    history = released_versions(schemas, major)
    problems: list[str] = []
    for folder, (_, suffix) in FORMATS.items():
        for current in sorted((schemas / folder / f"v{major}").glob(f"*{suffix}")):
            relative = current.relative_to(schemas)
            snapshot = schemas / "released" / version / relative
            if version in history and not snapshot.exists():
                problems.append(f"{relative}: new after {version} was released; bump __schema_version__")
            elif version in history and snapshot.read_bytes() != current.read_bytes():
                problems.append(f"{relative}: changed after {version} was released; bump __schema_version__")
    earlier = [v for v in history if v != version]
    if earlier:
        config = msgspec.structs.replace(
            load_config(ROOT / "pyproject.toml"), include=tuple(f"{folder}/v{major}/*" for folder in FORMATS)
        )
        report = check_tree(schemas, schemas / "released", config=config, level="project", versions=earlier)
        for subject in report.subjects:
            for finding in subject.breaking:
                level = subject.level or "removed"
                problems.append(f"{subject.subject}: {finding.path}: {finding.rule}: {finding.message} [{level}]")
    return problems


def snapshot(schemas: Path = ROOT / "schemas", version: str = __schema_version__) -> Path:
    target = schemas / "released" / version
    for folder in FORMATS:
        source = schemas / folder
        if source.is_dir():
            shutil.copytree(source, target / folder, dirs_exist_ok=True)
    return target


def main(argv: list[str]) -> int:
    if argv[:1] == ["snapshot"]:
        print(f"released schemas written to {snapshot()}")
        return 0
    problems = verify()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
