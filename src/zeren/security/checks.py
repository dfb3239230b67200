"""Posture checks network security contributes (指南 第二十五条、第二十七条), read from the
platform's plans and drills, incidents with their report clocks, and breaches with their
notices.

``met`` only on records that show the duty done in the period (a drill held, a report made
on time, a notice sent); nothing to read is ``not_assessed`` with a ``no data:`` reason.
The drill interval comes from ``data/incidents.toml`` ``[drills]``; the period over which
incidents and breaches are judged is the same year."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.posture.hookspecs import hookimpl
from zeren.security import domain as d
from zeren.security.models import Breach, Drill, Incident, Notice, Plan

BEIJING = ZoneInfo("Asia/Shanghai")
YEAR = timedelta(days=365)


def plan_drilled(ctx: CheckContext) -> CheckResult:
    """Art 25: an incident response plan exists and was drilled within the interval."""
    days = d.rules().drill_days
    period = Period.last(ctx.now, timedelta(days=days))
    today = ctx.now.astimezone(BEIJING).date()
    plans = ctx.session.execute(select(Plan.id, Plan.approved_on).where(
        Plan.platform_id == ctx.platform_id, Plan.approved_on <= today)).all()
    if not plans:
        return CheckResult.no_data("no incident response plan recorded",
                                   what_zh="尚未登记网络安全事件应急预案", period=period)
    drills = ctx.session.execute(select(Drill.id, Drill.held_on).where(
        Drill.platform_id == ctx.platform_id, Drill.held_on <= today)).all()
    since = today - timedelta(days=days)
    recent = [str(i) for i, on in drills if on >= since]
    last = max((on for _, on in drills), default=None)
    figures = {"plans": len(plans), "drills_in_period": len(recent),
               "last_drill": last.isoformat() if last else None, "within_days": days}
    if not recent:
        when = f"last drill {last}" if last else "never drilled"
        when_zh = f"最近演练 {last}" if last else "从未演练"
        return CheckResult.found(
            Status.UNMET, f"the incident response plan was not drilled in the last {days} days "
            f"({when})", reason_zh=f"近 {days} 日未演练应急预案（{when_zh}）",
            period=period, figures=figures, inputs={"plan_ids": [str(i) for i, _ in plans]})
    return CheckResult.met(f"{len(recent)} drill(s) of the plan in the last {days} days "
                           f"(last {last})", reason_zh=f"近 {days} 日演练应急预案 {len(recent)} 次",
                           seen=len(recent), period=period, figures=figures,
                           inputs={"drill_ids": recent[:50]})


def reported_in_time(ctx: CheckContext) -> CheckResult:
    """Art 25: every reportable incident of the year reported within its deadline — the first
    report within the reporting party's hours, the summary within 30 days of handling. A late
    report (even with its reason) or a deadline passed without a report is a breach."""
    period = Period.last(ctx.now, YEAR)
    rows = list(ctx.session.scalars(select(Incident).where(
        Incident.platform_id == ctx.platform_id, Incident.reportable.is_(True),
        Incident.detected_at >= ctx.now - YEAR, Incident.detected_at <= ctx.now)))
    if not rows:
        return CheckResult.no_data("no reportable incident (较大 or worse) in the last year",
                                   what_zh="近一年无须报告的网络安全事件（较大及以上）",
                                   period=period)
    on_time: list[str] = []
    late: list[str] = []
    overdue: list[str] = []
    running = 0
    for inc in rows:
        for due, done in ((inc.first_report_due, inc.first_reported_at),
                          (inc.summary_due, inc.summary_reported_at)):
            state = d.Clock(due, done, ctx.now).state
            if state is d.ClockState.ON_TIME:
                on_time.append(inc.number)
            elif state is d.ClockState.LATE:
                late.append(inc.number)
            elif state is d.ClockState.OVERDUE:
                overdue.append(inc.number)
            elif state is d.ClockState.RUNNING:
                running += 1
    figures = {"incidents": len(rows), "reports_on_time": len(on_time),
               "reports_late": len(late), "overdue": len(overdue), "clocks_running": running}
    inputs = {"late": sorted(set(late)), "overdue": sorted(set(overdue))}
    if late or overdue:
        return CheckResult.found(
            Status.UNMET, f"{len(overdue)} report(s) overdue and {len(late)} made late "
            f"({', '.join(sorted(set(overdue + late)))})",
            reason_zh=f"{len(overdue)} 份报告已超时未报，{len(late)} 份逾期报告",
            period=period, seen=len(on_time), figures=figures, inputs=inputs)
    if not on_time:
        return CheckResult.no_data(
            f"no report due yet ({running} clock(s) running)",
            what_zh=f"尚无到期报告（{running} 个计时中）", period=period, figures=figures)
    return CheckResult.met(f"{len(on_time)} report(s) made within their deadline; none late or "
                           "overdue", reason_zh=f"{len(on_time)} 份报告均按时报送", seen=len(on_time),
                           period=period, figures=figures, inputs={"incidents": sorted(set(on_time))})


def _breaches(ctx: CheckContext) -> tuple[Period, list[Breach], dict[str, set[str]]]:
    """The year's breaches and the audiences each was notified to (read once per
    evaluation: both Art 27 checks read them)."""
    return ctx.shared("security.breaches", lambda: _read_breaches(ctx))


def _read_breaches(ctx: CheckContext) -> tuple[Period, list[Breach], dict[str, set[str]]]:
    period = Period.last(ctx.now, YEAR)
    rows = list(ctx.session.scalars(select(Breach).where(
        Breach.platform_id == ctx.platform_id, Breach.discovered_at >= ctx.now - YEAR,
        Breach.discovered_at <= ctx.now)))
    sent: dict[str, set[str]] = {}
    if rows:
        for bid, audience in ctx.session.execute(select(Notice.breach_id, Notice.audience).where(
                Notice.breach_id.in_([b.id for b in rows]), Notice.sent_at <= ctx.now)):
            sent.setdefault(str(bid), set()).add(str(audience))
    return period, rows, sent


def authority_notified(ctx: CheckContext) -> CheckResult:
    """Art 27 (个保法 第五十七条): every breach of the year has its remedial steps recorded and
    was notified to the authority with all the contents the law lists."""
    period, rows, sent = _breaches(ctx)
    if not rows:
        return CheckResult.no_data("no personal-data breach in the last year",
                                   what_zh="近一年无个人信息泄露事件", period=period)
    missing = sorted(b.id for b in rows if "authority" not in sent.get(b.id, set()))
    incomplete = sorted(b.id for b in rows if d.missing_contents(
        {c["key"]: getattr(b, c["key"]) for c in d.notice_contents()}))
    figures = {"breaches": len(rows), "authority_not_notified": len(missing),
               "contents_missing": len(incomplete)}
    seen = len(rows) - len(missing)
    if missing or incomplete:
        return CheckResult.found(
            Status.UNMET, f"{len(missing)} of {len(rows)} breach(es) not notified to the "
            f"authority; {len(incomplete)} lacking notice contents",
            reason_zh=f"{len(rows)} 起泄露事件中 {len(missing)} 起未向监管部门报告，"
                      f"{len(incomplete)} 起告知内容不全",
            period=period, seen=seen, figures=figures,
            inputs={"not_notified": missing, "incomplete": incomplete})
    return CheckResult.met(f"all {len(rows)} breach(es) notified to the authority with every "
                           "content", reason_zh=f"{len(rows)} 起泄露事件均已向监管部门报告",
                           seen=seen, period=period, figures=figures)


def individuals_notified(ctx: CheckContext) -> CheckResult:
    """Art 27 (个保法 第五十七条): the people affected by each breach of the year were told, or
    the breach records why they need not be (第二款: the measures effectively avoid harm)."""
    period, rows, sent = _breaches(ctx)
    if not rows:
        return CheckResult.no_data("no personal-data breach in the last year",
                                   what_zh="近一年无个人信息泄露事件", period=period)
    told = [b.id for b in rows if "individuals" in sent.get(b.id, set())]
    exempt = [b.id for b in rows if b.id not in told and b.individuals_exempt_reason.strip()]
    missing = sorted(b.id for b in rows if b.id not in told and b.id not in exempt)
    figures = {"breaches": len(rows), "individuals_notified": len(told),
               "exempt_with_reason": len(exempt), "not_notified": len(missing)}
    if missing:
        return CheckResult.found(
            Status.UNMET, f"the people affected by {len(missing)} of {len(rows)} breach(es) were "
            "not told and no reason is recorded",
            reason_zh=f"{len(rows)} 起泄露事件中 {len(missing)} 起未告知个人且无免予告知理由",
            period=period, seen=len(told) + len(exempt), figures=figures,
            inputs={"not_notified": missing})
    return CheckResult.met(
        f"people told of {len(told)} breach(es); {len(exempt)} exempt with a recorded reason",
        reason_zh=f"{len(told)} 起已告知个人，{len(exempt)} 起记录了免予告知理由",
        seen=len(told) + len(exempt), period=period, figures=figures)


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="security.art25.plan_drilled", obligations=("art25.incident_plan",),
              title_zh="应急预案已制定并在一年内演练", title_en="Incident plan drilled within the year",
              evaluate=plan_drilled),
        Check(key="security.art25.reported_in_time", obligations=("art25.incident_report",),
              title_zh="网络安全事件按时限报告", title_en="Incidents reported within their deadline",
              evaluate=reported_in_time),
        Check(key="security.art27.authority_notified",
              obligations=("art27.breach_remedy", "art27.breach_report"),
              title_zh="泄露事件已补救并向监管部门报告", title_en="Breaches remedied and notified "
              "to the authority", evaluate=authority_notified),
        Check(key="security.art27.individuals_notified", obligations=("art27.breach_notice",),
              title_zh="泄露事件已告知个人", title_en="People told of breaches",
              evaluate=individuals_notified),
    ]
