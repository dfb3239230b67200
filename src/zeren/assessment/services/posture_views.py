"""Posture read for charts: a platform's status per article over its stored evaluations, and
the group's status per platform and article in each platform's newest evaluation (the worst
obligation of the article, as the dashboard shows it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.platforms.models import Platform
from zeren.posture.domain import Status, worst
from zeren.posture.models import EvidenceSnapshot
from zeren.timepolicy import format_beijing


@dataclass
class Matrix:
    """``cells[row][col]``: a status (or None: not evaluated) for each row and column."""

    rows: list[str] = field(default_factory=list)
    cols: list[str] = field(default_factory=list)
    cells: list[list[str | None]] = field(default_factory=list)


def _by_article(rows: Sequence[tuple[int, str]]) -> dict[int, str]:
    by: dict[int, list[Status]] = {}
    for art, st in rows:
        by.setdefault(int(art), []).append(Status(st))
    return {a: worst(v).value for a, v in by.items()}


def trend(*, session: Session, platform_id: str, limit: int = 30) -> Matrix:
    """Articles (rows) × the newest ``limit`` stored evaluations, oldest first (columns)."""
    evals = session.execute(
        select(EvidenceSnapshot.evaluation_id, func.max(EvidenceSnapshot.evaluated_at))
        .where(EvidenceSnapshot.platform_id == platform_id)
        .group_by(EvidenceSnapshot.evaluation_id)
        .order_by(func.max(EvidenceSnapshot.evaluated_at).desc()).limit(limit)).all()
    evals = list(reversed(evals))
    per: list[dict[int, str]] = []
    for ev, _at in evals:
        per.append(_by_article(session.execute(
            select(EvidenceSnapshot.article, EvidenceSnapshot.status)
            .where(EvidenceSnapshot.evaluation_id == ev)).all()))
    arts = sorted({a for x in per for a in x})
    return Matrix(rows=[f"第{a}条" for a in arts],
                  cols=[format_beijing(at)[:10] for _ev, at in evals],
                  cells=[[x.get(a) for x in per] for a in arts])


def heatmap(*, session: Session, platform_ids: Sequence[str] | None) -> Matrix:
    """Platforms (rows) × articles (columns) in each platform's newest stored evaluation."""
    q = select(Platform).order_by(Platform.code)
    if platform_ids is not None:
        q = q.where(Platform.id.in_(list(platform_ids)))
    platforms = list(session.scalars(q))
    per: list[dict[int, str]] = []
    for p in platforms:
        ev = session.scalar(select(EvidenceSnapshot.evaluation_id)
                            .where(EvidenceSnapshot.platform_id == p.id)
                            .order_by(EvidenceSnapshot.evaluated_at.desc()).limit(1))
        per.append({} if ev is None else _by_article(session.execute(
            select(EvidenceSnapshot.article, EvidenceSnapshot.status)
            .where(EvidenceSnapshot.evaluation_id == ev)).all()))
    arts = sorted({a for x in per for a in x})
    return Matrix(rows=[p.name for p in platforms], cols=[str(a) for a in arts],
                  cells=[[x.get(a) for a in arts] for x in per])
