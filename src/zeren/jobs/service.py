"""Run the scheduled jobs that are due, one unit of work each, and keep a record of every run.
A failed job is rolled back and recorded as failed; it does not stop the others."""

from __future__ import annotations

import fcntl
import logging
import threading
import traceback
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path

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


def _lock_key(name: str) -> int:
    return zlib.crc32(f"zeren.job:{name}".encode())


_LOCAL_LOCKS: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


def _lock_dir(engine: Engine) -> Path | None:
    """SQLite: the folder beside the database file that holds one lock file per job."""
    db = engine.url.database
    if not db or db == ":memory:":
        return None
    return Path(f"{db}.locks")


@contextmanager
def job_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Hold job ``name``'s lock for as long as the block runs; yields False (and holds
    nothing) when another runner holds it. Held for the WHOLE run, including jobs that
    commit their own transactions, so two runners never run one job at once.

    PostgreSQL: a session-level advisory lock on a connection of its own, kept for the run
    and released at its end (or by the server if the process dies). SQLite: ``flock`` on a
    file beside the database (released by the kernel if the process dies); an in-memory
    database falls back to a lock in this process."""
    if engine.dialect.name == "postgresql":
        key = _lock_key(name)
        with engine.connect() as c:
            got = bool(c.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
            c.commit()
            try:
                yield got
            finally:
                if got:
                    c.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    c.commit()
        return
    folder = _lock_dir(engine)
    if folder is None:
        with _LOCAL_GUARD:
            lock = _LOCAL_LOCKS.setdefault(name, threading.Lock())
        got = lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                lock.release()
        return
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
    with open(folder / f"{safe}.lock", "a+b") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def run_job(*, engine: Engine, job: Job, now: datetime | None = None, force: bool = False,
            settings: Settings | None = None) -> JobRun | None:
    """Run ``job`` if due (or ``force``) and no other runner is running it, with ``settings``
    (the app's or the command's; the process-wide settings when not given); returns the
    recorded run, or None if not run."""
    started = now or utcnow()
    settings = settings or get_settings()
    with job_lock(engine, job.name) as got:
        if not got:
            log.info("job %s is running elsewhere; skipped", job.name,
                     extra={"job": job.name})
            return None
        try:
            with unit_of_work(engine) as s:
                prev = last_run(session=s, job=job.name)
                if not force and not job.schedule.due(prev.started_at if prev else None,
                                                      started):
                    return None
                if not job.own_transactions:
                    summary = job.run(JobContext(session=s, now=started, engine=engine,
                                                 settings=settings))
                    run = JobRun(job=job.name, started_at=started, finished_at=utcnow(),
                                 status="ok", summary=summary, error="")
                    s.add(run)
            if job.own_transactions:
                with unit_of_work(engine) as s:
                    summary = job.run(JobContext(session=s, now=started, engine=engine,
                                                 settings=settings))
                with unit_of_work(engine) as s:
                    run = JobRun(job=job.name, started_at=started, finished_at=utcnow(),
                                 status="ok", summary=summary, error="")
                    s.add(run)
            log.info("job %s ok", job.name, extra={"job": job.name, "status": "ok"})
            return run
        except Exception as exc:
            log.exception("job %s failed", job.name, extra={"job": job.name, "status": "failed"})
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
