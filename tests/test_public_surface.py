"""The public surface (ADR 0045): security headers on every answer with a script policy the
console's templates keep (no inline script or handler), forwarded addresses believed only from
configured proxies, and 429s that say when to retry."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from fastapi.testclient import TestClient
from starlette.requests import Request

from tests.conftest import World
from zeren.deps import client_address

SRC = Path(__file__).resolve().parents[1] / "src" / "zeren"


def test_security_headers_on_pages_api_and_errors(client: TestClient, world: World) -> None:
    for url in ("/login", "/api/v1/health", "/api/v1/platforms", "/no-such-page",
                "/static/console.css"):
        r = client.get(url)
        assert r.headers["x-frame-options"] == "DENY", url
        assert r.headers["x-content-type-options"] == "nosniff", url
        assert r.headers["referrer-policy"] == "same-origin", url
        csp = r.headers["content-security-policy"]
        script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert script.split()[1:] == ["'self'"], csp
        assert "frame-ancestors 'none'" in csp


def test_no_template_has_inline_script_or_handlers() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    found = []
    for f in SRC.rglob("*.html"):
        text = f.read_text("utf-8")
        if inline.search(text) or handler.search(text) or "javascript:" in text:
            found.append(str(f.relative_to(SRC)))
    assert not found, found


def _request(peer: str, forwarded: str | None, trusted: list[str]) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    app = SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(trusted_proxies=trusted)))
    return Request({"type": "http", "client": (peer, 5000), "headers": headers, "app": app})


def test_forwarded_addresses_are_believed_only_from_configured_proxies() -> None:
    # not behind a configured proxy: the header is anyone's to forge
    assert client_address(_request("203.0.113.9", "1.2.3.4", [])) == "203.0.113.9"
    assert client_address(_request("203.0.113.9", "1.2.3.4", ["10.0.0.0/8"])) == "203.0.113.9"
    # behind one: the rightmost address that is not a proxy of ours
    assert client_address(_request("10.0.0.2", "1.2.3.4", ["10.0.0.0/8"])) == "1.2.3.4"
    assert client_address(_request("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.7",
                                    ["10.0.0.0/8"])) == "1.2.3.4"
    assert client_address(_request("10.0.0.2", None, ["10.0.0.2"])) == "10.0.0.2"


def _report(i: int) -> dict[str, str]:
    return {"platform": "big", "subject_kind": "post", "subject_ref": f"pp-{i}",
            "category": "fraud", "description": "骗钱"}


def test_the_public_forms_limit_answers_429_with_retry_after(client: TestClient,
                                                             world: World) -> None:
    url = "/api/v1/moderation/public/reports"
    codes = [client.post(url, json=_report(i), headers={"X-Forwarded-For": f"9.9.9.{i}"})
             for i in range(12)]
    # the forged header changed nothing: one sender, ten reports a minute
    assert [r.status_code for r in codes[:10]] == [201] * 10
    last = codes[-1]
    assert last.status_code == 429
    assert 1 <= int(last.headers["retry-after"]) <= 60
    assert last.json()["error"]["details"]["retry_after_seconds"] == int(
        last.headers["retry-after"])
