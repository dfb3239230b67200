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
