"""Planted moderation, patrol and posture data for a platform over a period, with the
counts a reader can expect computed here from what was planted (not from the modules)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zeren.lexicon.models import PatrolFinding
from zeren.moderation.models import Appeal, Case, Measure, Report, Subject
from zeren.posture.models import EvidenceSnapshot

CATEGORIES = ("prohibited_goods", "fraud", "counterfeit")
SOURCES = ("public", "user", "trusted_flagger", "patrol")


@dataclass
class Expected:
    items: int = 0
    reports: int = 0
    cases: int = 0
    sla_breaches: int = 0
    handling_hours: list[float] = field(default_factory=list)
    appeals_decided: int = 0
    appeals_overturned: int = 0
    patrol_hits: int = 0
    patrol_handled: int = 0
    posture: dict[str, str] = field(default_factory=dict)
    reports_by_source: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    measures: int = 0


def _id() -> str:
    return str(uuid.uuid4())


def plant(session: Session, *, platform_id: str, start: datetime, end: datetime, n: int,
          seed: int = 7, outside: bool = True, now: datetime) -> Expected:
    """``n`` items in the period (and, with ``outside``, a few before and after it that must
    not count), each third reported into a case; cases decided or not, in time or late;
    measures, appeals upheld or overturned; patrol hits handled or not; two posture
    evaluations in the period and one after it."""
    rng = random.Random(seed)
    exp = Expected()
    span = (end - start).total_seconds()
    account = Subject(id=_id(), platform_id=platform_id, kind="user",
                      external_ref=f"acct-{seed}", created_at=start + timedelta(seconds=1))
    session.add(account)
    times = [start + timedelta(seconds=rng.uniform(1, span - 3600)) for _ in range(n)]
    if outside:
        times += [start - timedelta(days=2), end + timedelta(hours=1)]
    subjects, cases, reports, measures, appeals, hits = [], [], [], [], [], []
    for i, at in enumerate(times):
        inside = start <= at < end
        s = Subject(id=_id(), platform_id=platform_id, kind="listing",
                    external_ref=f"item-{seed}-{i}", owner_id=account.id, created_at=at)
        subjects.append(s)
        exp.items += inside
        if i % 3:
            continue
        cat = CATEGORIES[i % len(CATEGORIES)]
        due = at + timedelta(hours=24)
        decided = None if i % 9 == 6 else at + timedelta(hours=rng.choice([2, 5, 20, 30, 50]))
        c = Case(id=_id(), platform_id=platform_id, subject_id=s.id, category=cat,
                 severity=2, queue="default", status="decided" if decided else "open",
                 priority=1, report_count=1, sources="patrol" if i % 2 else "public",
                 sla_due_at=due, decision="action" if decided else None,
                 decided_at=decided, decided_by="mod" if decided else None, created_at=at,
                 open_key=None if decided else s.id)
        cases.append(c)
        src = SOURCES[i % len(SOURCES)]
        reports.append(Report(id=_id(), receipt=f"R-{seed}-{i}", platform_id=platform_id,
                              case_id=c.id, subject_id=s.id, category=cat, source=src,
                              created_at=at))
        if inside:
            exp.cases += 1
            exp.reports += 1
            exp.reports_by_source[src] = exp.reports_by_source.get(src, 0) + 1
            exp.by_category[cat] = exp.by_category.get(cat, 0) + 1
            if (decided or now) > due:
                exp.sla_breaches += 1
            if decided:
                exp.handling_hours.append(round((decided - at).total_seconds() / 3600, 3))
        if decided:
            m = Measure(id=_id(), platform_id=platform_id, case_id=c.id, subject_id=s.id,
                        code="warning", family="content", starts_at=decided, status="active",
                        decided_by="mod", automation="manual", created_at=decided)
            measures.append(m)
            exp.measures += start <= decided < end
            if i % 2 == 0:
                st = rng.choice(["open", "upheld", "overturned"])
                a_at = decided + timedelta(hours=1)
                appeals.append(Appeal(
                    id=_id(), platform_id=platform_id, measure_id=m.id, case_id=c.id,
                    appellant_id=account.id, open_key=m.id if st == "open" else None,
                    grounds="不服", status=st, deadline=a_at + timedelta(days=7),
                    first_decider="mod", decided_by=None if st == "open" else "lead",
                    decided_at=None if st == "open" else a_at + timedelta(hours=3),
                    created_at=a_at))
                if start <= a_at < end and st != "open":
                    exp.appeals_decided += 1
                    exp.appeals_overturned += st == "overturned"
        if i % 2:
            handled = i % 5 != 1
            hits.append(PatrolFinding(
                id=_id(), platform_id=platform_id, subject_id=s.id, kind="listing",
                case_id=c.id if decided else None, term="违禁词", category=cat,
                action="review", start_offset=0, end_offset=3, matched="违禁词",
                first_run_id="run", last_run_id="run", found_at=at,
                handled_at=at + timedelta(hours=1) if handled and not decided else None))
            if inside:
                exp.patrol_hits += 1
                exp.patrol_handled += bool(decided) or handled
    session.add_all(subjects)
    session.flush()
    session.add_all(cases)
    session.flush()
    session.add_all(reports + measures)
    session.flush()
    session.add_all(appeals + hits)
    # Posture: an early evaluation, the newest one in the period, and a later one outside.
    evals = [(start + timedelta(days=1), {"13": ["met", "unmet"], "6": ["not_assessed"]}),
             (end - timedelta(hours=2), {"13": ["met", "at_risk"], "8": ["met"]}),
             (end + timedelta(hours=2), {"13": ["unmet"]})]
    for at, arts in evals:
        ev = _id()
        for art, statuses in arts.items():
            for k, st in enumerate(statuses):
                session.add(EvidenceSnapshot(
                    id=_id(), platform_id=platform_id, check_key=f"art{art}.x{k}",
                    article=int(art), status=st, reason="planted", figures={}, inputs={},
                    evaluation_id=ev, evaluated_at=at, evaluated_by="system"))
    exp.posture = {"13": "at_risk", "8": "met"}
    session.flush()
    return exp
