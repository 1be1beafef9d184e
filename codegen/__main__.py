"""``python -m codegen [--check]``: regenerate (or check) schemas/ and src/mfgcanon/pydantic/."""

from __future__ import annotations

import argparse
import sys

from codegen.generate import check_all, write_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if any generated file is stale; write nothing")
    args = parser.parse_args(argv)
    if args.check:
        problems = check_all()
        for line in problems:
            sys.stderr.write(f"{line}\n")
        if problems:
            sys.stderr.write("generated files are stale: run `python -m codegen` and commit the result\n")
            return 1
        sys.stderr.write("generated files are up to date\n")
        return 0
    for line in write_all():
        sys.stderr.write(f"wrote {line}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
