"""The job lock is held for the whole run (issue 9): while one runner is inside a job, another
runner neither runs it nor waits for it — also for jobs that commit their own transactions,
whose lock used to end before the job ran."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from zeren.db.session import make_engine
from zeren.jobs import service
from zeren.jobs.domain import Every, Job, JobContext
from zeren.jobs.models import JobRun


@pytest.mark.parametrize("own", [True, False], ids=["own-transactions", "runner-transaction"])
def test_a_second_runner_skips_a_running_job(db_url: str, engine: Engine, own: bool) -> None:
    inside = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def slow(ctx: JobContext) -> dict[str, Any]:
        calls.append(threading.current_thread().name)
        inside.set()
        assert release.wait(20)
        return {"ok": True}

    job = Job(name=f"test.slow.{own}", title_zh="慢", title_en="slow", schedule=Every(3600),
              run=slow, own_transactions=own)
    first_engine, second_engine = make_engine(db_url), make_engine(db_url)  # two "runners"
    got: dict[str, Any] = {}
    t = threading.Thread(target=lambda: got.setdefault(
        "first", service.run_job(engine=first_engine, job=job, force=True)), name="first")
    t.start()
    assert inside.wait(20)
    # Forced, so only the lock can stop it.
    second = service.run_job(engine=second_engine, job=job, force=True)
    release.set()
    t.join(20)
    assert second is None
    assert calls == ["first"]
    assert got["first"] is not None and got["first"].status == "ok"
    # Once the first run is over, the lock is free again.
    release.set()
    again = service.run_job(engine=second_engine, job=job, force=True)
    assert again is not None and again.status == "ok"
    with engine.connect() as c:
        n = c.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == job.name))
    assert n == 2
    first_engine.dispose()
    second_engine.dispose()


def test_the_lock_is_given_back_after_a_failure(engine: Engine) -> None:
    def boom(ctx: JobContext) -> dict[str, Any]:
        raise RuntimeError("broken")

    job = Job(name="test.boom.lock", title_zh="坏", title_en="boom", schedule=Every(3600),
              run=boom, own_transactions=True)
    assert service.run_job(engine=engine, job=job, force=True).status == "failed"  # type: ignore[union-attr]
    with service.job_lock(engine, job.name) as got:
        assert got
