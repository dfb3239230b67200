"""The posture checks of data governance on real records, four cases each: no data (not
assessed, ``no data:``), a breach, a near miss (just either side of the line), compliance
(met with evidence seen)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.datagov.conftest import consent_body, url
from zeren.auth.policy import SYSTEM
from zeren.datagov import checks
from zeren.datagov import schemas as ds
from zeren.datagov.services import activities, inventory
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.posture.domain import CheckContext, CheckResult, Status
from zeren.posture.plugins import all_checks

DAY = timedelta(days=1)
BEIJING = ZoneInfo("Asia/Shanghai")


def run(engine: Engine, world: World, check: object, at: datetime,
        platform: str | None = None) -> CheckResult:
    with unit_of_work(engine) as s:
        got = check(CheckContext(session=s, platform_id=platform or world.big_id, now=at))  # type: ignore[operator]
    assert isinstance(got, CheckResult)
    return got


def no_data(r: CheckResult) -> bool:
    return r.status is Status.NOT_ASSESSED and r.reason.startswith("no data: ")


def test_registered_with_their_obligations() -> None:
    got = {c.key: c.obligations for c in all_checks()}
    assert got["datagov.art4.activity_reviews"] == ("art4.review_mechanism",)
    assert got["datagov.art18.merge_gate"] == ("art18.consent_to_merge",)
    assert got["datagov.art26.classified"] == ("art26.classification",)
    assert got["datagov.art26.lifecycle"] == ("art26.management_system",)
    assert got["datagov.art26.important_data"] == ("art26.important_data_officer",)
    assert got["datagov.art26.training"] == ("art26.training",)


def test_activity_reviews(engine: Engine, world: World) -> None:
    now = utcnow()
    assert no_data(run(engine, world, checks.activity_reviews, now))
    with unit_of_work(engine) as s:
        act = activities.create_activity(session=s, actor=SYSTEM, platform_id=world.big_id,
                                         data=ds.ActivityIn(name="会员营销", purpose="推送优惠",
                                                            legal_basis="consent",
                                                            retention="注销后 30 日"),
                                         now=now - 400 * DAY)
    # created 400 days ago, never reviewed: overdue (breach)
    r = run(engine, world, checks.activity_reviews, now)
    assert r.status is Status.UNMET and r.inputs["overdue_ids"] == [act.id]
    with unit_of_work(engine) as s:
        activities.review_activity(session=s, actor=SYSTEM, platform_id=world.big_id,
                                   activity_id=act.id, data=ds.ReviewIn(outcome="confirmed"),
                                   now=now)
    r = run(engine, world, checks.activity_reviews, now)  # compliance
    assert r.status is Status.MET and r.seen == 1 and r.period is not None
    # near miss: the next review falls due a year on; a minute before it, still met; a minute
    # after, overdue
    due = now + 365 * DAY
    assert run(engine, world, checks.activity_reviews, due - timedelta(minutes=1)).status \
        is Status.MET
    assert run(engine, world, checks.activity_reviews, due + timedelta(minutes=1)).status \
        is Status.UNMET
    assert no_data(run(engine, world, checks.activity_reviews, now, world.small_id))


def test_lifecycle_and_classification(engine: Engine, world: World) -> None:
    now = utcnow()
    assert no_data(run(engine, world, checks.asset_reviews, now))
    assert no_data(run(engine, world, checks.classified, now))
    with unit_of_work(engine) as s:
        inventory.put_asset(session=s, actor=SYSTEM, platform_id=world.big_id,
                            data=ds.AssetIn(code="A-1", system="会员中心", dataset="会员档案"),
                            now=now - 10 * DAY)
    r = run(engine, world, checks.classified, now)
    assert r.status is Status.MET and r.seen == 1
    # classified, not yet reviewed and not due: nothing shows reviews happen yet
    r = run(engine, world, checks.asset_reviews, now)
    assert no_data(r) and "next due" in r.reason
    # general data is reviewed yearly: 356 days after now it is overdue (breach)
    assert run(engine, world, checks.asset_reviews, now + 356 * DAY).status is Status.UNMET
    with unit_of_work(engine) as s:
        inventory.review_asset(session=s, actor=SYSTEM, platform_id=world.big_id, code="A-1",
                               data=ds.ReviewIn(outcome="confirmed"), now=now)
    r = run(engine, world, checks.asset_reviews, now)
    assert r.status is Status.MET and r.seen == 1
    due = now + 365 * DAY
    assert run(engine, world, checks.asset_reviews, due - timedelta(seconds=1)).status \
        is Status.MET
    assert run(engine, world, checks.asset_reviews, due + timedelta(seconds=1)).status \
        is Status.UNMET
    # an asset classified under an earlier version of the rules is at risk
    with engine.begin() as c:
        c.exec_driver_sql("UPDATE datagov_assets SET rules_version = 'older'")
    r = run(engine, world, checks.classified, now)
    assert r.status is Status.AT_RISK and r.figures["stale"] == 1


def test_important_data(client: TestClient, engine: Engine, world: World,
                        ) -> None:
    co = world.auth("compliance_officer")
    now = utcnow()
    assert no_data(run(engine, world, checks.important_data, now))
    client.post(url(world, "/datagov/assets"), headers=co,
                json={"code": "G-1", "system": "客服", "dataset": "工单"})
    r = run(engine, world, checks.important_data, now)
    assert r.status is Status.NOT_APPLICABLE  # an inventory without important data
    client.post(url(world, "/datagov/assets"), headers=co, json={
        "code": "I-1", "system": "风控", "dataset": "风险评分", "declared_level": "important"})
    r = run(engine, world, checks.important_data, now)
    assert r.status is Status.UNMET and r.inputs["without_officer"] == ["I-1"]  # breach
    client.post(f"/api/v1/platforms/{world.big_id}/org/people", headers=co,
                json={"name": "王敏", "email": "wm@example.com"})
    client.post(url(world, "/datagov/assets"), headers=co, json={
        "code": "I-1", "system": "风控", "dataset": "风险评分", "declared_level": "important",
        "officer": "王敏"})
    r = run(engine, world, checks.important_data, utcnow())
    assert r.status is Status.UNMET and "catalogue" in r.reason
    assert client.post(url(world, "/datagov/catalogues"), headers=co, json={}).status_code == 201
    r = run(engine, world, checks.important_data, utcnow())
    assert r.status is Status.MET and r.seen == 1  # compliance
    # near miss: a second important asset with its officer, added after the catalogue
    client.post(url(world, "/datagov/assets"), headers=co, json={
        "code": "I-2", "system": "风控", "dataset": "设备指纹", "declared_level": "important",
        "officer": "王敏"})
    r = run(engine, world, checks.important_data, utcnow())
    assert r.status is Status.AT_RISK and r.inputs["not_in_catalogue"] == ["I-2"]
    client.post(url(world, "/datagov/catalogues"), headers=co, json={})
    assert run(engine, world, checks.important_data, utcnow()).status is Status.MET


def test_training(engine: Engine, world: World) -> None:
    now = utcnow()
    today = now.astimezone(BEIJING).date()  # trainings are dated by the Beijing calendar
    assert no_data(run(engine, world, checks.training, now))
    with unit_of_work(engine) as s:
        inventory.record_training(session=s, actor=SYSTEM, platform_id=world.big_id,
                                  data=ds.TrainingIn(held_on=today - 400 * DAY,
                                                     topic="数据分类分级", attendees=30),
                                  now=now)
    r = run(engine, world, checks.training, now)
    assert r.status is Status.UNMET  # breach: the last one is more than a year old
    with unit_of_work(engine) as s:
        inventory.record_training(session=s, actor=SYSTEM, platform_id=world.big_id,
                                  data=ds.TrainingIn(held_on=today - 365 * DAY,
                                                     topic="重要数据保护", attendees=20),
                                  now=now)
    # near miss: held exactly 365 days ago (Beijing calendar), still within the year;
    # the day after, not
    r = run(engine, world, checks.training, now)
    assert r.status is Status.MET and r.seen == 1
    assert run(engine, world, checks.training, now + DAY).status is Status.UNMET
    with unit_of_work(engine) as s:
        inventory.record_training(session=s, actor=SYSTEM, platform_id=world.big_id,
                                  data=ds.TrainingIn(held_on=today - DAY,
                                                     topic="个人信息保护", attendees=50), now=now)
    r = run(engine, world, checks.training, now)
    assert r.status is Status.MET and r.seen == 2  # compliance


def test_merge_gate(client: TestClient, engine: Engine, world: World,
                    services: list[str]) -> None:
    now = utcnow()
    r = run(engine, world, checks.merge_gate, now, world.small_id)
    assert no_data(r) and "no service" in r.reason
    r = run(engine, world, checks.merge_gate, now)
    assert no_data(r) and "answered no request" in r.reason  # services, but no call
    api = world.auth("api_client")
    body = {"person_ref": "user-1", "services": ["pay", "mall"], "purpose": "ads"}
    refused = client.post(url(world, "/consent/decide"), headers=api, json=body).json()
    client.post(url(world, "/consent/consents"), headers=api, json=consent_body())
    assert client.post(url(world, "/consent/decide"), headers=api, json=body).json()["allowed"]
    r = run(engine, world, checks.merge_gate, utcnow())
    assert r.status is Status.MET and r.seen == 2 and r.figures["refused"] == 1  # compliance
    # near miss: a merge without consent found 366 days ago lies outside the year
    co = world.auth("compliance_officer")
    report = {"services": ["mall", "pay"], "purpose": "ads", "persons": 40,
              "source": "complaint", "description": "用户投诉营销短信引用了支付记录"}
    assert client.post(url(world, "/consent/unconsented-merges"), headers=co, json={
        **report, "found_at": (now - 366 * DAY).isoformat()}).status_code == 201
    assert run(engine, world, checks.merge_gate, utcnow()).status is Status.MET
    # breach: one found yesterday, against the gate's refusal
    assert client.post(url(world, "/consent/unconsented-merges"), headers=co, json={
        **report, "found_at": (now - DAY).isoformat(), "decision_id": refused["id"]}
        ).status_code == 201
    r = run(engine, world, checks.merge_gate, utcnow())
    assert r.status is Status.UNMET and r.figures["unconsented_merges"] == 1
    assert r.figures["unconsented_persons"] == 40
    # and the gate unused for 31 days is no evidence of use
    later = run(engine, world, checks.merge_gate, utcnow() + 31 * DAY)
    assert later.status is Status.UNMET and later.figures["decisions"] == 0
