"""Prometheus metrics (``GET /metrics``, docs/operations.md).

Two kinds, both with bounded labels only (route templates, methods, status codes, queues, SLA
states, decisions, record classes, job names; never an id, a path, a user or a platform):

* **counted in the process** — requests by route template and their latency, screening
  decisions. With several worker processes, ``PROMETHEUS_MULTIPROC_DIR`` names a folder they
  share (``zeren serve --workers N`` sets one up) and every scrape adds up all of them;
* **read from the database at scrape time** — open cases by queue and SLA state, SLA breaches,
  ledger entries (their rate is the append rate) and outbox backlog, patrol progress, job runs
  and failures, webhook delivery failures. The database is the one place every API worker and
  the job runner write to, so these are right whichever process is scraped. Counters among them
  are counts of append-only records (or of fields only ever set once), so they never go down.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from datetime import timedelta

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from zeren.db.base import utcnow

log = logging.getLogger("zeren.metrics")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # every path no route knows shares one label value

HTTP_REQUESTS = Counter(
    "zeren_http_requests", "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"], registry=None)
HTTP_LATENCY = Histogram(
    "zeren_http_request_duration_seconds", "Time to answer an HTTP request, by route template.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0), registry=None)
SCREENED = Counter(
    "zeren_screening_documents", "Documents screened with a review lexicon, by decision.",
    ["decision"], registry=None)
DUE_SOON = timedelta(hours=1)


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    m = method if method in METHODS else "OTHER"
    HTTP_REQUESTS.labels(route, m, str(status)).inc()
    HTTP_LATENCY.labels(route, m).observe(seconds)


def observe_screening(decisions: Iterable[str]) -> None:
    """Called by the screening service with each document's decision (pass/review/block)."""
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d] = counts.get(d, 0) + 1
    for d, n in counts.items():
        SCREENED.labels(d if d in {"pass", "review", "block"} else "other").inc(n)


