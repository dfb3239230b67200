"""The rules library's use cases (指南 第十四条; 电子商务法 第三十四条): rule documents and
their versions in Markdown, the lifecycle draft → consultation → decided → published (in
force from the effective time, superseded by the next), comments and the platform's replies,
hearings, the decision, publication after the notice, and merchants' exit declarations.
Each write checks the permission on the record's own platform, appends to the version's
history and the audit trail; the opened consultation, each published version with its
consultation record, and each exit are logged to the ledger through the shared outbox."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import Immutable, InvalidInput, NotFound
from zeren.ledger import outbox
from zeren.merchants.models import Merchant
from zeren.pagination import PageParams, fetch_page
from zeren.rules import domain as d
from zeren.rules.errors import DuplicateRule, WrongStage, out_of_rule
from zeren.rules.models import (
    RuleComment,
    RuleDocument,
    RuleEvent,
    RuleExit,
    RuleHearing,
    RuleVersion,
)
from zeren.rules.schemas import (
    CommentIn,
    DecisionIn,
    DocumentIn,
    ExitIn,
    HearingIn,
    ReplyIn,
    VersionEdit,
    VersionIn,
)
from zeren.rules.services import exclusivity

READ = "rules.read"
WRITE = "rules.write"
DECIDE = "rules.decide"
EXIT = "rules.exit"
LEDGER_CLASS = "rules"
Version = RuleVersion  # what interfaces name in their signatures (they never query tables)


def subject(platform_id: str, version_id: str) -> str:
    return f"rule:{platform_id}:{version_id}"


def _event(session: Session, v: RuleVersion, kind: str, by: str, at: datetime,
           details: dict[str, Any] | None = None) -> None:
    session.add(RuleEvent(version_id=v.id, platform_id=v.platform_id, kind=kind, at=at, by=by,
                          details=details or {}))


def _audit(session: Session, actor: Actor, action: str, v: RuleVersion,
           summary: dict[str, Any]) -> None:
    record(session=session, actor=actor, action=action, target_type="rule_version",
           target_id=v.id, platform_id=v.platform_id, summary=summary)


def _at(now: datetime | None) -> datetime:
    return now or utcnow()


# ----------------------------------------------------------------------- documents


def create_document(*, session: Session, actor: Actor, platform_id: str, data: DocumentIn,
                    now: datetime | None = None) -> RuleDocument:
    """A new rule document (no version yet)."""
    actor.require(WRITE, platform_id)
    try:
        kind = d.kind_of(data.kind)
    except d.OutOfRule as exc:
        raise out_of_rule(exc) from None
    if session.scalar(select(RuleDocument.id).where(RuleDocument.platform_id == platform_id,
                                                    RuleDocument.code == data.code)):
        raise DuplicateRule(f"document {data.code!r} exists on this platform",
                            details={"field": "code"})
    doc = RuleDocument(platform_id=platform_id, code=data.code, kind=kind, title=data.title,
                       fee_increase_notice_days=data.fee_increase_notice_days,
                       created_by=actor.username, created_at=_at(now))
    session.add(doc)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateRule(f"document {data.code!r} exists on this platform",
                            details={"field": "code"}) from None
    record(session=session, actor=actor, action="rules.document.create",
           target_type="rule_document", target_id=doc.id, platform_id=platform_id,
           summary={"code": doc.code, "kind": kind})
    return doc


def get_document(*, session: Session, actor: Actor, platform_id: str, document: str
                 ) -> RuleDocument:
    """A document of ``platform_id`` by id or code."""
    actor.require(READ, platform_id)
    doc = session.get(RuleDocument, document)
    if doc is None or doc.platform_id != platform_id:
        doc = session.scalar(select(RuleDocument).where(RuleDocument.platform_id == platform_id,
                                                        RuleDocument.code == document))
    if doc is None:
        raise NotFound(f"no rule document {document!r} on this platform",
                       details={"field": "document_id"})
    return doc


def list_documents(*, session: Session, actor: Actor, platform_id: str, params: PageParams
                   ) -> tuple[list[RuleDocument], int]:
    actor.require(READ, platform_id)
    q = (select(RuleDocument).where(RuleDocument.platform_id == platform_id)
         .order_by(RuleDocument.code))
    return fetch_page(session, q, params)


# ----------------------------------------------------------------------- versions


def get_version(*, session: Session, actor: Actor, version_id: str,
                platform_id: str | None = None, permission: str = READ) -> RuleVersion:
    """A version by id, on ``platform_id`` when named; the permission on its platform."""
    v = session.get(RuleVersion, version_id)
    if v is None or (platform_id is not None and v.platform_id != platform_id):
        raise NotFound(f"no rule version {version_id!r}", details={"field": "version_id"})
    actor.require(permission, v.platform_id)
    return v


def versions_of(*, session: Session, actor: Actor, document: RuleDocument) -> list[RuleVersion]:
    actor.require(READ, document.platform_id)
    return list(session.scalars(select(RuleVersion).where(
        RuleVersion.document_id == document.id).order_by(RuleVersion.number)))


def _published(session: Session, document_id: str) -> list[tuple[str, datetime]]:
    rows = session.execute(select(RuleVersion.id, RuleVersion.effective_at).where(
        RuleVersion.document_id == document_id, RuleVersion.stage == d.Stage.PUBLISHED))
    return [(vid, eff) for vid, eff in rows if eff is not None]


@dataclass(frozen=True)
class Status:
    shown: d.Shown
    superseded_at: datetime | None


def status_of(*, session: Session, version: RuleVersion, now: datetime | None = None
              ) -> Status:
    """The version's status at ``now`` (published: announced, in force or superseded)."""
    now = _at(now)
    sup = (d.superseded_at(_published(session, version.document_id), version.id)
           if version.stage == d.Stage.PUBLISHED else None)
    return Status(d.shown_status(stage=version.stage, now=now, closes_at=version.closes_at,
                                 effective_at=version.effective_at, superseded_at=sup), sup)


