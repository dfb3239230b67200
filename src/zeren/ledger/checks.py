"""Posture checks the ledger can show from its own data, for Art 10's transaction records:
the platform's orders are logged, each under a signed checkpoint, recently
(``art10.records_kept``), and the checkpoints of the logs that hold them verify under their
keys, so an auditor can verify them offline with ``zeren-verify``
(``art10.records_integrity``). Both read only the platform's own order entries (subject keys
``order:<platform id>:…``) and the logs that hold them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from zeren.ledger import models as m
from zeren.ledger import store
from zeren.ledger.outbox import OutboxRow
from zeren.ledger.verify import VerificationError, open_checkpoint
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.posture.hookspecs import hookimpl

# Team defaults (the guideline names no interval): the window in which the platform's order
# records are looked for, and how long an order may wait in the outbox before it counts late.
LOOKBACK = timedelta(days=30)
OUTBOX_LATE = timedelta(minutes=30)


def _order_range(platform_id: str) -> tuple[str, str]:
    """Subject keys of the platform's orders as an index range (``;`` follows ``:``)."""
    return f"order:{platform_id}:", f"order:{platform_id};"


@dataclass(frozen=True)
class _LogOrders:
    log_id: int
    name: str
    entries: int
    newest_idx: int
    in_window: int  # entries logged since the look-back began (beyond the size it had then)


def _orders_by_log(ctx: CheckContext) -> list[_LogOrders]:
    """The logs holding the platform's orders, with how many, the newest index and how many
    were logged in the look-back window (read once per evaluation: both Art 10 ledger checks
    start from it)."""
    return ctx.shared("ledger.orders_by_log", lambda: _read_orders_by_log(
        ctx.session, ctx.platform_id, ctx.now - LOOKBACK))


def _read_orders_by_log(session: Session, platform_id: str, start: datetime
                        ) -> list[_LogOrders]:
    """One index seek per log finds the logs holding the platform's orders; each is then
    counted from ix_ledger_subjects_log_subject alone (no GROUP BY over every entry)."""
    lo, hi = _order_range(platform_id)
    s, lg, c = m.SUBJECTS, m.LOGS, m.CHECKPOINTS
    mine = (s.c.subject >= lo, s.c.subject < hi)
    holding = session.execute(select(lg.c.id, lg.c.name).where(
        select(s.c.idx).where(s.c.log_id == lg.c.id, *mine).exists()).order_by(lg.c.id)).all()
    out = []
    for log_id, name in holding:
        # the log's size when the window began: entries beyond it were logged in the window
        size_then = session.execute(select(func.max(c.c.size)).where(
            c.c.log_id == log_id, c.c.created_at < start)).scalar_one() or 0
        n, newest, in_window = session.execute(select(
            func.count(), func.max(s.c.idx),
            func.coalesce(func.sum(case((s.c.idx >= size_then, 1), else_=0)), 0))
            .where(s.c.log_id == log_id, *mine)).one()
        out.append(_LogOrders(int(log_id), str(name), int(n), int(newest), int(in_window)))
    return out


def _aware(at: datetime, like: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=like.tzinfo)


