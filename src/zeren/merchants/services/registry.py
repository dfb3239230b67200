"""The merchant registry's use cases: register a merchant (电子商务法 第二十七条), add shops,
licences and licence documents, read a merchant with its licences and history, list and
search the registry in SQL, and open the sealed resident ID. Each write checks the permission
on the merchant's own platform, appends to the merchant's history and the audit trail, and
logs the registration to the ledger through the shared outbox (the resident ID sealed apart,
erasable once its retention has run)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import InvalidInput, NotFound, TooLarge
from zeren.ledger import outbox
from zeren.merchants import domain as d
from zeren.merchants.errors import DuplicateMerchant, out_of_scale
from zeren.merchants.models import (
    Licence,
    LicenceDocument,
    Merchant,
    MerchantEvent,
    MerchantTask,
    Shop,
)
from zeren.merchants.schemas import LicenceIn, MerchantIn, ShopIn
from zeren.pagination import PageParams
from zeren.timepolicy import beijing_today

READ = "merchants.read"
WRITE = "merchants.write"
OPEN_IDENTITY = "merchants.identity.open"
LEDGER_CLASS = "merchants"
MAX_DOCUMENT = 20 * 1024 * 1024


def subject(platform_id: str, merchant_id: str) -> str:
    return f"merchant:{platform_id}:{merchant_id}"


def retention_source() -> str:
    return d.registry().periods["identity_retention"].source


# ----------------------------------------------------------------------- shared row values


def merchant_values(mi: d.MerchantInput) -> dict[str, Any]:
    """The merchant's own columns from a normalised input (the importer uses them too)."""
    addresses = [{"kind": k, "address": a} for k, a in
                 (("registered", mi.registered_address), ("business", mi.business_address)) if a]
    contacts = ([{"role": "primary", "name": mi.contact_name, "phone": mi.contact_phone,
                  "email": mi.contact_email}]
                if (mi.contact_name or mi.contact_phone or mi.contact_email) else [])
    return {
        "merchant_ref": mi.merchant_ref, "kind": mi.kind, "ground": mi.ground,
        "legal_name": mi.legal_name, "uscc": mi.uscc, "representative": mi.representative,
        "resident_id_masked": d.mask_resident_id(mi.resident_id) if mi.resident_id else None,
        "business_scope": mi.business_scope, "addresses": addresses, "contacts": contacts,
        "status": d.Status.active.value, "verification": d.Verification.unverified.value,
        "verified_at": None, "reverify_due": None,
        "next_licence_expiry": min((lc.valid_until for lc in mi.licences
                                    if lc.valid_until is not None), default=None),
    }


def ledger_item(*, merchant_id: str, platform_id: str, mi: d.MerchantInput, by: str,
                at: datetime, event: str = "registered") -> outbox.Item:
    """The registry entry logged for a merchant: identity without the resident ID, which is
    sealed apart (retention starts at exit, so it cannot be erased while the merchant is on
    the platform)."""
    return outbox.Item(
        record_class=LEDGER_CLASS, at=at, subject=subject(platform_id, merchant_id),
        record={"event": event, "merchant_id": merchant_id, "platform_id": platform_id,
                "merchant_ref": mi.merchant_ref, "kind": mi.kind, "ground": mi.ground,
                "legal_name": mi.legal_name, "uscc": mi.uscc,
                "representative": mi.representative,
                "licences": [{"kind": lc.kind, "number": lc.number,
                              "valid_until": lc.valid_until.isoformat()
                              if lc.valid_until else None} for lc in mi.licences],
                "recorded_by": by},
        personal={"resident_id": mi.resident_id} if mi.resident_id else None,
        retention_source=retention_source())


def licence_values(lc: d.LicenceInput) -> dict[str, Any]:
    return {"kind": lc.kind, "number": lc.number, "issuer": lc.issuer, "scope": lc.scope,
            "valid_from": lc.valid_from, "valid_until": lc.valid_until, "status": "valid"}


# ----------------------------------------------------------------------- registering


def normalise(data: MerchantIn, *, today: date) -> d.MerchantInput:
    """The API body checked by the same rules as an import row."""
    reg = d.registry()
    try:
        mi = d.normalise_merchant(data.values(), reg, today=today)
        lics = tuple(d.normalise_licence(lc.values(), reg, today=today) for lc in data.licences)
    except d.OutOfScale as exc:
        raise out_of_scale(exc) from None
    return d.MerchantInput(**{**mi.__dict__, "licences": mi.licences + lics,
                              "shop_ref": None, "shop_name": None, "shop_url": None})