def in_force(*, session: Session, document_id: str, at: datetime) -> RuleVersion | None:
    """The version of a document in force at ``at``."""
    vid = d.in_force_at(_published(session, document_id), at)
    return session.get(RuleVersion, vid) if vid else None


def version_in_force(*, session: Session, platform_id: str, version_id: str, at: datetime,
                     field: str = "rule_version") -> RuleVersion:
    """The cited version, refused (422 naming ``field``) unless it is a published version of
    ``platform_id`` in force at ``at`` — a draft, a version not yet effective or one already
    superseded cannot ground a decision taken at ``at``."""
    v = session.get(RuleVersion, version_id)
    if v is None or v.platform_id != platform_id:
        raise InvalidInput(f"no rule version {version_id!r} on this platform", field=field)
    st = status_of(session=session, version=v, now=at)
    if st.shown != d.Shown.IN_FORCE:
        raise InvalidInput(f"rule version {version_id} is {st.shown.value} at "
                           f"{at.isoformat()}; only a version in force can be cited",
                           field=field)
    return v


def add_version(*, session: Session, actor: Actor, document: RuleDocument, data: VersionIn,
                now: datetime | None = None) -> RuleVersion:
    """A new draft version; one open version (draft, consultation, decided) per document."""
    actor.require(WRITE, document.platform_id)
    now = _at(now)
    open_ = session.scalar(select(RuleVersion.number).where(
        RuleVersion.document_id == document.id,
        RuleVersion.stage.in_([d.Stage.DRAFT, d.Stage.CONSULTATION, d.Stage.DECIDED])))
    if open_ is not None:
        raise WrongStage(f"version {open_} of this document is still open; publish or withdraw "
                         "it first", details={"field": "document_id"})
    number = int(session.scalar(select(func.coalesce(func.max(RuleVersion.number), 0)).where(
        RuleVersion.document_id == document.id)) or 0) + 1
    v = RuleVersion(id=new_id(), document_id=document.id, platform_id=document.platform_id,
                    number=number, stage=d.Stage.DRAFT.value, body_md=data.body_md,
                    summary=data.summary,
                    fee_items=[f.model_dump() for f in data.fee_items],
                    obligations=[o.model_dump() for o in data.obligations],
                    justification=data.justification, parameters=dict(data.parameters),
                    created_by=actor.username,
                    created_at=now, updated_at=now)
    session.add(v)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateRule("a version with this number was added at the same time",
                            details={"field": "document_id"}) from None
    _event(session, v, "drafted", actor.username, now, {"number": number})
    _audit(session, actor, "rules.version.draft", v, {"document": document.code,
                                                      "number": number})
    return v


