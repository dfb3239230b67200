"""API shapes for platforms, figures and tier assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PlatformCreate(BaseModel):
    code: str = Field(max_length=64, description="Short stable handle, lowercase, e.g. 'mall'.")
    name: str = Field(max_length=200)
    legal_entity: str = Field(max_length=200)
    uscc: str = Field(max_length=18, description="统一社会信用代码 of the operator, 18 characters.")
    address: str = Field(default="", max_length=400)
    contact_name: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=50)
    contact_email: str = Field(default="", max_length=200)
    main_business: str = Field(default="", max_length=400)
    platform_type: str = Field(max_length=40)


class PlatformRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    code: str
    name: str
    legal_entity: str
    uscc: str
    address: str
    contact_name: str
    contact_phone: str
    contact_email: str
    main_business: str
    platform_type: str
    created_at: datetime


class FiguresCreate(BaseModel):
    year: Any = Field(description="The year the figures describe (usually last year).")
    annual_active_users: Any = Field(description="Annual active users in China.")
    market_value_rmb: Any = Field(description="Market value or valuation at year-end, RMB.")
    prominent_main_business: Any
    prominent_main_business_rationale: str = Field(default="", max_length=4000)
    strong_reach_restriction: Any
    strong_reach_restriction_rationale: str = Field(default="", max_length=4000)


class FiguresRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    year: int
    revision: int
    annual_active_users: int
    market_value_rmb: int
    prominent_main_business: bool
    prominent_main_business_rationale: str
    strong_reach_restriction: bool
    strong_reach_restriction_rationale: str
    created_at: datetime


class TierRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    year: int
    figures_id: str
    tier: str
    criteria: list[dict[str, Any]]
    thresholds_version: str
    assessed_at: datetime


class FiguresResult(BaseModel):
    figures: FiguresRead
    tier: TierRead


class Applicability(BaseModel):
    platform_id: str
    tier: str
    articles: list[int]
    tier_assessment: TierRead | None
