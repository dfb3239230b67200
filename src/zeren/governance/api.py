"""HTTP routes of the governance registers: parse, call one service, choose the response
model. Interoperability requests (第三条); policies, courses, training imports and completion,
integrity cases and regulators' requests (第五条)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, UploadFile

from zeren.auth.policy import Actor
from zeren.deps import SessionDep, require
from zeren.errors import TooLarge
from zeren.governance import domain as d
from zeren.governance import schemas as s
from zeren.governance.services import compliance, interop
from zeren.pagination import Page, PageDep, page_of
from zeren.platforms.service import get_platform

router = APIRouter(prefix="/platforms/{platform_id}/governance", tags=["governance"])
Reader = Annotated[Actor, Depends(require("governance.read"))]
Writer = Annotated[Actor, Depends(require("governance.write"))]
Handler = Annotated[Actor, Depends(require("governance.integrity"))]
Reporter = Annotated[Actor, Depends(require("governance.integrity.report"))]
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
