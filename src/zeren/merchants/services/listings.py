"""Listings (商品和服务信息, 电子商务法 第十二条、第三十一条; 指南 第十条): a merchant submits a
listing, or a new version of one; its text is screened with the review lexicon through
moderation's subject path (a hit opens a case there); a category that needs a licence
(``data/registry.toml``) is refused, or held for review and reported to moderation, when the
merchant holds no valid licence of that kind. Every version is kept with the SHA-256 of its
content and logged to the ledger through the shared outbox, so the goods information stays
complete and unaltered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import InvalidInput, NotFound
from zeren.ledger import outbox
from zeren.merchants import domain as d
from zeren.merchants.errors import DuplicateMerchant, LicenceRequired, MerchantExited
from zeren.merchants.models import Licence, Listing, ListingVersion, Merchant
from zeren.merchants.schemas import ListingIn
from zeren.merchants.services.registry import READ, WRITE
from zeren.pagination import PageParams, fetch_page
from zeren.timepolicy import beijing_today

LEDGER_CLASS = "listings"


def subject(platform_id: str, listing_id: str) -> str:
    return f"listing:{platform_id}:{listing_id}"


def valid_licence(session: Session, merchant_id: str, kind: str, day: date) -> Licence | None:
    """A licence of ``kind`` the merchant holds on ``day`` (the longest-lasting), or None."""
    rows = session.scalars(select(Licence).where(Licence.merchant_id == merchant_id,
                                                 Licence.kind == kind,
                                                 Licence.status == "valid"))
    good = [lc for lc in rows if d.licence_valid_on(lc.valid_from, lc.valid_until, lc.status,
                                                    day)]
    good.sort(key=lambda lc: lc.valid_until or date.max, reverse=True)
    return good[0] if good else None


def _content(data: ListingIn) -> dict[str, Any]:
    return {"listing_ref": data.listing_ref, "title": data.title,
            "description": data.description, "category": data.category,
            "price": str(data.price.quantize(Decimal("0.01"))),
            "currency": data.currency.upper(), "images": list(data.images)}


def _check(data: ListingIn, reg: d.Registry) -> None:
    for i, h in enumerate(data.images):
        if not d.is_sha256(h):
            raise InvalidInput("an image is named by its SHA-256: 64 lowercase hex digits",
                               field=f"images.{i}")
    if not data.currency.isalpha():
        raise InvalidInput("currency is a three-letter code (ISO 4217)", field="currency")
    if len(data.title) > reg.listings.max_title:
        raise InvalidInput(f"title longer than {reg.listings.max_title}", field="title")


def _screen(session: Session, merchant: Merchant, data: ListingIn, now: datetime,
            by: str) -> tuple[str, str | None]:
    """The lexicon's verdict on the listing's text, through moderation's subject path (a
    hit opens a case there): (decision, case id)."""
    from zeren.moderation.schemas import AccountIn, SubjectIn
    from zeren.moderation.services.screening import screen_subjects
    from zeren.moderation.services.subjects import get_subject, upsert_subjects

    item = SubjectIn(kind="listing", external_ref=data.listing_ref,
                     text=f"{data.title}\n{data.description}".strip(),
                     display_name=data.title,
                     owner=AccountIn(kind="merchant", external_ref=merchant.merchant_ref,
                                     display_name=merchant.legal_name))
    sid = upsert_subjects(session=session, platform_id=merchant.platform_id, items=[item],
                          now=now)[0]
    s = get_subject(session=session, subject_id=sid)
    v = screen_subjects(session=session, platform_id=merchant.platform_id, subjects=[s],
                        now=now, actor_name=by)[0]
    return v.decision, v.case_id


def _licence_review(session: Session, merchant: Merchant, data: ListingIn,
                    needs: d.LicenceKind, now: datetime, by: str) -> str:
    """Send a listing held for want of a licence to moderation (restricted goods): the
    case id."""
    from zeren.moderation.domain import Source
    from zeren.moderation.schemas import ReportIn, SubjectIn
    from zeren.moderation.services.intake import submit_reports

    got = submit_reports(session=session, platform_id=merchant.platform_id, items=[ReportIn(
        subject=SubjectIn(kind="listing", external_ref=data.listing_ref),
        category=d.registry().listings.review_category, source=Source.PLATFORM,
        description=(f"category {data.category} needs {needs.zh} ({needs.code}); merchant "
                     f"{merchant.merchant_ref} holds no valid one ({needs.source})")[:5000],
        reporter_ref="merchants:listing_licence")], received_by=by, now=now)
    return got[0].case_id


def _version(session: Session, listing: Listing, content: dict[str, Any], digest: str,
             status: str, reasons: list[str], case_id: str | None, by: str,
             now: datetime) -> ListingVersion:
    v = ListingVersion(listing_id=listing.id, platform_id=listing.platform_id,
                       merchant_id=listing.merchant_id, version=listing.version, at=now, by=by,
                       content=content, sha256=digest, status=status, reasons=reasons,
                       case_id=case_id)
    session.add(v)
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=subject(listing.platform_id, listing.id),
        record={"listing_id": listing.id, "platform_id": listing.platform_id,
                "merchant_id": listing.merchant_id, "version": listing.version,
                "content": content, "sha256": digest, "status": status, "reasons": reasons,
                "recorded_by": by}))
    return v


def submit_listing(*, session: Session, actor: Actor, merchant: Merchant, data: ListingIn,
                   now: datetime | None = None) -> Listing:
    """Submit a listing or a new version of it (merchants.write on the merchant's platform):
    refused whole (nothing written) on a bad field, an exited merchant, or a category whose
    licence the data says to refuse without; otherwise screened, kept and logged."""
    actor.require(WRITE, merchant.platform_id)
    now = now or utcnow()
    today = beijing_today(now)
    reg = d.registry()
    _check(data, reg)
    if merchant.status == d.Status.exited.value:
        raise MerchantExited("the merchant has left the platform; it can list nothing",
                             details={"field": "merchant_id"})
    existing = session.scalar(select(Listing).where(
        Listing.platform_id == merchant.platform_id, Listing.listing_ref == data.listing_ref))
    if existing is not None and existing.merchant_id != merchant.id:
        raise DuplicateMerchant(f"listing_ref {data.listing_ref!r} belongs to another merchant",
                                details={"field": "listing_ref"})
    needs = reg.licence_for(data.category)
    lic = valid_licence(session, merchant.id, needs.code, today) if needs else None
    if needs is not None and lic is None and needs.without_licence == "refuse":
        raise LicenceRequired(
            f"category {data.category!r} needs a valid {needs.zh} ({needs.code}); the merchant "
            f"holds none ({needs.source})",
            details={"field": "category", "licence_kind": needs.code})
    decision, case_id = _screen(session, merchant, data, now, actor.username)
    outcome = d.listing_outcome(screening=decision, needs=needs, licensed=lic is not None)
    if needs is not None and lic is None:
        case_id = _licence_review(session, merchant, data, needs, now, actor.username)
    content = _content(data)
    digest = d.listing_digest(content)
    values = {"title": data.title, "description": data.description, "category": data.category,
              "price_cents": int(data.price * 100), "currency": data.currency.upper(),
              "images": list(data.images), "status": outcome.status.value,
              "licence_kind": needs.code if needs else None,
              "licence_id": lic.id if lic else None, "screening": decision,
              "case_id": case_id, "updated_at": now, "updated_by": actor.username}
    if existing is None:
        listing = Listing(id=new_id(), platform_id=merchant.platform_id,
                          merchant_id=merchant.id, listing_ref=data.listing_ref, version=1,
                          created_at=now, **values)
        session.add(listing)
        session.flush()
    else:
        listing = existing
        for k, v in values.items():
            setattr(listing, k, v)
        listing.version += 1
    _version(session, listing, content, digest, outcome.status.value, list(outcome.reasons),
             case_id, actor.username, now)
    session.flush()
    record(session=session, actor=actor, action="merchants.listing.submit",
           target_type="listing", target_id=listing.id, platform_id=merchant.platform_id,
           summary={"listing_ref": data.listing_ref, "version": listing.version,
                    "status": outcome.status.value, "sha256": digest, "case_id": case_id})
    return listing


def withdraw_listing(*, session: Session, actor: Actor, listing: Listing, reason: str,
                     now: datetime | None = None) -> Listing:
    """Withdraw a listing: a new version with the same content, status ``withdrawn``."""
    actor.require(WRITE, listing.platform_id)
    if not reason.strip():
        raise InvalidInput("a withdrawal needs its reason", field="reason")
    if listing.status == d.ListingStatus.withdrawn.value:
        raise InvalidInput("the listing is already withdrawn", field="listing_id")
    now = now or utcnow()
    last = session.scalar(select(ListingVersion).where(
        ListingVersion.listing_id == listing.id, ListingVersion.version == listing.version))
    content = dict(last.content) if last else {}
    listing.version += 1
    listing.status = d.ListingStatus.withdrawn.value
    listing.updated_at, listing.updated_by = now, actor.username
    _version(session, listing, content, d.listing_digest(content), listing.status,
             [f"withdrawn: {reason.strip()[:400]}"], None, actor.username, now)
    session.flush()
    record(session=session, actor=actor, action="merchants.listing.withdraw",
           target_type="listing", target_id=listing.id, platform_id=listing.platform_id,
           summary={"version": listing.version, "reason": reason.strip()[:400]})
    return listing


def get_listing(*, session: Session, actor: Actor, platform_id: str, listing: str,
                permission: str = READ) -> Listing:
    """A listing of the platform by Zeren id or the platform's listing_ref."""
    actor.require(permission, platform_id)
    row = session.get(Listing, listing)
    if row is None or row.platform_id != platform_id:
        row = session.scalar(select(Listing).where(Listing.platform_id == platform_id,
                                                   Listing.listing_ref == listing))
    if row is None:
        raise NotFound(f"no listing {listing!r} on this platform",
                       details={"field": "listing_id"})
    return row


def versions(*, session: Session, actor: Actor, listing: Listing) -> list[ListingVersion]:
    actor.require(READ, listing.platform_id)
    return list(session.scalars(select(ListingVersion).where(
        ListingVersion.listing_id == listing.id).order_by(ListingVersion.version)))


@dataclass(frozen=True)
class ListingFilters:
    merchant_id: str | None = None
    status: str | None = None
    category: str | None = None
    unlicensed: bool = False


def list_listings(*, session: Session, actor: Actor, platform_id: str, filters: ListingFilters,
                  params: PageParams) -> tuple[list[Listing], int]:
    """The platform's listings, newest change first; ``unlicensed`` keeps those in a
    licensed category found without a valid licence."""
    actor.require(READ, platform_id)
    q: Select[Any] = select(Listing).where(Listing.platform_id == platform_id)
    if filters.merchant_id:
        q = q.where(Listing.merchant_id == filters.merchant_id)
    if filters.status:
        if filters.status not in d.ListingStatus.__members__:
            raise InvalidInput(f"status must be one of {', '.join(d.ListingStatus)}",
                               field="status")
        q = q.where(Listing.status == filters.status)
    if filters.category:
        q = q.where(Listing.category == filters.category)
    if filters.unlicensed:
        q = q.where(Listing.licence_kind.is_not(None), Listing.licence_id.is_(None))
    return fetch_page(session, q.order_by(Listing.updated_at.desc(), Listing.id), params)


def listing_counts(*, session: Session, actor: Actor, merchant: Merchant) -> dict[str, int]:
    """A merchant's listings by status."""
    actor.require(READ, merchant.platform_id)
    return {str(s): int(n) for s, n in session.execute(
        select(Listing.status, func.count()).where(Listing.merchant_id == merchant.id)
        .group_by(Listing.status))}
