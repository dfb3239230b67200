"""Storing files and batches: every row checked, all stored or none, errors naming the
file, the row and the column; large files stream in slices."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.market.fixtures import ORDERS
from zeren.market import store
from zeren.market.domain import catalogue

ORDERS_DS = catalogue().datasets["orders"]
HEADER = "order_id,line,buyer_id,merchant_id,item_id,unit_price,quantity,paid_at\n"


def _ingest(root: Path, path: Path, fmt: str) -> store.Stored:
    return store.ingest(root=root, platform_id="p", ds=ORDERS_DS,
                        source=store.open_file(path, path.name, fmt, ORDERS_DS),
                        sha256=store.file_sha256(path))


def _bad(root: Path, path: Path, fmt: str) -> store.BadBatch:
    with pytest.raises(store.BadBatch) as e:
        _ingest(root, path, fmt)
    return e.value


def _stored(root: Path) -> int:
    return store.count_rows(root, "p", "orders")


def test_a_csv_is_stored_by_beijing_day(tmp_path: Path) -> None:
    f = tmp_path / "o.csv"
    f.write_text(HEADER + "a,1,b,m,i,9.5,2,2026-03-01T23:30:00+08:00\n"
                 "b,1,b,m,i,10,1,2026-03-01T16:30:00Z\n", encoding="utf-8")
    got = _ingest(tmp_path, f, "csv")
    # 16:30 UTC is 00:30 the next day in Beijing
    assert got.rows == 2 and got.days == ["2026-03-01", "2026-03-02"]
    t = pq.read_table(store.dataset_dir(tmp_path, "p", "orders") / got.files[0])
    assert t.schema.field("paid_at").type == pa.timestamp("us", tz="UTC")
    assert t.column("unit_price").to_pylist() == [9.5]


@pytest.mark.parametrize(("line", "row", "field", "reason"), [
    ("a,1,b,m,i,-1,1,2026-03-01T10:00:00+08:00", 3, "unit_price", "below the minimum 0"),
    ("a,1,b,m,i,abc,1,2026-03-01T10:00:00+08:00", 3, "unit_price", "not a number"),
    ("a,1.5,b,m,i,1,1,2026-03-01T10:00:00+08:00", 3, "line", "not an integer"),
    ("a,1,b,m,i,1,1,2026-03-01 10:00:00", 3, "paid_at", "time without a time zone"),
    ("a,1,b,m,i,1,1,yesterday", 3, "paid_at", "not an ISO 8601 time"),
    ("a,1,b,m,i,1,1,2026-13-01T10:00:00+08:00", 3, "paid_at", "not a valid time"),
    ("a,1,,m,i,1,1,2026-03-01T10:00:00+08:00", 3, "buyer_id", "missing value"),
    ("z,1,b,m,i,1,1,2026-03-01T10:00:00+08:00", 3, "order_id+line", "duplicate key z/1"),
])
def test_a_bad_csv_row_stores_nothing(tmp_path: Path, line: str, row: int, field: str,
                                      reason: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "z,1,b,m,i,1,1,2026-03-01T10:00:00+08:00\n" + line + "\n")
    e = _bad(tmp_path, f, "csv")
    first = e.errors[0]
    assert (first.row, first.field) == (row, field) and reason in first.reason, e.errors
    assert e.source == "bad.csv" and str(e).startswith("bad.csv: 1 error(s)")
    assert _stored(tmp_path) == 0


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("order_id,line,buyer_id,merchant_id,item_id,quantity,paid_at\n"
                 "a,1,b,m,i,1,2026-03-01T10:00:00+08:00\n")
    e = _bad(tmp_path, f, "csv")
    assert [(x.row, x.field, x.reason) for x in e.errors] == [(1, "unit_price", "missing column")]


def test_a_key_already_stored_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(HEADER + "a,1,b,m,i,1,1,2026-03-01T10:00:00+08:00\n")
    _ingest(tmp_path, f, "csv")
    g = tmp_path / "b.csv"
    g.write_text(HEADER + "b,1,b,m,i,1,1,2026-03-02T10:00:00+08:00\n"
                 "a,1,b,m,i,1,1,2026-03-05T10:00:00+08:00\n")
    e = _bad(tmp_path, g, "csv")
    assert [(x.row, x.field) for x in e.errors] == [(3, "order_id+line")]
    assert "already stored" in e.errors[0].reason and _stored(tmp_path) == 1


def test_parquet_times_need_a_zone(tmp_path: Path) -> None:
    naive = pa.table({**{c: [v] for c, v in ORDERS[0].items() if c != "paid_at"},
                      "paid_at": pa.array([datetime(2026, 3, 1, 10)], pa.timestamp("us"))})
    f = tmp_path / "n.parquet"
    pq.write_table(naive, f)
    e = _bad(tmp_path, f, "parquet")
    assert (e.errors[0].row, e.errors[0].field) == (1, "paid_at")
    assert "without a time zone" in e.errors[0].reason
    aware = naive.set_column(naive.schema.get_field_index("paid_at"), "paid_at",
                             pa.array([datetime(2026, 3, 1, 2)], pa.timestamp("ms", tz="UTC")))
    pq.write_table(aware, f)
    assert _ingest(tmp_path, f, "parquet").days == ["2026-03-01"]


def test_json_lines_name_the_line(tmp_path: Path) -> None:
    import json

    f = tmp_path / "o.jsonl"
    rows = [dict(r) for r in ORDERS[:3]]
    rows[2]["quantity"] = 0
    f.write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n\n" + json.dumps(rows[2]) + "\n")
    e = _bad(tmp_path, f, "jsonl")
    assert [(x.row, x.field) for x in e.errors] == [(4, "quantity")]
    f.write_text(json.dumps(ORDERS[0]) + "\n{not json\n")
    e = _bad(tmp_path, f, "jsonl")
    assert (e.errors[0].row, e.errors[0].field) == (2, "line")


def test_a_file_larger_than_a_slice_streams(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Slices of 1,000 rows: 25,000 rows pass through 25 slices, then one bad row near the
    # end stores nothing (the check does not stop at the first slice).
    monkeypatch.setattr(store, "BATCH_ROWS", 1000)
    n = 25_000
    f = tmp_path / "big.csv"
    with f.open("w") as out:
        out.write(HEADER)
        for i in range(n):
            out.write(f"o{i},1,b{i % 97},m{i % 13},i{i % 501},{i % 300}.5,1,"
                      f"2026-03-{1 + i % 28:02d}T10:00:00+08:00\n")
    got = _ingest(tmp_path, f, "csv")
    assert got.rows == n and len(got.days) == 28 and _stored(tmp_path) == n
    g = tmp_path / "big2.csv"
    with g.open("w") as out:
        out.write(HEADER)
        for i in range(n):
            price = "-1" if i == n - 10 else "5"
            out.write(f"x{i},1,b,m,i,{price},1,2026-04-01T10:00:00+08:00\n")
    e = _bad(tmp_path, g, "csv")
    assert (e.errors[0].row, e.errors[0].field) == (n - 10 + 2, "unit_price")
    assert _stored(tmp_path) == n
    assert not list((tmp_path / "market" / "_staging").iterdir())


def test_an_api_batch_numbers_rows_from_zero(tmp_path: Path) -> None:
    rows = [dict(r) for r in ORDERS[:3]]
    rows[1]["unit_price"] = "cheap"
    with pytest.raises(store.BadBatch) as e:
        store.ingest(root=tmp_path, platform_id="p", ds=ORDERS_DS,
                     source=store.open_records(rows, "api", ORDERS_DS), sha256="x")
    assert (e.value.errors[0].row, e.value.errors[0].field) == (1, "unit_price")
