"""Consent and the merge gate (指南 第十八条: no combining one person's data from different
services without the person's consent).

A consent names the person by a reference that is personal data: it is sealed in the
ledger's personal-data store (through the ledger outbox) and the consent row keeps only the
sealed reference and an HMAC pseudonym under the platform's key, by which the gate finds
it. Every consent, withdrawal and gate decision is a kept record and is appended to the
ledger after commit. The gate reads consents through the in-memory index (``gate.py``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.datagov import domain as d
from zeren.datagov.errors import ConsentWithdrawn, UnknownService
from zeren.datagov.gate import ConsentIndex
from zeren.datagov.models import (
    DECISIONS,
    Consent,
    ConsentEvent,
    ConsentState,
    Decision,
    PseudonymKey,
    Service,
    UnconsentedMerge,
)
from zeren.datagov.schemas import (
    MERGE_SOURCES,
    ConsentIn,
    DecideIn,
    ServiceIn,
    UnconsentedMergeIn,
    WithdrawIn,
)
from zeren.db.base import new_id, utcnow
from zeren.db.bulk import bulk_insert
from zeren.errors import Conflict, InvalidInput, NotFound
from zeren.ledger import outbox

READ = "datagov.read"
CONSENT_WRITE = "datagov.consent.write"
DECIDE = "datagov.consent.decide"
CONSENT_CLASS = "consents"
DECISION_CLASS = "consent-decisions"
MERGE_CLASS = "unconsented-merges"
RETENTION_SOURCE = ("个保法 第十四条、第十五条 (consent and its withdrawal must be provable); "
                    "kept while the consent record is kept")

_keys: dict[str, bytes] = {}


def _insert_ignore(session: Session, table: Any, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on either backend (first use races are harmless)."""
    mod: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(mod.insert(table).values(**values).on_conflict_do_nothing())


def pseudonym_key(*, session: Session, platform_id: str) -> bytes:
    """The platform's pseudonym key, created on first use."""
    key = _keys.get(platform_id)
    if key is not None:
        return key
    found = session.scalar(select(PseudonymKey.key).where(PseudonymKey.platform_id == platform_id))
    if found is None:
        _insert_ignore(session, PseudonymKey.__table__,
                       {"platform_id": platform_id, "key": os.urandom(32)})
        found = session.scalar(select(PseudonymKey.key)
                               .where(PseudonymKey.platform_id == platform_id))
    assert found is not None
    _keys[platform_id] = bytes(found)
    return bytes(found)


def _bump(session: Session, platform_id: str) -> int:
    """Raise the platform's consent counter (row-locked until commit) and return it."""
    _insert_ignore(session, ConsentState.__table__, {"platform_id": platform_id, "version": 0})
    session.execute(update(ConsentState).where(ConsentState.platform_id == platform_id)
                    .values(version=ConsentState.version + 1))
    return int(session.scalar(select(ConsentState.version)
                              .where(ConsentState.platform_id == platform_id)) or 0)


# ----------------------------------------------------------------------- services


def register_service(*, session: Session, actor: Actor, platform_id: str, data: ServiceIn
                     ) -> Service:
    actor.require("datagov.write", platform_id)
    if session.scalar(select(Service.id).where(Service.platform_id == platform_id,
                                               Service.code == data.code)):
        raise Conflict(f"service {data.code!r} is already registered", details={"field": "code"})
    svc = Service(platform_id=platform_id, code=data.code, name=data.name,
                  description=data.description)
    session.add(svc)
    session.flush()
    version = _bump(session, platform_id)
    session.add(ConsentEvent(platform_id=platform_id, version=version, consent_id=svc.id,
                             person_key="", kind="service", at=utcnow()))
    record(session=session, actor=actor, action="datagov.service.register",
           target_type="service", target_id=svc.id, platform_id=platform_id, after=row_dict(svc),
           summary={"code": data.code})
    return svc


def list_services(*, session: Session, actor: Actor, platform_id: str) -> list[Service]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Service).where(Service.platform_id == platform_id)
                                .order_by(Service.code)))


def _known(session: Session, platform_id: str) -> frozenset[str]:
    return frozenset(session.scalars(select(Service.code).where(Service.platform_id == platform_id)))


# ----------------------------------------------------------------------- consents


