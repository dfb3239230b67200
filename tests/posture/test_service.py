"""The posture: obligations as the unit, evidence kinds apart, attestations and their expiry,
exemptions by article and by item, an unknown tier, evidence snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.conftest import World, mall_data
from zeren.auth.policy import SYSTEM, Actor
from zeren.db.session import unit_of_work
from zeren.errors import InvalidInput
from zeren.exemptions.service import decide_exemption, request_exemption
from zeren.guideline.domain import load_guideline
from zeren.org import service as org
from zeren.platforms.models import Platform
from zeren.platforms.service import create_platform
from zeren.posture import service
from zeren.posture.domain import Evidence, Status, worst
from zeren.posture.models import EvidenceSnapshot
from zeren.posture.plugins import all_checks, checks_by_obligation

NO_TIER_USCC = "91330100MA2ABCDE0N"


def _tile(ev: service.Evaluation, article: int) -> service.ArticleTile:
    return next(t for t in ev.tiles if t.article == article)


def _ob(ev: service.Evaluation, key: str) -> service.ObligationOutcome:
    article = int(key.split(".")[0][3:])
    return next(o for o in _tile(ev, article).obligations if o.obligation.key == key)


def _platform(s: Session, pid: str) -> Platform:
    p = s.get(Platform, pid)
    assert p is not None
    return p


def test_builtin_checks_come_through_the_registry() -> None:
    keys = {c.key for c in all_checks()}
    assert {"art35.tier_assessed", "art4.data_security_officers",
            "art5.compliance_department"} <= keys


def test_every_obligation_has_a_check_or_an_attestation_path() -> None:
    by_ob = checks_by_obligation()
    for ob in load_guideline().obligations:
        assert ob.key in by_ob or service.attestable(ob), ob.key
    # and a check reads only obligations the guideline lists
    known = {o.key for o in load_guideline().obligations}
    for c in all_checks():
        assert set(c.obligations) <= known, c.key


def test_worst_status_wins() -> None:
    assert worst([Status.MET, Status.AT_RISK]) == Status.AT_RISK
    assert worst([Status.MET, Status.UNMET, Status.EXEMPTED]) == Status.UNMET
    assert worst([]) == Status.NOT_ASSESSED


def test_scope_follows_tier(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        ev_big = service.evaluate(session=s, actor=SYSTEM, platform=_platform(s, world.big_id),
                                  store=False)
        ev_small = service.evaluate(session=s, actor=SYSTEM,
                                    platform=_platform(s, world.small_id), store=False)
    assert [t.article for t in ev_big.tiles if t.applicable] == list(range(1, 36))
    assert [t.article for t in ev_small.tiles if t.applicable] == list(range(10, 35))
    assert _tile(ev_small, 4).status == Status.NOT_APPLICABLE
    assert _tile(ev_small, 4).obligations == []
    assert _tile(ev_big, 35).status == Status.NOT_ASSESSED  # tier known; exemption limits
    assert _ob(ev_big, "art35.tier").status == Status.MET  # the world ran last year's test
    assert _ob(ev_big, "art35.tier").evidence == Evidence.DATA


def test_article_shows_its_worst_obligation(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        ev = service.evaluate(session=s, actor=SYSTEM, platform=_platform(s, world.big_id),
                              store=False)
    for t in ev.tiles:
        if t.applicable:
            assert t.obligations
            assert t.status == worst(o.status for o in t.obligations), t.article


def test_tier_unknown_is_not_ordinary(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        p = create_platform(session=s, actor=SYSTEM, data=mall_data("no-tier", NO_TIER_USCC))
        ev = service.evaluate(session=s, actor=SYSTEM, platform=p, store=False)
    assert not ev.tier_known and ev.tier == "unknown"
    for n in [*range(1, 10), 35]:
        tile = _tile(ev, n)
        assert tile.applicable and tile.status == Status.NOT_ASSESSED and tile.note
        assert all(o.reason.startswith("tier unknown") for o in tile.obligations)
    assert all(_tile(ev, n).applicable for n in range(10, 35))
    assert ev.counts()["not_applicable"] == 0


def test_art4_and_art5_from_the_org_registry(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        big = _platform(s, world.big_id)
        ev = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        # no data: the registry holds nobody of this platform
        assert _ob(ev, "art4.security_officers").reason.startswith("no data: ")
        assert _ob(ev, "art5.compliance_department").reason.startswith("no data: ")
        clerk = org.add_person(session=s, actor=SYSTEM, platform=big,
                               data={"name": "王五", "email": "w@x.cn", "phone": "010-12345678"})
        ev = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        # breach: people registered, but no officer and no compliance department
        assert _ob(ev, "art4.security_officers").status == Status.UNMET
        assert _ob(ev, "art5.compliance_department").status == Status.UNMET
        assert clerk.id
        dept = org.add_department(session=s, actor=SYSTEM, platform=big, name="合规部",
                                  kind="compliance")
        p = org.add_person(session=s, actor=SYSTEM, platform=big,
                           data={"name": "陈立", "email": "c@x.cn", "department_id": dept.id})
        org.assign_duty(session=s, actor=SYSTEM, platform=big, person_id=p.id,
                        duty="data_security_officer", since=date(2024, 1, 1))
        ev = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        assert _ob(ev, "art4.security_officers").status == Status.AT_RISK  # no phone
        assert _ob(ev, "art5.compliance_department").status == Status.AT_RISK  # no head
        p2 = org.add_person(session=s, actor=SYSTEM, platform=big,
                            data={"name": "周敏", "email": "z@x.cn", "phone": "0571-1234567"})
        org.assign_duty(session=s, actor=SYSTEM, platform=big, person_id=p2.id,
                        duty="compliance_head", since=date(2024, 1, 1))
        ev = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        dept_ob = _ob(ev, "art5.compliance_department")
        assert dept_ob.status == Status.MET and dept_ob.evidence == Evidence.DATA
        assert dept_ob.kind == "met_data"
        # the other duties of Art 5 are read by no check: the article is not met by one
        assert _tile(ev, 5).status == Status.NOT_ASSESSED
        out = _ob(ev, "art4.security_officers").checks[0].result
        assert out.figures == {"officers": 1, "with_full_contact": 0}


def test_attestation_counts_apart_until_it_expires(engine: Engine, world: World,
                                                   tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with unit_of_work(engine) as s:
        small = _platform(s, world.small_id)
        before = service.evaluate(session=s, actor=SYSTEM, platform=small, store=False)
        ob = _ob(before, "art32.green_packaging")
        assert ob.status == Status.NOT_ASSESSED and ob.reason.startswith("no data: ")
        att = service.attest(session=s, actor=SYSTEM, platform=small,
                             obligation_key="art32.green_packaging",
                             statement="包装减量年度报告已发布", valid_from=None,
                             valid_until=now + timedelta(days=30),
                             files=[("report.txt", b"hello", "text/plain")], data_dir=tmp_path)
        files = service.files_of(session=s, attestation_id=att.id)
        assert files[0].sha256 == \
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        assert service.evidence_path(tmp_path, files[0].sha256).read_bytes() == b"hello"
        ev = service.evaluate(session=s, actor=SYSTEM, platform=small, store=False)
        ob = _ob(ev, "art32.green_packaging")
        assert ob.status == Status.MET and ob.evidence == Evidence.ATTESTED
        assert ob.attestation_id == att.id
        counts = ev.obligation_counts()
        assert counts["met_attested"] == before.obligation_counts()["met_attested"] + 1
        assert counts["met_data"] == before.obligation_counts()["met_data"]
        # Art 32 has one more duty, not attested: the article is not met on one of two
        assert _tile(ev, 32).status == Status.NOT_ASSESSED
        service.attest(session=s, actor=SYSTEM, platform=small,
                       obligation_key="art32.frugality", statement="节约与资源利用制度已执行",
                       valid_from=None, valid_until=now + timedelta(days=30), files=[],
                       data_dir=tmp_path)
        ev = service.evaluate(session=s, actor=SYSTEM, platform=small, store=False)
        assert _tile(ev, 32).status == Status.MET
        assert ev.counts()["met_attested"] == before.counts()["met_attested"] + 1
        later = now + timedelta(days=31)
        ev = service.evaluate(session=s, actor=SYSTEM, platform=small, store=False, now=later)
        ob = _ob(ev, "art32.green_packaging")
        assert ob.status == Status.NOT_ASSESSED and "expired" in ob.reason


def test_attestation_refused_where_a_data_check_reads_the_duty(engine: Engine, world: World,
                                                                tmp_path: Path) -> None:
    with unit_of_work(engine) as s:
        big = _platform(s, world.big_id)
        with pytest.raises(InvalidInput) as err:
            service.attest(session=s, actor=SYSTEM, platform=big,
                           obligation_key="art4.security_officers",
                           statement="数据安全责任人已确定并公布", valid_from=None,
                           valid_until=datetime.now(UTC) + timedelta(days=30), files=[],
                           data_dir=tmp_path)
        assert err.value.details["field"] == "obligation_key"
        assert "art4.data_security_officers" in str(err.value)
        with pytest.raises(InvalidInput):
            service.attest(session=s, actor=SYSTEM, platform=big, obligation_key="art4.nope",
                           statement="x" * 20, valid_from=None,
                           valid_until=datetime.now(UTC) + timedelta(days=30), files=[],
                           data_dir=tmp_path)


def _exempt(s: Session, p: Platform, article: int, item: int | None) -> str:
    data: dict[str, object] = {"article": article, "ground": "beyond_control_or_capability",
                               "justification": "改造需外部供应商交付，期间以人工替代。",
                               "ends_on": (date.today() + timedelta(days=90)).isoformat()}
    if item is not None:
        data["item"] = item
    ex = request_exemption(session=s, actor=SYSTEM, platform=p, data=data)
    decide_exemption(session=s, actor=Actor(user_id="other", username="other",
                                            grants=SYSTEM.grants, via="test"),
                     exemption_id=ex.id, action="approve", note="同意")
    return ex.id


def test_item_exemption_applies_to_that_items_obligations(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        big = _platform(s, world.big_id)
        ex_id = _exempt(s, big, 7, 2)
        ev = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        ob = _ob(ev, "art7.report_published")
        assert ob.status == Status.EXEMPTED and ob.evidence == Evidence.EXEMPTED
        assert ob.exemption_id == ex_id and ob.kind == "exempted"
        assert _ob(ev, "art7.review_mechanism").status == Status.NOT_ASSESSED
        assert _tile(ev, 7).status == Status.NOT_ASSESSED
        _exempt(s, big, 9, None)
        ev = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        assert {o.status for o in _tile(ev, 9).obligations} == {Status.EXEMPTED}
        assert _tile(ev, 9).status == Status.EXEMPTED
        assert ev.counts()["exempted"] == 1 and ev.obligation_counts()["exempted"] == 3


def test_each_evaluation_is_kept_as_evidence(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        big = _platform(s, world.big_id)
        ev1 = service.evaluate(session=s, actor=SYSTEM, platform=big)
        ev2 = service.evaluate(session=s, actor=SYSTEM, platform=big)
        n = s.scalar(select(func.count()).select_from(EvidenceSnapshot))
        per_eval = sum(len(t.obligations) for t in ev1.tiles)
        assert per_eval == len(load_guideline().obligations)
        assert n == 2 * per_eval
        hist = service.history(session=s, platform_id=big.id, check_key="art35.tier")
        assert [h.evaluation_id for h in hist] == [ev2.id, ev1.id]
        assert hist[0].figures["art35.tier_assessed"]["tier"] == "super_large"
        checks = hist[0].inputs["checks"]
        assert checks[0]["key"] == "art35.tier_assessed" and checks[0]["version"]
        assert hist[0].inputs["evidence"] == "data" and hist[0].inputs["seen"] == 1
        assert service.latest_evaluation_id(session=s, platform_id=big.id) == ev2.id
