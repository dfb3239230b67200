"""The fake-original-price detector (明码标价和禁止价格欺诈规定 Art 16) on DuckDB against the
hand-computed fixture: the true cases found with the right reference, the near misses not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.market.fixtures import EXPECTED, summary
from zeren.market import detectors
from zeren.market.backend import DuckDBBackend
from zeren.market.domain import evidence_digest


def test_fake_original_price_finds_the_planted_cases(price_root: Path) -> None:
    b = DuckDBBackend(price_root, "p1")
    try:
        found = detectors.run(b, "fake_original_price")
    finally:
        b.close()
    assert summary(found) == EXPECTED
    a = next(f for f in found if f.subject_id == "A/P1")
    assert a.merchant_id == "m1" and found[0] is a  # highest score first
    assert "¥150.00" in a.explanation_zh and "¥90.00" in a.explanation_zh
    assert "第十六条" in a.explanation_zh and "Art 16" in a.explanation_en
    kinds = [(e["kind"], e.get("order_id")) for e in a.evidence]
    # both displays of the promotion, and the one sale that set the reference
    assert kinds == [("display", None), ("display", None), ("sale", "o1")]
    assert a.evidence_digest == evidence_digest(a.evidence)
    c = next(f for f in found if f.subject_id == "C/P1")
    assert [e.get("order_id") for e in c.evidence if e["kind"] == "sale"] == ["o7"]
    assert c.facts["window_from"] == "2026-02-01"


def test_no_data_finds_nothing(tmp_path: Path) -> None:
    b = DuckDBBackend(tmp_path, "empty")
    try:
        assert detectors.run(b, "fake_original_price") == []
    finally:
        b.close()


def test_the_lookback_comes_from_the_data(price_root: Path) -> None:
    # With a one-day window A/P1's only sale in it is 95 (03-09): the reference moves.
    from dataclasses import replace

    from zeren.market.domain import Param, catalogue

    det = catalogue().detectors["fake_original_price"]
    one_day = replace(det, params={**det.params, "lookback_days": Param(1, "test")})
    b = DuckDBBackend(price_root, "p1")
    try:
        found = detectors.fake_original_price(b, one_day)
    finally:
        b.close()
    got = summary(found)
    assert got["A/P1"]["reference"] == 95.0 and got["A/P1"]["sales_in_window"] == 1
    # B/P1 had no sale on 03-09: its last sale before (110 on 03-06) is the reference, and
    # the crossed-out 100 is below it
    assert "B/P1" not in got and got["C/P1"]["basis"] == "last_sale"


def _run(root: Path, name: str) -> list[Any]:
    b = DuckDBBackend(root, "p1")
    try:
        return detectors.run(b, name)
    finally:
        b.close()


def test_price_discrimination(price_root: Path) -> None:
    found = _run(price_root, "price_discrimination")
    assert [f.subject_id for f in found] == ["X"]  # Y: one window only, then 3 %
    x = found[0]
    assert x.facts["windows"] == 2 and x.facts["spread"] == 0.2
    assert (x.facts["dearest_group"], x.facts["cheapest_group"]) == ("new", "vip")
    assert x.score == round(0.2 / 0.3, 4)
    assert {(e["user_group"], e["price"]) for e in x.evidence} == {("vip", 100.0),
                                                                    ("new", 120.0)}


def test_price_gouging(price_root: Path) -> None:
    found = _run(price_root, "price_gouging")
    assert [f.subject_id for f in found] == ["G@E1"]  # H rose 40 %, under 50 %
    g = found[0]
    assert g.facts["peak"] == 20.0 and g.facts["baseline_shows"] == 3
    assert abs(g.facts["baseline"] - 32 / 3) < 1e-6 and abs(g.facts["rise"] - 0.875) < 1e-6
    assert "台风应急响应" in g.explanation_zh and g.evidence[0]["price"] == 20.0
