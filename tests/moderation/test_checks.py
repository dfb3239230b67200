"""Posture checks of moderation on real data: not assessed without data, met after timely
handling, unmet when a deadline or the 15-day IP clock is overrun."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World
from tests.moderation.test_api import API, decide, file_report
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.moderation import checks
from zeren.moderation.models import IPNotice
from zeren.posture.domain import CheckContext, Status
from zeren.posture.plugins import all_checks


def test_checks_registered() -> None:
    keys = {c.key for c in all_checks()}
    assert {"moderation.art11.repeat_offenders", "moderation.art12.reports_answered",
            "moderation.art12.records_kept", "moderation.art22.ip_clocks",
            "moderation.art28.complaints", "moderation.art29.sanctions"} <= keys


def test_checks_follow_the_data(client: TestClient, world: World, engine: Engine) -> None:
    with unit_of_work(engine) as s:
        ctx = CheckContext(session=s, platform_id=world.big_id, now=utcnow())
        assert checks.reports_answered(ctx).status == Status.NOT_ASSESSED
        assert checks.records_kept(ctx).status == Status.NOT_ASSESSED
    cid = file_report(client, world)["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    assert decide(client, world, cid).status_code == 200
    late = file_report(client, world, ref="late", category="harmful.vulgar")["case_id"]
    with unit_of_work(engine) as s:
        ctx = CheckContext(session=s, platform_id=world.big_id, now=utcnow())
        assert checks.reports_answered(ctx).status == Status.MET
        assert checks.records_kept(ctx).status == Status.MET
        assert checks.repeat_offenders(ctx).status == Status.MET
        later = CheckContext(session=s, platform_id=world.big_id,
                             now=utcnow() + timedelta(days=4))
        r = checks.reports_answered(later)
        assert r.status == Status.AT_RISK and r.figures["overdue_open"] == 1
    assert late


def test_ip_clock_overrun_is_unmet(client: TestClient, world: World, engine: Engine) -> None:
    ev = [{"kind": "text", "ref": "证书"}]
    nid = client.post(f"{API}/platforms/{world.big_id}/moderation/ip-notices",
                      headers=world.auth("api_client"), json={
                          "subject": {"kind": "listing", "external_ref": "sku-c",
                                      "owner": {"kind": "merchant", "external_ref": "shop-c"}},
                          "rights_holder": "甲", "right_type": "patent", "evidence": ev}
                      ).json()["id"]
    client.post(f"{API}/moderation/ip-notices/{nid}/measures", headers=world.auth("moderator"),
                json={})
    client.post(f"{API}/moderation/ip-notices/{nid}/counter-notice",
                headers=world.auth("api_client"),
                json={"declaration": "否", "evidence": ev, "merchant_ref": "shop-c"})
    with unit_of_work(engine) as s:
        ctx = CheckContext(session=s, platform_id=world.big_id, now=utcnow())
        assert checks.ip_clocks(ctx).status == Status.MET
        n = s.get(IPNotice, nid)
        assert n is not None and n.clock_ends_at is not None
        over = CheckContext(session=s, platform_id=world.big_id,
                            now=n.clock_ends_at + timedelta(minutes=1))
        assert checks.ip_clocks(over).status == Status.UNMET  # tick has not run
        n = s.get(IPNotice, nid)
        assert n is not None and n.status == "counter_noticed"
