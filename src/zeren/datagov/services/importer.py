"""Import the inventory from a CSV or XLSX file: all or nothing. Every row is checked and
classified first; if any row is wrong, nothing is written and the answer lists the rows,
fields and reasons. Otherwise new assets are inserted and changed ones updated in bulk
statements (one per kind), each classification change is kept, and one import record and
one audit event describe the whole file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
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
from zeren.db.base import new_id, new_ids, utcnow
from zeren.db.bulk import bulk_insert, bulk_update
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
        facts = s.canonical(a.facts())
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
    conn = session.connection()
    existing = {r[1]: r for r in conn.exec_driver_sql(
        f"SELECT {', '.join(_EXISTING)} FROM datagov_assets WHERE platform_id = "
        + ("%(p)s" if conn.dialect.paramstyle == "pyformat" else ":p"), {"p": platform_id})}
    imp_id = new_id()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    unchanged = 0
    ids = new_ids(len(parsed) * 2)
    for a, c, officer in parsed:
        values = asset_values(a, c, officer)
        old = existing.get(a.code)
        if old is None:
            aid = ids.pop()
            inserts.append({"id": aid, "platform_id": platform_id, "created_at": now,
                            "updated_at": now, "classified_at": now, "last_reviewed_at": None,
                            "retired_at": None,
                            "review_due_at": d.review_due(level=c.level, since=now, s=s),
                            **values})
            kept.append(_kept(ids.pop(), aid, platform_id, c, now, actor.username, imp_id))
            continue
        if _same(old, values):
            unchanged += 1
            continue
        row = {"_id": old[0], "updated_at": now, **values}
        if (old[_LEVEL], old[_RULE], old[_VERSION]) != (c.level, c.rule_id, c.version):
            row["classified_at"] = now
            row["review_due_at"] = next_due(
                level=c.level, now=now, current_due=_when(old[_DUE]),
                last_reviewed=_when(old[_REVIEWED]))
            kept.append(_kept(ids.pop(), old[0], platform_id, c, now, actor.username, imp_id))
        else:
            row["classified_at"] = _when(old[_CLASSIFIED])
            row["review_due_at"] = _when(old[_DUE])
        updates.append(row)
    bulk_insert(session, ASSETS, inserts)
    bulk_insert(session, CLASSIFICATIONS, kept)
    bulk_update(session, ASSETS, updates)
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


def _kept(kid: str, asset_id: str, platform_id: str, c: d.Classification, now: datetime, by: str,
          import_id: str) -> dict[str, Any]:
    return {"id": kid, "asset_id": asset_id, "platform_id": platform_id, "level": c.level,
            "rule_id": c.rule_id, "matched": list(c.matched), "rules_version": c.version,
            "decided_at": now, "decided_by": by, "import_id": import_id}


# ----------------------------------------------------------------------- bulk statements
# A file of 100,000 assets must import in seconds: rows go to the driver's executemany as
# tuples, each value passed once through its column's own bind processor (so stored values
# are exactly what the ORM would store), repeated values converted once.

_EXISTING = ("id", "code", *COMPARED, "classified_at", "review_due_at", "last_reviewed_at")
_POS = {k: i for i, k in enumerate(_EXISTING)}
_LEVEL, _RULE, _VERSION = _POS["level"], _POS["rule_id"], _POS["rules_version"]
_CLASSIFIED, _DUE, _REVIEWED = _POS["classified_at"], _POS["review_due_at"], \
    _POS["last_reviewed_at"]
_JSON = frozenset({"fields", "impact_objects"})


def _when(raw: Any) -> datetime | None:
    """A stored UTC datetime as the driver returned it (text on SQLite), made aware."""
    if raw is None:
        return None
    at = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    assert isinstance(at, datetime)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _same(old: Sequence[Any], values: dict[str, Any]) -> bool:
    for k in COMPARED:
        v = old[_POS[k]]
        if k in _JSON and isinstance(v, str):
            v = json.loads(v)
        if v != values[k]:
            return False
    return True


def imports(*, session: Session, actor: Actor, platform_id: str) -> list[Import]:
    actor.require("datagov.read", platform_id)
    return list(session.scalars(select(Import).where(Import.platform_id == platform_id)
                                .order_by(Import.imported_at.desc()).limit(100)))
