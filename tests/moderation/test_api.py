"""Moderation through the API: intake and bundling, claims, decisions with statements of
reasons, strikes and the ladder, notices, the change feed, appeals, the sanctions board, and
every kind of bad input the issue names (4xx with the reason, the case unchanged)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.moderation.schemas import SubjectIn
from zeren.moderation.services import clocks, common, subjects

API = "/api/v1"


def report_body(ref: str = "post-1", category: str = "illegal.rumours", **kw: Any
                ) -> dict[str, Any]:
    return {"subject": {"kind": "post", "external_ref": ref, "text": "某地发生大事了",
                        "owner": {"kind": "user", "external_ref": "user-1",
                                  "display_name": "张三", "real_name_verified": True}},
            "category": category, "source": "user", "description": "谣言", **kw}


def file_report(client: TestClient, world: World, **kw: Any) -> dict[str, Any]:
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/reports",
                    headers=world.auth("api_client"), json=report_body(**kw))
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def case(client: TestClient, world: World, case_id: str, role: str = "moderator"
         ) -> dict[str, Any]:
    r = client.get(f"{API}/moderation/cases/{case_id}", headers=world.auth(role))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


LAW = {"kind": "law", "law": "网络信息内容生态治理规定", "article": "Art 6(8)"}


def decide(client: TestClient, world: World, case_id: str, role: str = "moderator",
           **kw: Any) -> Any:
    body = {"decision": "action", "measures": [{"code": "removal"}], "ground": LAW,
            "facts": "帖子散布不实信息", **kw}
    return client.post(f"{API}/moderation/cases/{case_id}/decision", headers=world.auth(role),
                       json=body)


def test_reports_bundle_into_one_case_with_sla_and_priority(client: TestClient,
                                                            world: World) -> None:
    a = file_report(client, world)
    b = file_report(client, world)
    assert a["case_id"] == b["case_id"] and b["bundled"] and not a["bundled"]
    assert a["receipt"] != b["receipt"] and a["receipt"].startswith("R-")
    c = case(client, world, a["case_id"])["case"]
    assert c["report_count"] == 2 and c["severity"] == 3 and c["queue"] == "priority"
    # An authority order on the same subject tightens the deadline and raises priority.
    before_due, before_p = c["sla_due_at"], c["priority"]
    file_report(client, world, source="authority", authority="某市网信办", document_no="网信函〔2026〕12号")
    c2 = case(client, world, a["case_id"])["case"]
    assert c2["report_count"] == 3 and c2["priority"] > before_p
    assert c2["sla_due_at"] < before_due and c2["queue"] == "authority"
    # The follow-up by receipt needs no login.
    r = client.get(f"{API}/moderation/public/receipts/{a['receipt']}")
    assert r.status_code == 200 and r.json()["status"] == "open"


def test_unknown_category_and_authority_without_document(client: TestClient,
                                                         world: World) -> None:
    url = f"{API}/platforms/{world.big_id}/moderation/reports"
    r = client.post(url, headers=world.auth("api_client"), json=report_body(category="nope"))
    assert r.status_code == 422
    assert r.json()["error"]["details"]["field"] == "category"
    r = client.post(url, headers=world.auth("api_client"),
                    json=report_body(source="authority", authority="网信办"))
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "document_no"
    r = client.post(f"{url}/batch", headers=world.auth("api_client"),
                    json={"items": [report_body(), report_body(ref="p2", category="bad")]})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "items[1].category"
    # All or none: the good item of the refused batch was not kept.
    cases = client.get(f"{API}/platforms/{world.big_id}/moderation/cases",
                       headers=world.auth("moderator")).json()["items"]
    assert cases == []


def test_claim_is_exclusive_and_decision_once(client: TestClient, world: World) -> None:
    cid = file_report(client, world)["case_id"]
    r = client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    assert r.status_code == 200 and r.json()["claimed_by"] == "u-moderator"
    second = client.post(f"{API}/moderation/cases/{cid}/claim",
                         headers=world.auth("compliance_officer"))
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_claimed"
    assert case(client, world, cid)["case"]["claimed_by"] == "u-moderator"
    # Someone who does not hold the case cannot decide it.
    r = decide(client, world, cid, role="compliance_officer")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_claimed"
    # Missing ground: refused, nothing changes.
    r = decide(client, world, cid, ground=None)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "ground"
    assert case(client, world, cid)["case"]["status"] == "claimed"
    assert decide(client, world, cid).status_code == 200
    again = decide(client, world, cid)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_decided"
    page = case(client, world, cid)
    assert page["case"]["status"] == "decided"
    # The removal, and the ladder's account measure: 4 strike points passed the first step.
    assert [m["code"] for m in page["measures"]] == ["removal", "restrict_posting"]
    kinds = [e["kind"] for e in page["events"]]
    assert kinds[:2] == ["report", "claim"] and "decision" in kinds and "measure" in kinds


def test_statement_notice_inbox_and_change_feed(client: TestClient, world: World) -> None:
    cid = file_report(client, world)["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    assert decide(client, world, cid,
                  measures=[{"code": "removal"}, {"code": "restrict_posting", "days": 3}]
                  ).status_code == 200
    page = case(client, world, cid)
    removal = next(m for m in page["measures"] if m["code"] == "removal")
    restrict = next(m for m in page["measures"] if m["code"] == "restrict_posting")
    assert restrict["subject_id"] == page["owner"]["id"] and restrict["ends_at"]
    st = client.get(f"{API}/moderation/measures/{removal['id']}/statement",
                    headers=world.auth("auditor")).json()["body"]
    assert st["measure"]["name_zh"] == "信息消除"
    assert st["ground"]["law"] == LAW["law"] and st["category"]["code"] == "illegal.rumours"
    assert st["source_of_detection"]["code"] == "user" and st["automated_detection"] is False
    assert st["automated_decision"] == "not_automated" and "appeal" in st
    notes = client.get(f"{API}/platforms/{world.big_id}/moderation/notices",
                       params={"account_ref": "user-1"}, headers=world.auth("moderator")).json()
    assert {n["title_zh"] for n in notes} >= {"处置通知：信息消除", "处置通知：限制发布"}
    feed = client.get(f"{API}/platforms/{world.big_id}/moderation/measure-changes",
                      headers=world.auth("auditor")).json()
    assert [i["change"] for i in feed["items"]] == ["applied", "applied"]
    more = client.get(f"{API}/platforms/{world.big_id}/moderation/measure-changes",
                      params={"after": feed["next_after"]}, headers=world.auth("auditor")).json()
    assert more["items"] == []


def _decide_new(client: TestClient, world: World, ref: str, role: str = "moderator",
                **kw: Any) -> str:
    cid: str = file_report(client, world, ref=ref, **kw)["case_id"]
    assert client.post(f"{API}/moderation/cases/{cid}/claim",
                       headers=world.auth(role)).status_code == 200
    assert decide(client, world, cid, role=role).status_code == 200
    return cid


def test_strikes_climb_the_ladder(client: TestClient, world: World) -> None:
    # severity 3 → 4 points: the first removal already passes 3 points (restrict_posting),
    # the second passes 6 (suspend_updates).
    _decide_new(client, world, "p-a")
    s = client.get(f"{API}/platforms/{world.big_id}/moderation/strikes",
                   params={"account_ref": "user-1"}, headers=world.auth("moderator")).json()
    assert s["total"] == 4
    _decide_new(client, world, "p-b")
    ms = client.get(f"{API}/platforms/{world.big_id}/moderation/measures",
                    params={"status": "active"}, headers=world.auth("moderator")).json()
    codes = sorted(m["code"] for m in ms)
    assert codes == ["removal", "removal", "restrict_posting", "suspend_updates"]
    ladder = [m for m in ms if m["trigger"] == "ladder"]
    assert {m["decided_by"] for m in ladder} == {"system:ladder"}
    assert all(m["automation"] == "fully" for m in ladder)


def test_appeal_rules_and_overturn(client: TestClient, world: World, engine: Engine) -> None:
    cid = _decide_new(client, world, "p-x")
    m = case(client, world, cid)["measures"][0]
    url = f"{API}/platforms/{world.big_id}/moderation/appeals"
    # Wrong party.
    with unit_of_work(engine) as s:
        subjects.upsert_subjects(session=s, platform_id=world.big_id, now=utcnow(), items=[
            SubjectIn(kind="user", external_ref="someone-else")])
    r = client.post(url, headers=world.auth("api_client"),
                    json={"measure_id": m["id"], "appellant_ref": "someone-else",
                          "grounds": "不是我"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_party"
    r = client.post(url, headers=world.auth("api_client"),
                    json={"measure_id": m["id"], "appellant_ref": "user-1", "grounds": "属实"})
    assert r.status_code == 201, r.text
    appeal = r.json()
    dup = client.post(url, headers=world.auth("api_client"),
                      json={"measure_id": m["id"], "appellant_ref": "user-1", "grounds": "再次"})
    assert dup.status_code == 409
    # The first decider may not decide the appeal.
    r = client.post(f"{API}/moderation/appeals/{appeal['id']}/decision",
                    headers=world.auth("moderator"),
                    json={"outcome": "overturned", "reason": "x"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "same_moderator"
    r = client.post(f"{API}/moderation/appeals/{appeal['id']}/decision",
                    headers=world.auth("compliance_officer"),
                    json={"outcome": "overturned", "reason": "证据不足"})
    assert r.status_code == 200 and r.json()["status"] == "overturned"
    page = case(client, world, cid)
    assert all(x["status"] == "lifted" for x in page["measures"])
    assert "appeal_overturned" in [e["kind"] for e in page["events"]]
    s = client.get(f"{API}/platforms/{world.big_id}/moderation/strikes",
                   params={"account_ref": "user-1"}, headers=world.auth("moderator")).json()
    assert s["total"] == 0
    feed = client.get(f"{API}/platforms/{world.big_id}/moderation/measure-changes",
                      headers=world.auth("auditor")).json()["items"]
    assert [i["change"] for i in feed].count("lifted") == len(page["measures"])
    again = client.post(f"{API}/moderation/appeals/{appeal['id']}/decision",
                        headers=world.auth("admin"), json={"outcome": "upheld", "reason": "y"})
    assert again.status_code == 409


def test_appeal_after_deadline(client: TestClient, world: World, engine: Engine) -> None:
    from zeren.moderation.models import Measure, Subject
    from zeren.moderation.services.appeals import appeal_as_party

    cid = _decide_new(client, world, "p-late")
    m = case(client, world, cid)["measures"][0]
    with unit_of_work(engine) as s:
        acc = s.query(Subject).filter_by(external_ref="user-1").one()
        late = utcnow() + timedelta(days=16)
        with pytest.raises(Exception) as exc:
            appeal_as_party(session=s, actor=common.PUBLIC_ACTOR, measure_id=m["id"], appellant=acc,
                        grounds="晚了", now=late)
        assert getattr(exc.value, "code", "") == "appeal_deadline_passed"
        assert s.get(Measure, m["id"]).status == "active"  # type: ignore[union-attr]


def test_public_inbox_and_appeal(client: TestClient, world: World, engine: Engine) -> None:
    from zeren.moderation.models import Subject

    cid = _decide_new(client, world, "p-inbox")
    m = case(client, world, cid)["measures"][0]
    with unit_of_work(engine) as s:
        token = s.query(Subject).filter_by(external_ref="user-1").one().inbox_token
    assert token
    notes = client.get(f"{API}/moderation/public/inbox/{token}").json()
    assert notes and notes[-1]["statement_id"]
    r = client.post(f"{API}/moderation/public/inbox/{token}/appeals",
                    json={"measure_id": m["id"], "grounds": "请复核"})
    assert r.status_code == 201
    assert client.get(f"{API}/moderation/public/inbox/not-a-token").status_code == 404


def test_merchant_sanctions_board(client: TestClient, world: World) -> None:
    body = {"subject": {"kind": "merchant", "external_ref": "shop-9", "display_name": "九号店"},
            "category": "prohibited_goods", "source": "user"}
    cid = client.post(f"{API}/platforms/{world.big_id}/moderation/reports",
                      headers=world.auth("api_client"), json=body).json()["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    r = decide(client, world, cid, measures=[{"code": "merchant_suspend", "days": 10}],
               ground={"kind": "platform_rule", "rule": "商家管理规则", "rule_version": "2026-01"})
    assert r.status_code == 200, r.text
    board = client.get(f"{API}/moderation/public/sanctions", params={"platform": "big"})
    assert board.status_code == 200
    rows = board.json()
    assert rows[0]["merchant_name"] == "九号店" and rows[0]["measure"] == "merchant_suspend"
    assert rows[0]["ground"]["rule_version"] == "2026-01"
    assert rows[0]["appeal_status"] == "appealable"
    # A content measure that only targets items cannot be put on a merchant.
    cid2 = client.post(f"{API}/platforms/{world.big_id}/moderation/reports",
                       headers=world.auth("api_client"),
                       json={**body, "subject": {**body["subject"], "external_ref": "shop-8"}}
                       ).json()["case_id"]
    client.post(f"{API}/moderation/cases/{cid2}/claim", headers=world.auth("moderator"))
    r = decide(client, world, cid2, measures=[{"code": "removal"}])
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "measures[0].code"
    assert case(client, world, cid2)["case"]["status"] == "claimed"


def test_next_case_takes_the_most_urgent(client: TestClient, world: World) -> None:
    low = file_report(client, world, ref="low", category="harmful.vulgar")["case_id"]
    high = file_report(client, world, ref="high", category="illegal.terrorism")["case_id"]
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/queue/next",
                    headers=world.auth("moderator"), json={})
    assert r.json()["id"] == high
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/queue/next",
                    headers=world.auth("compliance_officer"), json={})
    assert r.json()["id"] == low
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/queue/next",
                    headers=world.auth("admin"), json={})
    assert r.json() is None


def test_escalation_when_sla_breached(client: TestClient, world: World, engine: Engine) -> None:
    cid = file_report(client, world, category="harmful.vulgar")["case_id"]
    with unit_of_work(engine) as s:
        out = clocks.advance(session=s, now=utcnow() + timedelta(hours=73))
    assert out["escalated"] == 1
    c = case(client, world, cid)
    assert c["case"]["queue"] == "escalated" and c["case"]["escalations"] == 1
    assert "sla_breached" in [e["kind"] for e in c["events"]]
    with unit_of_work(engine) as s:
        assert clocks.advance(session=s, now=utcnow() + timedelta(hours=74))["escalated"] == 0


def test_measures_expire(client: TestClient, world: World, engine: Engine) -> None:
    cid = file_report(client, world, category="harmful.vulgar")["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    assert decide(client, world, cid, measures=[{"code": "restrict_posting", "days": 1}]
                  ).status_code == 200
    with unit_of_work(engine) as s:
        assert clocks.advance(session=s, now=utcnow() + timedelta(days=2))["expired"] == 1
    m = case(client, world, cid)["measures"][0]
    assert m["status"] == "expired"
    feed = client.get(f"{API}/platforms/{world.big_id}/moderation/measure-changes",
                      headers=world.auth("moderator")).json()["items"]
    assert [(i["change"], i["state"]) for i in feed] == [("applied", "restricted"),
                                                         ("expired", "visible")]


def test_bulk_preview_then_apply(client: TestClient, world: World) -> None:
    ids = [file_report(client, world, ref=f"b{i}", category="harmful.vulgar")["case_id"]
           for i in range(3)]
    client.post(f"{API}/moderation/cases/{ids[0]}/claim", headers=world.auth("moderator"))
    body = {"case_ids": [*ids, "missing"], "decision": {"decision": "no_action"}}
    prev = client.post(f"{API}/platforms/{world.big_id}/moderation/bulk/preview",
                       headers=world.auth("compliance_officer"), json=body).json()
    assert len(prev["cases"]) == 3 and prev["skipped"][0]["case_id"] == "missing"
    assert all(c["status"] != "decided" for c in prev["cases"])
    url = f"{API}/platforms/{world.big_id}/moderation/bulk"
    r = client.post(url, headers=world.auth("compliance_officer"), json=body)
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "case_ids"
    assert [x["case_id"] for x in r.json()["error"]["details"]["refused"]] == ["missing"]
    assert all(case(client, world, i)["case"]["status"] != "decided" for i in ids)
    body = {"case_ids": [c["id"] for c in prev["cases"]], "decision": {"decision": "no_action"}}
    done = client.post(url, headers=world.auth("compliance_officer"), json=body).json()
    assert sorted(done["decided"]) == sorted(ids[1:])
    assert {s["case_id"] for s in done["skipped"]} == {ids[0]}
    assert case(client, world, ids[0])["case"]["status"] == "claimed"


def test_bulk_apply_decides_exactly_the_previewed_ids(client: TestClient, world: World) -> None:
    url = f"{API}/platforms/{world.big_id}/moderation/bulk"
    co = world.auth("compliance_officer")
    ids = [file_report(client, world, ref=f"x{i}", category="harmful.vulgar")["case_id"]
           for i in range(2)]
    prev = client.post(url + "/preview", headers=co,
                       json={"category": "harmful.vulgar", "decision": {"decision": "no_action"}})
    shown = [c["id"] for c in prev.json()["cases"]]
    assert sorted(shown) == sorted(ids)
    late = file_report(client, world, ref="x-late", category="harmful.vulgar")["case_id"]
    # a filter alone no longer applies: the confirm must name the previewed ids
    r = client.post(url, headers=co, json={"category": "harmful.vulgar",
                                           "decision": {"decision": "no_action"}})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "case_ids"
    done = client.post(url, headers=co, json={"case_ids": shown, "category": "harmful.vulgar",
                                              "decision": {"decision": "no_action"}})
    assert done.status_code == 200 and sorted(done.json()["decided"]) == sorted(ids)
    assert case(client, world, late)["case"]["status"] == "open"  # arrived after the preview


def test_bulk_apply_refuses_decided_or_foreign_ids_and_decides_none(
        client: TestClient, world: World) -> None:
    url = f"{API}/platforms/{world.big_id}/moderation/bulk"
    co = world.auth("compliance_officer")
    fresh = file_report(client, world, ref="y0", category="harmful.vulgar")["case_id"]
    gone = file_report(client, world, ref="y1", category="harmful.vulgar")["case_id"]
    client.post(url, headers=co, json={"case_ids": [gone],
                                       "decision": {"decision": "no_action"}})
    assert case(client, world, gone)["case"]["status"] == "decided"
    r = client.post(f"{API}/platforms/{world.small_id}/moderation/reports",
                    headers=world.auth("api_client"), json=report_body(ref="y2"))
    assert r.status_code == 201, r.text
    foreign = r.json()["case_id"]
    r = client.post(url, headers=co, json={"case_ids": [fresh, gone, foreign],
                                           "decision": {"decision": "no_action"}})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "case_ids"
    refused = {x["case_id"]: x["reason"] for x in r.json()["error"]["details"]["refused"]}
    assert set(refused) == {gone, foreign} and "not open" in refused[gone]
    assert case(client, world, fresh)["case"]["status"] == "open"  # none was decided
    assert case(client, world, foreign)["case"]["status"] == "open"


def test_pre_publication_verdict(client: TestClient, world: World) -> None:
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/subjects",
                    headers=world.auth("api_client"),
                    json={"kind": "listing", "external_ref": "l-1", "text": "你好，欢迎光临"})
    assert r.status_code == 201 and r.json()["decision"] == "pass"
    assert r.json()["case_id"] is None


def test_authority_report_and_periodic_report(client: TestClient, world: World) -> None:
    cid = _decide_new(client, world, "p-serious")
    r = client.post(f"{API}/moderation/cases/{cid}/authority-reports",
                    headers=world.auth("compliance_officer"),
                    json={"authority": "某市网信办", "reference": "报-2026-001",
                          "summary": "散布谣言"})
    assert r.status_code == 201
    assert client.post(f"{API}/moderation/cases/{cid}/authority-reports",
                       headers=world.auth("moderator"),
                       json={"authority": "x", "summary": "y"}).status_code == 403
    url = f"{API}/platforms/{world.big_id}/moderation/report"
    j = client.get(url, headers=world.auth("regulator")).json()
    assert j["cases"]["decided"] == 1 and j["authority_reports"] == 1
    assert j["measures"]["by_measure"]["removal"] == 1
    assert j["handling_hours"]["median"] is not None
    csv_ = client.get(url, params={"format": "csv"}, headers=world.auth("regulator"))
    assert csv_.headers["content-type"].startswith("text/csv")
    assert "cases.decided,1" in csv_.text
    html = client.get(url, params={"format": "html"}, headers=world.auth("regulator"))
    assert html.status_code == 200 and "<" in html.text


def test_screening_opens_cases_sync_and_batch(client: TestClient, world: World) -> None:
    url = f"{API}/platforms/{world.big_id}/moderation/subjects"
    r = client.post(url, headers=world.auth("api_client"),
                    json={"kind": "ad", "external_ref": "ad-1", "text": "全网最佳的国家级产品"})
    v = r.json()
    assert r.status_code == 201 and v["decision"] != "pass" and v["case_id"]
    assert {h["category"] for h in v["hits"]} == {"advertising_absolute"}
    c = case(client, world, v["case_id"])
    assert c["case"]["sources"] == "screening" and c["case"]["queue"] == "commerce"
    assert c["reports"][0]["reporter_ref"].startswith("lexicon:default@v")
    r = client.post(f"{url}/batch", headers=world.auth("api_client"), json={"items": [
        {"kind": "ad", "external_ref": "ad-2", "text": "最高级享受"},
        {"kind": "post", "external_ref": "po-2", "text": "今天天气不错"}]})
    assert r.status_code == 202
    ids = r.json()["subject_ids"]
    got = [client.get(f"{url}/{i}", headers=world.auth("moderator")).json()["verdict"]
           for i in ids]
    assert got[0] in ("review", "block") and got[1] == "pass"  # screened after the answer
