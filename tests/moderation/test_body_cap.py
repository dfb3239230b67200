"""The public form's size cap holds for a body without ``Content-Length`` (chunked): it is
read piece by piece and refused with 413 once past the cap, never read in full or parsed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.types import Message

from tests.conftest import World
from zeren.errors import TooLarge
from zeren.moderation import domain as d
from zeren.moderation.web import read_capped

API = "/api/v1"
CAP = int(d.intake_settings()["public"]["max_body_bytes"])


def _chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i:i + size]


def _report(**kw: str) -> dict[str, str]:
    return {"platform": "big", "subject_kind": "post", "subject_ref": "pp-chunk",
            "category": "fraud", "description": "骗钱", **kw}


def test_chunked_public_report_over_the_cap_is_refused(client: TestClient,
                                                      world: World) -> None:
    url = f"{API}/moderation/public/reports"
    big = json.dumps(_report(description="x" * (CAP * 2))).encode()
    r = client.post(url, content=_chunks(big), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers  # sent chunked
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert r.json()["error"]["details"]["max_bytes"] == CAP
    # a chunked body under the cap is read and handled as before
    small = json.dumps(_report()).encode()
    r = client.post(url, content=_chunks(small, 16), headers={"content-type": "application/json"})
    assert r.status_code == 201, r.text


def test_chunked_public_appeal_over_the_cap_is_refused(client: TestClient) -> None:
    big = json.dumps({"measure_id": "m", "reason": "x" * (CAP * 2)}).encode()
    r = client.post(f"{API}/moderation/public/inbox/no-such-token/appeals", content=_chunks(big),
                    headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_chunked_console_report_form_over_the_cap_is_refused(client: TestClient,
                                                            world: World) -> None:
    body = ("platform=big&subject_kind=post&subject_ref=pp-f&category=fraud&description="
            + "x" * (CAP * 2)).encode()
    r = client.post("/moderation/report", content=_chunks(body),
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert "content-length" not in r.request.headers
    assert r.status_code == 413


def test_read_capped_stops_reading_once_past_the_cap() -> None:
    sent = 0

    async def receive() -> Message:  # an endless body, 1 KiB at a time
        nonlocal sent
        sent += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    request = Request({"type": "http", "method": "POST", "path": "/", "headers": []}, receive)
    with pytest.raises(TooLarge):
        asyncio.run(read_capped(request))
    assert sent == CAP // 1024 + 1  # not one piece more than it took to pass the cap
