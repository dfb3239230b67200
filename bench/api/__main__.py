"""Latency of the foundation's read paths over loopback against a real uvicorn server: the
live posture of a platform, one guideline article, the audit trail page, beside ``/health``
(the same server's floor) measured in the same run. Data: the demo group plus a history of
stored evaluations, loaded as ``zeren demo`` loads it (the group, then the modules' records:
orders, listings, a finished patrol …), in a fresh SQLite database under bench/out/ (or
``--pg URL``). The load average is printed beside the table (the host is shared).

    .venv/bin/python -m bench.api [--requests 500] [--history 200] [--pg postgresql+psycopg://…]
                                  [--cases 1000000] [--orders 1000000] [--reuse]

``--cases N`` stores N moderation cases of the measured platform (each with its subject;
created over the last 60 days, most decided within their SLA), written in bulk through the
tables the posture reads; ``--orders N`` appends N order records of that platform to the
ledger through the integrator (real entries, tiles and signed checkpoints, in batches), each
completed over the last 60 days and indexed beside its entry in the order index (what the
tax report reads), as ``log_order_record`` would. The database and its data stay under
bench/out/api/: ``--reuse`` measures them again without seeding (a million rows take
minutes to store).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

OUT = Path(__file__).resolve().parents[1] / "out" / "api"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _scale(url: str, pid: str, cases: int, orders: int) -> None:
    import json
    from datetime import UTC, datetime, timedelta

    from zeren.db.bulk import bulk_insert
    from zeren.db.session import make_engine, unit_of_work
    from zeren.ledger.integrator import PendingEntry
    from zeren.ledger.models import OrderIndex
    from zeren.ledger.service import integrator_for
    from zeren.moderation.models import Case, Subject

    engine = make_engine(url)
    now = datetime.now(UTC)
    chunk = 50_000
    t0 = time.perf_counter()
    for start in range(0, cases, chunk):
        subs: list[dict[str, object]] = []
        rows: list[dict[str, object]] = []
        for i in range(start, min(cases, start + chunk)):
            sid, created = str(uuid.uuid4()), now - timedelta(minutes=(i * 7919) % 86_400)
            decided = i % 50 != 0
            subs.append({"id": sid, "platform_id": pid, "kind": "post", "external_ref": f"b{i}",
                         "owner_id": None, "display_name": "", "text": "", "media": [],
                         "real_name_verified": None, "state": "visible", "verdict": None,
                         "inbox_token": None, "created_at": created, "updated_at": created})
            rows.append({"id": str(uuid.uuid4()), "platform_id": pid, "subject_id": sid,
                         "open_key": None if decided else sid, "category": "fraud",
                         "severity": 2, "queue": "general",
                         "status": "decided" if decided else "open", "priority": 2,
                         "report_count": 1, "sources": "user",
                         "sla_due_at": created + timedelta(hours=24), "claimed_by": None,
                         "claimed_at": None, "escalations": 0, "escalated_at": None,
                         "sla_breached_at": None, "decision": "action" if decided else None,
                         "decided_by": "bench" if decided else None,
                         "decided_at": created + timedelta(hours=2) if decided else None,
                         "created_at": created, "updated_at": created})
        with unit_of_work(engine) as s:
            bulk_insert(s, Subject.__table__, subs)  # type: ignore[arg-type]
            bulk_insert(s, Case.__table__, rows)  # type: ignore[arg-type]
    t1 = time.perf_counter()
    if orders:
        integrator = integrator_for(engine, OUT / "data")
        name = f"orders/{now.year}"
        for start in range(0, orders, chunk):
            ids = range(start, min(orders, start + chunk))
            batch = [PendingEntry(json.dumps(
                {"class": "orders", "platform_id": pid, "order_id": f"o{i}",
                 "total_amount": "120.00"}, separators=(",", ":")).encode(),
                subject=f"order:{pid}:o{i}") for i in ids]
            got = integrator.append_batch(name, batch)
            index = [{"platform_id": pid, "record": "order", "ref": f"o{i}", "order_id": f"o{i}",
                      "merchant_ref": f"m{i % 500}", "income_kind": "goods",
                      "amount_cents": 12_000, "other_cents": 0,
                      "at": now - timedelta(minutes=(i * 7919) % 86_400), "log": got.log,
                      "idx": at} for i, at in zip(ids, got.indexes, strict=True)]
            with unit_of_work(engine) as s:
                bulk_insert(s, OrderIndex.__table__, index)  # type: ignore[arg-type]
    t2 = time.perf_counter()
    engine.dispose()
    print(f"stored {cases:,} cases in {t1 - t0:.0f} s and {orders:,} ledger orders in "
          f"{t2 - t1:.0f} s", flush=True)


def _prepare(url: str, history: int) -> str:
    """The demo group as ``zeren demo`` loads it, then ``history`` stored evaluations."""
    from zeren.auth.policy import SYSTEM
    from zeren.db.migrate import upgrade
    from zeren.db.session import make_engine, unit_of_work
    from zeren.demo import load_demo, load_demo_records
    from zeren.platforms.service import get_platform
    from zeren.posture.service import evaluate

    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        load_demo(session=s, data_dir=OUT / "data")
    load_demo_records(engine=engine, data_dir=OUT / "data")  # after the group has committed
    with unit_of_work(engine) as s:
        mall = get_platform(session=s, platform_ref="jingxuan-mall")
        for _ in range(history):
            evaluate(session=s, actor=SYSTEM, platform=mall)
        pid = mall.id
    engine.dispose()
    return pid


def _token(url: str) -> str:
    from zeren.auth.policy import SYSTEM
    from zeren.auth.service import create_token
    from zeren.db.session import make_engine, unit_of_work

    engine = make_engine(url)
    with unit_of_work(engine) as s:
        token = create_token(session=s, actor=SYSTEM, username="auditor",
                             name=f"bench {uuid.uuid4()}", expires_at=None)[1]
    engine.dispose()
    return token


def _platform_id(url: str) -> str:
    from zeren.db.session import make_engine, unit_of_work
    from zeren.platforms.service import get_platform

    engine = make_engine(url)
    with unit_of_work(engine) as s:
        pid = get_platform(session=s, platform_ref="jingxuan-mall").id
    engine.dispose()
    return pid


def _measure(client: httpx.Client, path: str, headers: dict[str, str], n: int) -> list[float]:
    for _ in range(min(50, n)):
        client.get(path, headers=headers).raise_for_status()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.get(path, headers=headers).raise_for_status()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--history", type=int, default=200, help="stored evaluations before measuring")
    ap.add_argument("--pg", help="PostgreSQL URL of an empty database to use instead of SQLite")
    ap.add_argument("--cases", type=int, default=0, help="moderation cases to add (bulk)")
    ap.add_argument("--orders", type=int, default=0, help="ledger order records to add")
    ap.add_argument("--reuse", action="store_true",
                    help="measure the database a previous run left (SQLite: bench/out/api/)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "api-bench.db"
    url = args.pg or f"sqlite:///{db}"
    if args.reuse:
        pid = _platform_id(url)
    else:
        if not args.pg:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            shutil.rmtree(OUT / "data", ignore_errors=True)
        pid = _prepare(url, args.history)
        if args.cases or args.orders:
            _scale(url, pid, args.cases, args.orders)
    token = _token(url)
    port = _free_port()
    env = {**os.environ, "ZEREN_DATABASE_URL": url, "ZEREN_DATA_DIR": str(OUT / "data")}
    env.setdefault("ZEREN_SECRET_KEY", secrets.token_urlsafe(48))  # this run's own secret
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "zeren.app:create_app", "--factory", "--port",
         str(port), "--log-level", "warning"], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    client.get("/api/v1/health")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            h = {"Authorization": f"Bearer {token}"}
            rows = [
                ("GET /api/v1/health (floor)", "/api/v1/health", {}),
                ("GET guideline article 13", "/api/v1/guideline/articles/13", h),
                ("GET audit events (50)", "/api/v1/audit/events?limit=50", h),
                ("GET live posture (35 articles, all obligations)",
                 f"/api/v1/platforms/{pid}/posture", h),
                ("GET obligation history (50 of N)",
                 f"/api/v1/platforms/{pid}/posture/obligations/art35.tier/history", h),
            ]
            results = [(name, _measure(client, path, hdr, args.requests))
                       for name, path, hdr in rows]
    finally:
        server.terminate()
        server.wait(timeout=10)
    load = os.getloadavg()
    floor = statistics.median(results[0][1])
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"\nfoundation read paths, {backend}, {args.requests} sequential requests each, "
          f"{args.history} stored evaluations, {args.cases:,} extra cases, {args.orders:,} "
          f"extra ledger orders; one uvicorn worker on loopback; load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)\n")
    print(f"{'path':<50}{'p50 ms':>9}{'p99 ms':>9}{'p50 ÷ floor':>13}")
    print("-" * 81)
    for name, samples in results:
        q = statistics.quantiles(samples, n=100)
        p50 = statistics.median(samples)
        print(f"{name:<50}{p50:>9.2f}{q[98]:>9.2f}{p50 / floor:>13.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
