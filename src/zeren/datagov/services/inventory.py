"""Use cases of the data inventory (指南 第二十六条; 数据安全法 第二十一条): assets classified
by the rules in data, their classification history, lifecycle reviews on a schedule, the
important-data officer from the org registry, trainings and the important-data catalogue."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.datagov import domain as d
from zeren.datagov.errors import out_of_scale
from zeren.datagov.models import Asset, Catalogue, Classification, Review, Training
from zeren.datagov.schemas import AssetIn, CatalogueIn, ReviewIn, TrainingIn
from zeren.db.base import new_id, utcnow
from zeren.errors import InvalidInput, NotFound
from zeren.org.models import Person

READ = "datagov.read"
WRITE = "datagov.write"


def officer_lookup(*, session: Session, platform_id: str) -> dict[str, str | None]:
    """Person id or name → person id for the platform's org registry; a name two people
    share maps to None (ambiguous)."""
    out: dict[str, str | None] = {}
    for pid, name in session.execute(select(Person.id, Person.name)
                                     .where(Person.platform_id == platform_id)):
        out[pid] = pid
        out[name] = None if name in out and out[name] != pid else pid
    return out


def resolve_officer(value: str, lookup: Mapping[str, str | None]) -> str | None:
    if not value:
        return None
    if value not in lookup:
        raise d.OutOfScale(f"{value!r} is not a person of this platform's org registry",
                           "officer")
    pid = lookup[value]
    if pid is None:
        raise d.OutOfScale(f"{value!r} names more than one person; give the person's id",
                           "officer")
    return pid


def asset_values(a: d.AssetInput, c: d.Classification, officer_id: str | None
                 ) -> dict[str, Any]:
    """The column values an asset takes from its input and classification."""
    return {
        "code": a.code, "system": a.system, "dataset": a.dataset, "fields": list(a.fields),
        "personal_info": a.personal_info, "sensitive_personal_info": a.sensitive_personal_info,
        "records": a.records, "persons": a.persons, "location": a.location, "owner": a.owner,
        "officer_person_id": officer_id, "impact_objects": list(a.impact_objects),
        "impact_degree": a.impact_degree, "declared_level": a.declared_level,
        "level": c.level, "rule_id": c.rule_id, "rules_version": c.version,
    }


COMPARED = ("system", "dataset", "fields", "personal_info", "sensitive_personal_info", "records",
            "persons", "location", "owner", "officer_person_id", "impact_objects",
            "impact_degree", "declared_level", "level", "rule_id", "rules_version")


def next_due(*, level: str, now: datetime, current_due: datetime | None,
             last_reviewed: datetime | None) -> datetime:
    """When the next review is due: from the last review (or now) by the level's interval;
    a level raised to a shorter interval brings the date forward, never back."""
    due = d.review_due(level=level, since=last_reviewed or now)
    if current_due is not None and last_reviewed is None:
        due = min(due, d.review_due(level=level, since=now))
    return due


def put_asset(*, session: Session, actor: Actor, platform_id: str, data: AssetIn,
              now: datetime | None = None) -> tuple[Asset, bool]:
    """Create or update the asset with ``data.code``, classify it by the rules and keep the
    classification when it changes; (asset, created)."""
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    try:
        a = d.normalise_asset(data.model_dump())
        officer_id = resolve_officer(a.officer, officer_lookup(session=session,
                                                               platform_id=platform_id))
    except d.OutOfScale as exc:
        raise out_of_scale(exc) from exc
    c = d.classify(a.facts())
    values = asset_values(a, c, officer_id)
    asset = session.scalar(select(Asset).where(Asset.platform_id == platform_id,
                                               Asset.code == a.code))
    created = asset is None
    before = row_dict(asset) if asset is not None else None
    if asset is None:
        asset = Asset(id=new_id(), platform_id=platform_id, classified_at=now, updated_at=now,
                      review_due_at=d.review_due(level=c.level, since=now), **values)
        session.add(asset)
        changed_class = True
    else:
        changed_class = (asset.level, asset.rule_id, asset.rules_version) != (
            c.level, c.rule_id, c.version)
        if changed_class:
            asset.review_due_at = next_due(level=c.level, now=now,
                                           current_due=asset.review_due_at,
                                           last_reviewed=asset.last_reviewed_at)
            asset.classified_at = now
        for k, v in values.items():
            setattr(asset, k, v)
        asset.updated_at = now
    session.flush()
    if changed_class:
        session.add(Classification(asset_id=asset.id, platform_id=platform_id, level=c.level,
                                   rule_id=c.rule_id, matched=list(c.matched),
                                   rules_version=c.version, decided_at=now,
                                   decided_by=actor.username))
    record(session=session, actor=actor,
           action="datagov.asset.create" if created else "datagov.asset.update",
           target_type="data_asset", target_id=asset.id, platform_id=platform_id,
           before=before, after=row_dict(asset),
           summary={"code": a.code, "level": c.level, "rule": c.rule_id})
    return asset, created


def get_asset(*, session: Session, actor: Actor, platform_id: str, code: str) -> Asset:
    actor.require(READ, platform_id)
    asset = session.scalar(select(Asset).where(Asset.platform_id == platform_id,
                                               Asset.code == code))
    if asset is None:
        raise NotFound(f"no data asset {code!r} on this platform", details={"field": "code"})
    return asset


def classification_history(*, session: Session, actor: Actor, platform_id: str, code: str
                           ) -> list[Classification]:
    asset = get_asset(session=session, actor=actor, platform_id=platform_id, code=code)
    return list(session.scalars(select(Classification).where(Classification.asset_id == asset.id)
                                .order_by(Classification.decided_at)))


@dataclass(frozen=True)
class AssetFilter:
    """Filters of the inventory list (all optional; combined with AND)."""

    level: str | None = None
    system: str | None = None
    personal_info: bool | None = None
    sensitive_personal_info: bool | None = None
    review_overdue: bool | None = None
    officer_missing: bool | None = None
    q: str | None = None
    include_retired: bool = False


def _filtered(platform_id: str, f: AssetFilter, now: datetime) -> Any:
    q = select(Asset).where(Asset.platform_id == platform_id)
    if not f.include_retired:
        q = q.where(Asset.retired_at.is_(None))
    if f.level:
        try:
            level = d.scheme().level(f.level, field="level")
        except d.OutOfScale as exc:
            raise out_of_scale(exc) from exc
        q = q.where(Asset.level == level)
    if f.system:
        q = q.where(Asset.system == f.system)
    if f.personal_info is not None:
        q = q.where(Asset.personal_info.is_(f.personal_info))
    if f.sensitive_personal_info is not None:
        q = q.where(Asset.sensitive_personal_info.is_(f.sensitive_personal_info))
    if f.review_overdue is True:
        q = q.where(Asset.review_due_at < now)
    elif f.review_overdue is False:
        q = q.where(Asset.review_due_at >= now)
    if f.officer_missing is True:
        q = q.where(Asset.officer_person_id.is_(None))
    elif f.officer_missing is False:
        q = q.where(Asset.officer_person_id.is_not(None))
    if f.q:
        like = f"%{f.q.replace('%', '').replace('_', '')}%"
        q = q.where(or_(Asset.code.like(like), Asset.dataset.like(like), Asset.system.like(like)))
    return q


def list_assets(*, session: Session, actor: Actor, platform_id: str, filters: AssetFilter,
                offset: int, limit: int, now: datetime | None = None
                ) -> tuple[list[Asset], int, dict[str, int]]:
    """A page of assets, the total and the count per level, under ``filters``."""
    actor.require(READ, platform_id)
    now = now or utcnow()
    q = _filtered(platform_id, filters, now)
    sub = q.subquery()
    counts = {str(lv): int(n) for lv, n in session.execute(
        select(sub.c.level, func.count()).group_by(sub.c.level))}
    total = sum(counts.values())
    rows = list(session.scalars(q.order_by(Asset.code).offset(offset).limit(limit)))
    return rows, total, {lv: counts.get(lv, 0) for lv in d.scheme().levels}


def systems(*, session: Session, actor: Actor, platform_id: str) -> list[str]:
    actor.require(READ, platform_id)
    return [str(s) for s in session.scalars(
        select(Asset.system).where(Asset.platform_id == platform_id).distinct()
        .order_by(Asset.system))]


def review_asset(*, session: Session, actor: Actor, platform_id: str, code: str, data: ReviewIn,
                 now: datetime | None = None) -> Review:
    """Record a lifecycle review of an asset; the next review falls due by its level."""
    asset = get_asset(session=session, actor=actor, platform_id=platform_id, code=code)
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    at = data.reviewed_at or now
    if at > now:
        raise InvalidInput("reviewed_at is in the future", field="reviewed_at")
    before = row_dict(asset)
    rv = Review(platform_id=platform_id, target_type="asset", target_id=asset.id,
                reviewed_at=at, reviewer=actor.username, outcome=data.outcome,
                notes=data.notes, due_at=asset.review_due_at)
    session.add(rv)
    asset.last_reviewed_at = at
    asset.review_due_at = d.review_due(level=asset.level, since=at)
    if data.outcome == "retired":
        asset.retired_at = at
    asset.updated_at = now
    session.flush()
    record(session=session, actor=actor, action="datagov.asset.review", target_type="data_asset",
           target_id=asset.id, platform_id=platform_id, before=before, after=row_dict(asset),
           summary={"code": code, "outcome": data.outcome})
    return rv


def record_training(*, session: Session, actor: Actor, platform_id: str, data: TrainingIn,
                    now: datetime | None = None) -> Training:
    actor.require(WRITE, platform_id)
    now = now or utcnow()
    if data.held_on > d_today(now):
        raise InvalidInput("held_on is in the future", field="held_on")
    t = Training(platform_id=platform_id, held_on=data.held_on, topic=data.topic,
                 audience=data.audience, attendees=data.attendees, recorded_by=actor.username)
    session.add(t)
    session.flush()
    record(session=session, actor=actor, action="datagov.training.record", target_type="training",
           target_id=t.id, platform_id=platform_id, after=row_dict(t),
           summary={"topic": data.topic, "attendees": data.attendees})
    return t


def d_today(now: datetime) -> Any:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo("Asia/Shanghai")).date()


def trainings(*, session: Session, actor: Actor, platform_id: str) -> list[Training]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Training).where(Training.platform_id == platform_id)
                                .order_by(Training.held_on.desc())))


CATALOGUE_COLUMNS = ("code", "system", "dataset", "level", "rule_id", "personal_info",
                     "sensitive_personal_info", "records", "persons", "location", "owner",
                     "officer")


def generate_catalogue(*, session: Session, actor: Actor, platform_id: str, data: CatalogueIn
                       ) -> Catalogue:
    """Snapshot the important-data catalogue (重要数据目录): every current core and important
    asset with its officer, kept with its SHA-256 so a filed copy can be matched."""
    actor.require(WRITE, platform_id)
    ranked = [lv for lv, t in d.scheme().levels.items() if t.rank >= d.scheme().rank("important")]
    names = {pid: name for pid, name in session.execute(
        select(Person.id, Person.name).where(Person.platform_id == platform_id))}
    content: list[dict[str, Any]] = []
    for a in session.scalars(select(Asset).where(Asset.platform_id == platform_id,
                                                 Asset.level.in_(ranked),
                                                 Asset.retired_at.is_(None))
                             .order_by(Asset.code)):
        row = {k: getattr(a, k) for k in CATALOGUE_COLUMNS if k != "officer"}
        row["officer"] = names.get(a.officer_person_id or "", "")
        content.append(row)
    digest = hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True,
                                       separators=(",", ":")).encode()).hexdigest()
    cat = Catalogue(platform_id=platform_id, assets=len(content), sha256=digest,
                    content=content, generated_by=actor.username, filed_with=data.filed_with)
    session.add(cat)
    session.flush()
    record(session=session, actor=actor, action="datagov.catalogue.generate",
           target_type="catalogue", target_id=cat.id, platform_id=platform_id,
           summary={"assets": len(content), "sha256": digest, "filed_with": data.filed_with})
    return cat


def catalogues(*, session: Session, actor: Actor, platform_id: str) -> list[Catalogue]:
    actor.require(READ, platform_id)
    return list(session.scalars(select(Catalogue).where(Catalogue.platform_id == platform_id)
                                .order_by(Catalogue.created_at.desc())))
