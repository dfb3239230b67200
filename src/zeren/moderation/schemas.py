"""API shapes of moderation: what comes in (XIn) and what goes out (XRead). Sizes are capped
here so that oversized input is refused before it reaches a service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from zeren.moderation.domain import Automation, Decision, Source, SubjectKind
from zeren.timepolicy import Instant, as_utc

Short = Field(max_length=200)
# A media item is a file Zeren keeps, named by its digest (``sha256:<hex>``, uploaded first to
# POST …/moderation/media; ADR 0048), or an https address the console only links (ADR 0043).
MediaItem = Annotated[str, Field(min_length=9, max_length=2048,
                                 pattern=r"^(sha256:[0-9a-f]{64}|https://[^\s]+)$")]


class Evidence(BaseModel):
    """One piece of evidence: a link, a stored file's digest, or a short text."""

    kind: Literal["url", "file", "text"] = "url"
    ref: str = Field(min_length=1, max_length=2000)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    description: str = Field(default="", max_length=1000)


class AccountIn(BaseModel):
    """The account behind an item: a user (with its real-name status, Art 11) or a merchant."""

    kind: Literal["user", "merchant"]
    external_ref: str = Field(min_length=1, max_length=200)
    display_name: str = Field(default="", max_length=200)
    real_name_verified: bool | None = None


class SubjectIn(BaseModel):
    """An item or an account, named by the platform's own id."""

    kind: SubjectKind
    external_ref: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=20_000)
    media: list[MediaItem] = Field(
        default_factory=list, max_length=20,
        description="The item's images or videos: ``sha256:<hex>`` of a file uploaded to "
        "POST …/moderation/media (kept by Zeren, shown in the console from Zeren's own "
        "address), or an https address (the console links it, never loads it). At most "
        "media_max_items (20).")
    display_name: str = Field(default="", max_length=200)
    real_name_verified: bool | None = None
    owner: AccountIn | None = None


class ReportIn(BaseModel):
    """A report or complaint from a signed-in channel (users, rights holders, trusted flaggers,
    authority orders with the issuing authority and its document number)."""

    subject: SubjectIn
    category: str = Field(min_length=1, max_length=60)
    source: Source = Source.USER
    description: str = Field(default="", max_length=5000)
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)
    reporter_ref: str = Field(default="", max_length=200)
    reporter_contact: str = Field(default="", max_length=200)
    authority: str = Field(default="", max_length=200)
    document_no: str = Field(default="", max_length=100)


class ReportBatchIn(BaseModel):
    items: list[ReportIn] = Field(min_length=1, max_length=5000)


class PublicReportIn(BaseModel):
    """The public form: no login, small and strict."""

    model_config = ConfigDict(extra="forbid")

    platform: str = Field(min_length=1, max_length=60, description="Platform code or id.")
    subject_kind: SubjectKind
    subject_ref: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=2000)
    contact: str = Field(default="", max_length=200)
    evidence_urls: list[HttpUrl] = Field(default_factory=list, max_length=5)


class MediaRead(BaseModel):
    """A kept image or video: how a subject names it and where Zeren serves it."""

    sha256: str
    ref: str = Field(description="What a subject's ``media`` names: sha256:<hex>.")
    size: int
    content_type: str
    url: str = Field(description="Where Zeren serves it (moderation.read on the platform).")


class ReceiptRead(BaseModel):
    receipt: str
    case_id: str
    bundled: bool
    received_at: datetime


class PublicReceiptRead(BaseModel):
    """What the public form answers: the receipt to follow the report up by, and nothing
    internal (no case id, no word of whether a case was already open; ADR 0046)."""

    receipt: str
    received_at: datetime
    follow_up: str = Field(description="Where the receipt's status can be read (no login).")


class ReceiptStatus(BaseModel):
    receipt: str
    received_at: datetime
    category: str
    status: str
    outcome: str | None


class SubjectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    kind: str
    external_ref: str
    owner_id: str | None
    display_name: str
    text: str
    media: list[str]
    real_name_verified: bool | None
    state: str
    verdict: str | None
    created_at: datetime


