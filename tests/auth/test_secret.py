"""The installation's secret key (ADR 0040): written by `zeren init` with owner-only rights;
outside development a server refuses to start without one, with a published or short one, or
with a key file others can read. And the attack it stops, on a real `zeren init` + `zeren
serve`: a session cookie forged with Zeren's old built-in default is refused."""

from __future__ import annotations

import re
import secrets
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.auth.test_sessions import forge, payload_of
from tests.served import BIN, plain_env, served
from zeren.auth.installation import (
    KNOWN_SECRETS,
    InsecureSecret,
    console_secret,
    ensure_secret_file,
    secret_path,
)
from zeren.config import Settings

OLD_DEFAULT = "change-me-in-production-zeren"


def test_init_writes_an_owner_only_secret_once(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "data")
    path, written = ensure_secret_file(s)
    assert written and path == secret_path(s)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert len(key) >= 48 and console_secret(s) == key
    assert ensure_secret_file(s) == (path, False) and path.read_text().strip() == key
    other = Settings(data_dir=tmp_path / "other")
    ensure_secret_file(other)
    assert console_secret(other) != key


@pytest.mark.parametrize("bad", [OLD_DEFAULT, "short-but-random-Zx81", *sorted(KNOWN_SECRETS)])
def test_production_refuses_published_or_short_secrets(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InsecureSecret, match="unsafe"):
        console_secret(Settings(data_dir=tmp_path, secret_key=bad))
    # Development says so in the log and goes on.
    assert console_secret(Settings(data_dir=tmp_path, secret_key=bad, env="development")) == bad


def test_production_refuses_no_secret_and_a_readable_key_file(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path / "data")
    with pytest.raises(InsecureSecret, match="zeren init"):
        console_secret(s)
    dev = console_secret(Settings(data_dir=tmp_path / "data", env="development"))
    assert len(dev) >= 48 and not secret_path(s).exists()
    path, _ = ensure_secret_file(s)
    path.chmod(0o644)
    with pytest.raises(InsecureSecret, match="chmod 600"):
        console_secret(s)


def test_forged_cookie_fails_on_a_fresh_init_and_serve(tmp_path: Path) -> None:
    env = plain_env(ZEREN_DATABASE_URL=f"sqlite:///{tmp_path / 'zeren.db'}",
                    ZEREN_DATA_DIR=str(tmp_path / "data"))
    zeren = str(BIN / "zeren")
    # The old default is refused before anything is served.
    refused = subprocess.run([zeren, "serve", "--no-jobs"], env={
        **env, "ZEREN_SECRET_KEY": OLD_DEFAULT}, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "refusing to serve" in refused.stderr
    subprocess.run([zeren, "init"], env=env, check=True, capture_output=True, timeout=300)
    key = (tmp_path / "data" / "secret_key").read_text().strip()
    subprocess.run([zeren, "user", "add", "root", "--role", "admin", "--password",
                    "a-long-password"], env=env, check=True, capture_output=True, timeout=300)
    with served(env, tmp_path / "logs", [["serve", "--no-jobs"]]) as server:
        server.remember(key, "installation secret")
        server.remember("a-long-password", "password")
        base = server.base
        with httpx.Client(base_url=base, timeout=120) as c:
            csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
            assert csrf
            r = c.post("/login", data={"csrf": csrf.group(1), "username": "root",
                                       "password": "a-long-password", "next": "/"})
            assert r.status_code in (200, 303)
            real = c.cookies["zeren_session"]
            server.remember(real, "session cookie")
            assert c.get("/api/v1/me").json()["username"] == "root"
            admin_id = c.get("/api/v1/me").json()["user_id"]
        attempts = [forge(OLD_DEFAULT, {"uid": admin_id}),
                    forge(OLD_DEFAULT, payload_of(real)),
                    forge(secrets.token_urlsafe(32), payload_of(real)),
                    forge(key, {"uid": admin_id})]
        for cookie in attempts:
            r = httpx.get(f"{base}/api/v1/me", cookies={"zeren_session": cookie}, timeout=120)
            assert r.status_code == 401, cookie
            r = httpx.post(f"{base}/api/v1/users", cookies={"zeren_session": cookie},
                           timeout=120, json={"username": "mallory", "roles": [
                               {"role": "admin", "platform_id": None}]})
            assert r.status_code in (401, 403)
        # The forging is right: with the installation's key the real payload is accepted.
        r = httpx.get(f"{base}/api/v1/me", timeout=120,
                      cookies={"zeren_session": forge(key, payload_of(real))})
        assert r.status_code == 200
