"""Verification and re-verification (核验、定期核验更新, 电子商务法 第二十七条; 网络交易监督管理办法
第二十四条): a verification reads the outside registers through a ``RegistryProvider``,
records what it checked, the evidence, the verifier and the outcome (kept), and on
``verified`` sets the next due day (every N months, from data). The due job opens tasks
ahead: re-verifications coming due, licences about to expire, merchants never verified; and
sends each merchant whose re-verification is overdue to moderation as a case with a
suggested measure — a moderator decides, nothing is applied here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import InvalidInput
from zeren.ledger import outbox
from zeren.merchants import domain as d
from zeren.merchants.models import (
    TASKS,
    Licence,
    LicenceDocument,
    Merchant,
    MerchantEvent,
    MerchantTask,
    MerchantVerification,
)
from zeren.merchants.services.providers import RegistryProvider
from zeren.merchants.services.registry import LEDGER_CLASS, READ, WRITE, subject
from zeren.moderation.domain import measure_types
from zeren.pagination import PageParams
from zeren.timepolicy import beijing_today

VERIFY = "merchants.verify"
JOB_ACTOR = "job:merchants.due"
TASK_KINDS = ("verification", "reverification", "licence_expiry", "lapsed")


def verify_merchant(*, session: Session, actor: Actor, merchant: Merchant,
                    provider: RegistryProvider | None, now: datetime | None = None
                    ) -> MerchantVerification:
    """Verify one merchant now against ``provider`` (None: no outside register; a USCC then
    needs documents). Records the verification, updates the merchant, closes its
    verification tasks when verified, logs the outcome to the ledger, audits."""
    actor.require(VERIFY, merchant.platform_id)
    now = now or utcnow()
    today = beijing_today(now)
    lics = list(session.scalars(select(Licence).where(Licence.merchant_id == merchant.id,
                                                      Licence.status == "valid")))
    docs: dict[str, int] = {}
    if lics:
        for lid, n in session.execute(
                select(LicenceDocument.licence_id, func.count()).where(
                    LicenceDocument.licence_id.in_([lc.id for lc in lics]))
                .group_by(LicenceDocument.licence_id)):
            docs[str(lid)] = int(n)
    facts = [d.LicenceFacts(lc.id, lc.kind, lc.number, lc.valid_from, lc.valid_until,
                            int(docs.get(lc.id, 0))) for lc in lics]
    entry = provider.enterprise(merchant.uscc) if provider and merchant.uscc else None
    lic_entries = {(f.kind, f.number): provider.licence(f.kind, f.number)
                   for f in facts} if provider else {}
    a = d.assess(kind=merchant.kind, legal_name=merchant.legal_name, uscc=merchant.uscc,
                 has_resident_id=merchant.resident_id_ref is not None, licences=facts,
                 register=entry, licence_register=lic_entries, today=today,
                 looked_up=provider is not None)
    next_due = d.reverification_due(today) if a.outcome is d.Verification.verified else None
    evidence: dict[str, Any] = {
        **(provider.evidence() if provider else {"provider": "none"}),
        "register_entry": entry.__dict__ if entry else None,
        "licence_entries": {f"{k}:{n}": ({**e.__dict__, "valid_until": e.valid_until.isoformat()
                                          if e.valid_until else None} if e else None)
                            for (k, n), e in lic_entries.items()},
    }
    v = MerchantVerification(
        merchant_id=merchant.id, platform_id=merchant.platform_id, at=now,
        verifier=actor.username, provider=provider.name if provider else "none",
        outcome=a.outcome.value, checks=[c.__dict__ for c in a.checks],
        reasons=list(a.reasons), evidence=evidence, next_due=next_due)
    session.add(v)
    merchant.verification = a.outcome.value
    merchant.updated_at = now
    if next_due is not None:
        merchant.verified_at = now
        merchant.reverify_due = next_due
        _close(session, merchant.id, ("verification", "reverification", "lapsed"),
               actor.username, now, "verified")
    session.add(MerchantEvent(merchant_id=merchant.id, platform_id=merchant.platform_id,
                              kind="verified" if next_due else f"verification_{a.outcome.value}",
                              at=now, by=actor.username,
                              details={"verification_id": v.id, "reasons": list(a.reasons),
                                       "next_due": next_due.isoformat() if next_due else None}))
    session.flush()
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=subject(merchant.platform_id, merchant.id),
        record={"event": "verification", "merchant_id": merchant.id,
                "platform_id": merchant.platform_id, "verification_id": v.id,
                "outcome": a.outcome.value, "reasons": list(a.reasons),
                "checks": [{"name": c.name, "ok": c.ok} for c in a.checks],
                "provider": v.provider, "register_sha256": evidence.get("sha256"),
                "next_due": next_due.isoformat() if next_due else None,
                "verifier": actor.username}))
    record(session=session, actor=actor, action="merchants.verify", target_type="merchant",
           target_id=merchant.id, platform_id=merchant.platform_id,
           summary={"outcome": a.outcome.value, "reasons": list(a.reasons)[:5],
                    "next_due": next_due.isoformat() if next_due else None})
    return v


def verifications(*, session: Session, actor: Actor, merchant: Merchant
                  ) -> list[MerchantVerification]:
    actor.require(READ, merchant.platform_id)
    return list(session.scalars(select(MerchantVerification).where(
        MerchantVerification.merchant_id == merchant.id)
        .order_by(MerchantVerification.at.desc(), MerchantVerification.id)))


def _close(session: Session, merchant_id: str, kinds: Sequence[str], by: str, now: datetime,
           note: str) -> None:
    session.execute(update(MerchantTask).where(
        MerchantTask.merchant_id == merchant_id, MerchantTask.kind.in_(kinds),
        MerchantTask.closed_at.is_(None)).values(closed_at=now, closed_by=by, note=note)
        .execution_options(synchronize_session=False))


# ----------------------------------------------------------------------- the due work


@dataclass
class DueRun:
    opened: dict[str, int] = field(default_factory=lambda: {k: 0 for k in TASK_KINDS})
    cases: int = 0
    exited: int = 0

    def summary(self) -> dict[str, Any]:
        return {**{f"opened_{k}": v for k, v in self.opened.items()}, "cases": self.cases,
                "exited": self.exited}


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the task rows whose key is not taken yet; returns those inserted."""
    if not rows:
        return []
    fresh: list[dict[str, Any]] = []
    for i in range(0, len(rows), 500):
        chunk = rows[i:i + 500]
        taken = set(session.scalars(select(MerchantTask.open_key).where(
            MerchantTask.open_key.in_([r["open_key"] for r in chunk]))))
        fresh += [r for r in chunk if r["open_key"] not in taken]
    if fresh:
        session.execute(TASKS.insert(), fresh)
    return fresh


