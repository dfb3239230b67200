"""Personal-data breaches (指南 第二十七条; 个保法 第五十七条): a breach is recorded against its
incident with the contents a notice must carry; notices to the authority and to the affected
individuals are generated from them (refused while one is missing), kept with their digest,
and logged in the ledger. The individuals' notice comes with a bulk file for the platform's
own messaging: one line per person, built from the list the platform uploads; Zeren keeps
the file's digest and the count, not the list."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.ledger import outbox
from zeren.security import domain as d
from zeren.security.errors import ReportIncomplete
from zeren.security.models import Breach, Incident, Notice
from zeren.security.schemas import AuthorityNoticeIn, BreachIn
from zeren.security.services.incidents import event, get_incident
from zeren.security.services.systems import READ, WRITE

NOTICE_CLASS = "breach-notices"
MAX_RECIPIENTS = 5_000_000


def contents_of(b: Breach) -> dict[str, Any]:
    return {c["key"]: getattr(b, c["key"]) for c in d.notice_contents()}


def record_breach(*, session: Session, actor: Actor, platform_id: str, data: BreachIn,
                  now: datetime | None = None) -> Breach:
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    inc = get_incident(session=session, actor=actor, platform_id=platform_id,
                       incident_id=data.incident_id)
    if data.discovered_at > now:
        raise InvalidInput("discovered_at is in the future", field="discovered_at")
    if data.sensitive_persons > data.persons_affected:
        raise InvalidInput("sensitive_persons exceeds persons_affected", field="sensitive_persons")
    b = Breach(platform_id=platform_id, created_by=actor.username,
               **data.model_dump(exclude={"incident_id"}), incident_id=inc.id)
    session.add(b)
    session.flush()
    event(session, inc, kind="breach_linked", by=actor.username, at=now,
          text=f"{data.persons_affected:,} 人 · {'、'.join(data.pi_types)}",
          data={"breach_id": b.id, "persons": data.persons_affected})
    record(session=session, actor=actor, action="security.breach.record", target_type="breach",
           target_id=b.id, platform_id=platform_id, after=row_dict(b),
           summary={"incident": inc.number, "persons": data.persons_affected})
    return b


def get_breach(*, session: Session, actor: Actor, platform_id: str, breach_id: str) -> Breach:
    actor.require(READ, platform_id)
    b = session.get(Breach, breach_id)
    if b is None or b.platform_id != platform_id:
        raise NotFound(f"no breach {breach_id} on this platform", details={"field": "breach_id"})
    return b


def list_breaches(*, session: Session, actor: Actor, platform_id: str, offset: int = 0,
                  limit: int = 100) -> tuple[list[Breach], int]:
    """A page of the platform's breaches, newest found first, and how many there are."""
    actor.require(READ, platform_id)
    q = select(Breach).where(Breach.platform_id == platform_id)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    rows = list(session.scalars(q.order_by(Breach.discovered_at.desc(), Breach.id)
                                .offset(offset).limit(limit)))
    return rows, total


@dataclass(frozen=True)
class BreachView:
    """A breach as its page shows it: its incident (with the report clocks), its notices and
    the notice contents it still lacks."""

    breach: Breach
    incident: Incident
    notices: list[Notice]
    missing: list[str]


def board(*, session: Session, actor: Actor, platform_id: str, offset: int = 0,
          limit: int = 100) -> tuple[list[BreachView], int]:
    """A page of breaches with their incidents and notices, read in four queries; the total."""
    rows, total = list_breaches(session=session, actor=actor, platform_id=platform_id,
                                offset=offset, limit=limit)
    ids = [b.id for b in rows]
    sent: dict[str, list[Notice]] = {}
    incs: dict[str, Incident] = {}
    if rows:
        for n in session.scalars(select(Notice).where(Notice.breach_id.in_(ids))
                                 .order_by(Notice.sent_at)):
            sent.setdefault(n.breach_id, []).append(n)
        incs = {i.id: i for i in session.scalars(select(Incident).where(
            Incident.id.in_({b.incident_id for b in rows})))}
    return [BreachView(b, incs[b.incident_id], sent.get(b.id, []),
                       d.missing_contents(contents_of(b))) for b in rows], total


def notices(*, session: Session, actor: Actor, breach: Breach) -> list[Notice]:
    actor.require(READ, breach.platform_id)
    return list(session.scalars(select(Notice).where(Notice.breach_id == breach.id)
                                .order_by(Notice.sent_at)))


def _complete(b: Breach) -> dict[str, Any]:
    values = contents_of(b)
    missing = d.missing_contents(values)
    if missing:
        raise ReportIncomplete(
            "a notice under 个保法 第五十七条 must state: " + ", ".join(missing),
            details={"field": missing[0], "missing": missing})
    return values