def give_consent(*, session: Session, actor: Actor, platform_id: str, data: ConsentIn,
                 now: datetime | None = None) -> Consent:
    """Record a consent; refused for a service the platform has not registered."""
    actor.require(CONSENT_WRITE, platform_id)
    now = now or utcnow()
    known = _known(session, platform_id)
    if data.service not in known:
        raise UnknownService(f"unknown service {data.service!r}; registered: "
                             f"{', '.join(sorted(known)) or 'none'}", field="service")
    for i, other in enumerate(data.scope):
        if other not in known:
            raise UnknownService(f"unknown service {other!r} in scope", field=f"scope.{i}")
        if other == data.service:
            raise InvalidInput("scope names the consent's own service; name the services its "
                               "data may be combined with", field=f"scope.{i}")
    given = data.given_at or now
    if given > now:
        raise InvalidInput("given_at is in the future", field="given_at")
    key = d.person_key(pseudonym_key(session=session, platform_id=platform_id), data.person_ref)
    cid = new_id()
    scope = sorted(set(data.scope))
    queued = outbox.enqueue(session=session, item=outbox.Item(
        record_class=CONSENT_CLASS, at=now,
        record={"event": "given", "consent_id": cid, "platform_id": platform_id,
                "person_key": key, "service": data.service, "purpose": data.purpose,
                "scope": scope, "given_at": given.isoformat(), "evidence": data.evidence,
                "recorded_by": actor.username},
        subject=f"consent:{platform_id}:{cid}", personal={"person_ref": data.person_ref},
        retention_source=RETENTION_SOURCE))
    c = Consent(id=cid, platform_id=platform_id, person_key=key, pd_ref=queued.pd_id,
                service=data.service, purpose=data.purpose, scope=scope, given_at=given,
                evidence=data.evidence, recorded_by=actor.username)
    session.add(c)
    session.flush()
    version = _bump(session, platform_id)
    session.add(ConsentEvent(platform_id=platform_id, version=version, consent_id=cid,
                             person_key=key, kind="given", at=now))
    record(session=session, actor=actor, action="datagov.consent.give", target_type="consent",
           target_id=cid, platform_id=platform_id, after=row_dict(c),
           summary={"service": data.service, "purpose": data.purpose, "scope": scope})
    return c


def get_consent(*, session: Session, platform_id: str, consent_id: str) -> Consent:
    c = session.get(Consent, consent_id)
    if c is None or c.platform_id != platform_id:
        raise NotFound(f"no consent {consent_id} on this platform",
                       details={"field": "consent_id"})
    return c


def withdraw_consent(*, session: Session, actor: Actor, platform_id: str, consent_id: str,
                     data: WithdrawIn, now: datetime | None = None) -> Consent:
    """Withdraw a consent; from the withdrawal on, the gate refuses. A consent is withdrawn
    once: to consent again the person gives a new consent."""
    actor.require(CONSENT_WRITE, platform_id)
    now = now or utcnow()
    c = get_consent(session=session, platform_id=platform_id, consent_id=consent_id)
    at = data.withdrawn_at or now
    if at > now:
        raise InvalidInput("withdrawn_at is in the future", field="withdrawn_at")
    if at < c.given_at:
        raise InvalidInput("withdrawn_at is before the consent was given", field="withdrawn_at")
    before = row_dict(c)
    res = session.execute(update(Consent).where(Consent.id == c.id, Consent.withdrawn_at.is_(None))
                          .values(withdrawn_at=at, withdrawal_evidence=data.evidence)
                          .execution_options(synchronize_session=False))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(c)
        raise ConsentWithdrawn(
            f"consent {consent_id} was already withdrawn at {c.withdrawn_at}; a person who "
            "consents again gives a new consent", details={"field": "consent_id"})
    session.refresh(c)
    version = _bump(session, platform_id)
    session.add(ConsentEvent(platform_id=platform_id, version=version, consent_id=c.id,
                             person_key=c.person_key, kind="withdrawn", at=now))
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=CONSENT_CLASS, at=now,
        record={"event": "withdrawn", "consent_id": c.id, "platform_id": platform_id,
                "person_key": c.person_key, "withdrawn_at": at.isoformat(),
                "evidence": data.evidence, "recorded_by": actor.username},
        subject=f"consent:{platform_id}:{c.id}"))
    record(session=session, actor=actor, action="datagov.consent.withdraw",
           target_type="consent", target_id=c.id, platform_id=platform_id, before=before,
           after=row_dict(c), summary={"withdrawn_at": at.isoformat()})
    return c


def consents_of(*, session: Session, actor: Actor, platform_id: str, person_ref: str
                ) -> list[Consent]:
    """Every consent of one person (found by pseudonym; the reference is not stored)."""
    actor.require(READ, platform_id)
    key = d.person_key(pseudonym_key(session=session, platform_id=platform_id), person_ref)
    return list(session.scalars(select(Consent).where(Consent.platform_id == platform_id,
                                                      Consent.person_key == key)
                                .order_by(Consent.given_at)))


def person_ref_of(*, session: Session, actor: Actor, consent: Consent) -> str | None:
    """Open the sealed person reference of a consent (None once erased)."""
    actor.require(CONSENT_WRITE, consent.platform_id)
    if consent.pd_ref is None:
        return None
    data = outbox.open_personal(session=session, pd_id=consent.pd_ref)
    return None if data is None else str(data.get("person_ref"))