def _task(kind: str, key: str, platform_id: str, merchant_id: str, due: date | None,
          now: datetime,
          licence_id: str | None = None, note: str = "") -> dict[str, Any]:
    return {"id": new_id(), "platform_id": platform_id, "merchant_id": merchant_id,
            "kind": kind, "open_key": key, "licence_id": licence_id, "due_on": due,
            "opened_at": now, "opened_by": JOB_ACTOR, "closed_at": None, "closed_by": None,
            "case_id": None, "note": note}


def run_due(*, session: Session, now: datetime | None = None, platform_id: str | None = None,
            limit: int = 100_000) -> DueRun:
    """Open the tasks whose time has come and send lapsed merchants to moderation (the
    scheduled job ``merchants.due``; idempotent: a task's key is taken once)."""
    from zeren.merchants.services.disclosure import complete_exits
    from zeren.moderation.schemas import ReportIn, SubjectIn
    from zeren.moderation.services.intake import submit_reports

    now = now or utcnow()
    today = beijing_today(now)
    reg = d.registry()
    out = DueRun()
    out.exited = complete_exits(session=session, now=now, platform_id=platform_id)
    m = Merchant
    scope = [m.status == d.Status.active.value]
    if platform_id:
        scope.append(m.platform_id == platform_id)
    # never verified, waiting for documents or rejected while still active: due since
    # registration
    rows = [_task("verification", f"verification:{mid}", pid, mid,
                  beijing_today(created), now)
            for mid, pid, created in session.execute(select(m.id, m.platform_id, m.created_at)
                                                     .where(*scope, m.verification.in_(
                                                         ["unverified", "needs_documents",
                                                          "rejected"]))
                                                     .limit(limit))]
    out.opened["verification"] = len(_insert_new(session, rows))
    horizon = today + timedelta(days=reg.reverify_lead_days)
    rows = [_task("reverification", f"reverification:{mid}:{due}", pid, mid, due, now)
            for mid, pid, due in session.execute(select(m.id, m.platform_id, m.reverify_due)
                                                 .where(*scope, m.reverify_due <= horizon)
                                                 .limit(limit))]
    out.opened["reverification"] = len(_insert_new(session, rows))
    lc = Licence
    lscope = [lc.status == "valid", lc.valid_until <= today + timedelta(
        days=reg.licence_notice_days)]
    if platform_id:
        lscope.append(lc.platform_id == platform_id)
    rows = [_task("licence_expiry", f"licence:{lid}:{until}", pid, mid, until, now, lid,
                  note=f"{reg.licences[kind].zh if kind in reg.licences else kind} {number}")
            for lid, pid, mid, until, kind, number in session.execute(
                select(lc.id, lc.platform_id, lc.merchant_id, lc.valid_until, lc.kind, lc.number)
                .join(m, m.id == lc.merchant_id).where(*lscope, *scope).limit(limit))]
    out.opened["licence_expiry"] = len(_insert_new(session, rows))
    # overdue: a case in moderation with the suggested measure, once per due day
    lapsed = session.execute(select(m.id, m.platform_id, m.reverify_due, m.merchant_ref,
                                    m.legal_name)
                             .where(*scope, m.verification == "verified",
                                    m.reverify_due < today).limit(limit)).all()
    rows = [_task("lapsed", f"lapsed:{mid}:{due}", pid, mid, due, now,
                  note=f"suggested measure: {reg.verification.lapsed_measure}")
            for mid, pid, due, _ref, _name in lapsed]
    fresh = {r["merchant_id"]: r for r in _insert_new(session, rows)}
    out.opened["lapsed"] = len(fresh)
    by_platform: dict[str, list[tuple[str, str, date | None, str, str]]] = {}
    for mid, pid, due, ref, name in lapsed:
        if mid in fresh:
            by_platform.setdefault(pid, []).append((mid, pid, due, ref, name))
    mt = measure_types().get(reg.verification.lapsed_measure)
    measure = mt.name_zh if mt else reg.verification.lapsed_measure
    for pid, items in by_platform.items():
        reports = [ReportIn(
            subject=SubjectIn(kind="merchant", external_ref=ref, display_name=name),
            category=reg.verification.lapsed_category, source="platform",
            reporter_ref=JOB_ACTOR,
            description=(f"经营者身份核验已逾期（应于 {due} 前复核）。建议措施：{measure}"
                         f"（由审核员决定，系统不自动执行）。依据：{reg.verification.source}"))
            for _mid, _pid, due, ref, name in items]
        receipts = submit_reports(session=session, platform_id=pid, items=reports,
                                  received_by=JOB_ACTOR, now=now)
        for (mid, _pid, _due, _ref, _name), rc in zip(items, receipts, strict=True):
            session.execute(update(MerchantTask).where(
                MerchantTask.id == fresh[mid]["id"]).values(case_id=rc.case_id))
            out.cases += 1
    return out


