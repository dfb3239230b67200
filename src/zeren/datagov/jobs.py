"""Data governance's scheduled job: each day, count the lifecycle reviews of assets and
processing activities that are due or overdue per platform and send one reminder per
platform through its notification channels (``zeren.notify``)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from sqlalchemy import func, select

from zeren.datagov.models import Activity, Asset
from zeren.hookspecs import hookimpl
from zeren.jobs.domain import DailyAt, Job, JobContext

SOON = timedelta(days=14)


def reviews_due(ctx: JobContext) -> dict[str, Any]:
    from zeren.notify.service import notify

    s, now = ctx.session, ctx.now
    out: dict[str, Any] = {}
    due: dict[str, dict[str, int]] = {}
    for model, kind in ((Asset, "assets"), (Activity, "activities")):
        q = select(model.platform_id, func.count()).where(model.review_due_at < now + SOON)
        if model is Asset:
            q = q.where(Asset.retired_at.is_(None))
        for pid, n in s.execute(q.group_by(model.platform_id)):
            due.setdefault(str(pid), {})[kind] = int(n)
    for pid, counts in due.items():
        sent = notify(session=s, platform_id=pid, event="datagov.reviews_due",
                      key=f"datagov.reviews_due:{now.date().isoformat()}",
                      subject_zh="数据资产与处理活动复核即将到期或已逾期",
                      subject_en="Data reviews due or overdue",
                      body={"due_within_days": SOON.days, **counts}, settings=ctx.settings,
                      now=now)
        out[pid] = {**counts, "notified": sent}
    return {"platforms": out}


@hookimpl
def zeren_jobs() -> list[Job]:
    return [Job(name="datagov.reviews_due", title_zh="数据资产与处理活动复核提醒",
                title_en="Remind owners of lifecycle reviews due", schedule=DailyAt(time(9, 0)),
                run=reviews_due)]
