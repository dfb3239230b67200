"""Versioned lexicons, the matcher cache following new versions, and the daily patrol."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.errors import InvalidInput, NotFound
from zeren.lexicon import checks, service
from zeren.lexicon.domain import Action, Severity
from zeren.lexicon.formats import Document, TermInput
from zeren.posture.domain import CheckContext, Status


def _ti(term: str, action: Action = Action.BLOCK, platform_id: str | None = None) -> TermInput:
    return TermInput(term, "custom", Severity.HIGH, action, platform_id=platform_id)


def test_every_change_is_a_version(session: Session) -> None:
    v1 = service.apply_changes(session=session, actor=SYSTEM, name="shop",
                               upserts=[_ti("枪支"), _ti("冰毒")], reason="first")
    assert v1 is not None and (v1.version, v1.added, v1.term_count) == (1, 2, 2)
    assert service.apply_changes(session=session, actor=SYSTEM, name="shop",
                                 upserts=[_ti("枪支")], reason="same") is None
    v2 = service.apply_changes(session=session, actor=SYSTEM, name="shop",
                               upserts=[_ti("枪支", Action.REVIEW)], removals=[("冰毒", None)],
                               reason="soften")
    assert v2 is not None and (v2.version, v2.added, v2.removed, v2.term_count) == (2, 1, 2, 1)
    vs = service.list_versions(session=session, name="shop")
    assert [(v.version, v.reason, v.actor_name) for v in vs] == [
        (1, "first", SYSTEM.username), (2, "soften", SYSTEM.username)]
    d = service.diff_versions(session=session, actor=SYSTEM, name="shop", v1=1, v2=2)
    assert [r.term for r in d.removed] == ["冰毒"] and [n.term for _, n in d.changed] == ["枪支"]
    lex = service.get_lexicon(session=session, name="shop")
    assert [t.term for t in service.terms_at(session=session, lexicon=lex, version=1)] == [
        "冰毒", "枪支"]
    assert service.export_rows(session=session, actor=SYSTEM, name="shop")[0]["action"] == "review"


def test_changes_are_all_or_nothing(session: Session) -> None:
    with pytest.raises(InvalidInput, match="entry 2"):
        service.apply_changes(session=session, actor=SYSTEM, name="x",
                              upserts=[_ti("好词"), _ti("！！")], reason="r")
    with pytest.raises(InvalidInput, match="say why"):
        service.apply_changes(session=session, actor=SYSTEM, name="x", upserts=[_ti("a")],
                              reason=" ")
    with pytest.raises(NotFound):
        service.get_lexicon(session=session, name="x")


def test_scope_platform_terms(session: Session, world: World) -> None:
    service.apply_changes(session=session, actor=SYSTEM, name="s", reason="r",
                          upserts=[_ti("枪支"), _ti("特供酒", platform_id=world.small_id)])
    docs = [Document("1", "特供酒")]
    _, group = service.screen_documents(session=session, name="s", documents=docs)
    _, small = service.screen_documents(session=session, name="s", documents=docs,
                                        platform_id=world.small_id)
    assert group[0].hits == () and small[0].hits[0].term == "特供酒"


def test_new_version_is_picked_up_without_restart(engine: Engine) -> None:
    service.CACHE.clear()
    with unit_of_work(engine) as s:
        service.apply_changes(session=s, actor=SYSTEM, name="live", upserts=[_ti("枪支")],
                              reason="r")
    with unit_of_work(engine) as s:
        old = service.matcher_for(session=s, name="live", wait=False)
    assert old.version == 1
    with unit_of_work(engine) as s:
        service.apply_changes(session=s, actor=SYSTEM, name="live", upserts=[_ti("冰毒")],
                              reason="r")
    # The first call after the change keeps serving v1 while v2 compiles in the background.
    deadline = time.monotonic() + 10
    got = old
    while got.version != 2 and time.monotonic() < deadline:
        with unit_of_work(engine) as s:
            got = service.matcher_for(session=s, name="live", wait=False)
        time.sleep(0.01)
    assert got.version == 2 and got.screen("冰毒").hits
    assert old.screen("冰毒").hits == ()  # work holding v1 finishes on v1


def test_default_lexicon_without_storage(session: Session) -> None:
    m = service.matcher_for(session=session, name="default")
    assert m.screen("国家级产品").decision == "review"
    v = service.seed_default(session=session, actor=SYSTEM)
    assert v is not None and v.term_count > 50
    assert service.seed_default(session=session, actor=SYSTEM) is None


def _submit(s: Session, pid: str, docs: list[Document]) -> None:
    service.submit_items(session=s, actor=SYSTEM, platform_id=pid, items=docs)


def test_patrol_resumes_reports_new_hits_and_feeds_posture(engine: Engine, world: World) -> None:
    pid = world.small_id
    with unit_of_work(engine) as s:
        service.apply_changes(session=s, actor=SYSTEM, name="p", upserts=[_ti("枪支")],
                              reason="r")
        _submit(s, pid, [Document(f"i{n}", "出售枪支" if n % 3 == 0 else "普通商品")
                         for n in range(10)])
    with unit_of_work(engine) as s:
        run = service.start_patrol(session=s, actor=SYSTEM, platform_id=pid, name="p",
                                   partitions=1)
        assert run.items_total == 10
        assert not service.patrol_step(session=s, run=run, batch_size=4)
        run_id = run.id
    with unit_of_work(engine) as s:  # "crash" here: a fresh start resumes the same run
        run = service.start_patrol(session=s, actor=SYSTEM, platform_id=pid, name="p")
        assert run.id == run_id and run.items_done == 4
        while not service.patrol_step(session=s, run=run, batch_size=4):
            pass
        assert (run.status, run.items_done, run.hits_total, run.new_hits) == (
            "finished", 10, 4, 4)
    with unit_of_work(engine) as s:
        _submit(s, pid, [Document("new", "卖枪支")])
        run2 = service.start_patrol(session=s, actor=SYSTEM, platform_id=pid, name="p")
        while not service.patrol_step(session=s, run=run2):
            pass
        assert run2.new_hits == 1 and run2.hits_total == 5
        assert [f.matched for f in service.new_findings(session=s, run=run2)] == ["枪支"]
    now = utcnow()
    with unit_of_work(engine) as s:
        ctx = CheckContext(session=s, platform_id=pid, now=now)
        assert checks.lexicon_maintained(ctx).status == Status.MET
        assert checks.patrol_ran(ctx).status == Status.MET
        # cases open within their SLA, none decided yet: nothing shows the duty done
        assert checks.hits_handled(ctx).status == Status.NOT_ASSESSED
        late = CheckContext(session=s, platform_id=pid, now=now + timedelta(days=30))
        assert checks.patrol_ran(late).status == Status.UNMET
        assert checks.hits_handled(late).status == Status.AT_RISK
        assert service.patrol_due(session=s, platform_id=pid, now=now + timedelta(days=2))
        other = CheckContext(session=s, platform_id=world.big_id, now=now)
        assert checks.patrol_ran(other).status == Status.NOT_ASSESSED
        assert checks.hits_handled(other).status == Status.NOT_ASSESSED
    assert {c.key for c in checks.zeren_posture_checks()} == {
        "lexicon.art13.maintained", "lexicon.art13.patrol", "lexicon.art13.hits_handled"}


def test_partitions_cover_every_item_once_and_a_failed_one_is_retried_alone(
        engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from zeren.lexicon import patrol
    from zeren.lexicon.models import PatrolFinding

    pid = world.small_id
    with unit_of_work(engine) as s:
        service.seed_default(session=s, actor=SYSTEM)
        _submit(s, pid, [Document(f"i{n}", "出售冰毒" if n % 2 else "好货") for n in range(40)])
        run = service.start_patrol(session=s, actor=SYSTEM, platform_id=pid, name="default",
                                   partitions=4)
        parts = patrol.partitions_of(session=s, run=run)
        assert [p.part for p in parts] == [0, 1, 2, 3]
        assert sum(p.items_total for p in parts) == run.items_total == 40
        real = patrol.screen_partition
        calls = {"n": 0}

        def flaky(matcher, items, **kw):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("executor lost")
            return real(matcher, items, **kw)

        monkeypatch.setattr(patrol, "screen_partition", flaky)
        while not service.patrol_step(session=s, run=run, batch_size=7):
            pass
        parts = patrol.partitions_of(session=s, run=run)
        assert run.status == "finished" and run.items_done == 40, run.error
        assert all(p.status == "done" for p in parts)
        assert sum(p.attempts for p in parts) == 1  # one failure, retried alone
        assert s.scalar(select(func.count()).select_from(PatrolFinding)) == 20

        # a partition that keeps failing ends the run "failed", naming it
        monkeypatch.setattr(patrol, "screen_partition", lambda *a, **k: 1 / 0)
        _submit(s, pid, [Document("late", "冰毒")])
        run2 = service.start_patrol(session=s, actor=SYSTEM, platform_id=pid, name="default",
                                    partitions=2)
        while not service.patrol_step(session=s, run=run2):
            pass
        assert run2.status == "failed" and "ZeroDivisionError" in (run2.error or "")
        ctx = CheckContext(session=s, platform_id=pid, now=utcnow())
        assert checks.patrol_ran(ctx).status == Status.UNMET


def test_run_due_patrols(engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every platform whose schedule fired since its last run is patrolled (or resumed);
    the others are left alone; a missing lexicon is reported, not raised."""
    from datetime import UTC, datetime

    t0 = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)  # 03:00 in Shanghai: 02:00 has passed
    with unit_of_work(engine) as s:
        out = service.run_due_patrols(session=s, now=t0)
        # no lexicon stored as "default" yet: both platforms due, neither can start
        assert {(o.platform_id, o.error) for o in out} == {
            (world.big_id, "no lexicon named 'default'"),
            (world.small_id, "no lexicon named 'default'")}
        assert all(o.run_id is None and not o.finished for o in out)
    with unit_of_work(engine) as s:
        service.seed_default(session=s, actor=SYSTEM)
        _submit(s, world.small_id, [
            Document(f"i{n}", "出售冰毒" if n % 2 else "好货") for n in range(5)])
    monkeypatch.setitem(service.patrol_settings(), "partitions", 1)
    with unit_of_work(engine) as s:  # bounded: one batch of two items per platform
        out = service.run_due_patrols(session=s, now=t0, max_batches=1, batch_size=2)
        by = {o.platform_id: o for o in out}
        assert by[world.small_id].items_done == 2 and not by[world.small_id].finished
        assert not by[world.small_id].resumed
        assert not by[world.big_id].finished and by[world.big_id].items_total == 0
        small_run = by[world.small_id].run_id
    with unit_of_work(engine) as s:  # the unfinished runs are due and resume at their cursor
        assert service.patrol_due(session=s, platform_id=world.small_id, now=t0)
        out = service.run_due_patrols(session=s, now=t0, batch_size=2)
        by = {o.platform_id: o for o in out}
        o = by[world.small_id]
        assert (o.run_id, o.resumed, o.finished, o.items_done, o.new_hits) == (
            small_run, True, True, 5, 2)
        assert by[world.big_id].finished
        assert not service.patrol_due(session=s, platform_id=world.big_id, now=t0)
    with unit_of_work(engine) as s:
        # nothing due again until the schedule fires at 02:00 Shanghai the next day
        assert service.run_due_patrols(session=s, now=t0 + timedelta(hours=20)) == []
        out = service.run_due_patrols(session=s, now=t0 + timedelta(hours=23, minutes=1))
        assert {o.platform_id for o in out} == {world.big_id, world.small_id}
        assert all(o.finished and not o.resumed and o.version == 1 for o in out)
        small = next(o for o in out if o.platform_id == world.small_id)
        assert (small.hits, small.new_hits) == (2, 0)  # the same hits: nothing new


