"""Walks every API route with every role: a role gets 403 exactly where the policy says it
lacks the route's permission, and a token scoped to one platform cannot reach another."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.conftest import World
from zeren.auth.policy import ROLE_NAMES, role_allows
from zeren.deps import PUBLIC as PUBLIC_PERMISSION
from zeren.deps import PublicAccess, Requirement

# Routes that need no permission: health is public; /me only needs a valid identity.
PUBLIC = {("GET", "/api/v1/health")}
IDENTITY_ONLY = {("GET", "/api/v1/me"), ("PUT", "/api/v1/me/password")}


def _requirement(route: APIRoute) -> str | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Requirement | PublicAccess):
            return dep.call.permission
        stack.extend(dep.dependencies)
    return None


def api_routes(app: FastAPI) -> list[tuple[str, str, str | None]]:
    """(method, full path, permission) for every API route, included routers flattened."""
    out = []
    for rc in iter_route_contexts(app.routes):
        r = rc.original_route
        if isinstance(r, APIRoute) and rc.path.startswith("/api/v1"):
            for m in sorted((rc.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((m, rc.path, _requirement(r)))
    return out


def _url(path: str, platform_id: str) -> str:
    filled = path.replace("{platform_id}", platform_id)
    while "{" in filled:
        start, end = filled.index("{"), filled.index("}")
        filled = filled[:start] + "1" + filled[end + 1:]
    return filled


def _call(client: TestClient, method: str, url: str, headers: dict[str, str]) -> Any:
    if method in ("POST", "PUT", "PATCH"):
        return client.request(method, url, headers=headers, json={})
    return client.request(method, url, headers=headers)


def test_every_route_declares_a_permission(app: FastAPI) -> None:
    for method, path, perm in api_routes(app):
        if (method, path) in PUBLIC | IDENTITY_ONLY:
            continue
        assert perm, f"{method} {path} has no require(permission)"


def test_role_by_route(client: TestClient, app: FastAPI, world: World) -> None:
    routes = api_routes(app)
    assert len(routes) >= 20
    checked = 0
    for method, path, perm in routes:
        if (method, path) in PUBLIC:
            assert _call(client, method, _url(path, world.big_id), {}).status_code == 200
            continue
        if perm == PUBLIC_PERMISSION:  # declared public: no login needed, nobody refused
            for headers in [{}, *(world.auth(r) for r in ROLE_NAMES)]:
                resp = _call(client, method, _url(path, world.big_id), headers)
                assert resp.status_code not in (401, 403), f"public {method} {path}"
            continue
        url = _url(path, world.big_id)
        anon = _call(client, method, url, {})
        assert anon.status_code == 401, f"{method} {path} without a token: {anon.status_code}"
        assert anon.json()["error"]["code"] == "unauthorized"
        for role in ROLE_NAMES:
            resp = _call(client, method, url, world.auth(role))
            allowed = perm is None or role_allows(role, perm)
            if allowed:
                assert resp.status_code not in (401, 403), (
                    f"{role} should reach {method} {path} ({perm}): {resp.status_code} {resp.text}")
            else:
                assert resp.status_code == 403, (
                    f"{role} must not reach {method} {path} ({perm}): {resp.status_code}")
                assert resp.json()["error"]["details"]["permission"] == perm
            checked += 1
    assert checked >= 20 * len(ROLE_NAMES)


@pytest.mark.parametrize("role", ["compliance_officer", "auditor", "admin"])
def test_scoped_token_cannot_reach_another_platform(
    client: TestClient, app: FastAPI, world: World, role: str
) -> None:
    for method, path, perm in api_routes(app):
        if ("{platform_id}" not in path or perm in (None, PUBLIC_PERMISSION)
                or not role_allows(role, perm)):
            continue
        other = _call(client, method, _url(path, world.big_id), world.auth(role, scoped=True))
        assert other.status_code == 403, f"{role}@small reached {method} {path} on big"
        own = _call(client, method, _url(path, world.small_id), world.auth(role, scoped=True))
        assert own.status_code != 403, f"{role}@small refused {method} {path} on small"


def test_scoped_list_shows_only_own_platform(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/platforms", headers=world.auth("auditor", scoped=True))
    assert [p["id"] for p in r.json()["items"]] == [world.small_id]
    r = client.get("/api/v1/platforms", headers=world.auth("auditor"))
    assert {p["id"] for p in r.json()["items"]} == {world.big_id, world.small_id}