class VerdictRead(BaseModel):
    subject: SubjectRead
    decision: str
    hits: list[dict[str, Any]]
    lexicon_version: int | None
    case_id: str | None


class SubjectBatchIn(BaseModel):
    items: list[SubjectIn] = Field(min_length=1, max_length=5000)


class BatchAccepted(BaseModel):
    accepted: int
    subject_ids: list[str]


class CaseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    subject_id: str
    category: str
    severity: int
    queue: str
    status: str
    priority: int
    report_count: int
    sources: str
    sla_due_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    escalations: int
    escalated_at: datetime | None
    sla_breached_at: datetime | None = None
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


class CaseListRead(BaseModel):
    items: list[CaseRead]
    total: int
    offset: int
    limit: int


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    kind: str
    actor: str
    data: dict[str, Any]
    created_at: datetime


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    receipt: str
    category: str
    source: str
    reporter_ref: str
    authority: str
    document_no: str
    description: str
    evidence: list[Any]
    created_at: datetime


class MeasureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    case_id: str | None
    ip_notice_id: str | None
    subject_id: str
    account_id: str | None
    code: str
    family: str
    starts_at: datetime
    ends_at: datetime | None
    status: str
    ended_at: datetime | None
    end_reason: str
    decided_by: str
    automation: str
    trigger: str


class JudgedContentRead(BaseModel):
    """The subject's content as it was when the case was decided (kept; never updated)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    subject_id: str
    kind: str
    external_ref: str
    display_name: str
    text: str
    media: list[str]
    sha256: str
    created_at: datetime


class CasePage(BaseModel):
    case: CaseRead
    subject: SubjectRead = Field(description="The subject as it is now (the platform may "
                                 "have updated it since the decision).")
    judged: JudgedContentRead | None = Field(default=None, description="What the decision "
                                             "judged; null while the case is undecided.")
    owner: SubjectRead | None
    reports: list[ReportRead]
    events: list[EventRead]
    measures: list[MeasureRead]
    time_left_s: float


class GroundIn(BaseModel):
    """The ground of a measure: a law and article, or a platform rule and its version."""

    kind: Literal["law", "platform_rule"]
    law: str = Field(default="", max_length=200)
    article: str = Field(default="", max_length=60)
    rule: str = Field(default="", max_length=200)
    rule_version: str = Field(default="", max_length=60)


class MeasureIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    days: float | None = Field(default=None, gt=0, le=3650)


class DecisionIn(BaseModel):
    decision: Decision
    measures: list[MeasureIn] = Field(default_factory=list, max_length=6)
    ground: GroundIn | None = None
    facts: str = Field(default="", max_length=5000)
    automation: Automation = Automation.NOT_AUTOMATED


class CommentIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class EscalationIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class NextCaseIn(BaseModel):
    queues: list[str] = Field(default_factory=list, max_length=20)


class BulkIn(BaseModel):
    """A bulk action: preview cases chosen by id or by filter, then apply to the ids the
    preview returned (apply takes ``case_ids`` only; it never selects by filter again)."""

    case_ids: list[str] = Field(default_factory=list, max_length=500)
    queue: str | None = None
    category: str | None = None
    limit: int = Field(default=100, ge=1, le=500)
    decision: DecisionIn


class BulkPreview(BaseModel):
    cases: list[CaseRead]
    skipped: list[dict[str, str]]


class BulkResult(BaseModel):
    decided: list[str]
    skipped: list[dict[str, str]]


class StatementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    measure_id: str
    case_id: str | None
    body: dict[str, Any]
    appeal_deadline: datetime
    created_at: datetime


class NoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    title_zh: str
    title_en: str
    measure_id: str | None
    statement_id: str | None
    body: dict[str, Any]
    created_at: datetime


class MeasureChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    measure_id: str
    subject_id: str
    subject_kind: str
    subject_ref: str
    code: str
    change: str
    state: str
    ends_at: datetime | None
    at: datetime


class ChangeFeed(BaseModel):
    items: list[MeasureChangeRead]
    next_after: int


class StrikeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    case_id: str | None
    weight: int
    category: str
    counted_at: datetime
    reverses_id: str | None


class StrikeSummary(BaseModel):
    account_id: str
    total: int
    window_days: int
    strikes: list[StrikeRead]


class WebhookIn(BaseModel):
    url: HttpUrl


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    url: str
    active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str


class AppealIn(BaseModel):
    measure_id: str = Field(min_length=1, max_length=36)
    appellant_ref: str = Field(min_length=1, max_length=200)
    appellant_kind: Literal["user", "merchant"] = "user"
    grounds: str = Field(min_length=1, max_length=5000)


class PublicAppealIn(BaseModel):
    measure_id: str = Field(min_length=1, max_length=36)
    grounds: str = Field(min_length=1, max_length=5000)


class AppealDecisionIn(BaseModel):
    outcome: Literal["upheld", "overturned"]
    reason: str = Field(min_length=1, max_length=5000)


class AppealRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    measure_id: str
    case_id: str | None
    appellant_id: str
    grounds: str
    status: str
    deadline: datetime
    first_decider: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    created_at: datetime


class IPNoticeIn(BaseModel):
    subject: SubjectIn
    rights_holder: str = Field(min_length=1, max_length=200)
    rights_holder_contact: str = Field(default="", max_length=200)
    right_type: Literal["trademark", "copyright", "patent", "other"]
    right_ref: str = Field(default="", max_length=100, description="Registration/certificate no.")
    description: str = Field(default="", max_length=5000)
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)


class IPMeasureIn(BaseModel):
    code: Literal["stop_transmission", "removal"] = "stop_transmission"
    note: str = Field(default="", max_length=2000)


class IPRejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class PublicCounterNoticeIn(BaseModel):
    """The merchant's declaration of non-infringement, from its own inbox link."""

    declaration: str = Field(min_length=1, max_length=5000)
    evidence: list[Evidence] = Field(default_factory=list, max_length=20)


