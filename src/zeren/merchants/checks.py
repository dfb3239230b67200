"""Posture checks the merchant registry contributes for 指南 第十条: merchants verified and
registered on entry (with their licences valid), and re-verified on time. Each reads one
platform's registry as it stands now; an empty registry is no data, never compliance."""

from __future__ import annotations

from sqlalchemy import case, func, select

from zeren.hookspecs import hookimpl
from zeren.merchants.models import Licence, Merchant
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status, share
from zeren.timepolicy import beijing_today


def merchants_verified(ctx: CheckContext) -> CheckResult:
    """Active merchants whose latest verification is ``verified``, and none holding an
    expired licence."""
    period = Period.at(ctx.now)
    today = beijing_today(ctx.now)
    m = Merchant
    total, verified = ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(case((m.verification == "verified", 1),
                                                         else_=0)), 0))
        .where(m.platform_id == ctx.platform_id, m.status == "active")).one()
    total, verified = int(total), int(verified)
    if total == 0:
        return CheckResult.no_data("no active merchant registered", period=period,
                                   what_zh="尚无在营的平台内经营者登记")
    expired = int(ctx.session.scalar(
        select(func.count(func.distinct(Licence.merchant_id)))
        .join(m, m.id == Licence.merchant_id)
        .where(Licence.platform_id == ctx.platform_id, Licence.status == "valid",
               Licence.valid_until < today, m.status == "active")) or 0)
    figures = {"active": total, "verified": verified, "share": share(verified, total),
               "with_expired_licence": expired}
    if verified < total or expired:
        parts = []
        if verified < total:
            parts.append(f"{total - verified} of {total} active merchant(s) not verified")
        if expired:
            parts.append(f"{expired} merchant(s) hold an expired licence")
        return CheckResult.found(Status.UNMET, "; ".join(parts), period=period, seen=verified,
                                 figures=figures,
                                 reason_zh=f"{total - verified} 家在营经营者未通过核验，"
                                           f"{expired} 家持有过期许可证")
    return CheckResult.met(f"all {total} active merchants verified, no expired licence",
                           seen=verified, period=period, figures=figures,
                           reason_zh=f"{total} 家在营经营者均已核验，无过期许可证")


def reverification_on_time(ctx: CheckContext) -> CheckResult:
    """Verified active merchants whose re-verification is not overdue."""
    period = Period.at(ctx.now)
    today = beijing_today(ctx.now)
    m = Merchant
    total, overdue = ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(case((m.reverify_due < today, 1),
                                                         else_=0)), 0))
        .where(m.platform_id == ctx.platform_id, m.status == "active",
               m.reverify_due.is_not(None))).one()
    total, overdue = int(total), int(overdue)
    if total == 0:
        return CheckResult.no_data("no merchant verified yet, so no re-verification is due",
                                   period=period, what_zh="尚无已核验的经营者，无复核到期")
    figures = {"verified": total, "overdue": overdue, "on_time": total - overdue}
    if overdue:
        return CheckResult.found(Status.UNMET, f"{overdue} of {total} merchant(s) overdue for "
                                 "re-verification", period=period, seen=total - overdue,
                                 figures=figures,
                                 reason_zh=f"{overdue} 家经营者定期核验已逾期")
    return CheckResult.met(f"all {total} verified merchants within their re-verification "
                           "period", seen=total, period=period, figures=figures,
                           reason_zh=f"{total} 家已核验经营者均在复核期限内")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="merchants.art10.verified", obligations=("art10.merchant_verification",),
              title_zh="在营经营者已核验登记且许可证有效",
              title_en="Active merchants verified and registered, licences valid",
              evaluate=merchants_verified, version="1"),
        Check(key="merchants.art10.reverified",
              obligations=("art10.periodic_reverification",),
              title_zh="经营者按期复核", title_en="Merchants re-verified on time",
              evaluate=reverification_on_time, version="1"),
    ]
