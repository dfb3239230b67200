"""Network security's scheduled job: every minute, send the reminders of every report clock
whose escalation stage has come (half the time gone, three quarters, 15 minutes left, due)."""

from __future__ import annotations

from typing import Any

from zeren.hookspecs import hookimpl
from zeren.jobs.domain import Every, Job, JobContext


def escalate(ctx: JobContext) -> dict[str, Any]:
    from zeren.security.services.incidents import escalate_due

    return escalate_due(session=ctx.session, now=ctx.now, settings=ctx.settings)


@hookimpl
def zeren_jobs() -> list[Job]:
    return [Job(name="security.escalate", title_zh="安全事件报告时限提醒与升级",
                title_en="Escalate incident report deadlines", schedule=Every(60), run=escalate)]
