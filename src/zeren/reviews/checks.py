"""Posture checks reviews contribute for 指南 第十五条: what the platform displays matches the
reviews on the ledger (the latest display audit of each listing or merchant found nothing
missing, altered, pushed down or invented). No audit is no data, never compliance."""

from __future__ import annotations

from sqlalchemy import func, select

from zeren.hookspecs import hookimpl
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.reviews.models import DisplayAudit


def display_matches(ctx: CheckContext) -> CheckResult:
    """The latest display audit of each listing or merchant audited found no tampering."""
    period = Period.since_records_began(ctx.now)
    a = DisplayAudit
    latest = (select(a.scope, a.ref, func.max(a.at).label("at"))
              .where(a.platform_id == ctx.platform_id, a.at <= ctx.now)
              .group_by(a.scope, a.ref).subquery())
    rows = list(ctx.session.execute(select(a.scope, a.ref, a.counts).join(
        latest, (latest.c.scope == a.scope) & (latest.c.ref == a.ref) & (latest.c.at == a.at))
        .where(a.platform_id == ctx.platform_id)))
    if not rows:
        return CheckResult.no_data("no display audit of reviews", period=period,
                                   what_zh="尚无评价展示核对")
    bad = [(s, r, c) for s, r, c in rows if any(int(v) for v in c.values())]
    totals: dict[str, int] = {}
    for _, _, c in bad:
        for k, v in c.items():
            totals[k] = totals.get(k, 0) + int(v)
    figures = {"audited": len(rows), "with_findings": len(bad), "findings": totals}
    if bad:
        return CheckResult.found(Status.UNMET, f"{len(bad)} of {len(rows)} audited display(s) "
                                 f"differ from the ledger: {totals}", period=period,
                                 seen=len(rows) - len(bad), figures=figures,
                                 reason_zh=f"{len(bad)} 处评价展示与存证不一致")
    return CheckResult.met(f"the latest audit of each of {len(rows)} display(s) matches the "
                           "ledger", seen=len(rows), period=period, figures=figures,
                           reason_zh=f"{len(rows)} 处评价展示与存证一致")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [Check(key="reviews.art15.display_matches", obligations=("art15.no_review_tampering",),
                  title_zh="评价展示与存证一致，无删除、篡改或压后",
                  title_en="Displayed reviews match the ledger: none removed, altered or "
                           "pushed down", evaluate=display_matches, version="1")]
