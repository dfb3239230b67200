"""HTTP routes of the audit engagement (指南 第八条): engagements, evidence bundles, findings
with remediation, the audit report and its signature; and of the risk register and the
yearly risk assessment (第六条), the algorithm register and emergency plans (第七条).
``assessment.work`` lets an auditor or the platform's side reach a route; the services decide
who may do what on which engagement."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse

from zeren.assessment import domain as d
from zeren.assessment import schemas as s
from zeren.assessment.services import (
    algorithms,
    assessments,
    bundles,
    engagements,
    findings,
    public_reports,
    reports,
    risks,
    transparency,
)
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.deps import SessionDep, public, require
from zeren.ledger.outbox import flusher_for
from zeren.platforms.service import get_platform
from zeren.settings_dep import settings_of
from zeren.timepolicy import parse_optional

router = APIRouter(tags=["audit"])
Reader = Annotated[Actor, Depends(require("assessment.read"))]
Engager = Annotated[Actor, Depends(require("assessment.engage"))]
Worker = Annotated[Actor, Depends(require("assessment.work"))]
E = "/audit/engagements/{engagement_id}"


def _finding(f: object) -> s.FindingRead:
    out = s.FindingRead.model_validate(f)
    out.overdue = findings.overdue(f)  # type: ignore[arg-type]
    return out


@router.post("/platforms/{platform_id}/audit/engagements", response_model=s.EngagementRead,
             status_code=201)
def open_engagement(platform_id: str, body: s.EngagementIn, session: SessionDep,
                    actor: Engager) -> s.EngagementRead:
    pid = get_platform(session=session, platform_ref=platform_id).id
    return s.EngagementRead.model_validate(engagements.create(
        session=session, actor=actor, platform_id=pid, data=body))


@router.get("/platforms/{platform_id}/audit/engagements", response_model=list[s.EngagementRead])
def list_engagements(platform_id: str, session: SessionDep, actor: Reader
                     ) -> list[s.EngagementRead]:
    pid = get_platform(session=session, platform_ref=platform_id).id
    return [s.EngagementRead.model_validate(e) for e in engagements.list_for(
        session=session, actor=actor, platform_id=pid)]


@router.get("/audit/bundle-key", response_class=PlainTextResponse)
def bundle_key(request: Request, actor: Reader) -> str:
    """The platform's verifier key for evidence bundles (pin it: ``zeren-verify bundle
    --vkey``)."""
    return bundles.bundle_vkey(settings_of(request).data_dir) + "\n"


@router.get(E, response_model=s.EngagementRead)
def get_engagement(engagement_id: str, session: SessionDep, actor: Reader
                   ) -> s.EngagementRead:
    return s.EngagementRead.model_validate(engagements.get(
        session=session, actor=actor, engagement_id=engagement_id))


@router.post(E + "/bundles", response_model=s.BundleRead, status_code=201)
def build_bundle(engagement_id: str, body: s.BundleIn, request: Request, session: SessionDep,
                 actor: Worker) -> s.BundleRead:
    return s.BundleRead.model_validate(bundles.build(
        session=session, actor=actor, engagement_id=engagement_id, data=body,
        data_dir=settings_of(request).data_dir))


@router.get(E + "/bundles", response_model=list[s.BundleRead])
def list_bundles(engagement_id: str, session: SessionDep, actor: Reader) -> list[s.BundleRead]:
    return [s.BundleRead.model_validate(b) for b in bundles.bundles(
        session=session, actor=actor, engagement_id=engagement_id)]


@router.get(E + "/bundles/{bundle_id}/file")
def bundle_download(engagement_id: str, bundle_id: str, request: Request, session: SessionDep,
                    actor: Reader) -> FileResponse:
    b, path = bundles.open_bundle(session=session, actor=actor, engagement_id=engagement_id,
                                  bundle_id=bundle_id, data_dir=settings_of(request).data_dir)
    return FileResponse(path, media_type="application/zip",
                        filename=f"evidence-bundle-{b.id}.zip",
                        headers={"X-Content-SHA256": b.sha256})


@router.post(E + "/findings", response_model=s.FindingRead, status_code=201)
def raise_finding(engagement_id: str, body: s.FindingIn, session: SessionDep, actor: Worker
                  ) -> s.FindingRead:
    return _finding(findings.raise_finding(session=session, actor=actor,
                                           engagement_id=engagement_id, data=body))


@router.get(E + "/findings", response_model=list[s.FindingRead])
def list_findings(engagement_id: str, session: SessionDep, actor: Reader
                  ) -> list[s.FindingRead]:
    return [_finding(f) for f in findings.findings(session=session, actor=actor,
                                                   engagement_id=engagement_id)]


FindingNumber = Annotated[int, Path(ge=1, le=10**9)]

@router.post(E + "/findings/{number}/moves", response_model=s.FindingRead)
def move_finding(engagement_id: str, number: FindingNumber, body: s.FindingMove, session: SessionDep,
                 actor: Worker) -> s.FindingRead:
    return _finding(findings.move(session=session, actor=actor, engagement_id=engagement_id,
                                  number=number, data=body))


@router.get(E + "/findings/{number}/events", response_model=list[s.FindingEventRead])
def finding_events(engagement_id: str, number: FindingNumber, session: SessionDep, actor: Reader
                   ) -> list[s.FindingEventRead]:
    return [s.FindingEventRead.model_validate(x) for x in findings.events(
        session=session, actor=actor, engagement_id=engagement_id, number=number)]


def _report(r: object, sig: object | None) -> s.ReportRead:
    out = s.ReportRead.model_validate(r)
    out.signed_text = reports.signed_text(out.sha256, out.pdf_sha256)
    out.signature = getattr(sig, "note", None)
    return out


@router.post(E + "/reports", response_model=s.ReportRead, status_code=201)
def draft_report(engagement_id: str, body: s.ReportIn, request: Request, session: SessionDep,
                 actor: Worker) -> s.ReportRead:
    return _report(reports.draft(session=session, actor=actor, engagement_id=engagement_id,
                                 data=body, data_dir=settings_of(request).data_dir), None)


@router.get(E + "/reports", response_model=list[s.ReportRead])
def list_reports(engagement_id: str, session: SessionDep, actor: Reader) -> list[s.ReportRead]:
    return [_report(r, None) for r in reports.reports(session=session, actor=actor,
                                                      engagement_id=engagement_id)]


@router.get(E + "/reports/{report_id}", response_model=s.ReportRead)
def get_report(engagement_id: str, report_id: str, session: SessionDep, actor: Reader
               ) -> s.ReportRead:
    r, sig = reports.get_report(session=session, actor=actor, engagement_id=engagement_id,
                                report_id=report_id)
    return _report(r, sig)


@router.get(E + "/reports/{report_id}/html", response_class=HTMLResponse)
def report_html(engagement_id: str, report_id: str, session: SessionDep, actor: Reader
                ) -> HTMLResponse:
    r, _sig = reports.get_report(session=session, actor=actor, engagement_id=engagement_id,
                                 report_id=report_id)
    return HTMLResponse(r.html, headers={"X-Content-SHA256": r.sha256})


@router.get(E + "/reports/{report_id}/pdf")
def report_pdf(engagement_id: str, report_id: str, request: Request, session: SessionDep,
               actor: Reader) -> FileResponse:
    r, path = reports.report_pdf(session=session, actor=actor, engagement_id=engagement_id,
                                 report_id=report_id, data_dir=settings_of(request).data_dir)
    return FileResponse(path, media_type="application/pdf", filename=f"audit-report-{r.id}.pdf",
                        headers={"X-Content-SHA256": r.pdf_sha256})


@router.post(E + "/reports/{report_id}/signature", response_model=s.ReportRead)
def sign_report(engagement_id: str, report_id: str, body: s.SignatureIn, request: Request,
                tasks: BackgroundTasks, session: SessionDep, actor: Worker) -> s.ReportRead:
    sig = reports.sign(session=session, actor=actor, engagement_id=engagement_id,
                       report_id=report_id, data=body)
    r, _ = reports.get_report(session=session, actor=actor, engagement_id=engagement_id,
                              report_id=report_id)
    tasks.add_task(flusher_for(request.app.state.engine, settings_of(request).data_dir).kick)
    return _report(r, sig)


# -- the risk register and the yearly assessment (指南 第六条) -------------------------------

Assessor = Annotated[Actor, Depends(require("assessment.assess"))]
Signer = Annotated[Actor, Depends(require("assessment.approve"))]
A = "/assessments/{assessment_id}"


@router.get("/assessment/catalogue")
def catalogue(actor: Reader) -> dict[str, object]:
    """The shipped catalogue: Art 6's kinds and risks, the systems, the scale, the
    indicators, each with its source."""
    return risks.catalogue_dict()


def _risk(r: object, mits: list[object]) -> s.RiskRead:
    out = s.RiskRead.model_validate(r)
    cat = d.catalogue()
    out.level = cat.level(out.likelihood, out.impact).key
    out.residual_level = cat.level(out.residual_likelihood, out.residual_impact).key
    out.mitigations = [s.MitigationRead.model_validate(m) for m in mits]
    return out


@router.post("/platforms/{platform_id}/risks", response_model=s.RiskRead, status_code=201)
def add_risk(platform_id: str, body: s.RiskIn, session: SessionDep, actor: Assessor
             ) -> s.RiskRead:
    pid = get_platform(session=session, platform_ref=platform_id).id
    return _risk(risks.add(session=session, actor=actor, platform_id=pid, data=body), [])


@router.get("/platforms/{platform_id}/risks", response_model=list[s.RiskRead])
def risk_register(platform_id: str, session: SessionDep, actor: Reader) -> list[s.RiskRead]:
    pid = get_platform(session=session, platform_ref=platform_id).id
    got = risks.register(session=session, actor=actor, platform_id=pid)
    mits = risks.mitigations(session=session, risk_ids=[r.id for r in got])
    return [_risk(r, list(mits[r.id])) for r in got]


@router.patch("/risks/{risk_id}", response_model=s.RiskRead)
def change_risk(risk_id: str, body: s.RiskChange, session: SessionDep, actor: Assessor
                ) -> s.RiskRead:
    r = risks.change(session=session, actor=actor, risk_id=risk_id, data=body)
    return _risk(r, list(risks.mitigations(session=session, risk_ids=[r.id])[r.id]))


@router.post("/risks/{risk_id}/mitigations", response_model=s.MitigationRead, status_code=201)
def add_mitigation(risk_id: str, body: s.MitigationIn, session: SessionDep, actor: Assessor
                   ) -> s.MitigationRead:
    return s.MitigationRead.model_validate(risks.add_mitigation(
        session=session, actor=actor, risk_id=risk_id, data=body))


def _assessment(session: SessionDep, a: object) -> s.AssessmentRead:
    out = s.AssessmentRead.model_validate(a)
    out.indicators = [s.IndicatorRead.model_validate(x)
                      for x in assessments.indicators(session=session, assessment_id=out.id)]
    out.judgements = [s.JudgementRead.model_validate(x)
                      for x in assessments.judgements(session=session, assessment_id=out.id)]
    out.signoffs = [s.SignoffRead.model_validate(x)
                    for x in assessments.signoffs(session=session, assessment_id=out.id)]
    if out.status == d.AssessmentStatus.IN_PROGRESS:
        out.blockers = [{"field": f, "reason": r}
                        for f, r in assessments.blockers(session=session, a=a)]  # type: ignore[arg-type]
    return out


@router.post("/platforms/{platform_id}/assessments", response_model=s.AssessmentRead,
             status_code=201)
def start_assessment(platform_id: str, body: s.AssessmentIn, session: SessionDep,
                     actor: Assessor) -> s.AssessmentRead:
    pid = get_platform(session=session, platform_ref=platform_id).id
    return _assessment(session, assessments.start(session=session, actor=actor,
                                                  platform_id=pid, data=body))


@router.get("/platforms/{platform_id}/assessments", response_model=list[s.AssessmentRead])
def list_assessments(platform_id: str, session: SessionDep, actor: Reader
                     ) -> list[s.AssessmentRead]:
    pid = get_platform(session=session, platform_ref=platform_id).id
    return [_assessment(session, a) for a in assessments.list_for(
        session=session, actor=actor, platform_id=pid)]


@router.get(A, response_model=s.AssessmentRead)
def get_assessment(assessment_id: str, session: SessionDep, actor: Reader
                   ) -> s.AssessmentRead:
    return _assessment(session, assessments.get(session=session, actor=actor,
                                                assessment_id=assessment_id))


@router.post(A + "/indicators", response_model=s.AssessmentRead)
def pull_indicators(assessment_id: str, session: SessionDep, actor: Assessor
                    ) -> s.AssessmentRead:
    assessments.pull_indicators(session=session, actor=actor, assessment_id=assessment_id)
    return _assessment(session, assessments.get(session=session, actor=actor,
                                                assessment_id=assessment_id))


@router.post(A + "/judgements", response_model=s.JudgementRead, status_code=201)
def judge(assessment_id: str, body: s.JudgementIn, session: SessionDep, actor: Assessor
          ) -> s.JudgementRead:
    return s.JudgementRead.model_validate(assessments.judge(
        session=session, actor=actor, assessment_id=assessment_id, data=body))


@router.post(A + "/signoffs", response_model=s.AssessmentRead)
def sign_off(assessment_id: str, body: s.SignoffIn, session: SessionDep, actor: Signer
             ) -> s.AssessmentRead:
    return _assessment(session, assessments.sign(session=session, actor=actor,
                                                 assessment_id=assessment_id, data=body))


# -- the algorithm register and emergency plans (指南 第七条) --------------------------------


def _algorithm(session: SessionDep, a: object) -> s.AlgorithmRead:
    out = s.AlgorithmRead.model_validate(a)
    out.reviews = [s.AlgorithmReviewRead.model_validate(r) for r in algorithms.reviews(
        session=session, algorithm_ids=[out.id])[out.id]]
    return out


@router.post("/platforms/{platform_id}/algorithms", response_model=s.AlgorithmRead,
             status_code=201)
def register_algorithm(platform_id: str, body: s.AlgorithmIn, session: SessionDep,
                       actor: Assessor) -> s.AlgorithmRead:
    pid = get_platform(session=session, platform_ref=platform_id).id
    return _algorithm(session, algorithms.register_algorithm(
        session=session, actor=actor, platform_id=pid, data=body))


@router.get("/platforms/{platform_id}/algorithms", response_model=list[s.AlgorithmRead])
def algorithm_register(platform_id: str, session: SessionDep, actor: Reader
                       ) -> list[s.AlgorithmRead]:
    pid = get_platform(session=session, platform_ref=platform_id).id
    return [_algorithm(session, a) for a in algorithms.algorithms(
        session=session, actor=actor, platform_id=pid)]


@router.patch("/algorithms/{algorithm_id}", response_model=s.AlgorithmRead)
def change_algorithm(algorithm_id: str, body: s.AlgorithmChange, session: SessionDep,
                     actor: Assessor) -> s.AlgorithmRead:
    return _algorithm(session, algorithms.change_algorithm(
        session=session, actor=actor, algorithm_id=algorithm_id, data=body))


@router.post("/algorithms/{algorithm_id}/reviews", response_model=s.AlgorithmReviewRead,
             status_code=201)
def review_algorithm(algorithm_id: str, body: s.AlgorithmReviewIn, session: SessionDep,
                     actor: Assessor) -> s.AlgorithmReviewRead:
    return s.AlgorithmReviewRead.model_validate(algorithms.review(
        session=session, actor=actor, algorithm_id=algorithm_id, data=body))


def _plan(session: SessionDep, p: object) -> s.PlanRead:
    out = s.PlanRead.model_validate(p)
    out.drills = [s.DrillRead.model_validate(x) for x in algorithms.drills(
        session=session, plan_ids=[out.id])[out.id]]
    return out


@router.post("/platforms/{platform_id}/emergency-plans", response_model=s.PlanRead,
             status_code=201)
def add_plan(platform_id: str, body: s.PlanIn, session: SessionDep, actor: Assessor
             ) -> s.PlanRead:
    pid = get_platform(session=session, platform_ref=platform_id).id
    return _plan(session, algorithms.add_plan(session=session, actor=actor, platform_id=pid,
                                              data=body))


@router.get("/platforms/{platform_id}/emergency-plans", response_model=list[s.PlanRead])
def list_plans(platform_id: str, session: SessionDep, actor: Reader) -> list[s.PlanRead]:
    pid = get_platform(session=session, platform_ref=platform_id).id
    return [_plan(session, p) for p in algorithms.plans(session=session, actor=actor,
                                                        platform_id=pid)]


@router.post("/emergency-plans/{plan_id}/drills", response_model=s.DrillRead, status_code=201)
def add_drill(plan_id: str, body: s.DrillIn, session: SessionDep, actor: Assessor
              ) -> s.DrillRead:
    return s.DrillRead.model_validate(algorithms.drill(session=session, actor=actor,
                                                       plan_id=plan_id, data=body))


# -- the transparency report and the public risk report (指南 第七条) -----------------------

ReportsRead = Annotated[Actor, Depends(require("reports.read"))]
Public = Annotated[None, Depends(public)]


@router.get("/platforms/{platform_id}/reports/transparency", response_model=None)
def transparency_report(
    platform_id: str, session: SessionDep, actor: ReportsRead,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: Annotated[str | None, Query()] = None,
    format: Annotated[Literal["json", "csv", "html", "pdf"], Query()] = "json",
) -> Response:
    """The transparency report for [from, to) (default: the last 365 days): every figure
    moderation's periodic report computes, each linked to its query, with charts; as JSON,
    CSV, HTML or PDF (header ``X-Content-SHA256``)."""
    end = parse_optional(to, "to", utcnow())
    start = parse_optional(from_, "from", end - timedelta(days=365))
    pid = get_platform(session=session, platform_ref=platform_id).id
    data = transparency.build(session=session, actor=actor, platform_id=pid, start=start,
                              end=end)
    if format == "csv":
        body = transparency.to_csv(data).encode()
        media = "text/csv; charset=utf-8"
    elif format == "html":
        body = transparency.to_html(data).encode()
        media = "text/html; charset=utf-8"
    elif format == "pdf":
        body = transparency.to_pdf(data)
        media = "application/pdf"
    else:
        return JSONResponse(data)
    return Response(body, media_type=media,
                    headers={"X-Content-SHA256": hashlib.sha256(body).hexdigest()})


def _published(r: object) -> s.PublicReportRead:
    out = s.PublicReportRead.model_validate(r)
    out.url = f"/api/v1/public/risk-reports/{out.id}"
    out.pdf_url = out.url + "/pdf"
    return out


@router.post(A + "/risk-reports", response_model=s.PublicReportRead, status_code=201)
def publish_risk_report(assessment_id: str, request: Request, session: SessionDep,
                        actor: Assessor) -> s.PublicReportRead:
    """Publish the risk report of a signed assessment (HTML and PDF, public URL)."""
    return _published(public_reports.publish(session=session, actor=actor,
                                             assessment_id=assessment_id,
                                             data_dir=settings_of(request).data_dir))


@router.get("/platforms/{platform_id}/risk-reports", response_model=list[s.PublicReportRead])
def list_risk_reports(platform_id: str, session: SessionDep, actor: Reader
                      ) -> list[s.PublicReportRead]:
    pid = get_platform(session=session, platform_ref=platform_id).id
    actor.require("assessment.read", pid)
    return [_published(r) for r in public_reports.published(session=session, platform_id=pid)]


@router.get("/public/risk-reports/{report_id}", response_class=HTMLResponse)
def public_risk_report(report_id: str, session: SessionDep, _: Public) -> HTMLResponse:
    """A published risk report, for anyone (no login)."""
    r = public_reports.get_public(session=session, report_id=report_id)
    return HTMLResponse(r.html, headers={"X-Content-SHA256": r.sha256})


@router.get("/public/risk-reports/{report_id}/pdf")
def public_risk_report_pdf(report_id: str, request: Request, session: SessionDep, _: Public
                           ) -> FileResponse:
    r = public_reports.get_public(session=session, report_id=report_id)
    return FileResponse(public_reports.pdf_path(settings_of(request).data_dir, r),
                        media_type="application/pdf", filename=f"risk-report-{r.id}.pdf",
                        headers={"X-Content-SHA256": r.pdf_sha256})
