"""Accounts flagged as minors and the logs the platform sends for them (指南 第三十一条):
game sessions and payments, each batch all or nothing. Refused with the field named and
nothing written: a band or service not in data, a time without a zone, a session that ends
before it starts, sessions of one account that overlap, and any row for an account not
flagged as a minor (those logs are not the platform's to send here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.errors import InvalidInput
from zeren.users import domain as d
from zeren.users.models import MinorAccount, MinorPayment, MinorSession
from zeren.users.schemas import MinorIn, PaymentIn, SessionIn

READ = "users.read"
WRITE = "users.write"


def _reject(exc: d.Rejected) -> InvalidInput:
    return InvalidInput(str(exc), field=exc.field)


def flag_minors(*, session: Session, actor: Actor, platform_id: str,
                accounts: Sequence[MinorIn]) -> int:
    """Flag accounts as minors with their age band (a flagged account is refused)."""
    actor.require(WRITE, platform_id)
    for i, a in enumerate(accounts):
        try:
            d.one_of(a.band, "bands", f"accounts.{i}.band")
        except d.Rejected as exc:
            raise _reject(exc) from None
    known = _accounts(session, platform_id, {a.account_id for a in accounts})
    seen: set[str] = set()
    for i, a in enumerate(accounts):
        if a.account_id in known or a.account_id in seen:
            raise InvalidInput(f"account {a.account_id!r} is already flagged",
                               field=f"accounts.{i}.account_id")
        seen.add(a.account_id)
    session.add_all(MinorAccount(platform_id=platform_id, account_ref=a.account_id,
                                 band=a.band, flagged_by=actor.username) for a in accounts)
    record(session=session, actor=actor, action="users.minors.flag", target_type="minors",
           target_id=accounts[0].account_id if accounts else "", platform_id=platform_id,
           summary={"count": len(accounts)})
    return len(accounts)


def _accounts(session: Session, platform_id: str, refs: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    items = sorted(refs)
    for lo in range(0, len(items), 5000):
        for ref, aid in session.execute(select(MinorAccount.account_ref, MinorAccount.id).where(
                MinorAccount.platform_id == platform_id,
                MinorAccount.account_ref.in_(items[lo:lo + 5000]))):
            out[ref] = aid
    return out


def _flagged(session: Session, platform_id: str, rows: Sequence[Any], what: str
             ) -> dict[str, str]:
    ids = _accounts(session, platform_id, {r.account_id for r in rows})
    for i, r in enumerate(rows):
        if r.account_id not in ids:
            raise InvalidInput(f"account {r.account_id!r} is not flagged as a minor",
                               field=f"{what}.{i}.account_id")
    return ids


def _zoned(value: datetime, field: str) -> None:
    if value.utcoffset() is None:
        raise InvalidInput("a time needs its zone (e.g. +08:00)", field=field)


def import_sessions(*, session: Session, actor: Actor, platform_id: str,
                    sessions: Sequence[SessionIn]) -> int:
    actor.require(WRITE, platform_id)
    if not sessions:
        raise InvalidInput("no session to import", field="sessions")
    for i, s in enumerate(sessions):
        try:
            d.one_of(s.service, "services", f"sessions.{i}.service")
        except d.Rejected as exc:
            raise _reject(exc) from None
        _zoned(s.starts_at, f"sessions.{i}.starts_at")
        _zoned(s.ends_at, f"sessions.{i}.ends_at")
        if s.ends_at <= s.starts_at:
            raise InvalidInput("ends_at must be after starts_at", field=f"sessions.{i}.ends_at")
    ids = _flagged(session, platform_id, sessions, "sessions")
    order = sorted(range(len(sessions)), key=lambda k: (sessions[k].account_id,
                                                        sessions[k].starts_at))
    for a, b in pairwise(order):
        if sessions[a].account_id == sessions[b].account_id \
                and sessions[b].starts_at < sessions[a].ends_at:
            raise InvalidInput(f"overlaps session {a} of the same account",
                               field=f"sessions.{b}.starts_at")
    session.add_all(MinorSession(platform_id=platform_id, account_id=ids[s.account_id],
                                 service=s.service, starts_at=s.starts_at, ends_at=s.ends_at,
                                 imported_by=actor.username) for s in sessions)
    record(session=session, actor=actor, action="users.minors.sessions", target_type="minors",
           target_id="", platform_id=platform_id, summary={"count": len(sessions)})
    return len(sessions)


def import_payments(*, session: Session, actor: Actor, platform_id: str,
                    payments: Sequence[PaymentIn]) -> int:
    actor.require(WRITE, platform_id)
    if not payments:
        raise InvalidInput("no payment to import", field="payments")
    for i, p in enumerate(payments):
        try:
            d.one_of(p.service, "services", f"payments.{i}.service")
        except d.Rejected as exc:
            raise _reject(exc) from None
        _zoned(p.paid_at, f"payments.{i}.paid_at")
    ids = _flagged(session, platform_id, payments, "payments")
    session.add_all(MinorPayment(platform_id=platform_id, account_id=ids[p.account_id],
                                 payment_ref=p.payment_id, service=p.service,
                                 paid_at=p.paid_at, amount_fen=p.amount_fen,
                                 imported_by=actor.username) for p in payments)
    record(session=session, actor=actor, action="users.minors.payments", target_type="minors",
           target_id="", platform_id=platform_id, summary={"count": len(payments)})
    return len(payments)
