"""Subjects (accounts, merchants and their items) a platform tells us about: found by
(kind, ref), created once (set-based, race-safe: the unique key decides), kept up to date
with what the platform says now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zeren.auth.policy import Actor
from zeren.db.base import new_id
from zeren.errors import NotFound
from zeren.moderation.models import SUBJECTS, Subject
from zeren.moderation.schemas import SubjectIn


def _subject_row(platform_id: str, s: SubjectIn | Any, now: datetime,
                 owner_id: str | None) -> dict[str, Any]:
    return {"id": new_id(), "platform_id": platform_id, "kind": str(s.kind),
            "external_ref": s.external_ref, "owner_id": owner_id,
            "display_name": getattr(s, "display_name", "") or "",
            "text": getattr(s, "text", "") or "", "media": list(getattr(s, "media", []) or []),
            "real_name_verified": getattr(s, "real_name_verified", None), "state": "visible",
            "verdict": None, "inbox_token": None, "created_at": now, "updated_at": now}


def _resolve(session: Session, platform_id: str, wanted: dict[tuple[str, str], Any],
             now: datetime, owners: dict[tuple[str, str], str | None]
             ) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
    """Ids of subjects named (kind, ref), and which of them existed; missing ones are
    inserted."""
    found: dict[tuple[str, str], str] = {}
    keys = list(wanted)
    for i in range(0, len(keys), 400):
        chunk = keys[i:i + 400]
        for sid, kind, ref in session.execute(select(Subject.id, Subject.kind,
                                                     Subject.external_ref).where(
                Subject.platform_id == platform_id,
                tuple_(Subject.kind, Subject.external_ref).in_(chunk))):
            found[(kind, ref)] = sid
    existed = set(found)
    missing = [k for k in keys if k not in found]
    if missing:
        rows = [_subject_row(platform_id, wanted[k], now, owners.get(k)) for k in missing]
        try:
            with session.begin_nested():
                session.execute(insert(SUBJECTS), rows)
        except IntegrityError:
            # Someone inserted some of them meanwhile: read again, insert the rest one by one.
            for k, row in zip(missing, rows, strict=True):
                got: str | None = session.scalar(select(Subject.id).where(
                    Subject.platform_id == platform_id, Subject.kind == k[0],
                    Subject.external_ref == k[1]))
                if got is None:
                    session.execute(insert(SUBJECTS), [row])
                    got = str(row["id"])
                found[k] = got
            return found, existed
        for k, row in zip(missing, rows, strict=True):
            found[k] = row["id"]
    return found, existed


def upsert_subjects(*, session: Session, platform_id: str, items: Sequence[SubjectIn],
                    now: datetime) -> list[str]:
    """Subject ids for ``items`` (owners first), creating the ones not yet known. A building
    block of the use cases that take subjects in (they check the permission)."""
    owners = {(str(s.owner.kind), s.owner.external_ref): s.owner for s in items if s.owner}
    owner_ids = _resolve(session, platform_id, owners, now, {})[0] if owners else {}
    wanted: dict[tuple[str, str], Any] = {}
    owner_of: dict[tuple[str, str], str | None] = {}
    for s in items:
        k = (str(s.kind), s.external_ref)
        wanted[k] = s
        owner_of[k] = owner_ids[(str(s.owner.kind), s.owner.external_ref)] if s.owner else None
    ids, existed = _resolve(session, platform_id, wanted, now, owner_of)
    # Known subjects: keep what the platform tells us now (text, owner, real-name status).
    news = {ids[k]: s for k, s in wanted.items() if k in existed
            and (s.text or s.owner or s.real_name_verified is not None)}
    keys = list(news)
    for i in range(0, len(keys), 400):
        for sub in session.scalars(select(Subject).where(Subject.id.in_(keys[i:i + 400]))):
            s = news[sub.id]
            if s.text and sub.text != s.text:
                sub.text = s.text
                sub.media = list(s.media)
                sub.updated_at = now
            if s.owner and sub.owner_id is None:
                sub.owner_id = owner_of[(str(s.kind), s.external_ref)]
            if s.real_name_verified is not None and sub.real_name_verified != \
                    s.real_name_verified:
                sub.real_name_verified = s.real_name_verified
    return [ids[(str(s.kind), s.external_ref)] for s in items]


def get_subject(*, session: Session, subject_id: str) -> Subject:
    s = session.get(Subject, subject_id)
    if s is None:
        raise NotFound(f"no subject {subject_id}", details={"field": "subject_id"})
    return s


def read_subject(*, session: Session, actor: Actor, platform_id: str, subject_id: str
                 ) -> Subject:
    """A subject of the platform (moderation.read)."""
    actor.require("moderation.read", platform_id)
    s = get_subject(session=session, subject_id=subject_id)
    if s.platform_id != platform_id:
        raise NotFound(f"no subject {subject_id} on this platform",
                       details={"field": "subject_id"})
    return s


def find_account(*, session: Session, platform_id: str, ref: str,
                 kinds: Sequence[str] = ("user", "merchant")) -> Subject:
    s = session.scalar(select(Subject).where(Subject.platform_id == platform_id,
                                             Subject.kind.in_(kinds),
                                             Subject.external_ref == ref))
    if s is None:
        raise NotFound(f"no account {ref!r} on this platform", details={"field": "account_ref"})
    return s


def account_by_inbox(*, session: Session, token: str) -> Subject:
    """The account behind a notice inbox's secret link."""
    acc = session.scalar(select(Subject).where(Subject.inbox_token == token)) if token else None
    if acc is None:
        raise NotFound("no inbox at this address", details={"field": "token"})
    return acc
