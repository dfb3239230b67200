"""Console pages of moderation: the moderator queue with SLA timers and claim / decide /
escalate, the case history with media blurred until clicked, bulk actions with a preview,
and the public pages (report form, notice inbox, merchant sanctions board). Pages read
through the same services as the API; forms carry the console's CSRF token.

Templates live beside this module and extend the console's ``base.html`` (one Jinja loader
over both folders); strings come from ``i18n.yaml`` here, falling back to the console's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.background import BackgroundTask

from zeren.console import views
from zeren.db.base import utcnow
from zeren.errors import InvalidInput
from zeren.moderation import domain as d
from zeren.moderation.schemas import DecisionIn, GroundIn, MeasureIn, PublicReportIn
from zeren.moderation.services import appeals, cases, decisions, delivery, intake, statements
from zeren.moderation.web import flood_guard, read_capped
from zeren.platforms.service import get_platform, list_platforms

HERE = Path(__file__).resolve().parent

templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(HERE / "templates")),
                                jinja2.FileSystemLoader(str(views.HERE / "templates"))]),
    autoescape=True))


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    raw: dict[str, dict[str, str]] = yaml.safe_load(
        resources.files("zeren.moderation").joinpath("i18n.yaml").read_text("utf-8"))
    return raw


def translator(locale: str) -> Callable[[str], str]:
    base = views.translator(locale)

    def t(key: str) -> str:
        entry = catalog().get(key)
        return entry.get(locale, key) if entry else base(key)
    return t


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Like ``zeren.console.views.render``, with this module's templates and strings."""
    locale = views._locale(request)
    base = {"request": request, "t": translator(locale), "locale": locale,
            "actor": views._actor(request), "csrf": views._csrf(request),
            "path": request.url.path, "now": utcnow(), "d": d,
            "bi": (lambda zh, en: zh if locale == "zh-CN" else en)}
    return templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status_code)