class CounterNoticeIn(PublicCounterNoticeIn):
    """The declaration sent by the platform's system for a named merchant: ``merchant_ref``
    must be the merchant the notice was forwarded to."""

    merchant_ref: str = Field(min_length=1, max_length=200,
                              description="The platform's id of the merchant declaring.")


class PublicHolderActionIn(BaseModel):
    """The rights holder shows it complained to an authority or sued (电子商务法 Art 43)."""

    kind: Literal["complaint", "lawsuit"]
    reference: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=200, description="Authority or court.")


class HolderActionIn(PublicHolderActionIn):
    """The same, sent by a system acting for the rights holder with the notice's rights-holder
    token (given once, when the notice was filed)."""

    holder_token: str = Field(min_length=1, max_length=200)


class PublicWithdrawalIn(BaseModel):
    """The rights holder withdraws its notice; the measure ends."""

    reason: str = Field(default="", max_length=2000)


class WithdrawalIn(PublicWithdrawalIn):
    holder_token: str = Field(min_length=1, max_length=200)


class IPEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    kind: str
    public: dict[str, Any]
    created_at: datetime


class IPNoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    receipt: str
    platform_id: str
    subject_id: str
    merchant_id: str | None
    rights_holder: str
    right_type: str
    right_ref: str
    status: str
    measure_id: str | None
    forwarded_to_merchant_at: datetime | None
    forwarded_to_holder_at: datetime | None
    clock_ends_at: datetime | None
    action_kind: str
    action_ref: str
    closed_at: datetime | None
    created_at: datetime


class IPNoticeFiled(IPNoticeRead):
    """A new notice and the rights holder's link, shown this once (Zeren keeps its SHA-256
    only): the rights holder follows the notice, receives the merchant's declaration and
    acts through it."""

    holder_token: str
    holder_link: str


