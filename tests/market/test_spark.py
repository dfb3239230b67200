"""The same detector code on Apache Spark (PySpark local mode, Java 17): the same findings,
the same evidence and digests as DuckDB on the same fixture. Spark starts slowly, so this
module shares one session and one tiny dataset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.market.conftest import load
from tests.market.fixtures import EXPECTED, summary
from zeren.market import detectors
from zeren.market.backend import DuckDBBackend, SparkBackend, spark_session


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    s = spark_session("local[1]", app="zeren-market-test")
    yield s
    s.stop()


def _same(a: list[Any]) -> list[Any]:
    return [(f.subject_id, f.score, f.facts, f.evidence_digest, f.explanation_zh) for f in a]


def test_spark_and_duckdb_find_the_same(spark: Any, tmp_path: Path) -> None:
    root = load(tmp_path / "data")
    s = SparkBackend(root, "p1", session=spark)
    d = DuckDBBackend(root, "p1")
    try:
        for name in ("fake_original_price", "brushing_ring"):
            on_spark, on_duck = detectors.run(s, name), detectors.run(d, name)
            assert on_duck and _same(on_spark) == _same(on_duck), name
            if name == "fake_original_price":
                assert summary(on_spark) == EXPECTED
    finally:
        d.close()
