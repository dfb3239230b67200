"""Posture checks the market analytics contribute (Art 1, 2, 17, 19, 20, 23, 24): for each
article a detector serves, the
detector ran over the platform's data within the period, and what it found had its action
(a case, a task, a price-fraud record) in time. No data fed is ``not_assessed``, never met.
Periods live in data/detectors.toml (``[posture]``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from zeren.market.domain import catalogue
from zeren.market.models import Action, Finding, Ingest, Run
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.posture.hookspecs import hookimpl


@dataclass(frozen=True)
class _Seen:
    """What every market check reads, once per evaluation: batches fed by dataset, runs in
    the period by detector, findings without an action by detector."""

    fed: dict[str, int]
    runs: dict[str, int]
    open_: dict[str, list[tuple[str, datetime]]]


def _seen(ctx: CheckContext, since: datetime) -> _Seen:
    s, pid = ctx.session, ctx.platform_id
    fed = {str(d): int(n) for d, n in s.execute(
        select(Ingest.dataset, func.count()).where(Ingest.platform_id == pid)
        .group_by(Ingest.dataset))}
    runs = {str(d): int(n) for d, n in s.execute(
        select(Run.detector, func.count()).where(
            Run.platform_id == pid, Run.created_at >= since, Run.created_at <= ctx.now)
        .group_by(Run.detector))}
    open_: dict[str, list[tuple[str, datetime]]] = {}
    for fid, det, at in s.execute(select(Finding.id, Finding.detector, Finding.created_at).where(
            Finding.platform_id == pid,
            ~select(Action.id).where(Action.finding_id == Finding.id).exists())):
        open_.setdefault(str(det), []).append((str(fid), at))
    return _Seen(fed, runs, open_)


def _evaluate(detectors: tuple[str, ...], what_zh: str) -> Callable[[CheckContext], CheckResult]:
    def evaluate(ctx: CheckContext) -> CheckResult:
        cat = catalogue()
        days = int(cat.posture["period_days"].value)
        handle = timedelta(days=int(cat.posture["handle_days"].value))
        period = Period.last(ctx.now, timedelta(days=days))
        assert period.start is not None
        since = period.start
        seen_ = ctx.shared(("market.seen", since), lambda: _seen(ctx, since))
        datasets = sorted({d for n in detectors for d in cat.detectors[n].datasets})
        fed = sum(seen_.fed.get(d, 0) for d in datasets)
        runs = {n: seen_.runs[n] for n in detectors if seen_.runs.get(n)}
        figures = {"runs": {n: int(runs.get(n, 0)) for n in detectors}, "batches_fed": fed}
        if not fed and not runs:
            return CheckResult.no_data(f"no {', '.join(datasets)} fed to the market analytics",
                                       what_zh=f"未向市场行为分析导入数据（{what_zh}）",
                                       period=period, figures=figures)
        missing = [n for n in detectors if not runs.get(n)]
        if missing:
            return CheckResult.found(
                Status.UNMET, f"not run in the last {days} days: {', '.join(missing)}",
                reason_zh=f"近 {days} 日未运行：{'、'.join(missing)}", period=period,
                figures=figures)
        open_ = [f for n in detectors for f in seen_.open_.get(n, ())]
        late = [fid for fid, at in open_ if at <= ctx.now - handle]
        figures.update(open_findings=len(open_), late_findings=len(late))
        seen = sum(int(v) for v in runs.values())
        if late:
            return CheckResult.found(
                Status.UNMET, f"{len(late)} finding(s) without action after {handle.days} days",
                reason_zh=f"{len(late)} 项发现逾 {handle.days} 日未处置", period=period,
                seen=seen, figures=figures, inputs={"late": late[:50]})
        if open_:
            return CheckResult.found(
                Status.AT_RISK, f"{len(open_)} finding(s) awaiting action",
                reason_zh=f"{len(open_)} 项发现待处置", period=period, seen=seen,
                figures=figures, inputs={"open": [fid for fid, _ in open_][:50]})
        return CheckResult.met(
            f"{', '.join(detectors)} ran {seen} time(s) in the last {days} days; every finding "
            "has its action", reason_zh=f"近 {days} 日已运行 {seen} 次，发现均已处置",
            seen=seen, period=period, figures=figures)

    return evaluate


CHECKS: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    ("market.art1.merchant_data", "art1.no_merchant_data_use", ("merchant_data_use",),
     "自营业务未越权使用商家非公开数据", "Own retail reads merchants' data only as declared"),
    ("market.art2.self_preferencing", "art2.no_self_preferencing", ("self_preferencing",),
     "排序未自我优待", "No self-preferencing in ranking"),
    ("market.art17.brushing", "art17.no_fake_transactions", ("brushing_ring",),
     "刷单炒信团伙已排查处置", "Brushing rings found and handled"),
    ("market.art20.pricing", "art20.lawful_pricing",
     ("fake_original_price", "price_discrimination", "price_gouging"),
     "虚构原价、价格歧视、哄抬价格已排查处置",
     "Fake original prices, price discrimination and gouging found and handled"),
    ("market.art23.pyramid", "art23.no_pyramid_selling", ("pyramid_scheme",),
     "传销推荐体系已排查处置", "Pyramid schemes found and handled"),
    # 第十九条: the platform's own algorithms for product recommendation (ranking) and price
    # formation are read for unfairness by the detectors that serve them.
    ("market.art19.algorithm_fairness", "art19.fair_algorithms",
     ("self_preferencing", "price_discrimination"),
     "排序与定价算法公平性已排查处置",
     "Ranking and pricing algorithms checked for unfairness, findings handled"),
    ("market.art24.grey_accounts", "art24.crackdown", ("grey_accounts",),
     "黑灰产账号团伙已排查处置", "Grey-market account clusters found and handled"),
)


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [Check(key=key, obligations=(obligation,), title_zh=zh, title_en=en,
                  evaluate=_evaluate(dets, zh), version="1")
            for key, obligation, dets, zh, en in CHECKS]
