"""``POST /api/v1/screen`` and the ``/lexicons`` routes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World


def test_screen_one_and_batch(client: TestClient, world: World) -> None:
    h = world.auth("moderator")
    r = client.post("/api/v1/screen", headers=h, json={"id": "a", "text": "出售 槍-支 qz"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"] == "block" and body["id"] == "a" and body["lexicon"] == "default"
    hit = body["hits"][0]
    assert set(hit) == {"start", "end", "matched", "term", "category", "severity", "action",
                        "evasion"}
    assert hit["matched"] == "槍-支" and set(hit["evasion"]) == {"noise", "traditional"}
    r = client.post("/api/v1/screen", headers=h,
                    json={"documents": [{"id": "1", "text": "你好"}, {"text": "国家级"}]})
    res = r.json()["results"]
    assert [(x["id"], x["decision"]) for x in res] == [("1", "pass"), ("1", "review")]


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
    r = client.post("/api/v1/screen", headers=w, json={"text": "卖qiangzhi", "lexicon": "shop"})
    assert r.json()["decision"] == "block" and r.json()["version"] == 1
    assert client.get("/api/v1/lexicons/shop/versions", headers=w).json()[0]["reason"] == (
        "new goods rule")
    assert client.get("/api/v1/lexicons/shop/terms", headers=w).json()[0]["term"] == "枪支"
    assert client.get("/api/v1/lexicons/shop/diff?v1=0&v2=1", headers=w).json()["added"] == [
        "枪支"]
    assert client.get("/api/v1/lexicons", headers=w).json()[0]["current_version"] == 1
