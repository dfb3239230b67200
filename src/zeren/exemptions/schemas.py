"""API shapes for exemptions (变通)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ExemptionCreate(BaseModel):
    article: Any = Field(description="Article number, 1–35.")
    item: int | None = Field(default=None, ge=1, le=1000,
                             description="Item number within the article.")
    ground: str = Field(description="One of Art 35's three grounds (see /guideline/meta).")
    justification: str
    ends_on: Any = Field(description="Last day the exemption applies (YYYY-MM-DD).")


class ExemptionDecision(BaseModel):
    action: str = Field(description="approve | reject | withdraw")
    note: str = ""


class ExemptionEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    event: str
    actor_id: str
    note: str
    created_at: datetime


class ExemptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    article: int
    item: int | None
    ground: str
    justification: str
    ends_on: date
    status: str
    requested_by: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    created_at: datetime