def _refuse_duplicates(session: Session, platform_id: str, mi: d.MerchantInput) -> None:
    m = Merchant
    if session.scalar(select(m.id).where(m.platform_id == platform_id,
                                         m.merchant_ref == mi.merchant_ref)):
        raise DuplicateMerchant(f"merchant_ref {mi.merchant_ref!r} is already registered on "
                                "this platform", details={"field": "merchant_ref"})
    if mi.uscc and session.scalar(select(m.legal_name).where(m.platform_id == platform_id,
                                                             m.uscc == mi.uscc)):
        raise DuplicateMerchant(f"USCC {mi.uscc} is already registered on this platform",
                                details={"field": "uscc"})


def register_merchant(*, session: Session, actor: Actor, platform_id: str, data: MerchantIn,
                      now: datetime | None = None) -> Merchant:
    """Register a merchant with its shops and licences; refused whole on any bad field."""
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    mi = normalise(data, today=beijing_today(now))
    _refuse_duplicates(session, platform_id, mi)
    shop_refs = [s.shop_ref for s in data.shops]
    if len(set(shop_refs)) != len(shop_refs):
        raise InvalidInput("a shop_ref appears twice", field="shops")
    for i, sh in enumerate(data.shops):
        _check_shop(session, platform_id, sh, field=f"shops.{i}")
    mid = new_id()
    queued = outbox.enqueue(session=session, item=ledger_item(
        merchant_id=mid, platform_id=platform_id, mi=mi, by=actor.username, at=now))
    m = Merchant(id=mid, platform_id=platform_id, created_by=actor.username, created_at=now,
                 updated_at=now, resident_id_ref=queued.pd_id, **merchant_values(mi))
    session.add(m)
    try:
        session.flush()  # the merchant first: its shops and licences point at it
    except IntegrityError:  # a concurrent registration of the same ref or USCC won
        raise DuplicateMerchant("merchant_ref or USCC is already registered on this platform",
                                details={"field": "merchant_ref"}) from None
    for sh in data.shops:
        session.add(Shop(platform_id=platform_id, merchant_id=mid, shop_ref=sh.shop_ref,
                         name=sh.name, url=sh.url, created_at=now))
    for lc in mi.licences:
        session.add(Licence(platform_id=platform_id, merchant_id=mid, created_at=now,
                            created_by=actor.username, **licence_values(lc)))
    _event(session, m, "registered", actor, now, {"kind": mi.kind, "uscc": mi.uscc,
                                                  "shops": shop_refs,
                                                  "licences": len(mi.licences)})
    session.flush()
    record(session=session, actor=actor, action="merchants.register", target_type="merchant",
           target_id=mid, platform_id=platform_id,
           summary={"merchant_ref": mi.merchant_ref, "kind": mi.kind, "uscc": mi.uscc})
    return m


def _event(session: Session, m: Merchant, kind: str, actor: Actor, at: datetime,
           details: dict[str, Any]) -> None:
    session.add(MerchantEvent(merchant_id=m.id, platform_id=m.platform_id, kind=kind, at=at,
                              by=actor.username, details=details))


def _check_shop(session: Session, platform_id: str, sh: ShopIn, *, field: str) -> None:
    if sh.url and not sh.url.startswith(("https://", "http://")):
        raise InvalidInput("url must begin with https:// or http://", field=f"{field}.url")
    if session.scalar(select(Shop.id).where(Shop.platform_id == platform_id,
                                            Shop.shop_ref == sh.shop_ref)):
        raise DuplicateMerchant(f"shop_ref {sh.shop_ref!r} is already registered on this "
                                "platform", details={"field": f"{field}.shop_ref"})


# ----------------------------------------------------------------------- reading


def get_merchant(*, session: Session, actor: Actor, platform_id: str, merchant: str,
                 permission: str = READ) -> Merchant:
    """A merchant of ``platform_id`` by Zeren id or by the platform's merchant_ref, for an
    actor holding ``permission`` there (a write names the write permission: a system client
    that may write need not read the registry)."""
    actor.require(permission, platform_id)
    m = session.get(Merchant, merchant)
    if m is None or m.platform_id != platform_id:
        m = session.scalar(select(Merchant).where(Merchant.platform_id == platform_id,
                                                  Merchant.merchant_ref == merchant))
    if m is None:
        raise NotFound(f"no merchant {merchant!r} on this platform",
                       details={"field": "merchant_id"})
    return m


