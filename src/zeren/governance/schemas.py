"""API shapes of the governance registers; inputs are the typed values the services take.
Vocabularies (decisions, grounds, channels, kinds) are checked by the services against
``data/governance.toml``, so the API, the CLI and a file import refuse the same values with
the same field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from zeren.timepolicy import Day, as_utc, in_range_instant

Instant = Annotated[datetime, AfterValidator(in_range_instant), AfterValidator(as_utc)]
Code = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# ----------------------------------------------------------------------- 第三条


class InteropIn(In):
    requester: str = Field(min_length=1, max_length=200)
    requester_kind: Literal["operator", "user"] = "operator"
    service: str = Field(min_length=1, max_length=200)
    asked: str = Field(min_length=1, max_length=5000)
    received_on: Day
    deadline: Day | None = Field(default=None, description="Day a decision is due; by "
                                 "default the number of days in governance.toml after receipt.")


class InteropDecisionIn(In):
    decision: str = Field(min_length=1, max_length=20,
                          description="granted / partly_granted / refused")
    ground: str | None = Field(default=None, max_length=40,
                               description="A justified ground (governance.toml) for a refusal.")
    reasons: str = Field(default="", max_length=5000)
    decided_at: Instant | None = None


class InteropRead(Read):
    id: str
    platform_id: str
    requester: str
    requester_kind: str
    service: str
    asked: str
    received_on: date
    deadline: date
    decision: str | None
    ground: str | None
    reasons: str
    decided_at: datetime | None
    decided_by: str | None
    recorded_by: str
    created_at: datetime


# ----------------------------------------------------------------------- 第五条


class PolicyIn(In):
    code: Code
    title: str = Field(min_length=1, max_length=300)
    owner: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=2_000_000,
                      description="The document's text; its SHA-256 is kept.")
    effective_on: Day


class PolicyVersionIn(In):
    text: str = Field(min_length=1, max_length=2_000_000)
    effective_on: Day
    notes: str = Field(default="", max_length=2000)


class PolicyReviewIn(In):
    reviewed_on: Day
    notes: str = Field(default="", max_length=2000)


class PolicyRead(Read):
    id: str
    platform_id: str
    code: str
    title: str
    owner: str
    version: int
    sha256: str
    last_reviewed_on: date
    review_due_on: date
    retired_on: date | None


class PolicyEventRead(Read):
    id: str
    kind: str
    version: int
    sha256: str
    day: date
    notes: str
    recorded_by: str
    created_at: datetime


class CourseIn(In):
    code: Code
    title: str = Field(min_length=1, max_length=300)
    duty: str = Field(min_length=1, max_length=60,
                      description="Org-registry duty code (org.yaml), or all_staff.")
    valid_days: int = Field(default=365, ge=1, le=3650)


class CourseRead(Read):
    id: str
    code: str
    title: str
    duty: str
    valid_days: int


class TrainingImportRead(Read):
    id: str
    filename: str
    sha256: str
    rows: int
    imported_by: str
    created_at: datetime


class DutyCompletionRead(BaseModel):
    duty: str
    holders: int
    completed: int
    share: float | None
    threshold: float
    missing: list[str]


class IntegrityIn(In):
    kind: str = Field(min_length=1, max_length=40)
    summary: str = Field(min_length=1, max_length=20000)
    anonymous: bool = True
    reporter_contact: str = Field(default="", max_length=200)


class IntegrityReceipt(BaseModel):
    reference: str
    received_at: datetime


class IntegrityCloseIn(In):
    outcome: str = Field(min_length=1, max_length=5000)


class IntegrityRead(Read):
    id: str
    reference: str
    kind: str
    summary: str
    anonymous: bool
    reporter_contact: str
    received_at: datetime
    acknowledged_at: datetime | None
    closed_at: datetime | None
    outcome: str
    handler: str | None


class RegulatorIn(In):
    authority: str = Field(min_length=1, max_length=200)
    reference: str = Field(min_length=1, max_length=100)
    channel: str = Field(default="letter", max_length=20)
    subject: str = Field(min_length=1, max_length=5000)
    received_on: Day
    due_on: Day
    owner: str = Field(default="", max_length=200)


class RegulatorAnswerIn(In):
    answered_on: Day
    answer: str = Field(min_length=1, max_length=20000)


class RegulatorRead(Read):
    id: str
    platform_id: str
    authority: str
    reference: str
    channel: str
    subject: str
    received_on: date
    due_on: date
    owner: str
    answered_on: date | None
    answer: str
    answered_by: str | None
    created_at: datetime


# ----------------------------------------------------------------------- 第十六条

Amount = Annotated[int, Field(ge=0, le=10**16, strict=True,
                              description="Whole yuan (the unit the thresholds are in).")]


class PartyIn(In):
    name: str = Field(min_length=1, max_length=200)
    global_turnover: Amount
    china_turnover: Amount
    unit: str = Field(default="CNY", max_length=20,
                      description="The unit of both turnovers: CNY (whole yuan).")


class AssessIn(In):
    parties: list[PartyIn] = Field(min_length=2, max_length=50)


class DealIn(AssessIn):
    code: Code
    title: str = Field(min_length=1, max_length=300)
    kind: str = Field(min_length=1, max_length=40)
    financial_year: int = Field(ge=1990, le=2999)


class AssessRead(BaseModel):
    notifiable: bool
    rule_id: str | None
    thresholds_version: str
    figures: dict[str, int]
    explanation: str


class FilingIn(In):
    filed_on: Day
    reference: str = Field(min_length=1, max_length=100)
    authority: str = Field(default="国家市场监督管理总局", min_length=1, max_length=200)


class ClearanceIn(In):
    cleared_on: Day
    decision: str = Field(min_length=1, max_length=30)


class ClosingIn(In):
    closed_on: Day


class DealRead(Read):
    id: str
    platform_id: str
    code: str
    title: str
    kind: str
    financial_year: int
    parties: list[dict[str, Any]]
    unit: str
    notifiable: bool
    rule_id: str | None
    thresholds_version: str
    figures: dict[str, Any]
    status: str
    filed_on: date | None
    filing_reference: str | None
    authority: str | None
    cleared_on: date | None
    clearance: str | None
    closed_on: date | None
    recorded_by: str
    created_at: datetime


class DealEventRead(Read):
    kind: str
    day: date
    details: dict[str, Any]
    recorded_by: str
    created_at: datetime


# ----------------------------------------------------------------------- 第三十四条


class EnforcementIn(In):
    authority: str = Field(min_length=1, max_length=200)
    document_number: str = Field(min_length=1, max_length=100)
    legal_basis: str = Field(min_length=1, max_length=300)
    dataset: str = Field(min_length=1, max_length=40,
                         description="audit_events or ledger_records (governance.toml).")
    since: Instant
    until: Instant
    subject_prefix: str = Field(default="", max_length=200, description="For ledger_records: "
                                "the subjects asked for, e.g. order:<platform id>:.")
    received_on: Day
    deadline: Day
    hold: bool = Field(default=True, description="Place a retention hold on the records in "
                       "scope (ledger_records) until the request is closed.")


class ExportAccessIn(In):
    purpose: str = Field(min_length=1, max_length=300)


class EnforcementRead(Read):
    id: str
    platform_id: str
    authority: str
    document_number: str
    legal_basis: str
    dataset: str
    scope: dict[str, Any]
    received_on: date
    deadline: date
    status: str
    produced_on: date | None
    recorded_by: str
    created_at: datetime


class ExportRead(Read):
    id: str
    request_id: str
    rows: int
    sha256: str
    produced_by: str
    created_at: datetime


class ExportContent(ExportRead):
    content: str


class HoldRead(Read):
    id: str
    request_id: str | None
    subject_prefix: str
    reason: str
    placed_by: str
    created_at: datetime
    released_at: datetime | None
    released_by: str | None


# ----------------------------------------------------------------------- 第九、三十二条


class FiguresIn(In):
    kind: str = Field(min_length=1, max_length=20, description="innovation or packaging")
    year: int = Field(ge=1990, le=2999)
    scope: str = Field(default="platform", min_length=1, max_length=200)
    figures: dict[str, Any] = Field(description="Every field of the kind (governance.toml), "
                                    "whole numbers in the field's unit.")
    evidence: str = Field(min_length=1, max_length=2000)
    evidence_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class FiguresRead(Read):
    id: str
    kind: str
    scope: str
    year: int
    figures: dict[str, Any]
    evidence: str
    evidence_sha256: str | None
    recorded_by: str
    created_at: datetime


class YearRead(BaseModel):
    year: int
    figures: dict[str, int]
    change: dict[str, int | None]
