"""The console cookie: CSRF on console forms, and no writes through the API on the strength of
the cookie alone."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_user
from zeren.db.session import unit_of_work


def _login(client: TestClient, engine: Engine, username: str = "officer") -> str:
    """Create a compliance officer, sign in through the login form; return the CSRF token."""
    with unit_of_work(engine) as s:
        create_user(session=s, actor=SYSTEM, username=username, display_name="o",
                    password="a-long-password", roles=[("compliance_officer", None)])
    client.cookies.clear()
    page = client.get("/login").text
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m
    r = client.post("/login", data={"csrf": m.group(1), "username": username,
                                    "password": "a-long-password", "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303
    m = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert m
    return m.group(1)


def test_cookie_writes_through_the_api_need_the_csrf_header(
    client: TestClient, engine: Engine, world: World
) -> None:
    csrf = _login(client, engine)
    data = {"obligation_key": "art33.tax_duties", "statement": "已依法纳税并履行代扣代缴义务",
            "valid_until": (date.today() + timedelta(days=30)).isoformat()}
    url = f"/api/v1/platforms/{world.small_id}/attestations"
    r = client.post(url, data=data)
    assert r.status_code == 403 and r.json()["error"]["details"]["header"] == "X-CSRF-Token"
    assert client.get(url).json()["total"] == 0  # reads need no token; nothing was written
    r = client.post(url, data=data, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


def test_console_form_without_token_is_refused(client: TestClient, engine: Engine,
                                               world: World) -> None:
    _login(client, engine)
    r = client.post("/platforms/small/posture/evaluate", data={}, follow_redirects=False)
    assert r.status_code == 403


def test_bad_paging_on_the_audit_page(client: TestClient, engine: Engine, world: World) -> None:
    _login(client, engine)
    for offset in ("abc", "99999999999999999999", "-5"):
        assert client.get(f"/audit?offset={offset}").status_code == 200
