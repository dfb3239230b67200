"""Routes of the review lexicon: ``POST /screen``, ``/lexicons…`` and the daily patrol's
findings. Thin: parse, authorise, call one service, shape the response."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from zeren.auth.policy import Actor
from zeren.config import Settings
from zeren.deps import SessionDep, require
from zeren.errors import InvalidInput
from zeren.lexicon import service
from zeren.lexicon.domain import categories, format_variants, parse_variants
from zeren.lexicon.formats import Document, TermInput, check_document, check_kind
from zeren.lexicon.schemas import (
    MAX_BATCH,
    ChangeRequest,
    DiffRead,
    FindingHandle,
    FindingRead,
    FindingReport,
    HitRead,
    LexiconCreate,
    LexiconRead,
    ScreenBatch,
    ScreenOne,
    ScreenRequest,
    ScreenResult,
    TermRead,
    VersionRead,
)
from zeren.lexicon.screening import CompiledFiles
from zeren.pagination import Page, PageDep
from zeren.platforms.service import get_platform
from zeren.settings_dep import settings_of

router = APIRouter(tags=["lexicon"])

ScreenActor = Annotated[Actor, Depends(require("screen.run"))]
ReadActor = Annotated[Actor, Depends(require("lexicon.read"))]
WriteActor = Annotated[Actor, Depends(require("lexicon.write"))]


@router.post("/screen", response_model=ScreenOne | ScreenBatch)
def screen(body: ScreenRequest, session: SessionDep, actor: ScreenActor,
           settings: Annotated[Settings, Depends(settings_of)]) -> ScreenOne | ScreenBatch:
    """Screen one document (``text``) or a batch (``documents``, up to 1,000)."""
    if (body.text is None) == (body.documents is None):
        raise InvalidInput("send either text or documents", field="text")
    if body.platform_id is not None:
        actor.check_platform(body.platform_id)
    limit = settings.screen_max_bytes
    kind = check_kind(body.kind)
    if body.text is not None:
        check_document(body.text, max_bytes=limit, where="text")
        docs = [Document(id=body.id or "", text=body.text)]
    else:
        assert body.documents is not None
        if not body.documents or len(body.documents) > MAX_BATCH:
            raise InvalidInput(f"documents: 1 to {MAX_BATCH} per request", field="documents")
        docs = []
        for i, d in enumerate(body.documents):
            check_document(d.text, max_bytes=limit, where=f"documents[{i}].text")
            f = f"documents[{i}].kind"
            docs.append(Document(id=d.id if d.id is not None else str(i), text=d.text,
                                 kind=check_kind(d.kind, where=f, field=f)))
    m, results = service.screen_documents(session=session, name=body.lexicon, documents=docs,
                                          platform_id=body.platform_id, wait=False, kind=kind,
                                          files=CompiledFiles.of(settings))
    shaped = [
        ScreenResult(id=d.id or None, decision=r.decision.value,
                     hits=[HitRead(**h.to_dict()) for h in r.hits])
        for d, r in zip(docs, results, strict=True)
    ]
    if body.text is not None:
        return ScreenOne(lexicon=body.lexicon, version=m.version, **shaped[0].model_dump())
    return ScreenBatch(lexicon=body.lexicon, version=m.version, results=shaped)


@router.get("/lexicons", response_model=list[LexiconRead])
def list_lexicons(session: SessionDep, actor: ReadActor) -> list[LexiconRead]:
    """Every stored lexicon."""
    return [LexiconRead.model_validate(x) for x in service.list_lexicons(session=session)]


@router.post("/lexicons", response_model=LexiconRead, status_code=201)
def create_lexicon(body: LexiconCreate, session: SessionDep, actor: WriteActor) -> LexiconRead:
    """Create an empty lexicon."""
    lex = service.create_lexicon(session=session, actor=actor, name=body.name,
                                 description=body.description)
    return LexiconRead.model_validate(lex)


@router.get("/lexicons/{name}/versions", response_model=list[VersionRead])
def versions(name: str, session: SessionDep, actor: ReadActor) -> list[VersionRead]:
    """A lexicon's versions: who changed it, when and why."""
    return [VersionRead.model_validate(v)
            for v in service.list_versions(session=session, name=name)]


