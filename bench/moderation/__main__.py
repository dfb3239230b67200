"""Moderation benchmark, SQLite beside PostgreSQL in one run (shared 2-core machines: compare
within a run, not across runs).

* Batch intake: reports/s through ``service.submit_reports`` (batches of ``--batch``; half the
  reports land on a subject that already has an open case, so bundling is exercised), beside
  a baseline measured on the same database: a bare executemany INSERT of the same report rows
  with no subject, case or event work (the ceiling for any intake path that keeps reports).
* With ``--cases`` cases stored (default 1,000,000: 10 % open across the queues, the rest
  decided; one subject and one case event each, generated inside the database with bulk
  INSERT … SELECT), the latency of
  - next case: ``services.cases.next_case`` — find the most urgent open case across every queue and
    claim it (conditional UPDATE, audit event, commit), one moderator after another;
  - case page: ``services.cases.case_page`` for a random case — case, subject, owner, reports,
    history and measures.
  Percentiles over ``--samples`` calls; medians of ``--repeat`` intake runs.

    .venv/bin/python -m bench.moderation [--cases 1000000] [--reports 20000] [--no-pg]

Data lives under bench/out/moderation (git-ignored) and in a throw-away PostgreSQL database.
No targets are asserted; the table prints them beside the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text

from zeren.auth.policy import SYSTEM, Actor, Grant
from zeren.db.base import new_id, utcnow
from zeren.db.migrate import upgrade
from zeren.db.session import make_engine, unit_of_work
from zeren.moderation.models import Report
from zeren.moderation.schemas import ReportIn, SubjectIn
from zeren.moderation.services import cases
from zeren.moderation.services.intake import submit_reports
from zeren.platforms.service import create_platform

OUT = Path(__file__).resolve().parents[1] / "out" / "moderation"
PG_ADMIN = os.environ.get("ZEREN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CATEGORIES = ["illegal.rumours", "harmful.vulgar", "prohibited_goods", "fraud",
              "advertising_absolute", "ip_infringement", "harmful.sexual_innuendo"]


@contextmanager
def database(kind: str, name: str) -> Iterator[Engine]:
    if kind == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"{name}.db"
        for p in OUT.glob(f"{name}.db*"):
            p.unlink()
        url = f"sqlite:///{path}"
        upgrade(url)
        eng = make_engine(url)
        try:
            yield eng
        finally:
            eng.dispose()
        return
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    db = f"zeren_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{db}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{db}"
    try:
        upgrade(url)
        eng = make_engine(url)
        try:
            yield eng
        finally:
            eng.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


def platform(engine: Engine, code: str = "bench") -> str:
    with unit_of_work(engine) as s:
        p = create_platform(session=s, actor=SYSTEM, data={
            "code": code, "name": "基准平台", "legal_entity": "基准科技有限公司",
            "uscc": "91350100M000100Y43", "platform_type": "online_sales",
            "contact_email": "b@example.com"})
        return p.id


def reports(n: int, run: int) -> list[ReportIn]:
    rnd = random.Random(run)
    out = []
    for i in range(n):
        ref = f"r{run}-s{i // 2}"  # two reports per subject: the second one bundles
        out.append(ReportIn(
            subject=SubjectIn(kind="post", external_ref=ref, text="内容"),
            category=rnd.choice(CATEGORIES), source="user", description="举报内容",
            reporter_ref=f"u{i}"))
    return out


def intake(engine: Engine, pid: str, items: list[ReportIn], batch: int) -> float:
    t = time.perf_counter()
    for i in range(0, len(items), batch):
        with unit_of_work(engine) as s:
            submit_reports(session=s, platform_id=pid, items=items[i:i + batch],
                               received_by="bench")
    return len(items) / (time.perf_counter() - t)


def baseline(engine: Engine, pid: str, n: int, batch: int) -> float:
    """A bare INSERT of n report rows (pointing at one existing case)."""
    with unit_of_work(engine) as s:
        r = submit_reports(session=s, platform_id=pid, received_by="bench", items=[
            ReportIn(subject=SubjectIn(kind="post", external_ref=f"base-{uuid.uuid4().hex}"),
                     category="fraud")])[0]
        subject_id = s.get(Report, r.report_id).subject_id  # type: ignore[union-attr]
    now = utcnow()
    rows = [{"id": new_id(), "receipt": f"B-{uuid.uuid4().hex[:20]}", "platform_id": pid,
             "case_id": r.case_id, "subject_id": subject_id, "category": "fraud",
             "source": "user", "reporter_ref": f"u{i}", "reporter_contact": "",
             "authority": "", "document_no": "", "description": "举报内容", "evidence": [],
             "received_by": "bench", "created_at": now} for i in range(n)]
    t = time.perf_counter()
    for i in range(0, n, batch):
        with unit_of_work(engine) as s:
            s.execute(insert(Report), rows[i:i + batch])
    return n / (time.perf_counter() - t)


QUEUES = ["escalated", "authority", "ip", "consumer", "priority", "commerce", "content",
          "general"]


def fill(engine: Engine, pid: str, n: int) -> float:
    """n subjects, n cases (10 % open) and n case events, generated inside the database."""
    t = time.perf_counter()
    qcase = "CASE (i % 7) " + " ".join(f"WHEN {k} THEN '{q}'" for k, q in
                                        enumerate(QUEUES[1:])) + " END"
    if engine.dialect.name == "sqlite":
        gen = ("WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < :n) ")
        due = "datetime('2026-01-01', '+' || (i % 200000) || ' minutes')"
        created = "datetime('2025-06-01', '+' || (i % 500000) || ' seconds')"
        sid, cid = "printf('s%09d', i)", "printf('c%09d', i)"
        src = "g"
    else:
        gen = ""
        due = "timestamptz '2026-01-01 00:00+00' + (i % 200000) * interval '1 minute'"
        created = "timestamptz '2025-06-01 00:00+00' + (i % 500000) * interval '1 second'"
        sid, cid = "'s' || lpad(i::text, 9, '0')", "'c' || lpad(i::text, 9, '0')"
        src = "generate_series(1, :n) AS g(i)"
    with engine.begin() as c:
        c.execute(text(
            f"{gen}INSERT INTO mod_subjects (id, platform_id, kind, external_ref, display_name,"
            " text, media, state, created_at, updated_at) "
            f"SELECT {sid}, :pid, 'post', {sid}, '', '内容', '[]', 'visible', {created}, "
            f"{created} FROM {src}"), {"n": n, "pid": pid})
        c.execute(text(
            f"{gen}INSERT INTO mod_cases (id, platform_id, subject_id, open_key, category, "
            "severity, queue, status, priority, report_count, sources, sla_due_at, escalations,"
            " decision, decided_by, decided_at, created_at, updated_at) "
            f"SELECT {cid}, :pid, {sid}, CASE WHEN i % 10 = 0 THEN {sid} END, 'fraud', "
            f"1 + i % 3, {qcase}, CASE WHEN i % 10 = 0 THEN 'open' ELSE 'decided' END, "
            "((i % 1000) * 7919) % 400, 1, 'user', " + due + ", 0, "
            "CASE WHEN i % 10 = 0 THEN NULL ELSE 'no_action' END, "
            "CASE WHEN i % 10 = 0 THEN NULL ELSE 'bench' END, "
            f"CASE WHEN i % 10 = 0 THEN NULL ELSE {created} END, {created}, {created} "
            f"FROM {src}"), {"n": n, "pid": pid})
        c.execute(text(
            f"{gen}INSERT INTO mod_case_events (case_id, kind, actor, data, created_at) "
            f"SELECT {cid}, 'report', 'bench', '{{}}', {created} FROM {src}"), {"n": n})
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE mod_cases"))
            c.execute(text("VACUUM ANALYZE mod_subjects"))
            c.execute(text("VACUUM ANALYZE mod_case_events"))
    else:
        with engine.begin() as c:
            c.execute(text("ANALYZE"))
    return time.perf_counter() - t


def latencies(fn: Callable[[int], object], samples: int) -> list[float]:
    out = []
    for i in range(samples):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(p / 100 * len(v)) - 1))]


def run(kind: str, args: argparse.Namespace) -> dict[str, float]:
    res: dict[str, float] = {}
    with database(kind, "intake") as eng:
        pid = platform(eng)
        rates, bases = [], []
        for r in range(args.repeat):
            rates.append(intake(eng, pid, reports(args.reports, r), args.batch))
            bases.append(baseline(eng, pid, args.reports, args.batch))
        res["intake"] = statistics.median(rates)
        res["baseline"] = statistics.median(bases)
    with database(kind, "cases") as eng:
        pid = platform(eng)
        res["fill_s"] = fill(eng, pid, args.cases)
        mods = [Actor(user_id=f"m{i}", username=f"mod-{i}", grants=(Grant("moderator", None),))
                for i in range(args.samples)]

        def take(i: int) -> object:
            with unit_of_work(eng) as s:
                return cases.next_case(session=s, actor=mods[i], platform_id=pid)

        take(0)  # warm caches
        nxt = latencies(lambda i: take(i + 1 if i + 1 < len(mods) else 0), args.samples - 1)
        rnd = random.Random(7)
        ids = [f"c{rnd.randint(1, args.cases):09d}" for _ in range(args.samples)]

        def page(i: int) -> object:
            with unit_of_work(eng) as s:
                return cases.case_page(session=s, actor=SYSTEM, case_id=ids[i])

        pages = latencies(page, args.samples)
        res.update(next_p50=pct(nxt, 50), next_p99=pct(nxt, 99), page_p50=pct(pages, 50),
                   page_p99=pct(pages, 99))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--reports", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    kinds = ["sqlite"] if args.no_pg else ["sqlite", "postgresql"]
    results = {k: run(k, args) for k in kinds}
    print(f"\nmoderation bench: {args.reports} reports/run (batches of {args.batch}, "
          f"median of {args.repeat}); {args.cases:,} cases stored; {args.samples} samples\n")
    rows = [
        ("batch intake, reports/s", "intake", ">= 2,000 (SQLite)", "{:,.0f}"),
        ("  baseline: bare INSERT of the reports, rows/s", "baseline", "", "{:,.0f}"),
        ("fill: subjects + cases + events, s", "fill_s", "", "{:.1f}"),
        ("next case (find + claim + commit) p50, ms", "next_p50", "", "{:.2f}"),
        ("next case p99, ms", "next_p99", "< 50", "{:.2f}"),
        ("case page p50, ms", "page_p50", "", "{:.2f}"),
        ("case page p99, ms", "page_p99", "< 100", "{:.2f}"),
    ]
    head = f"{'figure':<48}" + "".join(f"{k:>14}" for k in kinds) + f"{'target':>20}"
    print(head)
    print("-" * len(head))
    for label, key, target, fmt in rows:
        print(f"{label:<48}" + "".join(f"{fmt.format(results[k][key]):>14}" for k in kinds)
              + f"{target:>20}")


if __name__ == "__main__":
    main()
