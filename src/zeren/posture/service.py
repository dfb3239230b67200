"""Use cases for the compliance posture: evaluate every applicable article of a platform,
record attestations with evidence files, and read back evidence snapshots."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from zeren.audit.service import record, row_dict
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.errors import InvalidInput, NotFound
from zeren.exemptions.service import active_exemptions
from zeren.guideline.domain import Obligation, applicable_articles, load_guideline
from zeren.pagination import PageParams, fetch_page
from zeren.platforms.models import Platform
from zeren.platforms.service import applicable, current_tier
from zeren.posture.domain import (
    NO_DATA,
    Check,
    CheckContext,
    CheckResult,
    Evidence,
    OpenFinding,
    Status,
    worst,
)
from zeren.posture.models import Attestation, EvidenceFile, EvidenceSnapshot
from zeren.posture.plugins import checks_by_obligation, open_findings
from zeren.timepolicy import beijing_today

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_VALID_DAYS = 3 * 366
# Articles only a known tier can decide (Art 35): super-large platforms carry Art 1–9, and
# whether a platform is super-large is unknown until its tier test is recorded.
TIER_DECIDED = frozenset([*range(1, 10), 35])
UNKNOWN_TIER = "unknown"


def attestable(obligation: Obligation) -> bool:
    """An attestation may stand for an obligation no data check reads, or one whose data
    says it allows attestations too (``also_attestable``)."""
    return obligation.also_attestable or obligation.key not in checks_by_obligation()


def known_obligation(key: str) -> Obligation:
    o = load_guideline().obligation(key)
    if o is None:
        raise InvalidInput(f"unknown obligation {key!r} (see GET /api/v1/guideline/articles/"
                           "{number}: obligations)", field="obligation_key")
    return o


@dataclass
class CheckOutcome:
    """One data check as it ran."""

    check: Check
    result: CheckResult


@dataclass
class ObligationOutcome:
    """Where one obligation stands, and from what evidence."""

    obligation: Obligation
    status: Status
    evidence: Evidence
    reason: str
    reason_zh: str
    attestable: bool
    checks: list[CheckOutcome] = field(default_factory=list)
    attestation_id: str | None = None
    attested_until: datetime | None = None
    exemption_id: str | None = None
    snapshot_id: str | None = None

    @property
    def kind(self) -> str:
        """The count this obligation falls in: met_data / met_attested / exempted / status."""
        if self.status == Status.MET:
            return "met_attested" if self.evidence == Evidence.ATTESTED else "met_data"
        return self.status.value

    def period(self) -> dict[str, str | None] | None:
        periods = [o.result.period_dict() for o in self.checks if o.result.period]
        if self.evidence == Evidence.DATA and periods:
            return periods[0]
        return None

    def seen(self) -> int:
        return sum(o.result.seen for o in self.checks) if self.evidence == Evidence.DATA else 0


@dataclass
class ArticleTile:
    article: int
    title_zh: str
    title_en: str
    applicable: bool
    status: Status
    obligations: list[ObligationOutcome] = field(default_factory=list)
    note: str = ""

    @property
    def outcomes(self) -> list[CheckOutcome]:
        """The data checks run for this article (each once)."""
        out: dict[str, CheckOutcome] = {}
        for ob in self.obligations:
            for c in ob.checks:
                out.setdefault(c.check.key, c)
        return list(out.values())


COUNT_KEYS = ("met_data", "met_attested", "at_risk", "unmet", "exempted", "not_assessed",
              "not_applicable")


@dataclass
class Evaluation:
    id: str
    platform_id: str
    tier: str
    evaluated_at: datetime
    tiles: list[ArticleTile]

    @property
    def tier_known(self) -> bool:
        return self.tier != UNKNOWN_TIER

    def counts(self) -> dict[str, int]:
        """Articles by status, a met article counted as ``met_attested`` when any of its
        obligations is met only by an attestation, else ``met_data``."""
        out = dict.fromkeys(COUNT_KEYS, 0)
        for t in self.tiles:
            if t.status == Status.MET:
                attested = any(o.evidence == Evidence.ATTESTED for o in t.obligations)
                out["met_attested" if attested else "met_data"] += 1
            else:
                out[t.status.value] += 1
        return out

    def obligation_counts(self) -> dict[str, int]:
        out = dict.fromkeys(COUNT_KEYS, 0)
        for t in self.tiles:
            for o in t.obligations:
                out[o.kind] += 1
        return out


@dataclass(frozen=True)
class _Att:
    id: str
    statement: str
    valid_from: datetime
    valid_until: datetime
    created_at: datetime


def _attestations_by_key(session: Session, platform_id: str) -> dict[str, list[_Att]]:
    """Every attestation of the platform, newest first, by obligation key: one query for
    the whole evaluation."""
    out: dict[str, list[_Att]] = {}
    for r in session.execute(
            select(Attestation.check_key, Attestation.id, Attestation.statement,
                   Attestation.valid_from, Attestation.valid_until, Attestation.created_at)
            .where(Attestation.platform_id == platform_id)
            .order_by(Attestation.created_at.desc())):
        out.setdefault(r[0], []).append(_Att(r[1], r[2], r[3], r[4], r[5]))
    return out


def _run_check(check: Check, ctx: CheckContext) -> CheckResult:
    try:
        return check.evaluate(ctx)
    except Exception as exc:  # a broken check must not hide the rest of the posture
        return CheckResult(Status.NOT_ASSESSED, f"check failed: {type(exc).__name__}: {exc}",
                           reason_zh="检查执行失败，已记录原因")


def _obligation(ob: Obligation, ctx: CheckContext, ran: dict[str, CheckOutcome],
                exempted: dict[tuple[int, int | None], str],
                atts: dict[str, list[_Att]]) -> ObligationOutcome:
    can_attest = attestable(ob)
    ex = exempted.get((ob.article, None)) or (
        exempted.get((ob.article, ob.item)) if ob.item is not None else None)
    if ex is not None:
        return ObligationOutcome(ob, Status.EXEMPTED, Evidence.EXEMPTED,
                                 "exempted under Art 35 (变通), not met",
                                 "依第三十五条变通处理（不视为合规）", can_attest, exemption_id=ex)
    outs: list[CheckOutcome] = []
    for check in checks_by_obligation().get(ob.key, ()):
        if check.key not in ran:
            ran[check.key] = CheckOutcome(check, _run_check(check, ctx))
        outs.append(ran[check.key])
    if outs:
        status = worst(o.result.status for o in outs)
        if status != Status.NOT_ASSESSED or not can_attest:
            shown = [o for o in outs if o.result.status == status]
            return ObligationOutcome(
                ob, status, Evidence.DATA if status != Status.NOT_ASSESSED else Evidence.NONE,
                "; ".join(o.result.reason for o in shown),
                "；".join(o.result.reason_zh or o.result.reason for o in shown),
                can_attest, outs)
    mine = atts.get(ob.key, [])
    att = next((a for a in mine if a.valid_from <= ctx.now <= a.valid_until), None)
    if att is not None:
        until = att.valid_until.date().isoformat()
        return ObligationOutcome(ob, Status.MET, Evidence.ATTESTED,
                                 f"attested until {until}: {att.statement[:120]}",
                                 f"声明有效至 {until}：{att.statement[:120]}", can_attest, outs,
                                 attestation_id=att.id, attested_until=att.valid_until)
    if any(a.valid_until < ctx.now for a in mine):
        return ObligationOutcome(ob, Status.NOT_ASSESSED, Evidence.NONE,
                                 "the last attestation has expired", "最近一次声明已过期",
                                 can_attest, outs)
    if outs:
        return ObligationOutcome(
            ob, Status.NOT_ASSESSED, Evidence.NONE,
            "; ".join(o.result.reason for o in outs) + "; or a current attestation",
            "；".join(o.result.reason_zh or o.result.reason for o in outs) + "；或有效的合规声明",
            can_attest, outs)
    return ObligationOutcome(ob, Status.NOT_ASSESSED, Evidence.NONE,
                             NO_DATA + "no module reads this duty from data; needs a current "
                             "attestation", "无数据：暂无数据检查，需要有效的合规声明", can_attest)


def _weigh(o: ObligationOutcome, found: Sequence[OpenFinding]) -> ObligationOutcome:
    """Lower an obligation to the status of the open findings against it (never raise it); an
    exempted obligation stays exempted."""
    if not found or o.status in (Status.EXEMPTED, Status.NOT_APPLICABLE):
        return o
    status = worst([o.status, *(f.status for f in found)])
    if status == o.status and o.status != Status.MET:
        o.reason = "; ".join([*(f.reason for f in found), o.reason])
        o.reason_zh = "；".join([*(f.reason_zh for f in found), o.reason_zh])
        return o
    o.status, o.evidence = status, Evidence.DATA
    o.reason = "; ".join([*(f.reason for f in found), o.reason])
    o.reason_zh = "；".join([*(f.reason_zh for f in found), o.reason_zh])
    return o


def evaluate(*, session: Session, actor: Actor, platform: Platform, now: datetime | None = None,
             store: bool = True) -> Evaluation:
    """Evaluate every obligation of every article for ``platform``; with ``store``, keep one
    evidence snapshot per obligation."""
    actor.require("posture.evaluate" if store else "posture.read", platform.id)
    now = now or utcnow()
    g = load_guideline()
    assessed = current_tier(session=session, platform_id=platform.id)
    tier = assessed.tier if assessed is not None else UNKNOWN_TIER
    apply = set(applicable_articles("super_large" if tier == "super_large" else "ordinary"))
    exempted = {(e.article, e.item): e.id
                for e in active_exemptions(session=session, platform_id=platform.id,
                                           on=beijing_today(now))}
    ctx = CheckContext(session=session, platform_id=platform.id, now=now)
    ev = Evaluation(id=str(uuid.uuid4()), platform_id=platform.id, tier=tier, evaluated_at=now,
                    tiles=[])
    ran: dict[str, CheckOutcome] = {}
    findings = open_findings(session=session, platform_id=platform.id, now=now)
    atts = _attestations_by_key(session, platform.id)
    for art in g.articles:
        if tier == UNKNOWN_TIER and art.number in TIER_DECIDED:
            obs = [ObligationOutcome(
                o, Status.NOT_ASSESSED, Evidence.NONE,
                "tier unknown: no tier test recorded; record the platform's yearly figures "
                "and run the tier test", "平台分级未知：尚未进行分级认定，请登记年度数据并认定",
                attestable(o)) for o in g.obligations_of(art.number)]
            ev.tiles.append(ArticleTile(art.number, art.title_zh, art.title_en, True,
                                        Status.NOT_ASSESSED, obs, note="tier_unknown"))
            continue
        if art.number not in apply:
            ev.tiles.append(ArticleTile(art.number, art.title_zh, art.title_en, False,
                                        Status.NOT_APPLICABLE))
            continue
        obs = [_weigh(_obligation(o, ctx, ran, exempted, atts), findings.get(o.key, ()))
               for o in g.obligations_of(art.number)]
        ev.tiles.append(ArticleTile(art.number, art.title_zh, art.title_en, True,
                                    worst(o.status for o in obs), obs))
    if store:
        for tile in ev.tiles:
            for o in tile.obligations:
                snap = EvidenceSnapshot(
                    platform_id=platform.id, check_key=o.obligation.key, article=tile.article,
                    status=o.status.value, reason=o.reason,
                    figures={c.check.key: c.result.figures for c in o.checks},
                    inputs=_snapshot_inputs(o), evaluation_id=ev.id, evaluated_at=now,
                    evaluated_by=actor.user_id)
                session.add(snap)
                session.flush()
                o.snapshot_id = snap.id
        digest = _log_evaluation(session=session, ev=ev, platform_id=platform.id)
        record(session=session, actor=actor, action="posture.evaluate", target_type="evaluation",
               target_id=ev.id, platform_id=platform.id,
               summary={"tier": tier, "articles": ev.counts(),
                        "obligations": ev.obligation_counts(), "digest": digest})
    return ev


# --- evidence digests in the ledger (ADR 0031) ------------------------------------------

EVIDENCE_CLASS = "evidence"


def evidence_subject(platform_id: str, evaluation_id: str) -> str:
    return f"evidence:{platform_id}:{evaluation_id}"


def snapshot_digest(snap: EvidenceSnapshot) -> str:
    """SHA-256 of a snapshot's canonical JSON (every field an auditor reads)."""
    body = {"id": snap.id, "platform_id": snap.platform_id, "key": snap.check_key,
            "article": snap.article, "status": snap.status, "reason": snap.reason,
            "figures": snap.figures, "inputs": snap.inputs,
            "evaluation_id": snap.evaluation_id,
            "evaluated_at": snap.evaluated_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "evaluated_by": snap.evaluated_by}
    raw = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                     default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def _evaluation_digest(pairs: Sequence[tuple[str, str]]) -> str:
    return hashlib.sha256("\n".join(f"{i}:{d}" for i, d in sorted(pairs)).encode()).hexdigest()


