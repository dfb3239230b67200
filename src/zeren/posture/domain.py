"""Pure posture vocabulary: statuses, a check's result, and how statuses combine.
No database and no web here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Status(StrEnum):
    """What a check found. 合规 met / 有风险 at_risk / 未合规 unmet / 不适用 not_applicable /
    已变通 exempted / 未评估 not_assessed."""

    MET = "met"
    AT_RISK = "at_risk"
    UNMET = "unmet"
    NOT_APPLICABLE = "not_applicable"
    EXEMPTED = "exempted"
    NOT_ASSESSED = "not_assessed"


# Worst first: an article is as good as its worst applicable check.
SEVERITY_ORDER: tuple[Status, ...] = (
    Status.UNMET,
    Status.AT_RISK,
    Status.NOT_ASSESSED,
    Status.MET,
    Status.EXEMPTED,
    Status.NOT_APPLICABLE,
)


def worst(statuses: Iterable[Status]) -> Status:
    """The status an article shows given its checks' statuses (no checks: not_assessed)."""
    found = list(statuses)
    if not found:
        return Status.NOT_ASSESSED
    return min(found, key=SEVERITY_ORDER.index)


@dataclass(frozen=True)
class CheckResult:
    """What one evaluation found: ``reason`` is one English line; ``reason_zh`` the same in
    Chinese for the console (optional: the console falls back to ``reason``)."""

    status: Status
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    reason_zh: str = ""


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the open session, the platform being assessed, and 'now'."""

    session: Session
    platform_id: str
    now: datetime


@dataclass(frozen=True)
class Check:
    """One verifiable obligation. ``key`` is stable (it names evidence snapshots);
    ``item`` is the article's item number (一)=1 … or None for the article as a whole.
    ``attestable``: where data cannot show the duty, a dated attestation may stand in."""

    key: str
    article: int
    title_zh: str
    title_en: str
    evaluate: Callable[[CheckContext], CheckResult]
    item: int | None = None
    attestable: bool = False
