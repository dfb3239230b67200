"""The daily patrol (日常巡查, 指南 Art 13) as a job over partitions of a platform's published
items — moderation's subjects, read through moderation's patrol service, never its tables.

One partition function, :func:`screen_partition`, turns items into finding rows with a matcher;
the local runner (:func:`patrol_step`, driven by the job runner through
``service.run_due_patrols``) and Apache Spark (``spark.py``) both call it, and both write what
it found through :func:`record_findings`: a new finding that asks for review or a block opens
or joins the subject's moderation case (source ``patrol``, with the category's SLA), and the
case's decision is its handling. A partition keeps its own cursor, so a run resumes where it
stopped; a partition that fails is rolled back to its last batch, retried alone on the next
call, and after ``max_attempts`` the run ends ``failed`` naming it — never silently skipped.
Functions never commit: the caller owns the unit of work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.lexicon.domain import ACTION_ZH, Action, categories
from zeren.lexicon.engine import Matcher
from zeren.lexicon.models import Lexicon, PatrolFinding, PatrolPartition, PatrolRun
from zeren.moderation.services import patrol as mod

RANK = {str(Action.FLAG): 0, str(Action.REVIEW): 1, str(Action.BLOCK): 2}


class Item(Protocol):
    @property
    def subject_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...


class FindingRow(NamedTuple):
    """One hit of the partition function: what :func:`record_findings` stores."""

    subject_id: str
    kind: str
    term: str
    category: str
    severity: str
    action: str
    start: int
    end: int
    matched: str
    confidence: float


def screen_partition(matcher: Matcher, items: Iterable[Item], *, batch: int = 512
                     ) -> list[FindingRow]:
    """Screen items (each as its own content kind) and return every hit as a row. Pure: no
    database, so that Spark's executors run it as it is."""
    out: list[FindingRow] = []
    chunk: list[Item] = []

    def run(xs: list[Item]) -> None:
        res = matcher.screen_many([x.text for x in xs], [x.kind for x in xs])
        for x, r in zip(xs, res, strict=True):
            out.extend(FindingRow(x.subject_id, x.kind, h.term, h.category, h.severity,
                                  h.action, h.start, h.end, h.matched, h.confidence)
                       for h in r.hits)

    for it in items:
        chunk.append(it)
        if len(chunk) >= batch:
            run(chunk)
            chunk = []
    if chunk:
        run(chunk)
    return out


def record_findings(*, session: Session, run: PatrolRun, lexicon_name: str,
                    rows: Sequence[FindingRow], now: datetime) -> tuple[int, int]:
    """Store a batch of finding rows of ``run`` (one per subject, term and place; a finding
    seen before is marked seen again) and report the new ones that ask for review or a block
    into moderation, one report per subject, which opens or joins its case. Returns (hits,
    new findings)."""
    if not rows:
        return 0, 0
    subjects = list({r.subject_id for r in rows})
    existing: dict[tuple[str, str, int, int], PatrolFinding] = {}
    for i in range(0, len(subjects), 400):
        for f in session.scalars(select(PatrolFinding).where(
                PatrolFinding.subject_id.in_(subjects[i:i + 400]))):
            assert f.subject_id is not None
            existing[(f.subject_id, f.term, f.start_offset, f.end_offset)] = f
    new: list[PatrolFinding] = []
    for r in rows:
        k = (r.subject_id, r.term, r.start, r.end)
        seen = existing.get(k)
        if seen is not None:
            seen.last_run_id = run.id
            continue
        f = PatrolFinding(platform_id=run.platform_id, subject_id=r.subject_id, kind=r.kind,
                          term=r.term, category=r.category, action=r.action,
                          start_offset=r.start, end_offset=r.end, matched=r.matched,
                          confidence=r.confidence, first_run_id=run.id, last_run_id=run.id,
                          handling="", found_at=now)
        session.add(f)
        existing[k] = f
        new.append(f)
    session.flush()
    by_subject: dict[str, list[PatrolFinding]] = defaultdict(list)
    for f in new:
        if RANK.get(f.action, 0) > 0:
            assert f.subject_id is not None
            by_subject[f.subject_id].append(f)
    if by_subject:
        order = list(by_subject)
        reports = []
        for sid in order:
            fs = by_subject[sid]
            worst = max(fs, key=lambda f: RANK[f.action])
            reports.append(mod.FindingReport(
                subject_id=sid, category=worst.category,
                description="日常巡查命中：" + "；".join(_hit_zh(f) for f in fs),
                reporter_ref=f"lexicon:{lexicon_name}@v{run.version}"))
        case_ids = mod.report_findings(session=session, platform_id=run.platform_id,
                                       items=reports, received_by="system:patrol", now=now)
        for sid, cid in zip(order, case_ids, strict=True):
            for f in by_subject[sid]:
                f.case_id = cid
    return len(rows), len(new)


