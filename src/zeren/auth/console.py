"""Console page of console sessions (ADR 0041): each user sees their own sessions and ends
them; an administrator (``user.admin``) looks up anyone's and ends one or all of them. The
page calls the same services as ``/api/v1/users/{username}/sessions``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.auth import service
from zeren.auth.secrets import token_digest
from zeren.console.web import ConsoleActor, ConsolePages, CsrfForm, redirect, render
from zeren.deps import SessionDep
from zeren.hookspecs import hookimpl

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _idle(request: Request) -> timedelta:
    return timedelta(minutes=request.app.state.settings.session_idle_minutes)


@router.get("/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    """One user's console sessions (``?user=``, one's own by default; ``?all=1`` with ended
    ones), each with its state and a button that ends it."""
    username = request.query_params.get("user", "")[:64] or actor.username
    include_ended = request.query_params.get("all") == "1"
    idle = _idle(request)
    rows = service.list_sessions(session=s, actor=actor, username=username, idle=idle,
                                 include_ended=include_ended)
    sid = request.session.get("sid")
    current = token_digest(sid) if isinstance(sid, str) else ""
    return render(request, "auth_sessions.html", username=username, include_ended=include_ended,
                  rows=[(r, service.session_state(r, idle), r.token_hash == current)
                        for r in rows])


@router.post("/sessions/end")
def end_sessions(request: Request, form: CsrfForm, s: SessionDep,
                 actor: ConsoleActor) -> Response:
    """End one session (``session_id``) or all sessions of ``username``."""
    username = str(form.get("username") or actor.username)[:64]
    session_id = str(form.get("session_id") or "")[:36] or None
    service.end_session(session=s, actor=actor, username=username, session_id=session_id)
    return redirect(f"/sessions?user={quote(username)}")


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=TEMPLATES)]