def run_due_now(*, session: Session, actor: Actor, platform_id: str,
                now: datetime | None = None) -> DueRun:
    """Run the due job for one platform now (what the job does daily); audited."""
    actor.require(WRITE, platform_id)
    got = run_due(session=session, now=now, platform_id=platform_id)
    record(session=session, actor=actor, action="merchants.due.run", target_type="platform",
           target_id=platform_id, platform_id=platform_id, summary=got.summary())
    return got


def due_tasks(*, session: Session, actor: Actor, platform_id: str, params: PageParams,
              kind: str | None = None, include_closed: bool = False
              ) -> tuple[list[tuple[MerchantTask, Merchant]], int]:
    """The due-work queue: open tasks (earliest due first) with their merchants."""
    actor.require(READ, platform_id)
    if kind is not None and kind not in TASK_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(TASK_KINDS)}", field="kind")
    conds = [MerchantTask.platform_id == platform_id]
    if kind:
        conds.append(MerchantTask.kind == kind)
    if not include_closed:
        conds.append(MerchantTask.closed_at.is_(None))
    total = int(session.scalar(select(func.count()).select_from(MerchantTask).where(*conds))
                or 0)
    q = (
        select(MerchantTask, Merchant).join(Merchant, Merchant.id == MerchantTask.merchant_id)
        .where(*conds).order_by(MerchantTask.due_on, MerchantTask.id)
        .offset(params.offset).limit(params.limit))
    return [(row[0], row[1]) for row in session.execute(q)], total
