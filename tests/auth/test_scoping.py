"""Permissions are decided per platform, not per "any grant": an actor holding different roles
on different platforms only gets each role's permissions on its own platform."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.auth.service import create_token, create_user
from zeren.db.session import unit_of_work


@pytest.fixture
def mixed(engine: Engine, world: World) -> dict[str, str]:
    """merchant_ops + auditor on the small platform, regulator on the big one."""
    with unit_of_work(engine) as s:
        create_user(session=s, actor=SYSTEM, username="mixed", display_name="mixed",
                    password=None, roles=[("merchant_ops", world.small_id),
                                          ("auditor", world.small_id),
                                          ("regulator", world.big_id)])
        tok = create_token(session=s, actor=SYSTEM, username="mixed", name="t",
                           expires_at=None)[1]
    return {"Authorization": f"Bearer {tok}"}


def test_exemption_events_need_the_permission_on_that_platform(
    client: TestClient, world: World, mixed: dict[str, str]
) -> None:
    body = {"article": 6, "ground": "public_interest_or_security", "justification": "测试用的变通理由说明",
            "ends_on": (date.today() + timedelta(days=30)).isoformat()}
    ex = client.post(f"/api/v1/platforms/{world.big_id}/exemptions",
                     headers=world.auth("compliance_officer"), json=body).json()
    r = client.get(f"/api/v1/exemptions/{ex['id']}/events", headers=mixed)
    assert r.status_code == 403  # regulator on big may not read exemptions
    r = client.get(f"/api/v1/exemptions/{ex['id']}/events", headers=world.auth("auditor"))
    assert r.status_code == 200


def test_audit_trail_shows_only_platforms_with_audit_read(
    client: TestClient, world: World, mixed: dict[str, str]
) -> None:
    events = client.get("/api/v1/audit/events?limit=500", headers=mixed).json()["items"]
    assert events, "the small platform has events"
    assert {e["platform_id"] for e in events} == {world.small_id}
    # group-level events (users, tokens and their roles) only for group-wide holders
    assert not [e for e in events if e["action"] in ("user.create", "token.create")]
    group = client.get("/api/v1/audit/events?limit=500&action=user.create",
                       headers=world.auth("auditor")).json()
    assert group["total"] > 0


def test_platform_list_follows_platform_read(client: TestClient, world: World,
                                             mixed: dict[str, str]) -> None:
    ids = {p["id"] for p in client.get("/api/v1/platforms", headers=mixed).json()["items"]}
    assert ids == {world.big_id, world.small_id}  # every role here reads platforms


def test_out_of_range_paging_is_refused(client: TestClient, world: World) -> None:
    r = client.get("/api/v1/audit/events?offset=99999999999999999999",
                   headers=world.auth("auditor"))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "offset"


def test_over_long_fields_are_refused_on_every_backend(client: TestClient, world: World) -> None:
    r = client.post("/api/v1/platforms", headers=world.auth("admin"),
                    json={"code": "longname", "name": "名" * 300, "legal_entity": "x",
                          "uscc": "91350100M000100Y43", "platform_type": "online_sales"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "name"
    r = client.post(f"/api/v1/platforms/{world.big_id}/org/people",
                    headers=world.auth("compliance_officer"), json={"name": "n" * 150})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "name"
