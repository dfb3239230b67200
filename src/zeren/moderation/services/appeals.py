"""Appeals (申诉, 指南 Art 29): open until the deadline in data, filed only by the affected
party, decided by a different moderator than the first decision; an overturned decision lifts
its measures, cancels its strikes and tells the platform. The party may appeal from its
notice inbox without a login."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, NotFound
from zeren.moderation import domain as d
from zeren.moderation.errors import SameModerator, WrongParty
from zeren.moderation.models import Appeal, Case, Measure, Notice, Statement, Subject
from zeren.moderation.schemas import AppealIn, PublicAppealIn
from zeren.moderation.services import measures as ms
from zeren.moderation.services.common import (
    LEDGER_APPEALS,
    case_event,
    get_measure,
    publish,
    to_ledger,
)
from zeren.moderation.services.statements import statement_of
from zeren.moderation.services.subjects import account_by_inbox, find_account


def file_appeal(*, session: Session, actor: Actor, platform_id: str, body: AppealIn,
                now: datetime | None = None) -> Appeal:
    """File an appeal on behalf of the affected account, named by the platform's id
    (moderation.write)."""
    actor.require("moderation.write", platform_id)
    acc = find_account(session=session, platform_id=platform_id, ref=body.appellant_ref,
                       kinds=[body.appellant_kind])
    return appeal_as_party(session=session, actor=actor, measure_id=body.measure_id,
                           appellant=acc, grounds=body.grounds, now=now)


def appeal_from_inbox(*, session: Session, token: str, body: PublicAppealIn,
                      now: datetime | None = None) -> Appeal:
    """The affected party appeals from its notice inbox: the secret link is its proof of
    identity, so no grant is needed; the audit trail names the party."""
    acc = account_by_inbox(session=session, token=token)
    actor = Actor(user_id="public:inbox", username=f"party:{acc.external_ref}"[:100],
                  grants=(), via="inbox")
    return appeal_as_party(session=session, actor=actor, measure_id=body.measure_id,
                           appellant=acc, grounds=body.grounds, now=now)


def appeal_as_party(*, session: Session, actor: Actor, measure_id: str, appellant: Subject,
                    grounds: str, now: datetime | None = None) -> Appeal:
    """File an appeal against a measure, as the party it affects, before the deadline. The
    two use cases above establish who ``appellant`` is; this checks the rest."""
    now = now or utcnow()
    m = get_measure(session=session, measure_id=measure_id)
    if m.platform_id != appellant.platform_id or m.account_id != appellant.id:
        raise WrongParty("only the party the measure affects may appeal it",
                         details={"measure_id": measure_id})
    st = statement_of(session=session, measure_id=m.id)
    if now > st.appeal_deadline:
        raise Conflict(f"the appeal period ended on {st.appeal_deadline.isoformat()}",
                       code="appeal_deadline_passed",
                       details={"deadline": st.appeal_deadline.isoformat()})
    if m.status == d.MeasureStatus.LIFTED:
        raise Conflict("the measure has already been lifted", code="measure_not_active")
    # A ladder measure is "decided" by system:ladder; the person who decided is the case's.
    case = session.get(Case, m.case_id) if m.case_id else None
    first = case.decided_by if case is not None and case.decided_by else m.decided_by
    a = Appeal(platform_id=m.platform_id, measure_id=m.id, case_id=m.case_id,
               appellant_id=appellant.id, open_key=m.id, grounds=grounds,
               status=d.AppealStatus.OPEN, deadline=st.appeal_deadline,
               first_decider=first)
    try:
        with session.begin_nested():
            session.add(a)
            session.flush()
    except IntegrityError:
        raise Conflict("an appeal against this measure is already open",
                       code="appeal_open") from None
    if m.case_id:
        case_event(session=session, case_id=m.case_id, kind="appeal", actor=actor.username,
                      data={"appeal_id": a.id, "measure_id": m.id}, at=now)
    record(session=session, actor=actor, action="moderation.appeal.file", target_type="appeal",
           target_id=a.id, platform_id=a.platform_id, summary={"measure_id": m.id})
    return a


def get_appeal(*, session: Session, appeal_id: str) -> Appeal:
    a = session.get(Appeal, appeal_id)
    if a is None:
        raise NotFound(f"no appeal {appeal_id}", details={"field": "appeal_id"})
    return a


def first_deciders(*, session: Session, appeal: Appeal) -> set[str]:
    """Everyone who decided in the appealed matter: the appeal's first decider, the case's
    decider and the decider of every measure of the case (ladder measures name
    ``system:ladder``, so the case's decider is the one that counts)."""
    out = {appeal.first_decider}
    if appeal.case_id:
        c = session.get(Case, appeal.case_id)
        if c is not None and c.decided_by:
            out.add(c.decided_by)
        out.update(session.scalars(select(Measure.decided_by).where(
            Measure.case_id == appeal.case_id)))
    return out


def _already_decided(a: Appeal) -> Conflict:
    return Conflict("the appeal is already decided", code="already_decided",
                    details={"status": a.status, "decided_by": a.decided_by})


def decide_appeal(*, session: Session, actor: Actor, appeal_id: str, outcome: str, reason: str,
                  now: datetime | None = None) -> Appeal:
    """Uphold or overturn (moderation.decide); no one who decided in the case may decide the appeal. Deciding
    is a conditional UPDATE (one winner when two moderators decide at once)."""
    now = now or utcnow()
    a = get_appeal(session=session, appeal_id=appeal_id)
    actor.require("moderation.decide", a.platform_id)
    if a.status != d.AppealStatus.OPEN:
        raise _already_decided(a)
    if actor.username in first_deciders(session=session, appeal=a):
        raise SameModerator("an appeal is decided by a different moderator than the first "
                            "decision", details={"first_decider": a.first_decider})
    res = session.execute(update(Appeal).where(
        Appeal.id == a.id, Appeal.status == d.AppealStatus.OPEN)
        .values(status=outcome, decided_by=actor.username, decided_at=now, reason=reason,
                open_key=None).execution_options(synchronize_session=False))
    session.refresh(a)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise _already_decided(a)
    m = get_measure(session=session, measure_id=a.measure_id)
    lifted: list[str] = []
    if outcome == d.AppealStatus.OVERTURNED:
        targets = [m]
        if m.case_id:
            targets = list(session.scalars(select(Measure).where(Measure.case_id == m.case_id)))
            ms.reverse_strikes(session=session, case_id=m.case_id, now=now)
        for t in targets:
            if t.status == d.MeasureStatus.ACTIVE:
                ms.end_measure(session=session, m=t, change="lifted", actor=actor.username,
                               reason=f"appeal {a.id} overturned: {reason}", now=now)
                lifted.append(t.id)
    if m.case_id:
        case_event(session=session, case_id=m.case_id, kind=f"appeal_{outcome}",
                      actor=actor.username,
                      data={"appeal_id": a.id, "reason": reason, "lifted": lifted}, at=now)
    zh = "申诉成立，处置已撤销" if outcome == d.AppealStatus.OVERTURNED else "申诉不成立，维持原处置"
    en = ("Appeal granted: the measure is lifted" if outcome == d.AppealStatus.OVERTURNED
          else "Appeal rejected: the measure stands")
    session.add(Notice(platform_id=a.platform_id, account_id=a.appellant_id, kind="appeal",
                       title_zh=zh, title_en=en, measure_id=m.id,
                       body={"appeal_id": a.id, "outcome": outcome, "reason": reason,
                             "decided_at": now.isoformat()}))
    publish(session=session, platform_id=a.platform_id, event=f"appeal.{outcome}",
               payload={"appeal_id": a.id, "measure_id": m.id, "outcome": outcome,
                        "lifted": lifted, "at": now.isoformat()}, now=now)
    to_ledger(session=session, record_class=LEDGER_APPEALS, subject=f"measure:{m.id}",
                 record={"platform_id": a.platform_id, "appeal_id": a.id, "measure_id": m.id,
                         "case_id": m.case_id, "outcome": outcome, "reason": reason,
                         "first_decider": a.first_decider, "decided_by": actor.username,
                         "filed_at": a.created_at.isoformat(), "decided_at": now.isoformat(),
                         "lifted": lifted})
    record(session=session, actor=actor, action="moderation.appeal.decide",
           target_type="appeal", target_id=a.id, platform_id=a.platform_id,
           summary={"outcome": outcome, "lifted": lifted})
    return a


def list_appeals(*, session: Session, actor: Actor, platform_id: str,
                 status: str | None = None, limit: int = 200) -> list[Appeal]:
    """Appeals of a platform, newest first (moderation.read)."""
    actor.require("moderation.read", platform_id)
    q = select(Appeal).where(Appeal.platform_id == platform_id)
    if status:
        q = q.where(Appeal.status == status)
    return list(session.scalars(q.order_by(Appeal.created_at.desc()).limit(limit)))


def sanctions_board(*, session: Session, platform_id: str, limit: int = 500
                    ) -> list[dict[str, object]]:
    """Warnings, suspensions and terminations of merchants, with ground and appeal status
    (指南 Art 29; 电子商务法 Art 36). Public: anyone may read the board."""
    publicised = [c for c, t in d.measure_types().items() if t.publicise]
    rows = session.execute(
        select(Measure, Subject, Statement)
        .join(Subject, Subject.id == Measure.subject_id)
        .join(Statement, Statement.measure_id == Measure.id)
        .where(Measure.platform_id == platform_id, Measure.code.in_(publicised))
        .order_by(Measure.starts_at.desc()).limit(limit)).all()
    ids = [m.id for m, _, _ in rows]
    appeals: dict[str, str] = {}
    if ids:
        for mid, status in session.execute(select(Appeal.measure_id, Appeal.status)
                                           .where(Appeal.measure_id.in_(ids))
                                           .order_by(Appeal.created_at)):
            appeals[mid] = status
    out: list[dict[str, object]] = []
    for m, s, st in rows:
        mt = d.measure_types()[m.code]
        appeal = appeals.get(m.id)
        if appeal is None:
            appeal = "appealable" if st.appeal_deadline >= utcnow() else "not_appealed"
        out.append({"measure_id": m.id, "merchant_ref": s.external_ref,
                    "merchant_name": s.display_name or s.external_ref, "measure": m.code,
                    "measure_zh": mt.name_zh, "ground": st.body.get("ground", {}),
                    "starts_at": m.starts_at, "ends_at": m.ends_at, "status": m.status,
                    "appeal_status": appeal})
    return out
