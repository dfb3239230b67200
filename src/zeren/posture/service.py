"""Use cases for the compliance posture: evaluate every applicable article of a platform,
record attestations with evidence files, and read back evidence snapshots."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import InvalidInput, NotFound
from zeren.exemptions.service import active_exemptions
from zeren.guideline.domain import load_guideline
from zeren.pagination import PageParams, fetch_page
from zeren.platforms.models import Platform
from zeren.platforms.service import applicable, effective_tier
from zeren.posture.domain import Check, CheckContext, CheckResult, Status, worst
from zeren.posture.models import Attestation, EvidenceFile, EvidenceSnapshot
from zeren.posture.plugins import all_checks, checks_for
from zeren.timepolicy import beijing_today

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_VALID_DAYS = 3 * 366


def _attestation_only(article: int) -> Check:
    """Where no module can show an article from data, a dated attestation stands in."""
    def evaluate(_ctx: CheckContext) -> CheckResult:
        return CheckResult(Status.NOT_ASSESSED, "no data check; needs a current attestation",
                           reason_zh="暂无数据检查，需要有效的合规声明")

    a = load_guideline().article(article)
    assert a is not None
    return Check(key=f"art{article}.attestation", article=article, title_zh=f"{a.title_zh}（声明）",
                 title_en=f"{a.title_en} (attestation)", evaluate=evaluate, attestable=True)


def checks_of_article(article: int) -> tuple[Check, ...]:
    return checks_for(article) or (_attestation_only(article),)


def known_check(check_key: str) -> Check:
    for c in all_checks():
        if c.key == check_key:
            return c
    if check_key.startswith("art") and check_key.endswith(".attestation"):
        try:
            n = int(check_key[3:-len(".attestation")])
        except ValueError:
            n = 0
        if 1 <= n <= 35:
            return _attestation_only(n)
    raise InvalidInput(f"unknown check {check_key!r}", field="check_key")


@dataclass
class CheckOutcome:
    check: Check
    result: CheckResult
    snapshot_id: str | None = None


@dataclass
class ArticleTile:
    article: int
    title_zh: str
    title_en: str
    applicable: bool
    status: Status
    outcomes: list[CheckOutcome] = field(default_factory=list)


@dataclass
class Evaluation:
    id: str
    platform_id: str
    tier: str
    evaluated_at: datetime
    tiles: list[ArticleTile]

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for t in self.tiles:
            out[t.status.value] += 1
        return out


def _valid_attestation(session: Session, platform_id: str, check_key: str, now: datetime
                       ) -> Attestation | None:
    return session.scalar(
        select(Attestation).where(
            Attestation.platform_id == platform_id, Attestation.check_key == check_key,
            Attestation.valid_from <= now, Attestation.valid_until >= now)
        .order_by(Attestation.created_at.desc()).limit(1))


def _run(check: Check, ctx: CheckContext, exempted: dict[tuple[int, int | None], str]
         ) -> CheckResult:
    ex = exempted.get((check.article, None)) or (
        exempted.get((check.article, check.item)) if check.item is not None else None)
    if ex is not None:
        return CheckResult(Status.EXEMPTED, "exempted under Art 35 (变通), not met",
                           {}, {"exemption_id": ex}, "依第三十五条变通处理（不视为合规）")
    try:
        result = check.evaluate(ctx)
    except Exception as exc:  # a broken check must not hide the rest of the posture
        result = CheckResult(Status.NOT_ASSESSED, f"check failed: {type(exc).__name__}: {exc}",
                             reason_zh="检查执行失败，已记录原因")
    if result.status == Status.NOT_ASSESSED and check.attestable:
        att = _valid_attestation(ctx.session, ctx.platform_id, check.key, ctx.now)
        if att is not None:
            until = att.valid_until.date().isoformat()
            return CheckResult(
                Status.MET, f"attested until {until}: {att.statement[:120]}",
                {"attested_until": att.valid_until.isoformat()},
                {"attestation_id": att.id}, f"声明有效至 {until}：{att.statement[:120]}")
        expired = ctx.session.scalar(select(func.count()).select_from(Attestation).where(
            Attestation.platform_id == ctx.platform_id, Attestation.check_key == check.key,
            Attestation.valid_until < ctx.now))
        if expired:
            return CheckResult(Status.NOT_ASSESSED, "the last attestation has expired",
                               {"expired_attestations": expired}, {}, "最近一次声明已过期")
    return result


def evaluate(*, session: Session, actor: Actor, platform: Platform, now: datetime | None = None,
             store: bool = True) -> Evaluation:
    """Run every check of every article for ``platform``; keep each result as a snapshot."""
    actor.require("posture.evaluate" if store else "posture.read", platform.id)
    now = now or utcnow()
    g = load_guideline()
    apply = set(applicable(session=session, platform_id=platform.id))
    exempted = {(e.article, e.item): e.id
                for e in active_exemptions(session=session, platform_id=platform.id,
                                           on=beijing_today(now))}
    ctx = CheckContext(session=session, platform_id=platform.id, now=now)
    ev = Evaluation(id=str(uuid.uuid4()), platform_id=platform.id,
                    tier=effective_tier(session=session, platform_id=platform.id),
                    evaluated_at=now, tiles=[])
    for art in g.articles:
        if art.number not in apply:
            ev.tiles.append(ArticleTile(art.number, art.title_zh, art.title_en, False,
                                        Status.NOT_APPLICABLE))
            continue
        outcomes = [CheckOutcome(c, _run(c, ctx, exempted)) for c in checks_of_article(art.number)]
        ev.tiles.append(ArticleTile(art.number, art.title_zh, art.title_en, True,
                                    worst(o.result.status for o in outcomes), outcomes))
    if store:
        for tile in ev.tiles:
            for o in tile.outcomes:
                snap = EvidenceSnapshot(
                    platform_id=platform.id, check_key=o.check.key, article=o.check.article,
                    status=o.result.status.value, reason=o.result.reason,
                    figures=o.result.figures, inputs=o.result.inputs, evaluation_id=ev.id,
                    evaluated_at=now, evaluated_by=actor.user_id)
                session.add(snap)
                session.flush()
                o.snapshot_id = snap.id
        record(session=session, actor=actor, action="posture.evaluate", target_type="evaluation",
               target_id=ev.id, platform_id=platform.id, summary=ev.counts())
    return ev


def latest_evaluation_id(*, session: Session, platform_id: str) -> str | None:
    return session.scalar(
        select(EvidenceSnapshot.evaluation_id).where(EvidenceSnapshot.platform_id == platform_id)
        .order_by(EvidenceSnapshot.evaluated_at.desc()).limit(1))


def _history(platform_id: str, check_key: str) -> Select[Any]:
    return (select(EvidenceSnapshot).where(EvidenceSnapshot.platform_id == platform_id,
                                           EvidenceSnapshot.check_key == check_key)
            .order_by(EvidenceSnapshot.evaluated_at.desc(), EvidenceSnapshot.id))


def history(*, session: Session, platform_id: str, check_key: str, limit: int = 50
            ) -> list[EvidenceSnapshot]:
    return list(session.scalars(_history(platform_id, check_key).limit(limit)))


def history_page(*, session: Session, platform_id: str, check_key: str, page: PageParams
                 ) -> tuple[list[EvidenceSnapshot], int]:
    """A page of a check's evidence snapshots, newest first, and how many there are (all
    of them, not capped)."""
    return fetch_page(session, _history(platform_id, check_key), page)


def snapshot(*, session: Session, snapshot_id: str) -> EvidenceSnapshot:
    s = session.get(EvidenceSnapshot, snapshot_id)
    if s is None:
        raise NotFound(f"no evidence snapshot {snapshot_id}")
    return s


def store_evidence_bytes(data_dir: Path, content: bytes) -> str:
    """Keep ``content`` by its SHA-256 under data_dir/evidence; return the digest."""
    sha = hashlib.sha256(content).hexdigest()
    path = data_dir / "evidence" / sha[:2] / sha
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
    return sha


def evidence_path(data_dir: Path, sha: str) -> Path:
    return data_dir / "evidence" / sha[:2] / sha


def attest(*, session: Session, actor: Actor, platform: Platform, check_key: str, statement: str,
           valid_from: datetime | None, valid_until: datetime,
           files: list[tuple[str, bytes, str]], data_dir: Path) -> Attestation:
    """Record a dated attestation with its evidence files (each kept with its SHA-256)."""
    actor.require("attestation.write", platform.id)
    check = known_check(check_key)
    if not check.attestable:
        raise InvalidInput(f"check {check_key!r} is computed from data and cannot be attested",
                           field="check_key")
    if check.article not in applicable(session=session, platform_id=platform.id):
        raise InvalidInput(f"article {check.article} does not apply to this platform",
                           field="check_key")
    if not 10 <= len(statement.strip()) <= 20_000:
        raise InvalidInput("statement must say what is attested (10 to 20,000 characters)",
                           field="statement")
    now = utcnow()
    start = valid_from or now
    if valid_until <= start:
        raise InvalidInput("valid_until must be after valid_from", field="valid_until")
    if valid_until - start > timedelta(days=MAX_VALID_DAYS):
        raise InvalidInput(f"an attestation may be valid for at most {MAX_VALID_DAYS} days",
                           field="valid_until")
    for name, content, ctype in files:
        if not name or "/" in name or "\\" in name or len(name) > 255:
            raise InvalidInput(f"bad evidence file name {name[:80]!r} (1–255 characters, no "
                               "slashes)", field="files")
        if len(ctype) > 100:
            raise InvalidInput("evidence content type longer than 100 characters", field="files")
        if len(content) > MAX_EVIDENCE_BYTES:
            raise InvalidInput(f"{name} is larger than {MAX_EVIDENCE_BYTES} bytes", field="files")
    att = Attestation(platform_id=platform.id, check_key=check.key, article=check.article,
                      statement=statement.strip(), attested_by=actor.user_id, valid_from=start,
                      valid_until=valid_until)
    session.add(att)
    session.flush()
    for name, content, ctype in files:
        sha = store_evidence_bytes(data_dir, content)
        session.add(EvidenceFile(attestation_id=att.id, filename=name, sha256=sha,
                                 size=len(content), content_type=ctype or "application/octet-stream"))
    session.flush()
    record(session=session, actor=actor, action="attestation.create", target_type="attestation",
           target_id=att.id, platform_id=platform.id, after=row_dict(att),
           summary={"check_key": check.key, "files": [f[0] for f in files]})
    return att


def _attestations(platform_id: str) -> Select[Any]:
    return select(Attestation).where(Attestation.platform_id == platform_id).order_by(
        Attestation.created_at.desc(), Attestation.id)


def attestations(*, session: Session, platform_id: str) -> list[Attestation]:
    return list(session.scalars(_attestations(platform_id)))


def attestations_page(*, session: Session, platform_id: str, page: PageParams
                      ) -> tuple[list[Attestation], int]:
    return fetch_page(session, _attestations(platform_id), page)


def files_of(*, session: Session, attestation_id: str) -> list[EvidenceFile]:
    return list(session.scalars(select(EvidenceFile).where(
        EvidenceFile.attestation_id == attestation_id)))


def evidence_file(*, session: Session, actor: Actor, platform_id: str, file_id: str
                  ) -> EvidenceFile:
    """One evidence file of the platform (attestation.read)."""
    actor.require("attestation.read", platform_id)
    f = session.get(EvidenceFile, file_id)
    att = session.get(Attestation, f.attestation_id) if f else None
    if f is None or att is None or att.platform_id != platform_id:
        raise NotFound(f"no evidence file {file_id} on this platform",
                       details={"field": "file_id"})
    return f


def files_by_attestation(*, session: Session, attestation_ids: Sequence[str]
                         ) -> dict[str, list[EvidenceFile]]:
    """The evidence files of several attestations in one query."""
    out: dict[str, list[EvidenceFile]] = {a: [] for a in attestation_ids}
    if attestation_ids:
        for f in session.scalars(select(EvidenceFile).where(
                EvidenceFile.attestation_id.in_(list(attestation_ids)))
                .order_by(EvidenceFile.attestation_id)):
            out[f.attestation_id].append(f)
    return out


def tile_dict(tile: ArticleTile) -> dict[str, Any]:
    return {
        "article": tile.article, "title_zh": tile.title_zh, "title_en": tile.title_en,
        "applicable": tile.applicable, "status": tile.status.value,
        "checks": [{"key": o.check.key, "title_zh": o.check.title_zh,
                    "title_en": o.check.title_en, "item": o.check.item,
                    "attestable": o.check.attestable, "status": o.result.status.value,
                    "reason": o.result.reason, "reason_zh": o.result.reason_zh,
                    "figures": o.result.figures,
                    "inputs": o.result.inputs, "snapshot_id": o.snapshot_id}
                   for o in tile.outcomes],
    }
