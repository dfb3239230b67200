"""API shapes of the audit engagement; also the services' typed inputs. Times follow the one
time policy (an offset is kept; without one, Beijing wall time)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from zeren.assessment.domain import FindingStatus, Severity
from zeren.timepolicy import Day, as_utc, in_range_instant

Instant = Annotated[datetime, AfterValidator(in_range_instant), AfterValidator(as_utc)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class EngagementIn(In):
    title: str = Field(min_length=1, max_length=300)
    scope: str = Field(min_length=1, max_length=8000,
                       description="What the audit covers (articles, systems, sites).")
    period_start: Instant
    period_end: Instant
    auditor_name: str = Field(min_length=1, max_length=300, description="审计机构名称")
    auditor_address: str = Field(min_length=1, max_length=500, description="审计机构地址")
    auditor_contact: str = Field(min_length=1, max_length=300)
    auditors: list[str] = Field(min_length=1, max_length=20,
                                description="Usernames of the auditor-role users on it.")
    auditor_vkey: str = Field(min_length=1, max_length=400,
                              description="C2SP verifier key of the auditor's signing key.")


class EngagementRead(Read):
    id: str
    platform_id: str
    title: str
    scope: str
    period_start: datetime
    period_end: datetime
    auditor_name: str
    auditor_address: str
    auditor_contact: str
    auditor_user_ids: list[str]
    auditor_vkey: str
    created_by: str
    created_at: datetime


class BundleIn(In):
    cite: list[str] = Field(default_factory=list, max_length=100_000,
                            description="Records to prove: ledger:<log>#<index>.")
    sample: int = Field(default=0, ge=0, le=100_000,
                        description="Draw this many of the platform's records of the period.")
    seed: str = Field(default="", max_length=200, description="The auditor's sampling seed.")


class BundleRead(Read):
    id: str
    engagement_id: str
    sha256: str
    size: int
    summary: dict[str, Any]
    built_by: str
    created_at: datetime


class FindingIn(In):
    obligation_key: str = Field(min_length=1, max_length=80)
    title: str = Field(min_length=1, max_length=300)
    evidence: str = Field(min_length=1, max_length=20000)
    evidence_refs: list[str] = Field(default_factory=list, max_length=1000)
    severity: Severity
    recommendation: str = Field(min_length=1, max_length=20000)
    owner: str = Field(min_length=1, max_length=200)
    due_on: Day


class FindingMove(In):
    status: FindingStatus
    note: str = Field(min_length=1, max_length=8000)


class FindingRead(Read):
    id: str
    engagement_id: str
    platform_id: str
    number: int
    obligation_key: str
    article: int
    title: str
    evidence: str
    evidence_refs: list[str]
    severity: str
    recommendation: str
    owner: str
    due_on: date
    status: str
    overdue: bool = False
    created_by: str
    created_at: datetime


class FindingEventRead(Read):
    status: str
    note: str
    by: str
    created_at: datetime


class ReportIn(In):
    platform_address: str = Field(min_length=1, max_length=500, description="受审平台地址")
    platform_contact: str = Field(min_length=1, max_length=300, description="受审平台联系方式")
    conclusions: str = Field(min_length=1, max_length=50000, description="审计主要结论")
    recommendations: str = Field(min_length=1, max_length=50000,
                                 description="实现合规的操作建议")


class ReportRead(Read):
    id: str
    engagement_id: str
    platform_name: str
    platform_address: str
    platform_contact: str
    auditor_name: str
    auditor_address: str
    auditor_contact: str
    conclusions: str
    recommendations: str
    sha256: str
    pdf_sha256: str
    signed_text: str = ""
    signature: str | None = None
    created_at: datetime


class SignatureIn(In):
    note: str = Field(min_length=1, max_length=4000,
                      description="The signed note over the report (C2SP signed-note).")
