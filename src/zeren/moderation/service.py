"""Use cases of moderation: subjects and their pre-publication verdict, reports and complaints
(bundled into one case per subject), queues, claims, decisions, escalation and the clock that
moves everything on (``tick``). Keyword-only; never commits.

Intake works on batches with set-based SQL (a single report is a batch of one), so that the
bulk path and the public form share every rule. Race safety comes from the database: one open
case per subject is a unique key (``open_key``), and claiming or deciding is a conditional
UPDATE whose row count says who won."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, tuple_, union_all, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import AppError, Conflict, InvalidInput, NotFound
from zeren.moderation import domain as d
from zeren.moderation import measures as ms
from zeren.moderation.models import (
    CASE_EVENTS,
    CASES,
    REPORTS,
    SUBJECTS,
    Case,
    CaseEvent,
    Measure,
    Report,
    Subject,
)
from zeren.moderation.schemas import DecisionIn, ReportIn, SubjectIn

PENDING = "pending"  # a subject's verdict while it waits for asynchronous screening
PUBLIC_ACTOR = Actor(user_id="public", username="public", grants=(), via="public")


# -- subjects -------------------------------------------------------------------------------


def _subject_row(platform_id: str, s: SubjectIn | Any, now: datetime,
                 owner_id: str | None) -> dict[str, Any]:
    return {"id": new_id(), "platform_id": platform_id, "kind": str(s.kind),
            "external_ref": s.external_ref, "owner_id": owner_id,
            "display_name": getattr(s, "display_name", "") or "",
            "text": getattr(s, "text", "") or "", "media": list(getattr(s, "media", []) or []),
            "real_name_verified": getattr(s, "real_name_verified", None), "state": "visible",
            "verdict": None, "inbox_token": None, "created_at": now, "updated_at": now}


def _resolve(session: Session, platform_id: str, wanted: dict[tuple[str, str], Any],
             now: datetime, owners: dict[tuple[str, str], str | None]
             ) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """Ids of subjects named (kind, ref), and which of them existed; missing ones are
    inserted."""
    found: dict[tuple[str, str], str] = {}
    keys = list(wanted)
    for i in range(0, len(keys), 400):
        chunk = keys[i:i + 400]
        for sid, kind, ref in session.execute(select(Subject.id, Subject.kind,
                                                     Subject.external_ref).where(
                Subject.platform_id == platform_id,
                tuple_(Subject.kind, Subject.external_ref).in_(chunk))):
            found[(kind, ref)] = sid
    existed = set(found)
    missing = [k for k in keys if k not in found]
    if missing:
        rows = [_subject_row(platform_id, wanted[k], now, owners.get(k)) for k in missing]
        try:
            with session.begin_nested():
                session.execute(insert(SUBJECTS), rows)
        except IntegrityError:
            # Someone inserted some of them meanwhile: read again, insert the rest one by one.
            for k, row in zip(missing, rows, strict=True):
                got: str | None = session.scalar(select(Subject.id).where(
                    Subject.platform_id == platform_id, Subject.kind == k[0],
                    Subject.external_ref == k[1]))
                if got is None:
                    session.execute(insert(SUBJECTS), [row])
                    got = str(row["id"])
                found[k] = got
            return found, existed
        for k, row in zip(missing, rows, strict=True):
            found[k] = row["id"]
    return found, existed


def upsert_subjects(*, session: Session, platform_id: str, items: Sequence[SubjectIn],
                    now: datetime) -> list[str]:
    """Subject ids for ``items`` (owners first), creating the ones not yet known."""
    owners = {(str(s.owner.kind), s.owner.external_ref): s.owner for s in items if s.owner}
    owner_ids = _resolve(session, platform_id, owners, now, {})[0] if owners else {}
    wanted: dict[tuple[str, str], Any] = {}
    owner_of: dict[tuple[str, str], str | None] = {}
    for s in items:
        k = (str(s.kind), s.external_ref)
        wanted[k] = s
        owner_of[k] = owner_ids[(str(s.owner.kind), s.owner.external_ref)] if s.owner else None
    ids, existed = _resolve(session, platform_id, wanted, now, owner_of)
    # Known subjects: keep what the platform tells us now (text, owner, real-name status).
    news = {ids[k]: s for k, s in wanted.items() if k in existed
            and (s.text or s.owner or s.real_name_verified is not None)}
    keys = list(news)
    for i in range(0, len(keys), 400):
        for sub in session.scalars(select(Subject).where(Subject.id.in_(keys[i:i + 400]))):
            s = news[sub.id]
            if s.text and sub.text != s.text:
                sub.text = s.text
                sub.media = list(s.media)
                sub.updated_at = now
            if s.owner and sub.owner_id is None:
                sub.owner_id = owner_of[(str(s.kind), s.external_ref)]
            if s.real_name_verified is not None and sub.real_name_verified != \
                    s.real_name_verified:
                sub.real_name_verified = s.real_name_verified
    return [ids[(str(s.kind), s.external_ref)] for s in items]


def get_subject(*, session: Session, subject_id: str) -> Subject:
    s = session.get(Subject, subject_id)
    if s is None:
        raise NotFound(f"no subject {subject_id}", details={"field": "subject_id"})
    return s


def find_account(*, session: Session, platform_id: str, ref: str,
                 kinds: Sequence[str] = ("user", "merchant")) -> Subject:
    s = session.scalar(select(Subject).where(Subject.platform_id == platform_id,
                                             Subject.kind.in_(kinds),
                                             Subject.external_ref == ref))
    if s is None:
        raise NotFound(f"no account {ref!r} on this platform", details={"field": "account_ref"})
    return s


@dataclass(frozen=True)
class Verdict:
    subject: Subject
    decision: str
    hits: list[dict[str, Any]]
    lexicon_version: int | None
    case_id: str | None


def screen_subjects(*, session: Session, platform_id: str, subjects: Sequence[Subject],
                    now: datetime, actor_name: str) -> list[Verdict]:
    """Screen subjects' text with the review lexicon (zeren.lexicon) and open a case for every
    hit that asks for review or a block; the verdict is kept on the subject."""
    from zeren.lexicon.formats import Document
    from zeren.lexicon.service import DEFAULT_LEXICON, screen_documents

    docs = [Document(id=s.id, text=s.text) for s in subjects]
    matcher, results = screen_documents(session=session, name=DEFAULT_LEXICON, documents=docs,
                                        platform_id=platform_id)
    out: list[Verdict] = []
    reports: list[ReportIn] = []
    flagged: list[int] = []
    for i, (s, res) in enumerate(zip(subjects, results, strict=True)):
        s.verdict = str(res.decision)
        s.updated_at = now
        hits = [h.to_dict() for h in res.hits]
        if str(res.decision) != "pass":
            worst = max(res.hits, key=lambda h: ({"low": 1, "medium": 2, "high": 3}
                                                 .get(h.severity, 0)))
            cat = d.category(worst.category) or d.categories()["other"]
            reports.append(ReportIn(
                subject=SubjectIn(kind=d.SubjectKind(s.kind), external_ref=s.external_ref),
                category=cat.code, source=d.Source.SCREENING,
                description="; ".join(f"{h.term}@{h.start}-{h.end} ({h.category})"
                                      for h in res.hits)[:5000],
                reporter_ref=f"lexicon:{DEFAULT_LEXICON}@v{matcher.version}"))
            flagged.append(i)
        out.append(Verdict(s, str(res.decision), hits, matcher.version, None))
    if reports:
        receipts = submit_reports(session=session, platform_id=platform_id, items=reports,
                                  received_by=actor_name, now=now)
        for i, r in zip(flagged, receipts, strict=True):
            v = out[i]
            out[i] = Verdict(v.subject, v.decision, v.hits, v.lexicon_version, r.case_id)
    return out


def screen_pending(*, session: Session, now: datetime, limit: int = 500) -> int:
    """Screen subjects submitted in batches and not screened yet (asynchronous path)."""
    rows = session.scalars(select(Subject).where(Subject.verdict == PENDING)
                           .order_by(Subject.created_at).limit(limit)).all()
    by_platform: dict[str, list[Subject]] = {}
    for s in rows:
        by_platform.setdefault(s.platform_id, []).append(s)
    for pid, subs in by_platform.items():
        screen_subjects(session=session, platform_id=pid, subjects=subs, now=now,
                        actor_name="system:screening")
    return len(rows)


# -- intake ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    receipt: str
    case_id: str
    report_id: str
    bundled: bool
    received_at: datetime


def _check_report(i: int | None, r: ReportIn) -> d.Category:
    where = "" if i is None else f"items[{i}]."
    cat = d.category(r.category)
    if cat is None:
        raise InvalidInput(f"unknown category {r.category!r}; see GET /api/v1/moderation/"
                           "categories", field=f"{where}category",
                           details={"field": f"{where}category", "value": r.category})
    if r.source == d.Source.AUTHORITY and (not r.authority.strip() or not r.document_no.strip()):
        raise InvalidInput("an authority order names the issuing authority and its document "
                           "number", field=f"{where}document_no")
    return cat


def submit_reports(*, session: Session, platform_id: str, items: Sequence[ReportIn],
                   received_by: str, now: datetime | None = None) -> list[Receipt]:
    """Take reports in: each gets a receipt number and joins the open case on its subject, or
    opens one (queue, SLA deadline and priority from data)."""
    now = now or utcnow()
    single = len(items) == 1
    cats = [_check_report(None if single else i, r) for i, r in enumerate(items)]
    subject_ids = upsert_subjects(session=session, platform_id=platform_id,
                                  items=[r.subject for r in items], now=now)
    # Group reports per subject: they all land in the subject's one open case.
    groups: dict[str, list[int]] = {}
    for i, sid in enumerate(subject_ids):
        groups.setdefault(sid, []).append(i)
    case_of: dict[str, str] = {}
    bundled: set[str] = set()
    for _attempt in range(5):
        open_cases: dict[str, Case] = {}
        sids = [s for s in groups if s not in case_of]
        for i in range(0, len(sids), 400):
            for c in session.scalars(select(Case).where(Case.open_key.in_(sids[i:i + 400]))):
                open_cases[str(c.open_key)] = c
        new_rows: list[dict[str, Any]] = []
        for sid in sids:
            idx = groups[sid]
            srcs = sorted({str(items[j].source) for j in idx})
            if sid in open_cases and _bundle(session, open_cases[sid], sid,
                                             [cats[j] for j in idx], srcs, len(idx), now):
                case_of[sid] = open_cases[sid].id
                bundled.add(sid)
                continue
            # No open case, or the one read was decided meanwhile: open a new one.
            top = max((cats[j] for j in idx), key=lambda c: c.severity)
            first_src = str(items[idx[0]].source)
            new_rows.append({
                "id": new_id(), "platform_id": platform_id, "subject_id": sid, "open_key": sid,
                "category": top.code, "severity": top.severity,
                "queue": d.route(source=first_src if first_src == d.Source.AUTHORITY
                                 else (d.Source.AUTHORITY if d.Source.AUTHORITY in srcs
                                       else first_src), cat=top),
                "status": d.CaseStatus.OPEN.value,
                "priority": d.priority(severity=top.severity, reports=len(idx), sources=srcs),
                "report_count": len(idx), "sources": ",".join(srcs),
                "sla_due_at": d.sla_deadline(opened_at=now, cat=top, sources=srcs),
                "claimed_by": None, "claimed_at": None, "escalations": 0, "escalated_at": None,
                "sla_breached_at": None,
                "decision": None, "decided_by": None, "decided_at": None, "created_at": now,
                "updated_at": now})
        if not new_rows:
            break
        try:
            with session.begin_nested():
                session.execute(insert(CASES), new_rows)
        except IntegrityError:
            continue  # another request opened a case on one of these subjects: bundle into it
        for row in new_rows:
            case_of[row["subject_id"]] = row["id"]
        break
    else:  # pragma: no cover - five lost races in a row
        raise Conflict("too many concurrent reports on the same subjects; retry")
    session.flush()
    reports, events, out = [], [], []
    for i, r in enumerate(items):
        sid = subject_ids[i]
        rid = new_id()
        receipt = d.receipt_number("R", now)
        cid = case_of[sid]
        reports.append({
            "id": rid, "receipt": receipt, "platform_id": platform_id, "case_id": cid,
            "subject_id": sid, "category": cats[i].code, "source": str(r.source),
            "reporter_ref": r.reporter_ref, "reporter_contact": r.reporter_contact,
            "authority": r.authority, "document_no": r.document_no,
            "description": r.description, "evidence": [e.model_dump() for e in r.evidence],
            "received_by": received_by, "created_at": now})
        events.append({"case_id": cid, "kind": "report", "actor": received_by,
                       "created_at": now,
                       "data": {"receipt": receipt, "source": str(r.source),
                                "category": cats[i].code,
                                "authority": r.authority or None,
                                "document_no": r.document_no or None}})
        out.append(Receipt(receipt, cid, rid, sid in bundled, now))
    session.execute(insert(REPORTS), reports)
    session.execute(insert(CASE_EVENTS), events)
    return out


def _bundle(session: Session, c: Case, subject_id: str, cats: list[d.Category],
            srcs: list[str], n: int, now: datetime) -> bool:
    """A further report on an open case: volume, severity and urgency can only go up.

    The count moves by a relative, conditional UPDATE (``report_count = report_count + n
    WHERE id = :id AND open_key = :subject``): a case decided since it was read matches no
    row (False: the caller opens a new case), and two concurrent bundles both count. Once the
    UPDATE has matched, the row is this transaction's until commit (PostgreSQL's row lock,
    SQLite's single writer), so the re-read below sees the latest sources and severity and
    the rest can be written from it without losing another request's change."""
    res = session.execute(update(Case).where(Case.id == c.id, Case.open_key == subject_id)
                          .values(report_count=Case.report_count + n, updated_at=now)
                          .execution_options(synchronize_session=False))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(c)
    sources = sorted(set(filter(None, c.sources.split(","))) | set(srcs))
    top = max(cats, key=lambda x: x.severity)
    if top.severity > c.severity:
        c.category, c.severity = top.code, top.severity
    cat = d.category(c.category) or top
    c.sources = ",".join(sources)
    c.priority = d.priority(severity=c.severity, reports=c.report_count, sources=sources,
                            escalations=c.escalations)
    c.sla_due_at = min(c.sla_due_at, d.sla_deadline(opened_at=now, cat=cat, sources=srcs))
    if c.status == d.CaseStatus.OPEN and c.escalations == 0:
        c.queue = d.route(source=d.Source.AUTHORITY if d.Source.AUTHORITY in sources
                          else srcs[0], cat=cat)
    return True


