"""The whole run's server logs hold no secret (ADR 0044): every test's log records — Zeren's,
the access log's, uvicorn's, SQLAlchemy's, at INFO and above — are scanned when the test ends,
and the test fails if one carries a secret the test made: an API or session token, a password,
a webhook or channel secret, an inbox token, or a string sealed as personal data.

The secrets are caught where Zeren makes them (``new_token``, ``hash_password``,
``secrets.token_urlsafe`` as the services call it, ``ledger.personal.seal``), so the scan
knows each value without any test naming it."""

from __future__ import annotations

import logging
import secrets as stdlib_secrets
from collections.abc import Iterator
from typing import Any

import pytest

MIN_LEN = 6  # shorter values would match by chance


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken record is still scanned raw
            text = f"{record.msg!r} {record.args!r}"
        extra = {k: v for k, v in record.__dict__.items() if k not in _PLAIN}
        self.lines.append(f"{record.name}: {text} {record.exc_text or ''} {extra!r}")
        if record.exc_info and record.exc_info[1] is not None:
            self.lines.append(repr(record.exc_info[1]))


_PLAIN = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
HANDLER = _Collect()
SECRETS: dict[str, str] = {}  # value → what it is


def remember(value: Any, kind: str) -> None:
    if isinstance(value, str) and len(value) >= MIN_LEN:
        SECRETS[value] = kind
    elif isinstance(value, dict):
        for v in value.values():
            remember(v, kind)
    elif isinstance(value, list | tuple):
        for v in value:
            remember(v, kind)


def _install(mp: pytest.MonkeyPatch) -> None:
    from zeren.auth import secrets as auth_secrets
    from zeren.auth import service as auth_service
    from zeren.ledger import personal

    real_token, real_hash, real_seal = (auth_secrets.new_token, auth_secrets.hash_password,
                                        personal.seal)
    real_urlsafe = stdlib_secrets.token_urlsafe

    def new_token() -> str:
        t = real_token()
        remember(t, "token")
        return t

    def hash_password(password: str) -> str:
        remember(password, "password")
        return real_hash(password)

    def token_urlsafe(nbytes: int | None = None) -> str:
        t = real_urlsafe(nbytes)
        remember(t, "secret (webhook, channel, inbox, session)")
        return t

    def seal(**kw: Any) -> Any:
        remember(kw.get("data"), "sealed personal data")
        return real_seal(**kw)

    mp.setattr(auth_secrets, "new_token", new_token)
    mp.setattr(auth_secrets, "hash_password", hash_password)
    mp.setattr(auth_service, "new_token", new_token)
    mp.setattr(auth_service, "hash_password", hash_password)
    mp.setattr(stdlib_secrets, "token_urlsafe", token_urlsafe)
    mp.setattr(personal, "seal", seal)
    import sys

    for mod in list(sys.modules.values()):  # modules that imported ``seal`` by name
        if getattr(mod, "__name__", "").startswith("zeren.") and getattr(mod, "seal", None) \
                is real_seal:
            mp.setattr(mod, "seal", seal)


def leaks() -> list[tuple[str, str]]:
    """(what, log line) for every secret made in this test that a log line carries."""
    return sorted({(kind, line[:300]) for line in HANDLER.lines
                   for value, kind in SECRETS.items() if value in line})


@pytest.fixture(autouse=True)
def no_secret_in_logs() -> Iterator[None]:
    root = logging.getLogger()
    zeren = logging.getLogger("zeren")
    before = zeren.level
    if zeren.getEffectiveLevel() > logging.INFO:
        zeren.setLevel(logging.INFO)
    root.addHandler(HANDLER)
    HANDLER.lines.clear()
    SECRETS.clear()
    mp = pytest.MonkeyPatch()
    _install(mp)
    try:
        yield
        found = leaks()
        assert not found, f"a secret reached the server log: {found[:5]}"
    finally:
        mp.undo()
        root.removeHandler(HANDLER)
        zeren.setLevel(before)
