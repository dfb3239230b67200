"""Posture checks the merchant registry contributes for 指南 第十条 (merchants verified and
registered on entry with their licences valid, re-verified on time, listings licensed, shop
pages disclosing what the registry holds) and 第三十三条 (the quarterly tax report). Each reads one
platform's registry as it stands now; an empty registry is no data, never compliance."""

from __future__ import annotations

from sqlalchemy import and_, case, exists, func, or_, select

from zeren.hookspecs import hookimpl
from zeren.merchants.models import Disclosure, Licence, Listing, Merchant
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


def listings_licensed(ctx: CheckContext) -> CheckResult:
    """Published listings in a category that needs a licence (data) whose merchant holds a
    valid licence of that kind today; listings held for review are counted apart."""
    period = Period.at(ctx.now)
    today = beijing_today(ctx.now)
    ls, lc = Listing, Licence
    shown = ls.status == "active"
    total = int(ctx.session.scalar(select(func.count()).select_from(ls).where(
        ls.platform_id == ctx.platform_id, shown)) or 0)
    if total == 0:
        return CheckResult.no_data("no published listing", period=period,
                                   what_zh="尚无在售的商品或服务信息")
    licensed = exists().where(lc.merchant_id == ls.merchant_id, lc.kind == ls.licence_kind,
                              lc.status == "valid", lc.valid_from <= today,
                              or_(lc.valid_until.is_(None), lc.valid_until >= today))
    needing, missing = ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(case((~licensed, 1), else_=0)), 0))
        .select_from(ls).where(and_(ls.platform_id == ctx.platform_id, shown,
                                    ls.licence_kind.is_not(None)))).one()
    needing, missing = int(needing), int(missing)
    held = int(ctx.session.scalar(select(func.count()).select_from(ls).where(
        ls.platform_id == ctx.platform_id, ls.status == "in_review",
        ls.licence_kind.is_not(None), ls.licence_id.is_(None))) or 0)
    figures = {"published": total, "in_licensed_categories": needing,
               "without_valid_licence": missing, "held_for_licence_review": held}
    if missing:
        return CheckResult.found(Status.UNMET, f"{missing} published listing(s) in a licensed "
                                 "category without a valid licence", period=period,
                                 seen=total - missing, figures=figures,
                                 reason_zh=f"{missing} 条在售商品属于需许可类目但经营者无有效许可证")
    return CheckResult.met(f"{total} published listing(s) checked; the {needing} in licensed "
                           "categories hold a valid licence", seen=total, period=period,
                           figures=figures,
                           reason_zh=f"已检查 {total} 条在售商品，{needing} 条需许可商品均有有效许可证")


def disclosures_match(ctx: CheckContext) -> CheckResult:
    """Active merchants whose shop page was checked (电子商务法 第十五条): none whose latest
    check found a mismatch or a missing item; merchants never checked are counted apart."""
    period = Period.at(ctx.now)
    dc, m = Disclosure, Merchant
    last = (select(dc.merchant_id, func.max(dc.at).label("at"))
            .where(dc.platform_id == ctx.platform_id).group_by(dc.merchant_id).subquery())
    rows = ctx.session.execute(
        select(dc.outcome, func.count()).join(last, and_(last.c.merchant_id == dc.merchant_id,
                                                         last.c.at == dc.at))
        .join(m, m.id == dc.merchant_id).where(m.status == "active")
        .group_by(dc.outcome)).all()
    by = {str(o): int(n) for o, n in rows}
    checked = sum(by.values())
    active = int(ctx.session.scalar(select(func.count()).select_from(m).where(
        m.platform_id == ctx.platform_id, m.status == "active")) or 0)
    if checked == 0:
        return CheckResult.no_data("no shop page of an active merchant checked", period=period,
                                   what_zh="尚未核对在营经营者的店铺公示信息",
                                   figures={"active": active})
    open_ = by.get("mismatch", 0)
    figures = {"active": active, "checked": checked, "mismatch_open": open_,
               "not_checked": active - checked, "share_checked": share(checked, active)}
    if open_:
        return CheckResult.found(Status.UNMET, f"{open_} of {checked} checked merchant(s) show "
                                 "a mismatch or a missing item on their shop page",
                                 period=period, seen=checked - open_, figures=figures,
                                 reason_zh=f"{open_} 家经营者店铺公示信息与登记不符或缺项")
    if checked < active:
        return CheckResult.found(Status.AT_RISK, f"{checked} checked merchant(s) match; "
                                 f"{active - checked} active merchant(s) never checked",
                                 period=period, seen=checked, figures=figures,
                                 reason_zh=f"{checked} 家核对一致，{active - checked} 家尚未核对")
    return CheckResult.met(f"all {checked} active merchants' shop pages match the registry",
                           seen=checked, period=period, figures=figures,
                           reason_zh=f"{checked} 家在营经营者店铺公示信息均与登记一致")


