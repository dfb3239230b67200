"""Structured logs: with ``log_format=json`` every request is one JSON line with its request id,
actor id, route template, status and time; the token, the body's personal data and the path's
ids never appear; extras a caller passes that are not on the allowed list are dropped."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from zeren.config import Settings
from zeren.ops.logs import JsonFormatter, TextFormatter, configure_logging


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging(Settings(log_format="json", log_level="INFO"), stream=buf)
    yield buf
    root.handlers[:], root.level = saved
    logging.getLogger("uvicorn.access").disabled = False


def test_one_json_event_per_request(client: TestClient, world: World,
                                    captured: io.StringIO) -> None:
    token = world.tokens["admin"]
    phone, name = "13800138000", "王小明"
    r = client.post("/api/v1/orders", headers={"Authorization": f"Bearer {token}",
                                               "X-Request-ID": "req-42"},
                    json={"order_id": "o-secret-1", "platform_id": world.big_id,
                          "merchant_id": "m1", "total_amount": "1.00", "paid_amount": "1.00",
                          "items": [{"sku": "s1", "title": "书", "unit_price": "1.00",
                                     "quantity": 1}],
                          "placed_at": "2026-11-01T10:00:00+08:00",
                          "buyer": {"buyer_ref": "b1", "name": name, "phone": phone,
                                    "address": "北京市"}})
    client.get(f"/api/v1/platforms/{world.big_id}", headers={"Authorization": f"Bearer {token}"})
    text = captured.getvalue()
    events = [json.loads(line) for line in text.splitlines()]
    access = [e for e in events if e["logger"] == "zeren.access"]
    assert len(access) == 2
    first, second = access
    assert first["request_id"] == "req-42"
    assert first["route"] == "/api/v1/orders" and first["method"] == "POST"
    assert first["status"] == r.status_code == 201, r.text
    assert first["actor_id"] and first["time"].endswith("Z") and first["duration_ms"] >= 0
    assert second["route"] == "/api/v1/platforms/{platform_id}" and second["status"] == 200
    assert second["request_id"] != "req-42"
    for secret in (token, phone, name, world.big_id, "o-secret-1"):
        assert secret not in text, f"{secret!r} leaked into the log"


def test_a_forged_request_id_is_replaced(client: TestClient, captured: io.StringIO) -> None:
    r = client.get("/api/v1/live", headers={"X-Request-ID": 'x"\n{"level":"error"}'})
    rid = r.headers["x-request-id"]
    assert len(rid) == 32 and "\n" not in rid
    assert json.loads(captured.getvalue().splitlines()[-1])["request_id"] == rid


def test_only_allowed_extras_are_written() -> None:
    rec = logging.LogRecord("zeren.x", logging.INFO, __file__, 1, "event %s", ("done",), None)
    rec.route, rec.password, rec.body = "/api/v1/x", "hunter2", {"phone": "138"}
    out = json.loads(JsonFormatter().format(rec))
    assert out["event"] == "event done" and out["route"] == "/api/v1/x"
    assert "password" not in out and "body" not in out
    line = TextFormatter().format(rec)
    assert "route=/api/v1/x" in line and "hunter2" not in line
