"""What the audit engagement shows the posture (指南 第八条): an independent audit is met only
by a report the auditor signed for a period that ended within the last audit interval, holding
the four parts Art 8 names; and an audit finding whose remediation is overdue makes its
obligation (so its article) at_risk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.services import findings, reports
from zeren.posture.domain import Check, CheckContext, CheckResult, OpenFinding, Period, Status
from zeren.posture.hookspecs import hookimpl
from zeren.timepolicy import beijing_today


def signed_audit_report(ctx: CheckContext) -> CheckResult:
    period = Period.last(ctx.now, d.AUDIT_INTERVAL)
    assert period.start is not None
    got = reports.signed_reports(session=ctx.session, platform_id=ctx.platform_id,
                                 since=period.start)
    if not got:
        return CheckResult.no_data(
            "no audit report signed by an independent auditor for a period ending in the last "
            "year", what_zh="近一年内没有独立审计机构签名的审计报告", period=period,
            figures={"signed_reports": 0})
    newest = got[0]
    return CheckResult.met(
        f"{len(got)} signed audit report(s); newest covers to "
        f"{newest.period_end:%Y-%m-%d}, signed by {newest.signer}",
        reason_zh=f"有 {len(got)} 份经审计机构签名的审计报告，最近一份审计期至 "
                  f"{newest.period_end:%Y-%m-%d}",
        seen=len(got), period=period, figures={"signed_reports": len(got)},
        inputs={"report_ids": [s.report_id for s in got], "signers": [s.signer for s in got]})


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="assessment.art8.signed_audit_report",
              obligations=("art8.independent_audit", "art8.report_platform",
                           "art8.report_auditor", "art8.report_conclusions",
                           "art8.report_recommendations"),
              title_zh="独立审计机构签名的审计报告（含第八条四项内容）",
              title_en="Audit report signed by the independent auditor, with Art 8's four parts",
              evaluate=signed_audit_report, version="1"),
    ]


@hookimpl
def zeren_posture_findings(session: Session, platform_id: str, now: datetime
                           ) -> list[OpenFinding]:
    today = beijing_today(now)
    return [OpenFinding(
        obligation_key=f.obligation_key, status=Status.AT_RISK,
        ref=f"finding:{f.engagement_id}#{f.number}",
        reason=f"audit finding {f.number} ({f.severity}) overdue since {f.due_on.isoformat()}: "
               f"{f.title}",
        reason_zh=f"审计发现 {f.number}（{d.SEVERITY_ZH[d.Severity(f.severity)]}）整改已逾期"
                  f"（期限 {f.due_on.isoformat()}）：{f.title}")
        for f in findings.overdue_for_platform(session=session, platform_id=platform_id,
                                               today=today)]
