"""HTTP routes of data governance: parse, call one service, choose the response model. The
merge gate (``POST …/consent/decide``) is the hot path: it reads consents through the
in-memory index and leaves the ledger append to the outbox flusher, kicked after commit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, UploadFile

from zeren.auth.policy import Actor
from zeren.datagov import schemas as s
from zeren.datagov.gate import index_for
from zeren.datagov.services import activities, consent, importer, inventory
from zeren.deps import SessionDep, require
from zeren.errors import TooLarge
from zeren.ledger.outbox import flusher_for
from zeren.pagination import Page, PageDep, paginate
from zeren.platforms.service import get_platform
from zeren.timepolicy import parse_instant

router = APIRouter(prefix="/platforms/{platform_id}", tags=["datagov"])
Reader = Annotated[Actor, Depends(require("datagov.read"))]
Writer = Annotated[Actor, Depends(require("datagov.write"))]
ConsentWriter = Annotated[Actor, Depends(require("datagov.consent.write"))]
Decider = Annotated[Actor, Depends(require("datagov.consent.decide"))]

MAX_UPLOAD = 200 * 1024 * 1024


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


def _kick(request: Request, tasks: BackgroundTasks) -> None:
    """After the response (so after commit), wake the ledger outbox flusher."""
    flusher = flusher_for(request.app.state.engine, request.app.state.settings.data_dir)
    tasks.add_task(flusher.kick)


# ----------------------------------------------------------------------- inventory


@router.post("/datagov/assets", response_model=s.AssetRead, status_code=201)
def put_asset(platform_id: str, body: s.AssetIn, session: SessionDep, actor: Writer,
              response: Response) -> s.AssetRead:
    """Record the data asset ``code`` (201), or update it when the code exists (200); it is
    classified by the rules in data and each change of classification is kept."""
    asset, created = inventory.put_asset(session=session, actor=actor,
                                         platform_id=_pid(session, platform_id), data=body)
    if not created:
        response.status_code = 200
    return s.AssetRead.model_validate(asset)


@router.get("/datagov/assets", response_model=s.AssetPage)
def list_assets(
    platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
    level: Annotated[str | None, Query(max_length=20)] = None,
    system: Annotated[str | None, Query(max_length=200)] = None,
    personal_info: bool | None = None, sensitive_personal_info: bool | None = None,
    review_overdue: bool | None = None, officer_missing: bool | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None, include_retired: bool = False,
) -> s.AssetPage:
    """The inventory, filtered; with the count per level under the same filters."""
    f = inventory.AssetFilter(level, system, personal_info, sensitive_personal_info,
                              review_overdue, officer_missing, q, include_retired)
    rows, total, counts = inventory.list_assets(
        session=session, actor=actor, platform_id=_pid(session, platform_id), filters=f,
        offset=page.offset, limit=page.limit)
    return s.AssetPage(items=[s.AssetRead.model_validate(r) for r in rows], total=total,
                       offset=page.offset, limit=page.limit, counts=counts)


@router.get("/datagov/assets/{code}", response_model=s.AssetRead)
def get_asset(platform_id: str, code: str, session: SessionDep, actor: Reader) -> s.AssetRead:
    return s.AssetRead.model_validate(inventory.get_asset(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code))


@router.get("/datagov/assets/{code}/classifications", response_model=list[s.ClassificationRead])
def asset_classifications(platform_id: str, code: str, session: SessionDep, actor: Reader
                          ) -> list[s.ClassificationRead]:
    """Every classification the asset received, with the deciding rule."""
    return [s.ClassificationRead.model_validate(c) for c in inventory.classification_history(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code)]


@router.post("/datagov/assets/{code}/reviews", response_model=s.ReviewRead, status_code=201)
def review_asset(platform_id: str, code: str, body: s.ReviewIn, session: SessionDep,
                 actor: Writer) -> s.ReviewRead:
    return s.ReviewRead.model_validate(inventory.review_asset(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code,
        data=body))


@router.post("/datagov/imports", response_model=s.ImportRead, status_code=201)
async def import_inventory(platform_id: str, file: UploadFile, session: SessionDep,
                           actor: Writer) -> s.ImportRead:
    """Import assets from a CSV or XLSX file (all or nothing; errors name row and field)."""
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise TooLarge(f"the file is larger than {MAX_UPLOAD // 2**20} MiB",
                       details={"field": "file"})
    res = importer.import_assets(session=session, actor=actor,
                                 platform_id=_pid(session, platform_id),
                                 filename=file.filename or "upload", content=content)
    out = s.ImportRead.model_validate(res.record)
    out.seconds = round(res.seconds, 3)
    return out


@router.get("/datagov/imports", response_model=list[s.ImportRead])
def list_imports(platform_id: str, session: SessionDep, actor: Reader) -> list[s.ImportRead]:
    return [s.ImportRead.model_validate(i) for i in importer.imports(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


@router.post("/datagov/trainings", response_model=s.TrainingRead, status_code=201)
def record_training(platform_id: str, body: s.TrainingIn, session: SessionDep, actor: Writer
                    ) -> s.TrainingRead:
    return s.TrainingRead.model_validate(inventory.record_training(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/datagov/trainings", response_model=list[s.TrainingRead])
def list_trainings(platform_id: str, session: SessionDep, actor: Reader
                   ) -> list[s.TrainingRead]:
    return [s.TrainingRead.model_validate(t) for t in inventory.trainings(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


@router.post("/datagov/catalogues", response_model=s.CatalogueRead, status_code=201)
def generate_catalogue(platform_id: str, body: s.CatalogueIn, session: SessionDep,
                       actor: Writer) -> s.CatalogueRead:
    """Snapshot the important-data catalogue (重要数据目录)."""
    return s.CatalogueRead.model_validate(inventory.generate_catalogue(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/datagov/catalogues", response_model=list[s.CatalogueRead])
def list_catalogues(platform_id: str, session: SessionDep, actor: Reader
                    ) -> list[s.CatalogueRead]:
    return [s.CatalogueRead.model_validate(c) for c in inventory.catalogues(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


# ----------------------------------------------------------------------- activities, transfers


@router.post("/datagov/activities", response_model=s.ActivityRead, status_code=201)
def create_activity(platform_id: str, body: s.ActivityIn, session: SessionDep, actor: Writer
                    ) -> s.ActivityRead:
    return s.ActivityRead.model_validate(activities.create_activity(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/datagov/activities", response_model=Page[s.ActivityRead])
def list_activities(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
                    ) -> Page[s.ActivityRead]:
    return paginate([s.ActivityRead.model_validate(a) for a in activities.list_activities(
        session=session, actor=actor, platform_id=_pid(session, platform_id))], page)


@router.post("/datagov/activities/{activity_id}/reviews", response_model=s.ReviewRead,
             status_code=201)
def review_activity(platform_id: str, activity_id: str, body: s.ReviewIn, session: SessionDep,
                    actor: Writer) -> s.ReviewRead:
    return s.ReviewRead.model_validate(activities.review_activity(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        activity_id=activity_id, data=body))


@router.get("/datagov/reviews", response_model=list[s.ReviewRead])
def list_reviews(platform_id: str, session: SessionDep, actor: Reader,
                 target_id: Annotated[str | None, Query(max_length=36)] = None
                 ) -> list[s.ReviewRead]:
    return [s.ReviewRead.model_validate(r) for r in activities.reviews(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        target_id=target_id)]


@router.post("/datagov/transfers", response_model=s.TransferRead, status_code=201)
def create_transfer(platform_id: str, body: s.TransferIn, session: SessionDep, actor: Writer
                    ) -> s.TransferRead:
    return s.TransferRead.model_validate(activities.create_transfer(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/datagov/transfers", response_model=list[s.TransferRead])
def list_transfers(platform_id: str, session: SessionDep, actor: Reader
                   ) -> list[s.TransferRead]:
    return [s.TransferRead.model_validate(t) for t in activities.list_transfers(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


# ----------------------------------------------------------------------- services and consent


@router.post("/datagov/services", response_model=s.ServiceRead, status_code=201)
def register_service(platform_id: str, body: s.ServiceIn, session: SessionDep, actor: Writer
                     ) -> s.ServiceRead:
    return s.ServiceRead.model_validate(consent.register_service(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/datagov/services", response_model=list[s.ServiceRead])
def list_services(platform_id: str, session: SessionDep, actor: Reader) -> list[s.ServiceRead]:
    return [s.ServiceRead.model_validate(x) for x in consent.list_services(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


@router.post("/consent/consents", response_model=s.ConsentRead, status_code=201)
def give_consent(platform_id: str, body: s.ConsentIn, session: SessionDep, actor: ConsentWriter,
                 request: Request, tasks: BackgroundTasks) -> s.ConsentRead:
    """Record a person's consent to combine one service's data with others'."""
    c = consent.give_consent(session=session, actor=actor,
                             platform_id=_pid(session, platform_id), data=body)
    _kick(request, tasks)
    return s.ConsentRead.model_validate(c)


