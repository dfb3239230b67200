"""The detectors, each an Ibis expression over the datasets' tables, so the same code runs
on DuckDB and on Spark (``zeren.market.backend``). A detector returns findings with their
evidence rows; it neither reads nor writes the database (the service records what it
returns).

Days are Beijing calendar days of each row's instant (the rule's "seven days before the
promotion" is read as the seven calendar days before the promotion's first day)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import ibis
import pyarrow as pa
from ibis import _

from zeren.market.backend import Backend
from zeren.market.domain import Detector, Finding, catalogue, price_score

EVIDENCE_ROWS = 5
PROMO_KEYS = ["item_id", "merchant_id", "promotion_id"]


def _bj_day(ts: Any) -> Any:
    """The Beijing day of a UTC instant column (both engines run in UTC)."""
    return (ts + ibis.interval(hours=8)).date()


def _utc(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
    return v


def _rows(t: pa.Table) -> list[dict[str, Any]]:
    return [{k: _utc(v) for k, v in r.items()} for r in t.to_pylist()]


# ----------------------------------------------------------------------- fake original price


def promotions_against_reference(b: Backend, det: Detector) -> ibis.Table:
    """Each promotion (item, promotion id) with its crossed-out price and the reference
    price of Art 16: the lowest sale of the ``lookback_days`` days before its first day,
    else the last sale before it; only those whose claim exceeds the reference."""
    cat = catalogue()
    prices = b.table(cat.datasets["prices"])
    orders = b.table(cat.datasets["orders"])
    lookback = int(det.p("lookback_days"))
    shown = prices.filter(prices.original_price.notnull() & prices.promotion_id.notnull())
    promos = shown.group_by(PROMO_KEYS).agg(
        start=_.shown_at.min(), claimed=_.original_price.max(), promo_price=_.price.min(),
        shows=_.count())
    promos = promos.mutate(start_day=_bj_day(promos.start))
    sold = orders.semi_join(promos.select("item_id").distinct(), "item_id")
    daily = sold.mutate(day=_bj_day(sold.paid_at)).group_by(["item_id", "day"]).agg(
        low=_.unit_price.min(), last=_.unit_price.argmax(_.paid_at), sales=_.count())
    d7 = daily.rename(d_item="item_id")
    win = promos.join(d7, [promos.item_id == d7.d_item,
                           d7.day >= promos.start_day - ibis.interval(days=lookback),
                           d7.day < promos.start_day])
    ref7 = win.group_by(PROMO_KEYS).agg(ref7=_.low.min(), sales7=_.sales.sum())
    before = promos.join(d7, [promos.item_id == d7.d_item, d7.day < promos.start_day])
    last = before.group_by(PROMO_KEYS).agg(last_price=_.last.argmax(_.day), last_day=_.day.max())
    r7 = ref7.rename(r_item="item_id", r_merchant="merchant_id", r_promo="promotion_id")
    ls = last.rename(l_item="item_id", l_merchant="merchant_id", l_promo="promotion_id")
    j = promos.left_join(r7, [promos.item_id == r7.r_item, promos.merchant_id == r7.r_merchant,
                              promos.promotion_id == r7.r_promo])
    j = j.left_join(ls, [j.item_id == ls.l_item, j.merchant_id == ls.l_merchant,
                         j.promotion_id == ls.l_promo])
    out = j.select(
        "item_id", "merchant_id", "promotion_id", "start", "start_day", "claimed",
        "promo_price", "shows", sales7=j.sales7.fill_null(0),
        reference=ibis.coalesce(j.ref7, j.last_price),
        basis=ibis.ifelse(j.ref7.notnull(), "lowest_7d", "last_sale"),
        window_from=ibis.ifelse(j.ref7.notnull(),
                                (j.start_day - ibis.interval(days=lookback)).cast("date"),
                                j.last_day))
    return out.filter(out.reference.notnull()
                      & (out.claimed - out.reference >= det.p("min_excess_yuan")))


def _evidence(b: Backend, flagged: pa.Table) -> tuple[dict[tuple[str, str], list[dict[str, Any]]],
                                                      dict[tuple[str, str], list[dict[str, Any]]]]:
    """The first displays of each flagged promotion and the sales that set its reference."""
    cat = catalogue()
    keys = b.memtable(flagged.select(["item_id", "promotion_id", "start_day", "window_from",
                                      "reference"]))
    prices = b.table(cat.datasets["prices"])
    shows = prices.join(keys, [prices.item_id == keys.item_id,
                               prices.promotion_id == keys.promotion_id])
    shows = shows.select(*cat.datasets["prices"].names)
    shows = shows.mutate(rn=ibis.row_number().over(group_by=["item_id", "promotion_id"],
                                                   order_by=["shown_at", "user_group"]))
    shows = shows.filter(shows.rn < EVIDENCE_ROWS).drop("rn")
    orders = b.table(cat.datasets["orders"])
    k2 = keys.rename(k_item="item_id", k_promo="promotion_id")
    day = _bj_day(orders.paid_at)
    sales = orders.join(k2, [orders.item_id == k2.k_item, day >= k2.window_from,
                             day < k2.start_day, orders.unit_price == k2.reference])
    sales = sales.select(*cat.datasets["orders"].names, "k_promo")
    sales = sales.mutate(rn=ibis.row_number().over(group_by=["item_id", "k_promo"],
                                                   order_by=[ibis.desc("paid_at"), "order_id",
                                                             "line"]))
    sales = sales.filter(sales.rn < EVIDENCE_ROWS).drop("rn")
    by_show: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in _rows(b.execute(shows)):
        by_show.setdefault((r["item_id"], r["promotion_id"]), []).append(r)
    by_sale: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in _rows(b.execute(sales)):
        promo = r.pop("k_promo")
        by_sale.setdefault((r["item_id"], promo), []).append(r)
    return by_show, by_sale


def fake_original_price(b: Backend, det: Detector) -> list[Finding]:
    flagged = b.execute(promotions_against_reference(b, det))
    if not flagged.num_rows:
        return []
    by_show, by_sale = _evidence(b, flagged)
    out = []
    lookback = int(det.p("lookback_days"))
    for r in _rows(flagged):
        key = (r["item_id"], r["promotion_id"])
        claimed, ref = float(r["claimed"]), float(r["reference"])
        start_day: date = r["start_day"]
        excess = (claimed - ref) / ref if ref > 0 else None
        pct = f"{excess:.0%}" if excess is not None else "—"
        if r["basis"] == "lowest_7d":
            zh_ref = f"促销前{lookback}日内最低成交价 ¥{ref:.2f}"
            en_ref = f"the lowest sale price of the {lookback} days before it, ¥{ref:.2f}"
        else:
            zh_ref = (f"促销前最后一次成交价 ¥{ref:.2f}（{r['window_from']}；"
                      f"促销前{lookback}日内无成交）")
            en_ref = (f"the last sale price before it (no sale in the {lookback} days before; "
                      f"{r['window_from']}), ¥{ref:.2f}")
        shows = sorted(by_show.get(key, []), key=lambda x: (x["shown_at"], x["user_group"] or ""))
        sales = sorted(by_sale.get(key, []), key=lambda x: (x["paid_at"], x["order_id"], x["line"]))
        out.append(Finding(
            detector=det.name, subject_type="promotion",
            subject_id=f"{r['item_id']}/{r['promotion_id']}", merchant_id=r["merchant_id"],
            score=price_score(claimed, ref, det.p("score_full_at")),
            explanation_zh=(f"商品 {r['item_id']} 的促销 {r['promotion_id']}（{start_day} 起）"
                            f"标示划线价 ¥{claimed:.2f}，高于{zh_ref}，高出 {pct}"
                            f"（明码标价和禁止价格欺诈规定 第十六条）"),
            explanation_en=(f"Item {r['item_id']}, promotion {r['promotion_id']} (from "
                            f"{start_day}), shows a crossed-out price of ¥{claimed:.2f}, above "
                            f"{en_ref}: {pct} more (明码标价和禁止价格欺诈规定 Art 16)"),
            facts={"item_id": r["item_id"], "promotion_id": r["promotion_id"],
                   "claimed": claimed, "reference": ref, "basis": r["basis"],
                   "promo_price": float(r["promo_price"]), "start_day": start_day.isoformat(),
                   "window_from": r["window_from"].isoformat(), "sales_in_window":
                       int(r["sales7"]), "shows": int(r["shows"])},
            evidence=[{"kind": "display", **s} for s in shows]
            + [{"kind": "sale", **s} for s in sales]))
    out.sort(key=lambda f: (-f.score, f.subject_id))
    return out


DETECTORS: dict[str, Callable[[Backend, Detector], list[Finding]]] = {
    "fake_original_price": fake_original_price,
}


def run(b: Backend, name: str) -> list[Finding]:
    """Run the detector ``name`` on the backend's tables."""
    det = catalogue().detectors[name]
    return DETECTORS[name](b, det)
