"""IP notice-and-takedown (指南 Art 22; 电子商务法 Art 42-44): a notice with preliminary
evidence → necessary measures and forwarding to the merchant → a counter-notice with evidence
→ forwarding to the rights holder → the 15-day clock → the measure ends unless the rights
holder shows a complaint or lawsuit. Every step is publicised (Art 44)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.moderation import domain as d
from zeren.moderation.errors import WrongParty
from zeren.moderation.models import Forwarding, IPEvent, IPNotice, Subject
from zeren.moderation.schemas import (
    CounterNoticeIn,
    IPNoticeIn,
    PublicCounterNoticeIn,
    PublicHolderActionIn,
    PublicWithdrawalIn,
)
from zeren.moderation.services import measures as ms
from zeren.moderation.services.common import get_measure, link_hash, new_link_secret, party_actor
from zeren.moderation.services.forwarding import forward, forwardings_for_notices, forwardings_of
from zeren.moderation.services.statements import keep_judged_content
from zeren.moderation.services.subjects import account_by_inbox, upsert_subjects
from zeren.moderation.services.transitions import move

ART42 = {"kind": "law", "law": "电子商务法", "article": "Art 42", "rule": "", "rule_version": ""}


def _event(session: Session, n: IPNotice, kind: str, actor: str, now: datetime,
           public: dict[str, Any] | None = None) -> None:
    session.add(IPEvent(notice_id=n.id, kind=kind, actor=actor, public=public or {},
                        created_at=now))


def _move(session: Session, n: IPNotice, to: d.IPStatus, party: d.Party) -> None:
    move(session=session, row=n, model=IPNotice, machine=d.IP_MACHINE, to=to,
         noun="an IP notice", party=party)


def get_notice(*, session: Session, notice_id: str) -> IPNotice:
    n = session.get(IPNotice, notice_id)
    if n is None:
        raise NotFound(f"no IP notice {notice_id}", details={"field": "notice_id"})
    return n


def notice_by_holder_link(*, session: Session, token: str) -> IPNotice:
    """The notice behind a rights holder's secret link."""
    n = session.scalar(select(IPNotice).where(IPNotice.holder_token_hash == link_hash(token))
                       ) if token else None
    if n is None:
        raise NotFound("no IP notice at this address", details={"field": "token"})
    return n


def _holder_token_matches(n: IPNotice, token: str) -> None:
    if not n.holder_token_hash or link_hash(token) != n.holder_token_hash:
        raise WrongParty("only the rights holder who sent the notice may act on it (its link "
                         "or the token given at filing)",
                         details={"notice_id": n.id, "field": "holder_token"})


def _merchant_or_none(session: Session, n: IPNotice) -> Subject | None:
    return session.get(Subject, n.merchant_id) if n.merchant_id else None


def _merchant_of(session: Session, n: IPNotice) -> Subject:
    m = session.get(Subject, n.merchant_id) if n.merchant_id else None
    if m is None:
        raise WrongParty("the notice names no merchant: no one may declare for the listing "
                         "until its owner is known", details={"notice_id": n.id})
    return m


def file_notice(*, session: Session, actor: Actor, platform_id: str, body: IPNoticeIn,
                now: datetime | None = None) -> tuple[IPNotice, str]:
    """Receive a rights holder's notice (moderation.write); it must carry preliminary
    evidence (Art 42). Returns the notice and the rights holder's link secret, which is
    shown once."""
    actor.require("moderation.write", platform_id)
    now = now or utcnow()
    if not body.evidence:
        raise InvalidInput("a notice must include preliminary evidence of infringement "
                           "(电子商务法 Art 42 构成侵权的初步证据)", field="evidence")
    sid = upsert_subjects(session=session, platform_id=platform_id, items=[body.subject],
                          now=now)[0]
    subject = session.get(Subject, sid)
    assert subject is not None
    n = IPNotice(receipt=d.receipt_number("IP", now), platform_id=platform_id, subject_id=sid,
                 merchant_id=subject.owner_id, rights_holder=body.rights_holder,
                 rights_holder_contact=body.rights_holder_contact, right_type=body.right_type,
                 right_ref=body.right_ref, description=body.description,
                 evidence=[e.model_dump() for e in body.evidence], status=d.IPStatus.RECEIVED)
    token, n.holder_token_hash = new_link_secret()
    session.add(n)
    session.flush()
    _event(session, n, "notice_received", actor.username, now,
           {"rights_holder": body.rights_holder, "right_type": body.right_type,
            "right_ref": body.right_ref, "subject_ref": subject.external_ref,
            "evidence_items": len(body.evidence)})
    record(session=session, actor=actor, action="moderation.ip.notice", target_type="ip_notice",
           target_id=n.id, platform_id=platform_id)
    return n, token


