"""The foundation's own posture checks: Art 35 (tier assessed for last year), Art 4 (named
data-security officers with contacts) and Art 5 (a registered compliance department)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from zeren.org import service as org
from zeren.org.models import Department, Person
from zeren.platforms.models import TierAssessment
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.posture.hookspecs import hookimpl


def tier_assessed(ctx: CheckContext) -> CheckResult:
    last_year = ctx.now.year - 1
    ta = ctx.session.scalar(
        select(TierAssessment)
        .where(TierAssessment.platform_id == ctx.platform_id, TierAssessment.year == last_year)
        .order_by(TierAssessment.assessed_at.desc()).limit(1)
    )
    period = Period(start=datetime(last_year, 1, 1, tzinfo=UTC), end=ctx.now)
    if ta is None and ctx.session.scalar(select(TierAssessment.id).where(
            TierAssessment.platform_id == ctx.platform_id).limit(1)) is None:
        return CheckResult.no_data("no tier test recorded for this platform (tier unknown)",
                                   what_zh="尚未进行分级认定（分级未知）", period=period)
    if ta is None:
        return CheckResult.found(Status.UNMET, f"no tier test run on {last_year} figures",
                                 period=period, figures={"year": last_year},
                                 reason_zh=f"尚未依据{last_year}年度数据进行分级认定")
    met = sum(1 for c in ta.criteria if c["met"])
    return CheckResult(
        Status.MET,
        f"tier test on {last_year} figures: {ta.tier} ({met}/{len(ta.criteria)} criteria met)",
        {"year": last_year, "tier": ta.tier, "criteria_met": met,
         "criteria": len(ta.criteria)},
        {"tier_assessment_id": ta.id, "assessed_at": ta.assessed_at.isoformat()},
        f"已依据{last_year}年度数据完成分级认定：{'超大型平台' if ta.tier == 'super_large' else '其他平台'}"
        f"（满足 {met}/{len(ta.criteria)} 项标准）",
        seen=1, period=period,
    )


def _registry_empty(ctx: CheckContext) -> bool:
    """No person of the platform in the org registry: the registry is not in use, which
    shows nothing either way."""
    return ctx.session.scalar(select(Person.id).where(
        Person.platform_id == ctx.platform_id).limit(1)) is None


def data_security_officers(ctx: CheckContext) -> CheckResult:
    if _registry_empty(ctx):
        return CheckResult.no_data("the org registry holds no person of this platform",
                                   what_zh="组织登记中没有本平台人员", period=Period.at(ctx.now))
    people = org.holders(session=ctx.session, platform_id=ctx.platform_id,
                         duty="data_security_officer", on=ctx.now.date())
    with_contact = [p for p in people if p.email and p.phone]
    figures = {"officers": len(people), "with_full_contact": len(with_contact)}
    inputs = {"person_ids": [p.id for p in people]}
    period = Period.at(ctx.now)
    if not people:
        return CheckResult(Status.UNMET, "no data-security officer (数据安全责任人) named",
                           figures, inputs, "未确定数据安全责任人", period=period)
    if len(with_contact) < len(people):
        return CheckResult(Status.AT_RISK,
                           f"{len(people) - len(with_contact)} officer(s) lack an email or phone",
                           figures, inputs,
                           f"{len(people) - len(with_contact)} 名责任人缺少邮箱或电话",
                           seen=len(with_contact), period=period)
    return CheckResult(Status.MET, f"{len(people)} data-security officer(s) named with contacts",
                       figures, inputs, f"已确定 {len(people)} 名数据安全责任人及联系方式",
                       seen=len(people), period=period)


def compliance_department(ctx: CheckContext) -> CheckResult:
    if _registry_empty(ctx) and ctx.session.scalar(select(Department.id).where(
            Department.platform_id == ctx.platform_id).limit(1)) is None:
        return CheckResult.no_data("the org registry holds no department or person of this "
                                   "platform", what_zh="组织登记中没有本平台的部门或人员",
                                   period=Period.at(ctx.now))
    depts = list(ctx.session.scalars(select(Department).where(
        Department.platform_id == ctx.platform_id, Department.kind == "compliance")))
    heads = org.holders(session=ctx.session, platform_id=ctx.platform_id, duty="compliance_head",
                        on=ctx.now.date())
    figures = {"compliance_departments": len(depts), "compliance_heads": len(heads)}
    inputs = {"department_ids": [d.id for d in depts]}
    period = Period.at(ctx.now)
    if not depts:
        return CheckResult(Status.UNMET, "no compliance department (合规部门) registered",
                           figures, inputs, "未登记平台合规部门", period=period)
    if not heads:
        return CheckResult(Status.AT_RISK, "compliance department has no named head",
                           figures, inputs, "合规部门未指定负责人", seen=len(depts), period=period)
    return CheckResult(Status.MET, f"compliance department '{depts[0].name}' with a named head",
                       figures, inputs, f"已设置合规部门「{depts[0].name}」并指定负责人",
                       seen=len(depts), period=period)


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="art35.tier_assessed", obligations=("art35.tier",), title_zh="上年度平台分级已评估",
              title_en="Tier test run on last year's figures", evaluate=tier_assessed,
              version="2"),
        Check(key="art4.data_security_officers", obligations=("art4.security_officers",),
              title_zh="已确定数据安全责任人及联系方式",
              title_en="Data-security officers named with contacts",
              evaluate=data_security_officers, version="2"),
        Check(key="art5.compliance_department", obligations=("art5.compliance_department",),
              title_zh="已设置平台合规部门",
              title_en="Compliance department registered", evaluate=compliance_department,
              version="2"),
    ]
