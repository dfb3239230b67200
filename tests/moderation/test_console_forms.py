"""Console forms answer bad input with a 4xx naming the field, never a 500 (no browser
needed: the form posts are plain HTTP)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_user
from zeren.db.session import unit_of_work

PASSWORD = "correct horse battery staple"


def _console(app: object) -> TestClient:
    with unit_of_work(app.state.engine) as s:  # type: ignore[attr-defined]
        create_user(session=s, actor=SYSTEM, username="lead", display_name="lead",
                    password=PASSWORD, roles=[("admin", None)])
    c = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    m = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
    assert m
    r = c.post("/login", data={"username": "lead", "password": PASSWORD, "csrf": m.group(1)},
               follow_redirects=False)
    assert r.status_code in (302, 303)
    return c


def _csrf(c: TestClient, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m
    return m.group(1)


def test_bulk_limit_is_parsed_and_clamped(app: object, world: World) -> None:
    c = _console(app)
    csrf = _csrf(c, "/moderation/bulk?platform=big")
    r = c.post("/moderation/bulk", data={"platform": "big", "queue": "default",
                                         "limit": "abc", "csrf": csrf})
    assert r.status_code == 422 and "limit" in r.text
    for limit in ("0", "-3", "100000"):
        r = c.post("/moderation/bulk", data={"platform": "big", "queue": "default",
                                             "limit": limit, "csrf": csrf})
        assert r.status_code == 200, (limit, r.text[:200])