def edit_version(*, session: Session, actor: Actor, version: RuleVersion, data: VersionEdit,
                 now: datetime | None = None) -> RuleVersion:
    """Change a draft. A version past draft is frozen: refused, naming the field."""
    actor.require(WRITE, version.platform_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:
        raise InvalidInput("nothing to change", field="body_md")
    if version.stage != d.Stage.DRAFT:
        field = next(iter(changes))
        raise Immutable(f"version {version.number} is {version.stage}: its text and terms are "
                        "frozen; draft a new version instead",
                        details={"field": field, "stage": version.stage})
    now = _at(now)
    for k, val in changes.items():
        setattr(version, k, val)
    version.updated_at = now
    _event(session, version, "edited", actor.username, now, {"fields": sorted(changes)})
    _audit(session, actor, "rules.version.edit", version, {"fields": sorted(changes)})
    return version


def _previous(session: Session, version: RuleVersion) -> RuleVersion | None:
    """The latest published version before this one (what this one changes)."""
    return session.scalar(select(RuleVersion).where(
        RuleVersion.document_id == version.document_id, RuleVersion.stage == d.Stage.PUBLISHED,
        RuleVersion.number < version.number).order_by(RuleVersion.number.desc()).limit(1))


def changes_of(*, session: Session, version: RuleVersion
               ) -> tuple[RuleVersion | None, d.Review]:
    """The Art 29 review: fees and obligations compared with the previous published
    version (none before the first)."""
    prev = _previous(session, version)
    if prev is None:
        return None, d.review([], [], [], [])
    return prev, d.review(prev.fee_items, version.fee_items, prev.obligations,
                          version.obligations)


def _move(version: RuleVersion, target: d.Stage) -> None:
    try:
        d.check_move(version.stage, target)
    except d.OutOfRule as exc:
        raise WrongStage(str(exc), details={"field": exc.field, "stage": version.stage}
                         ) from None


# ----------------------------------------------------------------------- consultation


def open_consultation(*, session: Session, actor: Actor, version: RuleVersion,
                      closes_at: datetime, now: datetime | None = None) -> RuleVersion:
    """Put a draft out for public consultation until ``closes_at``; its text is frozen."""
    actor.require(WRITE, version.platform_id)
    now = _at(now)
    _move(version, d.Stage.CONSULTATION)
    try:
        d.check_closes(closes_at=closes_at, now=now, days=d.rules_data().consultation.days)
    except d.OutOfRule as exc:
        raise out_of_rule(exc) from None
    _, rev = changes_of(session=session, version=version)
    if rev.flagged and not version.justification.strip():
        raise InvalidInput("this version raises fees or adds obligations on merchants: record "
                           "the justification before consultation (指南 第二十九条)",
                           field="justification")
    version.stage = d.Stage.CONSULTATION.value
    version.body_sha256 = d.body_digest(version.body_md)
    version.consultation_opened_at, version.closes_at = now, closes_at
    version.updated_at = now
    found = exclusivity.scan_source(session=session, platform_id=version.platform_id,
                                    source_kind="version", source_id=version.id,
                                    text=version.body_md, now=now)
    _event(session, version, "consultation_opened", actor.username, now,
           {"closes_at": closes_at.isoformat(), "review_flagged": rev.flagged,
            "exclusivity_findings": len(found)})
    doc = session.get(RuleDocument, version.document_id)
    assert doc is not None
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=subject(version.platform_id, version.id),
        record={"event": "consultation_opened", "platform_id": version.platform_id,
                "document": doc.code, "kind": doc.kind, "version_id": version.id,
                "number": version.number, "body_sha256": version.body_sha256,
                "summary": version.summary, "opened_at": now.isoformat(),
                "closes_at": closes_at.isoformat(), "by": actor.username}))
    _audit(session, actor, "rules.consultation.open", version,
           {"closes_at": closes_at.isoformat()})
    return version


def _merchant(session: Session, platform_id: str, ref: str, field: str) -> Merchant:
    m = session.get(Merchant, ref)
    if m is None or m.platform_id != platform_id:
        m = session.scalar(select(Merchant).where(Merchant.platform_id == platform_id,
                                                  Merchant.merchant_ref == ref))
    if m is None:
        raise InvalidInput(f"no merchant {ref!r} on this platform", field=field)
    return m


