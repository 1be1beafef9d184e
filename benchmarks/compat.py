"""Benchmark of ``mfgcanon.compat`` against Apache Avro's checker (PyPI ``avro``), in one process.

Run: ``python benchmarks/compat.py``. Prints timings and ratios; asserts nothing (see benchmarks/README).

1. FULL_TRANSITIVE check of a 300-field record against 50 earlier versions (target: under 100 ms).
2. Per pair, on the same Avro pairs (the conformance corpus plus the 300-field pairs): ours versus
   ``avro.compatibility.ReaderWriterCompatibilityChecker``, parse included and check only
   (target: no slower per pair).
3. The JSON Schema conformance corpus (ours only: there is no Python port of Confluent's diff).
4. The whole tree: every exported schema in schemas/ against every release in schemas/released, through
   the public ``check_tree`` with the project's configuration (what ``mfgcanon compat check schemas
   --against schemas/released`` and the release gate run; target: under 2 s).
5. Per pair, through the public ``check()`` from JSON text (parsing included on both sides): the tree's
   Avro pairs (each exported schema against each release of it) and the conformance pairs, ours versus
   ``avro.compatibility.ReaderWriterCompatibilityChecker`` on ``avro.schema.parse`` (target: >= 3x).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mfgcanon.compat import _avro, check, check_history, check_tree, load_config

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MFGCANON_SHARED") or Path(__file__).resolve().parents[2] / "shared")


def _timeit(fn: Callable[[], object], *, repeat: int = 7, number: int = 1) -> float:
    """Median seconds per call over ``repeat`` back-to-back rounds of ``number`` calls (no collection in
    between: ``check_history`` pauses the collector itself, so this is what a caller sees)."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    return statistics.median(rounds)


def big_record(extra: int) -> dict[str, Any]:
    """300 fields of mixed types, then ``extra`` optional fields (one per version)."""
    kinds: list[Any] = [["null", "string"], "string", "long", {"type": "array", "items": "double"}]
    fields: list[dict[str, Any]] = []
    for i in range(300):
        kind = kinds[i % 4]
        field: dict[str, Any] = {"name": f"f{i}", "type": kind}
        if isinstance(kind, list):
            field["default"] = None
        fields.append(field)
    fields += [{"name": f"x{j}", "type": ["null", "int"], "default": None} for j in range(extra)]
    return {"type": "record", "name": "Big", "namespace": "bench", "fields": fields}


def _load(sub: str) -> list[Any]:
    path = SHARED / "conformance" / sub
    if not path.is_file():
        return []
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", path.read_text(encoding="utf-8")))


