"""``zeren serve`` (and ``zeren jobs run``) as separate processes, for the tests that need a
real server, with everything those processes print scanned for secrets when they stop
(ADR 0044): the per-test scan (tests/logscan.py) sees only this process's log records, while a
served process writes its own stderr and stdout.

A served process makes its secrets out of the test's reach, so the scan looks for:
- the secrets this test made in its own process (logscan's list: the ``world`` fixture's tokens
  and passwords, sealed strings);
- every secret handed to the processes in their environment (a variable whose name says key,
  secret, token or password, and any password in the database URL);
- what the test tells it with :meth:`Served.remember`: secrets the server answered once (a new
  token, a webhook secret), passwords and personal fields the test sent in requests.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests import logscan

BIN = Path(sys.executable).parent
SECRET_NAMES = ("KEY", "SECRET", "TOKEN", "PASSWORD")
# Names of JSON fields whose strings are secrets (answered by the server) or personal data a
# request hands over for sealing; the fuzzing gate reads them from every request and answer.
SECRET_FIELDS = frozenset({"token", "secret", "password", "holder_token", "inbox_token",
                           "webhook_secret", "signing_secret", "secret_key", "new_password"})
PERSONAL_FIELDS = frozenset({"reporter_contact", "contact", "person_ref", "resident_id",
                             "buyer", "reviewer", "phone", "id_number", "real_name", "email"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scannable(value: str) -> bool:
    """Long enough and varied enough not to turn up in a log line by chance (a generated
    ``000000`` would match a timestamp)."""
    return len(value) >= logscan.MIN_LEN and len(set(value)) >= 4


@dataclass
class Served:
    base: str
    procs: list[subprocess.Popen[bytes]]
    logs: list[Path]
    secrets: dict[str, str] = field(default_factory=dict)

    def remember(self, value: Any, kind: str) -> None:
        """A secret (or personal string) the processes must never print; dicts and lists are
        walked."""
        if isinstance(value, str):
            if scannable(value):
                self.secrets[value] = kind
        elif isinstance(value, dict):
            for v in value.values():
                self.remember(v, kind)
        elif isinstance(value, list | tuple):
            for v in value:
                self.remember(v, kind)

    def remember_fields(self, data: Any, kind: str, names: frozenset[str]) -> None:
        """Every string under a key in ``names``, anywhere in a JSON document."""
        if isinstance(data, dict):
            for k, v in data.items():
                if isinstance(k, str) and k.lower() in names:
                    self.remember(v, f"{kind} {k}")
                else:
                    self.remember_fields(v, kind, names)
        elif isinstance(data, list):
            for v in data:
                self.remember_fields(v, kind, names)

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def leaks(self) -> list[tuple[str, str]]:
        """(what, line) for every secret a served process printed."""
        known = {**{v: k for v, k in logscan.SECRETS.items() if scannable(v)}, **self.secrets}
        found = set()
        for line in self.output().splitlines():
            for value, kind in known.items():
                if value in line:
                    found.add((kind, line[:300]))
        return sorted(found)


def env_secrets(env: dict[str, str]) -> dict[str, str]:
    """The secrets in a served process's environment."""
    out = {}
    for name, value in env.items():
        if name.startswith("ZEREN_") and any(s in name for s in SECRET_NAMES) \
                and scannable(value):
            out[value] = f"environment {name}"
    url = env.get("ZEREN_DATABASE_URL", "")
    password = urlsplit(url).password if "://" in url else None
    if password and scannable(password):
        out[password] = "database password"
    return out


@contextmanager
def served(env: dict[str, str], workdir: Path, commands: Sequence[Sequence[str]],
           ready: str = "/api/v1/health", port: int | None = None,
           wait_s: float = 600) -> Iterator[Served]:
    """Start ``commands`` (argument lists after ``zeren``; the first is the server, whose
    ``--port`` this adds) with ``env``, wait until ``ready`` answers 200, yield, then stop them
    and fail if any printed a secret. Each process's output goes to ``workdir/<n>.log``."""
    port = port or free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    paths = [workdir / f"{i}-{c[0]}.log" for i, c in enumerate(commands)]
    files = [p.open("wb") for p in paths]
    argv = [[str(BIN / "zeren"), *commands[0], "--host", "127.0.0.1", "--port", str(port)]]
    argv += [[str(BIN / "zeren"), *c] for c in commands[1:]]
    procs = [subprocess.Popen(a, env=env, stdout=f, stderr=subprocess.STDOUT)
             for a, f in zip(argv, files, strict=True)]
    s = Served(f"http://127.0.0.1:{port}", procs, paths, env_secrets(env))
    try:
        # Workers import all of Zeren and the first readiness check reads the migrations: on a
        # shared machine under heavy load that has taken over two minutes.
        deadline = time.monotonic() + wait_s
        while True:
            try:
                if httpx.get(f"{s.base}{ready}", timeout=60).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert procs[0].poll() is None, s.output()
            assert time.monotonic() < deadline, s.output()
            time.sleep(0.5)
        yield s
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in files:
            f.close()
    found = s.leaks()
    assert not found, f"a served process printed a secret: {found[:5]}"


def plain_env(**extra: str) -> dict[str, str]:
    """The test run's environment without any ZEREN_ setting, plus ``extra``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ZEREN_")}, **extra}
