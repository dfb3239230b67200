"""``python -m bench``: run every benchmark in turn (each prints its own table)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    names = sorted(p.name for p in HERE.iterdir() if (p / "__main__.py").exists())
    wanted = sys.argv[1:] or names
    for name in wanted:
        print(f"\n===== bench.{name} =====", flush=True)
        sys.argv = [f"bench.{name}"]
        runpy.run_module(f"bench.{name}", run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
