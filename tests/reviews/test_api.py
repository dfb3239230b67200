"""Reviews over HTTP on both databases: ingest to the ledger (orders must be logged, ids are
written once, the reviewer sealed), nothing written on a refusal, and display audits that
find a silently removed, altered, pushed-down or invented review — but not one a moderation
measure hid."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import World
from tests.ledger.test_api import _order
from tests.moderation.test_api import decide
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.ledger.outbox import OutboxRow, open_personal
from zeren.reviews import domain as d
from zeren.reviews.models import Review

API = "/api/v1"


def url(world: World, path: str = "") -> str:
    return f"{API}/platforms/{world.big_id}/reviews{path}"


def review(n: int, order: str = "O-1", listing: str = "L-1", **kw: Any) -> dict[str, Any]:
    at = (utcnow() - timedelta(hours=100 - n)).isoformat()
    return {"review_id": f"rv-{n}", "order_id": order, "merchant_id": "m-9",
            "listing_id": listing, "rating": 1 + n % 5, "text": f"第{n}条评价，质量不错",
            "images": [d.fingerprint(0, str(n))], "reviewed_at": at,
            "reviewer": {"id": f"buyer-{n}", "name": "张三"}, **kw}


def _orders(client: TestClient, world: World, *ids: str) -> None:
    for oid in ids:
        r = client.post(f"{API}/orders", headers=world.auth("admin"),
                        json=_order(world.big_id, oid))
        assert r.status_code == 201, r.text


def _count(engine: Engine) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Review)) or 0)


def test_ingest_refusals_and_the_ledger(client: TestClient, world: World,
                                        engine: Engine) -> None:
    _orders(client, world, "O-1", "O-2")
    h = world.auth("api_client")
    bad = client.post(url(world), headers=h,
                      json={"reviews": [review(1), review(2, order="NO-SUCH")]})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"] == "reviews.1.order_id"
    assert _count(engine) == 0
    # an order of another platform is not this platform's order
    other = client.post(url(world), headers=h, json={"reviews": [review(1, order="S-1")]})
    assert other.status_code == 422
    ok = client.post(url(world), headers=h,
                     json={"reviews": [review(1), review(2, order="O-2")]})
    assert ok.status_code == 201, ok.text
    assert ok.json()["ingested"] == 2
    again = client.post(url(world), headers=h, json={"reviews": [review(3), review(1)]})
    assert again.status_code == 409
    assert again.json()["error"]["details"]["field"] == "reviews.1.review_id"
    twice = client.post(url(world), headers=h, json={"reviews": [review(4), review(4)]})
    assert twice.status_code == 409
    future = client.post(url(world), headers=h, json={"reviews": [review(
        5, reviewed_at=(utcnow() + timedelta(days=1)).isoformat())]})
    assert future.status_code == 422
    assert future.json()["error"]["details"]["field"] == "reviews.0.reviewed_at"
    assert _count(engine) == 2
    with unit_of_work(engine) as s:
        # the batch is one outbox row holding both records, its reviewers sealed once
        rows = list(s.scalars(select(OutboxRow).where(OutboxRow.record_class == "reviews")))
        assert len(rows) == 1 and rows[0].entries == 2 and rows[0].pd_id
        recs = rows[0].record["records"]
        assert [r["review_ref"] for r in recs] == ["rv-1", "rv-2"]
        assert rows[0].record["subjects"] == [f"review:{world.big_id}:rv-1",
                                              f"review:{world.big_id}:rv-2"]
        assert recs[0]["fingerprint"] == d.fingerprint(2, "第1条评价，质量不错")
        dumped = json.dumps(rows[0].record, ensure_ascii=False)
        assert "buyer-1" not in dumped and "张三" not in dumped  # the reviewer is sealed
        kept = list(s.scalars(select(Review.reviewer_ref)))
        assert kept == [rows[0].pd_id] * 2
        assert open_personal(session=s, pd_id=rows[0].pd_id) == {
            "rv-1": {"id": "buyer-1", "name": "张三"}, "rv-2": {"id": "buyer-2", "name": "张三"}}
        stored = json.dumps([list(map(str, r)) for r in s.execute(
            text("SELECT * FROM reviews")).all()], ensure_ascii=False)
        assert "buyer-1" not in stored and "张三" not in stored
        # a review cannot be altered or deleted in the database either
        for stmt in ("UPDATE reviews SET text = 'x'", "DELETE FROM reviews"):
            with pytest.raises(DBAPIError), unit_of_work(engine) as s2:  # the trigger refuses
                s2.execute(text(stmt))
    got = client.get(url(world, "/rv-1"), headers=world.auth("compliance_officer"))
    assert got.status_code == 200 and got.json()["order_id"] == "O-1"


def test_display_audit_finds_each_tampering(client: TestClient, world: World,
                                            engine: Engine) -> None:
    _orders(client, world, "O-1")
    h = world.auth("api_client")
    r = client.post(url(world), headers=h, json={"reviews": [review(n) for n in range(1, 9)]})
    assert r.status_code == 201, r.text
    newest_first = [f"rv-{n}" for n in range(8, 0, -1)]
    fps = {f"rv-{n}": d.fingerprint(1 + n % 5, f"第{n}条评价，质量不错") for n in range(1, 9)}

    def audit(shown: list[str], fp: dict[str, str] | None = None) -> dict[str, Any]:
        body = {"scope": "listing", "ref": "L-1",
                "shown": [{"review_id": x, **({"fingerprint": fp[x]} if fp and x in fp
                                              else {})} for x in shown]}
        res = client.post(url(world, "/display-audits"), headers=h, json=body)
        assert res.status_code == 201, res.text
        out: dict[str, Any] = res.json()
        return out

    honest = audit(newest_first, fps)
    assert honest["findings"] == [] and honest["expected"] == 8
    removed = audit([x for x in newest_first if x != "rv-5"], fps)
    assert [(f["kind"], f["review_ref"]) for f in removed["findings"]] == [("missing", "rv-5")]
    altered = audit(newest_first, {**fps, "rv-2": d.fingerprint(5, "好评返现")})
    assert [(f["kind"], f["review_ref"]) for f in altered["findings"]] == [("altered", "rv-2")]
    pushed = audit([x for x in newest_first if x != "rv-7"] + ["rv-7"])
    assert [(f["kind"], f["review_ref"]) for f in pushed["findings"]] == [("pushed_down",
                                                                           "rv-7")]
    invented = audit([*newest_first, "rv-999"])
    assert invented["counts"] == {"missing": 0, "altered": 0, "pushed_down": 0, "unknown": 1}
    # hidden through a moderation measure on the review: not missing
    body = {"subject": {"kind": "review", "external_ref": "rv-5", "display_name": "评价"},
            "category": "prohibited_goods", "source": "user"}
    cid = client.post(f"{API}/platforms/{world.big_id}/moderation/reports", headers=h,
                      json=body).json()["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    assert decide(client, world, cid).status_code == 200
    after = audit([x for x in newest_first if x != "rv-5"], fps)
    assert after["findings"] == [] and after["hidden_with_measure"] == 1
    counted = client.post(url(world, "/display-audits"), headers=h,
                          json={"scope": "listing", "ref": "L-1", "count": 5})
    assert counted.json()["counts"]["missing"] == 1
    both = client.post(url(world, "/display-audits"), headers=h,
                       json={"scope": "listing", "ref": "L-1"})
    assert both.status_code == 422 and both.json()["error"]["details"]["field"] == "shown"
    page = client.get(url(world, "/display-audits"), headers=world.auth("auditor")).json()
    assert page["total"] == 7
    one = client.get(url(world, f"/display-audits/{removed['id']}"),
                     headers=world.auth("auditor")).json()
    assert one["findings"][0]["review_ref"] == "rv-5"