def receipt_status(*, session: Session, receipt: str) -> tuple[Report, Case]:
    r = session.scalar(select(Report).where(Report.receipt == receipt))
    if r is None:
        raise NotFound(f"no report with receipt {receipt}", details={"field": "receipt"})
    c = session.get(Case, r.case_id)
    assert c is not None
    return r, c


# -- cases and queues -----------------------------------------------------------------------


def get_case(*, session: Session, case_id: str) -> Case:
    c = session.get(Case, case_id)
    if c is None:
        raise NotFound(f"no case {case_id}", details={"field": "case_id"})
    return c


def all_queues() -> list[str]:
    r = d.routing()
    names = [d.escalation_queue(), *(str(x["queue"]) for x in r.get("rule", [])),
             str(r["default_queue"])]
    return list(dict.fromkeys(names))


def list_cases(*, session: Session, platform_id: str, status: str | None = None,
               queue: str | None = None, category: str | None = None, offset: int = 0,
               limit: int = 50) -> list[Case]:
    """Cases of a platform, most urgent first."""
    q = select(Case).where(Case.platform_id == platform_id)
    if status:
        q = q.where(Case.status == status)
    if queue:
        q = q.where(Case.queue == queue)
    if category:
        q = q.where(Case.category == category)
    return list(session.scalars(q.order_by(Case.priority.desc(), Case.sla_due_at)
                                .offset(offset).limit(limit)))


