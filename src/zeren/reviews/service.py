"""Reviews' use cases (指南 第十五条; 电子商务法 第三十九条): ingest reviews of orders the ledger
holds (batched, all or nothing; the reviewer sealed in the ledger's personal-data store; each
review appended to the ledger through the shared outbox), read them, and audit a display:
compare what the platform shows for a listing or merchant with the reviews written, hidden
only by moderation measures on the review (its ``review`` subject). Nothing here updates or
deletes a review; there is no such path."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, new_ids, utcnow
from zeren.db.bulk import bulk_insert, raw_rows
from zeren.errors import InvalidInput, NotFound
from zeren.ledger import models as lm
from zeren.ledger import outbox
from zeren.moderation.models import Measure, Subject
from zeren.pagination import PageParams, fetch_page
from zeren.reviews import domain as d
from zeren.reviews.errors import DuplicateReview
from zeren.reviews.models import FINDINGS, REVIEWS, DisplayAudit, DisplayFinding, Review
from zeren.reviews.schemas import DisplayIn, ReviewIn

READ = "reviews.read"
WRITE = "reviews.write"
AUDIT = "reviews.audit"
LEDGER_CLASS = "reviews"
CHUNK = 900  # bound parameters per IN list (SQLite allows 32766; PostgreSQL 65535)
FUTURE_SLACK = timedelta(minutes=5)


def subject(platform_id: str, review_ref: str) -> str:
    return f"review:{platform_id}:{review_ref}"


def order_subject(platform_id: str, order_id: str) -> str:
    return f"order:{platform_id}:{order_id}"


def _chunks(xs: Sequence[str]) -> list[Sequence[str]]:
    return [xs[i:i + CHUNK] for i in range(0, len(xs), CHUNK)]


def _existing(session: Session, platform_id: str, refs: Sequence[str]) -> set[str]:
    out: set[str] = set()
    for part in _chunks(refs):
        out.update(session.scalars(select(Review.review_ref).where(
            Review.platform_id == platform_id, Review.review_ref.in_(part))))
    return out


def _orders_logged(session: Session, keys: Sequence[str]) -> set[str]:
    s = lm.SUBJECTS
    out: set[str] = set()
    for part in _chunks(keys):
        out.update(session.scalars(select(s.c.subject).where(s.c.subject.in_(part))))
    return out


@dataclass(frozen=True)
class Ingested:
    ids: list[str]


def ingest(*, session: Session, actor: Actor, platform_id: str, reviews: Sequence[ReviewIn],
           now: datetime | None = None) -> Ingested:
    """Ingest a batch of reviews, all or nothing: each names an order the ledger holds, a
    review id not sent before, a time not in the future; refused whole naming the first bad
    one (``reviews.<i>.<field>``)."""
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    data = d.reviews_data()
    if len(reviews) > data.max_batch:
        raise InvalidInput(f"at most {data.max_batch} reviews per batch", field="reviews")
    refs = [r.review_id for r in reviews]
    seen: dict[str, int] = {}
    for i, ref in enumerate(refs):
        if ref in seen:
            raise DuplicateReview(f"review_id {ref!r} appears twice in the batch",
                                  details={"field": f"reviews.{i}.review_id"})
        seen[ref] = i
    dup = _existing(session, platform_id, refs)
    if dup:
        i = min(seen[r] for r in dup)
        raise DuplicateReview(f"review_id {refs[i]!r} was already ingested; a review is "
                              "written once", details={"field": f"reviews.{i}.review_id",
                                                       "duplicates": len(dup)})
    keys = [order_subject(platform_id, r.order_id) for r in reviews]
    logged = _orders_logged(session, sorted(set(keys)))
    for i, (r, k) in enumerate(zip(reviews, keys, strict=True)):
        if k not in logged:
            raise InvalidInput(f"no order {r.order_id!r} of this platform in the ledger",
                               field=f"reviews.{i}.order_id")
        if r.reviewed_at.utcoffset() is None:
            raise InvalidInput("reviewed_at needs a time zone", field=f"reviews.{i}.reviewed_at")
        if r.reviewed_at > now + FUTURE_SLACK:
            raise InvalidInput("reviewed_at is in the future", field=f"reviews.{i}.reviewed_at")
        for j, h in enumerate(r.images):
            if len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
                raise InvalidInput("an image is named by its SHA-256 in lower-case hex",
                                   field=f"reviews.{i}.images.{j}")
    records: list[dict[str, Any]] = []
    subjects: list[str | None] = []
    rows: list[dict[str, Any]] = []
    ids: list[str] = []
    reviewers: dict[str, Any] = {}
    latest: datetime | None = None
    for r, rid in zip(reviews, new_ids(len(reviews)), strict=True):
        fp = d.fingerprint(r.rating, r.text)
        at = r.reviewed_at
        records.append({"event": "review", "platform_id": platform_id, "review_id": rid,
                        "review_ref": r.review_id, "order_id": r.order_id,
                        "merchant_ref": r.merchant_id, "listing_ref": r.listing_id,
                        "rating": r.rating, "text": r.text, "images": r.images,
                        "fingerprint": fp, "reviewed_at": at.isoformat()})
        subjects.append(subject(platform_id, r.review_id))
        if r.reviewer is not None:
            reviewers[r.review_id] = {"id": r.reviewer.id, "name": r.reviewer.name}
            latest = at if latest is None or at > latest else latest
        rows.append({"id": rid, "platform_id": platform_id, "review_ref": r.review_id,
                     "order_id": r.order_id, "merchant_ref": r.merchant_id,
                     "listing_ref": r.listing_id, "rating": r.rating, "text": r.text,
                     "images": r.images, "fingerprint": fp, "reviewed_at": at,
                     "reviewer_ref": None, "ingested_at": now,
                     "ingested_by": actor.username})
        ids.append(rid)
    if records:
        # The batch's reviewers are sealed together, keyed by review id, kept until the
        # latest review's retention ends (erasure takes them together, ADR 0602).
        q = outbox.enqueue_batch(session=session, batch=outbox.BatchItem(
            record_class=LEDGER_CLASS, records=records, subjects=subjects, at=now,
            personal=reviewers or None,
            retain_until=latest + timedelta(days=366 * data.retention_years)
            if latest else None,
            retention_source=data.retention_source if latest else ""))
        for row in rows:
            if row["review_ref"] in reviewers:
                row["reviewer_ref"] = q.pd_id
    bulk_insert(session, REVIEWS, rows)
    record(session=session, actor=actor, action="reviews.ingest", target_type="reviews",
           target_id=ids[0] if ids else "", platform_id=platform_id,
           summary={"count": len(ids)})
    return Ingested(ids)


def get_review(*, session: Session, actor: Actor, platform_id: str, review: str) -> Review:
    """A review by Zeren id or the platform's review id."""
    actor.require(READ, platform_id)
    r = session.get(Review, review)
    if r is None or r.platform_id != platform_id:
        r = session.scalar(select(Review).where(Review.platform_id == platform_id,
                                                Review.review_ref == review))
    if r is None:
        raise NotFound(f"no review {review!r} on this platform", details={"field": "review_id"})
    return r


