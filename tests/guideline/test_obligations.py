"""Obligations as data: every article decomposed, the words of each duty taken from the text,
and the text covered."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from zeren.guideline.domain import Guideline, load_guideline


def test_every_article_has_obligations_whose_words_cover_its_text() -> None:
    g = load_guideline()
    for a in g.articles:
        assert g.obligations_of(a.number), f"article {a.number} has no obligation"
        assert g.uncovered_text(a.number) == "", (a.number, g.uncovered_text(a.number))


def test_numbered_items_each_have_their_obligation() -> None:
    g = load_guideline()
    for a in g.articles:
        items = {o.item for o in g.obligations_of(a.number) if o.item is not None}
        assert items == {i.number for i in a.items}, a.number


def test_coverage_notices_missing_words() -> None:
    raw = load_guideline().model_dump()
    raw["obligations"] = [o for o in raw["obligations"] if o["key"] != "art13.patrol"]
    g = Guideline.model_validate(raw)
    assert g.uncovered_text(13) == "和日常巡查机制"


@pytest.mark.parametrize(("change", "message"), [
    ({"source": ["不在条文中的句子"]}, "not in the text"),
    ({"key": "art12.lexicon"}, "must start with art13"),
    ({"item": 1}, "names item 1"),
])
def test_bad_obligations_are_refused(change: dict[str, object], message: str) -> None:
    raw = load_guideline().model_dump()
    ob = next(o for o in raw["obligations"] if o["key"] == "art13.lexicon")
    ob.update(change)
    with pytest.raises(ValueError, match=message):
        Guideline.model_validate(raw)


def test_obligation_keys_are_unique() -> None:
    raw = load_guideline().model_dump()
    raw["obligations"] = [*raw["obligations"], dict(raw["obligations"][0])]
    with pytest.raises(ValueError, match="listed twice"):
        Guideline.model_validate(raw)


def test_obligations_over_http(client: TestClient, world: World) -> None:
    h = world.auth("auditor")
    r = client.get("/api/v1/guideline/obligations", params={"article": 13}, headers=h)
    assert r.status_code == 200
    assert [o["key"] for o in r.json()["items"]] == [
        "art13.lexicon", "art13.review", "art13.patrol", "art13.report"]
    every = client.get("/api/v1/guideline/obligations", params={"limit": 500}, headers=h).json()
    assert every["total"] == len(load_guideline().obligations)
    bad = client.get("/api/v1/guideline/obligations", params={"article": 36}, headers=h)
    assert bad.status_code == 404 and bad.json()["error"]["details"]["field"] == "article"


def test_capability_status_is_derived_from_registered_modules(client: TestClient,
                                                              world: World) -> None:
    from zeren.plugins import registered_modules

    g = load_guideline()
    mods = registered_modules()
    assert {"moderation", "ledger", "lexicon", "guideline"} <= mods
    assert "workers_insurance" not in mods  # no such module in this installation
    status = g.capability_status(mods)
    assert status["workers.insurance_coverage"] == "planned"
    assert status["workers.working_time_monitor"] == "available"
    assert status["guideline.tier_classification"] == "available"
    # the same data with a module taken away: its capabilities become planned
    assert g.capability_status(mods - {"ledger"})["ledger.retention_policies"] == "planned"
    h = world.auth("auditor")
    art = client.get("/api/v1/guideline/articles/30", headers=h).json()
    assert art["available_capabilities"] == ["workers.working_time_monitor",
                                             "workers.minimum_pay_check"]
    assert "workers.insurance_coverage" in art["planned_capabilities"]
    assert art["obligations"][0]["key"] == "art30.labour_law"
    meta = client.get("/api/v1/guideline/meta", headers=h).json()
    by_key = {c["key"]: c["status"] for c in meta["capabilities"]}
    assert by_key == status
