"""``python -m bench``: run every benchmark in turn (each prints its own table), or the ones
named, each with its own options:

    python -m bench                                  # all, with their defaults
    python -m bench lexicon --patterns 20000 moderation --reports 2000

A benchmark's name starts its group; the words after it, up to the next name, are its
options. Each runs in its own process, so one that exits (argparse, ``SystemExit``) or fails
does not stop the others; the exit status is non-zero if any failed."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[str]:
    return sorted(p.name for p in HERE.iterdir() if (p / "__main__.py").exists())


def plan(argv: Sequence[str], names: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(benchmark, its options) in the order asked; every benchmark when none is named."""
    groups: list[tuple[str, list[str]]] = []
    for word in argv:
        if word in names:
            groups.append((word, []))
        elif groups:
            groups[-1][1].append(word)
        else:
            raise SystemExit(f"python -m bench: name a benchmark before its options "
                             f"({', '.join(names)}), got {word!r}")
    return groups or [(n, []) for n in names]


def main(argv: Sequence[str] | None = None) -> int:
    names = benchmarks()
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__)
        print("benchmarks:", ", ".join(names))
        return 0
    failed = []
    for name, options in plan(args, names):
        print(f"\n===== bench.{name} {' '.join(options)} =====", flush=True)
        rc = subprocess.run([sys.executable, "-m", f"bench.{name}", *options],
                            cwd=HERE.parent, check=False).returncode
        if rc != 0:
            failed.append(f"{name} (exit {rc})")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
