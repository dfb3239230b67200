"""The merchant registry's scheduled job: daily at 02:00 Beijing time, open the due work
(verifications, re-verifications coming due, licences about to expire) and send merchants
whose re-verification is overdue to moderation with a suggested measure."""

from __future__ import annotations

from datetime import time
from typing import Any

from zeren.hookspecs import hookimpl
from zeren.jobs.domain import DailyAt, Job, JobContext


def due(ctx: JobContext) -> dict[str, Any]:
    from zeren.merchants.services.verification import run_due

    return run_due(session=ctx.session, now=ctx.now).summary()


@hookimpl
def zeren_jobs() -> list[Job]:
    return [Job(name="merchants.due", title_zh="经营者核验到期与许可证到期提醒",
                title_en="Merchant re-verification and licence expiry tasks",
                schedule=DailyAt(time(2, 0)), run=due)]