def peek_next(*, session: Session, platform_id: str, queues: Sequence[str] | None = None
              ) -> str | None:
    """The most urgent open case across ``queues``: one index seek per queue, all in one
    round trip (UNION ALL of per-queue LIMIT 1)."""
    parts = [select(Case.priority, Case.sla_due_at, Case.id).where(
        Case.platform_id == platform_id, Case.status == d.CaseStatus.OPEN, Case.queue == q)
        .order_by(Case.priority.desc(), Case.sla_due_at).limit(1).subquery()
        for q in (queues or all_queues())]
    if not parts:
        return None
    u = union_all(*(select(p) for p in parts)).subquery()
    row = session.execute(select(u.c.id).order_by(u.c.priority.desc(), u.c.sla_due_at)
                          .limit(1)).first()
    return str(row[0]) if row else None


def next_case(*, session: Session, actor: Actor, platform_id: str,
              queues: Sequence[str] | None = None, now: datetime | None = None) -> Case | None:
    """Claim the most urgent open case for ``actor`` (retries when another moderator wins)."""
    for _ in range(5):
        cid = peek_next(session=session, platform_id=platform_id, queues=queues)
        if cid is None:
            return None
        try:
            return claim_case(session=session, actor=actor, case_id=cid, now=now)
        except Conflict:
            continue
    return None