@router.post("/consent/consents/{consent_id}/withdrawal", response_model=s.ConsentRead)
def withdraw_consent(platform_id: str, consent_id: str, body: s.WithdrawIn, session: SessionDep,
                     actor: ConsentWriter, request: Request, tasks: BackgroundTasks
                     ) -> s.ConsentRead:
    """Withdraw a consent: the gate refuses from this moment on."""
    c = consent.withdraw_consent(session=session, actor=actor,
                                 platform_id=_pid(session, platform_id), consent_id=consent_id,
                                 data=body)
    _kick(request, tasks)
    return s.ConsentRead.model_validate(c)


@router.get("/consent/consents", response_model=list[s.ConsentRead])
def consents_of(platform_id: str, session: SessionDep, actor: Reader,
                person_ref: Annotated[str, Query(min_length=1, max_length=200)]
                ) -> list[s.ConsentRead]:
    """Every consent of one person."""
    return [s.ConsentRead.model_validate(c) for c in consent.consents_of(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        person_ref=person_ref)]


def _answer(a: consent.GateAnswer) -> s.DecisionRead:
    dec = a.decision
    return s.DecisionRead(id=a.id, allowed=dec.allowed, outcome=dec.outcome.value,
                          reason=dec.reason.value, message=a.message(),
                          consent_id=dec.consent_id, withdrawn_at=dec.withdrawn_at,
                          decided_at=a.decided_at, request_ref=a.request_ref)


