"""Posture checks data governance contributes (指南 第四条、第十八条、第二十六条), read from the
platform's own inventory, reviews, trainings, catalogues and the merge gate's records.

Each check says ``met`` only on records that show the duty carried out in its period (reviews
done, decisions answered, trainings held); with nothing to read it is ``not_assessed`` with a
``no data:`` reason. Periods are platform defaults in ``data/processing.toml`` ``[checks]``;
review intervals come from the classification scheme and ``[reviews]``."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from zeren.datagov import domain as d
from zeren.datagov.models import Activity, Asset, Catalogue, Review, Training
from zeren.datagov.services.consent import gate_use
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.posture.hookspecs import hookimpl

BEIJING = ZoneInfo("Asia/Shanghai")


def _bj(at: datetime) -> str:
    return f"{at.astimezone(BEIJING):%Y-%m-%d %H:%M} +08:00"


def _reviews(ctx: CheckContext, target: str, since: datetime) -> int:
    return int(ctx.session.scalar(select(func.count()).select_from(Review).where(
        Review.platform_id == ctx.platform_id, Review.target_type == target,
        Review.reviewed_at >= since, Review.reviewed_at <= ctx.now)) or 0)


def _lifecycle(ctx: CheckContext, *, model: type[Asset] | type[Activity], target: str,
               what_en: str, what_zh: str) -> CheckResult:
    """Reviews of ``model`` rows done on schedule: none overdue now, and at least one review
    done in the window (the evidence that reviews happen)."""
    window = d.check_days("review_window_days")
    period = Period.last(ctx.now, timedelta(days=window))
    live = select(model.id, model.review_due_at).where(model.platform_id == ctx.platform_id)
    if model is Asset:
        live = live.where(Asset.retired_at.is_(None))
    rows = ctx.session.execute(live).all()
    if not rows:
        return CheckResult.no_data(f"no {what_en} recorded", what_zh=f"尚未登记{what_zh}",
                                   period=period)
    overdue = sorted(str(i) for i, due in rows if due < ctx.now)
    done = _reviews(ctx, target, ctx.now - timedelta(days=window))
    nxt = min(due for _, due in rows)
    figures = {"total": len(rows), "overdue": len(overdue), "reviews_in_period": done,
               "window_days": window, "next_due": nxt.isoformat()}
    inputs = {"overdue_ids": overdue[:50]}
    if overdue:
        return CheckResult.found(
            Status.UNMET, f"{len(overdue)} of {len(rows)} {what_en} overdue for review",
            reason_zh=f"{len(rows)} 项{what_zh}中 {len(overdue)} 项逾期未复核",
            period=period, seen=done, figures=figures, inputs=inputs)
    if done == 0:
        return CheckResult.no_data(
            f"no review of {what_en} done in the last {window} days (none overdue; next due "
            f"{_bj(nxt)})", what_zh=f"近 {window} 日未复核{what_zh}（无逾期，下次到期 {_bj(nxt)}）",
            period=period, figures=figures, inputs=inputs)
    return CheckResult.met(
        f"{done} review(s) of {what_en} in the last {window} days; none of {len(rows)} overdue",
        reason_zh=f"近 {window} 日复核 {done} 次，{len(rows)} 项均未逾期", seen=done,
        period=period, figures=figures, inputs=inputs)


def activity_reviews(ctx: CheckContext) -> CheckResult:
    """Art 4: processing activities reviewed on schedule (数据安全审查与内控)."""
    return _lifecycle(ctx, model=Activity, target="activity",
                      what_en="processing activities", what_zh="数据处理活动")


def asset_reviews(ctx: CheckContext) -> CheckResult:
    """Art 26: data assets reviewed over their life cycle on the schedule of their level."""
    return _lifecycle(ctx, model=Asset, target="asset", what_en="data assets",
                      what_zh="数据资产")


def classified(ctx: CheckContext) -> CheckResult:
    """Art 26: every current asset is classified under the scheme in force (an asset classified
    under an earlier version of the rules is at risk until it is classified again)."""
    period = Period.at(ctx.now)
    s = d.scheme()
    rows = ctx.session.execute(
        select(Asset.rules_version, Asset.level, func.count()).where(
            Asset.platform_id == ctx.platform_id, Asset.retired_at.is_(None))
        .group_by(Asset.rules_version, Asset.level)).all()
    if not rows:
        return CheckResult.no_data("no data asset in the inventory", what_zh="数据资产清单为空",
                                   period=period)
    total = sum(int(n) for _, _, n in rows)
    stale = sum(int(n) for v, _, n in rows if v != s.version)
    by_level: dict[str, int] = {}
    for _, lv, n in rows:
        by_level[str(lv)] = by_level.get(str(lv), 0) + int(n)
    figures = {"assets": total, "stale": stale, "by_level": by_level, "scheme": s.version}
    if stale:
        return CheckResult.found(
            Status.AT_RISK, f"{stale} of {total} assets classified under earlier rules than "
            f"{s.version}", reason_zh=f"{total} 项资产中 {stale} 项按旧版规则分级",
            period=period, seen=total - stale, figures=figures)
    return CheckResult.met(f"all {total} assets classified under {s.version}",
                           reason_zh=f"{total} 项资产均已按现行规则分级", seen=total,
                           period=period, figures=figures)


def important_data(ctx: CheckContext) -> CheckResult:
    """Art 26: important and core data have a named officer (a person of the org registry)
    and are all in the newest important-data catalogue (重要数据目录)."""
    period = Period.at(ctx.now)
    s = d.scheme()
    ranked = [lv for lv, t in s.levels.items() if t.rank >= s.rank("important")]
    assets = ctx.session.execute(select(Asset.code, Asset.officer_person_id, Asset.level).where(
        Asset.platform_id == ctx.platform_id, Asset.retired_at.is_(None))).all()
    if not assets:
        return CheckResult.no_data("no data asset in the inventory", what_zh="数据资产清单为空",
                                   period=period)
    important = {str(c): o for c, o, lv in assets if lv in ranked}
    if not important:
        return CheckResult.found(
            Status.NOT_APPLICABLE, f"none of the {len(assets)} assets is important or core data",
            reason_zh=f"{len(assets)} 项资产中无重要数据或核心数据", period=period,
            figures={"assets": len(assets), "important": 0})
    no_officer = sorted(c for c, o in important.items() if o is None)
    cat = ctx.session.execute(select(Catalogue.id, Catalogue.content, Catalogue.created_at)
                              .where(Catalogue.platform_id == ctx.platform_id)
                              .order_by(Catalogue.created_at.desc()).limit(1)).first()
    listed = {str(r.get("code")) for r in cat.content} if cat else set()
    missing = sorted(set(important) - listed)
    figures = {"important": len(important), "without_officer": len(no_officer),
               "catalogue": cat.id if cat else None, "not_in_catalogue": len(missing)}
    inputs = {"without_officer": no_officer[:50], "not_in_catalogue": missing[:50]}
    seen = len(important) - len(no_officer)
    if no_officer:
        return CheckResult.found(
            Status.UNMET, f"{len(no_officer)} of {len(important)} important/core assets have no "
            "officer", reason_zh=f"{len(important)} 项重要/核心数据中 {len(no_officer)} 项缺负责人",
            period=period, seen=seen, figures=figures, inputs=inputs)
    if cat is None:
        return CheckResult.found(
            Status.UNMET, "no important-data catalogue generated",
            reason_zh="尚未形成重要数据目录", period=period, seen=seen, figures=figures)
    if missing:
        return CheckResult.found(
            Status.AT_RISK, f"{len(missing)} important/core assets are not in the newest "
            f"catalogue ({_bj(cat.created_at)})",
            reason_zh=f"{len(missing)} 项重要/核心数据不在最新目录中", period=period, seen=seen,
            figures=figures, inputs=inputs)
    return CheckResult.met(
        f"all {len(important)} important/core assets have an officer and are in the catalogue "
        f"of {_bj(cat.created_at)}",
        reason_zh=f"{len(important)} 项重要/核心数据均有负责人并已列入目录", seen=seen,
        period=period, figures=figures, inputs={"catalogue_id": cat.id})


def training(ctx: CheckContext) -> CheckResult:
    """Art 26: data-security training held within the period."""
    days = d.check_days("training_days")
    period = Period.last(ctx.now, timedelta(days=days))
    today = ctx.now.astimezone(BEIJING).date()
    since = today - timedelta(days=days)
    held = ctx.session.execute(select(Training.id, Training.held_on).where(
        Training.platform_id == ctx.platform_id, Training.held_on <= today)).all()
    if not held:
        return CheckResult.no_data("no data-security training recorded",
                                   what_zh="尚未记录数据安全教育培训", period=period)
    recent = [i for i, on in held if on >= since]
    last = max(on for _, on in held)
    figures = {"trainings_in_period": len(recent), "last_held_on": last.isoformat(),
               "within_days": days}
    if not recent:
        return CheckResult.found(
            Status.UNMET, f"last data-security training on {last} (more than {days} days ago)",
            reason_zh=f"最近一次数据安全培训为 {last}，已超过 {days} 日", period=period,
            figures=figures)
    return CheckResult.met(f"{len(recent)} training(s) in the last {days} days (last {last})",
                           reason_zh=f"近 {days} 日开展培训 {len(recent)} 次", seen=len(recent),
                           period=period, figures=figures, inputs={"training_ids": recent[:50]})


def merge_gate(ctx: CheckContext) -> CheckResult:
    """Art 18: the platform's services ask the merge gate (decisions in the period) and no
    merge of personal data across services without consent was reported."""
    use_days = d.check_days("gate_use_days")
    breach_days = d.check_days("unconsented_merge_days")
    period = Period.last(ctx.now, timedelta(days=max(use_days, breach_days)))
    use = gate_use(session=ctx.session, platform_id=ctx.platform_id,
                   since=ctx.now - timedelta(days=use_days), until=ctx.now)
    breaches = gate_use(session=ctx.session, platform_id=ctx.platform_id,
                        since=ctx.now - timedelta(days=breach_days), until=ctx.now)
    figures = {"services": use.services, "decisions": use.decisions, "allowed": use.allowed,
               "refused": use.refused, "gate_use_days": use_days,
               "unconsented_merges": breaches.unconsented,
               "unconsented_persons": breaches.unconsented_persons,
               "unconsented_merge_days": breach_days}
    if breaches.unconsented:
        return CheckResult.found(
            Status.UNMET, f"{breaches.unconsented} merge(s) without consent reported in the last "
            f"{breach_days} days ({breaches.unconsented_persons:,} persons)",
            reason_zh=f"近 {breach_days} 日报告未经同意合并个人数据 {breaches.unconsented} 起",
            period=period, seen=use.decisions, figures=figures,
            inputs={"unconsented_merge_ids": breaches.unconsented_ids[:50]})
    if use.decisions == 0:
        what = ("no service registered with the merge gate" if use.services == 0 else
                f"the merge gate answered no request in the last {use_days} days")
        what_zh = ("尚无服务接入合并门禁" if use.services == 0 else
                   f"近 {use_days} 日合并门禁未收到请求")
        return CheckResult.no_data(what, what_zh=what_zh, period=period, figures=figures)
    return CheckResult.met(
        f"the gate answered {use.decisions:,} requests in the last {use_days} days "
        f"({use.refused:,} refused); no merge without consent reported",
        reason_zh=f"近 {use_days} 日门禁决定 {use.decisions:,} 次（拒绝 {use.refused:,} 次），"
                  "无未经同意合并的报告",
        seen=use.decisions, period=period, figures=figures)


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="datagov.art4.activity_reviews", obligations=("art4.review_mechanism",),
              title_zh="数据处理活动按期复核", title_en="Processing activities reviewed on schedule",
              evaluate=activity_reviews),
        Check(key="datagov.art18.merge_gate", obligations=("art18.consent_to_merge",),
              title_zh="合并门禁在用且无未经同意合并", title_en="Merge gate in use, no merge "
              "without consent", evaluate=merge_gate),
        Check(key="datagov.art26.classified", obligations=("art26.classification",),
              title_zh="数据资产已按现行规则分类分级", title_en="Inventory classified under the "
              "rules in force", evaluate=classified),
        Check(key="datagov.art26.lifecycle", obligations=("art26.management_system",),
              title_zh="数据资产按期复核", title_en="Data assets reviewed over their life cycle",
              evaluate=asset_reviews),
        Check(key="datagov.art26.important_data", obligations=("art26.important_data_officer",),
              title_zh="重要数据有负责人并列入目录", title_en="Important data has an officer and "
              "a catalogue", evaluate=important_data),
        Check(key="datagov.art26.training", obligations=("art26.training",),
              title_zh="开展数据安全教育培训", title_en="Data-security training held",
              evaluate=training),
    ]