def _log_evaluation(*, session: Session, ev: Evaluation, platform_id: str) -> str:
    """Append the digests of the evaluation's snapshots to the ledger (log ``evidence``)
    through the shared outbox, in the evaluation's own transaction."""
    from zeren.ledger.outbox import Item, enqueue

    snaps = [o.snapshot_id for t in ev.tiles for o in t.obligations if o.snapshot_id]
    rows = session.scalars(select(EvidenceSnapshot).where(EvidenceSnapshot.id.in_(snaps)))
    pairs = [(s.id, snapshot_digest(s)) for s in rows]
    digest = _evaluation_digest(pairs)
    enqueue(session=session, item=Item(
        record_class=EVIDENCE_CLASS, subject=evidence_subject(platform_id, ev.id),
        at=ev.evaluated_at,
        record={"evaluation_id": ev.id, "platform_id": platform_id, "tier": ev.tier,
                "evaluated_at": ev.evaluated_at.isoformat(), "digest": digest,
                "snapshots": [[i, d] for i, d in sorted(pairs)]}))
    return digest


@dataclass
class EvidenceCheck:
    """One stored evaluation compared with what the ledger holds for it."""

    evaluation_id: str
    evaluated_at: datetime
    snapshots: int
    outcome: str  # verified | changed | pending | missing
    log: str | None = None
    index: int | None = None
    changed: list[str] = field(default_factory=list)


