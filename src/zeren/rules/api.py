"""HTTP routes of platform rules under ``/platforms/{platform_id}/rules``: documents and their
versions, the lifecycle (consultation, comments and replies, hearings, decision,
publication), exit declarations, history and diffs; and the public consultation under
``/public/rules``: anyone reads what is open or published and comments while it is open
(rate-limited, the body read under the public form's cap)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request

from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.deps import SessionDep, public, require
from zeren.errors import NotFound
from zeren.ledger.outbox import flusher_for
from zeren.moderation.web import CappedRoute
from zeren.pagination import PageDep
from zeren.platforms.service import get_platform
from zeren.rules import domain as d
from zeren.rules import schemas as s
from zeren.rules.services import documents as docs
from zeren.rules.services import exclusivity, review
from zeren.rules.services.documents import Version
from zeren.rules.web import comment_guard

platform_router = APIRouter(prefix="/platforms/{platform_id}/rules", tags=["rules"])
public_router = APIRouter(prefix="/public/rules", tags=["rules"])
Reader = Annotated[Actor, Depends(require(docs.READ))]
Writer = Annotated[Actor, Depends(require(docs.WRITE))]
Decider = Annotated[Actor, Depends(require(docs.DECIDE))]
Exiter = Annotated[Actor, Depends(require(docs.EXIT))]
Public = Annotated[None, Depends(public)]
Guarded = Annotated[None, Depends(comment_guard)]


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


def _kick(request: Request, tasks: BackgroundTasks) -> None:
    tasks.add_task(flusher_for(request.app.state.engine,
                               request.app.state.settings.data_dir).kick)


def version_read(session: SessionDep, v: Version) -> s.VersionRead:
    out = s.VersionRead.model_validate(v)
    st = docs.status_of(session=session, version=v)
    out.status, out.superseded_at = st.shown.value, st.superseded_at
    return out


def _version(session: SessionDep, actor: Actor, platform_id: str, version_id: str,
             permission: str = docs.READ) -> Version:
    return docs.get_version(session=session, actor=actor, version_id=version_id,
                            platform_id=_pid(session, platform_id), permission=permission)


@platform_router.get("/kinds", response_model=list[s.KindRead])
def kinds(platform_id: str, session: SessionDep, actor: Reader) -> list[s.KindRead]:
    """Kinds of rule document (data/rules.toml)."""
    _pid(session, platform_id)
    return [s.KindRead(code=k.code, zh=k.zh, en=k.en) for k in d.rules_data().kinds.values()]


@platform_router.get("/documents", response_model=s.DocumentPage)
def list_documents(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
                   ) -> s.DocumentPage:
    """The rules library, by code."""
    pid = _pid(session, platform_id)
    rows, total = docs.list_documents(session=session, actor=actor, platform_id=pid,
                                      params=page)
    return s.DocumentPage(items=[s.DocumentRead.model_validate(r) for r in rows], total=total,
                          offset=page.offset, limit=page.limit)


@platform_router.post("/documents", response_model=s.DocumentRead, status_code=201)
def create_document(platform_id: str, body: s.DocumentIn, session: SessionDep, actor: Writer
                    ) -> s.DocumentRead:
    doc = docs.create_document(session=session, actor=actor,
                               platform_id=_pid(session, platform_id), data=body)
    return s.DocumentRead.model_validate(doc)


@platform_router.get("/documents/{document_id}", response_model=s.DocumentRead)
def get_document(platform_id: str, document_id: str, session: SessionDep, actor: Reader
                 ) -> s.DocumentRead:
    """A document (by id or code) and the version in force now."""
    doc = docs.get_document(session=session, actor=actor,
                            platform_id=_pid(session, platform_id), document=document_id)
    out = s.DocumentRead.model_validate(doc)
    cur = docs.in_force(session=session, document_id=doc.id, at=utcnow())
    out.in_force_version_id = cur.id if cur else None
    return out


@platform_router.get("/documents/{document_id}/versions", response_model=list[s.VersionRead])
def list_versions(platform_id: str, document_id: str, session: SessionDep, actor: Reader
                  ) -> list[s.VersionRead]:
    doc = docs.get_document(session=session, actor=actor,
                            platform_id=_pid(session, platform_id), document=document_id)
    return [version_read(session, v)
            for v in docs.versions_of(session=session, actor=actor, document=doc)]


@platform_router.post("/documents/{document_id}/versions", response_model=s.VersionRead,
             status_code=201)
def add_version(platform_id: str, document_id: str, body: s.VersionIn, session: SessionDep,
                actor: Writer) -> s.VersionRead:
    """A new draft version in Markdown with its summary of changes."""
    doc = docs.get_document(session=session, actor=actor,
                            platform_id=_pid(session, platform_id), document=document_id)
    return version_read(session, docs.add_version(session=session, actor=actor, document=doc,
                                                  data=body))


@platform_router.get("/versions/{version_id}", response_model=s.VersionRead)
def get_version(platform_id: str, version_id: str, session: SessionDep, actor: Reader
                ) -> s.VersionRead:
    return version_read(session, _version(session, actor, platform_id, version_id))


@platform_router.patch("/versions/{version_id}", response_model=s.VersionRead)
def edit_version(platform_id: str, version_id: str, body: s.VersionEdit, session: SessionDep,
                 actor: Writer) -> s.VersionRead:
    """Change a draft; a version past draft is frozen (409 naming the field)."""
    v = _version(session, actor, platform_id, version_id, docs.WRITE)
    return version_read(session, docs.edit_version(session=session, actor=actor, version=v,
                                                   data=body))


@platform_router.post("/versions/{version_id}/consultation", response_model=s.VersionRead)
def open_consultation(platform_id: str, version_id: str, body: s.ConsultationIn,
                      session: SessionDep, actor: Writer, request: Request,
                      tasks: BackgroundTasks) -> s.VersionRead:
    """Put the draft out for public consultation until ``closes_at``."""
    v = _version(session, actor, platform_id, version_id, docs.WRITE)
    out = docs.open_consultation(session=session, actor=actor, version=v,
                                 closes_at=body.closes_at)
    _kick(request, tasks)
    return version_read(session, out)


@platform_router.get("/versions/{version_id}/comments", response_model=list[s.CommentRead])
def list_comments(platform_id: str, version_id: str, session: SessionDep, actor: Reader
                  ) -> list[s.CommentRead]:
    v = _version(session, actor, platform_id, version_id)
    return [s.CommentRead.model_validate(c)
            for c in docs.comments(session=session, actor=actor, version=v)]


@platform_router.post("/versions/{version_id}/comments", response_model=s.CommentRead, status_code=201)
def add_comment(platform_id: str, version_id: str, body: s.CommentIn, session: SessionDep,
                actor: Writer) -> s.CommentRead:
    """A comment received from the public or a merchant (refused after the deadline)."""
    v = _version(session, actor, platform_id, version_id, docs.WRITE)
    return s.CommentRead.model_validate(docs.add_comment(session=session, actor=actor,
                                                         version=v, data=body))


@platform_router.post("/versions/{version_id}/comments/{comment_id}/replies",
             response_model=s.CommentRead, status_code=201)
def reply(platform_id: str, version_id: str, comment_id: str, body: s.ReplyIn,
          session: SessionDep, actor: Writer) -> s.CommentRead:
    v = _version(session, actor, platform_id, version_id, docs.WRITE)
    return s.CommentRead.model_validate(docs.reply(session=session, actor=actor, version=v,
                                                   comment_id=comment_id, data=body))


@platform_router.get("/versions/{version_id}/hearings", response_model=list[s.HearingRead])
def list_hearings(platform_id: str, version_id: str, session: SessionDep, actor: Reader
                  ) -> list[s.HearingRead]:
    v = _version(session, actor, platform_id, version_id)
    return [s.HearingRead.model_validate(h)
            for h in docs.hearings(session=session, actor=actor, version=v)]


@platform_router.post("/versions/{version_id}/hearings", response_model=s.HearingRead, status_code=201)
def add_hearing(platform_id: str, version_id: str, body: s.HearingIn, session: SessionDep,
                actor: Writer) -> s.HearingRead:
    """The record of a hearing: when, who, minutes."""
    v = _version(session, actor, platform_id, version_id, docs.WRITE)
    return s.HearingRead.model_validate(docs.add_hearing(session=session, actor=actor,
                                                         version=v, data=body))


@platform_router.post("/versions/{version_id}/decision", response_model=s.VersionRead)
def decide(platform_id: str, version_id: str, body: s.DecisionIn, session: SessionDep,
           actor: Decider) -> s.VersionRead:
    """Adopt (after the deadline, every comment answered) or withdraw."""
    v = _version(session, actor, platform_id, version_id, docs.DECIDE)
    return version_read(session, docs.decide(session=session, actor=actor, version=v,
                                             data=body))


@platform_router.post("/versions/{version_id}/publication", response_model=s.VersionRead)
def publish(platform_id: str, version_id: str, body: s.PublishIn, session: SessionDep,
            actor: Decider, request: Request, tasks: BackgroundTasks) -> s.VersionRead:
    """Publish an adopted version with its effective time (after the notice period)."""
    v = _version(session, actor, platform_id, version_id, docs.DECIDE)
    out = docs.publish(session=session, actor=actor, version=v, effective_at=body.effective_at)
    _kick(request, tasks)
    return version_read(session, out)


@platform_router.get("/versions/{version_id}/exits", response_model=list[s.ExitRead])
def list_exits(platform_id: str, version_id: str, session: SessionDep, actor: Reader
               ) -> list[s.ExitRead]:
    v = _version(session, actor, platform_id, version_id)
    return [s.ExitRead.model_validate(x)
            for x in docs.exits(session=session, actor=actor, version=v)]


@platform_router.post("/versions/{version_id}/exits", response_model=s.ExitRead, status_code=201)
def declare_exit(platform_id: str, version_id: str, body: s.ExitIn, session: SessionDep,
                 actor: Exiter, request: Request, tasks: BackgroundTasks) -> s.ExitRead:
    """A merchant leaves under the old rules (between publication and the effective time)."""
    v = _version(session, actor, platform_id, version_id, docs.EXIT)
    out = docs.declare_exit(session=session, actor=actor, version=v, data=body)
    _kick(request, tasks)
    return s.ExitRead.model_validate(out)


@platform_router.get("/versions/{version_id}/history", response_model=list[s.EventRead])
def version_history(platform_id: str, version_id: str, session: SessionDep, actor: Reader
                    ) -> list[s.EventRead]:
    v = _version(session, actor, platform_id, version_id)
    return [s.EventRead.model_validate(e)
            for e in docs.history(session=session, actor=actor, version=v)]


@platform_router.get("/versions/{version_id}/diff", response_model=s.DiffRead)
def version_diff(platform_id: str, version_id: str, session: SessionDep, actor: Reader,
                 against: Annotated[str | None, Query(
                     max_length=36, description="The older version; default: the one "
                                                "before this.")] = None) -> s.DiffRead:
    """Inline (unified) and side-by-side diffs against another version of the document."""
    new = _version(session, actor, platform_id, version_id)
    if against is None:
        doc_versions = [v for v in docs.versions_of(
            session=session, actor=actor,
            document=docs.get_document(session=session, actor=actor,
                                       platform_id=new.platform_id, document=new.document_id))
            if v.number < new.number]
        if not doc_versions:
            raise NotFound("this is the document's first version; name one with 'against'",
                           details={"field": "against"})
        old = doc_versions[-1]
    else:
        old = _version(session, actor, platform_id, against)
    got = docs.diff(session=session, actor=actor, old=old, new=new)
    return s.DiffRead(old_version_id=old.id, new_version_id=new.id, unified=got.unified,
                      rows=[s.DiffRowRead(**r.__dict__) for r in got.rows], counts=got.counts)


# ----------------------------------------------------------------------- Art 29, Art 16


def _changes(cs: Sequence[d.FeeChange] | Sequence[d.ObligationChange]) -> list[s.ChangeRead]:
    return [s.ChangeRead(code=c.code, change=c.change,
                         old=dict(c.old) if c.old else None,
                         new=dict(c.new) if c.new else None) for c in cs]


@platform_router.get("/versions/{version_id}/review", response_model=s.ReviewRead)
def version_review(platform_id: str, version_id: str, session: SessionDep, actor: Reader
                   ) -> s.ReviewRead:
    """Fees and obligations compared with the previous published version, whether a
    justification is needed, and the merchants the change reaches (指南 第二十九条)."""
    v = _version(session, actor, platform_id, version_id)
    r = review.review_version(session=session, actor=actor, version=v)
    return s.ReviewRead(version_id=v.id, previous_version_id=r.previous.id if r.previous
                        else None, fee_changes=_changes(r.review.fees),
                        obligation_changes=_changes(r.review.obligations),
                        flagged=r.review.flagged, fee_increase=r.review.fee_increase,
                        justification=v.justification,
                        applies_to=sorted(r.review.applies_to), affected_merchants=r.affected,
                        affected_sample=r.sample)


@platform_router.get("/merchants/{merchant_id}/changes",
                     response_model=list[s.MerchantChangeRead])
def merchant_changes(platform_id: str, merchant_id: str, session: SessionDep, actor: Reader
                     ) -> list[s.MerchantChangeRead]:
    """Changes not yet in force whose fees or obligations reach this merchant."""
    m = review.merchant_of(session=session, actor=actor,
                           platform_id=_pid(session, platform_id), merchant=merchant_id)
    return [s.MerchantChangeRead(version_id=c.version.id, document=c.document.code,
                                 number=c.version.number, status=c.status.value,
                                 effective_at=c.version.effective_at,
                                 fee_changes=_changes(c.review.fees),
                                 obligation_changes=_changes(c.review.obligations))
            for c in review.changes_for_merchant(session=session, actor=actor, merchant=m)]


@platform_router.post("/clauses", response_model=s.ClauseRead, status_code=201)
def upload_clause(platform_id: str, body: s.ClauseIn, session: SessionDep, actor: Writer
                  ) -> s.ClauseRead:
    """Keep a contract clause and screen it for exclusivity and tying (指南 第十六条)."""
    c, found = exclusivity.upload_clause(session=session, actor=actor,
                                         platform_id=_pid(session, platform_id), data=body)
    out = s.ClauseRead.model_validate(c)
    out.findings = [s.FindingRead.model_validate(f) for f in found]
    return out


@platform_router.get("/findings", response_model=s.FindingPage)
def list_findings(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
                  status: Annotated[str | None, Query(max_length=10,
                                                      description="open / resolved")] = None,
                  source_id: Annotated[str | None, Query(max_length=36)] = None
                  ) -> s.FindingPage:
    """Exclusivity findings, newest first."""
    rows, total = exclusivity.list_findings(session=session, actor=actor,
                                            platform_id=_pid(session, platform_id),
                                            params=page, status=status, source_id=source_id)
    return s.FindingPage(items=[s.FindingRead.model_validate(f) for f in rows], total=total,
                         offset=page.offset, limit=page.limit)


@platform_router.post("/findings/{finding_id}/decision", response_model=s.FindingRead)
def decide_finding(platform_id: str, finding_id: str, body: s.FindingDecisionIn,
                   session: SessionDep, actor: Decider) -> s.FindingRead:
    """Close a finding: not_exclusive, removed or justified, with the reason."""
    return s.FindingRead.model_validate(exclusivity.decide_finding(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        finding_id=finding_id, data=body))


# ----------------------------------------------------------------------- the public side


def _public_version(session: SessionDep, version_id: str) -> Version:
    return docs.public_version(session=session, version_id=version_id)


@public_router.get("/{platform_id}/consultations", response_model=list[s.VersionRead])
def public_consultations(platform_id: str, session: SessionDep, _: Public
                         ) -> list[s.VersionRead]:
    """Versions open for comment on a platform, with their text and deadline."""
    pid = _pid(session, platform_id)
    return [version_read(session, v) for v in docs.open_consultations(session=session,
                                                                      platform_id=pid)]


@public_router.get("/versions/{version_id}", response_model=s.VersionRead)
def public_version(version_id: str, session: SessionDep, _: Public) -> s.VersionRead:
    """A version out for consultation or published: its text, summary and dates."""
    return version_read(session, _public_version(session, version_id))


@public_router.get("/versions/{version_id}/comments", response_model=list[s.CommentRead])
def public_comments(version_id: str, session: SessionDep, _: Public) -> list[s.CommentRead]:
    """The comments and the platform's replies on a public version."""
    v = _public_version(session, version_id)
    return [s.CommentRead.model_validate(c)
            for c in docs.comments(session=session, actor=None, version=v)]


def public_comment(version_id: str, body: s.CommentIn, session: SessionDep, _: Public,
                   _g: Guarded) -> s.CommentRead:
    """Comment on a version open for consultation (no account needed; rate-limited)."""
    v = _public_version(session, version_id)
    return s.CommentRead.model_validate(docs.add_public_comment(session=session, version=v,
                                                                data=body))


public_router.add_api_route("/versions/{version_id}/comments", public_comment,
                            methods=["POST"], route_class_override=CappedRoute,
                            response_model=s.CommentRead, status_code=201)

router = APIRouter()
router.include_router(platform_router)
router.include_router(public_router)
