"""Moderation's scheduled jobs: move every clock on (SLA escalation, measure expiry, IP
15-day clocks, complaint deadlines, batch screening), then log pending measures, statements
and appeal outcomes in the ledger and deliver due webhooks."""

from __future__ import annotations

from typing import Any

from zeren.hookspecs import hookimpl
from zeren.jobs.domain import Every, Job, JobContext
from zeren.moderation.services import clocks, delivery


def tick(ctx: JobContext) -> dict[str, Any]:
    return dict(clocks.advance(session=ctx.session, now=ctx.now))


def flush_and_deliver(ctx: JobContext) -> dict[str, Any]:
    from zeren.ledger.service import record_log_for

    logged = delivery.flush_ledger(engine=ctx.engine, record_log=record_log_for(
        ctx.engine, ctx.settings.data_dir))
    delivered = delivery.deliver_due(engine=ctx.engine)
    return {"ledger_records": logged, "webhooks": delivered}


@hookimpl
def zeren_jobs() -> list[Job]:
    return [
        Job(name="moderation.tick", title_zh="时限与处置到期处理",
            title_en="SLA escalation, measure expiry, IP and complaint clocks",
            schedule=Every(60), run=tick),
        Job(name="moderation.deliver", title_zh="处置记录上链与回调通知",
            title_en="Log measures in the ledger and deliver webhooks", schedule=Every(30),
            run=flush_and_deliver, own_transactions=True),
    ]
