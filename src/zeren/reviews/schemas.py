"""API shapes of reviews, which are also the services' typed inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from zeren.timepolicy import Instant

SHA256 = r"^[0-9a-f]{64}$"
REF = Field(min_length=1, max_length=100)


class ReviewerIn(BaseModel):
    """The reviewer (personal data: sealed, never stored beside the review)."""

    id: str = Field(min_length=1, max_length=100)
    name: str = Field(default="", max_length=100)


class ReviewIn(BaseModel):
    review_id: str = REF
    order_id: str = REF
    merchant_id: str = Field(min_length=1, max_length=100,
                             description="The platform's merchant_ref.")
    listing_id: str = REF
    rating: int = Field(ge=1, le=5)
    text: str = Field(default="", max_length=5000)
    images: list[str] = Field(default_factory=list, max_length=20,
                              description="SHA-256 (hex) of each image.")
    reviewed_at: Instant
    reviewer: ReviewerIn | None = None


class ReviewBatchIn(BaseModel):
    reviews: list[ReviewIn] = Field(min_length=1, max_length=5000)


class IngestRead(BaseModel):
    ingested: int
    ids: list[str]


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    review_ref: str
    order_id: str
    merchant_ref: str
    listing_ref: str
    rating: int
    text: str
    images: list[str]
    fingerprint: str
    reviewed_at: datetime
    ingested_at: datetime


class ShownIn(BaseModel):
    review_id: str = REF
    fingerprint: str | None = Field(default=None, pattern=SHA256,
                                    description="SHA-256 of rating and text as displayed.")


class DisplayIn(BaseModel):
    """What the platform displays for one listing or merchant: review ids in display order
    (optionally with the fingerprint shown), or only a count."""

    scope: Literal["listing", "merchant"]
    ref: str = REF
    shown: list[ShownIn] | None = Field(default=None, max_length=1_000_000)
    count: int | None = Field(default=None, ge=0, le=1_000_000_000)
    check_order: bool = Field(default=True,
                              description="The display claims the newest-first order.")


class FindingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    review_ref: str
    detail: dict[str, Any]


class AuditRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    scope: str
    ref: str
    mode: str
    expected: int
    displayed: int
    hidden_with_measure: int
    counts: dict[str, int]
    display_sha256: str
    at: datetime
    by: str
    findings: list[FindingRead] = []


class AuditPage(BaseModel):
    items: list[AuditRead]
    total: int
    offset: int
    limit: int
