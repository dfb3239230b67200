"""The compliance programme (指南 第五条) through the API and on planted data: policies
reviewed on time, regulators' requests answered by the due day, training completion per duty
from a CSV import (all or nothing), the integrity channel, the compliance department."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.governance.conftest import no_data, people, run, url
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.governance import checks
from zeren.governance import domain as d
from zeren.governance import schemas as gs
from zeren.governance.services import compliance
from zeren.posture.domain import Status
from zeren.timepolicy import BEIJING


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BEIJING)


def test_policies_reviewed(client: TestClient, engine: Engine, world: World,
                           co: dict[str, str]) -> None:
    start = date(2026, 1, 5)
    assert no_data(run(engine, world, checks.policies_reviewed, _at(start)))
    body = {"code": "ABC-1", "title": "反商业贿赂制度", "owner": "合规部", "text": "第一条……",
            "effective_on": start.isoformat()}
    r = client.post(url(world, "/policies"), headers=co, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1 and len(r.json()["sha256"]) == 64
    assert client.post(url(world, "/policies"), headers=co, json=body).status_code == 409
    due = start + timedelta(days=d.policy_review_days())
    assert r.json()["review_due_on"] == due.isoformat()
    # near miss: met on the due day, unmet the day after
    got = run(engine, world, checks.policies_reviewed, _at(due))
    assert got.status is Status.MET and got.seen == 1
    got = run(engine, world, checks.policies_reviewed, _at(due + timedelta(days=1)))
    assert got.status is Status.UNMET and got.inputs["overdue_codes"] == ["ABC-1"]
    # a review restarts the clock; a review before the last one is refused
    r = client.post(url(world, "/policies/ABC-1/reviews"), headers=co,
                    json={"reviewed_on": "2025-12-01"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "reviewed_on"
    r = client.post(url(world, "/policies/ABC-1/versions"), headers=co,
                    json={"text": "第一条（修订）", "effective_on": "2026-06-01"})
    assert r.status_code == 201 and r.json()["version"] == 2
    hist = client.get(url(world, "/policies/ABC-1/history"), headers=co).json()
    assert [(e["kind"], e["version"]) for e in hist] == [("version", 1), ("version", 2)]


def test_regulator_requests(client: TestClient, engine: Engine, world: World,
                            co: dict[str, str]) -> None:
    body = {"authority": "市场监管总局", "reference": "市监竞争函〔2026〕12号",
            "subject": "提供平台规则修订说明", "received_on": "2026-05-01", "due_on": "2026-04-30"}
    r = client.post(url(world, "/regulator-requests"), headers=co, json=body)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "due_on"
    r = client.post(url(world, "/regulator-requests"), headers=co,
                    json={**body, "due_on": "2026-05-15", "channel": "carrier-pigeon"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "channel"
    assert client.get(url(world, "/regulator-requests"), headers=co).json()["total"] == 0
    assert no_data(run(engine, world, checks.regulator_requests, _at(date(2026, 5, 2))))
    r = client.post(url(world, "/regulator-requests"), headers=co,
                    json={**body, "due_on": "2026-05-15"})
    assert r.status_code == 201
    rid = r.json()["id"]
    # open, not yet due: no evidence either way; the day after the due day: unmet
    assert no_data(run(engine, world, checks.regulator_requests, _at(date(2026, 5, 15))))
    got = run(engine, world, checks.regulator_requests, _at(date(2026, 5, 16), 0))
    assert got.status is Status.UNMET and got.inputs["overdue_ids"] == [rid]
    r = client.post(url(world, f"/regulator-requests/{rid}/answer"), headers=co,
                    json={"answered_on": "2026-05-15", "answer": "已书面答复"})
    assert r.status_code == 200
    assert client.post(url(world, f"/regulator-requests/{rid}/answer"), headers=co,
                       json={"answered_on": "2026-05-15", "answer": "x"}).status_code == 409
    got = run(engine, world, checks.regulator_requests, _at(date(2026, 5, 20)))
    assert got.status is Status.MET and got.seen == 1
    with unit_of_work(engine) as s:
        late = compliance.record_regulator_request(
            session=s, actor=SYSTEM, platform_id=world.big_id,
            data=gs.RegulatorIn(**{**body, "due_on": date(2026, 5, 15)}))
        compliance.answer_regulator_request(
            session=s, actor=SYSTEM, platform_id=world.big_id, request_id=late.id,
            data=gs.RegulatorAnswerIn(answered_on=date(2026, 5, 16), answer="补充答复"))
    got = run(engine, world, checks.regulator_requests, _at(date(2026, 5, 20)))
    assert got.status is Status.AT_RISK and got.inputs["late_ids"] == [late.id]


def _csv(rows: list[tuple[str, str, str]]) -> bytes:
    return ("person,course,completed_on\n"
            + "".join(f"{a},{b},{c}\n" for a, b, c in rows)).encode("utf-8")


def test_training_import_and_completion(client: TestClient, engine: Engine, world: World,
                                        co: dict[str, str]) -> None:
    today = date.today()
    assert no_data(run(engine, world, checks.training_completion, _at(today)))
    ids = people(engine, world.big_id, 10, duty="compliance_head")
    r = client.post(url(world, "/courses"), headers=co,
                    json={"code": "AC-2026", "title": "反腐败合规培训", "duty": "nobody_holds"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "duty"
    r = client.post(url(world, "/courses"), headers=co,
                    json={"code": "AC-2026", "title": "反腐败合规培训", "duty": "compliance_head",
                          "valid_days": 365})
    assert r.status_code == 201
    day = (today - timedelta(days=10)).isoformat()
    # all or nothing: a bad row names its row and field, and nothing is kept
    bad = _csv([(f"p{i}@example.com", "AC-2026", day) for i in range(8)]
               + [("stranger@example.com", "AC-2026", day)])
    r = client.post(url(world, "/trainings/imports"), headers=co,
                    files={"file": ("t.csv", bad, "text/csv")})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"] == {"field": "person", "row": 10,
                                            "reason": "not on this platform's org registry "
                                                      "(id or e-mail)"}
    bad = _csv([("p0@example.com", "AC-2026", "2026-13-01")])
    r = client.post(url(world, "/trainings/imports"), headers=co,
                    files={"file": ("t.csv", bad, "text/csv")})
    assert r.json()["error"]["details"]["field"] == "completed_on"
    assert no_data(run(engine, world, checks.training_completion, _at(today))) is False
    got = run(engine, world, checks.training_completion, _at(today))
    assert got.status is Status.UNMET and got.seen == 0  # ten holders, nobody trained
    # 8 of 10 (e-mails and one id): below 90 %
    good = _csv([(f"p{i}@example.com", "AC-2026", day) for i in range(7)]
                + [(ids[7], "AC-2026", day)])
    r = client.post(url(world, "/trainings/imports"), headers=co,
                    files={"file": ("t.csv", good, "text/csv")})
    assert r.status_code == 201 and r.json()["rows"] == 8
    r = client.post(url(world, "/trainings/imports"), headers=co,
                    files={"file": ("again.csv", good, "text/csv")})
    assert r.status_code == 409  # the same file twice
    got = run(engine, world, checks.training_completion, _at(today))
    assert got.status is Status.UNMET and got.inputs["missing"]["compliance_head"] == sorted(
        ids[8:])
    # 9 of 10 is exactly the threshold: met
    r = client.post(url(world, "/trainings/imports"), headers=co,
                    files={"file": ("t2.csv", _csv([("p8@example.com", "AC-2026", day)]),
                                    "text/csv")})
    assert r.status_code == 201
    got = run(engine, world, checks.training_completion, _at(today))
    assert got.status is Status.MET and got.seen == 9
    comp = client.get(url(world, "/trainings/completion"), headers=co).json()
    assert comp == [{"duty": "compliance_head", "holders": 10, "completed": 9, "share": 0.9,
                     "threshold": d.training_threshold(), "missing": [ids[9]]}]
    # a completion older than the course's validity no longer counts
    later = today + timedelta(days=356)
    assert run(engine, world, checks.training_completion, _at(later)).status is Status.UNMET


def test_integrity_channel(client: TestClient, engine: Engine, world: World,
                           co: dict[str, str]) -> None:
    now = datetime.now(BEIJING)
    assert no_data(run(engine, world, checks.integrity_channel, now))
    front = world.auth("api_client")
    r = client.post(url(world, "/integrity/cases"), headers=front,
                    json={"kind": "bribery", "summary": "采购经理收受供应商礼金",
                          "anonymous": False})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "reporter_contact"
    r = client.post(url(world, "/integrity/cases"), headers=front,
                    json={"kind": "bribery", "summary": "采购经理收受供应商礼金"})
    assert r.status_code == 201 and r.json()["reference"].startswith("IC-")
    assert set(r.json()) == {"reference", "received_at"}
    # the auditor reads every register but not the confidential cases
    assert client.get(url(world, "/integrity/cases"),
                      headers=world.auth("auditor")).status_code == 403
    assert client.get(url(world, "/integrity/cases"), headers=front).status_code == 403
    cases = client.get(url(world, "/integrity/cases"), headers=co).json()
    assert cases["total"] == 1
    cid = cases["items"][0]["id"]
    # no officer on the registry: unmet
    got = run(engine, world, checks.integrity_channel, now)
    assert got.status is Status.UNMET
    people(engine, world.big_id, 1, duty="anti_corruption_officer")
    ack = d.compliance()["integrity_ack_days"]
    # near miss: just inside the days to take a case on it is not late yet; just after, it is
    assert run(engine, world, checks.integrity_channel,
               now + timedelta(days=ack) - timedelta(minutes=5)).status is Status.MET
    assert run(engine, world, checks.integrity_channel,
               now + timedelta(days=ack, minutes=5)).status is Status.UNMET
    assert client.post(url(world, f"/integrity/cases/{cid}/close"), headers=co,
                       json={"outcome": "x"}).status_code == 409
    r = client.post(url(world, f"/integrity/cases/{cid}/acknowledge"), headers=co)
    assert r.status_code == 200 and r.json()["handler"] == "u-compliance-officer"
    got = run(engine, world, checks.integrity_channel, now + timedelta(days=ack + 1))
    assert got.status is Status.MET and got.figures["taken_on_in_time"] == 1
    r = client.post(url(world, f"/integrity/cases/{cid}/close"), headers=co,
                    json={"outcome": "查实，已移送"})
    assert r.status_code == 200 and r.json()["outcome"] == "查实，已移送"
