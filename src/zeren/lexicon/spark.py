"""The daily patrol on Apache Spark (PySpark), for platforms whose published items do not fit
one machine's night: the same partition function as the local runner
(``patrol.screen_partition``) runs in ``mapInPandas`` over a snapshot of the platform's items
(Parquet exported from the database through moderation's patrol service), with the matcher
built once per executor process from the lexicon version's terms; the findings come back to
the driver and are written through the same service as the local runner's
(``patrol.record_findings``: new findings open or join moderation cases).

Spark retries a failed task (one partition) alone (``spark.task.maxFailures``); a job that
still fails marks the run ``failed`` with the error. Needs the ``spark`` extra (pyspark,
pandas, pyarrow) and Java 17; see docs/domains/lexicon.md for a cluster."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from zeren.auth.policy import Actor
from zeren.db.base import utcnow
from zeren.lexicon.domain import Action, Severity, Term, format_variants, parse_variants
from zeren.lexicon.engine import Matcher
from zeren.lexicon.models import PatrolRun
from zeren.lexicon.patrol import FindingRow, finish_from_rows, screen_partition
from zeren.moderation.services import patrol as mod

FINDING_SCHEMA = ("subject_id string, kind string, term string, category string, "
                  "severity string, action string, start long, end long, matched string, "
                  "confidence double")
# One matcher per executor process and lexicon version: Python workers are reused between
# tasks (spark.python.worker.reuse, on by default), so this is built once, not per partition.
_MATCHERS: dict[str, Matcher] = {}


def export_snapshot(*, session: Session, platform_id: str, path: Path, partitions: int,
                    batch: int = 50_000) -> int:
    """Write the platform's published items as Parquet (subject_id, kind, text, part), read
    through moderation's patrol service in id order; returns how many."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("subject_id", pa.string()), ("kind", pa.string()),
                        ("text", pa.string()), ("part", pa.int32())])
    n = 0
    after: str | None = None
    with pq.ParquetWriter(str(path), schema) as w:
        while True:
            items = mod.published_after(session=session, platform_id=platform_id, after=after,
                                        limit=batch)
            if not items:
                break
            w.write_table(pa.table({
                "subject_id": [i.subject_id for i in items], "kind": [i.kind for i in items],
                "text": [i.text for i in items],
                "part": [mod.partition_of(i.subject_id, partitions) for i in items]},
                schema=schema))
            n += len(items)
            after = items[-1].subject_id
    return n


def terms_payload(terms: list[Term]) -> str:
    """A lexicon version's terms as JSON, to ship to the executors."""
    return json.dumps([[t.term, t.category, str(t.severity), str(t.action), t.whitelist,
                        format_variants(t.variants), t.ref] for t in terms], ensure_ascii=False)


def _matcher(key: str, payload: str) -> Matcher:
    m = _MATCHERS.get(key)
    if m is None:
        terms = [Term(t, c, Severity(s), Action(a), whitelist=w,
                      variants=parse_variants(v, whitelist=w), ref=r)
                 for t, c, s, a, w, v, r in json.loads(payload)]
        _MATCHERS.clear()
        m = _MATCHERS[key] = Matcher(terms)
    return m


class _Row:
    __slots__ = ("kind", "subject_id", "text")

    def __init__(self, subject_id: str, kind: str, text: str) -> None:
        self.subject_id, self.kind, self.text = subject_id, kind, text


def patrol_frame(frame: Any, *, payload: Any, key: str, partitions: int) -> Any:
    """Findings of a snapshot DataFrame (subject_id, kind, text, part): repartitioned by
    ``part`` and screened with ``mapInPandas``. ``payload`` is a broadcast of
    :func:`terms_payload`."""
    import pandas as pd

    def screen(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        m = _matcher(key, payload.value)
        for pdf in batches:
            items = [_Row(s, k, t) for s, k, t in zip(pdf["subject_id"], pdf["kind"],
                                                      pdf["text"], strict=True)]
            rows = screen_partition(m, items)
            yield pd.DataFrame(rows, columns=list(FindingRow._fields))

    return frame.repartition(partitions, "part").mapInPandas(screen, schema=FINDING_SCHEMA)


def session_for(master: str = "local[2]", app: str = "zeren-patrol") -> Any:
    """A SparkSession (local mode by default; on a cluster pass its master URL, or run under
    spark-submit, which sets it)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # SparkContext replaces the SIGINT handler with one that needs a live context; put the
    # process's own back, so Ctrl-C after spark.stop() is an ordinary KeyboardInterrupt.
    before = signal.getsignal(signal.SIGINT)
    got = (SparkSession.builder.master(master).appName(app)
           .config("spark.ui.enabled", "false")
           .config("spark.sql.execution.arrow.pyspark.enabled", "true")
           .config("spark.sql.shuffle.partitions", "8")
           .getOrCreate())
    if threading.current_thread() is threading.main_thread() and before is not None:
        signal.signal(signal.SIGINT, before)
    return got


def run_on_spark(*, session: Session, spark: Any, actor: Actor, platform_id: str,
                 lexicon_name: str, snapshot: Path, partitions: int,
                 now: datetime | None = None) -> PatrolRun:
    """A patrol run of the platform on Spark over ``snapshot``: the run is recorded like a
    local one (engine ``spark``), its findings written through the same service."""
    from zeren.lexicon import service

    now = now or utcnow()
    lex = service.get_lexicon(session=session, name=lexicon_name)
    run = service.start_patrol(session=session, actor=actor, platform_id=platform_id,
                               name=lexicon_name, now=now, partitions=partitions,
                               engine="spark")
    m, _ = service.run_matcher(session=session, run=run)
    payload = spark.sparkContext.broadcast(terms_payload(list(m.terms)))
    try:
        frame = spark.read.parquet(str(snapshot))
        items = frame.count()
        found = patrol_frame(frame, payload=payload, key=f"{lex.id}@{run.version}",
                             partitions=partitions)
        rows = [FindingRow(r.subject_id, r.kind, r.term, r.category, r.severity, r.action,
                           int(r.start), int(r.end), r.matched, float(r.confidence))
                for r in found.toLocalIterator()]
    except Exception as e:
        run.status = "failed"
        run.error = f"{type(e).__name__}: {e}"[:5000]
        run.finished_at = utcnow()
        session.flush()
        return run
    finish_from_rows(session=session, run=run, lexicon_name=lexicon_name, rows=rows,
                     items_done=items, now=now)
    return run
