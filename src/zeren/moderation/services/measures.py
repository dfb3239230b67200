"""Measures (指南 Art 11, 29) and what every measure brings with it: the statement of
reasons, the notice to the affected party, strikes and the ladder (repeat offenders move up),
the numbered change feed, webhook messages in the outbox and records for the ledger
(appended after commit, see ``delivery.flush_ledger``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.auth.policy import Actor
from zeren.errors import InvalidInput
from zeren.moderation import domain as d
from zeren.moderation.models import (
    Case,
    JudgedContent,
    Measure,
    MeasureChange,
    Notice,
    Statement,
    Strike,
    Subject,
)
from zeren.moderation.services.common import (
    LEDGER_MEASURES,
    LEDGER_STATEMENTS,
    case_event,
    ensure_inbox,
    publish,
    to_ledger,
)
from zeren.moderation.services.statements import statement_body
from zeren.moderation.services.subjects import find_account

# -- validation -----------------------------------------------------------------------------


def check_ground(ground: dict[str, Any] | None, *, field: str = "ground") -> dict[str, Any]:
    """A ground names a law and its article, or a platform rule and its version."""
    if ground is None:
        raise InvalidInput("a measure needs its ground: a law and article, or a platform rule "
                           "and its version", field=field)
    if ground.get("kind") == "law":
        if not ground.get("law") or not ground.get("article"):
            raise InvalidInput("a legal ground names the law and the article",
                               field=f"{field}.article")
    elif ground.get("kind") == "platform_rule":
        if not ground.get("rule") or not ground.get("rule_version"):
            raise InvalidInput("a platform-rule ground names the rule and its version",
                               field=f"{field}.rule_version")
    else:
        raise InvalidInput("ground.kind is law or platform_rule", field=f"{field}.kind")
    return {k: ground.get(k, "") for k in ("kind", "law", "article", "rule", "rule_version")}


def check_measure_codes(codes: Sequence[str], *, subject: Subject, field: str = "measures",
                        single: bool = False) -> None:
    """Known measures that can act on this subject; ``single``: one code named ``field``."""
    types = d.measure_types()
    for i, code in enumerate(codes):
        where = field if single else f"{field}[{i}].code"
        if code not in types:
            raise InvalidInput(f"unknown measure {code!r}; known: {', '.join(sorted(types))}",
                               field=where)
        if not d.measure_allowed_on(code, subject.kind):
            raise InvalidInput(f"measure {code} cannot act on a {subject.kind}",
                               field=where)
        mt = types[code]
        if mt.target == "account" and subject.kind not in d.ACCOUNT_KINDS \
                and subject.owner_id is None:
            raise InvalidInput(f"measure {code} acts on the account, but this {subject.kind} "
                               "has no known owner", field=where)


# -- state ----------------------------------------------------------------------------------


def active_codes(*, session: Session, subject_id: str) -> list[str]:
    return list(session.scalars(select(Measure.code).where(
        Measure.subject_id == subject_id, Measure.status == d.MeasureStatus.ACTIVE)))


def _refresh_state(*, session: Session, subject: Subject, now: datetime) -> str:
    session.flush()
    subject.state = d.subject_state(active_codes(session=session, subject_id=subject.id))
    subject.updated_at = now
    return subject.state


def _change(*, session: Session, m: Measure, subject: Subject, change: str, state: str,
            now: datetime) -> dict[str, Any]:
    session.add(MeasureChange(platform_id=m.platform_id, measure_id=m.id, subject_id=subject.id,
                              subject_kind=subject.kind, subject_ref=subject.external_ref,
                              code=m.code, change=change, state=state, ends_at=m.ends_at,
                              at=now))
    payload = {"measure_id": m.id, "change": change, "code": m.code,
               "subject": {"id": subject.id, "kind": subject.kind, "ref": subject.external_ref},
               "state": state, "starts_at": m.starts_at.isoformat(),
               "ends_at": m.ends_at.isoformat() if m.ends_at else None, "at": now.isoformat()}
    publish(session=session, platform_id=m.platform_id, event=f"measure.{change}",
            payload=payload, now=now)
    to_ledger(session=session, record_class=LEDGER_MEASURES, subject=f"measure:{m.id}",
              record={"platform_id": m.platform_id, "measure_id": m.id, "case_id": m.case_id,
                      "change": change, "code": m.code, "subject_kind": subject.kind,
                      "subject_ref": subject.external_ref, "decided_by": m.decided_by,
                      "automation": m.automation, "starts_at": m.starts_at.isoformat(),
                      "ends_at": m.ends_at.isoformat() if m.ends_at else None,
                      "at": now.isoformat(), "reason": m.end_reason})
    return payload


# -- applying a measure ---------------------------------------------------------------------


def apply_measure(
    *, session: Session, platform_id: str, subject: Subject, code: str, days: float | None,
    decided_by: str, automation: str, ground: dict[str, Any], facts: str, source: str,
    cat: d.Category | None, now: datetime, case: Case | None = None,
    ip_notice_id: str | None = None, trigger: str = "decision",
    content: JudgedContent | None = None,
) -> Measure:
    """Apply one measure with its statement of reasons, notice, change, webhook and ledger
    records. Account measures on an item act on the item's owner."""
    mt = d.measure_types()[code]
    target = subject
    if mt.target == "account" and subject.kind not in d.ACCOUNT_KINDS:
        owner = session.get(Subject, subject.owner_id) if subject.owner_id else None
        if owner is None:
            raise InvalidInput(f"measure {code} acts on the account, but the item has no owner",
                               field="measures")
        target = owner
    account = target if target.kind in d.ACCOUNT_KINDS else (
        session.get(Subject, target.owner_id) if target.owner_id else None)
    m = Measure(platform_id=platform_id, case_id=case.id if case else None,
                ip_notice_id=ip_notice_id, subject_id=target.id,
                account_id=account.id if account else None, code=code, family=mt.family,
                starts_at=now, ends_at=d.measure_end(now, code, days),
                status=d.MeasureStatus.ACTIVE, decided_by=decided_by, automation=automation,
                trigger=trigger)
    session.add(m)
    session.flush()
    state = _refresh_state(session=session, subject=target, now=now)
    _change(session=session, m=m, subject=target, change="applied", state=state, now=now)
    appeal_by = d.appeal_deadline(now)
    body = statement_body(m=m, subject=target, account=account, cat=cat, source=source,
                          ground=ground, facts=facts,
                          automated_detection=source in d.AUTOMATED_SOURCES, now=now,
                          appeal_by=appeal_by, content=content)
    st = Statement(measure_id=m.id, platform_id=platform_id, case_id=m.case_id,
                   account_id=m.account_id, body=body, appeal_deadline=appeal_by)
    session.add(st)
    session.flush()
    to_ledger(session=session, record_class=LEDGER_STATEMENTS, subject=f"measure:{m.id}",
              record={"platform_id": platform_id, "statement_id": st.id, "measure_id": m.id,
                      "case_id": m.case_id, **body})
    if account is not None:
        ensure_inbox(account)
        session.add(Notice(platform_id=platform_id, account_id=account.id, kind="measure",
                           title_zh=f"处置通知：{mt.name_zh}", title_en=f"Measure: {mt.name_en}",
                           measure_id=m.id, statement_id=st.id, body=body))
    if case is not None:
        case_event(session=session, case_id=case.id, kind="measure", actor=decided_by,
                   data={"measure_id": m.id, "code": code, "trigger": trigger,
                         "ends_at": m.ends_at.isoformat() if m.ends_at else None}, at=now)
    return m


