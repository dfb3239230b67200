"""The indicators of a yearly risk assessment, pulled from the live modules for its period —
moderation's own periodic report (reports, handling times, SLA breaches, appeals), the items
submitted, the patrol's hits and their handling, the posture's status by article — each with
the module and query it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.auth.policy import Actor
from zeren.lexicon.models import PatrolFinding
from zeren.moderation.domain import ACCOUNT_KINDS
from zeren.moderation.models import Case, Subject
from zeren.moderation.services.authority import periodic_report
from zeren.posture.domain import Status, worst
from zeren.posture.models import EvidenceSnapshot


@dataclass(frozen=True)
class Indicator:
    key: str
    value: Any  # None: the module had nothing to measure it by
    source: str


def _period(start: datetime, end: datetime) -> str:
    return f"[{start.isoformat()}, {end.isoformat()})"


def items_submitted(session: Session, platform_id: str, start: datetime, end: datetime) -> int:
    """Items (not accounts) the platform submitted to moderation in the period."""
    return int(session.scalar(select(func.count()).select_from(Subject).where(
        Subject.platform_id == platform_id, Subject.created_at >= start,
        Subject.created_at < end, Subject.kind.not_in([str(k) for k in ACCOUNT_KINDS]))) or 0)


def patrol_hits(session: Session, platform_id: str, start: datetime, end: datetime
                ) -> tuple[int, int]:
    """(found, handled) of the patrol's hits found in the period: handled when the finding
    carries a handling, or the case it opened or joined is decided."""
    base = (PatrolFinding.platform_id == platform_id, PatrolFinding.found_at >= start,
            PatrolFinding.found_at < end)
    found = int(session.scalar(select(func.count()).select_from(PatrolFinding)
                               .where(*base)) or 0)
    handled = int(session.scalar(
        select(func.count()).select_from(PatrolFinding)
        .outerjoin(Case, Case.id == PatrolFinding.case_id)
        .where(*base, or_(PatrolFinding.handled_at.is_not(None),
                          Case.decided_at.is_not(None)))) or 0)
    return found, handled


def posture_by_article(session: Session, platform_id: str, start: datetime, end: datetime
                       ) -> tuple[dict[str, str] | None, str | None]:
    """Each article's status in the period's newest stored evaluation (worst obligation), and
    that evaluation's id; (None, None) when the posture was not evaluated in the period."""
    newest = session.execute(
        select(EvidenceSnapshot.evaluation_id).where(
            EvidenceSnapshot.platform_id == platform_id,
            EvidenceSnapshot.evaluated_at >= start, EvidenceSnapshot.evaluated_at < end)
        .order_by(EvidenceSnapshot.evaluated_at.desc()).limit(1)).scalar()
    if newest is None:
        return None, None
    by: dict[int, list[Status]] = {}
    for art, st in session.execute(select(EvidenceSnapshot.article, EvidenceSnapshot.status)
                                   .where(EvidenceSnapshot.evaluation_id == newest,
                                          EvidenceSnapshot.platform_id == platform_id)):
        by.setdefault(int(art), []).append(Status(st))
    return {str(a): worst(s).value for a, s in sorted(by.items())}, newest


def pull(*, session: Session, actor: Actor, platform_id: str, start: datetime, end: datetime
         ) -> list[Indicator]:
    """Every catalogue indicator for the platform and period, in catalogue order."""
    rep = periodic_report(session=session, actor=actor, platform_id=platform_id, start=start,
                          end=end)
    per = _period(start, end)
    mod = f"moderation.periodic_report(platform={platform_id}, period={per})"
    items = items_submitted(session, platform_id, start, end)
    found, handled = patrol_hits(session, platform_id, start, end)
    posture, evaluation = posture_by_article(session, platform_id, start, end)
    got = {
        "items_submitted": Indicator(
            "items_submitted", items,
            f"SELECT count(*) FROM mod_subjects WHERE platform_id = {platform_id} AND kind NOT "
            f"IN ('user', 'merchant') AND created_at IN {per}"),
        "reports_total": Indicator("reports_total", rep["reports"]["total"],
                                   f"{mod} → reports.total"),
        "reports_per_million_items": Indicator(
            "reports_per_million_items", d.per_million(rep["reports"]["total"], items),
            "reports_total × 1,000,000 / items_submitted"),
        "cases_opened": Indicator("cases_opened", rep["cases"]["opened"],
                                  f"{mod} → cases.opened"),
        "handling_hours_median": Indicator("handling_hours_median",
                                           rep["handling_hours"]["median"],
                                           f"{mod} → handling_hours.median"),
        "handling_hours_p90": Indicator("handling_hours_p90", rep["handling_hours"]["p90"],
                                        f"{mod} → handling_hours.p90"),
        "sla_breaches": Indicator("sla_breaches", rep["cases"]["sla_breaches"],
                                  f"{mod} → cases.sla_breaches"),
        "appeals_decided": Indicator("appeals_decided", rep["appeals"]["decided"],
                                     f"{mod} → appeals.decided"),
        "reversal_rate": Indicator("reversal_rate", rep["appeals"]["reversal_rate"],
                                   f"{mod} → appeals.reversal_rate"),
        "patrol_hits": Indicator(
            "patrol_hits", found,
            f"SELECT count(*) FROM lexicon_patrol_findings WHERE platform_id = {platform_id} "
            f"AND found_at IN {per}"),
        "patrol_hits_handled": Indicator(
            "patrol_hits_handled", handled,
            "the same findings with handled_at set or their mod_cases.decided_at set"),
        "posture_by_article": Indicator(
            "posture_by_article", posture,
            f"posture evaluation {evaluation}: worst obligation status per article"
            if evaluation else f"posture: no evaluation stored in {per}"),
    }
    return [got[k] for k in d.catalogue().indicators]
