"""Self-preferencing (matched comparison with its interval, checked by hand), reads of
merchants' data beyond the declared purposes, and grey-industry account clusters."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from zeren.market import detectors
from zeren.market.analytics import matched_gap
from zeren.market.backend import DuckDBBackend


def _run(root: Path, name: str) -> list[Any]:
    b = DuckDBBackend(root, "p1")
    try:
        return detectors.run(b, name)
    finally:
        b.close()


def test_self_preferencing(price_root: Path) -> None:
    found = _run(price_root, "self_preferencing")
    assert [f.subject_id for f in found] == ["phones"]  # books: no gap
    f = found[0]
    # by hand: three bands of 60 + 60, rates 0.8 vs 0.3, weights 1/3 each
    var = 3 * (1 / 9) * (0.8 * 0.2 / 60 + 0.3 * 0.7 / 60)
    assert f.facts["gap"] == 0.5
    assert abs(f.facts["low"] - (0.5 - 1.96 * math.sqrt(var))) < 1e-6
    assert [b["band"] for b in f.facts["bands"]] == [2, 5, 8]
    assert "置信区间" in f.explanation_zh and len(f.evidence) == 3


@given(st.lists(st.tuples(st.integers(1, 500), st.integers(0, 500), st.integers(1, 500),
                          st.integers(0, 500)), min_size=1, max_size=8))
def test_the_gap_lies_inside_its_interval(raw: list[tuple[int, int, int, int]]) -> None:
    bands = [{"n_own": a, "top_own": min(b, a), "n_other": c, "top_other": min(d, c)}
             for a, b, c, d in raw]
    gap, low, high, n_own, _n_other = matched_gap(bands, 1.96)
    assert low <= gap <= high and -1 <= gap <= 1 and n_own == sum(r[0] for r in raw)
    same = [{**x, "top_other": x["top_own"] * x["n_other"] // x["n_own"]} for x in bands]
    assert abs(matched_gap(same, 1.96)[0]) <= 1.0


def test_merchant_data_use(price_root: Path) -> None:
    found = _run(price_root, "merchant_data_use")
    assert [f.subject_id for f in found] == ["自营超市/sales/selection"]
    f = found[0]
    assert (f.facts["reads"], f.facts["merchants"]) == (6, 3) and f.score == 0.3
    assert {e["purpose"] for e in f.evidence} == {"selection"} and len(f.evidence) == 6


def test_grey_accounts(price_root: Path) -> None:
    found = _run(price_root, "grey_accounts")
    assert len(found) == 1
    f = found[0]
    assert f.facts["accounts"] == [f"g{i}" for i in range(1, 7)]
    assert f.facts["signal_kinds"] == ["device", "ip", "payment"]
    assert f.score == round(0.5 * 6 / 20 + 0.5, 4)
    assert {e["account_id"] for e in f.evidence} == {f"g{i}" for i in range(1, 7)}
