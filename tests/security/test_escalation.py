"""Escalation before the deadline reaches a real local SMTP server (aiosmtpd) and a webhook
receiver, once per stage, through the job runner's job."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.security.test_incidents import incident, url
from zeren.config import get_settings
from zeren.db.session import unit_of_work
from zeren.notify import service as notify_service
from zeren.security.services.incidents import escalate_due


class Sink:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Sink]:
    sink = Sink()
    port = sink.port = _port()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    monkeypatch.setenv("ZEREN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ZEREN_SMTP_PORT", str(port))
    monkeypatch.setenv("ZEREN_SMTP_FROM", "zeren@jingxuan.example")
    get_settings.cache_clear()
    yield sink
    ctl.stop()
    get_settings.cache_clear()


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    got: list[dict[str, Any]] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append({"body": json.loads(body), "sig": self.headers["X-Zeren-Signature"],
                        "raw": body})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a: Any) -> None:
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}/zeren", got
    srv.shutdown()


def subject(m: Any) -> str:
    return str(make_header(decode_header(m["Subject"])))


def test_escalation_mail_and_webhook(client: TestClient, world: World, engine: Engine,
                                     smtp: Sink, hook: tuple[str, list[dict[str, Any]]]) -> None:
    co = world.auth("compliance_officer")
    base = f"/api/v1/platforms/{world.big_id}/notify/channels"
    assert client.post(base, headers=co, json={"kind": "email", "target": "oncall@jingxuan.example",
                                               "events": ["security."]}).status_code == 201
    wh = client.post(base, headers=co, json={"kind": "webhook", "target": hook[0]}).json()
    found = datetime.now(UTC) - timedelta(hours=3, minutes=1)
    inc = client.post(url(world, "/incidents"), headers=co, json=incident(found)).json()
    with unit_of_work(engine) as s:
        got = escalate_due(session=s)
    assert got == {"stages": 2, "messages": 4}  # half and three quarters gone, two channels
    assert len(smtp.messages) == 2
    subj = subject(smtp.messages[0])
    assert inc["number"] in subj and "较大" in subj and "北京时间" in subj
    assert smtp.messages[0]["To"] == "oncall@jingxuan.example"
    body = smtp.messages[1].get_payload(decode=True).decode()
    assert "elapsed-0.75" in body
    assert len(hook[1]) == 2
    sig = hook[1][0]["sig"]
    ts = int(sig.split(",")[0][2:])
    assert sig == notify_service.sign(wh["secret"], ts, hook[1][0]["raw"])
    with unit_of_work(engine) as s:  # once per stage
        assert escalate_due(session=s) == {"stages": 0, "messages": 0}
    assert len(smtp.messages) == 2
    kinds = [e["kind"] for e in client.get(url(world, f"/incidents/{inc['id']}/timeline"),
                                           headers=co).json()]
    assert kinds.count("escalated") == 2
    msgs = client.get(f"/api/v1/platforms/{world.big_id}/notify/messages", headers=co).json()
    assert len(msgs) == 4 and {m["status"] for m in msgs} == {"sent"}
    # once reported, nothing more is sent
    client.post(url(world, f"/incidents/{inc['id']}/reports"), headers=co, json={
        "kind": "first", "answers": {"reporter": "x", "system_name": "s", "mlps_level": "3"}})
    with unit_of_work(engine) as s:
        assert escalate_due(session=s, now=datetime.now(UTC) + timedelta(hours=2))["stages"] == 0


def test_failed_mail_is_recorded_and_retried(client: TestClient, world: World, engine: Engine,
                                             smtp: Sink, monkeypatch: pytest.MonkeyPatch) -> None:
    co = world.auth("compliance_officer")
    client.post(f"/api/v1/platforms/{world.big_id}/notify/channels", headers=co,
                json={"kind": "email", "target": "oncall@jingxuan.example"})
    client.post(url(world, "/incidents"), headers=co,
                json=incident(datetime.now(UTC) - timedelta(hours=2, minutes=1)))
    monkeypatch.setenv("ZEREN_SMTP_PORT", str(_port()))  # nobody listens there
    get_settings.cache_clear()
    with unit_of_work(engine) as s:
        assert escalate_due(session=s) == {"stages": 1, "messages": 0}
    msgs = client.get(f"/api/v1/platforms/{world.big_id}/notify/messages", headers=co).json()
    assert msgs[0]["status"] == "failed" and msgs[0]["last_error"]
    monkeypatch.setenv("ZEREN_SMTP_PORT", str(smtp.port))
    get_settings.cache_clear()
    with unit_of_work(engine) as s:
        assert notify_service.retry_failed(session=s) == 1
    assert len(smtp.messages) == 1

