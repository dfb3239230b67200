"""Disclosure (电子商务法 第十五条; 指南 第十条 督促经营者公示) and exit (电子商务法 第十六条).

Disclosure: the platform submits what a merchant's shop page displays — the fields as shown,
or a page snapshot file — and Zeren compares it with the registry (name, USCC, licences valid
today, a natural person's ground), keeping the check with its findings; the merchant's latest
check says whether a mismatch is open.

Exit: a merchant's exit is announced at least N days ahead (data); it is ``exiting`` until the
day, then the due job makes it ``exited``, withdraws its listings (as new versions) and sets
the day its records may go (retention from data). The registry's history shows each step."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import SYSTEM, Actor
from zeren.db.base import utcnow
from zeren.errors import InvalidInput, TooLarge
from zeren.ledger import outbox
from zeren.merchants import domain as d
from zeren.merchants.errors import MerchantExited
from zeren.merchants.models import Disclosure, Licence, Listing, Merchant, MerchantEvent, Shop
from zeren.merchants.services.listings import withdraw_listing
from zeren.merchants.services.registry import LEDGER_CLASS, READ, WRITE, subject
from zeren.timepolicy import beijing_today

MAX_SNAPSHOT = 10 * 1024 * 1024


def expected_of(session: Session, merchant: Merchant, today: date) -> d.Expected:
    """What the merchant's page must show today, from the registry."""
    lics = session.scalars(select(Licence).where(Licence.merchant_id == merchant.id)
                           .order_by(Licence.kind, Licence.number))
    ground = None
    if merchant.kind == "natural_person" and merchant.ground:
        kinds = d.registry().kinds[merchant.kind]
        ground = dict(kinds.grounds).get(merchant.ground, merchant.ground)
    return d.Expected(
        legal_name=merchant.legal_name, uscc=merchant.uscc,
        licences=tuple((lc.kind, lc.number, lc.valid_until) for lc in lics
                       if d.licence_valid_on(lc.valid_from, lc.valid_until, lc.status, today)),
        ground=ground)


def _expected_dict(e: d.Expected) -> dict[str, Any]:
    return {"legal_name": e.legal_name, "uscc": e.uscc, "ground": e.ground,
            "licences": [{"kind": k, "number": n,
                          "valid_until": u.isoformat() if u else None}
                         for k, n, u in e.licences]}


def check_disclosure(*, session: Session, actor: Actor, merchant: Merchant,
                     shop_ref: str | None, shown: dict[str, Any] | None = None,
                     snapshot: bytes | None = None, now: datetime | None = None
                     ) -> Disclosure:
    """Compare what a shop page shows (fields, or a snapshot's text) with the registry and
    keep the check with its findings (merchants.write)."""
    actor.require(WRITE, merchant.platform_id)
    if (shown is None) == (snapshot is None):
        raise InvalidInput("give the fields shown or a page snapshot, one of the two",
                           field="shown")
    if shop_ref is not None and session.scalar(select(Shop.id).where(
            Shop.merchant_id == merchant.id, Shop.shop_ref == shop_ref)) is None:
        raise InvalidInput(f"shop {shop_ref!r} is not this merchant's", field="shop_ref")
    now = now or utcnow()
    exp = expected_of(session, merchant, beijing_today(now))
    digest, size = None, None
    if snapshot is not None:
        if len(snapshot) > MAX_SNAPSHOT:
            raise TooLarge(f"the snapshot is larger than {MAX_SNAPSHOT // 2**20} MiB",
                           details={"field": "file"})
        if not snapshot:
            raise InvalidInput("the snapshot is empty", field="file")
        digest, size = hashlib.sha256(snapshot).hexdigest(), len(snapshot)
        findings = d.compare_snapshot(exp, d.page_text(snapshot))
        shown = {}
    else:
        assert shown is not None
        findings = d.compare_disclosure(exp, shown)
    row = Disclosure(merchant_id=merchant.id, platform_id=merchant.platform_id,
                     shop_ref=shop_ref, at=now, by=actor.username,
                     source="snapshot" if snapshot is not None else "fields", shown=shown,
                     snapshot_sha256=digest, snapshot_size=size, expected=_expected_dict(exp),
                     findings=[f.to_dict() for f in findings],
                     outcome="mismatch" if findings else "match")
    session.add(row)
    session.flush()
    record(session=session, actor=actor, action="merchants.disclosure.check",
           target_type="merchant", target_id=merchant.id, platform_id=merchant.platform_id,
           summary={"outcome": row.outcome, "findings": len(findings),
                    "snapshot_sha256": digest})
    return row


