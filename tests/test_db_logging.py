"""Bound parameters never reach a log (ADR 0044): the engine hides them in a failing statement's
error, and the server logs a database error by kind, SQL state and statement, never by the
database's own message, which on PostgreSQL quotes the failing row."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from zeren.auth.models import ApiToken
from zeren.auth.secrets import new_token, token_digest


def test_a_failing_statement_does_not_show_its_values(engine: Engine,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    assert engine.hide_parameters
    secret = token_digest(new_token())
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        with engine.begin() as c, pytest.raises(IntegrityError) as err:
            # no such user: the foreign key refuses the row
            c.execute(insert(ApiToken).values(id="t1", user_id="no-such-user", name="leak",
                                              secret_hash=secret, created_at=None))
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert "INSERT INTO api_tokens" in str(err.value)
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(err.value)
    assert secret not in caplog.text and "no-such-user" not in caplog.text


def test_the_server_log_of_a_failing_statement_holds_no_values(
    app: FastAPI, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    secret = token_digest(new_token())

    def failing() -> None:
        with engine.begin() as c:
            c.execute(insert(ApiToken).values(id="t1", user_id="no-such-user", name="leak",
                                              secret_hash=secret, created_at=None))

    app.add_api_route("/api/v1/test-failing-insert", failing)
    caplog.set_level(logging.INFO)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/api/v1/test-failing-insert")
    assert r.status_code == 500 and secret not in r.text
    assert "unhandled database error" in caplog.text and "api_tokens" in caplog.text
    assert secret not in caplog.text and "no-such-user" not in caplog.text
