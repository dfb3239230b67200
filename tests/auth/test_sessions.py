"""Console sessions live on the server: the cookie names a session, signed with this
installation's own secret; signing out, idling, an administrator, a new password or new roles
end it, and a replayed cookie is then refused (ADR 0040, ADR 0041)."""

from __future__ import annotations

import json
import re
from base64 import b64decode, b64encode
from datetime import timedelta

import itsdangerous
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from tests.conftest import World
from zeren.audit.models import AuditEvent
from zeren.auth.models import ConsoleSession
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_user
from zeren.config import Settings
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work

PASSWORD = "a-long-password"


def forge(secret: str, payload: dict[str, object]) -> str:
    """A session cookie as the console's cookie middleware writes one, signed with ``secret``."""
    data = b64encode(json.dumps(payload).encode("utf-8"))
    return itsdangerous.TimestampSigner(secret).sign(data).decode("utf-8")


def payload_of(cookie: str) -> dict[str, object]:
    data = cookie.rsplit(".", 2)[0]
    result: dict[str, object] = json.loads(b64decode(data))
    return result


def add_user(engine: Engine, username: str, role: str = "compliance_officer") -> str:
    with unit_of_work(engine) as s:
        return create_user(session=s, actor=SYSTEM, username=username, display_name=username,
                           password=PASSWORD, roles=[(role, None)]).id


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; return the CSRF token of the new session."""
    client.cookies.clear()
    m = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert m
    r = client.post("/login", data={"csrf": m.group(1), "username": username,
                                    "password": password, "next": "/"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    m = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert m
    return m.group(1)


def me(client: TestClient, cookie: str | None = None) -> int:
    if cookie is not None:
        client.cookies.clear()
        client.cookies.set("zeren_session", cookie)
    return client.get("/api/v1/me").status_code


def test_the_cookie_names_a_session_not_a_user(client: TestClient, engine: Engine,
                                               settings: Settings) -> None:
    uid = add_user(engine, "officer")
    login(client, "officer")
    cookie = client.cookies["zeren_session"]
    assert "uid" not in payload_of(cookie) and uid not in cookie
    assert me(client) == 200
    # A cookie signed with the right secret but naming a user rather than a session opens
    # nothing; neither does a made-up session.
    assert settings.secret_key
    assert me(client, forge(settings.secret_key, {"uid": uid})) == 401
    assert me(client, forge(settings.secret_key, {"sid": "made-up"})) == 401
    # The forging above is right: re-signing the real payload is accepted.
    assert me(client, forge(settings.secret_key, payload_of(cookie))) == 200
    with unit_of_work(engine) as s:
        row = s.scalars(select(ConsoleSession)).one()
        assert row.token_hash not in cookie and str(payload_of(cookie)["sid"]) != row.token_hash


def test_a_replayed_cookie_after_logout_is_refused(client: TestClient, engine: Engine) -> None:
    add_user(engine, "officer")
    csrf = login(client, "officer")
    saved = client.cookies["zeren_session"]
    r = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert me(client, saved) == 401
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    with unit_of_work(engine) as s:
        row = s.scalars(select(ConsoleSession)).one()
        assert row.ended_at is not None and row.end_reason == "logout"
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"session.start", "session.end"} <= actions


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"])
def test_idle_and_old_sessions_end(client: TestClient, engine: Engine, column: str,
                                   settings: Settings, world: World) -> None:
    add_user(engine, "officer")
    login(client, "officer")
    saved = client.cookies["zeren_session"]
    past = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    if column == "expires_at":
        past = utcnow() - timedelta(seconds=1)
    with unit_of_work(engine) as s:
        s.execute(update(ConsoleSession).values({column: past}))
    assert me(client, saved) == 401
    admin = world.auth("admin")
    client.cookies.clear()
    assert client.get("/api/v1/users/officer/sessions", headers=admin).json() == []
    listed = client.get("/api/v1/users/officer/sessions?include_ended=1", headers=admin).json()
    assert [s["state"] for s in listed] == ["idle" if column == "last_seen_at" else "expired"]


def test_an_admin_lists_and_ends_a_users_sessions(client: TestClient, engine: Engine,
                                                  world: World) -> None:
    add_user(engine, "officer")
    login(client, "officer")
    first = client.cookies["zeren_session"]
    login(client, "officer")
    second = client.cookies["zeren_session"]
    admin = world.auth("admin")
    client.cookies.clear()
    listed = client.get("/api/v1/users/officer/sessions", headers=admin)
    assert listed.status_code == 200 and len(listed.json()) == 2
    assert all("token" not in k for k in listed.json()[0])
    r = client.get("/api/v1/users/officer/sessions", headers=world.auth("auditor"))
    assert r.status_code == 403
    one = listed.json()[0]["id"]
    r = client.post(f"/api/v1/users/officer/sessions/{one}/end", headers=admin)
    assert r.status_code == 200 and r.json() == {"sessions_ended": 1}
    assert sorted([me(client, first), me(client, second)]) == [200, 401]
    r = client.post("/api/v1/users/officer/sessions/end", headers=admin)
    assert r.json() == {"sessions_ended": 1}
    assert me(client, first) == me(client, second) == 401
    client.cookies.clear()
    assert client.get("/api/v1/users/officer/sessions", headers=admin).json() == []
    ended = client.get("/api/v1/users/officer/sessions?include_ended=true", headers=admin)
    assert {(s["state"], s["end_reason"]) for s in ended.json()} == {("ended", "ended_by_admin")}
    r = client.post("/api/v1/users/officer/sessions/no-such/end", headers=admin)
    assert r.status_code == 404


def test_a_new_password_or_new_roles_end_the_users_sessions(
    client: TestClient, engine: Engine, world: World
) -> None:
    add_user(engine, "officer")
    admin = world.auth("admin")
    login(client, "officer")
    saved = client.cookies["zeren_session"]
    client.cookies.clear()
    r = client.put("/api/v1/users/officer/roles", headers=admin,
                   json={"roles": [{"role": "auditor", "platform_id": world.small_id}]})
    assert r.status_code == 200 and r.json() == {"sessions_ended": 1}
    assert me(client, saved) == 401
    login(client, "officer")
    assert client.get("/api/v1/me").json()["grants"] == [
        {"role": "auditor", "platform_id": world.small_id}]
    saved = client.cookies["zeren_session"]
    client.cookies.clear()
    r = client.put("/api/v1/users/officer/password", headers=admin,
                   json={"password": "another-long-password"})
    assert r.status_code == 200 and r.json() == {"sessions_ended": 1}
    assert me(client, saved) == 401
    client.cookies.clear()
    r = client.put("/api/v1/users/officer/password", headers=admin, json={"password": "short"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "password"
    r = client.put("/api/v1/users/officer/roles", headers=world.auth("compliance_officer"),
                   json={"roles": [{"role": "admin", "platform_id": None}]})
    assert r.status_code == 403


def test_changing_ones_own_password_needs_the_current_one(client: TestClient,
                                                          engine: Engine) -> None:
    add_user(engine, "officer")
    csrf = login(client, "officer")
    h = {"X-CSRF-Token": csrf}
    r = client.put("/api/v1/me/password", headers=h,
                   json={"password": "another-long-password", "current_password": "wrong"})
    assert r.status_code == 403 and r.json()["error"]["details"]["field"] == "current_password"
    assert me(client) == 200
    r = client.put("/api/v1/me/password", headers=h,
                   json={"password": "another-long-password", "current_password": PASSWORD})
    assert r.status_code == 200 and r.json() == {"sessions_ended": 1}
    assert me(client) == 401
    login(client, "officer", "another-long-password")
    assert me(client) == 200
