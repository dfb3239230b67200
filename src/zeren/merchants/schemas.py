"""API shapes of the merchant registry, which are also the services' typed inputs. Identifier
rules (check digits, kind rules) are the pure rules' (``domain.normalise_merchant``), so the
API, the import and the CLI refuse the same things with the same field names."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from zeren.timepolicy import Day


class LicenceIn(BaseModel):
    """A licence (行政许可): kind from the registry data, number, issuer, scope, validity."""

    kind: str = Field(max_length=60, description="A licence kind code or its Chinese name.")
    number: str = Field(min_length=1, max_length=100)
    issuer: str = Field(min_length=1, max_length=200)
    scope: str = Field(default="", max_length=2000)
    valid_from: Day
    valid_until: Day | None = Field(default=None, description="None: 长期 (no end).")

    def values(self) -> dict[str, Any]:
        return {f"licence_{k}": v for k, v in self.model_dump().items()}


class ShopIn(BaseModel):
    shop_ref: str = Field(min_length=1, max_length=100, description="The platform's shop id.")
    name: str = Field(min_length=1, max_length=200)
    url: str | None = Field(default=None, max_length=500)


class MerchantIn(BaseModel):
    """A merchant to register. ``kind`` decides what is required: an enterprise or individual
    business needs its USCC and representative; an individual business or natural person
    needs the resident ID; a natural person needs the ground of 电子商务法 第十条."""

    merchant_ref: str = Field(min_length=1, max_length=100,
                              description="The platform's own merchant id (orders name it).")
    kind: str = Field(max_length=60,
                      description="enterprise / individual_business / natural_person (or 企业…)")
    legal_name: str = Field(min_length=1, max_length=200)
    uscc: str | None = Field(default=None, max_length=40)
    representative: str | None = Field(default=None, max_length=100)
    resident_id: str | None = Field(default=None, max_length=40,
                                    description="Personal data: sealed, shown masked.")
    ground: str | None = Field(default=None, max_length=60)
    business_scope: str = Field(default="", max_length=2000)
    registered_address: str = Field(default="", max_length=500)
    business_address: str = Field(default="", max_length=500)
    contact_name: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=50)
    contact_email: str = Field(default="", max_length=200)
    shops: list[ShopIn] = Field(default_factory=list, max_length=100)
    licences: list[LicenceIn] = Field(default_factory=list, max_length=100)

    def values(self) -> dict[str, Any]:
        return self.model_dump(exclude={"shops", "licences"})


class ShopRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    shop_ref: str
    name: str
    url: str | None
    created_at: datetime
    closed_at: datetime | None


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    licence_id: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime


class LicenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    merchant_id: str
    kind: str
    kind_zh: str = ""
    number: str
    issuer: str
    scope: str
    valid_from: date
    valid_until: date | None
    status: str
    days_left: int | None = Field(default=None, description="Days until expiry (Beijing).")
    documents: list[DocumentRead] = Field(default_factory=list)


class MerchantSummary(BaseModel):
    """A merchant as the list shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    platform_id: str
    merchant_ref: str
    kind: str
    legal_name: str
    uscc: str | None
    status: str
    verification: str
    reverify_due: date | None
    next_licence_expiry: date | None
    overdue: bool = False


class MerchantRead(MerchantSummary):
    ground: str | None
    representative: str | None
    resident_id_masked: str | None
    business_scope: str
    addresses: list[dict[str, str]]
    contacts: list[dict[str, str]]
    verified_at: datetime | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    exit_announced_at: datetime | None = None
    exit_on: date | None = None
    exited_at: datetime | None = None
    keep_until: date | None = None
    shops: list[ShopRead] = Field(default_factory=list)
    licences: list[LicenceRead] = Field(default_factory=list)


class MerchantPage(BaseModel):
    items: list[MerchantSummary]
    total: int | None = Field(description="Rows the filters match (None when a cursor is used "
                                          "and the count was not asked for).")
    offset: int
    limit: int
    next: str | None = Field(default=None, description="Cursor for the next page (after=).")


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    at: datetime
    by: str
    details: dict[str, Any]


class ResidentIdRead(BaseModel):
    merchant_id: str
    resident_id: str | None = Field(description="None once erased.")
    erased: bool


class ImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    filename: str
    sha256: str
    format: str
    encoding: str
    rows: int
    licences: int
    imported_by: str
    imported_at: datetime
    seconds: float | None = None


class KindRead(BaseModel):
    code: str
    zh: str
    en: str
    source: str


class VerificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    merchant_id: str
    at: datetime
    verifier: str
    provider: str
    outcome: str
    checks: list[dict[str, Any]]
    reasons: list[str]
    evidence: dict[str, Any]
    next_due: date | None


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    merchant_id: str
    merchant_ref: str = ""
    legal_name: str = ""
    licence_id: str | None
    due_on: date
    days_left: int = 0
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    case_id: str | None
    note: str