def add_comment(*, session: Session, actor: Actor, version: RuleVersion, data: CommentIn,
                channel: str = "api", now: datetime | None = None) -> RuleComment:
    """A comment from the public or a merchant, only while the consultation is open."""
    actor.require(WRITE, version.platform_id)
    return _comment(session=session, by=actor.username, version=version, data=data,
                    channel=channel, now=_at(now), actor=actor)


def add_public_comment(*, session: Session, version: RuleVersion, data: CommentIn,
                       now: datetime | None = None) -> RuleComment:
    """A comment sent through the public consultation page (no account; rate-limited at the
    HTTP edge); the version must be open for consultation."""
    return _comment(session=session, by="public", version=version, data=data,
                    channel="public_page", now=_at(now), actor=None)


def _comment(*, session: Session, by: str, version: RuleVersion, data: CommentIn,
             channel: str, now: datetime, actor: Actor | None) -> RuleComment:
    if version.stage != d.Stage.CONSULTATION:
        raise InvalidInput(f"version {version.number} is not open for comments (it is "
                           f"{version.stage})", field="version_id")
    assert version.closes_at is not None
    if now >= version.closes_at:
        raise InvalidInput(f"the consultation closed at {version.closes_at.isoformat()}",
                           field="closes_at")
    merchant_id = None
    if data.author_kind == "merchant":
        if not data.merchant_id:
            raise InvalidInput("a merchant's comment names the merchant", field="merchant_id")
        merchant_id = _merchant(session, version.platform_id, data.merchant_id,
                                "merchant_id").id
    elif data.merchant_id:
        raise InvalidInput("only a merchant's comment names a merchant", field="merchant_id")
    c = RuleComment(id=new_id(), version_id=version.id, platform_id=version.platform_id,
                    author_kind=data.author_kind, author_name=data.author_name,
                    merchant_id=merchant_id, reply_to=None, body=data.body, channel=channel,
                    at=now, recorded_by=by)
    session.add(c)
    session.flush()
    if actor is not None:
        _audit(session, actor, "rules.comment.add", version,
               {"comment_id": c.id, "author_kind": data.author_kind})
    return c


def reply(*, session: Session, actor: Actor, version: RuleVersion, comment_id: str,
          data: ReplyIn, now: datetime | None = None) -> RuleComment:
    """The platform's reply to a comment, before the decision."""
    actor.require(WRITE, version.platform_id)
    now = _at(now)
    c = session.get(RuleComment, comment_id)
    if c is None or c.version_id != version.id:
        raise NotFound(f"no comment {comment_id!r} on this version",
                       details={"field": "comment_id"})
    if c.reply_to is not None:
        raise InvalidInput("a reply is answered by replying to the comment it answers",
                           field="comment_id")
    if version.stage != d.Stage.CONSULTATION:
        raise WrongStage(f"version {version.number} is {version.stage}; replies are given "
                         "before the decision", details={"field": "status"})
    r = RuleComment(id=new_id(), version_id=version.id, platform_id=version.platform_id,
                    author_kind="platform", author_name=actor.username, merchant_id=None,
                    reply_to=c.id, body=data.body, channel="api", at=now,
                    recorded_by=actor.username)
    session.add(r)
    session.flush()
    _audit(session, actor, "rules.comment.reply", version, {"comment_id": c.id})
    return r


def comments(*, session: Session, actor: Actor | None, version: RuleVersion
             ) -> list[RuleComment]:
    """Comments and replies, oldest first (``actor`` None: the public page of an open or
    published consultation)."""
    if actor is not None:
        actor.require(READ, version.platform_id)
    return list(session.scalars(select(RuleComment).where(
        RuleComment.version_id == version.id).order_by(RuleComment.at, RuleComment.id)))


def unanswered(cs: Sequence[RuleComment]) -> list[RuleComment]:
    answered = {c.reply_to for c in cs if c.reply_to}
    return [c for c in cs if c.reply_to is None and c.id not in answered]


