"""The rules' posture checks called directly: no data, a breach, compliance."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update

from tests.conftest import World
from tests.rules.conftest import T0, Walk
from zeren.db.session import unit_of_work
from zeren.posture.domain import CheckContext, Status
from zeren.rules import checks
from zeren.rules import domain as d
from zeren.rules import schemas as s
from zeren.rules.models import RuleVersion
from zeren.rules.services import documents as docs


def _run(engine: Engine, world: World, fn: object, now: object) -> object:
    with unit_of_work(engine) as ss:
        return fn(CheckContext(session=ss, platform_id=world.big_id, now=now))  # type: ignore


def test_no_data_is_never_met(engine: Engine, world: World) -> None:
    for fn in (checks.change_procedure, checks.rules_in_force, checks.credit_rule_published,
               checks.exclusivity_decided, checks.fee_changes_justified):
        got = _run(engine, world, fn, T0)
        assert got.status == Status.NOT_ASSESSED, fn  # type: ignore[attr-defined]


def test_compliance_then_breaches(engine: Engine, world: World) -> None:
    w = Walk(engine, world.big_id)
    w.document("credit", kind="credit_rule")
    fee = {"code": "c", "name": "佣金", "basis": "percent", "amount": 5}
    v1 = w.draft(fee_items=[fee])
    eff = w.publish_through(v1, T0)
    later = eff + timedelta(days=1)
    for fn in (checks.change_procedure, checks.rules_in_force, checks.credit_rule_published,
               checks.exclusivity_decided, checks.fee_changes_justified):
        got = _run(engine, world, fn, later)
        assert got.status == Status.MET, (fn, got)  # type: ignore[attr-defined]
    # announced but not in force yet: at risk, not met
    assert _run(engine, world, checks.credit_rule_published,
                eff - timedelta(seconds=1)).status == Status.AT_RISK  # type: ignore
    # an uploaded clause with an undecided exclusivity finding
    from zeren.auth.policy import SYSTEM
    from zeren.rules.services import exclusivity

    with unit_of_work(engine) as ss:
        exclusivity.upload_clause(session=ss, actor=SYSTEM, platform_id=world.big_id,
                                  data=s.ClauseIn(title="协议", text="商家须二选一"), now=later)
    got = _run(engine, world, checks.exclusivity_decided, later)
    assert got.status == Status.UNMET and got.figures["open_findings"] == 1  # type: ignore
    # a fee increase published without justification (written past the service, as a
    # database edit would be) is caught
    v2 = w.draft(fee_items=[{**fee, "amount": 8}], justification="成本", now=later)
    start = later + timedelta(days=1)
    closes = d.days_after(start, 7)
    w.do(docs.open_consultation, v2, closes_at=closes, now=start)
    w.do(docs.decide, v2, data=s.DecisionIn(outcome="adopt", decision="通过"), now=closes)
    w.do(docs.publish, v2, effective_at=d.earliest_effective(closes, 7), now=closes)
    assert _run(engine, world, checks.fee_changes_justified, closes).status == Status.MET  # type: ignore
    with unit_of_work(engine) as ss:
        ss.execute(update(RuleVersion).where(RuleVersion.id == v2).values(justification=""))
    got = _run(engine, world, checks.fee_changes_justified, closes)
    assert got.status == Status.UNMET  # type: ignore[attr-defined]
    # a notice shorter than needed (again written past the service)
    with unit_of_work(engine) as ss:
        ss.execute(update(RuleVersion).where(RuleVersion.id == v2).values(
            effective_at=closes + timedelta(days=2)))
    got = _run(engine, world, checks.change_procedure, closes)
    assert got.status == Status.UNMET and "notice" in got.reason  # type: ignore
