"""The job runner: runs what is due, records every run, isolates failures."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from tests.conftest import World
from zeren.errors import InvalidInput
from zeren.jobs import service
from zeren.jobs.domain import DailyAt, Every, Job, JobContext
from zeren.jobs.models import JobRun
from zeren.posture.models import EvidenceSnapshot


def test_builtin_jobs_are_registered() -> None:
    names = {j.name for j in service.all_jobs()}
    assert {"posture.daily_evaluation", "lexicon.patrol", "moderation.tick",
            "moderation.deliver"} <= names


def test_every_builtin_job_runs(engine: Engine, world: World) -> None:
    runs = service.run_due(engine=engine, force=True)
    assert {r.job for r in runs} == {j.name for j in service.all_jobs()}
    failed = {r.job: r.error for r in runs if r.status != "ok"}
    assert not failed


def test_daily_posture_evaluation_runs_once_a_day(engine: Engine, world: World) -> None:
    job = next(j for j in service.all_jobs() if j.name == "posture.daily_evaluation")
    t0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 11:00 Beijing
    run = service.run_job(engine=engine, job=job, now=t0)
    assert run is not None and run.status == "ok"
    assert set(run.summary["platforms"]) == {"big", "small"}
    assert service.run_job(engine=engine, job=job, now=t0 + timedelta(hours=2)) is None
    assert service.run_job(engine=engine, job=job, now=t0 + timedelta(hours=14)) is not None
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(JobRun)) == 2
        evaluations = s.scalar(select(func.count(func.distinct(EvidenceSnapshot.evaluation_id))))
        assert evaluations == 4  # two platforms, twice


def test_a_failing_job_is_recorded_and_rolled_back(engine: Engine, world: World) -> None:
    def boom(ctx: JobContext) -> dict[str, Any]:
        ctx.session.execute(text("INSERT INTO job_runs (id, job, started_at, finished_at, status,"
                                 " summary, error) VALUES ('x', 'ghost', :t, :t, 'ok', '{}', '')"),
                            {"t": ctx.now.replace(tzinfo=None)})
        raise RuntimeError("patrol store unreachable")

    job = Job(name="test.boom", title_zh="失败", title_en="fails", schedule=Every(60), run=boom)
    run = service.run_job(engine=engine, job=job)
    assert run is not None and run.status == "failed"
    assert "patrol store unreachable" in run.error
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == "ghost")) == 0


def test_forced_and_unknown(engine: Engine, world: World) -> None:
    job = Job(name="test.daily", title_zh="每日", title_en="daily", schedule=DailyAt(time(1, 0)),
              run=lambda ctx: {"ran": True})
    now = datetime.now(UTC)
    assert service.run_job(engine=engine, job=job, now=now) is not None
    assert service.run_job(engine=engine, job=job, now=now) is None
    assert service.run_job(engine=engine, job=job, now=now, force=True) is not None
    with pytest.raises(InvalidInput):
        service.run_due(engine=engine, only="no.such.job")
