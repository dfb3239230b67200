"""Posture checks the governance registers contribute: 指南 第三条 (interoperability
requests decided by their deadline, every refusal on a justified ground), 第十六条
(concentrations assessed against the thresholds, none carried out before clearance),
第九条 and 第三十二条 (yearly figures from data), 第三十四条 (enforcement requests) and 第五条 (policies
reviewed on time,
regulators' requests answered by their deadline, integrity cases taken on in time, training
completion per duty). Each reads one platform's records; nothing to read is no data."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from zeren.governance import domain as d
from zeren.governance.models import (
    Deal,
    EnforcementRequest,
    IntegrityCase,
    InteropRequest,
    Policy,
    RegulatorRequest,
    RetentionHold,
)
from zeren.governance.services.compliance import completion_figures
from zeren.governance.services.enforcement import active_holds
from zeren.governance.services.figures import current as figures_current
from zeren.hookspecs import hookimpl
from zeren.org.models import Duty
from zeren.posture.domain import (
    Check,
    CheckContext,
    CheckResult,
    Due,
    Period,
    Status,
    deadlines,
    share,
)
from zeren.timepolicy import beijing_today


def interop_decided(ctx: CheckContext) -> CheckResult:
    """Requests received in the window (or still open): none undecided past its deadline,
    none decided late, every refusal with a ground from the data."""
    days = d.check_days("interop_window_days")
    period = Period.last(ctx.now, timedelta(days=days))
    today = beijing_today(ctx.now)
    since = today - timedelta(days=days)
    r = InteropRequest
    rows = list(ctx.session.execute(
        select(r.id, r.deadline, r.decision, r.ground, r.decided_at)
        .where(r.platform_id == ctx.platform_id,
               or_(r.received_on >= since, r.decision.is_(None)))))
    if not rows:
        return CheckResult.no_data("no interoperability request recorded in the window",
                                   period=period, what_zh="期间内无互操作（接入）请求记录")
    grounds = d.interop_grounds()
    overdue = [x.id for x in rows if x.decision is None and x.deadline < today]
    late = [x.id for x in rows if x.decided_at is not None
            and beijing_today(x.decided_at) > x.deadline]
    groundless = [x.id for x in rows if x.decision in ("refused", "partly_granted")
                  and x.ground not in grounds]
    on_time = [x.id for x in rows if x.decided_at is not None
               and beijing_today(x.decided_at) <= x.deadline and x.id not in groundless]
    pending = sum(1 for x in rows if x.decision is None and x.deadline >= today)
    figures = {"requests": len(rows), "decided_on_time": len(on_time), "pending": pending,
               "overdue": len(overdue), "decided_late": len(late),
               "refused_without_ground": len(groundless),
               "refused": sum(1 for x in rows if x.decision == "refused")}
    inputs = {"overdue_ids": overdue, "late_ids": late, "groundless_ids": groundless}
    if overdue or groundless:
        return CheckResult.found(
            Status.UNMET, f"{len(overdue)} request(s) undecided past the deadline, "
            f"{len(groundless)} refusal(s) without a justified ground", period=period,
            seen=len(on_time), figures=figures, inputs=inputs,
            reason_zh=f"{len(overdue)} 项请求逾期未决定，{len(groundless)} 项拒绝无正当理由")
    if late:
        return CheckResult.found(Status.AT_RISK, f"{len(late)} request(s) decided after the "
                                 "deadline", period=period, seen=len(on_time), figures=figures,
                                 inputs=inputs, reason_zh=f"{len(late)} 项请求逾期后才决定")
    if not on_time:
        return CheckResult.no_data(f"{pending} request(s) pending, none decided yet",
                                   period=period, figures=figures,
                                   what_zh=f"{pending} 项请求待决定，尚无已决定的请求")
    return CheckResult.met(f"{len(on_time)} request(s) decided by their deadline, every "
                           "refusal on a justified ground", seen=len(on_time), period=period,
                           figures=figures, reason_zh=f"{len(on_time)} 项请求均按期决定，"
                           "拒绝均有正当理由")


def policies_reviewed(ctx: CheckContext) -> CheckResult:
    """Policies in force whose review is not overdue."""
    period = Period.at(ctx.now)
    today = beijing_today(ctx.now)
    rows = list(ctx.session.execute(select(Policy.id, Policy.code, Policy.review_due_on).where(
        Policy.platform_id == ctx.platform_id, Policy.retired_on.is_(None))))
    if not rows:
        return CheckResult.no_data("no policy in the compliance library", period=period,
                                   what_zh="合规制度库中无制度文件")
    overdue = [x.code for x in rows if x.review_due_on < today]
    figures = {"policies": len(rows), "overdue": len(overdue),
               "on_time": len(rows) - len(overdue),
               "review_days": d.policy_review_days()}
    if overdue:
        return CheckResult.found(Status.UNMET, f"{len(overdue)} of {len(rows)} policies "
                                 "overdue for review", period=period,
                                 seen=len(rows) - len(overdue), figures=figures,
                                 inputs={"overdue_codes": overdue},
                                 reason_zh=f"{len(overdue)} 项合规制度逾期未复审")
    return CheckResult.met(f"all {len(rows)} policies reviewed on time", seen=len(rows),
                           period=period, figures=figures,
                           reason_zh=f"{len(rows)} 项合规制度均按期复审")


def regulator_requests(ctx: CheckContext) -> CheckResult:
    """Regulators' requests in the window (or still open): none unanswered past the due day;
    answers after it put the duty at risk."""
    days = d.check_days("regulator_window_days")
    today = beijing_today(ctx.now)
    r = RegulatorRequest
    rows = ctx.session.execute(
        select(r.id, r.due_on, r.answered_on).where(
            r.platform_id == ctx.platform_id,
            or_(r.received_on >= today - timedelta(days=days), r.answered_on.is_(None))))
    return deadlines((Due(x.id, x.due_on, x.answered_on) for x in rows), now=today,
                     period=Period.last(ctx.now, timedelta(days=days)),
                     noun="regulator request", noun_zh="监管要求", done_verb="answered",
                     done_verb_zh="答复", what="no regulator request recorded in the window",
                     what_zh="期间内无监管要求记录")


def integrity_channel(ctx: CheckContext) -> CheckResult:
    """The anti-corruption mechanism: a serving anti-corruption officer on the org registry,
    and every integrity case of the window taken on within the days in data."""
    days = d.check_days("integrity_window_days")
    period = Period.last(ctx.now, timedelta(days=days))
    today = beijing_today(ctx.now)
    ack = timedelta(days=int(d.compliance()["integrity_ack_days"]))
    officers = list(ctx.session.scalars(select(Duty.person_id).where(
        Duty.platform_id == ctx.platform_id, Duty.duty == "anti_corruption_officer",
        Duty.since <= today, or_(Duty.until.is_(None), Duty.until >= today))))
    c = IntegrityCase
    rows = list(ctx.session.execute(select(c.id, c.received_at, c.acknowledged_at).where(
        c.platform_id == ctx.platform_id, c.received_at >= ctx.now - timedelta(days=days))))
    if not officers and not rows:
        return CheckResult.no_data("no anti-corruption officer and no integrity case",
                                   period=period, what_zh="无反腐败负责人，亦无廉政举报记录")
    late = [x.id for x in rows if (x.acknowledged_at or ctx.now) - x.received_at > ack]
    taken = [x.id for x in rows if x.acknowledged_at is not None
             and x.acknowledged_at - x.received_at <= ack]
    figures = {"officers": len(officers), "cases": len(rows), "taken_on_in_time": len(taken),
               "late": len(late), "ack_days": ack.days}
    if not officers:
        return CheckResult.found(Status.UNMET, "no serving anti-corruption officer on the org "
                                 "registry", period=period, seen=len(taken), figures=figures,
                                 reason_zh="组织登记中无在任反腐败负责人")
    if late:
        return CheckResult.found(Status.UNMET, f"{len(late)} integrity case(s) not taken on "
                                 f"within {ack.days} days", period=period, seen=len(taken),
                                 figures=figures, inputs={"late_ids": late},
                                 reason_zh=f"{len(late)} 件廉政举报未在 {ack.days} 日内受理")
    return CheckResult.met(f"anti-corruption officer serving; {len(taken)} case(s) taken on "
                           "in time", seen=len(officers) + len(taken), period=period,
                           figures=figures, reason_zh="反腐败负责人在任，廉政举报均按时受理")


def training_completion(ctx: CheckContext) -> CheckResult:
    """For each duty a course serves: the share of its holders with a valid completion
    against the threshold in data."""
    period = Period.at(ctx.now)
    got = completion_figures(ctx.session, ctx.platform_id, beijing_today(ctx.now))
    if not got:
        return CheckResult.no_data("no course with people holding its duty", period=period,
                                   what_zh="无培训课程或无承担相应职责的人员")
    threshold = d.training_threshold()
    below = [c for c in got if (c.share or 0.0) < threshold]
    figures = {c.duty: {"holders": c.holders, "completed": c.completed,
                        "share": share(c.completed, c.holders)} for c in got}
    figures["threshold"] = threshold  # type: ignore[assignment]
    seen = sum(c.completed for c in got)
    if below:
        return CheckResult.found(
            Status.UNMET, "training completion below "
            f"{threshold:.0%} for: " + ", ".join(f"{c.duty} ({c.completed}/{c.holders})"
                                                 for c in below),
            period=period, seen=seen, figures=figures,
            inputs={"missing": {c.duty: list(c.missing) for c in below}},
            reason_zh="以下职责培训完成率低于 " + f"{threshold:.0%}：" + "、".join(
                c.duty for c in below))
    return CheckResult.met(f"training completion at or above {threshold:.0%} for "
                           f"{len(got)} duty(ies)", seen=seen, period=period, figures=figures,
                           reason_zh=f"{len(got)} 类职责培训完成率均达到 {threshold:.0%}")


def concentrations_notified(ctx: CheckContext) -> CheckResult:
    """Deals registered in the window (or still open): every one assessed against the
    thresholds in data, and none that must be notified carried out without a filing and a
    clearance on or before its closing day (指南 第十六条)."""
    days = d.check_days("deal_window_days")
    period = Period.last(ctx.now, timedelta(days=days))
    since = ctx.now - timedelta(days=days)
    g = Deal
    rows = list(ctx.session.execute(
        select(g.id, g.code, g.notifiable, g.status, g.filed_on, g.cleared_on, g.clearance,
               g.closed_on)
        .where(g.platform_id == ctx.platform_id,
               or_(g.created_at >= since, g.status.in_(("planned", "filed", "cleared"))))))
    if not rows:
        return CheckResult.no_data("no concentration registered in the window", period=period,
                                   what_zh="期间内无经营者集中登记")
    jumped = [x.code for x in rows if x.notifiable and x.status == "closed" and (
        x.filed_on is None or x.cleared_on is None or x.clearance == "prohibited"
        or (x.closed_on is not None and x.closed_on < x.cleared_on))]
    handled = [x.code for x in rows if x.code not in jumped]
    figures = {"deals": len(rows), "notifiable": sum(1 for x in rows if x.notifiable),
               "filed": sum(1 for x in rows if x.filed_on is not None),
               "closed": sum(1 for x in rows if x.status == "closed"),
               "closed_without_clearance": len(jumped)}
    if jumped:
        return CheckResult.found(Status.UNMET, f"{len(jumped)} notifiable concentration(s) "
                                 "carried out without a filing and clearance", period=period,
                                 seen=len(handled), figures=figures,
                                 inputs={"deal_codes": jumped},
                                 reason_zh=f"{len(jumped)} 项应申报的经营者集中未经申报批准即实施")
    return CheckResult.met(f"{len(rows)} concentration(s) assessed against the thresholds; "
                           "none carried out before clearance", seen=len(handled),
                           period=period, figures=figures, inputs={"deal_codes": handled},
                           reason_zh=f"{len(rows)} 项经营者集中均已按申报标准评估，无未获批先实施")


def enforcement_answered(ctx: CheckContext) -> CheckResult:
    """Enforcement requests of the window (or still open): data produced by the deadline
    through a scoped export; open past it is unmet, produced late is at risk."""
    days = d.check_days("enforcement_window_days")
    today = beijing_today(ctx.now)
    e = EnforcementRequest
    rows = ctx.session.execute(select(e.id, e.deadline, e.produced_on).where(
        e.platform_id == ctx.platform_id,
        or_(e.received_on >= today - timedelta(days=days), e.status == "open")))
    return deadlines((Due(x.id, x.deadline, x.produced_on) for x in rows), now=today,
                     period=Period.last(ctx.now, timedelta(days=days)),
                     noun="enforcement request", noun_zh="执法调取请求",
                     done_verb="answered through a scoped export", done_verb_zh="提供",
                     what="no enforcement request recorded in the window",
                     what_zh="期间内无执法部门调取数据请求")


def records_held(ctx: CheckContext) -> CheckResult:
    """Records asked for by a request still open are kept: every open ledger-records request
    holds its scope against erasure."""
    period = Period.at(ctx.now)
    e, h = EnforcementRequest, RetentionHold
    open_reqs = list(ctx.session.scalars(select(e.id).where(
        e.platform_id == ctx.platform_id, e.dataset == "ledger_records", e.status != "closed")))
    if not open_reqs:
        return CheckResult.no_data("no open enforcement request for ledger records",
                                   period=period, what_zh="无未结的账本记录调取请求")
    held = set(ctx.session.scalars(select(h.request_id).where(
        h.platform_id == ctx.platform_id, h.released_at.is_(None),
        h.request_id.in_(open_reqs))))
    unheld = [x for x in open_reqs if x not in held]
    figures = {"open_requests": len(open_reqs), "held": len(held), "unheld": len(unheld)}
    if unheld:
        return CheckResult.found(Status.UNMET, f"{len(unheld)} open request(s) without a "
                                 "retention hold on their records", period=period,
                                 seen=len(held), figures=figures, inputs={"unheld_ids": unheld},
                                 reason_zh=f"{len(unheld)} 项未结请求的数据未设保全")
    return CheckResult.met(f"the records of {len(held)} open request(s) are held against "
                           "erasure", seen=len(held), period=period, figures=figures,
                           reason_zh=f"{len(held)} 项未结请求的数据均已保全")


def _last_year(ctx: CheckContext, kind: str) -> tuple[Period, int, dict[int, dict[str, int]]]:
    year = beijing_today(ctx.now).year - 1
    period = Period.last(ctx.now, timedelta(days=730))
    rows = ctx.shared(("governance.figures", kind), lambda: {
        y: dict(r.figures) for y, r in figures_current(ctx.session, ctx.platform_id,
                                                      kind).items()})
    return period, year, rows


def innovation_investment(ctx: CheckContext) -> CheckResult:
    """Last year's R&D spend recorded with evidence, and not below the year before
    (指南 第九条: 加大创新投入)."""
    period, year, rows = _last_year(ctx, "innovation")
    if year not in rows:
        return CheckResult.no_data(f"no innovation figures recorded for {year}", period=period,
                                   what_zh=f"未记录 {year} 年度创新投入数据")
    now_spend = rows[year]["rd_spend_cny"]
    before = rows.get(year - 1, {}).get("rd_spend_cny")
    figures = {"year": year, "rd_spend_cny": now_spend, "previous": before,
               "core_tech_projects": rows[year]["core_tech_projects"]}
    if now_spend == 0:
        return CheckResult.found(Status.UNMET, f"no R&D spend recorded for {year}",
                                 period=period, figures=figures,
                                 reason_zh=f"{year} 年研发投入为零")
    if before is not None and now_spend < before:
        return CheckResult.found(Status.AT_RISK, f"R&D spend fell in {year} "
                                 f"({before:,} → {now_spend:,} CNY)", period=period, seen=1,
                                 figures=figures, reason_zh=f"{year} 年研发投入较上年下降")
    return CheckResult.met(f"R&D spend {now_spend:,} CNY recorded for {year}"
                           + ("" if before is None else f", not below {year - 1}"),
                           seen=1, period=period, figures=figures,
                           reason_zh=f"{year} 年研发投入已记录且未低于上年")


def sme_support(ctx: CheckContext) -> CheckResult:
    """Last year's support for small and medium tech firms recorded: firms supported."""
    period, year, rows = _last_year(ctx, "innovation")
    if year not in rows:
        return CheckResult.no_data(f"no innovation figures recorded for {year}", period=period,
                                   what_zh=f"未记录 {year} 年度扶持中小科技企业数据")
    got = rows[year]
    figures = {"year": year, "smes_supported": got["smes_supported"],
               "sme_programmes": got["sme_programmes"],
               "fee_reductions_cny": got["fee_reductions_cny"]}
    if got["smes_supported"] == 0:
        return CheckResult.found(Status.UNMET, f"no small or medium tech firm supported in "
                                 f"{year}", period=period, figures=figures,
                                 reason_zh=f"{year} 年未扶持中小科技企业")
    return CheckResult.met(f"{got['smes_supported']} small or medium tech firm(s) supported "
                           f"in {year}", seen=got["smes_supported"], period=period,
                           figures=figures, reason_zh=f"{year} 年扶持中小科技企业 "
                           f"{got['smes_supported']} 家")