def main() -> None:
    import avro.compatibility as apache
    import avro.schema as apache_schema

    versions = [big_record(k) for k in range(50)]
    new = big_record(50)
    history_s = _timeit(lambda: check_history(versions, new, "FULL_TRANSITIVE"), repeat=9)
    print(f"1. FULL_TRANSITIVE, 300-field record vs 50 versions: {history_s * 1000:.1f} ms (target < 100 ms)")

    pairs = [
        (c["reader"], c["writer"])
        for name in ("apache-avro/avro-py-compat-cases.json", "karapace/karapace-avro-compat-cases.json")
        for c in _load(name)
        if "strict_parse_error" not in c
    ]
    big_pairs = [(new, v) for v in versions] + [(v, new) for v in versions]
    print(f"2. Avro pairs: {len(pairs)} conformance pairs, {len(big_pairs)} 300-field pairs")
    for label, group in (("conformance", pairs), ("300-field", big_pairs)):
        if not group:
            print(f"   {label}: skipped (shared/conformance not found at {SHARED})")
            continue
        texts = [(json.dumps(r), json.dumps(w)) for r, w in group]

        def ours_full(group: list[tuple[Any, Any]] = group) -> None:
            for r, w in group:
                _avro.check_pair(_avro.parse(r), _avro.parse(w))

        def apache_full(texts: list[tuple[str, str]] = texts) -> None:
            for rt, wt in texts:
                apache.ReaderWriterCompatibilityChecker().get_compatibility(
                    apache_schema.parse(rt), apache_schema.parse(wt)
                )

        parsed_ours = [(_avro.parse(r), _avro.parse(w)) for r, w in group]
        parsed_apache = [(apache_schema.parse(rt), apache_schema.parse(wt)) for rt, wt in texts]

        def ours_check(parsed_ours: list[Any] = parsed_ours) -> None:
            for r, w in parsed_ours:
                _avro.check_pair(r, w)

        def apache_check(parsed_apache: list[Any] = parsed_apache) -> None:
            for r, w in parsed_apache:
                apache.ReaderWriterCompatibilityChecker().get_compatibility(r, w)

        n = len(group)
        rounds = 5 if label == "conformance" else 3
        of, af = _timeit(ours_full, repeat=rounds) / n, _timeit(apache_full, repeat=rounds) / n
        oc, ac = _timeit(ours_check, repeat=rounds) / n, _timeit(apache_check, repeat=rounds) / n
        print(
            f"   {label:11} parse+check per pair: ours {of * 1e6:9.1f} us, avro {af * 1e6:9.1f} us, "
            f"avro/ours = {af / of:5.1f}x"
        )
        print(
            f"   {label:11} check only per pair:  ours {oc * 1e6:9.1f} us, avro {ac * 1e6:9.1f} us, "
            f"avro/ours = {ac / oc:5.1f}x"
        )

    cases = [
        c
        for name in (
            "diff-schema-examples.json",
            "diff-combined-schema-examples.json",
            "diff-schema-examples-2020-12.json",
            "diff-combined-schema-examples-2020-12.json",
        )
        for c in _load(f"confluent-schema-registry/{name}")
    ]
    if cases:

        def json_corpus() -> None:
            for c in cases:
                check(c["original_schema"], c["update_schema"], schema_type="JSON")

        total = _timeit(json_corpus, repeat=5)
        print(
            f"3. JSON Schema corpus: {len(cases)} cases in {total * 1000:.1f} ms "
            f"({total / len(cases) * 1e6:.0f} us per case, load + diff + report)"
        )
    else:
        print(f"3. JSON Schema corpus: skipped (not found at {SHARED})")

    config = load_config(ROOT / "pyproject.toml")
    tree = check_tree(ROOT / "schemas", ROOT / "schemas" / "released", config=config)
    compared = sum(len(s.report.checked_versions) for s in tree.subjects if s.report is not None)
    tree_s = _timeit(lambda: check_tree(ROOT / "schemas", ROOT / "schemas" / "released", config=config), repeat=5)
    print(
        f"4. Whole tree: {len(tree.subjects)} subjects against {len(tree.versions)} releases "
        f"({compared} versions compared, {len(tree.findings)} findings): {tree_s * 1000:.0f} ms "
        f"(target < 2000 ms); compatible: {tree.is_compatible}"
    )

    tree_pairs: list[tuple[str, str]] = []
    for current in sorted((ROOT / "schemas" / "avro").rglob("*.avsc")):
        relative = current.relative_to(ROOT / "schemas")
        for version in tree.versions:
            old = ROOT / "schemas" / "released" / version / relative
            if old.is_file():
                tree_pairs.append((old.read_text(encoding="utf-8"), current.read_text(encoding="utf-8")))
    changed = [(o, n) for o, n in tree_pairs if o != n]
    conformance = [(json.dumps(w), json.dumps(r)) for r, w in pairs]  # (old = writer, new = reader)
    print("5. Per pair through check() from JSON text, BACKWARD (new reads old), parse included:")
    for label, group in (("tree, all", tree_pairs), ("tree, changed", changed), ("conformance", conformance)):
        if not group:
            print(f"   {label}: skipped (no pairs)")
            continue

        def ours_public(group: list[tuple[str, str]] = group) -> None:
            for old_text, new_text in group:
                check(old_text, new_text, "BACKWARD", schema_type="AVRO")

        def apache_public(group: list[tuple[str, str]] = group) -> None:
            for old_text, new_text in group:
                apache.ReaderWriterCompatibilityChecker().get_compatibility(
                    apache_schema.parse(new_text), apache_schema.parse(old_text)
                )

        n = len(group)
        rounds = 3 if label.startswith("tree") else 5
        ours_s, apache_s = _timeit(ours_public, repeat=rounds) / n, _timeit(apache_public, repeat=rounds) / n
        print(
            f"   {label:13} {n:4} pairs: ours {ours_s * 1e6:8.1f} us, avro {apache_s * 1e6:8.1f} us, "
            f"avro/ours = {apache_s / ours_s:5.1f}x (target >= 3x)"
        )


if __name__ == "__main__":
    main()
