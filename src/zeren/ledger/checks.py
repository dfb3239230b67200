"""Posture checks the ledger can show from its own data: Art 10 (transaction records are
logged and checkpointed) and Art 8 (every log's newest checkpoint carries a valid signature,
so an independent auditor can verify it offline with ``zeren-verify``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from zeren.ledger import models as m
from zeren.ledger import store
from zeren.ledger.verify import VerificationError, open_checkpoint
from zeren.posture.domain import Check, CheckContext, CheckResult, Period, Status
from zeren.posture.hookspecs import hookimpl

STALE_AFTER = timedelta(days=7)


def transaction_records_logged(ctx: CheckContext) -> CheckResult:
    s, lg, c = m.SUBJECTS, m.LOGS, m.CHECKPOINTS
    prefix = f"order:{ctx.platform_id}:"
    n = ctx.session.execute(
        select(func.count()).select_from(s).where(s.c.subject.startswith(prefix))
    ).scalar_one()
    period = Period.since_records_began(ctx.now)
    if not n:
        return CheckResult.no_data("no order records (交易信息) logged in the ledger",
                                   what_zh="账本中没有交易记录", period=period,
                                   figures={"records": 0})
    last_cp = ctx.session.execute(
        select(func.max(c.c.created_at)).join(lg, lg.c.id == c.c.log_id)
        .where(lg.c.record_class == "orders")
    ).scalar_one()
    figures = {"records": int(n)}
    inputs = {"newest_checkpoint_at": str(last_cp)}
    if last_cp is None:
        return CheckResult(Status.AT_RISK, "order records logged but never checkpointed",
                           figures, inputs, "交易记录尚无签名检查点", period=period)
    newest = last_cp if last_cp.tzinfo else last_cp.replace(tzinfo=ctx.now.tzinfo)
    if ctx.now - newest > STALE_AFTER:
        return CheckResult(Status.AT_RISK, f"no new orders checkpoint since {newest:%Y-%m-%d}",
                           figures, inputs, f"自 {newest:%Y-%m-%d} 起没有新的交易检查点",
                           period=period)
    return CheckResult(Status.MET, f"{n} order records logged; newest checkpoint {newest:%Y-%m-%d}",
                       figures, inputs, f"已记录 {n} 条交易信息，最新检查点 {newest:%Y-%m-%d}",
                       seen=int(n), period=period)


def checkpoints_verify(ctx: CheckContext) -> CheckResult:
    logs = store.list_logs(session=ctx.session)
    period = Period.at(ctx.now)
    if not logs:
        return CheckResult.no_data("no ledger logs yet", what_zh="尚无账本日志", period=period,
                                   figures={"logs": 0}, scope="group")
    bad = []
    for info, cp in logs:
        try:
            open_checkpoint(cp.note, [store.verifier(info)])
        except VerificationError as exc:
            bad.append(f"{info.name}: {exc}")
    figures = {"logs": len(logs), "failing": len(bad)}
    if bad:
        return CheckResult(Status.UNMET, f"{len(bad)} log checkpoint(s) fail verification",
                           figures, {"failures": bad}, f"{len(bad)} 个日志检查点验证失败",
                           period=period, scope="group")
    return CheckResult(Status.MET, f"all {len(logs)} logs carry verifiable signed checkpoints",
                       figures, {}, f"全部 {len(logs)} 个日志的签名检查点可验证",
                       seen=len(logs), period=period, scope="group")


@hookimpl
def zeren_posture_checks() -> list[Check]:
    return [
        Check(key="art10.transaction_records_logged", obligations=("art10.records_kept",),
              title_zh="交易信息已记入防篡改账本并定期签名",
              title_en="Transaction records logged in the tamper-evident ledger and checkpointed",
              evaluate=transaction_records_logged),
        Check(key="art10.ledger_checkpoints_verify", obligations=("art10.records_integrity",),
              title_zh="账本检查点可由第三方独立验证",
              title_en="Ledger checkpoints verify for an independent auditor",
              evaluate=checkpoints_verify),
    ]
