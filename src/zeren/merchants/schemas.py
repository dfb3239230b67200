"""API shapes of the merchant registry, which are also the services' typed inputs. Identifier
rules (check digits, kind rules) are the pure rules' (``domain.normalise_merchant``), so the
API, the import and the CLI refuse the same things with the same field names."""

from __future__ import annotations

from datetime import date, datetime
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