def claim_case(*, session: Session, actor: Actor, case_id: str, now: datetime | None = None
               ) -> Case:
    """Take a case: never two moderators on one case (a conditional UPDATE decides)."""
    now = now or utcnow()
    res = session.execute(update(Case).where(
        Case.id == case_id, Case.status == d.CaseStatus.OPEN, Case.claimed_by.is_(None))
        .values(status=d.CaseStatus.CLAIMED, claimed_by=actor.username, claimed_at=now,
                updated_at=now).execution_options(synchronize_session=False))
    c = get_case(session=session, case_id=case_id)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(c)
        if c.status == d.CaseStatus.DECIDED:
            raise Conflict("the case is already decided", code="already_decided",
                           details={"case_id": case_id, "decided_by": c.decided_by})
        raise Conflict(f"the case is already claimed by {c.claimed_by}", code="already_claimed",
                       details={"case_id": case_id, "claimed_by": c.claimed_by})
    session.refresh(c)
    ms.case_event(session=session, case_id=c.id, kind="claim", actor=actor.username, at=now)
    record(session=session, actor=actor, action="moderation.case.claim", target_type="case",
           target_id=c.id, platform_id=c.platform_id)
    return c


def release_case(*, session: Session, actor: Actor, case_id: str, now: datetime | None = None
                 ) -> Case:
    """Give a claimed case back to its queue."""
    now = now or utcnow()
    res = session.execute(update(Case).where(
        Case.id == case_id, Case.status == d.CaseStatus.CLAIMED,
        Case.claimed_by == actor.username)
        .values(status=d.CaseStatus.OPEN, claimed_by=None, claimed_at=None, updated_at=now)
        .execution_options(synchronize_session=False))
    c = get_case(session=session, case_id=case_id)
    session.refresh(c)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("only the moderator holding a case can release it", code="not_claimed",
                       details={"claimed_by": c.claimed_by, "status": c.status})
    ms.case_event(session=session, case_id=c.id, kind="release", actor=actor.username, at=now)
    record(session=session, actor=actor, action="moderation.case.release", target_type="case",
           target_id=c.id, platform_id=c.platform_id)
    return c


