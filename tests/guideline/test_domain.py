"""The guideline data file and the tier test (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zeren.guideline.domain import (
    Guideline,
    applicable_articles,
    classify,
    load_guideline,
    load_tier_rules,
)


def test_guideline_has_35_articles_with_scope() -> None:
    g = load_guideline()
    assert [a.number for a in g.articles] == list(range(1, 36))
    assert {a.scope for a in g.articles[:9]} == {"super_large"}
    assert {a.scope for a in g.articles[9:34]} == {"all"}
    assert g.articles[34].scope == "applicability"
    assert [i.label for i in g.article(1).items] == ["（一）", "（二）"]  # type: ignore[union-attr]
    assert len(g.article(8).items) == 4  # type: ignore[union-attr]
    assert len(g.exemption_grounds) == 3
    assert any(d.term_zh == "超大型平台" for d in g.definitions)
    assert "超大型平台" in g.article(1).text_zh  # type: ignore[union-attr]


def test_every_article_links_to_capabilities() -> None:
    g = load_guideline()
    keys = {c.key for c in g.capabilities}
    for a in g.articles:
        assert a.capabilities, f"article {a.number} has no capability"
        assert set(a.capabilities) <= keys


def test_data_file_is_validated_when_loaded() -> None:
    raw = load_guideline().model_dump()
    raw["articles"] = raw["articles"][:34]
    with pytest.raises(ValueError, match=r"1\.\.35"):
        Guideline.model_validate(raw)
    raw = load_guideline().model_dump()
    raw["articles"][11]["scope"] = "super_large"
    with pytest.raises(ValueError, match="scope"):
        Guideline.model_validate(raw)
    raw = load_guideline().model_dump()
    raw["articles"][0]["capabilities"] = ["nope.missing"]
    with pytest.raises(ValueError, match="unknown capabilities"):
        Guideline.model_validate(raw)


def _figs(users: int, value: int, prominent: bool = True, reach: bool = True) -> dict[str, object]:
    return {"annual_active_users": users, "market_value_rmb": value,
            "prominent_main_business": prominent, "strong_reach_restriction": reach,
            "prominent_main_business_rationale": "r", "strong_reach_restriction_rationale": "r"}


def test_tier_test_at_the_thresholds() -> None:
    assert classify(_figs(50_000_000, 100_000_000_000)).tier == "super_large"
    assert classify(_figs(49_999_999, 100_000_000_000)).tier == "ordinary"
    assert classify(_figs(50_000_000, 99_999_999_999)).tier == "ordinary"
    assert classify(_figs(50_000_000, 100_000_000_000, prominent=False)).tier == "ordinary"
    assert classify(_figs(50_000_000, 100_000_000_000, reach=False)).tier == "ordinary"


def test_tier_test_reports_each_criterion() -> None:
    r = classify(_figs(49_999_999, 100_000_000_000))
    by_key = {c.key: c for c in r.criteria}
    assert set(by_key) == {"annual_active_users", "market_value", "prominent_main_business",
                           "strong_reach_restriction"}
    users = by_key["annual_active_users"]
    assert (users.figure, users.threshold, users.met) == (49_999_999, 50_000_000, False)
    assert by_key["market_value"].met
    assert r.thresholds_version == load_tier_rules().version


@given(st.integers(0, 10**9), st.integers(0, 10**13), st.booleans(), st.booleans())
def test_super_large_iff_every_criterion(users: int, value: int, p: bool, reach: bool) -> None:
    r = classify(_figs(users, value, p, reach))
    expected = users >= 50_000_000 and value >= 100_000_000_000 and p and reach
    assert (r.tier == "super_large") == expected
    assert all(c.met for c in r.criteria) == expected


def test_applicability_follows_art_35() -> None:
    assert applicable_articles("super_large") == tuple(range(1, 36))
    assert applicable_articles("ordinary") == tuple(range(10, 35))