def add_hearing(*, session: Session, actor: Actor, version: RuleVersion, data: HearingIn,
                now: datetime | None = None) -> RuleHearing:
    """The record of a hearing held on a version in consultation: date, participants,
    minutes. A hearing cannot be recorded before it was held, nor before the consultation."""
    actor.require(WRITE, version.platform_id)
    now = _at(now)
    if version.stage != d.Stage.CONSULTATION:
        raise WrongStage(f"version {version.number} is {version.stage}; hearings are held "
                         "during the consultation", details={"field": "status"})
    held = data.held_at
    if held.utcoffset() is None:
        raise InvalidInput("held_at needs a time zone", field="held_at")
    assert version.consultation_opened_at is not None
    if held > now or held < version.consultation_opened_at:
        raise InvalidInput("held_at must lie between the opening of the consultation and now",
                           field="held_at")
    h = RuleHearing(version_id=version.id, platform_id=version.platform_id, held_at=held,
                    participants=list(data.participants), minutes=data.minutes,
                    recorded_by=actor.username, recorded_at=now)
    session.add(h)
    session.flush()
    _event(session, version, "hearing", actor.username, now, {"held_at": held.isoformat(),
                                                               "participants": len(
                                                                   data.participants)})
    _audit(session, actor, "rules.hearing.add", version, {"hearing_id": h.id})
    return h


def hearings(*, session: Session, actor: Actor, version: RuleVersion) -> list[RuleHearing]:
    actor.require(READ, version.platform_id)
    return list(session.scalars(select(RuleHearing).where(
        RuleHearing.version_id == version.id).order_by(RuleHearing.held_at)))


# ----------------------------------------------------------------------- decision, publication


def decide(*, session: Session, actor: Actor, version: RuleVersion, data: DecisionIn,
           now: datetime | None = None) -> RuleVersion:
    """Adopt (after the deadline, every comment answered) or withdraw the version."""
    actor.require(DECIDE, version.platform_id)
    now = _at(now)
    target = d.Stage.DECIDED if data.outcome == "adopt" else d.Stage.WITHDRAWN
    _move(version, target)
    if target == d.Stage.DECIDED:
        assert version.closes_at is not None
        if now < version.closes_at:
            raise WrongStage(f"the consultation runs until {version.closes_at.isoformat()}; "
                             "decide after it closes", details={"field": "closes_at"})
        held = exclusivity.open_findings(session=session, source_id=version.id)
        if held:
            raise WrongStage(f"{held} exclusivity finding(s) on this version await a decision",
                             details={"field": "findings"})
        open_ = unanswered(comments(session=session, actor=actor, version=version))
        if open_:
            raise WrongStage(f"{len(open_)} comment(s) have no reply yet",
                             details={"field": "comments",
                                      "unanswered": [c.id for c in open_[:50]]})
    version.stage = target.value
    version.decided_at, version.decided_by, version.decision = now, actor.username, data.decision
    version.updated_at = now
    _event(session, version, "decided", actor.username, now, {"outcome": data.outcome})
    _audit(session, actor, "rules.version.decide", version, {"outcome": data.outcome})
    return version


