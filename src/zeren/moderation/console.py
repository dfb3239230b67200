"""Console pages of moderation: the moderator queue with SLA timers and claim / decide /
escalate, the case history with media blurred until clicked, bulk actions with a preview,
and the public pages (report form, notice inbox, merchant sanctions board). A router over
the same services as the API, with the console's shared helpers (``zeren.console.web``);
templates live beside this module and extend the console's ``base.html``; strings come from
this module's message catalogues (``locale/``), falling back to the console's."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from zeren.auth.policy import Actor
from zeren.console.i18n import cite_zh
from zeren.console.web import (
    ConsoleActor,
    ConsolePages,
    CsrfForm,
    MaybeActor,
    redirect,
    render,
)
from zeren.deps import SessionDep
from zeren.errors import InvalidInput, NotFound
from zeren.hookspecs import hookimpl
from zeren.moderation import domain as d
from zeren.moderation.schemas import (
    DecisionIn,
    Evidence,
    GroundIn,
    MeasureIn,
    PublicCounterNoticeIn,
    PublicHolderActionIn,
    PublicMerchantReplyIn,
    PublicReportIn,
)
from zeren.moderation.services import (
    appeals,
    cases,
    complaints,
    decisions,
    delivery,
    intake,
    ip,
    media,
    statements,
)
from zeren.moderation.web import CappedRoute, flood_guard
from zeren.platforms.service import get_platform, list_platforms

if TYPE_CHECKING:
    from zeren.platforms.models import Platform

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)


def _left(due: datetime, now: datetime) -> str:
    s = int((due - now).total_seconds())
    sign = "-" if s < 0 else ""
    s = abs(s)
    return f"{sign}{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _platform(request: Request, s: SessionDep, actor: Actor) -> Platform:
    """The platform named by ``?platform=``, or the first the actor may see."""
    ref = request.query_params.get("platform")
    if not ref:
        mine = list_platforms(session=s, actor=actor)
        if not mine:
            raise InvalidInput("no platform to show", field="platform")
        return mine[0]
    return get_platform(session=s, platform_ref=ref)


@router.get("/moderation/queue", response_class=HTMLResponse)
def queue_page(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    p = _platform(request, s, actor)
    q = request.query_params.get("queue") or None
    rows = cases.list_cases(session=s, actor=actor, platform_id=p.id, status="open", queue=q,
                            limit=100)
    mine = [c for c in cases.list_cases(session=s, actor=actor, platform_id=p.id,
                                        status="claimed", limit=100)
            if c.claimed_by == actor.username]
    return render(request, "mod_queue.html", p=p, rows=rows, mine=mine,
                  queues=cases.all_queues(), queue=q,
                  platforms=list_platforms(session=s, actor=actor))


@router.post("/moderation/queue/next")
def take_next(form: CsrfForm, s: SessionDep, actor: ConsoleActor) -> Response:
    p = get_platform(session=s, platform_ref=str(form.get("platform")))
    c = cases.next_case(session=s, actor=actor, platform_id=p.id)
    if c is None:
        return redirect(f"/moderation/queue?platform={p.code}&empty=1")
    return redirect(f"/moderation/cases/{c.id}")


@router.get("/moderation/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str, s: SessionDep, actor: ConsoleActor) -> Response:
    page = cases.case_page(session=s, actor=actor, case_id=case_id)
    return render(request, "mod_case.html", **_case_context(request, page, actor),
                  saved=request.query_params.get("saved"), typed={}, errors={})


def _case_context(request: Request, page: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """What the case page shows besides the case: the media, the measures, the category and
    the ground the decision form starts from (the category's own law, not always the
    guideline's Art 12)."""
    cat = d.category(page["case"].category)
    law, article = _default_ground(cat.source if cat else "")
    shown = page["judged"] or page["subject"]
    return {**page, "measure_types": d.measure_types(), "cat": cat, "default_law": law,
            "default_article": article,
            "media_views": media.views(data_dir=request.app.state.settings.data_dir,
                                       platform_id=page["case"].platform_id,
                                       media=list(shown.media or [])),
            "can_decide": actor.can("moderation.decide", page["case"].platform_id)}


_FIRST_CITATION = re.compile(r"^\s*(?P<law>[^\s;；(]+)\s+(?P<art>Art\s*\d+(?:\(\d+\))?)")


def _default_ground(source: str) -> tuple[str, str]:
    """The law and article a category cites first (``广告法 Art 9(3)`` → ``广告法``,
    ``第九条第（三）项``); the guideline's Art 12 when it cites none."""
    m = _FIRST_CITATION.match(source)
    if m is None:
        return "互联网平台落实主体责任指南", "第十二条"
    law = m.group("law")
    return ("互联网平台落实主体责任指南" if law == "指南" else law), cite_zh(m.group("art"))


@router.post("/moderation/cases/{case_id}/{action}")
def case_action(request: Request, case_id: str, action: str, form: CsrfForm, s: SessionDep,
                actor: ConsoleActor, tasks: BackgroundTasks) -> Response:
    if action == "claim":
        cases.claim_case(session=s, actor=actor, case_id=case_id)
    elif action == "release":
        cases.release_case(session=s, actor=actor, case_id=case_id)
    elif action == "escalate":
        cases.escalate_case(session=s, actor=actor, case_id=case_id,
                            reason=str(form.get("reason") or "").strip() or "—")
    elif action == "comment":
        cases.comment(session=s, actor=actor, case_id=case_id,
                      text=str(form.get("text") or "").strip() or "—")
    elif action == "decide":
        try:
            # decide_case refuses bad input before it writes anything
            decisions.decide_case(session=s, actor=actor, case_id=case_id, body=_decision(form))
        except InvalidInput as exc:
            # the form again, with what was typed and the error beside its field
            details = exc.details if isinstance(exc.details, dict) else {}
            named = str(details.get("field") or "facts").removeprefix("ground.")
            field = {"measures": "measure", "kind": "ground"}.get(named, named)
            page = cases.case_page(session=s, actor=actor, case_id=case_id)
            return render(request, "mod_case.html", status_code=422,
                          **_case_context(request, page, actor), saved=None,
                          typed={k: str(form.get(k) or "") for k in form},
                          errors={field: exc.message})
        tasks.add_task(delivery.after_commit, engine=request.app.state.engine,
                       data_dir=request.app.state.settings.data_dir)
    else:
        raise InvalidInput(f"unknown action {action}", field="action")
    return redirect(f"/moderation/cases/{case_id}?saved={action}")


@router.get("/moderation/bulk", response_class=HTMLResponse)
def bulk_page(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    p = _platform(request, s, actor)
    actor.require("moderation.read", p.id)
    return render(request, "mod_bulk.html", p=p, queues=cases.all_queues(), preview=None,
                  form={}, result=None, categories=d.categories())


@router.post("/moderation/bulk", response_class=HTMLResponse)
def bulk_action(request: Request, form: CsrfForm, s: SessionDep, actor: ConsoleActor,
                tasks: BackgroundTasks) -> Response:
    p = get_platform(session=s, platform_ref=str(form.get("platform")))
    result = None
    chosen: list[Any] = []
    skipped: list[dict[str, str]] = []
    if form.get("confirm") == "1":
        # exactly the cases the preview listed (its hidden case_ids), not the filter run
        # again: a case that arrived since the preview is not decided unseen
        done, skipped = decisions.bulk_apply(
            session=s, actor=actor, platform_id=p.id,
            case_ids=[str(v) for v in form.getlist("case_ids")],
            body=DecisionIn(decision=d.Decision.NO_ACTION))
        result = {"decided": done, "skipped": skipped}
        tasks.add_task(delivery.after_commit, engine=request.app.state.engine,
                       data_dir=request.app.state.settings.data_dir)
    else:
        chosen, skipped = cases.bulk_preview(
            session=s, actor=actor, platform_id=p.id, case_ids=[],
            queue=str(form.get("queue") or "") or None,
            category=str(form.get("category") or "") or None,
            limit=_bulk_limit(form.get("limit")))
    return render(request, "mod_bulk.html", p=p, queues=cases.all_queues(), preview=chosen,
                  skipped=skipped, form={k: form.get(k) for k in form}, result=result,
                  categories=d.categories())


# -- public pages ----------------------------------------------------------------------


@router.get("/moderation/report", response_class=HTMLResponse)
def report_form(request: Request, _actor: MaybeActor) -> Response:
    return render(request, "mod_report_form.html", categories=d.categories(),
                  kinds=[k.value for k in d.SubjectKind],
                  platform=request.query_params.get("platform", ""), receipt=None, error=None,
                  typed={}, errors={})


def report_submit(request: Request, form: CsrfForm, s: SessionDep, _actor: MaybeActor
                  ) -> Response:
    """The public report form: the body was read under the cap (``CappedRoute``) and the
    sender is within the rate limit (``flood_guard``) before the form is parsed."""
    kinds = [k.value for k in d.SubjectKind]
    typed = {k: str(form.get(k) or "")[:2000] for k in FORM_FIELDS}

    def again(field: str) -> Response:
        """The form again with what was typed and the error beside ``field`` (no code, no
        JSON: a public page)."""
        return render(request, "mod_report_form.html", status_code=422,
                      categories=d.categories(), kinds=kinds, platform=typed["platform"],
                      receipt=None, error=None, typed=typed, errors={field: field})

    try:
        body = PublicReportIn(platform=str(form.get("platform") or "")[:60],
                              subject_kind=d.SubjectKind(str(form.get("subject_kind"))),
                              subject_ref=str(form.get("subject_ref") or ""),
                              category=str(form.get("category") or ""),
                              description=str(form.get("description") or "")[:2000],
                              contact=str(form.get("contact") or "")[:200])
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"] if exc.errors() else ()
        return again(str(loc[0]) if loc and str(loc[0]) in FORM_FIELDS else "subject_ref")
    except ValueError:
        return again("subject_kind")
    try:
        p = get_platform(session=s, platform_ref=body.platform)
    except NotFound:
        return again("platform")
    r = intake.public_report(session=s, platform_id=p.id, body=body)
    return render(request, "mod_report_form.html", status_code=201, categories=d.categories(),
                  kinds=kinds, platform=p.code, receipt=r.receipt, error=None, typed={},
                  errors={})


FORM_FIELDS = ("platform", "subject_kind", "subject_ref", "category", "description", "contact")


router.add_api_route("/moderation/report", report_submit, methods=["POST"],
                     response_class=HTMLResponse, route_class_override=CappedRoute,
                     dependencies=[Depends(flood_guard)])


@router.get("/moderation/inbox/{token}", response_class=HTMLResponse)
def inbox_page(request: Request, token: str, s: SessionDep, _actor: MaybeActor) -> Response:
    acc, notices = statements.inbox(session=s, token=token)
    return render(request, "mod_inbox.html", account=acc, notices=notices, token=token)


@router.get("/moderation/sanctions", response_class=HTMLResponse)
def sanctions_page(request: Request, s: SessionDep, _actor: MaybeActor) -> Response:
    ref = request.query_params.get("platform", "")
    if not ref:
        raise InvalidInput("name the platform (?platform=code)", field="platform")
    p = get_platform(session=s, platform_ref=ref)
    return render(request, "mod_sanctions.html", p=p,
                  rows=appeals.sanctions_board(session=s, platform_id=p.id))


BULK_MAX = 500


def _bulk_limit(raw: object) -> int:
    """The bulk form's ``limit``: a whole number, clamped to 1–500 (50 when left empty)."""
    text = str(raw or "").strip() or "50"
    try:
        n = int(text)
    except ValueError:
        raise InvalidInput(f"limit is a whole number from 1 to {BULK_MAX}, not {text[:20]!r}",
                           field="limit") from None
    return max(1, min(BULK_MAX, n))


def _decision(form: Any) -> DecisionIn:
    """The decide form: one measure (or no action), its ground and the facts."""
    if form.get("decision") == "no_action":
        return DecisionIn(decision=d.Decision.NO_ACTION, facts=str(form.get("facts") or ""))
    days_text = str(form.get("days") or "").strip()
    try:
        days = float(days_text) if days_text else None
    except ValueError:
        raise InvalidInput(f"days is a number of days, not {days_text[:20]!r}",
                           field="days") from None
    if days is not None and not 0 < days <= 3650:
        raise InvalidInput("days is from 0 to 3650", field="days")
    kind = str(form.get("ground_kind") or "law")
    try:
        return DecisionIn(
            decision=d.Decision.ACTION,
            measures=[MeasureIn(code=str(form.get("measure") or ""), days=days)],
            ground=GroundIn(kind="platform_rule" if kind == "platform_rule" else "law",
                            law=str(form.get("law") or ""),
                            article=str(form.get("article") or ""),
                            rule=str(form.get("rule") or ""),
                            rule_version=str(form.get("rule_version") or "")),
            facts=str(form.get("facts") or ""))
    except ValueError as exc:
        raise InvalidInput(str(exc).splitlines()[0], field="measure") from None


# -- IP notices and complaints (指南 Art 22, 28; 电子商务法 Art 42-44) ------------------------


@router.get("/moderation/ip-notices", response_class=HTMLResponse)
def ip_notices_page(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    p = _platform(request, s, actor)
    return render(request, "mod_ip_notices.html", p=p,
                  counts=ip.outcome_counts(session=s, actor=actor, platform_id=p.id),
                  rows=ip.list_notices(session=s, actor=actor, platform_id=p.id, limit=200))


@router.get("/moderation/complaints", response_class=HTMLResponse)
def complaints_page(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    p = _platform(request, s, actor)
    return render(request, "mod_complaints.html", p=p,
                  counts=complaints.outcome_counts(session=s, actor=actor, platform_id=p.id),
                  rows=complaints.list_complaints(session=s, actor=actor, platform_id=p.id),
                  may_mediate=actor.can("moderation.decide", p.id))


@router.post("/moderation/complaints/{complaint_id}/mediation")
def mediate_form(complaint_id: str, form: CsrfForm, s: SessionDep, actor: ConsoleActor
                 ) -> Response:
    outcome = str(form.get("outcome") or "").strip()
    if not outcome:
        raise InvalidInput("say what the mediation came to", field="outcome")
    c = complaints.mediate(session=s, actor=actor, complaint_id=complaint_id,
                           settled=form.get("settled") == "yes", outcome=outcome[:5000])
    p = get_platform(session=s, platform_ref=c.platform_id)
    return redirect(f"/moderation/complaints?platform={p.code}")


@router.get("/moderation/ip-holder/{token}", response_class=HTMLResponse)
def holder_page(request: Request, token: str, s: SessionDep, _actor: MaybeActor) -> Response:
    """The rights holder's page behind its link: the notice, the merchant's declaration and
    evidence, the statement of Art 43 with its deadline, and the form to show a complaint or
    lawsuit."""
    v = ip.holder_view(session=s, token=token)
    return render(request, "mod_ip_holder.html", token=token, **v)


@router.post("/moderation/ip-holder/{token}/action")
def holder_action_form(token: str, form: CsrfForm, s: SessionDep, _actor: MaybeActor,
                       request: Request, tasks: BackgroundTasks) -> Response:
    kind = str(form.get("kind") or "")
    if kind not in ("complaint", "lawsuit"):
        raise InvalidInput("choose a complaint to an authority or a lawsuit", field="kind")
    try:
        body = PublicHolderActionIn(kind=kind, reference=str(form.get("reference") or "").strip(),
                                    body=str(form.get("body") or "")[:200])
    except ValueError:
        raise InvalidInput("name the complaint's or lawsuit's reference number",
                           field="reference") from None
    ip.holder_action_from_link(session=s, token=token, body=body)
    _after_commit(request, tasks)
    return redirect(f"/moderation/ip-holder/{token}")


@router.post("/moderation/inbox/{token}/ip-notices/{notice_id}/counter-notice")
def counter_notice_form(token: str, notice_id: str, form: CsrfForm, s: SessionDep,
                        _actor: MaybeActor, request: Request, tasks: BackgroundTasks
                        ) -> Response:
    """The merchant's declaration from its inbox page, with one piece of evidence (a link or
    a text)."""
    ref = str(form.get("evidence") or "").strip()
    try:
        body = PublicCounterNoticeIn(
            declaration=str(form.get("declaration") or "").strip(),
            evidence=[Evidence(kind="url" if ref.startswith(("http://", "https://")) else "text",
                               ref=ref[:2000])] if ref else [])
    except ValueError:
        raise InvalidInput("write the declaration", field="declaration") from None
    ip.counter_notice_from_inbox(session=s, token=token, notice_id=notice_id, body=body)
    _after_commit(request, tasks)
    return redirect(f"/moderation/inbox/{token}")


@router.post("/moderation/inbox/{token}/complaints/{complaint_id}/reply")
def complaint_reply_form(token: str, complaint_id: str, form: CsrfForm, s: SessionDep,
                         _actor: MaybeActor, request: Request, tasks: BackgroundTasks
                         ) -> Response:
    try:
        body = PublicMerchantReplyIn(reply=str(form.get("reply") or "").strip()[:5000],
                                     accepted=form.get("accepted") == "yes")
    except ValueError:
        raise InvalidInput("write the answer", field="reply") from None
    complaints.merchant_reply_from_inbox(session=s, token=token, complaint_id=complaint_id,
                                         body=body)
    _after_commit(request, tasks)
    return redirect(f"/moderation/inbox/{token}")


def _after_commit(request: Request, tasks: BackgroundTasks) -> None:
    tasks.add_task(delivery.after_commit, engine=request.app.state.engine,
                   data_dir=request.app.state.settings.data_dir)


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=HERE / "templates", locale=HERE / "locale",
                         filters={"left": _left}, globals={"d": d})]
