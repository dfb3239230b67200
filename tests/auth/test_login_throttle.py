"""Sign-in throttling (ADR 0045): per user name and per client address, a doubling wait after
a few failures with ``Retry-After``, the same argon2 work for unknown user names, and every
failure and refusal in the audit trail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from tests.auth.test_sessions import PASSWORD, add_user
from zeren.audit.models import AuditEvent
from zeren.auth import secrets as auth_secrets
from zeren.auth.models import LoginThrottle
from zeren.auth.service import THROTTLE_FREE
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work


def _try(client: TestClient, username: str, password: str) -> object:
    m = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert m
    return client.post("/login", data={"csrf": m.group(1), "username": username,
                                       "password": password, "next": "/"},
                       follow_redirects=False)


@pytest.fixture(autouse=True)
def slow_base(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first wait of a minute: long enough that no test outlives it on a busy machine (the
    test ends waits itself, through the table, instead of sleeping)."""
    monkeypatch.setattr("zeren.auth.service.THROTTLE_BASE", timedelta(seconds=60))


def _unblock(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        s.execute(update(LoginThrottle).values(blocked_until=utcnow()))


def test_failures_back_off_and_the_right_password_waits_too(client: TestClient,
                                                            engine: Engine) -> None:
    add_user(engine, "officer")
    for _ in range(THROTTLE_FREE):
        assert _try(client, "officer", "wrong-password").status_code == 401  # type: ignore[attr-defined]
    r = _try(client, "officer", "wrong-password")
    assert r.status_code == 401  # type: ignore[attr-defined]
    r = _try(client, "officer", PASSWORD)  # heard only after the wait
    assert r.status_code == 429  # type: ignore[attr-defined]
    assert 1 <= int(r.headers["retry-after"]) <= 60  # type: ignore[attr-defined]
    assert "login-throttled" in r.text  # type: ignore[attr-defined]
    _unblock(engine)
    r = _try(client, "officer", "wrong-password")
    assert r.status_code == 401  # type: ignore[attr-defined]
    r = _try(client, "officer", PASSWORD)
    assert r.status_code == 429  # type: ignore[attr-defined]
    assert 60 < int(r.headers["retry-after"]) <= 120  # type: ignore[attr-defined]  # doubled
    _unblock(engine)
    assert _try(client, "officer", PASSWORD).status_code == 303  # type: ignore[attr-defined]
    with unit_of_work(engine) as s:
        assert s.scalars(select(LoginThrottle)).all() == []  # success forgets the failures
        actions = list(s.scalars(select(AuditEvent.action)))
    assert actions.count("login.failed") == THROTTLE_FREE + 2
    assert actions.count("login.throttled") == 2


def test_one_client_trying_many_names_is_throttled(client: TestClient, engine: Engine) -> None:
    add_user(engine, "officer")
    for i in range(THROTTLE_FREE + 1):
        assert _try(client, f"guess-{i}", "pw").status_code == 401  # type: ignore[attr-defined]
    r = _try(client, "officer", PASSWORD)
    assert r.status_code == 429 and r.headers["retry-after"]  # type: ignore[attr-defined]


def test_unknown_names_cost_the_same_password_check(client: TestClient, engine: Engine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    add_user(engine, "officer")
    calls: list[str] = []
    real = auth_secrets.verify_password

    def counting(stored: str, password: str) -> bool:
        calls.append(stored[:9])
        return real(stored, password)

    monkeypatch.setattr("zeren.auth.service.verify_password", counting)
    assert _try(client, "officer", "wrong-password").status_code == 401  # type: ignore[attr-defined]
    assert _try(client, "nobody-here", "wrong-password").status_code == 401  # type: ignore[attr-defined]
    assert calls == ["$argon2id", "$argon2id"]  # a real argon2id verification each time
