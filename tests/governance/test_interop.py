"""Interoperability requests (指南 第三条) through the API, and their posture check on
planted data: no data, a breach, near misses either side of the deadline, compliance."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.governance.conftest import no_data, run, url
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.governance import checks
from zeren.governance import schemas as gs
from zeren.governance.services import interop
from zeren.posture.domain import Status
from zeren.posture.plugins import all_checks
from zeren.timepolicy import BEIJING

BODY = {"requester": "某出行平台", "service": "地图开放接口", "asked": "接入路线规划 API",
        "received_on": "2026-03-02"}


def test_registered_with_their_obligations() -> None:
    got = {c.key: c.obligations for c in all_checks()}
    assert got["governance.art3.interop_decided"] == ("art3.interoperability",
                                                      "art3.access_for_others")


def test_record_and_decide_through_the_api(client: TestClient, world: World,
                                           co: dict[str, str]) -> None:
    r = client.post(url(world, "/interop"), headers=co,
                    json={**BODY, "deadline": "2026-03-01"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "deadline"
    assert "before the request was received" in r.json()["error"]["message"]
    assert client.get(url(world, "/interop"), headers=co).json()["total"] == 0  # nothing kept
    r = client.post(url(world, "/interop"), headers=co, json=BODY)
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["deadline"] == "2026-04-01" and req["decision"] is None
    dec = url(world, f"/interop/{req['id']}/decision")
    for body, field in (({"decision": "refused", "reasons": "不愿意"}, "ground"),
                        ({"decision": "refused", "ground": "competitor", "reasons": "x"}, "ground"),
                        ({"decision": "refused", "ground": "security", "reasons": ""}, "reasons"),
                        ({"decision": "maybe"}, "decision")):
        r = client.post(dec, headers=co, json=body)
        assert r.status_code == 422 and r.json()["error"]["details"]["field"] == field, r.text
    assert client.get(url(world, "/interop?open_only=true"), headers=co).json()["total"] == 1
    r = client.post(dec, headers=co, json={"decision": "refused", "ground": "security",
                                           "reasons": "接口将暴露用户轨迹"})
    assert r.status_code == 200 and r.json()["ground"] == "security"
    r = client.post(dec, headers=co, json={"decision": "granted"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_decided"
    grounds = client.get(url(world, "/interop/grounds"), headers=co).json()
    assert grounds["security"]["source"]
    # an auditor reads, may not write
    aud = world.auth("auditor")
    assert client.get(url(world, "/interop"), headers=aud).status_code == 200
    assert client.post(url(world, "/interop"), headers=aud, json=BODY).status_code == 403
    # a scoped token of the other platform sees nothing of this one
    assert client.get(url(world, "/interop"),
                      headers=world.auth("compliance_officer", scoped=True)).status_code == 403


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BEIJING)


def test_check_on_planted_requests(engine: Engine, world: World) -> None:
    received = date(2026, 3, 2)
    deadline = date(2026, 3, 16)
    assert no_data(run(engine, world, checks.interop_decided, _at(received)))
    with unit_of_work(engine) as s:
        a = interop.record_request(session=s, actor=SYSTEM, platform_id=world.big_id,
                                   data=gs.InteropIn(**{**BODY, "received_on": received,
                                                        "deadline": deadline}),
                                   now=_at(received)).id
    # pending, not yet due: nothing decided, so no evidence either way
    got = run(engine, world, checks.interop_decided, _at(deadline, 23))
    assert no_data(got) and got.figures["pending"] == 1
    # near miss: the day after the deadline, still undecided -> unmet
    got = run(engine, world, checks.interop_decided, _at(deadline + timedelta(days=1), 0))
    assert got.status is Status.UNMET and got.inputs["overdue_ids"] == [a]
    with unit_of_work(engine) as s:
        interop.decide(session=s, actor=SYSTEM, platform_id=world.big_id, request_id=a,
                       data=gs.InteropDecisionIn(decision="refused", ground="not_qualified",
                                                 reasons="未满足公开的接入条件",
                                                 decided_at=_at(deadline, 23)),
                       now=_at(deadline, 23))
    # decided on the deadline day: met with the request seen
    got = run(engine, world, checks.interop_decided, _at(deadline + timedelta(days=3)))
    assert got.status is Status.MET and got.seen == 1 and got.figures["refused"] == 1
    # a second request decided a day late puts the duty at risk
    with unit_of_work(engine) as s:
        b = interop.record_request(session=s, actor=SYSTEM, platform_id=world.big_id,
                                   data=gs.InteropIn(**{**BODY, "received_on": received,
                                                        "deadline": deadline}),
                                   now=_at(received)).id
        interop.decide(session=s, actor=SYSTEM, platform_id=world.big_id, request_id=b,
                       data=gs.InteropDecisionIn(decision="granted",
                                                 decided_at=_at(deadline + timedelta(days=1),
                                                                9)),
                       now=_at(deadline + timedelta(days=2)))
    got = run(engine, world, checks.interop_decided, _at(deadline + timedelta(days=3)))
    assert got.status is Status.AT_RISK and got.inputs["late_ids"] == [b]
    # the other platform's records are its own
    assert no_data(run(engine, world, checks.interop_decided, _at(deadline), world.small_id))
