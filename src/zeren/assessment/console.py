"""Console pages of assessment: the platform's risk register with its assessments, algorithms,
emergency plans and published reports; one assessment run (indicators with their sources,
judgements, sign-offs, what still blocks, a chart); an audit engagement's workspace (scope,
period, bundles, findings, reports); the posture trend per article (status over time from
stored evaluations) and the group heat map (platforms × articles). Charts are SVG rendered
on the server (ADR 0704); pages read through the same services as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from zeren.assessment import domain as d
from zeren.assessment.services import (
    algorithms,
    assessments,
    bundles,
    charts,
    engagements,
    findings,
    posture_views,
    public_reports,
    reports,
    risks,
)
from zeren.console.web import ConsoleActor, ConsolePages, render
from zeren.deps import SessionDep
from zeren.hookspecs import hookimpl
from zeren.platforms.service import platform_for
from zeren.timepolicy import format_beijing

HERE = Path(__file__).resolve().parent
router = APIRouter(include_in_schema=False)


@router.get("/platforms/{ref}/assessment", response_class=HTMLResponse)
def register_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    p = platform_for(session=s, actor=actor, platform_ref=ref, permission="assessment.read")
    cat = d.catalogue()
    reg = risks.register(session=s, actor=actor, platform_id=p.id)
    mits = risks.mitigations(session=s, risk_ids=[r.id for r in reg])
    algos = algorithms.algorithms(session=s, actor=actor, platform_id=p.id)
    revs = algorithms.reviews(session=s, algorithm_ids=[a.id for a in algos])
    plans = algorithms.plans(session=s, actor=actor, platform_id=p.id)
    drills = algorithms.drills(session=s, plan_ids=[x.id for x in plans])
    return render(request, "asmt_register.html", p=p, cat=cat, risks=reg, mits=mits,
                  assessments=assessments.list_for(session=s, actor=actor, platform_id=p.id),
                  algos=algos, revs=revs, plans=plans, drills=drills,
                  published=public_reports.published(session=s, platform_id=p.id),
                  engagements=engagements.list_for(session=s, actor=actor, platform_id=p.id))


@router.get("/platforms/{ref}/assessment/runs/{assessment_id}", response_class=HTMLResponse)
def run_page(request: Request, ref: str, assessment_id: str, s: SessionDep,
             actor: ConsoleActor) -> Response:
    p = platform_for(session=s, actor=actor, platform_ref=ref, permission="assessment.read")
    a = assessments.get(session=s, actor=actor, assessment_id=assessment_id)
    cat = d.catalogue()
    inds = assessments.indicators(session=s, assessment_id=a.id)
    numeric = {cat.indicators[x.key].zh: x.value["value"] for x in inds
               if x.key in cat.indicators and isinstance(x.value.get("value"), int | float)
               and x.key in ("reports_total", "cases_opened", "sla_breaches", "patrol_hits",
                             "patrol_hits_handled", "appeals_decided")}
    reg = {r.id: r for r in risks.register(session=s, actor=actor, platform_id=p.id)}
    return render(request, "asmt_run.html", p=p, a=a, cat=cat, inds=inds,
                  judged=assessments.judgements(session=s, assessment_id=a.id), reg=reg,
                  signoffs=assessments.signoffs(session=s, assessment_id=a.id),
                  blockers=assessments.blockers(session=s, a=a)
                  if a.status == d.AssessmentStatus.IN_PROGRESS else [],
                  chart=charts.bar("本期指标 Indicators", numeric) if numeric else "")


@router.get("/platforms/{ref}/audit/engagements/{engagement_id}", response_class=HTMLResponse)
def engagement_page(request: Request, ref: str, engagement_id: str, s: SessionDep,
                    actor: ConsoleActor) -> Response:
    p = platform_for(session=s, actor=actor, platform_ref=ref, permission="assessment.read")
    e = engagements.get(session=s, actor=actor, engagement_id=engagement_id)
    fs = findings.findings(session=s, actor=actor, engagement_id=e.id)
    return render(request, "asmt_engagement.html", p=p, e=e, findings=fs,
                  overdue={f.id: findings.overdue(f) for f in fs},
                  bundles=bundles.bundles(session=s, actor=actor, engagement_id=e.id),
                  reports=reports.reports(session=s, actor=actor, engagement_id=e.id))


@router.get("/platforms/{ref}/assessment/posture-trend", response_class=HTMLResponse)
def trend_page(request: Request, ref: str, s: SessionDep, actor: ConsoleActor) -> Response:
    p = platform_for(session=s, actor=actor, platform_ref=ref, permission="posture.read")
    m = posture_views.trend(session=s, platform_id=p.id, limit=30)
    return render(request, "asmt_trend.html", p=p, m=m,
                  chart=charts.status_matrix("各条款合规状态趋势 Posture by article over time", m)
                  if m.cols else "")


@router.get("/assessment/heatmap", response_class=HTMLResponse)
def heatmap_page(request: Request, s: SessionDep, actor: ConsoleActor) -> Response:
    m = posture_views.heatmap(session=s, platform_ids=actor.platform_ids)
    return render(request, "asmt_heatmap.html", m=m, fmt=format_beijing,
                  chart=charts.status_matrix("集团合规热力图 Group heat map", m)
                  if m.rows else "")


@hookimpl
def zeren_console_pages() -> list[ConsolePages]:
    return [ConsolePages(router=router, templates=HERE / "templates" / "console")]
