"""Processing activities (legal basis from 个保法 第十三条, purpose, retention, recipients),
their reviews on a schedule (指南 第四条 数据安全审查), and cross-border transfers with the
mechanism they rely on (个保法 第三十八条; thresholds as data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.datagov import domain as d
from zeren.datagov.models import Activity, Asset, Review, Transfer
from zeren.datagov.schemas import ActivityIn, ReviewIn, TransferIn
from zeren.datagov.services.inventory import READ, WRITE
from zeren.db.base import utcnow
from zeren.errors import InvalidInput, NotFound


def _assets(session: Session, platform_id: str, codes: Sequence[str], field: str
            ) -> list[Asset]:
    if not codes:
        return []
    found = {a.code: a for a in session.scalars(select(Asset).where(
        Asset.platform_id == platform_id, Asset.code.in_(list(codes))))}
    for i, c in enumerate(codes):
        if c not in found:
            raise InvalidInput(f"no data asset {c!r} in this platform's inventory",
                               field=f"{field}.{i}")
    return [found[c] for c in dict.fromkeys(codes)]


def create_activity(*, session: Session, actor: Actor, platform_id: str, data: ActivityIn,
                    now: datetime | None = None) -> Activity:
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    if data.legal_basis not in d.legal_bases():
        raise InvalidInput("legal_basis must be one of "
                           + ", ".join(f"{k} ({t.zh})" for k, t in d.legal_bases().items()),
                           field="legal_basis")
    assets = _assets(session, platform_id, data.asset_codes, "asset_codes")
    act = Activity(platform_id=platform_id, name=data.name, purpose=data.purpose,
                   legal_basis=data.legal_basis, retention=data.retention,
                   recipients=data.recipients, asset_ids=[a.id for a in assets],
                   owner=data.owner, updated_at=now,
                   review_due_at=now + timedelta(days=d.activity_review_days()))
    session.add(act)
    session.flush()
    record(session=session, actor=actor, action="datagov.activity.create",
           target_type="processing_activity", target_id=act.id, platform_id=platform_id,
           after=row_dict(act), summary={"name": data.name, "legal_basis": data.legal_basis})
    return act


def get_activity(*, session: Session, actor: Actor, platform_id: str, activity_id: str
                 ) -> Activity:
    actor.require(READ, platform_id)
    act = session.get(Activity, activity_id)
    if act is None or act.platform_id != platform_id:
        raise NotFound(f"no processing activity {activity_id} on this platform",
                       details={"field": "activity_id"})
    return act


def list_activities(*, session: Session, actor: Actor, platform_id: str) -> list[Activity]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Activity).where(Activity.platform_id == platform_id)
                                .order_by(Activity.name)))


def review_activity(*, session: Session, actor: Actor, platform_id: str, activity_id: str,
                    data: ReviewIn, now: datetime | None = None) -> Review:
    """Record the periodic review of a processing activity; the next one falls due."""
    act = get_activity(session=session, actor=actor, platform_id=platform_id,
                       activity_id=activity_id)
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    at = data.reviewed_at or now
    if at > now:
        raise InvalidInput("reviewed_at is in the future", field="reviewed_at")
    before = row_dict(act)
    rv = Review(platform_id=platform_id, target_type="activity", target_id=act.id,
                reviewed_at=at, reviewer=actor.username, outcome=data.outcome,
                notes=data.notes, due_at=act.review_due_at)
    session.add(rv)
    act.last_reviewed_at = at
    act.review_due_at = at + timedelta(days=d.activity_review_days())
    act.updated_at = now
    session.flush()
    record(session=session, actor=actor, action="datagov.activity.review",
           target_type="processing_activity", target_id=act.id, platform_id=platform_id,
           before=before, after=row_dict(act), summary={"outcome": data.outcome})
    return rv


def reviews(*, session: Session, actor: Actor, platform_id: str, target_id: str | None = None
            ) -> list[Review]:
    actor.require(READ, platform_id)
    q = select(Review).where(Review.platform_id == platform_id)
    if target_id:
        q = q.where(Review.target_id == target_id)
    return list(session.scalars(q.order_by(Review.reviewed_at.desc()).limit(500)))


def create_transfer(*, session: Session, actor: Actor, platform_id: str, data: TransferIn,
                    now: datetime | None = None) -> Transfer:
    """Record a cross-border transfer; refused when its mechanism is weaker than the one the
    thresholds require, or when a security assessment or contract lacks its reference."""
    actor.require(WRITE, platform_id)
    mechanisms = d.transfer_mechanisms()
    if data.mechanism not in mechanisms:
        raise InvalidInput("mechanism must be one of "
                           + ", ".join(f"{k} ({t.zh})" for k, t in mechanisms.items()),
                           field="mechanism")
    assets = _assets(session, platform_id, data.asset_codes, "asset_codes")
    important_rank = d.scheme().rank("important")
    important = any(d.scheme().rank(a.level) >= important_rank for a in assets)
    persons = max(data.persons, sum(a.persons for a in assets if not a.sensitive_personal_info))
    sensitive = max(data.sensitive_persons,
                    sum(a.persons for a in assets if a.sensitive_personal_info))
    required = d.required_mechanism(important=important, persons=persons,
                                    sensitive_persons=sensitive)
    if not d.mechanism_suffices(data.mechanism, required):
        raise InvalidInput(
            f"this transfer needs at least {required} ({mechanisms[required].zh}): "
            f"important data: {important}, persons: {persons}, sensitive: {sensitive}",
            field="mechanism")
    if data.mechanism != "exempt" and (not data.reference or data.approved_on is None):
        field = "reference" if not data.reference else "approved_on"
        raise InvalidInput(f"a {data.mechanism} needs its reference number and approval date",
                           field=field)
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise InvalidInput("ends_on is before starts_on", field="ends_on")
    expires = (d.assessment_valid_until(data.approved_on)
               if data.mechanism == "security_assessment" and data.approved_on else None)
    t = Transfer(platform_id=platform_id, recipient=data.recipient, country=data.country,
                 purpose=data.purpose, asset_ids=[a.id for a in assets], persons=persons,
                 sensitive_persons=sensitive, important=important, mechanism=data.mechanism,
                 required_mechanism=required, reference=data.reference,
                 approved_on=data.approved_on, expires_on=expires, starts_on=data.starts_on,
                 ends_on=data.ends_on)
    session.add(t)
    session.flush()
    record(session=session, actor=actor, action="datagov.transfer.create", target_type="transfer",
           target_id=t.id, platform_id=platform_id, after=row_dict(t),
           summary={"recipient": data.recipient, "country": data.country,
                    "mechanism": data.mechanism, "required": required})
    return t


def list_transfers(*, session: Session, actor: Actor, platform_id: str) -> list[Transfer]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Transfer).where(Transfer.platform_id == platform_id)
                                .order_by(Transfer.starts_on.desc())))
