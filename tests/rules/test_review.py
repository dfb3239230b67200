"""Art 29 review (fees and obligations compared, justification, merchants reached) and the
Art 16 exclusivity scan (lexicon patterns; findings need a decision before adoption)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.merchants.conftest import enterprise, natural_person
from tests.rules.conftest import T0, Walk, url
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.errors import AppError
from zeren.merchants import schemas as ms
from zeren.merchants.services import registry
from zeren.rules import domain as d
from zeren.rules import schemas as s
from zeren.rules.services import documents as docs
from zeren.rules.services import exclusivity


def test_obligations_and_the_review_are_compared_by_code() -> None:
    old = [{"code": "ship48", "text": "48小时内发货", "applies_to": "all"}]
    assert d.obligation_changes(old, old) == []
    new = [{"code": "ship48", "text": "24小时内发货", "applies_to": "all"},
           {"code": "deposit", "text": "缴纳保证金", "applies_to": "enterprise"}]
    assert [(c.code, c.change) for c in d.obligation_changes(old, new)] == [
        ("deposit", "added"), ("ship48", "changed")]
    r = d.review([], [], old, new)
    assert r.flagged and not r.fee_increase and r.applies_to == {"all", "enterprise"}
    relief = d.review([{"code": "c", "basis": "percent", "amount": 5, "applies_to": "all"}],
                      [{"code": "c", "basis": "percent", "amount": 3, "applies_to": "all"}],
                      old, [])
    assert not relief.flagged and relief.applies_to == frozenset()
    assert d.affects(frozenset({"enterprise"}), "enterprise")
    assert not d.affects(frozenset({"enterprise"}), "natural_person")
    assert d.affects(frozenset({"all"}), "natural_person")


@pytest.mark.parametrize("text, term", [
    ("第五条 平台内经营者不得在其他平台开设店铺。", "不得在其他平台"),
    ("商家须二 选 一", "二选一"),
    ("要求商家 er xuan yi", "二选一"),
    ("經營者應與本平台簽訂獨家合作協議", "独家合作"),
    ("商家不得在其它平台经营同类商品", "不得在其它平台"),
])
def test_exclusivity_patterns_are_seen_through_variants(text: str, term: str) -> None:
    got = d.scan_exclusivity(text)
    assert [m.term for m in got] == [term]
    assert text[got[0].start:got[0].end] == got[0].matched and got[0].excerpt


def test_honest_text_has_no_exclusivity_hit() -> None:
    assert d.scan_exclusivity("平台内经营者可以自由选择在多个平台经营。发货时限为48小时。") == []
    # the data names its sources
    assert "第十六条" in d.exclusivity_data().source


def test_findings_block_adoption_until_decided(engine: Engine, world: World) -> None:
    w = Walk(engine, world.big_id)
    w.document()
    vid = w.draft(body_md="# 交易规则\n\n第一条 入驻商家不得在其他平台销售同款商品。\n")
    closes = d.days_after(T0, 7)
    w.do(docs.open_consultation, vid, closes_at=closes, now=T0)
    with unit_of_work(engine) as ss:
        from zeren.pagination import PageParams

        rows, total = exclusivity.list_findings(session=ss, actor=SYSTEM,
                                                platform_id=world.big_id,
                                                params=PageParams(offset=0, limit=50),
                                                status="open")
        assert total == 1 and rows[0].term == "不得在其他平台" and rows[0].source_id == vid
        fid = rows[0].id
    with pytest.raises(AppError) as e:
        w.do(docs.decide, vid, data=s.DecisionIn(outcome="adopt", decision="通过"), now=closes)
    assert e.value.details["field"] == "findings"
    with unit_of_work(engine) as ss:
        exclusivity.decide_finding(session=ss, actor=SYSTEM, platform_id=world.big_id,
                                   finding_id=fid, data=s.FindingDecisionIn(
                                       resolution="removed", note="下一版删除该条款"))
    with unit_of_work(engine) as ss, pytest.raises(AppError) as e:
        exclusivity.decide_finding(session=ss, actor=SYSTEM, platform_id=world.big_id,
                                   finding_id=fid, data=s.FindingDecisionIn(
                                       resolution="justified", note="改主意"))
    assert e.value.status == 409
    got = w.do(docs.decide, vid, data=s.DecisionIn(outcome="adopt", decision="通过"),
               now=closes)
    assert got.stage == "decided"


def test_review_reaches_the_merchants_it_affects(client: TestClient, world: World,
                                                 engine: Engine) -> None:
    with unit_of_work(engine) as ss:
        for m in (enterprise(1), enterprise(2), natural_person(3)):
            registry.register_merchant(session=ss, actor=SYSTEM, platform_id=world.big_id,
                                       data=ms.MerchantIn(**m))
    w = Walk(engine, world.big_id)
    w.document("fees", kind="fee_schedule")
    fee = {"code": "deposit", "name": "保证金", "basis": "fixed", "amount": 1000,
           "applies_to": "enterprise"}
    v1 = w.draft(fee_items=[fee])
    eff1 = w.publish_through(v1, T0)
    v2 = w.draft(fee_items=[{**fee, "amount": 5000}], justification="风险准备金提高",
                 now=eff1)
    h = world.auth("compliance_officer")
    r = client.get(url(world, f"/versions/{v2}/review"), headers=h)
    assert r.status_code == 200, r.text
    rv = r.json()
    assert rv["flagged"] and rv["fee_increase"] and rv["previous_version_id"] == v1
    assert rv["fee_changes"][0]["change"] == "increased"
    assert rv["affected_merchants"] == 2 and rv["affected_sample"] == ["M000001", "M000002"]
    start = eff1 + timedelta(days=1)
    w.do(docs.open_consultation, v2, closes_at=d.days_after(start, 7), now=start)
    ops = world.auth("merchant_ops")
    mine = client.get(url(world, "/merchants/M000001/changes"), headers=ops).json()
    assert [c["version_id"] for c in mine] == [v2]
    assert client.get(url(world, "/merchants/P000003/changes"), headers=ops).json() == []
    # an uploaded contract clause is screened; its findings need a decision
    r = client.post(url(world, "/clauses"), headers=h,
                    json={"title": "年度框架协议", "text": "乙方承诺在合作期间仅在本平台经营，"
                                                       "并签署独家供货承诺。"})
    assert r.status_code == 201, r.text
    assert [f["term"] for f in r.json()["findings"]] == ["仅在本平台经营", "独家供货"]
    fid = r.json()["findings"][0]["id"]
    r = client.post(url(world, f"/findings/{fid}/decision"), headers=h,
                    json={"resolution": "bogus", "note": "x"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "resolution"
    r = client.post(url(world, f"/findings/{fid}/decision"), headers=h,
                    json={"resolution": "removed", "note": "删除独家条款"})
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    left = client.get(url(world, "/findings"), headers=h, params={"status": "open"}).json()
    assert left["total"] == 1 and left["items"][0]["term"] == "独家供货"