# ----------------------------------------------------------------------- the gate


@dataclass(frozen=True)
class GateAnswer:
    id: str
    decision: d.GateDecision
    decided_at: datetime
    request_ref: str

    def message(self, locale: str = "zh-CN") -> str:
        zh, en = d.REASON_TEXT[self.decision.reason]
        return zh if locale == "zh-CN" else en


def decide(*, session: Session, actor: Actor, platform_id: str, requests: Sequence[DecideIn],
           index: ConsentIndex, now: datetime | None = None) -> list[GateAnswer]:
    """Answer each request (allowed / refused with the reason), keep every decision and queue
    it for the ledger. Bad requests (unknown service, unknown or withdrawn cited consent) are
    refused with a 4xx before anything is written."""
    actor.require(DECIDE, platform_id)
    now = now or utcnow()
    single = len(requests) == 1
    secret = pseudonym_key(session=session, platform_id=platform_id)
    keys = [d.person_key(secret, r.person_ref) for r in requests]
    known, facts = index.snapshot(session, platform_id, keys)
    for i, r in enumerate(requests):
        at = "" if single else f"requests.{i}."
        for j, s in enumerate(r.services):
            if s not in known:
                raise UnknownService(f"unknown service {s!r}; registered: "
                                     f"{', '.join(sorted(known)) or 'none'}",
                                     field=f"{at}services.{j}")
    answers: list[GateAnswer] = []
    rows: list[dict[str, Any]] = []
    items: list[outbox.Item] = []
    for i, (r, key) in enumerate(zip(requests, keys, strict=True)):
        dec = d.decide_merge(facts.get(key, ()), services=r.services, purpose=r.purpose, at=now)
        if r.consent_id is not None:
            _check_cited(facts.get(key, ()), r, dec, field=("" if single else f"requests.{i}.")
                         + "consent_id")
        did = new_id()
        a, b = r.services
        rows.append({"id": did, "platform_id": platform_id, "decided_at": now, "person_key": key,
                     "service_a": a, "service_b": b, "purpose": r.purpose,
                     "outcome": dec.outcome.value, "reason": dec.reason.value,
                     "consent_id": dec.consent_id, "caller": actor.username,
                     "request_ref": r.request_ref})
        items.append(outbox.Item(
            record_class=DECISION_CLASS, at=now, subject=f"consent-decision:{platform_id}:{did}",
            record={"decision_id": did, "platform_id": platform_id, "person_key": key,
                    "services": [a, b], "purpose": r.purpose, "outcome": dec.outcome.value,
                    "reason": dec.reason.value, "consent_id": dec.consent_id,
                    "decided_at": now.isoformat(), "caller": actor.username}))
        answers.append(GateAnswer(did, dec, now, r.request_ref))
    bulk_insert(session, DECISIONS, rows)
    outbox.enqueue_many(session=session, items=items)
    allowed = sum(1 for x in answers if x.decision.allowed)
    record(session=session, actor=actor, action="datagov.consent.decide",
           target_type="consent_decision", target_id=answers[0].id, platform_id=platform_id,
           summary={"decisions": len(answers), "allowed": allowed,
                    "refused": len(answers) - allowed})
    return answers


def _check_cited(facts: Sequence[d.ConsentFact], r: DecideIn, dec: d.GateDecision, *,
                 field: str) -> None:
    """A request that names the consent it relies on: that consent must be this person's,
    cover these services and purpose, and not be withdrawn."""
    cited = next((f for f in facts if f.id == r.consent_id), None)
    if cited is None:
        raise InvalidInput(f"consent {r.consent_id} is not a consent of this person on this "
                           "platform", field=field)
    if cited.withdrawn_at is not None and cited.withdrawn_at <= utcnow():
        raise ConsentWithdrawn(
            f"consent {r.consent_id} was withdrawn at {cited.withdrawn_at.isoformat()}; it cannot "
            "be used again", details={"field": field,
                                      "withdrawn_at": cited.withdrawn_at.isoformat()})
    a, b = r.services
    if not cited.covers_pair(a, b) or cited.purpose != r.purpose:
        raise InvalidInput(f"consent {r.consent_id} does not cover combining {a} and {b} for "
                           f"{r.purpose!r}", field=field)