def test_patrol_plan_per_platform(session: Session, world: World,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from zeren.platforms.models import Platform

    cfg = dict(service.patrol_settings())
    cfg["platform"] = {"small": {"schedule": "30 3 * * *", "lexicon": "shop"}}
    monkeypatch.setattr(service, "patrol_settings", lambda: cfg)
    small = session.get(Platform, world.small_id)
    big = session.get(Platform, world.big_id)
    assert small is not None and big is not None
    sched, name = service.patrol_plan(platform=small)
    assert name == "shop"
    assert sched.last_fire(datetime(2026, 3, 10, 20, 0, tzinfo=UTC)) == datetime(
        2026, 3, 10, 19, 30, tzinfo=UTC)
    assert service.patrol_plan(platform=big)[1] == "default"


def test_patrol_outcome_reads_well(engine: Engine, world: World,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    with unit_of_work(engine) as s:
        service.seed_default(session=s, actor=SYSTEM)
        _submit(s, world.small_id, [Document(f"i{n}", "出售冰毒") for n in range(3)])
    monkeypatch.setitem(service.patrol_settings(), "partitions", 1)
    with unit_of_work(engine) as s:
        out = service.run_due_patrols(session=s, now=datetime(2026, 3, 10, 19, tzinfo=UTC),
                                      max_batches=1, batch_size=1)
    small = next(o for o in out if o.platform_id == world.small_id)
    assert str(small).endswith("unfinished, 1/3 items, 1 hits, 1 new"), str(small)
