"""Forwarding that arrives (电子商务法 Art 42-44; 指南 Art 28): the rights holder gets the
merchant's declaration, its evidence and the statement that it may complain or sue before
the 15 days end — on its link page, through the API and a signed webhook to a real local
HTTP server; the merchant gets the notice and the rights holder's lawsuit in its inbox; the
consumer gets the merchant's answer; each forwarding is a kept record, and the public list
shows it without contact data or evidence."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.conftest import World
from tests.moderation.test_api import API
from tests.moderation.test_flows import _Hook, hook_server  # noqa: F401 (fixture)
from tests.moderation.test_parties import EV, complaint, inbox, notice
from zeren.db.session import unit_of_work
from zeren.moderation import domain as d
from zeren.timepolicy import format_beijing


def test_declaration_reaches_the_rights_holder_and_the_lawsuit_the_merchant(
        client: TestClient, world: World, engine: Engine, hook_server: str) -> None:  # noqa: F811
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/webhooks",
                    headers=world.auth("compliance_officer"), json={"url": hook_server})
    secret = r.json()["secret"]
    n = notice(client, world, "sku-f", "shop-f")
    shop = inbox(client, world, "shop-f")
    notes = client.get(f"{API}/moderation/public/inbox/{shop}").json()
    assert any(x["kind"] == "ip_notice" and x["body"]["evidence"][0]["ref"] == EV[0]["ref"]
               for x in notes)
    proof = [{"kind": "url", "ref": "https://shop-f.example/licence.pdf",
              "description": "品牌授权书"}]
    r = client.post(f"{API}/moderation/public/inbox/{shop}/ip-notices/{n['id']}/counter-notice",
                    json={"declaration": "我方为品牌授权经销商", "evidence": proof})
    assert r.status_code == 200, r.text
    deadline = datetime.fromisoformat(r.json()["clock_ends_at"])

    # 1. the rights holder's link page
    page = client.get(f"{API}/moderation/public/ip-holder/{n['holder_token']}").json()
    assert page["declaration"] == "我方为品牌授权经销商" and page["evidence"][0]["ref"] == \
        proof[0]["ref"]
    (fwd,) = page["forwardings"]
    assert fwd["kind"] == "declaration_to_rights_holder"
    assert fwd["content"]["declaration"] == "我方为品牌授权经销商"
    assert fwd["content"]["evidence"][0]["description"] == "品牌授权书"
    assert format_beijing(deadline) in fwd["content"]["statement"]["zh"]
    assert "起诉" in fwd["content"]["statement"]["zh"] and "sue" in \
        fwd["content"]["statement"]["en"]
    assert datetime.fromisoformat(fwd["content"]["deadline"]) == deadline
    assert set(fwd["channels"]) == {"inbox", "api", "webhook"}

    # 2. the webhook, signed, at a real HTTP server (delivered after the commit)
    for _ in range(100):
        events = [json.loads(b) for _, b in _Hook.got]
        if any(e["event"] == "ip.forwarded" and e["data"]["kind"] ==
               "declaration_to_rights_holder" for e in events):
            break
        time.sleep(0.1)
    headers, body = next((h, b) for h, b in _Hook.got
                         if json.loads(b)["data"].get("kind") == "declaration_to_rights_holder")
    assert d.verify_signature(secret, headers["X-Zeren-Signature"], body, now=int(time.time()))
    data = json.loads(body)["data"]
    assert data["to"] == "rights_holder" and data["content"]["declaration"] == "我方为品牌授权经销商"

    # 3. the rights holder sues; the merchant receives it in its inbox
    r = client.post(f"{API}/moderation/public/ip-holder/{n['holder_token']}/action",
                    json={"kind": "lawsuit", "reference": "(2026)沪0115民初9号", "body": "法院"})
    assert r.status_code == 200
    notes = client.get(f"{API}/moderation/public/inbox/{shop}").json()
    sued = [x for x in notes if x["kind"] == "holder_action_to_merchant"]
    assert sued and sued[0]["body"]["reference"] == "(2026)沪0115民初9号"
    # ... and through the platform's webhook, signed, for the platform to relay
    for _ in range(100):
        if any(json.loads(b)["data"].get("kind") == "holder_action_to_merchant"
               for _, b in _Hook.got):
            break
        time.sleep(0.1)
    headers, body = next((h, b) for h, b in _Hook.got
                         if json.loads(b)["data"].get("kind") == "holder_action_to_merchant")
    assert d.verify_signature(secret, headers["X-Zeren-Signature"], body, now=int(time.time()))
    data = json.loads(body)["data"]
    assert data["to"] == "merchant" and data["content"]["reference"] == "(2026)沪0115民初9号"
    assert "statement" in data["content"] and "不予终止" in data["content"]["statement"]["zh"]

    # 4. the API lists every forwarding, for the platform's own staff only
    url = f"{API}/moderation/ip-notices/{n['id']}/forwardings"
    got = client.get(url, headers=world.auth("moderator")).json()
    assert [f["kind"] for f in got] == ["notice_to_merchant", "declaration_to_rights_holder",
                                        "holder_action_to_merchant"]
    assert client.get(url, headers=world.auth("moderator", scoped=True)).status_code == 403

    # 5. the public list (Art 44): the declaration and each forwarding, no contact or evidence
    raw = client.get(f"{API}/moderation/public/ip-notices", params={"platform": "big"}).text
    pub = json.loads(raw)[0]
    assert pub["declaration"] == "我方为品牌授权经销商"
    assert [(f["kind"], f["to_party"]) for f in pub["forwardings"]] == [
        ("notice_to_merchant", "merchant"), ("declaration_to_rights_holder", "rights_holder"),
        ("holder_action_to_merchant", "merchant")]
    for secret_bit in ("legal@brand.example", "licence.pdf", "cert.pdf", n["holder_token"]):
        assert secret_bit not in raw

    # 6. kept as written
    with pytest.raises(Exception, match="append-only"), unit_of_work(engine) as s:
        s.execute(text("UPDATE mod_forwardings SET kind = 'x'"))


def test_complaint_reaches_the_merchant_and_the_answer_the_consumer(
        client: TestClient, world: World) -> None:
    c = complaint(client, world, "shop-g")
    shop = inbox(client, world, "shop-g")
    (note,) = [x for x in client.get(f"{API}/moderation/public/inbox/{shop}").json()
               if x["kind"] == "complaint_to_merchant"]
    assert note["body"]["claim"] == "退款" and "consumer_contact" not in note["body"]
    assert format_beijing(datetime.fromisoformat(c["merchant_reply_due_at"])) in \
        note["body"]["statement"]["zh"]
    client.post(f"{API}/moderation/public/inbox/{shop}/complaints/{c['id']}/reply",
                json={"reply": "同意退款", "accepted": True})
    view = client.get(f"{API}{c['consumer_link'].removeprefix(API)}").json()
    assert view["complaint"]["status"] == "resolved_by_merchant"
    assert [(f["kind"], f["content"]["reply"]) for f in view["forwardings"]] == [
        ("reply_to_consumer", "同意退款")]
