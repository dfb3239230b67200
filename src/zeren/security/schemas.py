"""API shapes of network security and breaches. Times follow the one time policy (an offset
is kept; without one, Beijing wall time); grades, parties and criteria are checked by the
services against the data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from zeren.timepolicy import Day, as_utc, in_range_instant

# A time from a caller, by the one time policy (ADR 0021): an explicit offset is kept, a
# date-time without one is Beijing wall time; stored and compared in UTC.
Instant = Annotated[datetime, AfterValidator(in_range_instant), AfterValidator(as_utc)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SystemIn(In):
    code: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    name: str = Field(min_length=1, max_length=200)
    mlps_level: int = Field(ge=1, le=5, description="等级保护 level 1–5")
    mlps_filing_no: str = Field(default="", max_length=100)
    cii: bool = False
    owner: str = Field(default="", max_length=200)


class SystemRead(Read):
    id: str
    code: str
    name: str
    mlps_level: int
    mlps_filing_no: str
    cii: bool
    owner: str


class PlanIn(In):
    title: str = Field(min_length=1, max_length=300)
    version: str = Field(min_length=1, max_length=40)
    approved_on: Day
    scope: str = Field(default="", max_length=4000)
    document_sha256: str = Field(default="", pattern=r"^([0-9a-f]{64})?$")


class PlanRead(Read):
    id: str
    title: str
    version: str
    approved_on: date
    scope: str
    document_sha256: str


class DrillIn(In):
    plan_id: str = Field(min_length=1, max_length=36)
    held_on: Day
    scenario: str = Field(min_length=1, max_length=4000)
    participants: int = Field(ge=1, le=100_000)
    findings: str = Field(default="", max_length=8000)


class DrillRead(Read):
    id: str
    plan_id: str
    held_on: date
    scenario: str
    participants: int
    findings: str
    recorded_by: str


class IncidentIn(In):
    title: str = Field(min_length=1, max_length=300)
    system_code: str | None = Field(default=None, max_length=60)
    category: str = Field(min_length=1, max_length=100,
                          description="e.g. 数据泄露, 拒绝服务, 恶意程序, 网页篡改")
    grade: str = Field(min_length=1, max_length=30,
                       description="especially_major / major / relatively_major / general "
                       "(特别重大/重大/较大/一般)")
    grade_rationale: str = Field(default="", max_length=4000)
    criteria: dict[str, int] = Field(default_factory=dict,
                                     description="Measured figures by criterion key.")
    reporting_party: str = Field(min_length=1, max_length=30,
                                 description="cii_operator / central_state_organ / other")
    occurred_at: Instant
    detected_at: Instant
    impact: str = Field(default="", max_length=8000)
    measures: str = Field(default="", max_length=8000)
    cause: str = Field(default="", max_length=8000)


class RegradeIn(In):
    grade: str = Field(min_length=1, max_length=30)
    criteria: dict[str, int] | None = None
    grade_rationale: str = Field(min_length=1, max_length=4000)


class IncidentUpdateIn(In):
    """Facts learnt while handling; each change is written to the timeline."""

    impact: str | None = Field(default=None, max_length=8000)
    measures: str | None = Field(default=None, max_length=8000)
    cause: str | None = Field(default=None, max_length=8000)
    note: str = Field(default="", max_length=4000)


class HandledIn(In):
    handled_at: Instant | None = None
    note: str = Field(default="", max_length=4000)


class ClockRead(BaseModel):
    due: datetime | None
    done_at: datetime | None
    state: str
    seconds_left: int | None


class IncidentRead(Read):
    id: str
    platform_id: str
    number: str
    title: str
    system_id: str | None
    category: str
    grade: str
    grade_rationale: str
    criteria: dict[str, int]
    criteria_grade: str
    reporting_party: str
    reportable: bool
    occurred_at: datetime
    detected_at: datetime
    first_report_due: datetime | None
    first_reported_at: datetime | None
    impact: str
    measures: str
    cause: str
    status: str
    handled_at: datetime | None
    summary_due: datetime | None
    summary_reported_at: datetime | None
    rules_version: str
    clocks: dict[str, ClockRead] = Field(default_factory=dict)


class EventRead(Read):
    id: str
    at: datetime
    kind: str
    text: str
    data: dict[str, Any]
    by: str


class ReportIn(In):
    kind: str = Field(pattern="^(first|supplement|summary)$")
    answers: dict[str, str] = Field(default_factory=dict,
                                    description="Values of the fields the reporter writes.")
    submitted_at: Instant | None = None
    recipient: str = Field(default="", max_length=200)
    channel: str = Field(default="", max_length=100)
    delay_reason: str = Field(default="", max_length=4000,
                              description="Required when the report is after its deadline.")


class FieldRead(BaseModel):
    key: str
    zh: str
    en: str
    value: Any


class DraftRead(BaseModel):
    kind: str
    title_zh: str
    fields: list[FieldRead]
    missing: list[str]
    due: datetime | None


class ReportRead(Read):
    id: str
    incident_id: str
    kind: str
    submitted_at: datetime
    due_at: datetime | None
    late: bool
    delay_reason: str
    recipient: str
    channel: str
    fields: list[dict[str, Any]]
    sha256: str
    rules_version: str
    submitted_by: str


class BreachIn(In):
    incident_id: str = Field(min_length=1, max_length=36)
    pi_types: list[str] = Field(min_length=1, max_length=100)
    cause: str = Field(default="", max_length=8000)
    possible_harm: str = Field(default="", max_length=8000)
    remedial_steps: str = Field(default="", max_length=8000)
    individual_actions: str = Field(default="", max_length=8000)
    contact: str = Field(default="", max_length=300)
    persons_affected: int = Field(ge=0, le=10**11)
    sensitive_persons: int = Field(default=0, ge=0, le=10**11)
    discovered_at: Instant
    individuals_exempt_reason: str = Field(default="", max_length=4000)


class BreachRead(Read):
    id: str
    platform_id: str
    incident_id: str
    pi_types: list[str]
    cause: str
    possible_harm: str
    remedial_steps: str
    individual_actions: str
    contact: str
    persons_affected: int
    sensitive_persons: int
    discovered_at: datetime
    individuals_exempt_reason: str
    missing_contents: list[str] = Field(default_factory=list)


class AuthorityNoticeIn(In):
    recipient: str = Field(min_length=1, max_length=300, description="The authority notified.")
    channel: str = Field(default="", max_length=100)
    sent_at: Instant | None = None


class NoticeRead(Read):
    id: str
    breach_id: str
    audience: str
    recipient: str
    recipients: int
    contents: dict[str, Any]
    text: str
    sha256: str
    file_sha256: str
    sent_at: datetime
    channel: str
    recorded_by: str
