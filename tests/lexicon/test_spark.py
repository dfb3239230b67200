"""The patrol on Apache Spark (PySpark local mode, Java 17) against the local runner on the
same snapshot: the same findings, written through the same service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tests.conftest import World
from zeren.auth.policy import SYSTEM
from zeren.db.session import unit_of_work
from zeren.lexicon import service, spark
from zeren.lexicon.formats import Document
from zeren.lexicon.models import PatrolFinding

TEXTS = ["出售冰毒，量大从优", "正品行货，全网最佳", "美国扔了原子弹", "好货", "卖qiangzhi",
         "子弹头项链", "盗版光盘", "电子烟", "枪。支付宝到账", "假…币"]


@pytest.fixture(scope="module")
def session_spark() -> Any:
    s = spark.session_for("local[2]")
    yield s
    s.stop()


def _findings(engine: Engine) -> set[tuple[Any, ...]]:
    with unit_of_work(engine) as s:
        return {(f.subject_id, f.term, f.start_offset, f.end_offset, f.action, f.case_id
                 is not None) for f in s.scalars(select(PatrolFinding))}


def test_spark_finds_what_the_local_runner_finds(engine: Engine, world: World, tmp_path: Path,
                                                 session_spark: Any) -> None:
    pid = world.small_id
    with unit_of_work(engine) as s:
        service.seed_default(session=s, actor=SYSTEM)
        service.submit_items(session=s, actor=SYSTEM, platform_id=pid, items=[
            Document(f"i{n}", TEXTS[n % len(TEXTS)], kind=("listing", "post", "ad")[n % 3])
            for n in range(120)])
        snap = tmp_path / "snap.parquet"
        assert spark.export_snapshot(session=s, platform_id=pid, path=snap, partitions=4) == 120
    with unit_of_work(engine) as s:
        run = spark.run_on_spark(session=s, spark=session_spark, actor=SYSTEM, platform_id=pid,
                                 lexicon_name="default", snapshot=snap, partitions=4)
        assert (run.status, run.engine, run.items_done) == ("finished", "spark", 120), run.error
        on_spark = run.hits_total
    got_spark = _findings(engine)
    assert got_spark and on_spark == len(got_spark)
    assert any(case for *_, case in got_spark)  # new block/review findings opened cases

    # the local runner on the same items: the same findings, all seen again, none new
    with unit_of_work(engine) as s:
        local = service.start_patrol(session=s, actor=SYSTEM, platform_id=pid, name="default",
                                     partitions=3)
        while not service.patrol_step(session=s, run=local):
            pass
        assert (local.status, local.items_done, local.hits_total, local.new_hits) == (
            "finished", 120, on_spark, 0)
    assert _findings(engine) == got_spark


def test_a_failing_spark_job_marks_the_run_failed(engine: Engine, world: World, tmp_path: Path,
                                                  session_spark: Any) -> None:
    with unit_of_work(engine) as s:
        service.seed_default(session=s, actor=SYSTEM)
        run = spark.run_on_spark(session=s, spark=session_spark, actor=SYSTEM,
                                 platform_id=world.small_id, lexicon_name="default",
                                 snapshot=tmp_path / "missing.parquet", partitions=2)
        assert run.status == "failed" and run.error
