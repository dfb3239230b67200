"""HTTP routes of the governance registers: parse, call one service, choose the response
model. Interoperability requests (第三条); policies, courses, training imports and completion,
integrity cases and regulators' requests (第五条)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, UploadFile

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.errors import TooLarge
from zeren.governance import domain as d
from zeren.governance import schemas as s
from zeren.governance.services import compliance, deals, enforcement, figures, interop
from zeren.ledger.outbox import flusher_for
from zeren.pagination import Page, PageDep, page_of
from zeren.platforms.service import get_platform

router = APIRouter(prefix="/platforms/{platform_id}/governance", tags=["governance"])
Reader = Annotated[Actor, Depends(require("governance.read"))]
Writer = Annotated[Actor, Depends(require("governance.write"))]
Handler = Annotated[Actor, Depends(require("governance.integrity"))]
Reporter = Annotated[Actor, Depends(require("governance.integrity.report"))]
Exporter = Annotated[Actor, Depends(require("governance.enforcement"))]
Id = Annotated[str, Path(min_length=1, max_length=36)]
CodeP = Annotated[str, Path(min_length=1, max_length=60)]
MAX_UPLOAD = 20 * 1024 * 1024


def _pid(session: SessionDep, platform_id: str) -> str:
    return get_platform(session=session, platform_ref=platform_id).id


# ----------------------------------------------------------------------- 第三条


@router.post("/interop", response_model=s.InteropRead, status_code=201)
def record_interop(platform_id: str, body: s.InteropIn, session: SessionDep, actor: Writer
                   ) -> s.InteropRead:
    """Record an interoperability or access request as received (指南 第三条)."""
    return s.InteropRead.model_validate(interop.record_request(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/interop", response_model=Page[s.InteropRead])
def list_interop(platform_id: str, session: SessionDep, actor: Reader, page: PageDep,
                 open_only: bool = False) -> Page[s.InteropRead]:
    rows, total = interop.list_requests(session=session, actor=actor,
                                        platform_id=_pid(session, platform_id), params=page,
                                        open_only=open_only)
    return page_of([s.InteropRead.model_validate(r) for r in rows], total, page)


@router.get("/interop/grounds")
def interop_grounds(platform_id: str, actor: Reader) -> dict[str, dict[str, str]]:
    """The justified grounds a refusal may name, with their sources."""
    return {k: {"zh": t.zh, "en": t.en, "source": t.source}
            for k, t in d.interop_grounds().items()}


@router.post("/interop/{request_id}/decision", response_model=s.InteropRead)
def decide_interop(platform_id: str, request_id: Id, body: s.InteropDecisionIn,
                   session: SessionDep, actor: Writer) -> s.InteropRead:
    """Decide once; a refusal names a justified ground and its reasons (409 when decided)."""
    return s.InteropRead.model_validate(interop.decide(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        request_id=request_id, data=body))


# ----------------------------------------------------------------------- 第五条 policies


@router.post("/policies", response_model=s.PolicyRead, status_code=201)
def add_policy(platform_id: str, body: s.PolicyIn, session: SessionDep, actor: Writer
               ) -> s.PolicyRead:
    return s.PolicyRead.model_validate(compliance.add_policy(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/policies", response_model=Page[s.PolicyRead])
def list_policies(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
                  ) -> Page[s.PolicyRead]:
    rows, total = compliance.list_policies(session=session, actor=actor,
                                           platform_id=_pid(session, platform_id), params=page)
    return page_of([s.PolicyRead.model_validate(r) for r in rows], total, page)


@router.post("/policies/{code}/versions", response_model=s.PolicyRead, status_code=201)
def add_version(platform_id: str, code: CodeP, body: s.PolicyVersionIn, session: SessionDep,
                actor: Writer) -> s.PolicyRead:
    return s.PolicyRead.model_validate(compliance.add_version(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code,
        data=body))


@router.post("/policies/{code}/reviews", response_model=s.PolicyRead, status_code=201)
def review_policy(platform_id: str, code: CodeP, body: s.PolicyReviewIn, session: SessionDep,
                  actor: Writer) -> s.PolicyRead:
    return s.PolicyRead.model_validate(compliance.review_policy(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code,
        data=body))


@router.get("/policies/{code}/history", response_model=list[s.PolicyEventRead])
def policy_history(platform_id: str, code: CodeP, session: SessionDep, actor: Reader
                   ) -> list[s.PolicyEventRead]:
    return [s.PolicyEventRead.model_validate(e) for e in compliance.policy_history(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code)]


# ----------------------------------------------------------------------- 第五条 training


@router.post("/courses", response_model=s.CourseRead, status_code=201)
def add_course(platform_id: str, body: s.CourseIn, session: SessionDep, actor: Writer
               ) -> s.CourseRead:
    return s.CourseRead.model_validate(compliance.add_course(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/courses", response_model=list[s.CourseRead])
def list_courses(platform_id: str, session: SessionDep, actor: Reader) -> list[s.CourseRead]:
    return [s.CourseRead.model_validate(c) for c in compliance.list_courses(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


@router.post("/trainings/imports", response_model=s.TrainingImportRead, status_code=201)
async def import_trainings(platform_id: str, file: UploadFile, session: SessionDep,
                           actor: Writer) -> s.TrainingImportRead:
    """Import completion records from CSV (person, course, completed_on[, score]); all or
    nothing, the first bad row named with its field."""
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise TooLarge(f"the file is larger than {MAX_UPLOAD // 2**20} MiB",
                       details={"field": "file"})
    return s.TrainingImportRead.model_validate(compliance.import_completions(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        filename=file.filename or "upload.csv", content=content))


@router.get("/trainings/imports", response_model=list[s.TrainingImportRead])
def list_training_imports(platform_id: str, session: SessionDep, actor: Reader
                          ) -> list[s.TrainingImportRead]:
    return [s.TrainingImportRead.model_validate(i) for i in compliance.list_imports(
        session=session, actor=actor, platform_id=_pid(session, platform_id))]


@router.get("/trainings/completion", response_model=list[s.DutyCompletionRead])
def training_completion(platform_id: str, session: SessionDep, actor: Reader
                        ) -> list[s.DutyCompletionRead]:
    """Completion per duty today against the threshold in data."""
    got = compliance.completion(session=session, actor=actor,
                                platform_id=_pid(session, platform_id))
    return [s.DutyCompletionRead(duty=c.duty, holders=c.holders, completed=c.completed,
                                 share=c.share, threshold=d.training_threshold(),
                                 missing=list(c.missing)) for c in got]


# ----------------------------------------------------------------------- 第五条 integrity


@router.post("/integrity/cases", response_model=s.IntegrityReceipt, status_code=201)
def report_case(platform_id: str, body: s.IntegrityIn, session: SessionDep, actor: Reporter
                ) -> s.IntegrityReceipt:
    """The confidential channel: file an integrity (anti-bribery) report; the answer is the
    reference to follow up, nothing else."""
    c = compliance.report_case(session=session, actor=actor,
                               platform_id=_pid(session, platform_id), data=body)
    return s.IntegrityReceipt(reference=c.reference, received_at=c.received_at)


@router.get("/integrity/cases", response_model=Page[s.IntegrityRead])
def list_cases(platform_id: str, session: SessionDep, actor: Handler, page: PageDep
               ) -> Page[s.IntegrityRead]:
    rows, total = compliance.list_cases(session=session, actor=actor,
                                        platform_id=_pid(session, platform_id), params=page)
    return page_of([s.IntegrityRead.model_validate(r) for r in rows], total, page)


@router.post("/integrity/cases/{case_id}/acknowledge", response_model=s.IntegrityRead)
def acknowledge_case(platform_id: str, case_id: Id, session: SessionDep, actor: Handler
                     ) -> s.IntegrityRead:
    return s.IntegrityRead.model_validate(compliance.acknowledge_case(
        session=session, actor=actor, platform_id=_pid(session, platform_id), case_id=case_id))


@router.post("/integrity/cases/{case_id}/close", response_model=s.IntegrityRead)
def close_case(platform_id: str, case_id: Id, body: s.IntegrityCloseIn, session: SessionDep,
               actor: Handler) -> s.IntegrityRead:
    return s.IntegrityRead.model_validate(compliance.close_case(
        session=session, actor=actor, platform_id=_pid(session, platform_id), case_id=case_id,
        data=body))


# ----------------------------------------------------------------------- 第五条 regulators


@router.post("/regulator-requests", response_model=s.RegulatorRead, status_code=201)
def record_regulator_request(platform_id: str, body: s.RegulatorIn, session: SessionDep,
                             actor: Writer) -> s.RegulatorRead:
    return s.RegulatorRead.model_validate(compliance.record_regulator_request(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/regulator-requests", response_model=Page[s.RegulatorRead])
def list_regulator_requests(platform_id: str, session: SessionDep, actor: Reader,
                            page: PageDep, open_only: bool = False) -> Page[s.RegulatorRead]:
    rows, total = compliance.list_regulator_requests(
        session=session, actor=actor, platform_id=_pid(session, platform_id), params=page,
        open_only=open_only)
    return page_of([s.RegulatorRead.model_validate(r) for r in rows], total, page)


@router.post("/regulator-requests/{request_id}/answer", response_model=s.RegulatorRead)
def answer_regulator_request(platform_id: str, request_id: Id, body: s.RegulatorAnswerIn,
                             session: SessionDep, actor: Writer) -> s.RegulatorRead:
    return s.RegulatorRead.model_validate(compliance.answer_regulator_request(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        request_id=request_id, data=body))


# ----------------------------------------------------------------------- 第十六条


@router.get("/concentrations/thresholds")
def thresholds(platform_id: str, actor: Reader) -> dict[str, object]:
    """The notification thresholds in data, with their source and unit."""
    t = d.thresholds()
    return {"version": t.version, "source": t.source, "unit": t.unit, "unit_zh": t.unit_zh,
            "rules": [{"id": r.id, "zh": r.zh, "source": r.source, "combined": r.combined,
                       "combined_over": r.combined_over, "each_china_over": r.each_china_over,
                       "parties_over": r.parties_over} for r in t.rules]}


@router.post("/concentrations/assess", response_model=s.AssessRead)
def assess(platform_id: str, body: s.AssessIn, session: SessionDep, actor: Reader
           ) -> s.AssessRead:
    """Whether the parties' turnovers meet the notification thresholds; records nothing."""
    r = deals.assess(actor=actor, platform_id=_pid(session, platform_id), data=body)
    return s.AssessRead(notifiable=r.notifiable, rule_id=r.rule_id,
                        thresholds_version=r.version, figures=r.figures,
                        explanation=r.explanation)


