"""The analytics store: datasets kept as Parquet under the data folder, partitioned by the
Beijing day of each row's time (``<data_dir>/market/<platform>/<dataset>/day=YYYY-MM-DD/``).

A file (Parquet, CSV or JSON Lines) or an API batch is read in slices of ``BATCH_ROWS`` rows
(a file larger than memory streams through), every value is checked against the dataset's
columns (missing columns and values, types, numbers below their minimum, instants without a
time zone) and written to a staging folder; the keys are then checked for duplicates inside
the batch and against what is stored (by DuckDB over the staged files, so this spills to disk
rather than filling memory). Only when every row passed are the staged rows rewritten into
the day folders, file by file with renames; a batch with any bad row writes nothing and the
error names the row and the column. No database here: the service records the batch."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from zeren.market.domain import BEIJING_OFFSET, DAY_COLUMN, Column, Dataset

BATCH_ROWS = 65_536
MAX_ERRORS = 50
ROW = "_row"
FORMATS = ("parquet", "csv", "jsonl")

_FLOAT = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
_INT_RE = r"^\s*[+-]?\d+\s*$"
_ZONED = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)$"
_ZONELESS = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
_TRUE = ("true", "1", "yes", "t", "y")
_FALSE = ("false", "0", "no", "f", "n")
TS = pa.timestamp("us", tz="UTC")
ARROW_TYPES: dict[str, pa.DataType] = {"string": pa.string(), "int": pa.int64(),
                                       "float": pa.float64(), "bool": pa.bool_(),
                                       "timestamp": TS}


@dataclass
class RowError:
    row: int | None
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


class BadBatch(Exception):
    """Rows that failed; nothing was written."""

    def __init__(self, source: str, errors: list[RowError], count: int) -> None:
        errors = sorted(errors, key=lambda e: (e.row if e.row is not None else -1, e.field))
        self.source, self.errors, self.count = source, errors, count
        first = errors[0]
        where = f"row {first.row}, " if first.row is not None else ""
        super().__init__(f"{source}: {count} error(s); nothing was stored. First: {where}"
                         f"{first.field}: {first.reason}")


@dataclass
class Stored:
    """What a batch added: rows, the files written (relative to the dataset folder), the
    days they fall on, and columns of the source the dataset does not know (ignored)."""

    rows: int
    files: list[str]
    days: list[str]
    sha256: str
    ignored_columns: list[str] = field(default_factory=list)


def dataset_dir(root: Path, platform_id: str, dataset: str) -> Path:
    return root / "market" / platform_id / dataset


def stored_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{DAY_COLUMN}=*/*.parquet"))


def arrow_schema(ds: Dataset, *, day: bool = False, row: bool = False) -> pa.Schema:
    fields = [pa.field(c.name, ARROW_TYPES[c.type], nullable=True) for c in ds.columns]
    if day:
        fields.append(pa.field(DAY_COLUMN, pa.string()))
    if row:
        fields.append(pa.field(ROW, pa.int64()))
    return pa.schema(fields)


# ----------------------------------------------------------------------- reading sources


def detect_format(name: str) -> str:
    low = name.lower()
    if low.endswith((".parquet", ".pq")):
        return "parquet"
    if low.endswith((".csv", ".csv.txt")):
        return "csv"
    if low.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise ValueError(f"{name}: unknown file type; use .parquet, .csv or .jsonl")


@dataclass
class Source:
    """A source opened for reading: its column names and slices of rows, each with the row
    number of its first row (CSV and JSON Lines: the line number, the CSV header is line 1;
    Parquet: the record number from 1; an API batch: the index in ``rows`` from 0)."""

    name: str
    columns: list[str]
    batches: Iterable[tuple[int, pa.Table]]
    header_row: int | None


def open_parquet(path: Path, name: str) -> Source:
    try:
        f = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises its own error types
        raise ValueError(f"{name}: not a readable Parquet file ({exc})") from exc

    def gen() -> Iterator[tuple[int, pa.Table]]:
        start = 1
        for b in f.iter_batches(batch_size=BATCH_ROWS):
            yield start, pa.Table.from_batches([b])
            start += b.num_rows

    return Source(name, list(f.schema_arrow.names), gen(), None)


def open_csv(path: Path, name: str) -> Source:
    import pyarrow.csv as pcsv

    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise ValueError(f"{name}: the file is empty")
    header = [h.strip() for h in header]
    reader = pcsv.open_csv(
        path, read_options=pcsv.ReadOptions(column_names=header, skip_rows=1,
                                            block_size=1 << 22, encoding="utf8"),
        convert_options=pcsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                            strings_can_be_null=True))

    def gen() -> Iterator[tuple[int, pa.Table]]:
        start = 2
        for b in reader:
            yield start, pa.Table.from_batches([b])
            start += b.num_rows

    return Source(name, header, gen(), 1)


def _stringify(v: Any) -> Any:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)


def _records_table(records: list[dict[str, Any]], names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([_stringify(r.get(n)) for r in records], pa.string())
                     for n in names})


def open_records(records: list[dict[str, Any]], name: str, ds: Dataset, *,
                 first_row: int = 0) -> Source:
    """An API batch: a list of JSON objects."""
    cols = sorted({k for r in records for k in r} | set(ds.names))

    def gen() -> Iterator[tuple[int, pa.Table]]:
        for i in range(0, len(records), BATCH_ROWS):
            yield first_row + i, _records_table(records[i:i + BATCH_ROWS], cols)

    return Source(name, cols, gen(), None)


class _LineError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


def open_jsonl(path: Path, name: str, ds: Dataset) -> Source:
    seen: set[str] = set(ds.names)

    def gen() -> Iterator[tuple[int, pa.Table]]:
        chunk: list[dict[str, Any]] = []
        start = 1
        with path.open("r", encoding="utf-8-sig") as fh:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _LineError(line_no, f"not JSON ({exc.msg})") from exc
                if not isinstance(obj, dict):
                    raise _LineError(line_no, "a line must be one JSON object")
                obj[ROW] = line_no
                seen.update(obj)
                chunk.append(obj)
                if len(chunk) >= BATCH_ROWS:
                    yield start, _jsonl_table(chunk, ds)
                    chunk, start = [], line_no + 1
        if chunk:
            yield start, _jsonl_table(chunk, ds)

    src = Source(name, list(ds.names), gen(), None)
    src.columns = list(ds.names)
    return src


def _jsonl_table(chunk: list[dict[str, Any]], ds: Dataset) -> pa.Table:
    t = _records_table(chunk, list(ds.names))
    return t.append_column(ROW, pa.array([r[ROW] for r in chunk], pa.int64()))


# ----------------------------------------------------------------------- checking values


def _mask_rows(mask: pa.Array, rows: pa.Array, limit: int) -> list[int]:
    idx = pc.indices_nonzero(pc.fill_null(mask, False))
    return [int(rows[int(i)].as_py()) for i in idx[:limit].to_pylist()] if limit > 0 else []


def _count(mask: pa.Array) -> int:
    return int(pc.sum(pc.fill_null(mask, False).cast(pa.int64())).as_py() or 0)


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[RowError] = []
        self.count = 0

    def flag(self, mask: pa.Array, rows: pa.Array, col: str, reason: str) -> None:
        n = _count(mask)
        if not n:
            return
        self.count += n
        room = MAX_ERRORS - len(self.errors)
        self.errors.extend(RowError(r, col, reason) for r in _mask_rows(mask, rows, room))

    def one(self, row: int | None, col: str, reason: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, col, reason))


def _convert(arr: pa.ChunkedArray | pa.Array, col: Column, rows: pa.Array,
             chk: _Checker) -> pa.Array:
    """The column as its dataset type; bad values are flagged (and become null)."""
    a = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    t = a.type
    name = col.name
    if pa.types.is_null(t):
        a = pa.nulls(len(a), pa.string())
        t = a.type
    is_str = pa.types.is_string(t) or pa.types.is_large_string(t)
    if is_str:
        a = pc.utf8_trim_whitespace(a)
        a = pc.if_else(pc.equal(a, ""), pa.scalar(None, a.type), a)
    if col.default is not None:
        a = pc.fill_null(a if is_str else pc.cast(a, pa.string()), col.default)
        is_str = True
    missing = pc.is_null(a)
    if not col.optional:
        chk.flag(missing, rows, name, "missing value")
    out: pa.Array
    if col.type == "string":
        out = a if is_str else pc.cast(a, pa.string())
    elif col.type in ("int", "float"):
        target = ARROW_TYPES[col.type]
        if is_str:
            ok = pc.match_substring_regex(a, _INT_RE if col.type == "int" else _FLOAT)
            bad = pc.and_(pc.invert(missing), pc.invert(ok))
            chk.flag(bad, rows, name, f"not {'an integer' if col.type == 'int' else 'a number'}")
            out = pc.cast(pc.if_else(bad, pa.scalar(None, a.type), a), target)
        elif pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            if col.type == "int" and not pa.types.is_integer(t):
                f = pc.cast(a, pa.float64())
                bad = pc.not_equal(pc.floor(f), f)
                chk.flag(bad, rows, name, "not an integer")
                a = pc.if_else(bad, pa.scalar(None, pa.float64()), f)
            out = pc.cast(a, target, safe=False)
            if pa.types.is_floating(out.type):
                bad = pc.or_(pc.is_nan(out), pc.is_inf(out))
                chk.flag(bad, rows, name, "not a finite number")
                out = pc.if_else(bad, pa.scalar(None, out.type), out)
        else:
            chk.flag(pc.invert(missing), rows, name, f"has type {t}, expected a number")
            return pa.nulls(len(a), target)
        if col.min is not None:
            chk.flag(pc.less(out, pa.scalar(col.min, out.type) if col.type == "float"
                             else pa.scalar(int(col.min), out.type)),
                     rows, name, f"below the minimum {col.min:g}")
    elif col.type == "bool":
        if pa.types.is_boolean(t):
            out = a
        elif is_str:
            low = pc.utf8_lower(a)
            yes = pc.is_in(low, pa.array(_TRUE))
            no = pc.is_in(low, pa.array(_FALSE))
            bad = pc.and_(pc.invert(missing), pc.invert(pc.or_(yes, no)))
            chk.flag(bad, rows, name, "not true or false")
            out = pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))
        else:
            chk.flag(pc.invert(missing), rows, name, f"has type {t}, expected true or false")
            return pa.nulls(len(a), pa.bool_())
    else:  # timestamp
        if pa.types.is_timestamp(t):
            if t.tz is None:
                chk.flag(pc.invert(missing), rows, name,
                         "time without a time zone (use a zone-aware timestamp type)")
                return pa.nulls(len(a), TS)
            out = pc.cast(a, TS)
        elif is_str:
            zoned = pc.match_substring_regex(a, _ZONED)
            zoneless = pc.match_substring_regex(a, _ZONELESS)
            chk.flag(pc.and_(pc.invert(missing), zoneless), rows, name,
                     "time without a time zone (add an offset such as +08:00)")
            bad = pc.and_(pc.and_(pc.invert(missing), pc.invert(zoned)), pc.invert(zoneless))
            chk.flag(bad, rows, name, "not an ISO 8601 time")
            keep = pc.if_else(zoned, a, pa.scalar(None, a.type))
            try:
                out = pc.cast(keep, TS)
            except pa.ArrowInvalid:
                out = _cast_each(keep, rows, name, chk)
        else:
            chk.flag(pc.invert(missing), rows, name, f"has type {t}, expected a time")
            return pa.nulls(len(a), TS)
    return out


def _cast_each(a: pa.Array, rows: pa.Array, name: str, chk: _Checker) -> pa.Array:
    """Slow path for strings that look like times but are not (month 13, hour 25)."""
    vals: list[Any] = []
    for i, v in enumerate(a.to_pylist()):
        if v is None:
            vals.append(None)
            continue
        try:
            vals.append(pc.cast(pa.array([v]), TS)[0].as_py())
        except pa.ArrowInvalid:
            chk.one(int(rows[i].as_py()), name, "not a valid time")
            vals.append(None)
    return pa.array(vals, TS)


def check_slice(table: pa.Table, start: int, ds: Dataset, chk: _Checker) -> pa.Table:
    """One slice of source rows as the dataset's typed columns, with the Beijing day and the
    source row number; bad values are flagged in ``chk``."""
    n = table.num_rows
    rows = (table.column(ROW).combine_chunks() if ROW in table.column_names
            else pa.array(range(start, start + n), pa.int64()))
    cols: dict[str, pa.Array] = {}
    for c in ds.columns:
        if c.name in table.column_names:
            cols[c.name] = _convert(table.column(c.name), c, rows, chk)
        elif c.default is not None:
            cols[c.name] = pa.array([c.default] * n, ARROW_TYPES[c.type])
        else:
            cols[c.name] = pa.nulls(n, ARROW_TYPES[c.type])
    when = cols[ds.time]
    local = pc.add(when, pa.scalar(BEIJING_OFFSET, pa.duration("us")))
    day = pc.strftime(pc.cast(local, pa.timestamp("us")), format="%Y-%m-%d")
    cols[DAY_COLUMN] = day
    cols[ROW] = rows
    return pa.table(cols, schema=arrow_schema(ds, day=True, row=True))


# ----------------------------------------------------------------------- staging, publishing


def _duckdb(tmp: Path, memory_limit: str = "1GB") -> Any:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone='UTC'")
    con.execute(f"SET temp_directory='{tmp.as_posix()}'")
    con.execute(f"SET memory_limit='{memory_limit}'")
    con.execute("SET preserve_insertion_order=false")
    return con


def _q(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def _key_errors(con: Any, staged: Path, folder: Path, ds: Dataset, chk: _Checker) -> None:
    keys = ", ".join(f'"{k}"' for k in ds.key)
    label = "+".join(ds.key)
    dup = con.execute(
        f"SELECT {keys}, list_sort(list({ROW})) AS r, count(*) AS n FROM read_parquet({_q(staged)}) "
        f"GROUP BY ALL HAVING count(*) > 1 ORDER BY r[1] LIMIT {MAX_ERRORS}").fetchall()
    if dup:
        total = con.execute(
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM "
            f"read_parquet({_q(staged)}) GROUP BY {keys} HAVING count(*) > 1)").fetchone()[0]
        for d in dup:
            rows = d[len(ds.key)]
            value = "/".join(str(v) for v in d[:len(ds.key)])
            chk.one(int(rows[1]), label, f"duplicate key {value} (first at row {rows[0]})")
        chk.count += int(total) - len(dup)
    existing = stored_files(folder)
    if not existing:
        return
    listing = "[" + ", ".join(_q(p) for p in existing) + "]"
    on = " AND ".join(f's."{k}" = e."{k}"' for k in ds.key)
    hits = con.execute(
        f"SELECT {', '.join(f's.{chr(34)}{k}{chr(34)}' for k in ds.key)}, s.{ROW} FROM "
        f"read_parquet({_q(staged)}) s SEMI JOIN read_parquet({listing}, "
        f"hive_partitioning=false) e ON {on} ORDER BY s.{ROW} LIMIT {MAX_ERRORS}").fetchall()
    if hits:
        total = con.execute(
            f"SELECT count(*) FROM read_parquet({_q(staged)}) s SEMI JOIN "
            f"read_parquet({listing}, hive_partitioning=false) e ON {on}").fetchone()[0]
        for h in hits:
            chk.one(int(h[-1]), label,
                    f"key {'/'.join(str(v) for v in h[:-1])} is already stored")
        chk.count += int(total) - len(hits)


def ingest(*, root: Path, platform_id: str, ds: Dataset, source: Source,
           sha256: str) -> Stored:
    """Check every row of ``source`` and store them all, or raise :class:`BadBatch` having
    stored nothing (see the module docstring)."""
    folder = dataset_dir(root, platform_id, ds.name)
    staging = root / "market" / "_staging" / uuid.uuid4().hex
    staging.mkdir(parents=True)
    try:
        chk = _Checker(source.name)
        missing = [c for c in ds.required if c not in source.columns]
        for c in missing:
            chk.one(source.header_row, c, "missing column")
        if missing:
            raise BadBatch(source.name, chk.errors, chk.count)
        staged = staging / "staged.parquet"
        n = 0
        with pq.ParquetWriter(staged, arrow_schema(ds, day=True, row=True)) as w:
            try:
                for start, tbl in source.batches:
                    typed = check_slice(tbl, start, ds, chk)
                    n += typed.num_rows
                    if not chk.count:
                        w.write_table(typed)
            except _LineError as exc:
                chk.one(exc.line, "line", str(exc))
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                chk.one(None, "file", f"cannot be read past row {n + 1}: {exc}")
        if not chk.count and not n:
            chk.one(None, "rows", "the batch holds no rows")
        if chk.count:
            raise BadBatch(source.name, chk.errors, chk.count)
        con = _duckdb(staging)
        try:
            _key_errors(con, staged, folder, ds, chk)
            if chk.count:
                raise BadBatch(source.name, chk.errors, chk.count)
            out = staging / "out"
            batch = uuid.uuid4().hex[:16]
            cols = ", ".join(f'"{c}"' for c in (*ds.names, DAY_COLUMN))
            con.execute(
                f"COPY (SELECT {cols} FROM read_parquet({_q(staged)})) TO {_q(out)} "
                f"(FORMAT parquet, PARTITION_BY ({DAY_COLUMN}), WRITE_PARTITION_COLUMNS false, "
                f"FILENAME_PATTERN 'b{batch}_{{i}}', COMPRESSION zstd)")
        finally:
            con.close()
        written: list[str] = []
        days: set[str] = set()
        for f in sorted(out.glob(f"{DAY_COLUMN}=*/*.parquet")):
            rel = f.relative_to(out)
            dest = folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(f, dest)
            written.append(rel.as_posix())
            days.add(rel.parts[0].split("=", 1)[1])
        ignored = sorted(set(source.columns) - set(ds.names) - {ROW})
        return Stored(n, written, sorted(days), sha256, ignored)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def open_file(path: Path, name: str, fmt: str, ds: Dataset) -> Source:
    if fmt == "parquet":
        return open_parquet(path, name)
    if fmt == "csv":
        return open_csv(path, name)
    if fmt == "jsonl":
        return open_jsonl(path, name, ds)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def count_rows(root: Path, platform_id: str, dataset: str) -> int:
    total = 0
    for f in stored_files(dataset_dir(root, platform_id, dataset)):
        total += pq.ParquetFile(f).metadata.num_rows
    return total