def end_measure(*, session: Session, m: Measure, change: str, reason: str, actor: str,
                now: datetime) -> None:
    """End a measure early (lifted) or at its end (expired); tell the platform and the party."""
    m.status = d.MeasureStatus.LIFTED if change == "lifted" else d.MeasureStatus.EXPIRED
    m.ended_at = now
    m.end_reason = reason
    subject = session.get(Subject, m.subject_id)
    assert subject is not None
    state = _refresh_state(session=session, subject=subject, now=now)
    _change(session=session, m=m, subject=subject, change=change, state=state, now=now)
    mt = d.measure_types()[m.code]
    if m.account_id is not None:
        verb_zh, verb_en = ("已解除", "lifted") if change == "lifted" else ("已到期", "expired")
        session.add(Notice(platform_id=m.platform_id, account_id=m.account_id, kind=change,
                           title_zh=f"{mt.name_zh}{verb_zh}", title_en=f"{mt.name_en} {verb_en}",
                           measure_id=m.id, body={"reason": reason, "at": now.isoformat()}))
    if m.case_id is not None:
        case_event(session=session, case_id=m.case_id, kind=f"measure_{change}", actor=actor,
                   data={"measure_id": m.id, "code": m.code, "reason": reason}, at=now)


def expire_due(*, session: Session, now: datetime, limit: int = 1000) -> int:
    """End every active measure whose end has come."""
    due = session.scalars(select(Measure).where(
        Measure.status == d.MeasureStatus.ACTIVE, Measure.ends_at.is_not(None),
        Measure.ends_at <= now).order_by(Measure.ends_at).limit(limit)).all()
    for m in due:
        end_measure(session=session, m=m, change="expired", reason="duration ended",
                    actor="system", now=now)
    return len(due)


# -- strikes and the ladder ----------------------------------------------------------------


