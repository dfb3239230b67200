"""API shapes of platform rules, which are also the services' typed inputs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from zeren.timepolicy import Instant

MAX_BODY = 200_000


class FeeItem(BaseModel):
    """A fee the rule charges merchants (Art 29 review compares these between versions)."""

    code: str = Field(min_length=1, max_length=60, description="Stable key of the fee.")
    name: str = Field(min_length=1, max_length=200)
    basis: Literal["percent", "fixed", "per_order", "per_year", "per_month"] = Field(
        description="percent of turnover, a fixed sum, or per order / year / month")
    amount: float = Field(ge=0, le=1_000_000_000,
                          description="Percent for basis=percent, else yuan.")
    applies_to: str = Field(default="all", max_length=200,
                            description="Which merchants: all, or a category or kind code.")


class Obligation(BaseModel):
    """An obligation or restriction the rule lays on merchants."""

    code: str = Field(min_length=1, max_length=60)
    text: str = Field(min_length=1, max_length=2000)
    applies_to: str = Field(default="all", max_length=200)


class DocumentIn(BaseModel):
    code: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: str = Field(max_length=60, description="A kind code from data/rules.toml or 中文名.")
    title: str = Field(min_length=1, max_length=200)
    fee_increase_notice_days: int | None = Field(
        default=None, ge=1, le=365,
        description="A longer notice for fee increases, if the platform sets one.")


class VersionIn(BaseModel):
    """A new draft version: the Markdown text and what changed."""

    body_md: str = Field(min_length=1, max_length=MAX_BODY)
    summary: str = Field(min_length=1, max_length=5000, description="Summary of changes.")
    fee_items: list[FeeItem] = Field(default_factory=list, max_length=200)
    obligations: list[Obligation] = Field(default_factory=list, max_length=200)
    justification: str = Field(default="", max_length=10000,
                               description="Why fees or obligations change (Art 29).")
    parameters: dict[str, float] = Field(
        default_factory=dict, max_length=50,
        description="Numbers the rule sets (a credit formula's weights), published with it.")


class VersionEdit(BaseModel):
    """Changes to a draft; fields left out stay as they are."""

    body_md: str | None = Field(default=None, min_length=1, max_length=MAX_BODY)
    summary: str | None = Field(default=None, min_length=1, max_length=5000)
    fee_items: list[FeeItem] | None = Field(default=None, max_length=200)
    obligations: list[Obligation] | None = Field(default=None, max_length=200)
    justification: str | None = Field(default=None, max_length=10000)
    parameters: dict[str, float] | None = Field(default=None, max_length=50)


class ConsultationIn(BaseModel):
    closes_at: Instant = Field(description="Deadline for comments, with its time zone.")


class CommentIn(BaseModel):
    author_kind: Literal["public", "merchant"]
    author_name: str = Field(min_length=1, max_length=100)
    merchant_id: str | None = Field(default=None, max_length=100,
                                    description="Zeren id or merchant_ref (author_kind=merchant).")
    body: str = Field(min_length=1, max_length=10000)


class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=10000)


class HearingIn(BaseModel):
    held_at: Instant
    participants: list[str] = Field(min_length=1, max_length=200)
    minutes: str = Field(min_length=1, max_length=50000)


class DecisionIn(BaseModel):
    outcome: Literal["adopt", "withdraw"]
    decision: str = Field(min_length=1, max_length=10000, description="What was decided and why.")


class PublishIn(BaseModel):
    effective_at: Instant = Field(description="When the version takes effect, with its zone.")


class ExitIn(BaseModel):
    merchant_id: str = Field(min_length=1, max_length=100,
                             description="Zeren id or the platform's merchant_ref.")
    note: str = Field(default="", max_length=5000)


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    code: str
    kind: str
    title: str
    fee_increase_notice_days: int | None
    created_by: str
    created_at: datetime
    in_force_version_id: str | None = None


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    document_id: str
    platform_id: str
    number: int
    stage: str
    status: str = ""
    body_md: str
    summary: str
    fee_items: list[dict[str, Any]]
    obligations: list[dict[str, Any]]
    justification: str
    parameters: dict[str, float]
    body_sha256: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    consultation_opened_at: datetime | None
    closes_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    decision: str
    published_at: datetime | None
    effective_at: datetime | None
    notice_days: int | None
    superseded_at: datetime | None = None


class CommentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    version_id: str
    author_kind: str
    author_name: str
    merchant_id: str | None
    reply_to: str | None
    body: str
    channel: str
    at: datetime


class HearingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    version_id: str
    held_at: datetime
    participants: list[str]
    minutes: str
    recorded_by: str
    recorded_at: datetime


class ExitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    version_id: str
    merchant_id: str
    old_version_id: str
    declared_at: datetime
    note: str
    recorded_by: str


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    at: datetime
    by: str
    details: dict[str, Any]


class DiffRowRead(BaseModel):
    tag: str
    left_no: int | None
    left: str
    right_no: int | None
    right: str


class DiffRead(BaseModel):
    old_version_id: str
    new_version_id: str
    unified: str
    rows: list[DiffRowRead]
    counts: dict[str, int]


class DocumentPage(BaseModel):
    items: list[DocumentRead]
    total: int
    offset: int
    limit: int


class KindRead(BaseModel):
    code: str
    zh: str
    en: str


class ClauseIn(BaseModel):
    """A contract clause (or whole agreement) to screen for exclusivity and tying."""

    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_BODY)


class FindingDecisionIn(BaseModel):
    resolution: Literal["not_exclusive", "removed", "justified"]
    note: str = Field(min_length=1, max_length=5000, description="Why.")


class FindingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    source_kind: str
    source_id: str
    term: str
    matched: str
    start: int
    end: int
    excerpt: str
    severity: str
    confidence: float
    found_at: datetime
    status: str
    resolution: str | None
    note: str
    decided_at: datetime | None
    decided_by: str | None


class FindingPage(BaseModel):
    items: list[FindingRead]
    total: int
    offset: int
    limit: int


class ClauseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    title: str
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    findings: list[FindingRead] = []


class ChangeRead(BaseModel):
    code: str
    change: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None


class ReviewRead(BaseModel):
    """The Art 29 review of a version against the previous published one."""

    version_id: str
    previous_version_id: str | None
    fee_changes: list[ChangeRead]
    obligation_changes: list[ChangeRead]
    flagged: bool
    fee_increase: bool
    justification: str
    applies_to: list[str]
    affected_merchants: int
    affected_sample: list[str] = Field(description="merchant_ref of up to 100 affected.")


class MerchantChangeRead(BaseModel):
    version_id: str
    document: str
    number: int
    status: str
    effective_at: datetime | None
    fee_changes: list[ChangeRead]
    obligation_changes: list[ChangeRead]
