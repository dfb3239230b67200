"""API shapes of the audit engagement; also the services' typed inputs. Times follow the one
time policy (an offset is kept; without one, Beijing wall time)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

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


# -- the risk register and the yearly assessment (指南 第六条) -------------------------------

Scale = Annotated[int, Field(ge=1, le=5, description="On the shipped 1–5 scale.")]


class RiskIn(In):
    key: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9_.-]+$",
                     description="A catalogue key (title, kind, systems filled from it) or "
                                 "the platform's own.")
    kind: str | None = Field(default=None, max_length=30, description="Art 6 kind.")
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str = Field(default="", max_length=8000)
    systems: list[str] | None = Field(default=None, max_length=20)
    indicators: list[str] = Field(default_factory=list, max_length=20)
    likelihood: Scale
    impact: Scale
    residual_likelihood: Scale
    residual_impact: Scale
    owner: str = Field(min_length=1, max_length=200)


class RiskChange(In):
    description: str | None = Field(default=None, max_length=8000)
    systems: list[str] | None = Field(default=None, max_length=20)
    indicators: list[str] | None = Field(default=None, max_length=20)
    likelihood: Scale | None = None
    impact: Scale | None = None
    residual_likelihood: Scale | None = None
    residual_impact: Scale | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)


class MitigationIn(In):
    description: str = Field(min_length=1, max_length=8000)
    owner: str = Field(min_length=1, max_length=200)
    due_on: Day
    status: Literal["planned", "in_place"] = "planned"


class MitigationRead(Read):
    id: str
    risk_id: str
    description: str
    owner: str
    due_on: date
    status: str
    created_by: str
    created_at: datetime


class RiskRead(Read):
    id: str
    platform_id: str
    key: str
    kind: str
    title: str
    description: str
    systems: list[str]
    indicators: list[str]
    likelihood: int
    impact: int
    residual_likelihood: int
    residual_impact: int
    level: str = ""
    residual_level: str = ""
    owner: str
    mitigations: list[MitigationRead] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class AssessmentIn(In):
    title: str = Field(min_length=1, max_length=300)
    period_start: Instant
    period_end: Instant


class IndicatorRead(Read):
    key: str
    value: dict[str, Any]
    source: str
    sha256: str
    pull: int
    taken_at: datetime
    taken_by: str


class JudgementIn(In):
    risk_id: str = Field(min_length=1, max_length=36)
    likelihood: Scale
    impact: Scale
    residual_likelihood: Scale
    residual_impact: Scale
    text: str = Field(min_length=1, max_length=20000)


class JudgementRead(Read):
    id: str
    risk_id: str
    likelihood: int
    impact: int
    residual_likelihood: int
    residual_impact: int
    level: str
    residual_level: str
    text: str
    by: str
    created_at: datetime


class SignoffIn(In):
    role: Literal["officer", "approver"]
    note: str = Field(min_length=1, max_length=4000)


class SignoffRead(Read):
    role: str
    username: str
    note: str
    created_at: datetime


class AssessmentRead(Read):
    id: str
    platform_id: str
    title: str
    period_start: datetime
    period_end: datetime
    status: str
    signed_on: date | None
    next_due_on: date | None
    created_by: str
    created_at: datetime
    indicators: list[IndicatorRead] = Field(default_factory=list)
    judgements: list[JudgementRead] = Field(default_factory=list)
    signoffs: list[SignoffRead] = Field(default_factory=list)
    blockers: list[dict[str, str]] = Field(default_factory=list)


# -- the algorithm register and emergency plans (指南 第七条) --------------------------------


class AlgorithmIn(In):
    name: str = Field(min_length=1, max_length=200, description="算法名称")
    form: str = Field(min_length=1, max_length=200, description="服务形式 (app, web, …)")
    domain: str = Field(min_length=1, max_length=200, description="应用领域")
    algorithm_type: str = Field(min_length=1, max_length=30, description="算法类型")
    system: str = Field(min_length=1, max_length=30, description="System register key.")
    self_assessment: str = Field(min_length=1, max_length=50000, description="算法自评估报告")
    disclosure: str = Field(min_length=1, max_length=50000, description="拟公示内容")
    launched_on: Day
    filing_number: str | None = Field(default=None, min_length=1, max_length=100)
    filed_on: Day | None = None


class AlgorithmChange(In):
    self_assessment: str | None = Field(default=None, min_length=1, max_length=50000)
    disclosure: str | None = Field(default=None, min_length=1, max_length=50000)
    filing_number: str | None = Field(default=None, min_length=1, max_length=100)
    filed_on: Day | None = None


class AlgorithmReviewIn(In):
    reviewed_on: Day
    outcome: Literal["pass", "changes_required"]
    options: dict[str, bool] = Field(default_factory=dict, max_length=10,
                                     description="Each user-facing option checked: works?")
    notes: str = Field(min_length=1, max_length=20000)


class AlgorithmReviewRead(Read):
    id: str
    algorithm_id: str
    reviewed_on: date
    outcome: str
    options: dict[str, bool]
    notes: str
    by: str
    created_at: datetime


class AlgorithmRead(Read):
    id: str
    platform_id: str
    name: str
    form: str
    domain: str
    algorithm_type: str
    system: str
    self_assessment: str
    disclosure: str
    launched_on: date
    filing_due_on: date
    filing_number: str | None
    filed_on: date | None
    reviews: list[AlgorithmReviewRead] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class PlanIn(In):
    title: str = Field(min_length=1, max_length=300)
    scenario: str = Field(min_length=1, max_length=20000)
    risk_kind: str = Field(min_length=1, max_length=30, description="Art 6 kind it answers.")
    owner: str = Field(min_length=1, max_length=200)


class DrillIn(In):
    held_on: Day
    scenario: str = Field(min_length=1, max_length=20000)
    outcome: Literal["passed", "partial", "failed"]
    notes: str = Field(default="", max_length=20000)


class DrillRead(Read):
    id: str
    plan_id: str
    held_on: date
    scenario: str
    outcome: str
    notes: str
    by: str
    created_at: datetime


class PlanRead(Read):
    id: str
    platform_id: str
    title: str
    scenario: str
    risk_kind: str
    owner: str
    drills: list[DrillRead] = Field(default_factory=list)
    created_at: datetime


class PublicReportRead(Read):
    id: str
    assessment_id: str
    platform_id: str
    sha256: str
    pdf_sha256: str
    published_by: str
    created_at: datetime
    url: str = ""
    pdf_url: str = ""
