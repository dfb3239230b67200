"""Run a detector over a platform's datasets on DuckDB (default) or Spark, and keep what it
found: one run record with the parameters used, and one finding per subject with its
evidence rows and their digest. A subject found again by a later run is not recorded twice
(the run counts it as seen)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_id, utcnow
from zeren.errors import InvalidInput, NotFound
from zeren.ledger import outbox
from zeren.market import detectors, store
from zeren.market.backend import ENGINES, open_backend
from zeren.market.domain import Detector, catalogue, plain_row
from zeren.market.errors import UnknownDetector
from zeren.market.models import Finding, Run
from zeren.market.services import READ, RUN
from zeren.pagination import PageParams, fetch_page

FINDING_CLASS = "market-findings"


def detector(name: str) -> Detector:
    det = catalogue().detectors.get(name)
    if det is None or name not in detectors.DETECTORS:
        known = ", ".join(n for n in catalogue().detectors if n in detectors.DETECTORS)
        raise UnknownDetector(f"no detector {name!r}; known: {known}",
                              details={"field": "detector"})
    return det


def params_of(det: Detector) -> dict[str, Any]:
    return {"version": catalogue().version, "source": det.source,
            "values": {k: p.value for k, p in det.params.items()}}


def run_detector(*, session: Session, actor: Actor, platform_id: str, root: Path, name: str,
                 engine: str = "duckdb", spark: Any = None, memory_limit: str = "4GB",
                 now: datetime | None = None) -> Run:
    """Run detector ``name`` and record the run and its new findings."""
    actor.require(RUN, platform_id)
    det = detector(name)
    if engine not in ENGINES:
        raise InvalidInput(f"engine: use one of {', '.join(ENGINES)}", field="engine")
    started = now or utcnow()
    t0 = time.perf_counter()
    backend = open_backend(engine, root=root, platform_id=platform_id, spark=spark,
                           memory_limit=memory_limit)
    try:
        found = detectors.run(backend, name)
    finally:
        backend.close()
    seconds = time.perf_counter() - t0
    known = set(session.scalars(select(Finding.fingerprint).where(
        Finding.platform_id == platform_id, Finding.detector == name)))
    new = [f for f in found if f.fingerprint not in known]
    run = Run(id=new_id(), platform_id=platform_id, detector=name, engine=engine,
              params=params_of(det),
              rows_in={d: store.count_rows(root, platform_id, d) for d in det.datasets},
              findings_new=len(new), findings_seen=len(found) - len(new),
              started_at=started, run_by=actor.username, seconds=round(seconds, 3))
    session.add(run)
    session.flush()
    rows = [Finding(
        id=new_id(), platform_id=platform_id, run_id=run.id, detector=name,
        article=det.article, subject_type=f.subject_type, subject_id=f.subject_id[:300],
        merchant_id=f.merchant_id, fingerprint=f.fingerprint, score=f.score,
        explanation_zh=f.explanation_zh, explanation_en=f.explanation_en, facts=f.facts,
        evidence=[plain_row(r) for r in f.evidence], evidence_digest=f.evidence_digest)
        for f in new]
    session.add_all(rows)
    session.flush()
    # Each new finding's evidence digest goes to the ledger (after commit, through the outbox)
    outbox.enqueue_many(session=session, items=[outbox.Item(
        record_class=FINDING_CLASS, at=started, subject=f"market:{platform_id}:{r.id}",
        record={"finding_id": r.id, "platform_id": platform_id, "run_id": run.id,
                "detector": name, "article": det.article, "subject": r.subject_id,
                "score": r.score, "evidence_digest": r.evidence_digest,
                "params_version": catalogue().version}) for r in rows])
    record(session=session, actor=actor, action="market.run", target_type="market_run",
           target_id=run.id, platform_id=platform_id,
           summary={"detector": name, "engine": engine, "new": len(new),
                    "seen": len(found) - len(new), "seconds": run.seconds})
    return run


def list_runs(*, session: Session, actor: Actor, platform_id: str, params: PageParams,
              detector_name: str | None = None) -> tuple[list[Run], int]:
    actor.require(READ, platform_id)
    q = select(Run).where(Run.platform_id == platform_id)
    if detector_name:
        q = q.where(Run.detector == detector_name)
    return fetch_page(session, q.order_by(Run.created_at.desc(), Run.id), params)


def list_findings(*, session: Session, actor: Actor, platform_id: str, params: PageParams,
                  detector_name: str | None = None, min_score: float | None = None
                  ) -> tuple[list[Finding], int]:
    """Findings, highest score first."""
    actor.require(READ, platform_id)
    q = select(Finding).where(Finding.platform_id == platform_id)
    if detector_name:
        q = q.where(Finding.detector == detector_name)
    if min_score is not None:
        q = q.where(Finding.score >= min_score)
    return fetch_page(session, q.order_by(Finding.score.desc(), Finding.subject_id), params)


def get_finding(*, session: Session, actor: Actor, platform_id: str, finding_id: str) -> Finding:
    f = session.get(Finding, finding_id)
    if f is None or f.platform_id != platform_id:
        raise NotFound(f"no finding {finding_id} on this platform", details={"field": "id"})
    actor.require(READ, f.platform_id)
    return f
