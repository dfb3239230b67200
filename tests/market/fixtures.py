"""A hand-computed fixture for the price detectors, shared by the DuckDB and Spark tests.

Promotions start on 2026-03-10 (Beijing), so Art 16's seven days are 03-03 … 03-09.
- A/P1: sales at 120 (03-01, outside), 90 (03-03), 100 (03-05), 95 (03-09 23:30 Beijing,
  which is 15:30 UTC: still inside) → reference 90; the crossed-out price 150 is a finding.
- B/P1: lowest sale 100 in the window, crossed-out 100 → the near miss (no finding).
- B/P2: crossed-out 100.005, within the rounding allowance → no finding.
- C/P1: no sale in the window; the last sale before it was 80 (02-01) → 99 is a finding.
- D/P1: never sold → no reference, no finding.
"""

from __future__ import annotations

from typing import Any

ORDERS: list[dict[str, Any]] = [
    {"order_id": f"o{i}", "line": 1, "buyer_id": b, "merchant_id": m, "item_id": it,
     "unit_price": p, "quantity": 1, "paid_at": t}
    for i, (it, m, b, p, t) in enumerate([
        ("A", "m1", "b1", 120, "2026-03-01T10:00:00+08:00"),
        ("A", "m1", "b2", 90, "2026-03-03T10:00:00+08:00"),
        ("A", "m1", "b3", 100, "2026-03-05T10:00:00+08:00"),
        ("A", "m1", "b4", 95, "2026-03-09T15:30:00Z"),
        ("A", "m1", "b5", 60, "2026-03-10T10:00:00+08:00"),
        ("B", "m1", "b1", 100, "2026-03-04T10:00:00+08:00"),
        ("B", "m1", "b2", 110, "2026-03-06T10:00:00+08:00"),
        ("C", "m2", "b1", 80, "2026-02-01T10:00:00+08:00"),
    ])]


def _show(item: str, merchant: str, promo: str, claim: float, hour: int) -> dict[str, Any]:
    return {"item_id": item, "merchant_id": merchant, "promotion_id": promo, "price": 70,
            "original_price": claim, "shown_at": f"2026-03-10T{hour:02d}:00:00+08:00"}


PRICES: list[dict[str, Any]] = [
    _show("A", "m1", "P1", 150, 0), _show("A", "m1", "P1", 150, 6),
    _show("B", "m1", "P1", 100, 0), _show("B", "m1", "P2", 100.005, 1),
    _show("C", "m2", "P1", 99, 0), _show("D", "m3", "P1", 500, 0),
    # a plain display (no promotion) is no claim
    {"item_id": "A", "merchant_id": "m1", "price": 130, "shown_at": "2026-03-02T10:00:00+08:00"},
]

EXPECTED = {
    "A/P1": {"reference": 90.0, "claimed": 150.0, "basis": "lowest_7d", "sales_in_window": 3,
             "score": 1.0},
    "C/P1": {"reference": 80.0, "claimed": 99.0, "basis": "last_sale", "sales_in_window": 0,
             "score": round((99 - 80) / 80 / 0.5, 4)},
}


def summary(findings: list[Any]) -> dict[str, dict[str, Any]]:
    return {f.subject_id: {"reference": f.facts["reference"], "claimed": f.facts["claimed"],
                           "basis": f.facts["basis"],
                           "sales_in_window": f.facts["sales_in_window"], "score": f.score}
            for f in findings}


# ----------------------------------------------------------------------- price discrimination
# X: vip 100 vs new 120 in two hourly windows (spread 20 %) → a finding.
# Y: 100 vs 110 in one window, 100 vs 103 (3 %) in another → a near miss.
def _grp(item: str, group: str, price: float, at: str) -> dict[str, Any]:
    return {"item_id": item, "merchant_id": "m9", "user_group": group, "price": price,
            "shown_at": at}


DISCRIMINATION: list[dict[str, Any]] = [
    _grp("X", "vip", 100, "2026-03-10T10:05:00+08:00"),
    _grp("X", "new", 120, "2026-03-10T10:40:00+08:00"),
    _grp("X", "vip", 100, "2026-03-10T14:05:00+08:00"),
    _grp("X", "new", 120, "2026-03-10T14:06:00+08:00"),
    _grp("Y", "vip", 100, "2026-03-10T10:05:00+08:00"),
    _grp("Y", "new", 110, "2026-03-10T10:06:00+08:00"),
    _grp("Y", "vip", 100, "2026-03-10T15:05:00+08:00"),
    _grp("Y", "new", 103, "2026-03-10T15:06:00+08:00"),
]

