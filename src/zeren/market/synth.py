"""A seeded generator of market data with planted cases, for the benchmark (``bench/market``)
and the demo: orders and price displays at any size, with realistic noise (skewed item
popularity, ±10 % price noise, honest promotions, member prices under the spread, shared
household addresses, carrier NAT addresses, loyal customers) and, planted among them, the
cases each detector must find: fake original prices, discriminating and gouging items,
brushing rings with their reviews, pyramid schemes, self-preferencing categories,
undeclared reads of merchants' data and grey-industry clusters.

The large datasets are written by DuckDB straight into the store's day folders (values are
pure functions of the row number and the seed, so the output does not depend on threads);
the small ones go through the store's own checks. ``truth`` returns the planted subjects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zeren.market import store
from zeren.market.domain import catalogue

START = "2026-03-01"
DAYS = 30
RING_COUNT = 20
SCHEMES = 20
CLUSTERS = 20


@dataclass
class Planted:
    """The planted subjects per detector (as the detector names its subject)."""

    subjects: dict[str, set[str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def _con(tmp: Path) -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone='UTC'")
    con.execute(f"SET temp_directory='{tmp.as_posix()}'")
    con.execute("SET preserve_insertion_order=false")
    return con


def _copy(con: Any, sql: str, folder: Path, tag: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY ({sql}) TO '{folder.as_posix()}' (FORMAT parquet, PARTITION_BY (day), "
                f"WRITE_PARTITION_COLUMNS false, OVERWRITE_OR_IGNORE true, "
                f"FILENAME_PATTERN 'synth_{tag}_{{i}}', COMPRESSION zstd)")


def generate(root: Path, platform_id: str, *, rows: int, seed: int = 42) -> Planted:
    """Write ``rows`` orders and about as many price displays (plus the other datasets,
    smaller) for ``platform_id`` under ``root``; return the planted cases."""
    tmp = root / "market" / "_synth"
    tmp.mkdir(parents=True, exist_ok=True)
    con = _con(tmp)
    s = int(seed)
    n_items = max(200, rows // 50)
    n_buyers = max(100, rows // 5)
    u = "((hash({x}, '{tag}', {s}) % 1000003) / 1000003.0)"

    def U(x: str, tag: str) -> str:
        return u.format(x=x, tag=tag, s=s)

    base = f"(10 + hash(item, 'p', {s}) % 990)"
    ts = f"TIMESTAMPTZ '{START} 00:00:00+08:00'"
    day = f"strftime(DATE '{START}' + CAST(sec // 86400 AS INTEGER), '%Y-%m-%d')"
    planted = Planted()

    # ---- orders: skewed popularity, ±10 % noise, households sharing an address (2 %)
    orders_dir = store.dataset_dir(root, platform_id, "orders")
    con.execute(f"""CREATE TEMP TABLE o AS SELECT i,
        CAST(floor({n_items} * pow({U('i', 'it')}, 2)) AS BIGINT) AS item,
        CAST(hash(i, 'b', {s}) % {n_buyers} AS BIGINT) AS buyer,
        CAST(hash(i, 't', {s}) % {DAYS * 86400} AS BIGINT) AS sec
        FROM range({rows}) r(i)""")
    _copy(con, f"""SELECT 'o' || i AS order_id, 1::BIGINT AS line, 'b' || buyer AS buyer_id,
        'm' || (item // 20) AS merchant_id, 'i' || item AS item_id,
        round({base} * (0.9 + 0.2 * {U('i', 'n')}), 2)::DOUBLE AS unit_price,
        1::BIGINT AS quantity, {ts} + to_seconds(sec) AS paid_at, 'd' || buyer AS device_id,
        CASE WHEN hash(buyer // 2, 'h', {s}) % 50 = 0 THEN 'h' || (buyer // 2)
             ELSE 'a' || buyer END AS address_hash, {day} AS day FROM o""",
          orders_dir, "orders")

    # ---- price displays: as many regular displays as orders (general price, 'all')
    prices_dir = store.dataset_dir(root, platform_id, "prices")
    con.execute(f"""CREATE TEMP TABLE pr AS SELECT i,
        CAST(floor({n_items} * pow({U('i', 'pit')}, 2)) AS BIGINT) AS item,
        CAST(hash(i, 'pt', {s}) % {DAYS * 86400} AS BIGINT) AS sec FROM range({rows}) r(i)""")
    _copy(con, f"""SELECT 'i' || item AS item_id, 'm' || (item // 20) AS merchant_id,
        {ts} + to_seconds(sec) + to_microseconds(i % 1000000) AS shown_at,
        round({base} * (0.9 + 0.2 * {U('i', 'pn')}), 2)::DOUBLE AS price,
        NULL::DOUBLE AS original_price, NULL::VARCHAR AS promotion_id, 'all' AS user_group,
        {day} AS day FROM pr""", prices_dir, "prices")

    # promotions on 5 % of items, one day of hourly displays from day 15-24; one in ten
    # claims 1.25 × the base price (fake: above every sale), the rest the lowest possible
    con.execute(f"""CREATE TEMP TABLE promo AS SELECT item,
        15 + hash(item, 'ps', {s}) % 10 AS sday, hash(item, 'fake', {s}) % 10 = 0 AS fake
        FROM range({n_items}) r(item) WHERE hash(item, 'promo', {s}) % 20 = 0""")
    _copy(con, f"""SELECT 'i' || item AS item_id, 'm' || (item // 20) AS merchant_id,
        {ts} + to_seconds(sec) AS shown_at, round({base} * 0.8, 2)::DOUBLE AS price,
        CASE WHEN fake THEN round({base} * 1.25, 2)
             ELSE floor({base} * 0.9 * 100) / 100 - 0.01 END::DOUBLE AS original_price,
        'P' || item AS promotion_id, 'all' AS user_group, {day} AS day
        FROM (SELECT *, sday * 86400 + h * 3600 AS sec FROM promo, range(24) t(h))""",
          prices_dir, "promo")
    fake = con.execute("""SELECT 'i' || p.item || '/P' || p.item FROM promo p WHERE p.fake
        AND EXISTS (SELECT 1 FROM o WHERE o.item = p.item AND o.sec < p.sday * 86400)""").fetchall()
    planted.subjects["fake_original_price"] = {r[0] for r in fake}

    # discrimination on day 30: 0.5 % of items shown to 'vip' at base and 'new' at 1.2 ×
    # base in six hours; member prices 2 % under 'all' on 1 % of items (under the spread)
    con.execute(f"""CREATE TEMP TABLE disc AS SELECT item, hash(item, 'disc', {s}) % 200 = 0
        AS planted FROM range({n_items}) r(item)
        WHERE hash(item, 'disc', {s}) % 200 = 0 OR hash(item, 'disc', {s}) % 100 = 1""")
    _copy(con, f"""SELECT 'i' || item AS item_id, 'm' || (item // 20) AS merchant_id,
        {ts} + to_seconds(sec) + to_seconds(CASE WHEN g = 0 THEN 60 ELSE 120 END) AS shown_at,
        round({base} * CASE WHEN g = 0 THEN (CASE WHEN planted THEN 1.0 ELSE 0.98 END)
                            ELSE (CASE WHEN planted THEN 1.2 ELSE 1.0 END) END, 2)::DOUBLE AS price,
        NULL::DOUBLE AS original_price, NULL::VARCHAR AS promotion_id,
        CASE WHEN g = 0 THEN 'vip' WHEN planted THEN 'new' ELSE 'all' END AS user_group,
        {day} AS day
        FROM (SELECT *, {DAYS} * 86400 + h * 3600 AS sec FROM disc, range(6) t(h), range(2) u(g))""",
          prices_dir, "disc")
    planted.subjects["price_discrimination"] = {
        f"i{r[0]}" for r in con.execute("SELECT item FROM disc WHERE planted").fetchall()}

    # gouging: emergency from day 20 to 25; 0.5 % of items shown at 1.8 × base on day 22,
    # with three displays at base before it
    con.execute(f"""CREATE TEMP TABLE goug AS SELECT item FROM range({n_items}) r(item)
        WHERE hash(item, 'g', {s}) % 200 = 0""")
    _copy(con, f"""SELECT 'i' || item AS item_id, 'm' || (item // 20) AS merchant_id,
        {ts} + to_seconds(sec) + to_seconds(300) AS shown_at,
        round({base} * CASE WHEN sec >= 20 * 86400 THEN 1.8 ELSE 1.0 END, 2)::DOUBLE AS price,
        NULL::DOUBLE AS original_price, NULL::VARCHAR AS promotion_id, 'all' AS user_group,
        {day} AS day FROM (SELECT *, d * 86400 + 3600 AS sec FROM goug,
        (VALUES (5), (10), (15), (22)) t(d))""", prices_dir, "goug")
    planted.subjects["price_gouging"] = {
        f"i{r[0]}@E1" for r in con.execute("SELECT item FROM goug").fetchall()}

    # ---- exposures: 20 query categories, own items 20 % of impressions; in c0-c4 own
    # items reach the top 3 a quarter more often at the same relevance
    n_exp = max(20_000, rows // 10)
    ex_dir = store.dataset_dir(root, platform_id, "exposures")
    con.execute(f"""CREATE TEMP TABLE ex AS SELECT i, hash(i, 'cat', {s}) % 20 AS cat,
        {U('i', 'own')} < 0.2 AS own, {U('i', 'rel')} AS rel,
        CAST(hash(i, 'et', {s}) % {DAYS * 86400} AS BIGINT) AS sec FROM range({n_exp}) r(i)""")
    _copy(con, f"""SELECT 'e' || i AS impression_id, 'c' || cat AS query_category,
        CASE WHEN own THEN 'own' || (i % 500) ELSE 'i' || (i % {n_items}) END AS item_id,
        CASE WHEN own THEN 'self' ELSE 'm' || ((i % {n_items}) // 20) END AS merchant_id,
        own AS own_item, rel AS relevance,
        CASE WHEN {U('i', 'top')} < rel * 0.5 + CASE WHEN own AND cat < 5 THEN 0.25 ELSE 0 END
             THEN 1 + i % 3 ELSE 4 + i % 20 END::BIGINT AS position,
        {ts} + to_seconds(sec) AS shown_at, {day} AS day FROM ex""", ex_dir, "ex")
    planted.subjects["self_preferencing"] = {f"c{k}" for k in range(5)}

    # ---- account signals: own device and phone, NAT addresses of 200 accounts, household
    # addresses of 2; planted clusters chained by a device, a card and an address
    n_acc = max(1_000, rows // 40)
    sig_dir = store.dataset_dir(root, platform_id, "account_signals")
    _copy(con, f"""SELECT 'u' || a AS account_id, sig AS signal,
        CASE sig WHEN 'device' THEN 'dv' || a WHEN 'phone' THEN 'ph' || a
                 WHEN 'ip' THEN 'nat' || (a // 200) ELSE 'ad' || (a // 2) END AS value,
        {ts} + to_seconds(CAST(hash(a, sig, {s}) % {DAYS * 86400} AS BIGINT)) AS seen_at,
        strftime(DATE '{START}' + CAST(hash(a, sig, {s}) % {DAYS * 86400} // 86400 AS INTEGER),
                 '%Y-%m-%d') AS day
        FROM range({n_acc}) r(a), (VALUES ('device'), ('phone'), ('ip'), ('address')) t(sig)""",
          sig_dir, "sig")
    con.close()

    small = _small(seed)
    for name, recs in small.records.items():
        ds = catalogue().datasets[name]
        store.ingest(root=root, platform_id=platform_id, ds=ds,
                     source=store.open_records(recs, f"synth-{name}", ds), sha256="synth")
    for k, v in small.planted.items():
        planted.subjects[k] = v
    for name in catalogue().datasets:
        planted.rows[name] = store.count_rows(root, platform_id, name)
    return planted


@dataclass
class _Small:
    records: dict[str, list[dict[str, Any]]]
    planted: dict[str, set[str]]


def _at(day: int, hour: int = 10, minute: int = 0) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:{minute:02d}:00+08:00"


def _small(seed: int) -> _Small:
    """The datasets that stay small at any scale, built in Python from a seeded random."""
    import hashlib
    import random

    rnd = random.Random(seed)
    orders: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    rings: set[str] = set()
    # brushing rings: 8-15 buyers × 3-5 small merchants, 2-3 orders per pair, a third of the
    # buyers on one device; half their orders reviewed; a few real buyers too
    for r in range(RING_COUNT):
        merchants = [f"rm{r}_{k}" for k in range(3 + r % 3)]
        buyers = [f"rb{r}_{j}" for j in range(8 + r % 8)]
        rings.add("ring-" + hashlib.sha256("\x1f".join(sorted(merchants)).encode()).hexdigest()[:16])
        for j, b in enumerate(buyers):
            for m in merchants:
                for k in range(2 + (j + r) % 2):
                    oid = f"ro{r}_{j}_{m}_{k}"
                    orders.append({"order_id": oid, "line": 1, "buyer_id": b, "merchant_id": m,
                                   "item_id": f"it-{m}", "unit_price": 9.9 + k, "quantity": 1,
                                   "paid_at": _at(1 + rnd.randrange(28), rnd.randrange(24),
                                                  rnd.randrange(60)),
                                   "device_id": f"rdev{r}" if j % 3 == 0 else f"rd{r}_{j}",
                                   "address_hash": f"ra{r}_{j}"})
                    if rnd.random() < 0.5:
                        reviews.append({"review_id": f"rv-{oid}", "order_id": oid,
                                        "buyer_id": b, "merchant_id": m, "rating": 5,
                                        "posted_at": _at(29, 10)})
        for m in merchants:
            for k in range(5):
                orders.append({"order_id": f"rr{r}_{m}_{k}", "line": 1,
                               "buyer_id": f"b{rnd.randrange(10_000)}", "merchant_id": m,
                               "item_id": f"it-{m}", "unit_price": 19.9, "quantity": 1,
                               "paid_at": _at(1 + rnd.randrange(28)), "device_id": None,
                               "address_hash": None})
    # loyal customers: ten buyers, each ordering three times from two small shops (a 2-core)
    for g in range(RING_COUNT):
        for j in range(10):
            for m in (f"lm{g}_0", f"lm{g}_1"):
                for k in range(3):
                    orders.append({"order_id": f"lo{g}_{j}_{m}_{k}", "line": 1,
                                   "buyer_id": f"lb{g}_{j}", "merchant_id": m,
                                   "item_id": f"it-{m}", "unit_price": 30.0, "quantity": 1,
                                   "paid_at": _at(1 + rnd.randrange(28)),
                                   "device_id": f"ld{g}_{j}", "address_hash": f"la{g}_{j}"})

    # pyramid schemes: branching 3-5, 3-5 levels, entry fees; flat fee clubs (2 levels) and
    # free invite programmes (deep, no fee) as near misses
    referrals: list[dict[str, Any]] = []
    schemes: set[str] = set()

    def tree(scheme: str, branching: int, levels: int, fee: float, team: bool | None,
             cap: int) -> int:
        members: list[tuple[str, str | None]] = [(f"{scheme}-0", None)]
        frontier = [f"{scheme}-0"]
        for _lvl in range(1, levels):
            nxt = []
            for parent in frontier:
                for c in range(branching):
                    if len(members) >= cap:
                        break
                    mid = f"{parent}.{c}"
                    members.append((mid, parent))
                    nxt.append(mid)
            frontier = nxt
        for depth, (mid, ref) in enumerate(members):
            referrals.append({"member_id": mid, "referrer_id": ref, "scheme_id": scheme,
                              "entry_fee": fee, "team_commission": team,
                              "joined_at": _at(1 + min(27, mid.count(".") * 3),
                                               depth % 24)})
        return len(members)

    for k in range(SCHEMES):
        if tree(f"ps{k}", 3 + k % 3, 3 + k % 3, 100.0 + 50 * k, k % 2 == 0, 400) >= 30:
            schemes.add(f"ps{k}")
        tree(f"club{k}", 40, 2, 99.0, None, 41)
        tree(f"inv{k}", 4, 5, 0.0, False, 300)

    # merchant-data reads: declared purposes used a lot, five undeclared (unit, kind, purpose)
    declared = [{"unit": u_, "data_kind": kd, "purpose": p, "declared_at": _at(1, 0)}
                for u_ in ("自营超市", "自营家电") for kd in ("sales", "traffic")
                for p in ("compliance", "risk")]
    undeclared = [("自营超市", "sales", "selection"), ("自营超市", "traffic", "pricing"),
                  ("自营家电", "sales", "pricing"), ("自营家电", "traffic", "selection"),
                  ("自营超市", "sales", "sourcing")]
    access: list[dict[str, Any]] = []
    for i in range(5_000):
        if i % 50 == 0:
            unit, kind, purpose = undeclared[(i // 50) % len(undeclared)]
            own = True
        else:
            d = declared[i % len(declared)]
            unit, kind, purpose, own = d["unit"], d["data_kind"], d["purpose"], True
            if i % 7 == 0:
                unit, own, purpose = "第三方服务商", False, "selection"
        access.append({"access_id": f"acc{i}", "unit": unit, "own_retail": own,
                       "merchant_id": f"m{rnd.randrange(500)}", "data_kind": kind,
                       "purpose": purpose, "read_at": _at(1 + i % 28, i % 24)})

    # grey clusters: 6-12 accounts chained by a device, a card and an address
    signals: list[dict[str, Any]] = []
    clusters: set[str] = set()
    for c in range(CLUSTERS):
        accounts = [f"gx{c}_{j}" for j in range(6 + c % 7)]
        half = len(accounts) // 2
        for j, a in enumerate(accounts):
            if j <= half:
                signals.append({"account_id": a, "signal": "device", "value": f"gdev{c}",
                                "seen_at": _at(3)})
            if j >= half:
                signals.append({"account_id": a, "signal": "payment", "value": f"gcard{c}",
                                "seen_at": _at(4)})
        signals.append({"account_id": accounts[0], "signal": "ip", "value": f"gip{c}",
                        "seen_at": _at(5)})
        signals.append({"account_id": accounts[-1], "signal": "ip", "value": f"gip{c}",
                        "seen_at": _at(5)})
        clusters.add("cluster-" + hashlib.sha256("\x1f".join(sorted(accounts)).encode())
                     .hexdigest()[:16])

    emergencies = [{"emergency_id": "E1", "name": "台风应急响应", "starts_at": _at(20, 0),
                    "ends_at": _at(25, 0), "declared_by": "市人民政府"}]
    return _Small(
        records={"orders": orders, "reviews": reviews, "referrals": referrals,
                 "declared_purposes": declared, "data_access": access,
                 "account_signals": signals, "emergencies": emergencies},
        planted={"brushing_ring": rings, "pyramid_scheme": schemes,
                 "merchant_data_use": {"/".join(x) for x in undeclared},
                 "grey_accounts": clusters})


def score(found: set[str], planted: set[str]) -> tuple[float | None, float | None]:
    """(recall, precision) of the subjects found against the planted ones; None where the
    denominator is zero."""
    hit = len(found & planted)
    recall = hit / len(planted) if planted else None
    precision = hit / len(found) if found else None
    return recall, precision