def take_measures(*, session: Session, actor: Actor, notice_id: str, code: str, note: str,
                  now: datetime | None = None) -> IPNotice:
    """Take the necessary measure on the listing and forward the notice to the merchant
    (moderation.decide)."""
    now = now or utcnow()
    n = get_notice(session=session, notice_id=notice_id)
    actor.require("moderation.decide", n.platform_id)
    subject = session.get(Subject, n.subject_id)
    assert subject is not None
    ms.check_measure_codes([code], subject=subject, field="code", single=True)
    _move(session, n, d.IPStatus.MEASURES_TAKEN, d.Party.PLATFORM)
    facts = (f"{n.rights_holder} notified a {n.right_type} infringement ({n.right_ref}) with "
             f"{len(n.evidence)} item(s) of preliminary evidence. {note}").strip()
    m = ms.apply_measure(session=session, platform_id=n.platform_id, subject=subject, code=code,
                         days=None, decided_by=actor.username,
                         automation=d.Automation.NOT_AUTOMATED, ground=ART42, facts=facts,
                         source=d.Source.RIGHTS_HOLDER, cat=d.category("ip_infringement"),
                         now=now, ip_notice_id=n.id, trigger="ip_notice",
                         content=keep_judged_content(session=session, subject=subject,
                                                        ip_notice_id=n.id))
    n.measure_id = m.id
    n.forwarded_to_merchant_at = now
    forward(session=session, platform_id=n.platform_id, kind="notice_to_merchant", now=now,
            ip_notice_id=n.id, merchant=_merchant_or_none(session, n), measure_id=m.id,
            notice_kind="ip_notice",
            content={"notice_id": n.id, "receipt": n.receipt, "rights_holder": n.rights_holder,
                     "right_type": n.right_type, "right_ref": n.right_ref,
                     "description": n.description, "evidence": n.evidence,
                     "measure_code": code})
    _event(session, n, "measures_taken", actor.username, now, {"measure": code})
    _event(session, n, "forwarded_to_merchant", actor.username, now, {})
    record(session=session, actor=actor, action="moderation.ip.measures",
           target_type="ip_notice", target_id=n.id, platform_id=n.platform_id,
           summary={"measure": code})
    return n


def reject_notice(*, session: Session, actor: Actor, notice_id: str, reason: str,
                  now: datetime | None = None) -> IPNotice:
    """Refuse a notice (moderation.decide)."""
    now = now or utcnow()
    n = get_notice(session=session, notice_id=notice_id)
    actor.require("moderation.decide", n.platform_id)
    _move(session, n, d.IPStatus.REJECTED, d.Party.PLATFORM)
    n.closed_at = now
    _event(session, n, "notice_rejected", actor.username, now, {"reason": reason})
    record(session=session, actor=actor, action="moderation.ip.reject", target_type="ip_notice",
           target_id=n.id, platform_id=n.platform_id)
    return n


def counter_notice(*, session: Session, actor: Actor, notice_id: str, body: CounterNoticeIn,
                   now: datetime | None = None) -> IPNotice:
    """A platform system files the declaration of the merchant it names (moderation.write);
    that merchant must be the one the notice was forwarded to."""
    n = get_notice(session=session, notice_id=notice_id)
    actor.require("moderation.write", n.platform_id)
    merchant = _merchant_of(session, n)
    if merchant.external_ref != body.merchant_ref:
        raise WrongParty("only the merchant the notice was forwarded to may declare",
                         details={"notice_id": n.id, "field": "merchant_ref"})
    return _declare(session=session, actor=actor, n=n, body=body, now=now)


def counter_notice_from_inbox(*, session: Session, token: str, notice_id: str,
                              body: PublicCounterNoticeIn, now: datetime | None = None
                              ) -> IPNotice:
    """The merchant declares from its own inbox link (no login: the link is the key)."""
    acc = account_by_inbox(session=session, token=token)
    n = get_notice(session=session, notice_id=notice_id)
    if n.merchant_id != acc.id:
        raise WrongParty("only the merchant the notice was forwarded to may declare",
                         details={"notice_id": n.id})
    return _declare(session=session, actor=party_actor("merchant", acc.external_ref), n=n,
                    body=body, now=now)


