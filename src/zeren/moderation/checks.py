"""Posture checks moderation contributes: Art 12 (reports answered within target, records
kept), Art 11 (repeat offenders handled), Art 22 (IP notices forwarded, clocks honoured),
Art 21 (unlawful-advertising cases decided in time),
Art 28 (complaints resolved in time, every outcome counted), Art 29 (merchant sanctions
publicised and appealable). Thresholds come from data/deadlines.toml; Art 13's patrol checks
belong to the lexicon module."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, select

from zeren.moderation import domain as d
from zeren.moderation.models import (
    Appeal,
    Case,
    Complaint,
    Forwarding,
    IPNotice,
    LedgerOutbox,
    Measure,
    Statement,
    Strike,
    Subject,
)
from zeren.posture.domain import (
    Check,
    CheckContext,
    CheckResult,
    Due,
    Period,
    Status,
    deadlines,
    share,
)
from zeren.posture.hookspecs import hookimpl

# every status but decided, named so the index (platform, status, …) serves the count
NOT_DECIDED = tuple(s.value for s in d.CaseStatus if s != d.CaseStatus.DECIDED)


def _cfg() -> dict[str, float]:
    return {k: float(v) for k, v in d.deadlines()["checks"].items()}


def reports_answered(ctx: CheckContext) -> CheckResult:
    cfg = _cfg()
    since = ctx.now - timedelta(days=cfg["lookback_days"])
    period = Period(start=since, end=ctx.now)
    # counted in SQL (a million cases are not read into Python)
    cases, decided, on_time = ctx.session.execute(select(
        func.count(), func.count(Case.decided_at),
        func.coalesce(func.sum(case((Case.decided_at <= Case.sla_due_at, 1), else_=0)), 0))
        .where(Case.platform_id == ctx.platform_id, Case.created_at >= since)).one()
    cases, decided, on_time = int(cases), int(decided), int(on_time)
    overdue_open = ctx.session.scalar(select(func.count()).select_from(Case).where(
        Case.platform_id == ctx.platform_id, Case.status.in_(NOT_DECIDED),
        Case.sla_due_at < ctx.now)) or 0
    on_share = share(on_time, decided)
    target = cfg["answered_within_sla_share"]
    figures = {"cases": cases, "decided": decided, "on_time": on_time,
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
        return CheckResult(status, f"{on_time}/{decided} cases answered within target; "
                           f"{overdue_open} open past their deadline", figures,
                           reason_zh=f"{on_time}/{decided} 件在时限内处理；"
                           f"{overdue_open} 件已超时未处理", seen=on_time, period=period)
    return CheckResult(Status.MET, f"{on_time}/{decided} cases answered within target",
                       figures, reason_zh=f"{on_time}/{decided} 件在时限内处理",
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
    # this platform's records only: the outbox names each by its measure ("measure:<id>")
    pending = ctx.session.scalar(select(func.count()).select_from(LedgerOutbox).join(
        Measure, LedgerOutbox.subject == literal("measure:") + Measure.id).where(
        LedgerOutbox.logged_at.is_(None), LedgerOutbox.created_at < stale,
        Measure.platform_id == ctx.platform_id)) or 0
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
    """Every account whose strikes in the window call for a ladder step has it: a measure of
    that step (or stronger) active now, or one taken at or after its latest strike. A measure
    that ran out before the account offended again does not count (指南 Art 11: prevent
    repetition)."""
    window = timedelta(days=int(d.strike_settings()["window_days"]))
    period = Period.last(ctx.now, window)
    rows = ctx.session.execute(select(
        Strike.account_id, Subject.kind, func.sum(Strike.weight),
        func.max(case((Strike.weight > 0, Strike.counted_at), else_=None))).join(
        Subject, Subject.id == Strike.account_id).where(
        Strike.platform_id == ctx.platform_id, Strike.counted_at >= ctx.now - window)
        .group_by(Strike.account_id, Subject.kind)).all()
    if not rows:
        return CheckResult.no_data("no strikes recorded in the window",
                                   what_zh="统计期内没有违规记分", period=period)
    types = d.measure_types()
    missing: list[str] = []
    climbed = 0
    for account_id, kind, total, last_strike in rows:
        family = "merchant" if kind == d.SubjectKind.MERCHANT else "user"
        step = d.ladder_step(family=family, total=int(total or 0), active=())
        if step is None:
            continue
        want = types[step]
        taken = ctx.session.execute(select(Measure.code, Measure.starts_at, Measure.ends_at,
                                           Measure.status).where(
            Measure.subject_id == account_id)).all()
        ok = False
        for code, starts_at, ends_at, status in taken:
            have = types.get(code)
            if have is None or have.family != want.family or have.target != "account" \
                    or have.rung < want.rung:
                continue
            active_now = status == d.MeasureStatus.ACTIVE and (ends_at is None
                                                              or ends_at > ctx.now)
            if active_now or (last_strike is not None and starts_at >= last_strike):
                ok = True
                break
        if ok:
            climbed += 1
        else:
            missing.append(account_id)
    figures = {"accounts_with_strikes": len(rows), "ladder_due": climbed + len(missing),
               "ladder_applied": climbed, "ladder_missing": len(missing)}
    if missing:
        return CheckResult.found(Status.UNMET, f"{len(missing)} repeat offender(s) without the "
                                 "ladder's measure since their latest strike", period=period,
                                 seen=climbed, figures=figures, inputs={"accounts": missing[:50]},
                                 reason_zh=f"{len(missing)} 个屡犯账号未升级处置")
    return CheckResult.met(f"{len(rows)} account(s) with strikes; the ladder applied to all "
                           f"{climbed} that reached a step", seen=len(rows), period=period,
                           figures=figures,
                           reason_zh=f"{len(rows)} 个记分账号，达到阈值的 {climbed} 个均已升级处置")


def ip_clocks(ctx: CheckContext) -> CheckResult:
    """Every IP notice's steps carried out (电子商务法 Art 42-43): answered within a day, the
    notice forwarded to the merchant once measures were taken, the merchant's declaration
    forwarded to the rights holder (a kept forwarding record, not a timestamp), and the
    measure ended once the 15 days ran out without a complaint or lawsuit. Figures count every
    outcome."""
    period = Period.since_records_began(ctx.now)
    rows = ctx.session.execute(select(
        IPNotice.id, IPNotice.status, IPNotice.created_at, IPNotice.clock_ends_at,
        IPNotice.forwarded_to_merchant_at, IPNotice.forwarded_to_holder_at,
        IPNotice.merchant_id).where(IPNotice.platform_id == ctx.platform_id)).all()
    if not rows:
        return CheckResult.no_data("no IP notices received", what_zh="尚未收到知识产权通知",
                                   period=period)
    sent: dict[str, set[str]] = {}
    for nid, kind in ctx.session.execute(
            select(Forwarding.ip_notice_id, Forwarding.kind).where(
                Forwarding.platform_id == ctx.platform_id,
                Forwarding.ip_notice_id.is_not(None))):
        sent.setdefault(str(nid), set()).add(kind)
    late = [r.id for r in rows if r.status == d.IPStatus.COUNTER_NOTICED
            and r.clock_ends_at is not None and r.clock_ends_at < ctx.now]
    waiting = [r.id for r in rows if r.status == d.IPStatus.RECEIVED
               and r.created_at < ctx.now - timedelta(days=1)]
    unforwarded = [r.id for r in rows if
                   (r.forwarded_to_holder_at is not None
                    and "declaration_to_rights_holder" not in sent.get(r.id, set()))
                   or (r.forwarded_to_merchant_at is not None and r.merchant_id is not None
                       and "notice_to_merchant" not in sent.get(r.id, set()))]
    outcomes = d.ip_outcomes([(r.status, r.clock_ends_at) for r in rows], now=ctx.now)
    figures: dict[str, Any] = {"notices": len(rows), "outcomes": outcomes,
                               "clock_overrun": len(late), "unanswered_over_1d": len(waiting),
                               "not_forwarded": len(unforwarded)}
    inputs = {"clock_overrun": late[:50], "not_forwarded": unforwarded[:50]}
    bad = set(late) | set(unforwarded)
    if bad:
        parts = []
        if late:
            parts.append(f"{len(late)} notice(s) past the 15-day clock with the measure still "
                         "in place")
        if unforwarded:
            parts.append(f"{len(unforwarded)} notice(s) or declaration(s) marked forwarded "
                         "with no forwarding record")
        zh = []
        if late:
            zh.append(f"{len(late)} 件通知超过十五日期限仍未终止措施")
        if unforwarded:
            zh.append(f"{len(unforwarded)} 件通知或声明无转送记录")
        return CheckResult.found(Status.UNMET, "; ".join(parts), reason_zh="；".join(zh),
                                 period=period, seen=len(rows) - len(bad), figures=figures,
                                 inputs=inputs)
    if waiting:
        return CheckResult.found(Status.AT_RISK, f"{len(waiting)} notice(s) unanswered for "
                                 "over a day", reason_zh=f"{len(waiting)} 件通知超过一日未处理",
                                 period=period, seen=len(rows) - len(waiting), figures=figures,
                                 inputs={"unanswered": waiting[:50]})
    return CheckResult.met(f"{len(rows)} notice(s); each forwarded and every 15-day clock "
                           "honoured", reason_zh="知识产权通知均已转送并按期处理",
                           seen=len(rows), period=period, figures=figures)


def complaints_in_time(ctx: CheckContext) -> CheckResult:
    """Complaints received in the look-back window are resolved within the time in
    deadlines.toml; an open one past it counts late, one still within it shows nothing yet."""
    cfg = _cfg()
    limit = timedelta(days=float(d.deadlines()["complaint"]["resolve_within_days"]))
    since = ctx.now - timedelta(days=cfg["lookback_days"])
    period = Period(start=since, end=ctx.now)
    rows = ctx.session.execute(select(Complaint.status, Complaint.created_at,
                                      Complaint.resolved_at).where(
        Complaint.platform_id == ctx.platform_id,
        (Complaint.created_at >= since) | Complaint.resolved_at.is_(None))).all()
    if not rows:
        return CheckResult.no_data("no consumer complaint in the window",
                                   what_zh="统计期内没有消费者投诉", period=period)
    late = sum(1 for r in rows if (r.resolved_at or ctx.now) - r.created_at > limit)
    in_time = sum(1 for r in rows if r.resolved_at is not None
                  and r.resolved_at - r.created_at <= limit)
    figures = {"complaints": len(rows), "resolved_in_time": in_time, "late": late,
               "resolve_within_days": limit.days,
               "outcomes": d.complaint_outcomes([(r.status, r.created_at, r.resolved_at)
                                                 for r in rows], now=ctx.now)}
    if late:
        return CheckResult.found(Status.AT_RISK if late * 20 < len(rows) else Status.UNMET,
                                 f"{late}/{len(rows)} complaint(s) took longer than "
                                 f"{limit.days} days", period=period, seen=in_time,
                                 figures=figures,
                                 reason_zh=f"{late}/{len(rows)} 件投诉超过 {limit.days} 日")
    if not in_time:
        return CheckResult.no_data("complaints are open within their time; none resolved yet",
                                   what_zh="投诉均在时限内，尚未解决", period=period,
                                   figures=figures)
    return CheckResult.met(f"{in_time} complaint(s) resolved within {limit.days} days, "
                           f"{len(rows) - in_time} open within time", seen=in_time,
                           period=period, figures=figures, reason_zh="投诉均在时限内处理")


def _merchant_measures(ctx: CheckContext, since: datetime) -> list[Any]:
    publicised = [c for c, t in d.measure_types().items() if t.publicise]
    return list(ctx.session.execute(
        select(Measure.id, Measure.starts_at, Statement.id.label("statement_id"),
               Statement.created_at.label("published_at"), Statement.body,
               Statement.appeal_deadline)
        .outerjoin(Statement, Statement.measure_id == Measure.id)
        .where(Measure.platform_id == ctx.platform_id, Measure.code.in_(publicised),
               Measure.starts_at >= since)).all())


def sanctions_publicised(ctx: CheckContext) -> CheckResult:
    """Each warning, suspension or termination of a merchant in the window is on the public
    board (it has its statement, which names the ground) within the publication time."""
    cfg = _cfg()
    period = Period.last(ctx.now, timedelta(days=cfg["lookback_days"]))
    rows = _merchant_measures(ctx, ctx.now - timedelta(days=cfg["lookback_days"]))
    if not rows:
        return CheckResult.no_data("no measure against a merchant in the window",
                                   what_zh="统计期内没有对平台内经营者的处置", period=period)
    late_after = timedelta(hours=cfg.get("publish_within_hours", 24))
    unpublished = [r.id for r in rows if r.statement_id is None
                   or not (r.body or {}).get("ground")]
    late = [r.id for r in rows if r.statement_id is not None and r.id not in unpublished
            and r.published_at - r.starts_at > late_after]
    seen = len(rows) - len(unpublished) - len(late)
    figures = {"merchant_measures": len(rows), "not_on_board": len(unpublished),
               "published_late": len(late),
               "publish_within_hours": int(late_after.total_seconds() // 3600)}
    inputs = {"not_on_board": unpublished[:50], "published_late": late[:50]}
    if unpublished:
        return CheckResult.found(Status.UNMET, f"{len(unpublished)} of {len(rows)} merchant "
                                 "measure(s) not on the public board with a ground",
                                 period=period, seen=seen, figures=figures, inputs=inputs,
                                 reason_zh=f"{len(unpublished)} 项对经营者的处置未公示")
    if late:
        return CheckResult.found(Status.AT_RISK, f"{len(late)} of {len(rows)} merchant "
                                 "measure(s) publicised late", period=period, seen=seen,
                                 figures=figures, inputs=inputs,
                                 reason_zh=f"{len(late)} 项对经营者的处置未及时公示")
    return CheckResult.met(f"all {len(rows)} merchant measure(s) on the public board with "
                           "their ground, in time", seen=seen, period=period, figures=figures,
                           reason_zh=f"{len(rows)} 项对经营者的处置均已及时公示")


def merchant_appeals(ctx: CheckContext) -> CheckResult:
    """Merchants can appeal: each measure in the window gave an appeal window (its statement's
    appeal deadline), and appeals are decided within deadlines.toml's decide_within_days
    (undecided past it: unmet; decided late: at risk)."""
    cfg = _cfg()
    since = ctx.now - timedelta(days=cfg["lookback_days"])
    period = Period(start=since, end=ctx.now)
    rows = _merchant_measures(ctx, since)
    decide = timedelta(days=int(d.deadlines()["appeal"]["decide_within_days"]))
    appeals = ctx.session.execute(select(Appeal.id, Appeal.created_at, Appeal.decided_at).where(
        Appeal.platform_id == ctx.platform_id, Appeal.created_at >= since)).all()
    open_late = ctx.session.scalar(select(func.count()).select_from(Appeal).where(
        Appeal.platform_id == ctx.platform_id, Appeal.decided_at.is_(None),
        Appeal.created_at < ctx.now - decide)) or 0
    if not rows and not appeals and not open_late:
        return CheckResult.no_data("no measure against a merchant and no appeal in the window",
                                   what_zh="统计期内没有对经营者的处置或申诉", period=period)
    no_route = [r.id for r in rows if r.statement_id is None or r.appeal_deadline is None
                or r.appeal_deadline <= r.starts_at]
    decided = [a for a in appeals if a.decided_at is not None]
    decided_late = [a.id for a in decided if a.decided_at - a.created_at > decide]
    seen = (len(rows) - len(no_route)) + (len(decided) - len(decided_late))
    figures = {"merchant_measures": len(rows), "without_appeal_route": len(no_route),
               "appeals": len(appeals), "appeals_decided": len(decided),
               "decided_late": len(decided_late), "open_past_deadline": open_late}
    inputs = {"without_appeal_route": no_route[:50], "decided_late": decided_late[:50]}
    if no_route or open_late:
        return CheckResult.found(Status.UNMET, f"{len(no_route)} measure(s) without an appeal "
                                 f"route; {open_late} appeal(s) undecided past their deadline",
                                 period=period, seen=seen, figures=figures, inputs=inputs,
                                 reason_zh=f"{len(no_route)} 项处置未告知申诉途径；{open_late} "
                                 "件申诉逾期未决")
    if decided_late:
        return CheckResult.found(Status.AT_RISK, f"{len(decided_late)} of {len(decided)} "
                                 "appeal(s) decided after their deadline", period=period,
                                 seen=seen, figures=figures, inputs=inputs,
                                 reason_zh=f"{len(decided_late)} 件申诉超期决定")
    if not seen:
        return CheckResult.no_data("appeals are open within their deadline; none decided yet",
                                   what_zh="申诉均在期限内，尚无决定", period=period,
                                   figures=figures)
    return CheckResult.met(f"{len(rows)} measure(s) with an appeal route; {len(decided)} "
                           "appeal(s) decided in time", seen=seen, period=period,
                           figures=figures,
                           reason_zh=f"{len(rows)} 项处置均可申诉，{len(decided)} 件申诉按期决定")


def ads_handled(ctx: CheckContext) -> CheckResult:
    """指南 第二十一条 事后处理: cases of unlawful advertising (the categories of the
    ``advertising`` group in data, 广告法 第九条) opened in the look-back window, or still
    open, decided by their SLA deadline; open past it is unmet, decided after it at risk."""
    cfg = _cfg()
    since = ctx.now - timedelta(days=cfg["lookback_days"])
    codes = sorted(c.code for c in d.categories().values() if c.group == "advertising")
    rows = ctx.session.execute(select(Case.id, Case.sla_due_at, Case.decided_at).where(
        Case.platform_id == ctx.platform_id, Case.category.in_(codes),
        (Case.created_at >= since) | Case.decided_at.is_(None)))
    return deadlines((Due(x.id, x.sla_due_at, x.decided_at) for x in rows), now=ctx.now,
                     period=Period(start=since, end=ctx.now), noun="advertising case",
                     noun_zh="违法广告案件", done_verb="decided", done_verb_zh="处理",
                     what="no case of unlawful advertising in the window",
                     what_zh="统计期内无违法广告案件", figures={"categories": codes})


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="moderation.art11.repeat_offenders", obligations=("art11.repeat_prevention",),
              title_zh="屡犯用户已升级处置", title_en="Repeat offenders moved up the ladder",
              evaluate=repeat_offenders, version="2"),
        Check(key="moderation.art12.reports_answered", obligations=("art12.reports_answered",),
              title_zh="举报按时处理", title_en="Reports answered within target",
              evaluate=reports_answered, version="2"),
        Check(key="moderation.art12.records_kept", obligations=("art12.records_kept",),
              title_zh="处置记录完整并存证",
              title_en="Measures recorded with statements and logged", evaluate=records_kept,
              version="2"),
        Check(key="moderation.art21.ads_handled", obligations=("art21.ad_control",),
              title_zh="违法广告案件按时限处理", title_en="Unlawful-advertising cases decided "
              "within their deadline", evaluate=ads_handled, version="1"),
        Check(key="moderation.art22.ip_clocks", obligations=("art22.ip_protection",),
              title_zh="知识产权通知按期处理",
              title_en="IP notices handled, forwarded and 15-day clocks honoured",
              evaluate=ip_clocks, version="3"),
        Check(key="moderation.art28.complaints", obligations=("art28.complaints",),
              title_zh="消费者投诉按时解决", title_en="Consumer complaints resolved in time",
              evaluate=complaints_in_time, version="3"),
        Check(key="moderation.art29.sanctions", obligations=("art29.sanctions_published",),
              title_zh="对经营者的处置及时公示",
              title_en="Measures against merchants on the public board in time",
              evaluate=sanctions_publicised, version="2"),
        Check(key="moderation.art29.appeals", obligations=("art29.merchant_appeals",),
              title_zh="经营者可申诉且申诉按期决定",
              title_en="Merchants can appeal; appeals decided in time",
              evaluate=merchant_appeals),
    ]