@dataclass(frozen=True)
class MerchantView:
    merchant: Merchant
    shops: list[Shop]
    licences: list[tuple[Licence, list[LicenceDocument]]]
    today: date

    @property
    def overdue(self) -> bool:
        return is_overdue(self.merchant, self.today)


def is_overdue(m: Merchant, today: date) -> bool:
    return m.reverify_due is not None and m.reverify_due < today


def merchant_view(*, session: Session, actor: Actor, platform_id: str, merchant: str,
                  now: datetime | None = None) -> MerchantView:
    """A merchant with its shops, licences and their documents (three queries)."""
    m = get_merchant(session=session, actor=actor, platform_id=platform_id, merchant=merchant)
    shops = list(session.scalars(select(Shop).where(Shop.merchant_id == m.id)
                                 .order_by(Shop.created_at, Shop.shop_ref)))
    lics = list(session.scalars(select(Licence).where(Licence.merchant_id == m.id)
                                .order_by(Licence.created_at, Licence.id)))
    docs: dict[str, list[LicenceDocument]] = {}
    if lics:
        for doc in session.scalars(select(LicenceDocument).where(
                LicenceDocument.licence_id.in_([lc.id for lc in lics]))
                .order_by(LicenceDocument.uploaded_at)):
            docs.setdefault(doc.licence_id, []).append(doc)
    return MerchantView(m, shops, [(lc, docs.get(lc.id, [])) for lc in lics],
                        beijing_today(now))


def history(*, session: Session, actor: Actor, merchant: Merchant) -> list[MerchantEvent]:
    actor.require(READ, merchant.platform_id)
    return list(session.scalars(select(MerchantEvent).where(
        MerchantEvent.merchant_id == merchant.id).order_by(MerchantEvent.at, MerchantEvent.id)))


def open_resident_id(*, session: Session, actor: Actor, merchant: Merchant) -> str | None:
    """The merchant's resident ID, opened from the ledger's personal-data store (None once
    erased); audited, and only for ``merchants.identity.open``."""
    actor.require(OPEN_IDENTITY, merchant.platform_id)
    if merchant.resident_id_ref is None:
        raise NotFound("this merchant has no resident ID on record",
                       details={"field": "resident_id"})
    data = outbox.open_personal(session=session, pd_id=merchant.resident_id_ref)
    record(session=session, actor=actor, action="merchants.identity.open",
           target_type="merchant", target_id=merchant.id, platform_id=merchant.platform_id,
           summary={"ref": merchant.resident_id_ref, "erased": data is None})
    return None if data is None else str(data["resident_id"])


# ----------------------------------------------------------------------- the list


@dataclass(frozen=True)
class ListFilters:
    status: str | None = None
    kind: str | None = None
    verification: str | None = None
    due_within_days: int | None = None
    licence_within_days: int | None = None
    q: str | None = None


def _cursor(name: str, mid: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([name, mid], ensure_ascii=False).encode()
                                    ).decode().rstrip("=")


