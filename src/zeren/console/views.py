"""Console routes. Each page reads through the same services as the API; the actor comes
from a signed session cookie, and every form carries a CSRF token."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.middleware.sessions import SessionMiddleware

from zeren.audit.service import list_events
from zeren.auth import service as auth
from zeren.auth.models import User
from zeren.auth.policy import Actor
from zeren.deps import SessionDep
from zeren.errors import AppError, Forbidden, InvalidInput, NotFound, Unauthorized
from zeren.exemptions.models import Exemption
from zeren.exemptions.service import decide_exemption, list_exemptions, request_exemption
from zeren.guideline.domain import load_guideline
from zeren.optional import optional_import
from zeren.org import service as org_service
from zeren.platforms import service as platforms
from zeren.platforms.models import Platform
from zeren.posture import service as posture

HERE = Path(__file__).resolve().parent
LOCALES = ("zh-CN", "en")

# Console pages that domain modules add: (module, installer function).
CONSOLE_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("zeren.moderation.console", "install_moderation_console"),
)


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    raw: dict[str, dict[str, str]] = yaml.safe_load(
        resources.files("zeren.console").joinpath("i18n.yaml").read_text("utf-8"))
    return raw


def translator(locale: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        entry = catalog().get(key)
        return entry.get(locale, key) if entry else key
    return t


templates = Jinja2Templates(directory=str(HERE / "templates"))


def _locale(request: Request) -> str:
    lang = request.cookies.get("zeren_lang")
    return lang if lang in LOCALES else request.app.state.settings.default_locale


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def _check_csrf(request: Request, form_token: Any) -> None:
    if not form_token or form_token != request.session.get("csrf"):
        raise Forbidden("the form has expired; reload the page and try again")


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    locale = _locale(request)
    t = translator(locale)
    base = {"request": request, "t": t, "locale": locale, "actor": _actor(request),
            "csrf": _csrf(request), "path": request.url.path,
            "bi": (lambda zh, en: zh if locale == "zh-CN" else en)}
    return templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status_code)


def _actor(request: Request) -> Actor | None:
    a = getattr(request.state, "console_actor", None)
    return a if isinstance(a, Actor) else None


def _session(request: Request) -> Session:
    s: Session = request.app.state.sessions()
    return s


class _Login(Exception):
    pass


def _need_actor(request: Request) -> Actor:
    a = _actor(request)
    if a is None:
        raise _Login()
    return a


def install_console(app: FastAPI) -> None:
    settings = app.state.settings
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def console_actor(request: Request,
                            call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        uid = request.session.get("uid") if "session" in request.scope else None
        if uid:
            with _session(request) as s:
                user = s.get(User, uid)
                if user is not None and user.is_active:
                    request.state.console_actor = auth.actor_for(session=s, user=user)
        return await call_next(request)

    # Added after console_actor so that it wraps it (the session is decoded first).
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key,
                       session_cookie="zeren_session", same_site="lax", max_age=12 * 3600)

    app.state.html_error = lambda request, exc: render(
        request, "error.html", status_code=exc.status, error=exc)

    @app.exception_handler(_Login)
    async def to_login(request: Request, _exc: _Login) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> Response:
        return render(request, "login.html", next=next, failed=False)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        _check_csrf(request, form.get("csrf"))
        nxt = str(form.get("next") or "/")
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        with _session(request) as s:
            try:
                actor = auth.authenticate_password(session=s, username=str(form.get("username")),
                                                   password=str(form.get("password")))
            except Unauthorized:
                return render(request, "login.html", status_code=401, next=nxt, failed=True)
        request.session.clear()
        request.session["uid"] = actor.user_id
        return RedirectResponse(nxt, status_code=303)

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        form = await request.form()
        _check_csrf(request, form.get("csrf"))
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/lang/{code}", include_in_schema=False)
    def switch_language(request: Request, code: str, next: str = "/") -> Response:
        if not next.startswith("/") or next.startswith("//"):
            next = "/"
        resp = RedirectResponse(next, status_code=303)
        if code in LOCALES:
            resp.set_cookie("zeren_lang", code, max_age=365 * 86400, samesite="lax")
        return resp

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request, s: SessionDep) -> Response:
        actor = _need_actor(request)
        rows = []
        for p in platforms.list_platforms(session=s, actor=actor):
            ta = platforms.current_tier(session=s, platform_id=p.id)
            arts = platforms.applicable(session=s, platform_id=p.id)
            counts = None
            if actor.can("posture.read", p.id):
                counts = posture.evaluate(session=s, actor=actor, platform=p,
                                          store=False).counts()
            rows.append({"p": p, "ta": ta, "articles": arts, "counts": counts})
        return render(request, "overview.html", rows=rows)

    def _platform(s: Session, actor: Actor, ref: str, permission: str) -> Platform:
        p = platforms.get_platform(session=s, platform_ref=ref)
        actor.require(permission, p.id)
        return p

    @app.get("/platforms/{ref}", response_class=HTMLResponse, include_in_schema=False)
    def platform_page(request: Request, s: SessionDep, ref: str) -> Response:
        actor = _need_actor(request)
        p = _platform(s, actor, ref, "platform.read")
        return render(request, "platform.html", p=p,
                      ta=platforms.current_tier(session=s, platform_id=p.id),
                      history=platforms.tier_history(session=s, platform_id=p.id),
                      fig=platforms.latest_figures(session=s, platform_id=p.id),
                      articles=platforms.applicable(session=s, platform_id=p.id),
                      exemptions=(list_exemptions(session=s, platform_id=p.id)
                                  if actor.can("exemption.read", p.id) else None),
                      org=({"departments": org_service.departments(session=s, platform_id=p.id),
                            "people": org_service.people(session=s, platform_id=p.id),
                            "duties": org_service.duties(session=s, platform_id=p.id)}
                           if actor.can("org.read", p.id) else None),
                      can_request=actor.can("exemption.request", p.id),
                      can_decide=actor.can("exemption.decide", p.id),
                      default_ends_on=(datetime.now(UTC) + timedelta(days=90)).date().isoformat(),
                      saved=request.query_params.get("saved"),
                      guideline=load_guideline())

    @app.post("/platforms/{ref}/exemptions", include_in_schema=False)
    async def console_request_exemption(request: Request, ref: str) -> Response:
        form = await request.form()
        _check_csrf(request, form.get("csrf"))
        actor = _need_actor(request)
        item = str(form.get("item") or "").strip()
        with _session(request) as s:
            p = _platform(s, actor, ref, "exemption.request")
            request_exemption(session=s, actor=actor, platform=p, data={
                "article": str(form.get("article") or ""),
                "item": int(item) if item.isdigit() else (item or None),
                "ground": str(form.get("ground") or ""),
                "justification": str(form.get("justification") or ""),
                "ends_on": str(form.get("ends_on") or "")})
            s.commit()
        return RedirectResponse(f"/platforms/{ref}?saved=exemption#exemptions", status_code=303)

    @app.post("/platforms/{ref}/exemptions/{exemption_id}/decision", include_in_schema=False)
    async def console_decide_exemption(request: Request, ref: str, exemption_id: str
                                       ) -> Response:
        form = await request.form()
        _check_csrf(request, form.get("csrf"))
        actor = _need_actor(request)
        with _session(request) as s:
            p = _platform(s, actor, ref, "exemption.read")
            ex = s.get(Exemption, exemption_id)
            if ex is None or ex.platform_id != p.id:
                raise NotFound(f"no exemption {exemption_id} on this platform")
            decide_exemption(session=s, actor=actor, exemption_id=ex.id,
                             action=str(form.get("action") or ""),
                             note=str(form.get("note") or ""))
            s.commit()
        return RedirectResponse(f"/platforms/{ref}?saved=exemption#exemptions", status_code=303)

    @app.get("/platforms/{ref}/posture", response_class=HTMLResponse, include_in_schema=False)
    def posture_page(request: Request, s: SessionDep, ref: str) -> Response:
        actor = _need_actor(request)
        p = _platform(s, actor, ref, "posture.read")
        ev = posture.evaluate(session=s, actor=actor, platform=p, store=False)
        last = posture.latest_evaluation_id(session=s, platform_id=p.id)
        return render(request, "posture.html", p=p, ev=ev, last_evaluation=last,
                      saved=request.query_params.get("saved"))

    @app.post("/platforms/{ref}/posture/evaluate", include_in_schema=False)
    async def posture_evaluate(request: Request, ref: str) -> Response:
        form = await request.form()
        _check_csrf(request, form.get("csrf"))
        actor = _need_actor(request)
        with _session(request) as s:
            p = _platform(s, actor, ref, "posture.evaluate")
            posture.evaluate(session=s, actor=actor, platform=p)
            s.commit()
        return RedirectResponse(f"/platforms/{ref}/posture?saved=evaluation", status_code=303)

    @app.get("/platforms/{ref}/posture/articles/{number}", response_class=HTMLResponse,
             include_in_schema=False)
    def article_posture(request: Request, s: SessionDep, ref: str, number: int) -> Response:
        actor = _need_actor(request)
        p = _platform(s, actor, ref, "posture.read")
        ev = posture.evaluate(session=s, actor=actor, platform=p, store=False)
        tile = next((t for t in ev.tiles if t.article == number), None)
        if tile is None:
            raise InvalidInput(f"no article {number}", field="number")
        histories = {o.check.key: posture.history(session=s, platform_id=p.id,
                                                  check_key=o.check.key, limit=20)
                     for o in tile.outcomes}
        atts = [a for a in posture.attestations(session=s, platform_id=p.id)
                if a.article == number]
        files = {a.id: posture.files_of(session=s, attestation_id=a.id) for a in atts}
        default_until = (datetime.now(UTC) + timedelta(days=365)).date().isoformat()
        return render(request, "article_posture.html", p=p, tile=tile, histories=histories,
                      attestations=atts, files=files, article=load_guideline().article(number),
                      default_until=default_until, can_attest=actor.can("attestation.write",
                                                                        p.id),
                      saved=request.query_params.get("saved"))

    @app.post("/platforms/{ref}/attestations", include_in_schema=False)
    async def attest(request: Request, ref: str) -> Response:
        form = await request.form()
        _check_csrf(request, form.get("csrf"))
        actor = _need_actor(request)
        files: list[tuple[str, bytes, str]] = []
        for f in form.getlist("files"):
            if isinstance(f, StarletteUploadFile) and f.filename:
                files.append((f.filename, await f.read(), f.content_type or ""))
        from zeren.posture.api import parse_when

        with _session(request) as s:
            p = _platform(s, actor, ref, "attestation.write")
            att = posture.attest(
                session=s, actor=actor, platform=p, check_key=str(form.get("check_key")),
                statement=str(form.get("statement") or ""), valid_from=None,
                valid_until=parse_when(str(form.get("valid_until") or ""), "valid_until"),
                files=files, data_dir=request.app.state.settings.data_dir)
            s.commit()
        return RedirectResponse(
            f"/platforms/{ref}/posture/articles/{att.article}?saved=attestation", status_code=303)

    @app.get("/guideline", response_class=HTMLResponse, include_in_schema=False)
    def guideline_index(request: Request) -> Response:
        _need_actor(request)
        return render(request, "guideline.html", g=load_guideline(), article=None)

    @app.get("/guideline/{number}", response_class=HTMLResponse, include_in_schema=False)
    def guideline_article(request: Request, number: int) -> Response:
        _need_actor(request)
        g = load_guideline()
        art = g.article(number)
        if art is None:
            return render(request, "error.html", status_code=404,
                          error=AppError(f"no article {number}", status=404))
        return render(request, "guideline.html", g=g, article=art)

    for module_name, installer in CONSOLE_EXTENSIONS:
        module = optional_import(module_name)
        if module is not None:
            getattr(module, installer)(app)

    @app.get("/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, s: SessionDep) -> Response:
        actor = _need_actor(request)
        actor.require("audit.read")
        raw = request.query_params.get("offset", "0")
        offset = int(raw) if raw.isdigit() and len(raw) < 10 else 0
        rows, total = list_events(session=s, actor=actor, offset=offset, limit=50)
        return render(request, "audit.html", rows=rows, total=total, offset=offset)
