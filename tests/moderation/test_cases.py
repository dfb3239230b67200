"""Cases: escalation respects the claim; an SLA breach is recorded even on a case escalated
by hand; IP measures are checked like case measures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.conftest import World
from tests.moderation.test_api import API, case, decide, file_report
from zeren.auth.policy import SYSTEM, Actor, Grant
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.errors import Conflict
from zeren.moderation.models import CaseEvent, Measure
from zeren.moderation.services import cases, intake


def test_only_the_holder_or_an_admin_escalates_a_claimed_case(client: TestClient,
                                                              world: World,
                                                              engine: Engine) -> None:
    cid = file_report(client, world)["case_id"]
    url = f"{API}/moderation/cases/{cid}/escalation"
    assert client.post(f"{API}/moderation/cases/{cid}/claim",
                       headers=world.auth("moderator")).status_code == 200
    other = Actor(user_id="o", username="mod-other", grants=(Grant("moderator", None),))
    with pytest.raises(Conflict) as exc, unit_of_work(engine) as s:
        cases.escalate_case(session=s, actor=other, case_id=cid, reason="mine now")
    assert exc.value.code == "already_claimed"
    c = case(client, world, cid)["case"]
    assert c["claimed_by"] == "u-moderator" and c["escalations"] == 0  # unchanged
    r = client.post(url, headers=world.auth("moderator"), json={"reason": "too hard"})
    assert r.status_code == 200 and r.json()["claimed_by"] is None
    assert r.json()["queue"] == "escalated" and r.json()["escalations"] == 1


def test_a_moderation_admin_may_escalate_a_case_someone_holds(client: TestClient,
                                                              world: World) -> None:
    cid = file_report(client, world)["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    r = client.post(f"{API}/moderation/cases/{cid}/escalation",
                    headers=world.auth("compliance_officer"), json={"reason": "lead"})
    assert r.status_code == 200 and r.json()["claimed_by"] is None
    assert decide(client, world, cid).status_code == 409  # the holder lost the claim


def test_hand_escalated_case_still_records_its_sla_breach(engine: Engine,
                                                          world: World) -> None:
    from zeren.moderation.schemas import ReportIn, SubjectIn

    now = utcnow()
    with unit_of_work(engine) as s:
        r = intake.submit_reports(session=s, platform_id=world.big_id, received_by="t", now=now,
                               items=[ReportIn(subject=SubjectIn(kind="post", external_ref="p9"),
                                               category="illegal.rumours")])[0]
        cases.escalate_case(session=s, actor=SYSTEM, case_id=r.case_id, reason="look", now=now)
    with unit_of_work(engine) as s:
        due = cases.get_case(session=s, case_id=r.case_id).sla_due_at
        assert cases.escalate_overdue(session=s, now=due + timedelta(hours=5)) == 1
    with unit_of_work(engine) as s:
        c = cases.get_case(session=s, case_id=r.case_id)
        assert c.sla_breached_at is not None and c.escalations == 2
        kinds = [e.kind for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == c.id))]
        assert kinds.count("sla_breached") == 1
        assert cases.escalate_overdue(session=s, now=due + timedelta(hours=6)) == 0  # once


def test_ip_measure_is_checked_against_the_subject(client: TestClient, world: World,
                                                   engine: Engine) -> None:
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/ip-notices",
                    headers=world.auth("api_client"),
                    json={"subject": {"kind": "merchant", "external_ref": "m-1"},
                          "rights_holder": "X", "right_type": "trademark",
                          "evidence": [{"kind": "url", "ref": "https://e.x/1"}]})
    assert r.status_code == 201, r.text
    nid = r.json()["id"]
    r = client.post(f"{API}/moderation/ip-notices/{nid}/measures",
                    headers=world.auth("moderator"), json={"code": "removal"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "code"
    r = client.post(f"{API}/moderation/ip-notices/{nid}/measures",
                    headers=world.auth("moderator"), json={"code": "no_such_measure"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "code"
    with unit_of_work(engine) as s:
        assert s.scalars(select(Measure)).all() == []
    notice = client.get(f"{API}/platforms/{world.big_id}/moderation/ip-notices",
                        headers=world.auth("moderator")).json()[0]
    assert notice["status"] == "received"  # unchanged


def test_tick_needs_a_group_wide_moderation_admin(client: TestClient, world: World) -> None:
    # tick moves every platform's clocks: moderation.admin is a group permission
    # (policy.yaml group_permissions), so a grant on one platform is not enough.
    url = f"{API}/moderation/tick"
    r = client.post(url, headers=world.auth("compliance_officer", scoped=True))
    assert r.status_code == 403 and r.json()["error"]["details"]["permission"] == \
        "moderation.admin"
    assert client.post(url, headers=world.auth("moderator")).status_code == 403
    assert client.post(url, headers=world.auth("compliance_officer")).status_code == 200
