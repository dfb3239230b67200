"""``POST /api/v1/screen`` and the ``/lexicons`` routes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World


def test_screen_one_and_batch(client: TestClient, world: World) -> None:
    h = world.auth("moderator")
    r = client.post("/api/v1/screen", headers=h, json={"id": "a", "text": "出售 槍-支 qz"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"] == "block" and body["id"] == "a" and body["lexicon"] == "default"
    hit = body["hits"][0]
    assert set(hit) == {"start", "end", "matched", "term", "category", "severity", "action",
                        "evasion", "confidence", "place"}
    assert hit["matched"] == "槍-支" and set(hit["evasion"]) == {"noise", "traditional"}
    r = client.post("/api/v1/screen", headers=h,
                    json={"documents": [{"id": "1", "text": "你好"}, {"text": "国家级"}]})
    res = r.json()["results"]
    assert [(x["id"], x["decision"]) for x in res] == [("1", "pass"), ("1", "review")]
    # content kinds: the advertising law applies to ads and listings, not to reviews
    r = client.post("/api/v1/screen", headers=h, json={"kind": "review", "documents": [
        {"text": "国家级"}, {"text": "国家级", "kind": "ad"}]})
    assert [x["decision"] for x in r.json()["results"]] == ["pass", "review"], r.text
    r = client.post("/api/v1/screen", headers=h, json={"text": "国家级", "kind": "tweet"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "kind", r.text


def test_screen_bad_input(client: TestClient, world: World) -> None:
    h = world.auth("moderator")
    for body, status, field in (
        ({"text": ""}, 422, "text"),
        ({"text": "字" * 400_000}, 413, "text"),
        ({}, 422, "text"),
        ({"documents": []}, 422, "documents"),
        ({"documents": [{"text": "a"}] * 1001}, 422, None),
        ({"text": "a", "lexicon": "missing"}, 404, "lexicon"),
    ):
        r = client.post("/api/v1/screen", headers=h, json=body)
        assert r.status_code == status, (body if len(str(body)) < 80 else "big", r.text[:200])
        if field:
            assert field in str(r.json()["error"]["details"]), r.text[:300]
    assert client.post("/api/v1/screen", json={"text": "a"}).status_code == 401


def test_lexicon_routes(client: TestClient, world: World) -> None:
    w = world.auth("admin")
    assert client.post("/api/v1/lexicons", headers=w, json={"name": "shop"}).status_code == 201
    r = client.post("/api/v1/lexicons/shop/changes", headers=w, json={
        "reason": "new goods rule", "upsert": [{"term": "枪支", "category": "prohibited_goods"}]})
    assert r.status_code == 200 and r.json()["version"] == 1, r.text
    r = client.post("/api/v1/lexicons/shop/changes", headers=w, json={
        "reason": "x", "upsert": [{"term": "a", "category": "nope"}]})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "upsert[0].category"
    r = client.post("/api/v1/screen", headers=w, json={"text": "卖枪支", "lexicon": "shop"})
    assert r.json()["decision"] == "block" and r.json()["version"] == 1
    r = client.post("/api/v1/screen", headers=w, json={"text": "卖qiangzhi", "lexicon": "shop"})
    assert r.json()["decision"] == "review"  # full pinyin alone is too unsure to block
    assert client.get("/api/v1/lexicons/shop/versions", headers=w).json()[0]["reason"] == (
        "new goods rule")
    assert client.get("/api/v1/lexicons/shop/terms", headers=w).json()[0]["term"] == "枪支"
    assert client.get("/api/v1/lexicons/shop/diff?v1=0&v2=1", headers=w).json()["added"] == [
        "枪支"]
    assert client.get("/api/v1/lexicons", headers=w).json()[0]["current_version"] == 1


def _patrolled(client: TestClient, engine: Engine, world: World) -> list[dict[str, object]]:
    from zeren.auth.policy import SYSTEM
    from zeren.db.session import unit_of_work
    from zeren.lexicon import service
    from zeren.lexicon.formats import Document

    with unit_of_work(engine) as s:
        service.seed_default(session=s, actor=SYSTEM)
        service.submit_items(session=s, actor=SYSTEM, platform_id=world.small_id, items=[
            Document("a", "出售冰毒"), Document("b", "国家级好货"), Document("c", "你好"),
            Document("d", "这是水枪")])
        run = service.start_patrol(session=s, actor=SYSTEM, platform_id=world.small_id,
                                   name="default")
        while not service.patrol_step(session=s, run=run):
            pass
    r = client.get(f"/api/v1/platforms/{world.small_id}/lexicon/findings",
                   headers=world.auth("auditor"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2 and {f["term"] for f in body["items"]} == {"冰毒", "国家级"}
    items: list[dict[str, object]] = body["items"]
    assert all(f["case_id"] and f["case_status"] == "open" for f in items), items
    assert {f["kind"] for f in items} == {"listing"}
    return items


def test_findings_are_handled_by_their_case(client: TestClient, engine: Engine,
                                            world: World) -> None:
    """patrol → moderation case (source patrol, with its SLA) → decision → handled."""
    items = _patrolled(client, engine, world)
    base = f"/api/v1/platforms/{world.small_id}/lexicon/findings"
    w = world.auth("admin")
    drug = next(f for f in items if f["term"] == "冰毒")
    r = client.post(f"{base}/{drug['id']}/handle", headers=w, json={"handling": "下架"})
    assert r.status_code == 409 and r.json()["error"]["details"]["case_id"] == drug["case_id"]
    case = client.get(f"/api/v1/moderation/cases/{drug['case_id']}",
                      headers=w)
    assert case.status_code == 200, case.text
    assert "patrol" in case.json()["case"]["sources"]
    assert case.json()["case"]["sla_due_at"]

    from zeren.auth.policy import SYSTEM
    from zeren.db.session import unit_of_work
    from zeren.moderation.domain import Decision
    from zeren.moderation.schemas import DecisionIn
    from zeren.moderation.services.cases import claim_case
    from zeren.moderation.services.decisions import decide_case

    with unit_of_work(engine) as s:
        claim_case(session=s, actor=SYSTEM, case_id=str(drug["case_id"]))
        decide_case(session=s, actor=SYSTEM, case_id=str(drug["case_id"]),
                    body=DecisionIn(decision=Decision.NO_ACTION, facts="reviewed"))
    r = client.get(base, headers=w, params={"state": "handled"})
    (done,) = r.json()["items"]
    assert done["id"] == drug["id"] and done["case_status"] == "decided"
    assert done["case_decision"] == "no_action" and done["handling"].endswith("no_action")
    assert client.get(base, headers=w).json()["total"] == 1  # the other one is still open


def test_serious_finding_to_the_authority(client: TestClient, engine: Engine,
                                          world: World) -> None:
    items = _patrolled(client, engine, world)
    base = f"/api/v1/platforms/{world.small_id}/lexicon/findings"
    drug = next(f for f in items if f["term"] == "冰毒")
    body = {"authority": "市公安局网安支队", "reference": "2026-117",
            "summary": "listing offering methamphetamine"}
    r = client.post(f"{base}/{drug['id']}/report", headers=world.auth("auditor"), json=body)
    assert r.status_code == 403, r.text  # reports.write
    r = client.post(f"{base}/{drug['id']}/report", headers=world.auth("admin"), json=body)
    assert r.status_code == 201 and r.json()["case_id"] == drug["case_id"], r.text
    reports = client.get(f"/api/v1/platforms/{world.small_id}/moderation/authority-reports",
                         headers=world.auth("admin"))
    assert reports.status_code == 200, reports.text
    assert any(x["reference"] == "2026-117" for x in reports.json()), reports.json()
    r = client.post(f"{base}/nope/report", headers=world.auth("admin"), json=body)
    assert r.status_code == 404
    r = client.post(f"{base}/{drug['id']}/report", headers=world.auth("admin"),
                    json={"authority": ""})
    assert r.status_code == 422


def test_findings_bad_input(client: TestClient, engine: Engine, world: World) -> None:
    _patrolled(client, engine, world)
    base = f"/api/v1/platforms/{world.small_id}/lexicon/findings"
    w = world.auth("admin")
    r = client.post(f"{base}/no-such-finding/handle", headers=w, json={"handling": "下架"})
    assert r.status_code == 404 and r.json()["error"]["details"]["field"] == "finding_id"
    for body in ({}, {"handling": ""}, {"handling": "x", "extra": 1}):
        r = client.post(f"{base}/no-such-finding/handle", headers=w, json=body)
        assert r.status_code == 422, (body, r.text)
    r = client.get(base, headers=w, params={"state": "closed"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "state"
