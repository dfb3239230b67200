"""Posture checks for Art 13 (动态审核词库与日常巡查): the lexicon is kept up to date, the
platform's daily patrol ran, and what the patrol found was handled. Thresholds live in
data/patrol.toml."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from zeren.lexicon import service
from zeren.lexicon.models import Lexicon, LexiconTerm, LexiconVersion, PatrolRun
from zeren.posture.domain import Check, CheckContext, CheckResult, Status
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
    if not last:
        return CheckResult(Status.UNMET, "no review lexicon (审核词库) stored", figures, {})
    newest = max(at for _, at in last)
    inputs = {"last_change": newest.isoformat(), "lexicons": sorted(n for n, _ in last)}
    if ctx.now - newest > timedelta(days=days):
        return CheckResult(Status.AT_RISK,
                           f"lexicon last changed {(ctx.now - newest).days} days ago "
                           f"(expected within {days})", figures, inputs)
    return CheckResult(Status.MET, f"lexicon changed within the last {days} days", figures,
                       inputs)


def patrol_ran(ctx: CheckContext) -> CheckResult:
    hours = int(service.patrol_settings()["check"]["patrol_within_hours"])
    run = service.latest_run(session=ctx.session, platform_id=ctx.platform_id)
    figures: dict[str, object] = {"within_hours": hours}
    if run is None or run.finished_at is None:
        running = ctx.session.scalar(select(func.count()).select_from(PatrolRun).where(
            PatrolRun.platform_id == ctx.platform_id, PatrolRun.status == "running")) or 0
        status = Status.AT_RISK if running else Status.UNMET
        return CheckResult(status, "no daily patrol (日常巡查) has finished", figures, {})
    age = ctx.now - run.finished_at
    figures.update(items=run.items_done, hits=run.hits_total, new_hits=run.new_hits)
    inputs = {"patrol_run_id": run.id, "finished_at": run.finished_at.isoformat(),
              "version": run.version}
    if age > timedelta(hours=hours):
        return CheckResult(Status.UNMET,
                           f"last patrol finished {int(age.total_seconds() // 3600)} h ago",
                           figures, inputs)
    return CheckResult(Status.MET, f"patrol finished {int(age.total_seconds() // 60)} min ago: "
                       f"{run.items_done} items, {run.new_hits} new hits", figures, inputs)


def hits_handled(ctx: CheckContext) -> CheckResult:
    hours = int(service.patrol_settings()["check"]["handle_within_hours"])
    open_ = service.open_findings(session=ctx.session, platform_id=ctx.platform_id)
    overdue = [f for f in open_ if ctx.now - f.found_at > timedelta(hours=hours)]
    figures = {"open": len(open_), "overdue": len(overdue), "within_hours": hours}
    inputs = {"overdue_finding_ids": [f.id for f in overdue[:100]]}
    if overdue:
        return CheckResult(Status.AT_RISK, f"{len(overdue)} patrol hit(s) unhandled for more "
                           f"than {hours} h", figures, inputs)
    return CheckResult(Status.MET, f"no patrol hit unhandled for more than {hours} h "
                       f"({len(open_)} open)", figures, inputs)


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check("lexicon.art13.maintained", 13, "动态维护审核词库", "Review lexicon kept up to date",
              lexicon_maintained),
        Check("lexicon.art13.patrol", 13, "每日巡查已完成", "Daily patrol finished", patrol_ran),
        Check("lexicon.art13.hits_handled", 13, "巡查命中已处置", "Patrol hits handled",
              hits_handled),
    ]
