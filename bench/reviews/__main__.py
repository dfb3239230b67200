"""Reviews, measured (issue 12), each beside a baseline taken in the same run:

* ingest: ``--reviews`` reviews of orders already in the ledger, through the service in
  batches of 5,000 (checks, kept rows, one outbox row and one sealing of the reviewers per
  batch; one commit per batch), then the outbox
  flushed to the ledger; beside the ledger's own append rate for the very same entries
  (the integrator appending them directly, no checks, no rows). Target ≥ 20,000 reviews/s
  batched on SQLite.
* display audit: ``--displayed`` review ids of one listing read from the database and
  compared with a display holding planted tampering (removed, altered, pushed down);
  beside the floor of reading the same ids (the driver's tuples) and taking a set
  difference. Target < 10 s for
  1,000,000.

* credit: a batch for ``--credit-merchants`` merchants over ``--credit-reviews`` reviews
  (target < 60 s for 100,000 over 10,000,000), beside the GROUP BY that reads the reviews.

    .venv/bin/python -m bench.reviews [--reviews 20000] [--displayed 1000000]
        [--credit-merchants 100000] [--credit-reviews 10000000]
        [--only ingest|audit|credit]
        [--pg postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "out" / "reviews"


def _fresh_url(pg: str | None, name: str) -> str:
    if pg:
        from sqlalchemy import create_engine, text

        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        db = f"zeren_bench_{name}"
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{db}"'))
        admin.dispose()
        return pg.rsplit("/", 1)[0] + "/" + db
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _setup(url: str) -> tuple[Any, str]:
    from zeren.auth.policy import SYSTEM
    from zeren.db.migrate import upgrade
    from zeren.db.session import make_engine, unit_of_work
    from zeren.platforms.service import create_platform

    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        p = create_platform(session=s, actor=SYSTEM, data={
            "code": "bench", "name": "测试商城", "legal_entity": "测试网络科技有限公司",
            "uscc": "91330100MA2H000A12", "platform_type": "online_sales",
            "contact_email": "c@example.com"})
        return engine, p.id


def bench_ingest(url: str, n: int) -> dict[str, float]:
    from zeren.auth.policy import SYSTEM
    from zeren.db.session import unit_of_work
    from zeren.ledger.integrator import PendingEntry
    from zeren.ledger.interfaces import build_entry
    from zeren.ledger.outbox import flush_all
    from zeren.ledger.service import integrator_for
    from zeren.reviews import domain as d
    from zeren.reviews import service as svc
    from zeren.reviews.schemas import ReviewIn

    engine, pid = _setup(url)
    keys_dir = OUT / "keys"
    integ = integrator_for(engine, keys_dir)
    year = datetime.now(UTC).year
    orders = [PendingEntry(build_entry(record_class="orders", record={
        "platform_id": pid, "order_id": f"O{i}"}, sealed=None), subject=f"order:{pid}:O{i}")
        for i in range(n)]
    integ.append(f"orders/{year}", orders)  # the orders the reviews name (not timed)
    now = datetime.now(UTC)
    reviews = [ReviewIn(review_id=f"R{i}", order_id=f"O{i}", merchant_id=f"m{i % 100}",
                        listing_id=f"L{i % 1000}", rating=1 + i % 5, text=f"第{i}条评价，物流很快",
                        images=[], reviewed_at=now - timedelta(seconds=i),
                        reviewer={"id": f"b{i}", "name": "张三"})  # type: ignore[arg-type]
               for i in range(n)]
    t0, c0 = time.perf_counter(), time.process_time()
    for lo in range(0, n, 5000):
        with unit_of_work(engine) as s:
            svc.ingest(session=s, actor=SYSTEM, platform_id=pid, reviews=reviews[lo:lo + 5000],
                       now=now)
    ingest_s, ingest_cpu = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    flush_all(engine=engine, integrator=integ)
    flush_s = time.perf_counter() - t1
    # baseline: the ledger appending the same review entries itself
    same = [PendingEntry(build_entry(record_class="reviews", record={
        "event": "review", "platform_id": pid, "review_ref": r.review_id,
        "order_id": r.order_id, "merchant_ref": r.merchant_id, "listing_ref": r.listing_id,
        "rating": r.rating, "text": r.text, "images": [],
        "fingerprint": d.fingerprint(r.rating, r.text),
        "reviewed_at": r.reviewed_at.isoformat()}, sealed=None),
        subject=f"review:{pid}:{r.review_id}") for r in reviews]
    t2, c2 = time.perf_counter(), time.process_time()
    integ.append(f"baseline/{year}", same)
    base_s, base_cpu = time.perf_counter() - t2, time.process_time() - c2
    engine.dispose()
    return {"ingest": n / ingest_s, "end_to_end": n / (ingest_s + flush_s),
            "ledger": n / base_s, "ingest_cpu": n / ingest_cpu, "ledger_cpu": n / base_cpu}


def bench_audit(url: str, n: int) -> dict[str, float]:
    from sqlalchemy import select

    from zeren.db.bulk import bulk_insert, raw_rows
    from zeren.db.session import unit_of_work
    from zeren.reviews import domain as d
    from zeren.reviews import service as svc
    from zeren.reviews.models import REVIEWS

    engine, pid = _setup(url)
    now = datetime.now(UTC)
    t = now - timedelta(days=1)
    step = 5000
    for lo in range(0, n, step):  # the planted reviews (bulk rows, not timed)
        with unit_of_work(engine) as s:
            bulk_insert(s, REVIEWS, [{
                "id": f"id{i}", "platform_id": pid, "review_ref": f"R{i:07d}",
                "order_id": f"O{i}", "merchant_ref": "m1", "listing_ref": "L1",
                "rating": 5, "text": "好", "images": [], "fingerprint": d.fingerprint(5, "好"),
                "reviewed_at": t - timedelta(seconds=i), "reviewer_ref": None,
                "ingested_at": now, "ingested_by": "bench"} for i in range(lo, min(n, lo + step))])
    order = [f"R{i:07d}" for i in range(n)]  # newest first
    rnd = random.Random(3)
    shown = list(order)
    removed = set(rnd.sample(order, 10))
    shown = [r for r in shown if r not in removed]
    pushed = rnd.sample(shown[: n // 2], 10)
    for r in pushed:
        shown.remove(r)
        shown.append(r)
    altered = {r: "0" * 64 for r in rnd.sample(shown, 10)}
    with unit_of_work(engine) as s:
        t0 = time.perf_counter()
        exp = svc.expected_for(session=s, platform_id=pid, scope="listing", ref="L1", at=now,
                               fingerprints_of=altered.keys())
        res = d.audit_display(exp, shown, altered)
        audit_s = time.perf_counter() - t0
        t1 = time.perf_counter()  # the floor: the ids as the driver reads them, one set op
        got = {r for (r,) in raw_rows(s, select(REVIEWS.c.review_ref).where(
            REVIEWS.c.platform_id == pid, REVIEWS.c.listing_ref == "L1"))}
        _ = got - set(shown)
        floor_s = time.perf_counter() - t1
    counts = res.counts()
    assert counts["missing"] == 10 and counts["altered"] == 10 and counts["pushed_down"] == 10, \
        counts
    engine.dispose()
    return {"audit_s": audit_s, "floor_s": floor_s}


def bench_credit(url: str, merchants: int, n: int) -> dict[str, float]:
    from sqlalchemy import func, select

    from zeren.auth.policy import SYSTEM
    from zeren.credit import service as credit
    from zeren.db.bulk import bulk_insert
    from zeren.db.session import unit_of_work
    from zeren.reviews.models import REVIEWS, Review
    from zeren.rules import domain as rd
    from zeren.rules import schemas as rs
    from zeren.rules.services import documents as docs

    engine, pid = _setup(url)
    now = datetime.now(UTC)
    start = now - timedelta(days=40)
    with unit_of_work(engine) as s:  # the credit rule in force (not timed)
        doc = docs.create_document(session=s, actor=SYSTEM, platform_id=pid, data=rs.DocumentIn(
            code="credit", kind="credit_rule", title="信用评价规则"))
        v = docs.add_version(session=s, actor=SYSTEM, document=doc, data=rs.VersionIn(
            body_md="# 信用评价规则", summary="首版"), now=start)
        closes = rd.days_after(start, 7)
        docs.open_consultation(session=s, actor=SYSTEM, version=v, closes_at=closes, now=start)
        docs.decide(session=s, actor=SYSTEM, version=v, data=rs.DecisionIn(
            outcome="adopt", decision="通过"), now=closes)
        docs.publish(session=s, actor=SYSTEM, version=v,
                     effective_at=rd.earliest_effective(closes, 7), now=closes)
    t = now - timedelta(days=1)
    step = 20000
    for lo in range(0, n, step):  # planted reviews (bulk rows, not timed)
        with unit_of_work(engine) as s:
            bulk_insert(s, REVIEWS, [{
                "id": f"id{i}", "platform_id": pid, "review_ref": f"R{i}", "order_id": f"O{i}",
                "merchant_ref": f"m{i % merchants}", "listing_ref": "L", "rating": 1 + i % 5,
                "text": "", "images": [], "fingerprint": "0" * 64, "reviewed_at": t,
                "reviewer_ref": None, "ingested_at": now, "ingested_by": "bench"}
                for i in range(lo, min(n, lo + step))])
    with unit_of_work(engine) as s:
        t0 = time.perf_counter()
        s.execute(select(Review.merchant_ref, func.count(), func.sum(Review.rating))
                  .where(Review.platform_id == pid).group_by(Review.merchant_ref)).all()
        floor_s = time.perf_counter() - t0
    with unit_of_work(engine) as s:
        t1 = time.perf_counter()
        b = credit.compute(session=s, actor=SYSTEM, platform_id=pid, now=now)
        s.flush()
    compute_s = time.perf_counter() - t1
    assert b.merchants == min(merchants, n), b.merchants
    engine.dispose()
    return {"compute_s": compute_s, "floor_s": floor_s}


def main() -> None:
    ap = argparse.ArgumentParser(prog="bench.reviews")
    ap.add_argument("--reviews", type=int, default=20000)
    ap.add_argument("--displayed", type=int, default=1_000_000)
    ap.add_argument("--credit-merchants", type=int, default=100_000)
    ap.add_argument("--credit-reviews", type=int, default=10_000_000)
    ap.add_argument("--only", choices=["ingest", "audit", "credit"], default=None)
    ap.add_argument("--pg", default=None)
    a = ap.parse_args()
    backend = "postgresql" if a.pg else "sqlite"
    print(f"reviews bench ({backend})")
    print(f"{'measure':<52} {'value':>14} {'target':>12}")
    if a.only in (None, "credit"):
        cr = bench_credit(_fresh_url(a.pg, "credit"), a.credit_merchants, a.credit_reviews)
        label = f"credit batch: {a.credit_merchants:,} merchants, {a.credit_reviews:,} reviews (s)"
        print(f"{label:<52} {cr['compute_s']:>14.2f} {'< 60':>12}")
        print(f"{'  baseline: the GROUP BY over the reviews alone (s)':<52} "
              f"{cr['floor_s']:>14.2f} {'':>12}")
        print(f"{'  ratio batch / baseline':<52} {cr['compute_s'] / cr['floor_s']:>14.2f} "
              f"{'':>12}")
    if a.only in (None, "ingest"):
        ing = bench_ingest(_fresh_url(a.pg, "ingest"), a.reviews)
        print(f"{'review ingest, batches of 5,000 (reviews/s)':<52} {ing['ingest']:>14,.0f} "
              f"{'>= 20,000':>12}")
        print(f"{'  ingest + outbox flushed to the ledger (reviews/s)':<52} "
              f"{ing['end_to_end']:>14,.0f} {'':>12}")
        print(f"{'  baseline: ledger appends the same entries (/s)':<52} "
              f"{ing['ledger']:>14,.0f} {'':>12}")
        print(f"{'  ratio ingest / ledger append':<52} {ing['ingest'] / ing['ledger']:>14.2f} "
              f"{'':>12}")
        # On a shared machine the wall rate is the CPU rate times this process's share of a
        # core; the CPU rates say what the code costs whatever the load.
        print(f"{'  ingest per CPU-second of this process (/s)':<52} "
              f"{ing['ingest_cpu']:>14,.0f} {'':>12}")
        print(f"{'  ledger append per CPU-second (/s)':<52} {ing['ledger_cpu']:>14,.0f} "
              f"{'':>12}")
    if a.only in (None, "audit"):
        aud = bench_audit(_fresh_url(a.pg, "audit"), a.displayed)
        print(f"{f'display audit of {a.displayed:,} ids (s)':<52} {aud['audit_s']:>14.2f} "
              f"{'< 10':>12}")
        print(f"{'  baseline: read the ids + set difference (s)':<52} {aud['floor_s']:>14.2f} "
              f"{'':>12}")
        print(f"{'  ratio audit / baseline':<52} {aud['audit_s'] / aud['floor_s']:>14.2f} "
              f"{'':>12}")


if __name__ == "__main__":
    main()