def disclosures(*, session: Session, actor: Actor, merchant: Merchant) -> list[Disclosure]:
    actor.require(READ, merchant.platform_id)
    return list(session.scalars(select(Disclosure).where(Disclosure.merchant_id == merchant.id)
                                .order_by(Disclosure.at.desc(), Disclosure.id)))


def latest_outcomes(session: Session, platform_id: str) -> dict[str, str]:
    """Each merchant's latest disclosure outcome on the platform (merchant id → outcome)."""
    dc = Disclosure
    last = (select(dc.merchant_id, func.max(dc.at).label("at"))
            .where(dc.platform_id == platform_id).group_by(dc.merchant_id).subquery())
    return {mid: out for mid, out in session.execute(
        select(dc.merchant_id, dc.outcome).join(last, (last.c.merchant_id == dc.merchant_id)
                                                & (last.c.at == dc.at)))}


# ----------------------------------------------------------------------- exit


def _event(session: Session, m: Merchant, kind: str, by: str, at: datetime,
           details: dict[str, Any]) -> None:
    session.add(MerchantEvent(merchant_id=m.id, platform_id=m.platform_id, kind=kind, at=at,
                              by=by, details=details))
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=LEDGER_CLASS, at=at, subject=subject(m.platform_id, m.id),
        record={"event": kind, "merchant_id": m.id, "platform_id": m.platform_id,
                "merchant_ref": m.merchant_ref, **details, "recorded_by": by}))


def announce_exit(*, session: Session, actor: Actor, merchant: Merchant, exit_on: date,
                  reason: str, now: datetime | None = None) -> Merchant:
    """Announce the merchant's exit on ``exit_on``: at least the notice days of the data
    ahead (电子商务法 第十六条), else 422 naming ``exit_on``."""
    actor.require(WRITE, merchant.platform_id)
    now = now or utcnow()
    today = beijing_today(now)
    reg = d.registry()
    if merchant.status in (d.Status.exiting.value, d.Status.exited.value):
        raise MerchantExited(f"the merchant is already {merchant.status}",
                             details={"field": "merchant_id"})
    first = d.earliest_exit(today, reg)
    if exit_on < first:
        raise InvalidInput(
            f"an exit is announced at least {reg.exit_notice_days} days ahead: the earliest "
            f"day is {first.isoformat()} ({reg.periods['exit_notice'].source})",
            field="exit_on")
    if not reason.strip():
        raise InvalidInput("the exit needs its reason", field="reason")
    merchant.status = d.Status.exiting.value
    merchant.exit_announced_at, merchant.exit_on = now, exit_on
    merchant.updated_at = now
    _event(session, merchant, "exit_announced", actor.username, now,
           {"exit_on": exit_on.isoformat(), "reason": reason.strip()[:400],
            "notice_days": (exit_on - today).days})
    session.flush()
    record(session=session, actor=actor, action="merchants.exit.announce",
           target_type="merchant", target_id=merchant.id, platform_id=merchant.platform_id,
           summary={"exit_on": exit_on.isoformat()})
    return merchant


def complete_exits(*, session: Session, now: datetime | None = None,
                   platform_id: str | None = None) -> int:
    """Merchants whose exit day has come leave: ``exited``, listings withdrawn as new
    versions, records kept until the retention end (part of the daily due job)."""
    now = now or utcnow()
    today = beijing_today(now)
    q = select(Merchant).where(Merchant.status == d.Status.exiting.value,
                               Merchant.exit_on <= today)
    if platform_id:
        q = q.where(Merchant.platform_id == platform_id)
    done = 0
    for m in session.scalars(q).all():
        assert m.exit_on is not None
        m.status = d.Status.exited.value
        m.exited_at, m.updated_at = now, now
        m.keep_until = d.retention_end(m.exit_on)
        for ls in session.scalars(select(Listing).where(
                Listing.merchant_id == m.id,
                Listing.status != d.ListingStatus.withdrawn.value)).all():
            withdraw_listing(session=session, actor=SYSTEM, listing=ls,
                             reason="merchant exited (电子商务法 第十六条)", now=now)
        _event(session, m, "exited", "job:merchants.due", now,
               {"exit_on": m.exit_on.isoformat(), "keep_until": m.keep_until.isoformat(),
                "retention": d.registry().periods["identity_retention"].source})
        done += 1
    session.flush()
    return done