def comment(*, session: Session, actor: Actor, case_id: str, text: str) -> Case:
    c = get_case(session=session, case_id=case_id)
    ms.case_event(session=session, case_id=c.id, kind="comment", actor=actor.username,
                  data={"text": text})
    record(session=session, actor=actor, action="moderation.case.comment", target_type="case",
           target_id=c.id, platform_id=c.platform_id)
    return c


def escalate(*, session: Session, actor_name: str, c: Case, reason: str, now: datetime,
             keep_claim: bool) -> None:
    c.escalations += 1
    c.escalated_at = now
    c.queue = d.escalation_queue()
    c.priority = d.priority(severity=c.severity, reports=c.report_count,
                            sources=c.sources.split(","), escalations=c.escalations)
    if not keep_claim:
        c.status, c.claimed_by, c.claimed_at = d.CaseStatus.OPEN, None, None
    c.updated_at = now
    ms.case_event(session=session, case_id=c.id, kind="escalation", actor=actor_name,
                  data={"reason": reason, "level": c.escalations}, at=now)


def escalate_case(*, session: Session, actor: Actor, case_id: str, reason: str,
                  now: datetime | None = None) -> Case:
    """Send a case up to senior moderators (the claim is released). A claimed case is
    escalated only by the moderator holding it or by a moderation admin of its platform; a
    conditional UPDATE decides, so a claim taken meanwhile is not released by someone else."""
    now = now or utcnow()
    c = get_case(session=session, case_id=case_id)
    cond = [Case.id == case_id, Case.status != d.CaseStatus.DECIDED]
    if not actor.can("moderation.admin", c.platform_id):
        cond.append(or_(Case.claimed_by.is_(None), Case.claimed_by == actor.username))
    res = session.execute(update(Case).where(*cond).values(
        escalations=Case.escalations + 1, escalated_at=now, queue=d.escalation_queue(),
        status=d.CaseStatus.OPEN, claimed_by=None, claimed_at=None, updated_at=now)
        .execution_options(synchronize_session=False))
    session.refresh(c)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        if c.status == d.CaseStatus.DECIDED:
            raise Conflict("the case is already decided", code="already_decided",
                           details={"decided_by": c.decided_by})
        raise Conflict(f"the case is claimed by {c.claimed_by}; only they or a moderation "
                       "admin can escalate it", code="already_claimed",
                       details={"case_id": case_id, "claimed_by": c.claimed_by})
    c.priority = d.priority(severity=c.severity, reports=c.report_count,
                            sources=c.sources.split(","), escalations=c.escalations)
    ms.case_event(session=session, case_id=c.id, kind="escalation", actor=actor.username,
                  data={"reason": reason, "level": c.escalations}, at=now)
    record(session=session, actor=actor, action="moderation.case.escalate", target_type="case",
           target_id=c.id, platform_id=c.platform_id, summary={"reason": reason})
    return c