# ----------------------------------------------------------------------- gouging
# E1 runs 03-20 … 03-25 (Beijing). G: mean 32/3 in the 30 days before, 20 during (+87.5 %).
# H: 10 before, 14 during (+40 %, under 50 %): a near miss. G at 30 after the end: ignored.
EMERGENCIES: list[dict[str, Any]] = [
    {"emergency_id": "E1", "name": "台风应急响应", "starts_at": "2026-03-20T00:00:00+08:00",
     "ends_at": "2026-03-25T00:00:00+08:00", "declared_by": "市政府"}]


def _plain(item: str, price: float, at: str) -> dict[str, Any]:
    return {"item_id": item, "merchant_id": "m8", "price": price, "shown_at": at}


GOUGING: list[dict[str, Any]] = [
    _plain("G", 10, "2026-03-01T09:00:00+08:00"), _plain("G", 10, "2026-03-10T09:00:00+08:00"),
    _plain("G", 12, "2026-03-19T09:00:00+08:00"), _plain("G", 20, "2026-03-21T09:00:00+08:00"),
    _plain("G", 30, "2026-03-26T09:00:00+08:00"), _plain("G", 5, "2026-01-01T09:00:00+08:00"),
    _plain("H", 10, "2026-03-15T09:00:00+08:00"), _plain("H", 14, "2026-03-22T09:00:00+08:00"),
]

# ----------------------------------------------------------------------- brushing
# Ring: r1…r6 each buy twice from s1, s2, s3 (edge weight 2/ln(6+5) ≈ 0.83), r1…r3 on one
# device; r1 reviews one order. Near miss: n1…n5 buy repeatedly but each from only two of
# t1…t3 (a 2-core, not a 3-core).
def _order(oid: str, buyer: str, merchant: str, at: str, device: str | None = None
           ) -> dict[str, Any]:
    return {"order_id": oid, "line": 1, "buyer_id": buyer, "merchant_id": merchant,
            "item_id": f"it-{merchant}", "unit_price": 9.9, "quantity": 1, "paid_at": at,
            "device_id": device}


BRUSHING: list[dict[str, Any]] = [
    _order(f"ring-{b}-{m}-{k}", f"r{b}", f"s{m}", f"2026-03-1{k}T0{b}:{10 + m}:00+08:00",
           "dev-farm" if b <= 3 else f"dev-{b}")
    for b in range(1, 7) for m in range(1, 4) for k in range(1, 3)
] + [
    _order(f"near-{b}-{m}-{k}", f"n{b}", f"t{m}", f"2026-03-1{k}T0{b}:{20 + m}:00+08:00",
           f"nd-{b}")
    for b in range(1, 6) for m in ((1, 2) if b % 2 else (2, 3)) for k in range(1, 4)
]
REVIEWS: list[dict[str, Any]] = [
    {"review_id": "rv1", "order_id": "ring-1-1-1", "buyer_id": "r1", "merchant_id": "s1",
     "rating": 5, "posted_at": "2026-03-12T10:00:00+08:00"},
    {"review_id": "rv2", "order_id": "near-1-1-1", "buyer_id": "n1", "merchant_id": "t1",
     "rating": 5, "posted_at": "2026-03-12T10:00:00+08:00"},
]

# ----------------------------------------------------------------------- pyramid selling
# S1: 1 + 5 + 25 members in 3 levels, 100 each → a finding. S2: 40 members in 2 levels
# (near miss). S3: 35 in 3 levels but no fee and no team commission (an invite programme).
def _member(mid: str, ref: str | None, scheme: str, fee: float, day: int,
            team: bool | None = None) -> dict[str, Any]:
    return {"member_id": mid, "referrer_id": ref, "scheme_id": scheme, "entry_fee": fee,
            "joined_at": f"2026-02-{day:02d}T10:00:00+08:00", "team_commission": team}