def verify_evidence(*, session: Session, actor: Actor, platform_id: str,
                    evaluation_id: str | None = None, limit: int = 50) -> list[EvidenceCheck]:
    """Recompute each stored snapshot's digest and compare it with the ledger's entry for
    its evaluation (whose inclusion under a signed checkpoint is verified first). An
    evaluation still in the outbox is ``pending``; one the ledger lacks is ``missing``."""
    from zeren.ledger import store
    from zeren.ledger.outbox import OutboxRow
    from zeren.ledger.service import entry_json
    from zeren.ledger.verify import VerificationError, open_checkpoint, verify_inclusion
    from zeren.ledger.verify import leaf_hash as ledger_leaf

    actor.require("posture.read", platform_id)
    q = (select(EvidenceSnapshot.evaluation_id, func.max(EvidenceSnapshot.evaluated_at))
         .where(EvidenceSnapshot.platform_id == platform_id)
         .group_by(EvidenceSnapshot.evaluation_id)
         .order_by(func.max(EvidenceSnapshot.evaluated_at).desc()).limit(limit))
    if evaluation_id is not None:
        q = q.where(EvidenceSnapshot.evaluation_id == evaluation_id)
    found = session.execute(q).all()
    if evaluation_id is not None and not found:
        raise NotFound(f"no stored evaluation {evaluation_id} of this platform",
                       details={"field": "evaluation_id"})
    out: list[EvidenceCheck] = []
    for eid, at in found:
        snaps = list(session.scalars(select(EvidenceSnapshot).where(
            EvidenceSnapshot.evaluation_id == eid, EvidenceSnapshot.platform_id == platform_id)))
        check = EvidenceCheck(eid, at, len(snaps), "missing")
        subject = evidence_subject(platform_id, eid)
        places = store.find_subject(session=session, subject=subject)
        if not places:
            waiting = session.scalar(select(func.count()).select_from(OutboxRow).where(
                OutboxRow.subject == subject, OutboxRow.logged_at.is_(None)))
            check.outcome = "pending" if waiting else "missing"
            out.append(check)
            continue
        info, idx = places[0]
        check.log, check.index = info.name, idx
        proof = store.inclusion(session=session, log=info, index=idx)
        try:
            cp = open_checkpoint(proof.checkpoint, [store.verifier(info)])
            verify_inclusion(leaf=ledger_leaf(proof.entry), index=idx, size=cp.size,
                             proof=list(proof.proof), root=cp.root_hash)
        except VerificationError:
            check.outcome = "changed"
            check.changed = ["<ledger entry does not verify>"]
            out.append(check)
            continue
        logged = {i: d for i, d in entry_json(proof.entry).get("snapshots", [])}
        now_digests = {s.id: snapshot_digest(s) for s in snaps}
        check.changed = sorted(i for i in set(logged) | set(now_digests)
                               if logged.get(i) != now_digests.get(i))
        check.outcome = "changed" if check.changed else "verified"
        out.append(check)
    return out