def decision_log(*, session: Session, actor: Actor, platform_id: str, offset: int, limit: int,
                 outcome: str | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> tuple[list[Decision], int]:
    actor.require(READ, platform_id)
    q = select(Decision).where(Decision.platform_id == platform_id)
    if outcome:
        if outcome not in {o.value for o in d.Outcome}:
            raise InvalidInput("outcome must be allowed or refused", field="outcome")
        q = q.where(Decision.outcome == outcome)
    if since is not None:
        q = q.where(Decision.decided_at >= since)
    if until is not None:
        q = q.where(Decision.decided_at < until)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    rows = list(session.scalars(q.order_by(Decision.decided_at.desc(), Decision.id)
                                .offset(offset).limit(limit)))
    return rows, total


# ----------------------------------------------------------------------- merges without consent


def report_unconsented_merge(*, session: Session, actor: Actor, platform_id: str,
                             data: UnconsentedMergeIn, now: datetime | None = None
                             ) -> UnconsentedMerge:
    """Keep a report that one or more persons' data was combined across two services without
    their consent (指南 第十八条): who found it, how many persons, what was done about it. The
    report is kept as made (append-only) and logged in the ledger; the Art 18 check reads it."""
    actor.require(CONSENT_WRITE, platform_id)
    now = now or utcnow()
    known = _known(session, platform_id)
    for i, svc in enumerate(data.services):
        if svc not in known:
            raise UnknownService(f"unknown service {svc!r}; registered: "
                                 f"{', '.join(sorted(known)) or 'none'}", field=f"services.{i}")
    if data.services[0] == data.services[1]:
        raise InvalidInput("a merge across services names two different services",
                           field="services.1")
    if data.source not in MERGE_SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(MERGE_SOURCES)}", field="source")
    found = data.found_at or now
    if found > now:
        raise InvalidInput("found_at is in the future", field="found_at")
    if data.merged_at is not None and data.merged_at > found:
        raise InvalidInput("merged_at is after found_at", field="merged_at")
    if data.decision_id is not None:
        dec = session.get(Decision, data.decision_id)
        if dec is None or dec.platform_id != platform_id:
            raise InvalidInput(f"no gate decision {data.decision_id} on this platform",
                               field="decision_id")
        if dec.outcome == d.Outcome.ALLOWED.value:
            raise InvalidInput(f"gate decision {data.decision_id} allowed the merge; a merge "
                               "the gate allowed is not one without consent", field="decision_id")
    m = UnconsentedMerge(platform_id=platform_id, found_at=found, merged_at=data.merged_at,
                         services=list(data.services), purpose=data.purpose,
                         persons=data.persons, source=data.source, description=data.description,
                         remediation=data.remediation, decision_id=data.decision_id,
                         reported_by=actor.username)
    session.add(m)
    session.flush()
    outbox.enqueue(session=session, item=outbox.Item(
        record_class=MERGE_CLASS, at=now, subject=f"unconsented-merge:{platform_id}:{m.id}",
        record={"id": m.id, "platform_id": platform_id, "found_at": found.isoformat(),
                "services": list(data.services), "purpose": data.purpose,
                "persons": data.persons, "source": data.source,
                "decision_id": data.decision_id, "reported_by": actor.username}))
    record(session=session, actor=actor, action="datagov.consent.unconsented_merge",
           target_type="unconsented_merge", target_id=m.id, platform_id=platform_id,
           after=row_dict(m), summary={"services": list(data.services), "persons": data.persons,
                                       "source": data.source})
    return m


def unconsented_merges(*, session: Session, actor: Actor, platform_id: str, offset: int,
                       limit: int) -> tuple[list[UnconsentedMerge], int]:
    """The merges reported as done without consent, newest first."""
    actor.require(READ, platform_id)
    q = select(UnconsentedMerge).where(UnconsentedMerge.platform_id == platform_id)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    rows = list(session.scalars(q.order_by(UnconsentedMerge.found_at.desc(), UnconsentedMerge.id)
                                .offset(offset).limit(limit)))
    return rows, total


@dataclass(frozen=True)
class GateUse:
    """What the Art 18 check reads over a period: the gate's decisions and the merges reported
    as done without consent."""

    services: int
    decisions: int
    allowed: int
    refused: int
    unconsented: int
    unconsented_persons: int
    unconsented_ids: list[str]


def gate_use(*, session: Session, platform_id: str, since: datetime, until: datetime) -> GateUse:
    services = int(session.scalar(select(func.count()).select_from(Service)
                                  .where(Service.platform_id == platform_id)) or 0)
    by_outcome: dict[str, int] = dict(session.execute(
        select(Decision.outcome, func.count()).where(
            Decision.platform_id == platform_id, Decision.decided_at >= since,
            Decision.decided_at < until).group_by(Decision.outcome)).all())
    merges = session.execute(select(UnconsentedMerge.id, UnconsentedMerge.persons).where(
        UnconsentedMerge.platform_id == platform_id, UnconsentedMerge.found_at >= since,
        UnconsentedMerge.found_at < until)).all()
    allowed = int(by_outcome.get(d.Outcome.ALLOWED.value, 0))
    refused = int(by_outcome.get(d.Outcome.REFUSED.value, 0))
    return GateUse(services, allowed + refused, allowed, refused, len(merges),
                   sum(int(p) for _, p in merges), [str(i) for i, _ in merges])
