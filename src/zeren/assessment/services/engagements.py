"""Audit engagements and who may work on them: the platform's side (``assessment.engage``)
sees every engagement of its platform; an auditor (``assessment.audit``, the read-only auditor
role) sees and works on only the engagements that name them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.models import Engagement
from zeren.assessment.schemas import EngagementIn
from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.auth.service import actor_for, get_user
from zeren.db.base import utcnow
from zeren.errors import Forbidden, InvalidInput, NotFound
from zeren.ledger.verify import VerificationError, parse_vkey

ENGAGE = "assessment.engage"
AUDIT = "assessment.audit"
REMEDIATE = "assessment.remediate"


def is_platform_side(actor: Actor, e: Engagement) -> bool:
    return actor.can(ENGAGE, e.platform_id)


def is_auditor_of(actor: Actor, e: Engagement) -> bool:
    return actor.user_id in (e.auditor_user_ids or []) and actor.can(AUDIT, e.platform_id)


def require_access(actor: Actor, e: Engagement) -> None:
    """The platform's side, or an auditor the engagement names; anyone else is refused."""
    if is_platform_side(actor, e) or is_auditor_of(actor, e):
        return
    raise Forbidden(f"{actor.username} is not an auditor of engagement {e.id} and may not "
                    "manage its platform's audits",
                    details={"engagement_id": e.id, "permission": AUDIT})


def require_auditor(actor: Actor, e: Engagement) -> None:
    """Work only the engagement's own auditors do (findings, closing them, the report)."""
    if not is_auditor_of(actor, e):
        raise Forbidden(f"{actor.username} is not an auditor of engagement {e.id}",
                        details={"engagement_id": e.id, "permission": AUDIT})


def get(*, session: Session, actor: Actor, engagement_id: str) -> Engagement:
    """One engagement, if the actor may see it."""
    e = session.get(Engagement, engagement_id)
    if e is None:
        raise NotFound(f"no engagement {engagement_id}", details={"engagement_id": engagement_id})
    require_access(actor, e)
    return e


def create(*, session: Session, actor: Actor, platform_id: str, data: EngagementIn,
           now: datetime | None = None) -> Engagement:
    """Open an engagement: its scope and period, the audit firm, the auditor users (each must
    hold the auditor role on this platform) and the auditor's report-signing key."""
    actor.require(ENGAGE, platform_id)
    why = d.check_period(data.period_start, data.period_end, now or utcnow())
    if why:
        raise InvalidInput(why, field="period_end")
    try:
        parse_vkey(data.auditor_vkey)
    except VerificationError as exc:
        raise InvalidInput(f"auditor_vkey is not a verifier key: {exc}",
                           field="auditor_vkey") from exc
    ids: list[str] = []
    for i, name in enumerate(data.auditors):
        try:
            user = get_user(session=session, username=name)
        except NotFound as exc:
            raise InvalidInput(f"no user {name!r}", field=f"auditors[{i}]") from exc
        if not actor_for(session=session, user=user).can(AUDIT, platform_id) or not (
                any(g == "auditor" for g in actor_for(session=session, user=user).roles)):
            raise InvalidInput(f"user {name!r} holds no auditor role on this platform",
                               field=f"auditors[{i}]")
        if user.id not in ids:
            ids.append(user.id)
    e = Engagement(platform_id=platform_id, title=data.title, scope=data.scope,
                   period_start=data.period_start, period_end=data.period_end,
                   auditor_name=data.auditor_name, auditor_address=data.auditor_address,
                   auditor_contact=data.auditor_contact, auditor_user_ids=ids,
                   auditor_vkey=data.auditor_vkey, created_by=actor.username)
    session.add(e)
    session.flush()
    record(session=session, actor=actor, action="assessment.engagement.open",
           target_type="engagement", target_id=e.id, platform_id=platform_id,
           after=row_dict(e), summary={"title": data.title, "auditors": data.auditors})
    return e


def list_for(*, session: Session, actor: Actor, platform_id: str) -> list[Engagement]:
    """The platform's engagements the actor may see (an auditor: only their own)."""
    actor.check_platform(platform_id)
    rows = session.scalars(select(Engagement).where(Engagement.platform_id == platform_id)
                           .order_by(Engagement.period_end.desc(), Engagement.id))
    return [e for e in rows if is_platform_side(actor, e) or is_auditor_of(actor, e)]