def transaction_records_logged(ctx: CheckContext) -> CheckResult:
    period = Period.last(ctx.now, LOOKBACK)
    lo, hi = _order_range(ctx.platform_id)
    waiting = ctx.session.scalar(select(func.count()).select_from(OutboxRow).where(
        OutboxRow.logged_at.is_(None), OutboxRow.subject >= lo, OutboxRow.subject < hi,
        OutboxRow.created_at < ctx.now - OUTBOX_LATE)) or 0
    logs = _orders_by_log(ctx)
    c = m.CHECKPOINTS
    seen = uncovered = 0
    newest_logged: datetime | None = None
    for lg in logs:
        # when the platform's newest entry of this log was first under a signed checkpoint
        covered_at = ctx.session.execute(
            select(func.min(c.c.created_at)).where(c.c.log_id == lg.log_id,
                                                   c.c.size > lg.newest_idx)).scalar_one()
        if covered_at is None:
            uncovered += 1
            continue
        covered_at = _aware(covered_at, ctx.now)
        newest_logged = max(newest_logged or covered_at, covered_at)
        seen += lg.in_window
    figures = {"records": sum(lg.entries for lg in logs), "logged_in_window": seen,
               "outbox_late": waiting, "logs_without_checkpoint": uncovered,
               "lookback_days": LOOKBACK.days}
    inputs = {"logs": [lg.name for lg in logs],
              "newest_logged_at": newest_logged.isoformat() if newest_logged else None}
    if waiting:
        return CheckResult.found(Status.UNMET, f"{waiting} order record(s) waiting more than "
                                 f"{int(OUTBOX_LATE.total_seconds() // 60)} min for the ledger",
                                 period=period, seen=seen, figures=figures, inputs=inputs,
                                 reason_zh=f"{waiting} 条交易记录未及时写入存证账本")
    if uncovered:
        return CheckResult.found(Status.AT_RISK, "the platform's newest order records are under "
                                 "no signed checkpoint", period=period, seen=seen,
                                 figures=figures, inputs=inputs,
                                 reason_zh="最新交易记录尚无签名检查点")
    if not seen:
        what = ("no order of this platform logged in the last "
                f"{LOOKBACK.days} days" + (f" (newest {newest_logged:%Y-%m-%d})"
                                           if newest_logged else ""))
        return CheckResult.no_data(what, period=period, figures=figures, inputs=inputs,
                                   what_zh=f"近 {LOOKBACK.days} 天本平台没有交易记录写入账本")
    return CheckResult.met(f"{seen} order record(s) logged in the last {LOOKBACK.days} days, "
                           "each under a signed checkpoint", seen=seen, period=period,
                           figures=figures, inputs=inputs,
                           reason_zh=f"近 {LOOKBACK.days} 天已记录 {seen} 条交易信息并签名")


def checkpoints_verify(ctx: CheckContext) -> CheckResult:
    period = Period.at(ctx.now)
    mine = {lg.log_id for lg in _orders_by_log(ctx)}
    logs = store.logs_with_checkpoints(session=ctx.session, ids=mine)
    if not logs:
        return CheckResult.no_data("no ledger log holds this platform's order records",
                                   what_zh="尚无记录本平台交易的账本日志", period=period,
                                   figures={"logs": 0})
    bad = []
    for info, cp in logs:
        try:
            open_checkpoint(cp.note, [store.verifier(info)])
        except VerificationError as exc:
            bad.append(f"{info.name}: {exc}")
    figures = {"logs": len(logs), "failing": len(bad)}
    inputs = {"logs": [info.name for info, _ in logs], "sizes": [cp.size for _, cp in logs]}
    if bad:
        return CheckResult.found(Status.UNMET, f"{len(bad)} log checkpoint(s) fail verification",
                                 period=period, figures=figures,
                                 inputs={**inputs, "failures": bad},
                                 reason_zh=f"{len(bad)} 个日志检查点验证失败")
    return CheckResult.met(f"the {len(logs)} log(s) holding this platform's orders carry "
                           "verifiable signed checkpoints", seen=len(logs), period=period,
                           figures=figures, inputs=inputs,
                           reason_zh=f"记录本平台交易的 {len(logs)} 个日志的签名检查点可验证")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="art10.transaction_records_logged", obligations=("art10.records_kept",),
              title_zh="交易信息已记入防篡改账本并签名",
              title_en="Transaction records logged in the tamper-evident ledger and signed",
              evaluate=transaction_records_logged, version="2"),
        Check(key="art10.ledger_checkpoints_verify", obligations=("art10.records_integrity",),
              title_zh="交易记录所在账本的检查点可独立验证",
              title_en="Checkpoints of the logs holding the platform's orders verify",
              evaluate=checkpoints_verify, version="2"),
    ]
