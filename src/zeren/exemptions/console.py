"""Console forms of exemptions (变通, Art 35): request one, and approve, reject or withdraw it
(four eyes), from the platform's page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from zeren.console.web import ConsoleActor, ConsolePages, CsrfForm, redirect
from zeren.deps import SessionDep
from zeren.exemptions.service import decide_exemption, request_exemption
from zeren.hookspecs import hookimpl
from zeren.platforms.service import get_platform

router = APIRouter(include_in_schema=False)


@router.post("/platforms/{ref}/exemptions")
def console_request_exemption(ref: str, form: CsrfForm, s: SessionDep, actor: ConsoleActor
                              ) -> Response:
    item = str(form.get("item") or "").strip()
    request_exemption(session=s, actor=actor, platform=get_platform(session=s, platform_ref=ref),
                      data={"article": str(form.get("article") or ""),
                            "item": int(item) if item.isdigit() else (item or None),
                            "ground": str(form.get("ground") or ""),
                            "justification": str(form.get("justification") or ""),
                            "ends_on": str(form.get("ends_on") or "")})
    return redirect(f"/platforms/{ref}?saved=exemption#exemptions")


@router.post("/platforms/{ref}/exemptions/{exemption_id}/decision")
def console_decide_exemption(ref: str, exemption_id: str, form: CsrfForm, s: SessionDep,
                             actor: ConsoleActor) -> Response:
    decide_exemption(session=s, actor=actor, exemption_id=exemption_id,
                     action=str(form.get("action") or ""), note=str(form.get("note") or ""),
                     platform_id=get_platform(session=s, platform_ref=ref).id)
    return redirect(f"/platforms/{ref}?saved=exemption#exemptions")


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router)]
