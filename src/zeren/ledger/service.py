"""Ledger use cases: the process-wide integrator, reading personal data, erasure, and the
orders (Art 10) records. Keyword-only; these never commit the caller's session — writes go
through the integrator, which commits its own batches (see ``integrator.py``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from zeren.audit.service import record as audit
from zeren.auth.policy import Actor
from zeren.errors import Conflict, Forbidden, Immutable, InvalidInput, NotFound
from zeren.ledger import models as m
from zeren.ledger import store
from zeren.ledger.integrator import Erasure, Integrator, LogInfo, PendingEntry, Receipt
from zeren.ledger.interfaces import LedgerRecordLog, RecordLog, build_entry, log_name
from zeren.ledger.keys import LogKeys, key_dir
from zeren.ledger.personal import add_years, retention_rules, unseal


@lru_cache(maxsize=8)
def integrator_for(engine: Engine, data_dir: Path | None = None) -> Integrator:
    """The one integrator of this process for ``engine``; keys under ``data_dir``/ledger/keys
    (default: settings.data_dir)."""
    return Integrator(engine, keys=LogKeys(key_dir(data_dir) if data_dir else None))


def record_log_for(engine: Engine, data_dir: Path | None = None) -> RecordLog:
    """What other modules call to log records."""
    return LedgerRecordLog(integrator_for(engine, data_dir))


# ----------------------------------------------------------------------- personal data


@dataclass(frozen=True)
class PersonalView:
    ref: str
    erased: bool
    data: Any
    commitment_ok: bool | None


def read_personal(*, session: Session, ref: str, commitment: str) -> PersonalView:
    """Open sealed personal data and check it against the entry's commitment."""
    k, p = m.PD_KEYS, m.PERSONAL
    row = session.execute(
        select(k.c.key, p.c.nonce, p.c.ciphertext).join(p, p.c.id == k.c.pd_id)
        .where(k.c.pd_id == ref)
    ).first()
    if row is None:
        raise NotFound("personal data not found", details={"ref": ref})
    if row.key is None:
        return PersonalView(ref, True, None, None)
    data, got = unseal(pd_id=ref, key=bytes(row.key), nonce=bytes(row.nonce),
                       ciphertext=bytes(row.ciphertext))
    return PersonalView(ref, False, data, got == commitment)


def entry_json(data: bytes) -> dict[str, Any]:
    try:
        out = json.loads(data)
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


def holds_on(*, session: Session, log: LogInfo, index: int, platform_id: object,
             now: datetime) -> list[str]:
    """The holds plugins place on the record at ``index`` of ``log`` (by its subject):
    ``zeren_erasure_holds``. A record without a subject has none."""
    from zeren.plugins import plugin_manager

    subject = session.scalar(select(m.SubjectKey.subject).where(
        m.SubjectKey.log_id == log.id, m.SubjectKey.idx == index))
    if not subject:
        return []
    pid = platform_id if isinstance(platform_id, str) else None
    out: list[str] = []
    for batch in plugin_manager().hook.zeren_erasure_holds(session=session, platform_id=pid,
                                                           subject=subject, now=now):
        out.extend(batch)
    return out


