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
from zeren.posture.domain import Check, CheckContext, CheckResult, Status
from zeren.posture.hookspecs import hookimpl


def _cfg() -> dict[str, float]:
    return {k: float(v) for k, v in d.deadlines()["checks"].items()}


def reports_answered(ctx: CheckContext) -> CheckResult:
    cfg = _cfg()
    since = ctx.now - timedelta(days=cfg["lookback_days"])
    rows = ctx.session.execute(select(Case.sla_due_at, Case.decided_at).where(
        Case.platform_id == ctx.platform_id, Case.created_at >= since)).all()
    overdue_open = ctx.session.scalar(select(func.count()).select_from(Case).where(
        Case.platform_id == ctx.platform_id, Case.status != d.CaseStatus.DECIDED,
        Case.sla_due_at < ctx.now)) or 0
    if not rows and not overdue_open:
        return CheckResult(Status.NOT_ASSESSED, "no reports in the look-back window",
                           {"lookback_days": cfg["lookback_days"]},
                           reason_zh="统计期内没有举报")
    decided = [r for r in rows if r.decided_at is not None]
    on_time = sum(1 for r in decided if r.decided_at <= r.sla_due_at)
    share = on_time / len(decided) if decided else 1.0
    figures = {"cases": len(rows), "decided": len(decided), "on_time": on_time,
               "on_time_share": round(share, 4), "overdue_open": overdue_open,
               "target_share": cfg["answered_within_sla_share"]}
    if share < cfg["answered_within_sla_share"] or overdue_open:
        status = Status.UNMET if share < cfg["answered_within_sla_share"] else Status.AT_RISK
        return CheckResult(status, f"{on_time}/{len(decided)} cases answered within target; "
                           f"{overdue_open} open past their deadline", figures,
                           reason_zh=f"{on_time}/{len(decided)} 件在时限内处理；"
                           f"{overdue_open} 件已超时未处理")
    return CheckResult(Status.MET, f"{on_time}/{len(decided)} cases answered within target",
                       figures, reason_zh=f"{on_time}/{len(decided)} 件在时限内处理")


def records_kept(ctx: CheckContext) -> CheckResult:
    cfg = _cfg()
    measures = ctx.session.scalar(select(func.count()).select_from(Measure).where(
        Measure.platform_id == ctx.platform_id)) or 0
    if not measures:
        return CheckResult(Status.NOT_ASSESSED, "no measures taken yet", {},
                           reason_zh="尚无处置记录")
    without = ctx.session.scalar(select(func.count()).select_from(Measure).outerjoin(
        Statement, Statement.measure_id == Measure.id).where(
        Measure.platform_id == ctx.platform_id, Statement.id.is_(None))) or 0
    stale = ctx.now - timedelta(minutes=cfg["ledger_pending_max_minutes"])
    pending = ctx.session.scalar(select(func.count()).select_from(LedgerOutbox).where(
        LedgerOutbox.logged_at.is_(None), LedgerOutbox.created_at < stale)) or 0
    figures = {"measures": measures, "without_statement": without, "ledger_backlog": pending}
    if without:
        return CheckResult(Status.UNMET, f"{without} measure(s) lack a statement of reasons",
                           figures, reason_zh=f"{without} 项处置缺少处理决定说明")
    if pending:
        return CheckResult(Status.AT_RISK, f"{pending} record(s) waiting for the ledger for "
                           f"more than {int(cfg['ledger_pending_max_minutes'])} min", figures,
                           reason_zh=f"{pending} 条记录未及时写入存证账本")
    return CheckResult(Status.MET, f"{measures} measures, each with its statement of reasons, "
                       "logged in the ledger", figures, reason_zh="每项处置均有说明并已存证")


def repeat_offenders(ctx: CheckContext) -> CheckResult:
    """Every account whose strikes call for a ladder step has it (or a stronger measure)."""
    window = timedelta(days=int(d.strike_settings()["window_days"]))
    rows = ctx.session.execute(select(Strike.account_id, Subject.kind,
                                      func.sum(Strike.weight)).join(
        Subject, Subject.id == Strike.account_id).where(
        Strike.platform_id == ctx.platform_id, Strike.counted_at >= ctx.now - window)
        .group_by(Strike.account_id, Subject.kind)).all()
    if not rows:
        return CheckResult(Status.NOT_ASSESSED, "no strikes recorded in the window", {},
                           reason_zh="统计期内没有违规记分")
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
                           reason_zh=f"{len(missing)} 个屡犯账号未升级处置")
    return CheckResult(Status.MET, f"{len(rows)} account(s) with strikes; ladder applied "
                       "where due", figures, reason_zh="屡犯账号均已按规则升级处置")


