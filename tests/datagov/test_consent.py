"""Consent and the merge gate over HTTP, on planted histories: given, withdrawn, given again;
bad input refused with the field; every decision kept and logged in the ledger."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.conftest import World
from tests.datagov.conftest import consent_body, url
from zeren.datagov.gate import ConsentIndex
from zeren.datagov.models import Decision
from zeren.db.session import unit_of_work
from zeren.ledger.outbox import OutboxRow, flush_all, pending
from zeren.ledger.service import integrator_for


def decide(client: TestClient, world: World, person: str = "user-1", **kw: object) -> dict:
    body = {"person_ref": person, "services": ["pay", "mall"], "purpose": "ads", **kw}
    r = client.post(url(world, "/consent/decide"), headers=world.auth("api_client"), json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_given_withdrawn_given_again(client: TestClient, world: World, co: dict[str, str],
                                     services: list[str]) -> None:
    api = world.auth("api_client")
    assert decide(client, world)["reason"] == "no_consent"
    r = client.post(url(world, "/consent/consents"), headers=api, json=consent_body())
    assert r.status_code == 201, r.text
    first = r.json()
    assert "person_ref" not in first and len(first["person_key"]) == 40
    got = decide(client, world)
    assert got["allowed"] is True and got["consent_id"] == first["id"]
    assert decide(client, world, purpose="credit")["reason"] == "purpose_not_covered"
    assert decide(client, world, services=["mall", "maps"])["reason"] == "scope_not_covered"
    assert decide(client, world, person="user-2")["reason"] == "no_consent"

    r = client.post(url(world, f"/consent/consents/{first['id']}/withdrawal"), headers=api,
                    json={"evidence": "用户在设置页撤回"})
    assert r.status_code == 200 and r.json()["withdrawn_at"]
    got = decide(client, world)  # honoured from that moment
    assert got["allowed"] is False and got["reason"] == "consent_withdrawn"

    # withdrawn consent used again: 409 naming the field, nothing kept
    with unit_of_work(client.app.state.engine) as s:  # type: ignore[attr-defined]
        before = s.scalar(select(func.count()).select_from(Decision))
    r = client.post(url(world, "/consent/decide"), headers=api,
                    json={"person_ref": "user-1", "services": ["mall", "pay"], "purpose": "ads",
                          "consent_id": first["id"]})
    assert r.status_code == 409 and r.json()["error"]["details"]["field"] == "consent_id"
    r = client.post(url(world, f"/consent/consents/{first['id']}/withdrawal"), headers=api,
                    json={"evidence": "again"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "consent_withdrawn"
    with unit_of_work(client.app.state.engine) as s:  # type: ignore[attr-defined]
        assert s.scalar(select(func.count()).select_from(Decision)) == before

    r = client.post(url(world, "/consent/consents"), headers=api, json=consent_body())
    again = r.json()
    got = decide(client, world)
    assert got["allowed"] and got["consent_id"] == again["id"] != first["id"]
    hist = client.get(url(world, "/consent/consents"), headers=co,
                      params={"person_ref": "user-1"}).json()
    assert [h["id"] for h in hist] == [first["id"], again["id"]]


def test_bad_input_names_the_field(client: TestClient, world: World, services: list[str]) -> None:
    api = world.auth("api_client")
    r = client.post(url(world, "/consent/consents"), headers=api,
                    json=consent_body(service="games"))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "service"
    r = client.post(url(world, "/consent/consents"), headers=api,
                    json=consent_body(scope=["pay", "games"]))
    assert r.json()["error"]["details"]["field"] == "scope.1"
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = client.post(url(world, "/consent/consents"), headers=api,
                    json=consent_body(given_at=future))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "given_at"
    # a time without an offset is Beijing wall time (the one time policy)
    r = client.post(url(world, "/consent/consents"), headers=api,
                    json=consent_body(person="u-tz", given_at="2026-01-01T08:00:00"))
    assert r.status_code == 201
    assert datetime.fromisoformat(r.json()["given_at"]) == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    r = client.post(url(world, "/consent/consents"), headers=api,
                    json=consent_body(given_at="yesterday"))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "given_at"
    r = client.post(url(world, "/consent/decide"), headers=api,
                    json={"person_ref": "u", "services": ["mall", "games"], "purpose": "ads"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "services.1"
    r = client.post(url(world, "/consent/decide/batch"), headers=api, json={"requests": [
        {"person_ref": "u", "services": ["mall", "pay"], "purpose": "ads"},
        {"person_ref": "u", "services": ["games", "pay"], "purpose": "ads"}]})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["field"] == "requests.1.services.0"
    r = client.post(url(world, "/consent/decide"), headers=api,
                    json={"person_ref": "u", "services": ["mall"], "purpose": "ads"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "services"


def test_decisions_are_kept_and_logged(client: TestClient, world: World, engine: Engine,
                                       co: dict[str, str], services: list[str]) -> None:
    api = world.auth("api_client")
    client.post(url(world, "/consent/consents"), headers=api, json=consent_body())
    reqs = [{"person_ref": f"user-{i % 3}", "services": ["mall", "pay"], "purpose": "ads",
             "request_ref": f"r{i}"} for i in range(30)]
    r = client.post(url(world, "/consent/decide/batch"), headers=api, json={"requests": reqs})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["allowed"], out["refused"]) == (10, 20)
    assert [x["request_ref"] for x in out["decisions"]] == [f"r{i}" for i in range(30)]
    log = client.get(url(world, "/consent/decisions"), headers=co,
                     params={"outcome": "refused", "limit": 5}).json()
    assert log["total"] == 20 and len(log["items"]) == 5
    # the flusher the request kicked may be logging them right now (its rows are claimed):
    # flush what is free and wait for the rest
    integrator = integrator_for(engine, client.app.state.settings.data_dir)
    deadline = time.monotonic() + 60
    while True:
        flush_all(engine=engine, integrator=integrator)
        with unit_of_work(engine) as s:
            if pending(session=s) == 0 or time.monotonic() > deadline:
                break
        time.sleep(0.2)
    with unit_of_work(engine) as s:
        rows = s.execute(select(OutboxRow.record_class, OutboxRow.log_index, OutboxRow.pd_key)
                         .where(OutboxRow.record_class.in_(["consent-decisions", "consents"])))
        rows = list(rows)
    assert sum(1 for r in rows if r[0] == "consent-decisions") == 30
    assert all(r[1] is not None for r in rows)  # every one logged
    assert all(r[2] is None for r in rows)  # sealed keys left the outbox for the ledger's store
    r = client.get(url(world, "/consent/decisions"), headers=world.auth("auditor"))
    assert r.status_code == 200 and r.json()["total"] == 30


def test_two_processes_see_a_withdrawal_at_once(client: TestClient, world: World,
                                                engine: Engine, services: list[str]) -> None:
    """Two indexes (as in two API workers) over one database: a withdrawal committed through
    one is seen by the next decision of the other, which had the consent cached."""
    from zeren.auth.policy import SYSTEM
    from zeren.datagov.schemas import DecideIn, WithdrawIn
    from zeren.datagov.services import consent

    api = world.auth("api_client")
    cid = client.post(url(world, "/consent/consents"), headers=api, json=consent_body()).json()["id"]
    a, b = ConsentIndex(), ConsentIndex()
    req = [DecideIn(person_ref="user-1", services=["mall", "pay"], purpose="ads")]
    for idx in (a, b):
        with unit_of_work(engine) as s:
            got = consent.decide(session=s, actor=SYSTEM, platform_id=world.big_id,
                                 requests=req, index=idx)
            assert got[0].decision.allowed
    with unit_of_work(engine) as s:
        consent.withdraw_consent(session=s, actor=SYSTEM, platform_id=world.big_id,
                                 consent_id=cid, data=WithdrawIn(evidence="x"))
    with unit_of_work(engine) as s:
        got = consent.decide(session=s, actor=SYSTEM, platform_id=world.big_id, requests=req,
                             index=b)
    assert got[0].decision.reason.value == "consent_withdrawn"


def test_roles(client: TestClient, world: World, services: list[str]) -> None:
    body = {"person_ref": "u", "services": ["mall", "pay"], "purpose": "ads"}
    assert client.post(url(world, "/consent/decide"), headers=world.auth("moderator"),
                       json=body).status_code == 403
    assert client.post(url(world, "/consent/decide"), headers=world.auth("api_client", True),
                       json=body).status_code == 403  # scoped to the other platform


def test_unconsented_merges_are_kept_as_reported(client: TestClient, world: World,
                                                 engine: Engine, co: dict[str, str],
                                                 services: list[str]) -> None:
    refused = decide(client, world, "nobody")
    assert not refused["allowed"]
    client.post(url(world, "/consent/consents"), headers=world.auth("api_client"),
                json=consent_body())
    allowed = decide(client, world)
    assert allowed["allowed"]
    body = {"services": ["mall", "pay"], "purpose": "ads", "persons": 1200,
            "source": "internal_audit", "description": "营销库按手机号关联了支付流水",
            "remediation": "已删除关联表", "decision_id": refused["id"],
            "found_at": "2026-11-30T10:00:00+08:00"}
    path = url(world, "/consent/unconsented-merges")
    for bad, field in (({"services": ["mall", "games"]}, "services.1"),
                       ({"services": ["mall", "mall"]}, "services.1"),
                       ({"source": "rumour"}, "source"),
                       ({"persons": 0}, "persons"),
                       ({"decision_id": allowed["id"]}, "decision_id"),
                       ({"decision_id": "no-such-decision"}, "decision_id"),
                       ({"found_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
                        "found_at"),
                       ({"merged_at": "2026-12-01T00:00:00+08:00"}, "merged_at")):
        r = client.post(path, headers=co, json={**body, **bad})
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["error"]["details"]["field"] == field, (bad, r.json())
    assert client.post(path, headers=world.auth("auditor"), json=body).status_code == 403
    assert client.get(path, headers=co).json()["total"] == 0  # nothing kept from the refusals
    r = client.post(path, headers=co, json=body)
    assert r.status_code == 201, r.text
    got = client.get(path, headers=world.auth("auditor")).json()
    assert got["total"] == 1 and got["items"][0]["persons"] == 1200
    assert got["items"][0]["reported_by"] == "u-compliance-officer"
    assert datetime.fromisoformat(got["items"][0]["found_at"]) == datetime(
        2026, 11, 30, 2, 0, tzinfo=UTC)
