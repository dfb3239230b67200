"""The public risk report (风险评估报告, 指南 第七条 (二) 定期发布风险评估报告，接受社会监督):
made from a signed assessment — its indicators with their sources, the judged risks and their
mitigations, the sign-offs — with charts of the indicators and their trend over the
platform's signed assessments, as HTML and PDF in Chinese; published at a public URL with the
SHA-256 of each. Kept; publishing again makes a new report."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.models import Assessment, PublicRiskReport, Risk
from zeren.assessment.services import assessments, charts, pdf
from zeren.assessment.services import risks as risk_svc
from zeren.assessment.services.risks import ASSESS
from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.errors import Conflict, NotFound
from zeren.platforms.models import Platform
from zeren.timepolicy import format_beijing

TREND = ("reports_per_million_items", "sla_breaches", "reversal_rate")


def report_dir(data_dir: Path) -> Path:
    return data_dir / "assessment" / "public"


def _trend(session: Session, platform_id: str, upto: Assessment) -> dict[str, Any]:
    signed = [a for a in session.scalars(select(Assessment).where(
        Assessment.platform_id == platform_id,
        Assessment.status == d.AssessmentStatus.SIGNED.value,
        Assessment.period_end <= upto.period_end).order_by(Assessment.period_end))]
    x = [a.period_end.strftime("%Y-%m") for a in signed]
    series: dict[str, list[float | None]] = {k: [] for k in TREND}
    for a in signed:
        vals = {r.key: r.value.get("value")
                for r in assessments.indicators(session=session, assessment_id=a.id)}
        for k in TREND:
            v = vals.get(k)
            series[k].append(float(v) if isinstance(v, int | float) else None)
    return {"x": x, "series": series}


def content(session: Session, a: Assessment) -> dict[str, Any]:
    cat = d.catalogue()
    platform = session.get(Platform, a.platform_id)
    inds = assessments.indicators(session=session, assessment_id=a.id)
    judged = assessments.judgements(session=session, assessment_id=a.id)
    rmap = {r.id: r for r in session.scalars(select(Risk).where(
        Risk.id.in_([j.risk_id for j in judged])))}
    mits = risk_svc.mitigations(session=session, risk_ids=list(rmap))
    level_zh = {lv.key: lv.zh for lv in cat.levels}
    numeric = {cat.indicators[r.key].zh: r.value["value"] for r in inds
               if isinstance(r.value.get("value"), int | float) and r.key in cat.indicators
               and r.key in ("reports_total", "cases_opened", "sla_breaches", "patrol_hits",
                             "patrol_hits_handled", "appeals_decided")}
    trend = _trend(session, a.platform_id, a)
    return {
        "a": a, "platform": platform.name if platform else a.platform_id,
        "start": format_beijing(a.period_start), "end": format_beijing(a.period_end),
        "indicators": [(cat.indicators[r.key].zh if r.key in cat.indicators else r.key, r.key,
                        r.value.get("value"), r.source, r.sha256) for r in inds],
        "risks": [(rmap[j.risk_id].title, cat.kinds[rmap[j.risk_id].kind].zh,
                   level_zh.get(j.level, j.level), level_zh.get(j.residual_level,
                                                               j.residual_level),
                   "；".join(f"{m.description}（{m.owner}，{m.due_on}）"
                            for m in mits[j.risk_id]) or "—", j.text)
                  for j in judged if j.risk_id in rmap],
        "signoffs": [(s.role, s.username, format_beijing(s.created_at))
                     for s in assessments.signoffs(session=session, assessment_id=a.id)],
        "charts": [("本期指标 Indicators of the period", charts.bar("本期指标", numeric)),
                   ("趋势 Trend over signed assessments", charts.lines(
                       "指标趋势", trend["x"], {cat.indicators[k].zh: v
                                                for k, v in trend["series"].items()}))],
    }


def render_html(c: dict[str, Any]) -> str:
    from zeren.assessment.services.reports import _env

    return _env().get_template("risk_report.html").render(**c)


def render_pdf(c: dict[str, Any]) -> bytes:
    a: Assessment = c["a"]
    return pdf.render(
        title=f"风险评估报告 Risk assessment report — {c['platform']}",
        meta=[f"评估期间 Period: {c['start']} — {c['end']}",
              f"签署 Signed: {a.signed_on}；下一次评估 Next due: {a.next_due_on}"],
        sections=[
            ("一、指标 Indicators", [["指标", "数值", "来源"]] + [
                [zh, "—" if v is None else str(v), src] for zh, _k, v, src, _s
                in c["indicators"]]),
            ("二、风险与防控措施 Risks and mitigations", [["风险", "类别", "等级", "剩余",
                                                   "防控措施"]] + [
                [t, k, lv, rl, m] for t, k, lv, rl, m, _j in c["risks"]]),
            ("三、图表 Charts", [pdf.Svg(svg) for _t, svg in c["charts"]]),
            ("四、签署 Sign-offs", "\n".join(f"{r}: {u} {at}" for r, u, at in c["signoffs"])),
        ],
        created_at=a.created_at)


def publish(*, session: Session, actor: Actor, assessment_id: str, data_dir: Path
            ) -> PublicRiskReport:
    """Publish the risk report of a signed assessment (HTML and PDF)."""
    a = assessments.get(session=session, actor=actor, assessment_id=assessment_id)
    actor.require(ASSESS, a.platform_id)
    if a.status != d.AssessmentStatus.SIGNED:
        raise Conflict(f"assessment {a.id} is not signed: only a signed assessment is "
                       "published", details={"assessment_id": a.id, "status": a.status})
    c = content(session, a)
    html = render_html(c)
    body = render_pdf(c)
    pdf_sha = hashlib.sha256(body).hexdigest()
    folder = report_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{pdf_sha}.pdf").write_bytes(body)
    r = PublicRiskReport(assessment_id=a.id, platform_id=a.platform_id, html=html,
                         sha256=hashlib.sha256(html.encode()).hexdigest(), pdf_sha256=pdf_sha,
                         published_by=actor.username)
    session.add(r)
    session.flush()
    record(session=session, actor=actor, action="assessment.risk_report.publish",
           target_type="assessment", target_id=a.id, platform_id=a.platform_id,
           summary={"report_id": r.id, "sha256": r.sha256, "pdf_sha256": pdf_sha})
    return r


def get_public(*, session: Session, report_id: str) -> PublicRiskReport:
    """A published report, for anyone (it is public)."""
    r = session.get(PublicRiskReport, report_id)
    if r is None:
        raise NotFound(f"no published risk report {report_id}",
                       details={"report_id": report_id})
    return r


def pdf_path(data_dir: Path, r: PublicRiskReport) -> Path:
    path = report_dir(data_dir) / f"{r.pdf_sha256}.pdf"
    if not path.exists():
        raise NotFound(f"the PDF of risk report {r.id} is missing from the data folder",
                       details={"report_id": r.id})
    return path


def published(*, session: Session, platform_id: str) -> list[PublicRiskReport]:
    return list(session.scalars(select(PublicRiskReport).where(
        PublicRiskReport.platform_id == platform_id)
        .order_by(PublicRiskReport.created_at.desc())))
