"""From finding to action: moderation cases through moderation's public intake (with the
evidence digest), compliance tasks with an owner and a due date, price-fraud records for
the merchant; each once, kept, and logged to the ledger with the findings' digests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.conftest import World
from tests.market.fixtures import ALL
from zeren.db.session import unit_of_work


def _url(world: World, path: str) -> str:
    return f"/api/v1/platforms/{world.big_id}/market{path}"


def _found(client: TestClient, world: World) -> dict[str, dict[str, Any]]:
    co = world.auth("compliance_officer")
    for name, rows in ALL.items():
        assert client.post(_url(world, f"/datasets/{name}/batches"), json={"rows": rows},
                           headers=co).status_code == 201
    for det in ("brushing_ring", "self_preferencing", "fake_original_price", "pyramid_scheme"):
        assert client.post(_url(world, "/runs"), json={"detector": det},
                           headers=co).status_code == 201
    items = client.get(_url(world, "/findings?limit=100"), headers=co).json()["items"]
    out: dict[str, dict[str, Any]] = {}
    for f in items:  # highest score first: A/P1 for the price detector
        out.setdefault(f["detector"], f)
    return out


def test_findings_lead_to_their_action(client: TestClient, world: World, engine: Engine) -> None:
    from zeren.ledger.outbox import OutboxRow
    from zeren.moderation.models import Case, Report

    co = world.auth("compliance_officer")
    found = _found(client, world)
    ring = found["brushing_ring"]
    assert client.post(_url(world, f"/findings/{ring['id']}/actions"), json={},
                       headers=world.auth("moderator")).status_code == 403
    r = client.post(_url(world, f"/findings/{ring['id']}/actions"),
                    json={"note": "刷单团伙"}, headers=co)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["kind"] == "moderation_case" and len(a["case_ids"]) == 3
    with unit_of_work(engine) as s:
        cats = {c.category for c in s.scalars(select(Case).where(Case.id.in_(a["case_ids"])))}
        reps = list(s.scalars(select(Report).where(Report.case_id.in_(a["case_ids"]))))
    assert cats == {"fraud"} and len(reps) == 3
    assert all(str(x.source) == "platform" for x in reps)
    assert ring["evidence_digest"] in str(reps[0].evidence)
    again = client.post(_url(world, f"/findings/{ring['id']}/actions"), json={}, headers=co)
    assert again.status_code == 409 and again.json()["error"]["details"]["action_id"] == a["id"]

    pyr = found["pyramid_scheme"]
    r = client.post(_url(world, f"/findings/{pyr['id']}/actions"), json={}, headers=co)
    assert r.status_code == 201 and len(r.json()["case_ids"]) == 1

    sp = found["self_preferencing"]
    r = client.post(_url(world, f"/findings/{sp['id']}/actions"), json={}, headers=co)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "assignee"
    r = client.post(_url(world, f"/findings/{sp['id']}/actions"),
                    json={"assignee": "搜索排序组", "due_days": 14}, headers=co)
    assert r.status_code == 201, r.text
    task = r.json()
    assert task["kind"] == "compliance_task" and task["assignee"] == "搜索排序组"
    assert client.post(_url(world, f"/findings/{sp['id']}/close"), json={"resolution": ""},
                       headers=co).status_code == 422
    r = client.post(_url(world, f"/findings/{sp['id']}/close"),
                    json={"resolution": "排序特征去除自营加权"}, headers=co)
    assert r.status_code == 201 and r.json()["kind"] == "task_closed"
    assert client.post(_url(world, f"/findings/{sp['id']}/close"),
                       json={"resolution": "x"}, headers=co).status_code == 409
    listed = client.get(_url(world, f"/findings/{sp['id']}/actions"), headers=co).json()
    assert [x["kind"] for x in listed] == ["compliance_task", "task_closed"]

    price = found["fake_original_price"]
    r = client.post(_url(world, f"/findings/{price['id']}/actions"), json={}, headers=co)
    assert r.status_code == 201 and r.json()["kind"] == "price_fraud_record"
    assert r.json()["merchant_id"] == "m1"
    assert client.post(_url(world, f"/findings/{ring['id']}/close"), json={"resolution": "x"},
                       headers=co).status_code == 404

    with unit_of_work(engine) as s:
        per = dict(s.execute(select(OutboxRow.record_class, func.count())
                             .group_by(OutboxRow.record_class)).all())
    total = client.get(_url(world, "/findings"), headers=co).json()["total"]
    assert per.get("market-findings") == total and per.get("market-actions") == 5


def test_the_due_date_comes_from_the_data(client: TestClient, world: World) -> None:
    co = world.auth("compliance_officer")
    found = _found(client, world)
    sp = found["self_preferencing"]
    r = client.post(_url(world, f"/findings/{sp['id']}/actions"), json={"assignee": "合规部"},
                    headers=co).json()
    from datetime import datetime

    made = datetime.fromisoformat(r["created_at"])
    due = datetime.fromisoformat(r["due_at"])
    assert abs((due - made) - timedelta(days=30)) < timedelta(minutes=1)
