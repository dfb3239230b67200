"""Gig workers' working-time and pay checks, measured (issue 16), beside a baseline taken in
the same run over the very same rows:

* core: ``--rows`` dispatch-log segments of ``--workers`` workers over four Beijing weeks
  (columns in memory), the four rules of ``zeren.workers.domain.assess`` (daily order time,
  continuous work without the pause, a rest day a week, pay against the minimum wage) beside
  the plain aggregation of the same rows (seconds per worker, one ``bincount``). Target:
  10,000,000 rows for 100,000 workers < 60 s.
* database: ``--db-rows`` of those segments stored through the import service on SQLite (or
  ``--pg``), then the posture check reading them back and assessing them, beside a plain
  ``SELECT worker, sum(seconds) GROUP BY worker`` over the same table.

    .venv/bin/python -m bench.people [--rows 10000000] [--workers 100000] [--db-rows 200000]
        [--pg postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "out" / "people"
FIRST = date(2026, 11, 2)  # a Monday


def synth(rows: int, workers: int, seed: int = 16) -> tuple[Any, ...]:
    """Segments of ``workers`` workers (``rows`` in all) from the first Monday on: each
    10-60 min long, gaps drawn so a worker's segments spread over the four weeks; sorted by
    worker then start, never overlapping."""
    from zeren.workers import domain as d

    rng = np.random.default_rng(seed)
    per = rows // workers
    worker = np.repeat(np.arange(workers, dtype=np.int64), per)
    dur = rng.integers(600, 3600, size=worker.size, dtype=np.int64)
    gap = rng.exponential(20 * 86400 / per, size=worker.size).astype(np.int64) + 60
    step = (dur + gap).reshape(workers, per)
    start = (np.cumsum(step, axis=1) - step).reshape(-1) + int(d.instant(
        d.day_number(FIRST)).timestamp())
    end = start + dur
    pay = rng.integers(1500, 4000, size=worker.size, dtype=np.int64)
    return worker, start, end, pay


def bench_core(rows: int, workers: int) -> dict[str, float]:
    from zeren.workers import domain as d

    worker, start, end, pay = synth(rows, workers)
    t0 = time.perf_counter()
    log = d.Log.of(worker, start, end, pay, workers)
    wage = np.full(workers, d.minimum_wage("beijing"), dtype=np.int64)
    got = d.assess(log, first_day=d.day_number(FIRST), weeks=4, wage_fen=wage, lim=d.limits())
    check_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    base = d.plain_aggregation(d.Log(worker, start, end, pay, workers))
    base_s = time.perf_counter() - t1
    assert base.shape == (workers,)
    out = {"rows": float(worker.size), "check_s": check_s, "baseline_s": base_s}
    for r, f in got.rules.items():
        out[f"{r}_breaches"] = float(f.breaches)
    return out


def bench_db(url: str, rows: int, workers: int) -> dict[str, float]:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from zeren.auth.policy import SYSTEM
    from zeren.db.migrate import upgrade
    from zeren.db.session import make_engine, unit_of_work
    from zeren.platforms.service import create_platform
    from zeren.posture.domain import CheckContext
    from zeren.workers import checks
    from zeren.workers.models import LogSegment, Worker
    from zeren.workers.schemas import SegmentIn, WorkerIn
    from zeren.workers.services import logs, register

    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        p = create_platform(session=s, actor=SYSTEM, data={
            "code": "bench", "name": "测试平台", "legal_entity": "测试网络科技有限公司",
            "uscc": "91330100MA2H000A12", "platform_type": "online_sales",
            "contact_email": "c@example.com"})
        pid = p.id
    with unit_of_work(engine) as s:
        register.register_workers(session=s, actor=SYSTEM, platform_id=pid, workers=[
            WorkerIn(worker_id=f"W{i}", kind="rider", city="beijing",
                     personal={"name": f"骑手{i}"}) for i in range(workers)])
    worker, start, end, pay = synth(rows, workers, seed=17)
    segs = [SegmentIn(worker_id=f"W{w}", starts_at=datetime.fromtimestamp(int(a), UTC),
                      ends_at=datetime.fromtimestamp(int(b), UTC), state="delivering",
                      orders=1, pay_fen=int(c))
            for w, a, b, c in zip(worker, start, end, pay, strict=True)]
    t0 = time.perf_counter()
    for lo in range(0, len(segs), 100_000):
        with unit_of_work(engine) as s:
            logs.import_segments(session=s, actor=SYSTEM, platform_id=pid,
                                 segments=segs[lo:lo + 100_000], source="bench")
    import_s = time.perf_counter() - t0
    at = datetime.combine(FIRST + timedelta(days=28), datetime.min.time(), UTC) \
        + timedelta(hours=4)
    t1 = time.perf_counter()
    with unit_of_work(engine) as s:
        res = checks.working_time(CheckContext(session=s, platform_id=pid, now=at))
    check_s = time.perf_counter() - t1
    t2 = time.perf_counter()
    with unit_of_work(engine) as s:
        g = LogSegment
        n = len(s.execute(select(g.worker_id, func.sum(g.seconds)).where(
            g.platform_id == pid).group_by(g.worker_id)).all())
        assert n == workers and s.scalar(select(func.count()).select_from(Worker)) == workers
    base_s = time.perf_counter() - t2
    engine.dispose()
    return {"rows": float(len(segs)), "import_rows_s": len(segs) / import_s,
            "check_s": check_s, "baseline_s": base_s, "status": str(res.status.value)}  # type: ignore[dict-item]


def _fresh(pg: str | None) -> str:
    if pg:
        from sqlalchemy import create_engine, text

        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text('DROP DATABASE IF EXISTS "zeren_bench_people" WITH (FORCE)'))
            c.execute(text('CREATE DATABASE "zeren_bench_people"'))
        admin.dispose()
        return pg.rsplit("/", 1)[0] + "/zeren_bench_people"
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "people.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.people")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--workers", type=int, default=100_000)
    ap.add_argument("--db-rows", type=int, default=200_000)
    ap.add_argument("--db-workers", type=int, default=2_000)
    ap.add_argument("--pg", default=None)
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}, "
          f"{os.cpu_count()} CPUs")
    c = bench_core(a.rows, a.workers)
    print(f"\n{'core (columns in memory)':<42}{'rows':>12}{'seconds':>10}{'rows/s':>14}")
    print(f"{'working-time and pay checks (4 rules)':<42}{int(c['rows']):>12,}"
          f"{c['check_s']:>10.2f}{c['rows'] / c['check_s']:>14,.0f}")
    print(f"{'baseline: seconds per worker (bincount)':<42}{int(c['rows']):>12,}"
          f"{c['baseline_s']:>10.2f}{c['rows'] / c['baseline_s']:>14,.0f}")
    print(f"{'ratio check / baseline':<42}{'':>12}{c['check_s'] / c['baseline_s']:>10.1f}")
    print("breaches: " + ", ".join(f"{k[:-9]} {int(v):,}" for k, v in c.items()
                                   if k.endswith("_breaches")))
    if a.db_rows:
        r = bench_db(_fresh(a.pg), a.db_rows, a.db_workers)
        db = "PostgreSQL" if a.pg else "SQLite"
        print(f"\n{'database (' + db + ')':<42}{'rows':>12}{'seconds':>10}{'rows/s':>14}")
        print(f"{'import through the service':<42}{int(r['rows']):>12,}"
              f"{r['rows'] / r['import_rows_s']:>10.2f}{r['import_rows_s']:>14,.0f}")
        print(f"{'posture check (read + 4 rules) → ' + str(r['status']):<42}"
              f"{int(r['rows']):>12,}{r['check_s']:>10.2f}{r['rows'] / r['check_s']:>14,.0f}")
        print(f"{'baseline: GROUP BY worker sum(seconds)':<42}{int(r['rows']):>12,}"
              f"{r['baseline_s']:>10.2f}{r['rows'] / r['baseline_s']:>14,.0f}")


if __name__ == "__main__":
    main()
