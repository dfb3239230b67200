"""The organisation registry (Art 4, Art 5): departments, people with contacts and the duties
they hold, each write refused with the field on bad input, audited, scoped to the platform,
and listed a page at a time with the total."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.org import service
from zeren.org.domain import vocabulary
from zeren.platforms.service import get_platform

API = "/api/v1"


def org(world: World, pid: str | None = None) -> str:
    return f"{API}/platforms/{pid or world.small_id}/org"


def test_vocabulary_names_the_articles() -> None:
    v = vocabulary()
    assert v["duties"]["data_security_officer"]["article"] == 4
    assert v["duties"]["compliance_head"]["article"] == 5
    assert all(k["zh"] and k["en"] for k in v["department_kinds"].values())


def test_department_person_duty_round_trip(client: TestClient, world: World) -> None:
    h = world.auth("compliance_officer")
    d = client.post(f"{org(world)}/departments", headers=h,
                    json={"name": "合规部", "kind": "compliance", "mandate": "合规管理"})
    assert d.status_code == 201, d.text
    p = client.post(f"{org(world)}/people", headers=h,
                    json={"name": "张三", "title": "合规总监", "department_id": d.json()["id"],
                          "email": "zhang@example.com", "phone": "+86 138-0000-0000"})
    assert p.status_code == 201, p.text
    duty = client.post(f"{org(world)}/duties", headers=h,
                       json={"person_id": p.json()["id"], "duty": "compliance_head",
                             "since": date.today().isoformat()})
    assert duty.status_code == 201 and duty.json()["until"] is None
    people = client.get(f"{org(world)}/people", headers=world.auth("auditor")).json()
    assert people["total"] == 1 and people["items"][0]["name"] == "张三"
    trail = client.get(f"{API}/audit/events", headers=world.auth("auditor")).json()["items"]
    assert {"org.department.create", "org.person.create", "org.duty.assign"} <= {
        e["action"] for e in trail}


@pytest.mark.parametrize(("path", "body", "field"), [
    ("departments", {"name": "x", "kind": "marketing"}, "kind"),
    ("departments", {"name": "  ", "kind": "legal"}, "name"),
    ("people", {"name": "李四", "email": "not-an-address"}, "email"),
    ("people", {"name": "李四", "phone": "call me"}, "phone"),
    ("people", {"name": "李四", "department_id": "nope"}, "department_id"),
    ("duties", {"person_id": "nope", "duty": "legal_guru", "since": "2026-01-01"}, "duty"),
])
def test_bad_input_names_the_field(client: TestClient, world: World, path: str,
                                   body: dict[str, str], field: str) -> None:
    r = client.post(f"{org(world)}/{path}", headers=world.auth("compliance_officer"), json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"]["field"] == field


def test_a_person_of_another_platform_cannot_hold_a_duty_here(client: TestClient,
                                                              world: World) -> None:
    h = world.auth("compliance_officer")
    p = client.post(f"{org(world, world.big_id)}/people", headers=h, json={"name": "王五"})
    r = client.post(f"{org(world)}/duties", headers=h,
                    json={"person_id": p.json()["id"], "duty": "compliance_head",
                          "since": "2026-01-01"})
    assert r.status_code == 404 and r.json()["error"]["details"]["field"] == "person_id"


def test_writes_need_org_write_on_that_platform(client: TestClient, world: World) -> None:
    body = {"name": "审核部", "kind": "content_review"}
    assert client.post(f"{org(world)}/departments", headers=world.auth("auditor"),
                       json=body).status_code == 403
    scoped = world.auth("compliance_officer", scoped=True)
    assert client.post(f"{org(world, world.big_id)}/departments", headers=scoped,
                       json=body).status_code == 403
    assert client.post(f"{org(world)}/departments", headers=scoped,
                       json=body).status_code == 201


def test_pages_carry_the_total(client: TestClient, world: World) -> None:
    h = world.auth("compliance_officer")
    for i in range(5):
        assert client.post(f"{org(world)}/departments", headers=h,
                           json={"name": f"部门{i}", "kind": "other"}).status_code == 201
    page = client.get(f"{org(world)}/departments", params={"offset": 3, "limit": 1},
                      headers=h).json()
    assert page["total"] == 5 and [d["name"] for d in page["items"]] == ["部门3"]


def test_holders_on_a_day(engine: Engine, world: World) -> None:
    today = date.today()
    with unit_of_work(engine) as s:
        p = get_platform(session=s, platform_ref=world.small_id)
        a = service.add_person(session=s, actor=SYSTEM, platform=p, data={"name": "赵六"})
        service.assign_duty(session=s, actor=SYSTEM, platform=p, person_id=a.id,
                            duty="data_security_officer", since=today)
        assert [x.name for x in service.holders(session=s, platform_id=p.id,
                                                duty="data_security_officer", on=today)] == ["赵六"]
        assert service.holders(session=s, platform_id=p.id, duty="data_security_officer",
                               on=today - timedelta(days=1)) == []
        assert service.holders(session=s, platform_id=p.id, duty="compliance_head",
                               on=today) == []