def erase_personal(
    *,
    session: Session,
    integrator: Integrator,
    log: str,
    index: int,
    legal_basis: str,
    approver: str,
    requested_by: str | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Destroy the key of the personal data of entry ``index`` of ``log`` and log a
    tombstone (target, legal basis, approver) in the same transaction. Refused while the
    record's retention period runs."""
    if not legal_basis.strip():
        raise InvalidInput("a legal basis is required", field="legal_basis")
    if not approver.strip():
        raise InvalidInput("an approver is required", field="approver")
    now = now or datetime.now(UTC)
    info = store.get_log(session=session, name=log)
    body = entry_json(store.get_entry(session=session, log=info, index=index))
    ref = (body.get("personal") or {}).get("ref")
    if not ref:
        raise Conflict("this entry holds no personal data", details={"log": log, "index": index})
    p, k = m.PERSONAL, m.PD_KEYS
    row = session.execute(
        select(p.c.retain_until, p.c.retention_source, k.c.key)
        .join(k, k.c.pd_id == p.c.id).where(p.c.id == ref)
    ).first()
    if row is None:
        raise NotFound("personal data not found", details={"ref": ref})
    if row.key is None:
        raise Conflict("personal data already erased", details={"ref": ref})
    if row.retain_until is None or now < row.retain_until:
        until = row.retain_until.isoformat() if row.retain_until else "not started"
        raise Immutable(
            f"retention period runs until {until} ({row.retention_source}); erasure refused",
            details={"ref": ref, "retain_until": until, "source": row.retention_source},
        )
    held = holds_on(session=session, log=info, index=index, platform_id=body.get("platform_id"),
                    now=now)
    if held:
        raise Immutable("a retention hold covers this record; erasure refused: "
                        + "; ".join(held), details={"ref": ref, "holds": held})
    tomb = build_entry(record_class="erasure", record={
        "target": {"log": log, "index": index, "ref": ref},
        "legal_basis": legal_basis, "approver": approver, "at": now.isoformat(),
        **({"requested_by": requested_by} if requested_by else {}),
    }, sealed=None)
    name = log_name("erasure", now)
    return integrator.append_batch(
        name, [PendingEntry(tomb, subject=f"erasure:{ref}",
                            erase=Erasure(ref, approver, legal_basis))]
    ).receipts()[0]


# ----------------------------------------------------------------------- orders (Art 10)


def order_subject(platform_id: str, order_id: str) -> str:
    return f"order:{platform_id}:{order_id}"


def ingest_order(
    *, record_log: RecordLog, record: dict[str, Any], buyer: dict[str, Any],
    completed_at: datetime | None,
) -> Receipt:
    """Log one order record; the buyer's data is sealed apart and kept for the retention
    period of 电子商务法 第三十一条 from completion."""
    rule = retention_rules()["orders"]
    until = add_years(completed_at, rule.years) if completed_at else None
    return record_log.append(
        record_class="orders", record=record,
        subject=order_subject(str(record["platform_id"]), str(record["order_id"])),
        personal=buyer, retain_until=until, retention_source=rule.source,
    )


@dataclass(frozen=True)
class OrderRecordView:
    log: str
    index: int
    record: dict[str, Any]
    proof: store.InclusionProof
    personal: PersonalView | None


def order_records(
    *, session: Session, platform_id: str, order_id: str, with_personal: bool
) -> list[OrderRecordView]:
    """Every logged record of an order, each with its inclusion proof and checkpoint."""
    found = store.find_subject(session=session, subject=order_subject(platform_id, order_id))
    if not found:
        raise NotFound(f"no records of order {order_id}",
                       details={"platform_id": platform_id, "order_id": order_id})
    out: list[OrderRecordView] = []
    for info, idx in found:
        proof = store.inclusion(session=session, log=info, index=idx)
        body = entry_json(proof.entry)
        pd = body.get("personal")
        view = None
        if with_personal and isinstance(pd, dict):
            view = read_personal(session=session, ref=str(pd["ref"]),
                                 commitment=str(pd["commitment"]))
        out.append(OrderRecordView(info.name, idx, body, proof, view))
    return out


# ----------------------------------------------------------------------- order figures


@lru_cache(maxsize=1)
def income_kinds() -> dict[str, dict[str, str]]:
    """The income kinds an order may carry (``orders.toml``), each with its source."""
    import tomllib
    from importlib import resources

    raw = tomllib.loads(resources.files("zeren.ledger").joinpath("orders.toml")
                        .read_text("utf-8"))
    kinds: dict[str, dict[str, str]] = raw["income_kinds"]
    for code, k in kinds.items():
        if not k.get("source") or not k.get("zh"):
            raise ValueError(f"income_kinds.{code} needs zh and source")
    return kinds


def _cents(value: Any) -> int:
    from decimal import Decimal

    return int((Decimal(str(value)) * 100).to_integral_value())


def check_income(record: dict[str, Any]) -> None:
    """An order's income kind is one the data knows; 其他销售收入 belongs to goods and is
    part of the paid amount."""
    income = record.get("income") or {}
    kind = str(income.get("kind", "goods"))
    if kind not in income_kinds():
        raise InvalidInput(f"income_kind must be one of {', '.join(income_kinds())}",
                           field="income_kind")
    other = _cents(income.get("other_sales", "0"))
    if other and kind != "goods":
        raise InvalidInput("other_sales_amount belongs to an order of goods",
                           field="other_sales_amount")
    if other > _cents(record["amounts"]["paid"]):
        raise InvalidInput("other_sales_amount is more than the paid amount",
                           field="other_sales_amount")


def index_order(*, session: Session, record: dict[str, Any], receipt: Receipt) -> bool:
    """Keep a completed order's figures beside its log entry (once: the first completed
    record of an order counts; later records of it are in the log only)."""
    completed = (record.get("times") or {}).get("completed_at")
    if not completed:
        return False
    pid, oid = str(record["platform_id"]), str(record["order_id"])
    if session.get(m.OrderIndex, (pid, "order", oid)) is not None:
        return False
    income = record.get("income") or {}
    session.add(m.OrderIndex(
        platform_id=pid, record="order", ref=oid, order_id=oid,
        merchant_ref=str(record["merchant_id"]), income_kind=str(income.get("kind", "goods")),
        amount_cents=_cents(record["amounts"]["paid"]),
        other_cents=_cents(income.get("other_sales", "0")),
        at=datetime.fromisoformat(str(completed)), log=receipt.log, idx=receipt.index))
    session.flush()
    return True


def log_refund_record(
    *, session: Session, actor: Actor, platform_id: str, record_log: RecordLog, order_id: str,
    refund_id: str, amount: Any, kind: str, reason: str, refunded_at: datetime,
) -> Receipt:
    """Log a refund of a completed order as its own record under the order's subject
    (ledger.write): refused when the order is not completed here, when the refund id is
    taken, or when refunds would pass what was paid; indexed beside the order."""
    actor.require("ledger.write", platform_id)
    order = session.get(m.OrderIndex, (platform_id, "order", order_id))
    if order is None:
        raise NotFound(f"no completed order {order_id} on this platform",
                       details={"field": "order_id"})
    if session.get(m.OrderIndex, (platform_id, "refund", refund_id)) is not None:
        raise Conflict(f"refund {refund_id} is already logged", details={"field": "refund_id"})
    if refunded_at < order.at.replace(tzinfo=order.at.tzinfo or UTC):
        raise InvalidInput("refunded_at is before the order was completed",
                           field="refunded_at")
    from sqlalchemy import func

    done = int(session.scalar(select(func.coalesce(func.sum(m.OrderIndex.amount_cents), 0))
                              .where(m.OrderIndex.platform_id == platform_id,
                                     m.OrderIndex.record == "refund",
                                     m.OrderIndex.order_id == order_id)) or 0)
    cents = _cents(amount)
    if done + cents > order.amount_cents:
        raise InvalidInput(f"refunds would come to {(done + cents) / 100:.2f}, more than the "
                           f"{order.amount_cents / 100:.2f} paid", field="amount")
    rec = {"record": "refund", "platform_id": platform_id, "order_id": order_id,
           "refund_id": refund_id, "merchant_id": order.merchant_ref,
           "amount": f"{cents / 100:.2f}", "kind": kind, "reason": reason,
           "refunded_at": refunded_at.isoformat(), "recorded_by": actor.username}
    r = record_log.append(record_class="orders", record=rec,
                          subject=order_subject(platform_id, order_id), at=refunded_at)
    session.add(m.OrderIndex(
        platform_id=platform_id, record="refund", ref=refund_id, order_id=order_id,
        merchant_ref=order.merchant_ref, income_kind=order.income_kind, amount_cents=cents,
        other_cents=0, at=refunded_at, log=r.log, idx=r.index))
    session.flush()
    audit(session=session, actor=actor, action="ledger.refund.log", target_type="order",
          target_id=order_id, platform_id=platform_id,
          summary={"refund_id": refund_id, "amount": rec["amount"], "log": r.log,
                   "index": r.index})
    return r


@dataclass(frozen=True)
class IncomeRow:
    merchant_ref: str
    income_kind: str
    record: str
    amount_cents: int
    other_cents: int
    count: int


def income_between(*, session: Session, platform_id: str, start: datetime, end: datetime
                   ) -> list[IncomeRow]:
    """Orders completed and refunds made in ``[start, end)``, summed by merchant, income
    kind and record (one GROUP BY over the index)."""
    from sqlalchemy import func

    o = m.OrderIndex
    q = (select(o.merchant_ref, o.income_kind, o.record, func.sum(o.amount_cents),
                func.sum(o.other_cents), func.count())
         .where(o.platform_id == platform_id, o.at >= start, o.at < end)
         .group_by(o.merchant_ref, o.income_kind, o.record))
    return [IncomeRow(str(a), str(b), str(c), int(d or 0), int(e or 0), int(f))
            for a, b, c, d, e, f in session.execute(q)]


def merchant_income(*, session: Session, platform_id: str, merchant_ref: str
                    ) -> list[IncomeRow]:
    """One merchant's orders and refunds, summed by income kind and record (all time)."""
    from sqlalchemy import func

    o = m.OrderIndex
    q = (select(o.merchant_ref, o.income_kind, o.record, func.sum(o.amount_cents),
                func.sum(o.other_cents), func.count())
         .where(o.platform_id == platform_id, o.merchant_ref == merchant_ref)
         .group_by(o.merchant_ref, o.income_kind, o.record))
    return [IncomeRow(str(a), str(b), str(c), int(d or 0), int(e or 0), int(f))
            for a, b, c, d, e, f in session.execute(q)]


def income_seen(*, session: Session, platform_id: str) -> int:
    """How many order figures the platform has indexed (0: no orders to report from)."""
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(m.OrderIndex)
                              .where(m.OrderIndex.platform_id == platform_id)) or 0)


