"""Posture checks the gig-worker register contributes (指南 第三十条): over the last whole
Beijing weeks of dispatch log, every worker's daily order time, continuous work without the
pause, a rest day each week (working time), and pay per hour worked against the minimum
wage of the worker's city (pay). The limits are in data/workers.toml with their sources; a
value exactly at its limit is within it. No segment in the window is no data."""

from __future__ import annotations

from datetime import timedelta

from zeren.hookspecs import hookimpl
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.workers import domain as d
from zeren.workers.services.assessment import Assessed, assess, last_weeks

TIME_RULES = ("daily_order_time", "continuous_work", "rest_day")
ZH = {"daily_order_time": "日接单时长超限", "continuous_work": "连续工作超时未停派",
      "rest_day": "每周无休息日", "minimum_pay": "时薪低于当地最低工资"}


def _read(ctx: CheckContext) -> tuple[Period, Assessed | None]:
    first, weeks = last_weeks(ctx.now)
    start = d.instant(d.day_number(first))
    period = Period(end=start + timedelta(days=7 * weeks), start=start)
    got = assess(ctx.session, ctx.platform_id, first, weeks)
    return period, (got if got.result.segments else None)


def _judge(ctx: CheckContext, rules: tuple[str, ...], what: str, what_zh: str
           ) -> CheckResult:
    period, got = _read(ctx)
    if got is None:
        return CheckResult.no_data(f"no dispatch log of gig workers in the last whole weeks "
                                   f"({what})", period=period,
                                   what_zh=f"近几个完整周无灵活就业人员派单记录（{what_zh}）")
    res = got.result
    figures = {"workers_active": res.workers_active, "segments": res.segments,
               "weeks": res.weeks,
               **{r: {"assessed": res.rules[r].assessed, "breaches": res.rules[r].breaches,
                      "workers_breaching": res.rules[r].workers_breaching} for r in rules}}
    breached = [r for r in rules if res.rules[r].breaches]
    seen = sum(res.rules[r].assessed - res.rules[r].breaches for r in rules)
    if breached:
        inputs = {r: sorted({got.refs[w] for w in res.rules[r].worker.tolist()})[:50]
                  for r in breached}
        return CheckResult.found(
            Status.UNMET, "; ".join(f"{r}: {res.rules[r].breaches} breach(es) by "
                                    f"{res.rules[r].workers_breaching} worker(s)"
                                    for r in breached), period=period, seen=seen,
            figures=figures, inputs={"workers": inputs},
            reason_zh="；".join(f"{ZH[r]} {res.rules[r].breaches} 次"
                               f"（{res.rules[r].workers_breaching} 人）" for r in breached))
    return CheckResult.met(f"{res.workers_active} worker(s) over {res.weeks} week(s): {what} "
                           "within the limits in data", seen=seen, period=period,
                           figures=figures, reason_zh=f"{res.workers_active} 名灵活就业人员"
                           f"{res.weeks} 周内{what_zh}均符合数据中的限值")


def working_time(ctx: CheckContext) -> CheckResult:
    """Daily order time, continuous work without the pause, a rest day each week."""
    return _judge(ctx, TIME_RULES, "order time, pauses and rest days", "接单时长、停派与休息日")


def fair_pay(ctx: CheckContext) -> CheckResult:
    """Pay per hour worked each week at or above the minimum wage of the worker's city."""
    return _judge(ctx, ("minimum_pay",), "pay per hour worked", "每小时报酬")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="workers.art30.working_time", obligations=("art30.gig_workers",),
              title_zh="灵活就业人员接单时长、连续工作停派与每周休息",
              title_en="Gig workers' daily order time, pauses after continuous work and a "
                       "weekly rest day", evaluate=working_time, version="1"),
        Check(key="workers.art30.fair_pay", obligations=("art30.gig_workers",),
              title_zh="灵活就业人员每小时报酬不低于当地最低工资",
              title_en="Gig workers' pay per hour worked at or above the local minimum wage",
              evaluate=fair_pay, version="1"),
    ]
