"""The public form (size, shape, floods), webhooks against a local HTTP server (signatures and
retries), records reaching the ledger, IP notice-and-takedown with its 15-day clock,
consumer complaints, and the claim race on the real database."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.conftest import World
from tests.moderation.test_api import API, case, decide, file_report
from zeren.auth.policy import Actor, Grant
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.errors import Conflict
from zeren.moderation import domain as d
from zeren.moderation.models import LedgerOutbox, OutboxMessage, Report
from zeren.moderation.services import cases, clocks, delivery


def public_body(**kw: Any) -> dict[str, Any]:
    return {"platform": "big", "subject_kind": "post", "subject_ref": "pp-1",
            "category": "fraud", "description": "骗钱", **kw}


def test_public_form_size_shape_and_flood(client: TestClient, world: World) -> None:
    url = f"{API}/moderation/public/reports"
    r = client.post(url, json=public_body(category="made_up"))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "category"
    r = client.post(url, json={**public_body(), "unexpected": 1})
    assert r.status_code == 422
    r = client.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422
    big = json.dumps(public_body(description="x" * 40_000)).encode()
    r = client.post(url, content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    receipts, limited = [], 0
    for i in range(15):
        r = client.post(url, json=public_body(subject_ref=f"pp-{i}"))
        if r.status_code == 201:
            receipts.append(r.json()["receipt"])
        else:
            assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
            limited += 1
    assert limited > 0 and receipts
    for rc in receipts:  # every accepted report is kept and can be followed up
        assert client.get(f"{API}/moderation/public/receipts/{rc}").status_code == 200


def test_public_answer_is_the_receipt_and_nothing_internal(client: TestClient,
                                                            world: World, engine: Engine) -> None:
    """The second report on the same subject joins the open case; neither answer says so, and
    neither carries the case id (ADR 0046)."""
    url = f"{API}/moderation/public/reports"
    answers = [client.post(url, json=public_body(subject_ref="pp-same")) for _ in range(2)]
    with unit_of_work(engine) as s:
        reports = s.scalars(select(Report).where(Report.receipt.in_(
            [a.json()["receipt"] for a in answers]))).all()
        case_ids = {r.case_id for r in reports}
    assert len(reports) == 2 and len(case_ids) == 1  # bundled into one case
    for a in answers:
        assert a.status_code == 201, a.text
        body = a.json()
        assert set(body) == {"receipt", "received_at", "follow_up"}
        assert not any(cid in a.text for cid in case_ids)
        assert client.get(body["follow_up"]).json()["receipt"] == body["receipt"]


class _Hook(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        _Hook.got.append((dict(self.headers), body))
        if _Hook.fail_first > 0:
            _Hook.fail_first -= 1
            self.send_response(500)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_server() -> Iterator[str]:
    _Hook.got = []
    srv = HTTPServer(("127.0.0.1", 0), _Hook)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/hook"
    srv.shutdown()


def test_webhooks_signed_and_retried(client: TestClient, world: World, engine: Engine,
                                     hook_server: str) -> None:
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/webhooks",
                    headers=world.auth("compliance_officer"), json={"url": hook_server})
    assert r.status_code == 201
    secret = r.json()["secret"]
    _Hook.fail_first = 1
    cid = file_report(client, world)["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    assert decide(client, world, cid).status_code == 200  # background: first try fails
    with unit_of_work(engine) as s:
        rows = s.scalars(select(OutboxMessage)).all()
        assert len(rows) == 2  # removal + ladder measure
        assert {m.status for m in rows} <= {"pending", "delivered"}
        assert any(m.attempts == 1 and m.last_error == "HTTP 500" for m in rows)
    later = utcnow() + timedelta(seconds=d.WEBHOOK_BACKOFF_S[0] + 1)
    delivery.deliver_due(engine=engine, now=later)
    with unit_of_work(engine) as s:
        assert {m.status for m in s.scalars(select(OutboxMessage))} == {"delivered"}
    headers, body = _Hook.got[-1]
    assert d.verify_signature(secret, headers["X-Zeren-Signature"], body, now=int(time.time()))
    assert not d.verify_signature("wrong", headers["X-Zeren-Signature"], body,
                                  now=int(time.time()))
    event = json.loads(body)
    assert event["event"] == "measure.applied" and event["data"]["code"] in {
        "removal", "restrict_posting"}


def test_retries_end_as_dead(engine: Engine, world: World) -> None:
    actor = Actor(user_id="t", username="t", grants=(Grant("admin", None),))
    with unit_of_work(engine) as s:
        h = delivery.create_webhook(session=s, actor=actor, platform_id=world.big_id,
                                    url="http://127.0.0.1:9/none")
        s.add(OutboxMessage(platform_id=world.big_id, webhook_id=h.id, event="x", payload={},
                            next_attempt_at=utcnow()))
    now = utcnow()
    for _ in range(len(d.WEBHOOK_BACKOFF_S) + 1):
        delivery.deliver_due(engine=engine, now=now, post=lambda *_: 503)
        now += timedelta(days=1)
    with unit_of_work(engine) as s:
        m = s.scalars(select(OutboxMessage)).one()
        assert m.status == "dead" and m.attempts == len(d.WEBHOOK_BACKOFF_S) + 1


def test_measures_statements_and_appeals_reach_the_ledger(client: TestClient, world: World,
                                                          engine: Engine) -> None:
    cid = file_report(client, world)["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    assert decide(client, world, cid).status_code == 200
    with unit_of_work(engine) as s:
        rows = s.scalars(select(LedgerOutbox)).all()
        classes = sorted(r.record_class for r in rows)
        assert classes == ["moderation.measures"] * 2 + ["moderation.statements"] * 2
        assert all(r.logged_at is not None and r.log for r in rows), "flushed after commit"
        assert rows[0].log is not None and rows[0].log.startswith("moderation.")


def test_ip_notice_and_takedown(client: TestClient, world: World, engine: Engine) -> None:
    base = f"{API}/platforms/{world.big_id}/moderation/ip-notices"
    body = {"subject": {"kind": "listing", "external_ref": "sku-1",
                        "owner": {"kind": "merchant", "external_ref": "shop-1"}},
            "rights_holder": "某品牌有限公司", "right_type": "trademark", "right_ref": "第123号",
            "description": "假冒商标"}
    r = client.post(base, headers=world.auth("api_client"), json=body)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "evidence"
    ev = [{"kind": "url", "ref": "https://example.com/cert.pdf"}]
    n = client.post(base, headers=world.auth("api_client"), json={**body, "evidence": ev}).json()
    assert n["status"] == "received"
    nid = n["id"]
    # Counter-notice before measures: refused with the reason, nothing changes.
    r = client.post(f"{API}/moderation/ip-notices/{nid}/counter-notice",
                    headers=world.auth("api_client"),
                    json={"declaration": "不侵权", "evidence": ev, "merchant_ref": "shop-1"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    r = client.post(f"{API}/moderation/ip-notices/{nid}/measures",
                    headers=world.auth("moderator"), json={"code": "stop_transmission"})
    assert r.status_code == 200 and r.json()["status"] == "measures_taken"
    notes = client.get(f"{API}/platforms/{world.big_id}/moderation/notices",
                       params={"account_ref": "shop-1"}, headers=world.auth("moderator")).json()
    assert any(x["kind"] == "ip_notice" for x in notes)
    r = client.post(f"{API}/moderation/ip-notices/{nid}/counter-notice",
                    headers=world.auth("api_client"),
                    json={"declaration": "不侵权", "merchant_ref": "shop-1"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "evidence"
    r = client.post(f"{API}/moderation/ip-notices/{nid}/counter-notice",
                    headers=world.auth("api_client"),
                    json={"declaration": "我方有授权", "evidence": ev, "merchant_ref": "shop-1"})
    got = r.json()
    assert got["status"] == "counter_noticed" and got["clock_ends_at"]
    end = datetime.fromisoformat(got["clock_ends_at"])
    assert end - utcnow() > timedelta(days=15)  # the start day is not counted (民法典 Art 201)
    with unit_of_work(engine) as s:
        assert clocks.advance(session=s, now=end - timedelta(seconds=1))["ip_restored"] == 0
        assert clocks.advance(session=s, now=end)["ip_restored"] == 1
    pub = client.get(f"{API}/moderation/public/ip-notices", params={"platform": "big"}).json()
    kinds = [e["kind"] for e in pub[0]["events"]]
    assert kinds == ["notice_received", "measures_taken", "forwarded_to_merchant",
                     "counter_notice_received", "forwarded_to_rights_holder", "measures_ended"]
    assert pub[0]["status"] == "restored"
    assert "rights_holder_contact" not in pub[0]
    feed = client.get(f"{API}/platforms/{world.big_id}/moderation/measure-changes",
                      headers=world.auth("moderator")).json()["items"]
    assert [i["change"] for i in feed] == ["applied", "lifted"]


def test_ip_rights_holder_action_keeps_measure(client: TestClient, world: World) -> None:
    base = f"{API}/platforms/{world.big_id}/moderation/ip-notices"
    ev = [{"kind": "text", "ref": "注册证书"}]
    filed = client.post(base, headers=world.auth("api_client"), json={
        "subject": {"kind": "listing", "external_ref": "sku-2",
                    "owner": {"kind": "merchant", "external_ref": "shop-2"}},
        "rights_holder": "甲", "right_type": "copyright", "evidence": ev}).json()
    nid = filed["id"]
    client.post(f"{API}/moderation/ip-notices/{nid}/measures", headers=world.auth("moderator"),
                json={})
    client.post(f"{API}/moderation/ip-notices/{nid}/counter-notice",
                headers=world.auth("api_client"),
                json={"declaration": "否认", "evidence": ev, "merchant_ref": "shop-2"})
    r = client.post(f"{API}/moderation/ip-notices/{nid}/rights-holder-action",
                    headers=world.auth("api_client"),
                    json={"kind": "lawsuit", "reference": "(2026)京0101民初1号", "body": "法院",
                          "holder_token": filed["holder_token"]})
    assert r.status_code == 200 and r.json()["status"] == "upheld"


def test_complaint_to_mediation(client: TestClient, world: World, engine: Engine) -> None:
    base = f"{API}/platforms/{world.big_id}/moderation/complaints"
    body = {"consumer_ref": "buyer-1", "merchant": {"kind": "merchant", "external_ref": "shop-2"},
            "order_ref": "o-1", "description": "货不对板", "claim": "退款"}
    c1 = client.post(base, headers=world.auth("api_client"), json=body).json()
    r = client.post(f"{API}/moderation/complaints/{c1['id']}/merchant-reply",
                    headers=world.auth("api_client"),
                    json={"reply": "同意退款", "accepted": True, "merchant_ref": "shop-2"})
    assert r.json()["status"] == "resolved_by_merchant"
    c2 = client.post(base, headers=world.auth("api_client"), json=body).json()
    with unit_of_work(engine) as s:
        assert clocks.advance(session=s, now=utcnow() + timedelta(hours=49)
                        )["complaints_to_mediation"] == 1
    r = client.post(f"{API}/moderation/complaints/{c2['id']}/merchant-reply",
                    headers=world.auth("api_client"),
                    json={"reply": "晚了", "accepted": False, "merchant_ref": "shop-2"})
    assert r.status_code == 409
    r = client.post(f"{API}/moderation/complaints/{c2['id']}/mediation",
                    headers=world.auth("moderator"), json={"settled": True, "outcome": "部分退款"})
    assert r.json()["status"] == "resolved_in_mediation"


def test_claim_race_has_one_winner(client: TestClient, world: World, engine: Engine) -> None:
    cid = file_report(client, world)["case_id"]
    actors = [Actor(user_id=f"m{i}", username=f"mod-{i}", grants=(Grant("moderator", None),))
              for i in range(8)]
    wins: list[str] = []
    losses: list[str] = []
    barrier = threading.Barrier(len(actors))

    def go(a: Actor) -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as s:
                cases.claim_case(session=s, actor=a, case_id=cid)
            wins.append(a.username)
        except Conflict:
            losses.append(a.username)

    threads = [threading.Thread(target=go, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(losses) == len(actors) - 1
    assert case(client, world, cid)["case"]["claimed_by"] == wins[0]
