"""API shapes of data governance. Inputs are the typed values services take; vocabularies
(levels, impact objects, legal bases, mechanisms) are checked by the services against the
data files, so a file import and the API refuse the same values with the same field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from zeren.timepolicy import Day, as_utc, in_range_instant

Code = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")


# A time from a caller, by the one time policy (ADR 0021): an explicit offset is kept, a
# date-time without one is Beijing wall time; stored and compared in UTC.
Instant = Annotated[datetime, AfterValidator(in_range_instant), AfterValidator(as_utc)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ----------------------------------------------------------------------- inventory


class AssetIn(In):
    code: str = Field(min_length=1, max_length=100)
    system: str = Field(min_length=1, max_length=200)
    dataset: str = Field(min_length=1, max_length=200)
    fields: list[str] = Field(default_factory=list, max_length=2000)
    personal_info: bool = False
    sensitive_personal_info: bool = False
    records: int = Field(default=0, ge=0, le=10**15)
    persons: int = Field(default=0, ge=0, le=10**15)
    location: str = Field(default="", max_length=200)
    owner: str = Field(default="", max_length=200)
    officer: str = Field(default="", max_length=200,
                         description="Org-registry person id or name of the officer.")
    impact_objects: list[str] = Field(default_factory=list, max_length=6)
    impact_degree: str | None = None
    declared_level: str | None = Field(
        default=None, description="core / important / general (核心/重要/一般), if an authority "
        "catalogue or an assessment says so.")


class AssetRead(Read):
    id: str
    platform_id: str
    code: str
    system: str
    dataset: str
    fields: list[str]
    personal_info: bool
    sensitive_personal_info: bool
    records: int
    persons: int
    location: str
    owner: str
    officer_person_id: str | None
    impact_objects: list[str]
    impact_degree: str | None
    declared_level: str | None
    level: str
    rule_id: str
    rules_version: str
    classified_at: datetime
    last_reviewed_at: datetime | None
    review_due_at: datetime
    retired_at: datetime | None


class AssetPage(BaseModel):
    items: list[AssetRead]
    total: int
    offset: int
    limit: int
    counts: dict[str, int] = Field(description="Assets per level under the same filters.")


class ClassificationRead(Read):
    level: str
    rule_id: str
    matched: list[str]
    rules_version: str
    decided_at: datetime
    decided_by: str
    import_id: str | None


class ImportRead(Read):
    id: str
    filename: str
    sha256: str
    format: str
    rows: int
    created: int
    updated: int
    unchanged: int
    imported_by: str
    imported_at: datetime
    seconds: float = 0.0


class ReviewIn(In):
    outcome: str = Field(pattern="^(confirmed|changed|retired)$",
                         description="confirmed / changed / retired")
    notes: str = Field(default="", max_length=4000)
    reviewed_at: Instant | None = None


class ReviewRead(Read):
    id: str
    target_type: str
    target_id: str
    reviewed_at: datetime
    reviewer: str
    outcome: str
    notes: str
    due_at: datetime


class TrainingIn(In):
    held_on: Day
    topic: str = Field(min_length=1, max_length=300)
    audience: str = Field(default="", max_length=300)
    attendees: int = Field(ge=1, le=10_000_000)


class TrainingRead(Read):
    id: str
    held_on: date
    topic: str
    audience: str
    attendees: int
    recorded_by: str


class CatalogueIn(In):
    filed_with: str = Field(default="", max_length=200,
                            description="The authority the catalogue was filed with, if any.")


class CatalogueRead(Read):
    id: str
    platform_id: str
    assets: int
    sha256: str
    generated_by: str
    filed_with: str
    created_at: datetime
    content: list[dict[str, Any]] = Field(default_factory=list)


# ----------------------------------------------------------------------- activities, transfers


class ActivityIn(In):
    name: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=4000)
    legal_basis: str = Field(min_length=1, max_length=30)
    retention: str = Field(min_length=1, max_length=200)
    recipients: list[str] = Field(default_factory=list, max_length=200)
    asset_codes: list[str] = Field(default_factory=list, max_length=2000)
    owner: str = Field(default="", max_length=200)


class ActivityRead(Read):
    id: str
    platform_id: str
    name: str
    purpose: str
    legal_basis: str
    retention: str
    recipients: list[str]
    asset_ids: list[str]
    owner: str
    last_reviewed_at: datetime | None
    review_due_at: datetime


class TransferIn(In):
    recipient: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=1, max_length=100)
    purpose: str = Field(min_length=1, max_length=4000)
    asset_codes: list[str] = Field(default_factory=list, max_length=2000)
    persons: int = Field(default=0, ge=0, le=10**12)
    sensitive_persons: int = Field(default=0, ge=0, le=10**12)
    mechanism: str = Field(min_length=1, max_length=30)
    reference: str = Field(default="", max_length=200)
    approved_on: Day | None = None
    starts_on: Day
    ends_on: Day | None = None


class TransferRead(Read):
    id: str
    platform_id: str
    recipient: str
    country: str
    purpose: str
    asset_ids: list[str]
    persons: int
    sensitive_persons: int
    important: bool
    mechanism: str
    required_mechanism: str
    reference: str
    approved_on: date | None
    expires_on: date | None
    starts_on: date
    ends_on: date | None


# ----------------------------------------------------------------------- consent and the gate


class ServiceIn(In):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)


class ServiceRead(Read):
    id: str
    code: str
    name: str
    description: str


class ConsentIn(In):
    person_ref: str = Field(min_length=1, max_length=200,
                            description="The platform's reference for the person (personal data).")
    service: str = Field(min_length=1, max_length=60)
    purpose: str = Field(min_length=1, max_length=100)
    scope: list[str] = Field(min_length=1, max_length=100,
                             description="Services whose data may be combined with this one's.")
    given_at: Instant | None = None
    evidence: str = Field(min_length=1, max_length=4000,
                          description="How the consent was obtained (form version, log id, …).")


class WithdrawIn(In):
    withdrawn_at: Instant | None = None
    evidence: str = Field(min_length=1, max_length=4000)


class ConsentRead(Read):
    id: str
    platform_id: str
    person_key: str
    service: str
    purpose: str
    scope: list[str]
    given_at: datetime
    evidence: str
    withdrawn_at: datetime | None
    withdrawal_evidence: str
    recorded_by: str


class DecideIn(In):
    person_ref: str = Field(min_length=1, max_length=200)
    services: list[str] = Field(min_length=2, max_length=2,
                                description="The two services whose data would be combined.")
    purpose: str = Field(min_length=1, max_length=100)
    consent_id: str | None = Field(default=None, max_length=36,
                                   description="The consent the caller relies on, if it names one.")
    request_ref: str = Field(default="", max_length=100)


class DecideBatchIn(In):
    requests: list[DecideIn] = Field(min_length=1, max_length=1000)


class DecisionRead(BaseModel):
    id: str
    allowed: bool
    outcome: str
    reason: str
    message: str
    consent_id: str | None
    withdrawn_at: datetime | None = None
    decided_at: datetime
    request_ref: str = ""


class DecideBatchOut(BaseModel):
    decisions: list[DecisionRead]
    allowed: int
    refused: int


class DecisionLogRead(Read):
    id: str
    decided_at: datetime
    person_key: str
    service_a: str
    service_b: str
    purpose: str
    outcome: str
    reason: str
    consent_id: str | None
    caller: str
    request_ref: str


MERGE_SOURCES = ("internal_audit", "complaint", "regulator", "self_report", "monitoring")


class UnconsentedMergeIn(In):
    """A merge across services done without consent, as reported (指南 第十八条)."""

    found_at: Instant | None = None
    merged_at: Instant | None = None
    services: list[str] = Field(min_length=2, max_length=2)
    purpose: str = Field(min_length=1, max_length=100)
    persons: int = Field(ge=1, le=10**12, description="How many persons' data was combined.")
    source: str = Field(min_length=1, max_length=30,
                        description="internal_audit, complaint, regulator, self_report or "
                                    "monitoring.")
    description: str = Field(min_length=1, max_length=8000)
    remediation: str = Field(default="", max_length=8000)
    decision_id: str | None = Field(default=None, max_length=36,
                                    description="The gate's refusal the merge went against.")


class UnconsentedMergeRead(Read):
    id: str
    found_at: datetime
    merged_at: datetime | None
    services: list[str]
    purpose: str
    persons: int
    source: str
    description: str
    remediation: str
    decision_id: str | None
    reported_by: str
    created_at: datetime


class Page(BaseModel):
    items: list[Any]
    total: int
    offset: int
    limit: int