# ----------------------------------------------------------------------- use cases


def log_order_record(
    *, session: Session, actor: Actor, platform_id: str, record_log: RecordLog,
    record: dict[str, Any], buyer: dict[str, Any], completed_at: datetime | None,
) -> Receipt:
    """Log one order record of ``platform_id`` (ledger.write on that platform), index its
    figures once it is completed, and note it in the audit trail."""
    actor.require("ledger.write", platform_id)
    rec = {**record, "platform_id": platform_id, "recorded_by": actor.username}
    check_income(rec)
    r = ingest_order(record_log=record_log, record=rec, buyer=buyer, completed_at=completed_at)
    index_order(session=session, record=rec, receipt=r)
    audit(session=session, actor=actor, action="ledger.order.log", target_type="order",
          target_id=str(record["order_id"]), platform_id=platform_id,
          summary={"log": r.log, "index": r.index})
    return r


def erase_record(
    *, session: Session, actor: Actor, integrator: Integrator, log: str, index: int,
    legal_basis: str, approver: str,
) -> Receipt:
    """Erase the personal data of one logged record: ledger.erase on the record's platform,
    or group-wide for a record of no platform (an erasure tombstone, another module's
    record); refused while its retention period runs; audited."""
    info = store.get_log(session=session, name=log)
    rec = entry_json(store.get_entry(session=session, log=info, index=index))
    platform_id = rec.get("platform_id")
    if isinstance(platform_id, str):
        actor.require("ledger.erase", platform_id)
    elif not actor.can_group_wide("ledger.erase"):
        raise Forbidden(f"{actor.username} may not ledger.erase on a record of no platform "
                        "(needs a group-wide grant)",
                        details={"permission": "ledger.erase", "platform_id": None})
    r = erase_personal(session=session, integrator=integrator, log=log, index=index,
                       legal_basis=legal_basis, approver=approver, requested_by=actor.username)
    audit(session=session, actor=actor, action="ledger.erase", target_type="ledger_entry",
          target_id=f"{log}#{index}",
          platform_id=platform_id if isinstance(platform_id, str) else None,
          summary={"tombstone": f"{r.log}#{r.index}", "legal_basis": legal_basis,
                   "approver": approver})
    return r
