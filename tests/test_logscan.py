"""The log scan itself (tests/logscan.py): a secret made through Zeren's own functions and
written to a log is found; the same log without it is clean."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from tests import logscan
from zeren.auth import service as auth_service
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work


def test_the_scan_finds_a_token_and_a_password_in_the_log(engine: Engine) -> None:
    with unit_of_work(engine) as s:
        auth_service.create_user(session=s, actor=SYSTEM, username="leaky", display_name="l",
                                 password="a-password-to-leak", roles=[("auditor", None)])
        _, token = auth_service.create_token(session=s, actor=SYSTEM, username="leaky",
                                             name="t", expires_at=None)
    log = logging.getLogger("zeren.test")
    log.warning("nothing secret here")
    assert logscan.leaks() == []
    log.warning("bad request with token %s", token)
    log.error("login failed", extra={"form": {"password": "a-password-to-leak"}})
    assert {"password", "token"} <= {kind for kind, _ in logscan.leaks()}
    logscan.HANDLER.lines.clear()  # this test's own leaks are on purpose