def _digest(parts: Sequence[str]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def consultation_record(*, session: Session, version: RuleVersion) -> dict[str, Any]:
    """What the ledger keeps of a version's consultation: its window, counts and digests of
    every comment, reply and hearing (each recomputable from the kept rows)."""
    cs = list(session.scalars(select(RuleComment).where(
        RuleComment.version_id == version.id).order_by(RuleComment.at, RuleComment.id)))
    hs = list(session.scalars(select(RuleHearing).where(
        RuleHearing.version_id == version.id).order_by(RuleHearing.held_at, RuleHearing.id)))
    return {
        "opened_at": version.consultation_opened_at.isoformat()
        if version.consultation_opened_at else None,
        "closes_at": version.closes_at.isoformat() if version.closes_at else None,
        "comments": sum(1 for c in cs if c.reply_to is None),
        "replies": sum(1 for c in cs if c.reply_to is not None),
        "unanswered": len(unanswered(cs)),
        "comments_sha256": _digest([f"{c.id}|{c.reply_to or ''}|{c.author_kind}|"
                                    f"{c.at.isoformat()}|{d.body_digest(c.body)}" for c in cs]),
        "hearings": [{"held_at": h.held_at.isoformat(), "participants": len(h.participants),
                      "minutes_sha256": d.body_digest(h.minutes)} for h in hs[:100]],
        "decided_at": version.decided_at.isoformat() if version.decided_at else None,
        "decided_by": version.decided_by,
        "decision_sha256": d.body_digest(version.decision),
    }


def publish(*, session: Session, actor: Actor, version: RuleVersion, effective_at: datetime,
            now: datetime | None = None) -> RuleVersion:
    """Publish an adopted version to take effect at ``effective_at``, after the notice the
    law (or the platform, for fee increases) sets; logged with its consultation record."""
    actor.require(DECIDE, version.platform_id)
    now = _at(now)
    _move(version, d.Stage.PUBLISHED)
    doc = session.get(RuleDocument, version.document_id)
    assert doc is not None
    prev, rev = changes_of(session=session, version=version)
    fee_up = rev.fee_increase
    days = d.notice_days(fee_increase=fee_up, document_fee_days=doc.fee_increase_notice_days)
    try:
        d.check_effective(effective_at=effective_at, now=now, days=days)
    except d.OutOfRule as exc:
        raise out_of_rule(exc) from None
    latest = max((e for _, e in _published(session, doc.id)), default=None)
    if latest is not None and effective_at <= latest:
        raise InvalidInput(f"effective_at must follow the last published version's "
                           f"({latest.isoformat()})", field="effective_at")
    if version.body_sha256 != d.body_digest(version.body_md):
        raise Immutable("the text differs from the one put out for consultation",
                        details={"field": "body_md"})
    version.stage = d.Stage.PUBLISHED.value
    version.published_at, version.published_by = now, actor.username
    version.effective_at, version.notice_days = effective_at, days
    version.updated_at = now
    _event(session, version, "published", actor.username, now,
           {"effective_at": effective_at.isoformat(), "notice_days": days,
            "fee_increase": fee_up})
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=subject(version.platform_id, version.id),
        record={"event": "published", "platform_id": version.platform_id,
                "document": doc.code, "kind": doc.kind, "title": doc.title,
                "version_id": version.id, "number": version.number,
                "previous_version_id": prev.id if prev else None,
                "body_sha256": version.body_sha256, "summary": version.summary,
                "fee_items": version.fee_items, "parameters": version.parameters,
                "published_at": now.isoformat(),
                "effective_at": effective_at.isoformat(), "notice_days": days,
                "fee_increase": fee_up,
                "review": {"flagged": rev.flagged,
                           "fees": [[c.code, c.change] for c in rev.fees],
                           "obligations": [[c.code, c.change] for c in rev.obligations],
                           "justification_sha256": d.body_digest(version.justification)},
                "consultation": consultation_record(session=session, version=version),
                "by": actor.username}))
    _audit(session, actor, "rules.version.publish", version,
           {"effective_at": effective_at.isoformat(), "notice_days": days})
    return version


# ----------------------------------------------------------------------- exits


def declare_exit(*, session: Session, actor: Actor, version: RuleVersion, data: ExitIn,
                 now: datetime | None = None) -> RuleExit:
    """Record a merchant's exit under the old rules, between publication and the effective
    time of the change (电子商务法 第三十四条)."""
    actor.require(EXIT, version.platform_id)
    now = _at(now)
    if version.stage != d.Stage.PUBLISHED:
        raise InvalidInput(f"version {version.number} is {version.stage}; exits are declared "
                           "against a published change", field="version_id")
    assert version.effective_at is not None
    if now >= version.effective_at:
        raise InvalidInput(f"the change took effect at {version.effective_at.isoformat()}; "
                           "the window for exit under the old rules has closed",
                           field="effective_at")
    old = in_force(session=session, document_id=version.document_id, at=now)
    if old is None:
        raise InvalidInput("this document has no rules in force to leave under",
                           field="version_id")
    m = _merchant(session, version.platform_id, data.merchant_id, "merchant_id")
    if session.scalar(select(RuleExit.id).where(RuleExit.version_id == version.id,
                                                RuleExit.merchant_id == m.id)):
        raise DuplicateRule("this merchant has already declared its exit",
                            details={"field": "merchant_id"})
    ex = RuleExit(version_id=version.id, platform_id=version.platform_id, merchant_id=m.id,
                  old_version_id=old.id, declared_at=now, note=data.note,
                  recorded_by=actor.username)
    session.add(ex)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateRule("this merchant has already declared its exit",
                            details={"field": "merchant_id"}) from None
    _event(session, version, "exit_declared", actor.username, now, {"merchant_id": m.id})
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=subject(version.platform_id, version.id),
        record={"event": "exit_declared", "platform_id": version.platform_id,
                "version_id": version.id, "old_version_id": old.id, "merchant_id": m.id,
                "merchant_ref": m.merchant_ref, "declared_at": now.isoformat(),
                "source": d.rules_data().exit_source, "by": actor.username}))
    _audit(session, actor, "rules.exit.declare", version, {"merchant_id": m.id})
    return ex