class ForwardingRead(BaseModel):
    """One forwarding to a party: what, with the statement that went with it, when, and
    through which channels."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    to_party: str
    content: dict[str, Any]
    channels: list[str]
    created_at: datetime


class ForwardingPublic(BaseModel):
    """A forwarding as publicised (电子商务法 Art 44): what kind, to whom, when."""

    kind: str
    to_party: str
    at: datetime


class IPNoticePublic(BaseModel):
    receipt: str
    rights_holder: str
    right_type: str
    right_ref: str
    subject_ref: str
    status: str
    declaration: str
    clock_ends_at: datetime | None
    events: list[IPEventRead]
    forwardings: list[ForwardingPublic]


class IPHolderView(BaseModel):
    """The rights holder's page behind its link: its notice, the merchant's declaration and
    evidence, and what was forwarded to it (with the statement of 电子商务法 Art 43)."""

    notice: IPNoticeRead
    declaration: str
    evidence: list[dict[str, Any]]
    forwardings: list[ForwardingRead]


class ComplaintIn(BaseModel):
    consumer_ref: str = Field(min_length=1, max_length=200)
    consumer_contact: str = Field(default="", max_length=200)
    merchant: AccountIn
    order_ref: str = Field(default="", max_length=100)
    description: str = Field(min_length=1, max_length=5000)
    claim: str = Field(default="", max_length=2000)


class PublicMerchantReplyIn(BaseModel):
    """The merchant's answer to a complaint, from its own inbox link."""

    reply: str = Field(min_length=1, max_length=5000)
    accepted: bool


class MerchantReplyIn(PublicMerchantReplyIn):
    """The answer sent by the platform's system for a named merchant: ``merchant_ref`` must be
    the merchant complained about."""

    merchant_ref: str = Field(min_length=1, max_length=200,
                              description="The platform's id of the merchant answering.")


class MediationIn(BaseModel):
    settled: bool
    outcome: str = Field(min_length=1, max_length=5000)


class ComplaintRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    receipt: str
    platform_id: str
    consumer_ref: str
    merchant_id: str
    order_ref: str
    description: str
    claim: str
    status: str
    merchant_reply_due_at: datetime
    merchant_reply: str
    replied_at: datetime | None
    mediation_due_at: datetime | None
    mediator: str
    outcome: str
    resolved_at: datetime | None
    created_at: datetime


class ConsumerView(BaseModel):
    """The consumer's page behind its link: its complaint and what was forwarded to it."""

    complaint: ComplaintRead
    forwardings: list[ForwardingRead]


class ComplaintFiled(ComplaintRead):
    """A new complaint and the consumer's link, shown this once (Zeren keeps its SHA-256
    only)."""

    consumer_token: str
    consumer_link: str


class InboxLinkIn(BaseModel):
    account_ref: str = Field(min_length=1, max_length=200)
    kind: Literal["user", "merchant"] = "merchant"


class InboxLinkRead(BaseModel):
    """An account's inbox link, for the platform to hand to the merchant or user."""

    account_ref: str
    kind: str
    token: str
    link: str


class AuthorityReportIn(BaseModel):
    authority: str = Field(min_length=1, max_length=200)
    reference: str = Field(default="", max_length=100)
    summary: str = Field(min_length=1, max_length=5000)
    reported_at: Instant | None = Field(default=None, description="When it was reported; "
                                         "a time without a zone is read as UTC; not in the "
                                         "future.")

    @field_validator("reported_at")
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        # The field says UTC (the time policy's "unless the field says otherwise").
        return as_utc(v, naive=UTC) if v is not None else None


class AuthorityReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    case_id: str
    authority: str
    reference: str
    summary: str
    reported_at: datetime
    reported_by: str


class SanctionRead(BaseModel):
    measure_id: str
    merchant_ref: str
    merchant_name: str
    measure: str
    measure_zh: str
    ground: dict[str, Any]
    starts_at: datetime
    ends_at: datetime | None
    status: str
    appeal_status: str


class CategoryRead(BaseModel):
    code: str
    group: str
    severity: int
    name_zh: str
    name_en: str
    source: str


class TickResult(BaseModel):
    escalated: int
    expired: int
    ip_restored: int
    complaints_to_mediation: int
    screened: int
