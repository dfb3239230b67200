"""Posture checks of moderation on real data: not assessed without data, met after timely
handling, unmet when a deadline or the 15-day IP clock is overrun."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from tests.conftest import World
from tests.moderation.test_api import API, LAW, case, decide, file_report
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.moderation import checks
from zeren.moderation import domain as d
from zeren.moderation.models import (
    Appeal,
    Case,
    IPNotice,
    LedgerOutbox,
    Measure,
    Statement,
    Strike,
)
from zeren.moderation.schemas import SubjectIn
from zeren.moderation.services import subjects
from zeren.posture.domain import CheckContext, CheckResult, Status
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


# --- four cases per check (ADR 0030): no data, breach, near miss, compliance ---------------


def _ctx(s: Session, world: World, now: datetime | None = None,
         big: bool = True) -> CheckContext:
    return CheckContext(session=s, platform_id=world.big_id if big else world.small_id,
                        now=now or utcnow())


def _account(s: Session, pid: str, ref: str, kind: str = "user") -> str:
    return subjects.upsert_subjects(session=s, platform_id=pid, now=utcnow(),
                                    items=[SubjectIn(kind=kind, external_ref=ref)])[0]


def _measure(s: Session, pid: str, account: str, code: str, starts_at: datetime,
             ends_at: datetime | None, status: str = "active") -> Measure:
    family = d.measure_types()[code].family
    m = Measure(platform_id=pid, subject_id=account, account_id=account, code=code,
                family=family, starts_at=starts_at, ends_at=ends_at, status=status,
                decided_by="test", automation="manual", trigger="decision")
    s.add(m)
    s.flush()
    return m


def _strike(s: Session, pid: str, account: str, weight: int, at: datetime) -> None:
    s.add(Strike(platform_id=pid, account_id=account, weight=weight, category="fraud",
                 counted_at=at))
    s.flush()


def _no_data(r: CheckResult) -> bool:
    return r.status == Status.NOT_ASSESSED and r.reason.startswith("no data: ")


def test_reports_answered_four_cases(client: TestClient, world: World, engine: Engine) -> None:
    with unit_of_work(engine) as s:
        assert _no_data(checks.reports_answered(_ctx(s, world)))
    waiting = file_report(client, world, ref="w-1")["case_id"]
    with unit_of_work(engine) as s:
        due = s.get(Case, waiting).sla_due_at  # type: ignore[union-attr]
        # breach: cases wait past their deadline and none was answered: never 0/0 = 100 %
        r = checks.reports_answered(_ctx(s, world, due + timedelta(minutes=1)))
        assert r.status == Status.UNMET and r.figures["on_time_share"] is None
        # one open within its deadline and none answered: nothing shows the duty done
        assert _no_data(checks.reports_answered(_ctx(s, world, due - timedelta(minutes=1))))
    done = file_report(client, world, ref="w-2", category="harmful.vulgar")["case_id"]
    client.post(f"{API}/moderation/cases/{done}/claim", headers=world.auth("moderator"))
    assert decide(client, world, done).status_code == 200
    with unit_of_work(engine) as s:
        # near miss: one answered in time, the other still within its deadline → met …
        r = checks.reports_answered(_ctx(s, world, due - timedelta(minutes=1)))
        assert r.status == Status.MET and r.seen == 1 and r.period is not None
        # … a minute later it is overdue → at risk
        r = checks.reports_answered(_ctx(s, world, due + timedelta(minutes=1)))
        assert r.status == Status.AT_RISK and r.figures["overdue_open"] == 1
        # the other platform's cases are not read
        assert _no_data(checks.reports_answered(_ctx(s, world, big=False)))


def test_records_kept_four_cases(client: TestClient, world: World, engine: Engine) -> None:
    with unit_of_work(engine) as s:
        assert _no_data(checks.records_kept(_ctx(s, world)))
    cid = file_report(client, world, ref="r-1")["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    assert decide(client, world, cid).status_code == 200
    with unit_of_work(engine) as s:
        r = checks.records_kept(_ctx(s, world))
        assert r.status == Status.MET and r.seen >= 1  # compliance
        mid = s.scalars(select(Measure.id).where(Measure.platform_id == world.big_id)).first()
        other = _account(s, world.small_id, "o-1")
        om = _measure(s, world.small_id, other, "restrict_posting", utcnow(), None)
        # another platform's record stuck in the outbox does not count here
        for measure_id in (om.id, mid):
            s.add(LedgerOutbox(record_class="moderation_measures", record={},
                               subject=f"measure:{measure_id}"))
    with unit_of_work(engine) as s:
        # near miss: ours has waited less than the limit
        assert checks.records_kept(_ctx(s, world)).status == Status.MET
        # breach: past the limit
        later = utcnow() + timedelta(minutes=61)
        r = checks.records_kept(_ctx(s, world, later))
        assert r.status == Status.AT_RISK and r.figures["ledger_backlog"] == 1
        account = _account(s, world.big_id, "no-statement")
        _measure(s, world.big_id, account, "restrict_posting", utcnow(), None)
        r = checks.records_kept(_ctx(s, world))
        assert r.status == Status.UNMET and r.figures["without_statement"] == 1


def test_repeat_offenders_four_cases(client: TestClient, world: World, engine: Engine) -> None:
    now = utcnow()
    with unit_of_work(engine) as s:
        assert _no_data(checks.repeat_offenders(_ctx(s, world)))
        a = _account(s, world.big_id, "acc-a")
        _strike(s, world.big_id, a, 2, now - timedelta(days=20))
        # near miss: 2 points, below the first threshold (3): nothing due, strikes recorded
        r = checks.repeat_offenders(_ctx(s, world))
        assert r.status == Status.MET and r.figures["ladder_due"] == 0
        # a measure that ran its course before a new offence …
        _measure(s, world.big_id, a, "restrict_posting", now - timedelta(days=19),
                 now - timedelta(days=12), status="expired")
        _strike(s, world.big_id, a, 2, now - timedelta(days=5))
        # … does not prevent repetition: breach
        r = checks.repeat_offenders(_ctx(s, world))
        assert r.status == Status.UNMET and r.inputs["accounts"] == [a]
        # the step taken again after the new strike: compliance
        _measure(s, world.big_id, a, "restrict_posting", now - timedelta(days=5),
                 now + timedelta(days=2))
        r = checks.repeat_offenders(_ctx(s, world))
        assert r.status == Status.MET and r.figures["ladder_applied"] == 1 and r.seen == 1


def test_sanctions_publicised_four_cases(client: TestClient, world: World,
                                         engine: Engine) -> None:
    with unit_of_work(engine) as s:
        assert _no_data(checks.sanctions_publicised(_ctx(s, world)))
    body = {"subject": {"kind": "merchant", "external_ref": "shop-1"},
            "category": "prohibited_goods", "source": "user"}
    cid = client.post(f"{API}/platforms/{world.big_id}/moderation/reports",
                      headers=world.auth("api_client"), json=body).json()["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    r = decide(client, world, cid, measures=[{"code": "merchant_suspend", "days": 10}],
               ground={"kind": "platform_rule", "rule": "商家管理规则", "rule_version": "1"})
    assert r.status_code == 200, r.text
    with unit_of_work(engine) as s:
        r = checks.sanctions_publicised(_ctx(s, world))
        assert r.status == Status.MET and r.seen == 1  # compliance, through the product
        st = s.scalars(select(Statement).where(Statement.platform_id == world.big_id)).one()
        m = s.get(Measure, st.measure_id)
        assert m is not None
        start = m.starts_at
    for hours, status in ((23, Status.MET), (25, Status.AT_RISK)):  # near miss either side
        with unit_of_work(engine) as s:
            r = checks.sanctions_publicised(_ctx(s, world, start + timedelta(hours=hours)))
            assert r.status == Status.MET  # published with the measure
            m2 = _measure(s, world.big_id, _account(s, world.big_id, f"shop-{hours}",
                                                     "merchant"),
                          "merchant_warning", utcnow() - timedelta(hours=hours), None)
            s.add(Statement(measure_id=m2.id, platform_id=world.big_id, body={"ground": LAW},
                            appeal_deadline=utcnow() + timedelta(days=15)))
            s.flush()
            r = checks.sanctions_publicised(_ctx(s, world))
            assert r.status == status, (hours, r.reason)
            s.rollback()
    with unit_of_work(engine) as s:
        _measure(s, world.big_id, _account(s, world.big_id, "shop-x", "merchant"),
                 "merchant_warning", utcnow(), None)
        r = checks.sanctions_publicised(_ctx(s, world))  # breach: not on the board
        assert r.status == Status.UNMET and r.figures["not_on_board"] == 1


def test_merchant_appeals_four_cases(client: TestClient, world: World, engine: Engine) -> None:
    with unit_of_work(engine) as s:
        assert _no_data(checks.merchant_appeals(_ctx(s, world)))
    body = {"subject": {"kind": "merchant", "external_ref": "shop-a"},
            "category": "prohibited_goods", "source": "user"}
    cid = client.post(f"{API}/platforms/{world.big_id}/moderation/reports",
                      headers=world.auth("api_client"), json=body).json()["case_id"]
    client.post(f"{API}/moderation/cases/{cid}/claim", headers=world.auth("moderator"))
    decide(client, world, cid, measures=[{"code": "merchant_warning"}],
           ground={"kind": "platform_rule", "rule": "商家管理规则", "rule_version": "1"})
    mid = case(client, world, cid)["measures"][0]["id"]
    r = client.post(f"{API}/platforms/{world.big_id}/moderation/appeals",
                    headers=world.auth("api_client"),
                    json={"measure_id": mid, "appellant_ref": "shop-a",
                          "appellant_kind": "merchant", "grounds": "已整改"})
    assert r.status_code == 201, r.text
    days = int(d.deadlines()["appeal"]["decide_within_days"])
    with unit_of_work(engine) as s:
        # near miss: the appeal is still within its decision time; the measure gave a route
        r = checks.merchant_appeals(_ctx(s, world, utcnow() + timedelta(days=days - 1)))
        assert r.status == Status.MET and r.figures["without_appeal_route"] == 0
        # breach: undecided past it
        r = checks.merchant_appeals(_ctx(s, world, utcnow() + timedelta(days=days + 1)))
        assert r.status == Status.UNMET and r.figures["open_past_deadline"] == 1
    r = client.post(f"{API}/moderation/appeals/{_appeal_id(engine)}/decision",
                    headers=world.auth("compliance_officer"),
                    json={"outcome": "upheld", "reason": "证据充分"})
    assert r.status_code == 200, r.text
    with unit_of_work(engine) as s:
        r = checks.merchant_appeals(_ctx(s, world))  # compliance
        assert r.status == Status.MET and r.figures["appeals_decided"] == 1


def _appeal_id(engine: Engine) -> str:
    with unit_of_work(engine) as s:
        return s.scalars(select(Appeal.id)).one()


def test_ip_clocks_four_cases(client: TestClient, world: World, engine: Engine) -> None:
    with unit_of_work(engine) as s:
        assert _no_data(checks.ip_clocks(_ctx(s, world)))
    ev = [{"kind": "text", "ref": "证书"}]
    nid = client.post(f"{API}/platforms/{world.big_id}/moderation/ip-notices",
                      headers=world.auth("api_client"), json={
                          "subject": {"kind": "listing", "external_ref": "sku-4",
                                      "owner": {"kind": "merchant", "external_ref": "shop-4"}},
                          "rights_holder": "甲", "right_type": "patent", "evidence": ev}
                      ).json()["id"]
    with unit_of_work(engine) as s:
        # near miss: received, unanswered for less than a day → met; over a day → at risk
        assert checks.ip_clocks(_ctx(s, world, utcnow() + timedelta(hours=23))).status \
            == Status.MET
        assert checks.ip_clocks(_ctx(s, world, utcnow() + timedelta(hours=25))).status \
            == Status.AT_RISK
    client.post(f"{API}/moderation/ip-notices/{nid}/measures", headers=world.auth("moderator"),
                json={})
    client.post(f"{API}/moderation/ip-notices/{nid}/counter-notice",
                headers=world.auth("api_client"),
                json={"declaration": "否", "evidence": ev, "merchant_ref": "shop-4"})
    with unit_of_work(engine) as s:
        r = checks.ip_clocks(_ctx(s, world))
        assert r.status == Status.MET and r.seen == 1  # compliance
        n = s.get(IPNotice, nid)
        assert n is not None and n.clock_ends_at is not None
        over = checks.ip_clocks(_ctx(s, world, n.clock_ends_at + timedelta(minutes=1)))
        assert over.status == Status.UNMET  # breach: the 15-day clock overrun
        assert over.figures["outcomes"]["counter_noticed"] == 1
        assert over.figures["outcomes"]["late"] == 1


def test_ip_declaration_marked_forwarded_without_a_record_is_unmet(
        client: TestClient, world: World, engine: Engine) -> None:
    """What the issue found: a timestamp said "forwarded" while nothing reached the rights
    holder. A notice whose declaration has no forwarding record is a breach."""
    ev = [{"kind": "text", "ref": "证书"}]
    nid = client.post(f"{API}/platforms/{world.big_id}/moderation/ip-notices",
                      headers=world.auth("api_client"), json={
                          "subject": {"kind": "listing", "external_ref": "sku-5",
                                      "owner": {"kind": "merchant", "external_ref": "shop-5"}},
                          "rights_holder": "乙", "right_type": "trademark", "evidence": ev}
                      ).json()["id"]
    client.post(f"{API}/moderation/ip-notices/{nid}/measures", headers=world.auth("moderator"),
                json={})
    later = utcnow() + timedelta(days=3)
    with unit_of_work(engine) as s:  # as the product wrote it before forwardings were kept
        s.execute(text("UPDATE mod_ip_notices SET status = 'counter_noticed', "
                       "forwarded_to_holder_at = :t, clock_ends_at = :e WHERE id = :id"),
                  {"t": utcnow(), "e": later, "id": nid})
    with unit_of_work(engine) as s:
        r = checks.ip_clocks(_ctx(s, world))
        assert r.status == Status.UNMET and r.figures["not_forwarded"] == 1
        assert r.inputs["not_forwarded"] == [nid]


def test_complaints_four_cases(client: TestClient, world: World, engine: Engine) -> None:
    with unit_of_work(engine) as s:
        assert _no_data(checks.complaints_in_time(_ctx(s, world)))
    base = f"{API}/platforms/{world.big_id}/moderation/complaints"
    body = {"consumer_ref": "buyer-1", "merchant": {"kind": "merchant", "external_ref": "s-2"},
            "order_ref": "o-1", "description": "货不对板", "claim": "退款"}
    client.post(base, headers=world.auth("api_client"), json=body)
    limit = timedelta(days=float(d.deadlines()["complaint"]["resolve_within_days"]))
    with unit_of_work(engine) as s:
        # open within its time: nothing shows the duty done yet (not "all closed")
        assert _no_data(checks.complaints_in_time(_ctx(s, world)))
        # breach: still open past it
        r = checks.complaints_in_time(_ctx(s, world, utcnow() + limit + timedelta(hours=1)))
        assert r.status == Status.UNMET and r.figures["late"] == 1
    c2 = client.post(base, headers=world.auth("api_client"), json=body).json()
    r = client.post(f"{API}/moderation/complaints/{c2['id']}/merchant-reply",
                    headers=world.auth("api_client"),
                    json={"reply": "同意退款", "accepted": True, "merchant_ref": "s-2"})
    assert r.json()["status"] == "resolved_by_merchant", r.text
    with unit_of_work(engine) as s:
        # near miss: one resolved, the other an hour before its limit → met …
        ok = checks.complaints_in_time(_ctx(s, world, utcnow() + limit - timedelta(hours=1)))
        assert ok.status == Status.MET and ok.seen == 1
        # … an hour after it → late (1 of 2: unmet, above the at-risk share)
        late = checks.complaints_in_time(_ctx(s, world, utcnow() + limit + timedelta(hours=1)))
        assert late.status == Status.UNMET and late.figures["resolved_in_time"] == 1
        outcomes = late.figures["outcomes"]
        assert (outcomes["filed"], outcomes["resolved_by_merchant"], outcomes["open"],
                outcomes["closed_unresolved"]) == (2, 1, 1, 0)


def test_ads_handled_four_cases(client: TestClient, world: World, engine: Engine) -> None:
    """Art 21: cases in the advertising categories decided by their deadline."""
    assert any(c.key == "moderation.art21.ads_handled" and c.article == 21
               for c in all_checks())
    file_report(client, world, ref="v-1", category="harmful.vulgar")  # not an ad: not read
    with unit_of_work(engine) as s:
        assert _no_data(checks.ads_handled(_ctx(s, world)))
    ad = file_report(client, world, ref="ad-1", category="advertising_absolute")["case_id"]
    with unit_of_work(engine) as s:
        due = s.get(Case, ad).sla_due_at  # type: ignore[union-attr]
        # open within its deadline: nothing shows the duty done yet
        assert _no_data(checks.ads_handled(_ctx(s, world, due - timedelta(minutes=1))))
        # breach: open past the deadline
        r = checks.ads_handled(_ctx(s, world, due + timedelta(minutes=1)))
        assert r.status == Status.UNMET and r.inputs["overdue_ids"] == [ad]
    client.post(f"{API}/moderation/cases/{ad}/claim", headers=world.auth("moderator"))
    assert decide(client, world, ad).status_code == 200
    with unit_of_work(engine) as s:
        # near miss: decided before the deadline, read a minute after it → met
        r = checks.ads_handled(_ctx(s, world, due + timedelta(minutes=1)))
        assert r.status == Status.MET and r.seen == 1
        assert "advertising_absolute" in r.figures["categories"]
        assert _no_data(checks.ads_handled(_ctx(s, world, big=False)))
    with unit_of_work(engine) as s:
        # decided after the deadline (the deadline moved back before the decision): at risk
        s.execute(text("UPDATE mod_cases SET sla_due_at = :d WHERE id = :i"),
                  {"d": utcnow() - timedelta(hours=1), "i": ad})
    with unit_of_work(engine) as s:
        r = checks.ads_handled(_ctx(s, world))
        assert r.status == Status.AT_RISK and r.inputs["late_ids"] == [ad]
