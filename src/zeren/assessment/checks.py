"""What the assessment package shows the posture. 指南 第六条: the yearly risk assessment is
met only by an assessment signed by the compliance officer and a second approver within the
interval, and each Art 6 kind (and the four systems Art 6 names) only when that signed
assessment judged a risk of it. 第七条: every high risk it found has a mitigation, not overdue;
the algorithms are filed in time and reviewed with their user-facing options working; the
emergency plans are drilled. 第八条: an independent audit is met only by a report the
auditor signed for a period that ended within the last audit interval, holding the four parts
Art 8 names; and an audit finding whose remediation is overdue makes its obligation (so its
article) at_risk."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.services import algorithms, assessments, findings, reports, risks
from zeren.auth.policy import SYSTEM
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


def _signed(ctx: CheckContext) -> tuple[assessments.Signed | None, Period]:
    cat = d.catalogue()
    # One day of grace over the interval: a yearly assessment signed on the same date a
    # year later is on time.
    period = Period.last(ctx.now, cat.interval + timedelta(days=1))
    assert period.start is not None
    since = beijing_today(period.start)
    # every Art 6 check and Art 7's measures read the same assessment: once per evaluation
    return ctx.shared(("assessment.newest_signed", since), lambda: assessments.newest_signed(
        session=ctx.session, platform_id=ctx.platform_id, since=since)), period


def _none_signed(ctx: CheckContext, period: Period) -> CheckResult:
    last = ctx.shared("assessment.last_signed_ever", lambda: assessments.last_signed_ever(
        session=ctx.session, platform_id=ctx.platform_id))
    if last is None or last.signed_on is None:
        return CheckResult.no_data(
            "no risk assessment signed by the compliance officer and a second approver",
            what_zh="没有经合规负责人与第二审批人签署的风险评估", period=period,
            figures={"signed_assessments": 0})
    return CheckResult.found(
        Status.UNMET, f"the last signed risk assessment dates from {last.signed_on}; the next "
        f"was due on {last.next_due_on}", period=period, seen=1,
        reason_zh=f"最近一次风险评估签署于 {last.signed_on}，下一次应于 {last.next_due_on} 前完成",
        figures={"signed_assessments": 0}, inputs={"last_assessment_id": last.id})


def annual_assessment(ctx: CheckContext) -> CheckResult:
    got, period = _signed(ctx)
    if got is None:
        return _none_signed(ctx, period)
    a = got.assessment
    return CheckResult.met(
        f"risk assessment {a.title!r} signed on {a.signed_on}; next due {a.next_due_on}",
        reason_zh=f"风险评估《{a.title}》已于 {a.signed_on} 签署，下一次 {a.next_due_on} 前",
        seen=1, period=period, figures={"signed_assessments": 1},
        inputs={"assessment_id": a.id, "next_due_on": str(a.next_due_on)})


def _kind_check(kind: str) -> Callable[[CheckContext], CheckResult]:
    def evaluate(ctx: CheckContext) -> CheckResult:
        got, period = _signed(ctx)
        if got is None:
            return _none_signed(ctx, period)
        k = d.catalogue().kinds[kind]
        a = got.assessment
        if kind not in got.kinds:
            return CheckResult.found(
                Status.UNMET, f"the signed assessment {a.id} judged no risk of kind {k.en}",
                period=period, seen=1, reason_zh=f"已签署的风险评估未评估“{k.zh}”类风险",
                inputs={"assessment_id": a.id})
        return CheckResult.met(
            f"the signed assessment of {a.signed_on} judged the risk of {k.en.lower()}",
            reason_zh=f"{a.signed_on} 签署的风险评估已评估“{k.zh}”类风险", seen=1,
            period=period, inputs={"assessment_id": a.id})
    return evaluate


def systems_examined(ctx: CheckContext) -> CheckResult:
    got, period = _signed(ctx)
    if got is None:
        return _none_signed(ctx, period)
    cat = d.catalogue()
    missing = [s for s in cat.art6_systems if s not in got.systems]
    a = got.assessment
    inputs = {"assessment_id": a.id, "systems": sorted(got.systems)}
    if missing:
        return CheckResult.found(
            Status.UNMET, "the signed assessment examined no risk of: " + ", ".join(
                cat.systems[s].en for s in missing), period=period, seen=1, inputs=inputs,
            reason_zh="已签署的风险评估未考察：" + "、".join(cat.systems[s].zh for s in missing))
    return CheckResult.met(
        f"the signed assessment of {a.signed_on} examined all {len(cat.art6_systems)} systems "
        "Art 6 names", reason_zh="已签署的风险评估考察了第六条所列全部系统", seen=1,
        period=period, inputs=inputs)


def measures_for_risks(ctx: CheckContext) -> CheckResult:
    """Art 7: measures against the risks the assessment found — each risk the signed
    assessment judged high or critical has a mitigation, and none is past its due date
    without being in place."""
    got, period = _signed(ctx)
    if got is None:
        return _none_signed(ctx, period)
    a = got.assessment
    judged = assessments.judgements(session=ctx.session, assessment_id=a.id)
    grave = [j for j in judged if j.level in ("high", "critical")]
    mits = risks.mitigations(session=ctx.session, risk_ids=[j.risk_id for j in judged])
    today = beijing_today(ctx.now)
    bare = [j.risk_id for j in grave if not mits[j.risk_id]]
    late = [m.id for ms in mits.values() for m in ms
            if m.status != "in_place" and m.due_on < today]
    figures = {"judged": len(judged), "high_or_critical": len(grave),
               "without_mitigation": len(bare), "mitigations_overdue": len(late)}
    inputs = {"assessment_id": a.id, "risks_without_mitigation": bare,
              "mitigations_overdue": late}
    if bare:
        return CheckResult.found(
            Status.UNMET, f"{len(bare)} high or critical risk(s) of the signed assessment "
            "have no mitigation", period=period, seen=len(judged), figures=figures,
            inputs=inputs, reason_zh=f"已签署风险评估中 {len(bare)} 项高或严重风险没有防控措施")
    if late:
        return CheckResult.found(
            Status.AT_RISK, f"{len(late)} mitigation(s) past their due date and not in place",
            period=period, seen=len(judged), figures=figures, inputs=inputs,
            reason_zh=f"{len(late)} 项防控措施逾期未落实")
    return CheckResult.met(
        f"every high or critical risk ({len(grave)}) of the signed assessment has a "
        f"mitigation; none overdue", seen=len(judged), period=period, figures=figures,
        inputs=inputs, reason_zh=f"{len(grave)} 项高或严重风险均有防控措施，无逾期")


def algorithm_review(ctx: CheckContext) -> CheckResult:
    """Art 7 (一): the algorithms are on the register, filed in time (算法推荐管理规定 Art 24),
    and each reviewed within the interval with the user-facing options it needs working."""
    rules = d.algorithm_rules()
    period = Period.last(ctx.now, rules.review_interval)
    found = algorithms.algorithms(session=ctx.session, actor=SYSTEM,
                                  platform_id=ctx.platform_id)
    if not found:
        return CheckResult.no_data("no algorithm on the register", period=period,
                                   what_zh="算法登记簿中没有算法")
    today = beijing_today(ctx.now)
    since = beijing_today(period.start) if period.start else today
    revs = algorithms.reviews(session=ctx.session, algorithm_ids=[a.id for a in found])
    unfiled = [a.name for a in found if a.filing_number is None and a.filing_due_on < today]
    unreviewed = [a.name for a in found if not revs[a.id] or revs[a.id][0].reviewed_on < since]
    failing = [a.name for a in found if revs[a.id] and revs[a.id][0].outcome != "pass"]
    figures = {"algorithms": len(found), "filing_overdue": len(unfiled),
               "not_reviewed": len(unreviewed), "review_failed": len(failing)}
    inputs = {"filing_overdue": unfiled, "not_reviewed": unreviewed, "review_failed": failing}
    if unfiled:
        return CheckResult.found(
            Status.UNMET, f"filing overdue for: {', '.join(unfiled)}", period=period,
            seen=len(found), figures=figures, inputs=inputs,
            reason_zh=f"算法备案逾期：{'、'.join(unfiled)}")
    if unreviewed or failing:
        return CheckResult.found(
            Status.AT_RISK, "not reviewed in the interval: " + (", ".join(unreviewed) or "—")
            + "; last review asked for changes: " + (", ".join(failing) or "—"),
            period=period, seen=len(found), figures=figures, inputs=inputs,
            reason_zh="未在周期内审核：" + ("、".join(unreviewed) or "无")
                      + "；最近审核要求整改：" + ("、".join(failing) or "无"))
    return CheckResult.met(
        f"{len(found)} algorithm(s) filed or within the filing time, each reviewed in the "
        "interval with its user-facing options working", seen=len(found), period=period,
        figures=figures, inputs=inputs,
        reason_zh=f"{len(found)} 个算法均已备案或在备案期限内，且在周期内审核通过")


def contingency(ctx: CheckContext) -> CheckResult:
    """Art 7 (三): emergency plans, each drilled within the interval, the last drill not
    failed."""
    rules = d.algorithm_rules()
    period = Period.last(ctx.now, rules.review_interval)
    found = algorithms.plans(session=ctx.session, actor=SYSTEM, platform_id=ctx.platform_id)
    if not found:
        return CheckResult.no_data("no emergency plan on the register", period=period,
                                   what_zh="没有登记应急预案")
    since = beijing_today(period.start) if period.start else beijing_today(ctx.now)
    dr = algorithms.drills(session=ctx.session, plan_ids=[p.id for p in found])
    undrilled = [p.title for p in found if not dr[p.id] or dr[p.id][0].held_on < since]
    failed = [p.title for p in found if dr[p.id] and dr[p.id][0].outcome == "failed"]
    drilled = sum(1 for p in found if dr[p.id] and dr[p.id][0].held_on >= since)
    figures = {"plans": len(found), "not_drilled": len(undrilled), "last_drill_failed":
               len(failed)}
    inputs = {"not_drilled": undrilled, "last_drill_failed": failed}
    if undrilled or failed:
        return CheckResult.found(
            Status.AT_RISK, "not drilled in the interval: " + (", ".join(undrilled) or "—")
            + "; last drill failed: " + (", ".join(failed) or "—"), period=period,
            seen=drilled, figures=figures, inputs=inputs,
            reason_zh="周期内未演练：" + ("、".join(undrilled) or "无") + "；最近演练未通过："
                      + ("、".join(failed) or "无"))
    return CheckResult.met(f"{len(found)} emergency plan(s), each drilled in the interval",
                           seen=drilled, period=period, figures=figures, inputs=inputs,
                           reason_zh=f"{len(found)} 项应急预案均在周期内演练")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    kinds = d.catalogue().kinds
    return [
        Check(key="assessment.art7.measures_for_risks", obligations=("art7.measures_for_risks",),
              title_zh="评估识别的高风险均有防控措施",
              title_en="Every high risk the assessment found has a mitigation",
              evaluate=measures_for_risks, version="1"),
        Check(key="assessment.art7.algorithm_review", obligations=("art7.review_mechanism",),
              title_zh="算法登记、备案与定期审核",
              title_en="Algorithms registered, filed and reviewed",
              evaluate=algorithm_review, version="1"),
        Check(key="assessment.art7.contingency", obligations=("art7.contingency",),
              title_zh="应急预案与演练", title_en="Emergency plans drilled",
              evaluate=contingency, version="1"),
        Check(key="assessment.art6.annual_assessment", obligations=("art6.annual_assessment",),
              title_zh="每年经两人签署的风险评估", title_en="Yearly risk assessment, signed twice",
              evaluate=annual_assessment, version="1"),
        *[Check(key=f"assessment.art6.{k}", obligations=(kinds[k].obligation,),
                title_zh=f"风险评估涵盖“{kinds[k].zh}”",
                title_en=f"Risk assessment covers: {kinds[k].en}",
                evaluate=_kind_check(k), version="1") for k in kinds],
        Check(key="assessment.art6.systems_examined", obligations=("art6.systems_examined",),
              title_zh="风险评估考察第六条所列系统",
              title_en="Risk assessment examines the systems Art 6 names",
              evaluate=systems_examined, version="1"),
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
