"""The graph detectors: brushing rings (Art 17) and pyramid schemes (Art 23). The engine
(DuckDB or Spark, through Ibis) aggregates the rows into a small candidate graph; the graph
step runs on the driver with rustworkx (k-core decomposition, connected components, longest
paths), never with hand-written graph traversal.

Brushing rings follow FRAUDAR's idea (Hooi et al., KDD 2016): a fraud block is a dense
buyer–merchant subgraph once edges into popular merchants are weighed down (column weight
1 / ln(degree + 5)), which resists camouflage with real purchases. Instead of FRAUDAR's
weighted greedy peeling, the weighted candidate edges are peeled by k-core decomposition
(the maximal k-core is Charikar's 2-approximation of the densest subgraph) and each
connected part of the core is a candidate ring, scored by how full it is and by the devices
and addresses its buyers share (ADR 0801)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any, cast

import ibis
import pyarrow as pa
import rustworkx as rx
from ibis import _

from zeren.market.backend import Backend
from zeren.market.backend import rows_of as _rows
from zeren.market.domain import Detector, Finding, catalogue

MAX_LISTED = 200


def _shared_buyers(orders: ibis.Table, column: str, least: int) -> ibis.Table:
    """Buyers who share a value of ``column`` (device, address) with other buyers."""
    known = orders.filter(orders[column].notnull())
    groups = known.group_by(column).agg(nb=_.buyer_id.nunique())
    groups = groups.filter(groups.nb >= least)
    return known.semi_join(groups, column).select("buyer_id").distinct()


def ring_candidates(b: Backend, det: Detector) -> tuple[ibis.Table, ibis.Table]:
    """The weighted candidate edges (buyer, merchant, orders, amount, weight, shared) and
    the buyers that share a device or address."""
    orders = b.table(catalogue().datasets["orders"])
    edges = orders.group_by(["buyer_id", "merchant_id"]).agg(
        n=_.count(), amount=(_.unit_price * _.quantity).sum(), first=_.paid_at.min(),
        last=_.paid_at.max())
    deg = edges.group_by("merchant_id").agg(buyers=_.count()).rename(d_merchant="merchant_id")
    e = edges.join(deg, edges.merchant_id == deg.d_merchant)
    e = e.select("buyer_id", "merchant_id", "n", "amount", "first", "last",
                 weight=e.n.cast("float64") / (e.buyers.cast("float64") + 5).ln())
    least = int(det.p("min_shared_buyers"))
    shared = _shared_buyers(orders, "device_id", least).union(
        _shared_buyers(orders, "address_hash", least)).distinct()
    s = shared.rename(s_buyer="buyer_id").mutate(shared=ibis.literal(True))
    e2 = e.left_join(s, e.buyer_id == s.s_buyer)
    e2 = e2.select("buyer_id", "merchant_id", "n", "amount", "first", "last", "weight",
                   shared=e2.shared.fill_null(False))
    return e2.filter((e2.weight >= det.p("min_edge_weight"))
                     | (e2.shared & (e2.weight >= det.p("min_shared_edge_weight")))), shared


def _rings(cand: pa.Table, det: Detector) -> list[dict[str, Any]]:
    """Dense parts of the candidate graph: the k-core's connected components that are big
    and full enough."""
    k = int(det.p("min_core"))
    g = rx.PyGraph()
    index: dict[tuple[str, str], int] = {}
    rows = cand.to_pylist()

    def node(kind: str, name: str) -> int:
        key = (kind, name)
        i = index.get(key)
        if i is None:
            i = index[key] = g.add_node(key)
        return i

    g.add_edges_from([(node("b", r["buyer_id"]), node("m", r["merchant_id"]), r)
                      for r in rows])
    core = cast(dict[int, int], rx.core_number(g))  # typed as int in its stubs
    keep = [n for n, c in core.items() if c >= k]
    sub = g.subgraph(keep)
    comps = rx.connected_components(sub)
    where = {n: i for i, comp in enumerate(comps) for n in comp}
    comp_edges: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (a, _c), data in zip(sub.edge_list(), sub.edges(), strict=True):
        comp_edges[where[a]].append(data)
    out = []
    for ci, comp in enumerate(comps):
        names = [sub[n] for n in comp]
        buyers = sorted(n for kind, n in names if kind == "b")
        merchants = sorted(n for kind, n in names if kind == "m")
        if len(buyers) < det.p("min_buyers") or len(merchants) < k:
            continue
        edges = comp_edges[ci]
        fill = len(edges) / (len(buyers) * len(merchants))
        if fill < det.p("min_fill"):
            continue
        out.append({"buyers": buyers, "merchants": merchants, "edges": edges, "fill": fill})
    return out


def brushing_ring(b: Backend, det: Detector) -> list[Finding]:
    cat = catalogue()
    cand_expr, _shared = ring_candidates(b, det)
    cand = b.execute(cand_expr)
    if not cand.num_rows:
        return []
    rings = _rings(cand, det)
    if not rings:
        return []
    pairs = pa.table({
        "ring": [i for i, r in enumerate(rings) for _e in r["edges"]],
        "r_buyer": [e["buyer_id"] for r in rings for e in r["edges"]],
        "r_merchant": [e["merchant_id"] for r in rings for e in r["edges"]]})
    keys = b.memtable(pairs)
    orders = b.table(cat.datasets["orders"])
    ro = orders.join(keys, [orders.buyer_id == keys.r_buyer,
                            orders.merchant_id == keys.r_merchant])
    ro = ro.select(*cat.datasets["orders"].names, "ring")
    reviews = b.table(cat.datasets["reviews"])
    ro_ids = ro.select(o_order=ro.order_id, o_ring=ro.ring).distinct()
    rr = reviews.join(ro_ids, reviews.order_id == ro_ids.o_order)
    rr = rr.select(*cat.datasets["reviews"].names, ring=rr.o_ring)
    by_orders: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(b.execute(ro)):
        by_orders[int(r.pop("ring"))].append(r)
    by_reviews: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(b.execute(rr)):
        by_reviews[int(r.pop("ring"))].append(r)
    out = []
    for i, ring in enumerate(rings):
        os_ = sorted(by_orders[i], key=lambda r: (r["paid_at"], r["order_id"], r["line"]))
        rv = sorted(by_reviews[i], key=lambda r: (r["posted_at"], r["review_id"]))
        shared = {e["buyer_id"] for e in ring["edges"] if e["shared"]}
        shared_share = len(shared) / len(ring["buyers"])
        per_merchant: dict[str, int] = defaultdict(int)
        for o in os_:
            per_merchant[o["merchant_id"]] += 1
        top = max(sorted(per_merchant), key=lambda m: per_merchant[m]) if per_merchant else None
        amount = sum(float(o["unit_price"]) * int(o["quantity"]) for o in os_)
        span_h = ((os_[-1]["paid_at"] - os_[0]["paid_at"]).total_seconds() / 3600
                  if os_ else 0.0)
        rid = "ring-" + hashlib.sha256("\x1f".join(ring["merchants"]).encode()).hexdigest()[:16]
        nb, nm = len(ring["buyers"]), len(ring["merchants"])
        score = round(min(1.0, 0.6 * ring["fill"] + 0.4 * shared_share), 4)
        out.append(Finding(
            detector=det.name, subject_type="ring", subject_id=rid, merchant_id=top,
            score=score,
            explanation_zh=(f"{nb} 个买家账号与 {nm} 个商家构成稠密交易子图（成交对覆盖 "
                            f"{ring['fill']:.0%}），共 {len(os_)} 笔订单、¥{amount:,.2f}，"
                            f"{len(shared)} 个买家共用设备或地址，{len(rv)} 条评价来自这些订单"
                            f"，疑似刷单炒信（指南第十七条；电子商务法第十七条）"),
            explanation_en=(f"{nb} buyer accounts and {nm} merchants form a dense trading "
                            f"subgraph ({ring['fill']:.0%} of pairs traded): {len(os_)} orders, "
                            f"¥{amount:,.2f}; {len(shared)} buyers share devices or addresses; "
                            f"{len(rv)} reviews come from these orders. Suspected order "
                            f"brushing (guideline Art 17; 电子商务法 Art 17)"),
            facts={"buyers": ring["buyers"][:MAX_LISTED], "merchants": ring["merchants"],
                   "buyer_count": nb, "merchant_count": nm, "fill": round(ring["fill"], 6),
                   "orders": len(os_), "amount": round(amount, 2), "reviews": len(rv),
                   "shared_buyers": len(shared), "span_hours": round(span_h, 3),
                   "edges": [[e["buyer_id"], e["merchant_id"], int(e["n"])]
                             for e in sorted(ring["edges"], key=lambda e: (e["buyer_id"],
                                                                           e["merchant_id"]))
                             ][:MAX_LISTED]},
            evidence=[{"kind": "order", **o} for o in os_[:30]]
            + [{"kind": "review", **r} for r in rv[:20]]))
    out.sort(key=lambda f: (-f.score, f.subject_id))
    return out


# ----------------------------------------------------------------------- pyramid selling


def pyramid_scheme(b: Backend, det: Detector) -> list[Finding]:
    cat = catalogue()
    ref = b.table(cat.datasets["referrals"])
    per = ref.group_by("scheme_id").agg(
        members=_.count(), fees=_.entry_fee.sum(),
        paying=(_.entry_fee > 0).cast("int64").sum(),
        team=_.team_commission.fill_null(False).cast("int64").sum())
    cand = per.filter((per.members >= int(det.p("min_participants")))
                      & ((per.paying > 0) | (per.team > 0)))
    rows = b.execute(ref.semi_join(cand, "scheme_id").select(*cat.datasets["referrals"].names))
    if not rows.num_rows:
        return []
    schemes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in _rows(rows):
        schemes[r["scheme_id"]].append(r)
    out = []
    min_levels = int(det.p("min_levels"))
    for scheme, members in sorted(schemes.items()):
        members.sort(key=lambda m: (m["joined_at"], m["member_id"]))
        g = rx.PyDiGraph()
        idx = {m["member_id"]: g.add_node(m) for m in members}
        joined = {m["member_id"]: m["joined_at"] for m in members}
        # A referrer outside the scheme makes its recruit a top; an edge against time (a
        # referrer who joined after the recruit) is a data error and is left out, so the
        # graph stays acyclic.
        g.add_edges_from_no_data([
            (idx[m["referrer_id"]], idx[m["member_id"]]) for m in members
            if m["referrer_id"] in idx and m["referrer_id"] != m["member_id"]
            and (joined[m["referrer_id"]], m["referrer_id"]) < (m["joined_at"], m["member_id"])])
        path = [g[n] for n in rx.dag_longest_path(g)]
        levels = len(path)
        n = len(members)
        fees = sum(float(m["entry_fee"]) for m in members)
        team = sum(1 for m in members if m["team_commission"])
        if levels < min_levels:
            continue
        serious = (n >= det.p("serious_participants")
                   or fees >= det.p("serious_amount_yuan"))
        score = 1.0 if serious else round(0.5 + 0.5 * min(1.0, max(
            n / det.p("serious_participants"), fees / det.p("serious_amount_yuan"))), 4)
        forms_zh = "、".join(x for x, on in (("入门费", fees > 0), ("团队计酬", team > 0)) if on)
        forms_en = ", ".join(x for x, on in (("entry fees", fees > 0),
                                             ("team commissions", team > 0)) if on)
        tops = sum(1 for i in g.node_indices() if g.in_degree(i) == 0)
        out.append(Finding(
            detector=det.name, subject_type="scheme", subject_id=scheme, merchant_id=None,
            score=score,
            explanation_zh=(f"推荐体系 {scheme} 有 {n} 名参与者、{levels} 个层级，"
                            f"以{forms_zh}为特征，入门费合计 ¥{fees:,.2f}"
                            + ("，达到情节严重标准" if serious else "")
                            + "（指南第二十三条；禁止传销条例第七条）"),
            explanation_en=(f"Referral scheme {scheme}: {n} participants in {levels} levels, "
                            f"with {forms_en}; entry fees total ¥{fees:,.2f}"
                            + (", at the serious-case threshold" if serious else "")
                            + " (guideline Art 23; 禁止传销条例 Art 7)"),
            facts={"scheme_id": scheme, "participants": n, "levels": levels,
                   "fees": round(fees, 2), "team_commission_members": team, "tops": tops,
                   "serious": serious, "deepest_chain": [m["member_id"] for m in path]},
            evidence=[{"kind": "chain", **m} for m in path]))
    out.sort(key=lambda f: (-f.score, f.subject_id))
    return out
