"""The engine never shows bound parameters (ADR 0044): a failing statement's error, and so any
log line made from it, names the statement but not the values (token hashes, personal data)."""

from __future__ import annotations

import logging

import pytest
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
    assert secret not in str(err.value) and "no-such-user" not in str(err.value)
    assert secret not in caplog.text and "no-such-user" not in caplog.text