def escalate_overdue(*, session: Session, now: datetime, limit: int = 1000) -> int:
    """Every undecided case past its deadline records its breach once (``sla_breached_at``,
    kept apart from escalation, so a case escalated by hand still records it) and
    escalates."""
    due = session.scalars(select(Case).where(
        Case.status.in_([d.CaseStatus.OPEN, d.CaseStatus.CLAIMED]), Case.sla_due_at < now,
        Case.sla_breached_at.is_(None)).limit(limit)).all()
    n = 0
    for c in due:
        res = session.execute(update(Case).where(Case.id == c.id,
                                                 Case.sla_breached_at.is_(None),
                                                 Case.status != d.CaseStatus.DECIDED)
                              .values(sla_breached_at=now)
                              .execution_options(synchronize_session=False))
        if res.rowcount != 1:  # type: ignore[attr-defined]
            continue  # decided, or another clock run recorded it
        session.refresh(c)
        n += 1
        ms.case_event(session=session, case_id=c.id, kind="sla_breached", actor="system:sla",
                      data={"due": c.sla_due_at.isoformat()}, at=now)
        escalate(session=session, actor_name="system:sla", c=c, now=now, keep_claim=True,
                 reason=f"SLA deadline {c.sla_due_at.isoformat()} passed")
    return n