def green_packaging(ctx: CheckContext) -> CheckResult:
    """Last year's packaging figures: the share of shipments in reusable or reduced
    packaging, not below the year before (指南 第三十二条)."""
    period, year, rows = _last_year(ctx, "packaging")
    if year not in rows or rows[year]["shipments"] == 0:
        return CheckResult.no_data(f"no packaging figures with shipments for {year}",
                                   period=period, what_zh=f"未记录 {year} 年度包装数据")

    def green(v: dict[str, int]) -> float | None:
        return share(min(v["reusable_shipments"] + v["reduced_shipments"], v["shipments"]),
                     v["shipments"])

    now_share = green(rows[year])
    before = green(rows[year - 1]) if year - 1 in rows and rows[year - 1]["shipments"] else None
    figures = {"year": year, "green_share": now_share, "previous_share": before,
               **rows[year]}
    if not now_share:
        return CheckResult.found(Status.UNMET, f"no shipment in reusable or reduced packaging "
                                 f"in {year}", period=period, figures=figures,
                                 reason_zh=f"{year} 年无循环或减量包装")
    seen = rows[year]["reusable_shipments"] + rows[year]["reduced_shipments"]
    if before is not None and now_share < before:
        return CheckResult.found(Status.AT_RISK, f"share in reusable or reduced packaging fell "
                                 f"in {year} ({before:.1%} → {now_share:.1%})", period=period,
                                 seen=seen, figures=figures,
                                 reason_zh=f"{year} 年循环或减量包装占比较上年下降")
    return CheckResult.met(f"{now_share:.1%} of shipments in reusable or reduced packaging in "
                           f"{year}", seen=seen, period=period, figures=figures,
                           reason_zh=f"{year} 年循环或减量包装占比 {now_share:.1%}")


