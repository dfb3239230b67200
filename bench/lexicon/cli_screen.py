"""``python -m bench.lexicon.cli_screen``: ``zeren screen`` on a 20 MB JSON Lines file, start-up
included (a fresh process), against the engine's batch figure on the same documents in the
same run (in-process, batches of 2,048, the default lexicon). Prints the figures and their
ratio; asserts nothing.

``zeren screen`` runs twice: first in a new data folder (it builds the matcher and keeps it
there), then again (it loads the compiled matcher: the usual case in a pipeline, ADR 0203).
Each figure is given as wall time and as CPU time (user + system, from ``getrusage``): on a
shared machine the wall time of a new process swings with the load, its CPU time much less.
The load average is printed with the figures."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 20 * 1024 * 1024


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one command (its output discarded)."""
    c0, t0 = _child_cpu(), time.perf_counter()
    p = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       check=False)
    wall, cpu = time.perf_counter() - t0, _child_cpu() - c0
    if p.returncode:
        raise SystemExit(p.stderr.decode()[-2000:])
    return wall, cpu


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
        env = {**os.environ, "ZEREN_DATABASE_URL": f"sqlite:///{d}/zeren.db",
               "ZEREN_DATA_DIR": f"{d}/data"}
        zeren = str(Path(sys.executable).parent / "zeren")
        subprocess.run([zeren, "init"], env=env, check=True, capture_output=True)
        m = Matcher(default_terms())
        m.screen_many(texts[:100])
        c0, t = time.process_time(), time.perf_counter()
        for j in range(0, len(texts), 2048):
            m.screen_many(texts[j:j + 2048])
        engine_s, engine_cpu = time.perf_counter() - t, time.process_time() - c0
        load = os.getloadavg()[0]
        first = _run([zeren, "screen", str(f)], env)
        again = _run([zeren, "screen", str(f)], env)
        start = _run([zeren, "screen", "--help"], env)
        load = max(load, os.getloadavg()[0])
    print(f"{len(texts):,} documents, {mb:.1f} MB of JSON Lines, default lexicon; "
          f"load average (1 min) up to {load:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'':44s} {'wall s':>7s} {'MB/s':>7s} {'× engine':>9s} {'CPU s':>7s} "
          f"{'× engine':>9s}")
    print(f"  {'engine, batches of 2,048 (in-process)':44s} {engine_s:7.2f} "
          f"{mb / engine_s:7.1f} {1:9.2f} {engine_cpu:7.2f} {1:9.2f}")
    for name, (wall, cpu) in (("zeren screen FILE, first (builds, keeps)", first),
                              ("zeren screen FILE, again (loads compiled)", again),
                              ("of which start-up (zeren screen --help)", start)):
        print(f"  {name:44s} {wall:7.2f} {mb / wall:7.1f} {wall / engine_s:9.2f} "
              f"{cpu:7.2f} {cpu / engine_cpu:9.2f}")
    print("  target: zeren screen FILE within 1.5× the engine's time, start-up included")


if __name__ == "__main__":
    main()