@router.post("/concentrations", response_model=s.DealRead, status_code=201)
def register_deal(platform_id: str, body: s.DealIn, session: SessionDep, actor: Writer
                  ) -> s.DealRead:
    """Register a planned concentration; whether it must be notified is decided and kept."""
    return s.DealRead.model_validate(deals.register_deal(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/concentrations", response_model=Page[s.DealRead])
def list_deals(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
               ) -> Page[s.DealRead]:
    rows, total = deals.list_deals(session=session, actor=actor,
                                   platform_id=_pid(session, platform_id), params=page)
    return page_of([s.DealRead.model_validate(r) for r in rows], total, page)


@router.get("/concentrations/{code}", response_model=s.DealRead)
def get_deal(platform_id: str, code: CodeP, session: SessionDep, actor: Reader) -> s.DealRead:
    return s.DealRead.model_validate(deals.get_deal(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code))


@router.get("/concentrations/{code}/history", response_model=list[s.DealEventRead])
def deal_history(platform_id: str, code: CodeP, session: SessionDep, actor: Reader
                 ) -> list[s.DealEventRead]:
    return [s.DealEventRead.model_validate(e) for e in deals.deal_history(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code)]


@router.post("/concentrations/{code}/filing", response_model=s.DealRead)
def record_filing(platform_id: str, code: CodeP, body: s.FilingIn, session: SessionDep,
                  actor: Writer) -> s.DealRead:
    return s.DealRead.model_validate(deals.record_filing(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code,
        data=body))


@router.post("/concentrations/{code}/clearance", response_model=s.DealRead)
def record_clearance(platform_id: str, code: CodeP, body: s.ClearanceIn, session: SessionDep,
                     actor: Writer) -> s.DealRead:
    return s.DealRead.model_validate(deals.record_clearance(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code,
        data=body))


@router.post("/concentrations/{code}/close", response_model=s.DealRead)
def close_deal(platform_id: str, code: CodeP, body: s.ClosingIn, session: SessionDep,
               actor: Writer) -> s.DealRead:
    """Record the concentration carried out; refused (409 ``filing_required``) for a deal
    that must be notified until its filing and clearance are recorded."""
    return s.DealRead.model_validate(deals.close_deal(
        session=session, actor=actor, platform_id=_pid(session, platform_id), code=code,
        data=body))


# ----------------------------------------------------------------------- 第三十四条


@router.post("/enforcement", response_model=s.EnforcementRead, status_code=201)
def record_enforcement(platform_id: str, body: s.EnforcementIn, session: SessionDep,
                       actor: Writer) -> s.EnforcementRead:
    """Record an authority's request for data; with ``hold`` the ledger records in scope are
    held against erasure until the request is closed."""
    return s.EnforcementRead.model_validate(enforcement.record_request(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/enforcement", response_model=Page[s.EnforcementRead])
def list_enforcement(platform_id: str, session: SessionDep, actor: Reader, page: PageDep
                     ) -> Page[s.EnforcementRead]:
    rows, total = enforcement.list_requests(session=session, actor=actor,
                                            platform_id=_pid(session, platform_id), params=page)
    return page_of([s.EnforcementRead.model_validate(r) for r in rows], total, page)


@router.post("/enforcement/{request_id}/exports", response_model=s.ExportRead,
             status_code=201)
def produce_export(platform_id: str, request_id: Id, session: SessionDep, actor: Exporter,
                   request: Request, tasks: BackgroundTasks) -> s.ExportRead:
    """Run the request's scoped query; the export's SHA-256 goes to the ledger."""
    exp = enforcement.produce_export(session=session, actor=actor,
                                     platform_id=_pid(session, platform_id),
                                     request_id=request_id)
    flusher = flusher_for(request.app.state.engine, request.app.state.settings.data_dir)
    tasks.add_task(flusher.kick)
    return s.ExportRead.model_validate(exp)


@router.get("/enforcement/{request_id}/exports", response_model=list[s.ExportRead])
def list_exports(platform_id: str, request_id: Id, session: SessionDep, actor: Reader
                 ) -> list[s.ExportRead]:
    return [s.ExportRead.model_validate(e) for e in enforcement.list_exports(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        request_id=request_id)]


@router.post("/enforcement/exports/{export_id}/read", response_model=s.ExportContent)
def read_export(platform_id: str, export_id: Id, body: s.ExportAccessIn, session: SessionDep,
                actor: Exporter) -> s.ExportContent:
    """An export's content; the read is kept with its purpose and audited."""
    return s.ExportContent.model_validate(enforcement.read_export(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        export_id=export_id, data=body))


@router.post("/enforcement/{request_id}/close", response_model=s.EnforcementRead)
def close_enforcement(platform_id: str, request_id: Id, session: SessionDep, actor: Writer
                      ) -> s.EnforcementRead:
    """Close a produced request; its retention holds are released."""
    return s.EnforcementRead.model_validate(enforcement.close_request(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        request_id=request_id))


@router.get("/holds", response_model=list[s.HoldRead])
def list_holds(platform_id: str, session: SessionDep, actor: Reader, active_only: bool = True
               ) -> list[s.HoldRead]:
    return [s.HoldRead.model_validate(h) for h in enforcement.list_holds(
        session=session, actor=actor, platform_id=_pid(session, platform_id),
        active_only=active_only)]


# ----------------------------------------------------------------------- 第九、三十二条


@router.post("/figures", response_model=s.FiguresRead, status_code=201)
def record_figures(platform_id: str, body: s.FiguresIn, session: SessionDep, actor: Writer
                   ) -> s.FiguresRead:
    """Record a year's innovation or packaging figures with their evidence (a later
    recording of the same year and scope supersedes; both are kept)."""
    return s.FiguresRead.model_validate(figures.record_figures(
        session=session, actor=actor, platform_id=_pid(session, platform_id), data=body))


@router.get("/figures/{kind}", response_model=list[s.YearRead])
def figures_report(platform_id: str, kind: Annotated[str, Path(max_length=20)],
                   session: SessionDep, actor: Reader,
                   scope: Annotated[str, Query(max_length=200)] = "platform"
                   ) -> list[s.YearRead]:
    """The figures year over year, each field with its change from the year before."""
    return [s.YearRead(**r) for r in figures.report(
        session=session, actor=actor, platform_id=_pid(session, platform_id), kind=kind,
        scope=scope)]
