"""Yearly figures (指南 第九条 innovation and support for small tech firms; 第三十二条
packaging reduced, reused, recycled): recorded with evidence per year and scope, kept (a
later recording of the same year supersedes, the earlier stays), shown year over year."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import InvalidInput
from zeren.governance import domain as d
from zeren.governance.errors import rejected
from zeren.governance.models import YearlyFigures
from zeren.governance.schemas import FiguresIn
from zeren.timepolicy import beijing_today

READ = "governance.read"
WRITE = "governance.write"


def record_figures(*, session: Session, actor: Actor, platform_id: str, data: FiguresIn,
                   now: datetime | None = None) -> YearlyFigures:
    actor.require(WRITE, platform_id)
    try:
        values = d.check_figures(data.kind, data.figures)
    except d.Rejected as exc:
        raise rejected(exc) from None
    if data.year > beijing_today(now or utcnow()).year:
        raise InvalidInput("year is in the future", field="year")
    row = YearlyFigures(platform_id=platform_id, kind=data.kind, scope=data.scope,
                        year=data.year, figures=values, evidence=data.evidence,
                        evidence_sha256=data.evidence_sha256, recorded_by=actor.username)
    session.add(row)
    session.flush()
    record(session=session, actor=actor, action="governance.figures.record",
           target_type="yearly_figures", target_id=row.id, platform_id=platform_id,
           after=row_dict(row), summary={"kind": data.kind, "year": data.year,
                                         "scope": data.scope})
    return row


def current(session: Session, platform_id: str, kind: str, scope: str = "platform"
            ) -> dict[int, YearlyFigures]:
    """The latest recording of each year (no permission: the checks read it too)."""
    out: dict[int, YearlyFigures] = {}
    for row in session.scalars(select(YearlyFigures).where(
            YearlyFigures.platform_id == platform_id, YearlyFigures.kind == kind,
            YearlyFigures.scope == scope).order_by(YearlyFigures.created_at,
                                                   YearlyFigures.id)):
        out[row.year] = row
    return out


def report(*, session: Session, actor: Actor, platform_id: str, kind: str,
           scope: str = "platform") -> list[dict[str, Any]]:
    """The figures year over year, each field with its change from the year before."""
    actor.require(READ, platform_id)
    if kind not in d.figure_kinds():
        raise InvalidInput("kind must be one of " + ", ".join(d.figure_kinds()), field="kind")
    rows = current(session, platform_id, kind, scope)
    return d.year_over_year((y, r.figures) for y, r in rows.items())


def scopes(*, session: Session, actor: Actor, platform_id: str, kind: str) -> list[str]:
    actor.require(READ, platform_id)
    return sorted(set(session.scalars(select(YearlyFigures.scope).where(
        YearlyFigures.platform_id == platform_id, YearlyFigures.kind == kind))))