def _snapshot_inputs(o: ObligationOutcome) -> dict[str, Any]:
    return {"evidence": o.evidence.value, "reason_zh": o.reason_zh,
            "attestation_id": o.attestation_id,
            "exemption_id": o.exemption_id, "period": o.period(), "seen": o.seen(),
            "checks": [{"key": c.check.key, "version": c.check.version,
                        "status": c.result.status.value, "reason": c.result.reason,
                        "reason_zh": c.result.reason_zh, "seen": c.result.seen, "scope": c.result.scope,
                        "period": c.result.period_dict(), "inputs": c.result.inputs}
                       for c in o.checks]}


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


def attest(*, session: Session, actor: Actor, platform: Platform, obligation_key: str,
           statement: str,
           valid_from: datetime | None, valid_until: datetime,
           files: list[tuple[str, bytes, str]], data_dir: Path) -> Attestation:
    """Record a dated attestation with its evidence files (each kept with its SHA-256)."""
    actor.require("attestation.write", platform.id)
    ob = known_obligation(obligation_key)
    if not attestable(ob):
        raise InvalidInput(f"obligation {ob.key!r} is read from data by "
                           f"{', '.join(c.key for c in checks_by_obligation()[ob.key])} and "
                           "does not take attestations", field="obligation_key")
    if ob.article not in applicable(session=session, platform_id=platform.id):
        raise InvalidInput(f"article {ob.article} does not apply to this platform",
                           field="obligation_key")
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
    att = Attestation(platform_id=platform.id, check_key=ob.key, article=ob.article,
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
           summary={"obligation_key": ob.key, "files": [f[0] for f in files]})
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