def _declare(*, session: Session, actor: Actor, n: IPNotice, body: PublicCounterNoticeIn,
             now: datetime | None) -> IPNotice:
    """The merchant's declaration (with evidence) is forwarded to the rights holder; the
    15-day clock of Art 43 starts."""
    now = now or utcnow()
    if not body.evidence:
        raise InvalidInput("a declaration must include preliminary evidence of non-infringement "
                           "(电子商务法 Art 43 不存在侵权行为的初步证据)", field="evidence")
    _move(session, n, d.IPStatus.COUNTER_NOTICED, d.Party.MERCHANT)
    n.counter_declaration = body.declaration
    n.counter_evidence = [e.model_dump() for e in body.evidence]
    n.forwarded_to_holder_at = now
    n.clock_ends_at = d.ip_clock_end(now)
    _event(session, n, "counter_notice_received", actor.username, now,
           {"evidence_items": len(body.evidence)})
    _event(session, n, "forwarded_to_rights_holder", actor.username, now,
           {"clock_ends_at": n.clock_ends_at.isoformat(),
            "source": d.deadlines()["ip"]["source"]})
    forward(session=session, platform_id=n.platform_id, kind="declaration_to_rights_holder",
            now=now, ip_notice_id=n.id, deadline=n.clock_ends_at,
            content={"notice_id": n.id, "receipt": n.receipt,
                     "declaration": body.declaration, "evidence": n.counter_evidence})
    record(session=session, actor=actor, action="moderation.ip.counter_notice",
           target_type="ip_notice", target_id=n.id, platform_id=n.platform_id)
    return n


def holder_action(*, session: Session, actor: Actor, notice_id: str, holder_token: str,
                  body: PublicHolderActionIn, now: datetime | None = None) -> IPNotice:
    """A system acting for the rights holder, with the notice's rights-holder token, shows a
    complaint or lawsuit (moderation.write)."""
    n = get_notice(session=session, notice_id=notice_id)
    actor.require("moderation.write", n.platform_id)
    _holder_token_matches(n, holder_token)
    return _holder_action(session=session, actor=actor, n=n, body=body, now=now)


def holder_action_from_link(*, session: Session, token: str, body: PublicHolderActionIn,
                            now: datetime | None = None) -> IPNotice:
    """The rights holder shows a complaint or lawsuit from its own link."""
    n = notice_by_holder_link(session=session, token=token)
    return _holder_action(session=session, actor=party_actor("rights_holder", n.rights_holder),
                          n=n, body=body, now=now)


def _holder_action(*, session: Session, actor: Actor, n: IPNotice, body: PublicHolderActionIn,
                   now: datetime | None) -> IPNotice:
    """The rights holder complained to an authority or sued within the 15 days: the measure
    stays (电子商务法 Art 43). After the 15 days the notice comes too late."""
    now = now or utcnow()
    if n.status == d.IPStatus.COUNTER_NOTICED and n.clock_ends_at and now > n.clock_ends_at:
        raise Conflict("the 15-day period has ended; the measure was or will be ended",
                       code="ip_clock_ended", details={"clock_ends_at": n.clock_ends_at.isoformat()})
    _move(session, n, d.IPStatus.UPHELD, d.Party.RIGHTS_HOLDER)
    n.action_kind, n.action_ref, n.closed_at = body.kind, body.reference, now
    _event(session, n, f"rights_holder_{body.kind}", actor.username, now,
           {"reference": body.reference, "body": body.body})
    forward(session=session, platform_id=n.platform_id, kind="holder_action_to_merchant",
            now=now, ip_notice_id=n.id, merchant=_merchant_or_none(session, n),
            measure_id=n.measure_id,
            content={"notice_id": n.id, "receipt": n.receipt, "action": body.kind,
                     "reference": body.reference, "body": body.body})
    record(session=session, actor=actor, action="moderation.ip.holder_action",
           target_type="ip_notice", target_id=n.id, platform_id=n.platform_id,
           summary={"kind": body.kind})
    return n


def withdraw(*, session: Session, actor: Actor, notice_id: str, holder_token: str,
             body: PublicWithdrawalIn, now: datetime | None = None) -> IPNotice:
    """A system acting for the rights holder withdraws the notice (moderation.write)."""
    n = get_notice(session=session, notice_id=notice_id)
    actor.require("moderation.write", n.platform_id)
    _holder_token_matches(n, holder_token)
    return _withdraw(session=session, actor=actor, n=n, body=body, now=now)


def withdraw_from_link(*, session: Session, token: str, body: PublicWithdrawalIn,
                       now: datetime | None = None) -> IPNotice:
    """The rights holder withdraws its notice from its own link."""
    n = notice_by_holder_link(session=session, token=token)
    return _withdraw(session=session, actor=party_actor("rights_holder", n.rights_holder), n=n,
                     body=body, now=now)


def _withdraw(*, session: Session, actor: Actor, n: IPNotice, body: PublicWithdrawalIn,
              now: datetime | None) -> IPNotice:
    now = now or utcnow()
    _move(session, n, d.IPStatus.WITHDRAWN, d.Party.RIGHTS_HOLDER)
    n.closed_at = now
    _end_measure(session, n, actor=actor.username, now=now,
                 reason="the rights holder withdrew its notice")
    _event(session, n, "notice_withdrawn", actor.username, now, {"reason": body.reason})
    if n.forwarded_to_merchant_at is not None:
        forward(session=session, platform_id=n.platform_id, kind="withdrawal_to_merchant",
                now=now, ip_notice_id=n.id, merchant=_merchant_or_none(session, n),
                measure_id=n.measure_id,
                content={"notice_id": n.id, "receipt": n.receipt, "reason": body.reason})
    record(session=session, actor=actor, action="moderation.ip.withdraw",
           target_type="ip_notice", target_id=n.id, platform_id=n.platform_id)
    return n


