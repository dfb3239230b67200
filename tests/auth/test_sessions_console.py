"""The console's sessions page (ADR 0041): a user sees their own console sessions and ends
them; an administrator looks up another user's and ends one or all; anyone else learns
nothing about other users, not even whether a name exists."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.auth.test_sessions import add_user, login
from zeren.auth.models import ConsoleSession
from zeren.db.session import unit_of_work


def _session_ids(page: str) -> list[str]:
    return re.findall(r'<tr data-session="([^"]+)"', page)


def _end(client: TestClient, csrf: str, username: str, session_id: str = "") -> int:
    r = client.post("/sessions/end", data={"csrf": csrf, "username": username,
                                           "session_id": session_id}, follow_redirects=False)
    return r.status_code


def test_a_user_ends_their_own_other_session(app: FastAPI, client: TestClient,
                                             engine: Engine) -> None:
    add_user(engine, "officer")
    laptop = TestClient(app)
    login(laptop, "officer")
    csrf = login(client, "officer")
    page = client.get("/sessions")
    assert page.status_code == 200
    ids = _session_ids(page.text)
    assert len(ids) == 2 and page.text.count("当前会话") == 1  # this browser's, marked
    with unit_of_work(engine) as s:
        newest = s.scalars(select(ConsoleSession.id).order_by(
            ConsoleSession.created_at.desc())).first()
    other = next(i for i in ids if i != newest)
    assert _end(client, csrf, "officer", other) == 303
    assert laptop.get("/api/v1/me").status_code == 401  # the other browser is signed out
    assert client.get("/api/v1/me").status_code == 200  # this one is not
    assert _session_ids(client.get("/sessions").text) == [newest]
    assert other in client.get("/sessions?all=1").text  # still listed, as ended


def test_only_an_administrator_sees_and_ends_anothers_sessions(app: FastAPI, client: TestClient,
                                                               engine: Engine) -> None:
    add_user(engine, "officer")
    add_user(engine, "boss", role="admin")
    officer = TestClient(app)
    officer_csrf = login(officer, "officer")
    # an officer learns nothing of others: the same 403 for a real and an unknown name
    assert officer.get("/sessions?user=boss").status_code == 403
    assert officer.get("/sessions?user=no-such-user").status_code == 403
    assert _end(officer, officer_csrf, "boss") == 403
    csrf = login(client, "boss")
    page = client.get("/sessions?user=officer")
    assert page.status_code == 200 and len(_session_ids(page.text)) == 1
    assert client.get("/sessions?user=no-such-user").status_code == 404
    assert _end(client, csrf, "officer") == 303
    assert officer.get("/api/v1/me").status_code == 401
    assert _session_ids(client.get("/sessions?user=officer").text) == []
