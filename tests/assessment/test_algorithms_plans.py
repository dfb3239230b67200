"""The algorithm register and emergency plans (指南 第七条): the filing fields of
算法推荐管理规定 Art 24 with the filing due 10 working days after launch, reviews that check
the Art 17 user-facing options, plans with drills, and the Art 7 checks that read them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.conftest import World
from zeren.assessment import domain as d
from zeren.assessment.models import AlgorithmReview, Drill
from zeren.db.session import unit_of_work
from zeren.timepolicy import beijing_today


def algo(**kw: Any) -> dict[str, Any]:
    return {"name": "首页商品推荐", "form": "App", "domain": "电子商务",
            "algorithm_type": "personalised_push", "system": "recommendation",
            "self_assessment": "已完成算法安全自评估", "disclosure": "依据浏览与购买记录推荐商品",
            "launched_on": (beijing_today() - timedelta(days=30)).isoformat(), **kw}


def _art7(client: TestClient, world: World) -> dict[str, str]:
    posture = client.get(f"/api/v1/platforms/{world.big_id}/posture",
                         headers=world.auth("compliance_officer")).json()
    tile = next(t for t in posture["articles"] if t["article"] == 7)
    return {o["key"]: o["status"] for o in tile["obligations"]}


def test_working_days() -> None:
    assert d.add_working_days(date(2026, 12, 4), 10) == date(2026, 12, 18)  # Fri → Fri
    assert d.add_working_days(date(2026, 12, 5), 1) == date(2026, 12, 7)  # Sat → Mon
    rules = d.algorithm_rules()
    assert rules.options_for("personalised_push") == ["non_personalised", "label_management"]
    assert rules.options_for("dispatch") == []


def test_algorithm_register_and_reviews(client: TestClient, world: World,
                                        engine: Engine) -> None:
    co = world.auth("compliance_officer")
    url = f"/api/v1/platforms/{world.big_id}/algorithms"
    assert set(_art7(client, world).values()) == {"not_assessed"}
    future = (beijing_today() + timedelta(days=2)).isoformat()
    for extra, field in [({"algorithm_type": "magic"}, "algorithm_type"),
                         ({"system": "weather"}, "system"),
                         ({"launched_on": future}, "launched_on"),
                         ({"filing_number": "网信算备 1"}, "filed_on")]:
        r = client.post(url, headers=co, json=algo(**extra))
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == field, r.text
    assert client.get(url, headers=co).json() == []
    r = client.post(url, headers=world.auth("auditor"), json=algo())
    assert r.status_code == 403
    r = client.post(url, headers=co, json=algo())
    assert r.status_code == 201, r.text
    a = r.json()
    launched = date.fromisoformat(a["launched_on"])
    assert a["filing_due_on"] == d.add_working_days(launched, 10).isoformat()
    assert a["filing_number"] is None
    # 30 days after launch, not filed: the filing is overdue
    assert _art7(client, world)["art7.review_mechanism"] == "unmet"
    r = client.patch(f"/api/v1/algorithms/{a['id']}", headers=co,
                     json={"filing_number": "网信算备110000000000001号"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "filed_on"
    r = client.patch(f"/api/v1/algorithms/{a['id']}", headers=co, json={
        "filing_number": "网信算备110000000000001号",
        "filed_on": (launched + timedelta(days=5)).isoformat()})
    assert r.status_code == 200 and r.json()["filing_number"].startswith("网信算备")
    assert _art7(client, world)["art7.review_mechanism"] == "at_risk"  # never reviewed
    rv = f"/api/v1/algorithms/{a['id']}/reviews"
    today = beijing_today().isoformat()
    base = {"reviewed_on": today, "outcome": "pass", "notes": "逐项核验"}
    bad = [({"options": {"non_personalised": True}}, "options.label_management"),
           ({"options": {"non_personalised": True, "label_management": True, "x": True}},
            "options.x"),
           ({"options": {"non_personalised": False, "label_management": True}}, "outcome"),
           ({"options": {"non_personalised": True, "label_management": True},
             "reviewed_on": future}, "reviewed_on")]
    for extra, field in bad:
        r = client.post(rv, headers=co, json={**base, **extra})
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == field, r.text
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(AlgorithmReview)) == 0
    r = client.post(rv, headers=co, json={**base, "outcome": "changes_required", "options": {
        "non_personalised": False, "label_management": True}})
    assert r.status_code == 201
    assert _art7(client, world)["art7.review_mechanism"] == "at_risk"
    r = client.post(rv, headers=co, json={**base, "options": {
        "non_personalised": True, "label_management": True}})
    assert r.status_code == 201
    assert _art7(client, world)["art7.review_mechanism"] == "met"
    got = client.get(url, headers=co).json()[0]
    assert [x["outcome"] for x in got["reviews"]] == ["pass", "changes_required"]


def test_emergency_plans_and_drills(client: TestClient, world: World, engine: Engine) -> None:
    co = world.auth("compliance_officer")
    url = f"/api/v1/platforms/{world.big_id}/emergency-plans"
    plan = {"title": "核心交易系统宕机应急预案", "scenario": "主数据中心断电",
            "risk_kind": "service_failure", "owner": "运维部"}
    r = client.post(url, headers=co, json={**plan, "risk_kind": "weather"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "risk_kind"
    r = client.post(url, headers=co, json=plan)
    assert r.status_code == 201
    pid = r.json()["id"]
    assert _art7(client, world)["art7.contingency"] == "at_risk"  # never drilled
    old = (beijing_today() - timedelta(days=400)).isoformat()
    drill = {"held_on": old, "scenario": "切换至备用机房", "outcome": "passed"}
    assert client.post(f"/api/v1/emergency-plans/{pid}/drills", headers=co,
                       json=drill).status_code == 201
    assert _art7(client, world)["art7.contingency"] == "at_risk"  # drilled too long ago
    r = client.post(f"/api/v1/emergency-plans/{pid}/drills", headers=co, json={
        **drill, "held_on": (beijing_today() + timedelta(days=1)).isoformat()})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "held_on"
    r = client.post(f"/api/v1/emergency-plans/{pid}/drills", headers=co, json={
        **drill, "held_on": beijing_today().isoformat(), "outcome": "failed"})
    assert r.status_code == 201
    assert _art7(client, world)["art7.contingency"] == "at_risk"
    r = client.post(f"/api/v1/emergency-plans/{pid}/drills", headers=co, json={
        **drill, "held_on": beijing_today().isoformat(), "notes": "复演通过"})
    assert _art7(client, world)["art7.contingency"] == "met"
    got = client.get(url, headers=co).json()
    assert len(got[0]["drills"]) == 3
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Drill)) == 3


def test_measures_for_risks(client: TestClient, world: World, engine: Engine) -> None:
    from tests.assessment.plant import plant
    from tests.assessment.test_risk_assessment import ALL4, _period, _register, _start

    start, end = _period()
    co, admin = world.auth("compliance_officer"), world.auth("admin")
    assert _art7(client, world)["art7.measures_for_risks"] == "not_assessed"
    risks = _register(client, world, ALL4)
    with unit_of_work(engine) as s:
        plant(s, platform_id=world.big_id, start=start, end=end, n=60,
              now=datetime.now(UTC))
    aid = _start(client, world, start, end)
    url = f"/api/v1/assessments/{aid}"
    client.post(url + "/indicators", headers=co)
    for i, rk in enumerate(risks):
        client.post(url + "/judgements", headers=co, json={
            "risk_id": rk["id"], "likelihood": 4 if i == 0 else 1, "impact": 4,
            "residual_likelihood": 1, "residual_impact": 2, "text": "判断"})
    for role, who in (("officer", co), ("approver", admin)):
        assert client.post(url + "/signoffs", headers=who,
                           json={"role": role, "note": "同意"}).status_code == 200
    assert _art7(client, world)["art7.measures_for_risks"] == "unmet"  # high, no mitigation
    late = (beijing_today() - timedelta(days=3)).isoformat()
    r = client.post(f"/api/v1/risks/{risks[0]['id']}/mitigations", headers=co, json={
        "description": "上线前人工复核", "owner": "审核部", "due_on": late})
    assert r.status_code == 201
    assert _art7(client, world)["art7.measures_for_risks"] == "at_risk"  # overdue, planned
    client.post(f"/api/v1/risks/{risks[0]['id']}/mitigations", headers=co, json={
        "description": "复核已上线", "owner": "审核部", "due_on": late, "status": "in_place"})
    assert _art7(client, world)["art7.measures_for_risks"] == "at_risk"  # the first still is
