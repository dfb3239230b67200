"""Art 13 checks, four cases each (ADR 0030): no data, breach, near miss, compliance."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.lexicon import checks, service
from zeren.lexicon.domain import Action, Severity
from zeren.lexicon.formats import Document, TermInput
from zeren.lexicon.models import PatrolRun
from zeren.posture.domain import CheckContext, CheckResult, Status


def _ctx(s: Session, pid: str, now: datetime | None = None) -> CheckContext:
    return CheckContext(session=s, platform_id=pid, now=now or utcnow())


def _no_data(r: CheckResult) -> bool:
    return r.status == Status.NOT_ASSESSED and r.reason.startswith("no data: ")


def _term(term: str) -> TermInput:
    return TermInput(term, "custom", Severity.HIGH, Action.BLOCK)


def _patrol(s: Session, pid: str, name: str = "default") -> PatrolRun:
    run = service.start_patrol(session=s, actor=SYSTEM, platform_id=pid, name=name)
    while not service.patrol_step(session=s, run=run):
        pass
    return run


def test_lexicon_maintained_four_cases(engine: Engine, world: World) -> None:
    days = int(service.patrol_settings()["check"]["maintained_within_days"])
    with unit_of_work(engine) as s:
        # no lexicon stored at all: the platform's lexicon is missing (a breach, not no data)
        r = checks.lexicon_maintained(_ctx(s, world.small_id))
        assert r.status == Status.UNMET and r.figures["lexicon"] == "default"
        # another lexicon's changes do not count
        service.apply_changes(session=s, actor=SYSTEM, name="other", upserts=[_term("枪支")],
                              reason="r")
        assert checks.lexicon_maintained(_ctx(s, world.small_id)).status == Status.UNMET
        service.apply_changes(session=s, actor=SYSTEM, name="default", upserts=[_term("冰毒")],
                              reason="r")
        r = checks.lexicon_maintained(_ctx(s, world.small_id))
        assert r.status == Status.MET and r.seen == 1 and r.scope == "group"  # compliance
        now = utcnow()
        # near miss: a day inside the window, then a day past it
        assert checks.lexicon_maintained(
            _ctx(s, world.small_id, now + timedelta(days=days - 1))).status == Status.MET
        r = checks.lexicon_maintained(_ctx(s, world.small_id, now + timedelta(days=days + 1)))
        assert r.status == Status.AT_RISK and r.seen == 0


def test_patrol_ran_four_cases(engine: Engine, world: World) -> None:
    hours = int(service.patrol_settings()["check"]["patrol_within_hours"])
    pid = world.small_id
    with unit_of_work(engine) as s:
        assert _no_data(checks.patrol_ran(_ctx(s, pid)))  # no item, no patrol
        service.apply_changes(session=s, actor=SYSTEM, name="default", upserts=[_term("枪支")],
                              reason="r")
        service.submit_items(session=s, actor=SYSTEM, platform_id=pid,
                             items=[Document("i1", "出售枪支"), Document("i2", "好货")])
        r = checks.patrol_ran(_ctx(s, pid))
        assert r.status == Status.UNMET  # breach: items published, never patrolled
    with unit_of_work(engine) as s:
        run = _patrol(s, pid)
        assert run.items_done == 2
        finished = run.finished_at
        assert finished is not None
        r = checks.patrol_ran(_ctx(s, pid))
        assert r.status == Status.MET and r.seen == 2  # compliance
        # near miss either side of the window
        assert checks.patrol_ran(
            _ctx(s, pid, finished + timedelta(hours=hours, minutes=-1))).status == Status.MET
        assert checks.patrol_ran(
            _ctx(s, pid, finished + timedelta(hours=hours, minutes=1))).status == Status.UNMET
        # a patrol that finished over zero items shows nothing
        s.execute(update(PatrolRun).where(PatrolRun.id == run.id).values(items_done=0))
        assert _no_data(checks.patrol_ran(_ctx(s, pid)))
        # the other platform is not read
        assert _no_data(checks.patrol_ran(_ctx(s, world.big_id)))


def test_hits_handled_four_cases(engine: Engine, world: World) -> None:
    pid = world.small_id
    with unit_of_work(engine) as s:
        service.apply_changes(session=s, actor=SYSTEM, name="default", upserts=[_term("枪支")],
                              reason="r")
        service.submit_items(session=s, actor=SYSTEM, platform_id=pid,
                             items=[Document("clean", "好货")])
        _patrol(s, pid)
        assert _no_data(checks.hits_handled(_ctx(s, pid)))  # zero findings: not "all handled"
        service.submit_items(session=s, actor=SYSTEM, platform_id=pid,
                             items=[Document("bad", "出售枪支")])
        _patrol(s, pid)
        r = checks.hits_handled(_ctx(s, pid))
        assert _no_data(r) and r.figures["open"] == 1  # near miss: open, within its SLA
        late = checks.hits_handled(_ctx(s, pid, utcnow() + timedelta(days=30)))
        assert late.status == Status.AT_RISK and late.figures["overdue"] == 1  # breach
