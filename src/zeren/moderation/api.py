"""HTTP routes of moderation. Thin: parse, check the permission on the record's platform, call
one service, choose the response. Writes that produce ledger records or webhook messages
schedule ``delivery.after_commit`` as a background task, which runs once the request's unit
of work has committed."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy import select

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.deps import SessionDep, public, require
from zeren.errors import InvalidInput, NotFound, RateLimited, TooLarge
from zeren.moderation import appeals, authority, complaints, delivery, ip
from zeren.moderation import domain as d
from zeren.moderation import measures as ms
from zeren.moderation import service as svc
from zeren.moderation.models import Subject
from zeren.moderation.schemas import (
    AppealDecisionIn,
    AppealIn,
    AppealRead,
    AuthorityReportIn,
    AuthorityReportRead,
    BatchAccepted,
    BulkIn,
    BulkPreview,
    BulkResult,
    CaseListRead,
    CasePage,
    CaseRead,
    CategoryRead,
    ChangeFeed,
    CommentIn,
    ComplaintIn,
    ComplaintRead,
    CounterNoticeIn,
    DecisionIn,
    EscalationIn,
    EventRead,
    Evidence,
    HolderActionIn,
    IPMeasureIn,
    IPNoticeIn,
    IPNoticePublic,
    IPNoticeRead,
    IPRejectIn,
    JudgedContentRead,
    MeasureChangeRead,
    MeasureRead,
    MediationIn,
    MerchantReplyIn,
    NextCaseIn,
    NoticeRead,
    PublicAppealIn,
    PublicReportIn,
    ReceiptRead,
    ReceiptStatus,
    ReportBatchIn,
    ReportIn,
    ReportRead,
    SanctionRead,
    StatementRead,
    StrikeRead,
    StrikeSummary,
    SubjectBatchIn,
    SubjectIn,
    SubjectRead,
    TickResult,
    VerdictRead,
    WebhookCreated,
    WebhookIn,
    WebhookRead,
)
from zeren.platforms.service import get_platform

router = APIRouter(tags=["moderation"])

Read = Annotated[Actor, Depends(require("moderation.read"))]
Write = Annotated[Actor, Depends(require("moderation.write"))]
Decide = Annotated[Actor, Depends(require("moderation.decide"))]
Admin = Annotated[Actor, Depends(require("moderation.admin"))]
Public = Annotated[None, Depends(public)]
P = "/platforms/{platform_id}/moderation"
T = TypeVar("T")


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


def _after_commit(request: Request, tasks: BackgroundTasks) -> None:
    tasks.add_task(delivery.after_commit, engine=request.app.state.engine,
                   data_dir=request.app.state.settings.data_dir)


def _limiter(request: Request) -> d.RateLimiter:
    lim = getattr(request.app.state, "moderation_limiter", None)
    if lim is None:
        cfg = d.intake_settings()["public"]
        lim = d.RateLimiter(int(cfg["max_requests"]), float(cfg["window_seconds"]))
        request.app.state.moderation_limiter = lim
    assert isinstance(lim, d.RateLimiter)
    return lim


def _too_large(cap: int) -> TooLarge:
    return TooLarge(f"the form accepts at most {cap} bytes", details={"max_bytes": cap})


async def read_capped(request: Request) -> None:
    """Read a public write's body piece by piece and stop with 413 as soon as it passes the
    cap, so a body without ``Content-Length`` (chunked) is never read in full, let alone
    parsed. The body read is kept on the request for the form or JSON parser after it."""
    cap = int(d.intake_settings()["public"]["max_body_bytes"])
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > cap:
        raise _too_large(cap)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > cap:
            raise _too_large(cap)
        chunks.append(chunk)
    request._body = b"".join(chunks)


class CappedRoute(APIRoute):
    """A public write route: the body is read under the size cap (:func:`read_capped`) before
    FastAPI parses it; dependencies would run too late, after the whole body was read."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def capped(request: Request) -> Response:
            await read_capped(request)
            return await handler(request)
        return capped


