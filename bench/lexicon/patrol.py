"""``python -m bench.lexicon.patrol [--subjects N] [--db-subjects M]``: subjects per second of
the daily patrol, default lexicon, in the same run:

* the partition function alone (``patrol.screen_partition``) over a Parquet snapshot, one core;
* Apache Spark local mode (``spark.patrol_frame``: mapInPandas, matcher once per executor)
  over the same snapshot, all cores of this machine;
* the local runner end to end on SQLite (moderation subjects in the database, findings and
  cases written back), on ``M`` subjects.

Subjects are synthetic posts and listings of about 200 characters cut from the benchmark
corpus (bench/lexicon/corpus.py), with UUID4 ids. Prints a table; asserts nothing."""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

USCC = "91330100MA2H000A12"  # the test suite's check-digit-valid code


def _snapshot(path: Path, n: int, partitions: int) -> float:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bench.lexicon.corpus import build
    from zeren.moderation.services.patrol import partition_of

    docs = build().docs
    pieces = [d[i:i + 200] for d in docs[:2000] for i in range(0, 600, 200)]
    schema = pa.schema([("subject_id", pa.string()), ("kind", pa.string()),
                        ("text", pa.string()), ("part", pa.int32())])
    mb = 0.0
    with pq.ParquetWriter(str(path), schema) as w:
        done = 0
        while done < n:
            k = min(200_000, n - done)
            ids = [str(uuid.uuid4()) for _ in range(k)]
            texts = [pieces[(done + j) % len(pieces)] for j in range(k)]
            mb += sum(len(t.encode("utf-8")) for t in texts) / 1e6
            w.write_table(pa.table({
                "subject_id": ids, "kind": [("post", "listing")[j % 2] for j in range(k)],
                "text": texts, "part": [partition_of(i, partitions) for i in ids]},
                schema=schema))
            done += k
    return mb


def local_function(path: Path) -> tuple[float, int]:
    import pyarrow.parquet as pq

    from zeren.lexicon.domain import default_terms
    from zeren.lexicon.engine import Matcher
    from zeren.lexicon.patrol import screen_partition
    from zeren.lexicon.spark import _Row

    m = Matcher(default_terms())
    f = pq.ParquetFile(str(path))
    t = time.perf_counter()
    n = hits = 0
    for b in f.iter_batches(batch_size=50_000, columns=["subject_id", "kind", "text"]):
        cols = b.to_pydict()
        items = [_Row(s, k, x) for s, k, x in zip(cols["subject_id"], cols["kind"],
                                                  cols["text"], strict=True)]
        hits += len(screen_partition(m, items))
        n += len(items)
    return n / (time.perf_counter() - t), hits


def on_spark(path: Path, partitions: int) -> tuple[float, int]:
    from zeren.lexicon import spark
    from zeren.lexicon.domain import default_terms

    s = spark.session_for("local[*]")
    try:
        payload = s.sparkContext.broadcast(spark.terms_payload(default_terms()))
        frame = s.read.parquet(str(path))
        n = frame.count()
        t = time.perf_counter()
        hits = spark.patrol_frame(frame, payload=payload, key="bench",
                                  partitions=partitions).count()
        return n / (time.perf_counter() - t), hits
    finally:
        s.stop()


def local_runner(n: int) -> float:
    import os

    from bench.lexicon.corpus import build
    from zeren.auth.policy import SYSTEM
    from zeren.db.migrate import upgrade
    from zeren.db.session import make_engine, unit_of_work
    from zeren.lexicon import service
    from zeren.lexicon.formats import Document
    from zeren.platforms.service import create_platform

    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{os.path.join(d, 'patrol.db')}"
        upgrade(url)
        engine = make_engine(url)
        docs = build().docs
        with unit_of_work(engine) as s:
            p = create_platform(session=s, actor=SYSTEM, data={
                "code": "bench", "name": "测试商城", "legal_entity": "测试网络科技有限公司",
                "uscc": USCC, "platform_type": "online_sales",
                "contact_email": "c@example.com"})
            pid = p.id
            service.seed_default(session=s, actor=SYSTEM)
            for i in range(0, n, 5000):
                service.submit_items(session=s, actor=SYSTEM, platform_id=pid, items=[
                    Document(f"s{j}", docs[j % len(docs)][:200])
                    for j in range(i, min(n, i + 5000))])
        t = time.perf_counter()
        with unit_of_work(engine) as s:
            run = service.start_patrol(session=s, actor=SYSTEM, platform_id=pid, name="default")
            run_id = run.id
        done = False
        while not done:
            with unit_of_work(engine) as s:  # one unit of work per batch, as the job runner
                from zeren.lexicon.models import PatrolRun

                r = s.get(PatrolRun, run_id)
                assert r is not None
                done = service.patrol_step(session=s, run=r)
        return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.lexicon.patrol")
    ap.add_argument("--subjects", type=int, default=10_000_000)
    ap.add_argument("--db-subjects", type=int, default=20_000)
    ap.add_argument("--partitions", type=int, default=8)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "snapshot.parquet"
        t = time.perf_counter()
        mb = _snapshot(path, a.subjects, a.partitions)
        print(f"snapshot: {a.subjects:,} subjects, {mb:.0f} MB of text, written in "
              f"{time.perf_counter() - t:.0f} s")
        f_rate, f_hits = local_function(path)
        s_rate, s_hits = on_spark(path, a.partitions)
    r_rate = local_runner(a.db_subjects) if a.db_subjects else None
    print()
    print("| path | subjects | subjects/s | hits |")
    print("|---|---:|---:|---:|")
    print(f"| partition function, one process (one core) | {a.subjects:,} | {f_rate:,.0f} "
          f"| {f_hits:,} |")
    print(f"| Apache Spark local mode, local[*] ({a.partitions} partitions) | {a.subjects:,} | "
          f"{s_rate:,.0f} | {s_hits:,} |")
    if r_rate is not None:
        print(f"| local runner on SQLite, end to end (findings and cases written) | "
              f"{a.db_subjects:,} | {r_rate:,.0f} | |")


if __name__ == "__main__":
    main()
