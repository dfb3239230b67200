"""The risk register (风险台账, 指南 第六条): a platform's risks, each of one of Art 6's three
kinds, through the systems of the register, with likelihood, impact and residual risk on the
shipped scale, and the mitigations (防控措施, Art 7) with owners and due dates. Editable by
the platform's side (``assessment.assess``); every change is in the audit trail."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.assessment import domain as d
from zeren.assessment.models import Mitigation, Risk
from zeren.assessment.schemas import MitigationIn, RiskChange, RiskIn
from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import Conflict, InvalidInput, NotFound

ASSESS = "assessment.assess"
READ = "assessment.read"


def _check_systems(field: str, systems: list[str]) -> None:
    known = d.catalogue().systems
    for i, s in enumerate(systems):
        if s not in known:
            raise InvalidInput(f"no system {s!r} in the system register "
                               f"({', '.join(known)})", field=f"{field}[{i}]")


def _check_indicators(field: str, keys: list[str]) -> None:
    known = d.catalogue().indicators
    for i, k in enumerate(keys):
        if k not in known:
            raise InvalidInput(f"no indicator {k!r}", field=f"{field}[{i}]")


def add(*, session: Session, actor: Actor, platform_id: str, data: RiskIn) -> Risk:
    """A risk on the platform's register: a catalogue risk (kind, title and systems filled
    from the catalogue unless given) or the platform's own (kind, title, systems needed)."""
    actor.require(ASSESS, platform_id)
    cat = d.catalogue()
    known = cat.risks.get(data.key)
    kind = data.kind or (known.kind if known else None)
    if kind is None:
        raise InvalidInput(f"{data.key!r} is not in the catalogue: name its kind "
                           f"({', '.join(cat.kinds)})", field="kind")
    if kind not in cat.kinds:
        raise InvalidInput(f"no Art 6 kind {kind!r} ({', '.join(cat.kinds)})", field="kind")
    title = data.title or (known.zh if known else None)
    if title is None:
        raise InvalidInput(f"{data.key!r} is not in the catalogue: give it a title",
                           field="title")
    systems = list(data.systems if data.systems is not None
                   else (known.systems if known else []))
    if not systems:
        raise InvalidInput("a risk runs through at least one system", field="systems")
    _check_systems("systems", systems)
    _check_indicators("indicators", list(data.indicators))
    if session.scalar(select(Risk.id).where(Risk.platform_id == platform_id,
                                            Risk.key == data.key)):
        raise Conflict(f"risk {data.key!r} is already on the register",
                       details={"field": "key"})
    now = utcnow()
    r = Risk(platform_id=platform_id, key=data.key, kind=kind, title=title,
             description=data.description, systems=systems, indicators=list(data.indicators),
             likelihood=data.likelihood, impact=data.impact,
             residual_likelihood=data.residual_likelihood, residual_impact=data.residual_impact,
             owner=data.owner, created_by=actor.username, updated_at=now)
    session.add(r)
    session.flush()
    record(session=session, actor=actor, action="assessment.risk.add", target_type="risk",
           target_id=r.id, platform_id=platform_id, after=row_dict(r),
           summary={"key": r.key, "kind": kind})
    return r


def get(*, session: Session, actor: Actor, risk_id: str) -> Risk:
    r = session.get(Risk, risk_id)
    if r is None:
        raise NotFound(f"no risk {risk_id}", details={"risk_id": risk_id})
    actor.require(READ, r.platform_id)
    return r


def change(*, session: Session, actor: Actor, risk_id: str, data: RiskChange) -> Risk:
    """Edit a register risk (before and after are in the audit trail)."""
    r = get(session=session, actor=actor, risk_id=risk_id)
    actor.require(ASSESS, r.platform_id)
    if data.systems is not None:
        if not data.systems:
            raise InvalidInput("a risk runs through at least one system", field="systems")
        _check_systems("systems", data.systems)
    if data.indicators is not None:
        _check_indicators("indicators", data.indicators)
    before = row_dict(r)
    for name, value in data.model_dump(exclude_none=True).items():
        setattr(r, name, value)
    r.updated_at = utcnow()
    session.flush()
    record(session=session, actor=actor, action="assessment.risk.change", target_type="risk",
           target_id=r.id, platform_id=r.platform_id, before=before, after=row_dict(r),
           summary={"key": r.key, "changed": sorted(data.model_dump(exclude_none=True))})
    return r


def register(*, session: Session, actor: Actor, platform_id: str) -> list[Risk]:
    """The platform's register, by kind and key."""
    actor.require(READ, platform_id)
    return list(session.scalars(select(Risk).where(Risk.platform_id == platform_id)
                                .order_by(Risk.kind, Risk.key)))


def add_mitigation(*, session: Session, actor: Actor, risk_id: str, data: MitigationIn
                   ) -> Mitigation:
    r = get(session=session, actor=actor, risk_id=risk_id)
    actor.require(ASSESS, r.platform_id)
    m = Mitigation(risk_id=r.id, platform_id=r.platform_id, description=data.description,
                   owner=data.owner, due_on=data.due_on, status=data.status,
                   created_by=actor.username)
    session.add(m)
    session.flush()
    record(session=session, actor=actor, action="assessment.mitigation.add",
           target_type="risk", target_id=r.id, platform_id=r.platform_id, after=row_dict(m),
           summary={"owner": m.owner, "due_on": m.due_on.isoformat()})
    return m


def mitigations(*, session: Session, risk_ids: list[str]) -> dict[str, list[Mitigation]]:
    out: dict[str, list[Mitigation]] = {i: [] for i in risk_ids}
    if not risk_ids:
        return out
    for m in session.scalars(select(Mitigation).where(Mitigation.risk_id.in_(risk_ids))
                             .order_by(Mitigation.due_on, Mitigation.id)):
        out[m.risk_id].append(m)
    return out


def seed_catalogue(*, session: Session, actor: Actor, platform_id: str, owner: str
                   ) -> list[Risk]:
    """Put every catalogue risk not yet on the register onto it, at a middling 3 × 3 until
    someone judges it (a starting point, not a judgement)."""
    actor.require(ASSESS, platform_id)
    have = {r.key for r in register(session=session, actor=actor, platform_id=platform_id)}
    return [add(session=session, actor=actor, platform_id=platform_id,
                data=RiskIn(key=k, likelihood=3, impact=3, residual_likelihood=3,
                            residual_impact=3, owner=owner))
            for k in d.catalogue().risks if k not in have]


def catalogue_dict() -> dict[str, object]:
    """The catalogue as data for the API and the console."""
    c = d.catalogue()
    return {
        "kinds": [{"key": k.key, "item": k.item, "obligation": k.obligation, "zh": k.zh,
                   "en": k.en} for k in c.kinds.values()],
        "risks": [{"key": r.key, "kind": r.kind, "zh": r.zh, "en": r.en,
                   "systems": list(r.systems)} for r in c.risks.values()],
        "systems": [{"key": x.key, "zh": x.zh, "en": x.en, "art6": x.art6}
                    for x in c.systems.values()],
        "scale": {"likelihood": {str(k): v for k, v in c.likelihood.items()},
                  "impact": {str(k): v for k, v in c.impact.items()},
                  "levels": [{"key": lv.key, "zh": lv.zh, "max": lv.max} for lv in c.levels],
                  "interval_days": c.interval.days},
        "indicators": [{"key": i.key, "zh": i.zh, "en": i.en, "from": i.source,
                        "required": i.required} for i in c.indicators.values()],
        "sources": c.sources,
    }