def strikes_of(*, session: Session, account_id: str) -> list[Strike]:
    return list(session.scalars(select(Strike).where(Strike.account_id == account_id)
                                .order_by(Strike.counted_at)))


def strike_total(*, session: Session, account_id: str, now: datetime) -> int:
    rows = session.execute(select(Strike.weight, Strike.counted_at).where(
        Strike.account_id == account_id)).all()
    return d.strike_total(((w, at) for w, at in rows), now=now)


def _rules_version() -> str:
    raw = (d._DATA / "strikes.toml").read_bytes()
    return "strikes.toml@" + hashlib.sha256(raw).hexdigest()[:12]


def strike_and_climb(*, session: Session, case: Case, subject: Subject, now: datetime,
                     content: JudgedContent | None = None) -> Measure | None:
    """Add the case's strike to the account behind the subject and, when the total crosses a
    threshold, apply the ladder's account measure (指南 Art 11: prevent repetition)."""
    account = subject if subject.kind in d.ACCOUNT_KINDS else (
        session.get(Subject, subject.owner_id) if subject.owner_id else None)
    if account is None:
        return None
    session.add(Strike(platform_id=case.platform_id, account_id=account.id, case_id=case.id,
                       weight=d.strike_weight(case.severity), category=case.category,
                       counted_at=now))
    session.flush()
    total = strike_total(session=session, account_id=account.id, now=now)
    family = "merchant" if account.kind == d.SubjectKind.MERCHANT else "user"
    code = d.ladder_step(family=family, total=total,
                         active=active_codes(session=session, subject_id=account.id))
    case_event(session=session, case_id=case.id, kind="strike", actor="system",
               data={"account_id": account.id, "weight": d.strike_weight(case.severity),
                     "total": total, "ladder": code}, at=now)
    if code is None:
        return None
    ground = {"kind": "platform_rule", "law": "互联网平台落实主体责任指南", "article": "Art 11",
              "rule": "违规记分规则 strike rules", "rule_version": _rules_version()}
    facts = (f"{total} strike points within {d.strike_settings()['window_days']} days "
             f"reached the threshold for {code}")
    return apply_measure(session=session, platform_id=case.platform_id, subject=account,
                         code=code, days=None, decided_by="system:ladder",
                         automation=d.Automation.FULLY, ground=ground, facts=facts,
                         source="platform", cat=d.category(case.category), now=now, case=case,
                         trigger="ladder", content=content)


def reverse_strikes(*, session: Session, case_id: str, now: datetime) -> int:
    """Cancel a case's strikes (an overturned decision) with negative rows."""
    rows = session.scalars(select(Strike).where(Strike.case_id == case_id,
                                                Strike.weight > 0)).all()
    done = {r.reverses_id for r in session.scalars(select(Strike).where(
        Strike.case_id == case_id, Strike.weight < 0))}
    n = 0
    for r in rows:
        if r.id in done:
            continue
        session.add(Strike(platform_id=r.platform_id, account_id=r.account_id, case_id=case_id,
                           weight=-r.weight, category=r.category, counted_at=r.counted_at,
                           reverses_id=r.id))
        n += 1
    return n


# -- reading --------------------------------------------------------------------------------


def changes_after(*, session: Session, actor: Actor, platform_id: str, after: int,
                  limit: int) -> list[MeasureChange]:
    """The platform's measure changes numbered after ``after`` (the pull API;
    moderation.read)."""
    actor.require("moderation.read", platform_id)
    return list(session.scalars(select(MeasureChange).where(
        MeasureChange.platform_id == platform_id, MeasureChange.seq > after)
        .order_by(MeasureChange.seq).limit(limit)))


def list_measures(*, session: Session, actor: Actor, platform_id: str,
                  status: str | None = None, family: str | None = None, offset: int = 0,
                  limit: int = 50) -> list[Measure]:
    """Measures of a platform, newest first (moderation.read)."""
    actor.require("moderation.read", platform_id)
    q = select(Measure).where(Measure.platform_id == platform_id)
    if status:
        q = q.where(Measure.status == status)
    if family:
        q = q.where(Measure.family == family)
    return list(session.scalars(q.order_by(Measure.created_at.desc()).offset(offset)
                                .limit(limit)))


def strike_summary(*, session: Session, actor: Actor, platform_id: str, account_ref: str,
                   now: datetime) -> tuple[Subject, int, list[Strike]]:
    """An account's strikes and their total within the window (moderation.read)."""
    actor.require("moderation.read", platform_id)
    acc = find_account(session=session, platform_id=platform_id, ref=account_ref)
    return (acc, strike_total(session=session, account_id=acc.id, now=now),
            strikes_of(session=session, account_id=acc.id))


def count_active(*, session: Session, platform_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Measure).where(
        Measure.platform_id == platform_id, Measure.status == d.MeasureStatus.ACTIVE)) or 0
