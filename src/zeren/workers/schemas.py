"""API shapes of the gig-worker register. Kinds, cities and states are checked by the
services against ``data/workers.toml``, so the API, the CLI and a CSV import refuse the same
values with the same field. Segment times are taken as written: one without a time zone is
refused (a log's clock must say which zone it is in), never assumed to be Beijing's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from zeren.timepolicy import in_range_instant

# Kept as written (its zone checked by the service), within Zeren's range of dates.
Stamp = Annotated[datetime, AfterValidator(in_range_instant)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Identity(In):
    """Who the worker is: sealed in the ledger's personal-data store, never in a table."""

    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    id_number: str | None = Field(default=None, max_length=40)


class WorkerIn(In):
    worker_id: str = Field(min_length=1, max_length=100,
                           description="The platform's own id for the worker.")
    kind: str = Field(min_length=1, max_length=20, description="rider, driver, … (data)")
    city: str = Field(min_length=1, max_length=40,
                      description="City code whose minimum hourly wage applies (data).")
    personal: Identity | None = None


class WorkersIn(In):
    workers: list[WorkerIn] = Field(min_length=1, max_length=10_000)


class WorkerRead(Read):
    worker_ref: str
    kind: str
    city: str
    personal_ref: str | None
    created_at: datetime


class SegmentIn(In):
    worker_id: str = Field(min_length=1, max_length=100)
    starts_at: Stamp = Field(description="With its time zone (e.g. +08:00).")
    ends_at: Stamp = Field(description="With its time zone.")
    state: str = Field(default="delivering", max_length=20,
                       description="waiting or delivering (data)")
    orders: int = Field(default=0, ge=0, le=10_000)
    pay_fen: int = Field(default=0, ge=0, le=100_000_000,
                         description="Pay for the orders completed in the segment, in fen.")


class SegmentsIn(In):
    segments: list[SegmentIn] = Field(min_length=1, max_length=100_000)


class ImportRead(Read):
    id: str
    source: str
    sha256: str
    rows: int
    created_at: datetime


class RuleRead(BaseModel):
    rule: str
    assessed: int = Field(description="Worker-days, stretches or worker-weeks assessed.")
    breaches: int
    workers_breaching: int
    limit: str
    source: str


class FindingRead(BaseModel):
    worker_id: str
    rule: str
    day: date = Field(description="The Beijing day (for weekly rules, the week's Monday).")
    value: int
    limit: int
    unit: str


class ReportRead(BaseModel):
    first_day: date
    weeks: int
    segments: int
    workers_active: int
    rules: list[RuleRead]
    findings: list[FindingRead] = Field(description="By worker, then rule (at most `limit`).")
    findings_total: int
    by_worker: dict[str, int] = Field(description="Breaches per worker (most first, at most "
                                      "`limit`).")
    extra: dict[str, Any] = Field(default_factory=dict)