def _left(due: datetime, now: datetime) -> str:
    s = int((due - now).total_seconds())
    sign = "-" if s < 0 else ""
    s = abs(s)
    return f"{sign}{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def install_moderation_console(app: FastAPI) -> None:
    templates.env.filters["left"] = _left

    def session(request: Request) -> Any:
        return request.app.state.sessions()

    async def form_of(request: Request) -> dict[str, Any]:
        form = await request.form()
        views._check_csrf(request, form.get("csrf"))
        return {k: form.get(k) for k in form}

    def platform_ref(request: Request, s: Any, actor: Any) -> Any:
        ref = request.query_params.get("platform")
        if not ref:
            mine = list_platforms(session=s, actor=actor)
            if not mine:
                raise InvalidInput("no platform to show", field="platform")
            return mine[0]
        return get_platform(session=s, platform_ref=ref)

    @app.get("/moderation/queue", response_class=HTMLResponse, include_in_schema=False)
    def queue_page(request: Request) -> Response:
        actor = views._need_actor(request)
        with session(request) as s:
            p = platform_ref(request, s, actor)
            q = request.query_params.get("queue") or None
            rows = cases.list_cases(session=s, actor=actor, platform_id=p.id, status="open",
                                    queue=q, limit=100)
            mine = cases.list_cases(session=s, actor=actor, platform_id=p.id, status="claimed",
                                    limit=100)
            mine = [c for c in mine if c.claimed_by == actor.username]
            return render(request, "mod_queue.html", p=p, rows=rows, mine=mine,
                          queues=cases.all_queues(), queue=q,
                          platforms=list_platforms(session=s, actor=actor))

    @app.post("/moderation/queue/next", include_in_schema=False)
    async def take_next(request: Request) -> Response:
        form = await form_of(request)
        actor = views._need_actor(request)
        with session(request) as s:
            p = get_platform(session=s, platform_ref=str(form.get("platform")))
            c = cases.next_case(session=s, actor=actor, platform_id=p.id)
            s.commit()
        if c is None:
            return RedirectResponse(f"/moderation/queue?platform={p.code}&empty=1", 303)
        return RedirectResponse(f"/moderation/cases/{c.id}", status_code=303)

    @app.get("/moderation/cases/{case_id}", response_class=HTMLResponse,
             include_in_schema=False)
    def case_page(request: Request, case_id: str) -> Response:
        actor = views._need_actor(request)
        with session(request) as s:
            page = cases.case_page(session=s, actor=actor, case_id=case_id)
            return render(request, "mod_case.html", **page,
                          measure_types=d.measure_types(), cat=d.category(page["case"].category),
                          can_decide=actor.can("moderation.decide", page["case"].platform_id),
                          saved=request.query_params.get("saved"))

    @app.post("/moderation/cases/{case_id}/{action}", include_in_schema=False)
    async def case_action(request: Request, case_id: str, action: str) -> Response:
        form = await form_of(request)
        actor = views._need_actor(request)
        task = None
        with session(request) as s:
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
                decisions.decide_case(session=s, actor=actor, case_id=case_id,
                                      body=_decision(form))
                task = BackgroundTask(delivery.after_commit, engine=request.app.state.engine,
                                      data_dir=request.app.state.settings.data_dir)
            else:
                raise InvalidInput(f"unknown action {action}", field="action")
            s.commit()
        return RedirectResponse(f"/moderation/cases/{case_id}?saved={action}", status_code=303,
                                background=task)

    @app.get("/moderation/bulk", response_class=HTMLResponse, include_in_schema=False)
    def bulk_page(request: Request) -> Response:
        actor = views._need_actor(request)
        with session(request) as s:
            p = platform_ref(request, s, actor)
            actor.require("moderation.read", p.id)
            return render(request, "mod_bulk.html", p=p, queues=cases.all_queues(), preview=None,
                          form={}, result=None, categories=d.categories())

    @app.post("/moderation/bulk", response_class=HTMLResponse, include_in_schema=False)
    async def bulk_action(request: Request) -> Response:
        form = await form_of(request)
        actor = views._need_actor(request)
        with session(request) as s:
            p = get_platform(session=s, platform_ref=str(form.get("platform")))
            result = None
            if form.get("confirm") == "1":
                # exactly the cases the preview listed (its hidden case_ids), not the filter
                # run again: a case that arrived since the preview is not decided unseen
                ids = [str(v) for v in (await request.form()).getlist("case_ids")]
                done, skipped = decisions.bulk_apply(
                    session=s, actor=actor, platform_id=p.id, case_ids=ids,
                    body=DecisionIn(decision=d.Decision.NO_ACTION))
                s.commit()
                result = {"decided": done, "skipped": skipped}
                chosen: list[Any] = []
            else:
                chosen, skipped = cases.bulk_preview(
                    session=s, actor=actor, platform_id=p.id, case_ids=[],
                    queue=str(form.get("queue") or "") or None,
                    category=str(form.get("category") or "") or None,
                    limit=_bulk_limit(form.get("limit")))
            return render(request, "mod_bulk.html", p=p, queues=cases.all_queues(),
                          preview=chosen, skipped=skipped, form=form, result=result,
                          categories=d.categories())

    # -- public pages ------------------------------------------------------------------

    @app.get("/moderation/report", response_class=HTMLResponse, include_in_schema=False)
    def report_form(request: Request) -> Response:
        return render(request, "mod_report_form.html", categories=d.categories(),
                      kinds=[k.value for k in d.SubjectKind], platform=request.query_params
                      .get("platform", ""), receipt=None, error=None)

    @app.post("/moderation/report", response_class=HTMLResponse, include_in_schema=False)
    async def report_submit(request: Request) -> Response:
        await read_capped(request)  # 413 once past the cap, Content-Length or not
        flood_guard(request)
        form = await form_of(request)
        kinds = [k.value for k in d.SubjectKind]
        try:
            body = PublicReportIn(platform=str(form.get("platform") or "")[:60],
                                  subject_kind=d.SubjectKind(str(form.get("subject_kind"))),
                                  subject_ref=str(form.get("subject_ref") or ""),
                                  category=str(form.get("category") or ""),
                                  description=str(form.get("description") or "")[:2000],
                                  contact=str(form.get("contact") or "")[:200])
        except ValueError as exc:
            return render(request, "mod_report_form.html", status_code=422,
                          categories=d.categories(), kinds=kinds,
                          platform=form.get("platform"), receipt=None, error=str(exc))
        with session(request) as s:
            p = get_platform(session=s, platform_ref=str(form.get("platform") or ""))
            r = intake.public_report(session=s, platform_id=p.id, body=body)
            s.commit()
        return render(request, "mod_report_form.html", status_code=201,
                      categories=d.categories(), kinds=kinds, platform=p.code,
                      receipt=r.receipt, error=None)

    @app.get("/moderation/inbox/{token}", response_class=HTMLResponse, include_in_schema=False)
    def inbox_page(request: Request, token: str) -> Response:
        with session(request) as s:
            acc, notices = statements.inbox(session=s, token=token)
            return render(request, "mod_inbox.html", account=acc, notices=notices)

    @app.get("/moderation/sanctions", response_class=HTMLResponse, include_in_schema=False)
    def sanctions_page(request: Request) -> Response:
        ref = request.query_params.get("platform", "")
        with session(request) as s:
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


def _decision(form: dict[str, Any]) -> DecisionIn:
    """The decide form: one measure (or no action), its ground and the facts."""
    if form.get("decision") == "no_action":
        return DecisionIn(decision=d.Decision.NO_ACTION, facts=str(form.get("facts") or ""))
    days = str(form.get("days") or "").strip()
    kind = str(form.get("ground_kind") or "law")
    try:
        return DecisionIn(
            decision=d.Decision.ACTION,
            measures=[MeasureIn(code=str(form.get("measure") or ""),
                                days=float(days) if days else None)],
            ground=GroundIn(kind="platform_rule" if kind == "platform_rule" else "law",
                            law=str(form.get("law") or ""),
                            article=str(form.get("article") or ""),
                            rule=str(form.get("rule") or ""),
                            rule_version=str(form.get("rule_version") or "")),
            facts=str(form.get("facts") or ""))
    except ValueError as exc:
        raise InvalidInput(str(exc).splitlines()[0], field="measure") from None