def ip_clocks(ctx: CheckContext) -> CheckResult:
    notices = ctx.session.scalar(select(func.count()).select_from(IPNotice).where(
        IPNotice.platform_id == ctx.platform_id)) or 0
    if not notices:
        return CheckResult(Status.NOT_ASSESSED, "no IP notices received", {},
                           reason_zh="尚未收到知识产权通知")
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
                           reason_zh=f"{late} 件通知超过十五日期限仍未终止措施")
    if waiting:
        return CheckResult(Status.AT_RISK, f"{waiting} notice(s) unanswered for over a day",
                           figures, reason_zh=f"{waiting} 件通知超过一日未处理")
    return CheckResult(Status.MET, f"{notices} notice(s); every 15-day clock honoured",
                       figures, reason_zh="知识产权通知均按期处理")


def complaints_in_time(ctx: CheckContext) -> CheckResult:
    limit = timedelta(days=float(d.deadlines()["complaint"]["resolve_within_days"]))
    rows = ctx.session.execute(select(Complaint.created_at, Complaint.resolved_at).where(
        Complaint.platform_id == ctx.platform_id)).all()
    if not rows:
        return CheckResult(Status.NOT_ASSESSED, "no consumer complaints received", {},
                           reason_zh="尚未收到消费者投诉")
    late = sum(1 for r in rows if (r.resolved_at or ctx.now) - r.created_at > limit)
    figures = {"complaints": len(rows), "late": late, "resolve_within_days": limit.days}
    if late:
        return CheckResult(Status.AT_RISK if late * 20 < len(rows) else Status.UNMET,
                           f"{late}/{len(rows)} complaint(s) took longer than {limit.days} days",
                           figures, reason_zh=f"{late}/{len(rows)} 件投诉超过 {limit.days} 日")
    return CheckResult(Status.MET, f"{len(rows)} complaint(s), all closed within "
                       f"{limit.days} days", figures, reason_zh="投诉均在时限内处理")


def sanctions_publicised(ctx: CheckContext) -> CheckResult:
    publicised = [c for c, t in d.measure_types().items() if t.publicise]
    n = ctx.session.scalar(select(func.count()).select_from(Measure).where(
        Measure.platform_id == ctx.platform_id, Measure.code.in_(publicised))) or 0
    if not n:
        return CheckResult(Status.NOT_ASSESSED, "no merchant sanctions yet", {},
                           reason_zh="尚无对平台内经营者的处置")
    decide_days = int(d.deadlines()["appeal"]["decide_within_days"])
    slow = ctx.session.scalar(select(func.count()).select_from(Appeal).where(
        Appeal.platform_id == ctx.platform_id, Appeal.status == d.AppealStatus.OPEN,
        Appeal.created_at < ctx.now - timedelta(days=decide_days))) or 0
    figures = {"merchant_sanctions": n, "appeals_overdue": slow}
    if slow:
        return CheckResult(Status.AT_RISK, f"{slow} appeal(s) undecided after {decide_days} "
                           "days", figures, reason_zh=f"{slow} 件申诉超过 {decide_days} 日未决")
    return CheckResult(Status.MET, f"{n} merchant sanction(s) on the public board, each with "
                       "its ground and an appeal route", figures,
                       reason_zh="对经营者的处置均已公示并可申诉")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check("moderation.art11.repeat_offenders", 11, "屡犯用户已升级处置",
              "Repeat offenders moved up the ladder", repeat_offenders),
        Check("moderation.art12.reports_answered", 12, "举报按时处理",
              "Reports answered within target", reports_answered),
        Check("moderation.art12.records_kept", 12, "处置记录完整并存证",
              "Measures recorded with statements and logged", records_kept),
        Check("moderation.art22.ip_clocks", 22, "知识产权通知按期处理",
              "IP notices handled and 15-day clocks honoured", ip_clocks),
        Check("moderation.art28.complaints", 28, "消费者投诉按时解决",
              "Consumer complaints resolved in time", complaints_in_time),
        Check("moderation.art29.sanctions", 29, "经营者处置已公示且可申诉",
              "Merchant sanctions publicised and appealable", sanctions_publicised),
    ]
