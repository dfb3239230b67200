"""The rules API: the library, drafts, diffs, the lifecycle's refusals over HTTP (naming the
field, writing nothing), roles, and the public consultation with its rate limit."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.rules.conftest import Walk, body, url
from zeren.db.base import utcnow
from zeren.rules import domain as d
from zeren.rules import schemas as s
from zeren.rules.services import documents as docs


def _doc(client: TestClient, world: World, h: dict[str, str]) -> str:
    r = client.post(url(world, "/documents"), headers=h,
                    json={"code": "trading", "kind": "交易规则", "title": "交易规则"})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "trading_rule"
    return str(r.json()["id"])


def test_library_drafts_and_diffs(client: TestClient, world: World) -> None:
    h = world.auth("compliance_officer")
    _doc(client, world, h)
    r = client.post(url(world, "/documents"), headers=h,
                    json={"code": "trading", "kind": "trading_rule", "title": "又一份"})
    assert r.status_code == 409 and r.json()["error"]["details"]["field"] == "code"
    r = client.post(url(world, "/documents"), headers=h,
                    json={"code": "x", "kind": "nonsense", "title": "t"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "kind"
    v1 = client.post(url(world, "/documents/trading/versions"), headers=h, json=body(1))
    assert v1.status_code == 201, v1.text
    assert v1.json()["number"] == 1 and v1.json()["status"] == "draft"
    # one open version at a time
    r = client.post(url(world, "/documents/trading/versions"), headers=h, json=body(2))
    assert r.status_code == 409
    r = client.patch(url(world, f"/versions/{v1.json()['id']}"), headers=h,
                     json={"body_md": body(3)["body_md"]})
    assert r.status_code == 200 and "72小时" in r.json()["body_md"]
    page = client.get(url(world, "/documents"), headers=h).json()
    assert page["total"] == 1 and page["items"][0]["code"] == "trading"
    r = client.get(url(world, f"/versions/{v1.json()['id']}/diff"), headers=h)
    assert r.status_code == 404 and r.json()["error"]["details"]["field"] == "against"
    hist = client.get(url(world, f"/versions/{v1.json()['id']}/history"), headers=h).json()
    assert [e["kind"] for e in hist] == ["drafted", "edited"]


def test_lifecycle_refusals_over_http(client: TestClient, world: World, engine: Engine) -> None:
    h = world.auth("compliance_officer")
    w = Walk(engine, world.big_id)
    w.document()
    start = utcnow() - timedelta(days=20)
    v1 = w.draft(now=start - timedelta(days=1))
    closes = d.days_after(start, 7)
    w.do(docs.open_consultation, v1, closes_at=closes, now=start)
    # the deadline has passed: a comment is refused, naming the field
    r = client.post(url(world, f"/versions/{v1}/comments"), headers=h,
                    json={"author_kind": "public", "author_name": "甲", "body": "晚了"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "closes_at"
    assert client.get(url(world, f"/versions/{v1}/comments"), headers=h).json() == []
    r = client.post(url(world, f"/versions/{v1}/decision"), headers=world.auth("merchant_ops"),
                    json={"outcome": "adopt", "decision": "通过"})
    assert r.status_code == 403
    r = client.post(url(world, f"/versions/{v1}/decision"), headers=h,
                    json={"outcome": "adopt", "decision": "通过"})
    assert r.status_code == 200 and r.json()["status"] == "decided"
    now = utcnow()
    for eff, why in [((now - timedelta(days=1)).isoformat(), "in the past"),
                     ((now + timedelta(days=3)).isoformat(), "shorter than 7 days")]:
        r = client.post(url(world, f"/versions/{v1}/publication"), headers=h,
                        json={"effective_at": eff})
        assert r.status_code == 422, r.text
        assert r.json()["error"]["details"]["field"] == "effective_at"
        assert why in r.json()["error"]["message"]
    r = client.post(url(world, f"/versions/{v1}/publication"), headers=h,
                    json={"effective_at": "2026-12-31T00:00:00"})  # no zone: read as UTC
    assert r.status_code == 422
    eff = d.earliest_effective(now, 7) + timedelta(hours=1)
    r = client.post(url(world, f"/versions/{v1}/publication"), headers=h,
                    json={"effective_at": eff.isoformat()})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "announced" and r.json()["notice_days"] == 7
    r = client.patch(url(world, f"/versions/{v1}"), headers=h, json={"summary": "改"})
    assert r.status_code == 409 and r.json()["error"]["details"]["field"] == "summary"
    assert client.get(url(world, f"/versions/{v1}"), headers=h).json()["summary"] != "改"
    # the second version and the diff between them
    v2 = client.post(url(world, "/documents/trading/versions"), headers=h,
                     json=body(3, summary="放宽"))
    assert v2.status_code == 201
    r = client.get(url(world, f"/versions/{v2.json()['id']}/diff"), headers=h)
    assert r.status_code == 200
    dd = r.json()
    assert dd["old_version_id"] == v1 and dd["counts"]["changed"] == 1
    assert "+第二条 商品发布后须在72小时内发货。" in dd["unified"]


def test_public_consultation_and_its_rate_limit(client: TestClient, world: World,
                                               engine: Engine) -> None:
    w = Walk(engine, world.big_id)
    w.document()
    now = utcnow()
    vid = w.draft(now=now)
    draft_only = client.get(f"/api/v1/public/rules/versions/{vid}")
    assert draft_only.status_code == 404  # a draft is not public
    w.do(docs.open_consultation, vid, closes_at=d.days_after(now, 10), now=now)
    got = client.get(f"/api/v1/public/rules/{world.big_id}/consultations")
    assert got.status_code == 200 and [v["id"] for v in got.json()] == [vid]
    ok = 0
    for i in range(d.rules_data().public_max_requests + 2):
        r = client.post(f"/api/v1/public/rules/versions/{vid}/comments",
                        json={"author_kind": "public", "author_name": f"访客{i}",
                              "body": "请说明适用范围"})
        if r.status_code == 201:
            ok += 1
            assert r.json()["channel"] == "public_page"
        else:
            assert r.status_code == 429, r.text
    assert ok == d.rules_data().public_max_requests
    comments = client.get(f"/api/v1/public/rules/versions/{vid}/comments").json()
    assert len(comments) == ok
    r = client.post(f"/api/v1/public/rules/versions/{vid}/comments",
                    content=b"x" * 2_000_000, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_scoped_tokens_stay_on_their_platform(client: TestClient, world: World) -> None:
    h = world.auth("compliance_officer", scoped=True)
    r = client.post(url(world, "/documents"), headers=h,
                    json={"code": "t", "kind": "trading_rule", "title": "t"})
    assert r.status_code == 403
    r = client.post(url(world, "/documents", platform=world.small_id), headers=h,
                    json={"code": "t", "kind": "trading_rule", "title": "t"})
    assert r.status_code == 201
    s.DocumentRead.model_validate(r.json())
