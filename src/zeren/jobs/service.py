"""Run the scheduled jobs that are due, one unit of work each, and keep a record of every run.
A failed job is rolled back and recorded as failed; it does not stop the others."""

from __future__ import annotations

import logging
import threading
import traceback
import zlib
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from zeren.config import Settings, get_settings
from zeren.db.base import utcnow
from zeren.db.session import unit_of_work
from zeren.errors import InvalidInput
from zeren.jobs.domain import Job, JobContext
from zeren.jobs.models import JobRun
from zeren.plugins import plugin_manager

log = logging.getLogger("zeren.jobs")


@lru_cache(maxsize=1)
def all_jobs() -> tuple[Job, ...]:
    found: list[Job] = []
    for batch in plugin_manager().hook.zeren_jobs():
        found.extend(batch)
    names = [j.name for j in found]
    if len(set(names)) != len(names):
        raise RuntimeError(f"job names contributed twice: {sorted(names)}")
    return tuple(sorted(found, key=lambda j: j.name))


def last_run(*, session: Session, job: str, ok_only: bool = False) -> JobRun | None:
    q = select(JobRun).where(JobRun.job == job)
    if ok_only:
        q = q.where(JobRun.status == "ok")
    return session.scalar(q.order_by(JobRun.started_at.desc()).limit(1))


def _locked(session: Session, name: str) -> bool:
    """On PostgreSQL, let only one runner run a job at a time (transaction-scoped lock)."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(f"zeren.job:{name}".encode())
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))


def run_job(*, engine: Engine, job: Job, now: datetime | None = None, force: bool = False,
            settings: Settings | None = None) -> JobRun | None:
    """Run ``job`` if due (or ``force``) with ``settings`` (the app's or the command's; the
    process-wide settings when not given); returns the recorded run, or None if not run."""
    started = now or utcnow()
    settings = settings or get_settings()
    try:
        with unit_of_work(engine) as s:
            if not _locked(s, job.name):
                return None
            prev = last_run(session=s, job=job.name)
            if not force and not job.schedule.due(prev.started_at if prev else None, started):
                return None
            if not job.own_transactions:
                summary = job.run(JobContext(session=s, now=started, engine=engine,
                                             settings=settings))
                run = JobRun(job=job.name, started_at=started, finished_at=utcnow(),
                             status="ok", summary=summary, error="")
                s.add(run)
                return run
        with unit_of_work(engine) as s:
            summary = job.run(JobContext(session=s, now=started, engine=engine,
                                         settings=settings))
        with unit_of_work(engine) as s:
            run = JobRun(job=job.name, started_at=started, finished_at=utcnow(), status="ok",
                         summary=summary, error="")
            s.add(run)
        return run
    except Exception as exc:
        log.exception("job %s failed", job.name)
        with unit_of_work(engine) as s:
            run = JobRun(job=job.name, started_at=started, finished_at=utcnow(),
                         status="failed", summary={},
                         error="".join(traceback.format_exception_only(exc)).strip()[:4000])
            s.add(run)
        return run


def run_due(*, engine: Engine, now: datetime | None = None, only: str | None = None,
            force: bool = False, settings: Settings | None = None) -> list[JobRun]:
    """Run every due job (or just ``only``); returns the runs recorded."""
    jobs = all_jobs()
    if only is not None:
        jobs = tuple(j for j in jobs if j.name == only)
        if not jobs:
            raise InvalidInput(f"unknown job {only!r}; known: "
                               f"{', '.join(j.name for j in all_jobs())}", field="name")
    runs = []
    for job in jobs:
        run = run_job(engine=engine, job=job, now=now, force=force, settings=settings)
        if run is not None:
            runs.append(run)
    return runs


def run_forever(*, engine: Engine, stop: threading.Event, interval_s: float = 30.0,
                settings: Settings | None = None) -> None:
    """The runner loop used by ``zeren jobs run --forever`` and by ``zeren serve`` (with the
    app's settings)."""
    while not stop.is_set():
        try:
            run_due(engine=engine, settings=settings)
        except Exception:  # the loop must outlive any one failure
            log.exception("job runner pass failed")
        stop.wait(interval_s)
