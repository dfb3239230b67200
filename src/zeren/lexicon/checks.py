"""Posture checks for Art 13 (动态审核词库与日常巡查): the lexicon is kept up to date, the
platform's daily patrol ran, and what the patrol found was handled. Thresholds live in
data/patrol.toml."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from zeren.lexicon import service
from zeren.lexicon.models import Lexicon, LexiconTerm, LexiconVersion
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.posture.hookspecs import hookimpl


def lexicon_maintained(ctx: CheckContext) -> CheckResult:
    days = int(service.patrol_settings()["check"]["maintained_within_days"])
    # Lexicons that apply to this platform: any with group-wide terms or terms of its own.
    applies = select(LexiconTerm.lexicon_id).where(
        (LexiconTerm.platform_id.is_(None)) | (LexiconTerm.platform_id == ctx.platform_id))
    last = ctx.session.execute(
        select(Lexicon.name, func.max(LexiconVersion.created_at))
        .join(LexiconVersion, LexiconVersion.lexicon_id == Lexicon.id)
        .where(Lexicon.id.in_(applies)).group_by(Lexicon.name)
    ).all()
    figures = {"lexicons": len(last), "within_days": days}
    period = Period.last(ctx.now, timedelta(days=days))
    if not last:
        return CheckResult(Status.UNMET, "no review lexicon (审核词库) stored", figures, {},
                           period=period)
    newest = max(at for _, at in last)
    inputs = {"last_change": newest.isoformat(), "lexicons": sorted(n for n, _ in last)}
    if ctx.now - newest > timedelta(days=days):
        return CheckResult(Status.AT_RISK,
                           f"lexicon last changed {(ctx.now - newest).days} days ago "
                           f"(expected within {days})", figures, inputs, period=period)
    fresh = sum(1 for _, at in last if ctx.now - at <= timedelta(days=days))
    return CheckResult(Status.MET, f"lexicon changed within the last {days} days", figures,
                       inputs, seen=fresh, period=period, scope="group")


def patrol_ran(ctx: CheckContext) -> CheckResult:
    hours = int(service.patrol_settings()["check"]["patrol_within_hours"])
    run = service.latest_run(session=ctx.session, platform_id=ctx.platform_id, finished=False)
    figures: dict[str, object] = {"within_hours": hours}
    period = Period.last(ctx.now, timedelta(hours=hours))
    if run is None:
        return CheckResult.no_data("no daily patrol (日常巡查) has run", figures=figures,
                                   what_zh="尚未进行日常巡查", period=period)
    if run.status == "failed":
        return CheckResult(Status.UNMET, f"the last patrol failed: {run.error}", figures,
                           {"patrol_run_id": run.id}, reason_zh="最近一次巡查失败", period=period)
    done = service.latest_run(session=ctx.session, platform_id=ctx.platform_id)
    if done is None or done.finished_at is None:
        return CheckResult(Status.AT_RISK, "no daily patrol (日常巡查) has finished yet",
                           figures, {"patrol_run_id": run.id}, reason_zh="巡查尚未完成",
                           period=period)
    age = ctx.now - done.finished_at
    figures.update(items=done.items_done, hits=done.hits_total, new_hits=done.new_hits)
    inputs = {"patrol_run_id": done.id, "finished_at": done.finished_at.isoformat(),
              "version": done.version}
    if age > timedelta(hours=hours):
        return CheckResult(Status.UNMET,
                           f"last patrol finished {int(age.total_seconds() // 3600)} h ago",
                           figures, inputs, period=period)
    if not done.items_done:
        return CheckResult.no_data("the last patrol screened no item of this platform",
                                   what_zh="最近一次巡查未审查本平台任何商品信息",
                                   figures=figures, inputs=inputs, period=period)
    return CheckResult(Status.MET, f"patrol finished {int(age.total_seconds() // 60)} min ago: "
                       f"{done.items_done} items, {done.new_hits} new hits", figures, inputs,
                       seen=done.items_done, period=period)


def hits_handled(ctx: CheckContext) -> CheckResult:
    """The patrol's findings are handled as moderation cases (source ``patrol``): a case open
    past its SLA deadline, or decided after it, puts the duty at risk."""
    from zeren.moderation.services.patrol import patrol_cases

    got = patrol_cases(session=ctx.session, platform_id=ctx.platform_id, now=ctx.now)
    figures = {"open": got.open, "overdue": got.overdue, "decided": got.decided,
               "decided_late": got.decided_late}
    inputs = {"overdue_case_ids": got.overdue_ids}
    period = Period.since_records_began(ctx.now)
    if got.open + got.decided == 0:
        return CheckResult.no_data("the patrol opened no case", figures=figures, inputs=inputs,
                                   what_zh="巡查未产生案件", period=period)
    if got.overdue:
        return CheckResult(Status.AT_RISK, f"{got.overdue} patrol case(s) open past their SLA",
                           figures, inputs, reason_zh=f"{got.overdue} 件巡查案件超过处理时限",
                           period=period)
    if got.decided_late:
        return CheckResult(Status.AT_RISK, f"{got.decided_late} of {got.decided} patrol "
                           "case(s) decided after their SLA", figures, inputs,
                           reason_zh=f"{got.decided_late} 件巡查案件超时处理", period=period)
    if not got.decided:
        return CheckResult.no_data("no patrol case decided yet (those open are within time)",
                                   what_zh="巡查案件尚未处理完毕（均在时限内）",
                                   figures=figures, inputs=inputs, period=period)
    return CheckResult(Status.MET, f"every patrol case handled within its SLA ({got.decided} "
                       f"decided, {got.open} open within time)", figures, inputs,
                       reason_zh="巡查案件均在时限内处理", seen=got.decided, period=period)


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="lexicon.art13.maintained", obligations=("art13.lexicon",),
              title_zh="动态维护审核词库", title_en="Review lexicon kept up to date",
              evaluate=lexicon_maintained),
        Check(key="lexicon.art13.patrol", obligations=("art13.patrol",),
              title_zh="每日巡查已完成", title_en="Daily patrol finished", evaluate=patrol_ran),
        Check(key="lexicon.art13.hits_handled", obligations=("art13.patrol",),
              title_zh="巡查命中已处置", title_en="Patrol hits handled", evaluate=hits_handled),
    ]
