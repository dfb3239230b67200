"""API shapes of the lexicon and screening endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from zeren.lexicon.domain import Action, Severity

MAX_BATCH = 1000


KIND_HELP = "Content kind: post, listing, ad, review, profile or message (default: all apply)."


class ScreenDoc(BaseModel):
    id: str | None = Field(default=None, max_length=200)
    text: str
    kind: str | None = Field(default=None, max_length=20, description=KIND_HELP)


class ScreenRequest(BaseModel):
    """One document (``text``, optional ``id``) or a batch (``documents``, up to 1,000)."""

    model_config = ConfigDict(extra="forbid")
    lexicon: str = Field(default="default", max_length=100)
    platform_id: str | None = None
    id: str | None = Field(default=None, max_length=200)
    kind: str | None = Field(default=None, max_length=20, description=KIND_HELP)
    text: str | None = None
    documents: list[ScreenDoc] | None = Field(default=None, max_length=MAX_BATCH)


class HitRead(BaseModel):
    start: int
    end: int
    matched: str
    term: str
    category: str
    severity: str
    action: str
    evasion: list[str]
    confidence: float
    place: str


class ScreenResult(BaseModel):
    id: str | None
    decision: Literal["block", "review", "pass"]
    hits: list[HitRead]


class ScreenOne(ScreenResult):
    lexicon: str
    version: int | None


class ScreenBatch(BaseModel):
    lexicon: str
    version: int | None
    results: list[ScreenResult]


class LexiconRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    description: str
    current_version: int
    created_at: datetime
    created_by: str


class LexiconCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    description: str = ""


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    version: int
    created_at: datetime
    actor_name: str
    reason: str
    added: int
    removed: int
    term_count: int


class TermWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    term: str = Field(min_length=1, max_length=200)
    category: str
    severity: Severity | None = None
    action: Action | None = None
    whitelist: bool = False
    variants: str = ""
    note: str = ""
    source: str = ""
    platform_id: str | None = None


class TermRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    term: str
    platform_id: str | None = None


class ChangeRequest(BaseModel):
    """One change, one new version: terms to add or change, terms to end, and why."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)
    upsert: list[TermWrite] = Field(default_factory=list, max_length=100_000)
    remove: list[TermRef] = Field(default_factory=list, max_length=100_000)


class TermRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    term: str
    category: str
    severity: str
    action: str
    whitelist: bool
    variants: str
    note: str
    source: str
    platform_id: str | None
    added_in: int


class DiffRead(BaseModel):
    added: list[str]
    removed: list[str]
    changed: list[str]


class FindingRead(BaseModel):
    """A hit the daily patrol found in a stored item, and whether someone handled it."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    platform_id: str
    item_id: str | None
    subject_id: str | None
    kind: str | None
    case_id: str | None = Field(description="The moderation case it opened or joined; its "
                                "decision is the finding's handling.")
    case_status: str | None = None
    case_decision: str | None = None
    confidence: float | None
    term: str
    category: str
    action: str
    start_offset: int
    end_offset: int
    matched: str
    first_run_id: str
    last_run_id: str
    found_at: datetime
    handled_at: datetime | None
    handled_by: str | None
    handling: str


class FindingReport(BaseModel):
    """A serious finding reported to an authority (through moderation's authority reports)."""

    model_config = ConfigDict(extra="forbid")
    authority: str = Field(min_length=1, max_length=200)
    reference: str = Field(default="", max_length=200)
    summary: str = Field(min_length=1, max_length=5000)


class FindingHandle(BaseModel):
    """How a finding was dealt with (下架 taken down, 核实无误 kept after review, …)."""

    model_config = ConfigDict(extra="forbid")
    handling: str = Field(min_length=1, max_length=2000)
