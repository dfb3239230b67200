"""API shapes of the market-conduct analytics, which are also the services' typed inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_BATCH_ROWS = 50_000


class ColumnRead(BaseModel):
    name: str
    type: str
    optional: bool
    min: float | None = None
    default: str | None = None


class DatasetRead(BaseModel):
    name: str
    zh: str
    en: str
    serves: str
    time: str
    key: list[str]
    columns: list[ColumnRead]
    stored_rows: int


class BatchIn(BaseModel):
    """Rows for one dataset, as JSON objects keyed by column name. Times carry their zone
    (``2026-03-01T10:00:00+08:00``). All rows are stored or none."""

    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_BATCH_ROWS)


class IngestRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    dataset: str
    source: str
    format: str
    rows: int
    sha256: str
    files: list[str]
    days: list[str]
    ignored_columns: list[str]
    ingested_by: str
    created_at: datetime


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    detector: str = Field(max_length=60)
    engine: Literal["duckdb"] = "duckdb"


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    detector: str
    engine: str
    params: dict[str, Any]
    rows_in: dict[str, int]
    findings_new: int
    findings_seen: int
    seconds: float
    started_at: datetime
    run_by: str
    created_at: datetime


class FindingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    run_id: str
    detector: str
    article: int
    subject_type: str
    subject_id: str
    merchant_id: str | None
    fingerprint: str
    score: float
    explanation_zh: str
    explanation_en: str
    facts: dict[str, Any]
    evidence: list[dict[str, Any]]
    evidence_digest: str
    created_at: datetime


class DetectorRead(BaseModel):
    name: str
    zh: str
    en: str
    article: int
    source: str
    datasets: list[str]
    params: dict[str, dict[str, Any]]


class ActIn(BaseModel):
    """Take the action a finding's detector calls for. A compliance task needs an
    ``assignee``; ``due_days`` defaults to the data's ``task_due_days``."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=5000)
    assignee: str = Field(default="", max_length=200)
    due_days: int | None = Field(default=None, ge=1, le=3650)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolution: str = Field(min_length=1, max_length=5000)


class ActionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    finding_id: str
    kind: str
    case_ids: list[str]
    merchant_id: str | None
    assignee: str
    due_at: datetime | None
    note: str
    acted_by: str
    created_at: datetime
