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
        service.submit_items(session=s, platform_id=world.small_id, items=[
            Document("a", "出售冰毒"), Document("b", "国家级好货"), Document("c", "你好")])
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
    return items


def test_findings_list_and_handle(client: TestClient, engine: Engine, world: World) -> None:
    items = _patrolled(client, engine, world)
    base = f"/api/v1/platforms/{world.small_id}/lexicon/findings"
    fid = items[0]["id"]
    w = world.auth("compliance_officer")
    r = client.post(f"{base}/{fid}/handle", headers=w, json={"handling": "下架"})
    assert r.status_code == 200, r.text
    assert r.json()["handled_by"] == "u-compliance-officer" and r.json()["handling"] == "下架"
    r = client.get(base, headers=w)
    assert r.json()["total"] == 1 and r.json()["items"][0]["id"] != fid
    r = client.get(base, headers=w, params={"state": "handled"})
    assert [f["id"] for f in r.json()["items"]] == [fid]
    assert client.get(base, headers=w, params={"state": "all", "limit": 1}).json()["total"] == 2
    # the same code works in place of the id
    assert client.get("/api/v1/platforms/small/lexicon/findings", headers=w).json()["total"] == 1


def test_findings_bad_input(client: TestClient, engine: Engine, world: World) -> None:
    items = _patrolled(client, engine, world)
    base = f"/api/v1/platforms/{world.small_id}/lexicon/findings"
    fid = items[0]["id"]
    w = world.auth("admin")
    r = client.post(f"{base}/no-such-finding/handle", headers=w, json={"handling": "下架"})
    assert r.status_code == 404 and r.json()["error"]["details"]["field"] == "finding_id"
    # a finding of one platform is not found under another
    r = client.post(f"/api/v1/platforms/{world.big_id}/lexicon/findings/{fid}/handle",
                    headers=w, json={"handling": "下架"})
    assert r.status_code == 404
    for body in ({}, {"handling": ""}, {"handling": "x", "extra": 1}):
        r = client.post(f"{base}/{fid}/handle", headers=w, json=body)
        assert r.status_code == 422, (body, r.text)
    r = client.post(f"{base}/{fid}/handle", headers=w, json={"handling": "   "})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "handling"
    assert client.post(f"{base}/{fid}/handle", headers=w,
                       json={"handling": "下架"}).status_code == 200
    r = client.post(f"{base}/{fid}/handle", headers=w, json={"handling": "again"})
    assert r.status_code == 409 and r.json()["error"]["details"]["handled_by"] == "u-admin"
    r = client.get(base, headers=w, params={"state": "closed"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "state"
    # reading is lexicon.read, handling lexicon.write: a moderator may read, not handle
    m = world.auth("moderator")
    assert client.get(base, headers=m).status_code == 200
    assert client.post(f"{base}/{items[1]['id']}/handle", headers=m,
                       json={"handling": "x"}).status_code == 403
    r = client.get(f"/api/v1/platforms/{world.big_id}/lexicon/findings",
                   headers=world.auth("auditor", scoped=True))
    assert r.status_code == 403