def _uncursor(text: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        name, mid = json.loads(raw)
        return str(name), str(mid)
    except Exception:
        raise InvalidInput("after is not a cursor this list gave out", field="after") from None


def _where(platform_id: str, f: ListFilters, today: date) -> list[ColumnElement[bool]]:
    m = Merchant
    conds: list[ColumnElement[bool]] = [m.platform_id == platform_id]
    if f.status:
        if f.status not in d.Status.__members__:
            raise InvalidInput(f"status must be one of {', '.join(d.Status)}", field="status")
        conds.append(m.status == f.status)
    if f.kind:
        if f.kind not in d.registry().kinds:
            raise InvalidInput(f"kind must be one of {', '.join(d.registry().kinds)}",
                               field="kind")
        conds.append(m.kind == f.kind)
    if f.verification:
        if f.verification not in d.Verification.__members__:
            raise InvalidInput(f"verification must be one of {', '.join(d.Verification)}",
                               field="verification")
        conds.append(m.verification == f.verification)
    if f.due_within_days is not None:
        conds.append(m.reverify_due <= today + timedelta(days=f.due_within_days))
    if f.licence_within_days is not None:
        conds.append(m.next_licence_expiry <= today + timedelta(days=f.licence_within_days))
    if f.q:
        q = f.q.strip()
        # A USCC or the platform's id matches exactly; otherwise the name's beginning (a
        # range on the name index, the same on SQLite and PostgreSQL).
        conds.append(or_(m.uscc == q.upper(), m.merchant_ref == q,
                         and_(m.legal_name >= q, m.legal_name < q + "\U0010ffff")))
    return conds


def list_merchants(*, session: Session, actor: Actor, platform_id: str, filters: ListFilters,
                   params: PageParams, after: str | None = None, count: bool = True,
                   now: datetime | None = None) -> tuple[list[Merchant], int | None, str | None]:
    """A page of the registry ordered by name, the total the filters match (when asked), and
    the cursor of the next page. ``after`` (a cursor) pages by keyset, whatever the depth;
    ``offset`` is kept for small jumps."""
    actor.require(READ, platform_id)
    today = beijing_today(now)
    conds = _where(platform_id, filters, today)
    base: Select[Any] = select(Merchant).where(*conds)
    total = None
    if count:
        total = int(session.scalar(select(func.count()).select_from(Merchant).where(*conds))
                    or 0)
    q = base.order_by(Merchant.legal_name, Merchant.id)
    if after:
        name, mid = _uncursor(after)
        q = q.where(or_(Merchant.legal_name > name,
                        and_(Merchant.legal_name == name, Merchant.id > mid)))
    else:
        q = q.offset(params.offset)
    rows = list(session.scalars(q.limit(params.limit + 1)))
    nxt = None
    if len(rows) > params.limit:
        rows = rows[:params.limit]
        nxt = _cursor(rows[-1].legal_name, rows[-1].id)
    return rows, total, nxt


# ----------------------------------------------------------------------- shops and licences


def add_shop(*, session: Session, actor: Actor, merchant: Merchant, data: ShopIn,
             now: datetime | None = None) -> Shop:
    actor.require(WRITE, merchant.platform_id)
    now = now or utcnow()
    _check_shop(session, merchant.platform_id, data, field="shop")
    sh = Shop(platform_id=merchant.platform_id, merchant_id=merchant.id, shop_ref=data.shop_ref,
              name=data.name, url=data.url, created_at=now)
    session.add(sh)
    _event(session, merchant, "shop_added", actor, now, {"shop_ref": data.shop_ref,
                                                         "name": data.name, "url": data.url})
    session.flush()
    record(session=session, actor=actor, action="merchants.shop.add", target_type="merchant",
           target_id=merchant.id, platform_id=merchant.platform_id,
           summary={"shop_ref": data.shop_ref})
    return sh


def add_licence(*, session: Session, actor: Actor, merchant: Merchant, data: LicenceIn,
                now: datetime | None = None) -> Licence:
    """Record a licence the merchant holds; an expired one, one that ends before it starts or
    of a kind the data does not know is refused."""
    actor.require(WRITE, merchant.platform_id)
    now = now or utcnow()
    try:
        lc = d.normalise_licence(data.values(), d.registry(), today=beijing_today(now))
    except d.OutOfScale as exc:
        raise out_of_scale(exc) from None
    # A new licence of a kind answers the expiry tasks of the merchant's older ones.
    session.execute(update(MerchantTask).where(
        MerchantTask.merchant_id == merchant.id, MerchantTask.kind == "licence_expiry",
        MerchantTask.licence_id.in_(select(Licence.id).where(
            Licence.merchant_id == merchant.id, Licence.kind == lc.kind)),
        MerchantTask.closed_at.is_(None))
        .values(closed_at=now, closed_by=actor.username, note="a new licence was recorded")
        .execution_options(synchronize_session=False))
    row = Licence(platform_id=merchant.platform_id, merchant_id=merchant.id, created_at=now,
                  created_by=actor.username, **licence_values(lc))
    session.add(row)
    if lc.valid_until is not None and (merchant.next_licence_expiry is None
                                       or lc.valid_until < merchant.next_licence_expiry):
        merchant.next_licence_expiry = lc.valid_until
    merchant.updated_at = now
    _event(session, merchant, "licence_added", actor, now,
           {"kind": lc.kind, "number": lc.number,
            "valid_until": lc.valid_until.isoformat() if lc.valid_until else None})
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=subject(merchant.platform_id, merchant.id),
        record={"event": "licence_added", "merchant_id": merchant.id,
                "platform_id": merchant.platform_id, "kind": lc.kind, "number": lc.number,
                "issuer": lc.issuer, "valid_from": lc.valid_from.isoformat(),
                "valid_until": lc.valid_until.isoformat() if lc.valid_until else None,
                "recorded_by": actor.username}))
    session.flush()
    record(session=session, actor=actor, action="merchants.licence.add", target_type="merchant",
           target_id=merchant.id, platform_id=merchant.platform_id,
           summary={"kind": lc.kind, "number": lc.number, "licence_id": row.id})
    return row


