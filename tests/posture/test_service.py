"""The posture: built-in checks, attestations and their expiry, evidence snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.org import service as org
from zeren.platforms.models import Platform
from zeren.posture import service
from zeren.posture.domain import Status, worst
from zeren.posture.models import EvidenceSnapshot
from zeren.posture.plugins import all_checks


def _tile(ev: service.Evaluation, article: int) -> service.ArticleTile:
    return next(t for t in ev.tiles if t.article == article)


def test_builtin_checks_come_through_the_registry() -> None:
    keys = {c.key for c in all_checks()}
    assert {"art35.tier_assessed", "art4.data_security_officers",
            "art5.compliance_department"} <= keys


def test_worst_status_wins() -> None:
    assert worst([Status.MET, Status.AT_RISK]) == Status.AT_RISK
    assert worst([Status.MET, Status.UNMET, Status.EXEMPTED]) == Status.UNMET
    assert worst([]) == Status.NOT_ASSESSED


def test_scope_follows_tier(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        big = s.get(Platform, world.big_id)
        small = s.get(Platform, world.small_id)
        assert big and small
        ev_big = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        ev_small = service.evaluate(session=s, actor=SYSTEM, platform=small, store=False)
    assert [t.article for t in ev_big.tiles if t.applicable] == list(range(1, 36))
    assert [t.article for t in ev_small.tiles if t.applicable] == list(range(10, 35))
    assert _tile(ev_small, 4).status == Status.NOT_APPLICABLE
    assert _tile(ev_big, 35).status == Status.MET  # the world fixture ran last year's test


def test_art4_and_art5_from_the_org_registry(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        big = s.get(Platform, world.big_id)
        assert big
        ev = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        assert _tile(ev, 4).status == Status.UNMET
        assert _tile(ev, 5).status == Status.UNMET
        dept = org.add_department(session=s, actor=SYSTEM, platform=big, name="合规部",
                                  kind="compliance")
        p = org.add_person(session=s, actor=SYSTEM, platform=big,
                           data={"name": "陈立", "email": "c@x.cn", "department_id": dept.id})
        org.assign_duty(session=s, actor=SYSTEM, platform=big, person_id=p.id,
                        duty="data_security_officer", since=date(2024, 1, 1))
        ev = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        assert _tile(ev, 4).status == Status.AT_RISK  # no phone
        assert _tile(ev, 5).status == Status.AT_RISK  # no head
        p2 = org.add_person(session=s, actor=SYSTEM, platform=big,
                            data={"name": "周敏", "email": "z@x.cn", "phone": "0571-1234567"})
        org.assign_duty(session=s, actor=SYSTEM, platform=big, person_id=p2.id,
                        duty="compliance_head", since=date(2024, 1, 1))
        ev = service.evaluate(session=s, actor=SYSTEM, platform=big, store=False)
        assert _tile(ev, 5).status == Status.MET
        out = _tile(ev, 4).outcomes[0].result
        assert out.figures == {"officers": 1, "with_full_contact": 0}


def test_attestation_counts_until_it_expires(engine: Engine, world: World, tmp_path: Path
                                            ) -> None:
    now = datetime.now(UTC)
    with unit_of_work(engine) as s:
        small = s.get(Platform, world.small_id)
        assert small
        att = service.attest(session=s, actor=SYSTEM, platform=small,
                             check_key="art32.attestation",
                             statement="包装减量年度报告已发布", valid_from=None,
                             valid_until=now + timedelta(days=30),
                             files=[("report.txt", b"hello", "text/plain")], data_dir=tmp_path)
        files = service.files_of(session=s, attestation_id=att.id)
        assert files[0].sha256 == \
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        assert service.evidence_path(tmp_path, files[0].sha256).read_bytes() == b"hello"
        ev = service.evaluate(session=s, actor=SYSTEM, platform=small, store=False)
        assert _tile(ev, 32).status == Status.MET
        later = now + timedelta(days=31)
        ev = service.evaluate(session=s, actor=SYSTEM, platform=small, store=False, now=later)
        tile = _tile(ev, 32)
        assert tile.status == Status.NOT_ASSESSED
        assert "expired" in tile.outcomes[0].result.reason


def test_each_evaluation_is_kept_as_evidence(engine: Engine, world: World) -> None:
    with unit_of_work(engine) as s:
        big = s.get(Platform, world.big_id)
        assert big
        ev1 = service.evaluate(session=s, actor=SYSTEM, platform=big)
        ev2 = service.evaluate(session=s, actor=SYSTEM, platform=big)
        n = s.scalar(select(func.count()).select_from(EvidenceSnapshot))
        per_eval = sum(len(t.outcomes) for t in ev1.tiles)
        assert n == 2 * per_eval
        hist = service.history(session=s, platform_id=big.id, check_key="art35.tier_assessed")
        assert [h.evaluation_id for h in hist] == [ev2.id, ev1.id]
        assert hist[0].figures["tier"] == "super_large"
        assert service.latest_evaluation_id(session=s, platform_id=big.id) == ev2.id
