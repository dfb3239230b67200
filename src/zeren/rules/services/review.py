"""The fee and restriction review (指南 第二十九条): a version that raises fees or adds
obligations on merchants is flagged against the previous published version, needs a recorded
justification before consultation (enforced in ``documents.open_consultation``), and the
change is shown to the merchants it reaches (by the items' ``applies_to``: all, or a merchant
kind)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import NotFound
from zeren.merchants.models import Merchant
from zeren.rules import domain as d
from zeren.rules.models import RuleDocument, RuleVersion
from zeren.rules.services.documents import READ, changes_of, status_of

SAMPLE = 100


@dataclass(frozen=True)
class VersionReview:
    version: RuleVersion
    previous: RuleVersion | None
    review: d.Review
    affected: int
    sample: list[str]


def _reach(applies_to: frozenset[str]) -> ColumnElement[bool]:
    m = Merchant
    cond: ColumnElement[bool] = m.status == "active"
    if "all" not in applies_to:
        cond = and_(cond, m.kind.in_(sorted(applies_to)))
    return cond


def review_version(*, session: Session, actor: Actor, version: RuleVersion) -> VersionReview:
    """The review and the merchants its burdensome changes reach (count and a sample)."""
    actor.require(READ, version.platform_id)
    prev, rev = changes_of(session=session, version=version)
    if not rev.flagged:
        return VersionReview(version, prev, rev, 0, [])
    where = and_(Merchant.platform_id == version.platform_id, _reach(rev.applies_to))
    n = int(session.scalar(select(func.count()).select_from(Merchant).where(where)) or 0)
    sample = list(session.scalars(select(Merchant.merchant_ref).where(where)
                                  .order_by(Merchant.merchant_ref).limit(SAMPLE)))
    return VersionReview(version, prev, rev, n, sample)


@dataclass(frozen=True)
class MerchantChange:
    version: RuleVersion
    document: RuleDocument
    status: d.Shown
    review: d.Review


def changes_for_merchant(*, session: Session, actor: Actor, merchant: Merchant,
                         now: datetime | None = None) -> list[MerchantChange]:
    """Changes out for consultation, decided or announced (not yet in force) whose fees or
    obligations reach this merchant: what the merchant is shown."""
    actor.require(READ, merchant.platform_id)
    now = now or utcnow()
    rows = session.execute(select(RuleVersion, RuleDocument).join(
        RuleDocument, RuleDocument.id == RuleVersion.document_id).where(
        RuleVersion.platform_id == merchant.platform_id,
        RuleVersion.stage.in_([d.Stage.CONSULTATION, d.Stage.DECIDED, d.Stage.PUBLISHED]))
        .order_by(RuleDocument.code, RuleVersion.number)).all()
    out = []
    for v, doc in rows:
        st = status_of(session=session, version=v, now=now).shown
        if st in (d.Shown.IN_FORCE, d.Shown.SUPERSEDED):
            continue
        _, rev = changes_of(session=session, version=v)
        if rev.flagged and d.affects(rev.applies_to, merchant.kind):
            out.append(MerchantChange(v, doc, st, rev))
    return out


def merchant_of(*, session: Session, actor: Actor, platform_id: str, merchant: str
                ) -> Merchant:
    """A merchant of the platform by id or merchant_ref (for the rules' merchant view)."""
    actor.require(READ, platform_id)
    m = session.get(Merchant, merchant)
    if m is None or m.platform_id != platform_id:
        m = session.scalar(select(Merchant).where(Merchant.platform_id == platform_id,
                                                  Merchant.merchant_ref == merchant))
    if m is None:
        raise NotFound(f"no merchant {merchant!r} on this platform",
                       details={"field": "merchant_id"})
    return m