def exits(*, session: Session, actor: Actor, version: RuleVersion) -> list[RuleExit]:
    actor.require(READ, version.platform_id)
    return list(session.scalars(select(RuleExit).where(
        RuleExit.version_id == version.id).order_by(RuleExit.declared_at)))


def history(*, session: Session, actor: Actor, version: RuleVersion) -> list[RuleEvent]:
    actor.require(READ, version.platform_id)
    return list(session.scalars(select(RuleEvent).where(
        RuleEvent.version_id == version.id).order_by(RuleEvent.at, RuleEvent.id)))


# ----------------------------------------------------------------------- diffs


@dataclass(frozen=True)
class Diff:
    old: RuleVersion
    new: RuleVersion
    unified: str
    rows: list[d.DiffRow]
    counts: dict[str, int]


def diff(*, session: Session, actor: Actor, old: RuleVersion, new: RuleVersion) -> Diff:
    """Inline and side-by-side diffs between two versions of one document."""
    actor.require(READ, new.platform_id)
    if old.document_id != new.document_id:
        raise InvalidInput("both versions must belong to the same document", field="against")
    doc = session.get(RuleDocument, new.document_id)
    assert doc is not None
    rows = d.side_by_side(old.body_md, new.body_md)
    return Diff(old, new, d.unified_diff(old.body_md, new.body_md,
                                         old_label=f"{doc.code} v{old.number}",
                                         new_label=f"{doc.code} v{new.number}"),
                rows, d.diff_counts(rows))


def open_consultations(*, session: Session, platform_id: str, now: datetime | None = None
                       ) -> list[RuleVersion]:
    """Versions of a platform open for comment now (the public consultation page)."""
    now = _at(now)
    return list(session.scalars(select(RuleVersion).where(
        RuleVersion.platform_id == platform_id, RuleVersion.stage == d.Stage.CONSULTATION,
        RuleVersion.closes_at > now).order_by(RuleVersion.closes_at)))


def public_version(*, session: Session, version_id: str) -> RuleVersion:
    """A version anyone may read: out for consultation, decided or published (never a draft
    or a withdrawn one)."""
    v = session.get(RuleVersion, version_id)
    if v is None or v.stage not in (d.Stage.CONSULTATION, d.Stage.PUBLISHED, d.Stage.DECIDED):
        raise NotFound(f"no public rule version {version_id!r}", details={"field": "version_id"})
    return v


def cite(*, session: Session, platform_id: str, rule_version: str, at: datetime,
         field: str = "ground.rule_version") -> dict[str, Any]:
    """What a measure's ground records when it cites a platform rule (指南 第十一条、第二十九条):
    a version id of the rules library, in force on the platform at ``at`` (a draft, an
    announced or a superseded version is refused, 422 naming ``field``). A platform with no
    published rule in the library yet may still name its rule in words (recorded as not
    verified); once it has one, only a version id is accepted."""
    if session.get(RuleVersion, rule_version) is not None:
        v = version_in_force(session=session, platform_id=platform_id,
                             version_id=rule_version, at=at, field=field)
        doc = session.get(RuleDocument, v.document_id)
        assert doc is not None
        return {"rule": f"{doc.title} ({doc.code})", "rule_version": f"v{v.number}",
                "rule_version_id": v.id, "rule_verified": True,
                "effective_at": v.effective_at.isoformat() if v.effective_at else None}
    has_library = session.scalar(select(RuleVersion.id).where(
        RuleVersion.platform_id == platform_id, RuleVersion.stage == d.Stage.PUBLISHED)
        .limit(1))
    if has_library:
        raise InvalidInput(f"no rule version {rule_version!r} in this platform's rules "
                           "library; cite a version in force by its id", field=field)
    return {"rule_verified": False}
