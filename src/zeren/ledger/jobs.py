"""The ledger's scheduled job: append what the shared outbox holds (``zeren.ledger.outbox``).
Requests kick a flusher thread after commit; this job catches whatever a stopped process or
a failed batch left behind."""

from __future__ import annotations

from typing import Any

from zeren.hookspecs import hookimpl
from zeren.jobs.domain import Every, Job, JobContext


def flush_outbox(ctx: JobContext) -> dict[str, Any]:
    from zeren.config import get_settings
    from zeren.ledger.outbox import flush_all
    from zeren.ledger.service import integrator_for

    logged = flush_all(engine=ctx.engine,
                       integrator=integrator_for(ctx.engine, get_settings().data_dir))
    return {"logged": logged}


@hookimpl
def zeren_jobs() -> list[Job]:
    return [Job(name="ledger.outbox", title_zh="待上链记录写入账本",
                title_en="Append the outbox's pending records to the ledger",
                schedule=Every(30), run=flush_outbox, own_transactions=True)]
