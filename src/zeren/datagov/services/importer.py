"""Import the inventory from a CSV or XLSX file: all or nothing. Every row is checked and
classified first; if any row is wrong, nothing is written and the answer lists the rows,
fields and reasons. Otherwise new assets are inserted and changed ones updated in bulk
statements (one per kind), each classification change is kept, and one import record and
one audit event describe the whole file."""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.datagov import domain as d
from zeren.datagov.models import ASSETS, CLASSIFICATIONS, Import
from zeren.datagov.services.inventory import (
    COMPARED,
    WRITE,
    asset_values,
    next_due,
    officer_lookup,
    resolve_officer,
)
from zeren.db.base import new_id, utcnow
from zeren.errors import InvalidInput

MAX_ROWS = 1_000_000
MAX_ERRORS = 50


def _decode(content: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("the file is neither UTF-8 nor GB18030 text", field="file")


def read_rows(content: bytes, filename: str) -> tuple[str, list[str], Iterator[Sequence[Any]]]:
    """(format, header, data rows) of a CSV or XLSX file."""
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
        return "xlsx", [str(h) for h in rows[0]], iter(rows[1:])
    text = _decode(content)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        raise InvalidInput("the file is empty", field="file")
    return "csv", header, reader


@dataclass(frozen=True)
class ImportResult:
    record: Import
    seconds: float


def import_assets(*, session: Session, actor: Actor, platform_id: str, filename: str,
                  content: bytes, now: datetime | None = None) -> ImportResult:
    """Import an inventory file (see the module docstring)."""
    actor.require(WRITE, platform_id)
    t0 = time.perf_counter()
    now = now or utcnow()
    fmt, header, rows = read_rows(content, filename)
    columns = d.header_map(header)
    missing = [k for k in d.REQUIRED_ASSET_FIELDS if k not in columns.values()]
    if missing:
        raise InvalidInput(
            f"the header row lacks the column(s) {', '.join(missing)}; known columns: "
            + ", ".join(f"{k} ({'/'.join(v[1:3])})" for k, v in d.ASSET_FIELDS.items()),
            details={"field": missing[0], "missing": missing})
    s = d.scheme()
    officers = officer_lookup(session=session, platform_id=platform_id)
    cache: dict[d.AssetFacts, d.Classification] = {}
    errors: list[dict[str, Any]] = []
    error_count = 0
    parsed: list[tuple[d.AssetInput, d.Classification, str | None]] = []
    seen: dict[str, int] = {}
    cols = list(columns.items())
    line = 1
    for line, raw in enumerate(rows, start=2):
        if line - 1 > MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} rows; split the file", field="file")
        if not any(c not in (None, "") for c in raw):
            continue  # blank line
        values = {key: raw[i] for i, key in cols if i < len(raw)}
        try:
            a = d.normalise_asset(values, s)
            officer = resolve_officer(a.officer, officers)
            if a.code in seen:
                raise d.OutOfScale(f"code {a.code!r} appears twice (rows {seen[a.code]} and "
                                   f"{line})", "code")
        except d.OutOfScale as exc:
            error_count += 1
            if len(errors) < MAX_ERRORS:
                errors.append({"row": line, "field": exc.field, "reason": str(exc)})
            continue
        seen[a.code] = line
        facts = a.facts()
        c = cache.get(facts)
        if c is None:
            c = cache[facts] = d.classify(facts, s)
        parsed.append((a, c, officer))
    if error_count:
        first = errors[0]
        raise InvalidInput(
            f"{error_count} row(s) have errors; nothing was imported. First: row {first['row']}, "
            f"{first['field']}: {first['reason']}",
            details={"field": first["field"], "row": first["row"], "error_count": error_count,
                     "errors": errors})
    if not parsed:
        raise InvalidInput("the file holds no data rows", field="file")
    existing: dict[str, Any] = {}
    for r in session.execute(select(ASSETS).where(ASSETS.c.platform_id == platform_id)):
        existing[r.code] = r
    imp_id = new_id()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    unchanged = 0
    for a, c, officer in parsed:
        values = asset_values(a, c, officer)
        old = existing.get(a.code)
        if old is None:
            aid = new_id()
            inserts.append({"id": aid, "platform_id": platform_id, "created_at": now,
                            "updated_at": now, "classified_at": now, "last_reviewed_at": None,
                            "retired_at": None,
                            "review_due_at": d.review_due(level=c.level, since=now, s=s),
                            **values})
            kept.append(_kept(aid, platform_id, c, now, actor.username, imp_id))
            continue
        if all(getattr(old, k) == values[k] for k in COMPARED):
            unchanged += 1
            continue
        row = {"_id": old.id, "updated_at": now, **values}
        if (old.level, old.rule_id, old.rules_version) != (c.level, c.rule_id, c.version):
            row["classified_at"] = now
            row["review_due_at"] = next_due(level=c.level, now=now, current_due=old.review_due_at,
                                            last_reviewed=old.last_reviewed_at)
            kept.append(_kept(old.id, platform_id, c, now, actor.username, imp_id))
        else:
            row["classified_at"] = old.classified_at
            row["review_due_at"] = old.review_due_at
        updates.append(row)
    if inserts:
        session.execute(insert(ASSETS), inserts)
    if updates:
        # Bind names must differ from column names in an executemany UPDATE.
        keys = [k for k in updates[0] if k != "_id"]
        session.execute(update(ASSETS).where(ASSETS.c.id == bindparam("_id"))
                        .values({k: bindparam(f"v_{k}") for k in keys})
                        .execution_options(synchronize_session=False),
                        [{"_id": u["_id"], **{f"v_{k}": u[k] for k in keys}} for u in updates])
    if kept:
        session.execute(insert(CLASSIFICATIONS), kept)
    imp = Import(id=imp_id, platform_id=platform_id, filename=filename[:300],
                 sha256=hashlib.sha256(content).hexdigest(), format=fmt, rows=len(parsed),
                 created=len(inserts), updated=len(updates), unchanged=unchanged,
                 imported_by=actor.username, imported_at=now)
    session.add(imp)
    session.flush()
    record(session=session, actor=actor, action="datagov.inventory.import", target_type="import",
           target_id=imp.id, platform_id=platform_id,
           summary={"file": filename[:200], "sha256": imp.sha256, "rows": len(parsed),
                    "created": len(inserts), "updated": len(updates), "unchanged": unchanged})
    return ImportResult(imp, time.perf_counter() - t0)


def _kept(asset_id: str, platform_id: str, c: d.Classification, now: datetime, by: str,
          import_id: str) -> dict[str, Any]:
    return {"id": new_id(), "asset_id": asset_id, "platform_id": platform_id, "level": c.level,
            "rule_id": c.rule_id, "matched": list(c.matched), "rules_version": c.version,
            "decided_at": now, "decided_by": by, "import_id": import_id}


def imports(*, session: Session, actor: Actor, platform_id: str) -> list[Import]:
    actor.require("datagov.read", platform_id)
    return list(session.scalars(select(Import).where(Import.platform_id == platform_id)
                                .order_by(Import.imported_at.desc()).limit(100)))
