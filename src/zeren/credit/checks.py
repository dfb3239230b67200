"""Posture check credit evaluation contributes for 指南 第十五条: merchants are scored under the
published credit rule, recently. No batch is no data, never compliance."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from zeren.credit.models import CreditBatch
from zeren.hookspecs import hookimpl
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status

# Team default (the guideline names no interval): a batch older than this is stale.
FRESH = timedelta(days=31)


def scored_recently(ctx: CheckContext) -> CheckResult:
    """The latest credit batch was computed under a published formula within 31 days."""
    period = Period(end=ctx.now, start=ctx.now - FRESH)
    b = ctx.session.scalar(select(CreditBatch).where(
        CreditBatch.platform_id == ctx.platform_id, CreditBatch.computed_at <= ctx.now)
        .order_by(CreditBatch.computed_at.desc()).limit(1))
    if b is None:
        return CheckResult.no_data("no credit batch computed", period=period,
                                   what_zh="尚无信用评价批次")
    figures = {"batch_id": b.id, "merchants": b.merchants,
               "formula_version_id": b.formula_version_id,
               "computed_at": b.computed_at.isoformat()}
    if ctx.now - b.computed_at > FRESH:
        return CheckResult.found(Status.AT_RISK, "the latest credit batch is older than 31 "
                                 "days", period=period, figures=figures,
                                 reason_zh="最近一次信用评价超过 31 天")
    return CheckResult.met(f"{b.merchants} merchant(s) scored under the published formula "
                           f"{b.formula_version_id[:8]}", seen=b.merchants, period=period,
                           figures=figures, reason_zh=f"已按公示规则评价 {b.merchants} 家经营者")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [Check(key="credit.art15.scored", obligations=("art15.credit_system",),
                  title_zh="按公示的信用评价规则对经营者评价",
                  title_en="Merchants scored under the published credit rule",
                  evaluate=scored_recently, version="1")]
