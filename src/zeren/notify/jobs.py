"""Retry notifications that failed (SMTP server down, webhook refused), a few times."""

from __future__ import annotations

from typing import Any

from zeren.hookspecs import hookimpl
from zeren.jobs.domain import Every, Job, JobContext


def retry(ctx: JobContext) -> dict[str, Any]:
    from zeren.notify.service import retry_failed

    return {"sent": retry_failed(session=ctx.session, now=ctx.now)}


@hookimpl
def zeren_jobs() -> list[Job]:
    return [Job(name="notify.retry", title_zh="重发失败的通知", title_en="Retry failed notifications",
                schedule=Every(300), run=retry)]
