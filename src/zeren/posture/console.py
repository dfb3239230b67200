"""Console pages of posture: a platform's posture (evaluated live), evaluating and storing it,
one article's checks with their history and attestations, and attesting with evidence
files."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from zeren.console.web import ConsoleActor, ConsolePages, CsrfForm, redirect, render
from zeren.db.base import utcnow
from zeren.deps import SessionDep
from zeren.errors import InvalidInput
from zeren.guideline.domain import load_guideline
from zeren.hookspecs import hookimpl
from zeren.platforms.service import platform_for
from zeren.posture import service as posture
from zeren.timepolicy import parse_instant

router = APIRouter(include_in_schema=False)


@router.get("/platforms/{ref}/posture", response_class=HTMLResponse)
def posture_page(request: Request, s: SessionDep, actor: ConsoleActor, ref: str) -> Response:
    p = platform_for(session=s, actor=actor, platform_ref=ref, permission="posture.read")
    ev = posture.evaluate(session=s, actor=actor, platform=p, store=False)
    last = posture.latest_evaluation_id(session=s, platform_id=p.id)
    return render(request, "posture.html", p=p, ev=ev, last_evaluation=last,
                  saved=request.query_params.get("saved"))


@router.post("/platforms/{ref}/posture/evaluate")
def posture_evaluate(ref: str, _form: CsrfForm, s: SessionDep, actor: ConsoleActor
                     ) -> Response:
    p = platform_for(session=s, actor=actor, platform_ref=ref, permission="posture.evaluate")
    posture.evaluate(session=s, actor=actor, platform=p)
    return redirect(f"/platforms/{ref}/posture?saved=evaluation")


@router.get("/platforms/{ref}/posture/articles/{number}", response_class=HTMLResponse)
def article_posture(request: Request, s: SessionDep, actor: ConsoleActor, ref: str,
                    number: int) -> Response:
    p = platform_for(session=s, actor=actor, platform_ref=ref, permission="posture.read")
    ev = posture.evaluate(session=s, actor=actor, platform=p, store=False)
    tile = next((t for t in ev.tiles if t.article == number), None)
    if tile is None:
        raise InvalidInput(f"no article {number}", field="number")
    histories = {o.obligation.key: posture.history(session=s, platform_id=p.id,
                                                   check_key=o.obligation.key, limit=20)
                 for o in tile.obligations}
    atts = [a for a in posture.attestations(session=s, platform_id=p.id) if a.article == number]
    files = posture.files_by_attestation(session=s, attestation_ids=[a.id for a in atts])
    default_until = (utcnow() + timedelta(days=365)).date().isoformat()
    return render(request, "article_posture.html", p=p, tile=tile, histories=histories,
                  attestations=atts, files=files, article=load_guideline().article(number),
                  default_until=default_until, can_attest=actor.can("attestation.write", p.id),
                  saved=request.query_params.get("saved"))


@router.post("/platforms/{ref}/attestations")
async def attest(request: Request, ref: str, form: CsrfForm, s: SessionDep,
                 actor: ConsoleActor) -> Response:
    files: list[tuple[str, bytes, str]] = []
    for f in form.getlist("files"):
        if isinstance(f, UploadFile) and f.filename:
            files.append((f.filename, await f.read(), f.content_type or ""))
    p = platform_for(session=s, actor=actor, platform_ref=ref, permission="attestation.write")
    att = posture.attest(
        session=s, actor=actor, platform=p, obligation_key=str(form.get("obligation_key")),
        statement=str(form.get("statement") or ""), valid_from=None,
        valid_until=parse_instant(str(form.get("valid_until") or ""), "valid_until",
                                  bare_date="end"),
        files=files, data_dir=request.app.state.settings.data_dir)
    return redirect(f"/platforms/{ref}/posture/articles/{att.article}?saved=attestation")


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router)]
