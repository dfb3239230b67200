"""API shapes of credit evaluation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class BatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    formula_version_id: str
    parameters: dict[str, float]
    merchants: int
    scores_sha256: str
    computed_at: datetime
    computed_by: str


class BatchPage(BaseModel):
    items: list[BatchRead]
    total: int
    offset: int
    limit: int


class ScoreRead(BaseModel):
    merchant_ref: str
    score: float
    components: list[dict[str, Any]]
    batch: BatchRead
