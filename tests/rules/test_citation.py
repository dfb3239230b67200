"""Moderation cites rule versions by id: a version in force at the decision is recorded with
its document and number; a draft, an announced (not yet effective) or an unknown version is
refused naming ``ground.rule_version``, and the case stays undecided."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.moderation.test_api import case, decide
from tests.rules.conftest import Walk
from zeren.db.base import utcnow
from zeren.rules import domain as d
from zeren.rules import schemas as s
from zeren.rules.services import documents as docs

API = "/api/v1"


def _case(client: TestClient, world: World, ref: str) -> str:
    body = {"subject": {"kind": "merchant", "external_ref": ref, "display_name": "店"},
            "category": "prohibited_goods", "source": "user"}
    cid = client.post(f"{API}/platforms/{world.big_id}/moderation/reports",
                      headers=world.auth("api_client"), json=body).json()["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    return str(cid)


def test_measures_cite_a_version_in_force(client: TestClient, world: World,
                                          engine: Engine) -> None:
    w = Walk(engine, world.big_id)
    w.document("goods")
    start = utcnow() - timedelta(days=40)
    in_force = w.draft(now=start - timedelta(days=1))
    eff = w.publish_through(in_force, start)
    assert eff < utcnow()
    announced = w.draft(now=eff, summary="第二版")
    closes = d.days_after(utcnow() - timedelta(days=10), 7)
    w.do(docs.open_consultation, announced, closes_at=closes,
         now=utcnow() - timedelta(days=10))
    w.do(docs.decide, announced, data=s.DecisionIn(outcome="adopt", decision="通过"),
         now=closes)
    w.do(docs.publish, announced, effective_at=d.earliest_effective(utcnow(), 7),
         now=utcnow())
    cid = _case(client, world, "shop-1")
    for bad in (announced, "2026.1", "no-such-version"):
        r = decide(client, world, cid, measures=[{"code": "merchant_suspend", "days": 10}],
                   ground={"kind": "platform_rule", "rule": "禁限售规则", "rule_version": bad})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["details"]["field"] == "ground.rule_version"
        assert case(client, world, cid)["case"]["status"] == "claimed"
    r = decide(client, world, cid, measures=[{"code": "merchant_suspend", "days": 10}],
               ground={"kind": "platform_rule", "rule": "禁限售规则", "rule_version": in_force})
    assert r.status_code == 200, r.text
    board = client.get(f"{API}/moderation/public/sanctions", params={"platform": "big"}).json()
    g = board[0]["ground"]
    assert g["rule_version"] == "v1" and g["rule"] == "交易规则 (goods)"


def test_a_draft_is_refused_and_words_are_taken_only_without_a_library(
        client: TestClient, world: World, engine: Engine) -> None:
    w = Walk(engine, world.big_id)
    w.document("goods")
    draft = w.draft(now=utcnow())
    cid = _case(client, world, "shop-2")
    r = decide(client, world, cid, measures=[{"code": "merchant_suspend", "days": 10}],
               ground={"kind": "platform_rule", "rule": "禁限售规则", "rule_version": draft})
    assert r.status_code == 422
    assert "draft" in r.json()["error"]["message"]
    # no published rule in the library yet: the rule named in words is taken, marked so
    r = decide(client, world, cid, measures=[{"code": "merchant_suspend", "days": 10}],
               ground={"kind": "platform_rule", "rule": "禁限售规则", "rule_version": "2026.1"})
    assert r.status_code == 200, r.text
