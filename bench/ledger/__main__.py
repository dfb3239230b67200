"""Ledger benchmark, measured side by side in one run (shared 2-core machines: read ratios).

* appends/s through the real integrator (batches of ``--batch``, default 256, 200-byte
  entries) on SQLite and, when reachable, PostgreSQL, beside a pure-``hashlib`` streaming
  RFC 6962 root over the very same entries (the ceiling for any Python integrator);
* the same appends without the durable commit of ADR 0009 (SQLite's ``synchronous=NORMAL``,
  PostgreSQL's session default), run in turn with the durable ones, so the cost of syncing
  every batch is read off one table (``--no-relaxed`` to skip);
* inclusion proofs served/s from the store (random indexes, newest checkpoint; tile and
  bundle caches empty when the timing starts);
* proof verifications/s (``zeren.ledger.verify.verify_inclusion``);
* seconds for the standalone verifier (a subprocess: ``python -m zeren.ledger.verify tiles``)
  to re-hash an exported log of ``--rehash`` entries (default 1,000,000).

Medians of ``--repeat`` runs. No targets are asserted; the table shows them beside the figures.

    .venv/bin/python -m bench.ledger [--n 100000] [--rehash 1000000] [--no-pg]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from zeren.db.migrate import upgrade
from zeren.db.session import make_engine
from zeren.ledger import integrator as integrator_module
from zeren.ledger import store
from zeren.ledger.integrator import Integrator, PendingEntry
from zeren.ledger.keys import LogKeys
from zeren.ledger.verify import leaf_hash, verify_inclusion

PG_ADMIN = os.environ.get("ZEREN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def make_entries(n: int, seed: int = 7) -> list[bytes]:
    rnd = random.Random(seed)
    return [rnd.randbytes(200) for _ in range(n)]


def hashlib_root(entries: list[bytes]) -> bytes:
    """Baseline: streaming RFC 6962 root with nothing but hashlib (no Zeren code)."""
    sha = hashlib.sha256
    stack: list[bytes] = []
    for n, e in enumerate(entries, 1):
        h = sha(b"\x00" + e).digest()
        m = n
        while not m & 1:
            h = sha(b"\x01" + stack.pop() + h).digest()
            m >>= 1
        stack.append(h)
    if not stack:
        return sha(b"").digest()
    h = stack.pop()
    while stack:
        h = sha(b"\x01" + stack.pop() + h).digest()
    return h


@contextlib.contextmanager
def relaxed() -> Iterator[None]:
    """Appends as before ADR 0009: no synchronous=FULL around SQLite batches, no SET LOCAL
    synchronous_commit on PostgreSQL (the session's default applies). For comparison only."""
    saved = integrator_module.durable_commit, Integrator._sync_on
    integrator_module.durable_commit = lambda conn: contextlib.nullcontext()  # type: ignore[assignment]
    Integrator._sync_on = lambda self, cur: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        integrator_module.durable_commit, Integrator._sync_on = saved  # type: ignore[method-assign]


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


class Backend:
    def __init__(self, name: str, url: str, cleanup: Callable[[], None]) -> None:
        self.name, self.url, self.cleanup = name, url, cleanup


def sqlite_backend(tmp: Path) -> Backend:
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    return Backend("SQLite", url, lambda: None)


def pg_backend() -> Backend | None:
    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        name = f"zeren_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: the PostgreSQL column says so
        print(f"PostgreSQL skipped: {exc.__class__.__name__}", file=sys.stderr)
        return None
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return Backend("PostgreSQL", url, drop)


def bench_backend(
    b: Backend, entries: list[bytes], *, repeat: int, batch: int, keys: LogKeys, proofs: int,
    compare: bool = True,
) -> dict[str, float]:
    engine = make_engine(b.url)
    integ = Integrator(engine, keys=keys, batch_size=batch, batch_ms=250)
    items = [PendingEntry(e) for e in entries]
    rates: list[float] = []
    bases: list[float] = []
    loose: list[float] = []
    for r in range(repeat):
        name = f"bench{r}"
        integ.log(name)  # created outside the timing
        # The baseline right before each run: on shared CPUs a neighbour's load then hits
        # both halves of the pair alike, and the ratio row is the median of these pairs.
        base_s = timed(lambda: hashlib_root(entries))
        rates.append(len(items) / timed(lambda n=name: integ.append(n, items)))  # type: ignore[misc]
        bases.append(len(items) / base_s)
        if compare:
            integ.log(f"relaxed{r}")
            with relaxed():
                loose.append(len(items) / timed(
                    lambda n=f"relaxed{r}": integ.append(n, items)))  # type: ignore[misc]
    rnd = random.Random(1)
    idx = [rnd.randrange(len(entries)) for _ in range(proofs)]
    out: dict[str, float] = {
        "append": statistics.median(rates),
        "ratio": statistics.median(r / b for r, b in zip(rates, bases, strict=True)),
    }
    if compare:
        out["relaxed"] = statistics.median(loose)
        out["cost"] = statistics.median(d / x for d, x in zip(rates, loose, strict=True))
    got: list[store.InclusionProof] = []
    with Session(engine) as s:
        log = store.get_log(session=s, name="bench0")
        store.TILE_CACHE = store.TileCache()  # timed from cold caches
        store.BUNDLE_CACHE = store.BundleCache()
        t = timed(lambda: got.extend(store.inclusion(session=s, log=log, index=i) for i in idx))
        out["proofs"] = proofs / t
        root = store.latest_checkpoint(session=s, log=log).root_hash
    leaves = [leaf_hash(p.entry) for p in got]

    def verify_all() -> None:
        for p, lh in zip(got, leaves, strict=True):
            verify_inclusion(leaf=lh, index=p.index, size=p.size, proof=p.proof, root=root)

    out["verify"] = len(got) / timed(verify_all)
    integ.close()
    engine.dispose()
    return out


def bench_rehash(b: Backend, n: int, keys: LogKeys, batch: int, tmp: Path) -> dict[str, float]:
    engine = make_engine(b.url)
    integ = Integrator(engine, keys=keys, batch_size=batch, batch_ms=250)
    name = "rehash"
    step = 100_000
    for lo in range(0, n, step):
        integ.append(name, [PendingEntry(e) for e in make_entries(min(step, n - lo), seed=lo)])
    out_dir = tmp / "export"
    with Session(engine) as s:
        log = store.get_log(session=s, name=name)
        t_export = timed(lambda: store.export(session=s, log=log, out=out_dir))
        vkey = store.verifier(log).vkey
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "zeren.ledger.verify", "tiles", "--vkey", vkey, str(out_dir)],
        capture_output=True, text=True, check=False,
    )
    t_rehash = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"verifier failed: {res.stderr}")
    engine.dispose()
    return {"export": t_export, "rehash": t_rehash}


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.ledger")
    ap.add_argument("--n", type=int, default=100_000, help="entries per append run")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--big-batch", type=int, default=4096, help="extra SQLite row; 0 to skip")
    ap.add_argument("--proofs", type=int, default=3000)
    ap.add_argument("--rehash", type=int, default=1_000_000, help="0 to skip")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-relaxed", action="store_true",
                    help="skip the comparison with appends that are not synced (ADR 0009)")
    args = ap.parse_args()

    entries = make_entries(args.n)
    base = statistics.median(
        args.n / timed(lambda: hashlib_root(entries)) for _ in range(args.repeat)
    )
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        keys = LogKeys(tmp / "keys")
        backends = [sqlite_backend(tmp)]
        if not args.no_pg:
            pg = pg_backend()
            if pg is not None:
                backends.append(pg)
        try:
            for b in backends:
                results[b.name] = bench_backend(b, entries, repeat=args.repeat, batch=args.batch,
                                                keys=keys, proofs=args.proofs,
                                                compare=not args.no_relaxed)
            big = None
            if args.big_batch:
                engine = make_engine(backends[0].url)
                integ = Integrator(engine, keys=keys, batch_size=args.big_batch, batch_ms=250)
                items = [PendingEntry(e) for e in entries]
                rates = []
                for r in range(args.repeat):
                    integ.log(f"big{r}")
                    rates.append(args.n / timed(lambda n=f"big{r}": integ.append(n, items)))  # type: ignore[misc]
                big = statistics.median(rates)
                engine.dispose()
            rehash = (bench_rehash(backends[0], args.rehash, keys, args.batch, tmp)
                      if args.rehash else None)
        finally:
            for b in backends:
                b.cleanup()

    names = list(results)
    print(f"\nledger benchmark: {args.n:,} entries × 200 B, batch {args.batch}, "
          f"median of {args.repeat}; {os.cpu_count()} CPUs\n")
    head = f"{'measure':<38}" + "".join(f"{n:>14}" for n in names) + f"{'target':>22}"
    print(head)
    print("-" * len(head))

    def row(label: str, key: str, fmt: str, target: str) -> None:
        cells = "".join(f"{format(results[n][key], fmt):>14}" for n in names)
        print(f"{label:<38}{cells}{target:>22}")

    row("append entries/s", "append", ",.0f", "≥ 100,000 (SQLite)")
    print(f"{'hashlib streaming root, entries/s':<38}" + "".join(
        f"{format(base, ',.0f'):>14}" for _ in names) + f"{'(baseline)':>22}")
    print(f"{'append ÷ hashlib (paired runs)':<38}" + "".join(
        f"{results[n]['ratio']:>14.3f}" for n in names) + f"{'≥ 0.25':>22}")
    if not args.no_relaxed:
        row("  not synced (before ADR 0009)", "relaxed", ",.0f", "(comparison)")
        row("  synced ÷ not synced (paired)", "cost", ".3f", "")
    if big:
        print(f"{f'append entries/s, batch {args.big_batch} (SQLite)':<38}{big:>14,.0f}"
              f"{'':>14}{'':>22}")
        print(f"{'  ÷ hashlib baseline':<38}{big / base:>14.3f}{'':>14}{'≥ 0.25':>22}")
    row("inclusion proofs served/s", "proofs", ",.0f", "≥ 3,000")
    row("proof verifications/s", "verify", ",.0f", "≥ 20,000")
    if rehash:
        print(f"{f'export {args.rehash:,} entries (SQLite), s':<38}{rehash['export']:>14.2f}")
        print(f"{f're-hash {args.rehash:,} entries (zeren-verify), s':<38}"
              f"{rehash['rehash']:>14.2f}{'< 15':>22}")


if __name__ == "__main__":
    main()