def _keep(session: Session, actor: Actor, b: Breach, *, audience: str, recipient: str,
          recipients: int, text: str, file_sha: str, sent_at: datetime, channel: str,
          now: datetime) -> Notice:
    values = contents_of(b)
    digest = hashlib.sha256(text.encode()).hexdigest()
    n = Notice(breach_id=b.id, platform_id=b.platform_id, audience=audience,
               recipient=recipient, recipients=recipients, contents=values, text=text,
               sha256=digest, file_sha256=file_sha, sent_at=sent_at, channel=channel,
               recorded_by=actor.username)
    session.add(n)
    session.flush()
    inc = session.get(Incident, b.incident_id)
    assert inc is not None
    event(session, inc, kind=f"notice_{audience}", by=actor.username, at=now,
          text=f"{recipient or audience}: {recipients:,}", data={"notice_id": n.id})
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=NOTICE_CLASS, at=now, subject=f"breach:{b.platform_id}:{b.id}",
        record={"notice_id": n.id, "breach_id": b.id, "platform_id": b.platform_id,
                "audience": audience, "recipients": recipients, "sha256": digest,
                "file_sha256": file_sha, "sent_at": sent_at.isoformat()}))
    record(session=session, actor=actor, action=f"security.breach.notice_{audience}",
           target_type="breach_notice", target_id=n.id, platform_id=b.platform_id,
           after=row_dict(n), summary={"recipients": recipients, "sha256": digest})
    return n


def notify_authority(*, session: Session, actor: Actor, platform_id: str, breach_id: str,
                     data: AuthorityNoticeIn, now: datetime | None = None) -> Notice:
    b = get_breach(session=session, actor=actor, platform_id=platform_id, breach_id=breach_id)
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    values = _complete(b)
    at = data.sent_at or now
    if at > now or at < b.discovered_at:
        raise InvalidInput("sent_at must lie between discovery and now", field="sent_at")
    text = d.render_notice(values, audience="authority") + \
        f"\n涉及人数：{b.persons_affected:,}（其中敏感个人信息 {b.sensitive_persons:,}）\n"
    return _keep(session, actor, b, audience="authority", recipient=data.recipient,
                 recipients=1, text=text, file_sha="", sent_at=at, channel=data.channel,
                 now=now)


@dataclass(frozen=True)
class BulkNotice:
    notice: Notice
    file: bytes  # CSV: person_ref, contact, channel, message


def notify_individuals(*, session: Session, actor: Actor, platform_id: str, breach_id: str,
                       recipients_csv: bytes, channel: str = "",
                       now: datetime | None = None) -> BulkNotice:
    """Generate the individuals' notice and the bulk file for the platform's messaging from
    an uploaded list (CSV with a ``person_ref`` column, optional ``contact`` and ``channel``)."""
    b = get_breach(session=session, actor=actor, platform_id=platform_id, breach_id=breach_id)
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    if b.individuals_exempt_reason:
        raise Conflict("this breach records why individuals need not be notified "
                       "(个保法 第五十七条第二款)", details={"field": "individuals_exempt_reason"})
    values = _complete(b)
    text = d.render_notice(values, audience="individuals")
    try:
        reader = csv.DictReader(io.StringIO(recipients_csv.decode("utf-8-sig")))
    except UnicodeDecodeError as exc:
        raise InvalidInput("the recipients file is not UTF-8", field="file") from exc
    if reader.fieldnames is None or "person_ref" not in reader.fieldnames:
        raise InvalidInput("the recipients file needs a person_ref column", field="file")
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["person_ref", "contact", "channel", "message"])
    count = 0
    for i, row in enumerate(reader, start=2):
        ref = (row.get("person_ref") or "").strip()
        if not ref:
            raise InvalidInput(f"row {i}: person_ref is empty", details={"field": "person_ref",
                                                                         "row": i})
        count += 1
        if count > MAX_RECIPIENTS:
            raise InvalidInput(f"more than {MAX_RECIPIENTS:,} recipients; split the list",
                               field="file")
        w.writerow([ref, (row.get("contact") or "").strip(),
                    (row.get("channel") or channel or "站内信").strip(), text])
    if count == 0:
        raise InvalidInput("the recipients file lists nobody", field="file")
    data = out.getvalue().encode("utf-8")
    n = _keep(session, actor, b, audience="individuals", recipient="", recipients=count,
              text=text, file_sha=hashlib.sha256(data).hexdigest(), sent_at=now,
              channel=channel, now=now)
    return BulkNotice(n, data)
