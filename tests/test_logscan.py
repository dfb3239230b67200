"""The log scan itself (tests/logscan.py): a secret made through Zeren's own functions and
written to a log is found; the same log without it is clean."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from tests import logscan
from tests.served import SECRET_FIELDS, Served, env_secrets
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


def test_the_scan_of_a_served_process_finds_what_it_printed(tmp_path: Path) -> None:
    """tests/served.py: the output of a `zeren serve` the suite started is scanned for the
    secrets in its environment, the ones this test made, and the ones the test names."""
    log = tmp_path / "0-serve.log"
    key, answered = "k3y-" + "a1b2c3d4" * 4, "zrn_answered-Once-9x8y"
    env = {"ZEREN_SECRET_KEY": key, "ZEREN_DATABASE_URL": "postgresql://u:pa55-Word@h/db",
           "ZEREN_METRICS_TOKEN": "0" * 40, "ZEREN_DATA_DIR": "/tmp/data-folder"}
    s = Served("http://127.0.0.1:1", [], [log], env_secrets(env))
    s.remember_fields({"items": [{"token": answered, "name": "visible-name"}]}, "answered",
                      SECRET_FIELDS)
    log.write_text("INFO started in /tmp/data-folder\nINFO GET /api/v1/me 200 visible-name\n")
    assert s.leaks() == []
    log.write_text(f"INFO settings key={key}\nERROR connect pa55-Word\nINFO {answered}\n"
                   "INFO 0000000000000000000000000000000000000000\n")
    assert {kind for kind, _ in s.leaks()} == {
        "environment ZEREN_SECRET_KEY", "database password", "answered token"}
