"""The detectors, each an Ibis expression over the datasets' tables, so the same code runs
on DuckDB and on Spark (``zeren.market.backend``). A detector returns findings with their
evidence rows; it neither reads nor writes the database (the service records what it
returns).

Days are Beijing calendar days of each row's instant (the rule's "seven days before the
promotion" is read as the seven calendar days before the promotion's first day)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import ibis
import pyarrow as pa
from ibis import _

from zeren.market import analytics, graphs
from zeren.market.backend import Backend
from zeren.market.backend import rows_of as _rows
from zeren.market.domain import Detector, Finding, catalogue, price_score

EVIDENCE_ROWS = 5
PROMO_KEYS = ["item_id", "merchant_id", "promotion_id"]


def _bj_day(ts: Any) -> Any:
    """The Beijing day of a UTC instant column (both engines run in UTC)."""
    return (ts + ibis.interval(hours=8)).date()


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
    # The promotions are few next to the displays: computed once and brought back as a
    # small table, so the displays are scanned once, not once per use below.
    promos = b.memtable(b.execute(promos))
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


# ----------------------------------------------------------------------- price discrimination


def _windows(b: Backend, det: Detector) -> ibis.Table:
    """Per item and window of time (and promotion, if any), the groups shown a price, the
    lowest and highest price; only windows whose spread counts."""
    prices = b.table(catalogue().datasets["prices"])
    width = int(det.p("window_minutes")) * 60
    # Only items shown to two or more groups at all can be discriminating: one cheap pass
    # keeps those, and only their displays are cut into windows.
    multi = prices.group_by("item_id").agg(g_lo=_.user_group.min(), g_hi=_.user_group.max())
    multi = multi.filter(multi.g_lo != multi.g_hi).select("item_id")
    prices = prices.semi_join(multi, "item_id")
    p = prices.mutate(window=(prices.shown_at.epoch_seconds() // width).cast("int64"),
                      promo=prices.promotion_id.fill_null(""))
    w = p.group_by(["item_id", "merchant_id", "window", "promo"]).agg(
        low=_.price.min(), high=_.price.max(), g_min=_.user_group.min(),
        g_max=_.user_group.max(), first=_.shown_at.min())
    # two or more groups in the window (min != max: cheaper than counting distinct groups)
    w = w.filter((w.g_min != w.g_max) & (w.low > 0)
                 & (w.high / w.low - 1 >= det.p("min_spread_ratio")))
    return w.mutate(spread=w.high / w.low - 1)


def price_discrimination(b: Backend, det: Detector) -> list[Finding]:
    w = _windows(b, det)
    per = w.group_by(["item_id", "merchant_id"]).agg(
        windows=_.count(), spread=_.spread.max(), worst=_.window.argmax(_.spread),
        worst_promo=_.promo.argmax(_.spread), first=_.first.min(), last=_.first.max())
    per = per.filter(per.windows >= int(det.p("min_windows")))
    flagged = b.execute(per)
    if not flagged.num_rows:
        return []
    width = int(det.p("window_minutes")) * 60
    prices = b.table(catalogue().datasets["prices"])
    keys = b.memtable(flagged.select(["item_id", "worst", "worst_promo"]))
    p = prices.mutate(window=(prices.shown_at.epoch_seconds() // width).cast("int64"),
                      promo=prices.promotion_id.fill_null(""))
    ev = p.join(keys, [p.item_id == keys.item_id, p.window == keys.worst,
                       p.promo == keys.worst_promo])
    ev = ev.select(*catalogue().datasets["prices"].names)
    rows: dict[str, list[dict[str, Any]]] = {}
    for r in _rows(b.execute(ev)):
        rows.setdefault(r["item_id"], []).append(r)
    out = []
    for r in _rows(flagged):
        shown = sorted(rows.get(r["item_id"], []),
                       key=lambda x: (x["price"], x["user_group"], x["shown_at"]))
        by_group: dict[str, float] = {}
        for s in shown:
            by_group[s["user_group"]] = max(by_group.get(s["user_group"], 0.0), float(s["price"]))
        cheap = min(by_group, key=lambda g: (by_group[g], g))
        dear = max(by_group, key=lambda g: (by_group[g], g))
        spread = float(r["spread"])
        out.append(Finding(
            detector=det.name, subject_type="item", subject_id=r["item_id"],
            merchant_id=r["merchant_id"], score=round(min(1.0, spread / det.p("score_full_at")), 4),
            explanation_zh=(f"商品 {r['item_id']} 在同一时段内对不同用户群体标价不同："
                            f"{dear} ¥{by_group[dear]:.2f}，{cheap} ¥{by_group[cheap]:.2f}，"
                            f"价差最高 {spread:.0%}，共 {int(r['windows'])} 个时段"
                            f"（指南第二十条；价格法第十四条；个人信息保护法第二十四条）"),
            explanation_en=(f"Item {r['item_id']} was shown different prices to user groups at "
                            f"the same time: {dear} ¥{by_group[dear]:.2f}, {cheap} "
                            f"¥{by_group[cheap]:.2f}; spread up to {spread:.0%} in "
                            f"{int(r['windows'])} windows (guideline Art 20; 价格法 Art 14; "
                            f"个保法 Art 24)"),
            facts={"item_id": r["item_id"], "windows": int(r["windows"]), "spread": round(spread, 6),
                   "groups": dict(sorted(by_group.items())), "dearest_group": dear,
                   "cheapest_group": cheap, "first": r["first"].isoformat(),
                   "last": r["last"].isoformat()},
            evidence=[{"kind": "display", **s} for s in shown[:20]]))
    out.sort(key=lambda f: (-f.score, f.subject_id))
    return out


# ----------------------------------------------------------------------- gouging


def price_gouging(b: Backend, det: Detector) -> list[Finding]:
    cat = catalogue()
    prices = b.table(cat.datasets["prices"])
    em = b.table(cat.datasets["emergencies"]).select("emergency_id", "name", "starts_at",
                                                     "ends_at")
    base_days = int(det.p("baseline_days"))
    plain = prices.filter(prices.user_group == "all")
    j = plain.cross_join(em)
    before = j.filter((j.shown_at < j.starts_at)
                      & (j.shown_at >= j.starts_at - ibis.interval(days=base_days)))
    base = before.group_by(["emergency_id", "item_id"]).agg(baseline=_.price.mean(),
                                                            base_shows=_.count())
    during = j.filter((j.shown_at >= j.starts_at) & (j.shown_at < j.ends_at))
    peak = during.group_by(["emergency_id", "item_id", "merchant_id"]).agg(
        peak=_.price.max(), peak_at=_.shown_at.argmax(_.price), name=_.name.max())
    bk = base.rename(b_em="emergency_id", b_item="item_id")
    r = peak.join(bk, [peak.emergency_id == bk.b_em, peak.item_id == bk.b_item])
    r = r.select("emergency_id", "item_id", "merchant_id", "peak", "peak_at", "name",
                 "baseline", "base_shows")
    r = r.filter((r.baseline > 0) & (r.peak / r.baseline - 1 >= det.p("min_rise_ratio")))
    flagged = b.execute(r)
    if not flagged.num_rows:
        return []
    keys = b.memtable(flagged.select(["emergency_id", "item_id", "peak_at"]))
    k = keys.rename(k_em="emergency_id", k_item="item_id")
    ev = plain.join(k, [plain.item_id == k.k_item, plain.shown_at == k.peak_at])
    ev = ev.select(*cat.datasets["prices"].names, "k_em")
    evid: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in _rows(b.execute(ev)):
        evid.setdefault((row.pop("k_em"), row["item_id"]), []).append(row)
    out = []
    for x in _rows(flagged):
        rise = float(x["peak"]) / float(x["baseline"]) - 1
        out.append(Finding(
            detector=det.name, subject_type="item_emergency",
            subject_id=f"{x['item_id']}@{x['emergency_id']}", merchant_id=x["merchant_id"],
            score=round(min(1.0, rise / det.p("score_full_at")), 4),
            explanation_zh=(f"突发事件「{x['name']}」期间，商品 {x['item_id']} 标价最高 "
                            f"¥{float(x['peak']):.2f}，较事件前{base_days}日均价 "
                            f"¥{float(x['baseline']):.2f} 上涨 {rise:.0%}（指南第二十条；价格法第十四条）"),
            explanation_en=(f"During the emergency \"{x['name']}\", item {x['item_id']} was "
                            f"priced up to ¥{float(x['peak']):.2f}, {rise:.0%} above its "
                            f"{base_days}-day mean of ¥{float(x['baseline']):.2f} before it "
                            f"(guideline Art 20; 价格法 Art 14)"),
            facts={"item_id": x["item_id"], "emergency_id": x["emergency_id"],
                   "peak": float(x["peak"]), "baseline": round(float(x["baseline"]), 6),
                   "rise": round(rise, 6), "peak_at": x["peak_at"].isoformat(),
                   "baseline_shows": int(x["base_shows"])},
            evidence=[{"kind": "display", **e} for e in sorted(
                evid.get((x["emergency_id"], x["item_id"]), []),
                key=lambda e: (e["shown_at"], e["merchant_id"]))]))
    out.sort(key=lambda f: (-f.score, f.subject_id))
    return out


DETECTORS: dict[str, Callable[[Backend, Detector], list[Finding]]] = {
    "fake_original_price": fake_original_price,
    "price_discrimination": price_discrimination,
    "price_gouging": price_gouging,
    "brushing_ring": graphs.brushing_ring,
    "pyramid_scheme": graphs.pyramid_scheme,
    "self_preferencing": analytics.self_preferencing,
    "merchant_data_use": analytics.merchant_data_use,
    "grey_accounts": analytics.grey_accounts,
}


def run(b: Backend, name: str) -> list[Finding]:
    """Run the detector ``name`` on the backend's tables."""
    det = catalogue().detectors[name]
    return DETECTORS[name](b, det)