def list_reviews(*, session: Session, actor: Actor, platform_id: str, params: PageParams,
                 listing: str | None = None, merchant: str | None = None
                 ) -> tuple[list[Review], int]:
    actor.require(READ, platform_id)
    q = select(Review).where(Review.platform_id == platform_id)
    if listing:
        q = q.where(Review.listing_ref == listing)
    if merchant:
        q = q.where(Review.merchant_ref == merchant)
    return fetch_page(session, q.order_by(Review.reviewed_at.desc(), Review.review_ref),
                      params)


# ----------------------------------------------------------------------- display audit


def hidden_by_measure(*, session: Session, platform_id: str, at: datetime) -> set[str]:
    """Review ids a moderation measure in effect at ``at`` hides (a measure on the review's
    ``review`` subject)."""
    q = (select(Subject.external_ref).join(Measure, Measure.subject_id == Subject.id)
         .where(Subject.platform_id == platform_id, Subject.kind == "review",
                Measure.starts_at <= at,
                (Measure.ended_at.is_(None)) | (Measure.ended_at > at),
                (Measure.ends_at.is_(None)) | (Measure.ends_at > at)))
    return set(session.scalars(q))


def expected_for(*, session: Session, platform_id: str, scope: str, ref: str, at: datetime,
                 fingerprints_of: Collection[str] | None = None) -> d.Expected:
    """The reviews of a listing or merchant, newest first (equal times by review id), with
    those hidden by a measure; the fingerprints of ``fingerprints_of`` only (all when None).

    Read as the driver's tuples from the index that holds this very order and the ids
    (reviews_0002): no sort, no row lookups, no ORM row per review."""
    t = REVIEWS.c
    col = t.listing_ref if scope == "listing" else t.merchant_ref
    where = (t.platform_id == platform_id, col == ref, t.reviewed_at <= at)
    order = [r for (r,) in raw_rows(session, select(t.review_ref).where(*where)
                                   .order_by(t.reviewed_at.desc(), t.review_ref))]
    if fingerprints_of is None or len(fingerprints_of) > len(order) // 4:
        fps = dict(raw_rows(session, select(t.review_ref, t.fingerprint).where(*where)))
    else:
        fps = {}
        for part in _chunks(sorted(fingerprints_of)):
            fps.update(raw_rows(session, select(t.review_ref, t.fingerprint).where(
                *where, t.review_ref.in_(part))))
    hidden = hidden_by_measure(session=session, platform_id=platform_id, at=at)
    return d.Expected(order=order, fingerprints=fps,
                      hidden=frozenset(hidden.intersection(order)))


