"""Posture checks platform rules contribute: 指南 第十四条 (every published version went through
consultation for at least the minimum, with every comment answered, and was published with
the notice; rules are in force), 第十五条 (the credit-evaluation rule is published), 第十六条
(no exclusivity finding left undecided) and 第二十九条 (fee and obligation changes justified
and given their notice). Each reads one platform's records as they stand; no published
version, or nothing scanned, is no data — never compliance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from zeren.hookspecs import hookimpl
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.rules import domain as d
from zeren.rules.models import (
    RuleClause,
    RuleComment,
    RuleDocument,
    RuleExit,
    RuleFinding,
    RuleVersion,
)


def _published(ctx: CheckContext) -> list[RuleVersion]:
    return list(ctx.session.scalars(select(RuleVersion).where(
        RuleVersion.platform_id == ctx.platform_id, RuleVersion.stage == d.Stage.PUBLISHED)
        .order_by(RuleVersion.document_id, RuleVersion.number)))


def change_procedure(ctx: CheckContext) -> CheckResult:
    """Published versions that were consulted on for the minimum, answered every comment
    before the decision, and were published with the notice they needed."""
    period = Period.since_records_began(ctx.now)
    vs = _published(ctx)
    if not vs:
        return CheckResult.no_data("no rule version published through Zeren", period=period,
                                   what_zh="尚无经 Zeren 公示的规则版本")
    data = d.rules_data()
    ids = [v.id for v in vs]
    comments = list(ctx.session.execute(select(RuleComment.id, RuleComment.version_id,
                                               RuleComment.reply_to)
                                        .where(RuleComment.version_id.in_(ids))))
    answered = {r for _, _, r in comments if r}
    unanswered: dict[str, int] = {}
    for cid, vid, reply_to in comments:
        if reply_to is None and cid not in answered:
            unanswered[vid] = unanswered.get(vid, 0) + 1
    bad: list[str] = []
    for v in vs:
        opened, closes = v.consultation_opened_at, v.closes_at
        if opened is None or closes is None or \
                closes < d.days_after(opened, data.consultation.days):
            bad.append(f"v{v.number} ({v.id[:8]}): consultation shorter than "
                       f"{data.consultation.days} days")
        if v.published_at is None or v.effective_at is None or v.effective_at < \
                d.earliest_effective(v.published_at, max(v.notice_days or 0,
                                                         data.notice.days)):
            bad.append(f"v{v.number} ({v.id[:8]}): notice shorter than required")
        if unanswered.get(v.id):
            bad.append(f"v{v.number} ({v.id[:8]}): {unanswered[v.id]} comment(s) unanswered")
    exits = int(ctx.session.scalar(select(func.count()).select_from(RuleExit).where(
        RuleExit.version_id.in_(ids))) or 0)
    figures = {"published_versions": len(vs), "comments": len(comments),
               "unanswered": sum(unanswered.values()), "problems": bad[:20],
               "exits_recorded": exits}
    if bad:
        return CheckResult.found(Status.UNMET, "; ".join(bad[:5]), period=period,
                                 seen=len(vs) - len({b.split(':')[0] for b in bad}),
                                 figures=figures,
                                 reason_zh=f"{len(bad)} 处规则修改程序不符合要求")
    return CheckResult.met(f"all {len(vs)} published version(s) consulted on, comments "
                           "answered, published with the notice", seen=len(vs),
                           period=period, figures=figures,
                           reason_zh=f"{len(vs)} 个已公示版本均经征求意见、答复并按期公示")


def rules_in_force(ctx: CheckContext) -> CheckResult:
    """The platform has rules in force, published through the library (transparency)."""
    period = Period.at(ctx.now)
    vs = _published(ctx)
    if not vs:
        return CheckResult.no_data("no rule published through Zeren", period=period,
                                   what_zh="尚无经 Zeren 公示的规则")
    by_doc: dict[str, list[tuple[str, datetime]]] = {}
    for v in vs:
        if v.effective_at is not None:
            by_doc.setdefault(v.document_id, []).append((v.id, v.effective_at))
    in_force = [doc for doc, items in by_doc.items() if d.in_force_at(items, ctx.now)]
    kinds = sorted(set(ctx.session.scalars(select(RuleDocument.kind).where(
        RuleDocument.id.in_(in_force))))) if in_force else []
    figures = {"documents": len(by_doc), "in_force": len(in_force), "kinds_in_force": kinds}
    if not in_force:
        return CheckResult.found(Status.AT_RISK, "rules are published but none is in force yet",
                                 period=period, figures=figures,
                                 reason_zh="已公示规则尚未生效")
    return CheckResult.met(f"{len(in_force)} rule document(s) in force, published with their "
                           "versions", seen=len(in_force), period=period, figures=figures,
                           reason_zh=f"{len(in_force)} 份规则生效中并已公示")


def credit_rule_published(ctx: CheckContext) -> CheckResult:
    """A credit-evaluation rule (信用评价规则) is published and in force."""
    period = Period.at(ctx.now)
    rows = list(ctx.session.execute(select(RuleVersion.id, RuleVersion.effective_at)
                                    .join(RuleDocument,
                                          RuleDocument.id == RuleVersion.document_id)
                                    .where(RuleVersion.platform_id == ctx.platform_id,
                                           RuleVersion.stage == d.Stage.PUBLISHED,
                                           RuleDocument.kind == "credit_rule")))
    if not rows:
        return CheckResult.no_data("no credit-evaluation rule published through Zeren",
                                   period=period, what_zh="尚无经 Zeren 公示的信用评价规则")
    cur = d.in_force_at([(i, e) for i, e in rows if e is not None], ctx.now)
    if cur is None:
        return CheckResult.found(Status.AT_RISK, "the credit-evaluation rule is announced but "
                                 "not yet in force", period=period,
                                 reason_zh="信用评价规则已公示但尚未生效")
    return CheckResult.met("the credit-evaluation rule is published and in force", seen=1,
                           period=period, figures={"version_id": cur},
                           reason_zh="信用评价规则已公示并生效")


def exclusivity_decided(ctx: CheckContext) -> CheckResult:
    """Every exclusivity finding in scanned rule texts and clauses has a decision."""
    period = Period.at(ctx.now)
    scanned = int(ctx.session.scalar(select(func.count()).select_from(RuleVersion).where(
        RuleVersion.platform_id == ctx.platform_id,
        RuleVersion.consultation_opened_at.is_not(None))) or 0)
    scanned += int(ctx.session.scalar(select(func.count()).select_from(RuleClause).where(
        RuleClause.platform_id == ctx.platform_id)) or 0)
    if scanned == 0:
        return CheckResult.no_data("no rule text or clause screened for exclusivity",
                                   period=period, what_zh="尚无规则文本或条款经排他性筛查")
    open_ = int(ctx.session.scalar(select(func.count()).select_from(RuleFinding).where(
        RuleFinding.platform_id == ctx.platform_id, RuleFinding.status == "open")) or 0)
    figures = {"texts_screened": scanned, "open_findings": open_}
    if open_:
        return CheckResult.found(Status.UNMET, f"{open_} exclusivity finding(s) await a "
                                 "decision", period=period, seen=scanned, figures=figures,
                                 reason_zh=f"{open_} 项排他性条款发现尚未处理")
    return CheckResult.met(f"{scanned} text(s) screened, no exclusivity finding undecided",
                           seen=scanned, period=period, figures=figures,
                           reason_zh=f"已筛查 {scanned} 份文本，无未处理的排他性发现")


def fee_changes_justified(ctx: CheckContext) -> CheckResult:
    """Published versions that raise fees or add obligations carry a justification and the
    notice they needed."""
    period = Period.since_records_began(ctx.now)
    vs = _published(ctx)
    if not vs:
        return CheckResult.no_data("no rule version published through Zeren", period=period,
                                   what_zh="尚无经 Zeren 公示的规则版本")
    prev: dict[str, RuleVersion] = {}
    flagged = unjustified = 0
    for v in vs:  # ordered by document, number: the previous published one is at hand
        p = prev.get(v.document_id)
        prev[v.document_id] = v
        if p is None:
            continue
        rev = d.review(p.fee_items, v.fee_items, p.obligations, v.obligations)
        if rev.flagged:
            flagged += 1
            if not v.justification.strip():
                unjustified += 1
    figures = {"published_versions": len(vs), "flagged": flagged,
               "unjustified": unjustified}
    if unjustified:
        return CheckResult.found(Status.UNMET, f"{unjustified} of {flagged} fee or obligation "
                                 "change(s) published without a justification", period=period,
                                 seen=flagged - unjustified, figures=figures,
                                 reason_zh=f"{unjustified} 项收费或义务变更未说明理由")
    return CheckResult.met(f"{len(vs)} published version(s) reviewed; {flagged} fee or "
                           "obligation change(s), each justified", seen=len(vs), period=period,
                           figures=figures,
                           reason_zh=f"已审查 {len(vs)} 个公示版本，{flagged} 项变更均有理由")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="rules.art14.change_procedure", obligations=("art14.change_procedure",),
              title_zh="规则修改经公示、征求意见、答复并按期公示",
              title_en="Rule changes consulted on, answered and published with notice",
              evaluate=change_procedure, version="1"),
        Check(key="rules.art14.in_force", obligations=("art14.transparency",),
              title_zh="规则经公示并生效", title_en="Rules published and in force",
              evaluate=rules_in_force, version="1"),
        Check(key="rules.art15.credit_rule", obligations=("art15.rules_published",),
              title_zh="信用评价规则已公示", title_en="Credit-evaluation rule published",
              evaluate=credit_rule_published, version="1"),
        Check(key="rules.art16.exclusivity", obligations=("art16.no_monopoly",),
              title_zh="排他性条款发现均已处理",
              title_en="Exclusivity findings all decided",
              evaluate=exclusivity_decided, version="1"),
        Check(key="rules.art29.fees_justified", obligations=("art29.no_unreasonable_terms",),
              title_zh="收费和义务变更有理由并按期公示",
              title_en="Fee and obligation changes justified and notified",
              evaluate=fee_changes_justified, version="1"),
    ]