def tax_report_on_time(ctx: CheckContext) -> CheckResult:
    """The last quarter whose deadline has passed: its tax report generated, approved and
    submitted by the day (互联网平台企业涉税信息报送规定 第四条, data); a quarter in which the
    platform had neither merchants nor orders is no data."""
    from zeren.ledger.service import income_between
    from zeren.merchants import domain as d
    from zeren.merchants.services.reports import submitted_in_time

    today = beijing_today(ctx.now)
    q = d.last_ended_quarter(today)
    pending = None
    if today <= q.due():
        pending, q = q, q.previous
    start, end = q.bounds()
    period = Period(end=end, start=start)
    merchants = int(ctx.session.scalar(select(func.count()).select_from(Merchant).where(
        Merchant.platform_id == ctx.platform_id, Merchant.created_at < end)) or 0)
    orders = len(income_between(session=ctx.session, platform_id=ctx.platform_id, start=start,
                                end=end))
    if merchants == 0 and orders == 0:
        return CheckResult.no_data(f"no merchant or order in {q.label}", period=period,
                                   what_zh=f"{q.label} 无平台内经营者或订单")
    due = q.due()
    last, first = submitted_in_time(ctx.session, ctx.platform_id, q)
    figures: dict[str, object] = {
        "quarter": q.label, "due_on": due.isoformat(), "merchants": merchants,
        "latest_version": last.version if last else None,
        "latest_status": last.status if last else None,
        "pending_quarter": pending.label if pending else None}
    if first is None or first.submitted_at is None:
        what = "not generated" if last is None else f"{last.status}, not submitted"
        return CheckResult.found(Status.UNMET, f"the {q.label} tax report is {what} "
                                 f"(due {due.isoformat()})", period=period, figures=figures,
                                 reason_zh=f"{q.label} 涉税信息报告未报送（期限 {due.isoformat()}）")
    sent = beijing_today(first.submitted_at)
    figures["submitted_on"] = sent.isoformat()
    figures["receipt_ref"] = first.receipt_ref
    if sent > due:
        return CheckResult.found(Status.UNMET, f"the {q.label} tax report was submitted on "
                                 f"{sent.isoformat()}, after {due.isoformat()}",
                                 period=period, seen=first.rows, figures=figures,
                                 reason_zh=f"{q.label} 涉税信息报告逾期报送")
    if last is not None and last.status != "submitted":
        return CheckResult.found(Status.AT_RISK, f"the {q.label} report was submitted on time; "
                                 f"version {last.version} (a correction) is {last.status}",
                                 period=period, seen=first.rows, figures=figures,
                                 reason_zh=f"{q.label} 报告已按期报送，更正版本尚未报送")
    return CheckResult.met(f"the {q.label} tax report ({first.rows} merchant row(s)) was "
                           f"approved and submitted on {sent.isoformat()}, by "
                           f"{due.isoformat()}", seen=first.rows, period=period,
                           figures=figures,
                           reason_zh=f"{q.label} 涉税信息报告已审批并按期报送")


def sanctions_with_grounds(ctx: CheckContext) -> CheckResult:
    """Measures against registered merchants on the public sanctions board (moderation),
    each with its ground (指南 第二十九条; 电子商务法 第三十六条). Fees charged to merchants
    are not recorded in Zeren, so they are not assessed here."""
    from zeren.moderation.services.appeals import sanctions_board

    period = Period.at(ctx.now)
    rows = sanctions_board(session=ctx.session, platform_id=ctx.platform_id)
    refs = sorted({str(r["merchant_ref"]) for r in rows})
    known: set[str] = set()
    for i in range(0, len(refs), 500):
        known |= set(ctx.session.scalars(select(Merchant.merchant_ref).where(
            Merchant.platform_id == ctx.platform_id,
            Merchant.merchant_ref.in_(refs[i:i + 500]))))
    mine = [r for r in rows if r["merchant_ref"] in known]
    figures: dict[str, object] = {
        "on_board": len(rows), "of_registered_merchants": len(mine),
        "of_unregistered_refs": len(rows) - len(mine),
        "fees": "not_recorded",  # not recorded in Zeren, so not assessed
        "board": f"/moderation/sanctions?platform={ctx.platform_id}"}
    if not mine:
        return CheckResult.no_data("no measure against a registered merchant on the sanctions "
                                   "board", period=period, figures=figures,
                                   what_zh="处置公示中尚无针对已登记经营者的处置")

    def grounded(r: dict[str, object]) -> bool:
        g = r.get("ground")
        return isinstance(g, dict) and bool(g.get("law") or g.get("rule") or g.get("article"))

    bare = [r for r in mine if not grounded(r)]
    figures["without_ground"] = len(bare)
    if bare:
        return CheckResult.found(Status.UNMET, f"{len(bare)} of {len(mine)} measure(s) against "
                                 "registered merchants are on the board without a ground",
                                 period=period, seen=len(mine) - len(bare), figures=figures,
                                 reason_zh=f"{len(bare)} 项对经营者的处置公示缺少依据")
    return CheckResult.met(f"{len(mine)} measure(s) against registered merchants are on the "
                           "board, each with its ground", seen=len(mine), period=period,
                           figures=figures,
                           reason_zh=f"{len(mine)} 项对已登记经营者的处置均已公示并载明依据")


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
        Check(key="merchants.art10.listings_licensed",
              obligations=("art10.merchant_verification",),
              title_zh="需许可类目的在售商品均有有效许可证",
              title_en="Published listings in licensed categories hold a valid licence",
              evaluate=listings_licensed, version="1"),
        Check(key="merchants.art10.disclosure", obligations=("art10.merchant_disclosure",),
              title_zh="经营者店铺公示信息与登记一致",
              title_en="Merchants' shop pages display what the registry holds",
              evaluate=disclosures_match, version="1"),
        Check(key="merchants.art33.tax_report", obligations=("art33.tax_reporting",),
              title_zh="上季度涉税信息按期报送",
              title_en="Last quarter's tax report generated, approved and submitted on time",
              evaluate=tax_report_on_time, version="1"),
        Check(key="merchants.art29.sanctions_grounded",
              obligations=("art29.sanctions_published",),
              title_zh="对已登记经营者的处置公示并载明依据",
              title_en="Measures against registered merchants on the board with their grounds",
              evaluate=sanctions_with_grounds, version="1"),
    ]