@hookimpl
def zeren_erasure_holds(session: Session, platform_id: str | None, subject: str,
                        now: datetime) -> list[str]:
    """The ledger asks before erasing: active enforcement holds covering the subject."""
    return active_holds(session, platform_id, subject)


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="governance.art3.interop_decided",
              obligations=("art3.interoperability", "art3.access_for_others"),
              title_zh="互操作与接入请求按期决定，拒绝均有正当理由",
              title_en="Interoperability requests decided on time, refusals justified",
              evaluate=interop_decided, version="1"),
        Check(key="governance.art5.policies_reviewed", obligations=("art5.compliance_system",),
              title_zh="合规制度按期复审", title_en="Compliance policies reviewed on time",
              evaluate=policies_reviewed, version="1"),
        Check(key="governance.art5.regulator_requests", obligations=("art5.regulator_requests",),
              title_zh="监管要求按期答复", title_en="Regulators' requests answered on time",
              evaluate=regulator_requests, version="2"),
        Check(key="governance.art5.integrity", obligations=("art5.anti_corruption",),
              title_zh="反腐败负责人在任，廉政举报按时受理",
              title_en="Anti-corruption officer serving, integrity cases taken on in time",
              evaluate=integrity_channel, version="1"),
        Check(key="governance.art5.training", obligations=("art5.training",),
              title_zh="合规培训完成率达标", title_en="Compliance training completion per duty",
              evaluate=training_completion, version="1"),
        Check(key="governance.art16.concentrations", obligations=("art16.merger_filing",),
              title_zh="经营者集中按标准评估，获批前不实施",
              title_en="Concentrations assessed against the thresholds, none closed before "
                       "clearance",
              evaluate=concentrations_notified, version="1"),
        Check(key="governance.art34.enforcement_answered",
              obligations=("art34.enforcement_cooperation",),
              title_zh="执法调取请求按期通过限定范围导出提供",
              title_en="Enforcement requests answered on time through scoped exports",
              evaluate=enforcement_answered, version="2"),
        Check(key="governance.art34.records_held", obligations=("art34.data_retention",),
              title_zh="未结执法请求涉及的数据已保全",
              title_en="Records in scope of open enforcement requests held against erasure",
              evaluate=records_held, version="1"),
        Check(key="governance.art9.innovation", obligations=("art9.innovation_investment",),
              title_zh="年度研发投入已记录且未下降",
              title_en="Yearly R&D spend recorded and not falling",
              evaluate=innovation_investment, version="1"),
        Check(key="governance.art9.sme_support", obligations=("art9.support_smes",),
              title_zh="年度扶持中小科技企业", title_en="Small tech firms supported each year",
              evaluate=sme_support, version="1"),
        Check(key="governance.art32.green_packaging", obligations=("art32.green_packaging",),
              title_zh="循环及减量包装占比未下降",
              title_en="Share of reusable or reduced packaging not falling",
              evaluate=green_packaging, version="1"),
    ]
