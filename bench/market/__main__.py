"""The market detectors, measured: each detector over generated data with planted cases
(``zeren.market.synth``, seeded), beside the same run's plain DuckDB scan-and-aggregate of
the same rows (the floor: read the columns once and group them), with peak memory, and the
planted-case recall and precision. Each measurement runs in its own process, so its peak
resident memory is its own. With ``--spark-rows`` the same detectors also run on Spark local
mode over a second, smaller dataset, beside DuckDB on that dataset.

    .venv/bin/python -m bench.market [--rows 1000000] [--spark-rows 0] [--only NAME ...]
        [--memory-limit 8GB] [--seed 42] [--keep]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "out" / "market"
PLATFORM = "bench"
# The floor for each detector: one scan of the rows it reads, grouped by its first key.
BASELINE: dict[str, tuple[list[str], str, str]] = {
    "fake_original_price": (["prices", "orders"], "item_id", "price"),
    "price_discrimination": (["prices"], "item_id", "price"),
    "price_gouging": (["prices"], "item_id", "price"),
    "brushing_ring": (["orders"], "buyer_id, merchant_id", "unit_price"),
    "pyramid_scheme": (["referrals"], "scheme_id", "entry_fee"),
    "self_preferencing": (["exposures"], "query_category", "relevance"),
    "merchant_data_use": (["data_access"], "unit", "1"),
    "grey_accounts": (["account_signals"], "signal, value", "1"),
}
NUM_COL = {"prices": "price", "orders": "unit_price"}


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the
    parent across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _one(args: argparse.Namespace) -> None:
    """Child process: run one detector (or its baseline) and print one JSON line."""
    from zeren.market import detectors, store
    from zeren.market.backend import DuckDBBackend, SparkBackend, spark_session

    root = Path(args.root)
    out: dict[str, Any] = {"name": args.one, "mode": args.mode}
    if args.mode == "baseline":
        import duckdb

        sets, key, num = BASELINE[args.one]
        con = duckdb.connect()
        con.execute(f"SET memory_limit='{args.memory_limit}'")
        con.execute(f"SET temp_directory='{(root / 'market' / '_spill').as_posix()}'")
        t0 = time.perf_counter()
        groups = 0
        for ds in sets:
            files = [f.as_posix() for f in store.stored_files(
                store.dataset_dir(root, PLATFORM, ds))]
            col = NUM_COL.get(ds, num)
            k = key if ds != "orders" or key != "item_id" else "item_id"
            groups += con.execute(
                f"SELECT count(*) FROM (SELECT {k}, count(*), sum({col}) FROM "
                f"read_parquet({files!r}) GROUP BY {k})").fetchone()[0]
        out["seconds"] = time.perf_counter() - t0
        out["groups"] = groups
    else:
        t_start = time.perf_counter()
        if args.mode == "spark":
            spark = spark_session("local[2]", app="zeren-bench-market")
            out["session_seconds"] = time.perf_counter() - t_start
            b: Any = SparkBackend(root, PLATFORM, session=spark)
        else:
            b = DuckDBBackend(root, PLATFORM, memory_limit=args.memory_limit)
        # Warm up Ibis's compiler and the engine on a one-row query, so the figure is the
        # detector's work, not the first import of a SQL dialect.
        import ibis

        b.execute(ibis.memtable({"a": [1]}).aggregate(n=ibis._.a.sum()))
        t0 = time.perf_counter()
        found = detectors.run(b, args.one)
        out["seconds"] = time.perf_counter() - t0
        out["found"] = sorted(f.subject_id for f in found)
        b.close()
        if args.mode == "spark":
            spark.stop()
    out["peak_mib"] = _peak_mib()
    print("RESULT " + json.dumps(out))


def _child(name: str, mode: str, root: Path, memory_limit: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.market", "--one", name, "--mode", mode, "--root",
           str(root), "--memory-limit", memory_limit]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in res.stdout.splitlines():
        if line.startswith("RESULT "):
            got: dict[str, Any] = json.loads(line[7:])
            return got
    raise SystemExit(f"{name} {mode} failed:\n{res.stderr[-3000:]}")


def _generate(root: Path, rows: int, seed: int) -> Any:
    from zeren.market import synth

    if root.exists():
        shutil.rmtree(root)
    t0 = time.perf_counter()
    planted = synth.generate(root, PLATFORM, rows=rows, seed=seed)
    return planted, time.perf_counter() - t0


def _fmt(v: float | None, spec: str = ".2f") -> str:
    return "—" if v is None else format(v, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="orders (and about as many "
                    "price displays) to generate for DuckDB")
    ap.add_argument("--spark-rows", type=int, default=0, help="orders for the Spark run "
                    "(0: no Spark run)")
    ap.add_argument("--only", nargs="*", default=None, help="detectors to run")
    ap.add_argument("--memory-limit", default="8GB", help="DuckDB's memory limit")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="duckdb", help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(args)
        return
    from zeren.market import synth
    from zeren.market.detectors import DETECTORS

    names = args.only or list(DETECTORS)
    runs = [("duckdb", args.rows)] + ([("spark", args.spark_rows)] if args.spark_rows else [])
    for engine, rows in runs:
        root = OUT / f"data-{rows}"
        planted, gen_s = _generate(root, rows, args.seed)
        print(f"\n## {engine}: generated {rows:,} orders in {gen_s:.1f} s; rows per dataset: "
              + ", ".join(f"{k} {v:,}" for k, v in planted.rows.items() if v))
        head = (f"| detector | rows read | {engine} s | peak MiB | floor s | floor MiB | "
                f"× floor | planted | found | recall | precision |")
        if engine == "spark":
            head = ("| detector | rows read | spark s | session s | DuckDB s (same data) | "
                    "× DuckDB | found (spark) | recall | precision |")
        print(head)
        print("|" + "---|" * (head.count("|") - 1))
        for name in names:
            sets = BASELINE[name][0]
            n_read = sum(planted.rows.get(s, 0) for s in sets)
            want = planted.subjects.get(name, set())
            if engine == "duckdb":
                d = _child(name, "duckdb", root, args.memory_limit)
                f = _child(name, "baseline", root, args.memory_limit)
                recall, precision = synth.score(set(d["found"]), want)
                print(f"| {name} | {n_read:,} | {d['seconds']:.2f} | {d['peak_mib']:.0f} | "
                      f"{f['seconds']:.2f} | {f['peak_mib']:.0f} | "
                      f"{d['seconds'] / f['seconds']:.2f} | {len(want)} | {len(d['found'])} | "
                      f"{_fmt(recall)} | {_fmt(precision)} |", flush=True)
            else:
                sp = _child(name, "spark", root, args.memory_limit)
                d = _child(name, "duckdb", root, args.memory_limit)
                recall, precision = synth.score(set(sp["found"]), want)
                same = "" if sp["found"] == d["found"] else " (differs from DuckDB!)"
                print(f"| {name} | {n_read:,} | {sp['seconds']:.2f} | "
                      f"{sp['session_seconds']:.1f} | {d['seconds']:.2f} | "
                      f"{sp['seconds'] / d['seconds']:.1f} | {len(sp['found'])}{same} | "
                      f"{_fmt(recall)} | {_fmt(precision)} |", flush=True)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