REFERRALS: list[dict[str, Any]] = (
    [_member("S1-0", None, "S1", 100, 1)]
    + [_member(f"S1-{i}", "S1-0", "S1", 100, 2) for i in range(1, 6)]
    + [_member(f"S1-{i}-{j}", f"S1-{i}", "S1", 100, 3) for i in range(1, 6) for j in range(5)]
    + [_member("S2-0", None, "S2", 50, 1)]
    + [_member(f"S2-{i}", "S2-0", "S2", 50, 2) for i in range(1, 40)]
    + [_member("S3-0", None, "S3", 0, 1, False)]
    + [_member(f"S3-{i}", "S3-0", "S3", 0, 2, False) for i in range(1, 5)]
    + [_member(f"S3-{i}-{j}", f"S3-{i}", "S3", 0, 3) for i in range(1, 5) for j in range(8)]
)

# ----------------------------------------------------------------------- self-preferencing
# Per category, three relevance bands, 60 impressions per side and band. phones: own items
# reach the top 3 in 48 of 60, third parties in 18 (gap 0.5); books: 30 and 30 (no gap).
def _exposures() -> list[dict[str, Any]]:
    out = []
    for cat, own_top, other_top in (("phones", 48, 18), ("books", 30, 30)):
        for band, rel in enumerate((0.25, 0.55, 0.85)):
            for own, tops in ((True, own_top), (False, other_top)):
                for k in range(60):
                    out.append({
                        "impression_id": f"{cat}-{band}-{int(own)}-{k}", "query_category": cat,
                        "item_id": f"{'own' if own else 'tp'}-{k % 7}",
                        "merchant_id": "self" if own else f"tp{k % 5}", "own_item": own,
                        "relevance": rel, "position": 1 + k % 3 if k < tops else 4 + k % 20,
                        "shown_at": f"2026-03-1{band}T1{k % 10}:00:00+08:00"})
    return out


EXPOSURES = _exposures()

# ----------------------------------------------------------------------- merchant data use
# The own retail unit "自营超市" reads sales data of 3 merchants for "selection" (not declared)
# and for "compliance" (declared). A third-party unit's reads are not the platform's own.
DECLARED = [{"unit": "自营超市", "data_kind": "sales", "purpose": "compliance",
             "declared_at": "2026-01-01T00:00:00+08:00"}]
DATA_ACCESS = [
    {"access_id": f"a{i}", "unit": unit, "own_retail": own, "merchant_id": f"mm{i % 3}",
     "data_kind": "sales", "purpose": purpose, "read_at": f"2026-03-0{1 + i % 9}T10:00:00+08:00"}
    for i, (unit, own, purpose) in enumerate(
        [("自营超市", True, "selection")] * 6 + [("自营超市", True, "compliance")] * 4
        + [("风控部", False, "selection")] * 3)
]

# ----------------------------------------------------------------------- grey accounts
# g1…g6 linked by a device (g1-g3), a card (g3-g6) and an IP (g1, g6): one cluster, 3 kinds.
# h1, h2 share a device (too few). 60 accounts behind one NAT address link nobody.
def _sig(acc: str, signal: str, value: str) -> dict[str, Any]:
    return {"account_id": acc, "signal": signal, "value": value,
            "seen_at": "2026-03-05T10:00:00+08:00"}


SIGNALS = (
    [_sig(f"g{i}", "device", "gdev") for i in (1, 2, 3)]
    + [_sig(f"g{i}", "payment", "card-9") for i in (3, 4, 5, 6)]
    + [_sig(f"g{i}", "ip", "10.9.9.9") for i in (1, 6)]
    + [_sig(f"h{i}", "device", "hdev") for i in (1, 2)]
    + [_sig(f"n{i}", "ip", "100.64.0.1") for i in range(60)]
    + [_sig(f"n{i}", "phone", f"138{i:08d}") for i in range(60)]
)

ALL: dict[str, list[dict[str, Any]]] = {
    "orders": ORDERS + BRUSHING, "prices": PRICES + DISCRIMINATION + GOUGING,
    "emergencies": EMERGENCIES, "reviews": REVIEWS, "referrals": REFERRALS,
    "exposures": EXPOSURES, "declared_purposes": DECLARED, "data_access": DATA_ACCESS,
    "account_signals": SIGNALS}