@router.post("/consent/decide", response_model=s.DecisionRead)
def decide(platform_id: str, body: s.DecideIn, session: SessionDep, actor: Decider,
           request: Request, tasks: BackgroundTasks) -> s.DecisionRead:
    """The merge gate: may this person's data from these two services be combined for this
    purpose now? Allowed or refused with the reason; every decision is kept and logged."""
    got = consent.decide(session=session, actor=actor, platform_id=_pid(session, platform_id),
                         requests=[body], index=index_for(request.app.state.engine))
    _kick(request, tasks)
    return _answer(got[0])


@router.post("/consent/decide/batch", response_model=s.DecideBatchOut)
def decide_batch(platform_id: str, body: s.DecideBatchIn, session: SessionDep, actor: Decider,
                 request: Request, tasks: BackgroundTasks) -> s.DecideBatchOut:
    """Up to 1,000 gate requests in one call (one transaction: a bad request refuses all)."""
    got = consent.decide(session=session, actor=actor, platform_id=_pid(session, platform_id),
                         requests=body.requests, index=index_for(request.app.state.engine))
    _kick(request, tasks)
    out = [_answer(a) for a in got]
    allowed = sum(1 for x in out if x.allowed)
    return s.DecideBatchOut(decisions=out, allowed=allowed, refused=len(out) - allowed)


@router.get("/consent/decisions", response_model=Page[s.DecisionLogRead])
def decision_log(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
                 outcome: Annotated[str | None, Query(max_length=10)] = None,
                 since: Annotated[str | None, Query(max_length=40)] = None,
                 until: Annotated[str | None, Query(max_length=40)] = None,
                 ) -> Page[s.DecisionLogRead]:
    """The gate's decisions, newest first; ``since``/``until`` by the time policy (a bare
    date is a Beijing day: ``since`` from its start, ``until`` up to its start)."""
    rows, total = consent.decision_log(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        offset=page.offset, limit=page.limit, outcome=outcome,
        since=parse_instant(since, "since") if since else None,
        until=parse_instant(until, "until") if until else None)
    return Page[s.DecisionLogRead](items=[s.DecisionLogRead.model_validate(r) for r in rows],
                                   total=total, offset=page.offset, limit=page.limit)


@router.post("/consent/unconsented-merges", response_model=s.UnconsentedMergeRead,
             status_code=201)
def report_unconsented_merge(platform_id: str, body: s.UnconsentedMergeIn,
                             session: SessionDep, actor: ConsentWriter, request: Request,
                             tasks: BackgroundTasks) -> s.UnconsentedMergeRead:
    """Report a merge of personal data across two services done without consent (指南
    第十八条); kept as reported and logged in the ledger."""
    m = consent.report_unconsented_merge(session=session, actor=actor,
                                         platform_id=_pid(session, platform_id), data=body)
    _kick(request, tasks)
    return s.UnconsentedMergeRead.model_validate(m)


@router.get("/consent/unconsented-merges", response_model=Page[s.UnconsentedMergeRead])
def unconsented_merges(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
                       ) -> Page[s.UnconsentedMergeRead]:
    """Merges reported as done without consent, newest first."""
    rows, total = consent.unconsented_merges(session=session, actor=actor,
                                             platform_id=_pid(session, platform_id),
                                             offset=page.offset, limit=page.limit)
    return Page[s.UnconsentedMergeRead](
        items=[s.UnconsentedMergeRead.model_validate(r) for r in rows], total=total,
        offset=page.offset, limit=page.limit)
