"""Import merchants from a CSV or XLSX file, all or nothing. Rows are read, checked (kind
rules, USCC and resident ID check digits, licences, duplicates in the file and in the
registry) and written in chunks inside the caller's one transaction; once a row is wrong,
writing stops and checking goes on, so the answer lists every bad row (the first 50 with
row, field and reason) and the transaction is rolled back: nothing is written. A CSV is read
as UTF-8, or as GB18030/GBK when the bytes say so (the answer names the encoding used).

Each imported merchant gets its registry event and a ledger entry through the shared outbox
(its resident ID sealed apart); one import record and one audit event describe the file."""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.db.base import new_ids, utcnow
from zeren.errors import InvalidInput
from zeren.ledger import outbox
from zeren.merchants import domain as d
from zeren.merchants.models import EVENTS, LICENCES, MERCHANTS, SHOPS, Import, Merchant, Shop
from zeren.merchants.services.registry import (
    WRITE,
    ledger_item,
    licence_values,
    merchant_values,
)
from zeren.timepolicy import beijing_today

MAX_ROWS = 2_000_000
MAX_ERRORS = 50
CHUNK = 5_000


def read_rows(content: bytes, filename: str, encoding: str = "auto"
              ) -> tuple[str, str, list[Any], Iterator[Sequence[Any]]]:
    """(format, encoding, header, data rows) of a CSV or XLSX file."""
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm", ".xls", ".ods")) or content[:4] == b"PK\x03\x04":
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(content))
            rows: list[list[Any]] = book.get_sheet_by_index(0).to_python(skip_empty_area=True)
        except Exception as exc:  # calamine raises its own error types per format
            raise InvalidInput(f"the spreadsheet cannot be read: {exc}", field="file") from exc
        if not rows:
            raise InvalidInput("the spreadsheet's first sheet is empty", field="file")
        return "xlsx", "xlsx", list(rows[0]), iter(rows[1:])
    try:
        text, used = d.decode_csv(content, encoding)
    except d.NotText as exc:
        raise InvalidInput(str(exc), field="file") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise InvalidInput("the file is empty", field="file")
    return "csv", used, list(header), reader


@dataclass(frozen=True)
class ImportResult:
    record: Import
    seconds: float


class _Errors:
    def __init__(self) -> None:
        self.count = 0
        self.items: list[dict[str, Any]] = []

    def add(self, row: int, field: str, reason: str) -> None:
        self.count += 1
        if len(self.items) < MAX_ERRORS:
            self.items.append({"row": row, "field": field, "reason": reason})


def import_merchants(*, session: Session, actor: Actor, platform_id: str, filename: str,
                     content: bytes, encoding: str = "auto", now: datetime | None = None
                     ) -> ImportResult:
    """Import a merchant file (see the module docstring). Rows are numbered as a spreadsheet
    numbers them: the header is row 1."""
    actor.require(WRITE, platform_id)
    t0 = time.perf_counter()
    now = now or utcnow()
    today = beijing_today(now)
    fmt, used, header, rows = read_rows(content, filename, encoding)
    columns = d.header_map(header)
    missing = [k for k in d.REQUIRED_COLUMNS if k not in columns.values()]
    if missing:
        raise InvalidInput(
            f"the header row lacks the column(s) {', '.join(missing)}; known columns: "
            + ", ".join(f"{k} ({'/'.join(v[1:3])})" for k, v in d.COLUMNS.items()),
            details={"field": missing[0], "row": 1, "missing": missing})
    reg = d.registry()
    refs = set(session.scalars(select(Merchant.merchant_ref)
                               .where(Merchant.platform_id == platform_id)))
    usccs = set(session.scalars(select(Merchant.uscc).where(Merchant.platform_id == platform_id,
                                                            Merchant.uscc.is_not(None))))
    shops = set(session.scalars(select(Shop.shop_ref).where(Shop.platform_id == platform_id)))
    seen_ref: dict[str, int] = {}
    seen_uscc: dict[str, int] = {}
    seen_shop: dict[str, int] = {}
    errors = _Errors()
    imp_id = outbox_new_id()
    writer = _Writer(session, platform_id, actor.username, now, imp_id)
    cols = list(columns.items())
    n = 0
    for line, raw in enumerate(rows, start=2):
        if line - 1 > MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} rows; split the file", field="file")
        if not any(c not in (None, "") for c in raw):
            continue  # a blank line
        values = {key: raw[i] for i, key in cols if i < len(raw)}
        try:
            mi = d.normalise_merchant(values, reg, today=today)
        except d.OutOfScale as exc:
            errors.add(line, exc.field, str(exc))
            continue
        bad = _duplicate(mi, line, refs, usccs, shops, seen_ref, seen_uscc, seen_shop)
        if bad:
            errors.add(line, *bad)
            continue
        n += 1
        if not errors.count:
            writer.add(mi)
    if errors.count:
        first = errors.items[0]
        raise InvalidInput(
            f"{errors.count} row(s) have errors; nothing was imported. First: row "
            f"{first['row']}, {first['field']}: {first['reason']}",
            details={"field": first["field"], "row": first["row"],
                     "error_count": errors.count, "errors": errors.items})
    if not n:
        raise InvalidInput("the file holds no data rows", field="file")
    writer.flush()
    imp = Import(id=imp_id, platform_id=platform_id, filename=filename[:300],
                 sha256=hashlib.sha256(content).hexdigest(), format=fmt, encoding=used, rows=n,
                 licences=writer.licences, imported_by=actor.username, imported_at=now)
    session.add(imp)
    session.flush()
    record(session=session, actor=actor, action="merchants.import", target_type="import",
           target_id=imp.id, platform_id=platform_id,
           summary={"file": filename[:200], "sha256": imp.sha256, "rows": n,
                    "licences": writer.licences, "encoding": used})
    return ImportResult(imp, time.perf_counter() - t0)


