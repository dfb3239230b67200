"""Enforcement requests (指南 第三十四条): the request with its scope and deadline, the export
produced by the scoped query (this platform's records only), its SHA-256 on the ledger's
outbox, every read kept, and a retention hold that stops the ledger's erasure until the
request is closed; the checks on planted data."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from tests.conftest import World
from tests.governance.conftest import no_data, run, url
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.governance import checks
from zeren.governance import schemas as gs
from zeren.governance.services import enforcement
from zeren.ledger.outbox import T as OUTBOX
from zeren.posture.domain import Status
from zeren.posture.plugins import all_checks
from zeren.timepolicy import BEIJING


def _order(pid: str, order_id: str) -> dict[str, object]:
    return {"platform_id": pid, "order_id": order_id, "merchant_id": "m-9",
            "items": [{"sku": "T-1", "title": "龙井 250g", "unit_price": "120.00",
                       "quantity": 1}],
            "total_amount": "120.00", "paid_amount": "120.00",
            "placed_at": "2019-03-01T10:00:00+08:00", "completed_at": "2019-03-05T10:00:00+08:00",
            "buyer": {"buyer_ref": "b-1", "phone": "13900000000"}}


def test_registered_with_their_obligations() -> None:
    got = {c.key: c.obligations for c in all_checks()}
    assert got["governance.art34.enforcement_answered"] == ("art34.enforcement_cooperation",)
    assert got["governance.art34.records_held"] == ("art34.data_retention",)


def test_request_export_hold_and_erasure(client: TestClient, engine: Engine, world: World
                                         ) -> None:
    admin, co = world.auth("admin"), world.auth("compliance_officer")
    old = client.post("/api/v1/orders", headers=admin, json=_order(world.big_id, "E-1")).json()
    client.post("/api/v1/orders", headers=admin, json=_order(world.small_id, "E-9"))
    body = {"authority": "某市公安局", "document_number": "公（经）调证字〔2026〕88号",
            "legal_basis": "刑事诉讼法 第五十四条", "dataset": "ledger_records",
            "since": "2019-01-01T00:00:00+08:00", "until": "2020-01-01T00:00:00+08:00",
            "subject_prefix": f"order:{world.big_id}:", "received_on": "2026-03-02",
            "deadline": "2026-03-01"}
    base = url(world, "/enforcement")
    r = client.post(base, headers=co, json=body)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "deadline"
    r = client.post(base, headers=co, json={**body, "deadline": "2026-03-09",
                                            "subject_prefix": f"order:{world.small_id}:"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "subject_prefix"
    r = client.post(base, headers=co, json={**body, "deadline": "2026-03-09",
                                            "dataset": "everything"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "dataset"
    assert client.get(base, headers=co).json()["total"] == 0
    r = client.post(base, headers=co, json={**body, "deadline": "2026-03-09"})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    holds = client.get(url(world, "/holds"), headers=co).json()
    assert len(holds) == 1 and holds[0]["subject_prefix"] == f"order:{world.big_id}:"
    # the order's retention ran in 2022, but the hold stops its erasure
    erase = {"log": old["log"], "index": old["index"], "legal_basis": "个人信息保护法 第四十七条",
             "approver": "dpo@example"}
    r = client.post("/api/v1/ledger/erasures", headers=co, json=erase)
    assert r.status_code == 409 and "retention hold" in r.json()["error"]["message"]
    assert r.json()["error"]["details"]["holds"]
    # the export: only the platform's own orders; an auditor reads the register, not the data
    assert client.post(f"{base}/{rid}/exports",
                       headers=world.auth("auditor")).status_code == 403
    r = client.post(f"{base}/{rid}/exports", headers=co)
    assert r.status_code == 201, r.text
    exp = r.json()
    assert exp["rows"] == 1
    r = client.post(url(world, f"/enforcement/exports/{exp['id']}/read"), headers=co,
                    json={"purpose": "移交前复核"})
    assert r.status_code == 200
    content = r.json()["content"]
    assert f"order:{world.big_id}:E-1" in content and world.small_id not in content
    assert hashlib.sha256(content.encode()).hexdigest() == exp["sha256"]
    with unit_of_work(engine) as s:
        logged = [row.record for row in s.execute(
            select(OUTBOX.c.record).where(OUTBOX.c.record_class == "enforcement_export"))]
        reads = enforcement.accesses(session=s, actor=SYSTEM, platform_id=world.big_id,
                                     export_id=exp["id"])
    assert [x["sha256"] for x in logged] == [exp["sha256"]]
    assert [(a.accessed_by, a.purpose) for a in reads] == [("u-compliance-officer", "移交前复核")]
    # closing releases the hold; erasure then goes through
    r = client.post(f"{base}/{rid}/close", headers=co)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert client.get(url(world, "/holds"), headers=co).json() == []
    r = client.post("/api/v1/ledger/erasures", headers=co, json=erase)
    assert r.status_code == 201, r.text


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BEIJING)


def test_checks_on_planted_requests(engine: Engine, world: World) -> None:
    received, deadline = date(2026, 3, 2), date(2026, 3, 9)
    assert no_data(run(engine, world, checks.enforcement_answered, _at(received)))
    assert no_data(run(engine, world, checks.records_held, _at(received)))
    data = gs.EnforcementIn(authority="某市市场监管局", document_number="市监调〔2026〕3号",
                            legal_basis="行政处罚法 第五十五条", dataset="audit_events",
                            since=_at(date(2026, 1, 1)), until=_at(date(2026, 3, 1)),
                            received_on=received, deadline=deadline)
    with unit_of_work(engine) as s:
        rid = enforcement.record_request(session=s, actor=SYSTEM, platform_id=world.big_id,
                                         data=data, now=_at(received)).id
    # near miss: open on the deadline day is not yet overdue; the day after it is
    assert no_data(run(engine, world, checks.enforcement_answered, _at(deadline, 23)))
    got = run(engine, world, checks.enforcement_answered, _at(deadline + timedelta(days=1), 0))
    assert got.status is Status.UNMET and got.inputs["overdue_ids"] == [rid]
    with unit_of_work(engine) as s:
        enforcement.produce_export(session=s, actor=SYSTEM, platform_id=world.big_id,
                                   request_id=rid, now=_at(deadline))
    got = run(engine, world, checks.enforcement_answered, _at(deadline + timedelta(days=1)))
    assert got.status is Status.MET and got.seen == 1
    # a ledger-records request recorded without a hold: its records are not held
    with unit_of_work(engine) as s:
        enforcement.record_request(
            session=s, actor=SYSTEM, platform_id=world.big_id, now=_at(received),
            data=gs.EnforcementIn(**{**data.model_dump(), "dataset": "ledger_records",
                                     "subject_prefix": f"order:{world.big_id}:",
                                     "hold": False}))
    assert run(engine, world, checks.records_held, _at(received)).status is Status.UNMET
    with unit_of_work(engine) as s:
        enforcement.record_request(
            session=s, actor=SYSTEM, platform_id=world.small_id, now=_at(received),
            data=gs.EnforcementIn(**{**data.model_dump(), "dataset": "ledger_records",
                                     "subject_prefix": f"order:{world.small_id}:"}))
    got = run(engine, world, checks.records_held, _at(received), world.small_id)
    assert got.status is Status.MET and got.seen == 1