def start_run(*, session: Session, actor: Actor, platform_id: str, lexicon: Lexicon,
              partitions: int, now: datetime, engine: str = "local") -> PatrolRun:
    """A new run on the lexicon's current version with one row per partition (its size
    counted now, for progress)."""
    totals = [mod.count_published(session=session, platform_id=platform_id, partition=p,
                                  partitions=partitions) for p in range(partitions)]
    run = PatrolRun(platform_id=platform_id, lexicon_id=lexicon.id,
                    version=lexicon.current_version, status="running",
                    started_by=actor.username, items_total=sum(totals), items_done=0,
                    hits_total=0, new_hits=0, started_at=now, partitions=partitions,
                    engine=engine)
    session.add(run)
    session.flush()
    for p, n in enumerate(totals):
        session.add(PatrolPartition(run_id=run.id, part=p, status="pending", items_total=n,
                                    items_done=0, hits=0, new_hits=0, attempts=0))
    session.flush()
    record(session=session, actor=actor, action="lexicon.patrol.start", target_type="patrol_run",
           target_id=run.id, platform_id=platform_id,
           summary={"lexicon": lexicon.name, "version": lexicon.current_version,
                    "items": run.items_total, "partitions": partitions, "engine": engine})
    return run


def partitions_of(*, session: Session, run: PatrolRun) -> list[PatrolPartition]:
    return list(session.scalars(select(PatrolPartition).where(
        PatrolPartition.run_id == run.id).order_by(PatrolPartition.part)))


def patrol_step(*, session: Session, run: PatrolRun, matcher: Matcher, lexicon_name: str,
                batch_size: int, max_attempts: int, now: datetime | None = None) -> bool:
    """Screen the next batch of the run's first unfinished partition; True once every
    partition is done (or failed for good: the run then ends ``failed``). A batch that
    raises is rolled back alone; its partition is marked failed with the error and tried
    again, from its cursor, after the others."""
    if run.status != "running":
        return True
    parts = partitions_of(session=session, run=run)
    todo = [p for p in parts if p.status in ("pending", "running")]
    todo += [p for p in parts if p.status == "failed" and p.attempts < max_attempts]
    if not todo:
        failed = [p for p in parts if p.status == "failed"]
        run.status = "failed" if failed else "finished"
        run.finished_at = utcnow()
        if failed:
            run.error = "; ".join(f"partition {p.part}: {p.error}" for p in failed)[:5000]
        session.flush()
        return True
    part = todo[0]
    now = now or utcnow()
    try:
        with session.begin_nested():
            items = mod.published_after(session=session, platform_id=run.platform_id,
                                        after=part.cursor, limit=batch_size, partition=part.part,
                                        partitions=run.partitions)
            if not items:
                part.status = "done"
                part.finished_at = now
                session.flush()
                return False
            rows = screen_partition(matcher, items)
            hits, new = record_findings(session=session, run=run, lexicon_name=lexicon_name,
                                        rows=rows, now=now)
            part.status = "running"
            part.cursor = items[-1].subject_id
            part.items_done += len(items)
            part.hits += hits
            part.new_hits += new
            run.items_done += len(items)
            run.hits_total += hits
            run.new_hits += new
            session.flush()
    except Exception as e:  # the batch is rolled back; the partition is retried later
        part.status = "failed"
        part.attempts += 1
        part.error = f"{type(e).__name__}: {e}"[:2000]
        session.flush()
    return False


def finish_from_rows(*, session: Session, run: PatrolRun, lexicon_name: str,
                     rows: Sequence[FindingRow], items_done: int, now: datetime) -> None:
    """Close a run whose partitions were screened elsewhere (Spark): store the rows through
    :func:`record_findings` in batches and mark every partition done."""
    hits = new = 0
    for i in range(0, len(rows), 2000):
        h, n = record_findings(session=session, run=run, lexicon_name=lexicon_name,
                               rows=rows[i:i + 2000], now=now)
        hits += h
        new += n
    run.hits_total, run.new_hits, run.items_done = hits, new, items_done
    for p in partitions_of(session=session, run=run):
        p.status = "done"
        p.items_done = p.items_total
        p.finished_at = now
    run.status = "finished"
    run.finished_at = now
    session.flush()


def _hit_zh(f: PatrolFinding) -> str:
    """One hit as the report's description says it: the words found, the term, where, the
    category and what the term asks for."""
    cat = categories().get(f.category)
    action = ACTION_ZH.get(f.action, f.action)  # type: ignore[call-overload]
    return (f"“{f.matched}”（词条“{f.term}”，第 {f.start_offset + 1}–{f.end_offset} 字，"
            f"{cat.name_zh if cat else f.category}，{action}）")
