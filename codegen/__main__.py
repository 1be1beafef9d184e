"""``python -m codegen [--check] [--docs-only] [--out DIR]``: regenerate (or check) schemas/,
src/mfgcanon/pydantic/ and the reference pages under docs/reference/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen.generate import ROOT, check_all, write_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if any generated file is stale; write nothing")
    parser.add_argument("--docs-only", action="store_true",
                        help="only the reference pages (docs/reference/), not the schemas and pydantic models")
    parser.add_argument("--out", type=Path, default=None,
                        help="with --docs-only: write the pages under this folder instead of the repository")
    args = parser.parse_args(argv)
    if args.out is not None and not args.docs_only:
        parser.error("--out needs --docs-only")
    if args.check:
        problems = check_all(docs_only=args.docs_only)
        for line in problems:
            sys.stderr.write(f"{line}\n")
        if problems:
            command = "python -m codegen" + (" --docs-only" if args.docs_only else "")
            sys.stderr.write(f"generated files are stale: run `{command}` and commit the result\n")
            return 1
        sys.stderr.write("generated files are up to date\n")
        return 0
    if args.docs_only:
        from codegen import docs

        changed = docs.write_docs(ROOT, docs.render_docs(ROOT), out=args.out)
    else:
        changed = write_all()
    for line in changed:
        sys.stderr.write(f"wrote {line}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