def decide_case(*, session: Session, actor: Actor, case_id: str, body: DecisionIn,
                now: datetime | None = None) -> Case:
    """Decide a claimed case: apply the measures (each with its statement of reasons and
    notice), count the strike and climb the ladder; or close it with no action."""
    now = now or utcnow()
    c = get_case(session=session, case_id=case_id)
    subject = get_subject(session=session, subject_id=c.subject_id)
    ground: dict[str, Any] = {}
    if body.decision == d.Decision.ACTION:
        if not body.measures:
            raise InvalidInput("a decision to act names at least one measure", field="measures")
        ms.check_measure_codes([m.code for m in body.measures], subject=subject)
        ground = ms.check_ground(body.ground.model_dump() if body.ground else None)
        if not body.facts.strip():
            raise InvalidInput("say what was found (the facts of the statement of reasons)",
                               field="facts")
    res = session.execute(update(Case).where(
        Case.id == case_id, Case.status == d.CaseStatus.CLAIMED,
        Case.claimed_by == actor.username)
        .values(status=d.CaseStatus.DECIDED, open_key=None, decision=str(body.decision),
                decided_by=actor.username, decided_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    session.refresh(c)
    if res.rowcount != 1:  # type: ignore[attr-defined]
        if c.status == d.CaseStatus.DECIDED:
            raise Conflict("the case is already decided", code="already_decided",
                           details={"decided_by": c.decided_by, "decision": c.decision})
        raise Conflict("claim the case before deciding it" if c.claimed_by is None else
                       f"the case is claimed by {c.claimed_by}", code="not_claimed",
                       details={"claimed_by": c.claimed_by})
    # Keep what is being judged: the platform may update the subject's text later.
    content = ms.keep_judged_content(session=session, subject=subject, case_id=c.id)
    ms.case_event(session=session, case_id=c.id, kind="decision", actor=actor.username,
                  data={"decision": str(body.decision), "measures": [m.model_dump()
                                                                     for m in body.measures],
                        "ground": ground, "facts": body.facts,
                        "automation": str(body.automation),
                        "content_sha256": content.sha256}, at=now)
    applied: list[Measure] = []
    if body.decision == d.Decision.ACTION:
        cat = d.category(c.category)
        first_source = c.sources.split(",")[0] if c.sources else "platform"
        source = d.Source.AUTHORITY if "authority" in c.sources else first_source
        for m in body.measures:
            applied.append(ms.apply_measure(
                session=session, platform_id=c.platform_id, subject=subject, code=m.code,
                days=m.days, decided_by=actor.username, automation=str(body.automation),
                ground=ground, facts=body.facts, source=source, cat=cat, now=now, case=c,
                content=content))
        ladder = ms.strike_and_climb(session=session, case=c, subject=subject, now=now,
                                     content=content)
        if ladder is not None:
            applied.append(ladder)
    record(session=session, actor=actor, action="moderation.case.decide", target_type="case",
           target_id=c.id, platform_id=c.platform_id,
           summary={"decision": str(body.decision), "measures": [m.code for m in applied]})
    return c


def case_page(*, session: Session, case_id: str, events_limit: int = 500
              ) -> dict[str, Any]:
    """Everything a case page shows: the case, its subject and owner, reports, history and
    measures."""
    c = get_case(session=session, case_id=case_id)
    subject = get_subject(session=session, subject_id=c.subject_id)
    owner = session.get(Subject, subject.owner_id) if subject.owner_id else None
    reports = list(session.scalars(select(Report).where(Report.case_id == c.id)
                                   .order_by(Report.created_at).limit(100)))
    events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == c.id)
                                  .order_by(CaseEvent.seq).limit(events_limit)))
    measures = list(session.scalars(select(Measure).where(Measure.case_id == c.id)
                                    .order_by(Measure.created_at)))
    return {"case": c, "subject": subject, "owner": owner, "reports": reports,
            "events": events, "measures": measures,
            "judged": ms.judged_content_of(session=session, case_id=c.id)}


