"""Store a file or an API batch into a dataset: every row is checked, all are stored or none
(``zeren.market.store``), and one kept record and one audit event describe the batch."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zeren.audit.service import record
from zeren.auth.policy import Actor
from zeren.market import store
from zeren.market.domain import Dataset, catalogue
from zeren.market.errors import BadRows, UnknownDataset
from zeren.market.models import Ingest
from zeren.market.services import READ, WRITE
from zeren.pagination import PageParams, fetch_page


def dataset(name: str) -> Dataset:
    ds = catalogue().datasets.get(name)
    if ds is None:
        raise UnknownDataset(f"no dataset {name!r}; known: {', '.join(catalogue().datasets)}",
                             details={"field": "dataset"})
    return ds


def _store(*, session: Session, actor: Actor, platform_id: str, root: Path, ds: Dataset,
           source: store.Source, fmt: str, sha256: str) -> Ingest:
    try:
        got = store.ingest(root=root, platform_id=platform_id, ds=ds, source=source,
                           sha256=sha256)
    except store.BadBatch as exc:
        raise BadRows(str(exc), source=exc.source, errors=[e.as_dict() for e in exc.errors],
                      count=exc.count) from exc
    row = Ingest(platform_id=platform_id, dataset=ds.name, source=source.name[:300], format=fmt,
                 rows=got.rows, sha256=got.sha256, files=got.files, days=got.days,
                 ignored_columns=got.ignored_columns, ingested_by=actor.username)
    session.add(row)
    session.flush()
    record(session=session, actor=actor, action="market.ingest", target_type="market_ingest",
           target_id=row.id, platform_id=platform_id,
           summary={"dataset": ds.name, "source": source.name[:200], "rows": got.rows,
                    "sha256": got.sha256, "days": len(got.days)})
    return row


def ingest_file(*, session: Session, actor: Actor, platform_id: str, root: Path,
                dataset_name: str, path: Path, filename: str | None = None,
                fmt: str | None = None) -> Ingest:
    """Store a Parquet, CSV or JSON Lines file (read in slices; it may exceed memory)."""
    actor.require(WRITE, platform_id)
    ds = dataset(dataset_name)
    name = filename or path.name
    try:
        fmt = fmt or store.detect_format(name)
        source = store.open_file(path, name, fmt, ds)
    except ValueError as exc:
        raise BadRows(str(exc), source=name,
                      errors=[{"row": None, "field": "file", "reason": str(exc)}],
                      count=1) from exc
    return _store(session=session, actor=actor, platform_id=platform_id, root=root, ds=ds,
                  source=source, fmt=fmt, sha256=store.file_sha256(path))


def ingest_rows(*, session: Session, actor: Actor, platform_id: str, root: Path,
                dataset_name: str, rows: list[dict[str, Any]]) -> Ingest:
    """Store an API batch (rows are numbered from 0, as in the request's ``rows``)."""
    actor.require(WRITE, platform_id)
    ds = dataset(dataset_name)
    body = json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    source = store.open_records(rows, "api", ds)
    return _store(session=session, actor=actor, platform_id=platform_id, root=root, ds=ds,
                  source=source, fmt="json", sha256=hashlib.sha256(body).hexdigest())


@dataclass(frozen=True)
class DatasetState:
    dataset: Dataset
    stored_rows: int


def datasets(*, actor: Actor, platform_id: str, root: Path) -> list[DatasetState]:
    """Every dataset with the rows stored for the platform (read from the files' footers)."""
    actor.require(READ, platform_id)
    return [DatasetState(ds, store.count_rows(root, platform_id, ds.name))
            for ds in catalogue().datasets.values()]


def list_ingests(*, session: Session, actor: Actor, platform_id: str, params: PageParams,
                 dataset_name: str | None = None) -> tuple[list[Ingest], int]:
    actor.require(READ, platform_id)
    q = select(Ingest).where(Ingest.platform_id == platform_id)
    if dataset_name:
        q = q.where(Ingest.dataset == dataset_name)
    return fetch_page(session, q.order_by(Ingest.created_at.desc(), Ingest.id), params)
