"""Posture checks for Art 13 (动态审核词库与日常巡查): the lexicon is kept up to date, the
platform's daily patrol ran, and what the patrol found was handled. Thresholds live in
data/patrol.toml."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from zeren.lexicon import service
from zeren.lexicon.models import Lexicon, LexiconTerm, LexiconVersion, PatrolRun
from zeren.platforms.models import Platform
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, ScopeKind, Status
from zeren.posture.hookspecs import hookimpl


def _latest_run(ctx: CheckContext, *, finished: bool) -> PatrolRun | None:
    """The platform's latest (finished) patrol run, read once per evaluation."""
    return ctx.shared(("lexicon.latest_run", finished), lambda: service.latest_run(
        session=ctx.session, platform_id=ctx.platform_id, finished=finished))


def lexicon_maintained(ctx: CheckContext) -> CheckResult:
    """The lexicon this platform is patrolled with (its latest patrol's, else data/patrol.toml's
    choice for it) holds terms and changed within the window. Another lexicon's changes do
    not count."""
    days = int(service.patrol_settings()["check"]["maintained_within_days"])
    period = Period.last(ctx.now, timedelta(days=days))
    # the lexicon the platform's latest patrol used, else the one data/patrol.toml names
    last = _latest_run(ctx, finished=False)
    lex = ctx.session.get(Lexicon, last.lexicon_id) if last is not None else None
    if lex is not None:
        name = lex.name
    else:
        platform = ctx.session.get(Platform, ctx.platform_id)
        if platform is None:
            return CheckResult.no_data("no such platform", period=period)
        name = service.patrol_plan(platform=platform)[1]
        lex = ctx.session.scalar(select(Lexicon).where(Lexicon.name == name))
    if lex is None:
        return CheckResult.found(Status.UNMET, f"the platform's lexicon {name!r} (审核词库) is "
                                 "not stored", period=period, figures={"lexicon": name},
                                 reason_zh=f"本平台使用的审核词库「{name}」不存在")
    versions = ctx.session.execute(
        select(LexiconVersion.version, LexiconVersion.created_at, LexiconVersion.term_count)
        .where(LexiconVersion.lexicon_id == lex.id)
        .order_by(LexiconVersion.version.desc())).all()
    own = ctx.session.scalar(select(func.count()).select_from(LexiconTerm).where(
        LexiconTerm.lexicon_id == lex.id, LexiconTerm.platform_id == ctx.platform_id,
        LexiconTerm.removed_in.is_(None))) or 0
    scope: ScopeKind = "platform" if own else "group"
    since = ctx.now - timedelta(days=days)
    recent = [v for v in versions if v.created_at >= since]
    current = versions[0] if versions else None
    figures = {"lexicon": name, "version": lex.current_version,
               "terms": current.term_count if current else 0,
               "platform_terms": own, "changes_in_window": len(recent), "within_days": days}
    inputs = {"lexicon_id": lex.id,
              "last_change": current.created_at.isoformat() if current else None}
    if current is None or not current.term_count:
        return CheckResult.found(Status.UNMET, f"the platform's lexicon {name!r} holds no term",
                                 period=period, figures=figures, inputs=inputs, scope=scope,
                                 reason_zh=f"审核词库「{name}」没有词条")
    if not recent:
        age = (ctx.now - current.created_at).days
        return CheckResult.found(Status.AT_RISK, f"lexicon {name!r} last changed {age} days "
                                 f"ago (expected within {days})", period=period,
                                 figures=figures, inputs=inputs, scope=scope,
                                 reason_zh=f"审核词库「{name}」已 {age} 天未更新（应在 {days} 天内）")
    return CheckResult.met(f"lexicon {name!r} ({current.term_count} terms) changed "
                           f"{len(recent)} time(s) in the last {days} days", seen=len(recent),
                           period=period, figures=figures, inputs=inputs, scope=scope,
                           reason_zh=f"审核词库「{name}」近 {days} 天更新 {len(recent)} 次")


def patrol_ran(ctx: CheckContext) -> CheckResult:
    """The platform's daily patrol finished within the window and screened its items."""
    hours = int(service.patrol_settings()["check"]["patrol_within_hours"])
    period = Period.last(ctx.now, timedelta(hours=hours))
    run = _latest_run(ctx, finished=False)
    figures: dict[str, object] = {"within_hours": hours}
    if run is None:
        from zeren.moderation.services.patrol import count_published

        items = count_published(session=ctx.session, platform_id=ctx.platform_id)
        if items:
            return CheckResult.found(Status.UNMET, "items are published but no daily patrol "
                                     "(日常巡查) has ever run", period=period, figures=figures,
                                     reason_zh="已有商品信息但从未进行日常巡查")
        return CheckResult.no_data("no item submitted and no daily patrol (日常巡查) has run",
                                   figures=figures, what_zh="尚无商品信息，也未进行日常巡查",
                                   period=period)
    if run.status == "failed":
        return CheckResult.found(Status.UNMET, f"the last patrol failed: {run.error}",
                                 period=period, figures=figures,
                                 inputs={"patrol_run_id": run.id},
                                 reason_zh="最近一次巡查失败")
    done = _latest_run(ctx, finished=True)
    if done is None or done.finished_at is None:
        return CheckResult.found(Status.AT_RISK, "no daily patrol (日常巡查) has finished yet",
                                 period=period, figures=figures,
                                 inputs={"patrol_run_id": run.id}, reason_zh="巡查尚未完成")
    age = ctx.now - done.finished_at
    figures.update(items=done.items_done, hits=done.hits_total, new_hits=done.new_hits)
    inputs = {"patrol_run_id": done.id, "finished_at": done.finished_at.isoformat(),
              "version": done.version}
    if age > timedelta(hours=hours):
        return CheckResult.found(Status.UNMET, f"last patrol finished "
                                 f"{int(age.total_seconds() // 3600)} h ago (expected within "
                                 f"{hours} h)", period=period, figures=figures, inputs=inputs,
                                 reason_zh=f"最近一次巡查已是 {int(age.total_seconds() // 3600)} "
                                 "小时前")
    if not done.items_done:
        return CheckResult.no_data("the last patrol screened no item of this platform",
                                   what_zh="最近一次巡查未审查本平台任何商品信息",
                                   figures=figures, inputs=inputs, period=period)
    return CheckResult.met(f"patrol finished {int(age.total_seconds() // 60)} min ago: "
                           f"{done.items_done} items screened, {done.new_hits} new hits",
                           seen=done.items_done, period=period, figures=figures, inputs=inputs,
                           reason_zh=f"巡查已完成：审查 {done.items_done} 条，新命中 "
                           f"{done.new_hits} 条")


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
              evaluate=lexicon_maintained, version="2"),
        Check(key="lexicon.art13.patrol", obligations=("art13.patrol",),
              title_zh="每日巡查已完成", title_en="Daily patrol finished", evaluate=patrol_ran,
              version="2"),
        Check(key="lexicon.art13.hits_handled", obligations=("art13.patrol",),
              title_zh="巡查命中已处置", title_en="Patrol hits handled", evaluate=hits_handled,
              version="2"),
    ]