def audit_display(*, session: Session, actor: Actor, platform_id: str, data: DisplayIn,
                  now: datetime | None = None) -> tuple[DisplayAudit, list[d.Finding]]:
    """Compare a display with the ledger's reviews; keep the audit and its findings, and log
    the audit's summary to the ledger."""
    actor.require(AUDIT, platform_id)
    now = now or utcnow()
    if (data.shown is None) == (data.count is None):
        raise InvalidInput("send either the shown review ids or a count", field="shown")
    fps = {x.review_id: x.fingerprint for x in data.shown or [] if x.fingerprint}
    exp = expected_for(session=session, platform_id=platform_id, scope=data.scope,
                       ref=data.ref, at=now, fingerprints_of=fps.keys())
    if data.shown is not None:
        ids = [x.review_id for x in data.shown]
        res = d.audit_display(exp, ids, fps, check_order=data.check_order)
        digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
        mode = "ids"
    else:
        assert data.count is not None
        res = d.audit_count(exp, data.count)
        digest = hashlib.sha256(str(data.count).encode()).hexdigest()
        mode = "count"
    a = DisplayAudit(id=new_id(), platform_id=platform_id, scope=data.scope, ref=data.ref,
                     mode=mode, expected=res.expected, displayed=res.displayed,
                     hidden_with_measure=res.hidden_with_measure, counts=res.counts(),
                     display_sha256=digest, at=now, by=actor.username)
    session.add(a)
    session.flush()
    bulk_insert(session, FINDINGS, [{"id": new_id(), "audit_id": a.id, "kind": f.kind,
                                     "review_ref": f.review[:100], "detail": f.detail}
                                    for f in res.findings])
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=f"review-audit:{platform_id}:{a.id}",
        record={"event": "display_audit", "platform_id": platform_id, "audit_id": a.id,
                "scope": data.scope, "ref": data.ref, "mode": mode, "expected": res.expected,
                "displayed": res.displayed, "hidden_with_measure": res.hidden_with_measure,
                "counts": res.counts(), "display_sha256": digest, "at": now.isoformat()}))
    record(session=session, actor=actor, action="reviews.display_audit",
           target_type="review_display_audit", target_id=a.id, platform_id=platform_id,
           summary={"scope": data.scope, "ref": data.ref, "counts": res.counts()})
    return a, res.findings


def audits(*, session: Session, actor: Actor, platform_id: str, params: PageParams
           ) -> tuple[list[DisplayAudit], int]:
    actor.require(READ, platform_id)
    return fetch_page(session, select(DisplayAudit).where(
        DisplayAudit.platform_id == platform_id).order_by(DisplayAudit.at.desc(),
                                                          DisplayAudit.id), params)


def audit_findings(*, session: Session, actor: Actor, audit: DisplayAudit
                   ) -> list[DisplayFinding]:
    actor.require(READ, audit.platform_id)
    return list(session.scalars(select(DisplayFinding).where(
        DisplayFinding.audit_id == audit.id).order_by(DisplayFinding.kind,
                                                      DisplayFinding.review_ref)))


def get_audit(*, session: Session, actor: Actor, platform_id: str, audit_id: str
              ) -> DisplayAudit:
    actor.require(READ, platform_id)
    a = session.get(DisplayAudit, audit_id)
    if a is None or a.platform_id != platform_id:
        raise NotFound(f"no display audit {audit_id!r}", details={"field": "audit_id"})
    return a
