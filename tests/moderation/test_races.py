"""Interleaved requests on the real database (both legs): each test holds two units of work
at the point where both have read the same row, then lets them write. One wins; the other
gets a 409 and writes nothing (ADR 0301)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tests.conftest import World
from zeren.auth.policy import SYSTEM, Actor, Grant
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.errors import Conflict
from zeren.moderation.models import (
    Appeal,
    IPEvent,
    LedgerOutbox,
    Measure,
    Notice,
    OutboxMessage,
    Subject,
)
from zeren.moderation.schemas import DecisionIn, GroundIn, IPNoticeIn, MeasureIn, ReportIn, SubjectIn
from zeren.moderation.services import appeals, cases, common, decisions, delivery, intake, ip

A = Actor(user_id="a", username="mod-a", grants=(Grant("moderator", None),))
B = Actor(user_id="b", username="mod-b", grants=(Grant("moderator", None),))
C = Actor(user_id="c", username="mod-c", grants=(Grant("moderator", None),))


def report(ref: str = "p1") -> ReportIn:
    return ReportIn(subject=SubjectIn.model_validate(
        {"kind": "post", "external_ref": ref, "text": "谣言",
         "owner": {"kind": "user", "external_ref": "u1"}}), category="illegal.rumours")


def both_read(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, n: int = 2) -> None:
    """Make ``module.name`` (a reader) wait until ``n`` threads have read."""
    barrier = threading.Barrier(n)
    orig: Callable[..., Any] = getattr(module, name)

    def read_then_wait(**kw: Any) -> Any:
        got = orig(**kw)
        barrier.wait(timeout=10)
        return got
    monkeypatch.setattr(module, name, read_then_wait)


def race(engine: Engine, *jobs: Callable[[Any], object]) -> list[str]:
    """Run each job in its own thread and unit of work; 'ok' or the Conflict's code."""
    out: list[str] = [""] * len(jobs)

    def run(i: int) -> None:
        try:
            with unit_of_work(engine) as s:
                jobs[i](s)
            out[i] = "ok"
        except Conflict as exc:
            out[i] = exc.code
    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def decided_removal(engine: Engine, world: World, ref: str = "p1") -> str:
    with unit_of_work(engine) as s:
        r = intake.submit_reports(session=s, platform_id=world.big_id, items=[report(ref)],
                               received_by="t")[0]
        cases.claim_case(session=s, actor=A, case_id=r.case_id)
        decisions.decide_case(session=s, actor=A, case_id=r.case_id, body=DecisionIn(
            decision="action", measures=[MeasureIn(code="removal")],
            ground=GroundIn(kind="law", law="L", article="1"), facts="f"))
        return r.case_id


def test_two_moderators_deciding_one_appeal_have_one_winner(
        engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    decided_removal(engine, world)
    with unit_of_work(engine) as s:
        m = s.scalars(select(Measure).where(Measure.code == "removal")).one()
        acc = s.get(Subject, m.account_id)
        assert acc is not None
        aid = appeals.appeal_as_party(session=s, actor=SYSTEM, measure_id=m.id, appellant=acc,
                                  grounds="g").id
    both_read(monkeypatch, appeals, "get_appeal")
    got = race(engine,
               lambda s: appeals.decide_appeal(session=s, actor=B, appeal_id=aid,
                                               outcome="upheld", reason="r"),
               lambda s: appeals.decide_appeal(session=s, actor=C, appeal_id=aid,
                                               outcome="overturned", reason="r"))
    assert sorted(got) == ["already_decided", "ok"]
    with unit_of_work(engine) as s:
        a = s.get(Appeal, aid)
        assert a is not None and a.decided_by == ("mod-b" if got[0] == "ok" else "mod-c")
        assert s.scalar(select(func.count()).select_from(Notice).where(
            Notice.kind == "appeal")) == 1
        assert s.scalar(select(func.count()).select_from(LedgerOutbox).where(
            LedgerOutbox.record_class == "moderation.appeals")) == 1


def test_two_moderators_taking_ip_measures_have_one_winner(
        engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with unit_of_work(engine) as s:
        nid = ip.file_notice(session=s, actor=SYSTEM, platform_id=world.big_id,
                             body=IPNoticeIn.model_validate({
                                 "subject": {"kind": "listing", "external_ref": "sku-9"},
                                 "rights_holder": "X", "right_type": "trademark",
                                 "evidence": [{"kind": "url", "ref": "https://e.x/1"}]}))[0].id
    both_read(monkeypatch, ip, "get_notice")
    got = race(engine,
               lambda s: ip.take_measures(session=s, actor=A, notice_id=nid,
                                          code="stop_transmission", note=""),
               lambda s: ip.take_measures(session=s, actor=B, notice_id=nid,
                                          code="stop_transmission", note=""))
    assert sorted(got) == ["invalid_transition", "ok"]
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Measure)) == 1
        assert s.scalar(select(func.count()).select_from(IPEvent).where(
            IPEvent.notice_id == nid, IPEvent.kind == "measures_taken")) == 1