def _capped_post(path: str, **kw: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """``@router.post`` for a public write, with its body read under the cap."""
    def register(endpoint: Callable[..., T]) -> Callable[..., T]:
        router.add_api_route(path, endpoint, methods=["POST"], route_class_override=CappedRoute,
                             **kw)
        return endpoint
    return register


def flood_guard(request: Request) -> None:
    """Public writes: refuse oversized bodies (by ``Content-Length``; :class:`CappedRoute`
    and :func:`read_capped` also cap bodies without one) and senders over the rate limit."""
    cap = int(d.intake_settings()["public"]["max_body_bytes"])
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > cap:
        raise _too_large(cap)
    who = request.client.host if request.client else "unknown"
    if not _limiter(request).allow(who, time.monotonic()):
        cfg = d.intake_settings()["public"]
        raise RateLimited("too many reports from this address; try again in a minute",
                          details={"max_requests": cfg["max_requests"],
                                   "window_seconds": cfg["window_seconds"]})


Guarded = Annotated[None, Depends(flood_guard)]


def _receipt(r: svc.Receipt) -> ReceiptRead:
    return ReceiptRead(receipt=r.receipt, case_id=r.case_id, bundled=r.bundled,
                       received_at=r.received_at)


# -- reference data and public routes --------------------------------------------------------


@router.get("/moderation/categories", response_model=list[CategoryRead])
def list_categories(_: Public) -> list[CategoryRead]:
    """Report categories with their legal source (no login needed: the public form uses it)."""
    return [CategoryRead(code=c.code, group=c.group, severity=c.severity, name_zh=c.name_zh,
                         name_en=c.name_en, source=c.source) for c in d.categories().values()]


@_capped_post("/moderation/public/reports", response_model=ReceiptRead, status_code=201)
def public_report(body: PublicReportIn, request: Request, session: SessionDep, _: Public,
                  _g: Guarded) -> ReceiptRead:
    """The public report form: no login, rate-limited; answers with a receipt number."""
    pid = _pid(session, body.platform)
    item = ReportIn(subject=SubjectIn(kind=body.subject_kind, external_ref=body.subject_ref),
                    category=body.category, source=d.Source.PUBLIC,
                    description=body.description, reporter_contact=body.contact,
                    evidence=[Evidence(kind="url", ref=str(u)) for u in body.evidence_urls])
    r = svc.submit_reports(session=session, platform_id=pid, items=[item],
                           received_by="public")[0]
    record(session=session, actor=svc.PUBLIC_ACTOR, action="moderation.report.public",
           target_type="case", target_id=r.case_id, platform_id=pid,
           summary={"receipt": r.receipt})
    return _receipt(r)


@router.get("/moderation/public/receipts/{receipt}", response_model=ReceiptStatus)
def receipt_status(receipt: str, session: SessionDep, _: Public) -> ReceiptStatus:
    """Follow up a report by its receipt number."""
    r, c = svc.receipt_status(session=session, receipt=receipt)
    return ReceiptStatus(receipt=r.receipt, received_at=r.created_at, category=r.category,
                         status=c.status, outcome=c.decision)


@router.get("/moderation/public/sanctions", response_model=list[SanctionRead])
def sanctions(session: SessionDep, _: Public,
              platform: Annotated[str, Query(description="Platform code or id")] = ""
              ) -> list[SanctionRead]:
    """The merchant sanctions board (指南 Art 29; 电子商务法 Art 36)."""
    if not platform:
        raise InvalidInput("name the platform", field="platform")
    pid = _pid(session, platform)
    return [SanctionRead.model_validate(x)
            for x in appeals.sanctions_board(session=session, platform_id=pid)]


@router.get("/moderation/public/ip-notices", response_model=list[IPNoticePublic])
def ip_publicity(session: SessionDep, _: Public,
                 platform: Annotated[str, Query()] = "") -> list[IPNoticePublic]:
    """IP notices, declarations and outcomes, publicised (电子商务法 Art 44)."""
    if not platform:
        raise InvalidInput("name the platform", field="platform")
    pid = _pid(session, platform)
    return [IPNoticePublic.model_validate(x)
            for x in ip.publicity(session=session, platform_id=pid)]


def _inbox_account(session: SessionDep, token: str) -> Subject:
    acc = session.scalar(select(Subject).where(Subject.inbox_token == token)) if token else None
    if acc is None:
        raise NotFound("no inbox at this address", details={"field": "token"})
    return acc


@router.get("/moderation/public/inbox/{token}", response_model=list[NoticeRead])
def inbox(token: str, session: SessionDep, _: Public) -> list[NoticeRead]:
    """The affected party's notices, behind the secret link the platform gave them."""
    acc = _inbox_account(session, token)
    return [NoticeRead.model_validate(n) for n in ms.notices_of(session=session,
                                                                account_id=acc.id)]


@_capped_post("/moderation/public/inbox/{token}/appeals", response_model=AppealRead,
              status_code=201)
def inbox_appeal(token: str, body: PublicAppealIn, session: SessionDep, _: Public,
                 _g: Guarded) -> AppealRead:
    """Appeal a measure from the notice inbox, as the party it affects."""
    acc = _inbox_account(session, token)
    actor = Actor(user_id="public:inbox", username=f"party:{acc.external_ref}"[:100], grants=(),
                  via="inbox")
    return AppealRead.model_validate(appeals.file_appeal(
        session=session, actor=actor, measure_id=body.measure_id, appellant=acc,
        grounds=body.grounds))


# -- subjects and intake ---------------------------------------------------------------------


@router.post(P + "/subjects", response_model=VerdictRead, status_code=201)
def submit_subject(platform_id: str, body: SubjectIn, session: SessionDep, actor: Write
                   ) -> VerdictRead:
    """Submit an item for a pre-publication verdict (screened with the review lexicon)."""
    pid = _pid(session, platform_id)
    now = utcnow()
    sid = svc.upsert_subjects(session=session, platform_id=pid, items=[body], now=now)[0]
    s = svc.get_subject(session=session, subject_id=sid)
    v = svc.screen_subjects(session=session, platform_id=pid, subjects=[s], now=now,
                            actor_name=actor.username)[0]
    record(session=session, actor=actor, action="moderation.subject.screen",
           target_type="subject", target_id=sid, platform_id=pid,
           summary={"decision": v.decision, "case_id": v.case_id})
    return VerdictRead(subject=SubjectRead.model_validate(s), decision=v.decision, hits=v.hits,
                       lexicon_version=v.lexicon_version, case_id=v.case_id)


@router.post(P + "/subjects/batch", response_model=BatchAccepted, status_code=202)
def submit_subjects(platform_id: str, body: SubjectBatchIn, request: Request,
                    tasks: BackgroundTasks, session: SessionDep, actor: Write) -> BatchAccepted:
    """Submit items in a batch; they are screened after the answer (see the subject's
    verdict, or ``zeren moderation tick``)."""
    pid = _pid(session, platform_id)
    ids = svc.upsert_subjects(session=session, platform_id=pid, items=body.items, now=utcnow())
    for sid in ids:  # queue for screening, also when known
        s = session.get(Subject, sid)
        if s is not None:
            s.verdict = svc.PENDING if s.text else "pass"
    record(session=session, actor=actor, action="moderation.subject.batch",
           target_type="platform", target_id=pid, platform_id=pid,
           summary={"items": len(ids)})
    engine = request.app.state.engine
    tasks.add_task(_screen_later, engine)
    return BatchAccepted(accepted=len(ids), subject_ids=ids)


def _screen_later(engine: object) -> None:
    from sqlalchemy import Engine

    from zeren.db.session import unit_of_work

    assert isinstance(engine, Engine)
    with unit_of_work(engine) as s:
        svc.screen_pending(session=s, now=utcnow())


@router.get(P + "/subjects/{subject_id}", response_model=SubjectRead)
def read_subject(platform_id: str, subject_id: str, session: SessionDep, _a: Read
                 ) -> SubjectRead:
    pid = _pid(session, platform_id)
    s = svc.get_subject(session=session, subject_id=subject_id)
    if s.platform_id != pid:
        raise NotFound(f"no subject {subject_id} on this platform")
    return SubjectRead.model_validate(s)


@router.post(P + "/reports", response_model=ReceiptRead, status_code=201)
def report(platform_id: str, body: ReportIn, session: SessionDep, actor: Write) -> ReceiptRead:
    """One report, complaint or authority order (authority + document number required)."""
    pid = _pid(session, platform_id)
    r = svc.submit_reports(session=session, platform_id=pid, items=[body],
                           received_by=actor.username)[0]
    record(session=session, actor=actor, action="moderation.report.intake",
           target_type="case", target_id=r.case_id, platform_id=pid,
           summary={"receipt": r.receipt, "source": str(body.source)})
    return _receipt(r)


@router.post(P + "/reports/batch", response_model=list[ReceiptRead], status_code=201)
def report_batch(platform_id: str, body: ReportBatchIn, session: SessionDep, actor: Write
                 ) -> list[ReceiptRead]:
    """Many reports at once (all or none); each gets its receipt."""
    pid = _pid(session, platform_id)
    out = svc.submit_reports(session=session, platform_id=pid, items=body.items,
                             received_by=actor.username)
    record(session=session, actor=actor, action="moderation.report.batch",
           target_type="platform", target_id=pid, platform_id=pid,
           summary={"reports": len(out), "cases": len({r.case_id for r in out})})
    return [_receipt(r) for r in out]


# -- cases -----------------------------------------------------------------------------------


@router.get(P + "/cases", response_model=CaseListRead)
def list_cases(platform_id: str, session: SessionDep, _a: Read,
               status: str | None = None, queue: str | None = None,
               category: str | None = None,
               offset: Annotated[int, Query(ge=0)] = 0,
               limit: Annotated[int, Query(ge=1, le=500)] = 50) -> CaseListRead:
    """Cases, most urgent first (filter by status, queue, category)."""
    pid = _pid(session, platform_id)
    rows = svc.list_cases(session=session, platform_id=pid, status=status, queue=queue,
                          category=category, offset=offset, limit=limit)
    return CaseListRead(items=[CaseRead.model_validate(c) for c in rows], offset=offset,
                        limit=limit)


@router.post(P + "/queue/next", response_model=CaseRead | None)
def take_next(platform_id: str, body: NextCaseIn, session: SessionDep, actor: Decide
              ) -> CaseRead | None:
    """Claim the most urgent open case (optionally from some queues); null when none."""
    pid = _pid(session, platform_id)
    c = svc.next_case(session=session, actor=actor, platform_id=pid, queues=body.queues or None)
    return CaseRead.model_validate(c) if c else None


def _case_for(session: SessionDep, actor: Actor, case_id: str, permission: str) -> str:
    c = svc.get_case(session=session, case_id=case_id)
    actor.require(permission, c.platform_id)
    return c.platform_id


@router.get("/moderation/cases/{case_id}", response_model=CasePage)
def case_page(case_id: str, session: SessionDep, actor: Read) -> CasePage:
    """A case with its subject, reports, history and measures."""
    _case_for(session, actor, case_id, "moderation.read")
    p = svc.case_page(session=session, case_id=case_id)
    return CasePage(case=CaseRead.model_validate(p["case"]),
                    subject=SubjectRead.model_validate(p["subject"]),
                    judged=(JudgedContentRead.model_validate(p["judged"])
                            if p["judged"] is not None else None),
                    owner=SubjectRead.model_validate(p["owner"]) if p["owner"] else None,
                    reports=[ReportRead.model_validate(r) for r in p["reports"]],
                    events=[EventRead.model_validate(e) for e in p["events"]],
                    measures=[MeasureRead.model_validate(m) for m in p["measures"]],
                    time_left_s=(p["case"].sla_due_at - utcnow()).total_seconds())


@router.post("/moderation/cases/{case_id}/claim", response_model=CaseRead)
def claim(case_id: str, session: SessionDep, actor: Decide) -> CaseRead:
    """Claim a case (409 when someone holds it already)."""
    _case_for(session, actor, case_id, "moderation.decide")
    return CaseRead.model_validate(svc.claim_case(session=session, actor=actor, case_id=case_id))


@router.post("/moderation/cases/{case_id}/release", response_model=CaseRead)
def release(case_id: str, session: SessionDep, actor: Decide) -> CaseRead:
    _case_for(session, actor, case_id, "moderation.decide")
    return CaseRead.model_validate(svc.release_case(session=session, actor=actor,
                                                    case_id=case_id))


@router.post("/moderation/cases/{case_id}/comments", response_model=CaseRead)
def add_comment(case_id: str, body: CommentIn, session: SessionDep, actor: Decide) -> CaseRead:
    _case_for(session, actor, case_id, "moderation.decide")
    return CaseRead.model_validate(svc.comment(session=session, actor=actor, case_id=case_id,
                                               text=body.text))


@router.post("/moderation/cases/{case_id}/escalation", response_model=CaseRead)
def escalate(case_id: str, body: EscalationIn, session: SessionDep, actor: Decide) -> CaseRead:
    """Send a case to the escalation queue (the claim is released)."""
    _case_for(session, actor, case_id, "moderation.decide")
    return CaseRead.model_validate(svc.escalate_case(session=session, actor=actor,
                                                     case_id=case_id, reason=body.reason))


@router.post("/moderation/cases/{case_id}/decision", response_model=CaseRead)
def decide(case_id: str, body: DecisionIn, request: Request, tasks: BackgroundTasks,
           session: SessionDep, actor: Decide) -> CaseRead:
    """Decide a case you hold: measures with their ground and facts, or no action."""
    _case_for(session, actor, case_id, "moderation.decide")
    c = svc.decide_case(session=session, actor=actor, case_id=case_id, body=body)
    _after_commit(request, tasks)
    return CaseRead.model_validate(c)


@router.post("/moderation/cases/{case_id}/authority-reports",
             response_model=AuthorityReportRead, status_code=201)
def report_to_authority(case_id: str, body: AuthorityReportIn, session: SessionDep,
                        actor: Annotated[Actor, Depends(require("reports.write"))]
                        ) -> AuthorityReportRead:
    """Record that a serious case was reported to an authority (who, when, reference)."""
    _case_for(session, actor, case_id, "reports.write")
    return AuthorityReportRead.model_validate(authority.report_case(
        session=session, actor=actor, case_id=case_id, authority=body.authority,
        reference=body.reference, summary=body.summary, reported_at=body.reported_at))


@router.post(P + "/bulk/preview", response_model=BulkPreview)
def bulk_preview(platform_id: str, body: BulkIn, session: SessionDep, _a: Decide
                 ) -> BulkPreview:
    """What a bulk action would touch, and what it would skip, without changing anything."""
    pid = _pid(session, platform_id)
    cases, skipped = svc.bulk_select(session=session, platform_id=pid, case_ids=body.case_ids,
                                     queue=body.queue, category=body.category, limit=body.limit)
    return BulkPreview(cases=[CaseRead.model_validate(c) for c in cases], skipped=skipped)


@router.post(P + "/bulk", response_model=BulkResult)
def bulk_apply(platform_id: str, body: BulkIn, request: Request, tasks: BackgroundTasks,
               session: SessionDep, actor: Admin) -> BulkResult:
    """Apply one decision to exactly the previewed ``case_ids`` (needs moderation.admin); the
    filter is not run again. An id that is not an undecided case of this platform is refused
    (422 naming ``case_ids``, nothing decided); cases held by someone else are skipped."""
    pid = _pid(session, platform_id)
    cases = svc.bulk_confirm(session=session, platform_id=pid, case_ids=body.case_ids)
    done, skipped = svc.bulk_decide(session=session, actor=actor, cases=cases,
                                    body=body.decision)
    _after_commit(request, tasks)
    return BulkResult(decided=done, skipped=skipped)


# -- measures, statements, notices, strikes, change feed -------------------------------------


@router.get(P + "/measures", response_model=list[MeasureRead])
def list_measures(platform_id: str, session: SessionDep, _a: Read, status: str | None = None,
                  family: str | None = None, offset: Annotated[int, Query(ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[MeasureRead]:
    pid = _pid(session, platform_id)
    return [MeasureRead.model_validate(m) for m in ms.list_measures(
        session=session, platform_id=pid, status=status, family=family, offset=offset,
        limit=limit)]


@router.get(P + "/measure-changes", response_model=ChangeFeed)
def measure_changes(platform_id: str, session: SessionDep, _a: Read,
                    after: Annotated[int, Query(ge=0)] = 0,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> ChangeFeed:
    """The pull API: every measure applied, expired or lifted after ``after``, in order."""
    pid = _pid(session, platform_id)
    rows = ms.changes_after(session=session, platform_id=pid, after=after, limit=limit)
    return ChangeFeed(items=[MeasureChangeRead.model_validate(r) for r in rows],
                      next_after=rows[-1].seq if rows else after)


@router.get("/moderation/measures/{measure_id}/statement", response_model=StatementRead)
def statement(measure_id: str, session: SessionDep, actor: Read) -> StatementRead:
    """The statement of reasons of a measure."""
    m = ms.get_measure(session=session, measure_id=measure_id)
    actor.require("moderation.read", m.platform_id)
    return StatementRead.model_validate(ms.statement_of(session=session, measure_id=m.id))


@router.get(P + "/notices", response_model=list[NoticeRead])
def notices(platform_id: str, session: SessionDep, _a: Read,
            account_ref: Annotated[str, Query(min_length=1)]) -> list[NoticeRead]:
    """An account's notice inbox."""
    pid = _pid(session, platform_id)
    acc = svc.find_account(session=session, platform_id=pid, ref=account_ref)
    return [NoticeRead.model_validate(n) for n in ms.notices_of(session=session,
                                                                account_id=acc.id)]


@router.get(P + "/strikes", response_model=StrikeSummary)
def strikes(platform_id: str, session: SessionDep, _a: Read,
            account_ref: Annotated[str, Query(min_length=1)]) -> StrikeSummary:
    pid = _pid(session, platform_id)
    acc = svc.find_account(session=session, platform_id=pid, ref=account_ref)
    return StrikeSummary(account_id=acc.id,
                         total=ms.strike_total(session=session, account_id=acc.id, now=utcnow()),
                         window_days=int(d.strike_settings()["window_days"]),
                         strikes=[StrikeRead.model_validate(s)
                                  for s in ms.strikes_of(session=session, account_id=acc.id)])


@router.post(P + "/webhooks", response_model=WebhookCreated, status_code=201)
def add_webhook(platform_id: str, body: WebhookIn, session: SessionDep, actor: Admin
                ) -> WebhookCreated:
    """Subscribe a URL to measure changes; the signing secret is shown once."""
    pid = _pid(session, platform_id)
    h = delivery.create_webhook(session=session, actor=actor, platform_id=pid, url=str(body.url))
    return WebhookCreated(id=h.id, url=h.url, active=h.active, created_at=h.created_at,
                          secret=h.secret)


@router.get(P + "/webhooks", response_model=list[WebhookRead])
def webhooks(platform_id: str, session: SessionDep, _a: Read) -> list[WebhookRead]:
    pid = _pid(session, platform_id)
    return [WebhookRead.model_validate(h) for h in delivery.list_webhooks(session=session,
                                                                          platform_id=pid)]


@router.post("/moderation/webhooks/{webhook_id}/deactivation", response_model=WebhookRead)
def deactivate(webhook_id: str, session: SessionDep, actor: Admin) -> WebhookRead:
    return WebhookRead.model_validate(delivery.deactivate_webhook(
        session=session, actor=actor, webhook_id=webhook_id))


@router.post("/moderation/tick", response_model=TickResult)
def tick(request: Request, tasks: BackgroundTasks, session: SessionDep, actor: Admin
         ) -> TickResult:
    """Move the clocks on now (SLA escalation, expiry, IP clocks, complaint deadlines,
    batch screening); ``zeren moderation worker`` does this on a schedule."""
    out = svc.tick(session=session)
    record(session=session, actor=actor, action="moderation.tick", target_type="moderation",
           target_id="tick", summary=out)
    _after_commit(request, tasks)
    return TickResult(**out)


# -- appeals ---------------------------------------------------------------------------------


@router.post(P + "/appeals", response_model=AppealRead, status_code=201)
def file_appeal(platform_id: str, body: AppealIn, session: SessionDep, actor: Write
                ) -> AppealRead:
    """File an appeal on behalf of the affected account (named by the platform's id)."""
    pid = _pid(session, platform_id)
    acc = svc.find_account(session=session, platform_id=pid, ref=body.appellant_ref,
                           kinds=[body.appellant_kind])
    return AppealRead.model_validate(appeals.file_appeal(
        session=session, actor=actor, measure_id=body.measure_id, appellant=acc,
        grounds=body.grounds))


@router.get(P + "/appeals", response_model=list[AppealRead])
def list_appeals(platform_id: str, session: SessionDep, _a: Read, status: str | None = None
                 ) -> list[AppealRead]:
    pid = _pid(session, platform_id)
    return [AppealRead.model_validate(a) for a in appeals.list_appeals(
        session=session, platform_id=pid, status=status)]


@router.post("/moderation/appeals/{appeal_id}/decision", response_model=AppealRead)
def decide_appeal(appeal_id: str, body: AppealDecisionIn, request: Request,
                  tasks: BackgroundTasks, session: SessionDep, actor: Decide) -> AppealRead:
    """Uphold or overturn (by a moderator other than the first decider)."""
    a = appeals.get_appeal(session=session, appeal_id=appeal_id)
    actor.require("moderation.decide", a.platform_id)
    out = appeals.decide_appeal(session=session, actor=actor, appeal_id=appeal_id,
                                outcome=body.outcome, reason=body.reason)
    _after_commit(request, tasks)
    return AppealRead.model_validate(out)


# -- IP notice-and-takedown ------------------------------------------------------------------


@router.post(P + "/ip-notices", response_model=IPNoticeRead, status_code=201)
def ip_notice(platform_id: str, body: IPNoticeIn, session: SessionDep, actor: Write
              ) -> IPNoticeRead:
    """A rights holder's notice (with preliminary evidence; 电子商务法 Art 42)."""
    pid = _pid(session, platform_id)
    return IPNoticeRead.model_validate(ip.file_notice(session=session, actor=actor,
                                                      platform_id=pid, body=body))


@router.get(P + "/ip-notices", response_model=list[IPNoticeRead])
def ip_notices(platform_id: str, session: SessionDep, _a: Read) -> list[IPNoticeRead]:
    pid = _pid(session, platform_id)
    return [IPNoticeRead.model_validate(n) for n in ip.list_notices(session=session,
                                                                    platform_id=pid)]


def _notice_for(session: SessionDep, actor: Actor, notice_id: str, permission: str) -> None:
    n = ip.get_notice(session=session, notice_id=notice_id)
    actor.require(permission, n.platform_id)


@router.post("/moderation/ip-notices/{notice_id}/measures", response_model=IPNoticeRead)
def ip_measures(notice_id: str, body: IPMeasureIn, request: Request, tasks: BackgroundTasks,
                session: SessionDep, actor: Decide) -> IPNoticeRead:
    """Take the necessary measure and forward the notice to the merchant."""
    _notice_for(session, actor, notice_id, "moderation.decide")
    n = ip.take_measures(session=session, actor=actor, notice_id=notice_id, code=body.code,
                         note=body.note)
    _after_commit(request, tasks)
    return IPNoticeRead.model_validate(n)


@router.post("/moderation/ip-notices/{notice_id}/rejection", response_model=IPNoticeRead)
def ip_reject(notice_id: str, body: IPRejectIn, session: SessionDep, actor: Decide
              ) -> IPNoticeRead:
    _notice_for(session, actor, notice_id, "moderation.decide")
    return IPNoticeRead.model_validate(ip.reject_notice(session=session, actor=actor,
                                                        notice_id=notice_id, reason=body.reason))


@router.post("/moderation/ip-notices/{notice_id}/counter-notice", response_model=IPNoticeRead)
def ip_counter(notice_id: str, body: CounterNoticeIn, session: SessionDep, actor: Write
               ) -> IPNoticeRead:
    """The merchant's declaration (with evidence); forwarded, and the 15-day clock starts."""
    _notice_for(session, actor, notice_id, "moderation.write")
    return IPNoticeRead.model_validate(ip.counter_notice(session=session, actor=actor,
                                                         notice_id=notice_id, body=body))


@router.post("/moderation/ip-notices/{notice_id}/rights-holder-action",
             response_model=IPNoticeRead)
def ip_holder_action(notice_id: str, body: HolderActionIn, session: SessionDep, actor: Write
                     ) -> IPNoticeRead:
    """The rights holder shows a complaint or lawsuit within the 15 days: measures stay."""
    _notice_for(session, actor, notice_id, "moderation.write")
    return IPNoticeRead.model_validate(ip.holder_action(
        session=session, actor=actor, notice_id=notice_id, kind=body.kind,
        reference=body.reference, body_name=body.body))


# -- consumer complaints (ODR) ---------------------------------------------------------------


@router.post(P + "/complaints", response_model=ComplaintRead, status_code=201)
def complaint(platform_id: str, body: ComplaintIn, session: SessionDep, actor: Write
              ) -> ComplaintRead:
    """A consumer complaint against a merchant; the merchant's reply deadline starts."""
    pid = _pid(session, platform_id)
    return ComplaintRead.model_validate(complaints.file_complaint(
        session=session, actor=actor, platform_id=pid, body=body))


@router.get(P + "/complaints", response_model=list[ComplaintRead])
def list_complaints(platform_id: str, session: SessionDep, _a: Read) -> list[ComplaintRead]:
    pid = _pid(session, platform_id)
    return [ComplaintRead.model_validate(c) for c in complaints.list_complaints(
        session=session, platform_id=pid)]


def _complaint_for(session: SessionDep, actor: Actor, cid: str, permission: str) -> None:
    c = complaints.get_complaint(session=session, complaint_id=cid)
    actor.require(permission, c.platform_id)


@router.post("/moderation/complaints/{complaint_id}/merchant-reply",
             response_model=ComplaintRead)
def merchant_reply(complaint_id: str, body: MerchantReplyIn, session: SessionDep,
                   actor: Write) -> ComplaintRead:
    _complaint_for(session, actor, complaint_id, "moderation.write")
    return ComplaintRead.model_validate(complaints.merchant_reply(
        session=session, actor=actor, complaint_id=complaint_id, reply=body.reply,
        accepted=body.accepted))


@router.post("/moderation/complaints/{complaint_id}/mediation", response_model=ComplaintRead)
def mediation(complaint_id: str, body: MediationIn, session: SessionDep, actor: Decide
              ) -> ComplaintRead:
    _complaint_for(session, actor, complaint_id, "moderation.decide")
    return ComplaintRead.model_validate(complaints.mediate(
        session=session, actor=actor, complaint_id=complaint_id, settled=body.settled,
        outcome=body.outcome))


# -- reports to authorities ------------------------------------------------------------------

Reports = Annotated[Actor, Depends(require("reports.read"))]


@router.get(P + "/authority-reports", response_model=list[AuthorityReportRead])
def authority_reports(platform_id: str, session: SessionDep, _a: Reports
                      ) -> list[AuthorityReportRead]:
    """Serious cases reported to authorities."""
    pid = _pid(session, platform_id)
    return [AuthorityReportRead.model_validate(r)
            for r in authority.list_reports(session=session, platform_id=pid)]


def parse_day(value: str | None, field: str, default: datetime) -> datetime:
    if not value:
        return default
    try:
        got = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field} is an ISO date or datetime", field=field) from None
    return got if got.tzinfo else got.replace(tzinfo=UTC)


@router.get(P + "/report", response_model=None)
def periodic_report(
    platform_id: str, request: Request, session: SessionDep, _a: Reports,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Annotated[str | None, Query()] = None,
    format: Annotated[Literal["json", "csv", "html"], Query()] = "json",
) -> Response:
    """The periodic report to authorities for [from, to) (default: the last 30 days), as JSON,
    CSV or a printable HTML page."""
    pid = _pid(session, platform_id)
    end = parse_day(to, "to", utcnow())
    start = parse_day(from_, "from", end - timedelta(days=30))
    data = authority.periodic_report(session=session, platform_id=pid, start=start, end=end)
    if format == "csv":
        return PlainTextResponse(authority.to_csv(data), media_type="text/csv; charset=utf-8")
    if format == "html":
        from zeren.moderation.console import report_html

        return HTMLResponse(report_html(request, data))
    from fastapi.responses import JSONResponse

    return JSONResponse(data)