class TaskPage(BaseModel):
    items: list[TaskRead]
    total: int
    offset: int
    limit: int


class DueRunRead(BaseModel):
    opened: dict[str, int]
    cases: int
    exited: int = 0


MAX_PRICE = Decimal("1000000000000")  # 10^12 yuan: far above any real price (ADR 0043)


class ListingIn(BaseModel):
    """A listing (商品或服务信息) as the merchant submits it; a listing_ref already on the
    platform makes a new version of that listing."""

    listing_ref: str = Field(min_length=1, max_length=100,
                             description="The platform's own listing id.")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    category: str = Field(min_length=1, max_length=60,
                          description="The platform's category; some need a licence (data).")
    price: Decimal = Field(ge=0, le=MAX_PRICE, max_digits=15, decimal_places=2,
                           description="Yuan, two decimals at most.")
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    images: list[str] = Field(default_factory=list, max_length=30,
                              description="SHA-256 (hex) of each image.")


class ListingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    merchant_id: str
    listing_ref: str
    title: str
    description: str
    category: str
    price_cents: int
    currency: str
    images: list[str]
    status: str
    version: int
    licence_kind: str | None
    licence_id: str | None
    screening: str
    case_id: str | None
    created_at: datetime
    updated_at: datetime


class ListingVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    at: datetime
    by: str
    content: dict[str, Any]
    sha256: str
    status: str
    reasons: list[str]
    case_id: str | None


class ListingPage(BaseModel):
    items: list[ListingRead]
    total: int
    offset: int
    limit: int


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=400)


class ShownLicence(BaseModel):
    kind: str = Field(default="", max_length=60)
    number: str = Field(default="", max_length=100)
    valid_until: str | None = Field(default=None, max_length=40)


class DisclosureIn(BaseModel):
    """What a shop page displays (电子商务法 第十五条), field by field, as the platform read it."""

    shop_ref: str | None = Field(default=None, max_length=100)
    legal_name: str | None = Field(default=None, max_length=200)
    uscc: str | None = Field(default=None, max_length=40)
    ground: str | None = Field(default=None, max_length=100)
    licences: list[ShownLicence] = Field(default_factory=list, max_length=100)

    def shown(self) -> dict[str, Any]:
        return self.model_dump(exclude={"shop_ref"})


class DisclosureRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    merchant_id: str
    shop_ref: str | None
    at: datetime
    by: str
    source: str
    shown: dict[str, Any]
    snapshot_sha256: str | None
    snapshot_size: int | None
    expected: dict[str, Any]
    findings: list[dict[str, Any]]
    outcome: str


class ExitIn(BaseModel):
    """An exit announcement (电子商务法 第十六条): the day the merchant leaves and why."""

    exit_on: Day
    reason: str = Field(min_length=1, max_length=400)


class TaxReportIn(BaseModel):
    quarter: str = Field(min_length=1, max_length=10, description="e.g. 2026Q3")
    reason: str = Field(default="", max_length=400,
                        description="Why a new version (needed when one exists).")


class ColumnRead(BaseModel):
    code: str
    heading: str


class IdentityReportIn(BaseModel):
    period: str = Field(min_length=1, max_length=10,
                        description="The reporting month of the schedule, e.g. 2027-01")
    reason: str = Field(default="", max_length=400,
                        description="Why a new version (needed when one exists).")


class IdentityPreviewRead(BaseModel):
    period: str
    covers_from: date = Field(description="First Beijing day covered.")
    covers_until: date = Field(description="The day after the last day covered.")
    due_on: date
    columns: list[ColumnRead]
    rows: list[dict[str, Any]]
    total_rows: int
    totals: dict[str, int]
    offset: int
    limit: int


class ReceiptIn(BaseModel):
    receipt_ref: str = Field(min_length=1, max_length=200,
                             description="The authority's receipt reference.")


class TaxPreviewRead(BaseModel):
    quarter: str
    due_on: date
    columns: list[ColumnRead]
    money: list[str] = Field(description="Columns that hold amounts (in fen).")
    rows: list[dict[str, Any]]
    total_rows: int
    totals: dict[str, int]
    offset: int
    limit: int


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    period: str
    version: int
    supersedes_id: str | None
    status: str
    due_on: date
    rows: int
    totals: dict[str, int]
    csv_sha256: str
    xlsx_sha256: str
    generated_at: datetime
    generated_by: str
    approved_at: datetime | None
    approved_by: str | None
    submitted_at: datetime | None
    submitted_by: str | None
    receipt_ref: str | None
