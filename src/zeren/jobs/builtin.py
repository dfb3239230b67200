"""Jobs the foundation ships: the daily posture evaluation (evidence snapshots for every
platform) and the lexicon's daily patrol where that module offers ``run_due_patrols``."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy import select

from zeren.auth.policy import Actor, Grant
from zeren.hookspecs import hookimpl
from zeren.jobs.domain import DailyAt, Every, Job, JobContext
from zeren.platforms.models import Platform

JOBS_ACTOR = Actor(user_id="system:jobs", username="system:jobs", grants=(Grant("admin", None),),
                   via="jobs")


def evaluate_all_platforms(ctx: JobContext) -> dict[str, Any]:
    from zeren.posture.service import evaluate

    out: dict[str, Any] = {}
    for p in ctx.session.scalars(select(Platform).order_by(Platform.code)):
        ev = evaluate(session=ctx.session, actor=JOBS_ACTOR, platform=p, now=ctx.now)
        out[p.code] = {"articles": ev.counts(), "obligations": ev.obligation_counts()}
    return {"platforms": out}


def lexicon_patrols(ctx: JobContext) -> dict[str, Any]:
    from zeren.lexicon.service import run_due_patrols

    results = run_due_patrols(session=ctx.session, now=ctx.now)
    return {"patrols": [str(r) for r in results]}


@hookimpl
def zeren_jobs() -> list[Job]:
    return [
        Job(name="posture.daily_evaluation", title_zh="每日合规态势评估",
            title_en="Daily posture evaluation", schedule=DailyAt(time(1, 0)),
            run=evaluate_all_platforms),
        Job(name="lexicon.patrol", title_zh="日常巡查（按词库巡查计划）",
            title_en="Daily patrol (per the lexicon's patrol schedule)", schedule=Every(300),
            run=lexicon_patrols),
    ]
