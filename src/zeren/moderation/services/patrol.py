"""What the review lexicon's daily patrol (日常巡查, 指南 Art 13) needs from moderation, as one
public service: the published items of a platform in partitions (the patrol re-screens
moderation's subjects, not a store of its own), a report per new finding that opens or joins
the subject's one open case with its SLA (source ``patrol``), and the state of those cases
(a finding's handling is its case's decision).

Partitions split a platform's items by their id (UUID4, so evenly): partition ``p`` of ``n``
holds the ids whose first eight hex digits, read as a number v, give ``v * n >> 32 == p``.
The same function runs in SQL (a range of ids) and on Apache Spark (``partition_of``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.moderation import domain as d
from zeren.moderation.models import PATROL_SOURCES, Case, Subject
from zeren.moderation.schemas import ReportIn, SubjectIn
from zeren.moderation.services.intake import submit_reports

# Items (not accounts) the patrol reads; their kinds are the lexicon's content kinds.
ITEM_KINDS = tuple(str(k) for k in d.SubjectKind if k not in d.ACCOUNT_KINDS)
_SPAN = 1 << 32


@dataclass(frozen=True)
class Published:
    """An item as the patrol screens it."""

    subject_id: str
    kind: str
    external_ref: str
    text: str


@dataclass(frozen=True)
class FindingReport:
    """A new patrol finding to be reported into the subject's case."""

    subject_id: str
    category: str  # a lexicon category; mapped to moderation's (aliases) or ``other``
    description: str
    reporter_ref: str


@dataclass(frozen=True)
class CaseState:
    case_id: str
    status: str
    decision: str | None
    decided_at: datetime | None
    decided_by: str | None
    sla_due_at: datetime


def partition_of(subject_id: str, partitions: int) -> int:
    """The partition of an item id (0 … partitions - 1)."""
    return int(subject_id[:8], 16) * partitions >> 32


def _bounds(partition: int, partitions: int) -> tuple[str | None, str | None]:
    if partitions <= 1:
        return None, None
    lo = -(-partition * _SPAN // partitions)  # smallest v with v * n >> 32 == p
    hi = -(-(partition + 1) * _SPAN // partitions)
    return (f"{lo:08x}" if partition else None,
            f"{hi:08x}" if partition < partitions - 1 else None)


def _published(platform_id: str, partition: int, partitions: int) -> list[object]:
    where: list[object] = [Subject.platform_id == platform_id, Subject.kind.in_(ITEM_KINDS),
                           Subject.state == "visible", Subject.text != ""]
    lo, hi = _bounds(partition, partitions)
    if lo is not None:
        where.append(Subject.id >= lo)
    if hi is not None:
        where.append(Subject.id < hi)
    return where


def count_published(*, session: Session, platform_id: str, partition: int = 0,
                    partitions: int = 1) -> int:
    """How many published items with text a partition of the platform holds."""
    return session.scalar(select(func.count()).select_from(Subject).where(
        *_published(platform_id, partition, partitions))) or 0  # type: ignore[arg-type]


def published_after(*, session: Session, platform_id: str, after: str | None, limit: int,
                    partition: int = 0, partitions: int = 1) -> list[Published]:
    """The next ``limit`` published items of a partition, by id, after id ``after``."""
    q = select(Subject.id, Subject.kind, Subject.external_ref, Subject.text).where(
        *_published(platform_id, partition, partitions))  # type: ignore[arg-type]
    if after is not None:
        q = q.where(Subject.id > after)
    return [Published(*row) for row in session.execute(q.order_by(Subject.id).limit(limit))]


def report_findings(*, session: Session, platform_id: str, items: Sequence[FindingReport],
                    received_by: str, now: datetime) -> list[str]:
    """One report (source ``patrol``) per finding: each joins its subject's open case or
    opens one, with the category's queue and SLA. Returns the case ids, in order."""
    if not items:
        return []
    ids = list({f.subject_id for f in items})
    refs = {sid: (kind, ref) for sid, kind, ref in session.execute(
        select(Subject.id, Subject.kind, Subject.external_ref).where(Subject.id.in_(ids)))}
    other = d.categories().get("other")
    reports = []
    for f in items:
        kind, ref = refs[f.subject_id]
        cat = d.category(f.category) or other
        assert cat is not None
        reports.append(ReportIn(subject=SubjectIn(kind=d.SubjectKind(kind), external_ref=ref),
                                category=cat.code, source=d.Source.PATROL,
                                description=f.description[:5000],
                                reporter_ref=f.reporter_ref[:200]))
    receipts = submit_reports(session=session, platform_id=platform_id, items=reports,
                              received_by=received_by, now=now)
    return [r.case_id for r in receipts]


def case_states(*, session: Session, case_ids: Sequence[str]) -> dict[str, CaseState]:
    """The state of each case: open or decided, the decision, its SLA deadline."""
    out: dict[str, CaseState] = {}
    keys = list(set(case_ids))
    for i in range(0, len(keys), 400):
        for c in session.scalars(select(Case).where(Case.id.in_(keys[i:i + 400]))):
            out[c.id] = CaseState(c.id, c.status, c.decision, c.decided_at, c.decided_by,
                                  c.sla_due_at)
    return out


@dataclass(frozen=True)
class PatrolCases:
    """The patrol's cases on a platform: open, open past their SLA, decided, decided late."""

    open: int
    overdue: int
    decided: int
    decided_late: int
    overdue_ids: list[str]


def patrol_cases(*, session: Session, platform_id: str, now: datetime) -> PatrolCases:
    """Cases that a patrol finding opened or joined (their sources name ``patrol``)."""
    rows = session.execute(select(Case.id, Case.status, Case.sla_due_at, Case.decided_at).where(
        Case.platform_id == platform_id, PATROL_SOURCES)).all()
    open_ = [r for r in rows if r.decided_at is None]
    overdue = [r for r in open_ if r.sla_due_at < now]
    decided = [r for r in rows if r.decided_at is not None]
    late = [r for r in decided if r.decided_at > r.sla_due_at]
    return PatrolCases(len(open_), len(overdue), len(decided), len(late),
                       [r.id for r in overdue[:100]])
