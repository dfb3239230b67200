"""The register and the dispatch log through the API and the CLI: identities sealed in the
ledger, batches and CSV files all or nothing, bad input refused with the field named and
nothing written, and the weekly report by rule and by worker."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.conftest import World
from zeren.db.session import unit_of_work
from zeren.ledger.outbox import open_personal
from zeren.workers.models import LogSegment, Worker


def base(world: World) -> str:
    return f"/api/v1/platforms/{world.big_id}/workers"


def segment(worker: str, start: str, end: str, pay: int = 5000) -> dict[str, object]:
    return {"worker_id": worker, "starts_at": start, "ends_at": end, "state": "delivering",
            "orders": 2, "pay_fen": pay}


def count(engine: Engine) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(LogSegment)) or 0)


def field(r: object) -> str:
    return r.json()["error"]["details"]["field"]  # type: ignore[attr-defined, no-any-return]


def test_register_seals_identity(client: TestClient, world: World, engine: Engine) -> None:
    co = world.auth("compliance_officer")
    body = {"workers": [{"worker_id": "R1", "kind": "rider", "city": "beijing",
                         "personal": {"name": "王小明", "phone": "13800000000"}},
                        {"worker_id": "R2", "kind": "driver", "city": "shanghai"}]}
    for bad, where in (({"kind": "astronaut"}, "workers.0.kind"),
                       ({"city": "atlantis"}, "workers.0.city")):
        r = client.post(base(world), headers=co,
                        json={"workers": [{**body["workers"][0], **bad}]})  # type: ignore[dict-item]
        assert r.status_code == 422 and field(r) == where, r.text
    r = client.post(base(world), headers=co, json=body)
    assert r.status_code == 201 and r.json() == {"registered": 2}
    r = client.post(base(world), headers=co, json={"workers": [body["workers"][1]]})
    assert r.status_code == 422 and field(r) == "workers.0.worker_id"
    got = client.get(base(world), headers=co).json()
    assert [w["worker_ref"] for w in got["items"]] == ["R1", "R2"]
    with unit_of_work(engine) as s:
        w = s.scalars(select(Worker).where(Worker.worker_ref == "R1")).one()
        assert w.personal_ref and "王小明" not in repr(w.__dict__)
        assert open_personal(session=s, pd_id=w.personal_ref)["name"] == "王小明"
    assert client.get(base(world), headers=world.auth("moderator")).status_code == 403


def test_log_bad_input_writes_nothing(client: TestClient, world: World,
                                      engine: Engine) -> None:
    co = world.auth("compliance_officer")
    client.post(base(world), headers=co, json={"workers": [
        {"worker_id": "R1", "kind": "rider", "city": "beijing"}]})
    ok = segment("R1", "2026-11-23T09:00:00+08:00", "2026-11-23T10:00:00+08:00")
    cases = [
        ([segment("R1", "2026-11-23T09:00:00", "2026-11-23T10:00:00+08:00")],
         "segments.0.starts_at"),
        ([ok, segment("R1", "2026-11-23T09:30:00+08:00", "2026-11-23T11:00:00+08:00")],
         "segments.1.starts_at"),
        ([ok, segment("R9", "2026-11-23T09:00:00+08:00", "2026-11-23T10:00:00+08:00")],
         "segments.1.worker_id"),
        ([segment("R1", "2026-11-23T10:00:00+08:00", "2026-11-23T09:00:00+08:00")],
         "segments.0.ends_at"),
        ([segment("R1", "2026-11-23T10:00:00+08:00", "2026-11-25T09:00:00+08:00")],
         "segments.0.ends_at"),
        ([{**ok, "state": "sleeping"}], "segments.0.state"),
    ]
    for segs, where in cases:
        r = client.post(f"{base(world)}/log", headers=co, json={"segments": segs})
        assert r.status_code == 422 and field(r) == where, (where, r.text)
    assert count(engine) == 0
    r = client.post(f"{base(world)}/log", headers=co, json={"segments": [ok]})
    assert r.status_code == 201 and r.json()["rows"] == 1 and len(r.json()["sha256"]) == 64
    # overlapping what is already stored (same worker, another zone written for the same time)
    r = client.post(f"{base(world)}/log", headers=co, json={"segments": [
        segment("R1", "2026-11-23T02:30:00+01:00", "2026-11-23T03:30:00+01:00")]})
    assert r.status_code == 422 and field(r) == "segments.0.starts_at"
    assert "already stored" in r.json()["error"]["message"]
    assert count(engine) == 1


def test_csv_import_and_report(client: TestClient, world: World, engine: Engine) -> None:
    co = world.auth("compliance_officer")
    client.post(base(world), headers=co, json={"workers": [
        {"worker_id": "R1", "kind": "rider", "city": "beijing"},
        {"worker_id": "R2", "kind": "rider", "city": "beijing"}]})
    head = "worker_id,starts_at,ends_at,state,orders,pay_cny\n"
    bad = head + "R1,2026-11-23T09:00:00+08:00,2026-11-23T10:00:00+08:00,delivering,1,12.345\n"
    r = client.post(f"{base(world)}/log/file", headers=co,
                    files={"file": ("log.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422 and field(r) == "segments.0.pay_cny"
    rows = [f"R1,2026-11-2{k}T08:00:00+08:00,2026-11-2{k}T17:00:00+08:00,delivering,30,400.00"
            for k in range(3, 6)]  # 9 h a day, no pause
    rows.append("R2,2026-11-23T09:00:00+08:00,2026-11-23T10:00:00+08:00,waiting,0,0")
    r = client.post(f"{base(world)}/log/file", headers=co,
                    files={"file": ("log.csv", (head + "\n".join(rows)).encode(), "text/csv")})
    assert r.status_code == 201 and r.json()["rows"] == 4 and r.json()["source"] == "log.csv"
    r = client.get(f"{base(world)}/report", headers=co,
                   params={"from": "2026-11-24", "weeks": 1})
    assert r.status_code == 422 and field(r) == "from"
    got = client.get(f"{base(world)}/report", headers=co,
                     params={"from": "2026-11-23", "weeks": 1}).json()
    rules = {x["rule"]: x for x in got["rules"]}
    assert rules["daily_order_time"]["breaches"] == 3
    assert rules["continuous_work"]["workers_breaching"] == 1
    assert rules["minimum_pay"]["breaches"] == 1  # R2: an hour waiting, unpaid
    assert got["by_worker"] == {"R1": 6, "R2": 1} and got["findings_total"] == 7
    assert got["findings"][0] == {"worker_id": "R1", "rule": "daily_order_time",
                                  "day": "2026-11-23", "value": 9 * 3600, "limit": 8 * 3600,
                                  "unit": "seconds"}
    assert got["workers_active"] == 2 and got["segments"] == 4
