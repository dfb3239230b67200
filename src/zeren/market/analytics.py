"""The detectors of Art 2, Art 1 and Art 24: self-preferencing (a matched comparison of
exposure with a confidence interval), reads of merchants' data beyond the declared purposes,
and clusters of accounts sharing signals (connected components on rustworkx). As elsewhere
the engine (DuckDB or Spark, through Ibis) aggregates and the driver finishes on small
results."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from typing import Any, cast

import ibis
import pyarrow as pa
import rustworkx as rx
from ibis import _

from zeren.market.backend import Backend
from zeren.market.backend import rows_of as _rows
from zeren.market.domain import Detector, Finding, catalogue

# ----------------------------------------------------------------------- self-preferencing


def matched_gap(bands: list[dict[str, Any]], z: float) -> tuple[float, float, float, int, int]:
    """The gap in top-position rate, own minus third-party, over the relevance bands where
    both sides were shown, weighted by the own side's impressions (the effect on the
    platform's own items), with its normal-approximation interval: (gap, low, high, own
    impressions, third-party impressions)."""
    usable = [b for b in bands if b["n_own"] > 0 and b["n_other"] > 0]
    n_own = sum(int(b["n_own"]) for b in usable)
    n_other = sum(int(b["n_other"]) for b in usable)
    if not usable or n_own == 0:
        return 0.0, 0.0, 0.0, 0, 0
    gap = var = 0.0
    for b in usable:
        w = b["n_own"] / n_own
        p1, p0 = b["top_own"] / b["n_own"], b["top_other"] / b["n_other"]
        gap += w * (p1 - p0)
        var += w * w * (p1 * (1 - p1) / b["n_own"] + p0 * (1 - p0) / b["n_other"])
    half = z * math.sqrt(var)
    return gap, gap - half, gap + half, n_own, n_other


def self_preferencing(b: Backend, det: Detector) -> list[Finding]:
    ex = b.table(catalogue().datasets["exposures"])
    nb = int(det.p("relevance_bands"))
    top = int(det.p("top_positions"))
    band = ibis.least((ex.relevance * nb).floor().cast("int64"), nb - 1)
    e = ex.mutate(band=band, top=(ex.position <= top).cast("int64"),
                  own=ex.own_item.cast("int64"))
    agg = e.group_by(["query_category", "band"]).agg(
        n_own=_.own.sum(), top_own=(_.top * _.own).sum(), n_all=_.count(), top_all=_.top.sum())
    rows = _rows(b.execute(agg))
    cats: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        n_own, top_own = int(r["n_own"] or 0), int(r["top_own"] or 0)
        cats[r["query_category"]].append({
            "band": int(r["band"]), "n_own": n_own, "top_own": top_own,
            "n_other": int(r["n_all"]) - n_own, "top_other": int(r["top_all"]) - top_own})
    out = []
    for cat, bands in sorted(cats.items()):
        bands.sort(key=lambda x: x["band"])
        gap, low, high, n_own, n_other = matched_gap(bands, det.p("z"))
        least = det.p("min_impressions")
        if n_own < least or n_other < least or low <= det.p("min_gap"):
            continue
        for x in bands:
            x["rate_own"] = round(x["top_own"] / x["n_own"], 6) if x["n_own"] else None
            x["rate_other"] = round(x["top_other"] / x["n_other"], 6) if x["n_other"] else None
        out.append(Finding(
            detector=det.name, subject_type="query_category", subject_id=cat, merchant_id=None,
            score=round(min(1.0, max(0.0, low) / 0.5), 4),
            explanation_zh=(f"搜索类目「{cat}」中，在同等相关度下自营商品进入前 {top} 位的比例比第三方"
                            f"商家高 {gap:.1%}（95% 置信区间 {low:.1%}–{high:.1%}；自营 {n_own} 次、"
                            f"第三方 {n_other} 次曝光），疑似自我优待（指南第二条）"),
            explanation_en=(f"In query category \"{cat}\", at equal relevance the platform's own "
                            f"items reach the top {top} positions {gap:.1%} more often than third "
                            f"parties' (95 % interval {low:.1%} to {high:.1%}; {n_own} own and "
                            f"{n_other} third-party impressions): suspected self-preferencing "
                            f"(guideline Art 2)"),
            facts={"query_category": cat, "gap": round(gap, 6), "low": round(low, 6),
                   "high": round(high, 6), "own_impressions": n_own,
                   "other_impressions": n_other, "top_positions": top, "bands": bands},
            evidence=[{"kind": "band", "query_category": cat, **x} for x in bands]))
    out.sort(key=lambda f: (-f.score, f.subject_id))
    return out


# ----------------------------------------------------------------------- merchant data use


def merchant_data_use(b: Backend, det: Detector) -> list[Finding]:
    cat = catalogue()
    acc = b.table(cat.datasets["data_access"])
    dec = b.table(cat.datasets["declared_purposes"]).select("unit", "data_kind", "purpose")
    own = acc.filter(acc.own_retail)
    undeclared = own.anti_join(dec, ["unit", "data_kind", "purpose"])
    per = undeclared.group_by(["unit", "data_kind", "purpose"]).agg(
        reads=_.count(), merchants=_.merchant_id.nunique(), first=_.read_at.min(),
        last=_.read_at.max())
    flagged = b.execute(per)
    if not flagged.num_rows:
        return []
    sample = undeclared.mutate(rn=ibis.row_number().over(
        group_by=["unit", "data_kind", "purpose"], order_by=["read_at", "access_id"]))
    sample = sample.filter(sample.rn < 20).drop("rn")
    ev: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(b.execute(sample)):
        ev[(r["unit"], r["data_kind"], r["purpose"])].append(r)
    out = []
    for r in _rows(flagged):
        key = (r["unit"], r["data_kind"], r["purpose"])
        n = int(r["merchants"])
        out.append(Finding(
            detector=det.name, subject_type="unit_purpose", subject_id="/".join(key),
            merchant_id=None, score=round(min(1.0, n / det.p("score_full_at")), 4),
            explanation_zh=(f"自营业务单元「{r['unit']}」以未声明的用途「{r['purpose']}」读取 {n} 家"
                            f"平台内经营者的非公开数据（{r['data_kind']}）共 {int(r['reads'])} 次"
                            f"（指南第一条）"),
            explanation_en=(f"Own retail unit \"{r['unit']}\" read {n} merchants' non-public "
                            f"data ({r['data_kind']}) {int(r['reads'])} times for an undeclared "
                            f"purpose, \"{r['purpose']}\" (guideline Art 1)"),
            facts={"unit": r["unit"], "data_kind": r["data_kind"], "purpose": r["purpose"],
                   "reads": int(r["reads"]), "merchants": n, "first": r["first"].isoformat(),
                   "last": r["last"].isoformat()},
            evidence=[{"kind": "read", **x} for x in sorted(
                ev[key], key=lambda x: (x["read_at"], x["access_id"]))]))
    out.sort(key=lambda f: (-f.score, f.subject_id))
    return out


# ----------------------------------------------------------------------- grey accounts


def grey_accounts(b: Backend, det: Detector) -> list[Finding]:
    sig = b.table(catalogue().datasets["account_signals"])
    pairs = sig.select("account_id", "signal", "value").distinct()
    vals = pairs.group_by(["signal", "value"]).agg(n=_.account_id.nunique())
    vals = vals.filter((vals.n >= 2) & (vals.n <= int(det.p("max_accounts_per_value"))))
    links = _rows(b.execute(pairs.semi_join(vals, ["signal", "value"])))
    if not links:
        return []
    g = rx.PyGraph()
    index: dict[tuple[str, str], int] = {}

    def node(key: tuple[str, str]) -> int:
        i = index.get(key)
        if i is None:
            i = index[key] = g.add_node(key)
        return i

    g.add_edges_from_no_data([(node(("a", r["account_id"])),
                               node(("v", f"{r['signal']}\x1f{r['value']}"))) for r in links])
    clusters = []
    for comp in rx.connected_components(g):
        names = [cast(tuple[str, str], g[n]) for n in comp]
        accounts = sorted(n for k, n in names if k == "a")
        values = sorted(n for k, n in names if k == "v")
        kinds = sorted({v.split("\x1f", 1)[0] for v in values})
        if len(accounts) >= det.p("min_accounts") and len(kinds) >= det.p("min_signal_kinds"):
            clusters.append((accounts, values, kinds))
    if not clusters:
        return []
    keys = b.memtable(pa.table({
        "c": [i for i, (acc, _v, _k) in enumerate(clusters) for _a in acc],
        "k_account": [a for acc, _v, _k in clusters for a in acc]}))
    ev = sig.join(keys, sig.account_id == keys.k_account)
    ev = ev.select(*catalogue().datasets["account_signals"].names, "c")
    shared = {v for _a, vs, _k in clusters for v in vs}
    by: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(b.execute(ev)):
        if f"{r['signal']}\x1f{r['value']}" in shared:
            by[int(r.pop("c"))].append(r)
    out = []
    for i, (accounts, values, kinds) in enumerate(clusters):
        n = len(accounts)
        score = round(0.5 * min(1.0, n / det.p("score_full_at")) + 0.5 * min(1.0, len(kinds) / 3), 4)
        cid = "cluster-" + hashlib.sha256("\x1f".join(accounts).encode()).hexdigest()[:16]
        shown = [v.replace("\x1f", ":") for v in values]
        out.append(Finding(
            detector=det.name, subject_type="account_cluster", subject_id=cid, merchant_id=None,
            score=score,
            explanation_zh=(f"{n} 个账号通过 {len(values)} 个共用信号（{'、'.join(kinds)}）相连，"
                            f"疑似黑灰产账号团伙（指南第二十四条）"),
            explanation_en=(f"{n} accounts linked by {len(values)} shared signals "
                            f"({', '.join(kinds)}): a suspected black/grey-industry cluster "
                            f"(guideline Art 24)"),
            facts={"accounts": accounts[:200], "account_count": n, "signals": shown[:200],
                   "signal_kinds": kinds},
            evidence=[{"kind": "signal", **r} for r in sorted(
                by[i], key=lambda r: (r["account_id"], r["signal"], r["value"], r["seen_at"]))
                      ][:50]))
    out.sort(key=lambda f: (-f.score, f.subject_id))
    return out
