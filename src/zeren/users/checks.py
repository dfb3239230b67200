"""Posture checks for minors (指南 第三十一条 art31.minors), read from the logs the platform
sends for accounts flagged as minors over the last days in data: game sessions only inside
the windows in data (Fri/Sat/Sun and holidays 20:00-21:00; never 22:00-08:00), and game
payments within the single and monthly limits of the account's age band. No flagged
account's game session (or payment) in the window is no data."""

from __future__ import annotations

from sqlalchemy import select

from zeren.hookspecs import hookimpl
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.users import domain as d
from zeren.users.models import MinorAccount, MinorPayment, MinorSession


def game_time(ctx: CheckContext) -> CheckResult:
    """Every game session of a flagged minor inside an open window."""
    since, until = d.window(ctx.now)
    period = Period(start=since, end=until)
    s, a = MinorSession, MinorAccount
    rows = ctx.session.execute(select(s.id, a.account_ref, s.starts_at, s.ends_at)
                               .join(a, a.id == s.account_id).where(
        s.platform_id == ctx.platform_id, s.service == "game", s.starts_at >= since,
        s.starts_at <= until)).all()
    if not rows:
        return CheckResult.no_data("no game session of an account flagged as a minor in the "
                                   "window", period=period, what_zh="统计期内无未成年人账号游戏记录")
    w = d.game_window()
    outside = [r for r in rows if not d.game_allowed(r.starts_at, r.ends_at, w)]
    figures = {"sessions": len(rows), "outside_window": len(outside),
               "accounts": len({r.account_ref for r in rows})}
    if outside:
        return CheckResult.found(
            Status.UNMET, f"{len(outside)} game session(s) of minors outside the permitted "
            "hours", period=period, seen=len(rows) - len(outside), figures=figures,
            inputs={"accounts": sorted({r.account_ref for r in outside})[:50],
                    "session_ids": [r.id for r in outside][:50]},
            reason_zh=f"{len(outside)} 次未成年人游戏时段超出规定时间")
    return CheckResult.met(f"{len(rows)} game session(s) of minors all within the permitted "
                           "hours", seen=len(rows), period=period, figures=figures,
                           reason_zh=f"{len(rows)} 次未成年人游戏均在规定时段内")


def spending(ctx: CheckContext) -> CheckResult:
    """Game payments of flagged minors within their band's single and monthly limits."""
    since, until = d.window(ctx.now)
    period = Period(start=since, end=until)
    p, a = MinorPayment, MinorAccount
    # the whole Beijing month of the window's first day counts toward the monthly limit
    month_start = d.month_start(since)
    rows = ctx.session.execute(select(a.account_ref, p.payment_ref, a.band, p.paid_at,
                                      p.amount_fen).join(a, a.id == p.account_id).where(
        p.platform_id == ctx.platform_id, p.service == "game",
        p.paid_at >= month_start,
        p.paid_at <= until)).all()
    in_window = [r for r in rows if r.paid_at >= since]
    if not in_window:
        return CheckResult.no_data("no game payment of an account flagged as a minor in the "
                                   "window", period=period, what_zh="统计期内无未成年人账号游戏付费记录")
    mine = {r.payment_ref for r in in_window}
    found = [b for b in d.spending_breaches((r.account_ref, r.payment_ref, r.band, r.paid_at,
                                              r.amount_fen) for r in rows) if b.payment in mine]
    figures = {"payments": len(in_window), "over_single": sum(b.rule == "single" for b in found),
               "over_monthly": sum(b.rule == "monthly" for b in found)}
    if found:
        return CheckResult.found(
            Status.UNMET, f"{len(found)} game payment(s) of minors over the limits "
            f"({figures['over_single']} single, {figures['over_monthly']} monthly)",
            period=period, seen=len(in_window) - len({b.payment for b in found}),
            figures=figures, inputs={"accounts": sorted({b.account for b in found})[:50]},
            reason_zh=f"{len(found)} 笔未成年人游戏付费超出限额")
    return CheckResult.met(f"{len(in_window)} game payment(s) of minors within the limits of "
                           "their age band", seen=len(in_window), period=period,
                           figures=figures, reason_zh=f"{len(in_window)} 笔未成年人游戏付费均在限额内")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="users.art31.game_time", obligations=("art31.minors",),
              title_zh="未成年人游戏时段符合规定",
              title_en="Minors' game sessions only in the permitted hours",
              evaluate=game_time, version="1"),
        Check(key="users.art31.spending", obligations=("art31.minors",),
              title_zh="未成年人游戏付费不超过限额",
              title_en="Minors' game payments within the limits of their age band",
              evaluate=spending, version="1"),
    ]
