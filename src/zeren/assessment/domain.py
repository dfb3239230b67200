"""Pure rules of the audit engagement (指南 第八条): finding severities and the states of
remediation, what counts as overdue, the period of an engagement, and the deterministic
sample of records an auditor draws. No database, no web."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class Severity(StrEnum):
    """How grave a finding is: 低 low / 中 medium / 高 high / 严重 critical."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_ZH = {Severity.LOW: "低", Severity.MEDIUM: "中", Severity.HIGH: "高",
               Severity.CRITICAL: "严重"}


class FindingStatus(StrEnum):
    """Remediation of a finding: 待整改 open → 整改中 in_progress → 已整改待验证 remediated
    (the platform says it is done) → 已关闭 closed (the auditor has checked it). The auditor
    may reopen a remediated finding."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    REMEDIATED = "remediated"
    CLOSED = "closed"


STATUS_ZH = {FindingStatus.OPEN: "待整改", FindingStatus.IN_PROGRESS: "整改中",
             FindingStatus.REMEDIATED: "已整改待验证", FindingStatus.CLOSED: "已关闭"}

# Who may move a finding where: the platform carries out remediation, the auditor alone
# closes (or reopens) a finding.
PLATFORM_MOVES: dict[FindingStatus, frozenset[FindingStatus]] = {
    FindingStatus.OPEN: frozenset({FindingStatus.IN_PROGRESS, FindingStatus.REMEDIATED}),
    FindingStatus.IN_PROGRESS: frozenset({FindingStatus.REMEDIATED}),
    FindingStatus.REMEDIATED: frozenset(),
    FindingStatus.CLOSED: frozenset(),
}
AUDITOR_MOVES: dict[FindingStatus, frozenset[FindingStatus]] = {
    FindingStatus.OPEN: frozenset({FindingStatus.CLOSED}),
    FindingStatus.IN_PROGRESS: frozenset({FindingStatus.CLOSED}),
    FindingStatus.REMEDIATED: frozenset({FindingStatus.CLOSED, FindingStatus.OPEN}),
    FindingStatus.CLOSED: frozenset(),
}


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """Overdue: remediation not yet done (open or in progress) and the due date has passed.
    A finding the platform reports remediated waits for the auditor, and is not overdue."""
    return status in (FindingStatus.OPEN, FindingStatus.IN_PROGRESS) and due_on < today


# Art 8 asks for a regular (定期) audit; Zeren's default is yearly, the period the posture
# reads for a signed audit report (UNCONFIRMED: the guideline names no interval).
AUDIT_INTERVAL = timedelta(days=366)


@dataclass(frozen=True)
class AuditPeriod:
    start: datetime
    end: datetime


def check_period(start: datetime, end: datetime, now: datetime) -> str | None:
    """Why a period cannot be audited, or None."""
    if start.utcoffset() is None or end.utcoffset() is None:
        return "period start and end need a time zone"
    if end <= start:
        return "period end is not after its start"
    if end > now:
        return "period end is in the future: a bundle proves what has been signed already"
    return None


def sample_indexes(*, seed: str, lo: int, hi: int, n: int) -> list[int]:
    """``n`` distinct record indexes in [lo, hi), drawn from ``seed`` (the auditor's), in the
    order drawn: the same seed draws the same sample, so the auditor can show how it was
    drawn."""
    span = hi - lo
    if span <= 0 or n <= 0:
        return []
    rng = random.Random(seed)  # reproducible audit sampling, not secrecy
    return [lo + i for i in rng.sample(range(span), min(n, span))]


def ledger_ref(log: str, index: int) -> str:
    """How a finding cites a ledger record: ``ledger:<log>#<index>``."""
    return f"ledger:{log}#{index}"


def parse_ledger_ref(ref: str) -> tuple[str, int] | None:
    """``ledger:<log>#<index>`` → (log, index); None for anything else."""
    if not ref.startswith("ledger:") or "#" not in ref:
        return None
    log, _, idx = ref[len("ledger:"):].rpartition("#")
    if not log or not idx.isdigit() or (idx != "0" and idx.startswith("0")):
        return None
    return log, int(idx)