def _end_measure(session: Session, n: IPNotice, *, actor: str, now: datetime, reason: str
                 ) -> None:
    if n.measure_id:
        m = get_measure(session=session, measure_id=n.measure_id)
        if m.status == d.MeasureStatus.ACTIVE:
            ms.end_measure(session=session, m=m, change="lifted", actor=actor, reason=reason,
                           now=now)


def run_clocks(*, session: Session, now: datetime) -> int:
    """End the measures of notices whose 15 days ran out without a complaint or lawsuit."""
    due = session.scalars(select(IPNotice).where(
        IPNotice.status == d.IPStatus.COUNTER_NOTICED, IPNotice.clock_ends_at <= now)).all()
    done = 0
    for n in due:
        try:
            with session.begin_nested():
                _move(session, n, d.IPStatus.RESTORED, d.Party.SYSTEM)
        except Conflict:
            continue  # the rights holder's action (or another clock run) came first
        done += 1
        n.closed_at = now
        _end_measure(session, n, actor="system:ip-clock", now=now,
                     reason="电子商务法 Art 43: no complaint or lawsuit notified within 15 days")
        _event(session, n, "measures_ended", "system:ip-clock", now,
               {"reason": "no complaint or lawsuit within 15 days (电子商务法 Art 43)"})
    return done


def list_notices(*, session: Session, actor: Actor, platform_id: str, limit: int = 200
                 ) -> list[IPNotice]:
    """IP notices of a platform, newest first (moderation.read)."""
    actor.require("moderation.read", platform_id)
    return _notices(session=session, platform_id=platform_id, limit=limit)


def outcome_counts(*, session: Session, actor: Actor, platform_id: str,
                   now: datetime | None = None) -> dict[str, int]:
    """Every IP notice of the platform counted by outcome, open and late (moderation.read)."""
    actor.require("moderation.read", platform_id)
    rows = session.execute(select(IPNotice.status, IPNotice.clock_ends_at).where(
        IPNotice.platform_id == platform_id)).all()
    return d.ip_outcomes([(r.status, r.clock_ends_at) for r in rows], now=now or utcnow())


def _notices(*, session: Session, platform_id: str, limit: int) -> list[IPNotice]:
    return list(session.scalars(select(IPNotice).where(IPNotice.platform_id == platform_id)
                                .order_by(IPNotice.created_at.desc()).limit(limit)))


def events_of(*, session: Session, notice_id: str) -> list[IPEvent]:
    return list(session.scalars(select(IPEvent).where(IPEvent.notice_id == notice_id)
                                .order_by(IPEvent.seq)))


def publicity(*, session: Session, platform_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """What Art 44 asks to publicise: notices, declarations and outcomes, and when each was
    forwarded to whom (no contact data, no evidence; public)."""
    notices = _notices(session=session, platform_id=platform_id, limit=limit)
    fwd = forwardings_for_notices(session=session, notice_ids=[n.id for n in notices])
    out = []
    for n in notices:
        s = session.get(Subject, n.subject_id)
        out.append({"receipt": n.receipt, "rights_holder": n.rights_holder,
                    "right_type": n.right_type, "right_ref": n.right_ref,
                    "subject_ref": s.external_ref if s else "", "status": n.status,
                    "declaration": n.counter_declaration,
                    "clock_ends_at": n.clock_ends_at,
                    "events": events_of(session=session, notice_id=n.id),
                    "forwardings": [{"kind": f.kind, "to_party": f.to_party,
                                     "at": f.created_at} for f in fwd[n.id]]})
    return out


def holder_view(*, session: Session, token: str) -> dict[str, Any]:
    """The rights holder's page behind its link: its notice, what was forwarded to it (the
    merchant's declaration, its evidence and the statement of Art 43) and the deadline."""
    n = notice_by_holder_link(session=session, token=token)
    return {"notice": n, "declaration": n.counter_declaration, "evidence": n.counter_evidence,
            "forwardings": forwardings_of(session=session, ip_notice_id=n.id,
                                          to=d.Party.RIGHTS_HOLDER)}


def notice_forwardings(*, session: Session, actor: Actor, notice_id: str) -> list[Forwarding]:
    """Everything forwarded for a notice, to every party (moderation.read)."""
    n = get_notice(session=session, notice_id=notice_id)
    actor.require("moderation.read", n.platform_id)
    return forwardings_of(session=session, ip_notice_id=n.id)
