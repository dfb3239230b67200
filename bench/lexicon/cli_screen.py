"""``python -m bench.lexicon.cli_screen``: ``zeren screen`` on a 20 MB JSON Lines file, start-up
included (a fresh process, wall time), against the engine's batch figure on the same
documents in the same run (in-process, batches of 2,048, the default lexicon). Prints the
figures and their ratio; asserts nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 20 * 1024 * 1024


def main() -> None:
    from bench.lexicon.corpus import build
    from zeren.lexicon.domain import default_terms
    from zeren.lexicon.engine import Matcher

    docs = build().docs
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "docs.jsonl"
        size = 0
        texts: list[str] = []
        with f.open("w", encoding="utf-8") as out:
            i = 0
            while size < TARGET:
                text = docs[i % len(docs)]
                line = json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n"
                out.write(line)
                size += len(line.encode("utf-8"))
                texts.append(text)
                i += 1
        mb = size / 1e6
        env = {**os.environ, "ZEREN_DATABASE_URL": f"sqlite:///{d}/zeren.db"}
        zeren = str(Path(sys.executable).parent / "zeren")
        subprocess.run([zeren, "init"], env=env, check=True, capture_output=True)
        m = Matcher(default_terms())
        m.screen_many(texts[:100])
        t = time.perf_counter()
        for j in range(0, len(texts), 2048):
            m.screen_many(texts[j:j + 2048])
        engine_s = time.perf_counter() - t
        t = time.perf_counter()
        p = subprocess.run([zeren, "screen", str(f)], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, check=False)
        cli_s = time.perf_counter() - t
        if p.returncode:
            raise SystemExit(p.stderr.decode()[-2000:])
        t = time.perf_counter()
        subprocess.run([zeren, "screen", "--help"], env=env, capture_output=True, check=True)
        start_s = time.perf_counter() - t
    print(f"{len(texts):,} documents, {mb:.1f} MB of JSON Lines, default lexicon")
    print(f"  engine, batches of 2,048 (in-process):   {engine_s:6.2f} s  {mb / engine_s:7.1f} MB/s")
    print(f"  zeren screen FILE (new process, wall):   {cli_s:6.2f} s  {mb / cli_s:7.1f} MB/s"
          f"  ({cli_s / engine_s:.2f}× the engine's time; target ≤ 1.5×)")
    print(f"  of which start-up (zeren screen --help): {start_s:6.2f} s")


if __name__ == "__main__":
    main()
