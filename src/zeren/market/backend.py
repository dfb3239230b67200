"""Where the detectors' queries run. A detector is written once as an Ibis expression over
the datasets' tables; a :class:`Backend` gives it those tables and runs it. DuckDB, embedded,
is the default (nothing to start; it reads the day folders of Parquet directly and spills to
disk past its memory limit). Apache Spark (PySpark) runs the same expressions for a platform
whose data outgrows one machine: in local mode here and in CI, on a cluster by its master
URL (ADR 0800). Both sessions run in UTC so that instants and days mean the same."""

from __future__ import annotations

import os
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from zeren.market.domain import Dataset
from zeren.market.store import arrow_schema, dataset_dir, stored_files

ENGINES = ("duckdb", "spark")


def _utc(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)
    return v


def rows_of(t: pa.Table) -> list[dict[str, Any]]:
    """A result as rows, instants as aware UTC datetimes whatever the engine returned."""
    return [{k: _utc(v) for k, v in r.items()} for r in t.to_pylist()]


class Backend:
    """The datasets of one platform as Ibis tables on one engine."""

    name = "base"

    def __init__(self, root: Path, platform_id: str) -> None:
        self.root, self.platform_id = root, platform_id
        self.rows_read: dict[str, int] = {}

    @property
    def con(self) -> Any:
        raise NotImplementedError

    def _read(self, ds: Dataset, files: list[Path]) -> ibis.Table:
        raise NotImplementedError

    def table(self, ds: Dataset) -> ibis.Table:
        """The stored rows of ``ds`` (an empty table of the right columns when none)."""
        files = stored_files(dataset_dir(self.root, self.platform_id, ds.name))
        if not files:
            return self.empty(ds)
        return self._read(ds, files)

    def empty(self, ds: Dataset) -> ibis.Table:
        return self.memtable(arrow_schema(ds).empty_table())

    def memtable(self, data: pa.Table) -> ibis.Table:
        return ibis.memtable(data)

    def execute(self, expr: ibis.Table) -> pa.Table:
        out: pa.Table = self.con.to_pyarrow(expr)
        return out

    def close(self) -> None:
        pass


class DuckDBBackend(Backend):
    name = "duckdb"

    def __init__(self, root: Path, platform_id: str, *, memory_limit: str = "4GB",
                 threads: int | None = None) -> None:
        super().__init__(root, platform_id)
        spill = root / "market" / "_spill"
        spill.mkdir(parents=True, exist_ok=True)
        self._con = ibis.duckdb.connect(threads=threads or (os.cpu_count() or 1),
                                        memory_limit=memory_limit)
        raw = self._con.con
        raw.execute("SET TimeZone='UTC'")
        raw.execute(f"SET temp_directory='{spill.as_posix()}'")
        raw.execute("SET preserve_insertion_order=false")

    @property
    def con(self) -> Any:
        return self._con

    def _read(self, ds: Dataset, files: list[Path]) -> ibis.Table:
        names = ", ".join(f'"{c}"' for c in ds.names)
        listing = "[" + ", ".join("'" + f.as_posix().replace("'", "''") + "'"
                                  for f in files) + "]"
        rel = self._con.sql(f"SELECT {names} FROM read_parquet({listing}, "
                            f"hive_partitioning=false, union_by_name=true)")
        return rel

    def close(self) -> None:
        self._con.disconnect()


class SparkBackend(Backend):
    """The same expressions on a SparkSession (``spark`` extra, Java 17)."""

    name = "spark"

    def __init__(self, root: Path, platform_id: str, *, session: Any) -> None:
        super().__init__(root, platform_id)
        self.session = session
        self._con = ibis.pyspark.connect(session)
        self._n = 0

    @property
    def con(self) -> Any:
        return self._con

    def _read(self, ds: Dataset, files: list[Path]) -> ibis.Table:
        self._n += 1
        frame = self.session.read.parquet(*[f.as_posix() for f in files]).select(*ds.names)
        name = f"zeren_market_{ds.name}_{self._n}"
        frame.createOrReplaceTempView(name)
        return self._con.table(name)

    def execute(self, expr: ibis.Table) -> pa.Table:
        out: pa.Table = self._con.to_pyarrow(expr)
        return out


def spark_session(master: str = "local[2]", app: str = "zeren-market") -> Any:
    """A SparkSession in UTC (local mode by default; on a cluster pass its master URL, or run
    under spark-submit, which sets it)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    before = signal.getsignal(signal.SIGINT)
    got = (SparkSession.builder.master(master).appName(app)
           .config("spark.ui.enabled", "false")
           .config("spark.sql.session.timeZone", "UTC")
           .config("spark.sql.execution.arrow.pyspark.enabled", "true")
           .config("spark.sql.shuffle.partitions", "8")
           .getOrCreate())
    # SparkContext replaces the SIGINT handler with one that needs a live context.
    if threading.current_thread() is threading.main_thread() and before is not None:
        signal.signal(signal.SIGINT, before)
    return got


def open_backend(engine: str, *, root: Path, platform_id: str, spark: Any = None,
                 memory_limit: str = "4GB") -> Backend:
    if engine == "duckdb":
        return DuckDBBackend(root, platform_id, memory_limit=memory_limit)
    if engine == "spark":
        return SparkBackend(root, platform_id, session=spark if spark is not None
                            else spark_session())
    raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
