"""``python -m bench.lexicon``: the screening benchmark. Prints tables; asserts nothing.

Every figure comes from this one run, on one CPU core, side by side: each library and the
engine are measured in a fresh child process (so build time and peak memory are their own)
over the same corpus, and the pyahocorasick raw scan of the same run is the baseline.

Options: ``--quick`` (a 2 MB slice, for a smoke run), ``--no-api`` (skip the HTTP latency
measurement), ``--no-precision`` (skip the real-text false-positive rates), ``--reps N``
(repetitions per figure; the median is shown), ``--lexicons a,b,c`` (which lexicons: C is the
slowest to build). The load average is printed with the figures: on a shared machine it
explains most of the swing of the absolute figures; the ratios are to the same run's
baseline. Each figure is also given per CPU second of the measuring process (MB per CPU-s),
with its ratio: a child that waits for a core loses wall time, not CPU time."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.lexicon.corpus import build, pin_one_core

LIBS = ("pyahocorasick", "daachorse", "ahocorasick_rs", "hyperscan")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn: Any, reps: int) -> tuple[float, Any]:
    wall, _, out = _timed_cpu(fn, reps)
    return wall, out


# CPU seconds of the measured call, by median, next to wall seconds: on a shared machine a
# child waits for a core for a share of its wall time that changes from one child to the
# next, which the CPU time does not count.
def _timed_cpu(fn: Any, reps: int) -> tuple[float, float, Any]:
    times, cpu = [], []
    out = None
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(times), statistics.median(cpu), out


def _terms(words: list[str], lex: str) -> list[Any]:
    """Lexicon A: every variant kind on. Lexicon B: 200,000 terms as given (variants off),
    so that it holds 200,000 patterns after expansion."""
    from zeren.lexicon.domain import ALL_VARIANTS, Action, Severity, Term

    v = ALL_VARIANTS if lex in ("a", "c") else frozenset()
    return [Term(w, "prohibited_goods", Severity.HIGH, Action.BLOCK, variants=v) for w in words]


def _lexicon_c(inp: Any) -> list[str]:
    """Lexicon C: lexicon A plus further dictionary words, all variants on, grown until it
    holds at least 200,000 patterns after expansion (about 9 patterns a term)."""
    seen = set(inp.lex_a)
    extra = [w for w in inp.lex_b if w not in seen][:2_500]
    return list(inp.lex_a) + extra


def child(kind: str, lex: str, quick: bool, reps: int) -> dict[str, Any]:
    cpu = pin_one_core()
    inp = build()
    docs = inp.docs[: len(inp.docs) // 10] if quick else inp.docs
    words = inp.lex_a if lex == "a" else inp.lex_b if lex == "b" else _lexicon_c(inp)
    text = "\n".join(docs)
    mb = len(text.encode("utf-8")) / 1e6
    from zeren.lexicon.engine import Matcher
    from zeren.lexicon.normalize import tables

    tables()
    base_rss = _rss_mb()
    res: dict[str, Any] = {"kind": kind, "lex": lex, "cpu": cpu, "mb": round(mb, 2)}
    if kind == "engine":
        t = time.perf_counter()
        m = Matcher(_terms(words, lex))
        res["build_s"] = time.perf_counter() - t
        res["patterns"] = m.stats.patterns
        res["rss_mb"] = _rss_mb() - base_rss
        batch = 256

        def e2e() -> int:
            n = 0
            for i in range(0, len(docs), batch):
                n += sum(len(r.hits) for r in m.screen_many(docs[i : i + batch]))
            return n

        dt, dc, res["hits"] = _timed_cpu(e2e, reps)
        res["mbps"], res["cpu_mbps"] = mb / dt, mb / dc
        one = docs[:1500]
        one_mb = len("\n".join(one).encode("utf-8")) / 1e6
        dt1, dc1, _ = _timed_cpu(lambda: [m.screen(d) for d in one], reps)
        res["mbps_single"], res["cpu_mbps_single"] = one_mb / dt1, one_mb / dc1
        if lex == "a":
            found = 0
            plants = [p for p in inp.plants if p[0] < len(docs)]
            results = m.screen_many([docs[p[0]] for p in plants])
            missed: dict[str, int] = {}
            for p, r in zip(plants, results, strict=True):
                if any(h.term == p[3] and h.start <= p[1] and p[2] <= h.end for h in r.hits):
                    found += 1
                else:
                    missed[p[4]] = missed.get(p[4], 0) + 1
            res["planted"] = len(plants)
            res["found"] = found
            res["missed_by_kind"] = missed
        return res
    # Raw scans: the same spellings the engine compiles (terms and their variants, as
    # written: not collapsed, not normalised), over the raw text.
    from zeren.lexicon.variants import expand

    spell: set[str] = set()
    for term in _terms(words, lex):
        spell.add(term.term)
        if term.variants:
            spell.update(expand(term.term, term.variants))
    keys = sorted(spell)
    base_rss = _rss_mb()
    t = time.perf_counter()
    if kind == "pyahocorasick":
        import ahocorasick

        a = ahocorasick.Automaton()
        for i, k in enumerate(keys):
            a.add_word(k, i)
        a.make_automaton()

        def scan() -> int:
            return sum(1 for _ in a.iter(text))
    elif kind == "daachorse":
        import daachorse

        d = daachorse.CharwiseDoubleArrayAhoCorasick(keys)

        def scan() -> int:
            return len(d.find_overlapping(text))
    elif kind == "ahocorasick_rs":
        import ahocorasick_rs

        r = ahocorasick_rs.AhoCorasick(keys)

        def scan() -> int:
            return len(r.find_matches_as_indexes(text, overlapping=True))
    elif kind == "hyperscan":
        import hyperscan

        db = hyperscan.Database()
        db.compile(expressions=[k.encode("utf-8") for k in keys], ids=list(range(len(keys))),
                   elements=len(keys), flags=0, literal=True)
        data = text.encode("utf-8")
        count = [0]

        def on_match(*_: Any) -> None:
            count[0] += 1

        def scan() -> int:
            count[0] = 0
            db.scan(data, match_event_handler=on_match)
            return count[0]
    else:
        raise SystemExit(f"unknown kind {kind}")
    res["build_s"] = time.perf_counter() - t
    res["rss_mb"] = _rss_mb() - base_rss
    res["patterns"] = len(keys)
    dt, dc, res["hits"] = _timed_cpu(scan, reps)
    res["mbps"], res["cpu_mbps"] = mb / dt, mb / dc
    return res


def _run_child(kind: str, lex: str, quick: bool, reps: int, timeout: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.lexicon", "--child", kind, lex, "--reps", str(reps)]
    if quick:
        cmd.append("--quick")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"kind": kind, "lex": lex, "error": f"over {timeout} s"}
    if p.returncode != 0:
        return {"kind": kind, "lex": lex, "error": (p.stderr.strip().splitlines() or ["?"])[-1]}
    result: dict[str, Any] = json.loads(p.stdout.strip().splitlines()[-1])
    return result


def normalisation_table(quick: bool, reps: int) -> list[tuple[str, float]]:
    """Traditional → simplified on the same text: the vectorised table the engine uses, a
    str.translate table, and opencc-python-reimplemented (on a slice: it is slow)."""
    import numpy as np
    from opencc import OpenCC

    from zeren.lexicon.normalize import tables

    pin_one_core()
    inp = build()
    text = "\n".join(inp.docs[: len(inp.docs) // (50 if quick else 5)])
    mb = len(text.encode("utf-8")) / 1e6
    t = tables()
    out = []
    dt, _ = _timed(lambda: t.table[np.frombuffer(text.encode("utf-32-le"), np.uint32)]
                   .tobytes().decode("utf-32-le", "surrogatepass"), reps)
    out.append(("numpy table (engine)", mb / dt))
    dt, _ = _timed(lambda: text.translate(t.translation), reps)
    out.append(("str.translate dict", mb / dt))
    small = text[:100_000]
    cc = OpenCC("t2s")
    dt, _ = _timed(lambda: cc.convert(small), 1)
    out.append(("opencc-python-reimplemented", len(small.encode("utf-8")) / 1e6 / dt))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.lexicon")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "LEX"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-api", action="store_true")
    ap.add_argument("--no-precision", action="store_true")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--libs", default=",".join(LIBS))
    ap.add_argument("--lexicons", default="a,b,c")
    a = ap.parse_args()
    if a.child:
        print(json.dumps(child(a.child[0], a.child[1], a.quick, a.reps)))
        return
    t0 = time.perf_counter()
    inp = build()
    size = sum(len(d.encode("utf-8")) + 1 for d in inp.docs)
    used = inp.docs[: len(inp.docs) // 10] if a.quick else inp.docs
    print(f"corpus: {len(inp.docs)} documents, {size / 1e6:.1f} MB UTF-8, "
          f"{len(inp.plants)} planted hits; measured on "
          f"{sum(len(d.encode('utf-8')) + 1 for d in used) / 1e6:.1f} MB "
          f"({'--quick: first 10 %' if a.quick else 'all of it'}); "
          f"lexicon A {len(inp.lex_a)} terms, B {len(inp.lex_b)} terms; "
          f"inputs ready in {time.perf_counter() - t0:.1f} s")
    rows = []
    lexicons = a.lexicons.split(",")
    loads = [os.getloadavg()[0]]
    for lex in ("a", "b"):
        if lex not in lexicons:
            continue
        rows.append(_run_child("engine", lex, a.quick, a.reps, 900))
        loads.append(os.getloadavg()[0])
        for lib in a.libs.split(","):
            rows.append(_run_child(lib, lex, a.quick, a.reps, 600))
            loads.append(os.getloadavg()[0])
    # C: the "200,000 terms after variant expansion" size, engine only (its ratio is against
    # A's pyahocorasick scan, the same corpus).
    if "c" in lexicons:
        rows.append(_run_child("engine", "c", a.quick, a.reps, 900))
        loads.append(os.getloadavg()[0])
    print(f"\nload average (1 min) during the measurements: {min(loads):.1f}–{max(loads):.1f} "
          f"on {os.cpu_count()} CPUs")
    print("| lexicon | what | patterns | build s | build Δ peak RSS MB | MB/s (median) "
          "| × pyahocorasick raw | MB per CPU-s | × pyahocorasick (CPU) | hits |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    names = {"a": "A: 20,000 terms, all variants", "b": "B: 200,000 terms, as given",
             "c": "C: A + 2,500 terms, all variants (≥ 200,000 after expansion)"}
    for lex in ("a", "b", "c"):
        base = next((r for r in rows if r["lex"] == ("a" if lex == "c" else lex)
                     and r["kind"] == "pyahocorasick" and "mbps" in r), None)
        name = names[lex]
        for r in rows:
            if r["lex"] != lex:
                continue
            what = ("engine end-to-end, batches of 256 (all normalisation)"
                    if r["kind"] == "engine" else f"{r['kind']} raw scan")
            if "error" in r:
                print(f"| {name} | {what} | | | | error: {r['error']} | | |")
                continue
            ratio = f"{r['mbps'] / base['mbps']:.1f}" if base else "n/a"
            c_ratio = f"{r['cpu_mbps'] / base['cpu_mbps']:.1f}" if base else "n/a"
            print(f"| {name} | {what} | {r['patterns']:,} | {r['build_s']:.2f} | "
                  f"{r['rss_mb']:.0f} | {r['mbps']:.1f} | {ratio} | {r['cpu_mbps']:.1f} | "
                  f"{c_ratio} | {r['hits']:,} |")
            if r["kind"] == "engine":
                s_ratio = f"{r['mbps_single'] / base['mbps']:.1f}" if base else "n/a"
                sc_ratio = (f"{r['cpu_mbps_single'] / base['cpu_mbps']:.1f}" if base
                            else "n/a")
                print(f"| {name} | engine end-to-end, one 2 KB document a call | | | | "
                      f"{r['mbps_single']:.1f} | {s_ratio} | {r['cpu_mbps_single']:.1f} | "
                      f"{sc_ratio} | |")
    for r in rows:
        if r.get("planted"):
            print(f"\nplanted hits found by the engine (lexicon A): {r['found']} / {r['planted']}"
                  f"; missed by evasion kind: {r['missed_by_kind'] or 'none'}")
    if not a.no_precision:
        from bench.lexicon.precision import measure as precision

        print()
        print(precision())
    print("\ntraditional → simplified, MB/s (median):")
    for name, v in normalisation_table(a.quick, a.reps):
        print(f"  {name:32s} {v:8.1f}")
    if not a.no_api:
        from bench.lexicon.api_latency import measure

        print()
        print(measure())
    print(f"\ntotal {time.perf_counter() - t0:.0f} s; cpu pinned: one core per child")


if __name__ == "__main__":
    main()
