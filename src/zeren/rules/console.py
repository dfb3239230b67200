"""Console pages of platform rules: the public consultation page (anyone reads what is open
and comments; rate-limited like the report form, body under the same cap), the rules library
with each document's versions and their status, and a version with its side-by-side diff
against the one before, its Art 29 review and its exclusivity findings. A router over the
same services as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from zeren.console.web import ConsoleActor, ConsolePages, CsrfForm, MaybeActor, redirect, render
from zeren.db.base import utcnow
from zeren.deps import SessionDep
from zeren.errors import InvalidInput
from zeren.hookspecs import hookimpl
from zeren.moderation.web import CappedRoute
from zeren.pagination import PageParams
from zeren.platforms.service import get_platform
from zeren.rules import domain as d
from zeren.rules.schemas import CommentIn
from zeren.rules.services import documents as docs
from zeren.rules.services import exclusivity, review
from zeren.rules.web import comment_guard

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)


@router.get("/rules/consult/{platform}", response_class=HTMLResponse)
def consult_page(request: Request, platform: str, s: SessionDep, _actor: MaybeActor
                 ) -> Response:
    """The public consultation page of a platform: drafts open for comment, with comments."""
    p = get_platform(session=s, platform_ref=platform)
    open_ = docs.open_consultations(session=s, platform_id=p.id)
    items = [(v, docs.comments(session=s, actor=None, version=v)) for v in open_]
    return render(request, "rules_consult.html", p=p, items=items,
                  sent=request.query_params.get("sent"))


def consult_comment(request: Request, version_id: str, form: CsrfForm, s: SessionDep,
                    _actor: MaybeActor) -> Response:
    """A public comment: the body was read under the cap and the sender is within the rate
    limit before the form is parsed; refused after the deadline like the API."""
    v = docs.public_version(session=s, version_id=version_id)
    try:
        body = CommentIn(author_kind="public",
                         author_name=str(form.get("author_name") or "").strip()[:100] or "匿名",
                         body=str(form.get("body") or "")[:10000])
    except ValueError as exc:
        raise InvalidInput(str(exc).splitlines()[0], field="body") from None
    docs.add_public_comment(session=s, version=v, data=body)
    p = get_platform(session=s, platform_ref=v.platform_id)
    return redirect(f"/rules/consult/{p.code}?sent=1")


router.add_api_route("/rules/consult/versions/{version_id}/comments", consult_comment,
                     methods=["POST"], response_class=HTMLResponse,
                     route_class_override=CappedRoute, dependencies=[Depends(comment_guard)])


@router.get("/rules", response_class=HTMLResponse)
def library_page(request: Request, actor: ConsoleActor, s: SessionDep) -> Response:
    """The rules library of a platform (``?platform=code``): documents, versions, status."""
    ref = request.query_params.get("platform", "")
    if not ref:
        raise InvalidInput("name the platform (?platform=code)", field="platform")
    p = get_platform(session=s, platform_ref=ref)
    rows, _ = docs.list_documents(session=s, actor=actor, platform_id=p.id,
                                  params=PageParams(offset=0, limit=200))
    now = utcnow()
    library = []
    for doc in rows:
        vs = docs.versions_of(session=s, actor=actor, document=doc)
        library.append((doc, [(v, docs.status_of(session=s, version=v, now=now).shown.value)
                              for v in vs]))
    return render(request, "rules_library.html", p=p, library=library,
                  kinds=d.rules_data().kinds)


@router.get("/rules/versions/{version_id}", response_class=HTMLResponse)
def version_page(request: Request, version_id: str, actor: ConsoleActor, s: SessionDep
                 ) -> Response:
    """A version: text, status, side-by-side diff against the previous, review, findings."""
    v = docs.get_version(session=s, actor=actor, version_id=version_id)
    doc = docs.get_document(session=s, actor=actor, platform_id=v.platform_id,
                            document=v.document_id)
    earlier = [x for x in docs.versions_of(session=s, actor=actor, document=doc)
               if x.number < v.number]
    diff = docs.diff(session=s, actor=actor, old=earlier[-1], new=v) if earlier else None
    rev = review.review_version(session=s, actor=actor, version=v)
    found, _ = exclusivity.list_findings(session=s, actor=actor, platform_id=v.platform_id,
                                         params=PageParams(offset=0, limit=200),
                                         source_id=v.id)
    st = docs.status_of(session=s, version=v)
    return render(request, "rules_version.html", v=v, doc=doc, diff=diff, rev=rev,
                  findings=found, status=st.shown.value,
                  comments=docs.comments(session=s, actor=actor, version=v),
                  hearings=docs.hearings(session=s, actor=actor, version=v),
                  exits=docs.exits(session=s, actor=actor, version=v))


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=HERE / "templates")]
