"""The clock that moves every deadline on: SLA escalation, measure expiry, IP 15-day clocks,
complaint reply deadlines, and screening of subjects submitted in batches. The scheduled job
``moderation.tick`` runs it every minute as the system; a moderation admin may run it now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.moderation.services import complaints, ip
from zeren.moderation.services import measures as ms
from zeren.moderation.services.cases import escalate_overdue
from zeren.moderation.services.screening import screen_pending


def advance(*, session: Session, now: datetime | None = None) -> dict[str, int]:
    """Move every clock on to ``now``; what each clock did, counted. The job runs this as
    the system (no audit event per minute: the job's run is recorded in ``job_runs``)."""
    now = now or utcnow()
    return {"escalated": escalate_overdue(session=session, now=now),
            "expired": ms.expire_due(session=session, now=now),
            "ip_restored": ip.run_clocks(session=session, now=now),
            "complaints_to_mediation": complaints.run_deadlines(session=session, now=now),
            "screened": screen_pending(session=session, now=now)}


def tick(*, session: Session, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """Move the clocks on now, by hand (moderation.admin, group-wide: every platform's
    clocks move); the run is in the audit trail."""
    actor.require("moderation.admin")
    out = advance(session=session, now=now)
    record(session=session, actor=actor, action="moderation.tick", target_type="moderation",
           target_id="tick", summary=out)
    return out
