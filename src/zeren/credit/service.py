"""Credit evaluation's use cases (指南 第十五条): compute every merchant's score under the
credit rule in force (a published ``credit_rule`` version of the rules library, its
parameters over the defaults of ``data/credit.toml``), from reviews (count and average
rating), completed orders and refunds (the ledger's order index, ADR 0403) and moderation
measures in effect on the merchant; keep the batch and each score
with its components; log the batch (formula version, parameters, digest of every score) to
the ledger. Scores are computed in SQL aggregates and one pass in Python."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.credit import domain as d
from zeren.credit.errors import out_of_formula
from zeren.credit.models import SCORES, CreditBatch, CreditScore
from zeren.db.base import new_id, new_ids, utcnow
from zeren.db.bulk import bulk_insert
from zeren.errors import InvalidInput, NotFound
from zeren.ledger import outbox
from zeren.ledger.models import OrderIndex
from zeren.merchants.models import Merchant
from zeren.moderation.models import Measure, Subject
from zeren.pagination import PageParams, fetch_page
from zeren.reviews.models import Review
from zeren.rules.models import RuleDocument
from zeren.rules.services.documents import in_force

READ = "credit.read"
COMPUTE = "credit.compute"
LEDGER_CLASS = "credit"
CHUNK = 20_000


def formula_in_force(*, session: Session, platform_id: str, at: datetime
                     ) -> tuple[str, dict[str, float]]:
    """The credit rule version in force and its parameters (422 ``formula`` if none)."""
    docs = list(session.scalars(select(RuleDocument.id).where(
        RuleDocument.platform_id == platform_id, RuleDocument.kind == "credit_rule")))
    found = [v for v in (in_force(session=session, document_id=x, at=at) for x in docs) if v]
    if not found:
        raise InvalidInput("no credit-evaluation rule is in force on this platform: publish "
                           "one (rules library, kind credit_rule) first", field="formula")
    v = max(found, key=lambda x: x.effective_at or at)
    try:
        return v.id, d.parameters(v.parameters)
    except d.OutOfFormula as exc:
        raise out_of_formula(exc) from None


def compute(*, session: Session, actor: Actor, platform_id: str, now: datetime | None = None
            ) -> CreditBatch:
    """Score every merchant (registered, or named by a review) and publish the batch."""
    actor.require(COMPUTE, platform_id)
    now = now or utcnow()
    vid, params = formula_in_force(session=session, platform_id=platform_id, at=now)
    reviews = {ref: (int(n), int(s or 0)) for ref, n, s in session.execute(
        select(Review.merchant_ref, func.count(), func.sum(Review.rating))
        .where(Review.platform_id == platform_id, Review.reviewed_at <= now)
        .group_by(Review.merchant_ref))}
    sanctions = {ref: int(n) for ref, n in session.execute(
        select(Subject.external_ref, func.count()).join(Measure, Measure.subject_id == Subject.id)
        .where(Subject.platform_id == platform_id, Subject.kind == "merchant",
               Measure.starts_at <= now,
               (Measure.ended_at.is_(None)) | (Measure.ended_at > now),
               (Measure.ends_at.is_(None)) | (Measure.ends_at > now))
        .group_by(Subject.external_ref))}
    oi = OrderIndex
    trade: dict[str, list[int]] = {}  # merchant: [orders, paid, refunded]
    for ref, kind, n, cents in session.execute(
            select(oi.merchant_ref, oi.record, func.count(), func.sum(oi.amount_cents))
            .where(oi.platform_id == platform_id, oi.at <= now)
            .group_by(oi.merchant_ref, oi.record)):
        t = trade.setdefault(ref, [0, 0, 0])
        if kind == "order":
            t[0], t[1] = int(n), int(cents or 0)
        else:
            t[2] = int(cents or 0)
    refs = set(session.scalars(select(Merchant.merchant_ref).where(
        Merchant.platform_id == platform_id, Merchant.status == "active")))
    refs.update(reviews)
    refs.update(trade)
    if not refs:
        raise InvalidInput("no merchant to score: none registered and no review received",
                           field="merchants")
    bid = new_id()
    digest = hashlib.sha256()
    rows = []
    none = (0, 0, 0)
    ordered = sorted(refs)
    for ref, rid in zip(ordered, new_ids(len(ordered)), strict=True):
        n, total = reviews.get(ref, (0, 0))
        orders, paid, refunded = trade.get(ref, none)
        sc, comps = d.score(d.Inputs(n, total, sanctions.get(ref, 0), orders, paid, refunded),
                            params)
        digest.update(f"{ref}\t{sc:.2f}\n".encode())
        rows.append({"id": rid, "batch_id": bid, "platform_id": platform_id,
                     "merchant_ref": ref, "score": sc, "components": comps})
    batch = CreditBatch(id=bid, platform_id=platform_id, formula_version_id=vid,
                        parameters=params, merchants=len(rows),
                        scores_sha256=digest.hexdigest(), computed_at=now,
                        computed_by=actor.username)
    session.add(batch)
    session.flush()
    for lo in range(0, len(rows), CHUNK):
        bulk_insert(session, SCORES, rows[lo:lo + CHUNK])
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=f"credit:{platform_id}:{bid}",
        record={"event": "credit_batch", "platform_id": platform_id, "batch_id": bid,
                "formula_version_id": vid, "parameters": params, "merchants": len(rows),
                "scores_sha256": batch.scores_sha256, "computed_at": now.isoformat()}))
    record(session=session, actor=actor, action="credit.compute", target_type="credit_batch",
           target_id=bid, platform_id=platform_id,
           summary={"formula_version_id": vid, "merchants": len(rows)})
    return batch


def batches(*, session: Session, actor: Actor, platform_id: str, params: PageParams
            ) -> tuple[list[CreditBatch], int]:
    actor.require(READ, platform_id)
    return fetch_page(session, select(CreditBatch).where(
        CreditBatch.platform_id == platform_id).order_by(CreditBatch.computed_at.desc(),
                                                         CreditBatch.id), params)


def latest_score(*, session: Session, actor: Actor, platform_id: str, merchant_ref: str
                 ) -> tuple[CreditScore, CreditBatch]:
    """The merchant's score in the latest batch that scored it, with its components."""
    actor.require(READ, platform_id)
    row = session.execute(select(CreditScore, CreditBatch).join(
        CreditBatch, CreditBatch.id == CreditScore.batch_id).where(
        CreditScore.platform_id == platform_id, CreditScore.merchant_ref == merchant_ref)
        .order_by(CreditBatch.computed_at.desc()).limit(1)).first()
    if row is None:
        raise NotFound(f"no credit score for merchant {merchant_ref!r}",
                       details={"field": "merchant_id"})
    return row[0], row[1]
