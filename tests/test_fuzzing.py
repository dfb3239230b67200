"""The fuzzing gate (ADR 0047): schemathesis generates requests for every operation of the
OpenAPI document and sends them to a real ``zeren serve`` on this test's database (SQLite, or
PostgreSQL on the ``db`` leg), once with an administrator's token and once with none. The test
fails on any 5xx (``not_a_server_error``) and on any answer whose body does not match the
document (``response_schema_conformance``).

Bounded for CI: a fixed seed, no example database, no shrinking, a fixed number of examples
per operation (``FUZZ_EXAMPLES``, ``FUZZ_EXAMPLES_ANON``; set ``ZEREN_FUZZ_EXAMPLES`` for a
deeper run by hand). Every request and answer is kept as a HAR file; the secrets the server
answered and the passwords and personal fields the generator sent are then looked for in the
server's output (tests/served.py)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import World
from tests.served import BIN, PERSONAL_FIELDS, SECRET_FIELDS, Served, plain_env, served

SEED = 18
FUZZ_EXAMPLES = int(os.environ.get("ZEREN_FUZZ_EXAMPLES", "3"))
FUZZ_EXAMPLES_ANON = max(1, FUZZ_EXAMPLES // 3)
CHECKS = "not_a_server_error,response_schema_conformance"


def _fuzz(server: Served, out: Path, examples: int, headers: list[str]) -> tuple[int, str]:
    har = out.with_suffix(".har")
    # The document is read here, with time to build it on a busy machine; schemathesis reads
    # the file.
    doc = out.with_suffix(".openapi.json")
    doc.write_bytes(httpx.get(f"{server.base}/api/v1/openapi.json", timeout=300).content)
    argv = [str(BIN / "st"), "run", str(doc), "--url", server.base, "--checks", CHECKS,
            "--phases", "fuzzing", "--max-examples", str(examples), "--seed", str(SEED),
            "--generation-database", "none", "--no-shrink", "--continue-on-failure",
            "--max-failures", "50", "--workers", "2", "--request-timeout", "120",
            "--report", "har", "--report-har-path", str(har), "--no-color",
            "--output-truncate", "true"]
    for h in headers:
        argv += ["--header", h]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=1800,
                         env=plain_env(SCHEMATHESIS_HOOKS=""), cwd=out.parent)
    _remember_har(server, har)
    return run.returncode, run.stdout[-12000:] + run.stderr[-3000:]


def _json(text: str | None, encoding: str | None = None) -> Any:
    if not text:
        return None
    try:
        raw = base64.b64decode(text).decode() if encoding == "base64" else text
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def _remember_har(server: Served, har: Path) -> None:
    """The secrets the server answered (a new token, a webhook secret) and the passwords and
    personal fields the generator sent, for the scan of the server's output."""
    if not har.exists():
        return
    for entry in json.loads(har.read_text())["log"]["entries"]:
        body = _json((entry["request"].get("postData") or {}).get("text"))
        server.remember_fields(body, "sent", SECRET_FIELDS | PERSONAL_FIELDS)
        content = entry["response"].get("content") or {}
        server.remember_fields(_json(content.get("text"), content.get("encoding")), "answered",
                               SECRET_FIELDS)




def test_no_server_error_and_answers_match_the_document(db_url: str, world: World,
                                                         tmp_path: Path) -> None:
    env = plain_env(ZEREN_DATABASE_URL=db_url, ZEREN_DATA_DIR=str(tmp_path / "data"),
                    ZEREN_SECRET_KEY=secrets.token_urlsafe(32))
    with served(env, tmp_path / "logs", [["serve", "--no-jobs"]]) as server:
        code, out = _fuzz(server, tmp_path / "admin", FUZZ_EXAMPLES,
                          [f"Authorization: Bearer {world.tokens['admin']}"])
        assert code == 0, f"with an administrator's token:\n{out}"
        code, out = _fuzz(server, tmp_path / "anonymous", FUZZ_EXAMPLES_ANON, [])
        assert code == 0, f"without a token:\n{out}"
