"""Exemptions (变通): grounds, decisions, withdrawal, and how the posture shows them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.conftest import World
from zeren.exemptions.models import Exemption, ExemptionEvent

FUTURE = (date.today() + timedelta(days=90)).isoformat()


def _req(article: int = 31, ground: str = "beyond_control_or_capability", **kw: object
         ) -> dict[str, object]:
    return {"article": article, "ground": ground, "ends_on": FUTURE,
            "justification": "改造需外部供应商交付，期间以人工替代。", **kw}


def _tile(client: TestClient, world: World, pid: str, article: int) -> dict[str, object]:
    p = client.get(f"/api/v1/platforms/{pid}/posture", headers=world.auth("auditor")).json()
    tile: dict[str, object] = next(a for a in p["articles"] if a["article"] == article)
    return tile


def test_request_approve_withdraw(client: TestClient, world: World, engine: Engine) -> None:
    co = world.auth("compliance_officer")
    r = client.post(f"/api/v1/platforms/{world.small_id}/exemptions", headers=co, json=_req())
    assert r.status_code == 201, r.text
    ex_id = r.json()["id"]
    assert _tile(client, world, world.small_id, 31)["status"] == "not_assessed"
    # four eyes: the requester cannot approve their own request
    r = client.post(f"/api/v1/exemptions/{ex_id}/decision", headers=co,
                    json={"action": "approve", "note": "同意"})
    assert r.status_code == 403
    r = client.post(f"/api/v1/exemptions/{ex_id}/decision", headers=world.auth("admin"),
                    json={"action": "approve", "note": "同意"})
    assert r.json()["status"] == "approved"
    tile = _tile(client, world, world.small_id, 31)
    assert tile["status"] == "exempted"  # never "met"
    # a second approval is a conflict, and changes nothing
    again = client.post(f"/api/v1/exemptions/{ex_id}/decision", headers=world.auth("admin"),
                        json={"action": "approve"})
    assert again.status_code == 409
    assert client.post(f"/api/v1/exemptions/{ex_id}/decision", headers=co,
                       json={"action": "withdraw"}).status_code == 422
    r = client.post(f"/api/v1/exemptions/{ex_id}/decision", headers=co,
                    json={"action": "withdraw", "note": "改造已完成"})
    assert r.json()["status"] == "withdrawn"
    assert _tile(client, world, world.small_id, 31)["status"] == "not_assessed"
    events = client.get(f"/api/v1/exemptions/{ex_id}/events", headers=co).json()
    assert [e["event"] for e in events] == ["requested", "approved", "withdrawn"]
    with Session(engine) as s:  # nothing deleted
        assert s.scalar(select(func.count()).select_from(Exemption)) == 1
        assert s.scalar(select(func.count()).select_from(ExemptionEvent)) == 3


@pytest.mark.parametrize(("body", "field"), [
    (_req(ground="we-said-so"), "ground"),
    (_req(article=36), "article"),
    (_req(article="x"), "article"),
    (_req(article=True), "article"),
    (_req(article=3), "article"),       # Art 3 does not apply to an ordinary platform
    (_req(article=31, item=2), "item"),  # Art 31 has no enumerated items
    (_req(justification="短"), "justification"),
    ({**_req(), "ends_on": "2001-01-01"}, "ends_on"),
    ({**_req(), "ends_on": "soon"}, "ends_on"),
])
def test_bad_requests_are_refused(client: TestClient, world: World, engine: Engine,
                                  body: dict[str, object], field: str) -> None:
    r = client.post(f"/api/v1/platforms/{world.small_id}/exemptions",
                    headers=world.auth("compliance_officer"), json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"]["field"] == field
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Exemption)) == 0


def test_item_exemption_on_super_large(client: TestClient, world: World) -> None:
    r = client.post(f"/api/v1/platforms/{world.big_id}/exemptions",
                    headers=world.auth("compliance_officer"),
                    json=_req(article=6, item=3, ground="public_interest_or_security"))
    assert r.status_code == 201 and r.json()["item"] == 3


def test_moderator_cannot_decide(client: TestClient, world: World) -> None:
    r = client.post(f"/api/v1/platforms/{world.small_id}/exemptions",
                    headers=world.auth("compliance_officer"), json=_req())
    ex_id = r.json()["id"]
    r = client.post(f"/api/v1/exemptions/{ex_id}/decision", headers=world.auth("moderator"),
                    json={"action": "approve"})
    assert r.status_code == 403
