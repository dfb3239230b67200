"""The merchant registry and its reports, measured, each beside a baseline from the same run.

Import: ``--rows`` merchants as CSV (enterprises, individual businesses and natural persons;
every USCC and resident ID validated, resident IDs sealed) imported through the service into
a fresh database, beside (a) checking the same rows with the pure rules only and (b) a bare
executemany of the same merchant rows into the same table, no checks, no ledger.

Tax report: ``--tax-merchants`` merchants and ``--orders`` completed orders (plus one refund
in twenty) in the ledger's order index; the quarterly tax report computed through the
service (identities, figures, rows) and generated (CSV and XLSX rendered, kept), beside the
one GROUP BY over the order index that the report stands on.

List: the merchant list with a filter at ``--list-merchants`` merchants, first page and a
deep keyset page, p50/p99 of in-process service calls (a session each), beside the bare
SELECT … LIMIT of the same page.

    .venv/bin/python -m bench.merchants [--rows 20000] [--tax-merchants 2000]
        [--orders 200000] [--list-merchants 50000] [--pg postgresql+psycopg://…]
        [--only import|tax|list] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import pstats
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "out" / "merchants"


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


def _platform(url: str) -> tuple[Any, str]:
    from zeren.auth.policy import SYSTEM
    from zeren.db.migrate import upgrade
    from zeren.db.session import make_engine, unit_of_work
    from zeren.platforms.service import create_platform

    upgrade(url)
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        p = create_platform(session=s, actor=SYSTEM, data={
            "code": "bench", "name": "基准平台", "legal_entity": "基准科技有限公司",
            "uscc": "91330100MA2H000A12", "platform_type": "online_sales",
            "contact_email": "c@example.com"})
        pid = p.id
    return engine, pid


def _row(i: int) -> list[str]:
    from zeren.merchants.domain import sample_resident_id, sample_uscc

    k = i % 20
    if k < 14:
        return [f"M{i:07d}", "enterprise", f"基准商贸有限公司{i}", sample_uscc(i), "张三", "",
                "", "日用百货销售", "北京市朝阳区建国路1号", f"S{i:07d}", f"店铺{i}"]
    if k < 17:
        return [f"M{i:07d}", "individual_business", f"基准个体户{i}", sample_uscc(i, "92"),
                "李四", sample_resident_id(i), "", "餐饮服务", "上海市黄浦区1号", f"S{i:07d}",
                f"店铺{i}"]
    return [f"M{i:07d}", "natural_person", f"王五{i}", "", "", sample_resident_id(i), "零星小额",
            "", "", f"S{i:07d}", f"店铺{i}"]


HEADER = ["merchant_ref", "kind", "legal_name", "uscc", "representative", "resident_id",
          "ground", "business_scope", "registered_address", "shop_ref", "shop_name"]


def _csv(n: int) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    for i in range(n):
        w.writerow(_row(i))
    return buf.getvalue().encode("utf-8")


def _table(title: str, rows: list[tuple[str, ...]]) -> None:
    print(f"\n{title}")
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for j, r in enumerate(rows):
        print("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths, strict=True))))
        if j == 0:
            print("  " + "  ".join("-" * w for w in widths))


def bench_import(args: argparse.Namespace) -> None:
    from zeren.auth.policy import SYSTEM
    from zeren.db.session import unit_of_work
    from zeren.merchants import domain as d
    from zeren.merchants.models import MERCHANTS
    from zeren.merchants.services.importer import bulk_insert, import_merchants, new_ids
    from zeren.merchants.services.registry import merchant_values

    n = args.rows
    content = _csv(n)
    reg = d.registry()
    today = date.today()
    # (a) the pure rules alone over the same rows
    cols = d.header_map(HEADER)
    t0 = time.perf_counter()
    checked = []
    for raw in csv.reader(io.StringIO(content.decode("utf-8"))):
        if raw[0] == "merchant_ref":
            continue
        checked.append(d.normalise_merchant({k: raw[i] for i, k in cols.items()}, reg,
                                            today=today))
    rules = time.perf_counter() - t0
    # (b) bare executemany of the same merchant rows
    url = _fresh_url(args.pg, "import_bare")
    engine, pid = _platform(url)
    now = datetime.now(UTC)
    rows = [{"id": mid, "platform_id": pid, "created_at": now, "updated_at": now,
             "created_by": "bench", "import_id": None, "resident_id_ref": None,
             **merchant_values(mi)} for mid, mi in zip(new_ids(len(checked)), checked,
                                                         strict=True)]
    t0 = time.perf_counter()
    with unit_of_work(engine) as s:
        for i in range(0, len(rows), 5000):
            bulk_insert(s, MERCHANTS, rows[i:i + 5000])
    bare = time.perf_counter() - t0
    engine.dispose()
    # the service: read, check, seal, write merchants, shops, events and the outbox
    url = _fresh_url(args.pg, "import_service")
    engine, pid = _platform(url)
    prof = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    with unit_of_work(engine) as s:
        res = import_merchants(session=s, actor=SYSTEM, platform_id=pid,
                               filename="bench.csv", content=content)
    if prof:
        prof.disable()
    took = time.perf_counter() - t0
    engine.dispose()
    assert res.record.rows == n
    backend = "PostgreSQL" if args.pg else "SQLite"
    _table(f"Import {n:,} merchants (CSV, every identifier validated) — {backend}", [
        ("what", "seconds", "rows/s", "× bare insert"),
        ("bare executemany of the merchant rows", f"{bare:.2f}", f"{n / bare:,.0f}", "1.00"),
        ("pure rules only (no database)", f"{rules:.2f}", f"{n / rules:,.0f}",
         f"{rules / bare:.2f}"),
        ("import through the service", f"{took:.2f}", f"{n / took:,.0f}",
         f"{took / bare:.2f}"),
    ])
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(22)


def _orders(engine: Any, pid: str, merchants: int, orders: int) -> None:
    from zeren.db.session import unit_of_work
    from zeren.ledger.models import OrderIndex
    from zeren.merchants.services.importer import bulk_insert

    rnd = random.Random(11)
    table = OrderIndex.__table__
    kinds = ["goods"] * 7 + ["service.advertising", "service.labour", "service.commission"]
    start = datetime(2026, 6, 25, tzinfo=UTC)
    span = int(timedelta(days=110).total_seconds())
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        with unit_of_work(engine) as s:
            bulk_insert(s, table, batch)  # type: ignore[arg-type]
        batch.clear()

    for i in range(orders):
        at = start + timedelta(seconds=rnd.randrange(span))
        kind = kinds[i % len(kinds)]
        paid = rnd.randrange(100, 100_000)
        m = f"M{rnd.randrange(merchants):07d}"
        batch.append({"platform_id": pid, "record": "order", "ref": f"O{i}", "order_id": f"O{i}",
                      "merchant_ref": m, "income_kind": kind, "amount_cents": paid,
                      "other_cents": paid // 10 if kind == "goods" and i % 3 == 0 else 0,
                      "at": at, "log": "orders/2026", "idx": i})
        if i % 20 == 0:
            batch.append({"platform_id": pid, "record": "refund", "ref": f"R{i}",
                          "order_id": f"O{i}", "merchant_ref": m, "income_kind": kind,
                          "amount_cents": paid // 2, "other_cents": 0,
                          "at": at + timedelta(days=3), "log": "orders/2026", "idx": i})
        if len(batch) >= 20_000:
            flush()
    if batch:
        flush()


def bench_tax(args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    from zeren.auth.policy import SYSTEM
    from zeren.db.session import unit_of_work
    from zeren.ledger.models import OrderIndex
    from zeren.merchants import domain as d
    from zeren.merchants.services import reports
    from zeren.merchants.services.importer import import_merchants

    url = _fresh_url(args.pg, "tax")
    engine, pid = _platform(url)
    with unit_of_work(engine) as s:
        import_merchants(session=s, actor=SYSTEM, platform_id=pid, filename="m.csv",
                         content=_csv(args.tax_merchants))
    _orders(engine, pid, args.tax_merchants, args.orders)
    q = d.Quarter(2026, 3)
    start, end = q.bounds()
    o = OrderIndex
    t0 = time.perf_counter()
    with unit_of_work(engine) as s:
        groups = s.execute(select(o.merchant_ref, o.income_kind, o.record,
                                  func.sum(o.amount_cents), func.sum(o.other_cents))
                           .where(o.platform_id == pid, o.at >= start, o.at < end)
                           .group_by(o.merchant_ref, o.income_kind, o.record)).all()
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    with unit_of_work(engine) as s:
        rep = reports.compute_tax(session=s, platform_id=pid, quarter=q)
    figures = time.perf_counter() - t0
    t0 = time.perf_counter()
    with unit_of_work(engine) as s:
        r = reports.generate_tax(session=s, actor=SYSTEM, platform_id=pid, quarter=q.label)
        size = len(r.csv) + len(r.xlsx)
    gen = time.perf_counter() - t0
    engine.dispose()
    backend = "PostgreSQL" if args.pg else "SQLite"
    _table(f"Tax report {q.label}: {args.tax_merchants:,} merchants, {args.orders:,} orders "
           f"(+5 % refunds) — {backend}", [
               ("what", "seconds", "× GROUP BY", "rows"),
               ("one GROUP BY over the order index", f"{base:.2f}", "1.00", f"{len(groups):,}"),
               ("figures through the service", f"{figures:.2f}", f"{figures / base:.2f}",
                f"{len(rep.rows):,}"),
               ("generate: figures, CSV + XLSX, kept", f"{gen:.2f}", f"{gen / base:.2f}",
                f"{size / 2**20:.1f} MiB"),
           ])


def bench_list(args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from zeren.auth.policy import SYSTEM
    from zeren.db.session import unit_of_work
    from zeren.merchants.models import Merchant
    from zeren.merchants.services import registry
    from zeren.merchants.services.importer import import_merchants
    from zeren.pagination import PageParams

    url = _fresh_url(args.pg, "list")
    engine, pid = _platform(url)
    step = 50_000
    for first in range(0, args.list_merchants, step):
        n = min(step, args.list_merchants - first)
        content = _csv(first + n)
        lines = content.decode("utf-8").splitlines()
        part = "\n".join([lines[0], *lines[1 + first:1 + first + n]]).encode("utf-8")
        with unit_of_work(engine) as s:
            import_merchants(session=s, actor=SYSTEM, platform_id=pid, filename="m.csv",
                             content=part)
    calls = args.calls
    params = PageParams(offset=0, limit=50)

    def timed(fn: Any) -> list[float]:
        for _ in range(10):
            fn()
        out = []
        for _ in range(calls):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
        return out

    f = registry.ListFilters(status="active", kind="enterprise")
    with unit_of_work(engine) as s:
        _rows, _total, deep = registry.list_merchants(
            session=s, actor=SYSTEM, platform_id=pid, filters=f,
            params=PageParams(offset=args.list_merchants // 2, limit=1), count=False)
        mid_name = _rows[0].legal_name if _rows else ""

    def service_first() -> None:
        with unit_of_work(engine) as s:
            registry.list_merchants(session=s, actor=SYSTEM, platform_id=pid, filters=f,
                                    params=params, count=True)

    def service_deep() -> None:
        with unit_of_work(engine) as s:
            registry.list_merchants(session=s, actor=SYSTEM, platform_id=pid, filters=f,
                                    params=params, after=deep, count=False)

    def bare_first() -> None:
        with unit_of_work(engine) as s:
            m = Merchant
            s.execute(select(m.id, m.legal_name).where(
                m.platform_id == pid, m.status == "active", m.kind == "enterprise")
                .order_by(m.legal_name, m.id).limit(50)).all()

    def bare_deep() -> None:
        with unit_of_work(engine) as s:
            m = Merchant
            s.execute(select(m.id, m.legal_name).where(
                m.platform_id == pid, m.status == "active", m.kind == "enterprise",
                m.legal_name > mid_name).order_by(m.legal_name, m.id).limit(50)).all()

    rows = [("what", "p50 ms", "p99 ms")]
    for label, fn in (("bare SELECT … LIMIT 50 (first page)", bare_first),
                      ("service list, filters + count (first page)", service_first),
                      ("bare SELECT … LIMIT 50 (keyset, middle)", bare_deep),
                      ("service list, keyset page in the middle", service_deep)):
        ms = sorted(timed(fn))
        rows.append((label, f"{statistics.median(ms):.2f}",
                     f"{ms[max(0, int(len(ms) * 0.99) - 1)]:.2f}"))
    engine.dispose()
    backend = "PostgreSQL" if args.pg else "SQLite"
    _table(f"Merchant list at {args.list_merchants:,} merchants, {calls} calls each, "
           f"in-process (not over HTTP) — {backend}", rows)


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.merchants", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--tax-merchants", type=int, default=2_000)
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--list-merchants", type=int, default=50_000)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--pg", default=None, help="PostgreSQL server URL (a database is made)")
    ap.add_argument("--only", choices=["import", "tax", "list"], default=None)
    ap.add_argument("--profile", action="store_true", help="cProfile the service import")
    args = ap.parse_args()
    if args.only in (None, "import"):
        bench_import(args)
    if args.only in (None, "tax"):
        bench_tax(args)
    if args.only in (None, "list"):
        bench_list(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