def get_licence(*, session: Session, merchant: Merchant, licence_id: str) -> Licence:
    lc = session.get(Licence, licence_id)
    if lc is None or lc.merchant_id != merchant.id:
        raise NotFound(f"no licence {licence_id} of this merchant",
                       details={"field": "licence_id"})
    return lc


def add_document(*, session: Session, actor: Actor, merchant: Merchant, licence_id: str,
                 filename: str, media_type: str, content: bytes, now: datetime | None = None
                 ) -> LicenceDocument:
    """Keep a scan or file of a licence with its SHA-256 (kept record; the digest is logged)."""
    actor.require(WRITE, merchant.platform_id)
    now = now or utcnow()
    lc = get_licence(session=session, merchant=merchant, licence_id=licence_id)
    if not content:
        raise InvalidInput("the document is empty", field="file")
    if len(content) > MAX_DOCUMENT:
        raise TooLarge(f"a document may be at most {MAX_DOCUMENT} bytes",
                       details={"field": "file"})
    digest = hashlib.sha256(content).hexdigest()
    doc = LicenceDocument(licence_id=lc.id, platform_id=merchant.platform_id,
                          filename=(filename or "document")[:300],
                          media_type=(media_type or "application/octet-stream")[:100],
                          size=len(content), sha256=digest, content=content,
                          uploaded_by=actor.username, uploaded_at=now)
    session.add(doc)
    _event(session, merchant, "document_added", actor, now,
           {"licence_id": lc.id, "sha256": digest, "filename": doc.filename})
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=now, subject=subject(merchant.platform_id, merchant.id),
        record={"event": "document_added", "merchant_id": merchant.id,
                "platform_id": merchant.platform_id, "licence_id": lc.id, "sha256": digest,
                "size": len(content), "recorded_by": actor.username}))
    session.flush()
    record(session=session, actor=actor, action="merchants.licence.document",
           target_type="merchant", target_id=merchant.id, platform_id=merchant.platform_id,
           summary={"licence_id": lc.id, "sha256": digest, "size": len(content)})
    return doc


def licence_kinds() -> Sequence[d.LicenceKind]:
    return list(d.registry().licences.values())


def counts(*, session: Session, actor: Actor, platform_id: str,
           now: datetime | None = None) -> dict[str, Any]:
    """The registry's counts for the list's header: by status, by verification, overdue
    re-verifications and licences ending within the notice days (three GROUP BYs)."""
    actor.require(READ, platform_id)
    today = beijing_today(now)
    m = Merchant
    by_status = {str(k): int(n) for k, n in session.execute(
        select(m.status, func.count()).where(m.platform_id == platform_id).group_by(m.status))}
    by_verification = {str(k): int(n) for k, n in session.execute(
        select(m.verification, func.count()).where(m.platform_id == platform_id,
                                                   m.status == "active")
        .group_by(m.verification))}
    overdue = int(session.scalar(select(func.count()).select_from(m).where(
        m.platform_id == platform_id, m.status == "active", m.reverify_due < today)) or 0)
    horizon = today + timedelta(days=d.registry().licence_notice_days)
    expiring = int(session.scalar(select(func.count()).select_from(m).where(
        m.platform_id == platform_id, m.status == "active",
        m.next_licence_expiry <= horizon)) or 0)
    return {"status": by_status, "verification": by_verification, "overdue": overdue,
            "licence_expiring": expiring, "total": sum(by_status.values())}


def sanctions(*, session: Session, actor: Actor, merchant: Merchant) -> list[dict[str, Any]]:
    """The merchant's entries on the public sanctions board (moderation: warnings,
    suspensions, terminations with their grounds and appeal status)."""
    from zeren.moderation.services.appeals import sanctions_board

    actor.require(READ, merchant.platform_id)
    return [dict(r) for r in sanctions_board(session=session, platform_id=merchant.platform_id)
            if r["merchant_ref"] == merchant.merchant_ref]
