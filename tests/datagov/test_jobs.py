"""The daily review reminder: assets and processing activities due for their lifecycle review
within 14 days (or overdue) bring one message per platform and day to its channels, through
a real local SMTP server; the inventory's review and officer filters agree with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.datagov.conftest import url
from tests.security.test_escalation import Sink, smtp, subject  # noqa: F401
from zeren.auth.policy import SYSTEM
from zeren.config import get_settings
from zeren.datagov.jobs import reviews_due
from zeren.datagov.schemas import AssetIn
from zeren.datagov.services.inventory import put_asset
from zeren.db.session import unit_of_work
from zeren.jobs.domain import JobContext


def test_reviews_due_reach_the_channel_once_a_day(client: TestClient, world: World,
                                                  engine: Engine, co: dict[str, str],
                                                  smtp: Sink) -> None:  # noqa: F811
    now = datetime.now(UTC)
    with unit_of_work(engine) as s:
        # general data is reviewed yearly: classified 400 days ago, it is overdue;
        # 360 days ago, due within the fortnight; 300 days ago, not yet due
        for code, days in (("OLD-1", 400), ("SOON-1", 360), ("NEW-1", 300)):
            put_asset(session=s, actor=SYSTEM, platform_id=world.big_id,
                      data=AssetIn(code=code, system="会员中心", dataset=code),
                      now=now - timedelta(days=days))
        put_asset(session=s, actor=SYSTEM, platform_id=world.big_id,
                  data=AssetIn(code="IMP-1", system="风控", dataset="风险评分",
                               declared_level="important"))
    r = client.post(f"/api/v1/platforms/{world.big_id}/notify/channels", headers=co,
                    json={"kind": "email", "target": "dpo@jingxuan.example",
                          "events": ["datagov."]})
    assert r.status_code == 201, r.text

    got = client.get(url(world, "/datagov/assets"), headers=co,
                     params={"review_overdue": "true"}).json()
    assert [a["code"] for a in got["items"]] == ["OLD-1"]
    got = client.get(url(world, "/datagov/assets"), headers=co,
                     params={"officer_missing": "true", "level": "重要"}).json()
    assert [a["code"] for a in got["items"]] == ["IMP-1"]
    assert got["counts"] == {"core": 0, "important": 1, "general": 0}

    def run(at: datetime) -> dict[str, object]:
        with unit_of_work(engine) as s:
            return reviews_due(JobContext(session=s, now=at, engine=engine,
                                          settings=get_settings()))

    out = run(now)
    assert out == {"platforms": {world.big_id: {"assets": 2, "notified": 1}}}
    assert len(smtp.messages) == 1
    assert "复核" in subject(smtp.messages[0])
    assert smtp.messages[0]["To"] == "dpo@jingxuan.example"
    assert run(now)["platforms"] == {world.big_id: {"assets": 2, "notified": 0}}  # once a day
    assert len(smtp.messages) == 1
    tomorrow = run(now + timedelta(days=1))
    assert tomorrow["platforms"] == {world.big_id: {"assets": 2, "notified": 1}}
    assert len(smtp.messages) == 2