def test_report_on_a_case_decided_meanwhile_opens_a_new_case(
        engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with unit_of_work(engine) as s:
        first = intake.submit_reports(session=s, platform_id=world.big_id, items=[report("p2")],
                                      received_by="t")[0]
        cases.claim_case(session=s, actor=A, case_id=first.case_id)
    read, go = threading.Event(), threading.Event()
    orig = intake._bundle

    def bundle_later(*a: Any, **k: Any) -> bool:
        read.set()  # the intake has read the case as open
        go.wait(timeout=10)
        return orig(*a, **k)
    monkeypatch.setattr(intake, "_bundle", bundle_later)
    got: list[intake.Receipt] = []

    def take_in() -> None:
        with unit_of_work(engine) as s:
            got.extend(intake.submit_reports(session=s, platform_id=world.big_id,
                                             items=[report("p2")], received_by="t"))
    t = threading.Thread(target=take_in)
    t.start()
    assert read.wait(timeout=10)
    with unit_of_work(engine) as s:
        decisions.decide_case(session=s, actor=A, case_id=first.case_id,
                              body=DecisionIn(decision="no_action"))
    go.set()
    t.join()
    assert got and got[0].case_id != first.case_id and not got[0].bundled
    with unit_of_work(engine) as s:
        old = cases.get_case(session=s, case_id=first.case_id)
        new = cases.get_case(session=s, case_id=got[0].case_id)
        assert old.status == "decided" and old.report_count == 1
        assert new.status == "open" and new.report_count == 1 and new.open_key is not None


def test_concurrent_reports_on_one_case_all_count(
        engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with unit_of_work(engine) as s:
        first = intake.submit_reports(session=s, platform_id=world.big_id, items=[report("p3")],
                                      received_by="t")[0]
    barrier = threading.Barrier(2)
    orig = intake._bundle

    def bundle_together(*a: Any, **k: Any) -> bool:
        barrier.wait(timeout=10)  # both have read report_count == 1
        return orig(*a, **k)
    monkeypatch.setattr(intake, "_bundle", bundle_together)
    two = [ReportIn.model_validate({**report("p3").model_dump(), "source": src})
           for src in ("user", "trusted_flagger")]
    got = race(engine, *[lambda s, r=r: intake.submit_reports(
        session=s, platform_id=world.big_id, items=[r], received_by="t") for r in two])
    assert got == ["ok", "ok"]
    with unit_of_work(engine) as s:
        c = cases.get_case(session=s, case_id=first.case_id)
        assert c.report_count == 3
        assert set(c.sources.split(",")) == {"user", "trusted_flagger"}


class CountingLog:
    """A RecordLog that counts how often each outbox row is appended."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.lock = threading.Lock()

    def append(self, *, record_class: str, record: dict[str, Any], subject: str | None,
               at: Any) -> Any:
        with self.lock:
            self.seen[record["outbox_id"]] = self.seen.get(record["outbox_id"], 0) + 1
            return SimpleNamespace(log="moderation.test", index=sum(self.seen.values()))


def claim_together(monkeypatch: pytest.MonkeyPatch, runs: int) -> None:
    """Make ``runs`` concurrent runs claim their outbox rows at the same moment (a barrier,
    not a sleep), so the database, not the scheduler, decides who gets which row."""
    barrier = threading.Barrier(runs)
    orig = delivery._claim

    def claim(**kw: Any) -> str:
        barrier.wait(timeout=10)
        return orig(**kw)
    monkeypatch.setattr(delivery, "_claim", claim)


def test_concurrent_ledger_flushes_append_each_record_once(
        engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with unit_of_work(engine) as s:
        for i in range(6):
            common.to_ledger(session=s, record_class="moderation.measures", record={"i": i},
                         subject=f"measure:{i}")
    rl = CountingLog()
    claim_together(monkeypatch, 3)
    counts: list[int] = []
    ts = [threading.Thread(target=lambda: counts.append(
        delivery.flush_ledger(engine=engine, record_log=rl))) for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(rl.seen.values()) == [1] * 6 and sum(counts) == 6
    with unit_of_work(engine) as s:
        rows = s.scalars(select(LedgerOutbox)).all()
        assert all(r.logged_at is not None and r.claim is None for r in rows)


def test_concurrent_webhook_runs_send_each_message_once(
        engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    with unit_of_work(engine) as s:
        h = delivery.create_webhook(session=s, actor=SYSTEM, platform_id=world.big_id,
                                    url="http://127.0.0.1:9/x")
        for i in range(5):
            s.add(OutboxMessage(platform_id=world.big_id, webhook_id=h.id, event="x",
                                payload={"i": i}, next_attempt_at=utcnow()))
    sent: list[str] = []
    lock = threading.Lock()

    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        with lock:
            sent.append(headers["X-Zeren-Delivery"])
        return 204
    claim_together(monkeypatch, 3)
    ts = [threading.Thread(target=delivery.deliver_due, kwargs={"engine": engine, "post": post})
          for _ in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(sent) == 5 and len(set(sent)) == 5
    with unit_of_work(engine) as s:
        assert {m.status for m in s.scalars(select(OutboxMessage))} == {"delivered"}