class DatabaseCollector(Collector):
    """What the database knows, read at scrape time. A part whose tables are missing (a module
    not installed, a database not migrated) is left out and logged, never a failed scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        parts = (self._moderation, self._ledger, self._patrol, self._jobs, self._webhooks)
        with Session(self.engine) as s:
            for part in parts:
                try:
                    yield from list(part(s))
                except SQLAlchemyError as exc:
                    s.rollback()
                    log.warning("metrics: %s skipped (%s)", part.__name__.strip("_"),
                                exc.__class__.__name__)

    def _moderation(self, s: Session) -> Iterator[Metric]:
        from zeren.moderation.models import Case, Subject

        now = utcnow()
        state = case((Case.sla_due_at < now, "overdue"),
                     (Case.sla_due_at < now + DUE_SOON, "due_soon"), else_="within")
        g = GaugeMetricFamily("zeren_moderation_open_cases",
                              "Cases not decided yet, by queue and SLA state "
                              "(within, due_soon: under an hour left, overdue).",
                              labels=["queue", "sla_state"])
        for queue, st, n in s.execute(select(Case.queue, state, func.count())
                                      .where(Case.status.in_(("open", "claimed")))
                                      .group_by(Case.queue, state)):
            g.add_metric([str(queue), str(st)], n)
        yield g
        breached = s.scalar(select(func.count()).select_from(Case)
                            .where(Case.sla_breached_at.is_not(None))) or 0
        yield CounterMetricFamily("zeren_moderation_sla_breaches",
                                  "Cases whose SLA deadline passed before a decision "
                                  "(recorded once per case).", value=breached)
        v = GaugeMetricFamily("zeren_moderation_subjects",
                              "Subjects by their last screening verdict (pending = not screened "
                              "yet: the screening backlog).", labels=["verdict"])
        for verdict, n in s.execute(select(Subject.verdict, func.count())
                                    .where(Subject.verdict.is_not(None))
                                    .group_by(Subject.verdict)):
            v.add_metric([str(verdict)], n)
        yield v

    def _ledger(self, s: Session) -> Iterator[Metric]:
        from zeren.ledger import models as lm

        c, lg = lm.CHECKPOINTS, lm.LOGS
        newest = (select(c.c.log_id, func.max(c.c.size).label("size"),
                         func.max(c.c.created_at).label("at"))
                  .group_by(c.c.log_id).subquery())
        entries = CounterMetricFamily(
            "zeren_ledger_entries", "Entries in the ledger's logs, by record class "
            "(rate() of it is the append rate).", labels=["record_class"])
        age = GaugeMetricFamily("zeren_ledger_last_checkpoint_timestamp_seconds",
                                "When the newest checkpoint of a record class was signed.",
                                labels=["record_class"])
        for rc, size, at in s.execute(select(lg.c.record_class, func.sum(newest.c.size),
                                             func.max(newest.c.at))
                                      .join(newest, newest.c.log_id == lg.c.id)
                                      .group_by(lg.c.record_class)):
            entries.add_metric([str(rc)], float(size or 0))
            if at is not None:
                age.add_metric([str(rc)], at.timestamp())
        yield entries
        yield age
        backlog = GaugeMetricFamily("zeren_ledger_backlog",
                                    "Records committed and waiting in an outbox to be appended "
                                    "to the ledger, by outbox.", labels=["outbox"])
        from zeren.ledger.outbox import pending

        backlog.add_metric(["ledger"], pending(session=s))  # the shared outbox (ledger_0003)
        try:
            from zeren.moderation.models import LedgerOutbox
        except ImportError:  # pragma: no cover - moderation not installed
            yield backlog
            return
        backlog.add_metric(["moderation"], s.scalar(
            select(func.count()).select_from(LedgerOutbox)
            .where(LedgerOutbox.logged_at.is_(None))) or 0)
        yield backlog

    def _patrol(self, s: Session) -> Iterator[Metric]:
        from zeren.lexicon.models import PatrolRun

        runs = CounterMetricFamily("zeren_patrol_runs_finished", "Patrol runs finished.")
        runs.add_metric([], s.scalar(select(func.count()).select_from(PatrolRun)
                                     .where(PatrolRun.status == "finished")) or 0)
        yield runs
        done, total, running = s.execute(
            select(func.coalesce(func.sum(PatrolRun.items_done), 0),
                   func.coalesce(func.sum(PatrolRun.items_total), 0), func.count())
            .where(PatrolRun.status == "running")).one()
        yield GaugeMetricFamily("zeren_patrol_running", "Patrol runs under way.", value=running)
        yield GaugeMetricFamily("zeren_patrol_items_done",
                                "Items screened so far by the patrol runs under way.", value=done)
        yield GaugeMetricFamily("zeren_patrol_items_total",
                                "Items the patrol runs under way have to screen.", value=total)
        last = s.scalar(select(func.max(PatrolRun.finished_at)))
        if last is not None:
            yield GaugeMetricFamily("zeren_patrol_last_finished_timestamp_seconds",
                                    "When the last patrol run finished.", value=last.timestamp())

    def _jobs(self, s: Session) -> Iterator[Metric]:
        from zeren.jobs.models import JobRun
        from zeren.jobs.service import all_jobs

        known = {j.name for j in all_jobs()}
        runs = CounterMetricFamily("zeren_job_runs", "Scheduled job runs, by job and status "
                                   "(ok, failed).", labels=["job", "status"])
        for job, status, n in s.execute(select(JobRun.job, JobRun.status, func.count())
                                        .group_by(JobRun.job, JobRun.status)):
            if job in known:
                runs.add_metric([str(job), str(status)], n)
        yield runs
        ok = GaugeMetricFamily("zeren_job_last_success_timestamp_seconds",
                               "When each job last started a run that succeeded.",
                               labels=["job"])
        for job, at in s.execute(select(JobRun.job, func.max(JobRun.started_at))
                                 .where(JobRun.status == "ok").group_by(JobRun.job)):
            if job in known and at is not None:
                ok.add_metric([str(job)], at.timestamp())
        yield ok

    def _webhooks(self, s: Session) -> Iterator[Metric]:
        from zeren.moderation.models import OutboxMessage as M

        failed = s.scalar(select(func.coalesce(func.sum(
            M.attempts - case((M.status == "delivered", 1), else_=0)), 0))) or 0
        yield CounterMetricFamily("zeren_webhook_delivery_failures",
                                  "Webhook delivery attempts that failed (each retry counts).",
                                  value=failed)
        g = GaugeMetricFamily("zeren_webhook_messages", "Webhook messages by state "
                              "(pending, delivered, dead).", labels=["state"])
        for status, n in s.execute(select(M.status, func.count()).group_by(M.status)):
            g.add_metric([str(status)], n)
        yield g


def render(engine: Engine) -> tuple[bytes, str]:
    """The exposition text for one scrape: this process's (or all workers') counters plus
    what the database knows."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # all workers
    else:
        for c in (HTTP_REQUESTS, HTTP_LATENCY, SCREENED):
            registry.register(c)
    registry.register(DatabaseCollector(engine))
    return generate_latest(registry), CONTENT_TYPE_LATEST


__all__ = ["DatabaseCollector", "observe_request", "observe_screening", "render"]
