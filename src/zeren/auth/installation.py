"""The installation's own secret, which signs console session cookies.

``zeren init`` (and ``zeren demo``) write a fresh random secret to ``<data_dir>/secret_key``,
readable by its owner only, unless ``ZEREN_SECRET_KEY`` is set. A server outside
``ZEREN_ENV=development`` refuses to start with no secret, with a secret that was ever
published (Zeren's old built-in default), with a short one, or with a key file others can read
(ADR 0040)."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from zeren.config import Settings

log = logging.getLogger("zeren.auth")

SECRET_FILE = "secret_key"
MIN_LENGTH = 32
# Secrets that have been public (shipped as defaults or printed in documentation): whoever
# read them could sign a session cookie.
KNOWN_SECRETS = frozenset({"change-me-in-production-zeren", "change-me", "secret", "changeme"})


class InsecureSecret(RuntimeError):
    """The server must not start with this secret (outside development)."""


def secret_path(settings: Settings) -> Path:
    return settings.data_dir / SECRET_FILE


def ensure_secret_file(settings: Settings) -> tuple[Path, bool]:
    """Write a fresh secret to the data folder unless one is there; (path, whether written)."""
    path = secret_path(settings)
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_urlsafe(48) + "\n")
    return path, True


def weakness(secret: str) -> str | None:
    """Why ``secret`` must not sign cookies, or None."""
    if secret.strip() in KNOWN_SECRETS:
        return "it is a published default"
    if len(secret.strip()) < MIN_LENGTH:
        return f"it is shorter than {MIN_LENGTH} characters"
    return None


def console_secret(settings: Settings) -> str:
    """The secret that signs console cookies: ``ZEREN_SECRET_KEY``, else the data folder's
    key file. Outside development a missing, weak or exposed secret raises ``InsecureSecret``;
    in development it is logged and, when there is none, a random one lives as long as the
    process."""
    development = settings.env == "development"
    source = "ZEREN_SECRET_KEY"
    secret = settings.secret_key or ""
    if not secret:
        path = secret_path(settings)
        source = str(path)
        if not path.exists():
            if development:
                log.warning("no secret key (run `zeren init`); console sessions last until "
                            "this process stops")
                return secrets.token_urlsafe(48)
            raise InsecureSecret(f"no secret key: run `zeren init` (it writes {path}) or set "
                                 "ZEREN_SECRET_KEY to a long random value")
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            exposed = f"{path} can be read by others (mode {mode:o}); run chmod 600 {path}"
            if not development:
                raise InsecureSecret(exposed)
            log.warning(exposed)
        secret = path.read_text("utf-8").strip()
    problem = weakness(secret)
    if problem is not None:
        message = (f"the secret key from {source} is unsafe: {problem}; run `zeren init` "
                   "without ZEREN_SECRET_KEY, or set it to a long random value")
        if not development:
            raise InsecureSecret(message)
        log.warning(message)
    return secret