@router.get("/lexicons/{name}/terms", response_model=list[TermRead])
def terms(name: str, session: SessionDep, actor: ReadActor,
          version: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None) -> list[TermRead]:
    """The terms of a lexicon version (default: current)."""
    return [TermRead.model_validate(t) for t in service.visible_terms(
        session=session, actor=actor, name=name, version=version)]


@router.post("/lexicons/{name}/changes", response_model=VersionRead | None)
def change(name: str, body: ChangeRequest, session: SessionDep,
           actor: WriteActor) -> VersionRead | None:
    """Add, change or end terms as one new version (null when nothing changes)."""
    cats = categories()
    ups: list[TermInput] = []
    for i, t in enumerate(body.upsert):
        cat = cats.get(t.category)
        if cat is None:
            raise InvalidInput(f"upsert[{i}].category: unknown category {t.category!r}",
                               field=f"upsert[{i}].category")
        try:
            variants = format_variants(parse_variants(t.variants, whitelist=t.whitelist)) \
                if t.variants else ""
        except ValueError:
            raise InvalidInput(f"upsert[{i}].variants: {t.variants!r} is not valid",
                               field=f"upsert[{i}].variants") from None
        ups.append(TermInput(t.term.strip(), cat.code, t.severity or cat.severity,
                             t.action or cat.action, t.whitelist, variants, t.note, t.source,
                             t.platform_id))
    ver = service.apply_changes(session=session, actor=actor, name=name, upserts=ups,
                                removals=[(r.term, r.platform_id) for r in body.remove],
                                reason=body.reason, create=False)
    return VersionRead.model_validate(ver) if ver is not None else None


@router.get("/lexicons/{name}/diff", response_model=DiffRead)
def diff(name: str, session: SessionDep, actor: ReadActor,
         v1: Annotated[int, Query(ge=0, le=2**31 - 1)],
         v2: Annotated[int, Query(ge=0, le=2**31 - 1)]) -> DiffRead:
    """Terms added, removed and changed between two versions."""
    d = service.diff_versions(session=session, actor=actor, name=name, v1=v1, v2=v2)
    return DiffRead(added=[a.term for a in d.added], removed=[r.term for r in d.removed],
                    changed=[n.term for _, n in d.changed])


FINDINGS = "/platforms/{platform_id}/lexicon/findings"


@router.get(FINDINGS, response_model=Page[FindingRead])
def list_findings(
    platform_id: str, session: SessionDep, actor: ReadActor, page: PageDep,
    state: Annotated[str, Query(description="open, handled or all.")] = "open",
) -> Page[FindingRead]:
    """The daily patrol's findings on a platform (default: the ones nobody handled yet)."""
    p = get_platform(session=session, platform_ref=platform_id)
    rows, total = service.list_findings(session=session, platform_id=p.id, state=state,
                                        offset=page.offset, limit=page.limit)
    cases = service.finding_cases(session=session, findings=rows)
    items = []
    for f in rows:
        r = FindingRead.model_validate(f)
        if f.id in cases:
            r.case_status, r.case_decision = cases[f.id]
        items.append(r)
    return Page[FindingRead](items=items, total=total, offset=page.offset, limit=page.limit)


@router.post(FINDINGS + "/{finding_id}/handle", response_model=FindingRead)
def handle_finding(
    platform_id: str, finding_id: str, body: FindingHandle, session: SessionDep,
    actor: WriteActor,
) -> FindingRead:
    """Record how a finding was handled (once: a handled finding answers 409)."""
    p = get_platform(session=session, platform_ref=platform_id)
    f = service.handle_finding(session=session, actor=actor, finding_id=finding_id,
                               handling=body.handling, platform_id=p.id)
    return FindingRead.model_validate(f)


@router.post(FINDINGS + "/{finding_id}/report", status_code=201)
def report_finding(
    platform_id: str, finding_id: str, body: FindingReport, session: SessionDep,
    actor: ReadActor,
) -> dict[str, str]:
    """Report a serious finding to an authority: an authority-report record on its
    moderation case (needs ``reports.write`` on the platform)."""
    p = get_platform(session=session, platform_ref=platform_id)
    r = service.report_finding(session=session, actor=actor, finding_id=finding_id,
                               authority=body.authority, reference=body.reference,
                               summary=body.summary, platform_id=p.id)
    return {"report_id": r.id, "case_id": r.case_id}