def _duplicate(mi: d.MerchantInput, line: int, refs: set[str], usccs: set[str | None],
               shops: set[str], seen_ref: dict[str, int], seen_uscc: dict[str, int],
               seen_shop: dict[str, int]) -> tuple[str, str] | None:
    if mi.merchant_ref in refs:
        return "merchant_ref", f"{mi.merchant_ref!r} is already registered on this platform"
    if mi.merchant_ref in seen_ref:
        return "merchant_ref", (f"{mi.merchant_ref!r} appears twice (rows "
                                f"{seen_ref[mi.merchant_ref]} and {line})")
    if mi.uscc and mi.uscc in usccs:
        return "uscc", f"{mi.uscc} is already registered on this platform"
    if mi.uscc and mi.uscc in seen_uscc:
        return "uscc", f"{mi.uscc} appears twice (rows {seen_uscc[mi.uscc]} and {line})"
    if mi.shop_ref and (mi.shop_ref in shops or mi.shop_ref in seen_shop):
        return "shop_ref", f"shop {mi.shop_ref!r} is already registered or appears twice"
    seen_ref[mi.merchant_ref] = line
    if mi.uscc:
        seen_uscc[mi.uscc] = line
    if mi.shop_ref:
        seen_shop[mi.shop_ref] = line
    return None


def outbox_new_id() -> str:
    return new_ids(1)[0]


class _Writer:
    """Collects checked rows and writes them in chunks: merchants, shops, licences, events,
    outbox entries, each an executemany of tuples passed through the columns' own bind
    processors (so stored values are what the ORM would store)."""

    def __init__(self, session: Session, platform_id: str, by: str, now: datetime,
                 import_id: str) -> None:
        self.session = session
        self.platform_id = platform_id
        self.by = by
        self.now = now
        self.import_id = import_id
        self.pending: list[d.MerchantInput] = []
        self.licences = 0

    def add(self, mi: d.MerchantInput) -> None:
        self.pending.append(mi)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        ids = new_ids(len(batch))
        items = [ledger_item(merchant_id=mid, platform_id=self.platform_id, mi=mi, by=self.by,
                             at=self.now) for mid, mi in zip(ids, batch, strict=True)]
        pd_refs = outbox.enqueue_many(session=self.session, items=items)
        m_rows, s_rows, l_rows, e_rows = [], [], [], []
        extra = iter(new_ids(len(batch) * 3))
        for mid, mi, ref in zip(ids, batch, pd_refs, strict=True):
            m_rows.append({"id": mid, "platform_id": self.platform_id, "created_at": self.now,
                           "updated_at": self.now, "created_by": self.by,
                           "import_id": self.import_id, "resident_id_ref": ref,
                           **merchant_values(mi)})
            if mi.shop_ref:
                s_rows.append({"id": next(extra), "platform_id": self.platform_id,
                               "merchant_id": mid, "shop_ref": mi.shop_ref,
                               "name": mi.shop_name or mi.shop_ref, "url": mi.shop_url,
                               "closed_at": None, "created_at": self.now})
            for lc in mi.licences:
                l_rows.append({"id": next(extra), "platform_id": self.platform_id,
                               "merchant_id": mid, "created_at": self.now,
                               "created_by": self.by, **licence_values(lc)})
            e_rows.append({"id": next(extra), "merchant_id": mid,
                           "platform_id": self.platform_id, "kind": "registered",
                           "at": self.now, "by": self.by,
                           "details": {"import_id": self.import_id, "kind": mi.kind}})
        self.licences += len(l_rows)
        for table, rows in ((MERCHANTS, m_rows), (SHOPS, s_rows), (LICENCES, l_rows),
                            (EVENTS, e_rows)):
            bulk_insert(self.session, table, rows)


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One executemany of ``rows`` into ``table`` (all rows have the same keys)."""
    if not rows:
        return
    keys = list(rows[0])
    dialect = session.get_bind().dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(keys)}) "
           f"VALUES ({', '.join([mark] * len(keys))})")
    procs = [table.c[k].type._cached_bind_processor(dialect) for k in keys]
    data = [tuple(v if p is None or v is None else p(v)
                  for v, p in zip((r[k] for k in keys), procs, strict=True)) for r in rows]
    session.connection().exec_driver_sql(sql, data)
