"""The OpenAPI document lists every error status a route can answer, each with the one error
shape (ADR 0046). The rules are read here from the routes independently of zeren.apidoc (the
permission a route declares, its method, its parameters), and real error answers are checked
against the document."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.auth.test_role_routes import api_routes
from tests.conftest import World
from zeren.deps import PUBLIC

ERROR = {"$ref": "#/components/schemas/Error"}


def _op(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    # the document writes "{name}" where the route declares "{name:path}"
    op: dict[str, Any] = doc["paths"][re.sub(r"\{(\w+):\w+\}", r"{\1}", path)][method.lower()]
    return op


def test_every_error_status_has_the_one_error_shape(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    shape = doc["components"]["schemas"]["Error"]
    assert shape["required"] == ["error"]
    assert shape["properties"]["error"]["required"] == ["code", "message", "details"]
    assert "HTTPValidationError" not in json.dumps(doc)  # FastAPI's own 422 shape is never sent
    seen = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, answer in op["responses"].items():
                if int(status) >= 400:
                    seen += 1
                    assert answer["content"]["application/json"]["schema"] == ERROR, \
                        (method, path, status)
    assert seen > 500


def test_the_statuses_follow_from_each_route(app: FastAPI, client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    routes = api_routes(app)
    assert len(routes) > 200
    for method, path, permission in routes:
        documented = {int(s) for s in _op(doc, method, path)["responses"]}
        where = (method, path, sorted(documented))
        assert 422 in documented, where
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            assert {409, 413} <= documented, where
        if permission is not None and permission != PUBLIC:
            assert {401, 403, 404} <= documented, where
        if "{" in path:
            assert 404 in documented, where
    public_form = _op(doc, "POST", "/api/v1/moderation/public/reports")["responses"]
    assert {"404", "413", "422", "429"} <= set(public_form)
    health = _op(doc, "GET", "/api/v1/health")["responses"]
    assert "401" not in health and "413" not in health


def test_real_error_answers_are_documented(client: TestClient, world: World) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    officer = world.auth("compliance_officer", scoped=True)
    cases: list[tuple[str, str, str, dict[str, Any]]] = [
        ("GET", "/api/v1/platforms", "/api/v1/platforms", {}),  # no token: 401
        ("GET", "/api/v1/platforms/{platform_id}/moderation/cases",
         f"/api/v1/platforms/{world.big_id}/moderation/cases", {"headers": officer}),  # 403
        ("GET", "/api/v1/platforms/{platform_id}/moderation/cases",
         "/api/v1/platforms/no-such/moderation/cases",
         {"headers": world.auth("admin")}),  # 404
        ("POST", "/api/v1/moderation/public/reports", "/api/v1/moderation/public/reports",
         {"content": b"x" * 2_000_000, "headers": {"content-type": "application/json"}}),
        ("GET", "/api/v1/platforms/{platform_id}/moderation/cases",
         f"/api/v1/platforms/{world.big_id}/moderation/cases?limit=-1",
         {"headers": world.auth("admin")}),  # 422
    ]
    statuses = set()
    for method, template, url, kw in cases:
        r = client.request(method, url, **kw)
        assert r.status_code >= 400, (url, r.status_code)
        assert str(r.status_code) in _op(doc, method, template)["responses"], (url, r.status_code)
        assert set(r.json()["error"]) == {"code", "message", "details"}
        statuses.add(r.status_code)
    assert statuses == {401, 403, 404, 413, 422}
