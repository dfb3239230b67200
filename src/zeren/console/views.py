"""The console: server-rendered pages (Jinja2 + htmx, assets served locally), zh-CN first.

``install_console`` mounts the static files, the signed session cookie and the error pages,
adds the console's own routes (sign in, sign out, language), and includes the pages every
domain contributes through the ``zeren_console_pages`` hook (``zeren.hookspecs``): a router,
its templates, its message catalogues. A new domain adds pages without touching this file;
the shared helpers its handlers use are public in ``zeren.console.web``."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from zeren.auth import service as auth
from zeren.auth.installation import console_secret
from zeren.console.i18n import LOCALES
from zeren.console.web import (
    Console,
    ConsolePages,
    CsrfForm,
    LoginRequired,
    MaybeActor,
    html_error,
    redirect,
    render,
    safe_next,
)
from zeren.deps import SessionDep, client_address
from zeren.errors import RateLimited, Unauthorized
from zeren.plugins import plugin_manager

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, _actor: MaybeActor, next: str = "/") -> Response:
    return render(request, "login.html", next=safe_next(next), failed=False)


@router.post("/login")
def login(request: Request, form: CsrfForm, s: SessionDep) -> Response:
    nxt = safe_next(str(form.get("next") or "/"))
    try:
        actor = auth.sign_in(session=s, username=str(form.get("username") or ""),
                             password=str(form.get("password") or ""),
                             client=client_address(request))
    except Unauthorized:
        return render(request, "login.html", status_code=401, next=nxt, failed=True)
    except RateLimited as exc:
        page = render(request, "login.html", status_code=429, next=nxt, failed=True,
                      wait_seconds=exc.headers["Retry-After"])
        page.headers.update(exc.headers)
        return page
    old = request.session.get("sid")
    if isinstance(old, str):
        auth.end_session_token(session=s, token=old, reason="replaced")
    settings = request.app.state.settings
    token = auth.start_session(
        session=s, actor=actor, lifetime=timedelta(hours=settings.session_max_hours),
        client=client_address(request),
        user_agent=request.headers.get("user-agent", ""))
    # A fresh cookie (and CSRF token) at sign-in: nothing set before it carries over.
    request.session.clear()
    request.session["sid"] = token
    return redirect(nxt)


@router.post("/logout")
def logout(request: Request, _form: CsrfForm, s: SessionDep) -> Response:
    token = request.session.get("sid")
    if isinstance(token, str):
        auth.end_session_token(session=s, token=token)
    request.session.clear()
    return redirect("/login")


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    resp = redirect(safe_next(next))
    if code in LOCALES:
        resp.set_cookie("zeren_lang", code, max_age=365 * 86400, samesite="lax")
    return resp


def console_pages() -> list[ConsolePages]:
    """Every domain's contribution, in plugin order."""
    return [p for batch in plugin_manager().hook.zeren_console_pages() for p in batch]


def install_console(app: FastAPI) -> None:
    settings = app.state.settings
    app.mount("/static", StaticFiles(directory=str(Console.STATIC)), name="static")
    app.add_middleware(SessionMiddleware, secret_key=console_secret(settings),
                       session_cookie="zeren_session", same_site="lax",
                       max_age=settings.session_max_hours * 3600)
    app.state.html_error = html_error

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    pages = console_pages()
    app.state.console = Console(pages)
    app.include_router(router)
    for p in pages:
        app.include_router(p.router)