def obligation_dict(o: ObligationOutcome) -> dict[str, Any]:
    return {
        "key": o.obligation.key, "item": o.obligation.item,
        "title_zh": o.obligation.title_zh, "title_en": o.obligation.title_en,
        "status": o.status.value, "evidence": o.evidence.value, "kind": o.kind,
        "reason": o.reason, "reason_zh": o.reason_zh, "attestable": o.attestable,
        "period": o.period(), "seen": o.seen(),
        "attestation_id": o.attestation_id,
        "attested_until": o.attested_until.isoformat() if o.attested_until else None,
        "exemption_id": o.exemption_id, "snapshot_id": o.snapshot_id,
        "checks": [c.check.key for c in o.checks],
    }


def check_dict(c: CheckOutcome) -> dict[str, Any]:
    r = c.result
    return {"key": c.check.key, "version": c.check.version, "title_zh": c.check.title_zh,
            "title_en": c.check.title_en, "obligations": list(c.check.obligations),
            "status": r.status.value, "reason": r.reason, "reason_zh": r.reason_zh,
            "seen": r.seen, "period": r.period_dict(), "scope": r.scope,
            "figures": r.figures, "inputs": r.inputs}


def tile_dict(tile: ArticleTile) -> dict[str, Any]:
    return {
        "article": tile.article, "title_zh": tile.title_zh, "title_en": tile.title_en,
        "applicable": tile.applicable, "status": tile.status.value, "note": tile.note,
        "obligations": [obligation_dict(o) for o in tile.obligations],
        "checks": [check_dict(c) for c in tile.outcomes],
    }
