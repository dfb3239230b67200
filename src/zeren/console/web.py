"""The console's shared helpers, public for every domain that contributes pages: who is signed
in (read in the request's own unit of work, the same ``SessionDep`` as the API), the CSRF
token and the form that checks it, the page language and its translated strings (gettext
catalogues, see ``zeren.console.i18n``), rendering a template, the error page, and
``ConsolePages``, what a domain hands to the ``zeren_console_pages`` hook.

A domain's console module is a router like its API: each handler declares ``ConsoleActor``
(or ``MaybeActor`` for public pages), ``SessionDep`` and, for a form, ``CsrfForm``; parses;
calls one service; renders or redirects. The request's unit of work commits once when the
handler returns, as for the API; no handler opens a session or commits."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from zeren.auth.policy import Actor, roles
from zeren.console.i18n import CONSOLE_LOCALE_DIR, LOCALES, cite_zh, translator
from zeren.db.base import utcnow
from zeren.deps import SessionDep, session_actor
from zeren.errors import AppError, Forbidden
from zeren.timepolicy import format_beijing

__all__ = [
    "LOCALES",
    "ConsoleActor",
    "ConsolePages",
    "CsrfForm",
    "LoginRequired",
    "MaybeActor",
    "check_csrf",
    "csrf_token",
    "html_error",
    "locale_of",
    "redirect",
    "render",
    "safe_next",
    "term",
    "translate",
]

HERE = Path(__file__).resolve().parent
CONSOLE_TEMPLATES = HERE / "templates"


@dataclass(frozen=True)
class ConsolePages:
    """What a domain contributes to the console: its router (handlers as described above),
    the folder of its templates (they may extend ``base.html``), the folder of its message
    catalogues (``<locale>/LC_MESSAGES/messages.po``), and Jinja filters and globals its
    templates use."""

    router: APIRouter
    templates: Path | None = None
    locale: Path | None = None
    filters: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    globals: Mapping[str, Any] = field(default_factory=dict)


class Console:
    """The console of one app: one Jinja environment over every contributed template folder
    (domains first, the console's own last) and the chain of message catalogues."""

    STATIC = HERE / "static"

    def __init__(self, pages: Sequence[ConsolePages]) -> None:
        folders = [p.templates for p in pages if p.templates is not None]
        env = jinja2.Environment(loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(f)) for f in [*folders, CONSOLE_TEMPLATES]]),
            autoescape=True)
        # Every time a person reads is shown in Beijing time with the zone (ADR 0022).
        for p in pages:
            env.filters.update(p.filters)
            env.globals.update(p.globals)
        env.filters["beijing"] = _beijing  # the console's own (it also reads ISO 8601 text)
        env.globals["roles_info"] = roles
        self.templates = Jinja2Templates(env=env)
        self.catalogues = tuple(dict.fromkeys(
            [*(p.locale for p in pages if p.locale is not None), CONSOLE_LOCALE_DIR]))


def _beijing(value: datetime | str | None, *, seconds: bool = False) -> str:
    """A time (or a time written in ISO 8601, as kept in JSON records) in Beijing time."""
    if isinstance(value, str):
        try:
            return format_beijing(datetime.fromisoformat(value), seconds=seconds)
        except ValueError:
            return value
    return format_beijing(value, seconds=seconds)


class LoginRequired(Exception):
    """A console page asked for a signed-in user and there is none: go to the login page."""


def locale_of(request: Request) -> str:
    lang = request.cookies.get("zeren_lang")
    default: str = request.app.state.settings.default_locale
    return lang if lang in LOCALES else default


def translate(request: Request, key: str) -> str:
    """``key`` in the page's language, for strings made in code rather than in templates."""
    console: Console = request.app.state.console
    return translator(locale_of(request), console.catalogues)(key)


def term(t: Callable[[str], str], group: str, value: object) -> str:
    """A word of one of the system's vocabularies (a status, a queue, a field, a ground …) in
    the page's language: the message ``<group>.<value>`` of the catalogues; a value with no
    message is shown as it is (and the page walk's untranslated-string test names it)."""
    raw = "" if value is None else str(getattr(value, "value", value))
    if not raw:
        return "—"
    key = f"{group}.{raw}"
    said = t(key)
    return raw if said == key else said


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, form_token: Any) -> None:
    if not form_token or form_token != request.session.get("csrf"):
        raise Forbidden("the form has expired; reload the page and try again")


async def csrf_form(request: Request) -> FormData:
    """The posted form, once its CSRF token is checked."""
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    return form


CsrfForm = Annotated[FormData, Depends(csrf_form)]


def maybe_actor(request: Request, session: SessionDep) -> Actor | None:
    """The signed-in console user, read in the request's unit of work; None when signed out."""
    return session_actor(request, session)


def need_actor(request: Request, session: SessionDep) -> Actor:
    actor = session_actor(request, session)
    if actor is None:
        raise LoginRequired()
    return actor


MaybeActor = Annotated[Actor | None, Depends(maybe_actor)]
ConsoleActor = Annotated[Actor, Depends(need_actor)]


def safe_next(url: str) -> str:
    """A redirect target inside this site (never another host)."""
    return url if url.startswith("/") and not url.startswith("//") else "/"


def redirect(url: str) -> RedirectResponse:
    """After a form: see the result (303, so a reload does not post again)."""
    return RedirectResponse(url, status_code=303)


def _actor_of(request: Request) -> Actor | None:
    a = getattr(request.state, "console_actor", None)
    return a if isinstance(a, Actor) else None


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render ``name`` with what every page needs: ``t`` (and ``_``) for the page's language,
    ``term(group, value)`` for a word of a vocabulary (see :func:`term`), ``cite(text)`` for
    legal citations (the Chinese form on a zh-CN page), ``bi(zh, en)`` for data that carries
    both, the signed-in actor, the CSRF token."""
    console: Console = request.app.state.console
    locale = locale_of(request)
    t = translator(locale, console.catalogues)
    base = {"request": request, "t": t, "_": t, "locale": locale, "actor": _actor_of(request),
            "term": (lambda group, value: term(t, group, value)),
            "cite": (lambda text: cite_zh(str(text or "")) if locale == "zh-CN" else text),
            "csrf": csrf_token(request), "path": request.url.path, "now": utcnow(),
            "bi": (lambda zh, en: zh if locale == "zh-CN" else en)}
    return console.templates.TemplateResponse(request, name, {**base, **ctx},
                                              status_code=status_code)


def html_error(request: Request, exc: AppError) -> HTMLResponse:
    """The error page: the same error the API would give, as a page."""
    return render(request, "error.html", status_code=exc.status, error=exc)
