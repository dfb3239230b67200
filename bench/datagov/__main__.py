"""The consent gate and the inventory import, measured.

Gate: a real uvicorn server on loopback over a fresh database (SQLite under bench/out/, or
``--pg URL``) with planted consent histories (given, withdrawn, given again). It measures, in
the same run and against the same server: ``GET /api/v1/health`` (the floor), single
``POST …/consent/decide`` calls one after another (latency p50/p99), and batched calls
(``…/consent/decide/batch``) from several clients at once (decisions/s, beside /health
requests/s from as many clients). Then it waits until the ledger outbox has logged every
decision and reports how long the ledger took to catch up.

Import: an inventory of ``--assets`` rows (CSV and XLSX) imported through the service, beside
the floor of only reading the same file with the stdlib ``csv`` module.

    .venv/bin/python -m bench.datagov [--single 2000] [--seconds 5] [--clients 4]
        [--batch 500] [--persons 5000] [--assets 100000] [--pg postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

OUT = Path(__file__).resolve().parents[1] / "out" / "datagov"
SERVICES = ("mall", "pay", "maps", "video")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


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
    path = OUT / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _prepare_gate(url: str, persons: int) -> tuple[str, str]:
    from datetime import UTC, datetime, timedelta

    from zeren.auth.policy import SYSTEM
    from zeren.auth.service import create_token, create_user
    from zeren.datagov.schemas import ConsentIn, ServiceIn, WithdrawIn
    from zeren.datagov.services import consent
    from zeren.db.migrate import upgrade
    from zeren.db.session import make_engine, unit_of_work
    from zeren.ledger.outbox import flush_all
    from zeren.ledger.service import integrator_for
    from zeren.platforms.service import create_platform

    upgrade(url)
    engine = make_engine(url)
    rnd = random.Random(7)
    t0 = datetime.now(UTC) - timedelta(days=30)
    with unit_of_work(engine) as s:
        p = create_platform(session=s, actor=SYSTEM, data={
            "code": "bench", "name": "基准平台", "legal_entity": "基准科技有限公司",
            "uscc": "91330100MA2H000A12", "platform_type": "online_sales",
            "contact_email": "c@example.com"})
        for code in SERVICES:
            consent.register_service(session=s, actor=SYSTEM, platform_id=p.id,
                                     data=ServiceIn(code=code, name=code))
        create_user(session=s, actor=SYSTEM, username="gate", display_name="gate",
                    password=None, roles=[("api_client", p.id)])
        token = create_token(session=s, actor=SYSTEM, username="gate", name="bench",
                             expires_at=None)[1]
        pid = p.id
    # Histories: each person consents once or twice; a third withdraw (some consent again).
    for start in range(0, persons, 500):
        with unit_of_work(engine) as s:
            for i in range(start, min(start + 500, persons)):
                c = consent.give_consent(session=s, actor=SYSTEM, platform_id=pid, data=ConsentIn(
                    person_ref=f"user-{i}", service="mall", purpose="ads", scope=["pay"],
                    given_at=t0 + timedelta(minutes=i % 1000), evidence="bench"))
                if rnd.random() < 1 / 3:
                    consent.withdraw_consent(session=s, actor=SYSTEM, platform_id=pid,
                                             consent_id=c.id, data=WithdrawIn(evidence="bench"))
                    if rnd.random() < 0.5:
                        consent.give_consent(session=s, actor=SYSTEM, platform_id=pid,
                                             data=ConsentIn(person_ref=f"user-{i}",
                                                            service="mall", purpose="ads",
                                                            scope=["pay"], evidence="again"))
    flush_all(engine=engine, integrator=integrator_for(engine, OUT / "data"))
    engine.dispose()
    return token, pid


def _wait_up(client: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            client.get("/api/v1/health")
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _latency(client: httpx.Client, n: int, call: Any) -> list[float]:
    for _ in range(min(100, n)):
        call()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _throughput(base: str, clients: int, seconds: float, make: Any) -> tuple[int, float]:
    """Run ``make(client)`` (returns units done) from ``clients`` threads for ``seconds``."""
    done = [0] * clients
    stop = time.monotonic() + seconds
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            with httpx.Client(base_url=base, timeout=60) as c:
                make(c)  # warm the connection
                while time.monotonic() < stop:
                    done[k] += make(c)
        except BaseException as exc:  # reported after the run
            errors.append(exc)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return sum(done), time.perf_counter() - t0


def _pending(url: str) -> int:
    from zeren.db.session import make_engine, unit_of_work
    from zeren.ledger.outbox import pending

    engine = make_engine(url)
    try:
        with unit_of_work(engine) as s:
            return pending(session=s)
    finally:
        engine.dispose()


def bench_gate(args: argparse.Namespace) -> None:
    url = _fresh_url(args.pg, "gate")
    token, pid = _prepare_gate(url, args.persons)
    port = _free_port()
    # A server refuses to start without its installation secret (ADR 0040): a fresh one.
    env = {**os.environ, "ZEREN_DATABASE_URL": url, "ZEREN_DATA_DIR": str(OUT / "data"),
           "ZEREN_SECRET_KEY": secrets.token_hex(32)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "zeren.app:create_app", "--factory", "--port",
         str(port), "--log-level", "warning", "--no-access-log"], env=env)
    base = f"http://127.0.0.1:{port}"
    h = {"Authorization": f"Bearer {token}"}
    rnd = random.Random(11)
    decide = f"/api/v1/platforms/{pid}/consent/decide"

    def one_body() -> dict[str, Any]:
        return {"person_ref": f"user-{rnd.randrange(args.persons * 2)}",
                "services": ["pay", "mall"], "purpose": rnd.choice(["ads", "ads", "credit"])}

    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            _wait_up(client)
            health = _latency(client, args.single,
                              lambda: client.get("/api/v1/health").raise_for_status())
            single = _latency(client, args.single, lambda: client.post(
                decide, headers=h, json=one_body()).raise_for_status())

        def health_unit(c: httpx.Client) -> int:
            c.get("/api/v1/health").raise_for_status()
            return 1

        def batch_unit(c: httpx.Client) -> int:
            body = {"requests": [one_body() for _ in range(args.batch)]}
            c.post(decide + "/batch", headers=h, json=body).raise_for_status()
            return args.batch

        h_n, h_s = _throughput(base, args.clients, args.seconds, health_unit)
        before = _pending(url)
        b_n, b_s = _throughput(base, args.clients, args.seconds, batch_unit)
        t_end = time.perf_counter()
        left = _pending(url)
        while left:
            time.sleep(0.2)
            left = _pending(url)
        drain = time.perf_counter() - t_end
    finally:
        server.terminate()
        server.wait(timeout=30)
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"\nconsent gate, {backend}; one uvicorn worker on loopback; {args.persons} persons "
          f"with planted histories; {args.single} sequential calls; {args.clients} clients for "
          f"{args.seconds:g} s with batches of {args.batch}\n")
    print(f"{'call':<40}{'p50 ms':>9}{'p99 ms':>9}{'p50 ÷ floor':>13}")
    print("-" * 71)
    floor = statistics.median(health)
    for name, samples in (("GET /health (floor)", health), ("POST consent/decide (one)", single)):
        q = statistics.quantiles(samples, n=100)
        p50 = statistics.median(samples)
        print(f"{name:<40}{p50:>9.2f}{q[98]:>9.2f}{p50 / floor:>13.1f}")
    print(f"\n{'throughput':<40}{'per s':>12}")
    print("-" * 52)
    print(f"{'GET /health, ' + str(args.clients) + ' clients (floor)':<40}{h_n / h_s:>12,.0f}")
    print(f"{'decisions via decide/batch':<40}{b_n / b_s:>12,.0f}")
    print(f"{'decisions logged in the ledger':<40}{b_n / (b_s + drain):>12,.0f}"
          f"   (outbox had {before} pending before; drained {drain:.1f} s after the load)")


def _inventory_rows(n: int) -> list[list[Any]]:
    rnd = random.Random(3)
    objects = ["", "经济运行", "社会秩序", "公共利益", "国家安全", "个人权益"]
    rows = []
    for i in range(n):
        pi = rnd.random() < 0.6
        spi = pi and rnd.random() < 0.2
        obj = rnd.choice(objects)
        rows.append([f"DA-{i:07d}", f"系统{i % 97}", f"数据集{i}", "字段甲;字段乙;字段丙",
                     "是" if pi else "否", "是" if spi else "否", rnd.randrange(10**7),
                     rnd.randrange(2 * 10**6) if pi else 0, "浙江杭州", f"部门{i % 13}", obj,
                     rnd.choice(["一般", "严重", "特别严重"]) if obj else "", ""])
    return rows


HEADER = ["code", "system", "dataset", "fields", "personal_info", "sensitive_personal_info",
          "records", "persons", "location", "owner", "impact_objects", "impact_degree",
          "declared_level"]


def bench_import(args: argparse.Namespace) -> None:
    from zeren.auth.policy import SYSTEM
    from zeren.datagov.services.importer import import_assets
    from zeren.db.migrate import upgrade
    from zeren.db.session import make_engine, unit_of_work
    from zeren.platforms.service import create_platform

    rows = _inventory_rows(args.assets)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows)
    csv_bytes = buf.getvalue().encode()
    xlsx_bytes = b""
    try:
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(HEADER)
        for r in rows:
            ws.append(r)
        out = io.BytesIO()
        wb.save(out)
        xlsx_bytes = out.getvalue()
    except ImportError:  # openpyxl comes with the test extra; XLSX row skipped without it
        pass
    t0 = time.perf_counter()
    n = sum(1 for _ in csv.reader(io.StringIO(csv_bytes.decode())))
    floor = time.perf_counter() - t0
    results = []
    for label, name, content in (("CSV", "inv.csv", csv_bytes), ("XLSX", "inv.xlsx", xlsx_bytes)):
        if not content:
            continue
        url = _fresh_url(args.pg, f"import_{label.lower()}")
        upgrade(url)
        engine = make_engine(url)
        with unit_of_work(engine) as s:
            pid = create_platform(session=s, actor=SYSTEM, data={
                "code": "bench", "name": "基准平台", "legal_entity": "基准科技有限公司",
                "uscc": "91330100MA2H000A12", "platform_type": "online_sales",
                "contact_email": "c@example.com"}).id
        for run in ("new", "unchanged"):
            t0 = time.perf_counter()
            with unit_of_work(engine) as s:
                res = import_assets(session=s, actor=SYSTEM, platform_id=pid, filename=name,
                                    content=content)
            took = time.perf_counter() - t0
            results.append((f"{label}, {run}", res.record.rows, took))
        engine.dispose()
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"\ninventory import, {backend}, {args.assets:,} assets "
          f"({len(csv_bytes) / 2**20:.1f} MiB CSV); whole unit of work incl. commit\n")
    print(f"{'run':<34}{'seconds':>9}{'rows/s':>12}{'÷ floor':>9}")
    print("-" * 64)
    print(f"{'read the CSV with csv only (floor)':<34}{floor:>9.2f}{(n - 1) / floor:>12,.0f}"
          f"{1.0:>9.1f}")
    for name, count, took in results:
        print(f"{'import ' + name:<34}{took:>9.2f}{count / took:>12,.0f}{took / floor:>9.1f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--single", type=int, default=2000, help="sequential single calls")
    ap.add_argument("--seconds", type=float, default=5.0, help="length of each throughput run")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--persons", type=int, default=5000)
    ap.add_argument("--assets", type=int, default=100_000)
    ap.add_argument("--only", choices=["gate", "import"])
    ap.add_argument("--pg", help="PostgreSQL admin URL; databases zeren_bench_* are created")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "gate"):
        bench_gate(args)
    if args.only in (None, "import"):
        bench_import(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
