"""Posture checks moderation contributes: Art 12 (reports answered within target, records
kept), Art 11 (repeat offenders handled), Art 22 (IP clocks honoured), Art 28 (complaints
resolved in time), Art 29 (merchant sanctions publicised and appealable). Thresholds come
from data/deadlines.toml; Art 13's patrol checks belong to the lexicon module."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from zeren.moderation import domain as d
from zeren.moderation.models import (
    Appeal,
    Case,
    Complaint,
    IPNotice,
    LedgerOutbox,
    Measure,
    Statement,
    Strike,
    Subject,
)
from zeren.moderation.services import measures as ms
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status, share
from zeren.posture.hookspecs import hookimpl


def _cfg() -> dict[str, float]:
    return {k: float(v) for k, v in d.deadlines()["checks"].items()}


def reports_answered(ctx: CheckContext) -> CheckResult:
    cfg = _cfg()
    since = ctx.now - timedelta(days=cfg["lookback_days"])
    period = Period(start=since, end=ctx.now)
    rows = ctx.session.execute(select(Case.sla_due_at, Case.decided_at).where(
        Case.platform_id == ctx.platform_id, Case.created_at >= since)).all()
    overdue_open = ctx.session.scalar(select(func.count()).select_from(Case).where(
        Case.platform_id == ctx.platform_id, Case.status != d.CaseStatus.DECIDED,
        Case.sla_due_at < ctx.now)) or 0
    decided = [r for r in rows if r.decided_at is not None]
    on_time = sum(1 for r in decided if r.decided_at <= r.sla_due_at)
    on_share = share(on_time, len(decided))
    target = cfg["answered_within_sla_share"]
    figures = {"cases": len(rows), "decided": len(decided), "on_time": on_time,
               "on_time_share": round(on_share, 4) if on_share is not None else None,
               "overdue_open": overdue_open, "target_share": target}
    if overdue_open and on_share is None:
        return CheckResult(Status.UNMET, f"{overdue_open} case(s) open past their deadline and "
                           "none answered in the window", figures, reason_zh=f"{overdue_open} "
                           "件已超时未处理，统计期内无已处理案件", period=period)
    if on_share is None:
        return CheckResult.no_data(f"no case decided in the last {int(cfg['lookback_days'])} "
                                   "days", figures=figures, period=period,
                                   what_zh="统计期内没有已处理的举报案件")
    if on_share < target or overdue_open:
        status = Status.UNMET if on_share < target else Status.AT_RISK
        return CheckResult(status, f"{on_time}/{len(decided)} cases answered within target; "
                           f"{overdue_open} open past their deadline", figures,
                           reason_zh=f"{on_time}/{len(decided)} 件在时限内处理；"
                           f"{overdue_open} 件已超时未处理", seen=on_time, period=period)
    return CheckResult(Status.MET, f"{on_time}/{len(decided)} cases answered within target",
                       figures, reason_zh=f"{on_time}/{len(decided)} 件在时限内处理",
                       seen=on_time, period=period)


def records_kept(ctx: CheckContext) -> CheckResult:
    cfg = _cfg()
    measures = ctx.session.scalar(select(func.count()).select_from(Measure).where(
        Measure.platform_id == ctx.platform_id)) or 0
    period = Period.since_records_began(ctx.now)
    if not measures:
        return CheckResult.no_data("no measures taken yet", what_zh="尚无处置记录",
                                   period=period)
    without = ctx.session.scalar(select(func.count()).select_from(Measure).outerjoin(
        Statement, Statement.measure_id == Measure.id).where(
        Measure.platform_id == ctx.platform_id, Statement.id.is_(None))) or 0
    stale = ctx.now - timedelta(minutes=cfg["ledger_pending_max_minutes"])
    pending = ctx.session.scalar(select(func.count()).select_from(LedgerOutbox).where(
        LedgerOutbox.logged_at.is_(None), LedgerOutbox.created_at < stale)) or 0
    figures = {"measures": measures, "without_statement": without, "ledger_backlog": pending}
    if without:
        return CheckResult(Status.UNMET, f"{without} measure(s) lack a statement of reasons",
                           figures, reason_zh=f"{without} 项处置缺少处理决定说明",
                           seen=measures - without, period=period)
    if pending:
        return CheckResult(Status.AT_RISK, f"{pending} record(s) waiting for the ledger for "
                           f"more than {int(cfg['ledger_pending_max_minutes'])} min", figures,
                           reason_zh=f"{pending} 条记录未及时写入存证账本",
                           seen=measures, period=period)
    return CheckResult(Status.MET, f"{measures} measures, each with its statement of reasons, "
                       "logged in the ledger", figures, reason_zh="每项处置均有说明并已存证",
                       seen=measures, period=period)


def repeat_offenders(ctx: CheckContext) -> CheckResult:
    """Every account whose strikes call for a ladder step has it (or a stronger measure)."""
    window = timedelta(days=int(d.strike_settings()["window_days"]))
    rows = ctx.session.execute(select(Strike.account_id, Subject.kind,
                                      func.sum(Strike.weight)).join(
        Subject, Subject.id == Strike.account_id).where(
        Strike.platform_id == ctx.platform_id, Strike.counted_at >= ctx.now - window)
        .group_by(Strike.account_id, Subject.kind)).all()
    period = Period.last(ctx.now, window)
    if not rows:
        return CheckResult.no_data("no strikes recorded in the window",
                                   what_zh="统计期内没有违规记分", period=period)
    missing = []
    for account_id, kind, total in rows:
        family = "merchant" if kind == d.SubjectKind.MERCHANT else "user"
        step = d.ladder_step(family=family, total=int(total or 0),
                             active=ms.active_codes(session=ctx.session, subject_id=account_id))
        # A step that is due but not active: acceptable only if it ran and already expired.
        if step is not None:
            had = ctx.session.scalar(select(func.count()).select_from(Measure).where(
                Measure.subject_id == account_id, Measure.code == step)) or 0
            if not had:
                missing.append(account_id)
    figures = {"accounts_with_strikes": len(rows), "ladder_missing": len(missing)}
    if missing:
        return CheckResult(Status.UNMET, f"{len(missing)} repeat offender(s) without the "
                           "ladder's measure", figures, {"accounts": missing[:50]},
                           reason_zh=f"{len(missing)} 个屡犯账号未升级处置",
                           seen=len(rows) - len(missing), period=period)
    return CheckResult(Status.MET, f"{len(rows)} account(s) with strikes; ladder applied "
                       "where due", figures, reason_zh="屡犯账号均已按规则升级处置",
                       seen=len(rows), period=period)


def ip_clocks(ctx: CheckContext) -> CheckResult:
    notices = ctx.session.scalar(select(func.count()).select_from(IPNotice).where(
        IPNotice.platform_id == ctx.platform_id)) or 0
    period = Period.since_records_began(ctx.now)
    if not notices:
        return CheckResult.no_data("no IP notices received", what_zh="尚未收到知识产权通知",
                                   period=period)
    late = ctx.session.scalar(select(func.count()).select_from(IPNotice).where(
        IPNotice.platform_id == ctx.platform_id,
        IPNotice.status == d.IPStatus.COUNTER_NOTICED, IPNotice.clock_ends_at < ctx.now)) or 0
    waiting = ctx.session.scalar(select(func.count()).select_from(IPNotice).where(
        IPNotice.platform_id == ctx.platform_id, IPNotice.status == d.IPStatus.RECEIVED,
        IPNotice.created_at < ctx.now - timedelta(days=1))) or 0
    figures = {"notices": notices, "clock_overrun": late, "unanswered_over_1d": waiting}
    if late:
        return CheckResult(Status.UNMET, f"{late} notice(s) past the 15-day clock with the "
                           "measure still in place", figures,
                           reason_zh=f"{late} 件通知超过十五日期限仍未终止措施",
                           seen=notices - late, period=period)
    if waiting:
        return CheckResult(Status.AT_RISK, f"{waiting} notice(s) unanswered for over a day",
                           figures, reason_zh=f"{waiting} 件通知超过一日未处理",
                           seen=notices - waiting, period=period)
    return CheckResult(Status.MET, f"{notices} notice(s); every 15-day clock honoured",
                       figures, reason_zh="知识产权通知均按期处理", seen=notices, period=period)


def complaints_in_time(ctx: CheckContext) -> CheckResult:
    limit = timedelta(days=float(d.deadlines()["complaint"]["resolve_within_days"]))
    rows = ctx.session.execute(select(Complaint.created_at, Complaint.resolved_at).where(
        Complaint.platform_id == ctx.platform_id)).all()
    period = Period.since_records_began(ctx.now)
    if not rows:
        return CheckResult.no_data("no consumer complaints received",
                                   what_zh="尚未收到消费者投诉", period=period)
    late = sum(1 for r in rows if (r.resolved_at or ctx.now) - r.created_at > limit)
    figures = {"complaints": len(rows), "late": late, "resolve_within_days": limit.days}
    if late:
        return CheckResult(Status.AT_RISK if late * 20 < len(rows) else Status.UNMET,
                           f"{late}/{len(rows)} complaint(s) took longer than {limit.days} days",
                           figures, reason_zh=f"{late}/{len(rows)} 件投诉超过 {limit.days} 日",
                           seen=len(rows) - late, period=period)
    return CheckResult(Status.MET, f"{len(rows)} complaint(s), all closed within "
                       f"{limit.days} days", figures, reason_zh="投诉均在时限内处理",
                       seen=len(rows), period=period)


def sanctions_publicised(ctx: CheckContext) -> CheckResult:
    publicised = [c for c, t in d.measure_types().items() if t.publicise]
    n = ctx.session.scalar(select(func.count()).select_from(Measure).where(
        Measure.platform_id == ctx.platform_id, Measure.code.in_(publicised))) or 0
    period = Period.since_records_began(ctx.now)
    if not n:
        return CheckResult.no_data("no merchant sanctions yet",
                                   what_zh="尚无对平台内经营者的处置", period=period)
    decide_days = int(d.deadlines()["appeal"]["decide_within_days"])
    slow = ctx.session.scalar(select(func.count()).select_from(Appeal).where(
        Appeal.platform_id == ctx.platform_id, Appeal.status == d.AppealStatus.OPEN,
        Appeal.created_at < ctx.now - timedelta(days=decide_days))) or 0
    figures = {"merchant_sanctions": n, "appeals_overdue": slow}
    if slow:
        return CheckResult(Status.AT_RISK, f"{slow} appeal(s) undecided after {decide_days} "
                           "days", figures, reason_zh=f"{slow} 件申诉超过 {decide_days} 日未决",
                           seen=n, period=period)
    return CheckResult(Status.MET, f"{n} merchant sanction(s) on the public board, each with "
                       "its ground and an appeal route", figures,
                       reason_zh="对经营者的处置均已公示并可申诉", seen=n, period=period)


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="moderation.art11.repeat_offenders", obligations=("art11.repeat_prevention",),
              title_zh="屡犯用户已升级处置", title_en="Repeat offenders moved up the ladder",
              evaluate=repeat_offenders),
        Check(key="moderation.art12.reports_answered", obligations=("art12.reports_answered",),
              title_zh="举报按时处理", title_en="Reports answered within target",
              evaluate=reports_answered),
        Check(key="moderation.art12.records_kept", obligations=("art12.records_kept",),
              title_zh="处置记录完整并存证",
              title_en="Measures recorded with statements and logged", evaluate=records_kept),
        Check(key="moderation.art22.ip_clocks", obligations=("art22.ip_protection",),
              title_zh="知识产权通知按期处理",
              title_en="IP notices handled and 15-day clocks honoured", evaluate=ip_clocks),
        Check(key="moderation.art28.complaints", obligations=("art28.complaints",),
              title_zh="消费者投诉按时解决", title_en="Consumer complaints resolved in time",
              evaluate=complaints_in_time),
        Check(key="moderation.art29.sanctions",
              obligations=("art29.sanctions_published", "art29.merchant_appeals"),
              title_zh="经营者处置已公示且可申诉",
              title_en="Merchant sanctions publicised and appealable",
              evaluate=sanctions_publicised),
    ]
