"""Health, OpenAPI, the one error shape and pagination."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World


def test_health_needs_no_login(client: TestClient) -> None:
    r = client.get("/api/v1/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert r.headers["x-request-id"]


def test_openapi_is_served(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/guideline/articles/{number}" in spec["paths"]


def test_error_shape_everywhere(client: TestClient, world: World) -> None:
    for resp in (
        client.get("/api/v1/nothing-here"),
        client.get("/api/v1/platforms"),
        client.get("/api/v1/guideline/articles/99", headers=world.auth("admin")),
        client.get("/api/v1/guideline/articles/abc", headers=world.auth("admin")),
        client.post("/api/v1/platforms", headers=world.auth("admin"), content=b"{not json"),
        client.get("/api/v1/platforms", headers={"Authorization": "Bearer zrn_forged"}),
    ):
        body = resp.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"code", "message", "details"}
        assert 400 <= resp.status_code < 500


def test_validation_error_names_the_field(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/guideline/articles/abc", headers=world.auth("admin"))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "number"


def test_pagination(client: TestClient, world: World) -> None:
    h = world.auth("auditor")
    first = client.get("/api/v1/guideline/articles?limit=10", headers=h).json()
    assert first["total"] == 35 and len(first["items"]) == 10 and first["items"][0]["number"] == 1
    last = client.get("/api/v1/guideline/articles?offset=30&limit=10", headers=h).json()
    assert [a["number"] for a in last["items"]] == [31, 32, 33, 34, 35]
    assert client.get("/api/v1/guideline/articles?limit=0", headers=h).status_code == 422


def test_article_13_from_the_api(client: TestClient, world: World) -> None:
    a = client.get("/api/v1/guideline/articles/13", headers=world.auth("moderator")).json()
    assert a["title_zh"] == "禁限售管控" and a["number"] == 13
    assert a["scope"] == "all" and a["text_zh"]