def bulk_select(*, session: Session, platform_id: str, case_ids: Sequence[str],
                queue: str | None, category: str | None, limit: int
                ) -> tuple[list[Case], list[dict[str, str]]]:
    """The undecided cases a bulk action would touch, and those it would skip (why)."""
    skipped: list[dict[str, str]] = []
    if case_ids:
        found = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))}
        chosen = []
        for cid in case_ids:
            c = found.get(cid)
            if c is None or c.platform_id != platform_id:
                skipped.append({"case_id": cid, "reason": "not a case of this platform"})
            elif c.status == d.CaseStatus.DECIDED:
                skipped.append({"case_id": cid, "reason": "already decided"})
            else:
                chosen.append(c)
        return chosen, skipped
    if queue is None and category is None:
        raise InvalidInput("name case_ids, a queue or a category", field="case_ids")
    q = select(Case).where(Case.platform_id == platform_id, Case.status != d.CaseStatus.DECIDED)
    if queue:
        q = q.where(Case.queue == queue)
    if category:
        q = q.where(Case.category == category)
    return list(session.scalars(q.order_by(Case.priority.desc(), Case.sla_due_at)
                                .limit(limit))), skipped


def bulk_confirm(*, session: Session, platform_id: str, case_ids: Sequence[str]) -> list[Case]:
    """The cases a confirmed bulk action decides: exactly ``case_ids`` (the ids its preview
    showed), never a fresh selection. Every id must be an undecided case of this platform;
    if any is not, none is decided and the refusal names ``case_ids`` and each id's reason."""
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        raise InvalidInput("name the case_ids the preview showed", field="case_ids")
    found = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)))}
    refused: list[dict[str, str]] = []
    for cid in ids:
        c = found.get(cid)
        if c is None or c.platform_id != platform_id:
            refused.append({"case_id": cid, "reason": "not a case of this platform"})
        elif c.status == d.CaseStatus.DECIDED:
            refused.append({"case_id": cid, "reason": "not open: already decided"})
    if refused:
        raise InvalidInput(
            f"{len(refused)} of the case_ids cannot be decided; none was",
            details={"field": "case_ids", "refused": refused})
    return [found[cid] for cid in ids]


def bulk_decide(*, session: Session, actor: Actor, cases: Sequence[Case], body: DecisionIn,
                now: datetime | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """Claim and decide each case in turn; a case held by someone else is skipped."""
    now = now or utcnow()
    done: list[str] = []
    skipped: list[dict[str, str]] = []
    for c in cases:
        try:
            with session.begin_nested():
                if c.claimed_by != actor.username:
                    claim_case(session=session, actor=actor, case_id=c.id, now=now)
                decide_case(session=session, actor=actor, case_id=c.id, body=body, now=now)
            done.append(c.id)
        except Conflict as exc:
            skipped.append({"case_id": c.id, "reason": exc.message})
    return done, skipped


def tick(*, session: Session, now: datetime | None = None) -> dict[str, int]:
    """Move every clock on: SLA escalation, measure expiry, IP 15-day clocks, complaint reply
    deadlines, and screening of subjects submitted in batches."""
    from zeren.moderation import complaints, ip

    now = now or utcnow()
    return {"escalated": escalate_overdue(session=session, now=now),
            "expired": ms.expire_due(session=session, now=now),
            "ip_restored": ip.run_clocks(session=session, now=now),
            "complaints_to_mediation": complaints.run_deadlines(session=session, now=now),
            "screened": screen_pending(session=session, now=now)}


def require_on(actor: Actor, permission: str, platform_id: str) -> None:
    """The route's permission, checked on the record's own platform."""
    actor.require(permission, platform_id)


class WrongParty(AppError):
    status = 403
    code = "wrong_party"
