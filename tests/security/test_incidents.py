"""Incidents, clocks and reports over HTTP: a 较大 incident reported on time and one late,
the late one refused until the delay has its reason; grades the figures contradict refused;
supplements and the summary; breaches with their notices."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from tests.conftest import World
from zeren.db.session import unit_of_work
from zeren.security.models import Incident, Report


def url(world: World, path: str) -> str:
    return f"/api/v1/platforms/{world.big_id}/security{path}"


def incident(detected: datetime, **kw: Any) -> dict[str, Any]:
    return {"title": "会员库异常导出", "category": "数据泄露", "grade": "relatively_major",
            "reporting_party": "other", "occurred_at": (detected - timedelta(hours=1)).isoformat(),
            "detected_at": detected.isoformat(), "criteria": {"pi_leaked_persons": 1_200_000},
            "impact": "约 120 万会员手机号可能外泄", "measures": "封禁接口，重置密钥", **kw}


ANSWERS = {"reporter": "周敏 0571-8888 6000"}


def test_bad_incidents_are_refused(client: TestClient, world: World, engine: Engine) -> None:
    co = world.auth("compliance_officer")
    now = datetime.now(UTC)
    body = incident(now)
    del body["grade"]
    r = client.post(url(world, "/incidents"), headers=co, json=body)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "grade"
    r = client.post(url(world, "/incidents"), headers=co, json=incident(now, grade="严重"))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "grade"
    r = client.post(url(world, "/incidents"), headers=co, json=incident(now, grade="general"))
    assert r.status_code == 422 and "1,200,000" in r.json()["error"]["message"]
    r = client.post(url(world, "/incidents"), headers=co,
                    json=incident(now, reporting_party="bank"))
    assert r.json()["error"]["details"]["field"] == "reporting_party"
    r = client.post(url(world, "/incidents"), headers=co,
                    json={**incident(now), "detected_at": "2026-03-01 10:00"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "detected_at"
    r = client.post(url(world, "/incidents"), headers=co,
                    json={**incident(now), "detected_at": "not a time"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "detected_at"
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 0


def test_on_time_and_late(client: TestClient, world: World, engine: Engine) -> None:
    co = world.auth("compliance_officer")
    now = datetime.now(UTC)
    # found 30 minutes ago, given in UTC-7: due 4 hours after, whatever the zone
    found = (now - timedelta(minutes=30)).astimezone(timezone(timedelta(hours=-7)))
    r = client.post(url(world, "/incidents"), headers=co, json=incident(found))
    assert r.status_code == 201, r.text
    on_time = r.json()
    due = datetime.fromisoformat(on_time["first_report_due"])
    assert due == found + timedelta(hours=4)
    clock = on_time["clocks"]["first_report"]
    assert clock["state"] == "running" and 3 * 3600 < clock["seconds_left"] <= 3.5 * 3600
    draft = client.get(url(world, f"/incidents/{on_time['id']}/reports/draft"), headers=co,
                       params={"kind": "first"}).json()
    assert draft["missing"] == ["system_name", "mlps_level", "reporter"]
    r = client.post(url(world, f"/incidents/{on_time['id']}/reports"), headers=co,
                    json={"kind": "first", "answers": ANSWERS})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["missing"] == ["system_name", "mlps_level"]
    client.post(url(world, "/systems"), headers=co,
                json={"code": "crm", "name": "会员系统", "mlps_level": 3})
    r = client.post(url(world, "/incidents"), headers=co,
                    json=incident(found, system_code="crm", title="会员系统撞库"))
    on_time = r.json()
    r = client.post(url(world, f"/incidents/{on_time['id']}/reports"), headers=co,
                    json={"kind": "first", "answers": ANSWERS})
    assert r.status_code == 201, r.text
    assert r.json()["late"] is False
    got = client.get(url(world, f"/incidents/{on_time['number']}"), headers=co).json()
    assert got["clocks"]["first_report"]["state"] == "on_time"

    # found 5 hours ago: overdue; a report without a reason is refused and nothing is kept
    late = client.post(url(world, "/incidents"), headers=co, json=incident(
        now - timedelta(hours=5), system_code="crm", title="支付回调被篡改")).json()
    assert late["clocks"]["first_report"]["state"] == "overdue"
    r = client.post(url(world, f"/incidents/{late['id']}/reports"), headers=co,
                    json={"kind": "first", "answers": ANSWERS})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "delay_reason"
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Report)
                        .where(Report.incident_id == late["id"])) == 0
    r = client.post(url(world, f"/incidents/{late['id']}/reports"), headers=co,
                    json={"kind": "first", "answers": ANSWERS,
                          "delay_reason": "夜间值班未及时识别为较大事件"})
    assert r.status_code == 201 and r.json()["late"] is True
    got = client.get(url(world, f"/incidents/{late['id']}"), headers=co).json()
    assert got["clocks"]["first_report"]["state"] == "late"

    # supplement, handled, summary; export
    r = client.post(url(world, f"/incidents/{late['id']}/reports"), headers=co,
                    json={"kind": "summary", "answers": ANSWERS})
    assert r.status_code == 409
    r = client.post(url(world, f"/incidents/{late['id']}/facts"), headers=co,
                    json={"cause": "第三方 SDK 密钥泄露", "note": "定位原因"})
    assert r.status_code == 200
    r = client.post(url(world, f"/incidents/{late['id']}/reports"), headers=co, json={
        "kind": "supplement", "answers": {**ANSWERS, "progress": "已修复",
                                          "next_steps": "全量排查"}})
    assert r.status_code == 201, r.text
    r = client.post(url(world, f"/incidents/{late['id']}/handled"), headers=co, json={})
    summary_due = datetime.fromisoformat(r.json()["summary_due"])
    assert summary_due - datetime.fromisoformat(r.json()["handled_at"]) > timedelta(days=30)
    r = client.post(url(world, f"/incidents/{late['id']}/reports"), headers=co, json={
        "kind": "summary", "answers": {**ANSWERS, "accountability": "通报批评",
                                       "remediation": "密钥托管", "lessons": "SDK 管理"}})
    assert r.status_code == 201, r.text
    txt = client.get(url(world, f"/reports/{r.json()['id']}/export"), headers=co)
    assert "总结报告" in txt.text and "第三方 SDK 密钥泄露" in txt.text
    kinds = [e["kind"] for e in client.get(url(world, f"/incidents/{late['id']}/timeline"),
                                           headers=co).json()]
    assert kinds == ["opened", "report_first", "updated", "report_supplement", "handled",
                     "report_summary"]
    assert client.get(url(world, f"/incidents/{late['id']}"),
                      headers=co).json()["status"] == "closed"


def test_a_time_without_offset_is_beijing_wall_time(client: TestClient, world: World) -> None:
    co = world.auth("compliance_officer")
    body = incident(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    body.update(occurred_at="2026-03-01T16:00:00", detected_at="2026-03-01T17:00:00")
    r = client.post(url(world, "/incidents"), headers=co, json=body)
    assert r.status_code == 201, r.text
    assert datetime.fromisoformat(r.json()["detected_at"]) == datetime(2026, 3, 1, 9, 0,
                                                                        tzinfo=UTC)
    assert datetime.fromisoformat(r.json()["first_report_due"]) == datetime(
        2026, 3, 1, 13, 0, tzinfo=UTC)


def test_regrade_starts_the_clock_from_detection(client: TestClient, world: World) -> None:
    co = world.auth("compliance_officer")
    found = datetime.now(UTC) - timedelta(hours=2)
    inc = client.post(url(world, "/incidents"), headers=co, json=incident(
        found, grade="general", criteria={})).json()
    assert inc["first_report_due"] is None and not inc["reportable"]
    r = client.post(url(world, f"/incidents/{inc['id']}/grade"), headers=co, json={
        "grade": "较大", "criteria": {"pi_leaked_persons": 1_500_000},
        "grade_rationale": "核实泄露人数"})
    assert r.status_code == 200
    assert datetime.fromisoformat(r.json()["first_report_due"]) == found + timedelta(hours=4)


def test_breach_notices(client: TestClient, world: World) -> None:
    co = world.auth("compliance_officer")
    inc = client.post(url(world, "/incidents"), headers=co,
                      json=incident(datetime.now(UTC) - timedelta(minutes=10))).json()
    body = {"incident_id": inc["id"], "pi_types": ["手机号", "收货地址"],
            "cause": "第三方 SDK 密钥泄露", "persons_affected": 1_200_000,
            "discovered_at": datetime.now(UTC).isoformat()}
    b = client.post(url(world, "/breaches"), headers=co, json=body).json()
    assert b["missing_contents"] == ["possible_harm", "remedial_steps", "individual_actions",
                                     "contact"]
    r = client.post(url(world, f"/breaches/{b['id']}/notices/authority"), headers=co,
                    json={"recipient": "浙江省网信办"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "possible_harm"
    b = client.post(url(world, "/breaches"), headers=co, json={
        **body, "possible_harm": "骚扰电话、诈骗", "remedial_steps": "已吊销密钥",
        "individual_actions": "警惕自称客服的来电", "contact": "privacy@jingxuan.example"}).json()
    assert b["missing_contents"] == []
    r = client.post(url(world, f"/breaches/{b['id']}/notices/authority"), headers=co,
                    json={"recipient": "浙江省网信办"})
    assert r.status_code == 201, r.text
    for c in ("发生或者可能发生泄露、篡改、丢失的个人信息种类", "原因", "可能造成的危害",
              "补救措施", "减轻危害", "联系方式"):
        assert c in r.json()["text"]
    people = "person_ref,contact\nu1,13800000001\nu2,13800000002\n"
    r = client.post(url(world, f"/breaches/{b['id']}/notices/individuals"), headers=co,
                    files={"file": ("list.csv", people.encode(), "text/csv")})
    assert r.status_code == 201, r.text
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    assert [x["person_ref"] for x in rows] == ["u1", "u2"]
    assert "警惕自称客服的来电" in rows[0]["message"]
    assert r.headers["X-Zeren-Recipients"] == "2"
    notices = client.get(url(world, f"/breaches/{b['id']}/notices"), headers=co).json()
    assert [n["audience"] for n in notices] == ["authority", "individuals"]
    assert notices[1]["file_sha256"] and notices[1]["recipients"] == 2


def test_lists_page_in_sql(app: Any, client: TestClient, world: World) -> None:
    """Incidents and breaches are paged in SQL with their total, in as many statements for
    two rows as for eight."""
    from tests.test_list_queries import statements

    co = world.auth("compliance_officer")
    now = datetime.now(UTC)

    def make(i: int) -> None:
        inc = client.post(url(world, "/incidents"), headers=co, json=incident(
            now - timedelta(minutes=i), title=f"事件 {i}")).json()
        r = client.post(url(world, "/breaches"), headers=co, json={
            "incident_id": inc["id"], "pi_types": ["手机号码"], "persons_affected": 10 + i,
            "discovered_at": now.isoformat()})
        assert r.status_code == 201, r.text

    for path in ("/incidents", "/breaches"):
        counts = []
        for n in (2, 6):
            for i in range(n):
                make(len(counts) * 10 + i)
            counts.append(statements(app, client, url(world, path), co))
        assert counts[0] == counts[1], (path, counts)
    page = client.get(url(world, "/incidents"), headers=co, params={"limit": 3, "offset": 2})
    assert page.status_code == 200
    assert page.json()["total"] == 16 and len(page.json()["items"]) == 3
    assert page.json()["items"][0]["clocks"]["first_report"]["state"] == "running"
    breaches = client.get(url(world, "/breaches"), headers=co, params={"limit": 5}).json()
    assert breaches["total"] == 16 and len(breaches["items"]) == 5
    assert "contact" in breaches["items"][0]["missing_contents"]
